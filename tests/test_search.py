"""``geomap search``: the store's FTS5 index (migration, upkeep) and the search command."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from geomap.cli import main
from geomap.config import load_config
from geomap.model import Article, Passage
from geomap.pipeline import refresh
from geomap.search import SearchError, fts_query, parse_query, search
from geomap.store import MIGRATIONS, Store

from conftest import THIRD, write, write_config


def _article(aid: str, text: str, published: str | None = None) -> Article:
    return Article(id=aid, source=f"/abs/{aid}.txt", text=text, sha256="1" * 64, title=text.split("\n")[0],
                   published=published, passages=(Passage(0, 0, len(text)),))


def _fts_ids(store: Store, match: str) -> set[str]:
    return {h.article_id for h in store.search(match)}


# --- the index in the store ---------------------------------------------------------------------

def test_index_follows_puts_replacements_and_deletes(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.put_article(_article("a", "Shelling near Kharkiv"), [], {})
        store.put_article(_article("b", "Floods in Valencia"), [], {})
        assert _fts_ids(store, '"kharkiv"') == {"a"}
        store.put_article(_article("a", "Now about Odesa"), [], {})          # a new version
        assert _fts_ids(store, '"kharkiv"') == set()
        assert _fts_ids(store, '"odesa"') == {"a"}
        store.delete_articles(["b"])
        assert _fts_ids(store, '"valencia"') == set()
        store.mark_parse_again(["a"])                                        # not a text change
        assert _fts_ids(store, '"odesa"') == {"a"}


def test_a_store_from_before_the_index_gets_every_article_indexed(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)")
    for version, (name, sql) in enumerate(MIGRATIONS[:2], start=1):
        db.executescript(sql)
        db.execute("INSERT INTO schema_version VALUES (?, ?, '2026-01-01T00:00:00+00:00')", (version, name))
    for aid, text in (("a", "Kyïv at night"), ("b", "Lviv by day")):
        db.execute("INSERT INTO articles (id, source, sha256, title, text, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, '2026-01-01')", (aid, aid, "1" * 64, text, text))
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.article_hashes() == {"a": "1" * 64, "b": "1" * 64}     # nothing lost
        assert _fts_ids(store, '"kyiv"') == {"a"}                          # diacritics folded
        assert _fts_ids(store, '"lviv"') == {"b"}


# --- queries -----------------------------------------------------------------------------------

def test_queries_are_words_phrases_and_prefixes_never_fts_syntax():
    terms = parse_query('Kyïv "Sea of Azov" kher* OR NOT) col:umn"')
    assert fts_query(terms) == ('"kyiv" AND "sea of azov" AND "kher"* AND "or" AND "not" AND '
                                '"col" AND "umn"')


@pytest.fixture
def searched(mapped_project, gazetteer_path):
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    write(mapped_project / "articles" / "2023-07-01-lviv.md",
          "# Trams in Lviv\n\n=cmd|' /C calc'!A0 Lviv ordered new trams.\n")
    write_config(mapped_project, gazetteer_path)
    config = load_config(None, mapped_project)
    refresh(config)
    return config


def test_search_finds_articles_with_their_passage_and_places(searched):
    results = search(searched, "istanbul")
    assert [r.article_id.split("-")[0] for r in results] == ["odesa"]
    r = results[0]
    assert r.date == "2024-02-03"
    assert "heading for Istanbul" in r.passage
    assert "Istanbul" in r.places and "Odesa" in r.places
    assert r.source == "articles/odesa.txt"                     # relative, never absolute


def test_search_filters_by_date(searched):
    assert {r.article_id.split("-")[0] for r in search(searched, "geneva")} == {"geneva"}
    assert search(searched, "geneva", since="2024-03-11") == []
    assert len(search(searched, "geneva", since="2024-03-10", until="2024-03-10")) == 1
    dated = search(searched, "trams", until="2023-07-01")        # dated by its file name
    assert [r.date for r in dated] == ["2023-07-01"]


def test_search_filters_by_region_and_layer(searched, tmp_path):
    with Store(searched.resolve(searched.store_path)) as store:
        odesa = next(p.id for p in store.places() if p.name == "Odesa")
        store.replace_place_regions({odesa: ("coast/south",)})
    assert [r.article_id.split("-")[0] for r in search(searched, "port", region="coast/south")] == ["odesa"]
    assert [r.article_id.split("-")[0] for r in search(searched, "port", layer="coast")] == ["odesa"]
    assert search(searched, "geneva", layer="coast") == []
    with pytest.raises(SearchError, match="unknown layer 'coas'"):
        search(searched, "port", layer="coas")


@pytest.mark.parametrize("kwargs, message", [
    ({"query": "  \"\" "}, "nothing to search"),
    ({"query": "x", "since": "yesterday"}, "--since: not a date"),
    ({"query": "x", "since": "2024-02-01", "until": "2024-01-01"}, "after --until"),
])
def test_bad_input_is_a_clear_error(searched, kwargs, message):
    with pytest.raises(SearchError, match=message):
        search(searched, **kwargs)


def test_no_store_is_an_error_and_creates_nothing(project):
    config = load_config(None, project)
    with pytest.raises(SearchError, match="no store yet"):
        search(config, "odesa")
    assert not config.resolve(config.store_path).exists()


def test_cli_formats(searched, capsys):
    root = str(searched.root)
    assert main(["--root", root, "search", "lviv", "--format", "jsonl"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert record["date"] == "2023-07-01" and record["places"] == ["Lviv"]
    assert main(["--root", root, "search", "ordered", "trams", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["passage"].startswith("'=cmd")          # a spreadsheet shows it, never runs it
    assert rows[0]["title"] == "Trams in Lviv" and rows[0]["date"] == "2023-07-01"
    assert main(["--root", root, "search", "lviv"]) == 0
    out = capsys.readouterr().out
    assert "2023-07-01" in out and "places: Lviv" in out and out.endswith("1 article found\n")
    assert main(["--root", root, "search", "x", "--since", "soon"]) == 1
    assert "--since: not a date" in capsys.readouterr().err
