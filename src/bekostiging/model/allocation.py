"""Allocation between municipalities and between providers (issue item 6).

Three questions, each a small function on plain pandas objects:

* **Who pays which part of a regional cost?** :func:`allocation_keys` computes the shares of
  every municipality under the usual distribution keys and :func:`allocate` turns a regional
  amount into an amount per municipality per key, with the difference against ``gebruik``
  (actual use). The principle of the Achterhoek is that each municipality remains responsible
  for its own residents and costs (seed 003, 3.2), so ``gebruik`` is the reference key; the
  differences show what a solidarity key (inhabitants) or a mix would shift. For a segment the
  region file pools (``regional_pooling``) the municipal spend is an attribution by the pool's
  key, not observed use: :func:`use_basis`, :func:`observed_use_segments` and
  :func:`key_behind_use` say so, so that a report does not present it as actual use.
* **Where does a municipality's share of a segment stand out?** :func:`share_flags` compares
  its share of a segment with its share of all procured spend and flags ratios beyond the
  parameter ``allocation.share_flag_ratio``.
* **What does pooling (solidarity) do to the risk?** :func:`pooling_effect`: each
  municipality's mean and P90 when it pays its own draws against its share of the regional
  total of every draw.
* **How is a municipality's lumpsum for a segment split over its providers?**
  :func:`split_lumpsum`: by historical share, with a floor for small local providers (seed 003,
  3.2: a covering offer in every municipality, local providers included, with a lumpsum per
  organisation).
* **Is the offer covering and how concentrated is it?** :func:`coverage`: providers per
  municipality and segment, a yes/no on the minimum number, and the Herfindahl-Hirschman index.

The provider landscape is not public; :func:`load_providers` reads an (illustrative) provider
file ``data/assumptions/providers/<region>.csv``. See :func:`load_providers` for its format.

Amounts are rounded to whole cents with the largest-remainder method, so the amounts of one
key (or one lumpsum split) add up *exactly* to the total in cents: a printed table adds up.

>>> keys = pd.DataFrame({"gebruik": [0.6, 0.4], "inwoners": [0.5, 0.5]},
...                     index=pd.Index(["GM0197", "GM0222"], name="gemeentecode"))
>>> out = allocate(1000.0, keys)
>>> out.query("key == 'inwoners'")[["gemeentecode", "amount", "difference"]].values.tolist()
[['GM0197', 500.0, -100.0], ['GM0222', 500.0, 100.0]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.config.providers import TOLERANCE
from bekostiging.config.region import Region
from bekostiging.core.paths import ASSUMPTIONS_DIR  # noqa: F401 (used by the doctests)

# --------------------------------------------------------------------------------------------
# distribution keys

BASE_KEYS = ("gebruik", "inwoners", "jeugdigen", "volwassenen")
KEYS = (*BASE_KEYS, "mix")
DEFAULT_MIX_WEIGHTS: dict[str, float] = {"gebruik": 0.5, "inwoners": 0.5}
"""Default of ``allocation.mix_weights`` (data/assumptions/parameters/allocation.yaml)."""

# Age group (population.population_by_age_group) behind each population key.
KEY_AGE_GROUPS = {
    "inwoners": "totaal",
    "jeugdigen": "jeugd_0_17",
    "volwassenen": "volwassen_18plus",
}


def mix_weights(params: Parameters) -> dict[str, float]:
    """The weights of the ``mix`` key from the parameter ``allocation.mix_weights``.

    >>> from bekostiging.config.parameters import load_parameters
    >>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / "allocation.yaml"])
    >>> mix_weights(p)
    {'gebruik': 0.5, 'inwoners': 0.5}
    """
    value = params.param("allocation.mix_weights").value
    return {str(k): float(v) for k, v in value.items()}


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for key, w in weights.items():
        if key not in BASE_KEYS:
            raise ValueError(
                f"unknown key {key!r} in the mix weights; valid keys: {', '.join(BASE_KEYS)}"
            )
        w = float(w)
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"mix weight of {key!r} must be a number >= 0; found {w!r}")
        out[key] = w
    total = sum(out.values())
    if abs(total - 1.0) > TOLERANCE:
        raise ValueError(f"mix weights must add up to 1; they add up to {total:g}")
    return out


def _shares(values: pd.Series, what: str) -> pd.Series:
    arr = values.to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        bad = values.index[~np.isfinite(arr)][0]
        raise ValueError(f"{what} of {bad} is missing or not finite")
    if (arr < 0).any():
        bad = values.index[arr < 0][0]
        raise ValueError(f"{what} of {bad} is negative ({values[bad]:g}); a key needs values >= 0")
    total = arr.sum()
    if total <= 0:
        raise ValueError(f"{what} adds up to 0; a key needs a positive total")
    return values.astype(float) / total


def _population_of_year(base: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """The population rows of the baseline frame's one year (a frame without years as given)."""
    if "year" in base.columns:
        years = sorted(base["year"].unique())
        if len(years) != 1:
            raise ValueError(
                f"the baseline frame must hold one year; found {', '.join(map(str, years))}"
            )
        if "year" in pop.columns:
            pop = pop[pop["year"] == years[0]]
            if pop.empty:
                raise ValueError(f"the population frame has no rows for {years[0]}")
    elif "year" in pop.columns and pop["year"].nunique() > 1:
        raise ValueError("the population frame holds several years; give the baseline a 'year'")
    return pop


