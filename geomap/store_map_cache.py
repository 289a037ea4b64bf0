"""The map's render cache in the store (issue 13): ``RenderCache``, a mixin of ``store.Store``.

Two tables (migration ``render_cache`` in ``geomap.store_schema``): ``render_articles``
(``number``, ``article_id``, ``row``): each article's stable number in the map's data and its
row there (JSON text); ``render_cache`` (``kind``, ``key``, ``value``): what the renderer keeps
between refreshes (``geomap.render.map_cache`` decides the kinds and what they hold). The store
only keeps and hands out these texts; it never interprets them. An article changed or deleted
loses its number (``ON DELETE CASCADE``), which the renderer notices and renders in full.

Reads are plain rows (iterators read once); writes go through ``render_cache_writer()``, one
transaction for a whole update, so a crash leaves the previous cache (and its outputs) intact.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

__all__ = ["RenderCache", "RenderCacheWriter"]


class RenderCacheWriter:
    """What ``RenderCache.render_cache_writer`` hands out: writes inside its transaction."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def clear(self) -> None:
        """Forget every number and cached value (a full rebuild starts with it)."""
        self.db.execute("DELETE FROM render_articles")
        self.db.execute("DELETE FROM render_cache")

    def number(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Record ``(number, article id, row)`` for these articles."""
        self.db.executemany("INSERT OR REPLACE INTO render_articles VALUES (?, ?, ?)", rows)

    def put(self, kind: str, items: Iterable[tuple[str, str]]) -> None:
        """Set ``(key, value)`` items of ``kind``."""
        self.db.executemany("INSERT OR REPLACE INTO render_cache VALUES (?, ?, ?)",
                            ((kind, key, value) for key, value in items))

    def drop(self, kind: str) -> None:
        """Forget every item of ``kind``."""
        self.db.execute("DELETE FROM render_cache WHERE kind = ?", (kind,))


class RenderCache:
    """The render cache methods of ``store.Store`` (its SQLite errors become ``StoreError``)."""

    _db: sqlite3.Connection
    path: Path

    def render_articles(self, start: int = 0, end: int | None = None
                        ) -> Iterator[tuple[int, str, str]]:
        """``(number, article id, row)`` of every numbered article, by number (those numbered
        from ``start`` and below ``end``)."""
        yield from self._db.execute("SELECT number, article_id, row FROM render_articles "
                                    "WHERE number >= ? AND number < ? ORDER BY number",
                                    (start, 2**62 if end is None else end))

    def render_numbers(self, ids: Iterable[str]) -> dict[str, int]:
        """``{article id: number}`` of those of ``ids`` that have one."""
        out = {}
        for aid in ids:
            row = self._db.execute("SELECT number FROM render_articles WHERE article_id = ?",
                                   (aid,)).fetchone()
            if row is not None:
                out[aid] = row[0]
        return out

    def render_number_state(self) -> tuple[int, int, int]:
        """``(numbered articles, highest number or -1, stored articles)``: whether the numbers
        still cover the store (a changed or deleted article loses its number)."""
        count, top = self._db.execute("SELECT count(*), coalesce(max(number), -1) "
                                      "FROM render_articles").fetchone()
        (stored,) = self._db.execute("SELECT count(*) FROM articles").fetchone()
        return count, top, stored

    def render_cache_get(self, kind: str, key: str) -> str | None:
        """One cached value, None when absent."""
        row = self._db.execute("SELECT value FROM render_cache WHERE kind = ? AND key = ?",
                               (kind, key)).fetchone()
        return row[0] if row else None

    def render_cache_many(self, kind: str, keys: Iterable[str]) -> dict[str, str]:
        """``{key: value}`` of those of ``keys`` that ``kind`` has (in ``keys``' order; a query
        per 500 keys)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            batch = keys[i:i + 500]
            found.update(self._db.execute(
                "SELECT key, value FROM render_cache WHERE kind = ? AND key IN "
                f"({','.join('?' * len(batch))})", (kind, *batch)))
        return {key: found[key] for key in keys if key in found}

    def render_cache_items(self, kind: str) -> Iterator[tuple[str, str]]:
        """Every ``(key, value)`` of ``kind``, by key."""
        yield from self._db.execute("SELECT key, value FROM render_cache WHERE kind = ? "
                                    "ORDER BY key", (kind,))

    def render_cache_keys(self, kind: str) -> set[str]:
        """The keys ``kind`` has."""
        return {k for (k,) in self._db.execute("SELECT key FROM render_cache WHERE kind = ?",
                                               (kind,))}

    def ranked_articles(self) -> Iterator[tuple[str, str, str | None, str]]:
        """``(id, title, published, source)`` of every article, newest first (undated last, then
        by id): the order a full render numbers them in."""
        yield from self._db.execute("SELECT id, title, published, source FROM articles "
                                    "ORDER BY coalesce(published, '') DESC, id")

    def article_heads(self, ids: Iterable[str]) -> list[tuple[str, str, str | None, str]]:
        """``(id, title, published, source)`` of these articles (those stored)."""
        out = []
        for aid in ids:
            row = self._db.execute("SELECT id, title, published, source FROM articles "
                                   "WHERE id = ?", (aid,)).fetchone()
            if row is not None:
                out.append(row)
        return out

    def mentions_by_place(self) -> Iterator[tuple[str, str, int, int, str, int | None]]:
        """``(place id, article id, start, end, text, passage index)`` of every resolved mention,
        by place, then article and start (the ``mentions_place`` index's order: the renderer
        aggregates one place at a time)."""
        yield from self._db.execute(
            "SELECT place_id, article_id, start, end, text, passage_index FROM mentions "
            "WHERE place_id IS NOT NULL ORDER BY place_id, article_id, start")

    def newest_place_mentions(self, place_id: str, articles: int
                              ) -> list[tuple[str, str, int, int, str, int | None]]:
        """``mentions_by_place``'s rows of one place, of its ``articles`` newest articles only
        (newest first, undated last, then by id; each article's by start): sorted by SQLite,
        so only those rows reach Python."""
        from geomap import store_bulk

        table, column = ("articles", "id") if store_bulk.pending(self._db) else ("fts_rows",
                                                                                  "article_id")
        rows: list[tuple] = []
        seen: set[str] = set()
        for row in self._db.execute(
                "SELECT m.place_id, m.article_id, m.start, m.end, m.text, m.passage_index "
                f"FROM mentions m JOIN {table} a ON a.{column} = m.article_id "
                "WHERE m.place_id = ? ORDER BY coalesce(a.published, '') DESC, m.article_id, "
                "m.start", (place_id,)):
            if row[1] not in seen:
                if len(seen) == articles:
                    break
                seen.add(row[1])
            rows.append(row)
        return rows

    def article_mentions(self, ids: Iterable[str]
                         ) -> Iterator[tuple[str, str, int, int, str, int | None]]:
        """Like ``mentions_by_place`` for these articles' mentions only (article by article)."""
        for aid in ids:
            yield from self._db.execute(
                "SELECT place_id, article_id, start, end, text, passage_index FROM mentions "
                "WHERE article_id = ? AND place_id IS NOT NULL ORDER BY start", (aid,))

    def article_unplaced(self, ids: Iterable[str]
                         ) -> Iterator[tuple[str, int, int, str, float, int | None]]:
        """Like ``unplaced_mentions`` for these articles only (article by article)."""
        for aid in ids:
            yield from self._db.execute(
                "SELECT article_id, start, end, text, score, passage_index FROM mentions "
                "WHERE article_id = ? AND place_id IS NULL ORDER BY start", (aid,))

    def unplaced_mentions(self) -> Iterator[tuple[str, int, int, str, float, int | None]]:
        """``(article id, start, end, text, score, passage index)`` of the mentions of no place,
        by article and start."""
        yield from self._db.execute("SELECT article_id, start, end, text, score, passage_index "
                                    "FROM mentions WHERE place_id IS NULL ORDER BY article_id, start")

    def place_region_rows(self) -> Iterator[tuple[str, str]]:
        """``(place id, region)`` of every membership, by region (``map_rows``' order)."""
        yield from self._db.execute("SELECT place_id, region FROM place_regions ORDER BY region")

    @contextmanager
    def render_cache_writer(self) -> Iterator[RenderCacheWriter]:
        """A ``RenderCacheWriter`` inside one transaction: all its writes land, or none."""
        from geomap.store_schema import transaction

        with transaction(self._db, self.path) as db:
            yield RenderCacheWriter(db)
