"""The last proven listing (issue 13): what the files were when the store last matched them.

``pipeline.unchanged`` proves a listing against the store's stamps (the ids of 100,000 files,
their stamps: ~0.45 s of CPU) and records the result here: per source, every file's path
relative to its root, its id and the ``(size, st_mtime_ns)`` of its stored stamp (``-1, -1``:
stored without a stamp). While no article row was written since (``Store.articles_generation``)
the next survey diffs the files it lists against this record instead of proving again: only the
paths not recorded get an id computed.

The record is a file next to the store (``<store>.listing``, a few MB at 100,000 files), tied to
the store by a random token kept in the store's ``meta`` with the generation it describes: a
store rebuilt from scratch, replaced or moved never meets a record not its own. The format is
plain (no pickle): a header line, a JSON line, then per source the relative paths and the ids
(``\\0``-separated UTF-8) and the stats (``array("q")``, native order). Anything unexpected in the
file makes ``load`` answer None (the survey then proves the listing again).
"""
from __future__ import annotations

import json
import os
import secrets
import sys
from array import array
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

    from geomap.store import Store

__all__ = ["META_RECORD", "Record", "load", "save"]

META_RECORD = "listing_record"      # "<articles generation> <token of the record file>"
_MAGIC = b"geomap-listing-1\n"


class Record(NamedTuple):
    """Per source (in the configuration's order, each described by ``(kind, path, root,
    label)``): the files' relative paths, ids and stamps (two numbers a file; ``-1, -1``: stored
    without a stamp). Every stored file article is exactly one of these files."""

    sources: list[tuple[str, str, str, str | None]]
    rels: list[list[str]]
    ids: list[list[str]]
    stats: list[array]


def _path(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".listing")


def save(store: Store, record: Record, generation: int) -> None:
    """Write ``record`` as the store's listing at ``generation`` (read by the caller after its
    last write to an article row). Failing to write only costs the next survey its shortcut."""
    token = secrets.token_hex(16)
    parts = []
    for rels, ids, stats in zip(record.rels, record.ids, record.stats):
        parts.append("\0".join(rels).encode("utf-8", "surrogatepass"))
        parts.append("\0".join(ids).encode("ascii"))
        parts.append(stats.tobytes())
    header = {"token": token, "byteorder": sys.byteorder, "sources": record.sources,
              "counts": [len(rels) for rels in record.rels], "sizes": [len(p) for p in parts]}
    path = _path(store)
    temp = path.with_name(path.name + ".tmp")
    try:
        store.meta_set(META_RECORD, "")         # no record while the file is being replaced
        with open(temp, "wb") as out:
            out.write(_MAGIC)
            out.write(json.dumps(header).encode("utf-8", "surrogatepass") + b"\n")
            for part in parts:
                out.write(part)
        os.replace(temp, path)
    except OSError:
        return
    store.meta_set(META_RECORD, f"{generation} {token}")


def load(store: Store, generation: int) -> Record | None:
    """The store's listing if it was recorded at ``generation`` (no article row written since),
    else None."""
    kept = (store.meta_get(META_RECORD) or "").split()
    if len(kept) != 2 or kept[0] != str(generation):
        return None
    try:
        with open(_path(store), "rb") as f:
            data = f.read()
        if not data.startswith(_MAGIC):
            return None
        end = data.index(b"\n", len(_MAGIC))
        header = json.loads(data[len(_MAGIC):end].decode("utf-8", "surrogatepass"))
        if header["token"] != kept[1] or header["byteorder"] != sys.byteorder:
            return None
        sources = [tuple(s) for s in header["sources"]]
        counts, sizes = header["counts"], header["sizes"]
        if len(sizes) != 3 * len(counts) or len(counts) != len(sources):
            return None
        at = end + 1
        chunks = []
        for size in sizes:
            chunks.append(data[at:at + size])
            at += size
        if at != len(data):
            return None
        rels, ids, stats = [], [], []
        for k, count in enumerate(counts):
            r = chunks[3 * k].decode("utf-8", "surrogatepass").split("\0") if count else []
            i = chunks[3 * k + 1].decode("ascii").split("\0") if count else []
            s = array("q")
            s.frombytes(chunks[3 * k + 2])
            if len(r) != count or len(i) != count or len(s) != 2 * count:
                return None
            rels.append(r)
            ids.append(i)
            stats.append(s)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None
    return Record(sources, rels, ids, stats)
