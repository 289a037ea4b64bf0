"""Judgements remembered by context, media_after's carried walk and the gazetteer's "a longer name goes
on" answer (geomap.extract_memo, Extractor._keys): the same spans as judging every match afresh, and a
neighbour or a word beyond the memo's window that changes the decision still changes it (issue 9)."""
from __future__ import annotations

import random

import pytest

from geomap import extract_memo, extract_state
from geomap.config import ParseConfig, Pin
from geomap.extract import Extractor
from geomap.extract_memo import MediaWalk
from geomap.extract_rules import media_after
from geomap.tokens import runs, tokenize
from geomap.wordlists import INSTITUTION, MEDIA


def _spans(ex: Extractor, text: str) -> list[tuple]:
    return [(s.start, s.end, s.text, s.key, s.admin_hint, s.street, s.unplaced, s.demonym, s.dateline,
             s.place_like, s.generic, tuple(s.reasons), tuple(c.place.id for c in s.candidates))
            for s in ex.spans(text)]


@pytest.fixture
def memos(monkeypatch):
    """Every JudgeMemo made, to check that the memo was used (not switched off nor skipped)."""
    made = []

    class Recorded(extract_memo.JudgeMemo):
        __slots__ = ()

        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(extract_state, "JudgeMemo", Recorded)
    monkeypatch.setattr(extract_state, "MIN_TEXT", 1000)   # (small texts keep the tests quick)
    return made


def _without_memo(gaz, text: str, monkeypatch, **config) -> list[tuple]:
    with monkeypatch.context() as m:
        m.setattr(extract_state, "MIN_TEXT", len(text) + 1)
        return _spans(Extractor(gaz, ParseConfig(**config)), text)


FILLER = "Officials in Kyiv said. "


@pytest.mark.parametrize("usual, odd, odd_is_place", [
    # the word before: a ship, not the city
    ("They saw Odesa today. ", "They saw the flagship Odesa today. ", False),
    # a newspaper word further after the name than the memo's text window reaches (media_after walks on)
    ("Poltava " + "Police " * 20 + "said. ", "Poltava " + "Police " * 20 + "Journal said. ", False),
    ("Poltava " + "Police " * 20 + "Journal said. ", "Poltava " + "Police " * 20 + "said. ", True),
    # the token after: a first name before a surname is a person
    ("Then Paris came. ", "Then Paris Hilton came. ", False),
    # the match after: a state holding the first name's town keeps it a place
    ("Florence Alabama spoke. ", "Florence Kingston spoke. ", False),
    # a generic word after the name, out of the token window
    ("They crossed Kherson on foot. ", "They crossed Kherson river on foot. ", True),
])
def test_a_changed_neighbour_changes_the_decision_after_many_remembered(gaz, monkeypatch, memos, usual, odd,
                                                                        odd_is_place):
    text = FILLER + usual * 800 + odd + usual * 3
    spans = _spans(Extractor(gaz, ParseConfig()), text)
    assert memos and memos[0].hits > 700              # the usual context was answered from the memo
    assert spans == _without_memo(gaz, text, monkeypatch)
    at = text.index(odd)
    odd_spans = [s for s in spans if at <= s[0] < at + len(odd)]
    usual_spans = [s for s in spans if at - len(usual) <= s[0] < at]
    assert len(odd_spans) != len(usual_spans) or [s[2] for s in odd_spans] != [s[2] for s in usual_spans]
    names = [s[2] for s in odd_spans]
    assert any(n in ("Odesa", "Poltava", "Florence", "Kherson river", "Paris") for n in names) == odd_is_place


def test_a_person_named_before_is_not_remembered_as_a_decision(gaz, monkeypatch, memos):
    """Marking a person's name is a side effect on the matches after it: never answered by the memo."""
    text = FILLER + "Sen. Jordan Kyiv spoke. Kyiv is near. " * 600
    spans = _spans(Extractor(gaz, ParseConfig()), text)
    assert spans == _without_memo(gaz, text, monkeypatch)
    assert memos[0].hits > 500


# Fragments whose neighbours change decisions: titles, first names, surnames, newspapers, institution
# words, ships, streets, features, generic words, speakers, connectors, punctuation.
FRAGMENTS = ["Kyiv", "Odesa", "Paris", "Texas", "Florence", "Alabama", "Hilton", "Jordan", "Henderson", "Poltava",
             "Post", "Journal", "Police", "State", "City", "Gov.", "Mr", "Sen.", "flagship", "said", "river", "dam",
             "Main Street", "Lake", "of", "and", "the", "in", "near", ",", ".", "'s", "Washington", "New York",
             "Sea", "Azov", "Jr.", "Union", "Kherson", "region", "Mobile", "mobile", "2009", "&", "virus"]


