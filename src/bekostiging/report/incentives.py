"""Chapters 5 and 11 of the municipality report: perverse incentives and their monitoring.

The incentive scorecard (overview and per segment), the tornado chart and text of the
sensitivity analysis, the six goals of the procurement and the KPI per incentive.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.model.incentives import NOISE
from bekostiging.report.formatting import percent, text
from bekostiging.report.labels import (
    TORNADO_OUTCOMES,
    VARIANT_SHORT,
)
from bekostiging.report.tables import (
    ReportTable,
    analysis_of,
    markdown,
    param_text,
    segment_names,
    table,
)
from bekostiging.report.text.incentives import SIGNED_INCENTIVES, dutch_scorecard
from bekostiging.report.text.sensitivity import dutch_tornado_table, tornado_plot


def scorecard(obj) -> pd.DataFrame:
    """The incentive scorecard of the region (one row per segment x incentive)."""
    return dutch_scorecard(analysis_of(obj).scorecard)


def size_short(key: str, size: float) -> str:
    """The size of an incentive as a percentage, signed where both directions are perverse.

    >>> size_short("volume", 0.05), size_short("waiting", 0.05)
    ('+5,0%', '5,0%')
    """
    return percent(size, 1, signed=key in SIGNED_INCENTIVES)


def strongest_incentives(obj, n: int = 3) -> pd.DataFrame:
    """The ``n`` strongest perverse incentives under the decided variants.

    Each incentive (administrative burden left out) is ranked by its largest size over the
    segments, weighted by the segment's share of the regional start budget in the first full
    contract year, so an incentive in a large segment counts more than the same size in a small
    one. Returns the scorecard rows of the segment where each incentive weighs most.
    """
    a = analysis_of(obj)
    card = scorecard(a)
    t = a.start_budget.table
    budget = t[t["year"] == a.first_full_year].groupby("segment")["budget"].sum()
    weight = (budget / budget.sum()).to_dict()
    c = card[(card["incentive_key"] != "admin") & (card["size"].abs() >= NOISE)].copy()
    c["_weight"] = c["size"].abs() * c["segment"].map(weight).fillna(0.0)
    c = c.sort_values("_weight", ascending=False, kind="stable")
    c = c.drop_duplicates("incentive_key").head(n)
    return c.drop(columns="_weight").reset_index(drop=True)


def scorecard_overview(obj) -> ReportTable:
    """The size of every perverse incentive per segment under its decided variant."""
    a = analysis_of(obj)
    card = scorecard(a)
    names = segment_names(a, short=True)
    segs = list(dict.fromkeys(card["segment"]))
    first = card.drop_duplicates("incentive_key").set_index("incentive_key")
    out = pd.DataFrame(
        {
            "Perverse prikkel": first["incentive"].to_numpy(),
            "Maat": first["unit"].to_numpy(),
        }
    )
    by = card.set_index(["incentive_key", "segment"])
    for s in segs:
        variant = card.loc[card["segment"] == s, "variant"].iloc[0]
        col = f"{names.get(s, s)} ({VARIANT_SHORT.get(variant, variant)})"
        out[col] = [size_short(k, float(by.loc[(k, s), "size"])) for k in first.index]
    return table(
        out,
        {c: text for c in out.columns[2:]},
        caption="Perverse prikkels per segment bij de besloten bekostiging (tussen haakjes). "
        "Positief = het perverse effect is aanwezig; bij volume en onderbehandeling betekent "
        "een negatief getal het omgekeerde effect (minder zorg dan doelmatig, of meer zorg per "
        "cliënt dan nodig). Uitkomsten van het gedragsmodel van aanbieders (Ellis & McGuire); "
        "vrijwel alle parameters daarvan zijn schattingen (bijlage, Aannames).",
    )


def scorecard_table(obj, segment: str) -> ReportTable:
    """The scorecard of one segment: direction, size, KPI and the mitigating measure."""
    a = analysis_of(obj)
    card = scorecard(a)
    c = card[card["segment"] == segment]
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Perverse prikkel": c["incentive"].to_numpy(),
            "Richting": c["direction"].to_numpy(),
            "Omvang": c["size_text"].to_numpy(),
            "KPI voor monitoring": c["kpi"].to_numpy(),
            "Dempende maatregel": c["mitigation"].to_numpy(),
            "Effect maatregel": c["mitigation_text"].to_numpy(),
            "Aandeel schattingen in de onderbouwing": c["estimates"].to_numpy(dtype=float),
        }
    )
    variant = VARIANT_SHORT.get(str(c["variant"].iloc[0]), "")
    return table(
        out,
        {"Aandeel schattingen in de onderbouwing": partial(percent, decimals=0)},
        caption=f"Prikkelscorekaart {names.get(segment, segment)} ({variant}): per perverse "
        "prikkel de richting en omvang volgens het gedragsmodel, de KPI die haar zichtbaar "
        "maakt en het effect van een dempende maatregel (zelfde cliënten, zelfde simulatie). "
        "Schatting; de laatste kolom geeft het aandeel van de onderliggende parameters dat een "
        "schatting is.",
    )


def tornado_figure(
    sensitivity_table: pd.DataFrame, obj, segment: str, variant: str, outcome: str = "unmet_need"
):
    """The tornado chart of a :func:`bekostiging.model.sensitivity.tornado_table`.

    Only parameters that move the outcome are drawn (at most eight).
    """
    a = analysis_of(obj)
    name = segment_names(a, short=True).get(segment, segment)
    moving = sensitivity_table[sensitivity_table["swing"] > 0]
    return tornado_plot(
        moving if not moving.empty else sensitivity_table,
        outcome,
        title=f"Gevoeligheid: {name}, {VARIANT_SHORT.get(variant, variant)} (schatting)",
        top=8,
    )


def tornado_text(
    sensitivity_table: pd.DataFrame, outcome: str = "unmet_need", n: int = 3
) -> Markdown:
    """The parameters that move the outcome most, in words."""
    label, fmt = TORNADO_OUTCOMES[outcome]
    t = dutch_tornado_table(sensitivity_table).sort_values("swing", ascending=False).head(n)
    base = float(sensitivity_table["base"].iloc[0])
    parts = [
        f"{r.label.lower()} (van {param_text(r.low_value)} tot {param_text(r.high_value)} "
        f"geeft {fmt(r.low)} tot {fmt(r.high)})"
        for r in t.itertuples()
    ]
    return markdown(
        [
            f"Uitkomst bij de basiswaarden: {label} {fmt(base)}. De grootste invloed hebben "
            f"{'; '.join(parts)}. Dit zijn schattingen: een beter onderbouwde waarde voor deze "
            "parameters verkleint de onzekerheid het meest."
        ]
    )


def goals_markdown(obj) -> Markdown:
    """The goals of the procurement as the region file states them (``policy.goals``).

    A region without goals in its file gets a sentence saying so, so the report never shows
    another region's goals.
    """
    policy = analysis_of(obj).region.policy
    if not policy.goals:
        return markdown(
            [
                "Het regiobestand noemt (nog) geen doelstellingen van de inkoop; vul ze in "
                "onder `policy.goals` om de KPI's hieronder aan de doelen te koppelen."
            ]
        )
    where = f" ({policy.cited})" if policy.cited else ""
    return markdown(
        [f"De doelstellingen van de inkoop{where}:", ""]
        + [f"{k}. {v}" for k, v in sorted(policy.goals.items())]
    )


def _where_present(key: str, g: pd.DataFrame, names: Mapping[str, str]) -> str:
    """Segments where an incentive is present; for volume and under-/overtreatment both
    directions are perverse and are named separately."""
    size = g["size"].to_numpy(dtype=float)
    segs = [names.get(s, s) for s in g["segment"]]
    up = [s for s, x in zip(segs, size, strict=True) if x >= NOISE]
    down = [s for s, x in zip(segs, size, strict=True) if x <= -NOISE]
    if key == "volume":
        parts = [(up, "meer zorg"), (down, "minder zorg")]
    elif key == "over_under":
        parts = [(up, "te weinig zorg per cliënt"), (down, "te veel zorg per cliënt")]
    else:
        return ", ".join(up) or "–"
    text_ = "; ".join(f"{', '.join(x)} ({label})" for x, label in parts if x)
    return text_ or "–"


def monitoring_table(obj) -> ReportTable:
    """Per perverse incentive: the KPI, the goals it serves, where it plays and the measure."""
    a = analysis_of(obj)
    card = scorecard(a)
    names = segment_names(a, short=True)
    goals = a.region.policy.incentive_goals
    rows = []
    for key, g in card.groupby("incentive_key", sort=False):
        rows.append(
            {
                "Perverse prikkel": g["incentive"].iloc[0],
                "KPI": g["kpi"].iloc[0],
                "Doelstellingen": ", ".join(str(x) for x in goals.get(key, ())) or "–",
                "Speelt bij": _where_present(key, g, names),
                "Dempende maatregel": g["mitigation"].iloc[0],
            }
        )
    return table(
        pd.DataFrame(rows),
        caption="Monitoring: per perverse prikkel de KPI die haar zichtbaar maakt, de "
        "doelstellingen (nummers hierboven) die zij bedreigt, de segmenten waar het "
        "gedragsmodel haar ziet bij de besloten bekostiging, en de maatregel die haar dempt. "
        "Welke segmenten een prikkel hebben is een uitkomst van het gedragsmodel (schatting).",
    )
