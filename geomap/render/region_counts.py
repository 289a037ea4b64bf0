"""Per-region counts of places, mentions and articles: the map's region table and ``regions.csv``.

Every configured region gets a row, those nothing falls in included (zero counts), in layer order.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

from geomap.render.data import MapData, article_ids

CSV_COLUMNS = ("region", "label", "layer", "places", "mentions", "articles")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class RegionCount:
    """One region's totals over the places inside it."""

    region: str          # Region.name
    label: str
    layer: str           # the layer's label
    places: int
    mentions: int
    articles: int


def region_label(region, layer) -> str:
    """A region's label as the config gives it: its own label, else its layer's label when the
    region is the whole layer (a ``difference``/``union`` layer's single region is named after the
    layer: ``ua-rest``), else its name. The map, the place pages and ``regions.csv`` all use it."""
    if region.label:
        return region.label
    if region.name == layer.name:
        return layer.label or layer.name
    return region.name


def region_labels(layers: Iterable) -> dict[str, str]:
    """``{region name: region_label}`` for every configured region, in layer order."""
    return {r.name: region_label(r, layer) for layer in layers for r in layer.regions}


def region_layer_labels(layers: Iterable) -> dict[str, str]:
    """``{region name: its layer's label}`` for every configured region."""
    return {r.name: layer.label or layer.name for layer in layers for r in layer.regions}


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
    return [RegionCount(r.name, region_label(r, layer), layer.label or layer.name,
                        places.get(r.name, 0), mentions.get(r.name, 0),
                        len(articles.get(r.name, ())))
            for layer in layers for r in layer.regions]


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def regions_csv(counts: Iterable[RegionCount]) -> str:
    """``regions.csv`` text: header ``region,label,layer,places,mentions,articles``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in counts:
        writer.writerow([_cell(c.region), _cell(c.label), _cell(c.layer),
                         c.places, c.mentions, c.articles])
    return out.getvalue()
