"""The refresh's guard rails around its sources: what it must not forget, and what it must skip.

* A file/folder source that is missing, unreadable or of the wrong kind (a misspelled folder, an
  unmounted disk) is *unavailable*: it is reported, and the articles stored from it are kept.
  A folder source that yields no article file at all while the store holds articles from it (or
  articles no configured source covers) is treated the same way: an empty mount point, or a
  misspelled folder that exists empty, look like that. Forgetting them is explicit:
  ``forget_ids`` (``geomap forget SOURCE``), or removing the source from the config.
* A file name that is not valid UTF-8 cannot be stored (SQLite text is UTF-8): it is reported,
  with its undecodable bytes shown as ``\\xNN``, and skipped.
* Feeds are read one by one; whatever goes wrong with one (even an exception inside feedparser)
  is a message, and the other sources proceed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from geomap.articles import source_problem

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.model import Article


def is_feed_source(source: str) -> bool:
    """True for articles that came from a feed (their source is a URL, not a file path)."""
    return "://" in source


def printable(path: Path | str) -> str:
    """``path`` as text that any terminal and UTF-8 file can take: bytes that are not UTF-8
    (kept by Python as lone surrogates) are shown as ``\\xNN``."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def utf8_name(path: Path) -> bool:
    """True if the path can be stored as UTF-8 text (no undecodable bytes in it)."""
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _under(source: str, root: Path, kind: str) -> bool:
    """True if a stored article's ``source`` (its file path) came from this source. Strings, not
    ``Path`` objects: this runs for every stored article and source at each refresh."""
    if "://" in source:
        return False
    top = str(root)
    if source == top:
        return True
    return kind != "file" and source.startswith(top.rstrip(os.sep) + os.sep)


def held_articles(config: Config, stored: Mapping[str, tuple[str, str]],
                  discovered: Iterable[tuple[Path, Path, str]]) -> tuple[set[str], list[str]]:
    """The ids of stored articles to keep because their source is unavailable now, and one
    message per such source (naming it, and how to forget its articles if that is meant).

    ``stored``: ``{id: (sha256, source)}``; ``discovered``: what ``discover_ids`` found.
    """
    roots = {root for _path, root, _aid in discovered}
    held: set[str] = set()
    messages: list[str] = []
    files = [(i, source, config.resolve(source.path)) for i, source in enumerate(config.sources)
             if source.kind != "feed"]
    kinds = {i: "file" if source.kind == "file" or path.is_file() else "folder"
             for i, source, path in files}       # once per source, not per stored article
    claims = {i: {aid for aid, (_sha, src) in stored.items() if _under(src, path, kinds[i])}
              for i, source, path in files}
    # Stored file articles no configured source covers: a source removed from the config, or
    # renamed by mistake to a folder that exists but is empty (``geomap watch`` creates it).
    orphans = {aid for aid, (_sha, src) in stored.items() if "://" not in src}.difference(*claims.values())
    for i, source, path in files:
        why = source_problem(source.kind, path)
        single = source.kind == "file" or path.is_file()
        mine = claims[i]
        if why is None and not single and path not in roots and (mine or orphans):
            why = "holds no article file now (an unmounted disk, a moved or misspelled folder?)"
        if why is None:
            continue
        held |= mine
        kept = (f"; its {len(mine)} stored article(s) are kept (`geomap forget {printable(path)}` "
                "forgets them)" if mine else "")
        messages.append(f"{printable(path)}: sources[{i}] ({source.kind}) {why}{kept}")
    return held, messages


def forget_ids(config: Config, stored: Mapping[str, tuple[str, str]], target: str) -> set[str]:
    """Ids of the stored articles that came from ``target``: a file or folder (relative to the
    project root, like the config's paths) or a stored source exactly (a feed entry's link)."""
    exact = {aid for aid, (_sha, src) in stored.items() if src == target}
    if "://" in target:
        return exact
    path = config.resolve(Path(target).expanduser())
    path = Path(os.path.abspath(path))
    return exact | {aid for aid, (_sha, src) in stored.items() if _under(src, path, "folder")}


def read_feed_source(source, config: Config) -> tuple[list[Article], list[str], bool]:
    """One feed source's entries, messages, and whether it could be read (fetched, and either
    some entry read or none there); never raises (any failure is a message, and the feed's
    stored entries are kept). A local ``path:`` is relative to the project root."""
    from geomap.feeds import read_feed

    location = source.url or str(source.path)
    try:
        entries, errors = read_feed(location, timeout=source.timeout, root=config.root)
    except Exception as e:      # noqa: BLE001 - one feed must not stop the refresh
        return [], [f"{printable(location)}: feed not read ({type(e).__name__}: {e}); "
                    "its stored entries are kept"], False
    return entries, errors, bool(entries) or not errors


__all__ = ["held_articles", "forget_ids", "is_feed_source", "read_feed_source", "printable", "utf8_name"]
