"""Headless Chromium for the map's browser test and benchmark, with the network shut off.

Uses Debian's ``chromium`` through Playwright's Python API (never ``playwright install``). Every
request that is not a ``file://`` URL is aborted, except the CDN URLs of the web libraries folium
links (Leaflet, Leaflet.markercluster, leaflet.fullscreen): those are answered from a local copy
of the same npm packages, the folder named by ``GEOMAP_WEB_ASSETS`` (a ``node_modules``), by
default ``<repo>/.cache/web/node_modules``, made with::

    npm install --prefix .cache/web leaflet@1.9.3 leaflet.markercluster@1.1.0 leaflet.fullscreen@3.0.0
"""
from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parent.parent

# CDN URL shapes folium uses -> (npm package, path inside the package)
_JSDELIVR = re.compile(r"https://cdn\.jsdelivr\.net/npm/([^@/]+)@[^/]+/(.+)")
_CDNJS = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/([^/]+)/[^/]+/(.+)")


def web_assets() -> Path | None:
    """The local node_modules with the web libraries, or None when not installed."""
    path = Path(os.environ.get("GEOMAP_WEB_ASSETS", ROOT / ".cache" / "web" / "node_modules"))
    return path if (path / "leaflet" / "dist" / "leaflet.js").is_file() else None


def missing_tools() -> str | None:
    """Why the browser cannot run here (naming the missing tool), or None."""
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        return "chromium not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed (pip install playwright)"
    if web_assets() is None:
        return ("leaflet npm packages not installed (npm install --prefix .cache/web "
                "leaflet@1.9.3 leaflet.markercluster@1.1.0 leaflet.fullscreen@3.0.0)")
    return None


def local_copy(url: str, assets: Path) -> Path | None:
    """The local file standing in for a CDN URL (``.min.js`` falls back to ``.js``)."""
    for pattern, prefix in ((_JSDELIVR, ""), (_CDNJS, "dist/")):
        match = pattern.fullmatch(url.split("?")[0])
        if match:
            base = (assets / match.group(1)).resolve()
            for rel in (prefix + match.group(2), prefix + match.group(2).replace(".min.", ".")):
                candidate = (base / rel).resolve()
                if candidate.is_relative_to(base) and candidate.is_file():
                    return candidate
    return None


def route_offline(page, assets: Path | None) -> list[str]:
    """Abort every non-file request except local stand-ins for CDN files; returns aborted URLs."""
    aborted: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith("file:"):
            return route.continue_()
        local = local_copy(url, assets) if assets else None
        if local is not None:
            return route.fulfill(path=str(local))
        aborted.append(url)
        return route.abort()

    page.route("**/*", handle)
    return aborted


@contextmanager
def launch():
    """A headless Debian Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
