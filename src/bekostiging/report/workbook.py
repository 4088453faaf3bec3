"""The municipality's key tables as one Excel workbook (numbers stay numeric).

:func:`key_tables` gives the sheets, :func:`write_workbook` writes them with a first sheet
*Toelichting* and number formats by column meaning (:mod:`bekostiging.report.excel`);
:func:`bekostiging.report.outputs.write_outputs` writes the workbook next to the results file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.analysis.results import report_stem
from bekostiging.report.allocation import allocation_frame
from bekostiging.report.baseline import client_suppression, hidden_rows
from bekostiging.report.excel import write_formatted_workbook
from bekostiging.report.incentives import scorecard
from bekostiging.report.labels import (
    DOMAIN_LABELS,
    FLAG_LABELS,
    TARGET_LABELS,
    variant_label,
)
from bekostiging.report.reserves import capacity_frame, risk_frame
from bekostiging.report.startbudget import start_budget_frame
from bekostiging.report.tables import (
    segment_names,
    yes_no,
)
from bekostiging.report.variants import settlement_frame, variant_frame

CLIENTS_COLUMN = "Cliënten (<10 niet getoond)"
COST_PER_CLIENT_COLUMN = "Kosten per cliënt (€)"
MARKERS = "markers"
"""Key of ``DataFrame.attrs``: per column, the text shown instead of a hidden count."""


def baseline_frame(view) -> pd.DataFrame:
    """The baseline of the municipality as numbers with Dutch headers and flags.

    Client counts (and the cost per client that would give them away) are left empty where
    :func:`client_suppression` hides them, so the workbook discloses no more than the report.
    ``frame.attrs["markers"]`` holds, for the client column, the marker the report shows for
    each hidden count (``'<10'``, or ``'x'`` for a count hidden so that another cannot be
    worked out) and None elsewhere; the workbook writes those markers into the cells.
    """
    a = view.analysis
    b = view.baseline()
    names = segment_names(a)
    res = client_suppression(view)
    hidden = hidden_rows(res)
    ids = [s.id for s in a.region.procured_segments()]
    hidden.index = ids
    shown = res.display.iloc[: len(ids)].copy()
    shown.index = ids
    procured = b["procured"].to_numpy(dtype=bool)
    hide = np.array(
        [
            (not p) or bool(hidden.loc[s, str(int(y))]) if s in hidden.index else True
            for s, y, p in zip(b["segment"], b["year"], procured, strict=True)
        ]
    )
    markers = [
        str(shown.loc[s, str(int(y))])
        if p and s in hidden.index and bool(hidden.loc[s, str(int(y))])
        else None
        for s, y, p in zip(b["segment"], b["year"], procured, strict=True)
    ]
    clients = np.where(hide, np.nan, np.round(b["clients"].to_numpy(dtype=float)))
    cpc = np.where(hide, np.nan, b["cost_per_client"].to_numpy(dtype=float))
    flag = b["clients_flag"].map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
    frame = pd.DataFrame(
        {
            "Jaar": b["year"].astype(int).to_numpy(),
            "Domein": b["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Segment": b["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Ingekocht": b["procured"].map(yes_no).to_numpy(),
            "Uitgaven (€)": b["spend"].to_numpy(dtype=float),
            "Herkomst uitgaven": b["spend_flag"]
            .map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
            .to_numpy(),
            "Doelgroep": b["target_population"].map(lambda g: TARGET_LABELS.get(g, g)).to_numpy(),
            "Inwoners doelgroep": b["population"].to_numpy(dtype=float),
            "Herkomst inwoners": b["population_flag"]
            .map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
            .to_numpy(),
            CLIENTS_COLUMN: clients,
            "Herkomst cliënten": np.where(np.isnan(clients), "", flag.to_numpy()),
            COST_PER_CLIENT_COLUMN: cpc,
        }
    )
    frame.attrs[MARKERS] = {CLIENTS_COLUMN: markers}
    return frame


def variants_sheet(view) -> pd.DataFrame:
    """What the municipality pays per variant, with the providers' results and settlement."""
    first = view.analysis.first_full_year
    var = variant_frame(view).assign(Jaar=first, Status="schatting")
    return var.merge(settlement_frame(view), on="Bekostigingsvariant", how="left")


