"""geomap from Python: parse a text, geocode offline, refresh a project, get its map or its mentions.

Everything here is re-exported by the ``geomap`` package (``geomap.parse``, ``geomap.make_map`` ...).
Functions that take ``config`` accept a ``Config``, a path to a ``geomap.yaml``, or None for the
project in ``root`` (default: the working folder): ``config/geomap.yaml`` when it exists, else the
embedded defaults, exactly as the ``geomap`` command reads it.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from geomap.config import Config, ParseConfig, load_config
from geomap.errors import StoreError
from geomap.model import Mention

if TYPE_CHECKING:       # heavy imports stay out of ``import geomap``
    import folium
    import pandas

    from geomap.pipeline import Progress, RefreshSummary
    from geomap.resolve import Geoparser

__all__ = ["MENTION_COLUMNS", "config_of", "make_map", "mentions_frame", "parse", "refresh"]

#: The columns of ``mentions_frame`` (one row per mention, unplaced names included with no place).
MENTION_COLUMNS = ("article_id", "title", "published", "source", "start", "end", "text", "place_id",
                   "name", "kind", "country", "lat", "lon", "score", "regions", "passage")

ConfigLike = Config | str | os.PathLike | None


def config_of(config: ConfigLike = None, *, root: str | os.PathLike | None = None) -> Config:
    """A ``Config`` from a ``Config`` (returned as it is), a YAML path, or None (the project's own)."""
    if isinstance(config, Config):
        return config
    return load_config(None if config is None else Path(config), Path(root) if root is not None else None)


def parse(text: str, *, config: ConfigLike = None, explain: bool = False) -> list[Mention]:
    """The place mentions in ``text``, sorted by offset: ``text[m.start:m.end] == m.text``.

    ``m.place`` is the resolved ``Place`` (None for a name recognised but not placed). With
    ``config``, its gazetteer and ``parse:`` settings (pins, ignore, demonyms) apply; without, the
    default offline gazetteer and settings. The geoparser is kept between calls.
    """
    if config is None:
        return _geoparser(None, ParseConfig()).parse(text, explain=explain)
    cfg = config_of(config)
    path = cfg.gazetteer.path and cfg.resolve(cfg.gazetteer.path)
    return _geoparser(path, cfg.parse).parse(text, explain=explain)


@functools.lru_cache(maxsize=4)
def _geoparser(gazetteer: Path | None, settings: ParseConfig) -> "Geoparser":
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    return Geoparser(Gazetteer.open(gazetteer, build=True), settings)


def refresh(config: ConfigLike = None, *, root: str | os.PathLike | None = None,
            progress: "Progress | None" = None, workers: int = 1) -> "RefreshSummary":
    """Bring the project's store and ``output/`` up to date (what ``geomap refresh`` does)."""
    from geomap.pipeline import refresh as run

    return run(config_of(config, root=root), progress=progress, workers=workers)


def _store(cfg: Config):
    from geomap.store import Store

    path = cfg.resolve(cfg.store_path)
    if not path.exists():
        raise StoreError(f"{path}: no store yet; run geomap.refresh() (or `geomap refresh`) first")
    return Store(path)


def _layers(cfg: Config) -> list:
    if cfg.regions.file is None:
        return []
    from geomap.regions import default_cache_dir, load_layers

    return load_layers(cfg.resolve(cfg.regions.file), cache_dir=default_cache_dir())


def make_map(config: ConfigLike = None, *, root: str | os.PathLike | None = None,
             assets: str = "inline") -> "folium.Map":
    """The project's map as a ``folium.Map``, from its store: it displays in Jupyter, and
    ``.save("map.html")`` writes it. ``assets="inline"`` (default) embeds Leaflet, so it shows with
    no network; ``"cdn"`` loads it from the internet. Run ``refresh`` first."""
    from geomap.render.data import load_map_data
    from geomap.render.map import folium_map

    if assets not in ("cdn", "inline"):
        raise ValueError("assets must be 'inline' or 'cdn' (a folium.Map has no folder for 'local' files)")
    cfg = config_of(config, root=root)
    with _store(cfg) as store:
        data = load_map_data(store)
    return folium_map(data, cfg, _layers(cfg), assets=assets)[0]


def mentions_frame(config: ConfigLike = None, *, root: str | os.PathLike | None = None,
                   geo: bool = False) -> "pandas.DataFrame":
    """Every mention in the project's store as a pandas DataFrame, one row per mention
    (``MENTION_COLUMNS``; ``regions`` a tuple of region names, ``published`` a datetime or NaT).
    Names that could not be placed have no ``place_id`` and NaN ``lat``/``lon``.

    ``geo=True`` returns a geopandas GeoDataFrame (points, EPSG:4326) — install ``geomap[geo]``."""
    import pandas as pd

    cfg = config_of(config, root=root)
    with _store(cfg) as store:
        rows = list(store.mention_rows())
    frame = pd.DataFrame.from_records(rows, columns=list(MENTION_COLUMNS))
    frame["published"] = pd.to_datetime(frame["published"], errors="coerce", format="%Y-%m-%d")
    frame["regions"] = [tuple(json.loads(r)) for r in frame["regions"]]
    if not geo:
        return frame
    try:
        import geopandas as gpd
    except ImportError:
        raise ImportError("mentions_frame(geo=True) needs geopandas: pip install 'geomap[geo]'") from None
    from shapely.geometry import Point

    points = [None if pd.isna(lat) else Point(lon, lat) for lat, lon in zip(frame["lat"], frame["lon"])]
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")

