"""Named assumptions, each with a value, a unit, a source (or the word ``estimate``) and a note.

In the spirit of PolicyEngine and OpenFisca parameter files: every number the model uses that no
public data set gives lives in a readable YAML file under ``data/assumptions/``. A leaf entry
looks like this::

    prevalence:
      iaj:
        value: 0.10
        unit: clients per inhabitant aged 0-17 per year
        source: estimate
        note: >-
          Why this value, and how it was checked.

The dotted name of that entry is ``prevalence.iaj``. ``value`` is a number, or a mapping from a
year, a municipality code or a segment id to a number (with an optional ``default``). Year
mappings are step functions: a year takes the value of the latest listed year at or before it.

Files are read in order and a later file overrides an earlier one; a *scenario* file overrides
named values only and may use the short form ``name: value``. Names that do not exist are
refused with a suggestion, so a typo in a scenario never goes unnoticed.

>>> from bekostiging.core.paths import ASSUMPTIONS_DIR
>>> params = load_parameters([ASSUMPTIONS_DIR / "parameters" / "common.yaml"])
>>> p = params.param("age_groups.jeugd_0_17.bands")
>>> p.value["10-19"]
0.8
>>> params.value("index.care_cost", year=2019)
0.03
>>> params.value("index.care_costs")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bekostiging.core.errors.ParameterError: 1 probleem in de invoer:
  - parameters: onbekende naam 'index.care_costs' in de parameters (verwacht: bedoelt u: index.care_cost)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from bekostiging.config.validation import StrictModel, problems_from
from bekostiging.core.errors import InputError, ParameterError, Problem, close_matches, display_path
from bekostiging.core.yamlio import line_of, load_yaml

REQUIRED = ("value", "unit", "source", "note")
OPTIONAL = ("date", "min", "max", "range")


@dataclass(frozen=True)
class Parameter:
    """One named assumption and where it came from."""

    name: str
    value: Any
    unit: str
    source: str
    note: str
    file: str
    line: int | None = None
    date: str | None = None
    range: tuple[float, float] | None = None
    overrides: tuple[str, ...] = field(default_factory=tuple)
    bounds: tuple[float | None, float | None] = (None, None)
    """The ``min`` and ``max`` of the file that defined the value; a scenario must keep to them."""

    @property
    def is_estimate(self) -> bool:
        """True when the source says ``estimate`` (a judgement, not a published figure)."""
        return self.source.strip().lower().startswith("estimate")

    def resolve(self, key: Any = None) -> Any:
        """The value for a year, municipality code or segment id (or the scalar value).

        >>> p = Parameter("x", {2020: 1.0, 2023: 2.0}, "u", "estimate", "n", "f")
        >>> p.resolve(2019), p.resolve(2022), p.resolve(2024)
        (1.0, 1.0, 2.0)
        >>> Parameter("y", {"GM0197": 3.0, "default": 1.0}, "u", "s", "n", "f").resolve("GM0222")
        1.0
        """
        v = self.value
        if not isinstance(v, Mapping):
            return v
        if key is None:
            if "default" in v:
                return v["default"]
            raise ParameterError(
                Problem(
                    self.file,
                    f"parameter '{self.name}' heeft een sleutel nodig (jaar, gemeentecode of segment)",
                    row=self.line,
                )
            )
        if key in v:
            return v[key]
        if isinstance(key, int) and all(isinstance(k, int) for k in v if k != "default"):
            earlier = [k for k in v if k != "default" and k <= key]
            if earlier:
                return v[max(earlier)]
            if "default" not in v:
                return v[min(k for k in v if k != "default")]
        if "default" in v:
            return v["default"]
        raise ParameterError(
            Problem(
                self.file,
                f"parameter '{self.name}' heeft geen waarde voor {key!r} en geen default",
                row=self.line,
                expected="een van: " + ", ".join(map(str, v)),
            )
        )


class Parameters:
    """A set of named parameters; look values up by dotted name."""

    def __init__(self, params: Mapping[str, Parameter]):
        self._params = dict(params)

    def __contains__(self, name: str) -> bool:
        return name in self._params

    def __len__(self) -> int:
        return len(self._params)

    def names(self, prefix: str = "") -> list[str]:
        """All names, or those under a prefix such as ``'prevalence.'``."""
        return sorted(n for n in self._params if n.startswith(prefix))

    def param(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise ParameterError(_unknown(name, self._params, "parameters")) from None

    def value(self, name: str, key: Any = None, *, year: int | None = None) -> Any:
        """The resolved value of a parameter (see :meth:`Parameter.resolve`)."""
        return self.param(name).resolve(year if year is not None else key)

    def get(self, name: str, default: Any = None, key: Any = None) -> Any:
        return self.value(name, key) if name in self._params else default

    def table(self) -> pd.DataFrame:
        """All parameters as a table for the appendix of a report (estimates marked)."""
        rows = []
        for p in sorted(self._params.values(), key=lambda q: q.name):
            rows.append(
                {
                    "name": p.name,
                    "value": _value_text(p.value),
                    "unit": p.unit,
                    "source": p.source,
                    "estimate": p.is_estimate,
                    "note": p.note,
                    "file": p.file,
                }
            )
        return pd.DataFrame(rows)

    def with_overrides(
        self,
        overrides: Mapping[str, Any],
        source: str = "scenario",
        known_keys: Iterable[str] = (),
    ) -> Parameters:
        """A copy in which named values are replaced (the names must already exist).

        An override gets the checks of the file it overrides: a number where the file has a
        number (no text such as ``'0,11'``), the ``min``/``max`` of the overridden parameter,
        a list only for a list, and segment keys (of a mapping or a list of segment ids) that
        exist: among ``known_keys`` (the region's segments) or the keys the parameters use.
        ``overrides`` read by :func:`read_scenario` carry their YAML lines, so each problem
        names the scenario file, the line and the key.

        >>> p = Parameters({"prevalence.iaj": Parameter(
        ...     "prevalence.iaj", 0.1, "u", "estimate", "n", "p.yaml", bounds=(0, 1))})
        >>> p.with_overrides({"prevalence.iaj": 0.12}).value("prevalence.iaj")
        0.12
        >>> try:
        ...     p.with_overrides({"prevalence.iaj": -0.1}, source="s.yaml")
        ... except ParameterError as err:
        ...     print(err.problems[0])
        s.yaml, kolom 'prevalence.iaj': 'prevalence.iaj': waarde buiten het toegestane bereik (gevonden: -0.1; verwacht: tussen 0 en 1 (min en max in p.yaml))
        """
        new = dict(self._params)
        lines = getattr(overrides, "lines", {})
        segments = {str(k) for k in known_keys}
        vocabulary = self._vocabulary() | segments
        problems = []
        for name, spec in overrides.items():
            if name not in new:
                problems.append(
                    replace(
                        _unknown(name, new, "parameters", file=source), row=line_of(lines, name)
                    )
                )
                continue
            old = new[name]
            at: tuple[str, ...] = (name,)
            if isinstance(spec, Mapping) and "value" in spec:
                value = spec["value"]
                note = spec.get("note", old.note)
                src = spec.get("source", f"scenario ({source})")
                at = (name, "value")
            else:
                value, note, src = spec, old.note, f"scenario ({source})"
            found = _override_problems(name, value, old, source, lines, at, vocabulary, segments)
            if found:
                problems += found
                continue
            new[name] = replace(
                old,
                value=_normalise(value),
                source=str(src),
                note=str(note),
                file=source,
                overrides=old.overrides + (old.file,),
            )
        if problems:
            raise ParameterError(problems)
        return Parameters(new)

    def _vocabulary(self) -> set[str]:
        """Every segment-like key the parameters use: mapping keys, list items, name parts."""
        out: set[str] = set()
        for p in self._params.values():
            out.update(p.name.split(".")[1:])
            if isinstance(p.value, Mapping):
                out.update(str(k) for k in p.value)
            elif isinstance(p.value, list):
                out.update(str(i) for i in p.value if isinstance(i, str))
        return out


_FREE_KEY = re.compile(r"^(default|GM\d{4}|\d+)$")
"""Keys that need no check against the segments: the default, a municipality code, a year."""


def _override_problems(
    name: str,
    value: Any,
    old: Parameter,
    shown: str,
    lines: Mapping[tuple[str, ...], int],
    at: tuple[str, ...],
    vocabulary: set[str],
    segments: set[str] = frozenset(),
) -> list[Problem]:
    """What is wrong with an override of ``old`` by ``value`` (empty when it is fine)."""
    line = line_of(lines, *at)
    problem = _check_value(name, value, shown, line, lines=lines, at=at, column=name)
    if problem:
        return [problem]
    if isinstance(old.value, list) != isinstance(value, list) or (
        isinstance(value, bool) and _is_number(old.value)
    ):
        return [
            Problem(
                shown,
                f"'{name}': verkeerd soort waarde",
                row=line,
                column=name,
                found=value,
                expected="een lijst"
                if isinstance(old.value, list)
                else "een getal of per sleutel een getal",
            )
        ]
    out: list[Problem] = []
    keys: list[tuple[str, int | None]] = []
    if isinstance(value, Mapping):
        keys = [(str(k), line_of(lines, *at, str(k))) for k in value]
    elif isinstance(value, list) and any(isinstance(i, str) for i in old.value or ["x"]):
        keys = [(str(i), line_of(lines, *at, str(n))) for n, i in enumerate(value)]
    for key, key_line in keys:
        if _FREE_KEY.match(key) or key in vocabulary:
            continue
        close = close_matches(key, vocabulary, n=len(vocabulary))
        if isinstance(old.value, Mapping):
            own = {str(k) for k in old.value}
        elif isinstance(old.value, list):
            own = {str(i) for i in old.value}
        else:  # a mapping given for a single number: no keys of its own
            own = set()
        own = {k for k in own if not _FREE_KEY.match(k)}
        # Keys of the parameter itself first; the region's segments too when it is keyed by them.
        base = (own | segments if own & segments or not own else own) or vocabulary
        listed = close + sorted(k for k in base - set(close) if not _FREE_KEY.match(k))
        if len(listed) > 25:
            listed = listed[:25] + ["..."]
        out.append(
            Problem(
                shown,
                f"'{name}': onbekende sleutel '{key}'"
                + (f" (bedoelt u '{close[0]}'?)" if close else ""),
                row=key_line,
                column=f"{name}.{key}",
                found=key,
                expected="een van: " + ", ".join(listed),
            )
        )
    if out:
        return out
    lo, hi = old.bounds
    return _check_range(name, value, {"min": lo, "max": hi}, shown, line, origin=old.file)


def _value_text(v: Any) -> str:
    if isinstance(v, Mapping):
        return "; ".join(
            f"{k}: {x:g}" if isinstance(x, float) else f"{k}: {x}" for k, x in v.items()
        )
    return f"{v:g}" if isinstance(v, float) else str(v)


def _unknown(name: str, known: Iterable[str], what: str, file: str | None = None) -> Problem:
    close = close_matches(name, known, n=3)
    hint = "bedoelt u: " + ", ".join(close) if close else "zie de namen in data/assumptions"
    return Problem(file or "parameters", f"onbekende naam '{name}' in de {what}", expected=hint)


def _normalise(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = int(k) if isinstance(k, str) and k.isdigit() else k
            out[key] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        return out
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def number_hint(text: str) -> str:
    """What a user who typed ``text`` for a number should write instead.

    >>> number_hint("0,11")
    'een getal; gebruik een punt: 0.11'
    >>> number_hint("10 %")
    'een getal als fractie: 0.10'
    >>> number_hint("2,5%")
    'een getal als fractie: 0.025'
    >>> number_hint("8000 EUR")
    'een getal zonder eenheid: 8000 (de eenheid staat bij unit)'
    >>> number_hint("veel")
    'een getal, zoals 0.1 of 8000'
    """
    t = text.strip()
    number = r"[+-]?\d+(?:[.,]\d+)?"
    if m := re.fullmatch(rf"({number})\s*%", t):
        fraction = float(m.group(1).replace(",", ".")) / 100
        shown = f"{fraction:.6f}".rstrip("0")
        shown += "0" * max(0, 2 - len(shown.split(".")[1]))
        return f"een getal als fractie: {shown}"
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        return f"een getal; gebruik een punt: {t.replace(',', '.')}"
    if m := re.fullmatch(rf"(?:EUR|€)?\s*({number})\s*[^\d\s].*|(?:EUR|€)\s*({number})", t):
        digits = (m.group(1) or m.group(2)).replace(",", ".")
        return f"een getal zonder eenheid: {digits} (de eenheid staat bij unit)"
    return "een getal, zoals 0.1 of 8000"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _text_problem(
    name: str, text: str, shown: str, line: int | None, column: str, key: Any = None
) -> Problem:
    where = f"'{name}'" if key is None else f"'{name}', sleutel '{key}'"
    return Problem(
        shown,
        f"{where}: tekst waar een getal hoort",
        row=line,
        column=column,
        found=text,
        expected=number_hint(text),
    )


def _check_value(
    name: str,
    value: Any,
    shown: str,
    line: int | None,
    *,
    lines: Mapping[tuple[str, ...], int] | None = None,
    at: tuple[str, ...] = (),
    column: str = "value",
) -> Problem | None:
    """The first problem with a value: missing, of an unknown kind, or text for a number.

    A value is a number, a mapping of numbers, or a list (of numbers or segment ids). Text
    where a number belongs (``'8000 EUR'``, ``'0,11'``, ``'10 %'``) would crash later in the
    model, so it is refused here with what to write instead.
    """

    def ok(x: Any) -> bool:
        return isinstance(x, (int, float, str, bool)) or (
            isinstance(x, list) and all(isinstance(i, (int, float, str)) for i in x)
        )

    if isinstance(value, Mapping):
        bad = [k for k, v in value.items() if not ok(v)]
        if bad:
            return Problem(
                shown,
                f"'{name}': de waarden moeten getallen of tekst zijn",
                row=line,
                column=column,
                found=bad[0],
            )
        for k, v in value.items():
            if isinstance(v, str):
                row = line_of(lines, *at, str(k)) if lines and at else line
                return _text_problem(name, v, shown, row, column, key=k)
        return None
    if value is None or not ok(value):
        return Problem(
            shown,
            f"'{name}': waarde ontbreekt of is onleesbaar",
            row=line,
            column=column,
            found=value,
            expected="een getal, een tekst, of per sleutel een getal",
        )
    if isinstance(value, str):
        return _text_problem(name, value, shown, line, column)
    return None


def _between(lo: float | None, hi: float | None) -> str:
    """The allowed range in words.

    >>> _between(0, 1), _between(0, None), _between(None, 2.5)
    ('tussen 0 en 1', 'minimaal 0', 'maximaal 2.5')
    """
    if lo is not None and hi is not None:
        return f"tussen {lo:g} en {hi:g}"
    return f"minimaal {lo:g}" if lo is not None else f"maximaal {hi:g}"


def _check_range(
    name: str,
    value: Any,
    spec: Mapping,
    shown: str,
    line: int | None,
    origin: str | None = None,
) -> list[Problem]:
    """Values outside ``spec``'s min/max; ``origin`` names the file the bounds come from.

    >>> [str(p) for p in _check_range("x", -1, {"min": 0, "max": None}, "s.yaml", 3, "p.yaml")]
    ["s.yaml, rij 3, kolom 'x': 'x': waarde buiten het toegestane bereik (gevonden: -1; verwacht: minimaal 0 (min in p.yaml))"]
    """
    lo, hi = spec.get("min"), spec.get("max")
    values = value.values() if isinstance(value, Mapping) else [value]
    out = []
    for v in values:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            if origin is None:
                out.append(
                    Problem(
                        shown,
                        f"'{name}': waarde buiten het toegestane bereik",
                        row=line,
                        column="value",
                        found=v,
                        expected=_between(lo, hi),
                    )
                )
                continue
            if lo is not None and hi is not None:
                expected = f"tussen {lo:g} en {hi:g} (min en max in {origin})"
            elif lo is not None:
                expected = f"minimaal {lo:g} (min in {origin})"
            else:
                expected = f"maximaal {hi:g} (max in {origin})"
            out.append(
                Problem(
                    shown,
                    f"'{name}': waarde buiten het toegestane bereik",
                    row=line,
                    column=name,
                    found=v,
                    expected=expected,
                )
            )
    return out


def _leaves(data: Any, prefix: tuple[str, ...]) -> Iterable[tuple[tuple[str, ...], Mapping]]:
    if isinstance(data, Mapping):
        if "value" in data:
            yield prefix, data
            return
        for k, v in data.items():
            yield from _leaves(v, prefix + (str(k),))


def read_parameter_file(path: str | Path) -> dict[str, Parameter]:
    """Read and validate one parameter file (all problems reported together)."""
    shown = display_path(path)
    data, lines = load_yaml(path)
    if not isinstance(data, Mapping):
        raise InputError(
            Problem(
                shown,
                "een parameterbestand moet namen met hun gegevens bevatten",
                expected="name: {value, unit, source, note}",
            )
        )
    out: dict[str, Parameter] = {}
    problems: list[Problem] = []

    # Anything that is not a leaf must be a mapping: catches a leaf that lost its 'value' key.
    def walk(node: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(node, Mapping) and "value" not in node:
            if any(k in node for k in ("unit", "source", "note")):
                problems.append(
                    Problem(
                        shown,
                        f"'{'.'.join(prefix)}' heeft geen 'value'",
                        row=line_of(lines, *prefix),
                        column="value",
                    )
                )
                return
            for k, v in node.items():
                walk(v, prefix + (str(k),))
        elif not isinstance(node, Mapping):
            problems.append(
                Problem(
                    shown,
                    f"'{'.'.join(prefix)}' is een losse waarde",
                    row=line_of(lines, *prefix),
                    expected="een mapping met value, unit, source en note",
                )
            )

    walk(data, ())
    for path_keys, spec in _leaves(data, ()):
        name = ".".join(path_keys)
        line = line_of(lines, *path_keys)
        missing = [k for k in REQUIRED if k not in spec or spec[k] in (None, "")]
        for k in missing:
            problems.append(Problem(shown, f"'{name}' heeft geen '{k}'", row=line, column=k))
        unknown = [k for k in spec if k not in REQUIRED + OPTIONAL]
        for k in unknown:
            problems.append(
                Problem(
                    shown,
                    f"'{name}' heeft een onbekend veld '{k}'",
                    row=line_of(lines, *path_keys, k),
                    column=k,
                    expected=", ".join(REQUIRED + OPTIONAL),
                )
            )
        if missing or unknown:
            continue
        problem = _check_value(
            name,
            spec["value"],
            shown,
            line_of(lines, *path_keys, "value"),
            lines=lines,
            at=path_keys + ("value",),
        )
        if problem:
            problems.append(problem)
            continue
        bound_problems = [
            _text_problem(name, spec[k], shown, line_of(lines, *path_keys, k), k)
            for k in ("min", "max")
            if spec.get(k) is not None and not _is_number(spec[k])
        ]
        rng = spec.get("range")
        if rng is not None and not (
            isinstance(rng, list) and len(rng) == 2 and all(_is_number(x) for x in rng)
        ):
            bound_problems.append(
                Problem(
                    shown,
                    f"'{name}': 'range' moet twee getallen zijn",
                    row=line_of(lines, *path_keys, "range"),
                    column="range",
                    found=rng,
                    expected="[laag, hoog], bijvoorbeeld [0.05, 0.15]",
                )
            )
        if bound_problems:
            problems += bound_problems
            continue
        problems += _check_range(
            name, spec["value"], spec, shown, line_of(lines, *path_keys, "value")
        )
        out[name] = Parameter(
            name=name,
            value=_normalise(spec["value"]),
            unit=str(spec["unit"]),
            source=str(spec["source"]).strip(),
            note=" ".join(str(spec["note"]).split()),
            file=shown,
            line=line,
            date=str(spec["date"]) if spec.get("date") is not None else None,
            range=(float(rng[0]), float(rng[1])) if rng else None,
            bounds=(spec.get("min"), spec.get("max")),
        )
    if problems:
        raise InputError(problems)
    return out


def load_parameters(paths: Iterable[str | Path], scenario: str | Path | None = None) -> Parameters:
    """Load parameter files in order (later ones override) and an optional scenario file."""
    merged: dict[str, Parameter] = {}
    for path in paths:
        for name, p in read_parameter_file(path).items():
            if name in merged:
                p = replace(p, overrides=merged[name].overrides + (merged[name].file,))
            merged[name] = p
    params = Parameters(merged)
    if scenario is not None:
        params = params.with_overrides(read_scenario(scenario), source=display_path(scenario))
    return params


class ScenarioEntry(StrictModel):
    """The long form of a scenario override: ``{value, note, source}``."""

    value: Any
    note: str | None = None
    source: str | None = None


SCENARIO_ENTRIES = TypeAdapter(dict[str, ScenarioEntry])
SCENARIO_HEADER = ("description", "name")


class Scenario(dict):
    """The overrides of a scenario file, with the YAML line of every key (``.lines``)."""

    def __init__(self, items: Mapping[str, Any], lines: Mapping[tuple[str, ...], int]):
        super().__init__(items)
        self.lines = dict(lines)


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario file: a flat mapping ``dotted.name: value`` or ``{value, note}``.

    A long-form entry with another key than value, note and source is refused with its line.
    The result remembers the line of each key, so that :meth:`Parameters.with_overrides` can
    name the line of a value it refuses.
    """
    shown = display_path(path)
    data, lines = load_yaml(path)
    if data is None:
        return Scenario({}, {})
    if not isinstance(data, Mapping):
        raise InputError(
            Problem(shown, "een scenariobestand moet parameternamen met hun waarden bevatten")
        )
    flat = {str(k): v for k, v in data.items() if k not in SCENARIO_HEADER}
    long_form = {k: v for k, v in flat.items() if isinstance(v, Mapping) and "value" in v}
    try:
        SCENARIO_ENTRIES.validate_python(long_form)
    except ValidationError as err:
        raise InputError(problems_from(err, shown, lines, dict[str, ScenarioEntry])) from None
    return Scenario(flat, lines)
