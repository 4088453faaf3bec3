"""Chapter 7 of both reports: the backtest, how reliable were budgets?

The model computed with only what was known in the backtest year, beside the actual spend and
the municipalities' own primary budgets; for one municipality and for the region.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from IPython.display import Markdown

from bekostiging.model.backtest import REGION_ROW
from bekostiging.report.charts import (
    OKABE_ITO,
    ReportFigure,
    fan_chart,
    new_figure,
)
from bekostiging.report.evaluation import FORECASTER_LABELS, SCOPE_LABELS, SHORT_LABELS
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

NOT_COMPARED = "niet vergeleken"
MISSING_ACTUAL = "geen jaarrekening"


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
            "Binnen P10-P90": [
                NOT_COMPARED if pd.isna(x) else yes_no(bool(x)) for x in t["inside"]
            ],
        }
    )


def _signed_or_not_compared(x) -> str:
    """A signed percentage, or "niet vergeleken" where there is nothing to compare with."""
    return (
        NOT_COMPARED
        if x is None or (isinstance(x, float) and np.isnan(x))
        else percent(x, 1, signed=True)
    )


def _euro_or_missing(x) -> str:
    """An amount, or "geen jaarrekening" where a municipality filed none (a missing year)."""
    return MISSING_ACTUAL if x is None or (isinstance(x, float) and np.isnan(x)) else euro(x)


_BACKTEST_FORMATS = {
    "Werkelijk (€)": _euro_or_missing,
    "Primaire begroting (€)": euro,
    "Model P10 (€)": euro,
    "Model P50 (€)": euro,
    "Model P90 (€)": euro,
    "Afwijking P50": _signed_or_not_compared,
    "Afwijking begroting": _signed_or_not_compared,
}


def _backtest_caption(analysis) -> str:
    """The caption of the backtest tables."""
    y = analysis.settings.backtest_year
    return (
        f"Terugblik: het model gerekend met alleen wat in {y} bekend was (peiljaar {y}), naast "
        "de werkelijke uitgaven (Iv3-jaarrekening) en de eigen primaire begroting (Iv3-"
        "begroting) per domein. Afwijking = t.o.v. de werkelijke uitgaven (negatief = te laag "
        "ingeschat). Een jaar zonder jaarrekening van een gemeente is niet vergeleken (geen "
        "misser); de regio telt dat jaar dan ook niet mee. De modeluitkomsten zijn een schatting."
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
            "Gem. absolute afwijking model P50, per gemeente": s["mae_p50"].to_numpy(dtype=float),
            "Gem. absolute afwijking begroting, per gemeente": s["mae_budget"].to_numpy(
                dtype=float
            ),
            "Gem. afwijking model P50, per gemeente": s["mean_error_p50"].to_numpy(dtype=float),
            "Gem. afwijking begroting, per gemeente": s["mean_error_budget"].to_numpy(dtype=float),
            "Werkelijk binnen P10-P90": s["coverage_p10_p90"].to_numpy(dtype=float),
            "Aantal (gemeente x jaar)": s["n"].to_numpy(),
        }
    )
    if "not_compared" in s and s["not_compared"].sum() > 0:
        out["Niet vergeleken (geen jaarrekening)"] = s["not_compared"].to_numpy()
    signed = partial(percent, signed=True)
    return table(
        out,
        {
            "Gem. absolute afwijking model P50, per gemeente": percent,
            "Gem. absolute afwijking begroting, per gemeente": percent,
            "Gem. afwijking model P50, per gemeente": signed,
            "Gem. afwijking begroting, per gemeente": signed,
            "Werkelijk binnen P10-P90": partial(percent, decimals=0),
        },
        caption=_backtest_caption(analysis)
        + " Samenvatting over de gemeenten van de regio: het gemiddelde van de afwijkingen "
        "per gemeente en jaar. Dat is een ander getal dan de afwijking van de regio als geheel "
        "(de som van de gemeenten, in de tabel hierna en in de gemeenterapporten): een gemeente "
        "die te hoog en een die te laag is ingeschat, heffen elkaar in de som op. Bij een goed "
        "gekalibreerd model valt ongeveer 80% binnen P10-P90.",
    )


def region_backtest_rows(analysis) -> ReportTable:
    """The backtest rows of the region as a whole."""
    t = backtest_with_names(analysis.backtest.table, analysis.region)
    t = t[t["gemeentecode"] == "regio"].sort_values(["domain", "year"])
    return table(_backtest_frame(t), _BACKTEST_FORMATS, caption=_backtest_caption(analysis))


EVALUATION_SCOPES = ("youth", "wmo", "access", "total")


def _evaluation_rows(analysis, units: list[str]) -> pd.DataFrame:
    """One row per unit, scope and year: the model's P50 and band, the actual and each error."""
    e = analysis.evaluation
    e = e.loc[e["unit"].isin(units) & e["scope"].isin(EVALUATION_SCOPES)]
    error = (e["p50"] / e["actual"] - 1.0).where(e["actual"] > 0)
    wide = e.assign(error=error).pivot_table(
        index=["unit", "scope", "year"], columns="forecaster", values="error", dropna=False
    )
    model = e.loc[e["forecaster"] == "model"].set_index(["unit", "scope", "year"])
    wide["p10"], wide["p50"], wide["p90"] = model["p10"], model["p50"], model["p90"]
    wide["actual"] = model["actual"]
    return wide.reset_index()


