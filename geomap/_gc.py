"""One pause of the cyclic garbage collector shared by every part of geomap that pauses it.

The extractor (``Extractor.span_list``), the render (``pipeline.outputs``) and the render workers
(``render.parallel``) pause the collector while they allocate many short-lived or long-lived
acyclic objects. ``gc.disable()`` is process-wide, so two pauses that overlap (two threads, or a
pause inside another) must not each restore what they saw: the first to end would turn the
collector back on while the other still runs. ``collector_paused`` counts the pauses under a lock
and turns the collector back on when the last one ends, if it was on when the first one began.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collector_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; nested and overlapping pauses are counted, and
    the collector is on again after the last of them if it was on before the first."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
