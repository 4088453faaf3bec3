"""One simulated year of a segment under a payment rule (vectorised over clients)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from bekostiging.model.behaviour.inputs import SegmentInputs
from bekostiging.model.behaviour.provider import Contract, initial_plan, make_contract, plan_week
from bekostiging.model.behaviour.rules import RA_KINDS, PaymentRule
from bekostiging.model.variants import Demand, Output

WEEKS = 52
SEED = 20220701

SERVED, REFUSED, POSTPONED = 0, 1, 2

# Every client in need takes exactly one route; each route has a payer (conservation of need).
ROUTES: dict[str, str] = {
    "contracted": "contract",  # served by its own contracted provider
    "other_provider": "contract",  # refused, re-referred to another contracted provider
    "backlog": "contract",  # waits; served in the next budget year under the contract
    "duty_of_care": "municipality",  # non-contracted care or a pgb (zorgplicht), this year
    "voorliggend_veld": "municipality",  # lighter support, another municipal task field
    "wlz": "wlz",
    "zvw": "zvw",
    "unmet": "none",  # goes without: a harm, never a saving
}


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
        return {**self._care_summary(), **self._access_summary(), **self._money_summary()}

    def _served_intensity(self) -> np.ndarray:
        """Care per unit of need of every served client."""
        served = self.status == SERVED
        return np.divide(self.care[served], self.need[served])

    def routes(self) -> dict[str, dict[str, float]]:
        """Where every client in need ends up: clients, need and cost per route (normalised).

        Each client in need takes one route of :data:`ROUTES`, so clients and need add up to
        the clients in need and their total need (conservation of need; the property test is
        ``tests/test_need_routes.py``). Refused clients leave the domain with share
        ``shift_share`` (Wlz / Zvw / voorliggend veld by ``shift_split``); the rest are served by
        another contracted provider. Postponed clients get non-contracted care or a pgb under
        the duty of care (``duty_of_care_share``), go without (``dropout_share``), or wait and
        are served in the next budget year (the backlog; in a stationary year as many come from
        last year's backlog as go into next year's, so its care counts in the year's contract
        cost and the harm is the wait). Care elsewhere under the contract is
        at the served clients' care per unit of need; non-contracted care at
        ``noncontracted_cost_ratio``, the voorliggend veld at ``voorliggend_cost_ratio`` and
        the Wlz and Zvw at 1 times the efficient care. Induced clients (p*q) are not in need and
        are not a route; :meth:`summary` adds their care to the contract's.

        >>> sim = simulate(SegmentInputs.example(), PaymentRule("lumpsum"), 2_000, seed=1)
        >>> r = sim.routes()
        >>> round(sum(v["clients"] for v in r.values())) == sim.clients
        True
        >>> bool(abs(sum(v["need"] for v in r.values()) - sim.need.sum()) < 1e-6)
        True
        """
        i = self.inputs
        served = self.status == SERVED
        refused_need = float(self.need[self.status == REFUSED].sum())
        postponed_need = float(self.need[self.status == POSTPONED].sum())
        n_refused = float((self.status == REFUSED).sum())
        n_postponed = float((self.status == POSTPONED).sum())
        x = float(self.care[served].sum() / max(self.need[served].sum(), 1e-12))
        split = dict(i.shift_split)
        stay = 1.0 - i.shift_share
        backlog = 1.0 - i.duty_of_care_share - i.dropout_share

        def route(n: float, need: float, cost_per_need: float) -> dict[str, float]:
            return {"clients": n, "need": need, "cost": need * cost_per_need}

        out = {
            "contracted": {
                "clients": float(served.sum()),
                "need": float(self.need[served].sum()),
                "cost": float(self.care.sum()),
            },
            "other_provider": route(n_refused * stay, refused_need * stay, x),
            "backlog": route(n_postponed * backlog, postponed_need * backlog, x),
            "duty_of_care": route(
                n_postponed * i.duty_of_care_share,
                postponed_need * i.duty_of_care_share,
                i.noncontracted_cost_ratio,
            ),
        }
        for target in ("voorliggend_veld", "wlz", "zvw"):
            share = i.shift_share * split.get(target, 0.0)
            ratio = i.voorliggend_cost_ratio if target == "voorliggend_veld" else 1.0
            out[target] = route(n_refused * share, refused_need * share, ratio)
        out["unmet"] = route(n_postponed * i.dropout_share, postponed_need * i.dropout_share, 0.0)
        return {k: out[k] for k in ROUTES}

    def _care_summary(self) -> dict[str, float]:
        """Volume, intensity and cost of the care paid through the contract (incl. induced
        clients, re-referred clients and the backlog served next year), and the cost of the
        other routes per unit of need."""
        n_all = self.need.size
        need_total = float(self.need.sum())
        served = self.status == SERVED
        n_served = int(served.sum())
        induced = float(self.induced_clients.sum())
        routes = self.routes()
        contract = [k for k, payer in ROUTES.items() if payer == "contract"]
        clients = sum(routes[k]["clients"] for k in contract) + induced
        care = sum(routes[k]["cost"] for k in contract) + float(self.induced_care.sum())
        x = self._served_intensity()
        provision = float(self.care[served].sum() / max(self.need[served].sum(), 1e-12))
        mean_need = need_total / n_all
        per_client = care / max(clients, 1e-12)

        def cost_of(*names: str) -> float:
            return sum(routes[k]["cost"] for k in names) / need_total

        return {
            "clients_in_need": float(n_all),
            "served_share": n_served / n_all,
            "induced_share": induced / n_all,
            "volume_factor": clients / n_all,
            "intensity_factor": per_client / mean_need,
            "cost_factor": care / need_total,
            "outside_contract_factor": cost_of("duty_of_care", "voorliggend_veld"),
            "non_municipal_factor": cost_of("wlz", "zvw"),
            "provision_ratio": provision,
            "under_provision_share": float((x < 0.95).mean()) if x.size else 0.0,
            "over_provision_share": float((x > 1.05).mean()) if x.size else 0.0,
        }

    def _access_summary(self) -> dict[str, float]:
        """Refusals, waiting, the routes of the clients not served by their provider, and the
        need left unmet: care short of need for clients served under the contract (also those
        served later or by another provider, at the same care per unit of need), the need of
        those who go without, and the part of the need the voorliggend veld's lighter support
        does not meet (``1 - voorliggend_cost_ratio``) (:meth:`routes`)."""
        i = self.inputs
        n_all = self.need.size
        need_total = float(self.need.sum())
        served = self.status == SERVED
        refused = self.status == REFUSED
        postponed = self.status == POSTPONED
        n_refused = int(refused.sum())
        routes = self.routes()
        returning = routes["other_provider"]["clients"]
        shifted = sum(routes[k]["clients"] for k in ("voorliggend_veld", "wlz", "zvw"))
        wait_weeks = float(((1.0 - self.arrival[postponed]) * WEEKS).sum())
        wait_weeks += returning * i.return_delay_weeks
        waiting = float(postponed.sum()) + returning
        short = float(np.maximum(self.need - self.care, 0.0)[served].sum())
        x = float(self.care[served].sum() / max(self.need[served].sum(), 1e-12))
        later = routes["other_provider"]["need"] + routes["backlog"]["need"]
        short += later * max(0.0, 1.0 - x) + routes["unmet"]["need"]
        # the voorliggend veld's lighter support meets the need in proportion to its cost
        short += routes["voorliggend_veld"]["need"] * max(0.0, 1.0 - i.voorliggend_cost_ratio)
        mean_need = need_total / n_all
        top = self.need >= np.quantile(self.need, 0.9)
        return {
            "refused_share": n_refused / n_all,
            "refused_high_need_share": float(refused[top].mean()),
            "mean_need_refused": float(self.need[refused].mean()) / mean_need if n_refused else 0.0,
            "postponed_share": float(postponed.mean()),
            "waiting_share": waiting / n_all,
            "mean_wait_weeks": wait_weeks / waiting if waiting else 0.0,
            "shifted_share": shifted / n_all,
            **{f"shifted_{k}_share": routes[k]["clients"] / n_all for k in dict(i.shift_split)},
            **{f"route_{k}_share": v["clients"] / n_all for k, v in routes.items()},
            "backlog_share": routes["backlog"]["clients"] / n_all,
            "unmet_clients_share": routes["unmet"]["clients"] / n_all,
            "unmet_need": short / need_total,
        }

    def _money_summary(self) -> dict[str, float]:
        """Duration, spend, the providers' results, upcoding and administrative cost."""
        i = self.inputs
        need_total = float(self.need.sum())
        mean_need = need_total / self.need.size
        x = self._served_intensity()
        revenue = self.spend
        loss = self.provider_result < -i.loss_threshold * np.maximum(revenue, 1e-12)
        r_mean = float(self.marginal_share.mean())
        upcoding_index = self._upcoding_index()
        duration = float(np.mean(x**i.duration_share)) if x.size else 0.0
        return {
            "duration_factor": duration,
            "mean_duration_weeks": i.efficient_weeks * duration if x.size else 0.0,
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
            "admin_cost_share": dict(i.admin_cost_share).get(self.rule.kind, 0.0),
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


def provider_split(inputs: SegmentInputs, n_clients: int) -> tuple[int, int]:
    """Number of providers and clients per provider (clients rounded up to whole providers)."""
    if n_clients < 1:
        raise ValueError(f"n_clients must be at least 1; found {n_clients}")
    size = max(1, round(inputs.clients_per_provider))
    providers = max(1, round(n_clients / size))
    return providers, math.ceil(n_clients / providers)


def draw_clients(inputs: SegmentInputs, providers: int, n: int, seed: int):
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
    providers, n = provider_split(inputs, n_clients)
    need, arrival = draw_clients(inputs, providers, n, seed)
    contract = make_contract(inputs, rule, n)
    status, care, share = _decide_weeks(inputs, rule, contract, need, arrival, n)
    induced_clients = np.zeros(providers)
    induced_care = np.zeros(providers)
    if rule.kind in ("pq", "hybrid") and contract.pq_share > 0:
        status, care, induced_clients, induced_care = _capacity(
            inputs, rule, contract, need, status, care, share
        )
    cost = care.sum(axis=1) + induced_care
    spend, flow = _year_end_payment(contract, need, status, cost, induced_clients, n)
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
        settlement_flow=flow,
        marginal_share=share,
        seconds=time.perf_counter() - start,
    )


