"""The resolver's reading of the text (:mod:`geomap.resolve`): qualifiers (``Paris, Texas``),
appositives (``Georgia the country``), water context (``the Volga``), and the grouping of a name's
occurrences into one sense per discourse (:class:`Group`, whose scores the other resolver modules add to)."""
from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geomap.gazetteer.features import AREA_FEATURES, COUNTRY_FEATURES, WATER_FEATURES, lies_in
from geomap.resolve_scan import next_to
from geomap.spanlist import ADMIN_HINT, CANDIDATES, GENERIC, KEY, Occurrences, SpanList

if TYPE_CHECKING:
    from geomap.extract import Span
    from geomap.gazetteer import Candidate

# What an appositive says a name is: "Georgia the country", "the state of Georgia".
APPOSITIVE_KINDS = {"country": COUNTRY_FEATURES, "nation": COUNTRY_FEATURES,
                    "state": frozenset({"ADM1"}), "province": frozenset({"ADM1"})}
_KIND_WORD = r"(?:(?:US|U\.S\.|American) )?(country|nation|state|province)"
# "Georgia the country", "Georgia (the country)"; with a comma only as a closed aside ("Georgia, the
# state, and ...": not "Atlanta, Georgia, the state's largest city").
_APPOSITIVE_AFTER = re.compile(rf" the {_KIND_WORD}\b(?![-'’])| \(the {_KIND_WORD}\)"
                               rf"|, the {_KIND_WORD}(?=[,;:.!?)]| [—–-])")
_APPOSITIVE_BEFORE = re.compile(rf"\b[Tt]he {_KIND_WORD} of $")
# After a river's name: it flows, floods or bounds ("the Sava flows into", "which forms the border").
_FLOWS = re.compile(r",?(?: which| that)? (?:flows?|flowed|flowing|empties|emptied|drains|meanders|"
                    r"crest(?:s|ed)|overflow(?:s|ed)|burst its banks|forms the border)\b")
# While one article is decided (until forget_shared_reasons): the reasons tuple Group.note_shared made
# from a tuple and a term, {(id(old), term): (old, new)}, and the equal support tuples, shared.
_SHARED_REASONS: dict[tuple, tuple] = {}
_SHARED_SUPPORT: dict[tuple, tuple] = {}
_QUALIFIER_GAPS = (", ", " (", ",\n", ",")      # between a name and its qualifier: "Paris, Texas"
_QUALIFIER_OPENERS = (",", " (")               # what each of those gaps starts with
MAX_CANDIDATES = 25          # per name; the gazetteer returns them by population, largest first


@dataclass(slots=True)
class Group:
    """All unqualified occurrences of one name, or all qualified occurrences of one written name
    and qualifier (``alone``: each of them counts as a group of its own where groups are counted:
    the focus votes, co-location, the anchors; see :class:`GroupList`). ``candidates`` is
    read-only (groups of one name and qualifier share the list)."""

    spans: Occurrences                             # in text order
    candidates: list
    scores: list = field(default_factory=list)
    reasons: list = field(default_factory=list)   # per candidate: a tuple of (term, value), see note()
    fixed: int | None = None                      # index forced: this name qualifies another
    qualified: bool = False                       # "Paris, Texas": candidates already narrowed
    appositive: bool = False                      # "Georgia the country": narrowed by the text's own words
    follows: "Group | None" = None                # bare repeats after an appositive: lean to its sense
    vote: tuple | None = None                     # (country, (country, admin1) | None, weight) for the focus
    support: tuple = ()                           # candidates backed by the article's area or neighbours
    country_support: tuple = ()                   # candidates in a country the article names
    context: bool = False                         # other names of the article vote for some country
    choice: int | None = None
    alone: bool = False                           # every span an occurrence group of its own (voters)

    def note(self, k: int, term: tuple) -> None:
        """Add ``(term, value)`` to candidate ``k``'s reasons (the caller adds the value to its
        score). A candidate's reasons are a tuple, made anew on each note: groups of one name and
        qualifier share their prior's tuples (a huge article holds a group per qualified
        occurrence: a list per candidate each was most of its memory)."""
        self.reasons[k] = (*self.reasons[k], term)

    def note_shared(self, k: int, term: tuple) -> None:
        """:meth:`note` for a term many groups are given (a focus, a co-location): groups whose
        candidate had the same reasons tuple get one new tuple (until :func:`forget_shared_reasons`)."""
        old = self.reasons[k]
        key = (id(old), term)
        entry = _SHARED_REASONS.get(key)
        if entry is None or entry[0] is not old:
            entry = _SHARED_REASONS[key] = (old, (*old, term))   # (holds the old tuple: its id stays its own)
        self.reasons[k] = entry[1]

    def add_support(self, k: int) -> None:
        """Mark candidate ``k`` as backed by the article's area or neighbours (a tuple: most
        groups have none, and share the empty one)."""
        if k not in self.support:
            support = (*self.support, k)
            self.support = _SHARED_SUPPORT.setdefault(support, support)

    def add_country_support(self, k: int) -> None:
        """Mark candidate ``k`` as in a country the article names."""
        if k not in self.country_support:
            support = (*self.country_support, k)
            self.country_support = _SHARED_SUPPORT.setdefault(support, support)


