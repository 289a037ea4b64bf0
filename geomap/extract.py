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

The word lists below are closed classes written by the team; first names come from the US Census
(``geomap/data/first_names.txt``) plus given names frequent in world news.

:class:`Span` carries what the resolver needs: the gazetteer candidates, whether the span named an
administrative unit (``region``, ``County``), a dateline, a street, a demonym.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from geomap import traps

if TYPE_CHECKING:  # the gazetteer is only needed for type hints here
    from geomap.config import ParseConfig
    from geomap.gazetteer import Candidate, Gazetteer

DATA = Path(__file__).parent / "data"


# --- small word classes (team-written: closed-class English words, not data about places) --------

MONTHS = frozenset("""january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec""".split())
WEEKDAYS = frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue tues wed
thu thur thurs fri sat sun""".split())

# Function words and frequent sentence openers: capitalised only because a sentence starts there.
STOPWORDS = frozenset("""a an the this that these those there their they them then than thus here
he she it its his her we our you your i me my us in on at to of for from by with without within into
onto upon over under after before during since until while when where what which who whom whose why
how if but and or nor so yet as also although though because unless whether both either neither
each every all any some many most more much few several such no not only just even still again
about above across against along among around behind below beneath beside besides between beyond
near through throughout toward towards via per despite except inside outside like unlike
is are was were be been being am has have had do does did will would shall should can could may
might must let lets get got go going come according meanwhile however moreover furthermore
therefore instead otherwise indeed perhaps maybe yes today tonight tomorrow yesterday now later
earlier once twice first second third last next new old another other others one two three four
five six seven eight nine ten hundreds thousands dozens please thank thanks dear mr mrs ms
""".split())

# Words that, placed after a place name, make an organisation *of that place*: the place is kept
# (local news annotates "Gainesville Police", "Ohio State University").
INSTITUTION = frozenset("""police sheriff sheriff's department dept fire rescue ems city town village
county parish state states township district borough municipal metropolitan metro area region
regional community public national international federal central school schools high elementary
middle junior senior college university academy institute hospital medical clinic health center
centre library museum zoo park parks airport port harbor harbour station
bridge tunnel railway railroad rail transit airlines airline church cathedral
temple mosque synagogue diocese court courthouse jail prison detention correctional council board
commission commissioners committee assembly legislature parliament senate house government
administration authority agency office bureau ministry army navy guard forces force military
defense defence chamber commerce club league association society foundation fund union utilities
utility water power electric energy gas transportation housing development planning emergency
management services service bank trust credit market mall plaza square hall arena stadium
coliseum fairgrounds fair festival symphony orchestra theater theatre opera ballet tech technical
circuit superior supreme district's mayor council's democratic republican democrats republicans
party coroner attorney prosecutor's clerk treasurer assessor commissioner chief marshal
volunteer volunteers humane animal control convention visitors bureau chapter branch campus
county's city's state's area's cup open marathon juniors policemen officers firefighters residents
officials authorities voters students teachers workers leaders""".split())

# Street words: "Wichita Drive" is a street (reported as one, placed in the article's town), not Wichita.
STREET_WORDS = frozenset("""street st avenue ave road rd drive boulevard blvd lane parkway pkwy pike
highway hwy route""".split())

# Nouns that name an administrative unit when they follow a place name ("Kherson region").
ADMIN_WORDS = frozenset("""region oblast province county parish governorate district prefecture
state territory krai raion okrug canton department municipality borough township""".split())

# Generic words that make a capitalised "X Word" a place even when only X is in the gazetteer.
PLACE_SUFFIXES = frozenset("county parish township".split())

# Titles: what follows is a person ("Gov. Perry", "President Jordan", "Mr Putin").
TITLES = frozenset("""mr mrs ms miss mx dr prof sir dame lord lady madam gov governor sen senator
rep representative congressman congresswoman assemblyman assemblywoman councilman councilwoman
alderman del delegate president vice premier chancellor minister secretary ambassador envoy judge
justice magistrate sheriff deputy mayor chief officer trooper detective det sgt sergeant lt
lieutenant capt captain col colonel gen general maj major adm admiral cmdr commander cpl corporal
pvt private spc specialist pope cardinal bishop archbishop rev reverend father pastor rabbi imam
sheikh king queen prince princess emperor empress coach dean principal superintendent
commissioner speaker spokesman spokeswoman spokesperson chairman chairwoman chairperson director
attorney atty sister brother mother son daughter wife husband uncle aunt
defender forward quarterback pitcher guard goalkeeper striker midfielder""".split())

# Words after a place that make the run a newspaper or broadcaster ("Washington Post").
MEDIA = frozenset("""post times journal tribune herald gazette chronicle news daily telegraph
observer inquirer register courier sentinel star globe sun standard independent
guardian mirror express record bulletin dispatch enquirer review reporter ledger beacon
press-herald constitution free-press""".split())

# Lowercase words that may sit inside a proper name between capitalised words.
CONNECTORS = frozenset("""of the and de del della der des di do dos da das du la le les van von y upon on
al el es ul ad bin ibn am an im ob sur sous en ter ten aan""".split())

# Directions and descriptions before a place that do not make a longer name ("Northeast Georgia").
DESCRIPTIVE = frozenset("""north south east west northern southern eastern western central
northeast northwest southeast southwest northeastern northwestern southeastern southwestern
upper lower greater metro metropolitan downtown rural suburban historic old occupied coastal mid
""".split())

# Abbreviations after which a dot does not end the run ("St. Louis", "Gov. Perry").
DOT_JOINERS = frozenset("st ste ft mt pt gov sen rep dr mr mrs ms lt gen col capt sgt rev prof".split())

# Upper-case letters of the scripts news text uses (Latin, Greek, Cyrillic), for the token regex.
_UPPER = "".join(sorted({ch for rng in ((0x41, 0x250), (0x370, 0x530), (0x1E00, 0x1F00))
                         for ch in map(chr, range(*rng)) if ch.isupper()}))
# Every token starts with a capital (or "d'"/"l'"): the pattern opens with that one character
# class, which lets the regex engine skip the rest of the text quickly; lookbehinds then pick the branch.
_TOKEN = re.compile(
    rf"[{_UPPER}dl](?:(?<=[{_UPPER}])(?:"
    rf"[^\W\d_]{{0,2}}\.(?:[{_UPPER}][^\W\d_]{{0,2}}\.)+"   # U.S.  D.C.  W.Va.
    rf"|[^\W_]*(?:['’][^\W\d_]+)*)"                          # Kherson  O'Keeffe  McAllen  Ukraine's
    rf"|(?<=[dl])['’][{_UPPER}][^\W_]*)"                       # elided articles: Côte d'Ivoire
)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_SENTENCE_END = ".!?:;\n"


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """US Census first names plus world-news given names (``geomap/data/first_names*.txt``),
    loaded once on first use."""
    names = _word_list(DATA / "first_names.txt") | _word_list(DATA / "first_names_world.txt")
    return names - STOPWORDS - MONTHS - WEEKDAYS - DESCRIPTIVE - NOT_PLACES - TITLES


def _word_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    lower: str                      # casefolded, trailing dots removed
    sentence_start: bool            # first word of a sentence, a line or the text
    upper: bool                     # written in capitals only ("PARIS", "US")
    dot_after: bool                 # followed directly by "." (a possible abbreviation)
    joint: str = ""                 # how it joins the previous token of its run: space|hyphen|dot|connector|possessive


@dataclass(slots=True)
class Span:
    """A recognised place name: ``text[start:end]`` with its gazetteer candidates."""

    start: int
    end: int
    text: str
    key: str                        # the normalized gazetteer key
    candidates: list = field(default_factory=list)   # list[Candidate]; empty when unresolvable
    admin_hint: str = ""            # "region"/"county"... when the text named an administrative unit
    dateline: bool = False          # "PARIS, Texas —" at the start of a paragraph
    demonym: bool = False           # "Ukrainian": a demonym, mapped to its country
    reasons: list = field(default_factory=list)      # why it was kept (for --explain)
    street: bool = False            # "Main Street", "Highway 19": placed where the article's town is
    generic: str = ""               # "water" ("Dnipro river") or "landmark" ("Kakhovka dam"): see traps.py
    unplaced: bool = False          # "near Robotyne": a place-like name the gazetteer lacks
    place_like: bool = False        # "the village of X", "near X": the text itself says it is a place


def tokenize(text: str) -> list[Token]:
    """Capitalised tokens of ``text`` with their exact offsets and sentence position."""
    tokens: list[Token] = []
    size = len(text)
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_'’"):
            continue                           # inside a word ("iPhone", "o'Neill" handled as one)
        word = m.group()
        if word.endswith(_POSSESSIVE) and len(word) > 3:
            end -= 2
            word = word[:-2]
        dot_after = end < size and text[end] == "." and not word.endswith(".")
        if start > 1 and text[start - 1] == " " and text[start - 2].isalnum():
            sentence_start = False             # the common case, "in Kherson", decided inline
        else:
            sentence_start = _starts_sentence(text, start, tokens)
        tokens.append(Token(start, end, word, word.casefold().rstrip("."), sentence_start,
                            word.isupper() and len(word) > 1, dot_after))
    return tokens


def _starts_sentence(text: str, start: int, previous: list[Token]) -> bool:
    """True when only quotes/brackets separate ``start`` from the text start or a sentence end."""
    if start > 1 and text[start - 1] == " " and text[start - 2].isalnum():
        return False                           # the common case: "in Kherson"
    i = start - 1
    while i >= 0 and text[i] in " \t\r\"'“”‘’([{«—–-*#>•":
        if text[i] in "—–-" and i > 0 and text[i - 1] not in " \n":
            break
        i -= 1
    if i < 0 or text[i] == "\n":
        return True
    if text[i] not in _SENTENCE_END:
        return False
    if text[i] == "." and previous and previous[-1].end in (i, i + 1):
        prev = previous[-1]
        if prev.lower in DOT_JOINERS or prev.text.endswith(".") or len(prev.lower) == 1:
            return False                       # "Gov. Perry", "U.S. Army", "John F. Kennedy"
    return True


def runs(text: str, tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into runs: the stretches a multi-word proper name can occupy."""
    out: list[list[Token]] = []
    current: list[Token] = []
    for tok in tokens:
        if not current:
            joint = ""
        elif tok.start == current[-1].end + 1 and text[tok.start - 1] == " ":
            joint = "space"                    # the common case, decided inline
        else:
            joint = _joint(text, current[-1], tok)
        if joint:
            tok.joint = joint
            current.append(tok)
        else:
            if current:
                out.append(current)
            current = [tok]
    if current:
        out.append(current)
    return out


