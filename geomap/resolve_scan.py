"""The spans next to a few words, found from the words (issue 9).

The resolver's text tests (a qualifier after ``Paris, ``, an appositive ``Georgia the country``,
a list ``Mexico, China and Japan``) each hold only where a span ends or starts at a comma or a
short phrase. A 20 MB article may hold millions of spans and far fewer such phrases (``Poltava
Poltava ...``): then these functions find the phrases with ``str.find`` (overlapping occurrences
too) and the spans at them by bisection in the :class:`~geomap.spanlist.SpanList` offset arrays
(ascending: spans never overlap), so the tests are made only for the spans they may hold for.
When the phrases are not much rarer than the spans (``Paris, Texas, and Athens, Ga.``), reading
every span costs less, and every span is given (the tests decide the same either way).
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence

SPARSE = 8          # the phrases are found first when spans outnumber them this many times


def positions(text: str, needle: str, shift: int = 0) -> Iterator[int]:
    """Every position where ``needle`` occurs in ``text`` (ascending, overlapping ones too),
    plus ``shift``."""
    find = text.find
    at = find(needle)
    while at >= 0:
        yield at + shift
        at = find(needle, at + 1)


def sparse(text: str, needles: Iterable[str], spans: int) -> bool:
    """Whether ``needles`` occur in ``text`` (counted without overlaps) ``SPARSE`` times fewer
    than there are ``spans``."""
    total = 0
    for needle in needles:
        total += text.count(needle)
        if total * SPARSE >= spans:
            return False
    return True


def at_offsets(offsets: Sequence[int], wanted: Iterable[int]) -> list[int]:
    """The indexes ``k`` (ascending, once each) where ``offsets[k]`` is one of ``wanted``;
    ``offsets`` is ascending (a SpanList's ``starts`` or ``ends``), ``wanted`` in any order."""
    n, found = len(offsets), set()
    for p in wanted:
        k = bisect_left(offsets, p)
        if k < n and offsets[k] == p:
            found.add(k)
    return sorted(found)


def next_to(text: str, starts: Sequence[int], ends: Sequence[int], after: Sequence[str] = (),
            before: Sequence[str] = ()) -> Sequence[int]:
    """Span indexes, ascending, holding every span ``k`` where ``text.startswith(a, ends[k])`` for
    some ``a`` of ``after`` or ``text[:starts[k]].endswith(b)`` for some ``b`` of ``before``: those
    spans only when the phrases are sparse (:func:`sparse`), else every span."""
    n = len(starts)
    if not sparse(text, (*after, *before), n):
        return range(n)
    found = at_offsets(ends, (p for a in after for p in positions(text, a)))
    if before:
        found = sorted({*found, *at_offsets(starts, (p for b in before for p in positions(text, b, len(b))))})
    return found


def listed(text: str, starts: Sequence[int], ends: Sequence[int], owner: Sequence[int], gaps: Sequence[str]
           ) -> Iterable[tuple[int, int, int]]:
    """``(start, end, owner[k])`` in text order for the spans that may be the items of a list
    (:func:`coherence.enumeration`; ``gaps``: :data:`coherence.LIST_GAPS`): when the gaps are
    sparse, only the spans a gap joins to the span before or after it (a span between two such
    items breaks their list as it did when every span was read: its text is in no gap), else
    every span."""
    openers = [g for g in gaps if not any(o != g and g.startswith(o) for o in gaps)]   # (", " for ", and ")
    ks = next_to(text, starts, ends, openers)
    if isinstance(ks, range):
        return zip(starts, ends, owner)
    return _linked(text, starts, ends, owner, gaps, ks)


def _linked(text, starts, ends, owner, gaps, ks) -> Iterator[tuple[int, int, int]]:
    n, last = len(starts), -1
    for k in ks:
        if k + 1 < n and text[ends[k]:starts[k + 1]] in gaps:
            if k != last:
                yield starts[k], ends[k], owner[k]
            yield starts[k + 1], ends[k + 1], owner[k + 1]
            last = k + 1
