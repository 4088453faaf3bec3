"""Variants from plain dicts (region files, notebook parameters) and back.

The registry :data:`VARIANTS` maps each variant's ``key`` to its class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

import numpy as np

from bekostiging.config.region import SETTLEMENT_KINDS
from bekostiging.core.errors import close_matches
from bekostiging.model.variants.budgets import Hybrid, Lumpsum, PopulationFunding
from bekostiging.model.variants.prices import PQ, Output
from bekostiging.model.variants.settlement import Settlement

Variant = PQ | Output | Lumpsum | PopulationFunding | Hybrid
VARIANTS: dict[str, type] = {v.key: v for v in (PQ, Output, Lumpsum, PopulationFunding, Hybrid)}


def _valid_list(options: list[str]) -> str:
    """Options quoted and joined for a message."""
    return ", ".join(repr(o) for o in options)


def _did_you_mean(word: str, options: list[str]) -> str:
    """A " (did you mean ...?)" hint for a mistyped key, or ''."""
    close = close_matches(word, options)
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
                f"{where}: unknown settlement key {key!r}{_did_you_mean(str(key), valid)}; "
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
    >>> variant_from_config({"variant": "hybrid", "pq_share": 0.3}, budget=1e6, tariff=65.0).key
    'hybrid'
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
            f"unknown variant {key!r}{_did_you_mean(str(key), options)}; "
            f"valid variants: {_valid_list(options)}"
        )
    cls = VARIANTS[key]
    valid = [f.name for f in fields(cls)]
    where = f"variant {key!r}"
    for name in spec:
        if name != "variant" and name not in valid:
            raise ValueError(
                f"{where}: unknown key {name!r}{_did_you_mean(str(name), valid)}; "
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
