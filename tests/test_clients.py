"""Clients that matter (issue 10, part 6): observed use sets the reference caseload, the
prevalence is the need it moves toward, so a change in prevalence or in submitted counts
changes the start budget through volume instead of cancelling against the cost per client."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bekostiging.data.rawdata import load_kwb_use
from bekostiging.model.baseline import build_baseline
from bekostiging.model.clients import caseload_factor, use_factor
from bekostiging.model.startbudget import start_budget

START = "2027-01-01"
YEAR = 2028  # first full contract year


@pytest.fixture(scope="module")
def default_sb(achterhoek, baseline_achterhoek):
    return start_budget(achterhoek, baseline_achterhoek, 2024, START)


def budget(sb, code=None, segment=None, year=YEAR) -> float:
    t = sb.table[sb.table["year"] == year]
    if code:
        t = t[t["gemeentecode"] == code]
    if segment:
        t = t[t["segment"] == segment]
    return float(t["budget"].sum())


def test_caseload_closes_the_gap_by_one_over_duration():
    """By hand: caseload 0.10, need 0.13, two years in care: half the gap each year."""
    assert caseload_factor(0.10, 0.13, 2.0, 1) == pytest.approx(1.15)
    assert caseload_factor(0.10, 0.13, 2.0, 2) == pytest.approx(1.225)
    assert caseload_factor(0.10, 0.13, 2.0, 0) == pytest.approx(1.0)


def test_aalten_youth_clients_are_the_observed_share_of_its_young_people(baseline_achterhoek):
    """CBS KWB 2022: 10.9 % of Aalten's young people had jeugdzorg in natura; the youth segments
    with a prevalence hold exactly that many clients in every year."""
    b = baseline_achterhoek
    rows = b[(b["gemeentecode"] == "GM0197") & (b["year"] == 2022) & (b["domain"] == "jeugd")]
    youth = rows.loc[rows["target_population"] == "jeugd_0_17", "population"].max()
    assert rows["clients"].sum() == pytest.approx(0.109 * youth)
    assert rows["method"].str.contains("CBS KWB 2022").any()


def test_use_factor_is_relative_to_the_region():
    kwb = load_kwb_use()
    codes = ["GM0197", "GM0294"]  # Aalten 10.9 %, Winterswijk 12.2 %
    rates = pd.DataFrame({"gemeentecode": codes, "jeugd": [0.109, 0.122]})
    f = use_factor(rates, {"GM0197": 1.0, "GM0294": 1.0}, codes, "jeugd")
    assert f["GM0294"] / f["GM0197"] == pytest.approx(12.2 / 10.9)
    assert set(kwb["gemeentecode"]) >= set(codes)


def test_calibrated_prevalence_keeps_the_default_caseload(default_sb):
    """The prevalences are calibrated to the region's observed use, so by default the caseload
    stays within 2 % of the reference (the rest is age structure within 0-17)."""
    f = default_sb.table["caseload_factor"]
    assert f.between(0.98, 1.02).all()


def test_doubling_prevalence_changes_the_start_budget(achterhoek, default_sb):
    """Doubling the IAJ and HCV prevalence (the issue's case, as a scenario, the way the
    reports build it: baseline and start budget with the same parameters) doubles their need;
    with a year in care the caseload reaches it within a year, so their 2028 budgets double and
    the other segments keep theirs."""
    p = achterhoek.parameters
    doubled = p.with_overrides(
        {
            "prevalence.iaj": 2 * p.value("prevalence.iaj"),
            "prevalence.hcv": 2 * p.value("prevalence.hcv"),
        }
    )
    b = build_baseline(achterhoek, params=doubled)
    sb = start_budget(achterhoek, b, 2024, START, params=doubled)
    for seg in ("iaj", "hcv"):
        assert budget(sb, segment=seg) == pytest.approx(
            2 * budget(default_sb, segment=seg), rel=1e-6
        )
    for seg in ("gwv", "dyslexie", "wmo_io"):
        assert budget(sb, segment=seg) == pytest.approx(budget(default_sb, segment=seg))
    assert budget(sb) > 1.3 * budget(default_sb)


def test_a_submitted_count_moves_the_cost_per_client_not_the_budget(
    achterhoek, baseline_achterhoek, default_sb
):
    """Aalten submits twice the IAJ clients for 2024 at the same spend. Its cost per client
    halves; its budget stays (to the euro), so reporting more or fewer clients gains nothing.
    Before this rule the stock-flow took the count as a caseload above the need and halved the
    budget: an incentive to under-report."""
    ref = baseline_achterhoek.query(
        "gemeentecode == 'GM0197' and segment == 'iaj' and year == 2024"
    )
    subs = pd.DataFrame(
        {
            "gemeentecode": ["GM0197"],
            "segment": ["iaj"],
            "year": [2024],
            "clients": [2 * float(ref["clients"].iloc[0])],
            "spend": [float("nan")],
        }
    )
    b = build_baseline(achterhoek, submissions=subs)
    sb = start_budget(achterhoek, b, 2024, START)
    assert budget(sb, "GM0197", "iaj") == pytest.approx(budget(default_sb, "GM0197", "iaj"))
    row = sb.table.query("gemeentecode == 'GM0197' and segment == 'iaj' and year == @YEAR")
    before = default_sb.table.query(
        "gemeentecode == 'GM0197' and segment == 'iaj' and year == @YEAR"
    )
    assert float(row["cost_per_client"].iloc[0]) == pytest.approx(
        float(before["cost_per_client"].iloc[0]) / 2
    )
    assert float(row["clients"].iloc[0]) == pytest.approx(2 * float(before["clients"].iloc[0]))


def test_no_kwb_before_it_was_published(achterhoek, baseline_achterhoek):
    """As of 2021 the KWB 2022 rates were not published: the clients are the prevalence
    estimate and the caseload factor is 1 (no look-ahead)."""
    sb = start_budget(
        achterhoek,
        baseline_achterhoek,
        2021,
        params=achterhoek.parameters.with_overrides({"startbudget.forecast_years": 0}),
    )
    np.testing.assert_allclose(sb.table["caseload_factor"], 1.0, rtol=1e-12)
    b = sb.baseline.query("segment == 'iaj' and year == 2021")
    np.testing.assert_allclose(b["clients"], b["prevalence"] * b["population"])
    assert not b["method"].str.contains("KWB").any()
