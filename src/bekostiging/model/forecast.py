"""The tool's spending forecast: pooled over all municipalities, combined out of sample.

Two layers, both estimated only on what is known as of the origin Y
(:func:`bekostiging.model.evaluation.as_of`):

1. :func:`pooled_point`: a median regression of ``ln(actual[Y+h] / actual[Y])``, per scope and
   horizon, pooled over all municipalities and every earlier origin whose outcome is known by
   Y. Its drivers (:func:`features`): the municipality's own primary budget for Y+1 against its
   last actual, its own budget bias (actual / budget over the last three years), its own
   recent growth, the deviation of the last actual from its three-year level (a smoothed
   starting level), the national common factor (the median growth of all municipalities in
   the last known year, a year effect shared by all), the national median budget bias and the
   municipality's population growth to 1 January Y+1 (demography, from Iv3). The
   regression coefficients shrink each municipality's own signals towards the pooled
   relationship, which plays the part of a hierarchical prior.
2. :func:`combined_point`: the forecast combination that is the tool's P50. The candidates are
   the pooled regression and the four baselines of the issue; their weights per scope and
   horizon are the inverse squared mean absolute percentage error of each candidate at the
   origins before Y (after Bates & Granger 1969), so which signal to trust is chosen by the evaluation on
   earlier origins only, never by hand against later years.

:data:`MODEL` adds the band (P10/P90 from the combination's own errors at earlier origins).

>>> from bekostiging.model.evaluation import as_of, toy_panel
>>> p = combined_point(as_of(toy_panel(), 2021), 2021, (1,))
>>> sorted(p.columns)
['gemeentecode', 'horizon', 'p50', 'scope', 'year']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import statsmodels.api as sm

from bekostiging.data.panel import inhabitants_panel
from bekostiging.data.rawdata import load_iv3
from bekostiging.model.evaluation import (
    BASELINES,
    FORECAST_COLUMNS,
    Forecaster,
    _last,
    _latest_budget,
    _wide,
    apply_band,
    as_of,
    band_quantiles,
    budget_point,
    budget_ratio_point,
    last_actual_point,
    past_errors,
    trend_point,
    with_empirical_band,
)

FEATURES = ("budget", "bias", "trend", "smooth", "national", "national_bias", "demography")
"""The regression's drivers, each a log ratio (see :func:`features`)."""
CLIP = 1.5  # log ratios beyond +-1.5 (a factor 4.5) are clipped: booking breaks, not signal
MIN_ROWS = 200  # fewer training rows for a scope and horizon: no regression (weight 0)
PRIOR_ORIGINS = 1  # equal weights count as the evidence of one earlier origin
POINT_COLUMNS = ["gemeentecode", "scope", "horizon", "year", "p50"]


def _empty_point() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeentecode": pd.Series(dtype=str),
            "scope": pd.Series(dtype=str),
            "horizon": pd.Series(dtype=int),
            "year": pd.Series(dtype=int),
            "p50": pd.Series(dtype=float),
        }
    )


def features(known: pd.DataFrame, origin: int) -> pd.DataFrame:
    """Per (gemeentecode, scope): the log level of the last actual and the drivers as of Y.

    ``budget`` = ln(budget Y+1 / last actual); ``bias`` = ln(sum of actuals / sum of budgets)
    over the last three known years; ``trend`` = mean yearly log growth over the last three
    years; ``smooth`` = ln(last actual / mean of the last three); ``national`` = the median over
    all municipalities of the last yearly log growth; ``national_bias`` = the median bias;
    ``demography`` = ln(inhabitants in the budget for Y+1 / in the actuals of Y), the
    population growth known as of Y (Iv3).
    """
    actual = _wide(known, "actuals")
    actual = actual[[y for y in actual.columns if y <= origin]]
    budget = _wide(known, "budget").reindex(actual.index)
    positive = actual.where(actual > 0)
    last, t_last = _last(positive)
    level = np.log(last)
    recent = [y for y in actual.columns if origin - 2 <= y <= origin]
    both = [y for y in recent if y in budget.columns]
    mask = positive[both].notna() & (budget[both] > 0)
    bias = np.log(positive[both].where(mask).sum(axis=1) / budget[both].where(mask).sum(axis=1))
    growth = np.log(positive).diff(axis=1)
    next_budget = _latest_budget(known, origin).reindex(actual.index)
    f = pd.DataFrame(
        {
            "level": level,
            "t_last": t_last,
            "budget": np.log(next_budget.where(next_budget > 0)) - level,
            "bias": bias.where(mask.any(axis=1)),
            "trend": growth[[y for y in growth.columns if y > origin - 3]].mean(axis=1),
            "smooth": level - np.log(positive[recent].mean(axis=1)),
        }
    )
    scope = f.index.get_level_values("scope")
    last_growth = growth[origin] if origin in growth.columns else pd.Series(np.nan, growth.index)
    f["national"] = last_growth.groupby(scope).transform("median").to_numpy()
    f["national_bias"] = f["bias"].groupby(scope).transform("median")
    growth_pop = population_growth(origin)
    codes = f.index.get_level_values("gemeentecode")
    f["demography"] = growth_pop.reindex(codes).to_numpy()
    return f


