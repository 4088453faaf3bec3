"""House style and chart helpers: Dutch tick labels, the right shapes and colours, same bytes."""

import json
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bekostiging.core.paths import RAW_DIR
from bekostiging.report.charts import (
    FIGSIZE,
    MISSING_COLOR,
    OKABE_ITO,
    apply_house_style,
    bar_compare,
    choropleth,
    fan_chart,
    figure_bytes,
    save_figure,
    tornado,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _house_style():
    with matplotlib.rc_context():
        apply_house_style()
        yield


def _ticklabels(axis):
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_apply_house_style_sets_palette_size_and_no_locale():
    assert list(matplotlib.rcParams["figure.figsize"]) == list(FIGSIZE)
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][:3] == OKABE_ITO[:3]
    assert matplotlib.rcParams["axes.formatter.use_locale"] is False
    assert matplotlib.rcParams["axes.facecolor"] == "white"


def test_fan_chart_draws_bands_and_medians_with_dutch_labels():
    years = np.arange(2023, 2030)
    p50 = np.linspace(10e6, 13e6, len(years))
    fig = fan_chart(years, p50 * 0.9, p50, p50 * 1.1, label="P*Q", title="Uitgaven jeugd")
    ax = fig.axes[0]
    fan_chart(years, p50 * 0.95, p50 * 1.02, p50 * 1.05, label="Lumpsum", ax=ax)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    medians = [line for line in ax.get_lines() if line.get_gid() == "fan-p50"]
    assert [m.get_color() for m in medians] == OKABE_ITO[:2]
    np.testing.assert_allclose(medians[0].get_ydata(), p50)
    assert len(ax.collections) == 2  # two shaded bands
    labels = _ticklabels(ax.yaxis)
    assert labels and all(re.fullmatch(r"€ \d+(,\d)? mln", t) for t in labels), labels
    assert set(_ticklabels(ax.xaxis)) <= {str(y) for y in range(2022, 2031)}
    assert ax.get_xlabel() == "Jaar" and ax.get_title(loc="left") == "Uitgaven jeugd"


def test_fan_chart_checks_its_input():
    with pytest.raises(ValueError, match="same length"):
        fan_chart([2024, 2025], [1, 2], [2, 3], [3], label="x")
    with pytest.raises(ValueError, match="P10 <= P50 <= P90"):
        fan_chart([2024, 2025], [1, 5], [2, 3], [3, 4], label="x")


def test_bar_compare_one_bar_per_row():
    df = pd.DataFrame(
        {
            "gemeente": ["Aalten", "Aalten", "Winterswijk", "Winterswijk"],
            "variant": ["P*Q", "Lumpsum", "P*Q", "Lumpsum"],
            "budget": [10e6, 9e6, 14e6, 13.5e6],
        }
    )
    fig = bar_compare(df, "gemeente", "budget", hue="variant", annotate=True, title="Budget")
    ax = fig.axes[0]
    heights = sorted(p.get_height() for p in ax.patches if p.get_height() > 0)
    assert heights == sorted(df["budget"])
    texts = {t.get_text() for t in ax.texts}
    assert {"€ 10,0 mln", "€ 13,5 mln"} <= texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Aalten", "Winterswijk"]
    assert ax.get_legend().get_title().get_text() == "variant"
    assert any(t.endswith(" mln") for t in _ticklabels(ax.yaxis))

    fig = bar_compare(df, "gemeente", "budget", hue="variant", horizontal=True)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Aalten", "Winterswijk"]

    with pytest.raises(ValueError, match="more than one row"):
        bar_compare(df, "gemeente", "budget")  # two rows per municipality without hue
    with pytest.raises(KeyError, match="'aantal'"):
        bar_compare(df, "gemeente", "aantal")
    clients = pd.DataFrame({"gemeente": ["A", "B"], "clienten": [1250, 980]})
    fig = bar_compare(clients, "gemeente", "clienten", value_format="number")
    assert "1.200" in _ticklabels(fig.axes[0].yaxis) or "1.000" in _ticklabels(fig.axes[0].yaxis)


def test_tornado_sorts_by_range_and_starts_bars_at_the_base():
    df = pd.DataFrame(
        {
            "parameter": ["Tarief", "Groei", "Uitstroom"],
            "low": [9.5e6, 9.0e6, 9.9e6],
            "high": [10.4e6, 11.5e6, 10.1e6],
            "base": 10e6,
        }
    )
    fig = tornado(df, annotate=True)
    ax = fig.axes[0]
    # barh draws from the bottom up: the widest range ends at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Uitstroom", "Tarief", "Groei"]
    bars = ax.patches
    assert all(b.get_x() == pytest.approx(10e6) for b in bars)
    ends = sorted(b.get_x() + b.get_width() for b in bars)
    assert ends == pytest.approx(sorted([*df["low"], *df["high"]]))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Basis: € 10,0 mln" in legend
    with pytest.raises(ValueError, match="one base"):
        tornado(df.assign(base=[1, 2, 3]))
    with pytest.raises(KeyError, match="'lo'"):
        tornado(df, low="lo")
    with pytest.raises(ValueError, match="no parameters"):
        tornado(df.iloc[:0])


