"""The Geoparser end to end on the real (reduced) gazetteer: which place each name means, and why."""
from __future__ import annotations

import pytest

from geomap.config import ParseConfig, Pin
from geomap.extract import Span
from geomap.gazetteer import Candidate, normalize
from geomap.model import Place
from geomap.resolve import Geoparser, Resolver


def places(gp: Geoparser, text: str) -> dict[str, tuple]:
    """``{mention text: (place name, kind, country, admin1)}`` (the last mention wins)."""
    out = {}
    for m in gp.parse(text):
        assert text[m.start:m.end] == m.text
        out[m.text] = (m.place.name, m.place.kind, m.place.country, m.place.admin1) if m.place else None
    return out


def test_paris_texas_versus_paris(gp):
    assert places(gp, "The fair opened in Paris, Texas on Friday.")["Paris"][2:] == ("US", "Texas")
    assert places(gp, "The fair opened in Paris on Friday.")["Paris"][2] == "FR"


def test_a_bare_repeat_keeps_the_qualified_sense(gp):
    text = "PARIS, Texas — The council met on Monday. Paris residents were not surprised."
    found = places(gp, text)
    assert found["PARIS"][2:] == found["Paris"][2:] == ("US", "Texas")


def test_state_qualifiers_and_abbreviations(gp):
    found = places(gp, "Students from Athens, Ga. and Springfield, Illinois attended.")
    assert found["Athens"][2:] == ("US", "Georgia")
    assert found["Springfield"][2:] == ("US", "Illinois")
    assert found["Ga."][1] == "admin1"


def test_georgia_country_or_state_by_context(gp):
    us = places(gp, "Storms hit Atlanta and Savannah, and Georgia declared an emergency.")
    assert us["Georgia"][1:3] == ("admin1", "US")
    world = places(gp, "Talks in Tbilisi and Moscow: Georgia and Russia traded accusations.")
    assert world["Georgia"][1:3] == ("country", "GE")


def test_an_appositive_says_which_georgia(gp):
    text = ("Wine from Tbilisi reached Atlanta. Georgia the country exports it; importers in "
            "Georgia, the state, sell it.")
    found = [(m.place.kind, m.place.country) for m in gp.parse(text) if m.text == "Georgia"]
    assert found == [("country", "GE"), ("admin1", "US")]


@pytest.mark.parametrize("text, kind", [
    ("He flew from Atlanta to Tbilisi, the capital of the country of Georgia.", "country"),
    ("She left Tbilisi for Savannah, in the US state of Georgia.", "admin1"),
    ("Sales rose in Georgia (the country) and in Batumi.", "country"),
    ("Sales rose in Tbilisi and in Georgia (the state).", "admin1"),
])
def test_appositive_patterns_before_and_after_the_name(gp, text, kind):
    assert places(gp, text)["Georgia"][1] == kind


def test_bare_repeats_follow_the_nearest_appositive_before_them(gp):
    text = ("Tbilisi and Atlanta trade wine. Georgia the country grows it. Georgia has old cellars. "
            "Buyers in Georgia, the state, import it. Every shop in Georgia stocks it.")
    found = [m.place.kind for m in gp.parse(text) if m.text == "Georgia"]
    assert found == ["country", "country", "admin1", "admin1"]


def test_an_appositive_without_a_candidate_of_its_kind_changes_nothing(gp):
    assert places(gp, "Talks in the state of Israel and in Jordan.")["Israel"][1] == "country"


@pytest.mark.parametrize("text, name", [
    ("Barges wait on the Red River, which forms the border with Oklahoma, near Dallas.", "Red River"),
    ("In Belgrade the Sava flows into the Danube.", "Sava"),
    ("The ferry left Atlantic City and crossed the Atlantic to Lisbon.", "Atlantic"),
    ("Europe's longest river is the Volga; Samara and Volgograd lie on it.", "Volga"),
])
def test_the_name_of_a_sea_or_river_means_the_water(gp, text, name):
    assert places(gp, text)[name][1] == "water"


def test_the_before_a_region_that_shares_a_sea_name_keeps_the_region(gp):
    assert places(gp, "Sea ice in the Arctic shrank again, scientists in Norway said.")["Arctic"][1] == "region"


def test_a_river_name_without_the_or_a_flow_verb_keeps_its_area(gp):
    assert places(gp, "Cyclone relief reached Sava and Antananarivo, Madagascar.")["Sava"][1:3] == ("admin1", "MG")


def test_a_state_named_exactly_is_the_state_not_the_city_it_is_an_alias_of(gp):
    assert places(gp, "Storms hit Oklahoma and Kansas.")["Oklahoma"][:2] == ("Oklahoma", "admin1")
    assert places(gp, "Storms hit Oklahoma City.")["Oklahoma City"][1] == "city"
    assert places(gp, "Crowds filled Kherson on Friday.")["Kherson"][1] == "city"


def test_kherson_region_is_the_oblast_and_kherson_the_city(gp):
    found = places(gp, "Shelling hit the Kherson region. In Kherson, the market burned.")
    assert found["Kherson region"][1] == "admin1"
    assert found["Kherson"][1] == "city"


@pytest.mark.parametrize("a, b", [("Kyiv", "Kiev"), ("Zaporizhzhia", "Zaporozhye"), ("Bakhmut", "Artemivsk")])
def test_spelling_variants_resolve_to_the_same_city(gp, a, b):
    first = gp.parse(f"Missiles struck {a} on Monday.")
    second = gp.parse(f"Missiles struck {b} on Monday.")
    assert first[0].place.id == second[0].place.id
    assert first[0].place.country == "UA"


