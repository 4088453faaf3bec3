"""The report chapters: key tables, formats, suppression, figures and the college summary."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from bekostiging import report as pres
from bekostiging.report.baseline import client_suppression
from bekostiging.report.formatting import euro, euro_mln, percent
from bekostiging.report.incentives import strongest_incentives
from bekostiging.report.labels import DECIDED_LABEL, VARIANT_LABELS
from bekostiging.report.regional import totals_check_frame
from bekostiging.report.tables import amount, segment_names
from bekostiging.report.variants import variant_frame
from bekostiging.report.workbook import key_tables

ENGLISH = re.compile(
    r"\b(spend|clients?|budget_|provider|share|year|segment_name|variant|estimate[d]?|"
    r"observed|submitted|amount|difference|p10|p50|p90)\b"
)


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(draws=300)


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality("GM0197")


@pytest.fixture(scope="module")
def sheets(view):
    return key_tables(view)


def test_key_tables_have_short_dutch_sheet_names_and_headers(sheets):
    assert list(sheets) == [
        "Startbudget",
        "Varianten",
        "Projectie",
        "Risico's",
        "Weerstandsvermogen",
        "Verdeelsleutels",
        "Prikkels",
        "Basisgegevens",
    ]
    for name, frame in sheets.items():
        assert len(name) <= 31
        assert not frame.empty, name
        for col in frame.columns:
            assert isinstance(col, str)
            assert not ENGLISH.search(col), f"{name}: English header {col!r}"
    assert {"Segment", "Bekostiging", "Status"} <= set(sheets["Startbudget"].columns)
    assert {"Bekostigingsvariant", "P50 (€)", "P90 (€)"} <= set(sheets["Varianten"].columns)
    assert {"Risico", "Kans (%)", "Financiële impact (€)"} <= set(sheets["Risico's"].columns)


def test_key_tables_keep_numbers_numeric_and_mark_estimates(sheets, view, analysis):
    sb = sheets["Startbudget"]
    first = str(analysis.first_full_year)
    assert pd.api.types.is_float_dtype(sb[first])
    total = sb.loc[sb["Segment"] == "Totaal", first].item()
    expected = view.start_budget().query("year == @analysis.first_full_year")["budget"].sum()
    assert total == pytest.approx(expected)
    assert set(sb["Status"]) == {"schatting"}
    var = sheets["Varianten"]
    assert pd.api.types.is_float_dtype(var["P50 (€)"])
    decided = var.loc[var["Bekostigingsvariant"] == DECIDED_LABEL, "P50 (€)"].item()
    assert decided == pytest.approx(view.decided_quantiles().loc[analysis.first_full_year, "p50"])
    assert pd.api.types.is_float_dtype(sheets["Risico's"]["Kans x impact (€)"])


def test_key_tables_are_written_as_one_workbook(view, tmp_path):
    import openpyxl

    paths = pres.write_outputs(view, tmp_path)
    xlsx = next(p for p in paths if p.suffix == ".xlsx")
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames[:2] == ["Toelichting", "Startbudget"] and "Risico's" in book.sheetnames


def test_start_budget_table_shows_euros_in_dutch_and_says_estimate(view, analysis):
    t = pres.start_budget_table(view)
    first = analysis.first_full_year
    sb = view.start_budget()
    iaj = float(sb[(sb["segment"] == "iaj") & (sb["year"] == first)]["budget"].item())
    html, plain = t.to_html(), repr(t)
    assert euro(iaj) in html and euro(iaj) in plain
    assert re.search(r"€ \d{1,3}(\.\d{3})+", plain)  # thousands dots, no raw floats
    assert not re.search(r"\d+\.\d{4,}", plain)
    assert "schatting" in t.caption and "prevalentie" in t.caption
    assert "prevalence" not in t.caption  # plain Dutch, no parameter keys
    # as of 2024 the trend's share is chosen on earlier years, so it is not named an assumption
    assert "het deel van de historische groei dat meetelt" not in t.caption
    assert "gekozen op eerdere jaren" in t.caption
    assert "het trendaandeel (10%) is gekozen op eerdere jaren" in t.caption
    assert "0x" not in plain and plain == repr(pres.start_budget_table(view))


def test_variant_table_lists_every_variant_with_its_routes(view):
    plain = repr(pres.variant_table(view))
    for label in (DECIDED_LABEL, *VARIANT_LABELS.values()):
        assert label in plain
    for column in (
        "Extra buiten het contract",
        "Contract + extra",
        "Niet-geleverde zorg",
        "dezelfde zorg",
        "Wachtende cliënten",
        "Resultaat aanbieders",
    ):
        assert column in plain
    assert re.search(r"\d+,\d%", plain)


def test_client_counts_below_ten_are_hidden_with_correct_totals(view, analysis):
    ref = analysis.settings.reference_year
    b = view.baseline()
    b = b[b["procured"] & (b["year"] == ref)]
    small = b[(b["clients"].round() > 0) & (b["clients"].round() < 10)]
    assert not small.empty, "Aalten should have a segment with fewer than 10 (estimated) clients"
    names = segment_names(analysis)
    res = client_suppression(view, [ref])
    display = res.display.set_index("Segment")
    for seg in small["segment"]:
        assert display.loc[names[seg], str(ref)] == "<10"
    # the total is the true total of the rounded counts, not the sum of what is shown
    assert res.data[str(ref)].iloc[-1] == pytest.approx(np.round(b["clients"].to_numpy()).sum())
    # the report table and the workbook hide the same cells, the cost per client too
    assert "<10" in repr(pres.baseline_clients_table(view))
    base = key_tables(view)["Basisgegevens"]
    rows = base[(base["Jaar"] == ref) & base["Segment"].isin([names[s] for s in small["segment"]])]
    assert rows["Cliënten (<10 niet getoond)"].isna().all()
    assert rows["Kosten per cliënt (€)"].isna().all()
    assert set(base["Herkomst uitgaven"]) <= {"waargenomen", "schatting", "opgave gemeente"}


def test_step4_hides_the_cost_per_client_of_a_hidden_count(view):
    plain = repr(pres.step4_table(view))
    hcv = next(line for line in plain.splitlines() if line.strip().startswith("Hoog Complex"))
    assert "<10" in hcv and "€" in hcv.split("<10")[0]  # spend shown, count hidden
    assert hcv.rstrip().endswith("–")


def test_fan_chart_has_dutch_labels_and_formats(view):
    fig = pres.fan_chart_figure(view)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Jaar"
    assert ax.get_ylabel().startswith("Uitgaven gemeente")
    # the house style may put the title left or centre: read all three positions
    title = " ".join(ax.get_title(loc=loc) for loc in ("left", "center", "right"))
    assert "schatting" in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Gekozen mix: mediaan (P50)" in legend and "Startbudget" in legend
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t.startswith("€ ") and "mln" in t for t in ticks)
    assert any("," in t for t in ticks) or all(t.split()[1].isdigit() for t in ticks)


def test_college_summary_quotes_the_analysis_figures(view, analysis):
    text = pres.college_summary(view).data
    first = analysis.first_full_year
    sb = view.start_budget()
    assert euro_mln(sb[sb["year"] == first]["budget"].sum()) in text
    dq = view.decided_quantiles().loc[first]
    assert euro_mln(dq["p50"]) in text and euro_mln(dq["p90"]) in text
    cap = view.capacity()
    assert f"waardering **{cap['rating']}**" in text
    assert amount(cap["available"]) in text
    bt = view.backtest().query("gemeentecode == 'GM0197'")
    assert percent(bt["error_budget"].abs().mean()) in text
    top = strongest_incentives(analysis, 2)
    assert all(inc in text for inc in top["incentive"])
    assert "schatting" in text
    assert "p\\*q" in text and "p*q" not in text.replace("p\\*q", "")  # no stray emphasis
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 6


def test_region_tables_from_the_results_files(analysis, tmp_path):
    results = pres.region_results(analysis, tmp_path)
    comparison = repr(pres.region_comparison_table(analysis, results))
    assert "Aalten" in comparison and "Regio (som)" in comparison
    check = totals_check_frame(analysis, results)
    assert check["Klopt"].item() == "ja"
    fig = pres.region_map(analysis, results)
    assert fig.axes[1].get_ylabel() == "Startbudget per inwoner (€)"


def test_the_package_exports_every_chapter_function_the_notebooks_call():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "notebooks"
    for name in ("gemeente.ipynb", "regio.ipynb"):
        cells = json.loads((root / name).read_text(encoding="utf-8"))["cells"]
        called = {m for c in cells for m in re.findall(r"\bpres\.(\w+)", "".join(c["source"]))}
        assert called and called <= set(pres.__all__), (name, called - set(pres.__all__))
        assert all(callable(getattr(pres, f)) for f in called)


def test_the_switch_evidence_reads_as_measured(view, analysis):
    """Issue 10, part 3: the estimate, its interval, the pre-trend check, the model's effect."""
    ev = analysis.switch_evidence
    assert set(ev) == {"youth", "wmo"}
    youth = ev["youth"]["did"]
    text = pres.switch_evidence_text(view).data
    assert "1 juli 2022" in text and "van p\\*q naar lumpsum" in text
    assert percent(youth.effect, 1, signed=True) in text
    low, high = youth.interval()
    assert f"{percent(low, 1, signed=True)} tot {percent(high, 1, signed=True)}" in text
    assert "geen duidelijk afwijkende trend" in text  # youth: no sign of diverging pre-trends
    assert "Het interval omvat 0" in text  # youth: no effect shown
    assert "geen bewijs" in text  # Wmo: the pre-trends did not run parallel
    effect = ev["youth"]["model_effect"]
    assert f"{percent(effect, 1, signed=True)}" in text
    assert ("te breed om het model te bevestigen" in text) == youth.covers(effect)
    assert "niet in de gegevens" in text  # the comparison group's funding is unknown
    t = pres.switch_evidence_table(view)
    assert "basisjaar" in repr(t) and "2021" in repr(t)


