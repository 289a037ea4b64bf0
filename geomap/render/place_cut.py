"""How a place's quotes are cut into pages and how those pages are named and linked (issue 13).

``render.place_page`` renders the pages; this module decides them: the file stem of a place
(``escaped_name``, ``place_page_name``), the calendar cutting (``paginate_runs``: years, months,
days, parts of a busy day), each page's navigation (``nav_links``) and which pages a few new
quotes change (``changed_pages``). A change of the cutting changes ``geomap._names.PAGINATION``.
"""
from __future__ import annotations

import bisect
import re
import string
from functools import lru_cache
from typing import NamedTuple

from geomap._names import short_hash, slug

__all__ = ["PER_PAGE", "Page", "changed_pages", "escaped_name", "nav_links", "paginate",
           "paginate_runs", "period", "place_page_name", "published_runs"]

PER_PAGE = 150          # quotes per part of a busy day (a page: up to twice as many)
_WINDOW = 2             # pages shown on either side of the current page


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


class Page(NamedTuple):
    """One page of a place: quotes ``[lo, hi)`` (oldest-first order) of ``month`` (``YYYY``,
    ``YYYY-MM``, "" undated or all), its ``part`` (1-based) of ``parts`` pages of that period,
    and its file name."""

    month: str
    part: int
    parts: int
    lo: int
    hi: int
    file: str

    @property
    def label(self) -> str:
        month = self.month or "undated"
        return month if self.parts == 1 else f"{month} ({self.part})"


def paginate(place_id: str, groups: list) -> list[Page]:
    """The pages of quotes ``groups`` (oldest first, each with its ``.article``), oldest first
    (``paginate_runs``)."""
    if len(groups) < 2 * PER_PAGE:      # one page: the quotes' months do not matter
        return paginate_runs(place_id, [("", len(groups))])
    runs: list[list] = []               # each quote's day once (a busy place has 10,000s)
    for key in map(period, (g.article.published for g in groups)):
        if runs and runs[-1][0] == key:
            runs[-1][1] += 1
        else:
            runs.append([key, 1])
    return paginate_runs(place_id, runs)


