"""Every input-error message speaks Dutch (issue 13, item 7).

The command line prints "Fout in de invoer." and then the problems; a policy advisor must be
able to read all of it. This collects the messages of a representative set of bad inputs (the
corpus of ``test_bad_inputs``, workbooks, scenarios, region files, notebook parameters and the
batch file) and checks that none holds a word of the old English frame and that each names
its file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from test_bad_inputs import CASES

from bekostiging.config.notebook_parameters import (
    MUNICIPALITY_PARAMETERS,
    REGION_PARAMETERS,
    check_notebook_parameters,
)
from bekostiging.config.parameters import load_parameters
from bekostiging.config.region import load_region
from bekostiging.config.settings import check_settings, read_batch_config
from bekostiging.config.validation import StrictModel, validate
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.core.yamlio import load_yaml
from bekostiging.data.submission import read_submission, write_template
from bekostiging.model.baseline import build_baseline

ENGLISH = (
    "row",
    "column",
    "sheet",
    "expected",
    "found",
    "problems?",
    "missing",
    "must be",
    "unknown",
    "did you mean",
    "one of",
    "and",
    "more",
)
"""Words of the old English frame and message table (whole words, any case)."""
_ENGLISH = [(w, re.compile(rf"\b{w}\b", re.IGNORECASE)) for w in ENGLISH]

REGION_YAML = ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml"
CODE = "GM0197"


def _copy_with(tmp: Path, old: str, new: str) -> Path:
    """A copy of the assumptions folder whose Achterhoek region file has ``old`` -> ``new``."""
    target = tmp / "assumptions"
    if not target.exists():
        shutil.copytree(ASSUMPTIONS_DIR, target)
    f = target / "regions" / "achterhoek.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return f


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _scenario(tmp: Path, text: str):
    return load_region("achterhoek").with_parameters(_write(tmp / "scenario.yaml", text))


def _entry_model():
    import datetime as dt

    class Entry(StrictModel):
        share: float = 0.0
        when: dt.time | None = None

    return Entry


# (name, make): ``make(tmp_path)`` must raise an InputError.
OTHER: list[tuple[str, Callable[[Path], object]]] = [
    (
        "region file: unknown key",
        lambda t: load_region(_copy_with(t, "  terms_years: [3, 2, 2]", "  term_years: [3, 2, 2]")),
    ),
    (
        "region file: invalid date",
        lambda t: load_yaml(_write(t / "x.yaml", "contract:\n  start: 2022-13-01\n")),
    ),
    (
        "region file: text where a whole number belongs",
        lambda t: load_region(_copy_with(t, "  terms_years: [3, 2, 2]", "  terms_years: [3, x]")),
    ),
    (
        "yaml: a key type pydantic has no message of ours for",
        lambda t: validate(_entry_model(), {"share": 0.1, "when": "noon"}, "x.yaml", {}),
    ),
    ("scenario: negative prevalence", lambda t: _scenario(t, "prevalence.iaj: -0.05\n")),
    ("scenario: text for a number", lambda t: _scenario(t, "prevalence.iaj: '0,11'\n")),
    (
        "scenario: segment typo in a keyed value",
        lambda t: _scenario(t, "prevalence.iaj:\n  value: {dyslexi: 0.1, default: 0.1}\n"),
    ),
    (
        "parameters: typo in a name",
        lambda t: load_parameters(
            load_region("achterhoek").parameter_files,
            scenario=_write(t / "s.yaml", "prevalance.iaj: 0.12\n"),
        ),
    ),
    (
        "notebook: typo in a parameter name",
        lambda t: check_notebook_parameters(
            {"region": "achterhoek", "municipalty": "GM0222"}, MUNICIPALITY_PARAMETERS
        ),
    ),
    (
        "notebook: wrong type and unknown municipality",
        lambda t: check_notebook_parameters(
            {"region": "achterhoek", "municipality": 222, "draws": "veel"}, MUNICIPALITY_PARAMETERS
        ),
    ),
    (
        "notebook: regional overview given a municipality",
        lambda t: check_notebook_parameters(
            {"region": "achterhoek", "municipality": "GM0197"}, REGION_PARAMETERS
        ),
    ),
    ("notebook: unknown region", lambda t: check_settings(region="achterhoeck")),
    ("notebook: contract start no date", lambda t: check_settings(contract_start="1 juli 2027")),
    (
        "batch file: typo in an override",
        lambda t: read_batch_config(
            _write(
                t / "batch.yaml", "defaults:\n  draws: 500\noverrides:\n  GM0222:\n    seeed: 1\n"
            )
        ),
    ),
]


def _rendered(err: InputError) -> str:
    """The error as the command line prints it, with the file names left out.

    File names are paths the user chose (and here pytest's temporary folders, named after the
    test); they may hold any word.
    """
    text = str(err)
    for p in err.problems:
        text = text.replace(str(p.file), "<bestand>")
    return text


def _english_in(text: str) -> list[str]:
    return [w for w, rx in _ENGLISH if rx.search(text)]


def _check(err: InputError) -> None:
    text = _rendered(err)
    assert not _english_in(text), f"English in the message ({_english_in(text)}):\n{text}"
    assert re.match(r"\d+ (probleem|problemen) in de invoer:", text), text
    for p in err.problems:
        assert p.file, f"a problem without a file: {p}"
        assert str(err).count(str(p.file)) >= 1, f"the message does not name {p.file}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_messages_are_dutch_and_name_the_file(case, tmp_path):
    with pytest.raises(InputError) as err:
        case.make_and_load(tmp_path)
    _check(err.value)


@pytest.mark.parametrize(("name", "make"), OTHER, ids=[n for n, _ in OTHER])
def test_config_scenario_and_notebook_messages_are_dutch(name, make, tmp_path):
    with pytest.raises(InputError) as err:
        make(tmp_path)
    _check(err.value)


# --- workbooks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def region():
    return load_region("achterhoek")


@pytest.fixture(scope="module")
def template(region, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tpl")
    return write_template(region, CODE, folder / f"{CODE}.xlsx", build_baseline(region))


def _cell(sheet: str, ref: str, value) -> Callable:
    def change(wb):
        wb[sheet][ref] = value

    return change


def _remove(name: str) -> Callable:
    def change(wb):
        del wb[name]

    return change


WORKBOOKS = {
    "sheet deleted": _remove("Verwachting"),
    "header changed": _cell("Realisatie", "C1", "Year"),
    "text for a number": _cell("Realisatie", "D4", "ca. 500"),
    "eigen cijfer not ja/nee": _cell("Realisatie", "G4", "misschien"),
    "template version": _cell("_meta", "B2", "99"),
    "change out of range": _cell("Verwachting", "C2", 75),
}


@pytest.mark.parametrize("name", list(WORKBOOKS), ids=list(WORKBOOKS))
def test_workbook_messages_are_dutch(name, template, region, tmp_path):
    wb = openpyxl.load_workbook(template)
    WORKBOOKS[name](wb)
    path = tmp_path / f"{CODE}.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_submission(path, region)
    _check(err.value)


def test_the_check_finds_the_old_english_frame():
    """The check itself can fail: the old frame and table words are caught."""
    old = (
        "1 problem in the input:\n  - x.csv, row 7, column 'population': negative value "
        "(found: -3; expected: >= 0)"
    )
    assert {"row", "column", "found", "expected", "problems?"} <= set(_english_in(old))
    assert _english_in("x.yaml: unknown key 'shaer' (did you mean 'share'?)")
    assert not _english_in("x.yaml, rij 2, kolom 'shaer': onbekende sleutel 'shaer'")


def test_enough_cases_across_the_input_kinds():
    assert len(CASES) + len(OTHER) + len(WORKBOOKS) >= 15
