"""Before/after in one run: the same +N and nothing-new refreshes timed with two (or more) source trees.

    .venv/bin/python -m benchmarks.bench_refresh_ab --dir /tmp/geomap-bench-refresh \\
        --code /tmp/geomap-before /tmp/geomap-after [--repeat 3] [--add 10]

``--dir`` is a ``benchmarks/bench_refresh.py`` folder after its cold build (its ``articles/``,
``output/`` and ``.geomap/``); each ``--code`` a source tree of geomap, e.g. ``git archive COMMIT |
tar -x -C /tmp/geomap-before``. The state as found is saved once into ``DIR/state.ab`` (a refresh
first brings it up to date; delete ``state.ab`` to take a new one), and every timed refresh starts
from a copy of it. The runs alternate between the trees (a, b, a, b...) so that the machine's load,
shared with others, weighs on each alike; each prints its wall and CPU seconds (the refresh
process's user + system time) and peak RSS, then the medians per tree. The ``+N`` articles are
``benchmarks/synth_articles.py``'s extras (``seed=2``), as in ``bench_refresh.py``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

STATE = ("output", ".geomap")


def _restore(root: Path, snapshot: Path) -> None:
    for folder in STATE:
        shutil.rmtree(root / folder, ignore_errors=True)
        shutil.copytree(snapshot / folder, root / folder)


def timed_refresh(root: Path, code: Path) -> dict:
    """One ``geomap refresh --workers 1`` with ``code`` first on the path: wall s, CPU s (user +
    system) and peak RSS MB of that process alone (``os.wait4``)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "geomap", "--root", str(root), "refresh",
                                 "--workers", "1"], env=dict(os.environ, PYTHONPATH=str(code)),
                                stdout=out, stderr=err, text=True, cwd=root)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"refresh failed ({proc.returncode}):\n{err.read()}")
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                "rss": usage.ru_maxrss / 1024, "summary": out.read().strip()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--code", type=Path, nargs="+", required=True)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", nargs="+", default=["add", "nothing"], choices=["add", "nothing"])
    args = parser.parse_args(argv)

    from geomap.gazetteer.index import default_path

    from benchmarks.synth_articles import place_names, write_articles

    root, extra = args.dir.resolve(), args.dir.resolve() / "articles" / "extra-ab"
    shutil.rmtree(extra, ignore_errors=True)
    snapshot = root / "state.ab"
    if not snapshot.exists():
        print("bringing the state up to date:", timed_refresh(root, args.code[-1])["summary"])
        for folder in STATE:
            shutil.copytree(root / folder, snapshot / folder)
    names = place_names(default_path()) if "add" in args.modes else []
    for mode in args.modes:
        runs: dict[Path, list[dict]] = {code: [] for code in args.code}
        for _ in range(args.repeat):
            for code in args.code:
                _restore(root, snapshot)
                if mode == "add":
                    write_articles(extra, args.add, names, seed=2)
                run = timed_refresh(root, code.resolve())
                shutil.rmtree(extra, ignore_errors=True)
                runs[code].append(run)
                print(f"{mode} {code}: wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s, "
                      f"peak RSS {run['rss']:.0f} MB\n  {run['summary']}", flush=True)
        for code, done in runs.items():
            print(f"{mode} {code}: median of {len(done)}: wall "
                  f"{statistics.median(r['wall'] for r in done):.2f} s, CPU "
                  f"{statistics.median(r['cpu'] for r in done):.2f} s, peak RSS "
                  f"{statistics.median(r['rss'] for r in done):.0f} MB")
    _restore(root, snapshot)


if __name__ == "__main__":
    main()
