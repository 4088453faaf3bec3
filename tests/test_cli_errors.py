"""The command line's safety net: every exception becomes a clear message, never a traceback.

Bad input (something the user can fix) gives exit 2 and says which file and what is wrong; any
other exception is a bug: exit 1, one short Dutch line asking to report it and naming the log
file that holds the full traceback.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from bekostiging import cli
from bekostiging.cli import main
from bekostiging.core.errors import InputError, ParameterError, Problem

SRC = Path(cli.__file__).resolve().parents[1]


def _raising(monkeypatch, make_error):
    """Make ``regions`` raise what ``make_error()`` raises (or returns)."""

    def run(args):
        error = make_error()
        raise error

    cmd = cli._COMMANDS["regions"]
    monkeypatch.setitem(cli._COMMANDS, "regions", dataclasses.replace(cmd, run=run))


def _raised_by(fn):
    """Call ``fn`` and return the exception it raises (with its traceback)."""
    try:
        fn()
    except Exception as err:  # the test wants exactly this exception
        return err
    raise AssertionError("expected an exception")


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path / "tmp" / "bekostiging"


def _stderr_of(monkeypatch, capsys, make_error, code):
    _raising(monkeypatch, make_error)
    assert main(["regions"]) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


# --- bad input: exit 2 ------------------------------------------------------------------


def test_input_error_lists_file_row_and_column(monkeypatch, capsys):
    problem = Problem("data/raw/x.csv", "negatieve waarde", row=7, column="population", found=-3)
    err = _stderr_of(monkeypatch, capsys, lambda: InputError(problem), 2)
    assert err == (
        "Fout in de invoer.\n1 probleem in de invoer:\n"
        "  - data/raw/x.csv, rij 7, kolom 'population': negatieve waarde (gevonden: -3)\n"
    )


def test_parameter_error_is_bad_input(monkeypatch, capsys):
    problem = Problem("-p municipality", "onbekende gemeente", found="GM9999")
    err = _stderr_of(monkeypatch, capsys, lambda: ParameterError(problem), 2)
    assert "-p municipality: onbekende gemeente (gevonden: 'GM9999')" in err


def test_missing_input_file_names_the_path(monkeypatch, capsys, tmp_path):
    missing = tmp_path / "weg.csv"
    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(missing.read_text), 2)
    assert err == (
        f"Fout in de invoer.\n{missing}: bestand niet gevonden "
        "(verwacht: een bestaand bestand; controleer het pad)\n"
    )


def test_directory_instead_of_file_names_the_path(monkeypatch, capsys, tmp_path):
    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(tmp_path.read_text), 2)
    assert f"{tmp_path}: geen bestand (verwacht: een bestaand bestand" in err


def test_unreadable_file_names_the_path(monkeypatch, capsys, tmp_path):
    path = tmp_path / "geheim.yaml"
    denied = PermissionError(13, "Permission denied", str(path))
    err = _stderr_of(monkeypatch, capsys, lambda: denied, 2)
    assert err == (
        f"Fout in de invoer.\n{path}: geen toegang "
        "(verwacht: leesbaar als invoer, schrijfbaar als uitvoer; controleer de rechten)\n"
    )


def test_yaml_syntax_error_names_file_line_and_column(monkeypatch, capsys, tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")

    def load():
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)

    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(load), 2)
    assert f"{path}, regel 3, kolom 2: het YAML-bestand is niet te lezen" in err
    assert "verwacht: geldige YAML" in err


def test_csv_with_wrong_number_of_fields_names_the_file_and_line(monkeypatch, capsys, tmp_path):
    path = tmp_path / "ruw.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(lambda: pd.read_csv(path)), 2)
    assert f"{path}: het CSV-bestand is niet te lezen (" in err
    assert "regel 3 heeft 3 velden, de kopregel 2" in err and "Expected" not in err
    assert "een verdwaalde komma of aanhalingsteken?" in err


def test_empty_csv_names_the_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_text("", encoding="utf-8")
    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(lambda: pd.read_csv(path)), 2)
    assert err == (
        f"Fout in de invoer.\n{path}: het bestand is leeg (verwacht: een kopregel en gegevens)\n"
    )


def test_csv_not_in_utf8_names_the_file_and_byte(monkeypatch, capsys, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("naam,waarde\nSúdwest-Fryslân,1\n".encode("latin-1"))
    err = _stderr_of(monkeypatch, capsys, lambda: _raised_by(lambda: pd.read_csv(path)), 2)
    assert f"{path}: het bestand is geen tekst in UTF-8 (gevonden: byte 0xfa op positie" in err
    assert "in Excel: 'CSV UTF-8 (door komma's gescheiden)'" in err


def test_text_file_as_workbook_names_the_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "GM0197.xlsx"
    path.write_text("geen werkmap", encoding="utf-8")
    load = lambda: _raised_by(lambda: openpyxl.load_workbook(path))  # noqa: E731
    err = _stderr_of(monkeypatch, capsys, load, 2)
    assert f"{path}: geen geldig Excel-bestand (.xlsx)" in err


# --- a bug: exit 1, one line, the traceback in a log file ----------------------------------


def test_a_bug_is_one_dutch_line_and_the_traceback_goes_to_a_log(monkeypatch, capsys, log_dir):
    err = _stderr_of(monkeypatch, capsys, lambda: KeyError(("GM0197", 2021, "jeugd_0_17")), 1)
    lines = err.splitlines()
    assert len(lines) == 1
    (log,) = log_dir.glob("fout-*.log")
    assert lines[0] == (
        "Interne fout (KeyError: ('GM0197', 2021, 'jeugd_0_17')); meld dit bij de beheerders "
        f"van bekostiging en stuur {log} mee (de volledige foutmelding)."
    )
    text = log.read_text(encoding="utf-8")
    assert text.startswith("opdracht: python -m bekostiging regions\n")
    assert "Traceback (most recent call last)" in text and "in run" in text
    assert "KeyError: ('GM0197', 2021, 'jeugd_0_17')" in text


def test_a_bug_without_a_writable_log_dir_still_gives_one_line(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "bestand"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(blocker))  # a file: no directory below it
    err = _stderr_of(monkeypatch, capsys, lambda: ZeroDivisionError("division by zero"), 1)
    assert err == (
        "Interne fout (ZeroDivisionError: division by zero); meld dit bij de beheerders "
        "van bekostiging.\n"
    )


def test_a_long_bug_message_is_cut_short(monkeypatch, capsys, log_dir):
    err = _stderr_of(monkeypatch, capsys, lambda: RuntimeError("x" * 1000), 1)
    assert len(err.splitlines()) == 1 and "x" * 170 + "...)" in err and "x" * 300 not in err


def test_interrupt_is_a_short_message(monkeypatch, capsys):
    err = _stderr_of(monkeypatch, capsys, KeyboardInterrupt, 1)
    assert err == "Afgebroken.\n"


# --- the start budget: a contract that starts before the reference year ------------------


def test_startbudget_without_contract_start_before_the_reference_year(capsys, tmp_path):
    code = main(["startbudget", "--region", "achterhoek", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err == (
        "Fout in de invoer.\n1 probleem in de invoer:\n"
        "  - data/assumptions/regions/achterhoek.yaml, kolom 'segments.dyslexie.contract_start':"
        " het contract begint in 2021, vóór het peiljaar 2024; het startbudget rekent alleen "
        "contractjaren vanaf het peiljaar (gevonden: '2021-08-01'; verwacht: een ingangsdatum in "
        "of na het peiljaar, bijv. --contract-start 2025-01-01)\n"
    )
    assert list(tmp_path.rglob("*")) == []  # nothing written


def test_startbudget_with_a_given_contract_start_before_the_reference_year(capsys, tmp_path):
    args = ["startbudget", "--region", "achterhoek", "--out", str(tmp_path)]
    code = main([*args, "--contract-start", "2023-01-01"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "  - --contract-start: het contract begint in 2023, vóór het peiljaar 2024;" in err
    assert "(gevonden: '2023-01-01'; verwacht: een ingangsdatum in of na het peiljaar" in err


def test_startbudget_after_the_reference_year_still_works(capsys, tmp_path):
    args = ["startbudget", "--region", "achterhoek", "--out", str(tmp_path)]
    assert main([*args, "--contract-start", "2025-01-01", "--years", "2"]) == 0
    out = capsys.readouterr().out
    assert "Startbudget Achterhoek, peiljaar 2024" in out and "  2025: " in out
    assert (tmp_path / "startbudget" / "startbudget_achterhoek_2024.xlsx").is_file()


# --- end to end: no traceback from the real entry point -----------------------------------


def test_the_real_command_line_gives_no_traceback_for_a_broken_workbook(tmp_path):
    path = tmp_path / "GM0197.xlsx"
    path.write_bytes(b"PK\x03\x04 kapot")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    run = subprocess.run(
        [sys.executable, "-m", "bekostiging", "check-submission", "--region", "achterhoek",
         str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("Fout in de invoer.\n") and str(path.name) in run.stderr


def test_startbudget_verifies_the_raw_checksums_first(monkeypatch, capsys, tmp_path):
    from bekostiging.data import rawdata

    real = rawdata.read_checksums

    def edited(raw_dir):
        return {**real(raw_dir), "regions.csv": "0" * 64}

    monkeypatch.setattr(rawdata, "read_checksums", edited)
    args = ["startbudget", "--region", "achterhoek", "--contract-start", "2025-01-01"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        "  - data/raw/regions.csv: ruw gegevensbestand wijkt af van het vastgelegde controlegetal"
        in err
    )
    assert "verwacht: 0000000000000000...)" in err
    assert list(tmp_path.rglob("*")) == []


def test_a_failure_while_naming_the_input_is_still_one_line(monkeypatch, capsys, log_dir):
    def broken(err):
        raise RuntimeError("kapot")

    monkeypatch.setattr(cli, "input_error_message", broken)
    err = _stderr_of(monkeypatch, capsys, lambda: FileNotFoundError(2, "weg", "x.csv"), 1)
    assert err.startswith("Interne fout (FileNotFoundError: [Errno 2] weg: 'x.csv'); meld dit")
    assert len(err.splitlines()) == 1
