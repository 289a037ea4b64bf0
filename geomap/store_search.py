"""Full-text search over the store (``geomap search``): ``SearchHit`` and the ``Store`` methods that
find articles by words, places, regions and dates (``FullTextSearch``, a mixin of ``store.Store``).

The index itself (``fts_rows``, ``articles_fts`` and the triggers keeping them current) is the
``fulltext`` migration in ``geomap.store_schema``.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from geomap.model import Passage

__all__ = ["FullTextSearch", "SearchHit"]


class SearchHit(NamedTuple):
    """An article ``Store.search`` found, with its passages and ``(passage index, place name,
    place id)`` per resolved mention, in text order."""

    article_id: str
    title: str
    published: str | None
    source: str
    text: str
    passages: list[Passage]
    places: list[tuple[int | None, str, str]]


class FullTextSearch:
    """The search methods of ``store.Store`` (which wraps their SQLite errors as ``StoreError``)."""

    _db: sqlite3.Connection
    path: Path

    def written_forms(self) -> Iterator[tuple[str, str, int]]:
        """``(place id, text as written, mentions)`` for every resolved mention form."""
        yield from self._db.execute(
            "SELECT place_id, text, count(*) FROM mentions WHERE place_id IS NOT NULL "
            "GROUP BY place_id, text")

    def article_counts(self) -> dict[str, int]:
        """Place id → the number of articles mentioning it."""
        return dict(self._db.execute(
            "SELECT place_id, count(DISTINCT article_id) FROM mentions WHERE place_id IS NOT NULL "
            "GROUP BY place_id"))

    def search(self, match: str | None, *, place_ids: Iterable[str] = (), region: str | None = None,
               layer: str | None = None, since: str | None = None, until: str | None = None,
               limit: int | None = None) -> list[SearchHit]:
        """Articles matching the FTS5 query ``match``, best first (bm25, then newest).

        ``region``: only articles mentioning a place in that region; ``layer``: in any region of
        that layer (region names are ``layer`` or ``layer/feature``). ``since``/``until``: ISO
        dates, inclusive; undated articles are left out when either is given. An FTS5 syntax
        error raises ``sqlite3.OperationalError`` (``geomap.search`` builds safe queries).
        Ranking and dates use only the index and ``fts_rows``; the region test runs on the
        ranked candidates a chunk at a time until ``limit`` are found. ``place_ids``: articles
        mentioning any of these places also match (after the text matches, newest first), so a
        place named in another form or language is found; ``match`` None: those articles only.
        """
        where, params = [], []
        if since is not None:
            where.append("r.published >= ?")
            params.append(since)
        if until is not None:
            where.append("r.published <= ?")
            params.append(until)
        ids: list[str] = []
        if match is not None:
            ranked = self._db.execute(
                "SELECT r.article_id FROM articles_fts JOIN fts_rows r ON r.rowid = articles_fts.rowid "
                f"WHERE {' AND '.join(['articles_fts MATCH ?', *where])} "
                "ORDER BY bm25(articles_fts), coalesce(r.published, '') DESC, r.article_id",
                [match, *params])
            ids = [aid for (aid,) in ranked]
        place_ids = list(dict.fromkeys(place_ids))
        if place_ids:
            seen = set(ids)
            marks = ",".join("?" * len(place_ids))
            named = self._db.execute(
                "SELECT r.article_id FROM fts_rows r WHERE r.article_id IN (SELECT DISTINCT "
                f"article_id FROM mentions WHERE place_id IN ({marks})) "
                f"{''.join(' AND ' + w for w in where)} "
                "ORDER BY coalesce(r.published, '') DESC, r.article_id", [*place_ids, *params])
            ids += [aid for (aid,) in named if aid not in seen]
        if region is not None or layer is not None:
            ids = self._in_region(ids, region, layer, limit)
        return self._hits(ids[:limit] if limit is not None else ids)

    def _in_region(self, ids: list[str], region: str | None, layer: str | None,
                   limit: int | None, chunk: int = 500) -> list[str]:
        """The ``ids`` (in order) of articles mentioning a place in ``region`` / ``layer``."""
        test, extra = ("pr.region = ?", [region]) if region is not None else (
            "(pr.region = ? OR substr(pr.region, 1, ?) = ?)", [layer, len(layer) + 1, layer + "/"])
        kept: list[str] = []
        for i in range(0, len(ids), chunk):
            part = ids[i:i + chunk]
            found = {aid for (aid,) in self._db.execute(
                "SELECT DISTINCT m.article_id FROM mentions m JOIN place_regions pr "
                f"ON pr.place_id = m.place_id WHERE m.article_id IN ({','.join('?' * len(part))}) "
                f"AND {test}", part + extra)}
            kept += [aid for aid in part if aid in found]
            if limit is not None and len(kept) >= limit:
                break
        return kept

    def _hits(self, ids: list[str]) -> list[SearchHit]:
        """``SearchHit``s of these articles, in this order, with passages and places."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        by_id = {row[0]: SearchHit(*row, [], []) for row in self._db.execute(
            f"SELECT id, title, published, source, text FROM articles WHERE id IN ({marks})", ids)}
        for aid, idx, start, end in self._db.execute(
                f"SELECT article_id, idx, start, end FROM passages WHERE article_id IN ({marks}) "
                "ORDER BY article_id, idx", ids):
            by_id[aid].passages.append(Passage(idx, start, end))
        for aid, pidx, name, pid in self._db.execute(
                "SELECT m.article_id, m.passage_index, p.name, p.id FROM mentions m "
                f"JOIN places p ON p.id = m.place_id WHERE m.article_id IN ({marks}) "
                "ORDER BY m.article_id, m.start", ids):
            by_id[aid].places.append((pidx, name, pid))
        return [by_id[aid] for aid in ids if aid in by_id]

    def region_names(self) -> set[str]:
        """Every region name some stored place is in."""
        return {r for (r,) in self._db.execute("SELECT DISTINCT region FROM place_regions")}
