"""Risk and reserves (issue item 5): required resistance capacity, its rating, the risk table.

Everything works on plain numpy arrays shaped like the Monte Carlo projection,
``(draws, municipalities, segments, years)`` (axes :data:`DRAW_AXIS` ... :data:`YEAR_AXIS`),
with a budget ``(municipalities, segments, years)`` that broadcasts against them, plus label
tuples. Pass the projection's ``spend`` (cost of the care needed) or, for what the
municipality itself pays under a funding variant, its ``variant_spend[key]``.

**Required capacity** (benodigde weerstandscapaciteit) at 90 % certainty: the 90th percentile
over the draws of the total shortfall ``spend - budget``, summed over segments (a surplus in one
segment offsets a shortfall in another within one municipal budget), floored at 0. Two periods:

* ``period="worst_year"`` (default): the percentile per year, then the highest year: the
  capacity needed to absorb one bad year, the way a budget's risk paragraph counts;
* ``period="per_year"``: the percentile of every year (an array over years);
* ``period="contract"``: shortfalls summed over all years first, then the percentile: the
  capacity needed when deficits pile up over the whole contract period and the reserve is
  not replenished in between.

Percentiles use numpy's default (linear interpolation between order statistics, Hyndman and
Fan type 7, the same as ``pandas.Series.quantile``).

**Rating** of the ratio available / required, the scale of the Netherlands Institute for Risk
Management (NAR) with the University of Twente that most Dutch municipalities print in their
paragraaf weerstandsvermogen. The NAR table writes open bounds (``1,0 < x < 1,4``) and leaves
the boundary values themselves undefined; here:

====  =====================  ==================
A     ratio > 2.0            uitstekend
B     1.4 <= ratio <= 2.0    ruim voldoende
C     1.0 <= ratio < 1.4     voldoende
D     0.8 <= ratio < 1.0     matig
E     0.6 <= ratio < 0.8     onvoldoende
F     ratio < 0.6            ruim onvoldoende
====  =====================  ==================

so A is strictly above 2.0 and F strictly below 0.6, as the table says, and a ratio exactly on
an inner boundary (1.4, 1.0, 0.8, 0.6) gets the higher class: capacity that reaches that
multiple of the need counts as reaching it (a ratio of exactly 1.0, capacity equal to the
need, is *voldoende*).

**Risk table** (:func:`risk_table`): rows for the budget's risk paragraph per municipality,
with chance, financial impact and chance x impact, each from the simulation where possible and
from named assumptions (``data/assumptions/parameters/reserves.yaml``, ``risk.*``) otherwise.
Simulated chances and impacts are **per year**: the chance is the share of (draw, year) pairs in
which the event happens, the impact the mean amount in those pairs, so chance x impact is the
expected amount per year. Assumption-based impacts are per year too, on the municipality's
annual budget (the median over the years given, so a half first or last contract year does
not count), except the transition arrangement, which is a one-off.

>>> draws = np.array([100.0, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
>>> spend = draws.reshape(10, 1, 1, 1) + 1000.0     # 10 draws, 1 municipality, segment, year
>>> required_capacity(spend, np.full((1, 1, 1), 1000.0))  # one value per municipality
array([910.])
>>> rating(capacity_ratio(1500.0, 910.0))
'B'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bekostiging.config.parameters import Parameters
from bekostiging.model.variants import Settlement
from bekostiging.report.formatting import euro, number, percent

DRAW_AXIS, MUNICIPALITY_AXIS, SEGMENT_AXIS, YEAR_AXIS = 0, 1, 2, 3
DEFAULT_CERTAINTY = 0.9

Period = Literal["worst_year", "per_year", "contract"]

# --------------------------------------------------------------------------------------------
# required capacity


def _finite(name: str, value: ArrayLike) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers; found {value!r}") from None
    if not np.isfinite(arr).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
        raise ValueError(f"{name} has a missing or infinite value at index {where}")
    return arr


def _axes(axis: int | Sequence[int] | None, ndim: int, name: str) -> tuple[int, ...]:
    if axis is None:
        return ()
    items = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in items:
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"{name} {a} is out of range for an array with {ndim} dimensions")
        out.append(int(a) % ndim)
    return tuple(sorted(set(out)))


def shortfall(spend_draws: ArrayLike, budget: ArrayLike) -> np.ndarray:
    """``spend - budget`` with the budget broadcast against the draws (positive = shortfall).

    >>> shortfall([[1.0, 3.0], [2.0, 5.0]], [2.0, 2.0]).tolist()
    [[-1.0, 1.0], [0.0, 3.0]]
    """
    spend = _finite("spend_draws", spend_draws)
    b = _finite("budget", budget)
    try:
        b = np.broadcast_to(b, spend.shape)
    except ValueError:
        raise ValueError(
            f"budget of shape {b.shape} does not broadcast against spend_draws of shape "
            f"{spend.shape} (draws come first)"
        ) from None
    return spend - b


def required_capacity(
    spend_draws: ArrayLike,
    budget: ArrayLike,
    certainty: float = DEFAULT_CERTAINTY,
    axis: int | Sequence[int] | None = SEGMENT_AXIS,
    *,
    period: Period = "worst_year",
    year_axis: int | None = YEAR_AXIS,
) -> float | np.ndarray:
    """Resistance capacity needed at ``certainty`` (default 90 %): a percentile of the shortfall.

    ``spend_draws`` has the draws on axis 0; ``budget`` broadcasts against it (normally
    ``(municipalities, segments, years)``). The shortfall ``spend - budget`` is summed over
    ``axis`` (default the segments; ``None`` sums nothing; ``(1, 2)`` gives the whole region),
    then handled per ``period`` (see the module docstring), its ``certainty`` quantile taken
    over the draws and floored at 0. ``year_axis=None`` means the array has no year axis
    (``period`` is then ignored).

    Returns an array over the remaining axes (with the defaults: one value per municipality;
    plus the years for ``"per_year"``), or a float when no axis is left (e.g. ``axis=(1, 2)``:
    the region as a whole).

    >>> gap = np.array([[[[-5.0, 10.0]]], [[[20.0, -10.0]]]])  # 2 draws, 1 mun., 1 seg., 2 years
    >>> required_capacity(gap, 0.0, 0.5, period="per_year").tolist()  # years: 7.5 and 0
    [[7.5, 0.0]]
    >>> required_capacity(gap, 0.0, 0.5).tolist(), required_capacity(gap, 0.0, 0.5, (1, 2))
    ([7.5], 7.5)
    >>> required_capacity(gap, 0.0, 0.5, period="contract").tolist()  # totals 5 and 10
    [7.5]
    """
    if not 0.0 < float(certainty) < 1.0:
        raise ValueError(f"certainty must be between 0 and 1 (e.g. 0.9); found {certainty!r}")
    if period not in ("worst_year", "per_year", "contract"):
        raise ValueError(f"unknown period {period!r}; use 'worst_year', 'per_year' or 'contract'")
    gap = shortfall(spend_draws, budget)
    if gap.ndim == 0 or gap.shape[0] == 0:
        raise ValueError("spend_draws needs the draws on axis 0 (at least one draw)")
    summed = _axes(axis, gap.ndim, "axis")
    years = _axes(year_axis, gap.ndim, "year_axis")
    if DRAW_AXIS in summed or DRAW_AXIS in years:
        raise ValueError("axis 0 holds the draws; the percentile is taken over it, not summed")
    if set(summed) & set(years):
        raise ValueError("the year axis cannot be summed via 'axis'; use period='contract'")
    if summed:
        gap = gap.sum(axis=summed, keepdims=True)
    if years and period == "contract":
        gap = gap.sum(axis=years, keepdims=True)
    q = np.quantile(gap, float(certainty), axis=0)  # draw axis removed: every index shifts by 1
    if years and period == "worst_year":
        q = q.max(axis=years[0] - 1, keepdims=True)
    squeeze = {a - 1 for a in summed}
    if years and period != "per_year":
        squeeze.add(years[0] - 1)
    q = np.squeeze(q, axis=tuple(sorted(squeeze))) if squeeze else q
    q = np.maximum(q, 0.0)
    return float(q) if q.ndim == 0 else q


# --------------------------------------------------------------------------------------------
# ratio and rating

RATING_SCALE: tuple[tuple[str, float, str], ...] = (
    ("A", 2.0, "uitstekend"),
    ("B", 1.4, "ruim voldoende"),
    ("C", 1.0, "voldoende"),
    ("D", 0.8, "matig"),
    ("E", 0.6, "onvoldoende"),
    ("F", -math.inf, "ruim onvoldoende"),
)
"""(class, lower bound, meaning). A needs ratio > 2.0; B-E include their lower bound."""

RATING_LABELS = {letter: label for letter, _, label in RATING_SCALE}


def capacity_ratio(available: ArrayLike, required: ArrayLike) -> float | np.ndarray:
    """Ratio of available to required resistance capacity (ratio weerstandsvermogen).

    ``required`` must be >= 0. When nothing is required the ratio is ``inf`` (rating A), also
    for zero available capacity; a negative available capacity then gives ``-inf`` (F).

    >>> capacity_ratio(3.0, 2.0), capacity_ratio(1.0, 0.0)
    (1.5, inf)
    >>> capacity_ratio([2.0, 1.0], [1.0, 2.0]).tolist()
    [2.0, 0.5]
    """
    avail = _finite("available", available)
    req = _finite("required", required)
    if (req < 0).any():
        raise ValueError("required capacity must be >= 0 (it is floored at 0)")
    avail, req = np.broadcast_arrays(avail, req)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(req > 0, avail / np.where(req > 0, req, 1.0), np.inf)
    ratio = np.where((req == 0) & (avail < 0), -np.inf, ratio)
    return float(ratio) if ratio.ndim == 0 else ratio


def rating(ratio: ArrayLike) -> str | np.ndarray:
    """The NAR class (A-F) of a capacity ratio; see the module docstring for the boundaries.

    >>> [rating(x) for x in (2.01, 2.0, 1.4, 1.39, 1.0, 0.99, 0.8, 0.6, 0.59)]
    ['A', 'B', 'B', 'C', 'C', 'D', 'D', 'E', 'F']
    >>> rating(np.array([np.inf, 0.0])).tolist()
    ['A', 'F']
    """
    r = np.asarray(ratio, dtype=float)
    if np.isnan(r).any():
        raise ValueError("a capacity ratio is missing (NaN)")
    letters = np.select(
        [r > 2.0, r >= 1.4, r >= 1.0, r >= 0.8, r >= 0.6], ["A", "B", "C", "D", "E"], "F"
    ).astype(object)
    return str(letters) if letters.ndim == 0 else letters


def rating_scale() -> pd.DataFrame:
    """The rating scale as a table for a report (Dutch headers).

    >>> rating_scale()["Ratio weerstandsvermogen"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['> 2,0', '1,4 t/m 2,0', '1,0 tot 1,4', '0,8 tot 1,0', '0,6 tot 0,8', '< 0,6']
    """
    ranges = ["> 2,0", "1,4 t/m 2,0", "1,0 tot 1,4", "0,8 tot 1,0", "0,6 tot 0,8", "< 0,6"]
    return pd.DataFrame(
        {
            "Waarderingscijfer": [c for c, _, _ in RATING_SCALE],
            "Ratio weerstandsvermogen": ranges,
            "Betekenis": [label for _, _, label in RATING_SCALE],
        }
    )


def available_capacity(
    params: Parameters,
    codes: Sequence[str],
    population: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Available capacity per municipality from ``reserves.available`` (EUR per code).

    A code missing from that mapping gets ``reserves.available_per_inhabitant`` x its total
    population (``population`` maps code -> inhabitants; required for such codes). Returns
    ``gemeentecode``, ``available`` (EUR) and ``basis`` (the parameter used).

    >>> from bekostiging.core.paths import ASSUMPTIONS_DIR
    >>> from bekostiging.config.parameters import load_parameters
    >>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / "reserves.yaml"])
    >>> available_capacity(p, ["GM0197", "GM0361"], {"GM0361": 100_000}).values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['GM0197', 2000000.0, 'reserves.available'],
     ['GM0361', 7500000.0, 'reserves.available_per_inhabitant x inwoners']]
    """
    listed = params.param("reserves.available").value
    listed = listed if isinstance(listed, Mapping) else {}
    per_head = float(params.value("reserves.available_per_inhabitant"))
    rows = []
    for code in codes:
        if code in listed:
            rows.append((code, float(listed[code]), "reserves.available"))
            continue
        if population is None or code not in population:
            raise ValueError(
                f"{code} has no reserves.available and no population for the per-inhabitant "
                "default; add it to reserves.yaml or pass its population"
            )
        rows.append(
            (
                code,
                per_head * float(population[code]),
                "reserves.available_per_inhabitant x inwoners",
            )
        )
    return pd.DataFrame(rows, columns=["gemeentecode", "available", "basis"])


def capacity_table(
    available: Mapping[str, float] | pd.Series,
    required: Mapping[str, float] | pd.Series,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Available vs required capacity, ratio and rating per municipality (Dutch headers).

    >>> row = capacity_table({"GM0197": 1_500_000}, {"GM0197": 1_000_000}).iloc[0]
    >>> [row["Gemeente"], float(row["Ratio"]), row["Waardering"], row["Betekenis"]]
    ['GM0197', 1.5, 'B', 'ruim voldoende']
    """
    rows = []
    for code, req in required.items():
        if code not in available:
            raise ValueError(f"no available capacity for {code}")
        avail = float(available[code])
        ratio = capacity_ratio(avail, float(req))
        letter = rating(ratio)
        rows.append((names.get(code, code) if names else code, avail, float(req), ratio, letter))
    out = pd.DataFrame(
        rows,
        columns=[
            "Gemeente",
            "Beschikbare weerstandscapaciteit (€)",
            "Benodigde weerstandscapaciteit (€)",
            "Ratio",
            "Waardering",
        ],
    )
    out["Betekenis"] = out["Waardering"].map(RATING_LABELS)
    return out


# --------------------------------------------------------------------------------------------
# risk table

RISK_COLUMNS = [
    "gemeentecode",
    "Risico",
    "Toelichting",
    "Kans (%)",
    "Financiële impact (€)",
    "Kans x impact (€)",
    "Bron",
]

RISKS = {
    "volume": "Volumegroei boven het startbudget",
    "intensity": "Hogere kosten per cliënt (zwaardere zorg)",
    "indexation": "Indexatie boven de begrote index (OVA)",
    "settlement": "Verrekening lumpsum buiten de corridor",
    "discontinuity": "Discontinuïteit van een aanbieder",
    "transition": "Overgangsregeling: dubbele kosten bij overdracht",
    "allocation": "Toerekening regionale kosten (verdeelsleutel)",
}
"""Stable keys -> Dutch names of the risks, in the order of the table."""

SIMULATION = "simulatie"


def _source(params: Parameters, names: Sequence[str], simulated: bool = False) -> str:
    """'simulatie' and/or 'aanname a, b (schatting)'; non-estimates name their source."""
    parts = [SIMULATION] if simulated else []
    estimates = [n for n in names if params.param(n).is_estimate]
    others = [n for n in names if not params.param(n).is_estimate]
    if estimates:
        parts.append(f"aanname {', '.join(estimates)} (schatting)")
    for n in others:
        parts.append(f"aanname {n} ({params.param(n).source})")
    return "; ".join(parts)


def _event_stats(amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance of ``amount > 0`` and mean amount given > 0, per municipality.

    ``amount`` is ``(draws, municipalities, years)``; the chance is the share of (draw, year)
    pairs with a positive amount, so chance x impact = mean positive amount per year.
    """
    positive = amount > 0
    chance = positive.mean(axis=(0, 2))
    expected = np.where(positive, amount, 0.0).mean(axis=(0, 2))
    impact = np.divide(expected, chance, out=np.zeros_like(expected), where=chance > 0)
    return chance, impact


def _per_municipality(value: Any, codes: Sequence[str], name: str) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, Mapping | pd.Series):
        missing = [c for c in codes if c not in value]
        if missing:
            raise ValueError(f"{name} has no value for {', '.join(missing)}")
        return np.array([float(value[c]) for c in codes])
    arr = _finite(name, value)
    if arr.shape != (len(codes),):
        raise ValueError(f"{name} must have one value per municipality ({len(codes)})")
    return arr


def risk_table(
    spend_draws: ArrayLike,
    budget: ArrayLike,
    municipalities: Sequence[str],
    params: Parameters,
    *,
    segments: Sequence[str] | None = None,
    settlements: Mapping[str, Settlement] | None = None,
    municipality_spend: ArrayLike | None = None,
    clients_draws: ArrayLike | None = None,
    budget_clients: ArrayLike | None = None,
    budgeted_index: float | None = None,
    transition_clients: Mapping[str, float] | ArrayLike | None = None,
    allocation_difference: pd.DataFrame | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Risks per municipality for the budget's risk paragraph (columns :data:`RISK_COLUMNS`).

    Arrays: ``spend_draws`` (draws, municipalities, segments, years), the cost of the care
    needed; ``budget`` broadcasts against it (the start budget). ``municipalities`` and
    ``segments`` label axes 1 and 2. ``params`` must hold the ``risk.*`` assumptions
    (reserves.yaml) and ``transition.*`` (transition.yaml). Rows, in order:

    1. **volume**: simulated. Without client numbers: the total deviation ``spend - budget``
       over all segments (volume and cost per client as simulated together); chance =
       P(spend > budget), impact = mean excess given excess. With ``clients_draws`` and
       ``budget_clients`` (same shapes as spend and budget) only the volume part, the extra
       clients valued at the budgeted cost per client.
    2. **intensity**: with client numbers, the rest of the deviation (cost per client above the
       budgeted one), simulated; otherwise the assumptions ``risk.heavier_care.chance`` and
       ``.cost_increase`` (share of the annual budget). Rows 1 and 2 then do not overlap.
    3. **indexation**: ``risk.indexation.chance`` x (``.excess`` x annual budget).
    4. **settlement** (only with ``settlements``: segment id -> :class:`Settlement` for the
       lumpsum/population segments): what the municipality pays on top of the lumpsum after the
       year, summed over those segments: ``municipality_spend - budget`` when the variant spend
       is given, else :meth:`Settlement.flow` of spend and budget per segment. Simulated. It is
       the part of row 1 that comes back to the municipality through the corridor rule.
    5. **discontinuity**: ``risk.provider_discontinuity.chance`` x (annual budget x
       ``.budget_share`` x ``.extra_cost_share`` + ``.fixed_cost``).
    6. **transition** (one-off): ``risk.transition.chance`` x (clients in care x
       ``transition.share_noncontracted`` x ``transition.overlap_months`` x
       ``transition.monthly_cost_per_client``). Clients in care: ``transition_clients``, or
       estimated as the annual budget / (12 x monthly cost per client).
    7. **allocation** (only with ``allocation_difference``): ``risk.allocation.chance`` x the
       extra the municipality would pay under the least favourable other key
       (:func:`bekostiging.model.allocation.worst_key_difference`, or a mapping code -> EUR).

    Amounts stay numbers; ``Kans (%)`` is a percentage (0-100).

    >>> from bekostiging.core.paths import ASSUMPTIONS_DIR
    >>> from bekostiging.config.parameters import load_parameters
    >>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / f for f in
    ...                      ("common.yaml", "transition.yaml", "reserves.yaml")])
    >>> spend = np.array([90.0, 110.0, 130.0, 100.0]).reshape(4, 1, 1, 1) * 1000
    >>> t = risk_table(spend, np.full((1, 1, 1), 100_000.0), ["GM0197"], p)
    >>> t["Risico"].tolist()[:2]
    ['Volumegroei boven het startbudget', 'Hogere kosten per cliënt (zwaardere zorg)']
    >>> row = t.iloc[0]  # excess 10,000 and 30,000 in 2 of 4 draws
    >>> float(row["Kans (%)"]), float(row["Financiële impact (€)"]), float(row["Kans x impact (€)"])
    (50.0, 20000.0, 10000.0)
    """
    codes = list(municipalities)
    spend = _finite("spend_draws", spend_draws)
    if spend.ndim != 4:
        raise ValueError(
            "spend_draws must be shaped (draws, municipalities, segments, years); "
            f"found {spend.ndim} dimensions"
        )
    n_draws, n_mun, n_seg, n_years = spend.shape
    if n_mun != len(codes):
        raise ValueError(
            f"{len(codes)} municipality labels for {n_mun} municipalities in the array"
        )
    if segments is not None and len(segments) != n_seg:
        raise ValueError(f"{len(segments)} segment labels for {n_seg} segments in the array")
    gap = shortfall(spend, budget)
    b = np.broadcast_to(_finite("budget", budget), spend.shape)[0]  # (mun, seg, years)
    annual = np.median(b.sum(axis=1), axis=1)  # per municipality
    n_pairs = f"{number(n_draws)} trekkingen x {n_years} jaar"

    rows: list[tuple[str, Any, np.ndarray, np.ndarray, str]] = []  # per risk, over municipalities

    def add(key: str, text: str, chance: Any, impact: Any, source: str) -> None:
        rows.append(
            (
                key,
                text,
                np.broadcast_to(chance, (n_mun,)),
                np.broadcast_to(impact, (n_mun,)),
                source,
            )
        )

    # 1 and 2: volume and cost per client
    if (clients_draws is None) != (budget_clients is None):
        raise ValueError("give both clients_draws and budget_clients, or neither")
    if clients_draws is not None:
        clients = _finite("clients_draws", clients_draws)
        if clients.shape != spend.shape:
            raise ValueError("clients_draws must have the shape of spend_draws")
        bc = np.broadcast_to(_finite("budget_clients", budget_clients), spend.shape)
        cost_per_client = np.divide(b, bc[0], out=np.zeros_like(b), where=bc[0] > 0)
        volume = ((clients - bc) * cost_per_client).sum(axis=SEGMENT_AXIS)
        intensity = gap.sum(axis=SEGMENT_AXIS) - volume
        chance, impact = _event_stats(volume)
        add(
            "volume",
            "Meer cliënten dan in het startbudget, gewaardeerd tegen de begrote kosten per "
            f"cliënt; alle segmenten samen, per jaar ({n_pairs}).",
            chance,
            impact,
            SIMULATION,
        )
        chance, impact = _event_stats(intensity)
        add(
            "intensity",
            "Kosten per cliënt boven de begrote kosten per cliënt (zwaardere zorg, langere "
            f"trajecten); het deel van de overschrijding dat niet uit volume komt ({n_pairs}).",
            chance,
            impact,
            SIMULATION,
        )
    else:
        chance, impact = _event_stats(gap.sum(axis=SEGMENT_AXIS))
        add(
            "volume",
            "De kosten van de benodigde zorg (alle segmenten samen) komen in een jaar boven het "
            "startbudget uit: meer cliënten en hogere kosten per cliënt zoals gesimuleerd "
            f"({n_pairs}). Bij lumpsum draagt de aanbieder dit eerst, binnen de corridor.",
            chance,
            impact,
            SIMULATION,
        )
        names = ["risk.heavier_care.chance", "risk.heavier_care.cost_increase"]
        increase = float(params.value(names[1]))
        add(
            "intensity",
            f"Zorgzwaarte stijgt meer dan in de simulatie (bijvoorbeeld extra complexe "
            f"verblijfsplaatsingen): {percent(increase)} van het jaarbudget.",
            float(params.value(names[0])),
            increase * annual,
            _source(params, names),
        )

    # 3: indexation
    names = ["risk.indexation.chance", "risk.indexation.excess"]
    excess = float(params.value(names[1]))
    budgeted = f" van {percent(budgeted_index)}" if budgeted_index is not None else ""
    add(
        "indexation",
        f"De OVA-index voor aanbieders valt {number(excess * 100, 1)} procentpunt hoger uit "
        "dan de begrote "
        f"index{budgeted}; impact = dat verschil over het jaarbudget.",
        float(params.value(names[0])),
        excess * annual,
        _source(params, names),
    )

    # 4: settlement beyond the corridor
    if settlements:
        if segments is None:
            raise ValueError("give the segment labels to match the settlements")
        unknown = [s for s in settlements if s not in segments]
        if unknown:
            raise ValueError(f"settlement for unknown segment(s): {', '.join(unknown)}")
        idx = [list(segments).index(s) for s in settlements]
        if municipality_spend is not None:
            paid = _finite("municipality_spend", municipality_spend)
            if paid.shape != spend.shape:
                raise ValueError("municipality_spend must have the shape of spend_draws")
            flow = shortfall(paid, budget)[:, :, idx, :].sum(axis=SEGMENT_AXIS)
        else:
            full_budget = np.broadcast_to(b, spend.shape)
            flow = sum(
                settlements[s].flow(full_budget[:, :, i, :], spend[:, :, i, :])
                for s, i in zip(settlements, idx)
            )
        rules = {s.describe() for s in settlements.values()}
        rule = rules.pop() if len(rules) == 1 else "per segment verschillend"
        chance, impact = _event_stats(np.asarray(flow))
        add(
            "settlement",
            f"Na afloop van het jaar betaalt de gemeente een deel van het tekort van de "
            f"aanbieders bij ({', '.join(settlements)}): {rule}. Onderdeel van de "
            "volumegroei hierboven, niet daarbovenop.",
            chance,
            impact,
            SIMULATION,
        )

    # 5: provider discontinuity
    names = [
        "risk.provider_discontinuity.chance",
        "risk.provider_discontinuity.budget_share",
        "risk.provider_discontinuity.extra_cost_share",
        "risk.provider_discontinuity.fixed_cost",
    ]
    chance_d, share, extra, fixed = (float(params.value(n)) for n in names)
    add(
        "discontinuity",
        f"Een gecontracteerde aanbieder stopt (faillissement, terugtrekking): cliënten gaan over "
        f"naar andere aanbieders en een deel wordt opnieuw ingekocht. Impact = "
        f"{percent(share)} van het jaarbudget x {percent(extra)} meerkosten + {euro(fixed)}.",
        chance_d,
        annual * share * extra + fixed,
        _source(params, names),
    )

    # 6: transition arrangement (one-off)
    names = [
        "risk.transition.chance",
        "transition.share_noncontracted",
        "transition.overlap_months",
        "transition.monthly_cost_per_client",
    ]
    chance_t, share_nc, months, monthly = (float(params.value(n)) for n in names)
    given = _per_municipality(transition_clients, codes, "transition_clients")
    in_care = given if given is not None else annual / (12.0 * monthly)
    how = "opgegeven" if given is not None else "geschat als jaarbudget / (12 x maandkosten)"
    add(
        "transition",
        f"Eenmalig bij de start van de contracten: {percent(share_nc)} van de cliënten in zorg "
        f"({how}) gaat over naar een gecontracteerde aanbieder; {months:g} maand(en) worden "
        f"beide aanbieders betaald ({euro(monthly)} per cliënt per maand).",
        chance_t,
        in_care * share_nc * months * monthly,
        _source(params, names),
    )

    # 7: attribution of regional costs
    if allocation_difference is not None:
        name = "risk.allocation.chance"
        if isinstance(allocation_difference, pd.DataFrame):
            frame = allocation_difference.set_index("gemeentecode")
            diff = _per_municipality(frame["difference"], codes, "allocation_difference")
            keys = [str(frame.at[c, "key"]) if "key" in frame.columns else "" for c in codes]
        else:
            diff = _per_municipality(allocation_difference, codes, "allocation_difference")
            keys = [""] * len(codes)
        diff = np.maximum(diff, 0.0)
        texts = [
            "Regionale kosten worden niet naar eigen inwoners (gebruik) toegerekend maar met "
            f"de sleutel '{k}'; impact = wat de gemeente dan meer betaalt."
            if k
            else "Regionale kosten worden met een andere sleutel dan eigen inwoners (gebruik) "
            "toegerekend; geen van de andere sleutels kost deze gemeente meer (impact 0)."
            for k in keys
        ]
        rows.append(
            (
                "allocation",
                texts,
                np.full(n_mun, float(params.value(name))),
                diff,
                _source(params, [name], simulated=False) + "; verdeelsleutels",
            )
        )

    records = []
    for m, code in enumerate(codes):
        for key, text, chance, impact, source in rows:
            c = float(chance[m])
            i = float(impact[m])
            records.append(
                (
                    code,
                    RISKS[key],
                    text[m] if isinstance(text, list) else text,
                    100.0 * c,
                    i,
                    c * i,
                    source,
                )
            )
    return pd.DataFrame(records, columns=RISK_COLUMNS)


# --------------------------------------------------------------------------------------------
# from long frames


def to_array(
    frame: pd.DataFrame,
    value: str,
    dims: Sequence[str],
    coords: Mapping[str, Sequence] | None = None,
) -> tuple[np.ndarray, dict[str, tuple]]:
    """A long frame as a dense array over ``dims`` (in order), with the label tuples.

    ``coords`` fixes the order of labels per dimension (default: order of appearance, years
    sorted). A missing combination is an error, not a zero.

    >>> f = pd.DataFrame({"gemeentecode": ["A", "A", "B", "B"], "year": [2023, 2024] * 2,
    ...                   "budget": [1.0, 2.0, 3.0, 4.0]})
    >>> arr, c = to_array(f, "budget", ["gemeentecode", "year"])
    >>> arr.tolist(), c["year"]
    ([[1.0, 2.0], [3.0, 4.0]], (2023, 2024))
    """
    coords = dict(coords or {})
    labels = {}
    for d in dims:
        if d not in frame.columns:
            raise ValueError(f"the frame needs a column {d!r}")
        if d in coords:
            labels[d] = tuple(coords[d])
        else:
            seen = list(dict.fromkeys(frame[d]))
            labels[d] = tuple(sorted(seen)) if d in ("year", "draw") else tuple(seen)
    if frame.duplicated(list(dims)).any():
        raise ValueError(f"the frame has more than one row per ({', '.join(dims)})")
    index = pd.MultiIndex.from_product([labels[d] for d in dims], names=list(dims))
    series = frame.set_index(list(dims))[value].reindex(index)
    if series.isna().any():
        missing = series.index[series.isna()][0]
        raise ValueError(f"no {value!r} for {dict(zip(dims, missing))}")
    shape = tuple(len(labels[d]) for d in dims)
    return series.to_numpy(dtype=float).reshape(shape), labels


def region_settlements(region: Any) -> dict[str, Settlement]:
    """Settlement rule per procured segment whose funding has one (lumpsum, population, hybrid).

    >>> from bekostiging.config.region import load_region
    >>> s = region_settlements(load_region("achterhoek"))
    >>> sorted(s), s["iaj"].corridor
    (['dyslexie', 'gwv', 'hcv', 'iaj', 'wmo_io', 'wmo_wonen'], 0.05)
    """
    out = {}
    for seg in region.procured_segments():
        spec = (seg.funding or {}).get("settlement")
        if not spec:
            continue
        keys = ("kind", "corridor", "municipality_share_over", "municipality_share_under")
        out[seg.id] = Settlement(**{k: spec[k] for k in keys if k in spec})
    return out


def risk_table_from_frames(
    draws: pd.DataFrame,
    budget: pd.DataFrame,
    params: Parameters,
    region: Any = None,
    *,
    keys: pd.DataFrame | None = None,
    budgeted_index: float | None = None,
    transition_clients: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """:func:`risk_table` from long frames, with the region's settlements and names.

    ``draws``: columns ``draw, gemeentecode, segment, year, spend`` and optionally
    ``municipality_spend`` (what the municipality pays under the decided variants) and
    ``clients``. ``budget``: ``gemeentecode, segment, year, budget`` and optionally ``clients``
    (budgeted clients; used together with the drawn clients). With a ``region`` the settlement
    rules of its segments are used and municipalities follow the region's order; its names
    replace the codes in a ``Gemeente`` column. With ``keys`` (the output of
    :func:`bekostiging.model.allocation.allocation_keys` for the segments in
    ``risk.allocation.regional_segments``) the allocation risk is added: the regional cost is
    the annual budget (median year) of those segments over all municipalities. Without
    ``budgeted_index`` the parameter ``index.care_cost`` of the first year is quoted when known.
    """
    from bekostiging.model.allocation import allocate, worst_key_difference

    coords: dict[str, Sequence] = {}
    if region is not None:
        present = set(budget["gemeentecode"])
        coords["gemeentecode"] = [m.code for m in region.municipalities if m.code in present]
    dims = ["gemeentecode", "segment", "year"]
    b, labels = to_array(budget, "budget", dims, coords)
    coords = {**labels}
    spend, _ = to_array(draws, "spend", ["draw", *dims], coords)
    extra: dict[str, Any] = {}
    if "municipality_spend" in draws.columns:
        extra["municipality_spend"], _ = to_array(
            draws, "municipality_spend", ["draw", *dims], coords
        )
    if "clients" in draws.columns and "clients" in budget.columns:
        extra["clients_draws"], _ = to_array(draws, "clients", ["draw", *dims], coords)
        extra["budget_clients"], _ = to_array(budget, "clients", dims, coords)
    segments = labels["segment"]
    if region is not None:
        settlements = {s: v for s, v in region_settlements(region).items() if s in segments}
        extra["settlements"] = settlements
    if budgeted_index is None and "index.care_cost" in params:
        budgeted_index = float(params.value("index.care_cost", year=int(labels["year"][0])))
    if keys is not None:
        regional = [s for s in params.value("risk.allocation.regional_segments") if s in segments]
        idx = [segments.index(s) for s in regional]
        cost = float(np.median(b[:, idx, :].sum(axis=(0, 1)))) if idx else 0.0
        extra["allocation_difference"] = worst_key_difference(allocate(cost, keys))
    table = risk_table(
        spend,
        b,
        labels["gemeentecode"],
        params,
        segments=segments,
        budgeted_index=budgeted_index,
        transition_clients=transition_clients,
        **extra,
    )
    if region is not None:
        table.insert(1, "Gemeente", table["gemeentecode"].map(region.name_of))
    return table
