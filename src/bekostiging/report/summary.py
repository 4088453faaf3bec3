"""Chapter 1 of the municipality report: title, key figures, college summary, decisions.

:func:`key_figures` collects the numbers the summary quotes (and that chapters 7 and 8 repeat in
words); the texts only fill them in.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from IPython.display import Markdown

from bekostiging.model import risk as risk_model
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.incentives import size_short, strongest_incentives
from bekostiging.report.labels import (
    VARIANT_SHORT,
)
from bekostiging.report.tables import (
    above_below,
    amount,
    date_nl,
    markdown,
    rating_meaning,
    segment_names,
    years_text,
)
from bekostiging.report.variants import funding_mix


def title(view) -> Markdown:
    """The report's title with the municipality and the settings of the run."""
    a = view.analysis
    s = a.settings
    years = years_text(a.contract_years)
    return markdown(
        [
            f"# Bekostiging jeugdhulp en Wmo: {view.name}",
            "",
            f"**Gemeente {view.name}** ({view.code}), regio {a.region.name}. Peiljaar "
            f"{s.reference_year}; contract vanaf {date_nl(s.contract_start)} "
            f"({years}); {number(s.draws)} simulaties; terugblik vanaf {s.backtest_year}"
            + (f"; scenario {Path(s.scenario).name}" if s.scenario else "")
            + ".",
        ]
    )


def policy_markdown(obj) -> Markdown:
    """Which policy document of the region the report follows (from the region file).

    A region without a document in its file gets a sentence saying so; the report then
    follows the product's own method and names no other region's document.
    """
    a = getattr(obj, "analysis", obj)
    policy = a.region.policy
    if not policy.document:
        return markdown(
            [
                f"Het regiobestand van {a.region.name} noemt (nog) geen beleidsdocument van de "
                "regionale inkoop; het rapport volgt de startbudgetmethode van dit model. Vul "
                "`policy.document` in het regiobestand in om het rapport naar het eigen "
                "besluit te laten verwijzen."
            ]
        )
    when = f" ({date_nl(policy.date)})" if policy.date is not None else ""
    section = f", {policy.method_section}" if policy.method_section else ""
    return markdown(
        [
            f"De regio {a.region.name} legt haar inkoop vast in *{policy.document}*{when}. "
            f"Het startbudget volgt de zeven stappen van de startbudgetmethode{section}."
        ]
    )


def available_basis_text(analysis, c) -> str:
    """Where the available capacity comes from, in Dutch: data, own figure or assumption."""
    basis = c["available_basis"]
    if basis == risk_model.OWN_FIGURE and c.get("available_submitted", False):
        source, year = str(c["available_source"]), int(c["available_year"])
        where = source if str(year) in source else f"{source}, {year}"
        text = f"eigen opgave gemeente in het invulformat ({where})"
        replaced = float(c.get("available_replaced", math.nan))
        if not math.isnan(replaced):  # the workbook replaced the parameter's figure
            text += f"; vervangt het bedrag in de parameters ({euro(replaced)})"
        return text
    if basis == risk_model.OWN_FIGURE:
        return "eigen opgave van de gemeente (paragraaf weerstandsvermogen)"
    if basis == risk_model.FROM_BALANCE:
        share = float(analysis.params.value("reserves.social_domain_share"))
        return (
            f"{percent(share, 0)} van het eigen vermogen eind {int(c['balance_year'])} "
            f"({euro(c['eigen_vermogen'])}, Iv3-balans); dat aandeel is een aanname (schatting)"
        )
    per_head = float(analysis.params.value("reserves.available_per_inhabitant"))
    return f"aanname {euro(per_head)} per inwoner (schatting; geen Iv3-balans bekend)"


