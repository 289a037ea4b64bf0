"""``benchmarks.refresh_stages ARGS`` that also times the place pages of the render (issue 13):
one more line, ``place_pages: {...}``, with the CPU and wall seconds of
``render.pages._place_pages``, the place pages it wrote and how many of them were made from the
page in place (``render.place_patch``; ``tried``: pages that had a page before to start from).

    PYTHONPATH=. .venv/bin/python -m benchmarks.refresh_place_pages --root DIR refresh --workers 2
"""
from __future__ import annotations

import json
import runpy
import sys
import time


def main() -> None:
    """Wrap the place pages' writer and the patcher with counters, then run refresh_stages."""
    import geomap.render.pages as pages
    from geomap.render import place_page

    stats = {"wall": 0.0, "cpu": 0.0, "pages": 0, "patched": 0, "tried": 0}
    real = pages._place_pages

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = real(*args, **kwargs)
        stats["wall"] += time.perf_counter() - wall
        stats["cpu"] += time.process_time() - cpu
        stats["pages"] += len(out[0])
        return out

    pages._place_pages = timed
    before = getattr(place_page, "_Before", None)
    if before is not None:
        page = before.page

        def counted(self, *args, **kwargs):
            text = page(self, *args, **kwargs)
            stats["tried"] += 1
            stats["patched"] += text is not None
            return text

        before.page = counted
    sys.argv = ["refresh_stages"] + sys.argv[1:]
    try:
        runpy.run_module("benchmarks.refresh_stages", run_name="__main__")
    finally:
        print("place_pages: " + json.dumps({k: round(v, 3) for k, v in stats.items()}), flush=True)


if __name__ == "__main__":      # render workers import this module again: only the parent runs
    main()