_ARABIC_ARTICLES = frozenset("al el ad ar as ash at az ed en er es et ez an ul".split())
_HYPHEN_CONNECTORS = frozenset(f"-{w}-" for w in "au aux de du des en la le les sur sous upon on by the".split())


def _joint(text: str, a: Token, b: Token) -> str:
    """How token ``b`` continues the run that ends with ``a``; '' when it does not."""
    gap = text[a.end:b.start]
    if gap == " ":
        return "space"
    if gap in ("-", "‐", "‑"):
        return "hyphen"
    if gap in _HYPHEN_CONNECTORS:
        return "connector"                     # "Port-au-Prince", "Stratford-upon-Avon"
    if gap == ". " and (a.lower in DOT_JOINERS or len(a.lower) == 1):
        return "dot"                           # "St. Louis", "Gov. Perry", "John F. Kennedy"
    if gap in ("'s ", "’s "):
        return "possessive"                    # "Martha's Vineyard"; the lookup decides
    if gap[:1] == " " and gap[-1:] == "-" and gap[1:-1] in _ARABIC_ARTICLES:
        return "connector"                     # "Bab el-Mandeb", "Deir al-Balah"
    if gap.startswith(" ") and gap.endswith(" ") and "\n" not in gap:
        words = gap.split(None, 2)             # three parts: more than two words
        if 0 < len(words) <= 2 and all(w in CONNECTORS for w in words):
            return "connector"                 # "Sea of Azov", "Bosnia and Herzegovina"
    return ""


