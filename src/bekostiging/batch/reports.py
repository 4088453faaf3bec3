"""The region's reports in one command: every municipality in parallel, then the overview.

In the style of the Cal-ITP analytics portfolio, ``notebooks/batch.yaml`` lists the parameter
sets: defaults for every run, and optional per-municipality overrides (for example a
municipality's own scenario file). :func:`run_reports` validates all parameter sets before
starting anything, runs one papermill process per municipality (a pool sized to the machine;
papermill is not thread-safe), continues when one fails, then runs the regional overview, and
writes ``index.html``, the landing page (region, date, reading order, links; status only
where a report failed). Output names are deterministic:

    reports/<region>/peiljaar-<year>/index.html
    reports/<region>/peiljaar-<year>/regio_<region>.html
    reports/<region>/peiljaar-<year>/gemeente_<code>_<name>.html   (and .xlsx, the workbook)
    reports/<region>/peiljaar-<year>/results/<code>.json
    reports/<region>/peiljaar-<year>/notebooks/<stem>.ipynb        (the executed notebooks)

The exit code is 0 only when every report succeeded; a failed notebook is kept as
``notebooks/<stem>.failed.ipynb`` (with ``<stem>.failed.log``) for diagnosis.
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bekostiging.analysis.national import region_files
from bekostiging.analysis.region_analysis import SHARED_ENV, RegionAnalysis
from bekostiging.analysis.results import output_dir, report_stem, slug
from bekostiging.batch.cluster import run_regions_on_cluster
from bekostiging.batch.runner import (
    Job,
    JobResult,
    RunInfo,
    date_nl,
    ensure_kernel,
    error_message,
    exit_code,
    href,
    index_page,
    progress_line,
    run_date,
    run_jobs,
    table,
    write_index,
)
from bekostiging.config.notebook_parameters import (
    MUNICIPALITY_PARAMETERS,
    REGION_PARAMETERS,
    unknown_parameters,
)
from bekostiging.config.region import load_region
from bekostiging.config.settings import Settings, check_settings, read_batch_config
from bekostiging.core.atomic import write_text
from bekostiging.core.errors import InputError, ParameterError, Problem, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from bekostiging.core.yamlio import line_of, load_yaml
from bekostiging.data.panel import jeugdzorgregio_of, load_jeugdzorgregios
from bekostiging.model.startbudget import contract_calendar

KERNEL = "bekostiging"
NOTEBOOKS_FOLDER = "notebooks"
"""Sub-folder of a run's output folder for the executed notebooks (apart from the reports)."""
BATCH_CONFIG = NOTEBOOKS_DIR / "batch.yaml"
MUNICIPALITY_NOTEBOOK = NOTEBOOKS_DIR / "gemeente.ipynb"
REGION_NOTEBOOK = NOTEBOOKS_DIR / "regio.ipynb"


def load_batch_config(path: Path = BATCH_CONFIG) -> dict[str, Any]:
    """The batch configuration: ``defaults`` and ``overrides`` (per municipality code).

    Every name must be a notebook parameter; a typo is refused with its line
    (:class:`bekostiging.config.settings.BatchConfig`). Every override must be for a
    municipality that exists (a mistyped code would otherwise be ignored without a word).
    """
    config = read_batch_config(path)
    data, lines = load_yaml(path)
    codes = [str(c) for c in ((data or {}).get("overrides") or {})]
    problems = unknown_override_codes(codes, jeugdzorgregio_of(), display_path(path), lines)
    problems += batch_value_problems(config, display_path(path), lines)
    if problems:
        raise ParameterError(problems)
    return config


def batch_value_problems(
    config: Mapping[str, Any], file: str, lines: Mapping[tuple, int]
) -> list[Problem]:
    """The values of a batch file checked as notebook parameters, each named by file and line.

    Without this a wrong value (``draws: 2000 EUR``, a year out of range) is refused only
    later, as a notebook parameter, without the batch file and its line. An override is
    checked on top of the defaults; only its own values are reported there.

    >>> p = batch_value_problems({"defaults": {"draws": "veel"}}, "b.yaml", {("defaults", "draws"): 3})
    >>> p[0].file, p[0].row, p[0].column
    ('b.yaml', 3, 'defaults.draws')
    """
    defaults = dict(config.get("defaults") or {})
    sets = [(("defaults",), defaults, set(defaults))]
    for code, own in (config.get("overrides") or {}).items():
        sets.append((("overrides", str(code)), {**defaults, **own}, set(own)))
    out: list[Problem] = []
    for at, values, own in sets:
        try:
            check_settings(**values)
        except ParameterError as err:
            out += [
                replace(
                    p,
                    file=file,
                    row=line_of(dict(lines), *at, p.column or ""),
                    column=".".join((*at, p.column)) if p.column else ".".join(at),
                )
                for p in err.problems
                if p.column is None or p.column in own
            ]
    return out


