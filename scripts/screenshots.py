#!/usr/bin/env python3
"""Screenshots of the map and of an article page for the README (``docs/screenshots/``:
``map.png``, ``map-popup.png``, ``map-layer.png``, ``article.png``).

Runs the real pipeline (``geomap.pipeline.refresh``) on the repository's ``articles/`` with the
repository's ``config/geomap.yaml`` and region layers, into a temporary store and output folder,
with ``map.assets: inline`` and ``map.tiles: none`` so that nothing needs the network; then opens
the map in headless Debian Chromium (every network request blocked), opens the pop-up of the most
mentioned city (or place), chooses the first shown layer (the oblasts Russia claimed to annex, with
the shipped config) so that the article list answers "which articles mention places in it?",
follows the pop-up's newest passage link to the article page, and shoots each.

Usage:  .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--place ID]
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

VIEWPORT = {"width": 1280, "height": 800}


def render_site(out: Path) -> Path:
    """Refresh a fresh store from ``articles/`` into ``out``; returns the map's path."""
    from geomap.config import load_config
    from geomap.pipeline import refresh

    config = load_config(ROOT / "config" / "geomap.yaml", root=ROOT)
    config = dataclasses.replace(
        config, store_path=out / "geomap.sqlite",
        map=dataclasses.replace(config.map, output=out / "output", assets="inline", tiles="none"))
    summary = refresh(config)
    print(summary)
    return out / "output" / "map.html"


def shoot(map_html: Path, dest: Path, place: str | None) -> list[Path]:
    """The whole map, the map with a pop-up open, the map filtered to a layer, and the article
    page the pop-up's first passage link leads to."""
    from browser_support import launch, route_offline, wait_js

    from geomap.render.payload_parts import read_payload

    data = read_payload(map_html.read_text(encoding="utf-8"), map_html.parent)   # head and parts
    dest.mkdir(parents=True, exist_ok=True)
    shots = [dest / "map.png", dest / "map-popup.png", dest / "map-layer.png",
             dest / "article.png"]
    with launch() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        route_offline(page)
        page.goto(map_html.as_uri())
        wait_js(page, "window.geomap && window.geomap.ready", timeout=30)
        page.screenshot(path=str(shots[0]))
        place = place or max(data["places"], key=lambda p: (p[2] == "city", p[7]))[0]
        page.evaluate("id => window.geomap.open(id)", place)
        page.wait_for_selector(".leaflet-popup-content .gm-pop", timeout=10_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots[1]))
        passage = page.locator(".gm-pop a.gm-passage").first.get_attribute("href")
        page.evaluate("void window.geomap.map.closePopup()")
        layer = next((i for i, entry in enumerate(data["layers"])
                      if re.search("annex", entry[0], re.I)), 0)
        page.locator(".gm-filters select").select_option(value=f"L{layer}")
        wait_js(page, "window.geomap.ready")
        page.locator(".gm-regions summary").click()
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots[2]))
        page.goto(map_html.parent.joinpath(passage.split("#")[0]).as_uri() + "#"
                  + passage.split("#", 1)[1] if "#" in passage else
                  map_html.parent.joinpath(passage).as_uri())
        page.screenshot(path=str(shots[3]))
    return shots


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--place", help="place id whose pop-up to show (default: most mentioned city)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for shot in shoot(render_site(Path(tmp)), a.out, a.place):
            print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
