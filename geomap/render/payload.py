"""The JSON that ``map.html``'s script (``static/geomap.js``) reads: places, articles, regions.

Split from ``map.py`` (which makes the folium page around it). The browser filters everything by
one state (dates, region or layer, kind, text, place), so the payload carries what every view
needs to count a subset: for each place, the articles that mention it with their mention and
passage counts; every article (page, title, date, source); each configured region's layer and
bounds; the names the gazetteer could not place. Tables keep it small: articles and region
labels are stored once and referred to by number. The quoted passages are not in it: they go to
chunk files that a pop-up loads when it opens (``passages.py``; each place row names its chunk).
"""
from __future__ import annotations

import heapq
from pathlib import PurePath
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from geomap.config import MapConfig
from geomap.credits import origin_note
from geomap.render.article_page import page_name
from geomap.render.data import MapData, PlaceRecord, UnplacedRecord
from geomap.render.passages import Chunk, chunk_count, chunk_of
from geomap.render.quotes import Quote, article_ranks, groups, passage_bounds, quote_bounds
from geomap.render.place_page import escaped_name, place_page_name

_MERGE_GAP = 40   # windows of one passage closer than this share one stored text


def layer_tables(layers: Iterable) -> tuple[list, list[int], list[str], list]:
    """The payload's layer tables: ``[name, label]`` per layer, then per region (layer order) its
    layer's number, its name and its bounds (``region_bounds``)."""
    layer_rows, region_layer, region_names, bounds = [], [], [], []
    for i, layer in enumerate(layers):
        layer_rows.append([layer.name, layer.label or layer.name])
        for r in layer.regions:
            region_layer.append(i)
            region_names.append(r.name)
            bounds.append(region_bounds(r.geometry))
    return layer_rows, region_layer, region_names, bounds


