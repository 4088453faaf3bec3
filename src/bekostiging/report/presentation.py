"""Dutch display logic for the notebooks and reports: tables, figures and text.

Every function takes the analysis objects (:class:`~bekostiging.analysis.region_analysis.RegionAnalysis`, its
:class:`~bekostiging.analysis.region_analysis.MunicipalityView` or the results files of the regional overview)
and returns something ready to show: a table (a pandas Styler made by
:func:`bekostiging.report.formatting.format_table`, with Dutch headers and Dutch number formats), a
figure in the house style (:mod:`bekostiging.style`) or Markdown text with the figures filled
in. Nothing here computes model results; it selects, labels, formats and words them.

Rules that hold for every output:

- amounts are shown as ``€ 1.234.567`` (or ``€ 12,3 mln`` in text), shares as ``12,3%``;
- every table of model figures says in its caption that the amounts are estimates
  (``schatting``) and names the assumptions they rest on; baseline tables show the flags
  *waargenomen*, *schatting* and *opgave gemeente*;
- client counts of a municipality go through :func:`bekostiging.report.suppression.suppress_small`
  (counts below 10 hidden, totals correct), and so does every figure that would give a hidden
  count away (the cost per client next to the spend);
- the plain-text form of a table is the formatted table itself, so a stored notebook output
  holds no memory address and the same figures give the same output (nbval).

:func:`key_tables` gives the municipality's key tables with numbers kept numeric for the Excel
workbook that :func:`bekostiging.analysis.results.write_outputs` writes.

>>> df = pd.DataFrame({"Segment": ["IAJ"], "2027": [2_816_375.4]})
>>> t = table(df, {"2027": euro}, caption="Startbudget (schatting)")
>>> print(repr(t))
Startbudget (schatting)
Segment       2027
    IAJ € 2.816.375
>>> "€ 2.816.375" in t.to_html()
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from bekostiging.report.charts import (
    OKABE_ITO,
    ReportFigure,
    bar_compare,
    choropleth,
    fan_chart,
    new_figure,
)
from bekostiging.report.formatting import (
    euro,
    euro_mln,
    format_frame,
    format_table,
    number,
    percent,
    text,
)
from bekostiging.report.labels import FLAG_LABELS
from bekostiging.report.suppression import SuppressionResult, suppress_small

# --------------------------------------------------------------------------------------------
# labels

VARIANT_ORDER = ("pq", "output", "lumpsum", "population", "hybrid")

VARIANT_LABELS: dict[str, str] = {
    "pq": "p*q (inspanningsgericht)",
    "output": "Output / trajectprijs",
    "lumpsum": "Lumpsum (taakgericht)",
    "population": "Populatiebekostiging",
    "hybrid": "Hybride (lumpsum + deel p*q)",
}
"""Dutch names of the funding variants (the same as the variant classes' ``name``)."""

VARIANT_SHORT: dict[str, str] = {
    "pq": "p*q",
    "output": "output",
    "lumpsum": "lumpsum",
    "population": "populatie",
    "hybrid": "hybride",
}

DECIDED_LABEL = "Gekozen mix (zoals besloten)"

DOMAIN_LABELS: dict[str, str] = {"jeugd": "Jeugdhulp", "jeugdhulp": "Jeugdhulp", "wmo": "Wmo"}

TARGET_LABELS: dict[str, str] = {
    "totaal": "Alle inwoners",
    "jeugd_0_17": "Jeugdigen 0-17 jaar",
    "jeugd_7_12": "Kinderen 7-12 jaar",
    "volwassen_18plus": "Inwoners 18 jaar en ouder",
}

KEY_LABELS: dict[str, str] = {
    "gebruik": "Eigen inwoners (werkelijk gebruik)",
    "inwoners": "Aantal inwoners",
    "jeugdigen": "Inwoners 0-17 jaar",
    "volwassen": "Inwoners 18 jaar en ouder",
    "volwassenen": "Inwoners 18 jaar en ouder",
    "mix": "Mix van sleutels",
}

GOALS: dict[int, str] = {
    1: "Ondersteuning en zorg zijn tijdig en gericht op een passend, duurzaam resultaat in een "
    "veilige en zoveel mogelijk vertrouwde omgeving.",
    2: "Ondersteuning en zorg verbeteren de beleving dat het leven zinvol is (positieve "
    "gezondheid).",
    3: "De inwoner participeert maximaal naar vermogen in de samenleving.",
    4: "De ondersteuning is flexibel en gericht op samenwerking en ambulantisering; waar "
    "mogelijk wordt snel op- of afgeschaald, zo mogelijk naar het voorliggend veld.",
    5: "Cliënten zijn tevreden over de ondersteuning die zij van de zorgaanbieder krijgen.",
    6: "Partners in de keten zijn tevreden over elkaars bijdrage aan de transformatie.",
}
"""The six goals of the procurement (notitie vervolguitwerking, 9 februari 2021, section 1)."""

INCENTIVE_GOALS: dict[str, tuple[int, ...]] = {
    "volume": (1, 4),
    "duration": (1, 4),
    "upcoding": (1, 6),
    "selection": (1, 5),
    "over_under": (1, 2, 3),
    "waiting": (1, 5),
    "shifting": (4, 6),
    "continuity": (1, 6),
    "admin": (6,),
}
"""Which of the six goals each perverse incentive threatens (so its KPI monitors that goal)."""

SIGNED_INCENTIVES = ("volume", "duration", "over_under")
NOISE = 0.002  # incentive sizes closer to zero than this are simulation noise (incentives.NOISE)


@lru_cache(maxsize=1)
def _labels_nl() -> dict[str, dict[str, str]]:
    """Dutch wording of assumption units and sources (data/assumptions/labels_nl.yaml)."""
    import yaml

    from bekostiging.core.paths import ASSUMPTIONS_DIR

    path = ASSUMPTIONS_DIR / "labels_nl.yaml"
    if not path.is_file():
        return {"units": {}, "sources": {}}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"units": dict(data.get("units") or {}), "sources": dict(data.get("sources") or {})}


START_BUDGET_ASSUMPTIONS = (
    "prevalence.*",
    "startbudget.trend_damping",
    "index.care_cost",
    "startbudget.efficiency.*",
    "startbudget.chain_agreements.*",
    "startbudget.local_policy.*",
)
PROJECTION_ASSUMPTIONS = (
    "projection.volume_share",
    "projection.index_sd",
    "projection.hybrid_pq_share",
    "projection.provider_margin",
)
RESERVE_ASSUMPTIONS = ("reserves.available", "reserves.available_per_inhabitant")


# --------------------------------------------------------------------------------------------
# small helpers


class ReportTable(Styler):
    """A Styler whose plain-text form is the formatted table, not ``<Styler at 0x...>``.

    Jupyter stores a table's HTML and its plain text; with this class both are the same for the
    same figures, so stored notebook outputs can be compared (nbval) and hold no memory address.
    """

    plain: str = ""

    def __repr__(self) -> str:
        return self.plain


def table(
    df: pd.DataFrame,
    formats: Mapping[str, Any] | None = None,
    *,
    caption: str | None = None,
) -> ReportTable:
    """A report table: :func:`bekostiging.report.formatting.format_table` with a stable plain text.

    >>> t = table(pd.DataFrame({"Aandeel": [0.123]}), {"Aandeel": percent})
    >>> repr(t).splitlines()
    ['Aandeel', '  12,3%']
    """
    styler = format_table(df, formats, caption=caption)
    body = format_frame(df.reset_index(drop=True), formats).to_string(index=False)
    styler.__class__ = ReportTable
    styler.plain = f"{caption}\n{body}" if caption else body
    return styler


def amount(x: float) -> str:
    """An amount for running text: millions from a million up, else whole euros.

    >>> amount(16_506_480.2), amount(245_294.4)
    ('€ 16,5 mln', '€ 245.294')
    """
    return euro_mln(x, 1) if abs(float(x)) >= 1e6 else euro(x)


def yes_no(value: Any) -> str:
    """``ja`` / ``nee`` for a truth value.

    >>> yes_no(True), yes_no(np.False_)
    ('ja', 'nee')
    """
    return "ja" if bool(value) else "nee"


def percent_points(x: Any) -> str:
    """A percentage given as a number from 0 to 100 (the risk table's ``Kans (%)``).

    >>> percent_points(45.02)
    '45%'
    """
    return text(x) if isinstance(x, str) else percent(float(x) / 100.0, 0)


def factor(x: Any) -> str:
    """A multiplication factor with three decimals: ``1,055``."""
    return number(x, 3)


def variant_label(key: str) -> str:
    """The Dutch name of a funding variant key.

    >>> variant_label("pq"), variant_label("decided")
    ('p*q (inspanningsgericht)', 'Gekozen mix (zoals besloten)')
    """
    return DECIDED_LABEL if key == "decided" else VARIANT_LABELS.get(key, key)


def segment_names(analysis, short: bool = False) -> dict[str, str]:
    """Segment id -> Dutch name (or the short name) for every segment of the region."""
    return {s.id: (s.short if short else s.name) for s in analysis.region.segments}


def _analysis(obj):
    """The RegionAnalysis behind a view (or the analysis itself)."""
    return getattr(obj, "analysis", obj)


