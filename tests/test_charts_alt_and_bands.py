"""Charts: fan bands that stay apart with a legend entry each, and Dutch alt texts with numbers."""

from __future__ import annotations

import nbformat
import pytest
from matplotlib.colors import to_rgba
from nbformat import v4

from bekostiging import report as pres
from bekostiging.report.charts import alt_text, bar_compare, fan_chart
from bekostiging.report.formatting import euro_mln
from bekostiging.report.htmlexport import notebook_to_html


@pytest.fixture(scope="module")
def analysis():
    from bekostiging.analysis.region_analysis import RegionAnalysis

    return RegionAnalysis.from_parameters(draws=300)


@pytest.fixture(scope="module")
def view(analysis):
    return analysis.municipality("GM0197")


def _bands(ax):
    return [c for c in ax.collections if c.get_gid() == "fan-band"]


def test_three_overlapping_bands_are_drawn_apart_with_a_legend_entry_each():
    years = [2027, 2028, 2029]
    fig = fan_chart(years, [10, 11, 12], [12, 13, 14], [14, 15, 16], label="A")
    ax = fig.axes[0]
    fan_chart(years, [10.5, 11, 12], [12, 13, 14], [14, 15, 17], label="B", ax=ax)
    fan_chart(years, [9, 10, 11], [12, 13, 14], [15, 16, 17], label="C", ax=ax)
    bands = _bands(ax)
    assert len(bands) == 3
    # only the first is filled; the others have no face colour, so nothing blends
    faces = [b.get_facecolor() for b in bands]
    assert faces[0][0][3] == pytest.approx(0.2)
    assert all(len(f) == 0 or f[0][3] == 0 for f in faces[1:])
    hatches = [b.get_hatch() for b in bands]
    assert hatches[0] is None and len(set(hatches[1:])) == 2 and None not in hatches[1:]
    # each band is outlined in the colour of its median line
    medians = [line for line in ax.get_lines() if line.get_gid() == "fan-p50"]
    for band, line in zip(bands[1:], medians[1:], strict=True):
        assert tuple(band.get_edgecolor()[0][:3]) == pytest.approx(to_rgba(line.get_color())[:3])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    for label in "ABC":
        assert f"{label}: 80%-interval (P10–P90)" in texts
        assert f"{label}: mediaan (P50)" in texts
    handles = dict(zip(texts, ax.get_legend().legend_handles, strict=True))
    assert handles["B: 80%-interval (P10–P90)"].get_hatch() == hatches[1]
    assert handles["C: 80%-interval (P10–P90)"].get_hatch() == hatches[2]


def test_the_report_fan_chart_has_every_band_in_its_legend_and_numbers_in_its_alt(view):
    fig = pres.fan_chart_figure(view)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    bands = [t for t in texts if "80%-interval" in t]
    assert len(bands) == len(_bands(ax)) == 3
    assert "Startbudget" in texts
    q = view.decided_quantiles()
    first, last = int(q.index[0]), int(q.index[-1])
    alt = alt_text(fig)
    assert alt.startswith("Uitgaven Aalten per jaar en variant")
    expected = (
        f"Gekozen mix: mediaan van {euro_mln(q['p50'].iloc[0], 1)} in {first} naar "
        f"{euro_mln(q['p50'].iloc[-1], 1)} in {last}; 80%-interval (P10–P90) in {last} van "
        f"{euro_mln(q['p10'].iloc[-1], 1)} tot {euro_mln(q['p90'].iloc[-1], 1)}."
    )
    assert expected in alt
    assert f"Startbudget van {euro_mln(q['budget'].iloc[0], 1)}" in alt
    assert "Alles p*q: mediaan" in alt and "Alles lumpsum: mediaan" in alt


def test_every_report_figure_has_a_dutch_alt_text_with_numbers(view, analysis):
    figures = {
        "startbudget": pres.start_budget_figure(view),
        "waaier": pres.fan_chart_figure(view),
        "varianten": pres.variant_figure(view),
        "terugblik": pres.backtest_figure(view),
    }
    for name, fig in figures.items():
        alt = alt_text(fig)
        assert alt != "Figuur", name
        assert "€" in alt and any(ch.isdigit() for ch in alt), (name, alt)
        assert not any(w in alt for w in ("median", "interval from", "Figure")), (name, alt)
    start = figures["startbudget"]
    budget = view.start_budget()
    hcv = budget[(budget["segment"] == "hcv") & (budget["year"] == analysis.first_full_year)]
    assert f"HCV {euro_mln(hcv['budget'].iloc[0], 1)}" in alt_text(start)


def test_the_alt_text_reaches_the_html_img(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    fig = bar_compare(
        __import__("pandas").DataFrame({"g": ["Aalten", "Winterswijk"], "v": [2.5e6, 3e6]}),
        "g",
        "v",
        title="Startbudget per gemeente",
    )
    data, metadata = InteractiveShell.instance().display_formatter.format(fig)
    assert metadata["alt"] == (
        "Startbudget per gemeente. Staafdiagram: Aalten € 2,5 mln, Winterswijk € 3,0 mln."
    )
    assert set(metadata["image/png"]) == {"width", "height"}
    png = __import__("base64").b64encode(data["image/png"]).decode()
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell(
            "fig",
            outputs=[
                v4.new_output(
                    "display_data",
                    {"image/png": png, "text/plain": "<Figure>"},
                    metadata={k: v for k, v in metadata.items()},
                ),
                v4.new_output("display_data", {"image/png": png, "text/plain": "<Figure>"}),
            ],
        )
    ]
    nbformat.write(nb, tmp_path / "f.ipynb")
    html = notebook_to_html(tmp_path / "f.ipynb", tmp_path / "f.html").read_text("utf-8")
    assert 'alt="Startbudget per gemeente. Staafdiagram: Aalten € 2,5 mln' in html
    assert 'alt="Figuur"' in html  # an image without alt text keeps the Dutch default
    assert html.count("<img") == 2
