"""Orchestration: locking, atomic outputs, incremental refresh, parse_paths."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

import geomap.pipeline
import geomap.render
import geomap.render.map
from geomap.articles import read_article
from geomap.config import default_config, load_config
from geomap.errors import LockedError
from geomap.model import Mention, Place
from geomap.pipeline import RefreshSummary, parse_paths, refresh, write_outputs
from geomap.pipeline.lock import locked
from geomap.render.data import load_map_data
from geomap.store import Store

from conftest import THIRD, count_reads, write, write_config

ODESA = Place("geonames:698740", "Odesa", 46.47747, 30.73262, "UA", "city", 1015826, "Odessa")


# --- summary ----------------------------------------------------------------------------------

def test_summary_line_says_what_happened():
    s = RefreshSummary(new=2, changed=1, deleted=0, failed=1, unchanged=3, places=10, mentions=25,
                       geocoded=7, seconds=1.234, rendered=True)
    assert str(s) == ("refreshed: 2 new, 1 changed, 0 deleted, 3 unchanged, 1 failed; 7 geocoded; "
                      "map has 10 places, 25 mentions; map updated (1.2s)")
    quiet = RefreshSummary(unchanged=4, places=3, mentions=5)
    assert quiet.nothing_new
    assert str(quiet).startswith("nothing new: 0 new") and "0 geocoded" in str(quiet)
    assert "4 unchanged, 0 failed;" in str(quiet)                # failures are always shown
    assert str(quiet).endswith("map unchanged (0.0s)")


# --- lock -------------------------------------------------------------------------------------

def test_a_second_refresh_is_refused_while_one_holds_the_lock(project):
    config = default_config(project)
    store = config.resolve(config.store_path)
    with locked(store):
        with pytest.raises(LockedError, match="another refresh is running") as e:
            refresh(config)
        assert e.value.exit_code == 7
    with locked(store):             # released: taking it again works
        pass
    assert store.with_name(store.name + ".lock").exists()
    assert not store.exists()       # the refused refresh touched nothing


# --- outputs ----------------------------------------------------------------------------------

def _stored_project(project: Path) -> tuple[Store, Path]:
    config = default_config(project)
    store = Store(config.resolve(config.store_path))
    a = read_article(project / "articles" / "odesa.txt", root=project / "articles")
    start = a.text.index("Odesa")
    store.put_article(a, [Mention(start, start + 5, "Odesa", ODESA, 0.9)], {})
    return store, config.resolve(config.map.output)


def test_write_outputs_moves_every_output_into_place_and_leaves_the_store(project):
    store, out = _stored_project(project)
    with store:
        written = write_outputs(store, out, default_config(project), [])
    assert out / "map.html" in written and (out / "map.html").is_file()
    assert (out / "places.geojson").is_file()
    pages = list((out / "articles").glob("*.html"))
    assert len(pages) == 1 and pages[0] in written
    assert all(p.exists() and p.is_relative_to(out) for p in written)
    assert (project / ".geomap" / "geomap.sqlite").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".render-")]


def test_leftovers_of_a_killed_render_are_cleaned_up(project):
    store, out = _stored_project(project)
    leftover = write(out / ".render-abc123" / "map.html", "half")
    with store:
        write_outputs(store, out, default_config(project), [])
    assert not leftover.parent.exists()
    assert (out / "map.html").read_text(encoding="utf-8") != "half"


def test_pages_of_forgotten_articles_disappear(project):
    store, out = _stored_project(project)
    with store:
        write_outputs(store, out, default_config(project), [])
        (page,) = (out / "articles").glob("*.html")
        store.delete_articles(list(store.article_hashes()))
        write_outputs(store, out, default_config(project), [])
    assert not page.exists()
    assert (out / "map.html").is_file()


def test_a_crash_while_rendering_leaves_the_previous_outputs(project, monkeypatch):
    store, out = _stored_project(project)
    with store:
        write_outputs(store, out, default_config(project), [])
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix != ".sqlite"
                  and "sqlite" not in p.name}

        def half_then_crash(store, out_dir, config, layers, **options):
            (Path(out_dir) / "map.html").write_text("half a map")
            raise OSError("disk full")

        # the pages are written after the map side: the map side is rendered, then the crash
        import geomap.render.pages
        monkeypatch.setattr(geomap.render.pages, "write_pages", half_then_crash)
        with pytest.raises(OSError, match="disk full"):
            write_outputs(store, out, default_config(project), [])
    after = {p: p.read_bytes() for p in before}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".render-")]


# --- the full pipeline (needs the geoparser and the shared reduced gazetteer) ------------------

def _config(root: Path):
    return load_config(None, root)


def test_refresh_stores_articles_and_links_each_quote_to_its_passage(mapped_project):
    summary = refresh(_config(mapped_project))
    assert (summary.new, summary.failed, summary.rendered) == (2, 0, True)
    out = mapped_project / "output"
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        data = load_map_data(store)
    odesa = next(r for r in data.places if r.place.name == "Odesa")
    assert len(odesa.mentions) == 3                       # headline, first paragraph, body
    for m in odesa.mentions:
        article = data.articles[m.article_id]
        passage = article.passages[m.passage_index]
        assert passage.start <= m.start < m.end <= passage.end
        assert article.text[m.start:m.end] == "Odesa"
    # the map's pop-up data points at that passage, and the article page has the anchor
    html = (out / "map.html").read_text(encoding="utf-8")
    payload = json.loads(re.search(r'<script type="application/json" id="geomap-data">(.*?)</script>',
                                   html, re.S).group(1))
    row = next(p for p in payload["places"] if p[1] == "Odesa")
    # the pop-up's quotes are in the place's passage chunk beside map.html
    chunk = (out / "passages" / f"{row[9]}.js").read_text(encoding="utf-8")
    quotes = json.loads(chunk[chunk.index(",") + 1:-3])["places"][row[0]]
    page, anchor = quotes[0][:2]                          # quote: [article page, passage anchor, ...]
    page_html = (out / "articles" / f"{page}.html").read_text(encoding="utf-8")
    assert f'id="p{anchor}"' in page_html
    stored = data.articles[page]
    p = stored.passages[anchor]
    assert "Odesa" in stored.text[p.start:p.end]


def test_changed_parse_settings_reparse_everything(mapped_project):
    refresh(_config(mapped_project))
    write_config(mapped_project, _gazetteer(mapped_project), "parse:\n  min_score: 0.01\n")
    summary = refresh(_config(mapped_project))
    assert (summary.new, summary.changed, summary.reparsed, summary.unchanged) == (0, 0, 2, 2)
    assert summary.rendered
    assert refresh(_config(mapped_project)).nothing_new


def test_a_changed_pin_or_ignore_reparses_only_the_articles_naming_it(mapped_project):
    refresh(_config(mapped_project))
    write_config(mapped_project, _gazetteer(mapped_project), "parse:\n  ignore: [ODESA]\n")
    summary = refresh(_config(mapped_project))
    assert (summary.new, summary.changed, summary.reparsed, summary.unchanged) == (0, 0, 1, 2)
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        names = {r.place.name for r in load_map_data(store).places}
    assert "Odesa" not in names and "Valencia" in names
    assert refresh(_config(mapped_project)).nothing_new

    write_config(mapped_project, _gazetteer(mapped_project),
                 "parse:\n  ignore: [Odesa]\n  pin:\n    Seville: {lat: 10.0, lon: 20.0}\n")
    summary = refresh(_config(mapped_project))
    assert summary.reparsed == 1                                   # valencia.md names Seville
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        seville = [r.place for r in load_map_data(store).places if r.place.name == "Seville"]
    assert [(p.lat, p.lon) for p in seville] == [(10.0, 20.0)]

    write_config(mapped_project, _gazetteer(mapped_project))     # both gone: both articles again
    summary = refresh(_config(mapped_project))
    assert summary.reparsed == 2
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        names = {r.place.name for r in load_map_data(store).places}
    assert {"Odesa", "Valencia"} <= names


def test_two_sources_with_the_same_file_name_are_both_mapped(mapped_project):
    write(mapped_project / "inbox" / "odesa.txt", THIRD)            # same relative path, other text
    write_config(mapped_project, _gazetteer(mapped_project),
                 "sources:\n  - path: articles\n  - path: inbox\n")
    summary = refresh(_config(mapped_project))
    assert (summary.new, summary.failed, summary.errors) == (3, 0, ())
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        sources = {source: aid for aid, (_, source) in store.article_sources().items()}
        names = {r.place.name for r in load_map_data(store).places}
    first = mapped_project / "articles" / "odesa.txt"
    assert sources[str(first)] == read_article(first, root=first.parent).id    # as before: links hold
    assert str(mapped_project / "inbox" / "odesa.txt") in sources
    assert {"Odesa", "Geneva"} <= names
    assert refresh(_config(mapped_project)).nothing_new


def _mentioned(root: Path, source: Path) -> set[str]:
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        aid = next(aid for aid, (_, s) in store.article_sources().items() if s == str(source))
        article = load_map_data(store).articles[aid]
    return {article.text[start:end] for start, end, _place in article.mentions}


def test_an_article_unreadable_while_the_settings_changed_is_reparsed_when_it_is_back(
        mapped_project):
    text = b"Ukrainian farmers met buyers in Geneva on Monday.\n"
    path = write(mapped_project / "articles" / "farmers.txt", text)
    refresh(_config(mapped_project))
    assert _mentioned(mapped_project, path) == {"Geneva"}          # demonyms are off
    write(path, b"\xff\xfe broken for a while")
    write_config(mapped_project, _gazetteer(mapped_project), "parse:\n  demonyms: true\n")
    summary = refresh(_config(mapped_project))
    assert (summary.failed, summary.reparsed) == (1, 2)
    write(path, text)                                               # back, same bytes as stored
    summary = refresh(_config(mapped_project))
    assert (summary.reparsed, summary.failed) == (1, 0)
    assert _mentioned(mapped_project, path) == {"Geneva", "Ukrainian"}
    assert refresh(_config(mapped_project)).nothing_new


def test_an_article_unreadable_while_an_ignored_name_changed_is_reparsed_when_it_is_back(
        mapped_project):
    text = b"Farmers met buyers in Geneva and Warsaw on Monday.\n"
    path = write(mapped_project / "articles" / "farmers.txt", text)
    refresh(_config(mapped_project))
    assert _mentioned(mapped_project, path) == {"Geneva", "Warsaw"}
    write(path, b"\xff\xfe broken for a while")
    write_config(mapped_project, _gazetteer(mapped_project), "parse:\n  ignore: [Geneva]\n")
    assert refresh(_config(mapped_project)).failed == 1
    write(path, text)
    assert refresh(_config(mapped_project)).reparsed == 1
    assert _mentioned(mapped_project, path) == {"Warsaw"}


def _gazetteer(root: Path) -> Path:
    return Path(_config(root).gazetteer.path)


def test_an_article_that_turns_unreadable_keeps_its_stored_version(mapped_project):
    refresh(_config(mapped_project))
    write(mapped_project / "articles" / "odesa.txt", b"\xff\xfe broken now")
    summary = refresh(_config(mapped_project))
    assert (summary.failed, summary.deleted, summary.unchanged) == (1, 0, 1)
    assert "odesa.txt: not UTF-8" in summary.errors[0]
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        assert len(store.article_hashes()) == 2


def test_a_crash_mid_refresh_keeps_the_old_map_and_the_next_refresh_renders(mapped_project,
                                                                             monkeypatch):
    refresh(_config(mapped_project))
    old_map = (mapped_project / "output" / "map.html").read_bytes()
    write(mapped_project / "articles" / "geneva.txt", THIRD)

    def crash(*args):
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(geomap.render.map, "fill_page", crash)     # writing map.html (map_files)
        with pytest.raises(OSError):
            refresh(_config(mapped_project))
    assert (mapped_project / "output" / "map.html").read_bytes() == old_map
    summary = refresh(_config(mapped_project))
    assert summary.nothing_new and summary.rendered            # stored already, map was stale
    assert "Geneva" in (mapped_project / "output" / "map.html").read_text(encoding="utf-8")


def test_region_memberships_follow_the_layers(mapped_project):
    regions = mapped_project / "config" / "regions.yaml"
    write(regions, "layers:\n  - name: black-sea-coast\n    sources:\n"
                   "      - bbox: [29.5, 45.5, 32.5, 47.5]\n")
    write_config(mapped_project, _gazetteer(mapped_project), regions="regions.yaml")
    refresh(_config(mapped_project))
    store_path = mapped_project / ".geomap" / "geomap.sqlite"
    with Store(store_path) as store:
        regions_of = {r.place.name: r.regions for r in load_map_data(store).places}
    assert regions_of["Odesa"] == ("black-sea-coast",)
    assert regions_of["Valencia"] == ()

    write(regions, "layers:\n  - name: iberia\n    sources:\n      - bbox: [-10, 36, 3.5, 44]\n")
    summary = refresh(_config(mapped_project))
    assert summary.nothing_new and summary.rendered and summary.geocoded == 0
    with Store(store_path) as store:
        regions_of = {r.place.name: r.regions for r in load_map_data(store).places}
    assert regions_of["Odesa"] == () and regions_of["Valencia"] == ("iberia",)


def test_parse_paths_yields_regions_per_mention_and_reports_bad_files(mapped_project):
    bad = write(mapped_project / "articles" / "zero.txt", b"")
    errors: list[str] = []
    results = list(parse_paths([mapped_project / "articles", mapped_project / "nothing.md"],
                               _config(mapped_project), on_error=errors.append))
    assert [a.source for a, _, _ in results] == [str(mapped_project / "articles" / "odesa.txt"),
                                                 str(mapped_project / "articles" / "valencia.md")]
    assert errors == [f"{bad}: empty article (no text)", f"{mapped_project / 'nothing.md'}: no such file or folder"]
    for article, mentions, regions in results:
        assert len(regions) == len(mentions) and all(r == () for r in regions)
        assert all(article.text[m.start:m.end] == m.text for m in mentions)


def test_parse_of_a_folder_skips_symlinks_leading_out_of_it(mapped_project):
    secret = write(mapped_project / "outside" / "secret.txt", THIRD)
    os.symlink(secret, mapped_project / "articles" / "link.txt")
    os.symlink(mapped_project / "outside", mapped_project / "articles" / "linked")
    errors: list[str] = []
    results = list(parse_paths([mapped_project / "articles"], _config(mapped_project),
                               on_error=errors.append))
    assert [a.source for a, _, _ in results] == [str(mapped_project / "articles" / "odesa.txt"),
                                                 str(mapped_project / "articles" / "valencia.md")]
    assert errors == []


def test_editing_a_layer_file_named_in_regions_yaml_recomputes_memberships(mapped_project):
    def polygon(west, south, east, north):
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"name": "area"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}]})

    area = write(mapped_project / "config" / "layers" / "area.geojson", polygon(29.5, 45.5, 32.5, 47.5))
    write(mapped_project / "config" / "regions.yaml",
          "layers:\n  - name: area\n    sources:\n      - geojson: layers/area.geojson\n")
    write_config(mapped_project, _gazetteer(mapped_project), regions="regions.yaml")
    refresh(_config(mapped_project))
    store_path = mapped_project / ".geomap" / "geomap.sqlite"
    with Store(store_path) as store:
        assert {r.place.name: r.regions for r in load_map_data(store).places}["Odesa"] == ("area",)
    assert refresh(_config(mapped_project)).rendered is False      # nothing changed: no render

    write(area, polygon(-10, 36, 3.5, 44))                        # moved to Spain
    summary = refresh(_config(mapped_project))
    assert summary.rendered
    with Store(store_path) as store:
        regions_of = {r.place.name: r.regions for r in load_map_data(store).places}
    assert regions_of["Odesa"] == () and regions_of["Valencia"] == ("area",)


def test_a_layer_file_named_with_a_tilde_is_fingerprinted(project, monkeypatch):
    from geomap.pipeline.stages import Stages

    monkeypatch.setenv("HOME", str(project / "home"))
    area = write(project / "home" / "gis" / "x.geojson", '{"type": "FeatureCollection", "features": []}')
    write(project / "config" / "regions.yaml",
          "layers:\n  - name: x\n    sources:\n      - geojson: ~/gis/x.geojson\n")
    write(project / "config" / "geomap.yaml", "regions:\n  file: regions.yaml\n")
    before = Stages(_config(project)).regions_fingerprint()
    write(area, '{"type": "FeatureCollection", "features": [], "name": "edited"}')
    assert Stages(_config(project)).regions_fingerprint() != before


def test_the_offline_geocoder_slot_is_none_and_opens_no_cache(project):
    """Offline (the default), the geocoder is None, decided once, and ``geomap parse`` creates
    no store file for a cache it does not need."""
    from geomap.pipeline.stages import Stages

    config = _config(project)
    stage = Stages(config)
    try:
        assert stage.geocoder is None and stage.geocoder is None
        assert "geocode_cache" not in vars(stage)
    finally:
        stage.close()
    assert not config.resolve(config.store_path).exists()


# --- online geocoder over loopback HTTP: cached answers, no repeated queries ------------------

def _nominatim_reply(request, outage: set[str]):
    from tests.loopback import Reply

    query = request.arg("q") or ""
    if query.split(",")[0] in outage:
        return Reply(status=500, body="overloaded")
    if not query.startswith("Odesa"):
        return Reply.json([])                                   # a definite "not found"
    return Reply.json([{
        "place_id": 1, "osm_type": "relation", "osm_id": 1413934, "lat": "46.4843", "lon": "30.7326",
        "class": "place", "type": "city", "addresstype": "city", "name": "Odesa",
        "display_name": "Odesa, Odesa Oblast, Ukraine", "importance": 0.7,
        "address": {"city": "Odesa", "state": "Odesa Oblast", "country": "Ukraine", "country_code": "ua"},
    }])


def _use_nominatim(project, gazetteer_path, server) -> None:
    """The project's config: Nominatim on the loopback ``server``, no waiting, no retries."""
    write_config(project, gazetteer_path, (
        "geocoder:\n  service: nominatim\n"
        f"  options: {{user_agent: 'geomap-tests/1.0 (tests@example.org)', domain: '{server.netloc}',"
        " scheme: http}\n"
        "  min_delay_seconds: 0.0\n  error_wait_seconds: 0.0\n  max_retries: 0\n"))


