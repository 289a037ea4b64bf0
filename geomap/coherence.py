"""Article-level checks run after the resolver's scoring (:mod:`geomap.resolve`): size and coherence.

- **coherence**: among namesakes, a candidate within ``NEAR_ANCHOR_KM`` of a place the article names
  with confidence (another name whose country is not in doubt) gains, when a close contender is far
  (``FAR_KM``) from every such place and in a country none of them is in (``Gaza`` with Israel and Tel Aviv, not Mozambique's province). Only a
  candidate's primary name counts (an alternate spelling is too loose a match for this).
- **size**: a country, a capital or a city many times larger than the chosen namesake wins back
  when the namesake won only on weak evidence: the kind and population priors and the article's
  inferred country or state, coherence (for a country or a capital: nearness to the article's
  other places too). Only small namesakes (under ``SMALL_NAMESAKE`` people) yield: in local news a namesake town
  of some size is meant as often as the country (Lebanon, Indiana; Dublin, Ohio). ``China``
  in an article about the US stays China, ``Zaporizhzhia`` the city, not a village of 656 people.
- **enumeration**: the items of a list (``Mexico, China, Japan and Brazil``; ``Oregon and
  Washington``) are places of one kind: a name whose fellow items are all
  countries, or all first-level areas of one country, leans to its candidate of that kind
  (Washington the state, not the capital, next to Oregon).

All three add a named evidence term, so ``--explain`` shows the rule that decided.
"""
from __future__ import annotations

from collections.abc import Iterable

from geomap.gazetteer.features import COUNTRY_FEATURES, lies_in
from geomap.resolve_group import voters_of
from geomap.resolve_near import km

NEAR_ANCHOR_KM = 300.0
FAR_KM = 1500.0
COHERENCE_BONUS = 2.0
CONTENDER_MARGIN = 1.5         # candidates within this score of the best are still in the running
MAX_ANCHORS = 20               # the first confidently placed names (the lead, the dateline)
SIZE_RATIO = 20                # "many times larger"
SMALL_NAMESAKE = 5_000         # a village or a small town: in local news a larger namesake town is
                               # meant as often as the country (Lebanon, Indiana; Dublin, Ohio)
# Evidence terms that are weak against a much larger namesake (their label templates).
_COHERENCE = "coherence: {:.0f} km from {}, placed with confidence"
_WEAK = frozenset({"kind {}", "population", "{} name", "article is about {} ({:.0%})", _COHERENCE})
_WEAK_VS_COUNTRY = _WEAK | {"{:.0f} km from {}", "near a possible {}"}


def _template(name) -> str:
    return name if isinstance(name, str) else name[0]


def coherence(groups: list, namesakes: list[list[int]]) -> None:
    """Reward the namesake near the article's confidently placed places when the best-scored one is
    far from all of them."""
    anchors = []
    for gi in voters_of(groups):               # the first occurrence groups: linear in the article's names
        g = groups[gi]
        if g.candidates and g.vote is not None:
            c = g.candidates[max(range(len(g.candidates)), key=g.scores.__getitem__)] \
                if g.fixed is None else g.candidates[g.fixed]
            anchors.append((gi, c.place.lat, c.place.lon, c.place.name, c.place.country))
            if len(anchors) == MAX_ANCHORS:
                break
    if not anchors:
        return
    for gi, g in enumerate(groups):
        if len(g.candidates) < 2 or g.fixed is not None or g.qualified:
            continue
        mine = [a for a in anchors if a[0] not in namesakes[gi]]
        if not mine:
            continue
        countries = {a[4] for a in mine}
        top = max(g.scores)
        abroad = [c for c, v in zip(g.candidates, g.scores)
                  if v >= top - CONTENDER_MARGIN and c.place.country not in countries]
        if not abroad:
            continue                           # every close contender is in the article's countries

        def nearest(c):
            return min((km(c.place.lat, c.place.lon, lat, lon), name) for _, lat, lon, name, _ in mine)

        if all(nearest(c)[0] < FAR_KM for c in abroad):
            continue                           # no close contender is far from the article, abroad
        for k, c in enumerate(g.candidates):
            if c.name_kind != "name":
                continue
            d, name = nearest(c)
            if d < NEAR_ANCHOR_KM and c.name_kind == "name":
                g.note(k, ((_COHERENCE, d, name),
                                     COHERENCE_BONUS))
                g.scores[k] += COHERENCE_BONUS
                g.add_support(k)


ENUMERATION_BONUS = 3.0
LIST_GAPS = (", ", " and ", ", and ", " or ", ", or ")   # between two items of a list
_ENUMERATION = "in a list of {}: {}"


def _class(c) -> str | None:
    """The kind a list's items share: ``countries`` or ``first-level areas``, else None."""
    if c.feature in COUNTRY_FEATURES:
        return "countries"
    return "first-level areas" if c.feature == "ADM1" else None


