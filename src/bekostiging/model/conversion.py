"""Convert Iv3 task fields (taakvelden) to the region's segments (start-budget steps 1-2).

Three steps, each documented in the region file and flagged in the output:

1. :func:`apply_booking_corrections` moves spending that a municipality booked on another task
   field than its peers (Berkelland books Wmo support on 6.6 instead of 6.71): the part above
   the region's median per inhabitant of that year is moved.
2. :func:`split_youth_pre2023`: until 2022 all youth care was one field, 6.72. From 2023 Iv3
   splits it into 6.72 (ambulant), 6.73 (with residence) and 6.74 (crisis, LTA, secure). Years
   before 2023 are split with each municipality's own 2023-2024 split, so that one conversion
   table serves 2017-2024. The total of the municipality-year stays exactly the same.
3. :func:`convert_to_segments` applies the conversion table (``data/assumptions/conversion/``):
   per year range and task field, the shares that go to each segment (they add up to 1).

Amounts leave this module in euros (Iv3 gives thousands of euros).
"""

from __future__ import annotations

import re

import pandas as pd

from bekostiging.config.conversion import FIRST_SPLIT_YEAR, YOUTH_FIELDS, read_conversion
from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.data.quality import region_rows, taakveld_scheme
from bekostiging.data.rawdata import load_iv3

EUR_PER_KEUR = 1000.0
SEGMENT_ROW_COLUMNS = [
    "gemeentecode",
    "year",
    "report",
    "taakveld",
    "segment",
    "share",
    "spend",
    "estimated",
    "method",
]