def _square(x0, y0, size, clockwise=False):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return ring[::-1] if clockwise else ring


def _collection():
    # GM0001 has a hole whose ring runs the same way as the exterior (not RFC 7946)
    holed = {"type": "Polygon", "coordinates": [_square(0, 0, 3), _square(1, 1, 1)]}
    multi = {"type": "MultiPolygon", "coordinates": [[_square(4, 0, 1)], [_square(4, 2, 1)]]}
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"statcode": "GM0001", "naam": "Een"},
                "geometry": holed,
            },
            {
                "type": "Feature",
                "properties": {"statcode": "GM0002", "naam": "Twee"},
                "geometry": multi,
            },
        ],
    }


def _pixel(fig, x, y):
    """RGB of the rendered figure at data point (x, y) of the first axes."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    px, py = fig.axes[0].transData.transform((x, y))
    buf = np.asarray(canvas.buffer_rgba())
    return buf[int(buf.shape[0] - py), int(px), :3]


def test_choropleth_patches_colours_holes_and_missing():
    fig = choropleth(_collection(), {"GM0001": 100.0}, legend_label="Kosten", name_property="naam")
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    inside, hole = _pixel(fig, 0.5, 0.5), _pixel(fig, 1.5, 1.5)
    assert inside[2] > inside[0] + 40  # blue fill
    assert (hole >= 250).all()  # the hole is not filled
    missing = ax.patches[1]
    assert matplotlib.colors.to_hex(missing.get_facecolor()) == MISSING_COLOR
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Geen gegevens"]
    assert {t.get_text() for t in ax.texts} == {"Een", "Twee"}

    with pytest.raises(ValueError, match="GM197"):
        choropleth(_collection(), {"GM197": 1.0})


def test_choropleth_colour_scale_pads_one_value_and_checks_the_range():
    fig = choropleth(_collection(), {"GM0001": 100.0, "GM0002": float("nan")})
    assert fig.axes[1].get_ylim() == pytest.approx((95.0, 105.0))  # one value: a 5% band
    assert len(fig.axes[0].get_legend().get_texts()) == 1  # NaN counts as missing
    fig = choropleth(_collection(), {"GM0001": 1.0, "GM0002": 3.0}, vmin=0, vmax=10)
    assert fig.axes[1].get_ylim() == pytest.approx((0, 10))
    assert fig.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="larger than vmax"):
        choropleth(_collection(), {"GM0001": 1.0}, vmin=10, vmax=1)


def test_choropleth_of_the_achterhoek_with_dutch_colour_bar():
    geojson = json.loads((RAW_DIR / "achterhoek_municipalities_2015.geojson").read_text("utf-8"))
    codes = [f["properties"]["gemeentecode"] for f in geojson["features"]]
    values = {code: 1000.0 + 250 * i for i, code in enumerate(codes)}
    fig = choropleth(geojson, values, legend_label="Kosten per cliënt", source="Bron: CBS")
    assert len(fig.axes[0].patches) == 8
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    assert len(colours) == 8
    labels = _ticklabels(fig.axes[1].yaxis)
    assert "€ 2.000" in labels and all(re.fullmatch(r"€ \d\.\d{3}", t) for t in labels), labels
    assert fig.axes[0].get_aspect() == pytest.approx(1 / np.cos(np.radians(52.0)), rel=0.02)


def test_same_data_same_bytes(tmp_path):
    def build():
        return fan_chart([2024, 2025, 2026], [1, 2, 3], [2, 3, 4], [3, 4, 6], label="A")

    assert figure_bytes(build()) == figure_bytes(build())
    assert figure_bytes(build(), "svg") == figure_bytes(build(), "svg")
    assert figure_bytes(build(), "pdf") == figure_bytes(build(), "pdf")
    out = save_figure(build(), tmp_path / "fig" / "fan.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in out.parent.iterdir()] == ["fan.png"]


def test_figures_show_once_in_jupyter_as_png():
    from IPython.core.interactiveshell import InteractiveShell

    fig = fan_chart([2024, 2025], [1, 2], [2, 3], [3, 4], label="A")
    data, metadata = InteractiveShell.instance().display_formatter.format(fig)
    assert data["image/png"][:4] == b"\x89PNG"
    assert metadata["image/png"] == {"width": 800, "height": 450}
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # nothing left in pyplot's global state
