"""List a geoparser's errors on a benchmark corpus by phrase, most frequent first.

    .venv/bin/python -m benchmarks.geoparse_errors /work/shared/bench/geoparse_bench.py \\
        /work/shared/bench/corpora/lgl.xml [--limit N] [--context]

Runs ``benchmarks.parse_dir`` in-process on the corpus and prints three tables: false positives
(predicted spans overlapping no gold toponym), false negatives (gold toponyms not recognised) and
resolution errors (recognised, resolved more than 161 km from the gold point: predicted place vs
gold). Uses the scorer's own corpus loader and distance so the counts agree with the benchmark.
"""
from __future__ import annotations

import argparse
import importlib.util
from collections import Counter


def load_bench(path: str):
    """The benchmark's scorer (geoparse_bench.py), imported from its path."""
    spec = importlib.util.spec_from_file_location("geoparse_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def match_gold(preds: list, gold: list[dict]) -> tuple[list[tuple[dict, int | None]], list[int]]:
    """The scorer's overlap rule: each gold toponym takes the first unused prediction overlapping
    it. Returns ``(gold, index of its prediction or None)`` for every toponym that is not optional
    (an optional one only uses up its prediction), and the indexes of the predictions left over."""
    used = set()
    pairs = []
    for g in gold:
        hit = next((k for k, m in enumerate(preds) if k not in used and m.start < g["end"]
                    and g["start"] < m.end), None)
        if hit is not None:
            used.add(hit)
        if g.get("type") != "optional":
            pairs.append((g, hit))
    return pairs, [k for k in range(len(preds)) if k not in used]


def bench_arguments(description: str, top: int) -> argparse.ArgumentParser:
    """The arguments every error script takes: the scorer's path, a corpus, ``--limit``, ``--top``."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", help="path of geoparse_bench.py")
    ap.add_argument("corpus")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--top", type=int, default=top)
    return ap


def main() -> None:
    ap = bench_arguments(__doc__, top=60)
    ap.add_argument("--context", action="store_true", help="show one context per phrase")
    a = ap.parse_args()
    from pathlib import Path

    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    bench = load_bench(a.bench)
    corpus = Path(a.corpus)
    articles = bench.load_corpus(corpus, bench.guess_format(corpus))[: a.limit]
    parser = Geoparser(Gazetteer.open(build=True), ParseConfig())
    fp, fn, wrong = Counter(), Counter(), Counter()
    ctx: dict[str, str] = {}
    for text, gold in articles:
        preds = parser.parse(text, explain=False)
        pairs, spurious = match_gold(preds, gold)
        for g, hit in pairs:
            phrase = text[g["start"]:g["end"]]
            if hit is None:
                fn[phrase] += 1
                ctx.setdefault("FN " + phrase, text[max(0, g["start"] - 50):g["end"] + 30])
                continue
            m = preds[hit]
            if g["lat"] is None:
                continue
            km = 20039.0 if m.place is None else bench.haversine_km(g["lat"], g["lon"], m.place.lat, m.place.lon)
            if km > 161:
                got = "UNRESOLVED" if m.place is None else f"{m.place.name} ({m.place.kind}, {m.place.admin1 or ''} {m.place.country})"
                key = f"{phrase} -> {got} [gold {g['lat']:.1f},{g['lon']:.1f}]"
                wrong[key] += 1
                ctx.setdefault("WR " + key, text[max(0, g["start"] - 50):g["end"] + 30])
        for m in (preds[k] for k in spurious):
            fp[m.text] += 1
            ctx.setdefault("FP " + m.text, text[max(0, m.start - 50):m.end + 30])
    for title, counter, tag in (("FALSE POSITIVES", fp, "FP "), ("FALSE NEGATIVES", fn, "FN "),
                                ("RESOLUTION ERRORS > 161 km", wrong, "WR ")):
        print(f"== {title}: {sum(counter.values())}")
        for phrase, n in counter.most_common(a.top):
            extra = "   | " + ctx[tag + phrase].replace("\n", " ") if a.context else ""
            print(f"{n:4d}  {phrase}{extra}")


if __name__ == "__main__":
    main()
