"""The map's render cache (issue 13): per place, what the map's outputs need, kept in the store.

A refresh that only adds articles used to load every mention of every article (~5 M records at
100,000 articles) to rebuild the map's payload. The cache keeps, per place, its aggregates
(``place``: mentions, how many articles name it and the highest of their numbers, passages,
written names, first/last date, regions; ``steps``: the JSON text of its payload row's article
links, ``[number step, mentions, passages]`` per article by number, which new articles extend
at its end without it being parsed; ``quotes``: its newest ``max_passages`` quotes), its payload
row (``row``: JSON text, as ``payload.Payload`` writes it) and ``places.geojson`` feature
(``geo``); per passage chunk its JSON (``chunk``) and 4-gram set (``grams``); per name not
placed its spellings and articles (``unplaced``); the region and layer counts (``meta``/``regions``). Articles get *stable* numbers (``render_articles``):
assigned in rank order by a full build, appended for new articles, so a new article changes
only the rows of the places it names (the map's script sorts by date itself).

``update(store, config, layers, only)`` brings the cache up to date: from the new articles'
mentions only when ``only`` (new article ids) is given and the cache is current
(``cache_key``: code, max passages, regions; numbers covering exactly the other articles;
the touched places' regions and the chunk count as cached); with ``only`` empty (map settings
changed) and only ``max_passages`` different, by cutting or extending the cached quotes
(``_relimit``); else by a full rebuild streamed
place by place from the ``mentions_place`` index. Either way in one store transaction.
It returns a ``CacheUpdate`` naming what changed.
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import json
import re
from dataclasses import dataclass, field
from functools import cmp_to_key, lru_cache
from importlib.resources import files
from itertools import groupby
from typing import Any, Iterable

from geomap.credits import origin_note
from geomap.model import Passage, Place
from geomap.render.map_cache_counts import (RegionTally, place_regions, region_order,
                                              unplaced_groups)
from geomap.render.passages import chunk_count, chunk_of
from geomap.render.payload import page_field as page_field_of
from geomap.render.quotes import passage_bounds, quote_bounds

CACHE_VERSION = "1"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_SOURCES = ("map_cache.py", "map_cache_counts.py", "map_files.py", "payload.py", "quotes.py",
            "passages.py", "search_index.py", "place_page.py", "place_cut.py", "article_page.py",
            "map.py", "payload_parts.py", "payload_files.py",
            # the cached page template inlines these: another script, another page
            "static/geomap-start.js", "static/geomap-views.js", "static/geomap.js",
            "static/geomap.css")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A hash of the render modules whose output the cache holds: other code, other cache."""
    import geomap

    h = hashlib.sha256(f"{CACHE_VERSION} {geomap.__version__}".encode())
    for name in _SOURCES:
        h.update(files("geomap.render").joinpath(name).read_bytes())
    return h.hexdigest()


def cache_key(store, config, layers: list) -> str:
    """What the cached values depend on besides the articles: code, ``max_passages``, the
    configured regions (names, labels, layers) and the regions' fingerprint."""
    text = _json([base_key(store, layers), config.map.max_passages])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def base_key(store, layers: list) -> str:
    """``cache_key`` but for ``max_passages`` (which changes the cached quotes alone)."""
    regions = [[layer.name, layer.label or "", [[r.name, r.label or ""] for r in layer.regions]]
               for layer in layers]
    text = _json([code_stamp(), regions, store.meta_get("regions_fingerprint") or ""])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class CacheUpdate:
    """What ``update`` did: ``full`` rebuild or not, and the places and chunks it touched."""

    full: bool
    places: set[str] = field(default_factory=set)
    chunks: set[int] = field(default_factory=set)


def article_row(aid: str, title: str, published: str | None, source: str) -> str:
    """An article's payload row (``payload.article_row``) as JSON text."""
    from geomap.render.payload import article_row as row

    return _json(row(aid, title, published, source))


def _rank_cmp(x: list, y: list) -> int:
    """Order of two cached quotes ``[aid, published, pidx, ...]``: newest article first
    (undated last), then by id, then passage (-1, no passage, first)."""
    dx, dy = x[1] or "", y[1] or ""
    if dx != dy:
        return -1 if dx > dy else 1
    if x[0] != y[0]:
        return -1 if x[0] < y[0] else 1
    return (x[2] > y[2]) - (x[2] < y[2])


