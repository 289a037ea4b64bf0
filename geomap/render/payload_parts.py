"""The map's payload cut into parts the browser parses one at a time (issue 13: no long task).

A 100,000-article map carries ~20 MB of JSON; parsed in one ``JSON.parse`` it was one task of
0.8-1.5 s, the page frozen meanwhile. ``map.html`` therefore holds the payload as a *head*
(``<script type="application/json" id="geomap-data">``) and, when it is bigger than
``PART_BYTES``, parts ``id="geomap-data-1"``, ``-2``, ...: the head has every key but the big
tables (``SPLIT_KEYS``) and ``"parts": n``; each part is an object ``{key: rows}`` whose array is
appended to that key's array (``{key: {name: value}}``: merged into that key's object), in order.
``geomap.js`` (``geomapStart``) parses the head, then the parts in slices of a few tens of
milliseconds, yielding to the browser between slices. ``read_payload`` reassembles the whole
payload from a page's text (tests, tools). Every part is escaped like the head
(``script_json.script_text``). Parts end where their rows say (``ends_part``), so that a
changed row changes one part (``payload_files``: only changed parts are written again).
"""
from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any, Iterator

from geomap.render.script_json import script_text

PART_BYTES = 512 * 1024     # one part: a few ms of JSON.parse on a quiet machine
SPLIT_KEYS = ("places", "articles", "unplaced", "passages")
DATA_ID = "geomap-data"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class RawList(list):
    """A table given as its rows' JSON texts (``split_payload`` joins them as they are): the
    render cache keeps each place's row serialised, so a refresh does not serialise them again."""


class RawDict(dict):
    """An object given as ``{name: JSON text}`` (``split_payload`` joins them as they are)."""


def _text(value: Any) -> str:
    if isinstance(value, RawList):
        return f"[{','.join(value)}]"
    if isinstance(value, RawDict):
        return "{" + ",".join(f"{_json(str(k))}:{v}" for k, v in value.items()) + "}"
    return _json(value)


def pieces(key: str, value: Any, limit: int) -> Iterator[tuple[str, bool, int]]:
    """``value`` (a list or an object) as JSON parts ``{"key": ...}`` of about ``limit`` chars,
    unescaped, each with whether it is *complete* (cut by ``ends_part``; only the last may not
    be) and how many rows it holds.

    Where a part ends depends on its own rows, not on the sizes of the parts before it
    (``ends_part``): a row that changes (a place named by new articles) changes its own part,
    not every part after it; and a list that grows at its end (the articles, numbered for good)
    keeps its complete parts."""
    is_list = isinstance(value, list)
    items = ((None, v) for v in value) if is_list else iter(value.items())
    raw = isinstance(value, (RawList, RawDict))
    batch: list[str] = []
    size = 0
    open_, close = ("[", "]") if is_list else ("{", "}")
    for name, item in items:
        item_text = item if raw else _json(item)
        text = item_text if is_list else f"{_json(str(name))}:{item_text}"
        batch.append(text)
        size += len(text) + 1
        if ends_part(text if is_list else str(name), len(text), size, limit):
            yield f"{{{_json(key)}:{open_}{','.join(batch)}{close}}}", True, len(batch)
            batch, size = [], 0
    if batch:
        yield f"{{{_json(key)}:{open_}{','.join(batch)}{close}}}", False, len(batch)


def ends_part(row: str, length: int, size: int, limit: int) -> bool:
    """Whether a part ends after this row (its JSON text, or its name in an object; ``length``
    its text's length, ``size`` the part's so far): at a row whose *name* (a list row's first
    field: a place id, an article's page) hashes below its length modulo ``limit`` — parts of
    ``limit`` characters on average, each row deciding for itself (a row that grows stays an
    end) — or once the part reaches twice ``limit`` (a bound on one ``JSON.parse``)."""
    if size >= 2 * limit:
        return True
    comma = row.find(",")
    name = row if comma < 0 else row[:comma]
    return zlib.crc32(name.encode("utf-8")) % limit < length


def split_parts(payload: dict[str, Any], limit: int | None = None,
                given: dict[str, list[Any]] | None = None) -> tuple[str, list[tuple[str, Any]]]:
    """``split_payload``'s texts as ``(head, [(key, part), ...])``; no parts for a small map.
    ``given``: per key, its first parts made by the caller (``pieces``' parts, script-safe,
    passed through as they are: ``payload_files.DataFile`` values), its value in ``payload``
    being only the rows after them."""
    limit = PART_BYTES if limit is None else limit
    given = given or {}
    if not any(given.values()):
        raw = "{" + ",".join(f"{_json(k)}:{_text(v)}" for k, v in payload.items()) + "}"
        if len(raw) <= limit:           # escaping only lengthens: a longer text is split unescaped
            whole = script_text(raw)
            if len(whole) <= limit:
                return whole, []
        del raw
    head = {k: v for k, v in payload.items() if k not in SPLIT_KEYS}
    parts = [(key, text) for key in SPLIT_KEYS if key in payload
             for text in [*given.get(key, ()),
                          *(script_text(piece) for piece, _done, _rows in
                            pieces(key, payload[key], limit))]]
    head.update({k: [] if isinstance(payload[k], list) else {}
                 for k in SPLIT_KEYS if k in payload}, parts=len(parts))
    return script_text(_text(head)), parts


def split_payload(payload: dict[str, Any], limit: int | None = None) -> list[str]:
    """The payload as script-safe JSON texts: the head, then the parts (none for a small map);
    parts of about ``limit`` characters (default ``PART_BYTES``). Values may be ``RawList`` /
    ``RawDict`` (rows already serialised): the texts are the same as for the decoded rows."""
    head, parts = split_parts(payload, limit)
    return [head, *(text for _key, text in parts)]


def data_elements(texts: list[str]) -> str:
    """The ``<script type="application/json">`` elements holding ``split_payload``'s texts."""
    ids = [DATA_ID] + [f"{DATA_ID}-{i}" for i in range(1, len(texts))]
    return "\n".join(f'<script type="application/json" id="{i}">{t}</script>'
                     for i, t in zip(ids, texts))


_ELEMENT = re.compile(r'<script type="application/json" id="geomap-data(?:-(\d+))?">(.*?)</script>',
                      re.S)


def read_payload(html: str, folder: Path | None = None) -> dict[str, Any]:
    """The whole payload of a ``map.html`` text, its parts put back as geomap.js does; a page
    whose parts are data files (``payload_files``: the head lists ``"files"``) reads them from
    ``folder``/``data/`` (the page's folder; ValueError without it)."""
    found = {int(m.group(1) or 0): m.group(2) for m in _ELEMENT.finditer(html)}
    if 0 not in found:
        raise ValueError("not a geomap map.html: no geomap-data element")
    payload = json.loads(found[0])
    names = payload.pop("files", None)
    count = int(payload.pop("parts", 0))
    if names is not None and folder is None:
        raise ValueError("this map.html keeps its data in files: give its folder")
    for i in range(1, count + 1):
        text = found[i] if names is None else _file_part(Path(folder), names[i - 1])
        for key, value in json.loads(text).items():
            if isinstance(value, list):
                payload[key].extend(value)
            else:
                payload[key].update(value)
    return payload


def _file_part(folder: Path, name: str) -> str:
    """The part a data file (``payload_files.DataFile.script``) holds, as JSON text."""
    from geomap.render.payload_files import DATA_DIR, part_text

    return part_text((folder / DATA_DIR / f"{name}.js").read_text(encoding="utf-8"), name)