def test_online_geocoder_answers_are_cached_across_refreshes(project, gazetteer_path):
    from tests.loopback import LoopbackServer

    outage = {"Geneva"}
    with LoopbackServer() as server:
        server.add("/search", lambda request: _nominatim_reply(request, outage))
        _use_nominatim(project, gazetteer_path, server)
        first = refresh(_config(project))
        asked = [r.arg("q") for r in server.requests]
        assert asked and len(asked) == len(set(asked))         # each distinct query once
        assert first.errors == () and first.new == 2
        with Store(project / ".geomap" / "geomap.sqlite") as store:
            odesa = next(r.place for r in load_map_data(store).places if r.place.name == "Odesa")
        assert odesa.id.startswith("nominatim:") and abs(odesa.lat - 46.4843) < 1e-6

        second = refresh(_config(project))
        assert second.nothing_new and second.geocoded == 0
        assert len(server.requests) == len(asked)              # not one network call

        write(project / "articles" / "geneva.txt", THIRD)
        third = refresh(_config(project))
        new_queries = [r.arg("q") for r in server.requests[len(asked):]]
        assert new_queries and not set(new_queries) & set(asked)  # cached answers are not asked again
        assert third.new == 1
        assert any("Geneva" in e for e in third.errors)         # the outage is reported ...
        with Store(project / ".geomap" / "geomap.sqlite") as store:
            geneva = next(r.place for r in load_map_data(store).places if r.place.name == "Geneva")
        assert geneva.id.startswith("geonames:")                # ... and the offline place kept

        outage.clear()                                          # ... until the outage is over
        before = len(server.requests)
        fourth = refresh(_config(project))
        assert (fourth.new, fourth.changed, fourth.reparsed, fourth.errors) == (0, 0, 1, ())
        retried = [r.arg("q") for r in server.requests[before:]]
        assert retried and all(q.startswith("Geneva") for q in retried)   # only the failed query
        assert refresh(_config(project)).nothing_new


