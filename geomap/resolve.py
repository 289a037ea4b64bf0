"""Choose the place each recognised span means, using the whole article as context.

Every candidate place of a span gets a score, the sum of named evidence terms (kept for
``--explain``):

- **prior**: feature kind (countries and first-level areas beat same-named hamlets) and population;
  a primary name beats an alternate spelling; a county named without "County" is unlikely.
- **qualifier**: ``Paris, Texas`` / ``Athens, Ga.`` / ``Springfield, Illinois`` / ``Paris (Texas)``:
  the second name is a first-level area or country that contains the first; only candidates inside
  it stay. The qualifier itself then means that area (``Georgia`` the state, not the country), and
  a bare repeat of the qualified name means the same place (``PARIS, Texas — ... Paris police``).
- **appositive**: ``Georgia the country``, ``Georgia, the state,``, ``the state of Georgia``,
  ``Georgia (the country)``: the text says which kind of place the name is; only candidates of that
  kind stay, and the bare repeats after it (up to the next such qualifier) lean to its sense.
- **water**: ``the Atlantic``, ``after the Volga``, ``where the Sava flows``: a name with a sea,
  river or lake (or a region: ``the Middle East``) among its candidates, written after "the" or
  before a flow verb, means the water
  (news rarely writes "the" before a town's one-word name; a region, "the Arctic", gains as much as
  the water); a town or county of that name loses.
  Nor does a small town or area in a country the article never names beat a water feature.
- **admin hint**: ``Kherson region`` means the area; a bare ``Kherson`` whose area shares the name
  of a city in it (or of the national capital: Washington) means the city; not when the name is
  the area's own and only an alias of the city (``Oklahoma``, not Oklahoma City).
- **co-location**: a candidate with a possible reading of another name of the article nearby gains
  (weighted down for names with many readings).
- **focus**: countries and first-level areas that the article's other names agree on (every close
  contender in one country or area, datelines count double) pull candidates towards them.
- **nearness**: a candidate close to the places provisionally chosen for the other names gains.
- **one sense per discourse**: every unqualified occurrence of a name in an article gets the same
  place; a name and its namesakes ("Dublin", "Dublin City") never vote for each other.

Two rules drop a one-word name instead of placing it: every candidate is a small town (or a county
named without "County") and nothing in the article backs the chosen one; or the chosen one is a
mid-sized town in a country the article never names, with no neighbour. In news such words are
surnames and brands far more often than places. Pinned names are never dropped. Streets are
placed at the town named nearest to them, with a low score.

The chosen candidate's share of the softmax over all candidates is the mention's score (0..1).
"""
from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geomap.coherence import coherence, enumeration, size_guard
from geomap.model import Mention, Place

__all__ = ["Geoparser", "Resolver", "pin_place"]

if TYPE_CHECKING:
    from geomap.config import ParseConfig
    from geomap.extract import Span
    from geomap.gazetteer import Candidate, Gazetteer

# Feature kinds: how likely a bare name means this kind of place, before any context.
FEATURE_PRIOR = {
    "PCLI": 3.0, "PCL": 3.0, "PCLD": 2.6, "PCLF": 2.6, "PCLS": 2.6, "PCLIX": 2.4, "TERR": 2.2,
    "CONT": 3.0, "OCN": 2.6, "SEA": 2.4, "GULF": 2.2, "RGN": 2.0, "ADM1": 2.4, "ADM2": 1.0,
    "ADM3": 0.4, "PPLC": 1.2, "PPLA": 1.0, "PPLA2": 0.6, "PPLA3": 0.3, "PPL": 0.0,
}
NAME_KIND_PRIOR = {"name": 0.0, "alt": -0.8, "abbr": -0.2, "demonym": -0.2}
AREA_FEATURES = frozenset({"ADM1", "ADM2", "ADM3", "ADMD", "RGN", "PCLI", "PCL", "PCLD", "PCLF", "PCLS"})
COUNTRY_FEATURES = frozenset({"PCLI", "PCL", "PCLD", "PCLF", "PCLS", "PCLIX", "TERR"})
WATER_FEATURES = frozenset({"OCN", "SEA", "GULF", "BAY", "STRT", "STM", "LK", "RSV", "CNL", "SD"})
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
MAX_CANDIDATES = 25          # per name; the gazetteer returns them by population, largest first
NEAR_KM = 150.0
NEAR_CANDIDATES = 12         # per name, the best-scored candidates that look for neighbours
SURE_MARGIN = 1.5            # candidates within this score of the best are still in the running
SMALL_TOWN = 10_000          # a one-word name with only towns smaller than this needs support


