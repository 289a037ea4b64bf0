#!/usr/bin/env python3
"""What the output manifest costs a render: ``OutputFolder.check`` (walk the output folder, compare
with the manifest) plus the two manifest saves of ``write_outputs``, on an output folder the size
of the refresh benchmark's (10,000 article pages, 3,195 place pages by default).

Usage:
  python -m benchmarks.bench_manifest [--articles 10000] [--places 3195] [--repeat 5]

Prints the median seconds of each step; compare with the +10 refresh of ``bench_refresh`` (the
render it adds to). Nothing is kept: the folder is a temporary one.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from geomap.render.manifest import OutputFolder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--places", type=int, default=3195)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        files = ["map.html", "places.geojson", "regions.csv"]
        files += [f"articles/a-{i:05d}.html" for i in range(args.articles)]
        files += [f"places/geonames_3A{i:07d}.html" for i in range(args.places)]
        for folder in ("articles", "places"):
            (out / folder).mkdir()
        for rel in files:
            (out / rel).write_text("<!DOCTYPE html>\n<a href=\"../map.html\">map</a>\n")
        OutputFolder(out).save(files)
        checks, saves = [], []
        for _ in range(args.repeat):
            folder = OutputFolder(out)
            t = time.perf_counter()
            folder.check()
            checks.append(time.perf_counter() - t)
            t = time.perf_counter()
            folder.save(folder.owned | {"articles/new.html"})
            folder.save(files)
            saves.append(time.perf_counter() - t)
    print(f"{len(files)} files: check {statistics.median(checks):.3f} s, two saves "
          f"{statistics.median(saves):.3f} s (medians of {args.repeat})")


if __name__ == "__main__":
    main()
