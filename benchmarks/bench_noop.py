"""Nothing-new refreshes timed with two (or more) source trees, each on its own copy of a project.

    .venv/bin/python -m benchmarks.bench_noop --run /tmp/b/10k-base /tmp/geomap-before \\
        --run /tmp/b/10k /tmp/geomap-after [--repeat 5]

``benchmarks/bench_refresh_ab.py`` restores one saved state before every run, which a tree cannot do
when the other one migrated the store (an older geomap refuses a newer store: issue 13's
``stamps_index``). Here each ``--run DIR CODE`` is a project (``cp -a`` of a
``benchmarks/bench_refresh.py`` folder) that CODE alone refreshes: one untimed refresh brings it up
to date (a copy at a new root renders once; a newer tree migrates its store), then the runs
alternate between the pairs (a, b, a, b...), so the machine's load weighs on each alike. Each prints
its wall and CPU seconds (the refresh process's user + system time, ``os.wait4``) and peak RSS,
then the medians per pair. Nothing is changed between runs: every timed refresh finds nothing new.
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.bench_refresh_ab import timed_refresh


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", nargs=2, action="append", type=Path, required=True,
                        metavar=("DIR", "CODE"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    pairs = [(d.resolve(), code.resolve()) for d, code in args.run]
    for d, code in pairs:
        print(f"bringing {d} up to date with {code}:", timed_refresh(d, code)["summary"], flush=True)
    runs: dict[tuple[Path, Path], list[dict]] = {pair: [] for pair in pairs}
    for _ in range(args.repeat):
        for pair in pairs:
            run = timed_refresh(*pair)
            if not run["summary"].startswith("nothing new"):
                raise SystemExit(f"{pair[0]}: not a no-op: {run['summary']}")
            runs[pair].append(run)
            print(f"{pair[0]} {pair[1]}: wall {run['wall']:.3f} s, CPU {run['cpu']:.3f} s, "
                  f"peak RSS {run['rss']:.0f} MB", flush=True)
    for (d, code), done in runs.items():
        print(f"{d} {code}: median of {len(done)}: wall {statistics.median(r['wall'] for r in done):.3f} s, "
              f"CPU {statistics.median(r['cpu'] for r in done):.3f} s, peak RSS "
              f"{statistics.median(r['rss'] for r in done):.0f} MB\n  {done[-1]['summary']}")


if __name__ == "__main__":
    main()
