"""The shipped data: checksums, and figures that the upstream SOURCES.md states."""

from __future__ import annotations

import pandas as pd
import pytest

from bekostiging.core.paths import RAW_DIR
from bekostiging.data import rawdata

ACHTERHOEK = ["GM0197", "GM1859", "GM1876", "GM0222", "GM1955", "GM1586", "GM1509", "GM0294"]


def test_every_raw_file_matches_its_checksum_and_sources_lists_it():
    table = rawdata.verify_checksums()
    shipped = {
        p.name for p in RAW_DIR.iterdir() if p.name not in ("SOURCES.md", "checksums.sha256")
    }
    assert set(table["file"]) == shipped and table["ok"].all()
    sources = (RAW_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for row in table.itertuples():
        assert row.file in sources and row.sha256 in sources
    assert "CC BY 4.0" in sources and "Bron: CBS" in sources


def test_population_sums_of_the_achterhoek_match_sources_md():
    pop = rawdata.load_population()
    a = pop[pop["gemeentecode"].isin(ACHTERHOEK)].groupby("year")["population_jan1"].sum()
    assert a[2019] == 298_788
    assert a[2026] == 303_810
    assert len(pop) == 2775


def test_agebands_totals_equal_cbs_2020():
    ab = rawdata.load_agebands()
    totals = ab.groupby("gemeentecode")["population"].sum()
    assert totals["GM0197"] == 27_121 and totals["GM0222"] == 58_001
    assert int(totals.sum()) == 17_407_585


def test_iv3_keeps_taakveld_codes_as_text_and_known_values():
    iv3 = rawdata.load_iv3()
    assert len(iv3) == 69_571
    codes = set(iv3.loc[iv3["year"] == 2025, "taakveld"])
    assert "6.60" in codes and "6.6" not in codes  # 6.6 and 6.60 are different codes
    aalten = iv3.query("gemeentecode == 'GM0197' and report == 'jaarrekening' and year == 2023")
    split = aalten.set_index("taakveld")["spending_keur"]
    assert (split["6.72"], split["6.73"], split["6.74"]) == (2710, 2556, 2958)
    assert (iv3["spending_keur"] < 0).sum() == 169  # real corrections are kept


def test_boundaries_have_the_eight_municipalities():
    geo = rawdata.load_boundaries()  # national outlines: all 342 municipalities of 2024
    codes = {f["properties"]["gemeentecode"] for f in geo["features"]}
    assert len(codes) == 342 and set(ACHTERHOEK) <= codes


def test_loaders_return_copies_so_callers_cannot_corrupt_the_cache():
    a = rawdata.load_population()
    a.loc[:, "population_jan1"] = -1
    b = rawdata.load_population()
    assert (b["population_jan1"] >= 0).all()


def test_calibration_tables_load():
    wmo = rawdata.load_wmo_clients()
    assert (
        wmo.query("periode == '2019' and type_maatwerkvoorziening == 'Totaal'")[
            "wmo_clienten_aantal"
        ].item()
        == 1745
    )
    youth = rawdata.load_youth_national()
    assert isinstance(youth, pd.DataFrame) and len(youth) == 18


@pytest.mark.parametrize("name", sorted(rawdata.FILES))
def test_every_declared_raw_file_exists(name):
    assert (RAW_DIR / rawdata.FILES[name]).is_file()
