"""The places on the map that a name, in any language or form, means (``geomap search`` lists
them above the articles it finds, and finds the articles that mention them in any form).

A place is found by

- its name (``Kyiv``) or any form the articles write it in (``Києва``, ``Киеве``, ``Kiev``),
  compared as gazetteer keys (:func:`geomap.gazetteer.normalize`: case, diacritics, й/и, ї/і);
- an inflected form the articles never wrote (``Херсоном``), through the lemmas of the query and of
  the written forms (pymorphy3, Ukrainian and Russian; only for Cyrillic text);
- any other name the gazetteer knows for it (``Київ`` finds the Kyiv that English articles named);
- else a prefix of its name or of a written form (``Херс``).

Read-only: the store is opened, queried and closed; nothing is written.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geomap.gazetteer.names import is_cyrillic, normalize
from geomap.model import Place

if TYPE_CHECKING:
    from geomap.gazetteer import Gazetteer
    from geomap.store import Store

MAX_KEYS = 24          # lemma combinations per name of several words


@dataclass(frozen=True, slots=True)
class PlaceHit:
    place: Place
    mentions: int
    articles: int
    written: tuple[str, ...]        # the forms the articles write it in, most frequent first
    exact: bool                     # False: found by a prefix only


def name_keys(name: str) -> frozenset[str]:
    """The gazetteer key of ``name`` and, for Cyrillic text, the keys of its lemmas (every word
    as written or as one of its lemmas, in Ukrainian and Russian)."""
    key = normalize(name)
    if not key or not any("\u0400" <= ch <= "\u04ff" for ch in key) or not is_cyrillic(name):
        return frozenset({key})
    from geomap.lang.morph import word_forms

    words = name.replace("-", " ").split()
    options = [dict.fromkeys(f for lang in ("uk", "ru") for f in word_forms(w, lang)) for w in words]
    combos = itertools.islice(itertools.product(*options), MAX_KEYS)
    return frozenset({key} | {normalize(" ".join(c)) for c in combos})


def find_places(store: "Store", query: str, gazetteer: "Gazetteer | None" = None) -> list[PlaceHit]:
    """The stored places ``query`` names, exact matches first (most mentioned first), then
    prefix matches."""
    wanted = name_keys(query)
    prefix = normalize(query)
    if not prefix:
        return []
    forms: dict[str, dict[str, int]] = defaultdict(dict)
    for place_id, text, n in store.written_forms():
        forms[place_id][text] = n
    articles = store.article_counts()
    also = set()
    if gazetteer is not None:
        also = {c.place.id for cands in gazetteer.lookup(wanted).values() for c in cands}
    hits = []
    for place in store.places():
        written = forms.get(place.id, {})
        names = [place.name, *written]
        exact = place.id in also or any(wanted & name_keys(n) for n in names)
        if not exact and not any(normalize(n).startswith(prefix) for n in names):
            continue
        ordered = tuple(sorted(written, key=lambda t: (-written[t], t)))
        hits.append(PlaceHit(place, sum(written.values()), articles.get(place.id, 0), ordered, exact))
    hits.sort(key=lambda h: (not h.exact, -h.mentions, h.place.name))
    return hits
