"""Place pages after new articles made from the pages in place rather than from their quotes
(issue 13: a +10 newest onto 100,000 articles rewrites ~500 place pages).

Most pages a few new articles change keep their quotes: the previous newest page, whose counts
and file name change, and the pages whose navigation window shifted; the others (one-page places,
the page of an older day that new articles fall on) keep them and gain the new ones. Such a page
is the page in place with its counts and navigation replaced and the new quotes' sections put
in among its own (``splice``), which saves reading, cutting and escaping its hundreds of quotes
again. The result is the bytes a full render writes, because a page is the place's frame (the
template cut at its slots, ``place_page._frame``) around its counts, navigation and sections,
each article's section depends on that article alone, and new articles' sections never fall
inside an old one's.

The page in place is trusted only when it is geomap's (listed in the output folder's manifest,
not a symlink), its frame, counts and navigation are exactly those it was written with, and its
quotes are those its digest comment (``digest``, written with every place page) names and as many
as that page had. Anything else (a missing, truncated, hand-edited or foreign file) makes the
caller render the page in full.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Callable, Collection

__all__ = ["DIGEST_SIZE", "LARGEST", "PreviousPages", "digest", "mentions_of", "splice"]

DIGEST_SIZE = 16            # bytes of the quotes' BLAKE2b digest on every place page
LARGEST = 8_000_000         # bytes: a larger file is no page geomap wrote (< 300 quotes, ~0.2 MB)
_SECTION_END = "</section>\n"


def digest(mentions: str) -> str:
    """The hex digest of a page's quotes (``place_page._mentions_html``), written on the page so
    that a page patched later is known to hold the quotes it was written with."""
    return hashlib.blake2b(mentions.encode("utf-8"), digest_size=DIGEST_SIZE).hexdigest()


class PreviousPages:
    """The place pages in place in the output folder ``out_dir`` during a render, read only when
    geomap wrote them (``owned``: the manifest's relative paths)."""

    def __init__(self, out_dir: Path, owned: Collection[str], folder: str = "places"):
        self.dir, self.owned, self.folder = Path(out_dir) / folder, owned, folder

    def read(self, name: str) -> str | None:
        """The text of page ``name``, or None when it is missing, not geomap's, not a regular
        file, larger than ``LARGEST`` or not UTF-8."""
        if f"{self.folder}/{name}" not in self.owned:
            return None
        path = self.dir / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > LARGEST:
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(LARGEST + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > LARGEST:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def mentions_of(text: str, frame: tuple[str, ...], counts: str, nav: str
                ) -> tuple[str, str] | None:
    """The quotes of page ``text`` and their digest when it is ``frame``
    (``place_page._frame``'s pieces: text, counts, text, nav, text, mentions, text, digest,
    text, nav, text) filled with the escaped ``counts``, the navigation ``nav`` and quotes
    matching their digest; else None."""
    head = "".join((frame[0], counts, frame[2], nav, frame[4]))
    tail = "".join((frame[8], nav, frame[10]))
    size = 2 * DIGEST_SIZE
    if (len(text) < len(head) + len(tail) + size + len(frame[6])
            or not text.startswith(head) or not text.endswith(tail)):
        return None
    middle = text[len(head):len(text) - len(tail)]
    mentions, mark, found = middle[:-size - len(frame[6])], middle[-size - len(frame[6]):-size], \
        middle[-size:]
    if mark != frame[6] or digest(mentions) != found:
        return None
    return mentions, found


def splice(mentions: str, layout: list[tuple[bool, int]],
           render_new: Callable[[int], str]) -> str | None:
    """A page's quotes from an older page's quotes ``mentions`` and new ones: ``layout`` is the
    page's quotes newest first as runs ``(new, count)``; an old run takes the next old sections
    holding exactly ``count`` quotes, the ``n``-th new run (0-based) is ``render_new(n)``. None
    when the old quotes are not as many or do not end where a run does."""
    if len(layout) == 1 and not layout[0][0]:     # the same quotes (one C-level pass)
        ok = mentions.count("<blockquote>") == layout[0][1] and mentions.endswith(_SECTION_END)
        return mentions if ok else None
    sections = mentions.split(_SECTION_END)
    if sections.pop() != "":
        return None
    out: list[str] = []
    at = fresh = 0
    for new, count in layout:
        if new:
            out.append(render_new(fresh))
            fresh += 1
            continue
        while count > 0 and at < len(sections):
            section = sections[at]
            count -= section.count("<blockquote>")
            out += (section, _SECTION_END)
            at += 1
        if count:
            return None
    if at != len(sections):
        return None
    return "".join(out)
