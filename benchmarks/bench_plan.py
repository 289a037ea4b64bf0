"""The refresh's plan alone (``geomap.pipeline.plan.plan``): how long deciding takes, no I/O.

    .venv/bin/python -m benchmarks.bench_plan [--articles 10000] [--repeat 7]

Builds a store of N articles with stamps and the sources as a no-op refresh finds them (every
file unchanged), and as an incremental one finds them (10 new files read, one deleted), then
prints the median of ``--repeat`` plans of each in milliseconds.
"""
from __future__ import annotations

import argparse
import statistics
import time

from geomap.pipeline.plan import RACY_NS, Content, Fingerprints, Found, Stat, plan
from geomap.store import FileStamp, StoredArticle

NOW = 2_000_000 * 10**9
OLD = NOW - RACY_NS - 10**9


def corpus(n: int):
    stored, found = {}, []
    for i in range(n):
        aid, key = f"a{i:06d}", f"{i:064x}"
        stamp = FileStamp(1000 + i, OLD, key)
        stored[aid] = StoredArticle(f"{i + 1:064x}", f"articles/{aid}.txt", stamp, False)
        found.append(Found(aid, f"articles/{aid}.txt", stat=Stat(1000 + i, OLD)))
    return stored, found


def median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    fps = Fingerprints("p", "p", "n", "n", "g", "g", "r", "r")
    stored, found = corpus(a.articles)
    noop = median_ms(lambda: plan(stored, found, fps, NOW), a.repeat)
    added = found[1:] + [Found(f"new{i}", f"articles/new{i}.txt", stat=Stat(5, OLD),
                               content=Content(f"{i:063x}f", f"new-{i}")) for i in range(10)]
    decided = plan(stored, added, fps, NOW)
    assert len(decided.process) == 10 and len(decided.delete) == 1 and decided.partial is False
    incremental = median_ms(lambda: plan(stored, added, fps, NOW), a.repeat)
    print(f"plan, {a.articles} articles: no-op {noop:.1f} ms, +10 new -1 deleted {incremental:.1f} ms "
          f"(median of {a.repeat})")


if __name__ == "__main__":
    main()
