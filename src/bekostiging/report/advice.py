"""The computed advice in Dutch: per segment the variant, corridor and reserve measure.

Every sentence is built from the numbers of :func:`bekostiging.analysis.advice.
municipality_advice`: the advised option, the runner-up and the margin to it, the cheaper
options the rule excluded and the norm they break, the growth at which the corridor advice
flips, and the reserve measure. Change an input and the text changes with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.model.advice import corridor_label
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.labels import VARIANT_SHORT
from bekostiging.report.tables import ReportTable, amount, markdown, table
from bekostiging.report.variants import option_label

MEASURE_LABELS = {
    "none": "geen extra maatregel (past in de reserve)",
    "reserve": "reserve aanvullen",
    "pool": "regionaal verevenen (solidariteit)",
}

NORM_TEXT = {
    "max_unmet_share": "laat {value} van de nodige zorg liggen (norm: ten hoogste {limit})",
    "max_provider_loss_chance": (
        "geeft aanbieders een kans van {value} op een verlies dat de continuïteit bedreigt "
        "(norm: ten hoogste {limit})"
    ),
}


def _names(view) -> dict[str, str]:
    return {s.id: s.short or s.name for s in view.analysis.region.segments}


def _option_text(choice_table: pd.DataFrame, key: str) -> str:
    row = choice_table.loc[key]
    return option_label(float(row["corridor"]), float(row["share"]))


def variant_word(key: str) -> str:
    """The short Dutch name of a variant key (``pq`` -> ``p*q``)."""
    return VARIANT_SHORT.get(key, key)


_variant = variant_word


def switches_text(switches, names: dict[str, str]) -> str:
    """The segments whose advice differs from the decision, as ``IAJ (lumpsum → p*q), ...``.

    ``switches``: ``(segment, decided, advised)`` triples; one wording for every report.

    >>> switches_text([("iaj", "lumpsum", "pq")], {"iaj": "IAJ"})
    'IAJ (lumpsum → p*q)'
    """
    return ", ".join(
        f"{names.get(seg, seg)} ({variant_word(decided)} → {variant_word(advised)})"
        for seg, decided, advised in switches
    )


def decided_option(region, segment: str) -> str:
    """The :func:`corridor_label` of the settlement the region file gives ``segment``."""
    spec = dict(region.segment(segment).funding.get("settlement") or {"kind": "none"})
    if spec["kind"] == "none":
        return corridor_label(float("inf"), 0.0)
    if spec["kind"] == "full":
        return corridor_label(0.0, 1.0)
    return corridor_label(
        float(spec.get("corridor", 0.0)), float(spec.get("municipality_share_over", 1.0))
    )


def breaks_text(breaks: list[dict]) -> str:
    """Every norm an option breaks, in words.

    >>> breaks_text([{"norm": "max_unmet_share", "value": 0.06, "limit": 0.02}])
    'laat 6,0% van de nodige zorg liggen (norm: ten hoogste 2%)'
    """
    parts = [
        NORM_TEXT[b["norm"]].format(value=percent(b["value"], 1), limit=percent(b["limit"], 0))
        for b in breaks
    ]
    return " en ".join(parts)


def _ratio(x: float) -> str:
    return number(x, 2)


def advice_frame(view) -> pd.DataFrame:
    """One row per segment: decided and advised variant, settlement, P90, measure (Dutch)."""
    adv = view.advice()
    names = _names(view)
    rows = []
    for s in adv.segments:
        t = s.variant.table
        if s.corridor is None:
            corridor = "n.v.t."
        else:
            corridor = (
                f"bij {_variant(s.corridor_for)}: "
                f"{_option_text(s.corridor.table, s.corridor.choice)}"
            )
        measure = s.measure.get("measure", "none")
        label = MEASURE_LABELS[measure]
        if measure != "none":
            label += f" ({euro(s.measure['amount'])})"
        rows.append(
            {
                "Segment": names.get(s.segment, s.segment),
                "Nu besloten": _variant(s.decided),
                "Advies": _variant(s.variant.choice),
                "Verrekening": corridor,
                "P90 bij gelijke zorg, advies (€)": float(t.loc[s.variant.choice, "cost_p90"]),
                "Idem, besloten (€)": float(t.loc[s.decided, "cost_p90"])
                if s.decided in t.index
                else np.nan,
                "Niet-geleverde zorg, advies": float(t.loc[s.variant.choice, "unmet_share"]),
                "Maatregel reserve": label,
            }
        )
    return pd.DataFrame(rows)


def advice_table(view) -> ReportTable:
    """The advice per segment as a report table."""
    adv = view.advice()
    out = advice_frame(view)
    return table(
        out,
        {
            "P90 bij gelijke zorg, advies (€)": euro,
            "Idem, besloten (€)": euro,
            "Niet-geleverde zorg, advies": lambda x: percent(x, 1),
        },
        caption=f"Berekend advies {view.name}, {adv.year}, per segment. P90 bij gelijke zorg: "
        "wat de gemeente met 90% zekerheid ten hoogste betaalt over alle routes (contract, "
        "zorgplicht buiten het contract, voorliggend veld) plus de waarde van de zorg die de "
        "variant laat liggen, zodat varianten op dezelfde zorg worden vergeleken. De "
        "niet-geleverde zorg komt uit het gedragsmodel per segment en is voor alle gemeenten "
        "van de regio gelijk. De verrekening geldt voor de lumpsum (zoals besloten, of als die "
        "het advies is). De maatregel reserve hoort bij het advies: berekend op de "
        "geadviseerde varianten in het zwaarste contractjaar.",
    )


def rule_text(rule) -> str:
    """The rule in words, with its norms."""
    return (
        "De regel: een variant komt in aanmerking als hij ten hoogste "
        f"{percent(rule.max_unmet_share, 0)} van de nodige zorg laat liggen en aanbieders "
        f"ten hoogste {percent(rule.max_provider_loss_chance, 0)} kans geeft op een verlies dat "
        "de continuïteit bedreigt. Daarvan wint de laagste P90 bij gelijke zorg plus de "
        "uitvoeringslasten; verschillen kleiner dan "
        f"{percent(rule.tie_tolerance, 0)} tellen als gelijk en dan wint de variant met de "
        "laagste uitvoeringslasten (bij de verrekening: de ruimste corridor). Een "
        "reservemaatregel volgt als de ratio in het zwaarste contractjaar onder "
        f"{_ratio(rule.min_capacity_ratio)} komt. Deze normen zijn keuzes van de regio, geen "
        "metingen (schatting; ze staan met de andere aannames in de bijlage)."
    )


def _difference(t: pd.DataFrame, advised: str, decided: str) -> str:
    """The advised against the decided variant: P90 and uitvoeringslasten separately."""
    dp90 = float(t.loc[advised, "cost_p90"] - t.loc[decided, "cost_p90"])
    dadmin = float(t.loc[advised, "admin_cost"] - t.loc[decided, "admin_cost"])

    def side(x: float, more: str, less: str) -> str:
        if abs(x) < 0.5:
            return "gelijk"
        return f"{amount(abs(x))} {more if x > 0 else less}"

    return (
        f"P90 {side(dp90, 'hoger', 'lager')} en uitvoeringslasten "
        f"{side(dadmin, 'hoger', 'lager')} dan {_variant(decided)}"
    )


def segment_sentences(view, s) -> list[str]:
    """The advice for one segment in sentences, each from the numbers of the run."""
    names = _names(view)
    name = names.get(s.segment, s.segment)
    a = view.analysis
    c = s.variant
    t = c.table
    out = []
    if c.fallback:
        out.append(
            f"**{name}**: geen variant voldoet aan beide normen; geadviseerd is "
            f"{_variant(c.choice)}, de variant die de minste zorg laat liggen "
            f"({percent(float(t.loc[c.choice, 'unmet_share']), 1)})."
        )
    else:
        first = (
            f"**{name}**: advies {_variant(c.choice)} (besloten: {_variant(s.decided)}), "
            f"P90 bij gelijke zorg {amount(t.loc[c.choice, 'cost_p90'])}"
        )
        if c.choice != s.decided and s.decided in t.index:
            first += f"; {_difference(t, c.choice, s.decided)}"
            why = t.loc[s.decided, "reason"]
            if why:
                broken = [
                    {"norm": n, "value": float(t.loc[s.decided, col]), "limit": lim}
                    for n, col, lim in (
                        ("max_unmet_share", "unmet_share", view.advice().rule.max_unmet_share),
                        (
                            "max_provider_loss_chance",
                            "provider_loss_chance",
                            view.advice().rule.max_provider_loss_chance,
                        ),
                    )
                    if n in why
                ]
                first += f". {_variant(s.decided).capitalize()} {breaks_text(broken)}"
        out.append(first + ".")
        if c.runner_up is not None and np.isfinite(c.margin):
            out.append(
                f"Het advies blijft {_variant(c.choice)} zolang de P90 daarvan niet meer dan "
                f"{amount(c.margin)} hoger uitvalt; daarboven wordt {_variant(c.runner_up)} het "
                "advies."
            )
    excluded = [x for x in c.excluded if x["option"] != s.decided]
    for x in excluded[:1]:
        out.append(
            f"{_variant(x['option']).capitalize()} is {amount(x['saving'])} goedkoper (P90 "
            f"bij gelijke zorg plus uitvoeringslasten), maar {breaks_text(x['breaks'])}; haalt "
            f"{_variant(x['option'])} de norm{'en' if len(x['breaks']) > 1 else ''}, dan "
            "wordt dat het advies."
        )
    if c.fallback is False and c.choice != s.decided and s.decided in t.index:
        x = next((e for e in c.excluded if e["option"] == s.decided), None)
        if x is not None and (not excluded or x["saving"] >= excluded[0]["saving"]):
            out.append(
                f"Haalt {_variant(s.decided)} de norm{'en' if len(x['breaks']) > 1 else ''}, "
                f"dan wordt die het advies ({amount(x['saving'])} goedkoper)."
            )
    if s.corridor is not None:
        k = s.corridor
        decided = decided_option(a.region, s.segment)
        lead = f"Verrekening bij {_variant(s.corridor_for)}"
        advice = _option_text(k.table, k.choice)
        if k.fallback:
            out.append(
                f"{lead}: geen optie haalt de norm voor aanbieders; de veiligste is {advice}."
            )
        elif decided == k.choice:
            out.append(f"{lead}: {advice}, zoals besloten.")
        else:
            was = _option_text(k.table, decided) if decided in k.table.index else "de besloten"
            note = ""
            if decided in k.table.index and not bool(k.table.loc[decided, "admissible"]):
                breaks = [
                    {
                        "norm": "max_provider_loss_chance",
                        "value": float(k.table.loc[decided, "provider_loss_chance"]),
                        "limit": view.advice().rule.max_provider_loss_chance,
                    }
                ]
                note = f"; de besloten verrekening ({was}) {breaks_text(breaks)}"
            out.append(f"{lead}: {advice} in plaats van {was}{note}.")
        if s.corridor_flip is not None:
            g = s.corridor_flip["growth"]
            direction = "sneller" if g > 0 else "langzamer"
            new = _option_text(k.table, s.corridor_flip["choice"])
            then = (
                f"{new} goedkoper"
                if s.corridor_flip["reason"] == "cheaper"
                else f"haalt {new} de norm voor aanbieders en wordt het advies"
            )
            out.append(
                f"Groeit het volume jaarlijks {percent(abs(g), 1)} {direction} dan geraamd "
                f"(over {s.horizon} jaar tot {view.advice().year}), dan {then}."
            )
        else:
            lo, hi, _ = view.advice().rule.growth_grid
            out.append(
                "Bij een afwijkende volumegroei tussen "
                f"{percent(lo, 0)} en {percent(hi, 0)} per jaar blijft dit de keuze."
            )
    m = s.measure
    if m.get("measure") == "reserve":
        out.append(
            f"Reserve: dit segment is {amount(m['contribution'])} van de benodigde capaciteit "
            f"in het zwaarste jaar; vul de reserve aan met {amount(m['amount'])}."
        )
    elif m.get("measure") == "pool":
        out.append(
            f"Reserve: regionaal verevenen verlaagt de P90 van {view.name} met "
            f"{amount(m['pool_gain'])}, meer dan het deel van het tekort "
            f"({amount(m['amount'])}): verevenen in plaats van reserveren."
        )
    return out


def reserve_sentence(view) -> str:
    """The reserve message of the advice: the decided arrangement against the advised one."""
    adv = view.advice()
    cap = adv.capacity
    d, v = cap["decided"], cap["advised"]
    basis = view.analysis.capacity.set_index("gemeentecode").loc[view.code]
    from bekostiging.report.summary import available_basis_text

    text = (
        f"Beschikbaar is {amount(cap['available'])} "
        f"({available_basis_text(view.analysis, basis)}). Bij de besloten bekostiging is "
        f"netto {amount(d['required'])} nodig in {adv.year} (waardering {d['rating']}) en "
        f"{amount(d['required_worst'])} in het zwaarste jaar {d['worst_year']} (waardering "
        f"{d['rating_worst']}); bruto, als aanbieders hun verliezen niet kunnen dragen, "
        f"{amount(d['required_worst_gross'])} (waardering {d['rating_worst_gross']})."
    )
    same = all(s.variant.choice == s.decided for s in adv.segments)
    if not same:
        text += (
            f" Met de geadviseerde bekostiging draagt de gemeente meer zelf: dan is "
            f"{amount(v['required'])} nodig in {adv.year} (waardering {v['rating']}) en "
            f"{amount(v['required_worst'])} in {v['worst_year']} (ratio "
            f"{_ratio(v['ratio_worst'])}, waardering {v['rating_worst']})."
        )
    if cap["shortfall"] > 0:
        text += (
            f" Om ratio {_ratio(adv.rule.min_capacity_ratio)} te halen is "
            f"{amount(cap['shortfall'])} extra capaciteit nodig, of minder risico: de "
            "maatregelen per segment staan hieronder."
        )
    else:
        text += " Een extra reservemaatregel is niet nodig."
    return text


def advice_text(view) -> Markdown:
    """The advice in words: the reserve message first, then per segment, then the rule."""
    from bekostiging.analysis.advice import norm_cost

    adv = view.advice()
    lines = [reserve_sentence(view)]
    changed = [s for s in adv.segments if s.variant.choice != s.decided]
    names = _names(view)
    if changed:
        lines.append(
            "Het advies wijkt af van het besluit voor "
            + switches_text([(s.segment, s.decided, s.variant.choice) for s in changed], names)
            + "."
        )
    else:
        lines.append("Het advies bevestigt de besloten bekostiging in alle segmenten.")
    price = norm_cost(adv)
    if price > 0.5:
        lines.append(
            f"De normen voor zorg en continuïteit kosten {view.name} samen "
            f"{amount(price)} (P90 bij gelijke zorg plus uitvoeringslasten, {adv.year}) "
            "tegenover de goedkoopste variant per segment."
        )
    lines.append("")
    for s in adv.segments:
        lines.append("- " + " ".join(segment_sentences(view, s)))
    lines.append("")
    lines.append(rule_text(adv.rule))
    return markdown(lines)


def advice_summary(view) -> dict:
    """The advice as plain numbers for the results file."""
    adv = view.advice()
    frame = adv.frame()
    return {
        "year": adv.year,
        "segments": frame.replace({np.nan: None}).to_dict("records"),
        "capacity": adv.capacity,
    }


def region_advice_table(analysis) -> ReportTable:
    """The rule over the region's totals per segment, and how many municipalities agree."""
    adv = analysis.advice
    f = adv.frame()
    names = {s.id: s.short or s.name for s in analysis.region.segments}
    out = pd.DataFrame(
        {
            "Segment": [names.get(s, s) for s in f["segment"]],
            "Nu besloten": [variant_word(v) for v in f["decided"]],
            "Advies regio": [variant_word(v) for v in f["advised"]],
            "P90 bij gelijke zorg, advies (€)": f["cost_p90"],
            "Idem, besloten (€)": f["cost_p90_decided"],
            "Gemeenten met hetzelfde advies": [
                f"{a} van {m}" for a, m in zip(f["agree"], f["municipalities"])
            ],
            "Afwijkend advies": [
                ", ".join(variant_word(v) for v in o) if o else "geen" for o in f["others"]
            ],
        }
    )
    return table(
        out,
        {"P90 bij gelijke zorg, advies (€)": euro, "Idem, besloten (€)": euro},
        caption=f"Berekend advies voor regio {analysis.region.name}, {adv.year}: dezelfde "
        "regel als in de gemeenterapporten, toegepast op de totalen van de regio (P90 van de "
        "som over de gemeenten, over alle routes plus de waarde van niet-geleverde zorg). De "
        "laatste kolommen tonen of elke gemeente op eigen cijfers tot hetzelfde advies komt.",
    )