FRONT = ("Fighting near Bakhmut\n\nUkrainian troops advanced near the village of Klishchiivka, south of "
         "Bakhmut in Donetsk Oblast, Ukraine.\n")


def _village_reply(request, down: list[bool]):
    from tests.loopback import Reply

    query = request.arg("q") or ""
    if not query.startswith("Klishchiivka"):
        return Reply.json([])                                   # nothing else is refined here
    if down[0]:
        return Reply(status=503, body="down for maintenance")
    return Reply.json([{
        "place_id": 7, "osm_type": "node", "osm_id": 337733, "lat": "48.5336", "lon": "37.9697",
        "class": "place", "type": "village", "addresstype": "village", "name": "Klishchiivka",
        "display_name": "Klishchiivka, Bakhmut Raion, Donetsk Oblast, Ukraine", "importance": 0.3,
        "address": {"village": "Klishchiivka", "state": "Donetsk Oblast", "country": "Ukraine",
                    "country_code": "ua"},
    }])


def test_after_an_outage_only_the_articles_with_names_left_unplaced_are_parsed_again(
        project, gazetteer_path):
    """Issue 15: a name the gazetteer lacks goes online; while the service is down it stays
    unplaced (reported, never cached as "not found"), and the next refresh parses that article
    again, and only it, asking only for that name."""
    from tests.loopback import LoopbackServer

    down = [True]
    write(project / "articles" / "front.txt", FRONT)
    with LoopbackServer() as server:
        server.add("/search", lambda request: _village_reply(request, down))
        _use_nominatim(project, gazetteer_path, server)
        first = refresh(_config(project))
        assert first.new == 3 and any("front.txt" in e and "503" in e for e in first.errors)
        with Store(project / ".geomap" / "geomap.sqlite") as store:
            assert "Klishchiivka" in {u.name for u in store.unplaced_names()}
        asked = len(server.requests)

        down[0] = False
        second = refresh(_config(project))
        assert (second.new, second.changed, second.reparsed, second.errors) == (0, 0, 1, ())
        again = [r.arg("q") for r in server.requests[asked:]]
        assert again and all(q.startswith("Klishchiivka") for q in again)   # only that name
        with Store(project / ".geomap" / "geomap.sqlite") as store:
            village = next(r.place for r in load_map_data(store).places if r.place.name == "Klishchiivka")
            assert "Klishchiivka" not in {u.name for u in store.unplaced_names()}
        assert village.id == "nominatim:node/337733" and village.kind == "city"
        assert refresh(_config(project)).nothing_new                        # settled


