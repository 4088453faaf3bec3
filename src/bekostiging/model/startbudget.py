"""Start budget per municipality x segment: the seven steps of seed 003, section 3.3.

One function per step, for any reference year (``peiljaar``) and contract start:

1. :func:`step1_segments` - the procured segments, their sub-segments and funding;
2. :func:`step2_conversion` - the conversion from Iv3 task fields to segments;
3. :func:`step3_expected_clients` - expected clients per contract year: reference clients x
   demography (target population) x trend (the damped historical real growth) x the caseload's
   stock-flow toward the need (:mod:`bekostiging.model.clients`: the reference clients are
   observed use, the prevalence is the need, so a change in either changes the budget);
4. :func:`step4_cost_per_client` - realised spend per client in the reference period;
5. :func:`step5_local_policy` - each municipality's expected development from local policy
   (from its submission, else the ``startbudget.local_policy`` assumption);
6. :func:`step6_regional_totals` - the regional total and each municipality's share;
7. :func:`step7_price_factors` - indexation, efficiency gains and chain agreements (7a-7c); the
   benchmark against all Dutch municipalities (7d) is :mod:`bekostiging.model.peers`.

:func:`start_budget` runs them all. Per municipality ``m``, segment ``s`` and calendar year
``y`` of the contract:

    clients(m,s,y) = clients(m,s,ref) x pop(m,s,y)/pop(m,s,ref) x (1+trend_s)^(y-ref)
                     x caseload(m,s,y) x (1+policy_m,s)^(years from the policy's start)
    cost_per_client(m,s,y) = spend(m,s,ref)/clients(m,s,ref) x index(ref->y)
                             x (1-efficiency_s)^(y - first contract year) x (1-chain_s)
    budget(m,s,y) = clients x cost_per_client x share of year y inside the contract

A contract starting on 1 July gives half a first (and last) year. Every municipality remains
responsible for its own residents (seed 003, 3.2), so budgets are per municipality and the
regional total is their sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bekostiging.config.contract import parse_date, year_fractions
from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.core.errors import ParameterError, Problem, display_path
from bekostiging.data.panel import build_panel, jeugdzorgregio_of
from bekostiging.data.rawdata import load_iv3, load_population
from bekostiging.model.anchor import (
    HORIZONS,
    forecast_factors,
    national_growth,
    national_spread,
)
from bekostiging.model.baseline import build_baseline, to_current_boundaries
from bekostiging.model.calibration import (
    calibrate_growth,
    cumulative_index,
    index_known_until,
    index_path,
    real_growth,
)
from bekostiging.model.clients import caseload_factors
from bekostiging.model.conversion import FIRST_SPLIT_YEAR, load_conversion
from bekostiging.model.damping import DampingChoice, damping_as_of
from bekostiging.model.population import population_known_until, project_population


def segment_value(params: Parameters, prefix: str, segment: str, key=None) -> float:
    """``prefix.<segment>`` if the assumptions have it, else ``prefix.default``.

    >>> from bekostiging.config.region import load_region
    >>> p = load_region("achterhoek").parameters
    >>> segment_value(p, "startbudget.chain_agreements", "iaj")
    0.01
    >>> segment_value(p, "startbudget.chain_agreements", "gwv")
    0.0
    """
    name = f"{prefix}.{segment}"
    if name in params:
        return float(params.value(name, key))
    return float(params.value(f"{prefix}.default", key))


# --- steps 1 and 2 ---------------------------------------------------------------------------


def step1_segments(region: Region) -> pd.DataFrame:
    """Step 1: the procured segments with sub-segments, funding variant and contract start.

    >>> from bekostiging.config.region import load_region
    >>> step1_segments(load_region("achterhoek"))[["segment", "funding"]].head(4).values.tolist()
    [['iaj', 'lumpsum'], ['gwv', 'lumpsum'], ['hcv', 'lumpsum'], ['dyslexie', 'population']]
    """
    rows = []
    for s in region.procured_segments():
        rows.append(
            {
                "segment": s.id,
                "segment_name": s.name,
                "domain": s.domain,
                "subsegments": ", ".join(s.subsegments) or "-",
                "funding": s.funding["variant"],
                "contract_start": s.contract_start,
                "target_population": s.target_population,
                "source": s.source,
            }
        )
    return pd.DataFrame(rows)


def step2_conversion(region: Region) -> pd.DataFrame:
    """Step 2: how Iv3 task fields are converted to the new segments (shares per year range)."""
    conv = load_conversion(region)
    return conv[["years", "taakveld", "segment", "share", "gemeentecode", "source", "note"]]


# --- what is known as of the reference year --------------------------------------------------


def known_iv3(iv3: pd.DataFrame, region: Region, reference_year: int) -> pd.DataFrame:
    """The Iv3 rows known as of the reference year: actuals up to Y, primary budgets up to Y+1.

    >>> iv3 = pd.DataFrame({"report": ["jaarrekening"] * 2 + ["begroting"] * 2,
    ...                     "year": [2021, 2022, 2022, 2023]})
    >>> from bekostiging.config.region import load_region
    >>> known_iv3(iv3, load_region("achterhoek"), 2021).values.tolist()
    [['jaarrekening', 2021], ['begroting', 2022]]
    """
    actual = (iv3["report"] == region.actuals_report) & (iv3["year"] <= reference_year)
    budget = (iv3["report"] == region.budget_report) & (iv3["year"] <= reference_year + 1)
    return iv3[actual | budget].reset_index(drop=True)


def submitted_figures(baseline: pd.DataFrame) -> pd.DataFrame:
    """The submitted clients and spend of a baseline, as :func:`build_baseline` takes them."""
    cols = ["gemeentecode", "segment", "year"]
    sub = baseline[cols].copy()
    for col in ("clients", "spend"):
        sub[col] = baseline[col].where(baseline[f"{col}_flag"] == "submitted")
    return sub[sub[["clients", "spend"]].notna().any(axis=1)].reset_index(drop=True)


def as_of_baseline(
    baseline: pd.DataFrame,
    region: Region,
    reference_year: int,
    params: Parameters,
    iv3: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A baseline (actuals or budgets) as it could be built as of the reference year Y.

    Actuals run up to Y, budgets up to Y+1. Before 2023 Iv3 books all youth care on 6.72; the
    baseline splits it over segments with the split of ``region.youth_split_years``
    (2023-2024 actuals). Before the last of those years that split is not known, so the
    baseline is rebuilt from :func:`known_iv3`: the split of the split years up to Y, or
    without any the ``youth_split_fallback`` shares. Submitted figures of the given baseline
    are kept. From the last split year on, the given rows are returned as they are.
    """
    report = str(baseline["report"].iloc[0]) if len(baseline) else region.actuals_report
    actuals = report == region.actuals_report
    rows = baseline[baseline["year"] <= reference_year + (0 if actuals else 1)]
    split_years = region.youth_split_years
    if not split_years or max(split_years) <= reference_year:
        return rows
    known = known_iv3(load_iv3() if iv3 is None else iv3, region, reference_year)
    subs = submitted_figures(rows) if actuals else None
    return build_baseline(region, report=report, params=params, submissions=subs, iv3=known)


