"""Baseline per municipality x segment x year: start-budget method steps 1-4 (seed 003, 3.3).

For every municipality of a region (as it existed in each year), every segment and every year
of Iv3 data, the baseline holds:

* ``spend_booked``: euros converted from the Iv3 task fields as the municipality booked them;
  per municipality-year the segments add up exactly to the converted task fields;
* ``spend_iv3``: the same after regional pooling (a centrumgemeente's spending for the whole
  region attributed to all municipalities by a key); per region-year it adds up to the same
  total as ``spend_booked``;
* ``spend``: ``spend_iv3``, or the municipality's own figure where it submitted one;
* ``population``: inhabitants in the segment's target age group;
* ``clients``: observed use (CBS KWB 2022) split over the segments by prevalence, else
  prevalence x population (both estimates per segment), or the submitted figure;
* ``cost_per_client``: spend / clients.

Every number has a flag column (``observed``, ``estimated`` or ``submitted``) and the methods
used are listed in ``method``. Reports show the flags, so estimates are always marked.

>>> from bekostiging.config.region import load_region
>>> base = build_baseline(load_region("achterhoek"))
>>> youth = base.query("domain == 'jeugd' and year == 2024")["spend_iv3"].sum()
>>> round(float(youth) / 1e6, 1)  # Iv3 6.72 + 6.73 + 6.74 + 6.82, eight municipalities, actuals 2024
123.6
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.core.errors import InputError, Problem
from bekostiging.data.quality import check_against_data, quality_thresholds
from bekostiging.data.rawdata import load_iv3, load_kwb_use
from bekostiging.model.clients import (
    KWB_EDITION,
    OBSERVED_FLAG,
    domain_use_rates,
    observed_clients,
)
from bekostiging.model.conversion import (
    apply_booking_corrections,
    convert_to_segments,
    converted_fields,
    load_conversion,
    region_iv3,
    split_youth_pre2023,
    youth_split_shares,
)
from bekostiging.model.population import group_population, key_shares, population_by_age_group

IDENTITY_COLUMNS = (
    "gemeentecode",
    "gemeente",
    "year",
    "report",
    "domain",
    "segment",
    "segment_name",
    "procured",
)
FLAG_RANK = {"observed": 0, "estimated": 1, "submitted": 2}  # least certain wins when combined

BASELINE_COLUMNS = [
    *IDENTITY_COLUMNS,
    "spend_booked",
    "spend_iv3",
    "spend",
    "spend_flag",
    "target_population",
    "population",
    "population_flag",
    "prevalence",
    "clients",
    "clients_flag",
    "clients_estimate",
    "cost_per_client",
    "cost_per_client_flag",
    "cost_reference_ratio",
    "method",
]


def _worst(*flags: pd.Series) -> pd.Series:
    """Combine flags: submitted beats estimated beats observed; missing stays missing."""
    ranks = pd.concat([f.map(FLAG_RANK) for f in flags], axis=1)
    out = ranks.max(axis=1).map({v: k for k, v in FLAG_RANK.items()})
    return out.where(ranks.notna().all(axis=1), None)


def segment_spend(
    region: Region, report: str, params: Parameters, iv3: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict]:
    """Iv3 spending converted to segments, before pooling; plus the intermediate tables.

    The pre-2023 youth split always uses the actuals of the reference years, also when the
    budgets (begroting) are converted, so both series are split the same way.
    """
    rows = region_iv3(region, report, iv3)
    if rows.empty:
        raise InputError(
            Problem("data/raw (Iv3)", f"geen rijen uit de {report} voor regio {region.name}")
        )
    corrected, log = apply_booking_corrections(rows, region)
    if report == region.actuals_report:
        reference = corrected
    else:
        reference, _ = apply_booking_corrections(
            region_iv3(region, region.actuals_report, iv3), region
        )
    split = corrected
    shares = None
    if region.youth_split_years:
        shares = youth_split_shares(reference, region, params)
        split = split_youth_pre2023(corrected, shares)
    conversion = load_conversion(region)
    segs = convert_to_segments(split, conversion)
    return segs, {
        "iv3": rows,
        "booking_corrections": log,
        "youth_split": shares,
        "harmonised": split,
        "conversion": conversion,
    }


def apply_pooling(frame: pd.DataFrame, region: Region, pop: pd.DataFrame) -> pd.DataFrame:
    """Attribute a centrumgemeente's spending on pooled segments to all municipalities by key.

    ``frame`` has one row per municipality, year and segment with ``spend_booked``; the result
    adds ``spend_iv3``. The region total per year and segment does not change.
    """
    frame = frame.copy()
    frame["spend_iv3"] = frame["spend_booked"]
    for pool in region.pooling:
        key = group_population(pop, pool.key)
        names = " and ".join(region.name_of(c) for c in pool.booked_by)
        for (year, _segment), grp in frame[frame["segment"].isin(pool.segments)].groupby(
            ["year", "segment"]
        ):
            booked = grp[grp["gemeentecode"].isin(pool.booked_by)]
            if booked.empty:
                continue
            # The pooled part of each centrumgemeente's booking; the rest stays its own.
            pooled = booked["spend_booked"] * booked["gemeentecode"].map(pool.share).to_numpy()
            amount = float(pooled.sum())
            codes = grp["gemeentecode"].tolist()
            shares = key_shares(pd.Series({c: float(key[(c, year)]) for c in codes}))
            spend = grp["spend_booked"].copy()
            spend[booked.index] -= pooled
            spend += grp["gemeentecode"].map(shares).to_numpy() * amount
            frame.loc[grp.index, "spend_iv3"] = spend
            frame.loc[grp.index, "pooled"] = True
            frame.loc[grp.index, "method_pool"] = (
                f"regional pooling: {names} booked, attributed by {pool.key}"
            )
    return frame


def build_baseline(
    region: Region,
    report: str | None = None,
    params: Parameters | None = None,
    submissions: pd.DataFrame | None = None,
    iv3: pd.DataFrame | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The baseline table (see the module docstring for the columns and flags).

    ``report`` is ``'jaarrekening'`` (actuals, the default) or ``'begroting'`` (primary budgets).
    ``submissions`` is a table of submitted figures (see :func:`apply_submissions`).
    """
    params = region.parameters if params is None else params
    report = region.actuals_report if report is None else report
    iv3 = load_iv3() if iv3 is None else iv3
    check_against_data(region, iv3=iv3)
    segs, _ = segment_spend(region, report, params, iv3)
    if years is not None:
        segs = segs[segs["year"].isin(list(years))]
    data_years = sorted(segs["year"].unique())

    pop = population_by_age_group(region, data_years, params, iv3=iv3)
    frame = apply_pooling(spend_grid(segs, region, data_years), region, pop)
    frame = describe_segments(frame, region, report)
    frame = add_clients(frame, pop, params, split_params=region.parameters)
    if submissions is not None and not submissions.empty:
        frame = apply_submissions(frame, submissions, report)
    frame = add_cost_per_client(frame, params)
    order = {s.id: i for i, s in enumerate(region.segments)}
    frame = frame.sort_values(
        ["year", "gemeentecode", "segment"],
        key=lambda c: c.map(order) if c.name == "segment" else c,
    )
    return frame[BASELINE_COLUMNS].reset_index(drop=True)


