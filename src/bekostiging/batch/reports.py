"""The region's reports in one command: every municipality in parallel, then the overview.

In the style of the Cal-ITP analytics portfolio, ``notebooks/batch.yaml`` lists the parameter
sets: defaults for every run, and optional per-municipality overrides (for example a
municipality's own scenario file). :func:`run_reports` validates all parameter sets before
starting anything, runs one papermill process per municipality (a pool sized to the machine;
papermill is not thread-safe), continues when one fails, then runs the regional overview, and
writes ``index.html`` with every report's status and run time. Output names are deterministic:

    reports/<region>/peiljaar-<year>/index.html
    reports/<region>/peiljaar-<year>/gemeente_<code>_<name>.html   (.ipynb, .xlsx)
    reports/<region>/peiljaar-<year>/results/<code>.json
    reports/<region>/peiljaar-<year>/regio_<region>.html           (.ipynb)

The exit code is 0 only when every report succeeded; a failed notebook is kept as
``<stem>.failed.ipynb`` for diagnosis.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bekostiging.analysis.region_analysis import SHARED_ENV, RegionAnalysis
from bekostiging.analysis.results import output_dir, report_stem, slug
from bekostiging.batch.runner import Job, JobResult, ensure_kernel, exit_code, run_jobs, write_index
from bekostiging.config.region import load_region
from bekostiging.config.settings import Settings, check_settings, read_batch_config
from bekostiging.core.errors import ParameterError
from bekostiging.core.paths import NOTEBOOKS_DIR

KERNEL = "bekostiging"
BATCH_CONFIG = NOTEBOOKS_DIR / "batch.yaml"
MUNICIPALITY_NOTEBOOK = NOTEBOOKS_DIR / "gemeente.ipynb"
REGION_NOTEBOOK = NOTEBOOKS_DIR / "regio.ipynb"


def load_batch_config(path: Path = BATCH_CONFIG) -> dict[str, Any]:
    """The batch configuration: ``defaults`` and ``overrides`` (per municipality code).

    Every name must be a notebook parameter; a typo is refused with its line
    (:class:`bekostiging.config.settings.BatchConfig`).
    """
    return read_batch_config(path)


def _parameters(settings: Settings, out: Path) -> dict[str, Any]:
    p = asdict(settings)
    p["output_dir"] = str(out)
    return p


def plan(
    settings: Settings,
    codes: Sequence[str] | None = None,
    out: Path | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[Job], Job | None]:
    """The jobs: one per municipality (all, or ``codes``) and the overview (only for all).

    Every parameter set is validated here, so a typo stops the batch before it starts.
    """

    region = load_region(settings.region)
    out = Path(out) if out else output_dir(settings)
    wanted = [c.upper() for c in codes] if codes else region.current_codes()
    problems = []
    jobs = []
    for code in wanted:
        extra = dict((overrides or {}).get(code, {}))
        try:
            s = check_settings(**{**asdict(settings), **extra, "municipality": code})
        except ParameterError as err:
            problems.extend(err.problems)
            continue
        stem = report_stem(code, region.name_of(code))
        jobs.append(
            Job(
                MUNICIPALITY_NOTEBOOK,
                out / f"{stem}.ipynb",
                out / f"{stem}.html",
                _parameters(s, out),
                f"{region.name_of(code)} ({code})",
                title=f"{region.name_of(code)}: bekostiging jeugdhulp en Wmo",
            )
        )
    if problems:
        raise ParameterError(problems)
    overview = None
    if not codes:
        p = _parameters(settings, out)
        p.pop("municipality")
        stem = f"regio_{slug(region.id)}"
        overview = Job(
            REGION_NOTEBOOK,
            out / f"{stem}.ipynb",
            out / f"{stem}.html",
            p,
            f"Overzicht {region.name}",
            title=f"{region.name}: regionaal overzicht",
        )
    return jobs, overview


def run_reports(
    settings: Settings,
    codes: Sequence[str] | None = None,
    out: Path | None = None,
    workers: int | None = None,
    overrides=None,
    progress: bool = True,
    kernel: str = KERNEL,
) -> tuple[int, list[JobResult], Path]:
    """Run the batch; returns the exit code, the results and the index path."""
    jobs, overview = plan(settings, codes, out, overrides)
    out = Path(out) if out else output_dir(settings)
    ensure_kernel(kernel)
    # Compute the region once and share it: every notebook needs the whole region (shares,
    # pooling, allocation), so computing it per notebook would repeat the same work 9 times.
    shared = out / ".cache" / "analysis.pkl"
    if progress:
        print("Regio doorrekenen (eenmalig, gedeeld door alle rapporten) ...", file=sys.stderr)
    RegionAnalysis(settings).warm().save(shared)
    previous = os.environ.get(SHARED_ENV)
    os.environ[SHARED_ENV] = str(shared)  # inherited by the worker processes and kernels
    try:
        results = run_jobs(jobs, kernel, workers=workers, progress=progress)
        if overview is not None:
            results += run_jobs([overview], kernel, workers=1, progress=progress)
    finally:
        if previous is None:
            os.environ.pop(SHARED_ENV, None)
        else:
            os.environ[SHARED_ENV] = previous
        shared.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            shared.parent.rmdir()

    name = load_region(settings.region).name
    title = f"Rapporten {name}, peiljaar {settings.reference_year}"
    if settings.scenario:
        title += f", scenario {Path(settings.scenario).stem}"
    index = write_index(results, out / "index.html", title)
    return exit_code(results), results, index


def settings_for_batch(region: str, config: Mapping[str, Any], **cli: Any) -> Settings:
    """Settings from the config defaults, overridden by command-line values that were given."""
    values = {**config.get("defaults", {}), **{k: v for k, v in cli.items() if v is not None}}
    values["region"] = region
    values.pop("municipality", None)  # the jobs set it; without it the region's first is used
    return check_settings(**values)
