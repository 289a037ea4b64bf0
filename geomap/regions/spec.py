"""Reading ``regions.yaml``: the layer and style checks (errors name file, line and key), the
dispatch of each source to its kind's builder (``geomap.regions.sources``), and the data files a
regions file names (``named_files``, for the refresh's fingerprint)."""
from __future__ import annotations

import difflib
import re
import warnings
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from geomap.config import Key, YamlDoc, dotted
from geomap.errors import ConfigError
from geomap.regions.cache import LayerCache
from geomap.regions.model import Feature, Layer, Region, RegionWarning
from geomap.regions.sources import SOURCE_KINDS, SOURCES
from geomap.regions.sources.base import region_geometry
from geomap.regions.sources.combine import union

LAYER_KEYS = ("name", "label", "description", "style", "show", "attribution", "sources")
STYLE_KEYS = ("color", "fill", "opacity", "weight", "dash", "choropleth")
DEFAULT_STYLE = {"color": "#3388ff", "fill": "#3388ff", "opacity": 0.2, "weight": 2.0, "dash": None}
COMMON_SOURCE_KEYS = ("name", "label")
LAYER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
COLOR = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?|[A-Za-z]{3,20}")
DASH = re.compile(r"\d{1,3}(?:[ ,]\d{1,3}){0,7}")


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
    cache = LayerCache(path, cache_dir) if cache_dir is not None else None
    if cache is not None and (layers := cache.load()) is not None:
        return layers
    doc = YamlDoc.load(path)
    top = doc.mapping((), doc.data, ("layers",))
    items = doc.check(("layers",), top.get("layers") or [], "list")
    loader = LayerLoader(doc, path.resolve().parent)
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


class LayerLoader:
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
        features: list[Feature] = []
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
               credits: list[str]) -> list[Feature]:
        doc = self.doc
        if not isinstance(value, dict):
            raise doc.error(key, f"a source must be a mapping with one of: {', '.join(SOURCE_KINDS)}")
        kinds = [k for k in value if k in SOURCE_KINDS]
        if len(kinds) != 1:
            raise doc.error(key, f"a source needs exactly one of {', '.join(SOURCE_KINDS)}"
                            + (f" (got {', '.join(kinds)})" if kinds else ""))
        kind = kinds[0]
        doc.mapping(key, value, (kind, *SOURCES[kind].options, *COMMON_SOURCE_KEYS))
        own_name = doc.check(key + ("name",), value["name"], "str").strip() if "name" in value else None
        if own_name == "":
            raise doc.error(key + ("name",), "must not be empty")
        label = doc.check(key + ("label",), value["label"], "str") if "label" in value else None
        where = f"{doc.file}:{doc.line(key + (kind,))}: {dotted(key + (kind,))}"

        def warn(message: str) -> None:
            notes.append(message)
            warnings.warn(message, RegionWarning, stacklevel=4)

        source = SOURCES[kind]
        credits.extend(source.credits)
        features = source.build(self, key, value, layer, where)
        if len(features) == 1 and own_name:
            features[0].name = features[0].label = own_name
        if len(features) == 1 and label is not None:
            features[0].label = label
        for feature in features:
            feature.geometry = region_geometry(feature.geometry, f"{where}: feature {feature.name!r}", warn)
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
            known = self.known[name] = union([r.geometry for r in known])
        return known

