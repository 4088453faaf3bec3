"""The papermill batch: parallel processes, continue on error, offline reports and an index."""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from bekostiging.batch import runner as batch
from bekostiging.batch.runner import (
    Job,
    JobResult,
    ensure_kernel,
    exit_code,
    run_job,
    run_jobs,
    write_index,
)
from bekostiging.report.htmlexport import assert_offline

KERNEL = "bekostiging-test"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _write_notebook(folder: Path) -> Path:
    """A tiny report: a parameters cell, a check that fails for GM9999, a figure."""
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell("gemeente = 'GM0000'", metadata={"tags": ["parameters"]}),
            v4.new_markdown_cell("# Rapport"),
            v4.new_code_cell(
                "import os\n"
                "if gemeente == 'GM9999':\n"
                "    raise ValueError(f'onbekende gemeente {gemeente}')\n"
                "print(f'Rapport {gemeente} in {os.path.basename(os.getcwd())}')"
            ),
            v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rapport.ipynb"
    nbformat.write(nb, path)
    return path


def _jobs(notebook: Path, out: Path, codes: list[str]) -> list[Job]:
    """Jobs laid out as the batch lays them out: executed notebooks in ``notebooks/``."""
    return [
        Job(
            notebook,
            out / "notebooks" / f"{c}.ipynb",
            out / f"{c}.html",
            {"gemeente": c},
            c,
            f"Rapport {c}",
            workbook=out / f"{c}.xlsx",
        )
        for c in codes
    ]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec in a temporary prefix, found through JUPYTER_PATH (also by the workers)."""
    prefix = tmp_path_factory.mktemp("kernel-prefix")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        ensure_kernel(KERNEL, prefix=prefix)
        yield KERNEL


def test_ensure_kernel_installs_once(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    name = "bekostiging-ensure-test"
    first = ensure_kernel(name, prefix=tmp_path)
    spec = KernelSpecManager().get_kernel_spec(name)
    assert Path(spec.resource_dir) == Path(first)
    assert spec.argv[0] == sys.executable
    assert ensure_kernel(name, prefix=tmp_path / "elsewhere") == first  # found, not reinstalled
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.slow
def test_batch_all_ok(kernel, tmp_path, capfd):
    notebook = _write_notebook(tmp_path / "notebooks")
    out = tmp_path / "reports" / "achterhoek"
    jobs = _jobs(notebook, out, ["GM0197", "GM0222"])

    results = run_jobs(jobs, kernel_name=kernel)

    assert [r.name for r in results] == ["GM0197", "GM0222"]  # job order
    assert [r.status for r in results] == ["ok", "ok"] and exit_code(results) == 0
    for r, code in zip(results, ["GM0197", "GM0222"], strict=True):
        assert r.error is None and r.duration > 0 and r.started <= r.ended
        html = (out / f"{code}.html").read_text("utf-8")
        assert assert_offline(html) == []
        assert f"Rapport {code} in notebooks" in html  # parameter injected, cwd = notebook folder
        assert "GM0000" not in html and "injected" not in html.lower()
        assert "data:image/png;base64" in html  # figure embedded although tests use Agg
        assert f"<title>Rapport {code}</title>" in html
        executed_path = out / "notebooks" / f"{code}.ipynb"
        executed = nbformat.read(executed_path, as_version=4)
        assert executed.metadata.papermill.parameters == {"gemeente": code}
        # the final name, not the temporary one papermill wrote to
        assert executed.metadata.papermill.output_path == str(executed_path)
        assert ".running" not in executed_path.read_text("utf-8") and ".running" not in html
    # the reports a reader opens, apart from the executed notebooks
    assert sorted(p.name for p in out.iterdir()) == ["GM0197.html", "GM0222.html", "notebooks"]
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [
        "GM0197.ipynb", "GM0222.ipynb",
    ]  # fmt: skip

    (out / "GM0197.xlsx").write_bytes(b"")  # as the notebook would have written it
    index = write_index(results, out / "index.html")
    text = index.read_text("utf-8")
    assert "<h1>Overzicht rapporten</h1>" in text and "Leeswijzer" in text
    body = text.split("<body>")[1]  # the style sheet names the class for failures
    assert "mislukt" not in body and "gereed" not in body and "Duur" not in body
    assert '<a href="GM0197.html">GM0197</a>' in text and '<a href="GM0222.html">' in text
    assert '<a href="GM0197.xlsx">werkmap (Excel)</a>' in text
    assert "GM0222.xlsx" not in text  # no link to a workbook that was not written
    assert "notebooks/" not in text  # no link to an executed notebook of a report that worked
    assert assert_offline(text) == [] and "<script" not in text and "<link" not in text

    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert len(lines) == 2 and all(" ok " in line and line.endswith(" s") for line in lines)
    assert {line.split()[1] for line in lines} == {"GM0197", "GM0222"}


@pytest.mark.slow
def test_batch_continues_after_a_failure(kernel, tmp_path):
    notebook = _write_notebook(tmp_path / "notebooks")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "GM9999.html").write_text("rapport van een eerdere run", encoding="utf-8")
    jobs = _jobs(notebook, out, ["GM9999", "GM0197"])

    results = run_jobs(jobs, kernel_name=kernel, workers=2, progress=False)

    failed, ok = results
    assert (failed.status, ok.status) == ("failed", "ok") and exit_code(results) == 1
    assert failed.error == "ValueError: onbekende gemeente GM9999"
    assert failed.cell is not None
    # the failed notebook is kept for diagnosis; no report (not even the old one) remains
    nbs = out / "notebooks"
    kept_path = nbs / "GM9999.failed.ipynb"
    kept = nbformat.read(kept_path, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    assert kept.metadata.papermill.output_path == str(kept_path)
    assert (nbs / "GM9999.failed.log").exists()
    assert not (out / "GM9999.html").exists() and not (nbs / "GM9999.ipynb").exists()
    assert (out / "GM0197.html").exists() and (nbs / "GM0197.ipynb").exists()
    for folder in (out, nbs):  # no temporary files
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]

    text = write_index(results, out / "index.html", title="Rapporten Achterhoek").read_text("utf-8")
    assert "<h1>Rapporten Achterhoek</h1>" in text
    assert "1 van 2 rapporten mislukt" in text and text.count('<tr class="mislukt">') == 1
    assert "ValueError: onbekende gemeente GM9999" in text
    assert '<a href="GM9999.html">' not in text
    assert '<a href="notebooks/GM9999.failed.ipynb">' in text
    assert '<a href="notebooks/GM9999.failed.log">' in text
    assert "gereed" not in text  # the report that worked has no status, only its links


def _result(name, status="ok", error=None, duration=12.44, out=Path("/r"), **job):
    job = Job(
        Path("/nb/r.ipynb"), out / "nb" / f"{name}.ipynb", out / "html" / f"{name}.html", {}, name,
        **job,
    )  # fmt: skip
    return JobResult(job, status, error, T0, T0, duration)


def test_index_is_a_landing_page_with_failures_only_where_they_happened(tmp_path):
    import datetime as dt

    results = [
        _result("Aalten (GM0197)", out=tmp_path, workbook=tmp_path / "a.xlsx"),
        _result("Doetinchem (GM0222)", "failed", "KeyError: 'x' & meer", 3.0, out=tmp_path),
        _result("Regionaal overzicht <Achterhoek>", out=tmp_path, overview=True),
    ]
    (tmp_path / "a.xlsx").write_bytes(b"")
    info = batch.RunInfo("Achterhoek", 2024, dt.date(2027, 1, 1), 2033)
    text = write_index(results, tmp_path / "index.html", "Rapporten", info).read_text("utf-8")
    assert '<html lang="nl">' in text and "<title>Rapporten</title>" in text
    # region, date of the run (T0), reference year and contract period; a reading order
    assert (
        "Regio Achterhoek · gemaakt op 1 januari 2025 · peiljaar 2024 · "
        "contractperiode 1 januari 2027 tot en met 2033"
    ) in text
    assert "Begin met het <strong>regionale overzicht</strong>" in text
    # the regional overview first, then the municipalities with their report and workbook
    order = [text.index(s) for s in ("Regionaal overzicht &lt;Achterhoek&gt;", "Aalten", "Doet")]
    assert order == sorted(order)
    assert '<a href="html/Aalten%20%28GM0197%29.html">Aalten (GM0197)</a>' in text
    assert '<a href="a.xlsx">werkmap (Excel)</a>' in text
    # only the failure has a status, its duration (decimal comma) and its error, escaped
    assert "1 van 3 rapporten mislukt" in text and text.count('<tr class="mislukt">') == 1
    assert "mislukt</span> na 3,0 s" in text and "12,4" not in text and "gereed" not in text
    assert "KeyError: &#x27;x&#x27; &amp; meer" in text
    assert exit_code(results) == 1 and exit_code(results[:1]) == 0 and exit_code([]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "index.html"]


def test_run_jobs_refuses_clashing_outputs(tmp_path):
    nb = tmp_path / "a.ipynb"
    jobs = [Job(nb, tmp_path / "x.ipynb", tmp_path / f"{n}.html", {}, n) for n in ("a", "b")]
    with pytest.raises(ValueError, match="same file"):
        run_jobs(jobs, "python3")
    with pytest.raises(ValueError, match="unique"):
        run_jobs([jobs[0], jobs[0]], "python3")
    assert run_jobs([], "python3") == []


def test_run_job_passes_kernel_cwd_timeout_and_keeps_failures(tmp_path, monkeypatch):
    """run_job in this process with papermill replaced: what it passes and what it keeps."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = _write_notebook(tmp_path / "nb")
    calls = []

    def fake_execute(src, dst, **kwargs):
        calls.append(kwargs)
        nbformat.write(nbformat.read(src, as_version=4), dst)  # a half-run notebook
        raise PapermillExecutionError(2, 7, "x", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    job = _jobs(notebook, tmp_path / "out", ["GM0197"])[0]
    job.output_html.parent.mkdir()
    job.output_html.write_text("oud", encoding="utf-8")
    # an executed notebook where an earlier version kept them, beside the report
    job.output_html.with_suffix(".ipynb").write_text("{}", encoding="utf-8")
    result = run_job(job, "bekostiging", timeout_per_cell=42)

    assert calls[0]["kernel_name"] == "bekostiging"
    assert calls[0]["cwd"] == str(notebook.parent)
    assert calls[0]["execution_timeout"] == 42
    assert calls[0]["parameters"] == {"gemeente": "GM0197"}
    assert (result.status, result.error, result.cell) == (
        "failed", "ZeroDivisionError: division by zero", 7,
    )  # fmt: skip
    assert sorted(p.name for p in job.output_ipynb.parent.iterdir()) == [
        "GM0197.failed.ipynb", "GM0197.failed.log",
    ]  # fmt: skip
    assert [p.name for p in job.output_html.parent.iterdir()] == ["notebooks"]  # old report gone
    assert os.environ["MPLBACKEND"] == batch.INLINE_BACKEND