def spend_grid(segs: pd.DataFrame, region: Region, data_years: list[int]) -> pd.DataFrame:
    """Booked spend per municipality x year x segment on the full grid.

    Every municipality that existed, every segment, every year with data. A segment without
    rows (sparse 2025+ budgets) has spend 0: "not budgeted" (SOURCES.md 5).
    """
    agg = segs.groupby(["gemeentecode", "year", "segment"]).agg(
        spend_booked=("spend", "sum"),
        estimated=("estimated", "any"),
        fields=("taakveld", lambda s: ", ".join(sorted(set(s)))),
        methods=("method", lambda s: "; ".join(sorted(set(s)))),
    )
    grid = pd.MultiIndex.from_tuples(
        [(c, y, s.id) for y in data_years for c in region.codes_in(y) for s in region.segments],
        names=["gemeentecode", "year", "segment"],
    )
    have = set(segs[["gemeentecode", "year"]].drop_duplicates().itertuples(index=False, name=None))
    grid = grid[[(c, y) in have for c, y, _ in grid]]
    frame = agg.reindex(grid).reset_index()
    frame["spend_booked"] = frame["spend_booked"].fillna(0.0)
    frame["estimated"] = frame["estimated"].fillna(False).astype(bool)
    frame["methods"] = frame["methods"].fillna("no booking (0)")
    frame["pooled"] = False
    frame["method_pool"] = ""
    return frame


