"""Chapter 8 of the municipality report: risks and resistance capacity (weerstandsvermogen)."""

from __future__ import annotations

from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import euro, number
from bekostiging.report.summary import key_figures
from bekostiging.report.tables import (
    RESERVE_ASSUMPTIONS,
    ReportTable,
    amount,
    estimate_note,
    markdown,
    percent_points,
    rating_meaning,
    table,
)
from bekostiging.report.text.risk import dutch_risk_table, rating_scale


def risk_frame(view) -> pd.DataFrame:
    """The risk table of the municipality (numbers, Dutch headers)."""
    return dutch_risk_table(view.risks()).reset_index(drop=True)


def risk_table(view) -> ReportTable:
    """The risk table for the paragraaf weerstandsvermogen (key table)."""
    a = view.analysis
    return table(
        risk_frame(view),
        {
            "Kans (%)": percent_points,
            "Financiële impact (€)": euro,
            "Kans x impact (€)": euro,
        },
        caption=f"Risico's {view.name} voor de paragraaf weerstandsvermogen, per jaar (de "
        "overgangsregeling eenmalig). Kans en impact uit de simulatie of uit aannames (kolom "
        "Bron); de verrekening is een deel van de volumegroei, tel de rijen dus niet op. "
        + estimate_note(a, ("risk.*", "transition.*"), "Kansen en bedragen"),
    )


def capacity_frame(view) -> pd.DataFrame:
    """Required against available resistance capacity (numbers)."""
    c = view.capacity()
    basis = (
        "aanname reserves.available (schatting)"
        if c["available_basis"] == "reserves.available"
        else "aanname reserves.available_per_inhabitant x inwoners (schatting)"
    )
    return pd.DataFrame(
        [
            {
                "Jaar": str(int(c["year"])),
                "Benodigde capaciteit, 90% zekerheid (€)": float(c["required"]),
                "Benodigd in het zwaarste contractjaar (€)": float(c["required_worst"]),
                "Beschikbare capaciteit (€)": float(c["available"]),
                "Herkomst beschikbaar": basis,
                "Ratio": float(c["ratio"]),
                "Waardering": str(c["rating"]),
                "Betekenis": rating_meaning(str(c["rating"])),
            }
        ]
    )


def capacity_table(view) -> ReportTable:
    """Required vs available capacity, ratio and rating (A-F)."""
    a = view.analysis
    out = capacity_frame(view)
    return table(
        out,
        {
            "Benodigde capaciteit, 90% zekerheid (€)": euro,
            "Benodigd in het zwaarste contractjaar (€)": euro,
            "Beschikbare capaciteit (€)": euro,
            "Ratio": partial(number, decimals=2),
        },
        caption=f"Weerstandsvermogen {view.name}: benodigde capaciteit = het tekort op het "
        "startbudget dat met 90% zekerheid niet wordt overschreden (bij de besloten "
        "bekostiging, alle segmenten samen), tegen de beschikbare capaciteit. Ratio = "
        "beschikbaar / benodigd; waardering volgens de schaal hieronder. "
        + estimate_note(a, RESERVE_ASSUMPTIONS, "De bedragen"),
    )


def rating_scale_table() -> ReportTable:
    """The NAR rating scale (A-F) of the capacity ratio."""
    return table(
        rating_scale(),
        caption="Waarderingsschaal weerstandsvermogen (NAR / Universiteit Twente).",
    )


def capacity_text(view) -> Markdown:
    """The reserve in words, including the heaviest contract year."""
    k = key_figures(view)
    cap = view.capacity()
    worst_ratio, worst_rating = float(cap["ratio_worst"]), str(cap["rating_worst"])
    return markdown(
        [
            f"Voor {k['first_year']} is {amount(k['required'])} weerstandscapaciteit nodig om "
            f"een tekort met 90% zekerheid op te vangen. Met {amount(k['available'])} "
            f"beschikbaar is de ratio {number(k['ratio'], 2)}: waardering {k['rating']} "
            f"({rating_meaning(k['rating'])}). De onzekerheid groeit met de looptijd: in "
            f"het zwaarste contractjaar is {amount(k['required_worst'])} nodig (ratio "
            f"{number(worst_ratio, 2)}, waardering {worst_rating}, "
            f"{rating_meaning(worst_rating)}), tenzij het startbudget tussentijds wordt "
            "herijkt op de werkelijke ontwikkeling."
        ]
    )
