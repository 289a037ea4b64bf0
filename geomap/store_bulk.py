"""A cold build's bulk load (issue 13): the store's secondary index and full-text index are built
once after the articles are in, not row by row while they go in.

Inserting 3 million mentions in batches keeps the ``mentions_place`` index's pages dirty all over
its B-tree: every batch's COMMIT rewrites thousands of them, and that cost grows with the store
(benchmarks/bench_store_insert.py). So when a refresh starts on a store holding no article,
``begin`` drops that index and the full-text triggers (recording their SQL in ``meta`` in the same
transaction), and ``finish`` fills the full-text index in one pass and re-creates the index and
triggers from the recorded SQL, in one transaction. The schema itself does not change: after
``finish`` the store is what the same articles stored one by one give.

A refresh killed between the two leaves the record in ``meta``: the next refresh (or ``forget``)
calls ``finish`` first, under the refresh lock. Meanwhile ``geomap search`` finds none of those
articles (their full-text rows are not written yet), and nothing else reads the dropped index.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from geomap.store_schema import transaction

__all__ = ["DEFERRED", "META_BULK", "begin", "finish", "pending"]

META_BULK = "bulk_load"     # meta key: the SQL of what ``begin`` dropped, as JSON
#: What a bulk load builds at its end rather than row by row: the mentions' place index and the
#: triggers that keep the full-text index current (the index is rebuilt whole, so none may run).
DEFERRED = ("mentions_place", "articles_fts_insert", "articles_fts_delete", "articles_fts_update",
            "articles_fts_dated")


def pending(db: sqlite3.Connection) -> bool:
    """True while a bulk load has begun and not finished (a killed cold build)."""
    return db.execute("SELECT 1 FROM meta WHERE key = ?", (META_BULK,)).fetchone() is not None


def begin(db: sqlite3.Connection, path: Path) -> bool:
    """Start a bulk load if the store holds no article (else do nothing); True if one is on."""
    with transaction(db, path):
        if pending(db):
            return True
        if db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None:
            return False
        marks = ", ".join("?" * len(DEFERRED))
        saved = db.execute(f"SELECT type, name, sql FROM sqlite_master WHERE name IN ({marks}) "
                           "ORDER BY type, name", DEFERRED).fetchall()
        db.execute("INSERT INTO meta VALUES (?, ?)", (META_BULK, json.dumps(saved)))
        for kind, name, _sql in saved:
            db.execute(f'DROP {kind.upper()} "{name}"')
    return True


def finish(db: sqlite3.Connection, path: Path) -> bool:
    """End a pending bulk load (else do nothing): the full-text index rebuilt from every article
    (its rows numbered in the articles' insertion order, as the triggers would have), then the
    dropped index and triggers re-created. One transaction; True if there was one to finish."""
    with transaction(db, path):
        row = db.execute("SELECT value FROM meta WHERE key = ?", (META_BULK,)).fetchone()
        if row is None:
            return False
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
        db.execute("DELETE FROM fts_rows")
        db.execute("INSERT INTO fts_rows (article_id, published) "
                   "SELECT id, published FROM articles ORDER BY rowid")
        db.execute("INSERT INTO articles_fts (rowid, title, text) SELECT r.rowid, a.title, a.text "
                   "FROM fts_rows r JOIN articles a ON a.id = r.article_id ORDER BY r.rowid")
        for _kind, _name, sql in json.loads(row[0]):
            db.execute(sql)
        db.execute("DELETE FROM meta WHERE key = ?", (META_BULK,))
    return True
