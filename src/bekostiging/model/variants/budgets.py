"""Variants with a budget, settled against the cost after the year: :class:`Lumpsum`,
:class:`PopulationFunding` and :class:`Hybrid` (a lumpsum part plus a p*q part)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from bekostiging.model.variants.carriers import MUNICIPALITY, RiskCarriers, combine_carriers
from bekostiging.model.variants.demand import Demand, VariantResult
from bekostiging.model.variants.prices import paid_units, pq_marginal_share
from bekostiging.model.variants.settlement import NO_SETTLEMENT, Settlement, check_settlement
from bekostiging.model.variants.validation import contract_term, flag, money_param


def _settled_budget(budget: ArrayLike, demand: Demand, settlement: Settlement) -> VariantResult:
    """Pay ``budget`` and settle it against the demand's cost."""
    flow = settlement.flow(budget, demand.cost)
    share = settlement.cost_share(budget, demand.cost)
    return VariantResult.from_parts(budget, flow, demand.cost, share)


@dataclass(frozen=True)
class Lumpsum:
    """Lumpsum (taakgericht): a fixed budget, settled with the cost after the year.

    ``spend = budget + settlement.flow(budget, cost)``; the cost share is the settlement's
    (0 for a pure lumpsum, 1 for full after-calculation).

    >>> d = Demand(clients=10, units=110, unit_cost=10.0)  # cost 1100
    >>> Lumpsum(budget=1000.0).pay(d).provider_result.item()
    -100.0
    >>> corridor = Settlement("corridor", corridor=0.05)
    >>> Lumpsum(budget=1000.0, settlement=corridor).pay(d).settlement_flow.item()  # 100 - 50
    50.0
    """

    budget: ArrayLike
    settlement: Settlement = NO_SETTLEMENT

    key: ClassVar[str] = "lumpsum"

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", money_param("Lumpsum.budget", self.budget))
        check_settlement(self.settlement)

    def pay(self, demand: Demand) -> VariantResult:
        """Pay the budget, then settle it against the cost."""
        return _settled_budget(self.budget, demand, self.settlement)

    def carriers(self) -> RiskCarriers:
        """All risks follow the settlement rule (after-calculation gives them back)."""
        carrier = self.settlement.risk_carrier()
        return RiskCarriers(volume=carrier, intensity=carrier, population=carrier)


@dataclass(frozen=True)
class PopulationFunding:
    """Populatiebekostiging: a budget per head of the target population, then like a lumpsum.

    ``budget = amount_per_head * demand.population``; needs ``Demand.population``.

    >>> d = Demand(clients=20, units=100, unit_cost=40.0, population=100)  # cost 4000
    >>> r = PopulationFunding(amount_per_head=45.0).pay(d)
    >>> r.municipality_spend.item(), r.provider_result.item()  # 45*100; 4500 - 4000
    (4500.0, 500.0)
    """

    amount_per_head: ArrayLike
    settlement: Settlement = NO_SETTLEMENT

    key: ClassVar[str] = "population"

    def __post_init__(self) -> None:
        amount = money_param("PopulationFunding.amount_per_head", self.amount_per_head)
        object.__setattr__(self, "amount_per_head", amount)
        check_settlement(self.settlement)

    def pay(self, demand: Demand) -> VariantResult:
        """Budget from the population, then settle it against the cost."""
        if demand.population is None:
            raise ValueError(
                "population funding needs Demand.population (the size of the target population)"
            )
        return _settled_budget(self.amount_per_head * demand.population, demand, self.settlement)

    def carriers(self) -> RiskCarriers:
        """The budget moves with the population; use and intensity follow the settlement."""
        carrier = self.settlement.risk_carrier()
        return RiskCarriers(volume=carrier, intensity=carrier, population=MUNICIPALITY)


@dataclass(frozen=True)
class Hybrid:
    """Hybride: a lumpsum for part of the budget plus p*q for the rest.

    With ``s = pq_share``, budget ``B``, tariff ``T`` and provider cost ``C``::

        fixed    = (1 - s) * B, settled like a lumpsum against (1 - s) * C
        variable = s * T * min(units, indicated_units)
        spend    = fixed + settlement.flow(fixed, (1 - s) * C) + variable

    The settlement corridor is a fraction of the fixed part. ``s = 0`` is the lumpsum,
    ``s = 1`` is p*q at tariff ``T``. The cost share is
    ``(1 - s) * settlement share + s * T / unit_cost`` (the second term while units are paid).

    >>> d = Demand(clients=5, units=100, unit_cost=10.0)  # cost 1000
    >>> r = Hybrid(budget=800.0, tariff=10.0, pq_share=0.25).pay(d)
    >>> # fixed 0.75*800 = 600, variable 0.25*10*100 = 250, no settlement: spend 850
    >>> r.municipality_spend.item(), r.municipality_cost_share.item()
    (850.0, 0.25)
    """

    budget: ArrayLike
    tariff: ArrayLike
    pq_share: float
    settlement: Settlement = NO_SETTLEMENT
    cap_by_indication: bool = True

    key: ClassVar[str] = "hybrid"

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", money_param("Hybrid.budget", self.budget))
        object.__setattr__(self, "tariff", money_param("Hybrid.tariff", self.tariff))
        object.__setattr__(
            self, "pq_share", contract_term("Hybrid.pq_share", self.pq_share, 0.0, 1.0)
        )
        check_settlement(self.settlement)
        cap = flag("Hybrid.cap_by_indication", self.cap_by_indication)
        object.__setattr__(self, "cap_by_indication", cap)

    def pay(self, demand: Demand) -> VariantResult:
        """Settled fixed part plus the p*q part (see the class docstring for the rule)."""
        s = self.pq_share
        fixed_budget = (1.0 - s) * np.asarray(self.budget)
        fixed_cost = (1.0 - s) * demand.cost
        flow = self.settlement.flow(fixed_budget, fixed_cost)
        variable = s * (self.tariff * paid_units(demand, self.cap_by_indication))
        share = (1.0 - s) * self.settlement.cost_share(fixed_budget, fixed_cost) + s * (
            pq_marginal_share(self.tariff, demand, self.cap_by_indication)
        )
        return VariantResult.from_parts(fixed_budget + variable, flow, demand.cost, share)

    def carriers(self) -> RiskCarriers:
        """Mix of the p*q part (municipality) and the settled fixed part."""
        s = self.pq_share
        carrier = combine_carriers([(s, MUNICIPALITY), (1.0 - s, self.settlement.risk_carrier())])
        return RiskCarriers(volume=carrier, intensity=carrier, population=carrier)
