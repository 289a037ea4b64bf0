"""The map's render cache (issue 13): the map side written from it equals the map rendered
from every mention (``render_outputs``), and a refresh adding articles updates it from their
mentions alone, with stable article numbers."""
from __future__ import annotations

import json
import re
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


_HOSTILE = "</script><img src=x onerror=alert(1)> & Kyiv\n\nOfficials in Kyiv and Odesa met.\n"
_FIRST = _NAMES[2:5] + [_NAMES[0], _NAMES[7]]


def _grow(root: Path, gazetteer: Path) -> None:
    _project(root, gazetteer, _NAMES)
    write(root / "articles" / "zz-hostile.txt", _HOSTILE)


def test_a_refresh_adding_articles_updates_the_cache_from_their_mentions_only(
        tmp_path, gazetteer_path, monkeypatch):
    """Old articles keep their numbers, new ones are appended; no scan of every mention; the
    rows of places no new article names are not recomputed; cached text stays escaped."""
    root = _project(tmp_path / "p", gazetteer_path, _FIRST)
    config = load_config(None, root)
    refresh(config)
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        rows_before = dict(store.render_cache_items("row"))
        numbers_before = {aid: n for n, aid, _row in store.render_articles()}
    _grow(root, gazetteer_path)

    def full_scan(self):
        raise AssertionError("the incremental render read every mention")

    monkeypatch.setattr(Store, "mentions_by_place", full_scan)
    summary = refresh(config)
    assert summary.rendered and summary.new == len(_NAMES) - len(_FIRST) + 1
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        rows_after = dict(store.render_cache_items("row"))
        numbers_after = {aid: n for n, aid, _row in store.render_articles()}
        new_ids = numbers_after.keys() - numbers_before.keys()
        touched = {row[0] for row in store.article_mentions(new_ids)}
    assert {a: numbers_after[a] for a in numbers_before} == numbers_before
    assert sorted(numbers_after.values()) == list(range(len(numbers_after)))
    assert min(numbers_after[a] for a in new_ids) == len(numbers_before)
    untouched = rows_before.keys() - touched
    assert untouched and all(rows_after[p] == rows_before[p] for p in untouched)
    assert any(rows_after[p] != rows_before.get(p) for p in touched)
    html = (root / "output" / "map.html").read_text(encoding="utf-8")
    assert "</script><img" not in html and "<img src=x" not in html
    titles = [row[1] for row in read_payload(html)["articles"]]
    assert _HOSTILE.splitlines()[0] in titles


@pytest.mark.parametrize("damage", ["state", "key", "numbers", "place", "none"])
def test_a_missing_damaged_or_foreign_cache_is_rebuilt_in_full(tmp_path, gazetteer_path, damage):
    """Whatever is wrong with the cache, the refresh after new articles rebuilds it in full
    and writes exactly what a cold build of the same articles writes."""
    root = _project(tmp_path / "p", gazetteer_path, _FIRST)
    config = load_config(None, root)
    refresh(config)
    with Store(root / ".geomap" / "geomap.sqlite") as store, store.render_cache_writer() as w:
        if damage == "state":
            w.put("meta", [("state", "{not json")])
        elif damage == "key":                       # made by other code or settings
            state = json.loads(store.render_cache_get("meta", "state"))
            w.put("meta", [("state", json.dumps(dict(state, key="other")))])
        elif damage == "numbers":
            w.db.execute("DELETE FROM render_articles WHERE number = 0")
        elif damage == "place":                     # every place's aggregates
            w.put("place", [(pid, "[]") for pid in store.render_cache_keys("place")])
        else:
            w.clear()
    _grow(root, gazetteer_path)
    assert refresh(config).rendered
    cold = _project(tmp_path / "cold", gazetteer_path, _NAMES)
    write(cold / "articles" / "zz-hostile.txt", _HOSTILE)
    refresh(load_config(None, cold))
    got, want = _map_side(root / "output"), _map_side(cold / "output")
    assert got.keys() == want.keys()
    assert read_payload(got["map.html"]) == read_payload(want["map.html"])
    assert {k: v for k, v in got.items() if k != "map.html"} == \
        {k: v for k, v in want.items() if k != "map.html"}


