"""Run parameterised notebooks with papermill, one process per job, and list the reports.

In the style of the Cal-ITP analytics portfolio: the caller builds a list of :class:`Job`
(one per municipality plus the regional overview), :func:`run_jobs` executes them in parallel
processes, collects failures without stopping, and :func:`write_index` and :func:`exit_code`
report the outcome.

How one job runs (:func:`run_job`, in a worker process):

1. papermill executes ``job.notebook`` with ``job.parameters`` and the given kernel, with the
   notebook's own folder as working directory, into a temporary ``.<name>.running.ipynb``
   next to the output (papermill writes it once at the end, or with the error on a failure;
   the target is never half-written);
2. on success the notebook is converted to offline HTML (:mod:`bekostiging.report.htmlexport`,
   written atomically) and the temporary notebook is renamed to ``job.output_ipynb``;
3. on failure the executed notebook is kept as ``<name>.failed.ipynb`` (with the traceback in
   the failing cell) and whatever the kernel printed to stderr as ``<name>.failed.log``. The
   report files of an earlier run of the same job are removed, so the folder never holds a
   report from other inputs than the index says.

Processes, not threads: papermill and the kernel clients are not thread-safe. The pool uses
the ``spawn`` start method (no fork of a parent that may hold threads or open kernels). The
worker sets ``MPLBACKEND`` to the inline backend for its kernels, so figures are embedded even
when the calling process uses ``Agg`` (as the test suite does).

>>> r = JobResult(Job("nb.ipynb", "out/a.ipynb", "out/a.html", {}, "GM0197"), "ok", None,
...               _EPOCH, _EPOCH, 12.4)
>>> exit_code([r]), progress_line(3, 9, r)
(0, '[3/9] GM0197 ok 12.4 s')
"""

from __future__ import annotations

import html
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import papermill

from bekostiging.core.atomic import write_text
from bekostiging.report.formatting import number
from bekostiging.report.htmlexport import notebook_to_html

DEFAULT_CELL_TIMEOUT = 600
"""Seconds one cell may run before the job fails (papermill ``execution_timeout``)."""
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Status = Literal["ok", "failed"]


@dataclass(frozen=True)
class Job:
    """One notebook run: which notebook, with which parameters, writing which files."""

    notebook: Path
    output_ipynb: Path
    output_html: Path
    parameters: dict[str, Any]
    name: str
    title: str | None = None
    """Title of the HTML page; default: ``name``."""

    def __post_init__(self) -> None:
        for attr in ("notebook", "output_ipynb", "output_html"):
            object.__setattr__(self, attr, Path(getattr(self, attr)))
        object.__setattr__(self, "parameters", dict(self.parameters))

    @property
    def failed_ipynb(self) -> Path:
        """Where the executed notebook of a failed run is kept."""
        return self.output_ipynb.with_name(f"{self.output_ipynb.stem}.failed.ipynb")

    @property
    def failed_log(self) -> Path:
        """Where the stderr of a failed run's kernel is kept."""
        return self.output_ipynb.with_name(f"{self.output_ipynb.stem}.failed.log")


@dataclass(frozen=True)
class JobResult:
    """The outcome of one job."""

    job: Job
    status: Status
    error: str | None
    started: datetime
    ended: datetime
    duration: float
    """Wall-clock seconds, including kernel start and HTML export."""
    cell: int | None = field(default=None)
    """Execution count of the cell that raised, when papermill knows it."""

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- one job (runs in a worker process) ---------------------------------------------------


def error_message(exc: BaseException) -> str:
    """The last line of a traceback: ``'ValueError: onbekende gemeente'``, on one line.

    For a failing notebook cell (papermill's ``PapermillExecutionError``) this is the error
    raised inside the notebook, not papermill's wrapper.

    >>> error_message(ValueError("onbekende\\ngemeente GM9999"))
    'ValueError: onbekende gemeente GM9999'
    >>> from papermill.exceptions import PapermillExecutionError
    >>> error_message(PapermillExecutionError(3, 4, "x", "KeyError", "'GM9999'", []))
    "KeyError: 'GM9999'"
    """
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename is None:
        ename, evalue = type(exc).__name__, str(exc)
    text = " ".join(line.strip() for line in _ANSI.sub("", str(evalue)).splitlines())
    text = text.strip()
    message = f"{ename}: {text}" if text else str(ename)
    return message if len(message) <= 500 else message[:497] + "..."


