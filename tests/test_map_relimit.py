"""A change of ``map.max_passages`` alone (issue 13): the render cache cuts or extends each
place's cached quotes (``map_cache._relimit``) instead of rebuilding from every mention, and the
map side it writes equals a cold build's with the new setting."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write, write_config
from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.render.payload_parts import read_payload
from geomap.store import Store

_SAMPLES = Path(__file__).resolve().parent.parent / "articles"
_NAMES = sorted(p.name for p in _SAMPLES.iterdir() if p.suffix in (".txt", ".md"))


def _project(root: Path, gazetteer: Path, passages: int) -> Path:
    for name in _NAMES:
        write(root / "articles" / name, (_SAMPLES / name).read_text(encoding="utf-8"))
    write_config(root, gazetteer, f"map:\n  max_passages: {passages}\n")
    return root


def _map_side(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*"))
            if p.is_file() and (p.name in ("map.html", "places.geojson", "regions.csv")
                                or p.parent.name == "passages")}


@pytest.mark.parametrize("before, after", [(4, 1), (1, 4)], ids=["fewer", "more"])
def test_max_passages_alone_updates_the_cache_without_reading_every_mention(
        tmp_path, gazetteer_path, monkeypatch, before, after):
    root = _project(tmp_path / "p", gazetteer_path, before)
    refresh(load_config(None, root))
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        rows = dict(store.render_cache_items("row"))
        quotes = dict(store.render_cache_items("quotes"))
    assert any(len(q) > 1 for q in quotes.values())     # the cut changes something
    write_config(root, gazetteer_path, f"map:\n  max_passages: {after}\n")

    def full_scan(self):
        raise AssertionError("the render read every mention")

    with monkeypatch.context() as m:
        m.setattr(Store, "mentions_by_place", full_scan)
        summary = refresh(load_config(None, root))
    assert summary.rendered
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        assert dict(store.render_cache_items("row")) == rows
        relimited = dict(store.render_cache_items("quotes"))
    assert relimited != quotes

    cold = _project(tmp_path / "cold", gazetteer_path, after)
    refresh(load_config(None, cold))
    with Store(cold / ".geomap" / "geomap.sqlite") as store:
        assert dict(store.render_cache_items("quotes")) == relimited
    got, want = _map_side(root / "output"), _map_side(cold / "output")
    assert got.keys() == want.keys() and any(k.startswith("passages/") for k in got)
    assert read_payload(got["map.html"]) == read_payload(want["map.html"])
    for rel in got:
        if rel != "map.html":
            assert got[rel] == want[rel], rel
