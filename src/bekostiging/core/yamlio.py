"""Read YAML configuration and remember the line of every key, for precise error messages.

>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
>>> _ = f.write_text("a:\\n  b: 1\\n  c: [1, 2]\\n")
>>> data, lines = load_yaml(f)
>>> data["a"]["b"], lines[("a", "b")], lines[("a", "c")]
(1, 2, 3)

A syntax error names its line and says in Dutch what is wrong:

>>> _ = f.write_text("a: 1\\nb: [1, 2\\n")
>>> try:
...     load_yaml(f)
... except InputError as err:
...     print(err.problems[0].message, err.problems[0].row)
fout in de YAML-opmaak: een lijst tussen [ ] is niet gesloten 3

A date that does not exist is an input error with its line, not a ``ValueError`` from deep in
the YAML library:

>>> _ = f.write_text("contract:\\n  start: 2022-13-01\\n")
>>> try:
...     load_yaml(f)
... except InputError as err:
...     print(err.problems[0].message, err.problems[0].row, err.problems[0].column)
ongeldige datum '2022-13-01' (maand 1-12, dag binnen de maand) 2 contract.start
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


def _duplicate_keys(node: yaml.Node, path: KeyPath, shown: str) -> list[Problem]:
    """A problem for every key that appears twice in one mapping.

    PyYAML keeps the last of two equal keys without a word: a deleted line that makes two
    entries one (``value`` twice under one name) would silently change a value.
    """
    out: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in first:
                out.append(
                    Problem(
                        shown,
                        f"sleutel '{key}' staat twee keer (ook op regel {first[key]})",
                        row=line,
                        column=".".join(path + (key,)),
                        expected="elke sleutel één keer",
                    )
                )
            first.setdefault(key, line)
            out += _duplicate_keys(value_node, path + (key,), shown)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, path + (str(i),), shown)
    return out


def _bad_dates(node: yaml.Node, path: KeyPath, shown: str) -> list[Problem]:
    """A problem for every scalar that YAML reads as a date but that is no real date.

    PyYAML recognises ``2022-13-01`` as a timestamp by its form and then fails with a bare
    ``ValueError`` without a line; this finds each such value with its line and key path.
    """
    out: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            out += _bad_dates(value_node, path + (str(key_node.value),), shown)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _bad_dates(item, path + (str(i),), shown)
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        try:
            yaml.SafeLoader("").construct_yaml_timestamp(node)
        except ValueError:
            out.append(
                Problem(
                    shown,
                    f"ongeldige datum '{node.value}' (maand 1-12, dag binnen de maand)",
                    row=node.start_mark.line + 1,
                    column=".".join(path) or None,
                    expected="een bestaande datum zoals 2022-07-01",
                )
            )
    return out


def _read(path: str | Path, shown: str) -> str:
    """The text of a YAML file; a file the operating system refuses to read is an input error."""
    try:
        return read_text(path)
    except PermissionError:
        raise InputError(
            Problem(
                shown,
                "bestand niet leesbaar (geen leesrechten)",
                expected="een bestand dat de gebruiker mag lezen",
            )
        ) from None
    except OSError as exc:
        raise InputError(
            Problem(
                shown,
                f"bestand niet leesbaar ({exc.strerror or type(exc).__name__})",
                expected="een leesbaar tekstbestand",
            )
        ) from None


_SYNTAX = [
    ("could not find expected ':'", "een dubbele punt ':' ontbreekt"),
    (
        "mapping values are not allowed here",
        "een dubbele punt waar die niet hoort (verkeerd ingesprongen, of een tekst met ': ' "
        "zonder aanhalingstekens?)",
    ),
    ("found character '\\t'", "een tab; spring in met spaties"),
    ("found character", "een teken waarmee geen waarde kan beginnen"),
    ("did not find expected key", "hier hoort een sleutel (verkeerd ingesprongen?)"),
    ("did not find expected node content", "hier hoort een waarde"),
    (
        "did not find expected '-' indicator",
        "hier hoort een lijstelement '- ' (verkeerd ingesprongen?)",
    ),
    ("expected <block end>", "verkeerd ingesprongen"),
    ("expected ',' or ']'", "een lijst tussen [ ] is niet gesloten"),
    ("expected ',' or '}'", "een mapping tussen { } is niet gesloten"),
    ("found unexpected end of stream", "het bestand houdt op midden in een waarde"),
    ("found unexpected end", "het bestand houdt op midden in een waarde"),
    ("found undefined alias", "een onbekende alias (*naam)"),
    ("found unknown escape character", "een onbekend escapeteken na '\\'"),
    ("found duplicate anchor", "een anker (&naam) komt twee keer voor"),
]


def syntax_message(problem: str | None) -> str:
    """PyYAML's (English) description of a syntax error, in Dutch.

    >>> syntax_message("could not find expected ':'")
    "een dubbele punt ':' ontbreekt"
    >>> syntax_message("something new")
    'onverwacht teken of verkeerde inspringing'
    """
    text = problem or ""
    return next(
        (dutch for english, dutch in _SYNTAX if text.startswith(english)),
        "onverwacht teken of verkeerde inspringing",
    )


def load_yaml(path: str | Path) -> tuple[Any, dict[KeyPath, int]]:
    """Parse a YAML file; return the data and a map from key path to line number.

    Sequence items are addressed by their index as a string, e.g. ``("segments", "0", "id")``.
    A syntax error becomes an :class:`InputError` with the line and column of the problem; so
    do a date that does not exist (``2022-13-01``), a key that appears twice in one mapping and
    a file that cannot be read.
    """
    shown = display_path(path)
    text = _read(path, shown)
    try:
        root = yaml.compose(text)
        dates = (
            _bad_dates(root, (), shown) + _duplicate_keys(root, (), shown)
            if root is not None
            else []
        )
        if not dates:
            data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(
            Problem(
                shown,
                f"fout in de YAML-opmaak: {syntax_message(exc.problem)}",
                row=mark.line + 1 if mark else None,
                column=f"teken {mark.column + 1}" if mark else None,
            )
        ) from None
    except yaml.YAMLError:
        raise InputError(Problem(shown, "het YAML-bestand is niet te lezen")) from None
    except (ValueError, TypeError, OverflowError):
        # A value PyYAML recognises by its form but cannot build (e.g. a timestamp it fails on).
        raise InputError(Problem(shown, "onleesbare waarde in het YAML-bestand")) from None
    if dates:
        raise InputError(dates)
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
