"""Dutch number formats for tables, charts and report text, independent of the OS locale.

Dutch writes a dot between thousands and a comma before decimals. The separators are put in
here by hand, so the output is the same on every machine (a CI runner may have no ``nl_NL``
locale at all). Amounts are rounded half away from zero on their decimal notation, the way a
reader rounds (``2,675`` to two decimals is ``2,68``), not the binary float.

>>> euro(1234567)
'€ 1.234.567'
>>> euro(-1234567.4)
'€ -1.234.567'
>>> euro_mln(123_550_000)
'€ 123,6 mln'
>>> number(12.5, 1)
'12,5'
>>> percent(0.1234)
'12,3%'
>>> percent(0.1234, signed=True)
'+12,3%'
>>> euro(float("nan"))
'–'

Text passes through unchanged, so a table that already holds a marker such as ``'<10'`` can be
formatted again without harm:

>>> number("<10")
'<10'
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from numbers import Integral, Real
from typing import Any

import pandas as pd
from matplotlib import ticker

MISSING = "–"
"""Shown for a missing value (NaN, None, pd.NA): an en dash."""

THOUSANDS_SEP = "."
DECIMAL_SEP = ","

ValueFormatter = Callable[[Any], str]


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, Real) and math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def _group(digits: str) -> str:
    """Put a thousands dot in a string of digits.

    >>> _group("1234567")
    '1.234.567'
    >>> _group("123")
    '123'
    """
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return THOUSANDS_SEP.join(parts)


def _to_decimal(x: Any) -> Decimal:
    """The value as a Decimal, taken from its shortest decimal notation for floats."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, Integral):
        return Decimal(int(x))
    return Decimal(str(float(x)))


def _dutch(x: Any, decimals: int, signed: bool = False) -> str:
    """Format a real number with Dutch separators (no unit)."""
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    dec = _to_decimal(x)
    if dec.is_infinite():
        return ("-" if dec < 0 else "+" if signed else "") + "∞"
    try:
        rounded = dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation as err:  # only for numbers with more than 28 digits
        raise ValueError(f"cannot format {x!r}") from err
    whole, _, frac = f"{abs(rounded):.{decimals}f}".partition(".")
    out = _group(whole) + (DECIMAL_SEP + frac if decimals else "")
    if rounded == 0:  # -0,0 is shown as 0,0
        return out
    if rounded < 0:
        return "-" + out
    return ("+" + out) if signed else out


def _prepare(x: Any) -> str | None:
    """Return the text to show for a value that needs no number formatting, else None."""
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return MISSING
    if isinstance(x, bool):
        raise TypeError(f"expected a number, got a bool ({x!r})")
    return None


def number(x: Any, decimals: int = 0, *, signed: bool = False) -> str:
    """A number with a thousands dot and a decimal comma.

    >>> number(1234567)
    '1.234.567'
    >>> number(-0.04, 1)
    '0,0'
    >>> number(3, 2, signed=True)
    '+3,00'
    >>> number(None)
    '–'
    """
    text = _prepare(x)
    return text if text is not None else _dutch(x, decimals, signed)


def euro(x: Any, decimals: int = 0) -> str:
    """An amount in euros: ``€ 1.234.567``; a negative amount as ``€ -1.234.567``.

    >>> euro(1234567.891, 2)
    '€ 1.234.567,89'
    >>> euro(-12)
    '€ -12'
    >>> euro(2.675, 2)
    '€ 2,68'
    """
    text = _prepare(x)
    return text if text is not None else "€ " + _dutch(x, decimals)


def euro_mln(x: Any, decimals: int = 1) -> str:
    """An amount in euros shown in millions: ``€ 123,6 mln``.

    >>> euro_mln(123_600_000)
    '€ 123,6 mln'
    >>> euro_mln(-2_500_000, 2)
    '€ -2,50 mln'
    """
    text = _prepare(x)
    return (
        text if text is not None else "€ " + _dutch(_to_decimal(x) / 1_000_000, decimals) + " mln"
    )


