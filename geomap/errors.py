"""The exception hierarchy. Library code raises these; only the CLI turns them into messages.

Like geopy, each error also inherits the built-in it refines, so callers that catch
``ValueError`` or ``OSError`` keep working.
"""
from __future__ import annotations

__all__ = ["ArticleError", "ConfigError", "GazetteerError", "GeocoderError", "GeomapError", "LockedError",
           "RegionError", "StoreError"]


class GeomapError(Exception):
    """Root of every error geomap raises on purpose."""

    exit_code = 1


class ConfigError(GeomapError, ValueError):
    """A configuration file is wrong. Carries the file, line and key when known."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None):
        self.file, self.line, self.key, self.reason = file, line, key, message
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        what = f"{key}: " if key else ""
        super().__init__(f"{where}{what}{message}")


class ArticleError(GeomapError, ValueError):
    """An article cannot be read (binary, undecodable, empty, too large). It is skipped."""

    exit_code = 3

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


class GazetteerError(GeomapError, RuntimeError):
    """The offline gazetteer index is missing, corrupt or cannot be built."""

    exit_code = 4


class GeocoderError(GeomapError, RuntimeError):
    """An online geocoder failed (network, HTTP error, quota). Never cached."""

    exit_code = 5


class RegionError(GeomapError, ValueError):
    """A region layer's data is unusable (bad geometry, CRS, missing file)."""

    exit_code = 2


class StoreError(GeomapError, RuntimeError):
    """The SQLite store is unusable, of an unknown schema version, or locked by another refresh."""

    exit_code = 6


class LockedError(StoreError):
    """Another refresh holds the store's lock."""

    exit_code = 7


class FileSystemError(GeomapError, OSError):
    """A file could not be written or read for a reason outside geomap: the disk is full, the
    folder is read-only or not ours. The message names the path and what to do."""

    exit_code = 8