@dataclass
class _Group:
    """All unqualified occurrences of one name (or one qualified occurrence)."""

    spans: list
    candidates: list
    scores: list = field(default_factory=list)
    reasons: list = field(default_factory=list)   # per candidate: list of (term, value)
    fixed: int | None = None                      # index forced: this name qualifies another
    qualified: bool = False                       # "Paris, Texas": candidates already narrowed
    appositive: bool = False                      # "Georgia the country": narrowed by the text's own words
    follows: "_Group | None" = None               # bare repeats after an appositive: lean to its sense
    vote: tuple | None = None                     # (country, (country, admin1) | None, weight) for the focus
    support: set = field(default_factory=set)     # candidates backed by the article's area or neighbours
    country_support: set = field(default_factory=set)  # candidates in a country the article names
    context: bool = False                         # other names of the article vote for some country
    choice: int | None = None


class Resolver:
    """Picks a place for every span of one article."""

    def __init__(self, gazetteer: "Gazetteer", settings: "ParseConfig"):
        from geomap.gazetteer import normalize

        self.gazetteer = gazetteer
        self.settings = settings
        self.pinned = frozenset(normalize(p.name) for p in settings.pins)

    def resolve(self, text: str, spans: list["Span"], explain: bool = True
                ) -> list[tuple["Span", "Candidate | None", float, list[str], "Candidate | None"]]:
        """``(span, chosen, score, explanation, runner_up)`` for each span, in span order
        (the explanation is empty unless ``explain``)."""
        qualified = _qualifiers(text, spans)
        groups = _group(spans, qualified, _appositives(text, spans, qualified))
        for g in groups:
            self._prior(g)
            _water_context(text, g)
        _inherit_qualified(groups)
        namesakes = _namesakes(groups)
        _colocate(groups, namesakes)
        focus_c, focus_a = _focus(groups)
        shares: dict[int, tuple] = {}          # groups of one name share one namesakes list
        for g, related in zip(groups, namesakes):
            share = shares.get(id(related))
            if share is None:
                share = shares[id(related)] = _focus_share(focus_c, focus_a, [groups[j] for j in related])
            _add_focus(g, *share)
            _water_over_strays(g)
            _choose(g)
        _add_nearness(groups)
        coherence(groups, namesakes)
        for g in groups:
            _choose(g)
        enumeration(text, groups)
        for g in groups:
            _choose(g)
            size_guard(g)
        out = []
        by_span = {}
        verdicts = {}                          # per group, computed once: linear in the mentions
        for gi, g in enumerate(groups):
            verdicts[gi] = (_unsupported_hamlet(g) or _stray_town(g),
                            _confidence(g) if g.choice is not None else None)
            for s in g.spans:
                by_span[id(s)] = gi
        for s in spans:
            gi = by_span[id(s)]
            g, (dropped, confidence) = groups[gi], verdicts[gi]
            if s.key not in self.pinned and dropped:
                continue
            if g.choice is None:
                out.append((s, None, 0.0, ["no gazetteer candidate"] + list(s.reasons), None))
                continue
            score, runner = confidence
            runner_up = g.candidates[runner] if runner is not None else _excluded_best(g, s)
            out.append((s, g.candidates[g.choice], score, _explain(g, runner, s) if explain else [],
                        runner_up))
        return _place_streets(out)

    def _prior(self, g: _Group) -> None:
        hint = any(s.admin_hint for s in g.spans)
        caps = any(s.text.isupper() and len(s.text.rstrip(".")) <= 5 for s in g.spans)
        towns = [c for c in g.candidates if c.feature.startswith("PPL")]
        for c in g.candidates:
            terms = [(("kind {}", c.feature), FEATURE_PRIOR.get(c.feature, 0.0)),
                     ("population", 0.45 * math.log10(c.population + 10))]
            kind = NAME_KIND_PRIOR.get(c.name_kind, 0.0)
            if kind:
                terms.append((("{} name", c.name_kind), kind))
            if caps and c.name_kind == "abbr":
                terms.append(("written in capitals: its abbreviation (EU, not Eu)", 2.0))
            if c.feature == "ADM2" and c.name_kind == "alt" and not hint:
                terms.append(("a county named without 'County'", -1.0))
            if hint:
                if c.feature.startswith("ADM") or c.feature == "RGN":
                    terms.append((f"'{g.spans[0].admin_hint}' names an area", 3.0))
                else:
                    terms.append((f"'{g.spans[0].admin_hint}' names an area, not a town", -2.0))
            elif c.feature in ("ADM1", "ADM2") and _has_namesake_seat(c, towns):
                terms.append(("a bare name means the city, not the area named after it", -2.5))
            g.reasons.append(terms)
            g.scores.append(sum(v for _, v in terms))


