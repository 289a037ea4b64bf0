"""A long run judged window by window (geomap.extract_window): the same spans as judging it whole,
and its matches judged as the windows come, not held until the run ends (issue 9)."""
from __future__ import annotations

import pytest

from geomap import extract
from geomap.config import ParseConfig
from geomap.extract import Extractor
from geomap.extract_window import streamable
from geomap.tokens import runs, tokenize

# One run each (no sentence punctuation): persons whose names run on across windows, a newspaper,
# streets, a name the gazetteer lacks at the start, neighbouring matches ("Florence Alabama").
LONG_RUNS = [
    "Poltava " * 300,
    "Kyiv Lviv Rick Perry Texas Kherson Main Street Kharkiv Jordan Henderson Paris Hilton Gov Perry Odesa "
    "Washington Post Kherson Florence Alabama New York City Odesa Kharkiv Garnett Ridge Drive Texas " * 25,
    "fighting near " + "Robotyne and Kyiv Kharkiv Mr Putin Moscow Berlin Vladimir Putin Paris Ohio State Ohio Texas " * 30,
    "Zqab and Zqcd " + "Lviv Gainesville Police Atlanta Kharkiv " * 40,
]


def _spans(ex: Extractor, text: str) -> list[tuple]:
    return [(s.start, s.end, s.text, s.key, s.admin_hint, s.street, s.unplaced, s.demonym, s.dateline,
             s.place_like, tuple(s.reasons), len(s.candidates)) for s in ex.spans(text)]


def test_the_long_runs_are_streamed():
    for text in LONG_RUNS:
        assert len(runs(text, tokenize(text))) == 1 and streamable(runs(text, tokenize(text))[0])
    text = "Lviv Hudson River Kyiv"
    assert not streamable(runs(text, tokenize(text))[0])   # a feature's word: judged whole


@pytest.mark.parametrize("window", [1, 2, 3, 5, 17])
def test_a_long_run_judged_window_by_window_gives_the_spans_of_the_whole_run(gaz, monkeypatch, window):
    whole = [_spans(Extractor(gaz, ParseConfig()), text) for text in LONG_RUNS]
    assert all(len(spans) > 20 for spans in whole)
    assert any(s[5] for s in whole[1]) and any(s[6] for s in whole[2])   # streets and an unplaced name met
    monkeypatch.setattr(extract, "WINDOW_TOKENS", window)
    assert [_spans(Extractor(gaz, ParseConfig()), text) for text in LONG_RUNS] == whole


def test_a_long_runs_matches_are_judged_as_the_windows_come(gaz, monkeypatch):
    """The first match is judged before the last window's keys are looked up: the run's matches are
    not all held at once (a 20 MB run holds millions)."""
    monkeypatch.setattr(extract, "WINDOW_TOKENS", 40)
    events = []

    class Recording:
        max_name_tokens = gaz.max_name_tokens

        def lookup(self, keys):
            events.append("lookup")
            return gaz.lookup(keys)

    ex = Extractor(Recording(), ParseConfig())
    judge = ex._judge
    monkeypatch.setattr(ex, "_judge", lambda state, m: events.append("judge") or judge(state, m))
    names = [f"Zq{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(400)]   # new keys in each window
    spans = ex.spans(" ".join(f"{name} Kyiv" for name in names))
    assert len(spans) == 400
    assert events.index("judge") < len(events) - 1 - events[::-1].index("lookup")
    assert events.count("lookup") > 10


# Runs whose tokens are read a window at a time (RunStream): a person's name running on over many
# windows (closed by a connector, or by the run's end), an unplaced name at the start of a run whose
# street comes windows later (then no unplaced name), a feature word later in the paragraph, a
# newspaper's words after a name.
STREAMED_RUNS = [
    "Lviv Gov Rick " + "Perry " * 120 + "of Kyiv " + "Kherson Odesa " * 40,
    "Kyiv Mr " + "Poltava " * 150,
    "fighting near Robotyne and " + "Kyiv Lviv " * 60 + "Garnett Ridge Drive Kharkiv",
    "fighting near Robotyne and " + "Kyiv Lviv " * 60 + "Kharkiv",
    "Odesa " * 80 + "Lviv Hudson River Kyiv",
    "Kyiv " * 70 + "Washington Post Kherson " + "Lviv " * 30,
]


def test_a_streamed_run_holds_a_window_of_tokens_and_gives_the_spans_of_the_whole_run(gaz, monkeypatch):
    from geomap import extract_window

    whole = [_spans(Extractor(gaz, ParseConfig()), text) for text in STREAMED_RUNS]
    assert not any(s[1] - s[0] > 20 for s in whole[0][:3])          # Gov Rick Perry...: a person, no place
    assert any(s[6] for s in whole[3]) and not any(s[6] for s in whole[2])   # the street cancels "Robotyne"
    held = []
    read = extract_window.RunStream.read

    def recording(self, upto):
        read(self, upto)
        held.append(len(self) - self.base)

    monkeypatch.setattr(extract_window.RunStream, "read", recording)
    for window in (3, 7, 16):
        monkeypatch.setattr(extract, "WINDOW_TOKENS", window)
        held.clear()
        assert [_spans(Extractor(gaz, ParseConfig()), text) for text in STREAMED_RUNS] == whole
        assert held and max(held) <= 2 * window + 20                 # a window, not the run's 150+ tokens


# Long runs holding natural features (the bench's ``streets`` kind): features next to streets and to
# multi-word gazetteer names that win over them ("Black Sea Fleet", "New York City"), a feature and a
# street starting at one token ("Mount Vernon Street"), prefix, suffix and "of" features, a feature
# late in the run cancelling the unplaced name at its start, a person's name before a river.
FEATURE_RUNS = [
    "Main Street Hudson River " * 60,
    "fighting near Robotyne and " + "Kyiv Lviv " * 60 + "Zqxy River Kharkiv",
    "Lake Opechee Black Sea Fleet Mount Vernon Street Sea of Azov Kherson New York City River Odesa "
    "Fort Hood Cape Cod Bay Jordan River Kyiv Gov Rick Perry River Lake " * 12,
    "Kyiv " * 50 + "Hudson River Zqxy Lake " + "Lviv " * 50 + "Lake Zqab",
]


def test_a_run_with_natural_features_is_streamed_and_gives_the_spans_of_the_whole_run(gaz, monkeypatch):
    from geomap import extract_window

    whole = [_spans(Extractor(gaz, ParseConfig()), text) for text in FEATURE_RUNS]
    reasons = [r for spans in whole for s in spans for r in s[10]]
    assert any("natural feature" in r for r in reasons) and any("a street" in r for r in reasons)
    assert not any(s[6] and s[0] < 30 for s in whole[1])               # the river cancels "Robotyne"
    held: list[int] = []
    read = extract_window.RunStream.read

    def recording(self, upto):
        read(self, upto)
        held.append(len(self) - self.base)

    monkeypatch.setattr(extract_window.RunStream, "read", recording)
    for window in (1, 2, 3, 5, 7, 16):
        monkeypatch.setattr(extract, "WINDOW_TOKENS", window)
        for text, spans in zip(FEATURE_RUNS, whole):
            held.clear()
            assert _spans(Extractor(gaz, ParseConfig()), text) == spans, (window, text[:40])
            assert held and max(held) <= 2 * window + 30                 # streamed: a window of tokens
