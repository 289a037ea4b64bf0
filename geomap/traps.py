"""Context rules for names that look like places but are not, and for features named after places.

Closed-class English words written by the team, and the small text tests :mod:`geomap.extract`
calls around a gazetteer match. Every test reads only the characters next to the match:

- **people in apposition or speech**: ``said Sofia, a medic``, ``Victoria, a schoolteacher,``: a
  given name followed by ", a|an|the <noun>" that is not a kind of place is a person, even when
  the name is a capital or a state;
- **vessels**: ``the flagship Moskva``, ``the cruiser Moskva``: a ship's name, not the city;
- **weapons and products**: ``Magura drones``, ``Neptune missiles``;
- **teams**: ``Real Madrid``, ``Houston Rockets``, ``Manchester United``: a club, not the city;
- **awards**: ``Palme d'Or``: an elided article alone (``d'Or``) never names a place;
- **facilities**: ``Toronto's Pearson airport``: a possessive before a facility keeps the place;
- **generic words after a name**: ``Dnipro river``, ``Kakhovka dam``, ``Zaporizhzhia nuclear
  plant``: the span grows over the generic word and tells the resolver what kind of feature it is
  (water, or a landmark named after the place).
- **datelines after a year**: ``2009 NEWARK --``.
"""
from __future__ import annotations

import re

# Generic words of water features after a name, lowercase or not ("Dnipro river", "the Oskil River").
WATER_WORDS = frozenset("""river lake reservoir sea spit lagoon estuary canal strait bay gulf
creek stream delta""".split())
# Generic words of landmarks named after a place ("Kakhovka dam", "Kerch Bridge").
# (Not "airport", "port", "station": "the Da Nang airport" is written for the city.)
LANDMARK_WORDS = frozenset("""dam bridge plant refinery steelworks""".split())
# Words that may sit between the name and the landmark word ("Zaporizhzhia nuclear power plant").
LANDMARK_MODIFIERS = frozenset("""nuclear power thermal hydroelectric hydro coal steel chemical
railway rail train bus sea river international military air naval oil gas""".split())

_GENERIC_FIRST = WATER_WORDS | LANDMARK_WORDS | LANDMARK_MODIFIERS

# Nouns for people: after "X, a|an|the ..." they make X a person ("said Sofia, a medic").
# Nouns for places after the same pattern ("Sofia, the capital") keep it a place.
PLACE_NOUNS = frozenset("""city town village hamlet settlement capital country nation state province
region oblast district county area port river lake sea island islands peninsula suburb
neighbourhood neighborhood municipality community resort spa enclave exclave territory republic
kingdom frontline front-line hub stronghold crossroads junction""".split())
_APPOSITION = re.compile(r", (?:a|an|the|his|her|their) (?:[a-z\-'’]+ ){0,3}([a-z\-]+)"
                         r"(?=[,.;:)]|$| (?:who|whose|said|says|told|was|is|has|had|in|at|from|of|with|for)\b)")
_SPEECH_BEFORE = re.compile(r"(?:said|says|told|asked|added|recalled|explained) $")

# Words before a name that make it a ship ("the flagship Moskva", "cruiser Moskva").
VESSEL_WORDS = frozenset("""flagship cruiser warship frigate corvette destroyer submarine sub
vessel ship boat tanker freighter carrier icebreaker tug ferry yacht trawler landing""".split())
# Words after a name that make it a weapon, a vehicle or a product ("Magura drones").
WEAPON_WORDS = frozenset("""drone drones missile missiles rocket rockets launcher launchers
tank tanks howitzer howitzers jet jets helicopter helicopters torpedo torpedoes rifle rifles
system systems vessel boats""".split())

# Team names: "Real Madrid", "Manchester United", "Houston Rockets" (a plural nickname after a
# city is written in capitals and is not a place word).
TEAM_BEFORE = frozenset("""real atletico atlético inter sporting dynamo dinamo olympique fc shakhtar zorya
spartak lokomotiv cska zenit sparta slavia borussia bayern""".split())
TEAM_AFTER = frozenset("""united fc city's rovers wanderers athletic hotspur albion rockets
lakers yankees mets giants jets bears bulls cubs knicks nets celtics raiders rangers eagles
dolphins patriots cowboys texans packers vikings lions tigers warriors spurs heat magic
kings clippers pistons pacers hawks bucks suns mavericks nuggets blazers jazz grizzlies
pelicans thunder timberwolves cavaliers wizards hornets raptors capitals penguins flyers
bruins canadiens oilers flames canucks senators islanders devils sabres predators blues
stars avalanche wild kraken sharks ducks coyotes braves dodgers padres astros mariners
orioles twins royals reds brewers pirates phillies marlins nationals rays athletics
angels steelers browns bengals ravens colts titans jaguars broncos chiefs chargers
seahawks niners saints falcons panthers buccaneers commanders redskins sounders""".split())

