"""A synthetic MapData at production scale, for the renderer's benchmark.

Deterministic (seeded). Defaults: 10,000 articles, 30,000 places, 200,000 mentions. Every place is
mentioned at least once; the rest of the mentions follow a Zipf-like law, as in real news (a few
capitals everywhere, a long tail of villages). Article text is made of pseudo-words in paragraphs of
realistic length (~40-70 words) with the place names written into it at the recorded offsets, and a
few hostile strings (``<script>``, ``</script>``, in 1% of paragraphs) so the escaping is exercised
at scale too.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from geomap.model import Passage, Place
from geomap.render.data import ArticleRecord, MapData, MentionRecord, PlaceRecord

_SYLLABLES = ("ka", "ro", "vi", "ne", "lu", "sha", "mir", "pol", "dor", "zan", "ki", "ev", "ost",
              "grad", "ha", "ty", "bel", "mo", "ry", "an")
_WORDS = ("the", "officials", "said", "on", "tuesday", "forces", "near", "town", "residents",
          "reported", "shelling", "aid", "convoy", "arrived", "in", "after", "talks", "with",
          "local", "authorities", "power", "was", "restored", "to", "of", "and", "a", "port")
_HOSTILE = "</script><script>alert(1)</script>"   # in 1 paragraph of 100: rare, as in real news
KINDS = ("city",) * 8 + ("admin1", "admin2", "country", "water", "region")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def make_places(n: int, rng: random.Random) -> list[Place]:
    """``n`` places scattered over Europe, Africa and Asia (lat -35..70, lon -20..140)."""
    return [Place(f"synth:{i}", _name(rng), round(rng.uniform(-35, 70), 5),
                  round(rng.uniform(-20, 140), 5), rng.choice(("UA", "RU", "PL", "TR", "EG", "IN")),
                  rng.choice(KINDS), rng.randint(0, 3_000_000), _name(rng))
            for i in range(n)]


def _mention_places(n_places: int, n_mentions: int, rng: random.Random) -> list[int]:
    """Place indexes, one per mention: each place once, then a Zipf-like draw, shuffled."""
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(n_places)]
    picks = list(range(n_places)) + rng.choices(range(n_places), weights, k=n_mentions - n_places)
    rng.shuffle(picks)
    return picks


def _paragraph(rng: random.Random, names: list[str]) -> tuple[str, list[tuple[int, int, int]]]:
    """A paragraph of pseudo-words with ``names`` written in; returns text and (start, end, i)."""
    words = [rng.choice(_WORDS) for _ in range(rng.randint(40, 70))]
    if rng.random() < 0.01:
        words[rng.randrange(len(words))] = _HOSTILE
    slots = sorted(rng.sample(range(len(words)), len(names)))
    parts, spans, pos = [], [], 0
    slot_names = dict(zip(slots, range(len(names))))
    for w_index, word in enumerate(words):
        if pos:
            parts.append(" ")
            pos += 1
        if w_index in slot_names:
            i = slot_names[w_index]
            spans.append((pos, pos + len(names[i]), i))
            word = names[i]
        parts.append(word)
        pos += len(word)
    return "".join(parts) + ".", spans


def synth_map_data(n_articles: int = 10_000, n_places: int = 30_000, n_mentions: int = 200_000,
                   *, seed: int = 1) -> MapData:
    """The synthetic MapData (about 20 mentions per article in ~3 per paragraph)."""
    rng = random.Random(seed)
    places = make_places(n_places, rng)
    picks = _mention_places(n_places, n_mentions, rng)
    per_article = [picks[i::n_articles] for i in range(n_articles)]
    mentions: list[list[MentionRecord]] = [[] for _ in range(n_places)]
    articles: dict[str, ArticleRecord] = {}
    first_day = date(2022, 2, 24)
    for a_index, chosen in enumerate(per_article):
        article_id = f"synth-article-{a_index:05d}-{a_index * 2654435761 % 2**32:08x}"
        title = f"{places[chosen[0]].name} report {a_index}" if chosen else f"Report {a_index}"
        text_parts, passages, article_mentions = [title], [Passage(0, 0, len(title))], []
        pos = len(title) + 2
        for chunk_start in range(0, len(chosen), 3):
            chunk = chosen[chunk_start:chunk_start + 3]
            para, spans = _paragraph(rng, [places[p].name for p in chunk])
            index = len(passages)
            passages.append(Passage(index, pos, pos + len(para)))
            for start, end, i in spans:
                p = chunk[i]
                article_mentions.append((pos + start, pos + end, places[p].id))
                mentions[p].append(MentionRecord(article_id, pos + start, pos + end,
                                                 places[p].name, index, 0.8))
            text_parts.append(para)
            pos += len(para) + 2
        published = (first_day + timedelta(days=rng.randint(0, 900))).isoformat()
        articles[article_id] = ArticleRecord(
            article_id, title, published, "By Synthetic Desk", f"synth/{a_index}.txt",
            "\n\n".join(text_parts) + "\n", tuple(passages), article_mentions)
    records = [PlaceRecord(place, (f"layer/{i % 25}",) if i % 3 == 0 else (), mentions[i])
               for i, place in enumerate(places)]
    return MapData(records, articles)
