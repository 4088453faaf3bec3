"""Funding variants: accounting properties, shapes, risk table and configuration.

The hand-computed cases are YAML files in tests/cases/variants/, run by tests/test_cases.py.

Property tests come in two flavours. On a "money grid" (whole euros and units, shares and
corridors that are multiples of a power of two) every float operation in the variants is exact,
so "settlement moves money, creates none" is asserted with ``==``. On arbitrary floats the same
identities are asserted up to rounding (a - (a - b) is not always b in floating point).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bekostiging.model.variants import (
    PQ,
    Demand,
    Hybrid,
    Lumpsum,
    Output,
    PopulationFunding,
    Settlement,
    VariantResult,
    compare_outcomes,
    risk_carriers,
    variant_from_config,
    variant_to_config,
)

RESULT_FIELDS = [
    "municipality_spend",
    "provider_revenue",
    "provider_cost",
    "provider_result",
    "base_payment",
    "settlement_flow",
    "municipality_cost_share",
]


def assert_same(a: VariantResult, b: VariantResult) -> None:
    for f in RESULT_FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


# ---------------------------------------------------------------------------------------------
# hand-computed cases: in tests/cases/variants/*.yaml (run by tests/test_cases.py), except
# the comparison table, which checks the table's layout as well as its numbers


def test_population_funding_needs_the_population():
    with pytest.raises(ValueError, match=r"Demand\.population"):
        PopulationFunding(amount_per_head=45.0).pay(Demand(clients=1, units=1, unit_cost=1.0))


def test_compare_variants():
    d = Demand(clients=[1, 2], units=[10, 30], unit_cost=10.0)  # costs 100 and 300
    table = compare_outcomes(
        d,
        {
            "pq": PQ(tariff=10.0),
            "output": Output(price_per_client=120.0),
            "lumpsum": Lumpsum(budget=150.0, settlement=Settlement("corridor", corridor=0.1)),
        },
    )
    assert list(table.index) == ["pq", "output", "lumpsum"]
    assert table.loc["lumpsum", "key"] == "lumpsum"  # Dutch names: tests/test_variants_text.py
    # pq: 100 + 300; output: 120 * (1 + 2); lumpsum: band 15, 100 -> -35, 300 -> +135
    assert table["municipality_spend"].tolist() == pytest.approx([400.0, 360.0, 400.0])
    assert table["provider_cost"].tolist() == [400.0, 400.0, 400.0]
    assert table["provider_result"].tolist() == pytest.approx([0.0, -40.0, 0.0])
    assert table["settlement_flow"].tolist() == pytest.approx([0.0, 0.0, 100.0])
    # lumpsum: under the band (1) and over it (1)
    assert table["mean_municipality_cost_share"].tolist() == [1.0, 0.0, 1.0]


# ---------------------------------------------------------------------------------------------
# validation


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Settlement("corridor", corridor=-0.1), "corridor must be a number >= 0"),
        (lambda: Settlement("corridor", corridor=float("nan")), "corridor"),
        (lambda: Settlement("corridor"), "needs a corridor"),
        (lambda: Settlement("corridor", 0.05, municipality_share_over=1.5), "share_over"),
        (lambda: Settlement("corridor", 0.05, municipality_share_under=-0.1), "share_under"),
        (lambda: Settlement("full", corridor=0.05), "implies its own corridor"),
        (lambda: Settlement("partial"), "valid kinds: none, corridor, full"),
        (lambda: Demand(clients=1, units=[1, -2], unit_cost=1.0), r"Demand\.units.*index \(1,\)"),
        (lambda: Demand(clients=1, units=1, unit_cost=0.0), r"Demand\.unit_cost must be"),
        (lambda: Demand(clients=float("nan"), units=1, unit_cost=1.0), r"Demand\.clients"),
        (lambda: Lumpsum(budget=-1.0), r"Lumpsum\.budget"),
        (lambda: Lumpsum(budget=1.0, settlement="full"), "must be a Settlement"),
        (lambda: PQ(tariff=65.0, cap_by_indication="ja"), "true or false"),
        (lambda: Hybrid(1.0, 1.0, pq_share=1.2), "pq_share"),
        (lambda: Hybrid(1.0, 1.0, pq_share=[0.1, 0.2]), "single number"),
    ],
)
def test_invalid_inputs(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---------------------------------------------------------------------------------------------
# property tests

SHAPE = st.integers(1, 6).map(lambda n: (n,))

# Money grid: whole numbers and dyadic shares keep every operation exact.
grid_int = st.integers(0, 10_000).map(float)
grid_positive = st.integers(1, 1_000).map(float)
grid_budget = st.integers(0, 2**30).map(float)
grid_share = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])
grid_corridor = st.one_of(st.integers(0, 64).map(lambda k: k / 64), st.just(math.inf))
grid_pq_share = st.integers(0, 8).map(lambda k: k / 8)


@st.composite
def grid_settlement(draw):
    kind = draw(st.sampled_from(["none", "full", "corridor"]))
    if kind != "corridor":
        return Settlement(kind)
    return Settlement("corridor", draw(grid_corridor), draw(grid_share), draw(grid_share))


@st.composite
def grid_demand(draw):
    shape = draw(SHAPE)

    def arr(elements):
        return draw(hnp.arrays(float, shape, elements=elements))

    return Demand(
        clients=arr(grid_int),
        units=arr(grid_int),
        unit_cost=arr(grid_positive),
        indicated_units=arr(grid_int),
        population=arr(grid_int),
    )


@st.composite
def grid_variant(draw):
    settlement = draw(grid_settlement())
    return draw(
        st.sampled_from(
            [
                PQ(draw(grid_positive), draw(st.booleans())),
                Output(draw(grid_int)),
                Lumpsum(draw(grid_budget), settlement),
                PopulationFunding(draw(st.integers(0, 1000).map(float)), settlement),
                Hybrid(draw(grid_budget), draw(grid_positive), draw(grid_pq_share), settlement),
            ]
        )
    )


@given(grid_demand(), grid_variant())
def test_settlement_creates_no_money_exactly_on_money_grid(demand, variant):
    r = variant.pay(demand)
    assert np.array_equal(r.municipality_spend - r.provider_result, r.provider_cost)
    assert np.array_equal(r.provider_revenue, r.municipality_spend)
    assert np.array_equal(r.base_payment + r.settlement_flow, r.municipality_spend)
    assert np.array_equal(r.provider_cost, demand.units * demand.unit_cost)


# Arbitrary floats: the same identities up to rounding.
money = st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False)
share = st.floats(0.0, 1.0)
corridor = st.one_of(st.floats(0.0, 2.0), st.just(math.inf))


@st.composite
def settlements(draw):
    kind = draw(st.sampled_from(["none", "full", "corridor"]))
    if kind != "corridor":
        return Settlement(kind)
    return Settlement("corridor", draw(corridor), draw(share), draw(share))


@st.composite
def demands(draw):
    shape = draw(SHAPE)

    def arr(lo, hi):
        return draw(hnp.arrays(float, shape, elements=st.floats(lo, hi)))

    return Demand(
        clients=arr(0, 1e4),
        units=arr(0, 1e5),
        unit_cost=arr(0.01, 1e4),
        indicated_units=arr(0, 1e5),
        population=arr(0, 1e6),
    )


@st.composite
def variants(draw):
    s = draw(settlements())
    return draw(
        st.sampled_from(
            [
                PQ(draw(positive), draw(st.booleans())),
                Output(draw(money)),
                Lumpsum(draw(money), s),
                PopulationFunding(draw(positive), s),
                Hybrid(draw(money), draw(positive), draw(share), s),
            ]
        )
    )


@given(demands(), variants())
def test_accounting_identities_on_floats(demand, variant):
    r = variant.pay(demand)
    scale = np.maximum.reduce(
        [np.abs(r.municipality_spend), r.provider_cost, np.ones_like(r.provider_cost)]
    )
    np.testing.assert_array_less(
        np.abs(r.municipality_spend - r.provider_result - r.provider_cost), 1e-12 * scale + 1e-300
    )
    assert np.array_equal(r.base_payment + r.settlement_flow, r.municipality_spend)
    assert np.array_equal(r.provider_revenue, r.municipality_spend)


@given(demands(), money)
def test_corridor_zero_with_full_shares_equals_full(demand, budget):
    zero = Settlement(
        "corridor", corridor=0.0, municipality_share_over=1.0, municipality_share_under=1.0
    )
    assert_same(Lumpsum(budget, zero).pay(demand), Lumpsum(budget, Settlement("full")).pay(demand))
    # and "full" means the municipality pays the cost (up to rounding of budget + (cost - budget))
    r = Lumpsum(budget, Settlement("full")).pay(demand)
    np.testing.assert_allclose(r.municipality_spend, demand.cost, rtol=1e-12, atol=1e-6)
    assert np.all(r.municipality_cost_share == 1.0)


@given(demands(), money, share, share)
def test_infinite_corridor_equals_none(demand, budget, over, under):
    inf = Settlement("corridor", math.inf, over, under)
    assert_same(Lumpsum(budget, inf).pay(demand), Lumpsum(budget).pay(demand))
    assert np.all(Lumpsum(budget, inf).pay(demand).settlement_flow == 0.0)


@given(demands(), money, positive, settlements(), st.booleans())
def test_hybrid_limits(demand, budget, tariff, settlement, cap):
    as_lumpsum = Hybrid(budget, tariff, 0.0, settlement, cap).pay(demand)
    assert_same(as_lumpsum, Lumpsum(budget, settlement).pay(demand))
    as_pq = Hybrid(budget, tariff, 1.0, settlement, cap).pay(demand)
    assert_same(as_pq, PQ(tariff, cap).pay(demand))


@given(
    money,
    hnp.arrays(float, 20, elements=st.floats(0.0, 2e9)),
    corridor,
    share,
    share,
)
def test_spend_under_corridor_is_monotone_in_cost(budget, costs, width, over, under):
    costs = np.sort(costs)
    s = Settlement("corridor", width, over, under)
    spend = Lumpsum(budget, s).pay(Demand(clients=1, units=costs, unit_cost=1.0)).municipality_spend
    assert np.all(np.diff(spend) >= 0.0)


@given(
    demands(),
    money,
    share,
    settlements(),
    st.booleans(),
    st.floats(0.0, 1.0),
    st.sampled_from(["pq", "output", "lumpsum", "population", "hybrid"]),
)
def test_cost_share_in_unit_interval(demand, amount, pq_share, settlement, cap, ratio, kind):
    # The p*q tariff does not exceed the unit cost (at ratio 1 it "tracks cost").
    tariff = demand.unit_cost * ratio
    variant = {
        "pq": lambda: PQ(tariff, cap),
        "output": lambda: Output(amount),
        "lumpsum": lambda: Lumpsum(amount, settlement),
        "population": lambda: PopulationFunding(amount, settlement),
        "hybrid": lambda: Hybrid(amount, tariff, pq_share, settlement, cap),
    }[kind]()
    cost_share = variant.pay(demand).municipality_cost_share
    assert np.all((cost_share >= 0.0) & (cost_share <= 1.0))


@settings(max_examples=200)
@given(
    st.integers(1, 10_000).map(float),
    st.floats(1.0, 1000.0),
    st.integers(0, 10_000).map(float),
    st.integers(0, 2_000_000).map(float),
    st.sampled_from([0.0, 0.25, 1.0]),
    settlements(),
)
def test_cost_share_matches_left_difference(units, unit_cost, indicated, budget, pq_share, s):
    """The analytic share equals the slope of spend over the last unit, away from kinks."""
    du = 1e-2
    demand = Demand(1.0, units, unit_cost, indicated_units=indicated)
    before = Demand(1.0, units - du, unit_cost, indicated_units=indicated)
    # no kink strictly inside (units - du, units): the indication cap or the band edges
    assume(not (units - du < indicated < units))
    fixed_budget = (1 - pq_share) * budget
    band = s.corridor * fixed_budget if math.isfinite(s.corridor) else math.inf
    for edge in (fixed_budget + band, fixed_budget - band):
        lo, hi = (1 - pq_share) * before.cost.item(), (1 - pq_share) * demand.cost.item()
        assume(not (lo - 1e-6 <= edge <= hi + 1e-6) or not math.isfinite(edge))
    variant = Hybrid(budget, 70.0, pq_share, s)
    now, then = variant.pay(demand), variant.pay(before)
    slope = (now.municipality_spend - then.municipality_spend) / (
        now.provider_cost - then.provider_cost
    )
    assert now.municipality_cost_share.item() == pytest.approx(slope.item(), rel=1e-4, abs=1e-4)


# ---------------------------------------------------------------------------------------------
# shapes


SIM_SHAPE = (1000, 8, 4, 7)


@pytest.fixture(scope="module")
def big_demand():
    rng = np.random.default_rng(20220701)
    return Demand(
        clients=rng.poisson(40, SIM_SHAPE),
        units=rng.gamma(2.0, 300.0, SIM_SHAPE),
        unit_cost=rng.uniform(55.0, 75.0, SIM_SHAPE),
        indicated_units=rng.gamma(2.0, 320.0, SIM_SHAPE),
        population=rng.uniform(1_000, 10_000, SIM_SHAPE),
    )


@pytest.mark.parametrize(
    "variant",
    [
        PQ(tariff=65.0),
        Output(price_per_client=9000.0),
        Lumpsum(budget=40_000.0, settlement=Settlement("corridor", corridor=0.05)),
        PopulationFunding(amount_per_head=5.0, settlement=Settlement("full")),
        # a budget per municipality x segment, broadcast over draws and years
        Hybrid(np.full((8, 4, 1), 40_000.0), np.full((1, 4, 1), 65.0), 0.3, Settlement("none")),
    ],
    ids=lambda v: type(v).__name__,
)
def test_simulation_shape(big_demand, variant):
    r = variant.pay(big_demand)
    for f in RESULT_FIELDS:
        assert getattr(r, f).shape == SIM_SHAPE, f
    np.testing.assert_allclose(
        r.municipality_spend - r.provider_result, r.provider_cost, rtol=1e-12
    )


def test_scalar_demand_gives_zero_dimensional_arrays():
    r = Lumpsum(10.0).pay(Demand(clients=1, units=1, unit_cost=5.0))
    assert r.municipality_spend.shape == ()
    assert r.municipality_cost_share.dtype == float


# ---------------------------------------------------------------------------------------------
# risk table


def test_who_carries_which_risk_per_variant():
    corridor = Settlement("corridor", corridor=0.05)
    m, p, shared = "municipality", "provider", "shared"
    cases = {
        "pq": (PQ(65.0), (m, m, m)),
        "output": (Output(9000.0), (m, p, m)),
        "lumpsum": (Lumpsum(1e6), (p, p, p)),
        "lumpsum_full": (Lumpsum(1e6, Settlement("full")), (m, m, m)),
        "lumpsum_corridor": (Lumpsum(1e6, corridor), (shared, shared, shared)),
        "population": (PopulationFunding(55.0), (p, p, m)),
        "hybrid": (Hybrid(1e6, 65.0, 0.3), (shared, shared, shared)),
        "hybrid_full": (Hybrid(1e6, 65.0, 0.3, Settlement("full")), (m, m, m)),
        "hybrid_0": (Hybrid(1e6, 65.0, 0.0), (p, p, p)),
    }
    table = risk_carriers({key: variant for key, (variant, _) in cases.items()})
    assert list(table.index) == list(cases)
    for key, (variant, expected) in cases.items():
        row = table.loc[key]
        assert (row["volume"], row["intensity"], row["population"]) == expected, key
        assert row["key"] == variant.key


# ---------------------------------------------------------------------------------------------
# configuration

SPECS = [
    {"variant": "pq", "tariff": 65.0},
    {"variant": "output", "price_per_client": 9000},
    {"variant": "lumpsum", "budget": 1e6},
    {
        "variant": "lumpsum",
        "budget": 1e6,
        "settlement": {
            "kind": "corridor",
            "corridor": 0.05,
            "municipality_share_over": 1.0,
            "municipality_share_under": 1.0,
        },
    },
    {"variant": "population", "amount_per_head": 55.0, "settlement": {"kind": "full"}},
    {"variant": "hybrid", "budget": 1e6, "tariff": 65.0, "pq_share": 0.3},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["variant"])
def test_config_round_trip(spec):
    variant = variant_from_config(spec)
    config = variant_to_config(variant)
    assert variant_from_config(config) == variant
    # every key of the spec comes back with the same value
    for key, value in spec.items():
        if key == "settlement":
            assert Settlement(**value) == variant.settlement
        else:
            assert config[key] == value


def test_config_builds_the_right_objects():
    v = variant_from_config(SPECS[3])
    assert v == Lumpsum(budget=1e6, settlement=Settlement("corridor", 0.05, 1.0, 1.0))
    assert variant_from_config(SPECS[1]) == Output(price_per_client=9000.0)
    assert variant_from_config(
        {"variant": "lumpsum", "budget": 5, "settlement": "full"}
    ) == Lumpsum(5.0, Settlement("full"))


def test_config_context_fills_and_spec_wins():
    context = {"budget": 2e6, "tariff": 70.0, "amount_per_head": 50.0}
    assert variant_from_config({"variant": "lumpsum"}, **context) == Lumpsum(2e6)
    assert variant_from_config({"variant": "lumpsum", "budget": 1e6}, **context) == Lumpsum(1e6)
    hybrid = variant_from_config({"variant": "hybrid", "pq_share": 0.3}, **context)
    assert hybrid == Hybrid(2e6, 70.0, 0.3)


def test_config_typo_in_variant_lists_options():
    with pytest.raises(ValueError) as err:
        variant_from_config({"variant": "lumsum", "budget": 1e6})
    message = str(err.value)
    assert "'lumsum'" in message
    assert "did you mean 'lumpsum'" in message
    for option in ("pq", "output", "lumpsum", "population", "hybrid"):
        assert f"'{option}'" in message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"budget": 1e6}, "no 'variant' key; valid variants: 'pq'"),
        ({"variant": "pq"}, "missing key 'tariff'"),
        ({"variant": "hybrid", "budget": 1}, "missing key 'tariff', 'pq_share'"),
        ({"variant": "pq", "tarif": 65}, "unknown key 'tarif' \\(did you mean 'tariff'\\?\\)"),
        (
            {"variant": "lumpsum", "budget": 1, "settlement": {"kind": "corridor", "coridor": 0.1}},
            "unknown settlement key 'coridor'",
        ),
        ({"variant": "lumpsum", "budget": 1, "settlement": {"kind": "max"}}, "valid kinds"),
        ({"variant": "lumpsum", "budget": 1, "settlement": {"corridor": 0.1}}, "needs 'kind'"),
        ({"variant": "lumpsum", "budget": "veel"}, "variant 'lumpsum': Lumpsum.budget must be"),
        ({"variant": "population", "amount_per_head": -5}, "amount_per_head must be"),
        ("lumpsum", "must be a mapping"),
    ],
)
def test_config_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        variant_from_config(spec)


def test_config_knows_exactly_the_variants_and_settlements_the_model_defines():
    # config sits below model and cannot import it: it lists the names; this keeps them equal
    from bekostiging.config.region_file import FUNDING_VARIANTS, SETTLEMENT_KINDS
    from bekostiging.model.variants import VARIANTS

    assert set(FUNDING_VARIANTS) == set(VARIANTS)
    assert set(SETTLEMENT_KINDS) == {"none", "corridor", "full"}
    for kind in SETTLEMENT_KINDS:  # every listed kind is one the model accepts
        Settlement(kind, corridor=0.05) if kind == "corridor" else Settlement(kind)
