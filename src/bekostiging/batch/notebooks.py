"""The committed notebooks: re-run them in place, and check that they are fit for nbval.

The notebooks in ``notebooks/`` are committed with the outputs of the default run, and the
test suite runs them with nbval (``--nbval-lax``): cells whose first line is
``# NBVAL_CHECK_OUTPUT`` (the key figures) must reproduce their stored output. After a
deliberate change of data, assumptions or model, ``make notebooks`` (:func:`refresh`)
re-executes them and stores the new outputs; :func:`check` is what the tests and the
pre-commit hook use to refuse a notebook without outputs or with an error.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import papermill as pm

from bekostiging.batch.runner import INLINE_BACKEND, ensure_kernel
from bekostiging.core.atomic import atomic_path
from bekostiging.core.paths import NOTEBOOKS_DIR

COMMITTED = ("gemeente.ipynb", "regio.ipynb")  # gemeente first: regio reads its results
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
VOLATILE_METADATA = ("papermill", "execution")


def parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return cell
    return None


def parameter_values(nb: nbformat.NotebookNode) -> dict:
    """The literals of the parameters cell (raises ValueError on anything but a literal)."""
    cell = parameters_cell(nb)
    if cell is None:
        raise ValueError("no cell tagged 'parameters'")
    values = {}
    for node in ast.parse(cell.source).body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            raise ValueError(f"the parameters cell may only assign names: {ast.unparse(node)}")
        values[node.targets[0].id] = ast.literal_eval(node.value)  # plain literals only
    return values


def check(path: str | Path) -> list[str]:
    """Problems that make a committed notebook unfit for nbval (empty list = fine)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    problems = []
    try:
        parameter_values(nb)
    except (ValueError, SyntaxError) as err:
        problems.append(f"{path.name}: {err}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not any(c.outputs for c in code):
        problems.append(f"{path.name}: no stored outputs (run `make notebooks`)")
    for i, c in enumerate(code):
        if "parameters" in c.metadata.get("tags", []):
            continue
        if c.execution_count is None and c.source.strip():
            problems.append(f"{path.name}: code cell {i} was not executed")
        for out in c.outputs:
            if out.output_type == "error":
                problems.append(f"{path.name}: code cell {i} stored an error: {out.ename}")
            if out.output_type == "stream" and out.name == "stderr" and "Traceback" in out.text:
                problems.append(f"{path.name}: code cell {i} printed a traceback")
    if not any(c.source.startswith(CHECK_MARKER) for c in code):
        problems.append(f"{path.name}: no cell marked {CHECK_MARKER}")
    return problems


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-specific metadata (timings) so a refresh changes only what really changed."""
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
    return nb


def refresh(
    names: tuple[str, ...] = COMMITTED, kernel: str = "bekostiging", folder: Path = NOTEBOOKS_DIR
) -> list[Path]:
    """Execute the committed notebooks in place with their default parameters."""
    ensure_kernel(kernel)
    written = []
    for name in names:
        path = folder / name
        os.environ["MPLBACKEND"] = INLINE_BACKEND  # figures must be embedded, not sent to Agg
        with atomic_path(path, suffix=".ipynb") as tmp:
            pm.execute_notebook(
                str(path),
                str(tmp),
                kernel_name=kernel,
                cwd=str(folder),
                progress_bar=False,
                request_save_on_cell_execute=False,
            )
            nb = _clean(nbformat.read(tmp, as_version=4))
            nbformat.write(nb, tmp)
        problems = check(path)
        if problems:
            raise RuntimeError("; ".join(problems))
        written.append(path)
    return written