def merged_windows(ordered: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Windows ``(a, b)`` of one passage, sorted, merged where they overlap or lie closer than
    ``_MERGE_GAP``: each merged window is stored once in a chunk's texts."""
    merged: list[list[int]] = []
    for a, b in ordered:
        if merged and a <= merged[-1][1] + _MERGE_GAP:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def source_label(source: str) -> str:
    """What the articles panel shows as an article's source: a feed's or page's host name, or a
    file's name (never a full local path: pages must not leak where the user keeps files)."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.hostname:
        return parts.hostname
    return PurePath(source.replace("\\", "/")).name if source else ""


def article_row(aid: str, title: str, published: str | None, source: str) -> list[str]:
    """An article's row in the payload: ``[page, title, date, source]``, plus its id when the
    page name is not the id (the map's script breaks date ties by id, as
    ``quotes.article_ranks``)."""
    page = page_name(aid)
    row = [page, title or aid, published or "", source_label(source)]
    if page != aid:
        row.append(aid)
    return row


class Payload:
    """Builds the compact JSON the map's script reads.

    Articles are numbered newest first (undated last) here; the map's script does not rely on it
    (the refresh's render cache appends new articles' numbers) and orders them by date. Windows quoted from the same passage for different places are
    merged into one stored text (a passage naming three places is stored once, not three times).
    """

    def __init__(self, data: MapData, settings: MapConfig, region_labels: Mapping[str, str]):
        self.data, self.settings = data, settings
        self.region_labels = region_labels
        self.region_index: dict[str, int] = {}
        self.regions: list[str] = []
        self.chunks: list[Chunk] = []     # the passage chunk files (``build`` fills them)
        for name in region_labels:       # configured regions first, in layer order
            self._region(name)
        self.ranks = article_ranks(data.articles, data.articles)
        self.article_index = self.ranks  # every article, numbered by rank
        self.articles = [article_row(a.id, a.title, a.published, a.source)
                         for a in sorted(data.articles.values(), key=lambda a: self.ranks[a.id])]

    def _region(self, name: str) -> int:
        i = self.region_index.get(name)
        if i is None:
            i = self.region_index[name] = len(self.regions)
            self.regions.append(self.region_labels.get(name, name))
        return i

    def _quotes(self, record: PlaceRecord) -> tuple[list[Quote], int, set[str]]:
        """The newest ``max_passages`` windows to quote, how many passages there are, and the
        ids of the articles that mention the place.

        Only the newest articles' mentions are grouped: a place named in thousands of articles
        is counted with sets, not grouped passage by passage.
        """
        limit, ranks = self.settings.max_passages, self.ranks
        mentions = record.mentions
        stats = self.data.stats(record)
        ids = stats.per_article.keys()
        newest = set(heapq.nsmallest(limit, ids & ranks.keys(), key=ranks.__getitem__))
        if len(newest) < len(ids):
            mentions = [m for m in mentions if m.article_id in newest]
        chosen, _n = groups(mentions, self.data.articles, limit, ranks)
        quotes = []
        for g in chosen:
            lo, hi = passage_bounds(g.article, g.passage_index)
            a, b = quote_bounds(g.article.text, lo, hi, g.spans[0])
            anchor = -1 if g.passage_index is None else g.passage_index
            quotes.append(Quote(g.article, anchor, a, b, lo, hi, g.spans))
        return quotes, stats.n_passages, ids

    def _store_texts(self, quotes: Iterable[Quote], texts: list[str]
                     ) -> dict[tuple[str, int, int, int], tuple[int, int]]:
        """Store merged windows per passage in ``texts``; map each window to (text#, offset in
        that text)."""
        windows: dict[tuple[str, int, int], set[tuple[int, int]]] = {}
        for q in quotes:
            windows.setdefault((q.article.id, q.lo, q.hi), set()).add((q.a, q.b))
        where: dict[tuple[str, int, int, int], tuple[int, int]] = {}
        for (article_id, lo, _hi), spans in windows.items():
            text = self.data.articles[article_id].text
            ordered = sorted(spans)
            for seg_a, seg_b in merged_windows(ordered):
                index = len(texts)
                texts.append(text[seg_a:seg_b].replace("\n", " ").replace("\r", " "))
                for a, b in ordered:
                    if seg_a <= a and b <= seg_b:
                        where[(article_id, a, b, lo)] = (index, a - seg_a)
        return where

    @staticmethod
    def _quote_row(q: Quote, article_page: str, text_no: int, offset: int) -> list[Any]:
        """``[article page, anchor, text#, offset, length, cut flags (1 start, 2 end), marks]``."""
        flags = (1 if q.a > q.lo else 0) | (2 if q.b < q.hi else 0)
        marks: list[int] = []
        for start, end in q.spans:
            if q.a <= start and end <= q.b:
                marks += [start - q.a, end - q.a]
        return [article_page, q.anchor, text_no, offset, q.b - q.a, flags, marks]

    def _links(self, record: PlaceRecord) -> list[Any]:
        """The place's articles by number, ascending, each as the step from the previous number;
        ``[step, mentions, passages]`` instead when the article names it more than once."""
        index = self.article_index
        stats = self.data.stats(record)
        mentions, passages = stats.per_article, stats.passages
        out: list[Any] = []
        previous = 0
        for number, aid in sorted((index[aid], aid) for aid in mentions if aid in index):
            step, previous = number - previous, number
            m, p = mentions[aid], passages[aid]
            out.append(step if m == 1 and p == 1 else [step, m, p])
        return out

    def _unplaced(self, records: Iterable[UnplacedRecord]) -> list[list[Any]]:
        """``[name, [article#, mentions, anchor, ...]]`` per name, most mentioned first: each
        article once with its mention count and the first passage naming it (-1: none)."""
        rows = []
        index = self.article_index
        for record in sorted(records, key=lambda r: (-len(r.mentions), r.name)):
            per_article: dict[int, list[int]] = {}
            for m in record.mentions:
                number = index.get(m.article_id)
                if number is None:
                    continue
                entry = per_article.setdefault(number, [number, 0, -1 if m.passage_index is None
                                                        else m.passage_index])
                entry[1] += 1
                if entry[2] < 0 and m.passage_index is not None:
                    entry[2] = m.passage_index
            if per_article:
                rows.append([record.name, [x for k in sorted(per_article)
                                           for x in per_article[k]]])
        return rows

    def _chunk(self, number: int, quoted: list[tuple[str, list[Quote]]]) -> Chunk:
        """The chunk file of these places' quotes, with its own table of merged texts."""
        texts: list[str] = []
        where = self._store_texts((q for _id, quotes in quoted for q in quotes), texts)
        rows = {place_id: [self._quote_row(q, page_name(q.article.id),
                                           *where[(q.article.id, q.a, q.b, q.lo)])
                           for q in quotes]
                for place_id, quotes in quoted}
        return Chunk(number, {"places": rows, "texts": texts})

    def build(self, legend: list[list[Any]], title: str, counts: list, layers: list
              ) -> dict[str, Any]:
        """The payload, but for what ``map.py`` adds (bounds, tiles, attribution)."""
        chosen = [self._quotes(r) for r in self.data.places]
        count = chunk_count(len(self.data.places))
        by_chunk: dict[int, list[tuple[str, list[Quote]]]] = {}
        places = []
        for record, (quotes, n_passages, article_ids_) in zip(self.data.places, chosen):
            p = record.place
            number = chunk_of(p.id, count)
            by_chunk.setdefault(number, []).append((p.id, quotes))
            places.append([p.id, p.name, p.kind, p.country, round(p.lat, 5), round(p.lon, 5),
                           [self._region(r) for r in record.regions], len(record.mentions),
                           len(article_ids_), number, n_passages, page_field(p.id),
                           self._links(record), written_names(record, self.data.stats(record).texts),
                           origin_note(p) or 0])
        del chosen
        self.chunks = [self._chunk(number, by_chunk[number]) for number in sorted(by_chunk)]
        layer_rows, region_layer, region_names, bounds = layer_tables(layers)
        return {"title": title, "cluster": self.settings.cluster, "legend": legend,
                "articles": self.articles,
                "regions": self.regions, "places": places, "chunks": count,
                "regionCounts": [[c.layer, c.places, c.mentions, c.articles] for c in counts],
                "layers": layer_rows, "regionLayer": region_layer, "regionNames": region_names,
                "regionBounds": bounds,
                "unplaced": self._unplaced(getattr(self.data, "unplaced", ()))}


def region_bounds(geometry) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of a region (what choosing it zooms to)."""
    if geometry is None or geometry.is_empty:
        return None
    west, south, east, north = geometry.bounds
    return [[round(south, 3), round(west, 3)], [round(north, 3), round(east, 3)]]


def page_field(place_id: str) -> str | int:
    """The place page's name for the map's data: 0 when geomap.js can derive it from the id."""
    page = place_page_name(place_id)
    try:
        return 0 if page == escaped_name(place_id) else page
    except UnicodeEncodeError:
        return page



MAX_SEARCH_NAMES = 20


def written_names(record: PlaceRecord, texts: Iterable[str] | None = None) -> list[str]:
    """How the articles write the place's name, other than its gazetteer name (``Херсоні``,
    ``Kiev``, ``Киеве``): the map's search finds the place by any of them. ``texts``: the
    mentions' texts when the caller has them (``PlaceStats.texts``)."""
    names = sorted(set(texts if texts is not None else (m.text for m in record.mentions))
                   - {record.place.name})
    return names[:MAX_SEARCH_NAMES]
