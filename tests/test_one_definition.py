"""One definition per number (issue 14, item 3): the same quantity is equal wherever it appears.

Each test takes one quantity of the Aalten report and the regional overview of the Achterhoek
and reads it from every place a reader meets it: the two-page advice, the chapter tables, the
workbook's key tables, the results file the overview is built from, and the overview itself.
Where two places show a *different* quantity under a similar name (the benchmark's Iv3 fields
against the look-back's; the regional look-back's error of the sum against the mean error per
municipality), the test asserts that their labels say so.

The quantities checked (listed in the closing note of issue 14):

1. the start budget of the first full contract year, in total and per segment;
2. the required resistance capacity, net and gross, first and heaviest year, and its rating;
3. the available resistance capacity;
4. the municipality's Iv3 actuals per domain in the reference year (look-back and the social
   domain projection);
5. "eigen inwoners": the allocation key's amount and the own start budget of the domain;
6. the regional look-back's error per domain in the municipality's report and the overview;
7. the advised variant per segment (advice up front and the advice table);
8. the size of the incentives in the advice up front and in the scorecard.
"""

from __future__ import annotations

import numpy as np
import pytest

from bekostiging import report as pres
from bekostiging.analysis.results import municipality_results
from bekostiging.report import brief
from bekostiging.report.advice import advice_frame
from bekostiging.report.allocation import allocation_frame
from bekostiging.report.incentives import scorecard, size_short
from bekostiging.report.regional import comparison_frame
from bekostiging.report.reserves import capacity_frame
from bekostiging.report.summary import key_figures
from bekostiging.report.workbook import key_tables

CODE = "GM0197"


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(draws=300)


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality(CODE)


@pytest.fixture(scope="module")
def results(analysis):
    return {
        c: municipality_results(analysis.municipality(c))
        for c in analysis.region.codes_in(analysis.settings.reference_year)
    }


def _first_year_budget(view) -> float:
    sb = view.start_budget()
    return float(sb[sb["year"] == view.analysis.first_full_year]["budget"].sum())


def _book_total(view, first: int) -> float:
    book = key_tables(view)["Startbudget"]
    return float(book.loc[book["Segment"] == "Totaal", str(first)].item())


def test_start_budget_of_the_first_year_is_one_number_everywhere(view, analysis, results):
    first = analysis.first_full_year
    expected = _first_year_budget(view)
    seg = brief.segments_frame(view)
    col = f"Startbudget {first} (€)"
    places = {
        "advies in het kort, totaalregel": float(seg[col].iloc[-1]),
        "advies in het kort, som van de segmenten": float(seg[col].iloc[:-1].sum()),
        "samenvatting (key_figures)": key_figures(view)["start_budget"],
        "werkboek, blad Startbudget": _book_total(view, first),
        "resultatenbestand": float(results[CODE]["start_budget"]["first_full_year"]),
        "regionaal overzicht, vergelijking": float(
            comparison_frame(results).set_index("Gemeente").loc[view.name, col]
        ),
    }
    for where, value in places.items():
        assert value == pytest.approx(expected, abs=1.0), where
    # the region: the sum of the municipalities, in the regional brief and the comparison
    region = brief.region_segments_frame(analysis)
    total = sum(float(r["start_budget"]["first_full_year"]) for r in results.values())
    assert float(region[col].iloc[-1]) == pytest.approx(total, abs=len(results))
    assert float(comparison_frame(results)[col].iloc[-1]) == pytest.approx(total, abs=1.0)


def test_start_budget_per_segment_is_the_same_in_the_brief_and_the_workbook(view, analysis):
    first = analysis.first_full_year
    names = {s.id: s.short or s.name for s in analysis.region.segments}
    sb = view.start_budget()
    per = sb[sb["year"] == first].groupby("segment")["budget"].sum()
    seg = brief.segments_frame(view).set_index("Segment")
    for s, value in per.items():
        if names[s] in seg.index:
            assert float(seg.loc[names[s], f"Startbudget {first} (€)"]) == pytest.approx(value)
    book = key_tables(view)["Startbudget"]
    rows = book[book["Segment"] != "Totaal"]
    assert float(rows[str(first)].sum()) == pytest.approx(float(per.sum()), abs=1.0)
    assert _book_total(view, first) == pytest.approx(float(per.sum()), abs=1.0)


