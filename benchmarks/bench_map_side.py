"""The map side of the render alone (``render/map_files.write_map_side``), on a refreshed project.

    .venv/bin/python -m benchmarks.bench_map_side --dir /tmp/geomap-bench-refresh [--repeat 3]

``--dir`` is a ``benchmarks/bench_refresh.py`` folder after its refreshes (``.geomap/`` and the
config there). Copies its store into ``DIR/map-side/`` once per run, then times, each in a fresh
process (so that imports and peak RSS are its own): ``full`` — the cache rebuilt from every
mention and the page made by folium (what a cold build's map side costs) — and ``incremental``
— the cache current, no new article (what a refresh adding articles pays besides their own
places: the payload joined from the cached rows, the cached page filled in, the index and
``places.geojson``/``regions.csv`` written) — and ``mapdata``, the map as main's +10 made it:
every mention loaded (``load_map_data(bodies=False)``) and ``build_map`` through folium
(``render_map_only``; chunks, but not ``places.geojson``/``regions.csv``). Prints wall and CPU seconds and peak RSS per run,
then the medians.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from geomap.config import load_config
from geomap.pipeline.stages import Stages
from geomap.render.map_files import write_map_side
from geomap.store import Store

root, store_path, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
config = load_config(None, root)
layers = Stages(config).layers
with Store(store_path) as store:
    t0, c0 = time.monotonic(), time.process_time()
    if mode == "mapdata":
        from geomap.render import render_map_only
        from geomap.render.data import load_map_data
        render_map_only(load_map_data(store, bodies=False), out, config, layers)
    else:
        write_map_side(store, out, config, layers, only=None if mode == "full" else set())
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(root: Path, store: Path, mode: str) -> dict:
    with tempfile.TemporaryDirectory(dir=root) as out:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(store), out, mode],
                              check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.dir
    work = root / "map-side"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    source = root / ".geomap" / "geomap.sqlite"
    store = work / "geomap.sqlite"
    shutil.copyfile(source, store)
    print(f"load before: {os.getloadavg()}")
    results: dict[str, list[dict]] = {"full": [], "incremental": [], "mapdata": []}
    for _ in range(args.repeat):
        for mode in results:            # full first: it makes the cache incremental reads
            r = _run(root, store, mode)
            results[mode].append(r)
            print(f"{mode:12s} wall {r['wall']:.2f} s  cpu {r['cpu']:.2f} s  "
                  f"peak RSS {r['rss_mb']:.0f} MB")
    for mode, runs in results.items():
        print(f"median {mode:12s} wall {statistics.median(r['wall'] for r in runs):.2f} s  "
              f"cpu {statistics.median(r['cpu'] for r in runs):.2f} s  "
              f"peak RSS {statistics.median(r['rss_mb'] for r in runs):.0f} MB")
    print(f"load after: {os.getloadavg()}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
