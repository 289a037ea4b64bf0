"""The trap outcomes of the shipped sample articles (``articles/``), geoparsed with the real default
gazetteer: each sample was written around names a geoparser gets wrong (two Georgias, three Parises,
Cairo, Illinois, the Sea of Azov and the town Azov, old spellings, a person named after two towns,
rivers and oceans sharing their names with towns)."""
from __future__ import annotations

from pathlib import Path

import pytest

from geomap.articles import read_article
from geomap.config import ParseConfig
from geomap.gazetteer import Gazetteer
from geomap.resolve import Geoparser

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


@pytest.fixture(scope="session")
def parser() -> Geoparser:
    return Geoparser(Gazetteer.open(build=True), ParseConfig())     # the full default index, built once


@pytest.fixture(scope="session")
def parsed(parser) -> dict:
    """``{file name: (article text, mentions)}`` for every sample."""
    out = {}
    for path in sorted(ARTICLES.iterdir()):
        if path.suffix in (".txt", ".md"):
            article = read_article(path, root=ARTICLES)
            out[path.name] = (article.text, parser.parse(article.text))
    return out


def at(parsed: dict, name: str, phrase: str, word: str):
    """The mention of ``word`` inside the first occurrence of ``phrase`` in sample ``name``
    (None when the word was not reported as a place)."""
    text, mentions = parsed[name]
    where = text.index(phrase) + phrase.index(word)
    return next((m for m in mentions if m.start == where and m.text == word), None)


GEORGIAS = "2023-09-22-two-georgias-trade.txt"
PARIS = "2023-06-10-paris-texas-tower.txt"
MISSISSIPPI = "2011-05-15-mississippi-spillway.txt"
AZOV = "2022-05-20-mariupol-azovstal.txt"
KHERSON = "2022-11-11-kherson-liberation.txt"
BAKHMUT = "2023-05-21-bakhmut-claim.txt"
DANUBE = "2024-06-03-danube-capitals.md"


def test_georgia_the_country_and_georgia_the_state_in_one_article(parsed):
    country = at(parsed, GEORGIAS, "Georgia the country, a former", "Georgia")
    state = at(parsed, GEORGIAS, "importers in Georgia, the state,", "Georgia")
    after_state = at(parsed, GEORGIAS, "any address that mentions Georgia", "Georgia")
    assert (country.place.kind, country.place.country) == ("country", "GE")
    assert (state.place.kind, state.place.country) == ("admin1", "US")
    assert after_state.place.id == state.place.id


def test_three_parises(parsed):
    texas = at(parsed, PARIS, "PARIS, Texas", "PARIS")
    tennessee = at(parsed, PARIS, "replica in Paris, Tennessee", "Paris")
    assert (texas.place.country, texas.place.admin1) == ("US", "Texas")
    assert (tennessee.place.country, tennessee.place.admin1) == ("US", "Tennessee")
    france = at(parsed, PARIS, "in France", "France")
    assert france.place.kind == "country" and france.place.country == "FR"


def test_cairo_illinois(parsed):
    cairo = at(parsed, MISSISSIPPI, "Cairo, Illinois", "Cairo")
    assert (cairo.place.country, cairo.place.admin1) == ("US", "Illinois")


def test_sea_of_azov_is_the_sea_not_the_town(parsed):
    text, mentions = parsed[AZOV]
    azov = [m for m in mentions if "Azov" in m.text and "Azovstal" not in m.text]
    assert azov and all(m.text == "Sea of Azov" and m.place.kind == "water" for m in azov)


def test_kherson_region_is_the_oblast(parsed):
    region = at(parsed, KHERSON, "Kherson region", "Kherson region")
    assert region.place.kind == "admin1" and "Kherson" in region.place.name


def test_artemivsk_is_bakhmut(parsed):
    text, mentions = parsed[BAKHMUT]
    old = [m for m in mentions if m.text == "Artemivsk"]
    new = [m for m in mentions if m.text == "Bakhmut"]
    assert old and new
    assert {(m.place.lat, m.place.lon) for m in old} == {(new[0].place.lat, new[0].place.lon)}


def test_a_spokesperson_named_florence_kingston_is_no_place(parsed):
    assert at(parsed, KHERSON, "said Florence Kingston", "Florence") is None
    assert at(parsed, KHERSON, "said Florence Kingston", "Kingston") is None


@pytest.mark.parametrize("name, phrase, word", [
    (PARIS, "across the Atlantic", "Atlantic"),
    (GEORGIAS, "The state is on the Atlantic", "Atlantic"),
    (DANUBE, "after the Volga", "Volga"),
    (DANUBE, "where the Sava flows", "Sava"),
    (PARIS, "the Red River, which", "Red River"),
])
def test_oceans_and_rivers_are_water(parsed, name, phrase, word):
    mention = at(parsed, name, phrase, word)
    assert mention.place.kind == "water", mention.place


def test_oklahoma_is_the_state(parsed):
    oklahoma = at(parsed, PARIS, "border with Oklahoma", "Oklahoma")
    assert oklahoma.place.kind == "admin1" and oklahoma.place.country == "US"
