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
team, and the first names), :mod:`geomap.extract_judge` (step 4: the judgement of a match, mixed into
:class:`Extractor`), :mod:`geomap.extract_state` (what the extractor learns about the article it
reads: one :class:`ArticleState`); this module tokenizes, looks names up and matches.

Memory and time are linear in the article: candidate keys are computed and looked up a window of
tokens at a time (never for a whole 20 MB article at once), a long run's matches are judged a window
at a time too (:mod:`geomap.extract_window`), tokens and runs are made lazily (a finished run's tokens
are freed), and a token's word, casefolded form and capitals flag are shared by every occurrence of
the same word.

:class:`Span` carries what the resolver needs: the gazetteer candidates, whether the span named an
administrative unit (``region``, ``County``), a dateline, a street, a demonym.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from geomap import traps
from geomap._gc import collector_paused
from geomap._memo import BoundedCache
from geomap.extract_judge import Judging
from geomap.extract_rules import NEVER_STARTS, features, outside, streets
from geomap.extract_state import ArticleState
from geomap.extract_window import LongRun, RunStream, runs_or_streams, streamable
from geomap.spanlist import CANDIDATES, SpanList
from geomap.tokens import LowercaseWords, Match, Span, Token, iter_tokens, runs, tokenize
from geomap.unplaced import unplaced_span
from geomap.wordlists import STREET, first_names

if TYPE_CHECKING:  # the gazetteer is only needed for type hints here
    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer

__all__ = ["ArticleState", "Extractor", "LowercaseWords", "Span", "Token", "runs", "tokenize"]

MAX_NAME_TOKENS = 5          # "Saint Vincent and the Grenadines" is 3 tokens: connectors do not count
_CACHE_LIMIT = 200_000     # memoised names/lookups per process before starting afresh
WINDOW_TOKENS = 20_000     # tokens whose candidate keys are computed and looked up together


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


class Extractor(Judging):
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
        reads: a 20 MB article's spans are never all objects at once).

        The cyclic garbage collector is paused meanwhile: reading allocates a few small objects per
        token (tokens, keys, matches) that refcounting frees, and the collections their allocation
        triggers walked every young object again and again (a sixth of the extractor's CPU on a
        1 MB article). The one cycle reading leaves (the article's state and its last window of
        tokens, when the article ends in a long run) is collected after the pause."""
        with collector_paused():
            return self._span_list(text)

    def _span_list(self, text: str) -> SpanList:
        state = ArticleState(text)
        pending: list[Match] = []              # matches of a run cut into windows, until its end
        long_run: LongRun | None = None        # ... or judged window by window (extract_window)
        resume = 0                             # where matching goes on in such a run
        known = self._key_cache
        for chunk in _windows(runs_or_streams(text, iter_tokens(text), WINDOW_TOKENS), WINDOW_TOKENS):
            if isinstance(chunk, RunStream):
                self._read_stream(state, chunk)
                continue
            # One word (most runs): its one key (or None: a word no name starts with), matched and
            # read inline below, as _keys, _longest_matches and _read_run would.
            keys: list = []
            wanted: set[str] = set()
            for run, lo, hi in chunk:
                if len(run) == 1:
                    tok = run[0]
                    if tok.flags & NEVER_STARTS and not tok.upper:   # (extract_rules.never_starts, inline)
                        keys.append(None)
                    else:
                        key = known.get(tok.text) or self._key(tok.text)
                        keys.append(key)
                        wanted.add(key)
                else:
                    run_keys = self._keys(text, run, lo, hi)
                    keys.append(run_keys)
                    wanted.update([key for ends in run_keys for _, key in ends])
                if hi == len(run) and text[(end := run[-1].end):end + 1] == " " and text[end + 1:end + 2].islower():
                    self._generic_keys(text, run, wanted)   # (its test, made here: most runs fail it)
            found = self._lookup(wanted)
            for (run, lo, hi), run_keys in zip(chunk, keys):
                if len(run) == 1 and not (tok := run[0]).flags & STREET:
                    resume = 1
                    if run_keys is not None and (cands := found.get(run_keys)) is not None:
                        match = Match(0, 1, run_keys, cands)
                        state.start_run(run, [match])
                        self.judge(state, match)
                    elif not tok.sentence_start and (span := self._unplaced(
                            text, run, state.lowercase_words, self._after_place(state, run))) is not None:
                        state.keep(span)       # an unplaced name when no match
                    continue
                if len(run) == 1:              # a one-word street ("Route 9"): as _keys gives it
                    run_keys = [[] if run_keys is None else [(1, run_keys)]]
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
        text = state.text
        if len(run) > 1:
            named = streets(text, run) + features(text, run, matches)
        else:                                  # one word: only a numbered road ("Route 9")
            named = streets(text, run) if run[0].flags & STREET else []
        if named:
            for s in named:
                state.keep(s)
            matches = outside(matches, run, named)
        elif len(run) == 1:                    # one word: an unplaced name when no match
            if not matches and not run[0].sentence_start and (span := self._unplaced(text, run, state.lowercase_words,
                                                       self._after_place(state, run))) is not None:
                state.keep(span)
        elif not run[0].sentence_start:        # "near Robotyne", "into Klishchiivka on Bakhmut's flank"
            k = matches[0].i if matches else len(run)
            for x in range(1, min(k + 1, len(run))):   # the name ends at a spaced connector (not "al-")
                if run[x].joint == "connector" and text[run[x].start - 1] == " ":
                    k = x
                    break
            else:
                if matches:
                    k = 0
            if 0 < k <= 3 and (span := self._unplaced(text, run[:k], state.lowercase_words,
                                                      self._after_place(state, run))) is not None:
                state.keep(span)
        if not matches:
            return
        state.start_run(run, matches)
        for t, match in enumerate(matches):
            state.index = t
            self.judge(state, match)

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
            return [[] if tok.flags & NEVER_STARTS and not tok.upper   # (extract_rules.never_starts, inline)
                    else [(1, known.get(tok.text) or self._key(tok.text))]]
        hi = n if hi is None else hi
        most = self.max_tokens
        never = [tok.flags & NEVER_STARTS != 0 and not tok.upper for tok in run[lo:hi + most]]   # (never_starts)
        goes_on, going = self._goes_on, self._goes_on_cache
        # (an ASCII window makes every name in it ASCII: one test instead of one per token)
        all_ascii = hi > lo and text[run[lo].start:run[min(n, hi + most) - 1].end].isascii()
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
            start = tok.start
            name = tok.text                    # text[start:tok.end], shared (its hash is known) ...
            if len(name) != tok.end - start:   # ... but for a word written "X's's" (tokens.iter_tokens)
                name = text[start:tok.end]
            key = known.get(name) or self._key(name)
            # Shortest first, stopping where no longer gazetteer key can start with the name's:
            # for ASCII text a name's key is its first tokens' key, a space, then the rest's
            # (except after a possessive "'s", which the key keeps: "martha's vineyard").
            if ((ascii_text := all_ascii or text[start:run[top - 1].end].isascii())
                    and run[i + 1].joint != "possessive"
                    and not (going.get(key) or (key not in going and goes_on(key)))):
                out.append([(i + 1, key)])     # (most tokens: one name)
                continue
            ends = [(i + 1, key)]
            j = i + 2
            while True:
                name = text[start:run[j - 1].end]
                key = known.get(name) or self._key(name)
                if not never[j - 1 - lo]:
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
