"""Baseline per municipality x segment x year: reproduces the Iv3 actuals to the euro."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.data import rawdata
from bekostiging.model.baseline import (
    apply_submissions,
    build_baseline,
    domain_totals,
    reconcile,
    to_current_boundaries,
)
from bekostiging.model.conversion import region_iv3, youth_split_shares

ACHTERHOEK = ["GM0197", "GM1859", "GM1876", "GM0222", "GM1955", "GM1586", "GM1509", "GM0294"]
YOUTH = ["6.72", "6.73", "6.74", "6.82"]


def _iv3_youth(year: int, report: str = "jaarrekening") -> float:
    iv3 = rawdata.load_iv3()
    sel = iv3[
        iv3["gemeentecode"].isin(ACHTERHOEK)
        & (iv3["year"] == year)
        & (iv3["report"] == report)
        & iv3["taakveld"].isin(YOUTH)
    ]
    return float(sel["spending_keur"].sum()) * 1000


@pytest.mark.parametrize("year, expected_mln", [(2024, 123.6), (2019, 85.7)])
def test_youth_spending_of_the_region_reproduces_iv3(baseline_achterhoek, year, expected_mln):
    youth = baseline_achterhoek.query("domain == 'jeugd' and year == @year")["spend_iv3"].sum()
    assert round(youth / 1e6, 1) == expected_mln
    assert youth == pytest.approx(_iv3_youth(year), abs=0.01)


def test_segments_add_up_to_their_task_fields_for_every_municipality_year(
    baseline_achterhoek, achterhoek
):
    rec = reconcile(baseline_achterhoek, achterhoek)
    assert len(rec) == 8 * 8  # 8 municipalities x 2017-2024
    assert rec["difference"].abs().max() < 0.01
    # pooling moves money between municipalities but not in or out of the region
    per_year = rec.groupby("year")[["iv3_total", "segments_attributed"]].sum()
    assert np.allclose(per_year["iv3_total"], per_year["segments_attributed"], atol=0.01)


def test_pooling_attributes_the_centrumgemeente_spend_by_adults(baseline_achterhoek):
    w = baseline_achterhoek.query("segment == 'wmo_wonen' and year == 2024").set_index(
        "gemeentecode"
    )
    doetinchem_booked = w.loc["GM0222", "spend_booked"]
    others_booked = w["spend_booked"].drop("GM0222")
    # everybody's attributed amount = own booking + key share of Doetinchem's regional booking
    share = w["population"] / w["population"].sum()
    expected = others_booked.reindex(w.index).fillna(0) + share * doetinchem_booked
    assert np.allclose(w["spend_iv3"], expected)
    assert w["spend_iv3"].sum() == pytest.approx(w["spend_booked"].sum())
    assert (w["spend_flag"] == "estimated").all()


def test_pre_2023_split_uses_each_municipality_own_2023_2024_split(achterhoek):
    rows = region_iv3(achterhoek, "jaarrekening")
    shares = youth_split_shares(rows, achterhoek, achterhoek.parameters)
    # Aalten 2023+2024: 6.72 = 2710 + ..., computed independently here
    a = (
        rows.query(
            "gemeentecode == 'GM0197' and year in (2023, 2024) and "
            "taakveld in ('6.72', '6.73', '6.74')"
        )
        .groupby("taakveld")["spend"]
        .sum()
    )
    assert shares.loc["GM0197", "6.74"] == pytest.approx(a["6.74"] / a.sum())
    assert shares.loc["GM0197", "basis"] == "own split 2023-2024"
    assert np.allclose(shares[["6.72", "6.73", "6.74"]].sum(axis=1), 1.0)


def test_booking_correction_moves_berkelland_wmo_from_6_6_to_6_71(baseline_achterhoek):
    # Berkelland 2020: 6.6 = 12,150 and 6.71 = 1,001 (x 1000 euro, SOURCES.md caveat 10).
    iv3 = rawdata.load_iv3()
    y = iv3[
        (iv3["year"] == 2020)
        & (iv3["report"] == "jaarrekening")
        & iv3["gemeentecode"].isin(ACHTERHOEK)
        & (iv3["taakveld"] == "6.6")
    ]
    median = (y["spending_keur"] / y["inhabitants"]).median()
    b = y.set_index("gemeentecode").loc["GM1859"]
    kept = median * b["inhabitants"] * 1000
    row = baseline_achterhoek.query(
        "gemeentecode == 'GM1859' and year == 2020 and segment == 'wmo_hulpmiddelen'"
    )
    assert row["spend_booked"].item() == pytest.approx(kept)
    assert row["spend_flag"].item() == "estimated"
    io = baseline_achterhoek.query(
        "gemeentecode == 'GM1859' and year == 2020 and segment == 'wmo_io'"
    )
    assert io["spend_booked"].item() == pytest.approx(0.48 * (1001_000 + 12_150_000 - kept))


def test_flags_and_clients(baseline_achterhoek):
    b = baseline_achterhoek
    assert set(b["spend_flag"]) <= {"observed", "estimated"}
    jb = b.query("segment == 'jeugdbescherming'")
    assert (jb["spend_flag"] == "observed").all()  # 6.82 maps one-to-one
    iaj = b.query("segment == 'iaj' and gemeentecode == 'GM0197' and year == 2020").iloc[0]
    # observed use (CBS KWB 2022: 10,9 % of Aalten's young people), IAJ's share of the youth
    # segments' prevalence x target population
    youth = b.query("domain == 'jeugd' and gemeentecode == 'GM0197' and year == 2020")
    implied = (youth["prevalence"] * youth["population"]).sum()
    share = iaj["prevalence"] * iaj["population"] / implied
    assert iaj["clients"] == pytest.approx(0.109 * iaj["population"] * share)
    assert "CBS KWB 2022" in iaj["method"]
    assert iaj["clients_flag"] == "estimated"
    assert iaj["cost_per_client"] == pytest.approx(iaj["spend"] / iaj["clients"])
    assert b.query("segment == 'opvang'")["clients"].isna().all()  # no prevalence: no clients


def test_budget_series_covers_2025_2026_with_the_new_code_scheme(budget_achterhoek):
    t = domain_totals(budget_achterhoek)
    iv3 = rawdata.load_iv3()
    for year in (2025, 2026):
        sel = iv3[
            iv3["gemeentecode"].isin(ACHTERHOEK)
            & (iv3["year"] == year)
            & (iv3["report"] == "begroting")
            & iv3["taakveld"].isin(["6.75", "6.76", "6.79", "6.82", "6.71", "6.60", "6.81"])
        ]
        assert t.loc[year, "totaal"] == pytest.approx(sel["spending_keur"].sum() * 1000)


def test_alkmaar_baseline_across_the_2022_merger(baseline_alkmaar, alkmaar):
    b = baseline_alkmaar
    assert set(b.query("year == 2021")["gemeentecode"]) >= {"GM0398", "GM0416"}
    assert "GM1980" not in set(b.query("year == 2021")["gemeentecode"])
    assert set(b.query("year == 2022")["gemeentecode"]) == set(alkmaar.codes_in(2022))
    assert reconcile(b, alkmaar)["difference"].abs().max() < 0.01
    cur = to_current_boundaries(b, alkmaar)
    assert set(cur["gemeentecode"]) == set(alkmaar.current_codes())
    for year in (2019, 2023):  # noqa: B007 - used by query("@year")
        assert cur.query("year == @year")["spend"].sum() == pytest.approx(
            b.query("year == @year")["spend"].sum()
        )
    dw2021 = cur.query("gemeentecode == 'GM1980' and year == 2021")["spend"].sum()
    parts = b.query("gemeentecode in ('GM0398', 'GM0416') and year == 2021")["spend"].sum()
    assert dw2021 == pytest.approx(parts) and dw2021 > 0


def test_submitted_figures_replace_estimates_but_keep_the_iv3_reconciliation(achterhoek):
    sub = pd.DataFrame(
        {
            "gemeentecode": ["GM0197"],
            "segment": ["iaj"],
            "year": [2023],
            "clients": [640.0],
            "spend": [4_000_000.0],
        }
    )
    b = build_baseline(achterhoek, submissions=sub)
    row = b.query("gemeentecode == 'GM0197' and segment == 'iaj' and year == 2023").iloc[0]
    assert (row["clients"], row["spend"]) == (640.0, 4_000_000.0)
    assert row["clients_flag"] == "submitted" and row["spend_flag"] == "submitted"
    assert row["cost_per_client"] == pytest.approx(6250.0)
    assert row["cost_per_client_flag"] == "submitted"
    assert reconcile(b, achterhoek)["difference"].abs().max() < 0.01


def test_submissions_do_not_touch_the_budget_series():
    frame = pd.DataFrame(
        {
            "gemeentecode": ["X"],
            "segment": ["s"],
            "year": [2023],
            "spend": [1.0],
            "spend_flag": ["estimated"],
            "clients": [1.0],
            "clients_flag": ["estimated"],
            "method": ["Iv3"],
        }
    )
    sub = pd.DataFrame(
        {"gemeentecode": ["X"], "segment": ["s"], "year": [2023], "clients": [5.0], "spend": [5.0]}
    )
    assert apply_submissions(frame, sub, report="begroting").equals(frame)


def test_same_inputs_same_baseline(achterhoek, baseline_achterhoek):
    again = build_baseline(achterhoek)
    pd.testing.assert_frame_equal(again, baseline_achterhoek)
