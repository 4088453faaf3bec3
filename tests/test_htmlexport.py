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
