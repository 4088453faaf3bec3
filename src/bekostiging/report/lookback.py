"""Chapter 7 of both reports: the backtest, how reliable were budgets?

The model computed with only what was known in the backtest year, beside the actual spend and
the municipalities' own primary budgets; for one municipality and for the region.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.report.charts import (
    OKABE_ITO,
    ReportFigure,
    fan_chart,
    new_figure,
)
from bekostiging.report.formatting import euro, percent
from bekostiging.report.labels import (
    DOMAIN_LABELS,
    DOMAIN_WORDS,
)
from bekostiging.report.summary import key_figures
from bekostiging.report.tables import (
    ReportTable,
    above_below,
    markdown,
    table,
    yes_no,
)
from bekostiging.report.text.backtest import backtest_with_names


def _backtest_frame(t: pd.DataFrame) -> pd.DataFrame:
    """Backtest rows with Dutch headers (numbers)."""
    return pd.DataFrame(
        {
            "Gemeente": t["gemeente"].to_numpy(),
            "Domein": t["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Jaar": t["year"].astype(int).astype(str).to_numpy(),
            "Werkelijk (€)": t["actual"].to_numpy(dtype=float),
            "Primaire begroting (€)": t["budget"].to_numpy(dtype=float),
            "Model P10 (€)": t["p10"].to_numpy(dtype=float),
            "Model P50 (€)": t["p50"].to_numpy(dtype=float),
            "Model P90 (€)": t["p90"].to_numpy(dtype=float),
            "Afwijking P50": t["error_p50"].to_numpy(dtype=float),
            "Afwijking begroting": t["error_budget"].to_numpy(dtype=float),
            "Binnen P10-P90": t["inside"].map(yes_no).to_numpy(),
        }
    )


_BACKTEST_FORMATS = {
    "Werkelijk (€)": euro,
    "Primaire begroting (€)": euro,
    "Model P10 (€)": euro,
    "Model P50 (€)": euro,
    "Model P90 (€)": euro,
    "Afwijking P50": partial(percent, signed=True),
    "Afwijking begroting": partial(percent, signed=True),
}


def _backtest_caption(analysis) -> str:
    """The caption of the backtest tables."""
    y = analysis.settings.backtest_year
    return (
        f"Terugblik: het model gerekend met alleen wat in {y} bekend was (peiljaar {y}), naast "
        "de werkelijke uitgaven (Iv3-jaarrekening) en de eigen primaire begroting (Iv3-"
        "begroting) per domein. Afwijking = t.o.v. de werkelijke uitgaven (negatief = te laag "
        "ingeschat). De modeluitkomsten zijn een schatting."
    )


def backtest_table(view) -> ReportTable:
    """The backtest for the municipality and the region: model P50 vs actual vs budget."""
    t = backtest_with_names(view.backtest(), view.analysis.region)
    t = t.assign(_regio=t["gemeentecode"] == "regio").sort_values(
        ["_regio", "domain", "year"], kind="stable"
    )
    return table(_backtest_frame(t), _BACKTEST_FORMATS, caption=_backtest_caption(view.analysis))


def backtest_figure(view) -> ReportFigure:
    """Per domain: the model's P10-P90 and P50 as of the backtest year, actuals and budgets."""
    t = view.backtest()
    t = t[t["gemeentecode"] == view.code]
    domains = list(dict.fromkeys(t["domain"]))
    fig = new_figure((8.0, 4.8))
    axes = fig.subplots(1, len(domains), squeeze=False)[0]
    for ax, d in zip(axes, domains, strict=True):
        g = t[t["domain"] == d].sort_values("year")
        years = g["year"].astype(int).to_numpy()
        fan_chart(
            years,
            g["p10"].to_numpy(dtype=float),
            g["p50"].to_numpy(dtype=float),
            g["p90"].to_numpy(dtype=float),
            label="Model",
            ax=ax,
            color=OKABE_ITO[0],
            ylabel="Uitgaven (€)" if ax is axes[0] else "",
        )
        ax.plot(years, g["actual"], "o", color="black", label="Werkelijk")
        ax.plot(years, g["budget"], "s", color=OKABE_ITO[3], label="Primaire begroting")
        ax.set_title(DOMAIN_LABELS.get(d, d))
        ax.get_legend().remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    fig.suptitle(
        f"Terugblik {view.name}: model vanaf {view.analysis.settings.backtest_year} tegen "
        "werkelijkheid en begroting",
        fontweight="bold",
        x=0.02,
        ha="left",
    )
    return fig


def backtest_text(view) -> Markdown:
    """What the backtest says about the reliability of budgets, for this municipality."""
    k = key_figures(view)
    budget = " en ".join(
        f"{above_below(b)} de werkelijke uitgaven voor {DOMAIN_WORDS.get(d, d)}"
        for d, b in k["region_budget_bias"].items()
    )
    model = " en ".join(
        f"{above_below(b)} ({DOMAIN_WORDS.get(d, d)})" for d, b in k["region_p50_bias"].items()
    )
    return markdown(
        [
            f"Voor {view.name} lag de middelste uitkomst van het model gemiddeld "
            f"{percent(k['backtest_error_p50'])} naast de werkelijke uitgaven (in absolute zin), "
            f"de eigen primaire begroting {percent(k['backtest_error_budget'])}. De werkelijke "
            f"uitgaven vielen in {k['backtest_inside']} van de {k['backtest_n']} "
            "combinaties van jaar en domein binnen de band P10-P90. Voor de regio als geheel "
            f"lag de primaire begroting gemiddeld {budget}; de middelste uitkomst van het model "
            f"lag {model}. Voor een afzonderlijke gemeente is de spreiding groot: reken met de "
            "band, niet met één getal."
        ]
    )


def region_backtest_table(analysis) -> ReportTable:
    """Backtest summary per domain for the region's municipalities."""
    s = analysis.backtest.summary()
    out = pd.DataFrame(
        {
            "Domein": [DOMAIN_LABELS.get(d, d) for d in s.index],
            "Gem. absolute afwijking model P50": s["mae_p50"].to_numpy(dtype=float),
            "Gem. absolute afwijking begroting": s["mae_budget"].to_numpy(dtype=float),
            "Gem. afwijking model P50": s["mean_error_p50"].to_numpy(dtype=float),
            "Gem. afwijking begroting": s["mean_error_budget"].to_numpy(dtype=float),
            "Werkelijk binnen P10-P90": s["coverage_p10_p90"].to_numpy(dtype=float),
            "Aantal (gemeente x jaar)": s["n"].to_numpy(),
        }
    )
    signed = partial(percent, signed=True)
    return table(
        out,
        {
            "Gem. absolute afwijking model P50": percent,
            "Gem. absolute afwijking begroting": percent,
            "Gem. afwijking model P50": signed,
            "Gem. afwijking begroting": signed,
            "Werkelijk binnen P10-P90": partial(percent, decimals=0),
        },
        caption=_backtest_caption(analysis)
        + " Samenvatting over de gemeenten van de regio; bij een goed gekalibreerd model valt "
        "ongeveer 80% binnen P10-P90.",
    )


def region_backtest_rows(analysis) -> ReportTable:
    """The backtest rows of the region as a whole."""
    t = backtest_with_names(analysis.backtest.table, analysis.region)
    t = t[t["gemeentecode"] == "regio"].sort_values(["domain", "year"])
    return table(_backtest_frame(t), _BACKTEST_FORMATS, caption=_backtest_caption(analysis))
