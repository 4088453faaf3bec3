"""Offline HTML export: no code, no parameters, no CDN, images embedded, written atomically."""

import base64

import nbformat
import pytest
from nbformat import v4

from bekostiging.core.atomic import atomic_path
from bekostiging.report import htmlexport
from bekostiging.report.htmlexport import assert_offline, make_offline, notebook_to_html

# a 1x1 transparent PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _notebook(tmp_path):
    png_b64 = base64.b64encode(PNG).decode()
    (tmp_path / "logo.png").write_bytes(PNG)
    cells = [
        v4.new_code_cell("gemeente = 'GM0000'", metadata={"tags": ["parameters"]}),
        v4.new_code_cell('gemeente = "GM0197"', metadata={"tags": ["injected-parameters"]}),
        v4.new_markdown_cell(
            "# Rapport Aalten\n\n![logo](logo.png)\n\n![extern](https://example.org/kaart.png)"
        ),
        v4.new_code_cell(
            "toon_figuur()",
            outputs=[
                v4.new_output("display_data", {"image/png": png_b64, "text/plain": "<Figure>"}),
                v4.new_output("stream", name="stderr", text="FutureWarning: iets\n"),
                v4.new_output("stream", name="stdout", text="Budget berekend\n"),
            ],
        ),
        v4.new_code_cell(
            "toon_tabel()",
            outputs=[
                v4.new_output(
                    "execute_result",
                    {
                        "text/html": '<script src="https://cdn.plot.ly/plotly.min.js"></script>'
                        "<table><tr><td>€ 1.234</td></tr></table>",
                        "text/plain": "tabel",
                    },
                    execution_count=2,
                )
            ],
        ),
        v4.new_code_cell(
            "geheim()",
            metadata={"tags": ["remove-cell"]},
            outputs=[v4.new_output("stream", name="stdout", text="GEHEIME UITVOER\n")],
        ),
        v4.new_code_cell(
            "verborgen_code()",
            metadata={"tags": ["remove-output"]},
            outputs=[v4.new_output("stream", name="stdout", text="VERBORGEN UITVOER\n")],
        ),
    ]
    nb = v4.new_notebook(cells=cells)
    path = tmp_path / "aalten.ipynb"
    nbformat.write(nb, path)
    return path


def test_notebook_to_html_is_offline_and_clean(tmp_path):
    src = _notebook(tmp_path)
    before = src.read_bytes()
    out = notebook_to_html(src, tmp_path / "out" / "aalten.html", title="Rapport Aalten 2025")
    html = out.read_text("utf-8")

    assert assert_offline(html) == []
    assert "<script src" not in html and "<link" not in html
    assert "cdnjs" not in html and "mathjax" not in html.lower()
    assert "<title>Rapport Aalten 2025</title>" in html and '<html lang="nl">' in html
    # parameters and removed cells do not show, nor does code
    assert "GM0000" not in html and "GM0197" not in html
    assert "GEHEIME UITVOER" not in html and "VERBORGEN UITVOER" not in html
    for code in ("geheim()", "toon_figuur()", "toon_tabel()", "verborgen_code()"):
        assert code not in html
    # outputs and Markdown remain; images are embedded; stderr is dropped
    assert "Budget berekend" in html and "€ 1.234" in html
    assert "FutureWarning" not in html
    assert html.count("data:image/png;base64,") >= 2  # the plot and the local Markdown image
    assert "afbeelding niet opgenomen: extern" in html
    assert 'alt="Figuur"' in html
    assert src.read_bytes() == before  # the notebook itself is not changed


def test_export_is_deterministic(tmp_path):
    src = _notebook(tmp_path)
    a = notebook_to_html(src, tmp_path / "a.html").read_bytes()
    b = notebook_to_html(src, tmp_path / "b.html").read_bytes()
    assert a == b


def test_failed_export_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    src = _notebook(tmp_path)
    target = tmp_path / "r" / "aalten.html"
    target.parent.mkdir()
    target.write_text("vorige versie", encoding="utf-8")

    def broken(path, text):
        with atomic_path(path) as tmp:
            tmp.write_text(text[:100], encoding="utf-8")
            raise OSError("schijf vol")

    monkeypatch.setattr(htmlexport, "write_text", broken)
    with pytest.raises(OSError):
        notebook_to_html(src, target)
    assert [p.name for p in target.parent.iterdir()] == ["aalten.html"]
    assert target.read_text("utf-8") == "vorige versie"


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>',
        '<script src="//cdn.example.org/jquery.js"></script>',
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<img src="http://example.org/a.png">',
        '<img srcset="data:image/png;base64,AA 1x, https://x.org/b.png 2x">',
        '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        "<style>@import url('https://fonts.googleapis.com/css2?family=Inter');</style>",
        "<style>@font-face { src: url(https://x.org/f.woff2) format('woff2'); }</style>",
        "<div style=\"background-image: url('https://x.org/bg.png')\">x</div>",
        "<script>require.config({paths: {plotly: 'https://cdn.plot.ly/plotly-2.min'}});</script>",
        '<img src="figures/plot.png">',
    ],
)
def test_external_references_are_found_and_removed(snippet):
    page = f"<html><head></head><body>{snippet}<p>tekst</p></body></html>"
    assert assert_offline(page), snippet
    cleaned, removed = make_offline(page)
    assert removed and assert_offline(cleaned) == []
    assert "<p>tekst</p>" in cleaned


def test_things_that_load_nothing_are_allowed():
    page = (
        '<a href="https://www.cbs.nl">CBS</a><a href="GM0197.html">Aalten</a>'
        '<img src="data:image/png;base64,AAAA"><svg xmlns="http://www.w3.org/2000/svg">'
        '<use href="#a"/></svg><style>/* https://github.com/x */ a { color: red }</style>'
        '<script type="application/json">{"url": "https://x.org"}</script>'
    )
    assert assert_offline(page) == []
    assert make_offline(page) == (page, [])


