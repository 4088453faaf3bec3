"""What the switch of funding did, measured: a difference-in-differences on all municipalities.

A region that moved its procured care from p*q to a lumpsum on a date (the Achterhoek on
1 July 2022) is compared with every other Dutch municipality: did its spending grow faster or
slower after the switch than theirs, relative to before? Per scope (youth, Wmo):

    ln(spending[m, t]) = a[m] + g[t] + beta x treated[m] x post[t] + e[m, t]

with a municipality and a year effect; ``post[t]`` is the share of year t after the switch
(0.5 for 2022 with a 1 July switch). ``exp(beta) - 1`` is the estimated effect on spending.

Inference. With one treated region (8 municipalities) a cluster-robust standard error is
unreliable, so the interval is a placebo interval (after Conley & Taber 2011): the same
regression with each other jeugdzorgregio as the "treated" region gives the distribution of
estimates that arise without the switch; the 90 % interval is ``beta`` minus their 95th and 5th
percentiles. The cluster-robust interval (statsmodels, clustered by municipality) is shown
beside it.

Parallel pre-trends. An event study (one coefficient per year relative to the last year before
the switch) shows whether the region's spending already moved apart before; its pre-switch
coefficients and their joint test are reported.

Caveat. The comparison municipalities' own funding forms are not in the data; many changed
too. The estimate is the effect of this region's switch relative to the mix of whatever the
others did, not relative to p*q everywhere.

>>> panel = synthetic_panel(effect=-0.10, seed=1)
>>> r = did_estimate(panel, panel.attrs["treated"], "youth", 2022.5)
>>> round(r.beta, 2)
-0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

SCOPES = ("youth", "wmo")
LEVEL = 0.90


@dataclass(frozen=True)
class DidResult:
    """One scope's estimate, its intervals, and the pre-trend check."""

    scope: str
    beta: float  # log effect
    placebo_low: float  # the 90 % placebo interval of beta
    placebo_high: float
    cluster_low: float  # the 90 % cluster-robust interval of beta
    cluster_high: float
    n_placebos: int
    event: pd.DataFrame  # year, coefficient, low, high (cluster-robust), relative to base year
    pretrend_p: float  # joint test that all pre-switch event coefficients are 0
    n_treated: int
    n_control: int
    years: tuple[int, int]

    @property
    def effect(self) -> float:
        """The effect on spending as a fraction: exp(beta) - 1."""
        return float(np.expm1(self.beta))

    def interval(self) -> tuple[float, float]:
        """The placebo interval as fractions of spending."""
        return float(np.expm1(self.placebo_low)), float(np.expm1(self.placebo_high))

    def covers(self, effect: float) -> bool:
        """Whether a model's effect (a fraction of spending) lies inside the placebo interval."""
        low, high = self.interval()
        return low <= effect <= high


def post_share(years: Iterable[int], switch: float) -> np.ndarray:
    """Share of each calendar year after the switch (``switch`` as a decimal year).

    >>> post_share([2021, 2022, 2023], 2022.5).tolist()
    [0.0, 0.5, 1.0]
    """
    y = np.asarray(list(years), dtype=float)
    return np.clip(y + 1.0 - switch, 0.0, 1.0)


def decimal_year(date) -> float:
    """A date as a decimal year: 1 July 2022 -> 2022.5 (months, as the contracts count)."""
    return float(date.year) + (date.month - 1) / 12.0 + (date.day - 1) / 365.0


def _frame(panel: pd.DataFrame, scope: str) -> pd.DataFrame:
    rows = panel.loc[(panel["report"] == "actuals") & (panel["scope"] == scope)]
    rows = rows.loc[rows["spending"] > 0]
    return rows[["gemeentecode", "year", "spending"]].assign(y=np.log(rows["spending"]))


def _fe_design(f: pd.DataFrame) -> np.ndarray:
    muni = pd.get_dummies(f["gemeentecode"], dtype=float).to_numpy()
    year = pd.get_dummies(f["year"], dtype=float).to_numpy()[:, 1:]
    return np.hstack([muni, year])


