"""Import a GeoNames dump into a built index: the upgrade path for users with internet.

Accepted sources (a local path or an http(s) URL, downloaded with urllib to a temporary file):

- ``allCountries.zip``, ``XX.zip`` (one country), ``cities500.zip`` ... or the ``.txt`` inside:
  GeoNames' tab-separated 19-column ``geoname`` table;
- ``admin1CodesASCII.txt``: ``CC.code<TAB>name<TAB>ascii name<TAB>geonameid``; renames the
  index's first-level areas to GeoNames' names ("Kherson Oblast") and keeps the old ones as alternates.

Kept from a dump: populated places, countries, first/second-level areas, continents, and water
bodies, regions, peninsulas, islands and mountains that carry at least ``MIN_ALTERNATES`` alternate
names (the notable ones: allCountries has millions of nameless streams and hills). Rows whose
``geonames:<id>`` already exists update it in place (countries keep their documented centroid);
a dump's ADM1 row merges into the index's area with the same country and admin1 code.
"""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tempfile
import urllib.parse
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from geomap._http import open_url
from geomap.errors import GazetteerError
from geomap.gazetteer.features import COUNTRY_FEATURES
from geomap.gazetteer.schema import SCHEMA
from geomap.gazetteer.names import MAX_NAME_TOKENS, is_good_alternate, is_useful_key, normalize

MIN_ALTERNATES = 3
NOTABLE_CODES = {"SEA", "OCN", "GULF", "STRT", "BAY", "BAYS", "SD", "LK", "LKS", "STM", "RSV", "CNL",
                 "RGN", "RGNE", "PEN", "ISL", "ISLS", "MTS", "MT", "SPIT", "DSRT", "VAL", "PLN"}
BATCH = 5000
TIMEOUT_SECONDS = 60
MAX_DOWNLOAD_BYTES = 2 << 30     # allCountries.zip is ~400 MB; a server sending more is broken or hostile
CHUNK_BYTES = 1 << 20


def import_geonames(src: str | Path, gazetteer_path: Path) -> int:
    """Import ``src`` into the index at ``gazetteer_path``; returns the number of places written."""
    gazetteer_path = Path(gazetteer_path)
    if not gazetteer_path.exists():
        raise GazetteerError(f"{gazetteer_path}: no gazetteer index to import into; build it first")
    with _local_copy(str(src)) as local:
        db = sqlite3.connect(gazetteer_path)
        try:
            schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if schema is None or int(schema[0]) != SCHEMA:
                raise GazetteerError(f"{gazetteer_path}: gazetteer schema is not {SCHEMA}: rebuild it")
            with db:
                if local.name.lower().startswith("admin1codes"):
                    count = _import_admin1(db, local)
                else:
                    count = _import_geonames_rows(db, local)
                _record_import(db, local)
        except (sqlite3.Error, zipfile.BadZipFile, UnicodeDecodeError, ValueError, IndexError) as exc:
            raise GazetteerError(f"{src}: cannot import: {exc}") from exc
        finally:
            db.close()
    return count


@contextmanager
def _local_copy(src: str) -> Iterator[Path]:
    """The source as a local file: a path as is, an http(s) URL downloaded to a temp file."""
    scheme = urllib.parse.urlsplit(src).scheme
    if scheme not in ("http", "https"):
        path = Path(src)
        if not path.is_file():
            raise GazetteerError(f"{src}: no such file")
        yield path
        return
    name = Path(urllib.parse.urlsplit(src).path).name or "geonames.txt"
    with tempfile.TemporaryDirectory(prefix="geomap-geonames-") as tmp:
        target = Path(tmp) / name
        try:
            with open_url(src, timeout=TIMEOUT_SECONDS) as response, open(target, "wb") as f:
                _copy_capped(response, f, src)
        except OSError as exc:     # URLError and HTTPError are OSErrors
            raise GazetteerError(f"{src}: download failed: {exc}") from exc
        yield target


def _copy_capped(response, f, src: str) -> None:
    """Copy the response in chunks, stopping at ``MAX_DOWNLOAD_BYTES`` (the temp directory goes)."""
    limit = MAX_DOWNLOAD_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise GazetteerError(f"{src}: download refused: {int(declared):,} bytes is over the {limit:,} byte limit")
    written = 0
    while chunk := response.read(CHUNK_BYTES):
        written += len(chunk)
        if written > limit:
            raise GazetteerError(f"{src}: download stopped: over the {limit:,} byte limit")
        f.write(chunk)


