"""The pop-ups' quoted passages, in chunk files beside ``map.html`` that load on demand.

``map.html`` carries places and counts only (its size follows the number of places and of
(place, article) pairs, not of passages); the passages a pop-up quotes live in
``passages/<n>.js``, one file per chunk of places. A chunk file is a plain script,
``geomapPassages(n, {...});``: ``file://`` pages may not ``fetch``, but they may load a
``<script src>`` from their own folder (the map's CSP allows ``'self'`` scripts for it), and
``geomap.js`` registers ``window.geomapPassages`` to receive it.

Places go to chunks by a hash of their id (``chunk_of``), the number of chunks being the power of
two that keeps about ``PLACES_PER_CHUNK`` places in each (``chunk_count``): a place stays in its
chunk until the number of places doubles. A chunk names articles by page name, not by the map's
article number (which shifts whenever a newer article arrives), and holds its own table of
quoted texts; so a chunk's bytes change only when a place in it gains or loses quoted passages,
and a refresh replaces only those chunks (``unchanged``).

Beside the chunks, ``passages/index.js`` (``search_index.py``) gives each chunk's 4-gram set, so
that the map's text search loads only the chunks that can hold the query.

Chunk JSON: ``{"places": {place id: [quote, ...]}, "texts": [text, ...]}``; a quote is
``[article page, passage anchor (-1: none), text#, offset, length, cut flags (1 start, 2 end),
[start, end, ...] highlights relative to the quote]``, newest article first.
"""
from __future__ import annotations

import filecmp
import os
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from geomap.render.search_index import INDEX_REL, index_script
from geomap.render.script_json import script_json

PASSAGES_DIR = "passages"
PLACES_PER_CHUNK = 32        # about 32 x 5 quotes x ~300 bytes: chunks of some 50 kB
# Up to this many quoted characters the passages stay embedded in map.html (no chunk files): the
# map's text search then matches passages at once (issue 12: < 200 ms at 10,000 articles; the
# synthetic 10,000 of benchmarks/bench_map.py quote 16.2 M characters). Above it (~15,000+
# articles) they go to chunk files, so map.html stays bounded (issue 13), and a search loads the
# chunks that ``passages/index.js`` (``search_index.py``) says can hold the query.
INLINE_PASSAGE_CHARS = 24_000_000


def embedded(chunks: "list[Chunk]") -> bool:
    """True when these chunks are small enough to stay in map.html (``INLINE_PASSAGE_CHARS``)."""
    total = 0
    for chunk in chunks:
        total += sum(map(len, chunk.value.get("texts", ())))
        if total > INLINE_PASSAGE_CHARS:
            return False
    return True


class Chunk(NamedTuple):
    """One chunk file: its number and its JSON value (``script`` makes the file's text)."""

    number: int
    value: dict[str, Any]

    @property
    def rel(self) -> str:
        """The file's path relative to ``map.html`` (always ``/``-separated)."""
        return chunk_rel(self.number)

    def script(self) -> str:
        return f"geomapPassages({self.number},{script_json(self.value)});\n"


def chunk_rel(number: int) -> str:
    return f"{PASSAGES_DIR}/{number}.js"


def chunk_count(places: int) -> int:
    """How many chunks for this many places: a power of two, about ``PLACES_PER_CHUNK`` each."""
    count = 1
    while count * PLACES_PER_CHUNK < places:
        count *= 2
    return count


def chunk_of(place_id: str, count: int) -> int:
    """The chunk of a place (``count`` a power of two): stable across renders."""
    return zlib.crc32(place_id.encode("utf-8")) & (count - 1)


def write_chunks(out_dir: Path, chunks: list[Chunk]) -> list[Path]:
    """Write every chunk file into ``out_dir/passages/``, and their search index (``index.js``)."""
    if not chunks:
        return []
    folder = Path(out_dir) / PASSAGES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chunk in chunks:
        path = Path(out_dir) / chunk.rel
        path.write_text(chunk.script(), encoding="utf-8", newline="\n")
        written.append(path)
    path = Path(out_dir) / INDEX_REL
    path.write_text(index_script(chunks), encoding="utf-8", newline="\n")
    return [*written, path]


def is_chunk(rel: Path) -> bool:
    return len(rel.parts) == 2 and rel.parts[0] == PASSAGES_DIR and rel.suffix == ".js"


def unchanged(new: Path, current: Path) -> bool:
    """True when ``current`` is a regular file (not a link) with exactly ``new``'s bytes: a
    refresh then leaves it in place instead of replacing it."""
    try:
        if os.path.islink(current) or not current.is_file():
            return False
        return filecmp.cmp(new, current, shallow=False)
    except OSError:
        return False


__all__ = ["Chunk", "PASSAGES_DIR", "INDEX_REL", "chunk_count", "chunk_of", "chunk_rel",
           "write_chunks", "is_chunk", "unchanged", "index_script"]
