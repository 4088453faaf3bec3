"""Calibration on history and the national peer benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.model.calibration import (
    budget_error_spread,
    budget_errors,
    calibrate_growth,
    real_growth,
)
from bekostiging.model.peers import benchmark, peer_table


def test_real_growth_removes_the_index_and_population():
    f = pd.DataFrame(
        {
            "gemeentecode": ["A"] * 3,
            "unit": ["u"] * 3,
            "year": [2020, 2021, 2022],
            "spend": [100.0, 121.0, 133.1],
            "population": [10.0, 11.0, 11.0],
        }
    )
    g = real_growth(f, {2021: 0.0, 2022: 0.1})
    # 2021: spend per head 10 -> 11, +10 %; 2022: 11 -> 12.1 per head but prices +10 %: 0
    assert g["log_growth"].round(6).tolist() == [round(np.log(1.1), 6), 0.0]


def test_calibration_splits_common_and_local_variance():
    rng = np.random.default_rng(0)
    rows = []
    for year in range(2000, 2060):
        common = rng.normal(0, 0.1)
        for m in "ABCDEFGH":
            rows.append({"gemeentecode": m, "unit": "u", "year": year, "log_growth": 0.05 + common})
    cal = calibrate_growth(pd.DataFrame(rows))
    assert cal.loc["u", "rho"] == pytest.approx(1.0, abs=0.02)  # all variance is regional
    assert cal.loc["u", "mu"] == pytest.approx(0.05, abs=0.03)


def test_youth_budget_errors_of_the_achterhoek(baseline_achterhoek, budget_achterhoek):
    e = budget_errors(baseline_achterhoek, budget_achterhoek, ["domain"])
    youth = e[e["domain"] == "jeugd"].set_index("year")["ratio"]
    assert youth.min() == pytest.approx(1.169, abs=0.001)  # 2017
    assert youth.max() == pytest.approx(1.312, abs=0.001)  # 2018
    spread = budget_error_spread(e)
    assert spread.loc["jeugd", "bias"] > 0.15


def test_peer_table_ranks_every_municipality():
    t = peer_table(2024)
    j = t[(t["domain"] == "jeugdhulp") & ~t["excluded"]]
    assert j["percentile"].between(0, 100).all()
    assert j["national_median"].iloc[0] == pytest.approx(j["per_relevant_inhabitant"].median())
    # municipalities formed after 2020 have no age bands and are left out of the comparison
    assert t.loc[t["gemeentecode"] == "GM1980", "excluded"].all()


def test_benchmark_region_row(achterhoek):
    codes = [m.code for m in achterhoek.municipalities]
    b = benchmark(codes, 2024)
    region = b[(b["gemeentecode"] == "regio") & (b["domain"] == "jeugdhulp")].iloc[0]
    mine = b[(b["gemeentecode"] != "regio") & (b["domain"] == "jeugdhulp")]
    assert region["spend"] == pytest.approx(mine["spend"].sum())
    assert region["per_relevant_inhabitant"] == pytest.approx(
        mine["spend"].sum() / mine["relevant_inhabitants"].sum()
    )
