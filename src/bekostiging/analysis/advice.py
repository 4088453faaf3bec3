"""The advice of one municipality: its trade-off tables and the choices the rule makes.

Glue between the region's computed analysis (:class:`RegionAnalysis`) and the pure rule in
:mod:`bekostiging.model.advice`: per procured segment the variant trade-off table of the first
full contract year, the advised variant, for a settled lumpsum the advised corridor with its
volume-growth flip condition, and per segment the reserve or risk-sharing measure. Numbers
only; the Dutch text is in :mod:`bekostiging.report.advice`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bekostiging.model import variants as V
from bekostiging.model.advice import (
    Choice,
    Rule,
    choose_corridor,
    choose_variant,
    growth_flip,
    pooling_advice,
    reserve_measures,
)
from bekostiging.model.behaviour import load_behaviour_parameters
from bekostiging.model.risk import capacity_ratio, rating, required_capacity

if TYPE_CHECKING:  # pragma: no cover
    from bekostiging.analysis.region_analysis import MunicipalityView

SETTLED = ("lumpsum", "hybrid")
"""Variants paid as a fixed sum per provider that a corridor settles afterwards (population
funding pays per inhabitant and is not settled: see ``model.projection``)."""


@dataclass
class SegmentAdvice:
    """The advice for one segment of one municipality (numbers; see the module)."""

    segment: str
    decided: str
    variant: Choice
    corridor: Choice | None = None
    corridor_for: str | None = None
    corridor_flip: dict[str, Any] | None = None
    horizon: int = 1
    measure: dict[str, Any] = field(default_factory=dict)


@dataclass
class MunicipalityAdvice:
    """All segments' advice, the year it is for and the rule it follows."""

    code: str
    year: int
    rule: Rule
    segments: list[SegmentAdvice]
    capacity: dict[str, Any]

    def frame(self) -> pd.DataFrame:
        """One row per segment: decided and advised variant, corridor, measure and margins."""
        rows = []
        for s in self.segments:
            t = s.variant.table
            rows.append(
                {
                    "segment": s.segment,
                    "decided": s.decided,
                    "advised": s.variant.choice,
                    "changes": s.variant.choice != s.decided,
                    "fallback": s.variant.fallback,
                    "cost_p90": float(t.loc[s.variant.choice, "cost_p90"]),
                    "cost_p90_decided": float(t.loc[s.decided, "cost_p90"])
                    if s.decided in t.index
                    else np.nan,
                    "unmet_share": float(t.loc[s.variant.choice, "unmet_share"]),
                    "runner_up": s.variant.runner_up,
                    "margin": s.variant.margin,
                    "corridor": None if s.corridor is None else s.corridor.choice,
                    "corridor_flip_growth": None
                    if s.corridor_flip is None
                    else s.corridor_flip["growth"],
                    "corridor_flip_choice": None
                    if s.corridor_flip is None
                    else s.corridor_flip["choice"],
                    "measure": s.measure.get("measure"),
                    "measure_amount": s.measure.get("amount", 0.0),
                }
            )
        return pd.DataFrame(rows)


def variant_tradeoff(view: MunicipalityView, segment: str, year: int) -> pd.DataFrame:
    """The trade-off table of one segment and year for this municipality (index: variant).

    Columns as :func:`bekostiging.model.advice.choose_variant` needs them, plus ``mean``
    (contract spend), ``total_mean`` and ``unmet_value_mean`` for the report.
    """
    return tradeoff(view.analysis, [view.index], segment, year)


