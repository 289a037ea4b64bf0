"""A full render's pages in worker processes (issue 13): ``geomap refresh --workers N``.

A full render of 100,000 articles writes ~120,000 pages, each read from the store and rendered
on its own: the article pages in batches of articles (with their rows of the exports), the place
pages place by place (``render.pages``). Here those pieces are shared among ``workers`` spawned
processes while this one writes the map side (``beside``): articles in consecutive slices (each
slice's export rows go to a part file; the parts joined in order are the exports a serial render
writes), places in groups of about equal numbers of mentions (what their pages cost). Each worker
opens the store on its own (reads only; the map side's writes to the render cache commit at once
in WAL mode, which readers do not wait for) and writes its files into the same staging folder as a
serial render, so the outputs are byte for byte the same, and nothing is moved into place
before every worker has finished (``pipeline.outputs``). The busy places' runs come back to the
caller, which records them only once the pages are in place (``place_runs.RunsIndex``).

A worker that fails stops the render: the other workers finish their current part, the rest are
cancelled, and the error is raised here (a ``GeomapError`` or ``OSError`` the command reports
without a traceback; a worker that died outright is reported as such).
"""
from __future__ import annotations

import dataclasses
import heapq
import os
import pickle
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from geomap._gc import collector_paused
from geomap.errors import GeomapError

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.render.pages import PagesWritten
    from geomap.store import Store

__all__ = ["POOL_MIN", "PARTS_PER_WORKER", "place_groups", "write_pages_parallel"]

POOL_MIN = 1000            # fewer articles: rendered in this process (starting workers costs more)
PARTS_PER_WORKER = 4        # parts of each kind per worker: small enough to even out the load
PART_DIR = ".parts"         # inside the staging folder: the exports' parts until joined
PLACE_COST = 50             # a place's pages cost about as much as this many mentions besides them


def place_groups(counts: dict[str, int], n: int) -> list[list[str]]:
    """The places of ``counts`` (``{place id: mentions}``) in at most ``n`` groups of about equal
    cost (each place's mentions plus ``PLACE_COST``), heaviest group first, each sorted."""
    groups: list[list[str]] = [[] for _ in range(max(1, n))]
    heap = [(0, i) for i in range(len(groups))]
    for pid in sorted(counts, key=lambda p: (-counts[p], p)):
        cost, i = heapq.heappop(heap)
        groups[i].append(pid)
        heapq.heappush(heap, (cost + counts[pid] + PLACE_COST, i))
    weight = {i: cost for cost, i in heap}
    order = sorted(range(len(groups)), key=lambda i: -weight[i])
    return [sorted(groups[i]) for i in order if groups[i]]


