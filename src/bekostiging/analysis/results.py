"""The results file per municipality that the regional overview reads.

Each municipality run writes ``<output>/results/<code>.json``: its key figures (start budget per
segment and year, what each funding variant costs, the reserve it needs, its risks, the
allocation keys) and the settings and data checksums they rest on. Amounts are whole euros;
keys are sorted, so the same inputs give the same bytes. The regional overview refuses a file
made with other settings, so it never mixes runs.

>>> from bekostiging.config.settings import check_settings
>>> output_dir(check_settings()).relative_to(REPORTS_DIR).as_posix()
'achterhoek/peiljaar-2024'
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bekostiging.core.atomic import write_json
from bekostiging.core.paths import REPORTS_DIR

SCHEMA_VERSION = 1
COMPARED_SETTINGS = (
    "region",
    "reference_year",
    "contract_start",
    "contract_years",
    "scenario",
    "draws",
    "seed",
)


def output_dir(settings, root: Path = REPORTS_DIR) -> Path:
    """Deterministic output folder per region, reference year (and scenario)."""
    name = f"peiljaar-{settings.reference_year}"
    if settings.scenario:
        name += f"-{Path(settings.scenario).stem}"
    return root / settings.region / name


def _money(x: float) -> int | None:
    """Whole euros; None where there is no figure (e.g. no benchmark for a new municipality)."""
    x = float(x)
    return int(round(x)) if np.isfinite(x) else None


def _round(x: float, digits: int) -> float | None:
    """Rounded to ``digits``; None where there is no figure."""
    x = float(x)
    return round(x, digits) if np.isfinite(x) else None


def municipality_results(view) -> dict[str, Any]:
    """The key figures of one municipality as plain JSON-able data."""
    a = view.analysis
    sb = view.start_budget()
    per_segment = {
        seg: {str(int(y)): _money(v) for y, v in g.groupby("year")["budget"].sum().items()}
        for seg, g in sb.groupby("segment", sort=False)
    }
    per_year = {str(int(y)): _money(v) for y, v in sb.groupby("year")["budget"].sum().items()}
    first = a.first_full_year
    variants = view.variant_summary(years=[first])
    decided = view.decided_quantiles().loc[first]
    cap = view.capacity()
    risks = view.risks()
    alloc = {}
    for label, segs in (
        ("jeugd", [s.id for s in a.region.procured_segments() if s.domain == "jeugd"]),
        ("wmo", [s.id for s in a.region.procured_segments() if s.domain == "wmo"]),
    ):
        if not segs:  # the region does not buy this domain jointly
            alloc[label] = {}
            continue
        t = view.allocation(segs)
        t = t[t["gemeentecode"] == view.code]
        alloc[label] = {k: _money(v) for k, v in zip(t["key"], t["amount"])}
    bench = view.benchmark()
    bench = bench[bench["gemeentecode"] == view.code]
    return {
        "schema": SCHEMA_VERSION,
        "settings": {k: v for k, v in asdict(a.settings).items() if k != "municipality"}
        | {"scenario": Path(a.settings.scenario).name if a.settings.scenario else None},
        "gemeentecode": view.code,
        "gemeente": view.name,
        "inhabitants": _money(a.population_now[view.code]),
        "first_full_year": first,
        "start_budget": {
            "per_year": per_year,
            "per_segment": per_segment,
            "first_full_year": _money(sb[sb["year"] == first]["budget"].sum()),
            "contract_total": _money(sb["budget"].sum()),
        },
        "variants": {
            k: {
                "p10": _money(r["p10"]),
                "p50": _money(r["p50"]),
                "p90": _money(r["p90"]),
                "provider_loss_chance": round(float(r["provider_loss_chance"]), 4),
            }
            for k, r in variants.iterrows()
        },
        "decided": {
            "p10": _money(decided["p10"]),
            "p50": _money(decided["p50"]),
            "p90": _money(decided["p90"]),
            "budget": _money(decided["budget"]),
        },
        "reserve": {
            "year": int(cap["year"]),
            "required": _money(cap["required"]),
            "required_worst": _money(cap["required_worst"]),
            "available": _money(cap["available"]),
            "ratio": round(float(cap["ratio"]), 3),
            "rating": str(cap["rating"]),
            "worst_year": int(cap["worst_year"]),
            "ratio_worst": round(float(cap["ratio_worst"]), 3),
            "rating_worst": str(cap["rating_worst"]),
            "required_gross": _money(cap["required_gross"]),
            "required_worst_gross": _money(cap["required_worst_gross"]),
            "rating_gross": str(cap["rating_gross"]),
            "rating_worst_gross": str(cap["rating_worst_gross"]),
            "available_basis": str(cap["available_basis"]),
        },
        "risks": [
            {
                "risk": r["risk"],
                "chance_pct": round(100.0 * float(r["chance"]), 1),
                "impact": _money(r["impact"]),
                "expected": _money(r["expected"]),
            }
            for _, r in risks.iterrows()
        ],
        "allocation": alloc,
        "advice": {
            s.segment: {
                "decided": s.decided,
                "advised": s.variant.choice,
                "corridor": None if s.corridor is None else s.corridor.choice,
                "measure": s.measure.get("measure"),
                "measure_amount": _money(s.measure.get("amount", 0.0)),
            }
            for s in view.advice().segments
        },
        "affordability": {
            r["domain"]: {
                "own_budget": _money(r["own_budget"]),
                "start_budget": _money(r["start_budget"]),
                "p90": _money(r["p90"]),
                "gap_start": _money(r["gap_start"]),
                "gap_p90": _money(r["gap_p90"]),
            }
            for _, r in view.affordability().query("year == @first").iterrows()
        },
        "transition_cost": _money(view.transition()[1]["decided_cost"]),
        "benchmark": {
            d: {
                "per_relevant_inhabitant": _money(g["per_relevant_inhabitant"].iloc[0]),
                "percentile": _round(g["percentile"].iloc[0], 1),
            }
            for d, g in bench.groupby("domain")
        },
        "data": a.provenance()["data"],
        "fingerprint": a.fingerprint(),
    }


def results_path(folder: Path, code: str) -> Path:
    """Where the results file of one municipality goes: ``<folder>/results/<code>.json``."""
    return Path(folder) / "results" / f"{code}.json"


def write_results(view, folder: Path) -> Path:
    """Write the results file of one municipality (atomically)."""
    return write_json(results_path(folder, view.code), municipality_results(view))


def read_results(
    folder: Path, codes: list[str], expected_fingerprint: str | None = None
) -> tuple[dict[str, dict], list[str]]:
    """Read the results files of ``codes``. Returns the usable ones, and the codes whose file
    is missing, unreadable or made from other settings, data, assumptions or code (stale)."""
    out, redo = {}, []
    for code in codes:
        path = results_path(folder, code)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            redo.append(code)
            continue
        if (
            data.get("schema") != SCHEMA_VERSION
            or data.get("gemeentecode") != code
            or (expected_fingerprint and data.get("fingerprint") != expected_fingerprint)
        ):
            redo.append(code)
            continue
        out[code] = data
    return out, redo


def ensure_results(analysis, folder: Path) -> dict[str, dict]:
    """Results of every current municipality: read what the batch wrote, compute the rest.

    A file that is missing or stale (other settings, data, assumptions or model code than this
    analysis) is computed here; that gives the same figures as a municipality run with the same
    settings and seed, so the overview can also be opened on its own.
    """
    codes = analysis.region.current_codes()
    have, redo = read_results(folder, codes, analysis.fingerprint())
    for code in redo:
        write_results(analysis.municipality(code), folder)
        have[code] = json.loads(results_path(folder, code).read_text(encoding="utf-8"))
    return {c: have[c] for c in codes}


def results_frame(results: dict[str, dict]) -> pd.DataFrame:
    """One row per municipality with the key figures (numbers, for tables and the map)."""
    rows = []
    for code, r in results.items():
        rows.append(
            {
                "gemeentecode": code,
                "gemeente": r["gemeente"],
                "inhabitants": r["inhabitants"],
                "start_budget": r["start_budget"]["first_full_year"],
                "contract_total": r["start_budget"]["contract_total"],
                "per_inhabitant": r["start_budget"]["first_full_year"] / r["inhabitants"],
                "decided_p50": r["decided"]["p50"],
                "decided_p90": r["decided"]["p90"],
                "reserve_required": r["reserve"]["required"],
                "reserve_available": r["reserve"]["available"],
                "reserve_ratio": r["reserve"]["ratio"],
                "rating": r["reserve"]["rating"],
                "rating_worst": r["reserve"].get("rating_worst"),
                "worst_year": r["reserve"].get("worst_year"),
            }
        )
    f = pd.DataFrame(rows)
    f["per_inhabitant"] = f["per_inhabitant"].astype(float)
    f["share"] = f["start_budget"] / f["start_budget"].sum()
    return f


def check_totals(results: dict[str, dict], regional_first_year_total: float) -> pd.DataFrame:
    """The region's start budget against the sum of the municipalities' results files."""
    total = float(np.sum([r["start_budget"]["first_full_year"] for r in results.values()]))
    return pd.DataFrame(
        {
            "regional_calculation": [regional_first_year_total],
            "sum_of_municipalities": [total],
            "difference": [total - regional_first_year_total],
        }
    )


def slug(name: str) -> str:
    """A file-name-safe lower-case name.

    >>> slug("Oude IJsselstreek"), slug("Bergen (NH.)")
    ('oude-ijsselstreek', 'bergen-nh')
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def report_stem(code: str, name: str) -> str:
    """Deterministic file stem of a municipality's report, e.g. ``gemeente_GM0197_aalten``."""
    return f"gemeente_{code}_{slug(name)}"