def test_one_sense_per_name_per_article(gp):
    ms = [m for m in gp.parse("Springfield voted. Later, Springfield police said the Springfield mayor won.")
          if m.text == "Springfield"]
    assert len(ms) == 3 and len({m.place.id for m in ms}) == 1


def test_nearness_to_other_places_decides(gp):
    found = places(gp, "Flooding closed roads between Dallas, Fort Worth and Arlington.")
    assert found["Arlington"][2:] == ("US", "Texas")


def test_possible_readings_of_other_names_pull_together(gp):
    """No name is sure here, but only the English readings of the two lie close together."""
    found = places(gp, "Shops in Morecambe and Lancaster gave away food.")
    assert found["Lancaster"][2] == "GB" and found["Morecambe"][2] == "GB"


def test_scores_are_confidences_and_mentions_are_ordered(gp):
    text = "Aid reached Kenya, Nairobi and Mombasa, then Paris, Texas and Paris, Kentucky."
    ms = gp.parse(text)
    assert ms == sorted(ms, key=lambda m: m.start)
    assert all(0.0 <= m.score <= 1.0 for m in ms)
    assert all(a.end <= b.start for a, b in zip(ms, ms[1:]))
    assert ms[0].score > 0.9                   # a country with no namesake of note


def test_explain_names_the_choice_the_runner_up_and_why(gp):
    (m,) = [m for m in gp.parse("The fair opened in Paris, Texas.", explain=True) if m.text == "Paris"]
    assert m.explain[0].startswith("chose Paris")
    assert any(line.startswith("runner-up") for line in m.explain)
    assert m.runner_up is not None and m.runner_up.id != m.place.id
    assert gp.parse("The fair opened in Paris.")[0].explain == ()


def test_pins_and_min_score(gaz):
    lyon = gaz.lookup(["lyon"])["lyon"][0].place
    cfg = ParseConfig(pins=(Pin("Paris", place_id=lyon.id), Pin("Wakanda", lat=1.5, lon=2.5, country="XW")))
    ms = Geoparser(gaz, cfg).parse("From Paris to Wakanda.", explain=True)
    assert [(m.text, m.place.id) for m in ms] == [("Paris", lyon.id), ("Wakanda", "pin:Wakanda")]
    assert (ms[1].place.lat, ms[1].place.lon, ms[1].place.country) == (1.5, 2.5, "XW")
    assert "pinned" in ms[0].explain[0]
    strict = Geoparser(gaz, ParseConfig(min_score=0.99)).parse("Springfield and Kenya.")
    assert [m.text for m in strict] == ["Kenya"]


def test_a_pinned_small_town_is_never_dropped(gaz):
    welch = _town("t:1", "Welch", 37.43, -81.58, 3_900, "West Virginia", "WV")
    spans = [Span(0, 5, "Welch", "welch", [welch])]
    assert Resolver(gaz, ParseConfig()).resolve("Welch met officials.", spans) == []
    pinned = Resolver(gaz, ParseConfig(pins=(Pin("Welch", lat=37.43, lon=-81.58),))).resolve(
        "Welch met officials.", spans)
    assert [s.text for s, *_ in pinned] == ["Welch"]


def test_demonym_option_maps_to_the_country(gaz):
    text = "Ukrainian officials met in Warsaw."
    assert [m.text for m in Geoparser(gaz, ParseConfig()).parse(text)] == ["Warsaw"]
    ms = Geoparser(gaz, ParseConfig(demonyms=True)).parse(text)
    assert [(m.text, m.place.country, m.place.kind) for m in ms][0] == ("Ukrainian", "UA", "country")


def _town(pid: str, name: str, lat: float, lon: float, pop: int, admin1: str, code: str) -> Candidate:
    place = Place(pid, name, lat, lon, "US", "city", pop, admin1)
    return Candidate(place, normalize(name), "name", "PPL", code, pop)


def test_one_word_hamlets_need_support_from_the_article(gaz):
    """A word whose only candidates are small towns is a place only when the article backs it
    (here: a neighbouring town); alone it reads as a surname or a brand."""
    welch = _town("t:1", "Welch", 37.43, -81.58, 3_900, "West Virginia", "WV")
    bluefield = _town("t:2", "Bluefield", 37.27, -81.22, 10_400, "West Virginia", "WV")
    text = "Welch met Bluefield officials."
    spans = [Span(0, 5, "Welch", "welch", [welch]), Span(10, 19, "Bluefield", "bluefield", [bluefield])]
    resolved = Resolver(gaz, ParseConfig()).resolve(text, spans)
    assert [(s.text, c.place.id) for s, c, *_ in resolved] == [("Welch", "t:1"), ("Bluefield", "t:2")]
    alone = Resolver(gaz, ParseConfig()).resolve("Welch met officials.", spans[:1])
    assert alone == []


def test_a_street_is_placed_at_the_nearest_town_with_a_low_score(gp):
    ms = gp.parse("Police closed Main Street in Springfield, Illinois on Monday.", explain=True)
    street = next(m for m in ms if m.text == "Main Street")
    town = next(m for m in ms if m.text == "Springfield")
    assert street.place.id == town.place.id and street.score < 0.5
    assert "street" in street.explain[0]


def test_a_pin_to_an_unknown_gazetteer_id_is_a_config_error(gaz):
    """A typo in a pinned id must not silently unplace every mention of the name."""
    from geomap.errors import ConfigError

    with pytest.raises(ConfigError, match="parse.pin.Kherson.id") as info:
        Geoparser(gaz, ParseConfig(pins=(Pin("Kherson", place_id="geonames:0000000"),)))
    assert "geonames:0000000" in str(info.value)
