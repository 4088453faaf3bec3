"""One-at-a-time sensitivity of the behaviour model: tornado tables and charts per variant.

Why: most behaviour parameters are judgements (``source: estimate``). The tornado shows which
of them move the answer, so that the reports say where a better figure would matter.

Each parameter of ``behaviour.yaml`` that has a ``range`` and feeds the model (see
:data:`bekostiging.model.behaviour.PARAMETER_OF`) is set to its low and to its high value while all
others stay at their base; the simulation is re-run with the same clients (same seed), so the
differences come from the parameter alone. Outcomes (:data:`OUTCOMES`):

- ``spend``: municipality spend per client with a care need, in euros (total spend is this
  times the number of clients, so the tornado of the total has the same shape);
- ``unmet_need``: share of the efficient care of all clients in need that is not delivered
  (refusals, waiting, under-provision).

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
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bekostiging.config.parameters import Parameters
from bekostiging.model.behaviour import (
    _PER_SEGMENT,
    PARAMETER_OF,
    SEED,
    load_behaviour_parameters,
    payment_rule,
    segment_inputs,
    segment_summary,
)
from bekostiging.model.variants import VARIANTS
from bekostiging.report.charts import tornado

OUTCOMES: dict[str, tuple[str, str, str]] = {
    # key: (summary field, Dutch axis label, value format of style.tornado)
    "spend": ("spend_per_client_eur", "Uitgaven gemeente per cliënt met zorgvraag", "euro"),
    "unmet_need": ("unmet_need", "Onvervulde zorgvraag (aandeel doelmatige zorg)", "percent"),
}

PARAMETER_LABELS: dict[str, str] = {
    "behaviour.provider.benefit_weight": "Gewicht cliëntbelang aanbieder (alpha)",
    "behaviour.provider.benefit_ratio": "Kromming van de baten van zorg (k)",
    "behaviour.provider.intensity_cap": "Indicatieplafond (zorg t.o.v. doelmatig)",
    "behaviour.provider.intensity_floor": "Minimale zorg per cliënt (professionele norm)",
    "behaviour.payment.tariff_markup": "Tarief t.o.v. marginale kosten",
    "behaviour.payment.budget_ratio": "Budget t.o.v. doelmatige kosten",
    "behaviour.payment.output_price_ratio": "Trajectprijs t.o.v. doelmatige kosten",
    "behaviour.supply_elasticity": "Aanbodelasticiteit p*q",
    "behaviour.acceptance.outside_option": "Baat van een geweigerde cliënt elders",
    "behaviour.acceptance.tolerance": "Aanvaard verlies op één cliënt",
    "behaviour.budget.pressure_slope": "Reactie op dreigend verlies (budgetdruk)",
    "behaviour.budget.loss_tolerance": "Reserve voordat een wachtlijst begint",
    "behaviour.risk_adjustment.selection_reduction": "Werking risicoverevening",
    "behaviour.referral.shift_share": "Aandeel geweigerden naar ander domein",
    "behaviour.referral.return_delay_weeks": "Wachttijd na doorverwijzing (weken)",
    "behaviour.need.cv_scale": "Spreiding van de zorgvraag",
    "behaviour.need.caseload_cv": "Schommeling caseload per aanbieder",
    "behaviour.duration.response_share": "Deel van de reactie via trajectduur",
    "behaviour.upcoding.max_share": "Grijze zone tussen producten (upcoding)",
}


def ranged_parameters(params: Parameters | None = None) -> list[str]:
    """Names of the model's scalar parameters that have a ``range`` (the tornado's rows).

    >>> "behaviour.payment.budget_ratio" in ranged_parameters()
    True
    """
    p = load_behaviour_parameters() if params is None else params
    field_of = {name: f for f, name in PARAMETER_OF.items() if f not in _PER_SEGMENT}
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

    Columns: ``parameter`` (name), ``label`` (Dutch), ``low``, ``high``, ``base`` (outcomes),
    ``low_value``, ``high_value``, ``base_value`` (the parameter), ``swing`` (``|high - low|``),
    ``unit`` and ``source`` of the parameter; sorted by swing, widest first. ``variant`` and
    ``options`` as in :func:`bekostiging.model.behaviour.behavioural_response`.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; valid outcomes: {', '.join(OUTCOMES)}")
    key = OUTCOMES[outcome][0]
    p = load_behaviour_parameters(region_params) if params is None else params
    inputs = segment_inputs(segment, p, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    base = segment_summary(inputs, rule, n_clients, seed)[key]
    field_of = {name: f for f, name in PARAMETER_OF.items()}
    names = ranged_parameters(p) if parameters is None else list(parameters)
    rows = []
    for name in names:
        par = p.param(name)
        if name not in field_of or field_of[name] in _PER_SEGMENT or par.range is None:
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
                "label": PARAMETER_LABELS.get(name, name),
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


def tornado_plot(
    table: pd.DataFrame,
    outcome: str = "spend",
    *,
    title: str | None = None,
    top: int | None = 10,
    ax: Axes | None = None,
) -> Figure:
    """The house tornado chart (:func:`bekostiging.report.charts.tornado`) of a :func:`tornado_table`.

    >>> t = tornado_table("iaj", "pq", "spend", n_clients=500,
    ...                   parameters=["behaviour.payment.tariff_markup",
    ...                               "behaviour.provider.intensity_cap"])
    >>> fig = tornado_plot(t, "spend", title="IAJ, p*q")
    >>> len(fig.axes[0].get_yticklabels())
    2
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; valid outcomes: {', '.join(OUTCOMES)}")
    _, xlabel, fmt = OUTCOMES[outcome]
    data = table.sort_values("swing", ascending=False, kind="stable")
    if top is not None:
        data = data.head(top)
    return tornado(
        data,
        parameter="label",
        low="low",
        high="high",
        base="base",
        title=title,
        xlabel=xlabel,
        ax=ax,
        value_format=fmt,
    )
