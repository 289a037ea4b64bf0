"""The membership index: which regions hold a place (a point by its point, an area by coverage)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from geomap.regions.areas import covering_regions, is_area
from geomap.regions.geodesy import KM_PER_DEGREE
from geomap.regions.model import Layer


class RegionIndex:
    """Which regions contain a place, with a boundary tolerance.

    A place is inside a region when the region intersects it (its boundary counts), or when the
    region's edge lies within ``tolerance_km`` of it: the default 1 km keeps coastal and river-bank
    cities such as Kherson inside their region although generalised outlines cut the shore.
    """

    def __init__(self, layers: Iterable[Layer], tolerance_km: float = 1.0, *,
                 points: Mapping[tuple[float, float], tuple[str, ...]] | None = None,
                 areas: Mapping[tuple[str, str, str], tuple[str, ...]] | None = None):
        """``points`` (by (lat, lon)) and ``areas`` (by (place id, kind, country)): answers already
        known for these layers, this tolerance and the same ``members`` and ``outlines``
        (``regions.membership_cache``)."""
        import numpy as np

        self.regions = [r for layer in layers for r in layer.regions]
        self.names = [r.name for r in self.regions]
        self.tolerance_km = float(tolerance_km)
        self._geoms = np.array([r.geometry for r in self.regions], dtype=object)
        # Degree radius of the tolerance for each region: longitude degrees shrink with latitude,
        # so use the region's highest latitude (capped near the poles); the km check refines it.
        import shapely

        from shapely.strtree import STRtree

        bounds = shapely.bounds(self._geoms) if len(self._geoms) else np.zeros((0, 4))
        top = np.minimum(np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])) + 1, 89.0)
        self._degrees = self.tolerance_km / (KM_PER_DEGREE * np.cos(np.radians(top))) * 1.01
        # The regions are few and fixed, the places many and arriving in small batches (one
        # article at a time): index and prepare the regions once, and remember each answer.
        shapely.prepare(self._geoms)
        self._tree = STRtree(self._geoms)
        self._memo: dict[tuple[float, float], tuple[str, ...]] = dict(points or {})
        self._area_memo: dict[tuple[str, str, str], tuple[str, ...]] = dict(areas or {})

    def regions_for(self, lat: float, lon: float) -> tuple[str, ...]:
        return self.regions_for_many([lat], [lon])[0]

    def regions_for_places(self, places: Sequence[Any], members=None,
                           outlines=None) -> list[tuple[str, ...]]:
        """Region names per ``Place``: by its point for a point place (a city), by coverage for
        an area (``geomap.regions.areas``: a country, admin area, sea, river ... belongs to a region only
        when the region covers it, never because its label point falls inside). ``members(place)``
        gives an admin area's member settlements as (lat, lon) pairs (the gazetteer's);
        ``outlines(code)`` a country's stored outline (``Gazetteer.outline``)."""
        out: list[tuple[str, ...]] = [()] * len(places)
        points = [i for i, p in enumerate(places) if not is_area(p)]
        found = self.regions_for_many([places[i].lat for i in points], [places[i].lon for i in points])
        for i, names in zip(points, found):
            out[i] = names
        for i, place in enumerate(places):
            if is_area(place) and len(self._geoms):
                key = (place.id, place.kind, place.country)
                if key not in self._area_memo:
                    self._area_memo[key] = covering_regions(self, place, members, outlines)
                out[i] = self._area_memo[key]
        return out

    def candidates(self, geometry) -> list[int]:
        """Indexes (into ``regions``) of the regions whose bounding box meets ``geometry``'s."""
        return sorted(self._tree.query(geometry).tolist())

    def regions_for_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[tuple[str, ...]]:
        """Region names per place, in layer order. Places with NaN coordinates get none."""
        import numpy as np

        lats = np.asarray(lats, dtype=float)
        lons = np.asarray(lons, dtype=float)
        if lats.shape != lons.shape or lats.ndim != 1:
            raise ValueError("lats and lons must be 1-D sequences of the same length")
        out: list[tuple[str, ...]] = [()] * len(lats)
        if not len(self._geoms):
            return out
        finite = np.isfinite(lats) & np.isfinite(lons)
        keys = list(zip(lats.tolist(), lons.tolist()))
        first: dict[tuple[float, float], int] = {}   # each distinct point once: a name repeated
        for i in np.flatnonzero(finite).tolist():       # a million times is one query, not a million
            if keys[i] not in self._memo:
                first.setdefault(keys[i], i)
        todo = list(first.values())
        if todo:
            found = self._compute(lats[todo], lons[todo])
            if len(self._memo) > 1_000_000:    # a bound, not a policy: big batches need no memory
                self._memo.clear()
            self._memo.update((keys[i], names) for i, names in zip(todo, found))
        for i in np.flatnonzero(finite).tolist():
            out[i] = self._memo[keys[i]]
        return out

    def _compute(self, lats, lons) -> list[tuple[str, ...]]:
        import numpy as np
        import shapely

        points = shapely.points(lons, lats)
        place, region = self._tree.query(points)        # bounding boxes; then the prepared test
        inside = shapely.intersects(self._geoms[region], points[place])
        place, region = place[inside], region[inside]
        if self.tolerance_km > 0:
            near_place, near_region = self._near(points, lats, lons, place, region)
            region, place = np.concatenate([region, near_region]), np.concatenate([place, near_place])
        out: list[tuple[str, ...]] = [()] * len(lats)
        order = np.lexsort((region, place))
        for p, r in zip(place[order].tolist(), region[order].tolist()):
            out[p] += (self.names[r],)
        return out

    def _near(self, points, lats, lons, inside_place, inside_region):
        """(place, region) pairs, not among the ``inside`` ones, whose edge is within the tolerance.

        Candidates come from a generous query in degrees. Each is then measured in a plane centred
        on the place (x = Δlon·cos φ, y = Δlat, in km), after clipping the region to the box that
        holds the tolerance circle: over a few km that plane keeps distances to a fraction of a
        percent at any latitude, whatever the direction of the edge.
        """
        import numpy as np
        import shapely

        reach = float(self._degrees.max())
        # The tree's own "dwithin" measures each point against the whole outline (Russia's has
        # ~36,000 vertices) unprepared: ten times slower than boxes first, then the prepared test.
        place, region = self._tree.query(shapely.box(lons - reach, lats - reach, lons + reach, lats + reach))
        near = shapely.dwithin(self._geoms[region], points[place], reach)
        place, region = place[near], region[near]
        width = len(self._geoms)
        new = ~np.isin(place * width + region, inside_place * width + inside_region)
        place, region = place[new], region[new]
        lat, lon = lats[place], lons[place]
        dlat, dlon = self.tolerance_km / KM_PER_DEGREE * 1.01, self._degrees[region]
        pieces = shapely.intersection(self._geoms[region],
                                      shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        coords, owner = shapely.get_coordinates(pieces, return_index=True)
        local = np.column_stack([(coords[:, 0] - lon[owner]) * np.cos(np.radians(lat[owner])),
                                 coords[:, 1] - lat[owner]]) * KM_PER_DEGREE
        km = shapely.distance(shapely.set_coordinates(pieces, local), shapely.Point(0, 0))
        near = km <= self.tolerance_km
        return place[near], region[near]
