"""Region layers: every source kind, validation errors with file:line:key, membership with tolerance.

Fixtures are small files written here (GeoJSON, a shapefile written with pyshp); country outlines and
the shipped Ukraine layers are the real data the package uses.
"""
from __future__ import annotations

import json
import math
import textwrap
import zipfile
from pathlib import Path

import pytest
import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, box, mapping

from geomap.config import load_config
from geomap.errors import ConfigError, RegionError
from geomap.regions import (Layer, Region, RegionIndex, RegionWarning, area_km2, buffer_km, check_layers,
                            derive_admin1, load_layers)

REPO = Path(__file__).resolve().parents[1]

# (lat, lon) of real places, from GeoNames / the brief.
KHERSON = (46.6354, 32.6169)
KYIV = (50.4501, 30.5234)
MARIUPOL = (47.0971, 37.5434)
SEVASTOPOL = (44.6054, 33.5221)
SIMFEROPOL = (44.9521, 34.1024)
ODESA = (46.4825, 30.7233)


def regions_yaml(folder: Path, text: str) -> Path:
    path = folder / "regions.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def layers_of(folder: Path, text: str) -> list[Layer]:
    return load_layers(regions_yaml(folder, text))


def config_error(folder: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        layers_of(folder, text)
    return info.value


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def square(west: float, south: float, size: float = 1.0) -> dict:
    return shapely.geometry.mapping(box(west, south, west + size, south + size))


def feature(name: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def names(layers: list[Layer]) -> list[str]:
    return [r.name for layer in layers for r in layer.regions]


# ------------------------------------------------------------------------------------------ sources

def test_geojson_feature_collection_with_name_property_and_select(tmp_path):
    write_json(tmp_path / "a.geojson", {"type": "FeatureCollection", "features": [
        feature("one", square(10, 10), code="A1"), feature("two", square(20, 10), code="A2"),
        feature("three", square(30, 10), code="A3")]})
    layers = layers_of(tmp_path, """\
        layers:
          - name: all
            sources: [{geojson: a.geojson}]
          - name: by-code
            sources: [{geojson: a.geojson, name_property: code, select: [A3, A1]}]
          - name: renamed
            label: Renamed
            style: {color: "#c0392b", opacity: 0.3, dash: "6 4", choropleth: true}
            show: false
            sources: [{geojson: a.geojson, select: {two: Second}}]
        """)
    assert names(layers) == ["all/one", "all/two", "all/three", "by-code/A3", "by-code/A1", "renamed"]
    renamed = layers[2]
    assert (renamed.label, renamed.show, renamed.regions[0].label) == ("Renamed", False, "Second")
    assert renamed.style["color"] == renamed.style["fill"] == "#c0392b"
    assert (renamed.style["opacity"], renamed.style["dash"]) == (0.3, "6 4")
    assert renamed.style["choropleth"] is True and "choropleth" not in layers[0].style
    assert renamed.regions[0].geometry.contains(Point(20.5, 10.5))


def test_geojson_feature_and_bare_geometry(tmp_path):
    write_json(tmp_path / "f.geojson", feature("solo", square(5, 5)))
    write_json(tmp_path / "g.geojson", square(7, 7))
    layers = layers_of(tmp_path, """\
        layers:
          - {name: f, sources: [{geojson: f.geojson}]}
          - name: two
            sources:
              - {geojson: g.geojson, name: bare}
              - {geojson: f.geojson}
        """)
    assert names(layers) == ["f", "two/bare", "two/solo"]
    assert layers[1].regions[0].geometry.contains(Point(7.5, 7.5))


def write_shapefile(base: Path, prj: str | None = None) -> Path:
    import shapefile

    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON) as w:
        w.field("NAME", "C")
        w.poly([[[30, 45], [31, 45], [31, 46], [30, 46], [30, 45]][::-1]])
        w.record("west")
        w.poly([[[32, 45], [33, 45], [33, 46], [32, 46], [32, 45]][::-1]])
        w.record("east")
    if prj is not None:
        base.with_suffix(".prj").write_text(prj)
    return base.with_suffix(".shp")


WGS84_PRJ = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
             'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')


