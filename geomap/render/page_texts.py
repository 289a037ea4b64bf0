"""The texts place pages quote, read once per render (issue 13: +10 onto 100,000 articles).

A refresh after new articles writes the newest page of every place they name, and those pages
quote the same newest articles again and again (a day's page likewise quotes that day's
articles for every busy place). ``PageTexts`` reads each article's title, text and passage
bounds once, a page's missing articles in one query, and keeps them in a bounded LRU
(``BUDGET`` characters), so a page costs a few dictionary look-ups per quote rather than a
query reading the article again. An article longer than ``LONGEST`` characters is never held:
its quotes are read as windows (``Store.quote_windows``: only the characters a quote may show).
What ``windows`` returns is what ``place_page._mentions_html`` takes, and the HTML is the same
either way (``quotes.quote_bounds`` sees the same characters).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from geomap.store import Store

__all__ = ["BUDGET", "LONGEST", "PageTexts"]

BUDGET = 24_000_000     # characters of article text kept between pages
LONGEST = 200_000       # longer articles are quoted through windows, never held whole


class _Body(NamedTuple):
    title: str
    text: str
    passages: dict[int, tuple[int, int]]


class PageTexts:
    """``windows(groups)`` for ``place_page._mentions_html`` over one store, reading each
    article once while it stays in the budget."""

    def __init__(self, store: Store, width: int, *, budget: int = BUDGET, longest: int = LONGEST):
        self.store, self.width, self.budget, self.longest = store, width, budget, longest
        self.kept: OrderedDict[str, _Body] = OrderedDict()
        self.size = 0
        self.long: set[str] = set()        # articles read through windows

    def _load(self, ids: list[str]) -> None:
        titles, passages = self.store.quote_texts(ids, self.longest)
        bounds: dict[str, dict[int, tuple[int, int]]] = {}
        for aid, idx, start, end in passages:
            bounds.setdefault(aid, {})[idx] = (start, end)
        for aid, title, text in titles:
            if text is None:
                self.long.add(aid)
                continue
            self.kept[aid] = _Body(title, text, bounds.get(aid, {}))
            self.size += len(text)

    def _trim(self) -> None:
        while self.size > self.budget and len(self.kept) > 1:
            _aid, body = self.kept.popitem(last=False)
            self.size -= len(body.text)

    def windows(self, groups: list) -> list[tuple]:
        """``(title, text, lo, hi, base)`` per group (its passage's bounds; the whole text when
        the mention lies in no passage), in the order given."""
        kept = self.kept
        missing = sorted({g.article_id for g in groups if g.article_id not in kept
                          and g.article_id not in self.long})
        if missing:
            self._load(missing)
        out: list[tuple | None] = []
        far: list[int] = []
        for n, g in enumerate(groups):
            body = kept.get(g.article_id)
            if body is None:
                far.append(n)
                out.append(None)
                continue
            kept.move_to_end(g.article_id)
            lo, hi = body.passages.get(g.passage_index, (0, len(body.text))) \
                if g.passage_index is not None else (0, len(body.text))
            out.append((body.title, body.text, lo, hi, 0))
        if far:
            rows = self.store.quote_windows([(groups[n].article_id, groups[n].passage_index,
                                              *groups[n].spans[0]) for n in far], self.width)
            for n, w in zip(far, rows):
                out[n] = (w.title, w.text, w.lo, w.hi, w.base)
        self._trim()
        return out