def unknown_override_codes(
    codes: Sequence[str], known: Collection[str], file: str, lines: Mapping[tuple, int]
) -> list[Problem]:
    """A problem for every override code that is not a current municipality code.

    >>> p = unknown_override_codes(["gm0222", "GM0223"], {"GM0222"}, "b.yaml", {})
    >>> print(p[0])  # doctest: +NORMALIZE_WHITESPACE
    b.yaml, kolom 'overrides.GM0223': onbekende gemeentecode in overrides (gevonden: 'GM0223';
    verwacht: de code van een bestaande gemeente, zoals GM0197 voor Aalten)
    """
    return [
        Problem(
            file,
            "onbekende gemeentecode in overrides",
            row=line_of(dict(lines), "overrides", code),
            column=f"overrides.{code}",
            found=code,
            expected="de code van een bestaande gemeente, zoals GM0197 voor Aalten",
        )
        for code in codes
        if code.strip().upper() not in known
    ]


def _parameters(settings: Settings, out: Path, allowed=MUNICIPALITY_PARAMETERS) -> dict[str, Any]:
    """The parameters papermill injects; only names of the notebook's ``parameters`` cell.

    The notebook refuses any other name (:mod:`bekostiging.config.notebook_parameters`), so
    the same check here stops the batch before it starts instead of failing every report.

    >>> from bekostiging.config.settings import check_settings
    >>> sorted(_parameters(check_settings(), Path("out"), REGION_PARAMETERS))[:3]
    ['backtest_year', 'contract_start', 'contract_years']
    """
    p = asdict(settings)
    p["output_dir"] = str(out)
    if "municipality" not in allowed:  # the regional overview
        p.pop("municipality")
    problems = unknown_parameters(p, allowed)
    if problems:
        raise ParameterError(problems)
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
                out / NOTEBOOKS_FOLDER / f"{stem}.ipynb",
                out / f"{stem}.html",
                _parameters(s, out),
                f"{region.name_of(code)} ({code})",
                title=f"{region.name_of(code)}: bekostiging jeugdhulp en Wmo",
                workbook=out / f"{stem}.xlsx",
                results=out / "results" / f"{code}.json",
            )
        )
    if problems:
        raise ParameterError(problems)
    overview = None
    if not codes:
        p = _parameters(settings, out, REGION_PARAMETERS)
        stem = f"regio_{slug(region.id)}"
        overview = Job(
            REGION_NOTEBOOK,
            out / NOTEBOOKS_FOLDER / f"{stem}.ipynb",
            out / f"{stem}.html",
            p,
            f"Regionaal overzicht {region.name}",
            title=f"{region.name}: regionaal overzicht",
            overview=True,
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
    index = write_index(
        results,
        out / "index.html",
        region_index_title(name, settings),
        run_info(name, settings),
    )
    return exit_code(results), results, index


def run_info(name: str, settings: Settings) -> RunInfo:
    """What a region's index says about the run: region name, reference year, contract period
    (the earliest segment start to the last contract year) and scenario.

    >>> info = run_info("Achterhoek", check_settings(region="achterhoek", reference_year=2024))
    >>> info.reference_year, info.contract_start.isoformat(), info.contract_last_year
    (2024, '2027-01-01', 2033)
    """
    try:
        cal = contract_calendar(
            load_region(settings.region), settings.contract_start, settings.contract_years
        )
        start, last = min(cal.starts.values()), cal.years[-1]
    except (InputError, ValueError):  # the region does not load: the index still gets written
        start, last = None, None
    return RunInfo(
        region=name,
        reference_year=settings.reference_year,
        contract_start=start,
        contract_last_year=last,
        scenario=Path(settings.scenario).stem if settings.scenario else None,
    )


def settings_for_batch(region: str, config: Mapping[str, Any], **cli: Any) -> Settings:
    """Settings from the config defaults, overridden by command-line values that were given."""
    values = {**config.get("defaults", {}), **{k: v for k, v in cli.items() if v is not None}}
    values["region"] = region
    values.pop("municipality", None)  # the jobs set it; without it the region's first is used
    return check_settings(**values)


# --- the whole country --------------------------------------------------------------------


@dataclass(frozen=True)
class RegionRun:
    """The outcome of one region in ``reports --all-regions``."""

    code: str
    """Jeugdzorgregio code (JZ25)."""
    region: str
    """Region id (the region file's name)."""
    name: str
    results: tuple[JobResult, ...]
    index: Path | None
    error: str | None = None
    """Why the region did not run at all (e.g. its region file does not load)."""

    @property
    def n_ok(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and self.n_ok == len(self.results)


def region_index_title(name: str, settings: Settings) -> str:
    """Title of one region's index page.

    >>> s = check_settings(region="achterhoek", reference_year=2024)
    >>> region_index_title("Achterhoek", s)
    'Rapporten Achterhoek, peiljaar 2024'
    """
    title = f"Rapporten {name}, peiljaar {settings.reference_year}"
    if settings.scenario:
        title += f", scenario {Path(settings.scenario).stem}"
    return title


def render_national_index(
    runs: Sequence[RegionRun], index_dir: Path, title: str, reference_year: int | None = None
) -> str:
    """The HTML of the index of indexes: the date of the run and the reference year, how to
    read it, and per region its name and code, a link to the region's own ``index.html`` and
    one to its regional overview, and the number of reports. What failed is said only where it
    happened (a region that did not run, or the reports of a region that failed).

    >>> html_text = render_national_index([], Path("."), "Alle regio's")
    >>> "Geen regio's." in html_text, '<html lang="nl">' in html_text
    (True, True)
    """
    results = [r for run in runs for r in run.results]
    n_reports = len(results)
    n_failed = n_reports - sum(r.n_ok for r in runs)
    bad_regions = [r for r in runs if not r.ok]
    meta = [f"gemaakt op {date_nl(run_date(results))}"]
    if reference_year is not None:
        meta.append(f"peiljaar {reference_year}")
    meta.append(
        f"{len(runs)} {'jeugdzorgregio' if len(runs) == 1 else 'jeugdzorgregio’s'}, "
        f"{n_reports} {'rapport' if n_reports == 1 else 'rapporten'}"
    )
    lead = [f'<p class="meta">{html.escape(" · ".join(meta))}</p>']
    if bad_regions:
        lead.append(
            f'<p class="waarschuwing"><span class="mislukt">Niet alles gelukt in '
            f"{len(bad_regions)} {'regio' if len(bad_regions) == 1 else 'regio’s'}"
            f"{f' ({n_failed} rapporten mislukt)' if n_failed else ''}</span>; zie de rijen met "
            "<em>mislukt</em> hieronder.</p>"
        )
    lead.append(
        "<h2>Leeswijzer</h2>\n<p>Kies uw jeugdzorgregio. De overzichtspagina van een regio "
        "noemt haar gemeenten met per gemeente het rapport en de werkmap (Excel); begin daar "
        "met het <strong>regionale overzicht</strong> en lees dan het rapport van uw "
        "gemeente. Alle bestanden openen zonder internet.</p>"
    )
    rows = []
    for r in runs:
        name = html.escape(f"{r.name} ({r.code})")
        page = f'<a href="{href(r.index, index_dir)}">{name}</a>' if r.index else name
        overview = next((x for x in r.results if x.job.overview and x.ok), None)
        overview_link = (
            f'<a href="{href(overview.job.output_html, index_dir)}">regionaal overzicht</a>'
            if overview is not None and overview.job.output_html.exists()
            else "–"
        )
        count = f'<td class="getal">{len(r.results)}</td>'
        if r.ok:
            rows.append(f"<tr><td>{page}</td><td>{overview_link}</td>{count}</tr>")
            continue
        if r.error:
            why = f'<span class="fout">{html.escape(r.error)}</span>'
        elif not r.results:
            why = "geen rapporten"
        else:
            bad = [x for x in r.results if not x.ok]
            why = (
                f"{len(bad)} van {len(r.results)} rapporten mislukt "
                f"({html.escape(', '.join(x.name for x in bad))}); zie de overzichtspagina"
            )
        rows.append(
            f'<tr class="mislukt"><td>{page}</td><td>{overview_link}</td>{count}</tr>'
            f'<tr class="mislukt"><td colspan="3"><span class="mislukt">mislukt</span>: '
            f"{why}</td></tr>"
        )
    head = (
        "<th>Jeugdzorgregio (overzichtspagina)</th><th>Regionaal overzicht</th>"
        '<th class="getal">Rapporten</th>'
    )
    return index_page(title, "\n".join([*lead, table(head, rows, "Geen regio's.", 3)]))


def write_national_index(
    runs: Sequence[RegionRun], path: Path, title: str, reference_year: int | None = None
) -> Path:
    """Write the index of indexes (offline: inline CSS, no scripts; written atomically)."""
    path = Path(path)
    return write_text(
        path, render_national_index(runs, path.parent.resolve(), title, reference_year)
    )


def failed_results(jobs: Sequence[Job], exc: BaseException) -> list[JobResult]:
    """Every job failed for the same reason (its region's shared analysis could not be made).

    >>> r = failed_results([Job("a.ipynb", "a.ipynb", "a.html", {}, "A")], KeyError("GM9999"))
    >>> r[0].status, r[0].error
    ('failed', "KeyError: 'GM9999'")
    """
    now = datetime.now(UTC)
    return [JobResult(j, "failed", error_message(exc), now, now, 0.0) for j in jobs]


def run_all_regions(
    codes: Sequence[str] | None = None,
    out: Path | None = None,
    config: Mapping[str, Any] | None = None,
    scheduler: str | Any | None = None,
    workers: int | None = None,
    progress: bool = True,
    kernel: str = KERNEL,
    **cli: Any,
) -> tuple[int, list[RegionRun], Path]:
    """Every jeugdzorgregio (or ``codes``): its region file (generated into the project's
    assumptions where it is missing, :func:`bekostiging.analysis.national.region_files`), its
    reports under ``out/<region>/peiljaar-<year>/`` with their ``index.html``, and the index of
    indexes ``out/index.html``.

    Locally (no ``scheduler``) each region runs on the process pool of :func:`run_reports`,
    one region after the other. With ``scheduler`` (an address or a ``distributed.Client``)
    all notebooks of all regions go to that Dask cluster (:mod:`bekostiging.batch.cluster`).
    ``cli`` holds command-line settings (reference_year, draws, ...) over ``config``'s
    defaults. Returns the exit code (0 only when every report succeeded), the runs and the
    index path.
    """
    config = config if config is not None else load_batch_config()
    root = Path(out) if out else REPORTS_DIR
    generation: dict[str, str] = {}
    files = region_files(codes, ASSUMPTIONS_DIR, errors=generation)
    jz = load_jeugdzorgregios()
    names = dict(zip(jz["jeugdzorgregio_code"], jz["jeugdzorgregio_naam"], strict=True))
    planned: list[tuple[str, str, Settings | None, list[Job], Job | None, str | None]] = [
        (code, code, None, [], None, f"regiobestand niet te maken: {error}")
        for code, error in generation.items()
    ]
    for code, path in files.items():
        region = path.stem
        try:
            settings = settings_for_batch(region, config, **cli)
            target = output_dir(settings, root)
            jobs, overview = plan(settings, out=target, overrides=config.get("overrides"))
            jobs = [j.resolved() for j in jobs]
            overview = overview.resolved() if overview is not None else None
            planned.append((code, region, settings, jobs, overview, None))
        except InputError as err:
            planned.append((code, region, None, [], None, " ".join(str(err).split())))
    ready = [(s, j, o) for _, _, s, j, o, e in planned if e is None]

    if scheduler is not None:

        def show(done: int, total: int, result: JobResult) -> None:
            if progress:
                print(progress_line(done, total, result), file=sys.stderr, flush=True)

        ensure_kernel(kernel)
        per_region = iter(run_regions_on_cluster(scheduler, ready, kernel, on_result=show))
    else:

        def local() -> Iterator[list[JobResult]]:
            for settings, jobs, overview in ready:
                codes_ = [j.parameters["municipality"] for j in jobs] if overview is None else None
                target = output_dir(settings, root)
                if progress:
                    print(f"== {settings.region} ==", file=sys.stderr, flush=True)
                try:
                    _, results, _ = run_reports(
                        settings, codes_, target, workers, config.get("overrides"), progress,
                        kernel,
                    )  # fmt: skip
                except Exception as exc:  # the region analysis failed: every report fails
                    yield failed_results([*jobs, *([overview] if overview else [])], exc)
                    continue
                yield results

        per_region = local()

    runs = []
    for code, region, settings, _jobs, _overview, error in planned:
        title_name = names.get(code, region)
        if error is not None:
            runs.append(RegionRun(code, region, title_name, (), None, error))
            continue
        results = next(per_region)
        index = write_index(
            results,
            output_dir(settings, root) / "index.html",
            region_index_title(title_name, settings),
            run_info(title_name, settings),
        )
        runs.append(RegionRun(code, region, title_name, tuple(results), index))
    year = cli.get("reference_year") or config.get("defaults", {}).get("reference_year")
    title = "Rapporten alle jeugdzorgregio’s" + (f", peiljaar {year}" if year else "")
    index = write_national_index(runs, root / "index.html", title, year)
    return (0 if runs and all(r.ok for r in runs) else 1), runs, index
