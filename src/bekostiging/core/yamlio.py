"""Read YAML configuration and remember the line of every key, for precise error messages.

>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
>>> _ = f.write_text("a:\\n  b: 1\\n  c: [1, 2]\\n")
>>> data, lines = load_yaml(f)
>>> data["a"]["b"], lines[("a", "b")], lines[("a", "c")]
(1, 2, 3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.core.tables import read_text

KeyPath = tuple[str, ...]


def _walk(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (str(i),)] = item.start_mark.line + 1
            _walk(item, path + (str(i),), lines)


def load_yaml(path: str | Path) -> tuple[Any, dict[KeyPath, int]]:
    """Parse a YAML file; return the data and a map from key path to line number.

    Sequence items are addressed by their index as a string, e.g. ``("segments", "0", "id")``.
    A syntax error becomes an :class:`InputError` with the line and column of the problem.
    """
    shown = display_path(path)
    text = read_text(path)
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(
            Problem(
                shown,
                f"YAML syntax error: {exc.problem}",
                row=mark.line + 1 if mark else None,
                column=f"character {mark.column + 1}" if mark else None,
            )
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(shown, f"YAML error: {exc}")) from None
    lines: dict[KeyPath, int] = {}
    if root is not None:
        _walk(root, (), lines)
    return data, lines


def line_of(lines: dict[KeyPath, int], *path: str | int) -> int | None:
    """Line of the deepest known key along ``path`` (so a missing key points at its parent)."""
    key = tuple(str(p) for p in path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None
