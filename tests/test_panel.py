"""The national Iv3 panel on today's boundaries: merger table, scopes, jeugdzorgregio membership."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.core.paths import RAW_DIR
from bekostiging.data import panel as P
from bekostiging.data import rawdata

ACHTERHOEK = ["GM0197", "GM1859", "GM1876", "GM0222", "GM1955", "GM1586", "GM1509", "GM0294"]


@pytest.fixture(scope="module")
def iv3():
    return rawdata.load_iv3()


@pytest.fixture(scope="module")
def mergers():
    return P.load_mergers()


@pytest.fixture(scope="module")
def panel(iv3, mergers):
    return P.build_panel(iv3, mergers)


def _inhabitants(iv3):
    return iv3.groupby(["gemeentecode", "year"])["inhabitants"].max()


def test_every_code_that_disappears_from_iv3_is_in_the_merger_table(iv3, mergers):
    years = iv3.loc[iv3["year"] <= 2024]
    last = years.groupby("gemeentecode")["year"].max()
    gone = set(last[last < 2024].index)
    assert len(gone) == 63
    assert gone == set(mergers["predecessor_code"])
    # every successor is a code of today
    assert set(mergers["successor_code"]) <= set(iv3.loc[iv3["year"] == 2024, "gemeentecode"])


def test_successor_inhabitants_match_their_predecessors_the_year_before(iv3, mergers):
    inh = _inhabitants(iv3)
    for (succ, start), rows in mergers.groupby(["successor_code", "year_from"]):
        before = (
            rows["share"]
            * inh.loc[list(zip(rows["predecessor_code"], [start - 1] * len(rows)))].to_numpy()
        ).sum()
        if (succ, start - 1) in inh.index:  # the successor existed already (e.g. Leeuwarden)
            before += inh.loc[(succ, start - 1)]
        after = inh.loc[(succ, start)]
        assert abs(after / before - 1) < 0.03, (succ, start, after, before)


def test_the_successor_start_year_is_the_first_year_without_the_predecessor(iv3, mergers):
    last = iv3.groupby("gemeentecode")["year"].max()
    assert (last.reindex(mergers["predecessor_code"]).to_numpy() == mergers["year_from"] - 1).all()


def test_merger_shares_add_up_to_one_and_a_bad_table_is_refused(tmp_path, mergers):
    assert np.allclose(mergers.groupby("predecessor_code")["share"].sum(), 1.0)
    bad = mergers.copy()
    bad.loc[bad["predecessor_code"] == "GM0788", "share"] = 0.5
    path = tmp_path / "m.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(P.InputError, match="GM0788"):
        P.load_mergers(path)


def test_panel_has_todays_codes_and_the_membership_covers_them(panel):
    membership = P.load_jeugdzorgregio_membership()
    assert set(panel["gemeentecode"]) == set(membership["gemeentecode"])
    assert len(membership) == 342 and membership["jeugdzorgregio_code"].nunique() == 42
    jz25 = membership.query("jeugdzorgregio_code == 'JZ25'")["gemeentecode"]
    assert sorted(jz25) == sorted(ACHTERHOEK)
    regions = P.load_jeugdzorgregios()
    counts = membership["jeugdzorgregio_code"].value_counts()
    n = regions.set_index("jeugdzorgregio_code")["n_gemeenten"]
    assert n.sort_index().to_dict() == counts.sort_index().to_dict()


def test_new_raw_files_are_unchanged_copies_with_checksums():
    table = rawdata.verify_checksums().set_index("file")
    sources = (RAW_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in (
        "cbs_jeugdzorgregio_membership_2022_2023.csv",
        "cbs_jeugdzorgregios_2022_2023.csv",
    ):
        assert table.loc[name, "ok"]
        assert name in sources and table.loc[name, "sha256"] in sources


def test_total_is_the_sum_of_the_scopes(panel):
    wide = panel.pivot_table(
        index=["gemeentecode", "year", "report"], columns="scope", values="spending"
    )
    assert np.allclose(wide["total"], wide[["youth", "wmo", "access"]].sum(axis=1))


def test_scopes_follow_the_taakvelden_across_the_code_breaks(panel, iv3):
    def raw(code, year, report, fields):
        rows = iv3.query("gemeentecode == @code and year == @year and report == @report")
        return rows.loc[rows["taakveld"].isin(fields), "spending_keur"].sum() * 1000

    got = panel.set_index(["gemeentecode", "year", "report", "scope"])["spending"]
    youth = ["6.72", "6.73", "6.74", "6.82"]
    assert got[("GM0197", 2022, "actuals", "youth")] == raw("GM0197", 2022, "jaarrekening", youth)
    assert got[("GM0197", 2023, "actuals", "youth")] == raw("GM0197", 2023, "jaarrekening", youth)
    new_youth = raw("GM0197", 2025, "begroting", ["6.75", "6.76", "6.82"])
    pgb = raw("GM0197", 2025, "begroting", ["6.79"])
    assert got[("GM0197", 2025, "budget", "youth")] == pytest.approx(new_youth + 0.55 * pgb)
    wmo = raw("GM0197", 2025, "begroting", ["6.71", "6.60", "6.81"]) + 0.45 * pgb
    assert got[("GM0197", 2025, "budget", "wmo")] == pytest.approx(wmo)
    access = raw("GM0197", 2025, "begroting", ["6.21", "6.22", "6.23"])
    assert got[("GM0197", 2025, "budget", "access")] == access
    assert got[("GM0197", 2024, "budget", "access")] == raw("GM0197", 2024, "begroting", ["6.2"])


def test_predecessors_are_aggregated_onto_todays_code(panel, iv3):
    got = panel.set_index(["gemeentecode", "year", "report", "scope"])["spending"]
    cuijk = ["GM0756", "GM1684", "GM0786", "GM0815", "GM1702"]
    rows = iv3.loc[iv3["gemeentecode"].isin(cuijk)].query(
        "year == 2021 and report == 'jaarrekening'"
    )
    youth = rows.loc[rows["taakveld"].isin(["6.72", "6.82"]), "spending_keur"].sum() * 1000
    assert got[("GM1982", 2021, "actuals", "youth")] == pytest.approx(youth)
    # Haaren (split 2021): 42 % of its 2020 spending goes to Oisterwijk
    haaren = iv3.query("gemeentecode == 'GM0788' and year == 2020 and report == 'jaarrekening'")
    own = iv3.query("gemeentecode == 'GM0824' and year == 2020 and report == 'jaarrekening'")
    fields = ["6.72", "6.82"]
    expected = (
        own.loc[own["taakveld"].isin(fields), "spending_keur"].sum()
        + 0.42 * haaren.loc[haaren["taakveld"].isin(fields), "spending_keur"].sum()
    ) * 1000
    assert got[("GM0824", 2020, "actuals", "youth")] == pytest.approx(expected)


def test_national_sums_are_conserved_when_every_code_filed(panel, iv3):
    """2019 actuals: nobody missing, so today's codes hold exactly the national total."""
    fields = ["6.72", "6.73", "6.74", "6.82", "6.71", "6.6", "6.81", "6.2"]
    rows = iv3.query("year == 2019 and report == 'jaarrekening'")
    national = rows.loc[rows["taakveld"].isin(fields), "spending_keur"].sum() * 1000
    total = panel.query("year == 2019 and report == 'actuals' and scope == 'total'")
    assert total["spending"].sum() == pytest.approx(national, rel=1e-12)


