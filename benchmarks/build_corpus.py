#!/usr/bin/env python3
"""Build a bench corpus (JSON Lines, the format ../shared/bench/geoparse_bench.py reads) from marked-up articles.

Each article is a UTF-8 ``.txt`` file in a folder. Gold toponyms are marked inline:

    [[Kherson|46.6354,32.6169]]            a place with its gold point (lat,lon)
    [[Kherson region|46.75,33.35|adm1]]    an optional third field: a note (feature kind, source), kept as "note"
    [[Russian|optional]]                   a span scored as optional (neither hit nor false positive)

The markup is removed; ``start``/``end`` index the cleaned text (0-based, end-exclusive) and ``phrase`` is
the surface. Output: one line per article ``{"id": file stem, "text": ..., "gold": [{start, end, phrase,
type, lat, lon, note}]}`` in file-name order.

Usage: build_corpus.py FOLDER OUT.jsonl
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MARK = re.compile(r"\[\[([^\[\]|]+)\|([^\[\]]+)\]\]")


def build_article(marked: str, where: str = "") -> tuple[str, list[dict]]:
    out, gold, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        out.append(marked[pos:m.start()])
        length += m.start() - pos
        surface, rest = m.group(1), m.group(2).split("|")
        start, end = length, length + len(surface)
        out.append(surface)
        length = end
        pos = m.end()
        if rest[0].strip() == "optional":
            gold.append(dict(start=start, end=end, phrase=surface, type="optional", lat=None, lon=None, note=""))
            continue
        try:
            lat, lon = (float(v) for v in rest[0].split(","))
        except ValueError:
            raise SystemExit(f"{where}: bad coordinates in {m.group(0)!r}")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SystemExit(f"{where}: coordinates out of range in {m.group(0)!r}")
        gold.append(dict(start=start, end=end, phrase=surface, type="toponym", lat=lat, lon=lon,
                         note="|".join(rest[1:])))
    out.append(marked[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise SystemExit(f"{where}: unbalanced markup left in the text")
    for g in gold:
        assert text[g["start"]:g["end"]] == g["phrase"]
    return text, gold


def main() -> int:
    folder, target = Path(sys.argv[1]), Path(sys.argv[2])
    lines, toponyms = [], 0
    for path in sorted(folder.glob("*.txt")):
        text, gold = build_article(path.read_text(encoding="utf-8"), str(path))
        toponyms += sum(g["type"] == "toponym" for g in gold)
        lines.append(json.dumps({"id": path.stem, "text": text, "gold": gold}, ensure_ascii=False))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} articles, {toponyms} gold toponyms -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
