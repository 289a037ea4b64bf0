"""Where an online geocoder keeps its definite answers between runs.

``GeocodeCache`` is the protocol ``geocode.OnlineGeocoder`` asks (``get``/``put``); ``MISSING`` is
what ``get`` returns for a key never asked (``None`` is a cached "not found"). ``MemoryCache``
keeps answers in a dict (tests, one-off runs); ``SQLiteGeocodeCache`` keeps them in the
``geocode_cache`` table of a store file, through a connection to it: the store's own
(``store.Store.geocode_cache``) or one ``store.connect`` opened for it (``geomap parse`` needs the
cache, not the store).

This module depends on no other geomap stage, so the store can hand out a cache without
importing the geocoder, and the geocoder can take one without importing the store.
"""
from __future__ import annotations

import enum
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Protocol

from geomap.errors import StoreError

__all__ = ["MISSING", "GeocodeCache", "MemoryCache", "SQLiteGeocodeCache"]


class _Sentinel(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return self.value


#: What ``GeocodeCache.get`` returns for a key it has never seen (``None`` is a cached "not found").
MISSING = _Sentinel.MISSING

class GeocodeCache(Protocol):
    """Where definite answers live between runs.

    Values are JSON-serialisable dicts (a found place's record) or ``None`` (definitely not found).
    """

    def get(self, key: str) -> dict | None | Literal[_Sentinel.MISSING]: ...

    def put(self, key: str, value: dict | None) -> None: ...


class MemoryCache:
    """A ``GeocodeCache`` in a dict, for tests and one-off runs.

    Values are kept as JSON text, so whatever works here also survives the store's JSON column.
    """

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def get(self, key: str) -> dict | None | Literal[_Sentinel.MISSING]:
        text = self._data.get(key)
        return MISSING if text is None else json.loads(text)

    def put(self, key: str, value: dict | None) -> None:
        self._data[key] = json.dumps(value)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data


class SQLiteGeocodeCache:
    """A ``GeocodeCache`` in the ``geocode_cache`` table of the store file at ``path``.

    ``db`` is a connection in autocommit mode (``isolation_level=None``) to a migrated store; each
    ``put`` is one statement, so one atomic write. ``close()`` closes the connection only if
    it was handed over (``owned``). SQLite errors become ``StoreError``.
    """

    def __init__(self, db: sqlite3.Connection, path: Path, *, owned: bool = False):
        self.path, self._db, self._owned = Path(path), db, owned

    def get(self, key: str) -> dict | None | Literal[_Sentinel.MISSING]:
        """The cached answer for ``key``: a dict (found), None (definitely not found) or
        ``MISSING`` (never asked)."""
        try:
            row = self._db.execute("SELECT value FROM geocode_cache WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: {e}") from e
        if row is None:
            return MISSING
        return None if row[0] is None else json.loads(row[0])

    def put(self, key: str, value: dict | None) -> None:
        """Cache a definite answer (None = "not found"). Errors must never reach the cache."""
        encoded = None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            self._db.execute("INSERT OR REPLACE INTO geocode_cache VALUES (?, ?, ?)",
                             (key, encoded, created))
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: {e}") from e

    def close(self) -> None:
        if self._owned:
            self._db.close()

    def __enter__(self) -> SQLiteGeocodeCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
