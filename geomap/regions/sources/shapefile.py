"""The ``shapefile`` source: a ``.shp`` with its sidecars, or a ``.zip`` holding them (pyshp)."""
from __future__ import annotations

from pathlib import Path

from geomap.errors import RegionError
from geomap.guards import MAX_PRJ_BYTES, open_zip, read_member
from geomap.regions.geodesy import check_lonlat
from geomap.regions.model import Feature
from geomap.regions.sources.base import SourceKind, feature_name, file_features


def build(loader, key, value: dict, layer: str, where: str) -> list[Feature]:
    return file_features(loader, key, value, "shapefile", read_shapefile, where)


SOURCE = SourceKind("shapefile", build, options=("name_property", "select"))


def read_shapefile(path: Path, name_property: str, where: str) -> list[Feature]:
    """Features of a shapefile (``.shp`` with its ``.dbf``, or a ``.zip`` holding them)."""
    import shapefile
    from shapely.geometry import shape

    try:
        prj = _prj_text(path)
    except (OSError, ValueError) as e:        # not a zip, a zip bomb, a huge .prj
        raise RegionError(f"{where}: {path}: {e}") from e
    _check_prj(prj, f"{where}: {path}")
    try:
        with shapefile.Reader(str(path), encoding="utf-8", encodingErrors="replace") as reader:
            fields = [f[0] for f in reader.fields[1:]]
            if name_property not in fields and len(reader) > 1:
                raise RegionError(f"{where}: {path}: no field {name_property!r} (fields: {', '.join(fields)})")
            features = []
            for i, item in enumerate(reader.iterShapeRecords()):
                name = feature_name(item.record.as_dict().get(name_property), None, i, f"{where}: {path}")
                geo = item.shape.__geo_interface__
                if not geo.get("coordinates"):
                    raise RegionError(f"{where}: {path}: feature {name!r} has no geometry")
                features.append(Feature(name, name, check_lonlat(shape(geo), f"{where}: {path}: "
                                                                   f"feature {name!r}")))
    except shapefile.ShapefileException as e:
        raise RegionError(f"{where}: {path}: not a readable shapefile: {e}") from e
    return features


def _prj_text(path: Path) -> str | None:
    """The ``.prj`` beside a ``.shp``, or inside a ``.zip``; None when there is none."""
    if path.suffix.lower() == ".zip":
        with open_zip(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".prj")]
            return read_member(z, names[0], MAX_PRJ_BYTES).decode("utf-8", "replace") if names else None
    prj = path.with_suffix(".prj")
    return prj.read_text(encoding="utf-8", errors="replace") if prj.is_file() else None


def _check_prj(text: str | None, where: str) -> None:
    """Geographic WGS84 passes; anything projected or on another datum is refused."""
    if text is None:
        return
    upper = text.upper().replace(" ", "_")
    if upper.lstrip().startswith("PROJCS") or "WGS_1984" not in upper and "WGS_84" not in upper \
            and "WGS84" not in upper:
        raise RegionError(f"{where}: the .prj is not WGS84 longitude/latitude ({text.strip()[:60]}...); "
                          "reproject to EPSG:4326 first (e.g. ogr2ogr -t_srs EPSG:4326 out.shp in.shp)")

