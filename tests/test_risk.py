"""Required capacity, NAR rating, available capacity and the risk table, by hand-computed cases."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekostiging.config.parameters import read_parameter_file
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.data.rawdata import load_iv3_balance
from bekostiging.model.risk import (
    AVAILABLE_COLUMNS,
    FROM_BALANCE,
    OWN_FIGURE,
    RISK_FIELDS,
    RISK_KEYS,
    available_capacity,
    capacity_ratio,
    capacity_table,
    rating,
    region_settlements,
    required_capacity,
    risk_table,
    risk_table_from_frames,
    to_array,
)
from bekostiging.model.variants import SHARED, Settlement
from bekostiging.report.text.risk import (
    RISK_COLUMNS,
    dutch_capacity_table,
    dutch_risk_table,
    rating_scale,
)
from bekostiging.report.text.risk import RISK_NAMES as RISKS

PARAMETERS = ASSUMPTIONS_DIR / "parameters"
RESERVES_YAML = PARAMETERS / "reserves.yaml"


@pytest.fixture(scope="module")
def params(risk_params):
    return risk_params  # tests/conftest.py: the risk values fixed


def dutch(*args, **kwargs) -> pd.DataFrame:
    """The report's Dutch risk table of :func:`risk_table` (the hand cases check both)."""
    return dutch_risk_table(risk_table(*args, **kwargs))


def one(spend_by_draw) -> np.ndarray:
    """Shortfalls per draw as a (draws, 1, 1, 1) array."""
    return np.asarray(spend_by_draw, dtype=float).reshape(-1, 1, 1, 1)


# --------------------------------------------------------------------------------------------
# required capacity


def test_p90_of_ten_draws():
    # shortfalls 100, 200, ..., 1000: P90 (linear) = 900 + 0.1 x (1000 - 900) = 910
    spend = one(np.arange(1, 11) * 100.0 + 5_000.0)
    budget = np.full((1, 1, 1), 5_000.0)
    assert required_capacity(spend, budget).tolist() == [910.0]
    assert required_capacity(spend, budget, certainty=0.5).tolist() == [550.0]
    # shuffled draws give the same percentile
    rng = np.random.default_rng(3)
    assert required_capacity(rng.permutation(spend), budget).tolist() == [910.0]


def test_capacity_is_floored_at_zero_and_segments_offset():
    assert required_capacity(one([-10.0, -20.0]), 0.0).tolist() == [0.0]
    # segment 1 short by 100, segment 2 under by 60 in every draw: one budget, net 40
    spend = np.array([[[[1100.0], [440.0]]]] * 3)  # 3 draws, 1 municipality, 2 segments
    budget = np.array([[[1000.0], [500.0]]])
    assert required_capacity(spend, budget).tolist() == [40.0]
    assert required_capacity(spend, budget, axis=None).tolist() == [[100.0, 0.0]]


def test_periods_hand_computed():
    # 4 draws, 2 years. Year 1: 0, 100, 200, 300; year 2: 300, 0, 100, 200.
    gap = np.array([[0.0, 300.0], [100.0, 0.0], [200.0, 100.0], [300.0, 200.0]])
    spend = gap.reshape(4, 1, 1, 2)
    # per year P90: position 0.9 x 3 = 2.7 -> 200 + 0.7 x 100 = 270 in both years
    per_year = required_capacity(spend, 0.0, period="per_year")
    assert per_year.shape == (1, 2)
    assert per_year.ravel().tolist() == pytest.approx([270.0, 270.0])
    assert required_capacity(spend, 0.0) == pytest.approx([270.0])  # worst year
    # whole contract: totals 300, 100, 300, 500 -> sorted 100, 300, 300, 500 -> 300 + 0.7 x 200
    assert required_capacity(spend, 0.0, period="contract") == pytest.approx([440.0])


def test_capacity_shapes_and_region_total():
    rng = np.random.default_rng(0)
    spend = rng.normal(100.0, 10.0, size=(50, 3, 2, 4))
    budget = np.full((3, 2, 4), 100.0)
    assert required_capacity(spend, budget).shape == (3,)
    assert required_capacity(spend, budget, period="per_year").shape == (3, 4)
    region = required_capacity(spend, budget, axis=(1, 2))
    assert isinstance(region, float)
    manual = np.quantile((spend - budget).sum(axis=(1, 2)), 0.9, axis=0).max()
    assert region == pytest.approx(max(manual, 0.0))
    # no year axis: (draws, municipalities, segments)
    flat = spend[..., 0]
    assert required_capacity(flat, budget[..., 0], year_axis=None).shape == (3,)


