"""Online answers carry who placed them and their data credit (issue 15): the map's attribution,
each pop-up's row and the place page; offline maps stay as they were."""
from __future__ import annotations

import dataclasses

from geomap.credits import map_credits, online_service, origin_note
from geomap.model import Place
from geomap.render.map import render_map
from geomap.render.place_page import render_place

from test_render import KHERSON, make_data, payload, row_for

ROBOTYNE = Place("nominatim:relation/123", "Robotyne", 47.45, 35.84, "UA", "city")
BRIDGE = Place("photon:way/9", "Kerch <Bridge>", 45.3, 36.5, "UA", "landmark")
GOOGLE = Place("googlev3:abc", "Somewhere", 1.0, 2.0, "KE", "admin1")


def test_the_service_is_read_from_the_place_id_offline_ids_have_none():
    assert online_service(ROBOTYNE.id) == "nominatim" and online_service(BRIDGE.id) == "photon"
    for offline in ("geonames:706448", "geomap:sea-of-azov", "pin:Robotyne", "geonames:1/landmark/x"):
        assert online_service(offline) is None
    assert origin_note(KHERSON) == ""
    assert origin_note(ROBOTYNE) == ("Placed online by Nominatim as a city · "
                                     "© OpenStreetMap contributors (ODbL)")
    assert origin_note(GOOGLE).startswith("Placed online by Google as an admin1 · data from Google")


def test_map_credits_once_per_service_osm_ones_with_the_odbl():
    credits = map_credits([ROBOTYNE, dataclasses.replace(ROBOTYNE, id="nominatim:node/5"), BRIDGE,
                           KHERSON])
    assert len(credits) == 2
    assert all("openstreetmap.org/copyright" in c and "(ODbL)" in c for c in credits)
    assert map_credits([KHERSON]) == []


def _with(place: Place):
    data = make_data([("a1", ["Shelling in Kherson today."], "Kherson news", "2024-05-01")])
    record = data.places[0]
    data.places[0] = dataclasses.replace(record, place=place)
    return data


def test_an_online_place_credits_its_service_in_the_attribution_and_its_popup_row(tmp_path):
    from geomap.config import default_config

    config = default_config(tmp_path)
    data = payload(render_map(_with(dataclasses.replace(ROBOTYNE, name="Kherson")), config, []))
    assert "OpenStreetMap</a> contributors (ODbL)" in data["attribution"]
    assert "Online places: Nominatim" in data["attribution"]
    row = row_for(data, ROBOTYNE.id)
    assert row[14] == origin_note(dataclasses.replace(ROBOTYNE, name="Kherson"))
    offline = payload(render_map(_with(KHERSON), config, []))
    assert "Online places" not in offline["attribution"] and row_for(offline, KHERSON.id)[14] == 0


def test_the_place_page_says_who_placed_it_escaped(tmp_path):
    data = _with(dataclasses.replace(BRIDGE, name="Kherson"))
    page = render_place(data.places[0], data.articles, map_title="Map", region_labels={})
    assert "Placed online by Photon as a landmark · © OpenStreetMap contributors (ODbL)" in page
    hostile = _with(dataclasses.replace(BRIDGE, id="evil<script>:x", kind="<b>x</b>"))
    page = render_place(hostile.places[0], hostile.articles, map_title="Map", region_labels={})
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
