"""The contract period: which calendar years it covers and which part of each year.

Budgets are per calendar year (municipal budget years). A contract that starts on 1 July covers
half of its first calendar year and half of its last; amounts for those years are pro-rated.
Fractions are counted in months (a start on the 1st of a month counts that whole month; a start
later in the month counts the remaining days of that month as a fraction of it).

>>> import datetime as dt
>>> year_fractions(dt.date(2022, 7, 1), 7)
{2022: 0.5, 2023: 1.0, 2024: 1.0, 2025: 1.0, 2026: 1.0, 2027: 1.0, 2028: 1.0, 2029: 0.5}
>>> year_fractions(dt.date(2021, 8, 1), 1)
{2021: 0.4166666666666667, 2022: 0.5833333333333334}
>>> sum(year_fractions(dt.date(2022, 7, 1), 7).values())
7.0
"""

from __future__ import annotations

import calendar
import datetime as dt

from bekostiging.core.errors import ParameterError, Problem


def parse_date(value: str | dt.date, what: str = "de ingangsdatum van het contract") -> dt.date:
    """A date from a notebook parameter such as ``'2022-07-01'``, with a clear error.

    >>> parse_date("2026-01-01")
    datetime.date(2026, 1, 1)
    """
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParameterError(
            Problem(
                "parameters",
                f"{what} is geen datum",
                found=value,
                expected="JJJJ-MM-DD, bijvoorbeeld 2022-07-01",
            )
        ) from None


def _month_position(d: dt.date) -> float:
    """Months since year 0 at date ``d`` (fractional within the month)."""
    days = calendar.monthrange(d.year, d.month)[1]
    return d.year * 12 + (d.month - 1) + (d.day - 1) / days


def year_fractions(start: dt.date, years: float) -> dict[int, float]:
    """Share of each calendar year that falls inside ``[start, start + years)``."""
    if years <= 0:
        raise ParameterError(
            Problem("parameters", "de looptijd van het contract moet positief zijn", found=years)
        )
    begin = _month_position(start)
    end = begin + 12 * years
    out = {}
    for year in range(start.year, int(end // 12) + 1):
        lo, hi = max(begin, year * 12), min(end, (year + 1) * 12)
        if hi > lo:
            out[year] = (hi - lo) / 12
    return out


def contract_end(start: dt.date, years: int) -> dt.date:
    """The day after the last contract day.

    >>> contract_end(dt.date(2022, 7, 1), 7)
    datetime.date(2029, 7, 1)
    """
    return start.replace(year=start.year + years)
