"""Typed configuration, loaded from YAML with errors that name file, line and key.

The dataclasses below are the contract every stage codes against. ``load_config`` (below) fills
them from ``config/geomap.yaml`` (and ``config/regions.yaml`` through ``regions.load_layers``).

Paths: relative paths in geomap.yaml are relative to the project root (the ``--root`` option,
default the current directory); the regions file path is relative to the config file's folder.
``load_config`` stores every path absolute (``~`` expanded), so ``Config.resolve`` is a no-op on
loaded paths; a feed source's ``path`` (a URL) is kept as written.

``YamlDoc`` is the shared reader for geomap's YAML files (``regions.py`` uses it too): safe loading
only (``yaml.SafeLoader``: no ``!!python/*`` tags), and the line of every key kept, so each error
says ``file:line: key: problem``.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping

import yaml

from geomap.errors import ConfigError
from geomap.guards import surrogate_paths, yaml_expanded_size

__all__ = ["Config", "GazetteerConfig", "GeocoderConfig", "MapConfig", "ParseConfig", "Pin", "RegionsConfig",
           "SourceConfig", "default_config", "load_config"]

ASSET_MODES = ("cdn", "local", "inline")
DEFAULT_STORE = Path(".geomap") / "geomap.sqlite"
LEGACY_STORE = Path("output") / "geomap.sqlite"    # the default before 0.x: moved on first run
MAX_PASSAGES = 100                              # quoted per pop-up: more only bloats map.html


@dataclass(frozen=True)
class SourceConfig:
    """Where articles come from: a folder with a glob, a single file, or an RSS/Atom feed."""

    path: Path
    glob: str = "**/*"          # within a folder; only .txt/.md/.text and .html/.htm/.xhtml files are read
    kind: Literal["folder", "file", "feed"] = "folder"
    timeout: float = 20.0       # feeds: seconds to wait for the server
    url: str | None = None      # feeds: the address as written (``Path`` would fold its "//")


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
    assets: Literal["cdn", "local", "inline"] = "inline"
    tiles: str = "OpenStreetMap"                # an xyzservices name, or a URL template (then attribution is required)
    attribution: str | None = None
    max_passages: int = 5                       # passages quoted in a pop-up (newest first)
    cluster: bool = True
    allow_other_files: bool = False             # write into an output folder holding files geomap did not write


@dataclass(frozen=True)
class Config:
    root: Path                                  # project root; every relative path above is resolved against it
    file: Path | None                           # the YAML it came from (None: embedded defaults)
    sources: tuple[SourceConfig, ...] = (SourceConfig(Path("articles")),)
    store_path: Path = DEFAULT_STORE                # outside the output folder (it is published)
    gazetteer: GazetteerConfig = field(default_factory=GazetteerConfig)
    geocoder: GeocoderConfig = field(default_factory=GeocoderConfig)
    parse: ParseConfig = field(default_factory=ParseConfig)
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    map: MapConfig = field(default_factory=MapConfig)

    def resolve(self, p: Path) -> Path:
        """An absolute path for a configured path (relative ones are relative to the root)."""
        return p if p.is_absolute() else self.root / p


def default_config(root: Path | None = None) -> Config:
    """The embedded default: offline gazetteer, SQLite in .geomap/, articles/ in, output/map.html out."""
    return Config(root=(root or Path.cwd()).resolve(), file=None)



DEFAULT_CONFIG = Path("config") / "geomap.yaml"
KEYS = {
    "": ("sources", "store", "gazetteer", "geocoder", "parse", "regions", "map"),
    "sources[]": ("path", "glob", "kind", "timeout"),
    "store": ("path",),
    "gazetteer": ("path",),
    "geocoder": ("service", "options", "min_delay_seconds", "max_retries", "error_wait_seconds", "timeout"),
    "parse": ("demonyms", "min_score", "pin", "ignore"),
    "parse.pin.*": ("id", "lat", "lon", "kind", "country"),
    "regions": ("file", "tolerance_km"),
    "map": ("output", "title", "assets", "tiles", "attribution", "max_passages", "cluster",
            "allow_other_files"),
}
SOURCE_KINDS = ("folder", "file", "feed")
Key = tuple[str | int, ...]


def load_config(path: Path | None, root: Path | None = None) -> Config:
    """Read geomap.yaml into a ``Config``.

    ``path=None`` means ``<root>/config/geomap.yaml`` when it exists and the embedded defaults
    when it does not (a fresh project needs no config). A path the user names explicitly must
    exist. Every problem raises ``ConfigError`` naming the file, line and key.
    """
    root = (root or Path.cwd()).expanduser().resolve()
    if path is None:
        path = root / DEFAULT_CONFIG
        if not path.exists():
            return default_config(root)
    path = Path(path).expanduser()
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a regular file"
        raise ConfigError(f"config file {what}", file=str(path))
    doc = YamlDoc.load(path)
    return _Builder(doc, root, path.resolve().parent).config(path.resolve())


class YamlDoc:
    """A YAML document loaded safely, with the line of every mapping key and list item.

    Keys are tuples such as ``("map", "assets")`` or ``("sources", 0, "path")``; ``error(key, ...)``
    builds a ``ConfigError`` that names the file, the line of that key and the dotted key.
    """

    def __init__(self, file: str, data: Any, lines: dict[Key, int]):
        self.file, self.data, self.lines = file, data, lines

    @classmethod
    def load(cls, path: Path) -> "YamlDoc":
        """Parse ``path``; syntax errors, unsafe tags and duplicate keys raise ``ConfigError``."""
        display = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read: {e}", file=display) from e
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                try:
                    yaml_expanded_size(node)       # before anything is built from the aliases
                except ValueError as e:
                    raise ConfigError(f"invalid YAML: {e}", file=display) from e
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            reason = " ".join(str(x) for x in (e.context, e.problem) if x)
            raise ConfigError(f"invalid YAML: {reason}", file=display,
                              line=mark.line + 1 if mark else None) from e
        except yaml.YAMLError as e:
            raise ConfigError(f"invalid YAML: {e}", file=display) from e
        except RecursionError as e:
            raise ConfigError("invalid YAML: nested too deeply", file=display) from e
        finally:
            loader.dispose()
        lines: dict[Key, int] = {(): 1}
        if node is not None:
            _record_lines(node, (), lines, display, set())
        doc = cls(display, data, lines)
        for key in surrogate_paths(data):
            raise doc.error(key, "holds a lone surrogate (an escape such as \\ud800 that is not a "
                                 "character); write the character itself")
        return doc

    def line(self, key: Key) -> int | None:
        """The line of ``key``, or of its nearest parent that has one."""
        while key not in self.lines and key:
            key = key[:-1]
        return self.lines.get(key)

    def error(self, key: Key, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line(key), key=dotted(key) or None)

    def mapping(self, key: Key, value: Any, allowed: Iterable[str] | None = None) -> dict:
        """``value`` as a dict with string keys, all in ``allowed`` unless that is None.

        A null value counts as an empty mapping (``map:`` with nothing under it).
        """
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(key, f"must be a mapping (got {_kind(value)})")
        allowed = None if allowed is None else tuple(allowed)
        for k in value:
            if not isinstance(k, str):
                raise self.error(key, f"keys must be strings (got {k!r})")
            if allowed is not None and k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of {', '.join(allowed)}"
                raise self.error(key + (k,), f"unknown key{hint}")
        return value

    def check(self, key: Key, value: Any, kind: str, *, minimum: float | None = None,
              maximum: float | None = None, choices: Iterable[str] | None = None) -> Any:
        """``value`` checked against ``kind`` (str, int, number, bool, list, mapping) and limits."""
        ok = {
            "str": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "list": isinstance(value, list),
            "mapping": isinstance(value, dict),
        }[kind]
        if not ok:
            want = {"str": "a string", "int": "an integer", "number": "a number",
                    "bool": "true or false", "list": "a list", "mapping": "a mapping"}[kind]
            raise self.error(key, f"must be {want} (got {_kind(value)} {_short(value)})")
        if kind == "number":
            value = float(value)
            if not math.isfinite(value):
                raise self.error(key, f"must be a finite number (got {value})")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum:g} (got {value!r})")
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be at most {maximum:g} (got {value!r})")
        if choices is not None and value not in (choices := tuple(choices)):
            raise self.error(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value


def dotted(key: Key) -> str:
    """``("sources", 0, "path")`` → ``sources[0].path``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _record_lines(node: yaml.Node, key: Key, lines: dict[Key, int], display: str, seen: set[int]) -> None:
    """Walk the composed node tree, noting where each key and item starts; refuse duplicate keys.

    An alias is the very node of its anchor: each node is walked once (``seen``), so a document of
    nested aliases (a "billion laughs") costs its size, not its expansion.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k_node, v_node in node.value:
            k = k_node.value if isinstance(k_node, yaml.ScalarNode) else str(k_node.start_mark)
            child = key + (k,)
            if child in lines and lines[child] != k_node.start_mark.line + 1:
                raise ConfigError(f"duplicate key (first at line {lines[child]})", file=display,
                                  line=k_node.start_mark.line + 1, key=dotted(child))
            lines[child] = k_node.start_mark.line + 1
            _record_lines(v_node, child, lines, display, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[key + (i,)] = item.start_mark.line + 1
            _record_lines(item, key + (i,), lines, display, seen)


def _kind(value: Any) -> str:
    return {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
            list: "list", dict: "mapping"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Builder:
    """Turns a loaded geomap.yaml into the dataclasses, one small method per section."""

    def __init__(self, doc: YamlDoc, root: Path, config_dir: Path):
        self.doc, self.root, self.config_dir = doc, root, config_dir

    def config(self, file: Path) -> Config:
        top = self.doc.mapping((), self.doc.data, KEYS[""])
        d = default_config(self.root)
        store = self.doc.mapping(("store",), top.get("store"), KEYS["store"])
        config = Config(
            root=self.root,
            file=file,
            sources=self.sources(top["sources"]) if "sources" in top else
            tuple(SourceConfig(self.path(s.path)) for s in d.sources),
            store_path=self.path(store.get("path", d.store_path), ("store", "path")),
            gazetteer=self.gazetteer(top.get("gazetteer")),
            geocoder=self.geocoder(top.get("geocoder")),
            parse=self.parse(top.get("parse")),
            regions=self.regions(top.get("regions")),
            map=self.map(top.get("map")),
        )
        self.check_output(config)
        return config

    def check_output(self, config: Config) -> None:
        """The output folder must be a folder of its own: a refresh replaces and removes pages in
        it (``articles/``, ``places/``), so the project root or an article source there would lose
        the user's files, and an output inside a source would be read back as articles."""
        output = config.map.output.resolve()
        key = ("map", "output")
        if output == self.root.resolve():
            raise self.doc.error(key, "must be a folder of its own, not the project root "
                                      "(refreshes replace and remove files in it)")
        for i, source in enumerate(config.sources):
            if source.kind == "feed":
                continue
            where = source.path.resolve()
            if output == where or output.is_relative_to(where) or where.is_relative_to(output):
                raise self.doc.error(key, f"{output} overlaps sources[{i}].path ({where}): keep the "
                                          "output apart from the articles (refreshes replace and remove "
                                          "files in it, and would read its pages as articles)")

    def get(self, key: Key, section: dict, defaults: Any, name: str, kind: str, **limits: Any) -> Any:
        """``section[name]`` (or the dataclass default) checked as ``kind``."""
        return self.doc.check(key + (name,), section.get(name, getattr(defaults, name)), kind, **limits)

    def path(self, value: Any, key: Key = (), base: Path | None = None) -> Path:
        """An absolute path: relative ones against ``base`` (default the project root)."""
        if isinstance(value, Path):
            text = str(value)
        else:
            text = self.doc.check(key, value, "str")
            if not text.strip():
                raise self.doc.error(key, "must not be empty")
        p = Path(text).expanduser()
        return p if p.is_absolute() else (base or self.root) / p

    def sources(self, value: Any) -> tuple[SourceConfig, ...]:
        items = self.doc.check(("sources",), value, "list")
        out = []
        for i, item in enumerate(items):
            key = ("sources", i)
            item = self.doc.mapping(key, item, KEYS["sources[]"])
            if "path" not in item:
                raise self.doc.error(key, "a source needs a 'path'")
            kind = self.doc.check(key + ("kind",), item.get("kind", "folder"), "str", choices=SOURCE_KINDS)
            url = None
            if kind == "feed":
                url = self.doc.check(key + ("path",), item["path"], "str").strip()
                path = Path(url)
            else:
                path = self.path(item["path"], key + ("path",))
            glob = self.glob(key + ("glob",), item.get("glob", "**/*"))
            timeout = self.doc.check(key + ("timeout",), item.get("timeout", SourceConfig.timeout),
                                     "number", minimum=0.001)
            out.append(SourceConfig(path=path, glob=glob, kind=kind, timeout=timeout, url=url))
        return tuple(out)

    def glob(self, key: Key, value: Any) -> str:
        """A pattern inside the source folder: not empty, not absolute, no ``..``."""
        glob = self.doc.check(key, value, "str")
        if not glob.strip():
            raise self.doc.error(key, "must not be empty (use **/* for every file)")
        parts = glob.replace("\\", "/").split("/")
        if glob.startswith(("/", "~")) or Path(glob).is_absolute() or ".." in parts:
            raise self.doc.error(key, f"must be a pattern inside the source folder (got {glob!r}); "
                                      "point the source's path at the folder instead")
        return glob

    def gazetteer(self, value: Any) -> GazetteerConfig:
        section = self.doc.mapping(("gazetteer",), value, KEYS["gazetteer"])
        path = section.get("path")
        return GazetteerConfig(path=None if path is None else self.path(path, ("gazetteer", "path")))

    def geocoder(self, value: Any) -> GeocoderConfig:
        key = ("geocoder",)
        section = self.doc.mapping(key, value, KEYS["geocoder"])
        d = GeocoderConfig()
        service = self.doc.check(key + ("service",), section.get("service", d.service), "str").strip().lower()
        options = self.doc.mapping(key + ("options",), section.get("options"))
        if service != "offline":
            _check_service(self.doc, key + ("service",), service)
        if service == "nominatim" and not str(options.get("user_agent", "")).strip():
            raise self.doc.error(key + ("options",), "nominatim requires options.user_agent "
                                 "(a name identifying your application, per the Nominatim usage policy)")
        return GeocoderConfig(
            service=service,
            options=dict(options),
            min_delay_seconds=self.get(key, section, d, "min_delay_seconds", "number", minimum=0),
            max_retries=self.get(key, section, d, "max_retries", "int", minimum=0),
            error_wait_seconds=self.get(key, section, d, "error_wait_seconds", "number", minimum=0),
            timeout=self.get(key, section, d, "timeout", "number", minimum=0.001),
        )

    def parse(self, value: Any) -> ParseConfig:
        key = ("parse",)
        section = self.doc.mapping(key, value, KEYS["parse"])
        d = ParseConfig()
        ignore = self.doc.check(key + ("ignore",), section.get("ignore") or [], "list")
        for i, name in enumerate(ignore):
            self.doc.check(key + ("ignore", i), name, "str")
        return ParseConfig(
            demonyms=self.get(key, section, d, "demonyms", "bool"),
            min_score=self.get(key, section, d, "min_score", "number", minimum=0, maximum=1),
            pins=self.pins(section.get("pin")),
            ignore=frozenset(name.strip() for name in ignore if name.strip()),
        )

    def pins(self, value: Any) -> tuple[Pin, ...]:
        key = ("parse", "pin")
        pins = self.doc.mapping(key, value)
        out = []
        for name, spec in pins.items():
            k = key + (name,)
            spec = self.doc.mapping(k, spec, KEYS["parse.pin.*"])
            if ("id" in spec) == ("lat" in spec or "lon" in spec) or ("lat" in spec) != ("lon" in spec):
                raise self.doc.error(k, "a pin needs either 'id' or both 'lat' and 'lon'")
            lat = lon = place_id = None
            if "id" in spec:
                place_id = self.doc.check(k + ("id",), spec["id"], "str")
            else:
                lat = self.doc.check(k + ("lat",), spec["lat"], "number", minimum=-90, maximum=90)
                lon = self.doc.check(k + ("lon",), spec["lon"], "number", minimum=-180, maximum=180)
            country = self.doc.check(k + ("country",), spec.get("country", ""), "str").upper()
            if country and not re.fullmatch(r"[A-Z]{2}", country):
                raise self.doc.error(k + ("country",), f"must be an ISO 3166-1 alpha-2 code (got {country!r})")
            out.append(Pin(name=name, place_id=place_id, lat=lat, lon=lon, country=country,
                           kind=self.doc.check(k + ("kind",), spec.get("kind", "pinned"), "str")))
        return tuple(out)

    def regions(self, value: Any) -> RegionsConfig:
        key = ("regions",)
        section = self.doc.mapping(key, value, KEYS["regions"])
        file = section.get("file")
        if file is not None:
            file = self.path(file, key + ("file",), base=self.config_dir)
            if not file.is_file():
                what = "does not exist" if not file.exists() else "is not a regular file"
                raise self.doc.error(key + ("file",), f"{file} {what}")
        tolerance = self.get(key, section, RegionsConfig(), "tolerance_km", "number", minimum=0, maximum=1000)
        return RegionsConfig(file=file, tolerance_km=tolerance)

    def map(self, value: Any) -> MapConfig:
        key = ("map",)
        section = self.doc.mapping(key, value, KEYS["map"])
        d = MapConfig()
        tiles = self.get(key, section, d, "tiles", "str").strip()
        attribution = section.get("attribution")
        if attribution is not None:
            attribution = self.doc.check(key + ("attribution",), attribution, "str").strip() or None
        if ("{z}" in tiles or "://" in tiles) and not attribution:
            raise self.doc.error(key + ("attribution",), "required when tiles is a URL template "
                                 "(the tile provider's credit line)")
        return MapConfig(
            output=self.path(section.get("output", d.output), key + ("output",)),
            title=self.get(key, section, d, "title", "str"),
            assets=self.get(key, section, d, "assets", "str", choices=ASSET_MODES),
            tiles=tiles,
            attribution=attribution,
            max_passages=self.get(key, section, d, "max_passages", "int", minimum=1, maximum=MAX_PASSAGES),
            cluster=self.get(key, section, d, "cluster", "bool"),
            allow_other_files=self.get(key, section, d, "allow_other_files", "bool"),
        )


def _check_service(doc: YamlDoc, key: Key, service: str) -> None:
    """A geopy service name, with a did-you-mean for typos (geopy is imported only here)."""
    from geopy.geocoders import SERVICE_TO_GEOCODER

    names = ("offline", *sorted(SERVICE_TO_GEOCODER))
    if service not in names:
        close = difflib.get_close_matches(service, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see geopy.geocoders.SERVICE_TO_GEOCODER"
        raise doc.error(key, f"unknown geocoder service {service!r}; {hint}")
