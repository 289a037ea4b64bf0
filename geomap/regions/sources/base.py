"""What every source builder shares: the registry entry (``SourceKind``), the loader services a
builder may use (``Loader``), feature names, ``select`` and the rule that turns a geometry into a region.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from geomap.config import Key, YamlDoc
from geomap.errors import RegionError
from geomap.guards import has_surrogate
from geomap.regions.model import Feature


class Loader(Protocol):
    """The services of ``spec.LayerLoader`` that builders use."""

    doc: YamlDoc

    def file(self, key: Key, value: Any) -> Path:
        """A data file named at ``key`` (checked, and recorded as an input of the layers)."""

    def reference(self, key: Key, value: Any) -> Any:
        """The geometry of a region or layer defined earlier in the file."""


Build = Callable[[Loader, Key, dict, str, str], "list[Feature]"]


@dataclass(frozen=True)
class SourceKind:
    """One kind of source: ``build(loader, key, source, layer, where)`` returns its features.

    ``key`` is the source's own YAML key (the kind's value is at ``key + (kind,)``), ``source`` the
    mapping, ``layer`` the layer's name (a one-region source's default name), ``where`` the
    ``file:line: key`` prefix for data errors. ``options`` are keys the kind accepts besides its own
    and ``name``/``label``; ``credits`` are added to the layer's data credits before it is built.
    """

    kind: str
    build: Build
    options: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()


def select(doc: YamlDoc, key: Key, value: dict, features: list[Feature]) -> list[Feature]:
    """Keep the features ``select`` names: a list of names, or a mapping name → new name."""
    if "select" not in value:
        return features
    wanted = value["select"]
    if not isinstance(wanted, dict):
        items = doc.check(key + ("select",), wanted, "list")
        wanted = {doc.check(key + ("select", i), n, "str"): n for i, n in enumerate(items)}
    by_name = {f.name: f for f in features}
    chosen = []
    for i, (name, new) in enumerate(wanted.items()):
        where = key + ("select", name if isinstance(value["select"], dict) else i)
        name, new = str(doc.check(where, name, "str")), str(doc.check(where, new, "str"))
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"{len(by_name)} names in the file"
            raise doc.error(where, f"no feature named {name!r} ({hint})")
        chosen.append(Feature(new.strip() or name, new.strip() or name, by_name[name].geometry))
    return chosen


def file_features(loader: Loader, key: Key, value: dict, kind: str,
                  read: Callable[[Path, str, str], list[Feature]], where: str) -> list[Feature]:
    """The features of a file source (``geojson``, ``shapefile``): read, then ``select``ed."""
    file = loader.file(key + (kind,), value[kind])
    name_property = loader.doc.check(key + ("name_property",), value.get("name_property", "name"), "str")
    return select(loader.doc, key, value, read(file, name_property, where))


def feature_name(value: Any, fid: Any, index: int, where: str = "") -> str:
    for candidate in (value, fid):
        if candidate is not None and str(candidate).strip():
            name = str(candidate).strip()
            if has_surrogate(name):
                raise RegionError(f"{where}: feature #{index + 1}: its name {ascii(name)} holds a lone surrogate "
                                  "(an escape such as \\ud800 that is not a character)")
            return name
    return f"#{index + 1}"


def region_geometry(geometry, where: str, warn: Callable[[str], None]):
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


