r"""Provider behaviour under each funding variant: a micro model of clients and providers.

Why: a variant's price rule alone (:mod:`bekostiging.variants`) says what the municipality pays
for a given amount of care. But the care itself answers to the payment: p*q invites more units
and longer trajectories, a lumpsum invites less care, refusing costly clients and waiting lists
when the budget runs out (seed 003, 3; DESIGN 2). This module simulates that response so that
the scorecard (:mod:`bekostiging.incentives`), the tornado (:mod:`bekostiging.sensitivity`)
and the projection (:func:`behavioural_response`) can show it. Parameter names below are
under ``behaviour.`` in ``data/assumptions/parameters/behaviour.yaml``.

The model (normalised: unit cost ``c = 1``, mean efficient care per client 1 unit)
---------------------------------------------------------------------------------

**Clients.** Per segment, ``N`` clients arrive uniformly over the year and are split over
providers of ``need.clients_per_provider`` each (one lumpsum contract). Client ``i`` of provider
``j`` has need ``n_ij = s_j * e_ij``: ``e_ij`` lognormal with mean 1 and coefficient of
variation ``need.cv[segment] * need.cv_scale``, ``s_j`` a lognormal caseload shock (mean 1, cv
``need.caseload_cv``). The efficient care is ``q* = n`` units.

**Benefit and intensity** (Ellis & McGuire 1986). The benefit of ``q`` units to the client is

    B(q) = k * theta * ln(1 + q / theta),   theta = n / (k - 1),   so B'(q*) = c at q* = n

(``k = provider.benefit_ratio``). The provider maximises ``R(q) - c q + alpha' B(q)`` with
``alpha' = alpha / (1 + lambda)``: ``alpha = provider.benefit_weight`` and ``lambda >= 0`` the
budget pressure (money weighs ``1 + lambda`` against the client's benefit). If an extra unit
brings ``r``, its own marginal cost is ``m = c - r`` and ``alpha' B'(q) = m`` gives care per
unit of need

    x = q / n = clip( (alpha' k c / m - 1) / (k - 1), floor, cap )   if m > 0;   x = cap if m <= 0

with ``cap = provider.intensity_cap`` (the indication) and ``floor =
provider.intensity_floor`` (the professional minimum for an accepted client). Without pressure:
a fixed payment (``r = 0``) gives ``x = (alpha k - 1) / (k - 1)``, below 1 iff ``alpha < 1``
(under-provision); p*q with a tariff above marginal cost gives ``m < 0`` and ``x = cap > 1``
(over-provision); a hybrid with p*q share ``s`` has ``r = s * tariff`` and lies in between,
rising with ``s``.

``r`` is not coded per variant: it is ``c`` times the variant's own
``VariantResult.municipality_cost_share`` (the share of a marginal euro of cost that the
municipality pays), averaged over the provider's uncertainty about its year-end cost. So a
corridor or after-calculation lowers the provider's marginal cost through
:class:`~bekostiging.model.variants.Settlement` itself. Likewise ``P``, the payment for one more
client (the output price), is read from ``pay()``.

**Acceptance.** A client's value to the provider is

    V_i = P + a n_i - m x n_i + alpha' (1 - omega) beta(x) n_i,
    beta(x) = k ln(1 + x (k - 1)) / (k - 1)          (benefit per unit of need at care x)

with ``a`` the risk-adjustment payment per unit of need and ``omega =
acceptance.outside_option`` the share of the benefit a refused client still gets elsewhere. The
provider refers (refuses) the client when ``V_i < -tau`` (``tau = acceptance.tolerance``). Under
a fixed payment ``V`` falls with need, so the costliest clients are refused first: above the
need ``tau / |slope|``. Refusals grow with the spread of need and with budget pressure (lower
``alpha'`` while the floor keeps care up), and fall with risk adjustment (``a`` is set so that
the slope ``-x`` of the financial result in need is cut by
``risk_adjustment.selection_reduction``), a settlement (lower ``m``) and an acceptance
obligation (no refusals at all).

**Budget over the year.** Arrivals are decided week by week (52 steps; within a week all
clients of all providers at once, vectorised). Each week a provider projects its year-end cost
(committed cost plus the expected cost of the clients still to come), pays it through the
variant's ``pay()`` on a grid of outcomes, and moves ``lambda`` halfway to
``budget.pressure_slope * max(0, projected own loss) / expected cost``. A variant with a budget
(lumpsum, population, hybrid) postpones every new client once its realised own loss exceeds
``budget.loss_tolerance`` of its expected cost while it still bears most of the next euro
(``r < c / 2``; beyond a corridor the settlement pays it): the waiting list appears late in
the year. With an acceptance obligation those clients still wait; only refusal is forbidden.

**p*q capacity.** Under p*q (and the p*q part ``s`` of a hybrid) a provider's capacity is
``K_j = cap * sum_i n_ij * level ** (supply_elasticity * s)``: at the reference tariff it
covers the indicated care of its caseload; ``level`` is the tariff relative to the reference.
Clients arriving once ``K_j`` is used wait (the one at the edge gets what is left); spare
capacity is filled with light clients (``induced.light_need``) when an extra unit pays
(``r > c``) and nobody waits: supplier-induced demand. So total p*q volume is ``K``, and
``d ln volume / d ln tariff = supply_elasticity``.

**Refusals** leave the municipal domain with share ``referral.shift_share`` (split Wlz / Zvw /
voorliggend veld by domain); the rest return after ``referral.return_delay_weeks`` and count as
waiting. Postponed clients wait until the next budget year.

**Duration** carries the part ``duration.response_share`` of the change in care per client:
``duration factor = x ** response_share``; its yearly drift is
``duration.annual_growth_pq * r / tariff`` (5 % without, 11 % with residence under p*q, 0 under
a pure lumpsum).

**Payment** at the end of the year goes through the variant's ``pay()`` on each provider's
delivered care, plus the risk-adjusted part as an :class:`~bekostiging.model.variants.Output` price per
unit of need (the budget is settled against cost net of that revenue). Results per provider
give spend, margin and the chance of a loss beyond ``continuity.loss_threshold`` of revenue.

>>> sim = simulate(SegmentInputs.example(), PaymentRule("lumpsum"), n_clients=2_000, seed=1)
>>> s = sim.summary()
>>> s["provision_ratio"] < 1 < simulate(SegmentInputs.example(), PaymentRule("pq"),
...                                     n_clients=2_000, seed=1).summary()["provision_ratio"]
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np

from bekostiging.config.parameters import Parameters, load_parameters
from bekostiging.core.errors import ParameterError, Problem
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.model.variants import (
    NO_SETTLEMENT,
    PQ,
    VARIANTS,
    Demand,
    Hybrid,
    Lumpsum,
    Output,
    PopulationFunding,
    Settlement,
    variant_from_config,
)

BEHAVIOUR_FILE = ASSUMPTIONS_DIR / "parameters" / "behaviour.yaml"
WEEKS = 52
SEED = 20220701
BUDGET_KINDS = ("lumpsum", "population", "hybrid")  # variants with a budget that can run out
RA_KINDS = ("lumpsum", "population", "output")  # variants where risk adjustment is modelled
SHIFT_TARGETS = ("wlz", "zvw", "voorliggend_veld")
# Quantiles of a standard normal: the provider's uncertainty about its year-end cost.
_Z = np.array([NormalDist().inv_cdf((i + 0.5) / 11) for i in range(11)])


# --------------------------------------------------------------------------------------------
# inputs: the numbers one simulation needs, read from named parameters

# field of SegmentInputs -> parameter name; per-segment names are resolved by segment/domain.
PARAMETER_OF: dict[str, str] = {
    "benefit_weight": "behaviour.provider.benefit_weight",
    "benefit_ratio": "behaviour.provider.benefit_ratio",
    "intensity_cap": "behaviour.provider.intensity_cap",
    "intensity_floor": "behaviour.provider.intensity_floor",
    "tariff_markup": "behaviour.payment.tariff_markup",
    "budget_ratio": "behaviour.payment.budget_ratio",
    "output_price_ratio": "behaviour.payment.output_price_ratio",
    "hybrid_pq_share": "behaviour.payment.hybrid_pq_share",
    "supply_elasticity": "behaviour.supply_elasticity",
    "outside_option": "behaviour.acceptance.outside_option",
    "tolerance": "behaviour.acceptance.tolerance",
    "pressure_slope": "behaviour.budget.pressure_slope",
    "loss_tolerance": "behaviour.budget.loss_tolerance",
    "selection_reduction": "behaviour.risk_adjustment.selection_reduction",
    "shift_share": "behaviour.referral.shift_share",
    "return_delay_weeks": "behaviour.referral.return_delay_weeks",
    "need_cv": "behaviour.need.cv",
    "need_cv_scale": "behaviour.need.cv_scale",
    "caseload_cv": "behaviour.need.caseload_cv",
    "clients_per_provider": "behaviour.need.clients_per_provider",
    "light_need": "behaviour.induced.light_need",
    "efficient_weeks": "behaviour.duration.efficient_weeks",
    "duration_share": "behaviour.duration.response_share",
    "duration_growth": "behaviour.duration.annual_growth_pq",
    "upcoding_max_share": "behaviour.upcoding.max_share",
    "loss_threshold": "behaviour.continuity.loss_threshold",
}
_PER_SEGMENT = {
    "need_cv",
    "clients_per_provider",
    "efficient_weeks",
    "duration_growth",
}


@dataclass(frozen=True)
class SegmentInputs:
    """All numbers of one segment's simulation (hashable, so results can be cached).

    Field names map to parameter names through :data:`PARAMETER_OF`; ``sources`` records, per
    field, the parameter name and its source (for traceability in reports).
    """

    segment: str
    domain: str
    benefit_weight: float
    benefit_ratio: float
    intensity_cap: float
    intensity_floor: float
    tariff_markup: float
    budget_ratio: float
    output_price_ratio: float
    hybrid_pq_share: float
    supply_elasticity: float
    outside_option: float
    tolerance: float
    pressure_slope: float
    loss_tolerance: float
    selection_reduction: float
    shift_share: float
    return_delay_weeks: float
    need_cv: float
    need_cv_scale: float
    caseload_cv: float
    clients_per_provider: float
    light_need: float
    efficient_weeks: float
    duration_share: float
    duration_growth: float
    upcoding_max_share: float
    loss_threshold: float
    shift_split: tuple[tuple[str, float], ...] = (
        ("wlz", 0.1),
        ("zvw", 0.45),
        ("voorliggend_veld", 0.45),
    )
    admin_cost_share: tuple[tuple[str, float], ...] = ()
    cost_per_client: float = 1.0  # EUR per client-year of efficient care (money scale only)
    units_per_client: float = 1.0  # units per client-year of efficient care (reporting only)
    sources: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)

    @classmethod
    def example(cls, **changes: Any) -> SegmentInputs:
        """Round numbers for tests and doctests (a youth segment), with optional changes.

        >>> SegmentInputs.example(need_cv=0.5).need_cv
        0.5
        """
        base = dict(
            segment="voorbeeld",
            domain="jeugd",
            benefit_weight=0.915,
            benefit_ratio=3.0,
            intensity_cap=1.1,
            intensity_floor=0.8,
            tariff_markup=1.1,
            budget_ratio=0.9,
            output_price_ratio=1.0,
            hybrid_pq_share=0.3,
            supply_elasticity=1.0,
            outside_option=0.6,
            tolerance=1.5,
            pressure_slope=10.0,
            loss_tolerance=0.03,
            selection_reduction=0.5,
            shift_share=0.4,
            return_delay_weeks=8.0,
            need_cv=1.0,
            need_cv_scale=1.0,
            caseload_cv=0.08,
            clients_per_provider=200.0,
            light_need=0.3,
            efficient_weeks=30.0,
            duration_share=0.5,
            duration_growth=0.05,
            upcoding_max_share=0.1,
            loss_threshold=0.05,
            admin_cost_share=(
                ("pq", 0.08),
                ("output", 0.06),
                ("lumpsum", 0.04),
                ("population", 0.03),
                ("hybrid", 0.07),
            ),
        )
        base.update(changes)
        return cls(**base)

    def parameter_names(self, *fields_: str) -> list[str]:
        """Parameter names behind the given fields (all fields when none given).

        >>> SegmentInputs.example().parameter_names("benefit_weight")
        ['behaviour.provider.benefit_weight']
        """
        wanted = fields_ or tuple(PARAMETER_OF)
        return [PARAMETER_OF[f] for f in wanted if f in PARAMETER_OF]

    def source_of(self, field_name: str) -> str:
        """The source text of the parameter behind a field ('' when unknown)."""
        for f, _name, source in self.sources:
            if f == field_name:
                return source
        return ""


def load_behaviour_parameters(region_params: Parameters | None = None) -> Parameters:
    """``behaviour.yaml`` merged under the region's parameters (the region wins on a name).

    The file is read by path, so a region does not need to list it; a region that does list it
    (or overrides a ``behaviour.`` name) takes precedence.

    >>> load_behaviour_parameters().value("behaviour.supply_elasticity")
    1.0
    """
    base = _behaviour_file()
    if region_params is None:
        return base
    merged = {n: base.param(n) for n in base.names()}
    merged.update({n: region_params.param(n) for n in region_params.names()})
    return Parameters(merged)


@lru_cache(maxsize=1)
def _behaviour_file() -> Parameters:
    return load_parameters([BEHAVIOUR_FILE])


def infer_domain(segment_id: str) -> str:
    """Domain of a segment id when no Segment object is at hand: ``wmo...`` is Wmo, else jeugd.

    >>> infer_domain("wmo_pbv"), infer_domain("jeugd_ambulant"), infer_domain("iaj")
    ('wmo', 'jeugd', 'jeugd')
    """
    return "wmo" if str(segment_id).startswith("wmo") else "jeugd"


def _segment_value(p: Any, segment: str, domain: str) -> float:
    """A per-segment value: the segment's key, else its domain's, else ``default``."""
    v = p.value
    if not isinstance(v, Mapping):
        return float(v)
    for key in (segment, domain, "default"):
        if key in v:
            return float(v[key])
    raise ParameterError(
        Problem(
            p.file,
            f"parameter '{p.name}' has no value for segment {segment!r}, domain {domain!r} or "
            "'default'",
            row=p.line,
            expected="one of: " + ", ".join(map(str, v)),
        )
    )


def segment_inputs(
    segment: Any,
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
) -> SegmentInputs:
    """Read a segment's inputs from the behaviour parameters (and the region's, for euros).

    ``segment`` is a segment id or a :class:`~bekostiging.config.region.Segment` (which gives the
    domain). ``params`` defaults to ``behaviour.yaml``; names in ``region_params`` win.

    >>> inp = segment_inputs("jeugd_ambulant")  # Regio Alkmaar: not listed, takes 'jeugd'
    >>> inp.need_cv, inp.domain
    (1.0, 'jeugd')
    >>> segment_inputs("hcv").clients_per_provider
    25.0
    """
    seg_id = str(getattr(segment, "id", segment))
    domain = domain or getattr(segment, "domain", None) or infer_domain(seg_id)
    if domain not in ("jeugd", "wmo"):
        raise ParameterError(
            Problem("behaviour", f"unknown domain {domain!r}", expected="'jeugd' or 'wmo'")
        )
    p = load_behaviour_parameters(region_params) if params is None else params
    if params is not None and region_params is not None:
        p = Parameters(
            {n: params.param(n) for n in params.names()}
            | {n: region_params.param(n) for n in region_params.names()}
        )
    values: dict[str, Any] = {}
    sources = []
    for f, name in PARAMETER_OF.items():
        par = p.param(name)
        values[f] = _segment_value(par, seg_id, domain) if f in _PER_SEGMENT else float(par.value)
        sources.append((f, name, par.source))
    split_p = p.param(f"behaviour.referral.shift_split.{domain}")
    split = tuple((k, float(split_p.value.get(k, 0.0))) for k in SHIFT_TARGETS)
    sources.append(("shift_split", split_p.name, split_p.source))
    admin_p = p.param("behaviour.admin_cost_share")
    admin = tuple((k, float(admin_p.value[k])) for k in VARIANTS if k in admin_p.value)
    sources.append(("admin_cost_share", admin_p.name, admin_p.source))
    cpc, cpc_source = _cost_per_client(p, seg_id, domain)
    sources.append(("cost_per_client", *cpc_source))
    upc_name = f"units_per_client.{seg_id}"
    upc = float(p.value(upc_name)) if upc_name in p else 1.0
    return SegmentInputs(
        segment=seg_id,
        domain=domain,
        shift_split=split,
        admin_cost_share=admin,
        cost_per_client=cpc,
        units_per_client=upc,
        sources=tuple(sources),
        **values,
    )


def _cost_per_client(p: Parameters, seg: str, domain: str) -> tuple[float, tuple[str, str]]:
    """EUR per client-year: the region's reference, else tariff x units, else a default."""
    ref = f"cost_per_client_reference.{seg}"
    if ref in p:
        return float(p.value(ref)), (ref, p.param(ref).source)
    tariff, units = f"tariff.{seg}", f"units_per_client.{seg}"
    if tariff in p and units in p:
        return float(p.value(tariff)) * float(p.value(units)), (tariff, p.param(tariff).source)
    par = p.param("behaviour.money.cost_per_client")
    return _segment_value(par, seg, domain), (par.name, par.source)


