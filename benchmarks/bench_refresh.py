"""Refresh at scale: a cold build of N synthetic articles, then adding a few to it.

    .venv/bin/python -m benchmarks.bench_refresh [--articles 10000] [--add 10] [--workers 2]
                                                 [--dir /tmp/geomap-bench-refresh] [--repeat 1]
                                                 [--gazetteer INDEX] [--browser N] [--only-cold]

Writes the corpus (``benchmarks/synth_articles.py``: real gazetteer names, saved-page format) into
``DIR/articles`` (kept between runs; ``--fresh`` rewrites it), then times two real ``geomap refresh``
processes under ``/usr/bin/time -v``: the cold build (no store, no outputs) and an incremental one
after ``--add`` new articles. Prints for each: wall and CPU seconds (worker processes included),
peak RSS, the machine's load before and after (the machine is shared: read figures with it), the
stages (gather, process = geoparse + store, store, render: ``RefreshSummary.stages``, through
``benchmarks/refresh_stages.py``) and the refresh's own summary line. Targets (docs/benchmarks.md): cold 10,000 in < 60 s with peak RSS < 600 MB on 2 cores;
+10 to 10,000 in < 5 s including the re-render. Uses the default gazetteer (built if missing),
or ``--gazetteer INDEX`` as it is (a copy of the default index keeps the timings apart from
rebuilds of the shared cache while the gazetteer's tables are edited).

``--repeat N`` times the +10 refresh N times, each from a copy of the cold build's outputs and
store (``output/`` and ``.geomap/``), and prints every time and the median; then the nothing-new
refresh, then one after a change of map settings only (``map.max_passages``: the map alone should
be written). For each run it counts the output files written (new or with a new mtime); after the
cold build it prints the sizes of the store and the output folder and the largest page;
``--browser N`` opens the cold build's map N times in Chromium (open time, JS heap, longest task,
pop-up: ``bench_map.py``'s figures). One command per size gives a row of the growth table in
docs/benchmarks.md. ``--only-cold`` stops after the cold build.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed_refresh(root: Path, workers: int) -> dict:
    """One ``geomap refresh`` under ``/usr/bin/time -v`` (through ``refresh_stages``, which adds
    the stage figures): wall s, CPU s (user + system, worker processes included), peak RSS MB,
    the machine's 1-minute load before and after, the summary line and the stages."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "benchmarks.refresh_stages", "--root",
           str(root), "refresh", "--workers", str(workers)]
    load = os.getloadavg()[0]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise SystemExit(f"refresh failed ({result.returncode}):\n{result.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", result.stderr)
    hours, minutes, seconds = wall.groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", result.stderr).group(1))
              for kind in ("User", "System"))
    lines = result.stdout.strip().splitlines()
    stages = json.loads(lines.pop()[len("stages: "):]) if lines and lines[-1].startswith("stages: ") else []
    return {"wall_s": int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds),
            "cpu_s": round(cpu, 1), "peak_rss_mb": round(rss / 1024, 1),
            "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}", "summary": "\n  ".join(lines),
            "stages": stages}


def _report(label: str, run: dict) -> str:
    """One run as printed: wall (CPU), peak RSS, load, then the stages and the summary line."""
    stages = ", ".join(f"{name} {wall:.1f} s ({cpu:.1f}), {rss:.0f} MB"
                       for name, wall, cpu, rss in run["stages"])
    return (f"{label}: {run['wall_s']:.2f} s wall ({run['cpu_s']} s CPU), peak RSS "
            f"{run['peak_rss_mb']} MB, load {run['load']}\n  stages (wall, CPU of the main "
            f"process, peak RSS at its end): {stages}\n  {run['summary']}")


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


def _browser(root: Path, repeat: int) -> str:
    """The cold build's map opened in Chromium ``repeat`` times (``bench_map.browser_times``),
    medians; the pop-up is that of the most mentioned place."""
    import sqlite3

    from benchmarks.bench_map import browser_times

    db = sqlite3.connect(f"file:{root / '.geomap' / 'geomap.sqlite'}?mode=ro", uri=True)
    try:
        popular = db.execute("SELECT place_id FROM mentions WHERE place_id IS NOT NULL "
                             "GROUP BY place_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    finally:
        db.close()
    times = browser_times(root / "output" / "map.html", repeat, popular, filters=False)
    return f"chromium, medians of {repeat} page loads:\n" + "\n".join(
        f"  {name}: {statistics.median(values):.2f} (worst {max(values):.2f})"
        for name, values in times.items())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-refresh"))
    parser.add_argument("--fresh", action="store_true", help="rewrite the corpus")
    parser.add_argument("--repeat", type=int, default=1, help="times the +N refresh is run")
    parser.add_argument("--gazetteer", type=Path, help="this index file, not the default one")
    parser.add_argument("--browser", type=int, default=0, metavar="N",
                        help="after the cold build, open map.html N times in Chromium "
                             "(bench_map.browser_times: open, JS heap, longest task, pop-up)")
    parser.add_argument("--only-cold", action="store_true", help="stop after the cold build")
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
    print(_report(f"cold build of {args.articles} articles, --workers {args.workers}", cold)
          + f"\n  {_sizes(root)}", flush=True)
    if args.browser:
        print(_browser(root, args.browser), flush=True)
    if args.only_cold:
        return
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
        print(_report(f"+{args.add} articles to {args.articles}", runs[-1])
              + f"\n  {_written(before, root / 'output')} files written", flush=True)
    if args.repeat > 1:
        shutil.rmtree(snapshot)
        print(f"+{args.add} median of {args.repeat}: "
              f"{statistics.median(r['wall_s'] for r in runs):.2f} s wall "
              f"({statistics.median(r['cpu_s'] for r in runs):.1f} s CPU), peak RSS "
              f"{statistics.median(r['peak_rss_mb'] for r in runs)} MB")
    before = _stamps(root / "output")
    idle = timed_refresh(root, args.workers)
    print(_report("nothing new", idle) + f"\n  {_written(before, root / 'output')} files written",
          flush=True)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(base + "map:\n  max_passages: 4\n", encoding="utf-8")
    before = _stamps(root / "output")
    settings = timed_refresh(root, args.workers)
    print(_report("map settings changed", settings)
          + f"\n  {_written(before, root / 'output')} files written\n  {_sizes(root)}", flush=True)
    if base:
        config.write_text(base, encoding="utf-8")
    else:
        config.unlink()


if __name__ == "__main__":
    main()
