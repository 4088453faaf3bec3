"""What the switch of funding did, in the data: the difference-in-differences in Dutch.

Part of chapter 4 (the funding variants): the region's spending growth after its switch (for
the Achterhoek from p*q to lumpsum on 1 July 2022) against all other Dutch municipalities, with
its interval, whether the pre-switch trends ran parallel, and whether the behaviour model's
effect of the switch lies inside the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import number, percent
from bekostiging.report.labels import MONTHS_NL, SCOPE_LABELS, VARIANT_SHORT
from bekostiging.report.tables import ReportTable, analysis_of, markdown, table

PARALLEL_P = 0.10  # pre-switch coefficients jointly different from 0 at this level: not parallel
SCOPE_WORDS = {"youth": "jeugd", "wmo": "Wmo"}


def _date(d) -> str:
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}"


def _signed(x: float) -> str:
    return percent(x, 1, signed=True)


def p_text(p: float) -> str:
    """A p-value for the reader: ``p = 0,37`` or ``p < 0,01``.

    >>> p_text(0.3651), p_text(0.0004)
    ('p = 0,37', 'p < 0,01')
    """
    return "p < 0,01" if p < 0.01 else f"p = {number(p, 2)}"


def scope_sentence(scope: str, item: dict, to_variant: str) -> str:
    """One scope: the estimate, its interval, the pre-trend check and the model's effect."""
    r = item["did"]
    low, high = r.interval()
    word = SCOPE_WORDS.get(scope, scope)
    parallel = not (r.pretrend_p < PARALLEL_P)
    direction = "lager" if r.effect < 0 else "hoger"
    head = (
        f"**{word.capitalize()}**: na de overstap lagen de uitgaven {percent(abs(r.effect), 1)} "
        f"{direction} dan de groei van de {number(r.n_control)} andere gemeenten liet "
        f"verwachten (effect {_signed(r.effect)}, 90%-interval {_signed(low)} tot "
        f"{_signed(high)}, bepaald met de {r.n_placebos} andere jeugdzorgregio's als placebo)."
    )
    if not parallel:
        return (
            head + " Vóór de overstap liepen de uitgaven al niet gelijk op met die van de andere "
            f"gemeenten (toets op gelijke trends: {p_text(r.pretrend_p)}), dus dit verschil is "
            "geen bewijs voor of tegen het effect van de overstap."
        )
    zero = " Het interval omvat 0: een effect is niet aangetoond." if low <= 0 <= high else ""
    trend = (
        " Vóór de overstap is geen duidelijk afwijkende trend te zien "
        f"({p_text(r.pretrend_p)}); dat bewijst geen gelijke trends, maar maakt de vergelijking "
        "bruikbaar."
    )
    effect = item["model_effect"]
    if not np.isfinite(effect):
        return head + zero + trend
    model = (
        f" Het gedragsmodel van dit rapport rekent voor de ingekochte segmenten met "
        f"{_signed(effect)} bij {VARIANT_SHORT.get(to_variant, to_variant)} tegenover de oude "
        f"bekostiging; omgerekend naar alle uitgaven van {word} (de ingekochte segmenten zijn "
        f"{percent(item['procured_share'], 0)} daarvan) is dat {_signed(item['model_scope_effect'])}."
    )
    scoped = item["model_scope_effect"]
    if r.covers(scoped):
        model += (
            " Dat valt binnen het interval, maar het interval is te breed om het model te "
            "bevestigen of te verwerpen."
        )
    else:
        side = "groter" if abs(scoped) > abs(r.effect) else "kleiner"
        model += (
            f" Dat valt buiten het interval: het model rekent met een {side} effect dan de "
            "jaarrekeningen laten zien."
        )
    return head + zero + trend + model


