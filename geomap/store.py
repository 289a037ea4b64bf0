"""The SQLite store (stdlib ``sqlite3``): articles, passages, mentions, places, regions, caches.

One file holds everything a refresh needs to be incremental: each article's content hash, its
passages and mentions, the places they resolved to, the regions each place falls in, the online
geocoder's cache (``geocode_cache.SQLiteGeocodeCache``) and a few ``meta`` values (gazetteer
version, parse settings). Every article is written in one transaction, so a crash leaves either
the old or the new version, never half.

The schema and its migrations are ``geomap.store_schema`` (``connect``), full-text search is
``geomap.store_search``; both are re-exported here. The pages side of a render reads through
``geomap.store_render`` (a batch of articles, one place, one page's quotes). The store imports
neither the renderer nor the geocoder: ``map_rows()`` hands plain rows to ``geomap.render.data.load_map_data``.
"""
from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path
from typing import Collection, Iterable, Iterator, Mapping, NamedTuple

from geomap.errors import StoreError
from geomap.guards import translate
from geomap.geocode_cache import SQLiteGeocodeCache
from geomap.model import Article, Mention, Place
from geomap.store_schema import CACHE_KIB, MIGRATIONS, connect, now, transaction, way_out
from geomap.store_map_cache import RenderCache
from geomap.store_render import RenderReads
from geomap.store_search import FullTextSearch, SearchHit

__all__ = ["CACHE_KIB", "MIGRATIONS", "FileStamp", "MapRows", "SearchHit", "Store", "StoredArticle",
           "connect"]

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


class MapRows(NamedTuple):
    """What ``render.data.load_map_data`` builds a ``MapData`` from, as plain rows (iterators, each
    read once, in the order given; SQLite errors while reading raise ``StoreError``): ``passages``
    ``(article_id, idx, start, end)`` by article and index;
    ``placed`` ``(article_id, start, end, text, place_id, score, passage_index)``, the resolved
    mentions by article and start; ``newest_first`` article ids, newest first (undated last, then
    by id); ``regions`` ``(place_id, region)`` by region; ``articles`` ``(id, title, published,
    byline, source, text)`` by id; ``places`` every stored ``Place`` by id; ``unplaced``
    ``(article_id, start, end, text, score, passage_index)``, mentions of no place, by article
    and start."""

    passages: Iterator[tuple[str, int, int, int]]
    placed: Iterator[tuple]
    newest_first: Iterator[str]
    regions: Iterator[tuple[str, str]]
    articles: Iterator[tuple]
    places: Iterator[Place]
    unplaced: Iterator[tuple]


