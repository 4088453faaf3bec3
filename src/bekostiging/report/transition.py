"""Chapter 10 of the municipality report: the transition arrangement (overgangsregeling)."""

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


def transition_table(view) -> ReportTable:
    """The monthly transfers of the transition arrangement (client counts suppressed)."""
    df, _ = view.transition()
    counts = pd.DataFrame(
        {
            "Maand": [month_nl(m) for m in df["month"]],
            "Overgedragen": np.round(df["transferred"].to_numpy(dtype=float)),
            "Nog over te dragen (einde maand)": np.round(df["remaining_end"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(
        counts,
        ["Overgedragen", "Nog over te dragen (einde maand)"],
        total_column=None,
        total_row=None,
    )
    out = res.display.reset_index(drop=True)
    hidden = res.hidden["Overgedragen"].to_numpy()
    out["Dubbele kosten (€)"] = np.where(hidden, np.nan, df["overlap_cost"].to_numpy(dtype=float))
    return table(
        out,
        {
            "Overgedragen": number,
            "Nog over te dragen (einde maand)": number,
            "Dubbele kosten (€)": euro,
        },
        caption=f"Overgangsregeling {view.name}: cliënten van niet-gecontracteerde aanbieders "
        "die per maand overgaan naar een gecontracteerde aanbieder, en de dubbele kosten van "
        f"een warme overdracht. {res.note} Bij verborgen aantallen zijn ook de kosten niet "
        "getoond. " + estimate_note(view.analysis, ("transition.*",), "Aantallen en bedragen"),
    )


def transition_text(view) -> Markdown:
    """The transition arrangement in words: clients, deadline, overlap cost."""
    df, s = view.transition()
    deadline = pd.Period(df["month"].iloc[0], freq="M") + int(s["months_in_window"])
    left = float(s["left_at_deadline"])
    left_text = (
        "iedereen is dan overgedragen"
        if s["deadline_met"]
        else "daarna zijn nog "
        + ("minder dan 10" if left < 10 else f"ongeveer {number(left)}")
        + f" cliënten over; bij deze capaciteit duurt de overgang {s['months_needed']} maanden"
    )
    return markdown(
        [
            f"Bij de start moeten naar schatting {number(s['clients_to_move'])} cliënten van "
            f"{view.name} overstappen naar een gecontracteerde aanbieder. De regeling loopt tot "
            f"1 {month_nl(deadline)}; {left_text}. De dubbele kosten van de overdracht zijn "
            f"samen {amount(s['total_overlap_cost'])} (eenmalig), waarvan "
            f"{amount(s['overlap_cost_by_deadline'])} binnen de termijn."
        ]
    )
