"""The provider's choices: care per unit of need, the value of a client, the weekly plan.

Pure functions on arrays over providers, used by the vectorised simulation and by the
plain-Python baseline of the benchmark alike (see :mod:`bekostiging.model.behaviour`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from bekostiging.model.behaviour.inputs import SegmentInputs
from bekostiging.model.behaviour.rules import RA_KINDS, PaymentRule
from bekostiging.model.variants import PQ, Demand, Hybrid, Lumpsum, Output, PopulationFunding

# Quantiles of a standard normal: the provider's uncertainty about its year-end cost.
_Z = np.array([NormalDist().inv_cdf((i + 0.5) / 11) for i in range(11)])


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
class Contract:
    """The variant with the model's money amounts for one provider of ``n`` clients."""

    variant: Any
    kind: str
    ra_rate: float  # risk-adjustment payment per unit of need accepted
    per_client: float  # payment per extra client (the output price)
    has_budget: bool
    pq_share: float


def make_contract(inputs: SegmentInputs, rule: PaymentRule, n: int) -> Contract:
    """The rule's variant with the model's money amounts for a provider of ``n`` clients."""
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
    return Contract(v, rule.kind, ra_rate, per_client, rule.has_budget, s)


@dataclass(frozen=True)
class WeekPlan:
    """A provider's plan at the start of a week (arrays over providers)."""

    x: np.ndarray  # care per unit of need for new clients
    slope: np.ndarray  # value of a client per unit of need (plus per_client)
    marginal_share: np.ndarray  # r / c: what an extra unit earns
    postpone: np.ndarray  # bool: budget used up, new clients wait
    pressure: np.ndarray  # lambda: extra weight on own money


def plan_week(
    inputs: SegmentInputs,
    contract: Contract,
    n: int,
    t: float,
    committed: np.ndarray,
    ra_received: np.ndarray,
    served: np.ndarray,
    accepted_need_share: np.ndarray,
    x_prev: np.ndarray,
    pressure_prev: np.ndarray,
) -> WeekPlan:
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
    return WeekPlan(x=x, slope=slope, marginal_share=share, postpone=postpone, pressure=pressure)


def initial_plan(
    inputs: SegmentInputs, contract: Contract, n: int, providers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Plan at the start of the year: fixed-point steps of intensity -> projected cost."""
    zeros, ones = np.zeros(providers), np.ones(providers)
    x0 = intensity(1.0, inputs.benefit_weight, inputs.benefit_ratio, inputs.intensity_cap)
    x, pressure = np.full(providers, float(x0)), zeros
    for _ in range(10):
        st = plan_week(inputs, contract, n, 0.0, zeros, zeros, zeros, ones, x, pressure)
        x, pressure = st.x, st.pressure
    return x, pressure
