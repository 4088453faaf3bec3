"""Any region builds its reports (issue 12, acceptance): a generated jeugdzorgregio, and a
youth-only region whose crisis care two centrumgemeenten book.

Both are generated with ``new-region``'s library functions into a copy of data/assumptions in
a temporary folder (the project's own region list does not change) and built with the real
``reports`` command and notebooks (few draws). The reports may name no municipality or policy
document of another region.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bekostiging.config.region import load_region
from bekostiging.data import newregion as nr
from bekostiging.report.htmlexport import assert_offline

pytestmark = pytest.mark.slow

OTHER_REGIONS = ("achterhoek", "alkmaar")
OTHER_DOCUMENTS = ("9 februari 2021", "Vervolguitwerking", "informatiebrief", "seed 00")


def _foreign_words() -> set[str]:
    """Municipality names and document words of the project's own regions."""
    words = set(OTHER_DOCUMENTS)
    for rid in OTHER_REGIONS:
        region = load_region(rid)
        words |= {m.name for m in region.municipalities}
        words |= {region.policy.document, region.policy.cited} - {""}
    return words


def _generate(tmp: Path, region_id: str, jeugdzorgregio: str, change=None) -> Path:
    root = nr.copy_assumptions(tmp / "assumptions")
    new = nr.generate(region_id, jeugdzorgregio=jeugdzorgregio, assumptions_dir=root)
    nr.write_region(new, root)
    path = root / "regions" / f"{region_id}.yaml"
    if change is not None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _reports(region: Path, out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "bekostiging", "reports", "--region", str(region)]
    cmd += ["--draws", "100", "--out", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=2400)


def _check_built(region: Path, out: Path, proc: subprocess.CompletedProcess) -> list[str]:
    """Every report of the region was built and opens offline; their combined text."""
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    r = load_region(region)
    assert not list(out.glob("*.failed.*"))
    texts = []
    for code in r.current_codes():
        html = list(out.glob(f"gemeente_{code}_*.html"))
        assert len(html) == 1, code
        texts.append(html[0].read_text(encoding="utf-8"))
        data = json.loads((out / "results" / f"{code}.json").read_text(encoding="utf-8"))
        assert data["start_budget"]["first_full_year"] > 0
    overview = list(out.glob("regio_*.html"))
    assert len(overview) == 1
    texts.append(overview[0].read_text(encoding="utf-8"))
    assert all(assert_offline(t) == [] for t in texts)
    return texts


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("generated")
    region = _generate(tmp, "midden_limburg_oost", "JZ42")
    out = tmp / "out"
    return region, out, _reports(region, out)


def test_a_generated_region_builds_its_reports(generated):
    region, out, proc = generated
    texts = _check_built(region, out, proc)
    r = load_region(region)
    current = [r.name_of(c) for c in r.current_codes()]
    assert r.name in texts[-1] and all(name in texts[-1] for name in current)
    # No other region's municipality or document appears in any report of this region.
    foreign = _foreign_words()
    leaks = sorted({w for t in texts for w in foreign if w in t})
    assert leaks == [], leaks
    # The region file names no policy document: the report says so instead of borrowing one.
    assert "noemt (nog) geen beleidsdocument" in texts[0]


def _youth_only_two_centres(data: dict) -> None:
    """Wmo not bought jointly; crisis youth care booked by Velsen and Beverwijk together."""
    for s in data["segments"]:
        if s["domain"] == "wmo":
            s["procured"] = False
            s.pop("funding", None)
            s["reason"] = "Wmo wordt niet gezamenlijk ingekocht (test)"
    crisis = next(
        s["id"] for s in data["segments"] if s["domain"] == "jeugd" and "crisis" in s["id"]
    )
    data["regional_pooling"] = [
        {
            "segments": [crisis],
            "booked_by": ["GM0453", "GM0375"],
            "shares": {"GM0375": 0.8},
            "key": "jeugd_0_17",
            "source": "estimate",
        }
    ]


def test_a_youth_only_region_with_two_centrumgemeenten_builds(tmp_path):
    region = _generate(tmp_path, "ijmond_jeugd", "JZ10", _youth_only_two_centres)
    r = load_region(region)
    assert {s.domain for s in r.procured_segments()} == {"jeugd"}
    assert r.pooling[0].booked_by == ("GM0453", "GM0375")
    out = tmp_path / "out"
    texts = _check_built(region, out, _reports(region, out))
    assert "koopt geen Wmo gezamenlijk in" in texts[-1]
    assert "Velsen en Beverwijk boeken de uitgaven voor de regio" in " ".join(texts)
