"""The SQLite store: schema and migrations, atomic per-article writes, cache, the render view."""
from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geomap.errors import StoreError
from geomap.model import Mention, Place
from geomap.render.data import MapData, load_map_data
from geomap.geocode_cache import MISSING
from geomap.store import MIGRATIONS, FileStamp, Store, StoredArticle

from test_articles import parse

KYIV = Place("geonames:703448", "Kyiv", 50.45466, 30.5238, "UA", "city", 2797553, "Kyiv City")
LVIV = Place("geonames:702550", "Lviv", 49.83826, 24.02324, "UA", "city", 717803, "Lviv")
EQUATOR = Place("test:null-island", "Null Island", 0.0, 0.0, "", "water")


def article(text: str, aid: str = "a1", sha: str = "1" * 64):
    return replace(parse(text), id=aid, sha256=sha)


def mention(a, name: str, place: Place | None, nth: int = 0, score: float = 0.9) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = a.text.index(name, start + 1)
    return Mention(start, start + len(name), name, place, score)


TEXT = "Power cuts in Kyiv\n\nBy Ola Nowak\n\nShelling hit Kyiv overnight.\n\nLviv was quiet.\n"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "out" / "geomap.sqlite") as s:
        yield s


def test_creates_schema_with_version_and_wal(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "passages", "mentions", "places", "place_regions", "geocode_cache", "meta",
            "schema_version"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT name FROM schema_version ORDER BY version").fetchall() == [
        (name,) for name, _ in MIGRATIONS]


def test_reopening_does_not_reapply_migrations(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    with Store(path) as s:
        s.meta_set("k", "v")
    with Store(path) as s:
        assert s.meta_get("k") == "v"
        assert s.schema_version == len(MIGRATIONS)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable geomap store"):
        Store(path)


def test_put_article_then_hashes_and_map_data(store):
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Kyiv", KYIV, 1),
                          mention(a, "Lviv", LVIV), mention(a, "Ola", None)],
                      {KYIV.id: ("ukraine", "ukraine/kyiv"), LVIV.id: ("ukraine",)})
    assert store.article_hashes() == {"a1": "1" * 64}
    data = load_map_data(store)
    assert isinstance(data, MapData)
    by_id = {r.place.id: r for r in data.places}
    assert set(by_id) == {KYIV.id, LVIV.id}            # the unresolved mention is not plotted
    assert by_id[KYIV.id].place == KYIV
    assert by_id[KYIV.id].regions == ("ukraine", "ukraine/kyiv")
    kyiv = by_id[KYIV.id].mentions
    assert [(m.start, m.end) for m in kyiv] == [(TEXT.index("Kyiv"), TEXT.index("Kyiv") + 4),
                                                (TEXT.rindex("Kyiv"), TEXT.rindex("Kyiv") + 4)]
    # the second Kyiv is in passage 2 ("Shelling hit Kyiv overnight.")
    assert kyiv[1].passage_index == 2 and kyiv[0].passage_index == 0
    rec = data.articles["a1"]
    assert rec.text == TEXT and rec.title == "Power cuts in Kyiv" and rec.byline == "Ola Nowak"
    assert rec.passages == a.passages
    assert rec.mentions == sorted([(m.start, m.end, KYIV.id) for m in kyiv]
                                  + [(TEXT.index("Lviv"), TEXT.index("Lviv") + 4, LVIV.id)])
    assert store.counts() == {"articles": 1, "places": 2, "mentions": 3}


def test_map_data_without_bodies_reads_each_article_text_and_passages_when_used(store):
    """``load_map_data(store, bodies=False)`` (a render after new articles) loads no text up
    front; each article reads the same text and passages from the store when asked."""
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {})
    eager, lazy = load_map_data(store), load_map_data(store, bodies=False)
    assert eager.places == lazy.places and eager.articles.keys() == lazy.articles.keys()
    rec, stored = eager.articles["a1"], lazy.articles["a1"]
    for key in ("id", "title", "published", "byline", "source", "text", "passages", "mentions"):
        assert getattr(stored, key) == getattr(rec, key), key
    assert stored.text == TEXT and stored.passages == a.passages
    store.delete_articles(["a1"])
    assert load_map_data(store, bodies=False).articles == {}


