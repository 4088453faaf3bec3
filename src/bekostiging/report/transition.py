"""Chapter 10 of the municipality report: the transition arrangement (overgangsregeling).

The arrangement is decided, so its cost is a certain cost of the contract start, not a risk:
beside the full lumpsum the old (non-contracted) providers are paid until each client has
moved, at the latest until the deadline. The indications capped at the deadline come back to
the access teams all at once: the indication peak, in clients per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import euro, number
from bekostiging.report.suppression import suppress_small
from bekostiging.report.tables import (
    ReportTable,
    amount,
    estimate_note,
    markdown,
    month_nl,
    table,
)

MOVED = "Overgedragen"
LEFT = "Nog bij de oude aanbieder (einde maand)"
PAID = "Zekere kosten: betaald aan oude aanbieders (€)"
NORMAL = "Normale indicaties"
EXTRA = "Extra herindicaties (afgekapte indicaties)"
TOTAL = "Totaal indicaties"


def _suppressed(counts: pd.DataFrame, columns: list[str]):
    return suppress_small(counts, columns, total_column=None, total_row=None)


def transition_table(view) -> ReportTable:
    """The monthly transfers and the certain cost of the arrangement (client counts suppressed)."""
    df, _ = view.transition()
    counts = pd.DataFrame(
        {
            "Maand": [month_nl(m) for m in df["month"]],
            MOVED: np.round(df["transferred"].to_numpy(dtype=float)),
            LEFT: np.round(df["remaining_end"].to_numpy(dtype=float)),
        }
    )
    res = _suppressed(counts, [MOVED, LEFT])
    out = res.display.reset_index(drop=True)
    hidden = res.hidden[[MOVED, LEFT]].any(axis=1).to_numpy()
    out[PAID] = np.where(hidden, np.nan, df["decided_cost"].to_numpy(dtype=float))
    return table(
        out,
        {MOVED: number, LEFT: number, PAID: euro},
        caption=f"Overgangsregeling {view.name}: cliënten van niet-gecontracteerde aanbieders "
        "die per maand overgaan naar een gecontracteerde aanbieder, en wat de oude aanbieders "
        "naast de volledige lumpsum betaald krijgen (zekere kosten, geen risico): de cliënten "
        "die nog bij hen zijn plus de maanden van warme overdracht. Na de einddatum wordt niets "
        f"meer betaald. {res.note} Bij verborgen aantallen zijn ook de kosten niet getoond. "
        + estimate_note(view.analysis, ("transition.*",), "Aantallen en bedragen"),
    )


def indication_table(view) -> ReportTable:
    """Indications per month for the access teams: normal load and the extra of the cliff."""
    _, s = view.transition()
    ind = s["indications"]
    counts = pd.DataFrame(
        {
            "Maand": [month_nl(m) for m in ind["month"]],
            NORMAL: np.round(ind["normal_load"].to_numpy(dtype=float)),
            EXTRA: np.round(ind["extra_load"].to_numpy(dtype=float)),
            TOTAL: np.round(ind["total_load"].to_numpy(dtype=float)),
        }
    )
    res = _suppressed(counts, [NORMAL, EXTRA, TOTAL])
    return table(
        res.display.reset_index(drop=True),
        {NORMAL: number, EXTRA: number, TOTAL: number},
        caption=f"Indicaties per maand voor de toegang (wijkteams) van {view.name}: de normale "
        "stroom (nieuwe cliënten en herindicaties) en de extra herindicaties doordat alle "
        "indicaties van vóór de contractstart uiterlijk op de einddatum van de regeling "
        f"aflopen. {res.note} " + estimate_note(view.analysis, ("transition.*",), "De aantallen"),
    )


def _estimates(view, s) -> str:
    """Which inputs of the transition are estimates, in words."""
    p = view.analysis.params
    labels = {
        "transition.share_noncontracted": "het aandeel cliënten bij niet-gecontracteerde "
        "aanbieders",
        "transition.monthly_capacity_per_1000_clients": "de overdrachtscapaciteit",
        "transition.overlap_months": "de maanden warme overdracht",
        "transition.natural_outflow_rate": "de natuurlijke uitstroom",
        "transition.window_months": "de duur van de regeling",
        "transition.indication_rate": "het aantal indicaties per maand",
        "transition.indication_runup_months": "de periode met afgekapte indicaties",
        "transition.indication_spread_months": "de spreiding van de herindicaties",
        "transition.indication_months": "de looptijd van een indicatie",
    }
    named = [text for name, text in labels.items() if p.param(name).is_estimate]
    if s["cost_estimated"]:
        named.append(
            "de kosten per cliënt per maand"
            + (
                " (uitgaven gedeeld door geschatte cliënten)"
                if s["cost_basis"] == "baseline"
                else ""
            )
        )
    if not named:
        return "Geen van de invoer is een schatting."
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " en " + named[-1]
    return f"Schattingen zijn {listed}; zie de bijlage."


def transition_text(view) -> Markdown:
    """The transition arrangement in words: certain cost, what it includes, the indication peak."""
    df, s = view.transition()
    deadline = pd.Period(df["month"].iloc[0], freq="M") + int(s["months_in_window"])
    left = float(s["left_at_deadline"])
    left_text = (
        "iedereen is dan overgedragen"
        if s["deadline_met"]
        else "daarna zijn nog "
        + ("minder dan 10" if left < 10 else f"ongeveer {number(left)}")
        + " cliënten niet overgedragen; dat is een probleem om op te lossen, geen kostenpost "
        f"van de regeling (bij deze capaciteit duurt de overgang {s['months_needed'] or 'meer'} "
        "maanden)"
    )
    by_year = s["decided_cost_by_year"]
    years = (
        f"in {next(iter(by_year))}"
        if len(by_year) == 1
        else "verdeeld over " + ", ".join(f"{y} ({amount(v)})" for y, v in by_year.items())
    )
    cost_basis = (
        "de eigen uitgaven aan ingekochte zorg in het referentiejaar gedeeld door de cliënten"
        if s["cost_basis"] == "baseline"
        else "een landelijke aanname"
    )
    to_move = float(s["clients_to_move"])
    clients = "minder dan 10" if to_move < 10 else f"naar schatting {number(to_move)}"
    normal, peak = float(s["indication_normal_load"]), float(s["indication_peak_load"])
    if s["indication_capped_indications"] > 0 and normal > 0:
        cliff = (
            f"Doordat indicaties van vóór de contractstart uiterlijk op 1 {month_nl(deadline)} "
            f"aflopen, komt er een piek in herindicaties voor de toegang: in "
            f"{month_nl(s['indication_peak_month'])} en de maanden erna ongeveer "
            f"{number(peak)} indicaties per maand tegen normaal {number(normal)} "
            f"({number(s['indication_peak_ratio'], 1)} keer zoveel)."
        )
    else:
        cliff = "Er is geen piek in herindicaties: indicaties worden niet op de einddatum afgekapt."
    return markdown(
        [
            f"De overgangsregeling is besloten; haar kosten zijn **zekere kosten, geen risico**. "
            f"Bij de start moeten {clients} cliënten van {view.name} overstappen naar een "
            f"gecontracteerde aanbieder. De regeling loopt tot 1 {month_nl(deadline)}; "
            f"{left_text}.",
            "",
            f"Naast de volledige lumpsum betaalt de gemeente de oude aanbieders "
            f"{amount(s['decided_cost'])} ({years}): voor elke cliënt die nog bij hen is, tot "
            "de overdracht, plus de maanden warme overdracht waarin beide aanbieders zorg "
            "leveren; na de einddatum niets meer. Per cliënt per maand is gerekend met "
            f"{euro(s['monthly_cost_per_client'])} ({cost_basis}). Daarvan is "
            f"{amount(s['overlap_cost_by_deadline'])} de warme overdracht zelf.",
            "",
            cliff,
            "",
            _estimates(view, s),
        ]
    )
