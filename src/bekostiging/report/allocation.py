"""Chapter 9 of the municipality report (and 5 of the overview): allocation keys and providers.

The municipality's share of the regional start budget under each key, the same for all
municipalities of the region, the lumpsum per provider and the covering offer. Where the region
file pools a segment (``regional_pooling``) the key "eigen inwoners" is named for what it is,
an attribution by the pool's key (:func:`use_label`, :func:`use_note`). A municipality whose
share of a segment is far from its overall share is flagged (:func:`share_flag_table`), and
for the regional segments (:func:`pooling_groups`) the effect of pooling on each
municipality's P90 is shown (:func:`pooling_table`, :func:`pooling_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import pandas as pd
from IPython.display import Markdown

from bekostiging.model.allocation import (
    key_behind_use,
    share_flag_ratio,
    share_flags,
    use_basis,
)
from bekostiging.report.formatting import euro, euro_mln, number, percent
from bekostiging.report.labels import (
    CONCENTRATION_LABELS,
    DIFFERENCE_LABEL,
    DOMAIN_LABELS,
    KEY_LABELS,
    TARGET_LABELS,
)
from bekostiging.report.tables import (
    PROJECTION_ASSUMPTIONS,
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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _group_text(group: str) -> str:
    """An age group in a sentence: ``inwoners 18 jaar en ouder``."""
    return _lower_first(TARGET_LABELS.get(group, group))


def _names_text(names: Sequence[str]) -> str:
    """``A``, ``A en B``, ``A, B en C``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def use_label(region, segments: Sequence[str]) -> str:
    """The Dutch name of the key ``gebruik`` for ``segments``: actual use or an attribution.

    Generated from the region file's ``regional_pooling``: a pooled segment's spend per
    municipality is attributed by the pool's key, not observed.

    >>> from bekostiging.config.region import load_region
    >>> r = load_region("achterhoek")
    >>> use_label(r, ["iaj", "hcv"])
    'Eigen inwoners (werkelijk gebruik)'
    >>> use_label(r, ["wmo_wonen"])
    'Eigen inwoners (toegerekend naar inwoners 18 jaar en ouder, geen werkelijk gebruik bekend)'
    >>> use_label(r, ["wmo_io", "wmo_wonen"])
    'Eigen inwoners (werkelijk gebruik; Wonen toegerekend naar inwoners 18 jaar en ouder)'
    """
    basis = use_basis(region, segments)
    attributed = basis[~basis["observed"]]
    if attributed.empty:
        return KEY_LABELS["gebruik"]
    short = {s.id: s.short for s in region.segments}
    if not basis["observed"].any():
        groups = _names_text([_group_text(g) for g in dict.fromkeys(attributed["key"])])
        return f"Eigen inwoners (toegerekend naar {groups}, geen werkelijk gebruik bekend)"
    parts = [
        f"{_names_text([short.get(x, x) for x in grp['segment']])} toegerekend naar "
        f"{_group_text(group)}"
        for group, grp in attributed.groupby("key", sort=False)
    ]
    return f"Eigen inwoners (werkelijk gebruik; {'; '.join(parts)})"


