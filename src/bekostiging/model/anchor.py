"""The national forecast drives the start budget's level for the years it covers.

The tool's forecast (:data:`bekostiging.model.forecast.MODEL`) is estimated on all Dutch
municipalities and scored out of sample (``python -m bekostiging evaluate``). The start budget
uses it as follows, per municipality, domain (youth = jeugd, Wmo) and year ``y`` after the
reference year Y:

* the expected growth of the domain from Y to ``Y+h`` is the forecast's expected value
  (:func:`expected_value`, from its P10/P50/P90) over the actual of Y, for ``h`` up to the
  forecast's last horizon ``H`` (3 years);
* the start budget's own autonomous growth over the same years is demography x trend x index
  (steps 3 and 7a);
* the forecast factor is their ratio at ``h = min(y - Y, H)``: the budget follows the national
  forecast up to ``Y+H`` and the start budget's own growth after it. Local policy, efficiency
  and chain agreements (steps 5 and 7b-c) stay on top: they are decisions the national data do
  not know.

A segment that a centrumgemeente books for the whole region (``regional_pooling``) follows the
region's growth of the domain (the sum over its municipalities), because its spending sits on
the centrumgemeente's books, not on each municipality's.

>>> f = pd.DataFrame({"gemeentecode": "A", "scope": "youth", "horizon": [1, 2], "year": [2025, 2026],
...                   "p10": [90.0, 80.0], "p50": [110.0, 120.0], "p90": [130.0, 150.0]})
>>> a = pd.DataFrame({"gemeentecode": ["A"], "scope": ["youth"], "actual": [100.0]})
>>> g = forecast_growth(f, a)
>>> g["growth"].round(4).tolist()  # mean over the 2024 actual
[1.1114, 1.2366]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from bekostiging.data.panel import NEW_SCHEME_YEAR, SCOPE_FIELDS
from bekostiging.model.evaluation import as_of, band_quantiles
from bekostiging.model.forecast import model_errors, model_forecast

HORIZONS = (1, 2, 3)
Z90 = 1.2815515655446004  # the standard normal's 90 % quantile
SCOPE_OF_DOMAIN = {"jeugd": "youth", "wmo": "wmo"}
REGION_UNIT = "regio"  # the code of a region's own rows in the growth frame
FACTOR_COLUMNS = ["gemeentecode", "segment", "year", "forecast_factor", "forecast_horizon"]


def expected_value(p10, p50, p90):
    """The mean of a lognormal with median P50 and the log spread of the P10-P90 band.

    ``sigma = ln(P90 / P10) / (2 x 1.2816)``, mean ``= P50 x exp(sigma^2 / 2)``. The band of
    the forecast is empirical (its own errors at earlier origins); the lognormal only turns
    its width into the gap between median and mean.

    ln(125 / 80) = 0.4463, sigma = 0.4463 / 2.5631 = 0.1741, exp(0.1741^2 / 2) = 1.0153:

    >>> round(float(expected_value(80.0, 100.0, 125.0)), 2)
    101.53
    """
    p10, p50, p90 = (np.asarray(x, dtype=float) for x in (p10, p50, p90))
    ok = (p10 > 0) & (p90 > p10)  # no band: the median is all there is
    ratio = np.where(ok, p90, 1.0) / np.where(ok, p10, 1.0)
    sigma = np.log(ratio) / (2.0 * Z90)
    return p50 * np.exp(0.5 * sigma**2)


def forecast_growth(forecast: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Expected value of each forecast over the actual of the reference year.

    ``forecast`` has ``gemeentecode, scope, horizon, year, p10, p50, p90`` (one origin);
    ``actual`` has ``gemeentecode, scope, actual``. Rows without a positive actual or P50 drop.
    """
    f = forecast.merge(actual, on=["gemeentecode", "scope"], how="inner")
    f = f.loc[(f["actual"] > 0) & (f["p50"] > 0)].copy()
    f["expected"] = expected_value(f["p10"], f["p50"], f["p90"])
    f["growth"] = f["expected"] / f["actual"]
    return f[["gemeentecode", "scope", "horizon", "year", "actual", "expected", "growth"]]


