"""Area memberships kept between runs: which regions cover a country or admin area
(``geomap.regions.areas``) is fixed for given layers, tolerance, coverage rules and gazetteer, but
costs far more to work out than a point's (an admin area is judged by its thousands of member
settlements): ``geomap parse`` of a few hundred articles spent ~0.2 s on it at every run.

A file ``areas-<key>.json`` in the region cache folder maps ``"id\\tkind\\tcountry"`` to region names.
The key hashes everything an answer depends on: geomap's version, the coverage rules
(``areas.RULES``), the tolerance, the gazetteer (its path and version: member settlements and
country outlines come from it) and every region's name, layer and geometry (WKB). Anything else
changes the key, never an answer under the same key; an absent, damaged or foreign file is an
empty memo. JSON, never pickle; at most ``LIMIT`` entries are kept.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable, Mapping

from geomap._files import write_text_atomic
from geomap.regions.areas import RULES
from geomap.regions.model import Layer

AreaKey = tuple[str, str, str]          # (place id, kind, country), as RegionIndex memoises areas


class AreaCache:
    FORMAT = 1
    LIMIT = 100_000

    def __init__(self, cache_dir: Path, layers: Iterable[Layer], tolerance_km: float, gazetteer: str):
        import geomap

        h = hashlib.sha256(json.dumps([self.FORMAT, geomap.__version__, RULES, float(tolerance_km),
                                       gazetteer]).encode())
        for layer in layers:
            for region in layer.regions:
                h.update(json.dumps([layer.name, region.layer, region.name]).encode())
                h.update(region.geometry.wkb)
        self.file = Path(cache_dir) / f"areas-{h.hexdigest()[:24]}.json"
        self._saved: dict[AreaKey, tuple[str, ...]] = {}

    def load(self, names: Iterable[str]) -> dict[AreaKey, tuple[str, ...]]:
        """The kept memberships whose region names are all among ``names`` (others are dropped)."""
        known = set(names)
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            found = {}
            for key, value in data.items():
                parts = tuple(key.split("\t"))
                if len(parts) == 3 and isinstance(value, list) and all(
                        isinstance(v, str) and v in known for v in value):
                    found[parts] = tuple(value)
        except (OSError, ValueError, AttributeError):
            found = {}                          # absent or damaged: worked out afresh
        self._saved = found
        return dict(found)

    def save(self, memo: Mapping[AreaKey, tuple[str, ...]]) -> None:
        """Keep ``memo`` when it holds answers the file lacks (a cache that cannot be written only
        costs time)."""
        if len(memo) > self.LIMIT or all(key in self._saved for key in memo):
            return
        try:
            write_text_atomic(self.file, json.dumps({"\t".join(k): list(v) for k, v in memo.items()},
                                                    ensure_ascii=False), prefix=".areas-")
            self._saved = dict(memo)
        except (OSError, TypeError, ValueError):
            pass


__all__ = ["AreaCache"]
