"""No look-ahead, proven: figures unknown as of the reference year Y change nothing as of Y.

"As of Y" (issue 9): known are Iv3 actuals up to Y, Iv3 primary budgets up to Y+1, the
population on 1 January up to Y+1 and the year average up to Y, and the care price index for
years up to Y+1. Every later figure is multiplied by a random factor (numpy, seeded): in the
shipped Iv3 and CBS tables (through the loaders of :mod:`bekostiging.data.rawdata`, which every
model module reads through) and in the index of the region's assumptions. The start budget as of
Y, its projection and the backtest as of Y must then be bit-identical to the unperturbed run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.data import rawdata
from bekostiging.model.backtest import run_backtest
from bekostiging.model.baseline import build_baseline
from bekostiging.model.projection import project_start_budget
from bekostiging.model.startbudget import start_budget

DRAWS = 40  # small: the proof is bit-identity, not precision
# reference year: contract start (None: the region's) and provider behaviour (off: faster)
CASES = {2021: (None, True), 2023: ("2025-01-01", False)}


def _factors(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.5, 1.5, n)


def perturb_iv3(iv3: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """Actuals after Y and budgets after Y+1: spending and inhabitants times random factors."""
    out = iv3.copy()
    unknown = ((out["report"] == "jaarrekening") & (out["year"] > year)) | (
        (out["report"] == "begroting") & (out["year"] > year + 1)
    )
    n = int(unknown.sum())
    out.loc[unknown, "spending_keur"] *= _factors(rng, n)
    inh = out.loc[unknown, "inhabitants"].to_numpy() * _factors(rng, n)
    out.loc[unknown, "inhabitants"] = np.round(inh).astype(out["inhabitants"].dtype)
    return out


def perturb_population(pop: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """1 January population after Y+1 and the year average after Y times random factors."""
    out = pop.copy()
    jan1 = out["year"] > year + 1
    values = out.loc[jan1, "population_jan1"].to_numpy() * _factors(rng, int(jan1.sum()))
    out.loc[jan1, "population_jan1"] = np.round(values).astype(out["population_jan1"].dtype)
    avg = out["year"] > year
    out.loc[avg, "population_avg"] *= _factors(rng, int(avg.sum()))
    return out


def perturb_index(params, year: int, rng: np.random.Generator):
    """The care price index of every year after Y+1 (up to 2040) times random factors."""
    years = range(2010, 2041)
    rates = {y: float(params.value("index.care_cost", year=y)) for y in years}
    factors = dict(zip(years, _factors(rng, len(years)), strict=True))
    new = {y: r * factors[y] if y > year + 1 else r for y, r in rates.items()}
    return params.with_overrides({"index.care_cost": new})


def run_as_of(region, params, year: int, contract_start, behaviour: bool = True):
    """Start budget, its projection and the backtest as of ``year``, from the loaders' data."""
    actuals = build_baseline(region, params=params)
    budgets = build_baseline(region, report=region.budget_report, params=params)
    sb = start_budget(region, actuals, year, contract_start, params=params)
    proj = project_start_budget(
        sb, actuals, budgets, draws=DRAWS, seed=3, behaviour=behaviour, params=params
    )
    bt = run_backtest(region, year, DRAWS, seed=5, params=params, actuals=actuals, budgets=budgets)
    return {"actuals": actuals, "sb": sb, "proj": proj, "bt": bt}


@pytest.fixture(scope="module", params=sorted(CASES))
def runs(request, achterhoek):
    year = request.param
    rng = np.random.default_rng(9000 + year)
    iv3 = perturb_iv3(rawdata.load_iv3(), year, rng)
    pop = perturb_population(rawdata.load_population(), year, rng)
    params = perturb_index(achterhoek.parameters, year, rng)
    with pytest.MonkeyPatch.context() as mp:
        # Speed only: the shipped Iv3 table is validated once (tests/test_rawdata.py); the
        # perturbation keeps every task field, so the per-load check would find nothing.
        mp.setattr(rawdata, "check_known", lambda *args, **kwargs: [])
        clean = run_as_of(achterhoek, achterhoek.parameters, year, *CASES[year])
        mp.setattr(rawdata, "_load_iv3", lambda path: iv3.copy())
        mp.setattr(rawdata, "_load_population", lambda path: pop.copy())
        assert rawdata.load_iv3().equals(iv3)  # every loader now hands out the perturbed data
        assert rawdata.load_population().equals(pop)
        perturbed = run_as_of(achterhoek, params, year, *CASES[year])
    return year, clean, perturbed


def test_the_perturbation_reaches_the_data(runs):
    """Otherwise the test below would prove nothing: later figures do differ."""
    year, clean, perturbed = runs
    a, b = clean["actuals"], perturbed["actuals"]
    later = a["year"] > year
    assert not np.allclose(a.loc[later, "spend"], b.loc[later, "spend"])
    assert a.loc[~later, "spend"].sum() > 0
    real = clean["bt"].table["actual"].to_numpy()
    assert not np.allclose(real, perturbed["bt"].table["actual"].to_numpy())


def test_start_budget_is_bit_identical(runs):
    _, clean, perturbed = runs
    a, b = clean["sb"], perturbed["sb"]
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.trend, b.trend, check_exact=True)
    pd.testing.assert_frame_equal(a.regional, b.regional, check_exact=True)


def test_projection_is_bit_identical(runs):
    _, clean, perturbed = runs
    a, b = clean["proj"], perturbed["proj"]
    for name in ("clients_exp", "cost_exp", "sigma", "rho", "level_sigma", "population"):
        assert np.array_equal(getattr(a.inputs, name), getattr(b.inputs, name)), name
    for name in ("clients", "intensity", "price", "spend"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.variants.keys() == b.variants.keys()
    for key, arrays in a.variants.items():
        for name, values in arrays.items():
            assert np.array_equal(values, b.variants[key][name]), (key, name)


def test_backtest_is_bit_identical(runs):
    """Everything the backtest computes; only the later actuals and budgets it compares with
    (and the errors against them) may differ."""
    year, clean, perturbed = runs
    a, b = clean["bt"], perturbed["bt"]
    pd.testing.assert_frame_equal(a.calibration, b.calibration, check_exact=True)
    pd.testing.assert_frame_equal(a.budget_bias, b.budget_bias, check_exact=True)
    assert np.array_equal(a.projection.spend, b.projection.spend)
    cols = ["gemeentecode", "domain", "year", "p10", "p50", "p90", "mean"]
    pd.testing.assert_frame_equal(a.table[cols], b.table[cols], check_exact=True)
    known = a.table["year"] == year + 1  # the budget for Y+1 is known as of Y
    assert np.array_equal(a.table.loc[known, "budget"], b.table.loc[known, "budget"])
    later = a.table["year"] > year + 1  # later budgets are not known, and were perturbed
    assert not later.any() or not np.allclose(
        a.table.loc[later, "budget"], b.table.loc[later, "budget"]
    )
