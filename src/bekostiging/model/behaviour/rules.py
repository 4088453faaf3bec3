"""The payment rule: which variant, with which contract terms and behavioural options."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bekostiging.model.behaviour.inputs import SegmentInputs
from bekostiging.model.variants import (
    NO_SETTLEMENT,
    PQ,
    VARIANTS,
    Hybrid,
    Lumpsum,
    Output,
    PopulationFunding,
    Settlement,
    variant_from_config,
)

BUDGET_KINDS = ("lumpsum", "population", "hybrid")  # variants with a budget that can run out
RA_KINDS = ("lumpsum", "population", "output")  # variants where risk adjustment is modelled


@dataclass(frozen=True)
class PaymentRule:
    """The structure of a variant as the provider sees it, plus behavioural options.

    Money amounts come from the inputs (``tariff_markup``, ``budget_ratio``,
    ``output_price_ratio``) times ``level``; ``pq_share`` None takes the inputs' default.
    ``risk_adjustment`` pays part of the budget (or output price) per unit of need;
    ``acceptance_obligation`` forbids refusals (acceptatieplicht).

    >>> PaymentRule("lumpsum").has_budget, PaymentRule("pq").has_budget
    (True, False)
    """

    kind: str
    settlement: Settlement = NO_SETTLEMENT
    pq_share: float | None = None
    cap_by_indication: bool = True
    level: float = 1.0
    risk_adjustment: bool = False
    acceptance_obligation: bool = False

    def __post_init__(self) -> None:
        if self.kind not in VARIANTS:
            raise ValueError(
                f"unknown variant {self.kind!r}; valid variants: {', '.join(map(repr, VARIANTS))}"
            )
        if not isinstance(self.settlement, Settlement):
            raise ValueError(f"settlement must be a Settlement; found {self.settlement!r}")
        if not (self.level > 0 and math.isfinite(self.level)):
            raise ValueError(f"level must be a positive number; found {self.level!r}")

    @property
    def has_budget(self) -> bool:
        return self.kind in BUDGET_KINDS

    def share(self, inputs: SegmentInputs) -> float:
        """The p*q share: 1 for p*q, the hybrid's share, else 0."""
        if self.kind == "pq":
            return 1.0
        if self.kind == "hybrid":
            return inputs.hybrid_pq_share if self.pq_share is None else float(self.pq_share)
        return 0.0


def payment_rule(variant: Any, **options: Any) -> PaymentRule:
    """A :class:`PaymentRule` from a variant key, a region funding spec or a Variant object.

    Only the structure is taken (kind, settlement, p*q share, indication cap); the money
    amounts of a Variant are ignored, because the model's payment levels are relative to the
    efficient cost (see :class:`PaymentRule`). ``options`` set PaymentRule fields.

    >>> spec = {"variant": "lumpsum", "settlement": {"kind": "corridor", "corridor": 0.05}}
    >>> r = payment_rule(spec, acceptance_obligation=True)
    >>> r.kind, r.settlement.corridor, r.acceptance_obligation
    ('lumpsum', 0.05, True)
    >>> payment_rule(Hybrid(budget=1e6, tariff=60.0, pq_share=0.4)).pq_share
    0.4
    >>> payment_rule("lumpsum", settlement={"kind": "full", "corridor": 0.0}).settlement.kind
    'full'
    """
    if "settlement" in options and not isinstance(options["settlement"], Settlement):
        options = {**options, "settlement": _settlement(options["settlement"])}
    if isinstance(variant, PaymentRule):
        return replace(variant, **options)
    if isinstance(variant, str):
        return PaymentRule(variant, **options)
    if isinstance(variant, Mapping):
        variant = _normalised_spec(variant)
        context = {"budget": 1.0, "tariff": 1.0, "price_per_client": 1.0, "amount_per_head": 1.0}
        if variant.get("variant") == "hybrid" and "pq_share" not in variant:
            context["pq_share"] = 0.0  # placeholder: None below takes the inputs' default
            v = variant_from_config(variant, **context)
            return replace(_rule_of(v), pq_share=None, **options)
        variant = variant_from_config(variant, **context)
    if isinstance(variant, PQ | Output | Lumpsum | PopulationFunding | Hybrid):
        return replace(_rule_of(variant), **options)
    raise ValueError(f"a variant must be a key, a spec mapping or a Variant; found {variant!r}")


def _settlement(spec: Any) -> Settlement:
    """A Settlement from a kind name or a mapping as in a region file."""
    if isinstance(spec, str):
        return Settlement(spec)
    spec = {k: v for k, v in dict(spec).items() if k not in ("source", "note")}
    if spec.get("kind") in ("none", "full"):
        return Settlement(spec["kind"])
    return Settlement(**spec)


def _normalised_spec(spec: Mapping) -> dict:
    """A region funding spec as variant_from_config reads it: the region reader fills in the
    corridor and shares also for kinds 'none' and 'full', which imply their own."""
    spec = dict(spec)
    st = spec.get("settlement")
    if isinstance(st, Mapping) and st.get("kind") in ("none", "full"):
        spec["settlement"] = {"kind": st["kind"]}
    return spec


def _rule_of(v: Any) -> PaymentRule:
    return PaymentRule(
        kind=v.key,
        settlement=getattr(v, "settlement", NO_SETTLEMENT),
        pq_share=getattr(v, "pq_share", None),
        cap_by_indication=getattr(v, "cap_by_indication", True),
    )
