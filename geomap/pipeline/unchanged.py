"""The no-op refresh's fast path: ``unchanged_count`` proves that nothing is new without planning.

A refresh that finds nothing new used to build a ``Path``, a ``Found`` and a ``StoredArticle`` per
article and run the plan over them (~47 µs an article: ~5 s at 100,000). This checks the same
conditions on plain strings and tuples: one ``os.scandir`` per folder (``articles.walk_files``)
and one ``DirEntry.stat()`` per file. It answers only "nothing to do" (the count of unchanged
articles) or ``None``; on ``None`` the refresh runs the full plan, which decides (and reports)
everything else. So it must answer a count only when ``plan.plan`` would decide nothing: no read,
process, delete, restamp, stale mark, region update or render, and no message. The conditions,
each falling back when unmet:

* every setting's fingerprint as stored (parse, names, regions, render) and the map file there;
* no feed source (feeds must be fetched to know), every file/folder source available
  (``source_problem``), every folder source read with the default glob and holding a file;
* every file's mtime is ``settled`` (the racy-mtime rule), and then either

  - **the listing is the one last proved unchanged**: the sources, every file's path, size and
    mtime hash to the digest recorded in ``meta`` (``META_LISTING``) by the last refresh that
    proved them unchanged, and no article row was written since (``Store.articles_generation``,
    kept by triggers: any insert, update or delete by any writer changes it). Nothing per
    article is read from the store and no id is computed; or
  - **the proof itself** (then recorded): the files found are exactly the stored file articles
    (same ids, as ``discover_ids`` gives them; no id twice; the stored source paths do not
    matter: a moved project keeps its ids), each file's ``(size, st_mtime_ns)`` equals its
    stored stamp, no article is marked to be parsed again and no two stored texts are alike.

``survey`` also answers ``Added`` when that proof holds but for files whose ids are not stored,
and stored file articles without a stamp (stored within ``RACY_NS`` of their file's mtime, as
every article of a refresh run right after the files arrived, ``geomap watch``): the executor
reads and plans only those files (the full plan reads the unstamped ones too), then the full
gather decides if that finds a copy.
"""
from __future__ import annotations

import hashlib
import os
from array import array
from itertools import chain
from typing import TYPE_CHECKING, Mapping, NamedTuple

from geomap.articles import article_id, first_root, relative_id, root_label, source_problem, walk_files
from geomap.sources import is_feed_source
from geomap.pipeline import listing as listing_record
from geomap.pipeline.plan import Fingerprints, settled

if TYPE_CHECKING:
    from pathlib import Path

    from geomap.config import Config
    from geomap.store import FileStamp, Store

__all__ = ["META_LISTING", "Added", "record_added", "survey", "unchanged_count"]

META_LISTING = "unchanged_listing"  # "<articles generation> <digest of the listing>", see above


def unchanged_count(config: Config, store: Store, fps: Fingerprints, now: int,
                    outputs_exist: bool) -> int | None:
    """How many articles a refresh finds unchanged when nothing at all is to be done, else None.

    ``now`` is the refresh's start (``time.time_ns()``, before any stat), as for ``plan.plan``.
    Records the listing in ``meta`` when it had to prove it against the stored stamps.
    """
    found = survey(config, store, fps, now, outputs_exist)
    return found if isinstance(found, int) else None


class Added(NamedTuple):
    """Files are only added: every stored file article is listed with its stored stamp (as for
    the no-op), and ``files`` (``(path, source root, id)``, in ``discover_ids``'s order) are the
    files whose ids are not stored at all, or stored without a stamp (``unstamped``: read when
    stored too young to be stamped, plan.RACY_NS; the full plan reads them again too).
    ``kept``: the stamped stored file articles' ids (unchanged). ``record``: the listing as it
    will be once ``files`` are stored with their stamps (``record_added``), ``where``: each of
    ``files``'s place in it (source, index)."""

    files: list[tuple[Path, Path, str]]
    kept: frozenset[str]
    unstamped: frozenset[str]
    record: listing_record.Record
    where: dict[str, tuple[int, int]]


