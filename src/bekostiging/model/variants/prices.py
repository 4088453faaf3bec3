"""Variants that pay a price: per delivered unit (:class:`PQ`) or per client (:class:`Output`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from bekostiging.model.variants.carriers import MUNICIPALITY, PROVIDER, RiskCarriers
from bekostiging.model.variants.demand import Demand, VariantResult
from bekostiging.model.variants.validation import flag, money_param


def paid_units(demand: Demand, cap_by_indication: bool) -> np.ndarray:
    """The units that are paid: the delivered units, capped by the indication when asked."""
    return np.minimum(demand.units, demand.indicated) if cap_by_indication else demand.units


def pq_marginal_share(tariff: ArrayLike, demand: Demand, cap_by_indication: bool) -> np.ndarray:
    """d (tariff * paid units) / d cost along more units: tariff / unit cost while units are paid.

    The last unit is paid when units <= indicated (left derivative at the cap), so a demand
    without an indication (indicated = units) is fully paid.
    """
    paid = demand.units <= demand.indicated if cap_by_indication else np.ones_like(demand.units)
    return np.where(paid, np.divide(tariff, demand.unit_cost), 0.0)


@dataclass(frozen=True)
class PQ:
    """p*q (inspanningsgericht): a tariff per delivered unit, capped by the indication.

    ``spend = tariff * min(units, indicated_units)`` (or ``tariff * units`` with the cap off).
    The cost share is ``tariff / unit_cost`` while the last unit is paid, else 0: it is 1 when
    the tariff equals the unit cost, and above 1 when the tariff exceeds it (the provider earns
    on every extra unit: the over-provision incentive of p*q).

    >>> d = Demand(clients=2, units=30, unit_cost=50.0, indicated_units=25)
    >>> r = PQ(tariff=60.0).pay(d)
    >>> r.municipality_spend.item(), r.provider_result.item()  # 60*25; 1500 - 30*50
    (1500.0, 0.0)
    >>> r.municipality_cost_share.item()  # capped: an extra unit is not paid
    0.0
    >>> PQ(tariff=60.0, cap_by_indication=False).pay(d).municipality_spend.item()  # 60*30
    1800.0
    """

    tariff: ArrayLike
    cap_by_indication: bool = True

    key: ClassVar[str] = "pq"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tariff", money_param("PQ.tariff", self.tariff))
        object.__setattr__(
            self, "cap_by_indication", flag("PQ.cap_by_indication", self.cap_by_indication)
        )

    def pay(self, demand: Demand) -> VariantResult:
        """Pay every (paid) unit at the tariff; no settlement."""
        base = self.tariff * paid_units(demand, self.cap_by_indication)
        share = pq_marginal_share(self.tariff, demand, self.cap_by_indication)
        return VariantResult.from_parts(base, 0.0, demand.cost, share)

    def carriers(self) -> RiskCarriers:
        """p*q: volume and intensity with the municipality; the unit price with the provider."""
        return RiskCarriers(volume=MUNICIPALITY, intensity=MUNICIPALITY, population=MUNICIPALITY)


@dataclass(frozen=True)
class Output:
    """Output / trajectprijs: a fixed price per client, whatever the units delivered.

    ``spend = price_per_client * clients``. More units for the same clients cost the
    municipality nothing, so the cost share is 0 (the provider carries the intensity).

    >>> r = Output(price_per_client=900.0).pay(Demand(clients=3, units=40, unit_cost=60.0))
    >>> r.municipality_spend.item(), r.provider_result.item()  # 3*900; 2700 - 40*60
    (2700.0, 300.0)
    """

    price_per_client: ArrayLike

    key: ClassVar[str] = "output"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "price_per_client", money_param("Output.price_per_client", self.price_per_client)
        )

    def pay(self, demand: Demand) -> VariantResult:
        """Pay the price for every client; no settlement."""
        base = self.price_per_client * demand.clients
        return VariantResult.from_parts(base, 0.0, demand.cost, 0.0)

    def carriers(self) -> RiskCarriers:
        """Output: the number of clients with the municipality, intensity with the provider."""
        return RiskCarriers(volume=MUNICIPALITY, intensity=PROVIDER, population=MUNICIPALITY)
