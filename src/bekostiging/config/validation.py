"""Declarative validation of YAML inputs: pydantic models, and their errors as ``Problem``s.

Every configuration file (region, scenario, batch) and the notebook settings are described by
a pydantic model. :func:`validate` runs a model on parsed data and turns a
``pydantic.ValidationError`` into one :class:`~bekostiging.core.errors.InputError` whose
problems name the file, the YAML line of the key (via :func:`~bekostiging.core.yamlio.line_of`),
the dotted key path, what was found and what was expected. Unknown keys get a "did you mean".

A validator that wants a custom message raises :func:`fail`; its ``field`` names the key the
problem is about when the validator sits on the enclosing mapping.

>>> class Entry(StrictModel):
...     code: Text
...     share: float = Field(0.0, ge=0, le=1)
>>> data = {"code": "GM0197", "shaer": 2}
>>> try:
...     validate(Entry, data, "x.yaml", {("code",): 1, ("shaer",): 2})
... except InputError as err:
...     print(err.problems[0])
x.yaml, rij 2, kolom 'shaer': onbekende sleutel 'shaer' (verwacht: bedoelt u 'share'?)
>>> try:
...     validate(Entry, {"share": 1.5}, "x.yaml", {})
... except InputError as err:
...     for p in err.problems: print(p)
x.yaml, kolom 'code': 'code' ontbreekt
x.yaml, kolom 'share': 'share' buiten het bereik (gevonden: 1.5; verwacht: <= 1)

A pydantic error without a message of its own in the table still reads Dutch and names the key:

>>> class Meeting(StrictModel):
...     at: dt.time
>>> try:
...     validate(Meeting, {"at": "noon"}, "x.yaml", {("at",): 3})
... except InputError as err:
...     print(err.problems[0])
x.yaml, rij 3, kolom 'at': ongeldige waarde voor 'at' (gevonden: 'noon')
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from bekostiging.core.errors import InputError, Problem, close_matches
from bekostiging.core.yamlio import KeyPath, line_of

M = TypeVar("M")
Loc = tuple[str | int, ...]

__all__ = ["Field", "StrictModel", "Text", "YamlDate", "fail", "problems_from", "validate"]


class StrictModel(BaseModel):
    """A model that refuses unknown keys (reported with a "did you mean")."""

    model_config = ConfigDict(extra="forbid")


Text = Annotated[StrictStr, Field(min_length=1)]
"""Text that must be given and not be empty."""


def fail(message: str, *, field: str | None = None, found: Any = None, expected: str = ""):
    """The error a validator raises for a problem with a message of its own."""
    ctx = {"field": field, "found": found, "expected": expected}
    return PydanticCustomError("input", message.replace("{", "{{").replace("}", "}}"), ctx)


def _iso_date(value: Any) -> Any:
    """A date from YAML: a date, or text like ``2022-07-01``; anything else is refused."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail("moet een datum zijn zoals 2022-07-01", found=value) from None


YamlDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# --- error -> Problem --------------------------------------------------------------------------

_MAPPING = "'{field}' moet sleutels met waarden bevatten (een mapping)"
_WHOLE = "'{field}' moet een geheel getal zijn"
_NUMBER = "'{field}' moet een getal zijn"
_BOOL = "'{field}' moet waar of onwaar zijn (true/false)"
_DATE = "'{field}' moet een datum zijn zoals 2022-07-01"
_LIST = "'{field}' moet een lijst zijn"
_MESSAGES = {
    "missing": "'{field}' ontbreekt",
    "bool_type": _BOOL,
    "bool_parsing": _BOOL,
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": "'{field}' is een te groot getal",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": "'{field}' moet een eindig getal zijn",
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "multiple_of": "'{field}' heeft niet de verwachte stapgrootte",
    "string_type": "'{field}' moet tekst zijn",
    "string_too_short": "'{field}' is leeg",
    "string_too_long": "'{field}' is te lang",
    "string_pattern_mismatch": "'{field}' heeft niet de verwachte vorm",
    "literal_error": "onbekende waarde voor '{field}'",
    "enum": "onbekende waarde voor '{field}'",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "too_short": "'{field}' heeft te weinig elementen",
    "too_long": "'{field}' heeft te veel elementen",
    "model_type": _MAPPING,
    "dict_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dataclass_type": _MAPPING,
    "none_required": "'{field}' moet leeg blijven",
    **{
        f"{b}{eq}": "'{field}' buiten het bereik"
        for b in ("greater_than", "less_than")
        for eq in ("", "_equal")
    },
}
_GENERIC = "ongeldige waarde voor '{field}'"
"""The message of a pydantic error type not in the table: Dutch, naming the key (never
pydantic's English ``msg``)."""
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_BOUNDS = {"gt": "> {}", "ge": ">= {}", "lt": "< {}", "le": "<= {}"}
_LENGTHS = {"too_short": ("minstens", "min_length"), "too_long": ("hoogstens", "max_length")}


