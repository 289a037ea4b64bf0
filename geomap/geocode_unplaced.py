"""Names the offline gazetteer could not place, looked up online within the article's context.

A front-line village of 300 people, a neighbourhood or a landmark is missing from the offline
gazetteer; with ``geocoder.service`` set, such names (mentions recognised with no place) go to the
service, through the same cache and rate limiter as every other query:

- **Context bounds the query.** The article's countries (those of its confidently placed places)
  restrict the search where the service takes a restriction (Nominatim ``countrycodes``); when the
  article's towns cluster, a box around them is preferred (Nominatim ``viewbox``, Photon
  ``location_bias`` at their middle). Other geopy services get the bare name; every answer is
  checked against the context afterwards whatever the service.
- **Only plausible answers.** An answer must be a place (settlement, area, water, natural feature
  or a landmark such as a bridge, dam or power plant), never a shop, an office or a building; it
  must lie in one of the article's countries and, when the article's places cluster, within
  ``MAX_KM`` of one of them (a street only within ``STREET_KM``). Among several answers the one
  nearest the article's places wins. Anything else is refused: the name stays unplaced.
- **Honest about outages.** A failing service leaves the name unplaced and returns the error, so
  the refresh retries that article next time; nothing but definite answers is cached.

The cache key holds the name and the context parameters, so each distinct (name, context) is
asked once across runs.
"""
from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import Any, Iterable, Sequence

from geomap.errors import GeocoderError
from geomap.geocode import OnlineGeocoder
from geomap.model import Mention, Place

__all__ = ["MAX_KM", "STREET_KM", "Context", "article_context", "place_unplaced"]

#: How far from the article's other places an answer may lie when those places cluster.
MAX_KM = 150.0
#: A street is plausible only inside the article's town (or next to it).
STREET_KM = 30.0
#: The article's places "cluster" when they all fit in a box this wide (km, diagonal).
CLUSTER_KM = 600.0
#: The preferred box reaches this far beyond the outermost clustered place.
BOX_PAD_KM = 60.0
#: Answers asked for per name, to choose among namesakes.
ANSWERS = 5
#: The score of a mention placed by the service (the offline resolver's confident picks are higher).
SCORE = 0.6

# Kinds of place that anchor an article's context: points, not areas drawn as points.
_ANCHOR_KINDS = frozenset({"city", "admin2", "landmark"})

# OSM classes whose features are never "a place a news article names" (and never a person).
_REFUSED_CLASSES = frozenset({
    "shop", "amenity", "office", "craft", "building", "healthcare", "emergency", "club",
    "leisure", "tourism", "advertising", "entrance",
})
# ... except these, which news names as places (a dam, a bridge, a plant, an airport, a port).
_LANDMARK_TYPES = frozenset({
    "bridge", "dam", "weir", "plant", "power_plant", "generator", "aerodrome", "airport", "harbour",
    "port", "station", "military", "barracks", "mine", "quarry", "lighthouse", "tower", "fort",
    "castle", "monument", "memorial",
})
_STREET_CLASSES = frozenset({"highway", "railway"})


@dataclasses.dataclass(frozen=True)
class Context:
    """What the article says about where it is: its countries, most mentioned first, and its
    confidently placed points (only when they cluster)."""

    countries: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()

    def box(self) -> tuple[float, float, float, float] | None:
        """``(south, west, north, east)`` around the points, padded; None without points.
        Rounded to 0.1 degree so that articles about one area share cache entries."""
        if not self.points:
            return None
        lats = [p[0] for p in self.points]
        lons = [p[1] for p in self.points]
        pad_lat = BOX_PAD_KM / 111.0
        pad_lon = BOX_PAD_KM / (111.0 * max(0.1, math.cos(math.radians(sum(lats) / len(lats)))))
        south, north = max(-90.0, min(lats) - pad_lat), min(90.0, max(lats) + pad_lat)
        west, east = max(-180.0, min(lons) - pad_lon), min(180.0, max(lons) + pad_lon)
        return (math.floor(south * 10) / 10, math.floor(west * 10) / 10,
                math.ceil(north * 10) / 10, math.ceil(east * 10) / 10)

    def nearest_km(self, lat: float, lon: float) -> float | None:
        """Distance to the nearest context point (None without points)."""
        return min((haversine_km(lat, lon, a, b) for a, b in self.points), default=None)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def article_context(mentions: Iterable[Mention], *, min_score: float = 0.5) -> Context:
    """The context of an article from its placed mentions (``min_score``: confident ones only)."""
    placed = [m.place for m in mentions if m.place is not None and m.score >= min_score]
    countries = Counter(p.country for p in placed if p.country)
    points = list(dict.fromkeys((p.lat, p.lon) for p in placed if p.kind in _ANCHOR_KINDS))
    if points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        if haversine_km(min(lats), min(lons), max(lats), max(lons)) > CLUSTER_KM:
            points = []     # scattered over a continent: no box, countries only
    return Context(tuple(c for c, _ in countries.most_common(5)), tuple(points))


