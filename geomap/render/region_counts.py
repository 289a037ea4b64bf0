"""Per-region counts of places, mentions and articles: the map's region table and ``regions.csv``.

Every configured region gets a row, those nothing falls in included (zero counts), in layer order.
Layers are counted too (``layer_counts``): a layer's totals count each place, mention and article
once, however many of its regions hold the place (a border town within the tolerance of two
oblasts is one place of the layer, not two). ``regions.csv`` lists the region rows
(``scope`` = ``region``), then one row per layer (``scope`` = ``layer``, ``region`` = the layer's name).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from geomap._csv import csv_text
from geomap.render.data import MapData

CSV_COLUMNS = ("region", "label", "layer", "places", "mentions", "articles", "scope")


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
        if not record.regions:
            continue
        ids = data.stats(record).per_article.keys()
        for name in record.regions:
            places[name] = places.get(name, 0) + 1
            mentions[name] = mentions.get(name, 0) + len(record.mentions)
            articles.setdefault(name, set()).update(ids)
    return [RegionCount(r.name, region_label(r, layer), layer.label or layer.name,
                        places.get(r.name, 0), mentions.get(r.name, 0),
                        len(articles.get(r.name, ())))
            for layer in layers for r in layer.regions]


def layer_counts(data: MapData, layers: Iterable) -> list[RegionCount]:
    """A row per layer (``region`` = the layer's name): places in any of its regions, their
    mentions and articles, each counted once."""
    layers = list(layers)
    names = [{r.name for r in layer.regions} for layer in layers]
    out = []
    for layer, mine in zip(layers, names):
        places = [record for record in data.places if mine.intersection(record.regions)]
        articles: set[str] = set()
        for record in places:
            articles.update(data.stats(record).per_article.keys())
        out.append(RegionCount(layer.name, layer.label or layer.name, layer.label or layer.name,
                               len(places), sum(len(r.mentions) for r in places), len(articles)))
    return out


def regions_csv(counts: Iterable[RegionCount], totals: Iterable[RegionCount] = ()) -> str:
    """``regions.csv`` text: header ``region,label,layer,places,mentions,articles,scope``; the
    region rows (``counts``), then the layer rows (``totals``, from ``layer_counts``)."""
    rows = [(c, "region") for c in counts] + [(c, "layer") for c in totals]
    return csv_text(CSV_COLUMNS, ((c.region, c.label, c.layer, c.places, c.mentions, c.articles,
                                   scope) for c, scope in rows))
