"""The submission template: the "vast format" with which a municipality supplies its own figures.

Seed 003 (section 3.3, step 5 of the start-budget method): every municipality received a fixed
format in which it reports how many inhabitants use each procured segment and which change in
that use it expects from regional or local policy (a POH Jeugd, a broader social base). This
module writes that format as an Excel workbook per municipality, pre-filled with the public
figures and our estimates, and reads a filled workbook back with a check of every cell.

The workbook (text in Dutch, for policy advisors) has five sheets:

* ``Toelichting``: what the workbook is for and how to fill it in;
* ``Realisatie``: one row per procured segment x year with clients and spend; the advisor
  overwrites numbers and sets ``Eigen cijfer (ja/nee)`` to ``ja`` on the rows that hold the
  municipality's own figures. Only those rows are read; an empty number cell on a ``ja`` row
  keeps our estimate for that number;
* ``Verwachting``: per procured segment the expected yearly change in clients (%) from the
  municipality's own policy, on top of demography; extra rows for one segment add up;
* ``Weerstandsvermogen``: one row (Excel row 2) for the available resistance capacity the
  municipality attributes to the social domain (EUR), the year of that figure and its source
  (its paragraaf weerstandsvermogen); empty means no own figure. It replaces the estimate of
  :func:`bekostiging.model.risk.available_capacity` for that municipality;
* ``_meta`` (hidden): template version, region, municipality and years, to check that a
  workbook belongs to the right municipality and template version.

:func:`read_submission` reports every problem of a workbook at once (one :class:`InputError`),
each with sheet, Excel row, column header, what was found and what was expected. Numbers typed
as text are accepted only in an unambiguous Dutch notation (see :func:`parse_number`).

>>> import tempfile, pathlib
>>> from bekostiging.config.region import load_region
>>> region = load_region("achterhoek")
>>> tiny = pd.DataFrame({"gemeentecode": ["GM0197"], "year": [2024], "segment": ["iaj"],
...     "clients": [514.7], "clients_flag": ["estimated"], "spend": [2428840.4],
...     "spend_flag": ["observed"]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "GM0197.xlsx"
>>> _ = write_template(region, "GM0197", path, baseline=tiny)
>>> sub = read_submission(path, region)
>>> sub.gemeentecode, len(sub.realised), len(sub.expectations), sub.capacity
('GM0197', 0, 0, None)

Template versions: version 2 added the sheet ``Weerstandsvermogen``. Workbooks of version 1
(without it) are still read and have no own capacity figure; from version 2 on the sheet must
be there.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bekostiging.config.region import Region, load_region
from bekostiging.core.atomic import atomic_path
from bekostiging.core.errors import InputError, ParameterError, Problem, display_path
from bekostiging.core.paths import submissions_dir

TEMPLATE_VERSION = "2"
SUPPORTED_VERSIONS = frozenset({"1", "2"})
VERSIONS_WITHOUT_CAPACITY = frozenset({"1"})  # before the sheet 'Weerstandsvermogen'

SHEET_INFO = "Toelichting"
SHEET_REALISED = "Realisatie"
SHEET_EXPECTED = "Verwachting"
SHEET_CAPACITY = "Weerstandsvermogen"
SHEET_META = "_meta"
REQUIRED_SHEETS = (SHEET_REALISED, SHEET_EXPECTED, SHEET_META)

COL_CODE = "Segmentcode"
COL_NAME = "Segment"
COL_YEAR = "Jaar"
COL_CLIENTS = "Cliënten"
COL_SPEND = "Uitgaven (€)"
COL_ORIGIN = "Herkomst"
COL_OWN = "Eigen cijfer (ja/nee)"
COL_NOTE = "Toelichting"
REALISED_HEADERS = (
    COL_CODE,
    COL_NAME,
    COL_YEAR,
    COL_CLIENTS,
    COL_SPEND,
    COL_ORIGIN,
    COL_OWN,
    COL_NOTE,
)
COL_CHANGE = "Verwachte ontwikkeling cliënten per jaar (%)"
COL_FROM = "Vanaf jaar"
COL_REASON = "Maatregel of reden"
EXPECTED_HEADERS = (COL_CODE, COL_NAME, COL_CHANGE, COL_FROM, COL_REASON)
COL_CAPACITY = "Weerstandscapaciteit sociaal domein (€)"
COL_CAPACITY_YEAR = "Jaar van het cijfer"
COL_SOURCE = "Bron"
CAPACITY_HEADERS = (COL_CAPACITY, COL_CAPACITY_YEAR, COL_SOURCE)
CAPACITY_ROW = 2  # the one row of 'Weerstandsvermogen' that is read
META_KEYS = ("template_version", "region", "gemeentecode", "gemeente", "generated", "years")

REALISED_COLUMNS = ["gemeentecode", "segment", "year", "clients", "spend", "note", "file", "row"]
"""``file`` and ``row``: where in the workbook the figure stands (for messages)."""
EXPECTATION_COLUMNS = ["gemeentecode", "segment", "from_year", "annual_change", "reason"]
CAPACITY_COLUMNS = ["gemeentecode", "available", "year", "source", "file"]
_DTYPES = {
    "gemeentecode": object,
    "segment": object,
    "year": "int64",
    "clients": "float64",
    "spend": "float64",
    "note": object,
    "file": object,
    "row": "int64",
    "from_year": "int64",
    "annual_change": "float64",
    "reason": object,
}

DEFAULT_YEARS = 4
MAX_CLIENTS = 1_000_000
MAX_SPEND = 1e10
MAX_CAPACITY = MAX_SPEND  # EUR; the largest municipality's whole reserves are far below this
MAX_CHANGE_PCT = 50.0
FROM_YEARS = (2015, 2040)
EXTRA_EXPECTATION_ROWS = 20
OTHER_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".ods", ".csv")

ORIGIN_LABELS = {
    "observed": "publiek (Iv3)",
    "estimated": "schatting",
    "submitted": "eigen cijfer gemeente",
}
YES, NO = "ja", "nee"
EURO_FORMAT = '"€ "#,##0'
CLIENTS_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
_EDIT_FILL = PatternFill("solid", fgColor="FFF9DB")
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class OwnCapacity:
    """The available resistance capacity a municipality attributes to the social domain.

    ``available`` in EUR (>= 0), ``year`` of the figure, ``source`` as the municipality wrote
    it (e.g. "paragraaf weerstandsvermogen, jaarrekening 2025").
    """

    available: float
    year: int
    source: str


@dataclass(frozen=True, eq=False)
class Submission:
    """A municipality's filled workbook, checked.

    ``realised`` holds only the rows marked ``ja`` (columns :data:`REALISED_COLUMNS`; an empty
    number is NaN and keeps the estimate). ``expectations`` holds the rows with a non-zero
    expected change (columns :data:`EXPECTATION_COLUMNS`; ``annual_change`` is a fraction,
    -0.02 for -2 % a year). ``capacity`` is the own figure of the sheet 'Weerstandsvermogen',
    or None when it is empty or the workbook predates it (template version 1).
    """

    gemeentecode: str
    realised: pd.DataFrame
    expectations: pd.DataFrame
    file: Path
    capacity: OwnCapacity | None = None


# --- small helpers --------------------------------------------------------------------------


def _as_region(region: Region | str) -> Region:
    return region if isinstance(region, Region) else load_region(region)


def _frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=columns)
    return frame.astype({c: _DTYPES[c] for c in columns})


def empty_realised() -> pd.DataFrame:
    """An empty table of realised figures with the right columns and types."""
    return _frame([], REALISED_COLUMNS)


def empty_expectations() -> pd.DataFrame:
    """An empty table of expectations with the right columns and types."""
    return _frame([], EXPECTATION_COLUMNS)


def capacity_frame(submissions: Iterable[Submission]) -> pd.DataFrame:
    """The own capacity figures of some submissions, one row per municipality that gave one.

    Columns :data:`CAPACITY_COLUMNS`: ``available`` (EUR), ``year``, ``source`` and ``file``
    (the workbook's name), as :func:`bekostiging.model.risk.available_capacity` takes them.

    >>> capacity_frame([]).columns.tolist()
    ['gemeentecode', 'available', 'year', 'source', 'file']
    """
    rows = [
        (s.gemeentecode, s.capacity.available, s.capacity.year, s.capacity.source, s.file.name)
        for s in submissions
        if s.capacity is not None
    ]
    frame = pd.DataFrame(rows, columns=CAPACITY_COLUMNS)
    return frame.astype({"available": "float64", "year": "int64"})


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


_PLAIN = re.compile(r"^\d+$")
_COMMA_DECIMAL = re.compile(r"^\d+,(\d+)$")
_DOT_GROUPS = re.compile(r"^\d{1,3}((?:\.\d{3})+)(,\d+)?$")


def parse_number(text: str) -> float | None:
    """A number typed as text, in Dutch notation; ``None`` when it is not one without doubt.

    Accepted: digits (``1234``), a decimal comma (``1234,5``), dots between groups of three
    digits with or without a decimal comma (``1.234,50``, ``1.234.567``), a leading sign,
    ``€`` or a trailing ``%`` (the number is returned as typed). Refused as ambiguous: a single
    dot group without decimals (``1.234``: Dutch 1234 or English 1.234?), a comma followed by
    exactly three digits (``1,234``), and English notation (``1234.5``, ``1,234.50``).

    >>> parse_number("1.234,50"), parse_number("-2,5 %"), parse_number("€ 1.234.567")
    (1234.5, -2.5, 1234567.0)
    >>> [parse_number(t) for t in ("1.234", "1,234", "1234.5", "ca. 500", "")]
    [None, None, None, None, None]
    """
    s = unicodedata.normalize("NFKC", text).strip()
    s = s.removeprefix("€").removesuffix("%").strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:].strip()
    if _PLAIN.match(s):
        return sign * float(s)
    m = _COMMA_DECIMAL.match(s)
    if m:
        return None if len(m.group(1)) == 3 else sign * float(s.replace(",", "."))
    m = _DOT_GROUPS.match(s)
    if m and (m.group(2) or m.group(1).count(".") > 1):
        return sign * float(s.replace(".", "").replace(",", "."))
    return None


def _clean(value: Any) -> Any:
    """A cell value with text trimmed; an empty text is ``None``."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        return value or None
    return value


# --- writing --------------------------------------------------------------------------------


def _style_header(ws: Worksheet, headers: Iterable[str], widths: Iterable[float]) -> None:
    for col, (header, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.protection = _LOCKED
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _protect(ws: Worksheet) -> None:
    """Sheet protection without a password: locked cells stay, unlocking stays possible."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # allow widening columns
    ws.protection.formatRows = False


def _validation(
    ws: Worksheet, rng: str, kind: str, title: str, error: str, prompt: str, **kwargs: Any
) -> None:
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, **kwargs)
    dv.errorTitle, dv.error = title, error
    dv.promptTitle, dv.prompt = title, prompt
    dv.showInputMessage = True
    ws.add_data_validation(dv)
    dv.add(rng)


def _origin(spend_flag: Any, clients_flag: Any) -> str:
    def label(flag: Any) -> str:
        return ORIGIN_LABELS.get(flag, "geen cijfer") if not _is_missing(flag) else "geen cijfer"

    return f"cliënten: {label(clients_flag)}; uitgaven: {label(spend_flag)}"


def _info_sheet(ws: Worksheet, region: Region, code: str, name: str, years: list[int]) -> None:
    today = dt.date.today().isoformat()
    segments = region.procured_segments()
    example = segments[0].id if segments else "iaj"
    lines: list[tuple[str, str]] = [
        (f"Eigen cijfers voor het startbudget – {name} ({code})", "title"),
        (f"Regio: {region.name} ({region.id})   Gemeente: {name} ({code})", ""),
        (
            f"Gemaakt op: {today}   Versie format: {TEMPLATE_VERSION}   "
            f"Jaren: {years[0]}–{years[-1]}",
            "",
        ),
        ("", ""),
        ("Waarvoor is dit bestand?", "head"),
        (
            "Voor het startbudget van de regionale inkoop (stap 5 van de startbudgetmethode) "
            "brengt iedere gemeente in beeld hoeveel inwoners gebruikmaken van elk ingekocht "
            "segment, en welke ontwikkeling zij verwacht door regionaal of lokaal beleid, zoals "
            "de inzet van een POH Jeugd of een sterkere sociale basis. Dit bestand is het vaste "
            "format daarvoor. Het is vooraf ingevuld met openbare cijfers (Iv3) en onze "
            "schattingen. Heeft u betere cijfers, vervang dan onze schatting door uw eigen cijfer.",
            "",
        ),
        ("", ""),
        ("Zo vult u het in", "head"),
        (
            "1. Tabblad 'Realisatie': per segment en jaar staan het aantal cliënten en de "
            "uitgaven. Wijkt uw eigen administratie af, typ dan uw cijfer in 'Cliënten' en/of "
            "'Uitgaven (€)' en zet 'Eigen cijfer (ja/nee)' op 'ja'. Noem in 'Toelichting' kort "
            "de bron (bijvoorbeeld: eigen registratie, stand 31-12).",
            "",
        ),
        (
            "2. Alleen rijen met 'ja' worden gebruikt. Laat u op een 'ja'-rij één van de twee "
            "getallen leeg, dan blijft voor dat getal onze schatting staan.",
            "",
        ),
        (
            "3. Tabblad 'Verwachting': vul per segment in hoeveel procent het aantal cliënten "
            "per jaar verandert door uw eigen beleid, bovenop de demografische ontwikkeling. "
            "-2 betekent 2 % minder cliënten per jaar. Vul ook 'Vanaf jaar' en de maatregel of "
            "reden in. Meer maatregelen voor één segment? Gebruik de lege rijen onderaan met "
            f"dezelfde segmentcode (bijvoorbeeld '{example}'); de effecten tellen op.",
            "",
        ),
        (
            "4. Tabblad 'Weerstandsvermogen' (niet verplicht): vul in rij 2 de beschikbare "
            "weerstandscapaciteit in die uw gemeente toerekent aan het sociaal domein (Jeugd en "
            "Wmo), in euro's, met het jaar van het cijfer en de bron, bijvoorbeeld 'paragraaf "
            "weerstandsvermogen, jaarrekening 2025'. Dit bedrag vervangt onze schatting (een "
            "aandeel van het eigen vermogen op de Iv3-balans) in de vergelijking "
            "van beschikbare met benodigde weerstandscapaciteit. Laat u de rij leeg, dan blijft "
            "onze schatting staan. Vult u een bedrag in, vul dan ook het jaar en de bron in.",
            "",
        ),
        (
            f"5. Sla het bestand op als Excel-werkmap (.xlsx) met de naam {code}.xlsx en stuur "
            "het terug.",
            "",
        ),
        ("", ""),
        ("Wat mag u wijzigen?", "head"),
        (
            "Alleen de lichtgele cellen: Cliënten, Uitgaven (€), Eigen cijfer en Toelichting; in "
            "'Verwachting' het percentage, Vanaf jaar, Maatregel of reden en de lege rijen "
            "onderaan; in 'Weerstandsvermogen' rij 2. De grijze cellen (Segmentcode, Segment, "
            "Jaar, Herkomst) niet wijzigen.",
            "",
        ),
        (
            "Geen tabbladen hernoemen, geen kolommen verplaatsen of verwijderen en geen cellen "
            "samenvoegen: dan kan het bestand niet worden ingelezen. De bladen zijn beveiligd "
            "zonder wachtwoord (Controleren > Beveiliging blad opheffen) als u toch iets moet "
            "aanpassen.",
            "",
        ),
        (
            "Typ getallen als getal, zonder 'ca.' of tekst: cliënten als heel aantal, uitgaven "
            "en weerstandscapaciteit in euro's. Percentages tussen -50 en +50. Een formule mag, "
            "als het bestand daarna in Excel is opgeslagen (dan staat de uitkomst erin).",
            "",
        ),
        ("", ""),
        ("Begrippen", "head"),
        (
            "Eigen cijfer: 'ja' = dit cijfer komt uit uw eigen administratie en vervangt onze "
            "schatting; 'nee' = het vooraf ingevulde cijfer blijft staan.",
            "",
        ),
        (
            "Herkomst: waar het vooraf ingevulde cijfer vandaan komt. 'publiek (Iv3)' = de "
            "uitgaven zoals uw gemeente ze in Iv3 (CBS) heeft verantwoord; 'schatting' = door ons "
            "berekend (cliënten: gebruik per inwoner x aantal inwoners in de leeftijdsgroep; "
            "uitgaven: Iv3-bedragen omgerekend naar de segmenten van de inkoop).",
            "",
        ),
        (
            "Cliënten: het aantal inwoners dat in dat jaar zorg of ondersteuning uit het segment "
            "kreeg (unieke personen). Uitgaven: de gerealiseerde uitgaven in dat jaar "
            "(jaarrekening), in euro's.",
            "",
        ),
        (
            "Weerstandscapaciteit sociaal domein: de middelen waarmee uw gemeente tegenvallers "
            "in Jeugd en Wmo kan opvangen zonder het beleid te wijzigen, zoals de paragraaf "
            "weerstandsvermogen en risicobeheersing ze noemt (algemene reserve, het vrije deel "
            "van bestemmingsreserves zoals een reserve sociaal domein, eventueel onbenutte "
            "belastingcapaciteit). Vul alleen het deel in dat voor Jeugd en Wmo beschikbaar is, "
            "niet de weerstandscapaciteit van de hele gemeente.",
            "",
        ),
        ("", ""),
        ("Segmenten", "head"),
    ]
    lines += [(f"{s.id}  –  {s.name} ({s.domain})", "") for s in segments]
    ws.column_dimensions["A"].width = 110
    for row, (text, style) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True, size=12, color="1F4E79")


def _realised_sheet(ws: Worksheet, region: Region, own: pd.DataFrame, years: list[int]) -> None:
    _style_header(ws, REALISED_HEADERS, (14, 46, 8, 12, 16, 40, 20, 50))
    indexed = own.set_index(["segment", "year"])
    row = 1
    for seg in region.procured_segments():
        for year in years:
            row += 1
            key = (seg.id, year)
            rec = indexed.loc[key] if key in indexed.index else None
            clients = None if rec is None else rec.get("clients")
            spend = None if rec is None else rec.get("spend")
            values = [
                seg.id,
                seg.name,
                year,
                None if _is_missing(clients) else _round_half_up(float(clients)),
                None if _is_missing(spend) else _round_half_up(float(spend)),
                _origin(
                    None if rec is None else rec.get("spend_flag"),
                    None if rec is None else rec.get("clients_flag"),
                ),
                NO,
                None,
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                editable = REALISED_HEADERS[col - 1] in (COL_CLIENTS, COL_SPEND, COL_OWN, COL_NOTE)
                cell.protection = _UNLOCKED if editable else _LOCKED
                cell.fill = _EDIT_FILL if editable else _LOCKED_FILL
            ws.cell(row=row, column=3).number_format = "0"
            ws.cell(row=row, column=4).number_format = CLIENTS_FORMAT
            ws.cell(row=row, column=5).number_format = EURO_FORMAT
    last = max(row, 2)
    _validation(
        ws,
        f"D2:D{last}",
        "whole",
        "Cliënten",
        f"Vul een heel aantal cliënten in (0 tot {MAX_CLIENTS:,}).".replace(",", "."),
        "Aantal cliënten in dit jaar (heel getal).",
        operator="between",
        formula1="0",
        formula2=str(MAX_CLIENTS),
    )
    _validation(
        ws,
        f"E2:E{last}",
        "decimal",
        "Uitgaven",
        "Vul een bedrag in euro's in (0 of meer), zonder tekst.",
        "Gerealiseerde uitgaven in euro's.",
        operator="between",
        formula1="0",
        formula2=str(int(MAX_SPEND)),
    )
    _validation(
        ws,
        f"G2:G{last}",
        "list",
        "Eigen cijfer",
        "Kies 'ja' of 'nee'.",
        "'ja' = deze rij bevat uw eigen cijfer.",
        formula1=f'"{YES},{NO}"',
    )
    _protect(ws)


def _expected_sheet(ws: Worksheet, region: Region, from_year: int) -> None:
    _style_header(ws, EXPECTED_HEADERS, (14, 46, 22, 12, 70))
    segments = region.procured_segments()
    row = 1
    for seg in segments:
        row += 1
        for col, value in enumerate((seg.id, seg.name, 0, from_year, None), start=1):
            cell = ws.cell(row=row, column=col, value=value)
            editable = col >= 3
            cell.protection = _UNLOCKED if editable else _LOCKED
            cell.fill = _EDIT_FILL if editable else _LOCKED_FILL
        ws.cell(row=row, column=3).number_format = PERCENT_FORMAT
    first_extra = row + 1
    for _ in range(EXTRA_EXPECTATION_ROWS):
        row += 1
        for col in range(1, len(EXPECTED_HEADERS) + 1):
            cell = ws.cell(row=row, column=col)
            cell.protection = _UNLOCKED
            cell.fill = _EDIT_FILL
        ws.cell(row=row, column=3).number_format = PERCENT_FORMAT
    codes = ",".join(s.id for s in segments)
    if len(codes) <= 250:  # Excel's limit for an inline list
        _validation(
            ws,
            f"A{first_extra}:A{row}",
            "list",
            "Segmentcode",
            "Kies een segmentcode uit de lijst.",
            "Extra maatregel: kies het segment.",
            formula1=f'"{codes}"',
        )
    _validation(
        ws,
        f"C2:C{row}",
        "decimal",
        "Verwachte ontwikkeling",
        f"Vul een percentage tussen -{MAX_CHANGE_PCT:g} en +{MAX_CHANGE_PCT:g} in.",
        "Verandering van het aantal cliënten per jaar in %, bovenop demografie; -2 = 2 % minder.",
        operator="between",
        formula1=str(-MAX_CHANGE_PCT),
        formula2=str(MAX_CHANGE_PCT),
    )
    _validation(
        ws,
        f"D2:D{row}",
        "whole",
        "Vanaf jaar",
        f"Vul een jaartal tussen {FROM_YEARS[0]} en {FROM_YEARS[1]} in.",
        "Eerste jaar waarin de maatregel effect heeft.",
        operator="between",
        formula1=str(FROM_YEARS[0]),
        formula2=str(FROM_YEARS[1]),
    )
    _protect(ws)


def _capacity_sheet(ws: Worksheet) -> None:
    """One editable row: the own figure of the available capacity, its year and its source."""
    _style_header(ws, CAPACITY_HEADERS, (30, 14, 70))
    for col in range(1, len(CAPACITY_HEADERS) + 1):
        cell = ws.cell(row=CAPACITY_ROW, column=col)
        cell.protection = _UNLOCKED
        cell.fill = _EDIT_FILL
    ws.cell(row=CAPACITY_ROW, column=1).number_format = EURO_FORMAT
    ws.cell(row=CAPACITY_ROW, column=2).number_format = "0"
    _validation(
        ws,
        f"A{CAPACITY_ROW}",
        "decimal",
        "Weerstandscapaciteit",
        "Vul een bedrag in euro's in (0 of meer), zonder tekst.",
        "Beschikbare weerstandscapaciteit voor Jeugd en Wmo, in euro's. Leeg = onze schatting.",
        operator="between",
        formula1="0",
        formula2=str(int(MAX_CAPACITY)),
    )
    _validation(
        ws,
        f"B{CAPACITY_ROW}",
        "whole",
        "Jaar van het cijfer",
        f"Vul een jaartal tussen {FROM_YEARS[0]} en {FROM_YEARS[1]} in.",
        "Het jaar waarop het bedrag betrekking heeft (bijvoorbeeld 2025).",
        operator="between",
        formula1=str(FROM_YEARS[0]),
        formula2=str(FROM_YEARS[1]),
    )
    _protect(ws)


def _meta_sheet(ws: Worksheet, region: Region, code: str, name: str, years: list[int]) -> None:
    rows = [
        ("key", "value"),
        ("template_version", TEMPLATE_VERSION),
        ("region", region.id),
        ("gemeentecode", code),
        ("gemeente", name),
        ("generated", dt.date.today().isoformat()),
        ("years", ",".join(str(y) for y in years)),
    ]
    for row in rows:
        ws.append(list(row))
    ws.sheet_state = "hidden"
    _protect(ws)


def _template_years(
    region: Region, code: str, own: pd.DataFrame, years: Iterable[int] | None
) -> list[int]:
    available = sorted({int(y) for y in own["year"]})
    if not available:
        raise ParameterError(
            Problem(
                "baseline",
                f"geen realisatiecijfers voor {code} ({region.name_of(code)}) in de nulmeting",
            )
        )
    if years is None:
        return available[-DEFAULT_YEARS:]
    chosen = sorted({int(y) for y in years})
    missing = [y for y in chosen if y not in available]
    if not chosen or missing:
        raise ParameterError(
            Problem(
                "jaren",
                "het format kan alleen jaren bevatten met realisatiecijfers in de nulmeting",
                found=", ".join(map(str, missing)) or "geen jaren",
                expected="enkele van: " + ", ".join(map(str, available)),
            )
        )
    return chosen


def write_template(
    region: Region | str,
    gemeentecode: str,
    path: str | Path,
    baseline: pd.DataFrame,
    years: Iterable[int] | None = None,
) -> Path:
    """Write the submission workbook for one municipality, atomically; return its path.

    ``baseline`` is the table of :func:`bekostiging.model.baseline.build_baseline` (actuals); the
    caller builds it, since reading and writing workbooks sits below the model. ``years`` defaults to the last four years with actuals for the
    municipality. A municipality that merged into another gets no template (its successor does).
    """
    region = _as_region(region)
    muni = region.municipality(gemeentecode)
    if muni.merged_into is not None:
        successor = region.municipality(muni.merged_into)
        raise ParameterError(
            Problem(
                display_path(region.source_file),
                f"{muni.name} ({muni.code}) is opgegaan in {successor.name}; "
                "vraag het format van de opvolger aan",
                found=muni.code,
                expected=successor.code,
            )
        )
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(
            Problem(
                str(path),
                "het format moet een Excel-werkmap zijn",
                expected="een naam die eindigt op .xlsx",
            )
        )
    if "report" in baseline.columns and set(baseline["report"]) - {region.actuals_report}:
        raise ParameterError(
            Problem(
                "baseline",
                "het format bevat realisatiecijfers: geef de nulmeting van de jaarrekening mee",
                found=", ".join(sorted(set(baseline["report"]))),
                expected=region.actuals_report,
            )
        )
    own = baseline[baseline["gemeentecode"] == muni.code]
    chosen = _template_years(region, muni.code, own, years)

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = SHEET_INFO
    _info_sheet(info, region, muni.code, muni.name, chosen)
    _realised_sheet(wb.create_sheet(SHEET_REALISED), region, own, chosen)
    _expected_sheet(wb.create_sheet(SHEET_EXPECTED), region, chosen[-1] + 1)
    _capacity_sheet(wb.create_sheet(SHEET_CAPACITY))
    _meta_sheet(wb.create_sheet(SHEET_META), region, muni.code, muni.name, chosen)
    wb.properties.creator = "bekostiging"
    wb.properties.title = f"Eigen cijfers {muni.name} ({muni.code}) – {region.name}"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


# --- reading --------------------------------------------------------------------------------

_XLSX = "een Excel-werkmap (.xlsx)"
_GM_IN_NAME = re.compile(r"GM\d{4}", re.IGNORECASE)
_CLIENT_LIMIT = (
    MAX_CLIENTS,
    "negatief aantal cliënten",
    "onwaarschijnlijk veel cliënten",
    f"hoogstens {MAX_CLIENTS:,}".replace(",", "."),
)
_SPEND_LIMIT = (
    MAX_SPEND,
    "negatieve uitgaven",
    "onwaarschijnlijk hoge uitgaven",
    "hoogstens 10 miljard euro",
)
_CAPACITY_LIMIT = (
    MAX_CAPACITY,
    "negatieve weerstandscapaciteit",
    "onwaarschijnlijk hoge weerstandscapaciteit",
    "hoogstens 10 miljard euro",
)


def _letters(text: str) -> str:
    """Lower-case letters only, to find a municipality's name in a file name.

    >>> _letters("Opgave Oost Gelre (2025).xlsx"), _letters("Bergen (NH.)")
    ('opgaveoostgelrexlsx', 'bergennh')
    """
    return "".join(ch for ch in text.casefold() if ch.isalpha())


class _Reader:
    """Reads one workbook and collects every problem in it."""

    def __init__(self, path: Path, region: Region, gemeentecode: str | None):
        self.path = path
        self.region = region
        self.argument = gemeentecode
        self.shown = display_path(path)
        self.problems: list[Problem] = []
        self.version: str | None = None  # the template version in '_meta', once it is known
        self.procured = {s.id for s in region.procured_segments()}
        self.known = {s.id for s in region.segments}

    def problem(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        found: Any = None,
        expected: str | None = None,
    ) -> None:
        self.problems.append(Problem(self.shown, message, row, column, sheet, found, expected))

    # -- file and sheets ---------------------------------------------------------------------
    def open(self) -> Any:
        p = self.path
        if not p.is_file():
            self.problem("bestand niet gevonden", expected=_XLSX)
            return None
        if p.suffix.lower() != ".xlsx":
            self.problem(
                f"geen Excel-werkmap (.xlsx) maar een bestand '{p.suffix or 'zonder extensie'}'",
                found=p.name,
                expected="sla het in Excel op als 'Excel-werkmap (*.xlsx)'",
            )
            return None
        if p.stat().st_size == 0:
            self.problem("het bestand is leeg (0 bytes)", expected=_XLSX)
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return openpyxl.load_workbook(p, data_only=True)
        except Exception as exc:  # zip errors, missing parts, XML errors: all the same to a user
            self.problem(
                "niet te openen als Excel-werkmap: het bestand is beschadigd of geen .xlsx",
                found=f"{type(exc).__name__}: {exc}",
                expected="een Excel-werkmap (.xlsx) gemaakt van het format",
            )
            return None

    def sheet(self, wb: Any, name: str) -> Worksheet | None:
        if name in wb.sheetnames and isinstance(wb[name], Worksheet):
            return wb[name]
        found = ", ".join(f"'{n}'" for n in wb.sheetnames)
        alike = [n for n in wb.sheetnames if n.strip().casefold() == name.casefold()]
        hint = f"; '{alike[0]}' lijkt erop: hernoem het tot '{name}'" if alike else ""
        self.problem(
            f"blad '{name}' ontbreekt; aanwezige bladen: {found}{hint}",
            sheet=name,
            expected=f"een blad met precies de naam '{name}'",
        )
        return None

    # -- _meta ---------------------------------------------------------------------------------
    def meta(self, ws: Worksheet) -> tuple[str | None, list[int] | None]:
        """The municipality code and template years, when they can be trusted."""
        values: dict[str, tuple[int, Any]] = {}
        # ws._cells holds only the cells that exist; iterating rows would create up to
        # ws.max_row x columns cells when someone formatted whole columns.
        for (r, c), cell in sorted(ws._cells.items()):
            if c == 1 and isinstance(_clean(cell.value), str):
                values[_clean(cell.value)] = (r, _clean(ws.cell(row=r, column=2).value))
        for key in ("template_version", "region", "gemeentecode", "years"):
            if key not in values:
                self.problem(
                    f"'{key}' ontbreekt in het verborgen blad '_meta'; maak een nieuw format",
                    sheet=SHEET_META,
                    column="key",
                    expected=key,
                )
        ok = True
        if "template_version" in values:
            r, version = values["template_version"]
            if str(version) in SUPPORTED_VERSIONS:
                self.version = str(version)
            else:
                ok = False
                self.problem(
                    "onbekende versie van het format; maak een nieuw format",
                    SHEET_META,
                    r,
                    "value",
                    found=version,
                    expected=" of ".join(sorted(SUPPORTED_VERSIONS)),
                )
        if "region" in values:
            r, reg = values["region"]
            if reg != self.region.id:
                ok = False
                self.problem(
                    f"de werkmap hoort bij een andere regio dan {self.region.name}",
                    SHEET_META,
                    r,
                    "value",
                    found=reg,
                    expected=self.region.id,
                )
        code = None
        if "gemeentecode" in values:
            r, raw = values["gemeentecode"]
            text = str(raw).upper() if raw is not None else None
            codes = [m.code for m in self.region.municipalities]
            if text not in codes:
                self.problem(
                    f"gemeentecode hoort niet bij regio {self.region.name}",
                    SHEET_META,
                    r,
                    "value",
                    found=raw,
                    expected="een van: " + ", ".join(codes),
                )
            else:
                code = text
                self.check_code(code, r)
        years = None
        if "years" in values:
            r, raw = values["years"]
            try:
                years = sorted(int(y) for y in str(raw).split(","))
            except ValueError:
                self.problem(
                    "jaren van het format onleesbaar",
                    SHEET_META,
                    r,
                    "value",
                    found=raw,
                    expected="jaren zoals 2021,2022,2023,2024",
                )
        return code, (years if ok else None)

    def check_code(self, code: str, row: int) -> None:
        """The municipality of the workbook must match the argument and a code in the file name."""
        name = self.region.name_of(code)
        if self.argument is not None and self.argument.strip().upper() != code:
            self.problem(
                f"de werkmap is van {name} ({code}), niet van de gevraagde gemeente",
                SHEET_META,
                row,
                "value",
                found=self.argument,
                expected=code,
            )
        in_name = {m.upper() for m in _GM_IN_NAME.findall(self.path.stem)}
        stem = _letters(self.path.stem)
        others = [
            m.name
            for m in self.region.municipalities
            if m.code != code and len(_letters(m.name)) > 3 and _letters(m.name) in stem
        ]
        if others and not in_name and _letters(name) not in stem:  # a code says it already
            self.problem(
                f"de bestandsnaam noemt {others[0]}, maar de werkmap is van {name} ({code})",
                SHEET_META,
                row,
                "value",
                found=self.path.name,
                expected=f"de werkmap van {others[0]}, of de bestandsnaam {code}.xlsx",
            )
        if in_name and in_name != {code}:
            self.problem(
                f"de bestandsnaam noemt een andere gemeente dan de werkmap ({name}, {code})",
                SHEET_META,
                row,
                "value",
                found=self.path.name,
                expected=f"{code}.xlsx",
            )

    # -- table sheets --------------------------------------------------------------------------
    def header(self, ws: Worksheet, headers: tuple[str, ...], merged_rows: set[int]) -> bool:
        """Check the header row; report renamed, deleted, inserted and moved columns."""
        sheet = ws.title
        found: dict[int, str] = {}
        for (r, c), cell in sorted(ws._cells.items()):
            value = _clean(cell.value)
            if r == 1 and value is not None:
                found[c] = str(value)
        position: dict[str, int] = {}
        for c, value in found.items():
            position.setdefault(value, c)
        if all(found.get(c) == h for c, h in enumerate(headers, start=1)):
            return True
        if 1 in merged_rows:  # reported as merged cells; the rest would only repeat it
            return False
        letter = get_column_letter
        renamed: set[int] = set()
        for c, want in enumerate(headers, start=1):
            if want in position:
                continue
            got = found.get(c)
            if got is not None and got not in headers:
                renamed.add(c)
                msg = f"kopregel gewijzigd: in cel {letter(c)}1 hoort '{want}' te staan"
            else:
                msg = f"kolom '{want}' ontbreekt: verwijderd of hernoemd"
            self.problem(msg, sheet, 1, want, found=got, expected=want)
        present = [h for h in headers if h in position]
        if sorted(present, key=position.__getitem__) != present:
            for c, want in enumerate(headers, start=1):
                if want in position and position[want] != c:
                    self.problem(
                        f"kolom '{want}' verplaatst (staat in kolom {letter(position[want])}, "
                        f"hoort in kolom {letter(c)})",
                        sheet,
                        1,
                        want,
                        found=found.get(c),
                        expected=want,
                    )
            return False
        last = max(position[h] for h in present) if present else 0
        inserted = [
            c for c in range(1, last + 1) if c not in renamed and found.get(c) not in headers
        ]
        for c in inserted:
            what = f"kolom '{found[c]}'" if c in found else "een lege kolom"
            self.problem(
                f"{what} ingevoegd in kolom {letter(c)}; verwijder die",
                sheet,
                1,
                found.get(c) or letter(c),
                found=found.get(c),
                expected="de kolommen van het format",
            )
        return False

    def table(self, ws: Worksheet, headers: tuple[str, ...]) -> list[tuple[int, list[Any]]] | None:
        """The data rows (Excel row number, cell values) when header and layout are intact."""
        sheet = ws.title
        n = len(headers)
        before = len(self.problems)
        merged_rows: set[int] = set()
        for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
            if rng.min_col > n:
                continue
            merged_rows.update(range(rng.min_row, rng.max_row + 1))
            self.problem(
                f"samengevoegde cellen {rng.coord}; maak de samenvoeging ongedaan (Start > "
                "Samenvoegen en centreren); de samengevoegde rijen zijn niet gecontroleerd",
                sheet,
                rng.min_row,
                headers[rng.min_col - 1],
                found=rng.coord,
                expected="geen samengevoegde cellen",
            )
        if not self.header(ws, headers, merged_rows):
            note = "; de rijen van dit blad worden gecontroleerd zodra de kopregel hersteld is"
            self.problems[before:] = [
                replace(p, message=p.message + note) for p in self.problems[before:]
            ]
            return None
        last = max(
            (r for (r, c), cell in ws._cells.items() if c <= n and cell.value is not None),
            default=1,
        )
        rows = []
        for r in range(2, last + 1):
            if r in merged_rows:
                continue
            rows.append((r, [_clean(ws.cell(row=r, column=c).value) for c in range(1, n + 1)]))
        return rows

    def segment(self, sheet: str, row: int, value: Any) -> str | None:
        expected = "een van: " + ", ".join(sorted(self.procured))
        if value is None:
            self.problem(
                "segmentcode ontbreekt",
                sheet,
                row,
                COL_CODE,
                expected=expected,
            )
            return None
        code = str(value).strip().lower()
        if code not in self.known:
            self.problem(
                "onbekende segmentcode",
                sheet,
                row,
                COL_CODE,
                found=value,
                expected=expected,
            )
            return None
        if code not in self.procured:
            self.problem(
                f"segment '{code}' wordt niet gezamenlijk ingekocht; het format neemt alleen "
                "ingekochte segmenten",
                sheet,
                row,
                COL_CODE,
                found=value,
                expected=expected,
            )
            return None
        return code

    def number(
        self,
        sheet: str,
        row: int,
        column: str,
        value: Any,
        *,
        percent_cell: bool = False,
    ) -> tuple[float | None, bool]:
        """(number or None for empty, ok)."""
        if value is None:
            return None, True
        if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
            self.problem("geen getal", sheet, row, column, found=str(value), expected="een getal")
            return None, False
        if isinstance(value, int | float):
            if not math.isfinite(value):
                self.problem(
                    "geen eindig getal", sheet, row, column, found=value, expected="een getal"
                )
                return None, False
            return float(value) * (100.0 if percent_cell else 1.0), True
        parsed = parse_number(str(value))
        if parsed is None:
            self.problem(
                "tekst in plaats van een getal",
                sheet,
                row,
                column,
                found=value,
                expected="een getal zonder tekst, bijvoorbeeld 1234 of 1.234,50",
            )
            return None, False
        return parsed, True

    def whole(self, sheet: str, row: int, column: str, value: Any) -> tuple[int | None, bool]:
        number, ok = self.number(sheet, row, column, value)
        if number is None:
            return None, ok
        if not number.is_integer():
            self.problem(
                "geen geheel getal",
                sheet,
                row,
                column,
                found=value,
                expected="een geheel getal",
            )
            return None, False
        return int(number), True

    def realised_year(self, sheet: str, r: int, value: Any, years: list[int] | None) -> int | None:
        """The year of a realised row, within the template's years (or the allowed range)."""
        year, _ = self.whole(sheet, r, COL_YEAR, value)
        if value is None:
            self.problem("jaar ontbreekt", sheet, r, COL_YEAR, expected="een jaar")
            return None
        allowed = years or list(range(FROM_YEARS[0], FROM_YEARS[1] + 1))
        if year is not None and year not in allowed:
            expected = (
                "een van: " + ", ".join(map(str, years))
                if years
                else f"{FROM_YEARS[0]}-{FROM_YEARS[1]}"
            )
            self.problem(
                "jaar valt buiten de jaren van het format",
                sheet,
                r,
                COL_YEAR,
                found=value,
                expected=expected,
            )
            return None
        return year

    def bounded(
        self, sheet: str, r: int, column: str, value: Any, number: float | None, limit: tuple
    ) -> None:
        """Refuse a negative or implausibly large ``number``.

        ``limit`` is (maximum, message when negative, message when too large, expected text).
        """
        high, negative, too_large, expected = limit
        if number is not None and number < 0:
            self.problem(negative, sheet, r, column, found=value, expected=">= 0")
        elif number is not None and number > high:
            self.problem(too_large, sheet, r, column, found=value, expected=expected)

    def own_flag(self, sheet: str, r: int, own_v: Any, clients_v: Any, spend_v: Any) -> str | None:
        """'ja' or 'nee' in 'Eigen cijfer'; 'ja' needs at least one figure."""
        own = str(own_v).strip().casefold() if own_v is not None else None
        if own not in (YES, NO):
            message = (
                "'Eigen cijfer' moet ja of nee zijn"
                if own_v is not None
                else "'Eigen cijfer' is leeg"
            )
            self.problem(message, sheet, r, COL_OWN, found=own_v, expected="ja of nee")
        elif own == YES and clients_v is None and spend_v is None:
            self.problem(
                "'ja' maar geen cijfers: vul Cliënten en/of Uitgaven in, of kies 'nee'",
                sheet,
                r,
                COL_OWN,
                found=own_v,
                expected="een getal bij Cliënten of Uitgaven (€)",
            )
        return own

    def once(self, sheet: str, r: int, key: tuple[str, int], seen: dict) -> None:
        """One row per segment and year; a repeat names the row it repeats."""
        if key in seen:
            self.problem(
                f"segment '{key[0]}', jaar {key[1]} komt twee keer voor (ook in rij {seen[key]})",
                sheet,
                r,
                COL_CODE,
                found=f"{key[0]} {key[1]}",
                expected="één rij per segment en jaar",
            )
        else:
            seen[key] = r

    def realised(self, ws: Worksheet, code: str | None, years: list[int] | None) -> list[dict]:
        """The rows marked 'ja' of the Realisatie sheet; every problem of every row is kept."""
        rows = self.table(ws, REALISED_HEADERS)
        if rows is None:
            return []
        sheet = ws.title
        out: list[dict] = []
        seen: dict[tuple[str, int], int] = {}
        formulas = self.formula_cells(sheet)
        for r, (seg_v, _name, year_v, clients_v, spend_v, _origin, own_v, note_v) in rows:
            if all(v is None for v in (seg_v, year_v, clients_v, spend_v, own_v, note_v)):
                continue
            before = len(self.problems)
            seg = self.segment(sheet, r, seg_v)
            year = self.realised_year(sheet, r, year_v, years)
            clients, _ = self.whole(sheet, r, COL_CLIENTS, clients_v)
            self.bounded(sheet, r, COL_CLIENTS, clients_v, clients, _CLIENT_LIMIT)
            spend, _ = self.number(sheet, r, COL_SPEND, spend_v)
            self.bounded(sheet, r, COL_SPEND, spend_v, spend, _SPEND_LIMIT)
            own = self.own_flag(sheet, r, own_v, clients_v, spend_v)
            if own == YES:
                self.uncalculated(sheet, r, formulas, clients_v, spend_v)
            if seg is not None and year is not None:
                self.once(sheet, r, (seg, year), seen)
            if own == YES and len(self.problems) == before:
                out.append(
                    {
                        "gemeentecode": code,
                        "segment": seg,
                        "year": year,
                        "clients": math.nan if clients is None else float(clients),
                        "spend": math.nan if spend is None else spend,
                        "note": "" if note_v is None else str(note_v),
                        "file": self.shown,
                        "row": r,
                    }
                )
        return out

    def uncalculated(
        self, sheet: str, r: int, formulas: set[tuple[int, int]], clients_v: Any, spend_v: Any
    ) -> None:
        """A formula without a saved value on a 'ja' row would silently keep the estimate."""
        for col, header, value in ((4, COL_CLIENTS, clients_v), (5, COL_SPEND, spend_v)):
            if value is None and (r, col) in formulas:
                self.problem(
                    f"formule in cel {get_column_letter(col)}{r} zonder berekende waarde (het "
                    "bestand is niet in Excel opgeslagen); de rij staat op 'ja' en zou anders "
                    "stil de schatting houden",
                    sheet,
                    r,
                    header,
                    expected="een getal: typ het in, of open en bewaar de werkmap in Excel",
                )

    def formula_cells(self, name: str) -> set[tuple[int, int]]:
        """(row, column) of the cells of sheet ``name`` that hold a formula.

        The workbook is read with the values Excel saved (``data_only``); a formula that was
        never calculated (the file was not saved by Excel) then reads as empty. A second,
        read-only pass over this one sheet tells the two apart.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(self.path, read_only=True)
        try:
            return {
                (cell.row, cell.column)
                for row in wb[name].iter_rows()
                for cell in row
                if cell.data_type == "f"
            }
        finally:
            wb.close()

    def capacity(self, ws: Worksheet) -> OwnCapacity | None:
        """The own capacity figure in row 2 of 'Weerstandsvermogen'; None when it is empty."""
        rows = self.table(ws, CAPACITY_HEADERS)
        if rows is None:
            return None
        sheet = ws.title
        n = len(CAPACITY_HEADERS)
        values = dict(rows)
        uncalculated = set()
        for r, c in sorted(self.formula_cells(sheet)):
            if c <= n and values.get(r, [None] * n)[c - 1] is None:
                uncalculated.add(r)
                if r != CAPACITY_ROW:
                    continue  # reported below as a row that is not read
                self.problem(
                    f"formule in cel {get_column_letter(c)}{r} zonder berekende waarde (het "
                    "bestand is niet in Excel opgeslagen)",
                    sheet,
                    r,
                    CAPACITY_HEADERS[c - 1],
                    expected="een getal: typ het in, of open en bewaar de werkmap in Excel",
                )
        for r, row in rows:
            if r != CAPACITY_ROW and (r in uncalculated or any(v is not None for v in row)):
                self.problem(
                    f"alleen rij {CAPACITY_ROW} wordt gelezen; deze rij zou genegeerd worden",
                    sheet,
                    r,
                    COL_CAPACITY,
                    found=next((v for v in row if v is not None), None),
                    expected=f"één cijfer, in rij {CAPACITY_ROW}; maak deze rij leeg",
                )
        if CAPACITY_ROW in uncalculated:
            return None
        amount_v, year_v, source_v = values.get(CAPACITY_ROW, [None] * n)
        if amount_v is None and year_v is None and source_v is None:
            return None
        before = len(self.problems)
        r = CAPACITY_ROW
        amount, _ = self.number(sheet, r, COL_CAPACITY, amount_v)
        self.bounded(sheet, r, COL_CAPACITY, amount_v, amount, _CAPACITY_LIMIT)
        year, _ = self.whole(sheet, r, COL_CAPACITY_YEAR, year_v)
        if year is not None and not FROM_YEARS[0] <= year <= FROM_YEARS[1]:
            self.problem(
                "'Jaar van het cijfer' is geen aannemelijk jaar",
                sheet,
                r,
                COL_CAPACITY_YEAR,
                found=year_v,
                expected=f"een jaar {FROM_YEARS[0]}-{FROM_YEARS[1]}",
            )
        if amount_v is None:
            self.problem(
                "jaar of bron ingevuld maar geen bedrag: vul het bedrag in of maak de rij leeg",
                sheet,
                r,
                COL_CAPACITY,
                expected="een bedrag in euro, of een lege rij (dan geldt onze schatting)",
            )
        else:
            if year_v is None:
                self.problem(
                    "het jaar van het cijfer ontbreekt",
                    sheet,
                    r,
                    COL_CAPACITY_YEAR,
                    expected=f"een jaar {FROM_YEARS[0]}-{FROM_YEARS[1]}, bijvoorbeeld 2025",
                )
            if source_v is None:
                self.problem(
                    "de bron van het cijfer ontbreekt",
                    sheet,
                    r,
                    COL_SOURCE,
                    expected="bijvoorbeeld 'paragraaf weerstandsvermogen, jaarrekening 2025'",
                )
        if len(self.problems) > before or amount is None or year is None:
            return None
        return OwnCapacity(available=amount, year=year, source=str(source_v))

    def expectations(self, ws: Worksheet, code: str | None) -> list[dict]:
        rows = self.table(ws, EXPECTED_HEADERS)
        if rows is None:
            return []
        sheet = ws.title
        out: list[dict] = []
        for r, (seg_v, _name, pct_v, from_v, reason_v) in rows:
            if all(v is None for v in (seg_v, pct_v, from_v, reason_v)):
                continue
            before = len(self.problems)
            seg = self.segment(sheet, r, seg_v)
            percent_cell = "%" in (ws.cell(row=r, column=3).number_format or "")
            pct, _ = self.number(sheet, r, COL_CHANGE, pct_v, percent_cell=percent_cell)
            if pct is not None and not -MAX_CHANGE_PCT <= pct <= MAX_CHANGE_PCT:
                self.problem(
                    "verwachte verandering buiten -50 % .. +50 % per jaar",
                    sheet,
                    r,
                    COL_CHANGE,
                    found=pct_v,
                    expected="een percentage tussen -50 en 50 (-2 = 2 % minder)",
                )
            changes = pct is not None and pct != 0
            from_year, _ = self.whole(sheet, r, COL_FROM, from_v)
            if from_year is not None and not FROM_YEARS[0] <= from_year <= FROM_YEARS[1]:
                self.problem(
                    "'Vanaf jaar' is geen aannemelijk jaar",
                    sheet,
                    r,
                    COL_FROM,
                    found=from_v,
                    expected=f"een jaar {FROM_YEARS[0]}-{FROM_YEARS[1]}",
                )
            if changes and from_v is None:
                self.problem(
                    "'Vanaf jaar' ontbreekt bij een verandering die niet 0 is",
                    sheet,
                    r,
                    COL_FROM,
                    expected=f"een jaar {FROM_YEARS[0]}-{FROM_YEARS[1]}",
                )
            if changes and reason_v is None:
                self.problem(
                    "een verandering die niet 0 is heeft een maatregel of reden nodig",
                    sheet,
                    r,
                    COL_REASON,
                    expected="bijvoorbeeld 'inzet POH Jeugd'",
                )
            if changes and len(self.problems) == before:
                out.append(
                    {
                        "gemeentecode": code,
                        "segment": seg,
                        "from_year": from_year,
                        "annual_change": pct / 100.0,
                        "reason": str(reason_v),
                    }
                )
        return out


def read_submission(
    path: str | Path, region: Region | str, gemeentecode: str | None = None
) -> Submission:
    """Read and check a filled workbook; every problem is reported at once in an InputError.

    ``gemeentecode``, when given, must be the municipality of the workbook; a GM code in the
    file name must be too. Nothing is written.
    """
    path = Path(path)
    region = _as_region(region)
    reader = _Reader(path, region, gemeentecode)
    wb = reader.open()
    if wb is None:
        raise InputError(reader.problems)
    sheets = {name: reader.sheet(wb, name) for name in REQUIRED_SHEETS}
    code, years = reader.meta(sheets[SHEET_META]) if sheets[SHEET_META] else (None, None)
    realised = (
        reader.realised(sheets[SHEET_REALISED], code, years) if sheets[SHEET_REALISED] else []
    )
    expected = reader.expectations(sheets[SHEET_EXPECTED], code) if sheets[SHEET_EXPECTED] else []
    capacity = None
    # Version 1 workbooks predate the sheet; from version 2 on a missing sheet is a problem.
    if SHEET_CAPACITY in wb.sheetnames or reader.version not in (None, *VERSIONS_WITHOUT_CAPACITY):
        ws = reader.sheet(wb, SHEET_CAPACITY)
        capacity = reader.capacity(ws) if ws is not None else None
    wb.close()
    if reader.problems:
        raise InputError(reader.problems)
    assert code is not None  # a missing or bad code is a problem above
    return Submission(
        gemeentecode=code,
        realised=_frame(realised, REALISED_COLUMNS),
        expectations=_frame(expected, EXPECTATION_COLUMNS),
        file=path,
        capacity=capacity,
    )


def submission_files(folder: str | Path) -> list[Path]:
    """The workbooks in a folder that are read: ``*.xlsx`` without Excel lock files (``~$``)
    and hidden files (``.``, e.g. macOS ``._`` copies)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() == ".xlsx" and not p.name.startswith(("~$", "."))
    )


def load_submissions(
    region: Region | str, folder: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """All submissions of a region: (realised, expectations, files read).

    Reads every workbook in ``data/submissions/<region>/`` (or ``folder``). Problems of all
    files are reported together; two workbooks for one municipality are refused. Other
    spreadsheet files (``.xls``, ``.ods``, ...) are reported, so a wrongly saved submission is
    not silently ignored. No folder or no workbooks: empty tables.
    """
    subs, files = _read_folder(region, folder)
    realised = [s.realised for s in subs if not s.realised.empty]
    expectations = [s.expectations for s in subs if not s.expectations.empty]
    return (
        pd.concat(realised, ignore_index=True) if realised else empty_realised(),
        pd.concat(expectations, ignore_index=True) if expectations else empty_expectations(),
        files,
    )


def load_own_capacity(region: Region | str, folder: str | Path | None = None) -> pd.DataFrame:
    """The own capacity figures (sheet 'Weerstandsvermogen') of a region's submissions.

    One row per municipality that filled one in, columns :data:`CAPACITY_COLUMNS` (see
    :func:`capacity_frame`); the folder is read and checked as by :func:`load_submissions`,
    so a bad workbook stops here too. No folder or no figures: an empty table.
    """
    subs, _ = _read_folder(region, folder)
    return capacity_frame(subs)


def _read_folder(
    region: Region | str, folder: str | Path | None
) -> tuple[list[Submission], list[Path]]:
    """Every submission in the folder, checked; all problems of all files in one InputError."""
    region = _as_region(region)
    folder = Path(folder) if folder is not None else submissions_dir(region.id)
    files = submission_files(folder)
    problems: list[Problem] = []
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in OTHER_SPREADSHEETS and not p.name.startswith(("~$", ".")):
                problems.append(
                    Problem(
                        display_path(p),
                        "niet gelezen: alleen Excel-werkmappen (.xlsx) gemaakt van het format "
                        "worden gelezen",
                        found=p.suffix,
                        expected="sla het op als 'Excel-werkmap (*.xlsx)'",
                    )
                )
    subs: list[Submission] = []
    by_code: dict[str, Path] = {}
    for p in files:
        try:
            sub = read_submission(p, region)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if sub.gemeentecode in by_code:
            problems.append(
                Problem(
                    display_path(p),
                    f"een tweede werkmap voor {region.name_of(sub.gemeentecode)} "
                    f"({sub.gemeentecode}); ook in {display_path(by_code[sub.gemeentecode])}",
                    found=p.name,
                    expected="één werkmap per gemeente: verwijder er een of voeg ze samen",
                )
            )
            continue
        by_code[sub.gemeentecode] = p
        subs.append(sub)
    if problems:
        raise InputError(problems)
    return subs, files
