"""Refresh at scale: a cold build of N synthetic articles, then adding a few to it.

    .venv/bin/python -m benchmarks.bench_refresh [--articles 10000] [--add 10] [--workers 2]
                                                 [--dir /tmp/geomap-bench-refresh] [--repeat 1]
                                                 [--gazetteer INDEX]

Writes the corpus (``benchmarks/synth_articles.py``: real gazetteer names, saved-page format) into
``DIR/articles`` (kept between runs; ``--fresh`` rewrites it), then times two real ``geomap refresh``
processes under ``/usr/bin/time -v``: the cold build (no store, no outputs) and an incremental one
after ``--add`` new articles. Prints wall seconds, peak RSS and the refresh's own summary line for
each. Targets (docs/benchmarks.md): cold 10,000 in < 60 s with peak RSS < 600 MB on 2 cores;
+10 to 10,000 in < 5 s including the re-render. Uses the default gazetteer (built if missing),
or ``--gazetteer INDEX`` as it is (a copy of the default index keeps the timings apart from
rebuilds of the shared cache while the gazetteer's tables are edited).

``--repeat N`` times the +10 refresh N times, each from a copy of the cold build's outputs and
store (``output/`` and ``.geomap/``), and prints every time and the median; then the nothing-new
refresh, then one after a change of map settings only (``map.max_passages``: the map alone should
be written). For each run it counts the output files written (new or with a new mtime); after the
cold build it prints the sizes of the store and the output folder and the largest page
(the growth table in docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import re
import statistics
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


STATE = ("output", ".geomap")      # what a refresh writes: the outputs and the store


def _stamps(out: Path) -> dict[str, int]:
    """Every output file's mtime (ns), by relative path."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file()}


def _written(before: dict[str, int], out: Path) -> int:
    """How many output files a run wrote (new, or with a new mtime)."""
    return sum(1 for rel, t in _stamps(out).items() if before.get(rel) != t)


def _sizes(root: Path) -> str:
    """Store and output sizes (MB), file count and the largest page, as one line."""
    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    out = root / "output"
    pages = [p for folder in ("articles", "places") for p in (out / folder).glob("*.html")]
    largest = max(pages, key=lambda p: p.stat().st_size)
    return (f"store {size(root / '.geomap') / 1e6:.1f} MB, output {size(out) / 1e6:.1f} MB in "
            f"{sum(1 for p in out.rglob('*') if p.is_file())} files, largest page "
            f"{largest.stat().st_size / 1e6:.2f} MB ({largest.relative_to(out)}), "
            f"map.html {(out / 'map.html').stat().st_size / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-refresh"))
    parser.add_argument("--fresh", action="store_true", help="rewrite the corpus")
    parser.add_argument("--repeat", type=int, default=1, help="times the +N refresh is run")
    parser.add_argument("--gazetteer", type=Path, help="this index file, not the default one")
    args = parser.parse_args(argv)

    from geomap.gazetteer import Gazetteer
    from geomap.gazetteer.index import default_path

    from benchmarks.synth_articles import place_names, write_articles

    Gazetteer.open(args.gazetteer, build=True).close()      # built once, outside the timings
    root, inbox = args.dir, args.dir / "articles"
    if args.fresh and inbox.exists():
        shutil.rmtree(inbox)
    for extra in sorted(inbox.glob("extra-*")):
        shutil.rmtree(extra)
    names = place_names(args.gazetteer or default_path())
    if not inbox.exists() or sum(1 for _ in inbox.rglob("*.txt")) != args.articles:
        shutil.rmtree(inbox, ignore_errors=True)
        write_articles(inbox, args.articles, names)
    for folder in STATE:                        # outputs and the store (.geomap/): a cold start
        shutil.rmtree(root / folder, ignore_errors=True)

    config = root / "config" / "geomap.yaml"
    if args.gazetteer:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"gazetteer:\n  path: {args.gazetteer.resolve()}\n", encoding="utf-8")
    else:
        config.unlink(missing_ok=True)

    base = config.read_text(encoding="utf-8") if config.exists() else ""
    cold = timed_refresh(root, args.workers)
    print(f"cold build of {args.articles} articles, --workers {args.workers}: "
          f"{cold['wall_s']:.1f} s, peak RSS {cold['peak_rss_mb']} MB\n  {cold['summary']}\n"
          f"  {_sizes(root)}")
    snapshot = root / "state.cold"
    if args.repeat > 1:
        shutil.rmtree(snapshot, ignore_errors=True)
        for folder in STATE:
            shutil.copytree(root / folder, snapshot / folder)
    runs = []
    for run in range(args.repeat):
        if run:
            for folder in STATE:
                shutil.rmtree(root / folder)
                shutil.copytree(snapshot / folder, root / folder)
            shutil.rmtree(inbox / "extra-1")
        write_articles(inbox / "extra-1", args.add, names, seed=2)
        before = _stamps(root / "output")
        runs.append(timed_refresh(root, args.workers))
        print(f"+{args.add} articles to {args.articles}: {runs[-1]['wall_s']:.2f} s, "
              f"peak RSS {runs[-1]['peak_rss_mb']} MB, {_written(before, root / 'output')} files "
              f"written\n  {runs[-1]['summary']}")
    if args.repeat > 1:
        shutil.rmtree(snapshot)
        print(f"+{args.add} median of {args.repeat}: "
              f"{statistics.median(r['wall_s'] for r in runs):.2f} s, peak RSS "
              f"{statistics.median(r['peak_rss_mb'] for r in runs)} MB")
    before = _stamps(root / "output")
    idle = timed_refresh(root, args.workers)
    print(f"nothing new: {idle['wall_s']:.2f} s, peak RSS {idle['peak_rss_mb']} MB, "
          f"{_written(before, root / 'output')} files written\n  {idle['summary']}")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(base + "map:\n  max_passages: 4\n", encoding="utf-8")
    before = _stamps(root / "output")
    settings = timed_refresh(root, args.workers)
    print(f"map settings changed: {settings['wall_s']:.2f} s, peak RSS "
          f"{settings['peak_rss_mb']} MB, {_written(before, root / 'output')} files written\n  "
          f"{settings['summary']}\n  {_sizes(root)}")
    if base:
        config.write_text(base, encoding="utf-8")
    else:
        config.unlink()


if __name__ == "__main__":
    main()