def _text_lines(path: Path) -> Iterator[str]:
    """Lines of the GeoNames table in ``path`` (a .txt, or the data .txt inside a .zip)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".txt") and "readme" not in n.lower()]
            if not members:
                raise GazetteerError(f"{path}: no GeoNames .txt table inside")
            with zf.open(members[0]) as raw:
                yield from io.TextIOWrapper(raw, encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            yield from f


def _import_geonames_rows(db: sqlite3.Connection, path: Path) -> int:
    admin1 = {(cc, code): (rowid, name) for rowid, cc, code, name in db.execute(
        "SELECT rowid, country, admin1_code, admin1 FROM places WHERE kind = 'admin1'")}
    count, pending = 0, []
    for line in _text_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 19:
            raise GazetteerError(f"{path}: not a GeoNames table (a line has {len(f)} columns, not 19)")
        row = _row(f, admin1)
        if row is not None:
            pending.append(row)
        if len(pending) >= BATCH:
            count += _write_rows(db, pending, admin1)
            pending = []
    return count + _write_rows(db, pending, admin1)


def _row(f: list[str], admin1: dict) -> dict | None:
    gid, name, ascii_name, alternates, lat, lon, fclass, fcode, cc = f[:9]
    a1code, population = f[10], int(f[14] or 0)
    alt_list = [a for a in alternates.split(",") if a]
    if fclass == "P":
        kind = "city"
    elif fcode in COUNTRY_FEATURES:
        kind, fcode = "country", "PCLI"
    elif fcode in ("ADM1", "ADM2"):
        kind = "admin1" if fcode == "ADM1" else "admin2"
    elif fcode == "CONT":
        kind = "continent"
    elif fcode in NOTABLE_CODES and len(alt_list) >= MIN_ALTERNATES:
        kind = "water" if fclass == "H" else "region"
    else:
        return None
    a1name = admin1.get((cc, a1code), (None, ""))[1]
    return {"id": f"geonames:{gid}", "name": name, "lat": float(lat), "lon": float(lon),
            "country": cc if kind != "continent" else "", "kind": kind, "feature": fcode,
            "population": population, "admin1_code": a1code if kind != "country" else "",
            "admin1": a1name if kind not in ("country", "continent") else "", "admin2": "",
            "names": [ascii_name, *(a for a in alt_list if is_good_alternate(a, name))]}


def _write_rows(db: sqlite3.Connection, rows: list[dict], admin1: dict) -> int:
    names = []
    for r in rows:
        rowid = _built_area(db, r, admin1)
        if rowid is not None:               # merge into the built area: keep its id, take GeoNames' point
            db.execute("UPDATE places SET lat = ?, lon = ? WHERE rowid = ?", (r["lat"], r["lon"], rowid))
            names.append((normalize(r["name"]), rowid, "alt"))
        else:
            rowid = _upsert(db, r)
            names.append((normalize(r["name"]), rowid, "name"))
        names += [(normalize(n), rowid, "alt") for n in r["names"]]
    db.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?)",
                   [n for n in names if is_useful_key(n[0]) and len(n[0].split()) <= MAX_NAME_TOKENS])
    return len(rows)


def _built_area(db: sqlite3.Connection, r: dict, admin1: dict) -> int | None:
    """The rowid of the area the builder made for this ADM1/ADM2 row (same country and admin1 code;
    for ADM2 also a shared name), so a dump does not add a second "Kherson Oblast" or "Fulton County"."""
    if r["kind"] == "admin1":
        found = admin1.get((r["country"], r["admin1_code"]))
        return found[0] if found else None
    if r["kind"] != "admin2":
        return None
    keys = [k for k in {normalize(r["name"]), *(normalize(n) for n in r["names"])} if k]
    row = db.execute(
        "SELECT p.rowid FROM names n JOIN places p ON p.rowid = n.place WHERE n.key IN "
        "(SELECT value FROM json_each(?)) AND p.kind = 'admin2' AND p.country = ? AND p.admin1_code = ? "
        "AND p.id LIKE 'geomap:%' LIMIT 1", (json.dumps(keys), r["country"], r["admin1_code"])).fetchone()
    return row[0] if row else None


def _upsert(db: sqlite3.Connection, r: dict) -> int:
    """Insert, or update in place (the rowid the names point at stays). Countries keep their point
    and PCLI; other places take GeoNames' point and feature code (PPLA2, PPLX ... are real ones)."""
    keep_point = r["kind"] == "country"
    return db.execute(
        "INSERT INTO places (id, name, lat, lon, country, kind, feature, population, admin1_code,"
        " admin1, admin2) VALUES (:id, :name, :lat, :lon, :country, :kind, :feature, :population,"
        " :admin1_code, :admin1, :admin2) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        + ("" if keep_point else " lat = excluded.lat, lon = excluded.lon, feature = excluded.feature,")
        + " population = excluded.population, admin1_code = excluded.admin1_code,"
        " admin1 = CASE WHEN excluded.admin1 != '' THEN excluded.admin1 ELSE places.admin1 END"
        " RETURNING rowid", r).fetchone()[0]


def _import_admin1(db: sqlite3.Connection, path: Path) -> int:
    """Rename first-level areas to GeoNames' names; the previous names stay as alternates."""
    count = 0
    for line in _text_lines(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 4 or "." not in f[0]:
            continue
        cc, code = f[0].split(".", 1)
        name, ascii_name = f[1], f[2]
        areas = db.execute("SELECT rowid, name FROM places WHERE kind = 'admin1' AND country = ? "
                           "AND admin1_code = ?", (cc, code)).fetchall()
        for rowid, old in areas:
            db.execute("UPDATE places SET name = ? WHERE rowid = ?", (name, rowid))
            db.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?)",
                           [(k, rowid, "alt") for k in {normalize(name), normalize(ascii_name)}
                            if is_useful_key(k)])
            count += 1
        db.execute("UPDATE places SET admin1 = ? WHERE country = ? AND admin1_code = ? "
                   "AND kind NOT IN ('country', 'continent')", (name, cc, code))
    return count


def _record_import(db: sqlite3.Connection, path: Path) -> None:
    """A new version: stored articles get re-resolved against the changed index."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    meta = dict(db.execute("SELECT key, value FROM meta"))
    imports = ",".join(x for x in (meta.get("imports", ""), digest.hexdigest()[:16]) if x)
    version = hashlib.sha256(f"{meta['inputs']};{imports}".encode()).hexdigest()[:16]
    longest = max(int(meta.get("max_name_tokens", 1)), db.execute(
        "SELECT max(length(key) - length(replace(key, ' ', '')) + 1) FROM names").fetchone()[0] or 1)
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   [("imports", imports), ("version", version), ("max_name_tokens", str(longest))])
