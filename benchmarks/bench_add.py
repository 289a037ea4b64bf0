"""Add articles to an existing project, round after round, and time each refresh.

    .venv/bin/python -m benchmarks.bench_add --dir /work/bench/100k-new [--add 10] [--rounds 2]

``DIR`` is a project ``benchmarks/bench_refresh.py`` built (its ``articles/`` and store). Times,
with ``bench_refresh.timed_refresh`` (wall, CPU with workers, peak RSS, stages): nothing new twice
(the second trusts the recorded listing), then per round ``--add`` new synthetic articles in
``articles/extra-<k>/`` (``synth_articles.write_articles``, seeded by the round, in folders no
earlier round used) and a refresh, then nothing new twice again. Unlike ``bench_refresh``'s +N
(each from a copy of the cold state), the rounds continue the project: this is a user adding a
few articles at a time to a big map.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.bench_refresh import _report, _stamps, _written, timed_refresh
from benchmarks.synth_articles import place_names, write_articles


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from geomap.gazetteer.index import default_path

    root = args.dir
    for label in ("nothing new (1st)", "nothing new (2nd)"):
        print(_report(label, timed_refresh(root, args.workers)), flush=True)
    names = place_names(default_path())
    k = 2
    for _ in range(args.rounds):
        while (root / "articles" / f"extra-{k}").exists():
            k += 1
        write_articles(root / "articles" / f"extra-{k}", args.add, names, seed=k + 1)
        before = _stamps(root / "output")
        run = timed_refresh(root, args.workers)
        print(_report(f"+{args.add} (extra-{k})", run)
              + f"\n  {_written(before, root / 'output')} files written", flush=True)
    for label in ("nothing new (after)", "nothing new (again)"):
        print(_report(label, timed_refresh(root, args.workers)), flush=True)


if __name__ == "__main__":
    main()
