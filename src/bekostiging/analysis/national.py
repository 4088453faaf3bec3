"""The whole country in one function call: every municipality's start budget and projection.

Every Dutch municipality belongs to one jeugdzorgregio (membership of 2023,
:func:`bekostiging.data.panel.load_jeugdzorgregio_membership`: 342 municipalities in 42
regions). :func:`national_analysis` builds each jeugdzorgregio as a generated region
(:mod:`bekostiging.data.newregion`, so every region has the same generic segment layout and the
national defaults), runs the start budget (steps 1-7) and the Monte Carlo projection of the
cost of care per region, and stacks the results. No notebooks, no report layer.

The generated region files are written to a folder of their own (default: a temporary copy of
the assumptions), never into the project's ``data/assumptions`` unless asked.

A region that cannot be computed (for example zero spend in a procured segment, which the
projection refuses) does not stop the others: it is listed in ``NationalAnalysis.failures``
with the error.

Speed: the national parts (the pooled forecast on all municipalities, the trend damping) are
computed once per process and cached. With ``workers`` > 1 the first region runs in this
process (warming those caches) and the others in a pool of forked processes that inherit
them (``spawn`` where ``fork`` does not exist: each worker then warms its own). ``workers=1``
runs everything in this process.

>>> jeugdzorgregio_ids(["JZ25", "JZ09"])  # doctest: +NORMALIZE_WHITESPACE
{'JZ25': 'achterhoek', 'JZ09': 'zaanstreek_waterland'}
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError, Problem
from bekostiging.data.newregion import copy_assumptions, generate, slug, write_region
from bekostiging.data.panel import load_jeugdzorgregios
from bekostiging.data.quality import check_before_run
from bekostiging.model.baseline import build_baseline
from bekostiging.model.projection import inputs_from_start_budget, simulate
from bekostiging.model.startbudget import start_budget

REFERENCE_YEAR = 2024
CONTRACT_START = "2027-01-01"
DRAWS = 500
SEED = 20270101
QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def jeugdzorgregio_ids(codes: Iterable[str] | None = None, year: int = 2023) -> dict[str, str]:
    """Jeugdzorgregio code -> region id (the slug of its name), for all or the given codes.

    Unknown codes raise an ``InputError`` naming them.

    >>> jeugdzorgregio_ids(["jz99"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bekostiging.core.errors.InputError: ... onbekende jeugdzorgregio (gevonden: 'JZ99'; ...
    """
    regions = load_jeugdzorgregios(year)
    names = dict(zip(regions["jeugdzorgregio_code"], regions["jeugdzorgregio_naam"], strict=True))
    wanted = [c.strip().upper() for c in codes] if codes else sorted(names)
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise InputError(
            [
                Problem("--regions", "onbekende jeugdzorgregio", found=c, expected="JZ01 t/m JZ43")
                for c in unknown
            ]
        )
    return {c: slug(names[c]) for c in wanted}


def region_files(
    codes: Iterable[str] | None = None,
    assumptions_dir: Path | None = None,
    reuse: bool = True,
    errors: dict[str, str] | None = None,
) -> dict[str, Path]:
    """The region file of each jeugdzorgregio (all, or ``codes``), generated where missing.

    ``assumptions_dir`` is where the files go (default: a fresh temporary copy of the
    project's assumptions). With ``reuse`` an existing file of the same id is kept (the
    hand-configured Achterhoek is ``achterhoek``, with its own segments); without it every
    region is generated anew. A region that cannot be generated is left out and its error put
    in ``errors`` (code -> message), so one region's data problem does not stop the country.
    """
    if assumptions_dir is None:
        assumptions_dir = copy_assumptions(Path(tempfile.mkdtemp(prefix="nl-")) / "assumptions")
    out = {}
    for code, region_id in jeugdzorgregio_ids(codes).items():
        path = Path(assumptions_dir) / "regions" / f"{region_id}.yaml"
        if not (reuse and path.is_file()):
            try:
                nr = generate(region_id, jeugdzorgregio=code, assumptions_dir=Path(assumptions_dir))
                write_region(nr, Path(assumptions_dir), force=True)
            except Exception as exc:  # reported per region; the others go on
                if errors is None:
                    raise
                errors[code] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                continue
        out[code] = path
    return out


@dataclass
class RegionResult:
    """One region's start budget table and projected spend per municipality and year."""

    code: str
    region_id: str
    start_budget: pd.DataFrame | None
    projection: pd.DataFrame | None
    seconds: float
    error: str | None = None


def _spend_quantiles(spend: np.ndarray, municipalities, years) -> pd.DataFrame:
    """P10/P50/P90 and mean per municipality and year of a (D, M, U, Y) spend array."""
    per = spend.sum(axis=2, dtype=np.float64)  # (D, M, Y)
    frames = []
    for m, code in enumerate(municipalities):
        tot = per[:, m, :]
        f = pd.DataFrame({k: np.quantile(tot, q, axis=0) for k, q in QUANTILES.items()})
        f["mean"] = tot.mean(axis=0)
        f.insert(0, "year", list(years))
        f.insert(0, "gemeentecode", code)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def analyse_region(
    code: str,
    path: str | Path,
    reference_year: int = REFERENCE_YEAR,
    contract_start: str = CONTRACT_START,
    draws: int = DRAWS,
    seed: int = SEED,
) -> RegionResult:
    """Start budget and projection of one region file; an error is returned, not raised."""
    t0 = time.perf_counter()
    region_id = Path(path).stem
    try:
        region = load_region(path)
        check_before_run(region)  # the data-quality step: a blocking finding fails the region
        actuals = build_baseline(region)
        budgets = build_baseline(region, report=region.budget_report)
        sb = start_budget(region, actuals, reference_year, contract_start)
        names = {c: region.name_of(c) for c in region.current_codes()}
        table = sb.table.assign(jeugdzorgregio_code=code, region=region_id)
        table["gemeente"] = table["gemeentecode"].map(names)
        inputs = inputs_from_start_budget(sb, actuals, budgets)
        proj = simulate(inputs, draws, seed)
        quant = _spend_quantiles(proj.spend, inputs.municipalities, inputs.years)
        quant = quant.assign(jeugdzorgregio_code=code, region=region_id)
        quant["gemeente"] = quant["gemeentecode"].map(names)
        return RegionResult(code, region_id, table, quant, time.perf_counter() - t0)
    except Exception as exc:  # one region's data problem must not stop the country
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]
        return RegionResult(code, region_id, None, None, time.perf_counter() - t0, message)


def _analyse(args: tuple) -> RegionResult:
    return analyse_region(*args)


@dataclass
class NationalAnalysis:
    """All municipalities' start budgets and projected spend, with per-region timings."""

    reference_year: int
    start_budgets: pd.DataFrame
    """Municipality x segment x year: every factor and ``budget`` (EUR), with the region."""
    projections: pd.DataFrame
    """Municipality x year: P10/P50/P90 and mean of the projected cost of care (EUR)."""
    seconds: float
    region_seconds: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    """Jeugdzorgregio code -> error, for regions that could not be computed."""

    def totals(self) -> pd.DataFrame:
        """Start budget per jeugdzorgregio (rows) and year (columns), EUR."""
        return self.start_budgets.pivot_table(
            index="jeugdzorgregio_code", columns="year", values="budget", aggfunc="sum"
        )


def national_analysis(
    reference_year: int = REFERENCE_YEAR,
    contract_start: str = CONTRACT_START,
    draws: int = DRAWS,
    seed: int = SEED,
    codes: Sequence[str] | None = None,
    workers: int | None = None,
    assumptions_dir: Path | None = None,
) -> NationalAnalysis:
    """Every jeugdzorgregio (or ``codes``): start budgets and projections, stacked.

    ``workers`` processes (default: the number of cores, at most the number of regions);
    ``workers=1`` computes in this process. See the module docstring.
    """
    t0 = time.perf_counter()
    generation: dict[str, str] = {}
    files = region_files(codes, assumptions_dir, errors=generation)
    tasks = [(c, str(p), reference_year, contract_start, draws, seed) for c, p in files.items()]
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if workers == 1:
        results = [_analyse(t) for t in tasks]
    else:
        # The first region warms this process's national caches (the pooled forecast, the
        # damping); forked workers inherit them instead of each computing them again.
        results = [_analyse(tasks[0])]
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            results += list(pool.map(_analyse, tasks[1:]))
    ok = [r for r in results if r.error is None]
    empty = pd.DataFrame(columns=["gemeentecode", "gemeente", "jeugdzorgregio_code"])
    sb = pd.concat([r.start_budget for r in ok], ignore_index=True) if ok else empty
    proj = pd.concat([r.projection for r in ok], ignore_index=True) if ok else empty
    return NationalAnalysis(
        reference_year=reference_year,
        start_budgets=sb,
        projections=proj,
        seconds=time.perf_counter() - t0,
        region_seconds={r.code: r.seconds for r in results},
        failures=generation | {r.code: r.error for r in results if r.error is not None},
    )


def naive_national_analysis(
    reference_year: int = REFERENCE_YEAR,
    contract_start: str = CONTRACT_START,
    draws: int = DRAWS,
    seed: int = SEED,
    codes: Sequence[str] | None = None,
    assumptions_dir: Path | None = None,
) -> float:
    """Seconds for the naive way: each region in a fresh process, one after the other (no
    cache shared between regions), as running the region command per region would. The
    region files are generated before the clock starts."""
    files = region_files(codes, assumptions_dir)
    t0 = time.perf_counter()
    for code, path in files.items():
        script = (
            "from bekostiging.analysis.national import analyse_region as a; "
            f"r = a({code!r}, {str(path)!r}, {reference_year}, {contract_start!r}, {draws}, "
            f"{seed})"
        )
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    return time.perf_counter() - t0
