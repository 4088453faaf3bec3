"""Run parameterised notebooks with papermill, one process per job, and list the reports.

In the style of the Cal-ITP analytics portfolio: the caller builds a list of :class:`Job`
(one per municipality plus the regional overview), :func:`run_jobs` executes them in parallel
processes, collects failures without stopping, and :func:`write_index` and :func:`exit_code`
report the outcome.

How one job runs (:func:`run_job`, in a worker process):

1. papermill executes ``job.notebook`` with ``job.parameters`` and the given kernel, with the
   notebook's own folder as working directory, into a temporary ``.<name>.running.ipynb``
   next to ``job.output_ipynb`` (papermill writes it once at the end, or with the error on a
   failure; the target is never half-written). The batch puts the executed notebooks in their
   own sub-folder (``notebooks/``), apart from the reports a reader opens;
2. on success the notebook's ``papermill.output_path`` is set to its final name (not the
   temporary one), it is converted to offline HTML (:mod:`bekostiging.report.htmlexport`,
   written atomically) and renamed to ``job.output_ipynb``;
3. on failure the executed notebook is kept as ``<name>.failed.ipynb`` (with the traceback in
   the failing cell) and whatever the kernel printed to stderr as ``<name>.failed.log``, both
   beside ``job.output_ipynb``. The report files of an earlier run of the same job are
   removed, so the folder never holds a report from other inputs than the index says.

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

import contextlib
import dataclasses
import datetime as dt
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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nbformat
import papermill

from bekostiging.core.atomic import write_text
from bekostiging.report.formatting import number
from bekostiging.report.htmlexport import notebook_node_to_html
from bekostiging.report.labels import MONTHS_NL

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
    overview: bool = False
    """The regional overview (listed first on the index, as where to begin reading)."""
    workbook: Path | None = None
    """The Excel workbook the notebook writes (linked from the index when it exists)."""
    results: Path | None = None
    """The results file (JSON) the notebook writes (linked from the index when it exists)."""

    def __post_init__(self) -> None:
        for attr in ("notebook", "output_ipynb", "output_html", "workbook", "results"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, Path(value))
        object.__setattr__(self, "parameters", dict(self.parameters))

    def resolved(self) -> Job:
        """The same job with absolute paths."""
        return dataclasses.replace(
            self,
            **{
                attr: getattr(self, attr).resolve()
                for attr in ("notebook", "output_ipynb", "output_html", "workbook", "results")
                if getattr(self, attr) is not None
            },
        )

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


def _legacy_notebooks(job: Job) -> list[Path]:
    """Executed notebooks an earlier version left beside the HTML report (before they had
    their own folder); removed when the job runs, so a re-run leaves no stale notebook there."""
    old = job.output_html.with_suffix(".ipynb")
    if old == job.output_ipynb:
        return []
    return [old, old.with_name(f"{old.stem}.failed.ipynb"), old.with_name(f"{old.stem}.failed.log")]


def finish_notebook(running: Path, target: Path) -> nbformat.NotebookNode:
    """Read the executed notebook at ``running`` and record its final name ``target`` as
    papermill's ``output_path`` (papermill stored the temporary name); written back in place.

    >>> import tempfile
    >>> from nbformat import v4
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nb = v4.new_notebook(metadata={"papermill": {"output_path": str(tmp / ".a.running.ipynb")}})
    >>> nbformat.write(nb, tmp / ".a.running.ipynb")
    >>> finish_notebook(tmp / ".a.running.ipynb", tmp / "a.ipynb").metadata.papermill.output_path
    ... # doctest: +ELLIPSIS
    '.../a.ipynb'
    >>> ".running" in (tmp / ".a.running.ipynb").read_text()
    False
    """
    nb = nbformat.read(running, as_version=4)
    if "papermill" in nb.metadata:
        nb.metadata.papermill["output_path"] = str(target)
        nbformat.write(nb, running)
    return nb


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
    _unlink(*_legacy_notebooks(job))
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
        nb = finish_notebook(running, out)
        html_text = notebook_node_to_html(
            nb, job.title or job.name, base_dir=job.output_html.parent
        )
        write_text(job.output_html, html_text)
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
            with contextlib.suppress(Exception):
                finish_notebook(running, job.failed_ipynb)
            os.replace(running, job.failed_ipynb)
            os.replace(log, job.failed_log)

    if error is None:
        _unlink(log, job.failed_ipynb, job.failed_log)
        status: Status = "ok"
    else:
        status = "failed"
        if running.exists():
            with contextlib.suppress(Exception):  # a notebook papermill left unreadable
                finish_notebook(running, job.failed_ipynb)
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
    jobs = [j.resolved() for j in jobs]
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
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.2rem; margin-top: 1.8rem; }
.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ccc;
         vertical-align: top; }
th { border-bottom: 2px solid #333; }
td.getal, th.getal { text-align: right; white-space: nowrap; }
tr.mislukt td { background: #fdecea; }
.mislukt { color: #b30000; font-weight: bold; }
.fout { font-family: Consolas, monospace; font-size: 0.9rem; }
.waarschuwing { border-left: 4px solid #b30000; padding: 0.4rem 0.8rem; background: #fdecea; }
@media print { a { color: inherit; } }
"""

