"""The computed advice: which funding variant, corridor and reserve measure, and when it flips.

Every choice is made by an explicit rule over a trade-off table that the run computes, with the
norms of the rule in ``data/assumptions/parameters/advice.yaml`` (:class:`Rule`). Nothing here
writes text: the report layer turns the :class:`Choice` into Dutch sentences, so a sentence
changes when a number changes.

**Funding variant per segment** (:func:`choose_variant`). The trade-off table holds per
variant, for one municipality, segment and year:

* ``cost_p90``: the municipality's P90 on equal care: what it pays over all routes (contract,
  duty of care, voorliggend veld) plus the value of the care the variant leaves undone;
* ``admin_cost``: the administrative burden in euros (``behaviour.admin_cost_share`` x spend),
  the stated score of the burden;
* ``unmet_share``: the share of needed care left undone (behaviour model);
* ``provider_loss_chance``: the chance that a provider contract loses more than the
  continuity threshold.

The rule: a variant is *admissible* when ``unmet_share <= max_unmet_share`` and
``provider_loss_chance <= max_provider_loss_chance``. Among the admissible ones the lowest
``score = cost_p90 + admin_cost`` wins; options within ``tie_tolerance`` of the best count as
equal and the one with the lowest ``admin_cost`` among them is advised. When no variant is
admissible, the one leaving the least care undone is advised and the choice says so.

**Flip conditions** are computed, not written: the margin by which the advised variant's score
may rise before the runner-up wins, and for each cheaper variant that the rule excluded, the
norm it breaks and what it would save.

>>> t = pd.DataFrame({"cost_p90": [100.0, 90.0, 97.0], "admin_cost": [8.0, 4.0, 3.0],
...                   "unmet_share": [0.0, 0.06, 0.01],
...                   "provider_loss_chance": [0.0, 0.1, 0.2]},
...                  index=pd.Index(["pq", "lumpsum", "hybrid"], name="variant"))
>>> c = choose_variant(t, Rule())
>>> c.choice, c.runner_up, round(c.margin, 2)  # hybrid 100 < pq 108 (x 1.01 tie band: 109.08)
('hybrid', 'pq', 9.08)
>>> [(x["option"], [b["norm"] for b in x["breaks"]], round(x["saving"], 2)) for x in c.excluded]
[('lumpsum', ['max_unmet_share'], 6.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

VARIANT_COLUMNS = ("cost_p90", "admin_cost", "unmet_share", "provider_loss_chance")
CORRIDOR_COLUMNS = ("corridor", "share", "p90", "mean", "provider_loss_chance")


@dataclass(frozen=True)
class Rule:
    """The norms of the advice (``advice.*`` in advice.yaml; defaults equal the shipped file)."""

    max_unmet_share: float = 0.02
    max_provider_loss_chance: float = 0.25
    tie_tolerance: float = 0.01
    min_capacity_ratio: float = 1.0
    pooling_min_gain: float = 0.05
    growth_grid: tuple[float, float, float] = (-0.10, 0.20, 0.005)

    @classmethod
    def from_parameters(cls, params) -> Rule:
        """The rule from the loaded parameters (``advice.*``).

        >>> from bekostiging.config.region import load_region
        >>> Rule.from_parameters(load_region("achterhoek").parameters) == Rule()
        True
        """
        grid = tuple(float(x) for x in params.value("advice.growth_grid"))
        if len(grid) != 3 or grid[2] <= 0 or grid[0] >= grid[1]:
            raise ValueError(f"advice.growth_grid must be [lowest, highest, step>0]; found {grid}")
        return cls(
            max_unmet_share=float(params.value("advice.max_unmet_share")),
            max_provider_loss_chance=float(params.value("advice.max_provider_loss_chance")),
            tie_tolerance=float(params.value("advice.tie_tolerance")),
            min_capacity_ratio=float(params.value("advice.min_capacity_ratio")),
            pooling_min_gain=float(params.value("advice.pooling_min_gain")),
            growth_grid=grid,  # type: ignore[arg-type]
        )


@dataclass
class Choice:
    """An advised option with the table it was chosen from and the conditions that flip it.

    ``table`` is the trade-off table with ``score``, ``admissible`` and ``reason`` (the
    norms an option breaks, a tuple) added;
    ``margin``: how much the advised option's score (or its P90 alone: the other terms do
    not move) may rise before ``runner_up`` wins, tie band included (``nan`` without a
    runner-up); ``excluded``: cheaper options the rule left out, each
    ``{"option", "saving", "breaks"}`` with ``breaks`` a list of ``{"norm", "value",
    "limit"}`` (every norm it breaks); ``fallback``: no option met the norms.
    """

    choice: Any
    table: pd.DataFrame
    runner_up: Any = None
    margin: float = float("nan")
    excluded: list[dict[str, Any]] = field(default_factory=list)
    fallback: bool = False


def _check(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"the {what} table lacks columns {missing}")
    if table.empty:
        raise ValueError(f"the {what} table is empty")


def _pick(score: pd.Series, tie_break: pd.Series, tolerance: float) -> Any:
    """The option with the lowest score, or among those within ``tolerance`` x |best| of it,
    the one with the lowest ``tie_break`` (then the lowest score)."""
    best = float(score.min())
    near = score[score <= best + tolerance * abs(best)]
    order = pd.DataFrame({"t": tie_break[near.index], "s": near}).sort_values(["t", "s"])
    return order.index[0]


def _admissibility(table: pd.DataFrame, limits: Mapping[str, tuple[str, float]]) -> pd.DataFrame:
    t = table.copy()
    reasons = [
        tuple(norm for column, (norm, limit) in limits.items() if row[column] > limit + 1e-12)
        for _, row in t.iterrows()
    ]
    t["reason"] = pd.Series(reasons, index=t.index, dtype=object)
    t["admissible"] = [len(r) == 0 for r in reasons]
    return t


def _margin(t: pd.DataFrame, choice: Any, pick: Callable[[pd.DataFrame], Any]) -> tuple:
    """How far the choice's score may rise before ``pick`` (over the admissible rows) chooses
    another option, and that option: found by bisection to a thousandth of a euro-cent of the
    score scale, so it includes the tie band and its tie-break exactly as the rule applies."""
    ok = t[t["admissible"]]
    if len(ok) < 2:
        return None, float("nan")

    def winner(delta: float) -> Any:
        shifted = ok.copy()
        shifted.loc[choice, "score"] += delta
        return pick(shifted)

    scale = float(ok["score"].abs().max()) or 1.0
    lo, hi = 0.0, float(ok["score"].max() - ok["score"].min()) + scale
    if winner(hi) == choice:  # pragma: no cover - the rule always drops a far costlier option
        return None, float("nan")
    while hi - lo > 1e-9 * scale:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if winner(mid) == choice else (lo, mid)
    return winner(hi), hi


def _excluded(t: pd.DataFrame, choice: Any, limits: Mapping[str, tuple[str, float]], tol: float):
    """Options the norms excluded that would otherwise be cheaper than the choice, each with
    every norm it breaks."""
    column_of = {norm: (column, limit) for column, (norm, limit) in limits.items()}
    excluded = []
    for option, row in t[~t["admissible"]].iterrows():
        saving = float(t.loc[choice, "score"] - row["score"])
        if saving > tol * abs(float(t.loc[choice, "score"])):
            breaks = [
                {
                    "norm": norm,
                    "value": float(row[column_of[norm][0]]),
                    "limit": float(column_of[norm][1]),
                }
                for norm in row["reason"]
            ]
            excluded.append({"option": option, "saving": saving, "breaks": breaks})
    excluded.sort(key=lambda x: -x["saving"])
    return excluded


def choose_variant(table: pd.DataFrame, rule: Rule) -> Choice:
    """The advised funding variant from a trade-off table (index: variant; see the module).

    >>> t = pd.DataFrame({"cost_p90": [100.0, 100.5], "admin_cost": [8.0, 4.0],
    ...                   "unmet_share": [0.0, 0.0], "provider_loss_chance": [0.0, 0.0]},
    ...                  index=["pq", "lumpsum"])
    >>> choose_variant(t, Rule()).choice  # 104.5 < 108: lumpsum
    'lumpsum'
    >>> t.loc["lumpsum", "unmet_share"] = 0.05   # now it leaves 5 % of the care undone
    >>> c = choose_variant(t, Rule()); c.choice, c.excluded[0]["breaks"][0]["norm"]
    ('pq', 'max_unmet_share')
    """
    _check(table, VARIANT_COLUMNS, "variant trade-off")
    limits = {
        "unmet_share": ("max_unmet_share", rule.max_unmet_share),
        "provider_loss_chance": ("max_provider_loss_chance", rule.max_provider_loss_chance),
    }
    t = _admissibility(table, limits)
    t["score"] = t["cost_p90"] + t["admin_cost"]
    ok = t[t["admissible"]]
    if ok.empty:  # care first: the variant that leaves the least undone
        choice = t.sort_values(["unmet_share", "score"]).index[0]
        return Choice(choice, t, fallback=True)

    def pick(rows: pd.DataFrame) -> Any:
        return _pick(rows["score"], rows["admin_cost"], rule.tie_tolerance)

    choice = pick(ok)
    runner_up, margin = _margin(t, choice, pick)
    excluded = _excluded(t, choice, limits, rule.tie_tolerance)
    return Choice(choice, t, runner_up, margin, excluded)


def corridor_label(corridor: float, share: float) -> str:
    """A stable key for a corridor option.

    >>> corridor_label(0.05, 0.5), corridor_label(float("inf"), 0.0)
    ('0.05/0.5', 'none')
    """
    return "none" if not np.isfinite(corridor) else f"{corridor:g}/{share:g}"


def choose_corridor(options: pd.DataFrame, rule: Rule) -> Choice:
    """The advised settlement of a lumpsum from the corridor decision table.

    ``options`` is a :func:`bekostiging.model.provider_settlement.corridor_options` table (one
    row per corridor and share). Admissible: ``provider_loss_chance <= max_provider_loss_chance``.
    Among those the lowest municipality ``p90`` wins; within ``tie_tolerance`` the wider
    corridor (less money moved back and forth) is advised. Without an admissible option the
    one with the lowest loss chance is advised (``fallback``). The choice is a
    :func:`corridor_label`.

    >>> o = pd.DataFrame({"corridor": [0.0, 0.05, 0.10], "share": [1.0, 0.5, 0.5],
    ...                   "p90": [110.0, 104.0, 100.0], "mean": [100.0] * 3,
    ...                   "provider_loss_chance": [0.0, 0.1, 0.3]})
    >>> c = choose_corridor(o, Rule()); c.choice, c.runner_up, c.excluded[0]["option"]
    ('0.05/0.5', '0/1', '0.1/0.5')
    """
    _check(options, CORRIDOR_COLUMNS, "corridor")
    t = options.copy()
    t.index = [corridor_label(c, s) for c, s in zip(t["corridor"], t["share"])]
    limits = {"provider_loss_chance": ("max_provider_loss_chance", rule.max_provider_loss_chance)}
    t = _admissibility(t, limits)
    t["score"] = t["p90"]
    ok = t[t["admissible"]]
    if ok.empty:
        choice = t.sort_values(["provider_loss_chance", "score"]).index[0]
        return Choice(choice, t, fallback=True)

    def pick(rows: pd.DataFrame) -> Any:
        return _pick(rows["score"], -rows["corridor"].replace(np.inf, 1e9), rule.tie_tolerance)

    choice = pick(ok)
    runner_up, margin = _margin(t, choice, pick)
    excluded = _excluded(t, choice, limits, rule.tie_tolerance)
    return Choice(choice, t, runner_up, margin, excluded)


def growth_flip(
    options_at: Callable[[float], pd.DataFrame], rule: Rule, horizon: int
) -> dict[str, Any] | None:
    """The extra volume growth per year at which the corridor advice changes.

    ``options_at(factor)`` returns the corridor table with the segment's cost multiplied by
    ``factor``; the cost grows ``(1 + g) ** horizon`` for an extra growth ``g`` per year over
    ``horizon`` years (reference year to advice year). Searches ``rule.growth_grid`` outward
    from 0, upward first; returns ``{"growth", "choice", "base_choice", "reason"}`` for the
    smallest ``|g|`` that changes the advice, or None when no growth in the grid does.
    ``reason``: ``"cheaper"`` when the new choice already met the norms and now costs less,
    ``"admissible"`` when it was cheaper but excluded and now meets the provider norm.

    >>> def table(f):  # a wide corridor costs the municipality more once costs run over
    ...     return pd.DataFrame({"corridor": [0.0, 0.1], "share": [1.0, 0.5],
    ...                          "p90": [100.0 * f, 99.0 + 20 * (f - 1)], "mean": [1.0, 1.0],
    ...                          "provider_loss_chance": [0.0, 0.0]})
    >>> # the narrow option wins once 100 + 100 g < (99 + 20 g) - 1 % tie band: g < -2.47 %
    >>> growth_flip(table, Rule(), horizon=1)
    {'growth': -0.025, 'choice': '0/1', 'base_choice': '0.1/0.5', 'reason': 'cheaper'}
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least one year; found {horizon}")
    first = choose_corridor(options_at(1.0), rule)
    base = first.choice
    low, high, step = rule.growth_grid
    ups = np.arange(step, high + step / 2, step)
    downs = -np.arange(step, -low + step / 2, step)
    order = [g for pair in zip(ups, downs) for g in pair]
    order += [g for g in ups[len(downs) :]] + [g for g in downs[len(ups) :]]
    for g in order:
        c = choose_corridor(options_at((1.0 + g) ** horizon), rule).choice
        if c != base:
            reason = "cheaper" if bool(first.table.loc[c, "admissible"]) else "admissible"
            return {
                "growth": round(float(g), 6),
                "choice": c,
                "base_choice": base,
                "reason": reason,
            }
    return None


