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


# Fixed risk assumptions, so the hand computations of tests/test_risk.py and
# tests/test_risk_text.py do not move with the YAML files.
FIXED_RISK_ASSUMPTIONS = {
    "risk.heavier_care.chance": 0.25,
    "risk.heavier_care.cost_increase": 0.03,
    "risk.indexation.chance": 0.3,
    "risk.indexation.excess": 0.02,
    "risk.provider_discontinuity.chance": 0.15,
    "risk.provider_discontinuity.budget_share": 0.05,
    "risk.provider_discontinuity.extra_cost_share": 0.25,
    "risk.provider_discontinuity.fixed_cost": 25_000,
    "risk.allocation.chance": 0.25,
}


@pytest.fixture(scope="session")
def risk_params(achterhoek):
    """The Achterhoek parameters with transition and reserves, the risk values fixed."""
    from bekostiging.config.parameters import load_parameters
    from bekostiging.core.paths import ASSUMPTIONS_DIR

    parameters = ASSUMPTIONS_DIR / "parameters"
    files = list(achterhoek.parameter_files)  # the region's own file last: its values win
    files += [
        f
        for f in (parameters / "transition.yaml", parameters / "reserves.yaml")
        if f.resolve() not in files
    ]
    fixed = {k: {"value": v, "source": "estimate"} for k, v in FIXED_RISK_ASSUMPTIONS.items()}
    return load_parameters(files).with_overrides(fixed, source="test")