_AMSTERDAM = "Europe/Amsterdam"


def href(target: Path, index_dir: Path) -> str:
    """A relative, URL-quoted link from the index folder to ``target``.

    >>> href(Path("/r/notebooks/Oude IJsselstreek.failed.ipynb"), Path("/r"))
    'notebooks/Oude%20IJsselstreek.failed.ipynb'
    """
    return quote(Path(os.path.relpath(target, index_dir)).as_posix())


def date_nl(day: dt.date) -> str:
    """A date in Dutch words, as a reader writes it.

    >>> date_nl(dt.date(2026, 12, 2))
    '2 december 2026'
    """
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def run_date(results: Sequence[JobResult]) -> dt.date:
    """The (Dutch) calendar day the run ended: the last job's end, else today.

    >>> r = JobResult(Job("n.ipynb", "a.ipynb", "a.html", {}, "A"), "ok", None,
    ...               datetime(2026, 12, 1, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 23, 30,
    ...               tzinfo=UTC), 1.0)
    >>> run_date([r])  # 00:30 in Amsterdam
    datetime.date(2026, 12, 2)
    """
    moment = max((r.ended for r in results), default=datetime.now(UTC))
    try:
        return moment.astimezone(ZoneInfo(_AMSTERDAM)).date()
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without time-zone data
        return moment.date()


@dataclass(frozen=True)
class RunInfo:
    """What the index says about the run besides its reports: the region, the reference year,
    the contract period and the scenario (each optional)."""

    region: str | None = None
    reference_year: int | None = None
    contract_start: dt.date | None = None
    contract_last_year: int | None = None
    scenario: str | None = None

    def line(self, day: dt.date) -> str:
        """One line under the title.

        >>> info = RunInfo("Achterhoek", 2024, dt.date(2027, 1, 1), 2033)
        >>> print(info.line(dt.date(2026, 12, 2)))  # doctest: +NORMALIZE_WHITESPACE
        Regio Achterhoek · gemaakt op 2 december 2026 · peiljaar 2024 ·
        contractperiode 1 januari 2027 tot en met 2033
        """
        parts = [f"Regio {self.region}"] if self.region else []
        parts.append(f"gemaakt op {date_nl(day)}")
        if self.reference_year is not None:
            parts.append(f"peiljaar {self.reference_year}")
        if self.contract_start is not None:
            period = f"contractperiode {date_nl(self.contract_start)}"
            if self.contract_last_year is not None:
                period += f" tot en met {self.contract_last_year}"
            parts.append(period)
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
        return " · ".join(parts)


def _link(target: Path | None, index_dir: Path, text: str) -> str:
    """A link to ``target`` when that file exists, else an en dash."""
    if target is None or not target.exists():
        return "–"
    return f'<a href="{href(target, index_dir)}">{html.escape(text)}</a>'


def _failure(r: JobResult, index_dir: Path) -> str:
    """The cell text of a failed report: the error, where it happened and what was kept."""
    where = f" (cel {r.cell})" if r.cell is not None else ""
    text = (
        f'<span class="mislukt">mislukt</span> na {number(r.duration, 1)} s: '
        f'<span class="fout">{html.escape(r.error or "onbekende fout")}{where}</span>'
    )
    kept = [
        _link(path, index_dir, label)
        for path, label in (
            (r.job.failed_ipynb, f"uitgevoerd notebook ({r.job.failed_ipynb.name})"),
            (r.job.failed_log, f"log ({r.job.failed_log.name})"),
        )
        if path.exists()
    ]
    if kept:
        text += "<br>Bewaard voor diagnose: " + ", ".join(kept)
    return text


