#!/usr/bin/env python3
"""Quality gate: re-run the geoparsing bench and fail if quality dropped.

Runs ``../shared/bench/geoparse_bench.py`` on every corpus listed in ``docs/benchmarks.json`` and
fails (exit 1) when F1 or e2e_acc161 is more than ``--tolerance`` (default 0.02) below the recorded
figure, or when a figure is below the corpus's ``floors`` (absolute targets, e.g. ``{"f1": 0.95}``).
A corpus entry with a ``path`` is one the team wrote (``benchmarks/corpora/*.jsonl``, relative to the
repo); the others are the shared corpora in ``--bench``/corpora. The recorded figures are the ones docs/benchmarks.md quotes; update both together with
``--record`` after a deliberate improvement.

Usage:
  python benchmarks/check_regression.py [--bench DIR] [--record] [--tolerance 0.02]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "docs" / "benchmarks.json"
GATED = ("f1", "e2e_acc161")


METRICS = ("precision", "recall", "f1", "e2e_acc161", "acc161", "e2e_acc25", "auc", "articles_per_s")


def corpus_path(bench_dir: Path, corpus: str, recorded: dict) -> Path:
    """The team's own corpora name a repo-relative ``path``; the shared ones live in the bench folder."""
    return ROOT / recorded["path"] if "path" in recorded else bench_dir / "corpora" / corpus


def run_bench(bench_dir: Path, corpus: Path, cmd: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(bench_dir / "geoparse_bench.py"), str(corpus), "--cmd", cmd],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-2000:] + out.stderr[-4000:])
        raise SystemExit(f"bench failed on {corpus} (exit {out.returncode})")
    text = out.stdout
    return json.loads(text[: text.rindex("}") + 1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--record", action="store_true", help="write the measured figures as the new baseline")
    a = ap.parse_args()
    if not (a.bench / "geoparse_bench.py").exists():
        print(f"quality gate: {a.bench} not found; nothing to check")
        return 0
    baseline = json.loads(BASELINE.read_text())
    geomap = shutil.which("geomap", path=str(Path(sys.executable).parent)) or "geomap"
    cmd = f"{geomap} parse {{dir}} --format jsonl"
    failed = []
    for corpus, recorded in baseline["corpora"].items():
        m = run_bench(a.bench, corpus_path(a.bench, corpus, recorded), cmd)
        floors = recorded.get("floors", {})
        for key in sorted(set(GATED) | set(floors)):
            verdict = "ok"
            if key in recorded and m[key] < recorded[key] - a.tolerance:
                verdict = "REGRESSED"
                failed.append(f"{corpus} {key}")
            if key in floors and m[key] < floors[key]:
                verdict = f"BELOW FLOOR {floors[key]:.3f}"
                failed.append(f"{corpus} {key} < {floors[key]}")
            was = f"recorded {recorded[key]:.3f}" if key in recorded else "not recorded"
            print(f"quality gate: {corpus} {key} = {m[key]:.3f} ({was}) {verdict}")
        print(f"quality gate: {corpus} articles/s = {m['articles_per_s']}")
        if a.record:
            recorded.update({k: m[k] for k in METRICS if k in m})
    if a.record:
        BASELINE.write_text(json.dumps(baseline, indent=1) + "\n")
        print(f"recorded in {BASELINE.relative_to(ROOT)}")
        return 0
    if failed:
        print("quality gate FAILED: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
