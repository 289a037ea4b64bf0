"""The extractor's machinery: windows of keys (bounded memory), the per-article state, the bounded
memo and shared token strings. The rules themselves are tested in test_extract.py."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from geomap import extract
from geomap._memo import BoundedCache
from geomap.config import ParseConfig
from geomap.extract import ArticleState, Extractor
from geomap.gazetteer import Gazetteer
from geomap.tokens import Match, Span, runs, tokenize

TEXTS = [
    "Poltava " * 60,
    "New York New York Sea of Azov Bosnia and Herzegovina Kherson Kherson region Paris Texas " * 8,
    "President Jordan Henderson met Paris Hilton in Florence Alabama and Saint Vincent and the Grenadines.\n"
    "Gov. Rick Perry of Texas, the Washington Post said. Hudson River Kyiv Lviv Odesa Main Street Kharkiv.",
    "Police in Paris, Texas, and Athens, Ga., said so. " * 30,
]


def _spans(ex: Extractor, text: str) -> list[tuple]:
    return [(s.start, s.end, s.key, s.admin_hint, s.street, s.unplaced, len(s.candidates)) for s in ex.spans(text)]


@pytest.mark.parametrize("window", [1, 2, 3, 7, 50])
def test_windows_of_keys_find_the_same_spans_as_one_lookup(gaz, monkeypatch, window):
    whole = [_spans(Extractor(gaz, ParseConfig()), text) for text in TEXTS]
    assert all(whole)                          # every text names places: the comparison means something
    monkeypatch.setattr(extract, "WINDOW_TOKENS", window)
    assert [_spans(Extractor(gaz, ParseConfig()), text) for text in TEXTS] == whole


class _CountingGazetteer:
    """The real gazetteer, counting the keys of each lookup."""

    def __init__(self, gaz: Gazetteer):
        self.gaz, self.sizes = gaz, []
        self.max_name_tokens = gaz.max_name_tokens

    def lookup(self, keys):
        keys = list(keys)
        self.sizes.append(len(keys))
        return self.gaz.lookup(keys)


def test_keys_are_looked_up_a_window_at_a_time_not_for_the_whole_article(gaz, monkeypatch):
    monkeypatch.setattr(extract, "WINDOW_TOKENS", 40)
    counting = _CountingGazetteer(gaz)
    names = [f"Zq{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(600)]   # distinct unknown words
    text = " ".join(names) + ".\n" + ". ".join(names) + "."                           # one long run, then 600 runs
    Extractor(counting, ParseConfig()).spans(text)
    assert sum(counting.sizes) >= 600 and len(counting.sizes) > 10
    assert max(counting.sizes) <= 40 * extract.MAX_NAME_TOKENS


def test_article_state_finds_neighbouring_matches_and_marks_persons():
    text = "Gov. Rick Perry Texas Kherson"
    run = runs(text, tokenize(text))[0]
    matches = [Match(2, 3, "perry", []), Match(3, 4, "texas", []), Match(5, 6, "x", [])]
    state = ArticleState(text)
    state.start_run(run, matches)
    state.index = 1
    assert state.match_before(matches[1]) is matches[0]
    assert state.match_after(matches[1]) is None          # the next match starts at token 5, not 4
    state.index = 0
    assert state.match_before(matches[0]) is None and state.match_after(matches[0]) is matches[1]
    state.mark_person(1, str.casefold)                    # "Rick Perry Texas Kherson": up to the run's end
    assert state.persons == {"kherson"} and state.in_person(1) and state.in_person(4) and not state.in_person(0)
    state.start_run(run, matches)
    assert not state.in_person(1)                         # a new run forgets the person's token range
    assert state.shared("Kherson" + "") is state.shared("".join(["Kher", "son"]))


def test_article_state_drops_a_persons_surname_alone_and_overlaps():
    from geomap.tokens import Span

    state = ArticleState("Perry")
    state.persons.add("perry")
    state.keep(Span(10, 15, "Texas", "texas"), True)      # kept out of order: sorted by start
    state.keep(Span(0, 5, "Perry", "perry"), True)
    state.keep(Span(12, 20, "as regio", "x"))
    assert [s.key for s in state.spans(frozenset())] == ["texas"]
    assert [s.key for s in state.spans(frozenset({"perry"}))] == ["perry", "texas"]


def test_bounded_cache_starts_afresh_at_its_limit():
    cache = BoundedCache(3)
    for k in "abc":
        assert not cache.make_room()
        cache[k] = k
    assert cache.make_room() and cache == {}
    cache["a"] = 1
    assert cache.make_room(2) is False and cache.make_room(3) is True
    with pytest.raises(ValueError):
        BoundedCache(0)


def test_every_occurrence_of_a_word_shares_its_strings():
    toks = tokenize("Poltava and " + "Poltava " * 3)
    assert len(toks) == 4 and all(t.text is toks[0].text and t.lower is toks[0].lower for t in toks)
    assert toks[0].lower == "poltava"


_INTERVALS = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_INTERVALS, _INTERVALS)
def test_matches_outside_the_named_spans_are_those_overlapping_none(match_cuts, named_cuts):
    """The linear walk keeps exactly the matches the pairwise overlap test keeps."""
    from geomap.extract_rules import outside as _outside
    from geomap.tokens import Span, Token

    run = [Token(2 * k, 2 * k + 1, "X", "x", False, False, False) for k in range(60)]   # token k: [2k, 2k+1)
    matches, k = [], 0
    for gap, size in match_cuts:               # sorted, disjoint token ranges, as the matcher gives them
        i = k + gap % 4
        if i + size > len(run):
            break
        matches.append(Match(i, i + size, "x", []))
        k = i + size
    named = [Span(a, a + size, "", "") for a, size in named_cuts]      # any character ranges, overlapping too
    expected = [m for m in matches if not any(s.start < run[m.j - 1].end and run[m.i].start < s.end for s in named)]
    assert _outside(matches, run, named) == expected


# -- the cyclic collector paused while an article is read ---------------------------------------------

class _Watching:
    """A gazetteer that records whether the cyclic collector was on at each lookup."""

    def __init__(self, gaz, fail: bool = False):
        self.gaz, self.fail, self.seen = gaz, fail, []

    def __getattr__(self, name):
        return getattr(self.gaz, name)

    def lookup(self, keys):
        import gc

        self.seen.append(gc.isenabled())
        if self.fail:
            raise RuntimeError("lookup failed")
        return self.gaz.lookup(keys)


def test_the_collector_is_paused_while_reading_and_resumed_after(gaz):
    import gc

    watching = _Watching(gaz)
    ex = Extractor(watching, ParseConfig())
    assert gc.isenabled()
    spans = ex.spans("Police in Paris, Texas, and Athens, Ga., said so. " * 30)
    assert spans and watching.seen and not any(watching.seen)   # paused during the lookups
    assert gc.isenabled()                                        # and on again after


def test_a_collector_off_before_stays_off_and_an_error_resumes_it(gaz):
    import gc

    ex = Extractor(_Watching(gaz), ParseConfig())
    gc.disable()
    try:
        ex.spans("Kyiv and Lviv.")
        assert not gc.isenabled()              # the caller's choice is kept
    finally:
        gc.enable()
    failing = Extractor(_Watching(gaz, fail=True), ParseConfig())
    with pytest.raises(RuntimeError):
        failing.spans("Kyiv and Lviv.")
    assert gc.isenabled()


def test_spans_drop_a_span_reaching_into_the_next_and_keep_all_when_none_does():
    """ArticleState.spans: a span overlapping the one before it is dropped (an "X region" extension
    reaching the next name), a street kept before its run's names is put in order, and when nothing
    is dropped the kept list itself comes back."""
    text = "Kherson region Kyiv and Lviv, then Main Street."
    state = ArticleState(text)
    state.keep(Span(0, 14, "Kherson region", "kherson", []))
    state.keep(Span(8, 19, "region Kyiv", "region kyiv", []))   # starts inside the one before
    state.keep(Span(24, 28, "Lviv", "lviv", []))
    assert [(s.start, s.end) for s in state.spans(frozenset())] == [(0, 14), (24, 28)]
    state = ArticleState(text)
    state.keep(Span(35, 46, "Main Street", "main street", [], street=True))
    state.keep(Span(0, 7, "Kherson", "kherson", []))
    assert [(s.start, s.end) for s in state.spans(frozenset())] == [(0, 7), (35, 46)]
    state = ArticleState(text)
    state.keep(Span(0, 7, "Kherson", "kherson", []))
    state.keep(Span(15, 19, "Kyiv", "kyiv", []))
    assert state.spans(frozenset()) is state.kept


def test_a_doubled_possessive_ending_a_run_is_looked_up_by_its_word(gaz):
    """"Kyiv's's" after a "Kyiv's" is the token "Kyiv" over "Kyiv's" (tokens.iter_tokens): at the end
    of a longer run it is looked up as "kyiv", as it is alone (the run's last token takes the word)."""
    ex = Extractor(gaz, ParseConfig())
    text = "Kyiv's people. Then Lviv Kyiv's's stuff."
    spans = [(s.start, s.end, s.key) for s in ex.spans(text)]
    assert (25, 31, "kyiv") in spans
    assert (20, 24, "lviv") in spans
