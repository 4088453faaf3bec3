"""Turn an executed notebook into one HTML file that opens offline, without code.

Reports go with a decision of the college van B&W and are opened on municipal laptops, often
without internet access or behind a proxy. nbconvert's default ``lab`` template loads
require.js and MathJax from cdnjs (and jQuery, Mermaid and the widget manager when needed), see
jupyter/nbconvert#754 and #1770. Setting ``require_js_url``/``mathjax_url`` to ``""`` is not
enough: the template still writes ``<script src="">``. So this module

1. renders with a small template that extends ``lab/index.html.j2`` and empties the blocks that
   load scripts (``html_head_js``, ``html_head_js_mathjax``, ``html_head_js_mermaidjs``,
   ``jupyter_widgets``); the CSS of the lab template is already inlined by nbconvert;
2. sets ``embed_images=True`` (images referenced from Markdown cells become data URIs; plots in
   outputs are already base64 PNGs), ``exclude_input`` and no prompts, ``lang="nl"``;
3. removes cells tagged ``parameters``, ``injected-parameters`` or ``remove-cell`` entirely
   (:class:`~nbconvert.preprocessors.TagRemovePreprocessor`), the input of cells tagged
   ``remove-input``/``hide-input``, the outputs of cells tagged ``remove-output``, and
   warnings printed to stderr (they stay in the executed notebook);
4. as a safety net, :func:`make_offline` drops every remaining reference to something outside
   the file (``<script src>``, ``<link href>``, ``<img src>``, iframes, CSS ``url()`` and
   ``@import``, URLs in inline scripts), and :func:`assert_offline` lists them.

Consequence: LaTeX in Markdown is shown as typed (no MathJax), ipywidgets and Mermaid diagrams
are not rendered. Reports use matplotlib figures and tables only.

>>> assert_offline('<script src="https://cdn.example.org/x.js"></script><p>ok</p>')
['<script src="https://cdn.example.org/x.js">']
>>> html, removed = make_offline('<script src="//cdn.example.org/x.js"></script><p>ok</p>')
>>> html, removed
('<p>ok</p>', ['<script src="//cdn.example.org/x.js">'])
>>> assert_offline('<img src="data:image/png;base64,AAAA"><a href="https://cbs.nl">CBS</a>')
[]
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup, Tag
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from traitlets.config import Config

from bekostiging.core.atomic import write_text

REMOVE_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})
REMOVE_INPUT_TAGS = frozenset({"remove-input", "hide-input"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})

# nbconvert warns about every plot without alt text; it then adds one (replaced below)
_QUIET_LOG = logging.getLogger("bekostiging.report.htmlexport.nbconvert")
_QUIET_LOG.setLevel(logging.ERROR)
_LAB_ALT = "No description has been provided for this image"
_TEMPLATE_NAME = "bekostiging_offline.html.j2"
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt %}{{ super() | replace('<img ', '<img alt="' ~ (alt | escape_html) ~ '" ') }}
{%- else %}{{ super() }}{% endif -%}{%- endblock data_png -%}
"""