def test_capacity_input_errors():
    spend = np.zeros((5, 2, 2, 3))
    with pytest.raises(ValueError, match="certainty must be between 0 and 1"):
        required_capacity(spend, 0.0, certainty=90)
    with pytest.raises(ValueError, match="axis 0 holds the draws"):
        required_capacity(spend, 0.0, axis=(0, 2))
    with pytest.raises(ValueError, match="use period='contract'"):
        required_capacity(spend, 0.0, axis=(2, 3))
    with pytest.raises(ValueError, match="does not broadcast"):
        required_capacity(spend, np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="unknown period"):
        required_capacity(spend, 0.0, period="year")
    bad = spend.copy()
    bad[1, 0, 1, 2] = np.nan
    with pytest.raises(ValueError, match=r"missing or infinite value at index \(1, 0, 1, 2\)"):
        required_capacity(bad, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
    certainty=st.floats(0.5, 0.99),
)
def test_capacity_is_a_percentile_floored(values, certainty):
    got = float(required_capacity(one(values), 0.0, certainty)[0])
    assert got == pytest.approx(max(float(np.quantile(values, certainty)), 0.0))
    assert got >= 0.0
    # more certainty never needs less capacity
    assert float(required_capacity(one(values), 0.0, 0.995)[0]) >= got - 1e-6


# --------------------------------------------------------------------------------------------
# ratio and rating


@pytest.mark.parametrize(
    ("ratio", "letter"),
    [
        (np.inf, "A"),
        (2.0000001, "A"),
        (2.0, "B"),
        (1.4, "B"),
        (1.3999999, "C"),
        (1.0, "C"),
        (0.9999999, "D"),
        (0.8, "D"),
        (0.7999999, "E"),
        (0.6, "E"),
        (0.5999999, "F"),
        (0.0, "F"),
        (-np.inf, "F"),
    ],
)
def test_rating_boundaries(ratio, letter):
    assert rating(ratio) == letter


def test_ratio_and_table():
    assert capacity_ratio(1_400_000, 1_000_000) == pytest.approx(1.4)
    assert capacity_ratio(0.0, 0.0) == np.inf
    assert capacity_ratio(-5.0, 0.0) == -np.inf
    assert rating(capacity_ratio([3.0, 1.0, 0.5], [1.0, 1.0, 1.0])).tolist() == ["A", "C", "F"]
    with pytest.raises(ValueError, match=">= 0"):
        capacity_ratio(1.0, -1.0)
    with pytest.raises(ValueError, match="NaN"):
        rating(float("nan"))
    numbers = capacity_table(
        {"GM0197": 1_000_000.0, "GM0222": 900_000.0},
        {"GM0197": 500_000.0, "GM0222": 1_000_000.0},
        {"GM0197": "Aalten"},
    )
    assert numbers["rating"].tolist() == ["B", "D"]
    table = dutch_capacity_table(numbers)
    assert table["Gemeente"].tolist() == ["Aalten", "GM0222"]
    assert table["Ratio"].tolist() == pytest.approx([2.0, 0.9])
    assert table["Waardering"].tolist() == ["B", "D"]
    assert table["Betekenis"].tolist() == ["ruim voldoende", "matig"]
    assert rating_scale()["Waarderingscijfer"].tolist() == list("ABCDEF")


# --------------------------------------------------------------------------------------------
# available capacity and the parameter file


def test_no_invented_reserves_in_the_parameter_file(achterhoek, params):
    """Issue 11: the available capacity is no longer a guessed amount per code; it comes from
    the Iv3 balance (or the municipality's own figure)."""
    assert params.param("reserves.available").value == {}
    assert params.param("reserves.social_domain_share").is_estimate
    codes = [m.code for m in achterhoek.municipalities]
    out = available_capacity(params, codes, balance=load_iv3_balance(), reference_year=2024)
    assert (out["basis"] == FROM_BALANCE).all() and (out["balance_year"] == 2024).all()
    doetinchem = out.set_index("gemeentecode").loc["GM0222"]
    assert doetinchem["available"] == pytest.approx(123_170_000 * 0.15)  # EV end 2024


