"""Orchestration: locking, atomic outputs, incremental refresh, parse_paths."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

import geomap.render
from geomap.articles import read_article
from geomap.config import default_config, load_config
from geomap.errors import LockedError
from geomap.model import Mention, Place
from geomap.pipeline import RefreshSummary, _locked, parse_paths, refresh, write_outputs
from geomap.store import Store

from conftest import THIRD, write

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
    assert str(quiet).endswith("map unchanged (0.0s)")


# --- lock -------------------------------------------------------------------------------------

def test_a_second_refresh_is_refused_while_one_holds_the_lock(project):
    config = default_config(project)
    store = config.resolve(config.store_path)
    with _locked(store):
        with pytest.raises(LockedError, match="another refresh is running") as e:
            refresh(config)
        assert e.value.exit_code == 7
    with _locked(store):            # released: taking it again works
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
    assert (out / "geomap.sqlite").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".render-")]


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

        def half_then_crash(data, out_dir, config, layers):
            (Path(out_dir) / "map.html").write_text("half a map")
            raise OSError("disk full")

        monkeypatch.setattr(geomap.render, "render_outputs", half_then_crash)
        with pytest.raises(OSError, match="disk full"):
            write_outputs(store, out, default_config(project), [])
    after = {p: p.read_bytes() for p in before}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".render-")]