# --- steps 3 to 5 ----------------------------------------------------------------------------


def reference_rows(baseline: pd.DataFrame, region: Region, reference_year: int) -> pd.DataFrame:
    """The baseline of the reference year on today's municipal boundaries, procured segments."""
    years = sorted(baseline["year"].unique())
    if reference_year not in years:
        raise ParameterError(
            Problem(
                "parameters",
                f"peiljaar {reference_year} heeft geen realisatiecijfers",
                found=reference_year,
                expected=f"een jaar van {years[0]} tot en met {years[-1]}",
            )
        )
    cur = to_current_boundaries(baseline[baseline["year"] <= reference_year], region)
    procured = set(region.segment_ids(procured_only=True))
    return cur[cur["segment"].isin(procured)]


def carry_forward(
    reference: pd.DataFrame, codes: Iterable[str], reference_year: int, rates: dict[int, float]
) -> pd.DataFrame:
    """A municipality without actuals for the reference year (no jaarrekening filed) keeps
    its last filed year: the rows copied to the reference year, spend at reference-year prices
    (care price index), clients as they were; ``carried_from`` names the year (NaN otherwise).

    The data-quality step lists the missing year; without this the municipality would drop out
    of the start budget without a word.

    >>> ref = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "segment": ["s"] * 3,
    ...     "year": [2023, 2024, 2023], "spend": [100.0, 110.0, 200.0], "clients": [10.0] * 3})
    >>> out = carry_forward(ref, ["A", "B"], 2024, {2024: 0.05})
    >>> out[out["year"] == 2024][["gemeentecode", "spend", "carried_from"]].values.tolist()
    [['A', 110.0, nan], ['B', 210.0, 2023.0]]
    """
    out = reference.assign(carried_from=np.nan)
    have = set(out.loc[out["year"] == reference_year, "gemeentecode"])
    extra = []
    for code in codes:
        rows = out[(out["gemeentecode"] == code) & (out["year"] < reference_year)]
        if code in have or rows.empty:
            continue
        last = int(rows["year"].max())
        r = rows[rows["year"] == last].copy()
        r["spend"] = r["spend"] * cumulative_index(rates, last, reference_year)
        r["year"], r["carried_from"] = reference_year, float(last)
        extra.append(r)
    return pd.concat([out, *extra], ignore_index=True) if extra else out


