"""Where map.html gets Leaflet and its plugins from: ``map.assets`` = cdn | local | inline.

``cdn`` keeps folium's ``<script src>``/``<link>`` tags. ``local`` and ``inline`` take the very
files folium links from the ``folium-offline`` package (its table, read through
``geomap._thirdparty``, maps each CDN URL folium uses to the file's text): ``inline`` embeds them in
map.html, ``local`` writes them to ``assets/`` next to it. Their images are already ``data:`` URIs, so nothing else is fetched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from geomap._thirdparty import offline_asset_table
from geomap.errors import ConfigError

ASSETS_DIR = "assets"
_INSTALL = "pip install folium-offline (a geomap dependency: reinstall geomap)"


@dataclass(frozen=True, slots=True)
class Asset:
    """One web library file: its CDN URL, whether it is JS (else CSS), and its text."""

    url: str
    js: bool
    text: str

    @property
    def file_name(self) -> str:
        """A safe, readable name derived from the URL (``npm-leaflet-1.9.3-dist-leaflet.js``)."""
        parts = urlsplit(self.url)
        path = parts.path.strip("/")
        if parts.hostname == "cdnjs.cloudflare.com" and path.startswith("ajax/libs/"):
            path = path[len("ajax/libs/"):]
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.replace("/", "-")).strip("-.")
        return name[-120:] or "asset"


def _library() -> dict[str, str]:
    """folium-offline's URL → text table (imported only for local/inline maps)."""
    try:
        return offline_asset_table()
    except ImportError as exc:
        raise ConfigError(f"map.assets local/inline needs folium-offline: {_INSTALL}",
                          key="map.assets") from exc


def offline_assets(js: list[tuple[str, str]], css: list[tuple[str, str]]) -> list[Asset]:
    """The files for folium's ``(name, url)`` JS and CSS lists, CSS first, in page order."""
    library = _library()
    found = []
    for is_js, links in ((False, css), (True, js)):
        for _name, url in links:
            if url not in library:
                raise ConfigError(f"folium-offline has no copy of {url}; use map.assets: cdn or "
                                  f"update it ({_INSTALL})", key="map.assets")
            found.append(Asset(url, is_js, library[url]))
    return found


def _inert_in(text: str, tag: str) -> str:
    """Text that cannot end its ``<script>``/``<style>`` element early.

    ``</script`` becomes ``<\\/script`` (the same string in JS, an escaped ``/`` in CSS) and
    ``<!--`` becomes ``<\\!--`` (which would otherwise switch the HTML parser into the
    "script data escaped" state and swallow the following markup).
    """
    text = re.sub(f"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def inline_tag(asset: Asset) -> str:
    """The ``<script>`` or ``<style>`` element embedding an asset."""
    tag = "script" if asset.js else "style"
    return f"<{tag}>{_inert_in(asset.text, tag)}</{tag}>"


def link_tag(asset: Asset) -> str:
    """The element loading an asset from ``assets/`` next to map.html (a relative URL)."""
    href = f"{ASSETS_DIR}/{asset.file_name}"
    if asset.js:
        return f'<script src="{href}"></script>'
    return f'<link rel="stylesheet" href="{href}"/>'