def paginate_runs(place_id: str, days: list) -> list[Page]:
    """The pages of a place's quotes given as runs ``(day, count)`` of consecutive quotes,
    oldest first (``day``: ``period(published)`` of their articles; consecutive runs of one
    day may be given apart or merged), oldest first.

    Fewer than ``2 * PER_PAGE`` quotes: one page. Else the calendar cuts them: a year is one
    page unless it has ``2 * PER_PAGE`` quotes or more, then each of its months is, a busy month
    likewise by day, and only a busy day (or the undated quotes) is cut into parts of
    ``PER_PAGE`` from its oldest (the newest part holding the rest). So every page boundary but
    those inside one day is a date, and a quote added to an older day changes the pages of that
    day alone (and those whose navigation names a page that appeared or went). The newest page
    is ``<name>.html`` (what the map links to), the others ``<name>_p<period>.html`` or
    ``<name>_p<day|undated>-<part>.html``: never another place's page, as ``escaped_name``
    writes ``_`` only before two hex digits and the long form never has one. A change of this
    cutting changes ``geomap._names.PAGINATION`` (the next refresh then renders every page)."""
    stem = place_page_name(place_id)
    pages: list[Page] = []
    merged: list[tuple[str, int, int]] = []     # (day, lo, hi) in quote positions
    pos = 0
    for key, count in days:
        if merged and merged[-1][0] == key:
            merged[-1] = (key, merged[-1][1], pos + count)
        elif count:
            merged.append((key, pos, pos + count))
        pos += count

    def add(lo: int, hi: int, key: str, cut: bool) -> None:
        name = key or "undated"
        parts = max(1, (hi - lo) // PER_PAGE) if cut else 1
        for k in range(parts):
            end = hi if k == parts - 1 else lo + (k + 1) * PER_PAGE
            pages.append(Page(key, k + 1, parts, lo + k * PER_PAGE, end,
                               f"{stem}_p{name}-{k + 1}.html" if cut else f"{stem}_p{name}.html"))

    def cut(runs: list[tuple[str, int, int]], level: int) -> None:
        """Pages of ``runs`` (one period of the level above), by the level's periods."""
        width = _WIDTHS[level]
        if level == len(_WIDTHS) - 1 and short:     # days: each merged run is one day
            for key, lo, hi in runs:
                if hi - lo < 2 * PER_PAGE:
                    pages.append(Page(key, 1, 1, lo, hi, f"{stem}_p{key}.html"))
                else:
                    add(lo, hi, key, True)
            return
        i = 0
        while i < len(runs):            # runs of quotes whose articles' dates share the period
            key = runs[i][0][:width]
            j = i
            while j < len(runs) and runs[j][0][:width] == key:
                j += 1
            lo, hi = runs[i][1], runs[j - 1][2]
            if hi - lo < 2 * PER_PAGE:
                add(lo, hi, key, False)
            elif key and level + 1 < len(_WIDTHS):
                cut(runs[i:j], level + 1)
            else:                       # a busy day, or the undated quotes
                add(lo, hi, key, True)
            i = j

    short = all(len(key) <= _WIDTHS[-1] for key, _lo, _hi in merged)
    if pos < 2 * PER_PAGE:
        add(0, pos, "", False)
    else:
        cut(merged, 0)
    pages[-1] = pages[-1]._replace(file=f"{stem}.html")
    return pages


_WIDTHS = (4, 7, 10)        # a date's year, month and day
_PERIOD = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")


@lru_cache(maxsize=65536)
def period(published: str | None) -> str:
    """The day (``YYYY-MM-DD``) of an article's date, its month when it names no day, and ""
    (undated) for anything else, so a page's file name never carries other characters."""
    found = _PERIOD.match(published) if published else None
    return found.group() if found else ""


def nav_links(pages: list[Page], k: int) -> tuple[tuple[str, str, str], ...]:
    """(label, file, rel) of page ``k``'s navigation, the current page with file "": newer,
    the newest, a window of months around it, the oldest, older. A page's links depend only on
    its neighbours, so a new page changes the navigation of the few pages near it."""
    if len(pages) == 1:
        return ()
    last = len(pages) - 1

    def link(j: int, label: str, rel: str = "") -> tuple[str, str, str]:
        return (label, "" if j == k else pages[j].file, rel)

    window = range(max(0, k - _WINDOW), min(len(pages), k + _WINDOW + 1))
    links = []
    if k < last:
        links.append(link(k + 1, "\u2039 newer", "prev"))
    if window[-1] < last:
        links.append(link(last, "newest"))
    links += [link(j, pages[j].label) for j in reversed(window)]
    if window[0] > 0:
        links.append(link(0, "oldest"))
    if k > 0:
        links.append(link(k - 1, "older \u203a", "next"))
    return tuple(links)


def changed_pages(pages: list[Page], old_pages: list[Page], inserted: list[int]) -> list[int]:
    """The indexes of ``pages`` (after new quotes at positions ``inserted``) that differ from
    every page of ``old_pages`` (before them) in file name, heading, navigation or quotes, in
    one pass: page ``k`` is current when it is not the newest, an older page ``j`` had its file
    name, label and quotes (its range less the new quotes before it, none inside) and the pages
    its navigation names (``nav_links``: two either side, the newest, the oldest) are those of
    ``j``'s. A place paginated by day has hundreds of pages, of which a +10 changes a few."""
    last, old_last = len(pages) - 1, len(old_pages) - 1
    if old_last < 1:                    # the old newest page alone: no page was current
        return list(range(len(pages)))
    where = {page.file: j for j, page in enumerate(old_pages)}
    at = [where.get(page.file) for page in pages]
    # shift[n]: old index - new index of page n when its file and label are an old page's
    shift = [None if j is None or old_pages[j].label != page.label else j - n
             for n, (page, j) in enumerate(zip(pages, at))]
    breaks = [0]                        # breaks[n]: pages m < n whose shift differs from m+1's
    for n in range(last):
        breaks.append(breaks[-1] + (shift[n] is None or shift[n] != shift[n + 1]))
    breaks.append(breaks[-1])
    first = pages[0].file == old_pages[0].file
    out = []
    for k, page in enumerate(pages):
        off = shift[k]
        if k == last or off is None or k + off == old_last:
            out.append(k)
            continue
        j = k + off
        lo, hi = max(0, k - _WINDOW), min(last, k + _WINDOW)
        before = bisect.bisect_left(inserted, page.lo)      # new quotes before the page
        old = old_pages[j]
        if (before < len(inserted) and inserted[before] < page.hi
                or old.lo != page.lo - before or old.hi != page.hi - before
                or (k - _WINDOW > 0) != (j - _WINDOW > 0) or (k - _WINDOW > 0 and not first)
                or (k + _WINDOW < last) != (j + _WINDOW < old_last)
                or min(k, _WINDOW) != min(j, _WINDOW)
                or min(last - k, _WINDOW) != min(old_last - j, _WINDOW)
                or breaks[hi] - breaks[lo] or shift[lo] is None or shift[hi] is None):
            out.append(k)
    return out


def published_runs(groups: list) -> list[list]:
    """``[published or "", count]`` runs of quotes ``groups`` (oldest first): what
    ``render_changed_pages`` is given of a place's quotes instead of the quotes."""
    runs: list[list] = []
    for published in (g.article.published or "" for g in groups):
        if runs and runs[-1][0] == published:
            runs[-1][1] += 1
        else:
            runs.append([published, 1])
    return runs
