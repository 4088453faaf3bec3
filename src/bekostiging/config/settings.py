"""The settings of one run: the notebook's ``parameters`` cell and the report batch file.

:class:`Settings` is a frozen pydantic dataclass; :func:`check_settings` validates notebook
parameters into it (a typo gives a clear message, never a traceback deep in the model), and
:class:`BatchConfig` describes ``notebooks/batch.yaml``.

>>> s = check_settings(region="achterhoek", municipality="gm0197", draws=500)
>>> s.municipality, s.reference_year, s.draws
('GM0197', 2024, 500)
>>> check_settings(region="achterhoek", draws="veel")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
bekostiging.core.errors.ParameterError: 1 probleem in de invoer:
  - parameters, kolom 'draws': 'draws' moet een geheel getal zijn (gevonden: 'veel'; verwacht: van 100 tot en met 100000)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic import dataclasses as pydantic_dataclasses

from bekostiging.config.contract import parse_date
from bekostiging.config.region import available_regions, load_region
from bekostiging.config.validation import StrictModel, fail, problems_from, validate
from bekostiging.core.errors import ParameterError, display_path
from bekostiging.core.paths import PROJECT_ROOT
from bekostiging.core.yamlio import load_yaml

DEFAULTS = {
    "region": "achterhoek",
    "municipality": "GM0197",
    "reference_year": 2024,
    "contract_start": "2027-01-01",
    "contract_years": None,
    "scenario": None,
    "draws": 2000,
    "seed": 20270101,
    "backtest_year": 2021,
}
SOURCE = "parameters"  # the "file" named in messages about notebook parameters


def _whole(name: str, low: int, high: int) -> Any:
    """A whole number from ``low`` to ``high``: an int, 3.0 or '3' (never True/False)."""

    allowed = f"van {low} tot en met {high}"

    def check(value: Any) -> Any:
        if value is None:
            return None
        number = value
        if isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
            raise fail(f"'{name}' moet een geheel getal zijn", found=value, expected=allowed)
        if not low <= int(number) <= high:
            raise fail(f"'{name}' buiten het bereik", found=value, expected=allowed)
        return int(number)

    return BeforeValidator(check)


@pydantic_dataclasses.dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Settings:
    """The parameters of one analysis (the notebook's ``parameters`` cell)."""

    region: str = DEFAULTS["region"]
    municipality: str = DEFAULTS["municipality"]
    reference_year: Annotated[int, _whole("reference_year", 2019, 2024)] = DEFAULTS[
        "reference_year"
    ]
    contract_start: str | None = DEFAULTS["contract_start"]
    contract_years: Annotated[int | None, _whole("contract_years", 1, 15)] = DEFAULTS[
        "contract_years"
    ]
    scenario: str | None = DEFAULTS["scenario"]
    draws: Annotated[int, _whole("draws", 100, 100_000)] = DEFAULTS["draws"]
    seed: Annotated[int, _whole("seed", 0, 2**32 - 1)] = DEFAULTS["seed"]
    backtest_year: Annotated[int, _whole("backtest_year", 2019, 2023)] = DEFAULTS["backtest_year"]

    @field_validator("region", mode="before")
    @classmethod
    def _known_region(cls, value: Any) -> str:
        text = str(value).strip()
        if text.endswith((".yaml", ".yml")):  # a region file elsewhere (e.g. generated in a test)
            path = Path(text).expanduser()
            if not path.is_file():
                raise fail(
                    "regiobestand niet gevonden", found=value, expected="een bestaand .yaml-bestand"
                )
            return str(path.resolve())
        region = text.lower()
        if region not in available_regions():
            raise fail(
                "onbekende regio",
                found=value,
                expected="een van: " + ", ".join(available_regions()),
            )
        return region

    @field_validator("municipality", mode="before")
    @classmethod
    def _in_region(cls, value: Any, info: ValidationInfo) -> str:
        if "region" not in info.data:
            return str(value).strip().upper()
        region = load_region(info.data["region"])
        if value is None:  # none asked for (the regional overview): the region's first one
            return region.current_codes()[0]
        code = str(value).strip().upper()
        if code not in region.current_codes():
            known = ", ".join(f"{c} ({region.name_of(c)})" for c in region.current_codes())
            raise fail(
                f"gemeente hoort niet bij regio {region.name}",
                found=value,
                expected=f"een gemeentecode als tekst, een van: {known}",
            )
        return code

    @field_validator("contract_start", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        if value is None:
            return None
        try:
            return parse_date(value).isoformat()
        except ParameterError as err:
            p = err.problems[0]
            raise fail(p.message, found=p.found, expected=p.expected or "") from None

    @field_validator("scenario", mode="before")
    @classmethod
    def _scenario_file(cls, value: Any) -> str | None:
        if not value:
            return None
        path = Path(value)
        path = path if path.is_absolute() else PROJECT_ROOT / path
        if not path.is_file():
            raise fail(
                "scenariobestand niet gevonden",
                found=value,
                expected="een YAML-bestand, bijvoorbeeld data/assumptions/scenarios/hogere_groei.yaml",
            )
        return str(path)


def check_settings(**raw: Any) -> Settings:
    """Validate notebook parameters; all problems are reported together.

    Unknown names (a typo such as ``municipalty``) are refused with a suggestion.
    """
    values = {**DEFAULTS, **raw}
    if "municipality" not in raw:
        values["municipality"] = None  # the region's first municipality
    try:
        return Settings(**values)
    except ValidationError as err:
        problems = problems_from(err, SOURCE, None, Settings, noun="parameter")
        raise ParameterError(problems) from None


# --- notebooks/batch.yaml ------------------------------------------------------------------

BatchDefaults = create_model(
    "BatchDefaults",
    __base__=StrictModel,
    **{k: (Any, None) for k in DEFAULTS if k != "municipality"},
)
BatchOverride = create_model(
    "BatchOverride",
    __base__=StrictModel,
    **{k: (Any, None) for k in DEFAULTS if k not in ("municipality", "region")},
)


class BatchConfig(StrictModel):
    """The report batch: parameters for every run, and overrides per municipality code."""

    defaults: BatchDefaults | None = None  # type: ignore[valid-type]
    overrides: dict[str, BatchOverride | None] | None = None  # type: ignore[valid-type]

    def as_dict(self) -> dict[str, Any]:
        """``{"defaults": {...}, "overrides": {CODE: {...}}}`` with only the names given."""
        defaults = self.defaults.model_dump(exclude_unset=True) if self.defaults else {}
        overrides = {
            str(code).upper(): (o.model_dump(exclude_unset=True) if o is not None else {})
            for code, o in (self.overrides or {}).items()
        }
        return {"defaults": defaults, "overrides": overrides}


def read_batch_config(path: str | Path) -> dict[str, Any]:
    """Validate a batch file; every name must be a notebook parameter (a typo: its line)."""
    data, lines = load_yaml(path)
    config = validate(BatchConfig, data or {}, display_path(path), lines, noun="parameter")
    return config.as_dict()
