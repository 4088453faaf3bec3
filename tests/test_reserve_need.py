"""Issue 11, parts 1 and 2: the reserve need gross and net, first and heaviest contract year,
against the available capacity from data (Iv3 balance) or the municipality's own figure."""

from __future__ import annotations

import copy

import openpyxl
import pytest

from bekostiging.analysis import region_analysis
from bekostiging.analysis.region_analysis import RegionAnalysis
from bekostiging.data.rawdata import load_iv3_balance
from bekostiging.data.submission import load_own_capacity, write_template
from bekostiging.model.risk import FROM_BALANCE, OWN_FIGURE, available_capacity
from bekostiging.report.reserves import GROSS_LABEL, NET_LABEL, capacity_frame, capacity_text
from bekostiging.report.summary import available_basis_text, college_summary


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


SOURCE = "paragraaf weerstandsvermogen, jaarrekening 2025"


def recomputed_capacity(analysis, folder, params=None):
    """The capacity table of ``analysis`` with the workbooks of ``folder`` (and ``params``),
    on the projection already computed: a shallow copy without the cached capacity."""
    fresh = copy.copy(analysis)
    fresh.__dict__.pop("capacity", None)
    if params is not None:
        fresh.__dict__["params"] = params
    original = region_analysis.load_own_capacity
    region_analysis.load_own_capacity = lambda region: load_own_capacity(region, folder)
    try:
        return fresh, fresh.capacity.set_index("gemeentecode")
    finally:
        region_analysis.load_own_capacity = original


def test_the_submitted_figure_is_the_available_capacity(analysis, tmp_path):
    """Issue 11, part 2: Aalten fills in EUR 3.25 mln in its workbook; the capacity table uses
    it (basis OWN_FIGURE), ratio = available / required, net and gross; others unchanged."""
    path = write_template(analysis.region, "GM0197", tmp_path / "GM0197.xlsx", analysis.baseline)
    wb = openpyxl.load_workbook(path)
    ws = wb["Weerstandsvermogen"]
    ws["A2"], ws["B2"], ws["C2"] = 3_250_000, 2025, SOURCE
    wb.save(path)

    fresh, c = recomputed_capacity(analysis, tmp_path)
    row = c.loc["GM0197"]
    assert (row["available"], row["available_basis"]) == (3_250_000.0, OWN_FIGURE)
    assert row["available_submitted"] and row["available_year"] == 2025
    assert row["available_source"] == SOURCE
    for suffix in ("", "_gross"):
        assert row[f"ratio{suffix}"] == pytest.approx(3_250_000 / row[f"required{suffix}"])
        assert row[f"ratio_worst{suffix}"] == pytest.approx(
            3_250_000 / row[f"required_worst{suffix}"]
        )
    before = analysis.capacity.set_index("gemeentecode")
    assert row["required"] == before.loc["GM0197", "required"]  # the need does not change
    others = c.drop(index="GM0197")
    assert (others["available_basis"] == FROM_BALANCE).all()
    assert (others["available"] == before.drop(index="GM0197")["available"]).all()
    assert (
        available_basis_text(fresh, row) == f"eigen opgave gemeente in het invulformat ({SOURCE})"
    )

    # a reserves.available figure as well: the workbook wins, and the report says so
    both = analysis.params.with_overrides({"reserves.available": {"GM0197": 4_500_000}})
    fresh, c = recomputed_capacity(analysis, tmp_path, both)
    row = c.loc["GM0197"]
    assert (row["available"], row["available_replaced"]) == (3_250_000.0, 4_500_000.0)
    text = available_basis_text(fresh, row)
    assert text.endswith("; vervangt het bedrag in de parameters (€ 4.500.000)")

    # without a workbook the parameter counts, as before
    empty = tmp_path / "leeg"
    empty.mkdir()
    fresh, c = recomputed_capacity(analysis, empty, both)
    row = c.loc["GM0197"]
    assert (row["available"], row["available_submitted"]) == (4_500_000.0, False)
    assert available_basis_text(fresh, row) == (
        "eigen opgave van de gemeente (paragraaf weerstandsvermogen)"
    )


