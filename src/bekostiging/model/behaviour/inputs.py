"""The inputs of the behaviour model: one segment's numbers, read from named parameters.

Parameter names are under ``behaviour.`` in ``data/assumptions/parameters/behaviour.yaml``;
:data:`PARAMETER_OF` maps each field of :class:`SegmentInputs` to its parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bekostiging.config.parameters import Parameters, load_parameters
from bekostiging.core.errors import ParameterError, Problem
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.model.variants import VARIANTS

BEHAVIOUR_FILE = ASSUMPTIONS_DIR / "parameters" / "behaviour.yaml"
COMMON_FILE = ASSUMPTIONS_DIR / "parameters" / "common.yaml"  # holds the hybrid's p*q share
SHIFT_TARGETS = ("wlz", "zvw", "voorliggend_veld")

# field of SegmentInputs -> parameter name; per-segment names are resolved by segment/domain.
PARAMETER_OF: dict[str, str] = {
    "benefit_weight": "behaviour.provider.benefit_weight",
    "benefit_ratio": "behaviour.provider.benefit_ratio",
    "intensity_cap": "behaviour.provider.intensity_cap",
    "intensity_floor": "behaviour.provider.intensity_floor",
    "tariff_markup": "behaviour.payment.tariff_markup",
    "budget_ratio": "behaviour.payment.budget_ratio",
    "output_price_ratio": "behaviour.payment.output_price_ratio",
    "hybrid_pq_share": "projection.hybrid_pq_share",  # one share for the hybrid, everywhere
    "supply_elasticity": "behaviour.supply_elasticity",
    "outside_option": "behaviour.acceptance.outside_option",
    "tolerance": "behaviour.acceptance.tolerance",
    "pressure_slope": "behaviour.budget.pressure_slope",
    "loss_tolerance": "behaviour.budget.loss_tolerance",
    "selection_reduction": "behaviour.risk_adjustment.selection_reduction",
    "shift_share": "behaviour.referral.shift_share",
    "return_delay_weeks": "behaviour.referral.return_delay_weeks",
    "duty_of_care_share": "behaviour.routes.duty_of_care_share",
    "dropout_share": "behaviour.routes.dropout_share",
    "noncontracted_cost_ratio": "behaviour.routes.noncontracted_cost_ratio",
    "voorliggend_cost_ratio": "behaviour.routes.voorliggend_cost_ratio",
    "need_cv": "behaviour.need.cv",
    "need_cv_scale": "behaviour.need.cv_scale",
    "caseload_cv": "behaviour.need.caseload_cv",
    "clients_per_provider": "behaviour.need.clients_per_provider",
    "light_need": "behaviour.induced.light_need",
    "efficient_weeks": "behaviour.duration.efficient_weeks",
    "duration_share": "behaviour.duration.response_share",
    "duration_growth": "behaviour.duration.annual_growth_pq",
    "upcoding_max_share": "behaviour.upcoding.max_share",
    "loss_threshold": "behaviour.continuity.loss_threshold",
}
PER_SEGMENT = {
    "need_cv",
    "clients_per_provider",
    "efficient_weeks",
    "duration_growth",
}


@dataclass(frozen=True)
class SegmentInputs:
    """All numbers of one segment's simulation (hashable, so results can be cached).

    Field names map to parameter names through :data:`PARAMETER_OF`; ``sources`` records, per
    field, the parameter name and its source (for traceability in reports).
    """

    segment: str
    domain: str
    benefit_weight: float
    benefit_ratio: float
    intensity_cap: float
    intensity_floor: float
    tariff_markup: float
    budget_ratio: float
    output_price_ratio: float
    hybrid_pq_share: float
    supply_elasticity: float
    outside_option: float
    tolerance: float
    pressure_slope: float
    loss_tolerance: float
    selection_reduction: float
    shift_share: float
    return_delay_weeks: float
    duty_of_care_share: float
    dropout_share: float
    noncontracted_cost_ratio: float
    voorliggend_cost_ratio: float
    need_cv: float
    need_cv_scale: float
    caseload_cv: float
    clients_per_provider: float
    light_need: float
    efficient_weeks: float
    duration_share: float
    duration_growth: float
    upcoding_max_share: float
    loss_threshold: float
    shift_split: tuple[tuple[str, float], ...] = (
        ("wlz", 0.1),
        ("zvw", 0.45),
        ("voorliggend_veld", 0.45),
    )
    admin_cost_share: tuple[tuple[str, float], ...] = ()
    cost_per_client: float = 1.0  # EUR per client-year of efficient care (money scale only)
    units_per_client: float = 1.0  # units per client-year of efficient care (reporting only)
    sources: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)

    @classmethod
    def example(cls, **changes: Any) -> SegmentInputs:
        """Round numbers for tests and doctests (a youth segment), with optional changes.

        >>> SegmentInputs.example(need_cv=0.5).need_cv
        0.5
        """
        base = dict(
            segment="voorbeeld",
            domain="jeugd",
            benefit_weight=0.915,
            benefit_ratio=3.0,
            intensity_cap=1.1,
            intensity_floor=0.8,
            tariff_markup=1.1,
            budget_ratio=0.9,
            output_price_ratio=1.0,
            hybrid_pq_share=0.3,
            supply_elasticity=1.0,
            outside_option=0.6,
            tolerance=1.5,
            pressure_slope=10.0,
            loss_tolerance=0.03,
            selection_reduction=0.5,
            shift_share=0.4,
            return_delay_weeks=8.0,
            duty_of_care_share=0.3,
            dropout_share=0.1,
            noncontracted_cost_ratio=1.1,
            voorliggend_cost_ratio=0.3,
            need_cv=1.0,
            need_cv_scale=1.0,
            caseload_cv=0.08,
            clients_per_provider=200.0,
            light_need=0.3,
            efficient_weeks=30.0,
            duration_share=0.5,
            duration_growth=0.05,
            upcoding_max_share=0.1,
            loss_threshold=0.05,
            admin_cost_share=(
                ("pq", 0.08),
                ("output", 0.06),
                ("lumpsum", 0.04),
                ("population", 0.03),
                ("hybrid", 0.07),
            ),
        )
        base.update(changes)
        return cls(**base)

    def parameter_names(self, *fields_: str) -> list[str]:
        """Parameter names behind the given fields (all fields when none given).

        >>> SegmentInputs.example().parameter_names("benefit_weight")
        ['behaviour.provider.benefit_weight']
        """
        wanted = fields_ or tuple(PARAMETER_OF)
        return [PARAMETER_OF[f] for f in wanted if f in PARAMETER_OF]

    def source_of(self, field_name: str) -> str:
        """The source text of the parameter behind a field ('' when unknown)."""
        for f, _name, source in self.sources:
            if f == field_name:
                return source
        return ""


def load_behaviour_parameters(region_params: Parameters | None = None) -> Parameters:
    """``behaviour.yaml`` (with ``common.yaml``, which holds the one p*q share of the hybrid
    variant, ``projection.hybrid_pq_share``) merged under the region's parameters (the region
    wins on a name).

    The file is read by path, so a region does not need to list it; a region that does list it
    (or overrides a ``behaviour.`` name) takes precedence.

    >>> load_behaviour_parameters().value("behaviour.supply_elasticity")
    1.0
    """
    base = _behaviour_file()
    if region_params is None:
        return base
    merged = {n: base.param(n) for n in base.names()}
    merged.update({n: region_params.param(n) for n in region_params.names()})
    return Parameters(merged)


@lru_cache(maxsize=1)
def _behaviour_file() -> Parameters:
    return load_parameters([COMMON_FILE, BEHAVIOUR_FILE])


def infer_domain(segment_id: str) -> str:
    """Domain of a segment id when no Segment object is at hand: ``wmo...`` is Wmo, else jeugd.

    >>> infer_domain("wmo_pbv"), infer_domain("jeugd_ambulant"), infer_domain("iaj")
    ('wmo', 'jeugd', 'jeugd')
    """
    return "wmo" if str(segment_id).startswith("wmo") else "jeugd"


def _segment_value(p: Any, segment: str, domain: str) -> float:
    """A per-segment value: the segment's key, else its domain's, else ``default``."""
    v = p.value
    if not isinstance(v, Mapping):
        return float(v)
    for key in (segment, domain, "default"):
        if key in v:
            return float(v[key])
    raise ParameterError(
        Problem(
            p.file,
            f"parameter '{p.name}' heeft geen waarde voor segment {segment!r}, domein {domain!r} "
            "of 'default'",
            row=p.line,
            expected="een van: " + ", ".join(map(str, v)),
        )
    )


def segment_inputs(
    segment: Any,
    params: Parameters | None = None,
    region_params: Parameters | None = None,
    *,
    domain: str | None = None,
) -> SegmentInputs:
    """Read a segment's inputs from the behaviour parameters (and the region's, for euros).

    ``segment`` is a segment id or a :class:`~bekostiging.config.region.Segment` (which gives the
    domain). ``params`` defaults to ``behaviour.yaml``; names in ``region_params`` win.

    >>> inp = segment_inputs("jeugd_ambulant")  # not in behaviour.yaml: takes 'jeugd'
    >>> inp.need_cv, inp.domain
    (1.0, 'jeugd')
    >>> segment_inputs("hcv").clients_per_provider  # the shared file knows no segment ids
    150.0
    >>> from bekostiging.config.region import load_region
    >>> segment_inputs("hcv", region_params=load_region("achterhoek").parameters).clients_per_provider
    25.0
    """
    seg_id = str(getattr(segment, "id", segment))
    domain = domain or getattr(segment, "domain", None) or infer_domain(seg_id)
    if domain not in ("jeugd", "wmo"):
        raise ParameterError(
            Problem("behaviour", f"onbekend domein {domain!r}", expected="'jeugd' of 'wmo'")
        )
    p = load_behaviour_parameters(region_params) if params is None else params
    if params is not None and region_params is not None:
        p = Parameters(
            {n: params.param(n) for n in params.names()}
            | {n: region_params.param(n) for n in region_params.names()}
        )
    values: dict[str, Any] = {}
    sources = []
    for f, name in PARAMETER_OF.items():
        par = p.param(name)
        values[f] = _segment_value(par, seg_id, domain) if f in PER_SEGMENT else float(par.value)
        sources.append((f, name, par.source))
    split_p = p.param(f"behaviour.referral.shift_split.{domain}")
    split = tuple((k, float(split_p.value.get(k, 0.0))) for k in SHIFT_TARGETS)
    sources.append(("shift_split", split_p.name, split_p.source))
    admin_p = p.param("behaviour.admin_cost_share")
    admin = tuple((k, float(admin_p.value[k])) for k in VARIANTS if k in admin_p.value)
    sources.append(("admin_cost_share", admin_p.name, admin_p.source))
    if values["duty_of_care_share"] + values["dropout_share"] > 1.0:
        par = p.param(PARAMETER_OF["dropout_share"])
        raise ParameterError(
            Problem(
                par.file,
                "behaviour.routes.duty_of_care_share + behaviour.routes.dropout_share is meer "
                "dan 1: de uitgestelde cliënten kunnen niet over de routes verdeeld worden",
                row=par.line,
                found=values["duty_of_care_share"] + values["dropout_share"],
                expected="samen hoogstens 1",
            )
        )
    cpc, cpc_source = _cost_per_client(p, seg_id, domain)
    sources.append(("cost_per_client", *cpc_source))
    upc_name = f"units_per_client.{seg_id}"
    upc = float(p.value(upc_name)) if upc_name in p else 1.0
    return SegmentInputs(
        segment=seg_id,
        domain=domain,
        shift_split=split,
        admin_cost_share=admin,
        cost_per_client=cpc,
        units_per_client=upc,
        sources=tuple(sources),
        **values,
    )


def _cost_per_client(p: Parameters, seg: str, domain: str) -> tuple[float, tuple[str, str]]:
    """EUR per client-year: the region's reference, else tariff x units, else a default."""
    ref = f"cost_per_client_reference.{seg}"
    if ref in p:
        return float(p.value(ref)), (ref, p.param(ref).source)
    tariff, units = f"tariff.{seg}", f"units_per_client.{seg}"
    if tariff in p and units in p:
        return float(p.value(tariff)) * float(p.value(units)), (tariff, p.param(tariff).source)
    par = p.param("behaviour.money.cost_per_client")
    return _segment_value(par, seg, domain), (par.name, par.source)
