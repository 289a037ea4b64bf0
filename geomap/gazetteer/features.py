"""GeoNames feature-code sets shared by the importer, the resolver and its article-level checks,
and the one rule for "this place lies in that area" (``lies_in``)."""
from __future__ import annotations

#: Areas: countries and administrative divisions (a county may be smaller than many towns).
AREA_FEATURES = frozenset({"ADM1", "ADM2", "ADM3", "ADMD", "RGN", "PCLI", "PCL", "PCLD", "PCLF", "PCLS"})
#: Countries, dependencies and territories.
COUNTRY_FEATURES = frozenset({"PCLI", "PCL", "PCLD", "PCLF", "PCLS", "PCLIX", "TERR"})
#: Seas, rivers, lakes and other water features.
WATER_FEATURES = frozenset({"OCN", "SEA", "GULF", "BAY", "STRT", "STM", "LK", "RSV", "CNL", "SD"})


def lies_in(c, area) -> bool:
    """Candidate ``c`` lies in the area candidate ``area``: the same country, ``c`` is not itself a
    country, and ``area`` is a country (or territory), or a first-level area with ``c``'s admin-1
    code (``c`` not itself first-level), or a second-level area with ``c``'s admin-1 code and
    admin-2 name. Callers choose which kinds of area they accept (a qualifier, a list, ...)."""
    if c.place.country != area.place.country or c.feature in COUNTRY_FEATURES:
        return False
    if area.feature in COUNTRY_FEATURES:
        return True
    if not area.admin1_code or c.admin1_code != area.admin1_code:
        return False
    if area.feature == "ADM1":
        return c.feature != "ADM1"
    return area.feature == "ADM2" and bool(area.place.admin2) and area.place.admin2 == c.place.admin2