def _params(geocoder: OnlineGeocoder, context: Context) -> dict[str, Any]:
    """The service's own way of bounding a query by the context (documented in the README)."""
    params: dict[str, Any] = {}
    if context.countries and geocoder.accepts("country_codes"):
        params["country_codes"] = [c.lower() for c in context.countries]
    box = context.box()
    if box is not None:
        from geopy.point import Point

        south, west, north, east = box
        if geocoder.accepts("viewbox"):
            params["viewbox"] = [Point(north, west), Point(south, east)]
        elif geocoder.accepts("location_bias"):
            params["location_bias"] = Point((south + north) / 2, (west + east) / 2)
    return params


def _plausible(place: Place, raw: dict, context: Context) -> tuple[bool, str]:
    """Whether an answer may be placed for the article, and why (for ``--explain``)."""
    osm_class, osm_type = _osm_class_type(raw)
    street = osm_class in _STREET_CLASSES and osm_type not in _LANDMARK_TYPES
    if osm_class in _REFUSED_CLASSES and osm_type not in _LANDMARK_TYPES:
        return False, f"a {osm_class} ({osm_type}), not a place"
    if context.countries and place.country and place.country not in context.countries:
        return False, f"in {place.country}, outside the article's countries ({', '.join(context.countries)})"
    distance = context.nearest_km(place.lat, place.lon)
    limit = STREET_KM if street else MAX_KM
    if distance is not None and distance > limit:
        return False, f"{distance:.0f} km from the article's places (more than {limit:.0f})"
    if street and distance is None:
        return False, "a street, and the article names no town to put it in"
    where = f"{distance:.0f} km from the article's places" if distance is not None else \
        (f"in {place.country}" if place.country else "no context to check")
    kind = f"{osm_class}/{osm_type}" if osm_class else (place.kind or "place")
    return True, f"{kind}, {where}"


def _osm_class_type(raw: dict) -> tuple[str, str]:
    if "properties" in raw:                          # Photon: GeoJSON feature
        props = raw.get("properties") or {}
        return str(props.get("osm_key", "")), str(props.get("osm_value", ""))
    return str(raw.get("class", "")), str(raw.get("type", ""))


def _kind(place: Place, raw: dict) -> str:
    osm_class, osm_type = _osm_class_type(raw)
    if osm_type in _LANDMARK_TYPES and osm_class not in ("place", "boundary"):
        return "landmark"
    return place.kind or "city"


def place_unplaced(geocoder: OnlineGeocoder, mentions: Sequence[Mention]
                   ) -> tuple[list[Mention], list[str]]:
    """Mentions with no place looked up online within the article's context.

    Returns the mentions (same order; the placed ones carry the service's place with its kind,
    ``SCORE`` and, when the parse asked for reasons, why it was accepted) and one message per
    failing query (those names stay unplaced, to be asked again on the next refresh).
    """
    todo = [i for i, m in enumerate(mentions) if m.place is None and m.text.strip()]
    if not todo:
        return list(mentions), []
    context = article_context(mentions)
    params = _params(geocoder, context)
    out, errors = list(mentions), []
    chosen: dict[str, tuple[Place, str] | None] = {}
    for i in todo:
        name = " ".join(mentions[i].text.split())
        if name not in chosen:
            try:
                chosen[name] = _choose(geocoder.candidates(name, limit=ANSWERS, **params), context)
            except GeocoderError as e:
                chosen[name] = None
                if str(e) not in errors:
                    errors.append(str(e))
        if chosen[name] is not None:
            place, why = chosen[name]
            reason = (f"{geocoder.service}: {place.name} ({place.lat:.4f}, {place.lon:.4f}) placed a name "
                      f"the offline gazetteer lacks: {why}")
            explain = mentions[i].explain + (reason,) if mentions[i].explain else ()
            out[i] = dataclasses.replace(mentions[i], place=place, score=SCORE, explain=explain)
    return out, errors


def _choose(answers: list[tuple[Place, dict]], context: Context) -> tuple[Place, str] | None:
    """The plausible answer nearest the article's places (the service's order breaks ties)."""
    best = None
    for rank, (place, raw) in enumerate(answers):
        ok, why = _plausible(place, raw, context)
        if not ok:
            continue
        distance = context.nearest_km(place.lat, place.lon)
        key = (distance if distance is not None else 0.0, rank)
        if best is None or key < best[0]:
            best = (key, dataclasses.replace(place, kind=_kind(place, raw)), why)
    return None if best is None else (best[1], best[2])
