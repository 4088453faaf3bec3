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

from bekostiging.report.formatting import euro, percent
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


def advice_frame(view) -> pd.DataFrame:
    """One row per segment: decided and advised variant, corridor, P90, measure (Dutch)."""
    adv = view.advice()
    names = _names(view)
    rows = []
    for s in adv.segments:
        t = s.variant.table
        corridor = (
            "n.v.t." if s.corridor is None else _option_text(s.corridor.table, s.corridor.choice)
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
        "variant laat liggen, zodat varianten op dezelfde zorg worden vergeleken. De regel "
        "staat onder de tabel; de maatregel reserve volgt uit het zwaarste contractjaar.",
    )


def rule_text(rule) -> str:
    """The rule in words, with its norms from advice.yaml."""
    return (
        "De regel: een variant komt in aanmerking als hij ten hoogste "
        f"{percent(rule.max_unmet_share, 0)} van de nodige zorg laat liggen en aanbieders "
        f"ten hoogste {percent(rule.max_provider_loss_chance, 0)} kans geeft op een verlies dat "
        "de continuïteit bedreigt. Daarvan wint de laagste P90 bij gelijke zorg plus de "
        "administratieve lasten; verschillen kleiner dan "
        f"{percent(rule.tie_tolerance, 0)} tellen als gelijk en dan wint de variant met de "
        "laagste administratieve lasten (bij de verrekening: de ruimste corridor). Een "
        "reservemaatregel volgt als de ratio in het zwaarste contractjaar onder "
        f"{str(rule.min_capacity_ratio).replace('.', ',')} komt. Deze normen zijn keuzes "
        "(schatting, data/assumptions/parameters/advice.yaml), geen metingen."
    )


def segment_sentences(view, s) -> list[str]:
    """The advice for one segment in sentences, each from the numbers of the run."""
    names = _names(view)
    name = names.get(s.segment, s.segment)
    c = s.variant
    t = c.table
    out = []
    keep = "blijft" if c.choice == s.decided else "wordt"
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
            diff = float(t.loc[s.decided, "score"] - t.loc[c.choice, "score"])
            if diff >= 0:
                first += f", {amount(diff)} lager dan de besloten variant (lasten inbegrepen)"
            else:
                first += f", {amount(-diff)} hoger dan de besloten variant, die de norm niet haalt"
        out.append(first + ".")
        if c.runner_up is not None and np.isfinite(c.margin):
            out.append(
                f"Het advies {keep} {_variant(c.choice)} zolang die niet meer dan "
                f"{amount(c.margin)} duurder uitvalt; dan wordt {_variant(c.runner_up)} het "
                "advies."
            )
        elif not c.excluded:
            out.append("Er is geen andere variant die aan de normen voldoet.")
    for n, x in enumerate(c.excluded[:1]):
        norm = NORM_TEXT[x["norm"]].format(
            value=percent(x["value"], 1), limit=percent(x["limit"], 0)
        )
        then = (
            "haalt die de norm wel, dan wordt dat het advies"
            if n == 0
            else "ook die komt pas in aanmerking als hij de norm haalt"
        )
        out.append(
            f"{_variant(x['option']).capitalize()} is {amount(x['saving'])} goedkoper (ook met "
            f"de niet-geleverde zorg meegeteld), maar {norm}; {then}."
        )
    if s.corridor is not None:
        k = s.corridor
        lead = f"Verrekening bij {_variant(s.corridor_for)}" + (
            " (zoals besloten)" if s.corridor_for == s.decided else ""
        )
        extra = ""
        if k.fallback:
            extra = " (geen optie haalt de norm voor aanbieders; dit is de veiligste)"
        out.append(f"{lead}: {_option_text(k.table, k.choice)}{extra}.")
        if s.corridor_flip is not None:
            g = s.corridor_flip["growth"]
            direction = "sneller" if g > 0 else "langzamer"
            out.append(
                f"Groeit het volume jaarlijks {percent(abs(g), 1)} {direction} dan geraamd "
                f"(over {s.horizon} jaar tot {view.advice().year}), dan is "
                f"{_option_text(k.table, s.corridor_flip['choice'])} goedkoper."
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
            f"Reserve: dit segment draagt {amount(m['contribution'])} bij aan het risico in het "
            f"zwaarste jaar; vul de reserve aan met {amount(m['amount'])}."
        )
    elif m.get("measure") == "pool":
        out.append(
            f"Reserve: regionaal verevenen verlaagt de P90 van {view.name} met "
            f"{amount(m['pool_gain'])}, meer dan het deel van het tekort "
            f"({amount(m['amount'])}): verevenen in plaats van reserveren."
        )
    return out


def advice_text(view) -> Markdown:
    """The advice in words: the reserve message first, then per segment, then the rule."""
    adv = view.advice()
    cap = adv.capacity
    lines = []
    if cap["shortfall"] > 0:
        lines.append(
            f"In het zwaarste contractjaar ({cap['worst_year']}) is {amount(cap['required_worst'])} "
            f"nodig tegen {amount(cap['available'])} beschikbaar (waardering "
            f"{cap['rating_worst']}). Om ratio {str(adv.rule.min_capacity_ratio).replace('.', ',')} "
            f"te halen is {amount(cap['shortfall'])} extra nodig, of minder risico; de "
            "maatregelen per segment staan hieronder."
        )
    else:
        lines.append(
            f"Ook in het zwaarste contractjaar ({cap['worst_year']}) dekt de beschikbare "
            f"capaciteit ({amount(cap['available'])}) het risico (waardering "
            f"{cap['rating_worst']}); een extra reservemaatregel is niet nodig."
        )
    changed = [s for s in adv.segments if s.variant.choice != s.decided]
    if changed:
        names = _names(view)
        lines.append(
            "Het advies wijkt af van het besluit voor "
            + ", ".join(
                f"{names.get(s.segment, s.segment)} ({_variant(s.decided)} → "
                f"{_variant(s.variant.choice)})"
                for s in changed
            )
            + "."
        )
    else:
        lines.append("Het advies bevestigt de besloten bekostiging in alle segmenten.")
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
            + ", ".join(
                f"{names.get(r.segment, r.segment)} ({variant_word(r.decided)} → "
                f"{variant_word(r.advised)})"
                for r in changed.itertuples()
            )
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
            norm = NORM_TEXT[x["norm"]].format(
                value=percent(x["value"], 1), limit=percent(x["limit"], 0)
            )
            parts.append(
                f"{variant_word(x['option']).capitalize()} is {amount(x['saving'])} goedkoper, "
                f"maar {norm}."
            )
        lines.append("- " + " ".join(parts))
        del t
    lines.append("")
    lines.append(rule_text(adv.rule))
    return markdown(lines)
