"""The refresh's outputs: rendered into a temporary folder, then moved into place."""
from __future__ import annotations

import gc
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

__all__ = ["MAP_FILE", "write_outputs"]

MAP_FILE = "map.html"


def write_outputs(store: Store, out_dir: Path, config: Config, layers: list, *,
                  only: set[str] | None = None) -> list[Path]:
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
    """
    import geomap.render
    from geomap.render.manifest import OutputFolder

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
            data = store.map_data()
            # New articles change only their own pages and those of the places they mention: the
            # other place pages (some quote thousands of passages) are current and are not rewritten.
            places = None if only is None else {
                place_id for aid in only if aid in data.articles
                for _start, _end, place_id in data.articles[aid].mentions}
            produced = geomap.render.render_outputs(data, tmp, config, layers, articles=only,
                                                    places=places)
            produced.append(_write_unplaced(store, tmp))
            del data                    # freed while paused: the collector never walks it
        rel = [Path(os.path.relpath(p, tmp)) for p in produced]
        written = {p.as_posix() for p in rel}
        folder.claim(written)               # never over a user's file of the same name
        before = set(folder.owned)
        folder.save(before | written)       # listed before they appear: a crash leaves no stranger
        for path in sorted(rel, key=lambda p: (p.as_posix() == MAP_FILE, len(p.parts) == 1, str(p))):
            folder.place(tmp / path, path)
        if only is None:
            folder.remove(before - written)
            folder.save(written)
        return [out_dir / p for p in rel]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