def across_the_code_break(growth: pd.DataFrame, reference_year: int) -> pd.DataFrame:
    """Forecasts for 2025 and later, made before 2025: each scope grows like the total.

    The 2025 Iv3 code scheme moves spending between access, youth and Wmo (wijkteams split
    over 6.21-6.23, personal budgets on 6.79), and the data cannot tell such a move from
    growth. The social domain as a whole is not affected by the move (and is also the best
    scored scope), so across the break every scope of a municipality takes the growth of its
    total: a booking moved from 6.72 to 6.22 is not counted as a change of youth care.

    >>> g = pd.DataFrame({"gemeentecode": "A", "scope": ["youth", "wmo", "total"],
    ...     "horizon": 1, "year": 2025, "actual": [50.0, 50.0, 100.0],
    ...     "expected": [40.0, 70.0, 105.0], "growth": [0.8, 1.4, 1.05]})
    >>> across_the_code_break(g, 2024)["growth"].tolist()
    [1.05, 1.05, 1.05]
    """
    if reference_year >= NEW_SCHEME_YEAR:
        return growth
    total = growth.loc[growth["scope"] == "total"].set_index(["gemeentecode", "horizon"])["growth"]
    key = pd.MultiIndex.from_frame(growth[["gemeentecode", "horizon"]])
    of_total = total.reindex(key).to_numpy()
    after = (growth["year"] >= NEW_SCHEME_YEAR).to_numpy() & np.isfinite(of_total)
    g = np.where(after, of_total, growth["growth"].to_numpy())
    return growth.assign(growth=g, expected=growth["actual"] * g)


