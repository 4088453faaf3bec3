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
            "Uitgaven als vroeger (€)": t["realistic_budget"].to_numpy(),
            "Startbudget min uitgaven als vroeger (€)": t["gap_start_realistic"].to_numpy(),
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
            "Uitgaven als vroeger (€)": euro,
            "Startbudget min uitgaven als vroeger (€)": euro,
        },
        caption=f"Betaalbaarheid {view.name} {a.first_full_year}: het startbudget en wat de "
        "gemeente met 90% zekerheid ten hoogste betaalt (P90, alle routes, bij de besloten "
        "bekostiging) tegen de eigen primitieve begroting (Iv3) voor dezelfde segmenten, met "
        "het toegerekende deel van wat een centrumgemeente boekt. Na het laatste begrotingsjaar "
        "is de laatste begroting geïndexeerd met de zorgindex. Een positief tekort is geld dat "
        "niet in de begroting staat, een negatief tekort ruimte. De P90 van het totaal is die "
        "van de opgetelde uitkomsten (geen som van de P90's). 'Realisatie / begroting vroeger': "
        f"hoeveel de werkelijke uitgaven in {span} gemiddeld boven (>1) of onder (<1) de eigen "
        "begroting lagen; 'uitgaven als vroeger' is de begroting maal die verhouding. Ligt het "
        "startbudget daar ver onder, dan is het startbudget krap of de begroting ruim: een "
        "signaal om na te gaan, geen besparing.",
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


def _gap(x: float, per: float, what: str = "de begroting") -> str:
    """A gap in words: more, less or equal.

    >>> _gap(1200.0, 4.0), _gap(-50.0, -0.2), _gap(0.0, 0.0)
    ('€ 1.200 (€ 4 per inwoner) meer dan de begroting', '€ 50 (€ 0 per inwoner) minder dan de begroting', 'gelijk aan de begroting')
    """
    if abs(x) < 0.5:
        return f"gelijk aan {what}"
    word = "meer dan" if x > 0 else "minder dan"
    return f"{amount(abs(x))} ({euro(abs(per))} per inwoner) {word} {what}"


def affordability_text(view) -> Markdown:
    """Affordability in words, for the first full contract year and the last contract year."""
    a = view.analysis
    t = view.affordability()
    tot = t[t["domain"] == "totaal"].set_index("year")
    first = a.first_full_year
    last = int(tot.index.max())
    f = tot.loc[first]
    once = float(t[(t["domain"] == "overgang") & (t["year"] == first)]["start_budget"].sum())
    contract = float(f["start_budget"]) - once
    ask = (
        f"het startbudget {amount(contract)} plus {amount(once)} eenmalige overgangskosten, "
        f"samen {amount(f['start_budget'])}"
        if once > 0
        else f"het startbudget {amount(f['start_budget'])}"
    )
    lines = [
        f"In {first} vraagt {ask}: {_gap(f['gap_start'], f['gap_start_per_inhabitant'], 'de eigen begroting')} "
        f"({amount(f['own_budget'])}, {_basis(f)}). Met 90% zekerheid betaalt {view.name} "
        f"ten hoogste {amount(f['p90'])}: {_gap(f['gap_p90'], f['gap_p90_per_inhabitant'])}."
    ]
    if last != first:
        lt = tot.loc[last]
        lines.append(
            f"In {last}, het laatste contractjaar, is de P90 {amount(lt['p90'])} tegen "
            f"{amount(lt['own_budget'])} ({_basis(lt)}): "
            f"{_gap(lt['gap_p90'], lt['gap_p90_per_inhabitant'])}."
        )
    rows = t[t["domain"].isin(["jeugd", "wmo"]) & (t["year"] == first)]
    for _, r in rows.iterrows():
        if not isinstance(r["bias_years"], tuple):
            continue
        y0, y1 = r["bias_years"]
        ratio = float(r["bias_ratio"])
        if abs(ratio - 1) < 0.005:
            continue
        side = "boven" if ratio > 1 else "onder"
        below = float(r["gap_start_realistic"])
        where = "onder" if below < 0 else "boven"
        lines.append(
            f"{PART_LABELS[r['domain']]}: de werkelijke uitgaven lagen in {y0}-{y1} gemiddeld "
            f"{percent(abs(ratio - 1), 0)} {side} de eigen begroting. Gaat het zo weer, dan "
            f"worden de uitgaven {amount(r['realistic_budget'])}; het startbudget ligt "
            f"{amount(abs(below))} daar{where} en de P90 "
            f"{amount(abs(float(r['gap_p90_realistic'])))} "
            f"{'daaronder' if float(r['gap_p90_realistic']) < 0 else 'daarboven'}."
        )
    return markdown([" ".join(lines)])