def use_note(analysis, segments: Sequence[str], costs: bool = False) -> str:
    """A sentence on the pooled segments among ``segments`` ("" when all are actual use).

    Names the centrumgemeente that books them, the key that attributes them, the share of the
    segment's spend it attributes (reference year), the share of ``segments`` that rests on it,
    and, when ``gebruik`` equals a population key (:func:`key_behind_use`), that this key is
    not shown as a separate one. With ``costs`` (under a pooling table) it says instead that
    each municipality's own cost follows that attribution.
    """
    a = analysis
    y = a.settings.reference_year
    b = a.baseline_current
    basis = use_basis(a.region, segments, b[b["year"] == y])
    attributed = basis[~basis["observed"]]
    if attributed.empty:
        return ""
    short = {s.id: s.short for s in a.region.segments}
    out = []
    for (group, booked_by), grp in attributed.groupby(["key", "booked_by"], sort=False):
        names = _names_text([short.get(x, x) for x in grp["segment"]])
        spend = float(grp["spend"].sum())
        share = float(grp["attributed"].sum()) / spend if spend > 0 else float("nan")
        what = (
            "de eigen kosten per gemeente volgen die toerekening"
            if costs
            else "'eigen inwoners' is daar die toerekening"
        )
        out.append(
            f"Voor {names} is geen werkelijk gebruik per gemeente bekend: "
            f"{_names_text([a.region.name_of(c) for c in booked_by.split(',')])} "
            f"{'boekt' if ',' not in booked_by else 'boeken'} de uitgaven voor de regio "
            f"({percent(share, 0)} van de uitgaven aan {names} in {y}) en die zijn toegerekend "
            f"naar {_group_text(group)}; {what}."
        )
    if costs:
        return " ".join(out)
    total = float(basis["spend"].sum())
    if basis["observed"].any() and total > 0:
        out.append(
            f"Dat geldt voor {percent(float(attributed['spend'].sum()) / total, 0)} van de "
            "uitgaven in deze verdeling."
        )
    dup = key_behind_use(a.region, segments)
    if dup is not None:
        out.append(
            f"'Eigen inwoners' valt hier daardoor samen met de sleutel "
            f"'{KEY_LABELS.get(dup, dup)}' (op wat gemeenten zelf boekten na); die staat "
            "daarom niet apart in de tabel."
        )
    return " ".join(out)


def _allocation_of(analysis, segments: Sequence[str]) -> pd.DataFrame:
    """:meth:`RegionAnalysis.allocation` without the key that equals ``gebruik`` here."""
    al = analysis.allocation(list(segments))
    dup = key_behind_use(analysis.region, segments)
    return al[al["key"] != dup] if dup is not None else al


def _allocation_rows(view) -> pd.DataFrame:
    """:func:`allocation_frame` with the English key in a column ``key``."""
    a = view.analysis
    rows = []
    for domain, segs in allocation_domains(view).items():
        al = _allocation_of(a, segs)
        al = al[al["gemeentecode"] == view.code]
        labels = KEY_LABELS | {"gebruik": use_label(a.region, segs)}
        for r in al.itertuples():
            rows.append(
                {
                    "key": r.key,
                    "Domein": DOMAIN_LABELS.get(domain, domain),
                    "Verdeelsleutel": labels.get(r.key, r.key),
                    "Aandeel": float(r.share),
                    "Bedrag (€)": float(r.amount),
                    "Verschil t.o.v. eigen inwoners (€)": float(r.difference),
                }
            )
    return pd.DataFrame(rows)


def allocation_frame(view) -> pd.DataFrame:
    """This municipality's part of the regional start budget under each key (numbers)."""
    return _allocation_rows(view).drop(columns="key", errors="ignore")


def _use_notes(analysis) -> str:
    notes = [use_note(analysis, segs) for segs in allocation_domains(analysis).values()]
    return " ".join(n for n in notes if n)


def allocation_table(view) -> ReportTable:
    """The municipality's share of the regional cost under every key, with the difference."""
    a = view.analysis
    notes = _use_notes(a)
    return table(
        allocation_frame(view),
        {
            "Aandeel": percent,
            "Bedrag (€)": euro,
            "Verschil t.o.v. eigen inwoners (€)": partial(euro),
        },
        caption=f"Verdeling van het regionale startbudget {a.first_full_year} per domein over de "
        f"gemeenten: het deel van {view.name} per verdeelsleutel. Eigen inwoners (het eigen "
        "startbudget van de gemeente, dus wat de zorg voor de eigen inwoners naar verwachting "
        "kost) is het uitgangspunt van de regio; verschil positief = de gemeente betaalt meer "
        "dan voor de eigen inwoners. "
        + (notes + " " if notes else "")
        + estimate_note(a, ("allocation.mix_weights",) + START_BUDGET_ASSUMPTIONS),
    )


