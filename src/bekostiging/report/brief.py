"""The advice in two pages, at the front of both reports ("Advies in het kort").

A college member reads these two pages and nothing else. They hold, for the municipality (or
the region):

1. per segment the decided and the advised funding variant, the start budget of the first full
   contract year, its main risk and when the advice flips, in one table
   (:func:`segments_table`); the start-budget column adds up to the total the summary quotes;
2. the reserve message for the first and the heaviest contract year, net and gross, with the
   available capacity marked as data, own figure or assumption (:func:`reserve_table`);
3. the three perverse incentives that weigh most for *this* municipality (the size of the
   incentive times the municipality's own start budget in the segment), each with its KPI and
   a signal value at which contract management acts (:func:`incentives_table`);
4. the computed advice and its conditions in a few bullets (:func:`advice_points`).

Texts that would be the same in every municipality's report (the advice rule, the reading
guide) are in the regional overview and in the appendix, not here. Nothing here computes a
model result: every number comes from the analysis (:mod:`bekostiging.analysis.advice`,
:meth:`MunicipalityView.capacity`, the incentive scorecard), so the same number in the brief
and in the chapters is the same number (tested in ``tests/test_one_definition.py``).

The signal value of an incentive is the KPI's change from the zero measurement (the first
contract year) at which contract management should ask the provider for an explanation: a
share ``advice.signal_share`` of the modelled size of the incentive, but at least
``advice.signal_min``, so that normal year-to-year noise gives no signal. Both are named
assumptions (estimates).

>>> signal_value(-0.047, 0.5, 0.01)
0.0235
>>> signal_value(0.004, 0.5, 0.01)
0.01
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.model import risk as risk_model
from bekostiging.model.incentives import NOISE
from bekostiging.report.advice import switches_text
from bekostiging.report.formatting import euro, number, percent, text
from bekostiging.report.labels import VARIANT_SHORT
from bekostiging.report.tables import ReportTable, amount, analysis_of, markdown, table

BASIS_KIND = {
    risk_model.OWN_FIGURE: "eigen opgave van de gemeente",
    risk_model.FROM_BALANCE: "deels aanname: gegevens (Iv3-balans) maal een aangenomen aandeel",
    risk_model.PER_INHABITANT: "aanname (bedrag per inwoner; geen Iv3-balans bekend)",
}

# How each incentive's KPI moves when the incentive plays, for the signal value (Dutch).
SIGNAL_TEXT = {
    "volume": ("zorgvolume per cliënt", "boven", "onder"),
    "duration": ("groei van de gemiddelde trajectduur per jaar", "boven", "onder"),
    "upcoding": ("aandeel cliënten in een zwaarder profiel", "stijgt met meer dan", "daalt"),
    "selection": ("aandeel geweigerde cliënten met zware zorgvraag", "boven", "onder"),
    "over_under": ("zorg per behandelde cliënt", "onder", "boven"),
    "waiting": ("aandeel cliënten dat wacht", "boven", "onder"),
    "shifting": ("uitstroom naar Wlz, Zvw en voorliggend veld", "boven", "onder"),
    "continuity": ("aanbieders (naar omzet) met een verlies boven de drempel", "boven", "onder"),
}
CHANGE_KPIS = {"volume", "over_under", "duration"}  # a change from the zero measurement


def signal_value(size: float, share: float, minimum: float) -> float:
    """The KPI change that is a signal: ``share`` of the modelled size, at least ``minimum``."""
    return round(max(abs(float(size)) * share, minimum), 6)


def _names(analysis) -> dict[str, str]:
    return {s.id: s.short or s.name for s in analysis.region.segments}


def _variant(key: str) -> str:
    return VARIANT_SHORT.get(key, key)


# --- 1. per segment -----------------------------------------------------------------------


def main_risk(row: pd.Series, rule, budget: float) -> str:
    """The main risk of a segment under the decided variant, in a few words.

    The norm the decided variant breaks furthest (as a multiple of the norm); if it breaks
    none, how far the P90 at equal care lies above the start budget.

    >>> class R: max_unmet_share, max_provider_loss_chance = 0.02, 0.25
    >>> main_risk(pd.Series({"unmet_share": 0.06, "provider_loss_chance": 0.33,
    ...                      "cost_p90": 3.6e6}), R, 3.0e6)
    '6,0% van de nodige zorg blijft liggen (norm 2%)'
    >>> main_risk(pd.Series({"unmet_share": 0.0, "provider_loss_chance": 0.0,
    ...                      "cost_p90": 3.6e6}), R, 3.0e6)
    'P90 € 600.000 boven het startbudget'
    """
    unmet = float(row["unmet_share"]) / rule.max_unmet_share if rule.max_unmet_share else 0.0
    loss = (
        float(row["provider_loss_chance"]) / rule.max_provider_loss_chance
        if rule.max_provider_loss_chance
        else 0.0
    )
    if max(unmet, loss) > 1.0:
        if unmet >= loss:
            return (
                f"{percent(float(row['unmet_share']), 1)} van de nodige zorg blijft liggen "
                f"(norm {percent(rule.max_unmet_share, 0)})"
            )
        return (
            f"{percent(float(row['provider_loss_chance']), 0)} kans op verlies aanbieders "
            f"(norm {percent(rule.max_provider_loss_chance, 0)})"
        )
    over = float(row["cost_p90"]) - budget
    if over <= 0:
        return "past binnen het startbudget, ook bij P90"
    return f"P90 {amount(over)} boven het startbudget"


def flip_condition(s, names: dict[str, str]) -> str:
    """When the advice of one segment changes, in a few words."""
    c = s.variant
    if c.fallback:
        return "geen variant haalt beide normen; gekozen is de minste niet-geleverde zorg"
    if c.choice != s.decided:
        x = next((e for e in c.excluded if e["option"] == s.decided), None)
        if x is not None:
            return (
                f"{_variant(s.decided)}, als die de norm{'en' if len(x['breaks']) > 1 else ''} "
                "haalt"
            )
    if c.runner_up is not None and np.isfinite(c.margin):
        return f"{_variant(c.runner_up)}, als P90 {amount(c.margin)} hoger uitvalt"
    return f"blijft {_variant(c.choice)}"


def segments_frame(view) -> pd.DataFrame:
    """One row per procured segment plus a total row: variant, advice, budget, risk, flip."""
    a = view.analysis
    adv = view.advice()
    names = _names(a)
    sb = view.start_budget()
    first = sb[sb["year"] == adv.year].groupby("segment")["budget"].sum()
    rows = []
    for s in adv.segments:
        t = s.variant.table
        budget = float(first.get(s.segment, 0.0))
        decided = t.loc[s.decided] if s.decided in t.index else t.loc[s.variant.choice]
        rows.append(
            {
                "Segment": names.get(s.segment, s.segment),
                "Nu besloten": _variant(s.decided),
                "Advies": _variant(s.variant.choice),
                f"Startbudget {adv.year} (€)": budget,
                "Grootste risico nu": main_risk(decided, adv.rule, budget),
                "Omslag naar": flip_condition(s, names),
            }
        )
    rest = float(first.drop([s.segment for s in adv.segments], errors="ignore").sum())
    if abs(rest) >= 0.5:  # segments without an advice (not procured per variant)
        rows.append(
            {
                "Segment": "Overige ingekochte segmenten",
                "Nu besloten": "",
                "Advies": "",
                f"Startbudget {adv.year} (€)": rest,
                "Grootste risico nu": "",
                "Omslag naar": "",
            }
        )
    rows.append(
        {
            "Segment": "Totaal ingekochte segmenten",
            "Nu besloten": "",
            "Advies": "",
            f"Startbudget {adv.year} (€)": float(first.sum()),
            "Grootste risico nu": "",
            "Omslag naar": "",
        }
    )
    return pd.DataFrame(rows)


def segments_table(view) -> ReportTable:
    """The brief's table per segment (see :func:`segments_frame`)."""
    adv = view.advice()
    out = segments_frame(view)
    return table(
        out,
        {f"Startbudget {adv.year} (€)": euro},
        caption=f"{view.name}, {adv.year}: bekostiging per segment, nu besloten en berekend "
        "advies; startbudget van de regionaal ingekochte segmenten; het grootste risico bij "
        "de besloten variant; wanneer het advies omslaat. Schatting.",
    )


