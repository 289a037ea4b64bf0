"""Names the offline gazetteer lacks, looked up online in the article's context (geomap.geocode_unplaced).

geopy's real Nominatim and Photon classes talk HTTP to a loopback server replying in the services'
own JSON; time is faked on the rate limiter as in test_geocode.py.
"""
from __future__ import annotations

import pytest
from geopy import exc as geopy_exc  # noqa: F401  (imported for parity with test_geocode)

from geomap.config import GeocoderConfig
from geomap.geocode import MemoryCache
from geomap.geocode_unplaced import MAX_KM, article_context, place_unplaced
from geomap.model import Mention, Place
from tests.loopback import LoopbackServer, Reply
from tests.test_geocode import FakeTime, build, nominatim_config

BAKHMUT = Place("geonames:712451", "Bakhmut", 48.5947, 38.0003, "UA", "city", 73000, "Donetsk Oblast")
SOLEDAR = Place("geonames:697889", "Soledar", 48.6833, 38.0667, "UA", "city", 10000, "Donetsk Oblast")
UKRAINE = Place("geonames:690791", "Ukraine", 49.0, 32.0, "UA", "country", 44000000)


def nominatim_hit(name, lat, lon, cc, *, osm_class="place", osm_type="village", osm_id=1001, state="Donetsk Oblast"):
    """One result of Nominatim's /search?format=json&addressdetails=1, as the service sends it."""
    return {
        "place_id": 300000 + osm_id, "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node", "osm_id": osm_id, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
        "class": osm_class, "type": osm_type, "place_rank": 19, "importance": 0.3,
        "addresstype": osm_type, "name": name, "display_name": f"{name}, {state}, {cc.upper()}",
        "address": {osm_type if osm_class == "place" else "road": name, "state": state,
                    "country": cc.upper(), "country_code": cc},
        "boundingbox": [f"{lat - .01:.7f}", f"{lat + .01:.7f}", f"{lon - .01:.7f}", f"{lon + .01:.7f}"],
    }


def photon_hit(name, lat, lon, cc, *, key="place", value="village", osm_id=2001):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"osm_type": "N", "osm_id": osm_id, "osm_key": key, "osm_value": value,
                           "name": name, "countrycode": cc, "country": "Ukraine", "type": "other",
                           "state": "Donetsk Oblast"}}


def m(start, text, place=None, score=0.9, explain=()):
    return Mention(start, start + len(text), text, place, score if place else 0.0, explain)


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


@pytest.fixture
def fake_time():
    return FakeTime()


FRONT = [m(0, "Bakhmut", BAKHMUT), m(20, "Soledar", SOLEDAR), m(40, "Klishchiivka"), m(70, "Ukraine", UKRAINE)]


def test_context_is_the_articles_countries_and_clustered_towns():
    ctx = article_context(FRONT)
    assert ctx.countries == ("UA",)
    assert set(ctx.points) == {(BAKHMUT.lat, BAKHMUT.lon), (SOLEDAR.lat, SOLEDAR.lon)}   # not the country
    south, west, north, east = ctx.box()
    assert south < BAKHMUT.lat < north and west < BAKHMUT.lon < east and north - south < 3
    far = Place("geonames:1", "Lviv", 49.84, 24.03, "UA", "city")
    assert article_context([m(0, "Bakhmut", BAKHMUT), m(9, "Lviv", far)]).points == ()   # scattered


