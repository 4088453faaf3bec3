"""Chapter 6 of the municipality report: the projection over the contract period."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bekostiging.report.charts import (
    ReportFigure,
    fan_chart,
    new_figure,
)
from bekostiging.report.formatting import euro
from bekostiging.report.labels import (
    FAN_LABELS,
    variant_label,
)
from bekostiging.report.tables import (
    PROJECTION_ASSUMPTIONS,
    ReportTable,
    estimate_note,
    table,
)


def fan_chart_figure(view, variants: Sequence[str] = ("decided", "pq", "lumpsum")) -> ReportFigure:
    """What the municipality pays per year: fans for the decided mix and other variants."""
    fig = new_figure((8.0, 6.0))
    ax = fig.add_subplot()
    years = None
    budget = None
    for k in variants:
        q = view.decided_quantiles() if k == "decided" else view.variant_quantiles(k)
        years = [int(y) for y in q.index]
        if k == "decided":
            budget = q["budget"].to_numpy(dtype=float)
        fan_chart(
            years,
            q["p10"].to_numpy(dtype=float),
            q["p50"].to_numpy(dtype=float),
            q["p90"].to_numpy(dtype=float),
            label=FAN_LABELS.get(k, variant_label(k)),
            ax=ax,
            ylabel="Uitgaven gemeente (€, lopende prijzen)",
        )
    if budget is None:
        budget = view.decided_quantiles()["budget"].to_numpy(dtype=float)
        years = [int(y) for y in view.decided_quantiles().index]
    ax.plot(years, budget, color="black", linestyle="--", linewidth=1.5, label="Startbudget")
    ax.set_title(f"Uitgaven {view.name} per jaar en variant (schatting)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return fig


def projection_table(view) -> ReportTable:
    """Mean and P10/P50/P90 per contract year under the decided variants, beside the start budget."""
    a = view.analysis
    q = view.decided_quantiles()
    out = pd.DataFrame(
        {
            "Jaar": [str(int(y)) for y in q.index],
            "Startbudget (€)": q["budget"].to_numpy(dtype=float),
            "Gemiddelde (€)": q["mean"].to_numpy(dtype=float),
            "P10 (€)": q["p10"].to_numpy(dtype=float),
            "P50 (€)": q["p50"].to_numpy(dtype=float),
            "P90 (€)": q["p90"].to_numpy(dtype=float),
        }
    )
    out["P90 boven startbudget (€)"] = out["P90 (€)"] - out["Startbudget (€)"]
    return table(
        out,
        {c: euro for c in out.columns if c != "Jaar"},
        caption=f"Projectie {view.name} over de contractperiode bij de besloten bekostiging "
        "(€, lopende prijzen). Het startbudget is de verwachte waarde (het gemiddelde) van de "
        "kosten van de benodigde zorg; de kolommen ernaast geven wat de gemeente bij de besloten "
        "bekostiging betaalt: gemiddeld, en P10, P50 (de middelste uitkomst) en P90. "
        + estimate_note(a, PROJECTION_ASSUMPTIONS),
    )