# --- 2. the reserve ---------------------------------------------------------------------------


def basis_kind(basis: str) -> str:
    """Whether the available capacity is data, the municipality's own figure or an assumption.

    >>> basis_kind("reserves.available_per_inhabitant x inwoners")
    'aanname (bedrag per inwoner; geen Iv3-balans bekend)'
    """
    return BASIS_KIND.get(basis, "aanname")


def _rating(ratio: float, rating: str) -> str:
    return f"{number(ratio, 2)} ({rating})" if math.isfinite(ratio) else f"– ({rating})"


def reserve_frame(view) -> pd.DataFrame:
    """Required capacity and rating in the first and the heaviest contract year.

    Rows: the decided funding net and gross, and the advised funding net (the advice shifts
    risk from providers to the municipality, so its net need is what the reserve must carry).
    """
    c = view.capacity()
    adv = view.advice().capacity
    first = int(c["year"])
    v = adv["advised"]
    avail = float(c["available"])

    def ratio(required: float) -> float:
        return avail / required if required > 0 else math.inf

    rows = [
        ("Besloten, netto", c["required"], c["ratio"], c["rating"],
         c["worst_year"], c["required_worst"], c["ratio_worst"], c["rating_worst"]),
        ("Besloten, bruto", c["required_gross"], c["ratio_gross"],
         c["rating_gross"], c["worst_year_gross"], c["required_worst_gross"],
         c["ratio_worst_gross"], c["rating_worst_gross"]),
        ("Advies, netto", v["required"], ratio(float(v["required"])),
         v["rating"], v["worst_year"], v["required_worst"], ratio(float(v["required_worst"])),
         v["rating_worst"]),
    ]  # fmt: skip
    return pd.DataFrame(
        [
            {
                "Bekostiging": label,
                f"Benodigd {first} (€)": float(req),
                f"Ratio {first}": _rating(float(r), str(rt)),
                "Zwaarste jaar": str(int(wy)),
                "Benodigd zwaarste jaar (€)": float(req_w),
                "Ratio zwaarste jaar": _rating(float(r_w), str(rt_w)),
            }
            for label, req, r, rt, wy, req_w, r_w, rt_w in rows
        ]
    )


