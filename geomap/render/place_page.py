"""A place's pages (``places/<name>.html``, then ``places/<name>_p<period>.html``): every
mention of it, newest article first, a bounded number of quotes per page.

The pop-up on the map quotes only the newest few passages; its "all N mentions" link leads to the
first page, ``<name>.html``, which holds the newest quotes. Each passage is quoted around the
mention (the name highlighted) with a link to its anchor in the article page. Like the article
pages: no script, a CSP that forbids every request, all text escaped.

Pages follow the calendar, so that new articles rewrite few pages, whatever their dates: a place
quoted fewer than ``2 * PER_PAGE`` times has one page; else each year of the articles' dates
(undated ones last) is one page, a year of ``2 * PER_PAGE`` quotes or more one page per month, a
busy month one per day, and a busy day (or the undated quotes) is cut into parts of ``PER_PAGE``
from its oldest (its newest part holding up to ``2 * PER_PAGE - 1``). Every boundary but those
inside a busy day is a date, so an article dated in an old month changes the page of its day
(and its parts), not the rest of the month. The newest page is ``<name>.html``.
Navigation links the newer and older page, the newest and the oldest and a few pages around. A
render after new articles writes only the pages whose quotes, file name, heading or navigation
changed (``render_place_pages(new=...)``): the pages of the new articles' days, the newest page
(its totals) and the neighbours of a page that appeared.
"""
from __future__ import annotations

import bisect
import html
import re
import string
from functools import lru_cache
from typing import Callable, Collection, Iterable, Iterator, Mapping, NamedTuple
from urllib.parse import quote

from geomap._names import short_hash, slug
from geomap.credits import origin_note
from geomap.render.article_page import page_name, place_href
from geomap.render.jinja import environment, page_css
from geomap.render.quotes import groups as quote_groups, passage_bounds, quote_bounds
from geomap.render.data import ArticleRecord, PlaceRecord, article_ids

PLACES_DIR = "places"
PER_PAGE = 150          # quotes per part of a busy day (a page: up to twice as many)
_WINDOW = 2             # pages shown on either side of the current page


_KEEP = frozenset(string.ascii_letters + string.digits + "-")
_MAX_NAME = 100


def escaped_name(place_id: str) -> str:
    """``place_id`` with every character but ``[A-Za-z0-9-]`` written as ``_XX`` per UTF-8 byte.

    Reversible (so distinct ids never share a page) and cheap to repeat in the browser, which
    is why the map's data need not carry the page names: ``geonames:706448`` →
    ``geonames_3A706448``. geomap.js has the same function (``placePage``).
    """
    return "".join(c if c in _KEEP else "".join(f"_{b:02X}" for b in c.encode("utf-8"))
                   for c in place_id)


def place_page_name(place_id: str) -> str:
    """The file stem of a place's page: ``escaped_name``, or a slug and hash when that is long
    (or the id is not valid Unicode): then the map's data carries the name."""
    try:
        name = escaped_name(place_id)
    except UnicodeEncodeError:
        name = ""
    if name and len(name) <= _MAX_NAME:
        return name
    return f"{slug(place_id, keep='a-z0-9-') or 'place'}-{short_hash(place_id, 12)}"


def _quote_html(text: str, a: int, b: int, spans: list[tuple[int, int]], cut: tuple[bool, bool]
                ) -> str:
    """``text[a:b]`` escaped, with the spans inside it marked, and ``…`` where it was cut."""
    out = ["\u2026" if cut[0] else ""]
    pos = a
    for start, end in spans:
        if start < pos or end > b:
            continue
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out += [html.escape(text[pos:b]), "\u2026" if cut[1] else ""]
    return "".join(out)


def _article_page_href(article_id: str) -> str:
    return f"../articles/{quote(page_name(article_id), safe='')}.html"


_QUOTE_END = '<a class="passage" href="{}" title="read this passage in the article">&para;</a>'


@lru_cache(maxsize=16384)
def _section_head(article_id: str, title: str, published: str) -> tuple[str, str]:
    """An article's section heading on place pages, and its page's escaped link (built once
    per article, not once per place page that quotes it)."""
    from markupsafe import escape

    base = str(escape(_article_page_href(article_id)))
    day = str(escape(published))
    head = (f'<section>\n<h2><a href="{base}">{escape(title or article_id)}</a>'
            + (f' <time datetime="{day}">{day}</time>' if day else "") + "</h2>\n")
    return head, base


