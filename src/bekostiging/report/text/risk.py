"""The Dutch risk table, capacity table and rating scale from the numbers of
:mod:`bekostiging.model.risk`.

>>> import numpy as np
>>> from bekostiging.core.paths import ASSUMPTIONS_DIR
>>> from bekostiging.config.parameters import load_parameters
>>> from bekostiging.model.risk import risk_table
>>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / f for f in
...                      ("common.yaml", "reserves.yaml")])
>>> spend = np.array([90.0, 110.0, 130.0, 100.0]).reshape(4, 1, 1, 1) * 1000
>>> t = dutch_risk_table(risk_table(spend, np.full((1, 1, 1), 100_000.0), ["GM0197"], p))
>>> t["Risico"].tolist()[:2]
['Volumegroei boven het startbudget', 'Hogere kosten per cliënt (zwaardere zorg)']
>>> row = t.iloc[0]  # excess 10,000 and 30,000 in 2 of 4 draws
>>> float(row["Kans (%)"]), float(row["Financiële impact (€)"]), float(row["Kans x impact (€)"])
(50.0, 20000.0, 10000.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from bekostiging.model.risk import RATING_BOUNDS
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.text.variants import settlement_text

RISK_COLUMNS = [
    "gemeentecode",
    "Risico",
    "Toelichting",
    "Kans (%)",
    "Financiële impact (€)",
    "Kans x impact (€)",
    "Bron",
]

RISK_NAMES = {
    "volume": "Volumegroei boven het startbudget",
    "intensity": "Hogere kosten per cliënt (zwaardere zorg)",
    "indexation": "Indexatie boven de begrote index (OVA)",
    "settlement": "Verrekening lumpsum buiten de corridor",
    "discontinuity": "Discontinuïteit van een aanbieder",
    "allocation": "Toerekening regionale kosten (verdeelsleutel)",
}
"""Risk keys of :data:`bekostiging.model.risk.RISK_KEYS` -> Dutch names, in table order."""

SIMULATION = "simulatie"
EXTRA_SOURCES = {"allocation": "verdeelsleutels"}  # what a row rests on besides assumptions

RATING_LABELS = {
    "A": "uitstekend",
    "B": "ruim voldoende",
    "C": "voldoende",
    "D": "matig",
    "E": "onvoldoende",
    "F": "ruim onvoldoende",
}
"""NAR class -> Dutch meaning (boundaries: :data:`bekostiging.model.risk.RATING_BOUNDS`)."""

CAPACITY_LABELS = {
    "gemeente": "Gemeente",
    "available": "Beschikbare weerstandscapaciteit (€)",
    "required": "Benodigde weerstandscapaciteit (€)",
    "ratio": "Ratio",
    "rating": "Waardering",
}


# --------------------------------------------------------------------------------------------
# rating and capacity


def rating_scale() -> pd.DataFrame:
    """The rating scale as a table for a report (Dutch headers).

    >>> rating_scale()["Ratio weerstandsvermogen"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['> 2,0', '1,4 t/m 2,0', '1,0 tot 1,4', '0,8 tot 1,0', '0,6 tot 0,8', '< 0,6']
    """
    ranges = ["> 2,0", "1,4 t/m 2,0", "1,0 tot 1,4", "0,8 tot 1,0", "0,6 tot 0,8", "< 0,6"]
    return pd.DataFrame(
        {
            "Waarderingscijfer": [c for c, _ in RATING_BOUNDS],
            "Ratio weerstandsvermogen": ranges,
            "Betekenis": [RATING_LABELS[c] for c, _ in RATING_BOUNDS],
        }
    )


def dutch_capacity_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`bekostiging.model.risk.capacity_table` with Dutch headers and the meaning.

    >>> from bekostiging.model.risk import capacity_table
    >>> t = dutch_capacity_table(capacity_table({"GM0197": 1_500_000}, {"GM0197": 1_000_000}))
    >>> t.iloc[0][["Gemeente", "Waardering", "Betekenis"]].tolist()
    ['GM0197', 'B', 'ruim voldoende']
    """
    out = table.rename(columns=CAPACITY_LABELS)
    out["Betekenis"] = out["Waardering"].map(RATING_LABELS)
    return out


# --------------------------------------------------------------------------------------------
# the risk table: one explanation per risk


def _pairs(f: Mapping[str, Any]) -> str:
    return f"{number(f['draws'])} trekkingen x {f['years']} jaar"


def _volume(f: Mapping[str, Any]) -> str:
    if f["split"]:
        return (
            "Meer cliënten dan in het startbudget, gewaardeerd tegen de begrote kosten per "
            f"cliënt; alle segmenten samen, per jaar ({_pairs(f)})."
        )
    return (
        "De kosten van de benodigde zorg (alle segmenten samen) komen in een jaar boven het "
        "startbudget uit: meer cliënten en hogere kosten per cliënt zoals gesimuleerd "
        f"({_pairs(f)}). Bij lumpsum draagt de aanbieder dit eerst, binnen de corridor."
    )


def _intensity(f: Mapping[str, Any]) -> str:
    if f["split"]:
        return (
            "Kosten per cliënt boven de begrote kosten per cliënt (zwaardere zorg, langere "
            f"trajecten); het deel van de overschrijding dat niet uit volume komt ({_pairs(f)})."
        )
    return (
        "Zorgzwaarte stijgt meer dan in de simulatie (bijvoorbeeld extra complexe "
        f"verblijfsplaatsingen): {percent(f['cost_increase'])} van het jaarbudget."
    )


def _indexation(f: Mapping[str, Any]) -> str:
    index = f["budgeted_index"]
    budgeted = f" van {percent(index)}" if index is not None else ""
    return (
        f"De OVA-index voor aanbieders valt {number(f['excess'] * 100, 1)} procentpunt hoger "
        f"uit dan de begrote index{budgeted}; impact = dat verschil over het jaarbudget."
    )


def _settlement(f: Mapping[str, Any]) -> str:
    rules = {settlement_text(s) for s in f["rules"]}
    rule = rules.pop() if len(rules) == 1 else "per segment verschillend"
    return (
        "Na afloop van het jaar betaalt de gemeente een deel van het tekort van de "
        f"aanbieders bij ({', '.join(f['segments'])}): {rule}. Onderdeel van de "
        "volumegroei hierboven, niet daarbovenop."
    )


def _discontinuity(f: Mapping[str, Any]) -> str:
    return (
        "Een gecontracteerde aanbieder stopt (faillissement, terugtrekking): cliënten gaan over "
        "naar andere aanbieders en een deel wordt opnieuw ingekocht. Impact = "
        f"{percent(f['budget_share'])} van het jaarbudget x {percent(f['extra_cost_share'])} "
        f"meerkosten + {euro(f['fixed_cost'])}."
    )


def _allocation(f: Mapping[str, Any]) -> str:
    if f["key"]:
        return (
            "Regionale kosten worden niet naar eigen inwoners (gebruik) toegerekend maar met "
            f"de sleutel '{f['key']}'; impact = wat de gemeente dan meer betaalt."
        )
    return (
        "Regionale kosten worden met een andere sleutel dan eigen inwoners (gebruik) "
        "toegerekend; geen van de andere sleutels kost deze gemeente meer (impact 0)."
    )


EXPLANATIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "volume": _volume,
    "intensity": _intensity,
    "indexation": _indexation,
    "settlement": _settlement,
    "discontinuity": _discontinuity,
    "allocation": _allocation,
}
"""Risk key -> the Dutch explanation (Toelichting) made from the row's ``facts``."""


