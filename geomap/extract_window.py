"""A run of capitalised words too long to judge whole, read window by window (issue 9).

:meth:`geomap.extract.Extractor.spans` matches a run longer than ``WINDOW_TOKENS`` tokens a window
at a time. Judging its matches used to wait for the whole run (every match of a 20 MB
``Poltava Poltava ...`` article, ~100 bytes each, held at once). :class:`LongRun` judges them as
the windows come instead, with the same result as judging the whole run:

- the run's streets are known before any match (:func:`~geomap.extract_rules.streets` reads only
  the tokens), and :func:`~geomap.extract_rules.outside` filters each match on its own;
- a match is judged once the next match is known (:meth:`ArticleState.match_after`), the match
  before it is kept for :meth:`ArticleState.match_before`; the run itself (its tokens) stays whole,
  so every context test and a person's name running on (:meth:`ArticleState.mark_person`) see what
  they saw before;
- the name the gazetteer lacks at the run's start (``near Robotyne``) is decided at the first match
  (or at the run's end), as :meth:`Extractor._read_run` decides it from the run's first match.

A run holding a natural feature's word (``River``, ``Lake``, ``Gulf``...) has its features judged
against the run's multi-word matches (:func:`~geomap.extract_rules.features`). A run cut into
windows while its tokens are all held (a list) is judged window by window only without such a word
(:func:`streamable`); a :class:`RunStream` decides its features as the windows come
(:meth:`LongRun.feed_stream`: a feature needs its word's neighbours and the multi-word matches
starting before its end; a match waits until no feature still to decide may overlap it).
"""
from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Callable

from geomap import traps
from geomap.extract_rules import feature_at, feature_span, outside, street_at, streets
from geomap.spanlist import CANDIDATES
from geomap.tokens import Match, Span, Token, joint_between
from geomap.wordlists import FEATURE_WORD, STREET

if TYPE_CHECKING:
    from geomap.extract import ArticleState, Extractor

_NONE_BEFORE = Match(-1, -1, "", [])           # stands before the run's first match: ends at no token
_PERSON_JOINTS = ("space", "dot", "hyphen")


def streamable(run: list[Token]) -> bool:
    """Whether the run's matches can be judged window by window: no token of it may start or end a
    natural feature (those are decided against the run's multi-word matches)."""
    return not any(tok.flags & FEATURE_WORD for tok in run)   # (Token.flags: wordlists.word_flags)


class RunStream(list):
    """One long run whose tokens are read a window at a time (issue 9). A list of the run's tokens
    read so far (indexes are the run's: ``len()`` is how many were read, the run's length once it has
    :attr:`ended`), in which the tokens before the last :meth:`drop` are ``None`` (8 bytes each
    instead of a ~165-byte token; the run's first four stay). The extractor reads far enough ahead
    that every test of a match sees the tokens it saw in the whole run; the two that walk forward
    without bound go on reading (:meth:`read_more`: a newspaper's words) or are closed as the
    tokens come (a person's name: :meth:`ArticleState.mark_person`). Streets are found as the
    tokens are read (:func:`~geomap.extract_rules.street_at`)."""

    __slots__ = ("text", "base", "source", "ended", "after", "first_connector",
                 "streets", "street_end", "any_street", "on_street", "person")

    def __init__(self, text: str, head: list[Token], source: Iterator[Token]):
        super().__init__(head)
        self.text, self.base, self.source = text, 0, source
        self.ended = False
        self.after: Token | None = None        # the token after the run (the next run's first)
        self.first_connector: int | None = None   # the first token joined by a spaced connector
        self.streets: list[Span] = []          # streets found and not yet passed by the matches
        self.street_end = -1
        self.any_street = False
        self.on_street: Callable[[Span], None] | None = None
        self.person = None                     # (state, normalize) while a person's name is open
        for k in range(1, len(head)):
            self._note(k, head[k])

    def _note(self, k: int, tok: Token) -> None:
        if self.first_connector is None and tok.joint == "connector" and self.text[tok.start - 1] == " ":
            self.first_connector = k
        if tok.flags & STREET and (s := street_at(self.text, self, k, self.street_end)) is not None:
            self.streets.append(s)
            self.street_end, self.any_street = s.end, True
            if self.on_street is not None:
                self.on_street(s)
        if self.person is not None and tok.joint not in _PERSON_JOINTS:
            self.close_person(k)

    def find_streets(self, on_street: Callable[[Span], None]) -> None:
        """Report the streets found so far, and from now on each as it is read."""
        for s in self.streets:
            on_street(s)
        self.on_street = on_street

    def close_person(self, k: int) -> None:
        """The open person's name ends before token ``k``."""
        state, normalize = self.person
        self.person = None
        state.person = (state.person[0], k)
        state.persons.add(normalize(self[k - 1].text))

    def read(self, upto: int) -> None:
        """Read tokens until token ``upto - 1`` is held or the run has ended."""
        text, source, append = self.text, self.source, self.append
        prev = self[-1]
        while not self.ended and len(self) < upto:
            tok = next(source, None)
            if tok is None:
                self._end(None)
                break
            joint = "space" if tok.start == prev.end + 1 and text[prev.end] == " " else joint_between(text, prev, tok)
            if not joint:
                self._end(tok)
                break
            tok.joint = joint
            append(tok)
            if tok.flags & STREET or self.person is not None \
                    or (joint == "connector" and self.first_connector is None):
                self._note(len(self) - 1, tok)   # (what _note does for any other token: nothing)
            prev = tok

    def read_more(self) -> bool:
        """Read one more token; False when the run has ended."""
        n = len(self)
        self.read(n + 1)
        return len(self) > n

    def _end(self, after: Token | None) -> None:
        self.ended, self.after = True, after
        if self.person is not None:
            self.close_person(len(self))

    def drop(self, below: int) -> None:
        """Forget the tokens before token ``below`` (the run's first four stay)."""
        start = max(self.base, 4)
        if below > start:
            self[start:below] = repeat(None, below - start)
            self.base = below


