"""``refresh``: gather what ``plan.plan`` needs, and carry its plan out.

``refresh`` is safe to run from cron as articles arrive: it processes only the new or changed
articles (by sha256 of the bytes), forgets deleted ones, and writes the outputs to a temporary
folder before moving them into place, so a crash leaves the previous map and store usable. A lock
file keeps two refreshes from interleaving (``lock``). Like git and make, it does not read a file
whose size and mtime are those recorded when it was last read (``store.FileStamp``; the racy-mtime
rule is ``plan.settled``).

The executor decides nothing the plan decides: it stats and reads files, reads feeds, geoparses,
stores, deletes, restamps, marks and renders, in the order the plan's contract requires (outputs
marked stale before the first article is stored; fingerprints saved after the articles).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from geomap.articles import HTML_SUFFIXES, decode, discover_ids, from_bytes, parse_text, read_stamped
from geomap.errors import ArticleError, StoreError
from geomap.executors import ExecutorOptions
from geomap.model import Article, Mention
from geomap.pipeline.clock import Stage, StageClock
from geomap.pipeline.lock import open_store
from geomap.pipeline.outputs import MAP_FILE, write_outputs
from geomap.pipeline.plan import Content, Fingerprints, Found, Plan, Stat, Work, changed_names, plan
from geomap.pipeline.stages import Stages, isolated
from geomap.pipeline.unchanged import Added, record_added, survey
from geomap.sources import held_articles, printable, read_feed_source, utf8_name

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

__all__ = ["Progress", "RefreshSummary", "forget", "refresh"]

Progress = Callable[[int, int, str], None]      # (done, total, article id)

META_PARSE = "parse_fingerprint"
META_REGIONS = "regions_fingerprint"
META_RENDER = "render_fingerprint"
META_PAGES = "pages_fingerprint"        # what the article and place pages depend on (issue 13)
META_NAMES = "parse_names"     # pins and ignored names, so a change re-parses only where they occur
META_TOTALS = "map_totals"      # "places mentions" as of the last refresh (the no-op reports them)


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
    stages: tuple[Stage, ...] = ()  # where the time went: gather (stat, read, plan), process
                                    # (geoparse and store), store (its part), render

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
    with open_store(config, wait=wait) as (store, notes):
        run = Refresh(config, store, progress, ExecutorOptions(workers, executor, scheduler))
        return dataclasses.replace(run.run(started), notes=tuple(notes))


def forget(config: Config, target: str, *, wait: float = 0.0) -> int:
    """Forget the stored articles that came from ``target`` (a file or folder, relative to the
    project root like the config's paths, or a stored source exactly); returns how many. The
    map is brought up to date by the next refresh (this marks the outputs stale)."""
    from geomap.sources import forget_ids

    with open_store(config, wait=wait) as (store, _notes):
        store.finish_bulk_load()        # a cold build killed mid-way: its indexes first
        ids = forget_ids(config, store.article_sources(), target)
        if not ids:
            return 0
        store.meta_set(META_RENDER, "")
        return store.delete_articles(sorted(ids))


class Refresh:
    """One refresh run: gather, plan, then process, restamp, delete, mark, render."""

    BATCH_ARTICLES = 200        # articles per store transaction ...
    BATCH_SECONDS = 1.0         # ... or fewer, so a kill loses at most about a second of work
    BULK_ARTICLES = 1000        # into an empty store: indexes built after, not while (store_bulk)
    TEXT_BUDGET = 32_000_000    # characters of article text kept from planning to processing
    WINDOW = 500                # articles loaded and handed to the geoparser at a time
    POOL_MIN = 64               # fewer articles than this are geoparsed in process, whatever --workers

    def __init__(self, config: Config, store: Store, progress: Progress | None,
                 options: ExecutorOptions = ExecutorOptions()):
        self.config, self.store, self.progress, self.options = config, store, progress, options
        self.errors: list[str] = []
        self.articles: dict[str, Article | tuple[Path, str]] = {}   # read by this run, by id; or
                                                # (path, sha256) to read again (``TEXT_BUDGET``)
        self.held = 0                           # characters of text read (kept or not)
        self.process_failed: set[str] = set()   # read, but parsing or storing them failed
        self.again: set[str] = set()            # stored, to be parsed again (online geocoding failed)
        self.clock = StageClock()
        self.added: Added | None = None         # the added-only gather's survey, if it planned
        self.totals_before: str | None = None   # META_TOTALS as the added-only gather found it

    def run(self, started: float) -> RefreshSummary:
        stage = Stages(self.config, geocode_cache=self.store.geocode_cache)
        try:
            return self._run(stage, started)
        finally:
            stage.close()

    def fingerprints(self, stage: Stages) -> Fingerprints:
        meta = self.store.meta_get
        return Fingerprints(
            parse_before=meta(META_PARSE), parse_now=stage.parse_fingerprint(),
            names_before=meta(META_NAMES), names_now=stage.names_state(),
            regions_before=meta(META_REGIONS), regions_now=stage.regions_fingerprint(),
            render_before=meta(META_RENDER), render_now=stage.render_fingerprint(),
            pages_before=meta(META_PAGES), pages_now=stage.pages_fingerprint())

    def _run(self, stage: Stages, started: float) -> RefreshSummary:
        self.store.finish_bulk_load()       # a cold build was killed: build its indexes first
        with self.clock("gather"):
            fps = self.fingerprints(stage)
            out_dir = self.config.resolve(self.config.map.output)
            now = time.time_ns()        # before any stat: see plan.RACY_NS
            same = survey(self.config, self.store, fps, now, (out_dir / MAP_FILE).is_file())
            decided, unavailable, known = None, 0, {}
            if isinstance(same, Added):     # only files whose ids are not stored: plan just them
                decided, known = self._gather_added(same, fps, now)
                same = None
            if same is None and decided is None:    # reads already made are not made again
                decided, unavailable = self._gather(fps, out_dir, known, now if known else None)
        if same is not None:                # nothing new: the plan would decide nothing
            places, mentions = _totals(self.store)
            return RefreshSummary(unchanged=same, places=places, mentions=mentions,
                                  seconds=round(time.monotonic() - started, 3),
                                  stages=self.clock.stages())
        return self._execute(stage, decided, fps, started, unavailable=unavailable)

    def _gather(self, fps: Fingerprints, out_dir: Path, known: dict[tuple[str, str], Found],
                start: int | None) -> tuple[Plan, int]:
        """Stat, read what the plan needs read, and plan: the plan and how many sources were
        unavailable. ``known``: files already read, by (path, id); ``start``: the refresh's start
        when they were read (before it, so that the racy-mtime rule holds for them)."""
        stored = self.store.stored_articles()
        names = changed_names(fps)
        naming = frozenset(_naming(self.store.article_texts(), names)) if names else frozenset()
        now = start if start is not None else time.time_ns()    # before any stat: see plan.RACY_NS
        discovered = discover_ids(self.config)
        held, messages = held_articles(self.config, {aid: (s.sha256, s.source) for aid, s in stored.items()},
                                       discovered)
        self.errors.extend(messages)
        paths = {}
        found: list[Found] = []
        for path, _root, aid in discovered:
            found.append(known.get((str(path), aid)) or self._file(path, aid))
            paths.setdefault(aid, []).append((len(found) - 1, path))
        feed_errors, unavailable = self._feeds(found, names)
        while True:
            decided = plan(stored, found, fps, now, held=frozenset(held), naming=naming,
                           missing_sources=len(messages),
                           outputs_exist=(out_dir / MAP_FILE).is_file())
            if not decided.read:
                break
            for aid in decided.read:
                index, path = next((i, p) for i, p in paths[aid]
                                   if found[i].content is None and found[i].error is None)
                found[index] = self._read(found[index], path, stored, names)
        self.errors.extend(decided.errors)
        self.errors.extend(feed_errors)
        if decided.held_note:
            self.errors.append(decided.held_note)
        return decided, len(messages) + unavailable

    def _gather_added(self, added: Added, fps: Fingerprints,
                      now: int) -> tuple[Plan | None, dict[tuple[str, str], Found]]:
        """The plan of a refresh whose only change is ``added.files`` (``unchanged.survey``
        proved every other stored file article listed with its stamp): only they are stat'ed,
        read and planned (against the stored versions of those stored without a stamp), the
        stamped ones are ``kept``. None when a file read is a copy of another article or a name
        is not UTF-8: the full gather decides, given the files read (by path and id)."""
        stored = self.store.stored_articles_of(added.unstamped) if added.unstamped else {}
        found = [self._file(path, aid) for path, _root, aid in added.files]
        if any(f.error is not None for f in found):
            return None, {}
        paths = {aid: path for path, _root, aid in added.files}
        while True:
            decided = plan(stored, found, fps, now, outputs_exist=True)
            if not decided.read:
                break
            index = {f.id: i for i, f in enumerate(found)}
            for aid in decided.read:
                found[index[aid]] = self._read(found[index[aid]], paths[aid], stored, set())
        keys = [f.content.text_key for f in found if f.content is not None]
        if (len(set(keys)) != len(keys) or decided.duplicates
                or self.store.ids_with_text_keys(keys) - added.unstamped):
            # Copies: which one wins is the full plan's to decide (the texts read are kept).
            return None, {(f.source, f.id): f for f in found if f.content is not None}
        self.errors.extend(decided.errors)
        self.added = added
        self.totals_before = self.store.meta_get(META_TOTALS)
        return dataclasses.replace(decided, kept=decided.kept | added.kept), {}

    def _execute(self, stage: Stages, decided: Plan, fps: Fingerprints, started: float, *,
                 unavailable: int) -> RefreshSummary:
        if decided.outputs_stale:
            self.store.meta_set(META_RENDER, "")    # outputs are stale until a render succeeds
        with self.clock("process"):
            counts, geocoded = self._process_all(stage, decided)
        if decided.restamp:
            self.store.set_stamps(decided.restamp)
        deleted = self.store.delete_articles(decided.delete) if decided.delete else 0
        done = {w.id for w in decided.process if w.id not in self.process_failed}
        if missed := decided.stale - done:
            self.store.mark_parse_again(sorted(missed))
        self.store.meta_set(META_PARSE, fps.parse_now)
        self.store.meta_set(META_NAMES, fps.names_now)
        if self.added is not None and self._as_planned(decided):
            record_added(self.store, self.added, decided.stamps)
        if decided.update_regions:
            self._update_regions(stage, fps.regions_now)
        totals = self._counts(decided, done)
        # Before the render's fingerprint: whatever changes mentions first clears that fingerprint
        # (``outputs_stale``, ``forget``), so while it holds, these totals hold (``_totals``).
        self.store.meta_set(META_TOTALS, f"{totals['places']} {totals['mentions']}")
        rendered = False
        if decided.render:
            only = {w.id for w in decided.process if w.id in done} if decided.partial else None
            with self.clock("render"):
                write_outputs(self.store, self.config.resolve(self.config.map.output), self.config,
                              stage.layers, only=only, map_only=decided.map_only,
                              workers=self.options.workers)
            self.store.meta_set(META_RENDER, fps.render_now)
            self.store.meta_set(META_PAGES, fps.pages_now)
            rendered = True
        failed_work = sum(1 for w in decided.process if w.id in self.process_failed and w.why != "reparsed")
        return RefreshSummary(
            new=counts["new"], changed=counts["changed"], deleted=deleted,
            failed=len(decided.failed | self.process_failed),
            unchanged=len(decided.articles) + len(decided.kept) - counts["new"] - counts["changed"]
            - failed_work,
            reparsed=counts["reparsed"], places=totals["places"], mentions=totals["mentions"],
            geocoded=geocoded, seconds=round(time.monotonic() - started, 3),
            errors=tuple(self.errors), rendered=rendered, duplicates=decided.duplicates,
            unavailable=unavailable, stages=self.clock.stages())

    def _counts(self, decided: Plan, done: set[str]) -> dict[str, int]:
        """The map's places and mentions now: after an added-only refresh that stored only new
        articles (or none: unstamped ones restamped), the last refresh's totals (true: its
        render succeeded, ``survey``) plus those articles' placed mentions, instead of counting
        3 million mentions (~0.12-0.3 s at 100k)."""
        saved = (self.totals_before or "").split()
        if (self.added is not None and all(w.why == "new" for w in decided.process)
                and not decided.delete and len(saved) == 2 and all(n.isdigit() for n in saved)):
            return {"places": self.store.place_count(),
                    "mentions": int(saved[1]) + self.store.placed_mentions(done)}
        return self.store.counts()

    def _as_planned(self, decided: Plan) -> bool:
        """The added-only plan was carried out exactly: every file it names is stored (or
        restamped) with its planned stamp, nothing failed, was deleted or marked, nothing else
        was reported (so the next survey may trust the listing recorded now)."""
        return (not (decided.failed or decided.delete or decided.duplicates or decided.stale
                     or decided.update_regions or self.process_failed or self.again or self.errors)
                and all(aid in decided.stamps for _path, _root, aid in self.added.files))

    # --- gathering ------------------------------------------------------------------------------

    @staticmethod
    def _file(path: Path, aid: str) -> Found:
        """A discovered file as the plan sees it, before it is read."""
        if not utf8_name(path):     # it could not be stored as text
            return Found(aid, str(path), error=f"{printable(path)}: the file name is not valid "
                                               "UTF-8; skipped (rename it)")
        try:
            stat = path.stat()
        except OSError:
            return Found(aid, str(path))        # reading it reports why
        return Found(aid, str(path), stat=Stat(stat.st_size, stat.st_mtime_ns))

    def _read(self, entry: Found, path: Path, stored: dict, names: set[str] | None) -> Found:
        """``entry`` read: with its content and the stat from just before it was read, or the
        error. An unchanged text file is left unparsed (no passages) until it must be processed
        (``_parsed``). Past ``TEXT_BUDGET`` characters of texts held, a text is not kept: the
        file is read again when its turn to be processed comes (``_window``)."""
        before = stored.get(entry.id)
        keep = self.held < self.TEXT_BUDGET       # else it is read (and split) again when processed
        try:
            article, stat = _load(path, entry.id, before.sha256 if before is not None else None,
                                  split=keep)
        except ArticleError as e:
            return dataclasses.replace(entry, error=str(e))
        except Exception as e:      # noqa: BLE001 - one bad file must not stop the others
            return dataclasses.replace(entry, error=f"{printable(path)}: cannot read ({type(e).__name__}: "
                                                    f"{e}); skipped, retried next refresh")
        content = self._content(article, names)
        self.held += len(article.text)
        self.articles[entry.id] = article if self.held <= self.TEXT_BUDGET else (path, article.sha256)
        return dataclasses.replace(entry, stat=Stat(stat.st_size, stat.st_mtime_ns), content=content)

    def _feeds(self, found: list[Found], names: set[str] | None) -> tuple[list[str], int]:
        """Append every feed entry to ``found``; the feeds' errors and how many were unreadable."""
        errors, unavailable = [], 0
        for source in self.config.sources:
            if source.kind == "feed":
                entries, problems, readable = read_feed_source(source, self.config)
                errors.extend(problems)
                unavailable += not readable
                for article in entries:
                    self.articles.setdefault(article.id, article)
                    found.append(Found(article.id, article.source, "feed",
                                       content=self._content(article, names)))
        return errors, unavailable

    @staticmethod
    def _content(article: Article, names: set[str] | None) -> Content:
        return Content(article.sha256, text_key(article.text),
                       bool(names) and bool(_naming([(article.id, article.text)], names)))

    # --- processing -----------------------------------------------------------------------------

    def _process_all(self, stage: Stages, decided: Plan) -> tuple[dict, int]:
        """Geoparse the plan's work (where the executor says), refine, locate, store in batches.

        A window of articles at a time is loaded (read again if its text was not kept) and
        geoparsed, so memory stays bounded whatever the number of articles (issue 13)."""
        counts = {"new": 0, "changed": 0, "reparsed": 0}
        geocoded = 0
        if not decided.process:
            return counts, geocoded
        options = self.options
        if options.executor == "local" and len(decided.process) < self.POOL_MIN:
            options = ExecutorOptions()             # a few articles: no worker start-up (~1-3 s)
        if not options.in_process:
            stage.gazetteer                         # built here once, opened by the workers
        bulk = len(decided.process) >= self.BULK_ARTICLES and self.store.begin_bulk_load()
        batch: list = []
        flushed = time.monotonic()
        done, total = 0, len(decided.process)
        with stage.executor(options) as pool:
            for start in range(0, total, self.WINDOW):
                works = decided.process[start:start + self.WINDOW]
                todo = self._window(works)
                done += len(works) - len(todo)
                results = isolated(pool, stage, [a.text for a, _ in todo])
                for (article, work), mentions in zip(todo, results):
                    done += 1
                    try:
                        if isinstance(mentions, Exception):
                            raise mentions
                        batch.append(self._prepare(stage, _parsed(article), mentions))
                    except Exception as e:      # noqa: BLE001 - one article must not stop the others
                        self._failed_article(article, e)
                        continue
                    geocoded += sum(1 for m in mentions if m.place is not None)
                    counts[work.why] += 1
                    if (len(batch) >= self.BATCH_ARTICLES
                            or time.monotonic() - flushed >= self.BATCH_SECONDS):
                        self._store(batch, counts, decided)
                        batch, flushed = [], time.monotonic()
                    if self.progress:
                        self.progress(done, total, article.id)
                results.close()     # the executor's generator ends now, while its client is open
        if batch:
            self._store(batch, counts, decided)
        if bulk:
            with self.clock("index"):
                self.store.finish_bulk_load()
        return counts, geocoded

    def _window(self, works: Iterable[Work]) -> list[tuple[Article, Work]]:
        """These articles, ready to geoparse, let go of by ``self.articles``; a file whose text
        was not kept is read again, and if its bytes are no longer those planned with, it is
        reported and left for the next refresh (which sees its new size and mtime)."""
        ready = []
        for work in works:
            article = self.articles.pop(work.id)
            if isinstance(article, tuple):
                path, sha256 = article
                try:
                    article, _stat = _load(path, work.id, None)
                    if article.sha256 != sha256:
                        raise ArticleError(printable(path), "changed while the refresh ran; "
                                                            "read again next refresh")
                except Exception as e:      # noqa: BLE001 - one bad file must not stop the others
                    self.errors.append(f"{e}" if isinstance(e, ArticleError) else
                                       f"{printable(path)}: cannot read ({type(e).__name__}: {e}); "
                                       "skipped, retried next refresh")
                    self.process_failed.add(work.id)
                    continue
            ready.append((article, work))
        return ready

    def _failed_article(self, article: Article, error: Exception) -> None:
        """Report an article that could not be processed; its stored version (if any) stays and
        the next refresh tries it again (it gets no stamp, and a parse-again mark if it was due
        to be parsed again)."""
        self.errors.append(f"{printable(article.source)}: could not be processed "
                           f"({type(error).__name__}: {error}); skipped, retried next refresh")
        self.process_failed.add(article.id)

    def _store(self, batch: list, counts: dict, decided: Plan) -> None:
        """Store a batch in one transaction; if it fails for a reason other than the store
        itself (an article's data SQLite refuses), store its articles one by one so only the bad
        ones are skipped."""
        try:
            with self.clock("store"):
                self.store.put_articles(batch, decided.stamps, parse_again=self.again)
            return
        except StoreError:
            raise
        except Exception:       # noqa: BLE001 - found out below, article by article
            pass
        why = {w.id: w.why for w in decided.process}
        for item in batch:
            try:
                self.store.put_articles([item], decided.stamps, parse_again=self.again)
            except StoreError:
                raise
            except Exception as e:      # noqa: BLE001
                self._failed_article(item[0], e)
                counts[why[item[0].id]] -= 1

    def _prepare(self, stage: Stages, article: Article, mentions: list[Mention]):
        """Refine online, find regions: one ``(article, mentions, regions)`` for the store."""
        mentions, errors = stage.refine(mentions)
        self.errors.extend(f"{article.source}: {e}" for e in errors)
        if errors:      # the online geocoder failed: keep the offline places, try again next time
            self.again.add(article.id)
        places = {m.place.id: m.place for m in mentions if m.place is not None}
        regions = dict(zip(places, stage.regions_for_places(list(places.values()))))
        return article, mentions, regions

    def _update_regions(self, stage: Stages, fingerprint: str) -> None:
        """Recompute every place's regions (the layers changed)."""
        places = self.store.places()
        memberships = stage.regions_for_places(places)
        self.store.meta_set(META_RENDER, "")
        self.store.replace_place_regions(dict(zip((p.id for p in places), memberships)))
        self.store.meta_set(META_REGIONS, fingerprint)