def test_a_render_failing_after_the_cache_update_leaves_the_map_and_the_next_refresh_mends_it(
        tmp_path, gazetteer_path, monkeypatch):
    """The cache is updated (committed) before the page is written: a failure then leaves the
    previous map in place, and the next refresh (a full render, the outputs being stale) writes
    what a cold build writes."""
    import geomap.render.map as map_module

    root = _project(tmp_path / "p", gazetteer_path, _FIRST)
    config = load_config(None, root)
    refresh(config)
    before = (root / "output" / "map.html").read_bytes()
    _grow(root, gazetteer_path)

    def broken(*args, **kwargs):
        raise RuntimeError("killed while writing the page")

    with monkeypatch.context() as m:
        m.setattr(map_module, "fill_page", broken)
        with pytest.raises(RuntimeError):
            refresh(config)
    assert (root / "output" / "map.html").read_bytes() == before
    assert refresh(config).rendered
    cold = _project(tmp_path / "cold", gazetteer_path, _NAMES)
    write(cold / "articles" / "zz-hostile.txt", _HOSTILE)
    refresh(load_config(None, cold))
    got, want = _map_side(root / "output"), _map_side(cold / "output")
    assert read_payload(got["map.html"]) == read_payload(want["map.html"])
    assert {k: v for k, v in got.items() if k != "map.html"} == \
        {k: v for k, v in want.items() if k != "map.html"}


def test_names_not_placed_merged_from_new_articles_equal_those_grouped_at_once():
    """``unplaced_groups`` adds new articles' mentions of no place to cached groups exactly as
    grouping everything at once does; ``unplaced_rows`` names each group by its most frequent
    spelling, most mentioned first, each article once with its first passage."""
    from geomap.render.map_cache import unplaced_groups
    from geomap.render.map_files import unplaced_rows

    rows = [("b", 5, 12, "Foo  St", 0.0, None), ("b", 20, 26, "foo st", 0.0, 3),
            ("a", 1, 4, "Bar", 0.0, 0), ("c", 0, 6, "FOO ST", 0.0, 1),
            ("d", 2, 5, "Bar", 0.0, None), ("d", 9, 15, "foo st", 0.0, 2)]
    numbers = {"a": 0, "b": 1, "c": 2, "d": 3}
    whole = unplaced_groups(rows, numbers)
    old = json.loads(json.dumps(unplaced_groups([r for r in rows if r[0] in "ab"], numbers)))
    assert unplaced_groups([r for r in rows if r[0] in "cd"], numbers, old) == whole
    got = [json.loads(r) for r in unplaced_rows((k, json.dumps(v)) for k, v in whole.items())]
    assert got == [["foo st", [1, 2, 3, 2, 1, 1, 3, 1, 2]], ["Bar", [0, 1, 0, 3, 1, -1]]]


@pytest.mark.parametrize("limit", [10**9, 400, 60, 1])
def test_split_payload_of_serialised_rows_equals_that_of_the_rows(limit):
    """The cached rows (``RawList``/``RawDict``: JSON texts) give the same head and parts,
    escaped the same, as the decoded rows, whatever the part size."""
    from geomap.render.payload_parts import RawDict, RawList, split_payload

    hostile = "</script><!-- \u2028 & 'x' \"y\""
    payload = {"title": hostile, "articles": [["p", hostile, "", "s"]] * 5,
               "places": [["id", hostile, "city", "UA", 1.5, 2.0, [0], 3, 1, 0, 1, 0, [1], [], 0]] * 7,
               "chunks": 2, "unplaced": [[hostile, [0, 1, -1]]],
               "passages": {"0": {"places": {}, "texts": [hostile]}}, "bounds": None}
    raw = dict(payload)
    for key in ("articles", "places", "unplaced"):
        raw[key] = RawList(json.dumps(r, ensure_ascii=False, separators=(",", ":"))
                           for r in payload[key])
    raw["passages"] = RawDict((k, json.dumps(v, ensure_ascii=False, separators=(",", ":")))
                              for k, v in payload["passages"].items())
    texts = split_payload(raw, limit)
    assert texts == split_payload(payload, limit)
    assert all("</script" not in t and "\u2028" not in t for t in texts)


def test_cached_links_extended_by_new_articles_equal_those_written_at_once():
    """A place's links are cached as the payload row's JSON text (``steps_text``) and new
    articles (numbered above every cached one) extend that text without parsing it."""
    from geomap.render.map_cache import steps_text

    links = [[3, 1, 1], [7, 2, 1], [8, 1, 1], [20, 5, 3], [21, 1, 1]]
    whole = steps_text(links)
    assert json.loads(whole) == [3, [4, 2, 1], 1, [12, 5, 3], 1]
    for k in range(len(links) + 1):
        before = steps_text(links[:k])
        assert steps_text(links[k:], links[k - 1][0] if k else 0, before) == whole
