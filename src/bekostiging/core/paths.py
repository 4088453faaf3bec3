"""Project paths, in one place, so code works from any working directory.

Notebooks run with ``notebooks/`` as their working directory, the batch runs from the project
root and tests run from a temporary folder; all of them find the data through this module.

The root is the folder that holds ``pyproject.toml`` above this package. The environment
variable ``BEKOSTIGING_ROOT`` overrides it (used for a non-editable install next to a checkout).

>>> (PROJECT_ROOT / "pyproject.toml").is_file()
True
>>> RAW_DIR.relative_to(PROJECT_ROOT).as_posix()
'data/raw'
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    override = os.environ.get("BEKOSTIGING_ROOT")
    if override:
        return Path(override).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
            return parent
    raise RuntimeError(
        "Cannot find the project folder (the one with pyproject.toml and data/). "
        "Install with 'pip install -e .' from a checkout, or set BEKOSTIGING_ROOT."
    )


PROJECT_ROOT: Path = _find_root()
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
ASSUMPTIONS_DIR: Path = DATA_DIR / "assumptions"
REGIONS_DIR: Path = ASSUMPTIONS_DIR / "regions"
SUBMISSIONS_DIR: Path = DATA_DIR / "submissions"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"


def region_file(region: str) -> Path:
    """Path of a region's configuration file.

    >>> region_file("achterhoek").relative_to(PROJECT_ROOT).as_posix()
    'data/assumptions/regions/achterhoek.yaml'
    """
    return REGIONS_DIR / f"{region}.yaml"


def submissions_dir(region: str) -> Path:
    """Folder where filled municipal submission workbooks of a region are picked up."""
    return SUBMISSIONS_DIR / region
