"""The ``country`` source: ISO 3166 codes (alpha-2 or alpha-3), Natural Earth 10m outlines."""
from __future__ import annotations

from typing import Any

from geomap.config import Key
from geomap.regions.model import NATURAL_EARTH, Feature
from geomap.regions.natural_earth import country_outline
from geomap.regions.sources.base import SourceKind


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    codes = value["country"]
    return ([_country(loader, key + ("country", i), code) for i, code in enumerate(codes)]
            if isinstance(codes, list) else [_country(loader, key + ("country",), codes)])


def _country(loader, key: Key, code: Any) -> Feature:
    code = loader.doc.check(key, code, "str").strip().upper()
    found = country_outline(code)
    if found is None:
        raise loader.doc.error(key, f"unknown country code {code!r} (ISO 3166-1 alpha-2 or alpha-3)")
    name, geometry = found
    return Feature(name, name, geometry)


SOURCE = SourceKind("country", build, credits=(NATURAL_EARTH,))
