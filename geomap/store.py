"""The SQLite store (stdlib ``sqlite3``): articles, passages, mentions, places, regions, caches.

One file holds everything a refresh needs to be incremental: each article's content hash, its
passages and mentions, the places they resolved to, the regions each place falls in, the online
geocoder's cache (``geocode_cache.SQLiteGeocodeCache``) and a few ``meta`` values (gazetteer
version, parse settings). Every article is written in one transaction, so a crash leaves either
the old or the new version, never half.

The schema evolves through named migrations recorded in ``schema_version``; a store written by a
newer geomap is refused rather than guessed at.
"""
from __future__ import annotations

import inspect
import sqlite3
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, Iterator, Mapping, NamedTuple

from geomap.errors import StoreError
from geomap.guards import translate
from geomap.geocode_cache import SQLiteGeocodeCache
from geomap.model import Article, Mention, Passage, Place

__all__ = ["FileStamp", "Store", "StoredArticle", "connect"]

if TYPE_CHECKING:
    from geomap.render.data import MapData

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
)

# SQLite's page cache (KiB; its default is 2 MiB). Bulk inserts into ``mentions`` and its
# ``place_id`` index touch pages all over both B-trees; once they outgrow the cache every batch
# spills and re-reads them, and the cold build's insert and COMMIT grow super-linearly with the
# store (issue 13; benchmarks/bench_store_insert.py).
CACHE_KIB = 64 * 1024

_PLACE_COLUMNS = "id, name, lat, lon, country, kind, population, admin1, admin2"
_ARTICLE_COLUMNS = ("id, source, sha256, title, published, byline, section, url, text, updated_at, "
                    "size, mtime_ns, text_key, parse_again")


class StoredArticle(NamedTuple):
    """What a refresh compares a stored article against: its content hash, source, the stamp
    of the file it was read from (None: read it again) and whether it must be parsed again."""

    sha256: str
    source: str
    stamp: FileStamp | None
    parse_again: bool


class FileStamp(NamedTuple):
    """What a refresh needs of an unchanged file without reading it: the ``os.stat`` size and
    ``st_mtime_ns`` it had when read, and the key it is de-duplicated by (the sha256 of its text
    with whitespace runs collapsed, hex)."""

    size: int
    mtime_ns: int
    text_key: str


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