def reserve_measures(
    contributions: Mapping[str, float],
    available: float,
    required: float,
    rule: Rule,
    poolable: Mapping[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per segment the reserve or risk-sharing measure, from the municipality's capacity.

    ``contributions``: each segment's share of the risk (P90 minus budget, >= 0; in euros);
    ``available`` and ``required``: the municipality's available and required capacity (the
    heaviest contract year); ``poolable``: per segment the fall in this municipality's P90 if
    the segment were pooled regionally (euros, > 0 when pooling helps).

    The shortfall ``max(0, min_capacity_ratio x required - available)`` is split over the
    segments by their contribution. A segment with a shortfall is advised ``pool`` when
    pooling lowers its P90 by at least its part of the shortfall, else ``reserve`` (add that
    part to the reserve); without a shortfall every segment gets ``none`` (carried by the
    reserve).

    >>> m = reserve_measures({"hcv": 3.0, "iaj": 1.0}, available=2.0, required=4.0,
    ...                      rule=Rule(), poolable={"hcv": 2.0})
    >>> {k: (v["measure"], v["amount"]) for k, v in m.items()}  # shortfall 2: 1.5 and 0.5
    {'hcv': ('pool', 1.5), 'iaj': ('reserve', 0.5)}
    """
    poolable = poolable or {}
    shortfall = max(0.0, rule.min_capacity_ratio * required - available)
    total = sum(max(0.0, v) for v in contributions.values())
    out = {}
    for seg, c in contributions.items():
        part = shortfall * max(0.0, c) / total if total > 0 else 0.0
        if part <= 0:
            measure = "none"
        elif float(poolable.get(seg, 0.0)) >= part:
            measure = "pool"
        else:
            measure = "reserve"
        out[seg] = {
            "measure": measure,
            "amount": part,
            "contribution": float(c),
            "pool_gain": float(poolable.get(seg, 0.0)),
        }
    return out


def pooling_advice(effect: pd.DataFrame, rule: Rule) -> dict[str, Any]:
    """Whether to pool a segment regionally, from a pooling-effect table.

    ``effect`` has per municipality ``own_mean``, ``own_p90`` and ``pooled_p90``. Pool when
    the summed P90 falls by at least ``pooling_min_gain`` of the summed risk margin
    (``own_p90 - own_mean``). Returns ``pool``, ``gain`` (euros), ``gain_share``, and the
    municipalities whose P90 rises (``losers``) or falls (``winners``).

    >>> e = pd.DataFrame({"own_mean": [10.0, 10.0], "own_p90": [14.0, 13.0],
    ...                   "pooled_p90": [12.0, 12.0]}, index=["A", "B"])
    >>> a = pooling_advice(e, Rule()); a["pool"], a["gain"], round(a["gain_share"], 3)
    (True, 3.0, 0.429)
    """
    for c in ("own_mean", "own_p90", "pooled_p90"):
        if c not in effect.columns:
            raise ValueError(f"the pooling table lacks column {c!r}")
    margin = float((effect["own_p90"] - effect["own_mean"]).sum())
    change = effect["pooled_p90"] - effect["own_p90"]
    gain = float(-change.sum())
    share = gain / margin if margin > 0 else 0.0
    return {
        "pool": bool(share >= rule.pooling_min_gain and gain > 0),
        "gain": gain,
        "gain_share": share,
        "winners": [k for k, v in change.items() if v < 0],
        "losers": [k for k, v in change.items() if v > 0],
    }
