"""Names not placed: mentions the geoparser recognised but could not place.

They are stored as mentions whose ``place_id`` is NULL (``store.Store.unplaced_names()`` groups
them); ``geomap parse --unplaced`` prints them for a folder without storing anything; the refresh
writes them to ``output/unplaced.csv`` (most mentioned first), and ``geomap pin NAME LAT,LON``
places one for good. Typical causes: villages under the gazetteer's population threshold
("the village of Robotyne"), rivers and landmarks missing from the team tables, streets in an
article that names no town.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, slots=True)
class UnplacedName:
    """One name not placed: how it was written most often, and every mention of it."""

    name: str
    mentions: tuple[tuple[str, int, int, int | None], ...]   # (article id, start, end, passage index)

    @property
    def count(self) -> int:
        return len(self.mentions)

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, *_ in self.mentions))


def group(rows: Iterable[tuple[str, int, int, str, int | None]]) -> list[UnplacedName]:
    """``(article id, start, end, text, passage index)`` rows → names (casefolded, spaces
    collapsed), most mentioned first, then by name."""
    by_key: dict[str, list] = {}
    spellings: dict[str, dict[str, int]] = {}
    for aid, start, end, text, pidx in rows:
        key = " ".join(text.casefold().split())
        by_key.setdefault(key, []).append((aid, start, end, pidx))
        counts = spellings.setdefault(key, {})
        counts[text] = counts.get(text, 0) + 1
    names = [UnplacedName(max(spellings[k].items(), key=lambda kv: (kv[1], kv[0]))[0], tuple(v))
             for k, v in by_key.items()]
    return sorted(names, key=lambda n: (-n.count, n.name.casefold(), n.name))


def unplaced_csv(names: list[UnplacedName]) -> str:
    """``output/unplaced.csv``: name, mentions, articles, and the first mention's article and
    passage (its anchor in ``articles/<id>.html`` is ``p<passage>``)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "mentions", "articles", "first_article", "first_passage"])
    for n in names:
        aid, _, _, pidx = n.mentions[0]
        w.writerow([_cell(n.name), n.count, len(n.articles), aid, "" if pidx is None else pidx])
    return out.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet must not run an article's text as a formula (=, +, -, @ first)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