class Store:
    """The project's SQLite database. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = connect(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # --- schema -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        row = self._db.execute("SELECT max(version) FROM schema_version").fetchone()
        return row[0] or 0

    def _transaction(self):
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any failure rolls everything back (``_transaction``)."""
        return _transaction(self._db, self.path)

    # --- articles ---------------------------------------------------------------------------

    def article_hashes(self) -> dict[str, str]:
        """``{article id: sha256}`` of every stored article: what a refresh compares against."""
        return dict(self._db.execute("SELECT id, sha256 FROM articles"))

    def article_sources(self) -> dict[str, tuple[str, str]]:
        """``{article id: (sha256, source)}``: the refresh tells file articles from feed entries."""
        return {aid: (sha, source) for aid, sha, source in
                self._db.execute("SELECT id, sha256, source FROM articles")}

    def stored_articles(self) -> dict[str, StoredArticle]:
        """``{article id: StoredArticle}`` of every stored article: what a refresh plans from."""
        return {aid: StoredArticle(sha, source, None if None in stamp else FileStamp(*stamp),
                                   bool(again))
                for aid, sha, source, again, *stamp in self._db.execute(
                    "SELECT id, sha256, source, parse_again, size, mtime_ns, text_key FROM articles")}

    def parse_again_ids(self) -> set[str]:
        """Ids of the stored articles marked to be parsed again when next seen."""
        return {aid for (aid,) in self._db.execute("SELECT id FROM articles WHERE parse_again")}

    def file_stamps(self) -> dict[str, FileStamp]:
        """``{article id: FileStamp}`` of the stored articles that have one."""
        return {aid: FileStamp(*stamp) for aid, *stamp in self._db.execute(
            "SELECT id, size, mtime_ns, text_key FROM articles "
            "WHERE size IS NOT NULL AND mtime_ns IS NOT NULL AND text_key IS NOT NULL")}

    def set_stamps(self, stamps: Iterable[tuple[str, str, FileStamp | None]]) -> None:
        """Record ``(article id, sha256, stamp or None)``: files read again and found unchanged.

        A row changes only while it still holds that sha256, so a stamp never vouches for a
        version other than the one whose bytes were read.
        """
        with self._transaction() as db:
            db.executemany("UPDATE articles SET size = ?, mtime_ns = ?, text_key = ? "
                           "WHERE id = ? AND sha256 = ?",
                           [(*(stamp or (None, None, None)), aid, sha) for aid, sha, stamp in stamps])

    def mark_parse_again(self, ids: Iterable[str]) -> None:
        """Mark these stored articles to be parsed again when next seen, whatever their bytes
        (ids not stored are ignored); storing a new version clears the mark."""
        with self._transaction() as db:
            db.executemany("UPDATE articles SET parse_again = 1 WHERE id = ?", [(aid,) for aid in ids])

    def article_texts(self) -> Iterator[tuple[str, str]]:
        """``(article id, text)`` of every stored article, one at a time."""
        yield from self._db.execute("SELECT id, text FROM articles")

    def put_article(self, article: Article, mentions: Iterable[Mention],
                    regions_by_place: Mapping[str, Iterable[str]]) -> None:
        """Store ``article`` with its mentions and their places, replacing any previous version.

        ``regions_by_place`` gives the region names of each mentioned place; they replace the
        place's stored memberships. All in one transaction.
        """
        self.put_articles([(article, mentions, regions_by_place)])

    def put_articles(self, items: Iterable[tuple[Article, Iterable[Mention],
                                                 Mapping[str, Iterable[str]]]],
                     stamps: Mapping[str, FileStamp] | None = None,
                     parse_again: Collection[str] = ()) -> None:
        """``put_article`` for many articles in one transaction (all stored, or none).

        Places and their regions are written once per batch, not once per article that
        mentions them: a capital named in every article is one upsert. ``stamps`` gives the
        ``FileStamp`` of file articles read for this version (others get none), in the same
        transaction: a stamp is never stored without the version it describes. The articles in
        ``parse_again`` are stored marked to be parsed again when next seen (their online
        geocoding failed: the offline places are kept meanwhile).
        """
        stamps = stamps or {}
        places: dict[str, Place] = {}
        regions: dict[str, Iterable[str]] = {}
        rows: list[tuple] = []
        stale: set[str] = set()
        with self._transaction() as db:
            for article, mentions, regions_by_place in items:
                mentions = list(mentions)
                mine = {m.place.id: m.place for m in mentions if m.place is not None}
                stale |= self._article_place_ids(article.id) - mine.keys()
                db.execute("DELETE FROM articles WHERE id = ?", (article.id,))
                db.execute(f"INSERT INTO articles ({_ARTICLE_COLUMNS}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (article.id, article.source, article.sha256, article.title,
                            article.published, article.byline, article.section, article.url,
                            article.text, _now(),
                            *(stamps.get(article.id) or (None, None, None)),
                            int(article.id in parse_again)))
                db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)",
                               [(article.id, p.index, p.start, p.end) for p in article.passages])
                places.update(mine)
                regions.update((pid, tuple(regions_by_place.get(pid, ()))) for pid in mine)
                rows.extend((article.id, m.start, m.end, m.text, m.place.id if m.place else None,
                             m.score, _passage_index(article, m.start)) for m in mentions)
            self._upsert_places(places.values())
            db.executemany("INSERT OR REPLACE INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self._set_regions(regions)
            self._prune_places(stale - places.keys())

    def delete_articles(self, ids: Iterable[str]) -> int:
        """Forget these articles (and places no other article mentions); returns how many went."""
        ids = list(ids)
        deleted = 0
        with self._transaction() as db:
            for article_id in ids:
                before = self._article_place_ids(article_id)
                deleted += db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
                self._prune_places(before)
        return deleted

    def _article_place_ids(self, article_id: str) -> set[str]:
        rows = self._db.execute("SELECT DISTINCT place_id FROM mentions "
                                "WHERE article_id = ? AND place_id IS NOT NULL", (article_id,))
        return {r[0] for r in rows}

    def _upsert_places(self, places: Iterable[Place]) -> None:
        self._db.executemany(
            f"INSERT INTO places ({_PLACE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name=excluded.name, lat=excluded.lat, lon=excluded.lon, "
            "country=excluded.country, kind=excluded.kind, population=excluded.population, "
            "admin1=excluded.admin1, admin2=excluded.admin2",
            [(p.id, p.name, p.lat, p.lon, p.country, p.kind, p.population, p.admin1, p.admin2)
             for p in places])

    def _prune_places(self, candidates: Iterable[str]) -> None:
        """Drop places among ``candidates`` that no mention refers to any more."""
        self._db.executemany(
            "DELETE FROM places WHERE id = ? AND NOT EXISTS "
            "(SELECT 1 FROM mentions WHERE place_id = places.id)", [(c,) for c in candidates])

    def _set_regions(self, regions_by_place: Mapping[str, Iterable[str]]) -> None:
        self._db.executemany("DELETE FROM place_regions WHERE place_id = ?",
                             [(pid,) for pid in regions_by_place])
        self._db.executemany("INSERT OR IGNORE INTO place_regions VALUES (?, ?)",
                             [(pid, r) for pid, rs in regions_by_place.items() for r in rs])

    # --- places and regions -----------------------------------------------------------------

    def places(self) -> list[Place]:
        """Every stored place (each is mentioned by at least one article)."""
        return [Place(*row) for row in self._db.execute(
            f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")]

    def replace_place_regions(self, regions_by_place: Mapping[str, Iterable[str]]) -> None:
        """Set every place's region memberships at once (after the region layers changed)."""
        with self._transaction() as db:
            db.execute("DELETE FROM place_regions")
            self._set_regions(regions_by_place)

    def counts(self) -> dict[str, int]:
        """Sizes for the refresh summary: articles, mapped places, resolved mentions."""
        one = lambda sql: self._db.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT count(*) FROM articles"),
                "places": one("SELECT count(*) FROM places"),
                "mentions": one("SELECT count(*) FROM mentions WHERE place_id IS NOT NULL")}

    # --- full-text search -------------------------------------------------------------------

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

    # --- meta -------------------------------------------------------------------------------

    def meta_get(self, key: str, default: str | None = None) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def meta_set(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- geocode cache -------------------------------------------------------------------------

    @property
    def geocode_cache(self) -> SQLiteGeocodeCache:
        """The online geocoder's cache in this store (a ``geocode_cache.GeocodeCache``)."""
        return SQLiteGeocodeCache(self._db, self.path)

    # --- the renderer's view ----------------------------------------------------------------

    def mention_rows(self) -> Iterator[tuple]:
        """Every mention with its article, place, regions and passage text, oldest article first:
        ``(article_id, title, published, source, start, end, text, place_id, name, kind, country,
        lat, lon, score, regions, passage)``; ``regions`` a JSON array of region names, place fields
        None for a name not placed, passage None outside every passage."""
        return self._db.execute("""
            SELECT m.article_id, a.title, a.published, a.source, m.start, m.end, m.text, m.place_id,
                   p.name, p.kind, p.country, p.lat, p.lon, m.score,
                   (SELECT json_group_array(r.region) FROM
                        (SELECT region FROM place_regions WHERE place_id = m.place_id ORDER BY region) r),
                   substr(a.text, ps.start + 1, ps.end - ps.start)
            FROM mentions m JOIN articles a ON a.id = m.article_id
            LEFT JOIN places p ON p.id = m.place_id
            LEFT JOIN passages ps ON ps.article_id = m.article_id AND ps.idx = m.passage_index
            ORDER BY coalesce(a.published, ''), m.article_id, m.start""")

    def unplaced_names(self) -> list:
        """Names not placed (mentions whose place is NULL), grouped by name, most mentioned first:
        ``geomap.unplaced.UnplacedName`` values with every (article, start, end, passage)."""
        from geomap.unplaced import group

        return group(self._db.execute("SELECT article_id, start, end, text, passage_index FROM mentions "
                                      "WHERE place_id IS NULL ORDER BY article_id, start"))


    def map_data(self) -> MapData:
        """Everything the renderer needs: mentioned places (with regions and mentions), articles."""
        from geomap.render.data import (ArticleRecord, MapData, MentionRecord, PlaceRecord,
                                        unplaced_records)

        db = self._db
        passages: dict[str, list[Passage]] = defaultdict(list)
        for aid, idx, start, end in db.execute(
                "SELECT article_id, idx, start, end FROM passages ORDER BY article_id, idx"):
            passages[aid].append(Passage(idx, start, end))
        # Mentions in primary-key order, (article, start): the index gives it, nothing is
        # sorted. Grouped per article; places then list them newest article first by walking
        # the articles in that order.
        rows: dict[str, list[tuple]] = defaultdict(list)
        for row in db.execute("SELECT article_id, start, end, text, place_id, score, passage_index "
                              "FROM mentions WHERE place_id IS NOT NULL ORDER BY article_id, start"):
            rows[row[0]].append(row)
        spans: dict[str, list[tuple[int, int, str]]] = {}
        by_place: dict[str, list[MentionRecord]] = defaultdict(list)
        newest_first = db.execute("SELECT id FROM articles ORDER BY coalesce(published, '') DESC, id")
        for (aid,) in newest_first:
            mine = rows.pop(aid, ())
            spans[aid] = [(start, end, pid) for _, start, end, _, pid, _, _ in mine]
            for _, start, end, text, pid, score, pidx in mine:
                by_place[pid].append(MentionRecord(aid, start, end, text, pidx, score))
        regions: dict[str, list[str]] = defaultdict(list)
        for pid, region in db.execute("SELECT place_id, region FROM place_regions ORDER BY region"):
            regions[pid].append(region)
        articles = {
            aid: ArticleRecord(aid, title, published, byline, source, text,
                               tuple(passages[aid]), spans.get(aid, []))
            for aid, title, published, byline, source, text in db.execute(
                "SELECT id, title, published, byline, source, text FROM articles ORDER BY id")}
        places = [PlaceRecord(Place(*row), tuple(regions[row[0]]), by_place[row[0]])
                  for row in db.execute(f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")
                  if row[0] in by_place]
        unplaced = unplaced_records(
            MentionRecord(aid, start, end, text, pidx, score)
            for aid, start, end, text, score, pidx in db.execute(
                "SELECT article_id, start, end, text, score, passage_index FROM mentions "
                "WHERE place_id IS NULL ORDER BY article_id, start"))
        return MapData(places=places, articles=articles, unplaced=unplaced)


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to the store file at ``path`` (created if missing), migrated to
    the current schema; ``StoreError`` (with what the user can do) when that is not possible."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as e:
        raise StoreError(f"{path}: cannot open the store: {e}{_way_out(path, e)}") from e
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        _migrate(db, path)
    except sqlite3.DatabaseError as e:
        db.close()
        raise StoreError(f"{path}: not a usable geomap store ({e}){_way_out(path, e)}") from e
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
        with _transaction(db, path):
            for statement in _statements(sql):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (version, name, _now()))


@contextmanager
def _transaction(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
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
        raise StoreError(f"{path}: {e}{_way_out(path, e)}") from e


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


def _passage_index(article: Article, offset: int) -> int | None:
    p = article.passage_at(offset)
    return p.index if p else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _way_out(path: Path, error: BaseException) -> str:
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


# SQLite errors of a store read (outside ``_transaction``) become ``StoreError`` too.
_store_errors = translate(sqlite3.Error,
                          lambda self, e: StoreError(f"{self.path}: {e}{_way_out(self.path, e)}"))


for _name, _method in list(vars(Store).items()):
    if not _name.startswith("_") and inspect.isfunction(_method) and _name != "close":
        setattr(Store, _name, _store_errors(_method))