def test_zero_coordinates_survive(store):
    a = article("Calm\n\nNothing near Null Island.\n")
    store.put_article(a, [mention(a, "Null Island", EQUATOR)], {})
    (rec,) = load_map_data(store).places
    assert (rec.place.lat, rec.place.lon) == (0.0, 0.0)
    assert rec.regions == ()


def test_put_article_replaces_the_previous_version(store):
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {})
    b = article("Lviv only\n\nRain in Lviv.\n", sha="2" * 64)
    store.put_article(b, [mention(b, "Lviv", LVIV), mention(b, "Lviv", LVIV, 1)], {LVIV.id: ("west",)})
    assert store.article_hashes() == {"a1": "2" * 64}
    data = load_map_data(store)
    assert [r.place.id for r in data.places] == [LVIV.id]      # Kyiv is forgotten
    assert [p.id for p in store.places()] == [LVIV.id]
    assert len(data.places[0].mentions) == 2
    assert data.places[0].regions == ("west",)
    assert data.articles["a1"].text.startswith("Lviv only")


def test_a_failed_put_leaves_the_previous_version_intact(store):
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV)], {})
    b = article("New\n\nKyiv and Kyiv.\n", sha="2" * 64)
    dup = mention(b, "Kyiv", KYIV)
    broken = Place("test:broken", "broken", None, 2.0)  # NOT NULL lat: the insert fails mid-way
    with pytest.raises(StoreError):
        store.put_article(b, [dup, Mention(dup.start + 9, dup.end + 9, "Kyiv", broken)], {})
    assert store.article_hashes() == {"a1": "1" * 64}
    assert load_map_data(store).articles["a1"].text == TEXT


def test_places_shared_by_two_articles_survive_deleting_one(store):
    a, b = article(TEXT, "a"), article("Lviv\n\nIn Lviv.\n", "b")
    store.put_article(a, [mention(a, "Lviv", LVIV), mention(a, "Kyiv", KYIV)], {})
    store.put_article(b, [mention(b, "Lviv", LVIV, 1)], {})
    assert store.delete_articles(["a", "missing"]) == 1
    assert store.article_hashes() == {"b": "1" * 64}
    data = load_map_data(store)
    assert [r.place.id for r in data.places] == [LVIV.id]
    assert [m.article_id for m in data.places[0].mentions] == ["b"]
    assert set(data.articles) == {"b"}
    assert store.counts()["places"] == 1


def test_replace_place_regions(store):
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {KYIV.id: ("old",)})
    store.replace_place_regions({LVIV.id: ("west", "ukraine")})
    regions = {r.place.id: r.regions for r in load_map_data(store).places}
    assert regions == {KYIV.id: (), LVIV.id: ("ukraine", "west")}


def test_mentions_newest_article_first(store):
    old = article(" date 2020-01-01 X\nOld\nKyiv\n", "old")
    new = article(" date 2024-01-01 X\nNew\nKyiv\n", "new")
    store.put_article(old, [mention(old, "Kyiv", KYIV)], {})
    store.put_article(new, [mention(new, "Kyiv", KYIV)], {})
    (rec,) = load_map_data(store).places
    assert [m.article_id for m in rec.mentions] == ["new", "old"]


def test_geocode_cache_distinguishes_missing_from_not_found(store, tmp_path):
    cache = store.geocode_cache
    assert cache.get("nominatim|Kyiv|UA") is MISSING
    cache.put("nominatim|Kyiv|UA", {"lat": 50.45, "lon": 30.52, "name": "Київ"})
    cache.put("nominatim|Atlantis|", None)
    assert cache.get("nominatim|Kyiv|UA") == {"lat": 50.45, "lon": 30.52, "name": "Київ"}
    assert cache.get("nominatim|Atlantis|") is None
    cache.close()                                       # not its connection: the store's stays open
    assert store.geocode_cache.get("nominatim|Atlantis|") is None
    store.close()
    with Store(store.path) as again:                    # persisted
        assert again.geocode_cache.get("nominatim|Atlantis|") is None
        assert again.geocode_cache.get("nominatim|Kyiv|UA")["name"] == "Київ"
        assert again.geocode_cache.get("other") is MISSING