def _fields(model: Any) -> dict[str, Any]:
    """Field name (alias where set) -> annotation of a pydantic model or dataclass."""
    found = getattr(model, "model_fields", None) or getattr(model, "__pydantic_fields__", {})
    return {(info.alias or name): info.annotation for name, info in found.items()}


def _inner(annotation: Any) -> list[Any]:
    """The candidate types of an annotation, without ``Annotated`` and ``None``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _inner(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) if a is not type(None) for t in _inner(a)]
    return [annotation]


def _model_at(model: Any, loc: Loc) -> Any:
    """The model class that validates the mapping at ``loc`` (None if it is not a model)."""
    for part in loc:
        if isinstance(part, str) and _fields(model):
            annotation = _fields(model).get(part)
        else:  # a list index or a dict key: the item type of the container
            annotation = next(
                (typing.get_args(t)[-1] for t in _inner(model) if typing.get_args(t)), None
            )
        model = next((t for t in _inner(annotation) if _fields(t) or typing.get_args(t)), None)
        if model is None:
            return None
    return model if _fields(model) else None


def _expected(error: Mapping[str, Any], known: Iterable[str]) -> str | None:
    ctx = error.get("ctx") or {}
    if error["type"] in _UNKNOWN:
        close = close_matches(str(error["loc"][-1]), known)
        return f"bedoelt u '{close[0]}'?" if close else "een van: " + ", ".join(known)
    if error["type"] in ("literal_error", "enum"):
        return "een van: " + ctx["expected"].replace("'", "").replace(" or ", ", ")
    if error["type"] == "string_pattern_mismatch":
        return f"tekst volgens het patroon {ctx['pattern']}"
    if error["type"] in _LENGTHS and _LENGTHS[error["type"]][1] in ctx:
        word, key = _LENGTHS[error["type"]]
        return f"{word} {ctx[key]} elementen"
    bounds = [_BOUNDS[k].format(f"{v:g}") for k, v in ctx.items() if k in _BOUNDS]
    return ctx.get("expected") or (" en ".join(bounds) if bounds else None)


def _problem(error: Mapping[str, Any], model: Any, shown: str, lines, noun: str) -> Problem:
    ctx = error.get("ctx") or {}
    loc = tuple(p for p in error["loc"] if not isinstance(p, str) or "[" not in p)
    if ctx.get("field"):
        loc += (ctx["field"],)
    field = str(loc[-1]) if loc else "waarde"
    parent = _model_at(model, loc[:-1]) if loc else None
    known = list(_fields(parent)) if parent is not None else []
    if error["type"] in _UNKNOWN:
        message, found = f"onbekende {noun} '{field}'", None
    elif error["type"] in _MESSAGES:
        message = _MESSAGES[error["type"]].format(field=field)
        found = None if error["type"] == "missing" else error.get("input")
    else:
        message = error["msg"] if error["type"] == "input" else _GENERIC.format(field=field)
        found = ctx.get("found", error.get("input"))
    return Problem(
        shown,
        message,
        row=line_of(lines, *loc) if lines else None,
        column=".".join(str(p) for p in loc) or None,
        found=found,
        expected=_expected(error, known),
    )


def problems_from(
    error: ValidationError,
    shown: str,
    lines: dict[KeyPath, int] | None = None,
    model: Any = None,
    noun: str = "sleutel",
) -> list[Problem]:
    """One :class:`Problem` per error of a pydantic ``ValidationError``, in the file's order.

    ``model`` is the validated class; it gives the known keys for a "did you mean".
    """
    out = [_problem(e, model, shown, lines, noun) for e in error.errors(include_url=False)]
    return sorted(out, key=lambda p: p.row or 0)


def problem_at(
    shown: str, lines: dict[KeyPath, int], loc: Loc, message: str, found: Any = None, **kw: Any
) -> Problem:
    """A problem found after validation (a cross-reference), at the key path ``loc``."""
    column = ".".join(str(p) for p in loc) or None
    return Problem(shown, message, row=line_of(lines, *loc), column=column, found=found, **kw)


def validate(
    model: type[M], data: Any, shown: str, lines: dict[KeyPath, int], noun: str = "sleutel"
) -> M:
    """Validate parsed YAML with ``model``; raise one :class:`InputError` listing every problem."""
    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as err:
        raise InputError(problems_from(err, shown, lines, model, noun)) from None
