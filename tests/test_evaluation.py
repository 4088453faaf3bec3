"""Rolling-origin evaluation: hand-computed scores, baselines, no look-ahead, regional sums."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekostiging.model import evaluation as E

TOY_REGIONS = pd.DataFrame(
    {"gemeentecode": ["GM0001", "GM0002", "GM0003"], "jeugdzorgregio_code": ["R1", "R1", "R2"]}
)


def _by_code(frame, horizon):
    return frame.loc[frame["horizon"] == horizon].set_index("gemeentecode")


# --- scores by hand ---------------------------------------------------------------------------


def _scored_toy():
    """Three municipalities, one origin, horizon 1; the third has no actual yet."""
    return pd.DataFrame(
        {
            "forecaster": "x",
            "level": "municipality",
            "origin": 2020,
            "unit": ["GM0001", "GM0002", "GM0003"],
            "scope": "youth",
            "horizon": 1,
            "year": 2021,
            "p10": [90.0, 150.0, 10.0],
            "p50": [100.0, 200.0, 20.0],
            "p90": [120.0, 260.0, 30.0],
            "actual": [110.0, 140.0, np.nan],
        }
    )


def test_mape_bias_pinball_and_coverage_by_hand():
    scores = E.score(_scored_toy())
    row = scores.loc[scores["origins"] == "2020-2020"].iloc[0]
    # GM0001: p50 100 vs 110 -> error -10/110; GM0002: 200 vs 140 -> +60/140
    e1, e2 = -10 / 110, 60 / 140
    assert row["n_compared"] == 2 and row["n_not_compared"] == 1
    assert row["mape"] == pytest.approx((abs(e1) + abs(e2)) / 2)
    assert row["bias"] == pytest.approx((e1 + e2) / 2)
    # pinball, scaled by the actual: q * (y - f) if y >= f else (1 - q) * (f - y)
    p10 = (0.1 * (110 - 90) / 110 + 0.9 * (150 - 140) / 140) / 2
    p50 = (0.5 * 10 / 110 + 0.5 * 60 / 140) / 2
    p90 = (0.1 * (120 - 110) / 110 + 0.1 * (260 - 140) / 140) / 2
    assert row["pinball_p10"] == pytest.approx(p10)
    assert row["pinball_p50"] == pytest.approx(p50)
    assert row["pinball_p90"] == pytest.approx(p90)
    assert row["pinball_mean"] == pytest.approx((p10 + p50 + p90) / 3)
    # GM0001: 110 inside [90, 120]; GM0002: 140 below 150
    assert row["coverage"] == pytest.approx(0.5) and row["n_band"] == 2


def test_years_without_actuals_are_not_compared_never_misses():
    frame = _scored_toy()
    frame["actual"] = np.nan
    row = E.score(frame).iloc[0]
    assert row["n_compared"] == 0 and row["n_not_compared"] == 3
    assert math.isnan(row["mape"]) and math.isnan(row["coverage"])


def test_zero_actual_and_missing_band_are_counted_separately():
    frame = _scored_toy()
    frame.loc[0, "actual"] = 0.0
    frame.loc[1, ["p10", "p90"]] = np.nan
    row = E.score(frame).iloc[0]
    assert row["n_zero_actual"] == 1 and row["n_compared"] == 1 and row["n_band"] == 0
    assert row["mape"] == pytest.approx(60 / 140)


# --- baselines by hand ------------------------------------------------------------------------


def test_last_actual_by_hand():
    out = E.BASELINES["last_actual"](E.as_of(E.toy_panel(), 2020), 2020, (1, 2))
    assert _by_code(out, 1)["p50"].to_dict() == {"GM0001": 130.0, "GM0002": 800.0, "GM0003": 50.0}
    assert (_by_code(out, 2)["year"] == 2022).all()
    # band, horizon 2: origins 2017 (-> 2019) and 2018 (-> 2020) with known actuals; errors
    # 120/100-1, 400/100-1, 0 and 130/110-1, 800/200-1, 0 -> sorted 0, 0, .18, .2, 3, 3;
    # 10 % quantile 0, 90 % quantile 3
    g1 = _by_code(out, 2).loc["GM0001"]
    assert g1["p10"] == pytest.approx(130.0) and g1["p90"] == pytest.approx(130.0 * 4)


def test_trend_by_hand():
    out = E.BASELINES["trend"](E.as_of(E.toy_panel(), 2020), 2020, (1, 2))
    growth = math.log(130 / 100) / 3  # actuals 100, 110, 120, 130
    h1, h2 = _by_code(out, 1)["p50"], _by_code(out, 2)["p50"]
    assert h1["GM0001"] == pytest.approx(130 * math.exp(growth))
    assert h2["GM0001"] == pytest.approx(130 * math.exp(2 * growth))
    assert h1["GM0002"] == pytest.approx(1600.0) and h2["GM0002"] == pytest.approx(3200.0)
    assert h1["GM0003"] == pytest.approx(50.0)


def test_trend_needs_two_positive_actuals():
    panel = E.toy_panel()
    out = E.trend_point(E.as_of(panel, 2017), 2017, (1,))
    assert out["p50"].isna().all()


def test_budget_by_hand_is_carried_forward():
    out = E.BASELINES["budget"](E.as_of(E.toy_panel(), 2020), 2020, (1, 3))
    # the 2021 budget: 0.9 x 140, 1.0 x 1600, 0.9 x 50
    expected = {"GM0001": 126.0, "GM0002": 1600.0, "GM0003": 45.0}
    assert _by_code(out, 1)["p50"].to_dict() == pytest.approx(expected)
    assert _by_code(out, 3)["p50"].to_dict() == pytest.approx(expected)


def test_budget_ratio_by_hand():
    out = E.BASELINES["budget_ratio"](E.as_of(E.toy_panel(), 2020), 2020, (1,))
    # 2021 budget x mean(actual / budget over 2017-2020): 126 / 0.9, 1600 / 1, 45 / 0.9
    expected = {"GM0001": 140.0, "GM0002": 1600.0, "GM0003": 50.0}
    assert _by_code(out, 1)["p50"].to_dict() == pytest.approx(expected)
    # the budget ratio is exact on this panel, so its band at horizon 1 has zero width
    assert (_by_code(out, 1)["p10"] == _by_code(out, 1)["p50"]).all()


def test_no_earlier_origin_gives_no_band():
    out = E.BASELINES["last_actual"](E.as_of(E.toy_panel(), 2017), 2017, (1,))
    assert out["p50"].notna().all() and out["p10"].isna().all() and out["p90"].isna().all()


# --- no look-ahead ----------------------------------------------------------------------------


def _perturb_unknown(panel: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Multiply every figure that is unknown as of ``year`` by a random factor."""
    rng = np.random.default_rng(seed)
    unknown = ((panel["report"] == "actuals") & (panel["year"] > year)) | (
        (panel["report"] == "budget") & (panel["year"] > year + 1)
    )
    out = panel.copy()
    out.loc[unknown, "spending"] *= rng.uniform(0.2, 5.0, int(unknown.sum()))
    return out


