"""Read a CSV file into a validated table, or explain precisely what is wrong with it.

A :class:`TableSpec` declares the columns of one table (name, type, whether empty cells are
allowed, checks) and its unique key. :func:`read_table` reads the file, converts every column
to its type, validates it with a pandera schema built from the spec, and raises one
:class:`~bekostiging.core.errors.InputError` that lists every problem with its file, line and column.

Row numbers in messages are line numbers in the file as a user sees it in an editor: the header
is line 1, the first data row is line 2.

>>> import tempfile, pathlib
>>> spec = TableSpec("demo", [Column("code", "str", pattern=r"^GM\\d{4}$"),
...                           Column("population", "int", min=0)], key=["code"])
>>> f = pathlib.Path(tempfile.mkdtemp()) / "demo.csv"
>>> _ = f.write_text("code,population\\nGM0197,27121\\nGM01,-5\\n")
>>> try:
...     read_table(f, spec)
... except InputError as err:
...     for p in err.problems: print(p.row, p.column, p.message)
3 code does not match the expected pattern
3 population below the minimum
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from bekostiging.core.errors import InputError, Problem, display_path

ColumnType = Literal["str", "int", "float"]
HEADER_LINE = 1


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type and the checks on its values."""

    name: str
    dtype: ColumnType
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    allowed: tuple[str, ...] | None = None
    description: str = ""

    def expected(self) -> str:
        parts = {"str": "text", "int": "a whole number", "float": "a number"}[self.dtype]
        if self.min is not None and self.max is not None:
            parts += f" from {self.min:g} to {self.max:g}"
        elif self.min is not None:
            parts += f" >= {self.min:g}"
        elif self.max is not None:
            parts += f" <= {self.max:g}"
        if self.pattern:
            parts += f" matching {self.pattern}"
        if self.allowed:
            parts += " (one of: " + ", ".join(self.allowed) + ")"
        return parts


