"""The source kinds of regions.yaml, one builder module per kind (as geopy has one module per
geocoding service), in the order error messages list them. A new kind is a module with a
``SourceKind`` and a line here."""
from __future__ import annotations

from geomap.regions.sources import admin1, bbox, combine, country, geojson, shapefile, wkt
from geomap.regions.sources.base import SourceKind

SOURCES: dict[str, SourceKind] = {source.kind: source for source in (
    geojson.SOURCE, shapefile.SOURCE, wkt.SOURCE, bbox.SOURCE, country.SOURCE, admin1.SOURCE,
    combine.UNION, combine.DIFFERENCE, combine.BUFFER)}
SOURCE_KINDS = tuple(SOURCES)

__all__ = ["SOURCES", "SOURCE_KINDS", "SourceKind"]
