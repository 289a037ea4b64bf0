"""The Python API: ``import geomap`` and the README's example, run for real on a small project."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import geomap
from geomap.errors import GazetteerError, StoreError
from tests.conftest import write_config

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_example() -> str:
    section = README.read_text(encoding="utf-8").split("### Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_import_geomap_stays_cheap():
    """``import geomap`` must not drag in pandas, folium or the pipeline (CLI start-up cost)."""
    code = ("import sys, geomap; heavy = [m for m in ('pandas', 'folium', 'geomap.pipeline', 'geopy') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in geomap.__all__:
        assert getattr(geomap, name) is not None, name
    assert geomap.OfflineGeocoder.__module__ == "geomap.gazetteer.geocoder"
    assert "parse" in dir(geomap)
    with pytest.raises(AttributeError):
        geomap.no_such_name  # noqa: B018


def test_public_modules_declare_all():
    for module in ("geomap.api", "geomap.config", "geomap.model", "geomap.errors", "geomap.gazetteer",
                   "geomap.resolve", "geomap.store", "geomap.pipeline"):
        mod = importlib.import_module(module)
        assert hasattr(mod, "__all__"), module
        for name in mod.__all__:
            assert hasattr(mod, name), f"{module}.{name}"


def test_py_typed_ships():
    assert (Path(geomap.__file__).parent / "py.typed").exists()


def test_readme_example_runs(mapped_project: Path, monkeypatch):
    monkeypatch.chdir(mapped_project)
    namespace: dict = {}
    exec(compile(_readme_example(), "README.md", "exec"), namespace)
    assert namespace["summary"].new == 2
    frame = namespace["frame"]
    assert list(frame.columns) == list(geomap.MENTION_COLUMNS)
    odesa = frame[frame["name"] == "Odesa"]
    assert len(odesa) >= 2 and odesa["published"].notna().all()
    assert (mapped_project / "output" / "notebook-map.html").stat().st_size > 10_000


def test_parse_offsets_and_places(gazetteer_path: Path, mapped_project: Path):
    text = "Three ships sailed from Odesa to Istanbul, insurers in London said."
    mentions = geomap.parse(text, config=mapped_project / "config" / "geomap.yaml")
    assert [text[m.start:m.end] for m in mentions] == [m.text for m in mentions]
    assert {m.place.country for m in mentions if m.place} >= {"UA", "TR", "GB"}


def test_make_map_is_a_folium_map_that_renders_offline(mapped_project: Path):
    import folium

    geomap.refresh(root=mapped_project)
    fmap = geomap.make_map(root=mapped_project)
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html      # inline assets: no network
    assert "Odesa" in html
    assert "<iframe" in fmap._repr_html_()                                # what Jupyter displays
    with pytest.raises(ValueError):
        geomap.make_map(root=mapped_project, assets="local")


def test_mentions_frame_rows_match_the_store(mapped_project: Path):
    geomap.refresh(root=mapped_project)
    frame = geomap.mentions_frame(root=mapped_project)
    from geomap.store import Store

    cfg = geomap.load_config(None, mapped_project)
    with Store(cfg.resolve(cfg.store_path)) as store:
        assert len(frame) == store.counts()["mentions"]
    row = frame[frame["name"] == "Valencia"].iloc[0]
    assert row["text"] == "Valencia" and row["passage"] and "Valencia" in row["passage"]
    assert isinstance(row["regions"], tuple)


def test_mentions_frame_geo(mapped_project: Path):
    geomap.refresh(root=mapped_project)
    gdf = geomap.mentions_frame(root=mapped_project, geo=True)
    import geopandas

    assert isinstance(gdf, geopandas.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    placed = gdf[gdf["lat"].notna()].iloc[0]
    assert (placed.geometry.x, placed.geometry.y) == pytest.approx((placed["lon"], placed["lat"]))


def test_frame_and_map_need_a_store(tmp_path: Path, gazetteer_path: Path):
    write_config(tmp_path, gazetteer_path)
    with pytest.raises(StoreError, match="refresh"):
        geomap.mentions_frame(root=tmp_path)
    assert not any(tmp_path.rglob("*.sqlite"))


def test_gazetteer_open_never_builds_silently(tmp_path: Path):
    missing = tmp_path / "gaz.sqlite"
    with pytest.raises(GazetteerError, match="geomap gazetteer build"):
        geomap.Gazetteer.open(missing)
    assert not missing.exists()


def test_build_is_announced(tmp_path: Path, capsys):
    from geomap.gazetteer.build import BUILD_STEPS, build_index
    from geomap.gazetteer.index import BuildProgress

    path = tmp_path / "gaz.sqlite"
    seen: list[str] = []
    with BuildProgress(path, seen.append) as progress:
        build_index(path, min_city_population=15000, log=progress)
    assert len(seen) == BUILD_STEPS and seen[-1].startswith("index written")
    with BuildProgress(path) as progress:         # no log of the caller's: one line on stderr
        progress("step")
    assert f"building the offline gazetteer index at {path}" in capsys.readouterr().err
    with geomap.Gazetteer.open(path) as gaz:
        assert gaz.lookup(["kyiv"])
