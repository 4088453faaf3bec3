"""Funding variants for youth care and Wmo behind one interface.

A :class:`Demand` describes the care in a period (clients, units, the provider's unit cost).
Every variant (:class:`PQ`, :class:`Output`, :class:`Lumpsum`, :class:`PopulationFunding`,
:class:`Hybrid`) has one method, ``pay(demand)``, that returns a :class:`VariantResult`: what the
municipality pays, what the provider earns, the settlement after the year and the share of a
marginal euro of cost that the municipality ends up paying.

Everything is vectorised: the fields of a demand and the money parameters of a variant may be
scalars or numpy arrays of any shape that broadcast together (e.g. draws x municipalities x
segments x years); the result has the broadcast shape. Contract terms that shape the rules
(settlement corridor and shares, the p*q share of a hybrid) are scalars.

Where things are: :mod:`.demand` (demand and result), :mod:`.settlement`, :mod:`.prices` (p*q,
output), :mod:`.budgets` (lumpsum, population funding, hybrid), :mod:`.configuration` (from and
to region-file dicts), :mod:`.comparison` (outcomes and risk carriers side by side). The model
speaks in keys; the Dutch names and sentences are in :mod:`bekostiging.report.text.variants`.

>>> demand = Demand(clients=10, units=1_000, unit_cost=60.0)
>>> demand.cost.item()
60000.0
>>> result = Lumpsum(budget=50_000).pay(demand)
>>> result.municipality_spend.item(), result.provider_result.item()
(50000.0, -10000.0)
>>> PQ(tariff=60.0).pay(demand).municipality_spend.item()
60000.0
"""

from bekostiging.config.region import SETTLEMENT_KINDS
from bekostiging.model.variants.budgets import Hybrid, Lumpsum, PopulationFunding
from bekostiging.model.variants.carriers import (
    CARRIERS,
    MUNICIPALITY,
    PROVIDER,
    RISKS,
    SHARED,
    RiskCarriers,
)
from bekostiging.model.variants.comparison import compare_outcomes, risk_carriers
from bekostiging.model.variants.configuration import (
    VARIANTS,
    Variant,
    variant_from_config,
    variant_to_config,
)
from bekostiging.model.variants.demand import Demand, VariantResult
from bekostiging.model.variants.prices import PQ, Output
from bekostiging.model.variants.settlement import NO_SETTLEMENT, Settlement

__all__ = [
    "CARRIERS",
    "MUNICIPALITY",
    "NO_SETTLEMENT",
    "PQ",
    "PROVIDER",
    "RISKS",
    "SETTLEMENT_KINDS",
    "SHARED",
    "VARIANTS",
    "Demand",
    "Hybrid",
    "Lumpsum",
    "Output",
    "PopulationFunding",
    "RiskCarriers",
    "Settlement",
    "Variant",
    "VariantResult",
    "compare_outcomes",
    "risk_carriers",
    "variant_from_config",
    "variant_to_config",
]
