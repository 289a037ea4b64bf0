"""The offline gazetteer behind geopy's geocoder interface.

``OfflineGeocoder().geocode("Paris, Texas")`` answers like any geopy geocoder, with a
:class:`geopy.location.Location` whose ``raw`` is the index record. It does not subclass
``geopy.geocoders.base.Geocoder``: that base builds an HTTP adapter this class never uses.

Ranking here is for the geocoder alone, without article context: feature kind first (countries,
continents, capitals, regions), then population. The resolver ranks with context instead.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

from geopy.location import Location

from geomap.gazetteer.features import lies_in
from geomap.gazetteer.index import Candidate, Gazetteer
from geomap.gazetteer.names import normalize

# The geocoder's context-free ranking (geopy's ``geocode``: no article around the name): a rank
# per feature code, added to log10(population). Areas' populations are sums of their cities, so
# they get AREA_DISCOUNT back (Kherson the city before Kherson the oblast). Not the resolver's
# priors (``resolve.FEATURE_PRIOR``: how likely a name in an article means a kind, before the
# article's other evidence, on the scale of its other scores).
RANK_BY_FEATURE = {
    "PCLI": 10.0, "CONT": 9.0, "PPLC": 8.0, "ADM1": 6.0, "PPLA": 6.0, "SEA": 6.0, "OCN": 6.0,
    "GULF": 6.0, "STRT": 6.0, "BAY": 5.0, "LK": 5.0, "STM": 5.0, "RGN": 6.0, "PEN": 5.0,
    "MTS": 5.0, "ADM2": 4.0, "PPL": 3.0,
}
AREA_DISCOUNT = 1.5
RANK_BY_NAME_KIND = {"name": 0.0, "abbr": 0.0, "alt": -0.5, "demonym": -3.0}


class OfflineGeocoder:
    """geopy-compatible geocoder over a :class:`Gazetteer`.

    Without one, the index at ``path`` (default: the user cache's) is opened, and built first when
    missing or out of date unless ``build=False`` (announced on stderr: see ``Gazetteer.open``).
    """

    def __init__(self, gazetteer: Gazetteer | None = None, *, path: Path | None = None, build: bool = True):
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.open(path, build=build)

    def geocode(self, query: str, exactly_one: bool = True, *,
                country_codes: str | Iterable[str] | None = None,
                limit: int | None = None) -> Location | list[Location] | None:
        """Places named ``query``; ``"Name, Qualifier, ..."`` keeps those inside every qualifier
        (a country, first- or second-level area: ``"Paris, Texas"``, ``"Paris, France"``)."""
        parts = [p for p in (normalize(part) for part in str(query).split(",")) if p]
        if not parts:
            return None if exactly_one else []
        name, qualifiers = parts[0], parts[1:]
        found = self.gazetteer.lookup([name, *qualifiers])
        candidates = found.get(name, [])
        for q in qualifiers:
            candidates = [c for c in candidates if _inside(c, q, found.get(q, []))]
        if country_codes is not None:
            codes = {country_codes.upper()} if isinstance(country_codes, str) \
                else {c.upper() for c in country_codes}
            candidates = [c for c in candidates if c.place.country in codes]
        ranked = _dedupe(sorted(candidates, key=_score, reverse=True))
        if not ranked:
            return None if exactly_one else []
        if exactly_one:
            return self._location(ranked[0])
        return [self._location(c) for c in ranked[:limit]]

    def reverse(self, query, exactly_one: bool = True, **kwargs):
        raise NotImplementedError("the offline gazetteer does not reverse-geocode")

    def _location(self, c: Candidate) -> Location:
        p = c.place
        raw = self.gazetteer.record(p.id) or {}
        parts = [p.name, p.admin2 if p.kind == "city" else "", p.admin1, p.country]
        address = ", ".join(dict.fromkeys(x for x in parts if x))
        return Location(address, (p.lat, p.lon), raw)


def _score(c: Candidate) -> float:
    prior = RANK_BY_FEATURE.get(c.feature, 3.0) + RANK_BY_NAME_KIND.get(c.name_kind, 0.0)
    if c.feature in ("ADM1", "ADM2"):
        prior -= AREA_DISCOUNT
    return prior + math.log10(c.population + 1)


def _inside(c: Candidate, qualifier: str, areas: list[Candidate]) -> bool:
    """True when ``c`` lies in one of the places the qualifier names (or is its country code)."""
    p = c.place
    if len(qualifier) <= 3 and qualifier.upper() in (p.country, c.admin1_code):
        return True     # "Paris, FR", "Paris, TX" (US admin1 codes are postal codes)
    return any(a.place.id != p.id and lies_in(c, a) for a in areas)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    """One entry per place (a place can match through several names)."""
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c.place.id not in seen:
            seen.add(c.place.id)
            out.append(c)
    return out
