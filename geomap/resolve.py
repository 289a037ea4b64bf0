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

import functools
import math
from array import array
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from geomap.coherence import LIST_GAPS, coherence, enumeration, size_guard
from geomap.model import Mention, Place
from geomap.resolve_group import (Group, appositives, choose, forget_shared_reasons, group_spans,
                                  inherit_qualified, qualifiers, water_context, water_over_strays)
from geomap.resolve_scan import listed
from geomap.resolve_near import add_focus, add_nearness, colocate, family_votes, focus, focus_share, km, namesakes
from geomap.spanlist import STREET, SpanList
from geomap.tokens import Span
from geomap.resolve_verdict import chosen_confidence, excluded_best, explanation, stray_town, unsupported_hamlet

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
_NO_WHY: tuple[str, ...] = ()       # the explanation of every span when not explaining: one shared tuple


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
        (the explanation is empty unless ``explain``): :meth:`iter_resolve` as a list."""
        return [(s, c, score, list(why), runner) for s, c, score, why, runner in self.iter_resolve(text, spans, explain)]

    def iter_resolve(self, text: str, spans: list["Span"], explain: bool = True
                     ) -> Iterator[tuple["Span", "Candidate | None", float, Sequence[str], "Candidate | None"]]:
        """What :meth:`resolve` returns, one span at a time (:meth:`iter_outcomes` with each
        span made again)."""
        from dataclasses import replace

        for start, end, out in self.iter_outcomes(text, spans, explain):
            s = out.span
            yield (s if s.start == start else replace(s, start=start, end=end)), out.chosen, out.score, \
                out.why, out.runner_up

    def iter_outcomes(self, text: str, spans: list["Span"], explain: bool = True) -> Iterator[tuple[int, int, "Outcome"]]:
        """``(start, end, outcome)`` for each span kept, in span order: the article's groups are
        decided first (every occurrence of a name is context for the others), then each span's
        :class:`Outcome` is found as it is asked for. Spans of one group and one record (a name
        written again and again) share one outcome, made once; the explanation is a shared empty
        tuple unless ``explain``: nothing per span is made or held but its offsets."""
        spans = SpanList.of(spans)
        groups, owner = self._decide(text, spans)
        outcomes = self._outcomes(spans, groups, owner, explain)
        return _place_streets(outcomes) if any(r[STREET] for r in spans.records) else outcomes   # (no street: as they are)

    def _decide(self, text: str, spans: list["Span"]) -> tuple[list[Group], array]:
        """The article's groups with their choices made (one sense per discourse), and each span's
        group (:func:`_owners`)."""
        qualified = qualifiers(text, spans)
        groups = group_spans(spans, qualified, appositives(text, spans, qualified))
        memo: dict = {}
        for g in groups:
            self._prior(g, memo)
            water_context(text, g)
        del memo
        inherit_qualified(groups)
        families = namesakes(groups)
        colocate(groups, families)
        focus_c, focus_a = focus(groups)
        shares: dict[int, tuple] = {}          # groups of one name share one namesakes list
        for g, related in zip(groups, families):
            share = shares.get(id(related))
            if share is None:
                share = shares[id(related)] = focus_share(focus_c, focus_a, family_votes(groups, related))
            add_focus(g, *share)
            water_over_strays(g)
            choose(g)
        add_nearness(groups)
        coherence(groups, families)
        for g in groups:
            choose(g)
        owner = _owners(spans, groups)
        enumeration(text, groups, listed(text, spans.starts, spans.ends, owner, LIST_GAPS))   # (the items of lists)
        for g in groups:
            choose(g)
            size_guard(g)
        forget_shared_reasons()
        return groups, owner

    def _outcomes(self, spans: SpanList, groups: list[Group], owner: array, explain: bool) -> Iterator[tuple]:
        records, memo, verdicts = spans.records, {}, {}
        for start, end, w, gi in zip(spans.starts, spans.ends, spans.which, owner):
            out = memo.get((gi, w), _UNKNOWN)
            if out is _UNKNOWN:
                g = groups[gi]
                verdict = verdicts.get(gi)
                if verdict is None:
                    verdict = verdicts[gi] = (unsupported_hamlet(g) or stray_town(g),
                                              chosen_confidence(g) if g.choice is not None else None)
                out = self._outcome(Span(start, end, *records[w]), g, verdict, explain)
                if len(g.spans) > 1:           # (a group of one span never asks again)
                    memo[gi, w] = out
            if out is not None:
                yield start, end, out

    def _outcome(self, s: "Span", g: Group, verdict: tuple, explain: bool) -> "Outcome | None":
        dropped, confidence = verdict
        if dropped and s.key not in self.pinned:
            return None
        if g.choice is None:
            return Outcome(s, None, 0.0, ("no gazetteer candidate", *s.reasons) if explain else _NO_WHY, None)
        score, runner = confidence
        runner_up = g.candidates[runner] if runner is not None else excluded_best(g, s)
        return Outcome(s, g.candidates[g.choice], score, explanation(g, runner, s) if explain else _NO_WHY, runner_up)

    def _prior(self, g: Group, memo: dict | None = None) -> None:
        """The prior terms of the group's candidates (``g.reasons``, a tuple per candidate) and their
        sums (``g.scores``). ``memo`` (one article's): groups sharing their candidate list and
        writing (a name and qualifier again and again) share the terms and the scores' floats."""
        written = g.spans.distinct()           # (what is tested is the same for every repeat)
        hint = any(s.admin_hint for s in written)
        caps = any(s.text.isupper() and len(s.text.rstrip(".")) <= 5 for s in written)
        label = g.spans[0].admin_hint if hint else ""
        key = (id(g.candidates), hint, label, caps)
        known = memo.get(key) if memo is not None else None
        if known is None:
            known = (g.candidates, self._prior_terms(g.candidates, hint, label, caps))
            known += (tuple(sum(v for _, v in terms) for terms in known[1]),)
            if memo is not None:
                memo[key] = known              # (holds the list: its id stays its own)
        g.reasons, g.scores = list(known[1]), list(known[2])

    @staticmethod
    def _prior_terms(candidates: list, hint: bool, label: str, caps: bool) -> tuple:
        towns = [c for c in candidates if c.feature.startswith("PPL")]
        out = []
        for c in candidates:
            terms = [_kind_term(c.feature), _population_term(c.population)]
            kind = NAME_KIND_PRIOR.get(c.name_kind, 0.0)
            if kind:
                terms.append(_name_term(c.name_kind, kind))
            if caps and c.name_kind == "abbr":
                terms.append(("written in capitals: its abbreviation (EU, not Eu)", 2.0))
            if c.feature == "ADM2" and c.name_kind == "alt" and not hint:
                terms.append(("a county named without 'County'", -1.0))
            if hint:
                if c.feature.startswith("ADM") or c.feature == "RGN":
                    terms.append((f"'{label}' names an area", 3.0))
                else:
                    terms.append((f"'{label}' names an area, not a town", -2.0))
            elif c.feature in ("ADM1", "ADM2") and _has_namesake_seat(c, towns):
                terms.append(("a bare name means the city, not the area named after it", -2.5))
            out.append(tuple(terms))
        return tuple(out)


# The prior's terms, one shared tuple per feature kind, name kind and population: a huge article
# may hold a group per qualified occurrence, each with these terms for every candidate.
@functools.lru_cache(maxsize=None)
def _kind_term(feature: str) -> tuple:
    return ("kind {}", feature), FEATURE_PRIOR.get(feature, 0.0)


@functools.lru_cache(maxsize=None)
def _name_term(name_kind: str, value: float) -> tuple:
    return ("{} name", name_kind), value


@functools.lru_cache(maxsize=4096)
def _population_term(population: int) -> tuple:
    return "population", 0.45 * math.log10(population + 10)


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
        if big and km(area.place.lat, area.place.lon, c.place.lat, c.place.lon) < 150:
            return True
    return False


STREET_SCORE = 0.3


def _owners(spans: SpanList, groups: list[Group]) -> array:
    """The index of each span's group, in span order (4 bytes a span, not a dict entry)."""
    owner = array("I", bytes(4 * len(spans)))
    for gi, g in enumerate(groups):
        for k in g.spans.index:
            owner[k] = gi
    return owner


class Outcome:
    """What one span (or every span of one group and record) resolves to: the span (its record;
    its offsets are those of the first such span), the chosen candidate, the score, the
    explanation and the runner-up. ``form`` is the geoparser's mention fields for it, made once
    (:meth:`Geoparser.iter_forms`)."""

    __slots__ = ("span", "chosen", "score", "why", "runner_up", "street", "town", "form")

    def __init__(self, span: "Span", chosen: "Candidate | None", score: float, why: Sequence[str],
                 runner_up: "Candidate | None"):
        self.span, self.chosen, self.score, self.why, self.runner_up, self.form = span, chosen, score, why, runner_up, None
        self.street = street = span.street
        feature = chosen.feature if chosen is not None and not street else ""
        self.town = chosen if feature == "ADM2" or feature.startswith("PPL") else None   # streets go to it


_UNKNOWN = object()


def _place_streets(resolved: Iterable[tuple[int, int, Outcome]]) -> Iterator[tuple[int, int, Outcome]]:
    """Put each street at the town the article names nearest before it (else the first after it):
    local news names its streets without their town. The score says it is a guess. Streams: only
    the spans from a street up to the article's first town are held. A street's outcome at a town
    is made once per street outcome and town."""
    town = None                                # the last town named so far
    waiting: list[tuple] = []                  # from the first street before any town on
    placed: dict[tuple[int, int], tuple] = {}  # (id(street outcome), id(town)) -> (both, placed)
    for entry in resolved:
        out = entry[2]
        if out.street:
            if town is not None:
                yield entry[0], entry[1], _at_town(out, town, placed)
            else:
                waiting.append(entry)
            continue
        if out.town is not None:
            if town is None and waiting:
                yield from ((e[0], e[1], _at_town(e[2], out.town, placed)) if e[2].street else e for e in waiting)
                waiting = []
            town = out.town
        if waiting:
            waiting.append(entry)
        else:
            yield entry
    yield from waiting                         # streets in an article naming no town: as they were


def _at_town(out: Outcome, town: "Candidate", placed: dict) -> Outcome:
    key = (id(out), id(town))
    known = placed.get(key)
    if known is None or known[0] is not out or known[1] is not town:
        at = Outcome(out.span, town, STREET_SCORE,
                     (f"a street: placed at {town.place.name}, the town named nearest to it",), out.runner_up)
        known = placed[key] = (out, town, at)  # (holds both: their ids stay their own)
    return known[2]


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
        return list(self.iter_mentions(text, explain))

    def iter_mentions(self, text: str, explain: bool = False) -> Iterator[Mention]:
        """:meth:`parse`'s mentions one at a time, made as they are asked for: a huge article's
        mentions need never be held all at once (``geomap parse`` writes them in batches). The
        article is read and its names resolved before the first mention comes out."""
        return (Mention(start, end, *form) for start, end, form in self.iter_forms(text, explain))

    def iter_forms(self, text: str, explain: bool = False) -> Iterator[tuple[int, int, tuple]]:
        """``(start, end, form)`` for each mention, where ``Mention(start, end, *form)`` is the
        mention: ``form`` (text, place, score, explanation, runner-up place) is one shared tuple
        for every mention of one name resolved alike, so what differs per mention is only its
        offsets (``geomap parse`` encodes a form once). Resolved before the first one comes out."""
        from geomap.lang import language_spans     # English rules, or Ukrainian/Russian ones

        spans = language_spans(self.extractor, text)
        return self._forms(self.resolver.iter_outcomes(text, spans, explain), explain)

    def _forms(self, resolved: Iterable[tuple[int, int, Outcome]], explain: bool) -> Iterator[tuple[int, int, tuple]]:
        landmarks: dict[tuple[str, str], Place] = {}   # one Place per landmark name and place
        pins, min_score = self.pins, self.settings.min_score
        for start, end, out in resolved:
            form = out.form
            if form is None:
                span, score, why, runner, chosen = out.span, out.score, out.why, out.runner_up, out.chosen
                place = chosen.place if chosen is not None else None
                if place is not None and span.generic == "landmark":
                    place = landmarks.get((place.id, span.text)) \
                        or landmarks.setdefault((place.id, span.text), landmark_place(place, span.text))
                if pins and span.key in pins:
                    place, score = pins[span.key], 1.0
                    why = (f"pinned by the user to {place.name if place else 'nothing'}",)
                form = out.form = False if place is not None and score < min_score else \
                    (span.text, place, score, tuple(why) if explain else (), runner.place if runner is not None else None)
            if form:                           # (False: below min_score, not reported)
                yield start, end, form