@dataclass(slots=True)
class _Match:
    i: int                          # first token index in the run
    j: int                          # one past the last token index
    key: str
    candidates: list


def _longest_matches(keys: list[list[tuple[int, str]]], found: dict[str, list]) -> list[_Match]:
    """Left to right, the longest token sequence whose key the gazetteer knows (``keys`` as
    :meth:`Extractor._keys` gives them for one run)."""
    out = []
    i, n = 0, len(keys)
    while i < n:
        for j, key in keys[i]:
            cands = found.get(key)
            if cands is not None:
                out.append(_Match(i, j, key, cands))
                i = j
                break
        else:
            i += 1
    return out


class _LowercaseWords:
    """The words an article also writes in lowercase ("mobile", "hope"): ``word in words`` asks
    whether ``word`` occurs between non-word characters, searched on demand and remembered, as
    only a few words of an article are ever asked about."""

    def __init__(self, text: str):
        self.text = text
        self._known: dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = word.isascii() and word.isalpha() and word.islower() \
                and self._occurs(word)
        return known

    def _occurs(self, word: str) -> bool:
        text, size = self.text, len(word)
        at = text.find(word)
        while at >= 0:
            before, after = text[at - 1:at], text[at + size:at + size + 1]
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                return True
            at = text.find(word, at + 1)
        return False


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
        self._key_cache: dict[str, str] = {}
        self._found_cache: dict[str, list | None] = {}
        self._traits_cache: dict[str, tuple[frozenset[str], bool]] = {}

    def spans(self, text: str) -> list[Span]:
        """Non-overlapping place spans of ``text``, sorted by start."""
        tokens = tokenize(text)
        if not tokens:
            return []
        groups = runs(text, tokens)
        keys = [self._keys(text, run) for run in groups]
        wanted = {key for run_keys in keys for ends in run_keys for _, key in ends}
        for run in groups:                     # "Kakhovka dam": the feature's own name, in the same query
            end = run[-1].end
            if end + 1 < len(text) and text[end] == " " and text[end + 1].islower():
                generic, generic_end = traps.generic_after(text, end)
                if generic:
                    wanted.update(self._key(text[tok.start:generic_end]) for tok in run[-self.max_tokens:])
        found = self._lookup(wanted)
        lowercase_words = _LowercaseWords(text)
        persons: set[str] = set()
        kept: list[tuple[Span, bool]] = []
        for run, run_keys in zip(groups, keys):
            matches = _longest_matches(run_keys, found)
            if len(run) > 1:
                named = _streets(text, run) + _features(text, run, matches)
            else:                              # one word: only a numbered road ("Route 9")
                named = _streets(text, run) if run[0].lower in STREET_WORDS else []
            if named:
                kept += [(s, False) for s in named]
                matches = [m for m in matches if not any(s.start < run[m.j - 1].end and run[m.i].start < s.end
                                                         for s in named)]
            if not named:                      # "near Robotyne", "into Klishchiivka on Bakhmut's flank"
                k = matches[0].i if matches else len(run)
                k = next((x for x in range(1, min(k + 1, len(run))) if run[x].joint == "connector"
                          and text[run[x].start - 1] == " "), k if not matches else 0)   # (not "al-")
                after_place = bool(kept) and text[kept[-1][0].end:run[0].start] in traps.LIST_GAPS \
                    and bool(kept[-1][0].candidates)
                if k and (span := self._unplaced(text, run[:k], lowercase_words, after_place)) is not None:
                    kept.append((span, False))
            if not matches:
                continue
            matched = {k: m for m in matches for k in range(m.i, m.j)}
            person_from = [None, None]         # token range of a person's name in this run
            for match in matches:
                span = self._judge(text, run, match, matched, lowercase_words, persons, person_from)
                if span is not None:
                    kept.append((span, match.j - match.i == 1))
        # A surname of a person named in the article is not a place when it comes back alone.
        kept.sort(key=lambda pair: pair[0].start)
        out: list[Span] = []
        for span, single in kept:
            if single and span.key in persons and span.key not in self.pinned:
                continue
            if out and span.start < out[-1].end:
                continue                       # an "X region" extension reaching the next name
            out.append(span)
        return out

    def _unplaced(self, text: str, run: list[Token], lowercase_words: _LowercaseWords,
                  after_place: bool = False) -> Span | None:
        """A place-like name the gazetteer lacks, as an unresolved span (``geomap.unplaced``)."""
        if len(run) > 3 or run[0].sentence_start:
            return None                        # the common case, decided before the import
        from geomap.unplaced import unplaced_span

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
            if len(self._key_cache) > _CACHE_LIMIT:
                self._key_cache.clear()
            if name.isascii() and name.replace(" ", "").isalpha() and "  " not in name:
                key = name.lower()             # what normalize() gives for plain ASCII words
            else:
                key = self.normalize(name)
            self._key_cache[name] = key
        return key

    def _keys(self, text: str, run: list[Token]) -> list[list[tuple[int, str]]]:
        """For each token of the run, the ``(end, key)`` of every token sequence a name starting
        there may span, longest first; sequences that start or end with a function word
        ("In Texas", "May") are not names."""
        known = self._key_cache
        if len(run) == 1:                      # most runs: one word
            tok = run[0]
            return [[] if _never_starts(tok) else [(1, known.get(tok.text) or self._key(tok.text))]]
        never = [_never_starts(tok) for tok in run]
        n = len(run)
        out = []
        for i in range(n):
            ends = []
            if not never[i]:
                start = run[i].start
                for j in range(min(n, i + self.max_tokens), i, -1):
                    if j - 1 == i or not never[j - 1]:
                        name = text[start:run[j - 1].end]
                        ends.append((j, known.get(name) or self._key(name)))
            out.append(ends)
        return out

    def _lookup(self, keys: set[str]) -> dict[str, list]:
        """Gazetteer candidates per key (pinned keys always present, ignored ones never),
        memoised across articles, one gazetteer query for the keys not seen before."""
        cache = self._found_cache
        missing = [k for k in keys if k not in cache]
        if missing:
            if len(cache) + len(missing) > _CACHE_LIMIT:
                cache.clear()
                missing = list(keys)
            found = self.gazetteer.lookup(k for k in missing if k not in self.ignore)
            for k in missing:
                cands = found.get(k)
                if cands is None and k in self.pinned:
                    cands = []
                cache[k] = None if k in self.ignore else cands
        return {k: cands for k in keys if (cands := cache[k]) is not None}

    # -- filters --------------------------------------------------------------------------------
    def _judge(self, text: str, run: list[Token], m: _Match, matched: dict[int, _Match],
               lowercase_words: _LowercaseWords, persons: set[str], person_from: list) -> Span | None:
        """The span for a gazetteer match, or None when its context says it is not a place."""
        first, last = run[m.i], run[m.j - 1]
        cands = m.candidates
        kinds, major = self._traits(m.key, cands)
        demonym = kinds == _DEMONYM_ONLY
        if demonym and not self.settings.demonyms:
            return None
        if not demonym and "demonym" in kinds:
            rest = [c for c in cands if c.name_kind != "demonym"]
            if any(c.feature in _MAJOR for c in rest):
                cands, major = rest, True
            elif not self.settings.demonyms:
                return None                    # "Georgian", "Arab": the adjective, not a hamlet
            else:
                demonym, cands = True, [c for c in cands if c.name_kind == "demonym"]
                major = any(c.feature in _MAJOR for c in cands)
        if m.key not in self.pinned and not self._is_place(text, run, m, cands, major, matched,
                                                           lowercase_words, persons, person_from):
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
        follow = _word_after(text, end)
        if follow and not demonym and (m.j == len(run) or run[m.j].start == end + 1) \
                and not any(c.feature in _COUNTRY_LEVEL for c in cands):
            word = follow.lower()
            if word in ADMIN_WORDS and (word in PLACE_SUFFIXES or follow.islower()
                                         or word in ("region", "oblast", "province")):
                end += 1 + len(follow)
                admin_hint = word
                reasons.append(f"'{follow}' names an administrative area")
        return Span(start, end, text[start:end], m.key, cands, admin_hint=admin_hint,
                    dateline=_dateline(text, first), demonym=demonym, reasons=reasons,
                    place_like=traps.place_like_before(text, start, strong=True))

    def _traits(self, key: str, cands: list) -> tuple[frozenset[str], bool]:
        """The name kinds of a key's candidates and whether one is a major place (a country, a
        first-level area, a sea), memoised by key like the candidates themselves."""
        traits = self._traits_cache.get(key)
        if traits is None:
            if len(self._traits_cache) > _CACHE_LIMIT:
                self._traits_cache.clear()
            traits = self._traits_cache[key] = (frozenset(c.name_kind for c in cands),
                                                any(c.feature in _MAJOR for c in cands))
        return traits

    def _is_place(self, text: str, run: list[Token], m: _Match, cands: list, major: bool, matched: dict,
                  lowercase_words: _LowercaseWords, persons: set[str], person_from: list) -> bool:
        """Whether a gazetteer match is meant as a place: first by the run around it, then, for a
        one-word match, by the word itself (``major``: a candidate is a country, area or sea)."""
        if not self._fits_run(text, run, m, cands, major, matched, persons, person_from):
            return False
        if m.j - m.i > 1:
            return not _the_town(text, run[m.i], run, m, cands)
        return self._word_is_place(text, run, m, cands, major, lowercase_words)

    def _fits_run(self, text: str, run: list[Token], m: _Match, cands: list, major: bool,
                  matched: dict, persons: set[str], person_from: list) -> bool:
        """False when the match is part of a person's name, of an organisation's or a newspaper's
        name, of a longer proper name, or names something else (a disease, a currency)."""
        first = run[m.i]
        single = m.j - m.i == 1
        word = first.lower
        before = run[m.i - 1] if m.i > 0 and first.joint in ("space", "dot", "hyphen") else None
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        if person_from[0] is not None and person_from[0] <= m.i < person_from[1]:
            return False                       # the rest of a person's name
        if before is not None and (m.i - 1) in matched and single and not major \
                and first.joint == "space" and _physical(matched[m.i - 1].candidates):
            return False                       # "Black Sea Fleet", "Gulf War": a sea's name goes on
        if before is not None and (m.i - 1) not in matched:
            if first.joint != "hyphen" and self._person_before(run, m.i):
                _mark_person(run, m.i, persons, person_from, self.normalize)
                return False                   # "Gov. Rick Perry", "Mr Putin", "Emily Paris", "Tyrise M. Bell"
            if not self._harmless_before(run, m.i) and not major:
                return False                   # half of a longer name: "Sam Houston", "Generation Charleston"
            if before.lower in _SAINT and not major:
                return False                   # "St. Patrick": a saint, or a place missing from the gazetteer
        if single and not major and (word in INSTITUTION or (len(run) > 1 and (
                word in MEDIA or word in TITLES or word in FEATURE_HEADS))):
            return False                       # an organisation's word: "Police", "Center", "Chamber of Commerce"
        if single and first.joint == "possessive" and not _strong(cands) \
                and not traps.generic_after(text, first.end)[0]:   # (but "Mariupol's Azovstal steelworks")
            return False                       # "Patrick's Day" (but "the FBI's Atlanta office")
        if word in _SAINT and m.j < len(run) and run[m.j].joint == "possessive":
            return False                       # "St. Patrick's Day", "St. John's School"
        if _media_after(run, m.j):
            return False                       # "Washington Post", "Lansing State Journal"
        if single and not major and _company_or_vehicle(text, first, run, m.j):
            return False                       # "Stevens & Wilkinson", "a 1992 Toyota Corolla", "Hope's Wings"
        if after is not None and after.lower in _SUFFIXES:
            _mark_person(run, m.i, persons, person_from, self.normalize)
            return False                       # "George Bush Sr.", "Martin Luther King Jr"
        if after is not None and single and after.joint == "space" \
                and (first.joint not in ("connector", "possessive") or _and_before(text, first)) \
                and word in self.first_names and self._surname(after) \
                and not (m.j in matched and _contains(matched[m.j].candidates, cands)):
            _mark_person(run, m.i, persons, person_from, self.normalize)
            return False                       # "Paris Hilton", "Jordan Henderson", "Vladimir Putin"
        if _named_after(text, run[m.j - 1].end):
            return False                       # "West Nile virus", "Lassa fever", "US$5"
        return not traps.not_a_place(text, first.start, run[m.j - 1].end, single and word in self.first_names)

    def _word_is_place(self, text: str, run: list[Token], m: _Match, cands: list, major: bool,
                       lowercase_words: _LowercaseWords) -> bool:
        """For a one-word match: not a month, weekday, title, function word, acronym, common word
        of this article, nor a speaker ("Robertson said")."""
        first = run[m.i]
        word = first.lower
        after = run[m.j] if m.j < len(run) and run[m.j].joint in ("space", "hyphen") else None
        if word in MONTHS or word in WEEKDAYS or word in NOT_PLACES or word in DESCRIPTIVE \
                or word in DOT_JOINERS or word in STREET_WORDS or (word in TITLES and (not major or after is not None)):
            return False                       # "Miss Cordiner" (but "Jackson, Miss.")
        if first.upper and len(word) <= 4 and not _dateline(text, first) \
                and not any(c.name_kind == "abbr" for c in cands):
            return False                       # acronyms: "WHO", "AIDS"
        if word in STOPWORDS and not major:
            return False
        if first.sentence_start and m.i == 0 and word in _COMMON_OPENERS:
            return False
        if not major and (first.sentence_start or not _strong(cands)) and word in lowercase_words:
            return False                       # the article uses it as a common word: "mobile", "hope"
        if not major and len(run) == 1 and _said(text, first) and not any(c.feature == "PPLC" for c in cands):
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
                or word in _COMMON_OPENERS or prev.upper:
            return True
        if len(word) == 1 and run[i].joint == "hyphen":
            return True                        # party and home town: "Rep. Barbara Lee, D-Oakland"
        return prev.sentence_start and i == 1 and word.endswith(("ing", "ed", "ly"))


