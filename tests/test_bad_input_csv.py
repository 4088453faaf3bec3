"""Bad CSV input and raw tables (issue 13): every case a clear message naming file and row.

Cases: a Dutch Excel export (``;`` and decimal commas) of a raw table is named, of an
assumption table read as the clean one; a changed raw file says what changed and how to
restore it, for every command that computes figures; an unreadable file; a code in a raw
table that is no CBS code of its year; a region municipality without a population year.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bekostiging.cli import main
from bekostiging.config.conversion import read_conversion
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import RAW_DIR
from bekostiging.core.tables import Column, TableSpec, read_table
from bekostiging.data import rawdata
from bekostiging.data.quality import (
    BLOCKING,
    WARNING,
    check_before_run,
    missing_population_findings,
    raw_code_findings,
)

POPULATION_FILE = "data/raw/cbs_population_total_municipalities_2019_2026.csv"
IV3_FILE = "data/raw/iv3_social_domain_spending_municipalities_2017_2026.csv.gz"


def _dutch_export(text: str, numeric: set[str]) -> str:
    """``text`` as Dutch Excel saves it: ``;`` between fields, decimal commas in ``numeric``."""
    rows = list(csv.reader(io.StringIO(text)))
    index = [i for i, name in enumerate(rows[0]) if name in numeric]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([v.replace(".", ",") if i in index else v for i, v in enumerate(row)])
    return out.getvalue()


def _only(err: pytest.ExceptionInfo) -> str:
    problems = err.value.problems
    assert len(problems) == 1, str(err.value)
    return str(problems[0])


@pytest.fixture(scope="module")
def achterhoek():
    return load_region("achterhoek")


# --- 1. Dutch Excel export -----------------------------------------------------------------


def test_dutch_raw_population_csv_is_named_not_a_stray_comma(tmp_path: Path):
    text = (RAW_DIR / "cbs_population_total_municipalities_2019_2026.csv").read_text("utf-8")
    path = tmp_path / "cbs_population_total_municipalities_2019_2026.csv"
    path.write_text(_dutch_export(text, {"population_avg"}), encoding="utf-8")
    with pytest.raises(InputError) as err:
        rawdata.load_population(path)
    message = _only(err)
    assert message.startswith(f"{path}, rij 1: scheidingsteken is ';' (Nederlandse Excel-export)")
    assert "verwacht een komma" in message
    assert "gevonden: 'gemeentecode;gemeente;year;population_jan1;population_avg'" in message
    assert "losse komma" not in str(err.value)


def test_dutch_conversion_csv_is_read_like_the_clean_one(tmp_path: Path, achterhoek):
    clean = read_conversion(achterhoek)
    text = achterhoek.conversion_file.read_text("utf-8")
    path = tmp_path / "achterhoek.csv"
    dutch = _dutch_export(text, {"share"})
    assert "0,82" in dutch and ";" in dutch.splitlines()[0]  # the export is really Dutch
    path.write_text(dutch, encoding="utf-8")
    pd.testing.assert_frame_equal(read_conversion(achterhoek, path), clean)


def test_dutch_csv_decimal_commas_and_thousands_dots_are_read(tmp_path: Path):
    spec = TableSpec("demo", [Column("name", "str"), Column("amount", "float")])
    path = tmp_path / "demo.csv"
    path.write_text('name;amount\n"Bergen (NH.), kern";1.234,5\nAalten;0,82\n', "utf-8")
    table = read_table(path, spec)
    assert table["name"].tolist() == ["Bergen (NH.), kern", "Aalten"]
    assert table["amount"].tolist() == [1234.5, 0.82]


def test_dutch_csv_with_an_ambiguous_thousands_dot_is_named(tmp_path: Path):
    spec = TableSpec("demo", [Column("name", "str"), Column("amount", "float")])
    path = tmp_path / "demo.csv"
    path.write_text("name;amount\nAalten;0,5\nBerkelland;1.000\n", "utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, spec)
    assert _only(err) == (
        f"{path}, rij 3, kolom 'amount': scheidingsteken is ';' (Nederlandse Excel-export): "
        "is de punt hier een duizendtal of een decimaal? (gevonden: '1.000'; verwacht: een getal "
        "zonder duizendtallen, met een decimale komma (1000 of 0,5))"
    )


def test_dutch_csv_with_a_text_amount_names_row_and_column(tmp_path: Path):
    spec = TableSpec("demo", [Column("name", "str"), Column("amount", "float")])
    path = tmp_path / "demo.csv"
    path.write_text("name;amount\nAalten;8000 EUR\n", "utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, spec)
    assert _only(err) == (
        f"{path}, rij 2, kolom 'amount': geen getal (gevonden: '8000 EUR'; verwacht: een getal)"
    )


def test_dutch_csv_with_a_stray_semicolon_names_the_line(tmp_path: Path):
    spec = TableSpec("demo", [Column("name", "str"), Column("amount", "float")])
    path = tmp_path / "demo.csv"
    path.write_text("name;amount\nAalten;1;2\n", "utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, spec)
    assert _only(err) == (
        f"{path}, rij 2: verkeerd aantal velden op deze regel (een losse puntkomma of een aanhalingsteken?) "
        "(gevonden: 3; verwacht: 2 velden, zoals de kopregel)"
    )


# --- 2. and 3. A changed raw file: what changed, for every command -------------------------


def _raw_copy(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    return raw


def test_changed_raw_file_names_line_column_and_restore(tmp_path: Path, monkeypatch):
    raw = _raw_copy(tmp_path)
    original = (raw / "regions.csv").read_bytes()
    (raw / "regions.csv").write_bytes(original.replace(b"GM0197", b"GM0917"))
    # the tmp copy has no git history: stand in the committed version
    monkeypatch.setattr(rawdata, "_committed", lambda path: original)
    with pytest.raises(InputError) as err:
        rawdata.verify_checksums(raw)
    message = _only(err)
    assert message.startswith(
        f"{raw / 'regions.csv'}: ruw gegevensbestand wijkt af van het vastgelegde controlegetal "
        "(data/raw mag niet veranderen): eerste verschil op regel 2 "
        "(kolom gemeentecode: GM0917 in plaats van GM0197); "
        f"herstel het met 'git checkout -- {raw / 'regions.csv'}'"
    )


def test_changed_raw_file_that_lost_rows_says_how_many(tmp_path: Path, monkeypatch):
    raw = _raw_copy(tmp_path)
    original = (raw / "regions.csv").read_bytes()
    lines = original.decode().splitlines(keepends=True)
    (raw / "regions.csv").write_text("".join(lines[:-2]), "utf-8")
    monkeypatch.setattr(rawdata, "_committed", lambda path: original)
    with pytest.raises(InputError) as err:
        rawdata.verify_checksums(raw)
    assert (
        f"{len(lines) - 2} regels in plaats van {len(lines)}; regels vanaf regel "
        f"{len(lines) - 1} verwijderd" in _only(err)
    )


def test_changed_raw_file_without_git_gives_header_and_restore(tmp_path: Path):
    raw = _raw_copy(tmp_path)
    (raw / "regions.csv").write_text("region;gemeentecode;gemeente\n", "utf-8")
    with pytest.raises(InputError) as err:
        rawdata.verify_checksums(raw)
    assert (
        "(data/raw mag niet veranderen): 1 regels, kopregel 'region;gemeentecode;gemeente'; "
        f"herstel het met 'git checkout -- {raw / 'regions.csv'}'" in _only(err)
    )


def test_changed_raw_table_also_gets_its_schema_problems(tmp_path: Path):
    raw = _raw_copy(tmp_path)
    path = raw / rawdata.FILES["population"]
    path.write_text(
        "gemeentecode,gemeente,year,population_jan1,population_avg\nGM0197,Aalten,2019,-1,1\n",
        "utf-8",
    )
    with pytest.raises(InputError) as err:
        rawdata.verify_raw_data(raw)
    assert [str(p) for p in err.value.problems] == [
        f"{path}: ruw gegevensbestand wijkt af van het vastgelegde controlegetal (data/raw mag niet veranderen): "
        "2 regels, kopregel 'gemeentecode,gemeente,year,population_jan1,population_avg'; "
        f"herstel het met 'git checkout -- {path}' (gevonden: "
        f"{rawdata.sha256(path)[:16] + '...'!r}; verwacht: "
        f"{rawdata.read_checksums()[path.name][:16]}...)",
        f"{path}, rij 2, kolom 'population_jan1': kleiner dan het minimum (gevonden: -1; "
        "verwacht: een geheel getal >= 0)",
    ]


def test_committed_version_comes_from_git():
    committed = rawdata._committed(RAW_DIR / "regions.csv")
    if committed is None:
        pytest.skip("no git checkout")
    assert committed == (RAW_DIR / "regions.csv").read_bytes()


@pytest.mark.parametrize("command", ["baseline", "startbudget", "reports"])
def test_every_computing_command_verifies_checksums(command, tmp_path, monkeypatch, capsys):
    raw = _raw_copy(tmp_path)
    (raw / "regions.csv").write_text("region,gemeentecode,gemeente\n", "utf-8")
    verify = rawdata.verify_checksums
    monkeypatch.setattr(rawdata, "verify_checksums", lambda raw_dir=raw: verify(raw))
    code = main([command, "--region", "achterhoek", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (
        f"{raw / 'regions.csv'}: ruw gegevensbestand wijkt af van het vastgelegde controlegetal"
        in err
    )
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # stopped before writing anything


# --- 4. An unreadable file -----------------------------------------------------------------


def test_unreadable_csv_is_named(tmp_path: Path, monkeypatch):
    path = tmp_path / "pop.csv"
    shutil.copy(RAW_DIR / "cbs_population_total_municipalities_2019_2026.csv", path)
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "pop.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputError) as err:
        rawdata.load_population(path)
    assert _only(err) == (
        f"{path}: bestand niet leesbaar (geen leesrechten; vraag de beheerder of kopieer "
        "het bestand) (verwacht: een leesbaar bestand)"
    )


def test_unreadable_raw_file_in_the_checksum_is_named(tmp_path: Path, monkeypatch):
    raw = _raw_copy(tmp_path)
    real = open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "regions.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rawdata, "open", refuse, raising=False)
    with pytest.raises(InputError) as err:
        rawdata.verify_checksums(raw)
    assert _only(err).startswith(f"{raw / 'regions.csv'}: bestand niet leesbaar (geen leesrechten")


def test_check_data_on_an_unreadable_raw_file_exits_2(monkeypatch, capsys):
    real = open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "regions.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rawdata, "open", refuse, raising=False)
    assert main(["check-data", "--region", "achterhoek"]) == 2
    err = capsys.readouterr().err
    assert "data/raw/regions.csv: bestand niet leesbaar (geen leesrechten" in err
    assert "Traceback" not in err


# --- 5. Codes in raw tables and missing population years -----------------------------------


@pytest.fixture(scope="module")
def tables():
    return rawdata.load_population(), rawdata.load_iv3()


def _rows(frame: pd.DataFrame, code: str, year: int) -> pd.Index:
    return frame.index[(frame["gemeentecode"] == code) & (frame["year"] == year)]


def test_clean_raw_tables_have_no_code_findings(achterhoek, tables):
    population, iv3 = tables
    assert raw_code_findings(achterhoek, population, iv3) == []
    assert missing_population_findings(achterhoek, population) == []


def test_unknown_code_in_iv3_is_a_warning_naming_file_and_row(achterhoek, tables):
    population, iv3 = tables
    iv3 = iv3.copy()
    rows = _rows(iv3, "GM0363", 2021)  # Amsterdam, not in the region
    iv3.loc[rows, "gemeentecode"] = "GM9999"
    [found] = raw_code_findings(achterhoek, population, iv3)
    assert found.severity == WARNING
    assert str(found.as_problem()) == (
        f"{IV3_FILE}, rij {rows[0] + 2}: Amsterdam (GM9999), 2021: kolom gemeentecode: GM9999 "
        "is geen CBS-code van Amsterdam in 2021; de code komt daar niet voor (vergeleken met "
        f"de CBS-bevolking van 2021; {len(rows)} regels); deze regels tellen anders verkeerd "
        f"of niet mee; herstel het bestand met 'git checkout -- {IV3_FILE}'"
    )


def test_mistyped_code_of_a_region_municipality_in_iv3_is_blocking(achterhoek, tables):
    population, iv3 = tables
    iv3 = iv3.copy()
    row = _rows(iv3, "GM0197", 2022)[0]
    iv3.loc[row, "gemeentecode"] = "GM0917"  # Heerlen's code: a typo that hits a real code
    with pytest.raises(InputError) as err:
        check_before_run(achterhoek, iv3=iv3, population=population)
    message = _only(err)
    assert message.startswith(
        f"{IV3_FILE}, rij {row + 2}: Aalten (GM0917), 2022: kolom gemeentecode: GM0917 is geen "
        "CBS-code van Aalten in 2022; de code hoort daar bij een andere gemeente "
        "(vergeleken met de CBS-bevolking van 2022; 1 regel); Aalten heeft code GM0197;"
    )


def test_unknown_code_in_population_is_named(achterhoek, tables):
    population, iv3 = tables
    population = population.copy()
    row = _rows(population, "GM0363", 2021)[0]
    population.loc[row, "gemeentecode"] = "GM9998"
    [found] = raw_code_findings(achterhoek, population, iv3)
    assert (found.severity, found.file, found.line) == (WARNING, POPULATION_FILE, row + 2)
    assert "GM9998 is geen CBS-code van Amsterdam in 2021; de code komt daar niet voor" in (
        found.found
    )


def test_deleted_population_row_of_aalten_2024_is_blocking(achterhoek, tables):
    population, iv3 = tables
    population = population.drop(_rows(population, "GM0197", 2024))
    with pytest.raises(InputError) as err:
        check_before_run(achterhoek, iv3=iv3, population=population)
    assert _only(err) == (
        f"{POPULATION_FILE}: Aalten (GM0197), 2024: geen bevolking op 1 januari 2024 in "
        f"{POPULATION_FILE}; het bestand is onvolledig of bewerkt; herstel het met "
        f"'git checkout -- {POPULATION_FILE}'"
    )


def test_mistyped_population_code_of_aalten_names_both_rows(achterhoek, tables):
    population, iv3 = tables
    population = population.copy()
    row = _rows(population, "GM0197", 2024)[0]
    population.loc[row, "gemeentecode"] = "GM0198"  # no such code
    findings = raw_code_findings(achterhoek, population, iv3) + missing_population_findings(
        achterhoek, population
    )
    assert [(f.severity, f.check, f.code, f.year, f.line) for f in findings] == [
        (BLOCKING, "raw_code", "GM0198", 2024, row + 2),
        (BLOCKING, "missing_population", "GM0197", 2024, None),
    ]
