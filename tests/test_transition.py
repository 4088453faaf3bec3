"""Transition arrangement: hand-computed month tables, capacity sequences, validation, defaults."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bekostiging.config.parameters import load_parameters
from bekostiging.config.region_file import RegionFile
from bekostiging.config.validation import validate
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.model.transition import (
    cliff_summary,
    indication_cliff,
    monthly_cost_per_client,
    months_between,
    simulate_transition,
    transition_summary,
)

PARAMETER_FILE = ASSUMPTIONS_DIR / "parameters" / "transition.yaml"
WINDOW = ["2022-07", "2022-08", "2022-09", "2022-10", "2022-11", "2022-12"]


def months(df: pd.DataFrame) -> list[str]:
    return [str(m) for m in df["month"]]


def test_capacity_sufficient():
    # 100 clients, 30 % at non-contracted providers = 30 to move; 5 a month for 6 months = 30
    df = simulate_transition(100, 0.3, 5, monthly_cost_per_client=1000.0)
    assert months(df) == WINDOW
    assert isinstance(df["month"].dtype, pd.PeriodDtype)
    assert df["clients_at_noncontracted_start"].tolist() == [30.0, 25.0, 20.0, 15.0, 10.0, 5.0]
    assert df["transferred"].tolist() == [5.0] * 6
    assert df["natural_outflow"].tolist() == [0.0] * 6
    assert df["remaining_end"].tolist() == [25.0, 20.0, 15.0, 10.0, 5.0, 0.0]
    assert df["cumulative_transferred"].tolist() == [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    assert df["overlap_cost"].tolist() == [5000.0] * 6  # 5 clients * 1000 EUR * 1 month

    s = transition_summary(df, "2023-01")
    assert s == {
        "clients_to_move": 30.0,
        "moved_by_deadline": 30.0,
        "natural_outflow_by_deadline": 0.0,
        "left_at_deadline": 0.0,
        "deadline_met": True,
        "months_in_window": 6,
        "months_needed": 6,
        "total_overlap_cost": 30000.0,
        "overlap_cost_by_deadline": 30000.0,
        "decided_cost": 105000.0,
        "decided_cost_by_year": {2022: 105000.0},
    }


def test_decided_cost_hand_computed():
    # The arrangement as decided: beside the full lumpsum the old provider is paid for every
    # client still in its care, and for one month of handover for those moved this month.
    # 100 clients in care, 30 % at a non-contracted provider = 30; 5 move a month; EUR 1,000.
    #   month    still at old provider   moved x 1 month   paid to the old provider
    #   July             25                    5            (25 + 5) x 1,000 = 30,000
    #   August           20                    5            (20 + 5) x 1,000 = 25,000
    #   September        15                    5                               20,000
    #   October          10                    5                               15,000
    #   November          5                    5                               10,000
    #   December          0                    5                                5,000
    #   total                                                                 105,000
    df = simulate_transition(100, 0.3, 5, monthly_cost_per_client=1000.0, overlap_months=1)
    assert df["decided_cost"].tolist() == [30000.0, 25000.0, 20000.0, 15000.0, 10000.0, 5000.0]
    assert transition_summary(df)["decided_cost"] == 105000.0


def test_decided_cost_stops_at_the_deadline():
    # capacity 4: by December 6 clients are left; they are moved in January and February, but
    # the old provider is no longer paid after 1 January 2023 (a stated problem, no cost)
    #   still at the old provider at the end of Jul-Dec: 26 + 22 + 18 + 14 + 10 + 6 = 96
    #   handover months: 6 months x 4 moved x 1 month                              = 24
    #   (96 + 24) x 1,000 = 120,000; nothing in January and February
    df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    assert df["decided_cost"].tolist() == [30000, 26000, 22000, 18000, 14000, 10000, 0, 0]
    s = transition_summary(df)
    assert (s["decided_cost"], s["left_at_deadline"]) == (120000.0, 6.0)


def test_decided_cost_cuts_handover_months_at_the_deadline():
    # two months of handover: a client moved in December has only December left before the
    # deadline, so one month of handover is paid for it, two for the others
    #   still at the old provider: 25 + 20 + 15 + 10 + 5 + 0 = 75
    #   handover: 5 months x 5 moved x 2 months + 5 moved in December x 1 month = 55
    #   (75 + 55) x 1,000 = 130,000
    df = simulate_transition(100, 0.3, 5, monthly_cost_per_client=1000.0, overlap_months=2)
    assert df["decided_cost"].tolist()[-2:] == [15000.0, 5000.0]  # (5 + 10), (0 + 5)
    assert transition_summary(df)["decided_cost"] == 130000.0


def test_decided_cost_split_over_calendar_years():
    # window October 2024 - March 2025; 12 clients, 2 a month, EUR 100:
    # paid (10+2) + (8+2) + (6+2) = 30 months in 2024, (4+2) + (2+2) + (0+2) = 12 in 2025
    df = simulate_transition(
        12, 1.0, 2, start="2024-10", deadline="2025-04", monthly_cost_per_client=100.0
    )
    s = transition_summary(df, "2025-04")
    assert s["decided_cost_by_year"] == {2024: 3000.0, 2025: 1200.0}
    assert s["decided_cost"] == 4200.0


def test_capacity_short_continues_after_deadline():
    # capacity 4: 6 * 4 = 24 moved by the deadline, 6 left; January 4 more, February the last 2
    df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    assert months(df) == [*WINDOW, "2023-01", "2023-02"]
    assert df["transferred"].tolist() == [4.0] * 7 + [2.0]
    assert df["remaining_end"].tolist() == [26.0, 22.0, 18.0, 14.0, 10.0, 6.0, 2.0, 0.0]

    s = transition_summary(df, "2023-01")
    assert s["moved_by_deadline"] == 24.0
    assert s["left_at_deadline"] == 6.0
    assert s["deadline_met"] is False
    assert s["months_needed"] == 8  # ceil(30 / 4)
    assert s["total_overlap_cost"] == 30000.0  # all 30 moved in the end
    assert s["overlap_cost_by_deadline"] == 24000.0


def test_natural_outflow():
    # outflow 10 % of those at the start of the month, then transfers of at most 5:
    # Jul 30 -> out 3, move 5, 22 left; Aug out 2.2, move 5, 14.8; Sep out 1.48, move 5, 8.32;
    # Oct out 0.832, move 5, 2.488; Nov out 0.2488, move the last 2.2392; Dec nothing left
    df = simulate_transition(100, 0.3, 5, natural_outflow_rate=0.1, monthly_cost_per_client=100)
    assert df["natural_outflow"].tolist() == pytest.approx([3.0, 2.2, 1.48, 0.832, 0.2488, 0.0])
    assert df["transferred"].tolist() == pytest.approx([5, 5, 5, 5, 2.2392, 0])
    assert df["remaining_end"].tolist() == pytest.approx([22, 14.8, 8.32, 2.488, 0, 0])
    assert df["remaining_end"].iloc[4] == 0.0  # exactly, not a rounding residue
    s = transition_summary(df)
    assert s["months_needed"] == 5
    assert s["moved_by_deadline"] == pytest.approx(22.2392)
    assert s["natural_outflow_by_deadline"] == pytest.approx(7.7608)
    assert s["total_overlap_cost"] == pytest.approx(2223.92)  # 22.2392 * 100


def test_overlap_assumption():
    # 30 clients * 1200 EUR * 2 months of paying both providers
    df = simulate_transition(100, 0.3, 10, monthly_cost_per_client=1200.0, overlap_months=2)
    assert transition_summary(df)["total_overlap_cost"] == 72000.0
    df = simulate_transition(100, 0.3, 10, overlap_months=0)
    assert transition_summary(df)["total_overlap_cost"] == 0.0


def test_capacity_as_sequence():
    # nothing in July and August (contracts just started), then 10 a month
    df = simulate_transition(100, 0.3, [0, 0, 10, 10, 10, 10], monthly_cost_per_client=1.0)
    assert df["capacity"].tolist() == [0.0, 0.0, 10.0, 10.0, 10.0, 10.0]
    assert df["transferred"].tolist() == [0.0, 0.0, 10.0, 10.0, 10.0, 0.0]
    assert transition_summary(df)["months_needed"] == 5


def test_sequence_longer_than_window_continues_and_may_fall_short():
    # 6 * 2 = 12 by the deadline (18 left); January 10 more (8 left); the sequence ends there
    df = simulate_transition(100, 0.3, [2, 2, 2, 2, 2, 2, 10])
    assert months(df) == [*WINDOW, "2023-01"]
    assert df["remaining_end"].tolist() == [28.0, 26.0, 24.0, 22.0, 20.0, 18.0, 8.0]
    s = transition_summary(df)
    assert (s["moved_by_deadline"], s["left_at_deadline"]) == (12.0, 18.0)
    assert s["months_needed"] is None  # not reached within the given capacities


def test_zero_capacity_stops_at_deadline():
    df = simulate_transition(100, 0.3, 0, natural_outflow_rate=0.05)
    assert months(df) == WINDOW
    s = transition_summary(df)
    assert s["moved_by_deadline"] == 0.0
    assert s["left_at_deadline"] == pytest.approx(30 * 0.95**6)
    assert s["months_needed"] is None


def test_nothing_to_move():
    df = simulate_transition(1000, 0.0, 5)
    assert months(df) == WINDOW
    s = transition_summary(df)
    assert s["clients_to_move"] == 0.0
    assert s["months_needed"] == 0
    assert s["deadline_met"] is True


def test_other_window():
    assert months_between("2022-07", "2023-01") == 6
    df = simulate_transition(50, 1.0, 20, start="2024-01", deadline="2024-03")
    assert months(df) == ["2024-01", "2024-02", "2024-03"]
    s = transition_summary(df, "2024-03")
    assert (s["months_in_window"], s["moved_by_deadline"], s["left_at_deadline"]) == (2, 40.0, 10.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client_stock": -1}, "client_stock must be a finite number >= 0"),
        ({"client_stock": float("nan")}, "client_stock"),
        ({"client_stock": "veel"}, "client_stock must be a number"),
        (
            {"share_noncontracted": 1.2},
            "share_noncontracted must be a finite number between 0 and 1",
        ),
        ({"share_noncontracted": -0.1}, "share_noncontracted"),
        ({"monthly_capacity": -5}, "monthly_capacity must be"),
        ({"monthly_capacity": [5, 5, -1, 5, 5, 5]}, r"monthly_capacity\[2\] must be"),
        ({"monthly_capacity": [5, 5, 5]}, "3 values but the transition window has 6 months"),
        ({"monthly_cost_per_client": -100}, "monthly_cost_per_client must be"),
        ({"overlap_months": -1}, "overlap_months must be"),
        ({"natural_outflow_rate": 1.5}, "natural_outflow_rate must be"),
        ({"start": "2023-02"}, "must be before the deadline"),
        ({"start": "juli"}, "start must be a month such as '2022-07'"),
        ({"max_months": 3}, "max_months must be"),
    ],
)
def test_validation(kwargs, message):
    args = {"client_stock": 100, "share_noncontracted": 0.3, "monthly_capacity": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        simulate_transition(**args)


def test_summary_needs_the_whole_window():
    df = simulate_transition(100, 0.3, 5)
    with pytest.raises(ValueError, match="does not run up to the deadline 2023-03"):
        transition_summary(df, "2023-03")
    with pytest.raises(ValueError, match="missing columns"):
        transition_summary(df.drop(columns="overlap_cost"))


@given(
    st.floats(0, 1e5),
    st.floats(0, 1),
    st.floats(0, 1e4),
    st.floats(0, 1),
)
def test_clients_are_conserved(stock, share, capacity, outflow):
    df = simulate_transition(stock, share, capacity, natural_outflow_rate=outflow)
    to_move = stock * share
    accounted = df["cumulative_transferred"] + df["natural_outflow"].cumsum() + df["remaining_end"]
    np.testing.assert_allclose(accounted, to_move, rtol=1e-9, atol=1e-9)
    assert (df["transferred"] <= capacity).all()
    assert (df["remaining_end"] >= 0).all()
    assert (np.diff(df["remaining_end"]) <= 0).all()


@given(
    st.floats(0, 1e5),
    st.floats(0, 1),
    st.floats(0, 1e4),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 12),
)
def test_decided_cost_between_overlap_only_and_full_window(
    stock, share, capacity, outflow, overlap, window
):
    deadline = (pd.Period("2022-07", freq="M") + window).strftime("%Y-%m")
    df = simulate_transition(
        stock,
        share,
        capacity,
        deadline=deadline,
        monthly_cost_per_client=1000.0,
        overlap_months=overlap,
        natural_outflow_rate=outflow,
    )
    s = transition_summary(df, deadline)
    slack = 1e-9 * max(1.0, stock * window * 1000.0)
    # at least the handover months alone; at most everyone paid for the whole window
    assert s["decided_cost"] >= s["overlap_cost_by_deadline"] - slack
    assert s["decided_cost"] <= stock * share * window * 1000.0 + slack
    assert sum(s["decided_cost_by_year"].values()) == pytest.approx(s["decided_cost"])


@given(st.floats(0, 1e4), st.floats(0, 1e4), st.floats(0, 6), st.integers(1, 12))
def test_decided_cost_never_above_the_full_window_with_long_handovers(
    stock, capacity, overlap, window
):
    deadline = (pd.Period("2022-07", freq="M") + window).strftime("%Y-%m")
    df = simulate_transition(stock, 1.0, capacity, deadline=deadline, overlap_months=overlap)
    bound = stock * window * 1000.0
    assert transition_summary(df, deadline)["decided_cost"] <= bound * (1 + 1e-9) + 1e-9


def test_monthly_cost_per_client_from_the_baseline():
    # Aalten-like: EUR 14.28 m procured spend over 1,082 clients = EUR 1,099.89 a month
    cost, basis = monthly_cost_per_client(14_280_410.0, 1082.0)
    assert basis == "baseline"
    assert cost == pytest.approx(14_280_410.0 / 1082.0 / 12)
    for spend, clients in [(0, 100), (1e6, 0), (float("nan"), 10), (None, 10)]:
        assert monthly_cost_per_client(spend, clients, fallback=950.0) == (950.0, "parameter")


def test_indication_cliff_hand_computed():
    # 2,000 clients in care, 5 % a month indicated: the normal load is 100 a month.
    # Capped: indications of the 4 months before 1 July 2022 (March-June) = 4 x 100 = 400,
    # re-indicated over the last 2 months (November, December): 200 extra a month.
    df = indication_cliff(2000, 0.05, runup_months=4, spread_months=2)
    assert [str(m) for m in df["month"]] == WINDOW
    assert df["normal_load"].tolist() == [100.0] * 6
    assert df["extra_load"].tolist() == [0.0, 0.0, 0.0, 0.0, 200.0, 200.0]
    assert df["total_load"].tolist() == [100.0] * 4 + [300.0] * 2
    s = cliff_summary(df)
    assert s["capped_indications"] == 400.0
    assert (s["normal_load"], s["peak_load"], s["peak_ratio"]) == (100.0, 300.0, 3.0)
    assert str(s["peak_month"]) == "2022-11"


def test_indication_cliff_only_counts_indications_cut_short_and_still_in_care():
    # 12 months of runup (July 2021 - June 2022): issued 18 ... 7 months before the deadline.
    # With indications of 12 months only those issued 11 ... 7 months before it (February -
    # June 2022) are cut short: 5 x 100 = 500. With 10 % a month leaving care, of those issued
    # k months before the deadline 0.9 ** k are still in care.
    df = indication_cliff(1000, 0.1, 12, 3, indication_months=12)
    assert cliff_summary(df)["capped_indications"] == pytest.approx(500.0)
    df = indication_cliff(1000, 0.1, 12, 3, indication_months=12, outflow_rate=0.1)
    expected = sum(100 * 0.9**k for k in (7, 8, 9, 10, 11))
    assert cliff_summary(df)["capped_indications"] == pytest.approx(expected)
    assert df["extra_load"].iloc[-1] == pytest.approx(expected / 3)


def test_indication_cliff_without_runup_or_clients():
    s = cliff_summary(indication_cliff(1000, 0.04, 0, 3))
    assert (s["capped_indications"], s["peak_ratio"]) == (0.0, 1.0)
    s = cliff_summary(indication_cliff(0, 0.04, 6, 3))
    assert (s["peak_load"], s["peak_ratio"]) == (0.0, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runup_months": 2.5}, "runup_months must be a whole number"),
        ({"runup_months": -1}, "runup_months must be a finite number >= 0"),
        ({"spread_months": 0}, "spread_months must be a finite number >= 1"),
        ({"spread_months": 7}, r"spread_months \(7\) must fit in the 6 months"),
        ({"indication_rate": 1.5}, "indication_rate must be"),
        ({"start": "2023-01"}, "must be before the deadline"),
    ],
)
def test_indication_cliff_validation(kwargs, message):
    args = {
        "clients_in_care": 100,
        "indication_rate": 0.04,
        "runup_months": 6,
        "spread_months": 3,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        indication_cliff(**args)


def test_parameter_file_format_and_defaults():
    raw = yaml.safe_load(PARAMETER_FILE.read_text(encoding="utf-8"))
    names = {
        "share_noncontracted",
        "monthly_capacity_per_1000_clients",
        "monthly_cost_per_client",
        "overlap_months",
        "natural_outflow_rate",
        "window_months",
        "indication_rate",
        "indication_runup_months",
        "indication_spread_months",
        "indication_months",
    }
    assert set(raw["transition"]) == names
    for name, entry in raw["transition"].items():
        assert set(entry) == {"value", "unit", "source", "note"}, name
        assert entry["note"].strip() and entry["unit"].strip(), name

    params = load_parameters([PARAMETER_FILE])
    # the national defaults are estimates (a region file's transition block cites its own
    # arrangement, issue 12)
    assert [n for n in names if not params.param(f"transition.{n}").is_estimate] == []
    # the window (start to deadline) of the code's default dates is the file's window
    defaults = inspect.signature(simulate_transition).parameters
    window = months_between(defaults["start"].default, defaults["deadline"].default)
    assert window == params.value("transition.window_months") == 6
    # the code's defaults for cost and overlap are the file's values
    v = {name: params.value(f"transition.{name}") for name in names}
    assert defaults["monthly_cost_per_client"].default == v["monthly_cost_per_client"]
    assert defaults["overlap_months"].default == v["overlap_months"]
    # the file's values are valid inputs: 11,000 clients in care, 40 per 1,000 a month = 440
    df = simulate_transition(
        11_000,
        v["share_noncontracted"],
        v["monthly_capacity_per_1000_clients"] * 11,
        monthly_cost_per_client=v["monthly_cost_per_client"],
        overlap_months=v["overlap_months"],
        natural_outflow_rate=v["natural_outflow_rate"],
    )
    assert transition_summary(df)["clients_to_move"] == 2750.0  # 25 % of 11,000
    cliff = indication_cliff(
        11_000,
        v["indication_rate"],
        int(v["indication_runup_months"]),
        int(v["indication_spread_months"]),
        indication_months=v["indication_months"],
    )
    # January's 12-month indications end on 1 January 2023 anyway: 5 of the 6 months are cut
    assert cliff_summary(cliff)["peak_ratio"] == pytest.approx(1 + 5 / 3)


# --------------------------------------------------------------------------------------------
# the region file's transition block


def region_data(transition) -> dict:
    return {
        "municipalities": [{"code": "GM0197", "name": "Aalten"}],
        "contract": {"start": "2022-07-01", "terms_years": [3]},
        "conversion": "c.csv",
        "transition": transition,
    }


def test_region_block_overrides_the_national_defaults(achterhoek):
    p = achterhoek.parameters
    window = p.param("transition.window_months")
    assert (window.value, window.is_estimate) == (6.0, False)  # decided: seed 000
    assert window.file.endswith("regions/achterhoek.yaml")
    assert p.value("transition.indication_runup_months") == 12.0
    assert p.value("transition.monthly_capacity_per_1000_clients") == 40.0
    # not in the block: the national default of transition.yaml
    assert p.param("transition.indication_rate").file.endswith("parameters/transition.yaml")
    # a scenario still comes on top of the region file
    scenario = achterhoek.parameters.with_overrides({"transition.overlap_months": 2})
    assert scenario.value("transition.overlap_months") == 2.0


def test_region_block_is_optional_and_partial():
    assert RegionFile.model_validate({**region_data(None)}).transition is None
    f = RegionFile.model_validate(region_data({"window_months": {"value": 4, "source": "x"}}))
    assert f.transition.settings() == {"window_months": {"value": 4, "source": "x", "note": ""}}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"window_months": {"value": 6}}, "'source' ontbreekt"),
        ({"window_months": {"value": 0, "source": "x"}}, "'value' buiten het bereik"),
        ({"window_months": {"value": 6.5, "source": "x"}}, "'value' moet een geheel getal zijn"),
        ({"share_noncontracted": {"value": 1.5, "source": "x"}}, "'value' buiten het bereik"),
        ({"share_noncontracted": {"value": "veel", "source": "x"}}, "value': moet een getal zijn"),
        ({"overlap_months": {"value": True, "source": "x"}}, "value': moet een getal zijn"),
        (
            {"monthly_capacity": {"value": 450, "source": "x"}},
            "onbekende sleutel 'monthly_capacity'",
        ),
        (
            {
                "window_months": {"value": 3, "source": "x"},
                "indication_spread_months": {"value": 4, "source": "x"},
            },
            "indication_spread_months moet binnen window_months passen",
        ),
    ],
)
def test_region_block_errors_are_clear(block, message):
    with pytest.raises(InputError) as err:
        validate(RegionFile, region_data(block), "x.yaml", {})
    text = "\n".join(str(p) for p in err.value.problems)
    assert message in text, text
