"""Backtest: run the projection as of an earlier reference year and compare with what followed.

As of the reference year Y (``peiljaar`` in the Dutch interface, e.g. 2021) the tool may use
only what was known then: actuals (Iv3 jaarrekening) up to Y, the population on 1 January up to
Y+1 (later years projected), the care price index as published for years up to Y+1 (later years
repeat it), and the municipalities' primary budgets (Iv3 begroting) up to Y+1; the budget
errors that set the first year's spread need actuals, so they run up to Y.
It projects spending per municipality and domain (youth care: Iv3 6.72-6.74 and 6.82; Wmo:
6.6, 6.71 and 6.81, as booked) for the following years and sets its P10/P50/P90 beside the
actuals (Iv3 jaarrekening) and beside the municipalities' own primary budgets.

The backtest works per domain, not per segment: before 2023 the split of youth care over the
segments needs the 2023-2024 Iv3 split, which was not known in 2021. Domain totals need no
conversion at all, so nothing from after the reference year leaks in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.core.errors import ParameterError, Problem
from bekostiging.data.panel import build_panel, jeugdzorgregio_of
from bekostiging.data.rawdata import load_population
from bekostiging.model.baseline import build_baseline, to_current_boundaries
from bekostiging.model.calibration import (
    budget_error_spread,
    budget_errors,
    calibrate_growth,
    cumulative_index,
    index_known_until,
    index_path,
    real_growth,
)
from bekostiging.model.damping import damping_as_of
from bekostiging.model.population import population_known_until, project_population
from bekostiging.model.projection import Projection, ProjectionInputs, simulate
from bekostiging.model.startbudget import as_of_baseline

# The Jeugdwet covers young people, the Wmo adults: the domains' relevant populations.
DOMAIN_POPULATION = {"jeugd": "jeugd_0_17", "wmo": "volwassen_18plus"}
REGION_ROW = "regio"


@dataclass(frozen=True)
class Backtest:
    region: Region
    reference_year: int
    table: pd.DataFrame  # per municipality code (and 'regio') x domain x year
    calibration: pd.DataFrame  # per domain: mu, sigma, rho as known in the reference year
    budget_bias: pd.DataFrame  # budget errors up to the reference year
    projection: Projection

    def summary(self) -> pd.DataFrame:
        """Per domain, for the municipalities: mean absolute error of the tool's P50 and of the
        primary budgets, and how often the actual fell inside P10-P90.

        Only municipality-years with an actual count: ``n`` is the number compared,
        ``not_compared`` the number without a jaarrekening (not counted as a miss).
        """
        t = self.table[self.table["gemeentecode"] != REGION_ROW]
        g = t.groupby("domain")
        return pd.DataFrame(
            {
                "mae_p50": g["error_p50"].apply(lambda s: s.abs().mean()),
                "mae_budget": g["error_budget"].apply(lambda s: s.abs().mean()),
                "mean_error_p50": g["error_p50"].mean(),
                "mean_error_budget": g["error_budget"].mean(),
                "coverage_p10_p90": g["inside"].mean().astype(float),
                "n": g["inside"].count(),
                "not_compared": g["inside"].apply(lambda s: int(s.isna().sum())),
            }
        )


def _domain_frame(baseline: pd.DataFrame, region: Region, value: str) -> pd.DataFrame:
    cur = to_current_boundaries(baseline, region)
    return cur.groupby(["gemeentecode", "domain", "year"], as_index=False)[value].sum()


def _known_domains(
    full: pd.DataFrame, known: pd.DataFrame, region: Region, last_known: int
) -> pd.DataFrame:
    """Booked spending per domain: up to ``last_known`` from ``known``, the baseline as it could
    be built then (a youth split from later years changes the domain sums in the last bits),
    after it from ``full``, as it happened (only to compare with)."""
    later = full[full["year"] > last_known]
    frames = [_domain_frame(f, region, "spend_booked") for f in (known, later)]
    return pd.concat(frames, ignore_index=True)


def _check_reference_year(region: Region, reference_year: int, last_actual: int) -> None:
    """The reference year must leave two known years before it and actuals after it."""
    if not region.first_year + 2 <= reference_year < last_actual:
        raise ParameterError(
            Problem(
                "parameters",
                "peiljaar van de terugblik buiten het bereik",
                found=reference_year,
                expected=f"van {region.first_year + 2} tot en met {last_actual - 1}",
            )
        )


def _population_index(
    region: Region, params: Parameters, reference_year: int, last_actual: int
) -> pd.Series:
    """Population per (code, year, age group): 1 January observed up to Y+1, later projected."""
    years = range(region.first_year, last_actual + 1)
    last = population_known_until(reference_year)
    pop = project_population(region, years, params, last_data_year=last)
    return pop.set_index(["gemeentecode", "year", "age_group"])["population"]


def _populations(booked: pd.DataFrame, popidx: pd.Series) -> list[float]:
    """The relevant population (youth or adults) of every row of the booked spending."""
    return [
        float(popidx[(c, y, DOMAIN_POPULATION[d])])
        for c, d, y in zip(booked["gemeentecode"], booked["domain"], booked["year"])
    ]


def _budget_spread(
    actuals: pd.DataFrame, budgets: pd.DataFrame, reference_year: int
) -> pd.DataFrame:
    """Spread of the primary budgets' errors known in the reference year."""
    errors = budget_errors(
        actuals[actuals["year"] <= reference_year],
        budgets[budgets["year"] <= reference_year],
        ["gemeentecode", "domain"],
    )
    return budget_error_spread(errors)


