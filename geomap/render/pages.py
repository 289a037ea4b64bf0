"""The pages side of a render read from the store a piece at a time (issue 13): article pages in
batches of articles, place pages place by place, ``mentions.csv``/``mentions.jsonl`` row by row.

``render_outputs`` renders everything from one in-memory ``MapData`` (every mention of every
article as a record: ~5 million at 100,000 articles). ``write_pages`` writes the same files, byte
for byte, from ``store_render.RenderReads``: at any time it holds one batch of articles, or one
place's mentions and the quoted windows of one of its pages, plus every article's date (to order
the quotes) and, for a full render, every place (for the exports). After new articles it reads
only those articles and the places they name, and quotes only the pages it writes.
"""
from __future__ import annotations

import collections
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterator, NamedTuple

from geomap.model import Passage
from geomap.render.data import ArticleRecord, MentionRecord, PlaceRecord, article_ids
from geomap.render.page_texts import PageTexts
from geomap.render.place_page import render_changed_pages
from geomap.render.place_runs import PlaceRuns, RunsIndex, changed, dates_index

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.render.place_patch import PreviousPages
    from geomap.store import Store

__all__ = ["ARTICLE_BATCH", "PagesWritten", "append_exports", "write_article_pages",
           "write_pages", "write_place_pages"]

ARTICLE_BATCH = 200         # articles read (with their texts) and written at a time


class PagesWritten(NamedTuple):
    """What ``write_pages`` wrote (paths inside its folder), after new articles the relative
    paths of place pages they made obsolete (to remove once the new ones are in), and the
    busy places' runs to record once they are in place."""

    written: list[Path]
    gone: set[str]
    runs: RunsIndex             # ``forget()`` before moving them into place, ``save()`` after


class _Dated(NamedTuple):
    """What ordering and paginating a place's quotes needs of an article."""

    id: str
    published: str | None


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def write_pages(store: Store, out_dir: Path, config: Config, layers: list, *,
                only: Collection[str] | None = None, exports: bool = True,
                previous: PreviousPages | None = None) -> PagesWritten:
    """Write the article pages, the place pages and (``exports``) the two exports of the store
    into ``out_dir``: the files ``render_outputs`` writes for them from ``load_map_data(store)``.

    ``only``: the articles new since the last complete render: just their pages and those of the
    places they name that changed (``place_page.render_place_pages(new=...)``); None: every
    page. ``exports``: write the whole exports (False: a caller appending the new articles'
    rows calls ``append_exports`` once the outputs are in place). ``previous``: with ``only``,
    the place pages in place, from which a page keeping its quotes is made rather than rendered
    (``render.place_patch``).
    """
    from geomap.render.exports import row_lines, write_export_lines

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    everything = store.article_ids() if only is None or exports else []
    chosen = everything if only is None else store.known_article_ids(only)
    rows = _article_pages(store, chosen, out_dir, config, written)
    if only is not None:
        collections.deque(rows, maxlen=0)       # the pages are written as the rows are made
        rows = _export_rows(store, everything)
    if exports:
        write_export_lines(row_lines(rows, config.root), out_dir / "mentions.csv",
                           out_dir / "mentions.jsonl")
        written += [out_dir / "mentions.csv", out_dir / "mentions.jsonl"]
    else:
        collections.deque(rows, maxlen=0)
    gone: set[str] = set()
    places = store.mentioned_place_ids() if only is None else sorted(store.place_ids_of(chosen))
    placed, index = _place_pages(store, places, out_dir, config, layers, only, gone, previous)
    return PagesWritten(written + placed, gone, index)


def append_exports(store: Store, out_dir: Path, articles: Collection[str],
                   root: Path | None = None) -> None:
    """Append the rows of ``articles`` to the exports in ``out_dir``
    (``exports.append_export_lines``)."""
    from geomap.render.exports import append_export_lines, row_lines

    ids = store.known_article_ids(articles)
    append_export_lines(row_lines(_export_rows(store, ids), root), out_dir)


