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
x.yaml, row 2, column 'shaer': unknown key 'shaer' (expected: did you mean 'share'?)
>>> try:
...     validate(Entry, {"share": 1.5}, "x.yaml", {})
... except InputError as err:
...     for p in err.problems: print(p)
x.yaml, column 'code': missing 'code'
x.yaml, column 'share': 'share' out of range (found: 1.5; expected: <= 1)
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
        raise fail("must be a date like 2022-07-01", found=value) from None


YamlDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# --- error -> Problem --------------------------------------------------------------------------

_MESSAGES = {
    "missing": "missing '{field}'",
    "bool_type": "'{field}' must be true or false",
    "bool_parsing": "'{field}' must be true or false",
    "int_type": "'{field}' must be a whole number",
    "int_parsing": "'{field}' must be a whole number",
    "int_from_float": "'{field}' must be a whole number",
    "float_type": "'{field}' must be a number",
    "float_parsing": "'{field}' must be a number",
    "string_type": "'{field}' must be text",
    "string_too_short": "'{field}' is empty",
    "string_pattern_mismatch": "'{field}' does not have the expected form",
    "literal_error": "unknown {field}",
    "list_type": "'{field}' must be a list",
    "tuple_type": "'{field}' must be a list",
    "too_short": "'{field}' has too few items",
    "too_long": "'{field}' has too many items",
    "model_type": "'{field}' must be a mapping",
    "dict_type": "'{field}' must be a mapping",
    "model_attributes_type": "'{field}' must be a mapping",
    "dataclass_type": "'{field}' must be a mapping",
    **{
        f"{b}{eq}": "'{field}' out of range"
        for b in ("greater_than", "less_than")
        for eq in ("", "_equal")
    },
}
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_BOUNDS = {"gt": "> {}", "ge": ">= {}", "lt": "< {}", "le": "<= {}"}


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
        return f"did you mean '{close[0]}'?" if close else "one of: " + ", ".join(known)
    if error["type"] == "literal_error":
        return "one of: " + ctx["expected"].replace("'", "").replace(" or ", ", ")
    if error["type"] == "string_pattern_mismatch":
        return f"text matching {ctx['pattern']}"
    bounds = [_BOUNDS[k].format(f"{v:g}") for k, v in ctx.items() if k in _BOUNDS]
    return ctx.get("expected") or (" and ".join(bounds) if bounds else None)


def _problem(error: Mapping[str, Any], model: Any, shown: str, lines, noun: str) -> Problem:
    ctx = error.get("ctx") or {}
    loc = tuple(p for p in error["loc"] if not isinstance(p, str) or "[" not in p)
    if ctx.get("field"):
        loc += (ctx["field"],)
    field = str(loc[-1]) if loc else "value"
    parent = _model_at(model, loc[:-1]) if loc else None
    known = list(_fields(parent)) if parent is not None else []
    if error["type"] in _UNKNOWN:
        message, found = f"unknown {noun} '{field}'", None
    elif error["type"] in _MESSAGES:
        message = _MESSAGES[error["type"]].format(field=field)
        found = None if error["type"] == "missing" else error.get("input")
    else:
        message = error["msg"] if error["type"] == "input" else f"'{field}': {error['msg']}"
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
    noun: str = "key",
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
    model: type[M], data: Any, shown: str, lines: dict[KeyPath, int], noun: str = "key"
) -> M:
    """Validate parsed YAML with ``model``; raise one :class:`InputError` listing every problem."""
    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as err:
        raise InputError(problems_from(err, shown, lines, model, noun)) from None