def test_shapefile_and_zipped_shapefile(tmp_path):
    shp = write_shapefile(tmp_path / "parts", WGS84_PRJ)
    with zipfile.ZipFile(tmp_path / "parts.zip", "w") as z:
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            z.write(shp.with_suffix(suffix), "parts" + suffix)
    layers = layers_of(tmp_path, """\
        layers:
          - {name: shp, sources: [{shapefile: parts.shp, name_property: NAME}]}
          - {name: zipped, sources: [{shapefile: parts.zip, name_property: NAME, select: [east]}]}
        """)
    assert names(layers) == ["shp/west", "shp/east", "zipped"]
    index = RegionIndex(layers, tolerance_km=0)
    assert index.regions_for(45.5, 30.5) == ("shp/west",)
    assert index.regions_for(45.5, 32.5) == ("shp/east", "zipped")


def test_projected_shapefile_is_refused(tmp_path):
    write_shapefile(tmp_path / "proj", 'PROJCS["WGS_1984_Web_Mercator",GEOGCS["GCS_WGS_1984"]]')
    with pytest.raises(RegionError, match="not WGS84"):
        layers_of(tmp_path, "layers:\n  - {name: p, sources: [{shapefile: proj.shp, name_property: NAME}]}\n")


def test_wkt_and_bbox(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - name: shapes
            sources:
              - {wkt: "POLYGON ((30 45, 31 45, 31 46, 30 46, 30 45))", name: triangle-ish}
              - {bbox: [32, 45, 33, 46], name: box}
        """)
    index = RegionIndex(layers, tolerance_km=0)
    assert index.regions_for(45.5, 30.5) == ("shapes/triangle-ish",)
    assert index.regions_for(45.5, 32.5) == ("shapes/box",)
    assert index.regions_for(45.5, 31.5) == ()


def test_country_by_iso_code(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - {name: ukraine, sources: [{country: UA}]}
          - {name: neighbours, show: false, sources: [{country: [POL, md]}]}
        """)
    assert names(layers) == ["ukraine", "neighbours/Poland", "neighbours/Moldova"]
    assert layers[0].attribution == ("Natural Earth",)
    index = RegionIndex(layers, tolerance_km=0)
    assert index.regions_for(*KYIV) == ("ukraine",)
    assert index.regions_for(52.2297, 21.0122) == ("neighbours/Poland",)   # Warsaw
    assert index.regions_for(*SIMFEROPOL) == ("ukraine",)  # the _deu edition draws Crimea in Ukraine


def test_unknown_country_code_names_the_line(tmp_path):
    error = config_error(tmp_path, "layers:\n  - name: c\n    sources:\n      - country: [UA, XX]\n")
    assert (error.line, error.key) == (4, "layers[0].sources[0].country[1]")
    assert "unknown country code 'XX'" in str(error)


def test_admin1_by_name_and_code(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - name: south
            sources:
              - {admin1: {country: UA, name: Kherson}}
              - {admin1: {country: UA, code: "05"}, name: Donetsk}
        """)
    index = RegionIndex(layers, tolerance_km=1)
    assert index.regions_for(*KHERSON) == ("south/Kherson",)
    assert index.regions_for(*MARIUPOL) == ("south/Donetsk",)
    assert index.regions_for(*KYIV) == ()
    error = config_error(tmp_path, "layers:\n  - name: a\n    sources:\n      - admin1: {country: UA, name: Khersn}\n")
    assert error.line == 4 and "did you mean 'Kherson'?" in str(error)


def test_union_and_difference(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - name: parts
            sources:
              - {bbox: [0, 0, 2, 2], name: big}
              - {bbox: [1, 1, 3, 3], name: overlap}
          - name: both
            sources: [{union: [parts/big, parts/overlap]}]
          - name: big-only
            sources: [{difference: [parts/big, parts/overlap]}]
          - name: whole-layer-minus
            sources: [{difference: [both, big-only]}]
        """)
    index = RegionIndex(layers[1:], tolerance_km=0)
    assert index.regions_for(0.5, 0.5) == ("both", "big-only")
    assert index.regions_for(2.5, 2.5) == ("both", "whole-layer-minus")
    assert index.regions_for(1.5, 1.5) == ("both", "whole-layer-minus")
    assert layers[1].regions[0].geometry.area == pytest.approx(7.0)