def _has_namesake_seat(area: "Candidate", towns: list) -> bool:
    """An area sharing its name with a city in it (Kherson, Donetsk, Kiev oblast), or a first-level
    area sharing it with the national capital (Washington state and Washington, D.C.); ``towns``:
    the name's populated-place candidates."""
    name = area.place.name.casefold()
    for c in towns:
        if c.place.country != area.place.country:
            continue
        if c.name_kind == "alt" and area.name_kind == "name":
            continue                           # "Oklahoma": the state's own name, only an alias of the city
        if c.feature == "PPLC" and area.feature == "ADM1":
            return True                        # "Washington", "Moscow", "Buenos Aires": the capital
        if c.place.admin1.casefold() == name and c.place.name.casefold() == name:
            return True
        big = c.feature in ("PPLC", "PPLA") or c.population >= 100_000
        if big and _km(area.place.lat, area.place.lon, c.place.lat, c.place.lon) < 150:
            return True
    return False


def _qualifiers(text: str, spans: list) -> dict[int, tuple[int, "Candidate"]]:
    """``{index of A: (index of B, B's area)}`` for every ``A, B`` where area B contains a candidate
    of A, unless ``A, B`` are two items of a list of areas (``Mexico, China, Japan``)."""
    out = {}
    qualifiers = set()
    for k in range(len(spans) - 1):
        a, b = spans[k], spans[k + 1]
        gap = text[a.end:b.start]
        if gap not in (", ", " (", ",\n", ",") or not a.candidates or not b.candidates:
            continue
        for area in b.candidates:
            if area.feature not in ("ADM1",) and area.feature not in COUNTRY_FEATURES:
                continue
            if any(_inside(c, area) for c in a.candidates if c is not area):
                if gap != " (" and _listed_after_area(text, spans, k, area, qualifiers):
                    break
                out[k] = (k + 1, area)
                qualifiers.add(k + 1)
                break
    return out


def _listed_after_area(text: str, spans: list, k: int, area: "Candidate", qualifiers: set) -> bool:
    """``Mexico, China, Japan``; ``Virginia, Washington, West Virginia``: name ``k`` follows, after
    a comma, a name that may be an area of the same kind as ``area`` and is not itself a qualifier
    (``Springfield, Illinois, and Columbus, Ohio`` keeps both qualifiers; so does the last item of
    ``Texas and Washington, D.C.``)."""
    if k == 0 or k - 1 in qualifiers:
        return False
    prev = spans[k - 1]
    if text[prev.end:spans[k].start] != ", ":
        return False                           # "Texas and Washington, D.C.": the last item, qualified
    country = area.feature in COUNTRY_FEATURES
    return any((c.feature in COUNTRY_FEATURES) if country else c.feature == "ADM1" for c in prev.candidates)


def _inside(c: "Candidate", area: "Candidate") -> bool:
    if c.place.country != area.place.country or c.feature in COUNTRY_FEATURES:
        return False
    if area.feature in COUNTRY_FEATURES:
        return True
    return c.admin1_code == area.admin1_code and c.feature != "ADM1"


def _appositives(text: str, spans: list, qualified: dict) -> dict[int, list]:
    """``{index: candidates}`` for every name the text itself says is a country or a state
    (``Georgia the country``, ``Georgia, the state,``, ``the US state of Georgia``,
    ``Georgia (the country)``), when the name has candidates of that kind."""
    out = {}
    for k, s in enumerate(spans):
        if k in qualified or not s.candidates:
            continue
        m = None
        if text.startswith((", the ", " the ", " (the "), s.end):      # cheap test first
            m = _APPOSITIVE_AFTER.match(text, s.end)
        elif text.startswith(" of ", s.start - 4):
            m = _APPOSITIVE_BEFORE.search(text, max(0, s.start - 30), s.start)
        if m is None:
            continue
        kinds = APPOSITIVE_KINDS[next(w for w in m.groups() if w)]
        kept = [c for c in s.candidates if c.feature in kinds]
        if kept:
            out[k] = kept
    return out


