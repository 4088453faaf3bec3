"""Shared fixtures: regions and baselines are built once per test session."""

from __future__ import annotations

import matplotlib
import pytest

# In this process only: setting MPLBACKEND in the environment would reach the notebook kernels
# that nbval and the batch start, and their figures would not be embedded.
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def achterhoek():
    from bekostiging.config.region import load_region

    return load_region("achterhoek")


@pytest.fixture(scope="session")
def alkmaar():
    from bekostiging.config.region import load_region

    return load_region("alkmaar")


@pytest.fixture(scope="session")
def baseline_achterhoek(achterhoek):
    from bekostiging.model.baseline import build_baseline

    return build_baseline(achterhoek)


@pytest.fixture(scope="session")
def budget_achterhoek(achterhoek):
    from bekostiging.model.baseline import build_baseline

    return build_baseline(achterhoek, report="begroting")


@pytest.fixture(scope="session")
def baseline_alkmaar(alkmaar):
    from bekostiging.model.baseline import build_baseline

    return build_baseline(alkmaar)
