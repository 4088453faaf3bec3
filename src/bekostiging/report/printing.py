"""Print the HTML reports in headless Chromium: A4 PDF, page counts, tables that do not fit.

A report goes to the college printed as often as on screen. This module opens a report in the
Chromium of the operating system (``/usr/bin/chromium``, Debian package ``chromium``) through
Playwright, with the network off: every request that is not for the file itself or a ``data:``
URI is aborted and recorded. It measures every table against the printable width of an A4 page
(print media, viewport as wide as the page's text area) and against a 1280 px screen, prints
the report to PDF with a document outline (bookmarks from the headings) and counts its pages.

``python -m bekostiging.report.printing`` (``make screenshots``) renders the first two pages of
the Aalten report and of the regional overview as PNG files in ``reports/screenshots/``.

Playwright (with its bundled driver) and pypdfium2 are development dependencies; they are
imported only when a function here needs them. Playwright's own browser download
(``playwright install``) is not used.

>>> round(PRINTABLE_WIDTH_PX)
680
>>> find_chromium("/does/not/exist") is None
True
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
MM_PER_INCH = 25.4
CSS_PX_PER_INCH = 96
A4_WIDTH_MM = 210.0
PAGE_MARGIN_MM = 15.0
"""Left and right page margin of the print stylesheet (``htmlexport.PRINT_CSS``)."""
PRINTABLE_WIDTH_PX = (A4_WIDTH_MM - 2 * PAGE_MARGIN_MM) / MM_PER_INCH * CSS_PX_PER_INCH
SCREEN_WIDTH_PX = 1280

# Measures every table and every scroll container that clips a table, in the current layout.
_MEASURE_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const cap = t.querySelector('caption');
    const head = t.querySelector('th, td');
    const label = (cap ? cap.innerText : (head ? head.innerText : '')).trim().slice(0, 80);
    const r = t.getBoundingClientRect();
    let clipped = false;
    for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const box = p.getBoundingClientRect();
      if (r.right > box.left + p.clientWidth + 1 || r.left < box.left - 1) {
        clipped = true; break;
      }
    }
    out.push({index: i, label: label, width: r.width, right: r.right, limit: limit,
              clipped: clipped});
  });
  return out;
}"""


def find_chromium(path: str | None = None) -> str | None:
    """The Chromium executable to use, or ``None`` when there is none.

    ``path`` (default: ``$CHROMIUM`` or ``/usr/bin/chromium``, then ``chromium`` on the PATH).
    """
    candidates = [path] if path else [os.environ.get("CHROMIUM") or CHROMIUM, "chromium"]
    for candidate in candidates:
        if not candidate:
            continue
        found = shutil.which(candidate) if os.sep not in candidate else candidate
        if found and os.access(found, os.X_OK) and Path(found).is_file():
            return found
    return None


@dataclass
class TableWidth:
    """One table as laid out: its width in CSS px and the width it must fit in."""

    index: int
    label: str
    width: float
    limit: float
    clipped: bool

    @property
    def too_wide(self) -> bool:
        """Wider than the page (1 px tolerance for rounding) or cut by a scroll container."""
        return self.width > self.limit + 1 or self.clipped


@dataclass
class PrintResult:
    """What printing one report gave."""

    html: Path
    pdf: Path | None
    pages: int
    tables_print: list[TableWidth]
    tables_screen: list[TableWidth]
    outline: list[tuple[int, str, int]] = field(default_factory=list)
    """(level, title, 1-based page) of every bookmark of the PDF."""
    blocked: list[str] = field(default_factory=list)
    """Requests for something outside the file (all aborted)."""

    @property
    def too_wide_print(self) -> list[TableWidth]:
        return [t for t in self.tables_print if t.too_wide]

    @property
    def too_wide_screen(self) -> list[TableWidth]:
        return [t for t in self.tables_screen if t.too_wide]

    def first_page_of(self, word: str) -> int | None:
        """The page of the first bookmark whose title contains ``word`` (e.g. ``"Bijlage"``)."""
        return next((p for _lvl, title, p in self.outline if word.lower() in title.lower()), None)


def _measure(page) -> list[TableWidth]:
    return [
        TableWidth(m["index"], m["label"], m["width"], m["limit"], m["clipped"])
        for m in page.evaluate(_MEASURE_JS)
    ]


