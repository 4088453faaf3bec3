"""The data-quality findings in Dutch: one line each, a report table and a short text.

The findings come from :func:`bekostiging.data.quality.data_quality`; blocking findings stop a
run (:func:`bekostiging.data.quality.check_before_run`), the warnings are listed in the report.

>>> from bekostiging.data.quality import Finding
>>> f = Finding("warning", "missing_year", "geen Iv3-jaarrekening over 2022",
...             "vraag de gemeente om de cijfers", code="GM0141", name="Almelo", year=2022,
...             report="jaarrekening")
>>> print(finding_line(f))
waarschuwing: Almelo (GM0141), 2022, jaarrekening: geen Iv3-jaarrekening over 2022. Wat te doen: vraag de gemeente om de cijfers.
>>> print(verdict([f]))
Geen blokkerende bevindingen; 1 waarschuwing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown

from bekostiging.data.quality import BLOCKING, Finding
from bekostiging.report.formatting import euro
from bekostiging.report.tables import ReportTable, markdown, table

SEVERITY_LABELS = {BLOCKING: "blokkerend", "warning": "waarschuwing"}
CHECK_LABELS = {
    "code": "Gemeentecodes",
    "parameters": "Aannames per ingekocht segment",
    "outlier": "Uitschieters per inwoner",
    "missing_year": "Ontbrekende jaren",
    "zero_spend": "Geen uitgaven in een ingekocht segment",
}
COLUMNS = [
    "Ernst",
    "Controle",
    "Gemeente",
    "Jaar",
    "Iv3",
    "Taakveld",
    "Segment",
    "Per inwoner (€)",
    "99e percentiel NL (€)",
    "Bevinding",
    "Wat te doen",
]


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Blocking first, then by check (in the order of :data:`CHECK_LABELS`), municipality, year."""
    order = {c: i for i, c in enumerate(CHECK_LABELS)}
    return sorted(
        findings,
        key=lambda f: (
            not f.blocking,
            order.get(f.check, len(order)),
            f.name or "",
            f.year or 0,
            f.taakveld or "",
        ),
    )


def finding_line(f: Finding) -> str:
    """One finding on one line: severity, where, what was found and what to do."""
    where = f.where()
    place = f" (regel {f.line} van {f.file})" if f.line is not None and f.file else ""
    head = f"{SEVERITY_LABELS.get(f.severity, f.severity)}: "
    head += f"{where}{place}: " if where else (f"{f.file}: " if f.file else "")
    end = "" if f.action.endswith((".", "?", "!")) else "."
    return f"{head}{f.found}. Wat te doen: {f.action}{end}"


def findings_lines(findings: Sequence[Finding]) -> list[str]:
    """The findings grouped by check (a heading per group), one line each, blocking first.

    >>> from bekostiging.data.quality import Finding
    >>> f = Finding("blocking", "code", "gemeentecode GM0917 komt niet voor", "controleer de code",
    ...             code="GM0917", name="Aalten", file="regio.yaml", line=12)
    >>> findings_lines([f])
    ['Gemeentecodes:', '  - blokkerend: Aalten (GM0917) (regel 12 van regio.yaml): gemeentecode GM0917 komt niet voor. Wat te doen: controleer de code.']
    """
    lines: list[str] = []
    last = None
    for f in _ordered(findings):
        if f.check != last:
            lines.append(f"{CHECK_LABELS.get(f.check, f.check)}:")
            last = f.check
        lines.append(f"  - {finding_line(f)}")
    return lines


def verdict(findings: Sequence[Finding]) -> str:
    """The one-line conclusion: 'Alles in orde' only without any finding.

    >>> verdict([])
    'Alles in orde.'
    """
    blocking = sum(f.blocking for f in findings)
    warnings = len(findings) - blocking
    w = f"{warnings} waarschuwing" + ("" if warnings == 1 else "en")
    if blocking:
        b = f"{blocking} blokkerende bevinding" + ("" if blocking == 1 else "en")
        return f"{b} en {w}: los de blokkerende bevindingen op voordat u rekent."
    if warnings:
        return f"Geen blokkerende bevindingen; {w}."
    return "Alles in orde."


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """The findings with Dutch headers, one row each (blocking first); amounts as numbers."""
    rows = [
        {
            "Ernst": SEVERITY_LABELS.get(f.severity, f.severity),
            "Controle": CHECK_LABELS.get(f.check, f.check),
            "Gemeente": f"{f.name} ({f.code})" if f.name else (f.code or ""),
            "Jaar": "" if f.year is None else str(f.year),
            "Iv3": f.report or "",
            "Taakveld": f.taakveld or "",
            "Segment": f.segment or "",
            "Per inwoner (€)": f.value,
            "99e percentiel NL (€)": f.reference,
            "Bevinding": f.found,
            "Wat te doen": f.action,
        }
        for f in _ordered(findings)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("Per inwoner (€)", "99e percentiel NL (€)"):
        frame[col] = frame[col].astype(float)
    if frame[["Per inwoner (€)", "99e percentiel NL (€)"]].isna().all().all():
        frame = frame.drop(columns=["Per inwoner (€)", "99e percentiel NL (€)"])
    return frame


def findings_table(findings: Sequence[Finding]) -> ReportTable:
    """The data-quality findings as a report table (empty table with a caption if none)."""
    frame = findings_frame(findings)
    formats = {c: euro for c in ("Per inwoner (€)", "99e percentiel NL (€)") if c in frame}
    return table(
        frame,
        formats,
        caption="Datakwaliteit: controles op de Iv3- en CBS-gegevens van de regio en op de "
        "aannames. Blokkerend = de berekening stopt tot het is opgelost; waarschuwing = de "
        "berekening gaat door, maar controleer het cijfer. Uitschieters: euro's per inwoner "
        "tegen het 99e percentiel van alle gemeenten in hetzelfde jaar (de drempels staan "
        "bij de aannames in de bijlage). " + verdict(findings),
    )


def findings_text(findings: Sequence[Finding]) -> Markdown:
    """The findings in a few sentences for the report: how many, of which kind, the verdict.

    >>> print(findings_text([]).data)
    **Datakwaliteit.** Alle controles op de gegevens en aannames zijn doorstaan: geen ontbrekende jaren, geen uitschieters per inwoner en geen ingekochte segmenten zonder uitgaven.
    """
    if not findings:
        return markdown(
            [
                "**Datakwaliteit.** Alle controles op de gegevens en aannames zijn doorstaan: "
                "geen ontbrekende jaren, geen uitschieters per inwoner en geen ingekochte "
                "segmenten zonder uitgaven."
            ]
        )
    counts = pd.Series([f.check for f in findings]).value_counts()
    parts = [
        f"{CHECK_LABELS.get(c, c).lower()}: {int(counts[c])}" for c in CHECK_LABELS if c in counts
    ]
    lines = [f"**Datakwaliteit.** {verdict(findings).rstrip('.')} ({'; '.join(parts)}).", ""]
    lines += [f"- {finding_line(f)}" for f in _ordered(findings)]
    return markdown(lines)


def quality_section(obj) -> Markdown:
    """The data-quality findings that concern this report: a municipality's own (and the
    region-wide ones) in its report, all of them in the regional overview."""
    a = getattr(obj, "analysis", obj)
    findings = list(a.quality)
    code = getattr(obj, "code", None)
    if code is not None:
        own = {code, *a.region.predecessors(code)}
        findings = [f for f in findings if not f.code or f.code in own]
    return findings_text(findings)