def enumeration(text: str, groups: list, items: Iterable[tuple[int, int, int]] | None = None) -> None:
    """Give a list item the kind its fellow items all have (countries, or first-level areas of one
    country); each group's current choice is the evidence, so run it after a ``choose`` pass.
    ``items``: every span's ``(start, end, group index)`` in text order (made from the groups when
    not given); read once, only the lists of two items or more are held."""
    if items is None:
        items = sorted((s.start, s.end, gi) for gi, g in enumerate(groups) for s in g.spans)
    bonus: dict[int, tuple] = {}               # group -> (class, country or None, fellow names)
    members: list[tuple[int, int, int]] = []   # the list being read
    longest = max(map(len, LIST_GAPS))
    for cur in items:
        if members and (cur[0] - members[-1][1] > longest or text[members[-1][1]:cur[0]] not in LIST_GAPS):
            if len(members) > 1:
                _list_bonus(groups, members, bonus)
            members = []
        members.append(cur)
    if len(members) > 1:
        _list_bonus(groups, members, bonus)
    for gi, (kind, country, names) in bonus.items():
        g = groups[gi]
        chosen = g.candidates[g.choice]
        if _class(chosen) == kind and country in (None, chosen.place.country):
            continue                           # already of the list's kind
        for k, c in enumerate(g.candidates):
            if _class(c) == kind and country in (None, c.place.country) and c.name_kind != "demonym" \
                    and chosen is not c and not lies_in(chosen, c):
                g.note(k, ((_ENUMERATION, kind, names), ENUMERATION_BONUS))
                g.scores[k] += ENUMERATION_BONUS


def _list_bonus(groups: list, members: list, bonus: dict) -> None:
    """The kind one list's other items all have, for each item not yet given one (``bonus``).
    (A list of one item, e.g. ``Texas and Washington, D.C.`` where D.C. qualifies Washington,
    never reaches here.)"""
    for _, _, gi in members:
        g = groups[gi]
        if g.fixed is not None or g.qualified or len(g.candidates) < 2 or gi in bonus:
            continue
        fellows = [groups[gj] for _, _, gj in members if gj != gi]
        chosen = [f.candidates[f.choice] for f in fellows if f.choice is not None]
        if len(chosen) < len(fellows):
            continue                           # a fellow item is not placed: no evidence of the kind
        kinds = {_class(c) for c in chosen}
        if len(kinds) != 1 or None in kinds:
            continue
        kind = kinds.pop()
        countries = {c.place.country for c in chosen}
        if kind == "first-level areas" and len(countries) != 1:
            continue
        bonus[gi] = (kind, countries.pop() if kind != "countries" else None,
                     tuple(c.place.name for c in chosen))


def _dominates(big, small) -> bool:
    if big.feature in COUNTRY_FEATURES or big.feature == "PPLC":
        if big.name_kind not in ("name", "abbr"):
            return False                       # "St. George" is only an old name of Freetown
    if big.feature in COUNTRY_FEATURES:
        return small.feature not in COUNTRY_FEATURES and small.feature != "ADM1" \
            and small.place.kind not in ("water", "region", "continent") and small.population < SMALL_NAMESAKE
    if big.feature == "PPLC" and small.feature == "ADM1" and small.place.country != big.place.country:
        return big.population >= 2 * small.population     # Sofia the capital, not Madagascar's region
    if not big.feature.startswith("PPL") or not small.feature.startswith(("PPL", "ADM2", "ADM3")):
        return False
    return (big.feature == "PPLC" or big.population >= 100_000) \
        and big.population >= SIZE_RATIO * max(small.population, 1) and small.population < SMALL_NAMESAKE


def size_guard(g) -> None:
    """Give the choice back to a much larger namesake that lost only on weak evidence."""
    if g.choice is None or g.fixed is not None or g.qualified:
        return
    chosen = g.candidates[g.choice]
    if chosen.population >= SMALL_NAMESAKE and chosen.feature != "ADM1":
        return                                 # only small namesakes (or a foreign region) yield
    rivals = [k for k, c in enumerate(g.candidates) if k != g.choice and _dominates(c, chosen)]
    if not rivals:
        return
    k = max(rivals, key=g.scores.__getitem__)
    big = g.candidates[k]
    weak = _WEAK_VS_COUNTRY if big.feature in COUNTRY_FEATURES or big.feature == "PPLC" else _WEAK

    def strong(i):
        return sum(v for name, v in g.reasons[i] if _template(name) not in weak)

    if strong(g.choice) > strong(k) + 0.25:
        return                                 # the namesake has real evidence of its own
    delta = g.scores[g.choice] - g.scores[k] + 0.5
    label = "country" if big.feature in COUNTRY_FEATURES else "capital" if big.feature == "PPLC" else "city"
    g.note(k, (("size: a {} {}x larger than {}, which won only on weak evidence", label,
                          big.population // max(chosen.population, 1), chosen.place.name), delta))
    g.scores[k] += delta
    g.choice = k
