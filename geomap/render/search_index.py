"""Which passage chunks can hold a text: a trigram signature per chunk (``passages/index.js``).

The map's text search matches a query as a substring of an article's title and quoted passages,
case-insensitively (``geomap.js``: ``text.toLowerCase().indexOf(query)``). On a map whose
passages are in chunk files, the first search used to load every chunk (~5 s for 1,024). Instead
``passages/index.js`` gives, per chunk, a bit set with one bit per hashed *trigram* (three UTF-16
code units, as JavaScript strings count) of its lower-cased texts. A chunk whose texts contain the
query contains each of the query's trigrams, so every one of their bits is set: a search loads
only the chunks whose bits are all set (a few false positives: each set is about half empty),
and finds exactly what loading every chunk would. A query of fewer than three code units, or
holding a line break (which only a match across two texts could have), still loads every chunk.

Lower-casing is Python's ``str.lower`` here and the browser's ``toLowerCase`` there; both apply
Unicode's full mappings, and final sigma (``ς``, context-dependent) counts as ``σ`` on both sides.
(A character whose lower case differs between the two Unicode versions could make a chunk
missed; none is known among assigned letters.)

File: ``geomapPassageIndex({"bits": [bits of chunk 0, ...], "sets": base64})``, the sets
concatenated in chunk order, each ``bits / 8`` bytes, bit ``i`` being ``byte[i >> 3] >> (i & 7)``.
The hash (``_hash``) must stay identical to ``trigramHash`` in ``static/geomap.js``.
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from geomap.render.passages import Chunk

INDEX_REL = "passages/index.js"
_MIN_BITS = 64


def _hash(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """32-bit hashes of trigrams (uint32 arrays of code units), as geomap.js's trigramHash."""
    h = (a * np.uint32(0x9E3779B1)) ^ (b * np.uint32(0x85EBCA77)) ^ (c * np.uint32(0xC2B2AE3D))
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x7FEB352D)
    h ^= h >> np.uint32(15)
    return h


def _fold(text: str) -> str:
    return text.lower().replace("\u03c2", "\u03c3")


def trigram_bits(texts: Iterable[str]) -> tuple[int, bytes]:
    """The bit set of these texts' trigrams: its size in bits (a power of two, at least twice
    the number of distinct trigrams) and its bytes."""
    units = np.frombuffer(_fold("\n".join(texts)).encode("utf-16-le"), dtype=np.uint16)
    units = units.astype(np.uint32)
    hashes = np.unique(_hash(units[:-2], units[1:-1], units[2:])) if len(units) >= 3 \
        else np.zeros(0, dtype=np.uint32)
    bits = _MIN_BITS
    while bits < 2 * len(hashes):
        bits *= 2
    where = hashes & np.uint32(bits - 1)
    out = np.zeros(bits // 8, dtype=np.uint8)
    np.bitwise_or.at(out, where >> 3, (np.uint8(1) << (where & 7).astype(np.uint8)))
    return bits, out.tobytes()


def may_hold(bits: int, data: bytes, query: str) -> bool:
    """Whether a chunk with this trigram set can hold ``query`` (already lower-cased, as the map
    lower-cases it): the check geomap.js's ``candidates`` makes. True for queries under three
    code units."""
    units = np.frombuffer(query.replace("\u03c2", "\u03c3").encode("utf-16-le"), dtype=np.uint16)
    units = units.astype(np.uint32)
    if len(units) < 3:
        return True
    where = _hash(units[:-2], units[1:-1], units[2:]) & np.uint32(bits - 1)
    table = np.frombuffer(data, dtype=np.uint8)
    return bool(np.all((table[where >> 3] >> (where & 7).astype(np.uint8)) & 1))


def index_script(chunks: "Iterable[Chunk]") -> str:
    """``passages/index.js``: every chunk's trigram set, chunk 0 first (numbers are dense)."""
    by_number = {c.number: c for c in chunks}
    sizes, sets = [], []
    for number in range(max(by_number, default=-1) + 1):
        chunk = by_number.get(number)
        bits, data = trigram_bits(chunk.value.get("texts", ()) if chunk else ())
        sizes.append(bits)
        sets.append(data)
    value = {"bits": sizes, "sets": base64.b64encode(b"".join(sets)).decode("ascii")}
    return f"geomapPassageIndex({json.dumps(value, separators=(',', ':'))});\n"
