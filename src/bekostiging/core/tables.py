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
3 code heeft niet de verwachte vorm
3 population kleiner dan het minimum

A Dutch Excel export (``;`` between fields, decimal commas) is recognised from its header
line: :func:`read_table` reads it (``dutch="read"``, the default) or names the cause
(``dutch="refuse"``, for checksummed raw data that must stay byte for byte as published):

>>> _ = f.write_text("code;population\\nGM0197;27121\\n")
>>> int(read_table(f, spec)["population"].item())
27121
>>> try:
...     read_table(f, spec, dutch="refuse")
... except InputError as err:
...     print(err.problems[0].message)
scheidingsteken is ';' (Nederlandse Excel-export); verwacht een komma
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
DutchMode = Literal["read", "refuse"]
HEADER_LINE = 1
DUTCH_SEPARATOR = "scheidingsteken is ';' (Nederlandse Excel-export)"
BELOW_MIN = "kleiner dan het minimum"
ABOVE_MAX = "groter dan het maximum"
NO_MATCH = "heeft niet de verwachte vorm"
NOT_ALLOWED = "geen toegestane waarde"
EMPTY_CELL = "lege cel"
DUPLICATE_KEY = "dubbele sleutel"


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
        parts = {"str": "tekst", "int": "een geheel getal", "float": "een getal"}[self.dtype]
        if self.min is not None and self.max is not None:
            parts += f" van {self.min:g} tot en met {self.max:g}"
        elif self.min is not None:
            parts += f" >= {self.min:g}"
        elif self.max is not None:
            parts += f" <= {self.max:g}"
        if self.pattern:
            parts += f" volgens het patroon {self.pattern}"
        if self.allowed:
            parts += " (een van: " + ", ".join(self.allowed) + ")"
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
                checks.append(pa.Check.ge(c.min, error=BELOW_MIN))
            if c.max is not None:
                checks.append(pa.Check.le(c.max, error=ABOVE_MAX))
            if c.pattern is not None:
                checks.append(pa.Check.str_matches(c.pattern, error=NO_MATCH))
            if c.allowed is not None:
                checks.append(pa.Check.isin(list(c.allowed), error=NOT_ALLOWED))
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
                "het bestand is geen UTF-8-tekst (opgeslagen in een andere codering, "
                "bijvoorbeeld Windows-1252?)",
                row=line,
                found=raw[exc.start : exc.start + 8],
                expected="een CSV-bestand in UTF-8",
            )
        ) from None


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file; an :class:`InputError` naming it when it cannot be read.

    >>> read_bytes("/no/such/file.csv")
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.InputError: 1 probleem in de invoer:
      - /no/such/file.csv: bestand niet leesbaar (FileNotFoundError) (verwacht: een leesbaar bestand)
    """
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None


def unreadable(path: str | Path, exc: OSError) -> Problem:
    """The problem of a file the operating system refuses to read (rights, a lock, a folder)."""
    hint = {
        PermissionError: "geen leesrechten; vraag de beheerder of kopieer het bestand",
        IsADirectoryError: "dit is een map, geen bestand",
    }.get(type(exc))
    return Problem(
        display_path(path),
        f"bestand niet leesbaar ({hint or type(exc).__name__})",
        expected="een leesbaar bestand",
    )


def separator_of(header: str) -> str:
    """``;`` when the header line is a Dutch Excel export (more ``;`` than ``,``), else ``,``.

    >>> separator_of("years;taakveld;segment;share"), separator_of("code,name"), separator_of("a")
    (';', ',', ',')
    """
    fields = {sep: len(next(csv.reader([header], delimiter=sep), [])) for sep in ",;"}
    return ";" if fields[";"] > fields[","] else ","


def dutch_number(text: str) -> str:
    """A number written the Dutch way (``1.234,5``) in the notation pandas reads (``1234.5``).

    Only a text with a decimal comma changes: its dots are thousands separators. A text with
    dots and no comma is left alone (Excel writes a Dutch thousand as ``1000``, not ``1.000``).

    >>> dutch_number("0,82"), dutch_number("-1.234,5"), dutch_number("6.72"), dutch_number("")
    ('0.82', '-1234.5', '6.72', '')
    """
    if "," not in text:
        return text
    return text.replace(".", "").replace(",", ".")


def read_text(path: str | Path) -> str:
    """Read a (possibly gzip-compressed) text file as UTF-8, with clear errors."""
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise InputError(Problem(shown, "bestand niet gevonden", expected="een bestaand bestand"))
    raw = read_bytes(path)
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise InputError(
                Problem(
                    shown, "het bestand is geen geldig gzip-archief", expected="een .csv.gz-bestand"
                )
            ) from None
    if not raw.strip():
        raise InputError(
            Problem(shown, "het bestand is leeg", expected="een kopregel en rijen met gegevens")
        )
    return _decode(raw, shown)


def _parse_csv(text: str, shown: str, spec: TableSpec, sep: str = ",") -> pd.DataFrame:
    # Check the field count of every line ourselves: pandas either stops at the first bad line
    # or silently drops it, and a user wants to see all of them.
    problems = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(reader)
        for lineno, row in enumerate(reader, start=HEADER_LINE + 1):
            if row and len(row) != len(header):
                problems.append(
                    Problem(
                        shown,
                        "verkeerd aantal velden op deze regel (een losse "
                        + ("puntkomma" if sep == ";" else "komma")
                        + " of een aanhalingsteken?)",
                        row=lineno,
                        found=len(row),
                        expected=f"{len(header)} velden, zoals de kopregel",
                    )
                )
    except csv.Error as exc:
        problems.append(
            Problem(shown, "het CSV-bestand is niet te lezen", row=reader.line_num, found=str(exc))
        )
    if problems:
        raise InputError(problems)
    header = [h.strip() for h in header]
    missing = [c.name for c in spec.columns if c.name not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    shown,
                    "kolom ontbreekt",
                    row=HEADER_LINE,
                    column=name,
                    found=", ".join(header),
                    expected=f"de kolommen van de tabel {spec.name}",
                )
                for name in missing
            ]
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InputError(
            [
                Problem(shown, "kolom komt twee keer voor", row=HEADER_LINE, column=h)
                for h in duplicated
            ]
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            Problem(
                shown,
                "het CSV-bestand is niet te lezen: een aanhalingsteken wordt niet gesloten of "
                "het bestand is afgebroken",
                found=" ".join(str(exc).split())[:80],
                expected="een volledig bestand met gesloten aanhalingstekens",
            )
        ) from None
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
                        shown, EMPTY_CELL, row=int(idx) + 2, column=c.name, expected=c.expected()
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
                    "geen getal",
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
                        "geen geheel getal",
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
    "field_uniqueness": DUPLICATE_KEY,
    "multiple_fields_uniqueness": DUPLICATE_KEY,
    "not_nullable": EMPTY_CELL,
}


_OWN_CHECKS = {BELOW_MIN, ABOVE_MAX, NO_MATCH, NOT_ALLOWED}


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
        message = _CHECK_MESSAGES.get(check, check if check in _OWN_CHECKS else "ongeldige waarde")
        column = case.column if isinstance(case.column, str) else None
        expected = None
        if message == DUPLICATE_KEY:
            column = ", ".join(spec.key)
            expected = f"één rij per ({', '.join(spec.key)})"
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


_THOUSANDS = r"^\s*-?\d{1,3}(\.\d{3})+\s*$"


def _ambiguous_numbers(frame: pd.DataFrame, numeric: list[str], shown: str) -> list[Problem]:
    """Numbers like ``1.000`` in a Dutch export: a thousands dot or a decimal point?

    Excel writes a number as it is shown, so ``1.000`` may be one thousand; rather than guess
    (a factor 1,000 either way) the cell is named.
    """
    problems = []
    for name in numeric:
        hit = frame[name].str.match(_THOUSANDS)
        for idx in np.flatnonzero(hit.to_numpy()):
            problems.append(
                Problem(
                    shown,
                    f"{DUTCH_SEPARATOR}: is de punt hier een duizendtal of een decimaal?",
                    row=int(idx) + 2,
                    column=name,
                    found=frame[name].iloc[idx],
                    expected="een getal zonder duizendtallen, met een decimale komma (1000 of 0,5)",
                )
            )
    return problems


def _dutch_problem(shown: str, header: str) -> Problem:
    return Problem(
        shown,
        f"{DUTCH_SEPARATOR}; verwacht een komma",
        row=HEADER_LINE,
        found=header[:60],
        expected="het bestand zoals gepubliceerd (komma's tussen velden, decimale punten); "
        "herstel het met 'git checkout -- <bestand>' of sla het in Excel op als "
        "'CSV UTF-8 (door komma's gescheiden)'",
    )


def read_table(path: str | Path, spec: TableSpec, dutch: DutchMode = "read") -> pd.DataFrame:
    """Read, type and validate a CSV (optionally ``.gz``) file; raise :class:`InputError`.

    A Dutch Excel export (``;`` separator, decimal commas) is read as such with
    ``dutch="read"``, and refused with a message naming the separator with ``dutch="refuse"``.
    """
    shown = display_path(path)
    text = read_text(path)
    header = text.split("\n", 1)[0].rstrip("\r")
    sep = separator_of(header)
    if sep == ";" and dutch == "refuse":
        raise InputError(_dutch_problem(shown, header))
    frame = _parse_csv(text, shown, spec, sep)
    if sep == ";":
        numeric = [c.name for c in spec.columns if c.dtype != "str"]
        ambiguous = _ambiguous_numbers(frame, numeric, shown)
        if ambiguous:
            raise InputError(ambiguous)
        for name in numeric:
            frame[name] = frame[name].map(dutch_number)
    if frame.empty:
        raise InputError(
            Problem(
                shown,
                "het bestand heeft een kopregel maar geen rijen met gegevens",
                row=HEADER_LINE + 1,
            )
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
    >>> [p.row for p in check_known(df, "code", {"GM0197"}, "x.csv", "onbekende code")]
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
