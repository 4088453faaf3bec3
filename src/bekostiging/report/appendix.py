"""The appendix of both reports: assumptions, provenance and the files a run wrote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from bekostiging.model.behaviour import load_behaviour_parameters
from bekostiging.report.labels import (
    PROVENANCE_EMPTY,
    PROVENANCE_LABELS,
    source_label,
    unit_label,
)
from bekostiging.report.suppression import HIDDEN_VALUE, region_protection
from bekostiging.report.tables import (
    ReportTable,
    analysis_of,
    date_nl,
    markdown,
    param_text,
    table,
    yes_no,
)


def assumptions_frame(obj) -> pd.DataFrame:
    """Every assumption (region and behaviour model) with value, unit, source, estimate flag.

    The prevalence of a segment protected against derivation
    (:func:`bekostiging.report.suppression.region_protection`) reads :data:`HIDDEN_VALUE`:
    prevalence x the public population would give a hidden client count back.
    """
    a = analysis_of(obj)
    p = load_behaviour_parameters(a.params)
    hidden = region_protection(a).hidden_parameters()
    rows = []
    for name in p.names():
        par = p.param(name)
        rows.append(
            {
                "Aanname": name,
                "Waarde": HIDDEN_VALUE if name in hidden else param_text(par.value),
                "Eenheid": unit_label(par.unit),
                "Bron": source_label(par.source),
                "Schatting": yes_no(par.is_estimate),
                "Bestand": Path(par.file).name,
            }
        )
    return pd.DataFrame(rows)


def assumptions_table(obj) -> ReportTable:
    """The appendix of assumptions, estimates marked."""
    out = assumptions_frame(obj)
    n_est = int((out["Schatting"] == "ja").sum())
    hidden = int((out["Waarde"] == HIDDEN_VALUE).sum())
    note = (
        f" Bij {hidden} aannames staat '{HIDDEN_VALUE}': uit die prevalenties en het openbare "
        "aantal inwoners zou een verborgen aantal cliënten (minder dan 10) te herleiden zijn."
        if hidden
        else ""
    )
    return table(
        out,
        caption=f"Alle {len(out)} aannames met waarde, eenheid en bron; {n_est} daarvan zijn "
        "een schatting (een oordeel, geen gepubliceerd cijfer). Toelichting per aanname: "
        "de aannamebestanden van het project." + note,
    )


def provenance_table(obj) -> ReportTable:
    """Settings, data checksums and assumption file hashes behind the figures (no date).

    Given a municipality's view the municipality is listed among the settings; given the
    region's analysis (the regional overview) it is left out.
    """
    a = analysis_of(obj)
    prov = a.provenance()
    if obj is a:
        prov["settings"] = {k: v for k, v in prov["settings"].items() if k != "municipality"}
    rows = [
        (
            "Instelling",
            PROVENANCE_LABELS.get(k, k),
            PROVENANCE_EMPTY.get(k, "–") if v is None else str(v),
        )
        for k, v in prov["settings"].items()
    ]
    rows += [("Gegevensbestand (SHA-256)", f, h) for f, h in prov["data"].items()]
    rows += [("Aannamebestand (SHA-256)", f, h) for f, h in prov["assumptions"].items()]
    rows += [("Opgave gemeente", f, "verwerkt") for f in prov.get("submissions", [])]
    if "code" in prov:
        rows.append(("Programmacode (SHA-256)", "bekostiging", prov["code"]))
    rows.append(("Pakket", "bekostiging", prov["package"]))
    return table(
        pd.DataFrame(rows, columns=["Soort", "Naam", "Waarde of controlegetal"]),
        caption="Herkomst: instellingen van deze berekening en controlegetallen van de gebruikte "
        "bestanden. Dezelfde instellingen en bestanden geven dezelfde uitkomsten.",
    )


def provenance_date(obj) -> Markdown:
    """The date and software versions of the run (kept out of the compared outputs)."""
    prov = analysis_of(obj).provenance()
    return markdown(
        [
            f"Berekend op {date_nl(prov['date'])} met bekostiging {prov['package']}, Python "
            f"{prov['python']}, pandas {prov['pandas']} en numpy {prov['numpy']}."
        ]
    )


def outputs_written(paths: Sequence[Path]) -> Markdown:
    """A short confirmation of the files a run wrote (names only)."""
    names = ", ".join(Path(p).name for p in paths)
    return markdown([f"Resultaten en kerntabellen opgeslagen: {names}."])