@lru_cache(maxsize=64)
def _population_growth(origin: int, key: int) -> pd.Series:
    del key  # the content of the Iv3 table as known, so a changed table is not served stale
    inh = inhabitants_panel()
    now = inh.loc[(inh["report"] == "actuals") & (inh["year"] == origin)]
    ahead = inh.loc[(inh["report"] == "budget") & (inh["year"] == origin + 1)]
    now = now.set_index("gemeentecode")["inhabitants"]
    ahead = ahead.set_index("gemeentecode")["inhabitants"].reindex(now.index)
    ratio = ahead / now
    return np.log(ratio.where(ratio > 0)).dropna()


def population_growth(origin: int) -> pd.Series:
    """ln(inhabitants in the budget for Y+1 / inhabitants in the actuals of Y) per code.

    Both are in Iv3 as known as of Y (the budget for Y+1 is published in November of Y).
    """
    iv3 = load_iv3()
    known = ((iv3["report"] == "jaarrekening") & (iv3["year"] <= origin)) | (
        (iv3["report"] == "begroting") & (iv3["year"] <= origin + 1)
    )
    key = int(pd.util.hash_pandas_object(iv3.loc[known], index=False).sum())
    return _population_growth(origin, key)


def _design(f: pd.DataFrame) -> pd.DataFrame:
    """Clipped drivers, 0 where missing plus a missing indicator for budget, bias and
    demography."""
    x = f[list(FEATURES)].clip(-CLIP, CLIP)
    missing = x[["budget", "bias", "demography"]].isna().astype(float).add_suffix("_missing")
    x = pd.concat([x.fillna(0.0), missing], axis=1)
    return sm.add_constant(x, has_constant="add")