def _mentions_html(groups, windows: Callable[[list], Iterable[tuple]] | None = None) -> str:
    """A section per article (newest first: title, date, link) quoting each passage of
    ``groups`` (``quotes.groups``, newest first).

    ``windows(groups)``: ``(title, text, lo, hi, base)`` per group, where ``text`` is the
    article's text from offset ``base`` (holding every window ``quote_bounds`` may choose) and
    ``[lo, hi)`` the passage's bounds in the article (``store_render.WindowRow``); None: the
    groups' articles hold their whole texts.

    Built as one string rather than through a template loop: a page holds hundreds of quotes,
    and a refresh writes the newest page of every place a new article names.
    """
    groups = list(groups)
    parts = _whole_texts(groups) if windows is None else windows(groups)
    out: list[str] = []
    current = base = None
    for group, (title, text, lo, hi, offset) in zip(groups, parts):
        article = group.article
        if group.article_id != current:
            if current is not None:
                out.append("</section>\n")
            head, base = _section_head(group.article_id, title, article.published or "")
            current = group.article_id
            out.append(head)
        spans = group.spans if not offset else [(s - offset, e - offset) for s, e in group.spans]
        a, b = quote_bounds(text, lo - offset, hi - offset, spans[0])
        body = _quote_html(text, a, b, spans, (a + offset > lo, b + offset < hi))
        href = base if group.passage_index is None else f"{base}#p{group.passage_index}"
        out.append(f"<blockquote>{body} {_QUOTE_END.format(href)}</blockquote>\n")
    if current is not None:
        out.append("</section>\n")
    return "".join(out)


def _whole_texts(groups: list) -> Iterator[tuple[str, str, int, int, int]]:
    for group in groups:
        article = group.article
        lo, hi = passage_bounds(article, group.passage_index)
        yield article.title, article.text, lo, hi, 0


def _quoted_groups(record: PlaceRecord, articles: Mapping[str, ArticleRecord],
                   ranks: Mapping[str, int] | None = None) -> list:
    """The place's quotes (``quotes.groups``) whose article exists, oldest first."""

    groups = [g for g in quote_groups(record.mentions, articles, ranks=ranks)[0] if g.article is not None]
    groups.reverse()
    return groups


class _Page(NamedTuple):
    """One page of a place: quotes ``[lo, hi)`` (oldest-first order) of ``month`` (``YYYY``,
    ``YYYY-MM``, "" undated or all), its ``part`` (1-based) of ``parts`` pages of that period,
    and its file name."""

    month: str
    part: int
    parts: int
    lo: int
    hi: int
    file: str

    @property
    def label(self) -> str:
        month = self.month or "undated"
        return month if self.parts == 1 else f"{month} ({self.part})"


def _paginate(place_id: str, groups: list) -> list[_Page]:
    """The pages of quotes ``groups`` (oldest first), oldest first (``paginate_runs``)."""
    if len(groups) < 2 * PER_PAGE:      # one page: the quotes' months do not matter
        return paginate_runs(place_id, [("", len(groups))])
    runs: list[list] = []               # each quote's day once (a busy place has 10,000s)
    for key in map(_period, (g.article.published for g in groups)):
        if runs and runs[-1][0] == key:
            runs[-1][1] += 1
        else:
            runs.append([key, 1])
    return paginate_runs(place_id, runs)


