"""``geomap watch``: refresh whenever an article file appears, changes or goes (watchdog).

File events come in bursts (an editor writes a temp file, renames it, touches it; a sync tool
drops a hundred files), so a refresh starts once the sources have been quiet for ``debounce``
seconds (0.5 s by default), well within the 2 s promise, and events that arrive during a
refresh trigger one more. Feed sources have no file events: they are read every ``interval``
seconds when configured. A refresh already run by someone else (cron, another terminal) is
waited for, not fought. Stopping (Ctrl-C, or ``stop`` set) ends the loop between refreshes or
interrupts one safely: a refresh is crash-safe by design.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from geomap.articles import SUFFIXES
from geomap.errors import GeomapError, LockedError

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.pipeline import RefreshSummary

DEBOUNCE = 0.5
MAX_WAIT = 5.0      # a continuous stream of files still gets a refresh this often (seconds)
_CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})


class _Changes:
    """A watchdog handler that notes the times of the first and last relevant events since the
    last refresh began."""

    def __init__(self, ignore: list[Path]):
        self.ignore = [p.resolve() for p in ignore]
        self.first: float | None = None
        self.last: float | None = None
        self.wake = threading.Event()

    def reset(self) -> None:
        self.first = self.last = None

    def dispatch(self, event) -> None:      # watchdog calls this for every event
        if event.event_type not in _CHANGES or (event.is_directory and event.event_type == "modified"):
            return      # reads (our own refresh opens every file) and a folder's mtime bumps
        paths = [event.src_path, getattr(event, "dest_path", "")]
        try:
            relevant = any(self._relevant(p, event.is_directory) for p in paths if p)
        except (OSError, RuntimeError, ValueError):
            relevant = True     # an odd name (symlink loop, bad bytes): let the refresh judge it
        if relevant:
            self.last = time.monotonic()
            if self.first is None:
                self.first = self.last
            self.wake.set()

    def _relevant(self, path: str, is_directory: bool) -> bool:
        p = Path(path if isinstance(path, str) else path.decode(errors="replace"))
        if any(part.startswith(".") for part in p.parts[-3:]):
            return False                    # editors' swap files, hidden folders, our temp dirs
        resolved = p.resolve()
        if any(resolved.is_relative_to(root) for root in self.ignore):
            return False                    # our own outputs and store
        return is_directory or p.suffix.lower() in SUFFIXES


def ignored_folders(config: Config) -> list[Path]:
    """Where events are our own doing: the output folder (config keeps it apart from every
    source). The store's files need no entry (their suffixes are not articles'), and ignoring
    the store's folder would ignore the whole project when the store sits in the root."""
    return [config.resolve(config.map.output)]


def watched_folders(config: Config) -> list[Path]:
    """The folders to observe: each folder source, and the folder of each file source."""
    folders = []
    for source in config.sources:
        if source.kind == "feed":
            continue
        path = config.resolve(source.path)
        folder = path if source.kind == "folder" and not path.is_file() else path.parent
        if source.kind == "folder":
            folder.mkdir(parents=True, exist_ok=True)   # an empty inbox still gets watched
        if folder.is_dir() and folder not in folders:
            folders.append(folder)
    return folders


def watch(config: Config, *, refresh: Callable[[], RefreshSummary],
          on_summary: Callable[[RefreshSummary], None], on_error: Callable[[str], None],
          debounce: float = DEBOUNCE, interval: float | None = None,
          stop: threading.Event | None = None, max_wait: float = MAX_WAIT) -> None:
    """Refresh now, then after every quiet burst of file events, until ``stop`` or Ctrl-C.

    ``interval``: also refresh this often (seconds; for feed sources). ``max_wait``: files that
    keep arriving faster than ``debounce`` still get a refresh this long after the first of them.
    Errors of one refresh (a locked store, a bad config file, even a bug: any ``Exception``)
    are reported through ``on_error`` and the watch goes on.
    """
    from watchdog.observers import Observer

    stop = stop or threading.Event()
    changes = _Changes(ignored_folders(config))
    observer = Observer()
    for folder in watched_folders(config):
        observer.schedule(changes, str(folder), recursive=True)
    observer.start()
    try:
        _run_once(refresh, on_summary, on_error)
        next_timed = time.monotonic() + interval if interval else None
        while not stop.is_set():
            due = _due(changes, debounce, next_timed, max_wait)
            if due > 0:
                changes.wake.clear()
                changes.wake.wait(min(due, 0.2))     # short: ``stop`` is looked at 5 times a second
                continue
            changes.reset()
            if next_timed is not None:
                next_timed = time.monotonic() + interval
            _run_once(refresh, on_summary, on_error)
    finally:
        observer.stop()
        observer.join(timeout=5)


def _due(changes: _Changes, debounce: float, next_timed: float | None,
         max_wait: float = float("inf")) -> float:
    """Seconds until the next refresh is due (<= 0: now): ``debounce`` after the last event,
    but no later than ``max_wait`` after the first one."""
    now = time.monotonic()
    waits = []
    if changes.last is not None:
        waits.append(min(changes.last + debounce, (changes.first or changes.last) + max_wait) - now)
    if next_timed is not None:
        waits.append(next_timed - now)
    return min(waits) if waits else 0.2


def _run_once(refresh, on_summary, on_error) -> None:
    try:
        on_summary(refresh())
    except LockedError as e:
        on_error(f"{e}; will refresh at the next change")
    except GeomapError as e:
        on_error(str(e))
    except Exception as e:      # noqa: BLE001 - a bug in one refresh must not end the watch
        on_error(f"refresh failed ({type(e).__name__}: {e}); will refresh at the next change")