def _group(spans: list, qualified: dict, appositive: dict) -> list[_Group]:
    """One group per name (one sense per discourse), except qualified and appositive occurrences,
    which stand alone; the bare repeats after an appositive one form a group that follows it."""
    groups: list[_Group] = []
    by_key: dict[str, _Group] = {}
    last_appositive: dict[str, _Group] = {}
    qualifier_of = {b: area for _, (b, area) in qualified.items()}
    for k, s in enumerate(spans):
        if k in appositive:
            g = _Group([s], _trim(appositive[k]), qualified=True, appositive=True)
            groups.append(g)
            last_appositive[s.key] = g
        elif k in qualified:
            area = qualified[k][1]
            g = _Group([s], _trim([c for c in s.candidates if _inside(c, area)]), qualified=True)
            groups.append(g)
        elif k in qualifier_of:
            area = qualifier_of[k]
            g = _Group([s], _trim(s.candidates))
            g.fixed = next(i for i, c in enumerate(g.candidates) if c is area)
            groups.append(g)
        else:
            key = s.key + ("#" + s.admin_hint if s.admin_hint else "") + ("#" + s.generic if s.generic else "")
            leader = None if s.admin_hint or s.generic else last_appositive.get(s.key)
            if leader is not None:
                key += f"#after{id(leader)}"
            g = by_key.get(key)
            if g is None:
                g = by_key[key] = _Group([], _trim(_generic_candidates(s)), follows=leader)
                groups.append(g)
            g.spans.append(s)
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


def _inherit_qualified(groups: list[_Group]) -> None:
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
                g.reasons[k].append(("named with its qualifier elsewhere in the article", 4.0))
                g.scores[k] += 4.0


def _best(g: _Group) -> "Candidate":
    return g.candidates[max(range(len(g.candidates)), key=g.scores.__getitem__)]


def _water_context(text: str, g: _Group) -> None:
    """``the Atlantic``, ``after the Volga``, ``the Sava flows``: a water feature, not the town
    or county of that name ("the" is rarely written before a town's name in news; "The Hague"
    is a name of its own and never reaches here as a bare name)."""
    if g.qualified or g.fixed is not None or not any(
            c.feature in WATER_FEATURES or (c.place.kind == "region" and c.name_kind != "abbr") for c in g.candidates):
        return                                 # ("the Middle East": a region reads the same way; "the Eu"
                                               # is no abbreviation: capitals decide that)
    why = None
    for s in g.spans:
        if text[max(0, s.start - 4):s.start] in ("the ", "The "):
            why = "'the' before the name: a sea, river or region, not a town"
        elif _FLOWS.match(text, s.end):
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
        g.reasons[k].append((why, value))
        g.scores[k] += value


def _water_over_strays(g: _Group) -> None:
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
            g.reasons[k].append(("in a country the article never names, unlike the water feature", -3.0))
            g.scores[k] -= 3.0