# --------------------------------------------------------------------------------------------
# the payment rule: which variant, with which contract terms and options


@dataclass(frozen=True)
class PaymentRule:
    """The structure of a variant as the provider sees it, plus behavioural options.

    Money amounts come from the inputs (``tariff_markup``, ``budget_ratio``,
    ``output_price_ratio``) times ``level``; ``pq_share`` None takes the inputs' default.
    ``risk_adjustment`` pays part of the budget (or output price) per unit of need;
    ``acceptance_obligation`` forbids refusals (acceptatieplicht).

    >>> PaymentRule("lumpsum").has_budget, PaymentRule("pq").has_budget
    (True, False)
    """

    kind: str
    settlement: Settlement = NO_SETTLEMENT
    pq_share: float | None = None
    cap_by_indication: bool = True
    level: float = 1.0
    risk_adjustment: bool = False
    acceptance_obligation: bool = False

    def __post_init__(self) -> None:
        if self.kind not in VARIANTS:
            raise ValueError(
                f"unknown variant {self.kind!r}; valid variants: {', '.join(map(repr, VARIANTS))}"
            )
        if not isinstance(self.settlement, Settlement):
            raise ValueError(f"settlement must be a Settlement; found {self.settlement!r}")
        if not (self.level > 0 and math.isfinite(self.level)):
            raise ValueError(f"level must be a positive number; found {self.level!r}")

    @property
    def has_budget(self) -> bool:
        return self.kind in BUDGET_KINDS

    def share(self, inputs: SegmentInputs) -> float:
        """The p*q share: 1 for p*q, the hybrid's share, else 0."""
        if self.kind == "pq":
            return 1.0
        if self.kind == "hybrid":
            return inputs.hybrid_pq_share if self.pq_share is None else float(self.pq_share)
        return 0.0


