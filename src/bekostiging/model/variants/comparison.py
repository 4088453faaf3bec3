"""Variants side by side: what each pays for one demand, and who carries which risk.

Both tables hold numbers and stable keys only; :mod:`bekostiging.report.text.variants` turns
them into the Dutch tables of the reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import pandas as pd


def compare_outcomes(demand: Any, variants: Mapping[str, Any]) -> pd.DataFrame:
    """One row per variant: its key, totals over all array elements and the mean cost share.

    >>> from bekostiging.model.variants import PQ, Demand, Lumpsum
    >>> d = Demand(clients=[1, 1], units=[10, 30], unit_cost=10.0)  # cost 100 + 300
    >>> t = compare_outcomes(d, {"pq": PQ(tariff=10.0), "lumpsum": Lumpsum(budget=150.0)})
    >>> t[["key", "municipality_spend", "provider_result"]]
                 key  municipality_spend  provider_result
    variant
    pq            pq               400.0              0.0
    lumpsum  lumpsum               300.0           -100.0
    >>> t["mean_municipality_cost_share"].tolist()
    [1.0, 0.0]
    """
    rows = []
    for variant in variants.values():
        r = variant.pay(demand)
        rows.append(
            {
                "key": variant.key,
                "municipality_spend": float(r.municipality_spend.sum()),
                "provider_cost": float(r.provider_cost.sum()),
                "provider_result": float(r.provider_result.sum()),
                "settlement_flow": float(r.settlement_flow.sum()),
                "mean_municipality_cost_share": float(r.municipality_cost_share.mean()),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(list(variants), name="variant"))


def risk_carriers(variants: Mapping[str, Any]) -> pd.DataFrame:
    """Who carries volume, intensity and population risk: one row per variant (index = the
    mapping's keys), column ``key`` the variant's key, cells ``municipality``, ``provider`` or
    ``shared``.

    >>> from bekostiging.model.variants import PQ, Lumpsum, Settlement
    >>> risk_carriers({"pq": PQ(tariff=65.0), "lumpsum": Lumpsum(1e6, Settlement("full"))})
                 key        volume     intensity    population
    variant
    pq            pq  municipality  municipality  municipality
    lumpsum  lumpsum  municipality  municipality  municipality
    """
    rows = [{"key": v.key, **asdict(v.carriers())} for v in variants.values()]
    return pd.DataFrame(rows, index=pd.Index(list(variants), name="variant"))