def write_article_pages(store: Store, ids: list[str], out_dir: Path, config: Config, *,
                        exports: tuple[Path, Path] | None = None,
                        header: bool = True) -> list[Path]:
    """Write the pages of the articles ``ids`` (sorted) into ``out_dir`` as ``write_pages``
    does, and with ``exports`` their rows of ``mentions.csv``/``mentions.jsonl`` into these two
    files (``header``: with the CSV header): one render worker's part of a full render
    (``render.parallel``); consecutive parts joined make ``write_pages``' exports. The pages
    written are returned."""
    from geomap.render.exports import row_lines, write_export_lines

    written: list[Path] = []
    rows = _article_pages(store, ids, Path(out_dir), config, written)
    if exports is None:
        collections.deque(rows, maxlen=0)
    else:
        write_export_lines(row_lines(rows, config.root), *exports, header=header)
    return written


def write_place_pages(store: Store, place_ids: list[str], out_dir: Path, config: Config,
                      layers: list) -> tuple[list[Path], dict[str, str]]:
    """Write every page of the places ``place_ids`` into ``out_dir`` as a full ``write_pages``
    does: one render worker's part of a full render (``render.parallel``). Returns the pages
    written and the busy places' runs to record (``RunsIndex.pending``) once all are in place."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    written, index = _place_pages(store, place_ids, Path(out_dir), config, layers, None, set())
    return written, index.pending


def _batches(store: Store, ids: list[str]) -> Iterator[tuple[list[tuple], dict]]:
    """The articles ``ids`` (sorted) a batch at a time: ``(ArticleRecord with its text, its
    resolved mention rows)`` per article, and ``{place id: (Place, regions)}`` of the places
    the batch names."""
    for i in range(0, len(ids), ARTICLE_BATCH):
        rows = store.article_rows(ids[i:i + ARTICLE_BATCH])
        passages: dict[str, list[Passage]] = {}
        for aid, idx, start, end in rows.passages:
            passages.setdefault(aid, []).append(Passage(idx, start, end))
        placed: dict[str, list[tuple]] = {}
        for row in rows.placed:
            placed.setdefault(row[0], []).append(row)
        places = store.places_by_id({row[4] for row in rows.placed})
        records = [ArticleRecord(aid, title, published, byline, source, text,
                                 tuple(passages.get(aid, ())),
                                 [(m[1], m[2], m[4]) for m in placed.get(aid, ())])
                   for aid, title, published, byline, source, text in rows.articles]
        yield [(record, placed.get(record.id, ())) for record in records], places


def _export_rows(store: Store, ids: list[str]):
    """``exports.ExportRow`` per resolved mention of the articles ``ids`` (sorted), in article
    then offset order."""
    for batch, places in _batches(store, ids):
        yield from _rows_of(batch, places)


def _rows_of(batch, places) -> Iterator:
    from geomap.render.exports import ExportRow

    for article, mentions in batch:
        spans = {p.index: (p.start, p.end) for p in article.passages}
        for _aid, start, end, text, pid, _score, pidx in mentions:
            place, regions = places[pid]
            yield ExportRow(article, pidx, pid, place, regions, start, end, text,
                            spans.get(pidx) if pidx is not None else None)


def _article_pages(store: Store, ids: list[str], out_dir: Path, config: Config,
                   written: list[Path]) -> Iterator:
    """Write the pages of the articles ``ids`` a batch at a time, yielding their export rows
    (``exports.ExportRow``) as it goes: the two share one read of each article."""
    from geomap.render.article_page import page_name, render_article

    if ids:
        (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    for batch, places in _batches(store, ids):
        by_id = {pid: place for pid, (place, _regions) in places.items()}
        for article, _mentions in batch:
            html = render_article(article, by_id, map_title=config.map.title, root=config.root)
            written.append(_write(out_dir / "articles" / f"{page_name(article.id)}.html", html))
        yield from _rows_of(batch, places)


def _place_pages(store: Store, place_ids: list[str], out_dir: Path, config: Config, layers: list,
                 only: Collection[str] | None, gone: set[str],
                 previous: PreviousPages | None = None) -> tuple[list[Path], RunsIndex]:
    """Write the pages of the places ``place_ids``, one place at a time (after new articles
    ``only``: those of its pages that changed; obsolete ones are added to ``gone``). A busy
    place with recorded runs is rendered from them (``place_runs``), any other from its every
    mention."""
    from geomap.render.place_page import PLACES_DIR, place_page_name, render_place_pages
    from geomap.render.quotes import QUOTE_WIDTH
    from geomap.render.region_counts import region_labels, region_layer_labels

    index = RunsIndex(store, full=only is None, place_ids=place_ids)
    if not place_ids:
        return [], index
    (out_dir / PLACES_DIR).mkdir(parents=True, exist_ok=True)
    rows = store.article_dates()        # 100,000 rows: the dicts are built at C level
    ids = [row[0] for row in rows]
    dated: dict[str, _Dated] = dict(zip(ids, map(_Dated._make, rows)))
    ranks: dict[str, int] = dict(zip(ids, itertools.count()))
    del rows

    def quoted(groups: list) -> list[tuple]:
        rows = store.quote_windows([(g.article_id, g.passage_index, *g.spans[0]) for g in groups],
                                   QUOTE_WIDTH)
        return [(w.title, w.text, w.lo, w.hi, w.base) for w in rows]

    # After new articles the pages written quote the same few days' articles again and again:
    # each is read once (``PageTexts``); a full render quotes every article about as often as
    # it names places, scattered, so it reads only the windows quoted.
    windows = quoted if only is None else PageTexts(store, QUOTE_WIDTH).windows

    labels, layer_labels = region_labels(layers), region_layer_labels(layers)
    new = None if only is None else set(only)
    new_rows: dict[str, list[tuple]] = {}
    by_date: dict[str, list[str]] = {}
    if new and index.known:
        for aid, _start, _end, _text, pid, _score, pidx in store.article_rows(new).placed:
            new_rows.setdefault(pid, []).append((aid, pidx))
        by_date = dates_index(dated)
    known = store.places_by_id(place_ids)
    read = None if previous is None or only is None else previous.read
    written = []
    for pid in place_ids:
        place, regions = known[pid]
        dropped: set[str] = set()
        busy = index.known.get(pid)
        plan = busy and changed(store, pid, busy, new_rows.get(pid, []), dated, ranks, by_date)
        if plan:
            pages = render_changed_pages(
                place, regions=list(regions), totals=plan.totals, old_runs=plan.old_runs,
                new_runs=plan.new_runs, inserted=plan.inserted, quotes=plan.quotes,
                map_title=config.map.title, region_labels=labels, region_layers=layer_labels,
                windows=windows, gone=dropped, previous=read, old_totals=plan.old_totals,
                fresh=plan.fresh)
            index.keep(pid, plan.runs)
        else:
            mentions = [MentionRecord(dated[aid].id, start, end, text, pidx, score)
                        for aid, start, end, text, pidx, score in store.place_mentions(pid)]
            record = PlaceRecord(place, regions, mentions)
            runs: list = []
            pages = render_place_pages(record, dated, map_title=config.map.title,
                                       region_labels=labels, ranks=ranks,
                                       region_layers=layer_labels, new=new, windows=windows,
                                       gone=dropped, runs=runs, previous=read)
        for name, html in pages:
            written.append(_write(out_dir / PLACES_DIR / name, html))
        if not plan:
            index.keep(pid, PlaceRuns(len(mentions), len(article_ids(mentions)), runs))
        if dropped:
            stem = place_page_name(pid)
            gone |= {f"{PLACES_DIR}/{name}" for name in dropped
                     if name.startswith(f"{stem}_p")}
    return written, index
