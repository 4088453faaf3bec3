"""Settlement (verrekening): how a budget is settled with the real cost after the year."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from bekostiging.config.region import SETTLEMENT_KINDS
from bekostiging.model.variants.carriers import MUNICIPALITY, PROVIDER, SHARED
from bekostiging.model.variants.validation import check_range, contract_term


@dataclass(frozen=True)
class Settlement:
    """How a lumpsum budget is settled with the real cost after the year (verrekening).

    With deviation ``D = cost - budget`` and band ``corridor * budget``: inside the band
    (``|D| <= corridor * budget``) the provider carries everything. Beyond it, the municipality
    pays ``municipality_share_over`` of the overspend in excess of the band on top, and the
    provider pays back ``municipality_share_under`` of the underspend in excess of the band.

    - ``"none"``: pure lumpsum, no settlement (same as an infinite corridor);
    - ``"full"``: after-calculation (nacalculatie), the municipality pays exactly the cost
      (same as corridor 0 with both shares 1);
    - ``"corridor"``: give ``corridor`` (a fraction, may be ``float("inf")``); the shares
      default to 1.

    For "none" and "full" the corridor and shares follow from the kind and are filled in.

    >>> s = Settlement("corridor", corridor=0.05, municipality_share_over=0.5)
    >>> # budget 1000, band 50; cost 1100: overspend 100, excess 50, municipality pays 0.5*50
    >>> s.flow(1000.0, 1100.0).item()
    25.0
    >>> # cost 800: underspend 200, excess 150, provider pays back 1.0*150
    >>> s.flow(1000.0, 800.0).item()
    -150.0
    >>> Settlement("full").corridor, Settlement("none").corridor
    (0.0, inf)
    """

    kind: str = "none"
    corridor: float | None = None
    municipality_share_over: float | None = None
    municipality_share_under: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in SETTLEMENT_KINDS:
            raise ValueError(
                f"unknown settlement kind {self.kind!r}; valid kinds: {', '.join(SETTLEMENT_KINDS)}"
            )
        implied = {"none": (math.inf, 0.0, 0.0), "full": (0.0, 1.0, 1.0)}
        names = ("corridor", "municipality_share_over", "municipality_share_under")
        if self.kind in implied:
            given = [n for n in names if getattr(self, n) is not None]
            if given:
                raise ValueError(
                    f"settlement kind {self.kind!r} implies its own {', '.join(given)}; "
                    "leave it out, or use kind 'corridor' to set it"
                )
            values = implied[self.kind]
        else:
            if self.corridor is None:
                raise ValueError("settlement kind 'corridor' needs a corridor (e.g. 0.05 = +/-5 %)")
            values = (
                self.corridor,
                1.0 if self.municipality_share_over is None else self.municipality_share_over,
                1.0 if self.municipality_share_under is None else self.municipality_share_under,
            )
        corridor = contract_term("settlement corridor", values[0], 0.0, None, finite=False)
        over = contract_term("settlement municipality_share_over", values[1], 0.0, 1.0)
        under = contract_term("settlement municipality_share_under", values[2], 0.0, 1.0)
        for name, value in zip(names, (corridor, over, under), strict=True):
            object.__setattr__(self, name, value)

    def _band(self, budget: np.ndarray) -> np.ndarray:
        return self.corridor * budget

    def flow(self, budget: ArrayLike, cost: ArrayLike) -> np.ndarray:
        """Payment from municipality to provider after the year (negative = paid back).

        >>> Settlement("full").flow([100.0, 100.0], [130.0, 90.0]).tolist()
        [30.0, -10.0]
        >>> Settlement("none").flow(100.0, 130.0).item()
        0.0
        """
        budget = check_range("budget", budget, low=0.0)
        cost = check_range("cost", cost, low=0.0)
        if math.isinf(self.corridor):
            # Avoid inf * 0 = nan for a zero budget: an infinite band never settles.
            return np.zeros(np.broadcast_shapes(budget.shape, cost.shape))
        deviation = cost - budget
        band = self._band(budget)
        excess_over = np.maximum(deviation - band, 0.0)
        excess_under = np.maximum(-deviation - band, 0.0)
        return (
            self.municipality_share_over * excess_over
            - self.municipality_share_under * excess_under
        )

    def cost_share(self, budget: ArrayLike, cost: ArrayLike) -> np.ndarray:
        """d flow / d cost: the part of the last euro of cost that the municipality pays.

        Inside the band 0; above it ``municipality_share_over``; below it
        ``municipality_share_under`` (one more euro of cost means one euro less underspend to
        pay back). At a band edge the left derivative is used (the share of the last euro):
        at ``D == band`` inside (0), at ``D == -band`` below. So "full" gives 1 everywhere.

        >>> s = Settlement("corridor", corridor=0.1, municipality_share_over=0.6,
        ...                municipality_share_under=0.4)
        >>> s.cost_share(100.0, [80.0, 95.0, 110.0, 120.0]).tolist()
        [0.4, 0.0, 0.0, 0.6]
        """
        budget = check_range("budget", budget, low=0.0)
        cost = check_range("cost", cost, low=0.0)
        shape = np.broadcast_shapes(budget.shape, cost.shape)
        if math.isinf(self.corridor):
            return np.zeros(shape)
        deviation = cost - budget
        band = self._band(budget)
        share = np.where(deviation > band, self.municipality_share_over, 0.0)
        share = np.where(deviation <= -band, self.municipality_share_under, share)
        return np.broadcast_to(share, shape).astype(float)

    def risk_carrier(self) -> str:
        """Who carries the risk of over- and underspend: municipality, provider or shared.

        >>> Settlement("none").risk_carrier(), Settlement("full").risk_carrier()
        ('provider', 'municipality')
        >>> Settlement("corridor", corridor=0.05).risk_carrier()
        'shared'
        """
        over, under = self.municipality_share_over, self.municipality_share_under
        if math.isinf(self.corridor) or (over == 0.0 and under == 0.0):
            return PROVIDER
        if self.corridor == 0.0 and over == 1.0 and under == 1.0:
            return MUNICIPALITY
        return SHARED

    def to_config(self) -> dict[str, Any]:
        """The plain dict that :func:`variant_from_config` reads back.

        >>> Settlement("full").to_config()
        {'kind': 'full'}
        """
        if self.kind != "corridor":
            return {"kind": self.kind}
        return {
            "kind": "corridor",
            "corridor": self.corridor,
            "municipality_share_over": self.municipality_share_over,
            "municipality_share_under": self.municipality_share_under,
        }


NO_SETTLEMENT = Settlement("none")


def check_settlement(settlement: Any) -> None:
    """Raise a ValueError unless ``settlement`` is a :class:`Settlement`."""
    if not isinstance(settlement, Settlement):
        raise ValueError(f"settlement must be a Settlement; found {settlement!r}")
