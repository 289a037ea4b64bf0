"""Add articles to an existing project, round after round, and time each refresh.

    .venv/bin/python -m benchmarks.bench_add --dir /work/bench/100k-new [--add 10] [--rounds 2]
                                             [--dated oldest|newest]

``DIR`` is a project ``benchmarks/bench_refresh.py`` built (its ``articles/`` and store). Times,
with ``bench_refresh.timed_refresh`` (wall, CPU with workers, peak RSS, stages): nothing new twice
(the second trusts the recorded listing), then per round ``--add`` new synthetic articles in
``articles/extra-<k>/`` (``synth_articles.write_articles``, seeded by the round, in folders no
earlier round used) and a refresh, then nothing new twice again. Unlike ``bench_refresh``'s +N
(each from a copy of the cold state), the rounds continue the project: this is a user adding a
few articles at a time to a big map.

``--dated`` chooses the new articles' dates: ``oldest`` (the default, as before) dates them like
the corpus (``2024-01-01 + i % 700``: its oldest, busiest month, i.e. backfilling an archive);
``newest`` dates each round's articles all on the day after the newest date in the store (news
arriving: every round a new day).
"""
from __future__ import annotations

import argparse
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from benchmarks.bench_refresh import _report, _stamps, _written, timed_refresh
from benchmarks.synth_articles import place_names, write_articles


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--add", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dated", choices=("oldest", "newest"), default="oldest",
                        help="date the new articles like the corpus (its oldest month) or on the "
                             "day after the store's newest date")
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
        day = _after_newest(root) if args.dated == "newest" else None
        write_articles(root / "articles" / f"extra-{k}", args.add, names, seed=k + 1, day=day)
        before = _stamps(root / "output")
        run = timed_refresh(root, args.workers)
        print(_report(f"+{args.add} (extra-{k}, {day or 'dated like the corpus'})", run)
              + f"\n  {_written(before, root / 'output')} files written", flush=True)
    for label in ("nothing new (after)", "nothing new (again)"):
        print(_report(label, timed_refresh(root, args.workers)), flush=True)


def _after_newest(root: Path) -> date:
    """The day after the newest article date in the project's store."""
    db = sqlite3.connect(f"file:{root / '.geomap' / 'geomap.sqlite'}?mode=ro", uri=True)
    try:
        (newest,) = db.execute("SELECT max(published) FROM fts_rows").fetchone()
    finally:
        db.close()
    return date.fromisoformat(newest) + timedelta(days=1)


if __name__ == "__main__":
    main()
