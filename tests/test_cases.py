"""Expert-readable cases: every case in ``tests/cases/*/*.yaml`` is its own pytest item.

Each file names a model ``function`` and lists ``cases`` (name, Dutch reason, input, output,
optional margins; without a margin a value must match exactly). See tests/cases/README.md.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from bekostiging.config.contract import year_fractions
from bekostiging.config.region import load_region
from bekostiging.model import startbudget
from bekostiging.model.variants import Demand, VariantResult, variant_from_config

CASES = Path(__file__).parent / "cases"
REQUIRED = ("name", "reason", "input", "output")
MARGINS = ("absolute_error_margin", "relative_error_margin")


def pay(demand: dict, **variant: Any) -> VariantResult:
    """``input.demand`` is the :class:`Demand`; the other keys are the variant's own fields."""
    return variant_from_config(variant).pay(Demand(**demand))


STEPS = ("step3_expected_clients", "step4_cost_per_client", "step5_local_policy")
STEPS += ("step6_regional_totals", "step7_price_factors")
FUNCTIONS = {"pay": pay, "year_fractions": year_fractions}
FUNCTIONS |= {name: getattr(startbudget, name) for name in STEPS}


@functools.cache
def region(name: str):
    return load_region(name)


def argument(key: str, value: Any) -> Any:
    """Plain YAML to model objects: tables, a region, its assumptions, a trend per segment."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return pd.DataFrame(value)  # a table, one mapping per row
    if key == "region":
        return region(value)
    if key == "params":  # the assumptions of a region, e.g. params: achterhoek
        return region(value).parameters
    if key == "trend":
        return pd.Series(value, dtype=float)
    return value


def outputs(result: Any) -> list[dict[str, Any]]:
    """The result as rows (one for a variant), each a mapping output name -> value."""
    if isinstance(result, VariantResult):
        return [{name: value.tolist() for name, value in vars(result).items()}]
    if isinstance(result, dict):  # year_fractions: {year: share}
        return [{"year": year, "share": share} for year, share in result.items()]
    return result.to_dict("records")


def margin(case: dict, kind: str, name: str) -> float:
    value = case.get(kind, 0.0)
    return value.get(name, 0.0) if isinstance(value, dict) else value


def run_case(function: str, case: dict) -> None:
    """Call the model function with the case's input and compare every expected output."""
    inputs = {key: argument(key, value) for key, value in case["input"].items()}
    actual = outputs(FUNCTIONS[function](**inputs))
    expected = case["output"] if isinstance(case["output"], list) else [case["output"]]
    where = f"case {case['name']!r}: {case['reason']}"
    assert len(actual) == len(expected), f"{where}\n{len(actual)} rows, expected {len(expected)}"
    for i, (got, want) in enumerate(zip(actual, expected, strict=True)):
        for name, value in want.items():
            assert name in got, f"{where}\nunknown output {name!r}; known: {', '.join(got)}"
            abs_, rel = (margin(case, kind, name) for kind in MARGINS)
            row = f" (row {i + 1})" if len(expected) > 1 else ""
            target = value if isinstance(value, str) else pytest.approx(value, rel=rel, abs=abs_)
            assert got[name] == target, (
                f"{where}\n{name}{row}: got {got[name]!r}, expected {value!r}"
            )


def case_files() -> list[tuple[Path, dict]]:
    paths = sorted(CASES.glob("*/*.yaml"))
    return [(path, yaml.safe_load(path.read_text(encoding="utf-8"))) for path in paths]


def all_cases() -> list:
    return [
        pytest.param(doc["function"], case, id=f"{path.stem}-{case['name']}")
        for path, doc in case_files()
        for case in doc["cases"]
    ]


@pytest.mark.parametrize(("function", "case"), all_cases())
def test_case(function, case):
    run_case(function, case)


def test_every_case_file_is_complete():
    assert {path.parent.name for path, _ in case_files()} == {"startbudget", "variants"}
    for path, doc in case_files():
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: header comment"
        assert doc["function"] in FUNCTIONS and doc["cases"], path.name
        names = [case.get("name") for case in doc["cases"]]
        assert len(set(names)) == len(names), f"{path.name}: duplicate case names"
        for case in doc["cases"]:
            assert set(REQUIRED) <= set(case) <= {*REQUIRED, *MARGINS}, (path.name, case)
            assert isinstance(case["reason"], str) and "\n" not in case["reason"].strip()
            assert case["input"] and case["output"], (path.name, case["name"])
            for value in (case.get(kind, 0.0) for kind in MARGINS):
                numbers = value.values() if isinstance(value, dict) else [value]
                assert all(isinstance(v, int | float) for v in numbers), (path.name, value)


WRONG = """
function: pay
cases:
  - name: fout_verwacht
    reason: Opzettelijk fout, 3 cliënten x € 900 is € 2.700 en niet € 2.701
    input: {variant: output, price_per_client: 900, demand: {clients: 3, units: 40, unit_cost: 60}}
    output: {municipality_spend: 2701}
"""


@pytest.mark.parametrize(
    "change",
    [
        {},  # the wrong value itself
        {"absolute_error_margin": 0.5},  # a margin smaller than the error
        {"relative_error_margin": {"municipality_spend": 0.0001}},  # 0.27 < 1
        {"output": {"municipality_spendd": 2700}},  # a typo in an output name
        {"output": [{"municipality_spend": 2700}] * 2},  # more rows than the result has
    ],
)
def test_a_wrong_expectation_fails_with_name_and_reason(change):
    case = {**yaml.safe_load(WRONG)["cases"][0], **change}
    with pytest.raises(AssertionError, match="'fout_verwacht': Opzettelijk fout"):
        run_case("pay", case)


@pytest.mark.parametrize(("column", "wrong"), [("index_factor", 1.321), ("segment", "gwv")])
def test_a_wrong_value_in_a_table_row_fails(column, wrong):
    doc = next(d for path, d in case_files() if path.stem == "step7_price_factors")
    case = doc["cases"][0]
    case["output"][2][column] = wrong
    with pytest.raises(AssertionError, match=rf"{column} \(row 3\)"):
        run_case(doc["function"], case)


def test_the_wrong_case_passes_once_corrected_or_within_its_margin():
    case = yaml.safe_load(WRONG)["cases"][0]
    run_case("pay", {**case, "output": {"municipality_spend": 2700}})
    run_case("pay", {**case, "absolute_error_margin": 1})
    run_case("pay", {**case, "relative_error_margin": {"municipality_spend": 0.001}})
