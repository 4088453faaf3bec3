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
