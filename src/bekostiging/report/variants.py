"""Chapter 4 of the municipality report: the funding variants compared.

What the municipality pays per variant in the first full contract year (table and figure), who
carries which risk under each variant, and the providers' results and settlement.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib import ticker

from bekostiging.model import risk as risk_model
from bekostiging.model.projection import contract_options, variant_summary
from bekostiging.model.variants import (
    PQ,
    Hybrid,
    Lumpsum,
    Output,
    PopulationFunding,
    Settlement,
)
from bekostiging.report.baseline import client_suppression, hidden_rows
from bekostiging.report.charts import (
    OKABE_ITO,
    ReportFigure,
    describe,
    new_figure,
    value_formatter,
)
from bekostiging.report.formatting import euro, euro_mln, number, percent
from bekostiging.report.labels import (
    DECIDED_LABEL,
    VARIANT_ORDER,
    VARIANT_SHORT,
    variant_label,
)
from bekostiging.report.startbudget import first_rows, first_year_budget
from bekostiging.report.tables import (
    PROJECTION_ASSUMPTIONS,
    ReportTable,
    analysis_of,
    estimate_note,
    markdown,
    segment_names,
    table,
)
from bekostiging.report.text.variants import risk_carrier_table


def variant_rows(view) -> tuple[pd.DataFrame, pd.Series, int]:
    """The variant summary in report order, the decided mix's quantiles, the first full year."""
    a = view.analysis
    first = a.first_full_year
    vs = view.variant_summary(years=[first])
    order = [k for k in VARIANT_ORDER if k in vs.index] + [
        k for k in vs.index if k not in VARIANT_ORDER
    ]
    return vs.loc[order], view.decided_quantiles().loc[first], first


def variant_frame(view) -> pd.DataFrame:
    """What the municipality pays per variant in the first full year (numbers).

    P10/P50/P90 are the contract's payment (with the backstop). Need is conserved over routes,
    so beside it stand the municipality's cost outside the contract (non-contracted care, pgb,
    voorliggend veld), its total over all routes, the value of the care left undone and the
    total had that care been delivered: the comparison on equal care.
    """
    vs, dq, first = variant_rows(view)
    return route_frame(vs, dq, view.analysis.access)


def route_frame(vs: pd.DataFrame, dq, access: dict) -> pd.DataFrame:
    """The variant table's numbers from a variant summary ``vs`` (rows in report order), the
    decided mix's row ``dq`` (the same columns) and ``access`` (per variant key and
    ``"decided"``: the behaviour model's ``unmet_need`` and ``waiting_share``)."""

    def row(label: str, r, key: str) -> dict:
        a = access.get(key, {})
        return {
            "Bekostigingsvariant": label,
            "P10 (€)": float(r["p10"]),
            "P50 (€)": float(r["p50"]),
            "P90 (€)": float(r["p90"]),
            OUTSIDE_COLUMN: float(r["outside_contract_mean"]),
            TOTAL_COLUMN: float(r["total_p50"]),
            UNMET_VALUE_COLUMN: float(r["unmet_value_mean"]),
            EQUAL_CARE_COLUMN: float(r["total_mean"]) + float(r["unmet_value_mean"]),
            UNMET_COLUMN: a.get("unmet_need"),
            WAITING_COLUMN: a.get("waiting_share"),
            RESULT_COLUMN: float(r["provider_result_mean"]),
        }

    rows = [row(DECIDED_LABEL, dq, "decided")]
    rows += [row(variant_label(k), r, k) for k, r in vs.iterrows()]
    return pd.DataFrame(rows)


OUTSIDE_COLUMN = "Extra buiten het contract (€)"
TOTAL_COLUMN = "Contract + extra, P50 (€)"
UNMET_VALUE_COLUMN = "Niet-geleverde zorg (€)"
EQUAL_CARE_COLUMN = "Bij dezelfde zorg, gemiddeld (€)"
WAITING_COLUMN = "Wachtende cliënten (regio)"
RESULT_COLUMN = "Resultaat aanbieders (€)"
UNMET_COLUMN = "Niet-geleverde benodigde zorg (regio, gedragsmodel)"


