"""Bad YAML, parameter and scenario input (issue 13): each case a clear Dutch message.

Every case starts from a real shipped file (a region file, a parameter file, the example
scenario), breaks one thing, and checks the file, the line, the key, what was found and what
was expected. None may end in a ``ValueError``, ``PermissionError`` or pandas traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bekostiging.config.parameters import load_parameters, read_parameter_file, read_scenario
from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError, ParameterError
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.core.yamlio import load_yaml

REGION_YAML = ASSUMPTIONS_DIR / "regions" / "achterhoek.yaml"
PARAMS_YAML = ASSUMPTIONS_DIR / "parameters" / "achterhoek.yaml"
SCENARIO_YAML = ASSUMPTIONS_DIR / "scenarios" / "hogere_groei.yaml"


def _copy_with(source: Path, target: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def _line(path: Path, text: str) -> int:
    """1-based line of the first line containing ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def _scenario(tmp: Path, text: str) -> Path:
    f = tmp / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def region():
    return load_region("achterhoek")


def _only_problem(err: pytest.ExceptionInfo) -> object:
    assert len(err.value.problems) == 1, str(err.value)
    return err.value.problems[0]


# --- 1. an impossible date --------------------------------------------------------------------


def test_invalid_date_in_a_region_file_names_file_line_and_key(tmp_path):
    f = _copy_with(
        REGION_YAML, tmp_path / "achterhoek.yaml", "start: 2022-07-01", "start: 2022-13-01"
    )
    with pytest.raises(InputError) as err:
        load_region(f)
    p = _only_problem(err)
    assert p.file == str(f)
    assert p.row == _line(f, "start: 2022-13-01")
    assert p.column == "contract.start"
    assert str(p) == (
        f"{f}, rij {p.row}, kolom 'contract.start': ongeldige datum '2022-13-01' "
        "(maand 1-12, dag binnen de maand) (verwacht: een bestaande datum zoals 2022-07-01)"
    )


def test_invalid_date_in_a_parameter_file(tmp_path):
    f = _copy_with(
        PARAMS_YAML,
        tmp_path / "p.yaml",
        "    value: 0.08598\n",
        "    value: 0.08598\n    date: 2022-02-30\n",
    )
    with pytest.raises(InputError) as err:
        read_parameter_file(f)
    p = _only_problem(err)
    assert p.row == _line(f, "date: 2022-02-30")
    assert p.column == "prevalence.iaj.date"
    assert "ongeldige datum '2022-02-30'" in p.message


def test_invalid_date_in_a_scenario_file(tmp_path, region):
    f = _scenario(tmp_path, "startbudget.trend_damping: 1.0\nprevalence.iaj: 2022-13-01\n")
    with pytest.raises(InputError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.file, p.row, p.column) == (str(f), 2, "prevalence.iaj")
    assert "ongeldige datum '2022-13-01'" in p.message


def test_every_impossible_date_is_listed_and_a_real_one_still_reads(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("a: 2022-13-01\nb: 2021-02-29\nc: 2024-02-29\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_yaml(f)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "a"), (2, "b")]
    f.write_text("c: 2024-02-29\n", encoding="utf-8")
    assert str(load_yaml(f)[0]["c"]) == "2024-02-29"


# --- 2. text where a number belongs -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8000 EUR", "een getal zonder eenheid: 8000 (de eenheid staat bij unit)"),
        ("0,11", "een getal; gebruik een punt: 0.11"),
        ("10 %", "een getal als fractie: 0.10"),
    ],
)
def test_text_value_in_a_parameter_file_is_refused_at_load(tmp_path, text, expected):
    f = _copy_with(PARAMS_YAML, tmp_path / "p.yaml", "    value: 0.08598\n", f"    value: {text}\n")
    with pytest.raises(InputError) as err:
        read_parameter_file(f)
    p = _only_problem(err)
    assert p.row == _line(f, f"value: {text}")
    assert p.column == "value"
    assert str(p) == (
        f"{f}, rij {p.row}, kolom 'value': 'prevalence.iaj': tekst waar een getal hoort "
        f"(gevonden: '{text}'; verwacht: {expected})"
    )


