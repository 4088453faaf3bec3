"""Performance benchmarks, each measured against a naive baseline in the same run.

``python -m bekostiging bench`` (or ``make bench``) prints, per benchmark, the time of the real
implementation, the time of a plain-Python implementation of the same computation on a
subsample, and their ratio per unit of work. Nothing here is a timed unit test: timings depend
on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np

from bekostiging.analysis.national import (
    naive_national_analysis,
    national_analysis,
    region_files,
)
from bekostiging.batch.reports import (
    KERNEL,
    load_batch_config,
    plan,
    run_reports,
    settings_for_batch,
)
from bekostiging.batch.runner import ensure_kernel
from bekostiging.bench.behaviour import bench_behaviour
from bekostiging.config.region import load_region
from bekostiging.data.newregion import copy_assumptions
from bekostiging.model.baseline import build_baseline
from bekostiging.model.projection import ProjectionInputs, inputs_from_start_budget, simulate
from bekostiging.model.startbudget import start_budget


def naive_projection(inputs: ProjectionInputs, draws: int, seed: int = 1) -> list:
    """The projection's cost of care, one element at a time, in plain Python (the baseline)."""
    rng = random.Random(seed)
    m_n, u_n, y_n = inputs.shape
    v = inputs.volume_share
    out = []
    for _ in range(draws):
        price, price_path = 0.0, []
        for _y in range(y_n):
            price += inputs.index_sd * rng.gauss(0.0, 1.0)
            price_path.append(math.exp(price))
        common = [[[rng.gauss(0.0, 1.0) for _ in range(y_n)] for _ in range(u_n)] for _ in range(2)]
        draw = []
        for m in range(m_n):
            for u in range(u_n):
                s, r = float(inputs.sigma[u]), float(inputs.rho[u])
                lc = li = 0.0
                level = rng.gauss(0.0, 1.0) * float(inputs.level_sigma[u])
                for y in range(y_n):
                    e1 = s * (
                        math.sqrt(r) * common[0][u][y] + math.sqrt(1 - r) * rng.gauss(0.0, 1.0)
                    )
                    e2 = s * (
                        math.sqrt(r) * common[1][u][y] + math.sqrt(1 - r) * rng.gauss(0.0, 1.0)
                    )
                    if y == 0:
                        e1, e2 = e1 + math.sqrt(v) * level, e2 + math.sqrt(1 - v) * level
                    lc += math.sqrt(v) * e1
                    li += math.sqrt(1 - v) * e2
                    draw.append(
                        inputs.clients_exp[m, u, y]
                        * math.exp(lc)
                        * math.exp(li)
                        * inputs.cost_exp[m, u, y]
                        * price_path[y]
                        * inputs.year_fraction[u, y]
                    )
        out.append(draw)
    return out


def _timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_projection(inputs: ProjectionInputs, draws: int = 10_000, naive_draws: int = 40) -> dict:
    """Time the vectorised projection (incl. computing the cost of care) against the loop."""
    vec = _timed(lambda: simulate(inputs, draws, seed=1).spend)
    naive = _timed(lambda: naive_projection(inputs, naive_draws, seed=1), repeat=1)
    m, u, y = inputs.shape
    per_vec, per_naive = vec / draws, naive / naive_draws
    return {
        "name": "Monte Carlo projection",
        "size": f"{draws:,} draws x {m} municipalities x {u} segments x {y} years",
        "seconds": vec,
        "baseline_seconds": naive,
        "baseline_size": f"{naive_draws} draws, plain Python",
        "ratio_per_unit": per_naive / per_vec,
    }


def achterhoek_inputs() -> ProjectionInputs:
    """Projection inputs of the reference region: all procured segments, full contract."""

    region = load_region("achterhoek")
    actuals = build_baseline(region)
    budgets = build_baseline(region, report=region.budget_report)
    sb = start_budget(region, actuals, 2021)
    return inputs_from_start_budget(sb, actuals, budgets)


def tiled(inputs: ProjectionInputs, units: int) -> ProjectionInputs:
    """The same inputs with the unit axis repeated to ``units`` units (a size test)."""
    reps = int(np.ceil(units / len(inputs.units)))

    def t(a, axis):
        return np.take(np.concatenate([a] * reps, axis=axis), range(units), axis=axis)

    return ProjectionInputs(
        municipalities=inputs.municipalities,
        units=tuple(f"u{i}" for i in range(units)),
        years=inputs.years,
        clients_exp=t(inputs.clients_exp, 1),
        cost_exp=t(inputs.cost_exp, 1),
        year_fraction=t(inputs.year_fraction, 0),
        sigma=t(inputs.sigma, 0),
        rho=t(inputs.rho, 0),
        level_sigma=t(inputs.level_sigma, 0),
        volume_share=inputs.volume_share,
        index_sd=inputs.index_sd,
    )


def format_result(r: dict) -> str:
    text = (
        f"{r['name']}: {r['size']}\n"
        f"  implementation {r['seconds']:.3f} s; baseline {r['baseline_seconds']:.3f} s "
        f"({r['baseline_size']})\n"
        f"  ratio per unit of work: {r['ratio_per_unit']:,.1f}x faster"
    )
    if r.get("extra"):
        text += f"\n  {r['extra']}"
    return text