# Attributes through which a browser fetches something when the page opens. Hyperlinks
# (<a href>) are not in the list: a link is only followed when clicked.
_RESOURCE_ATTRS: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "base": ("href",),
}
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)[^;]*;?""", re.IGNORECASE)
_JS_URL = re.compile(r"""["'`]((?:https?:|ftp:)?//[^"'`\s]+)""", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _is_external(url: str) -> bool:
    """True when loading ``url`` needs something outside this file: another host (http, https,
    ftp, protocol-relative ``//``), a local file (``file:`` or a relative path).

    >>> [_is_external(u) for u in ["data:image/png;base64,AA", "#fig1", "", "https://x.nl/a.js",
    ...                            "//cdn.x/a.js", "plaatje.png", "file:///tmp/a.png"]]
    [False, False, False, True, True, True, True]
    """
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    if url.startswith("//"):
        return True
    scheme = _SCHEME.match(url)
    if scheme:
        return scheme.group(1).lower() not in {"data", "blob", "about", "javascript", "mailto"}
    return True  # a relative path: a file next to the report, which does not travel with it


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _tag_text(tag: Tag, attr: str, value: str) -> str:
    return f'<{tag.name} {attr}="{value}">'


def _css_refs(css: str) -> list[str]:
    css = _CSS_COMMENT.sub("", css)
    refs = [m.group(2) for m in _CSS_URL.finditer(css) if _is_external(m.group(2))]
    refs += [m.group(1) for m in _CSS_IMPORT.finditer(css) if _is_external(m.group(1))]
    return refs


def _clean_css(css: str) -> str:
    css = _CSS_COMMENT.sub("", css)
    css = _CSS_IMPORT.sub(lambda m: "" if _is_external(m.group(1)) else m.group(0), css)
    return _CSS_URL.sub(lambda m: "none" if _is_external(m.group(2)) else m.group(0), css)


def _is_js(tag: Tag) -> bool:
    return str(tag.get("type", "")).strip().lower() in _JS_TYPES


def _scan(soup: BeautifulSoup, fix: bool) -> list[str]:
    """Find (and with ``fix`` remove) every external reference in a parsed page."""
    found: list[str] = []
    for tag in list(soup.find_all(True)):
        if tag.decomposed:
            continue
        attrs = _RESOURCE_ATTRS.get(tag.name, ())
        bad = []
        for attr in attrs:
            value = tag.get(attr)
            if value is None:
                continue
            value = " ".join(value) if isinstance(value, list) else str(value)
            urls = _srcset_urls(value) if attr == "srcset" else [value]
            if any(_is_external(u) for u in urls):
                bad.append(_tag_text(tag, attr, value))
        if bad:
            found += bad
            if fix:
                if tag.name == "img":
                    note = soup.new_tag("span", attrs={"class": "offline-removed"})
                    alt = str(tag.get("alt", "")).strip()
                    note.string = f"[afbeelding niet opgenomen{': ' + alt if alt else ''}]"
                    tag.replace_with(note)
                else:
                    tag.decompose()
            continue
        style_attr = tag.get("style")
        if style_attr and _css_refs(str(style_attr)):
            found += [f'<{tag.name} style="url({u})">' for u in _css_refs(str(style_attr))]
            if fix:
                tag["style"] = _clean_css(str(style_attr))
        if tag.name == "style" and tag.string and _css_refs(tag.string):
            found += [f"<style> url({u})" for u in _css_refs(tag.string)]
            if fix:
                tag.string = _clean_css(tag.string)
        if tag.name == "script" and tag.string and _is_js(tag):
            urls = [m.group(1) for m in _JS_URL.finditer(tag.string)]
            if urls:
                found += [f"<script> {u}" for u in urls]
                if fix:
                    tag.decompose()
    return found


def assert_offline(html: str) -> list[str]:
    """Every reference in ``html`` that a browser would try to load from outside the file.

    An empty list means the page opens completely offline. Hyperlinks (``<a href>``) are not
    counted: they load nothing until clicked.

    >>> assert_offline('<link rel="stylesheet" href="https://fonts.example.org/css">')
    ['<link href="https://fonts.example.org/css">']
    >>> assert_offline('<style>/* see https://x.nl */ body { background: url(bg.png) }</style>')
    ['<style> url(bg.png)']
    >>> assert_offline('<script>const m = await import("https://cdn.x/m.js");</script>')
    ['<script> https://cdn.x/m.js']
    """
    return _scan(BeautifulSoup(html, features="html.parser"), fix=False)


def make_offline(html: str) -> tuple[str, list[str]]:
    """Remove external references from ``html``; return the cleaned page and what was removed.

    External scripts, style sheets, frames and media are dropped; an external image becomes a
    short Dutch note; external ``url()`` in CSS becomes ``none``. A page without external
    references is returned unchanged, byte for byte.
    """
    soup = BeautifulSoup(html, features="html.parser")
    removed = _scan(soup, fix=True)
    return (str(soup) if removed else html), removed


# --- print and screen layout ------------------------------------------------------------

PAGE_MARGIN_MM = (16, 15, 18, 15)
"""Top, right, bottom and left page margin on A4 (mm)."""
TABLE_WIDTH_BUDGET_PX = 660.0
"""The widest a table may be estimated to get; A4 portrait less 2 x 15 mm is 680 CSS px."""
TABLE_FONT_PX = 12.0
"""Table font size in print (9 pt); on screen tables use JupyterLab's 13 px."""
_CELL_PADDING_PX = 9.0
_MAX_LABEL_SHARE = 0.45
_TEXT_WRAP_CHARS = 18
_TOC_ID = "inhoud"

PRINT_CSS = f"""
/* bekostiging: layout for A4 print and for the screen (htmlexport.PRINT_CSS) */
@page {{
  size: A4;
  margin: {PAGE_MARGIN_MM[0]}mm {PAGE_MARGIN_MM[1]}mm {PAGE_MARGIN_MM[2]}mm {PAGE_MARGIN_MM[3]}mm;
  @bottom-center {{
    content: "pagina " counter(page) " van " counter(pages);
    font-family: "Liberation Sans", Arial, Helvetica, sans-serif;
    font-size: 8pt;
    color: #555;
  }}
}}
main {{ max-width: 1180px; }}
.jp-RenderedHTMLCommon img, .jp-OutputArea-output img {{ max-width: 100%; height: auto; }}
.jp-RenderedHTMLCommon caption {{ text-align: left; caption-side: top; padding-bottom: 0.3em; }}
.jp-OutputArea-output.jp-RenderedHTMLCommon table {{ margin-left: 0; }}
.bk-table-part + .bk-table-part {{ margin-top: 0.4em; }}
/* text columns left, whatever a table's own style says for all cells (numbers keep theirs) */
.jp-RenderedHTMLCommon td.bk-text, .jp-RenderedHTMLCommon th.bk-text {{ text-align: left; }}
/* headers wrap at spaces; numbers in the cells below do not */
.jp-RenderedHTMLCommon th {{ white-space: normal !important; vertical-align: bottom; }}
nav.bk-toc {{
  margin: 0.5em 0 1.5em 0; padding: 0.6em 1em; border: 1px solid #ccc;
  font-family: var(--jp-content-font-family); font-size: var(--jp-content-font-size1);
  color: var(--jp-content-font-color1); line-height: 1.45;
}}
nav.bk-toc .bk-toc-title {{ font-weight: bold; font-size: 1.15em; margin: 0 0 0.3em 0; }}
nav.bk-toc ol {{ margin: 0; padding-left: 1.2em; list-style: none; }}
nav.bk-toc > ol > li {{ margin-top: 0.2em; break-inside: avoid; }}
nav.bk-toc ol ol {{ font-size: 0.92em; padding-left: 1.2em; }}
nav.bk-toc a {{ text-decoration: none; color: inherit; }}
nav.bk-toc a:hover {{ text-decoration: underline; }}
@media print {{
  html, body {{ background: #fff; margin: 0 !important; padding: 0 !important; }}
  :root {{ --jp-content-font-size1: 10pt; }}
  main {{ max-width: none; padding: 0; margin: 0; }}
  .jp-Cell, .jp-Notebook-cell {{ padding: 0; margin: 0; }}
  .jp-Cell-outputWrapper, .jp-Cell-inputWrapper, .jp-OutputArea, .jp-OutputArea-child {{
    display: block; break-inside: auto;
  }}
  .jp-OutputArea-output, .jp-RenderedHTMLCommon {{
    display: block; width: auto; overflow: visible !important;
    padding-left: 0 !important; padding-right: 0 !important;
  }}
  .jp-OutputArea-prompt, .jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser {{ display: none; }}
  h1, h2, h3, h4, h5 {{ break-after: avoid-page; break-inside: avoid; }}
  h2 {{ margin-top: 1.2em; }}
  p {{ orphans: 3; widows: 3; }}
  .jp-OutputArea-child:has(img), figure, img {{ break-inside: avoid; }}
  .jp-RenderedHTMLCommon table {{
    font-size: {TABLE_FONT_PX:g}px;
    font-family: "Liberation Sans", Arial, Helvetica, sans-serif;
  }}
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {{ padding: 0.2em 0.25em; }}
  table.bk-keep {{ break-inside: avoid; }}
  caption {{ break-after: avoid-page; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; }}
  nav.bk-toc {{ columns: 2; column-gap: 2em; border: none; padding: 0; }}
  nav.bk-toc a::after {{ content: ""; }}
}}
"""

# a cell whose text is a number, an amount, a percentage, a marker such as "<10" or a dash
_NUMERIC_CELL = re.compile(
    r"^[\s€$+\-–−<>≤≥~≈±]*[0-9][0-9.,\s]*(%|‰|x|×|mln|mld|dzd|jaar|p\.p\.)?\s*$"
    r"|^[\s–—\-]*$|^\d{4}\s*[-–]\s*\d{4}$",
    re.IGNORECASE,
)
_KEEP_ROWS = 15
# average glyph widths (em) of a Helvetica-like sans serif, with a margin for wider fallbacks
_NARROW = set(" .,:;'!|ijlI()[]/-")
_WIDE = set("mwMW%@")
_WIDTH_SAFETY = 1.12


def _text_width(text: str, font_px: float = TABLE_FONT_PX, bold: bool = False) -> float:
    """Estimated width in CSS px of ``text`` on one line.

    >>> round(_text_width("€ 2.743.938"))
    72
    >>> _text_width("ABC", bold=True) > _text_width("ABC")
    True
    """
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.28
        elif ch in _WIDE:
            em += 0.86
        elif ch.isupper():
            em += 0.68
        else:
            em += 0.56
    return em * font_px * _WIDTH_SAFETY * (1.07 if bold else 1.0)


def _cell_width(cell: Tag, numeric: bool) -> float:
    """The narrowest a cell can sensibly be: numbers on one line, text wrapped at spaces."""
    text = " ".join(cell.get_text(" ").split())
    bold = cell.name == "th"
    if numeric and not bold:
        return _text_width(text) + _CELL_PADDING_PX
    words = text.split()
    longest = max((_text_width(w, bold=bold) for w in words), default=0.0)
    if bold:  # headers wrap at spaces
        return longest + _CELL_PADDING_PX
    wrap = _text_width(text[:_TEXT_WRAP_CHARS], bold=bold)
    return max(longest, min(_text_width(text, bold=bold), wrap)) + _CELL_PADDING_PX


def _grid(table: Tag) -> tuple[list[Tag], list[Tag]] | None:
    """Header and body rows of a table whose rows all have the same cells (no spans)."""
    rows = table.find_all("tr")
    if not rows or any(r.find_parent("table") is not table for r in rows):
        return None  # a nested table
    width = None
    for row in rows:
        cells = row.find_all(["td", "th"], recursive=False)
        if any(
            int(c.get("colspan", 1) or 1) > 1 or int(c.get("rowspan", 1) or 1) > 1 for c in cells
        ):
            return None
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            return None
    head = [r for r in rows if r.find_parent("thead") is not None]
    body = [r for r in rows if r.find_parent("thead") is None]
    return head, body


def _cells(row: Tag) -> list[Tag]:
    return row.find_all(["td", "th"], recursive=False)


def _column_groups(widths: list[float], labels: int, budget: float) -> list[list[int]]:
    """Split the columns after the ``labels`` leading ones into as few contiguous groups as fit
    ``budget`` next to the label columns, of equal numbers of columns where that fits.

    >>> _column_groups([100, 80, 80, 80, 80, 80], 1, 300)
    [[1, 2], [3, 4], [5]]
    >>> _column_groups([100, 80, 80, 80, 80, 80], 1, 420)
    [[1, 2, 3], [4, 5]]
    >>> _column_groups([100, 80, 80], 1, 300)
    [[1, 2]]
    >>> _column_groups([100, 400, 80, 80], 1, 300)
    [[1], [2, 3]]
    """
    rest = list(range(labels, len(widths)))
    room = budget - sum(widths[:labels])
    greedy: list[list[int]] = []
    for col in rest:  # first fit from the left: the fewest groups
        if greedy and sum(widths[c] for c in greedy[-1]) + widths[col] <= room:
            greedy[-1].append(col)
        else:
            greedy.append([col])
    size = -(-len(rest) // len(greedy))
    even = [rest[i : i + size] for i in range(0, len(rest), size)]
    fits = all(sum(widths[c] for c in g) <= room for g in even)
    return even if len(even) == len(greedy) and fits else greedy


def _short_caption(text: str) -> str:
    """The caption up to its first colon or full stop, for the continuation of a table.

    >>> _short_caption("Startbudget Aalten per segment en jaar (€). De bedragen zijn ...")
    'Startbudget Aalten per segment en jaar (€)'
    """
    text = " ".join(text.split())
    cut = min((i for i in (text.find(". "), text.find(": ")) if i > 0), default=len(text))
    return text[: min(cut, 120)].rstrip(". :")


def _rename_ids(soup: BeautifulSoup, old: str, new_ids: list[str]) -> None:
    """Make the CSS of a table (``#old ...``) apply to its parts as well."""
    selector = ":is(" + ", ".join(f"#{i}" for i in [old, *new_ids]) + ")"
    pattern = re.compile(rf"#{re.escape(old)}(?![\w-])")
    for style in soup.find_all("style"):
        if style.string and f"#{old}" in style.string:
            style.string = pattern.sub(selector, style.string)


def _copy_attrs(tag: Tag) -> dict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in tag.attrs.items()}


def _row_part(soup: BeautifulSoup, row: Tag, keep: set[int], labels: int, first: bool) -> Tag:
    part = soup.new_tag("tr", attrs=_copy_attrs(row))
    for col, cell in enumerate(_cells(row)):
        if col in keep:
            cell = copy.copy(cell)
            if not first and col < labels and cell.get("id"):
                del cell["id"]  # a repeated row label: ids stay unique
            part.append(cell)
    return part


def _table_part(soup: BeautifulSoup, table: Tag, keep: set[int], labels: int, k: int) -> Tag:
    """The columns ``keep`` of ``table`` as a new table (part ``k``, counted from 0)."""
    part = soup.new_tag("table", attrs=_copy_attrs(table))
    for child in table.find_all(True, recursive=False):
        if child.name == "tr":
            part.append(_row_part(soup, child, keep, labels, k == 0))
        elif child.name in ("thead", "tbody", "tfoot"):
            section = soup.new_tag(child.name, attrs=_copy_attrs(child))
            for row in child.find_all("tr", recursive=False):
                section.append(_row_part(soup, row, keep, labels, k == 0))
            part.append(section)
        elif child.name == "caption":
            caption = copy.copy(child)
            if k > 0:
                caption.string = f"{_short_caption(child.get_text())} (vervolg)"
            part.append(caption)
    part["class"] = [*part.get("class", []), "bk-table-part"]
    if k > 0 and table.get("id"):
        part["id"] = f"{table['id']}-{k + 1}"
    return part


def _split_tables(soup: BeautifulSoup, budget: float) -> bool:
    """:func:`split_wide_tables` on a parsed page; True when something changed."""
    changed = False
    for table in soup.find_all("table"):
        if table.find_parent("table") is not None or table.find_parent("nav") is not None:
            continue
        grid = _grid(table)
        body_rows = len(grid[1]) if grid else len(table.find_all("tr"))
        if body_rows <= _KEEP_ROWS:
            table["class"] = [*table.get("class", []), "bk-keep"]
            changed = True
        if not grid:
            continue
        head = [_cells(r) for r in grid[0]]
        body = [_cells(r) for r in grid[1]]
        ncols = len((head or body)[0])
        if ncols < 3:
            continue
        numeric = []
        for col in range(ncols):
            filled = [t for t in (" ".join(r[col].get_text(" ").split()) for r in body) if t]
            numeric.append(bool(filled) and all(_NUMERIC_CELL.match(t) for t in filled))
        widths = [
            max(
                [_cell_width(r[col], False) for r in head]
                + [_cell_width(r[col], numeric[col]) for r in body]
            )
            for col in range(ncols)
        ]
        for row in head + body:
            for col, cell in enumerate(row):
                if not numeric[col]:
                    cell["class"] = [*cell.get("class", []), "bk-text"]
        changed = True
        if sum(widths) <= budget:
            continue
        labels = 0
        while (
            labels < min(2, ncols - 2)
            and not numeric[labels]
            and sum(widths[: labels + 1]) <= _MAX_LABEL_SHARE * budget
        ):
            labels += 1
        labels = max(labels, 1)
        groups = _column_groups(widths, labels, budget)
        if len(groups) < 2:
            continue
        wrapper = soup.new_tag("div", attrs={"class": "bk-split-table"})
        for k, group in enumerate(groups):
            wrapper.append(_table_part(soup, table, set(range(labels)) | set(group), labels, k))
        if table.get("id"):
            _rename_ids(
                soup, table["id"], [f"{table['id']}-{k + 1}" for k in range(1, len(groups))]
            )
        table.replace_with(wrapper)
    return changed


def split_wide_tables(html: str, budget: float = TABLE_WIDTH_BUDGET_PX) -> str:
    """Split every table that would be wider than ``budget`` CSS px into tables of column groups.

    Each part repeats the leading label columns (the text columns before the first number
    column, at least the first column) and the header rows; the first part keeps the caption,
    the others say "(vervolg)". Tables with merged cells are left as they are. Small tables
    (at most 15 rows) are marked ``bk-keep``, so print keeps them on one page; the cells of
    text columns are marked ``bk-text`` (left-aligned by :data:`PRINT_CSS`).

    >>> years = "".join(f"<th>{y}</th>" for y in range(2027, 2034))
    >>> amounts = "".join("<td>€ 12.345.678</td>" for _ in range(2027, 2034))
    >>> page = (f"<table id='t'><caption>Budget per jaar. Toelichting</caption><thead><tr>"
    ...         f"<th>Segment</th>{years}</tr></thead><tbody><tr><td>Wonen</td>{amounts}"
    ...         "</tr></tbody></table>")
    >>> out = BeautifulSoup(split_wide_tables(page), "html.parser")
    >>> [[th.get_text() for th in t.find_all("th")] for t in out.find_all("table")]
    [['Segment', '2027', '2028', '2029', '2030'], ['Segment', '2031', '2032', '2033']]
    >>> [t.caption.get_text() for t in out.find_all("table")]
    ['Budget per jaar. Toelichting', 'Budget per jaar (vervolg)']
    >>> split_wide_tables("<table><tr><td>1</td></tr></table>")
    '<table class="bk-keep"><tr><td>1</td></tr></table>'
    """
    soup = BeautifulSoup(html, features="html.parser")
    return str(soup) if _split_tables(soup, budget) else html


def add_table_of_contents(html: str, title: str = "Inhoud") -> str:
    """Insert a linked table of contents of the ``h2`` and ``h3`` headings after the title.

    It is built from the headings in the page (their ``id``), so it follows any order of the
    sections. It goes after the cell that holds the first ``h1`` (or at the start of
    ``<main>``/``<body>``); with fewer than two headings nothing changes.

    >>> page = ("<body><main><div class='jp-Cell'><h1 id='t'>Rapport</h1></div>"
    ...         "<h2 id='a'>1. Advies<a class='anchor-link' href='#a'>¶</a></h2>"
    ...         "<h3 id='a1'>Budget</h3><h2 id='b'>2. Bijlage</h2></main></body>")
    >>> toc = BeautifulSoup(add_table_of_contents(page), "html.parser").find("nav")
    >>> [(a["href"], a.get_text()) for a in toc.find_all("a")]
    [('#a', '1. Advies'), ('#a1', 'Budget'), ('#b', '2. Bijlage')]
    >>> toc.find_previous("h1").get_text(), toc.find(class_="bk-toc-title").get_text()
    ('Rapport', 'Inhoud')
    """
    soup = BeautifulSoup(html, features="html.parser")
    return str(soup) if _insert_contents(soup, title) else html


def _insert_contents(soup: BeautifulSoup, title: str = "Inhoud") -> bool:
    """:func:`add_table_of_contents` on a parsed page; True when the contents were added."""
    root = soup.find("main") or soup.find("body") or soup
    headings = [h for h in root.find_all(["h2", "h3"]) if h.get("id")]
    if len(headings) < 2 or soup.find("nav", class_="bk-toc") is not None:
        return False
    nav = soup.new_tag("nav", attrs={"class": "bk-toc", "id": _TOC_ID, "aria-label": title})
    label = soup.new_tag("p", attrs={"class": "bk-toc-title"})
    label.string = title
    nav.append(label)
    top = soup.new_tag("ol")
    nav.append(top)
    current: Tag | None = None
    for heading in headings:
        text = " ".join(
            s
            for s in heading.find_all(string=True)
            if s.find_parent("a", class_="anchor-link") is None
        )
        text = " ".join(text.split())
        item = soup.new_tag("li")
        link = soup.new_tag("a", attrs={"href": f"#{heading['id']}"})
        link.string = text
        item.append(link)
        if heading.name == "h2" or current is None:
            top.append(item)
            current = item
        else:
            sub = current.find("ol")
            if sub is None:
                sub = soup.new_tag("ol")
                current.append(sub)
            sub.append(item)
    title_heading = root.find("h1")
    if title_heading is not None:
        anchor = title_heading.find_parent("div", class_="jp-Cell") or title_heading
        anchor.insert_after(nav)
    else:
        root.insert(0, nav)
    return True


def add_print_css(html: str) -> str:
    """Add :data:`PRINT_CSS` as the last style sheet of the page (it overrides JupyterLab's).

    >>> "@page" in add_print_css("<html><head></head><body></body></html>")
    True
    """
    soup = BeautifulSoup(html, features="html.parser")
    _append_css(soup)
    return str(soup)


def _append_css(soup: BeautifulSoup) -> None:
    style = soup.new_tag("style", attrs={"type": "text/css"})
    style.string = PRINT_CSS
    (soup.find("head") or soup).append(style)


def layout_for_print(html: str, budget: float = TABLE_WIDTH_BUDGET_PX) -> str:
    """The page with the print style sheet, a table of contents and no table wider than A4
    (:func:`split_wide_tables`, :func:`add_table_of_contents`, :func:`add_print_css`, on one
    parse of the page)."""
    soup = BeautifulSoup(html, features="html.parser")
    _split_tables(soup, budget)
    _insert_contents(soup)
    _append_css(soup)
    return str(soup)


def _exporter() -> HTMLExporter:
    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.language_code = "nl"
    # empty URLs as a second line of defence, should a template block still use them
    c.HTMLExporter.require_js_url = ""
    c.HTMLExporter.mathjax_url = ""
    c.HTMLExporter.jquery_url = ""
    c.HTMLExporter.jupyter_widgets_base_url = ""
    c.HTMLExporter.widget_renderer_url = ""
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    return HTMLExporter(
        config=c,
        log=_QUIET_LOG,
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        template_file=_TEMPLATE_NAME,
    )


def notebook_node_to_html(
    nb: nbformat.NotebookNode, title: str, *, drop_stderr: bool = True, base_dir: Path | None = None
) -> str:
    """Render a notebook (in memory) to offline HTML; see the module docstring for the rules."""
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    if drop_stderr:
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell.outputs = [
                    o
                    for o in cell.get("outputs", [])
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
    resources = {"metadata": {"name": title}}
    if base_dir is not None:  # where relative Markdown images are looked up for embedding
        resources["metadata"]["path"] = str(base_dir)
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    # the lab template's English alt text for plots; reports are in Dutch
    body = body.replace(f'alt="{_LAB_ALT}"', 'alt="Figuur"')
    body = layout_for_print(body)
    body, _removed = make_offline(body)
    left = assert_offline(body)
    if left:  # pragma: no cover - make_offline removes everything assert_offline finds
        raise RuntimeError(f"HTML still refers to external resources: {left}")
    return body


def notebook_to_html(
    ipynb_path: str | Path,
    html_path: str | Path,
    title: str | None = None,
    *,
    drop_stderr: bool = True,
) -> Path:
    """Convert an executed notebook to an offline HTML report, written atomically.

    ``title`` is the page title (default: the notebook's file name without extension). The
    notebook is not changed. Returns ``html_path``.

    >>> import tempfile, nbformat.v4 as v4
    >>> d = Path(tempfile.mkdtemp())
    >>> nb = v4.new_notebook(cells=[
    ...     v4.new_code_cell("gemeente = 'GM0197'", metadata={"tags": ["parameters"]}),
    ...     v4.new_markdown_cell("# Rapport Aalten"),
    ...     v4.new_code_cell("1 + 1", outputs=[v4.new_output("execute_result",
    ...                      {"text/plain": "2"}, execution_count=1)])])
    >>> nbformat.write(nb, d / "aalten.ipynb")
    >>> html = notebook_to_html(d / "aalten.ipynb", d / "aalten.html").read_text("utf-8")
    >>> "Rapport Aalten" in html, "GM0197" in html, "1 + 1" in html, assert_offline(html)
    (True, False, False, [])
    """
    ipynb_path = Path(ipynb_path)
    nb = nbformat.read(ipynb_path, as_version=4)
    html = notebook_node_to_html(
        nb, title or ipynb_path.stem, drop_stderr=drop_stderr, base_dir=ipynb_path.parent
    )
    return write_text(html_path, html)