def _param_text(value: Any) -> str:
    """A parameter value in Dutch notation (decimal comma, thousands dot, lists, mappings).

    >>> _param_text({"GM0197": 2e6, "default": 0.015}), _param_text([0.5, 2])
    ('GM0197: 2.000.000; overig: 0,015', '0,5, 2')
    """
    if isinstance(value, Mapping):
        return "; ".join(
            f"{'overig' if k == 'default' else k}: {_param_text(v)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(_param_text(v) for v in value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | np.integer):
        return number(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer() and abs(v) >= 1000:
            return number(v)
        if v.is_integer():
            return str(int(v))
        return repr(v).replace(".", ",")
    return str(value)


def assumption_names(params, names: Iterable[str]) -> str:
    """Named assumptions for a caption: scalar values filled in, estimates marked.

    A name ending in ``.*`` stands for all parameters under that prefix.

    >>> from bekostiging.config.region import load_region
    >>> p = load_region("achterhoek").parameters
    >>> assumption_names(p, ["startbudget.trend_damping", "prevalence.*"])
    'startbudget.trend_damping = 0,5 (schatting), prevalence.* (schatting)'
    """
    parts = []
    for name in names:
        if name.endswith(".*"):
            members = params.names(name[:-1])
            if not members:
                continue
            est = any(params.param(m).is_estimate for m in members)
            parts.append(f"{name}" + (" (schatting)" if est else ""))
            continue
        if name not in params:
            continue
        p = params.param(name)
        value = p.value
        shown = f"{name} = {_param_text(value)}" if not isinstance(value, Mapping) else name
        parts.append(shown + (" (schatting)" if p.is_estimate else f" ({source_label(p.source)})"))
    return ", ".join(parts)


def estimate_note(obj, names: Iterable[str], what: str = "De bedragen") -> str:
    """The sentence under a table of model figures: estimate, resting on named assumptions."""
    a = _analysis(obj)
    listed = assumption_names(a.params, names)
    tail = f" op de aannames {listed}" if listed else " op de aannames in de bijlage"
    return f"{what} zijn een schatting en rusten{tail}; zie de bijlage."


def unit_label(unit: str) -> str:
    """The Dutch wording of a unit from an assumption file (the unit itself if unknown)."""
    return _labels_nl()["units"].get(unit, unit)


def source_label(source: str) -> str:
    """The Dutch wording of a source: ``estimate`` becomes ``schatting``.

    >>> source_label("estimate"), source_label("CBS 03759ned")
    ('schatting', 'CBS 03759ned')
    """
    sources = _labels_nl()["sources"]
    if source in sources:
        return sources[source]
    s = re.sub(r"^estimate\b", "schatting", source.strip())
    s = s.replace("seed 003", "notitie 9 februari 2021").replace(" step ", " stap ")
    return s


def _markdown(lines: Iterable[str]) -> Markdown:
    """Markdown from lines; ``p*q`` is escaped so that its star is not read as emphasis."""
    return Markdown("\n".join(lines).replace("p*q", "p\\*q"))


def _years_text(years: Sequence[int]) -> str:
    years = sorted(int(y) for y in years)
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _flag_summary(flags: pd.Series, years: pd.Series) -> str:
    """Flags per year as text: 'schatting' or 'waargenomen 2023-2024; schatting 2017-2022'."""
    labels = flags.map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
    groups: dict[str, list[int]] = {}
    for label, year in zip(labels, years, strict=True):
        groups.setdefault(label or "onbekend", []).append(int(year))
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(f"{label} {_years_text(ys)}" for label, ys in groups.items())


def scorecard(obj) -> pd.DataFrame:
    """The incentive scorecard of the region (one row per segment x incentive)."""
    return _analysis(obj).scorecard


# --------------------------------------------------------------------------------------------
# title and settings


def title(view) -> Markdown:
    """The report's title with the municipality and the settings of the run."""
    a = view.analysis
    s = a.settings
    years = _years_text(a.contract_years)
    return _markdown(
        [
            f"# Bekostiging jeugdhulp en Wmo: {view.name}",
            "",
            f"**Gemeente {view.name}** ({view.code}), regio {a.region.name}. Peiljaar "
            f"{s.reference_year}; contract vanaf {_date_nl(s.contract_start)} "
            f"({years}); {number(s.draws)} simulaties; terugblik vanaf {s.backtest_year}"
            + (f"; scenario {Path(s.scenario).name}" if s.scenario else "")
            + ".",
        ]
    )


def region_title(analysis) -> Markdown:
    """The regional overview's title with the settings of the run."""
    s = analysis.settings
    names = ", ".join(analysis.region.name_of(c) for c in analysis.region.current_codes())
    return _markdown(
        [
            f"# Bekostiging jeugdhulp en Wmo: regio {analysis.region.name}",
            "",
            f"Regionaal overzicht voor {names}. Peiljaar {s.reference_year}; contract vanaf "
            f"{_date_nl(s.contract_start)} ({_years_text(analysis.contract_years)}); "
            f"{number(s.draws)} simulaties; terugblik vanaf {s.backtest_year}"
            + (f"; scenario {Path(s.scenario).name}" if s.scenario else "")
            + ".",
        ]
    )


MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def _date_nl(iso: str | None) -> str:
    """An ISO date in Dutch words.

    >>> _date_nl("2027-01-01")
    '1 januari 2027'
    """
    if not iso:
        return "de contractstart uit het regiobestand"
    y, m, d = (int(x) for x in str(iso)[:10].split("-"))
    return f"{d} {MONTHS_NL[m - 1]} {y}"


# --------------------------------------------------------------------------------------------
# key figures and the summary for the college


def _first_year_budget(view) -> pd.DataFrame:
    sb = view.start_budget()
    return sb[sb["year"] == view.analysis.first_full_year]


def strongest_incentives(obj, n: int = 3) -> pd.DataFrame:
    """The ``n`` strongest perverse incentives under the decided variants.

    Each incentive (administrative burden left out) is ranked by its largest size over the
    segments, weighted by the segment's share of the regional start budget in the first full
    contract year, so an incentive in a large segment counts more than the same size in a small
    one. Returns the scorecard rows of the segment where each incentive weighs most.
    """
    a = _analysis(obj)
    card = scorecard(a)
    t = a.start_budget.table
    budget = t[t["year"] == a.first_full_year].groupby("segment")["budget"].sum()
    weight = (budget / budget.sum()).to_dict()
    c = card[(card["incentive_key"] != "admin") & (card["size"].abs() >= NOISE)].copy()
    c["_weight"] = c["size"].abs() * c["segment"].map(weight).fillna(0.0)
    c = c.sort_values("_weight", ascending=False, kind="stable")
    c = c.drop_duplicates("incentive_key").head(n)
    return c.drop(columns="_weight").reset_index(drop=True)


def key_figures(view) -> dict[str, Any]:
    """The numbers the summary quotes, taken from the analysis (no new computation)."""
    a = view.analysis
    first = a.first_full_year
    sb = view.start_budget()
    now = sb[sb["year"] == first]
    domain = {s.id: s.domain for s in a.region.segments}
    by_domain = now.groupby(now["segment"].map(domain))["budget"].sum()
    variants = view.variant_summary(years=[first])
    decided = view.decided_quantiles().loc[first]
    cap = view.capacity()
    bt = view.backtest()
    mine = bt[bt["gemeentecode"] == view.code]
    return {
        "name": view.name,
        "first_year": first,
        "contract_years": list(a.contract_years),
        "start_budget": float(now["budget"].sum()),
        "start_budget_jeugd": float(by_domain.get("jeugd", 0.0)),
        "start_budget_wmo": float(by_domain.get("wmo", 0.0)),
        "start_budget_total": float(sb["budget"].sum()),
        "inhabitants": float(a.population_now[view.code]),
        "decided_p10": float(decided["p10"]),
        "decided_p50": float(decided["p50"]),
        "decided_p90": float(decided["p90"]),
        "variant_p50": {k: float(variants.loc[k, "p50"]) for k in variants.index},
        "variant_p90": {k: float(variants.loc[k, "p90"]) for k in variants.index},
        "required": float(cap["required"]),
        "required_worst": float(cap["required_worst"]),
        "available": float(cap["available"]),
        "ratio": float(cap["ratio"]),
        "rating": str(cap["rating"]),
        "backtest_years": sorted(int(y) for y in mine["year"].unique()),
        "backtest_error_p50": float(mine["error_p50"].abs().mean()),
        "backtest_error_budget": float(mine["error_budget"].abs().mean()),
        "backtest_bias_budget": float(mine["error_budget"].mean()),
        "backtest_inside": int(mine["inside"].sum()),
        "backtest_n": len(mine),
        "region_budget_bias": {
            d: float(g["error_budget"].mean())
            for d, g in bt[bt["gemeentecode"] == "regio"].groupby("domain")
        },
        "region_p50_bias": {
            d: float(g["error_p50"].mean())
            for d, g in bt[bt["gemeentecode"] == "regio"].groupby("domain")
        },
    }


def _above_below(x: float) -> str:
    """A relative deviation in words: ``18,6% onder`` or ``5,5% boven``.

    >>> _above_below(-0.186), _above_below(0.055)
    ('18,6% onder', '5,5% boven')
    """
    return f"{percent(abs(x))} {'onder' if x < 0 else 'boven'}"


def _funding_mix(analysis) -> str:
    groups: dict[str, list[str]] = {}
    for s in analysis.region.procured_segments():
        groups.setdefault(s.funding["variant"], []).append(s.short)
    return "; ".join(
        f"{VARIANT_SHORT.get(k, k)} voor {', '.join(v)}"
        for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    )


def funding_mix_text(obj) -> Markdown:
    """The decided funding per segment in one sentence."""
    a = _analysis(obj)
    return _markdown(
        [
            f"De *gekozen mix* is de bekostiging die regio {a.region.name} per segment heeft "
            f"besloten: {_funding_mix(a)}. De andere regels rekenen alle segmenten met één "
            "variant door, ter vergelijking."
        ]
    )


def college_summary(view) -> Markdown:
    """The key messages for the college: 3-6 bullets with the figures filled in."""
    from bekostiging.model.risk import RATING_LABELS

    a = view.analysis
    k = key_figures(view)
    first = k["first_year"]
    years = _years_text(k["contract_years"])
    per_inh = k["start_budget"] / k["inhabitants"]
    pq = k["variant_p50"].get("pq")
    ls = k["variant_p50"].get("lumpsum")
    lines = [
        "**Kernboodschappen**",
        "",
        f"- **Startbudget.** Voor {first}, het eerste volledige contractjaar, is het startbudget "
        f"van {k['name']} {amount(k['start_budget'])} ({euro(per_inh)} per inwoner): "
        f"{amount(k['start_budget_jeugd'])} jeugdhulp en {amount(k['start_budget_wmo'])} Wmo. "
        f"Over de hele contractperiode ({years}) is dat {amount(k['start_budget_total'])}.",
        f"- **Kosten van de gekozen bekostiging** ({_funding_mix(a)}). In {first} betaalt de "
        f"gemeente naar verwachting {amount(k['decided_p50'])} (P50, de middelste uitkomst); "
        f"met 10% kans {amount(k['decided_p90'])} of meer (P90). "
        + (
            f"Alles in p*q zou in de middelste uitkomst {amount(pq)} kosten, alles in lumpsum "
            f"{amount(ls)}."
            if pq is not None and ls is not None
            else ""
        ),
        f"- **Weerstandsvermogen.** Om tegenvallers in {first} met 90% zekerheid op te vangen is "
        f"{amount(k['required'])} nodig; beschikbaar is {amount(k['available'])}. Ratio "
        f"{number(k['ratio'], 2)}: waardering **{k['rating']}** "
        f"({RATING_LABELS.get(k['rating'], '')}). In het zwaarste contractjaar loopt de "
        f"benodigde capaciteit op tot {amount(k['required_worst'])}, omdat de onzekerheid met "
        "de jaren groeit.",
    ]
    top = strongest_incentives(a, 2)
    if not top.empty:
        names = segment_names(a, short=True)
        parts = [
            f"{r.incentive} ({names.get(r.segment, r.segment)}, "
            f"{VARIANT_SHORT.get(r.variant, '')}: {r.direction}, {r.size_text}); "
            + (
                f"de dempende maatregel ({r.mitigation}) zit al in de contractvorm"
                if str(r.mitigation_text).startswith("n.v.t.")
                else f"{r.mitigation} brengt dit van "
                f"{_size_short(r.incentive_key, r.size)} naar "
                f"{_size_short(r.incentive_key, r.size + r.mitigation_effect)}"
            )
            for r in top.itertuples()
        ]
        lines.append(
            "- **Sterkste perverse prikkels** bij de gekozen varianten: "
            + "; ".join(parts)
            + ". Hoofdstuk 11 koppelt aan elke prikkel een KPI."
        )
    youth = k["region_budget_bias"].get("jeugd")
    lines.append(
        f"- **Betrouwbaarheid van budgetten.** Terugkijkend vanaf {a.settings.backtest_year} "
        f"({_years_text(k['backtest_years'])}) week de eigen primaire begroting van "
        f"{k['name']} gemiddeld {percent(k['backtest_error_budget'])} af van de werkelijke "
        f"uitgaven, de middelste uitkomst van dit model {percent(k['backtest_error_p50'])}; de "
        f"werkelijke uitgaven lagen in {k['backtest_inside']} van de {k['backtest_n']} gevallen "
        "binnen de band P10-P90."
        + (
            f" In de regio als geheel lag de begroting voor jeugdhulp gemiddeld "
            f"{_above_below(youth)} de werkelijke uitgaven."
            if youth is not None
            else ""
        )
    )
    lines.append(
        "- **Alle bedragen zijn schattingen** op basis van openbare cijfers (CBS, Iv3) en "
        "benoemde aannames; de bijlage noemt elke aanname met bron en markeert de schattingen."
    )
    return _markdown(lines)


def decision_points(view) -> Markdown:
    """The decision points for the college that the figures inform."""
    k = key_figures(view)
    first = k["first_year"]
    return _markdown(
        [
            "**Beslispunten waarvoor deze analyse de onderbouwing geeft**",
            "",
            f"1. Het startbudget per segment voor {first} en de jaren daarna vaststellen "
            f"({amount(k['start_budget'])} in {first}; hoofdstuk 3).",
            "2. De bekostigingsvariant per segment en de afspraken over verrekening (corridor, "
            "vangnet) bevestigen of aanpassen (hoofdstukken 4 tot en met 6).",
            f"3. De risico's opnemen in de paragraaf weerstandsvermogen en beslissen of de "
            f"beschikbare capaciteit ({amount(k['available'])}, waardering {k['rating']}) "
            "volstaat (hoofdstuk 8).",
            "4. Een verdeelsleutel kiezen voor kosten die regionaal worden gedragen (hoofdstuk 9).",
            "5. De KPI's vastleggen waarmee contractmanagement de perverse prikkels volgt "
            "(hoofdstuk 11).",
        ]
    )


# --------------------------------------------------------------------------------------------
# baseline and sources (section 2)


def baseline_spend_table(view) -> ReportTable:
    """Spend per segment and year (Iv3 actuals converted to segments) with its flags."""
    a = view.analysis
    b = view.baseline()
    names = segment_names(a)
    order = [s.id for s in a.region.segments]
    wide = b.pivot_table(index="segment", columns="year", values="spend", aggfunc="sum")
    wide = wide.reindex([s for s in order if s in wide.index])
    years = [int(y) for y in wide.columns]
    procured = {s.id: s.procured for s in a.region.segments}
    flags = {
        seg: _flag_summary(g["spend_flag"], g["year"])
        for seg, g in b.groupby("segment", sort=False)
    }
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in wide.index],
            "Ingekocht": [yes_no(procured[s]) for s in wide.index],
        }
    )
    for y in years:
        out[str(y)] = wide[y].to_numpy(dtype=float)
    out["Herkomst"] = [flags.get(s, "") for s in wide.index]
    total = {"Segment": "Totaal", "Ingekocht": ""} | {str(y): float(wide[y].sum()) for y in years}
    total["Herkomst"] = ""
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return table(
        out,
        {str(y): euro for y in years},
        caption=f"Uitgaven {view.name} per segment en jaar (€, Iv3-jaarrekening omgezet naar "
        "segmenten). Herkomst: waargenomen = rechtstreeks uit Iv3; schatting = verdeling van "
        "een taakveld over segmenten volgens de conversietabel (stap 2) of regionale "
        "toerekening; opgave gemeente = eigen cijfers van de gemeente.",
    )


