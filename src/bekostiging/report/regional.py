"""What only the regional overview (notebooks/regio.ipynb) shows.

Its title and summary, the municipalities compared from their results files (table, map, start
budget per inhabitant), the regional start budget and shares, and the check that the region is
the sum of its municipalities. The overview's backtest, benchmark and allocation tables live
with the municipality report's chapters (:mod:`.lookback`, :mod:`.baseline`, :mod:`.allocation`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from IPython.display import Markdown

from bekostiging.analysis.results import check_totals, results_frame
from bekostiging.data.rawdata import BOUNDARY_YEARS, boundary_year, load_boundaries
from bekostiging.report.charts import (
    ReportFigure,
    bar_compare,
    choropleth,
)
from bekostiging.report.formatting import euro, number, percent
from bekostiging.report.tables import (
    RESERVE_ASSUMPTIONS,
    START_BUDGET_ASSUMPTIONS,
    ReportTable,
    amount,
    date_nl,
    estimate_note,
    markdown,
    rating_meaning,
    segment_names,
    table,
    years_text,
    yes_no,
)


def region_title(analysis) -> Markdown:
    """The regional overview's title with the settings of the run."""
    s = analysis.settings
    names = ", ".join(analysis.region.name_of(c) for c in analysis.region.current_codes())
    return markdown(
        [
            f"# Bekostiging jeugdhulp en Wmo: regio {analysis.region.name}",
            "",
            f"Regionaal overzicht voor {names}. Peiljaar {s.reference_year}; contract vanaf "
            f"{date_nl(s.contract_start)} ({years_text(analysis.contract_years)}); "
            f"{number(s.draws)} simulaties; terugblik vanaf {s.backtest_year}"
            + (f"; scenario {Path(s.scenario).name}" if s.scenario else "")
            + ".",
        ]
    )


