"""The Dutch texts of the funding variants (report/text/variants.py), byte for byte.

The expected strings are those the model printed before the Dutch left it (the names, the
settlement sentences, the risk table and the comparison of the variants); the model itself
now speaks in keys only.
"""

from __future__ import annotations

import pandas as pd
import pytest

from bekostiging.model import variants as V
from bekostiging.model.variants import (
    PQ,
    Demand,
    Hybrid,
    Lumpsum,
    Output,
    PopulationFunding,
    Settlement,
)
from bekostiging.report.text import variants as T

NONE = Settlement("none")
FULL = Settlement("full")
CORRIDOR = Settlement("corridor", corridor=0.05)
SPLIT = Settlement(
    "corridor", corridor=0.1, municipality_share_over=0.5, municipality_share_under=0.25
)

NO_SETTLING = "geen verrekening: de aanbieder houdt een overschot en draagt een tekort"
AFTER_CALCULATION = "nacalculatie: de gemeente betaalt de werkelijke kosten"
CORRIDOR_TEXT = (
    "binnen ±5 % van het budget draagt de aanbieder over- en onderbesteding; daarbuiten "
    "betaalt de gemeente 100 % van het tekort bij en betaalt de aanbieder 100 % van het "
    "overschot terug"
)
SPLIT_TEXT = (
    "binnen ±10 % van het budget draagt de aanbieder over- en onderbesteding; daarbuiten "
    "betaalt de gemeente 50 % van het tekort bij en betaalt de aanbieder 25 % van het "
    "overschot terug"
)
PQ_TAIL = (
    ": meer cliënten of meer uren per cliënt betaalt de gemeente; de aanbieder draagt alleen "
    "het verschil tussen kostprijs en tarief."
)
G, A, S = "gemeente", "aanbieder", "gedeeld"

# variant -> (name, volume, intensity, population, explanation)
CASES = {
    "pq": (
        PQ(tariff=65.0),
        ("p*q (inspanningsgericht)", G, G, G),
        "De gemeente betaalt € 65,00 per geleverde eenheid, tot de geïndiceerde omvang" + PQ_TAIL,
    ),
    "pq_nocap": (
        PQ(tariff=1234.5, cap_by_indication=False),
        ("p*q (inspanningsgericht)", G, G, G),
        "De gemeente betaalt € 1.234,50 per geleverde eenheid" + PQ_TAIL,
    ),
    "pq_array": (
        PQ(tariff=[60.0, 70.0]),
        ("p*q (inspanningsgericht)", G, G, G),
        "De gemeente betaalt een bedrag (per element verschillend) per geleverde eenheid, tot "
        "de geïndiceerde omvang" + PQ_TAIL,
    ),
    "output": (
        Output(price_per_client=9000),
        ("Output / trajectprijs", G, A, G),
        "De gemeente betaalt € 9.000,00 per cliënt: meer cliënten betaalt de gemeente, meer "
        "zorg per cliënt komt voor rekening van de aanbieder.",
    ),
    "lumpsum": (
        Lumpsum(budget=1e6),
        ("Lumpsum (taakgericht)", A, A, A),
        f"Vast budget per aanbieder per jaar; {NO_SETTLING}.",
    ),
    "lumpsum_full": (
        Lumpsum(budget=1e6, settlement=FULL),
        ("Lumpsum (taakgericht)", G, G, G),
        f"Vast budget per aanbieder per jaar; {AFTER_CALCULATION}.",
    ),
    "lumpsum_split": (
        Lumpsum(budget=1e6, settlement=SPLIT),
        ("Lumpsum (taakgericht)", S, S, S),
        f"Vast budget per aanbieder per jaar; {SPLIT_TEXT}.",
    ),
    "population_corridor": (
        PopulationFunding(amount_per_head=45.5, settlement=CORRIDOR),
        ("Populatiebekostiging", S, S, G),
        "Budget van € 45,50 per inwoner van de doelgroep: een grotere doelgroep betaalt de "
        "gemeente, meer gebruik of zwaardere zorg binnen de doelgroep volgt de verrekening; "
        f"{CORRIDOR_TEXT}.",
    ),
    "hybrid_corridor": (
        Hybrid(budget=1e6, tariff=65.0, pq_share=0.3, settlement=CORRIDOR),
        ("Hybride (lumpsum + deel p*q)", S, S, S),
        f"30 % van de vergoeding via p*q (risico gemeente), 70 % als lumpsum: {CORRIDOR_TEXT}.",
    ),
    "hybrid_none": (
        Hybrid(budget=1e6, tariff=65.0, pq_share=0.125),
        ("Hybride (lumpsum + deel p*q)", S, S, S),
        f"12,5 % van de vergoeding via p*q (risico gemeente), 87,5 % als lumpsum: {NO_SETTLING}.",
    ),
    "hybrid_all_pq": (
        Hybrid(budget=1e6, tariff=65.0, pq_share=1.0),
        ("Hybride (lumpsum + deel p*q)", G, G, G),
        f"100 % van de vergoeding via p*q (risico gemeente), 0 % als lumpsum: {NO_SETTLING}.",
    ),
    "hybrid_full_no_pq": (
        Hybrid(budget=1e6, tariff=65.0, pq_share=0.0, settlement=FULL),
        ("Hybride (lumpsum + deel p*q)", G, G, G),
        f"0 % van de vergoeding via p*q (risico gemeente), 100 % als lumpsum: {AFTER_CALCULATION}.",
    ),
}
VARIANTS = {key: variant for key, (variant, _, _) in CASES.items()}
COLUMNS = [
    "bekostigingsvariant",
    "volumerisico (aantal cliënten)",
    "intensiteitsrisico (zorgzwaarte per cliënt)",
    "populatierisico (omvang doelgroep)",
    "toelichting",
]