# Facility words after a possessive: "Toronto's Pearson airport", "Kyiv's Boryspil airport".
FACILITY_WORDS = frozenset("""airport port station harbour harbor bridge dam plant hospital
university stadium square airfield airbase base cathedral museum mayor governor steelworks
factory refinery district""".split())
# Words before a name that make it a call sign or a nickname ("the call sign Boston").
_CALL_SIGN = re.compile(r"(?:call ?sign|callsign|code ?name|codenamed|code-named|nicknamed|nom de guerre) $", re.I)
# The letters every _CALL_SIGN phrase may end with, in any case re.I matches: most names fail this
# one-character test and skip the search.
_CALL_SIGN_LAST = frozenset("nNeEdD")
_NAMED = re.compile(r"\b(?:named|called) $")

_YEAR_DATELINE = re.compile(r"(?:(?:^|\n)[ \t]*(?:\d{1,2} [A-Z][a-z]+ )?|[A-Z][a-z]+\.? \d{1,2}, )\d{4}[ \t]+$")


def person_in_apposition(text: str, start: int, end: int) -> bool:
    """``said Sofia, a medic`` / ``Victoria, a schoolteacher, said``: the name is followed by a
    comma and a description of a person (not "Sofia, the capital"), and it is spoken of as one:
    a speech verb before it, or a description ending in a person noun."""
    m = _APPOSITION.match(text, end, end + 60)
    if m is None:
        return False
    noun = m.group(1)
    if noun in PLACE_NOUNS or noun.endswith(("town", "city", "land")):
        return False
    return bool(_SPEECH_BEFORE.search(text, max(0, start - 12), start)) or noun.endswith(
        ("er", "or", "ist", "ian", "ic", "ant", "ent", "man", "woman", "wife", "mother", "father",
         "son", "daughter", "student", "teacher", "nurse", "medic", "soldier", "officer", "subject",
         "victim", "child", "girl", "boy", "widow", "friend", "colleague", "neighbour", "neighbor"))


def word_before(text: str, start: int) -> str:
    """The lowercase word right before ``start`` (one space between), else ''."""
    if start < 2 or text[start - 1] != " ":
        return ""
    k = start - 1
    while k > 0 and text[k - 1].isalpha():
        k -= 1
    return text[k:start - 1]


_WORDISH = re.compile(r"(?:[^\W\d_]|-)*")    # every letter (and more: "²"), and hyphens


def word_after(text: str, end: int) -> str:
    """The word right after ``end`` (one space between), else '': letters and hyphens."""
    if end + 1 >= len(text) or text[end] != " ":
        return ""
    word = _WORDISH.match(text, end + 1).group()   # the letters are a prefix of it: all of it when
    if word.replace("-", "a").isalpha() or not word:   # it holds nothing else (the common case)
        return word
    k = end + 1
    while k < len(text) and (text[k].isalpha() or text[k] == "-"):
        k += 1
    return text[end + 1:k]


def facility_after_possessive(text: str, end: int) -> bool:
    """``Toronto's Pearson airport``: within three words after the possessive, a facility word."""
    words = text[end + 3:end + 60].split(None, 3)[:3]
    return any(w.strip(".,;:").casefold() in FACILITY_WORDS for w in words)


def year_dateline(text: str, start: int) -> bool:
    """``2009 NEWARK --``: a year alone on its line (or after a day), or a full date (``March 15,
    2009 NEWARK --``, anywhere: bylines run into the text), before an upper-case dateline."""
    return _YEAR_DATELINE.search(text, max(0, start - 20), start) is not None


