"""Maps for any region from the national CBS/Kadaster outlines (issue 12, part 5)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import matplotlib
import pytest
import shapely.geometry
from IPython.display import Markdown

from bekostiging.config.region import load_region
from bekostiging.core.errors import InputError
from bekostiging.data import rawdata
from bekostiging.data.panel import load_jeugdzorgregio_membership
from bekostiging.report.charts import figure_bytes
from bekostiging.report.regional import (
    boundaries_map,
    map_boundaries,
    region_features,
    region_map,
)

INVALID_2023 = ["GM0093", "GM0166", "GM0448", "GM0703", "GM0718", "GM1695", "GM1911", "GM1930"]


def _results(region, codes, reference_year=2024):
    """Minimal results files for ``codes``: start budget 1,000 x (position + 1) per 1,000
    inhabitants, so the start budget per inhabitant is 1, 2, 3, ... in code order."""
    out = {}
    for i, code in enumerate(codes):
        out[code] = {
            "gemeente": region.name_of(code),
            "inhabitants": 1000,
            "first_full_year": 2026,
            "start_budget": {"first_full_year": 1000.0 * (i + 1), "contract_total": 0.0},
            "decided": {"p50": 0.0, "p90": 0.0},
            "reserve": {"required": 0.0, "available": 0.0, "ratio": 1.0, "rating": "A"},
        }
    analysis = SimpleNamespace(region=region, settings=SimpleNamespace(reference_year=2024))
    analysis.settings.reference_year = reference_year
    return analysis, out


def _codes_on(fig) -> int:
    return len(fig.axes[0].patches)


def test_the_national_outlines_have_every_municipality_and_are_repaired():
    for year in (2023, 2024):
        geo = rawdata.load_boundaries(year=year)
        assert len(geo["features"]) == 342
        assert geo["repaired"] == 8
        shapes = {f["properties"]["gemeentecode"]: shapely.geometry.shape(f["geometry"])
                  for f in geo["features"]}  # fmt: skip
        assert all(s.is_valid and s.geom_type in {"Polygon", "MultiPolygon"}
                   for s in shapes.values())  # fmt: skip
        assert "GM1980" in shapes and "GM0398" not in shapes  # Dijk en Waard, not Heerhugowaard
    assert rawdata.load_boundaries()["features"][0]["properties"]["gemeentenaam"] == "Groningen"


def test_the_eight_invalid_outlines_in_the_file_are_the_ones_repaired():
    import json

    text = (rawdata.RAW_DIR / "cbs_municipalities_2023.geojson").read_text(encoding="utf-8")
    invalid = sorted(
        f["properties"]["gemeentecode"]
        for f in json.loads(text)["features"]
        if not shapely.geometry.shape(f["geometry"]).is_valid
    )
    assert invalid == INVALID_2023


def test_a_bow_tie_becomes_two_valid_triangles():
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    assert not shapely.geometry.shape(bow_tie).is_valid
    fixed = rawdata.repair_geometry(bow_tie)
    shape = shapely.geometry.shape(fixed)
    assert shape.is_valid and fixed["type"] == "MultiPolygon"
    assert len(fixed["coordinates"]) == 2 and shape.area == pytest.approx(2.0)  # 2 x (2*1/2)
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert rawdata.repair_geometry(square) is square  # a valid geometry is left alone


def test_a_sliver_that_collapses_to_a_line_is_dropped_and_nothing_left_is_an_error():
    # a square plus a zero-area spike: make_valid gives a polygon and a line
    spiky = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [1, 2], [1, 1], [0, 1],
                                                 [0, 0]]]}  # fmt: skip
    fixed = rawdata.repair_geometry(spiky)
    assert fixed["type"] == "Polygon" and shapely.geometry.shape(fixed).area == pytest.approx(1)
    line = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    with pytest.raises(ValueError, match="geen oppervlak"):
        rawdata.repair_geometry(line)


def test_a_boundaries_file_with_a_bow_tie_is_repaired_and_a_bad_code_is_an_input_error(tmp_path):
    import json

    bow = {
        "type": "Polygon",
        "coordinates": [[[6, 52], [6.2, 52.2], [6.2, 52], [6, 52.2], [6, 52]]],
    }
    feature = {"type": "Feature", "properties": {"gemeentecode": "GM0001"}, "geometry": bow}
    path = tmp_path / "grenzen.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    geo = rawdata.load_boundaries(path)
    assert geo["repaired"] == 1 and shapely.geometry.shape(geo["features"][0]["geometry"]).is_valid
    feature["properties"]["gemeentecode"] = "GM197"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    with pytest.raises(InputError, match="gemeentecode"):
        rawdata.load_boundaries(path)
    with pytest.raises(InputError, match="geen gemeentegrenzen voor 2015"):
        rawdata.load_boundaries(year=2015)


def test_the_outline_year_follows_the_reference_year():
    assert [rawdata.boundary_year(y) for y in (2019, 2023, 2024, 2025)] == [2023, 2023, 2024, 2024]
    region = load_region("alkmaar")
    _, missing, used = map_boundaries(region, region.current_codes(), 2021)
    assert (missing, used) == ([], 2023)


def test_the_achterhoek_map_draws_its_eight_municipalities(achterhoek):
    codes = achterhoek.current_codes()
    analysis, results = _results(achterhoek, codes)
    fig = region_map(analysis, results)
    assert len(codes) == 8 and _codes_on(fig) == 8
    assert fig.axes[1].get_ylabel() == "Startbudget per inwoner (€)"
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    assert len(colours) == 8  # per inhabitant 1..8: eight different fills
    names = {t.get_text() for t in fig.axes[0].texts}
    assert {"Aalten", "Oude IJsselstreek", "Winterswijk"} <= names
    (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    # the outlines span lon 6.0895-6.8328, lat 51.8273-52.1823 (the 2015 file: 6.0897-6.8312,
    # 51.8282-52.1818), plus a 2% margin
    assert (x0, x1, y0, y1) == pytest.approx((6.0747, 6.8477, 51.8202, 52.1894), abs=1e-3)
    assert "gemeentegrenzen 2024" in fig.texts[-1].get_text()


def test_the_alkmaar_map_finds_dijk_en_waard_in_the_2023_outlines(alkmaar):
    codes = alkmaar.current_codes()
    assert "GM1980" in codes and "GM0398" not in codes
    analysis, results = _results(alkmaar, codes, reference_year=2022)
    fig = region_map(analysis, results)
    assert _codes_on(fig) == len(codes) == 6
    assert "Dijk en Waard" in {t.get_text() for t in fig.axes[0].texts}
    assert "gemeentegrenzen 2023" in fig.texts[-1].get_text()


def test_a_region_of_predecessors_only_is_drawn_as_their_union(alkmaar):
    # outlines drawn before the merger: Heerhugowaard and Langedijk, no Dijk en Waard
    geo = rawdata.load_boundaries(year=2023)
    halves = [
        {"type": "Feature", "properties": {"gemeentecode": code},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 52], [x + 1, 52], [x + 1, 53],
                                                          [x, 53], [x, 52]]]}}
        for x, code in ((4, "GM0398"), (5, "GM0416"))
    ]  # fmt: skip
    old = {"type": "FeatureCollection",
           "features": [f for f in geo["features"] if f["properties"]["gemeentecode"] != "GM1980"]
           + halves}  # fmt: skip
    fc, missing = region_features(alkmaar, alkmaar.current_codes(), old)
    assert missing == []
    merged = next(f for f in fc["features"] if f["properties"]["gemeentecode"] == "GM1980")
    assert merged["properties"]["gemeentenaam"] == "Dijk en Waard"
    assert shapely.geometry.shape(merged["geometry"]).area == pytest.approx(2.0)


def test_a_jeugdzorgregio_from_the_membership_file_draws_every_municipality():
    membership = load_jeugdzorgregio_membership(2023)
    twente = membership.query("jeugdzorgregio_code == 'JZ14'")
    codes = list(twente["gemeentecode"])
    assert len(codes) == 14
    fig = boundaries_map({c: 100.0 + i for i, c in enumerate(codes)}, year=2024)
    assert _codes_on(fig) == 14
    assert {"Enschede", "Almelo", "Hengelo (O.)"} <= {t.get_text() for t in fig.axes[0].texts}


def test_a_region_with_repaired_outlines_draws_every_municipality():
    zeeland = load_jeugdzorgregio_membership(2023).query("jeugdzorgregio_code == 'JZ38'")
    codes = list(zeeland["gemeentecode"])
    assert {"GM0703", "GM0718", "GM1695"} <= set(codes)  # three of the eight repaired
    fig = boundaries_map(dict.fromkeys(codes, 1.0), year=2024)
    assert _codes_on(fig) == len(codes) == 13


def test_a_missing_code_gives_a_dutch_note_under_the_map_not_an_error(achterhoek):
    codes = achterhoek.current_codes()
    analysis, results = _results(achterhoek, codes)
    results["GM9999"] = dict(results[codes[0]], gemeente="Tikfout")
    fig = region_map(analysis, results)
    assert _codes_on(fig) == 8
    note = fig.axes[0].texts[-1].get_text()
    assert note.startswith("Niet op de kaart: GM9999 staat niet in de gemeentegrenzen van 2024")
    assert "Controleer de gemeentecode" in note
    assert figure_bytes(fig)[:4] == b"\x89PNG"  # the figure still renders


def test_a_region_whose_municipalities_are_all_missing_gets_a_note_instead_of_a_map():
    out = boundaries_map({"GM9998": 1.0, "GM9999": 2.0}, year=2023)
    assert isinstance(out, Markdown)
    assert out.data.startswith("Geen kaart: Niet op de kaart: GM9998, GM9999 staan niet")


def test_a_region_map_renders_in_under_a_second(achterhoek):
    rawdata.load_boundaries(year=2024)  # the first load parses and repairs once per process
    analysis, results = _results(achterhoek, achterhoek.current_codes())
    start = time.perf_counter()
    figure_bytes(region_map(analysis, results))
    assert time.perf_counter() - start < 1.0
