"""Country outlines in the index: what ``geomap.regions.areas`` measures a country's coverage with.

Reading Natural Earth's 10m shapefile costs ~1 s per process before the first outline (the
archive is decompressed, each shape parsed), which would dominate ``geomap parse`` on a few
hundred articles. So the index build stores, per ISO alpha-2 code, the outline's bounding box
(lon/lat) and its coarse equal-area copy (``areas.area_plane``) as WKB: ~0.5 MB for 250
countries, a few milliseconds to read one.
"""
from __future__ import annotations

import sqlite3

DDL = """
CREATE TABLE outlines (
    code TEXT PRIMARY KEY,            -- ISO 3166-1 alpha-2
    west REAL NOT NULL, south REAL NOT NULL, east REAL NOT NULL, north REAL NOT NULL,
    plane BLOB NOT NULL               -- WKB of areas.area_plane(outline)
);
"""


def add_outlines(db: sqlite3.Connection) -> int:
    """Write the outlines table; the number of countries written."""
    import shapely

    from geomap.regions.areas import area_plane
    from geomap.regions.natural_earth import country_outlines

    db.executescript(DDL)
    rows = [(code, *outline.bounds, shapely.to_wkb(area_plane(outline)))
            for code, _name, outline in country_outlines()]
    db.executemany("INSERT INTO outlines VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def read_outline(db: sqlite3.Connection, code: str):
    """``(bounds, plane)`` of a country (``bounds`` = (west, south, east, north), ``plane`` a
    shapely geometry), None when the code has none; ``LookupError`` when the index predates
    the table (then the caller reads Natural Earth itself)."""
    import shapely

    try:
        row = db.execute("SELECT west, south, east, north, plane FROM outlines WHERE code = ?",
                         (code,)).fetchone()
    except sqlite3.OperationalError as exc:
        raise LookupError("no outlines table") from exc
    if row is None:
        return None
    return tuple(row[:4]), shapely.from_wkb(row[4])


__all__ = ["add_outlines", "read_outline"]
