"""Quoting passages around mentions: shared by the map's pop-up chunks and the place pages.

A place is quoted passage by passage (``groups``: its mentions grouped by passage, newest article
first), each passage trimmed to a window around the first mention (``quote_bounds``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple

from geomap.render.data import ArticleRecord, MentionRecord, article_ids

QUOTE_WIDTH = 240              # characters of passage quoted around a mention in a pop-up


def quote_bounds(text: str, lo: int, hi: int, span: tuple[int, int],
                 width: int = QUOTE_WIDTH) -> tuple[int, int]:
    """The part ``[a, b)`` of the passage ``text[lo:hi]`` to quote around ``span``.

    At most ``width`` characters (or the span itself, when longer), roughly centred on the span
    and cut at spaces so that no word is quoted in part.
    """
    if hi - lo <= width:
        return lo, hi
    first_start, first_end = span
    room = max(0, width - (first_end - first_start))
    a = max(lo, first_start - room // 2)
    b = min(hi, max(a + width, first_end))
    a = max(lo, min(a, b - width))
    if a > lo:                           # start at a word: skip the partial one
        space = text.find(" ", a, first_start)
        a = space + 1 if space != -1 and space - a < 24 else a
    if b < hi:                           # end at a word
        space = text.rfind(" ", first_end, b)
        b = space if space != -1 and b - space < 24 else b
    return a, b


class Group(NamedTuple):
    """The mentions of one place in one passage of one article (quoted once). A tuple: a
    popular place's page makes tens of thousands of them."""

    article: ArticleRecord | None
    article_id: str
    passage_index: int | None
    spans: list[tuple[int, int]]


def article_ranks(ids: Iterable[str], articles: Mapping[str, ArticleRecord]) -> dict[str, int]:
    """Each article's place in the order pages and pop-ups list them: newest first (undated,
    and articles ``articles`` lacks, last), then by id."""
    ordered = sorted(ids)
    ordered.sort(key=lambda aid: getattr(articles.get(aid), "published", None) or "",
                 reverse=True)
    return {aid: i for i, aid in enumerate(ordered)}


def groups(mentions: list[MentionRecord], articles: Mapping[str, ArticleRecord],
            limit: int | None = None, ranks: Mapping[str, int] | None = None
            ) -> tuple[list[Group], int]:
    """Mentions grouped by passage, newest article first (undated last), then text order.

    Returns the first ``limit`` groups whose article exists (all groups when None) and how many
    groups there are in all: the map quotes only the newest few passages of a place named
    thousands of times, so only those become ``Group`` objects. ``ranks``
    (``article_ranks`` of every article, computed once per render) make the order a sort of
    integer pairs; without them, or when they lack an article, they are computed here.
    """
    ids = article_ids(mentions)
    if ranks is None or not ranks.keys() >= ids:
        ranks = article_ranks(ids, articles)
    by_key: dict[tuple[int, int], tuple[str, int | None, list[tuple[int, int]]]] = {}
    for m in mentions:
        pidx = m.passage_index
        key = (ranks[m.article_id], -1 if pidx is None else pidx)
        group = by_key.get(key)
        if group is None:
            by_key[key] = (m.article_id, pidx, [(m.start, m.end)])
        else:
            group[2].append((m.start, m.end))
    order = sorted(by_key)
    if limit is not None:            # groups of a gone article are counted but never quoted
        present = (key for key in order if by_key[key][0] in articles)
        order = list(itertools.islice(present, limit))
    out = []
    for aid, pidx, spans in map(by_key.__getitem__, order):
        if len(spans) > 1:
            spans.sort()
        out.append(Group(articles.get(aid), aid, pidx, spans))
    return out, len(by_key)


def passage_bounds(article: ArticleRecord, passage_index: int | None) -> tuple[int, int]:
    if passage_index is not None:
        for p in article.passages[passage_index:passage_index + 1] or article.passages:
            if p.index == passage_index:
                return p.start, p.end
    return 0, len(article.text)


@dataclass(slots=True)
class Quote:
    """A quoted window ``[a, b)`` of passage ``[lo, hi)`` highlighting ``spans``."""

    article: ArticleRecord
    anchor: int                          # passage index, -1 when the mention is in no passage
    a: int
    b: int
    lo: int
    hi: int
    spans: list[tuple[int, int]]
