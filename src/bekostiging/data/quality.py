"""Data quality: do the configured inputs agree with the raw data?

The start of the data-quality step. Configuration (``config``) is checked on its own when it
is read; what can only be checked against the CBS and Iv3 tables is checked here.

>>> from bekostiging.config.region import load_region
>>> check_against_data(load_region("alkmaar"))
>>> sorted(taakveld_scheme(load_region("achterhoek"))[2017])[:3]
['6.1', '6.2', '6.3']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bekostiging.config.conversion import FIRST_SPLIT_YEAR, YOUTH_FIELDS, read_conversion
from bekostiging.config.parameters import Parameters, read_parameter_file
from bekostiging.config.region import Municipality, Region, Segment
from bekostiging.core.errors import InputError, Problem, close_matches, display_path
from bekostiging.core.paths import ASSUMPTIONS_DIR, RAW_DIR
from bekostiging.data.rawdata import FILES, load_iv3, load_population, load_taakvelden

_ABSENT = "komt niet voor"


def _code_problem(region: Region, m: Municipality, known: set, years: list[int]) -> Problem | None:
    """The problem with one municipality's code, if its years are (partly) absent."""
    valid = [y for y in years if m.exists_in(y)]
    missing = [y for y in valid if (m.code, y) not in known]
    shown = display_path(region.source_file)
    if valid and len(missing) == len(valid):
        return Problem(
            shown,
            f"gemeentecode {m.code} ({m.name}) {_ABSENT} in de CBS-bevolking of de Iv3-gegevens",
            row=m.line,
            column="code",
            found=m.code,
            expected="een CBS-code zoals GM0197",
        )
    if missing:
        return Problem(
            shown,
            f"{m.code} ({m.name}) heeft geen gegevens voor "
            f"{', '.join(map(str, missing[:5]))}; controleer 'from'/'until' (fusies)",
            row=m.line,
            column="code",
            found=m.code,
        )
    return None


def _missing_years(problem: Problem) -> str:
    """The years of a "heeft geen gegevens voor ..." problem of :func:`_code_problem`.

    >>> _missing_years(Problem("r.yaml", "GM0197 (Aalten) heeft geen gegevens voor 2019, "
    ...                        "2020; controleer 'from'/'until' (fusies)"))
    '2019, 2020'
    """
    return problem.message.rsplit(" voor ", 1)[-1].split(";")[0]


def check_against_data(
    region: Region, population: pd.DataFrame | None = None, iv3: pd.DataFrame | None = None
) -> None:
    """Every municipality of the region must exist in the data for the years it is valid.

    Codes are checked against CBS population (2019-2026) and Iv3 (2017-2026); a mistyped or
    unknown code is reported with its line in the region file.
    """
    population = load_population() if population is None else population
    iv3 = load_iv3() if iv3 is None else iv3
    known = set(zip(population["gemeentecode"], population["year"])) | set(
        zip(iv3["gemeentecode"], iv3["year"])
    )
    years = sorted({y for _, y in known if y >= region.first_year})
    problems = [_code_problem(region, m, known, years) for m in region.municipalities]
    problems = [p for p in problems if p is not None]
    if problems:
        raise InputError(problems)


def taakveld_scheme(region: Region, taakvelden: pd.DataFrame | None = None) -> dict[int, set[str]]:
    """The Iv3 task fields of every year, as the region's conversion table may use them.

    After the pre-2023 youth split, 6.73 and 6.74 exist in every year (harmonised scheme).
    """
    tv = load_taakvelden() if taakvelden is None else taakvelden
    scheme = tv.groupby("year")["taakveld"].agg(set).to_dict()
    if region.youth_split_years:
        scheme = {
            y: f | set(YOUTH_FIELDS) if y < FIRST_SPLIT_YEAR else f for y, f in scheme.items()
        }
    return scheme


# --- the data-quality step ----------------------------------------------------------------

BLOCKING, WARNING = "blocking", "warning"
THRESHOLDS_FILE = ASSUMPTIONS_DIR / "parameters" / "quality.yaml"
ACCESS_FIELDS = ("6.2",)  # the model's access scope (model.anchor), besides the converted fields