def paginate_runs(place_id: str, days: list) -> list[_Page]:
    """The pages of a place's quotes given as runs ``(day, count)`` of consecutive quotes,
    oldest first (``day``: ``_period(published)`` of their articles; consecutive runs of one
    day may be given apart or merged), oldest first.

    Fewer than ``2 * PER_PAGE`` quotes: one page. Else the calendar cuts them: a year is one
    page unless it has ``2 * PER_PAGE`` quotes or more, then each of its months is, a busy month
    likewise by day, and only a busy day (or the undated quotes) is cut into parts of
    ``PER_PAGE`` from its oldest (the newest part holding the rest). So every page boundary but
    those inside one day is a date, and a quote added to an older day changes the pages of that
    day alone (and those whose navigation names a page that appeared or went). The newest page
    is ``<name>.html`` (what the map links to), the others ``<name>_p<period>.html`` or
    ``<name>_p<day|undated>-<part>.html``: never another place's page, as ``escaped_name``
    writes ``_`` only before two hex digits and the long form never has one. A change of this
    cutting changes ``geomap._names.PAGINATION`` (the next refresh then renders every page)."""
    stem = place_page_name(place_id)
    pages: list[_Page] = []
    merged: list[tuple[str, int, int]] = []     # (day, lo, hi) in quote positions
    pos = 0
    for key, count in days:
        if merged and merged[-1][0] == key:
            merged[-1] = (key, merged[-1][1], pos + count)
        elif count:
            merged.append((key, pos, pos + count))
        pos += count

    def add(lo: int, hi: int, key: str, cut: bool) -> None:
        name = key or "undated"
        parts = max(1, (hi - lo) // PER_PAGE) if cut else 1
        for k in range(parts):
            end = hi if k == parts - 1 else lo + (k + 1) * PER_PAGE
            pages.append(_Page(key, k + 1, parts, lo + k * PER_PAGE, end,
                               f"{stem}_p{name}-{k + 1}.html" if cut else f"{stem}_p{name}.html"))

    def cut(runs: list[tuple[str, int, int]], level: int) -> None:
        """Pages of ``runs`` (one period of the level above), by the level's periods."""
        width = _WIDTHS[level]
        if level == len(_WIDTHS) - 1 and short:     # days: each merged run is one day
            for key, lo, hi in runs:
                if hi - lo < 2 * PER_PAGE:
                    pages.append(_Page(key, 1, 1, lo, hi, f"{stem}_p{key}.html"))
                else:
                    add(lo, hi, key, True)
            return
        i = 0
        while i < len(runs):            # runs of quotes whose articles' dates share the period
            key = runs[i][0][:width]
            j = i
            while j < len(runs) and runs[j][0][:width] == key:
                j += 1
            lo, hi = runs[i][1], runs[j - 1][2]
            if hi - lo < 2 * PER_PAGE:
                add(lo, hi, key, False)
            elif key and level + 1 < len(_WIDTHS):
                cut(runs[i:j], level + 1)
            else:                       # a busy day, or the undated quotes
                add(lo, hi, key, True)
            i = j

    short = all(len(key) <= _WIDTHS[-1] for key, _lo, _hi in merged)
    if pos < 2 * PER_PAGE:
        add(0, pos, "", False)
    else:
        cut(merged, 0)
    pages[-1] = pages[-1]._replace(file=f"{stem}.html")
    return pages


_WIDTHS = (4, 7, 10)        # a date's year, month and day
_PERIOD = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")


@lru_cache(maxsize=65536)
def _period(published: str | None) -> str:
    """The day (``YYYY-MM-DD``) of an article's date, its month when it names no day, and ""
    (undated) for anything else, so a page's file name never carries other characters."""
    found = _PERIOD.match(published) if published else None
    return found.group() if found else ""


def place_page_files(record: PlaceRecord, articles: Mapping[str, ArticleRecord]) -> list[str]:
    """The file names of every page of the place (newest first)."""
    return [page.file for page in reversed(_paginate(record.place.id,
                                                     _quoted_groups(record, articles)))]


def _nav_links(pages: list[_Page], k: int) -> tuple[tuple[str, str, str], ...]:
    """(label, file, rel) of page ``k``'s navigation, the current page with file "": newer,
    the newest, a window of months around it, the oldest, older. A page's links depend only on
    its neighbours, so a new page changes the navigation of the few pages near it."""
    if len(pages) == 1:
        return ()
    last = len(pages) - 1

    def link(j: int, label: str, rel: str = "") -> tuple[str, str, str]:
        return (label, "" if j == k else pages[j].file, rel)

    window = range(max(0, k - _WINDOW), min(len(pages), k + _WINDOW + 1))
    links = []
    if k < last:
        links.append(link(k + 1, "\u2039 newer", "prev"))
    if window[-1] < last:
        links.append(link(last, "newest"))
    links += [link(j, pages[j].label) for j in reversed(window)]
    if window[0] > 0:
        links.append(link(0, "oldest"))
    if k > 0:
        links.append(link(k - 1, "older \u203a", "next"))
    return tuple(links)


def _page_nav(links: tuple[tuple[str, str, str], ...]) -> str:
    if not links:
        return ""
    parts = []
    for label, file, rel in links:
        if not file:
            parts.append(f'<strong aria-current="page">{html.escape(label)}</strong>')
            continue
        attr = f' rel="{rel}"' if rel else ""
        parts.append(f'<a href="{html.escape(quote(file, safe=""))}"{attr}>{html.escape(label)}</a>')
    return f'<nav class="pages" aria-label="pages">Pages: {" · ".join(parts)}</nav>\n'


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def hierarchy(place) -> str:
    """``city in Donetsk Oblast, Ukraine``: the kind, then each level above the place once."""
    from geomap.geocode import country_name

    above: list[str] = []
    for level in (place.admin2, place.admin1, country_name(place.country) or place.country):
        if level and level.casefold() not in {x.casefold() for x in (place.name, *above)}:
            above.append(level)
    kind = place.kind or "place"
    return f"{kind} in {', '.join(above)}" if above else kind


def regions_line(regions: list[str], region_labels: Mapping[str, str],
                 region_layers: Mapping[str, str]) -> str:
    """``Regions: Donetsk (layer A; layer B) · Ukraine (layer C)``: each region label once,
    with the layers that have a region of that label."""
    layers_of: dict[str, list[str]] = {}
    for r in regions:
        layers = layers_of.setdefault(region_labels.get(r, r), [])
        layer = region_layers.get(r, "")
        if layer and layer not in layers and layer != region_labels.get(r, r):
            layers.append(layer)
    parts = [f"{label} ({'; '.join(layers)})" if layers else label
             for label, layers in layers_of.items()]
    return "Regions: " + " · ".join(parts) if parts else ""


def render_place(record: PlaceRecord, articles: Mapping[str, ArticleRecord], *, map_title: str,
                 region_labels: Mapping[str, str], ranks: Mapping[str, int] | None = None,
                 region_layers: Mapping[str, str] | None = None) -> str:
    """The place's first page (the newest quotes): ``render_place_pages``' first."""
    return next(iter(render_place_pages(record, articles, map_title=map_title,
                                        region_labels=region_labels, ranks=ranks,
                                        region_layers=region_layers)))[1]


def render_place_pages(record: PlaceRecord, articles: Mapping[str, ArticleRecord], *,
                       map_title: str, region_labels: Mapping[str, str],
                       ranks: Mapping[str, int] | None = None,
                       region_layers: Mapping[str, str] | None = None,
                       new: Collection[str] | None = None,
                       windows: Callable[[list], Iterable[tuple]] | None = None,
                       gone: set[str] | None = None,
                       runs: list | None = None) -> Iterator[tuple[str, str]]:
    """``(file name, HTML)`` of the place's pages, newest first.

    ``ranks``: ``map.article_ranks`` of all articles (saves sorting them again for every place).
    ``region_layers``: each region's layer label. ``new``: ids of the only articles added since
    the pages were last written (None: write them all): then only the pages that changed are
    made, those holding the new quotes and those whose navigation changed with the page count.
    ``windows``: how the quotes' texts are read (``_mentions_html``; None: from ``articles``).
    ``gone``: given with ``new``, receives the file names of the place's pages before the new
    articles that it no longer has (a busy month cut into days). ``runs``: receives the
    place's ``published_runs``.
    """
    p = record.place
    groups = _quoted_groups(record, articles, ranks)
    pages = _paginate(p.id, groups)
    if runs is not None:
        runs += published_runs(groups)
    facts = hierarchy(p)
    regions = regions_line(list(record.regions), region_labels, region_layers or {})
    n_articles = len(article_ids(record.mentions))
    total = f"{plural(len(record.mentions), 'mention')} in {plural(n_articles, 'article')}"

    def counts(k: int, page: _Page, of: list[_Page]) -> str:
        if k == len(of) - 1:
            return total
        return f"{plural(page.hi - page.lo, 'quote')} of {page.label}"

    def signature(k: int, page: _Page, quotes: list) -> tuple:
        """What page ``k``'s HTML depends on besides the place: a page with the same
        signature before the new articles is current."""
        of = pages_of[id(quotes)]
        return (page.file, counts(k, page, of), _nav_links(of, k),
                tuple((g.article_id, g.passage_index) for g in quotes[page.lo:page.hi]))

    pages_of = {id(groups): pages}
    current: set[tuple] = set()
    if new is not None:     # the pages as they were: the same quotes without the new articles'
        new = set(new)
        old = [g for g in groups if g.article_id not in new]
        pages_of[id(old)] = _paginate(p.id, old)
        current = {signature(k, page, old) for k, page in enumerate(pages_of[id(old)])
                   if k != len(pages_of[id(old)]) - 1}      # totals on the newest page changed
        if gone is not None and old:
            gone |= {page.file for page in pages_of[id(old)]} - {page.file for page in pages}
    for k in reversed(range(len(pages))):
        page = pages[k]
        if current and signature(k, page, groups) in current:
            continue
        yield page.file, _page_html(p, facts, regions, counts(k, page, pages),
                                    reversed(groups[page.lo:page.hi]), _nav_links(pages, k),
                                    map_title, windows)


def changed_pages(pages: list[_Page], old_pages: list[_Page], inserted: list[int]) -> list[int]:
    """The indexes of ``pages`` (after new quotes at positions ``inserted``) that differ from
    every page of ``old_pages`` (before them) in file name, heading, navigation or quotes, in
    one pass: page ``k`` is current when it is not the newest, an older page ``j`` had its file
    name, label and quotes (its range less the new quotes before it, none inside) and the pages
    its navigation names (``_nav_links``: two either side, the newest, the oldest) are those of
    ``j``'s. A place paginated by day has hundreds of pages, of which a +10 changes a few."""
    last, old_last = len(pages) - 1, len(old_pages) - 1
    if old_last < 1:                    # the old newest page alone: no page was current
        return list(range(len(pages)))
    where = {page.file: j for j, page in enumerate(old_pages)}
    at = [where.get(page.file) for page in pages]
    # shift[n]: old index - new index of page n when its file and label are an old page's
    shift = [None if j is None or old_pages[j].label != page.label else j - n
             for n, (page, j) in enumerate(zip(pages, at))]
    breaks = [0]                        # breaks[n]: pages m < n whose shift differs from m+1's
    for n in range(last):
        breaks.append(breaks[-1] + (shift[n] is None or shift[n] != shift[n + 1]))
    breaks.append(breaks[-1])
    first = pages[0].file == old_pages[0].file
    out = []
    for k, page in enumerate(pages):
        off = shift[k]
        if k == last or off is None or k + off == old_last:
            out.append(k)
            continue
        j = k + off
        lo, hi = max(0, k - _WINDOW), min(last, k + _WINDOW)
        before = bisect.bisect_left(inserted, page.lo)      # new quotes before the page
        old = old_pages[j]
        if (before < len(inserted) and inserted[before] < page.hi
                or old.lo != page.lo - before or old.hi != page.hi - before
                or (k - _WINDOW > 0) != (j - _WINDOW > 0) or (k - _WINDOW > 0 and not first)
                or (k + _WINDOW < last) != (j + _WINDOW < old_last)
                or min(k, _WINDOW) != min(j, _WINDOW)
                or min(last - k, _WINDOW) != min(old_last - j, _WINDOW)
                or breaks[hi] - breaks[lo] or shift[lo] is None or shift[hi] is None):
            out.append(k)
    return out


def _page_html(p, facts: str, regions: str, counts: str, quotes, nav: tuple, map_title: str,
               windows) -> str:
    """One page of place ``p`` quoting ``quotes`` (newest first): the place's frame
    (``_frame``, the template rendered once per place) with the page's parts put in."""
    from markupsafe import escape

    mentions, pages = _mentions_html(quotes, windows), _page_nav(nav)
    frame = _frame(p.name, facts, regions, origin_note(p), map_title, place_href(p.id))
    if frame is None:
        return template_page_html(p, facts, regions, counts, mentions, pages, map_title)
    values = {_COUNTS: str(escape(counts)), _PAGES: pages, _MENTIONS: mentions}
    return "".join(values.get(piece, piece) for piece in frame)


def template_page_html(p, facts: str, regions: str, counts: str, mentions: str, pages: str,
                       map_title: str) -> str:
    """A place page rendered through the template (``place.html``) alone."""
    from markupsafe import Markup

    return environment().get_template("place.html").render(
        place=p, facts=facts, regions=regions, origin=origin_note(p), counts=counts,
        mentions=Markup(mentions), pages=Markup(pages),
        css=Markup(page_css()), map_title=map_title, map_href="../map.html",
        place_href=place_href(p.id),
    )


_COUNTS, _PAGES, _MENTIONS = "\x00counts\x00", "\x00pages\x00", "\x00mentions\x00"
_SLOTS = re.compile("(\x00(?:counts|pages|mentions)\x00)")


class _Named(NamedTuple):
    name: str


@lru_cache(maxsize=8)
def _frame(name: str, facts: str, regions: str, origin: str, map_title: str,
           href: str) -> tuple[str, ...] | None:
    """``place.html`` of a place rendered once with markers where a page's counts, navigation
    and quotes go, cut at them (the template then costs one render per place, not per page);
    None when a marker is not where it belongs (text holding one)."""
    from markupsafe import Markup, escape

    html = environment().get_template("place.html").render(
        place=_Named(name), facts=facts, regions=regions, origin=origin, counts=_COUNTS,
        mentions=Markup(_MENTIONS), pages=Markup(_PAGES), css=Markup(page_css()),
        map_title=map_title, map_href="../map.html", place_href=href)
    pieces = tuple(_SLOTS.split(html))
    if pieces[1::2] != (str(escape(_COUNTS)), _PAGES, _MENTIONS, _PAGES):
        return None
    return tuple(_COUNTS if piece == str(escape(_COUNTS)) else piece for piece in pieces)


def published_runs(groups: list) -> list[list]:
    """``[published or "", count]`` runs of quotes ``groups`` (oldest first): what
    ``render_changed_pages`` is given of a place's quotes instead of the quotes."""
    runs: list[list] = []
    for published in (g.article.published or "" for g in groups):
        if runs and runs[-1][0] == published:
            runs[-1][1] += 1
        else:
            runs.append([published, 1])
    return runs


def render_changed_pages(place, *, regions: list[str], totals: tuple[int, int], old_runs: list,
                         new_runs: list, inserted: list[int],
                         quotes: Callable[[int, int], list], map_title: str,
                         region_labels: Mapping[str, str],
                         region_layers: Mapping[str, str] | None = None,
                         windows: Callable[[list], Iterable[tuple]] | None = None,
                         gone: set[str] | None = None) -> Iterator[tuple[str, str]]:
    """``render_place_pages(new=...)`` of a place known by the counts of its quotes rather
    than the quotes: the same pages, of which the same ones (those that changed).

    ``old_runs``/``new_runs``: ``published_runs`` of its quotes before and after the new
    articles; ``inserted``: the positions (oldest-first, sorted) of the new articles' quotes
    among all of them; ``totals``: its mentions and articles now; ``quotes(lo, hi)``: the
    quotes ``[lo, hi)`` (oldest first), read only for the pages written. A page is current
    when its file, counts, navigation and quotes were those of a page before: its quotes are
    the same when no new quote lies in its range and the range, less the new quotes before
    it, is that page's range.
    """
    def months(runs: list) -> list:
        return [(_period(published), count) for published, count in runs]

    pages = paginate_runs(place.id, months(new_runs))
    old_pages = paginate_runs(place.id, months(old_runs))
    facts = hierarchy(place)
    line = regions_line(list(regions), region_labels, region_layers or {})
    total = f"{plural(totals[0], 'mention')} in {plural(totals[1], 'article')}"

    def counts(k: int, page: _Page, of: list[_Page]) -> str:
        if k == len(of) - 1:
            return total
        return f"{plural(page.hi - page.lo, 'quote')} of {page.label}"

    if gone is not None and sum(count for _, count in old_runs):
        gone |= {page.file for page in old_pages} - {page.file for page in pages}
    for k in reversed(changed_pages(pages, old_pages, inserted)):
        page = pages[k]
        yield page.file, _page_html(place, facts, line, counts(k, page, pages),
                                    reversed(quotes(page.lo, page.hi)), _nav_links(pages, k),
                                    map_title, windows)
