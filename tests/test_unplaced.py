"""Names not placed (detection, storage, ``parse --unplaced``, ``unplaced.csv``) and ``geomap pin``."""
from __future__ import annotations

import json

import pytest

from geomap.cli import main
from geomap.config import ParseConfig, load_config
from geomap.errors import ConfigError
from geomap.extract import Extractor
from geomap.gazetteer import Gazetteer
from geomap.pinning import parse_coordinates, pin_entry, with_pin
from geomap.store import Store
from geomap.unplaced import group, unplaced_csv

from conftest import write, write_config


@pytest.fixture(scope="module")
def ex(gazetteer_path) -> Extractor:
    return Extractor(Gazetteer.open(gazetteer_path), ParseConfig())


def unplaced(ex: Extractor, text: str) -> list[str]:
    return [s.text for s in ex.spans(text) if s.unplaced]


def test_place_like_names_the_gazetteer_lacks_are_reported(ex):
    text = ("Troops advanced near Robotyne and in the village of Neskuchne, then took Staromaiorske "
            "and entered Klishchiivka.")
    assert unplaced(ex, text) == ["Robotyne", "Neskuchne"]


def test_other_capitalised_words_in_such_contexts_are_not(ex):
    text = ("In Brussels talks resumed in January. He served in Congress, spoke in English in "
            "Parliament near John Smith. Nearby, in Mr Ostrowski's view, nothing changed.")
    assert unplaced(ex, text) == []


def test_a_pinned_name_is_placed_not_unplaced(gazetteer_path):
    from geomap.config import Pin
    from geomap.resolve import Geoparser

    gp = Geoparser(Gazetteer.open(gazetteer_path), ParseConfig(pins=(Pin("Robotyne", lat=47.44, lon=35.82),)))
    (m,) = gp.parse("Fighting near Robotyne went on.")
    assert m.place is not None and m.place.lat == 47.44


def test_group_counts_names_across_spellings_and_articles():
    rows = [("a", 0, 8, "Robotyne", 0), ("a", 20, 28, "Robotyne", 1), ("b", 5, 13, "ROBOTYNE", 2),
            ("b", 30, 39, "Neskuchne", 2)]
    names = group(rows)
    assert [(n.name, n.count, n.articles) for n in names] == [
        ("Robotyne", 3, ("a", "b")), ("Neskuchne", 1, ("b",))]
    csv = unplaced_csv(names + group([("c", 0, 5, "=cmd|", None)]))
    assert csv.splitlines()[1] == "Robotyne,3,2,a,0"
    assert "'=cmd|,1,1,c," in csv                 # never a spreadsheet formula


def test_with_pin_keeps_comments_and_replaces_a_pin(tmp_path):
    text = ("# my settings\nparse:\n  demonyms: false  # keep\n  pin: {}   # names that always mean one place\n"
            "  #   Georgia: {id: x}\n  ignore: []\nmap:\n  title: War map   # shown on top\n")
    once = with_pin(text, pin_entry("Robotyne", lat=47.4, lon=35.8), "Robotyne")
    twice = with_pin(once, pin_entry("Robotyne", lat=47.5, lon=35.9), "Robotyne")
    for comment in ("# my settings", "# keep", "# names that always mean one place", "#   Georgia: {id: x}",
                    "# shown on top"):
        assert comment in twice
    assert twice.count("Robotyne") == 1 and '"Robotyne": {lat: 47.5, lon: 35.9}' in twice
    path = write(tmp_path / "config" / "geomap.yaml", twice)
    (pin,) = load_config(path, tmp_path).parse.pins
    assert (pin.name, pin.lat, pin.lon) == ("Robotyne", 47.5, 35.9)


def test_coordinates_are_checked():
    assert parse_coordinates("47.4378, 35.8247") == (47.4378, 35.8247)
    for bad in ("47.4", "north", "91,0", "0,181"):
        with pytest.raises(ConfigError):
            parse_coordinates(bad)


def test_parse_unplaced_and_pin_end_to_end(project, gazetteer_path, capsys):
    write_config(project, gazetteer_path, "parse:\n  pin: {}   # user's comment\n")
    write(project / "articles" / "front.txt",
          "Front line\n\nUkrainian troops advanced near Robotyne, south of Zaporizhzhia.\n")
    root = ["--root", project]
    assert main([str(a) for a in root + ["parse", project / "articles", "--unplaced"]]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in records] == ["Robotyne"] and records[0]["lat"] is None

    assert main([str(a) for a in root + ["refresh", "-q"]]) == 0
    csv = (project / "output" / "unplaced.csv").read_text()
    assert "Robotyne,1,1," in csv
    with Store(next(project.rglob("*.sqlite"))) as store:
        assert [n.name for n in store.unplaced_names()] == ["Robotyne"]

    code = main([str(a) for a in root + ["pin", "Robotyne", "47.4378,35.8247",
                                          "--article", project / "articles" / "front.txt"]])
    out = capsys.readouterr().out
    assert code == 0 and "1 re-parsed" in out and "Robotyne -> Robotyne (47.4378, 35.8247)" in out
    yaml_text = (project / "config" / "geomap.yaml").read_text()
    assert "# user's comment" in yaml_text and '"Robotyne": {lat: 47.4378, lon: 35.8247}' in yaml_text
    assert "Robotyne" not in (project / "output" / "unplaced.csv").read_text()


def test_pin_refuses_bad_input_and_writes_nothing(project, gazetteer_path, capsys):
    config = write_config(project, gazetteer_path, "parse:\n  pin: {}\n")
    before = config.read_text()
    assert main(["--root", str(project), "pin", "Robotyne", "95,3"]) == 2
    assert main(["--root", str(project), "pin", "Kyiv", "--id", "geonames:1"]) == 2
    assert main(["--root", str(project), "pin", "Robotyne"]) == 2
    write(project / "articles" / "other.txt", "Other\n\nNothing here.\n")
    assert main(["--root", str(project), "pin", "Robotyne", "47,35", "--article",
                 str(project / "articles" / "other.txt")]) == 2
    err = capsys.readouterr().err
    assert "out of range" in err and "no place 'geonames:1'" in err and "does not mention" in err
    assert config.read_text() == before