def region_advice_text(analysis) -> Markdown:
    """The region's advice in words, from the same rule; the rule itself last."""
    adv = analysis.advice
    f = adv.frame()
    names = {s.id: s.short or s.name for s in analysis.region.segments}
    lines = []
    changed = f[f["advised"] != f["decided"]]
    if changed.empty:
        lines.append("Het advies bevestigt de besloten bekostiging in alle segmenten.")
    else:
        lines.append(
            "Het advies wijkt af van het besluit voor "
            + switches_text(changed[["segment", "decided", "advised"]].to_numpy(), names)
            + "."
        )
    lines.append("")
    for seg, c in adv.segments.items():
        t = c.table
        name = names.get(seg, seg)
        parts = [f"**{name}**: {variant_word(c.choice)}"]
        if c.fallback:
            parts.append("(geen variant haalt beide normen; de minste niet-geleverde zorg)")
        if c.runner_up is not None and np.isfinite(c.margin):
            parts.append(
                f"zolang die niet meer dan {amount(c.margin)} duurder uitvalt; dan "
                f"{variant_word(c.runner_up)}."
            )
        else:
            parts[-1] += "."
        for x in c.excluded[:1]:
            parts.append(
                f"{variant_word(x['option']).capitalize()} is {amount(x['saving'])} goedkoper "
                f"(P90 bij gelijke zorg plus uitvoeringslasten), maar {breaks_text(x['breaks'])}."
            )
        lines.append("- " + " ".join(parts))
        del t
    for p in adv.pooling:
        lines.append("")
        lines.append(pooling_advice_sentence(analysis, p))
    lines.append("")
    lines.append(rule_text(adv.rule))
    return markdown(lines)


