"""Funding variants for youth care and Wmo behind one interface.

A :class:`Demand` describes the care in a period (clients, units, the provider's unit cost).
Every variant (:class:`PQ`, :class:`Output`, :class:`Lumpsum`, :class:`PopulationFunding`,
:class:`Hybrid`) has one method, ``pay(demand)``, that returns a :class:`VariantResult`: what the
municipality pays, what the provider earns, the settlement after the year and the share of a
marginal euro of cost that the municipality ends up paying.

Everything is vectorised: the fields of a demand and the money parameters of a variant may be
scalars or numpy arrays of any shape that broadcast together (e.g. draws x municipalities x
segments x years); the result has the broadcast shape. Contract terms that shape the rules
(settlement corridor and shares, the p*q share of a hybrid) are scalars.

>>> demand = Demand(clients=10, units=1_000, unit_cost=60.0)
>>> demand.cost.item()
60000.0
>>> result = Lumpsum(budget=50_000).pay(demand)
>>> result.municipality_spend.item(), result.provider_result.item()
(50000.0, -10000.0)
>>> PQ(tariff=60.0).pay(demand).municipality_spend.item()
60000.0
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

# Who carries a risk, in the words used in the reports.
MUNICIPALITY = "gemeente"
PROVIDER = "aanbieder"
SHARED = "gedeeld"

# Dutch column labels of the risk table; keys are stable identifiers for code.
RISK_LABELS: dict[str, str] = {
    "variant": "bekostigingsvariant",
    "volume": "volumerisico (aantal cliënten)",
    "intensity": "intensiteitsrisico (zorgzwaarte per cliënt)",
    "population": "populatierisico (omvang doelgroep)",
    "explanation": "toelichting",
}

SETTLEMENT_KINDS = ("none", "corridor", "full")


# --------------------------------------------------------------------------------------------
# validation and formatting helpers


def _as_float_array(name: str, value: ArrayLike) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or an array of numbers; found {value!r}"
        ) from None


def _check_range(
    name: str,
    value: ArrayLike,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """Return ``value`` as a float array, or raise a ValueError naming the first bad value.

    NaN always fails (every comparison with NaN is False); infinity fails unless allowed.
    """
    arr = _as_float_array(name, value)
    ok = np.isfinite(arr) if finite else ~np.isnan(arr)
    if low is not None:
        ok &= (arr > low) if low_open else (arr >= low)
    if high is not None:
        ok &= arr <= high
    if not ok.all():
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"<= {high:g}")
        expected = ("a finite number " if finite else "a number ") + " and ".join(bounds)
        bad = np.argwhere(~ok)[0] if arr.ndim else ()
        where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
        count = f" ({int((~ok).sum())} of {arr.size} values wrong)" if arr.size > 1 else ""
        raise ValueError(
            f"{name} must be {expected.strip()}; found {float(arr[tuple(bad)])!r}{where}{count}"
        )
    return arr


def _param(name: str, value: ArrayLike, low: float = 0.0) -> float | np.ndarray:
    """A money parameter of a variant: a float when scalar, else a float array (validated)."""
    arr = _check_range(name, value, low=low)
    return float(arr) if arr.ndim == 0 else arr


def _scalar(name: str, value: Any, low: float, high: float | None, finite: bool = True) -> float:
    arr = _as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number (a contract term); found {value!r}")
    return float(_check_range(name, arr, low=low, high=high, finite=finite))


def _flag(name: str, value: Any) -> bool:
    # A YAML typo such as "ja" must not silently become True.
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be true or false; found {value!r}")
    return bool(value)


def _pct(share: float) -> str:
    """A share as a Dutch percentage: 0.05 -> '5 %', 0.125 -> '12,5 %'."""
    return f"{share * 100:.4g} %".replace(".", ",")


def _euro(amount: float | np.ndarray) -> str:
    if np.ndim(amount):
        return "een bedrag (per element verschillend)"
    return "€ " + f"{float(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _broadcast_float(*arrays: ArrayLike) -> list[np.ndarray]:
    """Broadcast to one shape and copy, so every result field is an ordinary writable array."""
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*arrays)]


# --------------------------------------------------------------------------------------------
# demand and result


@dataclass(frozen=True, eq=False)
class Demand:
    """Care in one period: clients, units (e.g. hours) and the provider's real cost per unit.

    ``indicated_units`` are the units the access team indicated (default: the delivered units,
    i.e. the indication never binds). ``population`` is the size of the target population, needed
    only for population funding. All fields broadcast against each other.

    >>> d = Demand(clients=[2, 3], units=[10, 30], unit_cost=50.0, indicated_units=[12, 20])
    >>> d.cost.tolist()  # 10*50, 30*50
    [500.0, 1500.0]
    >>> d.indicated.tolist()
    [12.0, 20.0]
    """

    clients: ArrayLike
    units: ArrayLike
    unit_cost: ArrayLike
    indicated_units: ArrayLike | None = None
    population: ArrayLike | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: store the validated arrays once
        set_(self, "clients", _check_range("Demand.clients", self.clients, low=0.0))
        set_(self, "units", _check_range("Demand.units", self.units, low=0.0))
        # A positive unit cost: the cost share is "paid per unit / cost per unit".
        set_(
            self, "unit_cost", _check_range("Demand.unit_cost", self.unit_cost, 0.0, low_open=True)
        )
        if self.indicated_units is not None:
            set_(
                self,
                "indicated_units",
                _check_range("Demand.indicated_units", self.indicated_units, 0.0),
            )
        if self.population is not None:
            set_(self, "population", _check_range("Demand.population", self.population, low=0.0))

    @property
    def cost(self) -> np.ndarray:
        """The provider's cost of delivering the care: ``units * unit_cost``.

        >>> Demand(clients=1, units=4, unit_cost=25.0).cost.item()
        100.0
        """
        return self.units * self.unit_cost

    @property
    def indicated(self) -> np.ndarray:
        """Indicated units; the delivered units when no indication was given.

        >>> Demand(clients=1, units=4, unit_cost=25.0).indicated.item()
        4.0
        """
        return self.units if self.indicated_units is None else self.indicated_units


@dataclass(frozen=True, eq=False)
class VariantResult:
    """What one variant pays for one demand; every field is an array of the broadcast shape.

    - ``municipality_spend``: what the municipality pays in total (base payment + settlement);
    - ``provider_revenue``: equal to the spend, the municipality being the only payer;
    - ``provider_cost``: the provider's cost (``Demand.cost``);
    - ``provider_result``: revenue minus cost (positive = surplus);
    - ``base_payment``: payment before settlement (budget, tariff x units, price x clients);
    - ``settlement_flow``: paid by the municipality after the year (negative = paid back);
    - ``municipality_cost_share``: of one more euro of provider cost from delivering more units to
      the same clients at the same unit cost, the part the municipality pays (d spend / d cost).

    >>> r = VariantResult.from_parts(base_payment=100.0, settlement_flow=-10.0,
    ...                              provider_cost=80.0, municipality_cost_share=0.0)
    >>> r.municipality_spend.item(), r.provider_result.item()
    (90.0, 10.0)
    """

    municipality_spend: np.ndarray
    provider_revenue: np.ndarray
    provider_cost: np.ndarray
    provider_result: np.ndarray
    base_payment: np.ndarray
    settlement_flow: np.ndarray
    municipality_cost_share: np.ndarray

    @classmethod
    def from_parts(
        cls,
        base_payment: ArrayLike,
        settlement_flow: ArrayLike,
        provider_cost: ArrayLike,
        municipality_cost_share: ArrayLike,
    ) -> VariantResult:
        """Build a result from its independent parts; spend, revenue and result follow.

        Spend is computed as ``base_payment + settlement_flow`` and the provider result as
        ``spend - cost``, so the accounting identities hold by construction.

        >>> r = VariantResult.from_parts([1.0, 2.0], 0.0, 1.5, 1.0)
        >>> r.provider_result.tolist()
        [-0.5, 0.5]
        """
        base, flow, cost, share = _broadcast_float(
            base_payment, settlement_flow, provider_cost, municipality_cost_share
        )
        spend = base + flow
        return cls(
            municipality_spend=spend,
            provider_revenue=spend.copy(),
            provider_cost=cost,
            provider_result=spend - cost,
            base_payment=base,
            settlement_flow=flow,
            municipality_cost_share=share,
        )


# --------------------------------------------------------------------------------------------
# settlement


@dataclass(frozen=True)
class Settlement:
    """How a lumpsum budget is settled with the real cost after the year (verrekening).

    With deviation ``D = cost - budget`` and band ``corridor * budget``: inside the band
    (``|D| <= corridor * budget``) the provider carries everything. Beyond it, the municipality
    pays ``municipality_share_over`` of the overspend in excess of the band on top, and the
    provider pays back ``municipality_share_under`` of the underspend in excess of the band.

    - ``"none"``: pure lumpsum, no settlement (same as an infinite corridor);
    - ``"full"``: after-calculation (nacalculatie), the municipality pays exactly the cost
      (same as corridor 0 with both shares 1);
    - ``"corridor"``: give ``corridor`` (a fraction, may be ``float("inf")``); the shares
      default to 1.

    For "none" and "full" the corridor and shares follow from the kind and are filled in.

    >>> s = Settlement("corridor", corridor=0.05, municipality_share_over=0.5)
    >>> # budget 1000, band 50; cost 1100: overspend 100, excess 50, municipality pays 0.5*50
    >>> s.flow(1000.0, 1100.0).item()
    25.0
    >>> # cost 800: underspend 200, excess 150, provider pays back 1.0*150
    >>> s.flow(1000.0, 800.0).item()
    -150.0
    >>> Settlement("full").corridor, Settlement("none").corridor
    (0.0, inf)
    """

    kind: str = "none"
    corridor: float | None = None
    municipality_share_over: float | None = None
    municipality_share_under: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in SETTLEMENT_KINDS:
            raise ValueError(
                f"unknown settlement kind {self.kind!r}; valid kinds: {', '.join(SETTLEMENT_KINDS)}"
            )
        implied = {"none": (math.inf, 0.0, 0.0), "full": (0.0, 1.0, 1.0)}
        names = ("corridor", "municipality_share_over", "municipality_share_under")
        if self.kind in implied:
            given = [n for n in names if getattr(self, n) is not None]
            if given:
                raise ValueError(
                    f"settlement kind {self.kind!r} implies its own {', '.join(given)}; "
                    "leave it out, or use kind 'corridor' to set it"
                )
            values = implied[self.kind]
        else:
            if self.corridor is None:
                raise ValueError("settlement kind 'corridor' needs a corridor (e.g. 0.05 = +/-5 %)")
            values = (
                self.corridor,
                1.0 if self.municipality_share_over is None else self.municipality_share_over,
                1.0 if self.municipality_share_under is None else self.municipality_share_under,
            )
        corridor = _scalar("settlement corridor", values[0], 0.0, None, finite=False)
        over = _scalar("settlement municipality_share_over", values[1], 0.0, 1.0)
        under = _scalar("settlement municipality_share_under", values[2], 0.0, 1.0)
        for name, value in zip(names, (corridor, over, under), strict=True):
            object.__setattr__(self, name, value)

    def _band(self, budget: np.ndarray) -> np.ndarray:
        return self.corridor * budget

    def flow(self, budget: ArrayLike, cost: ArrayLike) -> np.ndarray:
        """Payment from municipality to provider after the year (negative = paid back).

        >>> Settlement("full").flow([100.0, 100.0], [130.0, 90.0]).tolist()
        [30.0, -10.0]
        >>> Settlement("none").flow(100.0, 130.0).item()
        0.0
        """
        budget = _check_range("budget", budget, low=0.0)
        cost = _check_range("cost", cost, low=0.0)
        if math.isinf(self.corridor):
            # Avoid inf * 0 = nan for a zero budget: an infinite band never settles.
            return np.zeros(np.broadcast_shapes(budget.shape, cost.shape))
        deviation = cost - budget
        band = self._band(budget)
        excess_over = np.maximum(deviation - band, 0.0)
        excess_under = np.maximum(-deviation - band, 0.0)
        return (
            self.municipality_share_over * excess_over
            - self.municipality_share_under * excess_under
        )

    def cost_share(self, budget: ArrayLike, cost: ArrayLike) -> np.ndarray:
        """d flow / d cost: the part of the last euro of cost that the municipality pays.

        Inside the band 0; above it ``municipality_share_over``; below it
        ``municipality_share_under`` (one more euro of cost means one euro less underspend to
        pay back). At a band edge the left derivative is used (the share of the last euro):
        at ``D == band`` inside (0), at ``D == -band`` below. So "full" gives 1 everywhere.

        >>> s = Settlement("corridor", corridor=0.1, municipality_share_over=0.6,
        ...                municipality_share_under=0.4)
        >>> s.cost_share(100.0, [80.0, 95.0, 110.0, 120.0]).tolist()
        [0.4, 0.0, 0.0, 0.6]
        """
        budget = _check_range("budget", budget, low=0.0)
        cost = _check_range("cost", cost, low=0.0)
        shape = np.broadcast_shapes(budget.shape, cost.shape)
        if math.isinf(self.corridor):
            return np.zeros(shape)
        deviation = cost - budget
        band = self._band(budget)
        share = np.where(deviation > band, self.municipality_share_over, 0.0)
        share = np.where(deviation <= -band, self.municipality_share_under, share)
        return np.broadcast_to(share, shape).astype(float)

    def carrier(self) -> str:
        """Who carries the risk of over- and underspend: gemeente, aanbieder or gedeeld.

        >>> Settlement("none").carrier(), Settlement("full").carrier()
        ('aanbieder', 'gemeente')
        >>> Settlement("corridor", corridor=0.05).carrier()
        'gedeeld'
        """
        over, under = self.municipality_share_over, self.municipality_share_under
        if math.isinf(self.corridor) or (over == 0.0 and under == 0.0):
            return PROVIDER
        if self.corridor == 0.0 and over == 1.0 and under == 1.0:
            return MUNICIPALITY
        return SHARED

    def describe(self) -> str:
        """One Dutch sentence on the settlement rule, for reports.

        >>> Settlement("corridor", corridor=0.05, municipality_share_under=0.5).describe()
        'binnen ±5 % van het budget draagt de aanbieder over- en onderbesteding; daarbuiten betaalt de gemeente 100 % van het tekort bij en betaalt de aanbieder 50 % van het overschot terug'
        """
        carrier = self.carrier()
        if carrier == PROVIDER:
            return "geen verrekening: de aanbieder houdt een overschot en draagt een tekort"
        if carrier == MUNICIPALITY:
            return "nacalculatie: de gemeente betaalt de werkelijke kosten"
        return (
            f"binnen ±{_pct(self.corridor)} van het budget draagt de aanbieder over- en "
            f"onderbesteding; daarbuiten betaalt de gemeente "
            f"{_pct(self.municipality_share_over)} van het tekort bij en betaalt de aanbieder "
            f"{_pct(self.municipality_share_under)} van het overschot terug"
        )

    def to_config(self) -> dict[str, Any]:
        """The plain dict that :func:`variant_from_config` reads back.

        >>> Settlement("full").to_config()
        {'kind': 'full'}
        """
        if self.kind != "corridor":
            return {"kind": self.kind}
        return {
            "kind": "corridor",
            "corridor": self.corridor,
            "municipality_share_over": self.municipality_share_over,
            "municipality_share_under": self.municipality_share_under,
        }


NO_SETTLEMENT = Settlement("none")


# --------------------------------------------------------------------------------------------
# risk profile (data for the risk table)


@dataclass(frozen=True)
class RiskProfile:
    """Who carries which risk under a variant, with a one-line Dutch explanation."""

    volume: str
    intensity: str
    population: str
    explanation: str


def _combine(parts: list[tuple[float, str]]) -> str:
    """Carrier of a mix of payment parts, given (weight, carrier) pairs."""
    carriers = {c for w, c in parts if w > 0}
    return carriers.pop() if len(carriers) == 1 else SHARED


# --------------------------------------------------------------------------------------------
# variants


def _paid_units(demand: Demand, cap_by_indication: bool) -> np.ndarray:
    return np.minimum(demand.units, demand.indicated) if cap_by_indication else demand.units


def _pq_marginal_share(tariff: ArrayLike, demand: Demand, cap_by_indication: bool) -> np.ndarray:
    """d (tariff * paid units) / d cost along more units: tariff / unit cost while units are paid.

    The last unit is paid when units <= indicated (left derivative at the cap), so a demand
    without an indication (indicated = units) is fully paid.
    """
    paid = demand.units <= demand.indicated if cap_by_indication else np.ones_like(demand.units)
    return np.where(paid, np.divide(tariff, demand.unit_cost), 0.0)


@dataclass(frozen=True)
class PQ:
    """p*q (inspanningsgericht): a tariff per delivered unit, capped by the indication.

    ``spend = tariff * min(units, indicated_units)`` (or ``tariff * units`` with the cap off).
    The cost share is ``tariff / unit_cost`` while the last unit is paid, else 0: it is 1 when
    the tariff equals the unit cost, and above 1 when the tariff exceeds it (the provider earns
    on every extra unit: the over-provision incentive of p*q).

    >>> d = Demand(clients=2, units=30, unit_cost=50.0, indicated_units=25)
    >>> r = PQ(tariff=60.0).pay(d)
    >>> r.municipality_spend.item(), r.provider_result.item()  # 60*25; 1500 - 30*50
    (1500.0, 0.0)
    >>> r.municipality_cost_share.item()  # capped: an extra unit is not paid
    0.0
    >>> PQ(tariff=60.0, cap_by_indication=False).pay(d).municipality_spend.item()  # 60*30
    1800.0
    """

    tariff: ArrayLike
    cap_by_indication: bool = True

    name: ClassVar[str] = "p*q (inspanningsgericht)"
    key: ClassVar[str] = "pq"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tariff", _param("PQ.tariff", self.tariff))
        object.__setattr__(
            self, "cap_by_indication", _flag("PQ.cap_by_indication", self.cap_by_indication)
        )

    def pay(self, demand: Demand) -> VariantResult:
        """Pay every (paid) unit at the tariff; no settlement."""
        base = self.tariff * _paid_units(demand, self.cap_by_indication)
        share = _pq_marginal_share(self.tariff, demand, self.cap_by_indication)
        return VariantResult.from_parts(base, 0.0, demand.cost, share)

    def risk_profile(self) -> RiskProfile:
        """p*q: volume and intensity with the municipality; the unit price with the provider."""
        cap = ", tot de geïndiceerde omvang" if self.cap_by_indication else ""
        return RiskProfile(
            volume=MUNICIPALITY,
            intensity=MUNICIPALITY,
            population=MUNICIPALITY,
            explanation=(
                f"De gemeente betaalt {_euro(self.tariff)} per geleverde eenheid{cap}: meer "
                "cliënten of meer uren per cliënt betaalt de gemeente; de aanbieder draagt alleen "
                "het verschil tussen kostprijs en tarief."
            ),
        )


@dataclass(frozen=True)
class Output:
    """Output / trajectprijs: a fixed price per client, whatever the units delivered.

    ``spend = price_per_client * clients``. More units for the same clients cost the
    municipality nothing, so the cost share is 0 (the provider carries the intensity).

    >>> r = Output(price_per_client=900.0).pay(Demand(clients=3, units=40, unit_cost=60.0))
    >>> r.municipality_spend.item(), r.provider_result.item()  # 3*900; 2700 - 40*60
    (2700.0, 300.0)
    """

    price_per_client: ArrayLike

    name: ClassVar[str] = "Output / trajectprijs"
    key: ClassVar[str] = "output"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "price_per_client", _param("Output.price_per_client", self.price_per_client)
        )

    def pay(self, demand: Demand) -> VariantResult:
        """Pay the price for every client; no settlement."""
        base = self.price_per_client * demand.clients
        return VariantResult.from_parts(base, 0.0, demand.cost, 0.0)

    def risk_profile(self) -> RiskProfile:
        """Output: the number of clients with the municipality, intensity with the provider."""
        return RiskProfile(
            volume=MUNICIPALITY,
            intensity=PROVIDER,
            population=MUNICIPALITY,
            explanation=(
                f"De gemeente betaalt {_euro(self.price_per_client)} per cliënt: meer cliënten "
                "betaalt de gemeente, meer zorg per cliënt komt voor rekening van de aanbieder."
            ),
        )


def _settled_budget(budget: ArrayLike, demand: Demand, settlement: Settlement) -> VariantResult:
    flow = settlement.flow(budget, demand.cost)
    share = settlement.cost_share(budget, demand.cost)
    return VariantResult.from_parts(budget, flow, demand.cost, share)


@dataclass(frozen=True)
class Lumpsum:
    """Lumpsum (taakgericht): a fixed budget, settled with the cost after the year.

    ``spend = budget + settlement.flow(budget, cost)``; the cost share is the settlement's
    (0 for a pure lumpsum, 1 for full after-calculation).

    >>> d = Demand(clients=10, units=110, unit_cost=10.0)  # cost 1100
    >>> Lumpsum(budget=1000.0).pay(d).provider_result.item()
    -100.0
    >>> corridor = Settlement("corridor", corridor=0.05)
    >>> Lumpsum(budget=1000.0, settlement=corridor).pay(d).settlement_flow.item()  # 100 - 50
    50.0
    """

    budget: ArrayLike
    settlement: Settlement = NO_SETTLEMENT

    name: ClassVar[str] = "Lumpsum (taakgericht)"
    key: ClassVar[str] = "lumpsum"

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", _param("Lumpsum.budget", self.budget))
        _check_settlement(self.settlement)

    def pay(self, demand: Demand) -> VariantResult:
        """Pay the budget, then settle it against the cost."""
        return _settled_budget(self.budget, demand, self.settlement)

    def risk_profile(self) -> RiskProfile:
        """All risks follow the settlement rule (after-calculation gives them back)."""
        carrier = self.settlement.carrier()
        return RiskProfile(
            volume=carrier,
            intensity=carrier,
            population=carrier,
            explanation=f"Vast budget per aanbieder per jaar; {self.settlement.describe()}.",
        )


@dataclass(frozen=True)
class PopulationFunding:
    """Populatiebekostiging: a budget per head of the target population, then like a lumpsum.

    ``budget = amount_per_head * demand.population``; needs ``Demand.population``.

    >>> d = Demand(clients=20, units=100, unit_cost=40.0, population=100)  # cost 4000
    >>> r = PopulationFunding(amount_per_head=45.0).pay(d)
    >>> r.municipality_spend.item(), r.provider_result.item()  # 45*100; 4500 - 4000
    (4500.0, 500.0)
    """

    amount_per_head: ArrayLike
    settlement: Settlement = NO_SETTLEMENT

    name: ClassVar[str] = "Populatiebekostiging"
    key: ClassVar[str] = "population"

    def __post_init__(self) -> None:
        amount = _param("PopulationFunding.amount_per_head", self.amount_per_head)
        object.__setattr__(self, "amount_per_head", amount)
        _check_settlement(self.settlement)

    def pay(self, demand: Demand) -> VariantResult:
        """Budget from the population, then settle it against the cost."""
        if demand.population is None:
            raise ValueError(
                "population funding needs Demand.population (the size of the target population)"
            )
        return _settled_budget(self.amount_per_head * demand.population, demand, self.settlement)

    def risk_profile(self) -> RiskProfile:
        """The budget moves with the population; use and intensity follow the settlement."""
        carrier = self.settlement.carrier()
        return RiskProfile(
            volume=carrier,
            intensity=carrier,
            population=MUNICIPALITY,
            explanation=(
                f"Budget van {_euro(self.amount_per_head)} per inwoner van de doelgroep: een "
                "grotere doelgroep betaalt de gemeente, meer gebruik of zwaardere zorg binnen de "
                f"doelgroep volgt de verrekening; {self.settlement.describe()}."
            ),
        )


@dataclass(frozen=True)
class Hybrid:
    """Hybride: a lumpsum for part of the budget plus p*q for the rest.

    With ``s = pq_share``, budget ``B``, tariff ``T`` and provider cost ``C``::

        fixed    = (1 - s) * B, settled like a lumpsum against (1 - s) * C
        variable = s * T * min(units, indicated_units)
        spend    = fixed + settlement.flow(fixed, (1 - s) * C) + variable

    The settlement corridor is a fraction of the fixed part. ``s = 0`` is the lumpsum,
    ``s = 1`` is p*q at tariff ``T``. The cost share is
    ``(1 - s) * settlement share + s * T / unit_cost`` (the second term while units are paid).

    >>> d = Demand(clients=5, units=100, unit_cost=10.0)  # cost 1000
    >>> r = Hybrid(budget=800.0, tariff=10.0, pq_share=0.25).pay(d)
    >>> # fixed 0.75*800 = 600, variable 0.25*10*100 = 250, no settlement: spend 850
    >>> r.municipality_spend.item(), r.municipality_cost_share.item()
    (850.0, 0.25)
    """

    budget: ArrayLike
    tariff: ArrayLike
    pq_share: float
    settlement: Settlement = NO_SETTLEMENT
    cap_by_indication: bool = True

    name: ClassVar[str] = "Hybride (lumpsum + deel p*q)"
    key: ClassVar[str] = "hybrid"

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", _param("Hybrid.budget", self.budget))
        object.__setattr__(self, "tariff", _param("Hybrid.tariff", self.tariff))
        object.__setattr__(self, "pq_share", _scalar("Hybrid.pq_share", self.pq_share, 0.0, 1.0))
        _check_settlement(self.settlement)
        flag = _flag("Hybrid.cap_by_indication", self.cap_by_indication)
        object.__setattr__(self, "cap_by_indication", flag)

    def pay(self, demand: Demand) -> VariantResult:
        """Settled fixed part plus the p*q part (see the class docstring for the rule)."""
        s = self.pq_share
        fixed_budget = (1.0 - s) * np.asarray(self.budget)
        fixed_cost = (1.0 - s) * demand.cost
        flow = self.settlement.flow(fixed_budget, fixed_cost)
        variable = s * (self.tariff * _paid_units(demand, self.cap_by_indication))
        share = (1.0 - s) * self.settlement.cost_share(fixed_budget, fixed_cost) + s * (
            _pq_marginal_share(self.tariff, demand, self.cap_by_indication)
        )
        return VariantResult.from_parts(fixed_budget + variable, flow, demand.cost, share)

    def risk_profile(self) -> RiskProfile:
        """Mix of the p*q part (municipality) and the settled fixed part."""
        s = self.pq_share
        carrier = _combine([(s, MUNICIPALITY), (1.0 - s, self.settlement.carrier())])
        return RiskProfile(
            volume=carrier,
            intensity=carrier,
            population=carrier,
            explanation=(
                f"{_pct(s)} van de vergoeding via p*q (risico gemeente), {_pct(1.0 - s)} als "
                f"lumpsum: {self.settlement.describe()}."
            ),
        )


Variant = PQ | Output | Lumpsum | PopulationFunding | Hybrid
VARIANTS: dict[str, type] = {v.key: v for v in (PQ, Output, Lumpsum, PopulationFunding, Hybrid)}


def _check_settlement(settlement: Any) -> None:
    if not isinstance(settlement, Settlement):
        raise ValueError(f"settlement must be a Settlement; found {settlement!r}")


# --------------------------------------------------------------------------------------------
# risk table


def risk_allocation(variant: Variant) -> dict[str, str]:
    """Who carries volume, intensity and population risk under a variant (Dutch labels).

    >>> row = risk_allocation(Lumpsum(budget=1e6, settlement=Settlement("full")))
    >>> row["volumerisico (aantal cliënten)"]
    'gemeente'
    >>> risk_allocation(Output(price_per_client=9000))["intensiteitsrisico (zorgzwaarte per cliënt)"]
    'aanbieder'
    """
    profile = variant.risk_profile()
    return {
        RISK_LABELS["variant"]: variant.name,
        RISK_LABELS["volume"]: profile.volume,
        RISK_LABELS["intensity"]: profile.intensity,
        RISK_LABELS["population"]: profile.population,
        RISK_LABELS["explanation"]: profile.explanation,
    }


def risk_table(variants: Mapping[str, Variant]) -> pd.DataFrame:
    """One row per variant (index = the mapping's keys) with :func:`risk_allocation`'s columns.

    >>> t = risk_table({"pq": PQ(tariff=65.0), "lumpsum": Lumpsum(budget=1e6)})
    >>> t.loc["lumpsum", "volumerisico (aantal cliënten)"]
    'aanbieder'
    """
    rows = [risk_allocation(v) for v in variants.values()]
    return pd.DataFrame(rows, index=pd.Index(list(variants), name="variant"))


# --------------------------------------------------------------------------------------------
# configuration


def _valid_list(options: list[str]) -> str:
    return ", ".join(repr(o) for o in options)


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _settlement_from_config(spec: Any, where: str) -> Settlement:
    if isinstance(spec, Settlement):
        return spec
    if isinstance(spec, str):  # shorthand: settlement: full
        spec = {"kind": spec}
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: 'settlement' must be a mapping with a 'kind'; found {spec!r}")
    valid = [f.name for f in fields(Settlement)]
    for key in spec:
        if key not in valid:
            raise ValueError(
                f"{where}: unknown settlement key {key!r}{_suggest(str(key), valid)}; "
                f"valid keys: {_valid_list(valid)}"
            )
    if "kind" not in spec:
        raise ValueError(
            f"{where}: settlement needs 'kind'; valid kinds: {_valid_list(list(SETTLEMENT_KINDS))}"
        )
    try:
        return Settlement(**spec)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def variant_from_config(spec: Mapping[str, Any], **context: Any) -> Variant:
    """Build a variant from a plain dict, as read from a region YAML file or notebook parameters.

    ``spec["variant"]`` is one of ``pq``, ``output``, ``lumpsum``, ``population``, ``hybrid``;
    the other keys are the variant's fields (``settlement`` as a nested dict or a kind name).
    Keyword arguments fill fields the spec does not give (e.g. a computed start budget); keys
    the chosen variant does not have are ignored, so one context serves every variant. Values
    in the spec win over the context. Typos raise a ValueError naming the key and the options.

    >>> v = variant_from_config({"variant": "lumpsum", "budget": 1e6,
    ...                          "settlement": {"kind": "corridor", "corridor": 0.05}})
    >>> v.settlement.corridor, v.settlement.municipality_share_over
    (0.05, 1.0)
    >>> variant_from_config({"variant": "hybrid", "pq_share": 0.3}, budget=1e6, tariff=65.0).name
    'Hybride (lumpsum + deel p*q)'
    >>> variant_from_config({"variant": "lumsum", "budget": 1})
    Traceback (most recent call last):
    ...
    ValueError: unknown variant 'lumsum' (did you mean 'lumpsum'?); valid variants: 'pq', 'output', 'lumpsum', 'population', 'hybrid'
    """
    options = list(VARIANTS)
    if not isinstance(spec, Mapping):
        raise ValueError(f"a variant spec must be a mapping with a 'variant' key; found {spec!r}")
    if "variant" not in spec:
        raise ValueError(
            f"variant spec has no 'variant' key; valid variants: {_valid_list(options)}"
        )
    key = spec["variant"]
    if key not in VARIANTS:
        raise ValueError(
            f"unknown variant {key!r}{_suggest(str(key), options)}; "
            f"valid variants: {_valid_list(options)}"
        )
    cls = VARIANTS[key]
    valid = [f.name for f in fields(cls)]
    where = f"variant {key!r}"
    for name in spec:
        if name != "variant" and name not in valid:
            raise ValueError(
                f"{where}: unknown key {name!r}{_suggest(str(name), valid)}; "
                f"valid keys: {_valid_list(valid)}"
            )
    values = {k: v for k, v in context.items() if k in valid}
    values.update({k: v for k, v in spec.items() if k != "variant"})
    required = [f.name for f in fields(cls) if f.default is MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise ValueError(
            f"{where}: missing key {', '.join(repr(m) for m in missing)} "
            f"(give it in the spec or as a keyword argument); keys of this variant: "
            f"{_valid_list(valid)}"
        )
    if "settlement" in values:
        values["settlement"] = _settlement_from_config(values["settlement"], where)
    try:
        return cls(**values)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def variant_to_config(variant: Variant) -> dict[str, Any]:
    """The plain dict that :func:`variant_from_config` turns back into the same variant.

    >>> variant_to_config(PQ(tariff=65.0))
    {'variant': 'pq', 'tariff': 65.0, 'cap_by_indication': True}
    """
    out: dict[str, Any] = {"variant": variant.key}
    for f in fields(variant):
        value = getattr(variant, f.name)
        if isinstance(value, Settlement):
            value = value.to_config()
        elif isinstance(value, np.ndarray):
            value = value.tolist()
        out[f.name] = value
    return out


# --------------------------------------------------------------------------------------------
# comparison


def compare_variants(demand: Demand, variants: Mapping[str, Variant]) -> pd.DataFrame:
    """One row per variant: totals over all array elements and the mean cost share.

    >>> d = Demand(clients=[1, 1], units=[10, 30], unit_cost=10.0)  # cost 100 + 300
    >>> t = compare_variants(d, {"pq": PQ(tariff=10.0), "lumpsum": Lumpsum(budget=150.0)})
    >>> t[["municipality_spend", "provider_result", "mean_municipality_cost_share"]]
             municipality_spend  provider_result  mean_municipality_cost_share
    variant
    pq                    400.0              0.0                           1.0
    lumpsum               300.0           -100.0                           0.0
    """
    rows = []
    for variant in variants.values():
        r = variant.pay(demand)
        rows.append(
            {
                "name": variant.name,
                "municipality_spend": float(r.municipality_spend.sum()),
                "provider_cost": float(r.provider_cost.sum()),
                "provider_result": float(r.provider_result.sum()),
                "settlement_flow": float(r.settlement_flow.sum()),
                "mean_municipality_cost_share": float(r.municipality_cost_share.mean()),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(list(variants), name="variant"))