def allocation_keys(
    baseline_year_frame: pd.DataFrame,
    population_frame: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Shares per municipality under each distribution key; every key's shares add up to 1.

    ``baseline_year_frame`` holds the spend of one year (columns ``gemeentecode``, ``spend``,
    optionally ``year`` and several segments per municipality, which are added up): filter it
    to the segments whose cost is being split. ``population_frame`` is the output of
    :func:`bekostiging.model.population.population_by_age_group` (columns ``gemeentecode``,
    ``age_group``, ``population`` and optionally ``year``; the baseline's year is selected).

    Keys (columns of the result, index ``gemeentecode``):

    * ``gebruik``: the municipality's own share of the spend: it pays for its own residents;
    * ``inwoners``: all inhabitants (age group ``totaal``);
    * ``jeugdigen``: inhabitants aged 0-17 (``jeugd_0_17``);
    * ``volwassenen``: inhabitants aged 18 and over (``volwassen_18plus``);
    * ``mix``: the weighted sum of the keys in ``weights`` (default 50 % gebruik + 50 %
      inwoners, the parameter ``allocation.mix_weights``); weights must add up to 1.

    >>> base = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "year": 2024,
    ...                      "spend": [30.0, 30.0, 40.0]})
    >>> pop = pd.DataFrame({"gemeentecode": ["A", "B"] * 3, "year": 2024,
    ...     "age_group": ["totaal"] * 2 + ["jeugd_0_17"] * 2 + ["volwassen_18plus"] * 2,
    ...     "population": [100.0, 300.0, 20.0, 60.0, 80.0, 240.0]})
    >>> allocation_keys(base, pop).round(3).to_dict("index")["A"]
    {'gebruik': 0.6, 'inwoners': 0.25, 'jeugdigen': 0.25, 'volwassenen': 0.25, 'mix': 0.425}
    """
    weights = _check_weights(DEFAULT_MIX_WEIGHTS if weights is None else weights)
    for col in ("gemeentecode", "spend"):
        if col not in baseline_year_frame.columns:
            raise ValueError(f"the baseline frame needs a column {col!r}")
    for col in ("gemeentecode", "age_group", "population"):
        if col not in population_frame.columns:
            raise ValueError(f"the population frame needs a column {col!r}")
    base = baseline_year_frame
    pop = _population_of_year(base, population_frame)
    use = base.groupby("gemeentecode", sort=False)["spend"].sum()
    codes = list(use.index)
    out = pd.DataFrame(index=pd.Index(codes, name="gemeentecode"))
    out["gebruik"] = _shares(use, "spend")
    for key, group in KEY_AGE_GROUPS.items():
        sub = pop[pop["age_group"] == group].groupby("gemeentecode")["population"].sum()
        missing = [c for c in codes if c not in sub.index]
        if missing:
            raise ValueError(
                f"no population in age group {group!r} for {', '.join(missing)} (key {key!r})"
            )
        extra = [c for c in sub.index if c not in codes]
        if extra:
            raise ValueError(
                f"population for {', '.join(extra)} but no spend in the baseline frame; "
                "both frames must cover the same municipalities"
            )
        out[key] = _shares(sub.reindex(codes), f"population {group}")
    out["mix"] = sum(w * out[k] for k, w in weights.items())
    return out[list(KEYS)]


# --------------------------------------------------------------------------------------------
# exact rounding


def round_to_total(values: Any, total: float, decimals: int = 2) -> np.ndarray:
    """Round ``values`` to ``decimals`` so that they add up exactly to ``total`` (rounded).

    Largest-remainder method (Hamilton): every value is rounded down to the unit
    (``10**-decimals``, a cent by default) and the units that are left go to the values with
    the largest remainders (ties: the first). Returns the amounts in whole units as Python
    ints (exact), so ``sum(result) == round(total * 10**decimals)`` always holds.

    >>> round_to_total([1 / 3, 1 / 3, 1 / 3], 1.0).tolist()
    [34, 33, 33]
    >>> round_to_total([-0.5, -0.5], -1.0, decimals=0).tolist()
    [-1, 0]
    """
    unit = 10**decimals
    raw = np.asarray(values, dtype=float) * unit
    if not np.isfinite(raw).all() or not math.isfinite(total):
        raise ValueError("amounts to round must be finite")
    target = round(total * unit)
    sign = -1 if target < 0 else 1
    raw = raw * sign
    target = target * sign
    # Remove floating-point noise (3.0000000000004 must floor to 3, not to 3 + a unit).
    base = np.floor(np.round(raw, 6))
    result = [int(b) for b in base]
    left = target - sum(result)
    fraction = raw - base
    if left > 0:
        order = np.argsort(-fraction, kind="stable")
        for i in range(left):
            result[order[i % len(result)]] += 1
    elif left < 0:
        order = np.argsort(fraction, kind="stable")
        for i in range(-left):
            result[order[i % len(result)]] -= 1
    return np.array([sign * r for r in result], dtype=object)


def allocate(regional_cost: float, keys: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A regional cost split over municipalities by every key, with the difference to ``gebruik``.

    ``keys`` is the output of :func:`allocation_keys` (index ``gemeentecode``, one column per
    key). Returns one row per municipality and key with ``share``, ``amount`` (EUR, rounded to
    whole cents so that each key's amounts add up exactly to the regional cost) and
    ``difference`` = amount under this key minus the amount under ``gebruik`` ("verschil t.o.v.
    eigen inwoners"; positive = the municipality pays more than for its own residents). Without
    a ``gebruik`` column the difference is left empty (NaN).

    >>> keys = pd.DataFrame({"gebruik": [0.2, 0.8], "inwoners": [0.25, 0.75]},
    ...                     index=pd.Index(["A", "B"], name="gemeentecode"))
    >>> allocate(1_000_000, keys).pivot(index="gemeentecode", columns="key", values="amount")
    key            gebruik  inwoners
    gemeentecode
    A             200000.0  250000.0
    B             800000.0  750000.0
    """
    cost = float(regional_cost)
    if not math.isfinite(cost):
        raise ValueError(f"the regional cost must be a finite number; found {regional_cost!r}")
    if keys.empty:
        raise ValueError("no municipalities in the keys")
    unit = 10**decimals
    rows = []
    amounts: dict[str, np.ndarray] = {}
    for key in keys.columns:
        shares = keys[key].to_numpy(dtype=float)
        if not np.isfinite(shares).all() or (shares < 0).any():
            raise ValueError(f"key {key!r} has a missing or negative share")
        if abs(shares.sum() - 1.0) > TOLERANCE:
            raise ValueError(f"the shares of key {key!r} add up to {shares.sum():g}, not 1")
        units = round_to_total(shares * cost, cost, decimals)
        amounts[key] = np.array([u / unit for u in units], dtype=float)
    reference = amounts.get("gebruik")
    for key in keys.columns:
        diff = amounts[key] - reference if reference is not None else np.full(len(keys), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "gemeentecode": keys.index.to_numpy(),
                    "key": key,
                    "share": keys[key].to_numpy(dtype=float),
                    "amount": amounts[key],
                    "difference": np.round(diff, decimals),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def worst_key_difference(allocated: pd.DataFrame) -> pd.DataFrame:
    """Per municipality, the key that would cost it most compared with ``gebruik``.

    Returns ``gemeentecode``, ``key`` and ``difference`` (EUR, >= 0): the largest positive
    difference over all keys other than ``gebruik`` (``mix`` included); difference 0 and key
    ``""`` when no key costs the municipality more than paying for its own residents. Used
    for the risk "attribution of regional costs" in :mod:`bekostiging.model.risk`.

    >>> keys = pd.DataFrame({"gebruik": [0.2, 0.8], "inwoners": [0.25, 0.75]},
    ...                     index=pd.Index(["A", "B"], name="gemeentecode"))
    >>> worst_key_difference(allocate(100.0, keys)).values.tolist()
    [['A', 'inwoners', 5.0], ['B', '', 0.0]]
    """
    other = allocated[allocated["key"] != "gebruik"]
    rows = []
    for code in dict.fromkeys(allocated["gemeentecode"]):
        sub = other[other["gemeentecode"] == code]
        if sub.empty or not (sub["difference"] > 0).any():
            rows.append((code, "", 0.0))
            continue
        best = sub.loc[sub["difference"].idxmax()]
        rows.append((code, str(best["key"]), float(best["difference"])))
    return pd.DataFrame(rows, columns=["gemeentecode", "key", "difference"])


# --------------------------------------------------------------------------------------------
# what the ``gebruik`` key rests on

USE_BASIS_COLUMNS = ("segment", "observed", "key", "booked_by", "spend", "attributed")


def use_basis(
    region: Region, segments: Iterable[str], baseline_year_frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per segment: is a municipality's spend its observed use, or attributed by a key?

    A segment of the region file's ``regional_pooling`` is booked by a centrumgemeente for the
    whole region and attributed to every municipality by the entry's key (an age group, e.g.
    ``volwassen_18plus``), see :func:`bekostiging.model.baseline.apply_pooling`. For such a
    segment the ``gebruik`` key of :func:`allocation_keys` is that attribution, not actual
    use. Columns:

    * ``segment``; ``observed``: True when no pooling entry names the segment;
    * ``key`` and ``booked_by``: the pooling entry's age group and centrumgemeente ("" when
      observed);
    * ``spend`` and ``attributed``: the segment's regional spend in the frame's one year and
      the part of it that the key attributed (what ``booked_by`` booked,
      ``spend_booked``); the rest the municipalities booked themselves. NaN without
      ``baseline_year_frame`` (columns ``gemeentecode``, ``segment``, ``spend``,
      ``spend_booked``, one year).

    Submitted figures (``spend_flag`` ``submitted``) are not looked at: a pooled segment
    stays attributed here even when a municipality replaced its own figure.

    >>> from bekostiging.config.region import load_region
    >>> use_basis(load_region("achterhoek"), ["hcv", "wmo_wonen"])[["segment", "observed", "key"]]
         segment  observed               key
    0        hcv      True
    1  wmo_wonen     False  volwassen_18plus
    """
    pools = {s: pool for pool in region.pooling for s in pool.segments}
    rows = []
    for seg in segments:
        pool = pools.get(seg)
        spend = attributed = float("nan")
        if baseline_year_frame is not None:
            frame = baseline_year_frame[baseline_year_frame["segment"] == seg]
            spend = float(frame["spend"].sum())
            attributed = 0.0
            if pool is not None:
                booked = frame[frame["gemeentecode"].isin(pool.booked_by)]
                share = booked["gemeentecode"].map(pool.share).to_numpy()
                attributed = float((booked["spend_booked"] * share).sum())
        rows.append(
            {
                "segment": seg,
                "observed": pool is None,
                "key": "" if pool is None else pool.key,
                "booked_by": "" if pool is None else ",".join(pool.booked_by),
                "spend": spend,
                "attributed": attributed,
            }
        )
    return pd.DataFrame(rows, columns=list(USE_BASIS_COLUMNS))


def observed_use_segments(region: Region, segments: Iterable[str]) -> list[str]:
    """The segments (of ``segments``, in order) whose municipal spend is observed use.

    >>> from bekostiging.config.region import load_region
    >>> observed_use_segments(load_region("achterhoek"), ["iaj", "wmo_wonen", "opvang"])
    ['iaj']
    """
    basis = use_basis(region, segments)
    return basis.loc[basis["observed"], "segment"].tolist()


def key_behind_use(region: Region, segments: Iterable[str]) -> str | None:
    """The key of :data:`KEYS` that ``gebruik`` equals when every segment is attributed by it.

    When all of ``segments`` are pooled segments attributed by one age group, the ``gebruik``
    shares are that population key (apart from what the municipalities booked themselves),
    so the two columns are no distinct keys. Returns that key's name (``volwassenen`` for
    ``volwassen_18plus``), or None when some segment is observed use, the segments are
    attributed by different groups, or the group is no key of :func:`allocation_keys`.

    >>> from bekostiging.config.region import load_region
    >>> r = load_region("achterhoek")
    >>> key_behind_use(r, ["wmo_wonen", "opvang"]), key_behind_use(r, ["wmo_wonen", "wmo_io"])
    ('volwassenen', None)
    """
    basis = use_basis(region, segments)
    if basis.empty or basis["observed"].any() or basis["key"].nunique() != 1:
        return None
    group = str(basis["key"].iloc[0])
    by_group = {g: k for k, g in KEY_AGE_GROUPS.items()}
    return by_group.get(group)


# --------------------------------------------------------------------------------------------
# a municipality's share of a segment against its overall share

SHARE_FLAG_COLUMNS = (
    "gemeentecode",
    "segment",
    "segment_share",
    "overall_share",
    "ratio",
    "population_share",
    "population_ratio",
    "flag",
    "direction",
)


def share_flag_ratio(params: Parameters) -> float:
    """The threshold ``allocation.share_flag_ratio`` (allocation.yaml) of :func:`share_flags`.

    >>> from bekostiging.config.parameters import load_parameters
    >>> share_flag_ratio(load_parameters([ASSUMPTIONS_DIR / "parameters" / "allocation.yaml"]))
    2.0
    """
    return float(params.value("allocation.share_flag_ratio"))


def share_flags(
    spend: pd.DataFrame, threshold: float, segments: Iterable[str] | None = None
) -> pd.DataFrame:
    """Flag where a municipality's share of a segment is far from its share of all spend.

    ``spend`` holds one year: columns ``gemeentecode``, ``segment``, ``spend`` and optionally
    ``population`` (inhabitants of the segment's target group, as in the baseline). The
    overall share is the municipality's share of the spend of *all* segments in the frame
    (give it the procured segments); ``segments`` limits the rows returned (default: all).

    Per municipality and segment: ``segment_share`` (of the region's spend on the segment),
    ``overall_share``, ``ratio`` = segment share / overall share, and, with a ``population``
    column, ``population_share`` (of the region's target group) and ``population_ratio`` =
    segment share / population share (NaN without). ``flag`` is True when ``ratio`` is at
    least ``threshold`` or at most ``1 / threshold`` (``direction`` ``"above"`` or
    ``"below"``, else ``""``): under a key by overall spend or inhabitants the municipality
    would pay a very different part of this segment than it uses. The threshold is the
    parameter ``allocation.share_flag_ratio`` (:func:`share_flag_ratio`).

    A hand case: A uses 60 of the 100 spent on ``hcv`` but 70 of the 400 spent in all, so its
    share of ``hcv`` (60 %) is 3.43 times its overall share (17.5 %):

    >>> s = pd.DataFrame({"gemeentecode": ["A", "B", "A", "B"],
    ...                   "segment": ["hcv", "hcv", "iaj", "iaj"],
    ...                   "spend": [60.0, 40.0, 10.0, 290.0]})
    >>> out = share_flags(s, 2.0)
    >>> out[["gemeentecode", "segment", "ratio", "flag", "direction"]].round(3)
      gemeentecode segment  ratio   flag direction
    0            A     hcv  3.429   True     above
    1            B     hcv  0.485   True     below
    2            A     iaj  0.190   True     below
    3            B     iaj  1.172  False
    """
    threshold = float(threshold)
    if not math.isfinite(threshold) or threshold < 1:
        raise ValueError(f"the share flag ratio must be a number >= 1; found {threshold!r}")
    for col in ("gemeentecode", "segment", "spend"):
        if col not in spend.columns:
            raise ValueError(f"the spend frame needs a column {col!r}")
    if "year" in spend.columns and spend["year"].nunique() > 1:
        raise ValueError("the spend frame must hold one year")
    grid = spend.groupby(["gemeentecode", "segment"], sort=False)["spend"].sum().unstack()
    if grid.isna().any().any():
        raise ValueError("the spend frame must have every segment for every municipality")
    overall = _shares(grid.sum(axis=1), "spend")
    wanted = list(grid.columns) if segments is None else list(segments)
    unknown = [s for s in wanted if s not in grid.columns]
    if unknown:
        raise ValueError(f"segment {unknown[0]!r} is not in the spend frame")
    pop = None
    if "population" in spend.columns:
        pop = spend.groupby(["gemeentecode", "segment"], sort=False)["population"].first()
        pop = pop.unstack().reindex(index=grid.index, columns=grid.columns)
    rows = []
    for seg in wanted:
        seg_share = _shares(grid[seg], f"spend on {seg}")
        pop_share = _shares(pop[seg], f"population of {seg}") if pop is not None else None
        for code in grid.index:
            ratio = float(seg_share[code] / overall[code]) if overall[code] > 0 else math.inf
            above, below = ratio >= threshold, ratio <= 1.0 / threshold
            p_share = float(pop_share[code]) if pop_share is not None else math.nan
            rows.append(
                {
                    "gemeentecode": code,
                    "segment": seg,
                    "segment_share": float(seg_share[code]),
                    "overall_share": float(overall[code]),
                    "ratio": ratio,
                    "population_share": p_share,
                    "population_ratio": float(seg_share[code]) / p_share
                    if p_share > 0
                    else math.nan,
                    "flag": bool(above or below),
                    "direction": "above" if above else "below" if below else "",
                }
            )
    return pd.DataFrame(rows, columns=list(SHARE_FLAG_COLUMNS))


# --------------------------------------------------------------------------------------------
# the pooling effect


def _quantile_name(q: float) -> str:
    return f"p{q * 100:g}"


def pooling_effect(
    draws: Any, shares: Any, q: float = 0.9, codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """What pooling a cost does to each municipality's mean and its ``q`` quantile (P90).

    ``draws`` (D, M): the cost of one segment (or a group of segments) per municipality in
    one year, one row per simulation draw; ``shares`` (M,): a key adding up to 1. Without
    pooling each municipality pays its own draws; pooled it pays its share of the regional
    total of every draw, ``shares[m] * draws.sum(axis=1)``. Per municipality (index
    ``codes``, default 0..M-1): ``share``, ``own_mean``, ``own_p90``, ``pooled_mean``,
    ``pooled_p90`` and ``change_p90`` = pooled - own (negative: pooling lowers the amount
    the municipality must be able to carry in a bad year). The names follow ``q``
    (``p95`` for 0.95); quantiles are ``numpy.quantile`` (linear interpolation).

    What always holds: the pooled means add up to the regional mean, and with the key of the
    mean shares (``own_mean / sum``) each pooled mean equals the own mean; the pooled P90s
    add up to the P90 of the regional total (a quantile scales with a positive factor). The
    sum of the *own* P90s is not an upper bound of that: quantiles are not subadditive, so
    pooling rare, independent costs can raise the sum of the P90s (see the tests); for
    perfectly dependent (comonotone) draws both sums are equal.

    Two municipalities whose costs move in opposite directions: alone each must carry its
    bad years, pooled the bad years cancel out and both P90s fall.

    >>> d = np.array([[80.0, 120.0], [120.0, 80.0], [90.0, 110.0], [110.0, 90.0]])
    >>> out = pooling_effect(d, [0.5, 0.5], codes=["A", "B"])
    >>> out[["own_mean", "own_p90", "pooled_mean", "pooled_p90", "change_p90"]].to_dict("index")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'A': {'own_mean': 100.0, 'own_p90': 117.0, 'pooled_mean': 100.0, 'pooled_p90': 100.0,
           'change_p90': -17.0},
     'B': {'own_mean': 100.0, 'own_p90': 117.0, 'pooled_mean': 100.0, 'pooled_p90': 100.0,
           'change_p90': -17.0}}
    """
    d = np.asarray(draws, dtype=float)
    s = np.asarray(shares, dtype=float)
    if d.ndim != 2 or d.shape[0] == 0 or d.shape[1] == 0:
        raise ValueError(f"draws must be a (draws, municipalities) array; found shape {d.shape}")
    if s.shape != (d.shape[1],):
        raise ValueError(f"shares must have one value per municipality ({d.shape[1]})")
    if not np.isfinite(d).all():
        raise ValueError("draws must be finite")
    if not np.isfinite(s).all() or (s < 0).any() or abs(s.sum() - 1.0) > TOLERANCE:
        raise ValueError(f"shares must be >= 0 and add up to 1; they add up to {s.sum():g}")
    if not 0.0 <= float(q) <= 1.0:
        raise ValueError(f"q must lie between 0 and 1; found {q!r}")
    name = _quantile_name(float(q))
    total = d.sum(axis=1)
    own_q = np.quantile(d, q, axis=0)
    pooled_q = s * np.quantile(total, q)
    index = pd.Index(range(d.shape[1]) if codes is None else list(codes), name="gemeentecode")
    return pd.DataFrame(
        {
            "share": s,
            "own_mean": d.mean(axis=0),
            f"own_{name}": own_q,
            "pooled_mean": s * total.mean(),
            f"pooled_{name}": pooled_q,
            f"change_{name}": pooled_q - own_q,
        },
        index=index,
    )


def mean_shares(draws: Any) -> np.ndarray:
    """The key that keeps expected cost in place: each municipality's share of the mean.

    >>> mean_shares([[1.0, 3.0], [3.0, 5.0]]).tolist()
    [0.3333333333333333, 0.6666666666666666]
    """
    means = np.asarray(draws, dtype=float).mean(axis=0)
    total = means.sum()
    if not np.isfinite(total) or total <= 0 or (means < 0).any():
        raise ValueError("the mean costs must be >= 0 with a positive total")
    return means / total


# --------------------------------------------------------------------------------------------
# lumpsum per provider


def split_lumpsum(
    municipality_budget: float,
    providers: pd.DataFrame,
    floor_share: float = 0.0,
    min_local_amount: float = 0.0,
    decimals: int = 2,
) -> pd.DataFrame:
    """Split a municipality's segment lumpsum over its contracted providers.

    ``providers`` has columns ``provider``, ``historical_share`` (any non-negative weights;
    normalised over the providers given, since the contracted providers are a subset of the
    historical ones) and ``local`` (bool). The rule:

    1. every provider gets the budget in proportion to its historical share;
    2. a **local** provider gets at least its floor ``max(floor_share * budget,
       min_local_amount)`` (rounded up to a whole cent); providers below their floor are raised
       to it and the budget left is split over the others by historical share again, until no
       local provider is below its floor (non-local providers have no floor);
    3. amounts are whole cents that add up *exactly* to the budget (largest remainder).

    When the floors of the local providers together exceed the budget no split exists and a
    ValueError says so. The assumptions ``allocation.floor_share`` and
    ``allocation.min_local_amount`` (allocation.yaml) hold the values for the analysis. Returns the providers with ``floor`` (EUR, 0 for non-local),
    ``amount`` (EUR), ``share`` (of the budget) and ``floored`` (raised to the floor).

    >>> p = pd.DataFrame({"provider": ["Groot", "Middel", "Lokaal"],
    ...                   "historical_share": [0.7, 0.29, 0.01], "local": [False, False, True]})
    >>> split_lumpsum(1_000_000, p, floor_share=0.05)[["amount", "floored"]].values.tolist()
    [[671717.17, False], [278282.83, False], [50000.0, True]]
    """
    budget, h, local = _split_inputs(municipality_budget, providers, floor_share, min_local_amount)
    unit = 10**decimals
    total = round(budget * unit)
    floors = _local_floors(budget, local, floor_share, min_local_amount, unit, total)
    raised, proportional, free = _raise_to_floors(h, local, floors, total)
    units = np.zeros(len(h), dtype=object)
    units[raised] = [int(f) for f in floors[raised]]
    rest = ~raised
    if rest.any():
        units[rest] = round_to_total(proportional[rest], free, decimals=0)
    amount = np.array([u / unit for u in units], dtype=float)
    out = providers.reset_index(drop=True).copy()
    out["local"] = local
    out["floor"] = floors / unit
    out["amount"] = amount
    out["share"] = amount / budget if budget > 0 else 0.0
    out["floored"] = raised
    return out


def _split_inputs(
    municipality_budget: float, providers: pd.DataFrame, floor_share: float, min_local_amount: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Check the inputs of :func:`split_lumpsum`; return budget, historical shares, local flags."""
    budget = float(municipality_budget)
    if not math.isfinite(budget) or budget < 0:
        raise ValueError(f"the budget must be a finite number >= 0; found {municipality_budget!r}")
    for name, value in (("floor_share", floor_share), ("min_local_amount", min_local_amount)):
        if not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"{name} must be a finite number >= 0; found {value!r}")
    if float(floor_share) > 1:
        raise ValueError(f"floor_share is a share of the budget (<= 1); found {floor_share!r}")
    for col in ("provider", "historical_share", "local"):
        if col not in providers.columns:
            raise ValueError(f"the providers table needs a column {col!r}")
    if providers.empty:
        raise ValueError("no providers to split the lumpsum over")
    if providers["provider"].duplicated().any():
        dup = providers.loc[providers["provider"].duplicated(), "provider"].iloc[0]
        raise ValueError(f"provider {dup!r} is listed twice")
    h = providers["historical_share"].to_numpy(dtype=float)
    if not np.isfinite(h).all() or (h < 0).any():
        raise ValueError("historical shares must be finite numbers >= 0")
    if h.sum() <= 0:
        raise ValueError("the historical shares add up to 0; nothing to split by")
    local = providers["local"].map(lambda v: bool(v) if isinstance(v, bool | np.bool_) else None)
    if local.isna().any():
        bad = providers.loc[local.isna(), "local"].iloc[0]
        raise ValueError(f"'local' must be true or false; found {bad!r}")
    return budget, h, local.to_numpy(dtype=bool)


def _local_floors(
    budget: float,
    local: np.ndarray,
    floor_share: float,
    min_local_amount: float,
    unit: int,
    total: int,
) -> np.ndarray:
    """Each provider's floor in whole cents (0 for non-local); refuses floors above the budget."""
    floor_eur = max(float(floor_share) * budget, float(min_local_amount))
    floor_units = math.ceil(round(floor_eur * unit, 6))
    floors = np.where(local, floor_units, 0).astype(np.int64)
    if int(floors.sum()) > total:
        raise ValueError(
            f"infeasible floors: {int(local.sum())} local provider(s) at a floor of "
            f"{floor_eur:,.2f} EUR each need {floors.sum() / unit:,.2f} EUR, more than the "
            f"budget of {budget:,.2f} EUR; lower floor_share or min_local_amount"
        )
    return floors


def _raise_to_floors(
    h: np.ndarray, local: np.ndarray, floors: np.ndarray, total: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Raise local providers below their floor until none is; split the rest by share.

    Returns which providers were raised, the proportional amounts of the others (cents) and
    the cents left for them.
    """
    raised = np.zeros(len(h), dtype=bool)
    while True:
        free = total - int(floors[raised].sum())
        weights = np.where(raised, 0.0, h)
        if weights.sum() <= 0:
            if free > 0:
                raise ValueError(
                    "only providers at their floor have a historical share; the budget left "
                    "cannot be placed (give the other providers a share)"
                )
            return raised, np.zeros(len(h)), free
        proportional = free * weights / weights.sum()
        newly = ~raised & local & (proportional < floors)
        if not newly.any():
            return raised, proportional, free
        raised |= newly


# --------------------------------------------------------------------------------------------
# coverage and concentration

HHI_MODERATE = 1500.0
HHI_HIGH = 2500.0
CONCENTRATION_CLASSES = ("unconcentrated", "moderate", "high")


def hhi(shares: Any) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale: the sum of squared percentage shares.

    Shares are normalised to add up to 1 first (NaN when they add up to 0). ``n`` equal
    providers give ``10,000 / n``; a single provider gives 10,000.

    >>> hhi([0.5, 0.5]), hhi([1.0]), hhi([0.45, 0.30, 0.15, 0.10])
    (5000.0, 10000.0, 3250.0)
    """
    s = np.asarray(shares, dtype=float)
    if (s < 0).any() or not np.isfinite(s).all():
        raise ValueError("shares must be finite numbers >= 0")
    total = s.sum()
    if total <= 0:
        return float("nan")
    return float(np.sum((100.0 * s / total) ** 2))


def concentration(index: float) -> str:
    """The concentration class of an HHI, after the US DOJ/FTC Horizontal Merger Guidelines.

    Section 5.3 of the 2010 Horizontal Merger Guidelines (U.S. Department of Justice and
    Federal Trade Commission, 19 August 2010): *unconcentrated* below 1,500, *moderately
    concentrated* between 1,500 and 2,500 (both included), *highly concentrated* above 2,500.
    Note that the 2023 Merger Guidelines of the DOJ/FTC lowered the "highly concentrated"
    threshold to 1,800; the 2010 classes are kept here because they describe a market's
    structure, not a merger presumption. Provider shares here are shares of one
    municipality's segment spend, a narrow "market" by design, so high values are normal for
    rare segments.

    >>> [concentration(x) for x in (1499.9, 1500, 2500, 2500.1)]
    ['unconcentrated', 'moderate', 'moderate', 'high']
    """
    if index is None or math.isnan(index):
        return ""
    if index < HHI_MODERATE:
        return CONCENTRATION_CLASSES[0]
    if index <= HHI_HIGH:
        return CONCENTRATION_CLASSES[1]
    return CONCENTRATION_CLASSES[2]


def _minimum(min_providers: int | Mapping[str, int], segment: str) -> int:
    if isinstance(min_providers, Mapping):
        if segment in min_providers:
            return int(min_providers[segment])
        if "default" in min_providers:
            return int(min_providers["default"])
        raise ValueError(f"no minimum number of providers for segment {segment!r} and no default")
    return int(min_providers)


def min_providers_from(params: Parameters) -> dict[str, int]:
    """The mapping ``coverage.min_providers`` (segment id -> minimum, with ``default``).

    >>> from bekostiging.config.parameters import load_parameters
    >>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / "allocation.yaml"])
    >>> min_providers_from(p)["default"]
    2
    """
    value = params.param("coverage.min_providers").value
    if not isinstance(value, Mapping):
        return {"default": int(value)}
    return {str(k): int(v) for k, v in value.items()}


def coverage(
    providers_by_municipality_segment: pd.DataFrame,
    min_providers: int | Mapping[str, int],
    municipalities: list[str] | tuple[str, ...] | None = None,
    segments: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Coverage and concentration per municipality and segment.

    Input: one row per municipality, segment and contracted provider, with columns
    ``gemeentecode``, ``segment``, ``provider``, ``share`` (the provider's share of the
    municipality's segment, e.g. from :func:`load_providers`) and optionally ``local``.
    ``min_providers`` is one number or a mapping segment id -> number with a ``default``.
    Give ``municipalities`` and ``segments`` to list combinations without any provider too
    (0 providers, not covering).

    Output columns: ``gemeentecode``, ``segment``, ``n_providers``, ``n_local``,
    ``min_providers``, ``covering`` (``n_providers >= min_providers``: a covering offer,
    "dekkend aanbod", means the resident has a choice of at least that many contracted
    providers), ``hhi`` (0-10,000; shares normalised within the group) and ``concentration``
    (class key, see :func:`concentration`).

    >>> p = pd.DataFrame({"gemeentecode": ["A"] * 3, "segment": "iaj",
    ...                   "provider": ["x", "y", "z"], "share": [0.5, 0.3, 0.2]})
    >>> row = coverage(p, 2).iloc[0]
    >>> int(row.n_providers), bool(row.covering), float(row.hhi), row.concentration
    (3, True, 3800.0, 'high')
    """
    frame = providers_by_municipality_segment
    for col in ("gemeentecode", "segment", "provider", "share"):
        if col not in frame.columns:
            raise ValueError(f"the providers table needs a column {col!r}")
    rows = []
    groups = {k: g for k, g in frame.groupby(["gemeentecode", "segment"], sort=False)}
    combos = list(groups)
    if municipalities is not None or segments is not None:
        codes = (
            list(municipalities)
            if municipalities is not None
            else sorted(frame.gemeentecode.unique())
        )
        segs = list(segments) if segments is not None else list(dict.fromkeys(frame["segment"]))
        combos = [(c, s) for c in codes for s in segs]
    for code, segment in combos:
        g = groups.get((code, segment))
        minimum = _minimum(min_providers, segment)
        if g is None:
            n, n_local, index = 0, 0, float("nan")
        else:
            n = int(g["provider"].nunique())
            n_local = int(g["local"].astype(bool).sum()) if "local" in g.columns else 0
            index = hhi(g.groupby("provider")["share"].sum().to_numpy())
        rows.append(
            {
                "gemeentecode": code,
                "segment": segment,
                "n_providers": n,
                "n_local": n_local,
                "min_providers": minimum,
                "covering": n >= minimum,
                "hhi": index,
                "concentration": concentration(index),
            }
        )
    return pd.DataFrame(rows)