def pooling_advice_sentence(analysis, p: dict) -> str:
    """Whether to pool a group regionally, with what it does to the summed P90 and who pays."""
    names = {s.id: s.short or s.name for s in analysis.region.segments}
    group = " en ".join(names.get(s, s) for s in p["segments"])
    rule = analysis.advice.rule
    e = p["effect"]
    change = e["pooled_p90"] - e["own_p90"]
    moves = "daalt" if p["gain"] >= 0 else "stijgt"
    base = (
        f"**Regionaal verevenen van {group}**: de opgetelde P90 van de gemeenten {moves} met "
        f"{amount(abs(p['gain']))} ({percent(abs(p['gain_share']), 1)} van de risicomarge "
        "boven het gemiddelde)"
    )
    if p["pool"]:
        text = (
            base
            + f"; dat is meer dan de norm van {percent(rule.pooling_min_gain, 0)}: advies verevenen."
        )
    else:
        text = (
            base
            + f"; minder dan de norm van {percent(rule.pooling_min_gain, 0)}: advies niet verevenen."
        )
    best = change.idxmin()
    text += (
        f" Het meest gebaat is {analysis.region.name_of(best)} "
        f"({amount(-float(change[best]))} lagere P90)"
    )
    if p["losers"]:
        worst = change.idxmax()
        text += (
            f"; {analysis.region.name_of(worst)} gaat er het meest op achteruit "
            f"({amount(float(change[worst]))} hogere P90)."
        )
    else:
        text += "; geen gemeente krijgt een hogere P90."
    return text
