"""Moving a store from the old default place (``output/geomap.sqlite``) to ``.geomap/``.

The output folder is what gets published (copied to a web server, synced, zipped); the store
holds every article's full text and the geocoder cache, and does not belong there. The default
``store.path`` is now ``.geomap/geomap.sqlite``; a project refreshed before has its store in
``output/``, and the first refresh moves it, with nothing lost:

1. under the old store's lock (an older geomap may still be refreshing it) and the new one's,
2. the write-ahead log is checkpointed into the database and the journal mode set to
   ``DELETE`` (SQLite then removes ``-wal`` and ``-shm``: one self-contained file),
3. the file is renamed (or, across file systems, copied, fsynced and renamed into place before
   the old one is removed).

Only the default location is migrated: an explicit ``store.path`` is where the user wants it.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from geomap.errors import StoreError

if TYPE_CHECKING:
    from geomap.config import Config


def legacy_store(config: Config) -> Path | None:
    """The old store to move to ``config.store_path``, if there is one to move."""
    from geomap.config import DEFAULT_STORE, LEGACY_STORE

    target = Path(os.path.abspath(config.resolve(config.store_path)))
    if target != Path(os.path.abspath(config.resolve(DEFAULT_STORE))):
        return None
    legacy = config.resolve(LEGACY_STORE)
    if target.exists() or not legacy.is_file():
        return None
    return legacy


def move_store(legacy: Path, target: Path, locked) -> str:
    """Move the SQLite store ``legacy`` to ``target`` (see the module's docstring); returns a
    line saying so. ``locked(path)``: the refresh's lock on a store. Raises ``StoreError`` when
    the old store cannot be checkpointed or moved (it is then left where it was, intact)."""
    with locked(legacy):
        try:
            db = sqlite3.connect(legacy, isolation_level=None)
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error as e:
            raise StoreError(f"{legacy}: cannot move the store to {target} ({e}); it was left "
                             "where it is") from e
        if str(mode).lower() != "delete" or legacy.with_name(legacy.name + "-wal").exists():
            raise StoreError(f"{legacy}: cannot move the store to {target} (its write-ahead log "
                             "is still in use); it was left where it is")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _move(legacy, target)
        except OSError as e:
            raise StoreError(f"{legacy}: cannot move the store to {target} "
                             f"({e.strerror or e}); it was left where it is") from e
        legacy.with_name(legacy.name + "-shm").unlink(missing_ok=True)
    legacy.with_name(legacy.name + ".lock").unlink(missing_ok=True)
    return f"moved the store from {legacy} to {target} (kept out of the published output folder)"


def _move(source: Path, target: Path) -> None:
    try:
        os.rename(source, target)       # same file system: atomic
        return
    except OSError as e:
        if e.errno != errno.EXDEV:     # another file system: copied below
            raise
    tmp = target.with_name(target.name + ".moving")
    with open(source, "rb") as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, target)
    source.unlink()


__all__ = ["legacy_store", "move_store"]
