"""HTML to article text: saved web pages (trafilatura) and feed entry fragments (stdlib).

A saved news page is mostly navigation, adverts and footers; trafilatura (a maintained main-text
extractor) keeps the article body and reads the page's metadata (title, date, canonical URL).
A feed entry's ``content``/``summary`` is already the article body, a short HTML fragment, so a
small block-aware ``html.parser`` pass turns it into paragraphs without trafilatura's heuristics
(which discard short texts).

Either way the article text is built as ``title``, a blank line, then one paragraph per block,
separated by blank lines (``compose``), and parsed by ``articles.parse_text`` like a plain-text
article (this module does not import ``articles``: ``articles.from_bytes`` calls it): offsets index that text, which is what the store keeps and the article page shows.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from geomap.errors import ArticleError

_BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                     "blockquote", "pre", "section", "article", "header", "footer", "table", "tr",
                     "figure", "figcaption", "hr", "dd", "dt", "aside"})
_SKIPPED = frozenset({"script", "style", "template", "noscript", "head", "title"})


def page_parts(data: bytes, *, source: str) -> tuple[str, list[str], str | None, str | None]:
    """A saved HTML page's (title, paragraphs, date as the page gives it, URL), for
    ``articles.from_bytes`` to compose (``compose``) and parse like a text article.

    A page with no extractable text raises ``ArticleError`` (reported and skipped by callers).
    """
    from trafilatura import bare_extraction     # lxml and friends: only when an HTML page is met

    try:
        doc = bare_extraction(data, with_metadata=True, include_comments=False,
                              include_tables=False)
    except Exception as e:      # noqa: BLE001 - the parser's own errors are not a stable API
        raise ArticleError(source, f"unreadable HTML ({type(e).__name__}: {e})") from e
    body = (doc.text or "") if doc is not None else ""
    paragraphs = [" ".join(line.split()) for line in body.splitlines() if line.strip()]
    if not paragraphs:
        raise ArticleError(source, "no article text found in the HTML page")
    title = " ".join((doc.title or "").split())
    return title, paragraphs, doc.date, doc.url


def fragment_paragraphs(html: str) -> list[str]:
    """The paragraphs of an HTML fragment (a feed entry's body), whitespace collapsed."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    return parser.paragraphs()


def compose(title: str, paragraphs: list[str]) -> str:
    """The article text: title (unless the body starts with it), then paragraphs, blank-line separated."""
    if title and (not paragraphs or paragraphs[0] != title):
        paragraphs = [title, *paragraphs]
    return "\n\n".join(paragraphs) + "\n"


class _Paragraphs(HTMLParser):
    """Collects text, starting a new paragraph at every block element; skips scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._done: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._current)).strip()
        if text:
            self._done.append(text)
        self._current = []

    def paragraphs(self) -> list[str]:
        self._flush()
        return self._done