def payment_rule(variant: Any, **options: Any) -> PaymentRule:
    """A :class:`PaymentRule` from a variant key, a region funding spec or a Variant object.

    Only the structure is taken (kind, settlement, p*q share, indication cap); the money
    amounts of a Variant are ignored, because the model's payment levels are relative to the
    efficient cost (see :class:`PaymentRule`). ``options`` set PaymentRule fields.

    >>> spec = {"variant": "lumpsum", "settlement": {"kind": "corridor", "corridor": 0.05}}
    >>> r = payment_rule(spec, acceptance_obligation=True)
    >>> r.kind, r.settlement.corridor, r.acceptance_obligation
    ('lumpsum', 0.05, True)
    >>> payment_rule(Hybrid(budget=1e6, tariff=60.0, pq_share=0.4)).pq_share
    0.4
    >>> payment_rule("lumpsum", settlement={"kind": "full", "corridor": 0.0}).settlement.kind
    'full'
    """
    if "settlement" in options and not isinstance(options["settlement"], Settlement):
        options = {**options, "settlement": _settlement(options["settlement"])}
    if isinstance(variant, PaymentRule):
        return replace(variant, **options)
    if isinstance(variant, str):
        return PaymentRule(variant, **options)
    if isinstance(variant, Mapping):
        variant = _normalised_spec(variant)
        context = {"budget": 1.0, "tariff": 1.0, "price_per_client": 1.0, "amount_per_head": 1.0}
        if variant.get("variant") == "hybrid" and "pq_share" not in variant:
            context["pq_share"] = 0.0  # placeholder: None below takes the inputs' default
            v = variant_from_config(variant, **context)
            return replace(_rule_of(v), pq_share=None, **options)
        variant = variant_from_config(variant, **context)
    if isinstance(variant, PQ | Output | Lumpsum | PopulationFunding | Hybrid):
        return replace(_rule_of(variant), **options)
    raise ValueError(f"a variant must be a key, a spec mapping or a Variant; found {variant!r}")


