"""Monte Carlo projection and variant comparison: properties that must hold."""

from __future__ import annotations

import numpy as np
import pytest

from bekostiging.model.projection import (
    ProjectionInputs,
    apply_variants,
    decided_variant_spend,
    inputs_from_start_budget,
    project_start_budget,
    simulate,
    variant_summary,
)
from bekostiging.model.startbudget import start_budget


@pytest.fixture(scope="module")
def sb(achterhoek, baseline_achterhoek):
    return start_budget(achterhoek, baseline_achterhoek, 2021)


@pytest.fixture(scope="module")
def proj(sb, baseline_achterhoek, budget_achterhoek):
    return project_start_budget(sb, baseline_achterhoek, budget_achterhoek, draws=3000, seed=7)


def test_same_seed_same_paths_other_seed_other_paths():
    inp = ProjectionInputs.example()
    a, b, c = simulate(inp, 500, 3), simulate(inp, 500, 3), simulate(inp, 500, 4)
    assert np.array_equal(a.spend, b.spend) and np.array_equal(a.price, b.price)
    assert not np.array_equal(a.spend, c.spend)


def test_quantiles_are_ordered(proj):
    for m in (None, "GM0197"):
        q = proj.quantiles("spend", municipality=m)
        assert (q["p10"] <= q["p50"]).all() and (q["p50"] <= q["p90"]).all()


def test_municipalities_add_up_to_the_region(proj):
    region = proj.total(proj.spend)
    parts = sum(proj.total(proj.spend, municipality=m) for m in proj.inputs.municipalities)
    assert np.allclose(region, parts, rtol=1e-5)


def _mean_within_monte_carlo_error(inp: ProjectionInputs, draws: int, seed: int) -> np.ndarray:
    """Simulated mean of the region's cost per year over the start budget; asserts that it lies
    within 4 standard errors (sample sd / sqrt(draws): a false alarm 1 in ~16,000 per year)."""
    p = simulate(inp, draws, seed)
    total = p.total(p.spend).astype(np.float64)  # (D, Y), independent draws
    budget = inp.budget.sum(axis=(0, 1))
    se = total.std(axis=0, ddof=1) / np.sqrt(draws)
    gap = total.mean(axis=0) - budget
    assert (np.abs(gap) <= 4.0 * se).all(), (gap / budget, se / budget)
    return se / budget


def test_simulated_mean_is_the_start_budget():
    """The start budget is the expected cost: the drift -sigma^2/2 (and the level shock's
    shared variance) make the Monte Carlo mean equal to it, per year, also with a level shock
    and index uncertainty. Without the correction the mean would lie exp(var/2) - 1 above it:
    here 1.5 % to 4.1 %, at least 9 standard errors, so this test would fail."""
    inp = ProjectionInputs(
        **{**ProjectionInputs.example().__dict__, "level_sigma": np.array([0.15]), "index_sd": 0.02}
    )
    draws = 40_000
    rel_se = _mean_within_monte_carlo_error(inp, draws, seed=11)
    n = np.arange(1, 4)
    var = inp.sigma[0] ** 2 * n + inp.index_sd**2 * n
    var += (np.sqrt(0.6) + np.sqrt(0.4)) ** 2 * inp.level_sigma[0] ** 2
    assert (np.expm1(var / 2) > 9 * rel_se).all()


def test_simulated_mean_is_the_start_budget_achterhoek(sb, baseline_achterhoek, budget_achterhoek):
    """The same on the calibrated Achterhoek inputs (as of 2021, eight years)."""
    inp = inputs_from_start_budget(sb, baseline_achterhoek, budget_achterhoek)
    keep = inp.budget.sum(axis=(0, 1)) > 0
    assert keep.all()
    _mean_within_monte_carlo_error(inp, 8_000, seed=12)


def test_zero_uncertainty_path_is_the_start_budget(sb, proj):
    """With zero uncertainty every draw equals the start budget."""
    i = proj.inputs
    still = ProjectionInputs(
        i.municipalities,
        i.units,
        i.years,
        i.clients_exp,
        i.cost_exp,
        i.year_fraction,
        sigma=np.zeros_like(i.sigma),
        rho=i.rho,
        level_sigma=np.zeros_like(i.level_sigma),
        index_sd=0.0,
    )
    p = simulate(still, 20, 1)
    assert np.allclose(p.spend, i.budget[None], rtol=1e-5)
    contract_years = [y for y in i.years if y in set(sb.table["year"])]
    total = sb.table[sb.table["year"].isin(contract_years)]["budget"].sum()
    assert p.spend[0].sum() == pytest.approx(total, rel=1e-5)


