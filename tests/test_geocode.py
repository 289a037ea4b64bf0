"""geomap.geocode against geopy's real Nominatim and Photon classes talking HTTP to a loopback server.

Nothing leaves 127.0.0.1. Time is faked on geopy's RateLimiter (its ``_clock``/``_sleep`` hooks),
so delays and retry waits are asserted, not waited for.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from geopy import exc as geopy_exc
from geopy.adapters import URLLibAdapter
from geopy.geocoders import Nominatim, Photon

from geomap.config import GeocoderConfig
from geomap.errors import ConfigError, GeocoderError
from geomap.geocode import (MISSING, MemoryCache, OnlineGeocoder, cache_key, make_geocoder,
                            normalize_query, place_from_record)
from geomap.model import Mention, Place
from tests.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parent / "nominatim_fixtures"
AGENT = "geomap-tests/1.0 (loopback only)"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeTime:
    """A clock that only moves when slept on (or when a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def nominatim_config(server: LoopbackServer, **overrides) -> GeocoderConfig:
    settings = dict(service="nominatim",
                    options={"user_agent": AGENT, "domain": server.netloc, "scheme": "http"},
                    min_delay_seconds=1.0, max_retries=2, error_wait_seconds=2.0, timeout=5.0)
    settings.update(overrides)
    return GeocoderConfig(**settings)


def build(cfg: GeocoderConfig, fake_time: FakeTime, cache: MemoryCache | None = None) -> OnlineGeocoder:
    geocoder = make_geocoder(cfg, MemoryCache() if cache is None else cache)
    geocoder.rate_limiter._clock = fake_time.clock
    geocoder.rate_limiter._sleep = fake_time.sleep
    geocoder.clock = fake_time.clock
    return geocoder


# -- make_geocoder: choosing and configuring the service ----------------------------------------

@pytest.mark.parametrize("service", ["offline", "Offline", " offline "])
def test_offline_means_no_online_geocoder(service):
    assert make_geocoder(GeocoderConfig(service=service), MemoryCache()) is None


def test_unknown_service_is_a_config_error_naming_the_key_and_valid_names():
    with pytest.raises(ConfigError) as info:
        make_geocoder(GeocoderConfig(service="nominatm"), MemoryCache())
    assert info.value.key == "geocoder.service"
    message = str(info.value)
    assert "'nominatm'" in message and "did you mean 'nominatim'" in message
    assert "photon" in message and "offline" in message


@pytest.mark.parametrize("options", [
    {},
    {"user_agent": ""},
    {"user_agent": "geopy/2.5.0"},
    {"user_agent": "my-application"},
    {"user_agent": "python-requests/2.31"},
    {"user_agent": "geomap/0.1.0"},
])
def test_nominatim_requires_an_application_user_agent(options):
    with pytest.raises(ConfigError) as info:
        make_geocoder(GeocoderConfig(service="nominatim", options=options), MemoryCache())
    assert info.value.key == "geocoder.options.user_agent"
    assert "usage policy" in str(info.value)


def test_public_nominatim_refuses_more_than_one_request_per_second():
    cfg = GeocoderConfig(service="nominatim", options={"user_agent": AGENT}, min_delay_seconds=0.5,
                         error_wait_seconds=0.5)
    with pytest.raises(ConfigError) as info:
        make_geocoder(cfg, MemoryCache())
    assert info.value.key == "geocoder.min_delay_seconds"
    ok = GeocoderConfig(service="nominatim", options={"user_agent": AGENT}, min_delay_seconds=1.0)
    assert isinstance(make_geocoder(ok, MemoryCache()).geocoder, Nominatim)


def test_an_option_the_service_does_not_take_is_named():
    cfg = GeocoderConfig(service="nominatim", options={"user_agent": AGENT, "api_key": "x"})
    with pytest.raises(ConfigError) as info:
        make_geocoder(cfg, MemoryCache())
    assert info.value.key == "geocoder.options.api_key"
    assert "Nominatim does not take" in str(info.value) and "domain" in str(info.value)


def test_a_required_option_that_is_missing_is_named():
    with pytest.raises(ConfigError) as info:
        make_geocoder(GeocoderConfig(service="opencage"), MemoryCache())
    assert info.value.key == "geocoder.options.api_key"


@pytest.mark.parametrize("option", ["timeout", "adapter_factory"])
def test_options_geomap_sets_itself_are_refused(option):
    cfg = GeocoderConfig(service="photon", options={option: 3})
    with pytest.raises(ConfigError) as info:
        make_geocoder(cfg, MemoryCache())
    assert info.value.key == f"geocoder.options.{option}"


@pytest.mark.parametrize("field, value", [
    ("timeout", 0), ("min_delay_seconds", -1), ("max_retries", -1), ("max_retries", 1.5),
    ("error_wait_seconds", 0.5), ("timeout", "10"),
])
def test_impossible_timings_are_config_errors(field, value):
    cfg = GeocoderConfig(service="photon", **{field: value})
    with pytest.raises(ConfigError) as info:
        make_geocoder(cfg, MemoryCache())
    assert info.value.key == f"geocoder.{field}"


def test_services_are_chosen_by_name_and_built_with_the_options(server):
    cfg = nominatim_config(server, timeout=7.5)
    nominatim = make_geocoder(cfg, MemoryCache())
    assert type(nominatim.geocoder) is Nominatim
    assert nominatim.geocoder.timeout == 7.5
    assert nominatim.geocoder.domain == server.netloc
    assert nominatim.geocoder.headers["User-Agent"] == AGENT
    # stdlib HTTP: requests' transport retries would sleep out any Retry-After on their own
    assert isinstance(nominatim.geocoder.adapter, URLLibAdapter)
    photon = make_geocoder(GeocoderConfig(service="photon", options={"domain": server.netloc}),
                           MemoryCache())
    assert type(photon.geocoder) is Photon
    assert photon.geocoder.headers["User-Agent"].startswith("geomap/")


# -- one query over HTTP ---------------------------------------------------------------------------

def test_found_place_comes_from_nominatims_reply_and_the_request_is_well_formed(server, fake_time):
    server.add("/search", Reply.json(fixture("search_kyiv.json")))
    geocoder = build(nominatim_config(server), fake_time)

    place = geocoder.geocode("Kyiv, Ukraine", country_codes="ua")

    assert place == Place(id="nominatim:relation/421866", name="Kyiv", lat=50.4500336,
                          lon=30.5241361, country="UA", kind="city")
    [request] = server.requests
    assert request.path == "/search"
    assert request.arg("q") == "Kyiv, Ukraine"
    assert request.arg("format") == "json"
    assert request.arg("limit") == "1"
    assert request.arg("addressdetails") == "1"
    assert request.arg("accept-language") == "en"
    assert request.arg("countrycodes") == "ua"
    assert request.header("User-Agent") == AGENT


@pytest.mark.parametrize("name, expected", [
    ("search_kherson_oblast.json",
     dict(id="nominatim:relation/71022", name="Kherson Oblast", kind="admin1", country="UA",
          admin1="Kherson Oblast")),
    ("search_black_sea.json",
     dict(id="nominatim:node/305639180", name="Black Sea", kind="water", country="")),
    ("search_mykolaiv_oblast_city.json",
     dict(id="nominatim:relation/2542593", name="Mykolaiv", kind="city", country="UA",
          admin1="Mykolaiv Oblast", admin2="Mykolaiv Raion")),
])
def test_osm_class_type_and_address_become_kind_country_and_admin_names(server, fake_time, name,
                                                                        expected):
    server.add("/search", Reply.json(fixture(name)))
    place = build(nominatim_config(server), fake_time).geocode("anything")
    for field, value in expected.items():
        assert getattr(place, field) == value, field


def test_not_found_is_cached_as_none(server, fake_time):
    server.add("/search", Reply.json([]))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server), fake_time, cache)

    assert geocoder.geocode("Atlantis") is None
    assert geocoder.geocode("Atlantis") is None

    assert len(server.requests) == 1
    key = cache_key("nominatim", "Atlantis", {"addressdetails": True, "language": "en"},
                    domain=server.netloc)
    assert key in cache and cache.get(key) is None


