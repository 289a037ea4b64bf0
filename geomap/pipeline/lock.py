"""One refresh at a time: the store's lock file, and opening the store under it."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from geomap.errors import LockedError, StoreError

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.store import Store

__all__ = ["locked", "move_legacy_store", "open_store"]


@contextmanager
def locked(store_path: Path, *, wait: float = 0.0) -> Iterator[None]:
    """An exclusive ``flock`` on ``<store>.lock`` for the duration; busy means LockedError.

    The kernel releases a ``flock`` when its holder dies, even by SIGKILL: no stale locks.
    """
    import fcntl

    lock_path = store_path.with_name(store_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StoreError(f"{lock_path}: cannot create the lock file: {e.strerror or e}") from e
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(f"another refresh is running (it holds {lock_path}); "
                                      "try again when it has finished") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)        # closing releases the lock


@contextmanager
def open_store(config: Config, *, wait: float = 0.0) -> Iterator[tuple[Store, list[str]]]:
    """The store, locked (``locked``), after moving an old ``output/geomap.sqlite`` to the
    default place (``store_move``; the notes say so): never a new empty store beside the old."""
    from geomap.store import Store

    store_path = config.resolve(config.store_path)
    with locked(store_path, wait=wait):
        notes = move_legacy_store(config)
        with Store(store_path) as store:
            yield store, notes


def move_legacy_store(config: Config) -> list[str]:
    """Move an old ``output/geomap.sqlite`` to the default store path (caller holds the lock)."""
    from geomap.store_move import legacy_store, move_store

    if (legacy := legacy_store(config)) is None:
        return []
    return [move_store(legacy, config.resolve(config.store_path), locked)]
