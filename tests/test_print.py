"""The real reports printed on A4 in headless Chromium (network off): no table wider than the page.

The reports are made from the committed executed notebooks (``notebooks/gemeente.ipynb`` is
Aalten, ``notebooks/regio.ipynb`` the Achterhoek overview) with the same export as the batch.
Chromium comes from the operating system (Debian package ``chromium``); without it, or without
Playwright, these tests are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bekostiging.report.htmlexport import notebook_to_html
from bekostiging.report.printing import (
    PRINTABLE_WIDTH_PX,
    SCREEN_WIDTH_PX,
    find_chromium,
    print_report,
)

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip, dev extra)")
pytest.importorskip("pypdf", reason="pypdf is not installed (pip, dev extra)")
if find_chromium() is None:
    pytest.skip(
        "Chromium is not installed (apt-get install chromium); print test skipped",
        allow_module_level=True,
    )


ROOT = Path(__file__).resolve().parents[1]
REPORTS = {"aalten": "gemeente.ipynb", "achterhoek": "regio.ipynb"}


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Each report as HTML, printed once to PDF: name -> (html path, PrintResult)."""
    out = tmp_path_factory.mktemp("print")
    results = {}
    for name, notebook in REPORTS.items():
        html = notebook_to_html(ROOT / "notebooks" / notebook, out / f"{name}.html", title=name)
        results[name] = (html, print_report(html, out / f"{name}.pdf"))
    return results


def _pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


@pytest.mark.parametrize("name", list(REPORTS))
def test_no_table_is_wider_than_the_page(printed, name, capsys):
    _html, result = printed[name]
    assert result.blocked == [], "the report tried to load something from outside the file"
    assert len(result.tables_print) >= 10  # the real reports have many tables
    assert all(
        t.limit == pytest.approx(int(PRINTABLE_WIDTH_PX), abs=1) for t in result.tables_print
    )
    wide = [(round(t.width), t.label) for t in result.too_wide_print]
    assert wide == [], f"tables wider than A4 portrait ({PRINTABLE_WIDTH_PX:.0f} px): {wide}"
    wide = [(round(t.width), t.label) for t in result.too_wide_screen]
    assert wide == [], f"tables wider than a {SCREEN_WIDTH_PX} px screen: {wide}"
    appendix = result.first_page_of("Bijlage")
    assert appendix is not None and 1 < appendix < result.pages
    with capsys.disabled():
        print(
            f"\n[print] {name}: {result.pages} A4 pages, appendix from page {appendix}, "
            f"{len(result.tables_print)} tables, none wider than the page"
        )


@pytest.mark.parametrize("name", list(REPORTS))
def test_pages_are_numbered_and_the_contents_link_to_the_headings(printed, name):
    html_path, result = printed[name]
    pages = _pdf_text(result.pdf)
    assert len(pages) == result.pages
    for number in (1, result.pages):
        assert f"pagina {number} van {result.pages}" in pages[number - 1]
    # the table of contents is on page 1 and every link has a target in the page
    assert "Inhoud" in pages[0]
    soup = BeautifulSoup(html_path.read_text("utf-8"), "html.parser")
    toc = soup.find("nav", class_="bk-toc")
    links = [a["href"] for a in toc.find_all("a")]
    assert len(links) >= 10 and all(h.startswith("#") for h in links)
    for target in links:
        assert soup.find(id=target[1:]) is not None, target
    # the PDF outline (bookmarks) follows the headings, titles first
    assert result.outline[0][2] == 1
    assert [p for _lvl, _t, p in result.outline] == sorted(p for _lvl, _t, p in result.outline)


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_amount_of_a_first_row_is_on_paper(printed, name):
    """Printing used to cut columns ("Startbudget per segment en jaar" stopped at 2030): every
    euro amount in the first data row of every table, split or not, must be in the PDF."""
    html_path, result = printed[name]
    soup = BeautifulSoup(html_path.read_text("utf-8"), "html.parser")
    split = soup.find_all("div", class_="bk-split-table")
    assert split, "no wide table was split"
    amounts = []
    for table in soup.find_all("table"):
        row = table.find("tbody").find("tr") if table.find("tbody") else None
        if row is not None:
            amounts += re.findall(r"€ -?[\d.]+(?:,\d+)?", " ".join(row.get_text(" ").split()))
    assert len(amounts) >= 30
    flat = " ".join(" ".join(_pdf_text(result.pdf)).split())
    missing = [a for a in amounts if a not in flat]
    assert missing == []


def test_the_network_is_off_while_printing(tmp_path):
    """The guard itself: a page that asks for something outside the file is caught."""
    page = tmp_path / "extern.html"
    page.write_text(
        '<html><body><img src="http://example.invalid/kaart.png">'
        "<table><tr><td>€ 1</td></tr></table></body></html>",
        encoding="utf-8",
    )
    result = print_report(page)
    assert result.blocked == ["http://example.invalid/kaart.png"]
    assert result.pages == 1 and len(result.tables_print) == 1
