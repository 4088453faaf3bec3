"""Batch smoke tests: the report command for two municipalities, and one that breaks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bekostiging.report.htmlexport import assert_offline


def _run(tmp: Path, *extra: str, config: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "bekostiging",
        "reports",
        "--region",
        "achterhoek",
        "--only",
        "GM0197",
        "GM0222",
        "--draws",
        "200",
        "--out",
        str(tmp / "out"),
        *extra,
    ]
    if config is not None:
        cmd += ["--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def ok_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch_ok")
    return tmp, _run(tmp)


def test_two_municipalities_produce_every_file(ok_run):
    tmp, proc = ok_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp / "out"
    for stem in ("gemeente_GM0197_aalten", "gemeente_GM0222_doetinchem"):
        for ext in (".html", ".xlsx"):
            assert (out / f"{stem}{ext}").is_file(), stem + ext
        assert (out / "notebooks" / f"{stem}.ipynb").is_file(), stem  # apart from the reports
    assert not list(out.glob("*.ipynb"))
    for code in ("GM0197", "GM0222"):
        data = json.loads((out / "results" / f"{code}.json").read_text(encoding="utf-8"))
        assert data["gemeentecode"] == code and data["start_budget"]["first_full_year"] > 0
    assert not list(out.rglob("*.failed.*"))
    assert not list(out.rglob(".*.tmp")) and not list(out.rglob(".*running*"))


def test_reports_are_offline_without_code_and_in_dutch(ok_run):
    tmp, _ = ok_run
    html = (tmp / "out" / "gemeente_GM0197_aalten.html").read_text(encoding="utf-8")
    assert assert_offline(html) == []
    assert "RegionAnalysis" not in html and "import " not in html  # no code cells
    assert "Startbudget" in html and "€ " in html
    assert "<img" in html and "data:image/png;base64" in html  # charts embedded


def test_index_lists_both_reports(ok_run):
    tmp, proc = ok_run
    index = (tmp / "out" / "index.html").read_text(encoding="utf-8")
    body = index.split("<body>")[1]  # the style sheet names the class for failures
    assert "mislukt" not in body and "Leeswijzer" in body and "peiljaar 2024" in body
    for stem in ("gemeente_GM0197_aalten", "gemeente_GM0222_doetinchem"):
        assert f'href="{stem}.html"' in index and f'href="{stem}.xlsx"' in index
    assert 'href="results/GM0197.json"' in index
    assert "contractperiode 1 januari 2027 tot en met 2033" in index
    assert assert_offline(index) == []


def test_a_broken_municipality_does_not_stop_the_others(tmp_path):
    broken = tmp_path / "kapot.yaml"
    broken.write_text("startbudget.trend_damping: [niet, een, getal\n", encoding="utf-8")
    config = tmp_path / "batch.yaml"
    config.write_text(
        "defaults:\n  reference_year: 2024\n  contract_start: '2027-01-01'\n"
        f"overrides:\n  GM0222:\n    scenario: {broken}\n",
        encoding="utf-8",
    )
    proc = _run(tmp_path, config=config)
    assert proc.returncode == 1
    out = tmp_path / "out"
    assert (out / "gemeente_GM0197_aalten.html").is_file()
    assert not (out / "gemeente_GM0222_doetinchem.html").exists()
    assert (out / "notebooks" / "gemeente_GM0222_doetinchem.failed.ipynb").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 van 2 rapporten mislukt" in index and 'href="gemeente_GM0197_aalten.html"' in index
    assert "fout in de YAML-opmaak" in index
    assert 'href="notebooks/gemeente_GM0222_doetinchem.failed.ipynb"' in index
    assert "Mislukt: Doetinchem (GM0222)" in proc.stderr


def test_a_typo_in_the_batch_stops_before_anything_runs(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bekostiging",
            "reports",
            "--only",
            "GM0917",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "gemeente hoort niet bij regio" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
