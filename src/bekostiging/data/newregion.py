"""A region skeleton from the data: ``python -m bekostiging new-region`` (issue 12, part 1).

From a jeugdzorgregio (code such as ``JZ09`` or name such as ``Zaanstreek-Waterland``) or a list
of municipality codes, :func:`generate` builds three files that load with
``bekostiging.config.region.load_region`` and run the reports without edits:

* ``regions/<id>.yaml``: the municipalities (names from Iv3, mergers from
  ``municipal_mergers.csv``), the generic segment layout (the ids of
  ``parameters/national.yaml``), funding per segment as a marked placeholder (``IN TE
  VULLEN``), a placeholder contract, suggested booking corrections, the centrumgemeente as
  ``regional_pooling.booked_by``, the missing Iv3 years in a comment, the transition arrangement
  as national defaults;
* ``parameters/<id>.yaml``: the prevalence calibrated to the region's CBS KWB 2022 observed use
  and the youth split of the region's own 2023-2024 Iv3;
* ``conversion/<id>.csv``: a copy of ``conversion/national.csv``.

Every value that is a national default or a guess says so in the file (``source: estimate``,
``national default``, ``IN TE VULLEN``). The findings (missing years, suggested corrections,
centrumgemeente candidates) are returned with the texts, for the command's summary.

>>> members = region_members(jeugdzorgregio="zaanstreek-waterland")
>>> members.code, members.name, len(members.codes)
('JZ09', 'Zaanstreek-Waterland', 7)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.config.parameters import load_parameters
from bekostiging.core.atomic import atomic_path
from bekostiging.core.errors import InputError, Problem, close_matches, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.data.panel import (
    load_jeugdzorgregio_membership,
    load_jeugdzorgregios,
    load_mergers,
)
from bekostiging.data.rawdata import (
    AGE_BANDS,
    GM_CODE,
    load_agebands,
    load_iv3,
    load_kwb_use,
    load_population,
)

TO_FILL = "IN TE VULLEN"
NATIONAL = "national default"
FIRST_YEAR = 2017
LAST_ACTUALS = 2024  # the last Iv3 jaarrekening in data/raw
LAST_BUDGET = 2026
SPLIT_YEARS = (2023, 2024)
KWB_YEAR = 2022
AGEBAND_YEAR = 2020
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")
POOLING_RATIO = 3.0  # 6.81 per inhabitant of the candidate over the median of the others
CENTRE_SHARE = 0.10  # and at least this share of the region's 6.81
PARAMETER_FILES = ("common", "national", "transition", "reserves", "allocation", "advice", None)
"""The parameter files of a generated region, the region's own last (it wins over them all)."""
REGIONAL_SEGMENTS = ("jeugd_crisis", "wmo_wonen")
"""Generic segments whose cost is often shared regionally (rare, expensive; centrumgemeente)."""


@dataclass(frozen=True)
class SegmentSpec:
    """One segment of the generic layout (ids equal to the keys of parameters/national.yaml)."""

    id: str
    name: str
    short: str
    domain: str
    procured: bool
    target_population: str
    subsegments: tuple[str, ...] = ()
    variant: str = "pq"
    reason: str = ""


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec(
        "jeugd_ambulant",
        "Jeugdhulp ambulant",
        "Ambulant",
        "jeugd",
        True,
        "jeugd_0_17",
        ("Begeleiding", "Behandeling", "Diagnostiek"),
    ),
    SegmentSpec(
        "jeugd_verblijf",
        "Jeugdhulp met verblijf",
        "Verblijf",
        "jeugd",
        True,
        "jeugd_0_17",
        ("Pleegzorg", "Gezinshuis", "Residentieel"),
    ),
    SegmentSpec(
        "jeugd_crisis",
        "Crisis, gesloten en specialistische jeugdhulp",
        "Crisis",
        "jeugd",
        True,
        "jeugd_0_17",
        ("Crisis", "Jeugdzorgplus"),
    ),
    SegmentSpec("dyslexie", "Dyslexiezorg", "Dyslexie", "jeugd", True, "jeugd_7_12", (), "output"),
    SegmentSpec(
        "jeugd_overig",
        "Jeugd overig (pgb, landelijk ingekocht, vervoer)",
        "Jeugd overig",
        "jeugd",
        False,
        "jeugd_0_17",
        reason="personal budgets and nationally procured care are outside the regional contracts",
    ),
    SegmentSpec(
        "jeugdbescherming",
        "Jeugdbescherming en jeugdreclassering",
        "JB/JR",
        "jeugd",
        False,
        "jeugd_0_17",
        reason="Iv3 taakveld 6.82, shown separately",
    ),
    SegmentSpec(
        "wmo_begeleiding",
        "Wmo begeleiding, persoonlijke verzorging en kortdurend verblijf",
        "Wmo begeleiding",
        "wmo",
        True,
        "volwassen_18plus",
        ("Begeleiding", "Dagbesteding", "Persoonlijke verzorging", "Kortdurend verblijf"),
    ),
    SegmentSpec(
        "wmo_wonen",
        "Beschermd en beschut wonen",
        "Wonen",
        "wmo",
        True,
        "volwassen_18plus",
        ("Beschut wonen", "Beschermd wonen"),
    ),
    SegmentSpec(
        "wmo_hh",
        "Huishoudelijke hulp",
        "HH",
        "wmo",
        False,
        "volwassen_18plus",
        reason="usually procured apart from support and housing",
    ),
    SegmentSpec(
        "wmo_hulpmiddelen",
        "Wmo hulpmiddelen, woonvoorzieningen en vervoer",
        "Hulpmiddelen",
        "wmo",
        False,
        "volwassen_18plus",
        reason="Iv3 taakveld 6.6",
    ),
    SegmentSpec(
        "wmo_overig",
        "Wmo overig (pgb en overige maatwerkdienstverlening)",
        "Wmo overig",
        "wmo",
        False,
        "volwassen_18plus",
        reason="personal budgets and other services",
    ),
    SegmentSpec(
        "opvang",
        "Maatschappelijke opvang en vrouwenopvang",
        "Opvang",
        "wmo",
        False,
        "volwassen_18plus",
        reason="Iv3 taakveld 6.81 besides sheltered housing",
    ),
)