@dataclass(frozen=True)
class Finding:
    """One data-quality finding: where, what was found and what to do (both in Dutch).

    >>> f = Finding(BLOCKING, "outlier", "bedrag is 1.000 keer te groot", "corrigeer",
    ...             code="GM0197", name="Aalten", year=2022, taakveld="6.72")
    >>> f.blocking, f.where()
    (True, 'Aalten (GM0197), 2022, taakveld 6.72')
    """

    severity: str  # BLOCKING or WARNING
    check: str  # 'code', 'raw_code', 'missing_population', 'missing_year', 'zero_spend', ...
    found: str
    action: str
    code: str | None = None
    name: str | None = None
    year: int | None = None
    taakveld: str | None = None
    segment: str | None = None
    report: str | None = None
    file: str | None = None
    line: int | None = None
    value: float | None = None  # outliers: euros per inhabitant
    reference: float | None = None  # outliers: the national 99th percentile

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING

    def where(self) -> str:
        """Municipality, year, report, task field and segment, as far as they apply."""
        parts = []
        if self.code:
            parts.append(f"{self.name} ({self.code})" if self.name else self.code)
        if self.year is not None:
            parts.append(str(self.year))
        if self.report:
            parts.append(self.report)
        if self.taakveld:
            parts.append(f"taakveld {self.taakveld}")
        if self.segment:
            parts.append(f"segment {self.segment}")
        return ", ".join(parts)

    def as_problem(self) -> Problem:
        """The finding as a :class:`Problem` of the input (for an :class:`InputError`)."""
        return Problem(
            self.file or "data/raw (Iv3)",
            f"{self.where()}: {self.found}; {self.action}" if self.where() else self.found,
            row=self.line,
            column="code" if self.check == "code" else None,
        )


def quality_thresholds(path: str | Path = THRESHOLDS_FILE) -> dict[str, float]:
    """The outlier thresholds (``data/assumptions/parameters/quality.yaml``), by short name.

    >>> quality_thresholds()["blocking_factor"]
    10.0
    """
    params = read_parameter_file(path)
    return {n.rsplit(".", 1)[1]: float(p.value) for n, p in params.items()}


def region_rows(region: Region, iv3: pd.DataFrame, report: str) -> pd.DataFrame:
    """Iv3 rows of the region's municipalities in the years each existed (from first_year)."""
    rows = iv3[(iv3["report"] == report) & (iv3["year"] >= region.first_year)]
    keep = np.zeros(len(rows), dtype=bool)
    for m in region.municipalities:
        keep |= (
            (rows["gemeentecode"] == m.code) & rows["year"].between(m.valid_from, m.valid_until)
        ).to_numpy()
    return rows[keep]


def code_findings(region: Region, population: pd.DataFrame, iv3: pd.DataFrame) -> list[Finding]:
    """Unknown or mistyped codes (blocking), and a code whose name in the data is another one.

    A code that exists but belongs to another municipality (a typo that hits a real code) is
    caught by its name: blocking when the region file's name is not even close to the data's.
    """
    known = set(zip(population["gemeentecode"], population["year"])) | set(
        zip(iv3["gemeentecode"], iv3["year"])
    )
    years = sorted({y for _, y in known if y >= region.first_year})
    shown = display_path(region.source_file)
    names = (
        pd.concat([population[["gemeentecode", "gemeente"]], iv3[["gemeentecode", "gemeente"]]])
        .drop_duplicates()
        .groupby("gemeentecode")["gemeente"]
        .agg(set)
    )
    out = []
    for m in region.municipalities:
        where = {"code": m.code, "name": m.name, "file": shown, "line": m.line}
        problem = _code_problem(region, m, known, years)
        if problem is not None and _ABSENT in problem.message:
            hint = [c for c, n in names.items() if _simple(m.name) in {_simple(x) for x in n}]
            out.append(
                Finding(
                    BLOCKING,
                    "code",
                    f"gemeentecode {m.code} komt niet voor in de CBS-bevolking of Iv3",
                    "controleer de code in het regiobestand (CBS-code zoals GM0197)"
                    + (
                        f"; {m.name} heeft in de CBS-gegevens code {' of '.join(hint)}"
                        if hint
                        else ""
                    ),
                    **where,
                )
            )
            continue
        if problem is not None:
            out.append(
                Finding(
                    BLOCKING,
                    "code",
                    f"{m.code} heeft geen gegevens voor {_missing_years(problem)}",
                    "controleer 'from'/'until' (fusies) in het regiobestand",
                    **where,
                )
            )
            continue
        data_names = names.get(m.code, set())
        if data_names and not _name_matches(m.name, data_names):
            out.append(
                Finding(
                    BLOCKING,
                    "code",
                    f"code {m.code} hoort in de CBS-gegevens bij "
                    f"{' / '.join(sorted(data_names))}, niet bij {m.name}",
                    "controleer of de code verkeerd getypt is",
                    **where,
                )
            )
    return out


