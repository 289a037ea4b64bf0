"""Where a refresh spends its time and memory, stage by stage (issue 13: which stage dominates a
cold build). Cheap enough to run always: a few clock reads per stage, and per stored batch."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator, NamedTuple

__all__ = ["Stage", "StageClock"]


class Stage(NamedTuple):
    """One stage of a refresh: wall and CPU seconds spent in it (CPU of this process only:
    geoparsing workers are not counted), and this process's peak RSS (MB) when it ended. The peak
    never goes down, so the stage where it rises is the one that needed the memory."""

    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


class StageClock:
    """Adds up the time spent in named stages; a stage may be entered many times (``store``
    once per batch) and may run inside another (``process``), whose own figure keeps it."""

    def __init__(self) -> None:
        self._spent: dict[str, list[float]] = {}
        self._peak: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            spent = self._spent.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            self._peak[name] = peak_rss_mb()

    def stages(self) -> tuple[Stage, ...]:
        """The stages in the order they were first left, rounded for printing."""
        return tuple(Stage(name, round(wall, 3), round(cpu, 3), round(self._peak[name], 1))
                     for name, (wall, cpu) in self._spent.items())


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB, macOS bytes)."""
    try:
        import resource
    except ImportError:         # not on Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
