"""One page per place (``places/<name>.html``): every mention of it, newest article first.

The pop-up on the map quotes only the newest few passages; its "all N mentions" link leads here.
Each passage is quoted around the mention (the name highlighted) with a link to its anchor in the
article page. Like the article pages: no script, a CSP that forbids every request, all text escaped.
"""
from __future__ import annotations

import hashlib
import html
import re
import string
from urllib.parse import quote

from geomap.render.article_page import _css, _environment, page_name, place_href
from geomap.render.data import ArticleRecord, PlaceRecord

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
    slug = re.sub(r"[^a-z0-9-]+", "-", place_id.lower()).strip("-")[:60]
    digest = hashlib.sha1(place_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug or 'place'}-{digest}"


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


def _article_href(article: ArticleRecord, anchor: int | None) -> str:
    page = quote(page_name(article.id), safe="")
    return f"../articles/{page}.html" + ("" if anchor is None else f"#p{anchor}")


def _sections(record: PlaceRecord, articles: dict[str, ArticleRecord]) -> list[dict]:
    """Per article (newest first): title, date, link and the quoted passages."""
    from markupsafe import Markup

    from geomap.render.map import _groups, _passage_bounds, quote_bounds

    sections: list[dict] = []
    for group in _groups(record.mentions, articles):
        article = group.article
        if article is None:
            continue                      # the article is gone; its mention still counts
        if not sections or sections[-1]["id"] != article.id:
            sections.append({"id": article.id, "title": article.title or article.id,
                             "date": article.published or "", "quotes": [],
                             "href": _article_href(article, None)})
        lo, hi = _passage_bounds(article, group.passage_index)
        a, b = quote_bounds(article.text, lo, hi, group.spans[0])
        body = _quote_html(article.text, a, b, group.spans, (a > lo, b < hi))
        sections[-1]["quotes"].append({"html": Markup(body),
                                       "href": _article_href(article, group.passage_index)})
    return sections


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_place(record: PlaceRecord, articles: dict[str, ArticleRecord], *, map_title: str,
                 region_labels: dict[str, str]) -> str:
    """The place page's HTML."""
    from markupsafe import Markup

    p = record.place
    regions = [region_labels.get(r, r) for r in record.regions]
    facts = " · ".join(x for x in (p.kind, p.admin1, p.country, *regions) if x)
    n_articles = len({m.article_id for m in record.mentions})
    counts = f"{plural(len(record.mentions), 'mention')} in {plural(n_articles, 'article')}"
    return _environment().get_template("place.html").render(
        place=p, facts=facts, counts=counts, groups=_sections(record, articles),
        css=Markup(_css()), map_title=map_title, map_href="../map.html",
        place_href=place_href(p.id),
    )
