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
passage        the paragraph that contains the mention (empty when it lies outside every one); of a
               paragraph longer than ``EXPORT_PASSAGE_CHARS`` (1,000), the 1,000 characters
               around the mention, cut at spaces: a row stays small even when an article is one
               huge paragraph naming a place on every line
=============  ==============================================================================

A full render writes the rows in article id order, then by offset; a refresh that only adds
articles appends theirs (in that order) to the end instead of rewriting files of hundreds of MB
(``append_mentions_exports``). Only resolved mentions (those on the map) appear.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Collection, Iterable, Iterator, NamedTuple

from geomap._csv import csv_field
from geomap.model import Place
from geomap.render.data import ArticleRecord, MapData
from geomap.render.quotes import quote_bounds
from geomap.render.sources import display_source

EXPORTS = ("mentions.csv", "mentions.jsonl")
COLUMNS = ("article_id", "title", "date", "source", "text", "start", "end", "place_id", "name",
           "kind", "lat", "lon", "regions", "passage")
EXPORT_PASSAGE_CHARS = 1000    # a longer paragraph is exported as this much around the mention


def passage_text(article: ArticleRecord, span: tuple[int, int] | None, start: int, end: int) -> str:
    """The ``passage`` column: the paragraph ``span`` of ``article``, or its
    ``EXPORT_PASSAGE_CHARS`` around the mention ``[start, end)`` when it is longer (a 4 MB
    one-paragraph article naming a place 500,000 times would otherwise export 2 TB)."""
    if not span:
        return ""
    lo, hi = span
    if hi - lo > EXPORT_PASSAGE_CHARS:
        lo, hi = quote_bounds(article.text, lo, hi, (start, end), EXPORT_PASSAGE_CHARS)
    return article.text[lo:hi]


def mention_rows(data: MapData, root: Path | None = None) -> list[tuple]:
    """One tuple per resolved mention (``COLUMNS``; ``regions`` a tuple), in the documented order."""
    out = []
    for article, _, _, place, regions, start, end, text, span in _mentions(data):
        out.append((article.id, article.title, article.published,
                    display_source(article.source, root), text, start, end, place.id, place.name,
                    place.kind, place.lat, place.lon, regions,
                    passage_text(article, span, start, end)))
    return out


def _mentions(data: MapData, only: Collection[str] | None = None):
    """``ExportRow`` per mention whose article is known (and in ``only`` unless None), in
    article id then offset order."""
    refs = sorted(((m.article_id, m.start, n, m.end, m.text, m.passage_index)
                   for n, record in enumerate(data.places) for m in record.mentions
                   if only is None or m.article_id in only),
                  key=lambda r: (r[0], r[1], r[2]))
    current, article, spans = None, None, {}
    for aid, start, n, end, text, pidx in refs:
        if aid != current:
            current = aid
            article = data.articles.get(aid)
            spans = {p.index: (p.start, p.end) for p in article.passages} if article else {}
        if article is not None:
            record = data.places[n]
            yield ExportRow(article, pidx, n, record.place, record.regions, start, end, text,
                            spans.get(pidx) if pidx is not None else None)


class ExportRow(NamedTuple):
    """What one exported row is made of: the mention's article (an ``ArticleRecord`` with its
    text), passage index, place (``key`` tells places apart cheaply: the same key, the same
    place and regions), offsets, text as written and passage span (None: in no passage)."""

    article: ArticleRecord
    passage_index: int | None
    key: object
    place: Place
    regions: tuple[str, ...]
    start: int
    end: int
    text: str
    span: tuple[int, int] | None


def mentions_exports(data: MapData, root: Path | None = None) -> tuple[str, str]:
    """(``mentions.csv`` text, ``mentions.jsonl`` text): ``export_lines`` joined."""
    csv_lines, json_lines = [",".join(COLUMNS) + "\n"], []
    for csv_line, json_line in export_lines(data, root):
        csv_lines.append(csv_line)
        json_lines.append(json_line)
    return "".join(csv_lines), "".join(json_lines)


def write_mentions_exports(data: MapData, csv_path: Path, jsonl_path: Path,
                           root: Path | None = None) -> None:
    """Write ``mentions.csv`` and ``mentions.jsonl`` line by line: the two files hold a row per
    mention with its passage (hundreds of MB at 10,000 articles), never held in memory whole."""
    write_export_lines(export_lines(data, root), csv_path, jsonl_path)


