"""Issue 11, parts 1 and 2: the reserve need gross and net, first and heaviest contract year,
against the available capacity from data (Iv3 balance) or the municipality's own figure."""

from __future__ import annotations

import copy

import numpy as np
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
    from bekostiging.report.tables import amount

    adv = view.advice()
    iaj = next(s for s in adv.segments if s.segment == "iaj")
    t = iaj.variant.table
    # what the rule chose is admissible and (within the 1 % tie band) the cheapest admissible
    assert t.loc[iaj.variant.choice, "admissible"]
    assert t.loc[iaj.variant.choice, "score"] <= t[t["admissible"]]["score"].min() * 1.01
    # the trade-off table holds the model's numbers: the equal-care P90 of p*q by hand
    p, i = view.analysis.projection, view.analysis.projection.inputs
    u, k = i.units.index("iaj"), i.years.index(adv.year)
    res = p.variants["pq"]
    by_hand = np.quantile(
        res["total_cost"][:, view.index, u, k] + res["unmet_value"][:, view.index, u, k], 0.9
    )
    assert t.loc["pq", "cost_p90"] == pytest.approx(by_hand)
    # cross the stated norms just far enough to admit the lumpsum as it is: it is the cheapest
    # on equal care plus burden, so it becomes the advice
    lump = t.loc["lumpsum"]
    assert lump["score"] == t["score"].min() or not t.loc[t["score"].idxmin(), "admissible"]
    loose = Rule(
        max_unmet_share=float(lump["unmet_share"]) + 0.001,
        max_provider_loss_chance=float(lump["provider_loss_chance"]) + 0.001,
    )
    admitted = t[
        (t["unmet_share"] <= loose.max_unmet_share)
        & (t["provider_loss_chance"] <= loose.max_provider_loss_chance)
    ]
    after = municipality_advice(view, loose)
    got = next(s for s in after.segments if s.segment == "iaj").variant.choice
    assert got == admitted["score"].idxmin()
    strict = Rule(
        max_unmet_share=float(lump["unmet_share"]) - 0.001,
        max_provider_loss_chance=float(lump["provider_loss_chance"]) + 0.001,
    )
    again = next(
        s for s in municipality_advice(view, strict).segments if s.segment == "iaj"
    ).variant.choice
    assert again != "lumpsum"
    # the text carries the run's numbers: the P90 of the advice and what the lumpsum would save
    text = advice_text(view).data
    assert amount(t.loc[iaj.variant.choice, "cost_p90"]) in text
    saving = next(x["saving"] for x in iaj.variant.excluded if x["option"] == "lumpsum")
    assert amount(saving) in text
    assert "De regel:" in text and str(adv.year) in text


def test_reserve_of_the_advice_and_of_the_decision(analysis, view):
    """The reserve computed for an arrangement equals the capacity table for the decided one,
    and the advice's reserve message names both when they differ."""
    from bekostiging.analysis.advice import reserve_under
    from bekostiging.report.advice import reserve_sentence

    cap = view.capacity()
    decided = {s.id: s.funding["variant"] for s in analysis.region.procured_segments()}
    same = reserve_under(analysis, view.index, decided, float(cap["available"]))
    assert same["required"] == pytest.approx(float(cap["required"]))
    assert same["required_worst"] == pytest.approx(float(cap["required_worst"]))
    assert same["worst_year"] == int(cap["worst_year"])
    assert sum(same["contributions"].values()) == pytest.approx(same["required_worst"])
    adv = view.advice()
    text = reserve_sentence(view)
    assert f"waardering {cap['rating_worst']}" in text
    if any(s.variant.choice != s.decided for s in adv.segments):
        assert f"waardering {adv.capacity['advised']['rating_worst']}" in text
    measures = sum(s.measure.get("amount", 0.0) for s in adv.segments)
    assert measures == pytest.approx(adv.capacity["shortfall"])


def test_the_region_advice_is_the_rule_on_the_region_totals(analysis):
    adv = analysis.advice
    f = adv.frame()
    assert set(f["segment"]) == set(adv.segments)
    assert (f["municipalities"] == len(analysis.region.current_codes())).all()
    # the region's P90 for one variant by hand: the quantile of the summed draws
    p, i = analysis.projection, analysis.projection.inputs
    u, k = i.units.index("hcv"), i.years.index(adv.year)
    res = p.variants["lumpsum"]
    draws = (res["total_cost"][:, :, u, k] + res["unmet_value"][:, :, u, k]).sum(axis=1)
    assert adv.segments["hcv"].table.loc["lumpsum", "cost_p90"] == pytest.approx(
        np.quantile(draws, 0.9)
    )
    # each municipality's own advice is counted
    for seg in f["segment"]:
        own = adv.by_municipality[seg]
        row = f[f["segment"] == seg].iloc[0]
        assert row["agree"] == int((own == row["advised"]).sum())
    # pooling HCV is judged from the pooling table by the stated norm
    hcv = next(x for x in adv.pooling if "hcv" in x["segments"])
    e = hcv["effect"]
    gain = float((e["own_p90"] - e["pooled_p90"]).sum())
    assert hcv["gain"] == pytest.approx(gain)
    margin = float((e["own_p90"] - e["own_mean"]).sum())
    assert hcv["pool"] == (gain / margin >= adv.rule.pooling_min_gain)
