"""What the resolver holds per span of a huge article (issue 9): the same decisions as before,
made without a tuple or a list per span."""
from __future__ import annotations

from geomap import coherence
from geomap.config import ParseConfig
from geomap.resolve import Geoparser


def _reasons(groups) -> list:
    return [[list(terms) for terms in g.reasons] for g in groups]


def test_enumeration_reads_the_spans_once_in_text_order(gaz, monkeypatch):
    """``Oregon and Washington``: the state, by the list it is in. The resolver hands the spans to
    ``enumeration`` as a one-pass iterator in text order (no sorted copy of every span), and the
    bonus is the same as when the items are made from the groups."""
    text = "Voters in Oregon and Washington backed the law. Washington lawmakers met in Salem."
    gp = Geoparser(gaz, ParseConfig())
    given = []
    enumerate_ = coherence.enumeration

    def spy(text, groups, items=None):
        given.append(items)
        return enumerate_(text, groups, items)

    monkeypatch.setattr("geomap.resolve.enumeration", spy)
    mentions = {m.text: m for m in gp.parse(text, explain=True)}
    assert mentions["Washington"].place.kind == "admin1"
    assert any("in a list of first-level areas" in line for line in mentions["Washington"].explain)
    (items,) = given
    assert iter(items) is items                # a generator: read once, nothing sorted or held

    spans = gp.extractor.spans(text)
    from_groups, _ = gp.resolver._decide(text, spans)
    monkeypatch.setattr("geomap.resolve.enumeration", lambda text, groups, items=None: enumerate_(text, groups))
    from_sorted, _ = gp.resolver._decide(text, spans)
    assert _reasons(from_groups) == _reasons(from_sorted)
    assert any("list of" in str(term) for g in from_groups for terms in g.reasons for term in terms)