class Store(FullTextSearch, RenderCache, RenderReads):
    """The project's SQLite database. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = connect(self.path)
        # Places and region lists this connection wrote and saw committed (``put_articles`` skips
        # writing them again: a cold build's batches name the same ~3,000 places each), valid
        # while ``PRAGMA data_version`` (other connections' commits) and this one's deletions
        # leave them so.
        self._written: tuple[int | None, dict[str, Place], dict[str, tuple[str, ...]]] = (None, {}, {})

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

    # --- a cold build's bulk load (``geomap.store_bulk``) -----------------------------------------

    def begin_bulk_load(self) -> bool:
        """If the store holds no article, defer its place index and full-text index until
        ``finish_bulk_load``; True if a bulk load is on (begun now or pending)."""
        from geomap import store_bulk

        return store_bulk.begin(self._db, self.path)

    def finish_bulk_load(self) -> bool:
        """Build what ``begin_bulk_load`` deferred (if a bulk load is pending); True if it was."""
        from geomap import store_bulk

        return store_bulk.finish(self._db, self.path)

    def _transaction(self):
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any failure rolls everything back (``transaction``)."""
        return transaction(self._db, self.path)

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

    def stored_articles_of(self, ids: Iterable[str]) -> dict[str, StoredArticle]:
        """``stored_articles`` for these ids only (those stored): the few a refresh that adds
        files reads again (``pipeline.unchanged.Added.unstamped``)."""
        found = {}
        for aid in ids:
            for sha, source, again, *stamp in self._db.execute(
                    "SELECT sha256, source, parse_again, size, mtime_ns, text_key FROM articles "
                    "WHERE id = ?", (aid,)):
                found[aid] = StoredArticle(sha, source, None if None in stamp else FileStamp(*stamp),
                                           bool(again))
        return found

    def stored_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids are stored."""
        return {aid for aid in ids
                if self._db.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone()}

    def ids_with_text_keys(self, keys: Iterable[str]) -> set[str]:
        """Ids of the stored articles whose stamp carries one of these text keys (one scan of
        the covering index ``articles_stamps``: ~10 ms at 100,000 articles)."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(aid for (aid,) in self._db.execute(
                "SELECT id FROM articles INDEXED BY articles_stamps WHERE text_key IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found

    def placed_mentions(self, ids: Iterable[str]) -> int:
        """How many mentions of these articles have a place (the refresh's ``mentions`` total
        grows by that when they are new)."""
        return sum(self._db.execute("SELECT count(*) FROM mentions WHERE article_id = ? AND "
                                    "place_id IS NOT NULL", (aid,)).fetchone()[0] for aid in ids)

    def place_count(self) -> int:
        """``counts()["places"]`` alone (a small table)."""
        return self._db.execute("SELECT count(*) FROM places").fetchone()[0]

    def parse_again_ids(self) -> set[str]:
        """Ids of the stored articles marked to be parsed again when next seen."""
        return {aid for (aid,) in self._db.execute("SELECT id FROM articles WHERE parse_again")}

    def file_stamps(self) -> dict[str, FileStamp]:
        """``{article id: FileStamp}`` of the stored articles that have one."""
        return {aid: FileStamp(*stamp) for aid, *stamp in self._db.execute(
            "SELECT id, size, mtime_ns, text_key FROM articles "
            "WHERE size IS NOT NULL AND mtime_ns IS NOT NULL AND text_key IS NOT NULL")}

    def stamp_rows(self) -> tuple[list[tuple[str, int | None, int | None, int, str | None]], dict[str, str]]:
        """``(id, size, mtime_ns, parse_again, text_key)`` of every stored article as plain
        tuples, from the covering index ``articles_stamps`` (not the rows, which hold the texts),
        and ``{id: source}`` of those without a size (feed entries, unstamped files): what the
        no-op refresh (``pipeline.unchanged``) compares, without an object per article."""
        rows = self._db.execute("SELECT id, size, mtime_ns, parse_again, text_key FROM articles "
                                "INDEXED BY articles_stamps").fetchall()
        sources = {}
        for aid, size, *_rest in rows:
            if size is None:
                (sources[aid],) = self._db.execute("SELECT source FROM articles WHERE id = ?",
                                                   (aid,)).fetchone()
        return rows, sources

    def articles_generation(self) -> int:
        """A number that changes whenever any article row is inserted, updated or deleted (kept
        by triggers, so by every writer): equal numbers mean the same stored articles."""
        return self._db.execute("SELECT n FROM articles_generation").fetchone()[0]

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
            version = db.execute("PRAGMA data_version").fetchone()[0]
            seen, known, known_regions = self._written
            if seen != version:         # another connection committed: trust nothing written
                known, known_regions = {}, {}
            for article, mentions, regions_by_place in items:
                mentions = list(mentions)
                mine = {m.place.id: m.place for m in mentions if m.place is not None}
                stale |= self._article_place_ids(article.id) - mine.keys()
                db.execute("DELETE FROM articles WHERE id = ?", (article.id,))
                db.execute(f"INSERT INTO articles ({_ARTICLE_COLUMNS}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (article.id, article.source, article.sha256, article.title,
                            article.published, article.byline, article.section, article.url,
                            article.text, now(),
                            *(stamps.get(article.id) or (None, None, None)),
                            int(article.id in parse_again)))
                db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)",
                               [(article.id, p.index, p.start, p.end) for p in article.passages])
                places.update(mine)
                regions.update((pid, tuple(regions_by_place.get(pid, ()))) for pid in mine)
                rows.extend((article.id, m.start, m.end, m.text, m.place.id if m.place else None,
                             m.score, _passage_index(article, m.start)) for m in mentions)
            fresh = [p for pid, p in places.items() if known.get(pid) != p]
            self._upsert_places(fresh)
            db.executemany("INSERT OR REPLACE INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            changed = {pid: rs for pid, rs in regions.items() if known_regions.get(pid) != rs}
            self._set_regions(changed)
            pruned = stale - places.keys()
            self._prune_places(pruned)
        # Committed: remember what was written (a rolled-back batch never gets here).
        known.update((p.id, p) for p in fresh)
        known_regions.update(changed)
        for pid in pruned:
            known.pop(pid, None)
            known_regions.pop(pid, None)
        self._written = (version, known, known_regions)

    def delete_articles(self, ids: Iterable[str]) -> int:
        """Forget these articles (and places no other article mentions); returns how many went."""
        ids = list(ids)
        deleted = 0
        self._written = (None, {}, {})      # places may go: write them again when named
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
        self._written = (None, {}, {})
        with self._transaction() as db:
            db.execute("DELETE FROM place_regions")
            self._set_regions(regions_by_place)

    def counts(self) -> dict[str, int]:
        """Sizes for the refresh summary: articles, mapped places, resolved mentions."""
        one = lambda sql: self._db.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT count(*) FROM articles"),
                "places": one("SELECT count(*) FROM places"),
                "mentions": one("SELECT count(*) FROM mentions WHERE place_id IS NOT NULL")}

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

    def map_rows(self, *, bodies: bool = True) -> MapRows:
        """Everything the renderer needs, as plain rows (``MapRows``), each read lazily, once:
        ``geomap.render.data.load_map_data(store)`` builds the ``MapData`` from them.
        ``bodies=False``: no passages and each article's text None (``article_body`` reads
        them one article at a time)."""
        return MapRows(
            passages=self._rows("SELECT article_id, idx, start, end FROM passages "
                                "ORDER BY article_id, idx") if bodies else iter(()),
            # Mentions in primary-key order, (article, start): the index gives it, nothing is sorted.
            placed=self._rows("SELECT article_id, start, end, text, place_id, score, passage_index "
                              "FROM mentions WHERE place_id IS NOT NULL ORDER BY article_id, start"),
            newest_first=(aid for (aid,) in self._rows(
                "SELECT id FROM articles ORDER BY coalesce(published, '') DESC, id")),
            regions=self._rows("SELECT place_id, region FROM place_regions ORDER BY region"),
            articles=self._rows(f"SELECT id, title, published, byline, source, "
                                f"{'text' if bodies else 'NULL'} FROM articles "
                                "ORDER BY id"),
            places=(Place(*row) for row in self._rows(
                f"SELECT {_PLACE_COLUMNS} FROM places ORDER BY id")),
            unplaced=self._rows("SELECT article_id, start, end, text, score, passage_index "
                                "FROM mentions WHERE place_id IS NULL ORDER BY article_id, start"))

    def article_body(self, article_id: str) -> tuple[str, list[tuple[int, int, int]]] | None:
        """One article's text and its passages ``(idx, start, end)`` by index; None when the
        store has no such article."""
        row = next(self._rows("SELECT text FROM articles WHERE id = ?", (article_id,)), None)
        if row is None:
            return None
        return row[0], list(self._rows("SELECT idx, start, end FROM passages "
                                          "WHERE article_id = ? ORDER BY idx", (article_id,)))

    def _rows(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """The rows of ``sql``, one at a time; SQLite errors become ``StoreError`` (here, not
        through a second generator around this one: the map reads some 300,000 rows)."""
        try:
            yield from self._db.execute(sql, params)
        except sqlite3.Error as e:
            raise _store_error(self, e) from e


def _passage_index(article: Article, offset: int) -> int | None:
    p = article.passage_at(offset)
    return p.index if p else None


def _store_error(store: Store, error: sqlite3.Error) -> StoreError:
    return StoreError(f"{store.path}: {error}{way_out(store.path, error)}")


# SQLite errors of a store read (outside ``transaction``) become ``StoreError`` too, in the
# search methods the store inherits as in its own.
_store_errors = translate(sqlite3.Error, _store_error)


for _name, _method in [item for cls in (FullTextSearch, RenderCache, RenderReads, Store)
                       for item in vars(cls).items()]:
    if not _name.startswith("_") and inspect.isfunction(_method) and _name != "close":
        setattr(Store, _name, _store_errors(_method))
