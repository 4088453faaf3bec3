"""The region model: municipalities, segments, funding and contract, read from a YAML file.

Nothing region-specific lives in code. A region file (``data/assumptions/regions/<id>.yaml``)
lists the municipalities (with the years they exist, for mergers), the segments with their
sub-segments, target population and decided funding variant, the contract start and terms, how
Iv3 task fields are converted to segments, and which parameter files hold its assumptions.

>>> region = load_region("achterhoek")
>>> region.name, len(region.municipalities)
('Achterhoek', 8)
>>> region.segment("dyslexie").funding["variant"], str(region.segment("dyslexie").contract_start)
('population', '2021-08-01')
>>> region.contract_end.isoformat()
'2029-07-01'
>>> [s.id for s in region.procured_segments()][:3]
['iaj', 'gwv', 'hcv']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bekostiging.config.contract import contract_end
from bekostiging.config.parameters import Parameters, load_parameters, read_scenario
from bekostiging.config.region_file import (
    DOMAINS,
    FIRST_YEAR,
    FUNDING_VARIANTS,
    GM,
    LAST_YEAR,
    SETTLEMENT_KINDS,
    Reference,
    RegionFile,
    SegmentEntry,
    cross_references,
)
from bekostiging.config.validation import problem_at, validate
from bekostiging.core.errors import InputError, ParameterError, Problem, display_path
from bekostiging.core.paths import REGIONS_DIR, region_file
from bekostiging.core.yamlio import line_of, load_yaml

__all__ = [
    "DOMAINS",
    "FUNDING_VARIANTS",
    "GM",
    "SETTLEMENT_KINDS",
    "BookingCorrection",
    "Municipality",
    "Pooling",
    "Region",
    "Segment",
    "available_regions",
    "load_region",
    "read_region_file",
]


@dataclass(frozen=True)
class Municipality:
    """A municipality as it exists between ``valid_from`` and ``valid_until`` (inclusive years)."""

    code: str
    name: str
    valid_from: int = FIRST_YEAR
    valid_until: int = LAST_YEAR
    merged_into: str | None = None
    line: int | None = None

    def exists_in(self, year: int) -> bool:
        return self.valid_from <= year <= self.valid_until


@dataclass(frozen=True)
class Segment:
    """A purchasing segment (or a non-procured spending category shown for completeness)."""

    id: str
    name: str
    short: str
    domain: str
    procured: bool
    target_population: str
    subsegments: tuple[str, ...] = ()
    contract_start: dt.date | None = None
    funding: Mapping[str, Any] | None = None
    parent: str | None = None
    reason: str = ""
    source: str = ""
    note: str = ""
    historical_funding: str = "pq"  # the variant the reference-period costs arose under
    line: int | None = None  # line of the entry in the region file (for messages)


@dataclass(frozen=True)
class BookingCorrection:
    """Move spending a municipality booked on the wrong task field (above the region median)."""

    source_field: str
    target_field: str
    municipalities: tuple[str, ...]
    years: tuple[int, int]
    source: str
    note: str


@dataclass(frozen=True)
class Pooling:
    """Spending booked by one or more centrumgemeenten for the region, attributed by a key.

    ``booked_by`` holds the centrumgemeenten; ``shares`` the part of each one's booked amount
    that is for this region (1 when not given; the rest stays its own spending).

    >>> p = Pooling(("wmo_wonen",), ("GM0153", "GM0141"), "volwassen_18plus", "", "",
    ...             {"GM0141": 0.8})
    >>> p.share("GM0153"), p.share("GM0141")
    (1.0, 0.8)
    """

    segments: tuple[str, ...]
    booked_by: tuple[str, ...]
    key: str
    source: str
    note: str
    shares: Mapping[str, float] = field(default_factory=dict)

    def share(self, code: str) -> float:
        """The part of ``code``'s booked amount that is pooled for the region."""
        return float(self.shares.get(code, 1.0))


@dataclass(frozen=True)
class Policy:
    """The region's policy document as its region file states it (see ``PolicyEntry``).

    >>> Policy().cited, Policy(document="Notitie X", short="de notitie").cited
    ('', 'de notitie')
    """

    document: str = ""
    date: dt.date | None = None
    short: str = ""
    method_section: str = ""
    goals: Mapping[int, str] = field(default_factory=dict)
    incentive_goals: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    principles: tuple[str, ...] = ()

    @property
    def cited(self) -> str:
        """How the text refers to the document ('' when the region names none)."""
        return self.short or self.document


