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

    spans = gp.extractor.span_list(text)
    from_groups, _ = gp.resolver._decide(text, spans)
    monkeypatch.setattr("geomap.resolve.enumeration", lambda text, groups, items=None: enumerate_(text, groups))
    from_sorted, _ = gp.resolver._decide(text, spans)
    assert _reasons(from_groups) == _reasons(from_sorted)
    assert any("list of" in str(term) for g in from_groups for terms in g.reasons for term in terms)


def _fields(s) -> tuple:
    return (s.start, s.end, s.text, s.key, tuple(map(id, s.candidates)), s.admin_hint, s.dateline, s.demonym,
            tuple(s.reasons), s.street, s.generic, s.unplaced, s.place_like)


def test_compact_spans_round_trip_and_share_one_record_per_distinct_name(gaz):
    """A huge article's spans are kept as offsets plus a shared record each: every span comes back
    field for field, and a name repeated thousands of times is one record."""
    from geomap.extract import Extractor
    from geomap.spanlist import Occurrences, SpanList

    text = ("PARIS, Texas — Kherson region officials and Kyiv. Main Street in Kyiv, near the Dnipro river. "
            "Poltava Poltava Poltava. ") * 200
    ex = Extractor(gaz, ParseConfig())
    compact = ex.span_list(text)
    assert isinstance(compact, SpanList)
    objects = ex.spans(text)
    assert len(compact) == len(objects) > 1500
    assert [_fields(s) for s in compact] == [_fields(s) for s in objects]
    assert [_fields(compact[k]) for k in (0, 7, -1)] == [_fields(objects[k]) for k in (0, 7, -1)]
    assert [_fields(s) for s in compact[3:9]] == [_fields(s) for s in objects[3:9]]
    assert len(compact.records) < 20                       # one per distinct name and flags
    assert any(s.street for s in objects) and any(s.admin_hint for s in objects) and any(s.dateline for s in objects)
    again = SpanList(objects)                              # made from objects: the same spans, shared records
    assert [_fields(s) for s in again] == [_fields(s) for s in objects] and len(again.records) == len(compact.records)
    poltava = Occurrences(compact, [k for k, s in enumerate(objects) if s.key == "poltava"])
    assert len(poltava) == 600 and [s.start for s in poltava] == [s for s, _ in poltava.bounds()]
    assert [_fields(s) for s in poltava.distinct()] == [_fields(next(s for s in objects if s.key == "poltava"))]


def test_a_group_holds_indexes_not_span_objects(gaz):
    """The resolver's groups refer to the article's compact spans by index (4 bytes a span)."""
    text = "Poltava " * 5000 + "\n\nPARIS, Texas — Kyiv and Paris."
    gp = Geoparser(gaz, ParseConfig())
    spans = gp.extractor.span_list(text)
    groups, owner = gp.resolver._decide(text, spans)
    (poltava,) = [g for g in groups if g.spans[0].key == "poltava"]
    assert len(poltava.spans) == 5000 and poltava.spans.index.itemsize == 4
    assert sorted(k for g in groups for k in g.spans.index) == list(range(len(spans)))
    assert [owner[k] for k in poltava.spans.index] == [groups.index(poltava)] * 5000
    mentions = gp.parse(text)
    assert len(mentions) == len(spans) and mentions[-1].place.country == "US"  # Paris follows PARIS, Texas


def test_groups_of_one_name_and_qualifier_share_their_candidates(gaz):
    """``Paris, Texas`` again and again: one group for every occurrence (``alone``: each still
    votes, ``GroupList.voters``), one candidate list; the choice is the same as for a single
    occurrence."""
    text = "Police in Paris, Texas, and Athens, Ga., said so. " * 50
    gp = Geoparser(gaz, ParseConfig())
    spans = gp.extractor.span_list(text)
    groups, _ = gp.resolver._decide(text, spans)
    (paris,) = [g for g in groups if g.spans[0].key == "paris"]
    (texas,) = [g for g in groups if g.spans[0].key == "texas"]
    assert paris.alone and paris.qualified and len(paris.spans) == len(texas.spans) == 50
    assert len(groups) == 4 and len(groups.voters) == 200
    assert list(groups.voters[:4]) == [groups.index(paris), groups.index(texas), 2, 3]
    assert len(paris.spans.distinct()) == 1
    single = {m.text: m.place.admin1 for m in gp.parse("Police in Paris, Texas, and Athens, Ga., said so.")}
    assert {m.text: m.place.admin1 for m in gp.parse(text)} == single == \
        {"Paris": "Texas", "Texas": "Texas", "Athens": "Georgia", "Ga.": "Georgia"}


