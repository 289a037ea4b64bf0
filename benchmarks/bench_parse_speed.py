"""``geomap parse DIR --format jsonl`` speed (start-up included), this checkout against another, in
one alternating loop so that both see the same machine load.

    .venv/bin/python -m benchmarks.bench_parse_speed /work/shared/bench/corpora/lgl.xml \\
        [--bench /work/shared/bench/geoparse_bench.py] [--runs 5] [--other 'CMD'] [--cold]

Writes the corpus's texts into a temporary folder (as the bench does), then runs each command
``--runs`` times, alternating, and prints per command the wall times, the median articles/s and
the median CPU seconds (user + system of the child), then the ratios to the first command.
``--other`` is a second geomap command (e.g. a wrapper running the main checkout's code).
``--cold``: before every run of this checkout, the kept region memberships
(``members-*.json`` in the region cache folder, see ``geomap.regions.membership_cache``) are
deleted, so each run works every membership out again (a first run after a change of layers).
"""
from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_languages import _texts_bench, _write


def _run(cmd: list[str], folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*cmd, "parse", str(folder), "--format", "jsonl"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--bench", type=Path, default=Path("/work/shared/bench/geoparse_bench.py"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--other", help="a second geomap command, timed in the same loop")
    ap.add_argument("--cold", action="store_true", help="forget kept region memberships before each run")
    a = ap.parse_args(argv)
    commands = {"this": [str(Path(sys.executable).with_name("geomap"))]}
    if a.other:
        commands["other"] = shlex.split(a.other)
    from geomap.regions import default_cache_dir

    kept = default_cache_dir()
    with tempfile.TemporaryDirectory(prefix="parse-speed-") as tmp:
        folder = Path(tmp) / "articles"
        n = _write(folder, _texts_bench(a.bench, a.corpus), 1)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(a.runs):
            for name, cmd in commands.items():
                if a.cold and name == "this":
                    for file in kept.glob("members-*.json"):
                        file.unlink()
                times[name].append(_run(cmd, folder))
    print(f"{a.corpus.name}: {n} articles, {a.runs} runs each, alternating; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end"
          + (" (cold memberships)" if a.cold else ""))
    medians = {}
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        medians[name] = (wall, cpu)
        print(f"  {name:6s} wall {', '.join(f'{w:.2f}' for w, _ in runs)} s -> median {wall:.3f} s "
              f"= {n / wall:.0f} articles/s; CPU median {cpu:.3f} s")
    if "other" in medians:
        (w1, c1), (w2, c2) = medians["this"], medians["other"]
        print(f"  this/other: wall {w1 / w2:.3f}, CPU {c1 / c2:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
