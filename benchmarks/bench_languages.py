"""Speed and peak memory of ``geomap parse`` on Ukrainian/Russian and English articles, one run.

    .venv/bin/python benchmarks/bench_languages.py CORPUS.jsonl [--copies 10] [--runs 5]
        [--english /work/shared/bench/corpora/lgl.xml] [--other-geomap PATH]

Writes the JSONL corpus's texts (the bench's format: ``{"id", "text", "gold"}``) ``--copies`` times
into a temporary folder (so start-up is a fair share of a realistic folder, not of 50 files), and
the English corpus's texts once, then times ``geomap parse DIR --format jsonl`` (start-up included,
the real CLI) ``--runs`` times on each, alternating, and prints the median articles/s and the peak
RSS (``ru_maxrss`` of the child). ``--other-geomap`` times a second installation (e.g. the main
checkout's) on the English folder in the same loop, for a speed ratio measured under the same load.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _texts_jsonl(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _texts_bench(bench: Path, corpus: Path) -> list[str]:
    spec = importlib.util.spec_from_file_location("geoparse_bench", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fmt = "geovirus" if "geovirus" in corpus.name.lower() else "lgl"
    return [text for text, _ in module.load_corpus(corpus, fmt)]


def _write(folder: Path, texts: list[str], copies: int) -> int:
    folder.mkdir(parents=True)
    n = 0
    for c in range(copies):
        for i, text in enumerate(texts):
            (folder / f"{c:02d}-{i:04d}.txt").write_text(text, encoding="utf-8")
            n += 1
    return n


def _time(geomap: str, folder: Path, env: dict) -> float:
    """Seconds of one ``geomap parse`` of the folder."""
    started = time.perf_counter()
    subprocess.run([geomap, "parse", str(folder), "--format", "jsonl"], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _rss(geomap: str, folder: Path, env: dict) -> float:
    """Peak RSS (MB) of one ``geomap parse`` of the folder, measured by a fresh parent."""
    out = subprocess.run([sys.executable, "-c", _RSS, geomap, "parse", str(folder), "--format", "jsonl"],
                         check=True, env=env, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--english", type=Path, default=Path("/work/shared/bench/corpora/lgl.xml"))
    ap.add_argument("--bench", type=Path, default=Path("/work/shared/bench/geoparse_bench.py"))
    ap.add_argument("--other-geomap", help="a second geomap command timed on the English folder")
    ap.add_argument("--other-cache", help="XDG_CACHE_HOME for the other geomap (its own gazetteer index)")
    a = ap.parse_args()
    geomap = str(Path(sys.executable).with_name("geomap"))
    with tempfile.TemporaryDirectory() as tmp:
        cyr = Path(tmp) / "cyrillic"
        n_cyr = _write(cyr, _texts_jsonl(a.corpus), a.copies)
        env = dict(os.environ)
        other_env = dict(env, XDG_CACHE_HOME=a.other_cache) if a.other_cache else env
        folders = {"uk/ru": (geomap, cyr, n_cyr, env)}
        if a.english.exists() and a.bench.exists():
            eng = Path(tmp) / "english"
            n_eng = _write(eng, _texts_bench(a.bench, a.english), 1)
            folders["english"] = (geomap, eng, n_eng, env)
            if a.other_geomap:
                folders["english (other)"] = (a.other_geomap, eng, n_eng, other_env)
        for geomap_cmd, folder, _, e in folders.values():
            _time(geomap_cmd, folder, e)                       # warm the page cache and the index
        results = {name: [] for name in folders}
        for _ in range(a.runs):
            for name, (geomap_cmd, folder, _, e) in folders.items():
                results[name].append(_time(geomap_cmd, folder, e))
        for name, (geomap_cmd, folder, n, e) in folders.items():
            rates = sorted(n / s for s in results[name])
            rss = _rss(geomap_cmd, folder, e)
            print(f"{name}: {n} articles, articles/s runs {', '.join(f'{r:.0f}' for r in rates)} "
                  f"-> median {statistics.median(rates):.0f}; peak RSS of one more run {rss:.0f} MB "
                  f"(load {os.getloadavg()[0]:.1f})")
        if "english (other)" in results:
            ratio = statistics.median(results["english"]) / statistics.median(results["english (other)"])
            print(f"english time ratio (this / other): {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