def projection_sheet(view) -> pd.DataFrame:
    """P10/P50/P90 per contract year under the decided variants, beside the start budget."""
    q = view.decided_quantiles()
    return pd.DataFrame(
        {
            "Jaar": [int(y) for y in q.index],
            "Startbudget (€)": q["budget"].to_numpy(dtype=float),
            "P10 (€)": q["p10"].to_numpy(dtype=float),
            "P50 (€)": q["p50"].to_numpy(dtype=float),
            "P90 (€)": q["p90"].to_numpy(dtype=float),
            "Status": "schatting",
        }
    )


def incentives_sheet(view) -> pd.DataFrame:
    """The incentive scorecard of the region with sizes as numbers."""
    a = view.analysis
    card = scorecard(a)
    names = segment_names(a)
    return pd.DataFrame(
        {
            "Segment": card["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Bekostigingsvariant": card["variant"].map(variant_label).to_numpy(),
            "Perverse prikkel": card["incentive"].to_numpy(),
            "Richting": card["direction"].to_numpy(),
            "Omvang": card["size"].to_numpy(dtype=float),
            "Maat": card["unit"].to_numpy(),
            "KPI voor monitoring": card["kpi"].to_numpy(),
            "Dempende maatregel": card["mitigation"].to_numpy(),
            "Effect maatregel (verschil in omvang)": card["mitigation_effect"].to_numpy(
                dtype=float
            ),
            "Aandeel schattingen": card["estimates"].to_numpy(dtype=float),
            "Status": "schatting",
        }
    )


def key_tables(view) -> dict[str, pd.DataFrame]:
    """The municipality's key tables for its Excel workbook (numbers stay numeric).

    Sheet names are Dutch and at most 31 characters; every sheet of model figures has a column
    ``Status`` that says the figures are an estimate.
    """
    first = view.analysis.first_full_year
    sheets = {
        "Startbudget": start_budget_frame(view).assign(Status="schatting"),
        "Varianten": variants_sheet(view),
        "Projectie": projection_sheet(view),
        "Risico's": risk_frame(view).assign(Status="schatting"),
        "Weerstandsvermogen": capacity_frame(view).assign(Status="schatting"),
        "Verdeelsleutels": allocation_frame(view).assign(Jaar=first, Status="schatting"),
        "Prikkels": incentives_sheet(view),
        "Basisgegevens": baseline_frame(view),
    }
    for name in sheets:
        if len(name) > 31:  # pragma: no cover - guarded by the tests
            raise ValueError(f"sheet name longer than 31 characters: {name}")
    return sheets


def workbook_path(view, folder: Path) -> Path:
    """Where the workbook of a municipality goes, e.g. ``<folder>/gemeente_GM0197_aalten.xlsx``."""
    return Path(folder) / f"{report_stem(view.code, view.name)}.xlsx"


def write_workbook(view, folder: Path) -> Path:
    """Write the municipality's key tables as one Excel workbook (atomically): first the sheet
    *Toelichting* that explains every sheet and column, then the key tables, each with number
    formats by the meaning of its columns (:mod:`bekostiging.report.excel`)."""
    a = view.analysis
    s = a.settings
    years = a.contract_years
    intro = [
        f"Werkmap {view.name} ({view.code}): de kerntabellen van het rapport als getallen.",
        f"Peiljaar {s.reference_year}; contractjaren {years[0]}-{years[-1]}; eerste volledige "
        f"contractjaar {a.first_full_year}; {s.draws} trekkingen in de simulatie.",
        "Elk getal staat met volle precisie in de cel; de opmaak rondt alleen af in de weergave "
        "(bedragen in hele euro's). Kolom Status of Bron zegt wat een schatting is.",
        "Aantallen cliënten onder de 10 staan er als '<10' (en een aantal dat een ander zou "
        "verraden als 'x'), net als in het rapport; de kosten per cliënt zijn daar leeg.",
    ]
    return write_formatted_workbook(workbook_path(view, folder), key_tables(view), intro)
