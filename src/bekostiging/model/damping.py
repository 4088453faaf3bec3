"""How much of the historical trend to carry on: chosen by scoring earlier origins only.

The start budget continues the real growth of spending per inhabitant at a share ``d`` of its
historical mean (``startbudget.trend_damping``). Issue 9: such a setting is chosen by the
evaluation on earlier origins, never by hand against later years. :func:`choose_damping` does
that as of reference year Y, on all Dutch municipalities:

* the real growth per inhabitant per municipality, scope (youth, Wmo) and year
  (:func:`real_growth_per_inhabitant`: Iv3 actuals, CBS year-average population, the care
  price index; changes beyond ``projection.outlier_log_growth`` are booking breaks and left
  out, as in the calibration);
* at each origin ``o`` the trend is the mean growth of the years up to ``o`` over the
  municipality's jeugdzorgregio (the start budget, too, calibrates the trend over the region);
  the forecast of the growth in each of the years ``o+1 .. o+3`` is ``d x`` that trend;
* only years up to Y are scored, so every error is known as of Y; the ``d`` on the grid
  0, 0.05, ..., 1 with the lowest mean squared error wins (squared, because the start budget
  is an expected value).

With fewer than :data:`MIN_SCORED` scored growths (reference years before 2022: the population
table starts in 2019) the named assumption in ``data/assumptions`` is used instead, and the
table says so.

>>> g = pd.DataFrame({"gemeentecode": "A", "scope": "youth",
...                   "year": [2018, 2019, 2020, 2021], "growth": [0.10, 0.10, 0.05, 0.05]})
>>> t = damping_scores(g, 2021, grid=(0.0, 0.5, 1.0), min_history=1)
>>> (t[["damping", "mse"]] * [1, 1e4]).round(1).values.tolist()  # mse in 1e-4
[[0.0, 37.5], [0.5, 4.3], [1.0, 18.5]]

Six scored growths: origin 2018 (trend 0.10) forecasts 2019, 2020 and 2021 (actual 0.10,
0.05, 0.05) as ``d x 0.10``; origin 2019 (trend 0.10) forecasts 2020 and 2021; origin 2020
(trend 0.25 / 3 = 0.0833) forecasts 2021. With ``d = 0.5``: errors 0.05, 0, 0, 0, 0 and
0.0083, mean square 0.00043; ``d = 0.5`` scores best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.model.calibration import index_path

GRID = tuple(round(0.05 * k, 2) for k in range(21))
HORIZONS = 3  # growth in the three years after the origin, as the pooled model's horizons
MIN_HISTORY = 2  # an origin's trend needs at least this many yearly growths
MIN_SCORED = 500  # fewer scored growths: the named assumption is used
SCOPES = ("youth", "wmo")


@dataclass(frozen=True)
class DampingChoice:
    """The chosen share, where it comes from, and the scores behind it."""

    value: float
    source: str  # "evaluation", "assumption" (thin evidence) or "scenario" (set by the user)
    scores: pd.DataFrame  # damping, mae, n (empty when the evidence is too thin)

    def note(self) -> str:
        n = int(self.scores["n"].max()) if len(self.scores) else 0
        if self.source == "evaluation":
            return f"chosen on {n} earlier forecasts of a yearly growth (lowest mean squared error)"
        if self.source == "scenario":
            return "set by the scenario"
        return f"named assumption: {n} earlier forecasts are too few to choose"


def real_growth_per_inhabitant(
    panel: pd.DataFrame,
    population: pd.DataFrame,
    rates: Mapping[int, float],
    reference_year: int,
    clip: float,
    scopes: Sequence[str] = SCOPES,
) -> pd.DataFrame:
    """Yearly log growth of real actual spending per inhabitant, up to ``reference_year``.

    ``panel`` is the national Iv3 panel (:func:`bekostiging.data.panel.build_panel`),
    ``population`` the CBS table (``population_avg`` per code and year). Only actuals and
    year averages up to Y enter; the growth of year t is deflated by the index rate of t.

    >>> panel = pd.DataFrame({"gemeentecode": "A", "year": [2020, 2021], "report": "actuals",
    ...                       "scope": "youth", "spending": [100.0, 121.0]})
    >>> pop = pd.DataFrame({"gemeentecode": "A", "year": [2020, 2021],
    ...                     "population_avg": [10.0, 11.0]})
    >>> g = real_growth_per_inhabitant(panel, pop, {2021: 0.1}, 2021, clip=1.5)
    >>> round(float(g["growth"].iloc[0]), 6)  # ln(1.21 / 1.1 / 1.1) = 0
    0.0
    """
    actual = panel.loc[
        (panel["report"] == "actuals")
        & (panel["year"] <= reference_year)
        & panel["scope"].isin(list(scopes))
    ]
    pop = population.loc[population["year"] <= reference_year, ["gemeentecode", "year"]].assign(
        population=population["population_avg"].astype(float)
    )
    f = actual.merge(pop, on=["gemeentecode", "year"], how="inner")
    f = f.loc[(f["spending"] > 0) & (f["population"] > 0)].sort_values(
        ["gemeentecode", "scope", "year"]
    )
    f = f.assign(level=np.log(f["spending"] / f["population"]))
    grp = f.groupby(["gemeentecode", "scope"])
    f = f.assign(prev=grp["year"].shift(1), growth=f["level"] - grp["level"].shift(1))
    f = f.loc[f["prev"] == f["year"] - 1]
    f = f.assign(growth=f["growth"] - np.log1p(f["year"].map(rates).astype(float)))
    f = f.loc[f["growth"].abs() <= clip]
    return f[["gemeentecode", "scope", "year", "growth"]].reset_index(drop=True)


def damping_scores(
    growth: pd.DataFrame,
    reference_year: int,
    groups: Mapping[str, str] | None = None,
    grid: Sequence[float] = GRID,
    horizons: int = HORIZONS,
    min_history: int = MIN_HISTORY,
) -> pd.DataFrame:
    """Mean squared error of ``d x trend`` per grid value, on growths known as of Y.

    The trend at origin ``o`` is the mean growth up to ``o`` of the municipality's group
    (``groups``: code -> jeugdzorgregio, as the start budget calibrates the trend over the
    region's municipalities), or of the municipality itself without ``groups``. The score is
    the squared error because the start budget is an expected value (a mean). Returns the
    columns ``damping, mse, n``; empty when no origin has a scored year.
    """
    g = growth.loc[growth["year"] <= reference_year]
    g = g.assign(group=g["gemeentecode"].map(groups) if groups is not None else g["gemeentecode"])
    g = g.dropna(subset=["group"])
    wide = g.pivot_table(index=["gemeentecode", "scope"], columns="year", values="growth")
    own = g.pivot_table(index=["group", "scope"], columns="year", values="growth")
    counts = g.pivot_table(
        index=["group", "scope"], columns="year", values="growth", aggfunc="count"
    )
    group_of = wide.index.get_level_values("gemeentecode").map(
        g.drop_duplicates("gemeentecode").set_index("gemeentecode")["group"]
    )
    key = pd.MultiIndex.from_arrays([group_of, wide.index.get_level_values("scope")])
    years = sorted(wide.columns)
    pairs = []
    for o in years:
        past = [y for y in years if y <= o]
        enough = (counts[past] > 0).sum(axis=1) >= min_history
        trend = own[past].mean(axis=1).where(enough).reindex(key).to_numpy()
        for y in range(o + 1, min(o + horizons, reference_year) + 1):
            if y in wide.columns:
                pair = pd.DataFrame({"trend": trend, "actual": wide[y].to_numpy()})
                pairs.append(pair.dropna())
    cols = {"damping": pd.Series(dtype=float), "mse": pd.Series(dtype=float)}
    if not pairs:
        return pd.DataFrame({**cols, "n": pd.Series(dtype=float)})
    both = pd.concat(pairs, ignore_index=True)
    if both.empty:
        return pd.DataFrame({**cols, "n": pd.Series(dtype=float)})
    trend, actual = both["trend"].to_numpy(), both["actual"].to_numpy()
    d = np.asarray(grid, dtype=float)
    mse = ((actual[None, :] - d[:, None] * trend[None, :]) ** 2).mean(axis=1)
    return pd.DataFrame({"damping": d, "mse": mse, "n": float(len(both))})


def choose_damping(
    growth: pd.DataFrame,
    reference_year: int,
    assumption: float,
    groups: Mapping[str, str] | None = None,
    min_scored: int = MIN_SCORED,
) -> DampingChoice:
    """The grid value with the lowest error as of Y, or ``assumption`` on thin evidence.

    >>> g = pd.DataFrame({"gemeentecode": "A", "scope": "youth",
    ...                   "year": [2018, 2019, 2020, 2021], "growth": [0.10, 0.10, 0.05, 0.05]})
    >>> choose_damping(g, 2021, 0.5, min_scored=1).value
    0.5
    >>> c = choose_damping(g, 2021, 0.7)
    >>> c.value, c.source
    (0.7, 'assumption')
    """
    scores = damping_scores(growth, reference_year, groups)
    if len(scores) and int(scores["n"].iloc[0]) >= min_scored:
        best = scores.loc[scores["mse"].idxmin(), "damping"]
        return DampingChoice(float(best), "evaluation", scores)
    return DampingChoice(float(assumption), "assumption", scores)


def damping_as_of(
    params: Parameters,
    reference_year: int,
    panel: pd.DataFrame,
    population: pd.DataFrame,
    groups: Mapping[str, str] | None = None,
) -> DampingChoice:
    """The damping the start budget uses as of Y.

    A value set by a scenario (``startbudget.trend_damping`` overridden) is the user's choice
    and used as it is; otherwise :func:`choose_damping` on the national data known as of Y,
    with the shipped value as the fallback on thin evidence.
    """
    spec = params.param("startbudget.trend_damping")
    value = float(params.value("startbudget.trend_damping"))
    if spec.overrides:
        return DampingChoice(value, "scenario", pd.DataFrame(columns=["damping", "mse", "n"]))
    first = int(panel["year"].min()) if len(panel) else reference_year
    rates = index_path(params, range(first, reference_year + 1), known_until=reference_year)
    clip = float(params.value("projection.outlier_log_growth"))
    growth = real_growth_per_inhabitant(panel, population, rates, reference_year, clip)
    return choose_damping(growth, reference_year, value, groups)
