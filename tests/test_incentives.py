"""Incentive scorecard: the Achterhoek's decided variants per segment, traceable to parameters,
and the modelled effect of each mitigation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bekostiging.model.behaviour import load_behaviour_parameters
from bekostiging.model.incentives import (
    COMPARISON_OUTCOMES,
    INCENTIVES,
    MITIGATIONS,
    region_scorecard,
    scorecard,
    variant_comparison,
)
from bekostiging.report.text.incentives import (
    INCENTIVE_TEXTS,
    MITIGATION_NAMES,
    OUTCOME_LABELS,
    SCORECARD_LABELS,
    dutch_scorecard,
    dutch_variant_comparison,
)

N = 4_000


@pytest.fixture(scope="module")
def achterhoek_numbers(achterhoek):
    return region_scorecard(achterhoek, n_clients=N)


@pytest.fixture(scope="module")
def achterhoek_card(achterhoek_numbers):
    return dutch_scorecard(achterhoek_numbers)


def by_key(card: pd.DataFrame, segment: str) -> pd.DataFrame:
    return card[card["segment"] == segment].set_index("incentive_key")


def test_one_row_per_procured_segment_and_incentive_with_the_decided_variant(
    achterhoek, achterhoek_card
):
    card = achterhoek_card
    segments = [s.id for s in achterhoek.procured_segments()]
    assert len(card) == len(segments) * len(INCENTIVES) == 8 * 9
    assert card["segment"].unique().tolist() == segments
    decided = {s.id: s.funding["variant"] for s in achterhoek.procured_segments()}
    assert card.groupby("segment")["variant"].first().to_dict() == decided
    assert list(SCORECARD_LABELS) == list(card.columns)
    assert card.loc[card["segment"] == "iaj", "segment_name"].iloc[0] == (
        "Integrale Ambulante Jeugdhulp"
    )
    assert card["size"].map(math.isfinite).all()


def test_every_entry_is_traceable_to_named_parameters_and_sources(achterhoek, achterhoek_card):
    known = set(load_behaviour_parameters(achterhoek.parameters).names())
    for _, row in achterhoek_card.iterrows():
        names = row["parameters"].split("; ")
        assert names and all(n in known for n in names), row["incentive_key"]
        assert row["sources"], row["incentive_key"]
        assert 0.0 <= row["estimates"] <= 1.0
    selection = by_key(achterhoek_card, "iaj").loc["selection"]
    assert "behaviour.acceptance.tolerance" in selection["parameters"]
    assert "Ellis & McGuire (1986)" in selection["sources"]


def test_dutch_texts_for_users(achterhoek_card):
    for col in ("incentive", "direction", "kpi", "mitigation", "unit"):
        assert achterhoek_card[col].str.len().min() > 0, col
    names = set(achterhoek_card["incentive"])
    assert "risicoselectie: complexe cliënten weigeren" in names
    assert "wachtlijsten als het budget op is" in names
    assert set(achterhoek_card["mitigation"]) <= set(MITIGATION_NAMES.values())
    # every incentive and measure of the model has its Dutch words
    assert {i.key for i in INCENTIVES} == set(INCENTIVE_TEXTS)
    assert set(MITIGATIONS) == set(MITIGATION_NAMES)


def test_the_model_scorecard_holds_numbers_only(achterhoek_numbers):
    card = achterhoek_numbers
    text_columns = {"segment", "segment_name", "variant", "incentive_key", "mitigation_key"}
    assert not set(card.columns) & {"incentive", "direction", "kpi", "mitigation", "unit"}
    assert set(card.select_dtypes(exclude="number").columns) - text_columns <= {
        "mitigation_applies",
        "parameters",
        "sources",
    }
    assert set(card["sign"]) <= {-1, 0, 1}


def test_pq_segments_show_the_p_q_incentives_in_numbers(achterhoek_card):
    pv = by_key(achterhoek_card, "wmo_pv")
    assert pv.loc["volume", "size"] == pytest.approx(0.10)  # the indication cap 1.10
    assert pv.loc["volume", "direction"] == "meer zorg dan doelmatig"
    assert pv.loc["duration", "size"] == pytest.approx(0.05)  # observed growth under p*q
    assert pv.loc["upcoding", "size"] == pytest.approx(0.10)  # max share x min(1.1, 1)
    assert pv.loc["admin", "size"] == pytest.approx(0.08)
    assert pv.loc["selection", "size"] == 0.0
    # A hybrid instead of p*q removes the over-provision; a lumpsum halves the admin burden.
    assert pv.loc["volume", "mitigation_effect"] < -0.10
    assert pv.loc["admin", "mitigation_effect"] == pytest.approx(-0.04)


def test_decided_lumpsums_with_a_symmetric_corridor(achterhoek_card):
    # The Achterhoek's default settlement (+/-5 %, full settlement both ways beyond) pays the
    # marginal euro once the budget misses the cost by more than the corridor.
    for seg in ("iaj", "gwv", "hcv", "wmo_io", "wmo_wonen"):
        card = by_key(achterhoek_card, seg)
        assert card.loc["admin", "size"] == pytest.approx(0.04)
        assert card.loc["upcoding", "size"] == 0.0  # the budget does not follow the class
        assert card.loc["waiting", "mitigation"].startswith("vangnet")
        assert card.loc["waiting", "mitigation_text"].startswith("n.v.t.")  # already settled
    dys = by_key(achterhoek_card, "dyslexie")
    assert dys.loc["admin", "size"] == pytest.approx(0.03)  # population funding


def test_pure_lumpsum_scorecard_and_its_mitigations():
    card = dutch_scorecard(scorecard("iaj", {"variant": "lumpsum"}, n_clients=N))
    card = card.set_index("incentive_key")
    assert card.loc["selection", "size"] > 0.05
    assert card.loc["selection", "direction"] == "complexe cliënten worden geweigerd"
    # Risk adjustment removes (almost) all refusals of complex clients here.
    assert card.loc["selection", "mitigation_effect"] == pytest.approx(
        -card.loc["selection", "size"], abs=0.01
    )
    assert card.loc["over_under", "size"] > 0.1  # under-provision
    assert card.loc["over_under", "mitigation_effect"] < 0  # a p*q share restores care
    assert card.loc["duration", "size"] == 0.0
    assert card.loc["duration", "direction"] == "geen prikkel tot verlengen"
    # The acceptance obligation stops all shifting to other domains.
    assert card.loc["shifting", "size"] > 0
    assert card.loc["shifting", "mitigation_effect"] == pytest.approx(-card.loc["shifting", "size"])


def test_waiting_list_and_safety_valve_under_budget_pressure():
    from bekostiging.config.parameters import Parameter, Parameters

    base = load_behaviour_parameters()
    tight = Parameters(
        {n: base.param(n) for n in base.names()}
        | {
            "behaviour.payment.budget_ratio": Parameter(
                "behaviour.payment.budget_ratio", 0.6, "-", "scenario", "test", "test.yaml"
            )
        }
    )
    card = dutch_scorecard(scorecard("iaj", "lumpsum", tight, n_clients=N))
    card = card.set_index("incentive_key")
    assert card.loc["waiting", "size"] > 0.02
    assert "weken" in card.loc["waiting", "size_text"]
    assert card.loc["waiting", "mitigation_effect"] < -0.02  # the safety valve
    assert card.loc["continuity", "size"] > 0.3  # many providers end with a loss
    assert card.loc["continuity", "mitigation_effect"] < 0


def test_other_regions_work_through_domain_defaults(alkmaar):
    card = region_scorecard(alkmaar, n_clients=2_000, segments=["jeugd_ambulant", "wmo_pbv"])
    amb = by_key(card, "jeugd_ambulant")
    assert amb.loc["volume", "size"] == pytest.approx(0.10)
    assert by_key(card, "wmo_pbv").loc["volume", "size"] == pytest.approx(0.10)  # full settlement


def test_variant_comparison_orders_the_variants_as_theory_says():
    t = variant_comparison("iaj", ["output", "lumpsum", "hybrid", "pq"], n_clients=N)
    assert list(t.columns) == list(COMPARISON_OUTCOMES) == list(OUTCOME_LABELS)
    assert list(dutch_variant_comparison(t).columns) == list(OUTCOME_LABELS.values())
    p = t["provision_ratio"]
    assert p["lumpsum"] < p["hybrid"] < p["pq"]
    assert p["output"] < 1.0 < p["pq"]
    assert t.loc["pq", "unmet_need"] == 0.0
    assert t.loc["lumpsum", "unmet_need"] > t.loc["hybrid", "unmet_need"]
