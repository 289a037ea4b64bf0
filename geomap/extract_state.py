"""What the extractor learns while it reads one article (:class:`ArticleState`): the text, its
lowercase words, the persons' surnames, the spans kept so far and where the reading stands in the
run being judged. :mod:`geomap.extract` fills it; :mod:`geomap.extract_judge` and
:mod:`geomap.extract_window` read and mark it.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import islice
from operator import le

from geomap import traps
from geomap.extract_memo import MIN_TEXT, JudgeMemo, MediaWalk
from geomap.extract_window import RunStream
from geomap.spanlist import KEY, SpanList
from geomap.tokens import LowercaseWords, Match, Span, Token

__all__ = ["ArticleState"]


class ArticleState:
    """What the extractor learns while it reads one article: the text, its lowercase words, the
    persons' surnames seen so far, the spans kept, and where it is (the run, its matches, the match
    being judged and the token range of a person's name found in the run)."""

    __slots__ = ("text", "lowercase_words", "persons", "kept", "single", "run", "matches", "index", "person", "names",
                 "marks", "memo", "media", "_before", "_after")

    def __init__(self, text: str):
        self.text = text
        self.lowercase_words = LowercaseWords(text)
        self.persons: set[str] = set()
        self.kept = SpanList()                      # compact: a huge article keeps millions
        self.single = bytearray()                   # per kept span: 1 for a one-token match (a byte, not a tuple)
        self.run: list[Token] = []
        self.matches: list[Match] = []
        self.index = 0                              # of the match being judged in ``matches``
        self.person: tuple[int, int] | None = None  # tokens [i, k) of the run: a person's name
        self.names: dict[str, str] = {}             # one string per distinct span text
        self._before = (-1, "")                     # the last word_before asked for: (start, word)
        self._after = (-1, "")                      # the last word_after asked for: (end, word)
        self.marks = 0                              # persons' names marked so far (mark_person)
        self.memo = JudgeMemo() if len(text) >= MIN_TEXT else None   # judgements by context
        self.media = MediaWalk()                    # media_after, its walk carried over

    def word_before(self, start: int) -> str:
        """``traps.word_before(text, start)``, remembered for the last ``start`` asked for (a match's
        tests ask for it more than once)."""
        if self._before[0] != start:
            self._before = (start, traps.word_before(self.text, start))
        return self._before[1]

    def word_after(self, end: int) -> str:
        """``traps.word_after(text, end)`` (hyphens included), remembered like :meth:`word_before`."""
        if self._after[0] != end:
            self._after = (end, traps.word_after(self.text, end))
        return self._after[1]

    def shared(self, name: str) -> str:
        """``name``, as the one string every span of the article written the same way shares."""
        return self.names.setdefault(name, name)

    def keep(self, span: Span, single: bool = False) -> None:
        self.kept.append(span)
        self.single.append(single)

    def start_run(self, run: list[Token], matches: list[Match]) -> None:
        self.run, self.matches, self.index, self.person = run, matches, 0, None
        self.media.run = None

    def media_after(self, j: int) -> bool:
        """``extract_rules.media_after(run, j)`` for the run being read: a newspaper word among
        the words continuing the name from token ``j`` (one walk however many matches ask)."""
        return self.media(self.run, j)

    def match_before(self, m: Match) -> Match | None:
        """The match of the run that ends right where ``m`` starts (it holds token ``m.i - 1``)."""
        t = self.index
        return self.matches[t - 1] if t and self.matches[t - 1].j == m.i else None

    def match_after(self, m: Match) -> Match | None:
        """The match of the run that starts right where ``m`` ends (it holds token ``m.j``)."""
        t = self.index + 1
        return self.matches[t] if t < len(self.matches) and self.matches[t].i == m.j else None

    def in_person(self, i: int) -> bool:
        person = self.person
        return person is not None and person[0] <= i and (person[1] is None or i < person[1])

    def mark_person(self, i: int, normalize) -> None:
        """Record that the run's tokens from ``i`` up to the next connector are a person's name, and
        remember the surname so that it is not taken for a place when it comes back alone. In a
        streamed run (:class:`~geomap.extract_window.RunStream`) the name may go on past the tokens
        read: it stays open (``person[1]`` None) and the stream closes it where it ends."""
        run = self.run
        k = i + 1
        self.marks += 1
        if isinstance(run, RunStream):
            n = len(run)
            while k < n and run[k].joint in ("space", "dot", "hyphen"):
                k += 1
            if k == n and not run.ended:
                self.person = (i, None)
                run.person = (self, normalize)
                return
            self.person = (i, k)
        else:
            while k < len(run) and run[k].joint in ("space", "dot", "hyphen"):
                k += 1
            self.person = (i, k)
        self.persons.add(normalize(run[k - 1].text))

    def kept_drop(self, k: int) -> None:
        """Forget kept span ``k`` (a streamed run's provisional name at its start)."""
        kept = self.kept
        del kept.starts[k], kept.ends[k], kept.which[k], self.single[k]

    def spans(self, pinned: frozenset[str]) -> SpanList:
        """The spans kept, sorted and without overlaps: a surname of a person named in the article
        is not a place when it comes back alone."""
        kept, single = self.kept, self.single
        starts, ends = kept.starts, kept.ends
        order: Iterable[int] = range(len(starts))
        persons = self.persons
        # (the pairwise tests in C: a 20 MB article keeps millions of spans)
        if not all(map(le, starts, islice(starts, 1, None))):   # (rarely: a street before its run's names)
            order = sorted(order, key=starts.__getitem__)       # stable, like list.sort
        elif not persons and all(map(le, ends, islice(starts, 1, None))):
            return kept                        # sorted, no overlap, no surname to drop: all of them
        chosen = array("q")
        last_end = -1
        which, records = kept.which, kept.records
        for k in order:
            if persons and single[k] and (key := records[which[k]][KEY]) in persons and key not in pinned:
                continue
            if starts[k] < last_end:
                continue                       # an "X region" extension reaching the next name
            chosen.append(k)
            last_end = ends[k]
        if len(chosen) == len(starts) and isinstance(order, range):
            return kept
        return kept.select(chosen)
