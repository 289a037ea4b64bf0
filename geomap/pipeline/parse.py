"""``geomap parse``: geoparse files and folders, in file order, without a store."""
from __future__ import annotations

import sys
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from geomap.articles import folder_files, read_article
from geomap.errors import ArticleError
from geomap.executors import ExecutorOptions
from geomap.model import Article, Mention
from geomap.pipeline.stages import FATAL, Stages, isolated
from geomap.sources import printable, utf8_name

if TYPE_CHECKING:
    from geomap.config import Config

__all__ = ["ErrorHandler", "MentionStream", "parse_paths", "parse_stream", "print_error"]

ErrorHandler = Callable[[str], None]

PARSE_WINDOW = 256      # articles read ahead of the geoparser when it runs in other processes
SERIAL_WINDOW = 32      # in process: articles whose places are tested against the regions at once
STREAM_CHARS = 1 << 18  # an article this long is streamed (parse_stream): its mentions never all held,
                        # each distinct form encoded once (a 1 MB article: ~40 % less CPU than as a list)
STREAM_BATCH = 10_000   # mentions of a streamed article whose places are tested against the regions at once


def parse_paths(paths: Sequence[Path], config: Config, *, explain: bool = False,
                on_error: ErrorHandler | None = None, workers: int = 1, executor: str = "local",
                scheduler: str | None = None
                ) -> Iterator[tuple[Article, list[Mention], list[tuple[str, ...]]]]:
    """Geoparse files and folders: yields ``(article, mentions, regions per mention)``.

    A folder contributes its article files (sorted, hidden ones skipped); a file named explicitly
    is read whatever its suffix. An unreadable file is reported through ``on_error`` (default: a
    line on stderr) and skipped; the others proceed. ``workers``/``executor``/``scheduler`` choose
    where geoparsing runs (``geomap.executors``); results come in file order either way.
    """
    for article, pairs in parse_stream(paths, config, explain=explain, on_error=on_error, workers=workers,
                                       executor=executor, scheduler=scheduler):
        mentions, regions = [], []
        for mention, names in pairs:
            mentions.append(mention)
            regions.append(names)
        yield article, mentions, regions


def parse_stream(paths: Sequence[Path], config: Config, *, explain: bool = False,
                 on_error: ErrorHandler | None = None, workers: int = 1, executor: str = "local",
                 scheduler: str | None = None
                 ) -> Iterator[tuple[Article, Iterator[tuple[Mention, tuple[str, ...]]]]]:
    """What :func:`parse_paths` yields, as ``(article, iterator of (mention, regions))``: an article of
    ``STREAM_CHARS`` or more, geoparsed in this process with the offline gazetteer, comes as a
    stream (``Geoparser.iter_mentions``, regions found ``STREAM_BATCH`` mentions at a time), never
    as a list of all its mentions. Read each article's iterator before asking for the next article."""
    report = on_error or print_error
    stage = Stages(config)                  # builds nothing until the first article is read
    options = ExecutorOptions(workers, executor, scheduler)
    pool = None
    try:
        articles = _readable(_expand(paths, report), report)
        first = next(articles, None)
        if first is None:
            return
        if not options.in_process:
            stage.gazetteer                                 # built here once, opened by workers
        pool = stage.executor(options)
        size = SERIAL_WINDOW if options.in_process else PARSE_WINDOW
        window: list[Article] = []
        for article in chain((first,), articles):
            if options.in_process and len(article.text) >= STREAM_CHARS and stage.geocoder is None:
                yield from _parse_window(stage, pool, window, explain, report)
                window = []
                yield from _stream(stage, article, explain, report)
                continue
            if len(window) >= size:
                yield from _parse_window(stage, pool, window, explain, report)
                window = []
            window.append(article)
        yield from _parse_window(stage, pool, window, explain, report)
    finally:
        if pool is not None:
            pool.close()
        stage.close()


def _stream(stage: Stages, article: Article, explain: bool, report: ErrorHandler):
    """One huge article's ``(article, pairs)``: its names are resolved here (a failure is
    reported and the article skipped, like any other), its mentions made as the pairs are read
    (:class:`MentionStream`)."""
    try:
        forms = stage.geoparser.iter_forms(article.text, explain=explain)
    except FATAL:
        raise
    except Exception as e:      # noqa: BLE001 - one bad article must not stop the others
        report(f"{article.source}: could not be processed ({type(e).__name__}: {e}); skipped")
        return
    yield article, MentionStream(stage, article, forms, report)


