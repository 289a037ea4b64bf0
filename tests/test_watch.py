"""``geomap watch``: a real watcher process refreshes soon after files change and stops on Ctrl-C."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from geomap.config import load_config
from geomap import watch as watch_module
from geomap.watch import _Changes, _due, ignored_folders, watched_folders

from conftest import THIRD, write, write_config

REPO = Path(__file__).resolve().parent.parent


class Lines:
    """Lines of a child's stream, read in a thread, with their arrival times."""

    def __init__(self, stream):
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put((time.monotonic(), line))
        self._queue.put((time.monotonic(), None))

    def next(self, timeout: float) -> tuple[float, str | None]:
        return self._queue.get(timeout=timeout)

    def rest(self, timeout: float) -> str:
        """The lines not taken by ``next``, joined, up to the stream's end (or what came within
        ``timeout`` seconds)."""
        lines = []
        end = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, end - time.monotonic()))[1]
            except queue.Empty:
                return "".join(lines)
            if line is None:
                return "".join(lines)
            lines.append(line)


def _stopped(child: subprocess.Popen, err: Lines, timeout: float) -> int:
    """The child's exit code once it exits, within ``timeout``. If it does not, it is made to
    print every thread's stack (``PYTHONFAULTHANDLER``: SIGABRT) and the test fails with that
    stack, so a hang under load says where it hung."""
    try:
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGABRT)
        child.wait(timeout=30)
        raise AssertionError(f"the watch did not stop within {timeout} s; its stacks:\n"
                             f"{err.rest(10)[-8000:]}") from None


def test_watch_refreshes_after_a_change_and_stops_on_ctrl_c(mapped_project):
    child = subprocess.Popen([sys.executable, "-m", "geomap", "--root", str(mapped_project), "watch"],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    out = Lines(child.stdout)
    errors = Lines(child.stderr)        # drained as it comes: a full pipe must not block the child
    try:
        _, first = out.next(timeout=180)
        assert first.startswith("refreshed: 2 new")

        # When the refresh starts is decided by ``_due`` (tested below without a clock); here
        # only that it comes: the timeouts are liveness bounds for a loaded machine.
        write(mapped_project / "articles" / "geneva.txt", THIRD)
        _, second = out.next(timeout=120)
        assert second.startswith("refreshed: 1 new, 0 changed, 0 deleted, 2 unchanged")

        (mapped_project / "articles" / "valencia.md").unlink()
        _, third = out.next(timeout=120)
        assert "1 deleted" in third
        assert "Geneva" in (mapped_project / "output" / "map.html").read_text(encoding="utf-8")

        write(mapped_project / "output" / "unrelated.txt", "outputs are not sources")
        write(mapped_project / "articles" / ".swap.txt", "hidden files are ignored")
        try:
            extra = out.next(timeout=1.5)[1]
        except queue.Empty:
            extra = None
        assert extra is None

        child.send_signal(signal.SIGINT)
        assert _stopped(child, errors, 180) == 0    # a liveness bound, generous for a loaded machine
        err = errors.rest(30)
        assert "watch stopped" in err and "Traceback" not in err
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_refresh_is_due_a_debounce_after_the_last_event_and_at_most_max_wait_after_the_first(
        monkeypatch):
    now = [100.0]
    monkeypatch.setattr(watch_module.time, "monotonic", lambda: now[0])
    changes = _Changes([])
    assert _due(changes, 0.5, None) > 0                         # no event: nothing due
    changes.first = changes.last = 100.0
    assert _due(changes, 0.5, None) == 0.5                      # quiet for a debounce: then
    now[0] = 100.5
    assert _due(changes, 0.5, None) <= 0
    for t in (101.0, 102.0, 103.0, 104.0, 104.9):               # files keep arriving...
        now[0] = changes.last = t
        assert _due(changes, 0.5, None, max_wait=5.0) > 0
    now[0] = changes.last = 105.0                               # ... 5 s after the first: now
    assert _due(changes, 0.5, None, max_wait=5.0) <= 0
    assert _due(changes, 0.5, None) > 0                         # (no max_wait: still waiting)
    changes.first = changes.last = None
    assert _due(changes, 0.5, 107.0) == 2.0                     # a timed refresh (feeds)


def test_changes_ignore_outputs_hidden_files_and_other_suffixes(tmp_path):
    changes = _Changes([tmp_path / "output"])

    class Event:
        def __init__(self, path, is_directory=False, dest="", event_type="modified"):
            self.src_path, self.is_directory, self.dest_path = str(path), is_directory, dest
            self.event_type = event_type

    for ignored in (tmp_path / "output" / "map.html", tmp_path / "in" / ".x.txt.swp",
                    tmp_path / "in" / "photo.jpg", tmp_path / "in" / ".git" / "a.txt"):
        changes.dispatch(Event(ignored))
    changes.dispatch(Event(tmp_path / "in" / "a.txt", event_type="opened"))     # a read
    changes.dispatch(Event(tmp_path / "in", is_directory=True))                # a folder's mtime
    assert changes.last is None
    changes.dispatch(Event(tmp_path / "in" / "tmp123", dest=str(tmp_path / "in" / "a.html"),
                           event_type="moved"))
    assert changes.last is not None                     # an editor's rename into place counts


def test_watched_folders_cover_folder_and_file_sources(tmp_path, gazetteer_path):
    single = write(tmp_path / "elsewhere" / "one.txt", THIRD)
    write_config(tmp_path, gazetteer_path, f"sources:\n  - path: inbox\n"
                                           f"  - {{path: '{single}', kind: file}}\n"
                                           f"  - {{path: 'http://127.0.0.1:9/rss', kind: feed}}\n")
    folders = watched_folders(load_config(None, tmp_path))
    assert folders == [tmp_path.resolve() / "inbox", single.parent.resolve()]
    assert (tmp_path / "inbox").is_dir()                # created so that it can be watched
    assert os.access(folders[0], os.W_OK)


def test_a_store_in_the_project_root_does_not_hide_the_articles(tmp_path):
    """store.path: geomap.sqlite puts the store in the root; article events must still count."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "geomap.yaml").write_text("store:\n  path: geomap.sqlite\n", encoding="utf-8")
    config = load_config(tmp_path / "config" / "geomap.yaml", tmp_path)
    changes = _Changes(ignored_folders(config))

    class Event:
        src_path, is_directory, dest_path, event_type = "", False, "", "created"

    for name in ("geomap.sqlite", "geomap.sqlite-wal", "geomap.sqlite.lock"):
        event = Event()
        event.src_path = str(tmp_path / name)
        changes.dispatch(event)
    assert changes.last is None                       # the store's own files never trigger
    event = Event()
    event.src_path = str(tmp_path / "articles" / "new.txt")
    changes.dispatch(event)
    assert changes.last is not None