def reserve_table(view) -> ReportTable:
    """The brief's reserve table, the available capacity and its basis in the caption."""
    c = view.capacity()
    out = reserve_frame(view)
    first = int(c["year"])
    return table(
        out,
        {f"Benodigd {first} (€)": euro, "Benodigd zwaarste jaar (€)": euro},
        caption=f"Weerstandsvermogen {view.name}: beschikbaar {euro(c['available'])}, "
        f"{basis_kind(str(c['available_basis']))}. Benodigd: het tekort dat met 90% "
        "zekerheid niet wordt overschreden; netto na wat aanbieders en verrekening dragen, "
        "bruto alle kosten van de zorg. Ratio = beschikbaar / benodigd, met de waardering "
        "A-F. Schatting.",
    )


def reserve_points(view) -> list[str]:
    """The reserve message in two sentences: the first and the heaviest year, and the measure."""
    c = view.capacity()
    cap = view.advice().capacity
    from bekostiging.report.summary import available_basis_text

    kind = available_basis_text(view.analysis, c)
    first = int(c["year"])
    out = [
        f"**Weerstandsvermogen.** Beschikbaar is {amount(c['available'])} ({kind}). Bij de "
        f"besloten bekostiging is netto {amount(c['required'])} nodig in {first} (waardering "
        f"{c['rating']}) en {amount(c['required_worst'])} in het zwaarste jaar "
        f"{int(c['worst_year'])} (waardering {c['rating_worst']}); bruto "
        f"{amount(c['required_worst_gross'])} (waardering {c['rating_worst_gross']})."
    ]
    v = cap["advised"]
    if str(v["rating_worst"]) != str(c["rating_worst"]) or cap["shortfall"] > 0:
        out.append(
            f"Met de geadviseerde bekostiging draagt de gemeente meer risico zelf: "
            f"{amount(v['required_worst'])} in {int(v['worst_year'])} (waardering "
            f"{v['rating_worst']})."
            + (
                f" Nodig: {amount(cap['shortfall'])} extra capaciteit, of minder risico "
                "(regionaal verevenen, of een ruimer vangnet)."
                if cap["shortfall"] > 0
                else " Dat past in de beschikbare capaciteit."
            )
        )
    return out


