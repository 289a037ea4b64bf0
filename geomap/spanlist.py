"""Compact span storage for huge articles (issue 9).

A 20 MB article holds millions of spans, almost all of them repeats of a few names. A
:class:`SpanList` keeps each span as its offsets in two arrays plus the index of a shared
*record* (every other field of :class:`~geomap.tokens.Span`: text, key, candidates, flags,
reasons), one record per distinct combination: ~20 bytes a span instead of a ~200-byte object.
A :class:`Span` is made again only when one is asked for (``spans[k]``, iteration), equal field by
field to the one stored. :class:`Occurrences` is one resolver group's spans: indexes into a
``SpanList`` (4 bytes each) plus the group's distinct records.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from geomap.tokens import Span

__all__ = ["Occurrences", "SpanList"]

# Positions in a record tuple (the fields of Span after start and end, in order).
TEXT, KEY, CANDIDATES, ADMIN_HINT, DATELINE, DEMONYM, REASONS, STREET, GENERIC, UNPLACED, PLACE_LIKE = range(11)


class SpanList:
    """Spans in arrays (``starts``, ``ends``, ``which``: the record of each) and shared records.
    Behaves as a read-only sequence of :class:`Span` (each made when asked for) that can be
    appended to; records are shared by identity of the candidates list (every empty one is alike:
    candidates are never changed once a span holds them) and equality of the rest."""

    __slots__ = ("starts", "ends", "which", "records", "_ids")

    def __init__(self, spans: Iterable[Span] = ()):
        self.starts = array("q")
        self.ends = array("q")
        self.which = array("I")
        self.records: list[tuple] = []
        self._ids: dict[tuple, int] = {}
        for s in spans:
            self.append(s)

    @classmethod
    def of(cls, spans: Iterable[Span]) -> "SpanList":
        """``spans`` as a SpanList (itself when it is one already)."""
        return spans if isinstance(spans, SpanList) else cls(spans)

    def append(self, span: Span) -> None:
        """Store ``span`` (its record shared with an earlier span of the same fields)."""
        reasons, cands = span.reasons, span.candidates
        ident = (span.text, span.key, id(cands) if cands else 0, span.admin_hint, span.dateline, span.demonym,
                 reasons if type(reasons) is tuple else tuple(reasons), span.street, span.generic,
                 span.unplaced, span.place_like)
        k = self._ids.get(ident)
        if k is None:
            k = self._ids[ident] = len(self.records)
            self.records.append((span.text, span.key, span.candidates, span.admin_hint, span.dateline,
                                 span.demonym, reasons, span.street, span.generic, span.unplaced,
                                 span.place_like))
        self.starts.append(span.start)
        self.ends.append(span.end)
        self.which.append(k)

    def select(self, indexes: Iterable[int]) -> "SpanList":
        """The spans at ``indexes``, in that order, as a new list sharing this one's records."""
        out = SpanList()
        out.records, out._ids = self.records, self._ids
        starts, ends, which = self.starts, self.ends, self.which
        for k in indexes:
            out.starts.append(starts[k])
            out.ends.append(ends[k])
            out.which.append(which[k])
        return out

    def record(self, k: int) -> tuple:
        """Span ``k``'s record (``TEXT``, ``KEY``, ``CANDIDATES``... index it)."""
        return self.records[self.which[k]]

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, k: int | slice) -> Span | list[Span]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return Span(self.starts[k], self.ends[k], *self.records[self.which[k]])

    def __iter__(self) -> Iterator[Span]:
        records = self.records
        for start, end, w in zip(self.starts, self.ends, self.which):
            yield Span(start, end, *records[w])

    def __repr__(self) -> str:
        return f"SpanList({len(self)} spans, {len(self.records)} records)"


class Occurrences:
    """One group's spans: indexes into a :class:`SpanList`, in text order, with the group's distinct
    records (what a rule about the name's writing, not its place in the text, needs to read)."""

    __slots__ = ("spans", "index", "_records")

    def __init__(self, spans: SpanList, index: Iterable[int] = ()):
        self.spans = spans
        self.index = array("I")
        self._records: list[int] | None = None   # distinct record numbers; None: one (or no span)
        for k in index:
            self.append(k)

    @classmethod
    def of_index(cls, spans: SpanList, index: array) -> "Occurrences":
        """The spans at ``index`` (ascending; the array is kept, not copied)."""
        out = cls(spans)
        out.index = index
        if index:
            distinct = list(dict.fromkeys(map(spans.which.__getitem__, index)))
            out._records = distinct if len(distinct) > 1 else None
        return out

    def append(self, k: int) -> None:
        """Add span ``k`` of the list (after every span already held)."""
        index, which = self.index, self.spans.which
        if index:
            w = which[k]
            if self._records is None:
                if w != which[index[0]]:
                    self._records = [which[index[0]], w]
            elif w not in self._records:
                self._records.append(w)
        index.append(k)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> Span:
        return self.spans[self.index[i]]

    def __iter__(self) -> Iterator[Span]:
        spans = self.spans
        return (spans[k] for k in self.index)

    def distinct(self) -> list[Span]:
        """One span per distinct record (at its first occurrence): enough for any test of a
        span's fields other than its offsets."""
        spans, first = self.spans, {}
        if self._records is None:
            return [spans[self.index[0]]] if self.index else []
        for k in self.index:
            w = spans.which[k]
            if w not in first:
                first[w] = k
                if len(first) == len(self._records):
                    break
        return [spans[k] for k in first.values()]

    def bounds(self) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each span, in text order."""
        starts, ends = self.spans.starts, self.spans.ends
        return ((starts[k], ends[k]) for k in self.index)
