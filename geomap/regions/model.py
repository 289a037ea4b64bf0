"""The values region loading produces: ``Layer`` (a styled group) of ``Region`` (one polygon), the
``Feature`` a source yields before it becomes a region, and the credits of shipped data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

NATURAL_EARTH = "Natural Earth"
GEONAMES = "GeoNames (CC BY 4.0)"


class RegionWarning(UserWarning):
    """A region's data was usable only after a repair (the message names the feature)."""


@dataclass(frozen=True)
class Region:
    """One polygonal area. ``name`` is unique across layers (``layer`` or ``layer/feature``)."""

    name: str
    label: str
    layer: str
    geometry: Any = field(compare=False, repr=False)  # shapely Polygon or MultiPolygon, lon/lat WGS84


@dataclass(frozen=True)
class Layer:
    """A group of regions drawn and toggled together on the map."""

    name: str
    label: str
    description: str
    style: Mapping[str, Any]          # color, fill (None: no fill), opacity (of the fill), weight, dash; choropleth when set
    show: bool                        # visible when the map opens
    regions: tuple[Region, ...]
    attribution: tuple[str, ...] = ()  # data credits the map must show (e.g. "Natural Earth")
    warnings: tuple[str, ...] = ()     # repairs made while loading (also issued as RegionWarning)


@dataclass
class Feature:
    """A named geometry read from one source (named and labelled again by the source's options)."""

    name: str
    label: str
    geometry: Any


