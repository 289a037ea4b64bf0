"""geomap: map every place that a folder of news articles mentions.

The Python API, for notebooks and scripts (names are imported on first use, so ``import geomap``
stays cheap)::

    import geomap

    geomap.parse("Shelling hit Kherson and the Sea of Azov coast.")   # [Mention(...), ...]
    geomap.OfflineGeocoder().geocode("Paris, Texas")                 # a geopy Location
    config = geomap.load_config("config/geomap.yaml")
    geomap.refresh(config)                                           # what `geomap refresh` does
    geomap.make_map(config)                                          # a folium.Map (shows in Jupyter)
    geomap.mentions_frame(config)                                    # a pandas DataFrame
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "parse": "geomap.api", "refresh": "geomap.api", "make_map": "geomap.api",
    "mentions_frame": "geomap.api", "MENTION_COLUMNS": "geomap.api",
    "Geoparser": "geomap.resolve",
    "OfflineGeocoder": "geomap.gazetteer.geocoder", "Gazetteer": "geomap.gazetteer.index",
    "load_config": "geomap.config", "Config": "geomap.config",
    "Article": "geomap.model", "Mention": "geomap.model", "Place": "geomap.model", "Passage": "geomap.model",
    "GeomapError": "geomap.errors", "ConfigError": "geomap.errors", "ArticleError": "geomap.errors",
    "GazetteerError": "geomap.errors", "GeocoderError": "geomap.errors", "StoreError": "geomap.errors",
    "RegionError": "geomap.errors", "LockedError": "geomap.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from geomap.api import MENTION_COLUMNS, make_map, mentions_frame, parse, refresh
    from geomap.config import Config, load_config
    from geomap.errors import (ArticleError, ConfigError, GazetteerError, GeocoderError, GeomapError,
                               LockedError, RegionError, StoreError)
    from geomap.gazetteer.geocoder import OfflineGeocoder
    from geomap.gazetteer.index import Gazetteer
    from geomap.model import Article, Mention, Passage, Place
    from geomap.resolve import Geoparser


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geomap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