def test_available_capacity_default_per_inhabitant(alkmaar, params):
    """Without an own figure and without a balance (none passed): EUR 75 per inhabitant."""
    codes = ["GM0361", "GM0197"]
    out = available_capacity(params, ["GM0361"], {"GM0361": 110_000}).set_index("gemeentecode")
    assert out.loc["GM0361", "available"] == 75.0 * 110_000
    assert out.loc["GM0361", "basis"].startswith("reserves.available_per_inhabitant")
    with pytest.raises(ValueError, match="GM0197 has no reserves.available, no Iv3 balance"):
        available_capacity(params, codes, {"GM0361": 110_000})


def submitted_figure(code: str = "GM0197", amount: float = 3_250_000.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeentecode": [code],
            "available": [amount],
            "year": [2025],
            "source": ["paragraaf weerstandsvermogen, jaarrekening 2025"],
        }
    )


def test_submitted_figure_replaces_balance_and_parameter(params):
    """The workbook's own figure wins over the Iv3 balance and over reserves.available, and
    the table says which figure it replaced; other municipalities keep their basis."""
    balance = load_iv3_balance()
    codes = ["GM0197", "GM0222"]
    out = available_capacity(
        params, codes, balance=balance, reference_year=2024, submitted=submitted_figure()
    )
    assert list(out.columns) == AVAILABLE_COLUMNS
    aalten, doetinchem = out.iloc[0], out.iloc[1]
    assert (aalten["available"], aalten["basis"], aalten["submitted"]) == (
        3_250_000.0,
        OWN_FIGURE,
        True,
    )
    assert (aalten["figure_year"], aalten["figure_source"]) == (
        2025,
        "paragraaf weerstandsvermogen, jaarrekening 2025",
    )
    assert np.isnan(aalten["replaced"]) and np.isnan(aalten["eigen_vermogen"])
    assert doetinchem["basis"] == FROM_BALANCE and not doetinchem["submitted"]
    assert pd.isna(doetinchem["figure_source"]) and pd.isna(doetinchem["figure_year"])

    both = params.with_overrides({"reserves.available": {"GM0197": 4_500_000, "GM0222": 9e6}})
    out = available_capacity(
        both, codes, balance=balance, reference_year=2024, submitted=submitted_figure()
    ).set_index("gemeentecode")
    assert out.loc["GM0197", "available"] == 3_250_000.0  # the workbook wins
    assert out.loc["GM0197", "replaced"] == 4_500_000.0  # ... and says what it replaced
    assert (out.loc["GM0222", "available"], out.loc["GM0222", "basis"]) == (9e6, OWN_FIGURE)
    assert not out.loc["GM0222", "submitted"]
    # an empty table of figures changes nothing
    empty = available_capacity(
        params, codes, balance=balance, submitted=submitted_figure().iloc[:0]
    )
    assert (empty["basis"] == FROM_BALANCE).all()


def test_submitted_figure_gives_the_ratio(params):
    row = available_capacity(params, ["GM0197"], submitted=submitted_figure()).iloc[0]
    table = capacity_table({"GM0197": row["available"]}, {"GM0197": 2_500_000.0})
    assert float(table["ratio"].iloc[0]) == pytest.approx(3_250_000 / 2_500_000)
    assert table["rating"].iloc[0] == "C"  # 1.3


@pytest.mark.parametrize(
    ("frame", "phrase"),
    [
        (pd.concat([submitted_figure(), submitted_figure()]), "more than one submitted"),
        (submitted_figure(amount=-1.0), "must be >= 0"),
        (submitted_figure(amount=float("nan")), "must be >= 0"),
        (submitted_figure().drop(columns="source"), "needs the columns ['source']"),
    ],
    ids=["twice", "negative", "nan", "no source"],
)
def test_submitted_figures_are_checked(params, frame, phrase):
    with pytest.raises(ValueError, match=re.escape(phrase)):
        available_capacity(params, ["GM0197"], submitted=frame)


