"""Population per municipality, year and relevant age group.

* **Totals** on 1 January are observed: CBS 03759ned for 2019-2026, and for earlier years the
  ``inhabitants`` column of the Iv3 data, which equals CBS 1 January population wherever the two
  overlap (``data/raw/SOURCES.md``, Iv3 caveat 7).
* **Age groups** (0-17, 7-12, 18+) are estimated: CBS gives 10-year age bands for 1 January 2020
  only. A group's share of the population is built from the bands with the weights in
  ``parameters/common.yaml`` (``age_groups.<group>.bands``), then moved over time by
  ``age_groups.<group>.annual_share_change`` (ageing). A municipality formed by a merger takes
  the combined bands of its predecessors.

>>> from bekostiging.config.region import load_region
>>> region = load_region("achterhoek")
>>> pop = population_by_age_group(region, [2020])
>>> aalten = pop.query("gemeentecode == 'GM0197' and age_group == 'jeugd_0_17'")
>>> round(aalten["population"].item(), 1)  # 1,017 + 0.8 x ... : the 0-9 band plus 80 % of 10-19
5236.4
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.core.errors import InputError, Problem
from bekostiging.data.rawdata import AGE_BANDS, load_agebands, load_iv3, load_population

AGEBAND_YEAR = 2020


def population_totals(
    region: Region,
    years: Iterable[int],
    population: pd.DataFrame | None = None,
    iv3: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Observed population on 1 January per municipality (as it existed) and year.

    >>> from bekostiging.config.region import load_region
    >>> t = population_totals(load_region("achterhoek"), [2018, 2026])
    >>> int(t.query("year == 2026")["population"].sum())
    303810
    >>> sorted(t["source"].unique())
    ['CBS 03759ned', 'Iv3 inwoners (CBS 1 januari)']
    """
    pop = load_population() if population is None else population
    iv3 = load_iv3() if iv3 is None else iv3
    cbs = pop.set_index(["gemeentecode", "year"])["population_jan1"]
    inh = (
        iv3.sort_values("report", ascending=False)  # prefer jaarrekening
        .drop_duplicates(["gemeentecode", "year"])
        .set_index(["gemeentecode", "year"])["inhabitants"]
    )
    rows, missing = [], []
    for year in years:
        for code in region.codes_in(year):
            if (code, year) in cbs.index:
                rows.append((code, year, float(cbs[(code, year)]), "CBS 03759ned"))
            elif (code, year) in inh.index:
                rows.append((code, year, float(inh[(code, year)]), "Iv3 inwoners (CBS 1 januari)"))
            else:
                missing.append((code, year))
    if missing:
        raise InputError(
            [
                Problem(
                    "data/raw (population)",
                    f"geen bevolking voor {code} ({region.name_of(code)}) in {year}",
                    expected="een jaar in CBS 03759ned (2019-2026) of Iv3 (2017-2026)",
                )
                for code, year in missing[:10]
            ]
        )
    return pd.DataFrame(rows, columns=["gemeentecode", "year", "population", "source"])


def _successor_with_bands(region: Region, m, known) -> str | None:
    """The first municipality ``m`` merged into (following the chain) with 2020 age bands."""
    seen = set()
    code = m.merged_into
    while code and code not in seen:
        if code in known:
            return code
        seen.add(code)
        nxt = [x for x in region.municipalities if x.code == code]
        code = nxt[0].merged_into if nxt else None
    return None


