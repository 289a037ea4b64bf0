"""File-name-safe names: one slug rule for article ids, feed entry ids and page names."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache


@lru_cache(maxsize=8)
def _other(keep: str) -> re.Pattern[str]:
    return re.compile(f"[^{keep}]+")


def slug(text: str, *, keep: str = "a-z0-9_-", max_len: int = 60) -> str:
    """``text`` lowercased, each run of characters outside ``keep`` turned into one ``-``, cut to
    ``max_len``, with no ``-`` at either end (may be empty)."""
    return _other(keep).sub("-", text.lower()).strip("-")[:max_len].strip("-")


def short_hash(text: str, digits: int = 8) -> str:
    """The first ``digits`` hex digits of the SHA-1 of ``text`` (lone surrogates allowed)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:digits]


# How place pages are cut into files (``render.place_cut.paginate_runs``); kept here, beside the
# page names, so that the refresh's fingerprints name it without importing the renderer.
# Changing the cutting changes it, and the next refresh renders everything once. "-2": place pages
# carry their quotes' digest (``render.place_patch``), so pages written before are rendered again.
PAGINATION = "calendar-days-2"
