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
from typing import TYPE_CHECKING, NamedTuple

from geomap.articles import article_id, first_root, relative_id, root_label, source_problem, walk_files
from geomap.sources import is_feed_source
from geomap.pipeline.plan import Fingerprints, settled

if TYPE_CHECKING:
    from pathlib import Path

    from geomap.config import Config
    from geomap.store import Store

__all__ = ["META_LISTING", "Added", "survey", "unchanged_count"]

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
    ``kept``: the stamped stored file articles' ids (unchanged); ``keys``: their text keys (a
    file read whose text is one of them is a copy: the full plan)."""

    files: list[tuple[Path, Path, str]]
    kept: frozenset[str]
    keys: frozenset[str]
    unstamped: frozenset[str] = frozenset()


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
    record = f"{store.articles_generation()} {listing.digest()}"
    if all_settled and store.meta_get(META_LISTING) == record:
        return len(listing.rels)
    matched = _matched(listing, store, now)
    if matched is None:
        return None
    new, reread, kept, keys = matched
    if not new and not reread:
        if not all_settled:     # cannot happen (the files are their settled stamps): be safe
            return None
        store.meta_set(META_LISTING, record)
        return len(listing.rels)
    files = []
    for i, aid in new + reread:
        source = next(s for s in listing.sources if s.start <= i < s.end)
        path = source.path if source.kind == "file" else source.path / listing.rels[i]
        files.append((path, source.root, aid))
    files.sort(key=lambda f: (str(f[0]).split("/"), str(f[1]).split("/")))    # ``discover``'s order
    return Added(files, kept, keys, frozenset(aid for _i, aid in reread))


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


def _matched(listing: _Listing, store: Store, now: int) -> tuple[
        list[tuple[int, str]], list[tuple[int, str]], frozenset[str], frozenset[str]] | None:
    """When every stored file article is listed, each with its stamp or stored without one
    (the module's second case, files whose ids are not stored aside): those other files (index
    in the listing, id), the listed files stored without a stamp (the same), the stamped ids
    and their text keys; else None."""
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
    new: list[tuple[int, str]] = []
    reread: list[tuple[int, str]] = []
    rels, stats, stamp, add = listing.rels, listing.stats, stored.get, seen.add
    for source in listing.sources:
        for i in range(source.start, source.end):
            if source.kind == "file":
                aid = article_id(source.path, source.root, source=source.label)
            else:
                aid = relative_id(rels[i], source.label)
            if aid in seen:         # an id twice: the plan reports it
                return None
            add(aid)
            before = stamp(aid)
            if before is None:
                (reread if aid in unstamped else new).append((i, aid))
            elif before != (stats[2 * i], stats[2 * i + 1]):
                return None
    # Every other file matched a distinct stored article; any stored one not found is to delete.
    if len(seen) - len(new) != len(stored) + len(unstamped):
        return None
    return new, reread, frozenset(stored), frozenset(keys)
