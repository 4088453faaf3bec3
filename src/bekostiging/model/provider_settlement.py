"""A lumpsum per organisation: settlement and losses per provider, with client choice.

Seed 003 decides a lumpsum per organisation, not per municipality. Settling the segment's
total hides that one provider's overrun and another's underrun cancel in the sum but not in
the contracts: the provider that overruns carries its own corridor. Per draw of the projection:

* the cost of the care the municipality's clients receive in the segment (the projection's
  ``provided_cost`` under the lumpsum) is spread over the providers by client choice: the
  providers' shares of that cost are Dirichlet with mean the split of the budget
  (:func:`bekostiging.model.allocation.split_lumpsum`) and concentration the number of clients
  (a provider with 2 % of 300 clients serves about 6, give or take 2.4);
* each provider's lumpsum is its share of the budget; the settlement applies per provider;
* a provider "loses" when its result (budget + settlement - cost) is below
  ``-loss_threshold x`` its revenue.

:func:`corridor_options` is the decision table: for each corridor and sharing ratio, the
municipality's P50/P90 cost of the segment and the providers' loss chances.

>>> rng = np.random.default_rng(1)
>>> cost = np.full(4, 1000.0)  # four draws, the same total cost as the budget
>>> split = provider_cost_split(cost, np.array([0.5, 0.5]), clients=1e9, rng=rng)
>>> split.round(1).tolist()  # very many clients: shares equal to the budget split
[[500.0, 500.0], [500.0, 500.0], [500.0, 500.0], [500.0, 500.0]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from bekostiging.model.variants import Settlement

OPTIONS = ((0.0, 1.0), (0.05, 0.5), (0.05, 1.0), (0.10, 0.5), (0.10, 1.0), (np.inf, 0.0))
"""(corridor, municipality share beyond it): full after-calculation, 5 and 10 % corridors
shared half or in full, and no settlement."""


def provider_cost_split(
    cost: np.ndarray, shares: np.ndarray, clients: float, rng: np.random.Generator
) -> np.ndarray:
    """(D, J): each draw's total ``cost`` (D,) spread over the providers by client choice."""
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    alpha = np.maximum(shares * max(float(clients), 1.0), 1e-6)
    weights = rng.dirichlet(alpha, size=len(cost))
    return weights * np.asarray(cost, dtype=float)[:, None]


def settle_per_provider(
    budgets: np.ndarray, costs: np.ndarray, settlement: Settlement
) -> dict[str, np.ndarray]:
    """Settlement per provider: flows and results (D, J), the municipality's spend (D,).

    Money is conserved: spend = sum of budgets + flows = sum of costs + results.

    >>> s = Settlement("corridor", corridor=0.05, municipality_share_over=1.0,
    ...                municipality_share_under=1.0)
    >>> out = settle_per_provider(np.array([100.0, 100.0]), np.array([[120.0, 80.0]]), s)
    >>> out["flow"].tolist(), out["spend"].tolist()  # +15 to the one, -15 back from the other
    ([[15.0, -15.0]], [200.0])
    >>> Settlement("corridor", corridor=0.05, municipality_share_over=1.0,
    ...            municipality_share_under=1.0).flow(200.0, 200.0).item()  # the total: nothing
    0.0
    """
    budgets = np.broadcast_to(np.asarray(budgets, dtype=float), costs.shape)
    flow = settlement.flow(budgets, costs)
    revenue = budgets + flow
    return {
        "flow": flow,
        "result": revenue - costs,
        "revenue": revenue,
        "spend": revenue.sum(axis=1),
    }


def _settlement(corridor: float, share: float) -> Settlement:
    if np.isinf(corridor):
        return Settlement("none")
    return Settlement(
        "corridor",
        corridor=float(corridor),
        municipality_share_over=float(share),
        municipality_share_under=float(share),
    )


def corridor_options(
    cost: np.ndarray,
    budget: float | np.ndarray,
    shares: np.ndarray,
    clients: float,
    loss_threshold: float = 0.05,
    options: Iterable[tuple[float, float]] = OPTIONS,
    seed: int = 20220701,
    equity: float = np.inf,
    choice: np.ndarray | None = None,
) -> pd.DataFrame:
    """The decision table: per option, the municipality's cost and the providers' risk.

    ``cost`` (D,): the segment's cost of provided care per draw; ``budget``: the lumpsum (a
    number, or (D,) when it follows the actual index);
    ``shares``: the providers' shares of it; ``choice``: the shares in which clients choose
    them (default ``shares``; the historical shares in the report); ``clients``: the number of
    clients (client
    choice). The same client choice (seeded) is used for every option, so the options differ
    only in their settlement. Columns: ``corridor``, ``share`` (the municipality's share beyond
    the corridor), ``p50``, ``p90`` (municipality), ``settlement_p90``,
    ``provider_loss_chance`` (per provider and draw), ``any_loss_chance`` (at least one
    provider), ``backstop_p90`` (what comes back to the municipality when a provider loses
    more than ``equity`` x its revenue; included in ``p50``/``p90``), and ``total_*`` for
    the same option settled on the segment's total.
    """
    shares = np.asarray(shares, dtype=float) / float(np.sum(shares))
    budget = np.broadcast_to(np.asarray(budget, dtype=float), np.shape(cost))
    budgets = shares[None, :] * budget[:, None]
    # clients choose as they did (historical shares), not as the money was split (with floors)
    mean = shares if choice is None else np.asarray(choice, dtype=float)
    costs = provider_cost_split(cost, mean, clients, np.random.default_rng(seed))
    rows = []
    for corridor, share in options:
        s = _settlement(corridor, share)
        per = settle_per_provider(budgets, costs, s)
        losing = per["result"] < -loss_threshold * np.maximum(per["revenue"], 1e-9)
        top_up = np.maximum(0.0, -per["result"] - equity * per["revenue"]).sum(axis=1)
        spend = per["spend"] + top_up
        total_flow = s.flow(budget, costs.sum(axis=1))
        total_result = budget + total_flow - costs.sum(axis=1)
        rows.append(
            {
                "corridor": corridor,
                "share": share,
                "mean": float(np.mean(spend)),
                "p50": float(np.quantile(spend, 0.5)),
                "p90": float(np.quantile(spend, 0.9)),
                "backstop_p90": float(np.quantile(top_up, 0.9)),
                "settlement_p90": float(np.quantile(per["flow"].sum(axis=1), 0.9)),
                "provider_loss_chance": float(losing.mean()),
                "any_loss_chance": float(losing.any(axis=1).mean()),
                "total_p90": float(np.quantile(budget + total_flow, 0.9)),
                "total_settlement_p90": float(np.quantile(total_flow, 0.9)),
                "total_loss_chance": float(
                    np.mean(total_result < -loss_threshold * (budget + total_flow))
                ),
            }
        )
    return pd.DataFrame(rows)
