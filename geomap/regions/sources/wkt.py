"""The ``wkt`` source: an inline WKT polygon (x = lon, y = lat)."""
from __future__ import annotations

from geomap.regions.geodesy import check_lonlat
from geomap.regions.model import Feature
from geomap.regions.sources.base import SourceKind


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    import shapely

    doc = loader.doc
    try:
        geometry = check_lonlat(shapely.from_wkt(doc.check(key + ("wkt",), value["wkt"], "str")), where)
    except shapely.errors.GEOSException as e:
        raise doc.error(key + ("wkt",), f"invalid WKT: {e}") from e
    return [Feature(layer, layer, geometry)]


SOURCE = SourceKind("wkt", build)
