"""Rolling-origin, out-of-sample evaluation of spending forecasts (issue 9).

The panel is :func:`bekostiging.data.panel.build_panel`: per current municipality code, year,
report (``actuals``/``budget``) and scope, the spending in euros.

**As of reference year Y** (:func:`as_of`) the actuals up to Y and the primary budgets up to Y+1
are known; nothing else is passed to a forecaster. A *forecaster* is any function
``f(known, origin, horizons) -> DataFrame`` with the columns :data:`FORECAST_COLUMNS` (per
municipality, scope and horizon: target ``year`` and ``p10``, ``p50``, ``p90``), computed from
``known`` alone. The four baselines of the issue are forecasters (:data:`BASELINES`):

* ``last_actual``: the latest known actual;
* ``trend``: the latest actual grown at the municipality's own mean annual log growth over the
  known actuals;
* ``budget``: the latest primary budget known at the origin (Y+1), carried forward;
* ``budget_ratio``: that budget times the municipality's own mean ratio of actual to budget over
  the years up to Y.

Their P10/P90 are the P50 times ``1 + q`` with ``q`` the 10 % / 90 % empirical quantile of the same
baseline's relative errors ``actual / p50 - 1`` at earlier origins, pooled over municipalities per
horizon and scope, using only actuals up to Y (:func:`with_empirical_band`). Without an earlier
origin for a horizon the band is NaN: no band is invented.

:func:`evaluate` runs every forecaster at every origin, adds the jeugdzorgregio level (P50 = the
sum of its municipalities' P50; band: see :func:`region_forecasts`) and scores the forecasts
against the actuals that followed (:func:`score`). Targets without actuals are "not compared":
counted, never scored as misses. :func:`evaluation_table` gives the summary table and a
CSV-ready frame.

>>> panel = toy_panel()
>>> known = as_of(panel, 2020)
>>> sorted(known.query("report == 'actuals'")["year"].unique().tolist())
[2017, 2018, 2019, 2020]
>>> last_actual_point(known, 2020, (1, 2)).query("gemeentecode == 'GM0001'")["p50"].tolist()
[130.0, 130.0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from bekostiging.core.errors import ParameterError, Problem
from bekostiging.data.panel import load_jeugdzorgregio_membership

Forecaster = Callable[[pd.DataFrame, int, Sequence[int]], pd.DataFrame]

FORECAST_COLUMNS = ["gemeentecode", "scope", "horizon", "year", "p10", "p50", "p90"]
BAND_QUANTILES = (0.1, 0.9)
LEVELS = ("municipality", "jeugdzorgregio")
EVALUATED_COLUMNS = [
    "forecaster",
    "level",
    "origin",
    "unit",
    "scope",
    "horizon",
    "year",
    "p10",
    "p50",
    "p90",
    "actual",
]
"""A forecast beside its actual: what :func:`evaluate` returns per row."""


def toy_panel() -> pd.DataFrame:
    """A 3-municipality, one-scope panel (actuals 2017-2022, budgets 2017-2023) for examples.

    GM0001 grows 10 a year from 100; GM0002 doubles; GM0003 is flat at 50. Budgets are 90 % of
    the actual (GM0001, GM0003) or equal to it (GM0002); budgets for 2023 are 160, 6400 and 45.

    >>> toy_panel().query("report == 'budget' and year == 2023")["spending"].tolist()
    [160.0, 6400.0, 45.0]
    """
    years = np.arange(2017, 2023)
    actual = {
        "GM0001": 100.0 + 10.0 * (years - 2017),
        "GM0002": 100.0 * 2.0 ** (years - 2017),
        "GM0003": np.full(len(years), 50.0),
    }
    ratio = {"GM0001": 0.9, "GM0002": 1.0, "GM0003": 0.9}
    last = {"GM0001": 160.0, "GM0002": 6400.0, "GM0003": 45.0}
    rows = []
    for code, values in actual.items():
        for y, v in zip(years, values, strict=True):
            rows.append((code, int(y), "actuals", v))
            rows.append((code, int(y), "budget", v * ratio[code]))
        rows.append((code, 2023, "budget", last[code]))
    frame = pd.DataFrame(rows, columns=["gemeentecode", "year", "report", "spending"])
    frame.insert(1, "gemeente", frame["gemeentecode"].str.replace("GM", "Gemeente "))
    frame.insert(4, "scope", "youth")
    return frame.sort_values(["gemeentecode", "year", "report"]).reset_index(drop=True)


def as_of(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """The information set as of reference year ``year``: actuals up to Y, budgets up to Y+1.

    >>> known = as_of(toy_panel(), 2019)
    >>> known.groupby("report")["year"].max().to_dict()
    {'actuals': 2019, 'budget': 2020}
    """
    keep = ((panel["report"] == "actuals") & (panel["year"] <= year)) | (
        (panel["report"] == "budget") & (panel["year"] <= year + 1)
    )
    return panel.loc[keep].reset_index(drop=True)


def _wide(known: pd.DataFrame, report: str) -> pd.DataFrame:
    """One report as a (gemeentecode, scope) x year table of spending."""
    rows = known.loc[known["report"] == report]
    return rows.pivot_table(
        index=["gemeentecode", "scope"], columns="year", values="spending", aggfunc="sum"
    )


def _expand(values: pd.Series, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Repeat a (gemeentecode, scope) series of P50s for every horizon (carried forward)."""
    frames = [
        values.rename("p50").reset_index().assign(horizon=h, year=origin + h) for h in horizons
    ]
    if not frames:
        return pd.DataFrame(columns=["gemeentecode", "scope", "horizon", "year", "p50"])
    out = pd.concat(frames, ignore_index=True)
    return out[["gemeentecode", "scope", "horizon", "year", "p50"]]


