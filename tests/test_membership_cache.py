"""Region memberships are kept between runs (``geomap.regions.membership_cache``): a second run gets
the same answers without loading the layers or testing an admin area's member settlements again,
and anything an answer depends on (regions.yaml, its data files, the tolerance, the gazetteer)
makes the kept answers unused."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from geomap.config import load_config
from geomap.model import Place
from geomap.pipeline.stages import Stages
from geomap.regions.membership_cache import MembershipCache
from tests.conftest import write, write_config

KHERSON_OBLAST = Place("geomap:adm1-ua-08", "Kherson Oblast", 46.74953, 33.5051, "UA", "admin1")
LVIV_OBLAST = Place("geomap:adm1-ua-15", "Lviv Oblast", 49.69115, 24.02206, "UA", "admin1")
KHERSON = Place("geonames:706448", "Kherson", 46.63695, 32.61458, "UA", "city")
LVIV = Place("geonames:702550", "Lviv", 49.83826, 24.02324, "UA", "city")
PLACES = [KHERSON_OBLAST, LVIV_OBLAST, KHERSON, LVIV]

REGIONS = """\
layers:
  - name: south
    sources:
      - bbox: {box}
  - name: drawn
    sources:
      - geojson: drawn.geojson
"""
DRAWN = '{{"type": "Feature", "properties": {{"name": "west"}}, "geometry": {{"type": "Polygon", ' \
        '"coordinates": [[[{w}, 49], [{e}, 49], [{e}, 50.5], [{w}, 50.5], [{w}, 49]]]}}}}'


def _project(root: Path, gazetteer: Path, box="[31.5, 45.5, 35.6, 47.9]", west=(23.0, 25.0),
             tolerance: float | None = None) -> Path:
    write(root / "config" / "regions.yaml", REGIONS.format(box=box))
    write(root / "config" / "drawn.geojson", DRAWN.format(w=west[0], e=west[1]))
    write_config(root, gazetteer, regions="regions.yaml")
    if tolerance is not None:
        config = root / "config" / "geomap.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            "regions:\n", f"regions:\n  tolerance_km: {tolerance}\n"), encoding="utf-8")
    return root


def _run(root: Path, monkeypatch, places=PLACES) -> tuple[list, int, bool]:
    """Region names per place from a fresh ``Stages`` (closed after), how many times an area's
    member settlements were read, and whether the layers were loaded."""
    from geomap.gazetteer import Gazetteer

    reads = []
    members = Gazetteer.members
    monkeypatch.setattr(Gazetteer, "members", lambda self, pid: reads.append(pid) or members(self, pid))
    stage = Stages(load_config(None, root))
    try:
        return stage.regions_for_places(places), len(reads), "layers" in vars(stage)
    finally:
        stage.close()
        monkeypatch.setattr(Gazetteer, "members", members)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "geomap" / "regions"


EXPECTED = [("south",), ("drawn",), ("south",), ("drawn",)]


def test_the_second_run_takes_memberships_from_the_cache_without_loading_layers(tmp_path, gazetteer_path,
                                                                                 cache, monkeypatch):
    root = _project(tmp_path / "p", gazetteer_path)
    assert _run(root, monkeypatch) == (EXPECTED, 2, True)   # both oblasts judged by their settlements
    assert len(list(cache.glob("members-*.json"))) == 1
    assert _run(root, monkeypatch) == (EXPECTED, 0, False)
    # a new place needs the layers again; the known ones still come from the cache
    odesa = Place("geonames:698740", "Odesa", 46.47747, 30.73262, "UA", "city")
    assert _run(root, monkeypatch, [*PLACES, odesa]) == ([*EXPECTED, ()], 0, True)


def test_a_damaged_cache_file_is_worked_out_afresh(tmp_path, gazetteer_path, cache, monkeypatch):
    root = _project(tmp_path / "p", gazetteer_path)
    _run(root, monkeypatch)
    (file,) = cache.glob("members-*.json")
    for damage in ('{"format": 1, "files": [], "points": {"1,2": [3]}, "areas": {}}', "[1, 2]", "{not json",
                   '{"format": 1, "files": [], "points": {}, "areas": {"a\\tb": []}}'):
        file.write_text(damage, encoding="utf-8")
        assert _run(root, monkeypatch) == (EXPECTED, 2, True)
        file.write_text(damage, encoding="utf-8")


@pytest.mark.parametrize("change", ["regions.yaml", "data file", "tolerance"])
def test_changed_inputs_are_not_answered_from_the_cache(tmp_path, gazetteer_path, cache, monkeypatch, change):
    root = _project(tmp_path / "p", gazetteer_path)
    assert _run(root, monkeypatch)[0] == EXPECTED
    if change == "regions.yaml":                # the box moved away from Kherson and its oblast
        _project(root, gazetteer_path, box="[20.0, 40.0, 21.0, 41.0]")
        expected = [(), ("drawn",), (), ("drawn",)]
    elif change == "data file":                 # the drawn region moved away from Lviv, same size
        drawn = root / "config" / "drawn.geojson"
        before = drawn.stat().st_mtime_ns
        _project(root, gazetteer_path, west=(13.0, 15.0))
        os.utime(drawn, ns=(before + 10**9, before + 10**9))
        expected = [("south",), (), ("south",), ()]
    else:                                       # another tolerance: every answer worked out again
        _project(root, gazetteer_path, tolerance=60)
        expected = None
    found, reads, loaded = _run(root, monkeypatch)
    assert loaded and reads == 2
    if expected is not None:
        assert found == expected


def test_the_key_covers_the_tolerance_and_the_gazetteer(tmp_path):
    regions = write(tmp_path / "regions.yaml", "layers: []\n")
    files = {MembershipCache(tmp_path, regions, tolerance, gazetteer).file
             for tolerance, gazetteer in [(1, "/g\tv1"), (1, "/g\tv2"), (1, "/h\tv1"), (2, "/g\tv1")]}
    assert len(files) == 4
    assert MembershipCache(tmp_path, regions, 1, "/g\tv1").file in files


def test_a_warm_parse_imports_neither_shapely_nor_the_store(tmp_path, gazetteer_path, cache):
    """The second ``geomap parse`` of the same folder takes every membership from the cache: it
    imports no shapely/numpy (layers, index), no store, no refresh modules."""
    import json
    import subprocess
    import sys

    root = _project(tmp_path / "p", gazetteer_path)
    write(root / "articles" / "south.txt", "Shelling was reported in Kherson and across Kherson Oblast.\n")
    probe = ("import sys, contextlib, io, json; from geomap.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out: code = main(sys.argv[1:])\n"
             "heavy = [m for m in ('shapely', 'numpy', 'geomap.store', 'geomap.pipeline.execute', "
             "'geomap.regions.index', 'geomap.regions.sources') if m in sys.modules]\n"
             "print(json.dumps([code, heavy, out.getvalue()]))")
    runs = [json.loads(subprocess.run([sys.executable, "-c", probe, "parse", "articles", "--format", "jsonl"],
                                      cwd=root, capture_output=True, text=True, check=True,
                                      env={**os.environ, "XDG_CACHE_HOME": str(cache.parents[1])}).stdout)
            for _ in range(2)]
    assert runs[0][0] == runs[1][0] == 0 and runs[0][2] == runs[1][2]
    assert "shapely" in runs[0][1] and runs[1][1] == []
    assert '"regions": ["south"]' in runs[1][2]


def test_stale_cache_files_are_pruned_and_the_ones_in_use_kept(tmp_path, gazetteer_path, cache, monkeypatch):
    """Every edit of regions.yaml makes a new key: the old files go, the most recently used
    ``KEEP`` of each kind stay (several projects may share the folder), and a temporary file of a
    write killed midway goes once it is an hour old."""
    import time

    from geomap.regions import cache as layer_cache

    monkeypatch.setattr(layer_cache, "KEEP", 2)
    cache.mkdir(parents=True)
    old = time.time() - 7200
    for i in range(5):                          # five stale keys, used long ago
        for kind in ("members", "regions"):
            stale = cache / f"{kind}-stale{i}.json"
            stale.write_text("{}", encoding="utf-8")
            os.utime(stale, (old + i, old + i))
    killed = cache / ".members-killed.tmp"
    killed.write_text("{", encoding="utf-8")
    os.utime(killed, (old, old))
    fresh = cache / ".members-writing.tmp"     # another process writing right now
    fresh.write_text("{", encoding="utf-8")
    root = _project(tmp_path / "p", gazetteer_path)
    assert _run(root, monkeypatch)[0] == EXPECTED
    members = sorted(p.name for p in cache.glob("members-*.json"))
    assert len(members) == 2 and "members-stale4.json" in members      # ours + the newest stale
    assert sorted(p.name for p in cache.glob("regions-*.json"))[-1] == "regions-stale4.json"
    assert len(list(cache.glob("regions-*.json"))) == 2
    assert not killed.exists() and fresh.exists()
    # a file in use is marked as used when read: it outlives newer writes of other keys
    (ours,) = [p for p in cache.glob("members-*.json") if "stale" not in p.name]
    os.utime(ours, (old - 10, old - 10))
    assert _run(root, monkeypatch) == (EXPECTED, 0, False)
    assert ours.stat().st_mtime > old + 3600
