"""Opening a big map without a long task, and searching a chunked map (issue 13), in Chromium.

A map whose payload is cut into parts (render/payload_parts.py) must show exactly what the same
map in one piece shows; a chunked map's text search must load only the chunks its 4-gram index
(render/search_index.py, passages/index.js) says can match, and find what loading every chunk
finds. How long the tasks are is measured by benchmarks/bench_map.py, not here.
"""
from __future__ import annotations

import json
import re

import pytest

import geomap.render.payload_parts as payload_parts
from browser_support import missing_tools, wait_js
from geomap.model import Place
from geomap.render import MapData, PlaceRecord, render_outputs
from geomap.render.passages import chunk_count, chunk_of
from geomap.render.payload_parts import read_payload, split_payload
from test_browser import browser_page, chunk_scripts, offline_config, wait_ready  # noqa: F401
from test_passages import TOWNS, specs, town_data
from test_render import HOSTILE, make_article

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")


def test_split_payload_puts_the_big_tables_in_parts_and_read_payload_joins_them():
    payload = {"title": "T", "places": [[f"p{i}", "x" * 50] for i in range(40)],
               "articles": [[f"a{i}", f"{HOSTILE} {i}"] for i in range(30)],
               "passages": {str(n): {"texts": ["y" * 40]} for n in range(6)}, "chunks": 6}
    whole = split_payload(payload, limit=10**9)
    assert len(whole) == 1 and json.loads(whole[0]) == payload
    texts = split_payload(payload, limit=400)
    assert len(texts) > 5
    head = json.loads(texts[0])
    assert head["parts"] == len(texts) - 1 and head["places"] == [] and head["chunks"] == 6
    for text in texts:                                   # each escaped for a <script> element
        assert "<" not in text and "</script" not in text.lower() and "\u2028" not in text
    for text in texts[1:]:                               # one non-empty table per part
        (key, rows), = json.loads(text).items()
        assert key in ("places", "articles", "passages") and rows
    html = payload_parts.data_elements(texts)
    assert html.count("<script") == len(texts)
    assert read_payload(html) == payload


def view(page) -> dict:
    return page.evaluate("""() => ({subset: window.geomap.subset(), shown: window.geomap.shownIds(),
        timeline: window.geomap.timeline(),
        articles: Array.from(document.querySelectorAll('.gm-article-title'), a => a.textContent),
        regions: Array.from(document.querySelectorAll('.gm-regions tr'), r => r.textContent)})""")


def test_a_map_in_parts_shows_what_the_same_map_in_one_piece_shows(tmp_path, browser_page,
                                                                     monkeypatch):
    """In one piece; in parts inside the page (a map saved alone: ``render_map``); in parts in
    data files beside it (``payload_files``: a map written into its folder)."""
    from geomap.render.map import render_map

    data = town_data(specs())
    whole, parted, files = tmp_path / "whole", tmp_path / "parted", tmp_path / "files"
    render_outputs(data, whole, offline_config(whole), [])
    monkeypatch.setattr(payload_parts, "PART_BYTES", 2000)
    render_outputs(data, files, offline_config(files), [])
    parted.mkdir()
    (parted / "map.html").write_text(render_map(data, offline_config(parted), []), encoding="utf-8")
    whole_html = (whole / "map.html").read_text(encoding="utf-8")
    parted_html = (parted / "map.html").read_text(encoding="utf-8")
    files_html = (files / "map.html").read_text(encoding="utf-8")
    assert 'id="geomap-data-1"' not in whole_html and not (whole / "data").exists()
    parts = len(re.findall(r'id="geomap-data-\d+"', parted_html))
    assert parts >= 5                                    # 100 places, 50 articles: several parts
    alone = read_payload(parted_html)
    assert alone.pop("passages") and alone == read_payload(whole_html)   # passages embedded alone
    assert 'id="geomap-data-1"' not in files_html
    scripts = re.findall(r'<script defer src="(data/[a-z]+-[0-9a-f]{16}\.js)"></script>', files_html)
    assert len(scripts) >= 5 and {f"data/{p.name}" for p in (files / "data").iterdir()} == set(scripts)
    assert read_payload(files_html, files) == read_payload(whole_html)
    assert "script-src 'unsafe-inline' 'self';" in files_html.replace("&#x27;", "'")
    assert "'self'" not in parted_html.replace("&#x27;", "'")          # a page alone loads no file

    page = browser_page
    seen = []
    for folder in (whole, parted, files):
        page.goto((folder / "map.html").as_uri())
        wait_ready(page)
        shown = view(page)
        page.evaluate(f"window.geomap.open({TOWNS['Town007'].id!r})")
        popup = page.locator(".leaflet-popup-content .gm-pop")
        popup.locator("ol.gm-quotes").wait_for()
        shown["popup"] = popup.inner_text()
        page.evaluate("window.geomap.filter({from: 19723, to: 19730})")   # 2024-01-01..08
        wait_ready(page)
        shown["filtered"] = view(page)
        seen.append(shown)
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["subset"]["places"] == 100 and len(seen[0]["shown"]) == 100
    assert "In Town006 filler and Town007 filler." in seen[0]["popup"]
    assert 0 < seen[0]["filtered"]["subset"]["places"] < 100
    assert page.problems == [] and page.aborted == []


def chunk_numbers(page) -> set[int]:
    return {int(s.split("/")[1][:-3]) for s in chunk_scripts(page) if s[9:-3].isdigit()}