def test_the_geocode_cache_opens_without_a_store(tmp_path):
    """``geomap parse`` online: the cache of the store file, on a connection of its own."""
    from geomap.geocode_cache import SQLiteGeocodeCache
    from geomap.store import connect

    path = tmp_path / "s.sqlite"
    with SQLiteGeocodeCache(connect(path), path, owned=True) as cache:
        cache.put("k", {"lat": 1.5})
    with pytest.raises(StoreError, match="closed"):
        cache.get("k")                                  # owned: its connection closed with it
    with Store(path) as s:                              # a complete store, the answer in it
        assert s.schema_version == len(MIGRATIONS) and s.geocode_cache.get("k") == {"lat": 1.5}


def test_meta(store):
    assert store.meta_get("gazetteer_version") is None
    assert store.meta_get("gazetteer_version", "none") == "none"
    store.meta_set("gazetteer_version", "v1")
    store.meta_set("gazetteer_version", "v2")
    assert store.meta_get("gazetteer_version") == "v2"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    min_size=1, max_size=300).filter(str.strip))
def test_any_article_text_round_trips_exactly(store, text):
    a = article(text, "rt")
    word = text.strip()[:3]
    start = text.index(word)
    store.put_article(a, [Mention(start, start + len(word), word, KYIV)], {})
    rec = load_map_data(store).articles["rt"]
    assert rec.text == text and rec.passages == a.passages
    assert rec.mentions == [(start, start + len(word), KYIV.id)]


def test_put_articles_writes_a_batch_in_one_transaction(store):
    a = article(TEXT, "a")
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {})
    a2 = article("Only Kyiv now\n\nKyiv.\n", "a", sha="3" * 64)          # no longer names Lviv
    b = article("Lviv\n\nIn Lviv and Kyiv.\n", "b", sha="4" * 64)
    store.put_articles([(a2, [mention(a2, "Kyiv", KYIV)], {KYIV.id: ("east",)}),
                        (b, [mention(b, "Lviv", LVIV, 1), mention(b, "Kyiv", KYIV)],
                         {KYIV.id: ("east",), LVIV.id: ("west",)})])
    assert store.article_hashes() == {"a": "3" * 64, "b": "4" * 64}
    data = load_map_data(store)
    assert {r.place.id: (r.regions, sorted(m.article_id for m in r.mentions)) for r in data.places} == {
        KYIV.id: (("east",), ["a", "b"]), LVIV.id: (("west",), ["b"])}

    c = article("Broken\n\nKyiv.\n", "c", sha="5" * 64)
    broken = Place("test:broken", "broken", None, 2.0)
    with pytest.raises(StoreError):
        store.put_articles([(article("Fine\n\nKyiv.\n", "d"), [], {}),
                            (c, [mention(c, "Kyiv", broken)], {})])
    assert set(store.article_hashes()) == {"a", "b"}                 # neither c nor d


# --- file stamps ------------------------------------------------------------------------------

STAMP = FileStamp(120, 1_700_000_000_123_456_789, "ab" * 32)


def test_a_stamp_is_stored_with_its_version_and_goes_with_it(store):
    a, b = article(TEXT, "a"), article("Lviv\n\nRain in Lviv.\n", "b", sha="2" * 64)
    store.put_articles([(a, [], {}), (b, [], {})], {"a": STAMP})
    assert store.file_stamps() == {"a": STAMP}                  # b has none: it is read next time
    c = article("Kyiv\n\nKyiv again.\n", "a", sha="3" * 64)
    store.put_article(c, [], {})                                # a new version without a stamp
    assert store.file_stamps() == {}


def test_a_failed_batch_stores_no_stamp(store):
    a = article(TEXT, "a")
    store.put_article(a, [], {})
    b = article("Broken\n\nKyiv.\n", "b", sha="5" * 64)
    with pytest.raises(StoreError):
        store.put_articles([(replace(a, sha256="4" * 64), [], {}),
                            (b, [mention(b, "Kyiv", Place("test:broken", "broken", None, 2.0))], {})],
                           {"a": STAMP, "b": STAMP})
    assert store.file_stamps() == {} and store.article_hashes() == {"a": "1" * 64}


def test_set_stamps_only_touches_the_version_it_names(store):
    store.put_article(article(TEXT, "a"), [], {})
    store.put_article(article(TEXT, "b", sha="2" * 64), [], {})
    store.set_stamps([("a", "1" * 64, STAMP), ("b", "9" * 64, STAMP)])     # b's bytes differ now
    assert store.file_stamps() == {"a": STAMP}
    store.set_stamps([("a", "1" * 64, None)])                    # too fresh to trust: cleared
    assert store.file_stamps() == {}
    assert dict(store.article_texts()) == {"a": TEXT, "b": TEXT}