def test_risk_parameters_are_documented_estimates(achterhoek):
    own = read_parameter_file(RESERVES_YAML)
    for name, p in own.items():
        if name == "reserves.available":  # the municipalities' own figures (empty by default)
            assert p.value == {} and p.note
            continue
        assert p.is_estimate, name
        assert p.note, name
        if name.startswith("risk.") and name.endswith((".chance", "_share", ".excess")):
            assert p.range is not None, name
            assert 0.0 <= p.value <= 1.0, name
    # the shared files add names; they never silently replace the region's own assumptions:
    # where the region's file gives a shared name for its own segments (issue 12), it wins
    extras = ("reserves.yaml", "allocation.yaml", "transition.yaml")
    assert all(PARAMETERS / e in achterhoek.parameter_files for e in extras)
    region_names = set()
    for f in achterhoek.parameter_files:
        if f.name not in extras:
            region_names |= set(read_parameter_file(f))
    for extra in extras:
        for name in region_names & set(read_parameter_file(PARAMETERS / extra)):
            assert not achterhoek.parameters.param(name).file.endswith(extra), name
    assert achterhoek.parameters.value("risk.allocation.regional_segments") == ["hcv", "wmo_wonen"]


# --------------------------------------------------------------------------------------------
# risk table


def hand_case():
    """1 municipality, segments iaj (lumpsum) and wmo_pv (p*q), 2 years, 4 draws."""
    budget = np.array([[[1000.0, 1000.0], [100.0, 100.0]]])  # (1, 2, 2)
    iaj = [[1000, 1100], [900, 1200], [1060, 1000], [1000, 1000]]
    pv = [[100, 100], [150, 100], [100, 90], [100, 100]]
    spend = np.stack([np.array(iaj, float), np.array(pv, float)], axis=1)[:, None]  # (4,1,2,2)
    return spend, budget


