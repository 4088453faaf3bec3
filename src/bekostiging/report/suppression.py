"""Small-number suppression for published tables of client counts, in the way CBS does it.

A published table must never show a count of clients below the threshold (10) for a
municipality, and it must not be possible to work such a count out from what is shown.

:func:`suppress_small` takes a table with one row per municipality (or any other unit) and one
column per count, adds the totals, and returns a display table in which:

- **primary suppression**: every count with ``0 < n < threshold`` is replaced by the marker
  (``'<10'``). This also holds for a total: a municipality with 7 clients in all has a total
  of 7, which is a small number for a municipality as well.
- **zeros are shown** as ``0`` by default. Zero clients describes no person, and hiding zeros
  would hide real information (a service a municipality does not buy). Pass
  ``suppress_zero=True`` to treat zeros as small numbers too.
- **secondary suppression**: a hidden count must not be recomputable from a total and the
  visible cells of the same row or column. So each row that has a total (the total column) and
  each column that has a total (the total row) must have either no hidden cell or at least two;
  the total itself counts as a cell of its line. When a line has exactly one hidden cell, the
  smallest visible non-zero cell of that line is hidden as well (ties: the first in table
  order; totals only when no ordinary cell is left, zeros only as a last resort). This can
  create a new line with one hidden cell, so the rule is repeated, rows first and then
  columns, until no line has exactly one hidden cell. Finally an exact check (linear algebra
  over all totals at once, :func:`disclosed_cells`) looks for a hidden cell that can still be
  solved from several lines together, and hides one more cell next to it if so. Secondary cells get their own marker
  (``'x'``), because showing ``'<10'`` for a count of 250 would be wrong.
- **totals** are computed from the unsuppressed counts before anything is hidden and are never
  changed: the regional total is the true total, not the sum of the visible cells.

The numeric table (:attr:`SuppressionResult.data`) keeps every number; the input is not changed.

**Against derivation** (:func:`protection`, :func:`region_protection`). A table's own totals are
not the only way back to a hidden count. The estimated counts are the domain's observed use
(CBS, public) split over the segments in proportion to prevalence x population (CBS, public),
so a count below 10 also follows from its prevalence in the appendix x the population, from
another segment's count x the ratio of the prevalences, from the same ratio in another
municipality's report, from the domain's observed use minus the other segments, from spend /
cost per client, and from another year's count or step 3's factors on a shown base.
:func:`protection` decides once per region which segments are protected: every segment with a
count below 10 in any municipality, in every municipality of the region, plus one
complementary segment per domain (preferably one that is not procured, whose count is never
shown). For those segments the reports and the workbook hide the client counts of every year
and the expected count, the cost per client and its ratio to the reference cost, the total
row of the client tables, and the appendix shows the prevalence as ``verborgen (kleine
aantallen)`` (:data:`HIDDEN_VALUE`). The **start budget per segment stays published**: it is a
key result, and it is spend x factors in which the count cancels out (budget = clients x cost
per client = spend x the step 3 and 7 factors), so it gives no count back once the cost per
client is hidden. Hiding the cost per client rather than the budget keeps the decision figure
and loses only a derived estimate. ``tests/test_suppression_derivation.py`` attacks every
hidden count of the Achterhoek with these routes.

>>> df = pd.DataFrame({"gemeente": ["A", "B", "C"],
...                    "jeugd": [120, 40, 8], "wmo": [5, 60, 30]})
>>> res = suppress_small(df, ["jeugd", "wmo"], label_column="gemeente")
>>> print(res.display.to_string(index=False))
gemeente jeugd wmo Totaal
       A     x <10    125
       B    40  60    100
       C   <10   x     38
  Totaal   168  95    263
>>> int(res.data.loc[3, "jeugd"])
168
>>> unprotected_lines(res), disclosed_cells(res)
([], [])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bekostiging.report.formatting import number, text

DEFAULT_THRESHOLD = 10
TOTAL_LABEL = "Totaal"


@dataclass(frozen=True)
class SuppressionResult:
    """The outcome of :func:`suppress_small`.

    ``data`` is the numeric table with its totals (nothing hidden); ``display`` is the same
    table as text with markers, ready for a report; ``primary`` and ``secondary`` are boolean
    masks over the count and total columns of ``data`` (same index), True where a cell is hidden.
    ``row_total`` is the name of the total column (the total of each row), ``column_total`` the
    label of the total row (the total of each column); None where no such total was added.
    """

    data: pd.DataFrame
    display: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    marker: str
    secondary_marker: str
    threshold: float
    row_total: str | None
    column_total: str | None

    @property
    def hidden(self) -> pd.DataFrame:
        """True for every cell that the display table does not show."""
        return self.primary | self.secondary

    @property
    def note(self) -> str:
        """A Dutch footnote that explains the markers, for under the table."""
        parts = [f"{self.marker} = minder dan {number(self.threshold)} cliënten, niet getoond"]
        if self.secondary.to_numpy().any():
            parts.append(
                f"{self.secondary_marker} = niet getoond, zodat kleine aantallen niet "
                "uit de totalen zijn af te leiden"
            )
        return "; ".join(parts) + "."


def suppress_small(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    marker: str | None = None,
    *,
    secondary_marker: str = "x",
    total_column: str | None = TOTAL_LABEL,
    total_row: str | None = TOTAL_LABEL,
    label_column: str | None = None,
    suppress_zero: bool = False,
    formatter: Callable[[Any], str] = number,
    force_hidden: Any = None,
) -> SuppressionResult:
    """Hide small counts (and what would give them away) in a table for publication.

    Parameters
    ----------
    df:
        One row per unit (municipality), with the counts in ``count_columns``; other columns
        (name, code) are carried along as text. The frame is not changed.
    count_columns:
        The columns with client counts: numbers >= 0; NaN means unknown and is shown as '–'.
    threshold:
        Counts with ``0 < n < threshold`` are hidden (10, as CBS does for clients).
    marker:
        Shown for a small count; default ``'<10'`` (from the threshold).
    secondary_marker:
        Shown for a count hidden only to protect a small one.
    total_column, total_row:
        Name of the total column (sum over the count columns of a row) and label of the total
        row (sum over the rows) that are added; ``None`` adds no such total. Without a total in
        a direction there is nothing to recompute from, so no secondary suppression is needed
        in that direction.
    label_column:
        Column that gets the total row's label; without it, the label goes in the index.
    suppress_zero:
        Treat 0 as a small number too (default: zeros are shown).
    formatter:
        Formats the visible counts; default Dutch thousands dots (``1.234``).
    force_hidden:
        Cells to hide whatever their value (True = hide): a boolean array with one row per row
        of ``df`` and one column per count column, or a sequence of booleans per row that
        hides the whole row, or an array of the shape of the table with its totals (to hide
        totals too; see :meth:`Protection.mask`). Used for the segments :func:`protection`
        protects against derivation; they get the secondary marker unless they are small.

    >>> res = suppress_small(pd.DataFrame({"n": [3, 0, 25]}), ["n"], total_column=None)
    >>> res.display["n"].tolist()
    ['<10', '0', 'x', '28']
    >>> res.display.index.tolist()
    [0, 1, 2, 'Totaal']
    """
    count_columns = list(count_columns)
    _check_input(df, count_columns, threshold, label_column, total_column)
    marker = f"<{number(threshold)}" if marker is None else marker
    data, value_columns = _with_totals(df, count_columns, total_column, total_row, label_column)

    values = data[value_columns].to_numpy(dtype=float)
    margin = np.zeros_like(values, dtype=bool)
    if total_column is not None:
        margin[:, -1] = True
    if total_row is not None:
        margin[-1, :] = True
    known = ~np.isnan(values)
    small = known & (values < threshold) & ((values > 0) | suppress_zero)
    forced = _forced(force_hidden, len(df), len(count_columns), values.shape)
    hidden = _secondary(
        values, small | forced, margin, total_column is not None, total_row is not None
    )
    secondary = hidden & ~small

    cells = np.where(small, marker, np.where(secondary, secondary_marker, ""))
    display = _display(data, value_columns, values, cells, formatter, total_row, label_column)
    return SuppressionResult(
        data=data,
        display=display,
        primary=pd.DataFrame(small, index=data.index, columns=value_columns),
        secondary=pd.DataFrame(secondary, index=data.index, columns=value_columns),
        marker=marker,
        secondary_marker=secondary_marker,
        threshold=threshold,
        row_total=total_column,
        column_total=total_row,
    )


def _forced(force_hidden: Any, n_rows: int, n_cols: int, shape: tuple[int, int]) -> np.ndarray:
    """``force_hidden`` as a mask over the value cells and totals (``shape``).

    >>> _forced([True, False], 2, 2, (3, 3)).astype(int).tolist()
    [[1, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    mask = np.zeros(shape, dtype=bool)
    if force_hidden is None:
        return mask
    f = np.asarray(force_hidden, dtype=bool)
    if f.shape == shape:
        return f.copy()
    if f.ndim == 1:
        f = np.repeat(f[:, None], n_cols, axis=1)
    if f.shape != (n_rows, n_cols):
        raise ValueError(f"force_hidden has shape {f.shape}, expected {(n_rows, n_cols)}")
    mask[:n_rows, :n_cols] = f
    return mask


def _with_totals(
    df: pd.DataFrame,
    count_columns: list[str],
    total_column: str | None,
    total_row: str | None,
    label_column: str | None,
) -> tuple[pd.DataFrame, list[str]]:
    """``df`` with numeric counts and the total column and row added; and the value columns."""
    data = df.copy()
    for col in count_columns:
        data[col] = pd.to_numeric(data[col])
    value_columns = list(count_columns)
    if total_column is not None:
        data[total_column] = data[count_columns].sum(axis=1, min_count=1)
        value_columns.append(total_column)
    if total_row is not None:
        totals = data[value_columns].sum(axis=0, min_count=1)
        extra: dict[str, Any] = {c: None for c in data.columns if c not in value_columns}
        if label_column is not None:
            extra[label_column] = total_row
        extra.update(totals.to_dict())
        # the total row continues a plain 0..n-1 index when its label has a column of its own
        plain = isinstance(data.index, pd.RangeIndex) and label_column is not None
        total_frame = pd.DataFrame([extra], columns=data.columns)
        total_frame.index = pd.Index([len(data) if plain else total_row])
        data = pd.concat([data, total_frame])
    return data, value_columns


def _display(
    data: pd.DataFrame,
    value_columns: list[str],
    values: np.ndarray,
    markers: np.ndarray,
    formatter: Callable[[Any], str],
    total_row: str | None,
    label_column: str | None,
) -> pd.DataFrame:
    """The published text table: a marker where one is set, else the formatted value."""
    display = pd.DataFrame(index=data.index, columns=data.columns, dtype=object)
    for col in data.columns:
        if col not in value_columns:
            display[col] = pd.Series([text(v) for v in data[col].tolist()], index=data.index)
    for j, col in enumerate(value_columns):
        cells = [
            str(m) if m else formatter(v) for m, v in zip(markers[:, j], values[:, j], strict=True)
        ]
        display[col] = pd.Series(cells, index=data.index, dtype=object)
    if total_row is not None:
        for col in data.columns:
            if col not in value_columns:
                display.iloc[-1, data.columns.get_loc(col)] = (
                    total_row if col == label_column else ""
                )
    return display


def _check_input(
    df: pd.DataFrame,
    count_columns: list[str],
    threshold: float,
    label_column: str | None,
    total_column: str | None,
) -> None:
    if not count_columns:
        raise ValueError("count_columns is empty")
    missing = [c for c in count_columns + [label_column] if c is not None and c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    if total_column is not None and total_column in df.columns:
        raise ValueError(f"the table already has a column {total_column!r}; totals are added here")
    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    for col in count_columns:
        try:
            values = pd.to_numeric(df[col])
        except (ValueError, TypeError) as err:
            raise ValueError(f"column {col!r} holds values that are not numbers") from err
        if (values < 0).any():
            raise ValueError(f"column {col!r} holds negative counts")


def _lines(n_rows: int, n_cols: int, rows: bool, cols: bool) -> list[list[tuple[int, int]]]:
    """The cells of each line that has a total: every row (with a total column), then every
    column (with a total row). The total cell is the last cell of its line."""
    out = []
    if rows:
        out += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    if cols:
        out += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return out


def _secondary(
    values: np.ndarray, small: np.ndarray, margin: np.ndarray, rows: bool, cols: bool
) -> np.ndarray:
    """Secondary suppression: the line rule, then a check that nothing is exactly recomputable.

    The line rule (no line with exactly one hidden cell) is not always enough: a hidden cell
    that links two otherwise separate groups of hidden cells can still be solved from the
    totals. Such a cell is found with :func:`_determined` and protected by hiding one more
    cell of its row or column, after which the line rule runs again.
    """
    lines = _lines(*values.shape, rows=rows, cols=cols)
    hidden = _line_rule(values, small, margin, lines)
    while True:
        exposed = _determined(hidden, lines)
        if not exposed:
            return hidden
        cell = exposed[0]
        options = [line for line in lines if cell in line]
        candidates = sorted(
            {c for line in options for c in line if not hidden[c] and not np.isnan(values[c])},
            key=lambda c: _preference(values, margin, c),
        )
        if not candidates:  # pragma: no cover - a determined cell always has a visible neighbour
            return hidden
        chosen = None
        for candidate in candidates:
            trial = hidden.copy()
            trial[candidate] = True
            trial = _line_rule(values, trial, margin, lines)
            if cell not in _determined(trial, lines):
                chosen = trial
                break
        if chosen is None:  # no single extra cell helps: hide the cheapest one and look again
            chosen = hidden.copy()
            chosen[candidates[0]] = True
            chosen = _line_rule(values, chosen, margin, lines)
        hidden = chosen


def _line_rule(
    values: np.ndarray, hidden: np.ndarray, margin: np.ndarray, lines: list[list[tuple[int, int]]]
) -> np.ndarray:
    """Grow the hidden mask until no line with a total has exactly one hidden cell."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[c] for c in line) != 1:
                continue
            visible = [c for c in line if not hidden[c] and not np.isnan(values[c])]
            if visible:
                hidden[min(visible, key=lambda c: _preference(values, margin, c))] = True
                changed = True
    return hidden


def _preference(values: np.ndarray, margin: np.ndarray, cell: tuple[int, int]) -> tuple:
    """Sort key for the next cell to hide: ordinary cells before totals, zeros last, then the
    smallest value, then table order."""
    value = values[cell]
    return (value == 0, bool(margin[cell]), value, cell)


def _determined(hidden: np.ndarray, lines: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Hidden cells whose value follows exactly from the visible cells and the totals.

    Every line is one linear equation (cells minus the line's total = 0); the visible cells are
    known, the hidden ones unknown. An unknown is determined exactly when every solution of the
    homogeneous system leaves it unchanged, that is, when it is zero in every null-space
    vector of the equations restricted to the hidden cells.
    """
    cells = [tuple(int(i) for i in c) for c in np.argwhere(hidden)]
    if not cells or not lines:
        return []
    column_of = {c: k for k, c in enumerate(cells)}
    matrix = np.zeros((len(lines), len(cells)))
    for r, line in enumerate(lines):
        for position, c in enumerate(line):
            if c in column_of:
                matrix[r, column_of[c]] = -1.0 if position == len(line) - 1 else 1.0
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    free = (np.abs(null) > 1e-9).any(axis=0) if len(null) else np.zeros(len(cells), dtype=bool)
    return [c for c, f in zip(cells, free, strict=True) if not f]


def disclosed_cells(result: SuppressionResult) -> list[tuple[Any, str]]:
    """Hidden cells that can be recomputed exactly from what is shown (should be empty).

    Checks every combination of shown totals and cells, not only single rows and columns; the
    result is a list of ``(row label, column)``. It does not look at ranges: knowing that a
    hidden count lies between 1 and 3 is not counted as disclosure here.
    """
    lines = _lines(
        *result.hidden.shape,
        rows=result.row_total is not None,
        cols=result.column_total is not None,
    )
    index, columns = result.hidden.index, result.hidden.columns
    return [(index[i], columns[j]) for i, j in _determined(result.hidden.to_numpy(), lines)]


def unprotected_lines(result: SuppressionResult) -> list[str]:
    """Rows and columns with a total in which exactly one cell is hidden (should be empty).

    Such a cell can be recomputed as the total minus the visible cells.
    """
    hidden = result.hidden.to_numpy()
    out = []
    if result.row_total is not None:
        out += [
            f"rij {label}"
            for label, n in zip(result.hidden.index, hidden.sum(1), strict=True)
            if n == 1
        ]
    if result.column_total is not None:
        out += [
            f"kolom {col}"
            for col, n in zip(result.hidden.columns, hidden.sum(0), strict=True)
            if n == 1
        ]
    return out


def mask_small_counts(
    frame: pd.DataFrame,
    count_column: str = "clients",
    related: tuple[str, ...] = ("cost_per_client",),
    threshold: int = 10,
    note_column: str = "clients_note",
) -> pd.DataFrame:
    """For long export tables: counts between 0 and ``threshold`` become empty, with a note.

    Columns in ``related`` (such as cost per client, from which the count would follow) are
    emptied on the same rows. Use :func:`suppress_small` for display tables with totals.

    >>> f = pd.DataFrame({"clients": [3.2, 12.0, 0.0], "cost_per_client": [9.0, 8.0, None]})
    >>> out = mask_small_counts(f)
    >>> out["clients"].tolist()[1:], out["clients_note"].tolist()
    ([12.0, 0.0], ['<10, niet getoond', '', ''])
    """
    out = frame.copy()
    small = out[count_column].gt(0) & out[count_column].lt(threshold)
    out.loc[small, count_column] = np.nan
    for col in related:
        if col in out.columns:
            out.loc[small, col] = np.nan
    out[note_column] = np.where(small, f"<{threshold}, niet getoond", "")
    return out


# --- protection against derivation -------------------------------------------------------------

HIDDEN_VALUE = "verborgen (kleine aantallen)"
"""What the appendix shows instead of a parameter that would give a hidden count back."""


@dataclass(frozen=True)
class Protection:
    """Which (municipality, segment) pairs are protected and what is then not published.

    ``small`` are the pairs with a published count below the threshold in some year;
    ``segments`` the segments whose counts are protected (those of ``small``, plus one
    complementary segment per domain, see :func:`protection`); ``complements`` the segments
    added for that reason; ``codes`` all municipalities. Every pair of a protected segment is
    protected in every municipality: its client counts (all years, also the expected count)
    and its cost per client are not published, and its prevalence is not published either
    (:meth:`hidden_parameters`).
    """

    small: frozenset[tuple[str, str]]
    segments: frozenset[str]
    complements: frozenset[str]
    codes: tuple[str, ...]

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every protected (municipality, segment) pair."""
        return frozenset((c, s) for c in self.codes for s in self.segments)

    def hides(self, code: str, segment: str) -> bool:
        """True when the counts and the cost per client of ``segment`` in ``code`` are hidden."""
        return segment in self.segments

    def hidden_rows(self, code: str, segments: Sequence[str]) -> np.ndarray:
        """One boolean per segment of ``segments`` (a table's rows): hide the whole row."""
        return np.array([self.hides(code, s) for s in segments], dtype=bool)

    def mask(
        self, code: str, segments: Sequence[str], n_columns: int, *, total_row: bool = True
    ) -> np.ndarray:
        """``force_hidden`` for :func:`suppress_small` on a table of ``segments`` (rows) x
        ``n_columns`` count columns of municipality ``code``, without a total column.

        The rows of protected segments are hidden whole. With ``total_row`` the table's total
        row is hidden as well where a column hides a row: the public observed use per domain
        and the other segments' counts (which follow from other municipalities' tables) would
        otherwise give the hidden row back as the total minus the rest.

        >>> p = Protection(frozenset(), frozenset({"x"}), frozenset(), ("A",))
        >>> p.mask("A", ["x", "y"], 2).astype(int).tolist()
        [[1, 1], [0, 0], [1, 1]]
        """
        rows = self.hidden_rows(code, segments)
        full = np.repeat(rows[:, None], n_columns, axis=1)
        if total_row:
            full = np.vstack([full, np.full((1, n_columns), bool(rows.any()))])
        return full

    def note(self, names: dict[str, str] | None = None) -> str:
        """A Dutch sentence for under a table: which segments are hidden everywhere and why.

        >>> p = Protection(frozenset({("A", "x")}), frozenset({"x", "y"}), frozenset({"y"}), ("A",))
        >>> print(p.note({"x": "HCV", "y": "Jeugdbescherming"}))  # doctest: +NORMALIZE_WHITESPACE
        Van HCV zijn de aantallen cliënten, de kosten per cliënt en de prevalentie in alle
        gemeenten van de regio niet getoond: in een of meer gemeenten zijn het er minder dan 10,
        en die aantallen zouden anders uit de prevalentie of de aantallen van andere gemeenten
        af te leiden zijn. Om dezelfde reden staan ook die van Jeugdbescherming er niet
        (anders volgt het aantal uit het waargenomen gebruik van CBS min de andere segmenten).
        >>> Protection(frozenset(), frozenset(), frozenset(), ("A",)).note()
        ''
        """
        if not self.segments:
            return ""
        names = names or {}

        def listed(segs) -> str:
            labels = sorted(names.get(s, s) for s in segs)
            return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]

        main = self.segments - self.complements
        out = (
            f"Van {listed(main)} zijn de aantallen cliënten, de kosten per cliënt en de "
            "prevalentie in alle gemeenten van de regio niet getoond: in een of meer gemeenten "
            f"zijn het er minder dan {number(DEFAULT_THRESHOLD)}, en die aantallen zouden anders "
            "uit de prevalentie of de aantallen van andere gemeenten af te leiden zijn."
        )
        if self.complements:
            out += (
                f" Om dezelfde reden staan ook die van {listed(self.complements)} er niet "
                "(anders volgt het aantal uit het waargenomen gebruik van CBS min de andere "
                "segmenten)."
            )
        return out

    def hidden_parameters(self) -> frozenset[str]:
        """The assumptions the appendix must not show (the prevalences of protected segments)."""
        return frozenset(f"prevalence.{s}" for s in self.segments)

    def hides_parameter(self, name: str) -> bool:
        """True when the appendix shows :data:`HIDDEN_VALUE` instead of the parameter's value."""
        return name in self.hidden_parameters()


def protection(counts: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> Protection:
    """Decide which segments' counts are protected against derivation, for a whole region.

    ``counts``: one row per municipality x segment x year (the baseline years and the expected
    years of the start budget alike) with ``gemeentecode``, ``segment``, ``domain``,
    ``procured`` and ``clients`` (the estimate, unrounded). A procured count is published and
    so small when ``0 < round(clients) < threshold``.

    The estimated counts are not independent numbers: each is the domain's observed use (CBS,
    public) split over the domain's segments in proportion to prevalence x population. So a
    small count follows from (a) its prevalence x population, (b) another segment's count x
    the ratio of the prevalences, (c) the same ratio shown in *another* municipality, and
    (d) the domain's observed use minus the other segments. Hence the rule:

    - a segment with a small count in any municipality is protected in *every* municipality
      of the region (against c), with its prevalence (a, b) and its cost per client (spend /
      cost per client);
    - each domain with exactly one protected segment gets a second one (against d): the one
      with the smallest mean count among the domain's other segments with clients,
      preferring a segment that is not procured (its count is never published, so only its
      prevalence goes).

    >>> c = pd.DataFrame({"gemeentecode": ["A", "A", "A", "B", "B", "B"],
    ...     "segment": ["x", "y", "z"] * 2, "domain": ["jeugd"] * 6,
    ...     "procured": [True, True, True] * 2, "clients": [7.2, 40.0, 300.0, 12.0, 50.0, 400.0],
    ...     "year": [2024] * 6})
    >>> p = protection(c)
    >>> sorted(p.small), sorted(p.segments), sorted(p.complements)
    ([('A', 'x')], ['x', 'y'], ['y'])
    >>> p.hides("B", "x"), p.hides("B", "z"), sorted(p.hidden_parameters())
    (True, False, ['prevalence.x', 'prevalence.y'])
    """
    c = counts[counts["clients"].notna()]
    n = np.round(c["clients"].to_numpy(dtype=float))
    small_rows = c[c["procured"].to_numpy(dtype=bool) & (n > 0) & (n < threshold)]
    small = frozenset(zip(small_rows["gemeentecode"], small_rows["segment"], strict=True))
    protected = set(small_rows["segment"])
    complements: set[str] = set()
    size = c.groupby("segment")["clients"].mean()  # the typical count, over all rows
    procured = c.groupby("segment")["procured"].any()
    for _, group in c.groupby("domain", sort=True):
        segs = list(dict.fromkeys(group["segment"]))
        inside = [s for s in segs if s in protected]
        others = [s for s in segs if s not in protected and size.get(s, 0.0) > 0]
        if len(inside) == 1 and others:
            best = min(others, key=lambda s: (bool(procured.get(s, True)), size.get(s, 0.0), s))
            complements.add(best)
    return Protection(
        small=small,
        segments=frozenset(protected | complements),
        complements=frozenset(complements),
        codes=tuple(dict.fromkeys(c["gemeentecode"])),
    )


def region_protection(obj, threshold: float = DEFAULT_THRESHOLD) -> Protection:
    """:func:`protection` for a region's analysis (or a municipality's view of it).

    The counts are every baseline year of every municipality and the expected clients of every
    contract year of the start budget: all client counts a report or workbook can show.
    """
    a = getattr(obj, "analysis", obj)
    b = a.baseline_current
    cols = ["gemeentecode", "segment", "domain", "procured", "year", "clients"]
    t = a.start_budget.table
    domain = dict(zip(b["segment"], b["domain"], strict=False))
    procured = {s.id for s in a.region.procured_segments()}
    expected = pd.DataFrame(
        {
            "gemeentecode": t["gemeentecode"].to_numpy(),
            "segment": t["segment"].to_numpy(),
            "domain": t["segment"].map(domain).to_numpy(),
            "procured": t["segment"].isin(procured).to_numpy(),
            "year": t["year"].to_numpy(),
            "clients": t["clients"].to_numpy(dtype=float),
        }
    )
    base = b[cols].assign(procured=b["procured"].to_numpy(dtype=bool))
    return protection(pd.concat([base, expected], ignore_index=True), threshold)
