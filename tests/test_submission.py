"""The submission template (seed 003, 3.3 step 5): write, fill, read back, and every bad case.

The baseline of the Achterhoek is built once per module (about 3 s); every bad workbook is a
copy of one template for Aalten (GM0197) with one change made through openpyxl, the way an
advisor would make it in Excel.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bekostiging.config.region import load_region
from bekostiging.core import atomic
from bekostiging.core.errors import InputError, ParameterError, display_path
from bekostiging.data.submission import (
    CAPACITY_COLUMNS,
    CAPACITY_HEADERS,
    COL_CAPACITY,
    COL_CAPACITY_YEAR,
    COL_CHANGE,
    COL_SOURCE,
    EURO_FORMAT,
    EXPECTATION_COLUMNS,
    EXPECTED_HEADERS,
    REALISED_COLUMNS,
    REALISED_HEADERS,
    OwnCapacity,
    load_own_capacity,
    load_submissions,
    read_submission,
    write_template,
)
from bekostiging.model.baseline import apply_submissions, build_baseline

CODE = "GM0197"  # Aalten
YEARS = [2021, 2022, 2023, 2024]
PROCURED = ["iaj", "gwv", "hcv", "dyslexie", "wmo_io", "wmo_pv", "wmo_logeren", "wmo_wonen"]


def row_of(segment: str, year: int) -> int:
    """Excel row of a segment-year in 'Realisatie': segments in region order, years ascending."""
    return 2 + PROCURED.index(segment) * len(YEARS) + YEARS.index(year)


R_IAJ_2023 = row_of("iaj", 2023)  # 4
FIRST_EXTRA = 2 + len(PROCURED)  # first empty row in 'Verwachting' (10)


@pytest.fixture(scope="module")
def region():
    return load_region("achterhoek")


@pytest.fixture(scope="module")
def baseline(region):
    return build_baseline(region)


@pytest.fixture(scope="module")
def template(region, baseline, tmp_path_factory) -> Path:
    return write_template(region, CODE, tmp_path_factory.mktemp("tpl") / f"{CODE}.xlsx", baseline)


def edited(template: Path, folder: Path, change: Callable, name: str = f"{CODE}.xlsx") -> Path:
    """A copy of the template with ``change(workbook)`` applied, saved as ``folder/name``."""
    wb = openpyxl.load_workbook(template)
    change(wb)
    out = folder / name
    wb.save(out)
    return out


def problems_of(path: Path, region, **kwargs) -> list:
    with pytest.raises(InputError) as info:
        read_submission(path, region, **kwargs)
    return info.value.problems


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


# --- writing --------------------------------------------------------------------------------


def test_template_layout_and_prefill_equal_the_baseline(template, baseline):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [
        "Toelichting",
        "Realisatie",
        "Verwachting",
        "Weerstandsvermogen",
        "_meta",
    ]
    assert wb["_meta"].sheet_state == "hidden"
    assert [c.value for c in wb["Realisatie"][1]] == list(REALISED_HEADERS)
    assert [c.value for c in wb["Verwachting"][1]] == list(EXPECTED_HEADERS)
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["template_version"] == "2"
    assert (meta["region"], meta["gemeentecode"], meta["gemeente"]) == (
        "achterhoek",
        CODE,
        "Aalten",
    )
    assert meta["years"] == "2021,2022,2023,2024"  # the last four years with actuals

    info = "\n".join(str(c.value) for c in wb["Toelichting"]["A"] if c.value)
    for phrase in (
        "Aalten (GM0197)",
        "Achterhoek",
        "stap 5",
        "Eigen cijfer",
        "POH Jeugd",
        "Versie",
        "Tabblad 'Weerstandsvermogen'",
        "paragraaf weerstandsvermogen, jaarrekening 2025",
        "Weerstandscapaciteit sociaal domein:",
    ):
        assert phrase in info

    ws = wb["Realisatie"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(PROCURED) * len(YEARS) == 32
    own = baseline[baseline["gemeentecode"] == CODE].set_index(["segment", "year"])
    for seg, name, year, clients, spend, origin, eigen, note in rows:
        ref = own.loc[(seg, year)]
        assert name == ref["segment_name"]
        assert isinstance(clients, int) and abs(clients - ref["clients"]) <= 0.5
        assert isinstance(spend, int) and abs(spend - ref["spend"]) <= 0.5
        label = {"observed": "publiek (Iv3)", "estimated": "schatting"}
        assert (
            origin
            == f"cliënten: {label[ref['clients_flag']]}; uitgaven: {label[ref['spend_flag']]}"
        )
        assert (eigen, note) == ("nee", None)
    # Aalten iaj 2024 by hand: 442 clients (CBS KWB 2022 use, IAJ share), EUR 2,428,840
    # clients: CBS KWB 2022 observed use, IAJ share (model.clients); spend: Iv3
    assert rows[row_of("iaj", 2024) - 2][3:5] == (442, 2428840)

    exp = list(wb["Verwachting"].iter_rows(min_row=2, max_row=FIRST_EXTRA - 1, values_only=True))
    assert [(r[0], r[2], r[3], r[4]) for r in exp] == [(s, 0, 2025, None) for s in PROCURED]


def test_template_protection_validation_and_formats(template):
    ws = openpyxl.load_workbook(template)["Realisatie"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws.freeze_panes == "A2"
    for col in "ABCF":  # codes, names, years, origin: locked
        assert ws[f"{col}2"].protection.locked
    for col in "DEGH":  # numbers, ja/nee, note: editable
        assert not ws[f"{col}2"].protection.locked
    assert ws["E2"].number_format == EURO_FORMAT and "€" in EURO_FORMAT
    assert ws["A1"].font.bold and ws.column_dimensions["B"].width > 30
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["G2:G33"].type == "list" and rules["G2:G33"].formula1 == '"ja,nee"'
    assert (rules["D2:D33"].type, rules["D2:D33"].formula1) == ("whole", "0")
    assert (rules["E2:E33"].type, rules["E2:E33"].formula1) == ("decimal", "0")
    exp = openpyxl.load_workbook(template)["Verwachting"]
    assert exp["A2"].protection.locked and not exp[f"A{FIRST_EXTRA}"].protection.locked


def test_capacity_sheet_is_one_empty_editable_row(template, region):
    ws = openpyxl.load_workbook(template)["Weerstandsvermogen"]
    assert [c.value for c in ws[1]] == list(CAPACITY_HEADERS)
    assert [c.value for c in ws[2]] == [None, None, None]  # empty by default
    assert ws.protection.sheet and not ws.protection.password
    assert ws["A1"].protection.locked and ws["A1"].font.bold
    for col in "ABC":
        assert not ws[f"{col}2"].protection.locked
        assert ws[f"{col}2"].fill.fgColor.rgb.endswith("FFF9DB")  # the editable fill
    assert ws["A2"].number_format == EURO_FORMAT
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert (rules["A2"].type, rules["A2"].formula1, rules["A2"].formula2) == (
        "decimal",
        "0",
        "10000000000",
    )
    assert (rules["B2"].type, rules["B2"].formula1) == ("whole", "2015")
    assert read_submission(template, region).capacity is None  # empty: no own figure


def test_write_template_refuses_merged_municipality_and_wrong_years(region, baseline, tmp_path):
    with pytest.raises(ParameterError, match="is opgegaan in Dijk en Waard"):
        write_template(load_region("alkmaar"), "GM0398", tmp_path / "x.xlsx", baseline)
    with pytest.raises(ParameterError, match="jaren bevatten met realisatiecijfers"):
        write_template(region, CODE, tmp_path / "x.xlsx", baseline, years=[2024, 2030])
    with pytest.raises(ParameterError, match="onbekende gemeentecode"):
        write_template(region, "GM9999", tmp_path / "x.xlsx", baseline)
    assert list(tmp_path.iterdir()) == []
    path = write_template(region, CODE, tmp_path / "x.xlsx", baseline, years=[2019, 2020])
    ws = openpyxl.load_workbook(path)["Realisatie"]
    assert [r[2] for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)] == [2019, 2020]


def test_failed_write_leaves_no_partial_file(region, baseline, tmp_path, monkeypatch):
    target = tmp_path / f"{CODE}.xlsx"
    target.write_bytes(b"previous version")

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise RuntimeError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(RuntimeError, match="disk full"):
        write_template(region, CODE, target, baseline)
    assert listing(tmp_path) == [(f"{CODE}.xlsx", len(b"previous version"))]
    assert target.read_bytes() == b"previous version"


def test_read_only_folder_leaves_no_file(region, baseline, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError):
        write_template(region, CODE, tmp_path / f"{CODE}.xlsx", baseline)
    assert listing(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_really_read_only_folder(region, baseline, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_template(region, CODE, folder / f"{CODE}.xlsx", baseline)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


# --- round trip -----------------------------------------------------------------------------


def fill(wb):
    ws = wb["Realisatie"]
    r = row_of("iaj", 2023)
    ws[f"D{r}"], ws[f"E{r}"], ws[f"G{r}"] = 480, 2_300_000, "ja"
    ws[f"H{r}"] = "eigen registratie, stand 31-12"
    r = row_of("wmo_io", 2024)
    ws[f"D{r}"], ws[f"E{r}"], ws[f"G{r}"] = 500, None, " JA "  # spend left empty: keep ours
    r = row_of("hcv", 2022)
    ws[f"D{r}"] = 3  # changed, but left on 'nee': not used
    exp = wb["Verwachting"]
    exp["C2"], exp["E2"] = -2, "inzet POH Jeugd"
    e = FIRST_EXTRA
    exp[f"A{e}"], exp[f"C{e}"], exp[f"D{e}"], exp[f"E{e}"] = "iaj", -1, 2026, "sociale basis"


def test_round_trip_replaces_exactly_the_ja_rows(template, region, baseline, tmp_path):
    path = edited(template, tmp_path, fill)
    sub = read_submission(path, region)
    assert sub.gemeentecode == CODE and sub.file == path
    assert list(sub.realised.columns) == REALISED_COLUMNS
    got = sub.realised.sort_values("segment").to_dict("records")
    assert got[0] == {
        "gemeentecode": CODE,
        "segment": "iaj",
        "year": 2023,
        "clients": 480.0,
        "spend": 2_300_000.0,
        "note": "eigen registratie, stand 31-12",
        "file": display_path(path),
        "row": row_of("iaj", 2023),
    }
    assert (got[1]["segment"], got[1]["year"], got[1]["clients"]) == ("wmo_io", 2024, 500.0)
    assert math.isnan(got[1]["spend"]) and len(got) == 2

    assert list(sub.expectations.columns) == EXPECTATION_COLUMNS
    exp = sub.expectations.to_dict("records")
    assert [(e["segment"], e["from_year"], e["reason"]) for e in exp] == [
        ("iaj", 2025, "inzet POH Jeugd"),
        ("iaj", 2026, "sociale basis"),
    ]
    assert [e["annual_change"] for e in exp] == pytest.approx([-0.02, -0.01])

    out = apply_submissions(baseline, sub.realised)
    idx = out.set_index(["gemeentecode", "segment", "year"])
    before = baseline.set_index(["gemeentecode", "segment", "year"])
    iaj = idx.loc[(CODE, "iaj", 2023)]
    assert (iaj["clients"], iaj["spend"]) == (480.0, 2_300_000.0)
    assert (iaj["clients_flag"], iaj["spend_flag"]) == ("submitted", "submitted")
    wmo = idx.loc[(CODE, "wmo_io", 2024)]
    assert (wmo["clients"], wmo["clients_flag"]) == (500.0, "submitted")
    assert wmo["spend"] == before.loc[(CODE, "wmo_io", 2024), "spend"]
    assert wmo["spend_flag"] == before.loc[(CODE, "wmo_io", 2024), "spend_flag"] != "submitted"
    assert (out["clients_flag"] == "submitted").sum() == 2
    assert (out["spend_flag"] == "submitted").sum() == 1


def test_dutch_text_numbers_and_percent_cells_are_read(template, region, tmp_path):
    def change(wb):
        ws = wb["Realisatie"]
        ws[f"D{R_IAJ_2023}"], ws[f"E{R_IAJ_2023}"] = "1234", "1.234.567,50"
        ws[f"G{R_IAJ_2023}"] = "ja"
        exp = wb["Verwachting"]
        exp["C3"], exp["E3"] = -0.025, "sterkere sociale basis"  # -2,5 % in a %-formatted cell
        exp["C3"].number_format = "0.0%"
        exp["C4"], exp["E4"] = "+1,5 %", "meer verwijzingen"

    sub = read_submission(edited(template, tmp_path, change), region)
    row = sub.realised.iloc[0]
    assert (row["clients"], row["spend"]) == (1234.0, 1234567.5)
    changes = dict(zip(sub.expectations["segment"], sub.expectations["annual_change"]))
    assert changes == pytest.approx({"gwv": -0.025, "hcv": 0.015})


def fill_capacity(
    amount=3_250_000, year=2025, source="paragraaf weerstandsvermogen, jaarrekening 2025"
):
    def change(wb):
        ws = wb["Weerstandsvermogen"]
        ws["A2"], ws["B2"], ws["C2"] = amount, year, source

    return change


def test_capacity_round_trip(template, region, tmp_path):
    path = edited(template, tmp_path, fill_capacity())
    sub = read_submission(path, region)
    source = "paragraaf weerstandsvermogen, jaarrekening 2025"
    assert sub.capacity == OwnCapacity(3_250_000.0, 2025, source)
    table = load_own_capacity(region, tmp_path)
    assert list(table.columns) == CAPACITY_COLUMNS
    assert table.to_dict("records") == [
        {
            "gemeentecode": CODE,
            "available": 3_250_000.0,
            "year": 2025,
            "source": source,
            "file": "GM0197.xlsx",
        }
    ]
    # the other tables of the folder are unchanged by the figure
    realised, expectations, files = load_submissions(region, tmp_path)
    assert realised.empty and expectations.empty and files == [path]
    assert load_own_capacity(region, tmp_path / "absent").empty


def test_capacity_as_dutch_text_is_read(template, region, tmp_path):
    path = edited(template, tmp_path, fill_capacity("€ 3.250.000", "2025", " jaarstukken 2025 "))
    assert read_submission(path, region).capacity == OwnCapacity(
        3_250_000.0, 2025, "jaarstukken 2025"
    )


def with_cached_value(path: Path, formula: str, value: str) -> None:
    """Give a formula the value Excel would have saved with it (openpyxl cannot)."""
    sheet_xml = "xl/worksheets/sheet4.xml"  # 'Weerstandsvermogen', the fourth sheet
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts[sheet_xml].decode()
    xml, n = re.subn(
        rf"<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?", f"<f>{formula}</f><v>{value}</v>", xml
    )
    assert n == 1, xml
    parts[sheet_xml] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_capacity_formula_counts_once_excel_calculated_it(template, region, tmp_path):
    path = edited(template, tmp_path, fill_capacity(amount="=3000000+250000"))
    (problem,) = problems_of(path, region)
    assert "formule in cel A2 zonder berekende waarde" in problem.message
    assert (problem.sheet, problem.row, problem.column) == ("Weerstandsvermogen", 2, COL_CAPACITY)
    with_cached_value(path, "3000000+250000", "3250000")
    assert read_submission(path, region).capacity.available == 3_250_000.0


def test_old_workbook_without_capacity_sheet_is_still_read(template, region, tmp_path):
    def version_1(wb):
        del wb["Weerstandsvermogen"]
        wb["_meta"]["B2"] = "1"

    sub = read_submission(edited(template, tmp_path, version_1), region)
    assert sub.capacity is None and sub.gemeentecode == CODE
    assert load_own_capacity(region, tmp_path).empty
    # version 2 without the sheet: the sheet was deleted, which is reported
    (problem,) = problems_of(edited(template, tmp_path, remove("Weerstandsvermogen")), region)
    assert "blad 'Weerstandsvermogen' ontbreekt" in problem.message


# --- bad workbooks --------------------------------------------------------------------------


def cell(sheet: str, ref: str, value):
    def change(wb):
        wb[sheet][ref] = value

    return change


def cells(sheet: str, **values):
    def change(wb):
        for ref, value in values.items():
            wb[sheet][ref] = value

    return change


def rename(old: str, new: str):
    def change(wb):
        wb[old].title = new

    return change


def remove(name: str):
    def change(wb):
        del wb[name]

    return change


def swap_columns(sheet: str, a: int, b: int):
    def change(wb):
        ws = wb[sheet]
        for row in ws.iter_rows():
            row[a - 1].value, row[b - 1].value = row[b - 1].value, row[a - 1].value

    return change


def merge(sheet: str, rng: str):
    def change(wb):
        wb[sheet].merge_cells(rng)

    return change


R = "Realisatie"
V = "Verwachting"
W = "Weerstandsvermogen"
M = "_meta"
r4 = R_IAJ_2023
X = FIRST_EXTRA

BAD = {
    # id: (change, sheet, row, column, phrase)
    "sheet renamed with a space": (
        rename(R, "Realisatie "),
        R,
        None,
        None,
        "'Realisatie ' lijkt erop",
    ),
    "sheet renamed lowercase": (rename(R, "realisatie"), R, None, None, "aanwezige bladen: "),
    "sheet deleted": (remove(V), V, None, None, "blad 'Verwachting' ontbreekt; aanwezige bladen"),
    "meta deleted": (remove(M), M, None, None, "blad '_meta' ontbreekt"),
    "header changed": (cell(R, "C1", "Year"), R, 1, "Jaar", "kopregel gewijzigd"),
    "column deleted": (lambda wb: wb[R].delete_cols(4), R, 1, "Cliënten", "ontbreekt: verwijderd"),
    "column inserted": (lambda wb: wb[R].insert_cols(3), R, 1, "C", "lege kolom ingevoegd"),
    "columns moved": (swap_columns(R, 4, 5), R, 1, "Cliënten", "verplaatst (staat in kolom E"),
    "merged data cells": (
        merge(R, f"H{r4}:H{r4 + 1}"),
        R,
        r4,
        "Toelichting",
        "samengevoegde cellen",
    ),
    "merged header": (merge(V, "A1:B1"), V, 1, "Segmentcode", "samengevoegde cellen A1:B1"),
    "template version": (cell(M, "B2", "99"), M, 2, "value", "onbekende versie van het format"),
    "meta code not in region": (cell(M, "B4", "GM0361"), M, 4, "value", "hoort niet bij regio"),
    "unknown segment": (cell(R, f"A{r4}", "xyz"), R, r4, "Segmentcode", "onbekende segmentcode"),
    "segment not procured": (
        cell(R, f"A{r4}", "wmo_hh"),
        R,
        r4,
        "Segmentcode",
        "niet gezamenlijk ingekocht",
    ),
    "year not whole": (cell(R, f"C{r4}", 2023.5), R, r4, "Jaar", "geen geheel getal"),
    "year outside template": (cell(R, f"C{r4}", 2019), R, r4, "Jaar", "buiten de jaren"),
    "clients as text": (
        cells(R, **{f"D{r4}": "ca. 500", f"G{r4}": "ja"}),
        R,
        r4,
        "Cliënten",
        "tekst in plaats van een getal",
    ),
    "ambiguous text number": (
        cell(R, f"E{r4}", "1.234"),
        R,
        r4,
        "Uitgaven (€)",
        "tekst in plaats van",
    ),
    "negative clients": (cell(R, f"D{r4}", -5), R, r4, "Cliënten", "negatief aantal cliënten"),
    "fractional clients": (cell(R, f"D{r4}", 12.5), R, r4, "Cliënten", "geen geheel getal"),
    "implausible clients": (
        cell(R, f"D{r4}", 2_000_000),
        R,
        r4,
        "Cliënten",
        "onwaarschijnlijk veel",
    ),
    "negatieve uitgaven": (cell(R, f"E{r4}", -1), R, r4, "Uitgaven (€)", "negatieve uitgaven"),
    "implausible spend": (cell(R, f"E{r4}", 2e10), R, r4, "Uitgaven (€)", "onwaarschijnlijk hoge"),
    "eigen cijfer not ja/nee": (
        cell(R, f"G{r4}", "misschien"),
        R,
        r4,
        "Eigen cijfer (ja/nee)",
        "moet ja of nee zijn",
    ),
    "ja without figures": (
        cells(R, **{f"D{r4}": None, f"E{r4}": None, f"G{r4}": "ja"}),
        R,
        r4,
        "Eigen cijfer (ja/nee)",
        "'ja' maar geen cijfers",
    ),
    "duplicate segment-year": (
        cell(R, f"C{r4 + 1}", 2023),
        R,
        r4 + 1,
        "Segmentcode",
        f"'iaj', jaar 2023 komt twee keer voor (ook in rij {r4})",
    ),
    "change out of range": (
        cells(V, C2=75, E2="alles anders"),
        V,
        2,
        COL_CHANGE,
        "buiten -50 % .. +50 %",
    ),
    "change as text": (
        cell(V, "C2", "veel minder"),
        V,
        2,
        COL_CHANGE,
        "tekst in plaats van een getal",
    ),
    "implausible from year": (cell(V, "D2", 1999), V, 2, "Vanaf jaar", "geen aannemelijk jaar"),
    "change without reason": (
        cell(V, "C2", -2),
        V,
        2,
        "Maatregel of reden",
        "heeft een maatregel of reden nodig",
    ),
    "capacity negative": (
        fill_capacity(amount=-1),
        W,
        2,
        COL_CAPACITY,
        "negatieve weerstandscapaciteit",
    ),
    "capacity as text": (
        fill_capacity(amount="ca. 3 mln"),
        W,
        2,
        COL_CAPACITY,
        "tekst in plaats van",
    ),
    "capacity absurd": (fill_capacity(amount=2e10), W, 2, COL_CAPACITY, "onwaarschijnlijk hoge"),
    "capacity formula uncalculated": (
        fill_capacity(amount="=A3*2"),
        W,
        2,
        COL_CAPACITY,
        "zonder berekende waarde",
    ),
    "capacity year missing": (
        fill_capacity(year=None),
        W,
        2,
        COL_CAPACITY_YEAR,
        "jaar van het cijfer ontbreekt",
    ),
    "capacity year implausible": (
        fill_capacity(year=25),
        W,
        2,
        COL_CAPACITY_YEAR,
        "geen aannemelijk jaar",
    ),
    "capacity source missing": (
        fill_capacity(source=" "),
        W,
        2,
        COL_SOURCE,
        "bron van het cijfer ontbreekt",
    ),
    "capacity year without amount": (fill_capacity(amount=None), W, 2, COL_CAPACITY, "geen bedrag"),
    "capacity in a second row": (
        cells(W, A3=1_000_000, C3="begroting 2026"),
        W,
        3,
        COL_CAPACITY,
        "alleen rij 2 wordt gelezen",
    ),
    "capacity header changed": (
        cell(W, "B1", "Jaar"),
        W,
        1,
        COL_CAPACITY_YEAR,
        "kopregel gewijzigd",
    ),
    "capacity sheet deleted": (remove(W), W, None, None, "blad 'Weerstandsvermogen' ontbreekt"),
    "extra row unknown segment": (
        cells(V, **{f"A{X}": "abc", f"C{X}": -1, f"D{X}": 2026, f"E{X}": "x"}),
        V,
        X,
        "Segmentcode",
        "onbekende segmentcode",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_workbook(case, template, region, tmp_path):
    change, sheet, row, column, phrase = BAD[case]
    path = edited(template, tmp_path, change)
    before = listing(tmp_path)
    problems = problems_of(path, region)
    assert listing(tmp_path) == before  # reading writes nothing
    hits = [
        p
        for p in problems
        if (p.sheet, p.row, p.column) == (sheet, row, column) and phrase in p.message
    ]
    assert hits, "\n".join(map(str, problems))
    assert all(p.file == str(path) for p in problems)
    # One change, one complaint (swapping two columns moves both)
    assert len(problems) == (2 if case == "columns moved" else 1), problems


def test_all_problems_of_a_workbook_come_at_once(template, region, tmp_path):
    def change(wb):
        cells(R, **{f"D{r4}": "ca. 500", f"G{r4 + 1}": "misschien"})(wb)
        cells(V, C3=-3)(wb)
        cell(M, "B2", "0.9")(wb)

    problems = problems_of(edited(template, tmp_path, change), region)
    places = [(p.sheet, p.row, p.column) for p in problems]
    assert places == [
        (M, 2, "value"),
        (R, r4, "Cliënten"),
        (R, r4 + 1, "Eigen cijfer (ja/nee)"),
        (V, 3, "Maatregel of reden"),
    ]
    text = str(InputError(problems))
    assert text.startswith("4 problemen in de invoer:") and "gevonden: 'ca. 500'" in text


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("GM0197.xlsx", b"", "leeg (0 bytes)"),
        ("GM0197.xlsx", b"Segmentcode;Jaar\niaj;2023\n", "niet te openen als Excel-werkmap"),
        ("GM0197.xlsx", b"PK\x03\x04 truncated zip", "beschadigd"),
        ("GM0197.csv", b"Segmentcode;Jaar\n", "geen Excel-werkmap (.xlsx)"),
        ("GM0197.xls", b"\xd0\xcf\x11\xe0", "bestand '.xls'"),
    ],
    ids=["empty", "text renamed", "truncated zip", "csv", "old xls"],
)
def test_unreadable_file_gives_one_clear_problem(name, content, phrase, region, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    problems = problems_of(path, region)
    assert len(problems) == 1 and phrase in problems[0].message
    assert problems[0].file == str(path) and problems[0].sheet is None
    assert listing(tmp_path) == [(name, len(content))]


def test_missing_file(region, tmp_path):
    (problem,) = problems_of(tmp_path / "GM0197.xlsx", region)
    assert problem.message == "bestand niet gevonden"


def test_wrong_municipality_by_file_name_or_argument(template, region, tmp_path):
    path = edited(template, tmp_path, lambda wb: None, name="GM0222_Doetinchem.xlsx")
    (problem,) = problems_of(path, region)
    assert (problem.sheet, problem.row, problem.column) == (M, 4, "value")
    assert "bestandsnaam noemt een andere gemeente" in problem.message
    assert problem.expected == "GM0197.xlsx"

    ok = edited(template, tmp_path, lambda wb: None, name="Aalten ingevuld.xlsx")
    assert read_submission(ok, region).gemeentecode == CODE
    (problem,) = problems_of(ok, region, gemeentecode="GM0222")
    assert "niet van de gevraagde gemeente" in problem.message
    assert (problem.found, problem.expected) == ("GM0222", CODE)
    assert read_submission(ok, region, gemeentecode=" gm0197 ").gemeentecode == CODE


def test_other_region_is_refused(template, tmp_path):
    problems = problems_of(template, load_region("alkmaar"))
    assert any(p.sheet == M and "andere regio" in p.message for p in problems)


# --- a folder of submissions ----------------------------------------------------------------


def test_absent_or_empty_folder_gives_empty_tables(region, tmp_path):
    for folder in (tmp_path / "absent", tmp_path):
        realised, expectations, files = load_submissions(region, folder)
        assert files == [] and realised.empty and expectations.empty
        assert list(realised.columns) == REALISED_COLUMNS
        assert list(expectations.columns) == EXPECTATION_COLUMNS
        assert realised["year"].dtype == np.int64 and realised["spend"].dtype == np.float64


def test_folder_with_two_municipalities_and_a_lock_file(template, region, baseline, tmp_path):
    edited(template, tmp_path, fill)
    other = write_template(region, "GM0222", tmp_path / "GM0222.xlsx", baseline)
    edited(other, tmp_path, cells(R, **{f"D{r4}": 1900, f"G{r4}": "ja"}), name="GM0222.xlsx")
    (tmp_path / "~$GM0197.xlsx").write_bytes(b"owner file of an open workbook")
    (tmp_path / "notities.txt").write_text("los bestand")
    realised, expectations, files = load_submissions(region, tmp_path)
    assert [f.name for f in files] == ["GM0197.xlsx", "GM0222.xlsx"]
    assert sorted(zip(realised["gemeentecode"], realised["segment"], realised["year"])) == [
        ("GM0197", "iaj", 2023),
        ("GM0197", "wmo_io", 2024),
        ("GM0222", "iaj", 2023),
    ]
    assert set(expectations["gemeentecode"]) == {CODE}


def test_two_workbooks_for_one_municipality_are_refused(template, tmp_path, region):
    shutil.copy(template, tmp_path / "GM0197.xlsx")
    shutil.copy(template, tmp_path / "GM0197_versie2.xlsx")
    with pytest.raises(InputError) as info:
        load_submissions(region, tmp_path)
    (problem,) = info.value.problems
    assert "tweede werkmap voor Aalten (GM0197)" in problem.message
    assert problem.file.endswith("GM0197_versie2.xlsx") and "GM0197.xlsx" in problem.message


def test_problems_of_all_files_are_reported_together(template, region, tmp_path):
    edited(template, tmp_path, cell(R, f"D{r4}", "ca. 500"))
    (tmp_path / "GM0222.xlsx").write_bytes(b"")
    (tmp_path / "GM1859.ods").write_bytes(b"PK")
    with pytest.raises(InputError) as info:
        load_submissions(region, tmp_path)
    files = sorted(Path(p.file).name for p in info.value.problems)
    assert files == ["GM0197.xlsx", "GM0222.xlsx", "GM1859.ods"]


def test_result_frames_feed_the_baseline(template, region, tmp_path):
    """The realised table is what build_baseline(submissions=...) takes."""
    edited(template, tmp_path, fill)
    realised, _, _ = load_submissions(region, tmp_path)
    frame = pd.DataFrame(
        {
            "gemeentecode": [CODE, CODE],
            "segment": ["iaj", "gwv"],
            "year": [2023, 2023],
            "spend": [2_000_000.0, 2.0],
            "spend_flag": ["observed", "observed"],
            "clients": [1.0, 2.0],
            "clients_flag": ["estimated", "estimated"],
            "method": ["Iv3", "Iv3"],
        }
    )
    out = apply_submissions(frame, realised)
    assert out["clients"].tolist() == [480.0, 2.0]
    assert out["spend_flag"].tolist() == ["submitted", "observed"]


def test_an_own_figure_a_thousand_times_too_big_is_refused_with_its_row(
    template, region, baseline, tmp_path
):
    """'Eigen cijfer = ja' with the spend in thousands where euros were asked is not silently
    a start budget of billions: the workbook, row and column are named."""
    from bekostiging.model.baseline import apply_submissions

    public = baseline[(baseline["gemeentecode"] == CODE) & (baseline["year"] == 2023)]
    iaj = float(public.loc[public["segment"] == "iaj", "spend"].iloc[0])

    def thousandfold(wb):
        r = row_of("iaj", 2023)
        wb["Realisatie"][f"E{r}"], wb["Realisatie"][f"G{r}"] = round(iaj) * 1000, "ja"

    path = edited(template, tmp_path, thousandfold)
    realised, _, _ = load_submissions(region, tmp_path)
    with pytest.raises(InputError) as info:
        apply_submissions(baseline, realised)
    (problem,) = info.value.problems
    assert problem.file == display_path(path) and problem.row == row_of("iaj", 2023)
    assert problem.column == "Uitgaven (€)"
    assert "1000 keer het publieke cijfer" in problem.message
    assert "in euro's in plaats van duizenden" in problem.message


def test_a_formula_without_a_saved_value_on_a_ja_row_is_named(template, region, tmp_path):
    """openpyxl (like any tool but Excel) saves a formula without its value: the row would keep
    the estimate while counting as the municipality's own figure."""

    def formula(wb):
        r = row_of("iaj", 2023)
        wb["Realisatie"][f"E{r}"], wb["Realisatie"][f"G{r}"] = "=1000*2300", "ja"

    path = edited(template, tmp_path, formula)
    problems = problems_of(path, region)
    r = row_of("iaj", 2023)
    (p,) = [p for p in problems if "zonder berekende waarde" in p.message]
    assert (p.row, p.column) == (r, "Uitgaven (€)") and f"E{r}" in p.message


