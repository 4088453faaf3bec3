"""Every Dutch label of the reports in one place: column and flag names, funding variants,
domains, target groups, allocation keys, goals, months and the wording of assumption files.

Code uses English keys and column names; what a user reads is looked up here. Exports rename
columns with :func:`dutch_columns`.

>>> dutch_columns(pd.DataFrame(columns=["gemeente", "spend", "clients_flag"])).columns.tolist()
['Gemeente', 'Uitgaven (€)', 'Herkomst cliënten']
>>> FLAG_LABELS["estimated"]
'schatting'
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import yaml

from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.report.formatting import euro, percent

FLAG_LABELS = {
    "observed": "waargenomen",
    "estimated": "schatting",
    "submitted": "opgave gemeente",
    None: "",
}

COLUMN_LABELS = {
    "region": "Regio",
    "gemeentecode": "Gemeentecode",
    "gemeente": "Gemeente",
    "year": "Jaar",
    "report": "Verslagsoort",
    "domain": "Domein",
    "segment": "Segmentcode",
    "segment_name": "Segment",
    "procured": "Ingekocht",
    "spend_booked": "Uitgaven zoals geboekt (€)",
    "spend_iv3": "Uitgaven Iv3 toegerekend (€)",
    "spend": "Uitgaven (€)",
    "spend_flag": "Herkomst uitgaven",
    "target_population": "Doelgroep",
    "population": "Inwoners doelgroep",
    "population_flag": "Herkomst inwoners",
    "prevalence": "Cliënten per inwoner doelgroep",
    "clients": "Cliënten",
    "clients_flag": "Herkomst cliënten",
    "clients_note": "Opmerking cliënten",
    "cost_per_client": "Kosten per cliënt (€)",
    "cost_per_client_flag": "Herkomst kosten per cliënt",
    "cost_reference_ratio": "Verhouding tot referentiekosten",
    "method": "Methode",
    "fields": "Taakvelden",
    "iv3_total": "Iv3 totaal (€)",
    "segments_booked": "Som segmenten geboekt (€)",
    "segments_attributed": "Som segmenten toegerekend (€)",
    "difference": "Verschil (€)",
    "from": "Van taakveld",
    "to": "Naar taakveld",
    "moved": "Verplaatst (€)",
    "median_per_inhabitant": "Mediaan per inwoner (€)",
    "name": "Naam",
    "value": "Waarde",
    "unit": "Eenheid",
    "source": "Bron",
    "estimate": "Schatting",
    "note": "Toelichting",
    "file": "Bestand",
}


def dutch_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename known columns to Dutch and translate flag values."""
    out = frame.copy()
    for col in out.columns:
        if col.endswith("_flag"):
            out[col] = out[col].map(lambda v: FLAG_LABELS.get(v, v))
    return out.rename(columns={c: COLUMN_LABELS.get(c, c) for c in out.columns})


VARIANT_ORDER = ("pq", "output", "lumpsum", "population", "hybrid")


VARIANT_LABELS: dict[str, str] = {
    "pq": "p*q (inspanningsgericht)",
    "output": "Output / trajectprijs",
    "lumpsum": "Lumpsum (taakgericht)",
    "population": "Populatiebekostiging",
    "hybrid": "Hybride (lumpsum + deel p*q)",
}
"""Dutch names of the funding variants (the same as the variant classes' ``name``)."""


VARIANT_SHORT: dict[str, str] = {
    "pq": "p*q",
    "output": "output",
    "lumpsum": "lumpsum",
    "population": "populatie",
    "hybrid": "hybride",
}


DECIDED_LABEL = "Gekozen mix (zoals besloten)"


DOMAIN_LABELS: dict[str, str] = {"jeugd": "Jeugdhulp", "jeugdhulp": "Jeugdhulp", "wmo": "Wmo"}


TARGET_LABELS: dict[str, str] = {
    "totaal": "Alle inwoners",
    "jeugd_0_17": "Jeugdigen 0-17 jaar",
    "jeugd_7_12": "Kinderen 7-12 jaar",
    "volwassen_18plus": "Inwoners 18 jaar en ouder",
}