def test_cache_hits_never_sleep_and_never_reach_the_network(server, fake_time):
    server.add("/search", Reply.json(fixture("search_kyiv.json")))
    geocoder = build(nominatim_config(server), fake_time)

    first = geocoder.geocode("Kyiv, Ukraine")
    again = geocoder.geocode("  kyiv,   UKRAINE ")      # same query once normalised
    assert again == first
    assert len(server.requests) == 1
    assert fake_time.sleeps == []

    geocoder.geocode("Kyiv, Ukraine", country_codes="ua")   # a hint changes the answer: a miss
    assert len(server.requests) == 2
    assert fake_time.sleeps == [1.0]


def test_cached_answers_survive_a_new_geocoder_without_network(server, fake_time):
    server.add("/search", Reply.json(fixture("search_kyiv.json")))
    cache = MemoryCache()
    first = build(nominatim_config(server), fake_time, cache).geocode("Kyiv")
    second = build(nominatim_config(server), fake_time, cache).geocode("Kyiv")
    assert second == first and len(server.requests) == 1


def test_rate_limiter_spaces_network_calls_by_min_delay(server, fake_time):
    def slow_network(request):
        fake_time.now += 0.4                # each request takes 0.4 s of (fake) time
        return Reply.json([])

    server.add("/search", slow_network)
    geocoder = build(nominatim_config(server, min_delay_seconds=1.5, error_wait_seconds=2.0),
                     fake_time)
    for query in ("Odesa", "Mykolaiv", "Kherson"):
        geocoder.geocode(query)

    assert len(server.requests) == 3
    assert fake_time.sleeps == [1.1, 1.1]   # 1.5 s apart, 0.4 s of which the request took


