"""A bounded memo: a ``dict`` that starts afresh when it grows past a limit.

The extractor memoises per name (normalized keys, gazetteer candidates, the traits of a key's
candidates) across the articles of a run; a process reading millions of distinct names must not
grow without bound, and dropping everything at the limit keeps the common path one ``dict.get``.
"""
from __future__ import annotations


class BoundedCache(dict):
    """``dict`` plus :meth:`make_room`: call it before adding entries; at the limit it clears."""

    __slots__ = ("limit",)

    def __init__(self, limit: int):
        super().__init__()
        if limit < 1:
            raise ValueError(f"a cache limit must be positive, not {limit}")
        self.limit = limit

    def make_room(self, adding: int = 1) -> bool:
        """Clear the cache when ``adding`` more entries would take it past its limit; True if
        it was cleared (what the caller computed from the old entries must then be redone)."""
        if len(self) + adding > self.limit:
            self.clear()
            return True
        return False