def training_rows(known: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    """Drivers at every earlier origin o with o + horizon <= origin, with target ``y``."""
    actual = _wide(known, "actuals")
    first = int(known.loc[known["report"] == "actuals", "year"].min())
    frames = []
    for o in range(first, origin - horizon + 1):
        if o + horizon not in actual.columns:
            continue
        f = features(as_of(known, o), o)
        target = actual[o + horizon].where(actual[o + horizon] > 0).reindex(f.index)
        frames.append(f.assign(y=np.log(target) - f["level"]))
    return pd.concat(frames) if frames else pd.DataFrame(columns=["y", "level"])


def _fit(rows: pd.DataFrame):
    """Median regression of the clipped log change on the drivers (None: too few rows)."""
    rows = rows.loc[rows["y"].notna() & rows["level"].notna()]
    if len(rows) < MIN_ROWS:
        return None
    x = _design(rows)
    return sm.QuantReg(rows["y"].clip(-CLIP, CLIP), x).fit(q=0.5, max_iter=5000)


def pooled_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """P50 of the pooled median regression, per municipality, scope and horizon.

    Only municipalities whose last actual is the origin's year get a forecast (a municipality
    that did not file year Y gets none: the baselines still carry it).
    """
    if not (known["report"] == "actuals").any():
        return _empty_point()
    now = features(known, origin)
    frames = []
    for h in horizons:
        train = training_rows(known, origin, h)
        pred = pd.Series(np.nan, index=now.index)
        for scope, rows in train.groupby(level="scope") if len(train) else []:
            fit = _fit(rows)
            if fit is None:
                continue
            target = now.xs(scope, level="scope", drop_level=False)
            pred.loc[target.index] = np.exp(target["level"] + _design(target) @ fit.params)
        pred = pred.where(now["t_last"] == origin)
        frames.append(pred.rename("p50").reset_index().assign(horizon=h, year=origin + h))
    return pd.concat(frames, ignore_index=True)[POINT_COLUMNS]


CANDIDATES: dict[str, Callable] = {
    "pooled": pooled_point,
    "last_actual": last_actual_point,
    "trend": trend_point,
    "budget": budget_point,
    "budget_ratio": budget_ratio_point,
}
"""The forecasts the tool combines (P50 functions with the forecaster signature)."""


def _fingerprint(known: pd.DataFrame) -> int:
    return int(pd.util.hash_pandas_object(known, index=False).sum())


@lru_cache(maxsize=4096)
def _cached(name: str, origin: int, horizons: tuple[int, ...], known: _Known) -> pd.DataFrame:
    return CANDIDATES[name](known.frame, origin, horizons)


class _Known:
    """A frame carried through lru_cache by identity of content (its fingerprint is the key)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.key = _fingerprint(frame)

    def __hash__(self) -> int:
        return self.key

    def __eq__(self, other) -> bool:
        return isinstance(other, _Known) and other.key == self.key


def candidate(name: str) -> Forecaster:
    """Candidate ``name`` as a P50 function whose results are cached by data content.

    The cache is exact: a forecast depends only on ``as_of(panel, origin)``, which is the same
    frame for every later origin, so each candidate is computed once per origin.
    """

    def point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
        return _cached(name, origin, tuple(horizons), _Known(known)).copy()

    point.__name__ = f"{name}_point"
    return point


def combination_weights(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """Weight of each candidate per scope and horizon from its errors at earlier origins.

    w = 1 / MAPE^2, the mean absolute percentage error of the candidate at those origins (each
    error capped at 100 %, so one booking break cannot decide), normalised per scope and
    horizon, then shrunk towards equal weights by the number of origins behind them
    (:func:`shrink_to_equal`). A horizon without earlier errors borrows the weights of the
    nearest shorter horizon; without any, all candidates weigh equally.
    """
    rows = []
    for name in CANDIDATES:
        errors = past_errors(candidate(name), known, origin, horizons)
        if len(errors):
            # error = actual / p50 - 1; the percentage error of the forecast is p50/actual - 1
            ape = (1.0 / (1.0 + errors["error"].astype(float)) - 1.0).abs().clip(upper=1.0)
            by = [errors["scope"], errors["horizon"]]
            mape = ape.groupby(by).mean().rename("mape")
            n = errors.assign(o=errors["year"] - errors["horizon"]).groupby(by)["o"].nunique()
            rows.append(
                pd.concat([mape, n.rename("n")], axis=1).reset_index().assign(candidate=name)
            )
    if not rows:
        return pd.DataFrame(
            {
                "scope": pd.Series(dtype=str),
                "horizon": pd.Series(dtype=int),
                "candidate": pd.Series(dtype=str),
                "weight": pd.Series(dtype=float),
            }
        )
    w = pd.concat(rows, ignore_index=True)
    w["weight"] = 1.0 / np.maximum(w["mape"], 1e-3) ** 2
    w["weight"] /= w.groupby(["scope", "horizon"])["weight"].transform("sum")
    return _borrow_horizons(shrink_to_equal(w), horizons)


def shrink_to_equal(w: pd.DataFrame) -> pd.DataFrame:
    """Shrink estimated weights towards equal weights by the evidence behind them.

    With ``n`` earlier origins behind a scope and horizon, the weight is
    ``n / (n + PRIOR_ORIGINS) x estimated + PRIOR_ORIGINS / (n + PRIOR_ORIGINS) x equal``
    (Diebold & Pauly 1990); a candidate without a track record gets only the equal part.

    One origin of evidence for "pooled" (estimated weight 1) and "budget" (0): half estimated,
    half equal over the five candidates (0.2 each):

    >>> w = pd.DataFrame({"scope": "youth", "horizon": 1, "candidate": ["pooled", "budget"],
    ...                   "weight": [1.0, 0.0], "n": [1, 1]})
    >>> shrink_to_equal(w).set_index("candidate")["weight"].round(3).to_dict()
    {'pooled': 0.6, 'last_actual': 0.1, 'trend': 0.1, 'budget': 0.1, 'budget_ratio': 0.1}
    """
    grid = pd.MultiIndex.from_product(
        [w["scope"].unique(), w["horizon"].unique(), list(CANDIDATES)],
        names=["scope", "horizon", "candidate"],
    )
    full = w.set_index(["scope", "horizon", "candidate"]).reindex(grid).reset_index()
    n = full.groupby(["scope", "horizon"])["n"].transform("max")
    lam = n / (n + PRIOR_ORIGINS)
    size = full.groupby(["scope", "horizon"])["candidate"].transform("count")
    full["weight"] = lam * full["weight"].fillna(0.0) + (1.0 - lam) / size
    return full[["scope", "horizon", "candidate", "weight"]]


def _borrow_horizons(w: pd.DataFrame, horizons: Sequence[int]) -> pd.DataFrame:
    """Give a horizon without weights those of the nearest shorter horizon that has them."""
    out = [w]
    for scope in w["scope"].unique():
        have = set(w.loc[w["scope"] == scope, "horizon"])
        for h in sorted(horizons):
            if h in have:
                continue
            shorter = [g for g in have if g < h]
            if shorter:
                src = w[(w["scope"] == scope) & (w["horizon"] == max(shorter))]
                out.append(src.assign(horizon=h))
    return pd.concat(out, ignore_index=True)


def combined_point(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """The tool's P50: the weighted geometric mean of the candidates' P50s.

    Per municipality, scope and horizon, over the candidates that have a positive forecast;
    weights from :func:`combination_weights`. A candidate without a track record yet (no
    earlier error for that scope and horizon) weighs 0 beside candidates that have one; where
    none has, all weigh equally.
    """
    keys = ["gemeentecode", "scope", "horizon", "year"]
    frames = [
        candidate(name)(known, origin, horizons).assign(candidate=name) for name in CANDIDATES
    ]
    points = pd.concat(frames, ignore_index=True)
    points = points.loc[points["p50"] > 0]
    if points.empty:
        return _empty_point()
    w = combination_weights(known, origin, horizons)
    points = points.merge(w, on=["scope", "horizon", "candidate"], how="left")
    points["weight"] = points["weight"].astype(float)
    # no track record: weight 0 beside candidates that have one; all equal where none has
    known_any = points.groupby(["scope", "horizon"])["weight"].transform("count") > 0
    points["weight"] = points["weight"].fillna(0.0).where(known_any, 1.0)
    points["wlog"] = points["weight"] * np.log(points["p50"].astype(float))
    g = points.groupby(keys)
    out = (g["wlog"].sum() / g["weight"].sum()).pipe(np.exp).rename("p50").reset_index()
    return out[POINT_COLUMNS]


MODEL: Forecaster = with_empirical_band(combined_point)
"""The tool: the combined P50 with a band from its own errors at earlier origins."""
MODEL.__name__ = "model"

FORECASTERS: dict[str, Forecaster] = {"model": MODEL, **BASELINES}
"""What ``python -m bekostiging evaluate`` scores: the tool beside the four baselines."""


@lru_cache(maxsize=16)
def _cached_errors(origin: int, horizons: tuple[int, ...], known: _Known) -> pd.DataFrame:
    return past_errors(combined_point, known.frame, origin, horizons)


def model_errors(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """The relative errors of the tool's P50 at every origin before ``origin`` (cached).

    The same errors :data:`MODEL` takes its band from; one row per municipality, scope,
    horizon and target year.
    """
    return _cached_errors(origin, tuple(horizons), _Known(known)).copy()


def model_forecast(known: pd.DataFrame, origin: int, horizons: Sequence[int]) -> pd.DataFrame:
    """:data:`MODEL` as of ``origin`` (the same numbers), its errors cached by content.

    The start budget, the backtest and the evaluation ask for the same origin many times in a
    run (every setting of a batch, every notebook); the forecast is computed once.
    """
    point = combined_point(known, origin, horizons)
    errors = model_errors(known, origin, horizons)
    out = apply_band(point, band_quantiles(errors, horizons=horizons))
    return out[FORECAST_COLUMNS].reset_index(drop=True)