def test_server_errors_are_retried_then_raised_and_never_cached(server, fake_time):
    server.add("/search", Reply(status=500, body="Internal Server Error"))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, max_retries=2), fake_time, cache)

    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Kyiv")

    assert len(server.requests) == 3                # one try + two retries
    assert fake_time.sleeps.count(2.0) == 2         # error_wait_seconds between the tries
    assert isinstance(info.value.__cause__, geopy_exc.GeocoderServiceError)
    assert "nominatim" in str(info.value) and "'Kyiv'" in str(info.value)
    assert len(cache) == 0


def test_a_failure_then_success_is_retried_into_an_answer(server, fake_time):
    server.add("/search", Reply(status=503), Reply.json(fixture("search_kyiv.json")))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, max_retries=2), fake_time, cache)

    place = geocoder.geocode("Kyiv")

    assert place.id == "nominatim:relation/421866"
    assert len(server.requests) == 2 and len(cache) == 1


def test_errors_are_not_cached_so_the_next_run_asks_again(server, fake_time):
    server.add("/search", Reply(status=502), query={"q": "Kyiv"})
    cache = MemoryCache()
    with pytest.raises(GeocoderError):
        build(nominatim_config(server, max_retries=0), fake_time, cache).geocode("Kyiv")
    assert len(cache) == 0

    with LoopbackServer() as healthy:
        healthy.add("/search", Reply.json(fixture("search_kyiv.json")))
        cfg = nominatim_config(healthy, max_retries=0)
        geocoder = build(cfg, fake_time, cache)
        assert geocoder.geocode("Kyiv").name == "Kyiv"
        assert len(healthy.requests) == 1