class _Bodies:
    """Article bodies read from the store when a quote needs them (the last few kept)."""

    def __init__(self, store):
        self.store = store
        self.get = lru_cache(maxsize=4096)(self._read)

    def _read(self, aid: str) -> tuple[str, tuple[Passage, ...]]:
        found = self.store.article_body(aid)
        if found is None:
            return "", ()
        text, rows = found
        return text, tuple(Passage(i, s, e) for i, s, e in rows)


class _Body:
    """What ``quotes.passage_bounds`` reads of an article."""

    __slots__ = ("text", "passages")

    def __init__(self, text, passages):
        self.text, self.passages = text, passages


def _quote(bodies: _Bodies, aid: str, published: str | None, pidx: int | None,
           spans: list[tuple[int, int]]) -> list[Any]:
    """A cached quote: ``[aid, published, anchor, lo, hi, a, b, spans, window text]``."""
    text, passages = bodies.get(aid)
    spans = sorted(spans)
    lo, hi = passage_bounds(_Body(text, passages), pidx)
    a, b = quote_bounds(text, lo, hi, spans[0])
    window = text[a:b].replace("\n", " ").replace("\r", " ")
    return [aid, published, -1 if pidx is None else pidx, lo, hi, a, b,
            [list(s) for s in spans], window]


def _aggregate(rows: list[tuple], numbers: dict[str, int], dates: dict[str, str | None],
               limit: int, bodies: _Bodies) -> dict[str, Any]:
    """A place's aggregates from all its mention rows (a full rebuild, numbers = ranks)."""
    per: dict[str, list] = {}               # aid -> [mentions, {passage keys}]
    texts: set[str] = set()
    top: list[int] = []                     # max-heap (negated) of the newest article numbers
    spans: dict[str, dict[int, list]] = {}  # kept for the newest `limit` articles only
    for _pid, aid, start, end, text, pidx in rows:
        texts.add(text)
        entry = per.get(aid)
        if entry is None:
            entry = per[aid] = [0, set()]
            number = numbers[aid]
            if len(top) < limit:
                heapq.heappush(top, -number)
                spans[aid] = {}
            elif limit and number < -top[0]:
                gone = -heapq.heappushpop(top, -number)
                spans.pop(_aid_of(spans, numbers, gone), None)
                spans[aid] = {}
        entry[0] += 1
        key = -1 if pidx is None else pidx
        entry[1].add(key)
        if aid in spans:
            spans[aid].setdefault(key, []).append((start, end))
    return _finish(per, texts, spans, numbers, dates, limit, bodies)


def _aid_of(spans: dict, numbers: dict[str, int], number: int) -> str | None:
    for aid in spans:
        if numbers[aid] == number:
            return aid
    return None


def _finish(per, texts, spans, numbers, dates, limit, bodies) -> dict[str, Any]:
    groups = sorted((numbers[aid], key, aid) for aid, by in spans.items() for key in by)
    quotes = [_quote(bodies, aid, dates.get(aid), None if key < 0 else key, spans[aid][key])
              for _n, key, aid in groups[:limit]]
    known = [d for d in {dates.get(aid) for aid in per} if d and _ISO.fullmatch(d)]
    links = sorted([numbers[aid], e[0], len(e[1])] for aid, e in per.items())
    return {"n": sum(e[0] for e in per.values()), "links": links, "na": len(links),
            "last": links[-1][0] if links else -1,
            "pas": sum(len(e[1]) for e in per.values()),
            "names": sorted(texts), "q": quotes,
            "d": [min(known), max(known)] if known else None}


