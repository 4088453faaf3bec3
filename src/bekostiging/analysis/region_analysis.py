"""Everything a report needs for one region, computed once, with a view per municipality.

The notebooks call this module and :mod:`bekostiging.report`; they compute nothing
themselves. :func:`check_settings` turns the notebook's ``parameters`` cell into validated
:class:`Settings` (a typo gives a clear message, never a traceback deep in the model).
:class:`RegionAnalysis` computes, lazily and once, the baseline, start budget, projection with
all funding variants, backtest, benchmark, incentive scorecard, risks, reserves, allocation,
provider split and transition arrangement for all municipalities of the region;
:meth:`RegionAnalysis.municipality` gives the tables of one municipality.

>>> s = check_settings(region="achterhoek", municipality="gm0197", draws=500)
>>> s.municipality, s.reference_year
('GM0197', 2024)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import platform
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bekostiging import __version__
from bekostiging.analysis.advice import municipality_advice, region_advice
from bekostiging.config.providers import load_providers, providers_file
from bekostiging.config.region import load_region
from bekostiging.config.settings import Settings, check_settings
from bekostiging.core.atomic import atomic_path
from bekostiging.core.errors import ParameterError, Problem
from bekostiging.core.paths import PROJECT_ROOT
from bekostiging.data.panel import build_panel, jeugdzorgregio_of
from bekostiging.data.quality import Finding, check_before_run
from bekostiging.data.rawdata import load_iv3, load_iv3_balance, sha256, verify_checksums
from bekostiging.data.submission import load_own_capacity, load_submissions
from bekostiging.model.affordability import (
    affordability,
    budget_bias,
    one_off_rows,
    with_total,
)
from bekostiging.model.allocation import (
    allocate,
    allocation_keys,
    coverage,
    mean_shares,
    min_providers_from,
    mix_weights,
    pooling_effect,
    split_lumpsum,
    worst_key_difference,
)
from bekostiging.model.anchor import REGION_UNIT, domain_projection, task_field_split
from bekostiging.model.backtest import REGION_ROW, run_backtest
from bekostiging.model.baseline import build_baseline, to_current_boundaries
from bekostiging.model.behaviour import load_behaviour_parameters
from bekostiging.model.calibration import budget_errors, index_known_until, index_path
from bekostiging.model.did import SCOPE_OF_DOMAIN, did_estimate, model_effect, switch_of
from bekostiging.model.evaluation import EVALUATED_COLUMNS, region_forecasts, run_forecasters
from bekostiging.model.forecast import FORECASTERS
from bekostiging.model.incentives import scorecard
from bekostiging.model.peers import benchmark
from bekostiging.model.population import project_population
from bekostiging.model.projection import (
    access_by_segment,
    access_by_variant,
    decided_variant_spend,
    project_start_budget,
    variant_summary,
)
from bekostiging.model.provider_settlement import corridor_options
from bekostiging.model.risk import (
    available_capacity,
    capacity_ratio,
    rating,
    region_settlements,
    required_capacity,
    risk_table,
)
from bekostiging.model.startbudget import start_budget
from bekostiging.model.transition import (
    cliff_summary,
    indication_cliff,
    monthly_cost_per_client,
    simulate_transition,
    transition_summary,
)

SHARED_ENV = "BEKOSTIGING_ANALYSIS_CACHE"
WARM = (
    "quality",
    "baseline",
    "budgets",
    "baseline_current",
    "start_budget",
    "projection",
    "task_fields",
    "switch_evidence",
    "access",
    "unmet_need",
    "decided_spend",
    "decided_routes",
    "backtest",
    "evaluation",
    "benchmark",
    "scorecard",
    "risk_table",
    "capacity",
    "providers",
    "coverage",
    "population_groups",
    "clients_in_care",
    "population_now",
    "allocation_worst",
    "access_by_segment",
    "transition_costs",
    "advice",
)


@lru_cache(maxsize=4)
def national_forecasts(backtest_year: int) -> pd.DataFrame:
    """Every municipality's forecasts from each origin up to ``backtest_year``, with actuals.

    It depends on the shipped data and the year only, not on the region, so one process
    computes it once for all regions and settings (the batch shares it through the analysis).
    """
    panel = build_panel()
    first = int(panel.loc[panel["report"] == "actuals", "year"].min()) - 1
    return run_forecasters(panel, range(first, backtest_year + 1), (1, 2, 3), FORECASTERS)


def load_shared(fresh: RegionAnalysis) -> RegionAnalysis | None:
    """The shared analysis named by ``BEKOSTIGING_ANALYSIS_CACHE`` if it matches ``fresh``."""

    path = os.environ.get(SHARED_ENV)
    if not path or not Path(path).is_file():
        return None
    try:
        with open(path, "rb") as fh:
            stored = pickle.load(fh)  # our own file, written by the batch for this run
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if stored.get("fingerprint") != fresh.fingerprint():
        return None
    shared = stored["analysis"]
    shared.settings = fresh.settings  # the municipality may differ; nothing computed uses it
    return shared


@dataclass
class RegionAnalysis:
    """All computations for one region and one set of settings, each done once when needed."""

    settings: Settings
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_parameters(cls, **raw: Any) -> RegionAnalysis:
        """Validate the parameters; reuse the batch's shared analysis when it matches.

        The report batch computes the region-wide analysis once and points
        ``BEKOSTIGING_ANALYSIS_CACHE`` at it; a notebook whose settings, data, assumptions and
        code give the same fingerprint loads it instead of computing everything again.
        """
        settings = check_settings(**raw)
        fresh = cls(settings)
        analysis = load_shared(fresh) or fresh
        _ = analysis.quality  # a blocking data-quality finding stops here, before any output
        return analysis

    def fingerprint(self) -> str:
        """What the figures rest on: settings (but the municipality), data, assumptions, code."""

        prov = self.provenance()
        basis = {k: prov[k] for k in ("settings", "data", "assumptions", "code")}
        basis["settings"] = {k: v for k, v in basis["settings"].items() if k != "municipality"}
        return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()

    def warm(self) -> RegionAnalysis:
        """Compute every region-wide part the reports use (before sharing it with the batch)."""
        for name in WARM:
            getattr(self, name)
        return self

    def save(self, path: Path) -> Path:
        """Store the computed analysis with its fingerprint (pickle, written atomically)."""

        with atomic_path(path, suffix=".pkl") as tmp, open(tmp, "wb") as fh:
            pickle.dump({"fingerprint": self.fingerprint(), "analysis": self}, fh, protocol=5)
        return Path(path)

    # --- inputs -----------------------------------------------------------------------------
    @cached_property
    def quality(self) -> list[Finding]:
        """The data-quality warnings of the region's inputs (:mod:`bekostiging.data.quality`).

        A blocking finding (an unknown code, an amount a thousand times too big, a procured
        segment without its assumptions) raises an :class:`InputError` naming municipality,
        year and task field; the warnings are listed in the reports.
        """
        return check_before_run(self.region, params=self.params)

    @cached_property
    def region(self):

        return load_region(self.settings.region)

    @cached_property
    def params(self):
        return self.region.with_parameters(self.settings.scenario)

    @cached_property
    def submissions(self) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:

        return load_submissions(self.region)

    @cached_property
    def baseline(self) -> pd.DataFrame:
        """Actuals per municipality x segment x year, with submitted figures."""

        return build_baseline(self.region, params=self.params, submissions=self.submissions[0])

    @cached_property
    def budgets(self) -> pd.DataFrame:

        return build_baseline(self.region, report=self.region.budget_report, params=self.params)

    @cached_property
    def baseline_current(self) -> pd.DataFrame:

        return to_current_boundaries(self.baseline, self.region)

    # --- calculations -----------------------------------------------------------------------
    @cached_property
    def start_budget(self):

        s = self.settings
        return start_budget(
            self.region,
            self.baseline,
            s.reference_year,
            s.contract_start,
            s.contract_years,
            self.params,
            self.submissions[1],
        )

    @cached_property
    def unmet_need(self) -> dict[str, float]:
        """Per variant key (and "decided"): the share of needed care left undone in the first
        full year, weighted over the procured segments."""
        return {k: v["unmet_need"] for k, v in self.access.items()}

    @cached_property
    def access(self) -> dict[str, dict[str, float]]:
        """Per variant key and ``"decided"``: the behaviour model's unmet need and waiting
        share for the whole region (:func:`bekostiging.model.projection.access_by_variant`)."""
        return access_by_variant(self.start_budget, self.params, self.first_full_year)

    @cached_property
    def access_by_segment(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per variant key (and ``"decided"``) and procured segment: unmet need, waiting,
        backlog and shifted shares (:func:`bekostiging.model.projection.access_by_segment`)."""
        return access_by_segment(self.region, self.params)

    @cached_property
    def advice(self):
        """The rule over the region's totals (:func:`bekostiging.analysis.advice.region_advice`)."""
        return region_advice(self)

    @cached_property
    def pooling_groups(self) -> list[list[str]]:
        """The segment groups that could be pooled regionally: each projected segment of
        ``risk.allocation.regional_segments`` with the projected segments of its region-file
        pooling entry (``regional_pooling``)."""
        units = list(self.projection.inputs.units)
        out: list[list[str]] = []
        seen: set[str] = set()
        for seg in self.params.value("risk.allocation.regional_segments"):
            if seg not in units or seg in seen:
                continue
            pool = next((p for p in self.region.pooling if seg in p.segments), None)
            group = [s for s in (pool.segments if pool else (seg,)) if s in units]
            seen.update(group)
            out.append(group)
        return out

    def pooling_gains(self, code: str, year: int) -> dict[str, float]:
        """Per segment of a poolable group (:attr:`pooling_groups`): how much pooling the
        group lowers this municipality's P90 in ``year``, split over the group's segments by
        their mean cost (euros; negative when pooling raises it)."""
        out: dict[str, float] = {}
        i = self.projection.inputs
        m, k = i.municipalities.index(code), i.years.index(year)
        cost = self.decided_routes["total_cost"]
        for group in self.pooling_groups:
            row = self.pooling(group, year=year).set_index("gemeentecode").loc[code]
            gain = float(row["own_p90"] - row["pooled_p90"])
            means = {s: float(cost[:, m, i.units.index(s), k].mean()) for s in group}
            total = sum(means.values())
            for s in group:
                out[s] = gain * (means[s] / total if total > 0 else 1.0 / len(group))
        return out

    @cached_property
    def switch(self):
        """The region's switch of funding (from the region file), or None."""
        return switch_of(self.region)

    @cached_property
    def switch_evidence(self) -> dict[str, Any]:
        """The difference-in-differences of the switch per scope, beside the model's effect.

        Empty when the region has no switch, or none a full year before the reference year.
        Only actuals up to the reference year enter; the comparison group is every other
        Dutch municipality, the placebo regions the other jeugdzorgregios.
        """
        sw = self.switch
        y = self.settings.reference_year
        if sw is None or sw.decimal > y:
            return {}
        panel = build_panel()
        panel = panel.loc[panel["year"] <= y]
        codes = list(self.region.current_codes())
        groups = jeugdzorgregio_of()
        others = {c: g for c, g in groups.items() if c not in codes}
        first = int(panel["year"].min())
        year = self.first_full_year
        domain = {s.id: s.domain for s in self.region.segments}
        out: dict[str, Any] = {}
        base = self.baseline_current
        base = base.loc[(base["year"] == y) & base["gemeentecode"].isin(codes)]
        actual = panel.loc[
            (panel["report"] == "actuals")
            & (panel["year"] == y)
            & panel["gemeentecode"].isin(codes)
        ]
        for scope in sw.scopes:
            result = did_estimate(panel, codes, scope, sw.decimal, others, years=(first, y))
            segs = [s for s in sw.segments if SCOPE_OF_DOMAIN.get(domain[s]) == scope]
            effect = model_effect(self.projection, segs, year, sw.from_variant, sw.to_variant)
            # the DiD measures all of the scope's spending; the model moves the procured part
            scope_total = float(actual.loc[actual["scope"] == scope, "spending"].sum())
            procured = float(base.loc[base["segment"].isin(segs), "spend"].sum())
            share = procured / scope_total if scope_total > 0 else float("nan")
            out[scope] = {
                "did": result,
                "model_effect": effect,
                "procured_share": share,
                "model_scope_effect": effect * share,
                "segments": segs,
                "year": year,
            }
        return out

    @cached_property
    def task_fields(self) -> pd.DataFrame:
        """Actual spending per task field of the social domain in the reference year, per
        municipality (``unit`` = code) and for the region (``unit`` = "regio")."""
        iv3 = load_iv3()
        y = self.settings.reference_year
        codes = list(self.region.current_codes())
        frames = [task_field_split(iv3, [c], y).assign(unit=c) for c in codes]
        frames.append(task_field_split(iv3, codes, y).assign(unit=REGION_UNIT))
        return pd.concat(frames, ignore_index=True)

    def domain_projection(self, unit: str) -> pd.DataFrame:
        """The whole social domain per task field: actual in Y and expected for Y+1..Y+3."""
        split = self.task_fields.loc[self.task_fields["unit"] == unit].drop(columns="unit")
        return domain_projection(self.start_budget.forecast, split, unit)

    @cached_property
    def projection(self):

        s = self.settings
        return project_start_budget(
            self.start_budget, self.baseline, self.budgets, s.draws, s.seed, params=self.params
        )

    @cached_property
    def contract_years(self) -> list[int]:
        """Calendar years of the contract (including part years)."""
        return sorted(int(y) for y in self.start_budget.table["year"].unique())

    @cached_property
    def full_years(self) -> list[int]:
        """Contract years that every procured segment covers in full."""
        t = self.start_budget.table
        full = t.groupby("year")["year_fraction"].min()
        return sorted(int(y) for y in full[full >= 1.0].index)

    @cached_property
    def first_full_year(self) -> int:
        return self.full_years[0] if self.full_years else self.contract_years[0]

    @cached_property
    def evaluation(self) -> pd.DataFrame:
        """Forecasts as of the backtest year beside what followed, for this region.

        The tool (:data:`bekostiging.model.forecast.MODEL`) and the four baselines, estimated on
        all Dutch municipalities as known then, for the region's municipalities and for the
        region as a whole (its municipalities summed; band from the region's own errors at
        earlier origins). ``actual`` is NaN where no actual is published: not compared.
        """
        y = self.settings.backtest_year
        forecasts = national_forecasts(y)
        codes = list(self.region.current_codes())
        members = pd.DataFrame({"gemeentecode": codes, "jeugdzorgregio_code": REGION_ROW})
        region = region_forecasts(forecasts, members)
        own = forecasts.loc[forecasts["unit"].isin(codes)]
        out = pd.concat([own, region], ignore_index=True)
        out = out.loc[out["origin"] == y]
        return out[EVALUATED_COLUMNS].reset_index(drop=True)

    @cached_property
    def backtest(self):

        s = self.settings
        return run_backtest(
            self.region,
            s.backtest_year,
            draws=s.draws,
            seed=s.seed,
            params=self.params,
            actuals=self.baseline,
            budgets=self.budgets,
        )

    @cached_property
    def benchmark(self) -> pd.DataFrame:

        return benchmark(self.region.current_codes(), self.settings.reference_year)

    @cached_property
    def scorecard(self) -> pd.DataFrame:
        """Incentive scorecard of every procured segment under its decided funding (numbers
        only; Dutch: report.text.incentives.dutch_scorecard)."""

        # behaviour parameters from behaviour.yaml, euros and overrides from the region's
        # (scenario-adjusted) assumptions
        frames = [
            scorecard(s, s.funding, None, self.params) for s in self.region.procured_segments()
        ]
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def loss_threshold(self) -> float:
        """Provider loss (share of revenue) that threatens continuity (named assumption)."""

        return float(
            load_behaviour_parameters(self.params).value("behaviour.continuity.loss_threshold")
        )

    @cached_property
    def decided_spend(self) -> np.ndarray:
        """What each municipality pays (D, M, U, Y) under each segment's decided variant."""

        return decided_variant_spend(self.projection, self.region)

    @cached_property
    def decided_routes(self) -> dict[str, np.ndarray]:
        """Under the decided variants (D, M, U, Y): the municipality's cost outside the
        contract, its total over all routes, and the value of the care left undone."""
        return {
            k: decided_variant_spend(self.projection, self.region, k)
            for k in ("outside_contract", "total_cost", "unmet_value", "provider_result")
        }

    @cached_property
    def risk_table(self) -> pd.DataFrame:
        """Risks per municipality, numbers only (Dutch: report.text.risk.dutch_risk_table)."""

        p = self.projection
        i = p.inputs
        seg = list(i.units)
        # only the contract years: years between the reference year and the start carry no
        # budget and would dilute every simulated chance
        ys = [i.years.index(y) for y in self.contract_years if y in i.years]
        settle = {k: v for k, v in region_settlements(self.region).items() if k in seg}
        budget_clients = (i.clients_exp * i.year_fraction[None])[..., ys]
        return risk_table(
            p.spend[..., ys],
            i.budget[..., ys],
            list(i.municipalities),
            self.params,
            segments=seg,
            settlements=settle,
            municipality_spend=self.decided_spend[..., ys],
            clients_draws=(p.clients * i.year_fraction[None, None])[..., ys],
            budget_clients=budget_clients,
            budgeted_index=float(self.params.value("index.care_cost", year=self.first_full_year)),
            allocation_difference=self.allocation_worst,
        )

    @cached_property
    def clients_in_care(self) -> dict[str, float]:
        """Clients in the procured segments in the reference year, per municipality."""
        b = self.baseline_current
        b = b[(b["year"] == self.settings.reference_year) & b["procured"]]
        return b.groupby("gemeentecode")["clients"].sum().to_dict()

    @cached_property
    def transition_costs(self) -> pd.DataFrame:
        """The decided cost of the transition arrangement per municipality and calendar year.

        One row per municipality and year in which the window falls (the contract start year;
        two rows when the window crosses a year end): ``gemeentecode``, ``year``,
        ``decided_cost`` (EUR, certain: paid to non-contracted providers beside the lumpsum),
        and per municipality (repeated on its rows; do not add them up over years)
        ``clients_to_move``, ``left_at_deadline``, ``indication_peak_load`` and
        ``indication_normal_load`` (clients per month for the access teams).
        """
        rows = []
        for code in self.region.current_codes():
            _, s = self.municipality(code).transition()
            for year, amount in s["decided_cost_by_year"].items():
                rows.append(
                    (
                        code,
                        year,
                        amount,
                        s["clients_to_move"],
                        s["left_at_deadline"],
                        s["indication_peak_load"],
                        s["indication_normal_load"],
                    )
                )
        columns = [
            "gemeentecode",
            "year",
            "decided_cost",
            "clients_to_move",
            "left_at_deadline",
            "indication_peak_load",
            "indication_normal_load",
        ]
        return pd.DataFrame(rows, columns=columns)

    @cached_property
    def capacity(self) -> pd.DataFrame:
        """Required resistance capacity at 90 % certainty against the available capacity.

        Net (``required``, ``ratio``, ``rating``): on what the municipality pays under the
        decided variants over all routes (after what providers absorb up to the backstop and
        the settlement). Gross (``..._gross``): on the cost of the care itself, as if nobody
        else carried any of it (the providers' cost at tariff plus the change outside the
        contract): what the municipality needs if providers cannot absorb their losses. Each
        for the first full contract year (the budget year the college decides on) and for the
        heaviest contract year (``..._worst``, its year in ``worst_year``), because the
        uncertainty grows with the horizon. Available capacity: :func:`available_capacity`,
        with the figure a municipality entered in its submission workbook first
        (``available_submitted``, ``available_year``, ``available_source``; the
        ``reserves.available`` figure it replaced in ``available_replaced``).
        """

        p = self.projection
        years = list(p.inputs.years)
        markup = 1.0 + float(self.params.value("projection.provider_margin"))
        provided = decided_variant_spend(p, self.region, "provided_cost") * markup
        outside = self.decided_routes["outside_contract"]
        spends = {
            "net": self.decided_routes["total_cost"],  # what the municipality pays
            "gross": provided + outside,  # the cost of the care, nobody else carrying any
        }
        per_year = {
            k: np.asarray(required_capacity(v, p.inputs.budget, 0.9, period="per_year"))
            for k, v in spends.items()
        }  # (M, Y) each
        first = years.index(self.first_full_year)
        in_contract = [years.index(y) for y in self.contract_years if y in years]
        codes = list(p.inputs.municipalities)
        avail = available_capacity(
            self.params,
            codes,
            self.population_now,
            balance=load_iv3_balance(),
            reference_year=self.settings.reference_year,
            submitted=load_own_capacity(self.region),
        ).set_index("gemeentecode")
        rows = []
        for k, code in enumerate(codes):
            have = float(avail.loc[code, "available"])
            row = {
                "gemeentecode": code,
                "gemeente": self.region.name_of(code),
                "year": self.first_full_year,
                "available": have,
                "available_basis": avail.loc[code, "basis"],
                "balance_year": avail.loc[code, "balance_year"],
                "eigen_vermogen": float(avail.loc[code, "eigen_vermogen"]),
                "available_submitted": bool(avail.loc[code, "submitted"]),
                "available_year": avail.loc[code, "figure_year"],
                "available_source": avail.loc[code, "figure_source"],
                "available_replaced": float(avail.loc[code, "replaced"]),
            }
            for kind, need in per_year.items():
                suffix = "" if kind == "net" else "_gross"
                heaviest = in_contract[int(np.argmax(need[k, in_contract]))]
                req, worst = float(need[k, first]), float(need[k, heaviest])
                ratio, ratio_worst = capacity_ratio(have, req), capacity_ratio(have, worst)
                row |= {
                    f"required{suffix}": req,
                    f"required_worst{suffix}": worst,
                    f"worst_year{suffix}": int(years[heaviest]),
                    f"ratio{suffix}": float(ratio),
                    f"rating{suffix}": str(rating(ratio)),
                    f"ratio_worst{suffix}": float(ratio_worst),
                    f"rating_worst{suffix}": str(rating(ratio_worst)),
                }
            rows.append(row)
        return pd.DataFrame(rows)

    @cached_property
    def population_now(self) -> dict[str, float]:
        """Inhabitants on 1 January of the reference year per current municipality."""
        b = self.baseline_current
        b = b[(b["year"] == self.settings.reference_year) & (b["target_population"] == "totaal")]
        if not b.empty:
            return b.groupby("gemeentecode")["population"].first().to_dict()

        pop = project_population(self.region, [self.settings.reference_year], self.params)
        pop = pop[pop["age_group"] == "totaal"]
        return dict(zip(pop["gemeentecode"], pop["population"]))

    # --- allocation and providers -----------------------------------------------------------
    @cached_property
    def population_groups(self) -> pd.DataFrame:

        return project_population(self.region, [self.settings.reference_year], self.params)

    def allocation(self, segments: list[str]) -> pd.DataFrame:
        """Regional start budget (first full year) of ``segments`` split by every key.

        The ``gebruik`` key (each pays for its own residents) is each municipality's share of
        that start budget, so its amount is exactly the municipality's own start budget of
        ``segments``: one definition of "what the own residents cost" in every table. The
        population keys use the population of the reference year.
        """

        key = ("allocation", tuple(segments))
        if key not in self._cache:
            t = self.start_budget.table
            now = t[(t["year"] == self.first_full_year) & t["segment"].isin(segments)]
            own = now.groupby("gemeentecode", as_index=False)["budget"].sum()
            own = own.rename(columns={"budget": "spend"}).assign(year=self.settings.reference_year)
            keys = allocation_keys(
                own[["gemeentecode", "year", "spend"]],
                self.population_groups,
                mix_weights(self.params),
            )
            cost = float(now["budget"].sum())
            self._cache[key] = allocate(cost, keys)
        return self._cache[key]

    def pooling(
        self,
        segments: list[str],
        key: str | dict[str, float] = "mean",
        q: float = 0.9,
        year: int | None = None,
    ) -> pd.DataFrame:
        """What pooling ``segments`` does to each municipality's mean and P90 (solidarity).

        The cost is the decided variants' ``total_cost`` (what the municipality pays over all
        routes) of ``segments`` together in the first full contract year, per draw;
        :func:`bekostiging.model.allocation.pooling_effect` compares each paying its own draws
        with each paying its share of the regional total of every draw. ``key``: ``"mean"``
        (default) each municipality's share of the mean cost, so pooling moves risk but not
        expected cost; a key of :meth:`allocation` (``"gebruik"``, ``"inwoners"``, ...); or a
        mapping code -> share. Columns: ``gemeentecode``, ``year`` and those of
        ``pooling_effect`` (``own_p90`` etc. for ``q`` = 0.9). ``year``: another contract
        year than the first full one (the advice looks at the heaviest).
        """
        ident = key if isinstance(key, str) else tuple(sorted(key.items()))
        year = self.first_full_year if year is None else int(year)
        cache_key = ("pooling", tuple(segments), ident, float(q), year)
        if cache_key not in self._cache:
            i = self.projection.inputs
            unknown = [s for s in segments if s not in i.units]
            if unknown or not segments:
                what = f"segment {unknown[0]!r} is not projected" if unknown else "no segments"
                raise ValueError(f"{what}; projected: {', '.join(i.units)}")
            units = [i.units.index(s) for s in segments]
            cost = self.decided_routes["total_cost"][:, :, units, i.years.index(year)]
            draws = cost.sum(axis=2)  # (D, M)
            codes = list(i.municipalities)
            if key == "mean":
                shares = mean_shares(draws)
            elif isinstance(key, str):
                al = self.allocation(list(segments))
                al = al[al["key"] == key].set_index("gemeentecode")
                if al.empty:
                    raise ValueError(f"unknown key {key!r}; use 'mean' or a key of allocation()")
                shares = al["share"].reindex(codes).to_numpy(dtype=float)
            else:
                shares = np.array([float(key[c]) for c in codes])
            out = pooling_effect(draws, shares, q=q, codes=codes).reset_index()
            out.insert(1, "year", year)
            self._cache[cache_key] = out
        return self._cache[cache_key]

    @cached_property
    def allocation_worst(self) -> pd.DataFrame | None:
        """Per municipality the extra it would pay under the least favourable other key, for
        the segments that are regional in nature (``risk.allocation.regional_segments``)."""

        segs = [
            s
            for s in self.params.value("risk.allocation.regional_segments")
            if s in self.region.segment_ids(procured_only=True)
        ]
        if not segs:
            return None  # this region has none of those segments: no allocation risk row
        return worst_key_difference(self.allocation(segs))

    @cached_property
    def providers(self) -> pd.DataFrame | None:
        """The provider landscape (an illustrative assumption), or None if the region has none."""

        if not providers_file(self.region).is_file():
            return None
        return load_providers(self.region)

    @cached_property
    def coverage(self) -> pd.DataFrame:

        if self.providers is None:
            return pd.DataFrame(
                columns=[
                    "gemeentecode",
                    "segment",
                    "n_providers",
                    "n_local",
                    "min_providers",
                    "covering",
                    "hhi",
                    "concentration",
                ]
            )
        return coverage(
            self.providers,
            min_providers_from(self.params),
            self.region.current_codes(),
            self.region.segment_ids(procured_only=True),
        )

    # --- per municipality -------------------------------------------------------------------
    def municipality(self, code: str | None = None) -> MunicipalityView:
        code = (code or self.settings.municipality).upper()
        if code not in self.region.current_codes():
            self.region.municipality(code)  # raises a clear error for unknown codes
            raise ParameterError(
                Problem(
                    "parameters",
                    f"{code} bestaat niet meer (opgegaan in een fusie)",
                    found=code,
                    expected=", ".join(self.region.current_codes()),
                )
            )
        return MunicipalityView(self, code)

    def provenance(self) -> dict[str, Any]:
        """Data checksums, assumption files, versions and settings behind the figures."""

        checks = verify_checksums()
        files = [*self.region.parameter_files, self.region.conversion_file, self.region.source_file]
        if self.settings.scenario:
            files.append(Path(self.settings.scenario))
        files.extend(self.submissions[2])  # a municipality's own figures change the results
        return {
            "settings": asdict(self.settings) | {"scenario": _rel(self.settings.scenario)},
            "data": dict(zip(checks["file"], checks["sha256"])),
            "assumptions": {_rel(f): sha256(Path(f)) for f in files},
            "submissions": [f.name for f in self.submissions[2]],
            "code": _code_hash(),
            "package": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "date": dt.date.today().isoformat(),
        }


