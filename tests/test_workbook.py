"""The workbook of a municipality as a controller opens it: formats, headers, markers, key sheet.

One real workbook (Aalten, written as the batch writes it) is opened with openpyxl.
"""

from __future__ import annotations

import math

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bekostiging import report as pres
from bekostiging.report.baseline import client_suppression, hidden_rows
from bekostiging.report.excel import FALLBACK, FORMATS, TOELICHTING, column_spec
from bekostiging.report.tables import segment_names
from bekostiging.report.workbook import CLIENTS_COLUMN, key_tables

EURO, PERCENT = FORMATS["euro"], FORMATS["percent"]


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(draws=300)


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality("GM0197")


@pytest.fixture(scope="module")
def tables(view):
    return key_tables(view)


@pytest.fixture(scope="module")
def book(view, tmp_path_factory):
    paths = pres.write_outputs(view, tmp_path_factory.mktemp("werkmap"))
    xlsx = next(p for p in paths if p.suffix == ".xlsx")
    assert xlsx.name == "gemeente_GM0197_aalten.xlsx"
    return openpyxl.load_workbook(xlsx)


def _columns(ws) -> dict[str, int]:
    """Header (as text) -> column number."""
    return {str(c.value): c.column for c in ws[1]}


def _column(ws, header: str) -> list:
    j = _columns(ws)[header]
    return [ws.cell(i, j) for i in range(2, ws.max_row + 1)]


def test_the_key_sheet_comes_first_and_explains_every_column_of_every_sheet(book, tables):
    assert book.sheetnames == [TOELICHTING, *tables]
    key = book[TOELICHTING]
    assert "Aalten (GM0197)" in key["A1"].value
    header_row = next(r for r in key.iter_rows() if r[0].value == "Tabblad")
    assert [c.value for c in header_row] == ["Tabblad", "Kolom", "Eenheid", "Wat het bevat", "Bron"]
    start = header_row[0].row
    rows = [[c.value for c in r] for r in key.iter_rows(min_row=start + 1)]
    listed = {(r[0], r[1]) for r in rows if r[1]}
    for sheet, frame in tables.items():
        assert [r for r in rows if r[0] == sheet and not r[1]][0][3], f"{sheet}: no description"
        for column in frame.columns:
            assert (sheet, column) in listed, (sheet, column)
            # every column has its own rule, none falls back to "zie het rapport"
            assert column_spec(sheet, column) is not FALLBACK, (sheet, column)
    units = {(r[0], r[1]): r[2] for r in rows if r[1]}
    assert units[
        ("Startbudget", str(min(int(c) for c in tables["Startbudget"] if c.isdigit())))
    ] == ("euro (€)")
    assert units[("Risico's", "Kans (%)")] == "procent"
    assert units[("Basisgegevens", CLIENTS_COLUMN)] == "aantal"
    sources = {(r[0], r[1]): r[4] or "" for r in rows if r[1]}
    assert "schatting" in sources[("Projectie", "P90 (€)")]
    assert "Iv3" in sources[("Basisgegevens", "Uitgaven (€)")]


def test_columns_are_formatted_by_their_meaning(book, analysis):
    first = analysis.first_full_year
    sb = book["Startbudget"]
    years = [c.value for c in sb[1] if isinstance(c.value, int)]
    assert years == analysis.contract_years  # year headers are numbers, not text
    assert {c.number_format for c in _column(sb, str(first)) if c.value is not None} == {EURO}
    var = book["Varianten"]
    assert {c.number_format for c in _column(var, "P50 (€)")} == {EURO}
    for header in (
        "Niet-geleverde benodigde zorg (regio, gedragsmodel)",
        "Wachtende cliënten (regio)",
        next(h for h in _columns(var) if h.startswith("Kans op verlies")),
    ):
        assert {c.number_format for c in _column(var, header) if c.value is not None} == {PERCENT}
    risks = book["Risico's"]
    assert {c.number_format for c in _column(risks, "Kans (%)")} == {PERCENT}
    assert {c.number_format for c in _column(risks, "Kans x impact (€)")} == {EURO}
    cap = book["Weerstandsvermogen"]
    assert {c.number_format for c in _column(cap, f"Ratio {first}")} == {"0.00"}
    assert {c.number_format for c in _column(book["Verdeelsleutels"], "Aandeel")} == {"0.00%"}
    base = book["Basisgegevens"]
    assert {c.number_format for c in _column(base, "Inwoners doelgroep")} == {"#,##0"}
    counts = [c for c in _column(base, CLIENTS_COLUMN) if isinstance(c.value, float | int)]
    assert counts and {c.number_format for c in counts} == {"#,##0"}
    assert {c.number_format for c in _column(book["Prikkels"], "Omvang")} == {PERCENT}
    # text stays text, in the General format
    assert {c.number_format for c in _column(base, "Segment")} == {"General"}