def _merge(agg: dict[str, Any] | None, rows: list[tuple], numbers: dict[str, int],
           dates: dict[str, str | None], limit: int, bodies: _Bodies) -> dict[str, Any]:
    """A place's aggregates with new articles' mention rows added to the cached ones."""
    agg = agg or {"n": 0, "na": 0, "last": -1, "pas": 0, "names": [], "q": [], "d": None}
    per: dict[str, list] = {}
    groups: dict[tuple[str, int], list] = {}
    names = set(agg["names"])
    for _pid, aid, start, end, text, pidx in rows:
        names.add(text)
        entry = per.setdefault(aid, [0, set()])
        entry[0] += 1
        key = -1 if pidx is None else pidx
        entry[1].add(key)
        groups.setdefault((aid, key), []).append((start, end))
    links = sorted([numbers[aid], e[0], len(e[1])] for aid, e in per.items())
    if links and links[0][0] <= agg["last"]:
        raise ValueError("new articles numbered below the cached ones")
    candidates = [[aid, dates.get(aid), key] for aid, key in groups]
    merged = sorted(agg["q"] + candidates, key=cmp_to_key(_rank_cmp))[:limit]
    quotes = [q if len(q) > 3 else _quote(bodies, q[0], q[1], None if q[2] < 0 else q[2],
                                          groups[(q[0], q[2])]) for q in merged]
    known = [d for d in {dates.get(aid) for aid in per} if d and _ISO.fullmatch(d)]
    if agg["d"]:
        known += agg["d"]
    return {"n": agg["n"] + sum(e[0] for e in per.values()), "links": links,
            "na": agg["na"] + len(links), "last": links[-1][0] if links else agg["last"],
            "pas": agg["pas"] + sum(len(e[1]) for e in per.values()),
            "names": sorted(names), "q": quotes,
            "d": [min(known), max(known)] if known else None}


def steps_text(links: list[list[int]], previous: int = 0, before: str = "[]") -> str:
    """The payload row's article links as JSON text: ``before`` (the cached text of the links
    numbered up to ``previous``; "[]" and 0 for none) extended by ``links`` (sorted, numbered
    above ``previous``), each ``number - previous number`` or ``[that, mentions, passages]``."""
    steps: list[str] = []
    for number, m, p in links:
        step, previous = number - previous, number
        steps.append(str(step) if m == 1 and p == 1 else f"[{step},{m},{p}]")
    if not steps:
        return before
    return before[:-1] + ("," if before != "[]" else "") + ",".join(steps) + "]"


def place_row(place: Place, agg: dict[str, Any], steps: str, regions: list[str],
              region_index: dict[str, int], chunk: int) -> str:
    """The place's row in the payload (``payload.Payload.build``'s), as JSON text; ``steps``:
    its links' JSON text (``steps_text``), joined in as they are."""
    from geomap.render.payload import MAX_SEARCH_NAMES

    names = [n for n in agg["names"] if n != place.name][:MAX_SEARCH_NAMES]
    head = _json([place.id, place.name, place.kind, place.country, round(place.lat, 5),
                  round(place.lon, 5), [region_index[r] for r in regions], agg["n"],
                  agg["na"], chunk, agg["pas"], page_field_of(place.id)])
    return f"{head[:-1]},{steps},{_json([names, origin_note(place) or 0])[1:]}"


def place_feature(place: Place, agg: dict[str, Any], regions: list[str]) -> str:
    """The place's ``places.geojson`` feature (``geojson.place_feature``'s), as JSON text."""
    first, last = agg["d"] or (None, None)
    return _json({"type": "Feature", "id": place.id,
                  "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
                  "properties": {"id": place.id, "name": place.name, "kind": place.kind,
                                 "country": place.country, "admin1": place.admin1,
                                 "regions": list(regions), "mentions": agg["n"],
                                 "articles": agg["na"], "first_date": first,
                                 "last_date": last}})


def update(store, config, layers: list, only: Iterable[str] | None) -> CacheUpdate:
    """Bring the render cache up to date (see the module docstring); one transaction."""
    key = cache_key(store, config, layers)
    if only is not None:
        try:
            done = _incremental(store, config, layers, set(only), key)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            done = None             # a damaged cached value: rebuilt in full below
        if done is None and not only:
            try:
                done = _relimit(store, config, layers, key)
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                done = None
        if done is not None:
            return done
    return _full(store, config, layers, key)