def test_text_value_inside_a_keyed_value_names_the_key_and_its_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "index:\n  care_cost:\n    value:\n      2019: 0.03\n      2020: 3 %\n"
        "    unit: fraction\n    source: estimate\n    note: n\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_parameter_file(f)
    p = _only_problem(err)
    assert p.row == 5
    assert p.message == "'index.care_cost', sleutel '2020': tekst waar een getal hoort"
    assert p.expected == "een getal als fractie: 0.03"


def test_text_bound_in_a_parameter_file_is_refused(tmp_path):
    f = _copy_with(PARAMS_YAML, tmp_path / "p.yaml", "    min: 0\n", "    min: 0 %\n")
    with pytest.raises(InputError) as err:
        read_parameter_file(f)
    p = _only_problem(err)
    assert (p.row, p.column, p.found) == (_line(f, "min: 0 %"), "min", "0 %")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("'8000 EUR'", "een getal zonder eenheid: 8000"),
        ("'0,11'", "een getal; gebruik een punt: 0.11"),
        ("10 %", "een getal als fractie: 0.10"),
    ],
)
def test_text_value_in_a_scenario_is_refused_with_file_line_and_key(
    tmp_path, region, text, expected
):
    f = _copy_with(SCENARIO_YAML, tmp_path / "s.yaml", "value: 0.0946", f"value: {text}")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.file, p.row, p.column) == (str(f), _line(f, f"value: {text}"), "prevalence.iaj")
    assert p.message == "'prevalence.iaj': tekst waar een getal hoort"
    assert p.found == text.strip("'")
    assert p.expected.startswith(expected)


# --- 3 and 4. scenario values get the checks of the file they override --------------------------


def test_negative_prevalence_in_a_scenario_is_refused_with_the_files_range(tmp_path, region):
    f = _copy_with(SCENARIO_YAML, tmp_path / "s.yaml", "value: 0.0946", "value: -0.05")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert str(p) == (
        f"{f}, rij {_line(f, 'value: -0.05')}, kolom 'prevalence.iaj': 'prevalence.iaj': "
        "waarde buiten het toegestane bereik (gevonden: -0.05; verwacht: tussen 0 en 1 "
        "(min en max in data/assumptions/parameters/achterhoek.yaml))"
    )


