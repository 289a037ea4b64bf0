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

from geomap._csv import csv_text
from geomap.render.data import MapData
from geomap.render.sources import display_source

COLUMNS = ("article_id", "title", "date", "source", "text", "start", "end", "place_id", "name",
           "kind", "lat", "lon", "regions", "passage")


def mention_rows(data: MapData, root: Path | None = None) -> list[tuple]:
    """One tuple per resolved mention (``COLUMNS``; ``regions`` a tuple), in the documented order."""
    refs = sorted(((m.article_id, m.start, m.end, m.text, m.passage_index, n)
                   for n, record in enumerate(data.places) for m in record.mentions),
                  key=lambda r: (r[0], r[1], r[5]))
    out = []
    articles = data.articles
    current = None
    for aid, start, end, text, pidx, n in refs:
        if aid != current:
            current = aid
            article = articles.get(aid)
            if article is None:
                continue
            head = (aid, article.title, article.published, display_source(article.source, root))
            spans = {p.index: (p.start, p.end) for p in article.passages}
            body = article.text
        elif article is None:
            continue
        place = data.places[n].place
        span = spans.get(pidx) if pidx is not None else None
        out.append((*head, text, start, end, place.id, place.name, place.kind, place.lat, place.lon,
                    data.places[n].regions, body[span[0]:span[1]] if span else ""))
    return out


def mentions_exports(data: MapData, root: Path | None = None) -> tuple[str, str]:
    """(``mentions.csv`` text, ``mentions.jsonl`` text), from one pass over the mentions."""
    rows = mention_rows(data, root)
    csv_rows = (row[:12] + (";".join(row[12]), row[13]) for row in rows)
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    jsonl = "".join([encode(dict(zip(COLUMNS, row))) + "\n" for row in rows])
    return csv_text(COLUMNS, csv_rows), jsonl


__all__ = ["COLUMNS", "mention_rows", "mentions_exports"]
