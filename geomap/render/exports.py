"""``mentions.csv`` and ``mentions.jsonl``: one row per mention on the map, for spreadsheets,
scripts and GIS tools.

Columns (both files, in this order; CSV cells are formula-safe, see ``geomap._csv``):

=============  ==============================================================================
article_id     the article's id (its page is ``articles/<article_id>.html``)
title          the article's title
date           its date (``YYYY-MM-DD``), empty / null when undated
source         where it came from, as configured: a path relative to the project, or a URL
text           the mention as written (``article text[start:end]``)
start, end     0-based, end-exclusive character offsets into the article's text
place_id       the place it resolved to (``geonames:706448``)
name, kind     the place's name and kind (city, country, admin1, water, ...)
lat, lon       the place's point (WGS84 degrees)
regions        the configured regions holding the place (CSV: ``;``-separated; JSONL: a list)
passage        the paragraph that contains the mention (empty when it lies outside every one)
=============  ==============================================================================

Rows are in article id order, then by offset. Only resolved mentions (those on the map) appear.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from geomap._csv import csv_text
from geomap.render.data import MapData
from geomap.render.sources import display_source

COLUMNS = ("article_id", "title", "date", "source", "text", "start", "end", "place_id", "name",
           "kind", "lat", "lon", "regions", "passage")


def mention_rows(data: MapData, root: Path | None = None) -> Iterator[dict]:
    """One dict per resolved mention (``COLUMNS``; ``regions`` a list), in the documented order."""
    rows = []
    for record in data.places:
        for m in record.mentions:
            rows.append((m.article_id, m.start, m.end, m.text, m.passage_index, record))
    rows.sort(key=lambda r: (r[0], r[1]))
    passages: dict[str, dict[int, tuple[int, int]]] = {}
    sources: dict[str, str] = {}
    for aid, start, end, text, pidx, record in rows:
        article = data.articles.get(aid)
        if article is None:
            continue
        if aid not in passages:
            passages[aid] = {p.index: (p.start, p.end) for p in article.passages}
            sources[aid] = display_source(article.source, root)
        span = passages[aid].get(pidx) if pidx is not None else None
        place = record.place
        yield {"article_id": aid, "title": article.title, "date": article.published,
               "source": sources[aid], "text": text, "start": start, "end": end,
               "place_id": place.id, "name": place.name, "kind": place.kind,
               "lat": place.lat, "lon": place.lon, "regions": list(record.regions),
               "passage": article.text[span[0]:span[1]] if span else ""}


def mentions_csv(data: MapData, root: Path | None = None) -> str:
    return csv_text(COLUMNS, ([";".join(v) if k == "regions" else v for k, v in row.items()]
                              for row in mention_rows(data, root)))


def mentions_jsonl(data: MapData, root: Path | None = None) -> str:
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    return "".join(encode(row) + "\n" for row in mention_rows(data, root))


__all__ = ["COLUMNS", "mention_rows", "mentions_csv", "mentions_jsonl"]