_NAMED_AFTER = (" virus", " fever", " ebolavirus", " hemorrhagic", " haemorrhagic", " disease",
                "$", " dollar")


def _contains(areas: list, cands: list) -> bool:
    """Whether one of ``areas`` is a country or first-level area holding one of ``cands``: then
    "Florence Alabama", "Austin Texas" are a place written without its comma, while "Florence
    Kingston" or "Paris Hilton" (no Florence in Kingston parish) is a person."""
    for a in areas:
        if a.feature == "ADM1":
            if any(c.place.country == a.place.country and c.admin1_code == a.admin1_code
                   and c.feature != "ADM1" for c in cands):
                return True
        elif a.feature in _COUNTRY_LEVEL and a.feature != "CONT":
            if any(c.place.country == a.place.country and c.feature not in _COUNTRY_LEVEL for c in cands):
                return True
    return False


def _named_after(text: str, end: int) -> bool:
    """A place name used to name something else: a disease ("Marburg virus"), a currency ("US$")."""
    return text[end:end + 13].lower().startswith(_NAMED_AFTER)


# Natural features written around a name: "Neches River", "Lake Opechee", "Fort Hood", "Gulf of Aden".
FEATURE_SUFFIXES = frozenset("""river creek lake lakes island islands bay mountain mountains valley
peninsula canyon desert glacier falls wilderness""".split())
FEATURE_PREFIXES = frozenset("lake mount mt fort ft cape".split())        # "Lake Opechee", "Fort Hood"
FEATURE_OF = frozenset("sea gulf bay isle lake strait straits".split())     # "Gulf of Aden"


