"""Plain data passed between pipeline stages. No behaviour beyond small derived values.

Coordinates are (lat, lon) everywhere in geomap except inside shapely geometries (x=lon, y=lat).
Offsets are 0-based, end-exclusive indexes into ``Article.text`` (the file's text as decoded,
nothing stripped or normalised).
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Article", "Mention", "Passage", "Place"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph of an article: ``text[start:end]``; ``anchor`` is its HTML id (``p3``)."""

    index: int
    start: int
    end: int

    @property
    def anchor(self) -> str:
        return f"p{self.index}"


@dataclass(frozen=True, slots=True)
class Article:
    id: str                      # stable: derived from the source path relative to its source root
    source: str                  # path (or URL) it was read from
    text: str                    # the whole text exactly as decoded
    sha256: str                  # of the raw bytes; decides "changed"
    title: str = ""
    published: str | None = None  # ISO date YYYY-MM-DD when known
    byline: str | None = None
    section: str | None = None
    url: str | None = None
    passages: tuple[Passage, ...] = ()

    def passage_at(self, offset: int) -> Passage | None:
        """The passage containing ``offset`` (binary search), or None (e.g. inside the header)."""
        lo, hi = 0, len(self.passages)
        while lo < hi:
            mid = (lo + hi) // 2
            p = self.passages[mid]
            if offset < p.start:
                hi = mid
            elif offset >= p.end:
                lo = mid + 1
            else:
                return p
        return None


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry (or an online geocoder's answer) that mentions resolve to."""

    id: str                      # "geonames:706448", "geomap:sea-of-azov", "nominatim:relation/123"
    name: str
    lat: float
    lon: float
    country: str = ""            # ISO 3166-1 alpha-2, "" for seas, continents, ...
    kind: str = "city"           # country | admin1 | admin2 | city | water | region | continent | ...
    population: int = 0
    admin1: str = ""             # admin1 name (not code) when known
    admin2: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A resolved (or recognised but unresolved) place mention in one article."""

    start: int
    end: int
    text: str                    # article.text[start:end]
    place: Place | None
    score: float = 0.0           # 0..1 confidence of the chosen place
    explain: tuple[str, ...] = field(default=(), compare=False)  # human-readable reasons (--explain)
    runner_up: Place | None = field(default=None, compare=False)
