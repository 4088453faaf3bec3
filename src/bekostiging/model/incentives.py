"""Incentive scorecard: per segment and funding variant, each perverse incentive with its size.

Why: seed 003 (3) names the risks of the new funding (providers no longer daring to accept
certain clients, no incentive to continue trajectories without result, administrative burden
shifting to providers) and asks for KPIs and result monitoring. The scorecard puts, for every
segment, the incentives of its variant in one table for the reports:

- ``incentive_key``: the perverse incentive (:data:`INCENTIVES`);
- ``size`` and ``sign``: what the behaviour model (:mod:`bekostiging.model.behaviour`)
  predicts, as a share (positive means the perverse effect is present; ``sign`` is 0 within
  :data:`NOISE` of zero);
- ``mitigation_key``, ``mitigation_applies``, ``size_after`` and ``mitigation_effect``: the
  contract instrument that dampens it (hybrid payment, risk adjustment, corridor / safety valve,
  acceptance obligation) and the modelled size when it is added to the variant (same clients,
  same seed); an instrument the variant already has does not apply (effect 0);
- ``parameters``, ``sources`` and ``estimates``: the named assumptions the entry rests on, so
  every number can be traced to ``data/assumptions/parameters/behaviour.yaml``;
- ``mean_wait_weeks`` and ``shifted_*_share``: the segment's simulated wait and shifts to other
  domains, which the Dutch size text quotes.

Numbers and English keys only: :mod:`bekostiging.report.text.incentives` gives the Dutch
names, directions, KPIs, measures and column headers.

>>> card = scorecard("iaj", "pq", n_clients=2_000)
>>> int(card.loc[card["incentive_key"] == "over_under", "sign"].item())  # over-provision
-1
>>> len(card) == len(INCENTIVES)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.model.behaviour import (
    BUDGET_KINDS,
    RA_KINDS,
    SEED,
    PaymentRule,
    SegmentInputs,
    payment_rule,
    segment_inputs,
    segment_summary,
)
from bekostiging.model.variants import VARIANTS, Settlement

NOISE = 0.002  # sizes closer to zero than this count as no effect (simulation noise)


# --------------------------------------------------------------------------------------------
# mitigations: transformations of the payment rule


@dataclass(frozen=True)
class Mitigation:
    """A contract instrument, as a change to the payment rule (None: does not apply)."""

    key: str
    apply: Callable[[PaymentRule], PaymentRule | None]


def _hybrid(rule: PaymentRule) -> PaymentRule | None:
    if rule.kind == "hybrid":
        return None
    return replace(rule, kind="hybrid", pq_share=None, risk_adjustment=False)


def _risk_adjustment(rule: PaymentRule) -> PaymentRule | None:
    if rule.kind not in RA_KINDS or rule.risk_adjustment:
        return None
    return replace(rule, risk_adjustment=True)


def _safety_valve(rule: PaymentRule) -> PaymentRule | None:
    if rule.kind not in BUDGET_KINDS or rule.settlement.kind != "none":
        return None
    # Overspend beyond 5 % is paid by the municipality; underspend stays with the provider.
    return replace(
        rule,
        settlement=Settlement(
            "corridor", corridor=0.05, municipality_share_over=1.0, municipality_share_under=0.0
        ),
    )


def _obligation(rule: PaymentRule) -> PaymentRule | None:
    return None if rule.acceptance_obligation else replace(rule, acceptance_obligation=True)


def _lumpsum(rule: PaymentRule) -> PaymentRule | None:
    return None if rule.kind in ("lumpsum", "population") else replace(rule, kind="lumpsum")


MITIGATIONS: dict[str, Mitigation] = {
    m.key: m
    for m in (
        Mitigation("hybrid", _hybrid),
        Mitigation("risk_adjustment", _risk_adjustment),
        Mitigation("safety_valve", _safety_valve),
        Mitigation("obligation", _obligation),
        Mitigation("lumpsum", _lumpsum),
    )
}


# --------------------------------------------------------------------------------------------
# the incentives


@dataclass(frozen=True)
class Incentive:
    """One perverse incentive: how to size it from a simulation summary, and what dampens it."""

    key: str
    metric: Callable[[Mapping[str, float]], float]
    mitigation: str  # key of MITIGATIONS
    inputs: tuple[str, ...]  # SegmentInputs fields it rests on


INCENTIVES: tuple[Incentive, ...] = (
    Incentive(
        "volume",
        lambda s: s["cost_factor"] - 1.0,
        "hybrid",
        ("intensity_cap", "benefit_weight", "tariff_markup", "supply_elasticity", "light_need"),
    ),
    Incentive(
        "duration",
        lambda s: s["duration_trend"],
        "hybrid",
        ("duration_growth", "duration_share", "tariff_markup"),
    ),
    Incentive(
        "upcoding",
        lambda s: s["upcoding_share"],
        "hybrid",
        ("upcoding_max_share", "tariff_markup", "output_price_ratio", "selection_reduction"),
    ),
    Incentive(
        "selection",
        lambda s: s["refused_high_need_share"],
        "risk_adjustment",
        (
            "outside_option",
            "tolerance",
            "benefit_weight",
            "need_cv",
            "need_cv_scale",
            "pressure_slope",
            "intensity_floor",
        ),
    ),
    Incentive(
        "over_under",
        lambda s: 1.0 - s["provision_ratio"],
        "hybrid",
        ("benefit_weight", "benefit_ratio", "intensity_cap", "intensity_floor", "tariff_markup"),
    ),
    Incentive(
        "waiting",
        lambda s: s["waiting_share"],
        "safety_valve",
        ("budget_ratio", "loss_tolerance", "pressure_slope", "caseload_cv", "return_delay_weeks"),
    ),
    Incentive(
        "shifting",
        lambda s: s["shifted_share"],
        "obligation",
        ("shift_share", "outside_option", "tolerance"),
    ),
    Incentive(
        "continuity",
        lambda s: s["loss_probability"],
        "safety_valve",
        ("loss_threshold", "caseload_cv", "clients_per_provider", "budget_ratio"),
    ),
    Incentive("admin", lambda s: s["admin_cost_share"], "lumpsum", ("admin_cost_share",)),
)

SEGMENT_FACTS = (
    "mean_wait_weeks",
    "shifted_wlz_share",
    "shifted_zvw_share",
    "shifted_voorliggend_veld_share",
)
"""Summary figures of the segment's simulation that every scorecard row carries."""