def load_conversion(
    region: Region, path=None, taakvelden: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read and check the region's conversion table (:func:`config.conversion.read_conversion`).

    Task fields are checked against the Iv3 scheme of every year of their range.

    >>> from bekostiging.config.region import load_region
    >>> conv = load_conversion(load_region("achterhoek"))
    >>> conv.query("taakveld == '6.82'")[["year_from", "year_to", "segment", "share"]].values.tolist()
    [[2017, 2024, 'jeugdbescherming', 1.0], [2025, 2026, 'jeugdbescherming', 1.0]]
    """
    return read_conversion(region, path, scheme=taakveld_scheme(region, taakvelden))


def region_iv3(region: Region, report: str, iv3: pd.DataFrame | None = None) -> pd.DataFrame:
    """Iv3 rows of the region's municipalities (each in the years it existed), in euros.

    Columns: ``gemeentecode, year, report, taakveld, spend, inhabitants, estimated, method``.
    """
    iv3 = load_iv3() if iv3 is None else iv3
    rows = region_rows(region, iv3, report)
    out = rows[["gemeentecode", "year", "report", "taakveld", "spending_keur", "inhabitants"]]
    out = out.rename(columns={"spending_keur": "spend"})
    out["spend"] = out["spend"] * EUR_PER_KEUR
    out["estimated"] = False
    out["method"] = "Iv3"
    return out.reset_index(drop=True)


def apply_booking_corrections(
    rows: pd.DataFrame, region: Region
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move spending above the region median per inhabitant from one task field to another.

    Returns the corrected rows and a log (municipality, year, from, to, moved amount in EUR).

    >>> rows = pd.DataFrame({
    ...     "gemeentecode": ["A", "B", "C", "A", "B", "C"], "year": [2020] * 6,
    ...     "report": ["jaarrekening"] * 6, "taakveld": ["6.6"] * 3 + ["6.71"] * 3,
    ...     "spend": [300.0, 30.0, 40.0, 20.0, 300.0, 280.0], "inhabitants": [10] * 6,
    ...     "estimated": [False] * 6, "method": ["Iv3"] * 6})
    >>> class R: booking_corrections = [type("C", (), {"source_field": "6.6",
    ...     "target_field": "6.71", "municipalities": ("A",), "years": (2020, 2020)})()]
    >>> fixed, log = apply_booking_corrections(rows, R)
    >>> log["moved"].tolist()   # median 6.6 per inhabitant is 4, so 300 - 4 x 10 = 260 moves
    [260.0]
    >>> fixed.query("gemeentecode == 'A'")["spend"].tolist()
    [40.0, 280.0]
    """
    rows = rows.copy()
    log = []
    for c in region.booking_corrections:
        for year in range(c.years[0], c.years[1] + 1):
            in_year = rows["year"] == year
            src = rows[in_year & (rows["taakveld"] == c.source_field)]
            if src.empty:
                continue
            per_inh = src["spend"] / src["inhabitants"]
            median = float(per_inh.median())
            for code in c.municipalities:
                s = src[src["gemeentecode"] == code]
                if s.empty:
                    continue
                i = s.index[0]
                moved = max(0.0, float(s.at[i, "spend"]) - median * float(s.at[i, "inhabitants"]))
                if moved <= 0:
                    continue
                t = rows.index[
                    in_year & (rows["gemeentecode"] == code) & (rows["taakveld"] == c.target_field)
                ]
                if len(t) == 0:
                    continue
                rows.at[i, "spend"] -= moved
                rows.at[t[0], "spend"] += moved
                for j in (i, t[0]):
                    rows.at[j, "estimated"] = True
                    rows.at[j, "method"] = (
                        f"booking correction {c.source_field} -> {c.target_field}"
                    )
                log.append(
                    {
                        "gemeentecode": code,
                        "year": year,
                        "from": c.source_field,
                        "to": c.target_field,
                        "moved": moved,
                        "median_per_inhabitant": median,
                    }
                )
    cols = ["gemeentecode", "year", "from", "to", "moved", "median_per_inhabitant"]
    return rows, pd.DataFrame(log, columns=cols)


def youth_split_shares(rows: pd.DataFrame, region: Region, params: Parameters) -> pd.DataFrame:
    """Each municipality's share of 6.72/6.73/6.74 in youth care, from the reference years.

    Uses the actuals of ``region.youth_split_years`` (2023-2024); a municipality without them
    (merged away before 2023) takes its successor's split; without either, the documented
    fallback shares of the region's parameters. Columns: ``6.72, 6.73, 6.74, basis``.
    """
    ref = rows[rows["year"].isin(region.youth_split_years) & rows["taakveld"].isin(YOUTH_FIELDS)]
    sums = ref.pivot_table(index="gemeentecode", columns="taakveld", values="spend", aggfunc="sum")
    sums = sums.reindex(columns=list(YOUTH_FIELDS)).fillna(0.0)
    own = sums.div(sums.sum(axis=1), axis=0)
    fallback = pd.Series(
        {
            "6.73": float(params.value("youth_split_fallback.share_6_73")),
            "6.74": float(params.value("youth_split_fallback.share_6_74")),
        }
    )
    fallback["6.72"] = 1.0 - fallback.sum()
    years = (
        "-".join(str(y) for y in (min(region.youth_split_years), max(region.youth_split_years)))
        if region.youth_split_years
        else "none"
    )
    out = {}
    for m in region.municipalities:
        if m.code in own.index and sums.loc[m.code].sum() > 0:
            out[m.code] = (*own.loc[m.code, list(YOUTH_FIELDS)], f"own split {years}")
        elif m.merged_into and m.merged_into in own.index:
            succ = region.current_code(m.code)
            out[m.code] = (*own.loc[succ, list(YOUTH_FIELDS)], f"split {years} of successor {succ}")
        else:
            out[m.code] = (*fallback[list(YOUTH_FIELDS)], "fallback shares (estimate)")
    return pd.DataFrame.from_dict(out, orient="index", columns=[*YOUTH_FIELDS, "basis"])


def split_youth_pre2023(rows: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Split 6.72 of years before 2023 into 6.72/6.73/6.74 with the given shares.

    ``shares`` comes from :func:`youth_split_shares`. The three parts add up to the original
    6.72 exactly; they are flagged as estimated, with the basis of the split in ``method``.

    >>> rows = pd.DataFrame({"gemeentecode": ["A"], "year": [2020], "report": ["jaarrekening"],
    ...     "taakveld": ["6.72"], "spend": [1000.0], "inhabitants": [1], "estimated": [False],
    ...     "method": ["Iv3"]})
    >>> shares = pd.DataFrame({"6.72": [0.5], "6.73": [0.3], "6.74": [0.2],
    ...                        "basis": ["own split 2023-2024"]}, index=["A"])
    >>> split_youth_pre2023(rows, shares)[["taakveld", "spend"]].values.tolist()
    [['6.72', 500.0], ['6.73', 300.0], ['6.74', 200.0]]
    """
    early = (rows["year"] < FIRST_SPLIT_YEAR) & (rows["taakveld"] == "6.72")
    parts = [rows[~early]]
    for field in YOUTH_FIELDS:
        part = rows[early].copy()
        part["spend"] = part["spend"] * part["gemeentecode"].map(shares[field]).astype(float)
        part["taakveld"] = field
        part["estimated"] = True
        part["method"] = "6.72 split: " + part["gemeentecode"].map(shares["basis"])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _applicable(conv: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    in_range = conv[(conv["year_from"] <= year) & (conv["year_to"] >= year)]
    specific = in_range[in_range["gemeentecode"] == code]
    general = in_range[in_range["gemeentecode"] == ""]
    # A municipality-specific rule replaces the general rule for that task field.
    return pd.concat([specific, general[~general["taakveld"].isin(specific["taakveld"])]])


def convert_to_segments(rows: pd.DataFrame, conversion: pd.DataFrame) -> pd.DataFrame:
    """Spread each task-field amount over segments with the conversion shares.

    Task fields without a conversion rule (6.1-6.5, wijkteams, policy) are left out: they are
    not care that is procured. Returns one row per municipality, year, task field and segment:
    ``gemeentecode, year, report, taakveld, segment, share, spend, estimated, method``.
    """
    out = []
    for (code, year), grp in rows.groupby(["gemeentecode", "year"], sort=True):
        rules = _applicable(conversion, int(year), code)
        merged = grp.merge(
            rules[["taakveld", "segment", "share", "estimated"]],
            on="taakveld",
            suffixes=("", "_rule"),
        )
        out.append(merged)
    if not out:
        return pd.DataFrame(columns=SEGMENT_ROW_COLUMNS)
    res = pd.concat(out, ignore_index=True)
    res["spend"] = res["spend"] * res["share"]
    res["estimated"] = res["estimated"] | (res["estimated_rule"] & (res["share"] < 1.0))
    return res[SEGMENT_ROW_COLUMNS]


def converted_fields(conversion: pd.DataFrame, year: int) -> list[str]:
    """Task fields that the conversion maps to segments in a year (the reconciliation base)."""
    c = conversion[(conversion["year_from"] <= year) & (conversion["year_to"] >= year)]
    return sorted(c["taakveld"].unique(), key=lambda t: [int(x) for x in re.findall(r"\d+", t)])
