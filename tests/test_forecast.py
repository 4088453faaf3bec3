"""The tool's forecast (model/forecast.py): combination rule, no look-ahead, real-data accuracy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bekostiging.cli import main
from bekostiging.data.panel import build_panel
from bekostiging.model import evaluation as E
from bekostiging.model.forecast import (
    FORECASTERS,
    MODEL,
    combination_weights,
    combined_point,
    features,
    pooled_point,
)

pytestmark = pytest.mark.filterwarnings("ignore::Warning")


@pytest.fixture(scope="module")
def panel():
    return build_panel()


def test_weights_follow_the_track_record_shrunk_to_equal():
    # toy panel as of 2017, GM0001: last actual 100, budget 2018 = 99, budget x own ratio
    # 99 x 100/90 = 110; the trend needs two actuals and the regression 200 rows, so neither
    # forecasts. Only the budget has a track record (its 2016 forecast of 2017): one origin of
    # evidence, so its estimated weight 1 is shrunk halfway to equal (1/5): budget 0.6, last
    # actual and budget ratio 0.1 each.
    known = E.as_of(E.toy_panel(), 2017)
    p = combined_point(known, 2017, (1,)).set_index("gemeentecode")["p50"]
    expected = math.exp((0.1 * math.log(100) + 0.6 * math.log(99) + 0.1 * math.log(110)) / 0.8)
    assert p["GM0001"] == pytest.approx(expected, rel=1e-12)
    # with nothing known at all (before the first actual) every candidate weighs the same
    w = combination_weights(E.as_of(E.toy_panel(), 2018), 2018, (1,))
    assert w.groupby(["scope", "horizon"])["weight"].sum().tolist() == pytest.approx([1.0])


def test_combination_is_the_weighted_geometric_mean(panel):
    known = E.as_of(panel, 2021)
    combined = combined_point(known, 2021, (1,)).set_index(["gemeentecode", "scope"])["p50"]
    w = combination_weights(known, 2021, (1,)).set_index(["scope", "candidate"])["weight"]
    row = ("GM0197", "youth")  # Aalten
    parts = {
        "pooled": pooled_point(known, 2021, (1,)),
        "last_actual": E.last_actual_point(known, 2021, (1,)),
        "trend": E.trend_point(known, 2021, (1,)),
        "budget": E.budget_point(known, 2021, (1,)),
        "budget_ratio": E.budget_ratio_point(known, 2021, (1,)),
    }
    logs, weights = [], []
    for name, frame in parts.items():
        value = frame.set_index(["gemeentecode", "scope"]).loc[row, "p50"]
        if value > 0 and ("youth", name) in w.index:
            logs.append(math.log(value))
            weights.append(w.loc[("youth", name)])
    expected = math.exp(np.dot(weights, logs) / sum(weights))
    assert combined.loc[row] == pytest.approx(expected, rel=1e-12)


def test_features_use_only_what_is_known(panel):
    f = features(E.as_of(panel, 2021), 2021).loc[("GM0197", "youth")]
    actual = panel.query("gemeentecode == 'GM0197' and scope == 'youth' and report == 'actuals'")
    budget = panel.query("gemeentecode == 'GM0197' and scope == 'youth' and report == 'budget'")
    a = actual.set_index("year")["spending"]
    b = budget.set_index("year")["spending"]
    assert f["level"] == pytest.approx(math.log(a[2021]))
    assert f["budget"] == pytest.approx(math.log(b[2022] / a[2021]))
    assert f["bias"] == pytest.approx(math.log(a.loc[2019:2021].sum() / b.loc[2019:2021].sum()))


def test_the_model_never_looks_ahead(panel):
    rng = np.random.default_rng(7)
    y = 2020
    unknown = ((panel["report"] == "actuals") & (panel["year"] > y)) | (
        (panel["report"] == "budget") & (panel["year"] > y + 1)
    )
    shaken = panel.copy()
    shaken.loc[unknown, "spending"] *= rng.uniform(0.2, 5.0, unknown.sum())
    a = MODEL(E.as_of(panel, y), y, (1, 2, 3))
    b = MODEL(E.as_of(shaken, y), y, (1, 2, 3))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # and the perturbation is real: the as-of frames differ only in what is unknown
    assert not np.allclose(panel.loc[unknown, "spending"], shaken.loc[unknown, "spending"])
    # the opposite holds too, so this test can fail: the Y+1 budget is known, and shaking it
    # moves the forecasts
    known_budget = (panel["report"] == "budget") & (panel["year"] == y + 1)
    moved = panel.copy()
    moved.loc[known_budget, "spending"] *= 1.5
    c = MODEL(E.as_of(moved, y), y, (1,))
    assert not np.allclose(a.query("horizon == 1")["p50"], c["p50"], equal_nan=True)


def test_the_model_beats_every_baseline_one_year_ahead(panel):
    """A guard on real data (the full table is `make evaluate`): from the origins 2021-2023, one
    year ahead, per municipality, the model's P50 errs less than each of the four baselines
    (measured when the model was built: youth 15.7 % against at best 17.3 %, Wmo 8.4 % against
    9.5 %, total 6.8 % against 8.5 %)."""
    forecasts = E.run_forecasters(panel, [2021, 2022, 2023], (1,), FORECASTERS)
    scores = E.score(forecasts)
    pooled = scores[scores["origins"] == "2021-2023"]
    mape = pooled.pivot(index="scope", columns="forecaster", values="mape")
    for scope in ("youth", "wmo", "total"):
        row = mape.loc[scope]
        assert row["model"] < row.drop("model").min(), (scope, row.to_dict())


def test_evaluate_command_writes_table_chart_and_csv(tmp_path, capsys):
    code = main(["evaluate", "--origins", "2023", "--horizons", "1", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Gemiddelde afwijking van de P50" in out and "jeugdzorgregio" in out
    csv = pd.read_csv(tmp_path / "evaluatie_2023-2023.csv")
    assert set(csv["forecaster"]) == set(FORECASTERS)
    assert (tmp_path / "evaluatie_2023-2023_kalibratie.png").read_bytes()[:4] == b"\x89PNG"


def test_the_report_look_back_marks_years_without_actuals_and_sums_the_region():
    from bekostiging.analysis.region_analysis import RegionAnalysis
    from bekostiging.model.backtest import REGION_ROW
    from bekostiging.report.lookback import NOT_COMPARED, evaluation_frame

    a = RegionAnalysis.from_parameters(
        region="achterhoek", municipality="GM0197", draws=200, backtest_year=2022
    )
    frame = evaluation_frame(a.municipality("GM0197"))
    future = frame[frame["Jaar"] == "2025"]  # three years after 2022: no jaarrekening yet
    assert len(future) and (future["Binnen P10-P90"] == NOT_COMPARED).all()
    assert future["Werkelijk (€)"].isna().all()
    compared = frame[frame["Jaar"] == "2023"]
    assert compared["Binnen P10-P90"].isin(["ja", "nee"]).all()
    e = a.evaluation.query("forecaster == 'model' and scope == 'total' and year == 2023")
    region = e.loc[e["unit"] == REGION_ROW, "p50"].item()
    municipalities = e.loc[e["unit"] != REGION_ROW, "p50"]
    assert len(municipalities) == 8 and region == pytest.approx(municipalities.sum(), rel=1e-12)


def test_evaluate_refuses_an_origin_without_actuals(tmp_path, capsys):
    code = main(["evaluate", "--origins", "1990", "--horizons", "1", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "origins" in err and "gevonden: 1990" in err and "2017 tot en met 2024" in err
    assert not any(tmp_path.iterdir())  # nothing written
