r"""Clients that matter: observed use and a stock-flow of the caseload (issue 10, part 6).

Why: with clients = prevalence x population and cost per client = spend / clients, the start
budget is spend x growth whatever the prevalence or the counts: the two steps cancel. Here the
clients of the reference year come from what was observed, and the prevalence is the need the
caseload moves toward, so a change in need or in the counts changes the budget through volume.

**Observed use** (CBS *Kerncijfers wijken en buurten 2022*, ``data/raw``): per municipality the
share of young people with jeugdzorg in natura and the Wmo clients per 1,000 inhabitants.
:func:`observed_clients` turns them into clients per segment: the domain's observed clients
(the Wmo figure times ``clients.observed_share.wmo``, the part of all Wmo clients that the
segments with a prevalence cover) split over its segments in proportion to prevalence x target
population. A submitted count wins over it; where CBS published nothing (or as of a year
before 2022, when the rates were not yet published) the prevalence estimate stays.

**Stock-flow** (:func:`caseload_path`). Per municipality ``m`` and segment ``s`` the caseload
per inhabitant of the target group ``rho`` follows

    rho(y) = rho(y-1) (1 - 1/d) + inflow(y),   inflow = rho* / d

with ``d`` the mean time in care (``clients.duration_years``) and ``rho*`` the need: the
segment's prevalence in force for year ``y`` times the municipality's observed use relative to
the region (:func:`use_factor`). So ``rho`` closes the gap to the need by the share ``1/d``
each year:

    rho(y) = rho* + (rho(ref) - rho*) (1 - 1/d) ** (y - ref)

The factor ``rho(y) / rho(ref)`` multiplies the clients of step 3 (the start budget keeps the
cost per client of the reference year). When the prevalence matches the observed use the factor
is 1; doubling the prevalence doubles the need and the caseload follows within a few years.
A submitted count replaces the estimated caseload and so the cost per client, but keeps the
estimate's factor: for the same spend the budget does not depend on the count reported, so no
municipality gains by reporting more or fewer clients.

>>> round(caseload_factor(rho_ref=0.10, need=0.10, duration=1.5, years=3), 6)
1.0
>>> round(caseload_factor(rho_ref=0.10, need=0.20, duration=2.0, years=1), 6)  # half the gap
1.5
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.data.rawdata import load_kwb_use

OBSERVED_FLAG = "CBS KWB 2022"
KWB_EDITION = 2022  # the first reference year that may use the KWB rates


def caseload_factor(rho_ref: float, need: float, duration: float, years: int) -> float:
    """The caseload after ``years`` relative to the reference year (see the module docstring).

    >>> round(caseload_factor(0.10, 0.05, 1.0, 1), 6)  # a duration of one year: need at once
    0.5
    """
    if rho_ref <= 0:
        return 1.0
    keep = max(0.0, 1.0 - 1.0 / max(float(duration), 1e-9))
    return (need + (rho_ref - need) * keep ** max(int(years), 0)) / rho_ref


def domain_use_rates(kwb: pd.DataFrame) -> pd.DataFrame:
    """Observed use per municipality: ``jeugd`` (share of young people with jeugdzorg in
    natura) and ``wmo`` (Wmo clients per inhabitant), as fractions.

    >>> k = pd.DataFrame({"gemeentecode": ["A"], "pct_youth_with_jeugdzorg_in_natura": [10.9],
    ...                   "wmo_clients_per_1000_inhabitants": [76.0]})
    >>> domain_use_rates(k).round(4).to_dict("records")
    [{'gemeentecode': 'A', 'jeugd': 0.109, 'wmo': 0.076}]
    """
    return pd.DataFrame(
        {
            "gemeentecode": kwb["gemeentecode"].to_numpy(),
            "jeugd": kwb["pct_youth_with_jeugdzorg_in_natura"].to_numpy(dtype=float) / 100.0,
            "wmo": kwb["wmo_clients_per_1000_inhabitants"].to_numpy(dtype=float) / 1000.0,
        }
    )


def observed_clients(
    frame: pd.DataFrame,
    rates: pd.DataFrame,
    inhabitants: Mapping[tuple[str, int], float],
    youth_population: Mapping[tuple[str, int], float],
    domain_of: Mapping[str, str],
    wmo_share: float,
) -> pd.Series:
    """Clients per row of ``frame`` from observed use; NaN where CBS published no rate.

    ``frame`` has ``gemeentecode, year, segment, prevalence, population`` (the target
    population of the row's segment). The domain's observed clients in a municipality and year
    are the youth rate x inhabitants aged 0-17, or the Wmo rate x all inhabitants x
    ``wmo_share``; they are split over the domain's segments with a prevalence in proportion
    to prevalence x target population. Rows without a prevalence stay NaN.

    >>> f = pd.DataFrame({"gemeentecode": ["A", "A"], "year": [2024, 2024],
    ...     "segment": ["x", "y"], "prevalence": [0.09, 0.01], "population": [1000.0, 1000.0]})
    >>> r = pd.DataFrame({"gemeentecode": ["A"], "jeugd": [0.12], "wmo": [0.08]})
    >>> observed_clients(f, r, {}, {("A", 2024): 1000.0}, {"x": "jeugd", "y": "jeugd"},
    ...                  0.8).tolist()
    [108.0, 12.0]
    """
    f = frame[["gemeentecode", "year", "segment", "prevalence", "population"]].copy()
    f["domain"] = f["segment"].map(domain_of)
    f["implied"] = f["prevalence"] * f["population"]
    keys = ["gemeentecode", "year", "domain"]
    f["implied_total"] = f.groupby(keys)["implied"].transform("sum")
    rate = rates.set_index("gemeentecode")
    f["rate"] = [
        float(rate.at[c, d]) if c in rate.index and d in rate.columns else np.nan
        for c, d in zip(f["gemeentecode"], f["domain"])
    ]
    base = [
        youth_population.get((c, int(y)), np.nan)
        if d == "jeugd"
        else inhabitants.get((c, int(y)), np.nan) * wmo_share
        for c, y, d in zip(f["gemeentecode"], f["year"], f["domain"])
    ]
    observed_total = f["rate"].to_numpy(dtype=float) * np.asarray(base, dtype=float)
    share = np.divide(
        f["implied"].to_numpy(dtype=float),
        f["implied_total"].to_numpy(dtype=float),
        out=np.full(len(f), np.nan),
        where=f["implied_total"].to_numpy(dtype=float) > 0,
    )
    return pd.Series(observed_total * share, index=frame.index)


def use_factor(rates: pd.DataFrame, weights: Mapping[str, float], codes, domain: str) -> dict:
    """Each municipality's observed use relative to the (population-weighted) region mean.

    1.0 for a municipality without a published rate, and for all when none has one.

    >>> r = pd.DataFrame({"gemeentecode": ["A", "B"], "jeugd": [0.12, 0.08]})
    >>> use_factor(r, {"A": 1.0, "B": 1.0}, ["A", "B", "C"], "jeugd")
    {'A': 1.2, 'B': 0.8, 'C': 1.0}
    """
    rate = rates.set_index("gemeentecode")[domain] if domain in rates.columns else pd.Series()
    known = [c for c in codes if c in rate.index and np.isfinite(rate.get(c, np.nan))]
    w = np.array([float(weights.get(c, 0.0)) for c in known])
    if not known or w.sum() <= 0:
        return {c: 1.0 for c in codes}
    mean = float(np.dot(w, [float(rate[c]) for c in known]) / w.sum())
    return {c: round(float(rate[c]) / mean, 12) if c in known else 1.0 for c in codes}


def duration_of(params: Parameters, segment: str, domain: str) -> float:
    """Mean years in care of a segment: its key, else its domain's, in
    ``clients.duration_years``."""
    value = params.param("clients.duration_years").value
    if not isinstance(value, Mapping):
        return float(value)
    for key in (segment, domain):
        if key in value:
            return float(value[key])
    return 1.0


def caseload_factors(
    reference: pd.DataFrame,
    params: Parameters,
    domain_of: Mapping[str, str],
    reference_year: int,
    years,
    kwb: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The stock-flow factor on clients per municipality x segment x year (step 3).

    ``reference``: the reference-year rows (``gemeentecode, segment, clients, population``,
    and ``clients_estimate`` when a municipality submitted its own count) as the start budget
    uses them. The need per inhabitant is the prevalence in force for the year times the
    municipality's observed use relative to the region (:func:`use_factor`, weighted by the
    target population); the caseload closes the gap to it by ``1 / clients.duration_years`` a
    year (:func:`caseload_factor`). Segments without a prevalence keep factor 1.

    A submitted count changes the cost per client (step 4), not the factor: the factor is the
    one of the estimate it replaces. So a municipality gets the same budget for the same spend
    whether it reports more or fewer clients (no reason to report either way); its count
    counts where volume is paid for (output prices, allocation by use, the transition).

    >>> from bekostiging.config.region import load_region
    >>> p = load_region("achterhoek").parameters.with_overrides(
    ...     {"prevalence.iaj": 0.2, "clients.duration_years": 2.0})
    >>> ref = pd.DataFrame({"gemeentecode": ["GM0197"], "segment": ["iaj"], "clients": [100.0],
    ...                     "population": [1000.0]})
    >>> f = caseload_factors(ref, p, {"iaj": "jeugd"}, 2024, [2025, 2026])
    >>> f["caseload_factor"].round(3).tolist()  # need 0.2, caseload 0.1: half the gap a year
    [1.5, 1.75]
    """
    kwb = load_kwb_use() if kwb is None else kwb
    if reference_year < KWB_EDITION:  # as of an earlier year: not yet published
        kwb = kwb.iloc[0:0]
    rates = domain_use_rates(kwb)
    ref = reference.assign(domain=reference["segment"].map(domain_of))
    codes = sorted(ref["gemeentecode"].unique())
    use: dict[tuple[str, str], float] = {}
    for domain, g in ref.groupby("domain"):
        weights = g.groupby("gemeentecode")["population"].max().to_dict()
        factors = use_factor(rates, weights, codes, str(domain))
        for seg in g["segment"].unique():
            for c in codes:
                use[(c, seg)] = factors[c]
    rows = []
    for r in ref.itertuples():
        name = f"prevalence.{r.segment}"
        clients = float(getattr(r, "clients_estimate", r.clients))
        if not np.isfinite(clients) or clients <= 0:
            clients = float(r.clients)
        rho_ref = clients / float(r.population) if r.population > 0 else 0.0
        duration = duration_of(params, r.segment, str(r.domain))
        for y in years:
            factor = 1.0
            if name in params and rho_ref > 0 and np.isfinite(rho_ref):
                need = float(params.value(name, year=int(y))) * use[(r.gemeentecode, r.segment)]
                factor = caseload_factor(rho_ref, need, duration, int(y) - reference_year)
            rows.append(
                {
                    "gemeentecode": r.gemeentecode,
                    "segment": r.segment,
                    "year": int(y),
                    "caseload_factor": factor,
                }
            )
    return pd.DataFrame(rows, columns=["gemeentecode", "segment", "year", "caseload_factor"])
