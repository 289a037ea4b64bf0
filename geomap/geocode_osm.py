"""What an OSM-based geocoder's reply says about a place (:mod:`geomap.geocode`): its kind
(country, admin1, admin2, city, water, region, continent) from OSM's class, type and address type,
and the ``Place`` fields of Nominatim's and Photon's records (OSM ids, country, first- and
second-level areas)."""
from __future__ import annotations

from typing import Any, Mapping

#: OSM types and address types of water.
OSM_WATER = frozenset({
    "sea", "ocean", "bay", "strait", "gulf", "water", "lake", "reservoir", "river", "canal",
    "stream", "lagoon", "fjord", "sound", "wetland", "riverbank",
})
#: OSM types and address types of settlements and the things inside them.
OSM_SETTLEMENT = frozenset({
    "city", "town", "village", "hamlet", "municipality", "suburb", "city_district", "borough",
    "quarter", "neighbourhood", "isolated_dwelling", "farm", "croft", "locality", "district",
    "street", "house", "road",
})
#: geomap's kind for an OSM type or address type.
KIND_BY_OSM = {
    "country": "country",
    "state": "admin1", "province": "admin1",
    "county": "admin2", "state_district": "admin2",
    "continent": "continent",
    "region": "region", "island": "region", "islet": "region", "archipelago": "region",
    "peninsula": "region",
}
#: OSM object types, as the services spell them.
OSM_TYPES = {"n": "node", "w": "way", "r": "relation",
             "node": "node", "way": "way", "relation": "relation"}


def osm_kind(osm_class: str, osm_type: str, addresstype: str = "") -> str:
    """country/admin1/admin2/city/water/region/continent from OSM's class, type and address type."""
    if osm_class in ("waterway", "water") or osm_type in OSM_WATER or addresstype in OSM_WATER:
        return "water"
    if addresstype == "region" and osm_class == "boundary" and osm_type == "administrative":
        return "admin1"                   # admin_level 3-4 regions (France, Italy, ...)
    for name in (addresstype, osm_type):
        if name in KIND_BY_OSM:
            return KIND_BY_OSM[name]
        if name in OSM_SETTLEMENT:
            return "city"
    if osm_class in ("place", "boundary", "natural", "landuse"):
        return "region"
    return "city"                         # buildings, roads, amenities: a point inside a town


def nominatim_fields(service: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """The ``Place`` fields of a Nominatim (or PickPoint) record."""
    address = raw.get("address") or {}
    return _fields(service, raw, name=raw.get("name"),
                   kind=osm_kind(str(raw.get("class", "")), str(raw.get("type", "")),
                                 str(raw.get("addresstype", ""))),
                   country=address.get("country_code", ""),
                   admin1=address.get("state") or address.get("province") or address.get("region"),
                   admin2=address.get("county") or address.get("state_district") or address.get("district"))


def photon_fields(service: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """The ``Place`` fields of a Photon record (a GeoJSON feature)."""
    props = raw.get("properties") or {}
    # Photon's "type" (country, state, county, city, district, ...) plays Nominatim's addresstype.
    return _fields(service, props, name=props.get("name"),
                   kind=osm_kind(str(props.get("osm_key", "")), str(props.get("osm_value", "")),
                                 str(props.get("type", ""))),
                   country=props.get("countrycode", ""), admin1=props.get("state"), admin2=props.get("county"))


def _fields(service: str, ids: Mapping[str, Any], *, name: Any, kind: str, country: Any,
            admin1: Any, admin2: Any) -> dict[str, str]:
    """The fields both services share, as strings; ``id`` from ``ids``' OSM type and id when given."""
    fields = {"name": str(name or "").strip(), "kind": kind, "country": str(country).upper(),
              "admin1": str(admin1 or ""), "admin2": str(admin2 or "")}
    osm_type = OSM_TYPES.get(str(ids.get("osm_type", "")).lower())
    if osm_type and ids.get("osm_id") is not None:
        fields["id"] = f"{service}:{osm_type}/{ids['osm_id']}"
    return fields


#: Services whose records carry OSM ids and tags (PickPoint runs Nominatim).
OSM_FIELDS = {"nominatim": nominatim_fields, "pickpoint": nominatim_fields,
              "photon": photon_fields}
