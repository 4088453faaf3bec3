"""Affordability: the start budget and its P90 against the municipality's own budget.

The start budget says what the contracts will cost; the college has to pay it out of its own
multi-year budget (Iv3 primary budget, *begroting*). This module sets the two side by side
per domain and contract year and says how large the gap is, in euros and per inhabitant.

Two facts make the comparison honest:

* **Budgets reach only so far.** The Iv3 budgets stop at the last published budget year
  (2026 in the shipped data). A contract year beyond it is compared with the last budget,
  carried forward with the care price index; its basis says so (``indexed_from``).
* **Budgets have been too low before.** :func:`budget_bias` measures how far the actuals
  were above the primary budget in the years both exist (in the Achterhoek 17 % to 31 % for
  youth care). ``realistic_budget`` is the own budget times that ratio: what a budget of
  this size has turned out to mean. A gap against the own budget that the bias already
  explains is not new money the contract asks for, but a budget that was too low.

>>> need = pd.DataFrame({"domain": ["jeugd"], "year": [2027],
...                      "start_budget": [110.0], "p90": [125.0]})
>>> own = pd.DataFrame({"domain": ["jeugd", "jeugd"], "year": [2025, 2026],
...                     "budget": [95.0, 100.0]})
>>> t = affordability(need, own, {"jeugd": 1.2}, population=10.0, index={2027: 0.05})
>>> t[["own_budget", "indexed_from", "gap_start", "gap_p90", "gap_start_per_inhabitant"]]
   own_budget  indexed_from  gap_start  gap_p90  gap_start_per_inhabitant
0       105.0          2026        5.0     20.0                       0.5
>>> float(t["realistic_budget"].iloc[0]), float(t["gap_start_realistic"].iloc[0])
(126.0, -16.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

COLUMNS = [
    "domain",
    "year",
    "own_budget",
    "budget_year",
    "indexed_from",
    "start_budget",
    "p90",
    "gap_start",
    "gap_p90",
    "gap_start_per_inhabitant",
    "gap_p90_per_inhabitant",
    "bias_ratio",
    "realistic_budget",
    "gap_start_realistic",
    "gap_p90_realistic",
]


def budget_bias(errors: pd.DataFrame, by: str = "domain") -> pd.DataFrame:
    """Per group: the typical ratio actual / primary budget and the years it rests on.

    ``errors`` is a :func:`bekostiging.model.calibration.budget_errors` frame (columns
    ``ratio``, ``log_error``, ``year`` and ``by``). ``ratio`` is the geometric mean
    ``exp(mean log error)``, so one extreme year does not dominate; ``min_ratio`` and
    ``max_ratio`` give the range.

    >>> e = pd.DataFrame({"domain": ["jeugd"] * 2, "year": [2023, 2024],
    ...                   "ratio": [1.21, 1.0], "log_error": np.log([1.21, 1.0])})
    >>> budget_bias(e).round(3).to_dict("records")
    [{'domain': 'jeugd', 'ratio': 1.1, 'min_ratio': 1.0, 'max_ratio': 1.21, 'first_year': 2023, 'last_year': 2024, 'n': 2}]
    """
    g = errors.groupby(by)
    out = pd.DataFrame(
        {
            "ratio": np.exp(g["log_error"].mean()),
            "min_ratio": g["ratio"].min(),
            "max_ratio": g["ratio"].max(),
            "first_year": g["year"].min().astype(int),
            "last_year": g["year"].max().astype(int),
            "n": g.size(),
        }
    )
    return out.reset_index()


def own_budget_path(
    own: pd.DataFrame, years: list[int], index: Mapping[int, float]
) -> pd.DataFrame:
    """The own primary budget per domain for ``years``, as far as budgets reach.

    ``own`` has ``domain``, ``year`` and ``budget``. A year with a budget keeps it
    (``indexed_from`` empty); a later year gets the last budget times the care price index
    of the years in between (``index``: rate per year, applied on 1 January). Years before the
    first budget are left out.

    >>> own = pd.DataFrame({"domain": ["wmo"], "year": [2026], "budget": [200.0]})
    >>> own_budget_path(own, [2026, 2027, 2028], {2027: 0.1, 2028: 0.1}).round(2)
      domain  year  own_budget  budget_year  indexed_from
    0    wmo  2026       200.0         2026          <NA>
    1    wmo  2027       220.0         2026          2026
    2    wmo  2028       242.0         2026          2026
    """
    rows = []
    for domain, g in own.groupby("domain", sort=True):
        by_year = g.groupby("year")["budget"].sum()
        by_year = by_year[by_year > 0]
        if by_year.empty:
            continue
        last = int(by_year.index.max())
        for y in years:
            if y in by_year.index:
                rows.append((domain, y, float(by_year[y]), y, None))
            elif y > last:
                level = float(np.prod([1.0 + float(index[k]) for k in range(last + 1, y + 1)]))
                rows.append((domain, y, float(by_year[last]) * level, last, last))
    out = pd.DataFrame(
        rows, columns=["domain", "year", "own_budget", "budget_year", "indexed_from"]
    )
    out["indexed_from"] = out["indexed_from"].astype("Int64")
    return out


def affordability(
    need: pd.DataFrame,
    own: pd.DataFrame,
    bias: Mapping[str, float],
    population: float,
    index: Mapping[int, float],
) -> pd.DataFrame:
    """Per domain and year: start budget and P90 against the own budget, and the gaps.

    ``need``: ``domain``, ``year``, ``start_budget`` and ``p90`` (what the municipality pays
    at 90 % certainty). ``own``: the own primary budgets (``domain``, ``year``, ``budget``) of
    the same segments. ``bias``: the typical ratio actual / budget per domain
    (:func:`budget_bias`; a domain without history gets 1.0, i.e. no correction).
    ``population``: inhabitants, for the gaps per inhabitant. ``index``: care price index
    rates for the years beyond the last budget (:func:`own_budget_path`).

    A positive gap is money the own budget does not hold. Years without any budget (before
    the first) are left out. See the module example for a hand-computed case.
    """
    if population <= 0:
        raise ValueError(f"population must be > 0; found {population!r}")
    years = sorted({int(y) for y in need["year"]})
    path = own_budget_path(own, years, index)
    t = need.merge(path, on=["domain", "year"], how="inner")
    t["gap_start"] = t["start_budget"] - t["own_budget"]
    t["gap_p90"] = t["p90"] - t["own_budget"]
    t["gap_start_per_inhabitant"] = t["gap_start"] / population
    t["gap_p90_per_inhabitant"] = t["gap_p90"] / population
    t["bias_ratio"] = [float(bias.get(d, 1.0)) for d in t["domain"]]
    t["realistic_budget"] = t["own_budget"] * t["bias_ratio"]
    t["gap_start_realistic"] = t["start_budget"] - t["realistic_budget"]
    t["gap_p90_realistic"] = t["p90"] - t["realistic_budget"]
    return t[COLUMNS].sort_values(["domain", "year"]).reset_index(drop=True)


def one_off_rows(costs: Mapping[int, float], population: float, label: str) -> pd.DataFrame:
    """Rows for a certain one-off cost outside the own budget (e.g. the transition).

    The own budget holds nothing for it, so the whole cost is a gap, at start and at P90.

    >>> one_off_rows({2027: 50.0}, 10.0, "overgang")[["domain", "year", "gap_start", "gap_p90"]]
         domain  year  gap_start  gap_p90
    0  overgang  2027       50.0     50.0
    """
    rows = []
    for year, cost in sorted(costs.items()):
        c = float(cost)
        rows.append(
            {
                "domain": label,
                "year": int(year),
                "own_budget": 0.0,
                "budget_year": pd.NA,
                "indexed_from": pd.NA,
                "start_budget": c,
                "p90": c,
                "gap_start": c,
                "gap_p90": c,
                "gap_start_per_inhabitant": c / population,
                "gap_p90_per_inhabitant": c / population,
                "bias_ratio": 1.0,
                "realistic_budget": 0.0,
                "gap_start_realistic": c,
                "gap_p90_realistic": c,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["indexed_from"] = out["indexed_from"].astype("Int64")
    return out


def with_total(
    table: pd.DataFrame,
    population: float,
    total_p90: Mapping[int, float] | None = None,
    label: str = "totaal",
) -> pd.DataFrame:
    """Add a row per year summing the domains (the ratio becomes the budget-weighted one).

    A P90 does not add up: the total's P90 is the quantile of the summed draws, less than the
    sum of the parts' P90s when they do not move together. Give it in ``total_p90`` (per
    year); without it the total's P90 and its gaps are left empty (NaN) rather than wrong.

    >>> need = pd.DataFrame({"domain": ["jeugd", "wmo"], "year": [2027, 2027],
    ...                      "start_budget": [110.0, 50.0], "p90": [125.0, 60.0]})
    >>> own = pd.DataFrame({"domain": ["jeugd", "wmo"], "year": [2027, 2027],
    ...                     "budget": [100.0, 50.0]})
    >>> t = with_total(affordability(need, own, {}, 10.0, {}), 10.0, total_p90={2027: 180.0})
    >>> t.loc[t["domain"] == "totaal", ["own_budget", "gap_start", "gap_p90"]].to_dict("records")
    [{'own_budget': 150.0, 'gap_start': 10.0, 'gap_p90': 30.0}]
    """
    sums = ["own_budget", "start_budget", "realistic_budget"]
    if table.empty:
        return table
    tot = table.groupby("year", as_index=False)[sums].sum()
    tot["p90"] = [float((total_p90 or {}).get(int(y), np.nan)) for y in tot["year"]]
    tot["domain"] = label
    tot["budget_year"] = (
        pd.to_numeric(table["budget_year"], errors="coerce").groupby(table["year"]).min().to_numpy()
    )
    tot["indexed_from"] = pd.array(
        pd.to_numeric(table["indexed_from"], errors="coerce")
        .groupby(table["year"])
        .max()
        .to_numpy(),
        dtype="Int64",
    )
    tot["gap_start"] = tot["start_budget"] - tot["own_budget"]
    tot["gap_p90"] = tot["p90"] - tot["own_budget"]
    tot["gap_start_per_inhabitant"] = tot["gap_start"] / population
    tot["gap_p90_per_inhabitant"] = tot["gap_p90"] / population
    tot["bias_ratio"] = tot["realistic_budget"] / tot["own_budget"].where(tot["own_budget"] > 0)
    tot["gap_start_realistic"] = tot["start_budget"] - tot["realistic_budget"]
    tot["gap_p90_realistic"] = tot["p90"] - tot["realistic_budget"]
    return pd.concat([table, tot[COLUMNS]], ignore_index=True)
