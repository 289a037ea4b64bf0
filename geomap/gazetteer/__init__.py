"""The offline gazetteer: a compact SQLite index of places built once from registry packages.

``Gazetteer.open()`` is cheap (no source data is read); ``lookup()`` answers a whole article's
candidate names in one query. ``OfflineGeocoder`` puts the same index behind geopy's interface and
``import_geonames`` adds a GeoNames dump to it.
"""
from __future__ import annotations

from geomap.gazetteer.index import Candidate, Gazetteer
from geomap.gazetteer.names import normalize
from geomap.gazetteer.schema import ATTRIBUTION, SCHEMA, default_path

__all__ = ["ATTRIBUTION", "SCHEMA", "Candidate", "Gazetteer", "OfflineGeocoder", "default_path",
           "import_geonames", "normalize"]


def __getattr__(name: str):
    """Import the geopy-based geocoder and the importer only when asked for (start-up cost)."""
    if name == "OfflineGeocoder":
        from geomap.gazetteer.geocoder import OfflineGeocoder

        return OfflineGeocoder
    if name == "import_geonames":
        from geomap.gazetteer.importer import import_geonames

        return import_geonames
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
