#!/usr/bin/env python3
"""Geoparsing on a Dask cluster versus in this process: throughput, and the same answers.

Generates ``--articles`` synthetic news articles in memory (benchmarks/synth_articles.py, seeded),
geoparses them serially in this process and on a ``distributed.LocalCluster`` of ``--workers``
single-threaded worker processes through ``geomap.executors.DaskExecutor`` (what
``geomap refresh --executor dask --scheduler ADDR`` uses), and checks that every article's mentions
are identical. Texts go out ``WINDOW`` at a time (as a refresh hands them over), generated as they
are needed, so the client's memory does not grow with ``--articles``. Prints one JSON object:
articles, mentions, seconds and articles/s for each, the ratio, the client's CPU seconds and peak
RSS, the machine's load before and after (it is shared: read the speed-up with it), and ``equal``.
Exit 1 when the answers differ.

Usage (the default gazetteer index must be built: ``geomap gazetteer build``):
  python benchmarks/bench_dask.py [--articles 100000] [--workers 2] [--serial-sample N]

``--serial-sample N`` parses only the first N articles serially (to save time on big runs): the Dask
results of those N are compared, and the serial rate is measured on them. ``--serial-sample 0`` (or
none given) parses every article serially too. Each article's mentions (position, text, the place's
every field, score) are reduced to a SHA-256 on both sides and the digests compared, article by
article; ``dask_digest``/``serial_digest`` hash those digests in article order (equal when every
checked article is). ``client_peak_rss_mb_setup`` is the client's peak before the first text went
out (a gazetteer index built by this run peaks there); ``client_peak_rss_mb`` covers the whole run.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_articles import article_text, place_names  # noqa: E402

from geomap.config import ParseConfig  # noqa: E402
from geomap.executors import DaskExecutor, SerialExecutor  # noqa: E402
from geomap.gazetteer import Gazetteer  # noqa: E402
from geomap.resolve import Geoparser  # noqa: E402


def texts(count: int, names: list[str], seed: int = 7) -> Iterator[str]:
    """The corpus, one text at a time (a 100,000-article corpus is not held in memory)."""
    rng = random.Random(seed)
    cum = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(names))))
    first = date(2024, 1, 1)
    return (article_text(rng, names, cum, first + timedelta(days=i % 700)) for i in range(count))


WINDOW = 2000       # texts generated, geoparsed both ways and compared at a time


def digest(mentions) -> bytes:
    """One article's mentions as a SHA-256: what ``Mention`` equality compares (offsets, text,
    every field of the place, score), so equal digests mean equal answers."""
    rows = [(m.start, m.end, m.text, None if m.place is None else tuple(
        getattr(m.place, f) for f in m.place.__slots__), m.score) for m in mentions]
    return hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).digest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial-sample", type=int, default=0,
                    help="parse only the first N articles serially too (0: all of them)")
    a = ap.parse_args()
    from distributed import LocalCluster

    gazetteer = Gazetteer.open(build=True)
    path = gazetteer.path
    corpus = texts(a.articles, place_names(path))
    sample = a.articles if not a.serial_sample else min(a.serial_sample, a.articles)
    parser = Geoparser(gazetteer, ParseConfig())
    serial_s = dask_s = 0.0
    done = differ = mentions = 0
    dask_hash, serial_hash = hashlib.sha256(), hashlib.sha256()
    setup_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    cpu = time.process_time()
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as cluster, \
            DaskExecutor(cluster.scheduler_address, path, ParseConfig()) as dask, \
            SerialExecutor(lambda: parser) as serial:
        while window := list(itertools.islice(corpus, WINDOW)):
            started = time.perf_counter()
            got = list(dask.parse_many(window))
            dask_s += time.perf_counter() - started
            mentions += sum(len(m) for m in got)
            got = [digest(m) for m in got]
            checked = window[: max(0, sample - done)]
            if checked:
                started = time.perf_counter()
                expected = [digest(m) for m in serial.parse_many(checked)]
                serial_s += time.perf_counter() - started
                differ += sum(1 for x, y in zip(got, expected) if x != y)
                for x, y in zip(got, expected):
                    dask_hash.update(x)
                    serial_hash.update(y)
            done += len(window)
            print(f"{done} articles: Dask {dask_s:.0f} s, serial {serial_s:.0f} s, "
                  f"{differ} differing", file=sys.stderr, flush=True)
    equal = differ == 0 and done == a.articles
    result = {
        "articles": a.articles, "workers": a.workers, "serial_articles": sample,
        "mentions": mentions,
        "serial_s": round(serial_s, 2), "serial_articles_per_s": round(sample / serial_s, 1) if sample else None,
        "dask_s": round(dask_s, 2), "dask_articles_per_s": round(a.articles / dask_s, 1),
        "speedup": round((a.articles / dask_s) / (sample / serial_s), 2) if sample else None,
        "client_cpu_s": round(time.process_time() - cpu, 1),
        "client_peak_rss_mb_setup": round(setup_rss),
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before_after": [round(load, 1), round(os.getloadavg()[0], 1)],
        "articles_differing": differ, "equal": equal,
        "dask_digest": dask_hash.hexdigest(), "serial_digest": serial_hash.hexdigest(),
    }
    print(json.dumps(result, indent=1))
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())