def test_years_are_whole_numbers(book, analysis):
    for sheet in ("Projectie", "Verdeelsleutels", "Basisgegevens", "Varianten"):
        values = [c.value for c in _column(book[sheet], "Jaar")]
        assert values and all(type(v) is int for v in values), sheet
        assert {c.number_format for c in _column(book[sheet], "Jaar")} == {"0"}
    worst = [c.value for c in _column(book["Weerstandsvermogen"], "Zwaarste contractjaar")]
    assert all(type(v) is int and v in analysis.contract_years for v in worst)


def test_every_sheet_has_a_frozen_styled_filtered_header_and_fitted_widths(book, tables):
    for sheet, frame in tables.items():
        ws = book[sheet]
        assert ws.freeze_panes == "A2", sheet
        assert ws.auto_filter.ref == f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        header = ws[1]
        assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DCE6F1") for c in header), sheet
        widths = [
            ws.column_dimensions[get_column_letter(j)].width for j in range(1, len(header) + 1)
        ]
        assert all(6 <= w <= 62 for w in widths), (sheet, widths)
    # fitted to the content: a long segment name makes a wider column than a year
    base = book["Basisgegevens"]
    cols = _columns(base)
    width = {h: base.column_dimensions[get_column_letter(j)].width for h, j in cols.items()}
    assert width["Segment"] > 40 and width["Jaar"] < 10
    # an amount of millions fits: "€ 3.561.600" is 11 characters
    assert width["Uitgaven (€)"] >= 13


def test_suppressed_counts_show_the_reports_marker_not_a_blank(book, view, analysis):
    ref = analysis.settings.reference_year
    names = segment_names(analysis)
    res = client_suppression(view)
    hidden = hidden_rows(res)
    segs = [s.id for s in analysis.region.procured_segments()]
    expected = {
        names[s]: res.display.iloc[i][str(ref)]
        for i, s in enumerate(segs)
        if bool(hidden.iloc[i][str(ref)])
    }
    assert expected and set(expected.values()) <= {"<10", "x"}
    assert "<10" in expected.values()
    base = book["Basisgegevens"]
    cols = _columns(base)
    seen = {}
    for row in base.iter_rows(min_row=2, values_only=True):
        if row[cols["Jaar"] - 1] == ref and row[cols["Segment"] - 1] in expected:
            seen[row[cols["Segment"] - 1]] = (
                row[cols[CLIENTS_COLUMN] - 1],
                row[cols["Kosten per cliënt (€)"] - 1],
            )
    assert seen == {s: (m, None) for s, m in expected.items()}  # marker; cost per client empty
    # a segment that is not procured has no count at all: blank, not a marker
    not_procured = [
        row
        for row in base.iter_rows(min_row=2, values_only=True)
        if row[cols["Ingekocht"] - 1] == "nee"
    ]
    assert not_procured and all(r[cols[CLIENTS_COLUMN] - 1] is None for r in not_procured)
    note = base.cell(1, cols[CLIENTS_COLUMN]).comment
    assert note is not None and "<10" in note.text


def test_the_numbers_are_the_key_tables_numbers(book, tables):
    """Every cell holds the key table's value at full precision (a percentage in points as
    its fraction; 16 significant digits, as openpyxl writes them); only the format rounds."""
    checked = 0
    for sheet, frame in tables.items():
        ws = book[sheet]
        markers = frame.attrs.get("markers", {})
        for r in range(len(frame)):
            for j, column in enumerate(frame.columns, start=1):
                value = frame[column].iloc[r]
                cell = ws.cell(r + 2, j).value
                kind = column_spec(sheet, column).kind
                if isinstance(value, str):
                    expected = int(value) if kind == "year" else value
                    assert cell == expected or (cell is None and value == ""), (sheet, column, r)
                elif value is None or (isinstance(value, float) and math.isnan(value)):
                    marker = markers.get(column, [None] * len(frame))[r]
                    assert cell == marker, (sheet, column, r)
                else:
                    expected = float(value) / (100 if kind == "points" else 1)
                    assert cell == pytest.approx(expected, rel=1e-15, abs=1e-12), (sheet, column, r)
                    checked += 1
    assert checked > 800  # Aalten: 917 numbers
    # two figures a controller would look for, spelt out
    sb = book["Startbudget"]
    total = next(r for r in sb.iter_rows(min_row=2, values_only=True) if r[0] == "Totaal")
    # openpyxl writes 16 significant digits (Excel keeps 15): equal to 1e-15, a nano-euro here
    assert total[2] == pytest.approx(tables["Startbudget"].iloc[-1, 2], rel=1e-15)
    kans = _column(book["Risico's"], "Kans (%)")[0].value
    assert kans == pytest.approx(tables["Risico's"]["Kans (%)"].iloc[0] / 100)
