"""Chapter 9 of the municipality report (and 5 of the overview): allocation keys and providers.

The municipality's share of the regional start budget under each key, the same for all
municipalities of the region, the lumpsum per provider and the covering offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.labels import (
    CONCENTRATION_LABELS,
    DIFFERENCE_LABEL,
    DOMAIN_LABELS,
    KEY_LABELS,
)
from bekostiging.report.tables import (
    START_BUDGET_ASSUMPTIONS,
    ReportTable,
    analysis_of,
    estimate_note,
    markdown,
    segment_names,
    table,
    yes_no,
)


def allocation_domains(obj) -> dict[str, list[str]]:
    """The procured segments per domain (the regional costs split by a key, as in results)."""
    a = analysis_of(obj)
    out: dict[str, list[str]] = {}
    for s in a.region.procured_segments():
        out.setdefault(s.domain, []).append(s.id)
    return out


def allocation_frame(view) -> pd.DataFrame:
    """This municipality's part of the regional start budget under each key (numbers)."""
    rows = []
    for domain, segs in allocation_domains(view).items():
        al = view.allocation(segs)
        al = al[al["gemeentecode"] == view.code]
        for r in al.itertuples():
            rows.append(
                {
                    "Domein": DOMAIN_LABELS.get(domain, domain),
                    "Verdeelsleutel": KEY_LABELS.get(r.key, r.key),
                    "Aandeel": float(r.share),
                    "Bedrag (€)": float(r.amount),
                    "Verschil t.o.v. eigen inwoners (€)": float(r.difference),
                }
            )
    return pd.DataFrame(rows)


def allocation_table(view) -> ReportTable:
    """The municipality's share of the regional cost under every key, with the difference."""
    a = view.analysis
    return table(
        allocation_frame(view),
        {
            "Aandeel": percent,
            "Bedrag (€)": euro,
            "Verschil t.o.v. eigen inwoners (€)": partial(euro),
        },
        caption=f"Verdeling van het regionale startbudget {a.first_full_year} per domein over de "
        f"gemeenten: het deel van {view.name} per verdeelsleutel. Eigen inwoners (werkelijk "
        f"gebruik in {a.settings.reference_year}) is het uitgangspunt van de regio; verschil "
        "positief = de gemeente betaalt meer dan voor de eigen inwoners. "
        + estimate_note(a, ("allocation.mix_weights",) + START_BUDGET_ASSUMPTIONS),
    )


