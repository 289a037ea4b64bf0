"""``map.html``'s Content-Security-Policy (split from ``map.py``): as strict as its scripts allow."""
from __future__ import annotations

from typing import Iterable

from geomap.config import MapConfig

__all__ = ["content_security_policy"]


def _csp_sources(urls: Iterable[str]) -> list[str]:
    """CSP host sources for these URLs (``{s}.tile...`` → ``*.tile...``; a host with other
    placeholders → its scheme only)."""
    out: list[str] = []
    for url in urls:
        scheme, _sep, rest = url.partition("://")
        host = rest.split("/", 1)[0]
        if host.startswith("{s}."):
            host = "*." + host[4:]
        source = f"{scheme}:" if "{" in host or not host else f"{scheme}://{host}"
        if source not in out:
            out.append(source)
    return out


def content_security_policy(settings: MapConfig, tiles, cdn_urls: Iterable[str], *,
                            passage_files: bool = False) -> str:
    """map.html's Content-Security-Policy: inline scripts and styles (folium writes its code
    inline), the library files' own origin (``local``: this folder; ``cdn``: the CDN hosts),
    images from ``data:`` and the tile server only; no fetches, frames, forms or plugins.
    ``passage_files``: scripts from the map's own folder too (the pop-ups' passage chunks)."""
    libs = (["'self'"] if settings.assets == "local"
            else _csp_sources(cdn_urls) if settings.assets == "cdn" else [])
    scripts = libs if "'self'" in libs or not passage_files else ["'self'", *libs]
    tile_hosts = _csp_sources([tiles.tiles]) if tiles is not None else []
    return "; ".join([
        "default-src 'none'",
        " ".join(["script-src 'unsafe-inline'", *scripts]),
        " ".join(["style-src 'unsafe-inline'", *libs]),
        " ".join(["img-src data:", *tile_hosts]),
        "font-src data:", "connect-src 'none'", "base-uri 'none'", "form-action 'none'",
        "object-src 'none'", "frame-src 'none'"])