def key_figures(view) -> dict[str, Any]:
    """The numbers the summary quotes, taken from the analysis (no new computation)."""
    a = view.analysis
    first = a.first_full_year
    sb = view.start_budget()
    now = sb[sb["year"] == first]
    domain = {s.id: s.domain for s in a.region.segments}
    by_domain = now.groupby(now["segment"].map(domain))["budget"].sum()
    variants = view.variant_summary(years=[first])
    decided = view.decided_quantiles().loc[first]
    cap = view.capacity()
    bt = view.backtest()
    mine = bt[bt["gemeentecode"] == view.code]
    return {
        "name": view.name,
        "first_year": first,
        "contract_years": list(a.contract_years),
        "start_budget": float(now["budget"].sum()),
        "start_budget_jeugd": float(by_domain.get("jeugd", 0.0)),
        "start_budget_wmo": float(by_domain.get("wmo", 0.0)),
        "start_budget_total": float(sb["budget"].sum()),
        "inhabitants": float(a.population_now[view.code]),
        "decided_mean": float(decided["mean"]),
        "decided_p10": float(decided["p10"]),
        "decided_p50": float(decided["p50"]),
        "decided_p90": float(decided["p90"]),
        "variant_p50": {k: float(variants.loc[k, "p50"]) for k in variants.index},
        "variant_p90": {k: float(variants.loc[k, "p90"]) for k in variants.index},
        "variant_total": {k: float(variants.loc[k, "total_p50"]) for k in variants.index},
        "variant_total_mean": {k: float(variants.loc[k, "total_mean"]) for k in variants.index},
        "variant_unmet_value": {
            k: float(variants.loc[k, "unmet_value_mean"]) for k in variants.index
        },
        "required": float(cap["required"]),
        "required_worst": float(cap["required_worst"]),
        "available": float(cap["available"]),
        "available_basis": available_basis_text(a, cap),
        "ratio_worst": float(cap["ratio_worst"]),
        "rating_worst": str(cap["rating_worst"]),
        "ratio": float(cap["ratio"]),
        "rating": str(cap["rating"]),
        "backtest_years": sorted(int(y) for y in mine["year"].unique()),
        "backtest_error_p50": float(mine["error_p50"].abs().mean()),
        "backtest_error_budget": float(mine["error_budget"].abs().mean()),
        "backtest_bias_budget": float(mine["error_budget"].mean()),
        "backtest_inside": int(mine["inside"].sum()),
        "backtest_n": int(mine["inside"].notna().sum()),  # years without actuals: not compared
        "region_budget_bias": {
            d: float(g["error_budget"].mean())
            for d, g in bt[bt["gemeentecode"] == "regio"].groupby("domain")
        },
        "region_p50_bias": {
            d: float(g["error_p50"].mean())
            for d, g in bt[bt["gemeentecode"] == "regio"].groupby("domain")
        },
    }


def _incentives_bullet(analysis) -> str | None:
    """The summary's bullet on the two strongest perverse incentives (None if there are none)."""
    top = strongest_incentives(analysis, 2)
    if top.empty:
        return None
    names = segment_names(analysis, short=True)
    parts = [
        f"{r.incentive} ({names.get(r.segment, r.segment)}, "
        f"{VARIANT_SHORT.get(r.variant, '')}: {r.direction}, {r.size_text}); "
        + (
            f"de dempende maatregel ({r.mitigation}) zit al in de contractvorm"
            if str(r.mitigation_text).startswith("n.v.t.")
            else f"{r.mitigation} brengt dit van "
            f"{size_short(r.incentive_key, r.size)} naar "
            f"{size_short(r.incentive_key, r.size + r.mitigation_effect)}"
        )
        for r in top.itertuples()
    ]
    return (
        "- **Sterkste perverse prikkels** bij de gekozen varianten: "
        + "; ".join(parts)
        + ". Hoofdstuk 4 koppelt aan elke prikkel een KPI."
    )


def _backtest_bullet(analysis, k: dict[str, Any]) -> str:
    """The summary's bullet on how reliable budgets were (the backtest)."""
    youth = k["region_budget_bias"].get("jeugd")
    since = analysis.settings.backtest_year
    return (
        f"- **Betrouwbaarheid van budgetten.** Terugkijkend vanaf {since} "
        f"({years_text(k['backtest_years'])}) week de eigen primaire begroting van "
        f"{k['name']} gemiddeld {percent(k['backtest_error_budget'])} af van de werkelijke "
        f"uitgaven, de middelste uitkomst van dit model {percent(k['backtest_error_p50'])}; de "
        f"werkelijke uitgaven lagen in {k['backtest_inside']} van de {k['backtest_n']} gevallen "
        "binnen de band P10-P90."
        + (
            f" In de regio als geheel lag de begroting voor jeugdhulp gemiddeld "
            f"{above_below(youth)} de werkelijke uitgaven."
            if youth is not None
            else ""
        )
    )