def test_spread_grows_with_the_horizon(proj):
    q = proj.quantiles("spend")
    full = q.loc[2023:2028]
    rel = (full["p90"] - full["p10"]) / full["p50"]
    assert rel.is_monotonic_increasing


def test_uncertainty_is_calibrated_on_history(sb, baseline_achterhoek, budget_achterhoek):
    inp = inputs_from_start_budget(sb, baseline_achterhoek, budget_achterhoek)
    assert inp.sigma[inp.units.index("iaj")] == pytest.approx(sb.trend.loc["iaj", "sigma"])
    # youth budgets missed by more than youth growth varied: the first year gets extra spread
    assert inp.level_sigma[inp.units.index("iaj")] > 0


def test_settlement_creates_no_money_on_every_path(proj):
    for key, res in proj.variants.items():
        assert np.allclose(
            res["municipality_spend"] - res["provider_result"],
            res["provided_cost"],
            rtol=1e-9,
            atol=1e-3,
        ), key


def test_variant_spread_follows_who_carries_the_risk(proj):
    s = variant_summary(proj, years=[2024])
    # p*q passes volume and intensity to the municipality; output keeps intensity with the
    # provider; a lumpsum with a corridor carries part of it
    assert s.loc["pq", "spread"] > s.loc["output", "spread"]
    assert s.loc["pq", "spread"] > s.loc["lumpsum", "spread"]


def test_pure_lumpsum_fixes_the_municipality_spend(sb, baseline_achterhoek, budget_achterhoek):
    inp = inputs_from_start_budget(sb, baseline_achterhoek, budget_achterhoek)
    p = simulate(ProjectionInputs(**{**inp.__dict__, "index_sd": 0.0}), 200, 2)
    p = apply_variants(
        p, sb.region.parameters, settlements={u: {"kind": "none"} for u in inp.units}
    )
    res = p.variants["lumpsum"]
    # the budget, plus what comes back when a provider's loss exceeds its equity (backstop)
    assert np.allclose(res["municipality_spend"] - res["backstop"], inp.budget[None], rtol=1e-6)
    assert np.all(res["backstop"] >= 0)


def test_decided_variants(proj, achterhoek):
    d = decided_variant_spend(proj, achterhoek)
    u = proj.inputs.units.index("wmo_pv")
    assert np.array_equal(d[:, :, u], proj.variants["pq"]["municipality_spend"][:, :, u])


def test_too_few_draws_is_refused():
    with pytest.raises(ValueError, match="at least 10"):
        simulate(ProjectionInputs.example(), 5)


def test_behaviour_is_relative_to_the_funding_of_the_reference_year(
    achterhoek, baseline_achterhoek, budget_achterhoek
):
    """The variant in force in the reference year buys exactly the projected care (its behaviour
    is already in the historical cost); the others buy more or less."""
    markup = 1.0 + achterhoek.parameters.value("projection.provider_margin")
    for reference_year, in_force in ((2021, "pq"), (2024, "lumpsum")):
        sb = start_budget(
            achterhoek,
            baseline_achterhoek,
            reference_year,
            contract_start=None if reference_year == 2021 else "2027-01-01",
        )
        p = project_start_budget(sb, baseline_achterhoek, budget_achterhoek, draws=200, seed=1)
        u = p.inputs.units.index("iaj")
        provided = p.variants[in_force]["provided_cost"][:, :, u]
        assert np.allclose(provided * markup, p.spend[:, :, u], rtol=1e-5), reference_year
        other = "lumpsum" if in_force == "pq" else "pq"
        assert not np.allclose(
            p.variants[other]["provided_cost"][:, :, u] * markup, p.spend[:, :, u], rtol=1e-3
        )
    # under p*q providers deliver more care than under a lumpsum (Ellis & McGuire)
    s = variant_summary(p, units=["iaj"], years=[2028])
    assert s.loc["pq", "p50"] > s.loc["lumpsum", "p50"]