def runs_or_streams(text: str, tokens: Iterable[Token], size: int
                    ) -> Iterator[list[Token] | RunStream]:
    """:func:`geomap.tokens.iter_runs`, except that a run reaching ``size + 1`` tokens comes as a
    :class:`RunStream` (read it to its end before asking
    for the next run)."""
    tokens = iter(tokens)
    current: list[Token] = []
    tok = next(tokens, None)
    while tok is not None:
        if not current:
            joint = ""
        elif tok.start == current[-1].end + 1 and text[tok.start - 1] == " ":
            joint = "space"
        else:
            joint = joint_between(text, current[-1], tok)
        if joint:
            tok.joint = joint
            current.append(tok)
            if len(current) > size:
                stream = RunStream(text, current, tokens)
                yield stream
                stream.read(sys.maxsize)       # (read to its end already)
                current, tok = [], stream.after
                continue
        else:
            if current:
                yield current
            current = [tok]
        tok = next(tokens, None)
    if current:
        yield current


class LongRun:
    """Judges the matches of one long run as they are found, window after window (see the module
    docstring); :meth:`feed` each window's matches in order, then :meth:`close`."""

    __slots__ = ("extractor", "state", "run", "named", "held", "opened", "after_place", "stream", "provisional",
                 "unfiltered", "whole", "feature_k", "feature_end", "any_feature")

    def __init__(self, extractor: "Extractor", state: "ArticleState", run: "list[Token] | RunStream"):
        text, kept = state.text, state.kept
        self.extractor, self.state, self.run = extractor, state, run
        self.stream = isinstance(run, RunStream)
        self.provisional: int | None = None    # where the start's unplaced name was kept (streams)
        if self.stream:                        # streets come as the tokens are read
            self.after_place = bool(kept) and text[kept.ends[-1]:run[0].start] in traps.LIST_GAPS \
                and bool(kept.record(-1)[CANDIDATES])
            self.named = run.streets
            run.find_streets(state.keep)
        else:
            self.named = streets(text, run) if len(run) > 1 or run[0].flags & STREET else []
            for s in self.named:
                state.keep(s)
            self.after_place = bool(kept) and not self.named and text[kept.ends[-1]:run[0].start] in traps.LIST_GAPS \
                and bool(kept.record(-1)[CANDIDATES])
        self.held: list[Match] = []            # [match before (judged), matches still to judge...]
        # A stream's natural features (extract_rules.features), decided as the windows come:
        self.unfiltered: list[Match] = []      # matches a feature still to decide may overlap
        self.whole: deque[tuple[int, int]] = deque()   # multi-word matches (i, j) features may overlap
        self.feature_k = 0                     # the first token not yet tried as a feature's word
        self.feature_end = -1                  # where the last feature ended
        self.any_feature = False
        self.opened = False                    # whether the first match (or the run's end) was met
        state.start_run(run, [])

    def feed_stream(self, matches: list[Match], hi: int, last: bool) -> None:
        """A stream's window ending before token ``hi`` (its matches: every match starting before
        ``hi``, sorted), ``last`` when it ends the run: the natural features those matches decide
        are kept, then :meth:`feed` is given the matches no feature still to decide may overlap."""
        for m in matches:
            if m.j - m.i > 1:
                self.whole.append((m.i, m.j))
        self._features(len(self.run) if last else hi - 1)
        pending = self.unfiltered + matches if self.unfiltered else matches
        if last:
            ready, self.unfiltered = pending, []
        else:                                  # a feature from token feature_k on starts at feature_k - 1 or later
            bound, x = self.feature_k - 1, len(pending)
            while x and pending[x - 1].j > bound:   # (from the end: the matches' ends increase, and
                x -= 1                              # all but the last few are before the bound)
            ready, self.unfiltered = (pending, []) if x == len(pending) else (pending[:x], pending[x:])
        self.feed(ready)

    def _features(self, stop: int) -> None:
        """Try tokens ``feature_k:stop`` as a feature's word, as :func:`~geomap.extract_rules.features`
        does over the whole run: every multi-word match starting before ``stop + 1`` is known."""
        run, text, whole, state = self.run, self.state.text, self.whole, self.state
        for k in range(self.feature_k, stop):
            if not run[k].flags & FEATURE_WORD or (found := feature_at(text, run, k)) is None:
                continue
            i, j = found
            while whole and whole[0][1] <= i:
                whole.popleft()
            if (whole and whole[0][0] < j) or run[i].start < self.feature_end:
                continue                       # a longer gazetteer name ("Black Sea Fleet") wins
            span = feature_span(text, run, i, j)
            self.named.append(span)
            state.keep(span)
            self.feature_end, self.any_feature = span.end, True
        self.feature_k = max(self.feature_k, stop)

    def feed(self, matches: list[Match]) -> None:
        """The next window's matches (sorted, after the previous window's)."""
        if self.named:
            last = matches[-1] if matches else None
            matches = outside(matches, self.run, self.named)
            if self.stream and last is not None:   # streets the next matches cannot reach: forgotten
                start = self.run[last.i].start
                self.named[:] = [s for s in self.named if s.end > start]
        if not matches:
            return
        if not self.opened:
            self._open(matches[0])
            self.held = [_NONE_BEFORE, *matches]
        else:
            self.held += matches
        self._judge(len(self.held) - 1)

    def close(self) -> None:
        """The run has ended: judge the last match, or decide the start's unplaced name."""
        if not self.opened:
            self._open(None)
        elif len(self.held) > 1:
            self._judge(len(self.held))
        self.held = []
        if self.provisional is not None and (self.run.any_street or self.any_feature):
            self.state.kept_drop(self.provisional)   # a street in the run: no unplaced name at its start

    def first_needed(self) -> int:
        """The first token of the run a match still to judge may read (its token before), or a
        feature still to decide."""
        first = self.held[1].i - 1 if len(self.held) > 1 else sys.maxsize
        if self.unfiltered:
            first = min(first, self.unfiltered[0].i - 1)
        return min(first, self.feature_k - 1) if self.stream else first

    def _open(self, first: Match | None) -> None:
        """The start of the run, as :meth:`Extractor._read_run` reads it when no street is in it
        (a stream's streets are not all known yet: the name is kept, and dropped at the end if
        the run held a street)."""
        self.opened = True
        if self.stream:
            self._open_stream(first)
            return
        if self.named:
            return
        state, run, text = self.state, self.run, self.state.text
        k = first.i if first is not None else len(run)
        k = next((x for x in range(1, min(k + 1, len(run))) if run[x].joint == "connector"
                  and text[run[x].start - 1] == " "), k if first is None else 0)
        if k and (span := self.extractor._unplaced(text, run[:k], state.lowercase_words,
                                                   self.after_place)) is not None:
            state.keep(span)

    def _open_stream(self, first: Match | None) -> None:
        run, state = self.run, self.state
        if run.any_street or self.any_feature:
            return
        k = first.i if first is not None else len(run)
        x = run.first_connector
        k = x if x is not None and x < min(k + 1, len(run)) else (k if first is None else 0)
        if 0 < k <= 3 and (span := self.extractor._unplaced(state.text, run[:k], state.lowercase_words,
                                                            self.after_place)) is not None:
            self.provisional = len(state.kept)
            state.keep(span)

    def _judge(self, stop: int) -> None:
        """Judge ``held[1:stop]`` (each with its neighbours in view), keep ``held[stop - 1:]``."""
        state, held, judge = self.state, self.held, self.extractor.judge
        state.matches = held
        for t in range(1, stop):
            state.index = t
            judge(state, held[t])
        self.held = held[stop - 1:]
