"""A cold build's parse side (gather, geoparse, store, index: everything but the render), timed
with one or more source trees of geomap, each on its own fresh store over the same articles.

    .venv/bin/python -m benchmarks.bench_cold_parse --articles DIR --code /tmp/before /tmp/after \\
        [--workers 2] [--gather-only] [--work /tmp/cold-parse]

``--articles`` is a folder of article files (e.g. a ``bench_refresh.py`` project's ``articles/``:
it is only read). For each ``--code`` tree a project is made under ``--work`` whose config names
that folder as its source; its store is removed first, so every run is a cold build. The refresh
runs in a child process with the tree first on ``PYTHONPATH`` and ``write_outputs`` replaced by a
no-op (the render is other work, measured by ``bench_refresh.py``). Printed per tree: wall, CPU
(the child and its worker processes, user + system), peak RSS of the main process, the machine's
1-minute load before and after, and the refresh's stages (``RefreshSummary.stages``: wall, CPU of
the main process, peak RSS). ``--gather-only`` stops after the gather (stat, read, plan).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
import geomap
import geomap.pipeline.execute as execute
from geomap.config import load_config

root, workers, gather_only = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
execute.write_outputs = lambda *args, **kwargs: None
config = load_config(None, root)
if gather_only:
    from geomap.pipeline.lock import open_store
    from geomap.pipeline.stages import Stages

    with open_store(config) as (store, _notes):
        run = execute.Refresh(config, store, None)
        stage = Stages(config, geocode_cache=store.geocode_cache)
        fps = run.fingerprints(stage)
        with run.clock("gather"):
            decided, _ = run._gather(fps, root / "output")
        stage.close()
    print(json.dumps({"summary": f"gather only: {len(decided.process)} to process",
                      "stages": [list(s) for s in run.clock.stages()], "geomap": geomap.__file__}))
else:
    summary = execute.refresh(config, workers=workers)
    print(json.dumps({"summary": str(summary), "stages": [list(s) for s in summary.stages],
                      "geomap": geomap.__file__}))
"""


def run(code: Path, articles: Path, work: Path, workers: int, gather_only: bool) -> dict:
    """One cold build (or gather) with ``code``; its figures."""
    root = work / code.name
    shutil.rmtree(root / ".geomap", ignore_errors=True)
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "geomap.yaml").write_text(f"sources:\n  - path: {articles}\n", encoding="utf-8")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(workers), str(int(gather_only))],
                            env=dict(os.environ, PYTHONPATH=str(code)), stdout=subprocess.PIPE, text=True,
                            cwd=root)   # not here: ``-c`` puts the working folder first on the path
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{code}: the refresh failed")
    result = json.loads(out.strip().splitlines()[-1])
    if not result["geomap"].startswith(str(code)):
        raise SystemExit(f"{code}: the child imported geomap from {result['geomap']}")
    # wait4 gives the child's own usage and, since its workers were waited for, theirs too.
    return {"code": str(code), "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load": [round(load, 1), round(os.getloadavg()[0], 1)],
            **result}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--code", type=Path, nargs="+", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gather-only", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cold-parse"))
    args = parser.parse_args(argv)
    for code in args.code:
        print(json.dumps(run(code.resolve(), args.articles.resolve(), args.work.resolve(),
                             args.workers, args.gather_only)), flush=True)


if __name__ == "__main__":
    main()
