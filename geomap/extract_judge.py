"""The judgement of one gazetteer match (step 4 of :mod:`geomap.extract`'s rules): is the match,
read in its run and its article, meant as a place? :class:`Judging` is the part of
:class:`~geomap.extract.Extractor` that decides it, remembering decisions by context
(:mod:`geomap.extract_memo`) on long articles.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from geomap import traps
from geomap.extract_memo import TRIAL
from geomap.extract_rules import and_before, company_or_vehicle, contains, dateline, named_after, physical, said, strong, the_town
from geomap.tokens import Match, Span, Token
from geomap.wordlists import (ADMIN, ADMIN_WORDS, COMMON_OPENER, COUNTRY_LEVEL, DESCRIPTIVE_WORD, DOT_JOINER,
                              FEATURE_HEAD, INSTITUTION_WORD, MAJOR_FEATURES, MEDIA_WORD, MONTH, NAME_SUFFIX,
                              NAMED_AFTER, NOT_PLACE, PLACE_SUFFIXES, SAINT_WORD, STOP, STREET, TITLE, WEEKDAY)

if TYPE_CHECKING:
    from geomap.extract_state import ArticleState

__all__ = ["Judging"]

_DEMONYM_ONLY = frozenset({"demonym"})
_NO_REASONS = ()           # shared by the spans that need no reason (most): one empty list per span adds up
# Word classes (``Token.flags``) several rules ask about at once:
_NEVER_ALONE = MONTH | WEEKDAY | NOT_PLACE | DESCRIPTIVE_WORD | DOT_JOINER | STREET   # a one-word match is no place
_ORGANISATION = MEDIA_WORD | TITLE | FEATURE_HEAD      # (with INSTITUTION_WORD) a name going on is an organisation's
_NO_SURNAME = (INSTITUTION_WORD | ADMIN | MEDIA_WORD | STOP | TITLE | MONTH | WEEKDAY | FEATURE_HEAD
               | DESCRIPTIVE_WORD | NOT_PLACE | STREET)
_HARMLESS = DESCRIPTIVE_WORD | STOP | MONTH | WEEKDAY | COMMON_OPENER
_NAMED_FIRST = frozenset(w[0] for w in NAMED_AFTER)   # what follows a name named after (" virus", "$")


class Judging:
    """The match-judging half of :class:`~geomap.extract.Extractor` (a mixin: it reads the
    extractor's ``settings``, ``pinned``, ``first_names``, ``normalize``, ``_key``, ``_lookup`` and
    ``_traits_cache``)."""

    def judge(self, state: ArticleState, m: Match) -> None:
        """Judge match ``m`` (``state.matches[state.index]`` of ``state.run``) and keep its span,
        if any; a context judged before in the article is answered from ``state.memo``
        (:mod:`geomap.extract_memo`), with the same span."""
        memo = state.memo
        key = memo.key(state, m) if memo is not None else None
        if key is not None:
            known = memo.entries.get(key, memo)
            memo.tries += 1                    # (JudgeMemo.worth_it, inline)
            if known is not memo:
                memo.hits += 1
                if known is not None:
                    kept, start = state.kept, state.run[m.i].start
                    kept.starts.append(start)
                    kept.ends.append(start + known[0])
                    kept.which.append(known[1])
                    state.single.append(m.j - m.i == 1)
                if memo.tries == TRIAL and 2 * memo.hits < TRIAL:
                    state.memo = None
                return
            marks = state.marks
            span = self._judge(state, m)
            if span is not None:
                state.keep(span, m.j - m.i == 1)
            if state.marks == marks:           # (a person's name marked changes what follows)
                memo.remember(key, None if span is None else (span.end - span.start, state.kept.which[-1]))
            if memo.tries == TRIAL and 2 * memo.hits < TRIAL:
                state.memo = None
            return
        span = self._judge(state, m)
        if span is not None:
            state.keep(span, m.j - m.i == 1)

    def _judge(self, state: ArticleState, m: Match) -> Span | None:
        """The span for a gazetteer match, or None when its context says it is not a place."""
        text, run = state.text, state.run
        first, last = run[m.i], run[m.j - 1]
        cands = m.candidates
        kinds, major = self._traits_cache.get(m.key) or self._traits(m.key, cands)
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
        # Meant as a place? First by the run around it, then, for a one-word match, by the word itself.
        if m.key not in self.pinned and not (
                self._fits_run(state, m, cands, major)
                and (not the_town(text, first, run, m, cands) if m.j - m.i > 1
                     else self._word_is_place(state, m, cands, major))):
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

    def _fits_run(self, state: ArticleState, m: Match, cands: list, major: bool) -> bool:
        """False when the match is part of a person's name, of an organisation's or a newspaper's
        name, of a longer proper name, or names something else (a disease, a currency)."""
        text, run = state.text, state.run
        first = run[m.i]
        single = m.j - m.i == 1
        word = first.lower
        before = run[m.i - 1] if m.i > 0 and first.joint in ("space", "dot", "hyphen") else None
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        person, i = state.person, m.i
        if person is not None and person[0] <= i and (person[1] is None or i < person[1]):
            return False                       # the rest of a person's name (state.in_person, inline)
        t = state.index                        # (state.match_before, inline)
        previous = state.matches[t - 1] if t and state.matches[t - 1].j == i else None
        if before is not None and previous is not None and single and not major \
                and first.joint == "space" and physical(previous.candidates):
            return False                       # "Black Sea Fleet", "Gulf War": a sea's name goes on
        if before is not None and previous is None:
            if first.joint != "hyphen" and self._person_before(run, m.i):
                state.mark_person(m.i, self.normalize)
                return False                   # "Gov. Rick Perry", "Mr Putin", "Emily Paris", "Tyrise M. Bell"
            if not self._harmless_before(run, m.i) and not major:
                return False                   # half of a longer name: "Sam Houston", "Generation Charleston"
            if before.flags & SAINT_WORD and not major:
                return False                   # "St. Patrick": a saint, or a place missing from the gazetteer
        flags = first.flags
        if single and not major and (flags & INSTITUTION_WORD or (len(run) > 1 and flags & _ORGANISATION)):
            return False                       # an organisation's word: "Police", "Center", "Chamber of Commerce"
        if single and first.joint == "possessive" and not strong(cands) \
                and not traps.generic_after(text, first.end)[0]:   # (but "Mariupol's Azovstal steelworks")
            return False                       # "Patrick's Day" (but "the FBI's Atlanta office")
        if flags & SAINT_WORD and m.j < len(run) and run[m.j].joint == "possessive":
            return False                       # "St. Patrick's Day", "St. John's School"
        if state.media(run, m.j):             # (state.media_after)
            return False                       # "Washington Post", "Lansing State Journal"
        if single and not major and company_or_vehicle(text, first, run, m.j):
            return False                       # "Stevens & Wilkinson", "a 1992 Toyota Corolla", "Hope's Wings"
        if after is not None and after.flags & NAME_SUFFIX:
            state.mark_person(m.i, self.normalize)
            return False                       # "George Bush Sr.", "Martin Luther King Jr"
        if after is not None and single and after.joint == "space" \
                and (first.joint not in ("connector", "possessive") or and_before(text, first)) \
                and word in self.first_names and self._surname(after) \
                and not ((following := state.match_after(m)) is not None
                         and contains(following.candidates, cands)):
            state.mark_person(m.i, self.normalize)
            return False                       # "Paris Hilton", "Jordan Henderson", "Vladimir Putin"
        end = run[m.j - 1].end
        if text[end:end + 1] in _NAMED_FIRST and named_after(text, end):
            return False                       # "West Nile virus", "Lassa fever", "US$5"
        return not traps.not_a_place(text, first.start, end, single and word in self.first_names,
                                     before=state.word_before(first.start), after=state.word_after(end))

    def _word_is_place(self, state: ArticleState, m: Match, cands: list, major: bool) -> bool:
        """For a one-word match: not a month, weekday, title, function word, acronym, common word
        of this article, nor a speaker ("Robertson said")."""
        text, run = state.text, state.run
        first = run[m.i]
        word = first.lower
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        flags = first.flags
        if flags & _NEVER_ALONE or (flags & TITLE and (not major or after is not None)):
            return False                       # "Miss Cordiner" (but "Jackson, Miss.")
        if first.upper and len(word) <= 4 and not dateline(text, first) \
                and not any(c.name_kind == "abbr" for c in cands):
            return False                       # acronyms: "WHO", "AIDS"
        if flags & STOP and not major:
            return False
        if first.sentence_start and m.i == 0 and flags & COMMON_OPENER:
            return False
        if not major and (first.sentence_start or not strong(cands)) and word in state.lowercase_words:
            return False                       # the article uses it as a common word: "mobile", "hope"
        if not major and len(run) == 1 and said(text, first) and not any(c.feature == "PPLC" for c in cands):
            return False                       # "Robertson said", "said Nelson."; not "Tbilisi says"
        return True

    def _person_before(self, run: list[Token], i: int) -> bool:
        """A title, a first name or an initial right before token ``i`` of the run."""
        prev = run[i - 1]
        if prev.flags & TITLE:
            return True
        if len(prev.lower) == 1 and prev.dot_after:
            return True                        # "Tyrise M. Bell"
        return prev.lower in self.first_names and not prev.upper and not prev.flags & (DESCRIPTIVE_WORD | STOP)

    def _surname(self, tok: Token) -> bool:
        """Whether a capitalised word after a first name reads as a surname (not "Police", "Post")."""
        word = tok.lower
        if len(word) == 1:
            return tok.dot_after                 # an initial: "Keith D. Henderson"
        return not (tok.flags & _NO_SURNAME or tok.upper or tok.joint == "possessive")

    def _harmless_before(self, run: list[Token], i: int) -> bool:
        """Whether the token before ``i`` leaves the match a name of its own ("Northeast Georgia")."""
        prev = run[i - 1]
        word = prev.lower
        if prev.flags & _HARMLESS or prev.upper:
            return True
        if len(word) == 1 and run[i].joint == "hyphen":
            return True                        # party and home town: "Rep. Barbara Lee, D-Oakland"
        return prev.sentence_start and i == 1 and word.endswith(("ing", "ed", "ly"))
