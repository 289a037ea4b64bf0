#!/usr/bin/env python3
"""The data ceiling of the offline gazetteer on the geoparsing corpora.

For every gold toponym with coordinates: is its phrase a gazetteer key at all (``in_gazetteer``),
and does any candidate lie within 161 km of the gold point (``within_161km``: the best any
resolver can do with this index). Also: which feature class supplies the nearest good candidate,
and the most frequent phrases that are missing or only far away (to find *classes* of names to add).

    .venv/bin/python benchmarks/gazetteer_coverage.py [--corpora DIR] [--gazetteer PATH] [--top N]

Corpora: LGL (``lgl.xml``: ``<article><text>``, ``<toponym><start><end><phrase><gaztag><lat><lon>``)
and GeoVirus (``GeoVirus.xml``: ``<location><start><end>`` 1-based, ``<name>``, ``<lat><lon>``).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout

from geomap.gazetteer import Gazetteer, normalize  # noqa: E402

DEFAULT_CORPORA = Path("/work/shared/bench/corpora")
RADIUS_KM = 161.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def gold_toponyms(path: Path) -> list[tuple[str, float, float]]:
    """(phrase, lat, lon) of every gold toponym with coordinates."""
    root = ET.parse(path).getroot()
    out = []
    geovirus = "virus" in path.name.lower()
    for art in root.iter("article"):
        text = art.findtext("text") or ""
        for t in art.iter("location" if geovirus else "toponym"):
            lat = t.findtext("lat" if geovirus else "gaztag/lat")
            lon = t.findtext("lon" if geovirus else "gaztag/lon")
            if not lat or not lon:
                continue
            if geovirus:
                phrase = t.findtext("name") or text[int(t.findtext("start")) - 1:int(t.findtext("end")) - 1]
            else:
                phrase = t.findtext("phrase") or ""
            out.append((phrase, float(lat), float(lon)))
    return out


def key_forms(phrase: str) -> list[str]:
    """The phrase as an extractor would look it up: as is, without a possessive or leading "the"."""
    key = normalize(phrase)
    forms = [key]
    for suffix in ("'s", "s'"):
        if key.endswith(suffix):
            forms.append(key[: -len(suffix)].strip())
    if key.startswith("the "):
        forms.append(key[4:])
    return [f for f in forms if f]


def coverage(gaz: Gazetteer, gold: list[tuple[str, float, float]], top: int) -> dict:
    keys = {f for phrase, _, _ in gold for f in key_forms(phrase)}
    found = gaz.lookup(keys)
    in_gaz = near = 0
    by_feature: Counter = Counter()
    missing: Counter = Counter()
    far: Counter = Counter()
    for phrase, lat, lon in gold:
        cands = [c for f in key_forms(phrase) for c in found.get(f, [])]
        if not cands:
            missing[phrase] += 1
            continue
        in_gaz += 1
        dist, best = min((haversine_km(lat, lon, c.place.lat, c.place.lon), i) for i, c in enumerate(cands))
        if dist <= RADIUS_KM:
            near += 1
            by_feature[cands[best].feature] += 1
        else:
            far[phrase] += 1
    n = len(gold)
    return {"gold": n, "in_gazetteer": in_gaz / n, "within_161km": near / n,
            "nearest_feature": by_feature.most_common(), "missing": missing.most_common(top),
            "far": far.most_common(top)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    ap.add_argument("--gazetteer", type=Path, default=None, help="index path (default: user cache)")
    ap.add_argument("--top", type=int, default=20, help="how many missing/far phrases to list")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    gaz = Gazetteer.open(args.gazetteer, build=True)
    print(f"gazetteer {gaz.path} version {gaz.version} (open/build {time.perf_counter() - started:.1f}s)")
    for path in sorted(args.corpora.glob("*.xml")):
        r = coverage(gaz, gold_toponyms(path), args.top)
        print(f"\n{path.name}: {r['gold']} gold toponyms with coordinates")
        print(f"  in gazetteer      {r['in_gazetteer']:.1%}")
        print(f"  within {RADIUS_KM:.0f} km     {r['within_161km']:.1%}   (ceiling for any resolver)")
        print("  nearest good candidate by feature: "
              + ", ".join(f"{f} {n}" for f, n in r["nearest_feature"]))
        print("  missing: " + ", ".join(f"{p} ({n})" for p, n in r["missing"]))
        print("  only far candidates: " + ", ".join(f"{p} ({n})" for p, n in r["far"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