def test_http_429_is_reported_as_rate_limiting(server, fake_time):
    server.add("/search", Reply(status=429, body="Too Many Requests", headers={"Retry-After": "30"}))
    geocoder = build(nominatim_config(server, max_retries=1), fake_time)

    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Kyiv")

    assert isinstance(info.value.__cause__, geopy_exc.GeocoderQuotaExceeded)
    assert "rate limited" in str(info.value) and "retry after 30" in str(info.value)
    assert len(server.requests) == 2


def test_after_a_429_nothing_is_asked_until_retry_after_has_passed(server, fake_time):
    limited = {"on": True}

    def service(request):
        if limited["on"]:
            return Reply(status=429, body="Too Many Requests", headers={"Retry-After": "30"})
        return Reply.json([])

    server.add("/search", service)
    geocoder = build(nominatim_config(server, max_retries=1), fake_time)
    places = [Place(id=f"geonames:{i}", name=name, lat=0.5, lon=0.5, country="UA")
              for i, name in enumerate(["Odesa", "Izmail", "Reni"])]

    refined, errors = geocoder.refine([mention(i * 10, p) for i, p in enumerate(places)])

    assert [m.place for m in refined] == places
    assert len(server.requests) == 2                        # Odesa, retried once; then silence
    assert len(errors) == 2 and "'Odesa, Ukraine'" in errors[0]
    assert "skipped for 30 s" in errors[1]

    limited["on"] = False
    fake_time.now += 29
    with pytest.raises(GeocoderError):
        geocoder.geocode("Reni")
    assert len(server.requests) == 2
    fake_time.now += 2
    assert geocoder.geocode("Reni") is None
    assert len(server.requests) == 3


def test_a_refused_key_stops_all_further_queries(server, fake_time):
    server.add("/search", Reply(status=403, body="Forbidden"))
    geocoder = build(nominatim_config(server, max_retries=0), fake_time)
    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Odesa")
    assert "access refused" in str(info.value)
    fake_time.now += 10 ** 6
    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Izmail")
    assert "skipped for the rest of this run" in str(info.value)
    assert len(server.requests) == 1


def test_a_slow_service_times_out(server, fake_time):
    server.add("/search", Reply.json([], delay=2.0))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, timeout=0.2, max_retries=0), fake_time, cache)

    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Kyiv")

    assert isinstance(info.value.__cause__, geopy_exc.GeocoderTimedOut)
    assert "no reply within 0.2 s" in str(info.value)
    assert len(server.requests) == 1 and len(cache) == 0


def test_garbage_json_is_an_error_not_a_not_found(server, fake_time):
    server.add("/search", Reply(status=200, body="<html>maintenance</html>",
                                headers={"Content-Type": "text/html"}))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, max_retries=0), fake_time, cache)

    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Kyiv")

    assert isinstance(info.value.__cause__, geopy_exc.GeocoderParseError)
    assert "unreadable reply" in str(info.value)
    assert "<html>" not in str(info.value)
    assert len(cache) == 0


@pytest.mark.parametrize("reply", [
    [{"licence": "x"}],                                  # no display_name: geopy raises TypeError
    [{"display_name": "Kyiv, Ukraine"}],                 # no lat/lon: geopy would say (0, 0)
    [{"display_name": "Kyiv", "lat": "north", "lon": "30.5"}],
    {"error": "Nominatim internal error"},
])
def test_json_of_the_wrong_shape_is_an_error(server, fake_time, reply):
    server.add("/search", Reply.json(reply))
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, max_retries=0), fake_time, cache)

    with pytest.raises(GeocoderError):
        geocoder.geocode("Kyiv")
    assert len(cache) == 0


def test_connection_refused_is_an_error(fake_time):
    with LoopbackServer() as gone:
        cfg = nominatim_config(gone, max_retries=1)
    cache = MemoryCache()
    geocoder = build(cfg, fake_time, cache)

    with pytest.raises(GeocoderError) as info:
        geocoder.geocode("Kyiv")

    assert "refused" in str(info.value)
    assert len(cache) == 0
    assert fake_time.sleeps == [2.0]                # it was retried once


