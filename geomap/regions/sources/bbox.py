"""The ``bbox`` source: ``[west, south, east, north]`` in degrees."""
from __future__ import annotations

from geomap.regions.model import Feature
from geomap.regions.sources.base import SourceKind


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    from shapely.geometry import box

    doc, key = loader.doc, key + ("bbox",)
    items = doc.check(key, value["bbox"], "list")
    if len(items) != 4:
        raise doc.error(key, f"must be [west, south, east, north] (got {len(items)} numbers)")
    west, south, east, north = (doc.check(key + (i,), v, "number") for i, v in enumerate(items))
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        swapped = -90 <= west <= 90 and -90 <= east <= 90 and -180 <= south <= 180 and -180 <= north <= 180
        raise doc.error(key, "outside longitude/latitude ranges" + (
            "; it looks like [south, west, north, east]: the order is [west, south, east, north]"
            if swapped else ""))
    if west >= east or south >= north:
        raise doc.error(key, "must be [west, south, east, north] with west < east and south < north")
    return [Feature(layer, layer, box(west, south, east, north))]


SOURCE = SourceKind("bbox", build)
