"""What the pages side of a render reads from the store, a piece at a time (issue 13): a batch of
articles with their passages and mentions, one place's mentions, the quoted windows of one page
(``RenderReads``, a mixin of ``store.Store``).

A render used to load every mention of every article as a Python record at once (~5 million at
100,000 articles); these reads let ``geomap.render.pages`` write the article pages in batches,
each place's pages from that place's rows and the exports row by row, and let a render after new
articles read only those articles and the places they name.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, NamedTuple

from geomap.model import Place
from geomap.store_schema import transaction

__all__ = ["META_RUNS", "ArticleRows", "RenderReads", "WindowRow"]

META_RUNS = "place_runs"    # meta: "1" while the places' runs (META_RUNS:<place id>) are current

_PLACE_COLUMNS = "id, name, lat, lon, country, kind, population, admin1, admin2"


class ArticleRows(NamedTuple):
    """A batch of articles as plain rows, each list by article id then index/offset:
    ``articles`` ``(id, title, published, byline, source, text)``; ``passages``
    ``(article_id, idx, start, end)``; ``placed`` ``(article_id, start, end, text, place_id,
    score, passage_index)``, the resolved mentions."""

    articles: list[tuple]
    passages: list[tuple[str, int, int, int]]
    placed: list[tuple]


class WindowRow(NamedTuple):
    """The part of an article a quote needs: its ``title``, the quoted passage's bounds
    ``[lo, hi)`` (the whole text when the mention lies in no passage) and ``text`` =
    ``article text[base:base + len(text)]``, which holds every window ``quotes.quote_bounds``
    can choose around the quote's first mention."""

    title: str
    lo: int
    hi: int
    base: int
    text: str