def _band_table(region: Region, agebands: pd.DataFrame) -> pd.DataFrame:
    """Population by age band in 2020 per region municipality (merged ones from predecessors)."""
    bands = agebands[agebands["year"] == AGEBAND_YEAR].pivot_table(
        index="gemeentecode", columns="age_band", values="population", aggfunc="sum"
    )
    out = {}
    for m in region.municipalities:
        if m.code in bands.index:
            out[m.code] = bands.loc[m.code]
            continue
        preds = [p for p in region.predecessors(m.code) if p in bands.index]
        successor = _successor_with_bands(region, m, bands.index)
        if not preds and successor is not None:
            # Merged before 2020: only shares are used, so the successor's age structure
            # stands in for it (an estimate; its own total population comes from CBS).
            out[m.code] = bands.loc[successor]
            continue
        if not preds:
            raise InputError(
                Problem(
                    "data/raw/cbs_population_agebands_municipalities_2020.csv",
                    f"geen leeftijdsklassen 2020 voor {m.code} ({m.name}) en ook niet voor haar "
                    "voorgangers",
                    expected="een gemeente die op 1 januari 2020 bestond, of merged_into-verwijzingen",
                )
            )
        out[m.code] = bands.loc[preds].sum()
    return pd.DataFrame(out).T.reindex(columns=list(AGE_BANDS)).fillna(0.0)


