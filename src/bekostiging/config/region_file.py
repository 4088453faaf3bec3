"""The shape of a region file (``data/assumptions/regions/<id>.yaml``) as pydantic models.

:class:`RegionFile` checks keys, types, allowed values and ranges; :func:`cross_references`
checks what refers to what (merged municipalities, parent segments, pooling, booking
corrections). :func:`bekostiging.config.region.load_region` builds the Region from it.

>>> f = RegionFile.model_validate({"municipalities": [{"code": "GM0197", "name": "Aalten"}],
...     "contract": {"start": "2022-07-01", "terms_years": [3]}, "conversion": "c.csv",
...     "segments": [{"id": "iaj", "name": "IAJ", "domain": "jeugd", "procured": True,
...                   "target_population": "jeugd_0_17", "funding": {"variant": "lumpsum"}}]})
>>> f.contract.start, f.segments[0].funding.settlement_config(f.default_settlement)
(datetime.date(2022, 7, 1), {'kind': 'none'})
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    StrictBool,
    StrictInt,
    model_validator,
)

from bekostiging.config.validation import Field, StrictModel, Text, YamlDate, fail

FUNDING_VARIANTS = ("lumpsum", "pq", "output", "population", "hybrid")
SETTLEMENT_KINDS = ("none", "corridor", "full")
"""The canonical settlement kinds (model.variants uses these)."""
DOMAINS = ("jeugd", "wmo")
GM = re.compile(r"^GM\d{4}$")
FIRST_YEAR, LAST_YEAR = 1990, 2100
POOLED_VARIANTS = ("lumpsum", "population", "hybrid")  # get the default settlement

FundingVariant = Literal["lumpsum", "pq", "output", "population", "hybrid"]
Share = Field(1.0, ge=0, le=1)


class _KeepsRaw(StrictModel):
    """A model that also keeps the mapping it was read from (handed on to the model as is)."""

    _raw: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: Any) -> Any:
        entry = handler(data)
        entry._raw = dict(data) if isinstance(data, Mapping) else {}
        return entry


class SettlementEntry(_KeepsRaw):
    """How over- and underspend of a lumpsum are settled."""

    kind: Literal["none", "corridor", "full"]
    corridor: float = Field(0.0, ge=0)
    municipality_share_over: float = Share
    municipality_share_under: float = Share
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _kind_alone(self) -> SettlementEntry:
        # 'none' and 'full' are fully described by their kind; a corridor or share next to them
        # would contradict it (and variants.Settlement refuses it).
        terms = ("corridor", "municipality_share_over", "municipality_share_under")
        extra = [k for k in terms if k in self.model_fields_set]
        if self.kind != "corridor" and extra:
            raise fail(
                f"verrekening van soort '{self.kind}' heeft geen '{extra[0]}'",
                field=extra[0],
                expected="alleen kind: none/full, of kind: corridor met corridor en aandelen",
            )
        return self

    def config(self) -> dict[str, Any]:
        """The settlement as the model reads it: the kind, and the corridor terms if any."""
        if self.kind != "corridor":
            return {"kind": self.kind}
        return {k: v for k, v in self._raw.items() if k not in ("source", "note")}


class FundingEntry(_KeepsRaw):
    """The decided funding of a segment: the variant and its terms (checked by the model)."""

    model_config = ConfigDict(extra="allow")
    variant: Any = None
    settlement: SettlementEntry | None = None

    def settlement_config(self, default: SettlementEntry) -> dict[str, Any] | None:
        """The segment's own settlement, or the region default for a lumpsum-like variant."""
        if self.settlement is not None:
            return self.settlement.config()
        return default.config() if self.variant in POOLED_VARIANTS else None

    def config(self, default: SettlementEntry) -> dict[str, Any]:
        """The funding as the model reads it, with the settlement filled in."""
        out = dict(self._raw)
        settlement = self.settlement_config(default)
        if settlement is not None:
            out["settlement"] = settlement
        return out


class MunicipalityEntry(StrictModel):
    code: Text = Field(pattern=GM.pattern)
    name: Text
    valid_from: StrictInt = Field(FIRST_YEAR, alias="from")
    until: StrictInt = LAST_YEAR
    merged_into: str | None = None


