"""The map's render cache (issue 13): the map side written from it equals the map rendered
from every mention (``render_outputs``), and a refresh adding articles updates it from their
mentions alone, with stable article numbers."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import write, write_config
from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.regions import default_cache_dir, load_layers
from geomap.render.payload_parts import read_payload
from geomap.store import Store

_SAMPLES = Path(__file__).resolve().parent.parent / "articles"
_REGIONS = ("layers:\n  - name: two\n    label: Two & <boxes>\n    sources:\n"
            "      - {bbox: [22, 44, 33, 52.5], name: west, label: \"West 'n' {{x}}\"}\n"
            "      - {bbox: [33, 44, 41, 52.5], name: east}\n"
            "  - name: us\n    style: {choropleth: true}\n    sources:\n"
            "      - bbox: [-125, 24, -66, 50]\n")
_NAMES = sorted(p.name for p in _SAMPLES.iterdir() if p.suffix in (".txt", ".md"))


def _project(root: Path, gazetteer: Path, names: list[str], extra: str = "") -> Path:
    for name in names:
        write(root / "articles" / name, (_SAMPLES / name).read_text(encoding="utf-8"))
    write(root / "config" / "regions.yaml", _REGIONS)
    write_config(root, gazetteer, "map:\n  max_passages: 2\n" + extra, regions="regions.yaml")
    return root


def _normal(html: str) -> str:
    """A map.html with folium's random element ids made equal."""
    return re.sub(r"_[0-9a-f]{32}", "_ID", html)


def _old_map_side(store: Store, config, out: Path) -> dict[str, str]:
    """The map side as ``render_outputs`` writes it from every mention (``load_map_data``)."""
    import geomap.render
    from geomap.render.data import load_map_data

    layers = load_layers(config.resolve(config.regions.file), cache_dir=default_cache_dir())
    geomap.render.render_outputs(load_map_data(store), out, config, layers)
    return _map_side(out)


def _map_side(out: Path) -> dict[str, str]:
    files = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and (rel in ("map.html", "places.geojson", "regions.csv")
                            or rel.startswith(("passages/", "assets/"))):
            files[rel] = p.read_text(encoding="utf-8")
    return files


@pytest.mark.parametrize("embedded", [False, True], ids=["chunked", "embedded"])
def test_a_cold_build_writes_the_map_side_as_the_full_render_does(
        tmp_path, gazetteer_path, monkeypatch, embedded):
    """Byte for byte (folium's random ids aside): page, payload, tooltips with escaped labels
    and counts, choropleth, chunks, their index, places.geojson, regions.csv."""
    from conftest import DEFAULT_INLINE_PASSAGE_CHARS

    if embedded:
        monkeypatch.setattr("geomap.render.passages.INLINE_PASSAGE_CHARS",
                            DEFAULT_INLINE_PASSAGE_CHARS)
    root = _project(tmp_path / "p", gazetteer_path, _NAMES)
    config = load_config(None, root)
    assert refresh(config).new == len(_NAMES)
    got = _map_side(root / "output")
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        want = _old_map_side(store, config, tmp_path / "old")
    assert got.keys() == want.keys()
    assert any(k.startswith("passages/") for k in got) != embedded
    assert read_payload(got["map.html"]) == read_payload(want["map.html"])
    assert "West" in got["map.html"] and "GMLABEL" not in got["map.html"]
    assert _normal(got["map.html"]) == _normal(want["map.html"])
    for rel in got:
        if rel != "map.html":
            assert got[rel] == want[rel], rel
