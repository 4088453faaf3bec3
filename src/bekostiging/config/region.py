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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bekostiging.config.parameters import Parameters, load_parameters
from bekostiging.core.errors import InputError, ParameterError, Problem, display_path
from bekostiging.core.paths import REGIONS_DIR, region_file
from bekostiging.core.yamlio import line_of, load_yaml

FUNDING_VARIANTS = ("lumpsum", "pq", "output", "population", "hybrid")
SETTLEMENT_KINDS = ("none", "corridor", "full")
DOMAINS = ("jeugd", "wmo")
GM = re.compile(r"^GM\d{4}$")
FIRST_YEAR, LAST_YEAR = 1990, 2100


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
    """Spending booked by a centrumgemeente for the whole region, attributed by a key."""

    segments: tuple[str, ...]
    booked_by: str
    key: str
    source: str
    note: str


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
                f"unknown municipality code {code!r} in region {self.name}",
                expected=f"one of: {known}",
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
                f"unknown segment {segment_id!r}",
                expected="one of: " + ", ".join(self._segments),
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
        from bekostiging.config.contract import contract_end

        return contract_end(self.contract_start, sum(self.contract_terms))

    @cached_property
    def parameters(self) -> Parameters:
        """The region's assumptions (its parameter files in order)."""
        return load_parameters(self.parameter_files)

    def with_parameters(self, scenario: str | Path | None = None) -> Parameters:
        """The region's assumptions, with a scenario file applied if given."""
        return load_parameters(self.parameter_files, scenario=scenario)


def available_regions() -> list[str]:
    """Ids of the region files shipped in ``data/assumptions/regions``.

    >>> available_regions()
    ['achterhoek', 'alkmaar']
    """
    return sorted(p.stem for p in REGIONS_DIR.glob("*.yaml"))


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


_TOP_KEYS = {
    "historical_funding",
    "id",
    "name",
    "description",
    "sources",
    "municipalities",
    "contract",
    "default_settlement",
    "segments",
    "iv3",
    "regional_pooling",
    "conversion",
    "parameters",
}
_SEGMENT_KEYS = {
    "historical_funding",
    "id",
    "name",
    "short",
    "domain",
    "procured",
    "subsegments",
    "target_population",
    "contract_start",
    "funding",
    "parent",
    "reason",
    "source",
    "note",
}


class _Reader:
    """Collects every problem of a region file, each with its line."""

    def __init__(self, path: Path):
        self.path = path
        self.shown = display_path(path)
        self.data, self.lines = load_yaml(path)
        self.problems: list[Problem] = []

    def problem(self, message: str, *keys: Any, found: Any = None, expected: str | None = None):
        self.problems.append(
            Problem(
                self.shown,
                message,
                row=line_of(self.lines, *keys),
                column=".".join(str(k) for k in keys) or None,
                found=found,
                expected=expected,
            )
        )

    def need(self, mapping: Mapping, key: str, *where: Any, kind: type | tuple = object) -> Any:
        if not isinstance(mapping, Mapping) or key not in mapping or mapping[key] in (None, ""):
            self.problem(f"missing '{key}'", *where, key)
            return None
        value = mapping[key]
        if not isinstance(value, kind):
            self.problem(
                f"'{key}' has the wrong type",
                *where,
                key,
                found=value,
                expected=getattr(kind, "__name__", str(kind)),
            )
            return None
        return value


def _settlement(r: _Reader, spec: Any, *where: Any) -> dict:
    if not isinstance(spec, Mapping):
        r.problem("settlement must be a mapping", *where)
        return {}
    kind = spec.get("kind")
    if kind not in SETTLEMENT_KINDS:
        r.problem(
            "unknown settlement kind",
            *where,
            "kind",
            found=kind,
            expected="one of: " + ", ".join(SETTLEMENT_KINDS),
        )
    for key in ("corridor", "municipality_share_over", "municipality_share_under"):
        v = spec.get(key, 0.0 if key == "corridor" else 1.0)
        if not isinstance(v, (int, float)) or v < 0 or (key != "corridor" and v > 1):
            r.problem(
                f"'{key}' out of range",
                *where,
                key,
                found=v,
                expected=">= 0" if key == "corridor" else "between 0 and 1",
            )
    if kind != "corridor":
        # 'none' and 'full' are fully described by their kind; a corridor or share next to them
        # would contradict it (and variants.Settlement refuses it).
        extra = [
            k
            for k in ("corridor", "municipality_share_over", "municipality_share_under")
            if k in spec
        ]
        if extra:
            r.problem(
                f"settlement kind '{kind}' takes no '{extra[0]}'",
                *where,
                extra[0],
                expected="only kind: none/full, or kind: corridor with corridor and shares",
            )
        return {"kind": kind}
    return {k: v for k, v in spec.items() if k not in ("source", "note")}


