"""One house style for every chart in the notebooks and reports, and the chart helpers.

:func:`apply_house_style` sets the matplotlib/seaborn defaults once per notebook: white grid,
readable font sizes, the colour-blind-safe Okabe-Ito palette, a fixed figure size and dpi.
The helpers take plain DataFrames or arrays and return a :class:`matplotlib.figure.Figure`;
they put Dutch number formats on the value axes (``€ 1,5 mln``, ``12.500``, ``12,5%``) with
the formatters from :mod:`bekostiging.report.formatting`, never through the OS locale.

The helpers create figures as :class:`ReportFigure` (a matplotlib Figure), not with
``pyplot``: nothing is kept in pyplot's global list of figures (a batch makes hundreds), and a
notebook shows the figure exactly once, when it is the last expression of a cell (``fig``) or
via ``display(fig)``; a figure that is only assigned is not shown. Pass ``ax=`` to draw on an
axis of your own (for example several variants in one fan chart).

Output is deterministic: the same data gives the same PNG bytes (no dates in figures).
Titles and labels are passed in by the caller in Dutch; the defaults are Dutch.

>>> import numpy as np
>>> apply_house_style()
>>> fig = fan_chart([2023, 2024, 2025], [90, 95, 97], [100, 104, 108], [110, 115, 121],
...                 label="Lumpsum", title="Uitgaven jeugdhulp")
>>> fig.axes[0].get_title(loc="left")
'Uitgaven jeugdhulp'
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
import shapely
import shapely.geometry
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.ops import polylabel

from bekostiging.core.atomic import atomic_path
from bekostiging.report.formatting import (
    auto_euro_formatter,
    euro,
    number,
    percent,
    percent_formatter,
    thousands_formatter,
    year_formatter,
)

OKABE_ITO: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow (last: little contrast on white)
    "#000000",  # black
]
"""Okabe & Ito (2008) colour-blind-safe palette, ordered for contrast on a white background."""

FIGSIZE: tuple[float, float] = (8.0, 4.5)
DPI = 100
SAVE_DPI = 150
MISSING_COLOR = "#d9d9d9"
BAND_HATCHES: tuple[str, ...] = ("//", "\\\\", "xx", "..")
"""Hatches of the second and later bands of a fan chart (the first is shaded)."""
SEQUENTIAL_CMAP = "Blues"


def house_rc() -> dict[str, Any]:
    """The rcParams of the house style (without the seaborn theme)."""
    return {
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": SAVE_DPI,
        "figure.constrained_layout.use": True,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: the same on every machine
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.formatter.use_locale": False,
        "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
        "svg.hashsalt": "bekostiging",  # fixed ids in SVG output
        "image.cmap": SEQUENTIAL_CMAP,
    }


def apply_house_style() -> None:
    """Set the house style for all following charts (seaborn theme plus :func:`house_rc`).

    >>> apply_house_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """

    sns.set_theme(context="notebook", style="whitegrid", palette=OKABE_ITO, rc=house_rc())


def palette(n: int) -> list[str]:
    """``n`` colours of the house palette (repeated when more are asked).

    >>> palette(2)
    ['#0072B2', '#E69F00']
    """
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(n)]


# --- helpers ------------------------------------------------------------------------------


class ReportFigure(Figure):
    """A Figure that shows itself in Jupyter as a PNG, without pyplot or a backend.

    A plain :class:`~matplotlib.figure.Figure` made without pyplot shows only its text in a
    notebook; this one gives IPython a PNG (rendered at ``savefig.dpi``, shown at the
    figure's own size) when it is the last expression of a cell or passed to ``display``.

    >>> png, size = ReportFigure(figsize=(4, 2), dpi=100)._repr_png_()
    >>> png[:4], size
    (b'\x89PNG', {'width': 400, 'height': 200})
    """

    alt: str | None = None
    """An explicit alt text; without it :func:`alt_text` composes one from the helpers."""

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        width, height = self.get_size_inches()
        return figure_bytes(self, "png"), {
            "width": round(width * self.dpi),
            "height": round(height * self.dpi),
        }

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """No data of its own (the PNG comes from :meth:`_repr_png_`), only the output's
        ``alt`` metadata: the Dutch alt text that the HTML report puts on the ``<img>``."""
        return {}, {"alt": alt_text(self)}


def describe(fig: Figure, text: str, ax: Axes | None = None) -> None:
    """Add a sentence to the figure's alt text (what it shows, with its key numbers).

    The chart helpers call this with the numbers they draw (and their axis); a chapter
    function may add its own (the start budget line of a fan chart). :func:`alt_text` puts
    the title in front, and on a figure with several described axes each axis's title.
    """
    parts = getattr(fig, "_alt_parts", None)
    if parts is None:
        parts = []
        fig._alt_parts = parts  # type: ignore[attr-defined]
    parts.append((ax, text))


def alt_text(fig: Figure) -> str:
    """The Dutch alt text of a figure: its explicit ``alt``, else its title (the figure's
    suptitle or the first axis title) followed by what the helpers described, else
    ``'Figuur'``.

    >>> apply_house_style()
    >>> fig = bar_compare(pd.DataFrame({"g": ["A", "B"], "v": [2e6, 1.5e6]}), "g", "v",
    ...                   title="Startbudget per gemeente")
    >>> alt_text(fig)
    'Startbudget per gemeente. Staafdiagram: A € 2,0 mln, B € 1,5 mln.'
    """
    explicit = getattr(fig, "alt", None)
    if explicit:
        return str(explicit)
    suptitle = getattr(fig, "_suptitle", None)
    titles = [suptitle.get_text() if suptitle is not None else ""]
    titles += [ax.get_title() or ax.get_title(loc="left") for ax in fig.axes]
    title = next((t for t in titles if t), "")
    parts = list(getattr(fig, "_alt_parts", []))
    several = len({id(ax) for ax, _ in parts if ax is not None}) > 1
    texts = []
    for ax, text in parts:
        head = ax.get_title() if several and ax is not None else ""
        texts.append(f"{head}: {text}" if head else text)
    out = " ".join([title.rstrip(".") + "." if title else "", *texts]).strip()
    return out or "Figuur"


def new_figure(figsize: tuple[float, float] | None = None, **kwargs: Any) -> ReportFigure:
    """A new :class:`ReportFigure` in the house size, for charts the helpers do not cover.

    >>> apply_house_style()
    >>> new_figure().get_size_inches().tolist()
    [8.0, 4.5]
    """
    return ReportFigure(figsize=figsize or tuple(mpl.rcParams["figure.figsize"]), **kwargs)


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float] | None = None):
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


ValueFormat = str | ticker.Formatter | Callable[[float], str]


def value_formatter(spec: ValueFormat) -> ticker.Formatter:
    """A tick formatter for a value axis: ``'euro'`` (whole euros, or millions from a million
    up), ``'number'``, ``'percent'`` (fractions), a matplotlib Formatter, or a function that
    formats one value.

    >>> f = value_formatter("number"); f.set_locs([0, 5000, 10000]); f(5000)
    '5.000'
    >>> value_formatter(lambda v: f"{v:.0f} cliënten")(12, 0)
    '12 cliënten'
    """
    if isinstance(spec, ticker.Formatter):
        return spec
    if callable(spec):
        return ticker.FuncFormatter(lambda v, _pos=None: spec(v))
    named: dict[str, Callable[[], ticker.Formatter]] = {
        "euro": auto_euro_formatter,
        "number": lambda: thousands_formatter(decimals=None),
        "percent": lambda: percent_formatter(decimals=None),
    }
    try:
        return named[spec]()
    except KeyError:
        raise ValueError(f"unknown value format {spec!r}; use one of {sorted(named)}") from None


def _label_formatter(spec: ValueFormat) -> Callable[[float], str]:
    """A formatter for one value in a label (bar ends, map names), matching ``spec``."""
    if isinstance(spec, ticker.Formatter):
        return lambda v: spec(v, None)
    if callable(spec):
        return spec
    return {
        "euro": lambda v: euro(v / 1e6, 1) + " mln" if abs(v) >= 1e6 else euro(v),
        "number": lambda v: number(v, 0 if float(v).is_integer() else 1),
        "percent": lambda v: percent(v, 1),
    }[spec]


def _as_1d(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


# --- fan chart ----------------------------------------------------------------------------


def fan_chart(
    years: Sequence[float] | np.ndarray,
    p10: Sequence[float] | np.ndarray,
    p50: Sequence[float] | np.ndarray,
    p90: Sequence[float] | np.ndarray,
    *,
    label: str,
    ax: Axes | None = None,
    color: str | None = None,
    title: str | None = None,
    xlabel: str = "Jaar",
    ylabel: str = "Bedrag",
    value_format: ValueFormat = "euro",
    band_alpha: float = 0.2,
) -> Figure:
    """A projection as a fan: the P10-P90 band shaded, the median (P50) as a line.

    Call it once per variant with the same ``ax`` to compare variants on one axis; each call
    takes the next colour of the house palette unless ``color`` is given. Only the first band
    on an axis is shaded; every later one is drawn unfilled, hatched (:data:`BAND_HATCHES`)
    and outlined in its colour, so overlapping bands stay apart and each has its own legend
    entry. Each call adds its median and band to the figure's alt text (:func:`alt_text`). Raises ValueError
    when the lengths differ or the percentiles are not ordered (P10 <= P50 <= P90).

    >>> fig = fan_chart([2024, 2025], [1e6, 1.1e6], [1.2e6, 1.3e6], [1.4e6, 1.6e6],
    ...                 label="P*Q")
    >>> ax = fig.axes[0]
    >>> _ = fan_chart([2024, 2025], [1e6, 1e6], [1.1e6, 1.2e6], [1.3e6, 1.4e6],
    ...               label="Lumpsum", ax=ax)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['P*Q: mediaan (P50)', 'P*Q: 80%-interval (P10–P90)', 'Lumpsum: mediaan (P50)', 'Lumpsum: 80%-interval (P10–P90)']
    >>> alt_text(fig)
    'P*Q: mediaan van € 1,2 mln in 2024 naar € 1,3 mln in 2025; 80%-interval (P10–P90) in 2025 van € 1,1 mln tot € 1,6 mln. Lumpsum: mediaan van € 1,1 mln in 2024 naar € 1,2 mln in 2025; 80%-interval (P10–P90) in 2025 van € 1,0 mln tot € 1,4 mln.'
    """
    x = _as_1d("years", years)
    lo, mid, hi = (_as_1d(n, v) for n, v in (("p10", p10), ("p50", p50), ("p90", p90)))
    if not (len(x) == len(lo) == len(mid) == len(hi)):
        raise ValueError(
            f"years, p10, p50 and p90 must have the same length, got "
            f"{len(x)}, {len(lo)}, {len(mid)}, {len(hi)}"
        )
    tol = 1e-9 * max(1.0, float(np.nanmax(np.abs(hi))) if len(hi) else 1.0)
    if np.any(lo > mid + tol) or np.any(mid > hi + tol):
        raise ValueError(f"{label}: percentiles must satisfy P10 <= P50 <= P90 in every year")

    fig, ax = _figure_and_axes(ax)
    drawn = sum(1 for line in ax.get_lines() if line.get_gid() == "fan-p50")
    if color is None:
        color = OKABE_ITO[drawn % len(OKABE_ITO)]
    ax.plot(x, mid, color=color, linewidth=2, label=f"{label}: mediaan (P50)", gid="fan-p50")
    band = f"{label}: 80%-interval (P10–P90)"
    if drawn == 0:  # the first band shaded
        ax.fill_between(x, lo, hi, color=color, alpha=band_alpha, linewidth=0, label=band,
                        gid="fan-band")  # fmt: skip
    else:  # later bands hatched and outlined, unfilled: overlaps never blend into a new colour
        hatch = BAND_HATCHES[(drawn - 1) % len(BAND_HATCHES)]
        ax.fill_between(x, lo, hi, facecolor="none", edgecolor=color, hatch=hatch,
                        linewidth=1.0, linestyle="--", label=band, gid="fan-band")  # fmt: skip
    fmt = _label_formatter(value_format)
    describe(
        fig,
        ax=ax,
        text=f"{label}: mediaan van {fmt(mid[0])} in {int(x[0])} naar {fmt(mid[-1])} in "
        f"{int(x[-1])}; 80%-interval (P10–P90) in {int(x[-1])} van {fmt(lo[-1])} tot "
        f"{fmt(hi[-1])}.",
    )
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(year_formatter())
    ax.yaxis.set_major_formatter(value_formatter(value_format))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    # below the axis, so the legend never covers a band
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    return fig


# --- bar chart ----------------------------------------------------------------------------


def _check_one_row_per_bar(df: pd.DataFrame, x: str, y: str, hue: str | None) -> None:
    """Raise KeyError for a missing column and ValueError for two rows with one ``(x, hue)``.

    >>> _check_one_row_per_bar(pd.DataFrame({"g": ["A", "A"], "v": [1, 2]}), "g", "v", None)
    Traceback (most recent call last):
    ...
    ValueError: more than one row per g: [{'g': 'A'}]
    """
    missing = [c for c in (x, y, hue) if c is not None and c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    keys = [x] if hue is None else [x, hue]
    dupes = df.duplicated(subset=keys, keep=False)
    if dupes.any():
        raise ValueError(
            f"more than one row per {' and '.join(keys)}: "
            f"{df.loc[dupes, keys].drop_duplicates().to_dict('records')[:5]}"
        )


def _barplot_kwargs(
    df: pd.DataFrame,
    x: str,
    hue: str | None,
    order: Sequence[Any] | None,
    hue_order: Sequence[Any] | None,
    ax: Axes,
) -> dict[str, Any]:
    """The arguments for :func:`seaborn.barplot`: categories (and hues) in the order of the
    data unless given, no error bars, full saturation, and the house colours."""
    order = list(order) if order is not None else list(pd.unique(df[x]))
    kwargs: dict[str, Any] = {
        "data": df, "order": order, "errorbar": None, "ax": ax, "saturation": 1.0,
    }  # fmt: skip
    if hue is None:
        kwargs["color"] = OKABE_ITO[0]
    else:
        hue_order = list(hue_order) if hue_order is not None else list(pd.unique(df[hue]))
        kwargs.update(hue=hue, hue_order=hue_order, palette=palette(len(hue_order)))
    return kwargs


def _draw_bars(
    ax: Axes,
    x: str,
    y: str,
    kwargs: dict[str, Any],
    *,
    horizontal: bool,
    xlabel: str | None,
    ylabel: str | None,
) -> mpl.axis.Axis:
    """Draw the bars, label both axes and hide the grid lines across the categories; return
    the value axis (the x-axis when ``horizontal``, else the y-axis)."""
    if horizontal:
        sns.barplot(x=y, y=x, orient="h", **kwargs)
        ax.set_xlabel(ylabel if ylabel is not None else y)
        ax.set_ylabel(xlabel if xlabel is not None else "")
        ax.grid(axis="y", visible=False)
        return ax.xaxis
    sns.barplot(x=x, y=y, **kwargs)
    ax.set_xlabel(xlabel if xlabel is not None else "")
    ax.set_ylabel(ylabel if ylabel is not None else y)
    ax.grid(axis="x", visible=False)
    return ax.yaxis


def _label_bar_ends(ax: Axes, fmt: Callable[[float], str]) -> None:
    """Write every bar's value, formatted by ``fmt``, just past the end of the bar."""
    for container in ax.containers:
        ax.bar_label(
            container, labels=[fmt(v) for v in container.datavalues], padding=2, fontsize=9
        )


def bar_compare(
    df: pd.DataFrame,
    x: str,
    y: str,
    hue: str | None = None,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
    horizontal: bool = False,
    value_format: ValueFormat = "euro",
    annotate: bool = False,
    order: Sequence[Any] | None = None,
    hue_order: Sequence[Any] | None = None,
) -> Figure:
    """Bars of ``y`` per category ``x``, grouped by ``hue`` (for example per variant).

    One row per bar: a duplicate ``(x, hue)`` pair raises ValueError (seaborn would silently
    draw the mean). Categories keep the order of the data unless ``order`` is given. With
    ``annotate=True`` every bar gets its value in Dutch format. ``horizontal=True`` puts the
    categories on the vertical axis (long municipality names).

    >>> df = pd.DataFrame({"gemeente": ["Aalten", "Aalten", "Winterswijk", "Winterswijk"],
    ...                    "variant": ["P*Q", "Lumpsum"] * 2, "budget": [10e6, 9e6, 14e6, 13e6]})
    >>> fig = bar_compare(df, "gemeente", "budget", hue="variant", ylabel="Budget")
    >>> fig.axes[0].get_ylabel()
    'Budget'
    """
    _check_one_row_per_bar(df, x, y, hue)
    fig, ax = _figure_and_axes(ax)
    kwargs = _barplot_kwargs(df, x, hue, order, hue_order, ax)
    value_axis = _draw_bars(ax, x, y, kwargs, horizontal=horizontal, xlabel=xlabel, ylabel=ylabel)
    value_axis.set_major_formatter(value_formatter(value_format))
    if annotate:
        _label_bar_ends(ax, _label_formatter(value_format))
    if hue is not None and ax.get_legend() is not None:
        ax.get_legend().set_title(hue)
    if title is not None:
        ax.set_title(title)
    fmt = _label_formatter(value_format)
    bars = [
        (f"{r[x]}" + (f" ({r[hue]})" if hue is not None else "")) + f" {fmt(float(r[y]))}"
        for _, r in df.iterrows()
        if pd.notna(r[y])
    ]
    describe(fig, "Staafdiagram: " + ", ".join(bars) + ".", ax)
    return fig


# --- tornado ------------------------------------------------------------------------------


def _tornado_rows(
    df: pd.DataFrame, parameter: str, low: str, high: str, base: str
) -> tuple[pd.DataFrame, float]:
    """Check the table and return its rows sorted by range (narrowest first, ties in the
    order of the table) with the one base outcome.

    >>> df = pd.DataFrame({"p": ["a", "b"], "lo": [1, 0], "hi": [2, 4], "b": 1.5})
    >>> rows, base_value = _tornado_rows(df, "p", "lo", "hi", "b")
    >>> rows["p"].tolist(), base_value
    (['a', 'b'], 1.5)
    """
    missing = [c for c in (parameter, low, high, base) if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    if df.empty:
        raise ValueError("the table has no parameters")
    bases = df[base].astype(float).unique()
    if len(bases) != 1:
        raise ValueError(f"column {base!r} must hold one base outcome, found {sorted(bases)}")
    data = df.assign(_range=(df[high] - df[low]).abs()).sort_values(
        "_range", kind="stable", ascending=True
    )
    return data, float(bases[0])


def _label_tornado_ends(
    ax: Axes,
    y: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    base_value: float,
    fmt: Callable[[float], str],
) -> None:
    """Write each outcome at its bar end, outside the bar (right of the base or left of it),
    and widen the x margins to make room."""
    ax.margins(x=0.15)
    for yi, lo_v, hi_v in zip(y, lows, highs, strict=True):
        for v in (lo_v, hi_v):
            ax.annotate(
                fmt(v), (v, yi), xytext=(3 if v >= base_value else -3, 0),
                textcoords="offset points", va="center",
                ha="left" if v >= base_value else "right", fontsize=9,
            )  # fmt: skip


def tornado(
    df: pd.DataFrame,
    *,
    parameter: str = "parameter",
    low: str = "low",
    high: str = "high",
    base: str = "base",
    title: str | None = None,
    xlabel: str = "Uitkomst",
    ax: Axes | None = None,
    value_format: ValueFormat = "euro",
    low_label: str = "Parameter laag",
    high_label: str = "Parameter hoog",
    annotate: bool = False,
) -> Figure:
    """A tornado chart of a one-at-a-time sensitivity analysis.

    ``df`` has one row per parameter: the outcome with the parameter at its low value
    (``low``), at its high value (``high``) and the base outcome (``base``, the same in every
    row). Bars run from the base to each outcome; the parameter with the widest range is at
    the top.

    >>> df = pd.DataFrame({"parameter": ["Groei cliënten", "Tarief"],
    ...                    "low": [9.0e6, 9.5e6], "high": [11.5e6, 10.4e6], "base": 10e6})
    >>> fig = tornado(df, title="Gevoeligheid budget 2028")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Tarief', 'Groei cliënten']
    """
    data, base_value = _tornado_rows(df, parameter, low, high, base)
    fig, ax = _figure_and_axes(ax)
    y = np.arange(len(data))
    lows = data[low].to_numpy(dtype=float)
    highs = data[high].to_numpy(dtype=float)
    ax.barh(y, lows - base_value, left=base_value, color=OKABE_ITO[0], label=low_label)
    ax.barh(y, highs - base_value, left=base_value, color=OKABE_ITO[1], label=high_label)
    fmt = _label_formatter(value_format)
    ax.axvline(base_value, color="black", linewidth=1, label=f"Basis: {fmt(base_value)}")
    ax.set_yticks(y, labels=data[parameter].astype(str).tolist())
    ax.xaxis.set_major_formatter(value_formatter(value_format))
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if annotate:
        _label_tornado_ends(ax, y, lows, highs, base_value, fmt)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="lower right")
    widest = data.iloc[::-1].head(3)
    describe(
        fig,
        f"Tornadodiagram rond de basis {fmt(base_value)}; de grootste invloed hebben "
        + "; ".join(
            f"{r[parameter]} ({fmt(float(r[low]))} tot {fmt(float(r[high]))})"
            for _, r in widest.iterrows()
        )
        + ".",
        ax,
    )
    return fig


# --- choropleth ---------------------------------------------------------------------------


_CODE_PROPERTIES = ("gemeentecode", "statcode", "code")


def _rings_path(polygons: list[list[list[list[float]]]]) -> MplPath:
    """One compound path for a (multi)polygon: exteriors counter-clockwise, holes clockwise,
    so holes stay empty whatever the orientation in the file."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            pts = np.asarray(ring, dtype=float)[:, :2]
            if len(pts) < 3:
                continue
            if not np.allclose(pts[0], pts[-1]):
                pts = np.vstack([pts, pts[:1]])
            area2 = np.sum(pts[:-1, 0] * pts[1:, 1] - pts[1:, 0] * pts[:-1, 1])
            if (k == 0) != (area2 > 0):  # exterior must be CCW (area > 0), holes CW
                pts = pts[::-1]
            ring_codes = np.full(len(pts), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(pts)
            codes.append(ring_codes)
    if not vertices:
        raise ValueError("a feature has no polygon with at least three points")
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _label_point(polygons: list[list[list[list[float]]]]) -> tuple[float, float]:
    """The point of the largest polygon farthest from its edges (shapely ``polylabel``, to
    1/200 of its size), so a name stays inside a concave or ring-shaped municipality where
    the centroid would fall outside it.

    >>> u = [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]]
    >>> x, y = _label_point([u]); shapely.geometry.Polygon(u[0]).contains(shapely.Point(x, y))
    True
    """
    shapes = [shapely.geometry.Polygon(p[0], p[1:]) for p in polygons if len(p[0]) >= 4]
    shapes = [g if g.is_valid else shapely.make_valid(g) for g in shapes]
    shapes = [g for g in shapes if not g.is_empty and g.area > 0]
    if not shapes:
        pts = np.asarray(polygons[0][0], dtype=float)
        return float(pts[:, 0].mean()), float(pts[:, 1].mean())
    largest = max(shapes, key=lambda g: g.area)
    if largest.geom_type != "Polygon":  # a repaired ring that fell apart: its largest part
        largest = max(shapely.get_parts(largest), key=lambda g: g.area)
    x0, y0, x1, y1 = largest.bounds
    point = polylabel(largest, tolerance=max(x1 - x0, y1 - y0) / 200)
    return float(point.x), float(point.y)


def _features(geojson: Mapping[str, Any], code_property: str | None):
    if geojson.get("type") != "FeatureCollection":
        raise ValueError("geojson must be a GeoJSON FeatureCollection")
    out = []
    for n, feature in enumerate(geojson.get("features", [])):
        props = feature.get("properties") or {}
        if code_property is not None:
            code = props.get(code_property)
        else:
            code = next((props[p] for p in _CODE_PROPERTIES if p in props), feature.get("id"))
        if code is None:
            raise ValueError(
                f"feature {n} has no code (looked for {code_property or _CODE_PROPERTIES})"
            )
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            polygons = list(geometry["coordinates"])
        else:
            raise ValueError(f"feature {code}: geometry {kind!r} is not a (Multi)Polygon")
        out.append((str(code), props, polygons))
    if not out:
        raise ValueError("the FeatureCollection has no features")
    return out


def _text_color(face: Any) -> str:
    """Black on light fills, white on dark ones (relative luminance, WCAG)."""
    r, g, b, _ = mpl.colors.to_rgba(face)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "white" if luminance < 0.18 else "black"


def _known_values(values: Mapping[str, float], codes: Sequence[str]) -> dict[str, float]:
    """The finite values as floats; ValueError for a code that has no shape on the map.

    >>> _known_values({"GM1": 2, "GM2": None, "GM3": float("nan")}, ["GM1", "GM2", "GM3"])
    {'GM1': 2.0}
    """
    unknown = sorted(set(values) - set(codes))
    if unknown:
        raise ValueError(f"codes with no shape on the map: {unknown}")
    return {c: float(v) for c, v in values.items() if v is not None and math.isfinite(float(v))}


def _colour_scale(
    known: Mapping[str, float], vmin: float | None, vmax: float | None, cmap: str
) -> tuple[Normalize, mpl.colors.Colormap]:
    """The value range (``vmin``/``vmax`` or the range of the values, widened a little when
    it is a single value) and the colour map (the house map without its near-white start, so
    the lowest value stays visible).

    >>> norm, colormap = _colour_scale({"GM1": 100.0}, None, None, SEQUENTIAL_CMAP)
    >>> norm.vmin, norm.vmax, colormap.name
    (95.0, 105.0, 'Blues_huisstijl')
    """
    lo = vmin if vmin is not None else min(known.values(), default=0.0)
    hi = vmax if vmax is not None else max(known.values(), default=1.0)
    if hi < lo:
        raise ValueError(f"vmin ({lo}) is larger than vmax ({hi})")
    if hi == lo:  # one value, or all equal: a small band around it
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    norm = Normalize(vmin=lo, vmax=hi)
    colormap = mpl.colormaps[cmap]
    if cmap == SEQUENTIAL_CMAP:
        colormap = ListedColormap(colormap(np.linspace(0.15, 1.0, 256)), name=f"{cmap}_huisstijl")
    return norm, colormap


def _draw_features(
    ax: Axes,
    features: list[tuple[str, dict, list]],
    known: Mapping[str, float],
    norm: Normalize,
    colormap: mpl.colors.Colormap,
    name_property: str | None,
) -> tuple[np.ndarray, bool]:
    """Draw one patch per municipality, coloured by its value or grey and hatched without
    one, with its name (from ``name_property``) in black or white for contrast (smaller type
    on a map of many municipalities). Return all vertices and whether any municipality had
    no value."""
    all_points = []
    any_missing = False
    fontsize = _label_size(len(features))
    for code, props, polygons in features:
        path = _rings_path(polygons)
        all_points.append(path.vertices)
        if code in known:
            face, hatch = colormap(norm(known[code])), None
        else:
            face, hatch, any_missing = MISSING_COLOR, "///", True
        ax.add_patch(PathPatch(path, facecolor=face, edgecolor="white", linewidth=0.8, hatch=hatch))
        if name_property is not None and props.get(name_property):
            cx, cy = _label_point(polygons)
            ax.text(
                cx, cy, str(props[name_property]), ha="center", va="center", fontsize=fontsize,
                color=_text_color(face),
            )  # fmt: skip
    return np.concatenate(all_points), any_missing


def _label_size(n_features: int) -> float:
    """The type size of the names on a map: 8 pt up to 12 municipalities, then smaller, to
    6 pt from 24 on, so the names of a large region do not run into each other.

    >>> _label_size(8), _label_size(18), _label_size(30)
    (8.0, 7.0, 6.0)
    """
    return float(max(6.0, min(8.0, 8.0 - (n_features - 12) / 6)))


def _fit_map_view(ax: Axes, points: np.ndarray) -> None:
    """Limit the axes to the shapes plus a 2% margin, without axis lines; the aspect ratio is
    corrected for latitude when the coordinates are degrees (WGS84), else equal (RD)."""
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    pad_x, pad_y = (x1 - x0) * 0.02 or 0.01, (y1 - y0) * 0.02 or 0.01
    ax.set_xlim(x0 - pad_x, x1 + pad_x)
    ax.set_ylim(y0 - pad_y, y1 + pad_y)
    geographic = np.all(np.abs(points[:, 0]) <= 180) and np.all(np.abs(points[:, 1]) <= 90)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)) if geographic else "equal")
    ax.set_axis_off()


def _add_colour_bar(
    fig: Figure,
    ax: Axes,
    norm: Normalize,
    colormap: mpl.colors.Colormap,
    label: str,
    value_format: ValueFormat,
) -> None:
    """A colour bar beside ``ax`` with ``label`` and Dutch tick labels, without an outline."""
    mappable = ScalarMappable(norm=norm, cmap=colormap)
    cbar = fig.colorbar(mappable, ax=ax, shrink=0.8, label=label)
    cbar.ax.yaxis.set_major_formatter(value_formatter(value_format))
    cbar.outline.set_visible(False)


def choropleth(
    geojson: Mapping[str, Any],
    values: Mapping[str, float],
    *,
    code_property: str | None = None,
    name_property: str | None = None,
    title: str | None = None,
    legend_label: str = "",
    value_format: ValueFormat = "euro",
    cmap: str = SEQUENTIAL_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    ax: Axes | None = None,
    missing_label: str = "Geen gegevens",
    source: str | None = None,
    note: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A map of municipalities coloured by value, drawn from GeoJSON with matplotlib only.

    ``values`` maps a municipality code (``'GM0197'``) to a number. The code of a feature is
    read from ``code_property``; by default the first of ``gemeentecode``, ``statcode`` and
    ``code`` that the feature has (else the feature's ``id``). A municipality without a value
    is grey and listed in the legend as ``missing_label``; a code in ``values`` that is not on
    the map raises ValueError (a typo such as ``'GM197'``). ``name_property`` (for example
    ``'gemeentenaam'``) writes the names on the map. Coordinates in degrees (WGS84) are drawn
    with the aspect ratio corrected for latitude; projected coordinates (RD) with equal axes.
    ``note`` is printed in small type under the map (for example which municipalities are
    not on it).

    >>> square = {"type": "Polygon", "coordinates": [[[6, 52], [6.1, 52], [6.1, 52.1], [6, 52]]]}
    >>> gj = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"gemeentecode": "GM0001"}, "geometry": square}]}
    >>> fig = choropleth(gj, {"GM0001": 1250.0}, legend_label="Kosten per cliënt")
    >>> fig.axes[1].get_ylabel()
    'Kosten per cliënt'
    """
    features = _features(geojson, code_property)
    known = _known_values(values, [code for code, _, _ in features])
    norm, colormap = _colour_scale(known, vmin, vmax, cmap)
    fig, ax = _figure_and_axes(ax, figsize)
    points, any_missing = _draw_features(ax, features, known, norm, colormap, name_property)
    _fit_map_view(ax, points)
    _add_colour_bar(fig, ax, norm, colormap, legend_label, value_format)
    if any_missing:
        ax.legend(
            handles=[Patch(facecolor=MISSING_COLOR, hatch="///", label=missing_label)],
            loc="lower left",
        )
    if title is not None:
        ax.set_title(title)
    if note is not None:
        ax.text(0.0, -0.01, note, transform=ax.transAxes, ha="left", va="top", fontsize=8,
                wrap=True)  # fmt: skip
    if source is not None:
        add_source(fig, source)
    if known:
        fmt = _label_formatter(value_format)
        names = {code: str(props.get(name_property, code)) if name_property else code
                 for code, props, _ in features}  # fmt: skip
        lo, hi = min(known, key=known.get), max(known, key=known.get)
        describe(
            fig,
            f"Kaart van {len(features)} gemeenten, gekleurd naar {legend_label or 'waarde'}: "
            f"van {fmt(known[lo])} ({names.get(lo, lo)}) tot {fmt(known[hi])} "
            f"({names.get(hi, hi)}).",
            ax,
        )
    return fig


# --- output -------------------------------------------------------------------------------


def add_source(fig: Figure, text: str) -> None:
    """Write a source line (``'Bron: CBS/Kadaster'``) in small grey type under the figure."""
    fig.text(0.01, 0.005, text, fontsize=8, color="#555555", ha="left", va="bottom")


_NO_DATES = {
    "png": {},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG/SVG/PDF bytes, without dates, so equal figures give equal bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata=_NO_DATES.get(fmt, {}))
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Save a figure atomically; the format follows the file extension (png, svg, pdf)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        tmp.write_bytes(figure_bytes(fig, fmt))
    return path
