"""What a refresh must do, decided without I/O: ``plan(stored, found, fingerprints, now)``.

Plain data in, a ``Plan`` out; the executor (``pipeline.execute``) gathers the data (the store's
rows, the sources' files and feeds, the fingerprints of the settings) and carries the plan out.
The rules, each tested by a table in ``tests/test_plan.py``:

* **Unchanged files are not read.** A file whose size and mtime are those of its stored stamp is
  left unread, unless its stored version must be parsed again. A stamp is recorded only when the
  file's mtime is more than ``RACY_NS`` older than the refresh's start (``now``), and trusted only
  if that still holds: a file rewritten with the same size within the mtime granularity of its
  previous version would otherwise look unchanged for ever ("racy git").
* **Reading is a round of its own.** While a file the plan needs is unread, the plan is only
  ``read``: the executor reads those files, records their content (or the error) in ``found``
  and plans again. The second plan reads nothing more unless a read failed where an earlier
  file of the same id stood aside (then that one is read: the first readable file wins).
* **What is processed**: new articles, changed content, stored versions marked to be parsed
  again (an online outage), and, when the parse fingerprint changed, every article; when only
  pins or ignored names changed, just the articles whose text names one of them.
* **Duplicates**: a second file with the id of an earlier one is an error and skipped; of
  articles with the same text (whitespace aside), the one already stored wins, else the first
  found: adding a copy never churns the store.
* **Missing or unreadable sources keep their stored articles**: an unreadable file's id is
  ``failed`` (kept), ``held`` ids (their source is unavailable) are kept, and while a file or
  folder source is unavailable nothing is deleted (a misspelled path must not forget a corpus).
  Feed entries no longer in their feed are kept too; ``geomap forget`` forgets them.
* **Stale marks**: stored articles the settings made stale are listed in ``stale``; each one
  the run does not process successfully is marked to be parsed again when next seen.
* **Renders**: the outputs are rewritten when anything was processed or deleted, the regions
  changed, the render settings changed, or the map is missing; only the new articles' pages (and
  their places') when the outputs were complete and new articles are the only change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Mapping, NamedTuple, Sequence

from geomap.sources import is_feed_source
from geomap.store import FileStamp

if TYPE_CHECKING:
    from geomap.store import StoredArticle

__all__ = ["RACY_NS", "Content", "Fingerprints", "Found", "Plan", "Stat", "Work", "changed_names",
           "plan", "settled"]

RACY_NS = 2_000_000_000     # a file modified this close to a refresh's start gets no stamp (yet)

Why = Literal["new", "changed", "reparsed"]


class Stat(NamedTuple):
    """A file's ``os.stat`` size and ``st_mtime_ns``."""

    size: int
    mtime_ns: int


class Content(NamedTuple):
    """What the plan needs of an article that was read: the sha256 of its bytes, the key copies
    share (``execute.text_key``) and whether its text names a changed pin or ignored name."""

    sha256: str
    text_key: str
    names_changed: bool = False


@dataclass(frozen=True)
class Found:
    """One article a source offers, in the order found: a file (``stat`` None if it could not
    be stat'ed; ``content`` once read) or a feed entry (always with ``content``). ``error``: why
    it cannot be used (a name that is not UTF-8, a read that failed)."""

    id: str
    source: str
    kind: Literal["file", "feed"] = "file"
    stat: Stat | None = None
    content: Content | None = None
    error: str | None = None


@dataclass(frozen=True)
class Fingerprints:
    """Each setting's fingerprint as stored by the last refresh (``before``, None if never) and
    as it is now. ``names``: the pins and ignored names (``stages.Stages.names_state``)."""

    parse_before: str | None
    parse_now: str
    names_before: str | None
    names_now: str
    regions_before: str | None
    regions_now: str
    render_before: str | None
    render_now: str
    pages_before: str | None = None     # what the article and place pages depend on (issue 13)
    pages_now: str = ""

    @property
    def parse_changed(self) -> bool:
        return self.parse_before != self.parse_now


