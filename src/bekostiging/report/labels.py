"""Dutch labels for columns and flags in tables that users see (Excel, reports).

Code uses English column names; exports rename them with :func:`dutch_columns`.

>>> dutch_columns(pd.DataFrame(columns=["gemeente", "spend", "clients_flag"])).columns.tolist()
['Gemeente', 'Uitgaven (€)', 'Herkomst cliënten']
>>> FLAG_LABELS["estimated"]
'schatting'
"""

from __future__ import annotations

import pandas as pd

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