@dataclass(frozen=True)
class Region:
    """Everything the model needs to know about a region, read from its YAML file."""

    id: str
    name: str
    description: str
    municipalities: tuple[Municipality, ...]
    segments: tuple[Segment, ...]
    contract_start: dt.date
    contract_terms: tuple[int, ...]
    default_settlement: Mapping[str, Any]
    actuals_report: str
    budget_report: str
    first_year: int
    youth_split_years: tuple[int, ...]
    booking_corrections: tuple[BookingCorrection, ...]
    pooling: tuple[Pooling, ...]
    conversion_file: Path
    parameter_files: tuple[Path, ...]
    source_file: Path
    sources: tuple[str, ...] = field(default_factory=tuple)
    transition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The region file's ``transition:`` block: name -> ``{value, source, note}``."""
    policy: Policy = field(default_factory=Policy)
    """The region's policy document, goals and principles (quoted by the reports)."""

    # --- municipalities ---------------------------------------------------------------------
    @cached_property
    def _by_code(self) -> dict[str, Municipality]:
        return {m.code: m for m in self.municipalities}

    def municipality(self, code: str) -> Municipality:
        """The municipality with this code; a clear error for an unknown or mistyped code."""
        code = str(code).strip().upper()
        if code in self._by_code:
            return self._by_code[code]
        known = ", ".join(f"{m.code} ({m.name})" for m in self.municipalities)
        raise ParameterError(
            Problem(
                display_path(self.source_file),
                f"onbekende gemeentecode {code!r} in regio {self.name}",
                expected=f"een van: {known}",
            )
        )

    def codes_in(self, year: int) -> list[str]:
        """Municipality codes that exist in a given year."""
        return [m.code for m in self.municipalities if m.exists_in(year)]

    def current_codes(self) -> list[str]:
        """Codes of the municipalities that exist today (no successor)."""
        return [m.code for m in self.municipalities if m.merged_into is None]

    def current_code(self, code: str) -> str:
        """Follow mergers to today's municipality.

        >>> load_region("alkmaar").current_code("GM0398")
        'GM1980'
        """
        m = self.municipality(code)
        while m.merged_into is not None:
            m = self.municipality(m.merged_into)
        return m.code

    def predecessors(self, code: str) -> list[str]:
        """Codes that merged into this municipality (directly)."""
        return [m.code for m in self.municipalities if m.merged_into == code]

    def name_of(self, code: str) -> str:
        return self.municipality(code).name

    # --- segments ---------------------------------------------------------------------------
    @cached_property
    def _segments(self) -> dict[str, Segment]:
        return {s.id: s for s in self.segments}

    def segment(self, segment_id: str) -> Segment:
        if segment_id in self._segments:
            return self._segments[segment_id]
        raise ParameterError(
            Problem(
                display_path(self.source_file),
                f"onbekend segment {segment_id!r}",
                expected="een van: " + ", ".join(self._segments),
            )
        )

    def procured_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.procured]

    def segment_ids(self, procured_only: bool = False) -> list[str]:
        return [s.id for s in self.segments if s.procured or not procured_only]

    # --- contract ---------------------------------------------------------------------------
    @property
    def contract_end(self) -> dt.date:
        """End of the contract if every extension option is used (exclusive date)."""
        return contract_end(self.contract_start, sum(self.contract_terms))

    @cached_property
    def parameters(self) -> Parameters:
        """The region's assumptions (its parameter files in order, then its transition block)."""
        return self.with_parameters()

    def with_parameters(self, scenario: str | Path | None = None) -> Parameters:
        """The region's assumptions, with a scenario file applied if given.

        The region file's ``transition:`` values replace the national defaults
        ``transition.<name>`` (parameters/transition.yaml, which must be among the region's
        parameter files) with the source the region file gives; a scenario comes on top.

        >>> p = load_region("achterhoek").parameters.param("transition.window_months")
        >>> p.value, p.source, p.file
        (6.0, 'seed 000 (overgangsregeling, 1 juli 2022 tot 1 januari 2023)', 'data/assumptions/regions/achterhoek.yaml')
        """
        params = load_parameters(self.parameter_files)
        if self.transition:
            named = {f"transition.{k}": dict(v) for k, v in self.transition.items()}
            params = params.with_overrides(named, source=display_path(self.source_file))
        if scenario is not None:
            segments = [s.id for s in self.segments]
            params = params.with_overrides(
                read_scenario(scenario), source=display_path(scenario), known_keys=segments
            )
        self._check_target_populations(params)
        return params

    def _check_target_populations(self, params: Parameters) -> None:
        """Every segment's target population must be an age group of the parameters."""
        groups = sorted({n.split(".")[1] for n in params.names("age_groups.")})
        problems = [
            Problem(
                display_path(self.source_file),
                f"segment {s.id}: onbekende doelgroep (target_population)",
                row=s.line,
                column="target_population",
                found=s.target_population,
                expected="een van: " + ", ".join(groups),
            )
            for s in self.segments
            if s.target_population not in groups
        ]
        if problems:
            raise InputError(problems)


