"""``geomap search`` and ``geomap.place_names``: a mapped place found by any of its names and
inflected forms, and the articles that mention it however they write it."""
from __future__ import annotations

import pytest

from conftest import write
from geomap.cli import main
from geomap.config import load_config
from geomap.gazetteer import Gazetteer
from geomap.place_names import find_places, name_keys
from geomap.search import search
from geomap.store import Store

UK = "Вибухи у Херсоні\n\nУ Херсоні знову вибухи, повідомили з Києва.\n"
RU = "Тихо в Киеве\n\nВ Киеве сегодня тихо, сообщили власти.\n"


@pytest.fixture
def searchable(mapped_project):
    write(mapped_project / "articles" / "kherson-uk.txt", UK)
    write(mapped_project / "articles" / "kiev-ru.txt", RU)
    assert main(["--root", str(mapped_project), "refresh", "--quiet"]) == 0
    return mapped_project


def names(store, query, gazetteer=None):
    return [(h.place.name, h.exact) for h in find_places(store, query, gazetteer)]


def test_any_written_form_an_inflected_form_or_another_name_finds_the_place(searchable, gazetteer_path):
    with Store(searchable / ".geomap" / "geomap.sqlite") as store, Gazetteer.open(gazetteer_path) as gaz:
        assert names(store, "Херсоні") == [("Kherson", True)]          # as written
        assert names(store, "Херсоном") == [("Kherson", True)]         # a form no article wrote
        assert names(store, "kherson") == [("Kherson", True)]          # its name, any case
        assert names(store, "Киев") == [("Kyiv", True)]                # Russian, lemma of "Киеве"
        assert names(store, "Київ") == [("Kyiv", True)]                # Ukrainian lemma of "Києва"
        assert names(store, "Kiev", gaz) == [("Kyiv", True)]           # a gazetteer name no article used
        assert names(store, "Kiev") == []
        assert names(store, "Херс") == [("Kherson", False)]            # a prefix
        hit = find_places(store, "Kyiv")[0]
        assert set(hit.written) == {"Києва", "Киеве"} and hit.articles == 2


def test_name_keys_reach_the_nominative_of_a_multi_word_name():
    assert "чорне море" in name_keys("Чорному морі")
    assert name_keys("Kyiv") == {"kyiv"}


def test_the_cli_lists_the_places_then_the_articles_and_exits_1_when_none(searchable, capsys):
    assert main(["--root", str(searchable), "search", "Києві"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("place: Kyiv (city, UA, ")
    assert "3 mentions in 2 articles; written Киеве, Києва" in out
    assert "Вибухи у Херсоні" in out and "Тихо в Киеве" in out      # articles, whatever form
    assert out.endswith("2 articles found\n")
    assert main(["--root", str(searchable), "search", "Атлантида"]) == 1
    assert "nothing matches" in capsys.readouterr().err


def test_a_place_named_in_another_form_finds_its_articles_by_the_passage_naming_it(searchable):
    config = load_config(None, searchable)
    results = search(config, "Херсоном")        # no article writes this form: FTS alone finds none
    assert [r.title for r in results] == ["Вибухи у Херсоні"]
    assert "Херсоні" in results[0].passage and "Kherson" in results[0].places
    assert search(config, "Херсоном", since="2030-01-01") == []      # filters still apply


def test_the_cli_without_a_store_says_to_refresh(mapped_project, capsys):
    assert main(["--root", str(mapped_project), "search", "Kyiv"]) == 1
    assert "run `geomap refresh` first" in capsys.readouterr().err