def load_region(name_or_path: str | Path) -> Region:
    """Read and validate a region file by id (``'achterhoek'``) or path.

    All problems in the file are reported together, each with its line number.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = region_file(str(name_or_path))
        if not path.is_file():
            raise ParameterError(
                Problem(
                    str(name_or_path),
                    "unknown region",
                    expected="one of: " + ", ".join(available_regions()),
                )
            )
    r = _Reader(path)
    d = r.data
    if not isinstance(d, Mapping):
        raise InputError(Problem(r.shown, "a region file must be a mapping"))
    for key in d:
        if key not in _TOP_KEYS:
            r.problem(f"unknown key '{key}'", key, expected=", ".join(sorted(_TOP_KEYS)))

    municipalities = []
    codes: set[str] = set()
    for i, m in enumerate(d.get("municipalities") or []):
        code = r.need(m, "code", "municipalities", i, kind=str)
        name = r.need(m, "name", "municipalities", i, kind=str)
        if code is None or name is None:
            continue
        if not GM.match(code):
            r.problem(
                "municipality code must look like GM0197", "municipalities", i, "code", found=code
            )
        if code in codes:
            r.problem("municipality listed twice", "municipalities", i, "code", found=code)
        codes.add(code)
        for key in m:
            if key not in ("code", "name", "from", "until", "merged_into"):
                r.problem(
                    f"unknown key '{key}'",
                    "municipalities",
                    i,
                    key,
                    expected="code, name, from, until, merged_into",
                )
        municipalities.append(
            Municipality(
                code,
                name,
                int(m.get("from", FIRST_YEAR)),
                int(m.get("until", LAST_YEAR)),
                m.get("merged_into"),
                line_of(r.lines, "municipalities", i),
            )
        )
    if not municipalities:
        r.problem("no municipalities", "municipalities")
    for i, m in enumerate(municipalities):
        if m.merged_into is not None and m.merged_into not in codes:
            r.problem(
                "merged_into names a municipality that is not in the region",
                "municipalities",
                i,
                "merged_into",
                found=m.merged_into,
            )

    contract = d.get("contract") or {}
    start = _date(contract.get("start"))
    if start is None:
        r.problem(
            "contract start must be a date like 2022-07-01",
            "contract",
            "start",
            found=contract.get("start"),
        )
    terms = contract.get("terms_years") or []
    if not terms or not all(isinstance(t, int) and t > 0 for t in terms):
        r.problem(
            "terms_years must be a list of whole years, e.g. [3, 2, 2]",
            "contract",
            "terms_years",
            found=terms,
        )

    default_settlement = _settlement(
        r, d.get("default_settlement", {"kind": "none"}), "default_settlement"
    )

    historical = d.get("historical_funding", "pq")
    if historical not in FUNDING_VARIANTS:
        r.problem(
            "unknown historical_funding",
            "historical_funding",
            found=historical,
            expected="one of: " + ", ".join(FUNDING_VARIANTS),
        )
    segments = []
    seg_ids: set[str] = set()
    for i, s in enumerate(d.get("segments") or []):
        where = ("segments", i)
        for key in s:
            if key not in _SEGMENT_KEYS:
                r.problem(
                    f"unknown key '{key}'", *where, key, expected=", ".join(sorted(_SEGMENT_KEYS))
                )
        sid = r.need(s, "id", *where, kind=str)
        name = r.need(s, "name", *where, kind=str)
        domain = r.need(s, "domain", *where, kind=str)
        target = r.need(s, "target_population", *where, kind=str)
        procured = s.get("procured")
        if not isinstance(procured, bool):
            r.problem("'procured' must be true or false", *where, "procured", found=procured)
            procured = False
        if domain is not None and domain not in DOMAINS:
            r.problem(
                "unknown domain",
                *where,
                "domain",
                found=domain,
                expected="one of: " + ", ".join(DOMAINS),
            )
        if sid in seg_ids:
            r.problem("segment id listed twice", *where, "id", found=sid)
        seg_ids.add(sid)
        funding = s.get("funding")
        contract_start = _date(s.get("contract_start")) if s.get("contract_start") else None
        if procured:
            if not isinstance(funding, Mapping) or funding.get("variant") not in FUNDING_VARIANTS:
                r.problem(
                    "a procured segment needs a funding variant",
                    *where,
                    "funding",
                    found=(funding or {}).get("variant")
                    if isinstance(funding, Mapping)
                    else funding,
                    expected="one of: " + ", ".join(FUNDING_VARIANTS),
                )
                funding = None
            else:
                funding = dict(funding)
                if "settlement" in funding:
                    funding["settlement"] = _settlement(
                        r, funding["settlement"], *where, "funding", "settlement"
                    )
                elif funding["variant"] in ("lumpsum", "population", "hybrid"):
                    funding["settlement"] = dict(default_settlement)
            if s.get("contract_start") is not None and contract_start is None:
                r.problem(
                    "contract_start must be a date like 2022-07-01",
                    *where,
                    "contract_start",
                    found=s.get("contract_start"),
                )
            contract_start = contract_start or start
        if None in (sid, name, domain, target):
            continue
        segments.append(
            Segment(
                id=sid,
                name=name,
                short=str(s.get("short", name)),
                domain=domain,
                procured=procured,
                target_population=target,
                subsegments=tuple(s.get("subsegments") or ()),
                contract_start=contract_start,
                funding=funding,
                parent=s.get("parent"),
                reason=str(s.get("reason", "")),
                source=str(s.get("source", "")),
                note=str(s.get("note", "")),
                historical_funding=str(s.get("historical_funding", historical)),
            )
        )
    for i, s in enumerate(segments):
        if s.parent is not None and s.parent not in seg_ids:
            r.problem("parent names an unknown segment", "segments", i, "parent", found=s.parent)

    iv3 = d.get("iv3") or {}
    corrections = []
    for i, c in enumerate(iv3.get("booking_corrections") or []):
        years = c.get("years") or []
        bad = [m for m in c.get("municipalities", []) if m not in codes]
        if bad:
            r.problem(
                "booking correction for a municipality outside the region",
                "iv3",
                "booking_corrections",
                i,
                "municipalities",
                found=bad[0],
            )
        if len(years) != 2:
            r.problem("years must be [first, last]", "iv3", "booking_corrections", i, "years")
            continue
        corrections.append(
            BookingCorrection(
                str(c.get("from")),
                str(c.get("to")),
                tuple(c.get("municipalities", [])),
                (int(years[0]), int(years[1])),
                str(c.get("source", "")),
                " ".join(str(c.get("note", "")).split()),
            )
        )
    pooling = []
    for i, p in enumerate(d.get("regional_pooling") or []):
        if p.get("booked_by") not in codes:
            r.problem(
                "booked_by must be a municipality of the region",
                "regional_pooling",
                i,
                "booked_by",
                found=p.get("booked_by"),
            )
        unknown = [s for s in p.get("segments", []) if s not in seg_ids]
        if unknown:
            r.problem(
                "pooling names an unknown segment",
                "regional_pooling",
                i,
                "segments",
                found=unknown[0],
            )
        pooling.append(
            Pooling(
                tuple(p.get("segments", [])),
                str(p.get("booked_by")),
                str(p.get("key")),
                str(p.get("source", "")),
                " ".join(str(p.get("note", "")).split()),
            )
        )

    base = path.parent
    conversion = d.get("conversion")
    conversion_file = (base / conversion).resolve() if conversion else None
    if conversion_file is None or not conversion_file.is_file():
        r.problem("conversion file not found", "conversion", found=conversion)
    parameter_files = []
    for i, p in enumerate(d.get("parameters") or []):
        f = (base / p).resolve()
        if not f.is_file():
            r.problem("parameter file not found", "parameters", i, found=p)
        parameter_files.append(f)

    if r.problems:
        raise InputError(r.problems)
    return Region(
        id=str(d.get("id", path.stem)),
        name=str(d.get("name", path.stem)),
        description=" ".join(str(d.get("description", "")).split()),
        municipalities=tuple(municipalities),
        segments=tuple(segments),
        contract_start=start,
        contract_terms=tuple(terms),
        default_settlement=default_settlement,
        actuals_report=str(iv3.get("actuals", "jaarrekening")),
        budget_report=str(iv3.get("budget", "begroting")),
        first_year=int(iv3.get("first_year", 2017)),
        youth_split_years=tuple((iv3.get("youth_split") or {}).get("reference_years", ())),
        booking_corrections=tuple(corrections),
        pooling=tuple(pooling),
        conversion_file=conversion_file,
        parameter_files=tuple(parameter_files),
        source_file=path.resolve(),
        sources=tuple(d.get("sources") or ()),
    )


def check_against_data(region: Region, population=None, iv3=None) -> None:
    """Every municipality of the region must exist in the data for the years it is valid.

    Codes are checked against CBS population (2019-2026) and Iv3 (2017-2026); a mistyped or
    unknown code is reported with its line in the region file.
    """
    from bekostiging.data.rawdata import load_iv3, load_population

    population = load_population() if population is None else population
    iv3 = load_iv3() if iv3 is None else iv3
    known = set(zip(population["gemeentecode"], population["year"])) | set(
        zip(iv3["gemeentecode"], iv3["year"])
    )
    years = sorted({y for _, y in known if y >= region.first_year})
    problems = []
    for m in region.municipalities:
        valid = [y for y in years if m.exists_in(y)]
        missing = [y for y in valid if (m.code, y) not in known]
        if valid and len(missing) == len(valid):
            problems.append(
                Problem(
                    display_path(region.source_file),
                    f"municipality code {m.code} ({m.name}) does not occur in the "
                    "CBS population or Iv3 data",
                    row=m.line,
                    column="code",
                    found=m.code,
                    expected="a CBS code such as GM0197",
                )
            )
        elif missing:
            problems.append(
                Problem(
                    display_path(region.source_file),
                    f"{m.code} ({m.name}) has no data for "
                    f"{', '.join(map(str, missing[:5]))}; check 'from'/'until' "
                    "(mergers)",
                    row=m.line,
                    column="code",
                    found=m.code,
                )
            )
    if problems:
        raise InputError(problems)