# --- 3. incentives ----------------------------------------------------------------------------


def own_incentives(view, n: int = 3) -> pd.DataFrame:
    """The ``n`` incentives that weigh most for this municipality under the decided variants.

    Weight = |size| x the municipality's own start budget in the segment (first full contract
    year), so the ranking follows where this municipality's money is. Administrative burden is
    left out (it is a cost, not a behaviour). Returns the scorecard rows with the weight (€)
    and the largest size of the same incentive in any segment.
    """
    from bekostiging.report.incentives import scorecard

    a = view.analysis
    card = scorecard(a)
    sb = view.start_budget()
    own = sb[sb["year"] == a.first_full_year].groupby("segment")["budget"].sum()
    c = card[(card["incentive_key"] != "admin") & (card["size"].abs() >= NOISE)].copy()
    c["weight"] = c["size"].abs() * c["segment"].map(own).fillna(0.0)
    largest = c.loc[c.groupby("incentive_key")["size"].apply(lambda s: s.abs().idxmax())]
    c = c.sort_values("weight", ascending=False, kind="stable").drop_duplicates("incentive_key")
    c = c[c["weight"] > 0].head(n).reset_index(drop=True)
    top = largest.set_index("incentive_key")
    c["largest_segment"] = c["incentive_key"].map(top["segment"])
    c["largest_size"] = c["incentive_key"].map(top["size"]).astype(float)
    return c


def signal_text(key: str, size: float, share: float, minimum: float) -> str:
    """The signal value of one incentive's KPI in words.

    The modelled size is named beside it, so a signal value below it reads as the early
    warning it is, not as a level already passed.

    >>> signal_text("volume", -0.047, 0.5, 0.01)
    'zorgvolume per cliënt meer dan 2,4% onder de nulmeting (model: 4,7%)'
    >>> signal_text("continuity", 0.28, 0.5, 0.01)
    'aanbieders (naar omzet) met een verlies boven de drempel: vanaf 14,0% (model: 28,0%)'
    """
    what, up, down = SIGNAL_TEXT.get(key, ("KPI", "boven", "onder"))
    x = percent(signal_value(size, share, minimum), 1)
    model = f" (model: {percent(abs(float(size)), 1)})"
    direction = up if size >= 0 else down
    if key in CHANGE_KPIS:
        return f"{what} meer dan {x} {direction} de nulmeting{model}"
    if key == "upcoding":
        return f"{what} {direction} {x}-punt{model}"
    return f"{what}: vanaf {x}{model}"


