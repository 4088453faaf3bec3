"""Who carries a risk under a funding variant, as stable keys (the Dutch words are in
:mod:`bekostiging.report.text.variants`).

>>> combine_carriers([(0.3, MUNICIPALITY), (0.7, PROVIDER)]), combine_carriers([(0.0, SHARED), (1.0, PROVIDER)])
('shared', 'provider')
"""

from __future__ import annotations

from dataclasses import dataclass

MUNICIPALITY = "municipality"
PROVIDER = "provider"
SHARED = "shared"
CARRIERS = (MUNICIPALITY, PROVIDER, SHARED)

# The risks a variant allocates, in the order of the risk table.
RISKS = ("volume", "intensity", "population")


@dataclass(frozen=True)
class RiskCarriers:
    """Who carries the volume, intensity and population risk (each one of :data:`CARRIERS`)."""

    volume: str
    intensity: str
    population: str


def combine_carriers(parts: list[tuple[float, str]]) -> str:
    """Carrier of a mix of payment parts, given (weight, carrier) pairs."""
    carriers = {c for w, c in parts if w > 0}
    return carriers.pop() if len(carriers) == 1 else SHARED
