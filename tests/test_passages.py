"""The pop-ups' passages live in chunk files beside map.html (render/passages.py), not in it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import geomap.render.passages
from geomap.config import default_config, load_config
from geomap.errors import ConfigError
from geomap.model import Place
from geomap.pipeline import refresh
from geomap.render import MapData, PlaceRecord, render_outputs
from geomap.render.data import load_map_data
from geomap.render.manifest import OutputFolder
from geomap.render.passages import chunk_count, chunk_of, chunk_rel, unchanged
from geomap.store import Store

from conftest import DEFAULT_INLINE_PASSAGE_CHARS, write
from test_render import chunk_for, make_article, make_data, payload, quotes

TOWNS = {f"Town{i:03d}": Place(f"test:town-{i:03d}", f"Town{i:03d}", 40 + i / 50, 20 + i / 50,
                               "UA", "city", 1000 + i, "") for i in range(100)}


def town_data(specs: list[tuple[str, list[str], str]]) -> MapData:
    """MapData from ``(id, paragraphs, date)``: every ``TownNNN`` written is a mention."""
    articles, mentions = {}, {}
    for article_id, paragraphs, published in specs:
        record, by_place = make_article(article_id, paragraphs, title=f"Title {article_id}",
                                        published=published, places=TOWNS)
        articles[article_id] = record
        for place_id, ms in by_place.items():
            mentions.setdefault(place_id, []).extend(ms)
    return MapData([PlaceRecord(p, (), mentions[p.id]) for p in TOWNS.values() if p.id in mentions],
                   articles)


def specs(filler: str = "filler") -> list[tuple[str, list[str], str]]:
    """50 dated articles, each naming two towns (every town named once)."""
    return [(f"art-{i:02d}-0000000{i % 10}",
             [f"Title {i}", f"In Town{2 * i:03d} {filler} and Town{2 * i + 1:03d} {filler}."],
             f"2024-01-{1 + i % 28:02d}") for i in range(50)]


def chunks(folder: Path) -> dict[str, bytes]:
    """The chunk files (not their search index, passages/index.js)."""
    return {p.name: p.read_bytes() for p in sorted((folder / "passages").glob("[0-9]*.js"))}


def test_map_html_does_not_grow_with_the_quoted_passages(tmp_path):
    config = default_config(tmp_path)
    short, long = tmp_path / "short", tmp_path / "long"
    render_outputs(town_data(specs()), short, config, [])
    render_outputs(town_data(specs("filler " * 60 + "Zyxwvut")), long, config, [])
    short_map = (short / "map.html").read_bytes()
    # 50x the passage text, the same map (but for folium's random element names)
    assert len(short_map) == len((long / "map.html").read_bytes())
    assert payload(short_map.decode("utf-8")) == payload((long / "map.html").read_text("utf-8"))
    assert b"Zyxwvut" not in (long / "map.html").read_bytes()
    assert sum(len(b) for b in chunks(long).values()) > 2 * sum(len(b) for b in chunks(short).values())
    assert any(b"Zyxwvut" in text for text in chunks(long).values())
    data = payload(short_map.decode("utf-8"))
    assert "texts" not in data and "passages" not in data      # the passages are only in chunks
    assert data["chunks"] == chunk_count(100) == 4
    assert len(chunks(short)) == 4                                 # 100 towns, ~32 a chunk
    town = TOWNS["Town007"]
    assert [row for row in data["places"] if row[0] == town.id][0][9] == chunk_of(town.id, 4)
    first = quotes(data, town.id, short)[0]
    assert data["articles"][first[0]][0] == "art-03-00000003"
    raw = chunk_for(data, town.id, short)
    assert raw["places"][town.id][0][0] == "art-03-00000003"      # by page, not by number
    assert raw["texts"][raw["places"][town.id][0][2]] == first[2] == "In Town006 filler and Town007 filler."


def test_a_newer_article_changes_only_the_chunk_of_the_place_it_names(tmp_path):
    """Chunks name articles by page, not by the map's article number (which a newer article
    shifts for every older one): a chunk's bytes change only when its places' passages do."""
    config = default_config(tmp_path)
    before, after = tmp_path / "before", tmp_path / "after"
    render_outputs(town_data(specs()), before, config, [])
    newer = specs() + [("art-new-00000099", ["Newest", "Back in Town042 today."], "2024-06-01")]
    render_outputs(town_data(newer), after, config, [])
    assert payload((before / "map.html").read_text("utf-8")) != payload(
        (after / "map.html").read_text("utf-8"))                 # every article number shifted
    old, new = chunks(before), chunks(after)
    changed = {name for name in old if old[name] != new[name]}
    assert changed == {Path(chunk_rel(chunk_of(TOWNS["Town042"].id, 4))).name}
    assert len(old) == len(new) == 4


def test_the_embedded_passages_of_a_map_without_a_folder(tmp_path):
    from geomap.render.map import render_map

    data = payload(render_map(town_data(specs()), default_config(tmp_path), []))
    assert sorted(data["passages"]) == ["0", "1", "2", "3"]
    assert quotes(data, TOWNS["Town099"].id)[0][2].startswith("In Town098")


def test_unchanged_compares_bytes_and_refuses_links(tmp_path):
    a, b, c = tmp_path / "a.js", tmp_path / "b.js", tmp_path / "c.js"
    a.write_text("x();")
    b.write_text("x();")
    c.write_text("y();")
    assert unchanged(a, b) and not unchanged(a, c) and not unchanged(a, tmp_path / "none.js")
    os.symlink(b, tmp_path / "link.js")
    assert not unchanged(a, tmp_path / "link.js")


def test_a_refresh_replaces_only_the_chunks_whose_places_changed(mapped_project, monkeypatch):
    monkeypatch.setattr(geomap.render.passages, "PLACES_PER_CHUNK", 1)   # ~a chunk per place
    config = _config(mapped_project)
    refresh(config)
    out = mapped_project / "output"
    first = {p.name: p.stat().st_ino for p in (out / "passages").glob("[0-9]*.js")}
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        ids = {r.place.name: r.place.id for r in load_map_data(store).places}
    count = chunk_count(len(ids))
    odesa = Path(chunk_rel(chunk_of(ids["Odesa"], count))).name
    others = {Path(chunk_rel(chunk_of(i, count))).name for n, i in ids.items() if n != "Odesa"}
    assert odesa in first and others - {odesa}, "the test needs chunks without Odesa"
    manifest = (out / ".geomap-outputs.json").read_text(encoding="utf-8")
    assert all(f"passages/{name}" in manifest for name in first)   # geomap's own files

    write(mapped_project / "articles" / "odesa-again.txt",
          "Odesa port reopens\n\nShips left Odesa again on Monday.\n")
    summary = refresh(config)
    assert summary.new == 1 and summary.rendered
    second = {p.name: p.stat().st_ino for p in (out / "passages").glob("[0-9]*.js")}
    assert second.keys() == first.keys()
    replaced = {name for name in first if first[name] != second[name]}
    assert replaced == {odesa}
    text = (out / "passages" / odesa).read_text(encoding="utf-8")
    assert "Ships left Odesa again" in text


def _config(root: Path):
    return load_config(None, root)


def test_chunks_beside_a_map_from_before_the_manifest_are_adopted_and_others_are_not(tmp_path):
    render_outputs(town_data(specs()), tmp_path, default_config(tmp_path), [])
    assert len(chunks(tmp_path)) == 4                           # no manifest written by render
    OutputFolder(tmp_path).check()                              # every chunk recognised
    write(tmp_path / "passages" / "notes.js", "alert(1);")
    write(tmp_path / "passages" / "9.js", "geomapPassages(1,{});")   # not what its name says
    (tmp_path / ".geomap-outputs.json").unlink()
    with pytest.raises(ConfigError) as error:
        OutputFolder(tmp_path).check()
    assert "passages/9.js" in str(error.value) and "passages/notes.js" in str(error.value)
    assert "passages/0.js" not in str(error.value)


def test_a_small_map_keeps_its_passages_and_a_big_one_writes_chunks(tmp_path, monkeypatch):
    """Up to ``INLINE_PASSAGE_CHARS`` quoted characters the passages stay in map.html (no
    chunk file, no 'self' script in the CSP: the map's passage search needs nothing more);
    above, they go to chunk files."""
    import geomap.render.passages as passages

    data = make_data([("a-00000001", ["Shelling in Kherson and Kyiv."], "Kherson", "2024-01-02")])
    monkeypatch.setattr(passages, "INLINE_PASSAGE_CHARS", DEFAULT_INLINE_PASSAGE_CHARS)
    small = tmp_path / "small"
    render_outputs(data, small, default_config(small), [])
    page = (small / "map.html").read_text(encoding="utf-8")
    assert not (small / "passages").exists() and "passages" in payload(page)
    assert "script-src 'self'" not in page and "'self'" not in page.split("script-src", 1)[1].split(";")[0]
    monkeypatch.setattr(passages, "INLINE_PASSAGE_CHARS", 10)     # "big": over the limit
    big = tmp_path / "big"
    render_outputs(data, big, default_config(big), [])
    assert list((big / "passages").glob("*.js")) and "passages" not in payload(
        (big / "map.html").read_text(encoding="utf-8"))