def test_groups_of_one_name_and_qualifier_share_their_prior_terms_and_scores(gaz):
    """The prior of ``Paris, Texas`` is computed once and shared (its terms' tuples and its scores'
    floats) by every group of that name and qualifier (a group per occurrence here, as
    ``merge=False`` makes them); a term noted on one group (``Group.note``)
    reaches that group only; the reasons and scores equal those computed group by group."""
    from geomap.resolve_group import appositives, group_spans, qualifiers

    text = "Police in Paris, Texas, and Athens, Ga., said so. " * 20 + "Kyiv and Paris."
    gp = Geoparser(gaz, ParseConfig())
    spans = gp.extractor.span_list(text)
    qualified = qualifiers(text, spans)
    alone = group_spans(spans, qualified, appositives(text, spans, qualified), merge=False)
    for g in alone:
        gp.resolver._prior(g)
    groups = group_spans(spans, qualified, appositives(text, spans, qualified), merge=False)
    memo: dict = {}
    for g in groups:
        gp.resolver._prior(g, memo)
    assert [(g.reasons, g.scores) for g in alone] == [(g.reasons, g.scores) for g in groups]
    assert len(memo) < len(groups) / 10
    paris = [g for g in groups if g.spans[0].key == "paris" and g.qualified]
    assert len(paris) == 20 and paris[0].candidates
    assert all(g.reasons[k] is paris[0].reasons[k] and g.scores[k] is paris[0].scores[k]
               for g in paris for k in range(len(g.candidates)))
    before = paris[1].reasons[0]
    paris[0].note(0, ("a test term", 1.0))
    assert paris[1].reasons[0] is before and paris[0].reasons[0] == (*before, ("a test term", 1.0))
    paris[0].add_support(0)
    paris[0].add_support(0)
    assert paris[0].support == (0,) and paris[1].support == ()


def _colocated(gp, text, copies: bool, merge: bool = True):
    """The groups of ``text`` after ``colocate`` (their candidate lists copied per group when
    ``copies``), with colocate's peak of traced memory above what it started with."""
    import tracemalloc

    from geomap.resolve_group import appositives, forget_shared_reasons, group_spans, qualifiers
    from geomap.resolve_near import colocate, namesakes

    spans = gp.extractor.span_list(text)
    qualified = qualifiers(text, spans)
    groups = group_spans(spans, qualified, appositives(text, spans, qualified), merge=merge)
    memo: dict = {}                            # (as Resolver._decide shares the prior)
    for g in groups:
        if copies:
            g.candidates = list(g.candidates)
        gp.resolver._prior(g, memo)
    families = namesakes(groups)
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        colocate(groups, families)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        forget_shared_reasons()
    return groups, peak - start


def test_colocate_shares_the_points_of_groups_of_one_name_and_qualifier(gaz):
    """``Paris, Texas`` again and again: co-location holds a few bytes per occurrence group and
    point (their indexes in an array, their points' tuples shared by the groups of one candidate
    list), not a tuple each; the bonuses are those of groups that share nothing, and those of a
    group per occurrence (``merge=False``)."""
    text = "Police in Paris, Texas, and Sherman, Texas, and Athens, Ga., said so. " * 1000
    gp = Geoparser(gaz, ParseConfig())
    shared, peak = _colocated(gp, text, copies=False)
    alone, _ = _colocated(gp, text, copies=True)
    assert [(g.reasons, g.scores, g.support) for g in shared] == [(g.reasons, g.scores, g.support) for g in alone]
    assert any("near a possible" in str(t) for g in shared for terms in g.reasons for t in terms)
    assert peak / len(shared.voters) < 350     # (about 520 bytes a group with a tuple per group and point)
    apart, _ = _colocated(gp, text, copies=False, merge=False)
    assert len(apart) == len(shared.voters) > 10 * len(shared)
    outcome = {(g.spans[0].start, g.spans[0].text): (g.reasons, g.scores, g.support) for g in apart}
    for g in shared:
        for start, _ in g.spans.bounds():
            assert outcome[start, g.spans[0].text] == (g.reasons, g.scores, g.support)
