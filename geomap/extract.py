"""Find the spans of an article that name places: gazetteer names over capitalised token runs.

The extractor never rewrites the text: every span is ``(start, end)`` into the text as given.

How a span is found, in order:

1. *Tokens*: only capitalised words (``Kherson``, ``U.S.``, ``O'Keeffe``) are tokens; a possessive
   ``'s`` is left out of the token, hyphens split words (``Nebraska-Lincoln``) but do not break a run.
2. *Runs*: neighbouring tokens joined by a space, a hyphen, a lowercase connector (``Sea of Azov``,
   ``Bosnia and Herzegovina``) or an abbreviation dot (``St. Louis``) form one run, the unit a
   proper name lives in. Runs never cross a line break or sentence punctuation.
3. *Longest match*: inside a run, the longest token sequence that is a gazetteer key wins, left to
   right (``New York City`` before ``New York``, ``Sea of Azov`` before ``Azov``). A lowercase
   generic word after it (``Kherson region``, ``Fulton county``) joins the span and hints at an
   administrative area.
4. *Context filters*, decided by the run around the match, never by the article's topic:
   a title before it (``President``, ``Gov.``, ``Mr``) or a known first name around it
   (``Paris Hilton``, ``Jordan Henderson``, ``Rick Perry``) makes the run a person, even when the
   surname is a place too (``Florence Kingston``), unless the second name is a state or country
   holding the first (``Florence Alabama``); a newspaper word
   after it (``Washington Post``) makes it a title; an unknown capitalised word before it means the
   gazetteer name is part of a longer name (half-match) unless it is a country or first-level area;
   months, weekdays, titles and function words are not places, nor is a word the article also
   writes in lowercase ("mobile"), nor a speaker (``Robertson said``); surnames of persons seen in
   the article are not places when they come back alone; a place naming a disease or a currency
   (``West Nile virus``, ``US$``) is not a mention. An institution word after a place keeps the
   place (``Gainesville Police``, ``Ohio State``).
5. *Streets* (``Main Street``, ``Orchard St.``, ``Highway 19``) are spans of their own; the resolver
   places them at the article's town.
6. *Demonyms* (``Ukrainian``) are reported only when ``ParseConfig.demonyms`` is on.

Modules: :mod:`geomap.tokens` (steps 1–2 and the data types), :mod:`geomap.extract_rules` (the
context tests of steps 4–5), :mod:`geomap.wordlists` (every word class, closed classes written by the
team, and the first names); this module matches and judges, keeping what it learns about the
article it reads in one :class:`ArticleState`.

Memory and time are linear in the article: candidate keys are computed and looked up a window of
tokens at a time (never for a whole 20 MB article at once), a long run's matches are judged a window
at a time too (:mod:`geomap.extract_window`), tokens and runs are made lazily (a finished run's tokens
are freed), and a token's word, casefolded form and capitals flag are shared by every occurrence of
the same word.

:class:`Span` carries what the resolver needs: the gazetteer candidates, whether the span named an
administrative unit (``region``, ``County``), a dateline, a street, a demonym.
"""
from __future__ import annotations

from array import array
from itertools import pairwise
from collections.abc import Iterable
from typing import TYPE_CHECKING

from geomap import traps
from geomap._memo import BoundedCache
from geomap.extract_rules import (and_before, company_or_vehicle, contains, dateline, features, named_after, never_starts, outside, physical, said, streets, strong,
                                  the_town)
from geomap.extract_memo import MIN_TEXT, JudgeMemo, MediaWalk
from geomap.extract_window import LongRun, RunStream, runs_or_streams, streamable
from geomap.spanlist import CANDIDATES, KEY, SpanList
from geomap.tokens import LowercaseWords, Match, Span, Token, iter_tokens, runs, tokenize
from geomap.unplaced import unplaced_span
from geomap.wordlists import (ADMIN_WORDS, COMMON_OPENERS, COUNTRY_LEVEL, DESCRIPTIVE, DOT_JOINERS,
                              FEATURE_HEADS, INSTITUTION, MAJOR_FEATURES, MEDIA, MONTHS, NAME_SUFFIXES,
                              NOT_PLACES, PLACE_SUFFIXES, SAINT, STOPWORDS, STREET_WORDS, TITLES, WEEKDAYS,
                              first_names)

