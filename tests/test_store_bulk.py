"""A cold build's bulk load (``geomap.store_bulk``): indexes built after the articles, with the
same store as articles stored one batch at a time, also after a kill between begin and finish."""
from __future__ import annotations

import sqlite3

from geomap.store import Store

from test_store import KYIV, LVIV, TEXT, article, mention

WORDS = ("shelling", "kyiv", "lviv", "quiet", "rain", "convoy", "odesa", "valencia")


def _batches():
    """Three batches: the second replaces an article of the first (its place changes)."""
    a = article(TEXT, "a")
    b = article("Rain in Lviv\n\nA convoy left Lviv.\n", "b", sha="2" * 64)
    c = article("Quiet day\n\nNothing in Kyiv.\n", "c", sha="3" * 64)
    a2 = article("Lviv only\n\nRain in Lviv.\n", "a", sha="4" * 64)
    d = article("Undated\n\nKyiv and Lviv.\n", "d", sha="5" * 64)
    return [
        [(a, [mention(a, "Kyiv", KYIV), mention(a, "Lviv", LVIV)], {KYIV.id: ("east",)}),
         (b, [mention(b, "Lviv", LVIV)], {LVIV.id: ("west",)})],
        [(c, [mention(c, "Kyiv", KYIV)], {KYIV.id: ("east",)}),
         (a2, [mention(a2, "Lviv", LVIV)], {LVIV.id: ("west",)})],
        [(d, [mention(d, "Kyiv", KYIV), mention(d, "Lviv", LVIV)], {})],
    ]


def _content(path) -> dict:
    """Every table but the timestamps, the schema, and what searches find."""
    db = sqlite3.connect(path)
    try:
        tables = {name: sorted(db.execute(f'SELECT * FROM "{name}"'))
                  for name in ("passages", "places", "mentions", "place_regions", "meta")}
        # the full-text rows' numbers are internal (a replaced article's row leaves a gap): the
        # same articles in the same order
        tables["fts_rows"] = list(db.execute("SELECT article_id, published FROM fts_rows ORDER BY rowid"))
        tables["articles"] = sorted(row[:9] + row[10:] for row in db.execute("SELECT * FROM articles"))
        tables["schema"] = sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                             "WHERE name NOT LIKE 'sqlite_%'"))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    with Store(path) as store:
        tables["search"] = {w: [hit.article_id for hit in store.search(w)] for w in WORDS}
    return tables


def test_a_bulk_load_gives_the_store_that_batch_inserts_give(tmp_path):
    plain, bulk = tmp_path / "plain.sqlite", tmp_path / "bulk.sqlite"
    with Store(plain) as store:
        for batch in _batches():
            store.put_articles(batch)
    with Store(bulk) as store:
        assert store.begin_bulk_load()
        schema = {name for (name,) in store._db.execute("SELECT name FROM sqlite_master")}
        assert "mentions_place" not in schema and "articles_fts_insert" not in schema
        for batch in _batches():
            store.put_articles(batch)
        assert store.search("kyiv") == []              # not indexed until the load ends
        assert store.finish_bulk_load()
        assert not store.finish_bulk_load()            # nothing left to finish
    expected = _content(plain)
    assert expected["search"]["lviv"] and expected["search"]["kyiv"]
    assert _content(bulk) == expected
    with Store(bulk) as store:                          # the triggers are back: later edits follow
        store.delete_articles(["b"])
        assert [h.article_id for h in store.search("convoy")] == []


def test_a_bulk_load_killed_before_its_end_is_finished_by_the_next_opener(tmp_path):
    plain, bulk = tmp_path / "plain.sqlite", tmp_path / "bulk.sqlite"
    with Store(plain) as store:
        for batch in _batches()[:2]:
            store.put_articles(batch)
    with Store(bulk) as store:
        store.begin_bulk_load()
        for batch in _batches()[:2]:
            store.put_articles(batch)
    # the process died here; a later refresh (under the lock) finishes it first
    with Store(bulk) as store:
        assert store.begin_bulk_load()                 # still pending, though articles are in
        assert store.finish_bulk_load()
    assert _content(bulk) == _content(plain)


def test_no_bulk_load_onto_a_store_holding_articles(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.put_articles(_batches()[0])
        before = sorted(store._db.execute("SELECT name FROM sqlite_master"))
        assert not store.begin_bulk_load()
        assert not store.finish_bulk_load()
        assert sorted(store._db.execute("SELECT name FROM sqlite_master")) == before


# --- in a refresh ---------------------------------------------------------------------------------

def _refreshed(root, monkeypatch, bulk_from: int) -> dict:
    from geomap.config import load_config
    from geomap.pipeline import refresh
    from geomap.pipeline.execute import Refresh

    monkeypatch.setattr(Refresh, "BULK_ARTICLES", bulk_from)
    summary = refresh(load_config(None, root))
    assert (summary.new, summary.failed) == (2, 0)
    names = [stage.name for stage in summary.stages]
    assert names[:1] == ["gather"] and "store" in names and names[-1] == "render"
    assert ("index" in names) == (bulk_from <= 2)
    times = {stage.name: stage for stage in summary.stages}
    assert 0 <= times["store"].wall_s <= times["process"].wall_s
    assert all(stage.cpu_s >= 0 and stage.peak_rss_mb > 0 for stage in summary.stages)
    content = _content(root / ".geomap" / "geomap.sqlite")
    content["meta"] = sorted(key for key, _value in content["meta"])
    content["articles"] = [(aid, source.replace(str(root), "ROOT"), *rest)
                           for aid, source, *rest in content["articles"]]
    return content


def test_a_cold_refresh_in_bulk_stores_what_one_without_does(mapped_project, tmp_path, monkeypatch):
    import os
    import shutil
    import time

    for path in (mapped_project / "articles").iterdir():     # settled: both runs stamp them
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    other = tmp_path / "other"
    shutil.copytree(mapped_project, other)
    bulk = _refreshed(mapped_project, monkeypatch, bulk_from=1)
    plain = _refreshed(other, monkeypatch, bulk_from=10**9)
    assert plain["mentions"] and plain["search"]["odesa"] and plain["search"]["valencia"]
    assert bulk == plain


def test_a_refresh_finishes_a_killed_bulk_load_first(mapped_project, monkeypatch):
    from geomap.config import load_config
    from geomap.pipeline import refresh

    path = mapped_project / ".geomap" / "geomap.sqlite"
    with Store(path) as store:
        store.begin_bulk_load()
        store.put_articles(_batches()[0])       # then killed: no index, nothing searchable
    refresh(load_config(None, mapped_project))
    with Store(path) as store:
        assert not store.finish_bulk_load()                  # finished by the refresh
        assert store.search("convoy") == []                 # b is no file: deleted, unindexed
        assert len(store.search("odesa")) == 1              # the new article: indexed
        assert store._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'mentions_place'").fetchone()
