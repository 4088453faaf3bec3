"""Monte Carlo projection of clients and cost over the contract period, and every variant's spend.

Arrays are shaped ``(draws, municipalities, units, years)``; a *unit* is a segment (or, in the
backtest, a domain). Per draw ``d``, municipality ``m``, unit ``u`` and year ``y`` after the
reference year:

    clients   C[d,m,u,y] = C_exp[m,u,y] * exp(cumsum_y( sqrt(v)   * e1[d,m,u,y] - v sigma_u^2/2 ))
    intensity I[d,m,u,y] =     exp(cumsum_y( sqrt(1-v) * e2[d,m,u,y] - (1-v) sigma_u^2/2 ))
    price     P[d,y]     =     exp(cumsum_y( s_idx * z[d,y] - s_idx^2/2 ))
    cost of care needed  = C * I * cost_exp[m,u,y] * P * fraction[u,y]

with ``e = sigma_u * (sqrt(rho_u) * common[d,u,y] + sqrt(1 - rho_u) * local[d,m,u,y])``: a
regional shock shared by all municipalities and a local one. ``C_exp`` and ``cost_exp`` are the
start budget's paths (demography, damped trend, local policy, index, efficiency, chain
agreements). Every shock carries the drift ``-variance/2`` (:func:`_growth_paths`,
:func:`level_drifts`), so the start budget is the **expected** (mean) cost of the care needed,
not its median: the mean of the draws equals the start budget up to Monte Carlo error, and
P10/P50/P90 lie around it (the median somewhat below). ``sigma_u`` and ``rho_u`` are calibrated
on the year-on-year real growth in Iv3 from the first data year to the reference year
(:mod:`bekostiging.model.calibration`); ``v`` (``projection.volume_share``) splits the growth into
number of clients and intensity per client. The first projected year gets an extra level shock
so that its spread is never narrower than the municipalities' own budget errors were (around
their average bias). ``s_idx`` (``projection.index_sd``) is the uncertainty of the care price
index; budgets, tariffs and prices are indexed with the actual index, as Dutch contracts do.

Everything is vectorised with numpy and seeded: the same inputs and seed give identical arrays.

>>> inp = ProjectionInputs.example()
>>> proj = simulate(inp, draws=4000, seed=1)
>>> proj.spend.shape
(4000, 2, 1, 3)
>>> q = proj.quantiles("spend")
>>> bool((q["p10"] <= q["p50"]).all() and (q["p50"] <= q["p90"]).all())
True
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.config.region import Region
from bekostiging.model import variants as V
from bekostiging.model.anchor import SCOPE_OF_DOMAIN
from bekostiging.model.behaviour import behavioural_response
from bekostiging.model.calibration import budget_error_spread, budget_errors
from bekostiging.model.startbudget import StartBudget, as_of_baseline

QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


@dataclass(frozen=True)
class ProjectionInputs:
    """Expected paths and calibrated uncertainty, on labelled axes."""

    municipalities: tuple[str, ...]
    units: tuple[str, ...]
    years: tuple[int, ...]
    clients_exp: np.ndarray  # (M, U, Y) expected clients per full year
    cost_exp: np.ndarray  # (M, U, Y) expected cost per client per full year, EUR
    year_fraction: np.ndarray  # (U, Y) share of the year inside the contract
    sigma: np.ndarray  # (U,) yearly sd of log real growth
    rho: np.ndarray  # (U,) regional share of the variance
    level_sigma: np.ndarray  # (U,) extra sd of the first projected year
    volume_share: float = 0.6
    index_sd: float = 0.01
    units_per_client: np.ndarray | None = None  # (U,) for p*q tariffs; 1 = per client
    population: np.ndarray | None = None  # (M, U, Y) target population (population funding)
    level_rho: np.ndarray | None = None  # (U,) share of the level shock common to the region
    population_sd: float = 0.0  # yearly sd of the log forecast error of the target population
    per_head: np.ndarray | None = None  # (U, Y) named rate of population funding (EUR), or NaN

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.municipalities), len(self.units), len(self.years)

    @property
    def budget(self) -> np.ndarray:
        """The expected (mean) cost of care (the start budget), pro-rated, (M, U, Y)."""
        return self.clients_exp * self.cost_exp * self.year_fraction[None, :, :]

    @staticmethod
    def example() -> ProjectionInputs:
        """Two municipalities, one unit, three years: for examples and tests."""
        return ProjectionInputs(
            municipalities=("A", "B"),
            units=("s",),
            years=(2022, 2023, 2024),
            clients_exp=np.array([[[100.0, 102.0, 104.0]], [[50.0, 51.0, 52.0]]]),
            cost_exp=np.full((2, 1, 3), 10_000.0),
            year_fraction=np.array([[0.5, 1.0, 1.0]]),
            sigma=np.array([0.1]),
            rho=np.array([0.3]),
            level_sigma=np.array([0.0]),
        )


@dataclass(frozen=True)
class Projection:
    """Simulated paths; ``spend`` is the cost of the care needed (before provider behaviour)."""

    inputs: ProjectionInputs
    clients: np.ndarray  # (D, M, U, Y)
    intensity: np.ndarray  # (D, M, U, Y) units of care per client relative to expected
    price: np.ndarray  # (D, Y) actual price level relative to the assumed index
    seed: int
    seconds: float = 0.0
    variants: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    population_factor: np.ndarray | None = None  # (D, M, Y) actual / projected population

    @property
    def draws(self) -> int:
        return self.clients.shape[0]

    @property
    def spend(self) -> np.ndarray:
        """Cost of the care needed (D, M, U, Y), EUR. float32: a relative precision of 1e-7
        is far below the Monte Carlo error."""
        i = self.inputs
        unit = (i.cost_exp[None] * i.year_fraction[None]).astype(np.float32)
        return self.clients * self.intensity * unit * self.price[:, None, None, :]

    @property
    def budget(self) -> np.ndarray:
        return self.inputs.budget

    def total(
        self, array: np.ndarray, municipality: str | None = None, units: list[str] | None = None
    ) -> np.ndarray:
        """Sum a (D, M, U, Y) array over municipalities (or pick one) and units -> (D, Y)."""
        i = self.inputs
        a = array
        if municipality is not None:
            a = a[:, [i.municipalities.index(municipality)]]
        if units is not None:
            a = a[:, :, [i.units.index(u) for u in units]]
        return a.sum(axis=(1, 2))

    def quantiles(
        self,
        what: str = "spend",
        municipality: str | None = None,
        units: list[str] | None = None,
        variant: str | None = None,
    ) -> pd.DataFrame:
        """P10/P50/P90 and the mean per year of a quantity (``spend``, ``clients`` or a variant
        output); for ``spend`` the mean is the start budget up to Monte Carlo error."""
        if variant is not None:
            array = self.variants[variant][what]
        elif what == "clients":
            array = self.clients
        else:
            array = self.spend
        tot = self.total(array, municipality, units)
        out = pd.DataFrame(
            {k: np.quantile(tot, q, axis=0) for k, q in QUANTILES.items()},
            index=pd.Index(self.inputs.years, name="year"),
        )
        out["mean"] = tot.mean(axis=0)
        return out


CHUNKS = 8  # fixed, so the random stream never depends on the machine's number of cores


def _normals(seed: np.random.SeedSequence, draws: int, inner: tuple[int, ...]) -> np.ndarray:
    """Standard normals of shape (draws, *inner), float32, filled in parallel chunks.

    Each chunk of draws has its own child generator (NumPy's documented pattern for
    multithreaded generation), so the result is identical whatever the thread timing.
    """
    out = np.empty((draws, *inner), dtype=np.float32)
    bounds = np.linspace(0, draws, min(CHUNKS, draws) + 1).astype(int)
    gens = [np.random.default_rng(s) for s in seed.spawn(len(bounds) - 1)]

    def fill(k: int) -> None:
        gens[k].standard_normal(out=out[bounds[k] : bounds[k + 1]], dtype=np.float32)

    with ThreadPoolExecutor(max_workers=min(len(gens), os.cpu_count() or 1)) as pool:
        list(pool.map(fill, range(len(gens))))
    return out


def level_drifts(level_sigma: np.ndarray, volume_share: float) -> tuple[np.ndarray, np.ndarray]:
    """The first year's drift correction of the clients and the intensity paths, (U,) each.

    One level shock ``L ~ N(0, level_sigma^2)`` enters the log clients with weight ``sqrt(v)``
    and the log intensity with ``sqrt(1-v)``, so their product carries the variance
    ``(1 + 2 sqrt(v(1-v))) level_sigma^2``. Clients get ``v/2 level_sigma^2`` (their mean is
    the expected clients), the intensity the rest, including the covariance term: then the mean
    of clients x intensity is exactly the expected path.

    >>> c, i = level_drifts(np.array([0.2]), 0.5)
    >>> round(float(c[0]), 4), round(float(i[0]), 4), round(float(c[0] + i[0]), 4)
    (0.01, 0.03, 0.04)
    """
    var = np.asarray(level_sigma, dtype=float) ** 2
    v = float(volume_share)
    return 0.5 * v * var, (0.5 * (1.0 - v) + np.sqrt(v * (1.0 - v))) * var


def _growth_paths(
    seed: np.random.SeedSequence,
    common_rng: np.random.Generator,
    draws: int,
    shape: tuple[int, int, int],
    sigma: np.ndarray,
    rho: np.ndarray,
    scale: float,
    level: np.ndarray,
    level_drift: np.ndarray,
) -> np.ndarray:
    """exp(cumulative scaled shocks) as a (draws, M, U, Y) view of a (draws, Y, M, U) array.

    Each year's shock has the drift ``-(scale sigma)^2 / 2`` and the first year's level shock
    ``-level_drift``, so that the mean of the exponent is 1 (a mean-one log random walk).
    Years are the second axis while accumulating, so each year is one fast in-place add.
    """
    m, u, y = shape
    x = _normals(seed, draws, (y, m, u))
    common = common_rng.standard_normal((draws, y, 1, u), dtype=np.float32)
    x *= (scale * sigma * np.sqrt(1.0 - rho)).astype(np.float32)
    x += common * (scale * sigma * np.sqrt(rho)).astype(np.float32)
    x -= (0.5 * (scale * sigma) ** 2).astype(np.float32)
    x[:, 0] += level - np.asarray(level_drift, dtype=np.float32)  # first year's extra level
    for k in range(1, y):
        x[:, k] += x[:, k - 1]
    np.exp(x, out=x)
    return np.moveaxis(x, 1, 3)


def simulate(inputs: ProjectionInputs, draws: int = 2000, seed: int = 20220701) -> Projection:
    """Draw the paths. Vectorised over draws x municipalities x units x years; seeded."""
    if draws < 10:
        raise ValueError(f"draws must be at least 10 to give P10/P90, got {draws}")
    start = time.perf_counter()
    root = np.random.SeedSequence(seed)
    # a fourth child for the population leaves the first three streams as they were
    s_clients, s_intensity, s_small, s_population = root.spawn(4)
    small = np.random.default_rng(s_small)
    shape = inputs.shape
    v = float(inputs.volume_share)
    level = small.standard_normal((draws, shape[0], shape[1]), dtype=np.float32)
    if inputs.level_rho is not None:  # the region's municipalities share part of the level
        r = np.asarray(inputs.level_rho, dtype=np.float32)[None, None, :]
        common = small.standard_normal((draws, 1, shape[1]), dtype=np.float32)
        level = np.sqrt(r) * common + np.sqrt(np.float32(1.0) - r) * level
    level *= inputs.level_sigma.astype(np.float32)[None, None, :]
    drift_clients, drift_intensity = level_drifts(inputs.level_sigma, v)
    clients = _growth_paths(
        s_clients,
        small,
        draws,
        shape,
        inputs.sigma,
        inputs.rho,
        np.sqrt(v),
        np.float32(np.sqrt(v)) * level,
        drift_clients,
    )
    clients *= inputs.clients_exp.astype(np.float32)[None]
    intensity = _growth_paths(
        s_intensity,
        small,
        draws,
        shape,
        inputs.sigma,
        inputs.rho,
        np.sqrt(1.0 - v),
        np.float32(np.sqrt(1.0 - v)) * level,
        drift_intensity,
    )
    z = small.standard_normal((draws, shape[2]), dtype=np.float32)
    s_idx = np.float32(inputs.index_sd)
    price = np.exp(np.cumsum(s_idx * z - np.float32(0.5) * s_idx**2, axis=1))
    population = None
    if inputs.population_sd > 0:
        # the population forecast's error: a mean-one log random walk per municipality; the
        # need moves with it (more inhabitants, more clients), population funding pays on it
        s_pop = np.float32(inputs.population_sd)
        e = np.random.default_rng(s_population).standard_normal(
            (draws, shape[0], shape[2]), dtype=np.float32
        )
        population = np.exp(np.cumsum(s_pop * e - np.float32(0.5) * s_pop**2, axis=2))
        clients *= population[:, :, None, :]
    return Projection(
        inputs,
        clients,
        intensity,
        price,
        seed,
        time.perf_counter() - start,
        population_factor=population,
    )


# --- funding variants on the simulated paths --------------------------------------------------


def standard_variants(
    inputs: ProjectionInputs,
    params: Parameters,
    unit: int,
    settlement: dict | None = None,
    price: np.ndarray | None = None,
) -> dict:
    """The five variants for one unit, with amounts from the start budget (indexed actually).

    Lumpsum budget = the start budget; p*q tariff = expected cost per unit; output price =
    expected cost per client; population funding = the start budget per inhabitant of the
    target group; hybrid = a lumpsum with ``projection.hybrid_pq_share`` paid p*q. All amounts
    follow the actual price index ``price`` (D, Y). Budgets are pro-rated for part years;
    tariffs and prices are not, because the clients and units of a part year already are.
    """
    upc = 1.0 if inputs.units_per_client is None else float(inputs.units_per_client[unit])
    p = 1.0 if price is None else price[:, None, :]
    budget = inputs.budget[:, unit][None] * p  # (D or 1, M, Y), pro-rated
    cost = inputs.cost_exp[:, unit][None] * p  # per client per full year
    tariff = cost / upc
    settle = V.Settlement(**(settlement or {"kind": "none"}))
    out = {
        "pq": V.PQ(tariff=tariff),
        "output": V.Output(price_per_client=cost),
        "lumpsum": V.Lumpsum(budget=budget, settlement=settle),
        "hybrid": V.Hybrid(
            budget=budget,
            tariff=tariff,
            pq_share=float(params.value("projection.hybrid_pq_share")),
            settlement=settle,
        ),
    }
    if inputs.population is not None:
        rate = regional_rate(inputs, unit)
        frac = inputs.year_fraction[unit][None, None, :]
        per_head = rate[None, None, :] * p * frac  # one rate for the region, indexed, pro-rated
        out["population"] = V.PopulationFunding(
            amount_per_head=np.broadcast_to(per_head, budget.shape), settlement=V.NO_SETTLEMENT
        )
    return out


def regional_rate(inputs: ProjectionInputs, unit: int) -> np.ndarray:
    """The population funding's one regional rate per inhabitant of the target group, (Y,).

    The named per-head amount of the region's assumptions (``population_funding.<segment>.
    amount_per_head``, indexed like the start budget: ``ProjectionInputs.per_head``) where
    there is one; otherwise the region's start budget over the region's projected target
    population, so all municipalities get the same amount per inhabitant. Full-year amounts,
    before the actual index.

    >>> from dataclasses import replace
    >>> inp = replace(ProjectionInputs.example(), population=np.full((2, 1, 3), 1000.0))
    >>> regional_rate(inp, 0).round(1).tolist()  # (100 + 50) x 10,000 / 2,000 inhabitants
    [750.0, 765.0, 780.0]
    """
    if inputs.per_head is not None and np.isfinite(inputs.per_head[unit]).all():
        return np.asarray(inputs.per_head[unit], dtype=float)
    pop = inputs.population[:, unit]  # (M, Y)
    full = inputs.clients_exp[:, unit] * inputs.cost_exp[:, unit]  # (M, Y), full years
    total = pop.sum(axis=0)
    return np.divide(full.sum(axis=0), total, out=np.zeros_like(total), where=total > 0)


def apply_variants(
    proj: Projection,
    params: Parameters,
    units: list[str] | None = None,
    settlements: dict[str, dict] | None = None,
    response=None,
    tariff_markup: float = 1.0,
) -> Projection:
    """Pay every simulated path under every variant; returns the projection with ``variants``.

    ``response(unit, variant_key)`` may return an object with ``volume_factor`` and
    ``intensity_factor`` (the provider behaviour model): the care actually provided under that
    variant is then ``clients x volume_factor`` with ``intensity x intensity_factor``.
    ``tariff_markup`` is the tariff over the provider's own cost of a unit: projected costs are
    at tariff level (what was paid), the provider's own cost is that divided by the markup.
    Clients of a part year count with the year's fraction (a half year: half the clients'
    care). Results per variant: ``municipality_spend``, ``provider_result``,
    ``settlement_flow``, ``provided_cost`` and ``backstop`` (D, M, U, Y); units not listed
    stay zero. ``backstop`` is what the municipality pays on top when the providers' loss
    exceeds ``projection.provider_equity`` of their revenue (:func:`backstop`); it is in the
    spend and the result.

    Need is conserved over routes (:meth:`~bekostiging.model.behaviour.Simulation.routes`):
    clients a provider refuses or postpones are served by another contracted provider or next
    year (in the contract's care), or outside the contract. Per variant also:
    ``outside_contract`` (the municipality's cost of non-contracted care, pgb and the
    voorliggend veld, against the reference funding), ``non_municipal`` (Wlz and Zvw),
    ``unmet_value`` (the cost of the care left undone, a harm) and ``total_cost`` (the
    municipality's spend over all its routes: ``municipality_spend + outside_contract``). The
    three are 0 without a ``response``.
    """
    i = proj.inputs
    units = list(i.units) if units is None else units
    shape = proj.clients.shape
    equity = float(params.value("projection.provider_equity"))
    results: dict[str, dict[str, np.ndarray]] = {}
    for u_name in units:
        u = i.units.index(u_name)
        upc = 1.0 if i.units_per_client is None else float(i.units_per_client[u])
        unit_cost = i.cost_exp[:, u][None] * proj.price[:, None, :] / upc / tariff_markup
        frac = i.year_fraction[u][None, None, :]
        variants = standard_variants(i, params, u, (settlements or {}).get(u_name), proj.price)
        reference_cost = (
            proj.clients[:, :, u] * frac * upc * proj.intensity[:, :, u] * unit_cost * tariff_markup
        )
        for key, variant in variants.items():
            vol, inten = 1.0, 1.0
            outside = non_municipal = unmet = 0.0
            if response is not None:
                r = response(u_name, key)
                vol, inten = float(r.volume_factor), float(r.intensity_factor)
                outside = float(getattr(r, "outside_contract_factor", 0.0))
                non_municipal = float(getattr(r, "non_municipal_factor", 0.0))
                unmet = float(getattr(r, "unmet_cost_factor", 0.0))
            clients = proj.clients[:, :, u] * vol * frac
            units_ = clients * upc * proj.intensity[:, :, u] * inten
            pop = None
            if i.population is not None:
                pop = i.population[:, u][None]
                if proj.population_factor is not None:  # the population as it turns out
                    pop = pop * proj.population_factor
                pop = np.broadcast_to(pop, clients.shape)
            demand = V.Demand(
                clients=clients,
                units=units_,
                unit_cost=np.broadcast_to(unit_cost, clients.shape),
                population=pop,
            )
            res = variant.pay(demand)
            store = results.setdefault(
                key,
                {
                    k: np.zeros(shape)
                    for k in (
                        "municipality_spend",
                        "provider_result",
                        "settlement_flow",
                        "provided_cost",
                        "backstop",
                        "outside_contract",
                        "non_municipal",
                        "unmet_value",
                        "total_cost",
                    )
                },
            )
            top_up = backstop(res.municipality_spend, res.provider_result, equity)
            store["outside_contract"][:, :, u] = outside * reference_cost
            store["non_municipal"][:, :, u] = non_municipal * reference_cost
            store["unmet_value"][:, :, u] = unmet * reference_cost
            store["total_cost"][:, :, u] = (
                res.municipality_spend + top_up + outside * reference_cost
            )
            store["municipality_spend"][:, :, u] = res.municipality_spend + top_up
            store["provider_result"][:, :, u] = res.provider_result + top_up
            store["settlement_flow"][:, :, u] = res.settlement_flow
            store["provided_cost"][:, :, u] = res.provider_cost
            store["backstop"][:, :, u] = top_up
    return Projection(
        proj.inputs,
        proj.clients,
        proj.intensity,
        proj.price,
        proj.seed,
        proj.seconds,
        results,
        proj.population_factor,
    )


def backstop(revenue, result, equity: float) -> np.ndarray:
    """What comes back to the municipality when providers lose more than they can absorb.

    A provider (here: the providers of one municipality x segment together) absorbs a loss up
    to ``equity`` x its revenue; beyond that the municipality tops the budget up or the
    clients move to another provider at the same cost, as happened in practice. It binds
    mostly under budgets; under output (a price per client) and p*q with an indication cap a
    provider can lose too.

    >>> backstop(np.array([100.0, 100.0]), np.array([-30.0, -5.0]), 0.1).tolist()
    [20.0, 0.0]
    """
    revenue = np.asarray(revenue, dtype=float)
    return np.maximum(0.0, -np.asarray(result, dtype=float) - equity * np.maximum(revenue, 0.0))


def variant_summary(
    proj: Projection,
    municipality: str | None = None,
    units: list[str] | None = None,
    years: list[int] | None = None,
    loss_threshold: float = 0.05,
) -> pd.DataFrame:
    """Per variant, over the chosen years: P10/P50/P90 of the municipality's spend, the spread
    P90-P10 it carries, the mean provider result and settlement flow, and the chance that a
    provider contract (one municipality x segment x year) loses more than ``loss_threshold``
    of its revenue."""
    i = proj.inputs
    ysel = [i.years.index(y) for y in (years or i.years)]
    msel = (
        list(range(len(i.municipalities)))
        if municipality is None
        else [i.municipalities.index(municipality)]
    )
    usel = list(range(len(i.units))) if units is None else [i.units.index(u) for u in units]
    rows = []
    for key, res in proj.variants.items():

        def pick(a):
            return a[:, msel][:, :, usel][..., ysel]

        spend_cells, result_cells = pick(res["municipality_spend"]), pick(res["provider_result"])
        spend = spend_cells.sum(axis=(1, 2, 3))
        result = result_cells.sum(axis=(1, 2, 3))
        flow = pick(res["settlement_flow"]).sum(axis=(1, 2, 3))
        active = spend_cells > 0
        losing = (result_cells < -loss_threshold * spend_cells) & active
        zero = np.zeros(len(spend))
        total = pick(res["total_cost"]).sum(axis=(1, 2, 3)) if "total_cost" in res else spend

        def mean_of(name: str, res=res, zero=zero) -> float:
            return float((pick(res[name]).sum(axis=(1, 2, 3)) if name in res else zero).mean())

        rows.append(
            {
                "variant": key,
                "p10": np.quantile(spend, 0.1),
                "p50": np.quantile(spend, 0.5),
                "p90": np.quantile(spend, 0.9),
                "mean": spend.mean(),
                "spread": np.quantile(spend, 0.9) - np.quantile(spend, 0.1),
                "provider_result_mean": result.mean(),
                "provider_loss_chance": float(losing.sum() / max(active.sum(), 1)),
                "settlement_mean": flow.mean(),
                "outside_contract_mean": mean_of("outside_contract"),
                "non_municipal_mean": mean_of("non_municipal"),
                "unmet_value_mean": mean_of("unmet_value"),
                "total_p50": np.quantile(total, 0.5),
                "total_p90": np.quantile(total, 0.9),
                "total_mean": total.mean(),
            }
        )
    return pd.DataFrame(rows).set_index("variant")


# --- building inputs from the start budget ---------------------------------------------------


def inputs_from_start_budget(
    sb: StartBudget,
    baseline: pd.DataFrame,
    budget_baseline: pd.DataFrame,
    params: Parameters | None = None,
) -> ProjectionInputs:
    """Projection inputs for the procured segments of a start budget.

    The yearly paths start the year after the reference year, so the years between the
    reference year and the contract add their uncertainty too. The budget errors use only the
    actuals and budgets up to the reference year, as known then
    (:func:`bekostiging.model.startbudget.as_of_baseline`).
    """
    region = sb.region
    params = region.parameters if params is None else params
    y = sb.reference_year
    actuals = (
        sb.baseline if sb.baseline is not None else as_of_baseline(baseline, region, y, params)
    )
    budgets = as_of_baseline(budget_baseline, region, y, params)
    t = sb.table
    munis = tuple(sorted(t["gemeentecode"].unique()))
    units = tuple(dict.fromkeys(t["segment"]))
    years = tuple(range(sb.reference_year + 1, int(t["year"].max()) + 1))
    full = _full_grid(sb, munis, units, years, params)
    cal = sb.trend
    sigma = np.array([float(cal.loc[u, "sigma"]) if u in cal.index else 0.1 for u in units])
    rho = np.array([float(cal.loc[u, "rho"]) if u in cal.index else 0.3 for u in units])
    domain = {s.id: s.domain for s in region.segments}
    if sb.spread is not None and len(sb.spread):
        level, level_rho = forecast_level(
            sb.spread,
            [domain[u] for u in units],
            sigma,
            float(params.value("projection.volume_share")),
            float(params.value("projection.index_sd")),
            float(params.value("projection.population_sd")),
        )
    else:
        errors = budget_errors(actuals, budgets[budgets["year"] <= y], ["gemeentecode", "domain"])
        spread = budget_error_spread(errors)
        level = np.array(
            [
                np.sqrt(max(0.0, float(spread["sigma"].get(domain[u], 0.0)) ** 2 - s**2))
                for u, s in zip(units, sigma)
            ]
        )
        level_rho = None
    upc = np.array([float(params.get(f"units_per_client.{u}", 1.0)) for u in units])
    return ProjectionInputs(
        municipalities=munis,
        units=units,
        years=years,
        clients_exp=full["clients"],
        cost_exp=full["cost_per_client"],
        year_fraction=full["year_fraction"][0],
        sigma=sigma,
        rho=rho,
        level_sigma=level,
        volume_share=float(params.value("projection.volume_share")),
        index_sd=float(params.value("projection.index_sd")),
        units_per_client=upc,
        population=full["population"],
        level_rho=level_rho,
        population_sd=float(params.value("projection.population_sd")),
        per_head=named_rates(sb, units, years, params),
    )


def named_rates(sb: StartBudget, units, years, params: Parameters) -> np.ndarray:
    """(U, Y): ``population_funding.<segment>.amount_per_head`` x the start budget's index
    factor (reference year = 1), NaN for a segment without a named rate."""
    out = np.full((len(units), len(years)), np.nan)
    index = sb.table.groupby(["segment", "year"])["index_factor"].first()
    for k, u in enumerate(units):
        name = f"population_funding.{u}.amount_per_head"
        if name not in params:
            continue
        rate = float(params.value(name))
        known = index.loc[u] if u in index.index.get_level_values(0) else pd.Series(dtype=float)
        factors = known.reindex(list(years)).ffill().bfill().fillna(1.0)
        out[k] = rate * factors.to_numpy(dtype=float)
    return out


def forecast_level(
    spread: pd.DataFrame,
    domains: list[str],
    sigma: np.ndarray,
    volume_share: float = 0.6,
    index_sd: float = 0.0,
    population_sd: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Level shock (sd and common share) per unit, so the spread matches the forecast's.

    At the forecast's last horizon ``H`` the simulated log variance of the cost of care is
    ``k level^2 + H (sigma^2 + index_sd^2 + population_sd^2)``: the level shock enters clients
    and intensity
    (``k = 1 + 2 sqrt(v (1 - v))``, see :func:`level_drifts`), ``H`` yearly shocks and the
    price index. The level makes it equal to the national forecast's out-of-sample spread at
    ``H`` (:func:`bekostiging.model.anchor.error_spread`), never below zero. Its common share
    is the forecast errors' correlation within a region.

    With ``v = 0.5`` (``k = 2``): level = sqrt((0.09 - 3 x 0.01) / 2) = 0.1732.

    >>> spread = pd.DataFrame({"scope": "youth", "horizon": [1, 3], "sigma": [0.1, 0.3],
    ...                        "rho": [0.2, 0.4]})
    >>> lv, r = forecast_level(spread, ["jeugd"], np.array([0.1]), volume_share=0.5)
    >>> round(float(lv[0]), 4), float(r[0])
    (0.1732, 0.4)
    """
    last = spread.loc[spread["horizon"] == spread["horizon"].max()].set_index("scope")
    k = 1.0 + 2.0 * np.sqrt(volume_share * (1.0 - volume_share))
    level, rho = [], []
    for d, s in zip(domains, sigma):
        scope = SCOPE_OF_DOMAIN.get(d)
        if scope in last.index:
            h = float(last.loc[scope, "horizon"])
            rest = float(last.loc[scope, "sigma"]) ** 2 - h * (
                s**2 + index_sd**2 + population_sd**2
            )
            level.append(np.sqrt(max(0.0, rest) / k))
            rho.append(float(last.loc[scope, "rho"]))
        else:
            level.append(0.0)
            rho.append(0.0)
    return np.array(level), np.array(rho)


def _full_grid(sb: StartBudget, munis, units, years, params) -> dict[str, np.ndarray]:
    """Start-budget columns on the (M, U, Y) grid.

    Years outside a segment's contract get fraction 0; their clients and cost continue from the
    nearest contract year (they only matter as the path the uncertainty accumulates on).
    """
    del params  # the start budget already holds every assumption
    t = sb.table
    index = pd.MultiIndex.from_product([munis, units], names=["gemeentecode", "segment"])
    out = {}
    for col in ("clients", "cost_per_client", "year_fraction", "population"):
        wide = t.pivot_table(
            index=["gemeentecode", "segment"], columns="year", values=col, aggfunc="first"
        ).reindex(index=index, columns=list(years))
        if col == "year_fraction":
            wide = wide.fillna(0.0)
        else:
            wide = wide.ffill(axis=1).bfill(axis=1).fillna(0.0)
        out[col] = wide.to_numpy(dtype=float).reshape(len(munis), len(units), len(years))
    return out


SETTLED = ("lumpsum", "hybrid")  # population funding has no annual settlement (issue 10)


def reference_funding(region: Region, segment: str, reference_year: int) -> str:
    """The variant in force in the reference year: the decided one once a full calendar year
    of the contract lies at or before the reference year, else the historical funding.

    >>> from bekostiging.config.region import load_region
    >>> r = load_region("achterhoek")
    >>> reference_funding(r, "iaj", 2021), reference_funding(r, "iaj", 2024)
    ('pq', 'lumpsum')
    """
    seg = region.segment(segment)
    start = seg.contract_start
    if start is not None and reference_year > start.year:
        return seg.funding["variant"]
    return seg.historical_funding


def contract_options(seg, key: str, params: Parameters) -> dict:
    """The contract terms of variant ``key`` for segment ``seg`` as decided in the region file:
    its settlement (corridor) for the settled variants and the one p*q share of the hybrid.

    The behaviour model, the projection and the sensitivity analysis all use these, so each
    looks at the decided contract, not at a bare variant.
    """
    out: dict = {}
    if key in SETTLED:
        out["settlement"] = dict(seg.funding.get("settlement") or {"kind": "none"})
    if key == "hybrid":
        out["pq_share"] = float(params.value("projection.hybrid_pq_share"))
    return out


def behaviour_response(
    region: Region, params: Parameters, reference_year: int, n_clients: int = 20_000
):
    """``response(unit, variant_key)`` for :func:`apply_variants` from the behaviour model.

    Each variant's response is taken relative to the funding in force in the reference year,
    because the reference-year cost per client already holds the behaviour of that funding.
    """

    def options(seg, key: str) -> dict:
        return {
            "region_params": params,
            "n_clients": n_clients,
            **contract_options(seg, key, params),
        }

    def response(unit: str, key: str):
        seg = region.segment(unit)
        base_key = reference_funding(region, unit, reference_year)
        resp = behavioural_response(seg, key, **options(seg, key))
        base = behavioural_response(seg, base_key, **options(seg, base_key))
        return resp.relative_to(base)

    return response


def project_start_budget(
    sb: StartBudget,
    baseline: pd.DataFrame,
    budget_baseline: pd.DataFrame,
    draws: int | None = None,
    seed: int = 20220701,
    behaviour: bool = True,
    params: Parameters | None = None,
) -> Projection:
    """Simulate and pay every variant for the procured segments of a start budget.

    With ``behaviour`` the provider behaviour model adjusts the care each variant buys
    (:func:`behaviour_response`); without it every variant pays for the same care.
    """
    region: Region = sb.region
    params = region.parameters if params is None else params
    inputs = inputs_from_start_budget(sb, baseline, budget_baseline, params)
    n = int(draws or params.value("projection.draws"))
    proj = simulate(inputs, n, seed)
    settlements = {
        s.id: dict(s.funding.get("settlement", {"kind": "none"}))
        for s in region.procured_segments()
    }
    # Accounting (results, settlement) is at full cost price: the tariff over the margin. The
    # behaviour model's markup over the marginal cost only drives its decisions.
    markup = 1.0 + float(params.value("projection.provider_margin"))
    response = behaviour_response(region, params, sb.reference_year) if behaviour else None
    return apply_variants(
        proj, params, settlements=settlements, response=response, tariff_markup=markup
    )


ACCESS_MEASURES = ("unmet_need", "waiting_share", "backlog_share", "shifted_share")


def access_by_segment(
    region: Region, params: Parameters, n_clients: int = 20_000
) -> dict[str, dict[str, dict[str, float]]]:
    """Per variant key (and ``"decided"``) and procured segment: the behaviour model's unmet
    need, waiting, backlog and shifted shares under that variant's contract terms
    (:func:`contract_options`). Deterministic and cached by the behaviour model."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for key in [*V.VARIANTS, "decided"]:
        out[key] = {}
        for seg in region.procured_segments():
            k = seg.funding["variant"] if key == "decided" else key
            r = behavioural_response(
                seg,
                k,
                region_params=params,
                n_clients=n_clients,
                **contract_options(seg, k, params),
            )
            out[key][seg.id] = {m: float(getattr(r, m)) for m in ACCESS_MEASURES}
    return out


def access_by_variant(
    sb: StartBudget, params: Parameters, year: int, n_clients: int = 20_000
) -> dict[str, dict[str, float]]:
    """Per variant (and ``"decided"``): the behaviour model's unmet need, waiting, backlog and
    shifted shares over the procured segments, weighted by their start budget in ``year``
    (the whole region).

    Absolute shares under each variant's contract terms (:func:`contract_options`), so a lower
    cost that comes from care left undone shows as such.
    """
    t = sb.table.loc[sb.table["year"] == year].groupby("segment")["budget"].sum()
    per_segment = access_by_segment(sb.region, params, n_clients)
    out: dict[str, dict[str, float]] = {}
    for key, segs in per_segment.items():
        num = dict.fromkeys(ACCESS_MEASURES, 0.0)
        den = 0.0
        for seg, measures in segs.items():
            weight = float(t.get(seg, 0.0))
            if weight <= 0:
                continue
            for m in ACCESS_MEASURES:
                num[m] += weight * measures[m]
            den += weight
        out[key] = {m: num[m] / den if den > 0 else float("nan") for m in ACCESS_MEASURES}
    return out


def decided_variant_spend(
    proj: Projection, region: Region, result: str = "municipality_spend"
) -> np.ndarray:
    """A variant result (D, M, U, Y) under each segment's decided variant: by default the
    municipality's spend on the contract; ``result`` names another (``total_cost``,
    ``outside_contract``, ``unmet_value``, ...)."""
    i = proj.inputs
    out = np.zeros(proj.clients.shape)
    for u, name in enumerate(i.units):
        key = region.segment(name).funding["variant"]
        values = proj.variants[key].get(result)
        if values is not None:
            out[:, :, u] = values[:, :, u]
    return out