def region_variant_rows(analysis) -> tuple[pd.DataFrame, pd.Series, int]:
    """The region's variant summary in report order and the decided mix, first full year."""
    a = analysis
    first = a.first_full_year
    proj = a.projection
    vs = variant_summary(proj, None, None, [first], loss_threshold=a.loss_threshold)
    order = [k for k in VARIANT_ORDER if k in vs.index] + [
        k for k in vs.index if k not in VARIANT_ORDER
    ]
    k = proj.inputs.years.index(first)
    spend = a.decided_spend[..., k].sum(axis=(1, 2))
    routes = {n: v[..., k].sum(axis=(1, 2)) for n, v in a.decided_routes.items()}
    dq = pd.Series(
        {
            "p10": np.quantile(spend, 0.1),
            "p50": np.quantile(spend, 0.5),
            "p90": np.quantile(spend, 0.9),
            "total_p50": np.quantile(routes["total_cost"], 0.5),
            "total_mean": routes["total_cost"].mean(),
            "provider_result_mean": routes["provider_result"].mean(),
            "outside_contract_mean": routes["outside_contract"].mean(),
            "unmet_value_mean": routes["unmet_value"].mean(),
            "budget": float(proj.inputs.budget[..., k].sum()),
        }
    )
    return vs.loc[order], dq, first


def region_variant_table(analysis) -> ReportTable:
    """The variant table for the whole region (the regional overview's key table)."""
    vs, dq, first = region_variant_rows(analysis)
    out = route_frame(vs, dq, analysis.access)
    return _variant_table(analysis, out, dq, first, "de regio")


def variant_table(view) -> ReportTable:
    """Cost per funding variant in the first full year: contract P10/P50/P90, the cost outside
    the contract, the total over all routes and the care left undone (key table)."""
    out = variant_frame(view)
    vs, dq, first = variant_rows(view)
    note = (
        " Bij populatiebekostiging krijgt elke gemeente hetzelfde bedrag per inwoner van de "
        f"doelgroep; de afwijking voor {view.name} is een verschuiving tussen gemeenten."
    )
    return _variant_table(view.analysis, out, dq, first, view.name, note)


def _variant_table(a, out: pd.DataFrame, dq, first: int, who: str, extra: str = "") -> ReportTable:
    note = (
        " P10-P90: wat de gemeente via het contract betaalt, inclusief wat zij bijlegt als "
        "aanbieders een verlies niet kunnen dragen (vangnet). Geen cliënt verdwijnt: wie een "
        "aanbieder weigert, gaat naar een andere gecontracteerde aanbieder, naar het "
        "voorliggend veld (gemeentelijk geld) of naar de Wlz of Zvw (niet gemeentelijk); wie "
        "moet wachten, krijgt via de zorgplicht niet-gecontracteerde zorg of een pgb, wacht tot "
        f"het volgende jaar of haakt af. {OUTSIDE_COLUMN}: wat de gemeente bij deze variant meer "
        "(of met een minteken minder) betaalt aan niet-gecontracteerde zorg, pgb en voorliggend "
        "veld dan bij de bekostiging in het peiljaar, gemiddeld; wat zij daar nu al aan uitgeeft "
        f"zit in de contractbedragen of op andere taakvelden. {TOTAL_COLUMN}: contract plus dat "
        f"verschil. {UNMET_VALUE_COLUMN}: wat de benodigde zorg kost die bij deze variant niet "
        "wordt geleverd (te weinig zorg per cliënt, lichtere hulp in het voorliggend veld of "
        f"afgehaakt na wachten), gemiddeld. {EQUAL_CARE_COLUMN}: het gemiddelde totaal als die "
        "zorg wel geleverd zou worden; alleen op die kolom zijn de varianten op gelijke zorg "
        "vergelijkbaar. Een lagere uitgave die uit niet-geleverde zorg komt is geen besparing. "
        "De percentages niet-geleverde zorg en wachtende cliënten gelden voor de hele regio "
        "(gedragsmodel, gewogen over de ingekochte segmenten)." + extra
    )
    money = {
        c: euro
        for c in (
            "P10 (€)",
            "P50 (€)",
            "P90 (€)",
            OUTSIDE_COLUMN,
            TOTAL_COLUMN,
            UNMET_VALUE_COLUMN,
            EQUAL_CARE_COLUMN,
            RESULT_COLUMN,
        )
    }
    shares = {c: partial(percent, decimals=1) for c in (UNMET_COLUMN, WAITING_COLUMN)}
    return table(
        out,
        {**money, **shares},
        caption=f"Wat {who} in {first} betaalt per bekostigingsvariant (€; startbudget "
        f"{euro(dq['budget'])}). Per variant krijgen alle ingekochte segmenten dezelfde "
        "bekostiging; de gekozen mix is de besloten bekostiging per segment. P50 is de "
        "middelste uitkomst, P10 en P90 de grenzen waarbinnen 80% van de "
        f"{number(a.settings.draws)} simulaties valt; de varianten verschillen doordat "
        f"aanbieders anders reageren op elke bekostiging (gedragsmodel).{note} "
        + estimate_note(a, PROJECTION_ASSUMPTIONS + ("startbudget.trend_damping",))
        + " De verdeling over de routes (zorgplicht, afhaken, kosten in het voorliggend veld) "
        "rust op schattingen van het gedragsmodel (bijlage, Aannames).",
    )