def forget_shared_reasons() -> None:
    """Let go of the reasons tuples :meth:`Group.note` shared while an article was decided."""
    _SHARED_REASONS.clear()
    _SHARED_SUPPORT.clear()


class Qualified(Mapping):
    """``{index of A: (index of B, B's area)}`` for the article's ``A, B`` (:func:`qualifiers`),
    held as a byte per span (``role``: 1 for A, 2 for B, 3 for both, as in ``Springfield, Illinois,
    USA``) and the area per pair of records: a huge article may qualify a name again and again."""

    __slots__ = ("role", "_which", "_areas", "_count")

    def __init__(self, spans: SpanList, areas: dict[tuple[int, int], object]):
        self.role = bytearray(len(spans))
        self._which, self._areas, self._count = spans.which, areas, 0

    def add(self, k: int) -> None:
        """Name ``k`` is qualified by name ``k + 1``."""
        self.role[k] |= 1
        self.role[k + 1] |= 2
        self._count += 1

    def area(self, k: int) -> "Candidate":
        """The area that qualifies name ``k`` (``k`` qualified), or that name ``k`` is (``k`` a qualifier)."""
        a = k if self.role[k] & 1 else k - 1
        return self._areas[self._which[a], self._which[a + 1]]

    def __getitem__(self, k: int) -> tuple[int, "Candidate"]:
        if not (0 <= k < len(self.role) and self.role[k] & 1):
            raise KeyError(k)
        return k + 1, self._areas[self._which[k], self._which[k + 1]]

    def __contains__(self, k) -> bool:
        return isinstance(k, int) and 0 <= k < len(self.role) and bool(self.role[k] & 1)

    def __iter__(self) -> Iterator[int]:
        return (k for k, r in enumerate(self.role) if r & 1)

    def __len__(self) -> int:
        return self._count


def qualifiers(text: str, spans: SpanList) -> Qualified:
    """``{index of A: (index of B, B's area)}`` for every ``A, B`` where area B contains a candidate
    of A, unless ``A, B`` are two items of a list of areas (``Mexico, China, Japan``)."""
    starts, ends, which, records = spans.starts, spans.ends, spans.which, spans.records
    areas: dict[tuple[int, int], object] = {}      # per pair of records: B's area holding A, or None
    out = Qualified(spans, areas)
    role = out.role
    kinds: dict[tuple[int, bool], bool] = {}      # (record, a country?) -> may it be such an area
    last = len(spans) - 1
    for k in next_to(text, starts, ends, _QUALIFIER_OPENERS):   # (the spans a gap may follow)
        if k == last:
            break
        end, start = ends[k], starts[k + 1]
        if start - end > 2:
            continue
        gap = text[end:start]
        if gap not in _QUALIFIER_GAPS:
            continue
        pair = (which[k], which[k + 1])
        area = areas.get(pair, areas)
        if area is areas:
            area = areas[pair] = _area_holding(records[pair[0]][CANDIDATES], records[pair[1]][CANDIDATES])
        if area is None:
            continue
        if gap != " (" and _listed_after_area(text, spans, k, area, role, kinds):
            continue
        out.add(k)
    return out