# --------------------------------------------------------------------------------------------
# who is in the region


@dataclass(frozen=True)
class Members:
    """The municipalities of a new region (today's codes) and where the list came from."""

    code: str | None  # jeugdzorgregio code, None for a list of codes
    name: str
    codes: tuple[str, ...]
    source: str


def _problem(message: str, found: object = None, expected: str | None = None) -> InputError:
    return InputError(Problem("new-region", message, found=found, expected=expected))


def find_jeugdzorgregio(query: str, regions: pd.DataFrame) -> tuple[str, str]:
    """(code, name) of a jeugdzorgregio by code (``JZ09``, ``jz9``) or name, case-insensitive.

    A name matches in full or, if only one region's name contains it, in part.

    >>> r = pd.DataFrame({"jeugdzorgregio_code": ["JZ09", "JZ14"],
    ...     "jeugdzorgregio_naam": ["Zaanstreek-Waterland", "Twente"]})
    >>> find_jeugdzorgregio("twente", r), find_jeugdzorgregio("jz9", r)
    (('JZ14', 'Twente'), ('JZ09', 'Zaanstreek-Waterland'))
    >>> find_jeugdzorgregio("Tw", r)
    ('JZ14', 'Twente')
    """
    q = query.strip().casefold()
    codes = dict(zip(regions["jeugdzorgregio_code"], regions["jeugdzorgregio_naam"], strict=True))
    m = re.fullmatch(r"jz\s*0*(\d{1,2})", q)
    if m:
        code = f"JZ{int(m.group(1)):02d}"
        if code in codes:
            return code, codes[code]
    exact = [(c, n) for c, n in codes.items() if n.casefold() == q]
    partial = [(c, n) for c, n in codes.items() if q and q in n.casefold()]
    if exact:
        return exact[0]
    if len(partial) == 1:
        return partial[0]
    names = list(codes.values())
    hint = close_matches(query, names) if not partial else [n for _, n in partial]
    raise _problem(
        f"onbekende jeugdzorgregio '{query}'"
        + (f"; bedoelt u: {', '.join(hint)}?" if hint else ""),
        expected="een code JZ01-JZ43 of een naam uit data/raw/cbs_jeugdzorgregios_2022_2023.csv",
    )


def region_members(
    jeugdzorgregio: str | None = None, codes: Sequence[str] | None = None
) -> Members:
    """The members of a jeugdzorgregio (membership of 2023) or of a list of today's codes.

    >>> m = region_members(codes=["gm0197", "GM0222"])
    >>> m.codes, m.code
    (('GM0197', 'GM0222'), None)
    """
    membership = load_jeugdzorgregio_membership(2023)
    if (jeugdzorgregio is None) == (codes is None):
        raise _problem("geef een jeugdzorgregio of een lijst gemeentecodes (niet allebei)")
    if jeugdzorgregio is not None:
        code, name = find_jeugdzorgregio(jeugdzorgregio, load_jeugdzorgregios(2023))
        rows = membership[membership["jeugdzorgregio_code"] == code]
        members = tuple(sorted(rows["gemeentecode"]))
        source = (
            f"CBS jeugdzorgregio {code} {name}, indeling 2023 "
            "(data/raw/cbs_jeugdzorgregio_membership_2022_2023.csv)"
        )
        return Members(code, name, members, source)
    wanted = [c.strip().upper() for c in codes if c.strip()]
    known = set(membership["gemeentecode"])
    bad = [c for c in wanted if not re.match(GM_CODE, c) or c not in known]
    if bad:
        raise InputError(
            [
                Problem(
                    "new-region",
                    f"onbekende gemeentecode {c}"
                    + (
                        "; deze gemeente bestaat sinds een fusie niet meer"
                        if c in set(load_mergers()["predecessor_code"])
                        else ""
                    ),
                    found=c,
                    expected="een code van een gemeente van 2023 of later, bijv. GM0197",
                )
                for c in bad
            ]
        )
    if len(set(wanted)) != len(wanted):
        raise _problem("een gemeentecode staat twee keer in de lijst", found=",".join(wanted))
    if not wanted:
        raise _problem("de lijst gemeentecodes is leeg")
    return Members(None, "", tuple(wanted), "list of municipality codes")


@dataclass(frozen=True)
class MunicipalityRow:
    """One line of the region file's ``municipalities``."""

    code: str
    name: str
    valid_from: int | None = None
    until: int | None = None
    merged_into: str | None = None
    note: str = ""