def source_text(row: Any) -> str:
    """'simulatie' and/or 'aanname a, b (schatting)'; non-estimates name their source.

    ``row`` is a row of :func:`bekostiging.model.risk.risk_table` (a named tuple or Series).
    """
    parts = [SIMULATION] if row.simulated else []
    marked = list(zip(row.parameters, row.estimates, row.sources, strict=True))
    estimates = [n for n, is_estimate, _ in marked if is_estimate]
    if estimates:
        parts.append(f"aanname {', '.join(estimates)} (schatting)")
    parts += [f"aanname {n} ({source})" for n, is_estimate, source in marked if not is_estimate]
    if row.risk in EXTRA_SOURCES:
        parts.append(EXTRA_SOURCES[row.risk])
    return "; ".join(parts)


def dutch_risk_table(
    table: pd.DataFrame, names: Mapping[str, str] | Callable[[str], str] | None = None
) -> pd.DataFrame:
    """The report's risk table (columns :data:`RISK_COLUMNS`) from the model's numbers.

    ``table`` is :func:`bekostiging.model.risk.risk_table` (or rows of it, keeping its index;
    without a ``gemeentecode`` column the result has none either). ``names`` (a mapping or a
    function such as ``region.name_of``) adds a ``Gemeente`` column after the code.
    Percentages are 0-100; amounts stay numbers.
    """
    records = [
        (
            RISK_NAMES[r.risk],
            EXPLANATIONS[r.risk](r.facts),
            100.0 * r.chance,
            r.impact,
            r.expected,
            source_text(r),
        )
        for r in table.itertuples(index=False)
    ]
    out = pd.DataFrame(records, columns=RISK_COLUMNS[1:], index=table.index)
    if "gemeentecode" in table.columns:
        out.insert(0, "gemeentecode", table["gemeentecode"])
        if names is not None:
            out.insert(1, "Gemeente", table["gemeentecode"].map(names))
    return out