def client_suppression(view, years: Sequence[int] | None = None) -> SuppressionResult:
    """Clients per procured segment (rows) and year (columns) with small counts hidden.

    One suppression for all client tables of a municipality, so every table hides the same
    cells; totals per year are the true totals.
    """
    a = view.analysis
    b = view.baseline()
    b = b[b["procured"]]
    years = sorted(int(y) for y in (years or b["year"].unique()))
    names = segment_names(a)
    wide = b.pivot_table(index="segment", columns="year", values="clients", aggfunc="sum")
    wide = wide.reindex(index=[s.id for s in a.region.procured_segments()], columns=years)
    df = pd.DataFrame({"Segment": [names[s] for s in wide.index]})
    for y in years:
        df[str(y)] = np.round(wide[y].to_numpy(dtype=float))
    return suppress_small(df, [str(y) for y in years], total_column=None, label_column="Segment")


def _hidden(res: SuppressionResult) -> pd.DataFrame:
    """Hidden mask of a suppression over the ordinary rows (without the total row)."""
    h = res.hidden
    return h.iloc[:-1] if res.column_total is not None else h


def baseline_clients_table(view, last: int = 4) -> ReportTable:
    """Clients per procured segment in the last ``last`` years up to the reference year."""
    ref = view.analysis.settings.reference_year
    years = list(range(ref - last + 1, ref + 1))
    res = client_suppression(view, years)
    procured = view.baseline()[view.baseline()["procured"]]
    flags = {
        seg: _flag_summary(g["clients_flag"], g["year"])
        for seg, g in procured[procured["year"].isin(years)].groupby("segment", sort=False)
    }
    out = res.display.reset_index(drop=True)
    out["Herkomst"] = [flags.get(s.id, "") for s in view.analysis.region.procured_segments()] + [""]
    return table(
        out,
        {str(y): number for y in years},
        caption=f"Cliënten {view.name} per ingekocht segment (aantal per jaar, afgerond). "
        "Geen openbare bron geeft cliënten per segment: de aantallen zijn een schatting "
        "(prevalentie x inwoners van de doelgroep, aanname prevalence.*), tenzij de gemeente "
        f"eigen cijfers opgaf. {res.note}",
    )


def population_table(view) -> ReportTable:
    """Inhabitants per target group and year (CBS; later years extrapolated)."""
    b = view.baseline()
    p = b.drop_duplicates(["target_population", "year"])
    wide = p.pivot_table(
        index="target_population", columns="year", values="population", aggfunc="first"
    )
    groups = [g for g in TARGET_LABELS if g in wide.index] + [
        g for g in wide.index if g not in TARGET_LABELS
    ]
    wide = wide.reindex(groups)
    years = [int(y) for y in wide.columns]
    out = pd.DataFrame({"Doelgroep": [TARGET_LABELS.get(g, g) for g in wide.index]})
    for y in years:
        out[str(y)] = np.round(wide[y].to_numpy(dtype=float))
    out["Herkomst"] = [
        _flag_summary(g["population_flag"], g["year"])
        for _, g in p.set_index("target_population").loc[groups].groupby(level=0, sort=False)
    ]
    return table(
        out,
        {str(y): number for y in years},
        caption=f"Inwoners {view.name} per doelgroep (1 januari). Bron: CBS (totaal per "
        "gemeente); de verdeling naar leeftijd is een schatting uit de CBS-leeftijdsklassen van "
        "2020 (aannames age_groups.*).",
    )


def _benchmark_frame(b: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Gemeente": b["gemeente"].to_numpy(),
            "Domein": b["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Uitgaven (€)": b["spend"].to_numpy(dtype=float),
            "Per relevante inwoner (€)": b["per_relevant_inhabitant"].to_numpy(dtype=float),
            "Percentiel in Nederland": b["percentile"].to_numpy(dtype=float) / 100.0,
            "Mediaan Nederland (€)": b["national_median"].to_numpy(dtype=float),
            "Mediaan grootteklasse (€)": b["size_class_median"].to_numpy(dtype=float),
            "Grootteklasse (inwoners)": b["size_class"].to_numpy(),
        }
    )


_BENCHMARK_FORMATS = {
    "Uitgaven (€)": euro,
    "Per relevante inwoner (€)": euro,
    "Percentiel in Nederland": partial(percent, decimals=0),
    "Mediaan Nederland (€)": euro,
    "Mediaan grootteklasse (€)": euro,
}


def _benchmark_caption(analysis) -> str:
    year = analysis.settings.reference_year
    return (
        f"Benchmark (stap 7d): uitgaven per relevante inwoner in {year} tegen alle Nederlandse "
        "gemeenten (Iv3-jaarrekening). Jeugdhulp: taakvelden 6.72-6.74 per inwoner van 0-17 "
        "jaar; Wmo: 6.6 en 6.71 per inwoner van 18 jaar en ouder. Percentiel 80% = 80% van de "
        "gemeenten geeft minder uit. Het aantal relevante inwoners is een schatting uit de "
        "leeftijdsverdeling van 2020."
    )


def benchmark_table(view) -> ReportTable:
    """The municipality and the region against all Dutch municipalities (step 7d)."""
    b = view.benchmark().copy()
    b["_regio"] = b["gemeentecode"] == "regio"
    b = b.sort_values(["domain", "_regio"], kind="stable").drop(columns="_regio")
    b.loc[b["gemeentecode"] == "regio", "gemeente"] = f"Regio {view.analysis.region.name}"
    return table(_benchmark_frame(b), _BENCHMARK_FORMATS, caption=_benchmark_caption(view.analysis))


def region_benchmark_table(analysis) -> ReportTable:
    """Every municipality of the region and the region itself against all municipalities."""
    b = analysis.benchmark.copy()
    b["_regio"] = b["gemeentecode"] == "regio"
    b = b.sort_values(["domain", "_regio", "gemeente"], kind="stable").drop(columns="_regio")
    b.loc[b["gemeentecode"] == "regio", "gemeente"] = f"Regio {analysis.region.name}"
    return table(_benchmark_frame(b), _BENCHMARK_FORMATS, caption=_benchmark_caption(analysis))