class MentionStream:
    """A streamed article's ``(mention, regions)`` pairs (iterate it once), or the same as
    ``(start, end, form, regions)`` (:meth:`forms`: ``Mention(start, end, *form)`` is the mention;
    a form and its regions are shared by every mention of one name resolved alike, so a writer
    may encode them once). Read ``STREAM_BATCH`` mentions at a time, the regions asked for the
    places not seen before in the article; a failure midway is reported (the mentions given so
    far stay given) and ends this article only."""

    def __init__(self, stage: Stages, article: Article, forms: Iterator[tuple], report: ErrorHandler):
        self._stage, self._article, self._forms, self._report = stage, article, forms, report

    def __iter__(self) -> Iterator[tuple[Mention, tuple[str, ...]]]:
        return ((Mention(start, end, *form), regions) for start, end, form, regions in self.forms())

    def forms(self) -> Iterator[tuple[int, int, tuple, tuple[str, ...]]]:
        """The pairs as ``(start, end, form, regions)``."""
        for batch, forms in self.batches():
            for start, end, form in batch:
                yield start, end, form, forms[id(form)][1]

    def batches(self) -> Iterator[tuple[list[tuple[int, int, tuple]], dict[int, tuple]]]:
        """The pairs ``STREAM_BATCH`` at a time, as ``(batch, forms)``: ``batch`` the ``(start, end,
        form)`` of each mention, ``forms`` each distinct form of the batch as ``{id(form): (form,
        regions)}`` (a writer's work per form is done once per batch, not once per mention)."""
        known: dict[int, tuple] = {}           # id(place) -> (place, its regions): places are few
        while True:
            try:
                batch = list(islice(self._forms, STREAM_BATCH))
                if not batch:
                    return
                forms = {id(form): form for _, _, form in batch}
                new: dict[int, object] = {}
                for form in forms.values():    # (in the order of their first mentions)
                    place = form[1]
                    if place is not None and id(place) not in known:
                        new[id(place)] = place
                if new:
                    places = list(new.values())
                    for place, regions in zip(places, self._stage.regions_for_places(places)):
                        known[id(place)] = (place, tuple(regions))
                shared = {i: (form, known[id(form[1])][1] if form[1] is not None else ()) for i, form in forms.items()}
            except FATAL:
                raise
            except Exception as e:      # noqa: BLE001 - one bad article must not stop the others
                self._report(f"{self._article.source}: could not be processed ({type(e).__name__}: {e}); "
                             "its remaining mentions skipped")
                return
            yield batch, shared


def _readable(found: Iterable[tuple[Path, Path]], report: ErrorHandler) -> Iterator[Article]:
    for path, root in found:
        if not utf8_name(path):     # it could not be printed as the JSONL ``article`` field
            report(f"{printable(path)}: the file name is not valid UTF-8; skipped (rename it)")
            continue
        try:
            yield read_article(path, root=root)
        except ArticleError as e:
            report(str(e))
        except Exception as e:      # noqa: BLE001 - one bad file must not stop the others
            report(f"{path}: cannot read ({type(e).__name__}: {e}); skipped")


def _parse_window(stage: Stages, pool, window: list[Article], explain: bool, report: ErrorHandler):
    if not window:
        return
    parsed = []
    for article, mentions in zip(window, isolated(pool, stage, [a.text for a in window], explain)):
        if isinstance(mentions, Exception):
            report(f"{article.source}: could not be processed ({type(mentions).__name__}: "
                   f"{mentions}); skipped")
            continue
        mentions, errors = stage.refine(mentions)
        for message in errors:
            report(f"{article.source}: {message}")
        parsed.append((article, mentions))
    regions = iter(stage.regions_for([m for _, mentions in parsed for m in mentions]))   # one query
    for article, mentions in parsed:
        yield article, zip(mentions, [next(regions) for _ in mentions])


def _expand(paths: Iterable[Path], report: ErrorHandler) -> Iterator[tuple[Path, Path]]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from ((f, path) for f in sorted(folder_files(path)))
        elif path.exists():
            yield path, path.parent
        else:
            report(f"{path}: no such file or folder")


def print_error(message: str) -> None:
    print(f"geomap: {message}", file=sys.stderr)
