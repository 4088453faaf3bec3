"""Incentive scorecard: per segment and funding variant, each perverse incentive with its size.

Why: seed 003 (3) names the risks of the new funding (providers no longer daring to accept
certain clients, no incentive to continue trajectories without result, administrative burden
shifting to providers) and asks for KPIs and result monitoring. The scorecard puts, for every
segment, the incentives of its variant in one table for the reports:

- ``incentive``: the perverse incentive (Dutch);
- ``direction`` and ``size``: what the behaviour model (:mod:`bekostiging.behaviour`) predicts,
  as a share (see ``unit``; positive means the perverse effect is present);
- ``kpi``: the monitoring figure that would show it;
- ``mitigation`` and ``mitigation_effect``: the contract instrument that dampens it (hybrid
  payment, risk adjustment, corridor / safety valve, acceptance obligation) and the modelled
  change in ``size`` when it is added to the variant (same clients, same seed);
- ``parameters`` and ``sources``: the named assumptions the entry rests on, so every number can
  be traced to ``data/assumptions/parameters/behaviour.yaml``.

Code and column keys are English; :data:`SCORECARD_LABELS` gives the Dutch column headers.

>>> card = scorecard("iaj", "pq", n_clients=2_000)
>>> card.loc[card["incentive_key"] == "over_under", "direction"].item()
'meer zorg per cliënt dan nodig'
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
from bekostiging.report.formatting import number, percent

SCORECARD_LABELS: dict[str, str] = {
    "segment": "segment",
    "segment_name": "segmentnaam",
    "variant": "bekostigingsvariant (code)",
    "variant_name": "bekostigingsvariant",
    "incentive_key": "prikkel (code)",
    "incentive": "perverse prikkel",
    "direction": "richting",
    "size": "gemodelleerde omvang",
    "size_text": "omvang",
    "unit": "eenheid",
    "kpi": "KPI voor monitoring",
    "mitigation": "dempende maatregel",
    "mitigation_effect": "effect maatregel (verschil in omvang)",
    "mitigation_text": "effect maatregel",
    "parameters": "rust op parameters",
    "sources": "bronnen",
    "estimates": "aandeel schattingen",
}

VARIANT_NAMES: dict[str, str] = {key: cls.name for key, cls in VARIANTS.items()}

NOISE = 0.002  # sizes closer to zero than this count as "nauwelijks" (simulation noise)


# --------------------------------------------------------------------------------------------
# mitigations: transformations of the payment rule


@dataclass(frozen=True)
class Mitigation:
    """A contract instrument, as a change to the payment rule (None: does not apply)."""

    key: str
    name: str
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
        Mitigation("hybrid", "hybride bekostiging (deel p*q, deel lumpsum)", _hybrid),
        Mitigation("risk_adjustment", "risicoverevening naar zorgzwaarte", _risk_adjustment),
        Mitigation("safety_valve", "vangnet: corridor van 5 % met nacalculatie", _safety_valve),
        Mitigation("obligation", "acceptatieplicht", _obligation),
        Mitigation("lumpsum", "lumpsum zonder urenregistratie", _lumpsum),
    )
}


# --------------------------------------------------------------------------------------------
# the incentives


@dataclass(frozen=True)
class Incentive:
    """One perverse incentive: how to size it from a simulation summary, and how to monitor it."""

    key: str
    name: str
    metric: Callable[[Mapping[str, float]], float]
    unit: str
    up: str  # direction text when size > 0
    down: str  # when size < 0
    none: str  # when about zero
    kpi: str
    mitigation: str  # key of MITIGATIONS
    inputs: tuple[str, ...]  # SegmentInputs fields it rests on


INCENTIVES: tuple[Incentive, ...] = (
    Incentive(
        "volume",
        "volumegroei: meer zorg en meer cliënten dan nodig",
        lambda s: s["cost_factor"] - 1.0,
        "zorgvolume t.o.v. doelmatige zorg voor de cliënten met een zorgvraag",
        "meer zorg dan doelmatig",
        "minder zorg dan doelmatig",
        "zorgvolume gelijk aan doelmatig",
        "zorgeenheden en cliënten per 1.000 inwoners van de doelgroep; kosten per cliënt",
        "hybrid",
        ("intensity_cap", "benefit_weight", "tariff_markup", "supply_elasticity", "light_need"),
    ),
    Incentive(
        "duration",
        "lange trajecten: doorgaan zonder resultaat",
        lambda s: s["duration_trend"],
        "extra groei van de gemiddelde trajectduur per jaar",
        "trajecten worden elk jaar langer",
        "trajecten worden korter",
        "geen prikkel tot verlengen",
        "gemiddelde trajectduur; aandeel trajecten langer dan een jaar; doelrealisatie bij "
        "afsluiting",
        "hybrid",
        ("duration_growth", "duration_share", "tariff_markup"),
    ),
    Incentive(
        "upcoding",
        "upcoding: cliënten zwaarder indelen (zwaarder segment of product)",
        lambda s: s["upcoding_share"],
        "aandeel cliënten dat zwaarder wordt ingedeeld",
        "prikkel tot zwaardere indeling",
        "prikkel tot lichtere indeling",
        "geen prikkel tot zwaardere indeling",
        "verdeling van cliënten over segmenten en zwaarteprofielen; verschuiving naar duurdere "
        "producten",
        "hybrid",
        ("upcoding_max_share", "tariff_markup", "output_price_ratio", "selection_reduction"),
    ),
    Incentive(
        "selection",
        "risicoselectie: complexe cliënten weigeren",
        lambda s: s["refused_high_need_share"],
        "aandeel geweigerde cliënten onder de 10 % met de zwaarste zorgvraag",
        "complexe cliënten worden geweigerd",
        "–",
        "geen weigering van complexe cliënten",
        "weigeringen en terugverwijzingen per aanbieder; zorgzwaarte van aangenomen t.o.v. "
        "aangemelde cliënten",
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
        "onderbehandeling (of overbehandeling) per cliënt",
        lambda s: 1.0 - s["provision_ratio"],
        "tekort aan zorg per behandelde cliënt t.o.v. doelmatig (negatief: te veel)",
        "minder zorg per cliënt dan nodig",
        "meer zorg per cliënt dan nodig",
        "zorg per cliënt doelmatig",
        "doelrealisatie; heraanmeldingen binnen zes maanden; cliëntervaring",
        "hybrid",
        ("benefit_weight", "benefit_ratio", "intensity_cap", "intensity_floor", "tariff_markup"),
    ),
    Incentive(
        "waiting",
        "wachtlijsten als het budget op is",
        lambda s: s["waiting_share"],
        "aandeel cliënten dat wacht (uitgesteld of later elders gestart)",
        "wachtlijst, vooral laat in het jaar",
        "–",
        "geen wachtlijst",
        "wachttijd van aanmelding tot start; aantal wachtenden per maand (let op oplopen in "
        "het najaar)",
        "safety_valve",
        ("budget_ratio", "loss_tolerance", "pressure_slope", "caseload_cv", "return_delay_weeks"),
    ),
    Incentive(
        "shifting",
        "kostenverschuiving naar Wlz, Zvw en voorliggend veld",
        lambda s: s["shifted_share"],
        "aandeel cliënten dat het gemeentelijk domein verlaat",
        "cliënten schuiven naar andere domeinen",
        "–",
        "geen verschuiving",
        "uitstroom naar Wlz, Zvw en voorliggend veld; terugverwijzingen door aanbieders",
        "obligation",
        ("shift_share", "outside_option", "tolerance"),
    ),
    Incentive(
        "continuity",
        "continuïteit van aanbieders",
        lambda s: s["loss_probability"],
        "kans dat een aanbieder het jaar afsluit met een verlies van meer dan de drempel",
        "kans op verlies bij aanbieders",
        "–",
        "geen verliesrisico",
        "financieel resultaat en solvabiliteit per aanbieder; tussentijdse signalering van "
        "tekorten",
        "safety_valve",
        ("loss_threshold", "caseload_cv", "clients_per_provider", "budget_ratio"),
    ),
    Incentive(
        "admin",
        "administratieve lasten",
        lambda s: s["admin_cost_share"],
        "administratieve kosten als aandeel van de uitgaven",
        "administratieve last",
        "–",
        "geen administratieve last",
        "regeldruk: tijd voor registratie en verantwoording per fte; aantal declaraties en "
        "berichten",
        "lumpsum",
        ("admin_cost_share",),
    ),
)

_SIGNED = {"volume", "over_under", "duration"}  # sizes that can be meaningfully negative


def _direction(inc: Incentive, size: float) -> str:
    if abs(size) < NOISE:
        return inc.none
    return inc.up if size > 0 else inc.down


def _size_text(inc: Incentive, size: float, summary: Mapping[str, float]) -> str:
    text = percent(size, 1, signed=inc.key in _SIGNED)
    if inc.key == "duration":
        return text + " per jaar"
    if inc.key == "waiting" and summary["waiting_share"] > 0:
        return f"{text}, gemiddeld {number(summary['mean_wait_weeks'], 1)} weken"
    if inc.key == "shifting" and summary["shifted_share"] > 0:
        parts = [
            f"{label} {percent(summary[f'shifted_{k}_share'], 2)}"
            for k, label in (
                ("wlz", "Wlz"),
                ("zvw", "Zvw"),
                ("voorliggend_veld", "voorliggend veld"),
            )
        ]
        return f"{text} ({', '.join(parts)})"
    return text


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
    >>> sel.loc["selection", "mitigation"]
    'risicoverevening naar zorgzwaarte'
    >>> bool(sel.loc["selection", "mitigation_effect"] <= 0)
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    base = segment_summary(inputs, rule, n_clients, seed)
    rows = []
    for inc in INCENTIVES:
        size = float(inc.metric(base))
        mitigation = MITIGATIONS[inc.mitigation]
        changed = mitigation.apply(rule)
        if changed is None:
            effect, effect_text = 0.0, "n.v.t. (zit al in de variant of past er niet bij)"
        else:
            after = float(inc.metric(segment_summary(inputs, changed, n_clients, seed)))
            effect = after - size
            effect_text = (
                f"{percent(effect, 1, signed=True)}-punt (van {percent(size, 1)} naar "
                f"{percent(after, 1)})"
            )
        names, sources, estimates = _trace(inputs, inc.inputs)
        rows.append(
            {
                "segment": inputs.segment,
                "segment_name": str(getattr(segment, "name", inputs.segment)),
                "variant": rule.kind,
                "variant_name": VARIANT_NAMES[rule.kind],
                "incentive_key": inc.key,
                "incentive": inc.name,
                "direction": _direction(inc, size),
                "size": size,
                "size_text": _size_text(inc, size, base),
                "unit": inc.unit,
                "kpi": inc.kpi,
                "mitigation": mitigation.name,
                "mitigation_effect": effect,
                "mitigation_text": effect_text,
                "parameters": names,
                "sources": sources,
                "estimates": estimates,
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


OUTCOME_LABELS: dict[str, str] = {
    "spend_per_client_eur": "uitgaven per cliënt met zorgvraag (EUR)",
    "spend_factor": "uitgaven t.o.v. doelmatige zorg",
    "cost_factor": "zorgvolume t.o.v. doelmatig",
    "volume_factor": "behandelde cliënten t.o.v. cliënten met zorgvraag",
    "intensity_factor": "zorg per behandelde cliënt t.o.v. doelmatig",
    "provision_ratio": "zorg t.o.v. zorgvraag bij behandelde cliënten",
    "refused_share": "geweigerd",
    "waiting_share": "wachtend",
    "mean_wait_weeks": "gemiddelde wachttijd (weken)",
    "shifted_share": "verschoven naar andere domeinen",
    "unmet_need": "onvervulde zorgvraag",
    "mean_duration_weeks": "gemiddelde duur (weken)",
    "provider_margin": "marge aanbieders",
    "loss_probability": "kans op verlies boven drempel",
}


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
    """Key outcomes of one segment under several variants (rows: variants; English keys,
    Dutch labels in :data:`OUTCOME_LABELS`).

    >>> t = variant_comparison("iaj", ["pq", "lumpsum"], n_clients=2_000)
    >>> bool(t.loc["pq", "provision_ratio"] > t.loc["lumpsum", "provision_ratio"])
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rows = {}
    for v in variants:
        rule = payment_rule(v)
        s = segment_summary(inputs, rule, n_clients, seed)
        rows[rule.kind if rule.kind not in rows else repr(v)] = {k: s[k] for k in OUTCOME_LABELS}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "variant"
    return out
