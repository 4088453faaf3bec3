"""What a variant is paid for and what it pays: :class:`Demand` and :class:`VariantResult`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bekostiging.model.variants.validation import broadcast_float, check_range


@dataclass(frozen=True, eq=False)
class Demand:
    """Care in one period: clients, units (e.g. hours) and the provider's real cost per unit.

    ``indicated_units`` are the units the access team indicated (default: the delivered units,
    i.e. the indication never binds). ``population`` is the size of the target population, needed
    only for population funding. All fields broadcast against each other.

    >>> d = Demand(clients=[2, 3], units=[10, 30], unit_cost=50.0, indicated_units=[12, 20])
    >>> d.cost.tolist()  # 10*50, 30*50
    [500.0, 1500.0]
    >>> d.indicated.tolist()
    [12.0, 20.0]
    """

    clients: ArrayLike
    units: ArrayLike
    unit_cost: ArrayLike
    indicated_units: ArrayLike | None = None
    population: ArrayLike | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: store the validated arrays once
        set_(self, "clients", check_range("Demand.clients", self.clients, low=0.0))
        set_(self, "units", check_range("Demand.units", self.units, low=0.0))
        # A positive unit cost: the cost share is "paid per unit / cost per unit".
        set_(self, "unit_cost", check_range("Demand.unit_cost", self.unit_cost, 0.0, low_open=True))
        if self.indicated_units is not None:
            set_(
                self,
                "indicated_units",
                check_range("Demand.indicated_units", self.indicated_units, 0.0),
            )
        if self.population is not None:
            set_(self, "population", check_range("Demand.population", self.population, low=0.0))

    @property
    def cost(self) -> np.ndarray:
        """The provider's cost of delivering the care: ``units * unit_cost``.

        >>> Demand(clients=1, units=4, unit_cost=25.0).cost.item()
        100.0
        """
        return self.units * self.unit_cost

    @property
    def indicated(self) -> np.ndarray:
        """Indicated units; the delivered units when no indication was given.

        >>> Demand(clients=1, units=4, unit_cost=25.0).indicated.item()
        4.0
        """
        return self.units if self.indicated_units is None else self.indicated_units


@dataclass(frozen=True, eq=False)
class VariantResult:
    """What one variant pays for one demand; every field is an array of the broadcast shape.

    - ``municipality_spend``: what the municipality pays in total (base payment + settlement);
    - ``provider_revenue``: equal to the spend, the municipality being the only payer;
    - ``provider_cost``: the provider's cost (``Demand.cost``);
    - ``provider_result``: revenue minus cost (positive = surplus);
    - ``base_payment``: payment before settlement (budget, tariff x units, price x clients);
    - ``settlement_flow``: paid by the municipality after the year (negative = paid back);
    - ``municipality_cost_share``: of one more euro of provider cost from delivering more units to
      the same clients at the same unit cost, the part the municipality pays (d spend / d cost).

    >>> r = VariantResult.from_parts(base_payment=100.0, settlement_flow=-10.0,
    ...                              provider_cost=80.0, municipality_cost_share=0.0)
    >>> r.municipality_spend.item(), r.provider_result.item()
    (90.0, 10.0)
    """

    municipality_spend: np.ndarray
    provider_revenue: np.ndarray
    provider_cost: np.ndarray
    provider_result: np.ndarray
    base_payment: np.ndarray
    settlement_flow: np.ndarray
    municipality_cost_share: np.ndarray

    @classmethod
    def from_parts(
        cls,
        base_payment: ArrayLike,
        settlement_flow: ArrayLike,
        provider_cost: ArrayLike,
        municipality_cost_share: ArrayLike,
    ) -> VariantResult:
        """Build a result from its independent parts; spend, revenue and result follow.

        Spend is computed as ``base_payment + settlement_flow`` and the provider result as
        ``spend - cost``, so the accounting identities hold by construction.

        >>> r = VariantResult.from_parts([1.0, 2.0], 0.0, 1.5, 1.0)
        >>> r.provider_result.tolist()
        [-0.5, 0.5]
        """
        base, flow, cost, share = broadcast_float(
            base_payment, settlement_flow, provider_cost, municipality_cost_share
        )
        spend = base + flow
        return cls(
            municipality_spend=spend,
            provider_revenue=spend.copy(),
            provider_cost=cost,
            provider_result=spend - cost,
            base_payment=base,
            settlement_flow=flow,
            municipality_cost_share=share,
        )