def _decide_weeks(
    inputs: SegmentInputs,
    rule: PaymentRule,
    contract: Contract,
    need: np.ndarray,
    arrival: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Week by week: re-plan, then accept, refuse or postpone the clients arriving that week.

    Returns the status and care per client and the providers' marginal share at year end.
    """
    providers = need.shape[0]
    week = np.minimum((arrival * WEEKS).astype(int), WEEKS - 1)
    status = np.full(need.shape, SERVED, dtype=np.int8)
    care = np.zeros(need.shape)
    committed = np.zeros(providers)
    ra_received = np.zeros(providers)
    served = np.zeros(providers)
    need_arrived = np.zeros(providers)
    need_accepted = np.zeros(providers)
    x, pressure = initial_plan(inputs, contract, n, providers)
    share = np.zeros(providers)
    for w in range(WEEKS):
        arriving = week == w
        acc_share = np.divide(
            need_accepted, need_arrived, out=np.ones(providers), where=need_arrived > 0
        )
        st = plan_week(
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
    return status, care, share


def _year_end_payment(
    contract: Contract,
    need: np.ndarray,
    status: np.ndarray,
    cost: np.ndarray,
    induced_clients: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Spend and settlement flow per provider: the variant's ``pay()`` on the delivered care,
    plus the risk-adjusted part as an output price per unit of need served."""
    served_mask = status == SERVED
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
    return res.municipality_spend + ra, res.settlement_flow


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