def write_export_lines(lines: Iterable[tuple[str, str]], csv_path: Path, jsonl_path: Path, *,
                       header: bool = True) -> None:
    """Write the header (unless not ``header``: a part that follows another, as render workers
    write them) and ``lines`` (CSV line, JSON line) to the two export files."""
    with open(csv_path, "w", encoding="utf-8", newline="\n") as csv_file, \
            open(jsonl_path, "w", encoding="utf-8", newline="\n") as json_file:
        if header:
            csv_file.write(",".join(COLUMNS) + "\n")
        for csv_line, json_line in lines:
            csv_file.write(csv_line)
            json_file.write(json_line)


def export_sizes(out_dir: Path) -> str:
    """``"<csv bytes>,<jsonl bytes>"`` of the exports in ``out_dir`` ("" when either is not a
    regular file): recorded after each write, so an append goes only onto the files as written."""
    sizes = []
    for name in EXPORTS:
        try:
            st = os.lstat(Path(out_dir) / name)
        except OSError:
            return ""
        if not stat.S_ISREG(st.st_mode):
            return ""
        sizes.append(str(st.st_size))
    return ",".join(sizes)


def append_mentions_exports(data: MapData, out_dir: Path, articles: Collection[str],
                            root: Path | None = None) -> None:
    """Append the rows of ``articles`` (new since the files were written) to the exports in
    ``out_dir``, never through a symlink, and fsync them. A crash midway leaves sizes that no
    longer match the recorded ``export_sizes``: the next render then rewrites both files."""
    append_export_lines(export_lines(data, root, only=set(articles)), out_dir)


def append_export_lines(lines: Iterable[tuple[str, str]], out_dir: Path) -> None:
    """Append ``lines`` (CSV line, JSON line) to the exports in ``out_dir`` as
    ``append_mentions_exports`` does."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(Path(out_dir) / EXPORTS[0], flags), "w", encoding="utf-8",
              newline="\n") as csv_file, \
            open(os.open(Path(out_dir) / EXPORTS[1], flags), "w", encoding="utf-8",
                 newline="\n") as json_file:
        for csv_line, json_line in lines:
            csv_file.write(csv_line)
            json_file.write(json_line)
        for f in (csv_file, json_file):
            f.flush()
            os.fsync(f.fileno())


def export_lines(data: MapData, root: Path | None = None, *,
                 only: Collection[str] | None = None) -> Iterator[tuple[str, str]]:
    """(CSV line, JSON line) per mention of ``data`` (of the articles ``only``, unless None)."""
    return row_lines(_mentions(data, only), root)


def row_lines(rows: Iterable[ExportRow], root: Path | None = None) -> Iterator[tuple[str, str]]:
    """(CSV line, JSON line) per ``ExportRow`` (grouped by article), from one pass over them.

    Rows are assembled from pieces encoded once: per article (id, title, date, source), per place
    (id, name, kind, point, regions) and per passage; only the mention's own text and offsets are
    encoded per row (a store of 10,000 articles has some 300,000 mentions)."""
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    places_csv: dict[object, str] = {}
    places_json: dict[object, str] = {}
    current = None
    passages_csv: dict[int | None, str] = {}
    passages_json: dict[int | None, str] = {}
    for article, pidx, n, p, regions, start, end, text, span in rows:
        if article.id != current:
            current = article.id
            head = (article.id, article.title, article.published, display_source(article.source, root))
            head_csv = ",".join(map(csv_field, head))
            head_json = encode(dict(zip(COLUMNS[:4], head)))[:-1]
            passages_csv.clear()
            passages_json.clear()
        if n not in places_csv:
            places_csv[n] = ",".join(map(csv_field, (p.id, p.name, p.kind, p.lat, p.lon,
                                                     ";".join(regions))))
            places_json[n] = encode({"place_id": p.id, "name": p.name, "kind": p.kind,
                                     "lat": p.lat, "lon": p.lon, "regions": list(regions)})[1:-1]
        if span and span[1] - span[0] > EXPORT_PASSAGE_CHARS:     # its own window per mention
            passage = passage_text(article, span, start, end)
            passage_csv, passage_json = csv_field(passage), encode(passage)
        else:
            if pidx not in passages_csv:
                passage = passage_text(article, span, start, end)
                passages_csv[pidx] = csv_field(passage)
                passages_json[pidx] = encode(passage)
            passage_csv, passage_json = passages_csv[pidx], passages_json[pidx]
        yield (f"{head_csv},{csv_field(text)},{start},{end},{places_csv[n]},{passage_csv}\n",
               f'{head_json}, "text": {encode(text)}, "start": {start}, "end": {end}, '
               f'{places_json[n]}, "passage": {passage_json}}}\n')


__all__ = ["COLUMNS", "EXPORTS", "EXPORT_PASSAGE_CHARS", "ExportRow", "append_export_lines",
           "append_mentions_exports", "export_lines", "row_lines", "write_export_lines", "export_sizes", "mention_rows", "mentions_exports", "passage_text", "write_mentions_exports"]
