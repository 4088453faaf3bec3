"""The region's conversion table (``data/assumptions/conversion/<region>.csv``).

Per year range and Iv3 task field (taakveld), the shares that go to each segment; a row with a
``gemeentecode`` replaces the general rule for that municipality. :class:`ConversionTable`
declares the columns; :func:`read_conversion` adds the checks against the region: segments
exist, codes are region municipalities, shares add up to 1, year ranges do not overlap, and
(given the Iv3 scheme) task fields exist in every year of their range.

>>> from bekostiging.config.region import load_region
>>> conv = read_conversion(load_region("achterhoek"))
>>> conv.query("taakveld == '6.82'")[["year_from", "year_to", "segment"]].values.tolist()
[[2017, 2024, 'jeugdbescherming'], [2025, 2026, 'jeugdbescherming']]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.config.frames import Series, pa, read_model_table
from bekostiging.config.region import Region
from bekostiging.core.errors import InputError, Problem, display_path

YOUTH_FIELDS = ("6.72", "6.73", "6.74")
FIRST_SPLIT_YEAR = 2023
KEY = ["years", "taakveld", "segment", "gemeentecode"]
BACKWARDS = "de jaren lopen achteruit (het eerste jaar is later dan het laatste)"


class ConversionTable(pa.DataFrameModel):
    """The columns of a conversion table and its row rules."""

    years: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{4}$")
    taakveld: Series[str] = pa.Field(str_matches=r"^6(\.\d{1,3})?$")
    segment: Series[str]
    share: Series[float] = pa.Field(ge=0, le=1)
    gemeentecode: Series[str] = pa.Field(nullable=True, str_matches=r"^GM\d{4}$")
    source: Series[str]
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error=BACKWARDS)
    def forwards(cls, df: pd.DataFrame) -> pd.Series:
        years = df["years"].str.split("-", expand=True).astype(int)
        return years[0] <= years[1]


def _row_problems(
    table: pd.DataFrame, region: Region, shown: str, scheme: Mapping[int, set[str]] | None
) -> Iterator[Problem]:
    seg_ids = set(region.segment_ids())
    codes = {m.code for m in region.municipalities}
    for idx, row in table.iterrows():
        line = int(idx) + 2
        if row.segment not in seg_ids:
            yield Problem(
                shown,
                "onbekend segment",
                row=line,
                column="segment",
                found=row.segment,
                expected="een van: " + ", ".join(sorted(seg_ids)),
            )
        if row.gemeentecode and row.gemeentecode not in codes:
            yield Problem(
                shown,
                "gemeente hoort niet bij de regio",
                row=line,
                column="gemeentecode",
                found=row.gemeentecode,
            )
        missing = [
            y
            for y in range(row.year_from, row.year_to + 1)
            if scheme and y in scheme and row.taakveld not in scheme[y]
        ]
        if missing:
            yield Problem(
                shown,
                f"taakveld {row.taakveld} bestaat niet in Iv3 {missing[0]}",
                row=line,
                column="taakveld",
                found=row.taakveld,
            )


def _sum_problems(table: pd.DataFrame, shown: str) -> Iterator[Problem]:
    group = ["years", "taakveld", "gemeentecode"]
    for (yrs, tvd, code), rows in table.groupby(group, sort=True):
        total = rows["share"].sum()
        if not np.isclose(total, 1.0, atol=1e-9):
            yield Problem(
                shown,
                f"de aandelen van taakveld {tvd} ({yrs}{', ' + code if code else ''}) tellen op "
                f"tot {total:.4f}",
                row=int(rows.index[0]) + 2,
                column="share",
                expected="1",
            )
    ranges = table.drop_duplicates(group)
    for (tvd, _code), grp in ranges.groupby(["taakveld", "gemeentecode"]):
        spans = sorted(zip(grp.year_from, grp.year_to, grp.index))
        for (_a0, a1, _), (b0, _b1, ib) in zip(spans, spans[1:]):
            if b0 <= a1:
                yield Problem(
                    shown,
                    f"de jaarreeksen van taakveld {tvd} overlappen",
                    row=int(ib) + 2,
                    column="years",
                )


def _field_number(taakveld: str) -> str:
    """A task field as a number, so 6.6 (to 2024) and 6.60 (from 2025) are one field.

    >>> _field_number("6.60"), _field_number("6.6"), _field_number("6.72")
    ('6.6', '6.6', '6.72')
    """
    head, _, tail = str(taakveld).partition(".")
    return f"{head}.{tail.rstrip('0') or '0'}"


def _coverage_problems(
    table: pd.DataFrame, shown: str, scheme: Mapping[int, set[str]] | None
) -> Iterator[Problem]:
    """A task field the table converts in one year range must be converted in every year it
    exists (a deleted row would silently leave its spending out of every segment)."""
    if not scheme:
        return
    general = table[table["gemeentecode"] == ""]
    converted = {_field_number(t) for t in general["taakveld"]}
    for (a, b, yrs), grp in general.groupby(["year_from", "year_to", "years"], sort=True):
        here = {_field_number(t) for t in grp["taakveld"]}
        for year in range(int(a), int(b) + 1):
            exists = {_field_number(t): t for t in scheme.get(year, set())}
            missing = sorted(f for f in converted - here if f in exists)
            if missing:
                yield Problem(
                    shown,
                    f"taakveld {exists[missing[0]]} wordt in andere jaren omgezet, maar in {yrs} "
                    f"niet (het bestaat in {year}): ontbreekt een regel?",
                    row=int(grp.index[0]) + 2,
                    column="taakveld",
                    found=yrs,
                    expected=f"regels voor taakveld {exists[missing[0]]} in {yrs}",
                )
                break


def read_conversion(
    region: Region, path: str | Path | None = None, scheme: Mapping[int, set[str]] | None = None
) -> pd.DataFrame:
    """Read and check a conversion table (all problems together, with row and column).

    ``scheme`` maps a year to its Iv3 task fields (see ``data.quality.taakveld_scheme``); the
    task fields are checked against it when given.
    """
    path = region.conversion_file if path is None else path
    shown = display_path(path)
    table, problems = read_model_table(
        path, ConversionTable, "conversion", {BACKWARDS: "years"}, KEY
    )
    years = table["years"].str.split("-", expand=True).astype(int)
    table["year_from"], table["year_to"] = years[0], years[1]
    table["gemeentecode"] = table["gemeentecode"].fillna("")
    problems += [
        *_row_problems(table, region, shown, scheme),
        *_sum_problems(table, shown),
        *_coverage_problems(table, shown, scheme),
    ]
    if problems:
        raise InputError(problems)
    table["estimated"] = ~table["source"].str.lower().str.startswith("iv3")
    return table
