"""The Dutch incentive scorecard and variant comparison from the numbers of
:mod:`bekostiging.model.incentives`.

>>> from bekostiging.model.incentives import scorecard
>>> card = dutch_scorecard(scorecard("iaj", "pq", n_clients=2_000))
>>> card.loc[card["incentive_key"] == "over_under", "direction"].item()
'meer zorg per cliënt dan nodig'
>>> set(card.columns) == set(SCORECARD_LABELS)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from bekostiging.report.formatting import number, percent
from bekostiging.report.text.variants import VARIANT_NAMES

SCORECARD_LABELS: dict[str, str] = {
    "segment": "segment",
    "segment_name": "segmentnaam",
    "variant": "bekostigingsvariant (code)",
    "variant_name": "bekostigingsvariant",
    "incentive_key": "prikkel (code)",
    "incentive": "perverse prikkel",
    "direction": "richting",
    "size": "gemodelleerde omvang",
    "size_text": "omvang",
    "unit": "eenheid",
    "kpi": "KPI voor monitoring",
    "mitigation": "dempende maatregel",
    "mitigation_effect": "effect maatregel (verschil in omvang)",
    "mitigation_text": "effect maatregel",
    "parameters": "rust op parameters",
    "sources": "bronnen",
    "estimates": "aandeel schattingen",
}
"""Columns of :func:`dutch_scorecard` (in order) -> Dutch headers."""


class IncentiveText(NamedTuple):
    """The Dutch words of one perverse incentive."""

    name: str
    unit: str
    up: str  # direction when size > 0
    down: str  # when size < 0
    none: str  # when about zero
    kpi: str


INCENTIVE_TEXTS: dict[str, IncentiveText] = {
    "volume": IncentiveText(
        "volumegroei: meer zorg en meer cliënten dan nodig",
        "zorgvolume t.o.v. doelmatige zorg voor de cliënten met een zorgvraag",
        "meer zorg dan doelmatig",
        "minder zorg dan doelmatig",
        "zorgvolume gelijk aan doelmatig",
        "zorgeenheden en cliënten per 1.000 inwoners van de doelgroep; kosten per cliënt",
    ),
    "duration": IncentiveText(
        "lange trajecten: doorgaan zonder resultaat",
        "extra groei van de gemiddelde trajectduur per jaar",
        "trajecten worden elk jaar langer",
        "trajecten worden korter",
        "geen prikkel tot verlengen",
        "gemiddelde trajectduur; aandeel trajecten langer dan een jaar; doelrealisatie bij "
        "afsluiting",
    ),
    "upcoding": IncentiveText(
        "upcoding: cliënten zwaarder indelen (zwaarder segment of product)",
        "aandeel cliënten dat zwaarder wordt ingedeeld",
        "prikkel tot zwaardere indeling",
        "prikkel tot lichtere indeling",
        "geen prikkel tot zwaardere indeling",
        "verdeling van cliënten over segmenten en zwaarteprofielen; verschuiving naar duurdere "
        "producten",
    ),
    "selection": IncentiveText(
        "risicoselectie: complexe cliënten weigeren",
        "aandeel geweigerde cliënten onder de 10 % met de zwaarste zorgvraag",
        "complexe cliënten worden geweigerd",
        "–",
        "geen weigering van complexe cliënten",
        "weigeringen en terugverwijzingen per aanbieder; zorgzwaarte van aangenomen t.o.v. "
        "aangemelde cliënten",
    ),
    "over_under": IncentiveText(
        "onderbehandeling (of overbehandeling) per cliënt",
        "tekort aan zorg per behandelde cliënt t.o.v. doelmatig (negatief: te veel)",
        "minder zorg per cliënt dan nodig",
        "meer zorg per cliënt dan nodig",
        "zorg per cliënt doelmatig",
        "doelrealisatie; heraanmeldingen binnen zes maanden; cliëntervaring",
    ),
    "waiting": IncentiveText(
        "wachtlijsten als het budget op is",
        "aandeel cliënten dat wacht (uitgesteld of later elders gestart)",
        "wachtlijst, vooral laat in het jaar",
        "–",
        "geen wachtlijst",
        "wachttijd van aanmelding tot start; aantal wachtenden per maand (let op oplopen in "
        "het najaar)",
    ),
    "shifting": IncentiveText(
        "kostenverschuiving naar Wlz, Zvw en voorliggend veld",
        "aandeel cliënten dat het gemeentelijk domein verlaat",
        "cliënten schuiven naar andere domeinen",
        "–",
        "geen verschuiving",
        "uitstroom naar Wlz, Zvw en voorliggend veld; terugverwijzingen door aanbieders",
    ),
    "continuity": IncentiveText(
        "continuïteit van aanbieders",
        "kans dat een aanbieder het jaar afsluit met een verlies van meer dan de drempel",
        "kans op verlies bij aanbieders",
        "–",
        "geen verliesrisico",
        "financieel resultaat en solvabiliteit per aanbieder; tussentijdse signalering van "
        "tekorten",
    ),
    "admin": IncentiveText(
        "administratieve lasten",
        "administratieve kosten als aandeel van de uitgaven",
        "administratieve last",
        "–",
        "geen administratieve last",
        "regeldruk: tijd voor registratie en verantwoording per fte; aantal declaraties en "
        "berichten",
    ),
}
"""Incentive key (:data:`bekostiging.model.incentives.INCENTIVES`) -> its Dutch words."""

MITIGATION_NAMES: dict[str, str] = {
    "hybrid": "hybride bekostiging (deel p*q, deel lumpsum)",
    "risk_adjustment": "risicoverevening naar zorgzwaarte",
    "safety_valve": "vangnet: boven een overschrijding van 5 % betaalt de gemeente alles",
    "obligation": "acceptatieplicht",
    "lumpsum": "lumpsum zonder urenregistratie",
}
"""Mitigation key (:data:`bekostiging.model.incentives.MITIGATIONS`) -> Dutch name."""

NOT_APPLICABLE = "n.v.t. (zit al in de variant of past er niet bij)"
SIGNED_INCENTIVES = ("volume", "duration", "over_under")  # sizes that can be negative
SHIFT_DOMAINS = (("wlz", "Wlz"), ("zvw", "Zvw"), ("voorliggend_veld", "voorliggend veld"))

OUTCOME_LABELS: dict[str, str] = {
    "spend_per_client_eur": "uitgaven per cliënt met zorgvraag (EUR)",
    "spend_factor": "uitgaven t.o.v. doelmatige zorg",
    "cost_factor": "zorgvolume t.o.v. doelmatig",
    "volume_factor": "behandelde cliënten t.o.v. cliënten met zorgvraag",
    "intensity_factor": "zorg per behandelde cliënt t.o.v. doelmatig",
    "provision_ratio": "zorg t.o.v. zorgvraag bij behandelde cliënten",
    "refused_share": "geweigerd",
    "waiting_share": "wachtend",
    "mean_wait_weeks": "gemiddelde wachttijd (weken)",
    "shifted_share": "verschoven naar andere domeinen",
    "unmet_need": "onvervulde zorgvraag",
    "mean_duration_weeks": "gemiddelde duur (weken)",
    "provider_margin": "marge aanbieders",
    "loss_probability": "kans op verlies boven drempel",
}
"""Outcome key (:data:`bekostiging.model.incentives.COMPARISON_OUTCOMES`) -> Dutch label."""


def direction_text(key: str, sign: int) -> str:
    """The Dutch direction of an incentive from the sign of its size.

    >>> direction_text("volume", 1), direction_text("volume", 0)
    ('meer zorg dan doelmatig', 'zorgvolume gelijk aan doelmatig')
    """
    words = INCENTIVE_TEXTS[key]
    return words.none if sign == 0 else words.up if sign > 0 else words.down


def size_text(row: Mapping[str, Any]) -> str:
    """The size as a Dutch percentage, with the wait or the shifts where they apply.

    >>> size_text({"incentive_key": "duration", "size": 0.05})
    '+5,0% per jaar'
    """
    key, size = row["incentive_key"], row["size"]
    text = percent(size, 1, signed=key in SIGNED_INCENTIVES)
    if key == "duration":
        return text + " per jaar"
    if key == "waiting" and size > 0:
        return f"{text}, gemiddeld {number(row['mean_wait_weeks'], 1)} weken"
    if key == "shifting" and size > 0:
        parts = [f"{label} {percent(row[f'shifted_{k}_share'], 2)}" for k, label in SHIFT_DOMAINS]
        return f"{text} ({', '.join(parts)})"
    return text


def mitigation_text(row: Mapping[str, Any]) -> str:
    """The modelled effect of the mitigating measure, in percentage points."""
    if not row["mitigation_applies"]:
        return NOT_APPLICABLE
    return (
        f"{percent(row['mitigation_effect'], 1, signed=True)}-punt (van "
        f"{percent(row['size'], 1)} naar {percent(row['size_after'], 1)})"
    )


def _dutch_row(row: Mapping[str, Any]) -> dict[str, Any]:
    words = INCENTIVE_TEXTS[row["incentive_key"]]
    return {
        "segment": row["segment"],
        "segment_name": row["segment_name"],
        "variant": row["variant"],
        "variant_name": VARIANT_NAMES[row["variant"]],
        "incentive_key": row["incentive_key"],
        "incentive": words.name,
        "direction": direction_text(row["incentive_key"], row["sign"]),
        "size": row["size"],
        "size_text": size_text(row),
        "unit": words.unit,
        "kpi": words.kpi,
        "mitigation": MITIGATION_NAMES[row["mitigation_key"]],
        "mitigation_effect": row["mitigation_effect"],
        "mitigation_text": mitigation_text(row),
        "parameters": row["parameters"],
        "sources": row["sources"],
        "estimates": row["estimates"],
    }


def dutch_scorecard(card: pd.DataFrame) -> pd.DataFrame:
    """The report's scorecard (columns :data:`SCORECARD_LABELS`, Dutch texts) from
    :func:`bekostiging.model.incentives.scorecard` or ``region_scorecard`` (index kept)."""
    rows = [_dutch_row(r) for r in card.to_dict("records")]
    return pd.DataFrame(rows, index=card.index, columns=list(SCORECARD_LABELS))


def dutch_variant_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`bekostiging.model.incentives.variant_comparison` with Dutch column labels.

    >>> from bekostiging.model.incentives import variant_comparison
    >>> t = dutch_variant_comparison(variant_comparison("iaj", ["pq"], n_clients=500))
    >>> t.columns[0]
    'uitgaven per cliënt met zorgvraag (EUR)'
    """
    return table.rename(columns=OUTCOME_LABELS)