def _settlement(spec: Any) -> Settlement:
    """A Settlement from a kind name or a mapping as in a region file."""
    if isinstance(spec, str):
        return Settlement(spec)
    spec = {k: v for k, v in dict(spec).items() if k not in ("source", "note")}
    if spec.get("kind") in ("none", "full"):
        return Settlement(spec["kind"])
    return Settlement(**spec)


def _normalised_spec(spec: Mapping) -> dict:
    """A region funding spec as variant_from_config reads it: the region reader fills in the
    corridor and shares also for kinds 'none' and 'full', which imply their own."""
    spec = dict(spec)
    st = spec.get("settlement")
    if isinstance(st, Mapping) and st.get("kind") in ("none", "full"):
        spec["settlement"] = {"kind": st["kind"]}
    return spec


def _rule_of(v: Any) -> PaymentRule:
    return PaymentRule(
        kind=v.key,
        settlement=getattr(v, "settlement", NO_SETTLEMENT),
        pq_share=getattr(v, "pq_share", None),
        cap_by_indication=getattr(v, "cap_by_indication", True),
    )


# --------------------------------------------------------------------------------------------
# the provider's choices (pure functions on arrays)


def intensity(m: Any, alpha: float, k: float, cap: float) -> np.ndarray:
    """Care per unit of need chosen at own marginal cost ``m`` per unit (unit cost 1).

    ``x = (alpha k / m - 1) / (k - 1)`` clipped to ``[0, cap]``; ``cap`` when ``m <= 0``.

    >>> intensity([1.0, 0.5, -0.1], alpha=1.0, k=3.0, cap=1.2).round(3).tolist()
    [1.0, 1.2, 1.2]
    >>> float(intensity(1.0, alpha=0.9, k=3.0, cap=1.2))  # fixed payment: (2.7 - 1) / 2
    0.85
    """
    m = np.asarray(m, dtype=float)
    x = np.where(m > 0, (np.multiply(alpha, k) / np.where(m > 0, m, 1.0) - 1.0) / (k - 1.0), cap)
    return np.clip(x, 0.0, cap)


def benefit_per_need(x: Any, k: float) -> np.ndarray:
    """``B(x n) / n`` with unit cost 1: ``k ln(1 + x (k - 1)) / (k - 1)``.

    >>> round(float(benefit_per_need(1.0, 3.0)), 4)  # 3 ln 3 / 2
    1.6479
    """
    return k * np.log1p(np.asarray(x, dtype=float) * (k - 1.0)) / (k - 1.0)


@dataclass(frozen=True)
class _Contract:
    """The variant with the model's money amounts for one provider of ``n`` clients."""

    variant: Any
    kind: str
    ra_rate: float  # risk-adjustment payment per unit of need accepted
    per_client: float  # payment per extra client (the output price)
    has_budget: bool
    pq_share: float


def _contract(inputs: SegmentInputs, rule: PaymentRule, n: int) -> _Contract:
    lv = rule.level
    budget = inputs.budget_ratio * lv * n  # expected efficient cost of n clients is n
    tariff = inputs.tariff_markup * lv
    price = inputs.output_price_ratio * lv
    s = rule.share(inputs)
    # Risk adjustment: part w of the money follows need, set so that the slope of the
    # provider's result in a client's need (-x0 at fixed payment) is cut by selection_reduction.
    x0 = float(intensity(1.0, inputs.benefit_weight, inputs.benefit_ratio, inputs.intensity_cap))
    ra_rate, w = 0.0, 0.0
    if rule.risk_adjustment and rule.kind in RA_KINDS:
        per_client_money = price if rule.kind == "output" else budget / n
        ra_rate = min(inputs.selection_reduction * x0, per_client_money)
        w = ra_rate / per_client_money
    st = rule.settlement
    if rule.kind == "pq":
        v: Any = PQ(tariff=tariff, cap_by_indication=rule.cap_by_indication)
    elif rule.kind == "output":
        v = Output(price_per_client=(1.0 - w) * price)
    elif rule.kind == "lumpsum":
        v = Lumpsum(budget=(1.0 - w) * budget, settlement=st)
    elif rule.kind == "population":
        v = PopulationFunding(amount_per_head=(1.0 - w) * budget / n, settlement=st)
    else:
        v = Hybrid(
            budget=budget,
            tariff=tariff,
            pq_share=s,
            settlement=st,
            cap_by_indication=rule.cap_by_indication,
        )
    # Payment for one more client with the same care, through the variant itself.
    one = v.pay(Demand(clients=1.0, units=1.0, unit_cost=1.0, population=n))
    two = v.pay(Demand(clients=2.0, units=1.0, unit_cost=1.0, population=n))
    per_client = float(two.municipality_spend - one.municipality_spend)
    return _Contract(v, rule.kind, ra_rate, per_client, rule.has_budget, s)


