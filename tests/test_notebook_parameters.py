"""Notebook parameters are checked whatever runs the notebook (issue 13).

A mistyped papermill parameter (``-p municipalty GM0222``) used to be ignored: the report was
made for the default municipality, Aalten, and overwrote its files with exit 0. The second
cell of each notebook now checks the kernel's namespace before anything is computed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat import v4
from papermill.exceptions import PapermillExecutionError

from bekostiging.batch.notebooks import parameter_values, parameters_cell
from bekostiging.batch.reports import load_batch_config, plan
from bekostiging.batch.runner import ensure_kernel
from bekostiging.config.notebook_parameters import (
    MUNICIPALITY_PARAMETERS,
    REGION_PARAMETERS,
    check_notebook_parameters,
)
from bekostiging.config.settings import check_settings
from bekostiging.core.errors import InputError, ParameterError
from bekostiging.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT

KERNEL = "bekostiging-nbp-test"
ALLOWED = {"gemeente.ipynb": MUNICIPALITY_PARAMETERS, "regio.ipynb": REGION_PARAMETERS}
TYPO = (
    "parameters, kolom 'municipalty': onbekende parameter 'municipalty'; bedoelt u 'municipality'?"
)


def _problems(err: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in err.value.problems]


def _check_cell(name: str) -> str:
    """The second code cell of a committed notebook."""
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"][1].source


# --- the pure check ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_the_committed_parameters_cell_passes_the_check(name):
    values = parameter_values(nbformat.read(NOTEBOOKS_DIR / name, as_version=4))
    assert set(values) == set(ALLOWED[name])
    assert check_notebook_parameters(values, ALLOWED[name]) == values


def test_a_typo_in_a_name_is_refused_with_the_closest_name():
    namespace = {"region": "achterhoek", "municipality": "GM0197", "municipalty": "GM0222"}
    with pytest.raises(ParameterError) as err:
        check_notebook_parameters(namespace, MUNICIPALITY_PARAMETERS)
    assert _problems(err) == [TYPO]


def test_a_name_far_from_any_parameter_lists_the_allowed_names():
    with pytest.raises(ParameterError) as err:
        check_notebook_parameters({"kleur": "blauw"}, REGION_PARAMETERS)
    assert _problems(err) == [
        "parameters, kolom 'kleur': onbekende parameter 'kleur'; toegestaan zijn: region, "
        "reference_year, contract_start, contract_years, scenario, draws, seed, "
        "backtest_year, output_dir"
    ]


def test_the_regional_overview_refuses_a_municipality():
    with pytest.raises(ParameterError) as err:
        check_notebook_parameters({"municipality": "GM0222"}, REGION_PARAMETERS)
    assert _problems(err)[0].startswith(
        "parameters, kolom 'municipality': onbekende parameter 'municipality'; toegestaan zijn:"
    )


def test_wrong_types_and_values_are_refused_together_with_unknown_names():
    namespace = {"municipality": 222, "draws": "veel", "seeds": 1, "output_dir": 3}
    with pytest.raises(ParameterError) as err:
        check_notebook_parameters(namespace, MUNICIPALITY_PARAMETERS)
    problems = _problems(err)
    assert (
        problems[0] == "parameters, kolom 'seeds': onbekende parameter 'seeds'; bedoelt u 'seed'?"
    )
    assert problems[1] == (
        "parameters, kolom 'output_dir': 'output_dir' moet een map zijn "
        "(gevonden: 3; verwacht: de naam van een map als tekst, of None)"
    )
    assert (
        "parameters, kolom 'municipality': gemeente hoort niet bij regio Achterhoek" in problems[2]
    )
    assert problems[3] == (
        "parameters, kolom 'draws': 'draws' moet een geheel getal zijn "
        "(gevonden: 'veel'; verwacht: van 100 tot en met 100000)"
    )
    assert len(problems) == 4


def test_ipython_names_and_what_the_notebook_binds_itself_are_not_parameters():
    namespace = {
        "region": "achterhoek",
        "In": ["", "region = 'achterhoek'"],
        "Out": {},
        "_": None,
        "_i2": "x",
        "__name__": "__main__",
        "get_ipython": lambda: None,
        "exit": object.__new__(type("ExitAutocall", (), {"__call__": lambda self: None})),
        "pres": types.ModuleType("pres"),  # imports of the notebook itself
        "RegionAnalysis": type("RegionAnalysis", (), {}),
        "tornado_table": len,
        "analysis": object(),  # its analysis objects, when the cell is re-run in JupyterLab
    }
    assert check_notebook_parameters(namespace, REGION_PARAMETERS) == {"region": "achterhoek"}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_the_notebook_checks_before_it_computes_anything(name):
    source = _check_cell(name)
    constant = "MUNICIPALITY_PARAMETERS" if name == "gemeente.ipynb" else "REGION_PARAMETERS"
    call = f"check_notebook_parameters(globals(), notebook_parameters.{constant})"
    assert call in source
    assert source.index(call) < source.index("RegionAnalysis")
    assert "from bekostiging.config import notebook_parameters" in source


# --- the batch ---------------------------------------------------------------------------------


def test_the_batch_passes_only_names_the_notebooks_accept():
    jobs, overview = plan(check_settings(region="achterhoek"), out=Path("uit"))
    assert len(jobs) == 8 and overview is not None
    for job in jobs:
        assert check_notebook_parameters(job.parameters, MUNICIPALITY_PARAMETERS)
        assert job.parameters["output_dir"] == "uit"
    assert set(overview.parameters) == set(REGION_PARAMETERS)
    assert check_notebook_parameters(overview.parameters, REGION_PARAMETERS)


def test_the_batch_config_refuses_unknown_names_in_overrides_and_defaults(tmp_path):
    config = tmp_path / "batch.yaml"
    config.write_text(
        "defaults:\n"
        "  draws: 500\n"
        "  output_dir: uit\n"
        "overrides:\n"
        "  GM0222:\n"
        "    scenaro: data/assumptions/scenarios/hogere_groei.yaml\n"
        "  GM0197:\n"
        "    municipality: GM0222\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_batch_config(config)
    problems = _problems(err)
    assert (
        f"{config}, rij 3, kolom 'defaults.output_dir': onbekende parameter 'output_dir'"
        in (problems[0])
    )
    assert problems[1] == (
        f"{config}, rij 6, kolom 'overrides.GM0222.scenaro': onbekende parameter 'scenaro' "
        "(verwacht: bedoelt u 'scenario'?)"
    )
    assert problems[2].startswith(
        f"{config}, rij 8, kolom 'overrides.GM0197.municipality': onbekende parameter "
        "'municipality' (verwacht: een van: reference_year,"
    )


def test_the_batch_config_refuses_an_override_for_a_municipality_that_does_not_exist(tmp_path):
    config = tmp_path / "batch.yaml"
    config.write_text(
        "overrides:\n  GM0222:\n    draws: 500\n  gm0223:\n    draws: 300\n", encoding="utf-8"
    )
    with pytest.raises(ParameterError) as err:
        load_batch_config(config)
    assert _problems(err) == [
        f"{config}, rij 4, kolom 'overrides.gm0223': onbekende gemeentecode in overrides "
        "(gevonden: 'gm0223'; verwacht: de code van een bestaande gemeente, zoals GM0197 voor Aalten)"
    ]


def test_the_cli_stops_on_a_bad_batch_config_with_exit_2(tmp_path):
    config = tmp_path / "batch.yaml"
    config.write_text("overrides:\n  GM9999:\n    draws: 500\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bekostiging",
            "reports",
            "--config",
            str(config),
            "--out",
            str(tmp_path / "uit"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert f"{config}, rij 2, kolom 'overrides.GM9999': onbekende gemeentecode" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "uit").exists()


def test_the_committed_batch_config_is_accepted():
    assert load_batch_config()["overrides"] == {}


# --- papermill, as the batch and a user run it -------------------------------------------------


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec in a temporary prefix, found through JUPYTER_PATH."""
    prefix = tmp_path_factory.mktemp("kernel-prefix")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        mp.setenv(
            "PYTHONPATH",
            os.pathsep.join(
                filter(None, [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
        )
        ensure_kernel(KERNEL, prefix=prefix)
        yield KERNEL


def _tiny_notebook(folder: Path) -> Path:
    """The real parameters cell and check, then a cell that writes the outputs."""
    real = nbformat.read(NOTEBOOKS_DIR / "gemeente.ipynb", as_version=4)
    source = _check_cell("gemeente.ipynb")
    check = source[: source.index("\n\n", source.index("check_notebook_parameters(")) + 1]
    write = (
        "import json, pathlib\n"
        "folder = pathlib.Path(output_dir)\n"
        "(folder / f'gemeente_{municipality}.xlsx').write_text('rapport')\n"
        "(folder / 'results').mkdir(exist_ok=True)\n"
        "(folder / 'results' / f'{municipality}.json').write_text(json.dumps(draws))\n"
    )
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell(parameters_cell(real).source, metadata={"tags": ["parameters"]}),
            v4.new_code_cell(check),
            v4.new_code_cell(write),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "gemeente.ipynb"
    nbformat.write(nb, path)
    return path


def test_papermill_with_a_typo_stops_before_any_output(kernel, tmp_path):
    notebook = _tiny_notebook(tmp_path)
    out = tmp_path / "uit"
    out.mkdir()
    with pytest.raises(PapermillExecutionError) as err:
        papermill.execute_notebook(
            notebook,
            tmp_path / "run.ipynb",
            parameters={"municipalty": "GM0222", "output_dir": str(out)},
            kernel_name=kernel,
            progress_bar=False,
        )
    assert err.value.ename == "ParameterError"
    assert TYPO in err.value.evalue
    assert list(out.iterdir()) == []  # no report for Aalten (GM0197), nothing overwritten


def test_papermill_with_valid_parameters_runs_through(kernel, tmp_path):
    notebook = _tiny_notebook(tmp_path)
    out = tmp_path / "uit"
    out.mkdir()
    papermill.execute_notebook(
        notebook,
        tmp_path / "run.ipynb",
        parameters={"municipality": "GM0222", "draws": 500, "output_dir": str(out)},
        kernel_name=kernel,
        progress_bar=False,
    )
    assert (out / "gemeente_GM0222.xlsx").read_text() == "rapport"
    assert json.loads((out / "results" / "GM0222.json").read_text()) == 500


def test_the_real_notebook_with_a_typo_fails_at_once_on_the_command_line(kernel, tmp_path):
    out = tmp_path / "uit"
    out.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS_DIR / "gemeente.ipynb"),
            str(tmp_path / "run.ipynb"),
            "-p",
            "municipalty",
            "GM0222",
            "-p",
            "output_dir",
            str(out),
            "-k",
            kernel,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=NOTEBOOKS_DIR,
    )
    assert proc.returncode != 0
    assert "ParameterError" in proc.stderr and TYPO in proc.stderr
    assert list(out.iterdir()) == []
    run = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    executed = [c for c in run.cells if c.cell_type == "code" and c.execution_count]
    assert "check_notebook_parameters" in executed[-1].source  # nothing ran after the check
