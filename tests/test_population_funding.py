"""Population funding as its own variant (issue 10, part 4).

One regional rate per inhabitant of the target group, times the target population as it turns
out (uncertain), paid to a consortium without annual settlement. It differs from the lumpsum in
who carries the demographic and the volume risk.
"""

from __future__ import annotations

import numpy as np
import pytest

from bekostiging.model.projection import project_start_budget
from bekostiging.model.startbudget import start_budget


@pytest.fixture(scope="module")
def proj(achterhoek, baseline_achterhoek, budget_achterhoek):
    sb = start_budget(achterhoek, baseline_achterhoek, 2024, "2027-07-01")
    return project_start_budget(
        sb, baseline_achterhoek, budget_achterhoek, draws=1000, seed=4, behaviour=False
    )


def _cells(proj, variant, unit, year):
    """What the variant pays, before the backstop (a provider's loss beyond its equity)."""
    i = proj.inputs
    u, k = i.units.index(unit), i.years.index(year)
    res = proj.variants[variant]
    return (res["municipality_spend"] - res["backstop"])[:, :, u, k]


def test_one_rate_for_the_whole_region(proj):
    """Every municipality gets the same amount per inhabitant of the target group."""
    i = proj.inputs
    u, k = i.units.index("iaj"), i.years.index(2028)
    pop = i.population[:, u, k][None] * proj.population_factor[:, :, k]
    per_head = _cells(proj, "population", "iaj", 2028) / pop
    assert np.allclose(per_head, per_head[:, :1], rtol=1e-5)  # same for all municipalities
    # and it is the region's start budget over the region's target population (before the
    # actual index, which multiplies every draw)
    rate = (i.clients_exp[:, u, k] * i.cost_exp[:, u, k]).sum() / i.population[:, u, k].sum()
    assert np.allclose(per_head[:, 0] / proj.price[:, k], rate, rtol=1e-5)


def test_the_named_rate_is_used_where_the_region_set_one(proj, achterhoek):
    """Dyslexia: EUR 62 per child aged 7-12 (2024 prices) in the Achterhoek's assumptions."""
    i = proj.inputs
    u, k = i.units.index("dyslexie"), i.years.index(2028)
    assert float(achterhoek.parameters.value("population_funding.dyslexie.amount_per_head")) == 62
    pop = i.population[:, u, k][None] * proj.population_factor[:, :, k]
    per_head = _cells(proj, "population", "dyslexie", 2028) / pop / proj.price[:, k, None]
    assert np.allclose(per_head, i.per_head[u, k], rtol=1e-5)
    assert 62.0 < i.per_head[u, k] < 62.0 * 1.2  # indexed from 2024 to 2028


def test_no_settlement_and_the_municipality_carries_the_population(proj):
    res = proj.variants["population"]
    assert np.all(res["settlement_flow"] == 0)
    k = proj.inputs.years.index(2028)
    factor = proj.population_factor[:, 0, k] * proj.price[:, k]
    pop_spend = _cells(proj, "population", "iaj", 2028)[:, 0]
    assert np.corrcoef(pop_spend, factor)[0, 1] > 0.999  # moves with population (and index)
    lump = _cells(proj, "lumpsum", "iaj", 2028)[:, 0]
    assert np.corrcoef(lump, factor)[0, 1] < 0.9


def test_population_funding_differs_from_the_lumpsum_in_its_spread(proj):
    pop = proj.total(proj.variants["population"]["municipality_spend"])
    lump = proj.total(proj.variants["lumpsum"]["municipality_spend"])  # both with backstop
    k = proj.inputs.years.index(2028)
    spread = {
        n: float(np.quantile(x[:, k], 0.9) - np.quantile(x[:, k], 0.1))
        for n, x in {"population": pop, "lumpsum": lump}.items()
    }
    assert spread["population"] != pytest.approx(spread["lumpsum"], rel=0.1)
    # the region pays its rate on its population, whatever the care costs: on average the
    # start budget (IAJ has no named rate)
    u = proj.inputs.units.index("iaj")
    iaj = _cells(proj, "population", "iaj", 2028).sum(axis=1)
    assert np.mean(iaj) == pytest.approx(
        proj.inputs.budget[:, u, k].sum() * np.mean(proj.price[:, k]), rel=0.01
    )
