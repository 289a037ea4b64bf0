"""The extractor alone: CPU seconds of ``Extractor.span_list`` per input (warm, best of 3).

    .venv/bin/python -m benchmarks.bench_extract [--size 1M] [--kinds repeated,varied,qualified,streets]
                                                 [FOLDER ...]

Each kind is the text ``benchmarks/bench_large_article.py`` writes for that kind and size; each
FOLDER is its ``*.txt`` articles, extracted one after the other (e.g. the LGL corpus written out by
``/work/shared/bench/geoparse_bench.py``'s loader). The figure is ``time.process_time`` (CPU, what
survives a loaded machine) of the best of 3 runs after one warm-up run (gazetteer lookups cached).
To compare two trees, run it from each (``PYTHONPATH=<tree>`` from a folder holding no ``geomap``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from benchmarks.bench_large_article import article, parse_size
    from geomap.config import ParseConfig
    from geomap.extract import Extractor
    from geomap.gazetteer import Gazetteer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--kinds", default="repeated,varied,qualified,streets")
    ap.add_argument("folders", nargs="*", type=Path)
    args = ap.parse_args(argv)
    ex = Extractor(Gazetteer.open(build=True), ParseConfig())
    inputs = [(f"{kind} {args.size}", [article(kind, parse_size(args.size))])
              for kind in args.kinds.split(",") if kind]
    inputs += [(folder.name, [p.read_text(encoding="utf-8-sig") for p in sorted(folder.glob("*.txt"))])
               for folder in args.folders]
    print(f"{'input':<16} {'spans':>8} {'CPU s':>7}")
    for name, texts in inputs:
        for text in texts:
            ex.span_list(text)                 # warm-up
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            spans = sum(len(ex.span_list(text)) for text in texts)
            best = min(best, time.process_time() - t0)
        print(f"{name:<16} {spans:>8} {best:>7.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