class Work(NamedTuple):
    """An article to process, and why: ``new``, ``changed`` content, or ``reparsed`` as it is."""

    id: str
    why: Why


@dataclass(frozen=True)
class Plan:
    """What to do. If ``read`` is not empty, nothing else is decided yet: read those files
    (the first entry of ``found`` with that id and no content), then plan again."""

    read: tuple[str, ...] = ()
    process: tuple[Work, ...] = ()          # in the order found
    articles: frozenset[str] = frozenset()  # read articles kept (of copies, the winner)
    kept: frozenset[str] = frozenset()      # files left unread as unchanged (winners too)
    failed: frozenset[str] = frozenset()    # unusable files: their stored versions stay
    duplicates: int = 0                     # articles skipped as copies of another
    delete: tuple[str, ...] = ()
    stamps: Mapping[str, FileStamp | None] = field(default_factory=dict)   # of the files read
    restamp: tuple[tuple[str, str, FileStamp | None], ...] = ()  # (id, sha256, stamp): read, same bytes
    stale: frozenset[str] = frozenset()     # stored, made stale by the settings: mark unless processed
    outputs_stale: bool = False             # mark the outputs stale before processing
    update_regions: bool = False            # the region layers changed: recompute every place's
    render: bool = False
    partial: bool = False                   # render only the processed (all new) articles' pages
    map_only: bool = False                  # only map settings changed: render the map alone
    errors: tuple[str, ...] = ()            # about the sources found, in their order
    held_note: str | None = None            # why articles no source has now were not deleted


def settled(mtime_ns: int, now_ns: int) -> bool:
    """An mtime older than the refresh's start by more than ``RACY_NS``: any later write gets a
    later mtime even on filesystems with 1-2 s timestamps, so a stamp can be trusted. Checked
    when a stamp is recorded and again when it is used (a clock set back in between)."""
    return mtime_ns < now_ns - RACY_NS


def changed_names(fingerprints: Fingerprints) -> set[str] | None:
    """The normalised names whose pin or ignore entry changed; None when every stored mention may
    be stale (the parse fingerprint changed), so every article is parsed again."""
    if fingerprints.parse_changed:
        return None
    before, now = fingerprints.names_before, fingerprints.names_now
    if before is None:
        return set()            # a store from before names were tracked: the fingerprint decided
    try:
        old, new = json.loads(before), json.loads(now)
    except ValueError:
        old, new = {"pins": {}, "ignore": []}, json.loads(now)
    pins = {k for k in old["pins"].keys() | new["pins"].keys()
            if old["pins"].get(k) != new["pins"].get(k)}
    return pins | (set(old["ignore"]) ^ set(new["ignore"]))