def _area_holding(a_cands: list, b_cands: list) -> "Candidate | None":
    """The first of B's candidates that is a first-level area or a country containing a
    candidate of A (``Paris, Texas``), or None."""
    if not a_cands or not b_cands:
        return None
    for area in b_cands:
        if area.feature not in ("ADM1",) and area.feature not in COUNTRY_FEATURES:
            continue
        if any(lies_in(c, area) for c in a_cands if c is not area):
            return area
    return None


def _listed_after_area(text: str, spans: SpanList, k: int, area: "Candidate", role: bytearray, kinds: dict) -> bool:
    """``Mexico, China, Japan``; ``Virginia, Washington, West Virginia``: name ``k`` follows, after
    a comma, a name that may be an area of the same kind as ``area`` and is not itself a qualifier
    (``Springfield, Illinois, and Columbus, Ohio`` keeps both qualifiers; so does the last item of
    ``Texas and Washington, D.C.``; ``role``: :attr:`Qualified.role`, 2 for a qualifier; ``kinds``: a
    memo, per record and kind of area, of whether the name may be an area of that kind)."""
    if k == 0 or role[k - 1] & 2:
        return False
    if text[spans.ends[k - 1]:spans.starts[k]] != ", ":
        return False                           # "Texas and Washington, D.C.": the last item, qualified
    country = area.feature in COUNTRY_FEATURES
    key = (spans.which[k - 1], country)        # (the previous name's record: a few, met again and again)
    known = kinds.get(key)
    if known is None:
        known = kinds[key] = any((c.feature in COUNTRY_FEATURES) if country else c.feature == "ADM1"
                                 for c in spans.record(k - 1)[CANDIDATES])
    return known


def appositives(text: str, spans: SpanList, qualified: dict) -> dict[int, list]:
    """``{index: candidates}`` for every name the text itself says is a country or a state
    (``Georgia the country``, ``Georgia, the state,``, ``the US state of Georgia``,
    ``Georgia (the country)``), when the name has candidates of that kind."""
    out = {}
    record, starts, ends = spans.record, spans.starts, spans.ends
    for k in next_to(text, starts, ends, (", the ", " the ", " (the "), (" of ",)):   # (those the tests may pass)
        start, end = starts[k], ends[k]
        m = None
        if text.startswith((", the ", " the ", " (the "), end):      # cheap test first
            m = _APPOSITIVE_AFTER.match(text, end)
        elif text.startswith(" of ", start - 4):
            m = _APPOSITIVE_BEFORE.search(text, max(0, start - 30), start)
        if m is None:
            continue
        cands = record(k)[CANDIDATES]
        if k in qualified or not cands:
            continue
        kinds = APPOSITIVE_KINDS[next(w for w in m.groups() if w)]
        kept = [c for c in cands if c.feature in kinds]
        if kept:
            out[k] = kept
    return out


class GroupList(list):
    """The article's groups, and ``voters``: the index of the group standing for each *occurrence
    group* in text order (the order of their first spans). An unqualified name is one occurrence
    group; each qualified occurrence (``Paris, Texas``, its qualifier ``Texas``) is one too, but
    every occurrence of one written name with one qualifier shares one :class:`Group` (``alone``),
    whose decisions are the same for each: what sums over occurrence groups (the focus votes,
    co-location's neighbours, the first anchors) walks ``voters``, adding each one's weight in
    that order, so every float comes out as when each occurrence was a group of its own."""

    def __init__(self, groups=()):
        super().__init__(groups)
        self.voters = array("I", range(len(self)))
        self.positions = [array("I", (i,)) for i in range(len(self))]   # per group: its voters' places


def positions_of(groups: list) -> list:
    """Per group, the places (ascending) of its voters in ``voters_of(groups)``."""
    positions = getattr(groups, "positions", None)
    return positions if positions is not None else [array("I", (i,)) for i in range(len(groups))]


def voters_of(groups: list) -> "array | range":
    """``groups.voters``, or one voter per group for a plain list."""
    voters = getattr(groups, "voters", None)
    return voters if voters is not None else range(len(groups))


