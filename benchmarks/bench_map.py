#!/usr/bin/env python3
"""Render a synthetic map at production scale and report size and time.

Targets: map.html < 20 MB; opening it in headless Chromium (markers clustered, ready for a
``#place=`` link) < 3 s. The map is rendered with ``map.assets: inline`` (default; Leaflet and
its plugins from the folium-offline package, so the size includes them) or ``local``, and
``map.tiles: none``; every network request is blocked while it opens. The open time needs Debian's
``chromium`` and the ``playwright`` package.

Usage:
  python benchmarks/bench_map.py [--articles 10000] [--places 30000] [--mentions 200000]
                                 [--out DIR] [--browser] [--assets inline|local]
"""
from __future__ import annotations

import argparse
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


def open_time(map_html: Path) -> tuple[float, int, int]:
    """Seconds from navigation until geomap.js reports every marker clustered, and how many
    markers the cluster group holds then, of how many places (a premature "ready" shows)."""
    from tests.browser_support import launch, route_offline

    with launch() as browser:
        page = browser.new_page()
        route_offline(page)
        started = time.perf_counter()
        page.goto(map_html.as_uri())
        page.wait_for_function("window.geomap && window.geomap.ready", timeout=60_000, polling=20)
        seconds = time.perf_counter() - started
        held, places = page.evaluate(
            "[window.geomap.group.getLayers().length, window.geomap.places]")
        return seconds, held, places


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
        written = render_outputs(data, out, config, [])
        render_s = time.perf_counter() - started
        map_html = out / "map.html"
        size = map_html.stat().st_size
        pages = sum(p.stat().st_size for p in written if p.parent.name == "articles")
        place_pages = sum(p.stat().st_size for p in written if p.parent.name == "places")
        print(f"render: {render_s:.1f} s for {len(written)} files")
        print(f"map.html: {size / MB:.2f} MB ({'ok' if size < 20 * MB else 'OVER'} target 20 MB)")
        print(f"articles/: {pages / MB:.1f} MB; places/: {place_pages / MB:.1f} MB; "
              f"places.geojson: "
              f"{(out / 'places.geojson').stat().st_size / MB:.2f} MB")
        if a.browser:
            seconds, held, places = open_time(map_html)
            verdict = "ok" if seconds < 3 else "OVER"
            print(f"open in chromium: {seconds:.2f} s ({verdict} target 3 s); "
                  f"{held} of {places} markers clustered when ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