def _features(text: str, run: list[Token], matches: list[_Match]) -> list[Span]:
    """Natural features and forts the gazetteer lacks, as unresolved spans, so that the town
    inside ("Hudson" in "Hudson River", "Azov" in "Sea of Azov") is never taken instead. A feature
    the gazetteer knows is a longer match and wins over this."""
    whole = [(m.i, m.j) for m in matches if m.j - m.i > 1]
    out = []
    for k, tok in enumerate(run):
        word = tok.lower
        i = j = None
        nxt = run[k + 1] if k + 1 < len(run) else None
        if word in FEATURE_SUFFIXES and k > 0 and tok.joint == "space" and _namey(run[k - 1]):
            i, j = k - 1, k + 1
        elif nxt is not None and _namey(nxt) and (
                (word in FEATURE_PREFIXES and nxt.joint in ("space", "dot"))
                or (word in FEATURE_OF and text[tok.end:nxt.start] == " of ")):
            i, j = k, k + 2
        if i is None or any(a < j and i < b for a, b in whole) or (out and run[i].start < out[-1].end):
            continue                           # a longer gazetteer name ("Black Sea Fleet") wins
        start, end = run[i].start, run[j - 1].end
        out.append(Span(start, end, text[start:end], text[start:end].casefold(), [],
                        reasons=["a natural feature (or base) missing from the gazetteer"]))
    return out