# --- parts 3-5 on the real data: affordability, the advice, the transition as a cost ---------


def test_affordability_against_the_own_budget(analysis, view):
    """Aalten 2027: the own 2026 primary budget of the procured segments, indexed one year,
    against the start budget; the certain transition cost is a gap of its own."""
    from bekostiging.model.baseline import to_current_boundaries

    t = view.affordability()
    own = to_current_boundaries(analysis.budgets, analysis.region)
    own = own[(own["gemeentecode"] == "GM0197") & own["procured"] & (own["year"] == 2026)]
    index_2027 = float(analysis.params.value("index.care_cost", year=2025))  # known until Y+1
    for domain in ("jeugd", "wmo"):
        row = t[(t["domain"] == domain) & (t["year"] == 2027)].iloc[0]
        budget = float(own[own["domain"] == domain]["spend"].sum()) * (1 + index_2027)
        assert row["own_budget"] == pytest.approx(budget)
        assert row["indexed_from"] == 2026
        assert row["gap_start"] == pytest.approx(row["start_budget"] - budget)
        assert row["p90"] > row["start_budget"]
    once = t[(t["domain"] == "overgang") & (t["year"] == 2027)].iloc[0]
    assert once["gap_start"] == pytest.approx(view.transition()[1]["decided_cost"])
    total = t[(t["domain"] == "totaal") & (t["year"] == 2027)].iloc[0]
    parts = t[(t["domain"] != "totaal") & (t["year"] == 2027)]
    assert total["gap_start"] == pytest.approx(parts["gap_start"].sum())
    assert total["gap_start_per_inhabitant"] == pytest.approx(
        total["gap_start"] / analysis.population_now["GM0197"]
    )
    # the historical bias: youth actuals above the primary budget in 2017-2024
    youth = t[(t["domain"] == "jeugd") & (t["year"] == 2027)].iloc[0]
    assert youth["bias_ratio"] > 1.0 and youth["bias_years"] == (2017, 2024)


def test_advice_follows_the_rule_and_flips_with_the_norm(view):
    from bekostiging.analysis.advice import municipality_advice
    from bekostiging.model.advice import Rule
    from bekostiging.report.advice import advice_text

    adv = view.advice()
    iaj = next(s for s in adv.segments if s.segment == "iaj")
    t = iaj.variant.table
    # what the rule chose is admissible and the cheapest admissible
    assert t.loc[iaj.variant.choice, "admissible"]
    assert t.loc[iaj.variant.choice, "score"] == pytest.approx(
        t[t["admissible"]]["score"].min(), rel=0.011
    )
    # the decided lumpsum's undone care and provider loss chance as the model gives them
    lump = t.loc["lumpsum"]
    # crossing the stated norms: admit what the lumpsum leaves undone and its loss chance,
    # and the lumpsum (cheapest on equal care) becomes the advice
    if not lump["admissible"]:
        loose = Rule(
            max_unmet_share=float(lump["unmet_share"]) + 0.001,
            max_provider_loss_chance=float(lump["provider_loss_chance"]) + 0.001,
        )
        admissible = t[
            (t["unmet_share"] <= loose.max_unmet_share)
            & (t["provider_loss_chance"] <= loose.max_provider_loss_chance)
        ]
        expected = admissible["score"].idxmin()
        after = municipality_advice(view, loose)
        got = next(s for s in after.segments if s.segment == "iaj").variant.choice
        assert got == expected
        assert got != iaj.variant.choice
    text = advice_text(view).data
    assert "De regel:" in text and str(adv.year) in text
    assert adv.capacity["worst_year"] == int(view.capacity()["worst_year"])


def test_the_region_advice_is_the_rule_on_the_region_totals(analysis):
    adv = analysis.advice
    f = adv.frame()
    assert set(f["segment"]) == set(adv.segments)
    assert (f["municipalities"] == len(analysis.region.current_codes())).all()
    assert ((f["agree"] >= 0) & (f["agree"] <= f["municipalities"])).all()
