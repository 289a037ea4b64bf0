"""What the renderer needs, and nothing more: built by ``store.Store.map_data()``.

These records are plain data so that the store (or a test, or the synthetic benchmark) can build
them without touching the renderer. Offsets are 0-based, end-exclusive indexes into
``ArticleRecord.text``, exactly as in ``geomap.model``.
"""
from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from geomap.model import Passage, Place


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


def article_ids(mentions: list[MentionRecord]) -> set[str]:
    """The distinct articles of these mentions (the pop-up, the place page, the GeoJSON and the
    region counts each count them: one C-level pass, not a Python loop)."""
    return set(map(_ARTICLE_ID, mentions))


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
