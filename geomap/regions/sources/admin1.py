"""The ``admin1`` source: ``{country: UA, name: Kherson}`` or ``{country: UA, code: "08"}``, a
first-level region derived by ``geomap.regions.admin1.derive_admin1``."""
from __future__ import annotations

import difflib

from geomap.errors import RegionError
from geomap.regions.admin1 import derived_admin1
from geomap.regions.model import GEONAMES, NATURAL_EARTH, Feature
from geomap.regions.sources.base import SourceKind

ADMIN1_KEYS = ("country", "name", "code")


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    doc, key = loader.doc, key + ("admin1",)
    spec = doc.mapping(key, value["admin1"], ADMIN1_KEYS)
    if "country" not in spec or ("name" in spec) == ("code" in spec):
        raise doc.error(key, "needs 'country' and either 'name' or 'code'")
    cc = doc.check(key + ("country",), spec["country"], "str").strip().upper()
    field_, wanted = ("name", spec["name"]) if "name" in spec else ("code", spec["code"])
    wanted = str(doc.check(key + (field_,), wanted, "str")).strip()
    try:
        collection = derived_admin1(cc)
    except RegionError as e:
        raise doc.error(key + ("country",), str(e)) from e
    values = {}
    for feature in collection["features"]:
        props = feature["properties"]
        values[props["name"] if field_ == "name" else props["admin1_code"].split(".")[-1]] = feature
    if wanted not in values:
        close = difflib.get_close_matches(wanted, list(values), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise doc.error(key + (field_,), f"no first-level region {wanted!r} in {cc}{hint}")
    from shapely.geometry import shape

    found = values[wanted]
    name = found["properties"]["name"]
    return [Feature(name, name, shape(found["geometry"]))]


SOURCE = SourceKind("admin1", build, credits=(GEONAMES, NATURAL_EARTH))
