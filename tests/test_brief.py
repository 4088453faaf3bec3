"""The two-page advice up front (issue 14, item 1): hand cases and real-data properties."""

from __future__ import annotations

import pytest

from bekostiging.report import brief
from bekostiging.report.glossary import TERMS, glossary_frame


class Rule:
    max_unmet_share = 0.02
    max_provider_loss_chance = 0.25


def test_main_risk_names_the_norm_broken_furthest():
    import pandas as pd

    # unmet 3 % is 1.5x its norm, provider loss 50 % is 2x its norm: the loss is named
    row = pd.Series({"unmet_share": 0.03, "provider_loss_chance": 0.5, "cost_p90": 1e6})
    assert brief.main_risk(row, Rule, 1e6) == "50% kans op verlies aanbieders (norm 25%)"
    # within both norms: the P90 above the budget, 1.2 mln - 1.0 mln
    row = pd.Series({"unmet_share": 0.01, "provider_loss_chance": 0.1, "cost_p90": 1.2e6})
    assert brief.main_risk(row, Rule, 1e6) == "P90 € 200.000 boven het startbudget"
    row = pd.Series({"unmet_share": 0.0, "provider_loss_chance": 0.0, "cost_p90": 0.9e6})
    assert brief.main_risk(row, Rule, 1e6).startswith("past binnen het startbudget")


def test_signal_value_is_half_the_size_but_at_least_the_minimum():
    assert brief.signal_value(-0.10, 0.5, 0.01) == 0.05
    assert brief.signal_value(0.004, 0.5, 0.01) == 0.01
    assert brief.signal_text("waiting", 0.058, 0.5, 0.01) == (
        "aandeel cliënten dat wacht: vanaf 2,9% (model: 5,8%)"
    )


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(draws=300)


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality("GM0197")


def test_segments_table_has_every_advised_segment_and_a_total_that_adds_up(view):
    adv = view.advice()
    f = brief.segments_frame(view)
    col = f"Startbudget {adv.year} (€)"
    assert f["Segment"].iloc[-1] == "Totaal ingekochte segmenten"
    assert float(f[col].iloc[:-1].sum()) == pytest.approx(float(f[col].iloc[-1]))
    assert len(f) - 1 >= len(adv.segments)
    # every row with an advice has a risk and a flip condition in words
    advised = f[f["Advies"] != ""]
    assert (advised["Grootste risico nu"].str.len() > 10).all()
    assert (advised["Omslag naar"].str.len() > 5).all()


def test_reserve_table_shows_first_and_heaviest_year_net_gross_and_advised(view):
    c = view.capacity()
    f = brief.reserve_frame(view)
    assert list(f["Bekostiging"]) == [
        "Besloten, netto",
        "Besloten, bruto",
        "Advies, netto",
    ]
    assert f["Zwaarste jaar"].iloc[0] == str(int(c["worst_year"]))
    # the advised row's ratio is available / required, recomputed by hand
    v = view.advice().capacity["advised"]
    ratio = float(c["available"]) / float(v["required_worst"])
    assert f["Ratio zwaarste jaar"].iloc[2] == (
        f"{ratio:.2f}".replace(".", ",") + f" ({v['rating_worst']})"
    )


def test_incentives_are_ranked_by_this_municipalitys_own_budget(analysis, view):
    f = brief.own_incentives(view)
    assert len(f) == 3
    assert list(f["weight"]) == sorted(f["weight"], reverse=True)
    sb = view.start_budget()
    own = sb[sb["year"] == analysis.first_full_year].groupby("segment")["budget"].sum()
    for r in f.itertuples():
        assert r.weight == pytest.approx(abs(r.size) * own[r.segment])
    assert "admin" not in set(f["incentive_key"])
    # another municipality with another budget mix can get another order or other euros
    other = brief.own_incentives(analysis.municipality("GM0222"))
    assert list(other["weight"]) != list(f["weight"])


def test_advice_points_are_specific_to_the_municipality(analysis, view):
    mine = brief.advice_points(view).data
    other = brief.advice_points(analysis.municipality("GM0222")).data
    assert view.name in mine and mine != other
    assert "aanname" in mine  # the available capacity's basis is named


def test_region_brief_totals_are_the_sum_of_the_segments(analysis):
    f = brief.region_segments_frame(analysis)
    col = f"Startbudget {analysis.advice.year} (€)"
    assert float(f[col].iloc[:-1].sum()) == pytest.approx(float(f[col].iloc[-1]))
    r = brief.region_reserve_frame(analysis)
    assert len(r) == len(analysis.capacity)


def test_glossary_explains_every_segment_abbreviation_and_the_terms_used(analysis):
    g = glossary_frame(analysis)
    shorts = {s.short for s in analysis.region.segments if s.short and s.short != s.name}
    assert shorts <= set(g["Afkorting of begrip"])
    for term in ("P10, P50, P90", "p*q", "Iv3", "Wlz", "Zvw", "KPI", "NAR"):
        assert term in TERMS