def _namey(tok: Token) -> bool:
    """A word that can be the proper part of a feature's name."""
    word = tok.lower
    return not (word in STOPWORDS or word in INSTITUTION or word in TITLES or word in MONTHS
                or word in WEEKDAYS or word in FEATURE_SUFFIXES or word in STREET_WORDS)


_STREET_ABBREVIATIONS = frozenset("st ave rd blvd pkwy hwy".split())
_NUMBER_AFTER = re.compile(r" \d{1,4}[A-Z]?\b")


def _streets(text: str, run: list[Token]) -> list[Span]:
    """Street names in a run: up to three capitalised words before a street word ("Main Street",
    "Orchard St.", "Garnett Ridge Drive"), or a numbered road ("Highway 19", "Route 9")."""
    out = []
    for k, tok in enumerate(run):
        word = tok.lower
        if word not in STREET_WORDS:
            continue
        end = tok.end
        if word in ("highway", "hwy", "route"):
            number = _NUMBER_AFTER.match(text, end)
            if not number:
                continue
            start, end = (tok.start, number.end()) if k == 0 or tok.joint != "space" else (run[k - 1].start, number.end())
        else:
            if k == 0 or tok.joint != "space" or (word == "st" and not tok.dot_after):
                continue
            i = k - 1
            while i > 0 and k - i < 3 and run[i].joint in ("space", "hyphen") and run[i - 1].lower not in STOPWORDS:
                i -= 1
            if run[i].lower in STOPWORDS and i < k - 1:
                i += 1
            start = run[i].start
            if tok.dot_after and word in _STREET_ABBREVIATIONS:
                end += 1                       # "St." "Ave."
        if out and start < out[-1].end:
            continue
        out.append(Span(start, end, text[start:end], text[start:end].casefold(), [], street=True,
                        reasons=["a street: placed at the article's town"]))
    return out