def survey(config: Config, store: Store, fps: Fingerprints, now: int,
           outputs_exist: bool) -> int | Added | None:
    """``unchanged_count``'s answer (an int), or ``Added`` when the same proof shows that the
    only difference is files whose ids are not stored (issue 13: a +10 onto 100,000 plans only
    the 10), or None: the full plan decides."""
    if (os.sep != "/" or not outputs_exist or fps.parse_changed or fps.names_before != fps.names_now
            or fps.regions_before != fps.regions_now or not fps.render_before
            or fps.render_before != fps.render_now):
        return None
    listing = _list(config)
    if listing is None:
        return None
    all_settled = settled(max(listing.stats[1::2]), now)
    generation = store.articles_generation()
    record = f"{generation} {listing.digest()}"
    if all_settled and store.meta_get(META_LISTING) == record:
        return len(listing.rels)
    known = listing_record.load(store, generation)
    if known is not None and known.sources == listing.descriptions():
        matched = _diffed(listing, known, store, now)
    else:
        matched = _matched(listing, store, now)
    if matched is None:
        return None
    new, reread, kept, proved = matched
    if not new and not reread:
        if not all_settled:     # cannot happen (the files are their settled stamps): be safe
            return None
        store.meta_set(META_LISTING, record)
        if known is None or proved.sources != known.sources:    # proved now: recorded
            listing_record.save(store, proved, generation)
        return len(listing.rels)
    files = []
    for i, aid, _k, _j in new + reread:
        source = next(s for s in listing.sources if s.start <= i < s.end)
        path = source.path if source.kind == "file" else source.path / listing.rels[i]
        files.append((path, source.root, aid))
    files.sort(key=lambda f: (str(f[0]).split("/"), str(f[1]).split("/")))    # ``discover``'s order
    return Added(files, kept, frozenset(aid for _i, aid, _k, _j in reread), proved,
                 {aid: (k, j) for _i, aid, k, j in new + reread})


def record_added(store: Store, added: Added, stamps: Mapping[str, FileStamp | None]) -> None:
    """Record the listing after a refresh that stored (or restamped) every one of
    ``added.files`` with ``stamps[id]`` and wrote no other article row: the next survey diffs
    against it (``_diffed``) instead of proving 100,000 files again."""
    record = added.record
    for aid, (k, j) in added.where.items():
        stamp = stamps[aid]
        record.stats[k][2 * j:2 * j + 2] = array("q", (stamp.size, stamp.mtime_ns) if stamp else (-1, -1))
    listing_record.save(store, record, store.articles_generation())


class _Source(NamedTuple):
    kind: str               # "file" or "folder"
    path: Path              # as configured, resolved
    root: Path              # the root ids are relative to
    label: str | None       # the ids' qualifier (None: the first root's plain ids)
    start: int              # this source's files are ``rels[start:end]``
    end: int


class _Listing:
    """What the sources hold now: per file its path relative to its source's root and its
    ``(size, st_mtime_ns)`` (``stats``, two numbers a file), in the walk's order."""

    def __init__(self) -> None:
        self.sources: list[_Source] = []
        self.rels: list[str] = []
        self.stats = array("q")

    def descriptions(self) -> list[tuple[str, str, str, str | None]]:
        """Each source's kind, path, root and label: what a recorded listing must have too."""
        return [(s.kind, str(s.path), str(s.root), s.label) for s in self.sources]

    def digest(self) -> str:
        """A hash of the sources (kind, path, root, label, file count) and of every file's
        relative path, size and mtime, in order."""
        h = hashlib.sha256(b"unchanged-listing-1\n")
        for s in self.sources:
            h.update(f"{s.kind}\0{s.path}\0{s.root}\0{s.label}\0{s.end - s.start}\n"
                     .encode("utf-8", "surrogatepass"))
        h.update("\0".join(self.rels).encode("utf-8", "surrogatepass"))
        h.update(self.stats.tobytes())
        return h.hexdigest()


