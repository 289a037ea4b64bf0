"""The ``geojson`` source: a FeatureCollection, Feature or bare Geometry file in WGS84."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geomap.errors import RegionError
from geomap.regions.geodesy import check_lonlat
from geomap.regions.model import Feature
from geomap.regions.sources.base import SourceKind, feature_name, file_features

WGS84_CRS_NAMES = ("urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84",
                   "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326", "epsg:4326",
                   "http://www.opengis.net/def/crs/ogc/1.3/crs84",
                   "http://www.opengis.net/def/crs/epsg/0/4326")


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    return file_features(loader, key, value, "geojson", read_geojson, where)


SOURCE = SourceKind("geojson", build, options=("name_property", "select"))


def read_geojson(path: Path, name_property: str, where: str) -> list[Feature]:
    """Features of a GeoJSON file. A legacy ``crs`` member must name WGS84 (CRS84 or EPSG:4326)."""
    import shapely
    from shapely.geometry import shape

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError) as e:   # JSONDecodeError is a ValueError
        raise RegionError(f"{where}: {path}: not readable GeoJSON: {e}") from e
    except RecursionError as e:
        raise RegionError(f"{where}: {path}: not readable GeoJSON: arrays nested too deeply") from e
    if not isinstance(data, dict) or "type" not in data:
        raise RegionError(f"{where}: {path}: not a GeoJSON object (no 'type')")
    _check_crs(data.get("crs"), f"{where}: {path}")
    kind = data["type"]
    if kind == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise RegionError(f"{where}: {path}: a FeatureCollection needs a 'features' list")
    elif kind == "Feature":
        items = [data]
    else:
        items = [{"type": "Feature", "properties": {}, "geometry": data}]
    features = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise RegionError(f"{where}: {path}: item {i} is not a Feature")
        props = item.get("properties") or {}
        name = feature_name(props.get(name_property), item.get("id"), i, f"{where}: {path}")
        _check_crs(item.get("crs"), f"{where}: {path}: feature {name!r}")
        if not item.get("geometry"):
            raise RegionError(f"{where}: {path}: feature {name!r} has no geometry")
        try:
            geometry = shape(item["geometry"])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
                shapely.errors.ShapelyError) as e:
            reason = "nested too deeply" if isinstance(e, RecursionError) else e
            raise RegionError(f"{where}: {path}: feature {name!r}: invalid geometry: {reason}") from e
        features.append(Feature(name, name, check_lonlat(geometry, f"{where}: {path}: feature {name!r}")))
    return features


def _check_crs(crs: Any, where: str) -> None:
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str) or name.strip().lower() not in WGS84_CRS_NAMES:
        raise RegionError(f"{where}: crs {name or crs!r} is not WGS84 longitude/latitude; reproject to "
                          "EPSG:4326 first (e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number GeoJSON allows")

