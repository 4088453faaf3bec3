"""The provider landscape of a region (``data/assumptions/providers/<region>.csv``).

The landscape is not public; the shipped file is illustrative. :class:`ProviderTable` declares
the columns and the rules within the file; :func:`load_providers` checks it against the region
and expands it to one row per municipality, segment and provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from bekostiging.config.frames import Series, pa, read_model_table
from bekostiging.config.region import Region
from bekostiging.core.errors import InputError, Problem, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.core.tables import check_known

PROVIDERS_DIR = ASSUMPTIONS_DIR / "providers"
TOLERANCE = 1e-6  # for shares that must add up to 1 (files hold a few decimals)
LOCAL = "een lokale aanbieder moet zijn gemeente noemen"
TWICE = "aanbieder staat twee keer in de lijst voor dit segment en deze gemeente"
MIXED = "aanbieder is regionaal (lege gemeentecode) en staat in dit segment ook bij een gemeente"
COLUMNS = {LOCAL: "gemeentecode", TWICE: "provider", MIXED: "gemeentecode"}
EXPECTED = {
    LOCAL: "een gemeentecode zoals GM0197",
    MIXED: "één regionale rij of rijen per gemeente, niet beide",
}
OUTPUT_COLUMNS = [
    "gemeentecode",
    "segment",
    "provider",
    "share",
    "historical_share",
    "local",
    "regional",
    "source",
    "note",
]


class ProviderTable(pa.DataFrameModel):
    """The columns of a provider file and its rules within the file."""

    provider: Series[str]
    segment: Series[str]
    gemeentecode: Series[str] = pa.Field(nullable=True, str_matches=r"^GM\d{4}$")
    historical_share: Series[float] = pa.Field(ge=0, le=1)
    local: Series[str] = pa.Field(isin=["true", "false"])
    source: Series[str]
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error=LOCAL)
    def local_names_municipality(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["local"] == "true") & df["gemeentecode"].isna())

    @pa.dataframe_check(error=TWICE)
    def once(cls, df: pd.DataFrame) -> pd.Series:
        keyed = df.assign(_k=df["gemeentecode"].fillna(""))
        return ~keyed.duplicated(["provider", "segment", "_k"], keep="first")

    @pa.dataframe_check(error=MIXED)
    def regional_or_specific(cls, df: pd.DataFrame) -> pd.Series:
        blank = df["gemeentecode"].isna()
        regional = set(zip(df.loc[blank, "provider"], df.loc[blank, "segment"]))
        pairs = pd.Series(list(zip(df["provider"], df["segment"])), index=df.index)
        return blank | ~pairs.isin(regional)


def providers_file(region: Region) -> Path:
    """The default provider file of a region: ``data/assumptions/providers/<id>.csv``."""
    return PROVIDERS_DIR / f"{region.id}.csv"


def _segment_problems(frame: pd.DataFrame, region: Region, shown: str) -> Iterator[Problem]:
    procured = {s.id for s in region.procured_segments()}
    known = {s.id for s in region.segments}
    expected = "een van: " + ", ".join(sorted(procured))
    for idx, seg in frame["segment"].items():
        if seg not in procured:
            message = (
                "onbekend segment"
                if seg not in known
                else "segment wordt in deze regio niet ingekocht"
            )
            yield Problem(
                shown, message, row=int(idx) + 2, column="segment", found=seg, expected=expected
            )


def _share_problems(frame: pd.DataFrame, shown: str) -> Iterator[Problem]:
    regional = frame[frame["gemeentecode"].isna()]
    specific = frame[frame["gemeentecode"].notna()]
    pool_total = regional.groupby("segment")["historical_share"].sum()
    for seg, total in pool_total.items():
        if abs(total - 1.0) > TOLERANCE:
            yield Problem(
                shown,
                f"de aandelen van de regionale aanbieders (lege gemeentecode) in segment {seg} "
                "moeten samen 1 zijn",
                row=int(regional.index[regional["segment"] == seg][0]) + 2,
                column="historical_share",
                found=round(float(total), 9),
                expected="1 (aandelen binnen de regionale pool)",
            )
    for (code, seg), rows in specific.groupby(["gemeentecode", "segment"]):
        total, first = rows["historical_share"].sum(), int(rows.index[0]) + 2
        if seg in pool_total.index and total >= 1.0 - TOLERANCE:
            message = (
                f"de aanbieders van {code} in segment {seg} nemen het hele segment; er blijft "
                "niets over voor de regionale aanbieders"
            )
            expected = "samen minder dan 1"
        elif seg not in pool_total.index and abs(total - 1.0) > TOLERANCE:
            message = (
                f"segment {seg} heeft geen regionale aanbieders, dus de aandelen van de "
                f"aanbieders van {code} moeten samen 1 zijn"
            )
            expected = "1"
        else:
            continue
        yield Problem(
            shown,
            message,
            row=first,
            column="historical_share",
            found=round(float(total), 9),
            expected=expected,
        )


def _expand(frame: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """One row per municipality, segment and provider; the pool shares what is left."""
    regional = frame[frame["gemeentecode"].isna()]
    specific = frame[frame["gemeentecode"].notna()]
    out = []
    for code in codes:
        for seg in dict.fromkeys(frame["segment"]):
            own = specific[(specific.gemeentecode == code) & (specific.segment == seg)]
            rest = 1.0 - float(own["historical_share"].sum())
            for r in own.itertuples():
                share = r.historical_share
                out.append((code, seg, r.provider, share, share, r.local, False, r.source, r.note))
            for r in regional[regional.segment == seg].itertuples():
                share = r.historical_share
                out.append(
                    (code, seg, r.provider, rest * share, share, r.local, True, r.source, r.note)
                )
    return pd.DataFrame(out, columns=OUTPUT_COLUMNS)


def load_providers(
    region: Region, path: str | Path | None = None, year: int | None = None
) -> pd.DataFrame:
    """Read and validate a provider landscape; one row per municipality, segment and provider.

    The file (CSV, UTF-8) has the columns ``provider, segment, gemeentecode, historical_share,
    local, source, note``. How rows combine:

    * a row with a **blank** ``gemeentecode`` is a *regional* provider, contracted in every
      municipality of the region (those that exist in ``year``, default the contract start
      year). Its ``historical_share`` is its share **within the regional pool** of that
      segment; the regional rows of a segment must add up to 1;
    * a row **with** a ``gemeentecode`` is a provider of that municipality only (a local
      provider, or one contracted in a few municipalities and listed once for each). Its
      ``historical_share`` is its share of **that municipality's** segment spend;
    * per municipality and segment the municipality's own rows keep their shares and the
      regional pool gets what is left, ``1 - sum(own shares)``, split by the pool shares. So
      shares add up to 1 in every municipality and segment after expansion. Without regional
      rows for a segment, a municipality's own rows must add up to 1 by themselves; with
      them, the own rows must add up to less than 1 (otherwise the regional providers get
      nothing there);
    * ``local`` is ``true`` or ``false``; a local provider must name its municipality, and a
      provider cannot be both regional and municipality-specific in one segment.

    Errors name the file, row and column. Returns columns ``gemeentecode, segment, provider,
    share, historical_share, local, regional, source, note``.

    >>> from bekostiging.config.region import load_region
    >>> p = load_providers(load_region("achterhoek"))
    >>> p["provider"].nunique()
    65
    >>> float(p.groupby(["gemeentecode", "segment"])["share"].sum().min().round(9))
    1.0
    """
    path = providers_file(region) if path is None else Path(path)
    shown = display_path(path)
    frame, problems = read_model_table(path, ProviderTable, "providers", COLUMNS, (), EXPECTED)
    year = region.contract_start.year if year is None else int(year)
    frame["local"] = frame["local"] == "true"
    specific = frame[frame["gemeentecode"].notna()]
    message = f"gemeentecode hoort in {year} niet bij regio {region.name}"
    problems += [
        *_segment_problems(frame, region, shown),
        *check_known(specific, "gemeentecode", set(region.codes_in(year)), shown, message),
    ]
    if not problems:
        problems = list(_share_problems(frame, shown))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.row or 0))
    return _expand(frame, region.codes_in(year))