def _last(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The latest non-missing value per row and its year."""
    if wide.empty:
        empty = pd.Series(dtype=float, index=wide.index)
        return empty, empty
    filled = wide.notna()
    last_col = filled.iloc[:, ::-1].idxmax(axis=1).where(filled.any(axis=1))
    values = wide.to_numpy()
    pos = wide.columns.get_indexer(last_col.fillna(wide.columns[0]))
    value = pd.Series(values[np.arange(len(wide)), pos], index=wide.index)
    return value.where(last_col.notna()), last_col.astype(float)


def last_actual_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Baseline (a): the latest known actual, for every horizon.

    >>> p = last_actual_point(as_of(toy_panel(), 2019), 2019, (1, 3))
    >>> p.query("gemeentecode == 'GM0002'")[["year", "p50"]].values.tolist()
    [[2020.0, 400.0], [2022.0, 400.0]]
    """
    value, _ = _last(_wide(known, "actuals"))
    return _expand(value, origin, horizons)


def trend_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Baseline (b): the latest actual grown at the own mean annual log growth.

    The growth is ``(ln x_last - ln x_first) / (t_last - t_first)`` over the known positive
    actuals: the mean of the yearly log growth rates when no year is missing. Fewer than two
    positive actuals give NaN (no trend is invented).

    >>> p = trend_point(as_of(toy_panel(), 2019), 2019, (1, 2))
    >>> p.query("gemeentecode == 'GM0002'")["p50"].round(6).tolist()  # doubling continues
    [800.0, 1600.0]
    >>> p.query("gemeentecode == 'GM0003'")["p50"].tolist()  # flat stays flat
    [50.0, 50.0]
    """
    wide = _wide(known, "actuals")
    positive = wide.where(wide > 0)
    last, t_last = _last(positive)
    first, t_first = _last(positive.iloc[:, ::-1])
    span = t_last - t_first
    growth = (np.log(last) - np.log(first)) / span.where(span > 0)
    frames = []
    for h in horizons:
        p50 = last * np.exp(growth * (origin + h - t_last))
        frames.append(_expand(p50, origin, [h]))
    return pd.concat(frames, ignore_index=True)


def _latest_budget(known: pd.DataFrame, origin: int) -> pd.Series:
    """The budget for Y+1, or for Y where a municipality filed no budget for Y+1."""
    wide = _wide(known, "budget")
    cols = [y for y in (origin, origin + 1) if y in wide.columns]
    value, _ = _last(wide[cols]) if cols else (pd.Series(dtype=float), None)
    return value


def budget_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Baseline (c): the latest primary budget known at the origin (Y+1), carried forward.

    >>> p = budget_point(as_of(toy_panel(), 2022), 2022, (1, 2))
    >>> p.query("gemeentecode == 'GM0001'")["p50"].tolist()
    [160.0, 160.0]
    """
    return _expand(_latest_budget(known, origin), origin, horizons)


def budget_ratio_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Baseline (d): that budget x the own mean ratio of actual to budget up to Y.

    Only years with both figures and a positive budget enter the mean.

    >>> p = budget_ratio_point(as_of(toy_panel(), 2022), 2022, (1,))
    >>> p.set_index("gemeentecode")["p50"].round(4).to_dict()  # 160 / 0.9, 6400 / 1, 45 / 0.9
    {'GM0001': 177.7778, 'GM0002': 6400.0, 'GM0003': 50.0}
    """
    actual, budget = _wide(known, "actuals"), _wide(known, "budget")
    years = [y for y in actual.columns if y in budget.columns and y <= origin]
    budget_years = budget[years].reindex(actual.index)
    ratio = (actual[years] / budget_years.where(budget_years > 0)).mean(axis=1)
    value = _latest_budget(known, origin) * ratio.reindex(_latest_budget(known, origin).index)
    return _expand(value, origin, horizons)


def relative_errors(
    forecasts: pd.DataFrame, actuals: pd.DataFrame, keys: Sequence[str] = ("gemeentecode",)
) -> pd.DataFrame:
    """``actual / p50 - 1`` per forecast with a positive P50 and a known actual.

    ``actuals`` has the columns ``keys``, ``scope``, ``year``, ``spending``.

    >>> f = pd.DataFrame({"gemeentecode": ["A", "B"], "scope": "youth", "horizon": 1,
    ...                   "year": 2020, "p50": [100.0, 0.0]})
    >>> a = pd.DataFrame({"gemeentecode": ["A", "B"], "scope": "youth", "year": 2020,
    ...                   "spending": [110.0, 5.0]})
    >>> relative_errors(f, a)["error"].round(6).tolist()
    [0.1]
    """
    on = [*keys, "scope", "year"]
    both = forecasts.merge(actuals[[*on, "spending"]], on=on, how="inner")
    both = both.loc[(both["p50"] > 0) & both["spending"].notna()]
    return both.assign(error=both["spending"] / both["p50"] - 1.0)


def band_quantiles(
    errors: pd.DataFrame,
    quantiles: Sequence[float] = BAND_QUANTILES,
    horizons: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Quantiles of the relative errors per horizon and scope (columns ``q10, q90``).

    Empirical per horizon, with one floor: a horizon's band is at least as wide as the
    one-year band scaled by sqrt(horizon) in log terms (uncertainty that grows like a random
    walk). The floor matters where few multi-year errors exist yet (early origins, where the
    years between were calm) and fills a horizon in ``horizons`` that has no errors of its own.

    >>> e = pd.DataFrame({"horizon": 1, "scope": "youth", "error": [-0.2, 0.0, 0.1, 0.3]})
    >>> band_quantiles(e).round(3).values.tolist()
    [[1, 'youth', -0.14, 0.24]]
    >>> band_quantiles(e, horizons=(1, 4)).round(3).values.tolist()  # (0.86^2 - 1, 1.24^2 - 1)
    [[1, 'youth', -0.14, 0.24], [4, 'youth', -0.26, 0.538]]
    """
    names = [f"q{round(q * 100)}" for q in quantiles]
    errors = errors.astype({"error": float})
    grouped = errors.groupby(["horizon", "scope"])["error"]
    out = pd.concat(
        [grouped.quantile(q).rename(n) for q, n in zip(quantiles, names, strict=True)], axis=1
    ).reset_index()
    return _horizon_floor(out, names, horizons)


def _horizon_floor(
    q: pd.DataFrame, names: Sequence[str], horizons: Sequence[int] | None
) -> pd.DataFrame:
    """Widen each horizon's quantiles to at least the one-year ones x sqrt(h) in log terms."""
    one = q.loc[q["horizon"] == 1].set_index("scope")[list(names)]
    wanted = sorted(set(q["horizon"]) | set(horizons or ()))
    grid = pd.MultiIndex.from_product([wanted, list(one.index)], names=["horizon", "scope"])
    full = q.set_index(["horizon", "scope"]).reindex(
        q.set_index(["horizon", "scope"]).index.union(grid)
    )
    for n in names:
        base = np.log1p(one[n].clip(lower=-0.99))
        h = full.index.get_level_values("horizon").to_numpy(dtype=float)
        scope = full.index.get_level_values("scope")
        floor = np.expm1(base.reindex(scope).to_numpy() * np.sqrt(h))
        lower = float(n[1:]) < 50
        own = full[n].to_numpy()
        pick = np.fmin(own, floor) if lower else np.fmax(own, floor)
        full[n] = pick
    return full.reset_index().sort_values(["horizon", "scope"]).reset_index(drop=True)


def apply_band(point: pd.DataFrame, quantiles: pd.DataFrame) -> pd.DataFrame:
    """P10/P90 = P50 x (1 + q10/q90) per horizon and scope; NaN without quantiles or P50 <= 0.

    >>> p = pd.DataFrame({"gemeentecode": ["A"], "scope": "youth", "horizon": 1, "year": 2020,
    ...                   "p50": [100.0]})
    >>> q = pd.DataFrame({"horizon": [1], "scope": ["youth"], "q10": [-0.1], "q90": [0.2]})
    >>> apply_band(p, q)[["p10", "p50", "p90"]].round(6).values.tolist()
    [[90.0, 100.0, 120.0]]
    """
    out = point.merge(quantiles, on=["horizon", "scope"], how="left")
    ok = out["p50"] > 0
    out["p10"] = (out["p50"] * (1.0 + out["q10"])).where(ok)
    out["p90"] = (out["p50"] * (1.0 + out["q90"])).where(ok)
    return out.drop(columns=["q10", "q90"])


def past_errors(
    point_fn: Forecaster, known: pd.DataFrame, origin: int, horizons: Sequence[int]
) -> pd.DataFrame:
    """The relative errors of ``point_fn`` at every earlier origin, judged on ``known`` only.

    Earlier origin ``o`` and horizon ``h`` enter when ``o + h <= origin`` (the actual is known);
    the forecast at ``o`` sees only ``as_of(known, o)``.
    """
    actuals = known.loc[(known["report"] == "actuals") & (known["year"] <= origin)]
    first = int(known["year"].min()) - 1 if len(known) else origin
    frames = []
    for o in range(first, origin):
        hs = [h for h in horizons if o + h <= origin]
        if hs:
            frames.append(relative_errors(point_fn(as_of(known, o), o, hs), actuals))
    if not frames:
        return pd.DataFrame(
            {
                "horizon": pd.Series(dtype=int),
                "scope": pd.Series(dtype=str),
                "error": pd.Series(dtype=float),
            }
        )
    return pd.concat(frames, ignore_index=True)


def with_empirical_band(point_fn: Forecaster) -> Forecaster:
    """Turn a P50 function into a forecaster with P10/P90 from its own past errors.

    >>> f = with_empirical_band(last_actual_point)
    >>> out = f(as_of(toy_panel(), 2019), 2019, (1, 3))
    >>> out.query("gemeentecode == 'GM0001'")[["horizon", "p10", "p50", "p90"]].round(1).values.tolist()
    [[1.0, 120.0, 120.0, 240.0], [3.0, 120.0, 120.0, 398.6]]

    Horizon 1 pools the errors of origins 2017 and 2018 (0.1, 1.0, 0 and 0.0909, 1.0, 0): their
    10 % and 90 % quantiles are 0 and 1. Horizon 3 has no earlier origin with a known actual: its
    band is the one-year band widened by sqrt(3) in log terms (120 x 2^sqrt(3) = 398.6).
    """

    def forecaster(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
        point = point_fn(known, origin, horizons)
        errors = past_errors(point_fn, known, origin, horizons)
        out = apply_band(point, band_quantiles(errors, horizons=horizons))
        return out[FORECAST_COLUMNS].reset_index(drop=True)

    forecaster.__name__ = point_fn.__name__.removesuffix("_point")
    forecaster.__doc__ = f"{point_fn.__name__} with an empirical band from its own past errors."
    return forecaster


BASELINES: dict[str, Forecaster] = {
    "last_actual": with_empirical_band(last_actual_point),
    "trend": with_empirical_band(trend_point),
    "budget": with_empirical_band(budget_point),
    "budget_ratio": with_empirical_band(budget_ratio_point),
}


def _complete_sum(frame: pd.DataFrame, keys: list[str], cols: list[str], size: pd.Series):
    """Sum ``cols`` per ``keys`` where every member of the region has a finite value."""
    sums = frame.groupby(keys)[cols].sum(min_count=1)
    counts = frame.groupby(keys)[cols].count()
    full = (
        counts.to_numpy() == size.reindex(sums.index.get_level_values("unit")).to_numpy()[:, None]
    )
    return sums.where(full)


def aggregate_regions(forecasts: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Sum municipal P10/P50/P90 and actuals per jeugdzorgregio (only complete regions).

    A region's figure is kept only when all its municipalities have one; otherwise it is NaN,
    so the sum is never partial. ``p10``/``p90`` here are the comonotonic sums (the band if all
    municipal errors moved together).

    >>> f = pd.DataFrame({"forecaster": "x", "origin": 2020, "unit": ["A", "B", "C"],
    ...     "scope": "youth", "horizon": 1, "year": 2021, "p10": [9.0, 18.0, 1.0],
    ...     "p50": [10.0, 20.0, 2.0], "p90": [11.0, 22.0, np.nan], "actual": [12.0, 19.0, 3.0]})
    >>> m = pd.DataFrame({"gemeentecode": ["A", "B", "C"], "jeugdzorgregio_code": ["R", "R", "S"]})
    >>> aggregate_regions(f, m)[["unit", "p10", "p50", "p90", "actual"]].values.tolist()
    [['R', 27.0, 30.0, 33.0, 31.0], ['S', 1.0, 2.0, nan, 3.0]]
    """
    region = membership.set_index("gemeentecode")["jeugdzorgregio_code"]
    rows = forecasts.assign(unit=forecasts["unit"].map(region)).dropna(subset=["unit"])
    size = region.value_counts()
    keys = ["forecaster", "origin", "unit", "scope", "horizon", "year"]
    out = _complete_sum(rows, keys, ["p10", "p50", "p90", "actual"], size).reset_index()
    return out.assign(level="jeugdzorgregio")


def empirical_region_band(regions: pd.DataFrame) -> pd.DataFrame:
    """Replace each region band by P50 x (1 + quantiles of regional errors at earlier origins).

    For origin Y the errors are those of the same forecaster's regional P50 at origins ``o < Y``
    with target year ``<= Y`` (so known at Y), pooled over regions per horizon and scope.
    """
    known = regions.dropna(subset=["actual"]).loc[lambda d: d["p50"] > 0]
    errors = known.assign(error=known["actual"] / known["p50"] - 1.0)
    frames = []
    for (name, origin), part in regions.groupby(["forecaster", "origin"], sort=True):
        past = errors.loc[
            (errors["forecaster"] == name)
            & (errors["origin"] < origin)
            & (errors["year"] <= origin)
        ]
        quantiles = band_quantiles(past, horizons=sorted(part["horizon"].unique()))
        banded = apply_band(part.drop(columns=["p10", "p90"]), quantiles)
        frames.append(banded)
    return pd.concat(frames, ignore_index=True)[regions.columns]


def region_forecasts(
    forecasts: pd.DataFrame, membership: pd.DataFrame, band: str = "empirical"
) -> pd.DataFrame:
    """Jeugdzorgregio forecasts: P50 = sum of the municipalities' P50; band by ``band``.

    ``band="empirical"`` (default): the region's own empirical band, the same rule as for
    municipalities but on regional errors, so it reflects how strongly municipal errors move
    together (summing municipal quantiles would assume they always move together; treating them
    as independent would assume they never do). ``band="sum"``: the comonotonic sum of P10s/P90s.
    """
    regions = aggregate_regions(forecasts, membership)
    if band == "sum":
        return regions
    if band != "empirical":
        raise ValueError(f"unknown region band {band!r}: use 'empirical' or 'sum'")
    return empirical_region_band(regions)


def pointwise_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Per forecast: status, percentage error, pinball losses (scaled by the actual), coverage.

    ``status`` is ``compared``, ``not_compared`` (no actual: not a miss), ``no_forecast`` or
    ``zero_actual`` (actual <= 0: no percentage can be formed). Scores are NaN unless compared.

    >>> f = pd.DataFrame({"p10": [80.0, 80.0], "p50": [100.0, 100.0], "p90": [130.0, 130.0],
    ...                   "actual": [125.0, np.nan]})
    >>> s = pointwise_scores(f)
    >>> s["status"].tolist()
    ['compared', 'not_compared']
    >>> s.loc[0, ["pe", "ape", "pin10", "pin50", "pin90", "covered"]].round(4).tolist()
    [-0.2, 0.2, 0.036, 0.1, 0.004, 1.0]
    """
    y, f = frame["actual"], frame["p50"]
    status = np.select(
        [y.isna(), f.isna(), y <= 0],
        ["not_compared", "no_forecast", "zero_actual"],
        default="compared",
    )
    ok = status == "compared"
    out = frame.assign(status=status)
    out["pe"] = ((f - y) / y).where(ok)
    out["ape"] = out["pe"].abs()
    for q, col in ((0.1, "p10"), (0.5, "p50"), (0.9, "p90")):
        diff = y - frame[col]
        out[f"pin{round(q * 100)}"] = (np.maximum(q * diff, (q - 1) * diff) / y).where(ok)
    band = ok & frame["p10"].notna() & frame["p90"].notna()
    inside = (frame["p10"] <= y) & (y <= frame["p90"])
    out["covered"] = inside.astype(float).where(band)
    return out


def summarise(scored: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Scores per group: counts per status, MAPE, median APE, bias, pinball, coverage.

    >>> s = pointwise_scores(pd.DataFrame({"g": "x", "p10": [80.0, 90.0, 1.0],
    ...     "p50": [100.0, 100.0, 2.0], "p90": [130.0, 110.0, 3.0], "actual": [125.0, 80.0, np.nan]}))
    >>> r = summarise(s, ["g"]).iloc[0]
    >>> [round(float(v), 4) for v in r[["n_compared", "n_not_compared", "mape", "bias", "coverage"]]]
    [2.0, 1.0, 0.225, 0.025, 0.5]
    """
    g = scored.groupby(list(by), dropna=False)
    counts = g["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(
        columns=["compared", "not_compared", "no_forecast", "zero_actual"], fill_value=0
    ).add_prefix("n_")
    metrics = g.agg(
        mape=("ape", "mean"),
        mdape=("ape", "median"),
        bias=("pe", "mean"),
        pinball_p10=("pin10", "mean"),
        pinball_p50=("pin50", "mean"),
        pinball_p90=("pin90", "mean"),
        coverage=("covered", "mean"),
        n_band=("covered", "count"),
    )
    metrics["pinball_mean"] = metrics[["pinball_p10", "pinball_p50", "pinball_p90"]].mean(axis=1)
    return counts.join(metrics).reset_index()


def score(forecasts: pd.DataFrame, pooled_label: str | None = None) -> pd.DataFrame:
    """Tidy scores per forecaster x level x scope x horizon, per origin and pooled over origins.

    The pooled rows (``origins`` = e.g. ``"2019-2023"``) weigh every compared forecast equally.
    """
    scored = pointwise_scores(forecasts)
    by = ["forecaster", "level", "scope", "horizon"]
    per_origin = summarise(scored, [*by, "origin"])
    per_origin.insert(0, "origins", per_origin.pop("origin").astype(str))
    origins = sorted(forecasts["origin"].unique())
    label = pooled_label or (f"{origins[0]}-{origins[-1]}" if origins else "")
    pooled = summarise(scored, by)
    pooled.insert(0, "origins", label)
    return pd.concat([pooled, per_origin], ignore_index=True)


def attach_actuals(forecasts: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Add the actual of the target year (NaN where none is published: not compared)."""
    actual = panel.loc[panel["report"] == "actuals", ["gemeentecode", "scope", "year", "spending"]]
    out = forecasts.merge(actual, on=["gemeentecode", "scope", "year"], how="left")
    return out.rename(columns={"spending": "actual", "gemeentecode": "unit"})


def run_forecasters(
    panel: pd.DataFrame,
    origins: Sequence[int],
    horizons: Sequence[int],
    forecasters: Mapping[str, Forecaster],
) -> pd.DataFrame:
    """Every forecaster at every origin on ``as_of(panel, origin)``, with the actuals after."""
    frames = []
    for name, forecaster in forecasters.items():
        for origin in origins:
            out = forecaster(as_of(panel, origin), origin, tuple(horizons))
            frames.append(out[FORECAST_COLUMNS].assign(forecaster=name, origin=origin))
    forecasts = pd.concat(frames, ignore_index=True)
    forecasts["horizon"] = forecasts["horizon"].astype(int)
    forecasts["year"] = forecasts["year"].astype(int)
    return attach_actuals(forecasts, panel).assign(level="municipality")


MAX_HORIZON = 5


def check_origins(panel: pd.DataFrame, origins: Sequence[int], horizons: Sequence[int]) -> None:
    """Refuse origins outside the years with actuals, and horizons outside 1-5, by name.

    >>> check_origins(toy_panel(), [2019], [1])
    >>> check_origins(toy_panel(), [1990], [0])
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.ParameterError: 2 problemen in de invoer:
      - origins: geen realisatiecijfers in dit jaar (gevonden: 1990; verwacht: een jaar van 2017 tot en met 2022)
      - horizons: geen aantal jaren vooruit (gevonden: 0; verwacht: 1 tot en met 5)
    """
    years = panel.loc[panel["report"] == "actuals", "year"]
    first, last = int(years.min()), int(years.max())
    problems = [
        Problem(
            "origins",
            "geen realisatiecijfers in dit jaar",
            found=o,
            expected=f"een jaar van {first} tot en met {last}",
        )
        for o in origins
        if not first <= int(o) <= last
    ]
    problems += [
        Problem(
            "horizons",
            "geen aantal jaren vooruit",
            found=h,
            expected=f"1 tot en met {MAX_HORIZON}",
        )
        for h in horizons
        if not 1 <= int(h) <= MAX_HORIZON
    ]
    if problems:
        raise ParameterError(problems)


def evaluate(
    panel: pd.DataFrame,
    origins: Sequence[int] = range(2019, 2024),
    horizons: Sequence[int] = (1, 2, 3),
    forecasters: Mapping[str, Forecaster] | None = None,
    membership: pd.DataFrame | None = None,
    region_band: str = "empirical",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rolling-origin evaluation: ``(scores, forecasts)`` at municipality and jeugdzorgregio level.

    Forecasts are also made at the origins before ``origins`` (from the year before the first
    actual), because the regional band at an origin is built from the regional errors at earlier
    origins; only ``origins`` are scored and returned.
    """
    if membership is None:
        membership = load_jeugdzorgregio_membership()
    forecasters = dict(BASELINES if forecasters is None else forecasters)
    origins = list(origins)
    check_origins(panel, origins, horizons)
    first = int(panel.loc[panel["report"] == "actuals", "year"].min()) - 1
    all_origins = list(range(min(first, min(origins)), max(origins) + 1))
    municipal = run_forecasters(panel, all_origins, horizons, forecasters)
    regional = region_forecasts(municipal, membership, band=region_band)
    columns = EVALUATED_COLUMNS
    forecasts = pd.concat([municipal[columns], regional[columns]], ignore_index=True)
    forecasts = forecasts.loc[forecasts["origin"].isin(origins)].reset_index(drop=True)
    return score(forecasts), forecasts


def evaluation_table(
    scores: pd.DataFrame, origins: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(summary, csv)``: MAPE and P10-P90 coverage per level x scope x horizon x forecaster.

    ``origins`` picks the pooled rows (default: the pooled label, the one with a dash). The
    summary has the columns (metric, forecaster); the CSV frame is flat, one row per
    forecaster x level x scope x horizon with every score and count.

    >>> scores, _ = evaluate(toy_panel(), origins=[2019, 2020], horizons=(1,),
    ...     membership=pd.DataFrame({"gemeentecode": ["GM0001", "GM0002", "GM0003"],
    ...                              "jeugdzorgregio_code": "JZ99"}))
    >>> summary, csv = evaluation_table(scores)
    >>> summary.loc[("municipality", "youth", 1), ("mape", "last_actual")].round(4)
    np.float64(0.1914)
    >>> list(csv.columns[:6])
    ['origins', 'forecaster', 'level', 'scope', 'horizon', 'n_compared']
    """
    label = origins or next(o for o in scores["origins"].unique() if "-" in o)
    rows = scores.loc[scores["origins"] == label]
    summary = rows.pivot_table(
        index=["level", "scope", "horizon"], columns="forecaster", values=["mape", "coverage"]
    )
    summary = summary.reindex(columns=["mape", "coverage"], level=0)
    keys = ["origins", "forecaster", "level", "scope", "horizon"]
    metrics = [
        "n_compared",
        "n_not_compared",
        "n_no_forecast",
        "n_zero_actual",
        "n_band",
        "mape",
        "mdape",
        "bias",
        "pinball_p10",
        "pinball_p50",
        "pinball_p90",
        "pinball_mean",
        "coverage",
    ]
    csv = rows[keys + metrics].sort_values(keys).reset_index(drop=True)
    return summary, csv.round(6)


def backtest_table(forecasts: pd.DataFrame, origin: int, units: Sequence[str]) -> pd.DataFrame:
    """Per forecaster, unit, scope and target year at one origin: P50, actual, error, inside.

    ``error`` is ``p50 / actual - 1`` (positive: forecast above the actual); ``inside`` is
    whether the actual lies in P10-P90 (NaN without a band or an actual: not compared).
    """
    rows = forecasts.loc[(forecasts["origin"] == origin) & forecasts["unit"].isin(units)]
    rows = rows.assign(error=rows["p50"] / rows["actual"] - 1.0)
    band = rows["p10"].notna() & rows["p90"].notna() & rows["actual"].notna()
    inside = (rows["p10"] <= rows["actual"]) & (rows["actual"] <= rows["p90"])
    rows["inside"] = inside.astype(float).where(band)
    cols = [
        "forecaster",
        "level",
        "unit",
        "scope",
        "year",
        "p10",
        "p50",
        "p90",
        "actual",
        "error",
        "inside",
    ]
    return rows[cols].sort_values(["forecaster", "level", "unit", "scope", "year"])
