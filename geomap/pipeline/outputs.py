"""The refresh's outputs: rendered into a temporary folder, then moved into place."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from geomap._gc import collector_paused

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

__all__ = ["MAP_FILE", "write_outputs"]

MAP_FILE = "map.html"
META_EXPORTS = "exports_sizes"         # mentions.csv/jsonl sizes as last written (issue 13)


def write_outputs(store: Store, out_dir: Path, config: Config, layers: list, *,
                  only: set[str] | None = None, map_only: bool = False,
                  workers: int = 1) -> list[Path]:
    """Render into a temp folder inside ``out_dir``, then move each output into place.

    Files move one by one with ``os.replace`` (atomic), pages first, ``map.html`` last, and
    pages the new render no longer has are removed only after that: at every instant each file
    is complete and ``map.html`` is the previous or the new map, never a mix. Only files geomap
    wrote are replaced or removed (``render.manifest``: a manifest of its own outputs); an
    output folder holding other files is refused unless ``map.allow_other_files``, and nothing
    is written or deleted through a symlink.

    ``only``: just these articles are new since the last complete render, so only their pages
    and those of the places they mention are written (``render.pages.write_pages``), and the
    place pages these made obsolete removed; None: every output, and the outputs of earlier
    renders it no longer has are removed.
    ``map_only``: only map settings changed since the last complete render, so only
    ``map.html`` and its assets are written (and assets it no longer links to removed).
    ``workers`` > 1: a full render writes the article and place pages and the exports in that
    many processes while this one writes the map side (``render.parallel``); the same files.
    """
    from geomap.render.manifest import OutputFolder
    from geomap.render.map_files import write_map_side
    from geomap.render.payload_files import is_data_file

    out_dir.mkdir(parents=True, exist_ok=True)
    folder = OutputFolder(out_dir, allow_other=config.map.allow_other_files,
                          store=config.resolve(config.store_path), config_file=config.file)
    folder.check()
    for stale in out_dir.glob(".render-*"):     # left by a killed refresh (we hold the lock)
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=out_dir))
    try:
        # The cyclic collector is paused: the render data is hundreds of thousands of small
        # acyclic records that live until the render ends, and each full collection walks them
        # all (a third of an incremental refresh's time at 10,000 articles). They are freed by
        # refcounting before the pause ends, or the first collection after it walks them again.
        with collector_paused():
            if map_only:
                produced = write_map_side(store, tmp, config, layers, only=set(), every_chunk=True,
                                          reuse=out_dir)
                return _place_outputs(folder, out_dir, tmp, produced, only=set(),
                                      drop=lambda rel: rel.startswith(("assets/", "passages/"))
                                      or is_data_file(rel))
            from geomap.render.exports import export_sizes
            from geomap.render.pages import append_exports, write_pages

            # Nothing holds every mention at once: the map side is written from the render cache
            # (updated from the new articles' mentions alone when it can: ``map_files``), the
            # pages and exports are read from the store a piece at a time (``render.pages``).
            def map_side() -> list[Path]:
                return write_map_side(store, tmp, config, layers, only=only, reuse=out_dir) + [
                    _write_unplaced(store, tmp)]

            # New articles change only their own pages and those of the places they name (of
            # those, only the pages that changed), and their rows are appended to the exports,
            # if these are as last written.
            append = only is not None and (store.meta_get(META_EXPORTS) or "-") == export_sizes(out_dir)
            if only is None and workers > 1:    # the pages in worker processes meanwhile
                from geomap.render.parallel import write_pages_parallel

                pages, produced = write_pages_parallel(store, tmp, config, layers, workers,
                                                       beside=map_side)
            else:
                produced = map_side()
                from geomap.render.place_patch import PreviousPages

                # Place pages keeping their quotes are made from those in place (geomap's own).
                previous = None if only is None else PreviousPages(out_dir, folder.owned)
                pages = write_pages(store, tmp, config, layers, only=only, exports=not append,
                                    previous=previous)
            produced += pages.written
            pages.runs.forget()         # until the pages they describe are in place
            placed = _place_outputs(folder, out_dir, tmp, produced, only=only,
                                    drop=lambda rel: rel in pages.gone or is_data_file(rel))
            pages.runs.save()
            if append and only:
                append_exports(store, out_dir, only, config.root)
        store.meta_set(META_EXPORTS, export_sizes(out_dir))
        return placed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _place_outputs(folder, out_dir: Path, tmp: Path, produced: list[Path], *,
                   only: set[str] | None, drop=None) -> list[Path]:
    """Move the files rendered into ``tmp`` into place (pages first, ``map.html`` last); with
    ``only`` None remove the owned files not written again, else those ``drop(rel)`` selects.
    A passage chunk identical to the one in place is left alone, and so is a produced path in
    ``out_dir`` itself (a payload data file already there: ``map_files.write_map_side``)."""
    from geomap.render.passages import is_chunk, unchanged

    kept = {Path(os.path.relpath(p, out_dir)) for p in produced if not _inside(p, tmp)}
    rel = [Path(os.path.relpath(p, tmp if _inside(p, tmp) else out_dir)) for p in produced]
    written = {p.as_posix() for p in rel}
    folder.claim(written)               # never over a user's file of the same name
    before = set(folder.owned)
    folder.save(before | written)       # listed before they appear: a crash leaves no stranger
    for path in sorted(rel, key=lambda p: (p.as_posix() == MAP_FILE, len(p.parts) == 1, str(p))):
        if path in kept or is_chunk(path) and unchanged(tmp / path, out_dir / path):
            continue                    # a passage chunk whose places did not change
        folder.place(tmp / path, path)
    gone = before - written if only is None else {
        r for r in before - written if drop is not None and drop(r)}
    folder.remove(gone)
    # Again after the renames, so that the manifest records the stamps of the folders as geomap
    # left them (the next check lists only folders changed since); skipped if nothing changed.
    folder.save(before - gone | written)
    return [out_dir / p for p in rel]


def _inside(path: Path, folder: Path) -> bool:
    return Path(path).is_relative_to(folder)


def _write_unplaced(store: Store, out_dir: Path) -> Path:
    """``unplaced.csv``: the names not placed (``geomap.unplaced``)."""
    from geomap.unplaced import unplaced_csv

    path = out_dir / "unplaced.csv"
    path.write_text(unplaced_csv(store.unplaced_names()), encoding="utf-8")
    return path

