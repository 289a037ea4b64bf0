"""``geomap ARGS`` (the real command line), then one more line: ``map side: {...}`` as JSON, what
the refresh's map side (``render.map_files.write_map_side``) took: wall and CPU seconds, and the
files and bytes it wrote (payload data files left in place, being unchanged, are not counted;
they are listed as ``kept``).

    python -m benchmarks.map_side_stages [--profile FILE] --root DIR refresh --workers 2

``--profile FILE``: the map side alone under cProfile, its stats saved in FILE.

Used for issue 13's "+10 onto 100k" figures of the map side (docs/benchmarks.md, Growth).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import geomap.render.map_files as map_files
from geomap.cli import main

_write_map_side = map_files.write_map_side
_seen: list[dict] = []


_profile: list[str] = []


def _timed(store, out_dir, *args, **kwargs):
    profiler = None
    if _profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, c0 = time.monotonic(), time.process_time()
    paths = _write_map_side(store, out_dir, *args, **kwargs)
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(_profile[0])
    written = [p for p in paths if Path(p).is_relative_to(out_dir)]
    _seen.append({"wall": round(wall, 3), "cpu": round(cpu, 3), "files": len(written),
                  "bytes": sum(Path(p).stat().st_size for p in written),
                  "kept": len(paths) - len(written)})
    return paths


if __name__ == "__main__":
    map_files.write_map_side = _timed       # write_outputs imports it when it runs
    argv = sys.argv[1:]
    if argv[:1] == ["--profile"]:
        _profile.append(argv[1])
        argv = argv[2:]
    code = main(argv)
    print("map side: " + json.dumps(_seen[-1] if _seen else {}), flush=True)
    raise SystemExit(code)
