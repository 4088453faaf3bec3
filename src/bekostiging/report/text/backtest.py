"""Dutch row names of the backtest table (:func:`bekostiging.model.backtest.run_backtest`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bekostiging.model.backtest import REGION_ROW


def row_name(code: str, region: Any) -> str:
    """The municipality's name, or 'Regio <name>' for the row of the region as a whole."""
    return "Regio " + region.name if code == REGION_ROW else region.name_of(code)


def backtest_with_names(table: pd.DataFrame, region: Any) -> pd.DataFrame:
    """The backtest table (or rows of it) with a ``gemeente`` column after ``gemeentecode``."""
    out = table.copy()
    out.insert(1, "gemeente", [row_name(c, region) for c in table["gemeentecode"]])
    return out
