"""Chapter 8 of the municipality report: risks and resistance capacity (weerstandsvermogen)."""

from __future__ import annotations

from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import euro, number
from bekostiging.report.summary import available_basis_text, key_figures
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
        caption=f"Risico's {view.name} voor de paragraaf weerstandsvermogen, per jaar. Kans en "
        "impact uit de simulatie of uit aannames (kolom Bron); de verrekening is een deel van "
        "de volumegroei, tel de rijen dus niet op. De overgangsregeling staat hier niet in: die "
        "is besloten en haar kosten zijn zeker (zie het hoofdstuk Overgangsregeling). "
        + estimate_note(a, ("risk.*",), "Kansen en bedragen"),
    )


NET_LABEL = "Netto: wat de gemeente betaalt"
GROSS_LABEL = "Bruto: alle kosten van de zorg"


def capacity_frame(view) -> pd.DataFrame:
    """Required against available resistance capacity, net and gross, first and heaviest
    contract year (numbers)."""
    c = view.capacity()
    first = int(c["year"])
    rows = []
    for label, suffix in ((NET_LABEL, ""), (GROSS_LABEL, "_gross")):
        rows.append(
            {
                "Benadering": label,
                f"Benodigd {first} (€)": float(c[f"required{suffix}"]),
                f"Ratio {first}": float(c[f"ratio{suffix}"]),
                f"Waardering {first}": str(c[f"rating{suffix}"]),
                "Zwaarste contractjaar": str(int(c[f"worst_year{suffix}"])),
                "Benodigd zwaarste jaar (€)": float(c[f"required_worst{suffix}"]),
                "Ratio zwaarste jaar": float(c[f"ratio_worst{suffix}"]),
                "Waardering zwaarste jaar": str(c[f"rating_worst{suffix}"]),
            }
        )
    return pd.DataFrame(rows)


def capacity_table(view) -> ReportTable:
    """Required vs available capacity: net and gross, first and heaviest year, ratio, rating."""
    a = view.analysis
    c = view.capacity()
    out = capacity_frame(view)
    first = int(c["year"])
    ratio = partial(number, decimals=2)
    return table(
        out,
        {
            f"Benodigd {first} (€)": euro,
            f"Ratio {first}": ratio,
            "Benodigd zwaarste jaar (€)": euro,
            "Ratio zwaarste jaar": ratio,
        },
        caption=f"Weerstandsvermogen {view.name}: benodigde capaciteit = het tekort op het "
        "startbudget dat met 90% zekerheid niet wordt overschreden (alle segmenten samen, bij "
        "de besloten bekostiging), tegen de beschikbare capaciteit van "
        f"{euro(c['available'])} ({available_basis_text(a, c)}). Netto: wat de gemeente "
        "betaalt nadat aanbieders hun deel van een tekort dragen (tot het vangnet) en na "
        "verrekening, met wat er buiten de contracten verandert. Bruto: de kosten van de zorg "
        "zelf, alsof niemand anders iets draagt; dat is wat nodig is als aanbieders hun "
        "verliezen niet kunnen dragen. Ratio = beschikbaar / benodigd; waardering volgens de "
        "schaal hieronder. " + estimate_note(a, RESERVE_ASSUMPTIONS, "De bedragen"),
    )


def rating_scale_table() -> ReportTable:
    """The NAR rating scale (A-F) of the capacity ratio."""
    return table(
        rating_scale(),
        caption="Waarderingsschaal weerstandsvermogen (NAR / Universiteit Twente).",
    )


def capacity_text(view) -> Markdown:
    """The reserve in words: net and gross, the first and the heaviest contract year."""
    k = key_figures(view)
    c = view.capacity()
    first = k["first_year"]

    def part(suffix: str) -> str:
        worst = int(c[f"worst_year{suffix}"])
        return (
            f"{amount(c[f'required{suffix}'])} in {first} (ratio "
            f"{number(c[f'ratio{suffix}'], 2)}, waardering {c[f'rating{suffix}']}) en "
            f"{amount(c[f'required_worst{suffix}'])} in het zwaarste contractjaar {worst} "
            f"(ratio {number(c[f'ratio_worst{suffix}'], 2)}, waardering "
            f"{c[f'rating_worst{suffix}']}, {rating_meaning(str(c[f'rating_worst{suffix}']))})"
        )

    return markdown(
        [
            f"Beschikbaar is {amount(k['available'])} ({k['available_basis']}). Om een tekort "
            f"met 90% zekerheid op te vangen is netto, na wat aanbieders en de verrekening "
            f"dragen, {part('')} nodig. Bruto, als aanbieders hun verliezen niet kunnen dragen "
            f"en alle kosten van de zorg bij de gemeente komen, is dat {part('_gross')}. De "
            "onzekerheid groeit met de looptijd, tenzij het startbudget tussentijds wordt "
            "herijkt op de werkelijke ontwikkeling."
        ]
    )
