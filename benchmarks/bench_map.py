#!/usr/bin/env python3
"""Render a synthetic map at production scale and report size and time.

Targets: map.html < 20 MB, its size following the places and articles, not the passages (those
are in ``passages/<n>.js`` chunks, loaded when a pop-up opens); opening it in headless Chromium
(every view drawn, ready for a ``#place=`` link) < 2 s with a JS heap < 200 MB and no task
> 200 ms; a pop-up (the most mentioned place's, its chunk loaded and its passages shown)
< 300 ms; any filter change (dates, layer, region, kind, undated; every view redrawn, the
markers re-clustered) < 300 ms; a search < 200 ms (a passage search first loads every chunk). Synthetic data
(``synth.py``) with one layer of 25 regions. The map is rendered with ``map.assets: inline``
(default; Leaflet and its plugins from the folium-offline package, so the size includes them) or
``local``, and ``map.tiles: none``; every network request is blocked while it opens. The browser
figures need Debian's ``chromium`` and the ``playwright`` package.

Usage:
  python benchmarks/bench_map.py [--articles 10000] [--places 30000] [--mentions 200000]
                                 [--out DIR] [--browser] [--assets inline|local] [--repeat 3]
                                 [--map-only]

``--map-only`` writes only ``map.html`` and its passage chunks (not the article and place pages,
which a map of 100,000 articles would take long to write here): the map figures are the same.
"""
from __future__ import annotations

import argparse
import statistics
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from geomap.config import default_config  # noqa: E402
from geomap.render import render_outputs  # noqa: E402
from synth import synth_map_data  # noqa: E402

MB = 1024 * 1024


# In the page: apply a filter change, resolve with the milliseconds until geomap.js is ready
# again (every view redrawn, the markers in view re-clustered).
_TIMED_FILTER = """async (changes) => {
  const started = performance.now();
  window.geomap.filter(changes);
  await new Promise((done) => { (function poll() {
    if (window.geomap.ready) done(); else setTimeout(poll, 2); })(); });
  return performance.now() - started;
}"""

# Open the pop-up of place ``id`` and resolve with the milliseconds until its passages are shown
# (its chunk loaded) or it says it has none.
_TIMED_POPUP = """async (id) => {
  const started = performance.now();
  window.geomap.open(id);
  await new Promise((done) => { (function poll() {
    const pop = document.querySelector(".leaflet-popup-content .gm-pop");
    if (pop && !pop.querySelector(".gm-loading") && pop.querySelector(".gm-quotes")) done();
    else setTimeout(poll, 2); })(); });
  return performance.now() - started;
}"""

# The longest task the page ran (ms), from a PerformanceObserver set before the page's scripts.
_LONG_TASKS = """window.__longest = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries())
  window.__longest = Math.max(window.__longest, e.duration); }).observe({type: "longtask", buffered: true});"""


# (name, filter change): each applied to the state the previous left
CHANGES = [
    ("date range (a quarter)", {"from": 19300, "to": 19390}),
    ("all dates", {"from": None, "to": None}),
    ("whole layer", {"layer": 0}),
    ("one region", {"region": 3}),
    ("any region", {"region": -1, "layer": -1}),
    ("hide a kind", {"hidden": {"city": True}}),
    ("show every kind", {"hidden": {}}),
    ("exclude undated", {"undated": False}),
    ("include undated", {"undated": True}),
]
SEARCHES = [("search: a title word (first search builds the index)", {"q": "report 42"}),
            ("search: a passage word", {"q": "convoy arrived"}),
            ("search: a place name", {"q": "kamir"}),
            ("search cleared", {"q": ""})]


def browser_times(map_html: Path, repeat: int, popular: str, *,
                  filters: bool = True) -> dict[str, list[float]]:
    """Open time (s), JS heap (MB) and longest task (ms) after opening, the pop-up of place
    ``popular`` and, per filter change and search, milliseconds, ``repeat`` times each.
    ``filters=False``: no filter changes or searches (they name ``synth_layers``' regions)."""
    from tests.browser_support import launch, route_offline, wait_js

    times: dict[str, list[float]] = {}
    with launch() as browser:
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(_LONG_TASKS)
            route_offline(page)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            started = time.perf_counter()
            page.goto(map_html.as_uri())
            wait_js(page, "window.geomap && window.geomap.ready", timeout=60, interval=0.02)
            times.setdefault("open (s)", []).append(time.perf_counter() - started)
            times.setdefault("markers and clusters in the DOM when ready", []).append(
                page.evaluate("window.geomap.group.getLayers().length"))
            cdp.send("HeapProfiler.collectGarbage")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            times.setdefault("JS heap after open (MB)", []).append(metrics["JSHeapUsedSize"] / MB)
            times.setdefault("longest task while opening (ms)", []).append(
                page.evaluate("window.__longest"))
            page.evaluate("window.__longest = 0")
            times.setdefault("pop-up of the most mentioned place, passages shown (ms)", []).append(
                page.evaluate(_TIMED_POPUP, popular))
            times.setdefault("longest task while the pop-up opened (ms)", []).append(
                page.evaluate("window.__longest"))
            page.evaluate("void window.geomap.map.closePopup()")
            for name, change in (CHANGES + SEARCHES if filters else ()):
                times.setdefault(name, []).append(page.evaluate(_TIMED_FILTER, change))
            page.close()
    return times