def test_references_must_exist_earlier(tmp_path):
    error = config_error(tmp_path, """\
        layers:
          - name: a
            sources: [{bbox: [0, 0, 1, 1]}]
          - name: b
            sources:
              - union: [a, c]
        """)
    assert (error.line, error.key) == (6, "layers[1].sources[0].union[1]")
    assert "unknown region 'c'" in str(error)


# -------------------------------------------------------------------------------------------- buffers

@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (46.63695, 32.61458), (69.6, 18.9)])
def test_point_buffer_matches_geodesic_distance(lat, lon):
    km = 50.0
    circle = buffer_km(Point(lon, lat), km)
    distances = [geodesic((lat, lon), (y, x)).km for x, y in circle.exterior.coords]
    assert max(abs(d - km) / km for d in distances) < 0.005   # sphere vs WGS84 ellipsoid
    for bearing in range(0, 360, 30):
        inner = geodesic(kilometers=km * 0.98).destination((lat, lon), bearing)
        outer = geodesic(kilometers=km * 1.02).destination((lat, lon), bearing)
        assert circle.contains(Point(inner.longitude, inner.latitude))
        assert not circle.contains(Point(outer.longitude, outer.latitude))


def test_buffers_in_yaml_around_point_line_and_region(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - name: zone
            sources: [{bbox: [32, 46, 33, 47]}]
          - name: near
            sources:
              - {buffer: {km: 20, point: [46.63695, 32.61458]}, name: kherson}
              - {buffer: {km: 10, line: [[46.0, 30.0], [46.0, 31.0]]}, name: road}
              - {buffer: {km: 5, region: zone}, name: zone-5km}
        """)
    near = {r.name: r.geometry for r in layers[1].regions}
    ten_km_north = geodesic(kilometers=9.8).destination((46.0, 30.5), 0)
    assert near["near/road"].contains(Point(ten_km_north.longitude, ten_km_north.latitude))
    eleven = geodesic(kilometers=10.3).destination((46.0, 30.5), 0)
    assert not near["near/road"].contains(Point(eleven.longitude, eleven.latitude))
    west_of_zone = geodesic(kilometers=4.8).destination((46.5, 32.0), 270)
    assert near["near/zone-5km"].contains(Point(west_of_zone.longitude, west_of_zone.latitude))
    assert not near["near/zone-5km"].contains(Point(31.9, 46.5))   # ~7.7 km west
    assert near["near/kherson"].contains(Point(32.61458, 46.63695))


def test_buffer_point_order_is_lat_lon(tmp_path):
    error = config_error(tmp_path, "layers:\n  - name: b\n    sources:\n      - buffer: {km: 5, point: [139.7, 35.7]}\n")
    assert error.line == 4 and "[lat, lon]" in str(error)


# ------------------------------------------------------------------------------------------ validation

def test_invalid_polygon_is_repaired_with_a_warning_naming_the_feature(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    write_json(tmp_path / "bad.geojson", {"type": "FeatureCollection", "features": [
        feature("bowtie", bowtie), feature("fine", square(5, 5))]})
    with pytest.warns(RegionWarning, match="feature 'bowtie'.*make_valid"):
        layers = layers_of(tmp_path, "layers:\n  - name: l\n    sources: [{geojson: bad.geojson}]\n")
    region = layers[0].regions[0]
    assert region.geometry.is_valid and region.geometry.area == pytest.approx(2.0)
    assert len(layers[0].warnings) == 1 and "bowtie" in layers[0].warnings[0]
    assert "regions.yaml:3" in layers[0].warnings[0]
    assert any("warning" in line and "bowtie" in line for line in check_layers(layers))


def test_swapped_lat_lon_is_detected(tmp_path):
    tokyo_swapped = {"type": "Polygon", "coordinates": [[[35.6, 139.6], [35.8, 139.6], [35.8, 139.8],
                                                         [35.6, 139.8], [35.6, 139.6]]]}
    write_json(tmp_path / "tokyo.geojson", feature("tokyo", tokyo_swapped))
    with pytest.raises(RegionError, match=r"feature 'tokyo'.*look like \(lat, lon\)"):
        layers_of(tmp_path, "layers:\n  - {name: t, sources: [{geojson: tokyo.geojson}]}\n")


def test_projected_coordinates_are_refused(tmp_path):
    write_json(tmp_path / "m.geojson", feature("metres", square(3_630_000, 5_880_000, 1000)))
    with pytest.raises(RegionError, match="projected"):
        layers_of(tmp_path, "layers:\n  - {name: m, sources: [{geojson: m.geojson}]}\n")


@pytest.mark.parametrize("crs, ok", [
    ("urn:ogc:def:crs:OGC:1.3:CRS84", True), ("EPSG:4326", True), ("urn:ogc:def:crs:EPSG::3857", False)])
def test_declared_crs(tmp_path, crs, ok):
    data = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}},
            "features": [feature("a", square(1, 1))]}
    write_json(tmp_path / "c.geojson", data)
    text = "layers:\n  - {name: c, sources: [{geojson: c.geojson}]}\n"
    if ok:
        assert names(layers_of(tmp_path, text)) == ["c"]
    else:
        with pytest.raises(RegionError, match="3857.*not WGS84"):
            layers_of(tmp_path, text)


def test_lines_are_not_regions(tmp_path):
    write_json(tmp_path / "l.geojson", feature("river", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}))
    with pytest.raises(RegionError, match="feature 'river'.*no area.*buffer"):
        layers_of(tmp_path, "layers:\n  - {name: l, sources: [{geojson: l.geojson}]}\n")


@pytest.mark.parametrize("text, line, key, words", [
    ("layers:\n  - name: a\n    lable: A\n    sources: [{bbox: [0, 0, 1, 1]}]\n",
     3, "layers[0].lable", "did you mean 'label'?"),
    ("layer:\n  - name: a\n", 1, "layer", "did you mean 'layers'?"),
    ("layers:\n  - name: a\n    sources:\n      - bbox: [0, 0, 1, 1]\n        nme: x\n",
     5, "layers[0].sources[0].nme", "did you mean 'name'?"),
    ("layers:\n  - name: a\n    sources:\n      - geojson: x.geojson\n        selct: [a]\n",
     5, "layers[0].sources[0].selct", "did you mean 'select'?"),
    ("layers:\n  - name: a\n    sources:\n      - {bbox: [0, 0, 1, 1], wkt: 'POINT (0 0)'}\n",
     4, "layers[0].sources[0]", "exactly one of"),
    ("layers:\n  - name: a\n    sources:\n      - {bbox: [50, 10, 60, 20]}\n      - {bbox: [35.6, 139.6, 35.8, 139.8]}\n",
     5, "layers[0].sources[1].bbox", "[south, west, north, east]"),
    ("layers:\n  - name: a\n    sources:\n      - bbox: [2, 0, 1, 1]\n", 4, "layers[0].sources[0].bbox", "west < east"),
    ("layers:\n  - name: a\n    sources:\n      - wkt: 'POLYGON ((0 0, 1'\n", 4, "layers[0].sources[0].wkt", "invalid WKT"),
    ("layers:\n  - name: a b\n    sources: [{bbox: [0, 0, 1, 1]}]\n", 2, "layers[0].name", "letters, digits"),
    ("layers:\n  - name: a\n    sources: []\n", 2, "layers[0]", "non-empty 'sources'"),
    ("layers:\n  - name: a\n    show: 'no'\n    sources: [{bbox: [0, 0, 1, 1]}]\n", 3, "layers[0].show", "true or false"),
    ("layers:\n  - name: a\n    style: {color: '<script>'}\n    sources: [{bbox: [0, 0, 1, 1]}]\n",
     3, "layers[0].style.color", "must be a colour"),
    ("layers:\n  - name: a\n    style:\n      opacity: 2\n    sources: [{bbox: [0, 0, 1, 1]}]\n",
     4, "layers[0].style.opacity", "at most 1"),
    ("layers:\n  - name: a\n    style:\n      choropleth: 'yes'\n    sources: [{bbox: [0, 0, 1, 1]}]\n",
     4, "layers[0].style.choropleth", "true or false"),
    ("layers:\n  - {name: a, sources: [{bbox: [0, 0, 1, 1]}]}\n  - {name: a, sources: [{bbox: [0, 0, 1, 1]}]}\n",
     3, "layers[1].name", "already used"),
    ("layers:\n  - name: a\n    sources:\n      - geojson: missing.geojson\n", 4, "layers[0].sources[0].geojson",
     "does not exist"),
    ("layers:\n  - name: a\n    sources:\n      - geojson: .\n", 4, "layers[0].sources[0].geojson",
     "not a regular file"),
    ("layers:\n  - name: a\n    sources:\n      - buffer: {km: 5}\n", 4, "layers[0].sources[0].buffer", "exactly one of"),
    ("layers:\n  - name: a\n    sources:\n      - buffer: {km: 5, point: [1, 1], radius: 3}\n", 4,
     "layers[0].sources[0].buffer.radius", "unknown key"),
])
def test_structure_errors_name_file_line_and_key(tmp_path, text, line, key, words):
    error = config_error(tmp_path, text)
    assert error.file == str(tmp_path / "regions.yaml")
    assert (error.line, error.key) == (line, key)
    assert words in str(error)


def test_select_of_a_missing_feature_suggests_a_name(tmp_path):
    write_json(tmp_path / "a.geojson", {"type": "FeatureCollection", "features": [feature("Kherson", square(1, 1))]})
    error = config_error(tmp_path, "layers:\n  - name: a\n    sources:\n      - geojson: a.geojson\n"
                                   "        select: [Khersonn]\n")
    assert (error.line, error.key) == (5, "layers[0].sources[0].select[0]")
    assert "did you mean 'Kherson'?" in str(error)


def test_data_errors_name_the_regions_file_line(tmp_path):
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(RegionError) as info:
        layers_of(tmp_path, "layers:\n  - name: a\n    sources:\n      - geojson: broken.geojson\n")
    assert str(info.value).startswith(f"{tmp_path / 'regions.yaml'}:4: layers[0].sources[0].geojson: ")


def test_missing_regions_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_layers(tmp_path / "nope.yaml")


def test_unsafe_yaml_tags_are_refused(tmp_path):
    error = config_error(tmp_path, "layers: !!python/object/apply:os.system ['true']\n")
    assert error.line == 1


# ---------------------------------------------------------------------------------------- membership

@pytest.fixture(scope="module")
def shipped() -> list[Layer]:
    return load_layers(REPO / "config" / "regions.yaml")


def test_the_shipped_layers(shipped):
    by_name = {layer.name: layer for layer in shipped}
    assert [r.name for r in by_name["annexation-claimed-2022"].regions] == [
        "annexation-claimed-2022/Donetsk", "annexation-claimed-2022/Luhansk",
        "annexation-claimed-2022/Zaporizhzhia", "annexation-claimed-2022/Kherson"]
    assert len(by_name["ua-oblasts"].regions) == 27 and not by_name["ua-oblasts"].show
    assert not by_name["countries"].show
    for layer in shipped:
        assert not layer.warnings, layer.warnings
        for region in layer.regions:
            assert region.geometry.is_valid and region.geometry.area > 0


def test_shipped_config_points_at_the_shipped_layers():
    config = load_config(REPO / "config" / "geomap.yaml", REPO)
    assert config.regions.file == REPO / "config" / "regions.yaml"


def occupied(index: RegionIndex, place: tuple[float, float]) -> set[str]:
    return {n for n in index.regions_for(*place) if n.startswith(("annexation-claimed-2022", "crimea"))}


def test_tolerance_keeps_kherson_city_in_its_oblast(shipped):
    """Kherson sits on the Dnipro, 0.4 km outside Natural Earth's generalised shore."""
    assert occupied(RegionIndex(shipped, tolerance_km=0), KHERSON) == set()
    assert occupied(RegionIndex(shipped, tolerance_km=1.0), KHERSON) == {"annexation-claimed-2022/Kherson"}


def test_known_cities_fall_in_the_right_layers(shipped):
    index = RegionIndex(shipped)
    assert occupied(index, KYIV) == set()
    assert occupied(index, ODESA) == set()
    assert occupied(index, MARIUPOL) == {"annexation-claimed-2022/Donetsk"}
    assert occupied(index, SEVASTOPOL) == {"crimea"}
    assert occupied(index, SIMFEROPOL) == {"crimea"}
    assert "countries/Ukraine" in index.regions_for(*KYIV)
    assert "ua-rest" in index.regions_for(*KYIV) and "ua-rest" not in index.regions_for(*MARIUPOL)


def test_tolerance_is_measured_in_kilometres():
    layer = Layer("b", "b", "", {}, True, (Region("b", "b", "b", box(30, 40, 31, 41)),))
    index = RegionIndex([layer], tolerance_km=2.0)
    for bearing, start in ((0, (41.0, 30.5)), (90, (40.5, 31.0)), (180, (40.0, 30.5)), (270, (40.5, 30.0))):
        near = geodesic(kilometers=1.9).destination(start, bearing)
        far = geodesic(kilometers=2.1).destination(start, bearing)
        assert index.regions_for(near.latitude, near.longitude) == ("b",)
        assert index.regions_for(far.latitude, far.longitude) == ()


def test_tolerance_holds_for_slanted_edges_at_high_latitude():
    """A diagonal edge near 61°N: degrees distort distance there, kilometres must not."""
    from geographiclib.geodesic import Geodesic
    from shapely.geometry import Polygon

    triangle = Polygon([(10, 60), (12, 60), (12, 62)])
    index = RegionIndex([Layer("t", "t", "", {}, True, (Region("t", "t", "t", triangle),))], tolerance_km=2.0)
    start, end = (61.0, 11.0), (61.001, 11.001)      # on the diagonal edge
    outward = Geodesic.WGS84.Inverse(*start, *end)["azi1"] - 90   # left of the edge: outside
    for km, inside in ((1.8, True), (1.95, True), (2.05, False), (2.2, False)):
        place = geodesic(kilometers=km).destination(start, outward)
        assert not triangle.contains(Point(place.longitude, place.latitude))
        assert index.regions_for(place.latitude, place.longitude) == (("t",) if inside else ()), km


def test_vectorised_equals_one_by_one(shipped):
    import numpy as np

    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(43, 53, 300), rng.uniform(21, 41, 300)
    lats[:6] = [p[0] for p in (KHERSON, KYIV, MARIUPOL, SEVASTOPOL, SIMFEROPOL, ODESA)]
    lons[:6] = [p[1] for p in (KHERSON, KYIV, MARIUPOL, SEVASTOPOL, SIMFEROPOL, ODESA)]
    index = RegionIndex(shipped)
    many = index.regions_for_many(lats, lons)
    assert many == [index.regions_for(a, b) for a, b in zip(lats, lons)]
    assert sum(1 for r in many if r) > 50


def test_nan_and_empty_inputs():
    layer = Layer("b", "b", "", {}, True, (Region("b", "b", "b", box(0, 0, 1, 1)),))
    index = RegionIndex([layer])
    assert index.regions_for_many([math.nan, 0.5], [0.5, 0.5]) == [(), ("b",)]
    assert index.regions_for_many([], []) == []
    assert RegionIndex([]).regions_for(0.5, 0.5) == ()


# ------------------------------------------------------------------------------------ check, derive

def test_check_layers_summarises(tmp_path):
    layers = layers_of(tmp_path, "layers:\n  - {name: eq, label: Equator, sources: [{bbox: [0, 0, 1, 1]}]}\n")
    lines = check_layers(layers)
    assert lines[0] == "eq (Equator): 1 region, shown"
    expected = area_km2(box(0, 0, 1, 1))
    assert 12_200 < expected < 12_400          # one square degree at the equator
    assert f"{expected:,.0f} km²" in lines[1] and "bbox 0.000,0.000,1.000,1.000" in lines[1]


def test_derive_admin1_partitions_the_country():
    settlements = [(50.45, 30.52, "12"), (49.84, 24.03, "15"), (46.48, 30.72, "17"), (48.00, 37.80, "05")]
    collection = derive_admin1("UA", settlements)
    features = collection["features"]
    assert [f["properties"]["admin1_code"] for f in features] == ["UA.05", "UA.12", "UA.15", "UA.17"]
    geometries = [shapely.geometry.shape(f["geometry"]) for f in features]
    for (lat, lon, _), geometry in zip(sorted(settlements, key=lambda s: s[2]), geometries):
        assert geometry.contains(Point(lon, lat))
    total = shapely.union_all(geometries)
    from geomap.regions import country_outline

    ukraine = country_outline("UA")[1]
    assert total.area == pytest.approx(ukraine.area, rel=1e-3)
    assert sum(g.area for g in geometries) == pytest.approx(total.area, rel=1e-3)   # no overlaps
    assert {f["properties"]["name"] for f in features} >= {"Lviv", "Donetsk"}


def test_derive_admin1_drops_a_stray_settlement():
    """One settlement coded Donetsk in the far west must not carve a Donetsk island there."""
    settlements = [(48.0 + i * 0.1, 37.5, "05") for i in range(4)] + \
                  [(49.8 + i * 0.1, 24.0 + j * 0.3, "15") for i in range(4) for j in range(4)] + \
                  [(50.0, 24.4, "05")]
    collection = derive_admin1("UA", settlements)
    donetsk = shapely.geometry.shape(collection["features"][0]["geometry"])
    assert collection["features"][0]["properties"]["settlements"] == 4
    assert not donetsk.contains(Point(24.4, 50.0))


def test_derive_admin1_unknown_country():
    with pytest.raises(RegionError, match="unknown country code"):
        derive_admin1("QQ", [(0, 0, "01"), (1, 1, "02")])


def test_attribution_is_declared_and_inherited(tmp_path):
    layers = layers_of(tmp_path, """\
        layers:
          - {name: mine, attribution: My survey, sources: [{bbox: [30, 45, 31, 46]}]}
          - {name: ua, sources: [{country: UA}]}
          - name: both
            attribution: [Newsroom]
            sources: [{union: [mine, ua]}]
          - {name: plain, sources: [{bbox: [0, 0, 1, 1]}]}
        """)
    assert [layer.attribution for layer in layers] == [
        ("My survey",), ("Natural Earth",), ("Newsroom", "My survey", "Natural Earth"), ()]
    error = config_error(tmp_path, "layers:\n  - {name: a, attribution: [1], sources: [{bbox: [0, 0, 1, 1]}]}\n")
    assert error.key == "layers[0].attribution[0]"


def test_answers_do_not_depend_on_batching_or_on_what_was_asked_before(shipped):
    """The index remembers answers per coordinate: small batches, repeats and one big batch agree."""
    places = [KHERSON, KYIV, ODESA, MARIUPOL, SEVASTOPOL, SIMFEROPOL, (float("nan"), 30.0), KHERSON]
    lats, lons = [p[0] for p in places], [p[1] for p in places]
    fresh = RegionIndex(shipped).regions_for_many(lats, lons)
    index = RegionIndex(shipped)
    one_by_one = [index.regions_for(lat, lon) for lat, lon in zip(lats, lons)]
    again = index.regions_for_many(lats[::-1], lons[::-1])[::-1]
    assert one_by_one == fresh == again
    assert fresh[0] == fresh[-1] and "annexation-claimed-2022/Kherson" in fresh[0]
    assert fresh[6] == ()


def test_layer_cache_returns_the_same_layers_and_notices_changed_inputs(tmp_path):
    data = tmp_path / "area.geojson"
    data.write_text(json.dumps({"type": "Feature", "properties": {"name": "A"},
                                "geometry": mapping(box(30, 40, 31, 41))}))
    yaml_file = tmp_path / "regions.yaml"
    yaml_file.write_text("layers:\n  - name: a\n    label: A <b>\n    style: {color: red}\n"
                         "    sources:\n      - geojson: area.geojson\n      - bbox: [10, 10, 11, 11]\n")
    cache = tmp_path / "cache"
    built = load_layers(yaml_file, cache_dir=cache)
    assert len(list(cache.glob("regions-*.json"))) == 1
    cached = load_layers(yaml_file, cache_dir=cache)
    assert [(l.name, l.label, dict(l.style), l.show) for l in cached] == \
           [(l.name, l.label, dict(l.style), l.show) for l in built]
    assert [r.name for r in cached[0].regions] == [r.name for r in built[0].regions]
    assert all(a.geometry.equals(b.geometry) for a, b in zip(cached[0].regions, built[0].regions))
    # A data file the layers read changes: the cache must not answer with the old geometry.
    data.write_text(json.dumps({"type": "Feature", "properties": {"name": "A"},
                                "geometry": mapping(box(50, 50, 52, 52))}))
    fresh = load_layers(yaml_file, cache_dir=cache)
    assert fresh[0].regions[0].geometry.bounds == (50.0, 50.0, 52.0, 52.0)
    # A damaged cache file is ignored, not an error.
    for f in cache.glob("regions-*.json"):
        f.write_text("{not json")
    assert load_layers(yaml_file, cache_dir=cache)[0].regions[0].geometry.bounds == (50.0, 50.0, 52.0, 52.0)


# --- the files a regions.yaml reads ---------------------------------------------------------

def test_named_files_follows_the_loaders_path_rule_and_sidecars(tmp_path, monkeypatch):
    from geomap.regions import named_files

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    square = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"},
              "geometry": mapping(box(30, 45, 31, 46))}]}
    home = tmp_path / "home" / "gis"
    home.mkdir(parents=True)
    (home / "x.geojson").write_text(json.dumps(square))
    (home / "x.cpg").write_text("UTF-8")                            # beside it: read with it
    (tmp_path / "cfg" / "layers").mkdir(parents=True)
    (tmp_path / "cfg" / "layers" / "y.geojson").write_text(json.dumps(square))
    regions = tmp_path / "cfg" / "regions.yaml"
    regions.write_text("layers:\n  - name: x\n    sources:\n      - geojson: ~/gis/x.geojson\n"
                       "  - name: y\n    sources:\n      - geojson: layers/y.geojson\n"
                       "      - geojson: layers/missing.geojson\n      - bbox: [0, 0, 1, 1]\n")
    assert named_files(regions) == sorted([(home / "x.cpg").resolve(), (home / "x.geojson").resolve(),
                                           (tmp_path / "cfg" / "layers" / "y.geojson").resolve()])
    regions.write_text("layers: [unclosed\n")
    assert named_files(regions) == []                               # load_layers reports it


@pytest.mark.parametrize("bad", ["~no-such-user-geomap/x.geojson", "x" * 300 + ".geojson"])
def test_an_unusable_layer_path_is_a_config_error_naming_the_key(tmp_path, bad):
    yaml_file = tmp_path / "regions.yaml"
    yaml_file.write_text(f"layers:\n  - name: a\n    label: A\n    sources:\n      - geojson: \"{bad}\"\n",
                         encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_layers(yaml_file)
    assert info.value.line == 5 and "geojson" in str(info.value)
