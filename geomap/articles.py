"""Ingest: turn an article file into an ``Article`` with exact paragraph spans.

Two input shapes are understood:

* the saved-news-page format: line 1 ``date YYYY-MM-DD <section>``, then the headline, a byline
  (``By ...``), a ``Published ...`` line and the paragraphs, one per non-empty line;
* plain ``.txt``/``.md``/``.text``: title = first non-empty line, paragraphs = runs of non-blank lines;
* saved web pages (``.html``/``.htm``/``.xhtml``): the main text, title, date and URL are extracted
  by ``geomap.htmltext`` (trafilatura); the article text is that extraction, not the markup.

Nothing is rewritten: ``Article.text`` is the file's text as decoded, so every offset computed
downstream (passages, mentions, pop-up anchors) indexes the original.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat as stat_kind
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from geomap._names import short_hash, slug
from geomap.errors import ArticleError
from geomap.lang import dates as cyrillic_dates
from geomap.model import Article, Passage

if TYPE_CHECKING:
    from geomap.config import Config

MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
HEADER_LINES = 12   # the byline and ``Published`` line are looked for among the first lines only

_DATE_LINE = re.compile(r"[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+(\S.*?))?[ \t\r]*", re.I)
_BYLINE = re.compile(rf"[ \t]*(?:By|{cyrillic_dates.BYLINE_WORDS})[ \t]+(\S.*?)[ \t\r]*")
_PUBLISHED = re.compile(rf"[ \t]*(?:(?:Published|Updated|{cyrillic_dates.PUBLISHED_WORDS})[ \t]*:?[ \t]+"
                        r"|Date[ \t]*:[ \t]*)(\S.*?)[ \t\r]*", re.I)
# YAML front matter: a first line ``---``, ``key: value`` lines, a closing ``---`` (or ``...``).
_FRONT_MATTER = re.compile(r"\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$", re.S | re.M)
_FRONT_KEY = re.compile(r"^(date|published|title)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.M | re.I)
_NAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?!\d)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")     # CRLF, LF and old Mac CR-only line ends
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for m in names}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def read_article(path: Path, *, root: Path) -> Article:
    """Read and parse one article file; bad files raise ``ArticleError`` saying why."""
    return from_bytes(read_bytes(path), path, article_id(path, root))


def from_bytes(data: bytes, path: Path, aid: str) -> Article:
    """An ``Article`` from a file's bytes: a saved web page by its suffix, else text.

    An article whose text carries no date takes the ISO date its file name starts with
    (``2024-02-12-kyiv.md``); otherwise it stays undated (``published`` None).
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in HTML_SUFFIXES:
        if b"\0" in data:
            raise ArticleError(str(path), "binary file (contains NUL bytes), not a web page")
        if not data.strip():
            raise ArticleError(str(path), "empty article (no text)")
        from geomap.htmltext import compose, page_parts    # not at the top: html.parser costs start-up

        title, paragraphs, published, url = page_parts(data, source=str(path))
        article = parse_text(compose(title, paragraphs), source=str(path), article_id=aid, sha256=sha256)
        article = replace(article, published=(published and parse_date(published)) or article.published,
                          url=url or None)
    else:
        article = parse_text(decode(data, path), source=str(path), article_id=aid, sha256=sha256)
    if article.published is None and (dated := file_name_date(path.name)):
        article = replace(article, published=dated)     # a web page without a date of its own
    return article


def file_name_date(name: str) -> str | None:
    """The valid ISO date a file name starts with (``2024-02-12-kyiv.md`` → ``2024-02-12``)."""
    m = _NAME_DATE.match(name)
    return _iso(*map(int, m.groups())) if m else None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing oversized files before reading them."""
    return read_stamped(path)[0]


def read_stamped(path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its ``fstat`` taken just before they were read.

    Stat first, read second: if the file changes in between, the size and mtime recorded are
    the older ones and the next refresh sees a mismatch and reads it again (never the reverse,
    a new mtime vouching for old bytes). At most ``MAX_BYTES + 1`` bytes are read, so a file
    that grows past the limit after the size check is refused too, not read whole. Only regular
    files are read (``read_regular``): a FIFO, device or socket is refused without blocking.
    """
    try:
        return read_regular(path)
    except OSError as e:
        raise ArticleError(str(path), e.strerror or str(e)) from e


