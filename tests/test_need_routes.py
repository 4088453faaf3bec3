"""Conservation of need (issue 10, part 1): every client in need is served somewhere at a cost,
waits into the next year, or goes without; nothing a provider refuses or postpones disappears
from the municipality's cost.

A hand-computed case an advisor can follow, a property test over every variant and random
inputs, and the projection: the variants' totals over all routes and the care left undone.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekostiging.core.errors import ParameterError
from bekostiging.model.behaviour import (
    POSTPONED,
    REFUSED,
    SERVED,
    PaymentRule,
    SegmentInputs,
    behavioural_response,
    load_behaviour_parameters,
    segment_inputs,
    simulate,
)
from bekostiging.model.behaviour.simulation import ROUTES, Simulation
from bekostiging.model.projection import ProjectionInputs, apply_variants
from bekostiging.model.projection import simulate as simulate_projection

KINDS = ("pq", "lumpsum", "output", "population", "hybrid")


def hand_case() -> Simulation:
    """Ten clients with need 1: six served at 0.9 units, two refused, two postponed."""
    inputs = SegmentInputs.example(
        shift_share=0.5,
        shift_split=(("wlz", 0.0), ("zvw", 0.5), ("voorliggend_veld", 0.5)),
        duty_of_care_share=0.5,
        dropout_share=0.25,
        noncontracted_cost_ratio=1.0,
        voorliggend_cost_ratio=0.3,
    )
    status = np.array([[SERVED] * 6 + [REFUSED] * 2 + [POSTPONED] * 2], dtype=np.int8)
    care = np.where(status == SERVED, 0.9, 0.0)
    zeros = np.zeros(1)
    return Simulation(
        inputs=inputs,
        rule=PaymentRule("lumpsum"),
        need=np.ones((1, 10)),
        arrival=np.linspace(0.05, 0.95, 10)[None],
        status=status,
        care=care,
        induced_clients=zeros,
        induced_care=zeros,
        spend=np.array([6.0]),
        cost=np.array([5.4]),
        settlement_flow=zeros,
        marginal_share=zeros,
    )


def test_hand_computed_routes():
    """By hand: the 2 refused split 1 / 0.5 / 0.5 (other provider, voorliggend veld, Zvw); the 2
    postponed 1 / 0.5 / 0.5 (duty of care, backlog, go without)."""
    r = hand_case().routes()
    clients = {k: round(v["clients"], 6) for k, v in r.items()}
    assert clients == {
        "contracted": 6.0,
        "other_provider": 1.0,
        "backlog": 0.5,
        "duty_of_care": 1.0,
        "voorliggend_veld": 0.5,
        "wlz": 0.0,
        "zvw": 0.5,
        "unmet": 0.5,
    }
    cost = {k: round(v["cost"], 6) for k, v in r.items()}
    # served at 0.9 per unit of need elsewhere in the contract; voorliggend veld at 0.3
    assert cost == {
        "contracted": 5.4,
        "other_provider": 0.9,
        "backlog": 0.45,
        "duty_of_care": 1.0,
        "voorliggend_veld": 0.15,
        "wlz": 0.0,
        "zvw": 0.5,
        "unmet": 0.0,
    }
    s = hand_case().summary()
    # care short of need: 6 x 0.1 served + 1.5 x 0.1 served later + 0.5 that goes without
    # + the 0.5 in the voorliggend veld, whose lighter support meets 0.3 of it
    assert s["unmet_need"] == pytest.approx((0.6 + 0.15 + 0.5 + 0.5 * 0.7) / 10)
    # the contract pays for its own, re-referred and backlog clients: 5.4 + 0.9 + 0.45
    assert s["cost_factor"] == pytest.approx(6.75 / 10)
    assert s["volume_factor"] == pytest.approx(7.5 / 10)
    assert s["outside_contract_factor"] == pytest.approx((1.0 + 0.15) / 10)
    assert s["non_municipal_factor"] == pytest.approx(0.5 / 10)


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    need_cv=st.floats(0.2, 1.6),
    shift=st.floats(0.0, 1.0),
    duty=st.floats(0.0, 0.7),
    dropout=st.floats(0.0, 0.3),
    caseload_cv=st.floats(0.0, 0.3),
    loss_tolerance=st.floats(0.0, 0.05),
    seed=st.integers(0, 10_000),
)
def test_need_is_conserved_for_every_variant(
    kind, need_cv, shift, duty, dropout, caseload_cv, loss_tolerance, seed
):
    """Clients and need over the routes add up to the clients in need and their need."""
    inputs = SegmentInputs.example(
        need_cv=need_cv,
        shift_share=shift,
        duty_of_care_share=duty,
        dropout_share=dropout,
        caseload_cv=caseload_cv,
        loss_tolerance=loss_tolerance,
        clients_per_provider=50.0,
    )
    sim = simulate(inputs, PaymentRule(kind), 600, seed)
    routes = sim.routes()
    assert set(routes) == set(ROUTES)
    assert sum(v["clients"] for v in routes.values()) == pytest.approx(sim.clients)
    assert sum(v["need"] for v in routes.values()) == pytest.approx(float(sim.need.sum()))
    assert all(v["clients"] >= 0 and v["need"] >= 0 and v["cost"] >= 0 for v in routes.values())
    s = sim.summary()
    assert 0.0 <= s["unmet_need"] <= 1.0
    shares = sum(s[f"route_{k}_share"] for k in ROUTES)
    assert shares == pytest.approx(1.0)
    # only the clients who go without cost nothing
    assert routes["unmet"]["cost"] == 0.0
    # money by payer: the contract's care, the municipality outside it, the Wlz and Zvw
    need = float(sim.need.sum())
    contract = sum(routes[k]["cost"] for k in ("contracted", "other_provider", "backlog"))
    assert s["cost_factor"] * need == pytest.approx(contract + float(sim.induced_care.sum()))
    outside = routes["duty_of_care"]["cost"] + routes["voorliggend_veld"]["cost"]
    assert s["outside_contract_factor"] * need == pytest.approx(outside)
    assert s["non_municipal_factor"] * need == pytest.approx(
        routes["wlz"]["cost"] + routes["zvw"]["cost"]
    )


def test_refusals_come_back_as_cost():
    """A lumpsum provider refuses costly clients; before conservation their care vanished from
    the contract. Now the contract's cost covers the re-referred clients and the backlog."""
    inputs = SegmentInputs.example(need_cv=1.5, tolerance=0.3)
    sim = simulate(inputs, PaymentRule("lumpsum"), 4_000, 3)
    routes = sim.routes()
    assert routes["other_provider"]["clients"] > 0
    s = sim.summary()
    served_only = float(sim.care.sum()) / float(sim.need.sum())
    assert s["cost_factor"] > served_only
    assert s["outside_contract_factor"] > 0