@dataclass(frozen=True)
class _State:
    """A provider's plan at the start of a week (arrays over providers)."""

    x: np.ndarray  # care per unit of need for new clients
    slope: np.ndarray  # value of a client per unit of need (plus per_client)
    marginal_share: np.ndarray  # r / c: what an extra unit earns
    postpone: np.ndarray  # bool: budget used up, new clients wait
    pressure: np.ndarray  # lambda: extra weight on own money


def _plan(
    inputs: SegmentInputs,
    contract: _Contract,
    n: int,
    t: float,
    committed: np.ndarray,
    ra_received: np.ndarray,
    served: np.ndarray,
    accepted_need_share: np.ndarray,
    x_prev: np.ndarray,
    pressure_prev: np.ndarray,
) -> _State:
    """The provider's state at time ``t``: used by the vectorised model and the naive loop."""
    k, cap = inputs.benefit_ratio, inputs.intensity_cap
    to_come = (1.0 - t) * n * accepted_need_share
    projected = committed + to_come * x_prev
    ra_expected = ra_received + to_come * contract.ra_rate
    cv = inputs.need_cv * inputs.need_cv_scale
    sigma = math.hypot(inputs.caseload_cv, cv / math.sqrt(n)) * math.sqrt(1.0 - t) + 0.01
    outcomes = projected[..., None] * (1.0 + sigma * _Z)  # (..., grid)
    net = np.maximum(outcomes - ra_expected[..., None], 0.0)
    res = contract.variant.pay(Demand(clients=n, units=net, unit_cost=1.0, population=n))
    share = res.municipality_cost_share.mean(axis=-1)
    own_loss = (outcomes - res.municipality_spend - ra_expected[..., None]).mean(axis=-1)
    # Budget pressure: money weighs 1 + lambda against the client's benefit; the provider
    # adjusts lambda halfway each week (no week-to-week swings).
    pressure = 0.5 * (pressure_prev + inputs.pressure_slope * np.maximum(own_loss, 0.0) / n)
    alpha = inputs.benefit_weight / (1.0 + pressure)
    m = 1.0 - share  # own cost of an extra unit after what the payment returns
    x = np.maximum(intensity(m, alpha, k, cap), np.where(m > 0, inputs.intensity_floor, 0.0))
    slope = (
        contract.ra_rate + alpha * (1.0 - inputs.outside_option) * benefit_per_need(x, k) - m * x
    )
    postpone = np.zeros(np.shape(committed), dtype=bool)
    if contract.has_budget:
        now = contract.variant.pay(
            Demand(
                clients=served,
                units=np.maximum(committed - ra_received, 0.0),
                unit_cost=1.0,
                population=n,
            )
        )
        loss_now = committed - now.municipality_spend - ra_received
        # Postpone when the reserve is used and the provider still bears most of the next euro
        # (beyond a corridor the settlement pays it, so clients keep being accepted).
        postpone = (loss_now > inputs.loss_tolerance * n) & (share < 0.5)
    return _State(x=x, slope=slope, marginal_share=share, postpone=postpone, pressure=pressure)


