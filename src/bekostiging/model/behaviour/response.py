"""The response the projection, the scorecard and the tornado use: :func:`behavioural_response`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

from bekostiging.config.parameters import Parameters
from bekostiging.model.behaviour.inputs import SegmentInputs, segment_inputs
from bekostiging.model.behaviour.rules import PaymentRule, payment_rule
from bekostiging.model.behaviour.simulation import SEED, Simulation, simulate


@dataclass(frozen=True)
class Response:
    """Expected behavioural response of one segment to one variant (from the micro model).

    Factors are relative to the need of the clients in need at efficient care:
    ``cost_factor = volume_factor * intensity_factor`` multiplies the cost of the care needed.
    Shares are of the clients in need. ``duration_trend`` is the extra yearly growth of
    trajectory durations under the variant (see the module docstring).

    The contract's care (``cost_factor``) includes clients re-referred to another contracted
    provider and the backlog served next year. ``outside_contract_factor`` is the municipality's
    cost outside the contract (non-contracted care or pgb under the duty of care, and the
    voorliggend veld), ``non_municipal_factor`` what the Wlz and Zvw pay, both per unit of need
    (:meth:`~bekostiging.model.behaviour.simulation.Simulation.routes`).
    """

    segment: str
    variant: str
    volume_factor: float
    intensity_factor: float
    cost_factor: float
    provision_ratio: float
    spend_factor: float
    waiting_share: float
    refused_share: float
    shifted_share: float
    induced_share: float
    unmet_need: float
    mean_wait_weeks: float
    duration_factor: float
    duration_trend: float
    provider_margin: float
    loss_probability: float
    upcoding_share: float
    outside_contract_factor: float = 0.0
    non_municipal_factor: float = 0.0
    backlog_share: float = 0.0
    unmet_clients_share: float = 0.0
    unmet_cost_factor: float = 0.0

    def relative_to(self, base: Response) -> Response:
        """Factors divided by those of ``base`` (e.g. the regime of the calibration years).

        >>> r = Response("s", "pq", 1.0, 1.1, 1.1, 1.1, 1.2, 0, 0, 0, 0, 0, 0, 1.05, 0.05,
        ...              0.1, 0.0, 0.1)
        >>> b = replace(r, variant="lumpsum", intensity_factor=0.88, cost_factor=0.88)
        >>> round(r.relative_to(b).cost_factor, 4)
        1.25
        """
        div = {
            f: getattr(self, f) / getattr(base, f)
            for f in (
                "volume_factor",
                "intensity_factor",
                "cost_factor",
                "spend_factor",
                "provision_ratio",
                "duration_factor",
            )
            if getattr(base, f)
        }
        per_base = base.cost_factor or 1.0
        return replace(
            self,
            **div,
            duration_trend=self.duration_trend - base.duration_trend,
            outside_contract_factor=(self.outside_contract_factor - base.outside_contract_factor)
            / per_base,
            non_municipal_factor=(self.non_municipal_factor - base.non_municipal_factor) / per_base,
            unmet_cost_factor=self.unmet_need / per_base,
        )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def response_from(sim: Simulation) -> Response:
    """The :class:`Response` of a simulation."""
    return _response(sim.inputs.segment, sim.rule.kind, sim.summary())


def _response(segment: str, kind: str, summary: Mapping[str, float]) -> Response:
    names = [
        f.name
        for f in fields(Response)
        if f.name not in ("segment", "variant", "unmet_cost_factor")
    ]
    values = {f: summary[f] for f in names}
    # the value of the care left undone, per unit of need (relative_to re-expresses it)
    return Response(segment=segment, variant=kind, **values, unmet_cost_factor=values["unmet_need"])


@lru_cache(maxsize=1024)
def _cached_summary(
    inputs: SegmentInputs, rule: PaymentRule, n: int, seed: int
) -> tuple[tuple[str, float], ...]:
    return tuple(simulate(inputs, rule, n, seed).summary().items())


def segment_summary(
    inputs: SegmentInputs, rule: PaymentRule, n_clients: int = 10_000, seed: int = SEED
) -> dict[str, float]:
    """:meth:`Simulation.summary` of one simulation, cached on (inputs, rule, n, seed).

    >>> s = segment_summary(SegmentInputs.example(), PaymentRule("pq"), 1_000)
    >>> round(s["provision_ratio"], 2)
    1.1
    """
    return dict(_cached_summary(inputs, rule, int(n_clients), int(seed)))


def behavioural_response(
    segment: Any,
    variant: Any,
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
    n_clients: int = 20_000,
    seed: int = SEED,
    **options: Any,
) -> Response:
    """Expected response of ``segment`` to ``variant``; deterministic and cached.

    ``segment``: an id or a Segment (an id starting with ``wmo`` is Wmo, else youth, unless
    ``domain`` is given). ``variant``: a key (``"pq"``), a funding spec as in the region file
    (``segment.funding``), a Variant or a PaymentRule; only its structure counts (kind,
    settlement, p*q share), not its euro amounts. ``options``: PaymentRule fields
    (``settlement`` as a Settlement, kind name or mapping; ``pq_share``; ``risk_adjustment``;
    ``acceptance_obligation``; ``level``, the payment relative to the reference).

    How the projection applies it, per unit (segment) ``u`` and variant key ``v``::

        rp = region.parameters
        resp = behavioural_response(u, v, region_params=rp, settlement=settle_u,
                                    pq_share=params.value("projection.hybrid_pq_share"))
        base = behavioural_response(u, <funding of the calibration years, e.g. "pq">,
                                    region_params=rp)
        rel = resp.relative_to(base)
        clients = clients_needed * rel.volume_factor            # (D, M, Y) arrays
        units = clients * units_per_client * intensity * rel.intensity_factor
        result = variant.pay(Demand(clients, units, unit_cost, population=...))

    So the cost of care is multiplied by ``rel.cost_factor = rel.volume_factor *
    rel.intensity_factor``; the municipality pays ``rel.outside_contract_factor`` and leaves
    ``rel.unmet_cost_factor`` undone per euro of the projected reference cost on top. Dividing by ``base`` keeps the behaviour that is already in the
    historical cost per client from being counted twice (use the plain ``resp`` factors only if
    the projected cost is the efficient cost of need). ``rel.duration_trend`` is the extra
    yearly growth of care per client (add it to the intensity path from the contract start);
    ``resp.waiting_share``, ``resp.unmet_need`` and ``resp.shifted_share`` are shown beside the
    spend. The result is cached per (inputs, rule, n_clients, seed); a call costs about 30 ms
    the first time and nothing after.

    >>> r = behavioural_response("iaj", "pq", n_clients=4_000)
    >>> r is behavioural_response("iaj", "pq", n_clients=4_000)  # cached
    True
    >>> lump = behavioural_response("iaj", "lumpsum", n_clients=4_000)
    >>> r.intensity_factor > lump.intensity_factor
    True
    """
    inputs = segment_inputs(segment, params, region_params, domain=domain)
    rule = payment_rule(variant, **options)
    return _cached_response(inputs, rule, int(n_clients), int(seed))


@lru_cache(maxsize=1024)
def _cached_response(inputs: SegmentInputs, rule: PaymentRule, n: int, seed: int) -> Response:
    return _response(inputs.segment, rule.kind, segment_summary(inputs, rule, n, seed))
