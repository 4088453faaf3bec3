"""Dutch labels of the behaviour parameters and the tornado chart of
:func:`bekostiging.model.sensitivity.tornado_table`.

>>> from bekostiging.model.sensitivity import tornado_table
>>> t = dutch_tornado_table(tornado_table("iaj", "lumpsum", "unmet_need", n_clients=500,
...                         parameters=["behaviour.acceptance.tolerance"]))
>>> t[["parameter", "label"]].values.tolist()
[['behaviour.acceptance.tolerance', 'Aanvaard verlies op één cliënt']]
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bekostiging.report.charts import tornado

AXIS_LABELS: dict[str, tuple[str, str]] = {
    # outcome key of model.sensitivity.OUTCOMES: (Dutch axis label, value format of tornado)
    "spend": ("Uitgaven gemeente per cliënt met zorgvraag", "euro"),
    "unmet_need": ("Onvervulde zorgvraag (aandeel doelmatige zorg)", "percent"),
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
    "behaviour.routes.duty_of_care_share": "Wachtenden geholpen via zorgplicht (pgb, elders)",
    "behaviour.routes.dropout_share": "Wachtenden die afhaken",
    "behaviour.routes.noncontracted_cost_ratio": "Kosten zorg buiten contract t.o.v. contract",
    "behaviour.routes.voorliggend_cost_ratio": "Kosten voorliggend veld t.o.v. maatwerk",
    "behaviour.need.cv_scale": "Spreiding van de zorgvraag",
    "behaviour.need.caseload_cv": "Schommeling caseload per aanbieder",
    "behaviour.duration.response_share": "Deel van de reactie via trajectduur",
    "behaviour.upcoding.max_share": "Grijze zone tussen producten (upcoding)",
}
"""Parameter name -> Dutch label of its tornado row (unknown names keep their name)."""


def dutch_tornado_table(table: pd.DataFrame) -> pd.DataFrame:
    """A tornado table (or the long ``sensitivity`` table) with the Dutch ``label`` column
    after ``parameter``; a table that has one already is returned as it is."""
    if "label" in table.columns:
        return table
    out = table.copy()
    out.insert(1, "label", [PARAMETER_LABELS.get(n, n) for n in table["parameter"]])
    return out


def tornado_plot(
    table: pd.DataFrame,
    outcome: str = "spend",
    *,
    title: str | None = None,
    top: int | None = 10,
    ax: Axes | None = None,
) -> Figure:
    """The house tornado chart (:func:`bekostiging.report.charts.tornado`) of a tornado table.

    >>> from bekostiging.model.sensitivity import tornado_table
    >>> t = tornado_table("iaj", "pq", "spend", n_clients=500,
    ...                   parameters=["behaviour.payment.tariff_markup",
    ...                               "behaviour.provider.intensity_cap"])
    >>> fig = tornado_plot(t, "spend", title="IAJ, p*q")
    >>> len(fig.axes[0].get_yticklabels())
    2
    """
    if outcome not in AXIS_LABELS:
        raise ValueError(f"unknown outcome {outcome!r}; valid outcomes: {', '.join(AXIS_LABELS)}")
    xlabel, fmt = AXIS_LABELS[outcome]
    data = dutch_tornado_table(table).sort_values("swing", ascending=False, kind="stable")
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