def percent(x: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """A fraction shown as a percentage: ``0.123`` becomes ``12,3%``.

    With ``signed=True`` a change gets an explicit plus sign; a change that rounds to zero gets
    no sign.

    >>> percent(0.5)
    '50,0%'
    >>> percent(-0.0123, 2, signed=True)
    '-1,23%'
    >>> percent(0.00001, signed=True)
    '0,0%'
    """
    text = _prepare(x)
    if text is not None:
        return text
    return _dutch(_to_decimal(x) * 100, decimals, signed) + "%"


def text(x: Any) -> str:
    """Anything as text; missing values as an en dash.

    >>> text("Aalten"), text(None)
    ('Aalten', '–')
    """
    return MISSING if _is_missing(x) else str(x)


NAMED_FORMATS: dict[str, ValueFormatter] = {
    "euro": euro,
    "euro_mln": euro_mln,
    "number": number,
    "percent": percent,
    "text": text,
}
"""Formatter names that :func:`format_frame` and :func:`format_table` accept instead of a function."""


def _resolve(spec: str | ValueFormatter) -> ValueFormatter:
    if callable(spec):
        return spec
    try:
        return NAMED_FORMATS[spec]
    except KeyError:
        raise ValueError(
            f"unknown format {spec!r}; use a function or one of {sorted(NAMED_FORMATS)}"
        ) from None


def _column_formatters(
    df: pd.DataFrame, formats: Mapping[str, str | ValueFormatter] | None
) -> dict[Any, ValueFormatter]:
    """One formatter per column: the given one, else a default based on the dtype.

    Defaults: whole-number columns with :func:`number`, other numeric columns with
    :func:`number` to two decimals, everything else with :func:`text`.
    """
    formats = dict(formats or {})
    unknown = [c for c in formats if c not in df.columns]
    if unknown:
        raise KeyError(f"formats name columns that the table does not have: {unknown}")
    out: dict[Any, ValueFormatter] = {}
    for col in df.columns:
        if col in formats:
            out[col] = _resolve(formats[col])
        elif pd.api.types.is_bool_dtype(df[col]):
            out[col] = text
        elif pd.api.types.is_integer_dtype(df[col]):
            out[col] = number
        elif pd.api.types.is_numeric_dtype(df[col]):
            out[col] = partial(number, decimals=2)
        else:
            out[col] = text
    return out


def format_frame(
    df: pd.DataFrame, formats: Mapping[str, str | ValueFormatter] | None = None
) -> pd.DataFrame:
    """A copy of ``df`` with every cell as Dutch-formatted text and a plain 0..n-1 index.

    ``formats`` maps a column name to a formatter (a function such as :func:`euro` or
    ``functools.partial(percent, decimals=0)``, or a name from :data:`NAMED_FORMATS`). Columns
    not named get a default by dtype. The index is dropped: put labels in a column.

    >>> df = pd.DataFrame({"gemeente": ["Aalten", "Doetinchem"],
    ...                    "budget": [12_345_678.0, 98_765_432.1], "aandeel": [0.111, 0.889]})
    >>> print(format_frame(df, {"budget": euro, "aandeel": "percent"}).to_string(index=False))
      gemeente       budget aandeel
        Aalten € 12.345.678   11,1%
    Doetinchem € 98.765.432   88,9%
    """
    fmts = _column_formatters(df, formats)
    out = pd.DataFrame(
        {col: [fmts[col](v) for v in df[col].tolist()] for col in df.columns},
        columns=df.columns,
        dtype=object,
    )
    return out


def format_table(
    df: pd.DataFrame,
    formats: Mapping[str, str | ValueFormatter] | None = None,
    *,
    caption: str | None = None,
    table_id: str | None = None,
) -> pd.io.formats.style.Styler:
    """A pandas Styler for notebooks and HTML reports: Dutch formats, no index, numbers right.

    Numeric columns, and columns given a number format in ``formats`` (also when they hold text
    such as a suppression marker), are right-aligned and do not wrap; text columns are
    left-aligned (header and cells alike). The Styler's id is derived from the table's content (or
    from ``table_id``), so the same table gives the same HTML on every run (pandas would use a
    random id otherwise, which breaks output comparison of stored notebooks).

    >>> df = pd.DataFrame({"gemeente": ["Aalten"], "budget": [1_234_567.0]})
    >>> html = format_table(df, {"budget": euro}, caption="Budget 2025").to_html()
    >>> "€ 1.234.567" in html and "Budget 2025" in html
    True
    >>> format_table(df).to_html() == format_table(df).to_html()
    True
    >>> css = " ".join(format_table(df, {"budget": euro}).to_html().split())
    >>> "td.col0 { text-align: left; }" in css, "td.col1 { text-align: right;" in css
    (True, True)
    """
    fmts = _column_formatters(df, formats)
    frame = df.reset_index(drop=True)
    if table_id is None:
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(format_frame(frame, formats).to_json().encode("utf-8"))
        digest.update(repr(list(frame.columns)).encode("utf-8"))
        digest.update((caption or "").encode("utf-8"))
        table_id = digest.hexdigest()[:12]
    styler = frame.style.format(fmts).hide(axis="index").set_uuid(table_id)
    named = dict(formats or {})
    numeric = [
        c
        for c in frame.columns
        if (c in named and _resolve(named[c]) is not text)
        or (pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
    ]
    # JupyterLab's table style right-aligns every cell; text columns are set left explicitly.
    # Numbers never wrap inside a cell ("€ 1.234.567" stays on one line); headers may wrap.
    right = [
        {"selector": "td", "props": "text-align: right; white-space: nowrap;"},
        {"selector": "th", "props": "text-align: right;"},
    ]
    left = [
        {"selector": "td", "props": "text-align: left;"},
        {"selector": "th", "props": "text-align: left;"},
    ]
    styles = {c: (right if c in numeric else left) for c in frame.columns}
    if styles:
        styler = styler.set_table_styles(styles, overwrite=False)
    if caption:
        styler = styler.set_caption(caption)
    return styler


# --- matplotlib tick formatters ---------------------------------------------------------


class DutchTickFormatter(ticker.Formatter):
    """Tick labels with Dutch separators; optionally with as many decimals as the ticks need.

    ``func`` is one of the formatters above (``euro``, ``number``, ``percent``); a tick value
    is divided by ``scale`` and followed by ``suffix``. With ``decimals=None`` the formatter
    looks at the tick positions of the axis and uses the fewest decimals (0 to 3) that tell
    them apart, so ticks at 0; 0,25; 0,5 are not shown as 0; 0,3; 0,5. With
    ``auto_scale=True`` (euros) amounts of a million or more are shown in millions (``mln``).

    >>> f = DutchTickFormatter(euro, decimals=None, auto_scale=True)
    >>> f.set_locs([0, 2_500_000, 5_000_000, 7_500_000])
    >>> [f(v) for v in (0, 2_500_000, 5_000_000, 7_500_000)]
    ['€ 0,0 mln', '€ 2,5 mln', '€ 5,0 mln', '€ 7,5 mln']
    >>> f.set_locs([0, 250_000, 500_000])
    >>> f(250_000)
    '€ 250.000'
    """

    def __init__(
        self,
        func: Callable[[Any, int], str],
        scale: float = 1,
        suffix: str = "",
        decimals: int | None = 0,
        auto_scale: bool = False,
    ):
        if scale == 0:
            raise ValueError("scale must not be 0")
        self.func = func
        self.scale = scale
        self.suffix = suffix
        self.decimals = decimals
        self.auto_scale = auto_scale
        self._fixed = (scale, suffix)
        self._auto_decimals = 0
        self._tick_locs: list[float] = []

    def set_locs(self, locs) -> None:
        self._tick_locs = [float(v) for v in locs]
        finite = [v for v in self._tick_locs if math.isfinite(v)]
        if self.auto_scale:
            largest = max((abs(v) for v in finite), default=0.0)
            self.scale, self.suffix = (1e6, " mln") if largest >= 1e6 else self._fixed
        # percentages are shown times 100, so their decimals are counted on that
        unit = 100.0 if self.func is percent else 1.0
        scaled = [v / self.scale * unit for v in finite]
        self._auto_decimals = next(
            (d for d in range(4) if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in scaled)),
            3,
        )

    def __call__(self, x, pos=None) -> str:
        decimals = self._auto_decimals if self.decimals is None else self.decimals
        return self.func(x / self.scale, decimals) + self.suffix


def euro_formatter(
    scale: float = 1, suffix: str = "", decimals: int | None = 0
) -> ticker.Formatter:
    """A matplotlib tick formatter for euro amounts, e.g. ``€ 12 mln`` with ``scale=1e6``.

    >>> f = euro_formatter(scale=1e6, suffix=" mln")
    >>> f(12_000_000, 0)
    '€ 12 mln'
    >>> euro_formatter()(1_500_000, 0)
    '€ 1.500.000'
    """
    return DutchTickFormatter(euro, scale=scale, suffix=suffix, decimals=decimals)


def auto_euro_formatter() -> ticker.Formatter:
    """Euro ticks in whole euros below a million and in millions from a million up, with
    as many decimals as the ticks need (the default of the chart helpers)."""
    return DutchTickFormatter(euro, decimals=None, auto_scale=True)


def thousands_formatter(decimals: int | None = 0) -> ticker.Formatter:
    """A matplotlib tick formatter with a thousands dot and a decimal comma: ``12.500``.

    >>> thousands_formatter()(12500, 0)
    '12.500'
    >>> thousands_formatter(1)(2.25, 0)
    '2,3'
    """
    return DutchTickFormatter(number, decimals=decimals)


def percent_formatter(decimals: int | None = 0) -> ticker.Formatter:
    """A matplotlib tick formatter for fractions shown as percentages: ``0.25`` as ``25%``.

    >>> percent_formatter()(0.25, 0)
    '25%'
    """
    return DutchTickFormatter(percent, decimals=decimals)


def year_formatter() -> ticker.Formatter:
    """A matplotlib tick formatter for years: whole numbers without a thousands dot.

    >>> year_formatter()(2025.0, 0)
    '2025'
    """
    return ticker.FuncFormatter(lambda v, _pos=None: str(round(v)))
