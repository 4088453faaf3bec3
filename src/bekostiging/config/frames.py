"""CSV assumption tables declared as pandera ``DataFrameModel``s.

A table's model declares its columns (type, empty cells allowed, ranges, patterns, allowed
values) with ``pa.Field`` and its rules across columns with ``@pa.dataframe_check``, whose
``error`` text is the message a user sees. :func:`read_model_table` reads the CSV with
:func:`bekostiging.core.tables.read_table` (which keeps line numbers right: the header is line
1), then runs the model's row rules; every problem names the file, line and column.

>>> import tempfile, pathlib
>>> class Demo(pa.DataFrameModel):
...     lo: Series[int] = pa.Field(ge=0)
...     hi: Series[int] = pa.Field(ge=0)
...     @pa.dataframe_check(error="lo groter dan hi")
...     def ordered(cls, df):
...         return df["lo"] <= df["hi"]
>>> f = pathlib.Path(tempfile.mkdtemp()) / "demo.csv"
>>> _ = f.write_text("lo,hi\\n1,2\\n5,3\\n")
>>> frame, problems = read_model_table(f, Demo, "demo", columns={"lo groter dan hi": "lo"})
>>> print(problems[0])  # doctest: +ELLIPSIS
/.../demo.csv, rij 3, kolom 'lo': lo groter dan hi (gevonden: 5)
>>> spec_of(Demo, "demo").column("lo").expected()
'een geheel getal >= 0'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pandera.typing import Series

from bekostiging.core.errors import Problem, display_path
from bekostiging.core.tables import Column, TableSpec, read_table

__all__ = ["Series", "pa", "read_model_table", "spec_of"]

_BOUNDS = {
    "greater_than_or_equal_to": ("min_value", None),
    "less_than_or_equal_to": (None, "max_value"),
    "in_range": ("min_value", "max_value"),
}


def _column(name: str, column: pa.Column) -> Column:
    """The read_table column of one pandera column (type, empty cells, checks)."""
    dtype = str(column.dtype)
    kind = "int" if "int" in dtype else "float" if "float" in dtype else "str"
    options: dict = {}
    for check in column.checks:
        stats = check.statistics
        lo, hi = _BOUNDS.get(check.name, (None, None))
        if lo:
            options["min"] = stats[lo]
        if hi:
            options["max"] = stats[hi]
        if check.name == "str_matches":
            options["pattern"] = stats["pattern"]
        if check.name == "isin":
            options["allowed"] = tuple(stats["allowed_values"])
    return Column(name, kind, nullable=column.nullable, **options)


def spec_of(model: type[pa.DataFrameModel], name: str, key: Sequence[str] = ()) -> TableSpec:
    """The :class:`~bekostiging.core.tables.TableSpec` that reads a model's CSV."""
    schema = model.to_schema()
    return TableSpec(name, [_column(n, c) for n, c in schema.columns.items()], key=list(key))


def row_problems(
    model: type[pa.DataFrameModel],
    frame: pd.DataFrame,
    shown: str,
    columns: Mapping[str, str],
    expected: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Problems of the model's row rules (``@pa.dataframe_check``).

    ``columns`` maps a rule's message to the column it is reported on (its value is shown as
    found), ``expected`` to what was expected. The frame's index is the zero-based data row.
    """
    schema = pa.DataFrameSchema(checks=model.to_schema().checks)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.drop_duplicates(["check", "index"])
        return [
            Problem(
                shown,
                str(case.check),
                row=int(case.index) + 2,
                column=columns.get(str(case.check)),
                found=frame.at[case.index, columns[str(case.check)]]
                if str(case.check) in columns
                else None,
                expected=(expected or {}).get(str(case.check)),
            )
            for case in cases.itertuples(index=False)
            if case.index is not None and not pd.isna(case.index)
        ]
    return []


def read_model_table(
    path: str | Path,
    model: type[pa.DataFrameModel],
    name: str,
    columns: Mapping[str, str],
    key: Sequence[str] = (),
    expected: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV declared by ``model``: the typed frame and the problems of its row rules.

    A file that cannot be read or typed raises :class:`InputError` at once; the row-rule
    problems are returned so that the caller reports them with its own checks, all together.
    """
    frame = read_table(path, spec_of(model, name, key))
    return frame, row_problems(model, frame, display_path(path), columns, expected)