class SegmentEntry(StrictModel):
    id: Text
    name: Text
    short: str | None = None
    domain: Literal["jeugd", "wmo"]
    procured: StrictBool
    subsegments: list[str] = []
    target_population: Text
    contract_start: YamlDate | None = None
    funding: FundingEntry | None = None
    parent: str | None = None
    reason: str = ""
    source: str = ""
    note: str = ""
    historical_funding: FundingVariant | None = None

    @model_validator(mode="after")
    def _procured_needs_funding(self) -> SegmentEntry:
        variant = self.funding.variant if self.funding is not None else None
        if self.procured and variant not in FUNDING_VARIANTS:
            raise fail(
                "een ingekocht segment heeft een bekostigingsvariant nodig",
                field="funding",
                found=variant,
                expected="een van: " + ", ".join(FUNDING_VARIANTS),
            )
        return self


class ContractEntry(StrictModel):
    start: YamlDate
    terms_years: list[StrictInt] = Field(min_length=1)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _positive_terms(self) -> ContractEntry:
        if not all(t > 0 for t in self.terms_years):
            raise fail(
                "terms_years moet een lijst van hele jaren zijn, bijvoorbeeld [3, 2, 2]",
                field="terms_years",
                found=self.terms_years,
            )
        return self


class BookingCorrectionEntry(StrictModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)
    source_field: str = Field(alias="from")
    to: str
    municipalities: list[str] = []
    years: tuple[StrictInt, StrictInt]
    source: str = ""
    note: str = ""


class YouthSplitEntry(StrictModel):
    reference_years: list[StrictInt] = []


class Iv3Entry(StrictModel):
    actuals: str = "jaarrekening"
    budget: str = "begroting"
    first_year: StrictInt = 2017
    youth_split: YouthSplitEntry = YouthSplitEntry()
    booking_corrections: list[BookingCorrectionEntry] = []


def _codes(value: Any) -> Any:
    """One municipality code or a list of them, as a list."""
    return [value] if isinstance(value, str) else value


class PoolingEntry(StrictModel):
    """Spending booked by one or more centrumgemeenten for the region, attributed by a key.

    ``booked_by`` is one code or a list (several centrumgemeenten, e.g. one per subregion).
    ``shares`` gives, per centrumgemeente, the part of its booked amount that is for this
    region (a centrumgemeente that also serves municipalities outside the region); the rest
    stays its own spending. A missing share is 1.
    """

    segments: list[str] = Field(min_length=1)
    booked_by: Annotated[list[Text], BeforeValidator(_codes)] = Field(min_length=1)
    shares: dict[str, Annotated[float, Field(ge=0, le=1)]] = {}
    key: str
    source: str = ""
    note: str = ""


class PolicyEntry(StrictModel):
    """The region's own policy document, quoted in the reports (nothing of it lives in code).

    ``document`` is the title, ``date`` its date; ``short`` how the text refers to it ("de
    notitie van 9 februari 2021"); ``goals`` the numbered goals of the procurement;
    ``incentive_goals`` which goals each perverse incentive threatens; ``principles`` the
    principles the report names (e.g. that every municipality pays for its own residents).
    A region without a document leaves ``document`` empty and the reports say so.
    """

    document: str | None = None
    date: YamlDate | None = None
    short: str | None = None
    method_section: str | None = None
    goals: dict[StrictInt, Text] = {}
    incentive_goals: dict[str, list[StrictInt]] = {}
    principles: list[Text] = []
    source: str = ""

    @model_validator(mode="after")
    def _known_goals(self) -> PolicyEntry:
        for key, numbers in self.incentive_goals.items():
            unknown = [n for n in numbers if n not in self.goals]
            if unknown:
                raise fail(
                    f"incentive_goals.{key} noemt doel {unknown[0]}, dat niet onder goals staat",
                    field="incentive_goals",
                    found=unknown[0],
                    expected="een van de nummers onder goals: " + ", ".join(map(str, self.goals)),
                )
        return self