def test_postponed_shares_must_fit():
    base = load_behaviour_parameters()
    p = base.with_overrides({"behaviour.routes.duty_of_care_share": 0.95})
    with pytest.raises(ParameterError, match="kunnen niet over de routes verdeeld worden"):
        segment_inputs("iaj", p)


def test_relative_response_counts_outside_cost_against_the_base():
    lump = behavioural_response("iaj", "lumpsum", n_clients=4_000)
    pq = behavioural_response("iaj", "pq", n_clients=4_000)
    rel = lump.relative_to(pq)
    assert rel.outside_contract_factor == pytest.approx(
        (lump.outside_contract_factor - pq.outside_contract_factor) / pq.cost_factor
    )
    assert rel.unmet_cost_factor == pytest.approx(lump.unmet_need / pq.cost_factor)
    # the same funding against itself: nothing extra outside the contract
    assert lump.relative_to(lump).outside_contract_factor == 0.0


def test_projection_totals_add_the_routes():
    """total_cost = contract spend + cost outside the contract, per cell; Wlz and Zvw and the
    care left undone are reported beside it, not in it."""
    inp = ProjectionInputs.example()
    proj = simulate_projection(inp, draws=200, seed=5)
    from bekostiging.config.region import load_region

    params = load_region("achterhoek").parameters

    class Rel:  # a response: 5 % fewer clients served in the contract, 2 % outside, 4 % undone
        volume_factor, intensity_factor = 0.95, 1.0
        outside_contract_factor, non_municipal_factor, unmet_cost_factor = 0.02, 0.01, 0.04

    out = apply_variants(proj, params, response=lambda unit, key: Rel())
    for res in out.variants.values():
        np.testing.assert_allclose(
            res["total_cost"], res["municipality_spend"] + res["outside_contract"]
        )
        assert (res["unmet_value"] >= 0).all()
        ratio = res["outside_contract"].sum() / res["unmet_value"].sum()
        assert ratio == pytest.approx(0.5)
