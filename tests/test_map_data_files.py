"""The payload's parts in data files beside map.html (issue 13, ``render/payload_files.py``): a
cold build writes them as the full render does, and a refresh adding articles writes only the
parts whose content changed, keeps the others in place and leaves no stale part behind."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import geomap.render.payload_parts as payload_parts
from conftest import write
from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.render.manifest import OutputFolder
from geomap.render.payload_files import DataFile, is_data_file, part_name, part_text
from geomap.render.payload_parts import read_payload
from geomap.store import Store
from test_map_cache import _FIRST, _NAMES, _grow, _map_side, _normal, _old_map_side, _project

_SMALL = 1500           # bytes per part: the sample articles make several parts of each table


def _files(out: Path) -> dict[str, os.stat_result]:
    return {p.name: p.stat() for p in sorted((out / "data").iterdir())}


def _named(html: str) -> list[str]:
    return re.findall(r'<script defer src="data/([a-z]+-[0-9a-f]{16}\.js)"></script>', html)


def test_a_data_file_is_named_by_its_content_and_holds_its_part():
    text = '{"articles":[["a","T \\"q\\" \\\\ it\'s","2024-01-01","s"]]}'
    f = DataFile(part_name("articles", text), text)
    assert re.fullmatch(r"articles-[0-9a-f]{16}", f.name) and f.rel == f"data/{f.name}.js"
    assert f.name != part_name("articles", text.replace("T", "U"))
    script = f.script()
    assert script.startswith(f'(window.geomapFiles=window.geomapFiles||{{}})["{f.name}"]=\'')
    assert "it\\'s" in script and part_text(script, f.name) == text
    with pytest.raises(ValueError):
        part_text(script.replace("window", "self"), f.name)
    assert is_data_file(f.rel) and not is_data_file("data/notes.js")
    assert not is_data_file(f"passages/{f.name}.js") and not is_data_file("data/x-1.js")


def test_a_cold_build_writes_the_data_files_the_full_render_writes(tmp_path, gazetteer_path,
                                                                   monkeypatch):
    monkeypatch.setattr(payload_parts, "PART_BYTES", _SMALL)
    root = _project(tmp_path / "p", gazetteer_path, _NAMES)
    config = load_config(None, root)
    refresh(config)
    out = root / "output"
    html = (out / "map.html").read_text(encoding="utf-8")
    assert 'id="geomap-data-1"' not in html and len(_named(html)) >= 5
    assert sorted(_named(html)) == sorted(_files(out))
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        want = _old_map_side(store, config, tmp_path / "old")
    got = _map_side(out)
    assert _normal(got["map.html"]) == _normal(want["map.html"])
    for name in _files(out):
        assert (out / "data" / name).read_bytes() == (tmp_path / "old" / "data" / name).read_bytes()
    assert read_payload(html, out) == read_payload(want["map.html"], tmp_path / "old")
    csp = re.search(r'Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "script-src &#x27;unsafe-inline&#x27; &#x27;self&#x27;;" in csp


def test_a_refresh_adding_articles_rewrites_only_the_parts_that_changed(tmp_path, gazetteer_path,
                                                                        monkeypatch):
    """The articles' complete parts stay in place untouched (same file, never rewritten), one
    deleted by hand comes back; the parts of changed places are new files; the parts no longer
    named are removed and the manifest lists exactly the files map.html names; the payload is
    the one the same refreshes give with the payload inside the page."""
    inline = _project(tmp_path / "inline", gazetteer_path, _FIRST)
    refresh(load_config(None, inline))
    monkeypatch.setattr(payload_parts, "PART_BYTES", 150)
    root = _project(tmp_path / "p", gazetteer_path, _FIRST)
    config = load_config(None, root)
    refresh(config)
    out = root / "output"
    before = _files(out)
    articles = [n for n in _named((out / "map.html").read_text(encoding="utf-8"))
                if n.startswith("articles-")]                # in order: the last may grow
    assert len(articles) >= 3
    kept, lost = articles[:-1], articles[0]
    (out / "data" / lost).unlink()
    for folder in (root, inline):
        _grow(folder, gazetteer_path)
    summary = refresh(config)
    assert summary.rendered and summary.new == len(_NAMES) - len(_FIRST) + 1
    after = _files(out)
    html = (out / "map.html").read_text(encoding="utf-8")
    assert sorted(_named(html)) == sorted(after)            # none stale, none missing
    owned = OutputFolder(out)
    owned.check()
    assert {r for r in owned.owned if r.startswith("data/")} == {f"data/{n}" for n in after}
    assert lost in after                                    # written again
    for name in kept[1:]:                                   # complete parts: left in place
        assert after[name].st_ino == before[name].st_ino
        assert after[name].st_mtime_ns == before[name].st_mtime_ns
    assert after.keys() - before.keys()                     # changed places: new parts
    assert before.keys() - after.keys() - {lost}            # ... and the old ones removed
    monkeypatch.setattr(payload_parts, "PART_BYTES", 10**9)
    refresh(load_config(None, inline))
    whole = (inline / "output" / "map.html").read_text(encoding="utf-8")
    assert not (inline / "output" / "data").exists()
    assert read_payload(html, out) == read_payload(whole)
    assert "</script><img" not in "".join(p.read_text(encoding="utf-8")
                                          for p in (out / "data").iterdir())


def test_a_full_render_drops_the_data_files_of_a_map_now_small(tmp_path, gazetteer_path,
                                                              monkeypatch):
    """Parts no longer needed (the payload fits in the page again) are removed; a user's file
    beside them is not."""
    with monkeypatch.context() as m:
        m.setattr(payload_parts, "PART_BYTES", _SMALL)
        root = _project(tmp_path / "p", gazetteer_path, _FIRST,
                        extra="  allow_other_files: true\n")
        config = load_config(None, root)
        refresh(config)
    out = root / "output"
    assert _files(out)
    write(out / "data" / "notes.txt", "mine")
    shutil.rmtree(root / ".geomap")                         # a full render of the same articles
    refresh(config)
    assert [p.name for p in (out / "data").iterdir()] == ["notes.txt"]
    html = (out / "map.html").read_text(encoding="utf-8")
    assert not _named(html) and read_payload(html)["articles"]


def test_a_changed_row_changes_its_own_part_only():
    """Parts end where their rows say (``payload_parts.ends_part``), so a place whose row grows
    (new articles name it) changes its part (or splits it in two), not every part after it."""
    from geomap.render.payload_parts import split_parts

    rows = [[f"geonames:{1000 + i}", "x" * (20 + i % 50), [1, 2, 3]] for i in range(600)]
    before = split_parts({"title": "T", "places": rows}, limit=1500)[1]
    assert len(before) >= 10
    for i in (40, 300, 301, 590):
        grown = [list(r) for r in rows]
        grown[i][2] = grown[i][2] + [4] * 150          # 300 characters more
        after = split_parts({"title": "T", "places": grown}, limit=1500)[1]
        gone = [p for p in before if p not in after]
        new = [p for p in after if p not in before]
        assert len(gone) == 1 and 1 <= len(new) <= 2, i
