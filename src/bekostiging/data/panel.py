"""The national Iv3 panel of the social domain on today's municipal boundaries.

One row per current municipality code (the 342 codes of 2023 and later), year, report
(``actuals`` = jaarrekening, ``budget`` = primary begroting) and scope, with the spending in
euros (the raw Iv3 file is in thousands). Scopes (see :data:`SCOPE_FIELDS`):

* ``youth``: 6.72, 6.73, 6.74 and 6.82 (the 2023 split of 6.72 into 6.72/6.73/6.74 stays inside
  the scope, so the series is continuous); from 2025 6.75, 6.76, 6.82 and the youth share of the
  personal budgets on 6.79;
* ``wmo``: 6.71, 6.6 and 6.81; from 2025 6.71, 6.60, 6.81 and the Wmo share of 6.79;
* ``access``: 6.2 (wijkteams); from 2025 6.21, 6.22 and 6.23;
* ``total``: the sum of the three.

The 6.79 split (0.55 youth, 0.45 Wmo) is the project's estimate from
``data/assumptions/conversion/achterhoek.csv``. 6.91/6.92 (coordination and policy, 2025+) have
no counterpart before 2025 and are left out, as in the project's conversion.

Mergers: predecessors are aggregated onto today's code with the named assumption table
``data/assumptions/municipal_mergers.csv`` (a municipality split over several successors goes
to each with an estimated population share). A successor's figure for a year is only kept when
every predecessor that existed on 1 January of that year filed that report; otherwise the cell
is left out (see :func:`incomplete_cells`), never filled with a partial sum.

>>> panel = build_panel()
>>> panel["gemeentecode"].nunique()
342
>>> sorted(panel["scope"].unique())
['access', 'total', 'wmo', 'youth']
>>> aalten = panel.query("gemeentecode == 'GM0197' and year == 2024 and report == 'actuals'")
>>> round(float(aalten.set_index("scope")["spending"]["youth"]) / 1e6, 3)  # 6.72-6.74 + 6.82
9.41
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR, RAW_DIR
from bekostiging.core.tables import Column, TableSpec, read_table, validate_frame
from bekostiging.data.rawdata import GM_CODE, load_iv3

MERGERS_FILE = ASSUMPTIONS_DIR / "municipal_mergers.csv"
MEMBERSHIP_FILE = RAW_DIR / "cbs_jeugdzorgregio_membership_2022_2023.csv"
REGIONS_FILE = RAW_DIR / "cbs_jeugdzorgregios_2022_2023.csv"

REPORTS = {"jaarrekening": "actuals", "begroting": "budget"}
SCOPES = ("youth", "wmo", "access", "total")
# 6.79 (personal budgets, 2025+): estimate, as in data/assumptions/conversion/achterhoek.csv
PGB_YOUTH_SHARE, PGB_WMO_SHARE = 0.55, 0.45

# taakveld -> list of (scope, share); one mapping before and one from the 2025 code scheme.
SCOPE_FIELDS: dict[str, dict[str, list[tuple[str, float]]]] = {
    "2017-2024": {
        "6.72": [("youth", 1.0)],
        "6.73": [("youth", 1.0)],
        "6.74": [("youth", 1.0)],
        "6.82": [("youth", 1.0)],
        "6.71": [("wmo", 1.0)],
        "6.6": [("wmo", 1.0)],
        "6.81": [("wmo", 1.0)],
        "6.2": [("access", 1.0)],
    },
    "2025-": {
        "6.75": [("youth", 1.0)],
        "6.76": [("youth", 1.0)],
        "6.82": [("youth", 1.0)],
        "6.79": [("youth", PGB_YOUTH_SHARE), ("wmo", PGB_WMO_SHARE)],
        "6.71": [("wmo", 1.0)],
        "6.60": [("wmo", 1.0)],
        "6.81": [("wmo", 1.0)],
        "6.21": [("access", 1.0)],
        "6.22": [("access", 1.0)],
        "6.23": [("access", 1.0)],
    },
}
NEW_SCHEME_YEAR = 2025

MERGERS = TableSpec(
    "municipal mergers",
    [
        Column("predecessor_code", "str", pattern=GM_CODE),
        Column("predecessor_name", "str"),
        Column("successor_code", "str", pattern=GM_CODE),
        Column("successor_name", "str"),
        Column("year_from", "int", min=2000, max=2040),
        Column("share", "float", min=0, max=1),
        Column("source", "str"),
        Column("note", "str", nullable=True),
    ],
    key=["predecessor_code", "successor_code"],
)

MEMBERSHIP = TableSpec(
    "jeugdzorgregio membership",
    [
        Column("year", "int", min=2022, max=2023),
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("jeugdzorgregio_code", "str", pattern=r"^JZ\d{2}$"),
        Column("jeugdzorgregio_naam", "str"),
        Column("qa_area_share_in_region", "float", min=0, max=1),
        Column("qa_second_region", "str", nullable=True),
        Column("qa_second_share", "float", nullable=True, min=0, max=1),
    ],
    key=["year", "gemeentecode"],
)

JZ_REGIONS = TableSpec(
    "jeugdzorgregios",
    [
        Column("year", "int", min=2022, max=2023),
        Column("jeugdzorgregio_code", "str", pattern=r"^JZ\d{2}$"),
        Column("jeugdzorgregio_naam", "str"),
        Column("n_gemeenten", "int", min=1),
    ],
    key=["year", "jeugdzorgregio_code"],
)

PANEL = TableSpec(
    "Iv3 panel on today's boundaries",
    [
        Column("gemeentecode", "str", pattern=GM_CODE),
        Column("gemeente", "str"),
        Column("year", "int", min=2010, max=2040),
        Column("report", "str", allowed=tuple(REPORTS.values())),
        Column("scope", "str", allowed=SCOPES),
        Column("spending", "float"),
    ],
    key=["gemeentecode", "year", "report", "scope"],
)


def scope_map() -> pd.DataFrame:
    """The taakveld-to-scope table: ``scheme, taakveld, scope, share`` (``total`` is derived).

    >>> m = scope_map()
    >>> m.query("taakveld == '6.79'")[["scope", "share"]].values.tolist()
    [['youth', 0.55], ['wmo', 0.45]]
    >>> sorted(m.query("scheme == '2017-2024' and scope == 'youth'")["taakveld"])
    ['6.72', '6.73', '6.74', '6.82']
    """
    rows = [
        (scheme, field, scope, share)
        for scheme, fields in SCOPE_FIELDS.items()
        for field, parts in fields.items()
        for scope, share in parts
    ]
    return pd.DataFrame(rows, columns=["scheme", "taakveld", "scope", "share"])


def load_mergers(path: str | Path | None = None) -> pd.DataFrame:
    """The merger table, validated: each predecessor's shares add up to 1.

    >>> m = load_mergers()
    >>> m.query("predecessor_code == 'GM0788'")["share"].sum().round(6)
    np.float64(1.0)
    """
    p = Path(path) if path is not None else MERGERS_FILE
    frame = read_table(p, MERGERS)
    sums = frame.groupby("predecessor_code")["share"].sum()
    bad = sums[(sums - 1.0).abs() > 1e-9]
    problems = [
        Problem(
            display_path(p),
            f"de aandelen van {code} tellen niet op tot 1",
            found=round(s, 6),
            expected="1",
        )
        for code, s in bad.items()
    ]
    successors = set(frame["successor_code"])
    chained = sorted(successors & set(frame["predecessor_code"]))
    problems += [
        Problem(
            display_path(p),
            f"{c} is zowel opvolger als voorganger (schrijf de uiteindelijke code)",
        )
        for c in chained
    ]
    if problems:
        raise InputError(problems)
    return frame


def load_jeugdzorgregio_membership(
    year: int = 2023, path: str | Path | None = None
) -> pd.DataFrame:
    """Each municipality's jeugdzorgregio in ``year`` (2023 holds today's 342 codes).

    >>> m = load_jeugdzorgregio_membership()
    >>> len(m), m["jeugdzorgregio_code"].nunique()
    (342, 42)
    >>> sorted(m.query("jeugdzorgregio_code == 'JZ25'")["gemeentecode"])[:3]
    ['GM0197', 'GM0222', 'GM0294']
    """
    frame = read_table(Path(path) if path is not None else MEMBERSHIP_FILE, MEMBERSHIP)
    cols = ["gemeentecode", "gemeente", "jeugdzorgregio_code", "jeugdzorgregio_naam"]
    return frame.loc[frame["year"] == year, cols].reset_index(drop=True)


def jeugdzorgregio_of(year: int = 2023) -> dict[str, str]:
    """Municipality code -> jeugdzorgregio code in ``year``.

    >>> jeugdzorgregio_of()["GM0197"]
    'JZ25'
    """
    m = load_jeugdzorgregio_membership(year)
    return dict(zip(m["gemeentecode"], m["jeugdzorgregio_code"], strict=True))


def load_jeugdzorgregios(year: int = 2023, path: str | Path | None = None) -> pd.DataFrame:
    """The 42 jeugdzorgregios of ``year`` (code, name, number of municipalities).

    >>> r = load_jeugdzorgregios()
    >>> len(r), int(r["n_gemeenten"].sum())
    (42, 342)
    """
    frame = read_table(Path(path) if path is not None else REGIONS_FILE, JZ_REGIONS)
    return frame.loc[frame["year"] == year].drop(columns="year").reset_index(drop=True)


def scope_spending(iv3: pd.DataFrame) -> pd.DataFrame:
    """Spending in euros per original code, year, report and scope (``total`` included).

    Every municipality-report present in ``iv3`` gets all four scopes (a scope without any
    booked code is 0, as the 2025+ data leave unused codes out).

    >>> iv3 = pd.DataFrame({"gemeentecode": "GM0001", "year": [2024, 2024, 2025],
    ...     "report": "begroting", "taakveld": ["6.72", "6.2", "6.79"],
    ...     "spending_keur": [10.0, 2.0, 4.0]})
    >>> out = scope_spending(iv3)
    >>> out.query("year == 2025").set_index("scope")["spending"].to_dict()
    {'access': 0.0, 'total': 4000.0, 'wmo': 1800.0, 'youth': 2200.0}
    """
    smap = scope_map()
    scheme = np.where(iv3["year"] >= NEW_SCHEME_YEAR, "2025-", "2017-2024")
    rows = iv3.assign(scheme=scheme).merge(smap, on=["scheme", "taakveld"], how="inner")
    rows["spending"] = rows["spending_keur"] * 1000.0 * rows["share"]
    keys = ["gemeentecode", "year", "report"]
    wide = rows.pivot_table(index=keys, columns="scope", values="spending", aggfunc="sum")
    present = iv3[keys].drop_duplicates().set_index(keys).index
    wide = wide.reindex(index=present, columns=list(SCOPES[:3])).fillna(0.0)
    wide["total"] = wide[list(SCOPES[:3])].sum(axis=1)
    out = wide.stack().rename("spending").reset_index()
    out["report"] = out["report"].map(REPORTS).fillna(out["report"])
    return out.sort_values([*keys, "scope"]).reset_index(drop=True)


def code_map(mergers: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """Original code -> today's code with the share of the original that goes there.

    Codes that are not a predecessor in ``mergers`` map onto themselves with share 1.

    >>> m = pd.DataFrame({"predecessor_code": ["GM0002", "GM0003", "GM0003"],
    ...     "successor_code": ["GM0001", "GM0001", "GM0009"], "share": [1.0, 0.4, 0.6]})
    >>> code_map(m, pd.Series(["GM0001", "GM0002", "GM0003"])).values.tolist()
    [['GM0001', 'GM0001', 1.0], ['GM0002', 'GM0001', 1.0], ['GM0003', 'GM0001', 0.4], \
['GM0003', 'GM0009', 0.6]]
    """
    merged = mergers.rename(
        columns={"predecessor_code": "original", "successor_code": "gemeentecode"}
    )[["original", "gemeentecode", "share"]]
    rest = sorted(set(codes) - set(merged["original"]))
    own = pd.DataFrame({"original": rest, "gemeentecode": rest, "share": 1.0})
    out = pd.concat([own, merged], ignore_index=True)
    return out.sort_values(["original", "gemeentecode"]).reset_index(drop=True)


def incomplete_cells(iv3: pd.DataFrame, cmap: pd.DataFrame) -> pd.DataFrame:
    """Today's code x year x report where an original code that existed that year did not file.

    An original code "exists" in a year when it has any Iv3 row (either report) that year.

    >>> iv3 = pd.DataFrame({"gemeentecode": ["GM0001", "GM0002", "GM0002"],
    ...     "year": 2020, "report": ["begroting", "begroting", "jaarrekening"]})
    >>> cmap = pd.DataFrame({"original": ["GM0001", "GM0002"], "gemeentecode": "GM0001",
    ...     "share": [1.0, 1.0]})
    >>> incomplete_cells(iv3, cmap).values.tolist()
    [['GM0001', 2020, 'actuals']]
    """
    exists = iv3[["gemeentecode", "year"]].drop_duplicates()
    filed = iv3[["gemeentecode", "year", "report"]].drop_duplicates().assign(filed=True)
    need = exists.rename(columns={"gemeentecode": "original"}).merge(cmap, on="original")
    published = iv3[["year", "report"]].drop_duplicates()  # no 2025 actuals: nothing missing
    need = need.merge(published, on="year")
    need = need.merge(
        filed.rename(columns={"gemeentecode": "original"}),
        on=["original", "year", "report"],
        how="left",
    )
    missing = need.loc[need["filed"].isna(), ["gemeentecode", "year", "report"]]
    missing = missing.drop_duplicates().assign(report=lambda d: d["report"].map(REPORTS))
    return missing.sort_values(["gemeentecode", "year", "report"]).reset_index(drop=True)


def build_panel(
    iv3: pd.DataFrame | None = None, mergers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The Iv3 panel per today's code, year, report and scope (euros), validated.

    Cells listed by :func:`incomplete_cells` are left out. Names are each code's latest Iv3
    name.
    """
    iv3 = load_iv3() if iv3 is None else iv3
    mergers = load_mergers() if mergers is None else mergers
    cmap = code_map(mergers, iv3["gemeentecode"])
    spend = scope_spending(iv3).rename(columns={"gemeentecode": "original"})
    spend = spend.merge(cmap, on="original")
    spend["spending"] = spend["spending"] * spend["share"]
    keys = ["gemeentecode", "year", "report", "scope"]
    panel = spend.groupby(keys, as_index=False)["spending"].sum()
    gaps = incomplete_cells(iv3, cmap).assign(gap=True)
    panel = panel.merge(gaps, on=["gemeentecode", "year", "report"], how="left")
    panel = panel.loc[panel["gap"].isna()].drop(columns="gap")
    names = iv3.sort_values("year").groupby("gemeentecode")["gemeente"].last()
    panel.insert(1, "gemeente", panel["gemeentecode"].map(names))
    panel = panel.loc[panel["gemeentecode"].isin(cmap["gemeentecode"])]
    panel = panel.sort_values(keys).reset_index(drop=True)
    problems = validate_frame(panel, PANEL, "Iv3-panel")
    if problems:
        raise InputError(problems)
    return panel