def group_spans(spans: SpanList, qualified: Qualified, appositive: dict, *, merge: bool = True) -> GroupList:
    """One group per name (one sense per discourse), except qualified and appositive occurrences,
    which stand alone; the bare repeats after an appositive one form a group that follows it.
    Qualified occurrences of one written name and one qualifier (and the qualifiers themselves)
    share one group that counts once per occurrence (``Group.alone``, :class:`GroupList`);
    ``merge=False`` makes a group per occurrence (the reference the tests compare with).
    A group holds its spans' indexes in ``spans`` (:class:`~geomap.spanlist.Occurrences`)."""
    groups = GroupList()
    voters, positions = groups.voters, groups.positions
    merged: dict[tuple, int] = {}              # (qualified?, record, id(area)) -> its group
    by_pair: dict[tuple, int] = {}             # (qualified?, record, the other record) -> its group
    by_key: dict[str, int] = {}                # group key -> its group's index
    last_appositive: dict[str, Group] = {}
    role = qualified.role                      # (non-zero: a qualified name or a qualifier)
    names: dict[int, tuple[str, str, bool]] = {}   # per record: (its key, its group key, has a hint)
    trimmed: dict[tuple[int, int], list] = {}       # one candidate list per (name's candidates, area):
                                                    # a huge article may qualify a name again and again
    which, records = spans.which, spans.records
    held: list[array] = []                     # per group: its spans' indexes (Occurrences made at the end)
    plain: dict[int, array] = {}               # per record: its group's indexes, while no appositive was read
    for k, w in enumerate(which):
        special = role[k] or k in appositive
        if not special and not last_appositive:
            index = plain.get(w)
            if index is not None:
                index.append(k)
                continue
        if special:
            cands = records[w][CANDIDATES]
            if k in appositive:                # (never merged: the bare repeats after each follow it)
                g = Group(Occurrences(spans), _trim(appositive[k]), qualified=True, appositive=True)
                last_appositive[records[w][KEY]] = g
                positions.append(array("I", (len(voters),)))
                voters.append(len(groups))
                groups.append(g)
                held.append(array("I", (k,)))
                continue
            is_qualified = bool(role[k] & 1)
            # the area is that of the pair of records (this one, the next) or (the previous, this one):
            # their group is known from the pair, without looking the area up again
            pair = (is_qualified, w, which[k + 1] if is_qualified else which[k - 1])
            gi = by_pair.get(pair) if merge else None
            if gi is None:
                area = qualified.area(k)
                mkey = (is_qualified, w, id(area))     # (the area is a candidate of a record: alive)
                gi = merged.get(mkey) if merge else None
            if gi is None:
                if is_qualified:
                    inside = trimmed.get((id(cands), id(area)))
                    if inside is None:
                        inside = trimmed[id(cands), id(area)] = _trim([c for c in cands if lies_in(c, area)])
                    g = Group(Occurrences(spans), inside, qualified=True, alone=True)
                else:
                    whole = trimmed.get((id(cands), 0))
                    if whole is None:
                        whole = trimmed[id(cands), 0] = _trim(cands)
                    g = Group(Occurrences(spans), whole, alone=True)
                    g.fixed = next(i for i, c in enumerate(g.candidates) if c is area)
                gi = merged[mkey] = len(groups)
                groups.append(g)
                held.append(array("I"))
                positions.append(array("I"))
            if merge:
                by_pair[pair] = gi
            held[gi].append(k)
            positions[gi].append(len(voters))
            voters.append(gi)
            continue
        name = names.get(w)
        if name is None:
            r = records[w]
            hint, generic = r[ADMIN_HINT], r[GENERIC]
            name = names[w] = (r[KEY], r[KEY] + ("#" + hint if hint else "") + ("#" + generic if generic else ""),
                               bool(hint or generic))
        key = name[1]
        leader = None if name[2] or not last_appositive else last_appositive.get(name[0])
        if leader is not None:
            key += f"#after{id(leader)}"
        gi = by_key.get(key)
        if gi is None:
            gi = by_key[key] = len(groups)
            positions.append(array("I", (len(voters),)))
            voters.append(gi)
            groups.append(Group(Occurrences(spans), _trim(_generic_candidates(spans[k])), follows=leader))
            held.append(array("I"))
        index = held[gi]
        index.append(k)
        if not last_appositive:
            plain[w] = index
    for g, index in zip(groups, held):
        g.spans = Occurrences.of_index(spans, index)
    return groups


