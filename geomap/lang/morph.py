"""Lemmas of Cyrillic words from pymorphy3's dictionaries (Ukrainian and Russian), memoised.

A place name in Ukrainian or Russian is inflected: ``Херсоні``, ``Києва``, ``в Азовском море``.
The gazetteer stores names in the nominative; the extractor looks up each word as written and
each of its lemmas (``Херсоні`` → ``херсон``). For names of several words, whose adjectives agree
with their noun (``Чорне море`` / ``Чорному морі``), the index also stores the *lemma key*, the
name with every word replaced by its lemma (``чорнии море``), and the extractor looks up the same
key built from the words as written (:func:`word_forms`).

The analysers are loaded on first use (about 0.15 s and 50 MB for both), so English-only runs
never pay for them. Lookups are memoised per (word, language): news repeats the same names.
"""
from __future__ import annotations

from functools import lru_cache

MAX_LEMMAS = 3          # lemmas per word kept for lookups (pymorphy orders parses by likelihood)
# Tags of pymorphy3 that say what kind of proper name a word is.
PERSON_TAGS = frozenset({"Name", "Surn", "Patr"})
PLACE_TAG = "Geox"


@lru_cache(maxsize=2)
def analyzer(lang: str):
    """The pymorphy3 analyser of ``lang`` (``uk`` or ``ru``), loaded once."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@lru_cache(maxsize=200_000)
def parses(word: str, lang: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """``(lemma, grammemes)`` of every parse of ``word`` in ``lang``, most likely first
    (lemmas are lowercase; duplicates of one lemma with the same tags are merged)."""
    out: list[tuple[str, frozenset[str]]] = []
    for p in analyzer(lang).parse(word):
        item = (p.normal_form, frozenset(p.tag.grammemes))
        if item not in out:
            out.append(item)
    return tuple(out)


@lru_cache(maxsize=200_000)
def lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Distinct lemmas of ``word`` (lowercase), noun readings first (a name is a noun: the
    adjective "Донецький" must not hide the city in "Донецьку"), at most ``MAX_LEMMAS``."""
    out: list[str] = []
    found = parses(word, lang)
    for lemma, _ in sorted(found, key=lambda p: "NOUN" not in p[1]):
        if lemma not in out:
            out.append(lemma)
            if len(out) == MAX_LEMMAS:
                break
    return tuple(out)


@lru_cache(maxsize=200_000)
def word_forms(word: str, lang: str) -> tuple[str, ...]:
    """The word itself (lowercase), its lemmas and, for an adjective, its nominative of the same
    gender (``Лозовій`` → ``лозова``: towns named by an adjective are stored so): what a name's
    word may be in the index."""
    low = word.lower()
    return tuple(dict.fromkeys((low, *lemmas(word, lang), *adjective_nominatives(word, lang))))


@lru_cache(maxsize=200_000)
def adjective_nominatives(word: str, lang: str) -> tuple[str, ...]:
    """``word``'s adjective readings put in the nominative, gender and number kept."""
    out = []
    for p in analyzer(lang).parse(word)[:4]:
        if "ADJF" in p.tag.grammemes and "nomn" not in p.tag.grammemes:
            form = p.inflect({"nomn"})
            if form is not None and form.word not in out:
                out.append(form.word)
    return tuple(out)


@lru_cache(maxsize=200_000)
def nominative_lemma(word: str, lang: str) -> str:
    """The lemma of ``word`` read as a nominative (how names are stored), else its first lemma.
    Used by the index builder for the lemma keys of names of several words."""
    found = parses(word, lang)
    for lemma, tags in found:
        if "nomn" in tags:
            return lemma
    return found[0][0] if found else word.lower()


@lru_cache(maxsize=200_000)
def noun_lemmas(word: str, lang: str) -> frozenset[str]:
    """The lemmas of ``word``'s noun readings (lowercase)."""
    found = parses(word, lang)
    return frozenset(lemma for lemma, tags in found if "NOUN" in tags)


_FUNCTION_TAGS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ", "Apro", "Anum"})


def is_function_word(word: str, lang: str) -> bool:
    """Some reading is a pronoun, preposition, conjunction or particle: a capitalised sentence
    start such as "Того" (not Togo), "Вона", "Між" is not a name (the Ukrainian dictionary
    orders readings arbitrarily, so any reading counts)."""
    return any(tags & _FUNCTION_TAGS for _, tags in parses(word, lang))


def is_preposition(word: str, lang: str) -> bool:
    """The most likely reading is a preposition, conjunction or particle ("Між" after a dash)."""
    found = parses(word, lang)
    return bool(found) and bool(found[0][1] & {"PREP", "CONJ", "PRCL"})


def is_adjective(word: str, lang: str) -> bool:
    """The most likely reading is an adjective ("Черноморского", "Восточной")."""
    found = parses(word, lang)
    return bool(found) and "ADJF" in found[0][1]


def is_person_word(word: str, lang: str) -> bool:
    """pymorphy3 reads ``word`` as a person's name (first name, surname or patronymic) before
    anything else, never as a place, a thing or in the locative case ("Шевченко", "Путин"; not
    "Покровська", an adjective first, nor "Лиман", also a common noun, nor "Кобрині", a locative)."""
    found = parses(word, lang)
    return bool(found) and bool(found[0][1] & PERSON_TAGS) and not any(
        PLACE_TAG in tags or "inan" in tags or "loct" in tags or "loc2" in tags for _, tags in found)


def may_be_person(word: str, lang: str) -> bool:
    """Some reading of ``word`` is a person's name (after a title: "президент Зеленський")."""
    return any(tags & PERSON_TAGS for _, tags in parses(word, lang))


def is_first_name(word: str, lang: str) -> bool:
    """Some reading of ``word`` is a first name (``Владимир``, ``Віталій``)."""
    return any("Name" in tags for _, tags in parses(word, lang))


# Endings of Ukrainian and Russian surnames and patronymics (for words the dictionaries lack).
SURNAME_ENDINGS = ("енко", "ський", "цький", "ська", "цька", "ский", "цкий", "ская", "цкая", "ович",
                   "евич", "івна", "ївна", "овна", "евна", "чук", "щук", "юк", "ук")


def may_be_surname(word: str, lang: str) -> bool:
    """``word`` reads as a surname or a patronymic (``Зеленський``, ``Андрухович``)."""
    return word.lower().endswith(SURNAME_ENDINGS) or any(
        tags & {"Surn", "Patr"} for _, tags in parses(word, lang))
