"""Headless Chromium for the map's browser tests, benchmark and screenshots, network shut off.

Uses Debian's ``chromium`` through Playwright's Python API (never ``playwright install``). Every
request that is not a ``file://`` URL is aborted: the maps under test are rendered with
``map.assets: inline`` (or ``local``), Leaflet and its plugins coming from the ``folium-offline``
package, so a page that still needs the network shows it as a failure.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    """Debian's chromium binary, or None when it is not installed."""
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


def missing_tools() -> str | None:
    """Why the browser cannot run here (naming the missing tool), or None."""
    if chromium_path() is None:
        return "chromium not installed (apt-get install chromium)"
    for module, package in (("playwright.sync_api", "playwright"),
                            ("offlinefolium.elements", "folium-offline")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} not installed (pip install {package})"
    return None


def route_offline(page) -> list[str]:
    """Abort every request that is not for a local file; returns the aborted URLs."""
    aborted: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith("file:"):
            return route.continue_()
        aborted.append(url)
        return route.abort()

    page.route("**/*", handle)
    return aborted


@contextmanager
def launch():
    """A headless Debian Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_js(page, expression: str, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``expression`` with ``page.evaluate`` until it is truthy; returns its value.

    Not ``page.wait_for_function``: that polls by ``eval`` inside the page, which map.html's
    Content-Security-Policy (no ``'unsafe-eval'``) rightly refuses.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(interval * 1000)
