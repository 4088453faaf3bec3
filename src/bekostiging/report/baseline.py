"""Chapter 2 of the municipality report: baseline data, sources, benchmark and data gaps.

Spend per segment, inhabitants per target group and clients per segment (small counts hidden
with :func:`client_suppression`, one suppression for every client table of a municipality), the
benchmark against all Dutch municipalities (also the regional overview's chapter 8) and what the
figures rest on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.model.baseline import missing_years
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.labels import (
    DOMAIN_LABELS,
    TARGET_LABELS,
)
from bekostiging.report.suppression import SuppressionResult, region_protection, suppress_small
from bekostiging.report.tables import (
    ReportTable,
    flag_summary,
    markdown,
    segment_names,
    table,
    years_text,
    yes_no,
)

MISSING = "ontbreekt"


def _euro_or_missing(x) -> str:
    """An amount, or "ontbreekt" for a year without a jaarrekening (never shown as 0).

    >>> _euro_or_missing(1234.0), _euro_or_missing(float("nan"))
    ('€ 1.234', 'ontbreekt')
    """
    return MISSING if x is None or (isinstance(x, float) and np.isnan(x)) else euro(x)


def view_missing_years(view) -> list[int]:
    """Years in which this municipality (or one it merged from) filed no jaarrekening."""
    gaps = missing_years(view.analysis.baseline, view.analysis.region)
    return sorted(int(y) for y in gaps.loc[gaps["current_code"] == view.code, "year"])


def baseline_spend_table(view) -> ReportTable:
    """Spend per segment and year (Iv3 actuals converted to segments) with its flags.

    A year without a jaarrekening keeps its column and reads "ontbreekt" (not 0, not left out).
    """
    a = view.analysis
    b = view.baseline()
    names = segment_names(a)
    order = [s.id for s in a.region.segments]
    wide = b.groupby(["segment", "year"])["spend"].sum(min_count=1).unstack("year")
    wide = wide.reindex([s for s in order if s in wide.index])
    all_years = a.baseline["year"]
    years = list(range(int(all_years.min()), int(all_years.max()) + 1))
    missing = view_missing_years(view)
    wide = wide.reindex(columns=years)
    wide[missing] = np.nan
    procured = {s.id: s.procured for s in a.region.segments}
    gap = f"; ontbreekt: {', '.join(map(str, missing))}" if missing else ""
    flags = {
        seg: flag_summary(g["spend_flag"], g["year"]) + gap
        for seg, g in b.groupby("segment", sort=False)
    }
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in wide.index],
            "Ingekocht": [yes_no(procured[s]) for s in wide.index],
        }
    )
    for y in years:
        out[str(y)] = wide[y].to_numpy(dtype=float)
    out["Herkomst"] = [flags.get(s, "") for s in wide.index]
    total = {"Segment": "Totaal alle segmenten", "Ingekocht": ""} | {
        str(y): float(wide[y].sum(min_count=1)) for y in years
    }
    total["Herkomst"] = ""
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    note = (
        f" Ontbreekt = de gemeente leverde over {', '.join(map(str, missing))} geen "
        "Iv3-jaarrekening aan "
        "bij CBS; dat jaar is onbekend, niet 0."
        if missing
        else ""
    )
    ref = a.settings.reference_year
    now = b[b["year"] == ref]
    shown, booked = float(now["spend"].sum()), float(now["spend_booked"].sum())
    if abs(shown - booked) >= 0.5:
        note += (
            f" Het totaal over {ref} ({euro(shown)}) is niet de eigen jaarrekening van "
            f"{view.name} ({euro(booked)}, zoals in de terugblik): het telt ook het deel van "
            "regionaal geboekte uitgaven dat aan de gemeente is toegerekend (en laat het deel "
            "weg dat de gemeente voor de regio boekt)."
        )
    return table(
        out,
        {str(y): _euro_or_missing for y in years},
        caption=f"Uitgaven {view.name} per segment en jaar (€, Iv3-jaarrekening omgezet naar "
        "segmenten). Herkomst: waargenomen = rechtstreeks uit Iv3; schatting = verdeling van "
        "een taakveld over segmenten volgens de conversietabel (stap 2) of regionale "
        "toerekening; opgave gemeente = eigen cijfers van de gemeente." + note,
    )


def client_suppression(view, years: Sequence[int] | None = None) -> SuppressionResult:
    """Clients per procured segment (rows) and year (columns) with small counts hidden.

    One suppression for all client tables of a municipality, so every table hides the same
    cells; totals per year are the true totals. The segments that
    :func:`bekostiging.report.suppression.region_protection` protects against derivation are
    hidden in every year (and so is the total of those years).
    """
    a = view.analysis
    b = view.baseline()
    b = b[b["procured"]]
    years = sorted(int(y) for y in (years or b["year"].unique()))
    names = segment_names(a)
    wide = b.pivot_table(index="segment", columns="year", values="clients", aggfunc="sum")
    wide = wide.reindex(index=[s.id for s in a.region.procured_segments()], columns=years)
    df = pd.DataFrame({"Segment": [names[s] for s in wide.index]})
    for y in years:
        df[str(y)] = np.round(wide[y].to_numpy(dtype=float))
    force = region_protection(view).mask(view.code, list(wide.index), len(years))
    return suppress_small(
        df,
        [str(y) for y in years],
        total_column=None,
        label_column="Segment",
        force_hidden=force,
    )


def hidden_rows(res: SuppressionResult) -> pd.DataFrame:
    """Hidden mask of a suppression over the ordinary rows (without the total row)."""
    h = res.hidden
    return h.iloc[:-1] if res.column_total is not None else h


def baseline_clients_table(view, last: int = 4) -> ReportTable:
    """Clients per procured segment in the last ``last`` years up to the reference year."""
    ref = view.analysis.settings.reference_year
    years = list(range(ref - last + 1, ref + 1))
    res = client_suppression(view, years)
    procured = view.baseline()[view.baseline()["procured"]]
    flags = {
        seg: flag_summary(g["clients_flag"], g["year"])
        for seg, g in procured[procured["year"].isin(years)].groupby("segment", sort=False)
    }
    out = res.display.reset_index(drop=True)
    out["Herkomst"] = [flags.get(s.id, "") for s in view.analysis.region.procured_segments()] + [""]
    return table(
        out,
        {str(y): number for y in years},
        caption=f"Cliënten {view.name} per ingekocht segment (aantal per jaar, afgerond). "
        "Geen openbare bron geeft cliënten per segment: de aantallen zijn een schatting "
        "(prevalentie x inwoners van de doelgroep, aanname prevalence.*), tenzij de gemeente "
        f"eigen cijfers opgaf. {res.note} "
        + region_protection(view).note(segment_names(view.analysis)),
    )


def population_table(view) -> ReportTable:
    """Inhabitants per target group and year (CBS; later years extrapolated)."""
    b = view.baseline()
    p = b.drop_duplicates(["target_population", "year"])
    wide = p.pivot_table(
        index="target_population", columns="year", values="population", aggfunc="first"
    )
    groups = [g for g in TARGET_LABELS if g in wide.index] + [
        g for g in wide.index if g not in TARGET_LABELS
    ]
    wide = wide.reindex(groups)
    years = [int(y) for y in wide.columns]
    out = pd.DataFrame({"Doelgroep": [TARGET_LABELS.get(g, g) for g in wide.index]})
    for y in years:
        out[str(y)] = np.round(wide[y].to_numpy(dtype=float))
    out["Herkomst"] = [
        flag_summary(g["population_flag"], g["year"])
        for _, g in p.set_index("target_population").loc[groups].groupby(level=0, sort=False)
    ]
    return table(
        out,
        {str(y): number for y in years},
        caption=f"Inwoners {view.name} per doelgroep (1 januari). Bron: CBS (totaal per "
        "gemeente); de verdeling naar leeftijd is een schatting uit de CBS-leeftijdsklassen van "
        "2020 (aannames age_groups.*).",
    )


def _benchmark_frame(b: pd.DataFrame) -> pd.DataFrame:
    """Benchmark rows with Dutch headers (numbers)."""
    return pd.DataFrame(
        {
            "Gemeente": b["gemeente"].to_numpy(),
            "Domein": b["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Uitgaven (€)": b["spend"].to_numpy(dtype=float),
            "Per relevante inwoner (€)": b["per_relevant_inhabitant"].to_numpy(dtype=float),
            "Percentiel in Nederland": b["percentile"].to_numpy(dtype=float) / 100.0,
            "Mediaan Nederland (€)": b["national_median"].to_numpy(dtype=float),
            "Mediaan grootteklasse (€)": b["size_class_median"].to_numpy(dtype=float),
            "Grootteklasse (inwoners)": b["size_class"].to_numpy(),
        }
    )


_BENCHMARK_FORMATS = {
    "Uitgaven (€)": euro,
    "Per relevante inwoner (€)": euro,
    "Percentiel in Nederland": partial(percent, decimals=0),
    "Mediaan Nederland (€)": euro,
    "Mediaan grootteklasse (€)": euro,
}


def _benchmark_caption(analysis) -> str:
    """The caption of both benchmark tables."""
    year = analysis.settings.reference_year
    return (
        f"Benchmark (stap 7d): uitgaven per relevante inwoner in {year} tegen alle Nederlandse "
        "gemeenten (Iv3-jaarrekening). Jeugdhulp: taakvelden 6.72-6.74 per inwoner van 0-17 "
        "jaar; Wmo: 6.6 en 6.71 per inwoner van 18 jaar en ouder. Anders dan de terugblik telt "
        "de benchmark de geëscaleerde zorg (6.81 en 6.82) niet mee, omdat vooral "
        "centrumgemeenten die boeken; de bedragen zijn daarom lager. Percentiel 80% = 80% van de "
        "gemeenten geeft minder uit. Het aantal relevante inwoners is een schatting uit de "
        "leeftijdsverdeling van 2020."
    )


def benchmark_table(view) -> ReportTable:
    """The municipality and the region against all Dutch municipalities (step 7d)."""
    b = view.benchmark().copy()
    b["_regio"] = b["gemeentecode"] == "regio"
    b = b.sort_values(["domain", "_regio"], kind="stable").drop(columns="_regio")
    b.loc[b["gemeentecode"] == "regio", "gemeente"] = f"Regio {view.analysis.region.name}"
    return table(_benchmark_frame(b), _BENCHMARK_FORMATS, caption=_benchmark_caption(view.analysis))


def region_benchmark_table(analysis) -> ReportTable:
    """Every municipality of the region and the region itself against all municipalities."""
    b = analysis.benchmark.copy()
    b["_regio"] = b["gemeentecode"] == "regio"
    b = b.sort_values(["domain", "_regio", "gemeente"], kind="stable").drop(columns="_regio")
    b.loc[b["gemeentecode"] == "regio", "gemeente"] = f"Regio {analysis.region.name}"
    return table(_benchmark_frame(b), _BENCHMARK_FORMATS, caption=_benchmark_caption(analysis))


def data_gaps(view) -> Markdown:
    """What the figures of this municipality rest on and where the data have gaps."""
    a = view.analysis
    b = view.baseline()
    ref = a.settings.reference_year
    procured = b[b["procured"] & (b["year"] == ref)]
    spend_est = (procured["spend_flag"] == "estimated").mean()
    clients_sub = (procured["clients_flag"] == "submitted").mean()
    subs = a.provenance()["submissions"]
    years = sorted(int(y) for y in b["year"].unique())
    lines = [
        "**Gegevens en hiaten**",
        "",
        f"- Uitgaven: Iv3-jaarrekeningen {years_text(years)} (CBS). Iv3 kent taakvelden, geen "
        f"inkoopsegmenten; de omzetting naar segmenten (stap 2) is een schatting. In {ref} "
        f"berust {percent(spend_est, 0)} van de uitgaven van de ingekochte segmenten op die "
        "omzetting.",
        "- Cliënten per segment publiceert geen openbare bron per gemeente: de aantallen zijn "
        "prevalentie x doelgroep (aannames prevalence.*). "
        + (
            f"De gemeente leverde eigen cijfers voor {percent(clients_sub, 0)} van de segmenten."
            if clients_sub > 0
            else "De gemeente leverde (nog) geen eigen cijfers in het vaste format; vervangt "
            "ze de schattingen, dan worden de bedragen per cliënt betrouwbaarder."
        ),
        "- Tarieven, kosten per cliënt als referentie, het gedrag van aanbieders en het "
        "aanbiederslandschap zijn aannames (deels uit literatuur); het aanbiederslandschap is "
        "illustratief en geanonimiseerd.",
        "- Beschikbare weerstandscapaciteit en lokaal beleid (stap 5) komen uit de aannames; "
        "vervang ze door de cijfers uit de eigen begroting.",
    ]
    missing = view_missing_years(view)
    if missing:
        lines.append(
            f"- Ontbrekende jaren: over {', '.join(map(str, missing))} leverde {view.name} geen "
            "Iv3-jaarrekening aan bij CBS. Die jaren staan als 'ontbreekt' in de tabellen (niet "
            "als 0) en zijn in de terugblik niet vergeleken; vraag de cijfers uit de eigen "
            "jaarrekening op."
        )
    if subs:
        lines.append(f"- Verwerkte opgaven van gemeenten: {', '.join(subs)}.")
    return markdown(lines)