def step4_cost_per_client(
    reference: pd.DataFrame,
    reference_year: int,
    rates: dict[int, float],
    reference_years: int = 1,
    reference_cost: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Step 4: realised spend and clients in the reference period, spend per client.

    With ``reference_years`` > 1, spend of earlier years is brought to reference-year prices
    with the care price index and the per-client amount is the ratio of the sums.

    >>> ref = pd.DataFrame({"gemeentecode": ["A"] * 2, "segment": ["s"] * 2, "year": [2020, 2021],
    ...     "spend": [100.0, 132.0], "clients": [10.0, 12.0]})
    >>> step4_cost_per_client(ref, 2021, {2021: 0.1}, 2)["cost_per_client_ref"].round(2).tolist()
    [11.0]

    A municipality that booked nothing in the segment gets no clients and the region's cost
    per client (B: 0 spend; A: 132 / 12 = 11); when no municipality booked the segment, the
    cost per client is ``reference_cost`` (``cost_per_client_reference.<segment>``):

    >>> two = pd.DataFrame({"gemeentecode": ["A", "B"], "segment": ["s", "s"],
    ...     "year": [2021, 2021], "spend": [132.0, 0.0], "clients": [12.0, 5.0]})
    >>> b = step4_cost_per_client(two, 2021, {2021: 0.1}).set_index("gemeentecode").loc["B"]
    >>> float(b["clients_ref"]), float(b["cost_per_client_ref"]), bool(b["no_spend"])
    (0.0, 11.0, True)
    """
    first = reference_year - reference_years + 1
    r = reference[(reference["year"] >= first) & (reference["year"] <= reference_year)].copy()
    r["price_factor"] = [cumulative_index(rates, int(y), reference_year) for y in r["year"]]
    r["spend_ref_prices"] = r["spend"] * r["price_factor"]
    g = r.groupby(["gemeentecode", "segment"]).agg(
        spend=("spend_ref_prices", "sum"), clients=("clients", "sum")
    )
    now = r[r["year"] == reference_year].set_index(["gemeentecode", "segment"])
    # Series, not arrays: the two tables are in different orders and must align on the index.
    per_client = (g["spend"] / g["clients"]).where(g["clients"] > 0)
    # No spend booked in the reference period (all of it on another task field, or the care
    # not bought): no clients counted in this segment, so no budget; the cost per client is
    # the region's for the segment, so the projection has a price for any client that comes.
    # Negative spend (a correction booked in the reference period) keeps its clients at that
    # same regional cost per client; the data-quality step lists both cases.
    none = (g["spend"] == 0).reindex(now.index, fill_value=False)
    negative = (g["spend"] < 0).reindex(now.index, fill_value=False)
    paid = g[g["spend"] > 0].groupby(level="segment")[["spend", "clients"]].sum()
    regional = (paid["spend"] / paid["clients"]).where(paid["clients"] > 0)
    segment = now.index.get_level_values("segment")
    fallback = pd.Series(regional.reindex(segment).to_numpy(), index=now.index)
    if reference_cost:  # no municipality of the region booked the segment: the reference
        ref = pd.Series([reference_cost.get(s, np.nan) for s in segment], index=now.index)
        fallback = fallback.fillna(ref)
    out = pd.DataFrame(
        {
            "spend_ref": now["spend"],
            "clients_ref": now["clients"].where(~none, 0.0),
            "cost_per_client_ref": per_client.reindex(now.index).where(
                ~(none | negative), fallback
            ),
            "no_spend": none | negative,
        }
    )
    return out.reset_index()


def historical_trend(
    baseline: pd.DataFrame, region: Region, reference_year: int, params: Parameters
) -> pd.DataFrame:
    """Real growth of spend per target inhabitant per segment, first data year to ``peiljaar``.

    Calibrated across the region's municipalities (see :mod:`bekostiging.model.calibration`). The
    2023 transition of youth segments is left out: before 2023 their split is an estimate.
    """
    hist = to_current_boundaries(baseline[baseline["year"] <= reference_year], region)
    frame = hist.rename(columns={"segment": "unit"})[
        ["gemeentecode", "unit", "year", "spend", "population"]
    ]
    rates = index_path(
        params, range(region.first_year, reference_year + 1), known_until=reference_year
    )
    youth = [s.id for s in region.segments if s.domain == "jeugd"]
    growth = real_growth(
        frame,
        rates,
        exclude=[(u, FIRST_SPLIT_YEAR) for u in youth],
        clip=float(params.value("projection.outlier_log_growth")),
    )
    return calibrate_growth(growth)


def step3_expected_clients(
    reference: pd.DataFrame,
    population: pd.DataFrame,
    region: Region,
    reference_year: int,
    years: list[int],
    trend: pd.Series,
) -> pd.DataFrame:
    """Step 3: expected clients per municipality x segment x year (demography and trend).

    ``trend`` is the yearly real growth per segment already damped (a fraction).
    """
    seg_group = {s.id: s.target_population for s in region.segments}
    pop = population.set_index(["gemeentecode", "year", "age_group"])["population"]
    rows = []
    for r in reference.itertuples():
        group = seg_group[r.segment]
        p_ref = float(pop[(r.gemeentecode, reference_year, group)])
        for y in years:
            p = float(pop[(r.gemeentecode, y, group)])
            t = (1.0 + float(trend.get(r.segment, 0.0))) ** (y - reference_year)
            rows.append(
                {
                    "gemeentecode": r.gemeentecode,
                    "segment": r.segment,
                    "year": y,
                    "population_ref": p_ref,
                    "population": p,
                    "demography_factor": p / p_ref if p_ref > 0 else 1.0,
                    "trend_factor": t,
                }
            )
    return pd.DataFrame(rows)


def step5_local_policy(
    codes: list[str],
    segments: list[str],
    years: list[int],
    params: Parameters,
    expectations: pd.DataFrame | None = None,
    first_year: int | None = None,
) -> pd.DataFrame:
    """Step 5: the factor on clients from each municipality's own policy, per year.

    A submitted expectation (``annual_change`` from ``from_year``) replaces the assumption for
    that municipality and segment; several measures for one segment add up. The factor
    compounds from the policy's first year (and never before ``first_year``).

    >>> from bekostiging.config.region import load_region
    >>> p = load_region("achterhoek").parameters
    >>> exp = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "from_year": [2023],
    ...                     "annual_change": [-0.02], "reason": ["POH Jeugd"]})
    >>> f = step5_local_policy(["GM0197"], ["iaj"], [2022, 2023, 2024], p, exp)
    >>> f["policy_factor"].round(4).tolist()
    [1.0, 0.98, 0.9604]
    """
    rows = []
    exp = (
        expectations
        if expectations is not None
        else pd.DataFrame(
            columns=["gemeentecode", "segment", "from_year", "annual_change", "reason"]
        )
    )
    for code in codes:
        for seg in segments:
            mine = exp[(exp["gemeentecode"] == code) & (exp["segment"] == seg)]
            if mine.empty:
                change = segment_value(params, "startbudget.local_policy", seg, code)
                start, reason, flag = first_year or min(years), "", "estimated"
                measures = [(change, start)]
            else:
                measures = [
                    (float(c), int(f)) for c, f in zip(mine["annual_change"], mine["from_year"])
                ]
                reason = "; ".join(str(x) for x in mine["reason"] if str(x))
                flag = "submitted"
            for y in years:
                factor = 1.0
                for change, start in measures:
                    n = max(0, y - max(start, first_year or start) + 1)
                    factor *= (1.0 + change) ** n
                rows.append(
                    {
                        "gemeentecode": code,
                        "segment": seg,
                        "year": y,
                        "policy_factor": factor,
                        "policy_reason": reason,
                        "policy_flag": flag,
                    }
                )
    return pd.DataFrame(rows)


# --- steps 6 and 7 ---------------------------------------------------------------------------


def step7_price_factors(
    segments: list[str],
    years: list[int],
    reference_year: int,
    first_contract_year: int,
    params: Parameters,
    rates: dict[int, float],
) -> pd.DataFrame:
    """Step 7a-c: indexation, efficiency gains and chain agreements per segment and year."""
    rows = []
    for seg in segments:
        eff = segment_value(params, "startbudget.efficiency", seg)
        chain = segment_value(params, "startbudget.chain_agreements", seg)
        for y in years:
            rows.append(
                {
                    "segment": seg,
                    "year": y,
                    "index_factor": cumulative_index(rates, reference_year, y)
                    if y >= reference_year
                    else 1.0,
                    "efficiency_factor": (1.0 - eff) ** max(0, y - first_contract_year),
                    "chain_factor": (1.0 - chain) if y >= first_contract_year else 1.0,
                }
            )
    return pd.DataFrame(rows)


def step6_regional_totals(budget: pd.DataFrame) -> pd.DataFrame:
    """Step 6: regional total per segment and year, and each municipality's share of it."""
    tot = budget.groupby(["segment", "year"])["budget"].transform("sum")
    out = budget[["gemeentecode", "segment", "year", "budget"]].copy()
    out["regional_total"] = tot
    out["share"] = np.where(tot > 0, out["budget"] / tot, np.nan)
    return out


