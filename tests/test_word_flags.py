"""Per-word flags (issue 9): ``Token.flags`` holds one bit per word class of the token's casefolded
word, computed once per distinct word, and the rules that read the flags decide as the set tests did."""
from __future__ import annotations

import pytest

from geomap import wordlists as w
from geomap.tokens import tokenize

CLASSES = [(w.MONTHS, w.MONTH), (w.WEEKDAYS, w.WEEKDAY), (w.STOPWORDS, w.STOP), (w.INSTITUTION, w.INSTITUTION_WORD),
           (w.STREET_WORDS, w.STREET), (w.ADMIN_WORDS, w.ADMIN), (w.TITLES, w.TITLE), (w.MEDIA, w.MEDIA_WORD),
           (w.DESCRIPTIVE, w.DESCRIPTIVE_WORD), (w.DOT_JOINERS, w.DOT_JOINER), (w.NOT_PLACES, w.NOT_PLACE),
           (w.FEATURE_HEADS, w.FEATURE_HEAD), (w.COMMON_OPENERS, w.COMMON_OPENER), (w.SAINT, w.SAINT_WORD),
           (w.NAME_SUFFIXES, w.NAME_SUFFIX), (w.FUNCTION_WORDS, w.FUNCTION_WORD),
           (w.FEATURE_SUFFIXES | w.FEATURE_PREFIXES | w.FEATURE_OF, w.FEATURE_WORD)]
EVERY_WORD = sorted(set().union(*(words for words, _ in CLASSES)) | {"kyiv", "paris", "x", "hope"})


def test_the_bits_are_distinct():
    bits = [bit for _, bit in CLASSES]
    assert len(set(bits)) == len(bits) and all(bit and not bit & (bit - 1) for bit in bits)


@pytest.mark.parametrize("word", EVERY_WORD)
def test_a_words_flags_are_exactly_its_classes(word):
    expected = 0
    for words, bit in CLASSES:
        if word in words:
            expected |= bit
    assert w.word_flags(word) == expected


@pytest.mark.parametrize("text, word, classes", [
    ("He said in May that Monday in Kyiv ...", "May", w.MONTH | w.FUNCTION_WORD | w.STOP),
    ("He said in May that Monday in Kyiv ...", "Monday", w.WEEKDAY),
    ("He said in May that Monday in Kyiv ...", "Kyiv", 0),
    ("the Washington Post and Gov. Perry", "Post", w.MEDIA_WORD | w.INSTITUTION_WORD if "post" in w.INSTITUTION
     else w.MEDIA_WORD),
    ("the Washington Post and Gov. Perry", "Gov", w.TITLE | w.DOT_JOINER),
    ("on Main Street near St. Louis", "Street", w.STREET),
    ("on Main Street near St. Louis", "St", w.word_flags("st")),
    ("the Hudson River's banks", "River", w.FEATURE_WORD | w.FEATURE_HEAD if "river" in w.FEATURE_HEADS
     else w.FEATURE_WORD),
])
def test_every_token_carries_its_words_flags(text, word, classes):
    toks = [t for t in tokenize(text) if t.text == word]
    assert toks and all(t.flags == classes == w.word_flags(t.lower) for t in toks)


def test_tokens_of_the_same_word_with_and_without_a_possessive_share_its_flags():
    toks = tokenize("Police said. The Police's car and POLICE and Police.")
    police = [t for t in toks if t.lower == "police"]
    assert len(police) == 4
    assert all(t.flags == w.word_flags("police") != 0 for t in police)
    assert [t.text for t in police] == ["Police", "Police", "POLICE", "Police"]
    assert [t.dot_after for t in police] == [False, False, False, True]
    assert [(t.start, t.end) for t in police] == [(0, 6), (17, 23), (34, 40), (45, 51)]   # "'s" left out
    first = tokenize("Kyiv's mayor. Kyiv's. Kyiv")
    assert [(t.text, t.start, t.end, t.dot_after) for t in first] == [
        ("Kyiv", 0, 4, False), ("Kyiv", 14, 18, False), ("Kyiv", 22, 26, False)]


def test_a_wrong_flag_changes_the_spans(monkeypatch):
    """The extractor reads the flags, not the sets: a word given the wrong class is judged by it."""
    from geomap import tokens
    from geomap.config import ParseConfig
    from geomap.extract import Extractor

    class Gaz:                                  # a gazetteer knowing only "marion" (a town)
        max_name_tokens = 3

        def lookup(self, keys):
            from types import SimpleNamespace
            place = SimpleNamespace(id="t:1")
            cand = SimpleNamespace(name_kind="name", feature="PPL", population=20_000, place=place)
            return {k: [cand] for k in keys if k == "marion"}

    text = "Officials in Marion met on Tuesday."
    assert [s.text for s in Extractor(Gaz(), ParseConfig()).spans(text)] == ["Marion"]
    real = tokens.word_flags
    monkeypatch.setattr(tokens, "word_flags", lambda lower: real(lower) | (w.MONTH if lower == "marion" else 0))
    assert Extractor(Gaz(), ParseConfig()).spans(text) == []