def _code_hash() -> str:
    """SHA-256 over the package's source files: results of other code are stale."""

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parents[1].rglob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _rel(path: str | Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class MunicipalityView:
    """The tables of one municipality, cut from the region's computations."""

    analysis: RegionAnalysis
    code: str

    @property
    def name(self) -> str:
        return self.analysis.region.name_of(self.code)

    @property
    def index(self) -> int:
        return self.analysis.projection.inputs.municipalities.index(self.code)

    def baseline(self) -> pd.DataFrame:
        b = self.analysis.baseline_current
        return b[b["gemeentecode"] == self.code]

    def start_budget(self) -> pd.DataFrame:
        return self.analysis.start_budget.for_municipality(self.code)

    def domain_projection(self) -> pd.DataFrame:
        return self.analysis.domain_projection(self.code)

    def variant_summary(
        self, years: list[int] | None = None, units: list[str] | None = None
    ) -> pd.DataFrame:

        a = self.analysis
        return variant_summary(
            a.projection, self.code, units, years or a.full_years, loss_threshold=a.loss_threshold
        )

    def decided_quantiles(self) -> pd.DataFrame:
        """P10/P50/P90 per year of what the municipality pays under the decided variants."""
        p = self.analysis.projection
        tot = self.analysis.decided_spend[:, self.index].sum(axis=1)
        out = pd.DataFrame(
            {
                k: np.quantile(tot, q, axis=0)
                for k, q in {"p10": 0.1, "p50": 0.5, "p90": 0.9}.items()
            },
            index=pd.Index(p.inputs.years, name="year"),
        )
        out["mean"] = tot.mean(axis=0)
        routes = {k: v[:, self.index].sum(axis=1) for k, v in self.analysis.decided_routes.items()}
        out["total_p50"] = np.quantile(routes["total_cost"], 0.5, axis=0)
        out["total_p90"] = np.quantile(routes["total_cost"], 0.9, axis=0)
        out["outside_contract_mean"] = routes["outside_contract"].mean(axis=0)
        out["unmet_value_mean"] = routes["unmet_value"].mean(axis=0)
        out["total_mean"] = routes["total_cost"].mean(axis=0)
        out["provider_result_mean"] = routes["provider_result"].mean(axis=0)
        out["budget"] = p.inputs.budget[self.index].sum(axis=0)
        return out.loc[[y for y in out.index if y in self.analysis.contract_years]]

    def variant_quantiles(self, variant: str) -> pd.DataFrame:
        q = self.analysis.projection.quantiles("municipality_spend", self.code, variant=variant)
        return q.loc[[y for y in q.index if y in self.analysis.contract_years]]

    def risks(self) -> pd.DataFrame:
        r = self.analysis.risk_table
        return r[r["gemeentecode"] == self.code].drop(columns=["gemeentecode"])

    def capacity(self) -> pd.Series:
        c = self.analysis.capacity
        return c[c["gemeentecode"] == self.code].iloc[0]

    def backtest(self) -> pd.DataFrame:
        t = self.analysis.backtest.table
        return t[t["gemeentecode"].isin([self.code, "regio"])]

    def benchmark(self) -> pd.DataFrame:
        b = self.analysis.benchmark
        return b[b["gemeentecode"].isin([self.code, "regio"])]

    def allocation(self, segments: list[str]) -> pd.DataFrame:
        return self.analysis.allocation(segments)

    def corridor_options(
        self, segment: str, year: int | None = None, cost_factor: float = 1.0
    ) -> pd.DataFrame:
        """The decision table of corridor options for one segment, settled per provider.

        The segment's cost of the care provided under the lumpsum (per draw, times
        ``cost_factor``: used to find the growth at which the advice flips), the lumpsum
        split over the contracted providers (:meth:`provider_split`), client choice between
        them; empty without a provider landscape for the segment.
        """
        a = self.analysis
        year = a.first_full_year if year is None else year
        split = self.provider_split()
        if split.empty or segment not in set(split["segment"]):
            return pd.DataFrame()
        mine = split.loc[split["segment"] == segment]
        p, i = a.projection, a.projection.inputs
        m, u, k = self.index, i.units.index(segment), i.years.index(year)
        cost = p.variants["lumpsum"]["provided_cost"][:, m, u, k].astype(float) * cost_factor
        budget = float(i.budget[m, u, k]) * p.price[:, k].astype(float)
        clients = float(i.clients_exp[m, u, k] * i.year_fraction[u, k])
        equity = float(a.params.value("projection.provider_equity"))
        shares = mine["amount"].to_numpy(dtype=float)
        choice = mine["historical_share"].to_numpy(dtype=float)
        table = corridor_options(
            cost, budget, shares, clients, a.loss_threshold, equity=equity, choice=choice
        )
        return table.assign(providers=len(mine), segment=segment, year=year)

    def provider_split(self) -> pd.DataFrame:
        """The first full year's lumpsum per segment split over contracted providers."""

        a = self.analysis
        sb = self.start_budget()
        year = a.first_full_year
        floor = float(a.params.value("allocation.floor_share"))
        min_local = float(a.params.get("allocation.min_local_amount", 0.0))
        frames = []
        if a.providers is None:
            return pd.DataFrame()
        for seg in a.region.procured_segments():
            if seg.funding["variant"] not in ("lumpsum", "hybrid", "population"):
                continue
            budget = float(sb[(sb["segment"] == seg.id) & (sb["year"] == year)]["budget"].sum())
            prov = a.providers[
                (a.providers["gemeentecode"] == self.code) & (a.providers["segment"] == seg.id)
            ]
            if prov.empty or budget <= 0:
                continue
            # 'share' is the provider's share of this municipality's segment (load_providers)
            p = prov[["provider", "share", "local"]].rename(columns={"share": "historical_share"})
            split = split_lumpsum(budget, p, floor_share=floor, min_local_amount=min_local)
            split.insert(0, "segment", seg.id)
            frames.append(split)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def coverage(self) -> pd.DataFrame:
        c = self.analysis.coverage
        return c[c["gemeentecode"] == self.code]

    def affordability(self) -> pd.DataFrame:
        """Start budget and P90 against the own primary budget per domain and contract year.

        Procured segments only, at current boundaries (a centrumgemeente's booked amount
        attributed as in the baseline). P90: what the municipality pays over all routes under
        the decided variants. Bias: the geometric mean of actual / primary budget over the
        years up to the reference year (:func:`bekostiging.model.affordability.budget_bias`).
        Years beyond the last budget compare with it, indexed (``indexed_from``).
        """
        a = self.analysis
        key = ("affordability", self.code)
        if key in a._cache:
            return a._cache[key]
        domain = {s.id: s.domain for s in a.region.segments}
        i = a.projection.inputs
        years = [y for y in a.contract_years if y in i.years]
        sb = self.start_budget()
        sb = sb[sb["year"].isin(years)].assign(domain=lambda d: d["segment"].map(domain))
        start = sb.groupby(["domain", "year"])["budget"].sum().rename("start_budget")
        total = a.decided_routes["total_cost"][:, self.index]  # (D, U, Y)
        p90 = {}
        for d in sorted(set(start.index.get_level_values("domain"))):
            us = [u for u, seg in enumerate(i.units) if domain.get(seg) == d]
            for y in years:
                draws = total[:, us, i.years.index(y)].sum(axis=1)
                p90[(d, y)] = float(np.quantile(draws, 0.9))
        need = start.to_frame().assign(p90=pd.Series(p90)).reset_index()
        own_frame = to_current_boundaries(a.budgets, a.region)
        own_frame = own_frame[(own_frame["gemeentecode"] == self.code) & own_frame["procured"]]
        own = own_frame.groupby(["domain", "year"], as_index=False)["spend"].sum()
        own = own.rename(columns={"spend": "budget"})
        actual = a.baseline_current
        actual = actual[(actual["gemeentecode"] == self.code) & actual["procured"]]
        ref = a.settings.reference_year
        errors = budget_errors(
            actual[actual["year"] <= ref],
            own_frame[own_frame["year"] <= ref],
            ["domain"],
            value="spend",
        )
        bias = budget_bias(errors) if not errors.empty else pd.DataFrame(columns=["domain"])
        ratios = dict(zip(bias["domain"], bias["ratio"])) if not bias.empty else {}
        rates = index_path(a.params, years, known_until=index_known_until(ref))
        population = float(a.population_now.get(self.code, 0.0))
        table = affordability(need, own, ratios, population, rates)
        tc = a.transition_costs
        tc = tc[(tc["gemeentecode"] == self.code) & tc["year"].isin(years)]
        once = {int(y): float(c) for y, c in zip(tc["year"], tc["decided_cost"]) if c > 0}
        if once:
            table = pd.concat(
                [table, one_off_rows(once, population, "overgang")], ignore_index=True
            )
        # the total's P90 from the summed draws (a P90 does not add up), the certain
        # transition cost included
        procured = [u for u, seg in enumerate(i.units) if domain.get(seg) in set(need["domain"])]
        total_p90 = {
            y: float(
                np.quantile(
                    total[:, procured, i.years.index(y)].sum(axis=1) + once.get(y, 0.0), 0.9
                )
            )
            for y in years
        }
        table = with_total(table, population, total_p90)
        years_of = {
            r["domain"]: (int(r["first_year"]), int(r["last_year"])) for _, r in bias.iterrows()
        }
        table["bias_years"] = table["domain"].map(years_of)
        a._cache[key] = table
        return table

    def advice(self):
        """The computed advice (:func:`bekostiging.analysis.advice.municipality_advice`)."""
        key = ("advice", self.code)
        if key not in self.analysis._cache:
            self.analysis._cache[key] = municipality_advice(self)
        return self.analysis._cache[key]

    def transition(self) -> tuple[pd.DataFrame, dict]:
        """The transition arrangement as decided for this municipality's clients in care.

        Returns the month table of :func:`~bekostiging.model.transition.simulate_transition`
        and its :func:`~bekostiging.model.transition.transition_summary`, extended with
        ``clients_in_care``, ``monthly_capacity`` (transfers a month: the region's capacity per
        1,000 clients in care), ``monthly_cost_per_client`` with its ``cost_basis``
        (``"baseline"``: procured spend / clients / 12 of the reference year; ``"parameter"``)
        and ``cost_estimated``, the ``indications`` table of
        :func:`~bekostiging.model.transition.indication_cliff` and its
        :func:`~bekostiging.model.transition.cliff_summary` keys prefixed ``indication_``.
        """

        a = self.analysis
        p = a.params
        b = a.baseline_current
        mine = b[
            (b["year"] == a.settings.reference_year)
            & b["procured"]
            & (b["gemeentecode"] == self.code)
        ]
        stock = float(a.clients_in_care.get(self.code, 0.0))
        fallback = p.param("transition.monthly_cost_per_client")
        cost, basis = monthly_cost_per_client(float(mine["spend"].sum()), stock, fallback.value)
        flags = {*mine["spend_flag"], *mine["clients_flag"]} if basis == "baseline" else set()
        estimated = fallback.is_estimate if basis == "parameter" else "estimated" in flags
        capacity = float(p.value("transition.monthly_capacity_per_1000_clients")) * stock / 1000
        start = (
            dt.date.fromisoformat(self.analysis.settings.contract_start)
            if a.settings.contract_start
            else a.region.contract_start
        )
        window = int(p.value("transition.window_months"))
        first = start.strftime("%Y-%m")
        deadline = (start.replace(day=1) + pd.DateOffset(months=window)).strftime("%Y-%m")
        outflow = float(p.value("transition.natural_outflow_rate"))
        table = simulate_transition(
            client_stock=stock,
            share_noncontracted=float(p.value("transition.share_noncontracted")),
            monthly_capacity=capacity,
            start=first,
            deadline=deadline,
            monthly_cost_per_client=cost,
            overlap_months=float(p.value("transition.overlap_months")),
            natural_outflow_rate=outflow,
        )
        cliff = indication_cliff(
            stock,
            float(p.value("transition.indication_rate")),
            int(p.value("transition.indication_runup_months")),
            int(p.value("transition.indication_spread_months")),
            start=first,
            deadline=deadline,
            indication_months=float(p.value("transition.indication_months")),
            outflow_rate=outflow,
        )
        summary = transition_summary(table, deadline) | {
            "clients_in_care": stock,
            "monthly_capacity": capacity,
            "monthly_cost_per_client": cost,
            "cost_basis": basis,
            "cost_estimated": bool(estimated),
            "indications": cliff,
            **{f"indication_{k}": v for k, v in cliff_summary(cliff).items()},
        }
        return table, summary