MISSING_FLAG = "missing"  # spend_flag of a municipality-year without Iv3 rows (not a zero)


def missing_years(
    baseline: pd.DataFrame, region: Region, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """Municipality-years the baseline lacks: the municipality existed but filed no Iv3 return.

    Such a year is absent from the data (a non-filer, ``data/raw/SOURCES.md`` caveat 6), not
    zero. ``years`` defaults to every year from the baseline's first to its last. Columns:
    ``gemeentecode, gemeente, current_code, year, report``; ``current_code`` is today's
    municipality (after mergers), whose figure of that year is then incomplete.

    >>> from bekostiging.config.region import load_region
    >>> missing_years(build_baseline(load_region("achterhoek")), load_region("achterhoek")).empty
    True
    """
    report = str(baseline["report"].iloc[0]) if len(baseline) else region.actuals_report
    if years is None:
        years = range(int(baseline["year"].min()), int(baseline["year"].max()) + 1)
    have = set(zip(baseline["gemeentecode"], baseline["year"]))
    rows = [
        {
            "gemeentecode": c,
            "gemeente": region.name_of(c),
            "current_code": region.current_code(c),
            "year": int(y),
            "report": report,
        }
        for y in years
        for c in region.codes_in(int(y))
        if (c, y) not in have
    ]
    return pd.DataFrame(
        rows, columns=["gemeentecode", "gemeente", "current_code", "year", "report"]
    )


def with_missing_years(baseline: pd.DataFrame, region: Region) -> pd.DataFrame:
    """The baseline with a row per segment for every missing municipality-year (for tables).

    Amounts, clients and population are NaN, ``spend_flag`` is :data:`MISSING_FLAG` and
    ``method`` says why: a reader sees the year as missing, never as a zero. The model itself
    works on the baseline without these rows.
    """
    gaps = missing_years(baseline, region)
    if gaps.empty:
        return baseline
    segs = {s.id: s for s in region.segments}
    rows = [
        {
            "gemeentecode": g.gemeentecode,
            "gemeente": g.gemeente,
            "year": g.year,
            "report": g.report,
            "domain": s.domain,
            "segment": s.id,
            "segment_name": s.name,
            "procured": s.procured,
            "target_population": s.target_population,
            "spend_flag": MISSING_FLAG,
            "method": f"no Iv3 {g.report} filed for {g.year} (missing, not 0)",
        }
        for g in gaps.itertuples()
        for s in segs.values()
    ]
    out = pd.concat([baseline, pd.DataFrame(rows)], ignore_index=True)
    return out.sort_values(["year", "gemeentecode"], kind="stable")[baseline.columns].reset_index(
        drop=True
    )


def describe_segments(frame: pd.DataFrame, region: Region, report: str) -> pd.DataFrame:
    """Segment attributes from the region file, the spend used and its flag and method."""
    seg_info = {s.id: s for s in region.segments}
    frame["domain"] = frame["segment"].map(lambda s: seg_info[s].domain)
    frame["segment_name"] = frame["segment"].map(lambda s: seg_info[s].name)
    frame["procured"] = frame["segment"].map(lambda s: seg_info[s].procured)
    frame["target_population"] = frame["segment"].map(lambda s: seg_info[s].target_population)
    frame["gemeente"] = frame["gemeentecode"].map(region.name_of)
    frame["report"] = report
    frame["spend"] = frame["spend_iv3"]
    frame["spend_flag"] = np.where(frame["estimated"] | frame["pooled"], "estimated", "observed")
    frame["method"] = frame["methods"] + np.where(frame["pooled"], "; " + frame["method_pool"], "")
    return frame


def add_clients(
    frame: pd.DataFrame,
    pop: pd.DataFrame,
    params: Parameters,
    kwb: pd.DataFrame | None = None,
    split_params: Parameters | None = None,
) -> pd.DataFrame:
    """Target population and clients per row: estimated from observed use where CBS published
    it, else prevalence x population; ``clients_estimate`` keeps the estimate when a
    municipality later submits its own count.

    Observed use is the CBS KWB 2022 rate of the municipality (young people with jeugdzorg in
    natura, Wmo clients per 1,000 inhabitants), split over the domain's segments in proportion
    to prevalence x target population (:func:`bekostiging.model.clients.observed_clients`); the
    one edition sets the level of use in every year, and is used only when the data reach
    2022 (as of an earlier year it was not published yet). The split uses the prevalences of
    ``split_params`` (the region's own file), so a scenario that changes one segment's
    prevalence changes that segment's need, not the other segments' clients. Both are
    estimates for a segment, so the flag stays ``estimated``; ``method`` says which was used.
    """
    popidx = pop.set_index(["gemeentecode", "year", "age_group"])
    keys = list(zip(frame["gemeentecode"], frame["year"], frame["target_population"]))
    frame["population"] = popidx["population"].reindex(keys).to_numpy()
    frame["population_flag"] = popidx["population_flag"].reindex(keys).to_numpy()
    prevalence = {
        s: params.value(f"prevalence.{s}")
        for s in frame["segment"].unique()
        if f"prevalence.{s}" in params
    }
    frame["prevalence"] = frame["segment"].map(prevalence).astype(float)
    estimate = frame["prevalence"] * frame["population"]
    kwb = load_kwb_use() if kwb is None else kwb
    if frame["year"].max() < KWB_EDITION:  # as of an earlier year: not yet published
        kwb = kwb.iloc[0:0]
    rates = domain_use_rates(kwb)
    split = frame
    if split_params is not None:
        base = {
            s: split_params.value(f"prevalence.{s}")
            for s in frame["segment"].unique()
            if f"prevalence.{s}" in split_params
        }
        split = frame.assign(prevalence=frame["segment"].map(base).astype(float))
    group = pop.set_index(["gemeentecode", "year", "age_group"])["population"]
    youth = {(c, int(y)): float(v) for (c, y, g), v in group.items() if g == "jeugd_0_17"}
    total = {(c, int(y)): float(v) for (c, y, g), v in group.items() if g == "totaal"}
    domain_of = dict(zip(frame["segment"], frame["domain"]))
    observed = observed_clients(
        split, rates, total, youth, domain_of, float(params.value("clients.observed_share.wmo"))
    )
    use = observed.notna() & estimate.notna()
    frame["clients"] = np.where(use, observed, estimate)
    frame["clients_estimate"] = frame["clients"]
    frame["clients_flag"] = np.where(frame["clients"].notna(), "estimated", None)
    frame["method"] = np.where(
        use,
        frame["method"] + f"; clients: {OBSERVED_FLAG} use",
        np.where(estimate.notna(), frame["method"] + "; clients: prevalence", frame["method"]),
    )
    return frame


def add_cost_per_client(frame: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """Spend per client, its flag and its ratio to the reference cost per client."""
    frame["cost_per_client"] = np.where(
        frame["clients"] > 0, frame["spend"] / frame["clients"], np.nan
    )
    frame["cost_per_client_flag"] = _worst(frame["spend_flag"], frame["clients_flag"])
    refs = {
        s: params.value(f"cost_per_client_reference.{s}")
        for s in frame["segment"].unique()
        if f"cost_per_client_reference.{s}" in params
    }
    frame["cost_reference_ratio"] = frame["cost_per_client"] / frame["segment"].map(refs).astype(
        float
    )
    return frame


def check_submitted_spend(
    frame: pd.DataFrame, submissions: pd.DataFrame, factor: float | None = None
) -> None:
    """Refuse a submitted spend figure ``factor`` times (or more) above or below the public
    estimate it replaces: almost always a unit slip (euros where thousands were meant, or the
    other way round) or a missing or extra digit.

    ``factor`` defaults to ``quality.submission.factor_to_public`` (quality.yaml). The message
    names the workbook, row and column, the figure and the public one.

    >>> frame = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "spend": [1_000_000.0]})
    >>> sub = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "spend": [1_000_000_000.0], "file": ["aalten.xlsx"], "row": [5]})
    >>> check_submitted_spend(frame, sub, 50)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.InputError: ... 1000 keer het publieke cijfer ...
    >>> check_submitted_spend(frame, sub.assign(spend=1_200_000.0), 50)  # a real difference
    """
    if "spend" not in submissions.columns or submissions.empty:
        return
    factor = float(quality_thresholds()["factor_to_public"]) if factor is None else factor
    public = frame.set_index(["gemeentecode", "segment", "year"])["spend"]
    problems = []
    for r in submissions.itertuples(index=False):
        value = float(r.spend)
        estimate = float(public.get((r.gemeentecode, r.segment, r.year), np.nan))
        if not (np.isfinite(value) and np.isfinite(estimate)) or value <= 0 or estimate <= 0:
            continue
        ratio = value / estimate
        if ratio < factor and ratio > 1 / factor:
            continue
        times = f"{ratio:.0f} keer" if ratio >= 1 else f"1/{1 / ratio:.0f} van"
        problems.append(
            Problem(
                str(getattr(r, "file", "") or "opgave"),
                f"uitgaven {r.segment} {r.year} zijn {times} het publieke cijfer "
                f"(€ {estimate:,.0f}".replace(",", ".")
                + "): in euro's in plaats van duizenden, of een cijfer te veel of te weinig?",
                row=int(r.row) if "row" in submissions.columns and pd.notna(r.row) else None,
                column="Uitgaven (€)",
                found=value,
                expected=f"een bedrag in euro's binnen een factor {factor:.0f} van het "
                "publieke cijfer, of een toelichting en een nieuwe opgave",
            )
        )
    if problems:
        raise InputError(problems)


MIN_CLIENTS_COMPARED = 10.0
"""A count of clients is compared with at least this many estimated clients (tiny estimates
are too uncertain for a ratio)."""


def check_submitted_clients(
    frame: pd.DataFrame, submissions: pd.DataFrame, factor: float | None = None
) -> None:
    """Refuse a submitted number of clients ``factor`` times (or more) the estimate it replaces.

    A count a thousand times too large (an amount typed in the clients column, or digits
    too many) is below the workbook's absolute limit for a large municipality, so it is
    compared with the estimate instead; estimates below :data:`MIN_CLIENTS_COMPARED` count
    as that many. Fewer clients than estimated is not refused: a small count is plausible.

    >>> frame = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "clients": [500.0]})
    >>> sub = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "clients": [500_000.0], "file": ["aalten.xlsx"], "row": [5]})
    >>> check_submitted_clients(frame, sub, 50)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.InputError: ... 1000 keer het geschatte aantal ...
    >>> check_submitted_clients(frame, sub.assign(clients=900.0), 50)  # a real difference
    """
    if "clients" not in submissions.columns or submissions.empty:
        return
    factor = float(quality_thresholds()["factor_to_public"]) if factor is None else factor
    estimated = frame.set_index(["gemeentecode", "segment", "year"])["clients"]
    problems = []
    for r in submissions.itertuples(index=False):
        value = float(r.clients)
        estimate = float(estimated.get((r.gemeentecode, r.segment, r.year), np.nan))
        if not (np.isfinite(value) and np.isfinite(estimate)):
            continue
        if value < factor * max(estimate, MIN_CLIENTS_COMPARED):
            continue
        problems.append(
            Problem(
                str(getattr(r, "file", "") or "opgave"),
                f"cliënten {r.segment} {r.year} zijn {value / max(estimate, 1):.0f} keer het "
                f"geschatte aantal ({estimate:,.0f}".replace(",", ".")
                + "): een bedrag in de kolom cliënten, of een cijfer te veel?",
                row=int(r.row) if "row" in submissions.columns and pd.notna(r.row) else None,
                column="Cliënten",
                found=value,
                expected=f"een aantal binnen een factor {factor:.0f} van de schatting, "
                "of een toelichting en een nieuwe opgave",
            )
        )
    if problems:
        raise InputError(problems)


def apply_submissions(
    frame: pd.DataFrame, submissions: pd.DataFrame, report: str = "jaarrekening"
) -> pd.DataFrame:
    """Replace estimates with figures a municipality submitted (clients and/or spend).

    ``submissions`` has columns ``gemeentecode, segment, year, clients, spend`` (EUR); an empty
    (NaN) cell keeps the baseline value. Submissions are realised figures, so they apply to the
    actuals only. ``spend_iv3`` is kept so the Iv3 reconciliation still holds.

    >>> frame = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "spend": [1000.0], "spend_flag": ["estimated"], "clients": [10.0],
    ...     "clients_flag": ["estimated"], "method": ["Iv3"]})
    >>> sub = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "year": [2023],
    ...     "clients": [12.0], "spend": [np.nan]})
    >>> out = apply_submissions(frame, sub)
    >>> out[["spend", "spend_flag", "clients", "clients_flag"]].values.tolist()
    [[1000.0, 'estimated', 12.0, 'submitted']]
    """
    if report != "jaarrekening":
        return frame
    check_submitted_spend(frame, submissions)
    check_submitted_clients(frame, submissions)
    frame = frame.copy()
    sub = submissions.set_index(["gemeentecode", "segment", "year"])
    keys = list(zip(frame["gemeentecode"], frame["segment"], frame["year"]))
    for col in ("clients", "spend"):
        if col not in sub.columns:
            continue
        values = sub[col].reindex(keys).to_numpy(dtype=float)
        has = ~np.isnan(values)
        frame.loc[has, col] = values[has]
        frame.loc[has, f"{col}_flag"] = "submitted"
        frame.loc[has, "method"] = (
            frame.loc[has, "method"] + f"; {col} submitted by the municipality"
        )
    return frame


def reconcile(
    baseline: pd.DataFrame, region: Region, iv3: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check that the segments of a municipality-year add up to the task fields they come from.

    Returns one row per municipality and year with the Iv3 total of the converted task fields,
    the sum of ``spend_booked`` over segments, and the difference (0 up to rounding); plus the
    region totals of ``spend_iv3`` (after pooling) next to the Iv3 totals.
    """
    iv3 = load_iv3() if iv3 is None else iv3
    report = baseline["report"].iloc[0]
    conversion = load_conversion(region)
    raw = region_iv3(region, report, iv3)
    rows = []
    for (code, year), grp in baseline.groupby(["gemeentecode", "year"]):
        fields = converted_fields(conversion, int(year))
        r = raw[
            (raw["gemeentecode"] == code) & (raw["year"] == year) & raw["taakveld"].isin(fields)
        ]
        rows.append(
            {
                "gemeentecode": code,
                "year": int(year),
                "fields": ", ".join(fields),
                "iv3_total": float(r["spend"].sum()),
                "segments_booked": float(grp["spend_booked"].sum()),
                "segments_attributed": float(grp["spend_iv3"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["difference"] = out["segments_booked"] - out["iv3_total"]
    return out


def domain_totals(baseline: pd.DataFrame, column: str = "spend_iv3") -> pd.DataFrame:
    """Spending per year and domain (and in total) for the whole region, in euros.

    >>> from bekostiging.config.region import load_region
    >>> t = domain_totals(build_baseline(load_region("achterhoek")))
    >>> round(float(t.loc[2019, "jeugd"]) / 1e6, 1)
    85.7
    """
    t = baseline.pivot_table(index="year", columns="domain", values=column, aggfunc="sum")
    t["totaal"] = t.sum(axis=1)
    return t


def to_current_boundaries(
    frame: pd.DataFrame,
    region: Region,
    value_columns: Iterable[str] = (
        "spend_booked",
        "spend_iv3",
        "spend",
        "population",
        "clients",
        "clients_estimate",
    ),
) -> pd.DataFrame:
    """Add the figures of merged-away municipalities to today's municipality (per year).

    Amounts, populations and clients add up; cost per client is recomputed. Flags combine to
    the least certain one.
    """
    frame = frame.copy()
    frame["gemeentecode"] = frame["gemeentecode"].map(region.current_code)
    frame["gemeente"] = frame["gemeentecode"].map(region.name_of)
    keys = [c for c in (*IDENTITY_COLUMNS, "target_population") if c in frame.columns]
    values = [c for c in value_columns if c in frame.columns]
    flags = [c for c in frame.columns if c.endswith("_flag")]
    agg = {c: "sum" for c in values}
    inv = {v: k for k, v in FLAG_RANK.items()}
    for f in flags:
        frame[f] = frame[f].map(FLAG_RANK)
        agg[f] = "max"
    out = frame.groupby(keys, dropna=False, sort=False).agg(agg).reset_index()
    for f in flags:
        out[f] = out[f].map(inv)
    if {"spend", "clients"} <= set(out.columns):
        out["cost_per_client"] = np.where(out["clients"] > 0, out["spend"] / out["clients"], np.nan)
    return out