def allocation_wide(
    allocated: pd.DataFrame, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """:func:`bekostiging.model.allocation.allocate` as one row per municipality, Dutch headers.

    Amounts stay numbers (format them at display time). Columns: ``Gemeente`` (name or code),
    per key ``<key> (€)``, and per key other than ``gebruik`` ``<key>: verschil t.o.v. eigen
    inwoners (€)``.

    >>> from bekostiging.model.allocation import allocate
    >>> keys = pd.DataFrame({"gebruik": [0.2, 0.8], "inwoners": [0.25, 0.75]},
    ...                     index=pd.Index(["A", "B"], name="gemeentecode"))
    >>> allocation_wide(allocate(100.0, keys)).columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Gemeente', 'Eigen inwoners (werkelijk gebruik) (€)', 'Aantal inwoners (€)',
     'Aantal inwoners: verschil t.o.v. eigen inwoners (€)']
    """
    codes = list(dict.fromkeys(allocated["gemeentecode"]))
    out = pd.DataFrame({"Gemeente": [names.get(c, c) if names else c for c in codes]})
    keys = list(dict.fromkeys(allocated["key"]))
    by = allocated.set_index(["key", "gemeentecode"])
    for key in keys:
        out[f"{KEY_LABELS.get(key, key)} (€)"] = by.loc[key].reindex(codes)["amount"].to_numpy()
    for key in keys:
        if key == "gebruik" or "gebruik" not in keys:
            continue
        label = f"{KEY_LABELS.get(key, key)}: {DIFFERENCE_LABEL} (€)"
        out[label] = by.loc[key].reindex(codes)["difference"].to_numpy()
    return out


def region_allocation_table(analysis, domain: str) -> ReportTable:
    """All municipalities under every key for one domain, with the differences."""
    segs = allocation_domains(analysis)[domain]
    al = analysis.allocation(segs)
    names = {c: analysis.region.name_of(c) for c in analysis.region.current_codes()}
    out = allocation_wide(al, names)
    total = {"Gemeente": "Totaal"} | {c: float(out[c].sum()) for c in out.columns[1:]}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return table(
        out,
        {c: euro for c in out.columns[1:]},
        caption=f"{DOMAIN_LABELS.get(domain, domain)}: regionaal startbudget "
        f"{analysis.first_full_year} verdeeld over de gemeenten per verdeelsleutel (€), en het "
        "verschil met eigen inwoners (werkelijk gebruik). "
        + estimate_note(analysis, ("allocation.mix_weights",) + START_BUDGET_ASSUMPTIONS),
    )


def allocation_text(view) -> Markdown:
    """The largest shift between keys for this municipality, in words."""
    f = allocation_frame(view)
    other = f[f["Verdeelsleutel"] != KEY_LABELS["gebruik"]]
    if other.empty:
        return markdown(["Er is alleen de sleutel eigen inwoners."])
    worst = other.loc[other["Verschil t.o.v. eigen inwoners (€)"].idxmax()]
    best = other.loc[other["Verschil t.o.v. eigen inwoners (€)"].idxmin()]
    return markdown(
        [
            f"Ten opzichte van betalen voor de eigen inwoners kost de sleutel "
            f"'{worst['Verdeelsleutel']}' {view.name} het meest "
            f"({worst['Domein']}: {euro(worst['Verschil t.o.v. eigen inwoners (€)'])} per jaar); "
            f"de sleutel '{best['Verdeelsleutel']}' het minst ({best['Domein']}: "
            f"{euro(best['Verschil t.o.v. eigen inwoners (€)'])}). De notitie van 9 februari "
            "2021 houdt vast aan 'iedere gemeente betaalt voor de eigen inwoners'; een andere "
            "sleutel is een keuze voor solidariteit die dit bedrag verschuift."
        ]
    )


def provider_frame(view) -> pd.DataFrame:
    """The lumpsum per provider in the first full year (numbers)."""
    p = view.provider_split()
    if p.empty:
        return pd.DataFrame()
    names = segment_names(view.analysis)
    return pd.DataFrame(
        {
            "Segment": p["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aanbieder": p["provider"].to_numpy(),
            "Lokaal": p["local"].map(yes_no).to_numpy(),
            "Historisch aandeel": p["historical_share"].to_numpy(dtype=float),
            "Bodem (€)": p["floor"].to_numpy(dtype=float),
            "Lumpsum (€)": p["amount"].to_numpy(dtype=float),
            "Aandeel lumpsum": p["share"].to_numpy(dtype=float),
            "Opgehoogd tot bodem": p["floored"].map(yes_no).to_numpy(),
        }
    )


NO_PROVIDERS = (
    "Voor deze regio is geen (illustratief) aanbiederslandschap vastgelegd "
    "(data/assumptions/providers); de verdeling per aanbieder en de toets op dekkend aanbod "
    "ontbreken daarom."
)


def provider_table(view) -> ReportTable | Markdown:
    """Lumpsum per provider, with the floor for local providers (a note if none are known)."""
    a = view.analysis
    frame = provider_frame(view)
    if frame.empty:
        return markdown([NO_PROVIDERS])
    return table(
        frame,
        {
            "Historisch aandeel": percent,
            "Bodem (€)": euro,
            "Lumpsum (€)": euro,
            "Aandeel lumpsum": percent,
        },
        caption=f"Lumpsum per aanbieder {view.name}, {a.first_full_year}: het startbudget van "
        "elk lumpsumsegment verdeeld naar historisch aandeel, met een bodem voor lokale "
        "aanbieders. Het aanbiederslandschap is illustratief en geanonimiseerd (aanname). "
        + estimate_note(a, ("allocation.floor_share", "allocation.min_local_amount")),
    )


def coverage_table(view) -> ReportTable | Markdown:
    """Covering offer and concentration (HHI) per segment (a note if no providers are known)."""
    c = view.coverage()
    if c.empty or not (c["n_providers"] > 0).any():
        return markdown([NO_PROVIDERS])
    names = segment_names(view.analysis)
    out = pd.DataFrame(
        {
            "Segment": c["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aanbieders": c["n_providers"].to_numpy(),
            "Waarvan lokaal": c["n_local"].to_numpy(),
            "Minimum": c["min_providers"].to_numpy(),
            "Dekkend aanbod": c["covering"].map(yes_no).to_numpy(),
            "HHI": c["hhi"].to_numpy(dtype=float),
            "Concentratie": c["concentration"].map(CONCENTRATION_LABELS).to_numpy(),
        }
    )
    return table(
        out,
        {"HHI": number},
        caption=f"Dekkend aanbod en concentratie per segment in {view.name}: aantal "
        "gecontracteerde aanbieders tegen het minimum (aanname coverage.min_providers, "
        "schatting) en de Herfindahl-Hirschman-index (0-10.000; boven 2.500 sterk "
        "geconcentreerd). Illustratief aanbiederslandschap.",
    )
