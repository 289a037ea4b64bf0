"""The refresh's plan (``geomap.pipeline.plan``): its rules as tables of plain data, no I/O.

Every case builds what the store holds, what the sources offer and the fingerprints, and checks
what ``plan`` decides: which files to read, what to process and why, what to delete, restamp and
mark to parse again, and how to render. The paths named here do not exist: the plan never looks.
"""
from __future__ import annotations

import json

import pytest

from geomap.pipeline.plan import (RACY_NS, Content, Fingerprints, Found, Plan, Stat, Work,
                                  changed_names, plan)
from geomap.store import FileStamp, StoredArticle

NOW = 2_000_000 * 10**9                 # the refresh's start, ns
OLD = NOW - RACY_NS - 1                 # an mtime old enough to trust
FRESH = NOW - RACY_NS                   # too close to the start ("racy")
H1, H2, H3 = "1" * 64, "2" * 64, "3" * 64
K1, K2 = "a" * 64, "b" * 64             # text keys
NAMES = json.dumps({"pins": {}, "ignore": []})


def fps(**changed) -> Fingerprints:
    """Fingerprints where nothing changed, except the ``*_before`` values given."""
    values = dict(parse_before="p", parse_now="p", names_before=NAMES, names_now=NAMES,
                  regions_before="g", regions_now="g", render_before="r", render_now="r")
    values.update(changed)
    return Fingerprints(**values)


def stored(sha=H1, source="articles/a.txt", stamp=None, again=False) -> StoredArticle:
    return StoredArticle(sha, source, stamp, again)


def stamp(size=10, mtime=OLD, key=K1) -> FileStamp:
    return FileStamp(size, mtime, key)


def file(aid="a", source="articles/a.txt", size=10, mtime=OLD, content=None, error=None) -> Found:
    return Found(aid, source, "file", None if size is None else Stat(size, mtime), content, error)


def read(aid="a", sha=H1, key=K1, names=False, **kw) -> Found:
    return file(aid, content=Content(sha, key, names), **kw)


def decide(stored_articles, found, fingerprints=None, **kw) -> Plan:
    return plan(stored_articles, found, fingerprints or fps(), NOW, **kw)


# --- what is read ---------------------------------------------------------------------------------

READS = [
    # (case, stored "a" or None, the file as found, fingerprints, extra keywords, read?)
    ("stamp matches, settled", stored(stamp=stamp()), file(), fps(), {}, False),
    ("stamp matches but racy", stored(stamp=stamp(mtime=FRESH)), file(mtime=FRESH), fps(), {}, True),
    ("size differs", stored(stamp=stamp()), file(size=11), fps(), {}, True),
    ("mtime differs", stored(stamp=stamp()), file(mtime=OLD - 1), fps(), {}, True),
    ("no stamp stored", stored(), file(), fps(), {}, True),
    ("new file", None, file(), fps(), {}, True),
    ("cannot be stat'ed", stored(stamp=stamp()), file(size=None), fps(), {}, True),
    ("parse settings changed", stored(stamp=stamp()), file(), fps(parse_before="old"), {}, True),
    ("its text names a changed pin", stored(stamp=stamp()), file(), fps(), {"naming": frozenset("a")}, True),
    ("marked to parse again (online outage)", stored(stamp=stamp(), again=True), file(), fps(), {}, True),
    ("a name that is not UTF-8", None, file(error="bad name"), fps(), {}, False),
]


@pytest.mark.parametrize("case, before, found, fingerprints, kw, expected", READS, ids=[r[0] for r in READS])
def test_which_files_are_read(case, before, found, fingerprints, kw, expected):
    decided = decide({} if before is None else {"a": before}, [found], fingerprints, **kw)
    assert decided.read == (("a",) if expected else ())
    if not expected:                    # decided without reading: left unread, or failed
        assert decided.kept | decided.failed == {"a"} and decided.process == ()


def test_while_something_must_be_read_nothing_else_is_decided():
    decided = decide({"a": stored(), "gone": stored(source="articles/gone.txt")}, [file()])
    assert decided == Plan(read=("a",))            # no delete, no render before the read


# --- what is processed, and why -------------------------------------------------------------------

PROCESS = [
    # (case, stored "a" or None, content found, fingerprints, expected work or None)
    ("new", None, read(), fps(), Work("a", "new")),
    ("changed bytes", stored(sha=H2), read(), fps(), Work("a", "changed")),
    ("same bytes", stored(), read(), fps(), None),
    ("same bytes, parse settings changed", stored(), read(), fps(parse_before="x"), Work("a", "reparsed")),
    ("same bytes, a changed pin named", stored(), read(names=True), fps(), Work("a", "reparsed")),
    ("same bytes, marked to parse again", stored(again=True), read(), fps(), Work("a", "reparsed")),
    ("changed bytes, marked to parse again", stored(sha=H2, again=True), read(), fps(), Work("a", "changed")),
]


