"""Transition arrangement (overgangsregeling): moving clients off non-contracted providers.

From 1 July 2022 the Achterhoek contracts far fewer providers (from 300+ to about 60-70, seed
000). Clients in care at a provider without a new contract move to a contracted provider in the
second half of 2022; the transfer must be complete by 1 January 2023 at the latest.

:func:`simulate_transition` runs that month by month with a limited transfer capacity and
:func:`transition_summary` says whether the deadline is met and what it costs. Each month:

1. ``natural_outflow = natural_outflow_rate * clients_at_noncontracted_start`` (care that ends
   on its own; those clients need no transfer);
2. ``transferred = min(capacity, clients left after the outflow)``;
3. ``overlap_cost = transferred * monthly_cost_per_client * overlap_months`` (the double
   payment of a warm handover alone, as before);
4. ``decided_cost = (remaining_end + transferred * min(overlap_months, months left)) *
   monthly_cost_per_client`` within the window, 0 after the deadline.

**The decided cost** (``decided_cost``) is what the arrangement as decided costs for certain:
the contracted providers receive their full lumpsum from the contract start, and beside it the
old provider is paid for every client still in its care until the transfer, and for
``overlap_months`` of warm handover in the month of the transfer. After the deadline the old
provider is no longer paid: the handover months are cut off there (``months left`` counts the
month itself) and the clients still left are a problem to be solved, not a cost of the
arrangement. The handover months are booked in the month of the transfer. Client numbers are
expected values and need not be whole.

The simulation covers at least the months from ``start`` up to (not including) ``deadline``
and continues after the deadline while clients remain and capacity is available, so that the
months needed at this capacity can be read off even when they exceed the window.

:func:`indication_cliff` is the other half of the arrangement: indications issued between the
announcement and the contract start end on the deadline at the latest, so they all end at once
and the access teams (toegang, wijkteams) must re-indicate them in the months before it.
:func:`monthly_cost_per_client` takes the cost of a month of care from the baseline where it
can.

>>> df = simulate_transition(100, 0.3, 5, monthly_cost_per_client=1000.0)
>>> df["transferred"].tolist()
[5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
>>> s = transition_summary(df, "2023-01")
>>> s["left_at_deadline"], s["decided_cost"]  # (30 + 25 + 20 + 15 + 10 + 5) * 1000
(0.0, 105000.0)
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
    "decided_cost",
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


def _whole(name: str, value: Any, low: int) -> int:
    """A whole number >= ``low`` (an int, or a float without fraction), or a ValueError."""
    x = _number(name, value, low)
    if x != int(x):
        raise ValueError(f"{name} must be a whole number of months; found {value!r}")
    return int(x)


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
    ``remaining_end``, ``cumulative_transferred``, ``overlap_cost`` (EUR, the handover months
    alone) and ``decided_cost`` (EUR, all payments to the old providers beside the lumpsum; 0
    after the deadline; see the module docstring).

    >>> df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    >>> len(df), float(df["remaining_end"].iloc[5]), df["month"].iloc[-1]  # 30 - 6*4; 8 months
    (8, 6.0, Period('2023-02', 'M'))
    >>> float(df["overlap_cost"].sum())  # 30 clients * 1000 EUR * 1 month
    30000.0
    >>> float(df["decided_cost"].sum())  # (26 + 22 + 18 + 14 + 10 + 6 + 6 * 4) * 1000
    120000.0
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

    df = pd.DataFrame(rows, columns=COLUMNS[:-2])
    df["month"] = pd.PeriodIndex(df["month"], freq="M")
    df["overlap_cost"] = df["transferred"] * cost * overlap
    # months the old provider is still paid: up to the deadline, the month itself included
    months_left = np.maximum(window - np.arange(len(df)), 0)
    handover = np.minimum(overlap, months_left)
    paid = np.where(months_left > 0, df["remaining_end"] + df["transferred"] * handover, 0.0)
    df["decided_cost"] = paid * cost
    return df


def transition_summary(df: pd.DataFrame, deadline: str = "2023-01") -> dict[str, Any]:
    """Key figures of a :func:`simulate_transition` table against the deadline.

    Returns ``clients_to_move``, ``moved_by_deadline``, ``natural_outflow_by_deadline``,
    ``left_at_deadline``, ``deadline_met``, ``months_in_window``, ``months_needed`` (months from
    the start until nobody is left; may exceed the window; None when the table never gets
    there), ``total_overlap_cost`` and ``overlap_cost_by_deadline`` (the handover months
    alone), ``decided_cost`` (EUR, the certain cost of the arrangement as decided: everything
    paid to the old providers beside the lumpsum up to the deadline) and
    ``decided_cost_by_year`` (calendar year -> EUR, the years of the window).

    >>> df = simulate_transition(100, 0.3, 4, monthly_cost_per_client=1000.0)
    >>> s = transition_summary(df, "2023-01")
    >>> s["moved_by_deadline"], s["left_at_deadline"], s["months_needed"]  # 6*4; 30-24; 30/4
    (24.0, 6.0, 8)
    >>> s["decided_cost"], s["decided_cost_by_year"]
    (120000.0, {2022: 120000.0})
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
        "decided_cost": float(window["decided_cost"].sum()),
        "decided_cost_by_year": {
            int(year): float(amount)
            for year, amount in window.groupby(months[in_window].year)["decided_cost"].sum().items()
        },
    }