def unmet_sentence(unmet: dict) -> str:
    """The care each variant leaves undone, when the lumpsum leaves more than p*q.

    >>> unmet_sentence({"lumpsum": 0.093, "pq": 0.0})[:60]
    ' Bij lumpsum blijft naar schatting 9,3% van de benodigde zor'
    """
    ls, pq = unmet.get("lumpsum"), unmet.get("pq")
    if ls is None or pq is None or not ls > pq:
        return ""
    pq_text = "geen" if pq < 0.0005 else percent(pq, 1)
    return (
        f" Bij lumpsum blijft naar schatting {percent(ls, 1)} van de benodigde zorg ongeleverd "
        "(minder zorg per cliënt, lichtere hulp in het voorliggend veld of afgehaakt na "
        f"wachten), bij p*q {pq_text}. Wat niet wordt "
        "geleverd is geen besparing. Wat de overstap in de jaarrekeningen deed, staat in "
        "bijlage D."
    )


def variant_sentence(total: dict, mean: dict, unmet_value: dict, unmet: dict) -> str:
    """p*q against lumpsum over all routes, and on equal care (the care left undone delivered).

    ``total``: the municipality's P50 over all routes per variant (contract plus the change
    outside it); ``mean``: its mean; ``unmet_value``: the mean cost of the care left undone.
    The comparison on equal care uses means only, and its sentence follows the sign.

    >>> s = variant_sentence({"pq": 20e6, "lumpsum": 17e6}, {"pq": 20e6, "lumpsum": 17e6},
    ...                      {"pq": 0.0, "lumpsum": 1e6}, {"pq": 0.0, "lumpsum": 0.06})
    >>> "lumpsum op gelijke zorg € 2,0 mln goedkoper" in s
    True
    >>> s = variant_sentence({"pq": 20e6, "lumpsum": 17e6}, {"pq": 20e6, "lumpsum": 17e6},
    ...                      {"pq": 0.0, "lumpsum": 4e6}, {"pq": 0.0, "lumpsum": 0.2})
    >>> "lumpsum op gelijke zorg € 1,0 mln duurder" in s
    True
    """
    pq, ls = total.get("pq"), total.get("lumpsum")
    if pq is None or ls is None:
        return ""
    equal_pq = mean["pq"] + unmet_value.get("pq", 0.0)
    equal_ls = mean["lumpsum"] + unmet_value.get("lumpsum", 0.0)
    undone = unmet_value.get("lumpsum", 0.0) - unmet_value.get("pq", 0.0)
    gap = equal_pq - equal_ls
    text = (
        "Alles in p*q kost de gemeente over alle routes (contract, en wat daarbuiten verandert: "
        f"niet-gecontracteerde zorg, pgb, voorliggend veld) in de middelste uitkomst {amount(pq)}, "
        f"alles in lumpsum {amount(ls)}. Gemiddeld blijft bij lumpsum voor {amount(undone)} "
        "meer benodigde zorg ongeleverd dan bij p*q. "
    )
    if gap > 0:
        text += (
            f"Wordt die zorg wel geleverd, dan is lumpsum op gelijke zorg {amount(gap)} goedkoper "
            f"({amount(equal_ls)} tegen {amount(equal_pq)}): alleen dat deel is een besparing."
        )
    else:
        text += (
            f"Wordt die zorg wel geleverd, dan is lumpsum op gelijke zorg {amount(-gap)} duurder "
            f"({amount(equal_ls)} tegen {amount(equal_pq)}): het lagere bedrag komt geheel uit "
            "zorg die niet wordt geleverd, en is geen besparing."
        )
    return text + unmet_sentence(unmet)