def _residualiser(fe: np.ndarray):
    q, _ = np.linalg.qr(fe)
    return lambda v: v - q @ (q.T @ v)


def did_estimate(
    panel: pd.DataFrame,
    treated: Sequence[str],
    scope: str,
    switch: float,
    placebo_groups: Mapping[str, str] | None = None,
    years: tuple[int, int] | None = None,
) -> DidResult:
    """The two-way fixed-effects estimate with placebo and cluster-robust intervals.

    ``panel`` is the national Iv3 panel (actuals); ``treated`` the region's codes; ``switch``
    the decimal year of the switch; ``placebo_groups`` maps every other code to its region
    (without it, the placebo interval is NaN). Only years in ``years`` (inclusive) enter.
    """
    f = _frame(panel, scope)
    if years is not None:
        f = f.loc[f["year"].between(*years)]
    f = f.reset_index(drop=True)
    treated = set(treated)
    is_treated = f["gemeentecode"].isin(treated).to_numpy(dtype=float)
    post = post_share(f["year"], switch)
    fe = _fe_design(f)
    resid = _residualiser(fe)
    y = resid(f["y"].to_numpy())

    def beta_of(d: np.ndarray) -> float:
        dr = resid(d)
        denom = float(dr @ dr)
        return float(dr @ y / denom) if denom > 0 else float("nan")

    d = is_treated * post
    beta = beta_of(d)
    z = np.column_stack([d, fe])
    fit = sm.OLS(f["y"].to_numpy(), z).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(f["gemeentecode"])[0]}
    )
    low, high = fit.conf_int(alpha=1.0 - LEVEL)[0]
    placebo = []
    if placebo_groups is not None:
        groups = f["gemeentecode"].map(placebo_groups)
        for g in sorted(set(groups.dropna()) - {None}):
            members = (groups == g).to_numpy() & (is_treated == 0)
            if members.any():
                placebo.append(beta_of(members.astype(float) * post))
    placebo = np.array([b for b in placebo if np.isfinite(b)])
    if len(placebo) >= 10:
        tail = (1.0 - LEVEL) / 2.0
        q_lo, q_hi = np.quantile(placebo, [tail, 1.0 - tail])
        p_low, p_high = beta - q_hi, beta - q_lo
    else:
        p_low = p_high = float("nan")
    event, pre_p = event_study(f, is_treated, switch, fe)
    return DidResult(
        scope=scope,
        beta=beta,
        placebo_low=float(p_low),
        placebo_high=float(p_high),
        cluster_low=float(low),
        cluster_high=float(high),
        n_placebos=len(placebo),
        event=event,
        pretrend_p=pre_p,
        n_treated=int(f.loc[is_treated == 1, "gemeentecode"].nunique()),
        n_control=int(f.loc[is_treated == 0, "gemeentecode"].nunique()),
        years=(int(f["year"].min()), int(f["year"].max())),
    )


def event_study(
    f: pd.DataFrame, is_treated: np.ndarray, switch: float, fe: np.ndarray
) -> tuple[pd.DataFrame, float]:
    """Treated x year coefficients relative to the last full year before the switch.

    Returns the coefficients with 90 % cluster-robust intervals and the p-value of the joint
    test that every pre-switch coefficient is zero (parallel pre-trends).
    """
    base = int(np.floor(switch)) - 1 if switch % 1 else int(switch) - 1
    years = sorted(int(y) for y in f["year"].unique() if int(y) != base)
    cols = [(f["year"].to_numpy() == y) * is_treated for y in years]
    z = np.column_stack([*cols, fe])
    fit = sm.OLS(f["y"].to_numpy(), z).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(f["gemeentecode"])[0]}
    )
    ci = fit.conf_int(alpha=1.0 - LEVEL)[: len(years)]
    event = pd.DataFrame(
        {"year": years, "coefficient": fit.params[: len(years)], "low": ci[:, 0], "high": ci[:, 1]}
    )
    pre = [k for k, y in enumerate(years) if y < base]
    if pre:
        r = np.zeros((len(pre), z.shape[1]))
        for i, k in enumerate(pre):
            r[i, k] = 1.0
        p = float(np.asarray(fit.wald_test(r, scalar=True).pvalue))
    else:
        p = float("nan")
    return event, p


