"""``places.geojson``: every mapped place as a GeoJSON Point, for GIS tools and scripts.

Properties: ``id``, ``name``, ``kind``, ``country``, ``admin1``, ``regions``, ``mentions``,
``articles``, and ``first_date`` / ``last_date``: the earliest and latest date of the articles
mentioning the place (``YYYY-MM-DD``; null when all of them are undated).
"""
from __future__ import annotations

import json
import re
from typing import Any, Collection

from geomap.render.data import MapData, PlaceRecord, article_ids


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def place_feature(record: PlaceRecord, dates: dict[str, str | None] | None = None,
                  ids: Collection[str] | None = None) -> dict[str, Any]:
    """One Point feature (GeoJSON order: lon, lat) with the place's facts and counts.
    ``dates``: article id → date, for ``first_date``/``last_date``; ``ids``: the ids of the
    articles mentioning it, when the caller has them (``MapData.stats``)."""
    p = record.place
    ids = article_ids(record.mentions) if ids is None else ids
    found = set(map((dates or {}).get, ids))        # distinct dates: far fewer than articles
    known = sorted(d for d in found if d and _ISO.fullmatch(d))
    return {
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": {
            "id": p.id, "name": p.name, "kind": p.kind, "country": p.country,
            "admin1": p.admin1, "regions": list(record.regions),
            "mentions": len(record.mentions),
            "articles": len(ids),
            "first_date": known[0] if known else None,
            "last_date": known[-1] if known else None,
        },
    }


def places_geojson(data: MapData) -> str:
    """The FeatureCollection as text (UTF-8 JSON, no NaN)."""
    dates = {aid: a.published for aid, a in data.articles.items()}
    collection = {"type": "FeatureCollection",
                  "features": [place_feature(r, dates, data.stats(r).per_article.keys())
                                for r in data.places]}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