@dataclass(frozen=True)
class StartBudget:
    """The start budget and the tables of each step, for notebooks and reports."""

    region: Region
    reference_year: int
    contract_start: dt.date
    contract_years: int
    table: pd.DataFrame  # municipality x segment x year, every factor and the budget
    segments: pd.DataFrame  # step 1
    trend: pd.DataFrame  # calibration of the historical trend (input to step 3)
    regional: pd.DataFrame  # step 6
    baseline: pd.DataFrame | None = None  # the actuals as known as of the reference year
    damping: DampingChoice | None = None  # the trend share used, and why
    forecast: pd.DataFrame | None = None  # the national forecast's growth per scope (anchor)
    spread: pd.DataFrame | None = None  # its out-of-sample spread per scope and horizon

    def per_segment(self) -> pd.DataFrame:
        """Regional budget per segment (rows) and calendar year (columns), in euros."""
        return self.table.pivot_table(
            index="segment", columns="year", values="budget", aggfunc="sum", sort=False
        )

    def for_municipality(self, code: str) -> pd.DataFrame:
        return self.table[self.table["gemeentecode"] == code]


@dataclass(frozen=True)
class ContractCalendar:
    """When each procured segment's contract runs: start, share of each calendar year inside it."""

    starts: dict[str, dt.date]
    fractions: dict[str, dict[int, float]]
    years: list[int]
    first_year: int
    length: int


