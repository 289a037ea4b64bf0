"""What the renderer needs, and nothing more: ``load_map_data(store)`` builds it from the store's
plain rows (``store.Store.map_rows()``).

These records are plain data so that a test or the synthetic benchmark can build them without
touching the store, and the store never imports the renderer. Offsets are 0-based, end-exclusive indexes into
``ArticleRecord.text``, exactly as in ``geomap.model``.
"""
from __future__ import annotations

import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple

from geomap.model import Passage, Place

if TYPE_CHECKING:
    from geomap.store import Store


class MentionRecord(NamedTuple):
    """One mention of a place: where it is in which article, and how sure the resolver was.

    A named tuple (immutable, fields by name): a store of 10,000 articles loads some 300,000
    of them for every render, three times faster than frozen dataclass instances.
    """

    article_id: str
    start: int
    end: int
    text: str                    # article text[start:end]
    passage_index: int | None    # the passage containing the mention (None: outside every passage)
    score: float = 0.0


_ARTICLE_ID = operator.attrgetter("article_id")
_ARTICLE_PASSAGE = operator.attrgetter("article_id", "passage_index")
_TEXT = operator.attrgetter("text")
_FIRST = operator.itemgetter(0)


def article_ids(mentions: list[MentionRecord]) -> set[str]:
    """The distinct articles of these mentions (the pop-up, the place page, the GeoJSON and the
    region counts each count them: one C-level pass, not a Python loop)."""
    return set(map(_ARTICLE_ID, mentions))


class PlaceStats(NamedTuple):
    """A place's counts over its mentions, computed once per render (``MapData.stats``) for the
    map's payload, the region counts and ``places.geojson``, which each walked every mention."""

    per_article: Counter         # article id -> mentions of the place in it
    passages: Counter            # article id -> passages of it naming the place (no passage: one)
    n_passages: int              # distinct (article, passage) pairs
    texts: frozenset[str]        # how the articles write the name


