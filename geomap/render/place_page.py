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
(its totals) and the neighbours of a page that appeared. Of those, a page holding the quotes of a
page before (plus new ones) is made from that page's file in place when it is exactly as written
(``place_patch``: counts and navigation replaced, the new quotes' sections put in), the bytes a
full render writes; every page carries its quotes' digest for that check.
"""
from __future__ import annotations

import bisect
import html
import re
from functools import lru_cache
from typing import Callable, Collection, Iterable, Iterator, Mapping, NamedTuple
from urllib.parse import quote

from geomap.credits import origin_note
from geomap.render.article_page import page_name, place_href
from geomap.render.jinja import environment, page_css
from geomap.render.quotes import groups as quote_groups, passage_bounds, quote_bounds
from geomap.render.data import ArticleRecord, PlaceRecord, article_ids
from geomap.render.place_cut import (PER_PAGE, Page, changed_pages, escaped_name, nav_links,
                                     paginate, paginate_runs, period, place_page_name,
                                     published_runs)
from geomap.render.place_patch import digest, mentions_of, splice

PLACES_DIR = "places"
__all__ = ["PER_PAGE", "PLACES_DIR", "changed_pages", "escaped_name", "paginate_runs",
           "place_page_files", "place_page_name", "published_runs", "render_changed_pages",
           "render_place", "render_place_pages", "template_page_html"]


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


def place_page_files(record: PlaceRecord, articles: Mapping[str, ArticleRecord]) -> list[str]:
    """The file names of every page of the place (newest first)."""
    return [page.file for page in reversed(paginate(record.place.id,
                                                     _quoted_groups(record, articles)))]


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
                       runs: list | None = None,
                       previous: Callable[[str], str | None] | None = None
                       ) -> Iterator[tuple[str, str]]:
    """``(file name, HTML)`` of the place's pages, newest first.

    ``ranks``: ``map.article_ranks`` of all articles (saves sorting them again for every place).
    ``region_layers``: each region's layer label. ``new``: ids of the only articles added since
    the pages were last written (None: write them all): then only the pages that changed are
    made, those holding the new quotes and those whose navigation changed with the page count.
    ``windows``: how the quotes' texts are read (``_mentions_html``; None: from ``articles``).
    ``gone``: given with ``new``, receives the file names of the place's pages before the new
    articles that it no longer has (a busy month cut into days). ``runs``: receives the
    place's ``published_runs``. ``previous``: given with ``new``, the text of a page as
    written before them (``render_changed_pages``), from which a page keeping its quotes is made.
    """
    p = record.place
    groups = _quoted_groups(record, articles, ranks)
    pages = paginate(p.id, groups)
    if runs is not None:
        runs += published_runs(groups)
    facts = hierarchy(p)
    regions = regions_line(list(record.regions), region_labels, region_layers or {})
    n_articles = len(article_ids(record.mentions))
    total = f"{plural(len(record.mentions), 'mention')} in {plural(n_articles, 'article')}"

    def counts(k: int, page: Page, of: list[Page]) -> str:
        if k == len(of) - 1:
            return total
        return f"{plural(page.hi - page.lo, 'quote')} of {page.label}"

    def signature(k: int, page: Page, quotes: list) -> tuple:
        """What page ``k``'s HTML depends on besides the place: a page with the same
        signature before the new articles is current."""
        of = pages_of[id(quotes)]
        return (page.file, counts(k, page, of), nav_links(of, k),
                tuple((g.article_id, g.passage_index) for g in quotes[page.lo:page.hi]))

    pages_of = {id(groups): pages}
    current: set[tuple] = set()
    if new is not None:     # the pages as they were: the same quotes without the new articles'
        new = set(new)
        old = [g for g in groups if g.article_id not in new]
        pages_of[id(old)] = paginate(p.id, old)
        current = {signature(k, page, old) for k, page in enumerate(pages_of[id(old)])
                   if k != len(pages_of[id(old)]) - 1}      # totals on the newest page changed
        if gone is not None and old:
            gone |= {page.file for page in pages_of[id(old)]} - {page.file for page in pages}
    before = None
    if new is not None and previous is not None:
        kept = [m for m in record.mentions if m.article_id not in new]
        before = _Before(pages_of[id(old)], f"{plural(len(kept), 'mention')} in "
                         f"{plural(len(article_ids(kept)), 'article')}", previous,
                         [n for n, g in enumerate(groups) if g.article_id in new],
                         groups.__getitem__)
    for k in reversed(range(len(pages))):
        page = pages[k]
        if current and signature(k, page, groups) in current:
            continue
        text = before and before.page(p, facts, regions, map_title, pages, k,
                                      counts(k, page, pages), windows)
        yield page.file, text or _page_html(p, facts, regions, counts(k, page, pages),
                                            reversed(groups[page.lo:page.hi]),
                                            nav_links(pages, k), map_title, windows)


def _page_html(p, facts: str, regions: str, counts: str, quotes, nav: tuple, map_title: str,
               windows) -> str:
    """One page of place ``p`` quoting ``quotes`` (newest first): the place's frame
    (``_frame``, the template rendered once per place) with the page's parts put in."""
    return _assemble(p, facts, regions, counts, _mentions_html(quotes, windows), nav, map_title)


def _assemble(p, facts: str, regions: str, counts: str, mentions: str, nav: tuple,
              map_title: str) -> str:
    frame = _frame(p.name, facts, regions, origin_note(p), map_title, place_href(p.id))
    if frame is None:
        return template_page_html(p, facts, regions, counts, mentions, _page_nav(nav), map_title)
    return _fill(frame, counts, _page_nav(nav), mentions)


def _fill(frame: tuple[str, ...], counts: str, pages: str, mentions: str,
          known: str | None = None) -> str:
    """``frame`` filled in; ``known``: the digest of ``mentions`` when known."""
    from markupsafe import escape

    values = {_COUNTS: str(escape(counts)), _PAGES: pages, _MENTIONS: mentions,
              _DIGEST: known or digest(mentions)}
    return "".join(values.get(piece, piece) for piece in frame)


def template_page_html(p, facts: str, regions: str, counts: str, mentions: str, pages: str,
                       map_title: str) -> str:
    """A place page rendered through the template (``place.html``) alone."""
    from markupsafe import Markup

    return environment().get_template("place.html").render(
        place=p, facts=facts, regions=regions, origin=origin_note(p), counts=counts,
        mentions=Markup(mentions), pages=Markup(pages), digest=digest(mentions),
        css=Markup(page_css()), map_title=map_title, map_href="../map.html",
        place_href=place_href(p.id),
    )


_COUNTS, _PAGES, _MENTIONS = "\x00counts\x00", "\x00pages\x00", "\x00mentions\x00"
_DIGEST = "\x00digest\x00"
_SLOTS = re.compile("(\x00(?:counts|pages|mentions|digest)\x00)")


class _Named(NamedTuple):
    name: str


@lru_cache(maxsize=8)
def _frame(name: str, facts: str, regions: str, origin: str, map_title: str,
           href: str) -> tuple[str, ...] | None:
    """``place.html`` of a place with markers where a page's counts, navigation, quotes and
    their digest go, cut at them (the template then costs one render per place, not per page):
    the place's values escaped into ``_generic_frame`` (rendered once per map title and the
    optional lines' presence, not once per place), or when that cannot be cut, the template
    rendered for the place. None when a marker is not where it belongs (text holding one)."""
    from markupsafe import escape

    generic = _generic_frame(map_title, bool(regions), bool(origin))
    if generic is None:
        return _rendered_frame(name, facts, regions, origin, map_title, href)
    values = {_NAME: name, _FACTS: facts, _REGIONS: regions, _ORIGIN: origin, _HREF: href}
    out = [""]
    for piece in generic:
        if piece in _PAGE_SLOTS:
            out += (piece, "")
        else:
            out[-1] += str(escape(values[piece])) if piece in values else piece
    return tuple(out)


_NAME, _FACTS, _REGIONS = "\x00name\x00", "\x00facts\x00", "\x00regions\x00"
_ORIGIN, _HREF = "\x00origin\x00", "\x00href\x00"
_PAGE_SLOTS = frozenset((_COUNTS, _PAGES, _MENTIONS, _DIGEST))
_ALL_SLOTS = re.compile("(\x00(?:counts|pages|mentions|digest|name|facts|regions|origin|href)\x00)")


@lru_cache(maxsize=8)
def _generic_frame(map_title: str, regions: bool, origin: bool) -> tuple[str, ...] | None:
    """``place.html`` rendered with markers for the place's values too (``regions``,
    ``origin``: whether those optional lines are shown), cut at every marker; None when the map
    title holds one."""
    from markupsafe import Markup

    html = environment().get_template("place.html").render(
        place=_Named(_NAME), facts=_FACTS, regions=_REGIONS if regions else "",
        origin=_ORIGIN if origin else "", counts=_COUNTS, mentions=_MENTIONS, pages=_PAGES,
        digest=_DIGEST, css=Markup(page_css()), map_title=map_title, map_href="../map.html",
        place_href=_HREF)
    pieces = tuple(_ALL_SLOTS.split(html))
    want = (_NAME, _NAME, _FACTS) + ((_REGIONS,) if regions else ()) + (
        (_ORIGIN,) if origin else ()) + (_COUNTS, _HREF, _PAGES, _MENTIONS, _DIGEST, _PAGES)
    return pieces if pieces[1::2] == want else None


def _rendered_frame(name: str, facts: str, regions: str, origin: str, map_title: str,
                    href: str) -> tuple[str, ...] | None:
    """``_frame`` from the template rendered for the place."""
    from markupsafe import Markup, escape

    html = environment().get_template("place.html").render(
        place=_Named(name), facts=facts, regions=regions, origin=origin, counts=_COUNTS,
        mentions=Markup(_MENTIONS), pages=Markup(_PAGES), digest=Markup(_DIGEST),
        css=Markup(page_css()), map_title=map_title, map_href="../map.html", place_href=href)
    pieces = tuple(_SLOTS.split(html))
    if pieces[1::2] != (str(escape(_COUNTS)), _PAGES, _MENTIONS, _DIGEST, _PAGES):
        return None
    return tuple(_COUNTS if piece == str(escape(_COUNTS)) else piece for piece in pieces)


def render_changed_pages(place, *, regions: list[str], totals: tuple[int, int], old_runs: list,
                         new_runs: list, inserted: list[int],
                         quotes: Callable[[int, int], list], map_title: str,
                         region_labels: Mapping[str, str],
                         region_layers: Mapping[str, str] | None = None,
                         windows: Callable[[list], Iterable[tuple]] | None = None,
                         gone: set[str] | None = None,
                         previous: Callable[[str], str | None] | None = None,
                         old_totals: tuple[int, int] | None = None,
                         fresh: Mapping[int, object] | None = None) -> Iterator[tuple[str, str]]:
    """``render_place_pages(new=...)`` of a place known by the counts of its quotes rather
    than the quotes: the same pages, of which the same ones (those that changed).

    ``old_runs``/``new_runs``: ``published_runs`` of its quotes before and after the new
    articles; ``inserted``: the positions (oldest-first, sorted) of the new articles' quotes
    among all of them; ``totals``: its mentions and articles now; ``quotes(lo, hi)``: the
    quotes ``[lo, hi)`` (oldest first), read only for the pages written. A page is current
    when its file, counts, navigation and quotes were those of a page before: its quotes are
    the same when no new quote lies in its range and the range, less the new quotes before
    it, is that page's range.

    ``previous(file)``: the text of the place's page ``file`` as written before the new
    articles (None: missing or not to be trusted); given with ``old_totals`` (its mentions and
    articles before) and ``fresh`` (the new quotes by position), a page holding the quotes of a
    page before plus new ones is made from that page (``place_patch``) when it is in shape.
    """
    def months(runs: list) -> list:
        return [(period(published), count) for published, count in runs]

    pages = paginate_runs(place.id, months(new_runs))
    old_pages = paginate_runs(place.id, months(old_runs))
    facts = hierarchy(place)
    line = regions_line(list(regions), region_labels, region_layers or {})
    total = f"{plural(totals[0], 'mention')} in {plural(totals[1], 'article')}"

    def counts(k: int, page: Page, of: list[Page]) -> str:
        if k == len(of) - 1:
            return total
        return f"{plural(page.hi - page.lo, 'quote')} of {page.label}"

    if gone is not None and sum(count for _, count in old_runs):
        gone |= {page.file for page in old_pages} - {page.file for page in pages}
    before = None
    if previous is not None and old_totals is not None and fresh is not None:
        before = _Before(old_pages, f"{plural(old_totals[0], 'mention')} in "
                         f"{plural(old_totals[1], 'article')}", previous, inserted, fresh.__getitem__)
    for k in reversed(changed_pages(pages, old_pages, inserted)):
        page = pages[k]
        text = before and before.page(place, facts, line, map_title, pages, k,
                                      counts(k, page, pages), windows)
        yield page.file, text or _page_html(place, facts, line, counts(k, page, pages),
                                            reversed(quotes(page.lo, page.hi)),
                                            nav_links(pages, k), map_title, windows)


class _Before:
    """A place's pages before new articles (``pages``, its counts line ``total`` then, the
    files' texts by ``read``), the new quotes' positions ``inserted`` (oldest first, sorted)
    and ``quote(position)``: what makes a page from the page before (``place_patch``)."""

    def __init__(self, pages: list[Page], total: str, read: Callable[[str], str | None],
                 inserted: list[int], quote: Callable[[int], object]):
        self.pages, self.total, self.read = pages, total, read
        self.inserted, self.quote = inserted, quote
        self.at = {(page.lo, page.hi): j for j, page in enumerate(pages) if page.lo < page.hi}

    def page(self, p, facts: str, regions: str, map_title: str, pages: list[Page], k: int,
             counts: str, windows) -> str | None:
        """Page ``k`` of ``pages`` made from the page before holding its old quotes, or None
        (no such page, or its file is not as it was written)."""
        from markupsafe import escape

        page, inserted = pages[k], self.inserted
        first, last = bisect.bisect_left(inserted, page.lo), bisect.bisect_left(inserted, page.hi)
        j = self.at.get((page.lo - first, page.hi - last))
        frame = _frame(p.name, facts, regions, origin_note(p), map_title, place_href(p.id))
        if j is None or frame is None:
            return None
        old = self.pages[j]
        text = self.read(old.file)
        if text is None:
            return None
        was = self.total if j == len(self.pages) - 1 else \
            f"{plural(old.hi - old.lo, 'quote')} of {old.label}"
        found = mentions_of(text, frame, str(escape(was)), _page_nav(nav_links(self.pages, j)))
        if found is None:
            return None
        layout, runs = _layout(page.lo, page.hi, set(inserted[first:last]))
        mentions = splice(found[0], layout, lambda n: _mentions_html(
            [self.quote(pos) for pos in runs[n]], windows))
        if mentions is None:
            return None
        return _fill(frame, counts, _page_nav(nav_links(pages, k)), mentions,
                     found[1] if mentions is found[0] else None)


def _layout(lo: int, hi: int, new: set[int]) -> tuple[list[tuple[bool, int]], list[list[int]]]:
    """Quotes ``[lo, hi)`` newest first as runs ``(new, count)`` (``place_patch.splice``), and
    the positions of each run of new quotes, newest first."""
    layout: list[list] = []
    runs: list[list[int]] = []
    for pos in range(hi - 1, lo - 1, -1):
        fresh = pos in new
        if layout and layout[-1][0] == fresh:
            layout[-1][1] += 1
        else:
            layout.append([fresh, 1])
            if fresh:
                runs.append([])
        if fresh:
            runs[-1].append(pos)
    return [(fresh, count) for fresh, count in layout], runs
