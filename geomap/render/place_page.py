"""A place's pages (``places/<name>.html``, then ``places/<name>_p<k>.html``): every mention of
it, newest article first, a bounded number of quotes per page.

The pop-up on the map quotes only the newest few passages; its "all N mentions" link leads to the
first page, ``<name>.html``, which holds the newest quotes. Each passage is quoted around the
mention (the name highlighted) with a link to its anchor in the article page. Like the article
pages: no script, a CSP that forbids every request, all text escaped.

Pagination is stable from the oldest end, so that new articles rewrite few pages: the quotes,
oldest first, are cut into chunks of ``PER_PAGE``; chunk ``k`` (1-based) is ``<name>_p<k>.html``,
except the newest chunk (``PER_PAGE`` to ``2 * PER_PAGE - 1`` quotes, or all of them when there
are fewer), which is ``<name>.html``. A new article's quotes land in the newest chunk, so only
that page (and, once per ``PER_PAGE`` quotes, the few pages whose navigation names it) change.
"""
from __future__ import annotations

import html
import string
from functools import lru_cache
from typing import Collection, Iterator, Mapping
from urllib.parse import quote

from geomap._names import short_hash, slug
from geomap.credits import origin_note
from geomap.render.article_page import _css, _environment, page_name, place_href
from geomap.render.data import ArticleRecord, PlaceRecord, article_ids

PLACES_DIR = "places"
PER_PAGE = 150          # quotes per page (the newest page: up to twice as many)
_WINDOW = 2             # page numbers shown on either side of the current page


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


def _mentions_html(groups) -> str:
    """A section per article (newest first: title, date, link) quoting each passage of
    ``groups`` (``map._groups``, newest first).

    Built as one string rather than through a template loop: a page holds hundreds of quotes,
    and a refresh writes the newest page of every place a new article names.
    """
    from geomap.render.map import _passage_bounds, quote_bounds

    out: list[str] = []
    current = base = None
    for group in groups:
        article = group.article
        if article.id != current:
            if current is not None:
                out.append("</section>\n")
            head, base = _section_head(article.id, article.title, article.published or "")
            current = article.id
            out.append(head)
        lo, hi = _passage_bounds(article, group.passage_index)
        a, b = quote_bounds(article.text, lo, hi, group.spans[0])
        body = _quote_html(article.text, a, b, group.spans, (a > lo, b < hi))
        href = base if group.passage_index is None else f"{base}#p{group.passage_index}"
        out.append(f"<blockquote>{body} {_QUOTE_END.format(href)}</blockquote>\n")
    if current is not None:
        out.append("</section>\n")
    return "".join(out)


def _quoted_groups(record: PlaceRecord, articles: Mapping[str, ArticleRecord],
                   ranks: Mapping[str, int] | None = None) -> list:
    """The place's quotes (``map._groups``) whose article exists, oldest first."""
    from geomap.render.map import _groups

    groups = [g for g in _groups(record.mentions, articles, ranks=ranks)[0] if g.article is not None]
    groups.reverse()
    return groups


