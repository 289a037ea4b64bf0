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

from typing import TYPE_CHECKING, Callable, Sequence

from geomap.regions.natural_earth import country_outline

if TYPE_CHECKING:
    from geomap.model import Place
    from geomap.regions.index import RegionIndex

AREA_KINDS = frozenset({"country", "admin1", "admin2", "continent", "region", "water"})
COVERAGE = 0.9
RULES = "areas-1: country outline area, admin member settlements, others none; coverage 0.9"

Members = Callable[["Place"], Sequence[tuple[float, float]]]


def is_area(place: Place) -> bool:
    return place.kind in AREA_KINDS


def covering_regions(index: RegionIndex, place: Place, members: Members | None) -> tuple[str, ...]:
    """Names of the regions of ``index`` that cover the area ``place``, in layer order."""
    if place.kind == "country":
        found = _outline_coverage(index, place.country)
    elif place.kind in ("admin1", "admin2") and members is not None:
        found = _member_coverage(index, members(place))
    else:
        found = {}
    return tuple(index.names[i] for i in sorted(r for r, share in found.items() if share >= COVERAGE))


def _outline_coverage(index: RegionIndex, code: str) -> dict[int, float]:
    """{region index: share of the country's outline inside it}."""
    found = country_outline(code) if code else None
    if found is None:
        return {}
    outline = _equal_area(found[1])
    total = outline.area
    if total <= 0:
        return {}
    shares = {}
    for r in index.candidates(found[1]):
        region = _equal_area(index.regions[r].geometry)
        if region.area < COVERAGE * total:
            continue                    # too small to cover it, whatever the overlap
        shares[r] = _simple(region).intersection(_simple(outline)).area / total
    return shares


def _simple(geometry):
    """A coarser copy for the overlap (~1 km, far below what a 10 % margin needs): outlines of
    big countries have ~10^5 vertices, and their exact intersection takes seconds."""
    import shapely

    return shapely.make_valid(geometry.simplify(SIMPLIFY, preserve_topology=True))


SIMPLIFY = 2e-4      # in the equal-area plane: radians of longitude / sin(lat), about 1 km


def _member_coverage(index: RegionIndex, points: Sequence[tuple[float, float]]) -> dict[int, float]:
    """{region index: share of the member settlements inside it}."""
    if not points:
        return {}
    lats, lons = zip(*points)
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


__all__ = ["AREA_KINDS", "COVERAGE", "RULES", "is_area", "covering_regions"]
