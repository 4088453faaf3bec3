"""Provider behaviour model: textbook results of Ellis & McGuire, budget dynamics, p*q supply,
determinism, the vectorised model against a plain loop, and the projection's interface."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekostiging.bench.behaviour import bench_behaviour, naive_decisions
from bekostiging.config.parameters import Parameter, Parameters
from bekostiging.config.region import load_region
from bekostiging.core.errors import ParameterError
from bekostiging.model.behaviour import (
    POSTPONED,
    REFUSED,
    SERVED,
    PaymentRule,
    Response,
    SegmentInputs,
    behavioural_response,
    benefit_per_need,
    intensity,
    load_behaviour_parameters,
    payment_rule,
    segment_inputs,
    simulate,
)
from bekostiging.model.variants import Hybrid, Settlement

N = 4_000
BASE = SegmentInputs.example()
X0 = (0.915 * 3.0 - 1.0) / 2.0  # care per unit of need under a fixed payment: 0.8725


def run(rule: PaymentRule, inputs: SegmentInputs = BASE, n: int = N, seed: int = 7):
    return simulate(inputs, rule, n, seed)


# --- the provider's intensity: closed form -----------------------------------------------------


def test_intensity_closed_form_textbook_cases():
    alpha, k, cap = 0.9, 3.0, 1.2
    fixed = float(intensity(1.0, alpha, k, cap))  # r = 0: m = c
    assert fixed == pytest.approx((0.9 * 3 - 1) / 2)  # 0.85 < 1: under-provision
    assert float(intensity(1.0, 1.0, k, cap)) == pytest.approx(1.0)  # perfect agent: efficient
    assert float(intensity(1.0 - 1.1, alpha, k, cap)) == cap  # p*q at 1.1 c: the cap
    # The FOC holds at an interior point: alpha * B'(q) = m with B'(x) = k / (1 + x (k - 1)).
    m = 0.95
    x = float(intensity(m, alpha, k, cap))
    assert alpha * k / (1 + x * (k - 1)) == pytest.approx(m)


@settings(max_examples=60, deadline=None)
@given(
    alpha=st.floats(0.5, 0.99),
    k=st.floats(1.5, 6.0),
    markup=st.floats(1.01, 1.5),
    cap=st.floats(1.01, 1.5),
)
def test_hybrid_between_fixed_and_fee_for_service(alpha, k, markup, cap):
    shares = np.linspace(0.0, 1.0, 21)
    x = intensity(1.0 - shares * markup, alpha, k, cap)  # r = s * tariff
    assert x[0] < 1.0  # fixed payment below the efficient level (alpha < 1)
    assert x[-1] == cap > 1.0  # fee-for-service above it
    assert np.all(np.diff(x) >= 0)  # monotone in the p*q share
    assert np.all((x >= x[0]) & (x <= x[-1]))


def test_benefit_is_concave_with_efficient_point_at_need():
    x = np.linspace(0.0, 2.0, 201)
    b = benefit_per_need(x, 3.0)
    slope = np.gradient(b, x)
    assert np.all(np.diff(slope) < 0)
    assert slope[100] == pytest.approx(1.0, abs=1e-3)  # B'(q*) = c at x = 1


def test_model_reproduces_hickson_with_the_parameter_file():
    p = load_behaviour_parameters()
    alpha = p.value("behaviour.provider.benefit_weight")
    k = p.value("behaviour.provider.benefit_ratio")
    cap = p.value("behaviour.provider.intensity_cap")
    ratio = cap / float(intensity(1.0, alpha, k, cap))
    low, high = p.param("behaviour.evidence.ffs_visit_ratio").range
    assert low <= ratio <= high
    assert ratio == pytest.approx(p.value("behaviour.evidence.ffs_visit_ratio"), abs=0.005)


# --- the simulation: intensity -------------------------------------------------------------


def test_simulated_intensity_fixed_payment_below_and_pq_above_efficient():
    # A fixed payment per client, generous enough that no provider feels budget pressure: the
    # closed form holds exactly for every client.
    ample = SegmentInputs.example(output_price_ratio=1.5)
    output = run(PaymentRule("output"), ample).summary()
    pq = run(PaymentRule("pq")).summary()
    assert output["provision_ratio"] == pytest.approx(X0, abs=1e-9)
    assert run(PaymentRule("output")).summary()["provision_ratio"] < X0  # at cost: pressure
    assert pq["provision_ratio"] == pytest.approx(1.1, abs=1e-9)  # the indication cap
    assert output["under_provision_share"] == 1.0
    assert pq["over_provision_share"] == 1.0


def test_simulated_hybrid_lies_between_and_rises_with_pq_share():
    lump = run(PaymentRule("lumpsum")).summary()["provision_ratio"]
    pq = run(PaymentRule("pq")).summary()["provision_ratio"]
    hybrids = [
        run(PaymentRule("hybrid", pq_share=s)).summary()["provision_ratio"]
        for s in (0.05, 0.1, 0.15, 0.3, 0.6)
    ]
    assert lump < hybrids[0] and hybrids[-1] <= pq
    assert all(a < b for a, b in zip(hybrids[:-1], hybrids[1:], strict=True))
    # A hybrid with share 0 is the lumpsum.
    zero = run(PaymentRule("hybrid", pq_share=0.0))
    assert (zero.status == run(PaymentRule("lumpsum")).status).all()


# --- refusals, waiting, mitigations -----------------------------------------------------------


LUMPSUM = PaymentRule("lumpsum")


def refused(inputs: SegmentInputs, rule: PaymentRule = LUMPSUM) -> float:
    return run(rule, inputs).summary()["refused_share"]


def test_lumpsum_refuses_the_costliest_clients_first():
    sim = run(PaymentRule("lumpsum"))
    s = sim.summary()
    assert s["refused_share"] > 0.005
    assert s["mean_need_refused"] > 3.0  # refused clients need > 3 x the average
    # Without budget pressure the line is sharp: refuse when need > tau / |slope| with
    # slope = alpha (1 - omega) beta(x0) - x0 (per unit of need).
    slope = 0.915 * (1 - 0.6) * float(benefit_per_need(X0, 3.0)) - X0
    line = 1.5 / -slope
    assert sim.need[sim.status == SERVED].max() < line < sim.need[sim.status == REFUSED].min()
    assert s["refused_high_need_share"] == pytest.approx(s["refused_share"] * 10, rel=0.05)


def test_refusals_grow_with_the_spread_of_need():
    shares = [refused(SegmentInputs.example(need_cv=cv)) for cv in (0.5, 1.0, 1.5)]
    assert shares[0] < 0.002 < shares[1] < shares[2]


def test_refusals_grow_with_budget_pressure():
    shares = [refused(SegmentInputs.example(budget_ratio=b)) for b in (1.0, 0.8, 0.7, 0.6)]
    assert all(a <= b for a, b in zip(shares[:-1], shares[1:], strict=True))
    assert shares[-1] > 2.5 * shares[0]


def test_refusals_fall_with_risk_adjustment_corridor_and_acceptance_obligation():
    tight = SegmentInputs.example(budget_ratio=0.7)
    base = refused(tight)
    with_ra = refused(tight, PaymentRule("lumpsum", risk_adjustment=True))
    corridor = Settlement("corridor", corridor=0.10, municipality_share_over=0.5)
    with_corridor = refused(tight, PaymentRule("lumpsum", settlement=corridor))
    obliged = run(PaymentRule("lumpsum", acceptance_obligation=True), tight).summary()
    assert base > 0.015
    assert with_ra < 0.1 * base
    assert with_corridor < 0.5 * base
    assert obliged["refused_share"] == 0.0
    assert obliged["postponed_share"] > 0.0  # the obligation turns refusals into waiting


def test_risk_adjustment_halves_the_financial_selection_slope():
    # Without pressure the value per unit of need moves by selection_reduction * x0.
    sim = run(PaymentRule("lumpsum", risk_adjustment=True))
    assert sim.summary()["refused_share"] == 0.0
    weaker = SegmentInputs.example(selection_reduction=0.1)
    assert run(PaymentRule("lumpsum", risk_adjustment=True), weaker).summary()["refused_share"] > 0


def test_waiting_list_appears_late_in_the_year_under_a_lumpsum():
    sim = run(PaymentRule("lumpsum"), SegmentInputs.example(budget_ratio=0.6))
    by_month = sim.waiting_by_month()
    assert by_month.sum() > 0.02 * sim.clients
    assert by_month[:9].sum() == 0  # nothing before October
    s = sim.summary()
    assert 0 < s["mean_wait_weeks"] < 8.0


def test_full_settlement_is_cost_reimbursement():
    s = run(PaymentRule("lumpsum", settlement=Settlement("full"))).summary()
    assert s["provision_ratio"] == pytest.approx(1.1)  # no own cost: up to the indication
    assert s["refused_share"] == s["waiting_share"] == 0.0
    assert s["spend_factor"] == pytest.approx(s["cost_factor"])
    assert s["provider_margin"] == pytest.approx(0.0, abs=1e-12)


def test_refused_clients_shift_out_of_the_domain_by_the_configured_split():
    s = run(PaymentRule("lumpsum")).summary()
    assert s["shifted_share"] == pytest.approx(0.4 * s["refused_share"])
    parts = [s[f"shifted_{k}_share"] for k in ("wlz", "zvw", "voorliggend_veld")]
    assert parts == pytest.approx(
        [0.1 * s["shifted_share"], 0.45 * s["shifted_share"], 0.45 * s["shifted_share"]]
    )


# --- payment through the shared interface ---------------------------------------------------


def test_pure_lumpsum_pays_exactly_the_budget_and_accounts_add_up():
    sim = run(PaymentRule("lumpsum"))
    n = sim.need.shape[1]
    assert np.allclose(sim.spend, 0.9 * n)
    assert np.allclose(sim.provider_result, sim.spend - sim.cost)
    assert (sim.settlement_flow == 0).all()


def test_pq_spend_is_tariff_times_units():
    sim = run(PaymentRule("pq"))
    assert np.allclose(sim.spend, 1.1 * sim.cost)
    assert sim.summary()["provider_margin"] == pytest.approx(1 - 1 / 1.1)


# --- p*q supply elasticity -----------------------------------------------------------------------


@pytest.mark.parametrize("elasticity", [0.5, 1.5])
def test_pq_volume_rises_with_the_tariff_with_the_configured_elasticity(elasticity):
    inputs = SegmentInputs.example(supply_elasticity=elasticity)
    levels = np.array([0.95, 1.0, 1.05, 1.1])
    units = []
    for lv in levels:
        sim = run(PaymentRule("pq", level=float(lv)), inputs)
        units.append(sim.care.sum() + sim.induced_care.sum())
    slope = np.polyfit(np.log(levels), np.log(units), 1)[0]
    assert slope == pytest.approx(elasticity, abs=0.01)
    low = run(PaymentRule("pq", level=0.95), inputs).summary()
    high = run(PaymentRule("pq", level=1.1), inputs).summary()
    assert low["waiting_share"] > 0 and low["induced_share"] == 0  # a lower tariff: waiting
    assert high["induced_share"] > 0 and high["waiting_share"] == 0  # higher: light clients


# --- determinism and vectorisation ----------------------------------------------------------------


def test_same_seed_same_result_other_seed_other_result():
    a = run(PaymentRule("lumpsum"), SegmentInputs.example(budget_ratio=0.7), seed=11)
    b = run(PaymentRule("lumpsum"), SegmentInputs.example(budget_ratio=0.7), seed=11)
    c = run(PaymentRule("lumpsum"), SegmentInputs.example(budget_ratio=0.7), seed=12)
    assert a.summary() == b.summary()
    assert (a.status == b.status).all() and (a.care == b.care).all()
    assert not np.array_equal(a.need, c.need)


@pytest.mark.parametrize(
    "rule",
    [
        PaymentRule("lumpsum"),
        PaymentRule("lumpsum", acceptance_obligation=True, risk_adjustment=True),
        PaymentRule("lumpsum", settlement=Settlement("corridor", corridor=0.05)),
        PaymentRule("output"),
        PaymentRule("hybrid", pq_share=0.1),
    ],
    ids=lambda r: f"{r.kind}-{r.settlement.kind}-{r.acceptance_obligation}",
)
def test_vectorised_model_equals_plain_python_loop(rule):
    inputs = SegmentInputs.example(budget_ratio=0.7, clients_per_provider=100)
    sim = simulate(inputs, rule, 600, seed=5)
    loop = naive_decisions(inputs, rule, 600, seed=5)
    assert (loop == sim.status).all()
    if rule.settlement.kind == "none" and rule.kind != "output":
        assert {SERVED, POSTPONED} <= set(np.unique(sim.status))  # the case is not trivial


def test_simulation_scales_sublinearly_with_clients():
    def best(n):
        return min(_timed(lambda: simulate(BASE, PaymentRule("lumpsum"), n, 1)) for _ in range(3))

    assert best(40_000) < 15 * best(1_000)  # a per-client Python loop would take ~40x


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_bench_behaviour_reports_time_and_ratio():
    r = bench_behaviour(n_clients=2_000, naive_clients=200)
    assert set(r) >= {
        "name",
        "size",
        "seconds",
        "baseline_seconds",
        "baseline_size",
        "ratio_per_unit",
    }
    assert r["size"] == "8 segments x 2,000 clients"
    assert r["ratio_per_unit"] > 1.0


# --- inputs, rules and the projection's interface ---------------------------------------------


def test_segment_inputs_fall_back_to_domain_defaults(achterhoek):
    alkmaar = segment_inputs("jeugd_ambulant")  # Regio Alkmaar: not in behaviour.yaml
    assert (alkmaar.need_cv, alkmaar.clients_per_provider, alkmaar.duration_growth) == (
        1.0,
        150.0,
        0.05,
    )
    # behaviour.yaml keys no segment id (issue 12): a region's own file lists its residence
    assert segment_inputs("jeugd_verblijf").duration_growth == 0.05
    alkmaar_params = load_region("alkmaar").parameters
    assert segment_inputs("jeugd_verblijf", region_params=alkmaar_params).duration_growth == 0.11
    assert segment_inputs("wmo_pbv").need_cv == 0.8  # Wmo default
    assert segment_inputs("hcv").need_cv == 1.0  # the jeugd fallback
    assert segment_inputs("hcv", region_params=achterhoek.parameters).need_cv == 1.2
    assert dict(segment_inputs("wmo_io").shift_split)["wlz"] == 0.3


def test_region_parameters_win_and_give_euros(achterhoek):
    inp = segment_inputs(achterhoek.segment("gwv"), region_params=achterhoek.parameters)
    assert inp.cost_per_client == 45000.0  # cost_per_client_reference.gwv
    assert inp.domain == "jeugd"
    pv = segment_inputs("wmo_pv", region_params=achterhoek.parameters)
    assert pv.cost_per_client == 58.0 * 160  # tariff x units_per_client
    override = Parameters(
        {
            "behaviour.need.cv": Parameter(
                "behaviour.need.cv", {"gwv": 0.2}, "-", "scenario", "test", "test.yaml"
            )
        }
    )
    assert segment_inputs("gwv", region_params=override).need_cv == 0.2


def test_missing_per_segment_value_is_a_clear_error():
    p = load_behaviour_parameters()
    bad = Parameters(
        {n: p.param(n) for n in p.names()}
        | {
            "behaviour.need.cv": Parameter(
                "behaviour.need.cv", {"iaj": 1.0}, "-", "estimate", "n", "behaviour.yaml"
            )
        }
    )
    with pytest.raises(ParameterError, match="heeft geen waarde voor segment 'gwv'"):
        segment_inputs("gwv", bad)


def test_payment_rule_from_keys_specs_and_variants(alkmaar):
    assert payment_rule("pq").kind == "pq"
    # Regio Alkmaar's full after-calculation comes with the corridor filled in by the reader.
    full = payment_rule(alkmaar.segment("wmo_pbv").funding)
    assert full.settlement.kind == "full"
    assert payment_rule({"variant": "hybrid"}).pq_share is None  # default from the parameters
    assert payment_rule(Hybrid(budget=1.0, tariff=1.0, pq_share=0.25)).pq_share == 0.25
    with pytest.raises(ValueError, match="unknown variant 'lumsum'"):
        payment_rule("lumsum")


def test_behavioural_response_is_consistent_cached_and_works_for_other_regions(achterhoek, alkmaar):
    seg = achterhoek.segment("iaj")
    r = behavioural_response(seg, seg.funding, region_params=achterhoek.parameters, n_clients=N)
    assert isinstance(r, Response)
    assert r is behavioural_response(
        seg, seg.funding, region_params=achterhoek.parameters, n_clients=N
    )
    assert r.cost_factor == pytest.approx(r.volume_factor * r.intensity_factor)
    with pytest.raises(AttributeError):
        r.cost_factor = 1.0  # frozen
    a = alkmaar.segment("jeugd_ambulant")
    ra = behavioural_response(a, a.funding, region_params=alkmaar.parameters, n_clients=N)
    assert ra.variant == "pq" and ra.intensity_factor == pytest.approx(1.1)
    lump = behavioural_response("iaj", "lumpsum", n_clients=N)
    pq = behavioural_response("iaj", "pq", n_clients=N)
    rel = lump.relative_to(pq)
    assert rel.cost_factor == pytest.approx(lump.cost_factor / pq.cost_factor)
    assert rel.cost_factor < 1.0
    assert rel.duration_trend == pytest.approx(lump.duration_trend - pq.duration_trend)
    assert pq.duration_trend == pytest.approx(0.05)  # p*q reproduces the observed growth
    assert lump.duration_trend == 0.0  # a pure lumpsum: no incentive to continue


def test_every_behaviour_parameter_is_sourced_and_literature_values_cite_their_paper():
    p = load_behaviour_parameters()
    for name in p.names("behaviour."):
        par = p.param(name)
        assert par.source and par.note, name
        if par.range is not None and not isinstance(par.value, dict):
            low, high = par.range
            assert low <= par.value <= high, name
    cites = {
        "behaviour.supply_elasticity": "Clemens & Gottlieb (2014)",
        "behaviour.evidence.ffs_visit_ratio": "Hickson",
        "behaviour.risk_adjustment.selection_reduction": "Frank, Glazer & McGuire (2000)",
        "behaviour.duration.annual_growth_pq": "CBS",
        "behaviour.provider.benefit_weight": "Ellis & McGuire (1986)",
    }
    for name, text in cites.items():
        assert text in p.param(name).source, name
    # behaviour.yaml keys no segment id (issue 12); the Achterhoek's file gives GWV residence
    assert p.param("behaviour.duration.annual_growth_pq").value == {"default": 0.05}
    region = load_behaviour_parameters(load_region("achterhoek").parameters)
    growth = region.param("behaviour.duration.annual_growth_pq").value
    assert (growth["default"], growth["gwv"]) == (0.05, 0.11)
    assert p.param("behaviour.supply_elasticity").range[1] == 1.5  # the upper bound


def test_n_clients_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        simulate(BASE, PaymentRule("pq"), 0)
    assert math.isfinite(simulate(BASE, PaymentRule("pq"), 1).summary()["spend_factor"])
