"""The pooling effect (solidarity) per municipality: own against pooled mean and P90."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bekostiging.model.allocation import mean_shares, pooling_effect


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


draws_strategy = st.integers(2, 6).flatmap(
    lambda m: arrays(
        float,
        st.tuples(st.integers(1, 40), st.just(m)),
        elements=st.floats(0.0, 1e7, allow_nan=False),
    )
).filter(lambda d: d.mean(axis=0).sum() > 0)


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
