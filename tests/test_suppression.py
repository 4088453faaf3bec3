"""Small-number suppression: primary and secondary cells exactly as worked out by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekostiging.report.suppression import disclosed_cells, suppress_small, unprotected_lines


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeente": ["A", "B", "C", "D"],
            "jeugd": [120, 40, 8, 200],
            "wmo": [5, 60, 3, 90],
            "wonen": [30, 12, 50, 0],
        }
    )


def test_primary_and_secondary_by_hand():
    """Worked out by hand.

    Primary (0 < n < 10): A.wmo=5, C.jeugd=8, C.wmo=3. The zero D.wonen stays visible.
    Rows first: row A has one hidden cell -> hide its smallest other cell, A.wonen=30 (not
    A.jeugd=120, not the total). Row C has two hidden cells: fine.
    Then columns: jeugd has only C.jeugd -> hide the smallest visible, B.jeugd=40. wmo has two.
    wonen now has only A.wonen -> smallest visible non-zero is B.wonen=12 (the zero D.wonen
    comes last). Second round: row B has two hidden, every line has 0 or >= 2: done.
    """
    df = _table()
    before = df.copy()
    res = suppress_small(df, ["jeugd", "wmo", "wonen"], label_column="gemeente")

    assert res.display.to_dict("list") == {
        "gemeente": ["A", "B", "C", "D", "Totaal"],
        "jeugd": ["120", "x", "<10", "200", "368"],
        "wmo": ["<10", "60", "<10", "90", "158"],
        "wonen": ["x", "x", "50", "0", "92"],
        "Totaal": ["155", "112", "61", "290", "618"],
    }
    primary = {(i, c) for i, c in res.primary.stack().loc[lambda s: s].index}
    secondary = {(i, c) for i, c in res.secondary.stack().loc[lambda s: s].index}
    assert primary == {(0, "wmo"), (2, "jeugd"), (2, "wmo")}
    assert secondary == {(0, "wonen"), (1, "jeugd"), (1, "wonen")}

    # totals come from the unsuppressed data and are shown unchanged
    assert res.data["Totaal"].tolist()[:4] == [155, 112, 61, 290]
    assert res.data.iloc[-1][["jeugd", "wmo", "wonen", "Totaal"]].tolist() == [368, 158, 92, 618]
    # the numbers are untouched, and so is the input
    assert res.data.iloc[:4][["jeugd", "wmo", "wonen"]].equals(df[["jeugd", "wmo", "wonen"]])
    pd.testing.assert_frame_equal(df, before)
    assert unprotected_lines(res) == []
    assert disclosed_cells(res) == []
    assert "minder dan 10" in res.note and "x = niet getoond" in res.note


def test_small_column_total_is_hidden_and_protected_in_the_total_row():
    """wonen has 3 + 0 + 4 = 7 clients in the whole region: the regional total is small too.

    Rows: A.wonen hidden alone -> A.wmo=40; C.wonen -> C.wmo=30. The total row has only the
    wonen total hidden and holds nothing but totals -> the smallest other total, wmo=130.
    """
    df = pd.DataFrame(
        {
            "gemeente": ["A", "B", "C"],
            "jeugd": [120, 80, 50],
            "wmo": [40, 60, 30],
            "wonen": [3, 0, 4],
        }
    )
    res = suppress_small(df, ["jeugd", "wmo", "wonen"], label_column="gemeente")
    assert res.display.to_dict("list") == {
        "gemeente": ["A", "B", "C", "Totaal"],
        "jeugd": ["120", "80", "50", "250"],
        "wmo": ["x", "60", "x", "x"],
        "wonen": ["<10", "0", "<10", "<10"],
        "Totaal": ["163", "140", "84", "387"],
    }
    assert unprotected_lines(res) == [] and disclosed_cells(res) == []


def test_small_municipality_total_is_hidden():
    df = pd.DataFrame({"jeugd": [4, 100, 50], "wmo": [3, 200, 70]}, index=["A", "B", "C"])
    res = suppress_small(df, ["jeugd", "wmo"], total_row=None)
    assert res.display.loc["A"].tolist() == ["<10", "<10", "<10"]
    assert res.data.loc["A", "Totaal"] == 7
    assert unprotected_lines(res) == []


def test_without_totals_only_primary_suppression():
    df = pd.DataFrame({"jeugd": [4, 100], "wmo": [0, 200]}, index=["A", "B"])
    res = suppress_small(df, ["jeugd", "wmo"], total_column=None, total_row=None)
    assert res.display.to_dict("list") == {"jeugd": ["<10", "100"], "wmo": ["0", "200"]}
    assert not res.secondary.to_numpy().any()
    assert "x =" not in res.note


def test_options_marker_threshold_zero_and_missing():
    df = pd.DataFrame({"n": [0, 4, 6, 1500, np.nan]})
    res = suppress_small(
        df,
        ["n"],
        threshold=5,
        marker=".",
        secondary_marker=".",
        suppress_zero=True,
        total_column=None,
    )
    assert res.display["n"].tolist() == [".", ".", "6", "1.500", "–", "1.510"]
    assert res.display.index.tolist() == [0, 1, 2, 3, 4, "Totaal"]


def test_bad_input():
    with pytest.raises(ValueError, match="negative"):
        suppress_small(pd.DataFrame({"n": [-1]}), ["n"])
    with pytest.raises(KeyError):
        suppress_small(pd.DataFrame({"n": [1]}), ["m"])
    with pytest.raises(ValueError, match="already has"):
        suppress_small(pd.DataFrame({"n": [1], "Totaal": [1]}), ["n"])


def test_a_bridge_between_two_protected_blocks_is_found_and_fixed():
    """Two 2x2 blocks of hidden cells joined by one extra hidden cell: every line has >= 2
    hidden cells, yet the joining cell can be solved from the totals. The check finds it."""
    from bekostiging.report.suppression import _determined, _lines

    hidden = np.zeros((5, 5), dtype=bool)  # 4 rows + total row, 4 columns + total column
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)]:
        hidden[i, j] = True
    lines = _lines(5, 5, rows=True, cols=True)
    assert _determined(hidden, lines) == [(0, 2)]


counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n_rows: st.lists(
            st.lists(counts, min_size=3, max_size=3), min_size=n_rows, max_size=n_rows
        )
    ),
    st.booleans(),
    st.booleans(),
)
def test_properties(rows, with_total_column, with_total_row):
    df = pd.DataFrame(rows, columns=["a", "b", "c"])
    res = suppress_small(
        df,
        ["a", "b", "c"],
        total_column="Totaal" if with_total_column else None,
        total_row="Totaal" if with_total_row else None,
    )
    shown = res.data[res.hidden.columns].to_numpy()[~res.hidden.to_numpy()]
    assert not ((shown > 0) & (shown < 10)).any()
    assert unprotected_lines(res) == []
    assert disclosed_cells(res) == []
    if with_total_row:
        assert res.data.iloc[-1][["a", "b", "c"]].tolist() == df.sum().tolist()
    if with_total_column:
        assert res.data["Totaal"].iloc[: len(df)].tolist() == df.sum(axis=1).tolist()
    assert res.primary.columns.equals(res.secondary.columns)
    assert not (res.primary & res.secondary).to_numpy().any()


def test_exact_check_repairs_what_the_line_rule_misses():
    """A table (found by a random search) where the row/column rule alone leaves B.a solvable
    from several totals together; suppress_small hides one more cell so nothing is solvable."""
    from bekostiging.report.suppression import _determined, _line_rule, _lines

    rows = [[0, 0, 17], [18, 37, 1], [22, 5, 31], [28, 35, 32]]
    df = pd.DataFrame(rows, columns=["a", "b", "c"], index=["A", "B", "C", "D"])
    res = suppress_small(df, ["a", "b", "c"])

    values = res.data[["a", "b", "c", "Totaal"]].to_numpy(dtype=float)
    margin = np.zeros_like(values, dtype=bool)
    margin[:, -1] = margin[-1, :] = True
    lines = _lines(*values.shape, rows=True, cols=True)
    line_rule_only = _line_rule(values, res.primary.to_numpy(), margin, lines)
    assert _determined(line_rule_only, lines) == [(1, 0)]

    assert disclosed_cells(res) == [] and unprotected_lines(res) == []
    assert res.hidden.to_numpy().sum() > line_rule_only.sum()
