"""The pages side of a render (article pages, place pages, ``mentions.csv``/``.jsonl``), old
(everything from ``load_map_data``) against new (``render.pages.write_pages``, read from the store
a piece at a time), in-process on a built project, each in its own process for its peak RSS.

    .venv/bin/python -m benchmarks.bench_pages --root /tmp/pages-10k --work /tmp/pages-10k-work \
        [--add 10] [--skip-full]

``--root``: a project a cold ``geomap refresh`` built (``benchmarks/bench_refresh.py --only-cold``;
read only: its store is copied into ``--work``). Full render: both ways into two folders of
``--work``, timed (wall, CPU, peak RSS of the process) and compared file by file. Then, on
another copy of the store, a full render of the new way (timed; outputs thrown away: it records
the busy places' runs, as the last render would have), ``--add`` synthetic articles parsed and
stored (``bench_refresh``'s extras), and the render after them (only those articles new) timed
and compared the same way: the old way writes the pages of every place they name whose pages
changed, the new way the same files.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(mode: str, root: Path, out: Path, only: list[str] | None, record: bool = False) -> dict:
    """Render the pages side ``mode`` ("old" or "new") of the project ``root`` into ``out``."""
    import geomap.render
    from geomap.config import load_config
    from geomap.render.data import load_map_data
    from geomap.render.pages import write_pages
    from geomap.store import Store

    config = load_config(None, root)
    out.mkdir(parents=True, exist_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    with Store(config.resolve(config.store_path)) as store:
        if mode == "old":
            geomap.render._write_map = lambda *a, **k: []        # the map side is not timed
            data = load_map_data(store, bodies=only is None)
            places = None if only is None else {
                pid for aid in only if aid in data.articles
                for _s, _e, pid in data.articles[aid].mentions}
            geomap.render.render_outputs(data, out, config, [], articles=only, places=places,
                                         exports=only is None)
            del data
        else:
            runs = write_pages(store, out, config, [], only=only, exports=only is None).runs
            if record:                  # as write_outputs does once the pages are in place
                runs.forget()
                runs.save()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    for name in ("map.html", "places.geojson", "regions.csv"):
        (out / name).unlink(missing_ok=True)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "files": sum(1 for p in out.rglob("*") if p.is_file())}


def _run(mode: str, root: Path, out: Path, only: list[str] | None, record: bool = False) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "benchmarks.bench_pages", "--measure", mode, "--root", str(root),
           "--out", str(out)] + (["--record"] if record else [])
    if only is not None:
        cmd += ["--only", json.dumps(only)]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _same(a: Path, b: Path) -> str:
    """"identical (N files)" or what differs between the two folders."""
    files = lambda d: {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}  # noqa: E731
    left, right = files(a), files(b)
    if left != right:
        return f"DIFFERENT file sets: {sorted(left ^ right)[:5]}"
    bad = [f for f in sorted(left) if not filecmp.cmp(a / f, b / f, shallow=False)]
    return f"DIFFERENT: {bad[:5]}" if bad else f"identical ({len(left)} files)"


def _pair(label: str, root: Path, work: Path, only: list[str] | None) -> None:
    load = os.getloadavg()[0]
    old = _run("old", root, work / f"{label}-old", only)
    new = _run("new", root, work / f"{label}-new", only)
    print(f"{label} (load {load:.1f}-{os.getloadavg()[0]:.1f}): old {old} -> new {new}; "
          f"outputs {_same(work / f'{label}-old', work / f'{label}-new')}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--measure", choices=("old", "new"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    if args.measure:
        only = None if args.only is None else json.loads(args.only)
        print(json.dumps(measure(args.measure, args.root, args.out, only, args.record)))
        return
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base"                # the pages side writes to the store's meta: a copy
    if not (base / ".geomap").is_dir():
        shutil.copytree(args.root / ".geomap", base / ".geomap")
    if not args.skip_full:
        _pair("full", base, work, None)
    if args.add:
        grown = work / "grown"
        if not (work / "new-ids.json").is_file():
            shutil.rmtree(grown, ignore_errors=True)
            grown.mkdir(parents=True)
            shutil.copytree(base / ".geomap", grown / ".geomap")
            load = os.getloadavg()[0]
            seed = _run("new", grown, work / "seed", None, record=True)
            print(f"full, new only (records the runs; load {load:.1f}-{os.getloadavg()[0]:.1f}): "
                  f"{seed}", flush=True)
            shutil.rmtree(work / "seed")
            (work / "new-ids.json").write_text(json.dumps(_add(grown, args.add)))
        new = json.loads((work / "new-ids.json").read_text())
        new = json.loads((work / "new-ids.json").read_text())
        _pair(f"plus{len(new)}", grown, work, new)


def _add(root: Path, count: int) -> list[str]:
    """Parse ``count`` synthetic articles (dated 2024-01-01.., as ``bench_refresh``'s extras) and
    store them as a refresh of this project would (no region layers); their ids."""
    from benchmarks.synth_articles import place_names, write_articles
    from geomap.api import parse
    from geomap.articles import read_article
    from geomap.gazetteer.index import default_path
    from geomap.store import Store

    inbox = root / "articles"
    write_articles(inbox / "extra-1", count, place_names(default_path()), seed=2)
    ids = []
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        for path in sorted((inbox / "extra-1").rglob("*.txt")):
            article = read_article(path, root=inbox)
            store.put_article(article, parse(article.text), {})
            ids.append(article.id)
    return sorted(ids)


if __name__ == "__main__":
    main()