if TYPE_CHECKING:  # the gazetteer is only needed for type hints here
    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer

__all__ = ["ArticleState", "Extractor", "LowercaseWords", "Span", "Token", "runs", "tokenize"]

MAX_NAME_TOKENS = 5          # "Saint Vincent and the Grenadines" is 3 tokens: connectors do not count
_CACHE_LIMIT = 200_000     # memoised names/lookups per process before starting afresh
WINDOW_TOKENS = 20_000     # tokens whose candidate keys are computed and looked up together
_DEMONYM_ONLY = frozenset({"demonym"})
_NO_REASONS = ()           # shared by the spans that need no reason (most): one empty list per span adds up


def _longest_matches(keys: list[list[tuple[int, str]]], found: dict[str, list], i: int = 0,
                     offset: int = 0) -> tuple[list[Match], int]:
    """Left to right from token ``i``, the longest token sequence whose key the gazetteer knows
    (``keys[k - offset]`` as :meth:`Extractor._keys` gives them for token ``k`` of one run); also
    the token where matching goes on (past the keys given, when the last match reaches beyond)."""
    out = []
    n = offset + len(keys)
    while i < n:
        for j, key in keys[i - offset]:
            cands = found.get(key)
            if cands is not None:
                out.append(Match(i, j, key, cands))
                i = j
                break
        else:
            i += 1
    return out, i


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
        if any(a > b for a, b in pairwise(starts)):   # (rarely: a street before its run's names)
            order = sorted(order, key=starts.__getitem__)       # stable, like list.sort
        persons = self.persons
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


def _windows(groups: Iterable[list[Token] | RunStream], size: int):
    """Lists of ``(run, lo, hi)``: tokens ``lo:hi`` of a run, about ``size`` tokens per list (a run
    longer than that is cut into windows of its own); a :class:`RunStream` as it is."""
    chunk, count = [], 0
    for run in groups:
        if isinstance(run, RunStream):
            if chunk:
                yield chunk
                chunk, count = [], 0
            yield run
            continue
        n = len(run)
        if n > size:
            if chunk:
                yield chunk
                chunk, count = [], 0
            for lo in range(0, n, size):
                yield [(run, lo, min(n, lo + size))]
            continue
        if count + n > size and chunk:
            yield chunk
            chunk, count = [], 0
        chunk.append((run, 0, n))
        count += n
    if chunk:
        yield chunk


