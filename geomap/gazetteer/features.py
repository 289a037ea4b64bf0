"""GeoNames feature-code sets shared by the importer, the resolver and its article-level checks."""
from __future__ import annotations

#: Areas: countries and administrative divisions (a county may be smaller than many towns).
AREA_FEATURES = frozenset({"ADM1", "ADM2", "ADM3", "ADMD", "RGN", "PCLI", "PCL", "PCLD", "PCLF", "PCLS"})
#: Countries, dependencies and territories.
COUNTRY_FEATURES = frozenset({"PCLI", "PCL", "PCLD", "PCLF", "PCLS", "PCLIX", "TERR"})
#: Seas, rivers, lakes and other water features.
WATER_FEATURES = frozenset({"OCN", "SEA", "GULF", "BAY", "STRT", "STM", "LK", "RSV", "CNL", "SD"})
