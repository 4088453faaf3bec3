"""Named assumptions: every value has a unit, a source or 'estimate', and a note."""

from __future__ import annotations

import pytest

from bekostiging.config.parameters import load_parameters, read_parameter_file
from bekostiging.core.errors import InputError, ParameterError
from bekostiging.core.paths import ASSUMPTIONS_DIR


def test_every_assumption_file_is_complete():
    files = sorted((ASSUMPTIONS_DIR / "parameters").glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        for p in read_parameter_file(f).values():
            assert p.unit and p.source and p.note, p.name


def test_region_parameters_cover_every_segment_prevalence(achterhoek):
    params = achterhoek.parameters
    for s in achterhoek.procured_segments():
        assert f"prevalence.{s.id}" in params, s.id
    assert params.param("prevalence.iaj").is_estimate
    assert not params.param("prevalence.wmo_io").is_estimate  # CBS Aalten figures


def test_year_values_are_step_functions(achterhoek):
    p = achterhoek.parameters
    assert p.value("index.care_cost", year=2023) == 0.065
    assert p.value("index.care_cost", year=2031) == 0.030  # after the last year: last value
    assert p.value("index.care_cost", year=2010) == 0.020  # before the first: first value


def test_scenario_overrides_are_marked_and_typos_refused(achterhoek, tmp_path):
    f = tmp_path / "scenario.yaml"
    f.write_text("prevalence.iaj: 0.12\nprevalence.gwv:\n  value: 0.02\n  note: more foster care\n")
    params = load_parameters(achterhoek.parameter_files, scenario=f)
    assert params.value("prevalence.iaj") == 0.12
    assert params.param("prevalence.gwv").note == "more foster care"
    assert params.param("prevalence.iaj").source.startswith("scenario")
    f.write_text("prevalence.iajj: 0.12\n")
    with pytest.raises(ParameterError, match="bedoelt u: prevalence.iaj"):
        load_parameters(achterhoek.parameter_files, scenario=f)


def test_table_marks_estimates(achterhoek):
    t = achterhoek.parameters.table()
    assert {"name", "value", "unit", "source", "estimate", "note"} <= set(t.columns)
    assert t["estimate"].sum() >= 20


def test_out_of_range_value_is_refused(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "prevalence:\n  x:\n    value: 1.5\n    unit: share\n    source: estimate\n"
        "    min: 0\n    max: 1\n    note: n\n"
    )
    with pytest.raises(InputError) as err:
        read_parameter_file(f)
    assert err.value.problems[0].row == 3 and "waarde buiten het toegestane bereik" in str(
        err.value
    )