def test_a_workbook_named_after_another_municipality_is_refused(template, region, tmp_path):
    """The hidden '_meta' says Aalten (GM0197), the file is called after Winterswijk."""
    path = edited(template, tmp_path, lambda wb: None, name="opgave_winterswijk.xlsx")
    (p,) = [p for p in problems_of(path, region) if "bestandsnaam noemt" in p.message]
    assert "Winterswijk" in p.message and "Aalten (GM0197)" in p.message
    assert read_submission(edited(template, tmp_path, lambda wb: None, "aalten.xlsx"), region)


def test_check_submission_refuses_what_the_baseline_would_refuse(
    template, baseline, tmp_path, capsys
):
    """check-submission runs the baseline's plausibility checks too: it used to say "in orde"
    for an own figure a thousand times the public one that ``reports`` then refused."""
    from bekostiging.cli import main

    public = baseline[(baseline["gemeentecode"] == CODE) & (baseline["year"] == 2023)]
    iaj = float(public.loc[public["segment"] == "iaj", "spend"].iloc[0])

    def thousandfold(wb):
        r = row_of("iaj", 2023)
        wb["Realisatie"][f"E{r}"], wb["Realisatie"][f"G{r}"] = round(iaj) * 1000, "ja"

    path = edited(template, tmp_path, thousandfold)
    assert main(["check-submission", "--region", "achterhoek", str(path)]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "1000 keer het publieke cijfer" in err
    (tmp_path / "schoon").mkdir()
    clean = edited(template, tmp_path / "schoon", lambda wb: None)
    assert main(["check-submission", "--region", "achterhoek", str(clean)]) == 0
    assert "in orde" in capsys.readouterr().out