@pytest.mark.parametrize("case, before, found, fingerprints, expected", PROCESS, ids=[r[0] for r in PROCESS])
def test_what_is_processed_and_why(case, before, found, fingerprints, expected):
    decided = decide({} if before is None else {"a": before}, [found], fingerprints)
    assert decided.read == () and decided.articles == {"a"}
    assert decided.process == ((expected,) if expected else ())
    assert decided.outputs_stale == bool(expected)


def test_the_online_outage_case_end_to_end():
    """A version stored while the online geocoder failed is marked; the next refresh reads it
    although its stamp matches, and parses it again although its bytes did not change."""
    before = {"a": stored(stamp=stamp(), again=True)}
    assert decide(before, [file()]).read == ("a",)
    decided = decide(before, [read(mtime=OLD)])
    assert decided.process == (Work("a", "reparsed"),) and decided.restamp == ()
    assert decided.stamps == {"a": stamp()}        # stored with the new version


# --- stamps: the racy-mtime rule ------------------------------------------------------------------

@pytest.mark.parametrize("mtime, expected", [(OLD, stamp()), (FRESH, None), (NOW + 10**9, None)])
def test_a_stamp_is_recorded_only_for_a_settled_mtime(mtime, expected):
    decided = decide({}, [read(mtime=mtime)])
    assert decided.stamps == {"a": expected}


def test_a_file_read_again_with_the_same_bytes_is_restamped_not_processed():
    decided = decide({"a": stored(), "b": stored(sha=H2, source="articles/b.txt")},
                     [read(), read("b", sha=H3, key=K2, source="articles/b.txt")])
    assert decided.restamp == (("a", H1, stamp()),)        # b changed: stamped with its version
    assert decided.process == (Work("b", "changed"),)


def test_a_feed_entry_gets_no_stamp():
    entry = Found("f", "https://example.org/1", "feed", content=Content(H1, K1))
    decided = decide({}, [entry])
    assert decided.stamps == {} and decided.process == (Work("f", "new"),)


# --- duplicates -----------------------------------------------------------------------------------

def test_a_second_file_with_the_same_id_is_skipped_and_reported():
    decided = decide({}, [read(source="articles/a.txt"), read(source="copy/a.txt")])
    assert decided.errors == ("copy/a.txt: same id as articles/a.txt; skipped",)
    assert decided.failed == {"a"} and decided.process == (Work("a", "new"),)


def test_same_id_after_an_unread_unchanged_file_names_the_stored_source():
    decided = decide({"a": stored(stamp=stamp())}, [file(), file(source="copy/a.txt")])
    assert decided.read == () and decided.errors == ("copy/a.txt: same id as articles/a.txt; skipped",)


def test_when_the_first_file_of_an_id_cannot_be_read_the_next_one_is():
    found = [file(source="articles/a.txt"), file(source="copy/a.txt")]
    assert decide({}, found).read == ("a",)               # only the first
    found[0] = file(source="articles/a.txt", error="articles/a.txt: cannot read")
    assert decide({}, found).read == ("a",)               # now the second
    found[1] = read(source="copy/a.txt")
    decided = decide({}, found)
    assert decided.errors == ("articles/a.txt: cannot read",) and decided.process == (Work("a", "new"),)


COPIES = [
    # (case, stored ids, ids found in order (all with the same text), winner)
    ("none stored: the first found wins", [], ["x", "y"], "x"),
    ("the stored one wins though found later", ["y"], ["x", "y"], "y"),
    ("the first stored wins when both are", ["x", "y"], ["x", "y"], "x"),
]


@pytest.mark.parametrize("case, before, ids, winner", COPIES, ids=[c[0] for c in COPIES])
def test_of_copies_the_stored_one_wins_else_the_first(case, before, ids, winner):
    stored_articles = {aid: stored(source=f"articles/{aid}.txt") for aid in before}
    decided = decide(stored_articles, [read(aid, source=f"articles/{aid}.txt") for aid in ids])
    assert decided.articles == {winner} and decided.duplicates == len(ids) - 1
    assert {w.id for w in decided.process} <= {winner}
    assert set(decided.delete) == set(before) - {winner}     # a stored copy that lost goes


# --- what is deleted, and what is kept -------------------------------------------------------------

DELETES = [
    # (case, keywords, found, expected delete, a note?)
    ("no source has it: forgotten", {}, [], ("gone",), False),
    ("its source is unavailable: held", {"held": frozenset({"gone"})}, [], (), False),
    ("a source is missing: nothing forgotten", {"missing_sources": 1}, [], (), True),
    ("unreadable now: its stored version is kept", {},
     [file("gone", "articles/gone.txt", error="articles/gone.txt: cannot read")], (), False),
]


@pytest.mark.parametrize("case, kw, found, expected, note", DELETES, ids=[d[0] for d in DELETES])
def test_what_is_deleted(case, kw, found, expected, note):
    before = {"gone": stored(source="articles/gone.txt"), "feed": stored(sha=H2, source="https://x.org/1")}
    decided = decide(before, found, **kw)
    assert decided.delete == expected                       # a feed entry is never forgotten here
    assert (decided.held_note is not None) == note
    assert decided.outputs_stale == bool(expected)
    if note:
        assert decided.held_note.startswith("1 stored article(s) no source has now are kept")