def available_regions() -> list[str]:
    """Ids of the region files shipped in ``data/assumptions/regions``.

    >>> available_regions()
    ['achterhoek', 'alkmaar']
    """
    return sorted(p.stem for p in REGIONS_DIR.glob("*.yaml"))


def _segment(s: SegmentEntry, f: RegionFile, line: int | None = None) -> Segment:
    """A Segment from its validated entry; procured ones get their funding and start filled in."""
    funding = s.funding._raw if s.funding is not None else None
    if s.procured and s.funding is not None:
        funding = s.funding.config(f.default_settlement)
    start = s.contract_start or (f.contract.start if s.procured else None)
    return Segment(
        id=s.id,
        name=s.name,
        short=str(s.short if s.short is not None else s.name),
        domain=s.domain,
        procured=s.procured,
        target_population=s.target_population,
        subsegments=tuple(s.subsegments),
        contract_start=start,
        funding=funding,
        parent=s.parent,
        reason=s.reason,
        source=s.source,
        note=s.note,
        historical_funding=s.historical_funding or f.historical_funding,
        line=line,
    )


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _files(f: RegionFile, base: Path) -> Iterator[Reference]:
    """(key path, message, found) for the conversion and parameter files that do not exist."""
    if not (base / f.conversion).is_file():
        yield ("conversion",), "conversiebestand niet gevonden", f.conversion
    for i, name in enumerate(f.parameters):
        if not (base / name).is_file():
            yield ("parameters", i), "parameterbestand niet gevonden", name


def _resolve(name_or_path: str | Path) -> Path:
    """The path of a region file given by id or path; an unknown id lists the known ones."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return path
    path = region_file(str(name_or_path))
    if not path.is_file():
        raise ParameterError(
            Problem(
                str(name_or_path),
                "onbekende regio",
                expected="een van: " + ", ".join(available_regions()),
            )
        )
    return path


def read_region_file(path: Path) -> tuple[RegionFile, dict]:
    """Validate a region file; every problem (keys, values, references, files) in one error."""
    shown = display_path(path)
    data, lines = load_yaml(path)
    if not isinstance(data, Mapping):
        raise InputError(Problem(shown, "een regiobestand moet sleutels met waarden bevatten"))
    f = validate(RegionFile, data, shown, lines)
    problems = [
        problem_at(shown, lines, loc, message, found)
        for loc, message, found in (*cross_references(f), *_files(f, path.parent))
    ]
    if problems:
        raise InputError(problems)
    return f, lines


def load_region(name_or_path: str | Path) -> Region:
    """Read and validate a region file by id (``'achterhoek'``) or path.

    All problems in the file are reported together, each with its line number.
    """
    path = _resolve(name_or_path)
    f, lines = read_region_file(path)
    municipalities = tuple(
        Municipality(
            m.code,
            m.name,
            m.valid_from,
            m.until,
            m.merged_into,
            line_of(lines, "municipalities", i),
        )
        for i, m in enumerate(f.municipalities)
    )
    return Region(
        id=str(f.id or path.stem),
        name=str(f.name or path.stem),
        description=_one_line(f.description),
        municipalities=municipalities,
        segments=tuple(
            _segment(s, f, line_of(lines, "segments", i)) for i, s in enumerate(f.segments)
        ),
        contract_start=f.contract.start,
        contract_terms=tuple(f.contract.terms_years),
        default_settlement=f.default_settlement.config(),
        actuals_report=f.iv3.actuals,
        budget_report=f.iv3.budget,
        first_year=f.iv3.first_year,
        youth_split_years=tuple(f.iv3.youth_split.reference_years),
        booking_corrections=tuple(
            BookingCorrection(
                c.source_field, c.to, tuple(c.municipalities), c.years, c.source, _one_line(c.note)
            )
            for c in f.iv3.booking_corrections
        ),
        pooling=tuple(
            Pooling(
                tuple(p.segments),
                tuple(p.booked_by),
                p.key,
                p.source,
                _one_line(p.note),
                dict(p.shares),
            )
            for p in f.regional_pooling
        ),
        conversion_file=(path.parent / f.conversion).resolve(),
        parameter_files=tuple((path.parent / p).resolve() for p in f.parameters),
        source_file=path.resolve(),
        sources=tuple(f.sources),
        transition=f.transition.settings() if f.transition is not None else {},
        policy=Policy(
            document=_one_line(f.policy.document or ""),
            date=f.policy.date,
            short=_one_line(f.policy.short or ""),
            method_section=_one_line(f.policy.method_section or ""),
            goals={int(k): _one_line(v) for k, v in f.policy.goals.items()},
            incentive_goals={k: tuple(v) for k, v in f.policy.incentive_goals.items()},
            principles=tuple(_one_line(x) for x in f.policy.principles),
        ),
    )