def allocation_wide(
    allocated: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    gebruik_label: str | None = None,
) -> pd.DataFrame:
    """:func:`bekostiging.model.allocation.allocate` as one row per municipality, Dutch headers.

    Amounts stay numbers (format them at display time). Columns: ``Gemeente`` (name or code),
    per key ``<key> (€)``, and per key other than ``gebruik`` ``<key>: verschil t.o.v. eigen
    inwoners (€)``. ``gebruik_label`` names the ``gebruik`` column (default: actual use; see
    :func:`use_label` for pooled segments).

    >>> from bekostiging.model.allocation import allocate
    >>> keys = pd.DataFrame({"gebruik": [0.2, 0.8], "inwoners": [0.25, 0.75]},
    ...                     index=pd.Index(["A", "B"], name="gemeentecode"))
    >>> allocation_wide(allocate(100.0, keys)).columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Gemeente', 'Eigen inwoners (werkelijk gebruik) (€)', 'Aantal inwoners (€)',
     'Aantal inwoners: verschil t.o.v. eigen inwoners (€)']
    """
    labels = KEY_LABELS | ({"gebruik": gebruik_label} if gebruik_label else {})
    codes = list(dict.fromkeys(allocated["gemeentecode"]))
    out = pd.DataFrame({"Gemeente": [names.get(c, c) if names else c for c in codes]})
    keys = list(dict.fromkeys(allocated["key"]))
    by = allocated.set_index(["key", "gemeentecode"])
    for key in keys:
        out[f"{labels.get(key, key)} (€)"] = by.loc[key].reindex(codes)["amount"].to_numpy()
    for key in keys:
        if key == "gebruik" or "gebruik" not in keys:
            continue
        label = f"{labels.get(key, key)}: {DIFFERENCE_LABEL} (€)"
        out[label] = by.loc[key].reindex(codes)["difference"].to_numpy()
    return out


def not_bought_jointly(analysis, domain: str) -> Markdown:
    """The sentence shown instead of a domain's tables when the region does not buy it."""
    return markdown(
        [
            f"{analysis.region.name} koopt geen {DOMAIN_LABELS.get(domain, domain)} "
            "gezamenlijk in (geen ingekocht segment in het regiobestand); er is dus niets "
            "regionaal te verdelen."
        ]
    )


def region_allocation_table(analysis, domain: str) -> ReportTable | Markdown:
    """All municipalities under every key for one domain, with the differences."""
    segs = allocation_domains(analysis).get(domain)
    if not segs:
        return not_bought_jointly(analysis, domain)
    al = _allocation_of(analysis, segs)
    names = {c: analysis.region.name_of(c) for c in analysis.region.current_codes()}
    out = allocation_wide(al, names, use_label(analysis.region, segs))
    total = {"Gemeente": "Totaal"} | {c: float(out[c].sum()) for c in out.columns[1:]}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    note = use_note(analysis, segs)
    return table(
        out,
        {c: euro for c in out.columns[1:]},
        caption=f"{DOMAIN_LABELS.get(domain, domain)}: regionaal startbudget "
        f"{analysis.first_full_year} verdeeld over de gemeenten per verdeelsleutel (€), en het "
        "verschil met eigen inwoners. "
        + (note + " " if note else "")
        + estimate_note(analysis, ("allocation.mix_weights",) + START_BUDGET_ASSUMPTIONS),
    )


def allocation_text(view) -> Markdown:
    """The largest shift between keys for this municipality, in words."""
    f = _allocation_rows(view)
    other = f[f["key"] != "gebruik"] if not f.empty else f
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
            f"{euro(best['Verschil t.o.v. eigen inwoners (€)'])}). {_own_residents_text(view)} "
            "Een andere sleutel is een keuze voor solidariteit die dit bedrag verschuift."
        ]
    )


def _own_residents_text(view) -> str:
    """What the region's policy says about paying for the own residents (region file)."""
    policy = view.analysis.region.policy
    own = [p for p in policy.principles if "eigen inwoners" in p.lower()]
    if own and policy.cited:
        return f"{policy.cited[0].upper()}{policy.cited[1:]} houdt vast aan: {own[0]}"
    return "Het uitgangspunt van deze berekening is dat iedere gemeente betaalt voor de eigen inwoners."


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


def provider_summary_frame(view) -> pd.DataFrame:
    """The illustrative provider split summarised per segment (no amounts per provider).

    The provider landscape is an illustrative assumption, so the report shows what it says
    about the funding rule (how many providers, how many local, how concentrated, how many
    raised to the floor), not a list of invented providers to the euro.
    """
    p = view.provider_split()
    if p.empty:
        return pd.DataFrame()
    names = segment_names(view.analysis)
    rows = []
    for seg, g in p.groupby("segment", sort=False):
        rows.append(
            {
                "Segment": names.get(seg, seg),
                "Aanbieders (illustratief)": int(len(g)),
                "Waarvan lokaal": int(g["local"].sum()),
                "Grootste aandeel lumpsum": float(g["share"].max()),
                "Opgehoogd tot de bodem": int(g["floored"].sum()),
                "Lumpsum samen": float(g["amount"].sum()),
            }
        )
    return pd.DataFrame(rows)


