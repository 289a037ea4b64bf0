"""One page per place (``places/<name>.html``): every mention of it, newest article first.

The pop-up on the map quotes only the newest few passages; its "all N mentions" link leads here.
Each passage is quoted around the mention (the name highlighted) with a link to its anchor in the
article page. Like the article pages: no script, a CSP that forbids every request, all text escaped.
"""
from __future__ import annotations

import html
import string
from functools import lru_cache
from typing import Mapping
from urllib.parse import quote

from geomap._names import short_hash, slug
from geomap.credits import origin_note
from geomap.render.article_page import page_name, place_href
from geomap.render.jinja import environment, page_css
from geomap.render.quotes import groups, passage_bounds, quote_bounds
from geomap.render.data import ArticleRecord, PlaceRecord, article_ids

PLACES_DIR = "places"


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


def _mentions_html(record: PlaceRecord, articles: Mapping[str, ArticleRecord],
                   ranks: Mapping[str, int] | None = None) -> str:
    """A section per article (newest first: title, date, link) quoting each passage.

    Built as one string rather than through a template loop: the page of a place named in
    thousands of articles holds tens of thousands of quotes, and is rewritten whenever a new
    article names it.
    """

    out: list[str] = []
    current = base = None
    for group in groups(record.mentions, articles, ranks=ranks)[0]:
        article = group.article
        if article is None:
            continue                      # the article is gone; its mention still counts
        if article.id != current:
            if current is not None:
                out.append("</section>\n")
            head, base = _section_head(article.id, article.title, article.published or "")
            current = article.id
            out.append(head)
        lo, hi = passage_bounds(article, group.passage_index)
        a, b = quote_bounds(article.text, lo, hi, group.spans[0])
        body = _quote_html(article.text, a, b, group.spans, (a > lo, b < hi))
        href = base if group.passage_index is None else f"{base}#p{group.passage_index}"
        out.append(f"<blockquote>{body} {_QUOTE_END.format(href)}</blockquote>\n")
    if current is not None:
        out.append("</section>\n")
    return "".join(out)


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
    """The place page's HTML. ``ranks``: ``map.article_ranks`` of all articles (saves sorting
    them again for every page of a render). ``region_layers``: each region's layer label."""
    from markupsafe import Markup

    p = record.place
    facts = hierarchy(p)
    regions = regions_line(list(record.regions), region_labels, region_layers or {})
    n_articles = len(article_ids(record.mentions))
    counts = f"{plural(len(record.mentions), 'mention')} in {plural(n_articles, 'article')}"
    return environment().get_template("place.html").render(
        place=p, facts=facts, regions=regions, origin=origin_note(p), counts=counts, mentions=Markup(_mentions_html(record, articles, ranks)),
        css=Markup(page_css()), map_title=map_title, map_href="../map.html",
        place_href=place_href(p.id),
    )
