"""Data quality: do the configured inputs agree with the raw data?

The start of the data-quality step. Configuration (``config``) is checked on its own when it
is read; what can only be checked against the CBS and Iv3 tables is checked here.

>>> from bekostiging.config.region import load_region
>>> check_against_data(load_region("alkmaar"))
>>> sorted(taakveld_scheme(load_region("achterhoek"))[2017])[:3]
['6.1', '6.2', '6.3']
"""

from __future__ import annotations

import pandas as pd

from bekostiging.config.conversion import FIRST_SPLIT_YEAR, YOUTH_FIELDS
from bekostiging.config.region import Municipality, Region
from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.data.rawdata import load_iv3, load_population, load_taakvelden


def _code_problem(region: Region, m: Municipality, known: set, years: list[int]) -> Problem | None:
    """The problem with one municipality's code, if its years are (partly) absent."""
    valid = [y for y in years if m.exists_in(y)]
    missing = [y for y in valid if (m.code, y) not in known]
    shown = display_path(region.source_file)
    if valid and len(missing) == len(valid):
        return Problem(
            shown,
            f"municipality code {m.code} ({m.name}) does not occur in the "
            "CBS population or Iv3 data",
            row=m.line,
            column="code",
            found=m.code,
            expected="a CBS code such as GM0197",
        )
    if missing:
        return Problem(
            shown,
            f"{m.code} ({m.name}) has no data for "
            f"{', '.join(map(str, missing[:5]))}; check 'from'/'until' (mergers)",
            row=m.line,
            column="code",
            found=m.code,
        )
    return None


def check_against_data(
    region: Region, population: pd.DataFrame | None = None, iv3: pd.DataFrame | None = None
) -> None:
    """Every municipality of the region must exist in the data for the years it is valid.

    Codes are checked against CBS population (2019-2026) and Iv3 (2017-2026); a mistyped or
    unknown code is reported with its line in the region file.
    """
    population = load_population() if population is None else population
    iv3 = load_iv3() if iv3 is None else iv3
    known = set(zip(population["gemeentecode"], population["year"])) | set(
        zip(iv3["gemeentecode"], iv3["year"])
    )
    years = sorted({y for _, y in known if y >= region.first_year})
    problems = [_code_problem(region, m, known, years) for m in region.municipalities]
    problems = [p for p in problems if p is not None]
    if problems:
        raise InputError(problems)


def taakveld_scheme(region: Region, taakvelden: pd.DataFrame | None = None) -> dict[int, set[str]]:
    """The Iv3 task fields of every year, as the region's conversion table may use them.

    After the pre-2023 youth split, 6.73 and 6.74 exist in every year (harmonised scheme).
    """
    tv = load_taakvelden() if taakvelden is None else taakvelden
    scheme = tv.groupby("year")["taakveld"].agg(set).to_dict()
    if region.youth_split_years:
        scheme = {
            y: f | set(YOUTH_FIELDS) if y < FIRST_SPLIT_YEAR else f for y, f in scheme.items()
        }
    return scheme