def _initial_plan(
    inputs: SegmentInputs, contract: _Contract, n: int, providers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Plan at the start of the year: fixed-point steps of intensity -> projected cost."""
    zeros, ones = np.zeros(providers), np.ones(providers)
    x0 = intensity(1.0, inputs.benefit_weight, inputs.benefit_ratio, inputs.intensity_cap)
    x, pressure = np.full(providers, float(x0)), zeros
    for _ in range(10):
        st = _plan(inputs, contract, n, 0.0, zeros, zeros, zeros, ones, x, pressure)
        x, pressure = st.x, st.pressure
    return x, pressure


# --------------------------------------------------------------------------------------------
# simulation

SERVED, REFUSED, POSTPONED = 0, 1, 2


@dataclass(frozen=True, eq=False)
class Simulation:
    """One simulated year of a segment under one payment rule (normalised money).

    Client arrays are ``(providers, clients per provider)`` in arrival order; provider arrays
    are ``(providers,)``. ``status`` is SERVED (0), REFUSED (1) or POSTPONED (2).
    """

    inputs: SegmentInputs
    rule: PaymentRule
    need: np.ndarray
    arrival: np.ndarray
    status: np.ndarray
    care: np.ndarray  # units per client (0 when not served)
    induced_clients: np.ndarray
    induced_care: np.ndarray
    spend: np.ndarray
    cost: np.ndarray
    settlement_flow: np.ndarray
    marginal_share: np.ndarray  # r / c at the end of the year
    seconds: float = 0.0

    @property
    def provider_result(self) -> np.ndarray:
        return self.spend - self.cost

    @property
    def clients(self) -> int:
        return int(self.need.size)

    def waiting_by_month(self) -> np.ndarray:
        """Clients postponed, by month of arrival (12 values)."""
        month = np.minimum((self.arrival * 12).astype(int), 11)
        return np.bincount(month[self.status == POSTPONED], minlength=12)

    def summary(self) -> dict[str, float]:
        """Outcomes per variant, as shares of the clients in need unless named otherwise.

        >>> s = simulate(SegmentInputs.example(), PaymentRule("output"), 1_000, 2).summary()
        >>> round(s["cost_factor"] - s["volume_factor"] * s["intensity_factor"], 12)
        0.0
        """
        i = self.inputs
        n_all = self.need.size
        need_total = float(self.need.sum())
        served = self.status == SERVED
        refused = self.status == REFUSED
        postponed = self.status == POSTPONED
        n_served, n_refused = int(served.sum()), int(refused.sum())
        returning = n_refused * (1.0 - i.shift_share)
        shifted = n_refused * i.shift_share
        wait_weeks = float(((1.0 - self.arrival[postponed]) * WEEKS).sum())
        wait_weeks += returning * i.return_delay_weeks
        waiting = float(postponed.sum()) + returning
        induced = float(self.induced_clients.sum())
        care = float(self.care.sum()) + float(self.induced_care.sum())
        x = np.divide(self.care[served], self.need[served])
        provision = float(self.care[served].sum() / max(self.need[served].sum(), 1e-12))
        met = float(np.minimum(self.care, self.need)[served].sum())
        mean_need = need_total / n_all
        volume = (n_served + induced) / n_all
        per_served = care / max(n_served + induced, 1e-12)
        top = self.need >= np.quantile(self.need, 0.9)
        revenue = self.spend
        loss = self.provider_result < -i.loss_threshold * np.maximum(revenue, 1e-12)
        r_mean = float(self.marginal_share.mean())
        split = dict(i.shift_split)
        admin = dict(i.admin_cost_share)
        upcoding_index = self._upcoding_index()
        return {
            "clients_in_need": float(n_all),
            "served_share": n_served / n_all,
            "induced_share": induced / n_all,
            "volume_factor": volume,
            "intensity_factor": per_served / mean_need,
            "cost_factor": care / need_total,
            "provision_ratio": provision,
            "under_provision_share": float((x < 0.95).mean()) if x.size else 0.0,
            "over_provision_share": float((x > 1.05).mean()) if x.size else 0.0,
            "refused_share": n_refused / n_all,
            "refused_high_need_share": float(refused[top].mean()),
            "mean_need_refused": float(self.need[refused].mean()) / mean_need if n_refused else 0.0,
            "postponed_share": float(postponed.mean()),
            "waiting_share": waiting / n_all,
            "mean_wait_weeks": wait_weeks / waiting if waiting else 0.0,
            "shifted_share": shifted / n_all,
            **{f"shifted_{k}_share": shifted * v / n_all for k, v in split.items()},
            "unmet_need": 1.0 - met / need_total,
            "duration_factor": float(np.mean(x**i.duration_share)) if x.size else 0.0,
            "mean_duration_weeks": i.efficient_weeks * float(np.mean(x**i.duration_share))
            if x.size
            else 0.0,
            "duration_trend": i.duration_growth * r_mean / i.tariff_markup,
            "spend_factor": float(self.spend.sum()) / need_total,
            "spend_eur": float(self.spend.sum()) * i.cost_per_client / mean_need,
            "spend_per_client_eur": float(self.spend.sum()) * i.cost_per_client / need_total,
            "provider_margin": float(self.provider_result.sum() / max(revenue.sum(), 1e-12)),
            "loss_probability": float(loss.mean()),
            "settlement_share": float(self.settlement_flow.sum() / max(revenue.sum(), 1e-12)),
            "marginal_share": r_mean,
            "upcoding_index": upcoding_index,
            "upcoding_share": i.upcoding_max_share * min(upcoding_index, 1.0),
            "admin_cost_share": admin.get(self.rule.kind, 0.0),
        }

    def _upcoding_index(self) -> float:
        """Part of a heavier classification's extra cost that the payment pays for.

        Only payments that follow the classification count: the tariff x indicated units under
        p*q (and the p*q part of a hybrid), the heavier segment's price under output, the
        need-related part under risk adjustment. A settlement pays cost, not class: 0.
        """
        i, rule = self.inputs, self.rule
        index = rule.share(i) * i.tariff_markup * rule.level
        if rule.kind == "output":
            index = i.output_price_ratio * rule.level
        if rule.risk_adjustment and rule.kind in RA_KINDS:
            index += i.selection_reduction
        return index


def _providers(inputs: SegmentInputs, n_clients: int) -> tuple[int, int]:
    if n_clients < 1:
        raise ValueError(f"n_clients must be at least 1; found {n_clients}")
    size = max(1, round(inputs.clients_per_provider))
    providers = max(1, round(n_clients / size))
    return providers, math.ceil(n_clients / providers)


def _draws(inputs: SegmentInputs, providers: int, n: int, seed: int):
    """Need and arrival per client; standard normals first, so parameters don't shift the stream."""
    rng = np.random.default_rng(seed)
    z_shock = rng.standard_normal(providers)
    z_need = rng.standard_normal((providers, n))
    arrival = np.sort(rng.random((providers, n)), axis=1)
    need = _lognormal(z_need, inputs.need_cv * inputs.need_cv_scale)
    need = need * _lognormal(z_shock, inputs.caseload_cv)[:, None]
    return need, arrival


def _lognormal(z: np.ndarray, cv: float) -> np.ndarray:
    s2 = math.log1p(cv * cv)
    return np.exp(math.sqrt(s2) * z - s2 / 2.0)  # mean 1, coefficient of variation cv


def simulate(
    inputs: SegmentInputs, rule: PaymentRule, n_clients: int = 10_000, seed: int = SEED
) -> Simulation:
    """Simulate one year of a segment under a payment rule (vectorised over clients).

    Clients are rounded up to whole providers. The same inputs, rule and seed give identical
    arrays.

    >>> a = simulate(SegmentInputs.example(), PaymentRule("lumpsum"), 500, seed=3)
    >>> b = simulate(SegmentInputs.example(), PaymentRule("lumpsum"), 500, seed=3)
    >>> bool((a.status == b.status).all() and (a.care == b.care).all())
    True
    """
    start = time.perf_counter()
    providers, n = _providers(inputs, n_clients)
    need, arrival = _draws(inputs, providers, n, seed)
    contract = _contract(inputs, rule, n)
    week = np.minimum((arrival * WEEKS).astype(int), WEEKS - 1)

    status = np.full(need.shape, SERVED, dtype=np.int8)
    care = np.zeros(need.shape)
    committed = np.zeros(providers)
    ra_received = np.zeros(providers)
    served = np.zeros(providers)
    need_arrived = np.zeros(providers)
    need_accepted = np.zeros(providers)
    x, pressure = _initial_plan(inputs, contract, n, providers)
    share = np.zeros(providers)
    for w in range(WEEKS):
        arriving = week == w
        acc_share = np.divide(
            need_accepted, need_arrived, out=np.ones(providers), where=need_arrived > 0
        )
        st = _plan(
            inputs, contract, n, w / WEEKS, committed, ra_received, served, acc_share, x, pressure
        )
        x, share, pressure = st.x, st.marginal_share, st.pressure
        value = contract.per_client + need * st.slope[:, None]
        ok = (value >= -inputs.tolerance) | rule.acceptance_obligation
        accept = arriving & ~st.postpone[:, None] & ok
        status[arriving & st.postpone[:, None]] = POSTPONED
        status[arriving & ~st.postpone[:, None] & ~ok] = REFUSED
        q = np.where(accept, x[:, None] * need, 0.0)
        care += q
        committed += q.sum(axis=1)
        accepted_need = np.where(accept, need, 0.0).sum(axis=1)
        ra_received += contract.ra_rate * accepted_need
        served += accept.sum(axis=1)
        need_arrived += np.where(arriving, need, 0.0).sum(axis=1)
        need_accepted += accepted_need

    induced_clients = np.zeros(providers)
    induced_care = np.zeros(providers)
    if rule.kind in ("pq", "hybrid") and contract.pq_share > 0:
        status, care, induced_clients, induced_care = _capacity(
            inputs, rule, contract, need, status, care, share
        )
    served_mask = status == SERVED
    cost = care.sum(axis=1) + induced_care
    clients = served_mask.sum(axis=1) + induced_clients
    need_served = np.where(served_mask, need, 0.0).sum(axis=1)
    ra = (
        Output(price_per_client=contract.ra_rate)
        .pay(Demand(clients=need_served, units=0.0, unit_cost=1.0))
        .municipality_spend
    )
    res = contract.variant.pay(
        Demand(clients=clients, units=np.maximum(cost - ra, 0.0), unit_cost=1.0, population=n)
    )
    # The base payment was settled on cost net of the risk-adjusted revenue; add that revenue.
    spend = res.municipality_spend + ra
    return Simulation(
        inputs=inputs,
        rule=rule,
        need=need,
        arrival=arrival,
        status=status,
        care=np.where(status == SERVED, care, 0.0),
        induced_clients=induced_clients,
        induced_care=induced_care,
        spend=spend,
        cost=cost,
        settlement_flow=res.settlement_flow,
        marginal_share=share,
        seconds=time.perf_counter() - start,
    )


def _capacity(inputs, rule, contract, need, status, care, share):
    """p*q capacity: clients beyond it wait; spare capacity fills with induced light clients.

    At the reference payment level each provider's capacity covers the indicated care of its own
    caseload (``intensity_cap * sum of need``); it scales with ``level ** (elasticity * s)``.
    """
    elasticity = inputs.supply_elasticity * contract.pq_share
    capacity = inputs.intensity_cap * need.sum(axis=1) * rule.level**elasticity
    wanted = np.where(status == SERVED, care, 0.0)
    cum = np.cumsum(wanted, axis=1)
    before = cum - wanted  # capacity used before this client arrived
    # Clients arriving once capacity is used up wait; the one at the edge gets what is left.
    over = (before >= capacity[:, None]) & (status == SERVED) & (wanted > 0)
    edge = (cum > capacity[:, None]) & ~over & (status == SERVED)
    status = np.where(over, POSTPONED, status).astype(np.int8)
    care = np.where(over, 0.0, np.where(edge, capacity[:, None] - before, care))
    spare = np.maximum(capacity - care.sum(axis=1), 0.0)
    light = inputs.intensity_cap * inputs.light_need  # care of one induced client
    # Spare capacity is filled when an extra unit pays more than it costs and nobody waits.
    fills = (share > 1.0) & ~over.any(axis=1)
    induced_care = np.where(fills, spare, 0.0)
    induced_clients = induced_care / light if light > 0 else np.zeros_like(spare)
    return status, care, induced_clients, induced_care


# --------------------------------------------------------------------------------------------
# the response the projection uses


@dataclass(frozen=True)
class Response:
    """Expected behavioural response of one segment to one variant (from the micro model).

    Factors are relative to the need of the clients in need at efficient care:
    ``cost_factor = volume_factor * intensity_factor`` multiplies the cost of the care needed.
    Shares are of the clients in need. ``duration_trend`` is the extra yearly growth of
    trajectory durations under the variant (see the module docstring).
    """

    segment: str
    variant: str
    volume_factor: float
    intensity_factor: float
    cost_factor: float
    provision_ratio: float
    spend_factor: float
    waiting_share: float
    refused_share: float
    shifted_share: float
    induced_share: float
    unmet_need: float
    mean_wait_weeks: float
    duration_factor: float
    duration_trend: float
    provider_margin: float
    loss_probability: float
    upcoding_share: float

    def relative_to(self, base: Response) -> Response:
        """Factors divided by those of ``base`` (e.g. the regime of the calibration years).

        >>> r = Response("s", "pq", 1.0, 1.1, 1.1, 1.1, 1.2, 0, 0, 0, 0, 0, 0, 1.05, 0.05,
        ...              0.1, 0.0, 0.1)
        >>> b = replace(r, variant="lumpsum", intensity_factor=0.88, cost_factor=0.88)
        >>> round(r.relative_to(b).cost_factor, 4)
        1.25
        """
        div = {
            f: getattr(self, f) / getattr(base, f)
            for f in (
                "volume_factor",
                "intensity_factor",
                "cost_factor",
                "spend_factor",
                "provision_ratio",
                "duration_factor",
            )
            if getattr(base, f)
        }
        return replace(self, **div, duration_trend=self.duration_trend - base.duration_trend)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def response_from(sim: Simulation) -> Response:
    """The :class:`Response` of a simulation."""
    return _response(sim.inputs.segment, sim.rule.kind, sim.summary())


def _response(segment: str, kind: str, summary: Mapping[str, float]) -> Response:
    names = [f.name for f in fields(Response) if f.name not in ("segment", "variant")]
    return Response(segment=segment, variant=kind, **{f: summary[f] for f in names})


@lru_cache(maxsize=1024)
def _cached_summary(
    inputs: SegmentInputs, rule: PaymentRule, n: int, seed: int
) -> tuple[tuple[str, float], ...]:
    return tuple(simulate(inputs, rule, n, seed).summary().items())


def segment_summary(
    inputs: SegmentInputs, rule: PaymentRule, n_clients: int = 10_000, seed: int = SEED
) -> dict[str, float]:
    """:meth:`Simulation.summary` of one simulation, cached on (inputs, rule, n, seed).

    >>> s = segment_summary(SegmentInputs.example(), PaymentRule("pq"), 1_000)
    >>> round(s["provision_ratio"], 2)
    1.1
    """
    return dict(_cached_summary(inputs, rule, int(n_clients), int(seed)))


def behavioural_response(
    segment: Any,
    variant: Any,
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
    n_clients: int = 20_000,
    seed: int = SEED,
    **options: Any,
) -> Response:
    """Expected response of ``segment`` to ``variant``; deterministic and cached.

    ``segment``: an id or a Segment (an id starting with ``wmo`` is Wmo, else youth, unless
    ``domain`` is given). ``variant``: a key (``"pq"``), a funding spec as in the region file
    (``segment.funding``), a Variant or a PaymentRule; only its structure counts (kind,
    settlement, p*q share), not its euro amounts. ``options``: PaymentRule fields
    (``settlement`` as a Settlement, kind name or mapping; ``pq_share``; ``risk_adjustment``;
    ``acceptance_obligation``; ``level``, the payment relative to the reference).

    How the projection applies it, per unit (segment) ``u`` and variant key ``v``::

        rp = region.parameters
        resp = behavioural_response(u, v, region_params=rp, settlement=settle_u,
                                    pq_share=params.value("projection.hybrid_pq_share"))
        base = behavioural_response(u, <funding of the calibration years, e.g. "pq">,
                                    region_params=rp)
        rel = resp.relative_to(base)
        clients = clients_needed * rel.volume_factor            # (D, M, Y) arrays
        units = clients * units_per_client * intensity * rel.intensity_factor
        result = variant.pay(Demand(clients, units, unit_cost, population=...))

    So the cost of care is multiplied by ``rel.cost_factor = rel.volume_factor *
    rel.intensity_factor``. Dividing by ``base`` keeps the behaviour that is already in the
    historical cost per client from being counted twice (use the plain ``resp`` factors only if
    the projected cost is the efficient cost of need). ``rel.duration_trend`` is the extra
    yearly growth of care per client (add it to the intensity path from the contract start);
    ``resp.waiting_share``, ``resp.unmet_need`` and ``resp.shifted_share`` are shown beside the
    spend. The result is cached per (inputs, rule, n_clients, seed); a call costs about 30 ms
    the first time and nothing after.

    >>> r = behavioural_response("iaj", "pq", n_clients=4_000)
    >>> r is behavioural_response("iaj", "pq", n_clients=4_000)  # cached
    True
    >>> lump = behavioural_response("iaj", "lumpsum", n_clients=4_000)
    >>> r.intensity_factor > lump.intensity_factor
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    return _cached_response(inputs, rule, int(n_clients), int(seed))


@lru_cache(maxsize=1024)
def _cached_response(inputs: SegmentInputs, rule: PaymentRule, n: int, seed: int) -> Response:
    return _response(inputs.segment, rule.kind, segment_summary(inputs, rule, n, seed))


# --------------------------------------------------------------------------------------------
# benchmark (called by bekostiging.bench, not a timed unit test)


def naive_decisions(
    inputs: SegmentInputs,
    rule: PaymentRule,
    n_clients: int,
    seed: int = SEED,
    providers: int | None = None,
) -> np.ndarray:
    """The same decision rule as :func:`simulate`, one client at a time in plain Python.

    Returns the status of every client of the first ``providers`` providers (before p*q
    capacity). The provider's weekly plan is the same :func:`_plan`; each client's value and
    decision are computed with Python floats. A baseline for the benchmark and a check that the
    vectorised model does what the loop does.
    """
    n_prov, n = _providers(inputs, n_clients)
    need, arrival = _draws(inputs, n_prov, n, seed)
    contract = _contract(inputs, rule, n)
    use = n_prov if providers is None else min(providers, n_prov)
    x0, p0 = _initial_plan(inputs, contract, n, n_prov)
    status = np.zeros((use, n), dtype=np.int8)
    tol, obliged, per_client = inputs.tolerance, rule.acceptance_obligation, contract.per_client
    for j in range(use):
        committed = ra_received = served = arrived = accepted = 0.0
        x, pressure, current_week, st = x0[j : j + 1], p0[j : j + 1], -1, None
        for i in range(n):
            wk = min(int(arrival[j, i] * WEEKS), WEEKS - 1)
            while current_week < wk:  # new week(s): re-plan as the vectorised model does
                current_week += 1
                acc = accepted / arrived if arrived > 0 else 1.0
                st = _plan(
                    inputs,
                    contract,
                    n,
                    current_week / WEEKS,
                    np.array([committed]),
                    np.array([ra_received]),
                    np.array([served]),
                    np.array([acc]),
                    x,
                    pressure,
                )
                x, pressure = st.x, st.pressure
            xs, slope, postpone = float(st.x[0]), float(st.slope[0]), bool(st.postpone[0])
            nd = float(need[j, i])
            arrived += nd
            if postpone:
                status[j, i] = POSTPONED
            elif obliged or per_client + nd * slope >= -tol:
                committed += xs * nd
                ra_received += contract.ra_rate * nd
                served += 1.0
                accepted += nd
            else:
                status[j, i] = REFUSED
    return status


def bench_behaviour(n_clients: int = 10_000, naive_clients: int = 1_000) -> dict:
    """Time all procured Achterhoek segments (decided variants) against the naive loop.

    Returns the dict that ``bekostiging.bench`` prints: the vectorised time for all segments
    of one municipality with ``n_clients`` per segment, the plain-Python time on a subsample of
    one segment, and the ratio per client.
    """
    from bekostiging.config.region import load_region

    region = load_region("achterhoek")
    cases = [
        (segment_inputs(s, region_params=region.parameters), payment_rule(s.funding))
        for s in region.procured_segments()
    ]
    start = time.perf_counter()
    for inputs, rule in cases:
        simulate(inputs, rule, n_clients, seed=1)
    seconds = time.perf_counter() - start
    inputs, rule = cases[0]
    vec = time.perf_counter()
    simulate(inputs, rule, n_clients, seed=1)
    vec = time.perf_counter() - vec
    providers = max(1, round(naive_clients / max(1, round(inputs.clients_per_provider))))
    naive = time.perf_counter()
    status = naive_decisions(inputs, rule, n_clients, seed=1, providers=providers)
    naive = time.perf_counter() - naive
    return {
        "name": "Provider behaviour model (all procured segments)",
        "size": f"{len(cases)} segments x {n_clients:,} clients",
        "seconds": seconds,
        "baseline_seconds": naive,
        "baseline_size": f"{status.size:,} clients of segment {inputs.segment}, plain Python",
        "ratio_per_unit": (naive / status.size) / (vec / n_clients),
        "under_one_second": seconds < 1.0,
    }


__all__ = [
    "BEHAVIOUR_FILE",
    "PARAMETER_OF",
    "PaymentRule",
    "Response",
    "SegmentInputs",
    "Simulation",
    "behavioural_response",
    "bench_behaviour",
    "benefit_per_need",
    "intensity",
    "load_behaviour_parameters",
    "naive_decisions",
    "payment_rule",
    "response_from",
    "segment_inputs",
    "segment_summary",
    "simulate",
]
