"""The whole country: the library-level national analysis and ``reports --all-regions``.

The all-regions run goes to a ``distributed.LocalCluster`` (one worker process, one thread) in
a copy of the project (``BEKOSTIGING_ROOT``), so the generated region files never land in the
checkout. One region with one municipality (Utrecht Stad, JZ22) keeps it to a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from distributed import LocalCluster

from bekostiging.analysis.national import jeugdzorgregio_ids, national_analysis
from bekostiging.batch import reports
from bekostiging.batch.reports import RegionRun, render_national_index
from bekostiging.batch.runner import Job, JobResult
from bekostiging.core.errors import InputError
from bekostiging.core.paths import PROJECT_ROOT, REGIONS_DIR
from bekostiging.data.newregion import copy_assumptions

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_every_jeugdzorgregio_has_an_id_and_unknown_codes_are_refused():
    ids = jeugdzorgregio_ids()
    assert len(ids) == 42 and len(set(ids.values())) == 42
    assert ids["JZ25"] == "achterhoek"  # the hand-configured file of the Achterhoek is reused
    assert jeugdzorgregio_ids(["jz22"]) == {"JZ22": "utrecht_stad"}
    with pytest.raises(InputError, match="JZ99"):
        jeugdzorgregio_ids(["JZ22", "JZ99"])


def _run(code: str, region: str, statuses: list[str], root: Path) -> RegionRun:
    out = root / region / "peiljaar-2024"
    results = tuple(
        JobResult(
            Job("nb.ipynb", out / f"r{i}.ipynb", out / f"r{i}.html", {}, f"r{i}"),
            s,
            None,
            T0,
            T0,
            1.0,
        )  # fmt: skip
        for i, s in enumerate(statuses)
    )
    return RegionRun(code, region, region.title(), results, out / "index.html")


def test_index_of_indexes_links_each_region_and_counts_its_reports(tmp_path):
    runs = [
        _run("JZ22", "utrecht_stad", ["ok", "ok"], tmp_path),
        _run("JZ15", "haarlemmermeer", ["ok", "failed"], tmp_path),
        RegionRun("JZ01", "groningen", "Groningen", (), None, "InputError: regio laadt niet"),
    ]
    page = render_national_index(runs, tmp_path, "Alle regio’s", 2024)
    links = re.findall(r'href="([^"]+)"', page)
    assert links == [
        "utrecht_stad/peiljaar-2024/index.html",
        "haarlemmermeer/peiljaar-2024/index.html",
    ]
    assert "gemaakt op 1 januari 2026 · peiljaar 2024 · 3 jeugdzorgregio’s, 4 rapporten" in page
    assert "Niet alles gelukt in 2 regio’s (1 rapporten mislukt)" in page
    # failures only where they happened: Haarlemmermeer (one report) and Groningen (no run)
    assert "1 van 2 rapporten mislukt (r1)" in page and "regio laadt niet" in page
    assert page.count('<span class="mislukt">mislukt</span>') == 2
    assert "gereed" not in page and "Leeswijzer" in page


def test_national_analysis_stacks_regions_and_isolates_a_failing_one(tmp_path):
    assumptions = copy_assumptions(tmp_path / "assumptions")
    # A broken region file for Haarlemmermeer (no municipalities): that region fails, Utrecht
    # Stad is still computed.
    broken = assumptions / "regions" / "haarlemmermeer.yaml"
    broken.write_text("id: haarlemmermeer\nname: Haarlemmermeer\nmunicipalities: []\n", "utf-8")
    na = national_analysis(
        codes=["JZ22", "JZ15"], draws=400, workers=1, assumptions_dir=assumptions
    )
    assert set(na.failures) == {"JZ15"} and "municipalities" in na.failures["JZ15"]
    assert set(na.start_budgets["gemeentecode"]) == {"GM0344"}
    assert set(na.start_budgets["jeugdzorgregio_code"]) == {"JZ22"}
    assert (na.start_budgets["gemeente"] == "Utrecht").all()
    sb = na.start_budgets.groupby("year")["budget"].sum()
    proj = na.projections.set_index("year")
    years = [y for y in sb.index if y in proj.index]
    assert years == list(range(2027, 2034))
    # The projection's mean is the start budget up to Monte Carlo error (400 draws).
    ratio = proj.loc[years, "mean"].to_numpy() / sb.loc[years].to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.05), ratio
    assert (proj["p10"] <= proj["p50"]).all() and (proj["p50"] <= proj["p90"]).all()
    assert na.totals().loc["JZ22", 2027] == pytest.approx(sb.loc[2027])
    assert sb.loc[2027] > 1e8  # Utrecht (~370,000 inhabitants): hundreds of millions a year


def _project_copy(root: Path) -> Path:
    """A project folder for BEKOSTIGING_ROOT: the data (raw linked), notebooks, pyproject."""
    root.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(PROJECT_ROOT / "data" / "raw")
    copy_assumptions(root / "data" / "assumptions")
    shutil.copytree(PROJECT_ROOT / "data" / "submissions", root / "data" / "submissions")
    shutil.copytree(
        PROJECT_ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".*")
    )
    return root


@pytest.mark.slow
def test_all_regions_on_a_local_dask_cluster(tmp_path, monkeypatch):
    root = _project_copy(tmp_path / "project")
    out = tmp_path / "rapporten"
    monkeypatch.setenv("BEKOSTIGING_ROOT", str(root))  # the worker and the command see it
    src = str(PROJECT_ROOT / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        cmd = [
            sys.executable, "-m", "bekostiging", "reports", "--all-regions", "--regions", "JZ22",
            "--draws", "200", "--scheduler", cluster.scheduler_address, "--out", str(out),
        ]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "1 regio's, 2 van 2 rapporten gereed" in run.stdout
    # The generated region file is in the copy, not in the checkout.
    assert (root / "data" / "assumptions" / "regions" / "utrecht_stad.yaml").is_file()
    assert not (PROJECT_ROOT / "data" / "assumptions" / "regions" / "utrecht_stad.yaml").exists()

    top = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in top and "Utrecht Stad (JZ22)" in top and "<script" not in top
    assert re.findall(r'href="([^"]+)"', top) == [
        "utrecht_stad/peiljaar-2024/index.html",
        "utrecht_stad/peiljaar-2024/regio_utrecht-stad.html",
    ]
    folder = out / "utrecht_stad" / "peiljaar-2024"
    region_index = (folder / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', region_index)
    assert links == [
        "regio_utrecht-stad.html",  # the regional overview first
        "gemeente_GM0344_utrecht.html",
        "gemeente_GM0344_utrecht.html",
        "gemeente_GM0344_utrecht.xlsx",
        "results/GM0344.json",
    ]
    for link in links:
        assert (folder / link).stat().st_size > 1_000
    assert (folder / "notebooks" / "gemeente_GM0344_utrecht.ipynb").is_file()
    assert not list(folder.glob("*.ipynb"))  # executed notebooks apart from the reports
    assert (folder / "results" / "GM0344.json").is_file()
    assert not list(out.rglob(".*.running.ipynb")) and not list(out.rglob("*.failed.*"))


def test_all_regions_locally_keeps_going_when_a_region_fails(tmp_path, monkeypatch):
    """The local path (process pool per region), with the notebook runs replaced: a region
    whose shared analysis fails marks its reports failed, the next region still runs and the
    index of indexes lists both."""
    files = {"JZ09": REGIONS_DIR / "alkmaar.yaml", "JZ25": REGIONS_DIR / "achterhoek.yaml"}
    monkeypatch.setattr(reports, "region_files", lambda codes, folder, errors=None: files)
    ran = []

    def fake_run_reports(settings, codes, out, *args):
        ran.append((settings.region, codes, out))
        if settings.region == "alkmaar":
            raise ValueError("regio kan niet worden doorgerekend")
        jobs, overview = reports.plan(settings, out=out)
        return 0, [JobResult(j, "ok", None, T0, T0, 2.0) for j in [*jobs, overview]], out

    monkeypatch.setattr(reports, "run_reports", fake_run_reports)
    code, runs, index = reports.run_all_regions(out=tmp_path, progress=False, draws=100)

    assert code == 1
    assert [(r.code, r.region, r.n_ok, len(r.results)) for r in runs] == [
        ("JZ09", "alkmaar", 0, 7),  # 6 municipalities + overview, all failed
        ("JZ25", "achterhoek", 9, 9),
    ]
    assert ran[1][2] == tmp_path / "achterhoek" / "peiljaar-2024" and ran[1][1] is None
    assert runs[0].results[0].error == "ValueError: regio kan niet worden doorgerekend"
    page = index.read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', page) == [
        "alkmaar/peiljaar-2024/index.html",
        "achterhoek/peiljaar-2024/index.html",
    ]
    assert "Zaanstreek-Waterland (JZ09)" in page and "Achterhoek (JZ25)" in page
    assert "2 jeugdzorgregio’s, 16 rapporten" in page
    assert "Niet alles gelukt in 1 regio (7 rapporten mislukt)" in page
    assert page.count('<span class="mislukt">mislukt</span>') == 1  # only Zaanstreek-Waterland
    assert "7 van 7 rapporten mislukt" in page
    assert (tmp_path / "alkmaar" / "peiljaar-2024" / "index.html").is_file()
