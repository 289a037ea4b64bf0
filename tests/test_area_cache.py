"""Area memberships are kept between runs (``geomap.regions.area_cache``): the second run gets the
same answers without testing an admin area's member settlements again, and anything an answer
depends on (layers, tolerance, gazetteer) picks another cache file."""
from __future__ import annotations

from pathlib import Path

import pytest

from geomap.config import load_config
from geomap.model import Place
from geomap.pipeline.stages import Stages
from geomap.regions.area_cache import AreaCache
from tests.conftest import write, write_config

KHERSON_OBLAST = Place("geomap:adm1-ua-08", "Kherson Oblast", 46.74953, 33.5051, "UA", "admin1")
LVIV_OBLAST = Place("geomap:adm1-ua-15", "Lviv Oblast", 49.69115, 24.02206, "UA", "admin1")
KHERSON = Place("geonames:706448", "Kherson", 46.63695, 32.61458, "UA", "city")

REGIONS = """\
layers:
  - name: south
    sources:
      - bbox: {box}
        name: lower-dnipro
"""


def _project(root: Path, gazetteer: Path, box="[31.5, 45.5, 35.6, 47.9]", extra: str = "") -> Path:
    write(root / "config" / "regions.yaml", REGIONS.format(box=box))
    write_config(root, gazetteer, extra=extra, regions="regions.yaml")
    return root


def _memberships(root: Path, monkeypatch, places) -> tuple[list, int]:
    """Region names per place from a fresh ``Stages`` (closed after), and how many times an
    area's member settlements were read."""
    from geomap.gazetteer import Gazetteer

    reads = []
    members = Gazetteer.members
    monkeypatch.setattr(Gazetteer, "members", lambda self, pid: reads.append(pid) or members(self, pid))
    stage = Stages(load_config(None, root))
    try:
        return stage.regions_for_places(places), len(reads)
    finally:
        stage.close()
        monkeypatch.setattr(Gazetteer, "members", members)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "geomap" / "regions"


def test_the_second_run_takes_area_memberships_from_the_cache(tmp_path, gazetteer_path, cache, monkeypatch):
    root = _project(tmp_path / "p", gazetteer_path)
    places = [KHERSON_OBLAST, LVIV_OBLAST, KHERSON]
    first, reads = _memberships(root, monkeypatch, places)
    assert first == [("south",), (), ("south",)]
    assert reads == 2                                   # both oblasts judged by their settlements
    assert len(list(cache.glob("areas-*.json"))) == 1
    again, reads = _memberships(root, monkeypatch, places)
    assert again == first and reads == 0


def test_a_damaged_cache_file_is_worked_out_afresh(tmp_path, gazetteer_path, cache, monkeypatch):
    root = _project(tmp_path / "p", gazetteer_path)
    first, _ = _memberships(root, monkeypatch, [KHERSON_OBLAST])
    (file,) = cache.glob("areas-*.json")
    for damage in ('{"geomap:adm1-ua-08\\tadmin1\\tUA": ["south/elsewhere"]}', "[1, 2]", "{not json"):
        file.write_text(damage, encoding="utf-8")       # a name no layer has, a list, broken JSON
        again, reads = _memberships(root, monkeypatch, [KHERSON_OBLAST])
        assert again == first == [("south",)] and reads == 1


@pytest.mark.parametrize("change", ["box", "tolerance"])
def test_other_layers_or_tolerance_use_another_cache_file(tmp_path, gazetteer_path, cache, monkeypatch,
                                                          change):
    root = _project(tmp_path / "p", gazetteer_path)
    assert _memberships(root, monkeypatch, [KHERSON_OBLAST])[0] == [("south",)]
    if change == "box":     # now far from the oblast: the kept answer must not be reused
        _project(root, gazetteer_path, box="[20.0, 50.0, 21.0, 51.0]")
    else:
        _project(root, gazetteer_path, extra="")
        text = (root / "config" / "geomap.yaml").read_text(encoding="utf-8")
        (root / "config" / "geomap.yaml").write_text(text.replace("regions:\n", "regions:\n  tolerance_km: 3\n"),
                                                     encoding="utf-8")
    found, reads = _memberships(root, monkeypatch, [KHERSON_OBLAST])
    assert reads == 1 and len(list(cache.glob("areas-*.json"))) == 2
    assert found == ([()] if change == "box" else [("south",)])


def test_the_key_covers_the_gazetteer():
    from geomap.regions import Layer, Region
    from shapely.geometry import box

    layers = [Layer("a", "a", "", {}, True, (Region("a/x", "x", "a", box(0, 0, 1, 1)),))]
    files = {AreaCache(Path("/c"), layers, 1.0, g).file for g in ("/g.sqlite\tv1", "/g.sqlite\tv2", "/h\tv1")}
    assert len(files) == 3
    assert AreaCache(Path("/c"), layers, 1.0, "/g.sqlite\tv1").file in files