def expected_risk_table() -> pd.DataFrame:
    rows = [[*cells, text] for _, cells, text in CASES.values()]
    return pd.DataFrame(rows, columns=COLUMNS, index=pd.Index(list(CASES), name="variant"))


@pytest.mark.parametrize(
    ("settlement", "text", "carrier"),
    [
        (NONE, NO_SETTLING, A),
        (FULL, AFTER_CALCULATION, G),
        (CORRIDOR, CORRIDOR_TEXT, S),
        (SPLIT, SPLIT_TEXT, S),
        (Settlement("corridor", corridor=float("inf")), NO_SETTLING, A),
        (
            Settlement(
                "corridor", corridor=0.1, municipality_share_over=0.0, municipality_share_under=0.0
            ),
            NO_SETTLING,
            A,
        ),
    ],
)
def test_settlement_text_and_carrier(settlement, text, carrier):
    assert T.settlement_text(settlement) == text
    assert T.carrier_name(settlement.risk_carrier()) == carrier


def test_variant_names():
    expected = {key: cells[0] for key, (_, cells, _) in CASES.items()}
    assert {key: T.variant_name(v) for key, v in VARIANTS.items()} == expected
    assert {key: T.variant_name(v.key) for key, v in VARIANTS.items()} == expected
    assert {key: T.variant_name(type(v)) for key, v in VARIANTS.items()} == expected
    assert {key: T.variant_name(cls) for key, cls in V.VARIANTS.items()} == T.VARIANT_NAMES


def test_risk_rows_and_table_are_byte_identical():
    expected = expected_risk_table()
    pd.testing.assert_frame_equal(T.risk_carrier_table(VARIANTS), expected, check_exact=True)
    for key, variant in VARIANTS.items():
        row = dict(zip(COLUMNS, expected.loc[key], strict=True))
        assert T.risk_row(variant) == row, key
        assert T.risk_explanation(variant) == row["toelichting"], key
    assert list(T.RISK_LABELS.values()) == COLUMNS


def test_model_risk_carriers_are_keys():
    t = V.risk_carriers(VARIANTS)
    assert set(t[["volume", "intensity", "population"]].to_numpy().ravel()) == {
        "municipality",
        "provider",
        "shared",
    }
    assert t.loc["output"].tolist() == ["output", "municipality", "provider", "municipality"]


def test_comparison_table_is_byte_identical():
    demand = Demand(
        clients=[10, 20],
        units=[100, 300],
        unit_cost=10.0,
        indicated_units=[90, 320],
        population=[500, 800],
    )
    variants = {
        "pq": PQ(tariff=65.0),
        "lumpsum": Lumpsum(budget=1_234_567.891, settlement=CORRIDOR),
        "hybrid": Hybrid(budget=1e6, tariff=65.0, pq_share=0.3, settlement=SPLIT),
    }
    expected = pd.DataFrame(
        {
            "name": [
                "p*q (inspanningsgericht)",
                "Lumpsum (taakgericht)",
                "Hybride (lumpsum + deel p*q)",
            ],
            "municipality_spend": [25350.0, 127456.78910000017, 1093305.0],
            "provider_cost": [4000.0, 4000.0, 4000.0],
            "provider_result": [21350.0, 123456.78910000017, 1089305.0],
            "settlement_flow": [0.0, -2341678.9929, -314300.0],
            "mean_municipality_cost_share": [3.25, 1.0, 1.15],
        },
        index=pd.Index(list(variants), name="variant"),
    )
    pd.testing.assert_frame_equal(T.comparison_table(demand, variants), expected, check_exact=True)
    outcomes = V.compare_outcomes(demand, variants)
    assert outcomes["key"].tolist() == ["pq", "lumpsum", "hybrid"]