def _list(config: Config) -> _Listing | None:
    """Every article file of the file and folder sources with its stat (the rules of
    ``discover``), or None when a source is a feed, is unavailable, has another glob or (a
    folder) holds no article file: the full plan decides and reports those."""
    first = first_root(config)
    listing = _Listing()
    rels, stats = listing.rels, listing.stats
    add, number = rels.append, stats.append     # the loop runs once per article: kept lean
    for source in config.sources:
        if source.kind == "feed":
            return None
        path = config.resolve(source.path)
        if source_problem(source.kind, path) is not None:
            return None
        start = len(rels)
        try:
            if source.kind == "file" or path.is_file():
                root, kind = path.parent, "file"
                stat = os.stat(path)
                add(path.name)
                number(stat.st_size)
                number(stat.st_mtime_ns)
            elif source.glob != "**/*":
                return None
            else:
                root, kind = path, "folder"
                for rel, entry in walk_files(path, path.resolve()):
                    stat = entry.stat()
                    add(rel)
                    number(stat.st_size)
                    number(stat.st_mtime_ns)
        except OSError:
            return None
        if len(rels) == start:      # an empty folder source: the plan holds and reports
            return None
        label = None if root == first else root_label(root, config.root)
        listing.sources.append(_Source(kind, path, root, label, start, len(rels)))
    return listing if rels else None


_Match = tuple[list[tuple[int, str, int, int]], list[tuple[int, str, int, int]], frozenset[str],
               listing_record.Record]


def _matched(listing: _Listing, store: Store, now: int) -> _Match | None:
    """When every stored file article is listed, each with its stamp or stored without one
    (the module's second case, files whose ids are not stored aside): those other files and the
    listed files stored without a stamp (each: index in the listing, id, source, index in the
    source), the stamped ids, and the listing as a record (in the listing's order; the stats of
    those files to be filled in, ``record_added``); else None."""
    stored: dict[str, tuple[int, int]] = {}
    unstamped: set[str] = set()
    keys = set()
    rows, sources = store.stamp_rows()
    for aid, size, mtime_ns, again, text_key in rows:
        if size is None and is_feed_source(sources[aid]):
            continue                # a feed entry: no feed source here, so the plan ignores it
        if again:
            return None
        if size is None or mtime_ns is None or text_key is None:
            unstamped.add(aid)      # stored too young for a stamp: read again, as the plan does
            continue
        if not settled(mtime_ns, now):
            return None
        stored[aid] = (size, mtime_ns)
        keys.add(text_key)
    if len(keys) != len(stored):    # copies stored: the plan would delete one
        return None
    seen: set[str] = set()
    new: list[tuple[int, str, int, int]] = []
    reread: list[tuple[int, str, int, int]] = []
    ids: list[list[str]] = []
    rels, stats, stamp, add = listing.rels, listing.stats, stored.get, seen.add
    for k, source in enumerate(listing.sources):
        these: list[str] = []
        ids.append(these)
        for i in range(source.start, source.end):
            if source.kind == "file":
                aid = article_id(source.path, source.root, source=source.label)
            else:
                aid = relative_id(rels[i], source.label)
            if aid in seen:         # an id twice: the plan reports it
                return None
            add(aid)
            these.append(aid)
            before = stamp(aid)
            if before is None:
                (reread if aid in unstamped else new).append((i, aid, k, i - source.start))
            elif before != (stats[2 * i], stats[2 * i + 1]):
                return None
    # Every other file matched a distinct stored article; any stored one not found is to delete.
    if len(seen) - len(new) != len(stored) + len(unstamped):
        return None
    proved = listing_record.Record(
        listing.descriptions(), [rels[s.start:s.end] for s in listing.sources], ids,
        [stats[2 * s.start:2 * s.end] for s in listing.sources])
    return new, reread, frozenset(stored), proved


