"""The extractor on the real (reduced) gazetteer: spans, offsets and the not-a-place filters."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geomap.config import ParseConfig, Pin
from geomap.extract import Extractor, runs, tokenize


@pytest.fixture(scope="module")
def ex(gaz) -> Extractor:
    return Extractor(gaz, ParseConfig())


def texts(ex: Extractor, text: str) -> list[str]:
    spans = ex.spans(text)
    for s in spans:
        assert text[s.start:s.end] == s.text
    return [s.text for s in spans]


# -- tokens and runs -------------------------------------------------------------------------------

def test_tokens_keep_exact_offsets_and_drop_possessive():
    text = "Ukraine's army entered Kherson. Mr. O'Keeffe left the U.S. on Monday."
    toks = tokenize(text)
    assert [t.text for t in toks] == ["Ukraine", "Kherson", "Mr", "O'Keeffe", "U.S.", "Monday"]
    assert all(text[t.start:t.end] == t.text for t in toks)
    assert toks[0].sentence_start and not toks[1].sentence_start and toks[2].sentence_start
    assert not toks[3].sentence_start          # after the abbreviation "Mr."


def test_runs_join_connectors_hyphens_and_abbreviation_dots_but_not_sentences():
    text = "The Sea of Azov, St. Louis and Nebraska-Lincoln. Paris Hilton"
    groups = [[t.text for t in r] for r in runs(text, tokenize(text))]
    assert groups == [["The", "Sea", "Azov"], ["St", "Louis", "Nebraska", "Lincoln"], ["Paris", "Hilton"]]


# -- multi-word names and longest match -------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Ships sailed across the Sea of Azov at dawn.", ["Sea of Azov"]),
    ("She moved to New York City last year.", ["New York City"]),
    ("Shelling hit the Kherson region overnight.", ["Kherson region"]),
    ("Officials in the Donetsk region said so.", ["Donetsk region"]),
    ("The vote in Fulton County was counted twice.", ["Fulton County"]),
    ("Kherson Oblast was shelled again.", ["Kherson Oblast"]),
])
def test_longest_match_never_half_matches(ex, text, expected):
    assert texts(ex, text) == expected


def test_possessive_gives_the_place_alone(ex):
    assert texts(ex, "It was Ukraine's worst winter.") == ["Ukraine"]


def test_hyphenated_pairs_are_two_places_unless_one_name(ex):
    assert texts(ex, "He studied at Nebraska-Lincoln before moving.") == ["Nebraska", "Lincoln"]
    assert texts(ex, "Aid reached Guinea-Bissau in June.") == ["Guinea-Bissau"]
    assert texts(ex, "Aid reached Port-au-Prince in June.") == ["Port-au-Prince"]


def test_institutions_named_like_towns_and_fleets_named_after_seas(ex):
    assert texts(ex, "The International Committee of the Red Cross said so.") == []
    assert texts(ex, "The Black Sea Fleet left Sevastopol.") == ["Black Sea", "Sevastopol"]
    assert texts(ex, "Georgia, the US state, voted.") == ["Georgia", "US"]


def test_admin_word_is_recorded_as_a_hint(ex):
    (span,) = ex.spans("Troops left the Kherson region.")
    assert span.admin_hint == "region"
    (span,) = ex.spans("Troops left Kherson.")
    assert span.admin_hint == ""


def test_streets_are_one_span_and_hide_the_place_they_are_named_after(ex):
    text = "He lived at 1935 Orchard St., on Wichita Drive and off Highway 19 near St. Louis."
    spans = ex.spans(text)
    assert [(s.text, s.street) for s in spans] == [
        ("Orchard St.", True), ("Wichita Drive", True), ("Highway 19", True), ("St. Louis", False)]


def test_natural_features_missing_from_the_gazetteer_are_unresolved_spans_not_their_towns(ex):
    spans = ex.spans("Barges on the Neches River passed Lake Opechee, near Fort Hood and Fort Worth.")
    got = [(s.text, bool(s.candidates)) for s in spans]
    assert got == [("Neches River", False), ("Lake Opechee", False), ("Fort Hood", False), ("Fort Worth", True)]


def test_places_naming_diseases_and_currencies_are_not_mentions(ex):
    assert texts(ex, "West Nile virus and Marburg hemorrhagic fever cost US$5 million in Kenya.") == ["Kenya"]


# -- datelines and capitals ------------------------------------------------------------------------

def test_upper_case_datelines(ex):
    text = "PARIS, Texas — The council met.\nKYIV, Ukraine (AP) — Sirens sounded."
    spans = ex.spans(text)
    assert [s.text for s in spans] == ["PARIS", "Texas", "KYIV", "Ukraine"]
    assert spans[0].dateline and spans[2].dateline and not spans[1].dateline


def test_acronyms_are_not_towns(ex):
    assert texts(ex, "The WHO said AIDS cases fell in Kenya.") == ["Kenya"]


# -- not places ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Paris Hilton arrived late.",
    "Jordan Henderson scored twice.",
    "A painting by Georgia O'Keeffe was sold.",
    "The Washington Post reported it first.",
    "The Houston Rockets won again.",
    "Vladimir Putin spoke for an hour.",
])
def test_a_place_name_inside_a_longer_proper_name_is_rejected(ex, text):
    assert texts(ex, text) == []


@pytest.mark.parametrize("text", [
    "Gov. Rick Perry signed the bill.",
    "President Jordan signed the bill.",
    "Then Mr Lincoln left.",
    "Keith D. Henderson, 41, was arrested.",
])
def test_titles_first_names_and_initials_make_persons(ex, text):
    assert texts(ex, text) == []


@pytest.mark.parametrize("text", [
    "\"We will move soon,\" said Florence Kingston, a spokesperson.",
    "The report was written by Victoria Sydney and Austin Kingston.",
    "Jackson Memphis, 30, was arrested.",
])
def test_a_first_name_and_a_place_surname_make_a_person(ex, text):
    assert texts(ex, text) == []


def test_a_first_name_place_before_its_state_or_country_stays_a_place(ex):
    assert texts(ex, "Floods hit Florence Alabama and Paris France.") == ["Florence", "Alabama", "Paris", "France"]
    assert texts(ex, "Officials in Jackson County and Washington State met.") == ["Jackson County", "Washington State"]


def test_a_surname_seen_in_a_person_stays_a_person_when_alone(ex):
    text = "Rick Perry spoke in Austin. Later Perry left for Dallas."
    assert texts(ex, text) == ["Austin", "Dallas"]


def test_said_makes_a_speaker(ex):
    assert texts(ex, "Henderson said the road was closed.") == []
    assert texts(ex, "Russia said the road was closed.") == ["Russia"]   # a country speaks for its state
    assert texts(ex, "Tbilisi says the road was closed.") == ["Tbilisi"]  # and so does a capital


def test_speaker_rule_spares_places_after_a_preposition_or_before_a_noun(ex):
    assert texts(ex, "A former resident of Lubbock told reporters.") == ["Lubbock"]
    assert texts(ex, "The case is open, said Laconia police. Laconia is quiet.") == ["Laconia", "Laconia"]
    assert texts(ex, "The case is open, said Henderson.") == []


def test_multiword_connectors_and_medical_examiners(ex):
    assert texts(ex, "The forum met in Dar es Salaam.") == ["Dar es Salaam"]
    assert texts(ex, "The Tarrant County Medical Examiner said so.") == ["Tarrant County"]
    assert texts(ex, "The Florida Highway Patrol came.") == ["Florida"]


def test_newspaper_word_anywhere_in_the_name(ex):
    assert texts(ex, "The Lansing State Journal and the Atlanta Journal-Constitution agreed.") == []


def test_the_plus_common_noun_is_not_a_place(ex):
    assert texts(ex, "The City Council met in Dallas.") == ["Dallas"]


def test_firms_cars_and_name_suffixes(ex):
    assert texts(ex, "The firm Stevens & Wilkinson was paid in Dallas.") == ["Dallas"]
    assert texts(ex, "A 1992 Toyota Corolla crashed in Dallas.") == ["Dallas"]
    assert texts(ex, "In the times of Mr Carter and George Bush Sr. it was calm.") == []


def test_possessive_saints_and_org_heads_are_not_places(ex):
    assert texts(ex, "St. Patrick's Day parade in Boston.") == ["Boston"]
    assert texts(ex, "Agents from the FBI's Atlanta office came.") == ["Atlanta"]
    assert texts(ex, "Rep. Barbara Lee, D-Oakland, voted no.") == ["Oakland"]


def test_given_names_do_not_swallow_the_next_places(ex):
    assert texts(ex, "In Columbus, police agreed.") == ["Columbus"]
    assert texts(ex, "Olin L. Wethington of McLean, Virginia, spoke.") == ["McLean", "Virginia"]


@pytest.mark.parametrize("text", [
    "The festival ends in May.", "We met on Sunday.", "It opened in March and closed in August.",
])
def test_months_and_weekdays(ex, text):
    assert texts(ex, text) == []


def test_organisation_heads_and_newspapers(ex):
    assert texts(ex, "The Gainesville Police said the Chamber of Commerce closed.") == ["Gainesville"]
    assert texts(ex, "Officials at the White House said nothing.") == []
    assert texts(ex, "They cleaned up the Da Nang airport.") == ["Da Nang"]      # a city, not a building


def test_common_word_used_lowercase_in_the_article_is_not_a_small_town(ex, gaz):
    text = "Mobile phones were seized. A mobile unit came."
    assert "Mobile" not in texts(ex, text)


def test_sentence_start_function_words(ex):
    assert texts(ex, "Even so, officials in Ohio agreed.") == ["Ohio"]


def test_place_as_modifier_of_an_institution_is_kept(ex):
    found = texts(ex, "Ohio State University and the Atlanta Police Department.")
    assert [t.split()[0] for t in found] == ["Ohio", "Atlanta"]


# -- demonyms, pins, ignore ------------------------------------------------------------------------

def test_demonyms_off_by_default_and_mapped_when_on(gaz):
    text = "Ukrainian troops crossed the Russian border."
    assert Extractor(gaz, ParseConfig()).spans(text) == []
    spans = Extractor(gaz, ParseConfig(demonyms=True)).spans(text)
    assert [s.text for s in spans] == ["Ukrainian", "Russian"]
    assert all(s.demonym for s in spans)
    assert {c.place.country for s in spans for c in s.candidates} == {"UA", "RU"}


def test_ignore_and_pins(gaz):
    cfg = ParseConfig(ignore=frozenset({"paris"}), pins=(Pin("Wakanda", lat=1.0, lon=2.0),))
    ex = Extractor(gaz, cfg)
    assert [s.text for s in ex.spans("Paris and Wakanda and Lyon.")] == ["Wakanda", "Lyon"]


# -- robustness ------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("Paris Texas, Kyiv's U.S. Sea of Azov-—.\n'’ŁÉé的 \t(")) | st.characters(),
               max_size=200))
def test_any_text_never_crashes_and_offsets_slice(ex, text):
    spans = ex.spans(text)
    last = -1
    for s in spans:
        assert text[s.start:s.end] == s.text
        assert s.start >= last and s.end > s.start
        last = s.end


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["New", "York", "Kyiv", "Ukraine's", "U.S.", "St.", "Louis", "O'Keeffe",
                                  "Zaporizhzhia", "Côte", "d'Ivoire", "Guinea-Bissau", "KYIV"]),
                min_size=1, max_size=4))
def test_key_fast_path_agrees_with_normalize(gaz, words):
    from geomap.gazetteer import normalize

    ex = Extractor(gaz, ParseConfig())
    name = " ".join(words)
    assert ex._key(name) == normalize(name)


# -- the fast forms agree with the plain ones -------------------------------------------------------

_TOKEN_CHARS = st.text(alphabet=st.sampled_from(list("ABUSWVadlsxé'’. -_1\nÉÇΔД")) | st.characters(),
                       max_size=40)


@settings(max_examples=500, deadline=None)
@given(_TOKEN_CHARS)
def test_token_pattern_matches_its_plain_three_branch_form(text):
    import re

    from geomap.tokens import TOKEN as _TOKEN, UPPER as _UPPER

    plain = re.compile(rf"(?:[{_UPPER}][^\W\d_]{{0,2}}\.){{2,}}"      # U.S.
                       rf"|[{_UPPER}][^\W_]*(?:['’][^\W\d_]+)*"        # Kherson, O'Keeffe
                       rf"|[dl]['’][{_UPPER}][^\W_]*")                 # d'Ivoire
    assert [m.span() for m in _TOKEN.finditer(text)] == [m.span() for m in plain.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(_TOKEN_CHARS, st.sampled_from(["mobile", "a", "hope", "s", "é", "Hope", "x1", "us"]))
def test_lowercase_words_are_the_whole_lowercase_words_of_the_text(text, word):
    import re

    from geomap.tokens import LowercaseWords as _LowercaseWords

    words = _LowercaseWords(text + " mobile hopes")
    assert (word in words) == (word in set(re.findall(r"\b[a-z]+\b", text + " mobile hopes")))