# --- incremental outputs ---------------------------------------------------------------------

def _outputs(out: Path) -> dict[str, bytes]:
    """Every page and data file of ``out`` (map.html as its data payload: folium ids are random)."""
    files = {}
    for p in out.rglob("*"):
        if p.is_file() and "sqlite" not in p.name and not p.name.startswith("."):
            data = p.read_bytes()
            if p.name == "map.html":
                data = re.search(rb'id="geomap-data">(.*?)</script>', data, re.S).group(1)
            if p.name in ("mentions.csv", "mentions.jsonl"):   # appended rows come last
                lines = data.splitlines(keepends=True)
                head = lines[:1] if p.name.endswith(".csv") else []
                data = b"".join(head + sorted(lines[len(head):]))
            files[p.relative_to(out).as_posix()] = data
    return files


def test_an_incremental_render_equals_a_full_one_and_changes_fall_back_to_full(mapped_project):
    config = _config(mapped_project)
    refresh(config)
    out = mapped_project / "output"
    pages_before = {p: p.stat().st_mtime_ns for p in (out / "articles").glob("*.html")}
    place_pages_before = {p: p.stat().st_mtime_ns for p in (out / "places").glob("*.html")}
    exports_before = (out / "mentions.csv").read_bytes()
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    assert refresh(config).rendered
    assert {p: p.stat().st_mtime_ns for p in pages_before} == pages_before     # not rewritten
    exports_after = (out / "mentions.csv").read_bytes()         # the new rows appended
    assert exports_after.startswith(exports_before) and b"\ngeneva-" in exports_after[len(exports_before) - 1:]
    # Only the pages of places the new article mentions are rewritten (or added).
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        data = load_map_data(store)
    geneva_id = next(a for a in data.articles if a.startswith("geneva"))
    named = {r.place.id for r in data.places if any(m.article_id == geneva_id for m in r.mentions)}
    rewritten = {p for p, t in place_pages_before.items() if p.stat().st_mtime_ns != t}
    from geomap.render.place_page import place_page_name
    assert named and {p.stem for p in rewritten} <= {place_page_name(i) for i in named}
    assert len(rewritten) < len(place_pages_before)
    full = mapped_project / "full"
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        write_outputs(store, full, config, [])
    assert same_outputs(_outputs(out), _outputs(full))   # the new article's number appended

    (mapped_project / "articles" / "geneva.txt").write_text(THIRD.replace("Warsaw", "Lima"))
    (mapped_project / "articles" / "valencia.md").unlink()
    summary = refresh(config)
    assert (summary.changed, summary.deleted) == (1, 1)
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        write_outputs(store, full, config, [])
    assert _outputs(out) == _outputs(full)