def test_parse_again_is_a_mark_beside_the_hash_and_a_new_version_clears_it(store):
    store.put_article(article(TEXT, "a"), [], {})
    store.put_article(article(TEXT, "b", sha="2" * 64), [], {})
    store.mark_parse_again(["a", "missing"])
    store.mark_parse_again(["a"])                                # already marked: unchanged
    assert store.parse_again_ids() == {"a"}
    assert store.article_hashes() == {"a": "1" * 64, "b": "2" * 64}
    assert store.stored_articles()["a"] == StoredArticle("1" * 64, "x.txt", None, True)
    store.put_article(article(TEXT, "a", sha="3" * 64), [], {})   # a new version: not marked
    assert store.parse_again_ids() == set()
    store.put_articles([(article(TEXT, "b", sha="2" * 64), [], {})], {"b": STAMP}, parse_again={"b"})
    assert store.stored_articles()["b"] == StoredArticle("2" * 64, "x.txt", STAMP, True)


def test_the_articles_generation_changes_with_every_write_to_an_article_row(store):
    """The no-op refresh trusts a recorded listing only while this number holds: every insert,
    update or delete of an article row, by any writer (triggers), must change it; meta, places
    and the geocode cache must not."""
    seen = [store.articles_generation()]

    def changed() -> bool:
        seen.append(store.articles_generation())
        return seen[-1] != seen[-2]

    store.put_article(article(TEXT, "a"), [], {})
    assert changed()
    store.put_articles([(article(TEXT, "b", sha="2" * 64), [], {})], {"b": STAMP})
    assert changed()
    store.set_stamps([("a", "1" * 64, STAMP)])
    assert changed()
    store.set_stamps([("a", "9" * 64, None)])       # names another version: no row changes
    assert not changed()
    store.mark_parse_again(["b"])
    assert changed()
    store.meta_set("k", "v")
    store.geocode_cache.put("q", {"lat": 1.0})
    assert not changed()
    other = sqlite3.connect(store.path, isolation_level=None)      # any writer, raw SQL too
    other.execute("UPDATE articles SET size = size + 1 WHERE id = 'b'")
    other.close()
    assert changed()
    store.put_article(article(TEXT, "a", sha="3" * 64), [], {})     # a new version of a
    assert changed()
    assert store.delete_articles(["a"]) == 1
    assert changed()


def _place_writes(store) -> list[str]:
    """The statements ``store`` runs from now on that write places or their regions."""
    seen: list[str] = []
    store._db.set_trace_callback(lambda sql: seen.append(sql) if "places" in sql.split("VALUES")[0]
                                 or "place_regions" in sql else None)
    return seen


def test_places_written_once_are_not_written_again_while_nothing_else_changed_them(store, tmp_path):
    """A cold build's batches name the same places: each is upserted (and its regions set) once,
    not once per batch; again after another connection committed, or after a deletion may have
    pruned it; and a place whose fields changed is written at once."""
    first = article(TEXT, "a")
    store.put_article(first, [mention(first, "Kyiv", KYIV)], {KYIV.id: ["ua"]})
    writes = _place_writes(store)
    second = article(TEXT, "b", sha="2" * 64)
    store.put_article(second, [mention(second, "Kyiv", KYIV), mention(second, "Lviv", LVIV)],
                      {KYIV.id: ["ua"], LVIV.id: ["ua"]})
    assert writes and all("702550" in w or "Lviv" in w for w in writes), writes      # Lviv only
    writes.clear()
    third = article(TEXT, "c", sha="3" * 64)
    store.put_article(third, [mention(third, "Kyiv", KYIV), mention(third, "Lviv", LVIV)],
                      {KYIV.id: ["ua"], LVIV.id: ["ua"]})
    assert writes == []
    other = sqlite3.connect(store.path, isolation_level=None)       # another writer: trust nothing
    other.execute("DELETE FROM place_regions WHERE place_id = ?", (KYIV.id,))
    other.close()
    fourth = article(TEXT, "d", sha="4" * 64)
    store.put_article(fourth, [mention(fourth, "Kyiv", KYIV)], {KYIV.id: ["ua"]})
    assert writes
    assert store.region_names() == {"ua"}
    assert ("ua",) in {tuple(r) for r in store._db.execute(
        "SELECT region FROM place_regions WHERE place_id = ?", (KYIV.id,))}
    for aid in "abcd":
        assert store.delete_articles([aid]) == 1            # the last one prunes Kyiv and Lviv
    assert store.places() == []
    writes.clear()
    moved = replace(KYIV, lat=50.0)
    fifth = article(TEXT, "e", sha="5" * 64)
    store.put_article(fifth, [mention(fifth, "Kyiv", moved)], {KYIV.id: []})
    assert writes and store.places() == [moved]
    sixth = article(TEXT, "f", sha="6" * 64)
    store.put_article(sixth, [mention(sixth, "Kyiv", KYIV)], {KYIV.id: []})       # fields changed
    assert store.places() == [KYIV]


