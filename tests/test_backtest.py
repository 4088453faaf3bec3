"""Backtest as of 2021 against the actuals of 2022-2024."""

from __future__ import annotations

import numpy as np
import pytest

from bekostiging.core.errors import ParameterError
from bekostiging.data import rawdata
from bekostiging.model.backtest import REGION_ROW, run_backtest
from bekostiging.report.text.backtest import backtest_with_names


@pytest.fixture(scope="module")
def bt(achterhoek, baseline_achterhoek, budget_achterhoek):
    return run_backtest(
        achterhoek, 2021, draws=1000, actuals=baseline_achterhoek, budgets=budget_achterhoek
    )


def test_table_covers_every_municipality_domain_and_year(bt):
    t = bt.table
    assert sorted(t["year"].unique()) == [2022, 2023, 2024]
    assert set(t["domain"]) == {"jeugd", "wmo"}
    assert t.groupby(["domain", "year"]).size().eq(9).all()  # 8 municipalities + region


def test_names_come_from_the_report_text(achterhoek, bt):
    assert "gemeente" not in bt.table.columns  # the model holds codes and numbers only
    named = backtest_with_names(bt.table, achterhoek)
    assert named.columns.tolist()[:2] == ["gemeentecode", "gemeente"]
    names = dict(zip(named["gemeentecode"], named["gemeente"], strict=True))
    assert names[REGION_ROW] == "Regio " + achterhoek.name
    assert names["GM0197"] == "Aalten"


def test_actuals_and_budgets_are_the_iv3_figures(bt):
    iv3 = rawdata.load_iv3()
    codes = ["GM0197", "GM1859", "GM1876", "GM0222", "GM1955", "GM1586", "GM1509", "GM0294"]
    sel = iv3[
        iv3["gemeentecode"].isin(codes)
        & iv3["taakveld"].isin(["6.72", "6.73", "6.74", "6.82"])
        & (iv3["year"] == 2024)
    ]
    row = bt.table.query("gemeentecode == 'regio' and domain == 'jeugd' and year == 2024").iloc[0]
    assert row["actual"] == pytest.approx(
        sel.query("report == 'jaarrekening'")["spending_keur"].sum() * 1000
    )
    assert row["budget"] == pytest.approx(
        sel.query("report == 'begroting'")["spending_keur"].sum() * 1000
    )
    assert row["error_budget"] == pytest.approx(row["budget"] / row["actual"] - 1)


def test_uses_only_what_was_known_in_2021(bt):
    assert bt.calibration["last_year"].max() == 2021
    assert bt.projection.inputs.years == (2022, 2023, 2024)


def test_youth_budgets_were_too_low_every_year(bt):
    """The Achterhoek's primary budgets for youth care were 17-31 % below the actuals."""
    assert bt.budget_bias.loc["jeugd", "bias"] > 0.15  # known in 2021: budgets ran ~20 % low
    region = bt.table.query("gemeentecode == 'regio' and domain == 'jeugd'")
    assert (region["error_budget"] < -0.15).all()


def test_quantiles_ordered_and_summary(bt):
    t = bt.table
    assert (t["p10"] <= t["p50"]).all() and (t["p50"] <= t["p90"]).all()
    s = bt.summary()
    assert set(s.index) == {"jeugd", "wmo"}
    assert 0 <= s.loc["jeugd", "coverage_p10_p90"] <= 1
    assert np.isfinite(s.to_numpy(dtype=float)).all()


def test_reference_year_must_leave_actuals_to_compare(
    achterhoek, baseline_achterhoek, budget_achterhoek
):
    with pytest.raises(ParameterError, match="buiten het bereik"):
        run_backtest(
            achterhoek, 2024, draws=100, actuals=baseline_achterhoek, budgets=budget_achterhoek
        )