def _diffed(listing: _Listing, known: listing_record.Record, store: Store, now: int) -> _Match | None:
    """``_matched``'s answer from the listing recorded when no article row has been written
    since (``known``: every stored file article is one of its files, with that stamp or none):
    the files listed now are diffed against it by path, and only the paths not recorded get an
    id. None when a recorded file is gone or its stat differs (stamped), a stamp is no longer
    settled, or a new file's id is stored or repeated: the full plan decides. The record
    returned is ``known`` with the new files appended."""
    new: list[tuple[int, str, int, int]] = []
    reread: list[tuple[int, str, int, int]] = []
    rels_out, ids_out, stats_out = [], [], []
    for k, source in enumerate(listing.sources):
        rels = listing.rels[source.start:source.end]
        stats = listing.stats[2 * source.start:2 * source.end]
        old_rels, old_ids, old_stats = known.rels[k], known.ids[k], known.stats[k]
        if old_stats and not settled(max(old_stats[1::2]), now):
            return None             # a clock set back: the plan reads them again
        recorded = set(old_rels) if len(rels) != len(old_rels) else None
        runs = _new_runs(rels, recorded) if recorded is not None else []
        kept_rels, kept_stats = _without(rels, stats, runs)
        if kept_rels == old_rels:   # the usual case: the recorded files in the recorded order
            now_stats, order = kept_stats, None
            ids_now = _with_runs(old_ids, runs)
        else:
            position = {rel: i for i, rel in enumerate(rels)}
            try:
                order = [position[rel] for rel in old_rels]
            except KeyError:        # a recorded file is gone: the plan deletes
                return None
            now_stats = array("q", bytes(8 * len(old_stats)))
            now_stats[0::2] = array("q", [stats[2 * i] for i in order])
            now_stats[1::2] = array("q", [stats[2 * i + 1] for i in order])
            ids_now = [""] * len(rels)
            for j, i in enumerate(order):
                ids_now[i] = old_ids[j]
        if now_stats != old_stats:
            local = (lambda j: j) if order is None else order.__getitem__
            if runs and order is None:
                local = _index_with_runs(runs)
            for j in range(len(old_rels)):
                if now_stats[2 * j] != old_stats[2 * j] or now_stats[2 * j + 1] != old_stats[2 * j + 1]:
                    if old_stats[2 * j] != -1:
                        return None             # a stamped file changed: the plan reads it
                    reread.append((source.start + local(j), old_ids[j], k, local(j)))
        for a, b in runs:
            for i in range(a, b):
                aid = (article_id(source.path, source.root, source=source.label)
                       if source.kind == "file" else relative_id(rels[i], source.label))
                new.append((source.start + i, aid, k, i))
                ids_now[i] = aid
        # Recorded in the order listed now, so that the next diff meets the usual case.
        rels_out.append(rels)
        ids_out.append(ids_now)
        stats_out.append(array("q", stats))
    fresh = [aid for _i, aid, _k, _j in new]
    if len(set(fresh)) != len(fresh) or store.stored_ids(fresh):
        return None                 # an id twice (or a stored one's): the plan reports it
    unstamped = {aid for _i, aid, _k, _j in reread}
    kept = frozenset(chain.from_iterable(known.ids)) - unstamped
    return new, reread, kept, listing_record.Record(known.sources, rels_out, ids_out, stats_out)


def _new_runs(rels: list[str], recorded: set[str]) -> list[tuple[int, int]]:
    """The ``[start, end)`` runs of ``rels`` not in ``recorded`` (a new folder's files are one)."""
    runs: list[tuple[int, int]] = []
    for i, rel in enumerate(rels):
        if rel not in recorded:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
    return runs


def _without(rels: list[str], stats: array, runs: list[tuple[int, int]]) -> tuple[list[str], array]:
    """``rels`` and their ``stats`` without those runs, by slices."""
    if not runs:
        return rels, stats
    kept_rels: list[str] = []
    kept_stats = array("q")
    at = 0
    for a, b in runs:
        kept_rels += rels[at:a]
        kept_stats += stats[2 * at:2 * a]
        at = b
    kept_rels += rels[at:]
    kept_stats += stats[2 * at:]
    return kept_rels, kept_stats


def _with_runs(ids: list[str], runs: list[tuple[int, int]]) -> list[str]:
    """``ids`` (of the files outside ``runs``, in order) with a placeholder at each run's
    places: a list as long as the listing."""
    out: list[str] = []
    at = taken = 0
    for a, b in runs:
        out += ids[taken:taken + a - at]
        taken += a - at
        out += [""] * (b - a)
        at = b
    out += ids[taken:]
    return out


def _index_with_runs(runs: list[tuple[int, int]]):
    """Maps an index among the files outside ``runs`` to its index in the listing."""
    def local(j: int) -> int:
        for a, b in runs:
            if j < a:
                return j
            j += b - a
        return j
    return local