def write_pages_parallel(store: Store, out_dir: Path, config: Config, layers: list,
                         workers: int, beside: Callable[[], list[Path]]
                         ) -> tuple[PagesWritten, list[Path]]:
    """``render.pages.write_pages(store, out_dir, config, layers)`` (a full render, with the
    exports) by ``workers`` processes, while this one runs ``beside()`` (the map side). Returns
    what ``write_pages`` returns and what ``beside`` returned. A store of fewer than
    ``POOL_MIN`` articles is rendered in this process, ``beside()`` first."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    import multiprocessing

    from geomap.render.pages import PagesWritten, write_pages
    from geomap.render.place_runs import RunsIndex

    out_dir = Path(out_dir)
    articles = store.article_ids()
    if workers < 2 or len(articles) < POOL_MIN:
        theirs = beside()
        return write_pages(store, out_dir, config, layers), theirs
    counts = store.place_mention_counts()
    places = sorted(counts)
    n = max(1, workers) * PARTS_PER_WORKER
    size = -(-len(articles) // n) if articles else 1
    slices = [articles[i:i + size] for i in range(0, len(articles), size)] or [[]]
    parts = out_dir / PART_DIR
    parts.mkdir(parents=True, exist_ok=True)
    exports = [(parts / f"{k}.csv", parts / f"{k}.jsonl") for k in range(len(slices))]
    job = (str(store.path), config, _light_layers(layers), str(out_dir))
    # Articles first, in order: their export parts are joined while the places render.
    tasks = [("articles", (ids, exports[k], k == 0)) for k, ids in enumerate(slices)]
    tasks += [("places", group) for group in place_groups(counts, n)]

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    futures = []
    written: list[Path] = []
    index = RunsIndex(store, full=True, place_ids=places)
    csv_path, jsonl_path = out_dir / "mentions.csv", out_dir / "mentions.jsonl"
    try:
        futures = [pool.submit(_work, job, kind, arg) for kind, arg in tasks]
        theirs = beside()
        with open(csv_path, "wb") as csv_out, open(jsonl_path, "wb") as jsonl_out:
            for future, (kind, arg) in zip(futures, tasks):
                pages, runs = _outcome(future, futures)
                written += map(Path, pages)
                index.pending.update(runs)
                if kind == "articles":
                    _append(arg[1][0], csv_out)
                    _append(arg[1][1], jsonl_out)
    except BrokenProcessPool as e:
        raise GeomapError("a render worker process died (out of memory, or killed); the "
                          "previous outputs are kept: run the refresh again") from e
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    shutil.rmtree(parts)
    return PagesWritten(written + [csv_path, jsonl_path], set(), index), theirs


def _outcome(future, futures: list):
    """``future``'s result once it is done; raises the first failure among ``futures`` as
    soon as one fails (the others need not finish)."""
    from concurrent.futures import FIRST_COMPLETED, wait

    while True:
        for other in futures:
            if other.done() and not other.cancelled() and other.exception() is not None:
                raise other.exception()
        if future.done():
            return future.result()
        wait([f for f in futures if not f.done()], return_when=FIRST_COMPLETED)


def _light_layers(layers: list) -> list:
    """The layers without their geometries: the place pages need only names and labels, and
    each worker receives them pickled."""
    return [dataclasses.replace(layer, regions=tuple(dataclasses.replace(r, geometry=None)
                                                     for r in layer.regions))
            for layer in layers]


def _append(source: Path, out) -> None:
    """Append the file ``source`` to the open file ``out`` (in the kernel when it can), then
    remove ``source``."""
    with open(source, "rb") as part:
        out.flush()
        start, size = out.tell(), os.fstat(part.fileno()).st_size
        try:
            while os.copy_file_range(part.fileno(), out.fileno(), 1 << 30):
                pass
            copied = os.lseek(out.fileno(), 0, os.SEEK_CUR) - start == size
        except (AttributeError, OSError):      # no copy_file_range here
            copied = False
        if not copied:                          # through user space
            part.seek(0)
            out.seek(start)
            out.truncate()
            shutil.copyfileobj(part, out, 1 << 20)
    os.unlink(source)


_OPEN: dict[str, object] = {}     # this worker's store, by path (one per worker process)


def _work(job: tuple, kind: str, arg) -> tuple[list[str], dict[str, str]]:
    """One part in a worker process: the pages written (paths) and the busy places' runs."""
    from geomap.render.pages import write_article_pages, write_place_pages
    from geomap.store import Store

    store_path, config, layers, out_dir = job
    with collector_paused():    # as the serial render (``pipeline.outputs``): records freed by refcounts
        try:
            store = _OPEN.get(store_path)
            if store is None:
                store = _OPEN[store_path] = Store(Path(store_path))
            if kind == "places":
                pages, runs = write_place_pages(store, arg, Path(out_dir), config, layers)
            else:
                ids, exports, header = arg
                pages, runs = write_article_pages(store, ids, Path(out_dir), config,
                                                  exports=exports, header=header), {}
            return [os.fspath(p) for p in pages], runs
        except GeomapError as e:
            raise _portable(e) from None
        except OSError as e:        # the path and errno survive; the worker's traceback does not
            if e.errno is None:
                raise OSError(str(e)) from None
            raise OSError(e.errno, e.strerror or str(e), e.filename) from None


def _portable(error: GeomapError) -> GeomapError:
    """``error`` if it survives pickling (to the parent process), else a ``GeomapError`` with
    its message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return GeomapError(str(error))
    return error
