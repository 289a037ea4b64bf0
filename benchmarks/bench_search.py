"""``geomap search`` on the 10,000-article synthetic corpus.

    .venv/bin/python -m benchmarks.bench_search [--articles 10000] [--dir /tmp/geomap-bench-search]
                                                [--repeat 7]

Builds (once; kept in DIR) a project whose store holds ``benchmarks/synth.py``'s corpus (10,000
articles, 30,000 places, 200,000 mentions; stored through ``Store.put_articles``, so the FTS5
index is filled by the store's own triggers), then times, for a few queries: the library call
``geomap.search.search`` (warm, in this process) and the whole ``geomap search`` command as a
new process (Python start-up and imports included). Prints the median of ``--repeat`` runs.
Target (docs/benchmarks.md): the command < 200 ms.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build(root: Path, n_articles: int) -> Path:
    """The project folder with its store (``output/geomap.sqlite``), built once."""
    from geomap.model import Article, Mention
    from geomap.store import Store

    from benchmarks.synth import synth_map_data

    store_path = root / ".geomap" / "geomap.sqlite"     # the default store.path
    if store_path.exists():
        return store_path
    data = synth_map_data(n_articles, n_places=3 * n_articles, n_mentions=20 * n_articles)
    by_place = {r.place.id: r for r in data.places}
    regions = {pid: r.regions for pid, r in by_place.items()}
    items = []
    for aid, a in data.articles.items():
        article = Article(id=aid, source=a.source, text=a.text, sha256="0" * 64, title=a.title,
                          published=a.published, byline=a.byline, passages=a.passages)
        mentions = [Mention(s, e, a.text[s:e], by_place[pid].place, 0.8) for s, e, pid in a.mentions]
        items.append((article, mentions, regions))
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "geomap.yaml").write_text("regions:\n  file: null\n", encoding="utf-8")
    with Store(store_path) as store:
        for i in range(0, len(items), 500):
            store.put_articles(items[i:i + 500])
    return store_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-search"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    root = args.dir.resolve()
    started = time.perf_counter()
    store_path = build(root, args.articles)
    print(f"store: {store_path} ({store_path.stat().st_size / 1e6:.0f} MB; "
          f"ready in {time.perf_counter() - started:.1f}s)")

    from geomap.config import load_config
    from geomap.search import search

    config = load_config(None, root)
    queries = [(["shelling", "convoy"], {}), (["officials", "port"], {"since": "2023-01-01"}),
               (['"aid convoy"'], {"layer": "layer"}), (["ka*"], {})]
    base = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geomap", "--version"], check=True, capture_output=True,
                       cwd=REPO)
        base.append((time.perf_counter() - t) * 1000)
    print(f"`geomap --version` (start-up alone): median {statistics.median(base):.0f} ms")
    for words, options in queries:
        query = " ".join(words)
        found = len(search(config, query, **options))
        lib = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            search(config, query, **options)
            lib.append((time.perf_counter() - t) * 1000)
        cmd = [sys.executable, "-m", "geomap", "--root", str(root), "search", *words,
               *(x for k, v in options.items() for x in (f"--{k}", v)), "--format", "jsonl"]
        proc = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
            proc.append((time.perf_counter() - t) * 1000)
        print(f"{query!r} {options or ''}: {found} hits (limit 50); library median "
              f"{statistics.median(lib):.1f} ms; command median {statistics.median(proc):.0f} ms")


if __name__ == "__main__":
    main()