def tradeoff(analysis, municipalities: list[int], segment: str, year: int) -> pd.DataFrame:
    """The variant trade-off table of one segment and year for a set of municipalities
    (indices into the projection): amounts summed over them per draw, the provider loss
    chance over all their contract cells."""
    a = analysis
    p, i = a.projection, a.projection.inputs
    m, u, k = list(municipalities), i.units.index(segment), i.years.index(year)
    shares = dict(load_behaviour_parameters(a.params).param("behaviour.admin_cost_share").value)
    access = a.access_by_segment
    rows = {}
    for key in V.VARIANTS:
        res = p.variants.get(key)
        if res is None:
            continue
        cells = res["municipality_spend"][:, m, u, k].astype(float)  # (D, len(m))
        result = res["provider_result"][:, m, u, k].astype(float)
        losing = (result < -a.loss_threshold * cells) & (cells > 0)
        spend = cells.sum(axis=1)
        total = res["total_cost"][:, m, u, k].sum(axis=1) if "total_cost" in res else spend
        undone = res["unmet_value"][:, m, u, k].sum(axis=1) if "unmet_value" in res else 0.0
        rows[key] = {
            "cost_p90": float(np.quantile(total + undone, 0.9)),
            "admin_cost": float(shares.get(key, 0.0)) * float(spend.mean()),
            "unmet_share": float(access[key][segment]["unmet_need"]),
            "provider_loss_chance": float(losing.mean()),
            "mean": float(spend.mean()),
            "total_mean": float(total.mean()),
            "unmet_value_mean": float(np.mean(undone)),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("variant")


def _arrangement_draws(analysis, index: int, variants: dict[str, str]) -> np.ndarray:
    """What one municipality pays over all routes (D, U, Y) when each segment has the variant
    in ``variants`` (segments not named keep their decided variant)."""
    a = analysis
    p, i = a.projection, a.projection.inputs
    out = a.decided_routes["total_cost"][:, index].astype(float).copy()
    for seg, key in variants.items():
        if seg in i.units and key in p.variants and "total_cost" in p.variants[key]:
            u = i.units.index(seg)
            out[:, u] = p.variants[key]["total_cost"][:, index, u]
    return out


def reserve_under(analysis, index: int, variants: dict[str, str], available: float) -> dict:
    """Required capacity (P90 of the shortfall against the start budget, all segments, all
    routes) per contract year when the municipality has ``variants``; the first full year and
    the heaviest, with ratio and NAR rating, and each segment's share of the heaviest year's
    need (its own P90 shortfall, scaled so that the shares add up to the need)."""
    a = analysis
    i = a.projection.inputs
    draws = _arrangement_draws(a, index, variants)  # (D, U, Y)
    budget = i.budget[index]  # (U, Y)
    need = np.asarray(required_capacity(draws[:, None], budget[None], 0.9, period="per_year"))[
        0
    ]  # (Y,)
    years = list(i.years)
    first = years.index(a.first_full_year)
    contract = [years.index(y) for y in a.contract_years if y in years]
    heaviest = contract[int(np.argmax(need[contract]))]
    own = {
        seg: max(0.0, float(np.quantile(draws[:, u, heaviest] - budget[u, heaviest], 0.9)))
        for u, seg in enumerate(i.units)
        if seg in {s.id for s in a.region.procured_segments()}
    }
    total_own = sum(own.values())
    scale = float(need[heaviest]) / total_own if total_own > 0 else 0.0
    return {
        "required": float(need[first]),
        "ratio": float(capacity_ratio(available, need[first])),
        "rating": str(rating(capacity_ratio(available, need[first]))),
        "worst_year": int(years[heaviest]),
        "required_worst": float(need[heaviest]),
        "ratio_worst": float(capacity_ratio(available, need[heaviest])),
        "rating_worst": str(rating(capacity_ratio(available, need[heaviest]))),
        "contributions": {k: v * scale for k, v in own.items()},
    }


def municipality_advice(view: MunicipalityView, rule: Rule | None = None) -> MunicipalityAdvice:
    """The computed advice of one municipality (first full contract year), by ``rule``
    (default: the norms in the parameters, ``advice.*``).

    The reserve measure goes with the advice: the required capacity is computed under the
    advised variants (beside the decided ones, in ``capacity``), in its heaviest contract year.
    """
    a = view.analysis
    rule = Rule.from_parameters(a.params) if rule is None else rule
    year = a.first_full_year
    horizon = max(1, year - a.settings.reference_year)
    cap = view.capacity()
    available = float(cap["available"])
    segments = []
    for seg in a.region.procured_segments():
        if seg.id not in a.projection.inputs.units:
            continue
        choice = choose_variant(variant_tradeoff(view, seg.id, year), rule)
        corridor = flip = None
        # the settlement advice is for the lumpsum as decided (the contract the region has),
        # or for the advised variant when that is settled and the decided one is not
        settled = next((v for v in (seg.funding["variant"], choice.choice) if v in SETTLED), None)
        if settled is not None:
            options = view.corridor_options(seg.id, year)
            if not options.empty:
                corridor = choose_corridor(options, rule)

                def options_at(factor: float, seg_id: str = seg.id) -> pd.DataFrame:
                    return view.corridor_options(seg_id, year, cost_factor=factor)

                flip = growth_flip(options_at, rule, horizon)
        segments.append(
            SegmentAdvice(
                segment=seg.id,
                decided=seg.funding["variant"],
                variant=choice,
                corridor=corridor,
                corridor_for=settled if corridor is not None else None,
                corridor_flip=flip,
                horizon=horizon,
            )
        )
    advised = reserve_under(
        a, view.index, {s.segment: s.variant.choice for s in segments}, available
    )
    worst = advised["worst_year"]
    shortfall = max(0.0, rule.min_capacity_ratio * advised["required_worst"] - available)
    measures = reserve_measures(
        advised["contributions"],
        available,
        advised["required_worst"],
        rule,
        poolable=a.pooling_gains(view.code, worst),
    )
    for s in segments:
        s.measure = measures.get(s.segment, {})
    capacity = {
        "available": available,
        "available_basis": cap["available_basis"],
        "decided": {
            k: cap[k]
            for k in ("required", "ratio", "rating", "worst_year", "required_worst")
            + ("ratio_worst", "rating_worst", "required_gross", "rating_gross")
            + ("required_worst_gross", "rating_worst_gross", "worst_year_gross")
        },
        "advised": {k: v for k, v in advised.items() if k != "contributions"},
        "worst_year": worst,
        "required_worst": advised["required_worst"],
        "ratio_worst": advised["ratio_worst"],
        "rating_worst": advised["rating_worst"],
        "shortfall": shortfall,
    }
    return MunicipalityAdvice(view.code, year, rule, segments, capacity)


def norm_cost(advice: MunicipalityAdvice) -> float:
    """What the norms cost: the advised scores minus the cheapest score per segment (any
    variant, norms ignored), summed; 0 when the cheapest variant is advised everywhere."""
    return float(
        sum(
            s.variant.table.loc[s.variant.choice, "score"] - s.variant.table["score"].min()
            for s in advice.segments
        )
    )


@dataclass
class RegionAdvice:
    """The advice for the region as a whole (the rule over the region's totals) and how the
    municipalities' own advice compares with it."""

    year: int
    rule: Rule
    segments: dict[str, Choice]
    decided: dict[str, str]
    by_municipality: pd.DataFrame  # gemeentecode x segment: the advised variant
    pooling: list[dict[str, Any]] = field(default_factory=list)  # per poolable group

    def frame(self) -> pd.DataFrame:
        """Per segment: decided, advised for the region, and how many municipalities agree."""
        rows = []
        for seg, c in self.segments.items():
            col = self.by_municipality[seg]
            rows.append(
                {
                    "segment": seg,
                    "decided": self.decided[seg],
                    "advised": c.choice,
                    "fallback": c.fallback,
                    "cost_p90": float(c.table.loc[c.choice, "cost_p90"]),
                    "cost_p90_decided": float(c.table.loc[self.decided[seg], "cost_p90"])
                    if self.decided[seg] in c.table.index
                    else np.nan,
                    "runner_up": c.runner_up,
                    "margin": c.margin,
                    "agree": int((col == c.choice).sum()),
                    "municipalities": int(col.notna().sum()),
                    "others": sorted(set(col.dropna()) - {c.choice}),
                }
            )
        return pd.DataFrame(rows)


def region_advice(analysis, rule: Rule | None = None) -> RegionAdvice:
    """The rule applied to the region's totals per segment, with each municipality's advice."""
    a = analysis
    rule = Rule.from_parameters(a.params) if rule is None else rule
    year = a.first_full_year
    i = a.projection.inputs
    everyone = list(range(len(i.municipalities)))
    segments, decided = {}, {}
    for seg in a.region.procured_segments():
        if seg.id not in i.units:
            continue
        segments[seg.id] = choose_variant(tradeoff(a, everyone, seg.id, year), rule)
        decided[seg.id] = seg.funding["variant"]
    per = {}
    for code in i.municipalities:
        adv = a.municipality(code).advice()
        per[code] = {s.segment: s.variant.choice for s in adv.segments}
    by_m = pd.DataFrame.from_dict(per, orient="index").reindex(columns=list(segments))
    pooling = []
    for group in a.pooling_groups:
        effect = a.pooling(group).set_index("gemeentecode")
        pooling.append({"segments": group, "effect": effect} | pooling_advice(effect, rule))
    return RegionAdvice(year, rule, segments, decided, by_m, pooling)
