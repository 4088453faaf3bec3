"""Affordability in Dutch: the start budget and its P90 against the municipality's own budget.

Numbers from :meth:`MunicipalityView.affordability`; see
:mod:`bekostiging.model.affordability` for what each column means.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.labels import DOMAIN_LABELS
from bekostiging.report.tables import ReportTable, amount, markdown, table

PART_LABELS = {**DOMAIN_LABELS, "overgang": "Overgangsregeling (eenmalig)", "totaal": "Totaal"}


def _basis(row: pd.Series) -> str:
    if row["domain"] == "overgang":
        return "geen (zekere kosten, niet begroot)"
    if pd.isna(row["budget_year"]):
        return ""
    year = int(row["budget_year"])
    return (
        f"begroting {year}, geïndexeerd"
        if not pd.isna(row["indexed_from"])
        else f"begroting {year}"
    )


def affordability_frame(view, year: int | None = None) -> pd.DataFrame:
    """One year (default: the first full contract year), one row per part (numbers)."""
    t = view.affordability()
    year = view.analysis.first_full_year if year is None else year
    t = t[t["year"] == year]
    return pd.DataFrame(
        {
            "Onderdeel": [PART_LABELS.get(d, d) for d in t["domain"]],
            "Eigen begroting (€)": t["own_budget"].to_numpy(),
            "Basis": [_basis(r) for _, r in t.iterrows()],
            "Startbudget (€)": t["start_budget"].to_numpy(),
            "Tekort startbudget (€)": t["gap_start"].to_numpy(),
            "Per inwoner (€)": t["gap_start_per_inhabitant"].to_numpy(),
            "P90 (€)": t["p90"].to_numpy(),
            "Tekort P90 (€)": t["gap_p90"].to_numpy(),
            "Realisatie / begroting vroeger": t["bias_ratio"].to_numpy(),
            "Tekort P90 op realistische begroting (€)": t["gap_p90_realistic"].to_numpy(),
        }
    )


def affordability_table(view) -> ReportTable:
    """Affordability of the first full contract year as a report table."""
    a = view.analysis
    t = view.affordability()
    years = t["bias_years"].dropna()
    span = f"{years.iloc[0][0]}-{years.iloc[0][1]}" if len(years) else "eerdere jaren"
    return table(
        affordability_frame(view),
        {
            "Eigen begroting (€)": euro,
            "Startbudget (€)": euro,
            "Tekort startbudget (€)": euro,
            "Per inwoner (€)": euro,
            "P90 (€)": euro,
            "Tekort P90 (€)": euro,
            "Realisatie / begroting vroeger": lambda x: number(x, 2),
            "Tekort P90 op realistische begroting (€)": euro,
        },
        caption=f"Betaalbaarheid {view.name} {a.first_full_year}: het startbudget en wat de "
        "gemeente met 90% zekerheid ten hoogste betaalt (P90, alle routes, bij de besloten "
        "bekostiging) tegen de eigen primitieve begroting (Iv3) voor dezelfde segmenten, met "
        "het toegerekende deel van wat een centrumgemeente boekt. Na het laatste begrotingsjaar "
        "is de laatste begroting geïndexeerd met de zorgindex. Een positief tekort is geld dat "
        "niet in de begroting staat. 'Realisatie / begroting vroeger': hoeveel de werkelijke "
        f"uitgaven in {span} gemiddeld boven (>1) of onder (<1) de eigen begroting lagen; de "
        "realistische begroting is de begroting maal die verhouding.",
    )


def affordability_years_table(view) -> ReportTable:
    """The total per contract year: own budget, start budget, P90 and the gaps."""
    t = view.affordability()
    t = t[t["domain"] == "totaal"]
    out = pd.DataFrame(
        {
            "Jaar": [str(int(y)) for y in t["year"]],
            "Eigen begroting (€)": t["own_budget"].to_numpy(),
            "Startbudget (€)": t["start_budget"].to_numpy(),
            "Tekort startbudget (€)": t["gap_start"].to_numpy(),
            "P90 (€)": t["p90"].to_numpy(),
            "Tekort P90 (€)": t["gap_p90"].to_numpy(),
            "Tekort P90 per inwoner (€)": t["gap_p90_per_inhabitant"].to_numpy(),
        }
    )
    return table(
        out,
        {c: euro for c in out.columns if "€" in c},
        caption=f"Betaalbaarheid {view.name} per contractjaar (totaal, inclusief eenmalige "
        "overgangskosten in het jaar waarin ze vallen).",
    )


def affordability_text(view) -> Markdown:
    """Affordability in words, for the first full contract year and the last contract year."""
    a = view.analysis
    t = view.affordability()
    tot = t[t["domain"] == "totaal"].set_index("year")
    first = a.first_full_year
    last = int(tot.index.max())
    f = tot.loc[first]
    once = t[(t["domain"] == "overgang") & (t["year"] == first)]["start_budget"].sum()

    def gap(x: float, per: float, what: str = "de begroting") -> str:
        word = "meer dan" if x > 0 else "minder dan"
        return f"{amount(abs(x))} ({euro(abs(per))} per inwoner) {word} {what}"

    incl = f", inclusief {amount(once)} eenmalige overgangskosten" if once > 0 else ""
    lines = [
        f"In {first} vraagt het startbudget {amount(f['start_budget'])}{incl}: "
        f"{gap(f['gap_start'], f['gap_start_per_inhabitant'], 'de eigen begroting')} "
        f"({amount(f['own_budget'])}, {_basis(f)}). Met 90% "
        f"zekerheid betaalt {view.name} ten hoogste {amount(f['p90'])}: "
        f"{gap(f['gap_p90'], f['gap_p90_per_inhabitant'])}."
    ]
    if last != first:
        lt = tot.loc[last]
        lines.append(
            f"In {last}, het laatste contractjaar, is de P90 {amount(lt['p90'])} tegen "
            f"{amount(lt['own_budget'])} begroot (geïndexeerd): "
            f"{gap(lt['gap_p90'], lt['gap_p90_per_inhabitant'])}."
        )
    bias = t[t["domain"].isin(["jeugd", "wmo"]) & (t["year"] == first)]
    parts = []
    for _, r in bias.iterrows():
        if pd.isna(r["bias_years"]):
            continue
        y0, y1 = r["bias_years"]
        ratio = float(r["bias_ratio"])
        side = "boven" if ratio > 1 else "onder"
        parts.append(
            f"{PART_LABELS[r['domain']]} {percent(abs(ratio - 1), 0)} {side} de "
            f"begroting ({y0}-{y1})"
        )
    if parts:
        lines.append(
            "Vroeger lagen de werkelijke uitgaven gemiddeld: " + "; ".join(parts) + ". "
            f"Op een begroting die zo uitvalt, is het tekort bij P90 in {first} "
            f"{amount(f['gap_p90_realistic'])}."
        )
    return markdown([" ".join(lines)])
