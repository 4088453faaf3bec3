"""The national forecast drives the start budget (issue 9, parts 1 and 2 in the region's report).

Hand-computed cases for the factor, and properties of the Achterhoek's start budget as of 2024:
the level of every municipality's youth and Wmo segments in the forecast's last year is the
national forecast's expected growth on the reference year, exactly; the whole social domain adds
up per task field; the damping is chosen on earlier years only; the simulated spread at the
forecast's last horizon is the forecast's own out-of-sample spread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.data.panel import build_panel
from bekostiging.data.rawdata import load_iv3
from bekostiging.model.anchor import (
    REGION_UNIT,
    domain_projection,
    expected_value,
    forecast_factors,
    task_field_split,
)
from bekostiging.model.baseline import build_baseline
from bekostiging.model.damping import damping_as_of
from bekostiging.model.evaluation import as_of, toy_panel
from bekostiging.model.forecast import MODEL, model_forecast
from bekostiging.model.projection import inputs_from_start_budget, simulate
from bekostiging.model.startbudget import start_budget

REFERENCE = 2024


@pytest.fixture(scope="module")
def sb(achterhoek):
    actuals = build_baseline(achterhoek)
    return start_budget(achterhoek, actuals, REFERENCE, "2027-07-01")


def test_the_factor_by_hand():
    """Forecast growth 1.10 (2025), 1.20 (2026), 1.26 (2027); autonomous growth 1.05 a year.

    2025: 1.10 / 1.05 = 1.0476; 2026: 1.20 / 1.1025 = 1.0884; 2027: 1.26 / 1.157625 = 1.0884;
    2028 keeps the 2027 factor (the start budget's own growth carries on from the forecast).
    """
    years = [2025, 2026, 2027, 2028]
    table = pd.DataFrame(
        {
            "gemeentecode": "A",
            "segment": "iaj",
            "year": years,
            "demography_factor": 1.0,
            "trend_factor": [1.05**k for k in (1, 2, 3, 4)],
            "index_factor": 1.0,
        }
    )
    growth = pd.DataFrame(
        {"gemeentecode": "A", "scope": "youth", "horizon": [1, 2, 3], "growth": [1.10, 1.20, 1.26]}
    )
    f = forecast_factors(table, growth, 2024, {"iaj": "jeugd"})
    assert f["forecast_factor"].round(4).tolist() == [1.0476, 1.0884, 1.0884, 1.0884]
    assert f["forecast_horizon"].tolist() == [1, 2, 3, 3]


def test_without_a_forecast_the_factor_is_one():
    table = pd.DataFrame(
        {
            "gemeentecode": ["A", "B"],
            "segment": ["iaj", "wmo_io"],
            "year": 2025,
            "demography_factor": 1.0,
            "trend_factor": 1.0,
            "index_factor": 1.0,
        }
    )
    growth = pd.DataFrame({"gemeentecode": "A", "scope": "youth", "horizon": [1], "growth": [1.1]})
    f = forecast_factors(table, growth, 2024, {"iaj": "jeugd", "wmo_io": "wmo"})
    assert f["forecast_factor"].tolist() == [pytest.approx(1.1), 1.0]
    assert f["forecast_horizon"].tolist() == [1, 0]


def test_the_start_budget_level_is_the_forecast(sb, achterhoek):
    """In 2027 (horizon 3) each municipality's youth and Wmo segments before local policy,
    efficiency and chain agreements are the reference-year level x the forecast's growth."""
    t = sb.table.loc[sb.table["year"] == 2027].copy()
    assert (t["forecast_horizon"] == 3).all()
    t["before_policy"] = t["budget_full_year"] / (
        t["policy_factor"] * t["efficiency_factor"] * t["chain_factor"] * t["caseload_factor"]
    )
    t["reference_level"] = t["clients_ref"] * t["cost_per_client_ref"]
    domain = {s.id: s.domain for s in achterhoek.segments}
    pooled = {s for p in achterhoek.pooling for s in p.segments}
    t["scope"] = t["segment"].map(domain).map({"jeugd": "youth", "wmo": "wmo"})
    t["source"] = np.where(t["segment"].isin(pooled), REGION_UNIT, t["gemeentecode"])
    g = sb.forecast.loc[sb.forecast["horizon"] == 3].set_index(["gemeentecode", "scope"])
    expected = t["reference_level"] * [
        g.loc[(s, sc), "growth"] for s, sc in zip(t["source"], t["scope"])
    ]
    np.testing.assert_allclose(t["before_policy"], expected, rtol=1e-9)
    # and the forecast is the tool's, as scored by `evaluate`
    assert len(t) == 8 * 8 and t["forecast_factor"].between(0.7, 1.4).all()


def test_the_forecast_is_the_evaluated_model():
    known = as_of(toy_panel(), 2021)
    a = MODEL(known, 2021, (1, 2))
    b = model_forecast(known, 2021, (1, 2))
    pd.testing.assert_frame_equal(a, b)


def test_the_expected_value_lies_above_the_median():
    mean = expected_value(
        np.array([80.0, 100.0]), np.array([100.0, 100.0]), np.array([125.0, 100.0])
    )
    assert mean[0] > 100.0 and mean[1] == 100.0  # no band: the median


def test_the_whole_domain_adds_up(sb, achterhoek):
    """Task fields add up to each scope's forecast, and the actuals to the Iv3 panel's."""
    iv3 = load_iv3()
    panel = build_panel(iv3)
    split = task_field_split(iv3, ["GM0197"], REFERENCE)
    frame = domain_projection(sb.forecast, split, "GM0197")
    aalten = panel.query("gemeentecode == 'GM0197' and year == 2024 and report == 'actuals'")
    actual = aalten.set_index("scope")["spending"]
    by_scope = frame.groupby("scope")[["actual", 2025, 2026, 2027]].sum()
    for scope in ("access", "youth", "wmo"):
        assert by_scope.loc[scope, "actual"] == pytest.approx(actual[scope])
    g = sb.forecast.query("gemeentecode == 'GM0197'").set_index(["scope", "year"])["expected"]
    for scope in ("access", "youth", "wmo"):
        for y in (2025, 2026, 2027):
            assert by_scope.loc[scope, y] == pytest.approx(g[(scope, y)], rel=1e-12)
    assert set(frame["taakveld"]) == {"6.2", "6.6", "6.71", "6.72", "6.73", "6.74", "6.81", "6.82"}
    region = domain_projection(
        sb.forecast, task_field_split(iv3, achterhoek.current_codes(), REFERENCE), REGION_UNIT
    )
    assert region["actual"].sum() == pytest.approx(288_137_000.0)  # 6.2 included


def test_the_damping_is_chosen_on_earlier_years_only(achterhoek):
    from bekostiging.data.panel import load_jeugdzorgregio_membership
    from bekostiging.data.rawdata import load_population

    groups = load_jeugdzorgregio_membership().set_index("gemeentecode")["jeugdzorgregio_code"]
    panel, pop = build_panel(), load_population()
    params = achterhoek.parameters
    chosen = damping_as_of(params, 2024, panel, pop, groups.to_dict())
    assert chosen.source == "evaluation" and chosen.value == pytest.approx(0.1)
    # later years cannot move it: a panel and population cut at 2024 give the same choice
    cut = damping_as_of(
        params, 2024, panel[panel["year"] <= 2024], pop[pop["year"] <= 2024], groups.to_dict()
    )
    assert cut.value == chosen.value
    # too little history as of 2021: the named assumption
    early = damping_as_of(params, 2021, panel, pop, groups.to_dict())
    assert early.source == "assumption" and early.value == 0.5
    # a scenario's value is the user's choice
    mine = params.with_overrides({"startbudget.trend_damping": 0.8})
    assert damping_as_of(mine, 2024, panel, pop, groups.to_dict()).value == 0.8


def test_the_simulated_spread_is_the_forecast_spread(sb, achterhoek):
    """At the forecast's last horizon (2027) a segment's log spread is the forecast's."""
    actuals = build_baseline(achterhoek)
    budgets = build_baseline(achterhoek, report=achterhoek.budget_report)
    inputs = inputs_from_start_budget(sb, actuals, budgets)
    proj = simulate(inputs, draws=8000, seed=11)
    u = inputs.units.index("iaj")
    k = inputs.years.index(2027)
    x = np.log(proj.clients[:, :, u, k] * proj.intensity[:, :, u, k] * proj.price[:, k, None])
    spread = sb.spread.set_index(["scope", "horizon"]).loc[("youth", 3)]
    assert float(np.std(x, axis=0).mean()) == pytest.approx(float(spread["sigma"]), rel=0.05)
    # the region's municipalities share the level shock: their draws are correlated
    corr = np.corrcoef(x[:, 0], x[:, 1])[0, 1]
    assert corr > 0.2