def test_required_and_available_capacity_agree_between_brief_chapter_book_and_overview(
    view, analysis, results
):
    c = view.capacity()
    first = int(c["year"])
    r = brief.reserve_frame(view).set_index("Bekostiging")
    chapter = capacity_frame(view).set_index("Benadering")
    book = key_tables(view)["Weerstandsvermogen"].set_index("Benadering")
    net, gross = chapter.index[0], chapter.index[1]
    pairs = [
        (r.loc["Besloten, netto", f"Benodigd {first} (€)"], c["required"]),
        (r.loc["Besloten, netto", "Benodigd zwaarste jaar (€)"], c["required_worst"]),
        (r.loc["Besloten, bruto", f"Benodigd {first} (€)"], c["required_gross"]),
        (r.loc["Besloten, bruto", "Benodigd zwaarste jaar (€)"],
         c["required_worst_gross"]),
        (chapter.loc[net, f"Benodigd {first} (€)"], c["required"]),
        (chapter.loc[gross, "Benodigd zwaarste jaar (€)"], c["required_worst_gross"]),
        (book.loc[net, f"Benodigd {first} (€)"], c["required"]),
        (key_figures(view)["required"], c["required"]),
        (key_figures(view)["required_worst"], c["required_worst"]),
        (results[CODE]["reserve"]["required"], c["required"]),
    ]  # fmt: skip
    for shown, value in pairs:
        assert float(shown) == pytest.approx(float(value), abs=1.0)
    # the rating with its ratio: brief, chapter and regional brief say the same
    assert r.loc["Besloten, netto", "Ratio zwaarste jaar"].endswith(f"({c['rating_worst']})")
    assert chapter.loc[net, "Waardering zwaarste jaar"] == c["rating_worst"]
    region = brief.region_reserve_frame(analysis).set_index("Gemeente")
    assert (
        region.loc[view.name, "Netto zwaarste jaar"]
        == (r.loc["Besloten, netto", "Ratio zwaarste jaar"])
    )
    # available: one amount
    cmp = comparison_frame(results).set_index("Gemeente")
    for shown in (
        region.loc[view.name, "Beschikbaar (€)"],
        cmp.loc[view.name, "Beschikbare capaciteit (€)"],
        key_figures(view)["available"],
        results[CODE]["reserve"]["available"],
    ):
        assert float(shown) == pytest.approx(float(c["available"]), abs=1.0)


def test_the_available_capacity_is_marked_as_data_or_assumption(view):
    caption = pres.brief_reserve_table(view).caption
    kind = brief.basis_kind(str(view.capacity()["available_basis"]))
    assert kind in caption
    assert "aanname" in kind or "eigen opgave" in kind


def test_eigen_inwoners_is_the_own_start_budget_of_the_domain(view, analysis):
    first = analysis.first_full_year
    sb = view.start_budget()
    domain = {s.id: s.domain for s in analysis.region.segments}
    now = sb[sb["year"] == first]
    own = now.groupby(now["segment"].map(domain))["budget"].sum()
    t = allocation_frame(view)
    label = t["Verdeelsleutel"].str.startswith("Eigen inwoners")
    for dom_label, dom in (("Jeugdhulp", "jeugd"), ("Wmo", "wmo")):
        row = t[label & (t["Domein"] == dom_label)]
        assert len(row) == 1, dom_label
        assert float(row["Bedrag (€)"].iloc[0]) == pytest.approx(float(own[dom]), abs=1.0)
        assert float(row["Verschil t.o.v. eigen inwoners (€)"].iloc[0]) == 0.0


def test_iv3_actuals_per_domain_agree_between_lookback_and_domain_projection(view, analysis):
    year = analysis.settings.reference_year
    bt = view.backtest()
    mine = bt[(bt["gemeentecode"] == CODE) & (bt["year"] == year)].set_index("domain")
    if mine.empty:
        pytest.skip("the backtest does not reach the reference year")
    b = view.baseline()
    b = b[(b["year"] == year) & (b["gemeentecode"] == CODE)]
    for dom in mine.index:
        booked = float(b.loc[b["domain"] == dom, "spend_booked"].sum())
        assert float(mine.loc[dom, "actual"]) == pytest.approx(booked, abs=1.0), dom


def test_the_benchmark_labels_its_task_fields_because_they_differ_from_the_lookback(view):
    bench = pres.benchmark_table(view)
    assert "6.6 en 6.71" in bench.caption
    assert "6.81" in bench.caption  # says what it leaves out, against the look-back


def test_regional_lookback_error_is_the_same_row_in_both_reports(view, analysis):
    mine = pres.backtest_table(view).data
    region = pres.region_backtest_rows(analysis).data
    name = mine["Gemeente"].iloc[-1]
    rows_m = mine[mine["Gemeente"] == name].reset_index(drop=True)
    assert len(rows_m) == len(region)
    for col in ("Werkelijk (€)", "Model P50 (€)", "Afwijking P50", "Afwijking begroting"):
        np.testing.assert_allclose(
            rows_m[col].to_numpy(dtype=float), region[col].to_numpy(dtype=float), equal_nan=True
        )
    # the overview's summary is another quantity and its header says so
    summary = pres.region_backtest_table(analysis).data
    assert all(c.endswith("per gemeente") for c in summary.columns if c.startswith("Gem.")), list(
        summary.columns
    )


def test_advised_variant_is_the_same_in_the_brief_and_the_advice_table(view):
    seg = brief.segments_frame(view)
    seg = seg[seg["Advies"] != ""].set_index("Segment")
    table = advice_frame(view).set_index("Segment")
    for name in seg.index:
        assert seg.loc[name, "Advies"] == table.loc[name, "Advies"], name
        assert seg.loc[name, "Nu besloten"] == table.loc[name, "Nu besloten"], name


def test_incentive_sizes_in_the_brief_are_the_scorecards(view, analysis):
    card = scorecard(analysis).set_index(["incentive", "segment"])
    names = {s.short or s.name: s.id for s in analysis.region.segments}
    inc = brief.incentives_frame(view)
    assert len(inc) == 3
    for r in inc.itertuples():
        seg = names[r._2.split(" (")[0]]
        row = card.loc[(r._1, seg)]
        shown = r.Omvang.split(";")[0]
        assert (
            shown == f"{row['direction']} ({size_short(row['incentive_key'], float(row['size']))})"
        )
