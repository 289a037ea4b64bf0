"""Which passage chunks can hold a text: a 4-gram signature per chunk (``passages/index.js``).

The map's text search matches a query as a substring of an article's title and quoted passages,
case-insensitively (``geomap.js``: lower-cased text, ``indexOf(query)``). On a map whose passages
are in chunk files, the first search used to load every chunk (~5 s for 1,024). Instead
``passages/index.js`` gives, per chunk, a bit set with one bit per hashed *4-gram* (``GRAM`` = 4
UTF-16 code units, as JavaScript strings count) of its lower-cased texts. A chunk whose texts
contain the query contains each of the query's 4-grams, so every one of their bits is set: a search
loads only the chunks whose bits are all set (plus false positives: each set is at most about
40 % full), and finds exactly what loading every chunk would. A query shorter than 4 code units,
or holding a line break (which only a match across two texts could have), still loads every chunk.
4-grams, not trigrams: on real news (LGL's articles in 40 kB chunks) a random word of 5+ letters
is in 3.6 % of the chunks; trigram sets let 67 % of the chunks through, 4-grams 11 % (exact sets).

Lower-casing is Python's ``str.lower`` here and the browser's ``toLowerCase`` there; both apply
Unicode's full mappings, and final sigma (``ς``, context-dependent) counts as ``σ`` on both sides.
(A character whose lower case differs between the two Unicode versions could make a chunk
missed; none is known among assigned letters.)

File: ``geomapPassageIndex({"gram": 4, "bits": [bits of chunk 0, ...], "sets": base64})``, the
sets concatenated in chunk order, each ``bits / 8`` bytes, bit ``i`` being
``byte[i >> 3] >> (i & 7)``. The hash (``_hash``) must stay identical to ``gramHash`` in
``static/geomap.js``.
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

    from geomap.render.passages import Chunk

INDEX_REL = "passages/index.js"
GRAM = 4
_MIN_BITS = 64
_MULTIPLIERS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F)


def _units(text: str) -> np.ndarray:
    """The UTF-16 code units of ``text`` lower-cased (final sigma as sigma), as uint32."""
    import numpy as np        # imported when a 4-gram set is made (~0.1 s): not on every refresh

    folded = text.lower().replace("\u03c2", "\u03c3")
    return np.frombuffer(folded.encode("utf-16-le"), dtype=np.uint16).astype(np.uint32)


def _hash(units: np.ndarray) -> np.ndarray:
    """32-bit hashes of every ``GRAM`` consecutive code units, as geomap.js's gramHash."""
    import numpy as np

    n = len(units) - GRAM + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    h = np.zeros(n, dtype=np.uint32)
    for k, multiplier in enumerate(_MULTIPLIERS[:GRAM]):
        h ^= units[k:k + n] * np.uint32(multiplier)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x7FEB352D)
    h ^= h >> np.uint32(15)
    return h


def gram_bits(texts: Iterable[str]) -> tuple[int, bytes]:
    """The bit set of these texts' 4-grams: its size in bits (a power of two, at least twice the
    number of distinct 4-grams) and its bytes."""
    import numpy as np

    hashes = np.unique(_hash(_units("\n".join(texts))))
    bits = _MIN_BITS
    while bits < 2 * len(hashes):
        bits *= 2
    where = hashes & np.uint32(bits - 1)
    out = np.zeros(bits // 8, dtype=np.uint8)
    np.bitwise_or.at(out, where >> 3, (np.uint8(1) << (where & 7).astype(np.uint8)))
    return bits, out.tobytes()


def may_hold(bits: int, data: bytes, query: str) -> bool:
    """Whether a chunk with this 4-gram set can hold ``query`` (lower-cased, as the map
    lower-cases it): the check geomap.js's ``candidates`` makes. True for queries under ``GRAM``
    code units."""
    import numpy as np

    units = _units(query)
    if len(units) < GRAM:
        return True
    where = _hash(units) & np.uint32(bits - 1)
    table = np.frombuffer(data, dtype=np.uint8)
    return bool(np.all((table[where >> 3] >> (where & 7).astype(np.uint8)) & 1))


def index_script(chunks: "Iterable[Chunk]") -> str:
    """``passages/index.js``: every chunk's 4-gram set, chunk 0 first (numbers are dense)."""
    by_number = {c.number: c for c in chunks}
    sizes, sets = [], []
    for number in range(max(by_number, default=-1) + 1):
        chunk = by_number.get(number)
        bits, data = gram_bits(chunk.value.get("texts", ()) if chunk else ())
        sizes.append(bits)
        sets.append(data)
    value = {"gram": GRAM, "bits": sizes, "sets": base64.b64encode(b"".join(sets)).decode("ascii")}
    return f"geomapPassageIndex({json.dumps(value, separators=(',', ':'))});\n"


def index_from_sets(sets: "list[tuple[int, bytes] | None]") -> str:
    """``passages/index.js`` from each chunk's ``gram_bits`` (None: a chunk with no texts), chunk
    0 first: what ``index_script`` writes, from sets computed earlier (the render cache)."""
    sizes, data = [], []
    for found in sets:
        bits, raw = found if found is not None else gram_bits(())
        sizes.append(bits)
        data.append(raw)
    value = {"gram": GRAM, "bits": sizes, "sets": base64.b64encode(b"".join(data)).decode("ascii")}
    return f"geomapPassageIndex({json.dumps(value, separators=(',', ':'))});\n"
