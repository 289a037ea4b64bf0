"""Synthetic news articles that mention real places, for the refresh benchmark.

Deterministic (seeded). Place names come from the offline gazetteer (its most populous cities,
countries and first-level regions), so the geoparser has real work to do: lookups, context,
disambiguation. Articles use the saved-news-page format (date line, headline, byline,
``Published`` line, paragraphs of ~40-80 words), with the names woven into news-like sentences.
"""
from __future__ import annotations

import itertools
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

_SENTENCES = (
    "Officials in {a} said on {day} that talks with delegates from {b} would resume next week.",
    "Residents of {a} reported power cuts after the storm moved towards {b}.",
    "An aid convoy left {a} for {b} early in the morning, according to local authorities.",
    "Prices of grain shipped from {a} rose sharply, traders in {b} said.",
    "The mayor of {a} met business leaders to discuss the new rail link.",
    "Protesters gathered in the centre of {a} for a third day.",
    "Flights between {a} and {b} were cancelled because of fog.",
    "Police said the investigation had been handed to prosecutors in {a}.",
    "Schools reopened on {day} after repairs to the heating system were finished.",
    "Farmers near {a} expect a smaller harvest than last year.",
    "The company plans to open a factory outside {a} by the end of the year.",
    "Water supplies were restored to most districts, the utility said.",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FIRST = ("Anna", "Tomas", "Maria", "Olena", "James", "Amira", "Kenji", "Lucia", "Ivan", "Sara")
_LAST = ("Kowalski", "Reyes", "Novak", "Haddad", "Okafor", "Lindqvist", "Moreau", "Tanaka")


def place_names(gazetteer: Path, n: int = 3000) -> list[str]:
    """The ``n`` most populous places of the gazetteer (cities, countries, admin-1), by name."""
    db = sqlite3.connect(f"file:{gazetteer}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT DISTINCT name FROM places WHERE kind IN ('city', 'country', 'admin1') "
                          "AND name NOT LIKE '%,%' ORDER BY population DESC LIMIT ?", (n,))
        return [r[0] for r in rows]
    finally:
        db.close()


def article_text(rng: random.Random, names: list[str], cum_weights: list[float], day: date) -> str:
    """One article in the saved-news-page format, 4-8 paragraphs."""
    pick = lambda: rng.choices(names, cum_weights=cum_weights)[0]  # noqa: E731
    paragraphs = []
    for _ in range(rng.randint(4, 8)):
        sentences = [rng.choice(_SENTENCES).format(a=pick(), b=pick(), day=rng.choice(_DAYS))
                     for _ in range(rng.randint(3, 5))]
        paragraphs.append(" ".join(sentences))
    headline = f"{pick()} and {pick()} agree on new measures"
    byline = f"By {rng.choice(_FIRST)} {rng.choice(_LAST)}"
    return (f" date {day.isoformat()} World\n{headline}\n\n{byline}\n"
            f"Published {day.strftime('%d %b %Y')}, 09:{rng.randint(10, 59)} GMT\n"
            + "\n\n".join(paragraphs) + "\n")


def write_articles(folder: Path, count: int, names: list[str], *, seed: int = 1,
                   start: int = 0, day: date | None = None) -> list[Path]:
    """Write articles ``start .. start+count-1`` into ``folder`` (Zipf-like choice of names),
    article ``i`` dated ``2024-01-01 + i % 700`` days, or every one ``day`` when given."""
    rng = random.Random(seed * 1_000_003 + start)
    cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(names))))
    folder.mkdir(parents=True, exist_ok=True)
    first = date(2024, 1, 1)
    paths = []
    for i in range(start, start + count):
        path = folder / f"{i // 1000:03d}" / f"article-{i:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(article_text(rng, names, cum_weights,
                                     day or first + timedelta(days=i % 700)),
                        encoding="utf-8")
        paths.append(path)
    return paths