def test_one_hybrid_share_everywhere(analysis):
    """Issue 10, part 7: the projection, the scorecard and the behaviour model's default."""
    from bekostiging.model.behaviour.inputs import load_behaviour_parameters, segment_inputs

    share = float(analysis.params.value("projection.hybrid_pq_share"))
    inputs = segment_inputs("iaj", load_behaviour_parameters(analysis.params))
    assert inputs.hybrid_pq_share == share == 0.1
    assert "behaviour.payment.hybrid_pq_share" not in load_behaviour_parameters().names()
    assert segment_inputs("iaj", load_behaviour_parameters()).hybrid_pq_share == 0.1


def test_the_sensitivity_analysis_looks_at_the_decided_contract(analysis):
    terms = pres.decided_contract(analysis, "iaj")
    assert terms["settlement"] == dict(analysis.region.segment("iaj").funding["settlement"])
    assert terms["settlement"]["kind"] != "none"


def test_no_saving_that_is_only_care_left_undone(view, analysis):
    """Issue 10: the variant table and the summary say how much care each variant leaves
    undone, beside what it costs."""
    unmet = analysis.unmet_need
    assert unmet["pq"] < unmet["lumpsum"]  # the lumpsum's lower cost is partly care not given
    plain = repr(pres.variant_table(view))
    assert "Niet-geleverde benodigde zorg" in plain and percent(unmet["lumpsum"], 1) in plain
    summary = pres.college_summary(view).data
    assert "Alles in p\\*q" in summary
    assert f"naar schatting {percent(unmet['lumpsum'], 1)} van de benodigde zorg" in summary
    assert "geen besparing" in summary
    # the comparison on equal care: total over all routes plus the care left undone
    frame = variant_frame(view).set_index("Bekostigingsvariant")
    vs = view.variant_summary(years=[analysis.first_full_year])
    for key in ("pq", "lumpsum"):
        equal = vs.loc[key, "total_mean"] + vs.loc[key, "unmet_value_mean"]
        assert frame.loc[VARIANT_LABELS[key], "Bij dezelfde zorg, gemiddeld (€)"] == (
            pytest.approx(equal)
        )
        assert amount(equal) in summary
    gap = (vs.loc["pq", "total_mean"] + vs.loc["pq", "unmet_value_mean"]) - (
        vs.loc["lumpsum", "total_mean"] + vs.loc["lumpsum", "unmet_value_mean"]
    )
    word = "goedkoper" if gap > 0 else "duurder"
    assert f"lumpsum op gelijke zorg {amount(abs(gap))} {word}" in summary
    # p*q delivers all the needed care in the model; the lumpsum leaves some undone
    assert vs.loc["pq", "unmet_value_mean"] == 0.0 < vs.loc["lumpsum", "unmet_value_mean"]


def test_the_corridor_decision_table(view, analysis):
    t = pres.corridor_table(view)
    plain = repr(t)
    assert "(besloten)" in plain and "nacalculatie" in plain and "geen verrekening" in plain
    options = view.corridor_options(pres.main_segment(view))
    assert len(options) == 6 and options["providers"].iloc[0] > 1
    full = options.set_index(["corridor", "share"]).loc[(0.0, 1.0)]
    assert full["provider_loss_chance"] == 0.0  # after-calculation: no provider loses