def _meta(store) -> dict:
    text = store.render_cache_get("meta", "state")
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _full(store, config, layers: list, key: str) -> CacheUpdate:
    limit = config.map.max_passages
    bodies = _Bodies(store)
    places = {p.id: p for p in store.places()}
    regions = place_regions(store)
    counts = RegionTally(layers)
    extra: list[str] = []
    known = region_order(layers)
    with store.render_cache_writer() as w:
        w.clear()
        numbers: dict[str, int] = {}
        dates: dict[str, str | None] = {}
        batch = []
        for number, (aid, title, published, source) in enumerate(store.ranked_articles()):
            numbers[aid], dates[aid] = number, published
            batch.append((number, aid, article_row(aid, title, published, source)))
            if len(batch) >= 5000:
                w.number(batch)
                batch = []
        w.number(batch)
        unplaced = unplaced_groups(store.unplaced_mentions(), numbers)
        w.put("unplaced", ((k, _json(v)) for k, v in unplaced.items()))
        del unplaced
        mentioned = []
        for pid, rows in groupby(store.mentions_by_place(), key=lambda r: r[0]):
            rows = list(rows)
            agg = _aggregate(rows, numbers, dates, limit, bodies)
            mine = regions.get(pid, [])
            for name in mine:
                if name not in known:
                    known[name] = len(known)
                    extra.append(name)
            agg["r"] = mine
            mentioned.append(pid)
            links = agg.pop("links")
            counts.add(mine, True, agg["n"], [link[0] for link in links])
            w.put("quotes", [(pid, _json(agg.pop("q")))])
            w.put("steps", [(pid, steps_text(links))])
            w.put("place", [(pid, _json(agg))])
        count = chunk_count(len(mentioned))
        for pid in mentioned:
            agg = json.loads(store.render_cache_get("place", pid))
            place = places[pid]
            w.put("row", [(pid, place_row(place, agg, store.render_cache_get("steps", pid),
                                          agg["r"], known, chunk_of(pid, count)))])
            w.put("geo", [(pid, place_feature(place, agg, agg["r"]))])
        chunks = _write_chunks(store, w, mentioned, count, bodies)
        state = {"key": key, "chunks": count, "extra": extra, "base": base_key(store, layers),
                 "limit": limit}
        w.put("meta", [("state", _json(state)), ("regions", _json(counts.done()))])
    return CacheUpdate(True, set(mentioned), chunks)


def _incremental(store, config, layers: list, new: set[str], key: str) -> CacheUpdate | None:
    """The update from the new articles' mentions, or None when the cache cannot take it."""
    state = _meta(store)
    if state.get("key") != key:
        return None
    numbered, top, stored = store.render_number_state()
    if numbered != top + 1 or numbered + len(new) != stored or store.render_numbers(new):
        return None
    limit = config.map.max_passages
    bodies = _Bodies(store)
    heads = sorted(store.article_heads(new), key=lambda h: h[0])
    heads.sort(key=lambda h: h[2] or "", reverse=True)
    numbers = {h[0]: top + 1 + i for i, h in enumerate(heads)}
    dates = {h[0]: h[2] for h in heads}
    by_place: dict[str, list] = {}
    for row in store.article_mentions(numbers):
        by_place.setdefault(row[0], []).append(row)
    cached = store.render_cache_many("place", by_place)
    cached_quotes = store.render_cache_many("quotes", cached)
    cached_steps = store.render_cache_many("steps", cached)
    places = {p.id: p for p in store.places()}
    regions = place_regions(store)
    known = region_order(layers, state.get("extra", ()))
    count = chunk_count(len(store.render_cache_keys("row")) + len(by_place.keys() - cached.keys()))
    if count != state.get("chunks"):
        return None
    region_cache = store.render_cache_get("meta", "regions")
    counts = RegionTally(layers, json.loads(region_cache) if region_cache else None)
    aggs, steps = {}, {}
    for pid, rows in by_place.items():
        old = json.loads(cached[pid]) if pid in cached else None
        if old is not None:
            old["q"] = json.loads(cached_quotes[pid])
        mine = regions.get(pid, [])
        if (old is not None and old.get("r") != mine) or any(r not in known for r in mine):
            return None
        agg = _merge(old, rows, numbers, dates, limit, bodies)
        agg["r"] = mine
        aggs[pid] = agg
        steps[pid] = steps_text(agg.pop("links"), old["last"] if old and old["na"] else 0,
                                cached_steps[pid] if old is not None else "[]")
        counts.add(mine, old is None, agg["n"] - (old["n"] if old else 0),
                   {numbers[r[1]] for r in rows})
    with store.render_cache_writer() as w:
        w.number((numbers[h[0]], h[0], article_row(*h)) for h in heads)
        for pid, agg in aggs.items():
            place = places[pid]
            w.put("quotes", [(pid, _json(agg.pop("q")))])
            w.put("place", [(pid, _json(agg))])
            w.put("steps", [(pid, steps[pid])])
            w.put("row", [(pid, place_row(place, agg, steps[pid], agg["r"], known,
                                          chunk_of(pid, count)))])
            w.put("geo", [(pid, place_feature(place, agg, agg["r"]))])
        w.put("meta", [("regions", _json(counts.done()))])
        new_unplaced = unplaced_groups(store.article_unplaced(numbers), numbers)
        old_unplaced = {k: json.loads(v) for k, v in
                        store.render_cache_many("unplaced", new_unplaced).items()}
        for name, group in unplaced_groups(store.article_unplaced(numbers), numbers,
                                            old_unplaced).items():
            w.put("unplaced", [(name, _json(group))])
        chunks = _write_chunks(store, w, list(aggs), count, bodies, only=True)
    return CacheUpdate(False, set(aggs), chunks)