def data_gaps(view) -> Markdown:
    """What the figures of this municipality rest on and where the data have gaps."""
    a = view.analysis
    b = view.baseline()
    ref = a.settings.reference_year
    procured = b[b["procured"] & (b["year"] == ref)]
    spend_est = (procured["spend_flag"] == "estimated").mean()
    clients_sub = (procured["clients_flag"] == "submitted").mean()
    subs = a.provenance()["submissions"]
    years = sorted(int(y) for y in b["year"].unique())
    lines = [
        "**Gegevens en hiaten**",
        "",
        f"- Uitgaven: Iv3-jaarrekeningen {_years_text(years)} (CBS). Iv3 kent taakvelden, geen "
        f"inkoopsegmenten; de omzetting naar segmenten (stap 2) is een schatting. In {ref} "
        f"berust {percent(spend_est, 0)} van de uitgaven van de ingekochte segmenten op die "
        "omzetting.",
        "- Cliënten per segment publiceert geen openbare bron per gemeente: de aantallen zijn "
        "prevalentie x doelgroep (aannames prevalence.*). "
        + (
            f"De gemeente leverde eigen cijfers voor {percent(clients_sub, 0)} van de segmenten."
            if clients_sub > 0
            else "De gemeente leverde (nog) geen eigen cijfers in het vaste format; vervangt "
            "ze de schattingen, dan worden de bedragen per cliënt betrouwbaarder."
        ),
        "- Tarieven, kosten per cliënt als referentie, het gedrag van aanbieders en het "
        "aanbiederslandschap zijn aannames (deels uit literatuur); het aanbiederslandschap is "
        "illustratief en geanonimiseerd.",
        "- Beschikbare weerstandscapaciteit en lokaal beleid (stap 5) komen uit de aannames; "
        "vervang ze door de cijfers uit de eigen begroting.",
    ]
    if subs:
        lines.append(f"- Verwerkte opgaven van gemeenten: {', '.join(subs)}.")
    return _markdown(lines)


# --------------------------------------------------------------------------------------------
# start budget (section 3)


def step1_table(obj) -> ReportTable:
    """Step 1: the procured segments, sub-segments, funding and contract start."""
    a = _analysis(obj)
    s = a.start_budget.segments
    start = {
        seg.id: a.settings.contract_start or (seg.contract_start and seg.contract_start.isoformat())
        for seg in a.region.procured_segments()
    }
    out = pd.DataFrame(
        {
            "Segment": s["segment_name"].to_numpy(),
            "Domein": s["domain"].map(DOMAIN_LABELS).to_numpy(),
            "Subsegmenten": s["subsegments"].to_numpy(),
            "Bekostiging (besloten)": s["funding"].map(variant_label).to_numpy(),
            "Start contract": [_date_nl(start[x]) for x in s["segment"]],
            "Doelgroep": s["target_population"].map(lambda g: TARGET_LABELS.get(g, g)).to_numpy(),
        }
    )
    return table(
        out,
        caption="Stap 1: de ingekochte segmenten, hun subsegmenten en de besloten bekostiging "
        "(notitie 9 februari 2021, hoofdstuk 2 en 3).",
    )


def step2_table(obj) -> ReportTable:
    """Step 2: how the Iv3 task fields are converted to segments."""
    from bekostiging.data.rawdata import load_taakvelden
    from bekostiging.model.startbudget import step2_conversion

    a = _analysis(obj)
    conv = step2_conversion(a.region)
    titles = load_taakvelden().sort_values("year").groupby("taakveld")["title"].last()
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Jaren": conv["years"].astype(str).to_numpy(),
            "Taakveld": conv["taakveld"].astype(str).to_numpy(),
            "Omschrijving taakveld": conv["taakveld"].map(titles).fillna("").to_numpy(),
            "Segment": conv["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aandeel": conv["share"].to_numpy(dtype=float),
            "Geldt voor": conv["gemeentecode"]
            .map(lambda c: a.region.name_of(c) if isinstance(c, str) and c else "alle gemeenten")
            .to_numpy(),
            "Bron": conv["source"].map(source_label).to_numpy(),
        }
    )
    return table(
        out,
        {"Aandeel": percent},
        caption="Stap 2: omzetting van Iv3-taakvelden naar segmenten (aandeel van het "
        "taakveld per segment; per taakveld samen 100%). Aandelen met bron 'schatting' zijn "
        "aannames van de regio (data/assumptions/conversion).",
    )


def trend_table(obj) -> ReportTable:
    """The historical trend per procured segment that step 3 uses (damped)."""
    a = _analysis(obj)
    t = a.start_budget.trend
    procured = [s.id for s in a.region.procured_segments() if s.id in t.index]
    t = t.loc[procured]
    names = segment_names(a)
    damping = float(a.params.value("startbudget.trend_damping"))
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in procured],
            "Historische reële groei per jaar": np.expm1(t["mu"].to_numpy(dtype=float)),
            "Gebruikte trend per jaar": t["trend_used"].to_numpy(dtype=float),
            "Spreiding per jaar (sd)": t["sigma"].to_numpy(dtype=float),
            "Regionaal deel van de spreiding": t["rho"].to_numpy(dtype=float),
            "Periode": [f"{int(a_)}-{int(b_)}" for a_, b_ in zip(t["first_year"], t["last_year"])],
        }
    )
    signed = partial(percent, decimals=1, signed=True)
    return table(
        out,
        {
            "Historische reële groei per jaar": signed,
            "Gebruikte trend per jaar": signed,
            "Spreiding per jaar (sd)": percent,
            "Regionaal deel van de spreiding": partial(percent, decimals=0),
        },
        caption="Historische trend (invoer voor stap 3): reële groei van de uitgaven per inwoner "
        f"van de doelgroep in de regio. Voor het startbudget telt {percent(damping, 0)} van die "
        f"groei mee (aanname startbudget.trend_damping = {number(damping, 1)}, schatting).",
    )


def _first_rows(view) -> pd.DataFrame:
    a = view.analysis
    t = _first_year_budget(view).set_index("segment")
    return t.reindex([s.id for s in a.region.procured_segments() if s.id in t.index])