def monthly_cost_per_client(
    spend: float, clients: float, fallback: float = DEFAULT_MONTHLY_COST_PER_CLIENT
) -> tuple[float, str]:
    """The cost of one month of care per client: ``spend / clients / 12`` from the baseline.

    ``spend`` (EUR) and ``clients`` are a municipality's procured spend and clients in the
    reference year. Returns the cost and its basis: ``"baseline"``, or ``"parameter"`` (the
    ``fallback``, ``transition.monthly_cost_per_client``) when there is no spend or no client
    to divide by.

    >>> monthly_cost_per_client(14_400_000, 1_000)  # 14.4 m / 1,000 clients / 12 months
    (1200.0, 'baseline')
    >>> monthly_cost_per_client(0, 0, fallback=1000.0)
    (1000.0, 'parameter')
    """
    fallback = _number("fallback", fallback)
    try:
        s, c = float(spend), float(clients)
    except (TypeError, ValueError):
        return fallback, "parameter"
    if not (math.isfinite(s) and math.isfinite(c)) or s <= 0.0 or c <= 0.0:
        return fallback, "parameter"
    return s / c / 12.0, "baseline"


CLIFF_COLUMNS = ["month", "normal_load", "extra_load", "total_load"]


def indication_cliff(
    clients_in_care: float,
    indication_rate: float,
    runup_months: int,
    spread_months: int,
    start: str = "2022-07",
    deadline: str = "2023-01",
    indication_months: float | None = None,
    outflow_rate: float = 0.0,
) -> pd.DataFrame:
    """The load on the access teams when the capped indications all end on the deadline.

    Indications issued in the ``runup_months`` before the contract ``start`` (new clients and
    re-indications alike) get the ``deadline`` as their latest end date (seed 000: between the
    announcement and 1 July 2022, at most until 1 January 2023). Every month
    ``indication_rate * clients_in_care`` indications are issued: that is the **normal load**.
    The capped ones still in care at the deadline need a new indication before it; the access
    teams spread them evenly over the ``spread_months`` months before the deadline, on top of
    the normal load: the **extra load**. An indication issued ``k`` months before the deadline
    (counted from the start of its month) counts when

    * it was really cut short: ``indication_months`` (the usual validity) is longer than ``k``
      (``None``: every capped indication would have run past the deadline, an upper bound);
    * its client is still in care: a share ``(1 - outflow_rate) ** k``.

    Returns one row per month from ``start`` up to the deadline: ``month``, ``normal_load``,
    ``extra_load`` and ``total_load`` (clients per month); :func:`cliff_summary` gives the peak.

    Hand case: 1,000 clients in care, 4 % a month indicated = 40 a month. Six months of runup
    (January to June 2022) give 6 x 40 = 240 capped indications, re-indicated in October,
    November and December: 240 / 3 = 80 extra a month, 120 in all, three times the normal load.

    >>> df = indication_cliff(1000, 0.04, runup_months=6, spread_months=3)
    >>> [str(m) for m in df["month"]][3:], df["extra_load"].tolist()
    (['2022-10', '2022-11', '2022-12'], [0.0, 0.0, 0.0, 80.0, 80.0, 80.0])
    >>> cliff_summary(df)["peak_ratio"]  # (40 + 80) / 40
    3.0
    """
    stock = _number("clients_in_care", clients_in_care)
    rate = _number("indication_rate", indication_rate, 0.0, 1.0)
    outflow = _number("outflow_rate", outflow_rate, 0.0, 1.0)
    first = _month("start", start)
    last_excl = _month("deadline", deadline)
    window = (last_excl - first).n
    if window <= 0:
        raise ValueError(f"start ({first}) must be before the deadline ({last_excl})")
    runup = _whole("runup_months", runup_months, 0)
    spread = _whole("spread_months", spread_months, 1)
    if spread > window:
        raise ValueError(
            f"spread_months ({spread}) must fit in the {window} months from the contract start "
            "to the deadline: indications re-issued before the start would be capped again"
        )
    duration = (
        None if indication_months is None else _number("indication_months", indication_months)
    )

    normal = rate * stock
    capped = 0.0
    for j in range(runup):
        k = window + runup - j  # months from the start of the issue month to the deadline
        if duration is None or duration > k:
            capped += normal * (1.0 - outflow) ** k
    months = pd.period_range(first, periods=window, freq="M")
    extra = np.where(np.arange(window) >= window - spread, capped / spread, 0.0)
    return pd.DataFrame(
        {
            "month": months,
            "normal_load": np.full(window, normal),
            "extra_load": extra,
            "total_load": normal + extra,
        }
    )


def cliff_summary(df: pd.DataFrame) -> dict[str, Any]:
    """Key figures of an :func:`indication_cliff` table.

    Returns ``normal_load`` and ``peak_load`` (clients per month), ``peak_month``,
    ``capped_indications`` (the extra re-indications in all) and ``peak_ratio`` (peak over
    normal load; None when the normal load is 0).

    >>> s = cliff_summary(indication_cliff(1000, 0.04, 6, 3))
    >>> s["normal_load"], s["peak_load"], s["capped_indications"], str(s["peak_month"])
    (40.0, 120.0, 240.0, '2022-10')
    """
    missing = [c for c in CLIFF_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"not an indication_cliff table: missing columns {missing}")
    if df.empty:
        raise ValueError("the indication table is empty")
    total = df["total_load"].to_numpy(dtype=float)
    peak = int(np.argmax(total))
    normal = float(df["normal_load"].iloc[0])
    return {
        "normal_load": normal,
        "peak_load": float(total[peak]),
        "peak_month": df["month"].iloc[peak],
        "capped_indications": float(df["extra_load"].sum()),
        "peak_ratio": float(total[peak]) / normal if normal > 0 else None,
    }