def synthetic_panel(
    effect: float,
    seed: int = 0,
    n_regions: int = 40,
    size: int = 8,
    years: Sequence[int] = range(2017, 2025),
    switch: float = 2022.5,
    noise: float = 0.05,
) -> pd.DataFrame:
    """A panel with a known effect of the switch on region ``R00``, for tests and examples.

    Every municipality has its own level and a common year effect; region ``R00`` switches at
    ``switch`` and its log spending moves by ``effect`` times the share of the year after it.
    ``attrs["treated"]`` lists its codes and ``attrs["groups"]`` maps every code to its region.
    """
    rng = np.random.default_rng(seed)
    years = list(years)
    year_effect = np.cumsum(rng.normal(0.04, 0.03, len(years)))
    rows, groups = [], {}
    for r in range(n_regions):
        for k in range(size):
            code = f"GM{r:02d}{k:02d}"
            groups[code] = f"R{r:02d}"
            level = rng.normal(16.0, 0.8)
            shift = effect * post_share(years, switch) if r == 0 else np.zeros(len(years))
            for t, y in enumerate(years):
                value = level + year_effect[t] + shift[t] + rng.normal(0.0, noise)
                rows.append((code, y, "actuals", "youth", float(np.exp(value))))
    panel = pd.DataFrame(rows, columns=["gemeentecode", "year", "report", "scope", "spending"])
    panel.attrs["treated"] = [c for c, g in groups.items() if g == "R00"]
    panel.attrs["groups"] = groups
    return panel


SCOPE_OF_DOMAIN = {"jeugd": "youth", "wmo": "wmo"}


@dataclass(frozen=True)
class Switch:
    """A region's switch of funding for its procured segments, read from the region file."""

    date: object  # datetime.date
    from_variant: str
    to_variant: str
    scopes: tuple[str, ...]
    segments: tuple[str, ...]

    @property
    def decimal(self) -> float:
        return decimal_year(self.date)


def switch_of(region) -> Switch | None:
    """The most common contract start of the procured segments whose decided variant differs
    from their historical funding, with the scopes they belong to; None without such segments.

    Works for any region file: the date, the variants and the domains all come from it.
    """
    moved = [
        s
        for s in region.procured_segments()
        if s.contract_start is not None and s.funding["variant"] != s.historical_funding
    ]
    if not moved:
        return None
    dates = pd.Series([s.contract_start for s in moved])
    date = dates.mode().iloc[0]
    on = [s for s in moved if s.contract_start == date]
    variants = pd.Series([(s.historical_funding, s.funding["variant"]) for s in on]).mode().iloc[0]
    scopes = tuple(
        dict.fromkeys(SCOPE_OF_DOMAIN[s.domain] for s in on if s.domain in SCOPE_OF_DOMAIN)
    )
    return Switch(date, variants[0], variants[1], scopes, tuple(s.id for s in on))


def model_effect(proj, segments: Sequence[str], year: int, from_variant: str, to_variant: str):
    """What the projection says the switch does: mean municipal spend on ``segments`` in
    ``year`` under ``to_variant`` over that under ``from_variant``, minus 1 (a fraction).

    This is the behaviour model's claim that the difference-in-differences checks.
    """
    i = proj.inputs
    units = [i.units.index(s) for s in segments if s in i.units]
    if not units or year not in i.years or from_variant not in proj.variants:
        return float("nan")
    k = i.years.index(year)
    spend = {
        v: float(proj.variants[v]["municipality_spend"][:, :, units, k].sum(axis=(1, 2)).mean())
        for v in (from_variant, to_variant)
    }
    return (
        spend[to_variant] / spend[from_variant] - 1.0 if spend[from_variant] > 0 else float("nan")
    )