def sign(size: float) -> int:
    """+1 or -1 for the direction of an incentive's size; 0 within :data:`NOISE` of zero.

    >>> sign(0.05), sign(-0.05), sign(0.001)
    (1, -1, 0)
    """
    if abs(size) < NOISE:
        return 0
    return 1 if size > 0 else -1


def _trace(inputs: SegmentInputs, fields_: Iterable[str]) -> tuple[str, str, float]:
    names, sources, estimates = [], [], 0
    for f in fields_:
        for field_name, name, source in inputs.sources:
            if field_name == f and name not in names:
                names.append(name)
                if source not in sources:
                    sources.append(source)
                estimates += source.strip().lower().startswith("estimate")
    return "; ".join(names), " | ".join(sources), estimates / max(len(names), 1)


# --------------------------------------------------------------------------------------------
# the scorecard


def scorecard(
    segment: Any,
    variant: Any,
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
    n_clients: int = 10_000,
    seed: int = SEED,
    **options: Any,
) -> pd.DataFrame:
    """The scorecard of one segment under one variant: one row per incentive.

    ``segment``, ``variant``, ``params``, ``region_params`` and ``options`` as in
    :func:`bekostiging.model.behaviour.behavioural_response`.

    >>> card = scorecard("hcv", {"variant": "lumpsum"}, n_clients=2_000)
    >>> sel = card.set_index("incentive_key")
    >>> sel.loc["selection", "mitigation_key"]
    'risk_adjustment'
    >>> bool(sel.loc["selection", "mitigation_effect"] <= 0)
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    base = segment_summary(inputs, rule, n_clients, seed)
    rows = []
    for inc in INCENTIVES:
        size = float(inc.metric(base))
        changed = MITIGATIONS[inc.mitigation].apply(rule)
        after = (
            float("nan")
            if changed is None
            else float(inc.metric(segment_summary(inputs, changed, n_clients, seed)))
        )
        names, sources, estimates = _trace(inputs, inc.inputs)
        rows.append(
            {
                "segment": inputs.segment,
                "segment_name": str(getattr(segment, "name", inputs.segment)),
                "variant": rule.kind,
                "incentive_key": inc.key,
                "sign": sign(size),
                "size": size,
                "mitigation_key": inc.mitigation,
                "mitigation_applies": changed is not None,
                "size_after": after,
                "mitigation_effect": 0.0 if changed is None else after - size,
                "parameters": names,
                "sources": sources,
                "estimates": estimates,
                **{k: float(base[k]) for k in SEGMENT_FACTS},
            }
        )
    return pd.DataFrame(rows)


def region_scorecard(
    region: Any,
    params: Parameters | None = None,
    *,
    n_clients: int = 10_000,
    seed: int = SEED,
    segments: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The scorecard of every procured segment under the funding the region decided.

    Each segment uses ``segment.funding`` from the region file (with the region's default
    settlement filled in for lumpsums) and the region's parameters for euros.

    >>> from bekostiging.config.region import load_region
    >>> card = region_scorecard(load_region("achterhoek"), n_clients=1_000, segments=["wmo_pv"])
    >>> card["variant"].unique().tolist()
    ['pq']
    """
    rp = region.parameters
    wanted = None if segments is None else set(segments)
    frames = [
        scorecard(s, s.funding, params, rp, n_clients=n_clients, seed=seed)
        for s in region.procured_segments()
        if wanted is None or s.id in wanted
    ]
    return pd.concat(frames, ignore_index=True)


COMPARISON_OUTCOMES: tuple[str, ...] = (
    "spend_per_client_eur",
    "spend_factor",
    "cost_factor",
    "volume_factor",
    "intensity_factor",
    "provision_ratio",
    "refused_share",
    "waiting_share",
    "mean_wait_weeks",
    "shifted_share",
    "unmet_need",
    "mean_duration_weeks",
    "provider_margin",
    "loss_probability",
)
"""The outcomes :func:`variant_comparison` shows (Dutch labels: report.text.incentives)."""


def variant_comparison(
    segment: Any,
    variants: Iterable[Any] = tuple(VARIANTS),
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
    n_clients: int = 10_000,
    seed: int = SEED,
) -> pd.DataFrame:
    """Key outcomes of one segment under several variants (rows: variants; columns
    :data:`COMPARISON_OUTCOMES`, Dutch labels in report.text.incentives).

    >>> t = variant_comparison("iaj", ["pq", "lumpsum"], n_clients=2_000)
    >>> bool(t.loc["pq", "provision_ratio"] > t.loc["lumpsum", "provision_ratio"])
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rows = {}
    for v in variants:
        rule = payment_rule(v)
        s = segment_summary(inputs, rule, n_clients, seed)
        rows[rule.kind if rule.kind not in rows else repr(v)] = {
            k: s[k] for k in COMPARISON_OUTCOMES
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "variant"
    return out