def test_a_store_from_before_stamps_is_migrated_and_keeps_its_articles(tmp_path):
    path = tmp_path / "old.sqlite"
    name, sql = MIGRATIONS[0]
    db = sqlite3.connect(path)          # what the previous geomap wrote: schema version 1
    db.executescript(sql)
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1, ?, '2026-01-01T00:00:00+00:00')", (name,))
    db.execute("INSERT INTO articles VALUES ('a', 'articles/a.txt', ?, 'T', NULL, NULL, NULL, NULL, "
               "'Kyiv.', '2026-01-01T00:00:00+00:00')", ("1" * 64,))
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.article_hashes() == {"a": "1" * 64} and s.parse_again_ids() == set()
        assert s.file_stamps() == {}                            # no stamps: every file is read once
        s.set_stamps([("a", "1" * 64, STAMP)])
    with Store(path) as s:
        assert s.file_stamps() == {"a": STAMP}


def test_a_store_marking_parse_again_in_its_hashes_is_migrated_with_nothing_lost(tmp_path):
    """Before the ``parse_again`` migration, a ``retry:`` prefix on the sha256 marked an article
    to parse again (its online geocoding failed): the mark moves to its column, the hash is
    cleaned, and everything else stays, stamps and mentions included."""
    path = tmp_path / "old.sqlite"
    names = [name for name, _ in MIGRATIONS]
    upto = names.index("parse_again")
    db = sqlite3.connect(path)          # what the previous geomap wrote: every migration before
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)")
    for version, (name, sql) in enumerate(MIGRATIONS[:upto], start=1):
        db.executescript(sql)
        db.execute("INSERT INTO schema_version VALUES (?, ?, '2026-01-01T00:00:00+00:00')",
                   (version, name))
    row = "INSERT INTO articles VALUES (?, ?, ?, 'T', NULL, NULL, NULL, NULL, 'Kyiv.', 'x', ?, ?, ?)"
    db.execute(row, ("a", "articles/a.txt", "retry:" + "1" * 64, *STAMP))
    db.execute(row, ("b", "articles/b.txt", "2" * 64, None, None, None))
    db.execute("INSERT INTO places (id, name, lat, lon) VALUES (?, ?, ?, ?)", (KYIV.id, "Kyiv", 50.4, 30.5))
    db.execute("INSERT INTO mentions VALUES ('a', 0, 4, 'Kyiv', ?, 0.9, NULL)", (KYIV.id,))
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.stored_articles() == {
            "a": StoredArticle("1" * 64, "articles/a.txt", STAMP, True),
            "b": StoredArticle("2" * 64, "articles/b.txt", None, False)}
        assert dict(s.article_texts()) == {"a": "Kyiv.", "b": "Kyiv."}
        assert [(r.place.id, [m.article_id for m in r.mentions]) for r in load_map_data(s).places] == [
            (KYIV.id, ["a"])]


@pytest.mark.parametrize("after_rows", [0, 1])
def test_a_fault_while_the_map_rows_are_read_is_a_store_error_with_the_way_out(store, after_rows):
    a = article(TEXT)
    store.put_article(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {})
    real = store._db

    class Damaged:                         # a damaged page met before, or after, some rows were read
        def execute(self, *args):
            rows = real.execute(*args).fetchall()[:after_rows]
            if not after_rows:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return self.then_fail(rows)

        @staticmethod
        def then_fail(rows):
            yield from rows
            raise sqlite3.DatabaseError("database disk image is malformed")

        close = real.close

    store._db = Damaged()
    with pytest.raises(StoreError, match="geomap.sqlite: database disk image is malformed; .*move it aside"):
        load_map_data(store)