def test_cells_with_a_missing_predecessor_are_left_out_not_partial(panel, iv3, mergers):
    gaps = P.incomplete_cells(iv3, P.code_map(mergers, iv3["gemeentecode"]))
    # Weesp filed no jaarrekening 2022 (merged into Amsterdam on 24 March 2022)
    assert ("GM0363", 2022, "actuals") in set(map(tuple, gaps.to_numpy()))
    # Vijfheerenlanden's three predecessors filed no jaarrekening 2018
    assert ("GM1961", 2018, "actuals") in set(map(tuple, gaps.to_numpy()))
    keys = set(map(tuple, panel[["gemeentecode", "year", "report"]].drop_duplicates().to_numpy()))
    assert not keys & set(map(tuple, gaps.to_numpy()))
    assert ("GM0363", 2022, "budget") in keys
    # the 25 non-filing municipality-reports of the data pack's caveat 6 fall on 23 cells of
    # today's codes (Leerdam, Vianen and Zederik 2018 are all Vijfheerenlanden)
    assert len(gaps) == 23


def test_scope_spending_fills_unused_codes_with_zero():
    iv3 = pd.DataFrame(
        {
            "gemeentecode": "GM0001",
            "year": 2025,
            "report": "begroting",
            "taakveld": ["6.75"],
            "spending_keur": [3.0],
        }
    )
    out = P.scope_spending(iv3).set_index("scope")["spending"]
    assert out.to_dict() == {"access": 0.0, "total": 3000.0, "wmo": 0.0, "youth": 3000.0}
