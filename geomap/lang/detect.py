"""The language of an article: ``en`` (or any Latin-script text), ``uk`` or ``ru``.

Per article, so that a mixed inbox works. Script first (a letter count over the first
``SAMPLE`` characters): Latin-script text is handed to the English rules unchanged, at the cost
of one regex scan. For Cyrillic text, Ukrainian and Russian are told apart by pymorphy3's two
dictionaries (the registry packages already loaded for lemmas): the share of the text's
lowercase words each one knows, plus the letters only one of the languages has (і ї є ґ /
ы э ъ ё). py3langid does the same job but costs ~1 s and ~110 MB to load its model (measured in
this project), five times the whole Cyrillic parse budget of a 40-article folder.
"""
from __future__ import annotations

import re
from functools import lru_cache

SAMPLE = 4000                 # characters looked at: a headline and a few paragraphs
MAX_WORDS = 60                # lowercase words checked against the dictionaries
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"(?<![\w'’ʼ])[а-яёіїєґ][а-яёіїєґ'’ʼ]{2,}(?![\w'’ʼ])")
_UK_LETTERS = frozenset("іїєґ")
_RU_LETTERS = frozenset("ыэъё")


def detect_language(text: str) -> str:
    """``uk``/``ru`` for Ukrainian/Russian text, else ``en`` (the English rules' default)."""
    sample = text[:SAMPLE]
    if not _CYRILLIC.search(sample):
        return "en"
    cyrillic = len(_CYRILLIC.findall(sample))
    if cyrillic <= len(_LATIN.findall(sample)):
        return "en"
    return _uk_or_ru(sample)


def _uk_or_ru(sample: str) -> str:
    score = 0.0
    for word in _WORD.findall(sample.lower())[:MAX_WORDS]:
        score += _vote(word)
    return "uk" if score >= 0 else "ru"


@lru_cache(maxsize=100_000)
def _vote(word: str) -> float:
    """+ for Ukrainian, - for Russian: which dictionary knows the word, which letters it has."""
    from geomap.lang.morph import analyzer

    letters = set(word)
    return (analyzer("uk").word_is_known(word) - analyzer("ru").word_is_known(word)
            + 2.0 * (bool(letters & _UK_LETTERS) - bool(letters & _RU_LETTERS)))
