"""The difference-in-differences of the funding switch (issue 10, part 3).

It must recover a known effect on synthetic data, find nothing where nothing happened, flag
pre-trends that do not run parallel, and give the Achterhoek's figures on the shipped data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.data.panel import build_panel, load_jeugdzorgregio_membership
from bekostiging.model.did import did_estimate, post_share, switch_of, synthetic_panel


@pytest.mark.parametrize("effect", [-0.15, 0.0, 0.10])
def test_it_recovers_a_known_effect(effect):
    """Over 12 synthetic panels the mean estimate is the effect and the 90 % placebo interval
    covers it in most of them (exactly 90 % is not expected from 12 draws)."""
    betas, covered = [], 0
    for seed in range(12):
        panel = synthetic_panel(effect, seed=seed)
        r = did_estimate(panel, panel.attrs["treated"], "youth", 2022.5, panel.attrs["groups"])
        betas.append(r.beta)
        covered += r.placebo_low <= effect <= r.placebo_high
    assert np.mean(betas) == pytest.approx(effect, abs=0.02)
    assert covered >= 9


def test_a_pretrend_is_flagged():
    """A treated region that already drifted apart before the switch fails the joint test."""
    panel = synthetic_panel(0.0, seed=4)
    treated = panel["gemeentecode"].isin(panel.attrs["treated"])
    drift = np.exp(0.05 * (panel["year"] - 2017))
    panel.loc[treated, "spending"] = panel.loc[treated, "spending"] * drift[treated]
    r = did_estimate(panel, panel.attrs["treated"], "youth", 2022.5, panel.attrs["groups"])
    assert r.pretrend_p < 0.01
    clean = did_estimate(synthetic_panel(0.0, seed=4), panel.attrs["treated"], "youth", 2022.5)
    assert clean.pretrend_p > 0.05


def test_the_half_year_counts_half():
    assert post_share([2021, 2022, 2023], 2022.5).tolist() == [0.0, 0.5, 1.0]
    assert post_share([2022], 2022.0).tolist() == [1.0]


def test_the_switch_comes_from_the_region_file(achterhoek, alkmaar):
    s = switch_of(achterhoek)
    assert s is not None and str(s.date) == "2022-07-01" and s.decimal == 2022.5
    assert s.scopes == ("youth", "wmo")
    assert s.from_variant == "pq" and s.to_variant == "lumpsum"


def test_the_achterhoek_figures():
    """Youth: -3 % (90 % placebo interval about -18 % to +16 %), pre-trends parallel; Wmo:
    pre-trends not parallel, so its estimate is not evidence."""
    panel = build_panel()
    groups = load_jeugdzorgregio_membership().set_index("gemeentecode")["jeugdzorgregio_code"]
    codes = [c for c, g in groups.items() if g == "JZ25"]
    youth = did_estimate(panel, codes, "youth", 2022.5, groups.to_dict(), years=(2017, 2024))
    assert youth.n_treated == 8 and youth.n_placebos == 41
    assert youth.effect == pytest.approx(-0.032, abs=0.002)
    low, high = youth.interval()
    assert low == pytest.approx(-0.176, abs=0.005) and high == pytest.approx(0.158, abs=0.005)
    assert youth.pretrend_p > 0.1
    wmo = did_estimate(panel, codes, "wmo", 2022.5, groups.to_dict(), years=(2017, 2024))
    assert wmo.pretrend_p < 0.01
    assert isinstance(youth.event, pd.DataFrame) and 2021 not in set(youth.event["year"])