def incentives_frame(view) -> pd.DataFrame:
    """The brief's incentives: segment, size, weight in euro, KPI and signal value."""
    a = view.analysis
    names = _names(a)
    share = float(a.params.value("advice.signal_share"))
    minimum = float(a.params.value("advice.signal_min"))
    from bekostiging.report.incentives import size_short

    rows = []
    for r in own_incentives(view).itertuples():
        where = f"{names.get(r.segment, r.segment)} ({_variant(r.variant)})"
        size = f"{r.direction} ({size_short(r.incentive_key, r.size)})"
        if r.largest_segment != r.segment:
            size += (
                f"; sterkst bij {names.get(r.largest_segment, r.largest_segment)} "
                f"({size_short(r.incentive_key, r.largest_size)})"
            )
        rows.append(
            {
                "Perverse prikkel": r.incentive,
                "Waar (variant)": where,
                "Omvang": size,
                "Gewicht (€)": float(r.weight),
                "KPI": str(r.kpi).split(";")[0],
                "Signaalwaarde": signal_text(r.incentive_key, r.size, share, minimum),
            }
        )
    return pd.DataFrame(rows)


def incentives_table(view) -> ReportTable:
    """The three incentives that weigh most for this municipality, with KPI and signal value."""
    out = incentives_frame(view)
    return table(
        out,
        {"Gewicht (€)": euro, "Omvang": text},
        caption=f"De drie perverse prikkels die voor {view.name} het zwaarst wegen bij de "
        "besloten bekostiging. Gewicht: de omvang volgens het gedragsmodel maal het eigen "
        "startbudget in het segment; een maat voor de rangorde, geen bedrag dat op het spel "
        "staat. Signaalwaarde: waar contractmanagement de aanbieder om uitleg vraagt, de helft "
        "van wat het model verwacht (aanname). Geeft de regio het advies p*q, dan gelden de "
        "prikkels van p*q (bijlage D). Schatting.",
    )


# --- 4. the advice ----------------------------------------------------------------------------


def advice_points(view) -> Markdown:
    """The computed advice and its conditions, in at most five bullets."""
    from bekostiging.analysis.advice import norm_cost

    a = view.analysis
    adv = view.advice()
    names = _names(a)
    changed = [s for s in adv.segments if s.variant.choice != s.decided]
    lines = ["**Het berekende advies**", ""]
    if changed:
        lines.append(
            "- **Bekostiging.** Het advies wijkt af van het besluit voor "
            + switches_text([(s.segment, s.decided, s.variant.choice) for s in changed], names)
            + f": de besloten variant breekt daar een norm voor zorg of continuïteit "
            f"(bijlage C). Die normen kosten {view.name} {amount(norm_cost(adv))} in "
            f"{adv.year} tegenover de goedkoopste variant per segment."
        )
    else:
        lines.append("- **Bekostiging.** Het advies bevestigt de besloten bekostiging.")
    lines.append("- " + " ".join(reserve_points(view)))
    tc = view.transition()[1]
    once = float(tc.get("decided_cost", 0.0))
    if once > 0.5:
        lines.append(
            f"- **Overgangsregeling.** Begroot de zekere kosten van de overgangsregeling: "
            f"{amount(once)}."
        )
    lines.append(
        "- **Voorwaarden.** Het advies volgt uit twee normen die de regio nog moet vaststellen; "
        f"nu zijn ze aangenomen (ten hoogste {percent(adv.rule.max_unmet_share, 0)} "
        "niet-geleverde zorg, ten hoogste "
        f"{percent(adv.rule.max_provider_loss_chance, 0)} kans op verlies bij aanbieders; "
        "schatting). Andere normen geven een ander advies; de regel staat in het regionale "
        "overzicht. Alle bedragen zijn schattingen op openbare "
        "cijfers (CBS, Iv3) en benoemde aannames (bijlage)."
    )
    return markdown(lines)