def by_risk(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("Risico")


def test_risk_table_hand_computed(params):
    spend, budget = hand_case()
    settlement = Settlement("corridor", corridor=0.05)
    diff = pd.DataFrame({"gemeentecode": ["GM0197"], "key": ["inwoners"], "difference": [1234.5]})
    numbers = risk_table(
        spend,
        budget,
        ["GM0197"],
        params,
        segments=["iaj", "wmo_pv"],
        settlements={"iaj": settlement},
        budgeted_index=0.03,
        allocation_difference=diff,
    )
    assert list(numbers.columns) == RISK_FIELDS
    assert numbers["risk"].tolist() == list(RISK_KEYS)
    n = numbers.set_index("risk")
    assert n.loc["volume", "chance"] == pytest.approx(0.375)
    assert n.loc["volume", "expected"] == pytest.approx(45.0)
    assert n.loc["settlement", "facts"]["segments"] == ("iaj",)
    assert n.loc["indexation", "parameters"] == ("risk.indexation.chance", "risk.indexation.excess")
    assert n.loc["indexation", "estimates"] == (True, True)
    t = dutch_risk_table(numbers)
    assert list(t.columns) == RISK_COLUMNS
    assert t["Risico"].tolist() == list(RISKS.values())
    r = by_risk(t)
    # total deviation per (draw, year): 0, 100 | -50, 200 | 60, -10 | 0, 0
    assert r.loc[RISKS["volume"], "Kans (%)"] == pytest.approx(37.5)
    assert r.loc[RISKS["volume"], "Financiële impact (€)"] == pytest.approx(120.0)
    assert r.loc[RISKS["volume"], "Kans x impact (€)"] == pytest.approx(45.0)
    assert r.loc[RISKS["volume"], "Bron"] == "simulatie"
    # iaj beyond the 50 band: 0, 50 | -50, 150 | 10, 0 | 0, 0
    assert r.loc[RISKS["settlement"], "Kans (%)"] == pytest.approx(37.5)
    assert r.loc[RISKS["settlement"], "Financiële impact (€)"] == pytest.approx(70.0)
    assert "±5 %" in r.loc[RISKS["settlement"], "Toelichting"]
    # assumptions on the annual budget 1,100
    assert r.loc[RISKS["intensity"], "Financiële impact (€)"] == pytest.approx(33.0)
    assert r.loc[RISKS["intensity"], "Kans x impact (€)"] == pytest.approx(8.25)
    assert r.loc[RISKS["indexation"], "Financiële impact (€)"] == pytest.approx(22.0)
    assert r.loc[RISKS["indexation"], "Kans (%)"] == pytest.approx(30.0)
    assert "3,0%" in r.loc[RISKS["indexation"], "Toelichting"]
    assert r.loc[RISKS["discontinuity"], "Financiële impact (€)"] == pytest.approx(25_013.75)
    assert r.loc[RISKS["allocation"], "Kans x impact (€)"] == pytest.approx(308.625)
    assert "'inwoners'" in r.loc[RISKS["allocation"], "Toelichting"]
    assert r.loc[RISKS["indexation"], "Bron"] == (
        "aanname risk.indexation.chance, risk.indexation.excess (schatting)"
    )


def test_bron_names_a_scenario_source(params):
    spend, budget = hand_case()
    scenario = params.with_overrides({"risk.indexation.excess": 0.04}, source="hoog.yaml")
    r = by_risk(dutch(spend, budget, ["GM0197"], scenario))
    assert r.loc[RISKS["indexation"], "Bron"] == (
        "aanname risk.indexation.chance (schatting); "
        "aanname risk.indexation.excess (scenario (hoog.yaml))"
    )
    assert r.loc[RISKS["indexation"], "Financiële impact (€)"] == pytest.approx(44.0)


def test_risk_table_optional_rows_and_estimated_clients(params):
    spend, budget = hand_case()
    t = dutch(spend, budget, ["GM0197"], params)
    assert RISKS["settlement"] not in t["Risico"].tolist()
    assert RISKS["allocation"] not in t["Risico"].tolist()
    # the transition arrangement is decided: a certain cost (model.transition), not a risk
    assert "transition" not in RISK_KEYS
    assert not any("Overgangsregeling" in name for name in t["Risico"])


def test_settlement_from_variant_spend(params):
    spend, budget = hand_case()
    paid = np.broadcast_to(budget, spend.shape).copy()
    paid[2, 0, 0, 1] += 80.0  # the municipality paid 80 on top of the iaj lumpsum once
    paid[1, 0, 1, 0] += 500.0  # wmo_pv is not settled: ignored in this row
    t = dutch(
        spend,
        budget,
        ["GM0197"],
        params,
        segments=["iaj", "wmo_pv"],
        settlements={"iaj": Settlement("full")},
        municipality_spend=paid,
    )
    row = by_risk(t).loc[RISKS["settlement"]]
    assert row["Kans (%)"] == pytest.approx(12.5)
    assert row["Financiële impact (€)"] == pytest.approx(80.0)


def test_volume_and_cost_per_client_split(params):
    budget = np.full((1, 1, 1), 1000.0)
    budget_clients = np.full((1, 1, 1), 10.0)  # 100 per client
    spend = one([1300.0, 950.0])
    clients = one([12.0, 9.0])
    t = dutch(
        spend, budget, ["GM0197"], params, clients_draws=clients, budget_clients=budget_clients
    )
    r = by_risk(t)
    # draw 0: 2 extra clients x 100 = 200 volume, 100 intensity; draw 1: -100 volume, +50
    assert r.loc[RISKS["volume"], ["Kans (%)", "Financiële impact (€)"]].tolist() == [50.0, 200.0]
    assert r.loc[RISKS["intensity"], ["Kans (%)", "Financiële impact (€)"]].tolist() == [
        100.0,
        75.0,
    ]
    assert r.loc[RISKS["intensity"], "Bron"] == "simulatie"
    with pytest.raises(ValueError, match="both clients_draws and budget_clients"):
        risk_table(spend, budget, ["GM0197"], params, clients_draws=clients)


@settings(max_examples=30, deadline=None)
@given(devs=st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=2, max_size=30))
def test_chance_times_impact_is_the_expected_excess(params, devs):
    spend = one(np.array(devs) + 1e6)
    t = dutch(spend, np.full((1, 1, 1), 1e6), ["GM0197"], params)
    row = by_risk(t).loc[RISKS["volume"]]
    expected = np.mean(np.maximum(spend.ravel() - 1e6, 0.0))
    assert row["Kans x impact (€)"] == pytest.approx(expected, abs=1e-6)
    assert 0.0 <= row["Kans (%)"] <= 100.0


