"""Refresh at scale: a cold build of N synthetic articles, then adding a few to it.

    .venv/bin/python -m benchmarks.bench_refresh [--articles 10000] [--add 10] [--workers 2]
                                                 [--dir /tmp/geomap-bench-refresh]

Writes the corpus (``benchmarks/synth_articles.py``: real gazetteer names, saved-page format) into
``DIR/articles`` (kept between runs; ``--fresh`` rewrites it), then times two real ``geomap refresh``
processes under ``/usr/bin/time -v``: the cold build (no store, no outputs) and an incremental one
after ``--add`` new articles. Prints wall seconds, peak RSS and the refresh's own summary line for
each. Targets (docs/benchmarks.md): cold 10,000 in < 60 s with peak RSS < 600 MB on 2 cores;
+10 to 10,000 in < 5 s including the re-render. Uses the default gazetteer (built if missing).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed_refresh(root: Path, workers: int) -> dict:
    """One ``geomap refresh`` under ``/usr/bin/time -v``: wall s, peak RSS MB, summary line."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "geomap", "--root", str(root), "refresh",
           "--workers", str(workers)]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise SystemExit(f"refresh failed ({result.returncode}):\n{result.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", result.stderr)
    hours, minutes, seconds = wall.groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return {"wall_s": int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds),
            "peak_rss_mb": round(rss / 1024, 1), "summary": result.stdout.strip()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-refresh"))
    parser.add_argument("--fresh", action="store_true", help="rewrite the corpus")
    args = parser.parse_args(argv)

    from geomap.gazetteer import Gazetteer
    from geomap.gazetteer.index import default_path

    from benchmarks.synth_articles import place_names, write_articles

    Gazetteer.open(None).close()                # built once, outside the timings
    root, inbox = args.dir, args.dir / "articles"
    if args.fresh and inbox.exists():
        shutil.rmtree(inbox)
    for extra in sorted(inbox.glob("extra-*")):
        shutil.rmtree(extra)
    names = place_names(default_path())
    if not inbox.exists() or sum(1 for _ in inbox.rglob("*.txt")) != args.articles:
        shutil.rmtree(inbox, ignore_errors=True)
        write_articles(inbox, args.articles, names)
    shutil.rmtree(root / "output", ignore_errors=True)

    cold = timed_refresh(root, args.workers)
    print(f"cold build of {args.articles} articles, --workers {args.workers}: "
          f"{cold['wall_s']:.1f} s, peak RSS {cold['peak_rss_mb']} MB\n  {cold['summary']}")
    write_articles(inbox / "extra-1", args.add, names, seed=2)
    warm = timed_refresh(root, args.workers)
    print(f"+{args.add} articles to {args.articles}: {warm['wall_s']:.2f} s, "
          f"peak RSS {warm['peak_rss_mb']} MB\n  {warm['summary']}")
    idle = timed_refresh(root, args.workers)
    print(f"nothing new: {idle['wall_s']:.2f} s\n  {idle['summary']}")


if __name__ == "__main__":
    main()