READING_ORDER = (
    "Begin met het <strong>regionale overzicht</strong>: de regio als geheel, de vergelijking "
    "van de gemeenten en het advies voor de regio. Lees dan het <strong>rapport van uw "
    "gemeente</strong>: het advies, het startbudget, wat elke bekostigingsvariant kost, de "
    "risico's en het benodigde weerstandsvermogen. De <strong>werkmap</strong> (Excel) bij elk "
    "rapport bevat de kerntabellen als getallen om verder mee te rekenen; het eerste tabblad "
    "<em>Toelichting</em> legt elke kolom uit. De <strong>kerncijfers</strong> (JSON) zijn "
    "bedoeld voor wie de cijfers in een ander programma inleest. Alle bestanden openen zonder "
    "internet; schattingen zijn als schatting gemarkeerd."
)


def render_index(
    results: Sequence[JobResult], index_dir: Path, title: str, info: RunInfo | None = None
) -> str:
    """The HTML of the index page (see :func:`write_index`)."""
    info = info or RunInfo()
    failed = [r for r in results if not r.ok]
    overview = [r for r in results if r.job.overview]
    reports = [r for r in results if not r.job.overview]
    n = len(results)
    lead = [f'<p class="meta">{html.escape(info.line(run_date(results)))}</p>']
    if failed:
        lead.append(
            f'<p class="waarschuwing"><span class="mislukt">{len(failed)} van {n} '
            f"{'rapport' if n == 1 else 'rapporten'} mislukt</span>; zie de rijen met "
            "<em>mislukt</em> hieronder.</p>"
        )
    lead.append(f"<h2>Leeswijzer</h2>\n<p>{READING_ORDER}</p>")
    sections = []
    for r in overview:
        if r.ok:
            body = (
                f'<p><a href="{href(r.job.output_html, index_dir)}">{html.escape(r.name)}</a></p>'
            )
        else:
            body = f'<p class="waarschuwing">{html.escape(r.name)}: {_failure(r, index_dir)}</p>'
        sections.append(f"<h2>Regionaal overzicht</h2>\n{body}")
    rows = []
    for r in reports:
        name = html.escape(r.name)
        if r.ok:
            rows.append(
                f'<tr><td><a href="{href(r.job.output_html, index_dir)}">{name}</a></td>'
                f"<td>{_link(r.job.output_html, index_dir, 'rapport')}</td>"
                f"<td>{_link(r.job.workbook, index_dir, 'werkmap (Excel)')}</td>"
                f"<td>{_link(r.job.results, index_dir, 'kerncijfers (JSON)')}</td></tr>"
            )
        else:
            rows.append(
                f'<tr class="mislukt"><td>{name}</td>'
                f'<td colspan="3">{_failure(r, index_dir)}</td></tr>'
            )
    if reports or not overview:
        head = "<th>Gemeente</th><th>Rapport</th><th>Werkmap</th><th>Kerncijfers</th>"
        sections.append(
            "<h2>Rapporten per gemeente</h2>\n" + table(head, rows, "Geen rapporten.", 4)
        )
    return index_page(title, "\n".join(lead + sections))


def table(head: str, rows: Sequence[str], empty: str, columns: int) -> str:
    """An HTML table with the header cells ``head`` and the rows ``rows`` (``empty`` when
    there are none).

    >>> table("<th>A</th>", [], "Geen rapporten.", 1)  # doctest: +ELLIPSIS
    '<table>...<td colspan="1">Geen rapporten.</td>...'
    """
    body = (
        "\n".join(rows)
        if rows
        else f'<tr><td colspan="{columns}">{html.escape(empty, quote=False)}</td></tr>'
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def index_page(title: str, body: str) -> str:
    """An offline index page (inline CSS, no scripts): a title and the HTML ``body``.

    >>> page = index_page("Overzicht", "<p>Geen rapporten.</p>")
    >>> "<h1>Overzicht</h1>" in page and "Geen rapporten." in page and "<script" not in page
    True
    """
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
{body}
</body>
</html>
"""


def write_index(
    results: Sequence[JobResult],
    path: str | Path,
    title: str = "Overzicht rapporten",
    info: RunInfo | None = None,
) -> Path:
    """Write ``index.html``, the landing page of a run: the region, the date of the run, the
    reference year and contract period (``info``), a reading order, the regional overview
    first, then per municipality its report, workbook and results file. Status, duration and
    error appear only for a report that failed, with links to its kept notebook and log.

    The page has its CSS inline and no scripts, so it opens offline; links are relative, so
    the folder can be copied as a whole. Written atomically.
    """
    path = Path(path)
    return write_text(path, render_index(results, path.parent.resolve(), title, info))


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
