"""A corpus of bad inputs: each gives one clear error naming file, row and column.

Every case starts from a real shipped file, breaks one thing, and checks the message, the row
and the column. None may end in a bare traceback, and none may leave an output file behind.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bekostiging.config.parameters import load_parameters, read_parameter_file
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.core.paths import ASSUMPTIONS_DIR, PROJECT_ROOT, RAW_DIR
from bekostiging.data import rawdata
from bekostiging.data.quality import check_against_data
from bekostiging.model.conversion import load_conversion

POP = RAW_DIR / rawdata.FILES["population"]
IV3 = RAW_DIR / rawdata.FILES["iv3"]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pop_with(tmp: Path, edit: Callable[[list[str]], list[str]]) -> Path:
    return _write(tmp / "population.csv", edit(_lines(POP)[:40]))


def _replace_line(lines: list[str], index: int, old: str, new: str) -> list[str]:
    lines = list(lines)
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    return lines


def _line(path: Path, text: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``text`` in a shipped file."""
    hits = [
        i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line
    ]
    return hits[nth - 1]


REGION_YAML = ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml"
PARAMS_YAML = ASSUMPTIONS_DIR / "parameters" / "achterhoek.yaml"


def _assumptions_copy(tmp: Path) -> Path:
    target = tmp / "assumptions"
    shutil.copytree(ASSUMPTIONS_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _iv3_small(tmp: Path, edit: Callable[[list[str]], list[str]]) -> Path:
    lines = gzip.decompress(IV3.read_bytes()).decode("utf-8").splitlines()
    path = tmp / "iv3.csv"
    return _write(path, edit(lines[:200]))


@dataclass
class Case:
    name: str
    make_and_load: Callable[[Path], object]
    message: str
    row: int | None = None
    column: str | None = None


CASES = [
    Case(
        "malformed csv: stray comma",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 4, ",Delfzijl,", ",Delf,zijl,"))
        ),
        "verkeerd aantal velden",
        row=5,
    ),
    Case(
        "kolom ontbreekt",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: [",".join(line.split(",")[:4]) for line in ls])
        ),
        "kolom ontbreekt",
        row=1,
        column="population_avg",
    ),
    Case(
        "wrong type: text in a number column",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 2, ",11642,", ",veel,"))
        ),
        "geen getal",
        row=3,
        column="population_jan1",
    ),
    Case(
        "fraction in a whole-number column",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 2, ",11642,", ",11642.5,"))
        ),
        "geen geheel getal",
        row=3,
        column="population_jan1",
    ),
    Case(
        "negative amount",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 3, ",24716,", ",-24716,"))
        ),
        "kleiner dan het minimum",
        row=4,
        column="population_jan1",
    ),
    Case(
        "dubbele sleutel",
        lambda t: rawdata.load_population(_pop_with(t, lambda ls: ls + [ls[1]])),
        "dubbele sleutel",
        row=2,
        column="gemeentecode, year",
    ),
    Case(
        "year out of range",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 1, ",2019,", ",1890,"))
        ),
        "kleiner dan het minimum",
        row=2,
        column="year",
    ),
    Case(
        "malformed municipality code",
        lambda t: rawdata.load_population(
            _pop_with(t, lambda ls: _replace_line(ls, 1, "GM0003", "0003"))
        ),
        "heeft niet de verwachte vorm",
        row=2,
        column="gemeentecode",
    ),
    Case(
        "empty file",
        lambda t: rawdata.load_population(_write(t / "empty.csv", [""])),
        "het bestand is leeg",
    ),
    Case(
        "header only",
        lambda t: rawdata.load_population(_write(t / "header.csv", _lines(POP)[:1])),
        "geen rijen met gegevens",
        row=2,
    ),
    Case(
        "wrong encoding (Windows-1252)",
        lambda t: rawdata.load_population(
            (
                lambda p: (
                    p.write_bytes(
                        "gemeentecode,gemeente,year,population_jan1,population_avg\n"
                        "GM0003,Appingedam,2019,1,1\nGM0010,Gemeente Fryslân,2019,2,2\n".encode(
                            "cp1252"
                        )
                    ),
                    p,
                )[1]
            )(t / "cp1252.csv")
        ),
        "geen UTF-8-tekst",
        row=3,
    ),
    Case(
        "corrupt gzip archive",
        lambda t: rawdata.load_iv3(
            (lambda p: (p.write_bytes(b"this is not gzip"), p)[1])(t / "iv3.csv.gz")
        ),
        "geen geldig gzip-archief",
    ),
    Case(
        "taakveld that does not exist in that year",
        lambda t: rawdata.load_iv3(
            _iv3_small(
                t, lambda ls: _replace_line(ls, 8, ",2017,begroting,6.72,", ",2017,begroting,6.73,")
            )
        ),
        "bestaat niet in de Iv3-indeling van dat jaar",
        row=9,
        column="taakveld",
    ),
    Case(
        "unknown municipality code in a region file",
        lambda t: check_against_data(
            load_region(
                _edit(
                    _assumptions_copy(t) / "regions" / "achterhoek.yaml",
                    "{code: GM0294, name: Winterswijk}",
                    "{code: GM9294, name: Winterswijk}",
                )
            )
        ),
        "komt niet voor in de CBS-bevolking of de Iv3-gegevens",
        row=_line(REGION_YAML, "{code: GM0294"),
        column="code",
    ),
    Case(
        "unknown funding variant in a region file",
        lambda t: load_region(
            _edit(
                _assumptions_copy(t) / "regions" / "achterhoek.yaml",
                "funding: {variant: pq}",
                "funding: {variant: p*q}",
            )
        ),
        "heeft een bekostigingsvariant nodig",
        row=_line(REGION_YAML, "funding: {variant: pq}"),
        column="segments.8.funding",
    ),
    Case(
        "fout in de YAML-opmaak in a region file",
        lambda t: load_region(
            _edit(
                _assumptions_copy(t) / "regions" / "achterhoek.yaml",
                "  terms_years: [3, 2, 2]",
                "  terms_years: [3, 2, 2",
            )
        ),
        "fout in de YAML-opmaak",
        row=_line(REGION_YAML, "terms_years:") + 1,  # where the parser notices
    ),  # where the parser notices the unclosed list
    Case(
        "conversion shares that do not add up to 1",
        lambda t: load_conversion(
            load_region("achterhoek"),
            _edit(
                _assumptions_copy(t) / "conversion" / "achterhoek.csv",
                "2017-2024,6.73,hcv,0.15",
                "2017-2024,6.73,hcv,0.25",
            ),
        ),
        "tellen op tot 1.1000",
        row=6,
        column="share",
    ),
    Case(
        "conversion to an unknown segment",
        lambda t: load_conversion(
            load_region("achterhoek"),
            _edit(
                _assumptions_copy(t) / "conversion" / "achterhoek.csv",
                "2017-2024,6.73,hcv,0.15",
                "2017-2024,6.73,hvc,0.15",
            ),
        ),
        "onbekend segment",
        row=7,
        column="segment",
    ),
    Case(
        "assumption without a unit",
        lambda t: read_parameter_file(
            _edit(
                _assumptions_copy(t) / "parameters" / "achterhoek.yaml",
                "    unit: clients per inhabitant aged 7-12 per year\n",
                "",
            )
        ),
        "heeft geen 'unit'",
        row=_line(PARAMS_YAML, "  dyslexie:"),
        column="unit",
    ),
    Case(
        "typo in a scenario parameter",
        lambda t: load_parameters(
            load_region("achterhoek").parameter_files,
            scenario=_write(t / "scenario.yaml", ["prevalance.iaj: 0.12"]),
        ),
        "bedoelt u: prevalence.iaj",
    ),
    Case(
        "raw file changed after it was pinned",
        lambda t: rawdata.verify_checksums(
            (
                lambda d: (
                    shutil.copytree(RAW_DIR, d),
                    (d / "regions.csv").write_text("region,gemeentecode,gemeente\n"),
                    d,
                )[2]
            )(t / "raw")
        ),
        "wijkt af van het vastgelegde controlegetal",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gives_one_clear_error(case: Case, tmp_path: Path):
    with pytest.raises(InputError) as err:
        case.make_and_load(tmp_path)
    problems = err.value.problems
    assert any(case.message in p.message or case.message in str(p) for p in problems), str(
        err.value
    )
    hit = next(p for p in problems if case.message in p.message or case.message in str(p))
    assert hit.file, "every problem names its file"
    if case.row is not None:
        assert hit.row == case.row, str(hit)
    if case.column is not None:
        assert hit.column == case.column, str(hit)
    # The message a user sees repeats the location.
    assert hit.location() in str(err.value)


def test_corpus_is_large_enough():
    assert len(CASES) >= 15


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    def edit(ls):
        ls = _replace_line(ls, 2, ",11642,", ",veel,")
        return _replace_line(ls, 4, ",24678,", ",ook veel,")

    with pytest.raises(InputError) as err:
        rawdata.load_population(_pop_with(tmp_path, edit))
    assert [p.row for p in err.value.problems] == [3, 5]


def test_a_broken_input_leaves_no_output_file(tmp_path):
    """Run the command line on a copy of the project whose Iv3 file is corrupt."""
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "data", root / "data", ignore=shutil.ignore_patterns("submissions")
    )
    (root / "data" / "raw" / rawdata.FILES["population"]).write_text(
        "gemeentecode,gemeente,year,population_jan1,population_avg\nGM0197,Aalten,2019,-1,1\n"
    )
    out = tmp_path / "out"
    env = dict(os.environ, BEKOSTIGING_ROOT=str(root))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bekostiging",
            "baseline",
            "--region",
            "achterhoek",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "rij 2, kolom 'population_jan1': kleiner dan het minimum" in proc.stderr
    assert not out.exists() or not any(out.rglob("*"))
