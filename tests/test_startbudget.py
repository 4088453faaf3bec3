"""Start budget, steps 1-7 (seed 003, 3.3): properties and cases on the real Achterhoek data.

The hand-computed cases of steps 3 to 7 and the contract-year shares are YAML files in
tests/cases/startbudget/, run by tests/test_cases.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bekostiging.config.contract import year_fractions
from bekostiging.model.startbudget import (
    start_budget,
    step1_segments,
)

NEUTRAL = {  # switch off every assumption that changes the budget over time
    "startbudget.forecast_years": 0,
    "startbudget.trend_damping": 0.0,
    "startbudget.efficiency.default": 0.0,
    "startbudget.chain_agreements.default": 0.0,
    "startbudget.chain_agreements.iaj": 0.0,
    "index.care_cost": {2017: 0.0},
    "clients.duration_years": 1e9,  # a caseload that never moves toward the need
}


@pytest.fixture(scope="module")
def sb2021(achterhoek, baseline_achterhoek):
    return start_budget(achterhoek, baseline_achterhoek, 2021)


def test_step1_lists_the_procured_segments_with_their_funding(achterhoek):
    s = step1_segments(achterhoek)
    assert list(s["segment"]) == [
        "iaj",
        "gwv",
        "hcv",
        "dyslexie",
        "wmo_io",
        "wmo_pv",
        "wmo_logeren",
        "wmo_wonen",
    ]
    assert s.set_index("segment").loc["wmo_pv", "funding"] == "pq"


def test_half_years_are_pro_rated(sb2021):
    t = sb2021.table
    iaj = t[(t["gemeentecode"] == "GM0197") & (t["segment"] == "iaj")].set_index("year")
    assert iaj.loc[2022, "year_fraction"] == 0.5 and iaj.loc[2029, "year_fraction"] == 0.5
    assert iaj.loc[2022, "budget"] == pytest.approx(0.5 * iaj.loc[2022, "budget_full_year"])
    assert iaj["year_fraction"].sum() == pytest.approx(7.0)
    dys = t[(t["gemeentecode"] == "GM0197") & (t["segment"] == "dyslexie")].set_index("year")
    assert dys.index.min() == 2021 and dys.loc[2021, "year_fraction"] == pytest.approx(5 / 12)


def test_hand_computed_budget_for_one_cell(sb2021, baseline_achterhoek):
    """Aalten, IAJ, 2024: every factor recomputed from its own inputs, as known in 2021."""
    row = sb2021.table.query("gemeentecode == 'GM0197' and segment == 'iaj' and year == 2024").iloc[
        0
    ]
    # the 2021 actuals with the youth split known in 2021 (the fallback shares), not 2023-2024's
    assert sb2021.baseline["year"].max() == 2021
    ref = sb2021.baseline.query(
        "gemeentecode == 'GM0197' and segment == 'iaj' and year == 2021"
    ).iloc[0]
    assert ref["spend"] != pytest.approx(
        baseline_achterhoek.query(
            "gemeentecode == 'GM0197' and segment == 'iaj' and year == 2021"
        ).iloc[0]["spend"]
    )
    p = sb2021.region.parameters
    # the index is known up to 2022 (Y+1); 2023 and 2024 repeat the 2022 rate
    index = (1 + p.value("index.care_cost", year=2022)) ** 3
    trend = np.expm1(sb2021.trend.loc["iaj", "mu"] * p.value("startbudget.trend_damping"))
    efficiency = (1 - 0.01) ** (2024 - 2021)  # contract years counted from the first start (2021)
    chain = 1 - 0.01
    # 2024 is three years after 2021: the national forecast's expected youth growth of Aalten
    # sets the level instead of demography x trend x index (model.anchor)
    g = sb2021.forecast.query("gemeentecode == 'GM0197' and scope == 'youth' and horizon == 3")
    autonomous = row["demography_factor"] * (1 + trend) ** 3 * index
    assert row["forecast_horizon"] == 3
    assert row["forecast_factor"] == pytest.approx(float(g["growth"].iloc[0]) / autonomous)
    # the caseload moves toward the need (prevalence x Aalten's observed use); calibrated, so
    # the factor is close to 1 (model.clients)
    assert row["caseload_factor"] == pytest.approx(1.0, abs=0.02)
    expected = (
        ref["spend"] * float(g["growth"].iloc[0]) * row["caseload_factor"] * efficiency * chain
    )
    assert row["index_factor"] == pytest.approx(index)
    assert row["budget"] == pytest.approx(expected)
    assert row["clients"] * row["cost_per_client"] == pytest.approx(row["budget_full_year"])


def test_neutral_assumptions_give_reference_spend_times_demography(achterhoek, baseline_achterhoek):
    params = achterhoek.parameters.with_overrides(NEUTRAL)
    sb = start_budget(
        achterhoek, baseline_achterhoek, 2024, contract_start="2026-01-01", params=params
    )
    t = sb.table
    ref = baseline_achterhoek.query("year == 2024").set_index(["gemeentecode", "segment"])["spend"]
    first = t[t["year"] == 2026]
    for r in first.itertuples():
        assert r.budget == pytest.approx(ref[(r.gemeentecode, r.segment)] * r.demography_factor)


def test_regional_totals_and_shares(sb2021):
    reg = sb2021.regional
    by = reg.groupby(["segment", "year"])
    assert np.allclose(by["share"].sum(), 1.0)
    assert np.allclose(by["budget"].sum(), by["regional_total"].first())
    wide = sb2021.per_segment()
    assert wide.sum().sum() == pytest.approx(sb2021.table["budget"].sum())


def test_any_reference_year_and_contract_start(achterhoek, baseline_achterhoek):
    sb = start_budget(
        achterhoek, baseline_achterhoek, 2024, contract_start=dt.date(2026, 1, 1), contract_years=3
    )
    assert sorted(sb.table["year"].unique()) == [2026, 2027, 2028]
    assert (sb.table["year_fraction"] == 1.0).all()


def test_year_fractions_add_up_to_the_contract_length():
    for start in (
        dt.date(2022, 7, 1),
        dt.date(2021, 8, 1),
        dt.date(2023, 1, 1),
        dt.date(2022, 7, 16),
    ):
        assert sum(year_fractions(start, 7).values()) == pytest.approx(7.0)


def test_unknown_reference_year_is_a_clear_error(achterhoek, baseline_achterhoek):
    from bekostiging.core.errors import ParameterError

    with pytest.raises(ParameterError, match="peiljaar 2030 heeft geen realisatiecijfers"):
        start_budget(achterhoek, baseline_achterhoek, 2030)
