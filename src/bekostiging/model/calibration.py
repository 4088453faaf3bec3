"""Calibrate the projection's trend and uncertainty on the history in the data.

Two sources, both from Iv3 (``data/raw``):

* **Real growth** of spending per inhabitant of the target group, year on year, per
  municipality and unit (segment or domain), after removing the care price index. Its mean is
  the historical trend; its spread is the year-to-year uncertainty; the share of the spread
  that all municipalities share in a year (a regional shock) sets their correlation.
* **Budget errors**: how far the municipalities' own primary budgets (Iv3 begroting) were from
  the actuals (Iv3 jaarrekening) of the same year. For Achterhoek youth care the actuals were
  17 % to 31 % above budget every year 2017-2024. Their spread is a floor under the projection's
  one-year-ahead uncertainty; their mean is a bias of the budgets, not of the projection.

>>> frame = pd.DataFrame({"gemeentecode": ["A"] * 3 + ["B"] * 3, "unit": ["u"] * 6,
...     "year": [2019, 2020, 2021] * 2, "spend": [100.0, 110.0, 121.0, 200.0, 200.0, 200.0],
...     "population": [10.0] * 6})
>>> g = real_growth(frame, {2020: 0.0, 2021: 0.0})
>>> [round(x, 4) for x in g["log_growth"]]
[0.0953, 0.0953, 0.0, 0.0]
>>> cal = calibrate_growth(g)
>>> round(float(cal.loc["u", "mu"]), 4), int(cal.loc["u", "n"])
(0.0477, 4)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

CLIP = 0.7  # default for callers without parameters: see projection.outlier_log_growth


def index_known_until(reference_year: int) -> int:
    """The last year whose care price index is known as of ``reference_year`` (Y+1).

    The index for the year after the reference year is published in its autumn, with the
    primary budgets; later rates are unknown and repeat that last known rate.

    >>> index_known_until(2021)
    2022
    """
    return reference_year + 1


def index_path(params, years: Iterable[int], known_until: int | None = None) -> dict[int, float]:
    """Yearly care price index; years after ``known_until`` repeat the last known rate.

    ``known_until=None`` uses every rate in the assumptions: only for reporting the index
    itself, never for an as-of result (use :func:`index_known_until`).

    >>> from bekostiging.config.region import load_region
    >>> p = load_region("achterhoek").parameters
    >>> index_path(p, [2022, 2023, 2024], known_until=2022)
    {2022: 0.035, 2023: 0.035, 2024: 0.035}
    """
    out = {}
    for y in years:
        year = y if known_until is None else min(y, known_until)
        out[y] = float(params.value("index.care_cost", year=year))
    return out


def cumulative_index(rates: Mapping[int, float], base_year: int, year: int) -> float:
    """Price level of ``year`` relative to ``base_year`` (rates apply on 1 January).

    >>> cumulative_index({2022: 0.1, 2023: 0.1}, 2021, 2023)
    1.2100000000000002
    >>> cumulative_index({2022: 0.1}, 2022, 2021)
    0.9090909090909091
    """
    if year >= base_year:
        return float(np.prod([1.0 + rates[y] for y in range(base_year + 1, year + 1)]))
    return 1.0 / cumulative_index(rates, year, base_year)


def real_growth(
    frame: pd.DataFrame,
    rates: Mapping[int, float],
    exclude: Iterable[tuple[str, int]] = (),
    clip: float = CLIP,
) -> pd.DataFrame:
    """Year-on-year log growth of real spending per inhabitant.

    ``frame`` has ``gemeentecode, unit, year, spend, population``. ``exclude`` lists
    ``(unit, year)`` transitions to leave out (a break in the Iv3 code scheme). Non-positive
    amounts and growth beyond ``clip`` in absolute value are left out as booking artefacts.
    """
    f = frame.sort_values(["gemeentecode", "unit", "year"]).copy()
    f = f[(f["spend"] > 0) & (f["population"] > 0)]
    f["level"] = np.log(f["spend"] / f["population"])
    grp = f.groupby(["gemeentecode", "unit"])
    f["prev_year"] = grp["year"].shift(1)
    f["log_growth"] = f["level"] - grp["level"].shift(1)
    f = f[f["prev_year"] == f["year"] - 1].copy()
    f["log_growth"] -= np.log1p(f["year"].map(rates).astype(float))
    drop = set(exclude)
    keep = [(u, y) not in drop for u, y in zip(f["unit"], f["year"])]
    f = f[keep]
    f = f[f["log_growth"].abs() <= clip]
    return f[["gemeentecode", "unit", "year", "log_growth"]].reset_index(drop=True)


def calibrate_growth(growth: pd.DataFrame) -> pd.DataFrame:
    """Per unit: mean growth ``mu``, spread ``sigma``, regional share of variance ``rho``.

    ``sigma`` is the standard deviation of all municipality-year growth rates of the unit;
    ``sigma_common`` the standard deviation of the yearly means across municipalities;
    ``rho = sigma_common**2 / sigma**2`` (clipped to [0, 1]) is the correlation the projection
    gives two municipalities' shocks in the same year.
    """
    rows = {}
    for unit, g in growth.groupby("unit"):
        x = g["log_growth"].to_numpy()
        year_means = g.groupby("year")["log_growth"].mean()
        sigma = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
        common = float(np.std(year_means, ddof=1)) if len(year_means) > 1 else 0.0
        rho = min(1.0, common**2 / sigma**2) if sigma > 0 else 0.0
        rows[unit] = {
            "mu": float(np.mean(x)),
            "sigma": sigma,
            "sigma_common": common,
            "rho": rho,
            "n": len(x),
            "first_year": int(g["year"].min()) - 1,
            "last_year": int(g["year"].max()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def budget_errors(
    actuals: pd.DataFrame, budgets: pd.DataFrame, keys: list[str], value: str = "spend_booked"
) -> pd.DataFrame:
    """Actual against primary budget per key and year: ``ratio`` and ``log_error``.

    Both frames are baselines (jaarrekening and begroting); ``keys`` e.g.
    ``["gemeentecode", "domain"]`` or ``["domain"]`` for the region.
    """
    a = actuals.groupby([*keys, "year"])[value].sum().rename("actual")
    b = budgets.groupby([*keys, "year"])[value].sum().rename("budget")
    out = pd.concat([a, b], axis=1, join="inner").reset_index()
    out = out[(out["actual"] > 0) & (out["budget"] > 0)]
    out["ratio"] = out["actual"] / out["budget"]
    out["log_error"] = np.log(out["ratio"])
    return out.reset_index(drop=True)


def budget_error_spread(errors: pd.DataFrame, by: str = "domain") -> pd.DataFrame:
    """Per group: mean log error (the budgets' bias) and the spread around it."""
    g = errors.groupby(by)["log_error"]
    return pd.DataFrame(
        {
            "bias": g.mean(),
            "sigma": g.std(ddof=1),
            "n": g.size(),
            "min_ratio": errors.groupby(by)["ratio"].min(),
            "max_ratio": errors.groupby(by)["ratio"].max(),
        }
    )
