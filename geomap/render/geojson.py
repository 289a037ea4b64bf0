"""``places.geojson``: every mapped place as a GeoJSON Point, for GIS tools and scripts."""
from __future__ import annotations

import json
from typing import Any

from geomap.render.data import MapData, PlaceRecord, article_ids


def place_feature(record: PlaceRecord) -> dict[str, Any]:
    """One Point feature (GeoJSON order: lon, lat) with the place's facts and counts."""
    p = record.place
    return {
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": {
            "id": p.id, "name": p.name, "kind": p.kind, "country": p.country,
            "admin1": p.admin1, "regions": list(record.regions),
            "mentions": len(record.mentions),
            "articles": len(article_ids(record.mentions)),
        },
    }


def places_geojson(data: MapData) -> str:
    """The FeatureCollection as text (UTF-8 JSON, no NaN)."""
    collection = {"type": "FeatureCollection",
                  "features": [place_feature(r) for r in data.places]}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
