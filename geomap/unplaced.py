"""Names not placed: mentions the geoparser recognised but could not place.

Detection (``unplaced_span``, called by :mod:`geomap.extract` for runs with no gazetteer match): a
capitalised name of up to three words written where only a place fits ("the village of Robotyne",
"near Synkivka", "in Klishchiivka", "the Korabel district", or after a placed name in a list:
"freed Makarivka and Neskuchne"), none of its words a function word, title, institution, month or a
word the article also writes in lowercase, not a given name.

They are stored as mentions whose ``place_id`` is NULL (``store.Store.unplaced_names()`` groups
them); ``geomap parse --unplaced`` prints them for a folder without storing anything; the refresh
writes them to ``output/unplaced.csv`` (most mentioned first), and ``geomap pin NAME LAT,LON``
places one for good. Typical causes: villages under the gazetteer's population threshold
("the village of Robotyne"), rivers and landmarks missing from the team tables, streets in an
article that names no town.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from geomap import traps
from geomap._csv import csv_text
from geomap.tokens import Span
from geomap.wordlists import (DESCRIPTIVE, FEATURE_HEADS, INSTITUTION, MEDIA, MONTHS, NOT_PLACES, STOPWORDS,
                              STREET_WORDS, TITLES, WEEKDAYS)


@dataclass(frozen=True, slots=True)
class UnplacedName:
    """One name not placed: how it was written most often, and every mention of it."""

    name: str
    mentions: tuple[tuple[str, int, int, int | None], ...]   # (article id, start, end, passage index)

    @property
    def count(self) -> int:
        return len(self.mentions)

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, *_ in self.mentions))


def unplaced_span(text: str, run: list, lowercase_words, first_names, after_place: bool = False):
    """The unresolved :class:`~geomap.tokens.Span` for a run of tokens with no gazetteer match, or None."""
    first = run[0]
    if len(run) > 3 or first.sentence_start:
        return None
    if not (traps.place_like_before(text, first.start) or traps.place_like_after(text, first.start, run[-1].end)
            or (after_place and len(run) == 1)):
        return None
    for tok in run:
        word = tok.lower
        if tok.upper or (tok.joint not in ("", "space", "hyphen")
                         and not (tok.joint == "connector" and text[tok.start - 1] == "-")) or len(word) < 3 \
                or word in STOPWORDS or word in MONTHS or word in WEEKDAYS or word in TITLES \
                or word in INSTITUTION or word in MEDIA or word in NOT_PLACES or word in DESCRIPTIVE \
                or word in STREET_WORDS or word in FEATURE_HEADS or word in lowercase_words \
                or not word.isalpha():
            return None
    if first.lower in first_names or text.startswith(("'s", "’s"), run[-1].end):
        return None
    start, end = first.start, run[-1].end
    name = text[start:end]
    return Span(start, end, name, name.casefold(), [], unplaced=True,
                  reasons=["a name in a place-like context that the gazetteer lacks: not placed"])


def group(rows: Iterable[tuple[str, int, int, str, int | None]]) -> list[UnplacedName]:
    """``(article id, start, end, text, passage index)`` rows → names (casefolded, spaces
    collapsed), most mentioned first, then by name."""
    by_key: dict[str, list] = {}
    spellings: dict[str, dict[str, int]] = {}
    for aid, start, end, text, pidx in rows:
        key = " ".join(text.casefold().split())
        by_key.setdefault(key, []).append((aid, start, end, pidx))
        counts = spellings.setdefault(key, {})
        counts[text] = counts.get(text, 0) + 1
    names = [UnplacedName(max(spellings[k].items(), key=lambda kv: (kv[1], kv[0]))[0], tuple(v))
             for k, v in by_key.items()]
    return sorted(names, key=lambda n: (-n.count, n.name.casefold(), n.name))


def unplaced_csv(names: list[UnplacedName]) -> str:
    """``output/unplaced.csv``: name, mentions, articles, and the first mention's article and
    passage (its anchor in ``articles/<id>.html`` is ``p<passage>``); formula-safe (``_csv``)."""
    return csv_text(("name", "mentions", "articles", "first_article", "first_passage"),
                    ((n.name, n.count, len(n.articles), n.mentions[0][0], n.mentions[0][3])
                     for n in names))