def test_short_form_scenario_value_above_max_is_refused(tmp_path, region):
    f = _scenario(tmp_path, "startbudget.trend_damping: 1.0\nprevalence.hcv: 1.7\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.file, p.row, p.column, p.found) == (str(f), 2, "prevalence.hcv", 1.7)
    assert p.expected.startswith("tussen 0 en 1")


def test_out_of_range_value_inside_a_keyed_scenario_value(tmp_path, region):
    name = next(
        n
        for n in region.parameters.names()
        if region.parameters.param(n).bounds[0] == 0
        and isinstance(region.parameters.param(n).value, dict)
    )
    f = _scenario(tmp_path, f"{name}:\n  default: -1\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.row, p.column, p.found) == (1, name, -1)
    assert "waarde buiten het toegestane bereik" in p.message


def test_segment_typo_in_a_keyed_scenario_value_lists_the_known_segments(tmp_path, region):
    f = _scenario(tmp_path, "prevalence.iaj: 0.09\nclients.duration_years:\n  wmo_wonenn: 4.0\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.file, p.row, p.column) == (str(f), 3, "clients.duration_years.wmo_wonenn")
    assert p.message == (
        "'clients.duration_years': onbekende sleutel 'wmo_wonenn' (bedoelt u 'wmo_wonen'?)"
    )
    assert p.expected.startswith("een van: wmo_wonen, ")
    assert "dyslexie" in p.expected and "iaj" in p.expected


def test_segment_typo_in_a_scenario_list_is_refused(tmp_path, region):
    f = _scenario(tmp_path, "risk.allocation.regional_segments: [hcv, wmo_wonenn]\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.row, p.found) == (1, "wmo_wonenn")
    assert "onbekende sleutel 'wmo_wonenn' (bedoelt u 'wmo_wonen'?)" in p.message
    assert p.expected.startswith("een van: wmo_wonen")


def test_segment_typo_in_a_scenario_name_suggests_the_closest_first(tmp_path, region):
    f = _scenario(tmp_path, "startbudget.trend_damping: 1.0\nprevalence.dyslexi: 0.1\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.file, p.row) == (str(f), 2)
    assert p.expected.startswith("bedoelt u: prevalence.dyslexie")


def test_a_list_where_a_number_belongs_is_refused(tmp_path, region):
    f = _scenario(tmp_path, "prevalence.iaj: [0.1, 0.2]\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.row, p.message) == (1, "'prevalence.iaj': verkeerd soort waarde")
    assert p.expected == "een getal of per sleutel een getal"


def test_true_where_a_number_belongs_is_refused(tmp_path, region):
    f = _scenario(tmp_path, "prevalence.iaj: true\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    p = _only_problem(err)
    assert (p.row, p.message, p.found) == (1, "'prevalence.iaj': verkeerd soort waarde", True)


def test_all_problems_of_a_scenario_come_together(tmp_path, region):
    f = _scenario(tmp_path, "prevalence.iaj: -1\nprevalence.hcv: '0,02'\nprevalance.gwv: 0.01\n")
    with pytest.raises(ParameterError) as err:
        region.with_parameters(f)
    assert [p.row for p in err.value.problems] == [1, 2, 3]


def test_valid_scenarios_still_apply(tmp_path, region):
    params = region.with_parameters(SCENARIO_YAML)
    assert params.value("prevalence.iaj") == 0.0946
    assert params.value("startbudget.trend_damping") == 1.0
    f = _scenario(
        tmp_path,
        "reserves.available: {GM0197: 4000000}\nindex.care_cost: {2017: 0.0}\n"
        "risk.allocation.regional_segments: [hcv, wmo_wonen]\n",
    )
    params = load_parameters(
        list(region.parameter_files) + [ASSUMPTIONS_DIR / "parameters" / "reserves.yaml"],
        scenario=f,
    )
    assert params.value("reserves.available", "GM0197") == 4_000_000
    assert params.value("index.care_cost", year=2020) == 0.0


def test_scenario_remembers_its_lines():
    s = read_scenario(SCENARIO_YAML)
    assert s.lines[("prevalence.iaj", "value")] == _line(SCENARIO_YAML, "value: 0.0946")


# --- 5. an unreadable file --------------------------------------------------------------------


@pytest.mark.parametrize("target", ["region", "parameters", "scenario"])
def test_unreadable_file_is_an_input_error(monkeypatch, tmp_path, region, target):
    blocked = {"region": REGION_YAML, "parameters": PARAMS_YAML, "scenario": SCENARIO_YAML}[target]
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.resolve() == blocked.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: read_bytes(self).decode())
    load = {
        "region": lambda: load_region("achterhoek"),
        "parameters": lambda: read_parameter_file(PARAMS_YAML),
        "scenario": lambda: region.with_parameters(SCENARIO_YAML),
    }[target]
    with pytest.raises(InputError) as err:
        load()
    p = _only_problem(err)
    shown = blocked.relative_to(ASSUMPTIONS_DIR.parent.parent).as_posix()
    # One wording for every unreadable input (core.tables.unreadable), YAML and CSV alike.
    assert str(p) == (
        f"{shown}: bestand niet leesbaar (geen leesrechten; vraag de beheerder of kopieer het "
        "bestand) (verwacht: een leesbaar bestand)"
    )


# --- on the command line: exit 2, the message, no traceback, no file ---------------------------


def test_cli_refuses_a_bad_scenario_with_exit_2_and_writes_nothing(tmp_path, capsys):
    from bekostiging.cli import main

    f = _copy_with(SCENARIO_YAML, tmp_path / "s.yaml", "value: 0.0946", "value: -0.05")
    out = tmp_path / "out"
    code = main(["startbudget", "--region", "achterhoek", "--scenario", str(f), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{f}, rij {_line(f, 'value: -0.05')}, kolom 'prevalence.iaj'" in err
    assert "waarde buiten het toegestane bereik (gevonden: -0.05" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