POPULATION_YEARS = range(2019, 2027)
"""The years every municipality must have a population row for (CBS 03759ned, 1 January)."""


def _first_rows(frame: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """One row per (code, year) of the rows flagged ``bad``: its file line, name and count."""
    index = frame.index[bad]
    lines = index + 2 if pd.api.types.is_integer_dtype(index) else np.full(len(index), -1)
    rows = frame[bad].assign(line=lines)
    return (
        rows.groupby(["gemeentecode", "year"], sort=True)
        .agg(gemeente=("gemeente", "first"), line=("line", "min"), n=("line", "size"))
        .reset_index()
    )


def _unknown_rows(frame: pd.DataFrame, names: Mapping, by_year: bool) -> np.ndarray:
    """Rows whose code (per year when ``by_year``) is not in ``names`` or names another place.

    ``names`` maps a code (or a (code, year) pair) to the simplified names it has in the
    other table; a row is flagged when it is absent or its own name is not among them.
    """
    keys = ["gemeentecode", "year", "gemeente"] if by_year else ["gemeentecode", "gemeente"]
    combos = frame[keys].drop_duplicates()
    flagged = [
        key
        for key in combos.itertuples(index=False, name=None)
        if _simple(str(key[-1])) not in names.get(key[:-1] if by_year else key[0], ())
    ]
    if not flagged:
        return np.zeros(len(frame), dtype=bool)
    return pd.MultiIndex.from_frame(frame[keys]).isin(flagged)


def raw_code_findings(region: Region, population: pd.DataFrame, iv3: pd.DataFrame) -> list[Finding]:
    """Codes in the raw tables that are no CBS municipality code of their year, or that belong
    to another municipality than the name on the row (a typo that hits a real code).

    An Iv3 row in a year of the CBS population table is checked against that year's
    population (code and name); a population row against the codes and names of Iv3. Such a
    row would otherwise be dropped or credited to another municipality without a word.
    Blocking when the row's name or code is one of the region's municipalities, a warning
    otherwise. Rows are file lines (the frames' index is the data row number, as the loaders
    return them).

    >>> from bekostiging.config.region import load_region
    >>> raw_code_findings(load_region("achterhoek"), load_population(), load_iv3())
    []
    """
    region_names = {_simple(m.name): m for m in region.municipalities}
    region_codes = {m.code: m for m in region.municipalities}
    per_year: dict = {}
    for code, year, name in population[["gemeentecode", "year", "gemeente"]].itertuples(
        index=False, name=None
    ):
        per_year.setdefault((code, year), set()).add(_simple(str(name)))
    per_code: dict = {}
    for code, name in (
        iv3[["gemeentecode", "gemeente"]].drop_duplicates().itertuples(index=False, name=None)
    ):
        per_code.setdefault(code, set()).add(_simple(str(name)))
    # A (code, year) the population lacks while it has that code and name in other years is a
    # gap in the population table (missing_population_findings), not a wrong code in Iv3.
    ever: dict = {}
    for (code, _year), simple in per_year.items():
        ever.setdefault(code, set()).update(simple)
    for code, year, name in (
        iv3[["gemeentecode", "year", "gemeente"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    ):
        if (code, year) not in per_year and _simple(str(name)) in ever.get(code, ()):
            per_year[(code, year)] = ever[code]
    in_years = iv3["year"].isin(population["year"].unique()).to_numpy()
    out = []
    for frame, bad, name, other, names in (
        (iv3, in_years & _unknown_rows(iv3, per_year, True), "iv3", "de CBS-bevolking", per_year),
        (population, _unknown_rows(population, per_code, False), "population", "Iv3", per_code),
    ):
        if not bad.any():
            continue
        shown = display_path(RAW_DIR / FILES[name])
        for r in _first_rows(frame, bad).itertuples(index=False):
            m = region_names.get(_simple(str(r.gemeente))) or region_codes.get(r.gemeentecode)
            line = int(r.line) if r.line > 0 else None
            rows = f"{r.n} regels" if r.n > 1 else "1 regel"
            source = f"{other} van {r.year}" if name == "iv3" else other
            known = names.get((r.gemeentecode, r.year) if name == "iv3" else r.gemeentecode)
            what = "hoort daar bij een andere gemeente" if known else "komt daar niet voor"
            out.append(
                Finding(
                    BLOCKING if m is not None else WARNING,
                    "raw_code",
                    f"kolom gemeentecode: {r.gemeentecode} is geen CBS-code van {r.gemeente} "
                    f"in {r.year}; de code {what} (vergeleken met {source}; {rows})",
                    (f"{m.name} heeft code {m.code}; " if m is not None else "")
                    + "deze regels tellen anders verkeerd of niet mee; herstel het bestand met "
                    f"'git checkout -- {shown}'",
                    code=str(r.gemeentecode),
                    name=str(r.gemeente),
                    year=int(r.year),
                    file=shown,
                    line=line,
                )
            )
    return out


def missing_population_findings(region: Region, population: pd.DataFrame) -> list[Finding]:
    """A region municipality without a population row in a year of 2019-2026 (blocking).

    >>> from bekostiging.config.region import load_region
    >>> pop = load_population()
    >>> gone = pop[(pop["gemeentecode"] == "GM0197") & (pop["year"] == 2024)].index
    >>> [(f.code, f.year, f.blocking) for f in
    ...  missing_population_findings(load_region("achterhoek"), pop.drop(gone))]
    [('GM0197', 2024, True)]
    """
    have = set(zip(population["gemeentecode"], population["year"]))
    shown = display_path(RAW_DIR / FILES["population"])
    return [
        Finding(
            BLOCKING,
            "missing_population",
            f"geen bevolking op 1 januari {year} in {shown}",
            f"het bestand is onvolledig of bewerkt; herstel het met 'git checkout -- {shown}'",
            code=m.code,
            name=m.name,
            year=year,
            file=shown,
        )
        for m in region.municipalities
        for year in POPULATION_YEARS
        if m.exists_in(year) and (m.code, year) not in have
    ]


def _simple(name: str) -> str:
    """A name without case, punctuation, spaces and a province suffix in parentheses.

    >>> _simple("Bergen (NH.)"), _simple("'s-Gravenhage (gemeente)")
    ('bergen', 'sgravenhage')
    """
    name = re.sub(r"\(.*?\)", "", name.lower())
    return re.sub(r"[^a-z]", "", name)


def _name_matches(name: str, data_names: set[str]) -> bool:
    """True when the region file's name is (close to) one of the names in the data."""
    simple = {_simple(n) for n in data_names}
    return _simple(name) in simple or bool(close_matches(_simple(name), simple))


def missing_year_findings(region: Region, iv3: pd.DataFrame) -> list[Finding]:
    """Municipality x year without any Iv3 rows of a report the model uses (warning).

    The years are those of the report in the data (any municipality) from the region's first
    year; a municipality is expected only in the years it existed.
    """
    out = []
    for report in (region.actuals_report, region.budget_report):
        rows = iv3[(iv3["report"] == report) & (iv3["year"] >= region.first_year)]
        have = set(zip(rows["gemeentecode"], rows["year"]))
        for year in sorted(rows["year"].unique()):
            for m in region.municipalities:
                if m.exists_in(int(year)) and (m.code, year) not in have:
                    actuals = report == region.actuals_report
                    out.append(
                        Finding(
                            WARNING,
                            "missing_year",
                            f"geen Iv3-{report} over {year} (niet aangeleverd bij CBS)",
                            "het jaar wordt als ontbrekend getoond en niet vergeleken in de "
                            "terugblik; vraag de gemeente om de cijfers uit de eigen "
                            + ("jaarrekening" if actuals else "begroting"),
                            code=m.code,
                            name=m.name,
                            year=int(year),
                            report=report,
                        )
                    )
    return out


def _segment_spend(region: Region, rows: pd.DataFrame, conversion: pd.DataFrame) -> pd.DataFrame:
    """Spend per municipality, year, task field and segment by the conversion shares (keur)."""
    out = []
    for (code, year), grp in rows.groupby(["gemeentecode", "year"]):
        conv = conversion[(conversion["year_from"] <= year) & (conversion["year_to"] >= year)]
        specific = conv[conv["gemeentecode"] == code]
        general = conv[(conv["gemeentecode"] == "") & ~conv["taakveld"].isin(specific["taakveld"])]
        rules = pd.concat([specific, general])[["taakveld", "segment", "share"]]
        out.append(grp.merge(rules, on="taakveld"))
    if not out:
        return pd.DataFrame(columns=["gemeentecode", "year", "taakveld", "segment", "amount"])
    res = pd.concat(out, ignore_index=True)
    res["amount"] = res["spending_keur"] * res["share"]
    return res[["gemeentecode", "year", "taakveld", "segment", "amount", "spending_keur"]]


def pooled_by(region: Region) -> dict[str, set[str]]:
    """Per pooled segment, the centrumgemeente(n) that book it for the region.

    >>> from bekostiging.config.region import load_region
    >>> pooled_by(load_region("alkmaar"))
    {'wmo_wonen': {'GM0361'}, 'opvang': {'GM0361'}}
    """
    out: dict[str, set[str]] = {}
    for pool in region.pooling:
        booked = pool.booked_by
        codes = {booked} if isinstance(booked, str) else set(booked)
        for seg in pool.segments:
            out.setdefault(seg, set()).update(codes)
    return out


def zero_spend_findings(
    region: Region,
    iv3: pd.DataFrame,
    conversion: pd.DataFrame | None = None,
    years: Iterable[int] | None = None,
) -> list[Finding]:
    """A procured segment with zero converted spend for a municipality in a reference year.

    Warning, naming the task fields of the same domain the municipality did book on (e.g. all
    youth care on 6.72, nothing on 6.73/6.74). A pooled segment is judged only for the
    municipality that books it for the region (the centrumgemeente). The reference years are the region's youth-split
    years (its most recent actuals), else the last two years of actuals. A booking correction
    into one of the segment's task fields may fill it, so such cases are not reported.
    """
    conversion = read_conversion(region) if conversion is None else conversion
    rows = region_rows(region, iv3, region.actuals_report)
    if years is None:
        years = region.youth_split_years or sorted(rows["year"].unique())[-2:]
    rows = rows[rows["year"].isin(list(years))]
    spend = _segment_spend(region, rows, conversion)
    domain = {s.id: s.domain for s in region.segments}
    spend["domain"] = spend["segment"].map(domain)
    corrected = {
        (code, c.target_field, y)
        for c in region.booking_corrections
        for code in c.municipalities
        for y in range(c.years[0], c.years[1] + 1)
    }
    pooled = pooled_by(region)
    procured = set(region.segment_ids(procured_only=True))
    out = []
    for seg in region.procured_segments():
        mine = spend[spend["segment"] == seg.id]
        for (code, year), grp in mine.groupby(["gemeentecode", "year"]):
            fields = sorted(set(grp["taakveld"]))
            total = float(grp["amount"].sum())
            if total > 0.0 or any((code, f, year) in corrected for f in fields):
                continue
            if seg.id in pooled and code not in pooled[seg.id]:
                continue  # a centrumgemeente books it for the whole region
            same = spend[
                (spend["gemeentecode"] == code)
                & (spend["year"] == year)
                & (spend["domain"] == seg.domain)
                & spend["segment"].isin(procured)
                & ~spend["taakveld"].isin(fields)
                & (spend["spending_keur"] != 0)
            ]
            instead = sorted(set(same["taakveld"]))
            booked = (
                f"; de gemeente boekte dit domein op {', '.join(instead)}"
                if instead
                else "; ook op de andere taakvelden van dit domein staat niets"
            )
            what = (
                f"uitgaven 0 in ingekocht segment {seg.name} (taakveld "
                f"{', '.join(fields)} {'is' if len(fields) == 1 else 'zijn'} 0){booked}"
                if total == 0.0
                else f"negatieve uitgaven ({_dutch(total)} duizend euro) in ingekocht "
                f"segment {seg.name} (taakveld {', '.join(fields)}): een correctieboeking? Het "
                "startbudget rekent de cliënten met de kosten per cliënt van de regio"
            )
            out.append(
                Finding(
                    WARNING,
                    "zero_spend",
                    what,
                    "controleer bij de gemeente waar deze zorg geboekt is; voeg zo nodig een "
                    "boekingscorrectie (iv3.booking_corrections) of een gemeentespecifieke regel "
                    "in de conversietabel toe",
                    code=code,
                    name=region.name_of(code),
                    year=int(year),
                    taakveld=", ".join(fields),
                    segment=seg.id,
                    report=region.actuals_report,
                )
            )
    return out


def _dutch(x: float, decimals: int = 0) -> str:
    """A number in Dutch notation (the data layer cannot use ``report.formatting``).

    >>> _dutch(255123.4), _dutch(-1406.2), _dutch(6.04, 1)
    ('255.123', '-1.406', '6,0')
    """
    return f"{x:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def outlier_findings(
    region: Region,
    iv3: pd.DataFrame,
    conversion: pd.DataFrame | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> list[Finding]:
    """Euros per inhabitant of a task field far above all municipalities' 99th percentile.

    Per task field, report and year the national 99th percentile of euros per inhabitant is
    the yardstick (all municipalities in the data); a region's figure above
    ``blocking_factor`` times it (and above ``floor_per_inhabitant``) is blocking, probably
    entered in euros instead of thousands; above ``warning_factor`` times it a warning. Only
    task fields the model uses (the conversion table's and 6.2, access) are judged; a large
    negative amount is judged by its size.
    """
    t = quality_thresholds() if thresholds is None else thresholds
    conversion = read_conversion(region) if conversion is None else conversion
    fields = set(conversion["taakveld"]) | set(ACCESS_FIELDS)
    data = iv3[(iv3["year"] >= region.first_year) & iv3["taakveld"].isin(fields)]
    data = data[data["inhabitants"] > 0]
    per_inh = data["spending_keur"] * 1000.0 / data["inhabitants"]
    p99 = per_inh.abs().groupby([data["report"], data["year"], data["taakveld"]]).quantile(0.99)
    keys = list(zip(data["report"], data["year"], data["taakveld"]))
    ref = pd.Series(p99.reindex(keys).to_numpy(), index=data.index)
    ratio = per_inh.abs() / ref
    ours = data.index.isin(
        pd.concat(
            [region_rows(region, iv3, r) for r in (region.actuals_report, region.budget_report)]
        ).index
    )
    flagged = ours & (per_inh.abs() > t["floor_per_inhabitant"]) & (ratio > t["warning_factor"])
    out = []
    for i in data.index[flagged]:
        r = data.loc[i]
        blocking = bool(ratio[i] > t["blocking_factor"])
        value = float(per_inh[i])
        found = (
            f"€ {_dutch(value)} per inwoner, {_dutch(ratio[i], 1)} keer het 99e percentiel van "
            f"alle gemeenten in dat jaar (€ {_dutch(ref[i])})"
        )
        action = (
            "in euro's in plaats van duizenden? Corrigeer het bedrag in de brondata (Iv3 is in "
            "duizenden euro's) of laat de gemeente eigen cijfers opgeven"
            if blocking
            else "controleer het bedrag in de eigen jaarrekening/begroting van de gemeente"
        )
        out.append(
            Finding(
                BLOCKING if blocking else WARNING,
                "outlier",
                found,
                action,
                code=r["gemeentecode"],
                name=region.name_of(r["gemeentecode"]),
                year=int(r["year"]),
                taakveld=r["taakveld"],
                report=r["report"],
                value=value,
                reference=float(ref[i]),
            )
        )
    return out


def required_parameters(segment: Segment) -> list[str]:
    """Assumption names the model needs for a procured segment.

    ``prevalence.<segment>`` sets the expected clients (``model.baseline.add_clients``: without
    it the clients and the cost per client are empty) and ``age_groups.<target group>`` the
    population it applies to (``model.population``). A cost per client has a national
    default (``behaviour.money.cost_per_client``), so it is not required.

    >>> from bekostiging.config.region import load_region
    >>> required_parameters(load_region("achterhoek").segment("iaj"))
    ['prevalence.iaj', 'age_groups.jeugd_0_17.bands']
    """
    return [f"prevalence.{segment.id}", f"age_groups.{segment.target_population}.bands"]


def parameter_findings(region: Region, params: Parameters | None = None) -> list[Finding]:
    """Procured segments without the assumptions the model needs (blocking)."""
    params = region.parameters if params is None else params
    out = []
    for seg in region.procured_segments():
        missing = [n for n in required_parameters(seg) if n not in params]
        if missing:
            out.append(
                Finding(
                    BLOCKING,
                    "parameters",
                    f"ingekocht segment {seg.name} mist de aanname(s) {', '.join(missing)}",
                    "voeg ze toe aan een parameterbestand van de regio (met unit, source en "
                    "note; 'source: estimate' als het een schatting is)",
                    segment=seg.id,
                    file=", ".join(display_path(p) for p in region.parameter_files),
                )
            )
    return out


def data_quality(
    region: Region,
    iv3: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    params: Parameters | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> list[Finding]:
    """All data-quality findings of a region, blocking ones first.

    Checks: region codes against the data, missing years, zero spend in a procured segment,
    euros per inhabitant against all municipalities, assumptions of procured segments. A
    region with an unknown code is not checked further (its other findings would follow from
    the wrong code).

    >>> from bekostiging.config.region import load_region
    >>> [f for f in data_quality(load_region("achterhoek")) if f.blocking]
    []
    """
    iv3 = load_iv3() if iv3 is None else iv3
    population = load_population() if population is None else population
    findings = code_findings(region, population, iv3)
    findings += raw_code_findings(region, population, iv3)
    wrong = {f.code for f in findings if f.check == "code"}  # already named, by its line
    findings += [f for f in missing_population_findings(region, population) if f.code not in wrong]
    if not any(f.blocking for f in findings):
        conversion = read_conversion(region)
        findings += [
            *parameter_findings(region, params),
            *outlier_findings(region, iv3, conversion, thresholds),
            *missing_year_findings(region, iv3),
            *zero_spend_findings(region, iv3, conversion),
        ]
    return sorted(findings, key=lambda f: not f.blocking)


def blocking_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]


def check_before_run(
    region: Region,
    iv3: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    params: Parameters | None = None,
) -> list[Finding]:
    """The data-quality step before a run: raise on blocking findings, return the warnings.

    Raises an :class:`InputError` naming the municipality, year, task field and what to do of
    every blocking finding; the batch, the analysis and the commands call this first.

    >>> from bekostiging.config.region import load_region
    >>> sorted({f.check for f in check_before_run(load_region("alkmaar"))})
    ['missing_year']
    """
    findings = data_quality(region, iv3, population, params)
    blocking = blocking_findings(findings)
    if blocking:
        raise InputError([f.as_problem() for f in blocking])
    return findings