def _display_rows(rows: pd.DataFrame, names: dict[str, str], scope: bool) -> pd.DataFrame:
    """Dutch display rows: unit, (scope), year, model P50, actual, inside the band, errors."""
    inside = (rows["p10"] <= rows["actual"]) & (rows["actual"] <= rows["p90"])
    columns = {"": rows["unit"].map(names).to_numpy()}
    if scope:
        columns["Uitgaven"] = rows["scope"].map(SCOPE_LABELS).to_numpy()
    columns |= {
        "Jaar": rows["year"].astype(int).astype(str).to_numpy(),
        "Model P50 (€)": rows["p50"].to_numpy(dtype=float),
        "Werkelijk (€)": rows["actual"].to_numpy(dtype=float),
        "Binnen P10-P90": np.where(
            rows["actual"].notna(), np.where(inside, "ja", "nee"), NOT_COMPARED
        ),
    }
    out = pd.DataFrame(columns)
    for key, label in SHORT_LABELS.items():
        out[f"Afwijking {label}"] = rows[key].to_numpy(dtype=float) if key in rows else np.nan
    return out


def _evaluation_formats(frame: pd.DataFrame) -> dict:
    errors = {c: _signed_or_not_compared for c in frame.columns if c.startswith("Afwijking")}
    return {"Model P50 (€)": euro, "Werkelijk (€)": euro} | errors


def evaluation_frame(view) -> pd.DataFrame:
    """The evaluation as of the backtest year for the municipality and the region, in Dutch."""
    a = view.analysis
    rows = _evaluation_rows(a, [view.code, REGION_ROW])
    names = {view.code: view.name, REGION_ROW: f"Regio {a.region.name}"}
    order = {s: i for i, s in enumerate(EVALUATION_SCOPES)}
    rows = rows.assign(_region=rows["unit"] == REGION_ROW, _scope=rows["scope"].map(order))
    rows = rows.sort_values(["_region", "_scope", "year"]).drop(columns=["_region", "_scope"])
    return _display_rows(rows, names, scope=True)


def evaluation_table(view) -> ReportTable:
    """The tool beside the four simple baselines, as of the backtest year (chapter 7)."""
    a = view.analysis
    y = a.settings.backtest_year
    f = evaluation_frame(view)
    return table(
        f,
        _evaluation_formats(f),
        caption=f"Voorspelling vanaf {y} (met alleen wat in {y} bekend was) naast de werkelijke "
        "uitgaven (Iv3-jaarrekening). Het model is geschat op alle Nederlandse gemeenten en "
        "combineert zijn eigen regressie met vier eenvoudige maatstaven: laatste realisatie, "
        "eigen trend, primaire begroting voor het volgende jaar (begroting) en die begroting "
        "maal de eigen verhouding realisatie/begroting (begr.x verh.). Afwijking = voorspelling / "
        "werkelijk - 1. Jeugd = taakvelden 6.72-6.74 en 6.82; Wmo = 6.6, 6.71 en 6.81; toegang "
        "= 6.2; totaal = de som. Jaren zonder jaarrekening: niet vergeleken (geen misser).",
    )


def evaluation_text(view) -> Markdown:
    """The evaluation in words: the model's error beside the best simple baseline."""
    a = view.analysis
    y = a.settings.backtest_year
    rows = _evaluation_rows(a, [view.code, REGION_ROW])
    rows = rows.loc[rows["scope"] == "total"]
    parts = []
    for unit, name in ((view.code, view.name), (REGION_ROW, f"de regio {a.region.name}")):
        r = rows.loc[(rows["unit"] == unit) & rows["actual"].notna()]
        if r.empty:
            continue
        errs = {k: float(r[k].abs().mean()) for k in SHORT_LABELS if k in r}
        best = min((k for k in errs if k != "model"), key=errs.get)
        parts.append(
            f"voor {name} lag het model gemiddeld {percent(errs['model'], 1)} naast de "
            f"werkelijke uitgaven van het hele sociaal domein, de beste eenvoudige maatstaf "
            f"({FORECASTER_LABELS[best].lower()}) {percent(errs[best], 1)}"
        )
    missing = int(rows["actual"].isna().sum())
    tail = (
        f" {missing} combinaties van jaar en gemeente of regio hebben nog geen jaarrekening en "
        "zijn niet vergeleken."
        if missing
        else ""
    )
    head = f"Vanaf {y} gerekend, met alleen wat toen bekend was: "
    return markdown([head + "; ".join(parts) + "." + tail])


def region_evaluation_table(analysis) -> ReportTable:
    """The evaluation of the whole social domain for the region and each municipality."""
    y = analysis.settings.backtest_year
    codes = list(analysis.region.current_codes())
    rows = _evaluation_rows(analysis, [REGION_ROW, *codes])
    rows = rows.loc[rows["scope"] == "total"]
    names = {c: analysis.region.name_of(c) for c in codes} | {
        REGION_ROW: f"Regio {analysis.region.name}"
    }
    rows = rows.assign(_name=rows["unit"].map(names), _muni=rows["unit"] != REGION_ROW)
    rows = rows.sort_values(["_muni", "_name", "year"]).drop(columns=["_muni", "_name"])
    out = _display_rows(rows, names, scope=False)
    return table(
        out,
        _evaluation_formats(out),
        caption=f"Het hele sociaal domein (taakvelden 6.2, 6.6, 6.71-6.74, 6.81, 6.82) vanaf {y} "
        "voorspeld met alleen wat toen bekend was, naast de jaarrekening; afwijking = "
        "voorspelling / werkelijk - 1, voor het model en de vier eenvoudige maatstaven. Jaren "
        "zonder jaarrekening: niet vergeleken.",
    )
