"""Tokens, runs and spans: the first two steps of :mod:`geomap.extract` and its data types.

*Tokens* are the capitalised words of a text with their exact offsets (``Kherson``, ``U.S.``,
``O'Keeffe``; a possessive ``'s`` is left out, hyphens split words); *runs* are the stretches of
neighbouring tokens a multi-word proper name can occupy (joined by a space, a hyphen, a lowercase
connector or an abbreviation dot; never across a line break or sentence punctuation). A :class:`Span`
is a recognised name, a :class:`Match` a gazetteer key found over tokens ``i:j`` of a run;
:class:`LowercaseWords` answers which words the text also writes in lowercase.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from geomap.wordlists import ARABIC_ARTICLES, CONNECTORS, DOT_JOINERS, HYPHEN_CONNECTORS, word_flags


# Upper-case letters of the scripts news text uses (Latin, Greek, Cyrillic), for the token regex.
UPPER = "".join(sorted({ch for rng in ((0x41, 0x250), (0x370, 0x530), (0x1E00, 0x1F00))
                         for ch in map(chr, range(*rng)) if ch.isupper()}))
# Every token starts with a capital (or "d'"/"l'"): the pattern opens with that one character
# class, which lets the regex engine skip the rest of the text quickly; lookbehinds then pick the branch.
TOKEN = re.compile(
    rf"[{UPPER}dl](?:(?<=[{UPPER}])(?:"
    rf"[^\W\d_]{{0,2}}\.(?:[{UPPER}][^\W\d_]{{0,2}}\.)+"   # U.S.  D.C.  W.Va.
    rf"|[^\W_]*(?:['’][^\W\d_]+)*)"                          # Kherson  O'Keeffe  McAllen  Ukraine's
    rf"|(?<=[dl])['’][{UPPER}][^\W_]*)"                       # elided articles: Côte d'Ivoire
)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_JOINT_FIRST = frozenset(" -‐‑.'’")            # the first character of every gap that joins two tokens
_SENTENCE_END = ".!?:;\n"


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
    flags: int = 0                  # wordlists.word_flags(lower): the word classes holding it (MONTH, TITLE...)


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
    reasons: list | tuple = field(default_factory=list)   # why it was kept (for --explain); read-only
    street: bool = False            # "Main Street", "Highway 19": placed where the article's town is
    generic: str = ""               # "water" ("Dnipro river") or "landmark" ("Kakhovka dam"): see traps.py
    unplaced: bool = False          # "near Robotyne": a place-like name the gazetteer lacks
    place_like: bool = False        # "the village of X", "near X": the text itself says it is a place


def tokenize(text: str) -> list[Token]:
    """Capitalised tokens of ``text`` with their exact offsets and sentence position (every
    occurrence of a word shares one string for the word and one for its casefolded form)."""
    return list(iter_tokens(text))


def iter_tokens(text: str) -> Iterator[Token]:
    """:func:`tokenize`'s tokens one by one: a token no run holds any more can be freed."""
    prev: Token | None = None                  # the previous token (what _starts_sentence reads)
    # one (word, lower, upper, flags, cut, may_dot) per distinct match of TOKEN: the word without a
    # possessive "'s" (``cut``: 2 characters cut), whether a dot after it may be an abbreviation's
    words: dict[str, tuple[str, str, bool, int, int, bool]] = {}
    known = words.get
    for m in TOKEN.finditer(text):
        start, end = m.span()
        if start > 1:
            before = text[start - 1]
            if before == " " and text[start - 2].isalnum():
                sentence_start = False         # the common case, "in Kherson": one test for both
            elif before.isalnum() or before in "_'’":
                continue                       # inside a word ("iPhone", "o'Neill" handled as one)
            else:
                sentence_start = _starts_sentence(text, start, [prev] if prev is not None else [])
        elif start and (text[0].isalnum() or text[0] in "_'’"):
            continue
        else:
            sentence_start = _starts_sentence(text, start, [prev] if prev is not None else [])
        shared = known(raw := m.group())
        if shared is None:
            word, cut = (raw[:-2], 2) if raw.endswith(_POSSESSIVE) and len(raw) > 3 else (raw, 0)
            word = words[word][0] if word in words else word     # (one string per word)
            lower = word.casefold().rstrip(".")
            shared = words[raw] = (word, lower, word.isupper() and len(word) > 1, word_flags(lower), cut,
                                   not word.endswith("."))
        word, lower, upper, flags, cut, may_dot = shared
        if cut:
            end -= cut
        prev = Token(start, end, word, lower, sentence_start, upper, may_dot and text[end:end + 1] == ".", "", flags)
        yield prev


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


def runs(text: str, tokens: Iterable[Token]) -> list[list[Token]]:
    """Group tokens into runs: the stretches a multi-word proper name can occupy."""
    return list(iter_runs(text, tokens))


def iter_runs(text: str, tokens: Iterable[Token]) -> Iterator[list[Token]]:
    """:func:`runs` one by one, from any iterable of tokens (:func:`iter_tokens`): a 20 MB article's
    runs are never all held, only the one being read."""
    current: list[Token] = []
    for tok in tokens:
        if not current:
            joint = ""
        elif tok.start == current[-1].end + 1 and text[tok.start - 1] == " ":
            joint = "space"                    # the common case, decided inline
        else:
            joint = joint_between(text, current[-1], tok)
        if joint:
            tok.joint = joint
            current.append(tok)
        else:
            if current:
                yield current
            current = [tok]
    if current:
        yield current


def joint_between(text: str, a: Token, b: Token) -> str:
    """How token ``b`` continues the run that ends with ``a``; '' when it does not."""
    if b.start == a.end + 1 and text[a.end] == " ":
        return "space"                         # the common case, decided first
    if text[a.end:a.end + 1] not in _JOINT_FIRST:
        return ""                              # ", ", ": ", a line break: most gaps, decided on one character
    gap = text[a.end:b.start]
    if gap == " ":
        return "space"
    if gap in ("-", "‐", "‑"):
        return "hyphen"
    if gap in HYPHEN_CONNECTORS:
        return "connector"                     # "Port-au-Prince", "Stratford-upon-Avon"
    if gap == ". " and (a.lower in DOT_JOINERS or len(a.lower) == 1):
        return "dot"                           # "St. Louis", "Gov. Perry", "John F. Kennedy"
    if gap in ("'s ", "’s "):
        return "possessive"                    # "Martha's Vineyard"; the lookup decides
    if gap[:1] == " " and gap[-1:] == "-" and gap[1:-1] in ARABIC_ARTICLES:
        return "connector"                     # "Bab el-Mandeb", "Deir al-Balah"
    if gap.startswith(" ") and gap.endswith(" ") and "\n" not in gap:
        words = gap.split(None, 2)             # three parts: more than two words
        if 0 < len(words) <= 2 and words[0] in CONNECTORS and words[-1] in CONNECTORS:
            return "connector"                 # "Sea of Azov", "Bosnia and Herzegovina"
    return ""


@dataclass(slots=True)
class Match:
    i: int                          # first token index in the run
    j: int                          # one past the last token index
    key: str
    candidates: list


class LowercaseWords:
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