def _calibration(
    booked: pd.DataFrame, rates: pd.Series, params: Parameters, reference_year: int
) -> pd.DataFrame:
    """Growth calibration per domain from the booked spending up to the reference year."""
    history = booked[booked["year"] <= reference_year].rename(
        columns={"domain": "unit", "spend_booked": "spend"}
    )
    clip = float(params.value("projection.outlier_log_growth"))
    return calibrate_growth(real_growth(history, rates, clip=clip))


def _expected_paths(
    booked: pd.DataFrame,
    popidx: pd.Series,
    cal: pd.DataFrame,
    rates: pd.Series,
    damping: float,
    keys: tuple[tuple[str, ...], tuple[str, ...], list[int]],
    reference_year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected volume (spend of the reference year x demography x damped trend) and price
    index per (municipality, domain, year) after the reference year."""
    munis, domains, years = keys
    ref = booked[booked["year"] == reference_year].set_index(["gemeentecode", "domain"])
    clients = np.zeros((len(munis), len(domains), len(years)))
    cost = np.zeros_like(clients)
    for a, m in enumerate(munis):
        for b, d in enumerate(domains):
            group = DOMAIN_POPULATION[d]
            p_ref = float(popidx[(m, reference_year, group)])
            trend = float(np.expm1(cal.loc[d, "mu"] * damping))
            for c, y in enumerate(years):
                demo = float(popidx[(m, y, group)]) / p_ref
                clients[a, b, c] = (
                    float(ref.loc[(m, d), "spend_booked"])
                    * demo
                    * (1 + trend) ** (y - reference_year)
                )
                cost[a, b, c] = cumulative_index(rates, reference_year, y)
    return clients, cost


def _level_sigma(cal: pd.DataFrame, spread: pd.DataFrame, domains: tuple[str, ...]) -> np.ndarray:
    """Level uncertainty per domain: the budget error spread beyond the growth noise."""
    sigma = cal.loc[list(domains), "sigma"].to_numpy()
    return np.array(
        [
            np.sqrt(max(0.0, float(spread.loc[d, "sigma"]) ** 2 - s**2))
            for d, s in zip(domains, sigma)
        ]
    )


def _comparison(
    spend: np.ndarray,
    booked: pd.DataFrame,
    planned: pd.DataFrame,
    keys: tuple[tuple[str, ...], tuple[str, ...], list[int]],
) -> pd.DataFrame:
    """Per domain, year and municipality (and the region): P10/P50/P90 and the mean beside the
    actual and the budget.

    A municipality-year without a jaarrekening (a non-filer, SOURCES.md caveat 6) has no
    actual: its ``actual`` and errors are NaN and ``inside`` is missing (``pd.NA``, "niet
    vergeleken"), not a miss; so is the region's row of that year, whose total lacks a part.
    """
    munis, domains, years = keys
    actual = booked.set_index(["gemeentecode", "domain", "year"])["spend_booked"]
    budget = planned.set_index(["gemeentecode", "domain", "year"])["spend_booked"]
    rows = []
    for b, d in enumerate(domains):
        for c, y in enumerate(years):
            for a, m in enumerate((*munis, REGION_ROW)):
                if m == REGION_ROW:
                    draws_ = spend[:, :, b, c].sum(axis=1)
                    act = sum(float(actual.get((x, d, y), np.nan)) for x in munis)
                    bud = sum(float(budget.get((x, d, y), np.nan)) for x in munis)
                else:
                    draws_ = spend[:, a, b, c]
                    act = float(actual.get((m, d, y), np.nan))
                    bud = float(budget.get((m, d, y), np.nan))
                p10, p50, p90 = np.quantile(draws_, [0.1, 0.5, 0.9])
                mean = float(np.mean(draws_, dtype=np.float64))
                rows.append(
                    {
                        "gemeentecode": m,
                        "domain": d,
                        "year": y,
                        "actual": act,
                        "budget": bud,
                        "p10": p10,
                        "p50": p50,
                        "p90": p90,
                        "mean": mean,
                        "error_p50": p50 / act - 1.0 if act else np.nan,
                        "error_budget": bud / act - 1.0 if act and not np.isnan(bud) else np.nan,
                        "inside": pd.NA if np.isnan(act) else bool(p10 <= act <= p90),
                    }
                )
    out = pd.DataFrame(rows)
    out["inside"] = out["inside"].astype("boolean")
    return out


def run_backtest(
    region: Region,
    reference_year: int = 2021,
    draws: int = 2000,
    seed: int = 20210101,
    params: Parameters | None = None,
    actuals: pd.DataFrame | None = None,
    budgets: pd.DataFrame | None = None,
) -> Backtest:
    """Project as of the reference year and compare with the actuals and budgets that followed.

    The table has one row per municipality code (and :data:`REGION_ROW`), domain and year;
    :func:`bekostiging.report.text.backtest.backtest_with_names` adds the Dutch names.
    """
    params = region.parameters if params is None else params
    actuals = build_baseline(region, params=params) if actuals is None else actuals
    if budgets is None:
        budgets = build_baseline(region, report=region.budget_report, params=params)
    last_actual = int(actuals["year"].max())
    _check_reference_year(region, reference_year, last_actual)
    years = list(range(reference_year + 1, last_actual + 1))

    known = as_of_baseline(actuals, region, reference_year, params)
    known_budgets = as_of_baseline(budgets, region, reference_year, params)
    booked = _known_domains(actuals, known, region, reference_year)
    planned = _known_domains(budgets, known_budgets, region, reference_year + 1)
    popidx = _population_index(region, params, reference_year, last_actual)
    booked["population"] = _populations(booked, popidx)
    rates = index_path(
        params,
        range(region.first_year, last_actual + 1),
        known_until=index_known_until(reference_year),
    )
    cal = _calibration(booked, rates, params, reference_year)
    spread = _budget_spread(known, known_budgets, reference_year)

    keys = (
        tuple(region.current_codes()),
        tuple(d for d in DOMAIN_POPULATION if d in cal.index),
        years,
    )
    groups = jeugdzorgregio_of()
    damping = damping_as_of(params, reference_year, build_panel(), load_population(), groups).value
    clients, cost = _expected_paths(booked, popidx, cal, rates, damping, keys, reference_year)
    domains = keys[1]
    inputs = ProjectionInputs(
        municipalities=keys[0],
        units=domains,
        years=tuple(years),
        clients_exp=clients,
        cost_exp=cost,
        year_fraction=np.ones((len(domains), len(years))),
        sigma=cal.loc[list(domains), "sigma"].to_numpy(),
        rho=cal.loc[list(domains), "rho"].to_numpy(),
        level_sigma=_level_sigma(cal, spread, domains),
        volume_share=float(params.value("projection.volume_share")),
        index_sd=float(params.value("projection.index_sd")),
    )
    proj = simulate(inputs, draws, seed)
    table = _comparison(proj.spend, booked, planned, keys)
    return Backtest(region, reference_year, table, cal, spread, proj)
