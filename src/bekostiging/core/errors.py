"""Clear errors for bad input.

Every problem with an input file is a :class:`Problem` that names the file and, where it
applies, the sheet, row and column, what was found and what was expected. Loaders collect all
problems of a file before raising one :class:`InputError`, so a user fixes everything in one go.

Row numbers are the ones a user sees: for a CSV, the line number in the file (the header is
line 1); for a workbook, the Excel row number.

>>> p = Problem("data/raw/x.csv", "negatieve waarde", row=7, column="population",
...             found=-3, expected=">= 0")
>>> print(p)
data/raw/x.csv, rij 7, kolom 'population': negatieve waarde (gevonden: -3; verwacht: >= 0)
>>> err = InputError([p])
>>> err.problems[0].row
7
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bekostiging.core.paths import PROJECT_ROOT

MAX_LISTED = 25


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    found: Any = None
    expected: str | None = None

    def location(self) -> str:
        parts = [str(self.file)]
        if self.sheet is not None:
            parts.append(f"blad '{self.sheet}'")
        if self.row is not None:
            parts.append(f"rij {self.row}")
        if self.column is not None:
            parts.append(f"kolom '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        details = []
        if self.found is not None:
            details.append(f"gevonden: {_short(self.found)}")
        if self.expected is not None:
            details.append(f"verwacht: {self.expected}")
        suffix = f" ({'; '.join(details)})" if details else ""
        return f"{self.location()}: {self.message}{suffix}"


class InputError(ValueError):
    """One or more problems with input files; ``str()`` lists them all (up to 25)."""

    def __init__(self, problems: Iterable[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        head = "1 probleem" if n == 1 else f"{n} problemen"
        lines = [f"{head} in de invoer:"]
        lines += [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... en nog {n - MAX_LISTED}")
        return "\n".join(lines)


class ParameterError(InputError):
    """A notebook or command-line parameter that is not valid (a typo, an unknown code)."""


def display_path(path: str | Path) -> str:
    """A path relative to the project root when it lies inside it, else as given.

    >>> from bekostiging.core.paths import RAW_DIR
    >>> display_path(RAW_DIR / "regions.csv")
    'data/raw/regions.csv'
    """
    p = Path(path)
    try:
        return p.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def close_matches(word: str, options: Iterable[str], n: int = 1) -> list[str]:
    """The options closest to a mistyped ``word`` (difflib, cutoff 0.6), best first.

    The one "did you mean" helper of the package: every loader that meets an unknown name
    uses it, so suggestions are made the same way everywhere.

    >>> close_matches("dyslexi", ["dyslexie", "iaj", "hcv"])
    ['dyslexie']
    >>> close_matches("xyz", ["dyslexie", "iaj"])
    []
    """
    return difflib.get_close_matches(word, [str(o) for o in options], n=n, cutoff=0.6)