def plan(stored: Mapping[str, StoredArticle], found: Sequence[Found], fingerprints: Fingerprints,
         now: int, *, held: frozenset[str] = frozenset(), naming: frozenset[str] = frozenset(),
         missing_sources: int = 0, outputs_exist: bool = True) -> Plan:
    """Decide a refresh (see the module's rules).

    ``stored``: the store's articles by id; ``found``: what the sources offer now; ``now``: the
    refresh's start (``time.time_ns()``, taken before any file was stat'ed). ``held``: stored
    ids whose source is unavailable; ``naming``: stored ids whose text names a changed pin or
    ignored name (``changed_names``); ``missing_sources``: file and folder sources unavailable;
    ``outputs_exist``: the map file is there.
    """
    everything = fingerprints.parse_changed

    def unchanged(f: Found) -> bool:
        s = stored.get(f.id)
        return (s is not None and s.stamp is not None and not everything and f.id not in naming
                and not s.parse_again and f.stat == (s.stamp.size, s.stamp.mtime_ns)
                and settled(s.stamp.mtime_ns, now))

    keys: dict[str, str] = {}       # de-duplication key of every usable article, in order found
    sources: dict[str, str] = {}
    reads: dict[str, Found] = {}
    to_read: dict[str, None] = {}   # in the order found; a dict: ``in`` on a list made a cold
                                    # build's plan quadratic (55 s of gather at 100,000 files)
    errors: list[str] = []
    failed: set[str] = set()
    for f in found:
        if f.kind == "feed":
            if f.content is not None and f.id not in keys:
                keys[f.id], reads[f.id] = f.content.text_key, f
            continue
        if f.error is not None:
            errors.append(f.error)
            failed.add(f.id)
        elif f.id in keys or f.id in to_read:
            first = sources[f.id]
            errors.append(f"{f.source}: same id as {first}; skipped")
            failed.add(f.id)
        elif f.content is not None:
            keys[f.id], sources[f.id], reads[f.id] = f.content.text_key, f.source, f
        elif unchanged(f):
            keys[f.id], sources[f.id] = stored[f.id].stamp.text_key, stored[f.id].source
        else:
            to_read[f.id] = None
            sources[f.id] = f.source
    if to_read:
        return Plan(read=tuple(to_read))

    winners: dict[str, str] = {}
    for aid, key in keys.items():
        if key not in winners or (aid in stored and winners[key] not in stored):
            winners[key] = aid
    chosen = set(winners.values())
    articles = {aid for aid in reads if aid in chosen}
    kept = chosen - reads.keys()

    process = []
    for aid in (aid for aid in reads if aid in articles):
        content, before = reads[aid].content, stored.get(aid)
        if before is None:
            process.append(Work(aid, "new"))
        elif before.sha256 != content.sha256:
            process.append(Work(aid, "changed"))
        elif everything or content.names_changed or before.parse_again:
            process.append(Work(aid, "reparsed"))

    gone = {aid for aid, s in stored.items()
            if aid not in articles and aid not in kept and aid not in failed and aid not in held
            and not is_feed_source(s.source)}
    held_note = None
    if gone and missing_sources:     # a misspelled path in the config: forget nothing until fixed
        held_note = (f"{len(gone)} stored article(s) no source has now are kept while a source is "
                     "unavailable (`geomap forget SOURCE` forgets them)")
        gone = set()

    stamps = {aid: (FileStamp(f.stat.size, f.stat.mtime_ns, f.content.text_key)
                    if settled(f.stat.mtime_ns, now) else None)
              for aid, f in reads.items() if f.kind == "file" and f.stat is not None}
    processed = {w.id for w in process}
    restamp = tuple((aid, reads[aid].content.sha256, stamps[aid]) for aid in reads
                    if aid in articles and aid in stamps and aid not in processed
                    and stored[aid].sha256 == reads[aid].content.sha256)
    stale = (set(stored) if everything else set(naming)) - gone
    update_regions = fingerprints.regions_before != fingerprints.regions_now
    complete = outputs_exist and fingerprints.render_before == fingerprints.render_now
    return Plan(
        process=tuple(process), articles=frozenset(articles), kept=frozenset(kept),
        failed=frozenset(failed), duplicates=len(keys) - len(winners), delete=tuple(sorted(gone)),
        stamps=stamps, restamp=restamp, stale=frozenset(stale),
        outputs_stale=bool(process or gone), update_regions=update_regions,
        render=bool(process or gone or update_regions) or not complete,
        partial=(complete and not update_regions and not gone and bool(process)
                 and all(w.why == "new" for w in process)),
        # Complete outputs ("" marks them stale) of other map settings, pages as they were.
        map_only=(not (process or gone or update_regions) and outputs_exist
                  and bool(fingerprints.render_before)
                  and fingerprints.render_before != fingerprints.render_now
                  and fingerprints.pages_before == fingerprints.pages_now),
        errors=tuple(errors), held_note=held_note)