class RenderReads:
    """The render's piecewise reads of ``store.Store`` (which wraps their SQLite errors as
    ``StoreError``)."""

    _db: sqlite3.Connection
    path: Path

    def article_ids(self) -> list[str]:
        """Every article id, sorted (the order pages and exports are written in)."""
        return [aid for (aid,) in self._db.execute("SELECT id FROM articles ORDER BY id")]

    def known_article_ids(self, ids: Iterable[str]) -> list[str]:
        """Those of ``ids`` the store has, sorted."""
        return [aid for (aid,) in self._db.execute(
            "SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(sorted(set(ids))),))]

    def article_dates(self) -> list[tuple[str, str | None]]:
        """``(id, published)`` of every article, newest first (undated last, then by id): the
        order place pages list articles in. Read from the full-text index's small ``fts_rows``
        (kept current by triggers), not from the articles' rows, which hold their texts; from
        those only while a bulk load has not rebuilt that index (``store_bulk``)."""
        from geomap import store_bulk

        table, column = ("articles", "id") if store_bulk.pending(self._db) else ("fts_rows",
                                                                                  "article_id")
        return self._db.execute(f"SELECT {column}, published FROM {table} "
                                f"ORDER BY coalesce(published, '') DESC, {column}").fetchall()

    def article_rows(self, ids: Iterable[str]) -> ArticleRows:
        """The articles ``ids`` (those the store has) with their passages and resolved mentions."""
        keys = json.dumps(sorted(set(ids)))
        chosen = "(SELECT value FROM json_each(?))"
        db = self._db
        return ArticleRows(
            db.execute("SELECT id, title, published, byline, source, text FROM articles "
                       f"WHERE id IN {chosen} ORDER BY id", (keys,)).fetchall(),
            db.execute("SELECT article_id, idx, start, end FROM passages "
                       f"WHERE article_id IN {chosen} ORDER BY article_id, idx", (keys,)).fetchall(),
            db.execute("SELECT article_id, start, end, text, place_id, score, passage_index "
                       f"FROM mentions WHERE article_id IN {chosen} AND place_id IS NOT NULL "
                       "ORDER BY article_id, start", (keys,)).fetchall())

    def mentioned_place_ids(self) -> list[str]:
        """Every place a resolved mention refers to, sorted."""
        return [pid for (pid,) in self._db.execute(
            "SELECT id FROM places p WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.place_id = p.id) "
            "ORDER BY id")]

    def place_mention_counts(self) -> dict[str, int]:
        """``{place id: its resolved mentions}`` of every mentioned place: what its pages cost to
        render, by which a full render shares the places among its workers."""
        return dict(self._db.execute("SELECT place_id, count(*) FROM mentions "
                                     "WHERE place_id IS NOT NULL GROUP BY place_id"))

    def places_by_id(self, ids: Iterable[str] | None = None) -> dict[str, tuple[Place, tuple[str, ...]]]:
        """``{place id: (Place, its regions sorted)}`` of ``ids`` (None: every stored place)."""
        if ids is None:
            rows = self._db.execute(f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")
            regions = self._db.execute("SELECT place_id, region FROM place_regions ORDER BY region")
        else:
            keys = json.dumps(sorted(set(ids)))
            rows = self._db.execute(f"SELECT {_PLACE_COLUMNS} FROM places WHERE id IN "
                                    "(SELECT value FROM json_each(?)) ORDER BY id", (keys,))
            regions = self._db.execute("SELECT place_id, region FROM place_regions WHERE place_id IN "
                                       "(SELECT value FROM json_each(?)) ORDER BY region", (keys,))
        found: dict[str, list[str]] = {}
        for pid, region in regions:
            found.setdefault(pid, []).append(region)
        return {row[0]: (Place(*row), tuple(found.get(row[0], ()))) for row in rows}

    def place_mentions(self, place_id: str) -> list[tuple[str, int, int, str, int | None, float]]:
        """``(article_id, start, end, text, passage_index, score)`` of every mention of the place,
        by article and start."""
        return self._db.execute("SELECT article_id, start, end, text, passage_index, score "
                                "FROM mentions WHERE place_id = ? ORDER BY article_id, start",
                                (place_id,)).fetchall()

    def quote_windows(self, quotes: list[tuple[str, int | None, int, int]], width: int
                      ) -> list[WindowRow]:
        """A ``WindowRow`` per quote ``(article_id, passage_index, start, end)`` (its first
        mention), in the order given: the passage's bounds and the text within ``width``
        characters of the mention, read in one query (only those characters leave SQLite)."""
        if not quotes:
            return []
        rows = self._db.execute("""
            SELECT n, title, lo, hi, base, substr(text, base + 1, stop - base) FROM (
                SELECT n, title, text, lo, hi,
                       CASE WHEN hi - lo <= :w THEN lo ELSE max(lo, s - :w) END AS base,
                       CASE WHEN hi - lo <= :w THEN hi ELSE min(hi, max(max(lo, s) + :w, e)) END AS stop
                FROM (SELECT q.key AS n, a.title AS title, a.text AS text,
                             json_extract(q.value, '$[2]') AS s, json_extract(q.value, '$[3]') AS e,
                             coalesce(ps.start, 0) AS lo, coalesce(ps.end, length(a.text)) AS hi
                      FROM json_each(:q) q JOIN articles a ON a.id = json_extract(q.value, '$[0]')
                      LEFT JOIN passages ps ON ps.article_id = a.id
                                           AND ps.idx = json_extract(q.value, '$[1]')))
            """, {"q": json.dumps(quotes), "w": width}).fetchall()
        found = {n: WindowRow(*rest) for n, *rest in rows}
        return [found[n] for n in range(len(quotes))]

    def quote_texts(self, ids: list[str], longest: int
                    ) -> tuple[list[tuple[str, str, str | None]], list[tuple[str, int, int, int]]]:
        """``(id, title, text)`` of the articles ``ids`` the store has (text None when longer
        than ``longest`` characters) and ``(article_id, idx, start, end)`` of their passages."""
        keys = json.dumps(sorted(set(ids)))
        chosen = "(SELECT value FROM json_each(?))"
        texts = self._db.execute(
            "SELECT id, title, CASE WHEN length(text) <= ? THEN text END FROM articles "
            f"WHERE id IN {chosen}", (longest, keys)).fetchall()
        passages = self._db.execute(f"SELECT article_id, idx, start, end FROM passages "
                                    f"WHERE article_id IN {chosen}", (keys,)).fetchall()
        return texts, passages

    def place_mentions_in(self, place_id: str, article_ids: Iterable[str]
                          ) -> list[tuple[str, int, int, str, int | None, float]]:
        """``place_mentions`` of the place in these articles only (an index seek per article)."""
        return self._db.execute("SELECT article_id, start, end, text, passage_index, score "
                                "FROM mentions WHERE place_id = ? AND article_id IN "
                                "(SELECT value FROM json_each(?)) ORDER BY article_id, start",
                                (place_id, json.dumps(sorted(set(article_ids))))).fetchall()

    # --- the place pages' runs (``render.place_runs``), kept in ``meta`` ------------------------

    def place_runs(self, ids: Iterable[str]) -> dict[str, str] | None:
        """The runs recorded for these places (JSON, by place id; places without any are left
        out), or None when the record is not current (``forget_place_runs`` since the last
        ``save_place_runs``)."""
        if self._db.execute("SELECT 1 FROM meta WHERE key = ?", (META_RUNS,)).fetchone() is None:
            return None
        keys = json.dumps([META_RUNS + ":" + pid for pid in sorted(set(ids))])
        return {key[len(META_RUNS) + 1:]: value for key, value in self._db.execute(
            "SELECT key, value FROM meta WHERE key IN (SELECT value FROM json_each(?))", (keys,))}

    def forget_place_runs(self, *, every: bool) -> None:
        """Mark the recorded runs not current (before a render writes anything); ``every``:
        also drop them all (a full render records them again)."""
        with transaction(self._db, self.path) as db:
            db.execute("DELETE FROM meta WHERE key = ?", (META_RUNS,))
            if every:
                db.execute("DELETE FROM meta WHERE key >= ? AND key < ?",
                           (META_RUNS + ":", META_RUNS + ";"))

    def save_place_runs(self, runs: dict[str, str]) -> None:
        """Record these places' runs and mark the record current, in one transaction."""
        with transaction(self._db, self.path) as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [(META_RUNS + ":" + pid, value) for pid, value in runs.items()])
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (META_RUNS,))

    def place_ids_of(self, article_ids: Iterable[str]) -> set[str]:
        """The places the resolved mentions of these articles refer to."""
        keys = json.dumps(sorted(set(article_ids)))
        return {pid for (pid,) in self._db.execute(
            "SELECT DISTINCT place_id FROM mentions WHERE article_id IN "
            "(SELECT value FROM json_each(?)) AND place_id IS NOT NULL", (keys,))}