def same_outputs(got: dict[str, bytes], want: dict[str, bytes]) -> bool:
    """``_outputs`` equal but for article numbers in map.html's payload (``by_article``)."""
    got, want = dict(got), dict(want)
    return (by_article(json.loads(got.pop("map.html"))) == by_article(json.loads(want.pop("map.html")))
            and got == want)


def test_a_faulty_geocoder_never_stops_the_refresh_and_its_errors_are_not_cached(project, gazetteer_path):
    """Garbage JSON, a 429 and a timeout in one refresh: it finishes with the offline places,
    reports each failure, and the next refresh (service healthy) asks those queries again."""
    from tests.loopback import LoopbackServer, Reply

    healthy = []

    def reply(request):
        query = request.arg("q") or ""
        if healthy:
            return Reply.json([])
        if query.startswith("Odesa"):
            return Reply(body="{not json", headers={"Content-Type": "application/json"})
        if query.startswith("Valencia"):
            return Reply(status=429, headers={"Retry-After": "0"})
        if query.startswith("Madrid"):
            return Reply.json([], delay=2.0)
        return Reply.json([])

    with LoopbackServer() as server:
        server.add("/search", reply)
        write_config(project, gazetteer_path, (
            "geocoder:\n  service: nominatim\n"
            f"  options: {{user_agent: 'geomap-tests/1.0 (tests@example.org)', domain: '{server.netloc}',"
            " scheme: http}\n"
            "  min_delay_seconds: 0.0\n  error_wait_seconds: 0.0\n  max_retries: 1\n  timeout: 0.5\n"))
        first = refresh(_config(project))
        assert first.new == 2 and first.rendered
        assert len(first.errors) >= 2 and all(": nominatim: " in e for e in first.errors)
        assert any("odesa.txt" in e for e in first.errors) and any("429" in e for e in first.errors)
        with Store(project / ".geomap" / "geomap.sqlite") as store:
            names = {r.place.name for r in load_map_data(store).places}
            assert {"Odesa", "Valencia"} <= names                    # offline answers kept
            hashes = store.article_hashes()
            again = store.parse_again_ids()
        assert again == set(hashes) and len(again) == 2     # marked to be parsed again ...
        assert all(len(h) == 64 and ":" not in h for h in hashes.values())   # ... the hashes clean
        failed_queries = {r.arg("q") for r in server.requests}

        healthy.append(True)
        second = refresh(_config(project))
        assert second.reparsed == 2 and second.errors == ()
        asked_again = {r.arg("q") for r in server.requests[len(failed_queries):]}
        assert any(q.startswith("Odesa") for q in asked_again)        # the error was not cached
        assert refresh(_config(project)).nothing_new


