"""The gather stage of a +N refresh with two (or more) source trees, alternated (issue 13).

    .venv/bin/python -m benchmarks.refresh_gather_ab --dir DIR --code /tmp/before /tmp/after [--repeat 3]

``DIR`` is a ``bench_refresh.py`` folder with the ``state.ab`` snapshot ``bench_refresh_ab.py``
takes; each run restores it, writes the same ``--add`` synthetic extras (``seed=2``) and runs
``benchmarks.refresh_stages`` with that tree first on the path, printing its summary and stages,
then the median gather wall seconds per tree.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_refresh_ab import _restore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--code", type=Path, nargs="+", required=True)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from geomap.gazetteer.index import default_path

    from benchmarks.synth_articles import place_names, write_articles

    root = args.dir.resolve()
    extra, snapshot = root / "articles" / "extra-ab", root / "state.ab"
    if not snapshot.exists():
        raise SystemExit(f"{snapshot}: run benchmarks.bench_refresh_ab once first")
    names = place_names(default_path())
    gathers: dict[Path, list[float]] = {code: [] for code in args.code}
    for _ in range(args.repeat):
        for code in args.code:
            _restore(root, snapshot)
            write_articles(extra, args.add, names, seed=2)
            out = subprocess.run([sys.executable, "-m", "benchmarks.refresh_stages", "--root", str(root),
                                  "refresh", "--workers", "1"], env=dict(os.environ, PYTHONPATH=str(code)),
                                 cwd=code, capture_output=True, text=True, check=False).stdout
            shutil.rmtree(extra, ignore_errors=True)
            lines = out.strip().splitlines()
            stages = json.loads(lines[-1][len("stages: "):])
            gathers[code].append(next(s[1] for s in stages if s[0] == "gather"))
            print(f"{code}: {lines[-2]}\n  stages {stages}", flush=True)
    for code, seconds in gathers.items():
        print(f"{code}: gather median of {len(seconds)}: {statistics.median(seconds):.3f} s {seconds}")


if __name__ == "__main__":
    main()
