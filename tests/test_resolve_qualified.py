"""Qualified names (``Paris, Texas``) written again and again (issue 9): one resolver group per
written name and qualifier, not per occurrence, with every decision and every float as when each
occurrence was a group of its own (``group_spans(..., merge=False)``, the reference)."""
from __future__ import annotations

import functools

import pytest

import geomap.resolve as resolve_module
from geomap.resolve_group import GroupList, group_spans
from geomap.resolve_near import focus

UNIT = ("PARIS, Texas — Police in Paris, Texas, and Athens, Ga., met officials from Paris, France, "
        "and Athens, Georgia. Dallas and Dallas and Dallas and Houston and Houston said so. "
        "Springfield, Illinois, and Springfield, Missouri, and Kyiv and Lviv and Paris.\n\n")


def _decided(gp, text: str, monkeypatch, merge: bool):
    """Mentions (with their explanations), the focus counters and the groups of ``text``."""
    seen = []

    def spy(groups):
        countries, admin1 = focus(groups)
        seen.append((dict(countries), dict(admin1), groups))
        return countries, admin1

    monkeypatch.setattr(resolve_module, "focus", spy)
    monkeypatch.setattr(resolve_module, "group_spans", functools.partial(group_spans, merge=merge))
    mentions = gp.parse(text, explain=True)
    (counters,) = seen
    return mentions, counters


def _mention_fields(mentions) -> list:
    return [(m.start, m.end, m.text, m.place, m.score, m.explain, m.runner_up) for m in mentions]


@pytest.mark.parametrize("copies", [1, 4, 7])
def test_qualified_groups_merged_decide_as_groups_per_occurrence(gp, monkeypatch, copies):
    """Every mention, score and explanation line is the same with one group per written name and
    qualifier as with a group per occurrence, and so are the focus votes' float sums."""
    text = UNIT * copies
    merged, (countries, admin1, groups) = _decided(gp, text, monkeypatch, merge=True)
    alone, (countries_ref, admin1_ref, groups_ref) = _decided(gp, text, monkeypatch, merge=False)
    assert _mention_fields(merged) == _mention_fields(alone)
    assert countries == countries_ref and admin1 == admin1_ref          # bit for bit (== on floats)
    assert list(countries) == list(countries_ref)                       # and in the same order
    assert isinstance(groups, GroupList) and len(groups.voters) == len(groups_ref)
    if copies > 1:
        assert len(groups) < len(groups_ref) / 3
        (paris_tx,) = [g for g in groups if g.qualified and g.spans[0].text == "Paris"
                       and g.candidates[0].place.country == "US"]
        assert paris_tx.alone and len(paris_tx.spans) == copies


def test_a_name_with_different_qualifiers_keeps_a_group_per_qualifier(gp, monkeypatch):
    """``Paris, Texas`` and ``Paris, France``, ``Springfield, Illinois`` and ``Springfield,
    Missouri``, ``PARIS, Texas`` (a dateline, another writing) are never merged: each resolves
    inside its own qualifier."""
    text = UNIT * 4
    mentions, (_, _, groups) = _decided(gp, text, monkeypatch, merge=True)
    qualified = [g for g in groups if g.qualified]
    assert len(qualified) == 7                 # PARIS and Paris (Texas), Paris (France), Athens x2, Springfield x2
    assert all(len(g.spans) == 4 and len(g.spans.distinct()) == 1 for g in qualified)
    after = {}
    for m, nxt in zip(mentions, mentions[1:]):
        if text[m.end:nxt.start] == ", " and m.text in ("Paris", "Springfield"):
            after.setdefault((m.text, nxt.text), set()).add((m.place.country, m.place.admin1))
    assert after[("Paris", "Texas")] == {("US", "Texas")}
    assert after[("Paris", "France")] == {("FR", "Ile-de-France")}
    assert after[("Springfield", "Illinois")] == {("US", "Illinois")}
    assert after[("Springfield", "Missouri")] == {("US", "Missouri")}


def test_the_votes_are_summed_in_the_order_of_the_occurrences(gp, monkeypatch):
    """The text is chosen so that the order matters: adding the merged groups' votes group by
    group (each weight times its occurrences) gives another float than the occurrences' order,
    and ``focus`` gives the latter (the reference's)."""
    text = UNIT * 4
    _, (countries, _, groups) = _decided(gp, text, monkeypatch, merge=True)
    _, (countries_ref, _, groups_ref) = _decided(gp, text, monkeypatch, merge=False)
    by_group = 0.0
    for g in groups:
        if g.vote is not None and g.vote[0] == "US":
            for _ in range(len(g.spans) if g.alone else 1):
                by_group += g.vote[2]
    in_order = 0.0
    for g in groups_ref:
        if g.vote is not None and g.vote[0] == "US":
            in_order += g.vote[2]
    assert by_group != in_order                # the test would see a change of order
    assert countries["US"] == in_order == countries_ref["US"]


def test_a_qualified_names_group_is_found_from_its_pair_of_records(gp, monkeypatch):
    """The area of ``Paris, Texas`` is looked up once per pair of written names, not once per
    occurrence (a 20 MB article repeats the pair millions of times); the groups are the same."""
    from geomap.resolve_group import Qualified

    asked = []
    real = Qualified.area
    monkeypatch.setattr(Qualified, "area", lambda self, k: asked.append(k) or real(self, k))
    _decided(gp, UNIT, monkeypatch, merge=True)
    once = len(asked)
    asked.clear()
    _decided(gp, UNIT * 7, monkeypatch, merge=True)
    assert once > 0 and len(asked) == once                      # the repeats ask nothing more
    # (and decide as a group per occurrence: test_qualified_groups_merged_decide_as_groups_per_occurrence)


def test_an_article_without_streets_skips_street_placement(gp, monkeypatch):
    import geomap.resolve as resolve_module

    called = []
    real = resolve_module._place_streets
    monkeypatch.setattr(resolve_module, "_place_streets", lambda entries: called.append(1) or real(entries))
    gp.parse(UNIT)
    assert called == []
    gp.parse("Police closed Main Street in Kyiv. " + UNIT)
    assert called == [1]
