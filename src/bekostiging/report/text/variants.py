"""The Dutch words of the funding variants: names, settlement sentences and the risk table.

The model (:mod:`bekostiging.model.variants`) speaks in keys (``"lumpsum"``, ``"municipality"``);
this module turns them into the text the reports show.

>>> variant_name("hybrid"), carrier_name("shared")
('Hybride (lumpsum + deel p*q)', 'gedeeld')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from bekostiging.model.variants import (
    MUNICIPALITY,
    PROVIDER,
    SHARED,
    Demand,
    Settlement,
    Variant,
    compare_outcomes,
    risk_carriers,
)

VARIANT_NAMES: dict[str, str] = {
    "pq": "p*q (inspanningsgericht)",
    "output": "Output / trajectprijs",
    "lumpsum": "Lumpsum (taakgericht)",
    "population": "Populatiebekostiging",
    "hybrid": "Hybride (lumpsum + deel p*q)",
}

# Who carries a risk, in the words used in the reports.
CARRIER_NAMES: dict[str, str] = {
    MUNICIPALITY: "gemeente",
    PROVIDER: "aanbieder",
    SHARED: "gedeeld",
}

# Dutch column labels of the risk table; keys are stable identifiers for code.
RISK_LABELS: dict[str, str] = {
    "variant": "bekostigingsvariant",
    "volume": "volumerisico (aantal cliënten)",
    "intensity": "intensiteitsrisico (zorgzwaarte per cliënt)",
    "population": "populatierisico (omvang doelgroep)",
    "explanation": "toelichting",
}


def _pct(share: float) -> str:
    """A share as a Dutch percentage with a space: 0.05 -> '5 %', 0.125 -> '12,5 %'.

    (``report.formatting.percent`` writes '5,0%'; the variant texts keep this form.)

    >>> _pct(0.05), _pct(0.125)
    ('5 %', '12,5 %')
    """
    return f"{share * 100:.4g} %".replace(".", ",")


def _euro(amount: float | np.ndarray) -> str:
    """An amount in euros with two decimals, Dutch style; arrays get a general phrase.

    >>> _euro(1234.5)
    '€ 1.234,50'
    """
    if np.ndim(amount):
        return "een bedrag (per element verschillend)"
    return "€ " + f"{float(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def variant_name(variant: str | Any) -> str:
    """The Dutch name of a variant, given its key, class or instance.

    >>> from bekostiging.model.variants import Lumpsum
    >>> variant_name("pq"), variant_name(Lumpsum), variant_name(Lumpsum(budget=1.0))
    ('p*q (inspanningsgericht)', 'Lumpsum (taakgericht)', 'Lumpsum (taakgericht)')
    """
    return VARIANT_NAMES[variant if isinstance(variant, str) else variant.key]


def carrier_name(carrier: str) -> str:
    """The Dutch word for a risk carrier key: gemeente, aanbieder or gedeeld."""
    return CARRIER_NAMES[carrier]


def settlement_text(settlement: Settlement) -> str:
    """One Dutch sentence on the settlement rule, for reports.

    >>> settlement_text(Settlement("corridor", corridor=0.05, municipality_share_under=0.5))
    'binnen ±5 % van het budget draagt de aanbieder over- en onderbesteding; daarbuiten betaalt de gemeente 100 % van het tekort bij en betaalt de aanbieder 50 % van het overschot terug'
    """
    carrier = settlement.risk_carrier()
    if carrier == PROVIDER:
        return "geen verrekening: de aanbieder houdt een overschot en draagt een tekort"
    if carrier == MUNICIPALITY:
        return "nacalculatie: de gemeente betaalt de werkelijke kosten"
    return (
        f"binnen ±{_pct(settlement.corridor)} van het budget draagt de aanbieder over- en "
        f"onderbesteding; daarbuiten betaalt de gemeente "
        f"{_pct(settlement.municipality_share_over)} van het tekort bij en betaalt de aanbieder "
        f"{_pct(settlement.municipality_share_under)} van het overschot terug"
    )


def _pq_text(v: Any) -> str:
    cap = ", tot de geïndiceerde omvang" if v.cap_by_indication else ""
    return (
        f"De gemeente betaalt {_euro(v.tariff)} per geleverde eenheid{cap}: meer "
        "cliënten of meer uren per cliënt betaalt de gemeente; de aanbieder draagt alleen "
        "het verschil tussen kostprijs en tarief."
    )


def _output_text(v: Any) -> str:
    return (
        f"De gemeente betaalt {_euro(v.price_per_client)} per cliënt: meer cliënten "
        "betaalt de gemeente, meer zorg per cliënt komt voor rekening van de aanbieder."
    )


def _lumpsum_text(v: Any) -> str:
    return f"Vast budget per aanbieder per jaar; {settlement_text(v.settlement)}."


def _population_text(v: Any) -> str:
    return (
        f"Budget van {_euro(v.amount_per_head)} per inwoner van de doelgroep: een "
        "grotere doelgroep betaalt de gemeente, meer gebruik of zwaardere zorg binnen de "
        f"doelgroep volgt de verrekening; {settlement_text(v.settlement)}."
    )


def _hybrid_text(v: Any) -> str:
    s = v.pq_share
    return (
        f"{_pct(s)} van de vergoeding via p*q (risico gemeente), {_pct(1.0 - s)} als "
        f"lumpsum: {settlement_text(v.settlement)}."
    )


_EXPLANATIONS = {
    "pq": _pq_text,
    "output": _output_text,
    "lumpsum": _lumpsum_text,
    "population": _population_text,
    "hybrid": _hybrid_text,
}


def risk_explanation(variant: Variant) -> str:
    """One Dutch line on who carries what under a variant, quoting its amounts and terms.

    >>> from bekostiging.model.variants import Lumpsum
    >>> risk_explanation(Lumpsum(budget=1e6, settlement=Settlement("full")))
    'Vast budget per aanbieder per jaar; nacalculatie: de gemeente betaalt de werkelijke kosten.'
    """
    return _EXPLANATIONS[variant.key](variant)


def risk_row(variant: Variant) -> dict[str, str]:
    """Who carries volume, intensity and population risk under a variant (Dutch labels).

    >>> from bekostiging.model.variants import Output
    >>> risk_row(Output(price_per_client=9000))["intensiteitsrisico (zorgzwaarte per cliënt)"]
    'aanbieder'
    """
    return risk_carrier_table({"v": variant}).iloc[0].to_dict()


def risk_carrier_table(variants: Mapping[str, Variant]) -> pd.DataFrame:
    """The Dutch risk table: one row per variant (index = the mapping's keys), columns
    :data:`RISK_LABELS`, built from :func:`bekostiging.model.variants.risk_carriers`.

    >>> from bekostiging.model.variants import PQ, Lumpsum
    >>> t = risk_carrier_table({"pq": PQ(tariff=65.0), "lumpsum": Lumpsum(budget=1e6)})
    >>> t.loc["lumpsum", "volumerisico (aantal cliënten)"]
    'aanbieder'
    """
    keys = risk_carriers(variants)
    table = pd.DataFrame(index=keys.index)
    table[RISK_LABELS["variant"]] = keys["key"].map(VARIANT_NAMES)
    for risk in ("volume", "intensity", "population"):
        table[RISK_LABELS[risk]] = keys[risk].map(CARRIER_NAMES)
    table[RISK_LABELS["explanation"]] = [risk_explanation(v) for v in variants.values()]
    return table


def comparison_table(demand: Demand, variants: Mapping[str, Variant]) -> pd.DataFrame:
    """:func:`bekostiging.model.variants.compare_outcomes` with the Dutch ``name`` of each
    variant in place of its key (the first column).

    >>> from bekostiging.model.variants import PQ
    >>> comparison_table(Demand(clients=1, units=10, unit_cost=10.0), {"pq": PQ(10.0)})["name"].item()
    'p*q (inspanningsgericht)'
    """
    table = compare_outcomes(demand, variants)
    table.insert(0, "name", table.pop("key").map(VARIANT_NAMES))
    return table
