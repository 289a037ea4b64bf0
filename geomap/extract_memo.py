"""The judgement of a gazetteer match remembered on the bounded context it reads (issue 9).

:meth:`geomap.extract.Extractor._judge` decides a match from a bounded neighbourhood only: the
characters from ``BEFORE`` before the match to ``AFTER`` after it (every text test reads at most
~65 characters on either side; a word running past that is longer than any word a rule compares
with), the run's tokens from the one before the match to the one after it, whether the run starts
or ends there, the keys of the matches right before and after it, whether the match is inside a
person's name already read, and :func:`media_after`, the one test that walks forward without bound.
:class:`JudgeMemo` keys a decision on exactly that (:meth:`JudgeMemo.key`), so a match whose
context was seen before in the article is decided by one ``dict`` lookup: a 20 MB
``Poltava Poltava ...`` run or ``Paris, Texas`` said a million times is judged a handful of times.

The memo lives for one article (the article's lowercase words are part of every decision), holds
at most ``LIMIT`` contexts, is used only on articles of ``MIN_TEXT`` characters or more (a short
article seldom repeats a context: building the key would be pure cost) and switches itself off when
fewer than half of its first ``TRIAL`` lookups were hits (news-like text whose contexts all
differ). A judgement that marked a person's name (a side effect on what follows) is never stored.

:class:`MediaWalk` is :func:`~geomap.extract_rules.media_after` with its walk carried over: the walk
from token ``j`` stops at the same token, with the same answer, as a walk from any earlier token
that passed ``j``, so ``Union City Union City ...`` is walked once instead of once per match
(quadratic before: 256 KB of it took 100 s).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from geomap.wordlists import INSTITUTION_WORD, MEDIA_WORD

if TYPE_CHECKING:
    from geomap.extract import ArticleState
    from geomap.tokens import Match

BEFORE = 48            # characters of context before a match (the rules read at most ~25)
AFTER = 96             # ... and after it (the rules read at most ~65)
LIMIT = 4096           # contexts remembered per article before starting afresh
MIN_TEXT = 32_768      # shorter articles are judged without the memo
TRIAL = 2048           # lookups after which a memo hitting less than half of them is switched off
_SPACED = ("space", "hyphen")
_MEDIA_OR_INSTITUTION = MEDIA_WORD | INSTITUTION_WORD


class MediaWalk:
    """``media_after(run, j)`` for the run being read, remembering the last walk: the tokens
    ``lo..hi`` it went through all give its answer."""

    __slots__ = ("run", "lo", "hi", "value")

    def __init__(self) -> None:
        self.run = None
        self.lo = self.hi = -1
        self.value = False

    def __call__(self, run, j: int) -> bool:
        """A newspaper word among the words that continue the name from token ``j``
        ("Atlanta Journal-Constitution"), as :func:`~geomap.extract_rules.media_after` says."""
        if run is self.run and self.lo <= j <= self.hi:
            return self.value
        lo = j
        more = getattr(run, "read_more", None)
        value = False
        while (j < len(run) or (more is not None and more())) and run[j].joint in _SPACED:
            flags = run[j].flags
            if flags & MEDIA_WORD:
                value = True
                break
            if not flags & INSTITUTION_WORD:
                break                          # "Gainesville VFW Post": a veterans' post
            j += 1
        self.run, self.lo, self.hi, self.value = run, lo, j, value
        return value


class JudgeMemo:
    """One article's judgements by context (see the module docstring): ``entries`` maps
    :meth:`key` to None (not a place) or ``(end - start, record)``: the span's length and its
    record in the article's :class:`~geomap.spanlist.SpanList`."""

    __slots__ = ("entries", "tries", "hits")

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[int, int] | None] = {}
        self.tries = 0
        self.hits = 0

    def key(self, state: "ArticleState", m: "Match") -> tuple | None:
        """Everything :meth:`Extractor._judge` reads about match ``m`` of ``state.run`` (the match
        being judged, ``state.index``), or None when a token it reads reaches out of the window."""
        run, text = state.run, state.text
        i, j = m.i, m.j
        n = len(run)
        # media_after: decided by the token after the name for most names (not spaced on, or neither
        # a newspaper's nor an institution's word) or by the run's end, else walked (first: in a
        # stream it may read on)
        if j < n and ((after_tok := run[j]).joint not in _SPACED or not after_tok.flags & _MEDIA_OR_INSTITUTION):
            media = False
        elif j < n and after_tok.flags & MEDIA_WORD:
            media = True
        elif j == n and type(run) is list:    # (the run's last name: nothing after it to walk)
            media = False
        else:
            walk = state.media
            media = walk.value if run is walk.run and walk.lo <= j <= walk.hi else walk(run, j)
            n = len(run)
        start = run[i].start
        end = run[j - 1].end
        lo = start - BEFORE if start > BEFORE else 0
        hi = end + AFTER
        toks = run[i - 1 if i else 0:j + 1 if j < n else j]
        if toks[0].start < lo or toks[-1].end > hi:
            return None
        matches, t = state.matches, state.index   # the matches right before and after (match_before/after)
        before = matches[t - 1].key if t and matches[t - 1].j == i else None
        after = matches[t + 1].key if t + 1 < len(matches) and matches[t + 1].i == j else None
        person = state.person
        in_person = person is not None and person[0] <= i and (person[1] is None or i < person[1])
        # Then each token's offsets from the match's start, joint, sentence start, dot after and
        # capitals, in one tuple: written out for the usual one to three tokens (a generator or a
        # second tuple per key costs more than the key's other parts together).
        size = len(toks)
        if size == 3:                          # a one-word match inside a run
            a, b, c = toks
            return (m.key, text[lo:hi], start - lo, n == 1, i if i < 2 else 2, j == n, before, after, in_person,
                    media,
                    a.start - start, a.end - start, a.joint, a.sentence_start, a.dot_after, a.upper,
                    b.start - start, b.end - start, b.joint, b.sentence_start, b.dot_after, b.upper,
                    c.start - start, c.end - start, c.joint, c.sentence_start, c.dot_after, c.upper)
        if size == 1:                          # a one-word run
            a = toks[0]
            return (m.key, text[lo:hi], start - lo, n == 1, i if i < 2 else 2, j == n, before, after, in_person,
                    media,
                    a.start - start, a.end - start, a.joint, a.sentence_start, a.dot_after, a.upper)
        if size == 2:                          # a one-word match at a run's start or end
            a, b = toks
            return (m.key, text[lo:hi], start - lo, n == 1, i if i < 2 else 2, j == n, before, after, in_person,
                    media,
                    a.start - start, a.end - start, a.joint, a.sentence_start, a.dot_after, a.upper,
                    b.start - start, b.end - start, b.joint, b.sentence_start, b.dot_after, b.upper)
        fields = [m.key, text[lo:hi], start - lo, n == 1, i if i < 2 else 2, j == n, before, after, in_person, media]
        for t in toks:
            fields += (t.start - start, t.end - start, t.joint, t.sentence_start, t.dot_after, t.upper)
        return tuple(fields)

    def remember(self, key: tuple, value: tuple[int, int] | None) -> None:
        """Store a judgement (starting afresh at ``LIMIT`` contexts)."""
        entries = self.entries
        if len(entries) >= LIMIT:
            entries.clear()
        entries[key] = value

    def worth_it(self) -> bool:
        """Count a lookup; False once the trial shows the article's contexts seldom repeat
        (:meth:`Judging.judge` makes this test inline)."""
        self.tries += 1
        return self.tries != TRIAL or 2 * self.hits >= TRIAL