def page_count(n_quotes: int) -> int:
    """How many pages ``n_quotes`` quotes fill: the newest holds the remainder (≥ ``PER_PAGE``)."""
    return max(1, n_quotes // PER_PAGE)


def _chunk(k: int, pages: int, n_quotes: int) -> tuple[int, int]:
    """Chunk ``k``'s (0-based, from the oldest) quotes ``[lo, hi)`` in oldest-first order."""
    return k * PER_PAGE, (n_quotes if k == pages - 1 else (k + 1) * PER_PAGE)


def place_page_file(place_id: str, k: int, pages: int) -> str:
    """The file name of chunk ``k`` (0-based from the oldest) of a place with ``pages`` pages:
    the newest is ``<name>.html`` (what the map links to), the others ``<name>_p<k+1>.html``
    (never another place's name: ``escaped_name`` writes ``_`` only before two hex digits and
    the long form never has one)."""
    stem = place_page_name(place_id)
    return f"{stem}.html" if k == pages - 1 else f"{stem}_p{k + 1}.html"


def place_page_files(record: PlaceRecord, articles: Mapping[str, ArticleRecord]) -> list[str]:
    """The file names of every page of the place (newest first)."""
    pages = page_count(len(_quoted_groups(record, articles)))
    return [place_page_file(record.place.id, k, pages) for k in reversed(range(pages))]


def _page_nav(place_id: str, k: int, pages: int) -> str:
    """Newest / newer / numbered window / older / oldest links, the current page unlinked.
    Numbers count from the oldest page (1), so that a page's links stay put as pages are
    added at the newest end; the newest page is "newest"."""
    if pages == 1:
        return ""

    def link(j: int, label: str, rel: str = "") -> str:
        if j == k:
            return f'<strong aria-current="page">{label}</strong>'
        href = html.escape(quote(place_page_file(place_id, j, pages), safe=""))
        attr = f' rel="{rel}"' if rel else ""
        return f'<a href="{href}"{attr}>{label}</a>'

    def label(j: int) -> str:
        return "newest" if j == pages - 1 else str(j + 1)

    parts = []
    if k < pages - 1:
        parts.append(link(k + 1, "&lsaquo; newer", "prev"))
    window = range(max(0, k - _WINDOW), min(pages, k + _WINDOW + 1))
    if window[0] > 0:
        parts.append(link(0, label(0)) + (" &hellip;" if window[0] > 1 else ""))
    parts += [link(j, label(j)) for j in window]
    if window[-1] < pages - 1:
        parts.append(("&hellip; " if window[-1] < pages - 2 else "") + link(pages - 1, "newest"))
    if k > 0:
        parts.append(link(k - 1, "older &rsaquo;", "next"))
    return f'<nav class="pages" aria-label="pages">Pages: {" · ".join(parts)}</nav>\n'


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def hierarchy(place) -> str:
    """``city in Donetsk Oblast, Ukraine``: the kind, then each level above the place once."""
    from geomap.geocode import _country_name

    above: list[str] = []
    for level in (place.admin2, place.admin1, _country_name(place.country) or place.country):
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
                       new: Collection[str] | None = None) -> Iterator[tuple[str, str]]:
    """``(file name, HTML)`` of the place's pages, newest first.

    ``ranks``: ``map.article_ranks`` of all articles (saves sorting them again for every place).
    ``region_layers``: each region's layer label. ``new``: ids of the only articles added since
    the pages were last written (None: write them all): then only the pages that changed are
    made, those holding the new quotes and those whose navigation changed with the page count.
    """
    from markupsafe import Markup

    p = record.place
    groups = _quoted_groups(record, articles, ranks)
    n = len(groups)
    pages = page_count(n)
    first = 0
    if new is not None:
        new = set(new)
        fresh = [i for i, g in enumerate(groups) if g.article.id in new]
        before = page_count(n - len(fresh))
        first = min(fresh[0] // PER_PAGE, pages - 1) if fresh else pages - 1
        if pages != before:     # the old newest page got a number: the pages linking to it change
            first = max(0, min(first, before - 1) - _WINDOW - 1)
    facts = hierarchy(p)
    regions = regions_line(list(record.regions), region_labels, region_layers or {})
    n_articles = len(article_ids(record.mentions))
    total = f"{plural(len(record.mentions), 'mention')} in {plural(n_articles, 'article')}"
    template = _environment().get_template("place.html")
    for k in reversed(range(first, pages)):
        lo, hi = _chunk(k, pages, n)
        counts = total if k == pages - 1 else f"page {k + 1}: quotes {lo + 1}\u2013{hi} counted from the oldest"
        yield place_page_file(p.id, k, pages), template.render(
            place=p, facts=facts, regions=regions, origin=origin_note(p), counts=counts,
            mentions=Markup(_mentions_html(reversed(groups[lo:hi]))),
            pages=Markup(_page_nav(p.id, k, pages)),
            css=Markup(_css()), map_title=map_title, map_href="../map.html",
            place_href=place_href(p.id),
        )