def intro(view) -> Markdown:
    """One paragraph: what the college decides and the start budget it rests on."""
    a = view.analysis
    sb = view.start_budget()
    first = a.first_full_year
    now = sb[sb["year"] == first]
    domain = {s.id: s.domain for s in a.region.segments}
    by = now.groupby(now["segment"].map(domain))["budget"].sum()
    parts = [f"{amount(by[d])} {w}" for d, w in (("jeugd", "jeugdhulp"), ("wmo", "Wmo")) if d in by]
    total = float(now["budget"].sum())
    per = total / float(a.population_now[view.code])
    return markdown(
        [
            f"Het college van {view.name} besluit over de bekostiging van de jeugdhulp en "
            f"Wmo-ondersteuning die regio {a.region.name} samen inkoopt. Het startbudget voor "
            f"{first}, het eerste volledige contractjaar, is {amount(total)} ({euro(per)} per "
            f"inwoner; {' en '.join(parts)}): de verwachte kosten van de regionaal ingekochte "
            "zorg zoals die nu geleverd wordt. Deze twee pagina's geven het advies; de "
            "hoofdstukken daarna de onderbouwing, de bijlage de details."
        ]
    )


# --- the region ------------------------------------------------------------------------------


def region_segments_frame(analysis) -> pd.DataFrame:
    """Per segment for the region: decided and advised variant, start budget, agreement."""
    a = analysis_of(analysis)
    adv = a.advice
    f = adv.frame().set_index("segment")
    names = _names(a)
    t = a.start_budget.table
    first = t[t["year"] == adv.year].groupby("segment")["budget"].sum()
    rows = []
    for seg, c in adv.segments.items():
        r = f.loc[seg]
        rows.append(
            {
                "Segment": names.get(seg, seg),
                "Nu besloten": _variant(str(r["decided"])),
                "Advies regio": _variant(str(c.choice)),
                f"Startbudget {adv.year} (€)": float(first.get(seg, 0.0)),
                "Gemeenten met hetzelfde advies": f"{r['agree']} van {r['municipalities']}",
            }
        )
    rows.append(
        {
            "Segment": "Totaal ingekochte segmenten",
            "Nu besloten": "",
            "Advies regio": "",
            f"Startbudget {adv.year} (€)": float(first.sum()),
            "Gemeenten met hetzelfde advies": "",
        }
    )
    return pd.DataFrame(rows)


def region_segments_table(analysis) -> ReportTable:
    """The regional brief's table per segment."""
    a = analysis_of(analysis)
    year = a.advice.year
    return table(
        region_segments_frame(a),
        {f"Startbudget {year} (€)": euro},
        caption=f"Regio {a.region.name}, {year}: bekostiging per segment, nu besloten en het "
        "berekende advies op de totalen van de regio, met het startbudget (som van de "
        "gemeenten; alleen de regionaal ingekochte segmenten) en hoeveel gemeenten op eigen "
        "cijfers tot hetzelfde advies komen. Schatting.",
    )


def region_reserve_frame(analysis) -> pd.DataFrame:
    """Per municipality: available capacity and its basis, need and rating (first, heaviest)."""
    a = analysis_of(analysis)
    cap = a.capacity.set_index("gemeentecode")
    rows = []
    for code, c in cap.iterrows():
        rows.append(
            {
                "Gemeente": a.region.name_of(code),
                "Beschikbaar (€)": float(c["available"]),
                "Basis": {
                    risk_model.OWN_FIGURE: "eigen opgave",
                    risk_model.FROM_BALANCE: "deels aanname",
                }.get(str(c["available_basis"]), "aanname"),
                f"Netto {int(c['year'])}": _rating(float(c["ratio"]), str(c["rating"])),
                "Netto zwaarste jaar": _rating(float(c["ratio_worst"]), str(c["rating_worst"])),
                "Bruto zwaarste jaar": _rating(
                    float(c["ratio_worst_gross"]), str(c["rating_worst_gross"])
                ),
            }
        )
    return pd.DataFrame(rows)