def test_parameters_the_service_does_not_take_are_refused_before_any_request(server, fake_time):
    server.add("/api", Reply.json(fixture("photon_kyiv.json")))
    photon = build(GeocoderConfig(service="photon", options={"domain": server.netloc,
                                                             "scheme": "http"}), fake_time)
    with pytest.raises(TypeError):
        photon.geocode("Kyiv", country_codes="ua")
    assert server.requests == []


def test_photon_is_another_service_chosen_by_name(server, fake_time):
    server.add("/api", Reply.json(fixture("photon_kyiv.json")))
    photon = build(GeocoderConfig(service="photon", options={"domain": server.netloc,
                                                             "scheme": "http"}), fake_time)

    place = photon.geocode("Kyiv")

    assert place == Place(id="photon:relation/421866", name="Kyiv", lat=50.4500336,
                          lon=30.5241361, country="UA", kind="city")
    [request] = server.requests
    assert request.path == "/api" and request.arg("q") == "Kyiv"
    assert request.arg("lang") == "en" and request.arg("limit") == "1"


# -- cache keys and records ------------------------------------------------------------------------

def test_cache_key_covers_what_changes_the_answer_and_nothing_else():
    base = cache_key("nominatim", "Kyiv, Ukraine", {"language": "en"})
    assert base.startswith("nominatim:")
    assert cache_key("nominatim", "  KYIV,  ukraine", {"language": "en"}) == base
    assert cache_key("nominatim", "Kyiv, Ukraine", {"language": "en", "timeout": 3}) == base
    assert cache_key("nominatim", "Kyiv, Ukraine", {"language": "uk"}) != base
    assert cache_key("photon", "Kyiv, Ukraine", {"language": "en"}) != base
    assert cache_key("nominatim", "Kyiv, Ukraine", {"language": "en"}, domain="osm.example") != base
    hinted = cache_key("nominatim", "Kyiv", {"country_codes": "UA"})
    assert hinted == cache_key("nominatim", "Kyiv", {"country_codes": ["ua"]})
    assert hinted != cache_key("nominatim", "Kyiv", {"country_codes": "ru"})


def test_normalize_query_folds_case_and_spacing_only():
    assert normalize_query(" Kyiv,\tUKRAINE ") == "kyiv, ukraine"
    assert normalize_query("Córdoba") != normalize_query("Cordoba")


def test_memory_cache_distinguishes_missing_from_not_found():
    cache = MemoryCache()
    assert cache.get("k") is MISSING
    cache.put("k", None)
    assert cache.get("k") is None
    cache.put("k", {"lat": 1.5})
    assert cache.get("k") == {"lat": 1.5}


def test_records_of_other_services_get_a_stable_hashed_id():
    record = {"address": "Kyiv, Ukraine", "lat": 50.45, "lon": 30.52, "raw": {"some": "thing"}}
    place = place_from_record("arcgis", record)
    assert place.id.startswith("arcgis:") and place.id == place_from_record("arcgis", dict(record)).id
    assert place.name == "Kyiv" and place.kind == "" and place.country == ""
    moved = place_from_record("arcgis", {**record, "lat": 50.46})
    assert moved.id != place.id


# -- refine --------------------------------------------------------------------------------------

KYIV = Place(id="geonames:703448", name="Kyiv", lat=50.454, lon=30.5238, country="UA", kind="city",
             population=2797553, admin1="Kyiv City")
KHERSON_OBLAST = Place(id="geomap:ua-65", name="Kherson Oblast", lat=46.7, lon=33.4, country="UA",
                       kind="admin1", admin1="Kherson Oblast")
BLACK_SEA = Place(id="geomap:black-sea", name="Black Sea", lat=43.0, lon=35.0, kind="water")
PINNED = Place(id="pin:HQ", name="HQ", lat=1.0, lon=2.0, country="UA", kind="city")