def provider_table(view) -> ReportTable | Markdown:
    """The lumpsum split over providers, summarised per segment (a note if none are known)."""
    a = view.analysis
    frame = provider_summary_frame(view)
    if frame.empty:
        return markdown([NO_PROVIDERS])
    return table(
        frame,
        {
            "Grootste aandeel lumpsum": percent,
            "Lumpsum samen": lambda x: euro_mln(x, 1),
        },
        caption=f"Illustratief: de lumpsum {view.name}, {a.first_full_year}, verdeeld over "
        "aanbieders naar historisch aandeel, met een bodem voor lokale aanbieders. Het "
        "aanbiederslandschap is verzonnen en geanonimiseerd (aanname), geen echte aanbieders: "
        "de tabel laat zien wat de verdeelregel doet, niet wat een aanbieder krijgt. "
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


# --------------------------------------------------------------------------------------------
# a municipality's share of a segment far from its overall share

SHARE_FLAG_ASSUMPTIONS = ("allocation.share_flag_ratio",)


def _reference_spend(analysis) -> pd.DataFrame:
    """The procured spend per municipality and segment in the reference year."""
    b = analysis.baseline_current
    b = b[(b["year"] == analysis.settings.reference_year) & b["procured"]]
    return b[["gemeentecode", "segment", "spend", "population"]]


def group_share_flags(analysis, segments: Sequence[str]) -> pd.DataFrame:
    """:func:`bekostiging.model.allocation.share_flags` for ``segments`` taken together.

    Reference-year spend of the procured segments; the segments of the group are added up
    into one, so the share is the municipality's share of the group. Index ``gemeentecode``.
    """
    spend = _reference_spend(analysis)
    group = "+".join(segments)
    inside = spend["segment"].isin(list(segments))
    targets = {s.target_population for s in analysis.region.segments if s.id in segments}
    spend = spend.assign(segment=spend["segment"].where(~inside, group))
    if len(targets) != 1:
        spend = spend.drop(columns="population")  # no one target group to compare with
    else:  # the group's one target group; the same population in each of its segments
        spend = spend.groupby(["gemeentecode", "segment"], sort=False, as_index=False).agg(
            spend=("spend", "sum"), population=("population", "first")
        )
    flags = share_flags(spend, share_flag_ratio(analysis.params), [group])
    return flags.set_index("gemeentecode")


def share_flag_frame(analysis) -> pd.DataFrame:
    """Every procured segment and municipality with a share flag (numbers, Dutch headers)."""
    spend = _reference_spend(analysis)
    flags = share_flags(spend, share_flag_ratio(analysis.params))
    flags = flags[flags["flag"]]
    names = segment_names(analysis)
    observed = set(
        use_basis(analysis.region, list(dict.fromkeys(spend["segment"]))).query("observed")[
            "segment"
        ]
    )
    return pd.DataFrame(
        {
            "Gemeente": flags["gemeentecode"].map(analysis.region.name_of).to_numpy(),
            "Segment": flags["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aandeel in segment": flags["segment_share"].to_numpy(dtype=float),
            "Aandeel in alle ingekochte zorg": flags["overall_share"].to_numpy(dtype=float),
            "Verhouding": flags["ratio"].to_numpy(dtype=float),
            "Aandeel in doelgroep": flags["population_share"].to_numpy(dtype=float),
            "Gebruik": flags["segment"]
            .map(lambda s: "werkelijk" if s in observed else "toegerekend")
            .to_numpy(),
        }
    )


def share_flag_table(analysis) -> ReportTable | Markdown:
    """The municipalities whose share of a segment is far from their overall share."""
    a = analysis_of(analysis)
    ratio = share_flag_ratio(a.params)
    frame = share_flag_frame(a)
    y = a.settings.reference_year
    if frame.empty:
        return markdown(
            [
                f"Geen gemeente heeft in {y} een aandeel in een segment dat {number(ratio, 1)} "
                "keer zo groot of zo klein is als haar aandeel in alle ingekochte zorg."
            ]
        )
    return table(
        frame,
        {
            "Aandeel in segment": percent,
            "Aandeel in alle ingekochte zorg": percent,
            "Verhouding": partial(number, decimals=1),
            "Aandeel in doelgroep": percent,
        },
        caption=f"Signaal: het aandeel van de gemeente in de regionale uitgaven aan een segment "
        f"({y}) is minstens {number(ratio, 1)} keer zo groot, of hooguit 1/{number(ratio, 1)} "
        "zo groot, als haar aandeel in alle ingekochte zorg. Een sleutel naar inwoners of naar "
        "het totale gebruik verschuift dan veel van de kosten van dat segment. 'Toegerekend': "
        "het aandeel is een toerekening (regionale pooling), geen werkelijk gebruik. "
        + estimate_note(a, SHARE_FLAG_ASSUMPTIONS, what="De aandelen"),
    )


# --------------------------------------------------------------------------------------------
# the pooling effect (solidarity) per municipality

NEGLIGIBLE_POOLING = 0.01
"""A change of the summed P90 below this share of it is worded as 'hardly changes'."""

POOLING_ASSUMPTIONS = PROJECTION_ASSUMPTIONS + SHARE_FLAG_ASSUMPTIONS


def pooling_groups(analysis) -> list[tuple[str, list[str]]]:
    """The groups whose pooling is shown: (Dutch label, projected segment ids).

    Every segment of ``risk.allocation.regional_segments`` that is projected, together with
    the projected segments of its region-file pooling entry (``regional_pooling``). The label
    is the segments' short names; a pooled segment that is not procured (not projected, such
    as Opvang in the Achterhoek) is left out of the cost and named in :func:`pooling_text`.
    """
    a = analysis_of(analysis)
    short = {s.id: s.short for s in a.region.segments}
    return [(_names_text([short.get(s, s) for s in g]), g) for g in a.pooling_groups]


def pooling_frame(
    effect: pd.DataFrame,
    names: Mapping[str, str],
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The pooling effect per municipality with Dutch headers and a region row (numbers).

    ``effect``: :meth:`RegionAnalysis.pooling` (column ``gemeentecode``, P90 columns);
    ``flags``: :func:`group_share_flags` (index ``gemeentecode``) or None. The region row has
    the summed own P90s against the P90 of the regional total (the sum of the pooled P90s).

    >>> e = pd.DataFrame({"gemeentecode": ["A", "B"], "share": [0.5, 0.5],
    ...     "own_mean": [100.0, 100.0], "own_p90": [117.0, 117.0],
    ...     "pooled_mean": [100.0, 100.0], "pooled_p90": [100.0, 100.0],
    ...     "change_p90": [-17.0, -17.0]})
    >>> pooling_frame(e, {"A": "Aalten"})["Verschil P90 (€)"].tolist()
    [-17.0, -17.0, -34.0]
    """
    e = effect.set_index("gemeentecode") if "gemeentecode" in effect.columns else effect
    codes = list(e.index)
    out = pd.DataFrame(
        {
            "Gemeente": [names.get(c, c) for c in codes],
            "Aandeel bij poolen": e["share"].to_numpy(dtype=float),
            "Verwachte kosten (€)": e["own_mean"].to_numpy(dtype=float),
            "P90 eigen kosten (€)": e["own_p90"].to_numpy(dtype=float),
            "P90 bij poolen (€)": e["pooled_p90"].to_numpy(dtype=float),
            "Verschil P90 (€)": e["change_p90"].to_numpy(dtype=float),
        }
    )
    moved = e["pooled_mean"] - e["own_mean"]
    if (moved.abs() >= 0.5).any():
        out.insert(3, "Verwachte kosten bij poolen (€)", e["pooled_mean"].to_numpy(dtype=float))
    if flags is not None:
        f = flags.reindex(codes)
        out["Aandeel in segment"] = f["segment_share"].to_numpy(dtype=float)
        out["Aandeel in alle ingekochte zorg"] = f["overall_share"].to_numpy(dtype=float)
        out["Signaal aandeel"] = [
            f"ja ({number(r, 1)}×)" if flag else "nee"
            for flag, r in zip(f["flag"], f["ratio"], strict=True)
        ]
    total: dict[str, object] = {"Gemeente": "Regio (opgeteld)"}
    for col in out.columns[1:]:
        if col.endswith("(€)") or col == "Aandeel bij poolen":
            total[col] = float(out[col].sum())
        elif col in ("Aandeel in segment", "Aandeel in alle ingekochte zorg"):
            total[col] = 1.0
        elif col == "Signaal aandeel":
            total[col] = ""
        else:
            total[col] = float("nan")
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def pooling_sentence(
    effect: pd.DataFrame,
    label: str,
    year: int,
    names: Mapping[str, str],
    flags: pd.DataFrame | None = None,
) -> str:
    """One sentence per pooled group: who gains and who pays, by how much, from the numbers.

    ``effect`` as in :func:`pooling_frame`. Gains and payments are changes of the P90 (what a
    municipality must be able to carry in a bad year, 1 in 10); shifts of the expected cost
    are named when the key moves them; flagged shares (:func:`group_share_flags`) are named.

    >>> e = pd.DataFrame({"gemeentecode": ["A", "B", "C"], "share": [0.5, 0.3, 0.2],
    ...     "own_mean": [50.0, 30.0, 20.0], "own_p90": [90.0, 40.0, 22.0],
    ...     "pooled_mean": [50.0, 30.0, 20.0], "pooled_p90": [70.0, 42.0, 28.0],
    ...     "change_p90": [-20.0, 2.0, 6.0]})
    >>> print(pooling_sentence(e, "HCV", 2027, {"A": "Aalten", "B": "Berkelland"}))
    ... # doctest: +NORMALIZE_WHITESPACE
    Poolen van HCV in 2027 (elke gemeente betaalt haar aandeel in de regionale kosten van elke
    trekking; de verwachte kosten per gemeente blijven gelijk): de P90 daalt bij 1 gemeente,
    Aalten (€ -20, -22,2%), en stijgt bij 2 gemeenten, het meest bij C (€ 6, +27,3%). Opgeteld
    gaat de P90 van € 152 naar € 140 (€ -12, -7,9%): zoveel minder hoeven de gemeenten samen
    in een slecht jaar op te vangen.
    """
    e = effect.set_index("gemeentecode") if "gemeentecode" in effect.columns else effect
    change = e["change_p90"].astype(float)
    rel = change / e["own_p90"].astype(float).where(e["own_p90"] != 0)

    def who(code) -> str:
        return f"{names.get(code, code)} ({euro(change[code])}, {percent(rel[code], signed=True)})"

    def side(codes: list, verb: str) -> str:
        n = len(codes)
        if n == 0:
            return ""
        where = f"alle {n} gemeenten" if n == len(change) else f"{n} gemeente{'n' * (n > 1)}"
        if n == 1:
            return f"{verb} bij {where}, {who(codes[0])}"
        least = f", het minst bij {who(codes[-1])}" if n == len(change) else ""
        return f"{verb} bij {where}, het meest bij {who(codes[0])}{least}"

    moved = (e["pooled_mean"] - e["own_mean"]).astype(float)
    if (moved.abs() < 0.5).all():
        how = "de verwachte kosten per gemeente blijven gelijk"
    else:
        up, down = moved.idxmax(), moved.idxmin()
        how = (
            f"de verwachte kosten verschuiven: {names.get(up, up)} betaalt het meest extra "
            f"({euro(moved[up])}), {names.get(down, down)} het meest minder ({euro(moved[down])})"
        )
    intro = (
        f"Poolen van {label} in {year} (elke gemeente betaalt haar aandeel in de regionale "
        f"kosten van elke trekking; {how})"
    )
    own_sum, pooled_sum = float(e["own_p90"].sum()), float(e["pooled_p90"].sum())
    diff = pooled_sum - own_sum
    diff_rel = diff / own_sum if own_sum else float("nan")
    if own_sum and abs(diff_rel) < NEGLIGIBLE_POOLING:
        largest = change.abs().idxmax()
        body = (
            f"{intro} verandert de P90 nauwelijks: opgeteld {euro(own_sum)} eigen tegen "
            f"{euro(pooled_sum)} gepoold ({percent(diff_rel, 2, signed=True)}); de grootste "
            f"verschuiving is {who(largest)}. De kosten van de gemeenten bewegen in de "
            "simulatie vrijwel gelijk op, dus er valt weinig te spreiden."
        )
    else:
        gain = change[change < 0].sort_values().index.tolist()
        pay = change[change > 0].sort_values(ascending=False).index.tolist()
        parts = [p for p in (side(gain, "daalt"), side(pay, "stijgt")) if p]
        if not parts:
            parts = ["verandert bij geen enkele gemeente"]
        less = "minder" if diff < 0 else "meer"
        body = (
            f"{intro}: de P90 {', en '.join(parts)}. Opgeteld gaat de P90 van {euro(own_sum)} naar "
            f"{euro(pooled_sum)} ({euro(diff)}, {percent(diff_rel, signed=True)}): zoveel "
            f"{less} hoeven de gemeenten samen in een slecht jaar op te vangen."
        )
    if flags is not None:
        flagged = flags[flags["flag"]]
        for code, r in flagged.iterrows():
            body += (
                f" {names.get(code, code)} draagt {percent(r['segment_share'])} van {label} "
                f"tegen {percent(r['overall_share'])} van alle ingekochte zorg "
                f"({number(r['ratio'], 1)} keer; signaal): poolen naar de verwachte kosten houdt "
                "dat aandeel, een solidariteitssleutel naar inwoners zou veel ervan verschuiven."
            )
    return body


def pooling_table(analysis, segments: Sequence[str], label: str | None = None) -> ReportTable:
    """Per municipality: own P90, P90 when pooled, the change and the share flag."""
    a = analysis_of(analysis)
    label = label or _names_text([segment_names(a, short=True).get(s, s) for s in segments])
    effect = a.pooling(list(segments))
    names = {c: a.region.name_of(c) for c in effect["gemeentecode"]}
    frame = pooling_frame(effect, names, group_share_flags(a, segments))
    formats = {c: euro for c in frame.columns if c.endswith("(€)")} | {
        "Aandeel bij poolen": percent,
        "Aandeel in segment": percent,
        "Aandeel in alle ingekochte zorg": percent,
    }
    note = use_note(a, segments, costs=True)
    ratio = share_flag_ratio(a.params)
    return table(
        frame,
        formats,
        caption=f"{label}: wat elke gemeente in {a.first_full_year} betaalt onder de gekozen "
        "bekostiging (alle routes), in een slecht jaar (P90, 1 op 10): eigen kosten tegen "
        "poolen (elke gemeente betaalt haar aandeel in de verwachte kosten van de regionale "
        "kosten van elke trekking). Verschil negatief = poolen verlaagt wat de gemeente moet "
        "kunnen opvangen. De regio-rij telt de P90's op; gepoold is dat de P90 van de regio. "
        f"Signaal: aandeel in {label} ({a.settings.reference_year}) minstens {number(ratio, 1)} "
        "keer zo groot of zo klein als het aandeel in alle ingekochte zorg. "
        + (note + " " if note else "")
        + estimate_note(a, POOLING_ASSUMPTIONS),
    )


def pooling_text(analysis, segments: Sequence[str], label: str | None = None) -> Markdown:
    """The sentence of :func:`pooling_sentence` for one group, with what it leaves out."""
    a = analysis_of(analysis)
    short = segment_names(a, short=True)
    label = label or _names_text([short.get(s, s) for s in segments])
    effect = a.pooling(list(segments))
    names = {c: a.region.name_of(c) for c in effect["gemeentecode"]}
    text = pooling_sentence(effect, label, a.first_full_year, names, group_share_flags(a, segments))
    units = set(a.projection.inputs.units)
    left = [
        s
        for p in a.region.pooling
        if set(p.segments) & set(segments)
        for s in p.segments
        if s not in units
    ]
    if left:
        text += (
            f" {_names_text([short.get(s, s) for s in left])} hoort bij dezelfde regionale "
            "pooling maar wordt niet ingekocht en is niet geprojecteerd; het valt buiten dit "
            "bedrag."
        )
    note = use_note(a, segments, costs=True)
    return markdown([text] + ([note] if note else []))


def pooling_section(analysis) -> list:
    """Table and text of every pooled group (:func:`pooling_groups`), in order."""
    out: list = []
    for label, segs in pooling_groups(analysis):
        out.extend([pooling_table(analysis, segs, label), pooling_text(analysis, segs, label)])
    return out
