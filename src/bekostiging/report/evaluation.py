"""The out-of-sample evaluation in Dutch: the summary table and the calibration chart.

:func:`bekostiging.model.evaluation.evaluate` scores the tool and the four baselines; this
module names them for a policy advisor and draws how often the actuals fell below each
forecast quantile (a well calibrated forecast lands 10 % of the actuals below its P10, 50 %
below its P50 and 90 % below its P90).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bekostiging.report.charts import OKABE_ITO, ReportFigure, new_figure

FORECASTER_LABELS: dict[str, str] = {
    "model": "Model (gecombineerd, gepoold)",
    "last_actual": "Laatste realisatie",
    "trend": "Eigen trend",
    "budget": "Primaire begroting (Y+1)",
    "budget_ratio": "Begroting x eigen verhouding realisatie/begroting",
}
SHORT_LABELS: dict[str, str] = {
    "model": "model",
    "last_actual": "laatste",
    "trend": "trend",
    "budget": "begroting",
    "budget_ratio": "begr.x verh.",
}
LEVEL_LABELS = {"municipality": "gemeente", "jeugdzorgregio": "jeugdzorgregio"}
SCOPE_LABELS = {
    "youth": "jeugd (6.72-6.74, 6.82)",
    "wmo": "Wmo (6.6, 6.71, 6.81)",
    "access": "toegang (6.2)",
    "total": "sociaal domein totaal",
}
ORDER = list(FORECASTER_LABELS)
CALIBRATION_ALT = (
    "Twee panelen (gemeente, jeugdzorgregio): per voorspeller het aandeel werkelijke uitgaven "
    "onder de P10, P50 en P90, tegen de diagonaal van een perfect gekalibreerde voorspelling."
)


def dutch_summary(summary: pd.DataFrame, metric: str = "mape") -> pd.DataFrame:
    """One metric of the ``evaluation_table`` summary in percent, with short Dutch labels.

    ``metric`` is ``"mape"`` (mean absolute percentage error of the P50) or ``"coverage"``
    (share of the actuals inside P10-P90). Rows: niveau, scope, jaren vooruit; columns: the
    forecasters (:data:`SHORT_LABELS`, explained by :data:`FORECASTER_LABELS`).
    """
    out = summary[metric].reindex(columns=ORDER) * 100.0
    out.columns = [SHORT_LABELS[f] for f in out.columns]
    out.index = pd.MultiIndex.from_tuples(
        [(LEVEL_LABELS[lv], SCOPE_LABELS.get(s, s), int(h)) for lv, s, h in out.index],
        names=["niveau", "scope", "jaren vooruit"],
    )
    return out.round(1)


def calibration(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Share of compared actuals below P10, P50 and P90 per forecaster and level.

    >>> f = pd.DataFrame({"forecaster": "model", "level": "municipality", "p10": [1.0, 1.0],
    ...                   "p50": [2.0, 2.0], "p90": [3.0, 3.0], "actual": [1.5, 4.0]})
    >>> calibration(f)[["below_p10", "below_p50", "below_p90"]].values.tolist()
    [[0.0, 0.5, 0.5]]
    """
    f = forecasts.dropna(subset=["actual", "p10", "p50", "p90"])
    f = f.loc[f["actual"] > 0]
    below = pd.DataFrame(
        {
            "forecaster": f["forecaster"],
            "level": f["level"],
            "below_p10": (f["actual"] < f["p10"]).astype(float),
            "below_p50": (f["actual"] < f["p50"]).astype(float),
            "below_p90": (f["actual"] < f["p90"]).astype(float),
        }
    )
    out = below.groupby(["forecaster", "level"], as_index=False).mean()
    out["n"] = below.groupby(["forecaster", "level"]).size().to_numpy()
    return out


def calibration_figure(forecasts: pd.DataFrame) -> ReportFigure:
    """Observed share of actuals below each quantile against the nominal 10/50/90 %."""
    cal = calibration(forecasts)
    fig = new_figure((9.0, 4.2))
    axes = fig.subplots(1, 2, sharey=True)
    nominal = np.array([10.0, 50.0, 90.0])
    for ax, level in zip(axes, ("municipality", "jeugdzorgregio"), strict=True):
        ax.plot([0, 100], [0, 100], color="#999999", linestyle=":", label="perfect gekalibreerd")
        for colour, name in zip(OKABE_ITO, ORDER, strict=False):
            row = cal[(cal["forecaster"] == name) & (cal["level"] == level)]
            if row.empty:
                continue
            observed = 100.0 * row[["below_p10", "below_p50", "below_p90"]].to_numpy()[0]
            ax.plot(nominal, observed, marker="o", color=colour, label=FORECASTER_LABELS[name])
        ax.set_title(f"Per {LEVEL_LABELS[level]}")
        ax.set_xlabel("Kwantiel van de voorspelling (%)")
        ax.set_xticks(nominal)
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
    axes[0].set_ylabel("Werkelijk onder dat kwantiel (%)")
    axes[1].legend(loc="upper left", fontsize=7, frameon=False)
    fig.suptitle("Kalibratie van de voorspellingen, buiten de steekproef (alle horizons en scopes)")
    return fig