@settings(max_examples=8, deadline=None)
@given(year=st.integers(2017, 2022), seed=st.integers(0, 2**32 - 1))
def test_as_of_forecasts_ignore_everything_unknown(year, seed):
    panel = E.toy_panel()
    changed = _perturb_unknown(panel, year, seed)
    assert not changed.equals(panel) or year >= 2022
    for forecaster in E.BASELINES.values():
        before = forecaster(E.as_of(panel, year), year, (1, 2, 3))
        after = forecaster(E.as_of(changed, year), year, (1, 2, 3))
        pd.testing.assert_frame_equal(before, after, check_exact=True)
    cols = ["forecaster", "level", "unit", "scope", "horizon", "p10", "p50", "p90"]
    _, f0 = E.evaluate(panel, origins=[year], membership=TOY_REGIONS)
    _, f1 = E.evaluate(changed, origins=[year], membership=TOY_REGIONS)
    pd.testing.assert_frame_equal(f0[cols], f1[cols], check_exact=True)


def test_no_look_ahead_on_the_real_panel(real_panel):
    year = 2020
    changed = _perturb_unknown(real_panel, year, seed=9)
    cols = ["forecaster", "level", "unit", "scope", "horizon", "p10", "p50", "p90"]
    _, f0 = E.evaluate(real_panel, origins=[year], horizons=(1, 2))
    _, f1 = E.evaluate(changed, origins=[year], horizons=(1, 2))
    pd.testing.assert_frame_equal(f0[cols], f1[cols], check_exact=True)
    assert f0["actual"].notna().any() and not f0["actual"].equals(f1["actual"])