KEY_LABELS: dict[str, str] = {
    "gebruik": "Eigen inwoners (werkelijk gebruik)",
    "inwoners": "Aantal inwoners",
    "jeugdigen": "Inwoners 0-17 jaar",
    "volwassen": "Inwoners 18 jaar en ouder",
    "volwassenen": "Inwoners 18 jaar en ouder",
    "mix": "Mix van sleutels",
}

DIFFERENCE_LABEL = "verschil t.o.v. eigen inwoners"
"""How an allocation key compares with each municipality paying for its own residents."""

CONCENTRATION_LABELS: dict[str, str] = {
    "unconcentrated": "niet geconcentreerd",
    "moderate": "matig geconcentreerd",
    "high": "sterk geconcentreerd",
    "": "",
}
"""Dutch names of the HHI classes of :func:`bekostiging.model.allocation.concentration`."""


@lru_cache(maxsize=1)
def labels_nl() -> dict[str, dict[str, str]]:
    """Dutch wording of assumption units and sources (data/assumptions/labels_nl.yaml)."""
    path = ASSUMPTIONS_DIR / "labels_nl.yaml"
    if not path.is_file():
        return {"units": {}, "sources": {}, "source_fragments": {}}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: dict(data.get(key) or {}) for key in ("units", "sources", "source_fragments")}


def unit_label(unit: str) -> str:
    """The Dutch wording of a unit from an assumption file (the unit itself if unknown)."""
    return labels_nl()["units"].get(unit, unit)


def source_label(source: str) -> str:
    """The Dutch wording of a source: ``estimate`` becomes ``schatting``.

    >>> source_label("estimate"), source_label("CBS 03759ned")
    ('schatting', 'CBS 03759ned')
    """
    sources = labels_nl()["sources"]
    if source in sources:
        return sources[source]
    s = re.sub(r"^estimate\b", "schatting", source.strip())
    for fragment, dutch in labels_nl()["source_fragments"].items():
        s = s.replace(fragment, dutch)
    s = s.replace(" step ", " stap ")
    return s


def variant_label(key: str) -> str:
    """The Dutch name of a funding variant key.

    >>> variant_label("pq"), variant_label("decided")
    ('p*q (inspanningsgericht)', 'Gekozen mix (zoals besloten)')
    """
    return DECIDED_LABEL if key == "decided" else VARIANT_LABELS.get(key, key)


TORNADO_OUTCOMES = {
    "spend": ("uitgaven per cliënt met een zorgvraag", euro),
    "unmet_need": ("onvervulde zorgvraag (aandeel van de doelmatige zorg)", percent),
}


FAN_LABELS = {
    "decided": "Gekozen mix",
    "pq": "Alles p*q",
    "output": "Alles output",
    "lumpsum": "Alles lumpsum",
    "population": "Alles populatie",
    "hybrid": "Alles hybride",
}


MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


PROVENANCE_LABELS: dict[str, str] = {
    "region": "regio",
    "municipality": "gemeente",
    "reference_year": "peiljaar",
    "contract_start": "start contract",
    "contract_years": "contractduur (jaren)",
    "scenario": "scenario",
    "draws": "aantal simulaties",
    "seed": "startgetal toeval (seed)",
    "backtest_year": "peiljaar terugblik",
}
"""Dutch names of the run settings in the provenance table."""

PROVENANCE_EMPTY: dict[str, str] = {"contract_years": "volledige looptijd", "scenario": "geen"}
"""What the provenance table shows for a setting that is not set."""

DOMAIN_WORDS: dict[str, str] = {"jeugd": "jeugdhulp", "wmo": "de Wmo"}
"""A domain inside a running sentence (the backtest text)."""


# The social domain's scopes (task fields, Iv3 code scheme up to 2024; the 2025+ codes are
# mapped onto these scopes in bekostiging.data.panel). Task-field titles come from the raw
# data (data/raw/iv3_taakvelden.csv), not from here.
SCOPE_LABELS: dict[str, str] = {
    "access": "Toegang (6.2)",
    "youth": "Jeugd (6.72-6.74, 6.82)",
    "wmo": "Wmo (6.6, 6.71, 6.81)",
}
DOMAIN_TOTAL_LABEL = "Totaal sociaal domein (6.2, 6.6, 6.71-6.74, 6.81, 6.82)"