# --- stale marks: pins, ignored names, settings ---------------------------------------------------

def test_after_a_settings_change_every_stored_article_not_deleted_is_stale():
    before = {"a": stored(), "b": stored(sha=H2, source="articles/b.txt"),
              "c": stored(sha=H3, source="articles/c.txt")}
    decided = decide(before, [read(), file("b", "articles/b.txt", error="unreadable")],
                     fps(parse_before="old"))
    assert decided.stale == {"a", "b"} and decided.delete == ("c",)
    assert decided.process == (Work("a", "reparsed"),)     # b, unread, is marked by the executor


def test_after_a_pin_change_only_the_articles_naming_it_are_stale():
    before = {"a": stored(stamp=stamp()), "b": stored(sha=H2, source="articles/b.txt", stamp=stamp(key=K2))}
    found = [file(), file("b", "articles/b.txt")]
    decided = decide(before, found, naming=frozenset({"b"}))
    assert decided.read == ("b",) and decided.stale == set()     # nothing decided yet
    found[1] = read("b", sha=H2, key=K2, names=True, source="articles/b.txt")
    decided = decide(before, found, naming=frozenset({"b"}))
    assert decided.stale == {"b"} and decided.process == (Work("b", "reparsed"),)
    assert decided.kept == {"a"}


def pins(**by_name) -> str:
    return json.dumps({"pins": by_name, "ignore": []})


CHANGED = [
    ("nothing changed", fps(), set()),
    ("parse settings changed: everything", fps(parse_before="old"), None),
    ("a store from before names were tracked", fps(names_before=None), set()),
    ("a pin added", fps(names_before=pins(), names_now=pins(kyiv=[1])), {"kyiv"}),
    ("a pin moved", fps(names_before=pins(kyiv=[1]), names_now=pins(kyiv=[2])), {"kyiv"}),
    ("a name ignored", fps(names_now=json.dumps({"pins": {}, "ignore": ["may"]})), {"may"}),
    ("unreadable before", fps(names_before="{", names_now=pins(lviv=[1])), {"lviv"}),
]


@pytest.mark.parametrize("case, fingerprints, expected", CHANGED, ids=[c[0] for c in CHANGED])
def test_changed_names(case, fingerprints, expected):
    assert changed_names(fingerprints) == expected


# --- renders --------------------------------------------------------------------------------------

RENDERS = [
    # (case, stored, found, fingerprints, outputs exist, render?, partial?)
    ("nothing to do", {"a": stored()}, [read()], fps(), True, False, False),
    ("the map is missing", {"a": stored()}, [read()], fps(), False, True, False),
    ("render settings changed", {"a": stored()}, [read()], fps(render_before="old"), True, True, False),
    ("forget left the outputs stale", {"a": stored()}, [read()], fps(render_before=""), True, True, False),
    ("only new articles: partial", {"a": stored()}, [read(), read("b", sha=H2, key=K2)], fps(),
     True, True, True),
    ("new but the map is missing: full", {}, [read()], fps(), False, True, False),
    ("new but the outputs were stale: full", {}, [read()], fps(render_before=""), True, True, False),
    ("a changed article: full", {"a": stored(sha=H2)}, [read()], fps(), True, True, False),
    ("new and a deletion: full", {"z": stored(source="articles/z.txt")}, [read()], fps(), True, True, False),
    ("new and the regions changed: full", {}, [read()], fps(regions_before="old"), True, True, False),
    ("the regions changed alone", {"a": stored()}, [read()], fps(regions_before="old"), True, True, False),
]


@pytest.mark.parametrize("case, before, found, fingerprints, exist, render, partial", RENDERS,
                         ids=[r[0] for r in RENDERS])
def test_how_the_outputs_are_rendered(case, before, found, fingerprints, exist, render, partial):
    decided = decide(before, found, fingerprints, outputs_exist=exist)
    assert (decided.render, decided.partial) == (render, partial)
    assert decided.update_regions == (fingerprints.regions_before != fingerprints.regions_now)


# --- cost -----------------------------------------------------------------------------------------

class _CountedId(str):
    """An article id that counts how often it is compared for equality (``in`` on a list)."""

    compared = 0

    def __eq__(self, other):
        _CountedId.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_a_cold_build_plan_compares_each_id_a_bounded_number_of_times():
    """Deciding what to read in a cold build must not compare every file's id with every earlier
    one: a list's ``in`` made the plan quadratic (≈ 55 s at 100,000 files)."""
    n = 2000
    found = [file(_CountedId(f"a{i:05d}"), source=f"articles/a{i:05d}.txt") for i in range(n)]
    _CountedId.compared = 0
    decided = decide({}, found)
    assert decided.read == tuple(f.id for f in found)
    assert _CountedId.compared <= 4 * n, _CountedId.compared
