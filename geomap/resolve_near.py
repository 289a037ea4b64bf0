"""The resolver's geographic evidence (:mod:`geomap.resolve`): co-location of the article's names,
the article's focus (the countries and areas its names agree on), nearness to the places already
chosen, and the namesake relation that keeps a name from voting for itself."""
from __future__ import annotations

import bisect
import functools
import heapq
import math
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Iterable, Iterator

from geomap.gazetteer.features import COUNTRY_FEATURES
from geomap.resolve_group import positions_of, voters_of

if TYPE_CHECKING:
    from geomap.resolve_group import Group

NEAR_KM = 150.0
NEAR_CANDIDATES = 12         # per name, the best-scored candidates that look for neighbours
SURE_MARGIN = 1.5            # candidates within this score of the best are still in the running
HUGE_BLOCK = 512        # neighbour entries around one place: beyond, _neighbours_bounded


def colocate(groups: list[Group], namesakes: list[list[int]]) -> None:
    """Reward candidates that have a possible reading of another name of the article nearby
    ("Morecambe and Lancaster": the English Lancaster, not Pennsylvania's). A name with many
    readings is weak evidence: its weight is 1/sqrt(number of candidates). Only each name's best
    candidates take part, binned in 1-degree cells so that only neighbours are compared.

    Neighbours are occurrence groups (``GroupList.voters``: a qualified name written again and
    again is a neighbour per occurrence), walked in the order of a cell's voters, each voter's
    points in order. A cell holds *streams*, one per group and point: the point and the places of
    the group's voters (``positions_of``), never an entry per voter; a group's bonus is the same
    for each of its voters, so it is computed once per group."""
    positions = positions_of(groups)
    points = []                                # per group: [(candidate index, lat, lon, name)]
    # per 1-degree cell: its streams (first voter's place, point's rank in the group, group, payload),
    # payload = (weight, lat, lon, name), shared by the groups of one candidate list and order
    cells: dict[tuple[int, int], list] = {}
    shared: dict[tuple, tuple[list, list]] = {}
    for gi, g in enumerate(groups):
        cands = g.candidates
        top = sorted(range(len(cands)), key=g.scores.__getitem__, reverse=True)[:NEAR_CANDIDATES]
        key = (id(cands), *top)
        known = shared.get(key)
        if known is None:
            pts = [(k, c.place.lat, c.place.lon, c.place.name) for k in top
                   for c in (cands[k],) if c.feature.startswith("PPL") or c.feature == "ADM2"]
            weight = 1.0 / math.sqrt(len(cands)) if cands else 0.0
            known = shared[key] = (pts, [((int(lat // 1), int(lon // 1)), (weight, lat, lon, name))
                                         for _, lat, lon, name in pts])
        points.append(known[0])
        if positions[gi]:
            first = positions[gi][0]
            for rank, (cell, payload) in enumerate(known[1]):
                cells.setdefault(cell, []).append((first, rank, gi, payload))
    del shared
    if len(cells) < 2:
        return
    for streams in cells.values():
        streams.sort(key=_first_seen)
    near_deg = NEAR_KM / 111.0
    blocks: dict[tuple[int, int], tuple] = {}  # a cell's 3x3 neighbourhood, gathered once
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
                block = blocks[cell] = _block(cells, cell, positions)
            if block[0] > HUGE_BLOCK:
                shelf = shelves.get(cell)
                if shelf is None:
                    shelf = shelves[cell] = _shelve(block[1], keys, positions)
                best = _neighbours_bounded(shelf, keys[gi], lat0, lon0)
            else:
                best = {}
                for vj, gj, (weight, lat, lon, name) in block[2]:
                    if gj in related or abs(lat - lat0) > near_deg:
                        continue
                    d = km(lat0, lon0, lat, lon)
                    if d < NEAR_KM:
                        value = weight * math.exp(-d / NEAR_KM)      # > 0
                        known = best.get(vj)
                        if known is None or value > known[0]:
                            best[vj] = (value, name)
            if best:
                bonus = min(1.5, sum(v for v, _ in best.values()))
                g.note_shared(k, (("near a possible {}", tuple(n for _, n in best.values())), bonus))
                g.scores[k] += bonus
                if bonus >= 0.3:
                    g.add_support(k)


def _first_seen(stream: tuple) -> tuple[int, int]:
    return stream[0], stream[1]


def _block(cells: dict, cell: tuple[int, int], positions: list) -> tuple[int, list, list | None]:
    """A cell's 3x3 neighbourhood: its entries' count (one per voter and point), its cells'
    stream lists, cell after cell, and its entries (:func:`_entries`) unless it is huge."""
    lat, lon = cell
    get = cells.get
    found = [f for f in (get((lat - 1, lon - 1)), get((lat - 1, lon)), get((lat - 1, lon + 1)),
                         get((lat, lon - 1)), get(cell), get((lat, lon + 1)),
                         get((lat + 1, lon - 1)), get((lat + 1, lon)), get((lat + 1, lon + 1)))
             if f is not None]
    count = sum(len(positions[gi]) for streams in found for _, _, gi, _ in streams)
    return count, found, (list(_entries(found, positions)) if count <= HUGE_BLOCK else None)


def _entries(found: list, positions: list) -> Iterator[tuple[int, int, tuple]]:
    """A block's entries ``(voter, group, payload)`` in the order of a walk over voters: cell
    after cell, in a cell by voter, a voter's points in order."""
    for streams in found:
        if len(streams) == 1:
            _, _, gi, payload = streams[0]
            yield from ((vj, gi, payload) for vj in positions[gi])
            continue
        if all(len(positions[gi]) == 1 for _, _, gi, _ in streams):   # one voter each: in order already
            yield from ((first, gi, payload) for first, _, gi, payload in streams)
            continue
        merged = heapq.merge(*[_tagged(positions[gi], rank, gi, payload) for _, rank, gi, payload in streams])
        yield from ((vj, gi, payload) for vj, _, gi, payload in merged)


def _tagged(places, *tags) -> Iterator[tuple]:
    for place in places:
        yield place, *tags


def _shelve(found: list, keys: list[str], positions: list) -> dict:
    """A huge block by name, then by distinct point, in the order they are first met:
    ``{key: {(lat, lon, weight, name): [voters' places of each stream]}}``."""
    shelf: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    ordered = sorted((cell, first, rank, gi, payload) for cell, streams in enumerate(found)
                     for first, rank, gi, payload in streams)
    for _, _, _, gi, (weight, lat, lon, name) in ordered:
        shelf[keys[gi]][lat, lon, weight, name].append(positions[gi])
    return shelf


def _neighbours_bounded(shelf: dict, own: str, lat0: float, lon0: float) -> dict:
    """``colocate``'s neighbours of one point in a huge block (a name written thousands of times,
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
        for (lat, lon, weight, name), streams in spots.items():
            if abs(lat - lat0) > near_deg:
                continue
            d = km(lat0, lon0, lat, lon)
            if d >= NEAR_KM:
                continue
            value = weight * math.exp(-d / NEAR_KM)
            for gj in (streams[0] if len(streams) == 1 else heapq.merge(*streams)):
                known = best.get(gj)
                if known is None or value > known[0]:
                    total += value - (known[0] if known else 0.0)
                    best[gj] = (value, name)
                if total >= 1.5 and len(best) >= 64:
                    return best
    return best


def focus(groups: list[Group]) -> tuple[Counter, Counter]:
    """Votes for countries and (country, admin1) from names that are not in doubt (each group
    remembers its own vote in ``g.vote`` so that it does not count for itself; equal votes share
    one tuple). A group votes once per occurrence group (``GroupList.voters``, in that order:
    the float sums are those of a group per qualified occurrence)."""
    countries: Counter = Counter()
    admin1: Counter = Counter()
    votes: dict[tuple, tuple] = {}
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
        weight = (1 if g.alone else len(g.spans)) ** 0.5 \
            * (2.0 if any(s.dateline for s in g.spans.distinct()) else 1.0)
        first = contenders[0]
        area = None
        if first.feature not in COUNTRY_FEATURES and first.admin1_code and all(
                c.admin1_code == first.admin1_code and c.feature not in COUNTRY_FEATURES for c in contenders):
            area = (country, first.admin1_code)
        vote = (country, area, weight)
        g.vote = votes.setdefault(vote, vote)
    voters = voters_of(groups)
    cast = [g.vote for g in groups]
    for gi in (voters if len(voters) != len(groups) else range(len(groups))):   # (one voter each: in order)
        vote = cast[gi]
        if vote is not None:
            country, area, weight = vote
            countries[country] += weight
            if area:
                admin1[area] += weight
    return countries, admin1


def family_votes(groups: list[Group], family: list[int]) -> Iterator[tuple]:
    """The votes of the groups ``family`` (indexes, ascending) names, one per occurrence group,
    in the order they were cast (``focus``)."""
    voting = [j for j in family if groups[j].vote]
    if not any(groups[j].alone for j in voting):
        return (groups[j].vote for j in voting)            # one voter each, in group order
    if len(voting) == 1:
        g = groups[voting[0]]
        return (g.vote for _ in range(len(g.spans)))
    positions = positions_of(groups)                       # interleaved: merge their voters' places
    merged = heapq.merge(*[_tagged(positions[j], j) for j in voting])
    return (groups[j].vote for _, j in merged)


def focus_share(countries: Counter, admin1: Counter, own: Iterable[tuple]) -> tuple:
    """The votes of the names other than a name's namesakes ("Dublin" and "Dublin City" do not
    vote for each other; ``own``: their votes, :func:`family_votes`), with their totals: the same
    for every group of one name, so computed once."""
    own = iter(own)
    first = next(own, None)
    if first is not None:                      # (plain copies: every own vote is counted there)
        countries, admin1 = dict(countries), dict(admin1)
        country, area, weight = first
        countries[country] -= weight
        if area:
            admin1[area] -= weight
        for country, area, weight in own:
            countries[country] -= weight
            if area:
                admin1[area] -= weight
    return countries, admin1, sum(countries.values()), sum(admin1.values())


def add_focus(g: Group, countries: Counter, admin1: Counter, tot_c: float, tot_a: float) -> None:
    """Pull candidates towards the article's countries and areas, as voted by the other names
    (``focus_share``)."""
    g.context = tot_c > 1e-9
    if not g.context:
        return
    for k, c in enumerate(g.candidates):
        share = countries.get(c.place.country, 0.0) / tot_c
        if share > 1e-9:
            g.add_country_support(k)
            g.note_shared(k, _focus_term(c.place.country, share, 3.0))
            g.scores[k] += 3.0 * share          # a score is always the sum of its terms, in order
        if tot_a > 1e-9 and c.admin1_code and c.feature not in COUNTRY_FEATURES:
            share_a = admin1.get((c.place.country, c.admin1_code), 0.0) / tot_a
            if share_a > 1e-9:
                g.add_support(k)
                g.note_shared(k, _focus_term(c.place.admin1 or c.admin1_code, share_a, 2.0))
                g.scores[k] += 2.0 * share_a


@functools.lru_cache(maxsize=4096)
def _focus_term(name: str, share: float, weight: float) -> tuple:
    """One shared tuple per (place, share, weight): the groups of a huge article repeat them."""
    return ("article is about {} ({:.0%})", name, share), weight * share


def namesakes(groups: list[Group]) -> list[list[int]]:
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


def add_nearness(groups: list[Group]) -> None:
    """Reward candidates near the places chosen for the article's other (city-level) names."""
    anchors = []
    for gi in voters_of(groups):               # the first ten occurrence groups placed in a town
        g = groups[gi]
        if g.choice is None:
            continue
        c = g.candidates[g.choice]
        if c.feature.startswith("PPL") or c.feature == "ADM2":
            anchors.append((g.spans[0].key, c.place.lat, c.place.lon, c.place.name))
            if len(anchors) == 10:
                break
    if not anchors:
        return
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
                    d = km(lat0, lon0, lat, lon)
                    if d < best:
                        best, name = d, n
            if name:
                bonus = 1.5 * math.exp(-best / NEAR_KM)
                g.add_support(k)
                g.note(k, (("{:.0f} km from {}", best, name), bonus))
                g.scores[k] += bonus


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: plenty for 'is it near', and cheap."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)