# --- print layout: split wide tables, contents, page style --------------------------------


def _wide_table_html():
    import pandas as pd

    from bekostiging.report.formatting import euro, format_table

    years = list(range(2027, 2034))
    df = pd.DataFrame(
        {
            "Segment": ["Integrale Ambulante Jeugdhulp", "Wmo Wonen"],
            "Bekostiging": ["lumpsum", "p*q"],
            **{str(y): [2_743_938.0 + 1000 * i + y, 12_345_678.0 + y] for i, y in enumerate(years)},
        }
    )
    fmts = {str(y): euro for y in years}
    return format_table(df, fmts, caption="Startbudget per segment en jaar. Toelichting").to_html()


def test_a_wide_table_is_split_into_column_groups_that_repeat_the_row_labels():
    from bs4 import BeautifulSoup

    from bekostiging.report.htmlexport import (
        TABLE_WIDTH_BUDGET_PX,
        _cell_width,
        split_wide_tables,
    )

    source = _wide_table_html()
    out = BeautifulSoup(split_wide_tables(source), "html.parser")
    parts = out.find_all("table")
    assert len(parts) == 2
    heads = [[th.get_text() for th in t.find("thead").find_all("th")] for t in parts]
    assert heads == [
        ["Segment", "Bekostiging", "2027", "2028", "2029", "2030"],
        ["Segment", "Bekostiging", "2031", "2032", "2033"],
    ]
    # every amount is in exactly one part, every row label in each part
    cells = [td.get_text() for t in parts for td in t.find("tbody").find_all("td")]
    original = BeautifulSoup(source, "html.parser").find("tbody").find_all("td")
    for td in original:
        labels = ("Integrale Ambulante Jeugdhulp", "Wmo Wonen", "lumpsum", "p*q")
        expected = 2 if td.get_text() in labels else 1
        assert cells.count(td.get_text()) == expected, td.get_text()
    assert "€ 2.745.965" in cells and "€ 12.347.711" in cells
    # each part fits the budget by the same estimate that decided the split
    for t in parts:
        rows = t.find_all("tr")
        ncols = len(rows[0].find_all(["th", "td"]))
        width = sum(
            max(_cell_width(r.find_all(["th", "td"])[c], c >= 2) for r in rows)
            for c in range(ncols)
        )
        assert width <= TABLE_WIDTH_BUDGET_PX
    # captions, ids and the table's own CSS (alignment) carry over to the second part
    assert [t.caption.get_text() for t in parts] == [
        "Startbudget per segment en jaar. Toelichting",
        "Startbudget per segment en jaar (vervolg)",
    ]
    first_id = parts[0]["id"]
    assert parts[1]["id"] == f"{first_id}-2"
    assert f":is(#{first_id}, #{first_id}-2) td.col8" in out.style.string
    # text columns are marked for left alignment, numbers are not
    first_row = parts[0].find("tbody").find("tr").find_all("td")
    assert ["bk-text" in td["class"] for td in first_row] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_format_table_aligns_text_left_and_numbers_right():
    html = " ".join(_wide_table_html().split())
    assert "td.col0 { text-align: left; }" in html and "th.col1 { text-align: left; }" in html
    assert "td.col2 { text-align: right; white-space: nowrap; }" in html


def test_tables_with_merged_cells_or_that_fit_are_left_whole():
    from bekostiging.report.htmlexport import split_wide_tables

    merged = (
        "<table><tr><th colspan='9'>Budget</th></tr><tr>"
        + "<td>€ 12.345.678</td>" * 9
        + "</tr></table>"
    )
    assert split_wide_tables(merged).count("<table") == 1
    small = "<table><tr><th>Jaar</th><th>Bedrag</th><th>Bron</th></tr>" + (
        "<tr><td>2027</td><td>€ 1.234</td><td>Iv3</td></tr>" * 30
    )
    assert split_wide_tables(small + "</table>").count("<table") == 1


def test_contents_follow_the_sections_in_the_order_of_the_notebook(tmp_path):
    from bs4 import BeautifulSoup

    cells = [
        v4.new_markdown_cell("# Rapport Aalten\n\nInleiding."),
        v4.new_markdown_cell("## 2. Risico's\n\ntekst"),
        v4.new_markdown_cell("### Weerstandsvermogen\n\ntekst"),
        v4.new_markdown_cell("## 1. Startbudget\n\ntekst"),
        v4.new_markdown_cell("## 3. Bijlage"),
    ]
    path = tmp_path / "r.ipynb"
    nbformat.write(v4.new_notebook(cells=cells), path)
    html = notebook_to_html(path, tmp_path / "r.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    toc = soup.find("nav", class_="bk-toc")
    assert toc.find(class_="bk-toc-title").get_text() == "Inhoud"
    entries = [(a.get_text(), a["href"]) for a in toc.find_all("a")]
    assert [text for text, _ in entries] == [
        "2. Risico's",
        "Weerstandsvermogen",
        "1. Startbudget",
        "3. Bijlage",
    ]
    for _text, href in entries:
        assert soup.find(id=href[1:]).name in ("h2", "h3")
    # nested: the h3 is listed under its h2; the contents come right after the title
    assert toc.find("ol").find("li").find("ol").get_text(strip=True) == "Weerstandsvermogen"
    assert toc.find_previous(["h1", "h2", "h3"]).get_text(strip=True).startswith("Rapport Aalten")
    # the page style: A4, numbered pages, no scroll bars in print; still nothing external
    assert "size: A4" in html and 'counter(page) " van " counter(pages)' in html
    assert "overflow: visible !important" in html
    assert assert_offline(html) == []
