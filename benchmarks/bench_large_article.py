"""One huge article: ``geomap parse FILE --format jsonl`` wall time and peak RSS by article size.

    .venv/bin/python -m benchmarks.bench_large_article [--sizes 64K,256K,1M,4M,20M]
                                                       [--kinds repeated,varied,qualified]
                                                       [--dir /tmp/geomap-bench-large]

Each size is written as one ``.txt`` file per kind of text, then parsed by a fresh
``geomap parse`` process (``/usr/bin/time -v``: wall seconds and peak RSS; the JSONL goes to
/dev/null). Kinds:

- ``repeated``: one place name again and again (``Poltava Poltava ...``): one huge run of
  capitalised tokens, one name with millions of occurrences (the hostile input of issue 9);
- ``varied``: news-like sentences naming places drawn from a fixed list of ~60 real names
  (cities, countries, regions, a river), so many names and many groups;
- ``qualified``: ``Paris, Texas`` and ``Athens, Ga.`` repeated: each qualified occurrence is a
  group of its own;
- ``streets``: ``Main Street Hudson River ...``: one huge run of streets and natural features, whose
  overlap with the gazetteer matches the extractor tests (quadratic before 2026-12-01: 256 KB 50 s).

Target (docs/benchmarks.md): 20 MB (the article size limit) in < 20 s and < 500 MB, and time
growing no faster than n log n (compare the ratios between sizes).
"""
from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLACES = ("Kyiv Kharkiv Odesa Lviv Poltava Kherson Mariupol Donetsk Luhansk Zaporizhzhia Dnipro "
          "Mykolaiv Chernihiv Sumy Crimea Sevastopol Moscow Belgorod Kursk Rostov Warsaw Krakow "
          "Berlin Munich Paris Lyon Marseille London Manchester Dublin Madrid Lisbon Rome Milan "
          "Vienna Prague Budapest Bucharest Sofia Athens Istanbul Ankara Cairo Lagos Nairobi Tokyo "
          "Beijing Delhi Mumbai Sydney Toronto Chicago Houston Texas Ohio Georgia Ukraine Poland "
          "Germany France").split() + ["the Dnieper", "New York", "Buenos Aires", "South Africa"]
VERBS = ("said officials in", "reported shelling near", "sent aid to", "held talks with",
         "closed the road to", "moved troops towards")


def parse_size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([KM]?)", text.strip().upper()).groups()
    return int(number) * {"": 1, "K": 1024, "M": 1024 * 1024}[unit]


def article(kind: str, size: int) -> str:
    """A text of ``size`` characters (ASCII, so also bytes) of the given kind."""
    if kind == "repeated":
        unit = "Poltava "
        return "Title\n\n" + unit * ((size - 7) // len(unit))
    if kind == "streets":
        unit = "Main Street Hudson River "
        return "Title\n\n" + unit * ((size - 7) // len(unit))
    if kind == "qualified":
        unit = "Police in Paris, Texas, and Athens, Ga., said so. "
        return "Title\n\n" + unit * ((size - 7) // len(unit))
    rng = random.Random(size)
    parts, total = ["Title\n\n"], 7
    while total < size:
        a, b = rng.choice(PLACES), rng.choice(PLACES)
        sentence = f"In {a}, {rng.choice(VERBS)} {b} on Monday. "
        if rng.random() < 0.1:
            sentence += "\n\n"
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)[:size]


def timed_parse(path: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system: what to compare on a shared machine), peak RSS MB
    and mentions of one ``geomap parse`` of ``path``."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "geomap", "parse", str(path), "--format", "jsonl"]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"parse failed ({result.returncode}):\n{result.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", result.stderr)
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    cpu = sum(float(re.search(rf"{what} time \(seconds\): ([\d.]+)", result.stderr).group(1))
              for what in ("User", "System"))
    return seconds, cpu, rss, result.stdout.count("\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64K,256K,1M,4M,20M")
    ap.add_argument("--kinds", default="repeated,varied,qualified")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/geomap-bench-large"))
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{'kind':<10} {'size':>6} {'mentions':>9} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'cpu s/MB':>8}")
    for kind in args.kinds.split(","):
        for label in args.sizes.split(","):
            size = parse_size(label)
            path = args.dir / f"{kind}-{label}.txt"
            path.write_text(article(kind, size), encoding="utf-8")
            seconds, cpu, rss, mentions = timed_parse(path)
            print(f"{kind:<10} {label:>6} {mentions:>9} {seconds:>8.2f} {cpu:>8.2f} {rss:>8.0f} "
                  f"{cpu / (size / 2 ** 20):>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
