"""The Dutch texts of the report made from the model's numbers, word for word.

The model (risk, incentives, sensitivity, backtest) returns numbers and plain facts; the
frames below are what the model itself printed before the Dutch moved to
:mod:`bekostiging.report.text`, so these tests prove the move changed no byte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from bekostiging.config.region import load_region
from bekostiging.core.paths import ASSUMPTIONS_DIR
from bekostiging.model.incentives import scorecard
from bekostiging.model.risk import RISK_KEYS, risk_table
from bekostiging.model.sensitivity import tornado_table
from bekostiging.model.variants import Settlement
from bekostiging.report.text.incentives import SCORECARD_LABELS, dutch_scorecard
from bekostiging.report.text.risk import RISK_COLUMNS, RISK_NAMES, dutch_risk_table
from bekostiging.report.text.sensitivity import dutch_tornado_table

PARAMETERS = ASSUMPTIONS_DIR / "parameters"
ESTIMATE = "(schatting)"
DISCONTINUITY = (
    "aanname risk.provider_discontinuity.chance, risk.provider_discontinuity.budget_share, "
    "risk.provider_discontinuity.extra_cost_share, risk.provider_discontinuity.fixed_cost "
    f"{ESTIMATE}"
)
DISCONTINUITY_TEXT = (
    "Een gecontracteerde aanbieder stopt (faillissement, terugtrekking): cliënten gaan over "
    "naar andere aanbieders en een deel wordt opnieuw ingekocht. Impact = 5,0% van het "
    "jaarbudget x 25,0% meerkosten + € 25.000."
)


@pytest.fixture(scope="module")
def params(risk_params):
    return risk_params  # tests/conftest.py: the risk values fixed


def hand_case():
    """1 municipality, segments iaj (lumpsum) and wmo_pv (p*q), 2 years, 4 draws."""
    budget = np.array([[[1000.0, 1000.0], [100.0, 100.0]]])
    iaj = [[1000, 1100], [900, 1200], [1060, 1000], [1000, 1000]]
    pv = [[100, 100], [150, 100], [100, 90], [100, 100]]
    spend = np.stack([np.array(iaj, float), np.array(pv, float)], axis=1)[:, None]
    return spend, budget


def expected(keys, texts, chances, impacts, expecteds, sources) -> pd.DataFrame:
    rows = zip(keys, texts, chances, impacts, expecteds, sources, strict=True)
    records = [("GM0197", RISK_NAMES[k], t, c, i, e, s) for k, t, c, i, e, s in rows]
    return pd.DataFrame(records, columns=RISK_COLUMNS)


def test_every_option_gives_todays_dutch_table(params):
    spend, budget = hand_case()
    diff = pd.DataFrame({"gemeentecode": ["GM0197"], "key": ["inwoners"], "difference": [1234.5]})
    numbers = risk_table(
        spend,
        budget,
        ["GM0197"],
        params,
        segments=["iaj", "wmo_pv"],
        settlements={"iaj": Settlement("corridor", corridor=0.05)},
        budgeted_index=0.03,
        allocation_difference=diff,
    )
    texts = [
        "De kosten van de benodigde zorg (alle segmenten samen) komen in een jaar boven het "
        "startbudget uit: meer cliënten en hogere kosten per cliënt zoals gesimuleerd (4 "
        "trekkingen x 2 jaar). Bij lumpsum draagt de aanbieder dit eerst, binnen de corridor.",
        "Zorgzwaarte stijgt meer dan in de simulatie (bijvoorbeeld extra complexe "
        "verblijfsplaatsingen): 3,0% van het jaarbudget.",
        "De OVA-index voor aanbieders valt 2,0 procentpunt hoger uit dan de begrote index van "
        "3,0%; impact = dat verschil over het jaarbudget.",
        "Na afloop van het jaar betaalt de gemeente een deel van het tekort van de aanbieders "
        "bij (iaj): binnen ±5 % van het budget draagt de aanbieder over- en onderbesteding; "
        "daarbuiten betaalt de gemeente 100 % van het tekort bij en betaalt de aanbieder 100 % "
        "van het overschot terug. Onderdeel van de volumegroei hierboven, niet daarbovenop.",
        DISCONTINUITY_TEXT,
        "Regionale kosten worden niet naar eigen inwoners (gebruik) toegerekend maar met de "
        "sleutel 'inwoners'; impact = wat de gemeente dan meer betaalt.",
    ]
    sources = [
        "simulatie",
        f"aanname risk.heavier_care.chance, risk.heavier_care.cost_increase {ESTIMATE}",
        f"aanname risk.indexation.chance, risk.indexation.excess {ESTIMATE}",
        "simulatie",
        DISCONTINUITY,
        f"aanname risk.allocation.chance {ESTIMATE}; verdeelsleutels",
    ]
    want = expected(
        RISK_KEYS,
        texts,
        [37.5, 25.0, 30.0, 37.5, 15.0, 25.0],
        [120.0, 33.0, 22.0, 70.0, 25013.75, 1234.5],
        [45.0, 8.25, 6.6, 26.25, 3752.0625, 308.625],
        sources,
    )
    assert_frame_equal(dutch_risk_table(numbers), want, check_exact=True)
    named = dutch_risk_table(numbers, {"GM0197": "Aalten"})
    assert named.columns.tolist() == [RISK_COLUMNS[0], "Gemeente", *RISK_COLUMNS[1:]]
    assert named["Gemeente"].tolist() == ["Aalten"] * 6


def test_split_clients_a_scenario_source_and_a_municipality_without_code_column(params):
    budget = np.full((1, 1, 1), 1000.0)
    spend = np.array([1300.0, 950.0]).reshape(-1, 1, 1, 1)
    clients = np.array([12.0, 9.0]).reshape(-1, 1, 1, 1)
    scenario = params.with_overrides({"risk.indexation.excess": 0.04}, source="hoog.yaml")
    numbers = risk_table(
        spend,
        budget,
        ["GM0197"],
        scenario,
        clients_draws=clients,
        budget_clients=np.full((1, 1, 1), 10.0),
    )
    texts = [
        "Meer cliënten dan in het startbudget, gewaardeerd tegen de begrote kosten per cliënt; "
        "alle segmenten samen, per jaar (2 trekkingen x 1 jaar).",
        "Kosten per cliënt boven de begrote kosten per cliënt (zwaardere zorg, langere "
        "trajecten); het deel van de overschrijding dat niet uit volume komt (2 trekkingen x 1 "
        "jaar).",
        "De OVA-index voor aanbieders valt 4,0 procentpunt hoger uit dan de begrote index; "
        "impact = dat verschil over het jaarbudget.",
        DISCONTINUITY_TEXT,
    ]
    sources = [
        "simulatie",
        "simulatie",
        "aanname risk.indexation.chance (schatting); "
        "aanname risk.indexation.excess (scenario (hoog.yaml))",
        DISCONTINUITY,
    ]
    keys = ["volume", "intensity", "indexation", "discontinuity"]
    impacts = [200.0, 75.0, 40.0, 25012.5]
    chances = [0.5, 1.0, 0.3, 0.15]
    want = expected(
        keys,
        texts,
        [100.0 * c for c in chances],
        impacts,
        [c * i for c, i in zip(chances, impacts, strict=True)],
        sources,
    )
    assert_frame_equal(dutch_risk_table(numbers), want, check_exact=True)
    rows = numbers.iloc[2:4].drop(columns=["gemeentecode"])  # as the municipality view has it
    assert_frame_equal(
        dutch_risk_table(rows), want.iloc[2:4].drop(columns=["gemeentecode"]), check_exact=True
    )


def test_the_scorecard_text_of_a_fixed_simulation():
    # the hybrid mitigation uses the one p*q share of the project (projection.hybrid_pq_share,
    # 10 %), the same as the variant comparison
    # the Achterhoek's own IAJ values (behaviour.yaml keys no segment id, issue 12)
    numbers = scorecard("iaj", "lumpsum", None, load_region("achterhoek").parameters, n_clients=300)
    card = dutch_scorecard(numbers)
    assert card.columns.tolist() == list(SCORECARD_LABELS)
    hybrid = "hybride bekostiging (deel p*q, deel lumpsum)"
    safety = "vangnet: boven een overschrijding van 5 % betaalt de gemeente alles"
    want = [
        ("volume", "minder zorg dan doelmatig", "-16,8%", hybrid, "+13,1%-punt (van -16,8% naar -3,7%)"),
        ("duration", "geen prikkel tot verlengen", "0,0% per jaar", hybrid, "+0,5%-punt (van 0,0% naar 0,5%)"),
        ("upcoding", "geen prikkel tot zwaardere indeling", "0,0%", hybrid, "+1,1%-punt (van 0,0% naar 1,1%)"),
        ("selection", "complexe cliënten worden geweigerd", "16,7%", "risicoverevening naar zorgzwaarte", "-16,7%-punt (van 16,7% naar 0,0%)"),
        ("over_under", "minder zorg per cliënt dan nodig", "+12,7%", hybrid, "-13,7%-punt (van 12,7% naar -0,9%)"),
        ("waiting", "wachtlijst, vooral laat in het jaar", "1,0%, gemiddeld 8,0 weken", safety, "-1,0%-punt (van 1,0% naar 0,0%)"),
        ("shifting", "cliënten schuiven naar andere domeinen", "0,7% (Wlz 0,10%, Zvw 0,10%, voorliggend veld 0,47%)", "acceptatieplicht", "-0,7%-punt (van 0,7% naar 0,0%)"),
        ("continuity", "geen verliesrisico", "0,0%", safety, "0,0%-punt (van 0,0% naar 0,0%)"),
        ("admin", "administratieve last", "4,0%", "lumpsum zonder urenregistratie", "n.v.t. (zit al in de variant of past er niet bij)"),
    ]  # fmt: skip
    columns = ["incentive_key", "direction", "size_text", "mitigation", "mitigation_text"]
    assert [tuple(r) for r in card[columns].itertuples(index=False)] == want
    assert card["variant_name"].unique().tolist() == ["Lumpsum (taakgericht)"]
    numeric = ["size", "mitigation_effect", "estimates"]
    assert_frame_equal(card[numeric], numbers[numeric], check_exact=True)


def test_tornado_labels():
    t = tornado_table(
        "iaj",
        "lumpsum",
        "unmet_need",
        n_clients=300,
        parameters=["behaviour.acceptance.tolerance", "behaviour.payment.budget_ratio"],
    )
    labelled = dutch_tornado_table(t)
    assert labelled.columns.tolist() == ["parameter", "label", *t.columns[1:]]
    assert sorted(labelled["label"]) == [
        "Aanvaard verlies op één cliënt",
        "Budget t.o.v. doelmatige kosten",
    ]
    assert dutch_tornado_table(labelled) is labelled