def test_risk_table_errors(params):
    spend, budget = hand_case()
    with pytest.raises(ValueError, match="2 municipality labels for 1"):
        risk_table(spend, budget, ["GM0197", "GM0222"], params)
    with pytest.raises(ValueError, match="segment labels"):
        risk_table(spend, budget, ["GM0197"], params, settlements={"iaj": Settlement("full")})
    with pytest.raises(ValueError, match="unknown segment"):
        risk_table(
            spend,
            budget,
            ["GM0197"],
            params,
            segments=["iaj", "wmo_pv"],
            settlements={"gwv": Settlement("full")},
        )
    with pytest.raises(ValueError, match="draws, municipalities, segments, years"):
        risk_table(spend[..., 0], budget[..., 0], ["GM0197"], params)


def test_risk_table_from_frames(achterhoek, params):
    codes = [m.code for m in reversed(achterhoek.municipalities)]  # region order is restored
    budget = pd.DataFrame(
        [
            (c, s, y, 1000.0 if s == "iaj" else 100.0)
            for c in codes
            for s in ("iaj", "wmo_pv")
            for y in (2025, 2026)
        ],
        columns=["gemeentecode", "segment", "year", "budget"],
    )
    factors = [0.9, 1.0, 1.2]
    draws = pd.concat(
        [budget.assign(draw=d, spend=budget["budget"] * f) for d, f in enumerate(factors)]
    )
    keys = pd.DataFrame(
        {"gebruik": 1 / 8, "inwoners": [0.2] + [0.8 / 7] * 7},
        index=pd.Index([m.code for m in achterhoek.municipalities], name="gemeentecode"),
    )
    t = dutch_risk_table(
        risk_table_from_frames(draws, budget, params, achterhoek, keys=keys), achterhoek.name_of
    )
    assert t.columns.tolist()[:2] == ["gemeentecode", "Gemeente"]
    assert t["gemeentecode"].iloc[0] == "GM0197" and t["Gemeente"].iloc[0] == "Aalten"
    assert len(t) == 8 * 6  # six risks: the transition is a certain cost, not a risk
    aalten = by_risk(t[t["gemeentecode"] == "GM0197"])
    # draw 2 overspends 20 % in both years: 220 on a budget of 1,100
    assert aalten.loc[RISKS["volume"], "Kans (%)"] == pytest.approx(100 / 3)
    assert aalten.loc[RISKS["volume"], "Financiële impact (€)"] == pytest.approx(220.0)
    # only iaj is settled (wmo_pv is p*q): 200 over, band 50 -> 150 beyond the corridor, of
    # which the municipality pays its share (the region's default settlement)
    share = achterhoek.segment("iaj").funding["settlement"]["municipality_share_over"]
    assert aalten.loc[RISKS["settlement"], "Financiële impact (€)"] == pytest.approx(150.0 * share)
    assert "(iaj)" in aalten.loc[RISKS["settlement"], "Toelichting"]
    # no regional segment among iaj/wmo_pv: regional cost 0, so no allocation impact
    assert aalten.loc[RISKS["allocation"], "Financiële impact (€)"] == 0.0
    assert "2025" not in aalten.loc[RISKS["indexation"], "Toelichting"]
    assert "4,5%" in aalten.loc[RISKS["indexation"], "Toelichting"]  # index.care_cost 2025
    with pytest.raises(ValueError, match="no 'spend' for"):
        risk_table_from_frames(draws.iloc[1:], budget, params, achterhoek)


def test_to_array_and_region_settlements(achterhoek):
    f = pd.DataFrame({"gemeentecode": ["B", "A"], "year": [2024, 2024], "v": [2.0, 1.0]})
    arr, labels = to_array(f, "v", ["gemeentecode", "year"], {"gemeentecode": ["A", "B"]})
    assert arr.tolist() == [[1.0], [2.0]]
    assert labels["gemeentecode"] == ("A", "B")
    with pytest.raises(ValueError, match="more than one row"):
        to_array(pd.concat([f, f]), "v", ["gemeentecode", "year"])
    s = region_settlements(achterhoek)
    assert "wmo_pv" not in s and "wmo_logeren" not in s
    assert s["gwv"].risk_carrier() == SHARED