def settlement_frame(view) -> pd.DataFrame:
    """Provider results and settlement per variant in the first full year (numbers)."""
    vs, _, _ = variant_rows(view)
    return pd.DataFrame(
        {
            "Bekostigingsvariant": [variant_label(k) for k in vs.index],
            "Gemiddeld resultaat aanbieders (€)": vs["provider_result_mean"].to_numpy(dtype=float),
            loss_chance_label(view): vs["provider_loss_chance"].to_numpy(dtype=float),
            "Gemiddelde verrekening na afloop (€)": vs["settlement_mean"].to_numpy(dtype=float),
        }
    )


def loss_chance_label(view) -> str:
    """The header of the providers' chance of a loss, with the loss threshold filled in."""
    return f"Kans op verlies > {percent(view.analysis.loss_threshold, 0)} per contract"


def settlement_table(view) -> ReportTable:
    """Provider results and settlement per variant in the first full year."""
    first = view.analysis.first_full_year
    threshold = percent(view.analysis.loss_threshold, 0)
    return table(
        settlement_frame(view),
        {
            "Gemiddeld resultaat aanbieders (€)": euro,
            loss_chance_label(view): percent,
            "Gemiddelde verrekening na afloop (€)": euro,
        },
        caption=f"Verrekening en resultaat van aanbieders in {first}, {view.name}. Resultaat = "
        "vergoeding min kosten van de geleverde zorg (alle aanbieders samen); verrekening = "
        "wat de gemeente na afloop van het jaar bijbetaalt (positief) of terugkrijgt "
        "(negatief) volgens de corridor; kans op verlies = aandeel van de contracten (gemeente "
        f"x segment) met een verlies van meer dan {threshold} van de omzet "
        "(aanname behaviour.continuity.loss_threshold). "
        + estimate_note(view.analysis, ("projection.provider_margin",), "De bedragen en kansen"),
    )


def main_segment(view) -> str:
    """The procured segment with the largest start budget in the first full year, among the
    segments whose client count is shown (its tariffs would otherwise give a hidden count
    away)."""
    a = view.analysis
    ref = str(a.settings.reference_year)
    res = client_suppression(view, [a.settings.reference_year])
    hidden = hidden_rows(res)[ref].to_numpy()
    shown = [s.id for s, h in zip(a.region.procured_segments(), hidden, strict=True) if not h]
    t = first_year_budget(view)
    budget = t.groupby("segment")["budget"].sum()
    candidates = budget[budget.index.isin(shown)]
    return str((candidates if not candidates.empty else budget).idxmax())


def decided_variant(obj, segment: str) -> str:
    """The funding variant the region decided for a segment (its key, e.g. ``'lumpsum'``)."""
    return str(analysis_of(obj).region.segment(segment).funding["variant"])


def decided_contract(obj, segment: str) -> dict:
    """The decided contract terms of a segment (settlement, hybrid share), for the sensitivity
    analysis: ``tornado_table(segment, variant, ..., **pres.decided_contract(analysis, segment))``."""
    a = analysis_of(obj)
    seg = a.region.segment(segment)
    return contract_options(seg, seg.funding["variant"], a.params)