def contract_calendar(
    region: Region, contract_start: str | dt.date | None, contract_years: int | None
) -> ContractCalendar:
    """Each segment's start (a given date applies to all) and year fractions over the term.

    >>> from bekostiging.config.region import load_region
    >>> cal = contract_calendar(load_region("achterhoek"), "2027-07-01", 2)
    >>> cal.years, cal.fractions["iaj"]
    ([2027, 2028, 2029], {2027: 0.5, 2028: 1.0, 2029: 0.5})
    """
    length = contract_years or sum(region.contract_terms)
    common = parse_date(contract_start) if contract_start is not None else None
    starts = {
        s.id: common or s.contract_start or region.contract_start
        for s in region.procured_segments()
    }
    fractions = {s: year_fractions(d, length) for s, d in starts.items()}
    years = sorted({y for f in fractions.values() for y in f})
    return ContractCalendar(starts, fractions, years, min(d.year for d in starts.values()), length)


def check_contract_after_reference(
    region: Region,
    calendar: ContractCalendar,
    reference_year: int,
    contract_start: str | dt.date | None = None,
) -> None:
    """Stop with a clear message when the contract starts before the reference year.

    The start budget is known as of the reference year Y; the population is projected from
    Y on, so a contract year before Y (the Achterhoek's own start, 1 July 2022, with Y = 2024)
    cannot be priced. The message names the region file and suggests ``--contract-start``.

    >>> from bekostiging.config.region import load_region
    >>> region = load_region("achterhoek")
    >>> check_contract_after_reference(region, contract_calendar(region, "2025-01-01", 3), 2024)
    >>> try:
    ...     check_contract_after_reference(region, contract_calendar(region, None, None), 2024)
    ... except ParameterError as err:
    ...     p = err.problems[0]
    >>> p.file, p.column, p.found
    ('data/assumptions/regions/achterhoek.yaml', 'segments.dyslexie.contract_start', '2021-08-01')
    >>> p.message.startswith("het contract begint in 2021, vóór het peiljaar 2024")
    True
    >>> p.expected
    'een ingangsdatum in of na het peiljaar, bijv. --contract-start 2025-01-01'
    """
    first = min(calendar.years)
    if first >= reference_year:
        return
    early = min(calendar.starts.items(), key=lambda item: item[1])
    given = contract_start is not None
    raise ParameterError(
        Problem(
            "--contract-start" if given else display_path(region.source_file),
            f"het contract begint in {first}, vóór het peiljaar {reference_year}; het "
            "startbudget rekent alleen contractjaren vanaf het peiljaar",
            column=None if given else f"segments.{early[0]}.contract_start",
            found=early[1].isoformat(),
            expected=f"een ingangsdatum in of na het peiljaar, bijv. --contract-start "
            f"{reference_year + 1}-01-01",
        )
    )


