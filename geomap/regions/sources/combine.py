"""Sources built from regions defined earlier in the file: ``union``, ``difference``, ``buffer``."""
from __future__ import annotations

from typing import Any, Sequence

from geomap.config import Key
from geomap.regions.geodesy import buffer_km
from geomap.regions.model import Feature
from geomap.regions.sources.base import SourceKind

BUFFER_KEYS = ("km", "point", "line", "region")


def union(geometries: Sequence[Any]):
    import shapely

    return shapely.union_all(list(geometries))


def _combined(loader, key, value: dict, layer: str, where: str, kind: str) -> list[Feature]:
    doc, key = loader.doc, key + (kind,)
    names = doc.check(key, value[kind], "list")
    if len(names) < (1 if kind == "union" else 2):
        raise doc.error(key, f"{kind} needs {'at least one name' if kind == 'union' else 'two or more names'}")
    parts = [loader.reference(key + (i,), n) for i, n in enumerate(names)]
    return [Feature(layer, layer, union(parts) if kind == "union" else parts[0].difference(union(parts[1:])))]


def build_union(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    return _combined(loader, key, value, layer, where, "union")


def build_difference(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    return _combined(loader, key, value, layer, where, "difference")


def build_buffer(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    doc, key = loader.doc, key + ("buffer",)
    spec = doc.mapping(key, value["buffer"], BUFFER_KEYS)
    if "km" not in spec:
        raise doc.error(key, "a buffer needs 'km'")
    km = doc.check(key + ("km",), spec["km"], "number", minimum=0.001, maximum=5000)
    given = [k for k in ("point", "line", "region") if k in spec]
    if len(given) != 1:
        raise doc.error(key, "a buffer needs exactly one of point, line, region")
    what = given[0]
    if what == "region":
        geometry = loader.reference(key + ("region",), spec["region"])
    else:
        from shapely.geometry import LineString, Point

        if what == "point":
            lat, lon = _latlon(doc, key + ("point",), spec["point"])
            geometry = Point(lon, lat)
        else:
            items = doc.check(key + ("line",), spec["line"], "list")
            if len(items) < 2:
                raise doc.error(key + ("line",), "a line needs two or more [lat, lon] points")
            geometry = LineString([_latlon(doc, key + ("line", i), p)[::-1] for i, p in enumerate(items)])
    return [Feature(layer, layer, buffer_km(geometry, km))]


def _latlon(doc, key: Key, value: Any) -> tuple[float, float]:
    pair = doc.check(key, value, "list")
    if len(pair) != 2:
        raise doc.error(key, "must be [lat, lon]")
    lat = doc.check(key + (0,), pair[0], "number")
    lon = doc.check(key + (1,), pair[1], "number")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        hint = "; it looks like [lon, lat]: the order is [lat, lon]" if -90 <= lon <= 90 else ""
        raise doc.error(key, f"must be [lat, lon] in degrees (got {pair}){hint}")
    return lat, lon


UNION = SourceKind("union", build_union)
DIFFERENCE = SourceKind("difference", build_difference)
BUFFER = SourceKind("buffer", build_buffer)
