"""The store's bulk insert alone: ``Store.put_articles`` in the refresh's batches, at growing sizes.

    .venv/bin/python -m benchmarks.bench_store_insert [--articles 10000 30000] [--batch 200]
                                                      [--dir /tmp/geomap-bench-store] [--bulk]

Synthetic articles (3 KB of text, 32 mentions of 3,000 places each, like the refresh benchmark's
corpus) are stored into a fresh store in batches of ``--batch`` (the refresh's
``BATCH_ARTICLES``). Prints, per size, the total seconds, the seconds per 1,000 articles of the
first and the last tenth of the batches (a growing figure: the insert cost is not linear), the
store's size and the peak RSS. Issue 13: the cold build was dominated by this insert and its
COMMIT, which grew super-linearly with the store. ``--bulk`` stores as a cold refresh does
(``geomap.store_bulk``: the place index and the full-text index built once at the end, timed
apart as "index"). CPU seconds (``time.process_time``) are printed beside the wall times: the
machine is shared.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import time
from pathlib import Path

from geomap.model import Article, Mention, Passage, Place
from geomap.store import Store

WORDS = ("the council said that talks went on late into the night while aid convoys waited "
         "at the border and officials promised more news on the road ahead").split()


def synthetic(n: int, seed: int = 1):
    """``n`` (article, mentions, regions) triples for ``put_articles``."""
    rng = random.Random(seed)
    places = [Place(f"geonames:{100000 + i}", f"Place{i}", rng.uniform(-60, 60),
                    rng.uniform(-170, 170), "UA") for i in range(3000)]
    weights = [1 / (i + 1) for i in range(len(places))]          # a few places named very often
    for k in range(n):
        paras = [" ".join(rng.choices(WORDS, k=60)) for _ in range(8)]
        text = "\n\n".join(paras)
        passages, pos = [], 0
        for i, para in enumerate(paras):
            passages.append(Passage(i, pos, pos + len(para)))
            pos += len(para) + 2
        starts = sorted(rng.sample(range(0, len(text) - 8, 8), 32))
        chosen = rng.choices(places, weights, k=32)
        mentions = [Mention(s, s + 5, text[s:s + 5], p, 0.9) for s, p in zip(starts, chosen)]
        aid = f"{rng.getrandbits(64):016x}-article-{k}"          # ids in no particular order
        yield (Article(aid, f"articles/{aid}.txt", text, f"{k:064x}", f"Title {k}",
                       f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}", passages=tuple(passages)),
               mentions, {})


def run(n: int, batch: int, folder: Path, bulk: bool) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    items = list(synthetic(n))
    times = []
    with Store(folder / "geomap.sqlite") as store:
        started, cpu = time.perf_counter(), time.process_time()
        if bulk:
            store.begin_bulk_load()
        for i in range(0, n, batch):
            t = time.perf_counter()
            store.put_articles(items[i:i + batch])
            times.append(time.perf_counter() - t)
        index = time.perf_counter()
        if bulk:
            store.finish_bulk_load()
        index = time.perf_counter() - index
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
    tenth = max(1, len(times) // 10)
    per_k = 1000 / batch
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} articles{' (bulk)' if bulk else ''}: {total:.1f} s ({cpu:.1f} s CPU), index "
          f"{index:.1f} s; per 1,000 articles: first tenth "
          f"{sum(times[:tenth]) / tenth * per_k:.2f} s, last tenth "
          f"{sum(times[-tenth:]) / tenth * per_k:.2f} s; store {size:.0f} MB; peak RSS {rss:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-store"))
    parser.add_argument("--bulk", action="store_true", help="as a cold refresh: indexes after")
    args = parser.parse_args(argv)
    for n in args.articles:
        run(n, args.batch, args.dir / str(n), args.bulk)


if __name__ == "__main__":
    main()
