#!/usr/bin/env python3
"""What the output manifest costs a render: ``OutputFolder.check`` (the output folder compared with
the manifest) plus the two manifest saves of ``write_outputs`` around a +N's renames, on a synthetic
output folder the size of the 100k project's (100,000 article pages, 60,000 place pages by default).

Usage:
  python -m benchmarks.bench_manifest [--articles 100000] [--places 60000] [--new 10]
                                      [--pages 250] [--repeat 5] [--dir DIR]

Each round is one +N as ``pipeline.outputs`` does it (one more first, as the refresh before, not
counted): check, save (the new pages listed), ``--new`` new article pages and ``--pages``
rewritten place pages moved into place, save again. Prints the medians of CPU (process) and wall
seconds of the check and of the two saves. The same script runs against another checkout
(``PYTHONPATH=/work/main python benchmarks/bench_manifest.py``): it uses only ``check``,
``save``, ``place`` and ``owned``. Nothing is kept: the folder is a temporary one
(in ``--dir``, default the system's).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from geomap.render.manifest import OutputFolder


def _timed(fn) -> tuple[float, float]:
    c, w = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100000)
    ap.add_argument("--places", type=int, default=60000)
    ap.add_argument("--new", type=int, default=10)
    ap.add_argument("--pages", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    page = "<!DOCTYPE html>\n<a href=\"../map.html\">map</a>\n"
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        out = Path(tmp) / "out"
        files = ["map.html", "places.geojson", "regions.csv"]
        files += [f"articles/a-{i:06d}.html" for i in range(args.articles)]
        files += [f"places/geonames_3A{i:07d}.html" for i in range(args.places)]
        for folder in ("articles", "places", "assets", ".render-x"):
            (out / folder).mkdir(parents=True)
        for rel in files:
            (out / rel).write_text(page)
        OutputFolder(out).save(files)
        checks, saves = [], []
        for r in range(args.repeat + 1):    # the first as the refresh before: not counted
            written = [f"articles/n-{r}-{i}.html" for i in range(args.new)]
            written += [f"places/geonames_3A{(r * args.pages + i) % args.places:07d}.html"
                        for i in range(args.pages)]
            for rel in written:
                (out / ".render-x" / rel.replace("/", "_")).write_text(page)
            folder = OutputFolder(out)
            checks.append(_timed(folder.check))
            before = set(folder.owned)
            c1 = _timed(lambda: folder.save(before | set(written)))
            for rel in written:
                folder.place(out / ".render-x" / rel.replace("/", "_"), Path(rel))
            c2 = _timed(lambda: folder.save(before | set(written)))
            saves.append((c1[0] + c2[0], c1[1] + c2[1]))
        checks, saves = checks[1:], saves[1:]
    n = len(files)

    def med(xs, i):
        return statistics.median(x[i] for x in xs)
    print(f"{n} files, +{args.new} new and {args.pages} rewritten pages a round: "
          f"check {med(checks, 0):.3f} s CPU ({med(checks, 1):.3f} s wall), "
          f"two saves {med(saves, 0):.3f} s CPU ({med(saves, 1):.3f} s wall) "
          f"(medians of {args.repeat})")


if __name__ == "__main__":
    main()
