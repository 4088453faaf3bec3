"""Transition arrangement (overgangsregeling): moving clients off non-contracted providers.

From 1 July 2022 the Achterhoek contracts far fewer providers (from 300+ to about 60-70, seed
000). Clients in care at a provider without a new contract move to a contracted provider in the
second half of 2022; the transfer must be complete by 1 January 2023 at the latest.

:func:`simulate_transition` runs that month by month with a limited transfer capacity and
:func:`transition_summary` says whether the deadline is met. Each month:

1. ``natural_outflow = natural_outflow_rate * clients_at_noncontracted_start`` (care that ends
   on its own; those clients need no transfer);
2. ``transferred = min(capacity, clients left after the outflow)``;
3. ``overlap_cost = transferred * monthly_cost_per_client * overlap_months``.

**Assumption** behind the overlap cost: during a warm handover both the old and the new
provider are paid for ``overlap_months`` months, so each transfer costs that many extra months
of care. Client numbers are expected values and need not be whole.

The simulation covers at least the months from ``start`` up to (not including) ``deadline``
and continues after the deadline while clients remain and capacity is available, so that the
months needed at this capacity can be read off even when they exceed the window.

>>> df = simulate_transition(100, 0.3, 5, monthly_cost_per_client=1000.0)
>>> df["transferred"].tolist()
[5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
>>> transition_summary(df, "2023-01")["left_at_deadline"]
0.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_MONTHLY_COST_PER_CLIENT = 1000.0  # EUR; see data/assumptions/parameters/transition.yaml
DEFAULT_MAX_MONTHS = 120  # stop a scalar-capacity run that never empties (e.g. capacity 0)

COLUMNS = [
    "month",
    "capacity",
    "clients_at_noncontracted_start",
    "transferred",
    "natural_outflow",
    "remaining_end",
    "cumulative_transferred",
    "overlap_cost",
]


def _number(name: str, value: Any, low: float = 0.0, high: float | None = None) -> float:
    """A finite scalar within bounds, or a ValueError that says which input and why."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; found {value!r}") from None
    if not math.isfinite(x) or x < low or (high is not None and x > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
        raise ValueError(f"{name} must be a finite number {bounds}; found {value!r}")
    return x


def _month(name: str, value: Any) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a month such as '2022-07'; found {value!r}") from None


def months_between(start: Any, end: Any) -> int:
    """Number of whole months from ``start`` up to (not including) ``end``.

    >>> months_between("2022-07", "2023-01")
    6
    """
    return (_month("end", end) - _month("start", start)).n


def _capacities(monthly_capacity: float | Sequence[float], window: int) -> tuple[list[float], bool]:
    """Capacity per month as a list, and whether the run may be extended with the last value."""
    if np.ndim(monthly_capacity) == 0:
        return [_number("monthly_capacity", monthly_capacity)], True
    values = list(np.asarray(monthly_capacity, dtype=object).ravel())
    if len(values) < window:
        raise ValueError(
            f"monthly_capacity has {len(values)} values but the transition window has {window} "
            "months; give one value per month (or more, to continue after the deadline)"
        )
    caps = [_number(f"monthly_capacity[{i}]", v) for i, v in enumerate(values)]
    return caps, False


def simulate_transition(
    client_stock: float,
    share_noncontracted: float,
    monthly_capacity: float | Sequence[float],
    start: str = "2022-07",
    deadline: str = "2023-01",
    monthly_cost_per_client: float = DEFAULT_MONTHLY_COST_PER_CLIENT,
    overlap_months: float = 1.0,
    natural_outflow_rate: float = 0.0,
    max_months: int = DEFAULT_MAX_MONTHS,
) -> pd.DataFrame:
    """Month-by-month transfer of clients from non-contracted to contracted providers.

    ``client_stock`` is the number of clients in care on the start date (from the baseline);
    ``share_noncontracted`` of them are at a provider without a new contract.
    ``monthly_capacity`` is how many transfers the region can handle per month: one number, or
    one per month from ``start`` (at least up to the deadline; extra values continue after it).
    A scalar capacity continues after the deadline until nobody is left (at most ``max_months``
    months in all); a sequence stops at its last value.

    Returns one row per month with the columns ``month`` (a monthly Period), ``capacity``,
    ``clients_at_noncontracted_start``, ``transferred``, ``natural_outflow``,
    ``remaining_end``, ``cumulative_transferred`` and ``overlap_cost`` (EUR).

    >>> df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    >>> len(df), float(df["remaining_end"].iloc[5]), df["month"].iloc[-1]  # 30 - 6*4; 8 months
    (8, 6.0, Period('2023-02', 'M'))
    >>> float(df["overlap_cost"].sum())  # 30 clients * 1000 EUR * 1 month
    30000.0
    """
    stock = _number("client_stock", client_stock)
    share = _number("share_noncontracted", share_noncontracted, 0.0, 1.0)
    cost = _number("monthly_cost_per_client", monthly_cost_per_client)
    overlap = _number("overlap_months", overlap_months)
    outflow_rate = _number("natural_outflow_rate", natural_outflow_rate, 0.0, 1.0)
    first = _month("start", start)
    last_excl = _month("deadline", deadline)
    window = (last_excl - first).n
    if window <= 0:
        raise ValueError(f"start ({first}) must be before the deadline ({last_excl})")
    max_months = int(_number("max_months", max_months, low=window))
    caps, extend = _capacities(monthly_capacity, window)
    horizon = max_months if extend else len(caps)

    rows = []
    remaining = stock * share
    cumulative = 0.0
    for i in range(horizon):
        cap = caps[min(i, len(caps) - 1)]
        at_start = remaining
        outflow = outflow_rate * at_start
        moved = min(cap, at_start - outflow)  # exact 0 left when capacity suffices
        remaining = at_start - outflow - moved
        cumulative += moved
        rows.append((first + i, cap, at_start, moved, outflow, remaining, cumulative))
        # After the deadline, stop once nobody is left, or when a zero capacity means nobody will
        # ever be transferred (outflow alone shrinks the group but never empties it).
        if i + 1 >= window and (remaining <= 0.0 or (extend and cap == 0.0)):
            break

    df = pd.DataFrame(rows, columns=COLUMNS[:-1])
    df["month"] = pd.PeriodIndex(df["month"], freq="M")
    df["overlap_cost"] = df["transferred"] * cost * overlap
    return df


def transition_summary(df: pd.DataFrame, deadline: str = "2023-01") -> dict[str, Any]:
    """Key figures of a :func:`simulate_transition` table against the deadline.

    Returns ``clients_to_move``, ``moved_by_deadline``, ``natural_outflow_by_deadline``,
    ``left_at_deadline``, ``deadline_met``, ``months_in_window``, ``months_needed`` (months from
    the start until nobody is left; may exceed the window; None when the table never gets
    there), ``total_overlap_cost`` and ``overlap_cost_by_deadline``.

    >>> df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    >>> s = transition_summary(df, "2023-01")
    >>> s["moved_by_deadline"], s["left_at_deadline"], s["months_needed"]  # 6*4; 30-24; 30/4
    (24.0, 6.0, 8)
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"not a simulate_transition table: missing columns {missing}")
    if df.empty:
        raise ValueError("the transition table is empty")
    months = pd.PeriodIndex(df["month"], freq="M")
    last_excl = _month("deadline", deadline)
    in_window = np.asarray(months < last_excl)
    if not in_window.any() or (months[0] + int(in_window.sum())) != last_excl:
        raise ValueError(
            f"the table ({months[0]} to {months[-1]}) does not run up to the deadline {last_excl}"
        )
    window = df[in_window]
    to_move = float(df["clients_at_noncontracted_start"].iloc[0])
    done = np.flatnonzero(df["remaining_end"].to_numpy() <= 0.0)
    if to_move == 0.0:
        months_needed: int | None = 0
    else:
        months_needed = int(done[0]) + 1 if done.size else None
    left = float(window["remaining_end"].iloc[-1])
    return {
        "clients_to_move": to_move,
        "moved_by_deadline": float(window["transferred"].sum()),
        "natural_outflow_by_deadline": float(window["natural_outflow"].sum()),
        "left_at_deadline": left,
        "deadline_met": left <= 0.0,
        "months_in_window": len(window),
        "months_needed": months_needed,
        "total_overlap_cost": float(df["overlap_cost"].sum()),
        "overlap_cost_by_deadline": float(window["overlap_cost"].sum()),
    }
