"""A busy place's pages after new articles without reading its every mention (issue 13).

At 100,000 articles a country is mentioned hundreds of thousands of times, and a few new articles
naming it change only its newest page and the pages of their months. Which pages those are
depends only on how many quotes each date has (``place_cut.paginate_runs``), so a render records,
for each place with at least ``BUSY`` quotes, its mentions, articles and ``[published, quotes]``
runs (oldest first) in the store (``store_render``: ``meta`` rows, marked current only once
the outputs they describe are in place). After new articles such a place's runs are the recorded
ones plus the new quotes; the mentions read are those of the new articles' dates (where the new
quotes fall among the others) and those of the pages written.
"""
from __future__ import annotations

import bisect
import json
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple

from geomap.errors import StoreError
from geomap.render.data import MentionRecord
from geomap.render.quotes import groups as quote_groups

if TYPE_CHECKING:
    from geomap.store import Store

__all__ = ["BUSY", "Changed", "PlaceRuns", "RunsIndex", "changed", "dates_index"]

BUSY = 300          # quotes of a place whose runs are recorded (fewer: its mentions are read):
                    # ``2 * place_cut.PER_PAGE``, below which a place has one page


class PlaceRuns(NamedTuple):
    """What a place's pages depend on besides its quotes: its mentions and articles and the
    runs of its quotes by their articles' dates (``place_cut.published_runs``)."""

    mentions: int
    articles: int
    runs: list


class RunsIndex:
    """The recorded runs during one render: read for the places it renders, marked not
    current while its outputs are moved into place (``forget``), then recorded again for the
    busy ones (``save``). They always describe the place pages in place, or are not current."""

    def __init__(self, store: Store, *, full: bool, place_ids: list[str]):
        self.store, self.full = store, full
        found = None if full else store.place_runs(place_ids)
        self.known = {} if found is None else {pid: PlaceRuns(*json.loads(v))
                                               for pid, v in found.items()}
        self.current = full or found is not None
        self.pending: dict[str, str] = {}

    def forget(self) -> None:
        """Before the outputs are moved into place: the runs recorded no longer describe them
        (a full render drops them all)."""
        self.store.forget_place_runs(every=self.full)

    def keep(self, place_id: str, runs: PlaceRuns) -> None:
        """Record ``runs`` for the place (if it is busy) when the render's outputs are in."""
        if sum(count for _, count in runs.runs) >= BUSY:
            self.pending[place_id] = json.dumps(list(runs), ensure_ascii=False,
                                                separators=(",", ":"))

    def save(self) -> None:
        """Once the outputs are in place: record the kept runs and mark the record current (not
        when it was not current at the start: a render that died while moving its outputs
        left other places' runs stale, so they wait for the next full render)."""
        if self.current:
            self.store.save_place_runs(self.pending)


class Changed(NamedTuple):
    """A busy place after new articles: ``render_changed_pages``' inputs but the place's own."""

    totals: tuple[int, int]
    old_runs: list
    new_runs: list
    inserted: list[int]
    quotes: Callable[[int, int], list]
    runs: PlaceRuns
    old_totals: tuple[int, int]         # its mentions and articles before the new articles
    fresh: dict[int, object]            # the new quotes (``quotes.groups``) by position


def changed(store: Store, place_id: str, recorded: PlaceRuns, new_rows: list[tuple],
            dated: Mapping, ranks: Mapping[str, int], by_date: Mapping[str, list[str]]
            ) -> Changed | None:
    """The place's runs before (``recorded``) and after the new articles' mentions of it
    (``new_rows``: ``(article_id, passage_index)`` per mention), where their quotes fall and a
    reader of its quotes by position; None when the recorded runs do not match the store
    (the caller then reads every mention)."""
    new_groups = {(aid, pidx) for aid, pidx in new_rows}
    added: dict[str, int] = {}
    for aid, _pidx in new_groups:
        key = dated[aid].published or ""
        added[key] = added.get(key, 0) + 1
    old = {key: count for key, count in recorded.runs}
    merged = dict(old)
    for key, count in added.items():
        merged[key] = merged.get(key, 0) + count
    new_runs = [[key, merged[key]] for key in sorted(merged)]
    starts: dict[str, int] = {}
    pos = 0
    for key, count in new_runs:
        starts[key] = pos
        pos += count
    keys = [key for key, _ in new_runs]

    every: list = []

    def read(lo_key: int, hi_key: int) -> list:
        """The quotes of the dates ``keys[lo_key:hi_key]``, oldest first: read by article, or
        when the dates have more articles than the place has mentions (a year's page of a
        place quoted a few hundred times) from all its mentions."""
        aids = [aid for key in keys[lo_key:hi_key] for aid in by_date.get(key, ())]
        if len(aids) > recorded.mentions:
            if not every:
                every.append(store.place_mentions(place_id))
            chosen = set(aids)
            rows = [row for row in every[0] if row[0] in chosen]
        else:
            rows = store.place_mentions_in(place_id, aids)
        mentions = [MentionRecord(aid, start, end, text, pidx, score) for aid, start, end, text,
                    pidx, score in rows]
        found = quote_groups(mentions, dated, ranks=ranks)[0]
        found.reverse()
        return found

    fresh: dict[int, object] = {}
    for key in sorted(added):
        i = keys.index(key)
        block = read(i, i + 1)
        if len(block) != merged[key]:
            return None
        fresh.update((starts[key] + n, g) for n, g in enumerate(block)
                     if (g.article_id, g.passage_index) in new_groups)
    inserted = list(fresh)
    if len(inserted) != len(new_groups):
        return None

    positions = [starts[key] for key in keys]

    def quotes(lo: int, hi: int) -> list:
        first = bisect.bisect_right(positions, lo) - 1
        last = bisect.bisect_left(positions, hi)
        found = read(first, last)
        if len(found) != sum(merged[k] for k in keys[first:last]):
            raise StoreError(f"{store.path}: the recorded quote counts of {place_id} do not match "
                             "its mentions; run the refresh again (it reads them all)")
        return found[lo - positions[first]:hi - positions[first]]

    n_mentions = recorded.mentions + len(new_rows)
    n_articles = recorded.articles + len({aid for aid, _ in new_groups})
    return Changed((n_mentions, n_articles), [[k, c] for k, c in recorded.runs], new_runs,
                   sorted(inserted), quotes, PlaceRuns(n_mentions, n_articles, new_runs),
                   (recorded.mentions, recorded.articles), fresh)


def dates_index(dated: Mapping) -> dict[str, list[str]]:
    """Article ids by ``published or ""``."""
    found: dict[str, list[str]] = {}
    for aid, article in dated.items():
        found.setdefault(article.published or "", []).append(aid)
    return found
