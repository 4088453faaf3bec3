"""A lumpsum per organisation, settled per provider (issue 10, part 5)."""

from __future__ import annotations

import numpy as np
import pytest

from bekostiging.model.provider_settlement import (
    corridor_options,
    provider_cost_split,
    settle_per_provider,
)
from bekostiging.model.variants import Settlement

HALF = Settlement(
    "corridor", corridor=0.05, municipality_share_over=0.5, municipality_share_under=0.5
)


def test_a_hand_computed_case():
    """Two providers with a lumpsum of 100 each; one spends 120, the other 80.

    Corridor 5 % (band 5), half shared beyond: the first gets 0.5 x (20 - 5) = 7.5 on top, the
    second pays back 0.5 x (20 - 5) = 7.5. Results: 100 + 7.5 - 120 = -12.5 and 100 - 7.5 - 80
    = 12.5. Settled on the total (200 against 200) nothing moves and no one seems to lose.
    """
    out = settle_per_provider(np.array([100.0, 100.0]), np.array([[120.0, 80.0]]), HALF)
    assert out["flow"].tolist() == [[7.5, -7.5]]
    assert out["result"].tolist() == [[-12.5, 12.5]]
    assert out["spend"].tolist() == [200.0]
    assert HALF.flow(200.0, 200.0).item() == 0.0


def test_money_is_conserved():
    rng = np.random.default_rng(3)
    costs = rng.uniform(50, 150, size=(200, 7))
    budgets = rng.uniform(50, 150, size=7)
    for s in (HALF, Settlement("full"), Settlement("none")):
        out = settle_per_provider(budgets, costs, s)
        np.testing.assert_allclose(out["spend"], costs.sum(axis=1) + out["result"].sum(axis=1))
        np.testing.assert_allclose(out["spend"], budgets.sum() + out["flow"].sum(axis=1))


def test_client_choice_keeps_the_total_and_centres_on_the_split():
    rng = np.random.default_rng(5)
    cost = np.full(20_000, 1000.0)
    split = provider_cost_split(cost, np.array([0.7, 0.2, 0.1]), clients=300, rng=rng)
    np.testing.assert_allclose(split.sum(axis=1), cost)
    np.testing.assert_allclose(split.mean(axis=0), [700.0, 200.0, 100.0], rtol=0.01)
    # Dirichlet(300 x share): the smallest provider's share has sd sqrt(0.1 x 0.9 / 301)
    assert split[:, 2].std() / 1000 == pytest.approx(np.sqrt(0.09 / 301), rel=0.05)


def test_the_decision_table():
    rng = np.random.default_rng(8)
    cost = rng.lognormal(np.log(1000.0), 0.1, size=4000)
    t = corridor_options(cost, 1000.0, np.full(10, 0.1), clients=200, loss_threshold=0.05)
    by = t.set_index(["corridor", "share"])
    # full settlement: the municipality pays the cost, no provider ever loses
    assert by.loc[(0.0, 1.0), "p50"] == pytest.approx(np.median(cost), rel=1e-9)
    assert by.loc[(0.0, 1.0), "provider_loss_chance"] == 0.0
    # a 5 % corridor settled in full beyond it caps each loss at 5 %: never more than 5 %
    assert by.loc[(0.05, 1.0), "provider_loss_chance"] == 0.0
    # no settlement: the municipality pays the budget
    assert by.loc[(np.inf, 0.0), "p90"] == pytest.approx(1000.0)
    # per provider some lose although the total does not: client choice spreads the care
    assert by.loc[(0.05, 0.5), "provider_loss_chance"] > by.loc[(0.05, 0.5), "total_loss_chance"]


def test_the_backstop_brings_a_large_loss_back_to_the_municipality():
    """No settlement, equity 10 %: a provider spending 130 on a lumpsum of 100 loses 30, can
    carry 10, so 20 comes back to the municipality (issue 10, part 2)."""
    cost = np.array([[130.0]])
    per = settle_per_provider(np.array([100.0]), cost, Settlement("none"))
    assert per["result"].tolist() == [[-30.0]]
    t = corridor_options(np.array([130.0]), 100.0, np.array([1.0]), clients=1e6, equity=0.1)
    none = t.set_index(["corridor", "share"]).loc[(np.inf, 0.0)]
    assert none["backstop_p90"] == pytest.approx(20.0) and none["p50"] == pytest.approx(120.0)
    # with the decided corridor the provider loses 5 + 0.5 x 25 = 17.5 of 112.5: 7.5 comes back
    half = t.set_index(["corridor", "share"]).loc[(0.05, 0.5)]
    assert half["backstop_p90"] == pytest.approx(17.5 - 0.1 * 112.5)


def test_the_projection_backstop_conserves_money(
    achterhoek, baseline_achterhoek, budget_achterhoek
):
    from bekostiging.model.projection import project_start_budget
    from bekostiging.model.startbudget import start_budget

    sb = start_budget(achterhoek, baseline_achterhoek, 2024, "2027-07-01")
    proj = project_start_budget(
        sb, baseline_achterhoek, budget_achterhoek, draws=200, seed=2, behaviour=False
    )
    equity = float(achterhoek.parameters.value("projection.provider_equity"))
    for key, res in proj.variants.items():
        np.testing.assert_allclose(
            res["municipality_spend"], res["provided_cost"] + res["provider_result"], rtol=1e-9
        )
        active = res["municipality_spend"] > 0
        # no provider result below -equity x revenue: the rest came back
        assert np.all(
            res["provider_result"][active]
            >= -equity * res["municipality_spend"][active]
            - 1e-6 * res["municipality_spend"][active]
        ), key
    assert proj.variants["lumpsum"]["backstop"].sum() > 0
