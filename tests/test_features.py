"""The one rule for "this place lies in that area" (``gazetteer.features.lies_in``), which the
qualifier ("Paris, Texas"), the comma-less qualifier ("Austin Texas"), the offline geocoder's
qualified query and the list rule all use."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from geomap.gazetteer.features import lies_in


def cand(feature: str, country: str = "US", admin1: str = "TX", admin2: str = ""):
    return SimpleNamespace(feature=feature, admin1_code=admin1,
                           place=SimpleNamespace(country=country, admin2=admin2))


@pytest.mark.parametrize("c, area, inside", [
    (cand("PPL"), cand("PCLI", admin1=""), True),                  # a town in its country
    (cand("PPL"), cand("TERR", admin1=""), True),                  # ... or territory
    (cand("PPL", country="FR"), cand("PCLI", admin1=""), False),   # another country
    (cand("PCLI", admin1=""), cand("PCLI", admin1=""), False),     # a country is in no country
    (cand("PPL"), cand("ADM1"), True),                             # Austin, Texas
    (cand("PPL", admin1="OK"), cand("ADM1"), False),               # Paris (Oklahoma), Texas
    (cand("ADM1"), cand("ADM1"), False),                           # a state is not in a state
    (cand("PPL", admin1=""), cand("ADM1", admin1=""), False),      # no code: nothing to compare
    (cand("PPL", admin2="Lamar"), cand("ADM2", admin2="Lamar"), True),
    (cand("PPL", admin2="Harris"), cand("ADM2", admin2="Lamar"), False),
    (cand("PPL"), cand("PPLA"), False),                            # a city is not an area
])
def test_lies_in(c, area, inside):
    assert lies_in(c, area) is inside