def college_summary(view) -> Markdown:
    """The key messages for the college: 3-6 bullets with the figures filled in."""
    a = view.analysis
    k = key_figures(view)
    first = k["first_year"]
    years = years_text(k["contract_years"])
    per_inh = k["start_budget"] / k["inhabitants"]
    lines = [
        "**Kernboodschappen**",
        "",
        f"- **Startbudget.** Voor {first}, het eerste volledige contractjaar, is het startbudget "
        f"van {k['name']} {amount(k['start_budget'])} ({euro(per_inh)} per inwoner), de "
        "verwachte kosten van de zorg zoals die nu geleverd wordt (het gemiddelde van de "
        "gesimuleerde uitkomsten): "
        f"{amount(k['start_budget_jeugd'])} jeugdhulp en {amount(k['start_budget_wmo'])} Wmo. "
        f"Over de hele contractperiode ({years}) is dat {amount(k['start_budget_total'])}.",
        f"- **Kosten van de gekozen bekostiging** ({funding_mix(a)}). In {first} betaalt de "
        f"gemeente via de contracten gemiddeld {amount(k['decided_mean'])}, in de middelste "
        f"uitkomst {amount(k['decided_p50'])} (P50); "
        f"met 10% kans {amount(k['decided_p90'])} of meer (P90). "
        + variant_sentence(
            k["variant_total"], k["variant_total_mean"], k["variant_unmet_value"], a.unmet_need
        ),
        f"- **Weerstandsvermogen.** Om tegenvallers in {first} met 90% zekerheid op te vangen is "
        f"{amount(k['required'])} nodig; beschikbaar is {amount(k['available'])} "
        f"({k['available_basis']}). Ratio {number(k['ratio'], 2)}: waardering "
        f"**{k['rating']}** ({rating_meaning(k['rating'])}). In het zwaarste contractjaar loopt "
        f"de benodigde capaciteit op tot {amount(k['required_worst'])}, omdat de onzekerheid "
        f"met de jaren groeit: ratio {number(k['ratio_worst'], 2)}, waardering "
        f"**{k['rating_worst']}** ({rating_meaning(k['rating_worst'])}).",
    ]
    incentives = _incentives_bullet(a)
    if incentives:
        lines.append(incentives)
    lines.append(_backtest_bullet(a, k))
    lines.append(
        "- **Alle bedragen zijn schattingen** op basis van openbare cijfers (CBS, Iv3) en "
        "benoemde aannames; de bijlage noemt elke aanname met bron en markeert de schattingen."
    )
    return markdown(lines)


def decision_points(view) -> Markdown:
    """The decision points for the college, each with the computed advice it rests on."""
    from bekostiging.report.advice import MEASURE_LABELS, switches_text

    k = key_figures(view)
    first = k["first_year"]
    adv = view.advice()
    names = {s.id: s.short or s.name for s in view.analysis.region.segments}
    changed = [s for s in adv.segments if s.variant.choice != s.decided]
    if changed:
        variant = "het berekende advies wijkt af voor " + switches_text(
            [(s.segment, s.decided, s.variant.choice) for s in changed], names
        )
    else:
        variant = "het berekende advies bevestigt de besloten bekostiging in alle segmenten"
    cap = adv.capacity
    if cap["shortfall"] > 0:
        reserve = (
            f"advies: {amount(cap['shortfall'])} extra capaciteit of minder risico, want in "
            f"{cap['worst_year']} is de waardering {cap['rating_worst']}"
        )
    else:
        reserve = (
            f"advies: {MEASURE_LABELS['none']}; ook in het zwaarste jaar {cap['worst_year']} "
            f"waardering {cap['rating_worst']}"
        )
    tc = view.transition()[1]
    once = float(tc.get("decided_cost", 0.0))
    return markdown(
        [
            "**Beslispunten waarvoor deze analyse de onderbouwing geeft**",
            "",
            f"1. Het startbudget per segment voor {first} en de jaren daarna vaststellen "
            f"({amount(k['start_budget'])} in {first}; hoofdstuk 1 en bijlage B).",
            f"2. De bekostigingsvariant en de verrekening per segment kiezen: {variant} "
            "(het advies vooraan; hoofdstuk 2 en bijlage C).",
            f"3. De risico's opnemen in de paragraaf weerstandsvermogen; beschikbaar is "
            f"{amount(k['available'])} ({k['available_basis']}); {reserve} (hoofdstuk 3).",
            "4. Een verdeelsleutel kiezen voor kosten die regionaal worden gedragen (hoofdstuk 6).",
            f"5. De zekere kosten van de overgangsregeling ({amount(once)}) begroten "
            "(hoofdstuk 7).",
            "6. De KPI's vastleggen waarmee contractmanagement de perverse prikkels volgt "
            "(hoofdstuk 4).",
        ]
    )
