"""The report batch on a Dask distributed cluster (``reports --all-regions --scheduler ADDRESS``).

Per region one task computes the shared region analysis on a worker
(:meth:`RegionAnalysis.warm`) and returns it as pickled bytes; Dask keeps that result on the
worker and sends it to each other worker that runs a notebook of the region once (a task's
dependency is transferred once per worker, not once per task). Each notebook task writes the
bytes to a file in the worker's temporary folder (once per worker and fingerprint), points
``BEKOSTIGING_ANALYSIS_CACHE`` at it and runs the notebook with
:func:`bekostiging.batch.runner.run_job` (atomic writes, failures kept). The regional overview
waits for its region's municipality notebooks (it reads their results files).

Workers must run one thread each (``dask worker ADDRESS --nthreads 1``; ``LocalCluster(...,
threads_per_worker=1)``): papermill and the kernel clients are not thread-safe, and the
variable that names the shared analysis is per process. The output folder must be one that
every worker can write (a shared file system), as with the local process pool.

>>> shared_file(b"abc", Path("/tmp")).name
'bekostiging-ba7816bf8f01cfea.pkl'
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from distributed import Client, as_completed

from bekostiging.analysis.region_analysis import SHARED_ENV, RegionAnalysis
from bekostiging.batch.runner import (
    DEFAULT_CELL_TIMEOUT,
    Job,
    JobResult,
    error_message,
    run_job,
)
from bekostiging.config.settings import Settings
from bekostiging.core.atomic import atomic_path

_LOCK = threading.Lock()


def shared_file(payload: bytes, folder: Path | None = None) -> Path:
    """Where a worker keeps one shared analysis: named by the hash of its bytes."""
    digest = hashlib.sha256(payload).hexdigest()[:16]
    return Path(folder or tempfile.gettempdir()) / f"bekostiging-{digest}.pkl"


def warm_analysis(settings: Settings) -> bytes:
    """The region's shared analysis, computed and pickled (runs on a worker)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = RegionAnalysis(settings).warm().save(Path(tmp) / "analysis.pkl")
        return path.read_bytes()


def run_job_shared(
    job: Job,
    kernel: str,
    payload: bytes,
    timeout_per_cell: float | None = DEFAULT_CELL_TIMEOUT,
    *after: object,
) -> JobResult:
    """Run one notebook on a worker with the region's shared analysis (``after``: ignored
    results of the tasks this one must wait for)."""
    del after
    path = shared_file(payload)
    with _LOCK:
        if not path.is_file():
            with atomic_path(path, suffix=".pkl") as tmp:
                Path(tmp).write_bytes(payload)
        os.environ[SHARED_ENV] = str(path)  # inherited by the kernel papermill starts
    return run_job(job, kernel, None, timeout_per_cell)


def run_regions_on_cluster(
    address: str | Client,
    regions: Sequence[tuple[Settings, list[Job], Job | None]],
    kernel: str,
    on_result: Callable[[int, int, JobResult], None] | None = None,
) -> list[list[JobResult]]:
    """Run every region's jobs on the cluster at ``address``; results per region, in job order.

    ``regions`` holds per region its settings, municipality jobs and overview (or None).
    """
    client = address if isinstance(address, Client) else Client(address)
    try:
        futures, where = [], {}
        for r, (settings, jobs, overview) in enumerate(regions):
            shared = client.submit(warm_analysis, settings, pure=False)
            mine = []
            for i, job in enumerate(jobs):
                f = client.submit(run_job_shared, job, kernel, shared, pure=False)
                where[f.key] = (r, i, job)
                mine.append(f)
            if overview is not None:
                f = client.submit(
                    run_job_shared, overview, kernel, shared, DEFAULT_CELL_TIMEOUT, *mine,
                    pure=False,
                )  # fmt: skip
                where[f.key] = (r, len(jobs), overview)
                mine.append(f)
            futures.extend(mine)
        out: list[list[JobResult | None]] = [
            [None] * (len(j) + (o is not None)) for _, j, o in regions
        ]
        total = len(futures)
        for done, future in enumerate(as_completed(futures), start=1):
            r, i, job = where[future.key]
            try:
                result = future.result()
            except Exception as exc:  # the shared analysis or the worker itself failed
                now = datetime.now(UTC)
                result = JobResult(job, "failed", error_message(exc), now, now, 0.0)
            out[r][i] = result
            if on_result is not None:
                on_result(done, total, result)
        return [[x for x in per if x is not None] for per in out]
    finally:
        if not isinstance(address, Client):
            client.close()
        sys.stderr.flush()