def bench_batch(region: str = "achterhoek", draws: int = 2000, workers: int | None = None) -> dict:
    """The report batch (all municipalities + overview) against a sequential loop of the
    papermill command line over the same notebooks, and a bare kernel running an empty
    notebook (the fixed cost of one notebook), measured in the same run."""

    ensure_kernel(KERNEL)
    settings = settings_for_batch(region, load_batch_config(), draws=draws)
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        code, results, _ = run_reports(
            settings, out=tmp / "parallel", workers=workers, progress=False
        )
        parallel = time.perf_counter() - start
        if code != 0:
            raise RuntimeError("the batch failed: " + "; ".join(r.error or "" for r in results))
        executed = {
            r.job.output_ipynb: nbformat.read(r.job.output_ipynb, as_version=4)
            for r in results
            if r.ok
        }
        jobs, overview = plan(settings, out=tmp / "sequential")
        start = time.perf_counter()
        for job in [*jobs, overview]:
            cmd = [
                sys.executable,
                "-m",
                "papermill",
                str(job.notebook),
                str(job.output_ipynb),
                "-k",
                KERNEL,
                "--cwd",
                str(job.notebook.parent),
                "--no-progress-bar",
            ]
            for key, value in job.parameters.items():
                cmd += (
                    ["-y", f"{key}: {value!r}"]
                    if isinstance(value, str)
                    else ["-p", key, str(value)]
                )
            job.output_ipynb.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(cmd, check=True, capture_output=True)
        sequential = time.perf_counter() - start
        empty = tmp / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("pass")]
        nbformat.write(nb, empty)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "papermill",
                str(empty),
                str(tmp / "out.ipynb"),
                "-k",
                KERNEL,
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
        bare = time.perf_counter() - start
    n = len(results)
    mean_job = sum(r.duration for r in results) / n
    cells = cell_costs([r.job.output_ipynb for r in results if r.ok], executed)
    return {
        "name": "Report batch",
        "size": f"{n} notebooks ({n - 1} municipalities + overview), {workers} processes",
        "seconds": parallel,
        "baseline_seconds": sequential,
        "baseline_size": "sequential loop of the papermill command line",
        "ratio_per_unit": sequential / parallel,
        "extra": (
            f"per notebook: {mean_job:.1f} s in the batch (the region computed once "
            f"before, shared), {sequential / n:.1f} s in the sequential loop; a bare kernel "
            f"with an empty notebook takes {bare:.1f} s; batch process time per notebook "
            f"including the shared computation {parallel * workers / n:.1f} s\n"
            f"  per notebook in the batch against a bare kernel: {mean_job / bare:.1f}x "
            f"(goal: at most 2x)\n"
            f"  where a notebook's time goes (mean per notebook): {cells}"
        ),
        "per_notebook_seconds": mean_job,
        "bare_kernel_seconds": bare,
        "per_notebook_ratio": mean_job / bare,
    }


def cell_costs(paths, notebooks: dict, top: int = 3) -> str:
    """The mean seconds per notebook spent executing cells (papermill's per-cell duration),
    and the ``top`` most expensive cells by their first line."""
    per_cell: dict[str, float] = {}
    total = 0.0
    for path in paths:
        for cell in notebooks[path].cells:
            seconds = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
            if cell.cell_type != "code" or not seconds:
                continue
            first = (cell.source.strip().splitlines() or [""])[0][:60]
            per_cell[first] = per_cell.get(first, 0.0) + seconds
            total += seconds
    n = max(len(paths), 1)
    worst = sorted(per_cell.items(), key=lambda kv: -kv[1])[:top]
    listed = "; ".join(f"{s / n:.1f} s {name!r}" for name, s in worst)
    return f"cells {total / n:.1f} s, of which {listed}"


def bench_national(workers: int | None = None, naive_regions: int = 3) -> dict:
    """The library-level national analysis (all 42 jeugdzorgregios: start budgets and
    projections, no notebooks) against the naive way on a subsample: each region in a fresh
    process, one after the other, without the caches shared between regions. The region
    files are generated first (timed apart)."""
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        files = region_files(None, copy_assumptions(Path(tmp) / "assumptions"))
        generate_s = time.perf_counter() - start
        folder = next(iter(files.values())).parent.parent
        start = time.perf_counter()
        na = national_analysis(workers=workers, assumptions_dir=folder)
        national = time.perf_counter() - start
        sample = sorted(c for c in files if c not in na.failures)[:naive_regions]
        naive = naive_national_analysis(codes=sample, assumptions_dir=folder)
    n = len(files)
    n_muni = na.start_budgets["gemeentecode"].nunique() if len(na.start_budgets) else 0
    return {
        "name": "National analysis (library, no notebooks)",
        "size": f"{n} jeugdzorgregios, {n_muni} municipalities computed, {workers} processes",
        "seconds": national,
        "baseline_seconds": naive,
        "baseline_size": f"{len(sample)} regions, each in a fresh process, sequentially",
        "ratio_per_unit": (naive / len(sample)) / (national / n),
        "extra": (
            f"goal: under 30 s; generating the {n} region files took {generate_s:.1f} s more; "
            f"{len(na.failures)} regions failed ({', '.join(sorted(na.failures))})"
        ),
    }


def run_all(
    include: tuple[str, ...] = ("projection", "behaviour", "batch", "national"),
) -> list[dict]:
    """Run the benchmarks and return their results (the CLI prints them)."""
    results = []
    if "national" in include:
        results.append(bench_national())
    if "projection" in include:
        inputs = achterhoek_inputs()
        results.append(bench_projection(inputs))
        results.append(
            bench_projection(tiled(inputs, 15)) | {"name": "Monte Carlo projection (15 segments)"}
        )
    if "batch" in include:
        results.append(bench_batch())
    if "behaviour" in include:
        results.append(bench_behaviour())
    return results
