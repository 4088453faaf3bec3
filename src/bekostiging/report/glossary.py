"""The list of abbreviations and terms in the appendix of both reports.

The segment abbreviations come from the region file (each segment's ``short`` and ``name``),
so a region with other segments gets its own list; the general terms are fixed Dutch
definitions. A report uses an abbreviation only if this list explains it (tested).

>>> sorted(TERMS)[:3]
['B&W', 'CBS', 'Corridor']
"""

from __future__ import annotations

import pandas as pd

from bekostiging.report.tables import ReportTable, analysis_of, table

TERMS: dict[str, str] = {
    "B&W": "burgemeester en wethouders: het college dat over de bekostiging besluit",
    "CBS": "Centraal Bureau voor de Statistiek; bron van de bevolkings- en Iv3-cijfers",
    "Iv3": "Informatie voor derden: de begrotingen en jaarrekeningen die gemeenten per "
    "taakveld aan het CBS leveren (bedragen in duizenden euro's)",
    "KPI": "kritieke prestatie-indicator: een meetbaar cijfer waarmee contractmanagement een "
    "prikkel volgt",
    "Lumpsum": "vast budget per aanbieder per jaar, ongeacht het aantal cliënten "
    "(taakgerichte bekostiging)",
    "NAR": "Nederlands Adviesbureau voor Risicomanagement; de waarderingsschaal A-F van het "
    "weerstandsvermogen (met de Universiteit Twente)",
    "P10, P50, P90": "de uitkomst die in 10%, 50% en 90% van de gesimuleerde verlopen niet "
    "wordt overschreden; P50 is de middelste uitkomst, met 10% kans wordt het meer dan P90",
    "p*q": "prijs maal hoeveelheid: de gemeente betaalt elke geleverde eenheid zorg "
    "(inspanningsgerichte bekostiging)",
    "Pgb": "persoonsgebonden budget",
    "Populatiebekostiging": "budget per inwoner van de doelgroep, ongeacht het gebruik",
    "Outputbekostiging": "een vast bedrag per cliënt of per traject, ongeacht de inzet "
    "(outputgerichte bekostiging)",
    "Hybride": "een deel p*q en een deel lumpsum",
    "Corridor": "de marge rond het budget waarbinnen de aanbieder een over- of onderschrijding "
    "zelf draagt; daarbuiten wordt (een deel) verrekend",
    "Startbudget": "de verwachte kosten van de regionaal ingekochte zorg zoals die nu "
    "geleverd wordt, per segment en jaar (het gemiddelde van de gesimuleerde uitkomsten)",
    "Weerstandsvermogen": "ratio van de beschikbare tot de benodigde weerstandscapaciteit; "
    "benodigd is het tekort dat met 90% zekerheid niet wordt overschreden",
    "Netto en bruto": "netto: wat de gemeente betaalt nadat aanbieders en de verrekening hun "
    "deel dragen; bruto: alle kosten van de zorg, als aanbieders hun verliezen niet kunnen "
    "dragen",
    "Schatting": "een cijfer dat geen openbare bron geeft: een onderbouwd oordeel of een "
    "modeluitkomst; de bijlage noemt elke aanname",
    "Taakveld": "de indeling van de Iv3-cijfers, bijvoorbeeld 6.71 Maatwerkdienstverlening "
    "18+; geen inkoopsegment",
    "Voorliggend veld": "algemene voorzieningen zonder indicatie (welzijn, onderwijs, huisarts)",
    "Wlz": "Wet langdurige zorg",
    "Wmo": "Wet maatschappelijke ondersteuning 2015",
    "Zvw": "Zorgverzekeringswet",
}


def glossary_frame(obj) -> pd.DataFrame:
    """The segment abbreviations of the region, then the general terms, in Dutch."""
    a = analysis_of(obj)
    rows = [
        {"Afkorting of begrip": s.short, "Betekenis": f"segment {s.name}"}
        for s in a.region.segments
        if s.short and s.short != s.name
    ]
    rows += [{"Afkorting of begrip": k, "Betekenis": v} for k, v in sorted(TERMS.items())]
    return pd.DataFrame(rows)


def glossary_table(obj) -> ReportTable:
    """The appendix table of abbreviations and terms."""
    return table(glossary_frame(obj), caption="Afkortingen en begrippen in dit rapport.")
