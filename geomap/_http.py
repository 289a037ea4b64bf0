"""Opening http(s) URLs with urllib, following redirects only to http(s).

urllib's default redirect handler also follows a ``Location: ftp://...``: a feed or dump server
(or anyone on the path) could then point geomap at an FTP host. ``open_url`` refuses that, and a
non-http(s) URL to begin with, with a ``URLError`` whose reason says why.
"""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

SCHEMES = ("http", "https")


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only when its target is http(s) (urllib itself refuses ``file:`` but
    follows ``ftp:``); checked before urllib's own check, so every refusal reads the same."""

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri")
        if target is not None:
            newurl = urllib.parse.urljoin(req.full_url, target.strip())
            if urllib.parse.urlsplit(newurl).scheme.lower() not in SCHEMES:
                fp.close()
                raise urllib.error.URLError(f"redirect to {newurl!r} refused: only http and https are followed")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def open_url(request: str | urllib.request.Request, *, timeout: float):
    """``urlopen`` for http(s) only, redirects included; ``URLError`` (an ``OSError``) otherwise."""
    url = request.full_url if isinstance(request, urllib.request.Request) else request
    if urllib.parse.urlsplit(url).scheme.lower() not in SCHEMES:
        raise urllib.error.URLError(f"{url!r}: only http and https URLs are fetched")
    return urllib.request.build_opener(_HttpOnlyRedirects).open(request, timeout=timeout)