# --- file stamps: unchanged files are not read ----------------------------------------------------

def _age(*paths: Path, seconds: int = 3600) -> None:
    """Date the files back, as an inbox's files are by the time a later refresh runs."""
    then = time.time_ns() - seconds * 10**9
    for path in paths:
        os.utime(path, ns=(then, then))



def _stamps(root: Path) -> dict:
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        return {aid.split("-")[0]: stamp for aid, stamp in store.file_stamps().items()}


def test_an_unchanged_file_is_not_read_again(mapped_project, monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    assert refresh(_config(mapped_project)).new == 2
    stamps = _stamps(mapped_project)
    assert {k: (s.size, s.mtime_ns) for k, s in stamps.items()} == {
        p.stem: (p.stat().st_size, p.stat().st_mtime_ns) for p in articles.iterdir()}
    read = count_reads(monkeypatch)
    summary = refresh(_config(mapped_project))
    assert read == [] and summary.nothing_new and (summary.unchanged, summary.failed) == (2, 0)

    write(articles / "geneva.txt", THIRD)              # a new file is read; the others still not
    summary = refresh(_config(mapped_project))
    assert read == ["geneva.txt"] and (summary.new, summary.unchanged) == (1, 2)
    (articles / "geneva.txt").unlink()                 # and a deleted one is still forgotten
    assert refresh(_config(mapped_project)).deleted == 1


def test_a_copy_of_an_unread_file_is_still_a_duplicate(mapped_project, monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    refresh(_config(mapped_project))
    read = count_reads(monkeypatch)
    write(mapped_project / "articles" / "copy" / "odesa-again.txt",
          (articles / "odesa.txt").read_text(encoding="utf-8").replace("\n\n", "\n"))
    summary = refresh(_config(mapped_project))
    assert read == ["odesa-again.txt"]
    assert (summary.new, summary.duplicates, summary.unchanged) == (0, 1, 2)


def test_a_same_size_rewrite_with_the_old_mtime_is_caught_while_the_stamp_is_fresh(
        mapped_project, monkeypatch):
    """The racy case: a rewrite within the mtime granularity keeps size and mtime. A stamp is only
    recorded once the mtime is RACY_NS older than a refresh's start, so a fresh file is hashed.
    (Widened here so a slow test machine cannot let the file settle during the test.)"""
    monkeypatch.setattr(geomap.pipeline.plan, "RACY_NS", 600 * 10**9)
    odesa = mapped_project / "articles" / "odesa.txt"
    _age(mapped_project / "articles" / "valencia.md")
    refresh(_config(mapped_project))
    assert set(_stamps(mapped_project)) == {"valencia"}        # odesa.txt was written just now
    mtime = odesa.stat().st_mtime_ns
    before = odesa.read_bytes()
    odesa.write_bytes(before.replace(b"Istanbul", b"Ankara!!"))
    os.utime(odesa, ns=(mtime, mtime))
    assert odesa.stat().st_size == len(before)
    summary = refresh(_config(mapped_project))
    assert (summary.changed, summary.unchanged) == (1, 1)
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        assert "Ankara!!" in next(t for _, t in store.article_texts() if "Odesa" in t)


def test_a_touched_file_with_the_same_bytes_is_unchanged_and_restamped(mapped_project, monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    refresh(_config(mapped_project))
    _age(articles / "odesa.txt", seconds=600)                  # touched: later mtime, same bytes
    read = count_reads(monkeypatch)
    summary = refresh(_config(mapped_project))
    assert read == ["odesa.txt"]
    assert summary.nothing_new and (summary.unchanged, summary.reparsed) == (2, 0)
    assert not summary.rendered
    assert _stamps(mapped_project)["odesa"].mtime_ns == (articles / "odesa.txt").stat().st_mtime_ns
    assert refresh(_config(mapped_project)).nothing_new and read == ["odesa.txt"]


def test_an_unreadable_file_with_a_matching_stamp_keeps_its_stored_version(mapped_project,
                                                                           monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    refresh(_config(mapped_project))

    def refuse(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(geomap.pipeline.execute, "read_stamped", refuse)
    summary = refresh(_config(mapped_project))
    assert summary.nothing_new and (summary.unchanged, summary.failed, summary.deleted) == (2, 0, 0)


def test_a_changed_pin_rereads_only_the_files_naming_it(mapped_project, monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    refresh(_config(mapped_project))
    read = count_reads(monkeypatch)
    write_config(mapped_project, _gazetteer(mapped_project),
                 "parse:\n  pin:\n    Seville: {lat: 10.0, lon: 20.0}\n")
    summary = refresh(_config(mapped_project))
    assert read == ["valencia.md"] and summary.reparsed == 1
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        seville = [r.place for r in load_map_data(store).places if r.place.name == "Seville"]
    assert [(p.lat, p.lon) for p in seville] == [(10.0, 20.0)]
    write_config(mapped_project, _gazetteer(mapped_project), "parse:\n  min_score: 0.01\n")
    assert refresh(_config(mapped_project)).reparsed == 2 and len(read) == 3   # every file again


def test_a_store_from_before_stamps_hashes_every_file_once(mapped_project, monkeypatch):
    articles = mapped_project / "articles"
    _age(articles / "odesa.txt", articles / "valencia.md")
    refresh(_config(mapped_project))
    db = sqlite3.connect(mapped_project / ".geomap" / "geomap.sqlite")    # back to schema 1
    for trigger in ("insert", "delete", "update", "dated"):             # (undo "fulltext")
        db.execute(f"DROP TRIGGER articles_fts_{trigger}")
    db.execute("DROP TABLE articles_fts")
    db.execute("DROP TABLE fts_rows")
    db.execute("DROP INDEX articles_stamps")                            # (undo "stamps_index")
    for trigger in ("insert", "update", "delete"):                      # (undo "articles_generation")
        db.execute(f"DROP TRIGGER articles_generation_{trigger}")
    db.execute("DROP TABLE articles_generation")
    db.execute("DROP TABLE render_articles")                            # (undo "render_cache")
    db.execute("DROP TABLE render_cache")
    for column in ("size", "mtime_ns", "text_key", "parse_again"):
        db.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    db.execute("DELETE FROM schema_version WHERE version > 1")
    db.commit()
    db.close()
    read = count_reads(monkeypatch)
    summary = refresh(_config(mapped_project))
    assert sorted(read) == ["odesa.txt", "valencia.md"] and summary.nothing_new
    assert set(_stamps(mapped_project)) == {"odesa", "valencia"}
    assert refresh(_config(mapped_project)).nothing_new and len(read) == 2


def test_changed_map_settings_rewrite_the_map_not_the_pages(mapped_project, gazetteer_path):
    """map.assets, tiles, pop-up passages: only map.html (and its assets) change (issue 13)."""
    refresh(_config(mapped_project))
    out = mapped_project / "output"
    pages = sorted(p for folder in ("articles", "places") for p in (out / folder).glob("*.html"))
    exports = [out / "mentions.csv", out / "mentions.jsonl", out / "places.geojson"]
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pages + exports}
    map_before = (out / "map.html").read_bytes()
    write_config(mapped_project, gazetteer_path,
                 "map:\n  assets: local\n  tiles: none\n  max_passages: 2\n")
    summary = refresh(_config(mapped_project))
    assert summary.rendered and summary.nothing_new
    assert pages and {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in stamps} == stamps
    assert (out / "map.html").read_bytes() != map_before
    assets = sorted((out / "assets").iterdir())
    assert assets and all(f'"assets/{a.name}"' in (out / "map.html").read_text("utf-8")
                          for a in assets)
    write_config(mapped_project, gazetteer_path, "map:\n  assets: inline\n  tiles: none\n")
    assert refresh(_config(mapped_project)).rendered
    assert not any((out / "assets").glob("*"))             # the assets it no longer links to
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in stamps} == stamps
    full = mapped_project / "full"
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        write_outputs(store, full, _config(mapped_project), [])
    assert _outputs(out) == _outputs(full)          # the same outputs as a render from scratch
    # The title is on every page: changing it rewrites them.
    write_config(mapped_project, gazetteer_path, "map:\n  title: Elsewhere\n  tiles: none\n")
    assert refresh(_config(mapped_project)).rendered
    assert all("Elsewhere" in p.read_text("utf-8") for p in pages)


def test_exports_changed_behind_geomaps_back_are_rewritten_not_appended_to(mapped_project):
    config = _config(mapped_project)
    refresh(config)
    out = mapped_project / "output"
    with open(out / "mentions.csv", "a", encoding="utf-8") as f:
        f.write("half a row")                       # a crash mid-append, or an edit
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    assert refresh(config).rendered
    text = (out / "mentions.csv").read_text("utf-8")
    assert "half a row" not in text
    import csv
    import io

    ids = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert ids == sorted(ids) and any(i.startswith("geneva-") for i in ids)     # a full rewrite


_SAMPLES = Path(__file__).resolve().parent.parent / "articles"
_REGIONS = ("layers:\n  - name: two\n    label: Two boxes\n    sources:\n"
            "      - {bbox: [22, 44, 33, 52.5], name: west}\n"
            "      - {bbox: [33, 44, 41, 52.5], name: east}\n"
            "  - name: us\n    sources:\n      - bbox: [-125, 24, -66, 50]\n")


def _sample_project(root: Path, gazetteer: Path, names: list[str]) -> Path:
    for name in names:
        write(root / "articles" / name, (_SAMPLES / name).read_text(encoding="utf-8"))
    write(root / "config" / "regions.yaml", _REGIONS)
    write_config(root, gazetteer, "map:\n  max_passages: 2\n", regions="regions.yaml")
    return root


@pytest.mark.parametrize("embedded", [False, True], ids=["chunked", "embedded"])
def test_refreshes_adding_articles_end_as_a_cold_build_of_the_same_articles(
        tmp_path, gazetteer_path, monkeypatch, embedded):
    """Issue 13: a render after new articles (dated between, before and after the others, so
    every article's number shifts) writes outputs identical to a cold build over the same
    articles: the map's data with its passages embedded or in chunk files, every chunk, page
    and export."""
    from conftest import DEFAULT_INLINE_PASSAGE_CHARS

    if embedded:
        monkeypatch.setattr("geomap.render.passages.INLINE_PASSAGE_CHARS",
                            DEFAULT_INLINE_PASSAGE_CHARS)
    names = sorted(p.name for p in _SAMPLES.iterdir() if p.suffix in (".txt", ".md"))
    assert len(names) >= 8
    steps = [names[2:5], names[2:5] + [names[0], names[7]], names]  # older, newer, the rest
    grown = tmp_path / "grown"
    for step in steps:
        _sample_project(grown, gazetteer_path, step)
        summary = refresh(_config(grown))
        assert summary.rendered and not summary.errors
    cold = _sample_project(tmp_path / "cold", gazetteer_path, names)
    assert refresh(_config(cold)).new == len(names)
    got, want = _outputs(grown / "output"), _outputs(cold / "output")
    assert got.keys() == want.keys()
    assert any(k.startswith("passages/") for k in want) != embedded
    # Article numbers are stable (a refresh appends the new ones): the same data with each
    # number read as its article; the numbers themselves differ (the older article came last).
    grown_data, cold_data = json.loads(got.pop("map.html")), json.loads(want.pop("map.html"))
    assert grown_data["articles"] != cold_data["articles"]
    assert by_article(grown_data) == by_article(cold_data)
    assert got == want


def by_article(payload: dict) -> dict:
    """A map payload with article numbers replaced by the articles' rows (and the articles
    table sorted): what stays equal however the articles were numbered."""
    arts = [tuple(row) for row in payload["articles"]]
    out = dict(payload, articles=sorted(arts))
    places = []
    for row in payload["places"]:
        links, number = [], 0
        for link in row[12]:
            step, m, p = (link, 1, 1) if isinstance(link, int) else link
            number += step
            links.append((arts[number], m, p))
        places.append(row[:12] + [sorted(links)] + row[13:])
    out["places"] = places
    out["unplaced"] = [[name, sorted((arts[flat[i]], flat[i + 1], flat[i + 2])
                                     for i in range(0, len(flat), 3))]
                       for name, flat in payload["unplaced"]]
    return out


def test_a_new_cutting_of_place_pages_renders_everything_once(tmp_path, gazetteer_path,
                                                             monkeypatch):
    """``PAGINATION`` (``geomap._names``, what ``place_page`` cuts by) is in the fingerprints: with nothing new, a changed cutting
    renders every page again (the old pages' names may no longer exist), then nothing."""
    import geomap._names

    names = sorted(p.name for p in _SAMPLES.iterdir() if p.suffix in (".txt", ".md"))[:3]
    root = _sample_project(tmp_path / "p", gazetteer_path, names)
    assert refresh(_config(root)).rendered
    assert not refresh(_config(root)).rendered
    page = next((root / "output" / "places").glob("*.html"))
    os.utime(page, ns=(0, 0))
    monkeypatch.setattr(geomap._names, "PAGINATION", geomap._names.PAGINATION + "-next")
    summary = refresh(_config(root))
    assert summary.rendered and page.stat().st_mtime_ns != 0
    assert not refresh(_config(root)).rendered