def variant_risk_table(view, segment: str | None = None) -> ReportTable:
    """Who carries which risk under each variant (:func:`bekostiging.model.variants.risk_carriers`).

    The variants are set up for one segment (default: the largest) with the amounts of its
    start budget in the first full year, so the explanations quote real tariffs and prices.
    """
    a = view.analysis
    seg = segment or main_segment(view)
    row = first_rows(view).loc[seg]
    upc = float(a.params.get(f"units_per_client.{seg}", 1.0))
    settle = risk_model.region_settlements(a.region).get(seg, Settlement("none"))
    budget, cost = float(row["budget"]), float(row["cost_per_client"])
    per_head = budget / float(row["population"]) if float(row["population"]) > 0 else 0.0
    variants = {
        "pq": PQ(tariff=cost / upc),
        "output": Output(price_per_client=cost),
        "lumpsum": Lumpsum(budget=budget, settlement=settle),
        "population": PopulationFunding(amount_per_head=per_head, settlement=settle),
        "hybrid": Hybrid(
            budget=budget,
            tariff=cost / upc,
            pq_share=float(a.params.value("projection.hybrid_pq_share")),
            settlement=settle,
        ),
    }
    t = risk_carrier_table(variants).reset_index(drop=True)
    t.columns = [c[:1].upper() + c[1:] for c in t.columns]
    name = segment_names(a)[seg]
    return table(
        t,
        caption=f"Wie draagt welk risico per bekostigingsvariant; bedragen voor {name} in "
        f"{view.name}, {a.first_full_year} (startbudget {euro(budget)}). Gedeeld = binnen de "
        "corridor draagt de aanbieder, daarbuiten wordt verrekend. "
        + estimate_note(a, ("projection.hybrid_pq_share",), "Tarieven en budgetten"),
    )


def variant_figure(view) -> ReportFigure:
    """Per variant the middle outcome (P50) with its 80% band (P10-P90), first full year."""
    out = variant_frame(view).iloc[::-1].reset_index(drop=True)
    first = view.analysis.first_full_year
    fig = new_figure((8.0, 4.2))
    ax = fig.add_subplot()
    y = np.arange(len(out))
    ax.hlines(y, out["P10 (€)"], out["P90 (€)"], color=OKABE_ITO[0], linewidth=6, alpha=0.35,
              label="80%-band (P10-P90)")  # fmt: skip
    ax.plot(out["P50 (€)"], y, "o", color=OKABE_ITO[0], label="Middelste uitkomst (P50)")
    budget = float(view.decided_quantiles().loc[first, "budget"])
    ax.axvline(budget, color="black", linestyle="--", linewidth=1.2, label="Startbudget")
    ax.set_yticks(y, labels=out["Bekostigingsvariant"].tolist())
    ax.xaxis.set_major_locator(ticker.MaxNLocator(6))
    ax.xaxis.set_major_formatter(value_formatter("euro"))
    ax.set_xlabel("Uitgaven gemeente (€)")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"Uitgaven {view.name} {first} per variant (schatting)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    rows = out.iloc[::-1]
    describe(
        fig,
        f"Startbudget {euro_mln(budget, 1)}; per variant de middelste uitkomst (P50) met het "
        "80%-interval: "
        + "; ".join(
            f"{r['Bekostigingsvariant']} {euro_mln(r['P50 (€)'], 1)} "
            f"({euro_mln(r['P10 (€)'], 1)} tot {euro_mln(r['P90 (€)'], 1)})"
            for _, r in rows.iterrows()
        )
        + ".",
        ax,
    )
    return fig


def funding_mix(analysis) -> str:
    """The decided funding per procured segment, e.g. ``lumpsum voor IAJ, Wmo; p*q voor ...``."""
    groups: dict[str, list[str]] = {}
    for s in analysis.region.procured_segments():
        groups.setdefault(s.funding["variant"], []).append(s.short)
    return "; ".join(
        f"{VARIANT_SHORT.get(k, k)} voor {', '.join(v)}"
        for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    )


