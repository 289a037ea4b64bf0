"""The context tests of :mod:`geomap.extract`: pure functions of the text and a run of tokens.

Each answers one question about a match or a run ("is a newspaper word after it?", "is this
"X said"?", "which natural features or streets does the run hold?"); the rules of the module
docstring of :mod:`geomap.extract` decide which to ask and when.
"""
from __future__ import annotations

import re

from geomap import traps
from geomap.gazetteer.features import COUNTRY_FEATURES, lies_in
from geomap.tokens import Match, Span, Token
from geomap.wordlists import (FEATURE_HEADS, FEATURE_OF, FEATURE_PREFIXES, FEATURE_SUFFIXES, INSTITUTION,
                              LOCATIVES, MAJOR_FEATURES, MEDIA, NAMED_AFTER, STOPWORDS, STREET_ABBREVIATIONS,
                              STREET_WORDS)
from geomap.wordlists import (FEATURE_WORD, FUNCTION_WORD, INSTITUTION_WORD, MONTH, STOP, STREET,
                              TITLE, WEEKDAY)

def contains(areas: list, cands: list) -> bool:
    """Whether one of ``areas`` is a country or first-level area holding one of ``cands``: then
    "Florence Alabama", "Austin Texas" are a place written without its comma, while "Florence
    Kingston" or "Paris Hilton" (no Florence in Kingston parish) is a person."""
    return any(lies_in(c, a) for a in areas if a.feature == "ADM1" or a.feature in COUNTRY_FEATURES
               for c in cands)


def named_after(text: str, end: int) -> bool:
    """A place name used to name something else: a disease ("Marburg virus"), a currency ("US$")."""
    return text[end:end + 13].lower().startswith(NAMED_AFTER)


def features(text: str, run: list[Token], matches: list[Match]) -> list[Span]:
    """Natural features and forts the gazetteer lacks, as unresolved spans, so that the town
    inside ("Hudson" in "Hudson River", "Azov" in "Sea of Azov") is never taken instead. A feature
    the gazetteer knows is a longer match and wins over this."""
    whole = [(m.i, m.j) for m in matches if m.j - m.i > 1]    # sorted and disjoint, like the matches
    w = 0                                      # the first of them that may still overlap: one walk
    out = []
    for k, tok in enumerate(run):
        if not tok.flags & FEATURE_WORD or (found := feature_at(text, run, k)) is None:
            continue
        i, j = found
        while w < len(whole) and whole[w][1] <= i:
            w += 1
        if (w < len(whole) and whole[w][0] < j) or (out and run[i].start < out[-1].end):
            continue                           # a longer gazetteer name ("Black Sea Fleet") wins
        out.append(feature_span(text, run, i, j))
    return out


def feature_at(text: str, run, k: int) -> tuple[int, int] | None:
    """The tokens ``(i, j)`` of the feature whose feature word is token ``k`` of the run ("Hudson
    River", "Lake Opechee", "Sea of Azov"), before the run's gazetteer names are considered; reads
    tokens ``k - 1`` to ``k + 1`` only (``len(run)`` must be past ``k + 1`` or the run's end)."""
    tok = run[k]
    word = tok.lower
    if word in FEATURE_SUFFIXES and k > 0 and tok.joint == "space" and namey(run[k - 1]):
        return k - 1, k + 1
    nxt = run[k + 1] if k + 1 < len(run) else None
    if nxt is not None and namey(nxt) and (
            (word in FEATURE_PREFIXES and nxt.joint in ("space", "dot"))
            or (word in FEATURE_OF and text[tok.end:nxt.start] == " of ")):
        return k, k + 2
    return None


def feature_span(text: str, run, i: int, j: int) -> Span:
    """The unresolved span of a feature found by :func:`feature_at`."""
    start, end = run[i].start, run[j - 1].end
    return Span(start, end, text[start:end], text[start:end].casefold(), [],
                reasons=["a natural feature (or base) missing from the gazetteer"])


def namey(tok: Token) -> bool:
    """A word that can be the proper part of a feature's name."""
    return not (tok.flags & _NOT_NAMEY or tok.lower in FEATURE_SUFFIXES)


_NOT_NAMEY = STOP | INSTITUTION_WORD | TITLE | MONTH | WEEKDAY | STREET


_NUMBER_AFTER = re.compile(r" \d{1,4}[A-Z]?\b")


def streets(text: str, run: list[Token]) -> list[Span]:
    """Street names in a run: up to three capitalised words before a street word ("Main Street",
    "Orchard St.", "Garnett Ridge Drive"), or a numbered road ("Highway 19", "Route 9")."""
    out: list[Span] = []
    for k, tok in enumerate(run):
        if tok.flags & STREET and (s := street_at(text, run, k, out[-1].end if out else -1)) is not None:
            out.append(s)
    return out


