"""Checks shared by the funding variants: numbers, ranges, contract terms and flags.

Every check raises a ValueError that names the field and the first bad value, so a typo in a
region file or a notebook parameter is found where it was made.

>>> check_range("Demand.units", [1.0, -2.0], low=0.0)
Traceback (most recent call last):
...
ValueError: Demand.units must be a finite number >= 0; found -2.0 at index (1,) (1 of 2 values wrong)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def as_float_array(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float array, or a ValueError naming ``name``."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or an array of numbers; found {value!r}"
        ) from None


def check_range(
    name: str,
    value: ArrayLike,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """Return ``value`` as a float array, or raise a ValueError naming the first bad value.

    NaN always fails (every comparison with NaN is False); infinity fails unless allowed.

    >>> check_range("x", 2.0, low=0.0).item()
    2.0
    """
    arr = as_float_array(name, value)
    ok = np.isfinite(arr) if finite else ~np.isnan(arr)
    if low is not None:
        ok &= (arr > low) if low_open else (arr >= low)
    if high is not None:
        ok &= arr <= high
    if not ok.all():
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"<= {high:g}")
        expected = ("a finite number " if finite else "a number ") + " and ".join(bounds)
        bad = np.argwhere(~ok)[0] if arr.ndim else ()
        where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
        count = f" ({int((~ok).sum())} of {arr.size} values wrong)" if arr.size > 1 else ""
        raise ValueError(
            f"{name} must be {expected.strip()}; found {float(arr[tuple(bad)])!r}{where}{count}"
        )
    return arr


def money_param(name: str, value: ArrayLike, low: float = 0.0) -> float | np.ndarray:
    """A money parameter of a variant: a float when scalar, else a float array (validated).

    >>> money_param("PQ.tariff", 65)
    65.0
    """
    arr = check_range(name, value, low=low)
    return float(arr) if arr.ndim == 0 else arr


def contract_term(
    name: str, value: Any, low: float, high: float | None, finite: bool = True
) -> float:
    """A contract term (one number for the whole contract) within ``[low, high]``.

    >>> contract_term("Hybrid.pq_share", 0.3, 0.0, 1.0)
    0.3
    """
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number (a contract term); found {value!r}")
    return float(check_range(name, arr, low=low, high=high, finite=finite))


def flag(name: str, value: Any) -> bool:
    """A yes/no option; a YAML typo such as "ja" must not silently become True.

    >>> flag("PQ.cap_by_indication", "ja")
    Traceback (most recent call last):
    ...
    ValueError: PQ.cap_by_indication must be true or false; found 'ja'
    """
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be true or false; found {value!r}")
    return bool(value)


def broadcast_float(*arrays: ArrayLike) -> list[np.ndarray]:
    """Broadcast to one shape and copy, so every result field is an ordinary writable array.

    >>> [a.tolist() for a in broadcast_float(1.0, [2.0, 3.0])]
    [[1.0, 1.0], [2.0, 3.0]]
    """
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*arrays)]
