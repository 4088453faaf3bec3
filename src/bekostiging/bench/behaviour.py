"""Benchmark of the provider behaviour model against the same decisions in plain Python.

:func:`naive_decisions` is the baseline (and, in tests/test_behaviour.py, a check that the
vectorised model decides what the loop decides); :func:`bench_behaviour` times both.
"""

from __future__ import annotations

import time

import numpy as np

from bekostiging.config.region import load_region
from bekostiging.model.behaviour import (
    POSTPONED,
    REFUSED,
    SEED,
    WEEKS,
    PaymentRule,
    SegmentInputs,
    payment_rule,
    segment_inputs,
    simulate,
)
from bekostiging.model.behaviour.provider import initial_plan, make_contract, plan_week
from bekostiging.model.behaviour.simulation import draw_clients, provider_split


def naive_decisions(
    inputs: SegmentInputs,
    rule: PaymentRule,
    n_clients: int,
    seed: int = SEED,
    providers: int | None = None,
) -> np.ndarray:
    """The same decision rule as :func:`~bekostiging.model.behaviour.simulate`, one client at a time in plain Python.

    Returns the status of every client of the first ``providers`` providers (before p*q
    capacity). The provider's weekly plan is the same :func:`~bekostiging.model.behaviour.provider.plan_week`; each client's value and
    decision are computed with Python floats. A baseline for the benchmark and a check that the
    vectorised model does what the loop does.
    """
    n_prov, n = provider_split(inputs, n_clients)
    need, arrival = draw_clients(inputs, n_prov, n, seed)
    contract = make_contract(inputs, rule, n)
    use = n_prov if providers is None else min(providers, n_prov)
    x0, p0 = initial_plan(inputs, contract, n, n_prov)
    status = np.zeros((use, n), dtype=np.int8)
    tol, obliged, per_client = inputs.tolerance, rule.acceptance_obligation, contract.per_client
    for j in range(use):
        committed = ra_received = served = arrived = accepted = 0.0
        x, pressure, current_week, st = x0[j : j + 1], p0[j : j + 1], -1, None
        for i in range(n):
            wk = min(int(arrival[j, i] * WEEKS), WEEKS - 1)
            while current_week < wk:  # new week(s): re-plan as the vectorised model does
                current_week += 1
                acc = accepted / arrived if arrived > 0 else 1.0
                st = plan_week(
                    inputs,
                    contract,
                    n,
                    current_week / WEEKS,
                    np.array([committed]),
                    np.array([ra_received]),
                    np.array([served]),
                    np.array([acc]),
                    x,
                    pressure,
                )
                x, pressure = st.x, st.pressure
            xs, slope, postpone = float(st.x[0]), float(st.slope[0]), bool(st.postpone[0])
            nd = float(need[j, i])
            arrived += nd
            if postpone:
                status[j, i] = POSTPONED
            elif obliged or per_client + nd * slope >= -tol:
                committed += xs * nd
                ra_received += contract.ra_rate * nd
                served += 1.0
                accepted += nd
            else:
                status[j, i] = REFUSED
    return status


def bench_behaviour(n_clients: int = 10_000, naive_clients: int = 1_000) -> dict:
    """Time all procured Achterhoek segments (decided variants) against the naive loop.

    Returns the dict that ``bekostiging.bench`` prints: the vectorised time for all segments
    of one municipality with ``n_clients`` per segment, the plain-Python time on a subsample of
    one segment, and the ratio per client.
    """

    region = load_region("achterhoek")
    cases = [
        (segment_inputs(s, region_params=region.parameters), payment_rule(s.funding))
        for s in region.procured_segments()
    ]
    start = time.perf_counter()
    for inputs, rule in cases:
        simulate(inputs, rule, n_clients, seed=1)
    seconds = time.perf_counter() - start
    inputs, rule = cases[0]
    vec = time.perf_counter()
    simulate(inputs, rule, n_clients, seed=1)
    vec = time.perf_counter() - vec
    providers = max(1, round(naive_clients / max(1, round(inputs.clients_per_provider))))
    naive = time.perf_counter()
    status = naive_decisions(inputs, rule, n_clients, seed=1, providers=providers)
    naive = time.perf_counter() - naive
    return {
        "name": "Provider behaviour model (all procured segments)",
        "size": f"{len(cases)} segments x {n_clients:,} clients",
        "seconds": seconds,
        "baseline_seconds": naive,
        "baseline_size": f"{status.size:,} clients of segment {inputs.segment}, plain Python",
        "ratio_per_unit": (naive / status.size) / (vec / n_clients),
        "under_one_second": seconds < 1.0,
    }
