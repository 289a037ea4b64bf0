"""One self-contained HTML page per article: every passage anchored, every mention highlighted.

The page makes no external requests (its CSS is inlined) and links only to the map next to it
(``../map.html#place=<id>``). Article text is untrusted: each piece is escaped as it is written.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from geomap._names import short_hash, slug
from geomap.model import Place
from geomap.render.data import ArticleRecord
from geomap.render.jinja import environment, page_css
from geomap.render.sources import display_source

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def page_name(article_id: str) -> str:
    """The file stem of an article's page: the id itself when it is filename-safe.

    ``articles.article_id`` makes safe ids; anything else (hand-built data, a future source) is
    slugged and suffixed with a hash so it can never name a path outside ``articles/``.
    """
    if _SAFE_ID.fullmatch(article_id):
        return article_id
    return f"{slug(article_id) or 'article'}-{short_hash(article_id)}"


def place_href(place_id: str, prefix: str = "../") -> str:
    """The map link that centres on a place and opens its pop-up (read by geomap.js)."""
    return f"{prefix}map.html#place={quote(place_id, safe='')}"


def _place_title(place: Place | None) -> str:
    if place is None:
        return ""
    where = ", ".join(x for x in (place.admin1, place.country) if x)
    return f"{place.name} ({place.kind}{', ' + where if where else ''})"


@lru_cache(maxsize=65536)
def _link_open(place_id: str, place: Place | None) -> str:
    """The opening ``<a>`` of a mention's map link (the same for every mention of a place)."""
    title = html.escape(_place_title(place))
    return f'<a class="m" href="{html.escape(place_href(place_id))}" title="{title}">'


def _highlight(text: str, start: int, end: int, mentions: list[tuple[int, int, str]],
               places: dict[str, Place]) -> str:
    """HTML for ``text[start:end]`` with each mention inside it wrapped in a map link."""
    out: list[str] = []
    pos = start
    for m_start, m_end, place_id in mentions:
        m_start, m_end = max(m_start, start), min(m_end, end)
        if m_start < pos or m_start >= m_end:
            continue                    # overlaps the previous mention, or outside this passage
        out.append(html.escape(text[pos:m_start]))
        out.append(_link_open(place_id, places.get(place_id)))
        out.append(f"<mark>{html.escape(text[m_start:m_end])}</mark></a>")
        pos = m_end
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _paragraphs(article: ArticleRecord, places: dict[str, Place]) -> list[tuple[str, str, str, bool]]:
    """(anchor, inner HTML, role, has mentions) per passage; one ``p0`` for the whole text when
    there are none. ``role`` is ``title``, ``meta`` or ``body`` (see ``_role``)."""
    mentions = sorted(article.mentions)
    passages = article.passages or ()
    if not passages:
        return [("p0", _highlight(article.text, 0, len(article.text), mentions, places), "body",
                 bool(mentions))]
    result = []
    i = 0
    title_seen = False
    for p in passages:
        while i < len(mentions) and mentions[i][1] <= p.start:
            i += 1                      # mentions are sorted: skip those before this passage
        inside = []
        j = i
        while j < len(mentions) and mentions[j][0] < p.end:
            inside.append(mentions[j])
            j += 1
        role = _role(article, article.text[p.start:p.end].strip(), title_seen)
        title_seen = title_seen or role == "title"
        result.append((f"p{p.index}", _highlight(article.text, p.start, p.end, inside, places), role,
                       bool(inside)))
    return result


_DATE_LINE = re.compile(r"date \d{4}-\d{2}-\d{2}\b.*")


def _role(article: ArticleRecord, text: str, title_seen: bool) -> str:
    """What a passage is on the page: the headline (shown as the page's h1, with its mentions),
    a header line the page already shows as metadata (date line, author, byline, ``Published``),
    or body text. Header lines are kept (anchored) only when they mention a place."""
    if not title_seen and article.title and text.lstrip("# ").strip() == article.title.strip():
        return "title"
    if _DATE_LINE.fullmatch(text) or text.startswith("Published "):
        return "meta"
    if article.byline and text in (article.byline, f"By {article.byline}"):
        return "meta"
    return "body"


def render_article(article: ArticleRecord, places: dict[str, Place], *, map_title: str,
                   root: Path | str | None = None) -> str:
    """The article page's HTML. ``places`` (id → Place) names the places in link titles; the
    source is shown relative to the project ``root`` (``render.sources.display_source``): no
    page prints an absolute local path."""
    from markupsafe import Markup

    title = None
    paragraphs = []
    for anchor, body, role, mentioned in _paragraphs(article, places):
        if role == "title" and title is None:
            title = (anchor, Markup(body))
        elif role == "body" or mentioned:
            paragraphs.append((anchor, Markup(body), role))
    return environment().get_template("article.html").render(
        article=article, title=title, paragraphs=paragraphs, css=Markup(page_css()), map_title=map_title,
        map_href="../map.html", source=display_source(article.source, root),
    )
