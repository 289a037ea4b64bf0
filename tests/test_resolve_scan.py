"""The resolver's text tests read only the spans next to their phrases when the phrases are
sparse (``resolve_scan``, issue 9): the same qualifiers, appositives and list items, hence the
same mentions and explanations, as when every span is read."""
from __future__ import annotations

import pytest

import geomap.resolve_scan as scan
from geomap.resolve_scan import listed, next_to, positions, sparse

# Qualifiers, appositives (after, and before with " of "), lists of countries and of states, names
# with no phrase next to them ("Poltava Poltava"), overlapping phrases (" of of ") and a phrase at
# the text's very end.
UNIT = ("Poltava Poltava Poltava Poltava Poltava Poltava Poltava. Police in Paris, Texas, and Athens, Ga., "
        "met officials from Georgia the country and the US state of Georgia. Mexico, China, Japan and "
        "Brazil. Oregon and Washington said so; Georgia (the country) and the state of of Georgia. "
        "Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv Kyiv.\n\n")


def test_positions_are_every_occurrence_overlapping_ones_too():
    assert list(positions("a of of b of", " of ")) == [1, 4]
    assert list(positions("xx, the", ", the", 5)) == [7]
    assert list(positions("abc", " of ")) == []


def test_next_to_gives_the_spans_at_the_phrases_when_sparse_else_every_span(monkeypatch):
    text = "Kyiv and Lviv, the city, Odesa of Kharkiv"
    starts, ends = [0, 9, 25, 34], [4, 13, 30, 41]
    assert not sparse(text, (", the", " of "), len(starts))
    assert next_to(text, starts, ends, (", the",), (" of ",)) == range(4)       # 2 phrases, 4 spans: every span
    monkeypatch.setattr(scan, "SPARSE", 0)                                       # (always sparse)
    assert next_to(text, starts, ends, (", the",), (" of ",)) == [1, 3]         # Lviv, the; of Kharkiv
    assert next_to(text, starts, ends, (" and ",)) == [0]
    assert next_to(text, starts, ends, (" x ",), (" y ",)) == []


def _parse(gp, text, monkeypatch, sparse_factor):
    monkeypatch.setattr(scan, "SPARSE", sparse_factor)
    return [(m.start, m.end, m.text, m.place, m.score, m.explain, m.runner_up) for m in gp.parse(text, explain=True)]


@pytest.mark.parametrize("copies", [1, 3])
def test_sparse_scan_decides_as_reading_every_span(gp, monkeypatch, copies):
    """The mentions and explanations with the phrases found first (``SPARSE`` 0: always) are those
    with every span read (``SPARSE`` huge: never), and the texts' rules did fire."""
    text = UNIT * copies
    scanned = _parse(gp, text, monkeypatch, 0)
    every = _parse(gp, text, monkeypatch, 10 ** 9)
    assert scanned == every
    why = "\n".join(line for m in scanned for line in m[5])
    assert "in a list of" in why                  # the enumeration rule fired (Washington the state)
    assert any(m[2] == "Paris" and m[3] is not None and m[3].country == "US" for m in scanned)   # qualified
    georgias = [m for m in scanned if m[2] == "Georgia" and m[3] is not None]
    assert {m[3].country for m in georgias} >= {"GE", "US"}                    # appositives both ways


def test_listed_keeps_lists_apart(monkeypatch):
    """Only the spans a list gap joins come out, and a span between two lists still parts them."""
    text = "Kyiv, Lviv Odesa Kharkiv and Sumy"
    starts, ends = [0, 6, 11, 17, 29], [4, 10, 16, 24, 33]
    owner = [0, 1, 2, 3, 4]
    assert list(listed(text, starts, ends, owner, (", ", " and "))) == list(zip(starts, ends, owner))  # dense
    monkeypatch.setattr(scan, "SPARSE", 0)
    assert list(listed(text, starts, ends, owner, (", ", ", and ", " and "))) == \
        [(0, 4, 0), (6, 10, 1), (17, 24, 3), (29, 33, 4)]