def place_stats(mentions: list[MentionRecord]) -> PlaceStats:
    """``PlaceStats`` of these mentions, in C-level passes."""
    keys = set(map(_ARTICLE_PASSAGE, mentions))
    return PlaceStats(Counter(map(_ARTICLE_ID, mentions)), Counter(map(_FIRST, keys)), len(keys),
                      frozenset(map(_TEXT, mentions)))


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """A place with every mention of it across all articles and the regions it falls in."""

    place: Place
    regions: tuple[str, ...] = ()                           # region names (``Region.name``)
    mentions: list[MentionRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An article as the article page shows it; ``mentions`` are ``(start, end, place_id)``."""

    id: str
    title: str
    published: str | None        # ISO date YYYY-MM-DD when known
    byline: str | None
    source: str
    text: str
    passages: tuple[Passage, ...] = ()
    mentions: list[tuple[int, int, str]] = field(default_factory=list)


class StoredArticleRecord:
    """An ``ArticleRecord`` whose ``text`` and ``passages`` are read from the store when a page,
    a quote or an export needs them (``load_map_data(store, bodies=False)``): a render after
    new articles quotes a few thousand of them, and holding every text at once cost hundreds
    of MB at 100,000 articles. ``body(article_id)`` returns ``(text, passages)``."""

    __slots__ = ("id", "title", "published", "byline", "source", "mentions", "_body")

    def __init__(self, id: str, title: str, published: str | None, byline: str | None,
                 source: str, mentions: list[tuple[int, int, str]],
                 body: Callable[[str], tuple[str, tuple[Passage, ...]]]):
        self.id, self.title, self.published, self.byline = id, title, published, byline
        self.source, self.mentions, self._body = source, mentions, body

    @property
    def text(self) -> str:
        return self._body(self.id)[0]

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self._body(self.id)[1]


BODIES_KEPT = 32768     # article bodies kept at once by a render that reads them when used: a
                        # render after new articles quotes ~2 per place and pages of the places


def _body_reader(store: Store) -> Callable[[str], tuple[str, tuple[Passage, ...]]]:
    """``(text, passages)`` of an article from ``store``, the last ``BODIES_KEPT`` kept."""

    @lru_cache(maxsize=BODIES_KEPT)
    def body(article_id: str) -> tuple[str, tuple[Passage, ...]]:
        found = store.article_body(article_id)
        if found is None:
            return "", ()
        text, rows = found
        return text, tuple(Passage(i, start, end) for i, start, end in rows)

    return body


@dataclass(frozen=True, slots=True)
class UnplacedRecord:
    """A name the extractor found but the gazetteer could not place, with every mention of it
    (``place_id`` NULL in the store's mentions today; ``unplaced_records`` groups them)."""

    name: str
    mentions: list[MentionRecord] = field(default_factory=list)


def unplaced_records(mentions: Iterable[MentionRecord]) -> list[UnplacedRecord]:
    """Mentions of no place grouped by name (case and spacing ignored; the most frequent
    spelling names the group), most mentioned first."""
    groups: dict[str, list[MentionRecord]] = {}
    for m in mentions:
        groups.setdefault(" ".join(m.text.casefold().split()), []).append(m)
    records = []
    for group in groups.values():
        spellings = Counter(m.text for m in group)
        name = min(spellings, key=lambda s: (-spellings[s], s))
        records.append(UnplacedRecord(name, group))
    records.sort(key=lambda r: (-len(r.mentions), r.name))
    return records


@dataclass(slots=True)
class MapData:
    """Everything one render needs: the places to plot and the articles they link to (by id),
    and the names no place was found for."""

    places: list[PlaceRecord] = field(default_factory=list)
    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    unplaced: list[UnplacedRecord] = field(default_factory=list)
    _stats: dict[str, tuple[PlaceRecord, PlaceStats]] = field(default_factory=dict, repr=False,
                                                               compare=False)

    def stats(self, record: PlaceRecord) -> PlaceStats:
        """``place_stats`` of ``record``'s mentions, computed once per ``MapData``."""
        known = self._stats.get(record.place.id)
        if known is None or known[0] is not record:
            known = self._stats[record.place.id] = (record, place_stats(record.mentions))
        return known[1]


def load_map_data(store: Store, *, bodies: bool = True) -> MapData:
    """Everything the renderer needs from ``store``: its mentioned places (with regions and
    mentions, each place's newest article first), its articles, and the mentions of no place
    grouped by name (``unplaced_records``).

    ``bodies=False``: the articles' texts and passages are read when used
    (``StoredArticleRecord``), so ``store`` must stay open while the data is used."""
    rows = store.map_rows(bodies=bodies)
    passages: dict[str, list[Passage]] = defaultdict(list)
    for aid, idx, start, end in rows.passages:
        passages[aid].append(Passage(idx, start, end))
    # Resolved mentions come in (article, start) order, grouped here per article; places then
    # list them newest article first by walking the articles in that order.
    placed: dict[str, list[tuple]] = defaultdict(list)
    for row in rows.placed:
        placed[row[0]].append(row)
    spans: dict[str, list[tuple[int, int, str]]] = {}
    by_place: dict[str, list[MentionRecord]] = defaultdict(list)
    for aid in rows.newest_first:
        mine = placed.pop(aid, ())
        spans[aid] = [(start, end, pid) for _, start, end, _, pid, _, _ in mine]
        for _, start, end, text, pid, score, pidx in mine:
            by_place[pid].append(MentionRecord(aid, start, end, text, pidx, score))
    regions: dict[str, list[str]] = defaultdict(list)
    for pid, region in rows.regions:
        regions[pid].append(region)
    if bodies:
        articles = {
            aid: ArticleRecord(aid, title, published, byline, source, text,
                               tuple(passages[aid]), spans.get(aid, []))
            for aid, title, published, byline, source, text in rows.articles}
    else:
        body = _body_reader(store)
        articles = {aid: StoredArticleRecord(aid, title, published, byline, source,
                                             spans.get(aid, []), body)
                    for aid, title, published, byline, source, _text in rows.articles}
    places = [PlaceRecord(place, tuple(regions[place.id]), by_place[place.id])
              for place in rows.places if place.id in by_place]
    unplaced = unplaced_records(MentionRecord(aid, start, end, text, pidx, score)
                                for aid, start, end, text, score, pidx in rows.unplaced)
    return MapData(places=places, articles=articles, unplaced=unplaced)