def read_regular(path: Path | str, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """At most ``limit`` bytes of a regular file, and its ``fstat``; ``OSError`` (whose
    ``strerror`` says why) for anything else.

    The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` before any read: opening a
    FIFO for reading would otherwise wait for a writer, and ``/dev/zero`` or a pipe reports size
    0 and never ends. A file over ``limit`` bytes (default ``MAX_BYTES``; or growing past it
    while read) is refused.
    """
    limit = MAX_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise OSError(e.errno, f"cannot read: {e.strerror or e}") from e
    with os.fdopen(fd, "rb") as f:
        stat = os.fstat(fd)
        if not stat_kind.S_ISREG(stat.st_mode):
            raise OSError(f"not a regular file ({_file_kind(stat.st_mode)})")
        if stat.st_size > limit:
            raise OSError(f"too large ({stat.st_size:,} bytes; the limit is {limit:,})")
        try:        # what fstat says, +1 to see growth: read(limit + 1) would allocate 20 MB per file
            want = min(stat.st_size, limit) + 1
            data = f.read(want)
            if len(data) == want and want <= limit:
                data += f.read(limit + 1 - want)    # it has grown since the fstat: on to the limit
        except OSError as e:
            raise OSError(e.errno, f"cannot read: {e.strerror or e}") from e
        if len(data) > limit:
            raise OSError(f"too large (over {limit:,} bytes, growing while read)")
        return data, stat


def _file_kind(mode: int) -> str:
    for test, name in ((stat_kind.S_ISDIR, "a folder"), (stat_kind.S_ISFIFO, "a FIFO"),
                       (stat_kind.S_ISCHR, "a character device"), (stat_kind.S_ISBLK, "a block device"),
                       (stat_kind.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def decode(data: bytes, path: Path | str = "<text>") -> str:
    """UTF-8 text (a BOM is dropped); binary, undecodable or blank content is an ``ArticleError``."""
    if b"\0" in data:
        raise ArticleError(str(path), "binary file (contains NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ArticleError(str(path), f"not UTF-8 text (invalid byte at offset {e.start})") from e
    if not text.strip():
        raise ArticleError(str(path), "empty article (no text)")
    return text


def parse_text(text: str, *, source: str, article_id: str, sha256: str) -> Article:
    """Split ``text`` into header fields and passages. Pure: never fails on any string.

    The date, first found wins: the saved-page ``date`` line, YAML front matter ``date:`` (or
    ``published:``), a ``Published``/``Updated``/``Date:`` line among the first lines, an ISO date
    starting the file name of ``source`` (not for URLs); else None (undated)."""
    lines = _lines(text)
    first = next(((s, e) for s, e in lines if s != e), None)
    header = _DATE_LINE.fullmatch(text, *first) if first else None
    passages = _line_passages(lines) if header else _paragraph_passages(lines)
    spans = [text[p.start:p.end] for p in passages]
    front = {} if header else _front_matter(text)

    published = header.group(1) if header and _valid_iso(header.group(1)) else None
    section = header.group(2) if header else None
    body = spans[1:] if header else spans
    title = _title(body[0], markdown=not header) if body else ""
    if front:
        published = parse_date(front.get("date") or front.get("published") or "")
        title = front.get("title") or _front_title(text, lines, front["end"]) or title
    byline = published_line = None
    for line in _header_lines(text, lines):
        if byline is None and (m := _BYLINE.fullmatch(line)) and _looks_like_names(m.group(1)):
            byline = m.group(1)
        elif published_line is None and (m := _PUBLISHED.fullmatch(line)):
            published_line = parse_date(m.group(1))     # the first such line with a real date
    if published is None:
        published = published_line
    if published is None and "://" not in source:
        published = file_name_date(source.replace("\\", "/").rsplit("/", 1)[-1])
    return Article(id=article_id, source=source, text=text, sha256=sha256, title=title,
                   published=published, byline=byline, section=section, passages=tuple(passages))


def _front_matter(text: str) -> dict[str, str]:
    """The ``date``/``published``/``title`` values of a YAML front matter block (quotes
    stripped, lowercase keys), with ``end``: the offset after the block; {} when there is none.
    Read line by line, not by a YAML parser: only these scalars matter, and no value can run code."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}
    found = {"end": m.end()}
    for key in _FRONT_KEY.finditer(m.group(1)):
        value = key.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found.setdefault(key.group(1).lower(), value)
    return found


def _front_title(text: str, lines: list[tuple[int, int]], end: int) -> str:
    """The first non-empty line after the front matter (a Markdown heading's ``#`` stripped)."""
    after = next((text[s:e] for s, e in lines if s != e and s >= end), "")
    return _title(after, markdown=True) if after else ""


def parse_date(value: str) -> str | None:
    """ISO ``YYYY-MM-DD`` from ``18th Apr 2023, 13:31 BST``, ``April 18, 2023``, ISO, or Ukrainian
    and Russian ``18 квітня 2023``/``18 апреля 2023``; else None."""
    if m := _ISO_DATE.search(value):
        y, mo, d = m.groups()
        return _iso(int(y), int(mo), int(d))
    for pattern, order in ((_DAY_MONTH_YEAR, (1, 2, 3)), (_MONTH_DAY_YEAR, (2, 1, 3))):
        for m in pattern.finditer(value):
            day, month, year = (m.group(i) for i in order)
            if (mo := _MONTHS.get(month.lower())) and (iso := _iso(int(year), mo, int(day))):
                return iso
    ymd = cyrillic_dates.day_month_year(value)          # "18 квітня 2023", "18 апреля 2023"
    return _iso(*ymd) if ymd else None


def article_id(path: Path, root: Path, *, source: str | None = None) -> str:
    """Stable, filename-safe id: slug of the path relative to ``root`` + 8 hex of its sha1.

    The slug keeps ids readable in URLs (``articles/<id>.html``); the hash keeps them unique
    when two paths slug alike. Paths outside ``root`` use their absolute form. ``source`` tells
    sources apart (``inbox/2024-01-01.txt`` and ``articles/2024-01-01.txt`` are both
    ``2024-01-01.txt`` relative to their roots): when given it is prefixed to the slug and hashed
    with the path, NUL-separated (no path contains NUL, so no unqualified id can equal it).
    ``discover_ids`` passes it for every source but the first, whose ids stay as they always were.
    """
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))   # symlinks keep their own name
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    return relative_id(rel, source)


def relative_id(rel: str, source: str | None) -> str:
    """``article_id`` from the file's ``/``-separated path relative to its root."""
    named = rel if source is None else f"{source}/{rel}"
    hashed = rel if source is None else f"{source}\0{rel}"
    return f"{slug(named.rsplit('.', 1)[0]) or 'article'}-{short_hash(hashed)}"


def discover_ids(config: Config) -> list[tuple[Path, Path, str]]:
    """``discover`` with each file's article id: ``(file, source root, id)``.

    Files under the first file/folder source's root keep the plain ``article_id`` (existing
    stores and links stay valid); files under any other root are qualified with that root
    relative to the project root (absolute when outside it), so equal relative paths in two
    sources get two ids.
    """
    first = first_root(config)
    labels: dict[Path, tuple[str, str | None]] = {}
    out = []
    for f, root in discover(config):
        if root not in labels:       # per root, not per file: 100,000 files are listed each refresh
            labels[root] = (os.path.abspath(root).rstrip(os.sep) + os.sep,
                            None if root == first else root_label(root, config.root))
        prefix, source = labels[root]
        name = os.path.abspath(f)
        if name.startswith(prefix) and os.sep == "/":
            out.append((f, root, relative_id(name[len(prefix):], source)))
        else:
            out.append((f, root, article_id(f, root, source=source)))
    return out


def first_root(config: Config) -> Path | None:
    """The root ``discover`` gives the files of the first file/folder source."""
    for source in config.sources:
        if source.kind != "feed":
            path = config.resolve(source.path)
            return path.parent if source.kind == "file" or path.is_file() else path
    return None


def root_label(root: Path, project: Path) -> str:
    """The label in the ids of a source root other than the first: its path relative to the
    project (``/``-separated), or its absolute path when it lies outside."""
    root, project = Path(os.path.abspath(root)), Path(os.path.abspath(project))
    return root.relative_to(project).as_posix() if root.is_relative_to(project) else root.as_posix()


def source_problem(kind: str, path: Path) -> str | None:
    """Why a ``file``/``folder`` source cannot be read now (None: it can): missing, unreadable,
    or of the wrong kind (a folder source may also name a single file). A refresh keeps the
    stored articles of such a source instead of forgetting them."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if stat_kind.S_ISREG(mode):
        return None
    if kind == "file" or not stat_kind.S_ISDIR(mode):
        return f"is not a regular file ({_file_kind(mode)})"
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    return None


def discover(config: Config) -> list[tuple[Path, Path]]:
    """Every article file of every configured source as ``(file, source root)``, sorted.

    Article files are text (``.txt``/``.md``/``.text``) and saved web pages (``.html``/``.htm``/
    ``.xhtml``). Hidden files and folders are skipped, and so are symlinks that lead out of the source root
    (an inbox must not become a way to read arbitrary files). Sources with a ``source_problem``
    (missing, unreadable, wrong kind) yield nothing.
    """
    found: set[tuple[Path, Path]] = set()
    for source in config.sources:
        if source.kind == "feed":
            continue    # not files: ``geomap.feeds`` reads them
        path = config.resolve(source.path)
        if source_problem(source.kind, path) is not None:
            continue
        if source.kind == "file" or path.is_file():
            found.add((path, path.parent))
            continue
        found.update((f, path) for f in folder_files(path, source.glob))
    return sorted(found, key=_path_order)


def _path_order(item: tuple[Path, Path]) -> tuple:
    """The sort key of ``(file, root)`` giving ``Path``'s own order (part by part), from the
    paths' strings: comparing 100,000 ``Path`` pairs took a second."""
    f, root = item
    if os.sep != "/":
        return item
    return str(f).split("/"), str(root).split("/")


def folder_files(root: Path, pattern: str = "**/*") -> Iterator[Path]:
    """The article files ``pattern`` matches under ``root`` that really lie inside it: a file or
    folder symlinked to elsewhere is skipped, and so are hidden ones. Entries that are not
    regular files (a FIFO named ``x.txt``) are yielded too: ``read_regular`` refuses them by name. Each folder is resolved
    once, not once per file. Unsorted. ``discover`` and ``geomap parse DIR`` both use it."""
    if not root.is_dir():
        return
    real_root = root.resolve()
    if pattern == "**/*":
        yield from _all_files(root, real_root)
    else:
        yield from _glob_files(root, real_root, pattern)


def _glob_files(root: Path, real_root: Path, pattern: str) -> Iterator[Path]:
    """``folder_files`` for any ``pattern``, by ``Path.glob``."""
    inside: dict[Path, bool] = {}
    for f in root.glob(pattern):
        rel = f.relative_to(root)
        if f.suffix.lower() not in SUFFIXES or any(part.startswith(".") for part in rel.parts):
            continue
        if f.is_dir() or not f.exists():
            continue        # a folder named like an article, a dangling symlink; a FIFO, device or
                            # socket is yielded, so that reading it reports it (never blocking)
        if (folder := f.parent) not in inside:
            inside[folder] = folder.resolve().is_relative_to(real_root)
        if inside[folder] and not (f.is_symlink() and not f.resolve().is_relative_to(real_root)):
            yield f


def _all_files(root: Path, real_root: Path) -> Iterator[Path]:
    """``folder_files(root, "**/*")`` by ``os.scandir``: one directory read per folder and no
    ``stat`` but for symlinks (``Path.glob`` plus the per-file checks made five system calls a
    file: the no-op refresh of 100,000 articles lists them all). Same rules: hidden entries
    skipped, symlinked folders not entered (so every folder walked lies inside ``root``), a
    symlinked file kept only when it resolves inside ``root``, dangling links skipped."""
    for rel, _entry in walk_files(root, real_root):
        yield root / rel


def walk_files(root: Path, real_root: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """``_all_files`` as ``(path relative to root, "/"-separated; its os.DirEntry)``, unsorted,
    building no ``Path`` but for symlinks: the no-op refresh (``pipeline.unchanged``) compares
    each entry's ``stat()`` with the stored stamps without making objects per file."""
    stack = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except PermissionError:         # as Path.glob: an unreadable folder lists nothing
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                link = entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if not link:
                    stack.append((entry.path, prefix + name + "/"))
                continue
            if name[name.rfind("."):].lower() not in SUFFIXES:    # ``Path(name).suffix``: with
                continue        # no ``.`` this is the last letter, never a suffix; hidden names are out
            if link:
                path = Path(entry.path)
                if not (path.exists() and path.resolve().is_relative_to(real_root)):
                    continue
            yield prefix + name, entry


def _lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line's content with surrounding whitespace trimmed."""
    spans = []
    for m in _LINE.finditer(text):
        if m.start() == m.end():
            break
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        spans.append((s, e) if s < e else (m.start(), m.start()))
    return spans


def _line_passages(lines: list[tuple[int, int]]) -> list[Passage]:
    """Saved-page format: every non-empty line is a paragraph."""
    return [Passage(i, s, e) for i, (s, e) in enumerate((s, e) for s, e in lines if s != e)]


def _paragraph_passages(lines: list[tuple[int, int]]) -> list[Passage]:
    """Plain text: runs of non-blank lines separated by blank lines."""
    passages: list[Passage] = []
    start = end = None
    for s, e in lines + [(0, 0)]:
        if s != e:
            start, end = (s if start is None else start), e
        elif start is not None:
            passages.append(Passage(len(passages), start, end))
            start = None
    return passages


def _header_lines(text: str, lines: list[tuple[int, int]]) -> Iterator[str]:
    nonblank = (text[s:e] for s, e in lines if s != e)
    for _, line in zip(range(HEADER_LINES), nonblank):
        yield line


def _looks_like_names(value: str) -> bool:
    """A byline is a few words, not a sentence that happens to start with "By"."""
    return len(value.split()) <= 8 and not value.endswith((".", "!", "?", ":"))


def _title(paragraph: str, *, markdown: bool) -> str:
    line = _LINE_BREAK.split(paragraph, 1)[0].strip()
    if markdown:
        line = line.lstrip("#").strip() or line
    return line


def _valid_iso(value: str) -> bool:
    y, m, d = (int(x) for x in value.split("-"))
    return _iso(y, m, d) is not None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


__all__ = ["MAX_BYTES", "SUFFIXES", "TEXT_SUFFIXES", "HTML_SUFFIXES", "read_article", "from_bytes",
           "parse_text", "parse_date", "file_name_date", "article_id", "discover", "discover_ids",
           "folder_files", "decode", "read_bytes", "read_stamped", "read_regular", "source_problem",
           "first_root", "relative_id", "root_label", "walk_files"]
