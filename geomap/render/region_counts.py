"""Per-region counts of places, mentions and articles: the map's region table and ``regions.csv``.

Every configured region gets a row, those nothing falls in included (zero counts), in layer order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from geomap._csv import csv_text
from geomap.render.data import MapData, article_ids

CSV_COLUMNS = ("region", "label", "layer", "places", "mentions", "articles")


@dataclass(frozen=True, slots=True)
class RegionCount:
    """One region's totals over the places inside it."""

    region: str          # Region.name
    label: str
    layer: str           # the layer's label
    places: int
    mentions: int
    articles: int


def region_counts(data: MapData, layers: Iterable) -> list[RegionCount]:
    """A row per configured region (``geomap.regions.Layer`` values), in layer order."""
    places: dict[str, int] = {}
    mentions: dict[str, int] = {}
    articles: dict[str, set[str]] = {}
    for record in data.places:
        ids = article_ids(record.mentions)
        for name in record.regions:
            places[name] = places.get(name, 0) + 1
            mentions[name] = mentions.get(name, 0) + len(record.mentions)
            articles.setdefault(name, set()).update(ids)
    return [RegionCount(r.name, r.label or r.name, layer.label or layer.name,
                        places.get(r.name, 0), mentions.get(r.name, 0),
                        len(articles.get(r.name, ())))
            for layer in layers for r in layer.regions]


def regions_csv(counts: Iterable[RegionCount]) -> str:
    """``regions.csv`` text: header ``region,label,layer,places,mentions,articles``."""
    return csv_text(CSV_COLUMNS, ((c.region, c.label, c.layer, c.places, c.mentions, c.articles)
                                  for c in counts))