def _generic_candidates(s: "Span") -> list:
    """``Oskil river``: only water features (none: the name stays unplaced, never the namesake
    town); ``Kakhovka dam``: the populated places it may be named after, never an oblast."""
    if s.generic == "water":
        return [c for c in s.candidates if c.feature in WATER_FEATURES]
    if s.generic == "landmark":
        return [c for c in s.candidates if c.feature.startswith("PPL")] or \
            [c for c in s.candidates if c.feature not in AREA_FEATURES]
    return s.candidates


def _trim(candidates: list) -> list:
    """The largest candidates, plus every area (a county may be smaller than many towns)."""
    return candidates[:MAX_CANDIDATES] + [c for c in candidates[MAX_CANDIDATES:] if c.feature in AREA_FEATURES]


def inherit_qualified(groups: list[Group]) -> None:
    """``PARIS, Texas — ... Paris police said``: a bare name means what its qualified form meant."""
    senses: dict[str, set[str]] = {}
    for g in groups:
        if g.qualified and not g.appositive and g.candidates:
            senses.setdefault(g.spans[0].key, set()).add(_best(g).place.id)
    for g in groups:
        ids = None if g.qualified or g.fixed is not None else senses.get(g.spans[0].key)
        if g.follows is not None and g.follows.candidates:
            ids = {_best(g.follows).place.id}  # "Georgia, the state, ... mentions Georgia"
        for k, c in enumerate(g.candidates if ids else ()):
            if c.place.id in ids:
                g.note(k, ("named with its qualifier elsewhere in the article", 4.0))
                g.scores[k] += 4.0


def _best(g: Group) -> "Candidate":
    return g.candidates[max(range(len(g.candidates)), key=g.scores.__getitem__)]


def water_context(text: str, g: Group) -> None:
    """``the Atlantic``, ``after the Volga``, ``the Sava flows``: a water feature, not the town
    or county of that name ("the" is rarely written before a town's name in news; "The Hague"
    is a name of its own and never reaches here as a bare name)."""
    if g.qualified or g.fixed is not None or not any(
            c.feature in WATER_FEATURES or (c.place.kind == "region" and c.name_kind != "abbr") for c in g.candidates):
        return                                 # ("the Middle East": a region reads the same way; "the Eu"
                                               # is no abbreviation: capitals decide that)
    why = None
    for start, end in g.spans.bounds():
        if text[max(0, start - 4):start] in ("the ", "The "):
            why = "'the' before the name: a sea, river or region, not a town"
        elif _FLOWS.match(text, end):
            why = "a flow verb after the name: a river"
        if why:
            break
    if why is None:
        return
    for k, c in enumerate(g.candidates):
        if c.feature in WATER_FEATURES or c.place.kind == "region":
            value = 3.0                        # "the Arctic": a region reads the same way as a sea
        elif c.feature.startswith("PPL") or c.feature in ("ADM1", "ADM2", "ADM3"):
            value = -3.0                       # "the Dnipro": never the oblast either
        else:
            continue
        g.note(k, (why, value))
        g.scores[k] += value


def water_over_strays(g: Group) -> None:
    """A small town or an area in a country the article never names does not beat a water
    feature of the same name ("Sava" in an article about Serbia: the river, not Madagascar's region)."""
    if not g.context or g.qualified or g.fixed is not None \
            or not any(c.feature in WATER_FEATURES for c in g.candidates):
        return
    for k, c in enumerate(g.candidates):
        if k in g.country_support or k in g.support or c.feature in WATER_FEATURES:
            continue
        small_town = c.feature.startswith("PPL") and c.feature != "PPLC" and c.population < 100_000
        if small_town or c.feature in ("ADM1", "ADM2", "ADM3"):
            g.note(k, ("in a country the article never names, unlike the water feature", -3.0))
            g.scores[k] -= 3.0


def choose(g: Group) -> None:
    if not g.candidates:
        g.choice = None
    elif g.fixed is not None:
        g.choice = g.fixed
    else:
        g.choice = max(range(len(g.candidates)), key=g.scores.__getitem__)
