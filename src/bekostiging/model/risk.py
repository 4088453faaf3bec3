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
not count). The transition arrangement is not a risk: it is decided, and its cost is certain
(:mod:`bekostiging.model.transition`).

>>> draws = np.array([100.0, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
>>> spend = draws.reshape(10, 1, 1, 1) + 1000.0     # 10 draws, 1 municipality, segment, year
>>> required_capacity(spend, np.full((1, 1, 1), 1000.0))  # one value per municipality
array([910.])
>>> rating(capacity_ratio(1500.0, 910.0))
'B'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bekostiging.config.parameters import Parameters
from bekostiging.model.allocation import allocate, worst_key_difference
from bekostiging.model.variants import Settlement

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

RATING_BOUNDS: tuple[tuple[str, float], ...] = (
    ("A", 2.0),
    ("B", 1.4),
    ("C", 1.0),
    ("D", 0.8),
    ("E", 0.6),
    ("F", -math.inf),
)
"""(class, lower bound). A needs ratio > 2.0; B-E include their lower bound. The Dutch
meanings are in :data:`bekostiging.report.text.risk.RATING_LABELS`."""


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


OWN_FIGURE = "reserves.available"
FROM_BALANCE = "iv3_balance x reserves.social_domain_share"
PER_INHABITANT = "reserves.available_per_inhabitant x inwoners"


AVAILABLE_COLUMNS = [
    "gemeentecode",
    "available",
    "basis",
    "balance_year",
    "eigen_vermogen",
    "submitted",
    "figure_year",
    "figure_source",
    "replaced",
]
"""Columns of :func:`available_capacity`."""


def _submitted_figures(submitted: pd.DataFrame | None) -> dict[str, tuple[float, int, str]]:
    """code -> (EUR, year, source) of the submission workbooks' own figures, checked."""
    if submitted is None or submitted.empty:
        return {}
    missing = {"gemeentecode", "available", "year", "source"} - set(submitted.columns)
    if missing:
        raise ValueError(f"submitted capacity needs the columns {sorted(missing)}")
    twice = submitted["gemeentecode"][submitted["gemeentecode"].duplicated()].tolist()
    if twice:
        raise ValueError(f"more than one submitted capacity for {', '.join(map(str, twice))}")
    out = {}
    for code, amount, year, source in submitted[
        ["gemeentecode", "available", "year", "source"]
    ].itertuples(index=False):
        if not (math.isfinite(float(amount)) and float(amount) >= 0):
            raise ValueError(f"submitted capacity of {code} must be >= 0; found {amount!r}")
        out[str(code)] = (float(amount), int(year), str(source))
    return out


def available_capacity(
    params: Parameters,
    codes: Sequence[str],
    population: Mapping[str, float] | pd.Series | None = None,
    balance: pd.DataFrame | None = None,
    reference_year: int | None = None,
    submitted: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Available capacity per municipality, from the best source there is.

    1. The municipality's own figure (basis :data:`OWN_FIGURE`): the one it entered in the
       submission workbook (``submitted``, :func:`bekostiging.data.submission.
       load_own_capacity`: ``gemeentecode``, ``available``, ``year``, ``source``), else the
       parameter ``reserves.available`` (EUR per code, e.g. from a scenario);
    2. else its eigen vermogen at the end of the last jaarrekening year up to
       ``reference_year`` in the Iv3 balance (``balance``: :func:`bekostiging.data.rawdata.
       load_iv3_balance`), times ``reserves.social_domain_share``;
    3. else ``reserves.available_per_inhabitant`` x its total population.

    Returns :data:`AVAILABLE_COLUMNS`: ``gemeentecode``, ``available`` (EUR), ``basis`` (which
    of the three), ``balance_year`` and ``eigen_vermogen`` (EUR; NaN when not from the
    balance), ``submitted`` (True when the figure comes from the workbook), ``figure_year`` and
    ``figure_source`` (the workbook's year and source; missing otherwise) and ``replaced`` (the
    figure of ``reserves.available`` that the workbook replaced; NaN when there was none).

    Aalten by hand: eigen vermogen end 2024 EUR 35,837k x 15 % = EUR 5,375,550.

    >>> from bekostiging.config.region import load_region
    >>> from bekostiging.data.rawdata import load_iv3_balance
    >>> p = load_region("achterhoek").parameters
    >>> t = available_capacity(p, ["GM0197"], balance=load_iv3_balance(), reference_year=2024)
    >>> t[["available", "basis", "balance_year"]].values.tolist()
    [[5375550.0, 'iv3_balance x reserves.social_domain_share', 2024]]
    >>> own = p.with_overrides({"reserves.available": {"GM0197": 4_500_000}})
    >>> float(available_capacity(own, ["GM0197"], balance=load_iv3_balance())["available"][0])
    4500000.0
    >>> float(available_capacity(p, ["GM0361"], {"GM0361": 100_000})["available"][0])
    7500000.0

    The workbook's figure wins over the parameter, and says so:

    >>> sub = pd.DataFrame({"gemeentecode": ["GM0197"], "available": [3_000_000.0],
    ...     "year": [2025], "source": ["paragraaf weerstandsvermogen, jaarrekening 2025"]})
    >>> t = available_capacity(own, ["GM0197"], submitted=sub)
    >>> t[["available", "basis", "submitted", "figure_year", "replaced"]].values.tolist()
    [[3000000.0, 'reserves.available', True, 2025, 4500000.0]]
    """
    from_workbook = _submitted_figures(submitted)
    listed = params.param(OWN_FIGURE).value
    listed = listed if isinstance(listed, Mapping) else {}
    per_head = float(params.value("reserves.available_per_inhabitant"))
    share = float(params.value("reserves.social_domain_share"))
    known = pd.DataFrame(columns=["gemeentecode", "year", "eigen_vermogen_keur"])
    if balance is not None:
        known = balance[["gemeentecode", "year", "eigen_vermogen_keur"]]
        if reference_year is not None:
            known = known[known["year"] <= int(reference_year)]
        known = known.dropna(subset=["eigen_vermogen_keur"])
    last = known.sort_values("year").groupby("gemeentecode").tail(1).set_index("gemeentecode")
    rows = []
    none = (False, None, None, np.nan)  # not from the workbook
    for code in codes:
        if code in from_workbook:
            amount, year, source = from_workbook[code]
            replaced = float(listed[code]) if code in listed else np.nan
            rows.append((code, amount, OWN_FIGURE, None, np.nan, True, year, source, replaced))
            continue
        if code in listed:
            rows.append((code, float(listed[code]), OWN_FIGURE, None, np.nan, *none))
            continue
        if code in last.index:
            ev = float(last.loc[code, "eigen_vermogen_keur"]) * 1000.0
            year = int(last.loc[code, "year"])
            rows.append((code, round(ev * share, 2), FROM_BALANCE, year, ev, *none))
            continue
        if population is None or code not in population:
            raise ValueError(
                f"{code} has no reserves.available, no Iv3 balance and no population for the "
                "per-inhabitant default; add it to reserves.yaml or pass its population"
            )
        rows.append((code, per_head * float(population[code]), PER_INHABITANT, None, np.nan, *none))
    return pd.DataFrame(rows, columns=AVAILABLE_COLUMNS)


CAPACITY_COLUMNS = ["gemeente", "available", "required", "ratio", "rating"]


def capacity_table(
    available: Mapping[str, float] | pd.Series,
    required: Mapping[str, float] | pd.Series,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Available vs required capacity, ratio and rating per municipality (English keys).

    Columns ``gemeente`` (name, or the code), ``available``, ``required``, ``ratio``,
    ``rating``; :func:`bekostiging.report.text.risk.dutch_capacity_table` gives the report's
    Dutch headers and the meaning of the rating.

    >>> row = capacity_table({"GM0197": 1_500_000}, {"GM0197": 1_000_000}).iloc[0]
    >>> [row["gemeente"], float(row["ratio"]), row["rating"]]
    ['GM0197', 1.5, 'B']
    """
    rows = []
    for code, req in required.items():
        if code not in available:
            raise ValueError(f"no available capacity for {code}")
        avail = float(available[code])
        ratio = capacity_ratio(avail, float(req))
        letter = rating(ratio)
        rows.append((names.get(code, code) if names else code, avail, float(req), ratio, letter))
    return pd.DataFrame(rows, columns=CAPACITY_COLUMNS)


# --------------------------------------------------------------------------------------------
# risk table: one small function per risk in a registry

RISK_FIELDS = [
    "gemeentecode",
    "risk",
    "chance",
    "impact",
    "expected",
    "simulated",
    "parameters",
    "estimates",
    "sources",
    "facts",
]
"""Columns of :func:`risk_table`: ``chance`` is a share (0-1), ``impact`` and ``expected``
(chance x impact) are EUR; ``parameters`` are the named assumptions the row rests on, with
``estimates`` (is each one an estimate?) and ``sources`` (its source) in the same order;
``facts`` holds the plain values an explanation needs (see the risk functions)."""


@dataclass(frozen=True)
class Risk:
    """One risk for every municipality: numbers only, and the facts that explain them."""

    key: str
    chance: np.ndarray  # (municipalities,): share of (draw, year) pairs, or assumed (0-1)
    impact: np.ndarray  # (municipalities,): EUR
    simulated: bool = False
    parameters: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)  # the same for every municipality
    per_municipality: Mapping[str, Sequence[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskInputs:
    """The checked arrays and options that every risk function reads."""

    spend: np.ndarray  # (draws, municipalities, segments, years)
    gap: np.ndarray  # spend - budget, same shape
    budget: np.ndarray  # (municipalities, segments, years)
    given_budget: ArrayLike  # the budget as given (broadcasts against spend)
    annual: np.ndarray  # (municipalities,): median annual budget over the years
    codes: tuple[str, ...]
    params: Parameters
    segments: Sequence[str] | None = None
    settlements: Mapping[str, Settlement] | None = None
    municipality_spend: ArrayLike | None = None
    clients: np.ndarray | None = None  # clients_draws, checked
    budget_clients: np.ndarray | None = None  # broadcast to the shape of spend
    budgeted_index: float | None = None
    allocation_difference: Any = None

    @property
    def pairs(self) -> dict[str, int]:
        """The number of draws and of years: the (draw, year) pairs behind a simulated chance."""
        return {"draws": int(self.spend.shape[0]), "years": int(self.spend.shape[3])}

    def values(self, names: Sequence[str]) -> list[float]:
        """The named assumptions as floats."""
        return [float(self.params.value(n)) for n in names]

    def risk(self, key: str, chance: Any, impact: Any, **kw: Any) -> Risk:
        """A :class:`Risk` with chance and impact broadcast over the municipalities."""
        n = (len(self.codes),)
        return Risk(key, np.broadcast_to(chance, n), np.broadcast_to(impact, n), **kw)


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


def _volume_split(inp: RiskInputs) -> tuple[np.ndarray, np.ndarray]:
    """The shortfall split into volume (extra clients at the budgeted cost) and the rest."""
    b, bc = inp.budget, inp.budget_clients
    cost_per_client = np.divide(b, bc[0], out=np.zeros_like(b), where=bc[0] > 0)
    volume = ((inp.clients - bc) * cost_per_client).sum(axis=SEGMENT_AXIS)
    return volume, inp.gap.sum(axis=SEGMENT_AXIS) - volume


def volume_risk(inp: RiskInputs) -> Risk:
    """Simulated, per (draw, year): without client numbers the whole shortfall over all segments
    (chance = P(spend > budget), impact = mean excess given excess); with them only the extra
    clients valued at the budgeted cost per client."""
    split = inp.clients is not None
    amount = _volume_split(inp)[0] if split else inp.gap.sum(axis=SEGMENT_AXIS)
    chance, impact = _event_stats(amount)
    return inp.risk("volume", chance, impact, simulated=True, facts={**inp.pairs, "split": split})


def intensity_risk(inp: RiskInputs) -> Risk:
    """With client numbers the rest of the shortfall (cost per client above the budgeted one),
    simulated; otherwise ``risk.heavier_care.chance`` x (``.cost_increase`` x annual budget)."""
    if inp.clients is not None:
        chance, impact = _event_stats(_volume_split(inp)[1])
        facts = {**inp.pairs, "split": True}
        return inp.risk("intensity", chance, impact, simulated=True, facts=facts)
    names = ("risk.heavier_care.chance", "risk.heavier_care.cost_increase")
    chance, increase = inp.values(names)
    facts = {"split": False, "cost_increase": increase}
    return inp.risk("intensity", chance, increase * inp.annual, parameters=names, facts=facts)


def indexation_risk(inp: RiskInputs) -> Risk:
    """``risk.indexation.chance`` x (``.excess`` x annual budget)."""
    names = ("risk.indexation.chance", "risk.indexation.excess")
    chance, excess = inp.values(names)
    facts = {"excess": excess, "budgeted_index": inp.budgeted_index}
    return inp.risk("indexation", chance, excess * inp.annual, parameters=names, facts=facts)


def _settlement_flow(inp: RiskInputs, idx: list[int]) -> np.ndarray:
    """What the municipality pays on top of the lumpsum, summed over the settled segments."""
    if inp.municipality_spend is not None:
        paid = _finite("municipality_spend", inp.municipality_spend)
        if paid.shape != inp.spend.shape:
            raise ValueError("municipality_spend must have the shape of spend_draws")
        return shortfall(paid, inp.given_budget)[:, :, idx, :].sum(axis=SEGMENT_AXIS)
    full_budget = np.broadcast_to(inp.budget, inp.spend.shape)
    return np.asarray(
        sum(
            inp.settlements[s].flow(full_budget[:, :, i, :], inp.spend[:, :, i, :])
            for s, i in zip(inp.settlements, idx)
        )
    )


def settlement_risk(inp: RiskInputs) -> Risk | None:
    """Simulated: what the municipality pays on top of the lumpsum after the year, summed over
    the settled segments (``municipality_spend - budget`` when given, else
    :meth:`Settlement.flow`); the part of the volume row that comes back through the corridor."""
    if not inp.settlements:
        return None
    if inp.segments is None:
        raise ValueError("give the segment labels to match the settlements")
    unknown = [s for s in inp.settlements if s not in inp.segments]
    if unknown:
        raise ValueError(f"settlement for unknown segment(s): {', '.join(unknown)}")
    idx = [list(inp.segments).index(s) for s in inp.settlements]
    chance, impact = _event_stats(_settlement_flow(inp, idx))
    facts = {"segments": tuple(inp.settlements), "rules": tuple(inp.settlements.values())}
    return inp.risk("settlement", chance, impact, simulated=True, facts=facts)


def discontinuity_risk(inp: RiskInputs) -> Risk:
    """``.chance`` x (annual budget x ``.budget_share`` x ``.extra_cost_share`` + ``.fixed_cost``)
    of ``risk.provider_discontinuity``."""
    names = (
        "risk.provider_discontinuity.chance",
        "risk.provider_discontinuity.budget_share",
        "risk.provider_discontinuity.extra_cost_share",
        "risk.provider_discontinuity.fixed_cost",
    )
    chance, share, extra, fixed = inp.values(names)
    facts = {"budget_share": share, "extra_cost_share": extra, "fixed_cost": fixed}
    impact = inp.annual * share * extra + fixed
    return inp.risk("discontinuity", chance, impact, parameters=names, facts=facts)


def allocation_risk(inp: RiskInputs) -> Risk | None:
    """``risk.allocation.chance`` x the extra under the least favourable other key (>= 0)."""
    diff_in, codes = inp.allocation_difference, inp.codes
    if diff_in is None:
        return None
    if isinstance(diff_in, pd.DataFrame):
        frame = diff_in.set_index("gemeentecode")
        diff = _per_municipality(frame["difference"], codes, "allocation_difference")
        keys = [str(frame.at[c, "key"]) if "key" in frame.columns else "" for c in codes]
    else:
        diff = _per_municipality(diff_in, codes, "allocation_difference")
        keys = [""] * len(codes)
    names = ("risk.allocation.chance",)
    (chance,) = inp.values(names)
    return inp.risk(
        "allocation",
        chance,
        np.maximum(diff, 0.0),
        parameters=names,
        per_municipality={"key": keys},
    )


RISK_FUNCTIONS: dict[str, Callable[[RiskInputs], Risk | None]] = {
    "volume": volume_risk,
    "intensity": intensity_risk,
    "indexation": indexation_risk,
    "settlement": settlement_risk,
    "discontinuity": discontinuity_risk,
    "allocation": allocation_risk,
}
"""The registry, in table order: each function returns a :class:`Risk`, or None when it does
not apply (no settlements, no allocation difference)."""

RISK_KEYS = tuple(RISK_FUNCTIONS)
"""Stable keys of the risks, in the order of the table (Dutch names: report.text.risk)."""


def risk_inputs(
    spend_draws: ArrayLike,
    budget: ArrayLike,
    municipalities: Sequence[str],
    params: Parameters,
    **options: Any,
) -> RiskInputs:
    """Check the arrays of :func:`risk_table` and derive the annual budget per municipality."""
    codes = tuple(municipalities)
    spend = _finite("spend_draws", spend_draws)
    if spend.ndim != 4:
        raise ValueError(
            "spend_draws must be shaped (draws, municipalities, segments, years); "
            f"found {spend.ndim} dimensions"
        )
    _, n_mun, n_seg, _ = spend.shape
    if n_mun != len(codes):
        raise ValueError(
            f"{len(codes)} municipality labels for {n_mun} municipalities in the array"
        )
    segments = options.get("segments")
    if segments is not None and len(segments) != n_seg:
        raise ValueError(f"{len(segments)} segment labels for {n_seg} segments in the array")
    gap = shortfall(spend, budget)
    b = np.broadcast_to(_finite("budget", budget), spend.shape)[0]  # (mun, seg, years)
    clients, budget_clients = (
        options.pop("clients_draws", None),
        options.pop("budget_clients", None),
    )
    if (clients is None) != (budget_clients is None):
        raise ValueError("give both clients_draws and budget_clients, or neither")
    if clients is not None:
        clients = _finite("clients_draws", clients)
        if clients.shape != spend.shape:
            raise ValueError("clients_draws must have the shape of spend_draws")
        budget_clients = np.broadcast_to(_finite("budget_clients", budget_clients), spend.shape)
    annual = np.median(b.sum(axis=1), axis=1)
    return RiskInputs(
        spend,
        gap,
        b,
        budget,
        annual,
        codes,
        params,
        clients=clients,
        budget_clients=budget_clients,
        **options,
    )


def _records(risk: Risk, inp: RiskInputs) -> list[tuple]:
    """The rows of one risk, one per municipality (see :data:`RISK_FIELDS`)."""
    par = [inp.params.param(n) for n in risk.parameters]
    estimates = tuple(p.is_estimate for p in par)
    sources = tuple(p.source for p in par)
    rows = []
    for m, code in enumerate(inp.codes):
        c, i = float(risk.chance[m]), float(risk.impact[m])
        facts = {**risk.facts, **{k: v[m] for k, v in risk.per_municipality.items()}}
        row = (code, risk.key, c, i, c * i, risk.simulated, risk.parameters, estimates, sources)
        rows.append((*row, facts))
    return rows


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
    allocation_difference: pd.DataFrame | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Risks per municipality for the budget's risk paragraph (numbers, :data:`RISK_FIELDS`).

    Arrays: ``spend_draws`` (draws, municipalities, segments, years), the cost of the care
    needed; ``budget`` broadcasts against it (the start budget). ``municipalities`` and
    ``segments`` label axes 1 and 2. ``params`` must hold the ``risk.*`` assumptions
    (reserves.yaml). One row per municipality and risk of
    :data:`RISK_FUNCTIONS` (see each function for its chance and impact): ``clients_draws`` and
    ``budget_clients`` (shaped as spend and budget) split volume from cost per client;
    ``settlements`` (segment id -> :class:`Settlement`), with ``municipality_spend`` (what the
    municipality pays under the variants) when known, add the settlement row;
    ``allocation_difference``
    (:func:`bekostiging.model.allocation.worst_key_difference`, or code -> EUR) adds the
    allocation row. :func:`bekostiging.report.text.risk.dutch_risk_table` gives the report's
    Dutch table.

    >>> from bekostiging.core.paths import ASSUMPTIONS_DIR
    >>> from bekostiging.config.parameters import load_parameters
    >>> p = load_parameters([ASSUMPTIONS_DIR / "parameters" / f for f in
    ...                      ("common.yaml", "reserves.yaml")])
    >>> spend = np.array([90.0, 110.0, 130.0, 100.0]).reshape(4, 1, 1, 1) * 1000
    >>> t = risk_table(spend, np.full((1, 1, 1), 100_000.0), ["GM0197"], p)
    >>> t["risk"].tolist()[:2]
    ['volume', 'intensity']
    >>> row = t.iloc[0]  # excess 10,000 and 30,000 in 2 of 4 draws
    >>> float(row["chance"]), float(row["impact"]), float(row["expected"]), row["facts"]["draws"]
    (0.5, 20000.0, 10000.0, 4)
    """
    inp = risk_inputs(
        spend_draws,
        budget,
        municipalities,
        params,
        segments=segments,
        settlements=settlements,
        municipality_spend=municipality_spend,
        clients_draws=clients_draws,
        budget_clients=budget_clients,
        budgeted_index=budgeted_index,
        allocation_difference=allocation_difference,
    )
    risks = [r for r in (f(inp) for f in RISK_FUNCTIONS.values()) if r is not None]
    per_risk = [_records(r, inp) for r in risks]
    rows = [records[m] for m in range(len(inp.codes)) for records in per_risk]
    return pd.DataFrame(rows, columns=RISK_FIELDS)


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
) -> pd.DataFrame:
    """:func:`risk_table` from long frames, with the region's settlements and names.

    ``draws``: columns ``draw, gemeentecode, segment, year, spend`` and optionally
    ``municipality_spend`` (what the municipality pays under the decided variants) and
    ``clients``. ``budget``: ``gemeentecode, segment, year, budget`` and optionally ``clients``
    (budgeted clients; used together with the drawn clients). With a ``region`` the settlement
    rules of its segments are used and municipalities follow the region's order (pass
    ``region.name_of`` to :func:`bekostiging.report.text.risk.dutch_risk_table` for the names).
    With ``keys`` (the output of
    :func:`bekostiging.model.allocation.allocation_keys` for the segments in
    ``risk.allocation.regional_segments``) the allocation risk is added: the regional cost is
    the annual budget (median year) of those segments over all municipalities. Without
    ``budgeted_index`` the parameter ``index.care_cost`` of the first year is quoted when known.
    """

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
    return risk_table(
        spend,
        b,
        labels["gemeentecode"],
        params,
        segments=segments,
        budgeted_index=budgeted_index,
        **extra,
    )