def test_a_search_loads_only_the_chunks_that_can_hold_the_query(tmp_path, browser_page):
    words = {2: "Zyxwvut", 40: "ΣΤΑΘΜΟΣ", 76: "\U0001F680Ракета"}   # Latin, Greek, emoji+Cyrillic
    data = town_data([(f"art-{i:02d}-0000000{i % 10}",
                       [f"Title {i}", f"In Town{2 * i:03d} filler {words.get(2 * i, '')} and "
                                      f"Town{2 * i + 1:03d} filler."],
                       f"2024-01-{1 + i % 28:02d}") for i in range(50)])
    render_outputs(data, tmp_path, offline_config(tmp_path), [])
    assert (tmp_path / "passages" / "index.js").read_text().startswith("geomapPassageIndex(")
    count = chunk_count(100)
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    assert chunk_scripts(page) == []

    def search(query: str) -> list[str]:
        page.evaluate(f"window.geomap.filter({{q: {json.dumps(query)}}})")
        wait_ready(page)
        return sorted(a.split("/")[-1][:-5] for a in page.evaluate(
            "Array.from(document.querySelectorAll('.gm-article-title'), a => a.getAttribute('href'))"))

    assert search("zyxwvut") == ["art-01-00000001"]      # a word of one passage only
    assert "passages/index.js" in chunk_scripts(page)
    own = {chunk_of(TOWNS[name].id, count) for name in ("Town002", "Town003")}
    assert own <= chunk_numbers(page) and len(chunk_numbers(page)) < count
    assert search("no such words here") == []            # in no passage: no chunk more
    assert chunk_numbers(page) == own or len(chunk_numbers(page)) < count
    assert search("σταθμος") == ["art-20-00000000"]      # final sigma, lower-cased by the browser
    assert search("🚀ракета") == ["art-38-00000008"]     # an astral character (2 UTF-16 units)
    assert search("title art-4") == sorted(f"art-{i:02d}-0000000{i % 10}" for i in range(40, 50))
    assert len(chunk_numbers(page)) < count              # titles need no passages
    assert len(search("filler")) == 50                   # in every passage: every chunk loads
    assert chunk_numbers(page) == set(range(count))
    assert page.problems == [] and page.aborted == []


def test_a_search_finds_what_loading_every_chunk_finds(tmp_path, browser_page):
    """The same queries on the same map with and without its index (a map from before it)."""
    data = town_data(specs())
    render_outputs(data, tmp_path, offline_config(tmp_path), [])
    queries = ["town01", "filler and town", "n town", "title art-1", "ler", "zz", "in town0"]
    page = browser_page
    found = []
    for with_index in (True, False):
        if not with_index:
            (tmp_path / "passages" / "index.js").unlink()
        page.goto((tmp_path / "map.html").as_uri())
        wait_ready(page)
        answers = []
        for query in queries:
            page.evaluate(f"window.geomap.filter({{q: {json.dumps(query)}}})")
            wait_ready(page)
            answers.append(page.evaluate("[window.geomap.subset(), window.geomap.shownIds()]"))
        found.append(answers)
        loaded = chunk_numbers(page)
        assert loaded == set(range(chunk_count(100)))    # "ler", "zz": every chunk
    assert found[0] == found[1]
    assert all(subset["articles"] for subset, _ids in found[0][:5])
    assert page.problems == []


def test_focusing_the_search_box_loads_the_passages_ahead(tmp_path, browser_page):
    render_outputs(town_data(specs()), tmp_path, offline_config(tmp_path), [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    assert chunk_scripts(page) == []                     # nothing of the passages loads with the map
    page.locator(".gm-search input").focus()
    wait_js(page, "document.querySelectorAll('script[src^=\"passages/\"]').length === 5")
    assert chunk_numbers(page) == set(range(chunk_count(100)))
    assert page.problems == [] and page.aborted == []


def test_hostile_text_in_a_part_stays_text(tmp_path, browser_page, monkeypatch):
    places = {"Town000": TOWNS["Town000"]}
    record, by_place = make_article("evil-00000001", [f"Town000 {HOSTILE}", f"In Town000 {HOSTILE}."],
                                    title=f"{HOSTILE} title", published="2024-01-01", places=places)
    data = MapData([PlaceRecord(dataclass_place(HOSTILE), (), by_place[TOWNS["Town000"].id])],
                   {"evil-00000001": record})
    monkeypatch.setattr(payload_parts, "PART_BYTES", 100)
    render_outputs(data, tmp_path, offline_config(tmp_path), [])
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert 'src="data/' in html and "<script>alert(1)" not in html
    parts = [p.read_text(encoding="utf-8") for p in (tmp_path / "data").iterdir()]
    assert len(parts) >= 2 and not any("<script>alert(1)" in p or "<img" in p for p in parts)
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    page.evaluate(f"window.geomap.open({TOWNS['Town000'].id!r})")
    popup = page.locator(".leaflet-popup-content .gm-pop")
    popup.locator("ol.gm-quotes").wait_for()
    assert "<script>alert(1)</script>" in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    assert page.problems == []


def dataclass_place(kind: str) -> Place:
    import dataclasses

    return dataclasses.replace(TOWNS["Town000"], kind=kind)


def test_a_map_missing_a_data_file_says_it_failed(tmp_path, browser_page, monkeypatch):
    """A data file deleted by hand: the map does not start on part of its data, the failure
    box says the script failed, and the error names the file."""
    monkeypatch.setattr(payload_parts, "PART_BYTES", 2000)
    render_outputs(town_data(specs()), tmp_path, offline_config(tmp_path), [])
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    names = re.findall(r'<script defer src="data/([a-z]+-[0-9a-f]{16})\.js"></script>', html)
    assert len(names) >= 5
    (tmp_path / "data" / f"{names[2]}.js").unlink()
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    failed = page.locator("#gm-failed")
    failed.wait_for(state="visible", timeout=10_000)
    assert "The map\u2019s script failed." in failed.inner_text()
    assert page.evaluate("window.geomap.ready") is False
    assert any(names[2] in problem for problem in page.problems)