def municipality_rows(
    codes: Sequence[str], names: dict[str, str], mergers: pd.DataFrame, iv3_years: pd.DataFrame
) -> list[MunicipalityRow]:
    """Today's municipalities plus the predecessors that merged into them since 2017.

    A predecessor split over several successors is listed under the one that got the largest
    share (with a note); a successor that is a new code gets ``from`` its first year.
    ``iv3_years`` has ``gemeentecode, year`` (any report) to tell a new code from an old one.

    >>> mg = pd.DataFrame({"predecessor_code": ["GM0370"], "predecessor_name": ["Beemster"],
    ...     "successor_code": ["GM0439"], "year_from": [2022], "share": [1.0]})
    >>> years = pd.DataFrame({"gemeentecode": ["GM0439"], "year": [2017]})
    >>> [(r.code, r.valid_from, r.until, r.merged_into)
    ...  for r in municipality_rows(["GM0439"], {"GM0439": "Purmerend"}, mg, years)]
    [('GM0370', None, 2021, 'GM0439'), ('GM0439', None, None, None)]
    """
    first_seen = iv3_years.groupby("gemeentecode")["year"].min().to_dict()
    main = mergers.sort_values("share", ascending=False).drop_duplicates("predecessor_code")
    rows: list[MunicipalityRow] = []
    for code in codes:
        preds = main[main["successor_code"] == code]
        start = int(preds["year_from"].min()) if not preds.empty else None
        new = start is not None and first_seen.get(code, start) >= start
        for p in preds.itertuples():
            share = float(p.share)
            note = (
                ""
                if share >= 1.0
                else f"split; {share:.0%} went to {names.get(code, code)} (estimate), "
                "its whole spend before the split is counted here"
            )
            rows.append(
                MunicipalityRow(
                    p.predecessor_code, p.predecessor_name, None, int(p.year_from) - 1, code, note
                )
            )
        rows.append(MunicipalityRow(code, names.get(code, code), start if new else None))
    return sorted(rows, key=lambda r: r.code)


# --------------------------------------------------------------------------------------------
# findings from the Iv3 data


def per_inhabitant(iv3: pd.DataFrame, report: str = "jaarrekening") -> pd.DataFrame:
    """Euros per inhabitant per municipality x year (rows) and taakveld (columns).

    >>> iv3 = pd.DataFrame({"gemeentecode": ["A", "A"], "year": 2020, "report": "jaarrekening",
    ...     "taakveld": ["6.6", "6.71"], "spending_keur": [100.0, 50.0], "inhabitants": 1000})
    >>> per_inhabitant(iv3).loc[("A", 2020)].tolist()
    [100.0, 50.0]
    """
    a = iv3[iv3["report"] == report]
    wide = a.pivot_table(
        index=["gemeentecode", "year"], columns="taakveld", values="spending_keur", aggfunc="sum"
    )
    inh = a.groupby(["gemeentecode", "year"])["inhabitants"].first()
    return wide.mul(1000.0).div(inh, axis=0)