def region_growth(growth: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """The region's growth per scope and horizon: sum of expected over sum of actuals.

    Only over municipalities that have both; ``gemeentecode`` is ``"regio"``.

    >>> g = pd.DataFrame({"gemeentecode": ["A", "B"], "scope": "wmo", "horizon": 1,
    ...                   "year": 2025, "actual": [100.0, 300.0], "expected": [110.0, 300.0]})
    >>> region_growth(g, ["A", "B"])["growth"].round(4).tolist()
    [1.025]
    """
    mine = growth.loc[growth["gemeentecode"].isin(list(codes))]
    out = mine.groupby(["scope", "horizon", "year"], as_index=False)[["actual", "expected"]].sum()
    out["growth"] = out["expected"] / out["actual"]
    return out.assign(gemeentecode=REGION_UNIT)


def forecast_factors(
    table: pd.DataFrame,
    growth: pd.DataFrame,
    reference_year: int,
    domain_of: Mapping[str, str],
    pooled: Iterable[str] = (),
    horizons: Iterable[int] = HORIZONS,
) -> pd.DataFrame:
    """The forecast factor per municipality, segment and year (see the module text).

    ``table`` holds the start budget's ``gemeentecode, segment, year, demography_factor,
    trend_factor, index_factor`` for every year from Y+1; ``growth`` is
    :func:`forecast_growth` with the region's rows (:func:`region_growth`, code ``"regio"``)
    added. Where no forecast exists (a municipality outside the national panel, a domain
    without one) the factor is 1 and the horizon 0.
    """
    last = max(horizons)
    pooled = set(pooled)
    t = table[["gemeentecode", "segment", "year"]].copy()
    t["forecast_horizon"] = np.minimum(t["year"] - reference_year, last)
    t["scope"] = t["segment"].map(lambda s: SCOPE_OF_DOMAIN.get(domain_of.get(s, ""), ""))
    t["source"] = np.where(t["segment"].isin(pooled), REGION_UNIT, t["gemeentecode"])
    auto = table.assign(
        autonomous=table["demography_factor"] * table["trend_factor"] * table["index_factor"],
        forecast_horizon=table["year"] - reference_year,
    )[["gemeentecode", "segment", "forecast_horizon", "autonomous"]]
    g = growth.rename(columns={"gemeentecode": "source", "horizon": "forecast_horizon"})
    t = t.merge(
        g[["source", "scope", "forecast_horizon", "growth"]],
        how="left",
        on=["source", "scope", "forecast_horizon"],
    )
    t = t.merge(auto, how="left", on=["gemeentecode", "segment", "forecast_horizon"])
    ok = t["growth"].notna() & (t["autonomous"] > 0)
    t["forecast_factor"] = (t["growth"] / t["autonomous"]).where(ok, 1.0)
    t["forecast_horizon"] = t["forecast_horizon"].where(ok, 0).astype(int)
    return t[FACTOR_COLUMNS]


def national_growth(panel: pd.DataFrame, reference_year: int, codes: Iterable[str]) -> pd.DataFrame:
    """Forecast growth as of Y for every municipality in ``panel``, and the region of ``codes``.

    Forecasts for 2025 and later made before 2025 take the total's growth
    (:func:`across_the_code_break`).
    Only ``as_of(panel, Y)`` enters (actuals up to Y, budgets up to Y+1), so no later figure
    can move it (``tests/test_lookahead.py``).
    """
    known = as_of(panel, reference_year)
    forecast = model_forecast(known, reference_year, HORIZONS)
    last = known.loc[(known["report"] == "actuals") & (known["year"] == reference_year)]
    actual = last[["gemeentecode", "scope", "spending"]].rename(columns={"spending": "actual"})
    growth = across_the_code_break(forecast_growth(forecast, actual), reference_year)
    return pd.concat([growth, region_growth(growth, codes)], ignore_index=True)


def intraclass_correlation(values: pd.Series, groups: pd.Series) -> float:
    """One-way ANOVA estimate of the share of variance common to a group (clipped to [0, 1]).

    ``(MSB - MSW) / (MSB + (n0 - 1) MSW)`` with ``n0`` the adjusted mean group size.

    Three pairs with means 1.1, -1.1 and 0: MSW = 6 x 0.01 / 3 = 0.02, MSB = 2 x 2.42 / 2 =
    2.42, n0 = 2, so (2.42 - 0.02) / (2.42 + 0.02) = 0.984:

    >>> v = pd.Series([1.0, 1.2, -1.0, -1.2, 0.1, -0.1])
    >>> round(intraclass_correlation(v, pd.Series(["a", "a", "b", "b", "c", "c"])), 3)
    0.984
    """
    frame = pd.DataFrame({"v": values.to_numpy(dtype=float), "g": groups.to_numpy()}).dropna()
    sizes = frame.groupby("g")["v"].size()
    sizes = sizes[sizes > 1]
    frame = frame.loc[frame["g"].isin(sizes.index)]
    k, n = len(sizes), len(frame)
    if k < 2 or n <= k:
        return 0.0
    means = frame.groupby("g")["v"].transform("mean")
    msw = float(((frame["v"] - means) ** 2).sum()) / (n - k)
    grand = float(frame["v"].mean())
    msb = float((sizes * (frame.groupby("g")["v"].mean() - grand) ** 2).sum()) / (k - 1)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    denom = msb + (n0 - 1.0) * msw
    return float(np.clip((msb - msw) / denom, 0.0, 1.0)) if denom > 0 else 0.0


def error_spread(
    errors: pd.DataFrame, groups: Mapping[str, str], horizons: Iterable[int] = HORIZONS
) -> pd.DataFrame:
    """The forecast's out-of-sample spread per scope and horizon, and how it is shared.

    ``sigma`` is the log width of the empirical P10-P90 band (the same band the forecast
    carries, :func:`bekostiging.model.evaluation.band_quantiles`) over 2 x 1.2816; ``rho`` is
    the intraclass correlation of the log errors within jeugdzorgregio x target year: the share
    of a municipality's error that its region's other municipalities share (a national year
    effect included). Log errors beyond +-1 (booking breaks) are left out of ``rho``.
    """
    q = band_quantiles(errors, horizons=sorted(horizons))
    q["sigma"] = np.log((1.0 + q["q90"]) / (1.0 + q["q10"])) / (2.0 * Z90)
    e = errors.assign(
        log_error=np.log1p(errors["error"].astype(float).clip(lower=-0.99)),
        cell=errors["gemeentecode"].map(groups).astype(str) + "/" + errors["year"].astype(str),
    )
    e = e.loc[(e["log_error"].abs() <= 1.0) & e["gemeentecode"].map(groups).notna()]
    rho = {
        (scope, h): intraclass_correlation(part["log_error"], part["cell"])
        for (scope, h), part in e.groupby(["scope", "horizon"])
    }
    q["rho"] = [rho.get((s, h), 0.0) for s, h in zip(q["scope"], q["horizon"])]
    return q[["scope", "horizon", "sigma", "rho"]]


def national_spread(
    panel: pd.DataFrame, reference_year: int, groups: Mapping[str, str]
) -> pd.DataFrame:
    """:func:`error_spread` of the tool's errors at the origins before Y (known as of Y)."""
    known = as_of(panel, reference_year)
    return error_spread(model_errors(known, reference_year, HORIZONS), groups)


SCOPE_ORDER = ("access", "youth", "wmo")


def task_field_split(iv3: pd.DataFrame, codes: Iterable[str], reference_year: int) -> pd.DataFrame:
    """Actual spending (euros) per scope and task field in Y, summed over ``codes``.

    The task fields of each scope as in :data:`bekostiging.data.panel.SCOPE_FIELDS` (the code
    scheme of Y); the forecast of a scope is split over its task fields by these shares.

    >>> from bekostiging.data.rawdata import load_iv3
    >>> s = task_field_split(load_iv3(), ["GM0197"], 2024)
    >>> s.query("scope == 'youth'")[["taakveld", "spending"]].values.tolist()[:2]
    [['6.72', 2962000.0], ['6.73', 2298000.0]]
    """
    scheme = "2025-" if reference_year >= NEW_SCHEME_YEAR else "2017-2024"
    rows = iv3.loc[
        iv3["gemeentecode"].isin(list(codes))
        & (iv3["year"] == reference_year)
        & (iv3["report"] == "jaarrekening")
    ]
    spent = rows.groupby("taakveld")["spending_keur"].sum() * 1000.0
    out = [
        {
            "scope": scope,
            "taakveld": field,
            "share": share,
            "spending": float(spent.get(field, 0.0)) * share,
        }
        for field, parts in SCOPE_FIELDS[scheme].items()
        for scope, share in parts
    ]
    frame = pd.DataFrame(out)
    frame["order"] = frame["scope"].map({s: i for i, s in enumerate(SCOPE_ORDER)})
    frame = frame.sort_values(["order", "taakveld"], kind="stable").drop(columns="order")
    return frame.reset_index(drop=True)


def domain_projection(growth: pd.DataFrame, split: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Expected spending per task field and year from the forecast of its scope.

    ``unit`` is a municipality code or ``"regio"`` (rows of :func:`national_growth`). Each
    task field grows with its scope (its share of the scope in Y stays the same); the rows add
    up to the scope's forecast, and the scopes to the whole social domain. Columns: ``scope,
    taakveld, actual`` and one column per forecast year. A scope without a forecast keeps its
    actual (growth 1) and is listed in ``attrs["no_forecast"]``.
    """
    mine = growth.loc[growth["gemeentecode"] == unit]
    wide = mine.pivot_table(index="scope", columns="year", values="growth")
    years = sorted(int(y) for y in wide.columns)
    out = split.rename(columns={"spending": "actual"})[["scope", "taakveld", "actual"]].copy()
    scope_actual = out.groupby("scope")["actual"].transform("sum")
    scope_of_unit = mine.drop_duplicates("scope").set_index("scope")["actual"]
    missing = sorted(set(out["scope"]) - set(wide.index))
    for y in years:
        g = out["scope"].map(wide[y]).fillna(1.0)
        # the scope's expected value, split by the task fields' shares of the scope in Y
        level = out["scope"].map(scope_of_unit).fillna(scope_actual)
        share = (out["actual"] / scope_actual).where(scope_actual > 0, 0.0)
        out[y] = level * g * share
    out.attrs["no_forecast"] = missing
    return out