def street_at(text: str, run, k: int, last_end: int) -> Span | None:
    """The street whose street word is token ``k`` of the run, if any and if it starts at or after
    ``last_end`` (where the run's previous street ended); reads tokens ``k - 3`` to ``k`` only."""
    tok = run[k]
    word = tok.lower
    if word not in STREET_WORDS:
        return None
    end = tok.end
    if word in ("highway", "hwy", "route"):
        number = _NUMBER_AFTER.match(text, end)
        if not number:
            return None
        start, end = (tok.start, number.end()) if k == 0 or tok.joint != "space" else (run[k - 1].start, number.end())
    else:
        if k == 0 or tok.joint != "space" or (word == "st" and not tok.dot_after):
            return None
        i = k - 1
        while i > 0 and k - i < 3 and run[i].joint in ("space", "hyphen") and run[i - 1].lower not in STOPWORDS:
            i -= 1
        if run[i].lower in STOPWORDS and i < k - 1:
            i += 1
        start = run[i].start
        if tok.dot_after and word in STREET_ABBREVIATIONS:
            end += 1                           # "St." "Ave."
    if start < last_end:
        return None
    return Span(start, end, text[start:end], text[start:end].casefold(), [], street=True,
                reasons=["a street: placed at the article's town"])


def never_starts(tok: Token) -> bool:
    """Tokens that can neither start nor end a place name: function words other than "The"
    ("The Hague"), months and weekdays. Written in capitals they may be codes ("US", "IN")."""
    return not tok.upper and tok.flags & NEVER_STARTS != 0


NEVER_STARTS = FUNCTION_WORD | MONTH | WEEKDAY     # the flags of never_starts's words (callers test inline)


def and_before(text: str, tok: Token) -> bool:
    """Joined to the previous name by "and": "Carter and George Bush" (unlike "of Georgia")."""
    return text[max(0, tok.start - 5):tok.start] == " and "


_YEAR_BEFORE = re.compile(r"(?:19|20)\d\d $")


def company_or_vehicle(text: str, tok: Token, run: list[Token], j: int) -> bool:
    """A one-word small place used as a firm's or a car's name: next to "&", after a model year,
    or before a possessive and another name ("Hope's Wings")."""
    if text[tok.end:tok.end + 3] == " & " or text[max(0, tok.start - 3):tok.start] == " & ":
        return True
    if _YEAR_BEFORE.search(text, max(0, tok.start - 5), tok.start) and not dateline(text, tok):
        return True                            # (not "2009 NEWARK --": a dated dateline)
    return j < len(run) and run[j].joint == "possessive" and not traps.facility_after_possessive(text, tok.end)


def physical(cands: list) -> bool:
    """Only natural features or regions (seas, gulfs, rivers, ranges), no town, area or country."""
    return bool(cands) and not any(c.feature.startswith(("PPL", "ADM", "PCL")) for c in cands)


def media_after(run: list[Token], j: int) -> bool:
    """A newspaper word among the words that continue the name ("Atlanta Journal-Constitution").
    (A run read window by window, ``extract_window.RunStream``, reads on while the walk needs it.)"""
    more = getattr(run, "read_more", None)
    while (j < len(run) or (more is not None and more())) and run[j].joint in ("space", "hyphen"):
        if run[j].lower in MEDIA:
            return True
        if run[j].lower not in INSTITUTION:
            return False                       # "Gainesville VFW Post": a veterans' post
        j += 1
    return False


def the_town(text: str, first: Token, run: list[Token], m: Match, cands: list) -> bool:
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


def said(text: str, tok: Token) -> bool:
    """``X said`` / ``said X.``: a person speaking (not "a resident of Lubbock told", nor
    "said Laconia police")."""
    if text[max(0, tok.start - 6):tok.start].endswith(LOCATIVES):
        return False
    if text.startswith((" said", " says", " told"), tok.end):
        return True
    if text[max(0, tok.start - 5):tok.start] in ("said ", "says ", "told "):
        return tok.end == len(text) or text[tok.end] in ".,;"
    return False


def strong(cands: list) -> bool:
    """A name whose best candidate is big enough to be meant even when the word is also common."""
    return any(c.population >= 100_000 or c.feature in MAJOR_FEATURES for c in cands)


def word_after(text: str, end: int) -> str:
    """The word right after ``end`` when a single space separates them, else ''."""
    if end + 1 >= len(text) or text[end] != " ":
        return ""
    k = end + 1
    while k < len(text) and text[k].isalpha():
        k += 1
    return text[end + 1:k]


_DATELINE_REST = re.compile(r"[A-Z .]*(?:,|\s+(?:--|—|–|\(AP\)|\(Reuters\)))")


def dateline(text: str, tok: Token) -> bool:
    """``PARIS, Texas —`` / ``KYIV, Ukraine (AP) —`` / ``OMAHA --``: an upper-case place opening a paragraph."""
    return tok.upper and (tok.sentence_start or traps.year_dateline(text, tok.start)) \
        and _DATELINE_REST.match(text, tok.end, tok.end + 40) is not None


def outside(matches: list[Match], run: list[Token], named: list[Span]) -> list[Match]:
    """The matches (sorted, disjoint) overlapping none of the ``named`` spans: one walk over the
    union of the spans, linear however many streets or features the run holds."""
    cover: list[list[int]] = []
    for s in sorted(named, key=lambda s: s.start):
        if cover and s.start <= cover[-1][1]:
            cover[-1][1] = max(cover[-1][1], s.end)
        else:
            cover.append([s.start, s.end])
    out, k = [], 0
    for m in matches:
        start, end = run[m.i].start, run[m.j - 1].end
        while k < len(cover) and cover[k][1] <= start:
            k += 1
        if k == len(cover) or cover[k][0] >= end:
            out.append(m)
    return out
