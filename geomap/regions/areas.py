"""Areas are not points: which regions a country, first-level region, sea or river belongs to.

A city is in a region when its point is (``regions.index.RegionIndex``, with the boundary tolerance).
An area's point is only a label: Ukraine's lies in Cherkasy oblast, yet a mention of Ukraine is
not a mention of Cherkasy. An area belongs to a region only when the region *covers* it: at least
``COVERAGE`` of the area's footprint lies inside the region. Footprints, by kind:

``country``          its Natural Earth 10m outline (``regions.natural_earth.country_outline``, by ISO code);
                     coverage is the share of its area (equal-area: x = lon, y = sin lat).
``admin1``/``admin2`` its member settlements in the gazetteer (every GeoNames place of 500+ people
                     with that admin-1 code, and that admin-2 name); coverage is the share of them
                     inside the region (each tested as a point, tolerance included).
``continent``, ``region``, ``water``, and any area whose footprint is unknown (no outline, no
                     member settlements: an online geocoder's answer, a country code Natural Earth
                     lacks): no footprint, so no region. A sea or river is never "in" a land region
                     because its label point is.

``COVERAGE`` is 0.9, not 1: outlines are generalised and derived borders approximate, so a region
drawn as the whole country, or an oblast matched against its own settlements, scores a little
under 1. A region covering 77 % of Ukraine (Ukraine minus Crimea and the four claimed oblasts)
does not hold "Ukraine".
"""
from __future__ import annotations

import weakref
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Sequence

from geomap.regions.natural_earth import country_outline

if TYPE_CHECKING:
    from geomap.model import Place
    from geomap.regions.index import RegionIndex

AREA_KINDS = frozenset({"country", "admin1", "admin2", "continent", "region", "water"})
COVERAGE = 0.9
RULES = "areas-2: country outline area (~6 km generalised), admin member settlements, others none; coverage 0.9"

Members = Callable[["Place"], Sequence[tuple[float, float]]]
Outlines = Callable[[str], "tuple[tuple[float, float, float, float], object] | None"]


def is_area(place: Place) -> bool:
    return place.kind in AREA_KINDS


def covering_regions(index: RegionIndex, place: Place, members: Members | None,
                     outlines: Outlines | None = None) -> tuple[str, ...]:
    """Names of the regions of ``index`` that cover the area ``place``, in layer order.
    ``outlines(code)``: a country's stored outline (``Gazetteer.outline``); without it, or for an
    index that predates stored outlines, Natural Earth is read."""
    if place.kind == "country":
        found = _outline_coverage(index, place.country.strip().upper(), outlines)
    elif place.kind in ("admin1", "admin2") and members is not None:
        found = _member_coverage(index, members(place))
    else:
        found = {}
    return tuple(index.names[i] for i in sorted(r for r, share in found.items() if share >= COVERAGE))


def _outline_coverage(index: RegionIndex, code: str, outlines: Outlines | None) -> dict[int, float]:
    """{region index: share of the country's outline inside it}."""
    import shapely

    found = None
    if code and outlines is not None:
        try:
            found = outlines(code)
        except LookupError:
            outlines = None
    if code and outlines is None:
        found = _outline(code)
    if found is None:
        return {}
    bounds, outline = found
    total = outline.area
    if total <= 0:
        return {}
    shares = {}
    for r in index.candidates(shapely.box(*bounds)):
        region = _region_plane(index, r)
        if region.area < COVERAGE * total:
            continue                    # too small to cover it, whatever the overlap
        if _box_overlap(region, outline) < COVERAGE * total:
            continue                    # their bounding boxes already share too little
        shares[r] = region.intersection(outline).area / total
    return shares


@lru_cache(maxsize=64)
def _outline(code: str):
    """(bounds, coarse equal-area copy) of a country's Natural Earth outline, once per process."""
    found = country_outline(code)
    return None if found is None else (found[1].bounds, area_plane(found[1]))


def area_plane(geometry):
    """``geometry`` in the equal-area plane, generalised to ~6 km (``SIMPLIFY``): what coverage
    is measured on (also stored per country by the gazetteer build)."""
    return _simple(_equal_area(geometry))


def _region_plane(index: RegionIndex, r: int):
    """Region ``r`` of ``index`` as a coarse equal-area copy, made once per index."""
    planes = _PLANES.setdefault(index, {})
    if r not in planes:
        planes[r] = area_plane(index.regions[r].geometry)
    return planes[r]


_PLANES: "weakref.WeakKeyDictionary[RegionIndex, dict]" = weakref.WeakKeyDictionary()


def _box_overlap(a, b) -> float:
    """The area two geometries' bounding boxes share (an upper bound of their overlap)."""
    ax0, ay0, ax1, ay1 = a.bounds
    bx0, by0, bx1, by1 = b.bounds
    return max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))


def _simple(geometry):
    """A coarser copy for the overlap (~6 km, far below what a 10 % margin needs; the areas of
    big countries change by < 1.5 %): outlines of big countries have ~10^5 vertices, and their
    exact intersection takes seconds. Douglas-Peucker without topology is ~10x faster than with,
    and ``make_valid`` repairs what it may break."""
    import shapely

    return shapely.make_valid(geometry.simplify(SIMPLIFY, preserve_topology=False))


SIMPLIFY = 1e-3      # in the equal-area plane: radians of longitude / sin(lat), about 6 km


def _member_coverage(index: RegionIndex, points: Sequence[tuple[float, float]]) -> dict[int, float]:
    """{region index: share of the member settlements inside it}."""
    if not points:
        return {}
    lats, lons = zip(*points)
    import shapely

    if not index.candidates(shapely.box(min(lons), min(lats), max(lons), max(lats))):
        return {}                       # no region near any member: nothing to test point by point
    counts: dict[str, int] = {}
    for names in index.regions_for_many(lats, lons):
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    position = {name: i for i, name in enumerate(index.names)}
    return {position[name]: n / len(points) for name, n in counts.items()}


def _equal_area(geometry):
    """``geometry`` in a cylindrical equal-area plane (x = lon in radians, y = sin lat): planar
    areas there are proportional to areas on the sphere, so ratios of them are area shares."""
    import numpy as np
    import shapely

    return shapely.transform(geometry, lambda c: np.column_stack(
        [np.radians(c[:, 0]), np.sin(np.radians(c[:, 1]))]))


__all__ = ["AREA_KINDS", "COVERAGE", "RULES", "is_area", "covering_regions", "area_plane"]
