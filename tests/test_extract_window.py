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
