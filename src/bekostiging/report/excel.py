"""Excel workbooks a controller can use: number formats by column meaning, and a key sheet.

:func:`write_formatted_workbook` writes tables (one sheet each) with openpyxl after a first
sheet *Toelichting* that lists every sheet and every column with its unit, what it includes
and its source. The format of a column follows from what the column means, looked up by its
(Dutch) header in :data:`COLUMNS` (:func:`column_spec`), never guessed from its values:

========== ======================== =============================================
kind       number format            for
========== ======================== =============================================
euro       ``"€ "#,##0``            amounts (Excel shows the user's separators)
percent    ``0.0%``                 shares and chances stored as a fraction
points     ``0.0%``                 a percentage stored as 0-100 (``Kans (%)``):
                                    written as its fraction, 47,9 -> 0,479
share      ``0.00%``                a municipality's share of the region
ratio      ``0.00``                 ratios and factors
count      ``#,##0``                people, clients
year       ``0``                    calendar years, written as whole numbers
text       General                  labels
========== ======================== =============================================

Every sheet gets a bold header with a fill, a frozen header row, an autofilter and column
widths fitted to the content; long text wraps. A cell the source table leaves empty because a
count is suppressed gets the marker the report shows (``'<10'``, from the table's
``attrs["markers"]``). Figures keep full precision in the cell; only the display rounds.

>>> column_spec("Startbudget", "2027").kind, column_spec("Risico's", "Kans (%)").kind
('euro', 'points')
>>> column_spec("Varianten", "Kans op verlies > 5% per contract").number_format
'0.0%'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bekostiging.core.atomic import atomic_path

FORMATS = {
    "euro": '"€ "#,##0;"€ -"#,##0',
    "percent": "0.0%",
    "points": "0.0%",
    "share": "0.00%",
    "ratio": "0.00",
    "count": "#,##0",
    "year": "0",
    "text": "General",
}
"""Excel number format per column kind (Excel shows ``#,##0`` with the user's separators)."""

UNITS = {
    "euro": "euro (€)",
    "percent": "procent",
    "points": "procent",
    "share": "procent (aandeel)",
    "ratio": "verhouding",
    "count": "aantal",
    "year": "jaar",
    "text": "tekst",
}

HEADER_FILL = PatternFill("solid", start_color="DCE6F1", end_color="DCE6F1")
HEADER_FONT = Font(bold=True)
HEADER_BORDER = Border(bottom=Side(style="thin", color="333333"))
MAX_WIDTH = 60
"""Widest column (characters); longer text wraps."""
TOELICHTING = "Toelichting"


@dataclass(frozen=True)
class ColumnSpec:
    """What a column holds: its kind (and so its format), what it includes and its source."""

    kind: str
    meaning: str
    source: str = ""

    @property
    def number_format(self) -> str:
        return FORMATS[self.kind]

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


MODEL = "schatting (model)"
SIM = "schatting (simulatie van het model)"
STATUS = ColumnSpec("text", "of de cijfers van deze rij een schatting zijn", "")
DECIDED = "zoals besloten in het regiobestand"

# (sheet or None for every sheet, header pattern (full match), spec); the first match wins.
COLUMNS: tuple[tuple[str | None, str, ColumnSpec], ...] = (
    (None, "Status", STATUS),
    (None, "Jaar", ColumnSpec("year", "kalenderjaar (begrotingsjaar) van de rij")),
    (None, "Segment", ColumnSpec("text", "ingekocht segment (onderdeel van jeugdhulp of Wmo)")),
    (None, "Domein", ColumnSpec("text", "jeugdhulp of Wmo")),
    (None, "Bekostigingsvariant", ColumnSpec("text", "bekostigingsvariant (of de besloten mix)")),
    # Startbudget
    ("Startbudget", "Bekostiging", ColumnSpec("text", "besloten bekostigingsvariant", DECIDED)),
    (
        "Startbudget",
        r"\d{4}",
        ColumnSpec(
            "euro",
            "startbudget van de gemeente voor dit segment in dit contractjaar (een deeljaar naar "
            "rato); rij Totaal: alle ingekochte segmenten samen",
            "schatting (zeven stappen van de startbudgetmethode, Iv3-jaarrekening als basis)",
        ),
    ),
    # Varianten (first full contract year)
    (
        "Varianten",
        r"P(10|50|90) \(€\)",
        ColumnSpec(
            "euro",
            "uitgaven van de gemeente aan het contract in het eerste volledige contractjaar: "
            "10e, 50e (mediaan) of 90e percentiel van de simulatie",
            SIM,
        ),
    ),
    (
        "Varianten",
        r"Extra buiten het contract \(€\)",
        ColumnSpec(
            "euro",
            "wat de gemeente buiten het contract betaalt (niet-gecontracteerde zorg, pgb, "
            "voorliggend veld); negatief: minder dan zonder de variant",
            SIM,
        ),
    ),
    (
        "Varianten",
        r"Contract \+ extra, P50 \(€\)",
        ColumnSpec("euro", "mediaan van contract plus wat buiten het contract wordt betaald", SIM),
    ),
    (
        "Varianten",
        r"Niet-geleverde zorg \(€\)",
        ColumnSpec("euro", "waarde van de benodigde zorg die niet wordt geleverd", SIM),
    ),
    (
        "Varianten",
        r"Bij dezelfde zorg, gemiddeld \(€\)",
        ColumnSpec(
            "euro",
            "gemiddelde uitgaven als alle benodigde zorg geleverd wordt (alle routes plus de "
            "waarde van niet-geleverde zorg): de vergelijking op gelijke zorg",
            SIM,
        ),
    ),
    (
        "Varianten",
        r"Niet-geleverde benodigde zorg \(regio, gedragsmodel\)",
        ColumnSpec(
            "percent", "aandeel van de benodigde zorg in de regio dat niet geleverd wordt", SIM
        ),
    ),
    (
        "Varianten",
        r"Wachtende cliënten \(regio\)",
        ColumnSpec("percent", "aandeel cliënten in de regio dat wacht (uitgesteld of later)", SIM),
    ),
    (
        "Varianten",
        r"(Gemiddeld r|R)esultaat aanbieders \(€\)",
        ColumnSpec("euro", "resultaat van de aanbieders (winst positief, verlies negatief)", SIM),
    ),
    (
        "Varianten",
        r"Kans op verlies > .* per contract",
        ColumnSpec(
            "percent",
            "kans dat een aanbieder over het contract een verlies lijdt boven de drempel",
            SIM,
        ),
    ),
    (
        "Varianten",
        r"Gemiddelde verrekening na afloop \(€\)",
        ColumnSpec(
            "euro",
            "gemiddelde verrekening met de aanbieders na afloop van het jaar (positief: de "
            "gemeente betaalt bij)",
            SIM,
        ),
    ),
    # Projectie
    (
        "Projectie",
        r"Startbudget \(€\)",
        ColumnSpec("euro", "startbudget van de gemeente, alle ingekochte segmenten samen", MODEL),
    ),
    (
        "Projectie",
        r"P(10|50|90) \(€\)",
        ColumnSpec(
            "euro",
            "uitgaven van de gemeente bij de besloten bekostiging, alle ingekochte segmenten: "
            "10e, 50e (mediaan) of 90e percentiel van de simulatie",
            SIM,
        ),
    ),
    # Risico's
    ("Risico's", "Risico", ColumnSpec("text", "het risico")),
    (
        "Risico's",
        "Toelichting",
        ColumnSpec("text", "wat het risico inhoudt en hoe het is berekend"),
    ),
    (
        "Risico's",
        r"Kans \(%\)",
        ColumnSpec(
            "points",
            "kans dat het risico zich in een jaar voordoet (in de cel als fractie, 0,479 = 47,9%)",
            "zie kolom Bron",
        ),
    ),
    (
        "Risico's",
        r"Financiële impact \(€\)",
        ColumnSpec("euro", "gevolg per jaar als het risico zich voordoet", "zie kolom Bron"),
    ),
    (
        "Risico's",
        r"Kans x impact \(€\)",
        ColumnSpec("euro", "kans maal impact: het verwachte bedrag per jaar", "zie kolom Bron"),
    ),
    ("Risico's", "Bron", ColumnSpec("text", "waar kans en impact vandaan komen")),
    # Weerstandsvermogen
    (
        "Weerstandsvermogen",
        "Benadering",
        ColumnSpec("text", "netto (wat de gemeente betaalt) of bruto (alle kosten van de zorg)"),
    ),
    (
        "Weerstandsvermogen",
        r"Benodigd (\d{4}|zwaarste jaar) \(€\)",
        ColumnSpec(
            "euro",
            "benodigde weerstandscapaciteit: het tekort op het startbudget dat met 90% "
            "zekerheid niet wordt overschreden, in het eerste of het zwaarste contractjaar",
            SIM,
        ),
    ),
    (
        "Weerstandsvermogen",
        r"Ratio (\d{4}|zwaarste jaar)",
        ColumnSpec(
            "ratio",
            "beschikbare gedeeld door benodigde weerstandscapaciteit (1,0 of meer: voldoende)",
            "schatting; beschikbare capaciteit uit de opgave van de gemeente of de Iv3-balans",
        ),
    ),
    (
        "Weerstandsvermogen",
        r"Waardering (\d{4}|zwaarste jaar)",
        ColumnSpec(
            "text",
            "waardering van de ratio op de schaal A (uitstekend) tot F (ruim "
            "onvoldoende) van het NAR",
            "Nederlands Adviesbureau voor Risicomanagement",
        ),
    ),
    (
        "Weerstandsvermogen",
        "Zwaarste contractjaar",
        ColumnSpec("year", "het contractjaar met de grootste benodigde capaciteit", SIM),
    ),
    # Verdeelsleutels
    (
        "Verdeelsleutels",
        "Verdeelsleutel",
        ColumnSpec(
            "text", "de sleutel waarmee de regionale kosten over de gemeenten worden verdeeld"
        ),
    ),
    (
        "Verdeelsleutels",
        "Aandeel",
        ColumnSpec("share", "aandeel van de gemeente in het regionale startbudget", MODEL),
    ),
    (
        "Verdeelsleutels",
        r"Bedrag \(€\)",
        ColumnSpec("euro", "deel van de gemeente in het regionale startbudget van het jaar", MODEL),
    ),
    (
        "Verdeelsleutels",
        r"Verschil t\.o\.v\. eigen inwoners \(€\)",
        ColumnSpec(
            "euro",
            "bedrag min het bedrag bij de sleutel eigen inwoners (positief: de gemeente betaalt "
            "meer dan voor haar eigen inwoners)",
            MODEL,
        ),
    ),
    # Prikkels
    ("Prikkels", "Perverse prikkel", ColumnSpec("text", "de perverse prikkel")),
    ("Prikkels", "Richting", ColumnSpec("text", "welke kant de prikkel op werkt bij deze variant")),
    (
        "Prikkels",
        "Omvang",
        ColumnSpec(
            "percent",
            "omvang van de prikkel in de eenheid van kolom Maat (een aandeel of relatieve "
            "afwijking)",
            "schatting (gedragsmodel)",
        ),
    ),
    ("Prikkels", "Maat", ColumnSpec("text", "waarin de omvang is uitgedrukt")),
    ("Prikkels", "KPI voor monitoring", ColumnSpec("text", "indicator om de prikkel te volgen")),
    ("Prikkels", "Dempende maatregel", ColumnSpec("text", "maatregel die de prikkel dempt")),
    (
        "Prikkels",
        r"Effect maatregel \(verschil in omvang\)",
        ColumnSpec("percent", "verschil in omvang met de maatregel", "schatting (gedragsmodel)"),
    ),
    (
        "Prikkels",
        "Aandeel schattingen",
        ColumnSpec("percent", "aandeel van de invoer van deze regel dat een schatting is"),
    ),
    # Basisgegevens
    ("Basisgegevens", "Ingekocht", ColumnSpec("text", "ja: het segment wordt regionaal ingekocht")),
    (
        "Basisgegevens",
        r"Uitgaven \(€\)",
        ColumnSpec(
            "euro",
            "werkelijke uitgaven van de gemeente aan het segment (Iv3-taakvelden omgerekend naar "
            "segmenten)",
            "Iv3-jaarrekening (CBS); herkomst per rij in de volgende kolom",
        ),
    ),
    (None, r"Herkomst .*", ColumnSpec("text", "waargenomen, schatting of opgave van de gemeente")),
    ("Basisgegevens", "Doelgroep", ColumnSpec("text", "de inwoners voor wie het segment is")),
    (
        "Basisgegevens",
        "Inwoners doelgroep",
        ColumnSpec("count", "aantal inwoners van de doelgroep op 1 januari", "CBS bevolking"),
    ),
    (
        "Basisgegevens",
        r"Cliënten \(<10 niet getoond\)",
        ColumnSpec(
            "count",
            "cliënten in het jaar (afgerond); '<10' waar het aantal kleiner is dan 10, 'x' waar "
            "het een ander aantal zou verraden; leeg: niet ingekocht",
            "CBS Kerncijfers wijken en buurten 2022 verdeeld over de segmenten (schatting), of "
            "opgave van de gemeente",
        ),
    ),
    (
        "Basisgegevens",
        r"Kosten per cliënt \(€\)",
        ColumnSpec(
            "euro",
            "uitgaven gedeeld door cliënten; leeg waar het aantal cliënten niet getoond wordt",
            "berekend",
        ),
    ),
)

SHEETS = {
    "Startbudget": "Het startbudget van de gemeente per ingekocht segment en contractjaar.",
    "Varianten": "Wat de gemeente betaalt per bekostigingsvariant in het eerste volledige "
    "contractjaar, met de resultaten van de aanbieders en de verrekening.",
    "Projectie": "De verwachte uitgaven per contractjaar bij de besloten bekostiging "
    "(P10, P50, P90) naast het startbudget.",
    "Risico's": "De risico's voor de paragraaf weerstandsvermogen, per jaar. Tel de rijen niet "
    "op: de verrekening is een deel van de volumegroei.",
    "Weerstandsvermogen": "Benodigde tegen beschikbare weerstandscapaciteit, netto en bruto, in "
    "het eerste en het zwaarste contractjaar.",
    "Verdeelsleutels": "Het deel van de gemeente in het regionale startbudget onder elke "
    "verdeelsleutel.",
    "Prikkels": "De perverse prikkels per segment en bekostigingsvariant, met KPI en dempende "
    "maatregel.",
    "Basisgegevens": "Uitgaven, inwoners en cliënten per segment en jaar: de basis van het "
    "startbudget.",
}
"""What each sheet shows (the first column of the key sheet)."""

FALLBACK = ColumnSpec("text", "zie het rapport")


def column_spec(sheet: str, column: str) -> ColumnSpec:
    """The spec of ``column`` of ``sheet``: the first rule of :data:`COLUMNS` whose sheet
    matches (or is None) and whose pattern matches the whole header. A header without a rule
    gets :data:`FALLBACK` (an amount if it says ``(€)``); the tests require a rule for each.

    >>> column_spec("Basisgegevens", "Cliënten (<10 niet getoond)").number_format
    '#,##0'
    >>> column_spec("Nieuw", "Iets (€)").kind
    'euro'
    """
    for where, pattern, spec in COLUMNS:
        if where in (None, sheet) and re.fullmatch(pattern, column):
            return spec
    if "(€)" in column:
        return ColumnSpec("euro", FALLBACK.meaning)
    return FALLBACK


def cell_value(value: Any, kind: str) -> Any:
    """The value to write for a table value of a column of ``kind``: numbers as numbers (a
    percentage in points as its fraction, a year as a whole number), NaN and infinities empty.

    >>> cell_value(47.5, "points"), cell_value("2033", "year"), cell_value(float("nan"), "euro")
    (0.475, 2033, None)
    """
    if isinstance(value, str):
        return int(value) if kind == "year" and value.strip().isdigit() else value
    if value is None or pd.isna(value):
        return None
    if kind == "year":
        return int(value)
    if kind == "text":
        return value.item() if hasattr(value, "item") else value
    value = float(value)
    if not math.isfinite(value):
        return None
    return value / 100 if kind == "points" else value


def header_value(column: str) -> Any:
    """A header as written: a year as a number, anything else as text.

    >>> header_value("2027"), header_value("Jaar")
    (2027, 'Jaar')
    """
    return int(column) if re.fullmatch(r"\d{4}", column) else column


def _shown_length(value: Any, kind: str) -> int:
    """About how many characters Excel shows for ``value`` in the format of ``kind``."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if kind == "euro":
        return len(f"€ {abs(value):,.0f}") + (value < 0)
    if kind in ("percent", "points"):
        return len(f"{value * 100:.1f}%")
    if kind == "share":
        return len(f"{value * 100:.2f}%")
    if kind == "ratio":
        return len(f"{value:.2f}")
    if kind == "count":
        return len(f"{value:,.0f}")
    return len(str(value))


def _write_table(
    ws: Worksheet,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    kinds: Sequence[str],
    first_row: int = 1,
) -> None:
    """Write a header (bold, filled) and rows with their formats; widths fitted, long text
    wrapped, the header frozen and filtered."""
    widths = [0] * len(header)
    for j, h in enumerate(header, start=1):
        cell = ws.cell(first_row, j, h)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, start=first_row + 1):
        for j, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            cell = ws.cell(i, j, value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if kind != "text":  # a marker in a number column
                    cell.alignment = Alignment(horizontal="right")
            elif value is not None:
                cell.number_format = FORMATS[kind]
            widths[j - 1] = max(widths[j - 1], _shown_length(value, kind))
    header_lines = 1
    for j, h in enumerate(header, start=1):
        text = str(h)
        # a header may wrap onto at most three lines, words kept whole
        word = max((len(w) for w in text.split()), default=0)
        width = max(widths[j - 1], word, min(len(text), math.ceil(len(text) / 3)), 6) + 2
        width = min(width, MAX_WIDTH)
        ws.column_dimensions[get_column_letter(j)].width = width
        header_lines = max(header_lines, math.ceil(len(text) / (width - 1)))
        if widths[j - 1] + 2 > MAX_WIDTH:  # long text: wrap the cells of this column
            for i in range(first_row + 1, first_row + 1 + len(rows)):
                ws.cell(i, j).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[first_row].height = 15 * header_lines
    ws.freeze_panes = ws.cell(first_row + 1, 1).coordinate
    last = get_column_letter(len(header))
    ws.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"


def _key_rows(tables: Mapping[str, pd.DataFrame]) -> list[list[Any]]:
    rows = []
    for sheet, frame in tables.items():
        rows.append([sheet, "", "", SHEETS.get(sheet, ""), ""])
        for column in frame.columns:
            spec = column_spec(sheet, str(column))
            rows.append([sheet, str(column), spec.unit, spec.meaning, spec.source])
    return rows


def write_formatted_workbook(
    target: str | Path, tables: Mapping[str, pd.DataFrame], intro: Sequence[str] = ()
) -> Path:
    """Write ``tables`` as one workbook (atomically) after the key sheet *Toelichting*: the
    ``intro`` lines, then per sheet a row with what it shows and a row per column (unit, what
    it includes, source). See the module docstring for the formats."""
    book = Workbook()
    key = book.active
    key.title = TOELICHTING
    for i, line in enumerate(intro, start=1):
        key.cell(i, 1, line).font = Font(bold=i == 1)
    start = len(intro) + 2 if intro else 1
    key_rows = _key_rows(tables)
    _write_table(
        key, ["Tabblad", "Kolom", "Eenheid", "Wat het bevat", "Bron"], key_rows,
        ["text"] * 5, first_row=start,
    )  # fmt: skip
    for i, row in enumerate(key_rows, start=start + 1):
        if row[1] == "":  # the row that describes a sheet
            key.cell(i, 1).font = key.cell(i, 4).font = Font(bold=True)
    key.column_dimensions["D"].width = MAX_WIDTH
    for i in range(start + 1, start + 1 + len(key_rows)):
        key.cell(i, 4).alignment = key.cell(i, 5).alignment = Alignment(
            wrap_text=True, vertical="top"
        )

    for sheet, frame in tables.items():
        ws = book.create_sheet(sheet[:31])
        columns = [str(c) for c in frame.columns]
        kinds = [column_spec(sheet, c).kind for c in columns]
        markers = frame.attrs.get("markers", {})
        rows = []
        for r in range(len(frame)):
            row = []
            for c, kind in zip(columns, kinds, strict=True):
                value = cell_value(frame[c].iloc[r], kind)
                marker = markers.get(c)
                if value is None and marker is not None and marker[r] is not None:
                    value = str(marker[r])
                row.append(value)
            rows.append(row)
        _write_table(ws, [header_value(c) for c in columns], rows, kinds)
        for j, c in enumerate(columns, start=1):
            if c in markers:
                ws.cell(1, j).comment = Comment(
                    "'<10': minder dan 10 cliënten, niet getoond; 'x': niet getoond omdat het "
                    "anders uit de andere cijfers af te leiden is.",
                    "bekostiging",
                )
    with atomic_path(target) as tmp:
        book.save(tmp)
    return Path(target)
