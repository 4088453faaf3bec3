"""The committed notebooks: stored outputs, no errors, parameters, and nbval catching changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from bekostiging.batch.notebooks import CHECK_MARKER, COMMITTED, check, parameter_values
from bekostiging.config.settings import DEFAULTS, check_settings
from bekostiging.core.errors import ParameterError
from bekostiging.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT

KEY_CELLS = {  # minimum number of key-figure cells that nbval compares
    "gemeente.ipynb": 3,
    "regio.ipynb": 2,
}


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_notebook_has_outputs_and_no_errors(name):
    assert check(NOTEBOOKS_DIR / name) == []


@pytest.mark.parametrize("name", COMMITTED)
def test_parameters_cell_holds_plain_literals_that_validate(name):
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    values = parameter_values(nb)
    expected = set(DEFAULTS) | {"output_dir"}
    if name == "regio.ipynb":
        expected -= {"municipality"}
    assert set(values) == expected
    if "municipality" in values:
        assert isinstance(values["municipality"], str) and values["municipality"].startswith("GM")
    settings = {k: v for k, v in values.items() if k != "output_dir"}
    check_settings(**settings)


@pytest.mark.parametrize("name", COMMITTED)
def test_key_figure_cells_are_checked_by_nbval(name):
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    marked = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(CHECK_MARKER)]
    assert len(marked) >= KEY_CELLS[name]
    for cell in marked:
        assert cell.outputs, "a checked cell must have stored output"


def test_a_typo_in_a_notebook_parameter_is_a_clear_error():
    with pytest.raises(ParameterError) as err:
        check_settings(region="achterhoek", municipalty="GM0197")
    assert "bedoelt u 'municipality'" in str(err.value)
    with pytest.raises(ParameterError) as err:
        check_settings(municipality=197)
    assert "gemeente hoort niet bij regio" in str(err.value) and "GM0197 (Aalten)" in str(err.value)
    with pytest.raises(ParameterError, match="contract_start"):
        check_settings(contract_start="1 juli 2027")


def test_changing_a_key_assumption_without_rerunning_makes_nbval_fail(tmp_path):
    """Copy the project, change one assumption, run nbval on the municipality notebook."""
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "data", root / "data", ignore=shutil.ignore_patterns("submissions")
    )
    shutil.copytree(
        NOTEBOOKS_DIR, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    common = root / "data" / "assumptions" / "parameters" / "common.yaml"
    text = common.read_text(encoding="utf-8")
    old = "  efficiency:\n    default:\n      value: 0.01\n"
    assert old in text
    common.write_text(text.replace(old, old.replace("0.01", "0.03")), encoding="utf-8")
    env = dict(os.environ, BEKOSTIGING_ROOT=str(root))
    env.pop("MPLBACKEND", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "notebooks/gemeente.ipynb",
            "-x",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 1, proc.stdout[-3000:]
    # the run stops at the first key-figure cell whose output changed (the start budget)
    assert "1 failed" in proc.stdout, proc.stdout[-3000:]
    # ... because a stored key figure differs, not because a cell raised
    assert "Cell outputs differ" in proc.stdout, proc.stdout[-3000:]
    assert "# NBVAL_CHECK_OUTPUT" in proc.stdout  # the failing cell is a key-figure cell


def test_the_check_refuses_a_notebook_without_outputs_or_with_an_error(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "achterhoek"', metadata={"tags": ["parameters"]})
    key = nbformat.v4.new_code_cell(f"{CHECK_MARKER}\n1 + 1")
    nb.cells = [params, key]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert any("no stored outputs" in p for p in check(path))
    key.execution_count = 1
    key.outputs = [
        nbformat.v4.new_output("error", ename="KeyError", evalue="'GM9999'", traceback=[])
    ]
    nbformat.write(nb, path)
    assert any("stored an error: KeyError" in p for p in check(path))
    key.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)
    ]
    nbformat.write(nb, path)
    assert check(path) == []
