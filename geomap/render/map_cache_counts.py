"""The render cache's region counts and names not placed (``render.map_cache``'s helpers).

``RegionTally`` counts places, mentions and articles per region and per layer (a full build, or
a cached tally updated by new articles), ``unplaced_groups`` groups the mentions of no place by
name as ``data.unplaced_records`` does, ``region_order`` numbers the regions as the payload does.
"""
from __future__ import annotations

from typing import Iterable

__all__ = ["RegionTally", "place_regions", "region_order", "unplaced_groups"]


class RegionTally:
    """Region and layer counts (places, mentions, articles), built or updated."""

    def __init__(self, layers: list, cached: dict | None = None):
        self.layers = layers
        self.members = {layer.name: {r.name for r in layer.regions} for layer in layers}
        self.counts: dict[str, list[int]] = dict((cached or {}).get("r", {}))
        self.layer_counts: dict[str, list[int]] = dict((cached or {}).get("l", {}))
        self.arts: dict[str, set[int]] = {}
        self.layer_arts: dict[str, set[int]] = {}

    def add(self, regions: list[str], new_place: bool, mentions: int, numbers: Iterable[int]):
        """Count a place in ``regions`` (and their layers): ``numbers`` its articles."""
        if not regions:
            return
        numbers = list(numbers)
        for name in regions:
            c = self.counts.setdefault(name, [0, 0, 0])
            c[0] += new_place
            c[1] += mentions
            self.arts.setdefault(name, set()).update(numbers)
        for layer, mine in self.members.items():
            if mine.intersection(regions):
                c = self.layer_counts.setdefault(layer, [0, 0, 0])
                c[0] += new_place
                c[1] += mentions
                self.layer_arts.setdefault(layer, set()).update(numbers)

    def done(self) -> dict:
        """The counts, articles counted once per region and layer: ``{"r": ..., "l": ...}``."""
        for name, arts in self.arts.items():
            self.counts[name][2] += len(arts)
        for name, arts in self.layer_arts.items():
            self.layer_counts[name][2] += len(arts)
        self.arts, self.layer_arts = {}, {}
        return {"r": self.counts, "l": self.layer_counts}


def unplaced_groups(rows: Iterable[tuple], numbers: dict[str, int],
                     groups: dict[str, dict] | None = None) -> dict[str, dict]:
    """Mentions of no place grouped by name as ``data.unplaced_records`` groups them (case and
    spacing ignored): per group its spellings' counts (``sp``) and per article ``[number,
    mentions, first passage or -1]`` (``a``, by number). ``groups``: cached ones to add to."""
    found: dict[str, tuple[dict, dict]] = {}
    for key, group in (groups or {}).items():
        found[key] = (dict(group["sp"]), {e[0]: list(e) for e in group["a"]})
    for aid, _start, _end, text, _score, pidx in rows:
        number = numbers.get(aid)
        if number is None:
            continue
        key = " ".join(text.casefold().split())
        spellings, arts = found.setdefault(key, ({}, {}))
        spellings[text] = spellings.get(text, 0) + 1
        entry = arts.setdefault(number, [number, 0, -1])
        entry[1] += 1
        if entry[2] < 0 and pidx is not None:
            entry[2] = pidx
    return {key: {"sp": sp, "a": [arts[n] for n in sorted(arts)]}
            for key, (sp, arts) in found.items()}


def place_regions(store) -> dict[str, list[str]]:
    """Place id → the regions the store puts it in."""
    regions: dict[str, list[str]] = {}
    for pid, region in store.place_region_rows():
        regions.setdefault(pid, []).append(region)
    return regions


def region_order(layers: list, extra: Iterable[str] = ()) -> dict[str, int]:
    """Region name → its number in the payload: configured regions in layer order, then any
    other region a place is in (``extra``, as a full build met them)."""
    index: dict[str, int] = {}
    for layer in layers:
        for r in layer.regions:
            index.setdefault(r.name, len(index))
    for name in extra:
        index.setdefault(name, len(index))
    return index
