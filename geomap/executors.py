"""Where geoparsing runs: in this process, in a pool of local processes, or on a Dask cluster.

Geoparsing (``extract`` + ``resolve``) is the CPU-heavy, embarrassingly parallel stage: each
article's mentions depend only on its text, the gazetteer and the parse settings. Everything else
(the online geocoder with its cache and rate limit, region membership, the store, the render)
stays in the calling process, which receives mentions in article order.

* ``SerialExecutor`` — the default (``--workers 1``): no start-up cost, which ``geomap parse`` on a
  few files needs.
* ``ProcessExecutor`` — ``--workers N``: a ``multiprocessing`` pool (``spawn``: safe with the
  threads a watcher or progress bar runs); each worker opens its own gazetteer once.
* ``DaskExecutor`` — ``--executor dask --scheduler ADDRESS``: chunks of texts go to an existing
  ``distributed`` cluster (the ``geomap[dask]`` extra); each worker process opens the gazetteer at
  the configured path once, so that path must exist on the workers.

Every executor has ``parse_many(texts, explain=False)`` (an iterator of mention lists, in order)
and ``close()``; use them as context managers. Workers send a chunk's mentions back as plain
tuples with each place once (``pack``/``Unpacker``): pickling ``Mention`` and ``Place`` objects
field by field cost ~5 µs a mention at each end (~3 million mentions in a 100,000-article build).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from geomap.errors import ConfigError
from geomap.model import Mention, Place

if TYPE_CHECKING:
    from geomap.config import Config, ParseConfig

EXECUTORS = ("local", "dask")
CHUNK = 32      # texts per task: big enough to amortise pickling, small enough to stream progress
IN_FLIGHT = 4   # Dask: chunks submitted per worker ahead of the one being collected


class SerialExecutor:
    """Geoparse in this process with the caller's geoparser (built lazily by ``geoparser()``)."""

    def __init__(self, geoparser):
        self._geoparser = geoparser

    def parse_many(self, texts: Sequence[str], explain: bool = False) -> Iterator[list[Mention]]:
        parser = self._geoparser()
        for text in texts:
            yield parser.parse(text, explain=explain)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ProcessExecutor(SerialExecutor):
    """A pool of ``workers`` local processes, each with its own gazetteer and geoparser."""

    def __init__(self, workers: int, gazetteer: Path | None, settings: ParseConfig):
        import multiprocessing

        self.workers = workers
        self._pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=_init_worker, initargs=(gazetteer, settings))

    def parse_many(self, texts: Sequence[str], explain: bool = False) -> Iterator[list[Mention]]:
        size = max(1, min(CHUNK, len(texts) // (self.workers * 4) or 1))
        chunks = [(texts[i:i + size], explain) for i in range(0, len(texts), size)]
        unpack = Unpacker()
        for result in self._pool.imap(_parse_chunk, chunks):
            yield from unpack(result)

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()


class DaskExecutor(SerialExecutor):
    """Chunks of texts geoparsed on an existing Dask ``distributed`` cluster."""

    def __init__(self, scheduler: str, gazetteer: Path | None, settings: ParseConfig):
        try:
            from distributed import Client
        except ImportError as e:
            raise ConfigError("--executor dask needs the 'distributed' package "
                              "(pip install 'geomap[dask]')") from e
        try:
            self._client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
        self._args = (gazetteer, settings)

    def parse_many(self, texts: Sequence[str], explain: bool = False) -> Iterator[list[Mention]]:
        """Chunks go out ``IN_FLIGHT`` per worker at a time and come back in order: memory on the
        client, the scheduler and the workers stays bounded whatever the number of texts."""
        from collections import deque

        gazetteer, settings = self._args
        window = IN_FLIGHT * max(1, len(self._client.scheduler_info().get("workers", ())))
        starts = iter(range(0, len(texts), CHUNK))
        pending: deque = deque()
        unpack = Unpacker()
        try:
            for start in starts:
                pending.append(self._submit(texts[start:start + CHUNK], gazetteer, settings, explain))
                if len(pending) >= window:
                    yield from unpack(pending.popleft().result())
            while pending:
                yield from unpack(pending.popleft().result())
        finally:
            self._client.cancel([f for f in pending if not f.done()])

    def _submit(self, chunk: Sequence[str], gazetteer, settings, explain: bool):
        return self._client.submit(_dask_chunk, list(chunk), gazetteer=gazetteer, settings=settings,
                                   explain=explain, pure=False)

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class ExecutorOptions:
    """Where geoparsing runs, as the command line asked: ``workers`` local processes (1: this
    process) or the ``dask`` ``executor`` at ``scheduler``."""

    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None

    @property
    def in_process(self) -> bool:
        """True when geoparsing runs in this process (no gazetteer to build first for workers)."""
        return self.workers == 1 and self.executor == "local"


def make_executor(config: Config, geoparser, options: ExecutorOptions = ExecutorOptions()
                  ) -> SerialExecutor:
    """The executor ``options`` ask for; ``geoparser`` builds the in-process one lazily.

    The gazetteer must already exist (the caller opens it first): workers only open it.
    """
    workers, executor, scheduler = options.workers, options.executor, options.scheduler
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")
    gazetteer = config.gazetteer.path and config.resolve(config.gazetteer.path)
    if executor == "dask":
        if not scheduler:
            raise ConfigError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        return DaskExecutor(scheduler, gazetteer, config.parse)
    if workers == 1:
        return SerialExecutor(geoparser)
    return ProcessExecutor(workers, gazetteer, config.parse)


# --- what workers send back --------------------------------------------------------------------------

#: A chunk's mentions as plain data: ``(places, articles)``; ``places`` the field tuples of every
#: place named (``Place``'s fields in order), ``articles`` per text its mentions as ``(start, end,
#: text, place, score, explain, runner_up)`` with places as indexes into ``places`` (-1: none).
Packed = tuple[list[tuple], list[list[tuple]]]


def pack(results: Iterable[list[Mention]]) -> Packed:
    """Mention lists as ``Packed`` plain tuples (pickled in C), each distinct place once."""
    index: dict[int, int] = {}
    places: list[tuple] = []

    def number(place) -> int:
        if place is None:
            return -1
        found = index.get(id(place))
        if found is None:
            found = index[id(place)] = len(places)
            places.append(tuple(getattr(place, f) for f in _PLACE_FIELDS))
        return found

    return places, [[(m.start, m.end, m.text, number(m.place), m.score, m.explain,
                      number(m.runner_up)) for m in mentions] for mentions in results]


class Unpacker:
    """``Packed`` back to mention lists, equal to those packed. Places equal in every field are
    one ``Place`` object across the chunks of a run (frozen, so sharing is safe)."""

    def __init__(self) -> None:
        self._places: dict[tuple, Place] = {}

    def __call__(self, packed: Packed) -> list[list[Mention]]:
        known = self._places
        places = []
        for row in packed[0]:
            place = known.get(row)
            if place is None:
                place = known[row] = Place(*row)
            places.append(place)
        places.append(None)         # index -1: no place
        return [[Mention(start, end, text, places[p], score, explain, places[r])
                 for start, end, text, p, score, explain, r in mentions]
                for mentions in packed[1]]


_PLACE_FIELDS = tuple(f.name for f in fields(Place))


# --- worker side -----------------------------------------------------------------------------------

_worker_parser = None
_dask_parsers: dict = {}
_dask_lock = threading.Lock()


def _open_geoparser(gazetteer: Path | None, settings: ParseConfig):
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    return Geoparser(Gazetteer.open(gazetteer), settings)


def _init_worker(gazetteer: Path | None, settings: ParseConfig) -> None:
    """Pool initializer: this worker's own gazetteer connection and geoparser."""
    global _worker_parser
    _worker_parser = _open_geoparser(gazetteer, settings)


def _parse_chunk(task: tuple[Sequence[str], bool]) -> Packed:
    texts, explain = task
    return pack(_worker_parser.parse(text, explain=explain) for text in texts)


def _dask_chunk(texts: list[str], gazetteer: Path | None, settings: ParseConfig,
                explain: bool = False) -> Packed:
    """Runs on a Dask worker; one geoparser per worker thread and settings (SQLite connections
    must stay in the thread that opened them)."""
    key = (threading.get_ident(), str(gazetteer), settings)
    with _dask_lock:
        parser = _dask_parsers.get(key)
    if parser is None:
        parser = _open_geoparser(gazetteer, settings)
        with _dask_lock:
            _dask_parsers[key] = parser
    return pack(parser.parse(text, explain=explain) for text in texts)
