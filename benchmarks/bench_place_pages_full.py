"""A full render's place pages alone, in-process, on a built project (issue 13: what a change of
page cutting costs; the upgrade's full render is mostly these pages).

    .venv/bin/python -m benchmarks.bench_place_pages_full --root /work/wt/addfast-10k
    PYTHONPATH=/work/main .venv/bin/python benchmarks/bench_place_pages_full.py --root ...

Writes every place's pages (``render.pages._place_pages``, no ``only``) into a temporary folder
beside the project, prints how many, wall and CPU seconds, and removes them. The store is read
only. The second form runs another checkout's code on the same store (its cutting, its page
assembly).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    import geomap.render.pages as pages
    from geomap.api import config_of
    from geomap.store import Store

    config = config_of(None, root=args.root)
    tmp = Path(tempfile.mkdtemp(dir=args.root, prefix=".bench-place-pages-"))
    try:
        with Store(config.resolve(config.store_path)) as store:
            places = store.mentioned_place_ids()
            wall, cpu = time.perf_counter(), time.process_time()
            written, _runs = pages._place_pages(store, places, tmp, config, [], None, set())
            print(f"{pages.__file__}: {len(written)} place pages, "
                  f"{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