def mention(start: int, place: Place | None, explain: tuple[str, ...] = ("offline",)) -> Mention:
    text = place.name if place else "Somewhere"
    return Mention(start=start, end=start + len(text), text=text, place=place, score=0.8,
                   explain=explain)


def test_refine_replaces_resolved_places_and_asks_each_query_once(server, fake_time):
    server.add("/search", Reply.json(fixture("search_kyiv.json")),
               query={"q": "Kyiv, Kyiv City, Ukraine"})
    server.add("/search", Reply.json(fixture("search_kherson_oblast.json")),
               query={"q": "Kherson Oblast, Ukraine"})
    server.add("/search", Reply.json(fixture("search_black_sea.json")), query={"q": "Black Sea"})
    geocoder = build(nominatim_config(server), fake_time)
    mentions = [mention(0, KYIV), mention(10, None), mention(20, KHERSON_OBLAST),
                mention(40, KYIV), mention(50, BLACK_SEA), mention(60, PINNED)]

    refined, errors = geocoder.refine(mentions)

    assert errors == []
    assert [m.start for m in refined] == [0, 10, 20, 40, 50, 60]
    assert refined[0].place.id == refined[3].place.id == "nominatim:relation/421866"
    assert refined[0].place.population == KYIV.population      # the service did not say
    assert refined[2].place.id == "nominatim:relation/71022"
    assert refined[4].place.id == "nominatim:node/305639180"
    assert refined[1] == mentions[1] and refined[5] == mentions[5]
    assert refined[0].text == "Kyiv" and refined[0].score == 0.8
    assert refined[0].explain[0] == "offline" and "nominatim" in refined[0].explain[-1]

    queries = [(r.arg("q"), r.arg("countrycodes")) for r in server.requests]
    assert sorted(queries, key=str) == sorted([("Kyiv, Kyiv City, Ukraine", "ua"),
                                               ("Kherson Oblast, Ukraine", "ua"),
                                               ("Black Sea", None)], key=str)


def test_refine_keeps_the_offline_answer_when_the_service_has_none_or_fails(server, fake_time):
    server.add("/search", Reply.json([]), query={"q": "Kyiv, Kyiv City, Ukraine"})
    server.add("/search", Reply(status=500), query={"q": "Kherson Oblast, Ukraine"})
    cache = MemoryCache()
    geocoder = build(nominatim_config(server, max_retries=1), fake_time, cache)
    mentions = [mention(0, KYIV), mention(10, KHERSON_OBLAST), mention(30, KHERSON_OBLAST)]

    refined, errors = geocoder.refine(mentions)

    assert refined == mentions
    assert len(errors) == 1 and "Kherson Oblast, Ukraine" in errors[0]
    assert len(server.requests_to("/search")) == 1 + 2       # Kyiv once; Kherson tried twice
    assert len(cache) == 1                                   # only Kyiv's definite "not found"


def test_refine_rejects_an_answer_from_another_country(server, fake_time):
    server.add("/search", Reply.json(fixture("search_kyiv.json")))
    elsewhere = Place(id="geonames:1", name="Kyiv", lat=55.0, lon=37.0, country="RU", kind="city")
    geocoder = build(nominatim_config(server), fake_time)

    refined, errors = geocoder.refine([mention(0, elsewhere)])

    assert refined[0].place == elsewhere and errors == []
    assert server.requests[0].arg("countrycodes") == "ru"


def test_refine_through_photon_sends_no_country_hint(server, fake_time):
    server.add("/api", Reply.json(fixture("photon_kyiv.json")))
    photon = build(GeocoderConfig(service="photon", options={"domain": server.netloc,
                                                             "scheme": "http"}), fake_time)

    refined, errors = photon.refine([mention(0, KYIV, explain=())])

    assert refined[0].place.id == "photon:relation/421866" and errors == []
    assert refined[0].explain == ()                 # reasons only when the parse asked for them
    assert server.requests[0].arg("q") == "Kyiv, Kyiv City, Ukraine"
    assert "countrycodes" not in server.requests[0].query
