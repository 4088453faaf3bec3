"""Kill test: SIGKILL a command mid-run; no output file may be left half-written.

Every output goes through :mod:`bekostiging.core.atomic` (a hidden temporary file next to the
target, renamed over it when complete), so after a SIGKILL each report, workbook or results
file present is complete, and the only debris is hidden temporary files (``.<name>.*``) that
no one mistakes for a report. A re-run then completes with exit code 0.

The batch (``reports``) is killed after its first output file appears (or after a time
limit); ``template`` is killed inside its atomic write (a wrapper makes ``os.replace`` wait,
since monkeypatching cannot reach another process) and at a few short delays;
``check-submission`` writes nothing, so a kill must leave its input and folder unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import bekostiging

pytestmark = pytest.mark.slow

SRC = Path(bekostiging.__file__).resolve().parents[1]
REPORT_KINDS = (".html", ".xlsx", ".json", ".ipynb", ".csv")
REPORTS_ARGS = ["reports", "--region", "achterhoek", "--only", "GM0197", "GM0222"]

# Runs a command with os.replace held up: the temporary file is complete, the target not yet
# there; the marker file tells the test that the process is inside the atomic write.
SLOW_REPLACE = """\
import os, sys, time
from pathlib import Path
real_replace = os.replace
def slow_replace(src, dst):
    Path(os.environ["KILL_MARKER"]).write_text(str(dst))
    time.sleep(120)
    real_replace(src, dst)
os.replace = slow_replace
from bekostiging.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), **extra}


def _start(args: list[str], wrapper: str | None = None, **env: str) -> subprocess.Popen:
    """Start ``python -m bekostiging <args>`` (or ``wrapper``) in its own process group."""
    head = [sys.executable, "-c", wrapper] if wrapper else [sys.executable, "-m", "bekostiging"]
    return subprocess.Popen(
        [*head, *args],
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the kill reaches the batch's workers too
    )


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process and every process it started."""
    with contextlib.suppress(ProcessLookupError):  # already finished
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bekostiging", *args],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _outputs(folder: Path) -> list[Path]:
    """The files a user would take for output: everything but hidden temporary files."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


class _Html(HTMLParser):
    pass


def _assert_complete(path: Path) -> None:
    """Raise unless ``path`` is a complete file of its kind (parses / opens)."""
    suffix = path.suffix.lower()
    if suffix == ".html":
        text = path.read_text(encoding="utf-8")
        _Html().feed(text)
        assert text.rstrip().lower().endswith("</html>"), f"{path} is cut short"
    elif suffix == ".xlsx":
        openpyxl.load_workbook(path).close()
    elif suffix in (".json", ".ipynb"):
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".csv":
        pd.read_csv(path)


def _assert_nothing_half_written(folder: Path) -> list[Path]:
    """Every output present is complete; stray temporary files are hidden. Returns the outputs."""
    outputs = _outputs(folder)
    for path in outputs:
        if path.suffix.lower() in REPORT_KINDS:
            _assert_complete(path)
    for path in folder.rglob(".*"):
        if path.is_file():  # a temporary file: hidden, never named like a report
            assert path.name.startswith(".") and path.suffix not in (".html", ".xlsx", ".json")
    return outputs


def _wait_for(condition, limit: float, proc: subprocess.Popen) -> bool:
    """Poll ``condition`` until it holds, the process ends, or ``limit`` seconds pass."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_killed_batch_leaves_no_half_written_report_and_a_rerun_completes(tmp_path):
    out = tmp_path / "out"
    args = [*REPORTS_ARGS, "--draws", "100", "--out", str(out)]
    proc = _start(args)

    def first_output() -> bool:
        return out.is_dir() and any(p.suffix in REPORT_KINDS for p in _outputs(out))

    _wait_for(first_output, limit=150, proc=proc)
    assert proc.poll() is None, "the batch finished before it could be killed"
    _kill_group(proc)
    if out.is_dir():
        _assert_nothing_half_written(out)

    rerun = _run(args, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    outputs = _assert_nothing_half_written(out)
    names = {p.name for p in outputs}
    assert any(n.endswith(".html") for n in names) and any(n.endswith(".xlsx") for n in names)
    assert any(n.endswith(".json") for n in names)


def test_template_killed_inside_its_atomic_write_leaves_no_workbook(tmp_path):
    target = tmp_path / "formats" / "GM0197.xlsx"
    marker = tmp_path / "marker"
    args = ["template", "--gemeente", "GM0197", "--out", str(target)]
    proc = _start(args, wrapper=SLOW_REPLACE, KILL_MARKER=str(marker))
    assert _wait_for(marker.exists, limit=120, proc=proc), proc.communicate()[1]
    assert marker.read_text() == str(target)
    assert [p.name.startswith(f".{target.name}.") for p in target.parent.iterdir()] == [True]
    _kill_group(proc)
    assert not target.exists()  # the complete temporary file was never renamed
    assert _assert_nothing_half_written(tmp_path) == [marker]

    rerun = _run(args, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    assert _assert_nothing_half_written(tmp_path) == [target, marker]


@pytest.mark.parametrize("delay", [1.0, 4.0])
def test_template_killed_at_a_short_delay_leaves_no_half_written_workbook(tmp_path, delay):
    target = tmp_path / "GM0197.xlsx"
    proc = _start(["template", "--gemeente", "GM0197", "--out", str(target)])
    time.sleep(delay)
    _kill_group(proc)
    outputs = _assert_nothing_half_written(tmp_path)
    assert outputs in ([], [target])  # no workbook, or a complete one


def test_check_submission_killed_leaves_its_input_unchanged(tmp_path):
    sub = tmp_path / "GM0197.xlsx"
    made = _run(["template", "--gemeente", "GM0197", "--out", str(sub)], timeout=180)
    assert made.returncode == 0, made.stderr
    before = sub.read_bytes()
    for delay in (1.0, 3.0):
        proc = _start(["check-submission", str(sub)])
        time.sleep(delay)
        _kill_group(proc)
        assert sub.read_bytes() == before
        assert _assert_nothing_half_written(tmp_path) == [sub]

    rerun = _run(["check-submission", str(sub)], timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{sub}: in orde." in rerun.stdout
