"""Write output files so that an interrupted or failed run never leaves a half-written file.

Each writer writes to a temporary file in the target folder and renames it over the target
only when writing succeeded (``os.replace`` is atomic on one file system).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_path(d / "out.txt") as tmp:
...     _ = tmp.write_text("klaar")
>>> (d / "out.txt").read_text()
'klaar'
>>> try:
...     with atomic_path(d / "broken.txt") as tmp:
...         _ = tmp.write_text("half")
...         raise RuntimeError("stopped halfway")
... except RuntimeError:
...     pass
>>> sorted(p.name for p in d.iterdir())
['out.txt']
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it to ``target`` on success.

    ``suffix`` lets tools that check extensions (papermill wants ``.ipynb``) accept the file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600 files; reports must be readable like any other file the user makes.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(target: str | Path, text: str) -> Path:
    """Write text atomically (UTF-8)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_json(target: str | Path, data: Any) -> Path:
    """Write JSON atomically, with sorted keys so the same data gives the same bytes."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return write_text(target, text + "\n")


def write_csv(target: str | Path, frame: pd.DataFrame, **kwargs: Any) -> Path:
    """Write a CSV atomically (UTF-8, no index unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, encoding="utf-8", lineterminator="\n", **kwargs)
    return Path(target)


def write_excel(target: str | Path, sheets: dict[str, pd.DataFrame], **kwargs: Any) -> Path:
    """Write several tables as sheets of one workbook, atomically."""
    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], **kwargs)
    return Path(target)
