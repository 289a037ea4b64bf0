"""Print the JSONL of ``geomap parse DIR --format jsonl`` for folders of .txt articles, with the
Geoparser alone (no store, no regions): the inner loop of the geoparsing benchmark.

    .venv/bin/python /work/shared/bench/geoparse_bench.py CORPUS \\
        --cmd '.venv/bin/python -m benchmarks.parse_dir {dir}'

Start-up matters for the articles/s figure, so only the geoparsing modules are imported.
``regions`` is always ``[]`` here (no region layers are loaded).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    parser = Geoparser(Gazetteer.open(build=True), ParseConfig(demonyms="--demonyms" in argv))
    out = sys.stdout
    for folder in (Path(a) for a in argv if not a.startswith("--")):
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else [folder]
        for path in files:
            text = path.read_text(encoding="utf-8-sig")
            for m in parser.parse(text, explain=False):
                p = m.place
                out.write(json.dumps({
                    "article": str(path), "start": m.start, "end": m.end, "text": m.text,
                    "name": p.name if p else None, "lat": p.lat if p else None,
                    "lon": p.lon if p else None, "country": p.country if p else "",
                    "kind": p.kind if p else None, "id": p.id if p else None,
                    "score": m.score, "regions": [],
                }, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
