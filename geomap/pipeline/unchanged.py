"""The no-op refresh's fast path: ``unchanged_count`` proves that nothing is new without planning.

A refresh that finds nothing new used to build a ``Path``, a ``Found`` and a ``StoredArticle`` per
article and run the plan over them (~47 µs an article: ~5 s at 100,000). This checks the same
conditions on plain strings and tuples: one ``os.scandir`` per folder (``articles.walk_files``)
and one ``DirEntry.stat()`` per file, compared with the stored stamps from one narrow SELECT.
It answers only "nothing to do" (the count of unchanged articles) or ``None``; on ``None`` the
refresh runs the full plan, which decides (and reports) everything else. So it must answer a
count only when ``plan.plan`` would decide nothing: no read, process, delete, restamp, stale mark,
region update or render, and no message. The conditions, each falling back when unmet:

* every setting's fingerprint as stored (parse, names, regions, render) and the map file there;
* no feed source (feeds must be fetched to know), every file/folder source available
  (``source_problem``), every folder source read with the default glob and holding a file;
* the files found are exactly the stored file articles: same ids (as ``discover_ids`` gives
  them), no id twice (the stored source paths do not matter: a moved project keeps its ids);
* each file's ``(size, st_mtime_ns)`` equals its stored stamp, and that mtime is ``settled``
  (the racy-mtime rule); no article marked to be parsed again; no two stored texts alike.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from geomap.articles import article_id, first_root, relative_id, root_label, source_problem, walk_files
from geomap.feeds import is_feed_source
from geomap.pipeline.plan import Fingerprints, settled

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

__all__ = ["unchanged_count"]


def unchanged_count(config: Config, store: Store, fps: Fingerprints, now: int,
                    outputs_exist: bool) -> int | None:
    """How many articles a refresh finds unchanged when nothing at all is to be done, else None.

    ``now`` is the refresh's start (``time.time_ns()``, before any stat), as for ``plan.plan``.
    """
    if (os.sep != "/" or not outputs_exist or fps.parse_changed or fps.names_before != fps.names_now
            or fps.regions_before != fps.regions_now or not fps.render_before
            or fps.render_before != fps.render_now):
        return None
    stored: dict[str, tuple[int, int]] = {}
    keys = set()
    rows, sources = store.stamp_rows()
    for aid, size, mtime_ns, again, text_key in rows:
        if size is None and is_feed_source(sources[aid]):
            continue                # a feed entry: no feed source here, so the plan ignores it
        if again or size is None or mtime_ns is None or text_key is None or not settled(mtime_ns, now):
            return None
        stored[aid] = (size, mtime_ns)
        keys.add(text_key)
    if len(keys) != len(stored):    # copies stored: the plan would delete one
        return None
    first = first_root(config)
    seen: set[str] = set()
    for source in config.sources:
        if source.kind == "feed":
            return None
        path = config.resolve(source.path)
        if source_problem(source.kind, path) is not None:
            return None
        if source.kind == "file" or path.is_file():
            root = path.parent
            label = None if root == first else root_label(root, config.root)
            aid = article_id(path, root, source=label)
            try:
                if aid in seen or not _same(stored.get(aid), os.stat(path)):
                    return None
            except OSError:
                return None
            seen.add(aid)
            continue
        if source.glob != "**/*":
            return None
        label = None if path == first else root_label(path, config.root)
        before = len(seen)
        stamp, add = stored.get, seen.add       # the loop runs once per article: kept lean
        try:
            for rel, entry in walk_files(path, path.resolve()):
                aid = relative_id(rel, label)
                stat = entry.stat()
                if aid in seen or stamp(aid) != (stat.st_size, stat.st_mtime_ns):
                    return None
                add(aid)
        except OSError:
            return None
        if len(seen) == before:     # an empty folder source: the plan holds and reports
            return None
    # Every file found matched a distinct stored article; any stored one not found is to delete.
    return len(seen) if len(seen) == len(stored) else None


def _same(stamp: tuple[int, int] | None, stat: os.stat_result) -> bool:
    return stamp is not None and stamp == (stat.st_size, stat.st_mtime_ns)
