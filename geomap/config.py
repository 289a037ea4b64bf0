"""Typed configuration, loaded from YAML with errors that name file, line and key.

The dataclasses below are the contract every stage codes against. ``load_config`` (below) fills
them from ``config/geomap.yaml`` (and ``config/regions.yaml`` through ``regions.load_layers``).

Paths: relative paths in geomap.yaml are relative to the project root (the ``--root`` option,
default the current directory); the regions file path is relative to the config file's folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

ASSET_MODES = ("cdn", "local", "inline")


@dataclass(frozen=True)
class SourceConfig:
    """Where articles come from: a folder with a glob, or a single file."""

    path: Path
    glob: str = "**/*"          # within a folder; files whose suffix is not .txt/.md/.text are ignored
    kind: Literal["folder", "file", "feed"] = "folder"


@dataclass(frozen=True)
class GeocoderConfig:
    service: str = "offline"                    # "offline" or any geopy service name ("nominatim", "photon", ...)
    options: Mapping[str, Any] = field(default_factory=dict)  # passed to the geopy geocoder's constructor
    min_delay_seconds: float = 1.0              # RateLimiter: between two network calls (cache hits never wait)
    max_retries: int = 2
    error_wait_seconds: float = 2.0
    timeout: float = 10.0


@dataclass(frozen=True)
class Pin:
    """A user override: a name always means this place."""

    name: str
    place_id: str | None = None                 # a gazetteer id ("geonames:706448") ...
    lat: float | None = None                    # ... or explicit coordinates
    lon: float | None = None
    kind: str = "pinned"
    country: str = ""


@dataclass(frozen=True)
class ParseConfig:
    demonyms: bool = False                      # map "Ukrainian" to Ukraine (off: never reported)
    min_score: float = 0.0                      # drop resolved mentions below this confidence
    pins: tuple[Pin, ...] = ()
    ignore: frozenset[str] = frozenset()        # names (case-insensitive) never treated as places


@dataclass(frozen=True)
class GazetteerConfig:
    path: Path | None = None                    # None: the user cache dir (platformdirs)


@dataclass(frozen=True)
class RegionsConfig:
    file: Path | None = None                    # config/regions.yaml; None: no region layers
    tolerance_km: float = 1.0                   # a place this close to a region's boundary counts as inside


@dataclass(frozen=True)
class MapConfig:
    output: Path = Path("output")
    title: str = "geomap"
    assets: Literal["cdn", "local", "inline"] = "cdn"
    tiles: str = "OpenStreetMap"                # an xyzservices name, or a URL template (then attribution is required)
    attribution: str | None = None
    max_passages: int = 5                       # passages quoted in a pop-up (newest first)
    cluster: bool = True


@dataclass(frozen=True)
class Config:
    root: Path                                  # project root; every relative path above is resolved against it
    file: Path | None                           # the YAML it came from (None: embedded defaults)
    sources: tuple[SourceConfig, ...] = (SourceConfig(Path("articles")),)
    store_path: Path = Path("output/geomap.sqlite")
    gazetteer: GazetteerConfig = field(default_factory=GazetteerConfig)
    geocoder: GeocoderConfig = field(default_factory=GeocoderConfig)
    parse: ParseConfig = field(default_factory=ParseConfig)
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    map: MapConfig = field(default_factory=MapConfig)

    def resolve(self, p: Path) -> Path:
        """An absolute path for a configured path (relative ones are relative to the root)."""
        return p if p.is_absolute() else self.root / p


def default_config(root: Path | None = None) -> Config:
    """The embedded default: offline gazetteer, SQLite in output/, articles/ in, output/map.html out."""
    return Config(root=(root or Path.cwd()).resolve(), file=None)


# load_config(path: Path | None, root: Path | None = None) -> Config is implemented below by the
# config owner: safe YAML load, unknown keys rejected with file:line, types checked, paths resolved.
