"""Region memberships kept between runs: which regions hold each place a run has placed.

For given layers, tolerance, coverage rules and gazetteer the answers never change, yet working
them out needs shapely, the built layers and, for an admin area, a test of each of its thousands
of member settlements (``regions.areas``): ``geomap parse`` of a few hundred articles spent ~0.35 s
of its ~1.5 s on that at every run. A run whose places are all known here loads no layers and
imports neither shapely nor numpy.

``members-<key>.json`` in the region cache folder holds ``points`` (``"lat,lon"`` as ``repr`` of
the floats, which reads back exactly) and ``areas`` (``"id\\tkind\\tcountry"``, the key
``RegionIndex`` memoises areas by), each mapping to region names in layer order. The key hashes
what an answer depends on and is known without building anything: regions.yaml (path and bytes),
the tolerance, the coverage rules (``areas.RULES``), the gazetteer (path and version: member
settlements and country outlines come from it), geomap's version and the code that works answers
out (``CODE``), and the versions of the packages built-in sources read. The data files regions.yaml names are
checked by size and modification time (``regions.named_files``, as the layer cache does), so
an edited GeoJSON makes the file stale. Absent, stale or damaged: nothing is known. JSON, never
pickle; at most ``LIMIT`` answers are kept, and the ``cache.KEEP`` most recently used files
(``cache.prune``).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Iterable, Sequence

from geomap._files import package_version, write_text_atomic
from geomap.regions.areas import RULES, is_area
from geomap.regions.cache import DATA_PACKAGES, file_stamp, prune, used

CODE = ("index.py", "areas.py", "geodesy.py", "natural_earth.py", "membership_cache.py",   # what answers
        "../gazetteer/index.py", "../gazetteer/outlines.py")            # (members, outlines)


class MembershipCache:
    FORMAT = 1
    LIMIT = 20_000      # answers kept: reading 20,000 costs ~20 ms; more would cost a small parse
                        # more than it saves

    def __init__(self, cache_dir: Path, regions_file: Path, tolerance_km: float, gazetteer: str):
        import geomap

        here = Path(__file__).parent
        h = hashlib.sha256(json.dumps([self.FORMAT, geomap.__version__, RULES, float(tolerance_km),
                                       gazetteer, str(Path(regions_file).resolve()),
                                       [package_version(name) for name in DATA_PACKAGES]]).encode())
        for part in [*(here / name for name in CODE), Path(regions_file)]:
            h.update(b"\0" + part.read_bytes())
        self.regions_file = Path(regions_file)
        self.file = Path(cache_dir) / f"members-{h.hexdigest()[:24]}.json"
        self.points: dict[tuple[float, float], tuple[str, ...]] = {}
        self.areas: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._saved = 0
        self._load()

    def known(self, places: Sequence) -> list[tuple[str, ...] | None]:
        """Each place's region names, or None when not known."""
        out: list[tuple[str, ...] | None] = []
        for place in places:
            if is_area(place):
                out.append(self.areas.get((place.id, place.kind, place.country)))
            elif math.isfinite(place.lat) and math.isfinite(place.lon):
                out.append(self.points.get((float(place.lat), float(place.lon))))
            else:
                out.append(())                  # as RegionIndex: no point, no region
        return out

    def learn(self, places: Iterable, found: Iterable[tuple[str, ...]]) -> None:
        for place, names in zip(places, found):
            if len(self.points) + len(self.areas) >= self.LIMIT:
                return
            if is_area(place):
                self.areas[(place.id, place.kind, place.country)] = tuple(names)
            elif math.isfinite(place.lat) and math.isfinite(place.lon):
                self.points[(float(place.lat), float(place.lon))] = tuple(names)

    def save(self) -> None:
        """Write the answers when there are new ones (a cache that cannot be written only costs time)."""
        if len(self.points) + len(self.areas) == self._saved:
            return
        from geomap.regions.spec import named_files

        try:
            data = {"format": self.FORMAT, "files": [file_stamp(f) for f in named_files(self.regions_file)],
                    "points": {f"{lat!r},{lon!r}": list(v) for (lat, lon), v in self.points.items()},
                    "areas": {"\t".join(k): list(v) for k, v in self.areas.items()}}
            write_text_atomic(self.file, json.dumps(data, ensure_ascii=False), prefix=".members-")
            self._saved = len(self.points) + len(self.areas)
        except (OSError, TypeError, ValueError):
            return
        prune(self.file.parent, "members-")

    def _load(self) -> None:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if data["format"] != self.FORMAT or any(file_stamp(Path(f[0])) != f for f in data["files"]):
                return                          # a data file regions.yaml names has changed
            points, areas = {}, {}
            for key, names in data["points"].items():
                lat, lon = key.split(",")
                points[(float(lat), float(lon))] = _names(names)
            for key, names in data["areas"].items():
                parts = tuple(key.split("\t"))
                if len(parts) != 3:
                    raise ValueError(key)
                areas[parts] = _names(names)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return                              # absent or damaged: worked out afresh
        self.points, self.areas = points, areas
        self._saved = len(points) + len(areas)
        used(self.file)


def _names(value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("region names must be a list of strings")
    return tuple(value)


__all__ = ["MembershipCache"]
