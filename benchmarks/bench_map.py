#!/usr/bin/env python3
"""Render a synthetic map at production scale and report size and time.

Targets: map.html < 20 MB, its size following the places and articles, not the passages (those
are in ``passages/<n>.js`` chunks, loaded when a pop-up opens); opening it in headless Chromium
(every view drawn, ready for a ``#place=`` link) < 2 s with a JS heap < 200 MB and no task
> 200 ms; a pop-up (the most mentioned place's, its chunk loaded and its passages shown)
< 300 ms; any filter change (dates, layer, region, kind, undated; every view redrawn, the
markers re-clustered) < 300 ms; a search < 200 ms (on a chunked map a passage search first
loads the chunks that passages/index.js says can hold the query; the longest task while
opening and during the searches comes from a PerformanceObserver('longtask')). Synthetic data
(``synth.py``) with one layer of 25 regions. The map is rendered with ``map.assets: inline``
(default; Leaflet and its plugins from the folium-offline package, so the size includes them) or
``local``, and ``map.tiles: none``; every network request is blocked while it opens. The browser
figures need Debian's ``chromium`` and the ``playwright`` package.

Usage:
  python benchmarks/bench_map.py [--articles 10000] [--places 30000] [--mentions 200000]
                                 [--out DIR] [--browser] [--assets inline|local] [--repeat 3]
                                 [--map-only] [--compare MAP_HTML ...]

``--map-only`` writes only ``map.html`` and its passage chunks (not the article and place pages,
which a map of 100,000 articles would take long to write here): the map figures are the same.
``--compare A/map.html B/map.html`` measures maps kept with ``--out`` (e.g. made on main and on a
branch) in turn, so that a before/after comparison sees the same machine load.
"""
from __future__ import annotations

import argparse
import statistics
from collections import Counter
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
# The change runs in a task of the page's own (a timer), not in the DevTools evaluation, so that
# the longtask observer sees it.
_TIMED_FILTER = """async (changes) => {
  const started = performance.now();
  await new Promise((done) => setTimeout(() => { window.geomap.filter(changes); done(); }, 0));
  await new Promise((done) => { (function poll() {
    if (window.geomap.ready) done(); else setTimeout(poll, 2); })(); });
  return performance.now() - started;
}"""

# Open the pop-up of place ``id`` and resolve with the milliseconds until its passages are shown
# (its chunk loaded) or it says it has none.
_TIMED_POPUP = """async (id) => {
  const started = performance.now();
  await new Promise((done) => setTimeout(() => { window.geomap.open(id); done(); }, 0));
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
def searches(rare: str) -> list[tuple[str, dict]]:
    """The searches, in order; ``rare``: the name of a place named once (in one passage).
    On a chunked map the first loads passages/index.js, the second the few chunks that can hold
    the rare name, the third every chunk (its words are in every synthetic passage)."""
    return [("search: a title word (first search, loads the search index)", {"q": "report 42"}),
            ("search: a rare passage word (a village named once)", {"q": rare.lower()}),
            ("search: a passage word in every chunk (loads every chunk)", {"q": "convoy arrived"}),
            ("search: a place name", {"q": "kamir"}),
            ("search cleared", {"q": ""})]


def browser_times(map_html: Path, repeat: int, popular: str, rare: str = "zzz", *,
                  filters: bool = True) -> dict[str, list[float]]:
    """Open time (s), JS heap (MB) and longest task (ms) after opening, the pop-up of place
    ``popular`` and, per filter change and search, milliseconds, ``repeat`` times each; the
    longest task of the searches. ``rare``: see ``searches``. ``filters=False``: no filter
    changes or searches (they name ``synth_layers``' regions)."""
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
            if filters:
                page.evaluate("window.__longest = 0")
                for name, change in CHANGES:
                    times.setdefault(name, []).append(page.evaluate(_TIMED_FILTER, change))
                page.wait_for_timeout(100)         # the observer reports after the task
                times.setdefault("longest task during the filter changes (ms)", []).append(
                    page.evaluate("window.__longest"))
                page.evaluate("window.__longest = 0")
                for name, change in searches(rare):
                    times.setdefault(name, []).append(page.evaluate(_TIMED_FILTER, change))
                page.wait_for_timeout(100)
                times.setdefault("longest task during the searches (ms)", []).append(
                    page.evaluate("window.__longest"))
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


def _targets(html: Path) -> tuple[str, str]:
    """The most mentioned place's id and a rare place name (see ``searches``) of a built map."""
    from geomap.render.payload_parts import read_payload

    places = read_payload(html.read_text(encoding="utf-8"), html.parent)["places"]
    names = Counter(row[1] for row in places)
    rare = next(row[1] for row in places if row[7] == 1 and names[row[1]] == 1 and len(row[1]) > 7)
    return max(places, key=lambda row: row[7])[0], rare


def compare(maps: list[Path], repeat: int) -> int:
    """Medians of ``repeat`` page loads of each map, the loads interleaved (same machine load)."""
    targets = [_targets(m) for m in maps]
    runs: list[dict[str, list[float]]] = [{} for _ in maps]
    for _ in range(repeat):
        for i, m in enumerate(maps):
            for name, values in browser_times(m, 1, *targets[i]).items():
                runs[i].setdefault(name, []).extend(values)
    print(f"chromium, medians of {repeat} page loads (worst):", *[str(m) for m in maps], sep="\n  ")
    for name in runs[0]:
        cells = [f"{statistics.median(r[name]):.2f} ({max(r[name]):.2f})" if name in r else "-"
                 for r in runs]
        print(f"  {name}: " + " | ".join(cells))
    return 0


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
    ap.add_argument("--compare", type=Path, nargs="+", metavar="MAP_HTML",
                    help="measure these maps (kept with --out, e.g. one made on main and one on a "
                         "branch) in the browser, one page load of each in turn, and print medians "
                         "side by side; nothing is rendered")
    a = ap.parse_args()
    if a.compare:
        return compare(a.compare, a.repeat)

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
        chunks = [p.stat().st_size for p in written
                  if p.parent.name == "passages" and p.stem.isdigit()]
        index = sum(p.stat().st_size for p in written
                    if p.parent.name == "passages" and p.name == "index.js")
        pages = sum(p.stat().st_size for p in written if p.parent.name == "articles")
        place_pages = sum(p.stat().st_size for p in written if p.parent.name == "places")
        print(f"render: {render_s:.1f} s for {len(written)} files")
        print(f"map.html: {size / MB:.2f} MB ({'ok' if size < 20 * MB else 'OVER'} target 20 MB), "
              f"{size / max(1, len(data.articles)):.0f} bytes per article")
        print(f"passages/: {len(chunks)} chunks, {sum(chunks) / MB:.1f} MB, "
              f"largest {max(chunks, default=0) / 1024:.0f} kB; search index {index / 1024:.0f} kB")
        if not a.map_only:
            print(f"articles/: {pages / MB:.1f} MB; places/: {place_pages / MB:.1f} MB; "
                  f"places.geojson: "
                  f"{(out / 'places.geojson').stat().st_size / MB:.2f} MB")
        if a.browser:
            popular = max(data.places, key=lambda r: len(r.mentions)).place.id
            names = Counter(r.place.name for r in data.places)
            rare = next(r.place.name for r in data.places
                        if len(r.mentions) == 1 and names[r.place.name] == 1 and len(r.place.name) > 7)
            times = browser_times(map_html, a.repeat, popular, rare)
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