@pytest.mark.parametrize("seed", range(6))
def test_remembered_judgements_equal_fresh_ones_on_random_repetitive_text(gaz, monkeypatch, memos, seed):
    rng = random.Random(seed)
    units = [" ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(3, 9))) + " " for _ in range(12)]
    parts = []
    for _ in range(60):                        # a paragraph said again and again, one unit changed each time
        paragraph = units[:]
        paragraph[rng.randrange(len(units))] = rng.choice(FRAGMENTS) + " "
        parts += paragraph
    text = "".join(parts)
    text = text.replace(" ,", ",").replace(" .", ".").replace(" 's", "'s")
    assert _spans(Extractor(gaz, ParseConfig()), text) == _without_memo(gaz, text, monkeypatch)
    assert sum(m.hits for m in memos) > 100


def test_a_memo_that_seldom_hits_is_switched_off(gaz, monkeypatch, memos):
    rng = random.Random(1)
    words = [f"Zq{a}{b}" for a in "abcdefghij" for b in "abcdefghij"]
    text = "".join(f"In {rng.choice(words)} and Kyiv {rng.randint(0, 10**6)} things. " for _ in range(2500))
    assert _spans(Extractor(gaz, ParseConfig()), text) == _without_memo(gaz, text, monkeypatch)
    assert memos[0].tries == extract_memo.TRIAL      # no lookups after the trial


# -- media_after's carried walk ----------------------------------------------------------------------

class CountingRun(list):
    """A run that counts how many tokens are read from it."""

    reads = 0

    def __getitem__(self, k):
        CountingRun.reads += 1
        return super().__getitem__(k)


def test_the_carried_walk_answers_as_media_after_for_every_token():
    rng = random.Random(3)
    words = ["Police", "City", "Union", "Post", "Journal", "Kyiv", "Odesa", "Fire"]
    for _ in range(40):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 60)))
        (run,) = runs(text, tokenize(text))
        for tok in run:                        # some joints that stop the walk
            if rng.random() < 0.1:
                tok.joint = rng.choice(["dot", "connector", "possessive"])
        walk = MediaWalk()
        order = list(range(len(run) + 1)) if rng.random() < 0.5 else rng.sample(range(len(run) + 1), len(run) + 1)
        assert [walk(run, j) for j in order] == [media_after(run, j) for j in order]


def test_the_carried_walk_reads_a_hostile_run_once():
    """``Union City Union City ...``: every match's walk went to the run's end (quadratic)."""
    text = "Union City " * 2000
    (tokens,) = runs(text, tokenize(text))
    run = CountingRun(tokens)
    assert all(t.lower in INSTITUTION and t.lower not in MEDIA for t in run)
    CountingRun.reads = 0
    walk = MediaWalk()
    assert not any(walk(run, j) for j in range(1, len(run) + 1, 2))
    assert CountingRun.reads < 3 * len(run)
    CountingRun.reads = 0
    media_after(run, 1)
    assert CountingRun.reads >= len(run) - 1   # (what each match paid before)


# -- longer names tried only where the gazetteer has one going on -----------------------------------

NAMES = ["New York City", "Kyiv", "Sea of Azov", "Poltava", "St. Louis", "Bosnia and Herzegovina", "Martha's Vineyard",
         "Port-au-Prince", "Côte d'Ivoire", "Kherson Oblast", "Rio de Janeiro", "Buenos Aires", "Zqxa Zqxb Zqxc"]
SENTENCES = "".join(f"They went to {name} by car. " for name in NAMES)


def test_pruned_longer_names_find_the_same_matches(gaz, monkeypatch):
    class NoAnswer:                           # a gazetteer that cannot say whether a longer name goes on
        max_name_tokens = gaz.max_name_tokens

        def lookup(self, keys):
            return gaz.lookup(keys)

    asked = []

    class Answers(NoAnswer):
        def goes_on(self, key):
            asked.append(key)
            return gaz.goes_on(key)

    pins = (Pin("Zqxa Zqxb Zqxc", lat=1.0, lon=2.0),)   # a pinned name the gazetteer lacks
    for text in (SENTENCES * 20, " ".join(NAMES * 40), "Poltava " * 900):
        pruned = _spans(Extractor(Answers(), ParseConfig(pins=pins)), text)
        assert pruned == _spans(Extractor(NoAnswer(), ParseConfig(pins=pins)), text)
    assert "poltava" in asked and "poltava poltava" in asked
    names = {s[2] for s in _spans(Extractor(Answers(), ParseConfig(pins=pins)), SENTENCES)}
    assert {"New York City", "Zqxa Zqxb Zqxc", "Bosnia and Herzegovina", "Sea of Azov", "St. Louis"} <= names


def test_goes_on_reads_the_gazetteer_keys(gaz):
    assert gaz.goes_on("new") and gaz.goes_on("new york")
    assert not gaz.goes_on("kyiv kyiv") and not gaz.goes_on("zqxa")
