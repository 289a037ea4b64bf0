"""The store's schema: its migrations and the connection every user of the store file opens.

``connect`` opens the SQLite file, sets its pragmas and applies the ``MIGRATIONS`` it lacks
(recorded in ``schema_version``); a store written by a newer geomap is refused rather than
guessed at. ``transaction`` and ``way_out`` are what ``geomap.store`` writes and reports through.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from geomap.errors import StoreError

__all__ = ["CACHE_KIB", "MIGRATIONS", "connect", "now", "transaction", "way_out"]

# (name, SQL). Append only: a migration, once released, is never edited.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("initial", """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            published TEXT,
            byline TEXT,
            section TEXT,
            url TEXT,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE passages (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            PRIMARY KEY (article_id, idx)
        ) WITHOUT ROWID;
        CREATE TABLE places (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            country TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            population INTEGER NOT NULL DEFAULT 0,
            admin1 TEXT NOT NULL DEFAULT '',
            admin2 TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE mentions (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            place_id TEXT REFERENCES places(id),
            score REAL NOT NULL DEFAULT 0,
            passage_index INTEGER,
            PRIMARY KEY (article_id, start)
        ) WITHOUT ROWID;
        CREATE INDEX mentions_place ON mentions(place_id);
        CREATE TABLE place_regions (
            place_id TEXT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
            region TEXT NOT NULL,
            PRIMARY KEY (place_id, region)
        ) WITHOUT ROWID;
        CREATE TABLE geocode_cache (
            key TEXT PRIMARY KEY,
            value TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """),
    # A file article's size and mtime when it was read, and the sha256 of its whitespace-normalised
    # text: a refresh skips reading a file whose stamp still matches (``FileStamp``). NULL (rows
    # stored before, feed entries, stamps too fresh to trust) means "read it".
    ("file_stamps", """
        ALTER TABLE articles ADD COLUMN size INTEGER;
        ALTER TABLE articles ADD COLUMN mtime_ns INTEGER;
        ALTER TABLE articles ADD COLUMN text_key TEXT;
    """),
    # Full-text search (``geomap search``): a contentless FTS5 index of every article's title
    # and text (the text itself stays in ``articles``), kept current by triggers, so every writer
    # (put, delete, cascade) updates it in its own transaction. FTS rows are keyed through
    # ``fts_rows`` (an INTEGER PRIMARY KEY, which VACUUM never renumbers, unlike the implicit
    # rowid of ``articles``), which also carries the date, so ranking and date filters never
    # read the big ``articles`` rows. Existing stores get every stored article indexed here.
    ("fulltext", """
        CREATE TABLE fts_rows (
            rowid INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL UNIQUE,
            published TEXT
        );
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content = '', tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO fts_rows (article_id, published) VALUES (new.id, new.published);
            INSERT INTO articles_fts (rowid, title, text)
                VALUES ((SELECT rowid FROM fts_rows WHERE article_id = new.id), new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
                VALUES ('delete', (SELECT rowid FROM fts_rows WHERE article_id = old.id),
                        old.title, old.text);
            DELETE FROM fts_rows WHERE article_id = old.id;
        END;
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
                VALUES ('delete', (SELECT rowid FROM fts_rows WHERE article_id = old.id),
                        old.title, old.text);
            INSERT INTO articles_fts (rowid, title, text)
                VALUES ((SELECT rowid FROM fts_rows WHERE article_id = new.id), new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_dated AFTER UPDATE OF published ON articles BEGIN
            UPDATE fts_rows SET published = new.published WHERE article_id = new.id;
        END;
        INSERT INTO fts_rows (article_id, published) SELECT id, published FROM articles ORDER BY id;
        INSERT INTO articles_fts (rowid, title, text)
            SELECT r.rowid, a.title, a.text FROM articles a JOIN fts_rows r ON r.article_id = a.id;
    """),
    # "Parse this article again when next seen, whatever its bytes" (its online geocoding failed,
    # or settings made its places stale while it could not be read) is its own flag. Before, a
    # ``retry:`` prefix on the stored sha256 said it: moved here, the sha256 left clean.
    ("parse_again", """
        ALTER TABLE articles ADD COLUMN parse_again INTEGER NOT NULL DEFAULT 0;
        UPDATE articles SET parse_again = 1, sha256 = substr(sha256, 7)
            WHERE substr(sha256, 1, 6) = 'retry:'
    """),
    # What the no-op refresh reads of every article (``Store.stamp_rows``), as a covering index:
    # the stamp columns come last in the rows, after the text, so reading them from the table
    # read every article's text (~35 MB at 10,000 articles, ~350 MB at 100,000; issue 13).
    ("stamps_index", """
        CREATE INDEX articles_stamps ON articles(id, size, mtime_ns, parse_again, text_key)
    """),
    # A number that grows whenever any article row is inserted, updated or deleted, by whatever
    # writer (triggers): the no-op refresh records the listing it proved unchanged with this
    # number, and trusts that record only while the number is the same (``pipeline.unchanged``).
    ("articles_generation", """
        CREATE TABLE articles_generation (n INTEGER NOT NULL);
        INSERT INTO articles_generation VALUES (0);
        CREATE TRIGGER articles_generation_insert AFTER INSERT ON articles BEGIN
            UPDATE articles_generation SET n = n + 1;
        END;
        CREATE TRIGGER articles_generation_update AFTER UPDATE ON articles BEGIN
            UPDATE articles_generation SET n = n + 1;
        END;
        CREATE TRIGGER articles_generation_delete AFTER DELETE ON articles BEGIN
            UPDATE articles_generation SET n = n + 1;
        END;
    """),
    # The map's render cache (``geomap.store_map_cache``, issue 13): each article's stable number
    # in the map's data (assigned in rank order by a full render, appended for new articles; an
    # article changed or deleted loses its row, which makes the next render a full one), and
    # per place / chunk / region the aggregates the map's outputs are assembled from, so that a
    # refresh adding articles reads only their mentions.
    ("render_cache", """
        CREATE TABLE render_articles (
            number INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
            row TEXT NOT NULL
        );
        CREATE TABLE render_cache (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID
    """),
)

# SQLite's page cache (KiB; its default is 2 MiB). Bulk inserts into ``mentions`` and its
# ``place_id`` index touch pages all over both B-trees; once they outgrow the cache every batch
# spills and re-reads them, and the cold build's insert and COMMIT grow super-linearly with the
# store (issue 13; benchmarks/bench_store_insert.py).
CACHE_KIB = 64 * 1024


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to the store file at ``path`` (created if missing), migrated to
    the current schema; ``StoreError`` (with what the user can do) when that is not possible."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as e:
        raise StoreError(f"{path}: cannot open the store: {e}{way_out(path, e)}") from e
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        _migrate(db, path)
    except sqlite3.DatabaseError as e:
        db.close()
        raise StoreError(f"{path}: not a usable geomap store ({e}){way_out(path, e)}") from e
    except BaseException:
        db.close()
        raise
    return db


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the ``MIGRATIONS`` the file lacks, each in its own transaction with its record."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_version ("
               "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    current = db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    if current > len(MIGRATIONS):
        raise StoreError(f"{path}: schema version {current} is newer than this geomap "
                         f"understands ({len(MIGRATIONS)}); upgrade geomap")
    for version, (name, sql) in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(db, path):
            for statement in _statements(sql):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (version, name, now()))


@contextmanager
def transaction(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any failure rolls everything back.

    SQLite errors become ``StoreError`` so callers deal with one exception family.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.Error as e:
        raise StoreError(f"{path}: {e}{way_out(path, e)}") from e


def _statements(sql: str) -> Iterator[str]:
    """The SQL statements of a migration, split at the ``;`` that end one (not those inside a
    trigger's body): ``sqlite3.complete_statement`` decides."""
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                yield pending
            pending = ""


def now() -> str:
    """The current UTC time, ISO 8601 to the second: what the store stamps rows with."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def way_out(path: Path, error: BaseException) -> str:
    """What the user can do about a store error, by its kind ("" when nothing specific)."""
    text = str(error).lower()
    if "full" in text or getattr(error, "errno", None) == 28:
        return f"; free space on the disk holding {path.parent} and run the command again"
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return f"; make {path.parent} writable or set store.path to a writable place"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return ("; the store is damaged: move it aside and run `geomap refresh` to rebuild it from "
                "the articles (feed entries no longer in their feeds are not recovered)")
    return ""