def comparison_frame(results: Mapping[str, dict]) -> pd.DataFrame:
    """One row per municipality from the results files, plus the region (numbers)."""
    rf = results_frame(dict(results))
    first = next(iter(results.values()))["first_full_year"]
    out = pd.DataFrame(
        {
            "Gemeente": rf["gemeente"].to_numpy(),
            "Inwoners": rf["inhabitants"].to_numpy(dtype=float),
            f"Startbudget {first} (€)": rf["start_budget"].to_numpy(dtype=float),
            "Per inwoner (€)": rf["per_inhabitant"].to_numpy(dtype=float),
            "Aandeel regio": rf["share"].to_numpy(dtype=float),
            "Gekozen mix P50 (€)": rf["decided_p50"].to_numpy(dtype=float),
            "Gekozen mix P90 (€)": rf["decided_p90"].to_numpy(dtype=float),
            "Benodigde capaciteit (€)": rf["reserve_required"].to_numpy(dtype=float),
            "Beschikbare capaciteit (€)": rf["reserve_available"].to_numpy(dtype=float),
            "Ratio": rf["reserve_ratio"].to_numpy(dtype=float),
            "Waardering": rf["rating"].to_numpy(),
        }
    )
    total = {
        "Gemeente": "Regio (som)",
        "Inwoners": float(out["Inwoners"].sum()),
        f"Startbudget {first} (€)": float(out[f"Startbudget {first} (€)"].sum()),
        "Per inwoner (€)": float(out[f"Startbudget {first} (€)"].sum() / out["Inwoners"].sum()),
        "Aandeel regio": 1.0,
        "Gekozen mix P50 (€)": np.nan,
        "Gekozen mix P90 (€)": np.nan,
        "Benodigde capaciteit (€)": np.nan,
        "Beschikbare capaciteit (€)": float(out["Beschikbare capaciteit (€)"].sum()),
        "Ratio": np.nan,
        "Waardering": "",
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def region_comparison_table(analysis, results: Mapping[str, dict]) -> ReportTable:
    """The municipalities compared: start budget, per inhabitant, P50/P90, reserve (key table)."""
    out = comparison_frame(results)
    first = next(iter(results.values()))["first_full_year"]
    return table(
        out,
        {
            "Inwoners": number,
            f"Startbudget {first} (€)": euro,
            "Per inwoner (€)": euro,
            "Aandeel regio": percent,
            "Gekozen mix P50 (€)": euro,
            "Gekozen mix P90 (€)": euro,
            "Benodigde capaciteit (€)": euro,
            "Beschikbare capaciteit (€)": euro,
            "Ratio": partial(number, decimals=2),
        },
        caption=f"De gemeenten vergeleken, {first} (eerste volledige contractjaar): startbudget, "
        "wat de gemeente bij de besloten bekostiging betaalt (P50 middelste uitkomst, P90 met "
        "10% kans hoger) en het weerstandsvermogen. P50, P90 en de benodigde capaciteit van "
        "gemeenten tellen niet op tot die van de regio en staan daarom niet in de totaalregel. "
        + estimate_note(analysis, START_BUDGET_ASSUMPTIONS + RESERVE_ASSUMPTIONS),
    )


def region_summary(analysis, results: Mapping[str, dict]) -> Markdown:
    """The key messages of the regional overview."""
    out = comparison_frame(results).iloc[:-1]
    first = next(iter(results.values()))["first_full_year"]
    total = float(out[f"Startbudget {first} (€)"].sum())
    inh = float(out["Inwoners"].sum())
    lo = out.loc[out["Per inwoner (€)"].idxmin()]
    hi = out.loc[out["Per inwoner (€)"].idxmax()]
    weak = out[out["Waardering"].isin(["D", "E", "F"])]
    rf = results_frame(dict(results))
    check = totals_check_frame(analysis, results).iloc[0]
    lines = [
        "**Kernboodschappen**",
        "",
        f"- Het regionale startbudget voor {first} is {amount(total)} ({euro(total / inh)} per "
        f"inwoner), de som van de {len(out)} gemeenten.",
        f"- Per inwoner loopt het startbudget uiteen van {euro(lo['Per inwoner (€)'])} "
        f"({lo['Gemeente']}) tot {euro(hi['Per inwoner (€)'])} ({hi['Gemeente']}).",
        "- Weerstandsvermogen (netto, na wat aanbieders en verrekening dragen): "
        + (
            "alle gemeenten hebben ten minste waardering C (voldoende) voor het eerste "
            "volledige contractjaar"
            if weak.empty
            else ", ".join(
                f"{r['Gemeente']} {r['Waardering']} ({rating_meaning(r['Waardering'])})"
                for _, r in weak.iterrows()
            )
            + " hebben minder dan voldoende capaciteit voor het eerste volledige contractjaar"
        )
        + worst_sentence(rf),
        "- Controle: de regionale berekening en de som van de gemeentelijke resultaten "
        + (
            "komen overeen."
            if check["Klopt"] == "ja"
            else f"verschillen {euro(check['Verschil (€)'])}: controleer de resultaatbestanden."
        ),
        "- Alle bedragen zijn schattingen op basis van openbare cijfers en benoemde aannames.",
    ]
    return markdown(lines)


def worst_sentence(rf: pd.DataFrame) -> str:
    """How many municipalities fall below C in their heaviest contract year (from the results).

    >>> worst_sentence(pd.DataFrame({"rating_worst": ["F", "C"], "worst_year": [2030, 2029]}))
    '; in het zwaarste contractjaar (2029-2030) heeft 1 van de 2 gemeenten minder dan voldoende capaciteit (waardering D of lager).'
    """
    if "rating_worst" not in rf or rf["rating_worst"].isna().all():
        return "."
    low = rf["rating_worst"].isin(["D", "E", "F"])
    years = sorted({int(y) for y in rf["worst_year"].dropna()})
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    if not low.any():
        return f"; ook in het zwaarste contractjaar ({span}) hebben alle gemeenten waardering C of hoger."
    return (
        f"; in het zwaarste contractjaar ({span}) heeft {int(low.sum())} van de {len(rf)} "
        "gemeenten minder dan voldoende capaciteit (waardering D of lager)."
    )


def region_features(region, codes: Sequence[str], geo: Mapping) -> tuple[dict, list[str]]:
    """The map shapes of ``codes`` (municipalities of ``region``, which may be None for a
    bare list of codes) and the codes not found.

    A code is drawn with its own outline when ``geo`` (a GeoJSON FeatureCollection with
    ``gemeentecode``) has it; a municipality formed after the outlines were drawn (a merger)
    with the union of its predecessors' outlines, when all of them are there. Names come
    from the region file (the outlines write, for example, "Hengelo (O.)"). The codes that
    have no shape are returned in order, for a note under the map.

    >>> from bekostiging.config.region import load_region
    >>> sq = lambda x: {"type": "Polygon", "coordinates": [[[x, 52], [x + 1, 52],
    ...                 [x + 1, 53], [x, 53], [x, 52]]]}
    >>> geo = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"gemeentecode": c}, "geometry": sq(i)}
    ...     for i, c in enumerate(["GM0361", "GM0398", "GM0416"])]}
    >>> fc, missing = region_features(load_region("alkmaar"), ["GM0361", "GM1980", "GM0399"], geo)
    >>> [(f["properties"]["gemeentenaam"], f["geometry"]["type"]) for f in fc["features"]]
    [('Alkmaar', 'Polygon'), ('Dijk en Waard', 'Polygon')]
    >>> missing
    ['GM0399']
    """
    outlines = {f["properties"].get("gemeentecode"): f for f in geo["features"]}
    known = {m.code for m in region.municipalities} if region is not None else set()

    def predecessors(code: str) -> list[str]:
        """The outlined predecessors that make up ``code``; [] unless all are found."""
        out = []
        for direct in region.predecessors(code) if code in known else []:
            found = [direct] if direct in outlines else predecessors(direct)
            if not found:
                return []
            out += found
        return out

    features, missing = [], []
    for code in codes:
        name = region.name_of(code) if code in known else None
        if code in outlines:
            geometry = outlines[code]["geometry"]
            name = name or outlines[code]["properties"].get("gemeentenaam", code)
        else:
            parts = predecessors(code)
            if not parts:
                missing.append(code)
                continue
            union = shapely.union_all(
                [shapely.geometry.shape(outlines[p]["geometry"]) for p in parts]
            )
            geometry = json.loads(json.dumps(shapely.geometry.mapping(union)))
        features.append(
            {
                "type": "Feature",
                "properties": {"gemeentecode": code, "gemeentenaam": name or code},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}, missing


def map_boundaries(region, codes: Sequence[str], year: int) -> tuple[dict, list[str], int]:
    """The shapes of ``codes`` from the national outlines for ``year``, the codes not found
    and the outline year used: the shipped year for ``year`` (:func:`boundary_year`), or
    another shipped year that has more of the codes.

    >>> from bekostiging.config.region import load_region
    >>> fc, missing, used = map_boundaries(load_region("alkmaar"), ["GM1980", "GM0361"], 2021)
    >>> len(fc["features"]), missing, used
    (2, [], 2023)
    """
    first = boundary_year(year)
    best = None
    for outline_year in [first, *(y for y in BOUNDARY_YEARS if y != first)]:
        fc, missing = region_features(region, codes, load_boundaries(year=outline_year))
        if best is None or len(missing) < len(best[1]):
            best = (fc, missing, outline_year)
        if not missing:
            break
    return best


def _missing_note(region, missing: Sequence[str], year: int) -> str:
    """The Dutch note for municipalities that are not on the map."""
    known = {m.code for m in region.municipalities} if region is not None else set()
    names = [f"{c} ({region.name_of(c)})" if c in known else c for c in missing]
    which = "staat" if len(names) == 1 else "staan"
    return (
        f"Niet op de kaart: {', '.join(names)} {which} niet in de gemeentegrenzen van {year} "
        "(CBS/Kadaster). Controleer de gemeentecode in het regiobestand."
    )


def boundaries_map(
    values: Mapping[str, float],
    *,
    year: int,
    region=None,
    title: str | None = None,
    legend_label: str = "",
    value_format: str = "euro",
    source: str = "",
) -> ReportFigure | Markdown:
    """A map of the municipalities in ``values`` (code -> number), coloured by value, from
    the national outlines for ``year`` (:func:`map_boundaries`; ``region`` gives names and
    mergers). Codes that are not in the outlines are named in a Dutch note under the map;
    when none of them is there, the note replaces the map. ``source`` is added to the
    source line after the outlines.

    >>> fig = boundaries_map({"GM0197": 100.0, "GM9999": 1.0}, year=2024)
    >>> len(fig.axes[0].patches), fig.axes[0].texts[-1].get_text()[:28]
    (1, 'Niet op de kaart: GM9999 sta')
    >>> boundaries_map({"GM9999": 1.0}, year=2024).data[:28]
    'Geen kaart: Niet op de kaart'
    """
    codes = list(values)
    geo, missing, outline_year = map_boundaries(region, codes, year)
    if not geo["features"]:
        return markdown([f"Geen kaart: {_missing_note(region, missing, outline_year)}"])
    drawn = {f["properties"]["gemeentecode"] for f in geo["features"]}
    return choropleth(
        geo,
        {c: v for c, v in values.items() if c in drawn},
        name_property="gemeentenaam",
        title=title,
        legend_label=legend_label,
        value_format=value_format,
        source=f"Bron: CBS/Kadaster (gemeentegrenzen {outline_year})"
        + (f", {source}" if source else ""),
        note=_missing_note(region, missing, outline_year) if missing else None,
        figsize=(8.0, 6.0),
    )


def region_map(analysis, results: Mapping[str, dict]) -> ReportFigure | Markdown:
    """Map of the region coloured by start budget per inhabitant.

    Drawn for any region from the national CBS/Kadaster outlines of the reference year (2023
    or 2024, see :func:`boundaries_map`). Municipalities that are not in the outlines are
    named in a note under the map; when none is there a short note replaces the map.
    """
    rf = results_frame(dict(results))
    first = next(iter(results.values()))["first_full_year"]
    return boundaries_map(
        dict(zip(rf["gemeentecode"], rf["per_inhabitant"].astype(float))),
        year=analysis.settings.reference_year,
        region=analysis.region,
        title=f"Startbudget per inwoner {first}, regio {analysis.region.name} (schatting)",
        legend_label="Startbudget per inwoner (€)",
        source="CBS (inwoners), Iv3; bewerking: startbudget (schatting)",
    )


def region_per_inhabitant_figure(results: Mapping[str, dict]) -> ReportFigure:
    """Bars of the start budget per inhabitant per municipality."""
    out = comparison_frame(results).iloc[:-1]
    first = next(iter(results.values()))["first_full_year"]
    df = pd.DataFrame({"Gemeente": out["Gemeente"], "Per inwoner": out["Per inwoner (€)"]})
    df = df.sort_values("Per inwoner", ascending=False)
    fig = bar_compare(
        df,
        "Gemeente",
        "Per inwoner",
        horizontal=True,
        annotate=True,
        title=f"Startbudget per inwoner {first} (schatting)",
        ylabel="Startbudget per inwoner (€)",
    )
    fig.axes[0].margins(x=0.1)
    return fig


def totals_check_frame(analysis, results: Mapping[str, dict]) -> pd.DataFrame:
    """The regional start budget against the sum of the municipalities' results (numbers)."""
    first = analysis.first_full_year
    regional = float(analysis.start_budget.per_segment()[first].sum())
    c = check_totals(dict(results), regional)
    tolerance = 0.5 * len(results) + 1e-6  # results files hold whole euros per municipality
    return pd.DataFrame(
        {
            "Jaar": [str(first)],
            "Regionale berekening (€)": c["regional_calculation"].to_numpy(dtype=float),
            "Som van de gemeenten (€)": c["sum_of_municipalities"].to_numpy(dtype=float),
            "Verschil (€)": c["difference"].to_numpy(dtype=float),
            "Klopt": [yes_no(abs(float(c["difference"].iloc[0])) <= tolerance)],
        }
    )


def totals_check_table(analysis, results: Mapping[str, dict]) -> ReportTable:
    """The totals check as a table (key table of the regional overview)."""
    return table(
        totals_check_frame(analysis, results),
        {
            "Regionale berekening (€)": euro,
            "Som van de gemeenten (€)": euro,
            "Verschil (€)": euro,
        },
        caption="Controle: het startbudget van de regio, in één keer berekend, tegen de som van "
        "de resultaatbestanden van de gemeenten (afgerond op hele euro's per gemeente; een "
        f"verschil tot {number(len(results) // 2)} euro is afronding).",
    )


def region_start_budget_table(analysis) -> ReportTable:
    """The regional start budget per segment and year."""
    ps = analysis.start_budget.per_segment()
    names = segment_names(analysis)
    segs = [s.id for s in analysis.region.procured_segments() if s.id in ps.index]
    ps = ps.reindex(segs)
    out = pd.DataFrame({"Segment": [names[s] for s in segs]})
    for y in ps.columns:
        out[str(int(y))] = ps[y].to_numpy(dtype=float)
    total = {"Segment": "Totaal"} | {str(int(y)): float(ps[y].sum()) for y in ps.columns}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return table(
        out,
        {c: euro for c in out.columns[1:]},
        caption=f"Startbudget regio {analysis.region.name} per segment en jaar (€, lopende "
        "prijzen; som van de gemeenten). " + estimate_note(analysis, START_BUDGET_ASSUMPTIONS),
    )


def region_shares_table(analysis) -> ReportTable:
    """Step 6 for the region: each municipality's share per segment in the first full year."""
    first = analysis.first_full_year
    r = analysis.start_budget.regional
    r = r[r["year"] == first]
    names = segment_names(analysis, short=True)
    wide = r.pivot_table(index="gemeentecode", columns="segment", values="share", aggfunc="sum")
    segs = [s.id for s in analysis.region.procured_segments() if s.id in wide.columns]
    codes = analysis.region.current_codes()
    wide = wide.reindex(index=codes, columns=segs)
    out = pd.DataFrame({"Gemeente": [analysis.region.name_of(c) for c in codes]})
    for s in segs:
        out[names[s]] = wide[s].to_numpy(dtype=float)
    tot = r.groupby("gemeentecode")["budget"].sum().reindex(codes)
    out["Alle segmenten"] = (tot / tot.sum()).to_numpy(dtype=float)
    return table(
        out,
        {c: percent for c in out.columns[1:]},
        caption=f"Stap 6: aandeel van elke gemeente in het regionale startbudget per segment, "
        f"{first}. " + estimate_note(analysis, START_BUDGET_ASSUMPTIONS),
    )