def _colocate(groups: list[_Group], namesakes: list[list[int]]) -> None:
    """Reward candidates that have a possible reading of another name of the article nearby
    ("Morecambe and Lancaster": the English Lancaster, not Pennsylvania's). A name with many
    readings is weak evidence: its weight is 1/sqrt(number of candidates). Only each name's best
    candidates take part, binned in 1-degree cells so that only neighbours are compared."""
    points = []                                # per group: [(candidate index, lat, lon, name)]
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for gi, g in enumerate(groups):
        top = sorted(range(len(g.candidates)), key=g.scores.__getitem__, reverse=True)[:NEAR_CANDIDATES]
        pts = [(k, c.place.lat, c.place.lon, c.place.name) for k in top
               for c in (g.candidates[k],) if c.feature.startswith("PPL") or c.feature == "ADM2"]
        points.append(pts)
        weight = 1.0 / math.sqrt(len(g.candidates)) if g.candidates else 0.0
        for _, lat, lon, name in pts:
            cells[int(lat // 1), int(lon // 1)].append((gi, weight, lat, lon, name))
    if len(cells) < 2:
        return
    near_deg = NEAR_KM / 111.0
    blocks: dict[tuple[int, int], list] = {}   # a cell's 3x3 neighbourhood, gathered once
    shelves: dict[tuple[int, int], dict] = {}  # the same, by name, for huge blocks only
    related_sets: dict[int, set] = {}          # groups of one name share one namesakes list
    keys = [g.spans[0].key for g in groups]
    for gi, g in enumerate(groups):
        if not points[gi]:
            continue
        related = related_sets.get(id(namesakes[gi]))
        if related is None:
            related = related_sets[id(namesakes[gi])] = set(namesakes[gi])
        for k, lat0, lon0, _ in points[gi]:
            cell = int(lat0 // 1), int(lon0 // 1)
            block = blocks.get(cell)
            if block is None:
                block = blocks[cell] = [entry for dlat in (-1, 0, 1) for dlon in (-1, 0, 1)
                                        for entry in cells.get((cell[0] + dlat, cell[1] + dlon), ())]
            if len(block) > HUGE_BLOCK:
                shelf = shelves.get(cell)
                if shelf is None:
                    shelf = shelves[cell] = _shelve(block, keys)
                best = _neighbours_bounded(shelf, keys[gi], lat0, lon0)
            else:
                best = {}
            for gj, weight, lat, lon, name in (block if len(block) <= HUGE_BLOCK else ()):
                if gj in related or abs(lat - lat0) > near_deg:
                    continue
                d = _km(lat0, lon0, lat, lon)
                if d < NEAR_KM:
                    value = weight * math.exp(-d / NEAR_KM)      # > 0
                    known = best.get(gj)
                    if known is None or value > known[0]:
                        best[gj] = (value, name)
            if best:
                bonus = min(1.5, sum(v for v, _ in best.values()))
                g.reasons[k].append((("near a possible {}", tuple(n for _, n in best.values())), bonus))
                g.scores[k] += bonus
                if bonus >= 0.3:
                    g.support.add(k)


HUGE_BLOCK = 512        # neighbour entries around one place: beyond, _neighbours_bounded


def _shelve(block: list, keys: list[str]) -> dict:
    """A huge block by name, then by distinct point: ``{key: {(lat, lon, weight, name): [gj]}}``."""
    shelf: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for gj, weight, lat, lon, name in block:
        shelf[keys[gj]][lat, lon, weight, name].append(gj)
    return shelf


def _neighbours_bounded(shelf: dict, own: str, lat0: float, lon0: float) -> dict:
    """``_colocate``'s neighbours of one point in a huge block (a name written thousands of times,
    each occurrence a group of its own: ``Paris, Texas`` again and again): the names related to
    the point's own are skipped whole, each distinct point is measured once, and the walk stops
    once the bonus is certain to be capped (its sum at 1.5 from at least 64 groups). The bonus is
    then what the full walk gives; the names listed by --explain may differ."""
    best: dict[int, tuple[float, str]] = {}
    total = 0.0
    near_deg = NEAR_KM / 111.0
    for key, spots in shelf.items():
        if key.startswith(own) or own.startswith(key):   # its namesakes: no vote
            continue
        for (lat, lon, weight, name), members in spots.items():
            if abs(lat - lat0) > near_deg:
                continue
            d = _km(lat0, lon0, lat, lon)
            if d >= NEAR_KM:
                continue
            value = weight * math.exp(-d / NEAR_KM)
            for gj in members:
                known = best.get(gj)
                if known is None or value > known[0]:
                    total += value - (known[0] if known else 0.0)
                    best[gj] = (value, name)
                if total >= 1.5 and len(best) >= 64:
                    return best
    return best


def _focus(groups: list[_Group]) -> tuple[Counter, Counter]:
    """Votes for countries and (country, admin1) from names that are not in doubt (each group
    remembers its own vote in ``g.vote`` so that it does not count for itself)."""
    countries: Counter = Counter()
    admin1: Counter = Counter()
    for g in groups:
        if not g.candidates:
            continue
        if g.fixed is not None:
            contenders = [g.candidates[g.fixed]]
        else:
            top = max(g.scores)
            contenders = [c for c, v in zip(g.candidates, g.scores) if v >= top - SURE_MARGIN]
        country = contenders[0].place.country
        if not country or any(c.place.country != country for c in contenders):
            continue                           # the country itself is in doubt
        weight = len(g.spans) ** 0.5 * (2.0 if any(s.dateline for s in g.spans) else 1.0)
        countries[country] += weight
        first = contenders[0]
        area = None
        if first.feature not in COUNTRY_FEATURES and first.admin1_code and all(
                c.admin1_code == first.admin1_code and c.feature not in COUNTRY_FEATURES for c in contenders):
            area = (country, first.admin1_code)
            admin1[area] += weight
        g.vote = (country, area, weight)
    return countries, admin1


def _focus_share(countries: Counter, admin1: Counter, namesakes: list[_Group]) -> tuple:
    """The votes of the names other than ``namesakes`` ("Dublin" and "Dublin City" do not vote for
    each other), with their totals: the same for every group of one name, so computed once."""
    own = [h.vote for h in namesakes if h.vote]
    if own:                                    # (plain copies: every own vote is counted there)
        countries, admin1 = dict(countries), dict(admin1)
        for country, area, weight in own:
            countries[country] -= weight
            if area:
                admin1[area] -= weight
    return countries, admin1, sum(countries.values()), sum(admin1.values())


def _add_focus(g: _Group, countries: Counter, admin1: Counter, tot_c: float, tot_a: float) -> None:
    """Pull candidates towards the article's countries and areas, as voted by the other names
    (``_focus_share``)."""
    g.context = tot_c > 1e-9
    if not g.context:
        return
    for k, c in enumerate(g.candidates):
        terms = g.reasons[k]
        share = countries.get(c.place.country, 0.0) / tot_c
        if share > 1e-9:
            g.country_support.add(k)
            terms.append((("article is about {} ({:.0%})", c.place.country, share), 3.0 * share))
            g.scores[k] += 3.0 * share          # a score is always the sum of its terms, in order
        if tot_a > 1e-9 and c.admin1_code and c.feature not in COUNTRY_FEATURES:
            share_a = admin1.get((c.place.country, c.admin1_code), 0.0) / tot_a
            if share_a > 1e-9:
                g.support.add(k)
                terms.append((("article is about {} ({:.0%})", c.place.admin1 or c.admin1_code, share_a), 2.0 * share_a))
                g.scores[k] += 2.0 * share_a


def _namesakes(groups: list[_Group]) -> list[list[int]]:
    """Per group, the indexes (in order) of itself and the groups whose name starts its name or
    is started by it ("Dublin", "Dublin City")."""
    keys = [g.spans[0].key for g in groups]
    by_key: dict[str, list[int]] = defaultdict(list)
    for j, k in enumerate(keys):
        by_key[k].append(j)
    ordered = sorted(by_key)
    family: dict[str, list[int]] = {}          # per distinct name: a dictionary walk, not a scan
    for ka in by_key:
        related = [j for n in range(len(ka) + 1) for j in by_key.get(ka[:n], ())]   # its prefixes
        for kb in ordered[bisect.bisect_right(ordered, ka):]:                       # it starts them
            if not kb.startswith(ka):
                break
            related += by_key[kb]
        family[ka] = sorted(related)
    return [family[ka] for ka in keys]


def _choose(g: _Group) -> None:
    if not g.candidates:
        g.choice = None
    elif g.fixed is not None:
        g.choice = g.fixed
    else:
        g.choice = max(range(len(g.candidates)), key=g.scores.__getitem__)


def _add_nearness(groups: list[_Group]) -> None:
    """Reward candidates near the places chosen for the article's other (city-level) names."""
    anchors = []
    for g in groups:
        if g.choice is None:
            continue
        c = g.candidates[g.choice]
        if c.feature.startswith("PPL") or c.feature == "ADM2":
            anchors.append((g.spans[0].key, c.place.lat, c.place.lon, c.place.name))
    if not anchors:
        return
    anchors = anchors[:10]
    reach = 4 * NEAR_KM
    reach_deg = reach / 111.0
    for g in groups:
        if g.fixed is not None or len(g.candidates) < 2:
            continue
        key = g.spans[0].key
        near = [a for a in anchors if not (a[0].startswith(key) or key.startswith(a[0]))]
        if not near:
            continue
        top = sorted(range(len(g.candidates)), key=g.scores.__getitem__, reverse=True)[:NEAR_CANDIDATES]
        for k in top:
            c = g.candidates[k]
            if c.feature in COUNTRY_FEATURES or c.feature == "CONT":
                continue
            lat0, lon0 = c.place.lat, c.place.lon
            best, name = reach, ""
            for _, lat, lon, n in near:
                if abs(lat - lat0) < reach_deg:
                    d = _km(lat0, lon0, lat, lon)
                    if d < best:
                        best, name = d, n
            if name:
                bonus = 1.5 * math.exp(-best / NEAR_KM)
                g.support.add(k)
                g.reasons[k].append((("{:.0f} km from {}", best, name), bonus))
                g.scores[k] += bonus


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: plenty for 'is it near', and cheap."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


STREET_SCORE = 0.3


def _place_streets(resolved: list) -> list:
    """Put each street at the town the article names nearest before it (else after it): local
    news names its streets without their town. The score says it is a guess."""
    towns = [(s.start, c) for s, c, *_ in resolved
             if c is not None and not s.street and (c.feature.startswith("PPL") or c.feature == "ADM2")]
    starts = [start for start, _ in towns]     # in span order, so sorted: bisect, not a scan
    out = []
    for s, c, score, why, runner in resolved:
        if s.street and towns:
            k = bisect.bisect_left(starts, s.start)
            town = towns[k - 1][1] if k else towns[0][1]
            c, score, why = town, STREET_SCORE, [f"a street: placed at {town.place.name}, the town named nearest to it"]
        out.append((s, c, score, why, runner))
    return out


def _unsupported_hamlet(g: _Group) -> bool:
    """A one-word name whose every candidate is a small town, with nothing in the article pointing
    to the chosen one (no neighbour, not in the article's area, no qualifier): in news such a word
    is far more often a surname or a brand ("Welch", "Ford", "Belk") than the hamlet."""
    if g.choice is None or g.fixed is not None or g.qualified or g.choice in g.support:
        return False
    if any(" " in s.text or s.dateline or s.admin_hint or s.place_like for s in g.spans):
        return False                           # (place_like: "the village of X", "near X")
    return all(_weak(c) for c in g.candidates)


def _stray_town(g: _Group) -> bool:
    """A one-word name resolved to a mid-sized town in a country the article never names, with no
    neighbour either ("Obama" in an article about Egypt, "Toyota Corolla" in Texas): such a word
    is a surname or a brand. Capitals and big cities stay."""
    if g.choice is None or g.fixed is not None or g.qualified or g.choice in g.support \
            or g.choice in g.country_support or not g.context:
        return False
    if any(" " in s.text or s.dateline or s.admin_hint for s in g.spans):
        return False
    c = g.candidates[g.choice]
    return c.feature.startswith("PPL") and c.feature != "PPLC" and c.population < 100_000


def _weak(c: "Candidate") -> bool:
    """A small town, or a county named without its 'County' (``Licking``, ``McDonald``)."""
    if c.feature.startswith("PPL"):
        return c.population < SMALL_TOWN
    return c.feature == "ADM2" and c.name_kind == "alt" and c.population < 20 * SMALL_TOWN


def _confidence(g: _Group) -> tuple[float, int | None]:
    """Softmax share of the chosen candidate, and the runner-up's index."""
    order = sorted(range(len(g.candidates)), key=g.scores.__getitem__, reverse=True)
    runner = next((k for k in order if k != g.choice), None)
    if g.fixed is not None:
        return 0.95, runner
    top = g.scores[g.choice]
    z = sum(math.exp(min(50.0, s - top)) for s in g.scores)
    return round(1.0 / z, 3), runner


def _excluded_best(g: _Group, span: "Span") -> "Candidate | None":
    """For a qualified name, the likeliest place its qualifier ruled out ("Paris" in France)."""
    if not g.qualified:
        return None
    kept = {c.place.id for c in g.candidates}
    return next((c for c in span.candidates if c.place.id not in kept), None)


def _label(name) -> str:
    """An evidence term's label, built only for --explain: a string, or a format and its values
    (a tuple value is a list of names)."""
    if isinstance(name, str):
        return name
    template, *values = name
    return template.format(*(", ".join(sorted(set(v))[:3]) if isinstance(v, tuple) else v for v in values))


def _describe(c: "Candidate") -> str:
    where = ", ".join(x for x in (c.place.admin1, c.place.country) if x)
    return f"{c.place.name} ({c.feature}{', ' + where if where else ''}, pop {c.population:,})"


def _explain(g: _Group, runner: int | None, span: "Span") -> list[str]:
    c = g.choice
    lines = [f"chose {_describe(g.candidates[c])}, score {g.scores[c]:.2f}"
             + (" (fixed by a qualifier)" if g.fixed is not None else "")]
    lines += [f"  + {_label(name)}: {value:+.2f}" for name, value in g.reasons[c]]
    if runner is None and (other := _excluded_best(g, span)) is not None:
        lines.append(f"runner-up {_describe(other)}, ruled out by the qualifier")
    if runner is not None:
        lines.append(f"runner-up {_describe(g.candidates[runner])}, score {g.scores[runner]:.2f}")
        mine = {_label(name): v for name, v in g.reasons[c]}
        theirs = {_label(name): v for name, v in g.reasons[runner]}
        diffs = sorted(((mine.get(k, 0.0) - theirs.get(k, 0.0), k) for k in set(mine) | set(theirs)),
                       reverse=True)
        why = [f"{k} ({d:+.2f})" for d, k in diffs if d > 0.05][:3]
        if why:
            lines.append("  won on: " + "; ".join(why))
    lines += list(span.reasons)
    return lines


def landmark_place(place: Place, name: str) -> Place:
    """``Kakhovka dam`` when the gazetteer lacks the dam: at the place it is named after, with
    kind ``landmark`` and an id of its own (``<place id>/landmark/kakhovka-dam``)."""
    from dataclasses import replace

    from geomap._names import slug

    return replace(place, id=f"{place.id}/landmark/{slug(name)}", name=name, kind="landmark", population=0)


def pin_place(pin, gazetteer: "Gazetteer") -> Place | None:
    """The place a user pin names: a gazetteer id, or explicit coordinates."""
    if pin.place_id:
        return gazetteer.get(pin.place_id)
    if pin.lat is not None and pin.lon is not None:
        return Place(f"pin:{pin.name}", pin.name, float(pin.lat), float(pin.lon),
                     country=pin.country, kind=pin.kind)
    return None


class Geoparser:
    """Recognise and resolve the place names of a text: ``Geoparser(gazetteer, settings).parse(text)``.

    ``gazetteer=None`` opens the default offline index (built first, announced, when missing).
    """

    def __init__(self, gazetteer: "Gazetteer | None" = None, settings: "ParseConfig | None" = None):
        from geomap.config import ParseConfig
        from geomap.extract import Extractor
        from geomap.gazetteer import Gazetteer, normalize

        if gazetteer is None:
            gazetteer = Gazetteer.open(build=True)
        self.settings = settings or ParseConfig()
        self.gazetteer = gazetteer
        self.extractor = Extractor(gazetteer, self.settings)
        self.resolver = Resolver(gazetteer, self.settings)
        self.pins = {normalize(p.name): pin_place(p, gazetteer) for p in self.settings.pins}
        for pin in self.settings.pins:
            if pin.place_id and self.pins[normalize(pin.name)] is None:
                # Silently unplacing every mention of the name would hide a typo in the config.
                from geomap.errors import ConfigError

                raise ConfigError(f"no place {pin.place_id!r} in the gazetteer "
                                  "(ids look like geonames:706448; see geomap parse --explain)",
                                  key=f"parse.pin.{pin.name}.id")

    def parse(self, text: str, explain: bool = False) -> list[Mention]:
        """Mentions sorted by start, non-overlapping, each ``text[start:end] == mention.text``;
        ``explain`` fills ``Mention.explain`` with the chosen place, the runner-up and why."""
        from geomap.lang import language_spans     # English rules, or Ukrainian/Russian ones

        spans = language_spans(self.extractor, text)
        mentions = []
        for span, cand, score, why, runner in self.resolver.resolve(text, spans, explain):
            place = cand.place if cand is not None else None
            if place is not None and span.generic == "landmark":
                place = landmark_place(place, span.text)
            if span.key in self.pins:
                place, score = self.pins[span.key], 1.0
                why = [f"pinned by the user to {place.name if place else 'nothing'}"]
            if place is not None and score < self.settings.min_score:
                continue
            mentions.append(Mention(span.start, span.end, span.text, place, score,
                                    tuple(why) if explain else (),
                                    runner.place if runner is not None else None))
        return mentions