def inhabitants_panel(
    iv3: pd.DataFrame | None = None, mergers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Inhabitants per today's code, year and report, from the Iv3 rows (summed over mergers).

    Iv3 gives each municipality's inhabitants with every report (the number on 1 January of
    the year), so the primary budget for Y+1, published in November of Y, already holds the
    inhabitants of Y+1. Cells with a predecessor that did not file are left out, as in
    :func:`build_panel`.

    >>> inh = inhabitants_panel()
    >>> int(inh.query("gemeentecode == 'GM0197' and year == 2025 and report == 'budget'")
    ...     ["inhabitants"].item())
    27466
    """
    iv3 = load_iv3() if iv3 is None else iv3
    mergers = load_mergers() if mergers is None else mergers
    cmap = code_map(mergers, iv3["gemeentecode"])
    rows = iv3.groupby(["gemeentecode", "year", "report"], as_index=False)["inhabitants"].first()
    rows = rows.rename(columns={"gemeentecode": "original"}).merge(cmap, on="original")
    rows["inhabitants"] = rows["inhabitants"].astype(float) * rows["share"]
    rows["report"] = rows["report"].map(REPORTS)
    keys = ["gemeentecode", "year", "report"]
    out = rows.groupby(keys, as_index=False)["inhabitants"].sum()
    gaps = incomplete_cells(iv3, cmap).assign(gap=True)
    out = out.merge(gaps, on=keys, how="left")
    return out.loc[out["gap"].isna()].drop(columns="gap").reset_index(drop=True)
