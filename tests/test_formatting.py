"""Dutch number formats: separators, rounding, signs, missing values, tables and tick labels."""

from decimal import Decimal
from functools import partial

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekostiging.report.formatting import (
    MISSING,
    euro,
    euro_formatter,
    euro_mln,
    format_frame,
    format_table,
    number,
    percent,
    percent_formatter,
    thousands_formatter,
    year_formatter,
)

matplotlib.use("Agg")


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567, 0, "€ 1.234.567"),
        (-1234567, 0, "€ -1.234.567"),
        (1234567.891, 2, "€ 1.234.567,89"),
        (999.5, 0, "€ 1.000"),
        (0, 0, "€ 0"),
        (-0.4, 0, "€ 0"),
        (2.675, 2, "€ 2,68"),
        (np.int64(1000), 0, "€ 1.000"),
        (np.float64(12.345), 1, "€ 12,3"),
        (Decimal("1000000.005"), 2, "€ 1.000.000,01"),
        (float("nan"), 0, MISSING),
        (None, 0, MISSING),
        (pd.NA, 0, MISSING),
    ],
)
def test_euro(value, decimals, expected):
    assert euro(value, decimals) == expected


def test_euro_mln_and_number():
    assert euro_mln(123_550_000) == "€ 123,6 mln"
    assert euro_mln(-1_234_000_000, 0) == "€ -1.234 mln"
    assert number(1234567) == "1.234.567"
    assert number(12.5, 1) == "12,5"
    assert number(-12.5) == "-13"  # half away from zero
    assert number(0.001, 2) == "0,00"


def test_percent():
    assert percent(0.1234) == "12,3%"
    assert percent(0.1234, signed=True) == "+12,3%"
    assert percent(-0.1234, signed=True) == "-12,3%"
    assert percent(0.0, signed=True) == "0,0%"
    assert percent(1.5, 0) == "150%"
    assert percent(12.345, 0) == "1.235%"
    assert percent(np.nan) == MISSING


def test_strings_pass_through_and_bools_are_refused():
    assert euro("<10") == "<10"
    with pytest.raises(TypeError):
        number(True)
    with pytest.raises(ValueError):
        number(1, -1)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_number_round_trips_whole_numbers(n):
    text = number(n)
    assert int(text.replace(".", "")) == n
    groups = text.lstrip("-").split(".")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_number_with_decimals_parses_back(x):
    text = number(x, 2)
    parsed = float(text.replace(".", "").replace(",", "."))
    assert abs(parsed - x) <= 0.005 + 1e-6 * abs(x)


def test_no_locale_dependence(monkeypatch):
    import locale

    monkeypatch.setattr(locale, "localeconv", lambda: {"decimal_point": "?", "thousands_sep": "?"})
    assert euro(1234.5, 1) == "€ 1.234,5"


def test_format_frame_drops_index_and_uses_dtype_defaults():
    df = pd.DataFrame(
        {"gemeente": ["Aalten", None], "clienten": [1200, 15], "kosten": [1.5, np.nan]},
        index=["x", "y"],
    )
    out = format_frame(df, {"kosten": partial(euro, decimals=2)})
    assert list(out.index) == [0, 1]
    assert out.to_dict("list") == {
        "gemeente": ["Aalten", MISSING],
        "clienten": ["1.200", "15"],
        "kosten": ["€ 1,50", MISSING],
    }
    assert all(isinstance(v, str) for v in out.to_numpy().ravel())
    # the input is untouched
    assert df["clienten"].tolist() == [1200, 15]


def test_format_frame_rejects_unknown_columns_and_formats():
    df = pd.DataFrame({"a": [1]})
    with pytest.raises(KeyError):
        format_frame(df, {"b": euro})
    with pytest.raises(ValueError, match="unknown format"):
        format_frame(df, {"a": "dollar"})


def test_format_table_is_deterministic_and_has_no_index():
    df = pd.DataFrame({"gemeente": ["Aalten", "Winterswijk"], "budget": [1e6, 2.5e6]})
    html = format_table(df, {"budget": "euro"}, caption="Startbudget").to_html()
    assert html == format_table(df, {"budget": "euro"}, caption="Startbudget").to_html()
    assert "€ 2.500.000" in html
    assert "row_heading" not in html  # index hidden
    assert "text-align: right" in html
    other = format_table(df.assign(budget=[1.0, 2.0]), {"budget": "euro"}).to_html()
    assert other.split('id="')[1][:14] != html.split('id="')[1][:14]


def test_tick_formatters_on_an_axis():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([2024, 2025, 2026], [1e6, 2e6, 3.5e6])
    ax.yaxis.set_major_formatter(euro_formatter(scale=1e6, suffix=" mln", decimals=1))
    ax.xaxis.set_major_formatter(year_formatter())
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "€ 2,0 mln" in labels
    assert all("." not in t.get_text() for t in ax.get_xticklabels())
    assert thousands_formatter()(1234567, 0) == "1.234.567"
    assert percent_formatter(1)(0.125, 0) == "12,5%"
