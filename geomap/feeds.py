"""RSS and Atom feeds as an article source (feedparser).

``read_feed(url)`` fetches a feed over HTTP(S) (or reads a local ``file`` path) and turns each entry
into an ``Article``: the text is the entry's title, then its content (or summary) as paragraphs;
the date is the entry's ``published`` (else ``updated``) date; ``url`` is the entry's link.

Ids are stable across fetches: ``feed-<slug of the title>-<8 hex of sha1(feed URL + entry id)>``,
the entry id being its ``id``/``guid``, else its link, else its title. The hash is of the text, so an
entry edited upstream counts as changed. Entries that drop out of a feed are kept in the store
(feeds roll; the map keeps what it has seen); so are all of a feed's entries when it cannot be read.

Nothing here raises for a bad feed: problems come back as messages, and the readable entries are
still returned.
"""
from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from geomap import __version__
from geomap._http import open_url
from geomap._names import short_hash, slug
from geomap.articles import MAX_BYTES, read_regular
from geomap.htmltext import compose, fragment_paragraphs
from geomap.model import Article
from geomap.sources import is_feed_source  # noqa: F401 - re-exported (it lives where the refresh's
                                           # planner can import it without urllib and email)

USER_AGENT = f"geomap/{__version__} (feed reader)"
DEFAULT_TIMEOUT = 20.0


def read_feed(location: str, *, timeout: float = DEFAULT_TIMEOUT,
              root: Path | None = None) -> tuple[list[Article], list[str]]:
    """The articles of one feed and a message per problem (unreadable feed, empty entries).

    ``root``: the project root a relative local path is read from (default: the current folder);
    ids and messages keep ``location`` as written, so they do not change with the folder."""
    try:
        data = fetch(location, timeout=timeout, root=root)
    except OSError as e:
        return [], [f"{location}: feed not fetched ({_reason(e)}); its stored entries are kept"]
    return parse_feed(data, location, local=_local(location, root))


def _local(location: str, root: Path | None) -> Path | None:
    """A local feed's path (relative ones against ``root``); None for a URL."""
    if "://" in location:
        return None
    path = Path(location).expanduser()
    return path if path.is_absolute() or root is None else Path(root) / path


def fetch(location: str, *, timeout: float = DEFAULT_TIMEOUT, root: Path | None = None) -> bytes:
    """The feed's bytes (at most ``MAX_BYTES``); ``OSError`` for network, HTTP and size problems.

    A local path must be a regular file (``articles.read_regular``: a FIFO or ``/dev/zero`` is
    refused at once, not read for ever)."""
    if (path := _local(location, root)) is not None:
        return read_regular(path)[0]
    if not location.startswith(("http://", "https://")):
        raise OSError("only http, https and local files are read")
    request = urllib.request.Request(location, headers={"User-Agent": USER_AGENT,
                                                        "Accept": "application/rss+xml, "
                                                        "application/atom+xml, application/xml, */*"})
    with open_url(request, timeout=timeout) as response:     # redirects to http(s) only
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(f"larger than {MAX_BYTES:,} bytes")
    return data


def parse_feed(data: bytes, location: str, *, local: Path | None = None
               ) -> tuple[list[Article], list[str]]:
    """Articles from a feed document, and messages: a malformed document or a document that is
    not a feed (and has no entries), entries with no text or that could not be read (each
    skipped alone). ``local``: the file a local feed was read from (the source of entries
    without a link)."""
    import feedparser

    try:
        parsed = feedparser.parse(_valid_charrefs(data), sanitize_html=True,
                                  resolve_relative_uris=False)
    except Exception as e:      # noqa: BLE001 - a bug or trap inside feedparser: one feed fails
        return [], [f"{location}: malformed feed ({type(e).__name__}: {e}); its stored entries "
                    "are kept"]
    if not parsed.entries:
        if parsed.bozo:
            return [], [f"{location}: malformed feed ({parsed.get('bozo_exception', 'unreadable')})"]
        if not parsed.get("version"):
            return [], [f"{location}: malformed feed (not RSS or Atom)"]
        return [], []       # a valid feed with no entries today
    articles, errors, seen = [], [], set()
    for n, entry in enumerate(parsed.entries):
        try:
            article = entry_article(entry, location, local=local)
        except Exception as e:      # noqa: BLE001 - one entry must not stop the others
            errors.append(f"{location}: entry {n + 1} could not be read ({type(e).__name__}: "
                          f"{e}); skipped")
            continue
        if article is None:
            errors.append(f"{location}: entry {n + 1} has no text; skipped")
        elif article.id not in seen:
            seen.add(article.id)
            articles.append(article)
    return articles, errors


_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _valid_charrefs(data: bytes) -> bytes:
    """``data`` with character references to no character (lone surrogates ``&#xD800;``, NUL,
    beyond U+10FFFF) written as U+FFFD: feedparser raises on them, failing the whole feed."""
    def fix(m: re.Match) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        return b"&#xFFFD;" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else m.group(0)

    return _CHARREF.sub(fix, data) if b"&#" in data else data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(text: str) -> str:
    """Lone surrogates (from a document feedparser decoded leniently) as U+FFFD: the store keeps
    UTF-8 text. One character for one, so offsets are unchanged."""
    return _SURROGATE.sub("\ufffd", text)


def entry_article(entry, location: str, *, local: Path | None = None) -> Article | None:
    """One feed entry as an ``Article`` (None when it has neither title nor text)."""
    from dataclasses import replace

    from geomap.articles import parse_text

    title = _scrub(" ".join(_plain(entry.get("title", "")).split()))
    body = [_scrub(paragraph) for paragraph in _body(entry)]
    if not body and not title:
        return None
    text = compose(title, body)
    key = entry.get("id") or entry.get("link") or title
    digest = short_hash(f"{location}\n{key}")
    name = slug(title, keep="a-z0-9", max_len=40) or "entry"
    link = _scrub(entry.get("link") or "") or None
    source = link if link and "://" in link else _uri(location, local)
    article = parse_text(text, source=source, article_id=f"feed-{name}-{digest}",
                         sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    return replace(article, published=_date(entry) or article.published, url=link)


def _body(entry) -> list[str]:
    """The longest of the entry's content blocks and its summary, as paragraphs."""
    candidates = [c.get("value", "") for c in entry.get("content", []) or []]
    candidates.append(entry.get("summary", ""))
    best = max(candidates, key=len, default="")
    return fragment_paragraphs(best) if best else []


def _plain(value: str) -> str:
    return " ".join(fragment_paragraphs(value)) if "<" in value or "&" in value else value


def _date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return time.strftime("%Y-%m-%d", value)
    return None


def _uri(location: str, local: Path | None = None) -> str:
    """A feed's address as a URI, so that every feed article's ``source`` contains ``://``."""
    return location if "://" in location else Path(local or location).resolve().as_uri()


def _reason(error: OSError) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


__all__ = ["read_feed", "fetch", "parse_feed", "entry_article", "is_feed_source"]