def _outline(pdf_path: Path) -> list[tuple[int, str, int]]:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    found: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, str(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def _page_count(pdf_path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf_path)).pages)


def print_report(
    html_path: str | Path, pdf_path: str | Path | None = None, *, chromium: str | None = None
) -> PrintResult:
    """Open ``html_path`` offline in headless Chromium, measure its tables and print it to A4.

    The PDF goes to ``pdf_path`` (default: a temporary file that is removed). Raises
    ``RuntimeError`` when no Chromium is found.
    """
    from playwright.sync_api import sync_playwright

    executable = find_chromium(chromium)
    if executable is None:
        raise RuntimeError("Chromium niet gevonden (installeer het Debian-pakket chromium)")
    html_path = Path(html_path).resolve()
    url = html_path.as_uri()
    blocked: list[str] = []

    def route(r):
        req_url = r.request.url
        if req_url == url or req_url.startswith(("data:", "about:")):
            r.continue_()
        else:
            blocked.append(req_url)
            r.abort()

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(pdf_path) if pdf_path else Path(tmp) / "report.pdf"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
            try:
                context = browser.new_context(
                    viewport={"width": SCREEN_WIDTH_PX, "height": 900}, offline=True
                )
                page = context.new_page()
                page.route("**/*", route)
                page.goto(url, wait_until="load")
                screen = _measure(page)
                page.emulate_media(media="print")
                page.set_viewport_size({"width": int(PRINTABLE_WIDTH_PX), "height": 1000})
                printed = _measure(page)
                page.pdf(
                    path=str(pdf),
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    outline=True,
                    tagged=True,
                )
            finally:
                browser.close()
        pages = _page_count(pdf)
        outline = _outline(pdf)
    return PrintResult(
        html=html_path,
        pdf=Path(pdf_path) if pdf_path else None,
        pages=pages,
        tables_print=printed,
        tables_screen=screen,
        outline=outline,
        blocked=blocked,
    )


def render_pages(
    pdf_path: str | Path, out_stem: str | Path, pages: int = 2, dpi: int = 110
) -> list[Path]:
    """Rasterise the first ``pages`` pages of a PDF to ``<out_stem>-p1.png`` and so on."""
    import pypdfium2 as pdfium

    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(pdf_path))
    written = []
    try:
        for i in range(min(pages, len(doc))):
            image = doc[i].render(scale=dpi / 72).to_pil()
            target = out_stem.with_name(f"{out_stem.name}-p{i + 1}.png")
            image.save(target)
            written.append(target)
    finally:
        doc.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Screenshots of the first pages of the committed notebooks' reports (``make screenshots``)."""
    from bekostiging.report.htmlexport import notebook_to_html

    parser = argparse.ArgumentParser(
        prog="python -m bekostiging.report.printing",
        description="Druk de rapporten af op A4 (headless Chromium, zonder netwerk) en maak "
        "PNG-afbeeldingen van de eerste pagina's.",
    )
    root = Path(__file__).resolve().parents[3]
    parser.add_argument("--notebooks", type=Path, default=root / "notebooks")
    parser.add_argument("--out", type=Path, default=root / "reports" / "screenshots")
    parser.add_argument("--pages", type=int, default=2, help="aantal pagina's (standaard 2)")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("Chromium niet gevonden: installeer het pakket chromium.", file=sys.stderr)
        return 2
    reports = {"gemeente_aalten": "gemeente.ipynb", "regio_achterhoek": "regio.ipynb"}
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, notebook in reports.items():
            source = args.notebooks / notebook
            if not source.is_file():
                print(f"{source}: notebook niet gevonden.", file=sys.stderr)
                return 2
            html = notebook_to_html(source, Path(tmp) / f"{name}.html", title=name)
            pdf = args.out / f"{name}.pdf"
            result = print_report(html, pdf)
            pngs = render_pages(pdf, args.out / name, pages=args.pages)
            pdf.unlink()
            appendix = result.first_page_of("Bijlage")
            print(
                f"{name}: {result.pages} pagina's"
                + (f", bijlage vanaf pagina {appendix}" if appendix else "")
                + f", tabellen te breed: {len(result.too_wide_print)} op A4, "
                f"{len(result.too_wide_screen)} op {SCREEN_WIDTH_PX} px; "
                + ", ".join(str(p.relative_to(args.out.parent)) for p in pngs)
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
