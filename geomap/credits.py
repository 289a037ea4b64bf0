"""Who placed a place, and the credit its data's licence asks for.

Offline places come from the gazetteer (GeoNames, CC BY 4.0, and the team's tables: ids
``geonames:``, ``geomap:``) or from the user's pins (``pin:``); every other id prefix is the
geopy service that answered (``nominatim:relation/123``, ``photon:node/42``, ``googlev3:…``).
Answers of OpenStreetMap-based services are © OpenStreetMap contributors under the ODbL, which
asks for that credit wherever the data is shown: on the map's attribution and in each pop-up.
"""
from __future__ import annotations

from geomap.model import Place

OFFLINE_PREFIXES = frozenset({"geonames", "geomap", "pin"})
OSM_SERVICES = frozenset({"nominatim", "photon", "pickpoint", "openmapquest", "mapquest"})
OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
OSM_CREDIT_HTML = ('© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                   'contributors (ODbL)')
_NAMES = {"nominatim": "Nominatim", "photon": "Photon", "pickpoint": "PickPoint",
          "googlev3": "Google", "bing": "Bing Maps", "arcgis": "ArcGIS", "here": "HERE",
          "mapbox": "Mapbox", "opencage": "OpenCage", "geonames": "GeoNames"}


def online_service(place_id: str) -> str | None:
    """The geopy service that placed ``place_id`` (``"nominatim"``), None for offline places."""
    prefix, sep, _rest = place_id.partition(":")
    if not sep or prefix in OFFLINE_PREFIXES:
        return None
    return prefix


def service_name(service: str) -> str:
    return _NAMES.get(service, service.capitalize())


def service_credit(service: str) -> str:
    """The credit the service's data licence asks for (plain text)."""
    if service in OSM_SERVICES:
        return OSM_CREDIT
    return f"data from {service_name(service)}, under its terms of use"


def origin_note(place: Place) -> str:
    """``"Placed online by Nominatim as a city · © OpenStreetMap contributors (ODbL)"``, or ""
    for an offline place (what its pop-up and page say about where it came from)."""
    service = online_service(place.id)
    if service is None:
        return ""
    kind = f" as {'an' if place.kind[:1] in 'aeiou' else 'a'} {place.kind}" if place.kind else ""
    return f"Placed online by {service_name(service)}{kind} · {service_credit(service)}"


def map_credits(places: "list[Place] | tuple[Place, ...]") -> list[str]:
    """The map attribution's credits (HTML) for the online services that placed any of
    ``places``, once each."""
    services = sorted({s for p in places if (s := online_service(p.id)) is not None})
    return [f"Online places: {service_name(s)}, {OSM_CREDIT_HTML}" if s in OSM_SERVICES
            else f"Online places: {service_name(s)}" for s in services]


__all__ = ["online_service", "service_name", "service_credit", "origin_note", "map_credits",
           "OSM_CREDIT"]