def synth_layers() -> list:
    """One layer of the 25 regions synth_map_data tags places with (``layer/0``..``layer/24``),
    so that choosing a layer or region is measured at scale."""
    from shapely.geometry import box

    from geomap.regions import Layer, Region

    regions = tuple(Region(f"layer/{i}", f"Region {i}", "layer",
                           box(-20 + i * 6, -35, -14 + i * 6, 70)) for i in range(25))
    return [Layer("layer", "Synthetic regions", "", {"color": "#c0392b"}, True, regions)]


def write_map_only(data, out: Path, config) -> list[Path]:
    """``map.html`` and its passage chunks, as ``render_outputs`` writes them."""
    from geomap.render.map import build_map
    from geomap.render.passages import write_chunks

    map_html, _assets, chunks = build_map(data, config, synth_layers())
    out.mkdir(parents=True, exist_ok=True)
    (out / "map.html").write_text(map_html, encoding="utf-8", newline="\n")
    return [out / "map.html", *write_chunks(out, chunks)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--places", type=int, default=30_000)
    ap.add_argument("--mentions", type=int, default=200_000)
    ap.add_argument("--out", type=Path, help="keep the outputs here (default: a temp dir)")
    ap.add_argument("--browser", action="store_true", help="also measure the open time")
    ap.add_argument("--assets", choices=("inline", "local"), default="inline",
                    help="map.assets mode (default: inline)")
    ap.add_argument("--repeat", type=int, default=3, help="page loads measured (default 3)")
    ap.add_argument("--map-only", action="store_true",
                    help="write only map.html and passages/ (no article or place pages)")
    a = ap.parse_args()

    started = time.perf_counter()
    data = synth_map_data(a.articles, a.places, a.mentions)
    print(f"synth: {len(data.places)} places, {len(data.articles)} articles, "
          f"{sum(len(r.mentions) for r in data.places)} mentions "
          f"({time.perf_counter() - started:.1f} s)")

    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp)
        started = time.perf_counter()
        config = default_config(out)
        config = dataclasses.replace(config, map=dataclasses.replace(
            config.map, assets=a.assets, tiles="none"))
        if a.map_only:
            written = write_map_only(data, out, config)
        else:
            written = render_outputs(data, out, config, synth_layers())
        render_s = time.perf_counter() - started
        map_html = out / "map.html"
        size = map_html.stat().st_size
        chunks = [p.stat().st_size for p in written if p.parent.name == "passages"]
        pages = sum(p.stat().st_size for p in written if p.parent.name == "articles")
        place_pages = sum(p.stat().st_size for p in written if p.parent.name == "places")
        print(f"render: {render_s:.1f} s for {len(written)} files")
        print(f"map.html: {size / MB:.2f} MB ({'ok' if size < 20 * MB else 'OVER'} target 20 MB), "
              f"{size / max(1, len(data.articles)):.0f} bytes per article")
        print(f"passages/: {len(chunks)} chunks, {sum(chunks) / MB:.1f} MB, "
              f"largest {max(chunks, default=0) / 1024:.0f} kB")
        if not a.map_only:
            print(f"articles/: {pages / MB:.1f} MB; places/: {place_pages / MB:.1f} MB; "
                  f"places.geojson: "
                  f"{(out / 'places.geojson').stat().st_size / MB:.2f} MB")
        if a.browser:
            popular = max(data.places, key=lambda r: len(r.mentions)).place.id
            times = browser_times(map_html, a.repeat, popular)
            print(f"chromium, medians of {a.repeat} page loads:")
            for name, values in times.items():
                target = (2 if name.startswith("open") else "-" if "DOM" in name
                          else 200 if name.startswith(("search", "JS heap", "longest")) else 300)
                worst = max(values)
                print(f"  {name}: median {statistics.median(values):.2f}, worst {worst:.2f} "
                      f"(target {target})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