def _unlink(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def run_job(
    job: Job,
    kernel_name: str,
    cwd: str | Path | None = None,
    timeout_per_cell: float | None = DEFAULT_CELL_TIMEOUT,
    start_timeout: float = 120,
) -> JobResult:
    """Execute one job and export it; never raises for a failing notebook (see module doc)."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    out = job.output_ipynb
    out.parent.mkdir(parents=True, exist_ok=True)
    job.output_html.parent.mkdir(parents=True, exist_ok=True)
    running = out.with_name(f".{out.stem}.running.ipynb")
    log = out.with_name(f".{out.stem}.stderr.log")
    os.environ["MPLBACKEND"] = INLINE_BACKEND  # this worker's kernels embed their figures

    error: str | None = None
    cell: int | None = None
    saved_stderr = os.dup(2)
    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stderr.flush()
    os.dup2(log_fd, 2)  # kernel and library noise goes to the job's log, not the console
    try:
        papermill.execute_notebook(
            str(job.notebook),
            str(running),
            parameters=job.parameters,
            kernel_name=kernel_name,
            cwd=str(cwd if cwd is not None else job.notebook.parent),
            execution_timeout=timeout_per_cell,
            start_timeout=start_timeout,
            progress_bar=False,
            log_output=False,
            # Written once at the end (and on a failure, with the error), not after every
            # cell: re-validating and re-writing the growing notebook 2x per cell cost ~6 s
            # of a ~20 s notebook. The target is still never half-written (temporary name).
            request_save_on_cell_execute=False,
        )
        notebook_to_html(running, job.output_html, title=job.title or job.name)
        os.replace(running, out)
    except Exception as exc:
        error = error_message(exc)
        cell = getattr(exc, "exec_count", None)
    finally:
        sys.stderr.flush()
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(log_fd)
        if error is None and running.exists():  # interrupted (KeyboardInterrupt)
            os.replace(running, job.failed_ipynb)
            os.replace(log, job.failed_log)

    if error is None:
        _unlink(log, job.failed_ipynb, job.failed_log)
        status: Status = "ok"
    else:
        status = "failed"
        if running.exists():
            os.replace(running, job.failed_ipynb)
        else:
            _unlink(job.failed_ipynb)  # not from this run
        os.replace(log, job.failed_log)
        _unlink(out, job.output_html)  # reports of an earlier run must not stay behind
    return JobResult(
        job=job,
        status=status,
        error=error,
        started=started,
        ended=datetime.now(UTC),
        duration=time.perf_counter() - t0,
        cell=cell,
    )


# --- the batch ----------------------------------------------------------------------------


def progress_line(done: int, total: int, result: JobResult) -> str:
    """One line per finished job: ``[3/9] GM0197 ok 12.4 s`` (with the error on failure)."""
    line = f"[{done}/{total}] {result.name} {result.status} {result.duration:.1f} s"
    return f"{line}: {result.error}" if result.error else line


def _check_jobs(jobs: Sequence[Job]) -> None:
    names = [j.name for j in jobs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"job names must be unique, repeated: {dupes}")
    outputs = [p.resolve() for j in jobs for p in (j.output_ipynb, j.output_html)]
    clash = sorted({str(p) for p in outputs if outputs.count(p) > 1})
    if clash:
        raise ValueError(f"jobs would write the same file: {clash}")


def run_jobs(
    jobs: Iterable[Job],
    kernel_name: str,
    workers: int | None = None,
    progress: bool = True,
    cwd: str | Path | None = None,
    timeout_per_cell: float | None = DEFAULT_CELL_TIMEOUT,
) -> list[JobResult]:
    """Run every job in its own process; return the results in job order.

    ``workers`` defaults to ``min(len(jobs), os.cpu_count())``. ``kernel_name`` is passed to
    papermill for every job (see :func:`ensure_kernel`). ``cwd`` overrides the working
    directory (default: each notebook's folder). A failing job does not stop the others; a
    worker process that dies is reported as a failure of its job. Progress goes to stderr.
    """
    jobs = [
        Job(
            j.notebook.resolve(),
            j.output_ipynb.resolve(),
            j.output_html.resolve(),
            j.parameters,
            j.name,
            j.title,
        )
        for j in jobs
    ]
    _check_jobs(jobs)
    if not jobs:
        return []
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    results: list[JobResult | None] = [None] * len(jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        started = {
            pool.submit(run_job, job, kernel_name, cwd, timeout_per_cell): (i, datetime.now(UTC))
            for i, job in enumerate(jobs)
        }
        try:
            for done, future in enumerate(as_completed(started), start=1):
                i, submitted = started[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself failed
                    now = datetime.now(UTC)
                    result = JobResult(
                        jobs[i], "failed", error_message(exc), submitted, now,
                        (now - submitted).total_seconds(),
                    )  # fmt: skip
                results[i] = result
                if progress:
                    print(progress_line(done, len(jobs), result), file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [r for r in results if r is not None]


def exit_code(results: Iterable[JobResult]) -> int:
    """0 when every job succeeded, 1 otherwise (for ``sys.exit``)."""
    return 0 if all(r.ok for r in results) else 1


# --- index page ---------------------------------------------------------------------------

_INDEX_CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ccc;
         vertical-align: top; }
th { border-bottom: 2px solid #333; }
td.duur, th.duur { text-align: right; white-space: nowrap; }
.gereed { color: #006d2c; font-weight: bold; }
.mislukt { color: #b30000; font-weight: bold; }
.fout { font-family: Consolas, monospace; font-size: 0.9rem; }
"""


def href(target: Path, index_dir: Path) -> str:
    return quote(Path(os.path.relpath(target, index_dir)).as_posix())


def render_index(results: Sequence[JobResult], index_dir: Path, title: str) -> str:
    """The HTML of the index page (see :func:`write_index`)."""
    n_ok = sum(r.ok for r in results)
    n_failed = len(results) - n_ok
    summary = f"{len(results)} {'rapport' if len(results) == 1 else 'rapporten'}: "
    summary += f"{n_ok} gereed, {n_failed} mislukt."
    rows = []
    for r in results:
        name = html.escape(r.name)
        if r.ok:
            link = f'<a href="{href(r.job.output_html, index_dir)}">{name}</a>'
            status = '<span class="gereed">gereed</span>'
            error = ""
        else:
            link = name
            status = '<span class="mislukt">mislukt</span>'
            where = f" (cel {r.cell})" if r.cell is not None else ""
            error = f'<span class="fout">{html.escape(r.error or "onbekende fout")}{where}</span>'
            if r.job.failed_ipynb.exists():
                error += (
                    f'<br>Uitgevoerd notebook: <a href="{href(r.job.failed_ipynb, index_dir)}">'
                    f"{html.escape(r.job.failed_ipynb.name)}</a>"
                )
        rows.append(
            f"<tr><td>{link}</td><td>{status}</td>"
            f'<td class="duur">{number(r.duration, 1)}</td><td>{error}</td></tr>'
        )
    head = '<th>Rapport</th><th>Status</th><th class="duur">Duur (s)</th><th>Fout</th>'
    return index_page(title, summary, head, rows, "Geen rapporten.")


def index_page(title: str, summary: str, head: str, rows: Sequence[str], empty: str) -> str:
    """An offline index page (inline CSS, no scripts): a title, a summary line and a table
    with the header cells ``head`` and the table rows ``rows`` (``empty`` when there are none).

    >>> page = index_page("Overzicht", "2 rapporten.", "<th>Rapport</th>", [], "Geen rapporten.")
    >>> "<h1>Overzicht</h1>" in page and "Geen rapporten." in page and "<script" not in page
    True
    """
    body = (
        "\n".join(rows)
        if rows
        else f'<tr><td colspan="4">{html.escape(empty, quote=False)}</td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_INDEX_CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{summary}</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""


def write_index(
    results: Sequence[JobResult], path: str | Path, title: str = "Overzicht rapporten"
) -> Path:
    """Write ``index.html``: per report its name (linked when ready), status ``gereed`` or
    ``mislukt``, duration in seconds and, for a failure, the error and the kept notebook.

    The page has its CSS inline and no scripts, so it opens offline; links are relative, so
    the folder can be copied as a whole. Written atomically.
    """
    path = Path(path)
    return write_text(path, render_index(results, path.parent.resolve(), title))


# --- kernel -------------------------------------------------------------------------------


def ensure_kernel(name: str, *, prefix: str | Path | None = None) -> str:
    """Make sure a Jupyter kernelspec called ``name`` exists; install one if not.

    The Makefile installs the kernel ``bekostiging`` into the virtual environment; a conda
    user who skipped that step gets an ipykernel kernelspec for the running Python, installed
    into ``prefix`` (default ``sys.prefix``, the active environment). Returns the folder of
    the kernelspec.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return KernelSpecManager().get_kernel_spec(name).resource_dir
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    try:
        return install(
            kernel_name=name,
            display_name=f"Python ({name})",
            prefix=str(prefix if prefix is not None else sys.prefix),
        )
    except OSError as err:
        raise RuntimeError(
            f"Kernel {name!r} does not exist and cannot be installed in "
            f"{prefix or sys.prefix} ({err}). Install it by hand: "
            f"python -m ipykernel install --user --name {name}"
        ) from err