def switch_evidence_text(obj) -> Markdown:
    """The difference-in-differences in sentences, or why there is none."""
    a = analysis_of(obj)
    sw, ev = a.switch, a.switch_evidence
    if sw is None:
        return markdown(["De regio is niet van bekostiging gewisseld; er is niets te meten."])
    if not ev:
        return markdown(
            [
                f"De overstap op {_date(sw.date)} ligt na het peiljaar "
                f"{a.settings.reference_year}: er zijn nog geen uitgaven erna om te vergelijken."
            ]
        )
    first = next(iter(ev.values()))["did"]
    lines = [
        f"Regio {a.region.name} ging op {_date(sw.date)} van "
        f"{VARIANT_SHORT.get(sw.from_variant, sw.from_variant)} naar {VARIANT_SHORT.get(sw.to_variant, sw.to_variant)}. "
        "Wat deed dat met de uitgaven? De vergelijking: groeiden de uitgaven van de "
        f"{first.n_treated} gemeenten na de overstap sneller of trager dan die van alle andere "
        f"Nederlandse gemeenten, vergeleken met de jaren ervoor (Iv3-jaarrekeningen "
        f"{first.years[0]}-{first.years[1]}, verschil-in-verschillen; het jaar van de overstap "
        "telt naar rato).",
        "",
    ]
    for scope, item in ev.items():
        lines += [scope_sentence(scope, item, sw.to_variant), ""]
    lines.append(
        "Let op: hoe de andere gemeenten zelf bekostigen staat niet in de gegevens, en veel "
        "gemeenten zijn in dezelfde jaren ook overgestapt. Het verschil meet de overstap van deze "
        "regio tegenover wat de andere gemeenten deden, niet tegenover p\\*q overal. In 2022 "
        "veranderde ook het woonplaatsbeginsel van de Jeugdwet, dat jeugdhulpkosten tussen "
        "gemeenten verschoof; ook dat zit in het verschil."
    )
    return markdown(lines)


def switch_event_frame(obj) -> pd.DataFrame:
    """Per year and scope: the region's difference from the other municipalities (event study)."""
    a = analysis_of(obj)
    rows = []
    for scope, item in a.switch_evidence.items():
        e = item["did"].event
        base = sorted(set(range(item["did"].years[0], item["did"].years[1] + 1)) - set(e["year"]))
        for r in e.itertuples(index=False):
            rows.append((scope, int(r.year), r.coefficient, r.low, r.high))
        rows += [(scope, int(b), 0.0, np.nan, np.nan) for b in base]
    frame = pd.DataFrame(rows, columns=["scope", "year", "coefficient", "low", "high"])
    return frame.sort_values(["scope", "year"]).reset_index(drop=True)


def switch_evidence_table(obj) -> ReportTable | Markdown:
    """The event study: the region's spending against the others, per year, relative to the
    last year before the switch."""
    a = analysis_of(obj)
    frame = switch_event_frame(a)
    if frame.empty:
        return switch_evidence_text(a)
    out = pd.DataFrame({"Jaar": sorted(frame["year"].unique())})
    formats = {}
    for scope, part in frame.groupby("scope", sort=False):
        part = part.set_index("year")
        label = SCOPE_LABELS.get(scope, scope)
        col, band = f"{label}: verschil", f"{label}: 90%-interval"
        out[col] = [float(np.expm1(part.loc[y, "coefficient"])) for y in out["Jaar"]]
        out[band] = [
            "basisjaar"
            if np.isnan(part.loc[y, "low"])
            else f"{_signed(np.expm1(part.loc[y, 'low']))} tot {_signed(np.expm1(part.loc[y, 'high']))}"
            for y in out["Jaar"]
        ]
        formats[col] = lambda x: _signed(x)
    out["Jaar"] = out["Jaar"].astype(str)
    sw = a.switch
    return table(
        out,
        formats,
        caption=f"Uitgaven van regio {a.region.name} tegenover alle andere gemeenten per jaar, "
        f"vergeleken met het laatste jaar vóór de overstap van {_date(sw.date)} (basisjaar). Vóór "
        "de overstap hoort het verschil rond 0 te liggen (gelijke trends); erna toont het wat de "
        "overstap deed. Interval: 90%, op gemeenten geclusterd (met acht gemeenten aan de krappe "
        "kant; de tekst erboven gebruikt daarom het placebo-interval).",
    )
