"""The pooling effect (solidarity) per municipality: own against pooled mean and P90."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bekostiging.model.allocation import mean_shares, pooling_effect
from bekostiging.report.allocation import pooling_frame, pooling_sentence


def test_anti_correlated_draws_lower_both_p90s():
    d = np.array([[80.0, 120.0], [120.0, 80.0], [90.0, 110.0], [110.0, 90.0]])
    out = pooling_effect(d, [0.5, 0.5], codes=["A", "B"])
    # own: sorted 80, 90, 110, 120; position 0.9 * 3 = 2.7 -> 110 + 0.7 * 10 = 117
    assert out["own_p90"].tolist() == pytest.approx([117.0, 117.0])
    # pooled: the total is 200 in every draw, so each pays 100 whatever happens
    assert out["pooled_p90"].tolist() == pytest.approx([100.0, 100.0])
    assert out["change_p90"].tolist() == pytest.approx([-17.0, -17.0])
    assert out.index.tolist() == ["A", "B"]


def test_quantile_names_follow_q():
    d = np.arange(20.0).reshape(10, 2)
    out = pooling_effect(d, [0.5, 0.5], q=0.95)
    assert {"own_p95", "pooled_p95", "change_p95"} <= set(out.columns)
    assert out.index.tolist() == [0, 1]


def test_quantiles_are_not_subadditive():
    # Rare independent costs: each municipality has a loss of 1 in 6 of 100 draws (never in
    # the same draw). Alone each P90 is 0; together 12 of 100 draws carry a loss, so the
    # regional P90 is 1 and pooling raises the sum of the P90s from 0 to 1.
    d = np.zeros((100, 2))
    d[:6, 0] = 1.0
    d[6:12, 1] = 1.0
    out = pooling_effect(d, [0.5, 0.5])
    assert out["own_p90"].sum() == 0.0
    assert out["pooled_p90"].sum() == pytest.approx(1.0)


def test_errors():
    d = np.ones((4, 2))
    with pytest.raises(ValueError, match="add up to 1"):
        pooling_effect(d, [0.5, 0.4])
    with pytest.raises(ValueError, match="one value per municipality"):
        pooling_effect(d, [1.0])
    with pytest.raises(ValueError, match="shape"):
        pooling_effect(np.ones(4), [1.0])
    with pytest.raises(ValueError, match="q must lie"):
        pooling_effect(d, [0.5, 0.5], q=90)
    with pytest.raises(ValueError, match="positive total"):
        mean_shares(np.zeros((3, 2)))


draws_strategy = (
    st.integers(2, 6)
    .flatmap(
        lambda m: arrays(
            float,
            st.tuples(st.integers(1, 40), st.just(m)),
            elements=st.floats(0.0, 1e7, allow_nan=False),
        )
    )
    .filter(lambda d: d.mean(axis=0).sum() > 0)
)


@settings(max_examples=80, deadline=None)
@given(d=draws_strategy, q=st.floats(0.0, 1.0))
def test_what_pooling_always_does(d, q):
    shares = mean_shares(d)
    out = pooling_effect(d, shares, q=q)
    name = f"p{q * 100:g}"
    total = d.sum(axis=1)
    scale = max(1.0, float(np.abs(d).max()) * d.shape[1])
    # pooled means add up to the regional mean and, with the key of the mean shares, equal
    # the own means: pooling moves risk, not expected cost
    assert out["pooled_mean"].sum() == pytest.approx(total.mean(), abs=1e-9 * scale)
    assert np.allclose(out["pooled_mean"], out["own_mean"], atol=1e-9 * scale)
    # the pooled quantiles add up to the quantile of the regional total
    assert out[f"pooled_{name}"].sum() == pytest.approx(np.quantile(total, q), abs=1e-9 * scale)
    assert np.allclose(out[f"change_{name}"], out[f"pooled_{name}"] - out[f"own_{name}"])


@settings(max_examples=60, deadline=None)
@given(
    base=arrays(float, st.integers(1, 40), elements=st.floats(0.0, 1e6, allow_nan=False)),
    scale=st.lists(st.floats(0.1, 10.0), min_size=2, max_size=6),
    q=st.floats(0.0, 1.0),
)
def test_comonotone_draws_gain_nothing_in_sum(base, scale, q):
    # perfectly dependent costs (all increasing in one common draw): the quantile of the sum is
    # the sum of the quantiles, so pooling does not lower the region's sum of P90s
    d = np.outer(base, scale) + np.arange(len(scale))  # every column increasing in base
    out = pooling_effect(d, mean_shares(d), q=q)
    name = f"p{q * 100:g}"
    assert out[f"pooled_{name}"].sum() == pytest.approx(out[f"own_{name}"].sum(), rel=1e-9)


# --------------------------------------------------------------------------------------------
# the report's sentence and table, on hand frames


def effect(change, own_p90=(100.0, 100.0, 100.0), moved=(0.0, 0.0, 0.0)):
    own = np.array(own_p90)
    return pd.DataFrame(
        {
            "gemeentecode": ["A", "B", "C"],
            "share": [0.5, 0.3, 0.2],
            "own_mean": [50.0, 30.0, 20.0],
            "own_p90": own,
            "pooled_mean": np.array([50.0, 30.0, 20.0]) + np.array(moved),
            "pooled_p90": own + np.array(change),
            "change_p90": np.array(change, dtype=float),
        }
    )


NAMES = {"A": "Aalten", "B": "Berkelland", "C": "Winterswijk"}


def test_the_sentence_follows_the_numbers():
    one = pooling_sentence(effect([-20.0, 5.0, 3.0]), "HCV", 2027, NAMES)
    assert "daalt bij 1 gemeente, Aalten (€ -20, -20,0%)" in one
    assert "stijgt bij 2 gemeenten, het meest bij Berkelland (€ 5, +5,0%)" in one
    assert "van € 300 naar € 288 (€ -12, -4,0%): zoveel minder" in one
    assert "verwachte kosten per gemeente blijven gelijk" in one
    other = pooling_sentence(effect([4.0, -30.0, -2.0]), "Wonen", 2028, NAMES)
    assert other != one
    assert "Poolen van Wonen in 2028" in other
    assert "daalt bij 2 gemeenten, het meest bij Berkelland (€ -30, -30,0%)" in other
    assert "stijgt bij 1 gemeente, Aalten (€ 4, +4,0%)" in other
    everyone = pooling_sentence(effect([-3.0, -9.0, -1.0]), "HCV", 2027, NAMES)
    assert "daalt bij alle 3 gemeenten, het meest bij Berkelland" in everyone
    assert "het minst bij Winterswijk (€ -1, -1,0%)" in everyone
    assert "stijgt" not in everyone


def test_the_sentence_on_small_changes_shifted_means_and_flags():
    small = pooling_sentence(effect([0.5, -1.0, 0.2]), "Wonen", 2027, NAMES)
    assert "verandert de P90 nauwelijks" in small and "-0,10%" in small
    assert "de grootste verschuiving is Berkelland (€ -1, -1,0%)" in small
    shifted = pooling_sentence(
        effect([-20.0, 5.0, 3.0], moved=(-8.0, 5.0, 3.0)), "HCV", 2027, NAMES
    )
    assert "Berkelland betaalt het meest extra (€ 5), Aalten het meest minder (€ -8)" in shifted
    flags = pd.DataFrame(
        {
            "segment_share": [0.226, 0.3, 0.2],
            "overall_share": [0.083, 0.3, 0.2],
            "ratio": [2.72, 1.0, 1.0],
            "flag": [True, False, False],
        },
        index=pd.Index(["A", "B", "C"], name="gemeentecode"),
    )
    flagged = pooling_sentence(effect([-20.0, 5.0, 3.0]), "HCV", 2027, NAMES, flags)
    assert "Aalten draagt 22,6% van HCV tegen 8,3% van alle ingekochte zorg (2,7 keer" in flagged
    assert "Berkelland draagt" not in flagged


def test_pooling_frame_adds_the_region_row():
    frame = pooling_frame(effect([-20.0, 5.0, 3.0]), NAMES)
    region = frame.iloc[-1]
    assert region["Gemeente"] == "Regio (opgeteld)"
    assert region["P90 eigen kosten (€)"] == 300.0
    assert region["P90 bij poolen (€)"] == 288.0
    assert region["Verschil P90 (€)"] == -12.0
    assert "Verwachte kosten bij poolen (€)" not in frame.columns  # the mean did not move
    moved = pooling_frame(effect([-20.0, 5.0, 3.0], moved=(-8.0, 5.0, 3.0)), NAMES)
    assert moved["Verwachte kosten bij poolen (€)"].tolist()[:3] == [42.0, 35.0, 23.0]


# --------------------------------------------------------------------------------------------
# on the Achterhoek


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(region="achterhoek", municipality="GM0197", draws=300)


def test_region_pooling_of_the_achterhoek(analysis):
    a = analysis
    out = a.pooling(["hcv"])
    assert out is a.pooling(["hcv"])  # cached
    assert out["gemeentecode"].tolist() == list(a.projection.inputs.municipalities)
    assert set(out["year"]) == {a.first_full_year}
    i = a.projection.inputs
    draws = a.decided_routes["total_cost"][:, :, i.units.index("hcv"), i.years.index(2027)]
    assert out["own_mean"].to_numpy() == pytest.approx(draws.mean(axis=0))
    assert out["own_p90"].to_numpy() == pytest.approx(np.quantile(draws, 0.9, axis=0))
    # the default key keeps expected cost where it is; pooled P90s add up to the region's
    assert out["pooled_mean"].to_numpy() == pytest.approx(out["own_mean"].to_numpy())
    assert out["pooled_p90"].sum() == pytest.approx(np.quantile(draws.sum(axis=1), 0.9))
    # HCV costs differ between municipalities from draw to draw: pooling lowers the summed P90
    assert out["pooled_p90"].sum() < out["own_p90"].sum()
    by_use = a.pooling(["hcv"], key="gebruik")
    shares = a.allocation(["hcv"]).query("key == 'gebruik'")["share"].to_numpy()
    assert by_use["share"].to_numpy() == pytest.approx(shares)
    assert by_use["pooled_mean"].sum() == pytest.approx(out["own_mean"].sum())
    with pytest.raises(ValueError, match="not projected"):
        a.pooling(["opvang"])
    with pytest.raises(ValueError, match="unknown key"):
        a.pooling(["hcv"], key="inwoner")
    with pytest.raises(ValueError, match="no segments"):
        a.pooling([])


def test_pooling_report_of_the_achterhoek(analysis):
    from bekostiging.report.allocation import (
        pooling_groups,
        pooling_section,
        pooling_text,
        share_flag_table,
    )

    groups = pooling_groups(analysis)
    assert groups == [("HCV", ["hcv"]), ("Wonen", ["wmo_wonen"])]
    parts = pooling_section(analysis)
    assert len(parts) == 4
    hcv_table = repr(parts[0])
    assert "Aalten" in hcv_table and "ja (2,7×)" in hcv_table and "Regio (opgeteld)" in hcv_table
    hcv_text = pooling_text(analysis, ["hcv"], "HCV").data
    assert "Aalten draagt 22,6% van HCV" in hcv_text
    wonen = pooling_text(analysis, ["wmo_wonen"], "Wonen").data
    assert "Opvang hoort bij dezelfde regionale pooling" in wonen
    assert "toegerekend naar inwoners 18 jaar en ouder" in wonen
    assert "Hoog Complex" in repr(share_flag_table(analysis))