def _load(path: Path, aid: str, stored_sha256: str | None,
          split: bool = True) -> tuple[Article, os.stat_result]:
    """The article in the file at ``path`` and the stat from just before it was read. A text
    file whose bytes are still those of ``stored_sha256`` is not split into passages here, nor
    any text file when ``split`` is False (a cold build past ``TEXT_BUDGET`` reads it again)."""
    data, stat = read_stamped(path)
    if path.suffix.lower() in HTML_SUFFIXES:
        return from_bytes(data, path, aid), stat
    sha256 = hashlib.sha256(data).hexdigest()
    text = decode(data, path)
    if sha256 == stored_sha256 or not split:
        return Article(id=aid, source=str(path), text=text, sha256=sha256), stat
    return parse_text(text, source=str(path), article_id=aid, sha256=sha256), stat


def _totals(store: Store) -> tuple[int, int]:
    """The map's places and mentions as the last refresh counted them (counting every mention
    again costs ~1 µs a mention), or counted now (and kept) in a store from before they were
    kept. Called only when nothing changed since the render, so they are still true."""
    saved = (store.meta_get(META_TOTALS) or "").split()
    if len(saved) == 2 and all(n.isdigit() for n in saved):
        return int(saved[0]), int(saved[1])
    counts = store.counts()
    store.meta_set(META_TOTALS, f"{counts['places']} {counts['mentions']}")     # true as of now
    return counts["places"], counts["mentions"]


def _parsed(article: Article) -> Article:
    """``article`` with its header fields and passages (a text article always has a passage)."""
    if article.passages:
        return article
    return parse_text(article.text, source=article.source, article_id=article.id, sha256=article.sha256)


def text_key(text: str) -> str:
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