def _never_starts(tok: Token) -> bool:
    """Tokens that can neither start nor end a place name: function words other than "The"
    ("The Hague"), months and weekdays. Written in capitals they may be codes ("US", "IN")."""
    word = tok.lower
    return not tok.upper and (word in _FUNCTION_WORDS or word in MONTHS or word in WEEKDAYS)


def _mark_person(run: list[Token], i: int, persons: set[str], person_from: list, normalize) -> None:
    """Record that the run's tokens from ``i`` up to the next connector are a person's name, and
    remember the surname so that it is not taken for a place when it comes back alone."""
    k = i + 1
    while k < len(run) and run[k].joint in ("space", "dot", "hyphen"):
        k += 1
    person_from[0], person_from[1] = i, k
    persons.add(normalize(run[k - 1].text))


def _and_before(text: str, tok: Token) -> bool:
    """Joined to the previous name by "and": "Carter and George Bush" (unlike "of Georgia")."""
    return text[max(0, tok.start - 5):tok.start] == " and "


_SUFFIXES = frozenset("jr sr ii iii iv".split())
_YEAR_BEFORE = re.compile(r"(?:19|20)\d\d $")


def _company_or_vehicle(text: str, tok: Token, run: list[Token], j: int) -> bool:
    """A one-word small place used as a firm's or a car's name: next to "&", after a model year,
    or before a possessive and another name ("Hope's Wings")."""
    if text[tok.end:tok.end + 3] == " & " or text[max(0, tok.start - 3):tok.start] == " & ":
        return True
    if _YEAR_BEFORE.search(text, max(0, tok.start - 5), tok.start) and not _dateline(text, tok):
        return True                            # (not "2009 NEWARK --": a dated dateline)
    return j < len(run) and run[j].joint == "possessive" and not traps.facility_after_possessive(text, tok.end)


def _physical(cands: list) -> bool:
    """Only natural features or regions (seas, gulfs, rivers, ranges), no town, area or country."""
    return bool(cands) and not any(c.feature.startswith(("PPL", "ADM", "PCL")) for c in cands)