def trend_used(
    trend_cal: pd.DataFrame, segments: list[str], params: Parameters, damping: float
) -> pd.Series:
    """The annual trend per segment: a named assumption if set, else the damped calibration.

    ``damping`` is the share of the historical trend that continues
    (:func:`bekostiging.model.damping.damping_as_of`).
    """
    trend = {}
    for seg in segments:
        name = f"startbudget.trend.{seg}"
        if name in params:
            trend[seg] = float(params.value(name))
        elif seg in trend_cal.index:
            trend[seg] = float(np.expm1(trend_cal.loc[seg, "mu"] * damping))
        else:
            trend[seg] = 0.0
    return pd.Series(trend)


def combine_steps(
    step3: pd.DataFrame,
    step4: pd.DataFrame,
    step5: pd.DataFrame,
    step7: pd.DataFrame,
    calendar: ContractCalendar,
    factors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Clients x cost per client x the share of the year inside the contract (the budget).

    ``factors`` (:func:`bekostiging.model.anchor.forecast_factors`) carries the national
    forecast's level onto the clients; without it the factor is 1.
    """
    t = (
        step3.merge(step4, on=["gemeentecode", "segment"])
        .merge(step5, on=["gemeentecode", "segment", "year"])
        .merge(step7, on=["segment", "year"])
    )
    if factors is not None:
        t = t.merge(factors, on=["gemeentecode", "segment", "year"], how="left")
        t["forecast_factor"] = t["forecast_factor"].fillna(1.0)
        t["forecast_horizon"] = t["forecast_horizon"].fillna(0).astype(int)
    else:
        t["forecast_factor"], t["forecast_horizon"] = 1.0, 0
    if "caseload_factor" not in t.columns:
        t["caseload_factor"] = 1.0
    t["clients"] = (
        t["clients_ref"]
        * t["demography_factor"]
        * t["trend_factor"]
        * t["forecast_factor"]
        * t["caseload_factor"]
        * t["policy_factor"]
    )
    t["cost_per_client"] = (
        t["cost_per_client_ref"] * t["index_factor"] * t["efficiency_factor"] * t["chain_factor"]
    )
    t["year_fraction"] = [
        calendar.fractions[s].get(y, 0.0) for s, y in zip(t["segment"], t["year"])
    ]
    t["budget_full_year"] = t["clients"] * t["cost_per_client"]
    t["budget"] = t["budget_full_year"] * t["year_fraction"]
    return t


def label_budget(
    t: pd.DataFrame, region: Region, ref_now: pd.DataFrame, segments: list[str]
) -> pd.DataFrame:
    """Names, funding and flags beside the numbers; contract years only, in segment order."""
    info = {s.id: s for s in region.segments}
    t["segment_name"] = t["segment"].map(lambda s: info[s].name)
    t["funding"] = t["segment"].map(lambda s: info[s].funding["variant"])
    t["gemeente"] = t["gemeentecode"].map(region.name_of)
    flags = ref_now.set_index(["gemeentecode", "segment"])["clients_flag"]
    t["clients_ref_flag"] = [flags.get((c, s)) for c, s in zip(t["gemeentecode"], t["segment"])]
    t["flag"] = "estimated"  # every start budget rests on assumptions (trend, index, ...)
    order = {s: i for i, s in enumerate(segments)}
    t = t.sort_values(
        ["gemeentecode", "segment", "year"],
        key=lambda c: c.map(order) if c.name == "segment" else c,
    )
    return t[t["year_fraction"] > 0].reset_index(drop=True)


def start_budget(
    region: Region,
    baseline: pd.DataFrame,
    reference_year: int,
    contract_start: str | dt.date | None = None,
    contract_years: int | None = None,
    params: Parameters | None = None,
    expectations: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    iv3: pd.DataFrame | None = None,
) -> StartBudget:
    """Run steps 1-7 for every current municipality and procured segment.

    ``contract_start`` defaults to each segment's own start in the region file (Dyslexie
    1 August 2021, the others 1 July 2022 in the Achterhoek); a given date applies to all
    segments. ``contract_years`` defaults to the full term (3 + 2 + 2 = 7).

    Only what is known as of the reference year Y enters: actuals up to Y (with the youth
    split as known then, :func:`as_of_baseline`, from ``iv3`` or the shipped Iv3), the care
    price index up to Y+1 (later years repeat the Y+1 rate) and the population on 1 January up
    to Y+1 (later years projected). A given ``population`` table is used as it is.

    The national forecast (:mod:`bekostiging.model.anchor`) sets the level of each
    municipality's youth and Wmo segments for the years Y+1 to Y+3 (its expected value, so the
    start budget is an expected cost); the start budget's own growth (demography, the damped
    trend, the index) carries it on after that. The trend's damping is chosen on the national
    data known as of Y (:func:`bekostiging.model.damping.damping_as_of`).
    """
    params = region.parameters if params is None else params
    cal = contract_calendar(region, contract_start, contract_years)
    segments = list(cal.starts)
    # the years the national forecast covers enter too (its level carries on from them)
    ahead = range(reference_year + 1, reference_year + max(HORIZONS) + 1)
    years = sorted(set(cal.years) | set(ahead))
    iv3 = load_iv3() if iv3 is None else iv3
    panel = build_panel(iv3)

    baseline = as_of_baseline(baseline, region, reference_year, params, iv3)
    reference = reference_rows(baseline, region, reference_year)
    if population is None:
        check_contract_after_reference(region, cal, reference_year, contract_start)
    rates = index_path(
        params,
        range(region.first_year, max(years) + 1),
        known_until=index_known_until(reference_year),
    )
    reference = carry_forward(reference, region.current_codes(), reference_year, rates)
    n_ref = int(params.value("startbudget.reference_years"))
    reference_cost = {
        s: float(params.value(f"cost_per_client_reference.{s}"))
        for s in segments
        if f"cost_per_client_reference.{s}" in params
    }
    step4 = step4_cost_per_client(reference, reference_year, rates, n_ref, reference_cost)
    unpriced = step4[step4["cost_per_client_ref"].isna() & (step4["clients_ref"] > 0)]
    if not unpriced.empty:
        seg = str(unpriced["segment"].iloc[0])
        raise ParameterError(
            Problem(
                "parameters",
                f"geen gemeente van de regio boekte in {reference_year} uitgaven in het "
                f"ingekochte segment {seg}, en er is geen cost_per_client_reference.{seg} om "
                "de cliënten te prijzen",
                found=seg,
                expected=f"cost_per_client_reference.{seg} in het parameterbestand van de regio, "
                "of het segment niet ingekocht",
            )
        )
    pop = (
        population
        if population is not None
        else project_population(
            region,
            range(reference_year, max(years) + 1),
            params,
            last_data_year=population_known_until(reference_year),
        )
    )
    trend_cal = historical_trend(baseline, region, reference_year, params)
    groups = jeugdzorgregio_of()
    damping = damping_as_of(params, reference_year, panel, load_population(), groups)
    trend = trend_used(trend_cal, segments, params, damping.value)
    trend_cal["trend_used"] = trend

    ref_now = reference[reference["year"] == reference_year]
    step3 = step3_expected_clients(ref_now, pop, region, reference_year, years, trend)
    domain_of = {s.id: s.domain for s in region.segments}
    caseload = caseload_factors(ref_now, params, domain_of, reference_year, years)
    step3 = step3.merge(caseload, on=["gemeentecode", "segment", "year"], how="left")
    step3["caseload_factor"] = step3["caseload_factor"].fillna(1.0)
    codes = sorted(ref_now["gemeentecode"].unique())
    step5 = step5_local_policy(codes, segments, years, params, expectations, cal.first_year)
    step7 = step7_price_factors(segments, years, reference_year, cal.first_year, params, rates)
    growth = national_growth(panel, reference_year, region.current_codes())
    spread = national_spread(panel, reference_year, groups)
    horizons = range(1, int(params.value("startbudget.forecast_years")) + 1)
    factors = None
    if len(horizons):
        paths = step3.merge(step7, on=["segment", "year"])
        pooled = [seg for p in region.pooling for seg in p.segments]
        factors = forecast_factors(paths, growth, reference_year, domain_of, pooled, horizons)
        spread = spread.loc[spread["horizon"] <= max(horizons)]
    t = combine_steps(step3, step4, step5, step7, cal, factors)
    t = label_budget(t, region, ref_now, segments)
    return StartBudget(
        region,
        reference_year,
        parse_date(contract_start) if contract_start is not None else region.contract_start,
        cal.length,
        t,
        step1_segments(region),
        trend_cal,
        step6_regional_totals(t),
        baseline,
        damping,
        growth,
        spread if factors is not None else None,
    )