def funding_mix_text(obj) -> Markdown:
    """The decided funding per segment in one sentence."""
    a = analysis_of(obj)
    return markdown(
        [
            f"De *gekozen mix* is de bekostiging die regio {a.region.name} per segment heeft "
            f"besloten: {funding_mix(a)}. De andere regels rekenen alle segmenten met één "
            "variant door, ter vergelijking."
        ]
    )


def option_label(corridor: float, share: float) -> str:
    """A settlement option in words.

    >>> option_label(0.05, 0.5), option_label(0.0, 1.0), option_label(float("inf"), 0.0)
    ('corridor 5%, daarbuiten 50% verrekend', 'nacalculatie (alles verrekend)', 'geen verrekening')
    """
    if np.isinf(corridor):
        return "geen verrekening"
    if corridor == 0 and share == 1:
        return "nacalculatie (alles verrekend)"
    return f"corridor {percent(corridor, 0)}, daarbuiten {percent(share, 0)} verrekend"


def corridor_table(view, segment: str | None = None) -> ReportTable | Markdown:
    """The decision table of corridor options, settled per provider (issue 10, part 5)."""
    a = view.analysis
    segment = segment or main_segment(view)
    t = view.corridor_options(segment)
    name = segment_names(a).get(segment, segment)
    if t.empty:
        return markdown([f"Voor {name} is geen aanbiederslandschap bekend; geen keuzetabel."])
    decided = dict(a.region.segment(segment).funding.get("settlement") or {"kind": "none"})
    dec = (
        float(decided.get("corridor", np.inf))
        if decided["kind"] == "corridor"
        else (0.0 if decided["kind"] == "full" else np.inf),
        float(decided.get("municipality_share_over", 1.0 if decided["kind"] != "none" else 0.0)),
    )
    labels = [
        option_label(c, s) + (" (besloten)" if (c, s) == dec else "")
        for c, s in zip(t["corridor"], t["share"])
    ]
    thr = percent(a.loss_threshold, 0)
    equity = float(a.params.value("projection.provider_equity"))
    out = pd.DataFrame(
        {
            "Verrekening": labels,
            "Gemeente gemiddeld (€)": t["mean"],
            "Gemeente P50 (€)": t["p50"],
            "Gemeente P90 (€)": t["p90"],
            "Nabetaling gemeente P90 (€)": t["settlement_p90"],
            "Bijbetaling bij omvallende aanbieder P90 (€)": t["backstop_p90"],
            f"Kans aanbieder verliest > {thr}": t["provider_loss_chance"],
            f"Kans minstens één aanbieder > {thr} verlies": t["any_loss_chance"],
            f"Kans verlies > {thr} bij verrekening op het segmenttotaal": t["total_loss_chance"],
        }
    )
    share_fmt = partial(percent, decimals=0)
    year = int(t["year"].iloc[0])
    return table(
        out,
        {c: (euro if "€" in c else share_fmt) for c in out.columns if c != "Verrekening"},
        caption=f"Keuzetabel verrekening, {name} {view.name} {year}: per optie wat de gemeente "
        f"betaalt (gemiddeld, P50, P90) en hoe vaak een aanbieder meer dan {thr} van zijn omzet "
        "verliest (per aanbieder en jaar, ongewogen). Zoals de regio besloot, krijgt elke "
        "organisatie een eigen lumpsum en wordt per organisatie verrekend; cliënten kiezen zelf hun aanbieder, dus de zorg verdeelt "
        f"zich elk jaar wat anders over de {int(t['providers'].iloc[0])} aanbieders dan het "
        f"budget (berekend voor de cliënten en het budget van {view.name}). Verliest een "
        f"aanbieder meer dan {percent(equity, 0)} van zijn omzet (wat hij "
        "uit eigen vermogen kan dragen, een schatting), dan komt de rest "
        "terug bij de gemeente (bijpassen of cliënten naar een andere aanbieder): die bedragen "
        "zitten in P50 en P90. De laatste kolom verrekent op het totaal van het segment: dan vallen "
        "tekorten en overschotten van aanbieders tegen elkaar weg en blijven verliezen van "
        "afzonderlijke aanbieders buiten beeld. Het "
        "aanbiederslandschap is illustratief (schatting). "
        + estimate_note(a, PROJECTION_ASSUMPTIONS),
    )
