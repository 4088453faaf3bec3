"""The check of a notebook's parameters, whatever runs the notebook.

Papermill (the batch, or ``papermill ... -p NAME VALUE`` by hand) injects the parameters it is
given as a cell after the ``parameters`` cell, whatever their names; JupyterLab runs the cell
as the user edited it. A mistyped name (``-p municipalty GM0222``) would then be ignored and
the report made with the default, overwriting another municipality's files. The notebook's
second cell therefore calls :func:`check_notebook_parameters` on ``globals()`` before anything
is computed or written: an unknown name or a wrong type stops the notebook with a clear
message.

>>> namespace = {"region": "achterhoek", "municipalty": "GM0222", "In": [], "_i1": ""}
>>> check_notebook_parameters(namespace, MUNICIPALITY_PARAMETERS)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bekostiging.core.errors.ParameterError: 1 probleem in de invoer:
  - parameters, kolom 'municipalty': onbekende parameter 'municipalty'; bedoelt u 'municipality'?
>>> check_notebook_parameters({"region": "achterhoek", "draws": 500}, MUNICIPALITY_PARAMETERS)
{'region': 'achterhoek', 'draws': 500}
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bekostiging.config.settings import DEFAULTS, SOURCE, check_settings
from bekostiging.core.errors import ParameterError, Problem, close_matches

MUNICIPALITY_PARAMETERS = (*DEFAULTS, "output_dir")
"""The names of the ``parameters`` cell of ``notebooks/gemeente.ipynb``."""
REGION_PARAMETERS = tuple(n for n in MUNICIPALITY_PARAMETERS if n != "municipality")
"""The names of the ``parameters`` cell of ``notebooks/regio.ipynb`` (no municipality)."""

IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})
"""Names IPython itself puts in a kernel's namespace (besides those starting with ``_``)."""

_PLAIN = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, set, Path)


def is_parameter_like(name: str, value: Any) -> bool:
    """Whether ``name = value`` in a kernel's namespace can be a parameter given to the notebook.

    A parameter is a plain value (what papermill can inject: text, a number, a list ...)
    under a public name. IPython's own names and what the notebook binds itself (modules,
    functions, classes, its analysis objects) are not, so re-running the second cell in
    JupyterLab after the others does not trip the check.

    >>> is_parameter_like("municipalty", "GM0222"), is_parameter_like("draws", 2000)
    (True, True)
    >>> import math
    >>> is_parameter_like("math", math), is_parameter_like("_i3", "x"), is_parameter_like("In", [])
    (False, False, False)
    >>> is_parameter_like("tornado_table", len)
    False
    """
    if name.startswith("_") or name in IPYTHON_NAMES:
        return False
    if isinstance(value, (types.ModuleType, type)) or callable(value):
        return False
    return isinstance(value, _PLAIN)


def unknown_parameters(names: Iterable[str], allowed: Iterable[str]) -> list[Problem]:
    """A problem, with the closest allowed name, for every name that is not a parameter.

    >>> [str(p) for p in unknown_parameters(["draws", "seeed"], ["draws", "seed"])]
    ["parameters, kolom 'seeed': onbekende parameter 'seeed'; bedoelt u 'seed'?"]
    >>> str(unknown_parameters(["kleur"], ["draws", "seed"])[0])  # doctest: +ELLIPSIS
    "parameters, kolom 'kleur': onbekende parameter 'kleur'; toegestaan zijn: draws, seed"
    """
    allowed = list(allowed)
    problems = []
    for name in names:
        if name in allowed:
            continue
        match = close_matches(name, allowed)
        hint = f"bedoelt u '{match[0]}'?" if match else "toegestaan zijn: " + ", ".join(allowed)
        problems.append(Problem(SOURCE, f"onbekende parameter '{name}'; {hint}", column=name))
    return problems


def check_notebook_parameters(namespace: Mapping[str, Any], allowed: Iterable[str]) -> dict:
    """Check a notebook's parameters; returns them (``{name: value}``, the allowed ones given).

    ``namespace`` is the kernel's ``globals()`` (or any mapping of given parameters, as the
    batch has). Every public plain-valued name that is not in ``allowed`` is refused with a
    "did you mean"; the values are checked by
    :func:`~bekostiging.config.settings.check_settings` (range, type, a known region and
    municipality) and ``output_dir`` must be a folder name or ``None``. All problems are
    reported together in one :class:`~bekostiging.core.errors.ParameterError`.

    >>> check_notebook_parameters({"draws": "veel"}, ["draws"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.ParameterError: 1 probleem in de invoer:
      - parameters, kolom 'draws': 'draws' moet een geheel getal zijn (gevonden: 'veel'; ...)
    >>> check_notebook_parameters({"output_dir": 3}, ["output_dir"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.ParameterError: 1 probleem in de invoer:
      - parameters, kolom 'output_dir': 'output_dir' moet een map zijn (gevonden: 3; ...)
    """
    allowed = list(allowed)
    given = {n: v for n, v in namespace.items() if is_parameter_like(n, v)}
    problems = unknown_parameters(given, allowed)
    parameters = {n: v for n, v in given.items() if n in allowed}
    folder = parameters.get("output_dir")
    if folder is not None and not (isinstance(folder, (str, Path)) and str(folder).strip()):
        problems.append(
            Problem(
                SOURCE,
                "'output_dir' moet een map zijn",
                column="output_dir",
                found=folder,
                expected="de naam van een map als tekst, of None",
            )
        )
    try:
        check_settings(**{n: v for n, v in parameters.items() if n in DEFAULTS})
    except ParameterError as err:
        problems.extend(err.problems)
    if problems:
        raise ParameterError(problems)
    return parameters
