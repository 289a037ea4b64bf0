"""Areas are not points: a country, admin area, sea or river belongs to a region only when the
region covers it (``geomap.regions.areas``), never because its label point falls inside."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from geomap.regions.areas import COVERAGE, covering_regions
from geomap.gazetteer import Gazetteer
from geomap.model import Place
from geomap.regions import Layer, Region, RegionIndex, country_outline, load_layers

REPO = Path(__file__).resolve().parents[1]

UKRAINE = Place("geonames:690791", "Ukraine", 49.0, 32.0, "UA", "country")
CHERKASY = Place("geonames:710791", "Cherkasy", 49.44452, 32.05738, "UA", "city")
AZOV = Place("geomap:sea-of-azov", "Sea of Azov", 46.1, 36.6, "", "water")
DNIPRO = Place("geomap:dnieper", "Dnipro", 50.45, 30.52, "UA", "water")
DONBAS = Place("geomap:donbas", "Donbas", 48.0, 38.0, "UA", "region")


def _layer(name: str, **regions) -> Layer:
    return Layer(name, name, "", {}, True,
                 tuple(Region(f"{name}/{k}", k, name, g) for k, g in regions.items()))


def _layers():
    outline = country_outline("UA")[1]
    west, south, east, north = outline.bounds
    most = outline.intersection(box(west, south, west + 0.8 * (east - west), north))   # most, not all
    return [
        _layer("countries", UA=outline),
        _layer("boxes", around_point=box(31.5, 48.5, 32.5, 49.5),   # holds Ukraine's label point
               most=most, sea=box(34.5, 45.0, 39.5, 47.5), everything=box(20, 40, 45, 55)),
    ]


@pytest.fixture(scope="module")
def index():
    return RegionIndex(_layers())


def test_a_country_is_in_the_regions_covering_it_not_where_its_point_lies(index):
    assert index.regions_for(UKRAINE.lat, UKRAINE.lon)[:2] == ("countries/UA", "boxes/around_point")
    assert index.regions_for_places([UKRAINE]) == [("countries/UA", "boxes/everything")]


def test_a_region_covering_most_but_not_nearly_all_does_not_hold_the_country(index):
    most = next(r for r in index.regions if r.name == "boxes/most").geometry
    share = shapely.area(most) / shapely.area(country_outline("UA")[1])
    assert 0.6 < share < COVERAGE                       # the case the rule is about
    assert "boxes/most" not in index.regions_for_places([UKRAINE])[0]


def test_a_city_is_still_placed_by_its_point(index):
    assert index.regions_for_places([CHERKASY]) == [("countries/UA", "boxes/around_point",
                                                     "boxes/most", "boxes/everything")]


def test_seas_rivers_and_footprintless_regions_are_in_no_region_by_their_point(index):
    assert index.regions_for(AZOV.lat, AZOV.lon) == ("boxes/sea", "boxes/everything")
    assert index.regions_for_places([AZOV, DNIPRO, DONBAS]) == [(), (), ()]


def test_admin_areas_are_judged_by_their_member_settlements(index):
    oblast = Place("geomap:adm1-ua-01", "Cherkasy Oblast", 49.4, 32.0, "UA", "admin1")
    inside = [(49.0 + i * 0.05, 31.6 + i * 0.05) for i in range(10)]           # all in around_point
    assert "boxes/around_point" in covering_regions(index, oblast, lambda p: inside)
    half_out = inside[:5] + [(50.3, 30.5)] * 5                                   # Kyiv: outside
    assert "boxes/around_point" not in covering_regions(index, oblast, lambda p: half_out)
    assert covering_regions(index, oblast, lambda p: []) == ()                    # no footprint
    assert covering_regions(index, oblast, None) == ()


@pytest.fixture(scope="module")
def shipped():
    """The shipped regions.yaml (oblasts, claimed oblasts, Crimea, countries, ua-rest, buffer)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RegionIndex(load_layers(REPO / "config" / "regions.yaml"))


def test_shipped_layers_ukraine_counts_as_the_country_only(shipped):
    (found,) = shipped.regions_for_places([UKRAINE])
    assert found == ("countries/Ukraine",)                      # not Cherkasy, not ua-rest


def test_shipped_layers_oblasts_by_their_gazetteer_settlements(shipped, gazetteer_path):
    with Gazetteer.open(gazetteer_path) as gazetteer:
        kherson = next(c.place for c in gazetteer.lookup(["kherson oblast"])["kherson oblast"]
                       if c.place.kind == "admin1")
        assert len(gazetteer.members(kherson.id)) >= 3
        assert gazetteer.members(CHERKASY.id) == []                 # a city has no members
        (found,) = shipped.regions_for_places([kherson], members=lambda p: gazetteer.members(p.id))
    assert "annexation-claimed-2022/Kherson" in found and "ua-oblasts/Kherson" in found
    assert "kherson-20km" not in found and "ua-rest" not in found   # its point may lie in them


def test_the_index_stores_country_outlines_that_give_the_same_coverage(index, gazetteer_path):
    """The build stores each country's outline (bounds and coarse equal-area copy), so a parse
    never reads Natural Earth: same memberships as from Natural Earth itself."""
    from geomap.gazetteer.outlines import read_outline

    with Gazetteer.open(gazetteer_path) as gaz:
        bounds, plane = gaz.outline("UA")
        assert bounds == pytest.approx(country_outline("UA")[1].bounds)
        assert gaz.outline("XX") is None
        fresh = RegionIndex(_layers())
        assert fresh.regions_for_places([UKRAINE], outlines=gaz.outline) == [
            ("countries/UA", "boxes/everything")]
    import sqlite3

    with pytest.raises(LookupError):                 # an index from before the table
        read_outline(sqlite3.connect(":memory:"), "UA")
    fresh = RegionIndex(_layers())

    def old_index(code):
        raise LookupError(code)

    assert fresh.regions_for_places([UKRAINE], outlines=old_index) == [
        ("countries/UA", "boxes/everything")]