def generic_after(text: str, end: int) -> tuple[str, int]:
    """``(kind, new end)`` when a generic water or landmark word follows the name: ``("water",
    ...)`` for "Dnipro river", ``("landmark", ...)`` for "Kakhovka dam", "Zaporizhzhia nuclear power
    plant"; ``("", end)`` otherwise."""
    if text[end:end + 1] != " ":
        return "", end
    first = text[end + 1:end + 16].split(None, 1)   # (the next word, split once)
    if not first or first[0].rstrip(".,;:)").casefold() not in _GENERIC_FIRST:
        return "", end                         # the common case, decided without word_after
    pos = end
    for _ in range(3):
        word = word_after(text, pos)
        low = word.casefold()
        if not word or not (word.islower() or word.istitle()):
            return "", end
        if low in WATER_WORDS and pos == end:
            return "water", pos + 1 + len(word)
        if low in LANDMARK_WORDS:
            return "landmark", pos + 1 + len(word)
        if low not in LANDMARK_MODIFIERS:
            return "", end
        pos += 1 + len(word)
    return "", end


def not_a_place(text: str, start: int, end: int, given_name: bool, *, before: str | None = None,
                after: str | None = None) -> str:
    """Why the name at ``text[start:end]`` is not a place here ('' when nothing says so):
    a ship, a weapon or product, a team, a person in apposition or speech, an award's elided
    article. ``before``/``after``: ``word_before(text, start)``/``word_after(text, end)`` when the
    caller has them already."""
    if text[start:start + 2] in ("d'", "l'", "d’", "l’"):
        return "an elided article alone (\"Palme d'Or\")"
    next_char = text[end:end + 1]
    if next_char not in (" ", ",") and text[start - 1:start] != " ":
        return ""                              # nothing next to the name to go on
    if before is None:
        before = word_before(text, start)
    if after is None:
        after = word_after(text, end)
    if before.casefold() in VESSEL_WORDS:
        return "a ship's name"
    at = start - 1 if text[start - 1:start] == "\n" else start   # (where " $" ends: "$" matches before a last "\n" too)
    if text[at - 1:at] == " " and text[at - 2:at - 1] in _CALL_SIGN_LAST \
            and _CALL_SIGN.search(text, max(0, start - 16), start):
        return "a call sign or a nickname"
    if given_name and (m := _NAMED.search(text, max(0, start - 8), start)) \
            and word_before(text, m.start()).casefold() not in PLACE_NOUNS:
        return "a person's name (\"a teacher named Sofia\", not \"a village named Victoria\")"
    if after.casefold() in WEAPON_WORDS:
        return "a weapon or product named after a place"
    if (before[:1].isupper() and before.casefold() in TEAM_BEFORE) or after == "FC" \
            or (after[:1].isupper() and (after.casefold() in TEAM_AFTER or text[start:end].casefold() in TEAM_BEFORE)):
        return "a team"
    if given_name and person_in_apposition(text, start, end):
        return "a person described in apposition"
    return ""


# Words before a capitalised name that say it is a place ("the village of Robotyne", "near Synkivka").
_PLACE_LIKE_BEFORE = re.compile(
    r"(?:\b(?:village|villages|town|city|settlement|hamlet|township|suburb|district|municipality|"
    r"community|outskirts) of|\b(?:near|outside|in|into|toward|towards|around)) $")


_STRONG_BEFORE = re.compile(
    r"(?:\b(?:village|villages|town|city|settlement|hamlet|township|suburb|municipality|outskirts) of"
    r"|\b(?:near|outside)) $")
# "the Korabel district", "the Kerem Shalom crossing": a generic word after "the X" says X is a place.
_STRONG_WORDS = frozenset("of near outside".split())
_PLACE_LIKE_WORDS = frozenset("of near outside in into toward towards around".split())
PLACE_AFTER = frozenset("district neighbourhood neighborhood settlement crossing quarter".split())
LIST_GAPS = (", ", " and ", ", and ", " or ")


def place_like_before(text: str, start: int, *, strong: bool = False, before: str | None = None) -> bool:
    """``the village of X``, ``near X``, ``in X``: the text says X is a place (``strong``: only
    "the village/town/city of X", "near X", "outside X", which even a hamlet's name can rely on;
    ``before``: ``word_before(text, start)`` when the caller has it already)."""
    if (word_before(text, start) if before is None else before) not in (_STRONG_WORDS if strong else _PLACE_LIKE_WORDS):
        return False                           # the common case, decided without a regex
    pattern = _STRONG_BEFORE if strong else _PLACE_LIKE_BEFORE
    return pattern.search(text, max(0, start - 16), start) is not None


def place_like_after(text: str, start: int, end: int) -> bool:
    """``the Korabel district``, ``the Kerem Shalom crossing``."""
    return text[max(0, start - 4):start] in ("the ", "The ") and word_after(text, end) in PLACE_AFTER
