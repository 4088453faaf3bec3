r"""Provider behaviour under each funding variant: a micro model of clients and providers.

Why: a variant's price rule alone (:mod:`bekostiging.model.variants`) says what the municipality pays
for a given amount of care. But the care itself answers to the payment: p*q invites more units
and longer trajectories, a lumpsum invites less care, refusing costly clients and waiting lists
when the budget runs out (seed 003, 3; DESIGN 2). This module simulates that response so that
the scorecard (:mod:`bekostiging.model.incentives`), the tornado (:mod:`bekostiging.model.sensitivity`)
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

Where things are: :mod:`.inputs` (the numbers of one segment, from named parameters),
:mod:`.rules` (the payment rule), :mod:`.provider` (the provider's choices and weekly plan),
:mod:`.simulation` (one simulated year), :mod:`.response` (what the projection uses). The
benchmark against a plain-Python loop is :mod:`bekostiging.bench.behaviour`.
"""

from bekostiging.model.behaviour.inputs import (
    BEHAVIOUR_FILE,
    PARAMETER_OF,
    PER_SEGMENT,
    SHIFT_TARGETS,
    SegmentInputs,
    infer_domain,
    load_behaviour_parameters,
    segment_inputs,
)
from bekostiging.model.behaviour.provider import benefit_per_need, intensity
from bekostiging.model.behaviour.response import (
    Response,
    behavioural_response,
    response_from,
    segment_summary,
)
from bekostiging.model.behaviour.rules import BUDGET_KINDS, RA_KINDS, PaymentRule, payment_rule
from bekostiging.model.behaviour.simulation import (
    POSTPONED,
    REFUSED,
    SEED,
    SERVED,
    WEEKS,
    Simulation,
    simulate,
)

__all__ = [
    "BEHAVIOUR_FILE",
    "BUDGET_KINDS",
    "PARAMETER_OF",
    "PER_SEGMENT",
    "POSTPONED",
    "RA_KINDS",
    "REFUSED",
    "SEED",
    "SERVED",
    "SHIFT_TARGETS",
    "WEEKS",
    "PaymentRule",
    "Response",
    "SegmentInputs",
    "Simulation",
    "behavioural_response",
    "benefit_per_need",
    "infer_domain",
    "intensity",
    "load_behaviour_parameters",
    "payment_rule",
    "response_from",
    "segment_inputs",
    "segment_summary",
    "simulate",
]