def _plain_number(value: Any) -> Any:
    """A YAML number as a float; text, true/false and anything else are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail("moet een getal zijn", found=value)
    return float(value)


Number = Annotated[float, BeforeValidator(_plain_number)]


class _TransitionSetting(StrictModel):
    """One value of the transition arrangement, with where it comes from."""

    source: Text
    note: str = ""


class WholeMonths(_TransitionSetting):
    value: StrictInt = Field(ge=1)


class MonthsOrNone(_TransitionSetting):
    value: StrictInt = Field(ge=0)


class ShareSetting(_TransitionSetting):
    value: Number = Field(ge=0, le=1)


class AmountSetting(_TransitionSetting):
    value: Number = Field(ge=0)


class TransitionEntry(StrictModel):
    """The region's transition arrangement as decided (overrides ``transition.*`` defaults).

    Every key is optional; a missing one keeps the national default of
    ``parameters/transition.yaml``. The transfer capacity is per 1,000 clients in care.
    """

    window_months: WholeMonths | None = None
    indication_runup_months: MonthsOrNone | None = None
    indication_spread_months: WholeMonths | None = None
    overlap_months: AmountSetting | None = None
    share_noncontracted: ShareSetting | None = None
    monthly_capacity_per_1000_clients: AmountSetting | None = None

    @model_validator(mode="after")
    def _spread_within_window(self) -> TransitionEntry:
        w, s = self.window_months, self.indication_spread_months
        if w is not None and s is not None and s.value > w.value:
            raise fail(
                "indication_spread_months moet binnen window_months passen (herindicaties vóór "
                "de ingangsdatum van het contract zouden opnieuw worden begrensd)",
                field="indication_spread_months",
                found=s.value,
                expected=f"<= {w.value}",
            )
        return self

    def settings(self) -> dict[str, dict[str, Any]]:
        """The given values by name: ``{name: {"value", "source", "note"}}``."""
        return {
            name: {
                "value": entry.value,
                "source": entry.source,
                "note": " ".join(entry.note.split()),
            }
            for name in type(self).model_fields
            if (entry := getattr(self, name)) is not None
        }


class RegionFile(StrictModel):
    """A whole region file."""

    id: str | None = None
    name: str | None = None
    description: str = ""
    sources: list[str] = []
    historical_funding: FundingVariant = "pq"
    municipalities: list[MunicipalityEntry] = Field(min_length=1)
    contract: ContractEntry
    default_settlement: SettlementEntry = SettlementEntry(kind="none")
    segments: list[SegmentEntry] = []
    iv3: Iv3Entry = Iv3Entry()
    regional_pooling: list[PoolingEntry] = []
    transition: TransitionEntry | None = None
    policy: PolicyEntry = PolicyEntry()
    conversion: Text
    parameters: list[str] = []


Reference = tuple[tuple[str | int, ...], str, Any]


def _twice(values: list[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def cross_references(f: RegionFile) -> Iterator[Reference]:
    """(key path, message, found) for every reference that points at nothing."""
    codes = [m.code for m in f.municipalities]
    seg_ids = [s.id for s in f.segments]
    seen: set[str] = set()
    for i, m in enumerate(f.municipalities):
        if m.code in seen:
            yield ("municipalities", i, "code"), "gemeente staat twee keer in de lijst", m.code
        seen.add(m.code)
        if m.merged_into is not None and m.merged_into not in codes:
            yield (
                ("municipalities", i, "merged_into"),
                "merged_into noemt een gemeente die niet bij de regio hoort",
                m.merged_into,
            )
    twice = _twice(seg_ids)
    for i, s in enumerate(f.segments):
        if s.id in twice and seg_ids.index(s.id) != i:
            yield ("segments", i, "id"), "segment-id staat twee keer in de lijst", s.id
        if s.parent is not None and s.parent not in seg_ids:
            yield ("segments", i, "parent"), "parent noemt een onbekend segment", s.parent
    for i, c in enumerate(f.iv3.booking_corrections):
        bad = [m for m in c.municipalities if m not in codes]
        if bad:
            where = ("iv3", "booking_corrections", i, "municipalities")
            yield where, "boekingscorrectie voor een gemeente buiten de regio", bad[0]
    pooled: dict[str, int] = {}
    for i, p in enumerate(f.regional_pooling):
        outside = [c for c in p.booked_by if c not in codes]
        if outside:
            where = ("regional_pooling", i, "booked_by")
            yield where, "booked_by moet een gemeente van de regio zijn", outside[0]
        if len(set(p.booked_by)) < len(p.booked_by):
            where = ("regional_pooling", i, "booked_by")
            yield where, "een centrumgemeente staat twee keer in de lijst", p.booked_by
        strange = [c for c in p.shares if c not in p.booked_by]
        if strange:
            where = ("regional_pooling", i, "shares")
            yield where, "shares noemt een gemeente die niet onder booked_by staat", strange[0]
        unknown = [s for s in p.segments if s not in seg_ids]
        if unknown:
            where = ("regional_pooling", i, "segments")
            yield where, "pooling noemt een onbekend segment", unknown[0]
        for s in p.segments:
            if s in pooled:
                where = ("regional_pooling", i, "segments")
                yield (
                    where,
                    f"segment {s} staat al in pooling-regel {pooled[s] + 1}; noem alle "
                    "centrumgemeenten van een segment in één regel (booked_by: [..])",
                    s,
                )
            pooled.setdefault(s, i)