def _relimit(store, config, layers: list, key: str) -> CacheUpdate | None:
    """Only ``max_passages`` changed (same ``base_key``): each place's quotes cut to the new
    limit (or, grown and full, taken again from its newest articles' mentions), every chunk
    made again from them; all else stays. None when the cache cannot take it."""
    state = _meta(store)
    old, limit = state.get("limit"), config.map.max_passages
    numbered, top, stored = store.render_number_state()
    if (state.get("key") == key or state.get("base") != base_key(store, layers) or not
            isinstance(old, int) or numbered != top + 1 or numbered != stored):
        return None
    bodies = _Bodies(store)
    ranks: dict[str, int] = {}
    dates: dict[str, str | None] = {}           # read when first needed
    ids = sorted(store.render_cache_keys("quotes"))
    with store.render_cache_writer() as w:
        for pid in ids:
            quotes = json.loads(store.render_cache_get("quotes", pid))
            if limit > old and len(quotes) >= old:      # there may be more: from its mentions
                if not ranks:
                    for rank, (aid, published) in enumerate(store.article_dates()):
                        ranks[aid], dates[aid] = rank, published
                rows = store.newest_place_mentions(pid, limit)
                quotes = _aggregate(rows, ranks, dates, limit, bodies)["q"]
            else:
                quotes = quotes[:limit]
            w.put("quotes", [(pid, _json(quotes))])
        chunks = _write_chunks(store, w, ids, state["chunks"], bodies)
        w.put("meta", [("state", _json({**state, "key": key, "limit": limit}))])
    return CacheUpdate(False, set(ids), chunks)


def _write_chunks(store, w, place_ids: list[str], count: int, bodies: _Bodies, *,
                  only: bool = False) -> set[int]:
    """(Re)build the chunks holding these places from the cached quotes; their numbers.
    ``only``: the other places of those chunks are read from the cache too."""
    from geomap.render.map_files import chunk_value

    touched = sorted({chunk_of(pid, count) for pid in place_ids})
    wanted = set(touched)
    members: dict[int, list[str]] = {}
    for pid in sorted(store.render_cache_keys("row") if only else place_ids):
        number = chunk_of(pid, count)
        if number in wanted:
            members.setdefault(number, []).append(pid)
    for number in touched:
        ids = members.get(number, [])
        found = store.render_cache_many("quotes", ids)
        quoted = [(pid, json.loads(found[pid])) for pid in ids if pid in found]
        value = chunk_value(quoted, bodies)
        w.put("chunk", [(str(number), _json(value))])
        # its 4-gram set is made when the map needs it (chunk files: ``grams_of``); a map
        # whose passages stay embedded never does
        w.put("grams", [(str(number), f"0 {sum(map(len, value['texts']))} ")])
    return set(touched)


def grams_of(store, numbers: Iterable[int]) -> dict[int, tuple[int, bytes]]:
    """The 4-gram sets (``search_index.gram_bits``) of these chunks, made from their cached
    texts where not made yet (kept in the cache: ``grams`` is ``"bits chars base64"``, bits 0
    until made)."""
    from geomap.render.search_index import gram_bits

    numbers = [str(n) for n in numbers]
    found = store.render_cache_many("grams", numbers)
    out, made = {}, []
    for key, value in found.items():
        bits, chars, data = value.split(" ", 2)
        if bits == "0":
            texts = json.loads(store.render_cache_get("chunk", key))["texts"]
            size, raw = gram_bits(texts)
            made.append((key, f"{size} {chars} {base64.b64encode(raw).decode('ascii')}"))
            out[int(key)] = (size, raw)
        else:
            out[int(key)] = (int(bits), base64.b64decode(data))
    if made:
        with store.render_cache_writer() as w:
            w.put("grams", made)
    return out
