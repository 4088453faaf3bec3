"""What every report chapter shares: the report table, amounts in text, estimate notes.

The chapter modules of this package (``summary``, ``baseline``, ``startbudget``, ``variants``,
``incentives``, ``projection``, ``lookback``, ``reserves``, ``allocation``, ``transition``,
``appendix``, ``regional``) take the analysis objects
(:class:`~bekostiging.analysis.region_analysis.RegionAnalysis`, its
:class:`~bekostiging.analysis.region_analysis.MunicipalityView` or the results files of the
regional overview) and return something ready to show: a table (:func:`table`, a pandas Styler
made by :func:`bekostiging.report.formatting.format_table`, with Dutch headers and Dutch number
formats), a figure in the house style (:mod:`bekostiging.report.charts`) or Markdown text with
the figures filled in. Nothing there computes model results; it selects, labels, formats and
words them.

Rules that hold for every output:

- amounts are shown as ``€ 1.234.567`` (or ``€ 12,3 mln`` in text), shares as ``12,3%``;
- every table of model figures says in its caption that the amounts are estimates
  (``schatting``) and names the assumptions they rest on (:func:`estimate_note`); baseline
  tables show the flags *waargenomen*, *schatting* and *opgave gemeente*;
- client counts of a municipality go through :func:`bekostiging.report.suppression.suppress_small`
  (counts below 10 hidden, totals correct), and so does every figure that would give a hidden
  count away (the cost per client next to the spend);
- the plain-text form of a table is the formatted table itself, so a stored notebook output
  holds no memory address and the same figures give the same output (nbval).

:func:`bekostiging.report.workbook.key_tables` gives the municipality's key tables with numbers
kept numeric for the Excel workbook that :func:`bekostiging.report.outputs.write_outputs` writes.

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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from bekostiging.report.formatting import (
    euro,
    euro_mln,
    format_frame,
    format_table,
    number,
    percent,
    text,
)
from bekostiging.report.labels import FLAG_LABELS, MONTHS_NL
from bekostiging.report.text.risk import RATING_LABELS

DAMPING = "startbudget.trend_damping"
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


RESERVE_ASSUMPTIONS = (
    "reserves.available",
    "reserves.social_domain_share",
    "reserves.available_per_inhabitant",
)


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


def segment_names(analysis, short: bool = False) -> dict[str, str]:
    """Segment id -> Dutch name (or the short name) for every segment of the region."""
    return {s.id: (s.short if short else s.name) for s in analysis.region.segments}


def analysis_of(obj):
    """The RegionAnalysis behind a view (or the analysis itself)."""
    return getattr(obj, "analysis", obj)


def param_text(value: Any) -> str:
    """A parameter value in Dutch notation (decimal comma, thousands dot, lists, mappings).

    >>> param_text({"GM0197": 2e6, "default": 0.015}), param_text([0.5, 2])
    ('GM0197: 2.000.000; overig: 0,015', '0,5, 2')
    """
    if isinstance(value, Mapping):
        return "; ".join(
            f"{'overig' if k == 'default' else k}: {param_text(v)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(param_text(v) for v in value)
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


ASSUMPTION_TOPICS: dict[str, str] = {
    "prevalence": "het gebruik per inwoner (prevalentie)",
    "startbudget.trend_damping": "het deel van de historische groei dat meetelt",
    "index.care_cost": "de indexatie van de zorgkosten",
    "startbudget.efficiency": "de efficiencykorting",
    "startbudget.chain_agreements": "de ketenafspraken",
    "startbudget.local_policy": "het lokale beleid",
    "projection.volume_share": "het volumedeel van de groei",
    "projection.index_sd": "de onzekerheid van de indexatie",
    "projection.hybrid_pq_share": "het p*q-deel van de hybride bekostiging",
    "projection.provider_margin": "de marge van aanbieders",
    "risk": "kansen en bedragen van de risico's",
    "reserves": "de beschikbare weerstandscapaciteit",
    "transition": "de overgangsregeling",
    "allocation": "de verdeelsleutels en het aanbod",
    "pooling": "het regionaal verevenen",
}
"""Parameter name (or prefix) -> what it is about, in plain Dutch, for captions."""


def assumption_topic(name: str) -> str:
    """The plain Dutch topic of a parameter name (``prevalence.*`` -> the prevalence).

    >>> assumption_topic("prevalence.*"), assumption_topic("startbudget.efficiency.iaj")
    ('het gebruik per inwoner (prevalentie)', 'de efficiencykorting')
    >>> assumption_topic("unknown.thing")
    'overige aannames'
    """
    key = name.removesuffix(".*")
    while key:
        if key in ASSUMPTION_TOPICS:
            return ASSUMPTION_TOPICS[key]
        key = key.rpartition(".")[0]
    return "overige aannames"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def estimate_note(obj, names: Iterable[str], what: str = "De bedragen") -> str:
    """The sentence under a table of model figures: an estimate, and what it rests on.

    In plain Dutch: the topics of the assumptions, not their parameter keys or files; the
    appendix lists each assumption with value, unit and source.
    """
    a = analysis_of(obj)
    names = list(names)
    chosen = ""
    choice = a.start_budget.damping if DAMPING in names else None
    if choice is not None and choice.source == "evaluation":
        names.remove(DAMPING)  # not an assumption here: chosen on earlier years
        chosen = f"; het trendaandeel ({percent(choice.value, 0)}) is gekozen op eerdere jaren"
    present = [n for n in names if (a.params.names(n[:-1]) if n.endswith(".*") else n in a.params)]
    topics = list(dict.fromkeys(assumption_topic(n) for n in present))
    tail = f" op aannames over {_and(topics)}" if topics else " op aannames"
    return f"{what} zijn een schatting en rusten{tail}{chosen} (bijlage, Aannames)."


def markdown(lines: Iterable[str]) -> Markdown:
    """Markdown from lines; ``p*q`` is escaped so that its star is not read as emphasis."""
    return Markdown("\n".join(lines).replace("p*q", "p\\*q"))


def years_text(years: Sequence[int]) -> str:
    """A span of years as text.

    >>> years_text([2029, 2027, 2028]), years_text([2027]), years_text([])
    ('2027-2029', '2027', '')
    """
    years = sorted(int(y) for y in years)
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def flag_summary(flags: pd.Series, years: pd.Series) -> str:
    """Flags per year as text: 'schatting' or 'waargenomen 2023-2024; schatting 2017-2022'."""
    labels = flags.map(lambda v: FLAG_LABELS.get(v, "") if isinstance(v, str) else "")
    groups: dict[str, list[int]] = {}
    for label, year in zip(labels, years, strict=True):
        groups.setdefault(label or "onbekend", []).append(int(year))
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(f"{label} {years_text(ys)}" for label, ys in groups.items())


def date_nl(iso: str | None) -> str:
    """An ISO date in Dutch words.

    >>> date_nl("2027-01-01")
    '1 januari 2027'
    """
    if not iso:
        return "de contractstart uit het regiobestand"
    y, m, d = (int(x) for x in str(iso)[:10].split("-"))
    return f"{d} {MONTHS_NL[m - 1]} {y}"


def month_nl(period: Any) -> str:
    """A month in Dutch words.

    >>> month_nl("2027-03")
    'maart 2027'
    """
    p = pd.Period(period, freq="M")
    return f"{MONTHS_NL[p.month - 1]} {p.year}"


def above_below(x: float) -> str:
    """A relative deviation in words: ``18,6% onder`` or ``5,5% boven``.

    >>> above_below(-0.186), above_below(0.055)
    ('18,6% onder', '5,5% boven')
    """
    return f"{percent(abs(x))} {'onder' if x < 0 else 'boven'}"


def rating_meaning(rating: str) -> str:
    """The meaning of a resistance-capacity rating (A-F), empty if unknown.

    >>> rating_meaning("A"), rating_meaning("?")
    ('uitstekend', '')
    """
    return RATING_LABELS.get(rating, "")