def step3_table(view) -> ReportTable:
    """Step 3: expected clients in the first full year: reference x demography x trend x policy."""
    a = view.analysis
    first, ref = a.first_full_year, a.settings.reference_year
    t = _first_rows(view)
    names = segment_names(a)
    counts = pd.DataFrame(
        {
            "Segment": [names[s] for s in t.index],
            f"Cliënten {ref}": np.round(t["clients_ref"].to_numpy(dtype=float)),
            f"Verwacht {first}": np.round(t["clients"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(
        counts, [f"Cliënten {ref}", f"Verwacht {first}"], total_column=None, label_column="Segment"
    )
    out = res.display.reset_index(drop=True)
    out.insert(2, "Demografie", [*t["demography_factor"].to_numpy(dtype=float), np.nan])
    out.insert(3, "Trend", [*t["trend_factor"].to_numpy(dtype=float), np.nan])
    out.insert(4, "Lokaal beleid", [*t["policy_factor"].to_numpy(dtype=float), np.nan])
    return table(
        out,
        {
            f"Cliënten {ref}": number,
            f"Verwacht {first}": number,
            "Demografie": factor,
            "Trend": factor,
            "Lokaal beleid": factor,
        },
        caption=f"Stap 3: verwachte cliënten {view.name} in {first} = cliënten in het peiljaar "
        f"{ref} x factor demografie (groei van de doelgroep) x factor trend x factor lokaal "
        f"beleid (stap 5). {res.note} "
        + estimate_note(
            a,
            ["prevalence.*", "startbudget.trend_damping", "startbudget.local_policy.*"],
            "De aantallen",
        ),
    )


def step4_table(view) -> ReportTable:
    """Step 4: spend and clients in the reference year and spend per client."""
    a = view.analysis
    ref = a.settings.reference_year
    t = _first_rows(view)
    names = segment_names(a)
    counts = pd.DataFrame(
        {
            "Segment": [names[s] for s in t.index],
            f"Cliënten {ref}": np.round(t["clients_ref"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(counts, [f"Cliënten {ref}"], total_column=None, label_column="Segment")
    hidden = _hidden(res)[f"Cliënten {ref}"].to_numpy()
    cpc = np.where(hidden, np.nan, t["cost_per_client_ref"].to_numpy(dtype=float))
    refs = {
        s: float(a.params.value(f"cost_per_client_reference.{s}"))
        for s in t.index
        if f"cost_per_client_reference.{s}" in a.params
    }
    ratio = [
        np.nan if h else c / refs[s] if s in refs else np.nan
        for s, c, h in zip(t.index, cpc, hidden)
    ]
    out = res.display.reset_index(drop=True)
    out.insert(
        1,
        f"Uitgaven {ref} (€)",
        [*t["spend_ref"].to_numpy(dtype=float), float(t["spend_ref"].sum())],
    )
    out[f"Kosten per cliënt {ref} (€)"] = [*cpc, np.nan]
    out["T.o.v. referentiekosten"] = [*ratio, np.nan]
    note = (
        " Bij verborgen aantallen is ook de uitgave per cliënt niet getoond, omdat het aantal "
        "daaruit volgt."
        if hidden.any()
        else ""
    )
    return table(
        out,
        {
            f"Uitgaven {ref} (€)": euro,
            f"Cliënten {ref}": number,
            f"Kosten per cliënt {ref} (€)": euro,
            "T.o.v. referentiekosten": percent,
        },
        caption=f"Stap 4: gerealiseerde uitgaven per cliënt {view.name} in het peiljaar {ref} "
        "(uitgaven / cliënten), en ten opzichte van de referentiekosten per cliënt "
        f"(aanname cost_per_client_reference.*). {res.note}{note} De kosten per cliënt zijn een "
        "schatting, omdat het aantal cliënten dat is.",
    )


def step5_table(view) -> ReportTable:
    """Step 5: the municipality's expected development from local policy."""
    a = view.analysis
    sb = view.start_budget()
    names = segment_names(a)
    last = int(sb["year"].max())
    first = a.first_full_year
    g = sb.set_index(["segment", "year"])
    segs = [s.id for s in a.region.procured_segments() if (s.id, first) in g.index]
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            f"Factor {first}": [float(g.loc[(s, first), "policy_factor"]) for s in segs],
            f"Factor {last}": [float(g.loc[(s, last), "policy_factor"]) for s in segs]
            if all((s, last) in g.index for s in segs)
            else np.nan,
            "Reden": [str(g.loc[(s, first), "policy_reason"]) or "–" for s in segs],
            "Herkomst": [FLAG_LABELS.get(g.loc[(s, first), "policy_flag"], "") for s in segs],
        }
    )
    return table(
        out,
        {f"Factor {first}": factor, f"Factor {last}": factor},
        caption=f"Stap 5: verwachte ontwikkeling door lokaal beleid in {view.name} (factor op "
        "het aantal cliënten; 0,980 = 2% minder). Zonder opgave van de gemeente geldt de "
        "aanname startbudget.local_policy.* (schatting); een opgave in het vaste format "
        "vervangt die.",
    )


def step6_table(view) -> ReportTable:
    """Step 6: the regional total per segment and this municipality's share."""
    a = view.analysis
    first = a.first_full_year
    r = a.start_budget.regional
    r = r[(r["year"] == first) & (r["gemeentecode"] == view.code)].set_index("segment")
    segs = [s.id for s in a.region.procured_segments() if s.id in r.index]
    r = r.loc[segs]
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            f"Regio {first} (€)": r["regional_total"].to_numpy(dtype=float),
            f"{view.name} {first} (€)": r["budget"].to_numpy(dtype=float),
            f"Aandeel {view.name}": r["share"].to_numpy(dtype=float),
        }
    )
    total = {
        "Segment": "Totaal",
        f"Regio {first} (€)": float(r["regional_total"].sum()),
        f"{view.name} {first} (€)": float(r["budget"].sum()),
        f"Aandeel {view.name}": float(r["budget"].sum() / r["regional_total"].sum()),
    }
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return table(
        out,
        {
            f"Regio {first} (€)": euro,
            f"{view.name} {first} (€)": euro,
            f"Aandeel {view.name}": percent,
        },
        caption=f"Stap 6: regionaal totaal per segment in {first} en het aandeel van "
        f"{view.name}. Elke gemeente blijft verantwoordelijk voor de eigen inwoners; het "
        "regionale totaal is de som van de gemeenten. "
        + estimate_note(a, START_BUDGET_ASSUMPTIONS),
    )


def step7_table(view) -> ReportTable:
    """Step 7a-c: indexation, efficiency and chain agreements per segment."""
    a = view.analysis
    first = a.first_full_year
    sb = view.start_budget()
    last = int(sb["year"].max())
    g = sb.set_index(["segment", "year"])
    segs = [s.id for s in a.region.procured_segments() if (s.id, first) in g.index]
    names = segment_names(a)
    out = pd.DataFrame({"Segment": [names[s] for s in segs]})
    for col, label in (
        ("index_factor", "Index"),
        ("efficiency_factor", "Efficiency"),
        ("chain_factor", "Ketenafspraken"),
    ):
        for y in (first, last):
            out[f"{label} {y}"] = [float(g.loc[(s, y), col]) for s in segs]
    return table(
        out,
        {c: factor for c in out.columns if c != "Segment"},
        caption=f"Stap 7a-c: factoren op de kosten per cliënt, t.o.v. het peiljaar "
        f"{a.settings.reference_year}: indexatie (zorgprijsindex), efficiency vanaf het tweede "
        "contractjaar en ketenafspraken. Stap 7d, de benchmark, staat in hoofdstuk 2. "
        + estimate_note(
            a,
            ["index.care_cost", "startbudget.efficiency.*", "startbudget.chain_agreements.*"],
            "De factoren",
        ),
    )


def start_budget_frame(view) -> pd.DataFrame:
    """Start budget per segment (rows) and contract year (columns), numbers, with a total."""
    a = view.analysis
    sb = view.start_budget()
    names = segment_names(a)
    wide = sb.pivot_table(index="segment", columns="year", values="budget", aggfunc="sum")
    segs = [s.id for s in a.region.procured_segments() if s.id in wide.index]
    wide = wide.reindex(segs)
    funding = {s.id: s.funding["variant"] for s in a.region.procured_segments()}
    out = pd.DataFrame(
        {
            "Segment": [names[s] for s in segs],
            "Bekostiging": [VARIANT_SHORT.get(funding[s], funding[s]) for s in segs],
        }
    )
    for y in wide.columns:
        out[str(int(y))] = wide[y].to_numpy(dtype=float)
    total = {"Segment": "Totaal", "Bekostiging": ""} | {
        str(int(y)): float(wide[y].sum()) for y in wide.columns
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def start_budget_table(view) -> ReportTable:
    """The start budget per segment and year (the key table of the report)."""
    a = view.analysis
    out = start_budget_frame(view)
    years = [c for c in out.columns if c.isdigit()]
    sb = view.start_budget()
    part = sorted(int(y) for y in sb.loc[sb["year_fraction"] < 1, "year"].unique())
    part_note = (
        f" {', '.join(map(str, part))}: deel van het jaar binnen het contract." if part else ""
    )
    return table(
        out,
        {y: euro for y in years},
        caption=f"Startbudget {view.name} per segment en jaar (€, lopende prijzen).{part_note} "
        + estimate_note(a, START_BUDGET_ASSUMPTIONS),
    )


def start_budget_figure(view) -> ReportFigure:
    """Bars of the start budget per segment in the first full contract year."""
    a = view.analysis
    first = a.first_full_year
    from matplotlib import ticker

    out = start_budget_frame(view)
    out = out[out["Segment"] != "Totaal"]
    short = segment_names(a, short=True)
    segs = [s.id for s in a.region.procured_segments()]
    full = segment_names(a)
    label = {full[s]: short[s] for s in segs}
    df = pd.DataFrame({"Segment": out["Segment"].map(label), "Startbudget": out[str(first)]})
    fig = bar_compare(
        df,
        "Segment",
        "Startbudget",
        horizontal=True,
        annotate=True,
        title=f"Startbudget {view.name} {first} per segment (schatting)",
        ylabel="Startbudget (€)",
    )
    ax = fig.axes[0]
    ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
    ax.margins(x=0.12)
    return fig


# --------------------------------------------------------------------------------------------
# funding variants (section 4)


def _variant_rows(view) -> tuple[pd.DataFrame, pd.Series, int]:
    a = view.analysis
    first = a.first_full_year
    vs = view.variant_summary(years=[first])
    order = [k for k in VARIANT_ORDER if k in vs.index] + [
        k for k in vs.index if k not in VARIANT_ORDER
    ]
    return vs.loc[order], view.decided_quantiles().loc[first], first


def variant_frame(view) -> pd.DataFrame:
    """What the municipality pays per variant in the first full year (numbers)."""
    vs, dq, first = _variant_rows(view)
    budget = float(dq["budget"])
    rows = [
        {
            "Bekostigingsvariant": DECIDED_LABEL,
            "P10 (€)": float(dq["p10"]),
            "P50 (€)": float(dq["p50"]),
            "P90 (€)": float(dq["p90"]),
        }
    ]
    for k, r in vs.iterrows():
        rows.append(
            {
                "Bekostigingsvariant": variant_label(k),
                "P10 (€)": float(r["p10"]),
                "P50 (€)": float(r["p50"]),
                "P90 (€)": float(r["p90"]),
            }
        )
    out = pd.DataFrame(rows)
    out["Bandbreedte P10-P90 (€)"] = out["P90 (€)"] - out["P10 (€)"]
    out["P50 t.o.v. startbudget"] = out["P50 (€)"] / budget - 1.0
    return out


def variant_table(view) -> ReportTable:
    """Cost per funding variant in the first full year: P10, P50, P90 (key table)."""
    a = view.analysis
    out = variant_frame(view)
    vs, dq, first = _variant_rows(view)
    same = (
        "population" in vs.index
        and "lumpsum" in vs.index
        and abs(float(vs.loc["population", "p50"]) - float(vs.loc["lumpsum", "p50"])) < 1.0
    )
    note = (
        " Populatiebekostiging valt hier samen met lumpsum: het budget per inwoner x de "
        "verwachte doelgroep is het startbudget, en de omvang van de doelgroep is niet onzeker "
        "gemodelleerd."
        if same
        else ""
    )
    return table(
        out,
        {
            "P10 (€)": euro,
            "P50 (€)": euro,
            "P90 (€)": euro,
            "Bandbreedte P10-P90 (€)": euro,
            "P50 t.o.v. startbudget": partial(percent, signed=True),
        },
        caption=f"Wat {view.name} in {first} betaalt per bekostigingsvariant (€; startbudget "
        f"{euro(dq['budget'])}). Per variant krijgen alle ingekochte segmenten dezelfde "
        "bekostiging; de gekozen mix is de besloten bekostiging per segment. P50 is de "
        "middelste uitkomst, P10 en P90 de grenzen waarbinnen 80% van de "
        f"{number(a.settings.draws)} simulaties valt; de varianten verschillen doordat "
        f"aanbieders anders reageren op elke bekostiging (gedragsmodel).{note} "
        + estimate_note(a, PROJECTION_ASSUMPTIONS + ("startbudget.trend_damping",)),
    )


def settlement_table(view) -> ReportTable:
    """Provider results and settlement per variant in the first full year."""
    vs, _, first = _variant_rows(view)
    a = view.analysis
    out = pd.DataFrame(
        {
            "Bekostigingsvariant": [variant_label(k) for k in vs.index],
            "Gemiddeld resultaat aanbieders (€)": vs["provider_result_mean"].to_numpy(dtype=float),
            f"Kans op verlies > {percent(view.analysis.loss_threshold, 0)} per contract": vs[
                "provider_loss_chance"
            ].to_numpy(dtype=float),
            "Gemiddelde verrekening na afloop (€)": vs["settlement_mean"].to_numpy(dtype=float),
        }
    )
    return table(
        out,
        {
            "Gemiddeld resultaat aanbieders (€)": euro,
            f"Kans op verlies > {percent(view.analysis.loss_threshold, 0)} per contract": percent,
            "Gemiddelde verrekening na afloop (€)": euro,
        },
        caption=f"Verrekening en resultaat van aanbieders in {first}, {view.name}. Resultaat = "
        "vergoeding min kosten van de geleverde zorg (alle aanbieders samen); verrekening = "
        "wat de gemeente na afloop van het jaar bijbetaalt (positief) of terugkrijgt "
        "(negatief) volgens de corridor; kans op verlies = aandeel van de contracten (gemeente "
        f"x segment) met een verlies van meer dan {percent(view.analysis.loss_threshold, 0)} van de omzet "
        "(aanname behaviour.continuity.loss_threshold). "
        + estimate_note(a, ("projection.provider_margin",), "De bedragen en kansen"),
    )


def main_segment(view) -> str:
    """The procured segment with the largest start budget in the first full year, among the
    segments whose client count is shown (its tariffs would otherwise give a hidden count
    away)."""
    a = view.analysis
    ref = str(a.settings.reference_year)
    res = client_suppression(view, [a.settings.reference_year])
    hidden = _hidden(res)[ref].to_numpy()
    shown = [s.id for s, h in zip(a.region.procured_segments(), hidden, strict=True) if not h]
    t = _first_year_budget(view)
    budget = t.groupby("segment")["budget"].sum()
    candidates = budget[budget.index.isin(shown)]
    return str((candidates if not candidates.empty else budget).idxmax())


def decided_variant(obj, segment: str) -> str:
    """The funding variant the region decided for a segment (its key, e.g. ``'lumpsum'``)."""
    return str(_analysis(obj).region.segment(segment).funding["variant"])


def variant_risk_table(view, segment: str | None = None) -> ReportTable:
    """Who carries which risk under each variant (:func:`bekostiging.model.variants.risk_table`).

    The variants are set up for one segment (default: the largest) with the amounts of its
    start budget in the first full year, so the explanations quote real tariffs and prices.
    """
    from bekostiging.model.risk import region_settlements
    from bekostiging.model.variants import (
        PQ,
        Hybrid,
        Lumpsum,
        Output,
        PopulationFunding,
        Settlement,
        risk_table,
    )

    a = view.analysis
    seg = segment or main_segment(view)
    row = _first_rows(view).loc[seg]
    upc = float(a.params.get(f"units_per_client.{seg}", 1.0))
    settle = region_settlements(a.region).get(seg, Settlement("none"))
    budget, cost = float(row["budget"]), float(row["cost_per_client"])
    per_head = budget / float(row["population"]) if float(row["population"]) > 0 else 0.0
    variants = {
        "pq": PQ(tariff=cost / upc),
        "output": Output(price_per_client=cost),
        "lumpsum": Lumpsum(budget=budget, settlement=settle),
        "population": PopulationFunding(amount_per_head=per_head, settlement=settle),
        "hybrid": Hybrid(
            budget=budget,
            tariff=cost / upc,
            pq_share=float(a.params.value("projection.hybrid_pq_share")),
            settlement=settle,
        ),
    }
    t = risk_table(variants).reset_index(drop=True)
    t.columns = [c[:1].upper() + c[1:] for c in t.columns]
    name = segment_names(a)[seg]
    return table(
        t,
        caption=f"Wie draagt welk risico per bekostigingsvariant; bedragen voor {name} in "
        f"{view.name}, {a.first_full_year} (startbudget {euro(budget)}). Gedeeld = binnen de "
        "corridor draagt de aanbieder, daarbuiten wordt verrekend. "
        + estimate_note(a, ("projection.hybrid_pq_share",), "Tarieven en budgetten"),
    )


def variant_figure(view) -> ReportFigure:
    """Per variant the middle outcome (P50) with its 80% band (P10-P90), first full year."""
    from matplotlib import ticker

    from bekostiging.report.charts import value_formatter

    out = variant_frame(view).iloc[::-1].reset_index(drop=True)
    first = view.analysis.first_full_year
    fig = new_figure((8.0, 4.2))
    ax = fig.add_subplot()
    y = np.arange(len(out))
    ax.hlines(y, out["P10 (€)"], out["P90 (€)"], color=OKABE_ITO[0], linewidth=6, alpha=0.35,
              label="80%-band (P10-P90)")  # fmt: skip
    ax.plot(out["P50 (€)"], y, "o", color=OKABE_ITO[0], label="Middelste uitkomst (P50)")
    budget = float(view.decided_quantiles().loc[first, "budget"])
    ax.axvline(budget, color="black", linestyle="--", linewidth=1.2, label="Startbudget")
    ax.set_yticks(y, labels=out["Bekostigingsvariant"].tolist())
    ax.xaxis.set_major_locator(ticker.MaxNLocator(6))
    ax.xaxis.set_major_formatter(value_formatter("euro"))
    ax.set_xlabel("Uitgaven gemeente (€)")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"Uitgaven {view.name} {first} per variant (schatting)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    return fig


# --------------------------------------------------------------------------------------------
# perverse incentives (section 5)


def _size_short(key: str, size: float) -> str:
    return percent(size, 1, signed=key in SIGNED_INCENTIVES)


def scorecard_overview(obj) -> ReportTable:
    """The size of every perverse incentive per segment under its decided variant."""
    a = _analysis(obj)
    card = scorecard(a)
    names = segment_names(a, short=True)
    segs = list(dict.fromkeys(card["segment"]))
    first = card.drop_duplicates("incentive_key").set_index("incentive_key")
    out = pd.DataFrame(
        {
            "Perverse prikkel": first["incentive"].to_numpy(),
            "Maat": first["unit"].to_numpy(),
        }
    )
    by = card.set_index(["incentive_key", "segment"])
    for s in segs:
        variant = card.loc[card["segment"] == s, "variant"].iloc[0]
        col = f"{names.get(s, s)} ({VARIANT_SHORT.get(variant, variant)})"
        out[col] = [_size_short(k, float(by.loc[(k, s), "size"])) for k in first.index]
    return table(
        out,
        {c: text for c in out.columns[2:]},
        caption="Perverse prikkels per segment bij de besloten bekostiging (tussen haakjes). "
        "Positief = het perverse effect is aanwezig; bij volume en onderbehandeling betekent "
        "een negatief getal het omgekeerde effect (minder zorg dan doelmatig, of meer zorg per "
        "cliënt dan nodig). Uitkomsten van het gedragsmodel van aanbieders (Ellis & McGuire); "
        "vrijwel alle parameters daarvan zijn schattingen (data/assumptions/parameters/"
        "behaviour.yaml).",
    )


def scorecard_table(obj, segment: str) -> ReportTable:
    """The scorecard of one segment: direction, size, KPI and the mitigating measure."""
    a = _analysis(obj)
    card = scorecard(a)
    c = card[card["segment"] == segment]
    names = segment_names(a)
    out = pd.DataFrame(
        {
            "Perverse prikkel": c["incentive"].to_numpy(),
            "Richting": c["direction"].to_numpy(),
            "Omvang": c["size_text"].to_numpy(),
            "KPI voor monitoring": c["kpi"].to_numpy(),
            "Dempende maatregel": c["mitigation"].to_numpy(),
            "Effect maatregel": c["mitigation_text"].to_numpy(),
            "Aandeel schattingen in de onderbouwing": c["estimates"].to_numpy(dtype=float),
        }
    )
    variant = VARIANT_SHORT.get(str(c["variant"].iloc[0]), "")
    return table(
        out,
        {"Aandeel schattingen in de onderbouwing": partial(percent, decimals=0)},
        caption=f"Prikkelscorekaart {names.get(segment, segment)} ({variant}): per perverse "
        "prikkel de richting en omvang volgens het gedragsmodel, de KPI die haar zichtbaar "
        "maakt en het effect van een dempende maatregel (zelfde cliënten, zelfde simulatie). "
        "Schatting; de laatste kolom geeft het aandeel van de onderliggende parameters dat een "
        "schatting is.",
    )


TORNADO_OUTCOMES = {
    "spend": ("uitgaven per cliënt met een zorgvraag", euro),
    "unmet_need": ("onvervulde zorgvraag (aandeel van de doelmatige zorg)", percent),
}


def tornado_figure(
    sensitivity_table: pd.DataFrame, obj, segment: str, variant: str, outcome: str = "unmet_need"
):
    """The tornado chart of a :func:`bekostiging.model.sensitivity.tornado_table`.

    Only parameters that move the outcome are drawn (at most eight).
    """
    from bekostiging.model.sensitivity import tornado_plot

    a = _analysis(obj)
    name = segment_names(a, short=True).get(segment, segment)
    moving = sensitivity_table[sensitivity_table["swing"] > 0]
    return tornado_plot(
        moving if not moving.empty else sensitivity_table,
        outcome,
        title=f"Gevoeligheid: {name}, {VARIANT_SHORT.get(variant, variant)} (schatting)",
        top=8,
    )


def tornado_text(
    sensitivity_table: pd.DataFrame, outcome: str = "unmet_need", n: int = 3
) -> Markdown:
    """The parameters that move the outcome most, in words."""
    label, fmt = TORNADO_OUTCOMES[outcome]
    t = sensitivity_table.sort_values("swing", ascending=False).head(n)
    base = float(sensitivity_table["base"].iloc[0])
    parts = [
        f"{r.label.lower()} (van {_param_text(r.low_value)} tot {_param_text(r.high_value)} "
        f"geeft {fmt(r.low)} tot {fmt(r.high)})"
        for r in t.itertuples()
    ]
    return _markdown(
        [
            f"Uitkomst bij de basiswaarden: {label} {fmt(base)}. De grootste invloed hebben "
            f"{'; '.join(parts)}. Dit zijn schattingen: een beter onderbouwde waarde voor deze "
            "parameters verkleint de onzekerheid het meest."
        ]
    )


# --------------------------------------------------------------------------------------------
# projection (section 6)


FAN_LABELS = {
    "decided": "Gekozen mix",
    "pq": "Alles p*q",
    "output": "Alles output",
    "lumpsum": "Alles lumpsum",
    "population": "Alles populatie",
    "hybrid": "Alles hybride",
}


def fan_chart_figure(view, variants: Sequence[str] = ("decided", "pq", "lumpsum")) -> ReportFigure:
    """What the municipality pays per year: fans for the decided mix and other variants."""
    fig = new_figure((8.0, 6.0))
    ax = fig.add_subplot()
    years = None
    budget = None
    for k in variants:
        q = view.decided_quantiles() if k == "decided" else view.variant_quantiles(k)
        years = [int(y) for y in q.index]
        if k == "decided":
            budget = q["budget"].to_numpy(dtype=float)
        fan_chart(
            years,
            q["p10"].to_numpy(dtype=float),
            q["p50"].to_numpy(dtype=float),
            q["p90"].to_numpy(dtype=float),
            label=FAN_LABELS.get(k, variant_label(k)),
            ax=ax,
            ylabel="Uitgaven gemeente (€, lopende prijzen)",
        )
    if budget is None:
        budget = view.decided_quantiles()["budget"].to_numpy(dtype=float)
        years = [int(y) for y in view.decided_quantiles().index]
    ax.plot(years, budget, color="black", linestyle="--", linewidth=1.5, label="Startbudget")
    ax.set_title(f"Uitgaven {view.name} per jaar en variant (schatting)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return fig


def projection_table(view) -> ReportTable:
    """P10/P50/P90 per contract year under the decided variants, beside the start budget."""
    a = view.analysis
    q = view.decided_quantiles()
    out = pd.DataFrame(
        {
            "Jaar": [str(int(y)) for y in q.index],
            "Startbudget (€)": q["budget"].to_numpy(dtype=float),
            "P10 (€)": q["p10"].to_numpy(dtype=float),
            "P50 (€)": q["p50"].to_numpy(dtype=float),
            "P90 (€)": q["p90"].to_numpy(dtype=float),
        }
    )
    out["P90 boven startbudget (€)"] = out["P90 (€)"] - out["Startbudget (€)"]
    return table(
        out,
        {c: euro for c in out.columns if c != "Jaar"},
        caption=f"Projectie {view.name} over de contractperiode bij de besloten bekostiging "
        "(€, lopende prijzen). " + estimate_note(a, PROJECTION_ASSUMPTIONS),
    )


# --------------------------------------------------------------------------------------------
# backtest (section 7)


def _backtest_frame(t: pd.DataFrame) -> pd.DataFrame:
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
    y = analysis.settings.backtest_year
    return (
        f"Terugblik: het model gerekend met alleen wat in {y} bekend was (peiljaar {y}), naast "
        "de werkelijke uitgaven (Iv3-jaarrekening) en de eigen primaire begroting (Iv3-"
        "begroting) per domein. Afwijking = t.o.v. de werkelijke uitgaven (negatief = te laag "
        "ingeschat). De modeluitkomsten zijn een schatting."
    )


def backtest_table(view) -> ReportTable:
    """The backtest for the municipality and the region: model P50 vs actual vs budget."""
    t = view.backtest()
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
    words = {"jeugd": "jeugdhulp", "wmo": "de Wmo"}
    budget = " en ".join(
        f"{_above_below(b)} de werkelijke uitgaven voor {words.get(d, d)}"
        for d, b in k["region_budget_bias"].items()
    )
    model = " en ".join(
        f"{_above_below(b)} ({words.get(d, d)})" for d, b in k["region_p50_bias"].items()
    )
    return _markdown(
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
    t = analysis.backtest.table
    t = t[t["gemeentecode"] == "regio"].sort_values(["domain", "year"])
    return table(_backtest_frame(t), _BACKTEST_FORMATS, caption=_backtest_caption(analysis))


# --------------------------------------------------------------------------------------------
# risks and reserves (section 8)


def risk_frame(view) -> pd.DataFrame:
    """The risk table of the municipality (numbers, Dutch headers)."""
    return view.risks().drop(columns=["Gemeente"]).reset_index(drop=True)


def risk_table(view) -> ReportTable:
    """The risk table for the paragraaf weerstandsvermogen (key table)."""
    a = view.analysis
    return table(
        risk_frame(view),
        {
            "Kans (%)": percent_points,
            "Financiële impact (€)": euro,
            "Kans x impact (€)": euro,
        },
        caption=f"Risico's {view.name} voor de paragraaf weerstandsvermogen, per jaar (de "
        "overgangsregeling eenmalig). Kans en impact uit de simulatie of uit aannames (kolom "
        "Bron); de verrekening is een deel van de volumegroei, tel de rijen dus niet op. "
        + estimate_note(a, ("risk.*", "transition.*"), "Kansen en bedragen"),
    )


def capacity_frame(view) -> pd.DataFrame:
    """Required against available resistance capacity (numbers)."""
    from bekostiging.model.risk import RATING_LABELS

    c = view.capacity()
    basis = (
        "aanname reserves.available (schatting)"
        if c["available_basis"] == "reserves.available"
        else "aanname reserves.available_per_inhabitant x inwoners (schatting)"
    )
    return pd.DataFrame(
        [
            {
                "Jaar": str(int(c["year"])),
                "Benodigde capaciteit, 90% zekerheid (€)": float(c["required"]),
                "Benodigd in het zwaarste contractjaar (€)": float(c["required_worst"]),
                "Beschikbare capaciteit (€)": float(c["available"]),
                "Herkomst beschikbaar": basis,
                "Ratio": float(c["ratio"]),
                "Waardering": str(c["rating"]),
                "Betekenis": RATING_LABELS.get(str(c["rating"]), ""),
            }
        ]
    )


def capacity_table(view) -> ReportTable:
    """Required vs available capacity, ratio and rating (A-F)."""
    a = view.analysis
    out = capacity_frame(view)
    return table(
        out,
        {
            "Benodigde capaciteit, 90% zekerheid (€)": euro,
            "Benodigd in het zwaarste contractjaar (€)": euro,
            "Beschikbare capaciteit (€)": euro,
            "Ratio": partial(number, decimals=2),
        },
        caption=f"Weerstandsvermogen {view.name}: benodigde capaciteit = het tekort op het "
        "startbudget dat met 90% zekerheid niet wordt overschreden (bij de besloten "
        "bekostiging, alle segmenten samen), tegen de beschikbare capaciteit. Ratio = "
        "beschikbaar / benodigd; waardering volgens de schaal hieronder. "
        + estimate_note(a, RESERVE_ASSUMPTIONS, "De bedragen"),
    )


def rating_scale_table() -> ReportTable:
    """The NAR rating scale (A-F) of the capacity ratio."""
    from bekostiging.model.risk import rating_scale

    return table(
        rating_scale(),
        caption="Waarderingsschaal weerstandsvermogen (NAR / Universiteit Twente).",
    )


def capacity_text(view) -> Markdown:
    """The reserve in words, including the heaviest contract year."""
    from bekostiging.model.risk import RATING_LABELS

    k = key_figures(view)
    cap = view.capacity()
    worst_ratio, worst_rating = float(cap["ratio_worst"]), str(cap["rating_worst"])
    return _markdown(
        [
            f"Voor {k['first_year']} is {amount(k['required'])} weerstandscapaciteit nodig om "
            f"een tekort met 90% zekerheid op te vangen. Met {amount(k['available'])} "
            f"beschikbaar is de ratio {number(k['ratio'], 2)}: waardering {k['rating']} "
            f"({RATING_LABELS.get(k['rating'], '')}). De onzekerheid groeit met de looptijd: in "
            f"het zwaarste contractjaar is {amount(k['required_worst'])} nodig (ratio "
            f"{number(worst_ratio, 2)}, waardering {worst_rating}, "
            f"{RATING_LABELS.get(worst_rating, '')}), tenzij het startbudget tussentijds wordt "
            "herijkt op de werkelijke ontwikkeling."
        ]
    )


# --------------------------------------------------------------------------------------------
# allocation, providers, coverage (section 9)


def allocation_domains(obj) -> dict[str, list[str]]:
    """The procured segments per domain (the regional costs split by a key, as in results)."""
    a = _analysis(obj)
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


def region_allocation_table(analysis, domain: str) -> ReportTable:
    """All municipalities under every key for one domain, with the differences."""
    from bekostiging.model.allocation import allocation_table as dutch_allocation

    segs = allocation_domains(analysis)[domain]
    al = analysis.allocation(segs)
    names = {c: analysis.region.name_of(c) for c in analysis.region.current_codes()}
    out = dutch_allocation(al, names)
    for old, new in (("Eigen inwoners (werkelijk gebruik)", KEY_LABELS["gebruik"]),):
        out.columns = [c.replace(old, new) for c in out.columns]
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
        return _markdown(["Er is alleen de sleutel eigen inwoners."])
    worst = other.loc[other["Verschil t.o.v. eigen inwoners (€)"].idxmax()]
    best = other.loc[other["Verschil t.o.v. eigen inwoners (€)"].idxmin()]
    return _markdown(
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
        return _markdown([NO_PROVIDERS])
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
        return _markdown([NO_PROVIDERS])
    names = segment_names(view.analysis)
    out = pd.DataFrame(
        {
            "Segment": c["segment"].map(lambda s: names.get(s, s)).to_numpy(),
            "Aanbieders": c["n_providers"].to_numpy(),
            "Waarvan lokaal": c["n_local"].to_numpy(),
            "Minimum": c["min_providers"].to_numpy(),
            "Dekkend aanbod": c["covering"].map(yes_no).to_numpy(),
            "HHI": c["hhi"].to_numpy(dtype=float),
            "Concentratie": c["concentration"].to_numpy(),
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
# transition (section 10)


def transition_table(view) -> ReportTable:
    """The monthly transfers of the transition arrangement (client counts suppressed)."""
    df, _ = view.transition()
    counts = pd.DataFrame(
        {
            "Maand": [_month_nl(m) for m in df["month"]],
            "Overgedragen": np.round(df["transferred"].to_numpy(dtype=float)),
            "Nog over te dragen (einde maand)": np.round(df["remaining_end"].to_numpy(dtype=float)),
        }
    )
    res = suppress_small(
        counts,
        ["Overgedragen", "Nog over te dragen (einde maand)"],
        total_column=None,
        total_row=None,
    )
    out = res.display.reset_index(drop=True)
    hidden = res.hidden["Overgedragen"].to_numpy()
    out["Dubbele kosten (€)"] = np.where(hidden, np.nan, df["overlap_cost"].to_numpy(dtype=float))
    return table(
        out,
        {
            "Overgedragen": number,
            "Nog over te dragen (einde maand)": number,
            "Dubbele kosten (€)": euro,
        },
        caption=f"Overgangsregeling {view.name}: cliënten van niet-gecontracteerde aanbieders "
        "die per maand overgaan naar een gecontracteerde aanbieder, en de dubbele kosten van "
        f"een warme overdracht. {res.note} Bij verborgen aantallen zijn ook de kosten niet "
        "getoond. " + estimate_note(view.analysis, ("transition.*",), "Aantallen en bedragen"),
    )


def _month_nl(period: Any) -> str:
    p = pd.Period(period, freq="M")
    return f"{MONTHS_NL[p.month - 1]} {p.year}"


def transition_text(view) -> Markdown:
    """The transition arrangement in words: clients, deadline, overlap cost."""
    df, s = view.transition()
    deadline = pd.Period(df["month"].iloc[0], freq="M") + int(s["months_in_window"])
    left = float(s["left_at_deadline"])
    left_text = (
        "iedereen is dan overgedragen"
        if s["deadline_met"]
        else "daarna zijn nog "
        + ("minder dan 10" if left < 10 else f"ongeveer {number(left)}")
        + f" cliënten over; bij deze capaciteit duurt de overgang {s['months_needed']} maanden"
    )
    return _markdown(
        [
            f"Bij de start moeten naar schatting {number(s['clients_to_move'])} cliënten van "
            f"{view.name} overstappen naar een gecontracteerde aanbieder. De regeling loopt tot "
            f"1 {_month_nl(deadline)}; {left_text}. De dubbele kosten van de overdracht zijn "
            f"samen {amount(s['total_overlap_cost'])} (eenmalig), waarvan "
            f"{amount(s['overlap_cost_by_deadline'])} binnen de termijn."
        ]
    )


# --------------------------------------------------------------------------------------------
# monitoring (section 11)


def goals_markdown() -> Markdown:
    """The six goals of the procurement (notitie 9 februari 2021, section 1)."""
    return _markdown([f"{k}. {v}" for k, v in GOALS.items()])


def _where_present(key: str, g: pd.DataFrame, names: Mapping[str, str]) -> str:
    """Segments where an incentive is present; for volume and under-/overtreatment both
    directions are perverse and are named separately."""
    size = g["size"].to_numpy(dtype=float)
    segs = [names.get(s, s) for s in g["segment"]]
    up = [s for s, x in zip(segs, size, strict=True) if x >= NOISE]
    down = [s for s, x in zip(segs, size, strict=True) if x <= -NOISE]
    if key == "volume":
        parts = [(up, "meer zorg"), (down, "minder zorg")]
    elif key == "over_under":
        parts = [(up, "te weinig zorg per cliënt"), (down, "te veel zorg per cliënt")]
    else:
        return ", ".join(up) or "–"
    text_ = "; ".join(f"{', '.join(x)} ({label})" for x, label in parts if x)
    return text_ or "–"


def monitoring_table(obj) -> ReportTable:
    """Per perverse incentive: the KPI, the goals it serves, where it plays and the measure."""
    a = _analysis(obj)
    card = scorecard(a)
    names = segment_names(a, short=True)
    rows = []
    for key, g in card.groupby("incentive_key", sort=False):
        rows.append(
            {
                "Perverse prikkel": g["incentive"].iloc[0],
                "KPI": g["kpi"].iloc[0],
                "Doelstellingen": ", ".join(str(x) for x in INCENTIVE_GOALS.get(key, ())),
                "Speelt bij": _where_present(key, g, names),
                "Dempende maatregel": g["mitigation"].iloc[0],
            }
        )
    return table(
        pd.DataFrame(rows),
        caption="Monitoring: per perverse prikkel de KPI die haar zichtbaar maakt, de "
        "doelstellingen (nummers hierboven) die zij bedreigt, de segmenten waar het "
        "gedragsmodel haar ziet bij de besloten bekostiging, en de maatregel die haar dempt. "
        "Welke segmenten een prikkel hebben is een uitkomst van het gedragsmodel (schatting).",
    )


# --------------------------------------------------------------------------------------------
# appendix: assumptions and provenance (section 12)


def assumptions_frame(obj) -> pd.DataFrame:
    """Every assumption (region and behaviour model) with value, unit, source, estimate flag."""
    from bekostiging.model.behaviour import load_behaviour_parameters

    a = _analysis(obj)
    p = load_behaviour_parameters(a.params)
    rows = []
    for name in p.names():
        par = p.param(name)
        rows.append(
            {
                "Aanname": name,
                "Waarde": _param_text(par.value),
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
    return table(
        out,
        caption=f"Alle {len(out)} aannames met waarde, eenheid en bron; {n_est} daarvan zijn "
        "een schatting (een oordeel, geen gepubliceerd cijfer). Toelichting per aanname: "
        "data/assumptions/parameters/ in het project.",
    )


def provenance_table(obj) -> ReportTable:
    """Settings, data checksums and assumption file hashes behind the figures (no date).

    Given a municipality's view the municipality is listed among the settings; given the
    region's analysis (the regional overview) it is left out.
    """
    a = _analysis(obj)
    prov = a.provenance()
    if obj is a:
        prov["settings"] = {k: v for k, v in prov["settings"].items() if k != "municipality"}
    labels = {
        "region": "regio",
        "municipality": "gemeente",
        "reference_year": "peiljaar",
        "contract_start": "start contract",
        "contract_years": "contractduur (jaren)",
        "scenario": "scenario",
        "draws": "aantal simulaties",
        "seed": "startgetal toeval (seed)",
        "backtest_year": "peiljaar terugblik",
    }
    empty = {"contract_years": "volledige looptijd", "scenario": "geen"}
    rows = [
        ("Instelling", labels.get(k, k), empty.get(k, "–") if v is None else str(v))
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
    prov = _analysis(obj).provenance()
    return _markdown(
        [
            f"Berekend op {_date_nl(prov['date'])} met bekostiging {prov['package']}, Python "
            f"{prov['python']}, pandas {prov['pandas']} en numpy {prov['numpy']}."
        ]
    )


def outputs_written(paths: Sequence[Path]) -> Markdown:
    """A short confirmation of the files a run wrote (names only)."""
    names = ", ".join(Path(p).name for p in paths)
    return _markdown([f"Resultaten en kerntabellen opgeslagen: {names}."])


# --------------------------------------------------------------------------------------------
# regional overview


def comparison_frame(results: Mapping[str, dict]) -> pd.DataFrame:
    """One row per municipality from the results files, plus the region (numbers)."""
    from bekostiging.analysis.results import results_frame

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
    from bekostiging.model.risk import RATING_LABELS

    out = comparison_frame(results).iloc[:-1]
    first = next(iter(results.values()))["first_full_year"]
    total = float(out[f"Startbudget {first} (€)"].sum())
    inh = float(out["Inwoners"].sum())
    lo = out.loc[out["Per inwoner (€)"].idxmin()]
    hi = out.loc[out["Per inwoner (€)"].idxmax()]
    weak = out[out["Waardering"].isin(["D", "E", "F"])]
    check = totals_check_frame(analysis, results).iloc[0]
    lines = [
        "**Kernboodschappen**",
        "",
        f"- Het regionale startbudget voor {first} is {amount(total)} ({euro(total / inh)} per "
        f"inwoner), de som van de {len(out)} gemeenten.",
        f"- Per inwoner loopt het startbudget uiteen van {euro(lo['Per inwoner (€)'])} "
        f"({lo['Gemeente']}) tot {euro(hi['Per inwoner (€)'])} ({hi['Gemeente']}).",
        "- Weerstandsvermogen: "
        + (
            "alle gemeenten hebben ten minste waardering C (voldoende) voor het eerste "
            "volledige contractjaar."
            if weak.empty
            else ", ".join(
                f"{r['Gemeente']} {r['Waardering']} ({RATING_LABELS.get(r['Waardering'], '')})"
                for _, r in weak.iterrows()
            )
            + " hebben minder dan voldoende capaciteit voor het eerste volledige contractjaar."
        ),
        "- Controle: de regionale berekening en de som van de gemeentelijke resultaten "
        + (
            "komen overeen."
            if check["Klopt"] == "ja"
            else f"verschillen {euro(check['Verschil (€)'])}: controleer de resultaatbestanden."
        ),
        "- Alle bedragen zijn schattingen op basis van openbare cijfers en benoemde aannames.",
    ]
    return _markdown(lines)


def region_map(analysis, results: Mapping[str, dict]) -> ReportFigure | Markdown:
    """Map of the region coloured by start budget per inhabitant.

    The shipped boundaries cover the Achterhoek only; for a region whose municipalities are
    not in that file a short note replaces the map.
    """
    from bekostiging.analysis.results import results_frame
    from bekostiging.data.rawdata import load_boundaries

    rf = results_frame(dict(results))
    first = next(iter(results.values()))["first_full_year"]
    geo = load_boundaries()
    on_map = {f["properties"].get("gemeentecode") for f in geo["features"]}
    if not set(rf["gemeentecode"]) <= on_map:
        return _markdown(
            [
                f"Geen kaart: het meegeleverde bestand met gemeentegrenzen bevat de gemeenten van "
                f"regio {analysis.region.name} niet."
            ]
        )
    return choropleth(
        geo,
        dict(zip(rf["gemeentecode"], rf["per_inhabitant"].astype(float))),
        name_property="gemeentenaam",
        title=f"Startbudget per inwoner {first}, regio {analysis.region.name} (schatting)",
        legend_label="Startbudget per inwoner (€)",
        source="Bron: CBS (inwoners, gemeentegrenzen 2015), Iv3; bewerking: startbudget "
        "(schatting)",
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
    from bekostiging.analysis.results import check_totals

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


# --------------------------------------------------------------------------------------------
# Excel workbook


def baseline_frame(view) -> pd.DataFrame:
    """The baseline of the municipality as numbers with Dutch headers and flags.

    Client counts (and the cost per client that would give them away) are left empty where
    :func:`client_suppression` hides them, so the workbook discloses no more than the report.
    """
    a = view.analysis
    b = view.baseline()
    names = segment_names(a)
    res = client_suppression(view)
    hidden = _hidden(res)
    hidden.index = [s.id for s in a.region.procured_segments()]
    procured = b["procured"].to_numpy(dtype=bool)
    hide = np.array(
        [
            (not p) or bool(hidden.loc[s, str(int(y))]) if s in hidden.index else True
            for s, y, p in zip(b["segment"], b["year"], procured, strict=True)
        ]
    )
    clients = np.where(hide, np.nan, np.round(b["clients"].to_numpy(dtype=float)))
    cpc = np.where(hide, np.nan, b["cost_per_client"].to_numpy(dtype=float))
    flag = b["clients_flag"].map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
    return pd.DataFrame(
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
            "Cliënten (<10 niet getoond)": clients,
            "Herkomst cliënten": np.where(np.isnan(clients), "", flag.to_numpy()),
            "Kosten per cliënt (€)": cpc,
        }
    )


def key_tables(view) -> dict[str, pd.DataFrame]:
    """The municipality's key tables for its Excel workbook (numbers stay numeric).

    Sheet names are Dutch and at most 31 characters; every sheet of model figures has a column
    ``Status`` that says the figures are an estimate.
    """
    a = view.analysis
    first = a.first_full_year
    sb = start_budget_frame(view).assign(Status="schatting")
    var = variant_frame(view).assign(Jaar=first, Status="schatting")
    vs, _, _ = _variant_rows(view)
    extra = pd.DataFrame(
        {
            "Bekostigingsvariant": [variant_label(k) for k in vs.index],
            "Gemiddeld resultaat aanbieders (€)": vs["provider_result_mean"].to_numpy(dtype=float),
            f"Kans op verlies > {percent(view.analysis.loss_threshold, 0)} per contract": vs[
                "provider_loss_chance"
            ].to_numpy(dtype=float),
            "Gemiddelde verrekening na afloop (€)": vs["settlement_mean"].to_numpy(dtype=float),
        }
    )
    var = var.merge(extra, on="Bekostigingsvariant", how="left")
    q = view.decided_quantiles()
    projection = pd.DataFrame(
        {
            "Jaar": [int(y) for y in q.index],
            "Startbudget (€)": q["budget"].to_numpy(dtype=float),
            "P10 (€)": q["p10"].to_numpy(dtype=float),
            "P50 (€)": q["p50"].to_numpy(dtype=float),
            "P90 (€)": q["p90"].to_numpy(dtype=float),
            "Status": "schatting",
        }
    )
    risks = risk_frame(view).assign(Status="schatting")
    reserve = capacity_frame(view).assign(Status="schatting")
    alloc = allocation_frame(view).assign(Jaar=first, Status="schatting")
    card = scorecard(a)
    names = segment_names(a)
    prikkels = pd.DataFrame(
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
    sheets = {
        "Startbudget": sb,
        "Varianten": var,
        "Projectie": projection,
        "Risico's": risks,
        "Weerstandsvermogen": reserve,
        "Verdeelsleutels": alloc,
        "Prikkels": prikkels,
        "Basisgegevens": baseline_frame(view),
    }
    for name in sheets:
        if len(name) > 31:  # pragma: no cover - guarded by the tests
            raise ValueError(f"sheet name longer than 31 characters: {name}")
    return sheets