def age_group_shares(
    region: Region, params: Parameters, agebands: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of each age group in the 2020 population, per municipality (columns = groups)."""
    bands = _band_table(region, load_agebands() if agebands is None else agebands)
    total = bands.sum(axis=1)
    shares = {}
    groups = sorted({n.split(".")[1] for n in params.names("age_groups.")})
    for group in groups:
        weights = params.param(f"age_groups.{group}.bands").value
        unknown = [b for b in weights if b not in AGE_BANDS]
        if unknown:
            p = params.param(f"age_groups.{group}.bands")
            raise InputError(
                Problem(
                    p.file,
                    f"onbekende leeftijdsklasse {unknown[0]!r}",
                    row=p.line,
                    expected=", ".join(AGE_BANDS),
                )
            )
        w = pd.Series(weights, dtype=float).reindex(list(AGE_BANDS)).fillna(0.0)
        shares[group] = bands.to_numpy() @ w.to_numpy() / total.to_numpy()
    return pd.DataFrame(shares, index=bands.index)


def population_by_age_group(
    region: Region,
    years: Iterable[int],
    params: Parameters | None = None,
    population: pd.DataFrame | None = None,
    iv3: pd.DataFrame | None = None,
    agebands: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Population per municipality, year and age group, with an observed/estimated flag.

    Columns: ``gemeentecode, year, age_group, population, population_flag``.
    """
    params = region.parameters if params is None else params
    years = list(years)
    totals = population_totals(region, years, population, iv3)
    shares = age_group_shares(region, params, agebands)
    frames = []
    for group in shares.columns:
        change = float(params.value(f"age_groups.{group}.annual_share_change"))
        t = totals.copy()
        share = t["gemeentecode"].map(shares[group]).to_numpy()
        drift = (1.0 + change) ** (t["year"].to_numpy() - AGEBAND_YEAR)
        t["age_group"] = group
        observed = group == "totaal"
        t["population"] = t["population"].to_numpy() * (1.0 if observed else share * drift)
        t["population_flag"] = "observed" if observed else "estimated"
        frames.append(t.drop(columns="source"))
    out = pd.concat(frames, ignore_index=True)
    out["population"] = out["population"].astype(float)
    return out.sort_values(["gemeentecode", "year", "age_group"]).reset_index(drop=True)


def group_population(pop: pd.DataFrame, group: str) -> pd.Series:
    """Population of one age group indexed by (gemeentecode, year)."""
    sub = pop[pop["age_group"] == group]
    if sub.empty:
        raise KeyError(f"age group {group!r} not in the population table")
    return sub.set_index(["gemeentecode", "year"])["population"]


def key_shares(values: pd.Series) -> pd.Series:
    """Normalise non-negative values to shares that add up to 1.

    >>> key_shares(pd.Series({"a": 1.0, "b": 3.0})).tolist()
    [0.25, 0.75]
    """
    total = float(np.sum(values))
    if total <= 0:
        raise ValueError("a distribution key needs a positive total")
    return values / total


def population_known_until(reference_year: int) -> int:
    """The last year whose population on 1 January is known as of ``reference_year`` (Y+1).

    CBS publishes the 1 January figure early in that year; the year average (not used here)
    is known only up to the reference year itself.

    >>> population_known_until(2021)
    2022
    """
    return reference_year + 1


def growth_window(series: pd.Series, last: int, window: int) -> tuple[int, float]:
    """Years used and average yearly growth of ``series`` (indexed by year) up to ``last``.

    The window is the last ``window`` years before ``last``, shortened to the years that have
    data (e.g. 2017-2021 when the data start in 2017 and ``last`` is 2021); with no earlier
    year at all the growth is 0 over a window of 0 years.

    >>> s = pd.Series({2017: 100.0, 2018: 102.0, 2019: 104.04})
    >>> n, g = growth_window(s, 2019, 5)
    >>> n, round(g, 6)
    (2, 0.02)
    >>> growth_window(s, 2017, 5)
    (0, 0.0)
    """
    have = [y for y in series.dropna().index if last - window <= y < last and series[y] > 0]
    if not have:
        return 0, 0.0
    first = min(have)
    years = last - first
    return years, float((series[last] / series[first]) ** (1.0 / years) - 1.0)


def project_population(
    region: Region,
    years: Iterable[int],
    params: Parameters | None = None,
    last_data_year: int | None = None,
    population: pd.DataFrame | None = None,
    iv3: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Population per *current* municipality, year and age group, also for future years.

    Observed years (up to ``last_data_year``, default: the last year with data) are summed over
    predecessors for merged municipalities. Later years continue the total with the average
    yearly growth of the last ``population.extrapolation_window`` observed years (an estimate,
    flagged as such); where that window reaches before the first data year, the years that
    exist are used (a shorter window, :func:`growth_window`); age groups follow from the 2020
    shares and their drift, as in :func:`population_by_age_group`. As of a reference year Y,
    pass ``last_data_year=population_known_until(Y)`` (1 January of Y+1): nothing later is read.

    >>> from bekostiging.config.region import load_region
    >>> p = project_population(load_region("achterhoek"), [2024, 2030], last_data_year=2024)
    >>> sorted(p.query("age_group == 'totaal'")["population_flag"].unique())
    ['estimated', 'observed']
    """
    params = region.parameters if params is None else params
    years = sorted(set(years))
    pop = load_population() if population is None else population
    iv3 = load_iv3() if iv3 is None else iv3
    available = sorted(set(pop["year"]) | set(iv3["year"]))
    last = min(max(available), last_data_year if last_data_year is not None else max(available))
    window = int(params.get("population.extrapolation_window", 5.0))
    first_needed = min(min(years), last - window)
    observed_years = [y for y in range(max(first_needed, region.first_year), last + 1)]
    totals = population_totals(region, observed_years, pop, iv3)
    totals["gemeentecode"] = totals["gemeentecode"].map(region.current_code)
    by_code = totals.groupby(["gemeentecode", "year"])["population"].sum().unstack("year")
    rows = []
    for code in region.current_codes():
        series = by_code.loc[code]
        _, growth = growth_window(series, last, window)
        for y in years:
            if y <= last:
                rows.append((code, y, float(series[y]), "observed"))
            else:
                rows.append(
                    (code, y, float(series[last] * (1 + growth) ** (y - last)), "estimated")
                )
    total = pd.DataFrame(rows, columns=["gemeentecode", "year", "population", "flag"])
    shares = age_group_shares(region, params)
    frames = []
    for group in shares.columns:
        change = float(params.value(f"age_groups.{group}.annual_share_change"))
        t = total.copy()
        observed = group == "totaal"
        factor = (
            1.0
            if observed
            else (
                t["gemeentecode"].map(shares[group]).to_numpy()
                * (1.0 + change) ** (t["year"].to_numpy() - AGEBAND_YEAR)
            )
        )
        t["population"] = t["population"].to_numpy() * factor
        t["age_group"] = group
        t["population_flag"] = np.where(observed, t["flag"], "estimated")
        frames.append(t.drop(columns="flag"))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["gemeentecode", "year", "age_group"]).reset_index(drop=True)