def _media_after(run: list[Token], j: int) -> bool:
    """A newspaper word among the words that continue the name ("Atlanta Journal-Constitution")."""
    while j < len(run) and run[j].joint in ("space", "hyphen"):
        if run[j].lower in MEDIA:
            return True
        if run[j].lower not in INSTITUTION:
            return False                       # "Gainesville VFW Post": a veterans' post
        j += 1
    return False


def _the_town(text: str, first: Token, run: list[Token], m: _Match, cands: list) -> bool:
    """``the White House said``, ``Committee of the Red Cross``: a multi-word small-town name right
    after "the" and ending its run is a building or an institution, not the town; so is
    "The City", "The Hill" ("The Hague" is a name of its own)."""
    if m.j - m.i == 2 and first.lower == "the" and (run[m.i + 1].lower in INSTITUTION
                                                   or run[m.i + 1].lower in FEATURE_HEADS):
        return True
    return m.j == len(run) and m.j - m.i > 1 and bool(cands) \
        and text[max(0, first.start - 4):first.start] in ("the ", "The ") \
        and all(c.population < 50_000 for c in cands if c.name_kind == "name") and all(c.feature.startswith("PPL") for c in cands) \
        and text[max(0, first.start - 4):first.start] in ("the ", "The ")


_LOCATIVE = (" in ", " of ", " at ", " near ", " from ", " to ")


def _said(text: str, tok: Token) -> bool:
    """``X said`` / ``said X.``: a person speaking (not "a resident of Lubbock told", nor
    "said Laconia police")."""
    if text[max(0, tok.start - 6):tok.start].endswith(_LOCATIVE):
        return False
    if text.startswith((" said", " says", " told"), tok.end):
        return True
    if text[max(0, tok.start - 5):tok.start] in ("said ", "says ", "told "):
        return tok.end == len(text) or text[tok.end] in ".,;"
    return False


# Capitalised words that are names of small places somewhere but, in news, almost never mean them.
NOT_PLACES = frozenset("""christmas easter passover hanukkah ramadan thanksgiving halloween
god jesus christ allah christian christians muslim jewish catholic protestant baptist methodist
bible church gospel heaven democrat democrats republican republicans congress parliament
none nothing everyone everything someone something anyone man woman men women arab arabs english
""".split())

# Words for natural features: "Sea of X", "X River" are other places than the town X.
FEATURE_HEADS = frozenset("""sea gulf bay lake lakes isle island islands strait straits cape mount
mountain mountains river creek sound peninsula canal channel ocean desert valley falls glacier
""".split())


_COUNTRY_LEVEL = frozenset("PCLI PCLD PCLF PCLS PCLIX PCL TERR CONT".split())
_SAINT = frozenset("st ste saint sainte ft fort mt mount pt port".split())
# Closed-class words no place name starts or ends with (unlike "New", "Old", "Two", "The").
_FUNCTION_WORDS = frozenset("""a an this that these those there their they them he she it its his her
we our you your i me my in on at to of for from by with without into onto upon over under after
before during since until while when where what which who whom whose why how if but and or nor so
yet as although though because unless whether is are was were be been being am has have had do
does did will would shall should can could may might must according meanwhile however""".split())
MAX_NAME_TOKENS = 5          # "Saint Vincent and the Grenadines" is 3 tokens: connectors do not count
_CACHE_LIMIT = 200_000     # memoised names/lookups per process before starting afresh
_DEMONYM_ONLY = frozenset({"demonym"})
_MAJOR = frozenset("PCLI PCLD PCLF PCLS PCLIX PCL TERR ADM1 CONT RGN SEA OCN GULF".split())
# Frequent sentence openers that are also names of small places somewhere.
_COMMON_OPENERS = frozenset("""although both during early even given like many most much only
other over police several since such then there these they this those though thus under unlike
until what when where while why with within yet officials authorities residents""".split())


def _strong(cands: list) -> bool:
    """A name whose best candidate is big enough to be meant even when the word is also common."""
    return any(c.population >= 100_000 or c.feature in _MAJOR for c in cands)


def _word_after(text: str, end: int) -> str:
    """The word right after ``end`` when a single space separates them, else ''."""
    if end + 1 >= len(text) or text[end] != " ":
        return ""
    k = end + 1
    while k < len(text) and text[k].isalpha():
        k += 1
    return text[end + 1:k]


_DATELINE_REST = re.compile(r"[A-Z .]*(?:,|\s+(?:--|—|–|\(AP\)|\(Reuters\)))")


def _dateline(text: str, tok: Token) -> bool:
    """``PARIS, Texas —`` / ``KYIV, Ukraine (AP) —`` / ``OMAHA --``: an upper-case place opening a paragraph."""
    return tok.upper and (tok.sentence_start or traps.year_dateline(text, tok.start)) \
        and _DATELINE_REST.match(text, tok.end, tok.end + 40) is not None
