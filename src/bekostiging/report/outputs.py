"""The files a run leaves besides its report, for the notebooks to call.

A municipality run (notebooks/gemeente.ipynb) writes its results file for the regional overview
(JSON, :mod:`bekostiging.analysis.results`) and its key tables as one Excel workbook
(:mod:`bekostiging.report.workbook`); the regional overview (notebooks/regio.ipynb) reads the
results files of all municipalities and writes those that are missing or stale.
"""

from __future__ import annotations

from pathlib import Path

from bekostiging.analysis import results
from bekostiging.report.workbook import write_workbook


def write_outputs(view, folder: Path | None = None) -> list[Path]:
    """Write the results file and the Excel workbook of a municipality (both atomically).

    ``folder`` defaults to the run's output folder
    (:func:`bekostiging.analysis.results.output_dir`).
    """
    folder = Path(folder) if folder else results.output_dir(view.analysis.settings)
    return [results.write_results(view, folder), write_workbook(view, folder)]


def region_results(analysis, folder: Path | None = None) -> dict[str, dict]:
    """The results of every current municipality of the region, for the regional overview.

    Reads them from ``folder`` (default: the run's output folder) and computes and writes the
    files that are missing or stale (:func:`bekostiging.analysis.results.ensure_results`).
    """
    return results.ensure_results(analysis, folder or results.output_dir(analysis.settings))