def region_reserve_table(analysis) -> ReportTable:
    """The regional brief's reserve table: one row per municipality."""
    a = analysis_of(analysis)
    return table(
        region_reserve_frame(a),
        {"Beschikbaar (€)": euro},
        caption="Weerstandsvermogen per gemeente bij de besloten bekostiging: ratio "
        "beschikbaar / benodigd met de waardering (A-F) in het eerste en het zwaarste "
        "contractjaar, netto (na wat aanbieders en de verrekening dragen) en bruto (alle "
        "kosten van de zorg). Basis: eigen opgave, of deels aanname (een aangenomen aandeel "
        "van het eigen vermogen uit de Iv3-balans), of aanname. Schatting.",
    )


def region_incentives_frame(analysis) -> pd.DataFrame:
    """The region's three strongest incentives (weighted by the regional start budget)."""
    from bekostiging.report.incentives import size_short, strongest_incentives

    a = analysis_of(analysis)
    names = _names(a)
    share = float(a.params.value("advice.signal_share"))
    minimum = float(a.params.value("advice.signal_min"))
    rows = [
        {
            "Perverse prikkel": r.incentive,
            "Waar (variant)": f"{names.get(r.segment, r.segment)} ({_variant(r.variant)})",
            "Omvang": f"{r.direction} ({size_short(r.incentive_key, r.size)})",
            "KPI": r.kpi,
            "Signaalwaarde": signal_text(r.incentive_key, r.size, share, minimum),
        }
        for r in strongest_incentives(a, 3).itertuples()
    ]
    return pd.DataFrame(rows)


def region_incentives_table(analysis) -> ReportTable:
    """The region's three strongest incentives with KPI and signal value."""
    a = analysis_of(analysis)
    return table(
        region_incentives_frame(a),
        {"Omvang": text},
        caption=f"De drie perverse prikkels die in regio {a.region.name} het zwaarst wegen bij "
        "de besloten bekostiging (omvang volgens het gedragsmodel maal het aandeel van het "
        "segment in het regionale startbudget), met de KPI en de signaalwaarde: de verandering "
        "ten opzichte van de nulmeting waarbij contractmanagement om uitleg vraagt (de helft "
        "van de gemodelleerde omvang, ten minste 1%; aanname). Schatting.",
    )


def region_advice_points(analysis) -> Markdown:
    """The region's computed advice and conditions in a few bullets."""
    from bekostiging.report.advice import pooling_advice_sentence, rule_text

    a = analysis_of(analysis)
    adv = a.advice
    f = adv.frame()
    names = _names(a)
    changed = f[f["advised"] != f["decided"]]
    lines = ["**Het berekende advies voor de regio**", ""]
    if changed.empty:
        lines.append("- **Bekostiging.** Het advies bevestigt de besloten bekostiging.")
    else:
        lines.append(
            "- **Bekostiging.** Het advies wijkt af van het besluit voor "
            + switches_text(changed[["segment", "decided", "advised"]].to_numpy(), names)
            + "."
        )
    cap = a.capacity
    weak = cap[cap["rating_worst"].isin(["D", "E", "F"])]
    weak_gross = cap[cap["rating_worst_gross"].isin(["D", "E", "F"])]
    lines.append(
        f"- **Weerstandsvermogen.** {len(weak)} van de {len(cap)} gemeenten "
        f"{'komt' if len(weak) == 1 else 'komen'} in het zwaarste contractjaar onder ratio 1 "
        "(waardering D of lager) bij de besloten bekostiging"
        + (": " + ", ".join(a.region.name_of(c) for c in weak["gemeentecode"]) if len(weak) else "")
        + f"; bruto, als aanbieders hun verliezen niet kunnen dragen, {len(weak_gross)}"
        + (
            ": " + ", ".join(a.region.name_of(c) for c in weak_gross["gemeentecode"])
            if len(weak_gross)
            else ""
        )
        + ". Met de geadviseerde bekostiging dragen de gemeenten meer risico zelf; de "
        "gemeenterapporten geven per gemeente wat dan nodig is."
    )
    for p in adv.pooling:
        lines.append("- " + pooling_advice_sentence(a, p))
    lines.append("- **De regel.** " + rule_text(adv.rule))
    return markdown(lines)