@pytest.fixture(scope="module")
def real_panel():
    from bekostiging.data.panel import build_panel

    return build_panel()


# --- regions ----------------------------------------------------------------------------------


def test_regional_aggregation_conserves_the_municipal_sums():
    _, forecasts = E.evaluate(E.toy_panel(), origins=[2019, 2020], membership=TOY_REGIONS)
    muni = forecasts.query("level == 'municipality'")
    region = forecasts.query("level == 'jeugdzorgregio'")
    keys = ["forecaster", "origin", "scope", "horizon"]
    for col in ("p50", "actual"):
        a = muni.groupby(keys)[col].sum(min_count=1)
        b = region.groupby(keys)[col].sum(min_count=1)
        pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-12)
    r1 = region.query("unit == 'R1' and forecaster == 'budget' and origin == 2020 and horizon == 1")
    assert r1["p50"].item() == pytest.approx(126.0 + 1600.0)


def test_a_region_with_a_missing_member_is_not_summed():
    frame = _scored_toy().assign(p10=np.nan, p90=np.nan)
    frame.loc[0, "p50"] = np.nan
    out = E.aggregate_regions(frame, TOY_REGIONS).set_index("unit")
    assert math.isnan(out.loc["R1", "p50"])  # GM0001 has no P50: no partial sum
    assert math.isnan(out.loc["R2", "actual"])  # GM0003 has no actual yet


def test_region_band_comes_from_regional_errors_at_earlier_origins():
    _, f = E.evaluate(E.toy_panel(), origins=[2019], horizons=(1,), membership=TOY_REGIONS)
    r2 = f.query("level == 'jeugdzorgregio' and unit == 'R2' and forecaster == 'last_actual'")
    # errors at origins 2017 and 2018 (R1: 310/200-1 and 520/310-1; R2: 0 and 0)
    errors = np.array([310 / 200 - 1, 0.0, 520 / 310 - 1, 0.0])
    q10, q90 = np.quantile(errors, [0.1, 0.9])
    assert r2["p10"].item() == pytest.approx(50 * (1 + q10))
    assert r2["p90"].item() == pytest.approx(50 * (1 + q90))
    _, summed = E.evaluate(
        E.toy_panel(), origins=[2019], horizons=(1,), membership=TOY_REGIONS, region_band="sum"
    )
    s2 = summed.query("level == 'jeugdzorgregio' and unit == 'R2' and forecaster == 'budget'")
    m3 = summed.query("level == 'municipality' and unit == 'GM0003' and forecaster == 'budget'")
    assert s2["p90"].item() == pytest.approx(m3["p90"].item())


# --- plugging in a forecaster, tables ---------------------------------------------------------


def test_any_forecaster_with_the_signature_can_be_plugged_in():
    def double_last(known, origin, horizons):
        out = E.last_actual_point(known, origin, horizons)
        return out.assign(p50=out["p50"] * 2, p10=out["p50"], p90=out["p50"] * 3)

    scores, _ = E.evaluate(
        E.toy_panel(),
        origins=[2019],
        horizons=(1,),
        forecasters={"double": double_last},
        membership=TOY_REGIONS,
    )
    row = scores.query("origins == '2019' and level == 'municipality'").iloc[0]
    # 2 x last actual vs the 2020 actual: 240/130, 800/800, 100/50
    errors = [240 / 130 - 1, 0.0, 1.0]
    assert row["mape"] == pytest.approx(np.mean(errors))


def test_evaluation_table_has_mape_and_coverage_per_baseline():
    scores, _ = E.evaluate(E.toy_panel(), origins=[2019, 2020], membership=TOY_REGIONS)
    summary, csv = E.evaluation_table(scores)
    assert set(summary.columns.get_level_values(0)) == {"mape", "coverage"}
    assert set(summary.columns.get_level_values(1)) == set(E.BASELINES)
    assert set(csv["origins"]) == {"2019-2020"}
    assert len(csv) == len(E.BASELINES) * 2 * 3  # forecasters x levels x horizons