@dataclass(frozen=True)
class TableSpec:
    """The declared shape of a table: its columns and the columns that form a unique key."""

    name: str
    columns: list[Column]
    key: list[str] = field(default_factory=list)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema that checks ranges, patterns, allowed values and the key."""
        cols = {}
        for c in self.columns:
            checks = []
            if c.min is not None:
                checks.append(pa.Check.ge(c.min, error="below the minimum"))
            if c.max is not None:
                checks.append(pa.Check.le(c.max, error="above the maximum"))
            if c.pattern is not None:
                checks.append(
                    pa.Check.str_matches(c.pattern, error="does not match the expected pattern")
                )
            if c.allowed is not None:
                checks.append(pa.Check.isin(list(c.allowed), error="is not an allowed value"))
            cols[c.name] = pa.Column(nullable=c.nullable, checks=checks, coerce=False)
        return pa.DataFrameSchema(
            cols, unique=self.key or None, strict=False, report_duplicates="all"
        )


def _decode(raw: bytes, shown: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(
                shown,
                "the file is not valid UTF-8 text (saved in another encoding, e.g. Windows-1252?)",
                row=line,
                found=raw[exc.start : exc.start + 8],
                expected="UTF-8 encoded CSV",
            )
        ) from None


def read_text(path: str | Path) -> str:
    """Read a (possibly gzip-compressed) text file as UTF-8, with clear errors."""
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise InputError(Problem(shown, "file not found", expected="an existing file"))
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise InputError(
                Problem(shown, "the file is not a valid gzip archive", expected="a .csv.gz file")
            ) from None
    if not raw.strip():
        raise InputError(Problem(shown, "the file is empty", expected="a header and data rows"))
    return _decode(raw, shown)


def _parse_csv(text: str, shown: str, spec: TableSpec) -> pd.DataFrame:
    # Check the field count of every line ourselves: pandas either stops at the first bad line
    # or silently drops it, and a user wants to see all of them.
    problems = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
        for lineno, row in enumerate(reader, start=HEADER_LINE + 1):
            if row and len(row) != len(header):
                problems.append(
                    Problem(
                        shown,
                        "wrong number of fields on this line (a stray comma or quote?)",
                        row=lineno,
                        found=len(row),
                        expected=f"{len(header)} fields like the header",
                    )
                )
    except csv.Error as exc:
        problems.append(Problem(shown, f"the CSV cannot be parsed: {exc}", row=reader.line_num))
    if problems:
        raise InputError(problems)
    header = [h.strip() for h in header]
    missing = [c.name for c in spec.columns if c.name not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    shown,
                    "missing column",
                    row=HEADER_LINE,
                    column=name,
                    found=", ".join(header),
                    expected=f"the columns of the {spec.name} table",
                )
                for name in missing
            ]
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InputError(
            [Problem(shown, "column appears twice", row=HEADER_LINE, column=h) for h in duplicated]
        )
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    frame.columns = header
    return frame


def _convert(frame: pd.DataFrame, spec: TableSpec, shown: str) -> pd.DataFrame:
    problems: list[Problem] = []
    out = {}
    for c in spec.columns:
        text = frame[c.name].str.strip()
        empty = text.eq("")
        if not c.nullable:
            for idx in np.flatnonzero(empty.to_numpy()):
                problems.append(
                    Problem(
                        shown, "empty cell", row=int(idx) + 2, column=c.name, expected=c.expected()
                    )
                )
        if c.dtype == "str":
            out[c.name] = text.where(~empty, None).astype(object)
            continue
        numbers = pd.to_numeric(text.where(~empty, None), errors="coerce")
        bad = numbers.isna() & ~empty
        for idx in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    shown,
                    "not a number",
                    row=int(idx) + 2,
                    column=c.name,
                    found=frame[c.name].iloc[idx],
                    expected=c.expected(),
                )
            )
        if c.dtype == "int":
            fractional = numbers.notna() & (numbers != np.round(numbers))
            for idx in np.flatnonzero(fractional.to_numpy()):
                problems.append(
                    Problem(
                        shown,
                        "not a whole number",
                        row=int(idx) + 2,
                        column=c.name,
                        found=frame[c.name].iloc[idx],
                        expected=c.expected(),
                    )
                )
            numbers = numbers.astype("Int64") if c.nullable else numbers
        out[c.name] = numbers
    if problems:
        raise InputError(problems)
    result = pd.DataFrame(out, index=frame.index)
    for c in spec.columns:
        if c.dtype == "int" and not c.nullable:
            result[c.name] = result[c.name].astype("int64")
        elif c.dtype == "float":
            result[c.name] = result[c.name].astype("float64")
    return result


_CHECK_MESSAGES = {
    "field_uniqueness": "duplicate key",
    "multiple_fields_uniqueness": "duplicate key",
    "not_nullable": "empty cell",
}


def validate_frame(frame: pd.DataFrame, spec: TableSpec, shown: str) -> list[Problem]:
    """Run the pandera schema of ``spec`` on a typed frame; return the problems found.

    The frame's index must be the zero-based data row number (line = index + 2).
    """
    try:
        spec.schema().validate(frame, lazy=True)
    except SchemaErrors as exc:
        return _problems_from_pandera(exc.failure_cases, spec, shown)
    return []


def _problems_from_pandera(cases: pd.DataFrame, spec: TableSpec, shown: str) -> list[Problem]:
    problems = []
    seen = set()
    for case in cases.itertuples(index=False):
        index = case.index
        row = int(index) + 2 if index is not None and not pd.isna(index) else None
        check = str(case.check)
        message = _CHECK_MESSAGES.get(check, check)
        column = case.column if isinstance(case.column, str) else None
        expected = None
        if message == "duplicate key":
            column = ", ".join(spec.key)
            expected = f"one row per ({', '.join(spec.key)})"
        elif column in {c.name for c in spec.columns}:
            expected = spec.column(column).expected()
        k = (row, column, message)
        if k in seen:
            continue
        seen.add(k)
        problems.append(
            Problem(
                shown, message, row=row, column=column, found=case.failure_case, expected=expected
            )
        )
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return problems


def read_table(path: str | Path, spec: TableSpec) -> pd.DataFrame:
    """Read, type and validate a CSV (optionally ``.gz``) file; raise :class:`InputError`."""
    shown = display_path(path)
    text = read_text(path)
    frame = _parse_csv(text, shown, spec)
    if frame.empty:
        raise InputError(
            Problem(shown, "the file has a header but no data rows", row=HEADER_LINE + 1)
        )
    typed = _convert(frame, spec, shown)
    problems = validate_frame(typed, spec, shown)
    if problems:
        raise InputError(problems)
    extra = [c for c in frame.columns if c not in typed.columns]
    for name in extra:
        typed[name] = frame[name]
    return typed.reset_index(drop=True)


def check_known(
    frame: pd.DataFrame,
    column: str,
    known: set[str] | dict[Any, set[str]],
    shown: str,
    message: str,
    by: str | None = None,
) -> list[Problem]:
    """Problems for values of ``column`` not in ``known`` (optionally per value of ``by``).

    >>> df = pd.DataFrame({"code": ["GM0197", "GM9999"]})
    >>> [p.row for p in check_known(df, "code", {"GM0197"}, "x.csv", "unknown code")]
    [3]
    """
    values = frame[column]
    if by is None:
        bad = ~values.isin(list(known))
    else:  # one vectorised membership test per value of ``by`` (a row loop took seconds)
        bad = pd.Series(True, index=frame.index)
        for key, rows in frame.groupby(by, sort=False).groups.items():
            bad[rows] = ~values[rows].isin(list(known.get(key, set())))
    return [
        Problem(shown, message, row=int(idx) + 2, column=column, found=value)
        for idx, value in values[bad].items()
    ]
