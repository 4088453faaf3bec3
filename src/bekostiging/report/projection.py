"""Chapter 6 of the municipality report: the projection over the contract period."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bekostiging.data.panel import NEW_SCHEME_YEAR
from bekostiging.data.rawdata import load_taakvelden
from bekostiging.model.anchor import REGION_UNIT
from bekostiging.report.charts import (
    ReportFigure,
    describe,
    fan_chart,
    new_figure,
)
from bekostiging.report.formatting import euro, euro_mln, number
from bekostiging.report.labels import (
    DOMAIN_TOTAL_LABEL,
    FAN_LABELS,
    SCOPE_LABELS,
    variant_label,
)
from bekostiging.report.tables import (
    PROJECTION_ASSUMPTIONS,
    ReportTable,
    estimate_note,
    segment_names,
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
    describe(fig, f"Startbudget van {euro_mln(budget[0], 1)} naar {euro_mln(budget[-1], 1)}.")
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
        "kosten van de zorg zoals die nu geleverd wordt; de kolommen ernaast geven wat de gemeente bij de besloten "
        "bekostiging betaalt: gemiddeld, en P10, P50 (de middelste uitkomst) en P90. "
        + estimate_note(a, PROJECTION_ASSUMPTIONS),
    )


def task_field_titles(year: int) -> dict[str, str]:
    """The official Iv3 titles of the task fields in ``year`` (the latest year before it if
    the table does not reach it), e.g. ``{"6.2": "Wijkteams", ...}``."""
    t = load_taakvelden()
    known = t.loc[t["year"] <= year, "year"]
    pick = int(known.max()) if len(known) else int(t["year"].min())
    rows = t.loc[t["year"] == pick]
    return dict(zip(rows["taakveld"].astype(str), rows["title"].astype(str), strict=True))


def domain_projection_rows(frame: pd.DataFrame, reference_year: int) -> pd.DataFrame:
    """Task-field rows, a subtotal per scope and the domain total, with Dutch labels."""
    titles = task_field_titles(reference_year)
    years = [c for c in frame.columns if isinstance(c, int)]
    cols = ["actual", *years]
    rows = []
    for scope, part in frame.groupby("scope", sort=False):
        for _, r in part.iterrows():
            field = str(r["taakveld"])
            label = f"{field} {titles[field]}" if field in titles else field
            rows.append({"Taakveld": f"  {label}", **r[cols].to_dict()})
        subtotal = SCOPE_LABELS.get(scope, scope)
        rows.append({"Taakveld": f"Subtotaal {subtotal}", **part[cols].sum().to_dict()})
    rows.append({"Taakveld": DOMAIN_TOTAL_LABEL, **frame[cols].sum().to_dict()})
    out = pd.DataFrame(rows)
    names = {"actual": f"Werkelijk {reference_year} (€)"} | {y: f"Verwacht {y} (€)" for y in years}
    return out.rename(columns=names)


def domain_projection_table(view) -> ReportTable:
    """The municipality's whole social domain per task field (see :func:`domain_table`)."""
    return domain_table(view.analysis, view.code, view.name)


def region_domain_projection_table(analysis) -> ReportTable:
    """The region's whole social domain per task field (see :func:`domain_table`)."""
    return domain_table(analysis, REGION_UNIT, f"de regio {analysis.region.name}")


def break_text(reference_year: int, years: list[int]) -> str:
    """What the 2025 Iv3 code scheme means for the forecast years shown."""
    if reference_year >= NEW_SCHEME_YEAR or not any(y >= NEW_SCHEME_YEAR for y in years):
        return ""
    return (
        f"Vanaf {NEW_SCHEME_YEAR} boeken gemeenten volgens een nieuwe Iv3-indeling (wijkteams "
        "verdeeld over 6.21-6.23, pgb's op 6.79), die uitgaven verschuift tussen toegang, jeugd "
        "en Wmo; die verschuiving is geen groei. Daarom groeien toegang, jeugd en Wmo hier vanaf "
        f"{NEW_SCHEME_YEAR} met de prognose van het hele sociaal domein van de gemeente. "
    )


def domain_table(analysis, unit: str, name: str) -> ReportTable:
    """The whole social domain per task field: actual in Y and expected for the next years."""
    y = analysis.settings.reference_year
    frame = analysis.domain_projection(unit)
    out = domain_projection_rows(frame, y)
    years = [c for c in frame.columns if isinstance(c, int)]
    sb = analysis.start_budget.table
    pooled_ids = [seg for p in analysis.region.pooling for seg in p.segments]
    left_out = ""
    if unit != REGION_UNIT:
        sb = sb.loc[sb["gemeentecode"] == unit]
        if pooled_ids:  # booked by a centrumgemeente: in no municipality's own task fields alike
            names = segment_names(analysis)
            shown = [names.get(x, x) for x in pooled_ids if x in set(sb["segment"])]
            sb = sb.loc[~sb["segment"].isin(pooled_ids)]
            if shown:
                left_out = (
                    f", zonder {' en '.join(shown)} (die boekt een centrumgemeente voor de regio)"
                )
    last = max(years) if years else y
    procured = float(sb.loc[sb["year"] == last, "budget_full_year"].sum())
    total = float(out.iloc[-1][f"Verwacht {last} (€)"]) if years else float("nan")
    share = f" ({number(100 * procured / total, 0)}% van het verwachte totaal)" if total > 0 else ""
    procured_text = (
        f" Het startbudget {last} op jaarbasis voor de regionaal ingekochte segmenten"
        f"{left_out} is {euro(procured)}{share}; het rust op dezelfde prognose, met daarbovenop "
        "lokaal beleid, doelmatigheid en ketenafspraken."
        if procured > 0
        else ""
    )
    missing = frame.attrs.get("no_forecast") or []
    missing_text = (
        " Zonder landelijke prognose (werkelijk bedrag doorgetrokken): "
        + ", ".join(SCOPE_LABELS.get(s, s) for s in missing)
        + "."
        if missing
        else ""
    )
    return table(
        out,
        {c: euro for c in out.columns if c != "Taakveld"},
        caption=f"Het hele sociaal domein van {name} per taakveld: de jaarrekening {y} en de "
        "verwachte uitgaven (het gemiddelde, lopende prijzen) volgens het landelijke model, dat "
        "op alle gemeenten is geschat en achteraf getoetst (bijlage F, Terugblik). Elk taakveld "
        f"houdt zijn aandeel van {y} binnen toegang, jeugd of Wmo. "
        + break_text(y, years)
        + "De totalen tellen precies de genoemde taakvelden op."
        + procured_text
        + missing_text,
    )
