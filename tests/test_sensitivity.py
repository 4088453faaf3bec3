"""Tornado tables of the behaviour parameters on spend and unmet need, per variant."""

from __future__ import annotations

import pytest

from bekostiging.model.behaviour import load_behaviour_parameters, segment_inputs
from bekostiging.model.sensitivity import (
    OUTCOMES,
    ranged_parameters,
    sensitivity,
    tornado_table,
)
from bekostiging.report.text.sensitivity import (
    AXIS_LABELS,
    PARAMETER_LABELS,
    dutch_tornado_table,
    tornado_plot,
)

N = 2_000


def test_ranged_parameters_are_the_model_inputs_with_a_range():
    names = ranged_parameters()
    p = load_behaviour_parameters()
    assert all(p.param(n).range is not None for n in names)
    assert "behaviour.evidence.ffs_visit_ratio" not in names  # a calibration target only
    assert "behaviour.need.cv" not in names  # per segment: varied through need.cv_scale
    assert "behaviour.need.cv_scale" in names
    assert set(names) <= set(PARAMETER_LABELS)  # every row has a Dutch label


def test_pq_spend_moves_with_tariff_and_cap_only():
    t = tornado_table("wmo_pv", "pq", "spend", n_clients=N).set_index("parameter")
    cpc = segment_inputs("wmo_pv").cost_per_client  # EUR per client (behaviour default)
    base = 1.1 * 1.1 * cpc  # tariff 1.1 x care 1.1 x efficient cost per client
    assert t["base"].iloc[0] == pytest.approx(base)
    markup = t.loc["behaviour.payment.tariff_markup"]
    assert (markup["low_value"], markup["high_value"]) == (1.0, 1.25)
    assert markup["low"] == pytest.approx(1.0 * 1.1 * cpc)
    assert markup["high"] == pytest.approx(1.25 * 1.1 * cpc)
    cap = t.loc["behaviour.provider.intensity_cap"]
    assert cap["high"] == pytest.approx(1.1 * 1.3 * cpc)
    assert t.index[:2].tolist() == [
        "behaviour.payment.tariff_markup",
        "behaviour.provider.intensity_cap",
    ]
    assert t["swing"].iloc[2:].max() < 1e-6  # nothing else matters for p*q spend


def test_lumpsum_spend_is_driven_by_the_budget_and_unmet_need_by_the_providers_weight():
    spend = tornado_table("iaj", "lumpsum", "spend", n_clients=N)
    assert spend["parameter"].iloc[0] == "behaviour.payment.budget_ratio"
    row = spend.iloc[0]
    assert row["high"] > row["base"] > row["low"]
    unmet = tornado_table("iaj", "lumpsum", "unmet_need", n_clients=N).set_index("parameter")
    # Ellis & McGuire: the less a provider weighs the client's benefit, the less care it gives
    alpha = unmet.loc["behaviour.provider.benefit_weight"]
    assert alpha["low"] > alpha["base"] > alpha["high"]
    assert unmet.index[0] == "behaviour.provider.benefit_weight"
    assert unmet["swing"].iloc[0] > 0.1
    # a tighter budget leaves more care undone
    budget = unmet.loc["behaviour.payment.budget_ratio"]
    assert budget["low"] > budget["base"]
    # accepting less loss on a client means more refusals; refused clients are served by
    # another provider or outside the segment (need is conserved), but those who go to the
    # voorliggend veld get lighter help, so more refusals still leave more need unmet
    tol = unmet.loc["behaviour.acceptance.tolerance"]
    assert tol["low"] > tol["base"]


def test_sensitivity_long_table_and_errors():
    t = sensitivity(
        "hcv",
        ["pq", "lumpsum"],
        ["spend", "unmet_need"],
        n_clients=500,
        parameters=["behaviour.payment.budget_ratio"],
    )
    assert len(t) == 4
    assert sorted(set(zip(t["variant"], t["outcome"], strict=True))) == [
        ("lumpsum", "spend"),
        ("lumpsum", "unmet_need"),
        ("pq", "spend"),
        ("pq", "unmet_need"),
    ]
    with pytest.raises(ValueError, match="unknown outcome"):
        tornado_table("iaj", "pq", "kosten")
    with pytest.raises(ValueError, match="not a scalar model parameter with a range"):
        tornado_table("iaj", "pq", parameters=["behaviour.need.cv"], n_clients=200)


def test_tornado_plot_uses_dutch_labels_and_the_house_chart():
    t = tornado_table("iaj", "hybrid", "unmet_need", n_clients=N)
    fig = tornado_plot(t, "unmet_need", title="IAJ, hybride", top=5)
    ax = fig.axes[0]
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert len(labels) == 5
    assert labels[-1] == PARAMETER_LABELS[t["parameter"].iloc[0]]  # widest bar on top
    assert ax.get_xlabel() == AXIS_LABELS["unmet_need"][0]
    assert set(AXIS_LABELS) == set(OUTCOMES)


def test_the_model_table_has_no_dutch_and_the_text_layer_adds_the_labels():
    t = tornado_table("iaj", "pq", "spend", n_clients=200, parameters=["behaviour.need.cv_scale"])
    assert "label" not in t.columns
    labelled = dutch_tornado_table(t)
    assert labelled.columns.tolist() == ["parameter", "label", *t.columns[1:]]
    assert labelled["label"].tolist() == ["Spreiding van de zorgvraag"]
