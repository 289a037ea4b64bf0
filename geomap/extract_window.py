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

A run holding a natural feature's word (``River``, ``Lake``, ``Gulf``...) is not streamed: its
features are judged against the run's multi-word matches, so its matches are still collected whole
(:func:`streamable`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from geomap import traps
from geomap.extract_rules import outside, streets
from geomap.spanlist import CANDIDATES
from geomap.tokens import Match, Token
from geomap.wordlists import FEATURE_OF, FEATURE_PREFIXES, FEATURE_SUFFIXES, STREET_WORDS

if TYPE_CHECKING:
    from geomap.extract import ArticleState, Extractor

_FEATURE_WORDS = FEATURE_SUFFIXES | FEATURE_PREFIXES | FEATURE_OF
_NONE_BEFORE = Match(-1, -1, "", [])           # stands before the run's first match: ends at no token


def streamable(run: list[Token]) -> bool:
    """Whether the run's matches can be judged window by window: no token of it may start or end a
    natural feature (those are decided against the run's multi-word matches)."""
    return not any(tok.lower in _FEATURE_WORDS for tok in run)


class LongRun:
    """Judges the matches of one long run as they are found, window after window (see the module
    docstring); :meth:`feed` each window's matches in order, then :meth:`close`."""

    __slots__ = ("extractor", "state", "run", "named", "held", "opened", "after_place")

    def __init__(self, extractor: "Extractor", state: "ArticleState", run: list[Token]):
        text, kept = state.text, state.kept
        self.extractor, self.state, self.run = extractor, state, run
        self.named = streets(text, run) if len(run) > 1 or run[0].lower in STREET_WORDS else []
        for s in self.named:
            state.keep(s)
        self.after_place = bool(kept) and not self.named and text[kept.ends[-1]:run[0].start] in traps.LIST_GAPS \
            and bool(kept.record(-1)[CANDIDATES])
        self.held: list[Match] = []            # [match before (judged), matches still to judge...]
        self.opened = False                    # whether the first match (or the run's end) was met
        state.start_run(run, [])

    def feed(self, matches: list[Match]) -> None:
        """The next window's matches (sorted, after the previous window's)."""
        if self.named:
            matches = outside(matches, self.run, self.named)
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

    def _open(self, first: Match | None) -> None:
        """The start of the run, as :meth:`Extractor._read_run` reads it when no street is in it."""
        self.opened = True
        if self.named:
            return
        state, run, text = self.state, self.run, self.state.text
        k = first.i if first is not None else len(run)
        k = next((x for x in range(1, min(k + 1, len(run))) if run[x].joint == "connector"
                  and text[run[x].start - 1] == " "), k if first is None else 0)
        if k and (span := self.extractor._unplaced(text, run[:k], state.lowercase_words,
                                                   self.after_place)) is not None:
            state.keep(span)

    def _judge(self, stop: int) -> None:
        """Judge ``held[1:stop]`` (each with its neighbours in view), keep ``held[stop - 1:]``."""
        state, held, judge = self.state, self.held, self.extractor._judge
        state.matches = held
        for t in range(1, stop):
            state.index = t
            match = held[t]
            span = judge(state, match)
            if span is not None:
                state.keep(span, match.j - match.i == 1)
        self.held = held[stop - 1:]