def test_a_missing_village_is_found_within_the_articles_context(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Klishchiivka", 48.5311, 37.9617, "ua")]))
    geocoder = build(nominatim_config(server), fake_time)

    placed, errors = place_unplaced(geocoder, FRONT)

    assert errors == []
    village = placed[2].place
    assert village.id == "nominatim:node/1001" and village.country == "UA" and village.kind == "city"
    assert placed[2].score > 0 and placed[:2] == FRONT[:2] and placed[3] == FRONT[3]
    request = server.requests_to("/search")[0]
    assert request.arg("q") == "Klishchiivka" and request.arg("countrycodes") == "ua"
    west, south, east, north = map(float, request.arg("viewbox").split(","))   # geopy: lon1,lat1,lon2,lat2
    assert south < 48.53 < north and west < 37.96 < east
    assert request.arg("bounded") in (None, "0")        # a preference, not a fence


def test_explain_says_the_service_placed_it_and_why(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Klishchiivka", 48.5311, 37.9617, "ua")]))
    geocoder = build(nominatim_config(server), fake_time)
    asked = [*FRONT[:2], m(40, "Klishchiivka", explain=("not in the offline gazetteer",))]

    placed, _ = place_unplaced(geocoder, asked)

    why = placed[2].explain[-1]
    assert why.startswith("nominatim: Klishchiivka") and "km from the article's places" in why


def test_each_name_and_context_is_asked_once_across_runs(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Klishchiivka", 48.5311, 37.9617, "ua")]))
    cache = MemoryCache()
    twice = [*FRONT, m(90, "Klishchiivka")]
    place_unplaced(build(nominatim_config(server), fake_time, cache), twice)
    again, _ = place_unplaced(build(nominatim_config(server), fake_time, cache), twice)
    assert len(server.requests_to("/search")) == 1
    assert again[2].place == again[4].place and again[2].place is not None


def test_not_found_stays_unplaced_and_is_remembered(server, fake_time):
    server.add("/search", Reply.json([]))
    cache = MemoryCache()
    placed, errors = place_unplaced(build(nominatim_config(server), fake_time, cache), FRONT)
    assert placed == FRONT and errors == [] and len(cache) == 1
    place_unplaced(build(nominatim_config(server), fake_time, cache), FRONT)
    assert len(server.requests_to("/search")) == 1


def test_among_namesakes_the_one_near_the_articles_places_wins(server, fake_time):
    server.add("/search", Reply.json([
        nominatim_hit("Andriivka", 50.52, 30.05, "ua", osm_id=1),          # Kyiv oblast, 560 km away
        nominatim_hit("Andriivka", 48.50, 37.97, "ua", osm_id=2),          # next to Bakhmut
        nominatim_hit("Andriivka", 47.20, 38.90, "ru", osm_id=3, state="Rostov Oblast"),
    ]))
    placed, _ = place_unplaced(build(nominatim_config(server), fake_time),
                               [*FRONT[:2], m(40, "Andriivka")])
    assert placed[2].place.id == "nominatim:node/2"


def test_an_answer_outside_the_context_is_refused(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Klishchiivka", 50.9, 26.2, "ua")]))   # Rivne oblast
    placed, errors = place_unplaced(build(nominatim_config(server), fake_time), FRONT)
    assert placed[2].place is None and errors == []
    assert MAX_KM < 600


def test_an_answer_in_another_country_is_refused(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Klishchiivka", 48.53, 37.96, "ru")]))
    placed, _ = place_unplaced(build(nominatim_config(server), fake_time), FRONT)
    assert placed[2].place is None


@pytest.mark.parametrize("osm_class,osm_type", [("shop", "bakery"), ("amenity", "cafe"), ("office", "company")])
def test_a_result_that_is_not_a_place_is_refused(server, fake_time, osm_class, osm_type):
    server.add("/search", Reply.json([nominatim_hit("Azov", 48.59, 38.0, "ua", osm_class=osm_class,
                                                    osm_type=osm_type)]))
    placed, _ = place_unplaced(build(nominatim_config(server), fake_time), [*FRONT[:2], m(40, "Azov")])
    assert placed[2].place is None


def test_a_landmark_is_accepted_with_kind_landmark(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Vuhlehirska TPP", 48.4633, 38.2206, "ua",
                                                    osm_class="power", osm_type="plant")]))
    placed, _ = place_unplaced(build(nominatim_config(server), fake_time),
                               [*FRONT[:2], m(40, "Vuhlehirska TPP")])
    assert placed[2].place.kind == "landmark"


def test_a_street_only_inside_the_articles_town(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Chaikovskoho Street", 48.60, 38.01, "ua",
                                                    osm_class="highway", osm_type="residential")]),
               query={"q": "Chaikovskoho Street"})
    server.add("/search", Reply.json([nominatim_hit("Chaikovskoho Street", 48.95, 38.49, "ua",
                                                    osm_class="highway", osm_type="residential")]),
               query={"q": "Chaikovskoho Street West"})
    geocoder = build(nominatim_config(server), fake_time)
    placed, _ = place_unplaced(geocoder, [*FRONT[:2], m(40, "Chaikovskoho Street"),
                                          m(70, "Chaikovskoho Street West")])
    assert placed[2].place is not None        # in Bakhmut
    assert placed[3].place is None            # 60 km away: not the street the article means


def test_an_outage_leaves_the_name_unplaced_uncached_and_reported(server, fake_time):
    server.add("/search", Reply(status=429, headers={"Retry-After": "30"}))
    cache = MemoryCache()
    placed, errors = place_unplaced(build(nominatim_config(server, max_retries=0), fake_time, cache), FRONT)
    assert placed[2].place is None and len(errors) == 1 and "429" in errors[0]
    assert len(cache) == 0


def test_a_timeout_leaves_the_name_unplaced(server, fake_time):
    server.add("/search", Reply.json([], delay=3.0))
    geocoder = build(nominatim_config(server, timeout=0.3, max_retries=0), fake_time)
    placed, errors = place_unplaced(geocoder, FRONT)
    assert placed[2].place is None and "no reply within" in errors[0]


def test_photon_is_biased_to_the_middle_of_the_articles_places(server, fake_time):
    server.add("/api", Reply.json({"type": "FeatureCollection", "features": [
        photon_hit("Klishchiivka", 48.5311, 37.9617, "UA")]}))
    photon = build(GeocoderConfig(service="photon", options={"domain": server.netloc, "scheme": "http"}),
                   fake_time)
    placed, errors = place_unplaced(photon, FRONT)
    assert placed[2].place.id == "photon:node/2001" and errors == []
    request = server.requests_to("/api")[0]
    assert 48 < float(request.arg("lat")) < 49.5 and 37 < float(request.arg("lon")) < 39
    assert "countrycodes" not in request.query


def test_no_article_context_still_refuses_non_places(server, fake_time):
    server.add("/search", Reply.json([nominatim_hit("Robotyne", 47.45, 35.84, "ua")]),
               query={"q": "Robotyne"})
    placed, _ = place_unplaced(build(nominatim_config(server), fake_time), [m(0, "Robotyne")])
    assert placed[0].place is not None and "countrycodes" not in server.requests[0].query
