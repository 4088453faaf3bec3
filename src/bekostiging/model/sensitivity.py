"""One-at-a-time sensitivity of the behaviour model: tornado tables per variant (numbers).

Why: most behaviour parameters are judgements (``source: estimate``). The tornado shows which
of them move the answer, so that the reports say where a better figure would matter.

Each parameter of ``behaviour.yaml`` that has a ``range`` and feeds the model (see
:data:`bekostiging.model.behaviour.PARAMETER_OF`) is set to its low and to its high value while all
others stay at their base; the simulation is re-run with the same clients (same seed), so the
differences come from the parameter alone. Outcomes (:data:`OUTCOMES`):

- ``spend``: municipality spend per client with a care need, in euros (total spend is this
  times the number of clients, so the tornado of the total has the same shape);
- ``unmet_need``: share of the efficient care of all clients in need that is not delivered
  (care short of need, lighter help in the voorliggend veld, clients who give up waiting;
  refused and waiting clients who are served elsewhere or later count as served, see
  :meth:`bekostiging.model.behaviour.Simulation.routes`).

The Dutch parameter labels and the tornado chart are in
:mod:`bekostiging.report.text.sensitivity`.

>>> t = tornado_table("iaj", "lumpsum", "unmet_need", n_clients=1_000,
...                   parameters=["behaviour.acceptance.tolerance"])
>>> t[["parameter", "low_value", "high_value"]].values.tolist()
[['behaviour.acceptance.tolerance', 0.5, 2.0]]
>>> bool(t["low"].item() >= t["high"].item())  # a lower tolerance refuses more clients
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pandas as pd

from bekostiging.config.parameters import Parameters
from bekostiging.model.behaviour import (
    PARAMETER_OF,
    PER_SEGMENT,
    SEED,
    load_behaviour_parameters,
    payment_rule,
    segment_inputs,
    segment_summary,
)
from bekostiging.model.variants import VARIANTS

OUTCOMES: dict[str, str] = {"spend": "spend_per_client_eur", "unmet_need": "unmet_need"}
"""Outcome key -> the field of the behaviour model's segment summary."""


def ranged_parameters(params: Parameters | None = None) -> list[str]:
    """Names of the model's scalar parameters that have a ``range`` (the tornado's rows).

    >>> "behaviour.payment.budget_ratio" in ranged_parameters()
    True
    """
    p = load_behaviour_parameters() if params is None else params
    field_of = {name: f for f, name in PARAMETER_OF.items() if f not in PER_SEGMENT}
    return [n for n in p.names("behaviour.") if n in field_of and p.param(n).range is not None]


def tornado_table(
    segment: Any,
    variant: Any,
    outcome: str = "spend",
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    parameters: Iterable[str] | None = None,
    domain: str | None = None,
    n_clients: int = 5_000,
    seed: int = SEED,
    **options: Any,
) -> pd.DataFrame:
    """One row per parameter: the outcome at the parameter's low and high value and the base.

    Columns: ``parameter`` (name), ``low``, ``high``, ``base`` (outcomes),
    ``low_value``, ``high_value``, ``base_value`` (the parameter), ``swing`` (``|high - low|``),
    ``unit`` and ``source`` of the parameter; sorted by swing, widest first. ``variant`` and
    ``options`` as in :func:`bekostiging.model.behaviour.behavioural_response`. The Dutch
    ``label`` column: :func:`bekostiging.report.text.sensitivity.dutch_tornado_table`.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; valid outcomes: {', '.join(OUTCOMES)}")
    key = OUTCOMES[outcome]
    p = load_behaviour_parameters(region_params) if params is None else params
    inputs = segment_inputs(segment, p, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    base = segment_summary(inputs, rule, n_clients, seed)[key]
    field_of = {name: f for f, name in PARAMETER_OF.items()}
    names = ranged_parameters(p) if parameters is None else list(parameters)
    rows = []
    for name in names:
        par = p.param(name)
        if name not in field_of or field_of[name] in PER_SEGMENT or par.range is None:
            raise ValueError(
                f"{name!r} is not a scalar model parameter with a range; "
                f"choose from: {', '.join(ranged_parameters(p))}"
            )
        f = field_of[name]
        lo, hi = par.range
        out = {}
        for side, value in (("low", lo), ("high", hi)):
            changed = replace(inputs, **{f: float(value)})
            out[side] = segment_summary(changed, rule, n_clients, seed)[key]
        rows.append(
            {
                "parameter": name,
                "low": out["low"],
                "high": out["high"],
                "base": base,
                "low_value": lo,
                "high_value": hi,
                "base_value": getattr(inputs, f),
                "swing": abs(out["high"] - out["low"]),
                "unit": par.unit,
                "source": par.source,
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def sensitivity(
    segment: Any,
    variants: Iterable[Any] = tuple(VARIANTS),
    outcomes: Iterable[str] = tuple(OUTCOMES),
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    parameters: Iterable[str] | None = None,
    domain: str | None = None,
    n_clients: int = 5_000,
    seed: int = SEED,
) -> pd.DataFrame:
    """:func:`tornado_table` for several variants and outcomes in one long table (with
    ``variant`` and ``outcome`` columns), for notebooks.

    >>> t = sensitivity("wmo_pv", ["pq"], ["spend"], n_clients=500,
    ...                 parameters=["behaviour.payment.tariff_markup"])
    >>> t[["variant", "outcome", "parameter"]].values.tolist()
    [['pq', 'spend', 'behaviour.payment.tariff_markup']]
    """
    names = None if parameters is None else list(parameters)
    frames = []
    for v in variants:
        for outcome in outcomes:
            t = tornado_table(
                segment,
                v,
                outcome,
                params,
                region_params,
                parameters=names,
                domain=domain,
                n_clients=n_clients,
                seed=seed,
            )
            frames.append(t.assign(variant=payment_rule(v).kind, outcome=outcome))
    return pd.concat(frames, ignore_index=True)