class Extractor:
    """Finds place spans in a text (see the module docstring for the rules)."""

    def __init__(self, gazetteer: "Gazetteer", settings: "ParseConfig"):
        from geomap.gazetteer import normalize

        self.gazetteer = gazetteer
        self.settings = settings
        self.normalize = normalize
        self.max_tokens = max(1, min(int(gazetteer.max_name_tokens), MAX_NAME_TOKENS))
        self.ignore = frozenset(normalize(n) for n in settings.ignore)
        self.pinned = frozenset(normalize(p.name) for p in settings.pins)
        self.first_names = first_names()
        self._key_cache: BoundedCache = BoundedCache(_CACHE_LIMIT)     # name -> key
        self._found_cache: BoundedCache = BoundedCache(_CACHE_LIMIT)   # key -> candidates | None
        self._traits_cache: BoundedCache = BoundedCache(_CACHE_LIMIT)  # key -> (name kinds, major)
        self._goes_on_cache: BoundedCache = BoundedCache(_CACHE_LIMIT)  # key -> a longer key may start so
        self._pinned_heads = frozenset(" ".join(words[:k]) for words in (p.split(" ") for p in self.pinned)
                                       for k in range(1, len(words)))

    def spans(self, text: str) -> list[Span]:
        """Non-overlapping place spans of ``text``, sorted by start."""
        return list(self.span_list(text))

    def span_list(self, text: str) -> SpanList:
        """:meth:`spans` as a compact :class:`~geomap.spanlist.SpanList` (what the geoparser
        reads: a 20 MB article's spans are never all objects at once)."""
        state = ArticleState(text)
        pending: list[Match] = []              # matches of a run cut into windows, until its end
        long_run: LongRun | None = None        # ... or judged window by window (extract_window)
        resume = 0                             # where matching goes on in such a run
        for chunk in _windows(runs_or_streams(text, iter_tokens(text), WINDOW_TOKENS), WINDOW_TOKENS):
            if isinstance(chunk, RunStream):
                self._read_stream(state, chunk)
                continue
            keys = [self._keys(text, run, lo, hi) for run, lo, hi in chunk]
            wanted = {key for run_keys in keys for ends in run_keys for _, key in ends}
            for run, _, hi in chunk:
                if hi == len(run) and text[(end := run[-1].end):end + 1] == " " and text[end + 1:end + 2].islower():
                    self._generic_keys(text, run, wanted)   # (its test, made here: most runs fail it)
            found = self._lookup(wanted)
            for (run, lo, hi), run_keys in zip(chunk, keys):
                matches, resume = _longest_matches(run_keys, found, max(lo, resume) if lo else 0, lo)
                if lo or hi < len(run):        # a long run, cut into windows
                    if not lo:
                        long_run = LongRun(self, state, run) if streamable(run) else None
                    if long_run is not None:
                        long_run.feed(matches)
                        if hi == len(run):
                            long_run.close()
                            long_run = None
                        continue
                    pending += matches
                    if hi < len(run):
                        continue
                    matches, pending = pending, []
                self._read_run(state, run, matches)
        return state.spans(self.pinned)

    def _read_stream(self, state: ArticleState, run: RunStream) -> None:
        """A long run read ``WINDOW_TOKENS`` tokens at a time (:class:`RunStream`): the same windows,
        keys and judgements as when its tokens are all held, the tokens behind the matches still to
        judge dropped after each window."""
        text, size, ahead = state.text, WINDOW_TOKENS, self.max_tokens + 2
        long_run = LongRun(self, state, run)
        lo = resume = 0
        while True:
            run.read(lo + size + ahead)        # (the streets the window's matches may overlap)
            hi = min(lo + size, len(run))
            last = run.ended and hi == len(run)
            keys = self._keys(text, run, lo, hi)
            wanted = {key for ends in keys for _, key in ends}
            if last:
                self._generic_keys(text, run, wanted)
            matches, resume = _longest_matches(keys, self._lookup(wanted), max(lo, resume) if lo else 0, lo)
            long_run.feed_stream(matches, hi, last)
            if last:
                long_run.close()
                return
            lo = hi
            run.drop(max(0, min(lo, long_run.first_needed()) - 8))

    def _generic_keys(self, text: str, run: list[Token], wanted: set[str]) -> None:
        """"Kakhovka dam": the feature's own name, asked for in the same query as the run's keys."""
        end = run[-1].end
        if end + 1 < len(text) and text[end] == " " and text[end + 1].islower():
            generic, generic_end = traps.generic_after(text, end)
            if generic:
                wanted.update(self._key(text[tok.start:generic_end]) for tok in run[-self.max_tokens:])

    def _read_run(self, state: ArticleState, run: list[Token], matches: list[Match]) -> None:
        """Streets, natural features, names the gazetteer lacks and the judged matches of one run,
        added to ``state.kept``."""
        text, kept = state.text, state.kept
        if len(run) > 1:
            named = streets(text, run) + features(text, run, matches)
        else:                                  # one word: only a numbered road ("Route 9")
            named = streets(text, run) if run[0].lower in STREET_WORDS else []
        if named:
            for s in named:
                state.keep(s)
            matches = outside(matches, run, named)
        elif len(run) == 1:                    # one word: an unplaced name when no match
            if not matches and not run[0].sentence_start and (span := self._unplaced(text, run, state.lowercase_words,
                                                       self._after_place(state, run))) is not None:
                state.keep(span)
        else:                                  # "near Robotyne", "into Klishchiivka on Bakhmut's flank"
            k = matches[0].i if matches else len(run)
            k = next((x for x in range(1, min(k + 1, len(run))) if run[x].joint == "connector"
                      and text[run[x].start - 1] == " "), k if not matches else 0)   # (not "al-")
            if 0 < k <= 3 and not run[0].sentence_start and (span := self._unplaced(text, run[:k], state.lowercase_words,
                                             self._after_place(state, run))) is not None:
                state.keep(span)
        if not matches:
            return
        state.start_run(run, matches)
        for t, match in enumerate(matches):
            state.index = t
            self.judge(state, match)

    def judge(self, state: ArticleState, m: Match) -> None:
        """Judge match ``m`` (``state.matches[state.index]`` of ``state.run``) and keep its span,
        if any; a context judged before in the article is answered from ``state.memo``
        (:mod:`geomap.extract_memo`), with the same span."""
        memo = state.memo
        key = memo.key(state, m) if memo is not None else None
        if key is not None:
            known = memo.entries.get(key, memo)
            if known is not memo:
                memo.hits += 1
                if known is not None:
                    kept, start = state.kept, state.run[m.i].start
                    kept.starts.append(start)
                    kept.ends.append(start + known[0])
                    kept.which.append(known[1])
                    state.single.append(m.j - m.i == 1)
                if not memo.worth_it():
                    state.memo = None
                return
        marks = state.marks
        span = self._judge(state, m)
        if span is not None:
            state.keep(span, m.j - m.i == 1)
        if key is not None:
            if state.marks == marks:           # (a person's name marked changes what follows)
                memo.remember(key, None if span is None else (span.end - span.start, state.kept.which[-1]))
            if not memo.worth_it():
                state.memo = None

    @staticmethod
    def _after_place(state: ArticleState, run: list[Token]) -> bool:
        """Whether the run follows a place kept just before it in a list ("Kyiv, Robotyne and ...")."""
        kept = state.kept
        return bool(kept) and state.text[kept.ends[-1]:run[0].start] in traps.LIST_GAPS \
            and bool(kept.record(-1)[CANDIDATES])

    def _unplaced(self, text: str, run: list[Token], lowercase_words: LowercaseWords,
                  after_place: bool = False) -> Span | None:
        """A place-like name the gazetteer lacks, as an unresolved span (``geomap.unplaced``)."""
        if len(run) > 3 or run[0].sentence_start:
            return None                        # the common case, decided before the call
        span = unplaced_span(text, run, lowercase_words, self.first_names, after_place)
        if span is None:
            return None
        span.key = self._key(span.text)
        return None if span.key in self.ignore else span

    # -- candidate keys -------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        """``normalize(name)``, memoised: the same names recur across a folder of articles."""
        key = self._key_cache.get(name)
        if key is None:
            self._key_cache.make_room()
            if name.isascii() and name.replace(" ", "").isalpha() and "  " not in name:
                key = name.lower()             # what normalize() gives for plain ASCII words
            else:
                key = self.normalize(name)
            self._key_cache[name] = key
        return key

    def _keys(self, text: str, run: list[Token], lo: int = 0, hi: int | None = None) -> list[list[tuple[int, str]]]:
        """For tokens ``lo:hi`` of the run, the ``(end, key)`` of every token sequence a name starting
        there may span, longest first; sequences that start or end with a function word
        ("In Texas", "May") are not names."""
        known = self._key_cache
        n = len(run)
        if n == 1:                             # most runs: one word
            tok = run[0]
            return [[] if never_starts(tok) else [(1, known.get(tok.text) or self._key(tok.text))]]
        hi = n if hi is None else hi
        most = self.max_tokens
        never = [never_starts(tok) for tok in run[lo:hi + most]]
        goes_on, going = self._goes_on, self._goes_on_cache
        out = []
        for i in range(lo, hi):
            if never[i - lo]:
                out.append([])
                continue
            tok = run[i]
            top = i + most if i + most < n else n
            if top == i + 1:                   # the run's last token
                out.append([(top, known.get(tok.text) or self._key(tok.text))])
                continue
            ends = []
            start = tok.start
            # Shortest first, stopping where no longer gazetteer key can start with the name's:
            # for ASCII text a name's key is its first tokens' key, a space, then the rest's
            # (except after a possessive "'s", which the key keeps: "martha's vineyard").
            ascii_text = text[start:run[top - 1].end].isascii()
            j = i + 1
            while True:
                name = text[start:run[j - 1].end]
                key = known.get(name) or self._key(name)
                if j - 1 == i or not never[j - 1 - lo]:
                    ends.append((j, key))
                if j == top or (ascii_text and run[j].joint != "possessive"
                                and not (going.get(key) or (key not in going and goes_on(key)))):
                    break
                j += 1
            ends.reverse()                     # longest first
            out.append(ends)
        return out

    def _goes_on(self, key: str) -> bool:
        """Whether a gazetteer key or a pinned name may start with ``key`` and a space (asked of the
        gazetteer once per key, remembered; a gazetteer that cannot tell says yes)."""
        known = self._goes_on_cache.get(key)
        if known is None:
            self._goes_on_cache.make_room()
            ask = getattr(self.gazetteer, "goes_on", None)
            known = self._goes_on_cache[key] = key in self._pinned_heads or ask is None or ask(key)
        return known

    def _lookup(self, keys: set[str]) -> dict[str, list]:
        """Gazetteer candidates per key (pinned keys always present, ignored ones never),
        memoised across articles, one gazetteer query for the keys not seen before."""
        cache = self._found_cache
        missing = [k for k in keys if k not in cache]
        if missing:
            if cache.make_room(len(missing)):
                missing = list(keys)
            found = self.gazetteer.lookup(k for k in missing if k not in self.ignore)
            for k in missing:
                cands = found.get(k)
                if cands is None and k in self.pinned:
                    cands = []
                cache[k] = None if k in self.ignore else cands
        return {k: cands for k in keys if (cands := cache[k]) is not None}

    # -- filters --------------------------------------------------------------------------------
    def _judge(self, state: ArticleState, m: Match) -> Span | None:
        """The span for a gazetteer match, or None when its context says it is not a place."""
        text, run = state.text, state.run
        first, last = run[m.i], run[m.j - 1]
        cands = m.candidates
        kinds, major = self._traits(m.key, cands)
        demonym = kinds == _DEMONYM_ONLY
        if demonym and not self.settings.demonyms:
            return None
        if not demonym and "demonym" in kinds:
            rest = [c for c in cands if c.name_kind != "demonym"]
            if any(c.feature in MAJOR_FEATURES for c in rest):
                cands, major = rest, True
            elif not self.settings.demonyms:
                return None                    # "Georgian", "Arab": the adjective, not a hamlet
            else:
                demonym, cands = True, [c for c in cands if c.name_kind == "demonym"]
                major = any(c.feature in MAJOR_FEATURES for c in cands)
        if m.key not in self.pinned and not self._is_place(state, m, cands, major):
            return None
        start, end = first.start, last.end
        if last.dot_after and len(last.lower) <= 5 and any(c.name_kind == "abbr" for c in cands):
            end += 1                           # "Ga." "Calif."
        reasons: list[str] = []
        admin_hint = ""
        generic, generic_end = ("", end) if demonym else traps.generic_after(text, end)
        if generic:
            full = text[start:generic_end]
            own = self._lookup({self._key(full)}).get(self._key(full))
            if own:                            # the feature itself: "Dnipro river", "Kakhovka dam"
                return Span(start, generic_end, full, self._key(full), own,
                            reasons=[f"'{full[end - start + 1:]}' names the feature"])
            return Span(start, generic_end, full, m.key, cands, generic=generic,
                        reasons=[f"'{full[end - start + 1:]}' names a {generic} feature of that name"])
        follow = state.word_after(end).partition("-")[0]   # (extract_rules.word_after: no hyphens)
        if follow and not demonym and (m.j == len(run) or run[m.j].start == end + 1) \
                and not any(c.feature in COUNTRY_LEVEL for c in cands):
            word = follow.lower()
            if word in ADMIN_WORDS and (word in PLACE_SUFFIXES or follow.islower()
                                         or word in ("region", "oblast", "province")):
                end += 1 + len(follow)
                admin_hint = word
                reasons.append(f"'{follow}' names an administrative area")
        return Span(start, end, state.shared(text[start:end]), m.key, cands, admin_hint=admin_hint,
                    dateline=dateline(text, first), demonym=demonym, reasons=reasons or _NO_REASONS,
                    place_like=traps.place_like_before(text, start, strong=True, before=state.word_before(start)))

    def _traits(self, key: str, cands: list) -> tuple[frozenset[str], bool]:
        """The name kinds of a key's candidates and whether one is a major place (a country, a
        first-level area, a sea), memoised by key like the candidates themselves."""
        traits = self._traits_cache.get(key)
        if traits is None:
            self._traits_cache.make_room()
            traits = self._traits_cache[key] = (frozenset(c.name_kind for c in cands),
                                                any(c.feature in MAJOR_FEATURES for c in cands))
        return traits

    def _is_place(self, state: ArticleState, m: Match, cands: list, major: bool) -> bool:
        """Whether a gazetteer match is meant as a place: first by the run around it, then, for a
        one-word match, by the word itself (``major``: a candidate is a country, area or sea)."""
        if not self._fits_run(state, m, cands, major):
            return False
        if m.j - m.i > 1:
            return not the_town(state.text, state.run[m.i], state.run, m, cands)
        return self._word_is_place(state, m, cands, major)

    def _fits_run(self, state: ArticleState, m: Match, cands: list, major: bool) -> bool:
        """False when the match is part of a person's name, of an organisation's or a newspaper's
        name, of a longer proper name, or names something else (a disease, a currency)."""
        text, run = state.text, state.run
        first = run[m.i]
        single = m.j - m.i == 1
        word = first.lower
        before = run[m.i - 1] if m.i > 0 and first.joint in ("space", "dot", "hyphen") else None
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        if state.in_person(m.i):
            return False                       # the rest of a person's name
        previous = state.match_before(m)
        if before is not None and previous is not None and single and not major \
                and first.joint == "space" and physical(previous.candidates):
            return False                       # "Black Sea Fleet", "Gulf War": a sea's name goes on
        if before is not None and previous is None:
            if first.joint != "hyphen" and self._person_before(run, m.i):
                state.mark_person(m.i, self.normalize)
                return False                   # "Gov. Rick Perry", "Mr Putin", "Emily Paris", "Tyrise M. Bell"
            if not self._harmless_before(run, m.i) and not major:
                return False                   # half of a longer name: "Sam Houston", "Generation Charleston"
            if before.lower in SAINT and not major:
                return False                   # "St. Patrick": a saint, or a place missing from the gazetteer
        if single and not major and (word in INSTITUTION or (len(run) > 1 and (
                word in MEDIA or word in TITLES or word in FEATURE_HEADS))):
            return False                       # an organisation's word: "Police", "Center", "Chamber of Commerce"
        if single and first.joint == "possessive" and not strong(cands) \
                and not traps.generic_after(text, first.end)[0]:   # (but "Mariupol's Azovstal steelworks")
            return False                       # "Patrick's Day" (but "the FBI's Atlanta office")
        if word in SAINT and m.j < len(run) and run[m.j].joint == "possessive":
            return False                       # "St. Patrick's Day", "St. John's School"
        if state.media_after(m.j):
            return False                       # "Washington Post", "Lansing State Journal"
        if single and not major and company_or_vehicle(text, first, run, m.j):
            return False                       # "Stevens & Wilkinson", "a 1992 Toyota Corolla", "Hope's Wings"
        if after is not None and after.lower in NAME_SUFFIXES:
            state.mark_person(m.i, self.normalize)
            return False                       # "George Bush Sr.", "Martin Luther King Jr"
        if after is not None and single and after.joint == "space" \
                and (first.joint not in ("connector", "possessive") or and_before(text, first)) \
                and word in self.first_names and self._surname(after) \
                and not ((following := state.match_after(m)) is not None
                         and contains(following.candidates, cands)):
            state.mark_person(m.i, self.normalize)
            return False                       # "Paris Hilton", "Jordan Henderson", "Vladimir Putin"
        if named_after(text, run[m.j - 1].end):
            return False                       # "West Nile virus", "Lassa fever", "US$5"
        end = run[m.j - 1].end
        return not traps.not_a_place(text, first.start, end, single and word in self.first_names,
                                     before=state.word_before(first.start), after=state.word_after(end))

    def _word_is_place(self, state: ArticleState, m: Match, cands: list, major: bool) -> bool:
        """For a one-word match: not a month, weekday, title, function word, acronym, common word
        of this article, nor a speaker ("Robertson said")."""
        text, run = state.text, state.run
        first = run[m.i]
        word = first.lower
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        if word in MONTHS or word in WEEKDAYS or word in NOT_PLACES or word in DESCRIPTIVE \
                or word in DOT_JOINERS or word in STREET_WORDS or (word in TITLES and (not major or after is not None)):
            return False                       # "Miss Cordiner" (but "Jackson, Miss.")
        if first.upper and len(word) <= 4 and not dateline(text, first) \
                and not any(c.name_kind == "abbr" for c in cands):
            return False                       # acronyms: "WHO", "AIDS"
        if word in STOPWORDS and not major:
            return False
        if first.sentence_start and m.i == 0 and word in COMMON_OPENERS:
            return False
        if not major and (first.sentence_start or not strong(cands)) and word in state.lowercase_words:
            return False                       # the article uses it as a common word: "mobile", "hope"
        if not major and len(run) == 1 and said(text, first) and not any(c.feature == "PPLC" for c in cands):
            return False                       # "Robertson said", "said Nelson."; not "Tbilisi says"
        return True

    def _person_before(self, run: list[Token], i: int) -> bool:
        """A title, a first name or an initial right before token ``i`` of the run."""
        prev = run[i - 1]
        if prev.lower in TITLES:
            return True
        if len(prev.lower) == 1 and prev.dot_after:
            return True                        # "Tyrise M. Bell"
        return prev.lower in self.first_names and not prev.upper and prev.lower not in DESCRIPTIVE \
            and prev.lower not in STOPWORDS

    def _surname(self, tok: Token) -> bool:
        """Whether a capitalised word after a first name reads as a surname (not "Police", "Post")."""
        word = tok.lower
        if len(word) == 1:
            return tok.dot_after                 # an initial: "Keith D. Henderson"
        return not (
            word in INSTITUTION or word in ADMIN_WORDS or word in MEDIA or word in STOPWORDS
            or word in TITLES or word in MONTHS or word in WEEKDAYS or word in FEATURE_HEADS
            or word in DESCRIPTIVE or word in NOT_PLACES or word in STREET_WORDS or tok.upper
            or tok.joint == "possessive")

    def _harmless_before(self, run: list[Token], i: int) -> bool:
        """Whether the token before ``i`` leaves the match a name of its own ("Northeast Georgia")."""
        prev = run[i - 1]
        word = prev.lower
        if word in DESCRIPTIVE or word in STOPWORDS or word in MONTHS or word in WEEKDAYS \
                or word in COMMON_OPENERS or prev.upper:
            return True
        if len(word) == 1 and run[i].joint == "hyphen":
            return True                        # party and home town: "Rep. Barbara Lee, D-Oakland"
        return prev.sentence_start and i == 1 and word.endswith(("ing", "ed", "ly"))