def _runs(years: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive years as (first, last) runs.

    >>> _runs([2017, 2018, 2019, 2022])
    [(2017, 2019), (2022, 2022)]
    """
    out: list[tuple[int, int]] = []
    for y in sorted(years):
        if out and y == out[-1][1] + 1:
            out[-1] = (out[-1][0], y)
        else:
            out.append((y, y))
    return out


@dataclass(frozen=True)
class Correction:
    """A suggested booking correction: Wmo support booked on 6.6 instead of 6.71."""

    code: str
    years: tuple[int, int]
    per_inh_66: float  # mean over the years, EUR per inhabitant
    per_inh_671: float
    national_limit_66: float  # mean over the years of the national outlier limit
    national_q25_671: float


def booking_suggestions(pi: pd.DataFrame, codes: Iterable[str]) -> list[Correction]:
    """Municipality-years whose 6.6 per inhabitant is an outlier while 6.71 is low.

    Outlier: above the national Q3 + 1.5 x IQR of 6.6 per inhabitant of that year; low: 6.71
    per inhabitant below the national first quartile of that year. Consecutive years form one
    suggestion. ``pi`` is :func:`per_inhabitant` of all municipalities (the national
    distribution).

    >>> idx = pd.MultiIndex.from_product([["A", "B", "C", "D", "E"], [2020]])
    >>> pi = pd.DataFrame({"6.6": [300.0, 30, 40, 35, 45], "6.71": [10.0, 150, 160, 140, 170]},
    ...                   index=idx)
    >>> [(c.code, c.years) for c in booking_suggestions(pi, ["A", "B"])]
    [('A', (2020, 2020))]
    """
    by_year = pi.groupby(level=1)
    q1, q3 = by_year["6.6"].transform("quantile", 0.25), by_year["6.6"].transform("quantile", 0.75)
    limit = q3 + 1.5 * (q3 - q1)
    low = by_year["6.71"].transform("quantile", 0.25)
    hit = (pi["6.6"] > limit) & (pi["6.71"] < low)
    table = pd.DataFrame(
        {"p66": pi["6.6"], "p671": pi["6.71"], "limit": limit, "low": low, "hit": hit}
    )
    out = []
    for code in codes:
        if code not in table.index.get_level_values(0):
            continue
        own = table.xs(code, level=0)
        for first, last in _runs(own.index[own["hit"]]):
            part = own.loc[first:last]
            out.append(
                Correction(
                    code,
                    (int(first), int(last)),
                    float(part["p66"].mean()),
                    float(part["p671"].mean()),
                    float(part["limit"].mean()),
                    float(part["low"].mean()),
                )
            )
    return out


def youth_split(iv3: pd.DataFrame, codes: Iterable[str], years: Sequence[int] = SPLIT_YEARS):
    """Pooled jaarrekening shares of 6.73 and 6.74 in 6.72+6.73+6.74 of ``codes`` in ``years``.

    >>> iv3 = pd.DataFrame({"gemeentecode": "A", "year": 2023, "report": "jaarrekening",
    ...     "taakveld": ["6.72", "6.73", "6.74"], "spending_keur": [50.0, 30.0, 20.0]})
    >>> youth_split(iv3, ["A"])
    (0.3, 0.2)
    """
    a = iv3[
        (iv3["report"] == "jaarrekening")
        & iv3["year"].isin(list(years))
        & iv3["gemeentecode"].isin(list(codes))
        & iv3["taakveld"].isin(["6.72", "6.73", "6.74"])
    ]
    by_field = a.groupby("taakveld")["spending_keur"].sum()
    total = float(by_field.sum())
    if total <= 0:
        return None
    return float(by_field.get("6.73", 0.0)) / total, float(by_field.get("6.74", 0.0)) / total


def centrumgemeente_candidates(
    iv3: pd.DataFrame, codes: Iterable[str], years: Sequence[int] = SPLIT_YEARS
) -> pd.DataFrame:
    """Taakveld 6.81 (sheltered housing and shelter) per municipality, largest first.

    Columns ``gemeentecode, spend`` (EUR, summed over ``years`` of the jaarrekening),
    ``per_inhabitant`` (EUR per inhabitant per year) and ``ratio`` (per inhabitant over the
    median of the other municipalities).

    >>> iv3 = pd.DataFrame({"gemeentecode": ["A", "B", "C"], "year": 2023,
    ...     "report": "jaarrekening", "taakveld": "6.81", "spending_keur": [10.0, 900.0, 20.0],
    ...     "inhabitants": 1000})
    >>> c = centrumgemeente_candidates(iv3, ["A", "B", "C"])
    >>> c["gemeentecode"].tolist(), c["ratio"].round(2).tolist()  # B: 900 / median(10, 20)
    (['B', 'C', 'A'], [60.0, 0.04, 0.02])
    """
    a = iv3[
        (iv3["report"] == "jaarrekening")
        & iv3["year"].isin(list(years))
        & iv3["gemeentecode"].isin(list(codes))
    ]
    spend = a[a["taakveld"] == "6.81"].groupby("gemeentecode")["spending_keur"].sum() * 1000.0
    inh = a.groupby(["gemeentecode", "year"])["inhabitants"].first().groupby(level=0).sum()
    frame = pd.DataFrame({"spend": spend, "per_inhabitant": spend / inh.reindex(spend.index)})
    ratios = []
    for code in frame.index:
        others = frame["per_inhabitant"].drop(code)
        med = float(others.median()) if len(others) else np.nan
        ratios.append(frame.at[code, "per_inhabitant"] / med if med and med > 0 else np.inf)
    frame["ratio"] = ratios
    frame = frame.sort_values("spend", ascending=False).rename_axis("gemeentecode")
    return frame.reset_index()


def missing_reports(
    rows: Sequence[MunicipalityRow], iv3: pd.DataFrame, first_year: int = FIRST_YEAR
) -> pd.DataFrame:
    """Municipality x year x report without any Iv3 row while the municipality existed.

    Each report up to the last year that any municipality filed it in ``iv3`` (in data/raw:
    jaarrekening 2024, begroting 2026).

    >>> iv3 = pd.DataFrame({"gemeentecode": "A", "year": range(2017, 2027),
    ...                     "report": "begroting"})
    >>> actuals = iv3.assign(report="jaarrekening").query("year <= 2024 and year != 2020")
    >>> missing_reports([MunicipalityRow("A", "a")], pd.concat([iv3, actuals])).values.tolist()
    [['A', 2020, 'jaarrekening']]
    """
    filed = set(zip(iv3["gemeentecode"], iv3["year"], iv3["report"]))
    last = {"jaarrekening": int(iv3.loc[iv3["report"] == "jaarrekening", "year"].max())}
    last["begroting"] = int(iv3.loc[iv3["report"] == "begroting", "year"].max())
    out = []
    for r in rows:
        lo = max(first_year, r.valid_from or first_year)
        for report, hi in last.items():
            for year in range(lo, min(hi, r.until or hi) + 1):
                if (r.code, year, report) not in filed:
                    out.append((r.code, year, report))
    return pd.DataFrame(out, columns=["gemeentecode", "year", "report"])


# --------------------------------------------------------------------------------------------
# prevalence calibrated to observed use


def age_group_population(
    codes_2022: Sequence[str], params, mergers: pd.DataFrame, year: int = KWB_YEAR
) -> pd.DataFrame:
    """Population of each age group per municipality in ``year`` (rows codes, columns groups).

    As ``bekostiging.model.population``: the CBS total of 1 January times the group's 2020
    share (10-year bands weighted by ``age_groups.<group>.bands``; a code without 2020 bands
    takes its predecessors'), drifted by ``annual_share_change``.
    """
    bands = load_agebands()
    bands = bands[bands["year"] == AGEBAND_YEAR].pivot_table(
        index="gemeentecode", columns="age_band", values="population", aggfunc="sum"
    )
    bands = bands.reindex(columns=list(AGE_BANDS)).fillna(0.0)
    pop = load_population()
    total = pop[pop["year"] == year].set_index("gemeentecode")["population_jan1"]
    groups = sorted({n.split(".")[1] for n in params.names("age_groups.")})
    out = {}
    for code in codes_2022:
        if code in bands.index:
            b = bands.loc[code]
        else:
            preds = mergers.loc[mergers["successor_code"] == code, "predecessor_code"]
            b = bands.loc[[p for p in preds if p in bands.index]].sum()
        row = {}
        for g in groups:
            w = pd.Series(params.param(f"age_groups.{g}.bands").value, dtype=float)
            share = float((b.reindex(w.index).fillna(0.0) * w).sum() / b.sum())
            drift = (1.0 + float(params.value(f"age_groups.{g}.annual_share_change"))) ** (
                year - AGEBAND_YEAR
            )
            row[g] = float(total[code]) * (1.0 if g == "totaal" else share * drift)
        out[code] = row
    return pd.DataFrame(out).T


def calibration_factors(
    codes_2022: Sequence[str],
    prevalence: dict[str, float],
    segments: Sequence[SegmentSpec],
    params,
    mergers: pd.DataFrame,
) -> dict[str, float]:
    """Observed clients (CBS KWB 2022) over the clients the national prevalence implies, per
    domain, summed over the region's municipalities of 2022 that CBS published a rate for.

    Youth: the share of young people with jeugdzorg in natura x inhabitants aged 0-17; Wmo:
    the Wmo clients per 1,000 inhabitants x inhabitants x ``clients.observed_share.wmo`` (the
    share the segments with a prevalence cover), as ``bekostiging.model.clients``.
    """
    pop = age_group_population(codes_2022, params, mergers)
    kwb = load_kwb_use().set_index("gemeentecode")
    wmo_share = float(params.value("clients.observed_share.wmo"))
    out = {}
    for domain in ("jeugd", "wmo"):
        segs = [s for s in segments if s.domain == domain and s.id in prevalence]
        observed = implied = 0.0
        for code in codes_2022:
            if code not in kwb.index:
                continue
            if domain == "jeugd":
                rate = kwb.at[code, "pct_youth_with_jeugdzorg_in_natura"] / 100.0
                base = pop.at[code, "jeugd_0_17"]
            else:
                rate = kwb.at[code, "wmo_clients_per_1000_inhabitants"] / 1000.0
                base = pop.at[code, "totaal"] * wmo_share
            if not np.isfinite(rate):
                continue
            observed += float(rate) * float(base)
            implied += sum(
                prevalence[s.id] * float(pop.at[code, s.target_population]) for s in segs
            )
        out[domain] = observed / implied if implied > 0 else 1.0
    return out


# --------------------------------------------------------------------------------------------
# the files


def _q(text: str) -> str:
    """A YAML double-quoted string.

    >>> _q('Bergen (NH.) "oud"')
    '"Bergen (NH.) \\\\"oud\\\\""'
    """
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def years_text(years: Sequence[int]) -> str:
    """>>> years_text([2018, 2019, 2020, 2023])
    '2018-2020, 2023'
    """
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in _runs(years))


@dataclass
class NewRegion:
    """A generated region: its id, texts per file (relative to the assumptions folder) and
    the findings for the summary."""

    id: str
    name: str
    files: dict[str, str]
    members: Members
    municipalities: list[MunicipalityRow]
    youth_split: tuple[float, float] | None
    corrections: list[Correction]
    candidates: pd.DataFrame
    pooled_by: tuple[str, ...]  # the centrumgemeenten (booked_by), none if empty
    missing: pd.DataFrame
    factors: dict[str, float]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def to_fill(self) -> int:
        """Number of values marked ``IN TE VULLEN`` in the files."""
        return sum(text.count(TO_FILL) for text in self.files.values())


def slug(name: str) -> str:
    """A region id from a name.

    >>> slug("Zaanstreek-Waterland"), slug("Friesland (Fryslân)"), slug("'s-Hertogenbosch")
    ('zaanstreek_waterland', 'friesland_fryslan', 's_hertogenbosch')
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _region_yaml(nr: NewRegion, reference_year: int, policy: bool) -> str:
    m, names = nr.members, nr.names
    current = [r for r in nr.municipalities if r.merged_into is None]
    merged = [r for r in nr.municipalities if r.merged_into is not None]
    start = dt.date(reference_year + 1, 1, 1)
    today = dt.date.today().isoformat()
    where = f"jeugdzorgregio {m.code} {m.name}" if m.code else "a list of municipality codes"
    lines = [
        f"# Region file of {nr.name}, generated by `python -m bekostiging new-region` on {today}",
        f"# from {where} and the national data in data/raw.",
        "# Regiobestand, gemaakt uit de landelijke data. Zoek naar 'IN TE VULLEN': die waarden",
        "# zijn plaatshouders die de regio zelf moet invullen (financiering per segment, contract).",
        "# Alles met 'source: estimate' of 'national default' is een landelijke standaardwaarde",
        "# of een schatting; vervang die door eigen cijfers zodra de regio ze heeft.",
        "# Format: data/assumptions/README.md; check: python -m bekostiging check-data.",
        f"id: {nr.id}",
        f"name: {_q(nr.name)}",
        "description: >-",
        f"  {len(current)} municipalities"
        + (f" ({len(merged)} more merged into them since {FIRST_YEAR})" if merged else "")
        + f" of {where},",
        "  with a generic segment layout. IN TE VULLEN: what the region buys together and how.",
        "sources:",
        f"  - {_q(m.source)}",
        f"  - {_q('Iv3 jaarrekening ' + str(FIRST_YEAR) + '-' + str(LAST_ACTUALS) + ', CBS (data/raw)')}",
    ]
    if policy:
        lines += [
            "",
            "# IN TE VULLEN: het beleidsdocument van de regio: titel (document), datum, hoe de",
            "# tekst ernaar verwijst (short), de genummerde doelen van de inkoop (goals, bijv.",
            "# 1: Lichtere hulp.), welke doelen elke perverse prikkel bedreigt (incentive_goals) en",
            "# de principes (principles). Tot dan noemen de rapporten geen beleidsdocument.",
            "# Voorbeeld: regions/alkmaar.yaml.",
            "policy:",
            "  document: null  # " + TO_FILL,
            "  date: null",
            "  goals: {}",
            "  principles: []",
            f"  source: {_q(TO_FILL)}",
        ]
    lines += [
        "",
        "# The funding under which the costs of the reference years arose (estimate: most",
        "# regions bought per product, p*q). IN TE VULLEN als de regio al anders bekostigde.",
        "historical_funding: pq",
        "",
        "municipalities:",
    ]
    for r in nr.municipalities:
        parts = [f"code: {r.code}", f"name: {_q(r.name)}"]
        if r.valid_from is not None:
            parts.append(f"from: {r.valid_from}")
        if r.until is not None:
            parts.append(f"until: {r.until}")
        if r.merged_into is not None:
            parts.append(f"merged_into: {r.merged_into}")
        note = f"  # {r.note}" if r.note else ""
        lines.append("  - {" + ", ".join(parts) + "}" + note)
    lines += [
        "",
        "# IN TE VULLEN: de ingangsdatum en looptijd van de contracten. Plaatshouder: 1 januari",
        "# na het peiljaar, 3 jaar met twee keer 2 jaar verlenging.",
        "contract:",
        f"  start: {start.isoformat()}",
        "  terms_years: [3, 2, 2]",
        f"  source: {_q(TO_FILL + ': placeholder (estimate)')}",
        "  note: A placeholder start on 1 January after the reference year; replace with the contract's dates.",
        "",
        "# Settlement of lump sums when a segment does not set its own (national default).",
        "default_settlement:",
        "  kind: corridor",
        "  corridor: 0.05",
        "  municipality_share_over: 0.5",
        "  municipality_share_under: 0.5",
        f"  source: {_q('estimate (' + NATIONAL + ')')}",
        "  note: A +/-5 % corridor carried by the provider, beyond it shared half and half.",
        "",
        "# Generic segments (the ids of ../parameters/national.yaml). IN TE VULLEN per ingekocht",
        "# segment: de bekostigingsvariant (pq, output, lumpsum, population of hybrid). De",
        "# plaatshouder is p*q (dyslexie: output), de meest gebruikte vorm.",
        "segments:",
    ]
    for s in SEGMENTS:
        lines += [
            f"  - id: {s.id}",
            f"    name: {_q(s.name)}",
            f"    short: {_q(s.short)}",
            f"    domain: {s.domain}",
            f"    procured: {'true' if s.procured else 'false'}",
        ]
        if s.procured:
            lines.append("    subsegments: [" + ", ".join(_q(x) for x in s.subsegments) + "]")
        lines.append(f"    target_population: {s.target_population}")
        if s.procured:
            lines += [
                f"    funding: {{variant: {s.variant}}}  # {TO_FILL}: placeholder",
                f"    source: {_q(TO_FILL + ': placeholder funding (estimate)')}",
            ]
        else:
            lines += [f"    reason: {_q(s.reason)}", "    source: estimate"]
    lines += [
        "",
        "iv3:",
        "  actuals: jaarrekening",
        "  budget: begroting",
        f"  first_year: {FIRST_YEAR}",
    ]
    lines += [
        "  # Before 2023 all youth care was booked on 6.72; it is split with each municipality's",
        "  # own 2023-2024 jaarrekening split (6.72/6.73/6.74). A municipality without those years",
        "  # takes the region's pooled split (youth_split_fallback in the parameter file).",
        "  youth_split:",
        f"    reference_years: [{', '.join(map(str, SPLIT_YEARS))}]",
    ]
    if nr.corrections:
        lines += [
            "  # Suggested (estimate): 6.6 per inhabitant above the national outlier limit",
            "  # (Q3 + 1.5 IQR of all municipalities that year) while 6.71 is below the national",
            "  # first quartile: Wmo support booked on 6.6. Controleer dit bij de gemeente.",
            "  booking_corrections:",
        ]
        for c in nr.corrections:
            lines += [
                '    - from: "6.6"',
                '      to: "6.71"',
                f"      municipalities: [{c.code}]",
                f"      years: [{c.years[0]}, {c.years[1]}]",
                "      source: estimate",
                "      note: >-",
                f"        {names.get(c.code, c.code)}, {years_text(range(c.years[0], c.years[1] + 1))}:"
                f" 6.6 was {c.per_inh_66:.0f} euro per inhabitant a year",
                f"        (national outlier limit {c.national_limit_66:.0f}) and 6.71"
                f" {c.per_inh_671:.0f} (national first quartile {c.national_q25_671:.0f}).",
                "        The part of 6.6 above the region's median per inhabitant is moved to 6.71.",
            ]
    else:
        lines += [
            "  # No municipality books Wmo support on 6.6 as an outlier against the national",
            "  # distribution, so no booking correction is suggested.",
            "  booking_corrections: []",
        ]
    lines += ["", *_missing_comment(nr), *_pooling_block(nr)]
    lines += [
        "",
        "# Transition at the contract start: national defaults (see ../parameters/transition.yaml),",
        "# the capacity scaled per 1,000 clients in care. IN TE VULLEN als de regio een",
        "# overgangsregeling heeft besloten.",
        "transition:",
        "  window_months:",
        "    value: 6",
        f"    source: {_q('estimate (' + NATIONAL + ')')}",
        "    note: Months in which clients of a provider without a new contract move.",
        "  indication_runup_months:",
        "    value: 0",
        f"    source: {_q('estimate (' + NATIONAL + ')')}",
        "    note: No end date imposed on indications before the start (no indication cliff).",
        "  share_noncontracted:",
        "    value: 0.25",
        f"    source: {_q('estimate (' + NATIONAL + ')')}",
        "    note: Share of clients with a provider that gets no new contract; test 0.10-0.40.",
        "  monthly_capacity_per_1000_clients:",
        "    value: 40",
        f"    source: {_q('estimate (' + NATIONAL + ')')}",
        "    note: Transfers the region can complete per month per 1,000 clients in care.",
        "",
        f"conversion: ../conversion/{nr.id}.csv",
        "parameters:",
    ]
    for name in PARAMETER_FILES:
        lines.append(f"  - ../parameters/{name or nr.id}.yaml")
    return "\n".join(lines) + "\n"


def _missing_comment(nr: NewRegion) -> list[str]:
    if nr.missing.empty:
        return ["# Iv3: every municipality filed every jaarrekening and begroting since 2017."]
    out = [
        "# Ontbrekende Iv3-jaren (geen enkele regel in de data; CBS: 'no return filed'). De",
        "# rapporten tonen ze als ontbrekend; vul ze aan via het invulformat als de gemeente ze",
        "# heeft. Missing Iv3 reports:",
    ]
    for (code, report), grp in nr.missing.groupby(["gemeentecode", "report"]):
        out.append(
            f"#   {code} {nr.names.get(code, code)}: {report} {years_text(grp['year'].tolist())}"
        )
    return out


def _ratio_text(ratio: float) -> str:
    """>>> _ratio_text(float("inf")), _ratio_text(4.26)
    ("the others' median is 0", "4.3x the others' median")
    """
    return (
        "the others' median is 0" if not np.isfinite(ratio) else f"{ratio:.1f}x the others' median"
    )


def _pooling_block(nr: NewRegion) -> list[str]:
    c = nr.candidates
    listed = [
        f"#   {r.gemeentecode} {nr.names.get(r.gemeentecode, r.gemeentecode)}: "
        f"{r.spend / 1e6:.1f} mln euro in {SPLIT_YEARS[0]}-{SPLIT_YEARS[1]}, "
        f"{r.per_inhabitant:.0f} euro per inhabitant a year ({_ratio_text(r.ratio)})"
        for r in c[c["spend"] > 0].head(4).itertuples()
    ]
    head = [
        "",
        "# Centrumgemeente candidates (largest Iv3 taakveld 6.81, sheltered housing and shelter):",
        *listed,
    ]
    if not nr.pooled_by:
        return [
            *head,
            f"# No municipality books more than {POOLING_RATIO:.0f}x the others' 6.81 per inhabitant,",
            "# so no regional pooling is assumed (the centrumgemeente may be outside the region).",
            "# IN TE VULLEN als een centrumgemeente voor de regio boekt.",
            "regional_pooling: []",
        ]
    shown = ", ".join(f"{c} {nr.names.get(c, c)}" for c in nr.pooled_by)
    several = len(nr.pooled_by) > 1
    return [
        *head,
        f"# Taken as centrumgemeente{'n' if several else ''} (6.81 per inhabitant at least"
        f" {POOLING_RATIO:.0f}x the others' median",
        f"# and at least {CENTRE_SHARE:.0%} of the region's 6.81): {shown}. IN TE VULLEN als een",
        "# centrumgemeente ook gemeenten buiten de regio bedient: geef dan per centrumgemeente het",
        "# deel voor deze regio onder shares (bijv. shares: {GMxxxx: 0.8}).",
        "regional_pooling:",
        "  - segments: [wmo_wonen, opvang]",
        f"    booked_by: [{', '.join(nr.pooled_by)}]",
        "    key: volwassen_18plus",
        "    source: estimate",
        "    note: >-",
        f"      {shown} book{'' if several else 's'} far more on 6.81 than the other municipalities",
        "      and are taken as centrumgemeente"
        if several
        else "      and is taken as centrumgemeente",
        "      for the region; attributed by inhabitants aged 18+ (the real key, the municipality",
        "      of origin, is not public). Check with the region.",
    ]


def centres(candidates: pd.DataFrame) -> tuple[str, ...]:
    """The centrumgemeenten among :func:`centrumgemeente_candidates`: 6.81 per inhabitant at
    least ``POOLING_RATIO`` times the others' median and at least ``CENTRE_SHARE`` of the
    region's 6.81 (a region of one municipality has none).

    >>> c = pd.DataFrame({"gemeentecode": ["E", "A", "H"], "spend": [100.0, 28.0, 2.0],
    ...                   "ratio": [75.0, 43.0, 3.3]})
    >>> centres(c)
    ('E', 'A')
    """
    if len(candidates) < 2:
        return ()
    big = candidates["spend"] >= CENTRE_SHARE * candidates["spend"].sum()
    hit = (candidates["spend"] > 0) & (candidates["ratio"] >= POOLING_RATIO) & big
    return tuple(str(c) for c in candidates.loc[hit, "gemeentecode"])


def _parameters_yaml(nr: NewRegion, national: dict[str, float]) -> str:
    f = nr.factors
    lines = [
        f"# Assumptions of {nr.name}, generated by `python -m bekostiging new-region`.",
        "# Format: see data/assumptions/README.md. Overrides ../parameters/national.yaml.",
        "",
        "prevalence:",
        "  # The need: clients per inhabitant of the segment's target population per year,",
        "  # toward which the start budget's caseload moves (src/bekostiging/model/clients.py).",
        "  # Level calibrated to observed use: each value is the national estimate of",
        "  # ../parameters/national.yaml times the region's CBS KWB 2022 observed clients over the",
        "  # clients those estimates implied in 2022"
        + f" (jeugd x {f['jeugd']:.4f}, wmo x {f['wmo']:.4f}).",
    ]
    for s in SEGMENTS:
        if s.id not in national:
            continue
        value = national[s.id] * f[s.domain]
        group = {"jeugd_0_17": "0-17", "jeugd_7_12": "7-12", "volwassen_18plus": "18+"}
        lines += [
            f"  {s.id}:",
            f"    value: {value:.4g}",
            f"    unit: clients per inhabitant aged {group[s.target_population]} per year",
            "    source: estimate",
            "    min: 0",
            "    max: 1",
            f"    note: National estimate {national[s.id]:g} x the region's {s.domain} calibration"
            f" factor {f[s.domain]:.4f} (CBS KWB 2022).",
        ]
    split = nr.youth_split
    lines += [
        "",
        "youth_split_fallback:",
        "  # Used only for a municipality without 2023-2024 jaarrekening data (see the region file).",
    ]
    for key, label, k in (
        ("share_6_73", "residence", 0),
        ("share_6_74", "crisis, LTA and secure placement", 1),
    ):
        if split is None:
            lines += [
                f"  {key}:",
                "    value: " + ("0.24" if k == 0 else "0.23"),
                f"    unit: share of youth care (6.72+6.73+6.74) booked as {label}",
                f"    source: {_q('estimate (' + NATIONAL + ')')}",
                "    min: 0",
                "    max: 1",
                "    note: The region has no 2023-2024 jaarrekening; national pooled share.",
            ]
            continue
        lines += [
            f"  {key}:",
            f"    value: {split[k]:.3f}",
            f"    unit: share of youth care (6.72+6.73+6.74) booked as {label}",
            f"    source: Iv3 jaarrekening {SPLIT_YEARS[0]}-{SPLIT_YEARS[1]} of the region's municipalities",
            "    min: 0",
            "    max: 1",
            f"    note: The region's pooled {SPLIT_YEARS[0]}-{SPLIT_YEARS[1]} jaarrekening share ({split[k]:.4f}).",
        ]
    regional = [x for x in REGIONAL_SEGMENTS if any(s.id == x and s.procured for s in SEGMENTS)]
    lines += [
        "",
        "risk:",
        "  allocation:",
        "    regional_segments:",
        f"      value: [{', '.join(regional)}]",
        "      unit: segment ids whose cost is treated as regional",
        "      source: estimate",
        "      note: >-",
        "        Rare, expensive residential youth care and sheltered housing are the segments",
        "        most often shared regionally; they get the allocation risk row and the pooling",
        "        advice. IN TE VULLEN: the region's own list.",
    ]
    return "\n".join(lines) + "\n"


def generate(
    region_id: str | None,
    jeugdzorgregio: str | None = None,
    codes: Sequence[str] | None = None,
    name: str | None = None,
    reference_year: int = LAST_ACTUALS,
    assumptions_dir: Path = ASSUMPTIONS_DIR,
    policy: bool = True,
) -> NewRegion:
    """Build the files of a new region (nothing is written; see :func:`write_region`).

    Without ``region_id`` the id is made from the name (:func:`slug`).
    """
    members = region_members(jeugdzorgregio, codes)
    region_id = region_id or slug(name or members.name)
    if not ID_PATTERN.match(region_id):
        raise _problem(
            f"ongeldig regio-id '{region_id}'"
            if region_id
            else "geef een regio-id (--id) of een naam (--naam)",
            expected="kleine letters, cijfers, _ of -, beginnend met een letter (bijv. twente)",
        )
    iv3 = load_iv3()
    mergers = load_mergers()
    names = {r.predecessor_code: r.predecessor_name for r in mergers.itertuples()}
    names.update(iv3.sort_values("year").groupby("gemeentecode")["gemeente"].last().to_dict())
    rows = municipality_rows(
        members.codes, names, mergers, iv3[["gemeentecode", "year"]].drop_duplicates()
    )
    all_codes = [r.code for r in rows]
    pi = per_inhabitant(iv3)
    candidates = centrumgemeente_candidates(iv3, members.codes)
    pooled_by = centres(candidates)
    params = load_parameters(
        [
            assumptions_dir / "parameters" / "common.yaml",
            assumptions_dir / "parameters" / "national.yaml",
        ]
    )
    national = {n.split(".", 1)[1]: float(params.value(n)) for n in params.names("prevalence.")}
    codes_2022 = [
        r.code for r in rows if (r.valid_from or FIRST_YEAR) <= KWB_YEAR <= (r.until or 9999)
    ]
    factors = calibration_factors(codes_2022, national, SEGMENTS, params, mergers)
    nr = NewRegion(
        id=region_id,
        name=name or members.name or region_id.replace("_", " ").title(),
        files={},
        members=members,
        municipalities=rows,
        youth_split=youth_split(iv3, members.codes),
        corrections=booking_suggestions(pi, all_codes),
        candidates=candidates,
        pooled_by=pooled_by,
        missing=missing_reports(rows, iv3),
        factors=factors,
        names=names,
    )
    nr.files = {
        f"regions/{region_id}.yaml": _region_yaml(nr, reference_year, policy),
        f"parameters/{region_id}.yaml": _parameters_yaml(nr, national),
        f"conversion/{region_id}.csv": (assumptions_dir / "conversion" / "national.csv").read_text(
            encoding="utf-8"
        ),
    }
    return nr


def write_region(
    nr: NewRegion, assumptions_dir: Path = ASSUMPTIONS_DIR, force: bool = False
) -> list[Path]:
    """Write the files of ``nr`` under ``assumptions_dir``: all of them or none.

    An existing region id is refused unless ``force``. Each file is written to a temporary
    file first; the files replace their targets only when all were written.
    """
    targets = [assumptions_dir / rel for rel in nr.files]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise InputError(
            Problem(
                display_path(existing[0]),
                f"regio '{nr.id}' bestaat al; kies een ander --id of gebruik --force "
                "om de bestanden te overschrijven",
                found=", ".join(t.name for t in existing),
            )
        )
    with contextlib.ExitStack() as stack:
        for target, text in zip(targets, nr.files.values(), strict=True):
            tmp = stack.enter_context(atomic_path(target))
            tmp.write_text(text, encoding="utf-8")
    return targets


def copy_assumptions(target: Path, source: Path = ASSUMPTIONS_DIR) -> Path:
    """Copy the assumptions folder (for generating a region outside the project, e.g. in a test)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target
