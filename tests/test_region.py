"""Region files: what seed 003 decided, mergers, and nothing region-specific in code."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bekostiging.config.region import available_regions, load_region
from bekostiging.core.errors import ParameterError
from bekostiging.core.paths import PROJECT_ROOT
from bekostiging.data import rawdata
from bekostiging.data.quality import check_against_data


def test_achterhoek_segments_and_funding_follow_seed_003(achterhoek):
    funding = {s.id: s.funding["variant"] for s in achterhoek.procured_segments()}
    assert funding == {
        "iaj": "lumpsum",
        "gwv": "lumpsum",
        "hcv": "lumpsum",
        "dyslexie": "population",
        "wmo_io": "lumpsum",
        "wmo_pv": "pq",
        "wmo_logeren": "pq",
        "wmo_wonen": "lumpsum",
    }
    assert not achterhoek.segment("ziekenhuiszorg").procured
    assert achterhoek.segment("hcv").subsegments == (
        "Jeugdzorgplus",
        "Verblijf complex",
        "GGZ-crisiszorg",
    )
    assert achterhoek.segment("wmo_pv").parent == "wmo_io"


def test_achterhoek_contract_dates(achterhoek):
    assert achterhoek.contract_start == dt.date(2022, 7, 1)
    assert achterhoek.contract_terms == (3, 2, 2)
    assert achterhoek.contract_end == dt.date(2029, 7, 1)
    assert achterhoek.segment("dyslexie").contract_start == dt.date(2021, 8, 1)
    assert achterhoek.segment("iaj").contract_start == dt.date(2022, 7, 1)


def test_lumpsum_segments_get_the_default_settlement(achterhoek):
    s = achterhoek.segment("iaj").funding["settlement"]
    assert s["kind"] == "corridor" and s["corridor"] == 0.05


def test_achterhoek_yaml_agrees_with_regions_csv(achterhoek):
    csv = rawdata.load_regions_csv()
    assert sorted(csv["gemeentecode"]) == sorted(m.code for m in achterhoek.municipalities)
    names = dict(zip(csv["gemeentecode"], csv["gemeente"]))
    assert all(names[m.code] == m.name for m in achterhoek.municipalities)


def test_alkmaar_merger(alkmaar):
    assert alkmaar.codes_in(2021) == [
        "GM0361",
        "GM0373",
        "GM0383",
        "GM0398",
        "GM0399",
        "GM0416",
        "GM0450",
    ]
    assert alkmaar.codes_in(2022) == ["GM0361", "GM0373", "GM0383", "GM0399", "GM0450", "GM1980"]
    assert alkmaar.current_code("GM0416") == "GM1980"
    assert sorted(alkmaar.predecessors("GM1980")) == ["GM0398", "GM0416"]


@pytest.mark.parametrize("region_id", available_regions())
def test_every_region_matches_the_data(region_id):
    check_against_data(load_region(region_id))


def test_unknown_municipality_code_names_the_code_and_lists_the_valid_ones(achterhoek):
    with pytest.raises(ParameterError) as err:
        achterhoek.municipality("GM9999")
    assert "GM9999" in str(err.value) and "GM0197 (Aalten)" in str(err.value)


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(ParameterError, match="achterhoek, alkmaar"):
        load_region("achterhoeck")


def test_no_region_specific_names_in_src():
    """Municipality codes and names belong in region files, never in code."""
    names = [
        "Aalten",
        "Berkelland",
        "Bronckhorst",
        "Doetinchem",
        "Montferland",
        "Winterswijk",
        "Oost Gelre",
        "Oude IJsselstreek",
        "Alkmaar",
        "Heerhugowaard",
        "Dijk en Waard",
    ]
    for path in (PROJECT_ROOT / "src" / "bekostiging").glob("*.py"):
        code = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith((">>>", "...", "#"))
        )
        code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings may use examples
        for name in names:
            assert name not in code, f"{path.name} mentions {name}"
        # GM0197 appears as the example code in help texts and messages; no other code may.
        assert not re.search(r"GM(?!0197)\d{4}", code), path.name
