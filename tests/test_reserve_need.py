"""Issue 11, parts 1 and 2: the reserve need gross and net, first and heaviest contract year,
against the available capacity from data (Iv3 balance) or the municipality's own figure."""

from __future__ import annotations

import pytest

from bekostiging.analysis.region_analysis import RegionAnalysis
from bekostiging.data.rawdata import load_iv3_balance
from bekostiging.model.risk import FROM_BALANCE, OWN_FIGURE, available_capacity
from bekostiging.report.reserves import GROSS_LABEL, NET_LABEL, capacity_frame, capacity_text
from bekostiging.report.summary import college_summary


@pytest.fixture(scope="module")
def analysis():
    return RegionAnalysis.from_parameters(
        region="achterhoek", reference_year=2024, contract_start="2027-01-01", draws=400
    )


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality("GM0197")


def test_available_capacity_comes_from_the_balance_or_an_own_figure(achterhoek):
    """Aalten by hand: eigen vermogen end 2024 EUR 35,837k (Iv3 balance) x 15 %."""
    balance = load_iv3_balance()
    t = available_capacity(achterhoek.parameters, ["GM0197"], balance=balance, reference_year=2024)
    assert t["available"].iloc[0] == pytest.approx(35_837_000 * 0.15)
    assert t["basis"].iloc[0] == FROM_BALANCE
    # as of 2022 only the balance of 2022 was known
    t22 = available_capacity(
        achterhoek.parameters, ["GM0197"], balance=balance, reference_year=2022
    )
    ev22 = balance.query("gemeentecode == 'GM0197' and year == 2022")["eigen_vermogen_keur"]
    assert t22["available"].iloc[0] == pytest.approx(float(ev22.iloc[0]) * 1000 * 0.15)
    own = achterhoek.parameters.with_overrides({"reserves.available": {"GM0197": 4_000_000}})
    t_own = available_capacity(own, ["GM0197"], balance=balance, reference_year=2024)
    assert (t_own["available"].iloc[0], t_own["basis"].iloc[0]) == (4_000_000.0, OWN_FIGURE)


def test_gross_is_at_least_net_in_every_year_that_counts(analysis):
    c = analysis.capacity
    assert (c["required_gross"] >= c["required"] - 1e-6).all()
    assert (c["required_worst_gross"] >= c["required_worst"] - 1e-6).all()
    # the heaviest year is the highest of the contract years
    assert (c["required_worst"] >= c["required"] - 1e-6).all()


def test_the_heaviest_year_is_shown_beside_the_first(view):
    frame = capacity_frame(view)
    assert frame["Benadering"].tolist() == [NET_LABEL, GROSS_LABEL]
    c = view.capacity()
    text = capacity_text(view).data
    assert str(int(c["worst_year"])) in text and c["rating_worst"] in text
    summary = college_summary(view).data
    assert f"waardering **{c['rating_worst']}**" in summary
    assert "Iv3-balans" in summary and "aanname" in summary  # available capacity marked
