"""The no-op refresh's fast path (``pipeline.unchanged``, issue 13): taken when nothing is new, and
never when the full plan would find something to do."""
from __future__ import annotations

import ast
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import geomap.articles
import geomap.pipeline.execute
import geomap.pipeline.plan
import geomap.pipeline.unchanged
from geomap.config import load_config
from geomap.pipeline import forget, refresh
from geomap.store import Store

from conftest import THIRD, count_reads, write, write_config


def _age(*paths: Path, seconds: int = 3600) -> None:
    then = time.time_ns() - seconds * 10**9
    for path in paths:
        os.utime(path, ns=(then, then))


def _refresh(root: Path):
    return refresh(load_config(None, root))


def _planned(monkeypatch) -> list[int]:
    """Counts the full plan's calls from now on (the fast path makes none)."""
    calls, real = [], geomap.pipeline.execute.plan

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(geomap.pipeline.execute, "plan", counting)
    return calls


@pytest.fixture
def stored(mapped_project: Path, gazetteer_path: Path) -> Path:
    """Two articles in ``articles/``, two in ``inbox/`` and ``inbox/sub/`` (a second source: ids
    qualified) and a single-file source, all stored with settled stamps, and the map rendered."""
    root = mapped_project
    write(root / "inbox" / "sub" / "geneva.txt", THIRD)
    write(root / "inbox" / "zurich.txt", THIRD.replace("Geneva", "Zurich"))
    write(root / "single" / "one.txt", THIRD.replace("Geneva", "Lyon"))
    write_config(root, gazetteer_path,
                 "sources:\n  - path: articles\n  - path: inbox\n  - path: single/one.txt\n"
                 "    kind: file\n")
    _age(*(p for p in root.rglob("*") if p.is_file() and "config" not in p.parts))
    first = _refresh(root)
    assert (first.new, first.failed, first.errors) == (5, 0, ())
    return root


def test_nothing_new_takes_the_fast_path_with_the_full_plans_summary(stored, monkeypatch):
    calls = _planned(monkeypatch)

    def unread(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(geomap.pipeline.execute, "read_stamped", unread)
    fast = _refresh(stored)
    assert calls == []
    assert fast.nothing_new and not fast.rendered
    assert (fast.unchanged, fast.failed, fast.errors) == (5, 0, ())
    assert (fast.places, fast.mentions) == _counted(stored)
    assert str(fast).startswith("nothing new: 0 new, 0 changed, 0 deleted, 5 unchanged, 0 failed")


def _counted(root: Path) -> tuple[int, int]:
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        counts = store.counts()
    return counts["places"], counts["mentions"]


def _rewrite_same_size(root: Path) -> None:
    """Other bytes, same size, and an mtime that differs from the stamp's (still long settled)."""
    path = root / "articles" / "odesa.txt"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Istanbul", b"Ankara!!"))
    assert path.stat().st_size == len(data)
    _age(path, seconds=1800)


def _touch_only(root: Path) -> None:
    _age(root / "articles" / "odesa.txt", seconds=1800)


def _delete_nested(root: Path) -> None:
    (root / "inbox" / "sub" / "geneva.txt").unlink()


def _add_nested(root: Path) -> None:
    _age(write(root / "inbox" / "sub" / "deeper" / "new.txt", THIRD.replace("Geneva", "Bern")))


def _delete_single(root: Path) -> None:
    (root / "single" / "one.txt").unlink()


def _retitle(root: Path) -> None:
    path = root / "config" / "geomap.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "map:\n  title: Other\n", encoding="utf-8")


def _mark_again(root: Path) -> None:
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        store.mark_parse_again([aid for aid, (_sha, src) in store.article_sources().items()
                                if src.endswith("valencia.md")])


def _remove_map(root: Path) -> None:
    (root / "output" / "map.html").unlink()


def _rename_same_stat(root: Path) -> None:
    """Another name (so another id), the same size and mtime: only the listing's paths differ."""
    path = root / "articles" / "odesa.txt"
    path.rename(path.with_name("odesa-renamed.txt"))


def _restamp_in_store_only(root: Path) -> None:
    """A stored stamp changed behind the refresh's back, no file touched: the recorded listing
    still matches the files, but no longer the store."""
    db = sqlite3.connect(root / ".geomap" / "geomap.sqlite", isolation_level=None)
    db.execute("UPDATE articles SET size = size + 1 WHERE source LIKE '%odesa.txt'")
    db.close()


def _reorder_sources(root: Path) -> None:
    """The same files, but ``inbox`` is now the first source: every id changes."""
    path = root / "config" / "geomap.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - path: articles\n  - path: inbox\n",
                                 "  - path: inbox\n  - path: articles\n"), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text


CHANGES = {
    "same size, other mtime": (_rewrite_same_size, lambda s: s.changed == 1 and s.rendered),
    "touched, same bytes": (_touch_only, lambda s: s.nothing_new and s.unchanged == 5),
    "deleted in a subfolder": (_delete_nested, lambda s: s.deleted == 1 and s.rendered),
    "new in a new subfolder": (_add_nested, lambda s: s.new == 1 and s.rendered),
    "single file source gone": (_delete_single, lambda s: s.unavailable == 1 and s.deleted == 0),
    "map title changed": (_retitle, lambda s: s.nothing_new and s.rendered),
    "marked to parse again": (_mark_again, lambda s: s.reparsed == 1),
    "map file missing": (_remove_map, lambda s: s.rendered),
    "renamed, same size and mtime": (_rename_same_stat, lambda s: (s.new, s.deleted) == (1, 1)),
    "a stamp changed in the store only": (_restamp_in_store_only,
                                          lambda s: s.nothing_new and s.unchanged == 5),
    "sources in another order": (_reorder_sources, lambda s: s.new == 4 and s.deleted == 4),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_change_falls_back_to_the_full_plan(stored, monkeypatch, change):
    make, seen = CHANGES[change]
    _refresh(stored)
    calls = _planned(monkeypatch)
    make(stored)
    summary = _refresh(stored)
    assert calls, "the fast path answered although something changed"
    assert seen(summary), summary
    calls.clear()
    again = _refresh(stored)
    assert again.nothing_new and (again.places, again.mentions) == _counted(stored)
    # Settled again, fast once more; a source still unavailable is reported every time.
    assert bool(calls) == bool(summary.unavailable)


def test_a_listing_proved_unchanged_is_trusted_while_no_article_row_changed(stored, monkeypatch):
    """The first no-op proves the files against the stored stamps and records the listing; the
    next one only lists and stats: no stored row read, no id computed, the same summary."""
    assert _refresh(stored).nothing_new            # proves and records
    calls = _planned(monkeypatch)

    def unused(*args, **kwargs):
        raise AssertionError("the store's rows or the ids were consulted")

    monkeypatch.setattr(Store, "stamp_rows", unused)
    monkeypatch.setattr(geomap.pipeline.unchanged, "relative_id", unused)
    monkeypatch.setattr(geomap.pipeline.unchanged, "article_id", unused)
    fast = _refresh(stored)
    assert calls == []
    assert (fast.unchanged, fast.failed, fast.errors, fast.rendered) == (5, 0, (), False)
    assert (fast.places, fast.mentions) == _counted(stored)


def test_the_recorded_listing_is_not_trusted_once_an_article_row_changed(stored, monkeypatch):
    """Any write to an article row (here: forgetting one, whose file is still there) makes the
    next refresh prove the files again, and the full plan stores that article again."""
    assert _refresh(stored).nothing_new
    assert forget(load_config(None, stored), "articles/odesa.txt") == 1
    calls = _planned(monkeypatch)
    summary = _refresh(stored)
    assert calls and summary.new == 1 and summary.rendered


def test_a_no_op_refresh_loads_no_network_or_feed_code(stored):
    """What a no-op's start-up pays for: not the feed reader nor urllib, http and email (≈ 30 ms
    of imports; the planner needed only ``is_feed_source``), nor the renderer."""
    script = """if True:
        import sys
        from geomap.cli import main
        assert main(["--root", sys.argv[1], "refresh", "--quiet"]) == 0
        print(sorted(sys.modules))
    """
    done = subprocess.run([sys.executable, "-c", script, str(stored)], capture_output=True,
                          text=True, check=True)
    loaded = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert "geomap.pipeline.unchanged" in loaded
    heavy = ("geomap.feeds", "geomap.render", "urllib.request", "http.client", "email.parser", "ssl")
    assert [m for m in loaded if m.startswith(heavy)] == []


def test_an_emptied_folder_source_is_held_by_the_full_plan(stored, monkeypatch):
    calls = _planned(monkeypatch)
    (stored / "inbox" / "sub" / "geneva.txt").unlink()
    (stored / "inbox" / "zurich.txt").unlink()
    summary = _refresh(stored)
    assert calls and summary.deleted == 0 and summary.unavailable == 1
    assert any("holds no article file now" in e for e in summary.errors)


def test_a_stamp_no_longer_settled_is_not_trusted(stored, monkeypatch):
    """The racy-mtime rule applies to the fast path too: with a window wider than the files' age
    (a clock set back), every file is read again by the full plan."""
    monkeypatch.setattr(geomap.pipeline.plan, "RACY_NS", 10 * 3600 * 10**9)
    calls = _planned(monkeypatch)
    summary = _refresh(stored)
    assert calls and summary.nothing_new and summary.unchanged == 5


def test_an_unreadable_new_file_name_falls_back_and_is_reported(stored, monkeypatch):
    calls = _planned(monkeypatch)
    _age(write(stored / "articles" / os.fsdecode(b"bad-\xff.txt"), THIRD))
    summary = _refresh(stored)
    assert calls and summary.failed == 1 and "not valid UTF-8" in summary.errors[0]


# --- only new files (issue 13: a +10 onto 100,000 plans the 10) ---------------------------------

def _full_gathers(monkeypatch) -> list[int]:
    """Counts the full gather's listings from now on (the added-only path makes none)."""
    calls, real = [], geomap.pipeline.execute.discover_ids

    def counting(config):
        calls.append(1)
        return real(config)

    monkeypatch.setattr(geomap.pipeline.execute, "discover_ids", counting)
    return calls


def _stamp_of(root: Path, prefix: str):
    """The stored ``(size, mtime_ns)`` of the articles whose id starts with ``prefix``."""
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        rows, _sources = store.stamp_rows()
    return [row[1:3] for row in rows if row[0].startswith(prefix)]


def test_only_new_files_are_read_and_planned_alone(stored, monkeypatch):
    gathers = _full_gathers(monkeypatch)
    read, real_read = [], geomap.pipeline.execute.read_stamped

    def reading(path):
        read.append(Path(path).name)
        return real_read(path)

    monkeypatch.setattr(geomap.pipeline.execute, "read_stamped", reading)
    monkeypatch.setattr(Store, "stored_articles", lambda self: pytest.fail("every row loaded"))
    a = write(stored / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern"))
    b = write(stored / "inbox" / "new" / "deep" / "lyon.txt", THIRD.replace("Geneva", "Marseille"))
    _age(a, b)
    summary = _refresh(stored)
    assert gathers == [] and sorted(read) == ["bern.txt", "lyon.txt"]
    assert str(summary).startswith("refreshed: 2 new, 0 changed, 0 deleted, 5 unchanged, 0 failed")
    assert summary.rendered and summary.errors == () and summary.duplicates == 0
    assert (summary.places, summary.mentions) == _counted(stored)
    assert _stamp_of(stored, "bern-") == [(a.stat().st_size, a.stat().st_mtime_ns)]
    with Store(stored / ".geomap" / "geomap.sqlite") as store:
        sources = store.article_sources()
    config = load_config(None, stored)
    listed = {aid: str(path) for path, _root, aid in geomap.articles.discover_ids(config)}
    assert {aid: src for aid, (_sha, src) in sources.items()} == listed     # ids, sources as in full
    again = _refresh(stored)        # stored with their stamps: the no-op from now on
    assert again.nothing_new and again.unchanged == 7 and gathers == []


def test_a_new_file_not_yet_settled_gets_no_stamp(stored, monkeypatch):
    gathers = _full_gathers(monkeypatch)
    write(stored / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern"))     # mtime: now
    summary = _refresh(stored)
    assert gathers == [] and (summary.new, summary.unchanged) == (1, 5)
    assert _stamp_of(stored, "bern-") == [(None, None)]      # the racy-mtime rule, as the plan


def _add(root: Path) -> None:
    _age(write(root / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern")))


def _move_between_subfolders(root: Path) -> None:
    path = root / "inbox" / "sub" / "geneva.txt"
    (root / "inbox" / "other").mkdir()
    path.rename(root / "inbox" / "other" / "geneva.txt")


def _replace_same_path(root: Path) -> None:
    """The stored id's file rewritten with other text: its id is stored, its stamp is not its."""
    path = root / "articles" / "odesa.txt"
    _age(write(path, THIRD.replace("Geneva", "Valletta") + "More.\n"), seconds=1800)


def _copy_of_stored(root: Path) -> None:
    """A new file whose text is a stored article's: the stored one wins (the full plan)."""
    _age(write(root / "articles" / "copy.txt", (root / "inbox" / "zurich.txt").read_text("utf-8")))


def _two_copies(root: Path) -> None:
    _age(write(root / "articles" / "twin.txt", THIRD.replace("Geneva", "Bern")))


def _feed_too(root: Path) -> None:
    write(root / "feeds" / "desk.xml",
          '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><item><title>Lima'
          '</title><description>A quake shook Lima.</description><guid>1</guid></item>'
          '</channel></rss>')
    path = root / "config" / "geomap.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    kind: file\n", "    kind: file\n  - path: feeds/desk.xml\n    kind: feed\n"), encoding="utf-8")


ADDED_WITH = {
    "same-size rewrite": (_rewrite_same_size, lambda s: (s.new, s.changed) == (1, 1)),
    "touch": (_touch_only, lambda s: (s.new, s.unchanged) == (1, 5)),
    "deletion": (_delete_nested, lambda s: (s.new, s.deleted, s.unchanged) == (1, 1, 4)),
    "rename": (_rename_same_stat, lambda s: (s.new, s.deleted) == (2, 1)),
    "move between subfolders": (_move_between_subfolders, lambda s: (s.new, s.deleted) == (2, 1)),
    "id of a stored file, other text": (_replace_same_path, lambda s: (s.new, s.changed) == (1, 1)),
    "copy of a stored text": (_copy_of_stored, lambda s: (s.new, s.duplicates) == (1, 1)),
    "two new copies": (_two_copies, lambda s: (s.new, s.duplicates) == (1, 1)),
    "marked to parse again": (_mark_again, lambda s: (s.new, s.reparsed) == (1, 1)),
    "a feed source": (_feed_too, lambda s: s.new == 2),
}


@pytest.mark.parametrize("change", ADDED_WITH, ids=list(ADDED_WITH))
def test_an_addition_with_anything_else_is_gathered_in_full(stored, monkeypatch, change):
    make, seen = ADDED_WITH[change]
    gathers = _full_gathers(monkeypatch)
    _add(stored)
    make(stored)
    summary = _refresh(stored)
    assert gathers, "the added-only path answered although something else changed"
    assert seen(summary) and summary.failed == 0, summary
    odesa = stored / "articles" / "odesa.txt"
    if odesa.exists():      # touched or rewritten: its stamp is the file's now (it was stat'ed)
        assert _stamp_of(stored, "odesa-") == [(odesa.stat().st_size, odesa.stat().st_mtime_ns)]
    again = _refresh(stored)
    assert again.nothing_new and (again.places, again.mentions) == _counted(stored)


# --- stored without a stamp (issue 13: the refresh right after files arrive stamps none) -----------

def _young(root: Path) -> Path:
    """A new file stored while too young for a stamp (plan.RACY_NS), as under ``geomap watch``;
    returns it, aged since (settled now)."""
    path = write(root / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern"))
    first = _refresh(root)
    assert first.new == 1 and _stamp_of(root, "bern-") == [(None, None)]
    _age(path, seconds=1800)
    return path



def test_a_file_stored_without_a_stamp_is_read_again_and_stamped_without_the_full_gather(
        stored, monkeypatch):
    path = _young(stored)
    gathers, read = _full_gathers(monkeypatch), count_reads(monkeypatch)
    monkeypatch.setattr(Store, "stored_articles", lambda self: pytest.fail("every row loaded"))
    counted, real_counts = [], Store.counts
    monkeypatch.setattr(Store, "counts", lambda self: counted.append(1) or real_counts(self))
    summary = _refresh(stored)
    assert counted == []        # nothing stored: the last totals hold
    assert (summary.places, summary.mentions) == _counted(stored)
    assert gathers == [] and read == ["bern.txt"]
    assert summary.nothing_new and not summary.rendered and summary.unchanged == 6
    assert (summary.failed, summary.errors) == (0, ())
    assert _stamp_of(stored, "bern-") == [(path.stat().st_size, path.stat().st_mtime_ns)]
    read.clear()
    again = _refresh(stored)        # stamped now: the no-op, nothing read
    assert again.nothing_new and again.unchanged == 6 and read == [] and gathers == []


def test_unstamped_files_and_new_ones_are_read_together_without_the_full_gather(stored, monkeypatch):
    """bench_add's rounds and ``geomap watch``: each +10 arrives while the last 10 are unstamped."""
    _young(stored)
    gathers, read = _full_gathers(monkeypatch), count_reads(monkeypatch)
    write(stored / "inbox" / "lyon.txt", THIRD.replace("Geneva", "Marseille"))   # young too
    summary = _refresh(stored)
    assert gathers == [] and sorted(read) == ["bern.txt", "lyon.txt"]
    assert str(summary).startswith("refreshed: 1 new, 0 changed, 0 deleted, 6 unchanged, 0 failed")
    assert summary.rendered and (summary.places, summary.mentions) == _counted(stored)
    assert _stamp_of(stored, "bern-")[0][0] is not None
    assert _stamp_of(stored, "inbox-lyon-") == [(None, None)]    # too young, as the plan says


def test_an_unstamped_file_still_too_young_stays_unstamped(stored, monkeypatch):
    path = write(stored / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern"))
    assert _refresh(stored).new == 1
    gathers, read = _full_gathers(monkeypatch), count_reads(monkeypatch)
    summary = _refresh(stored)
    assert gathers == [] and read == ["bern.txt"] and summary.nothing_new
    assert _stamp_of(stored, "bern-") == [(None, None)]
    assert path.exists()


def test_an_unstamped_file_rewritten_is_processed_as_changed(stored, monkeypatch):
    path = _young(stored)
    gathers = _full_gathers(monkeypatch)
    _age(write(path, THIRD.replace("Geneva", "Valletta") + "More.\n"), seconds=1800)
    summary = _refresh(stored)
    assert gathers == [] and (summary.new, summary.changed, summary.unchanged) == (0, 1, 5)
    assert summary.rendered and (summary.places, summary.mentions) == _counted(stored)
    assert _stamp_of(stored, "bern-") == [(path.stat().st_size, path.stat().st_mtime_ns)]


def _unstamped_deleted(root: Path) -> None:
    (root / "articles" / "bern.txt").unlink()


def _unstamped_now_a_copy(root: Path) -> None:
    _age(write(root / "articles" / "bern.txt", (root / "inbox" / "zurich.txt").read_text("utf-8")),
         seconds=1800)


def _unstamped_and_new_alike(root: Path) -> None:
    _age(write(root / "articles" / "twin.txt", THIRD.replace("Geneva", "Bern")))


def _unstamped_marked_again(root: Path) -> None:
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        store.mark_parse_again([aid for aid in store.article_sources() if aid.startswith("bern-")])


UNSTAMPED_WITH = {
    "its file deleted": (_unstamped_deleted, lambda s: (s.deleted, s.unchanged) == (1, 5)),
    "now a copy of a stored text": (_unstamped_now_a_copy,
                                    lambda s: (s.duplicates, s.deleted) == (1, 1)),
    "a new copy of it": (_unstamped_and_new_alike, lambda s: (s.new, s.duplicates) == (0, 1)),
    "marked to parse again": (_unstamped_marked_again, lambda s: s.reparsed == 1),
    "a stamped file touched": (_touch_only, lambda s: s.nothing_new and s.unchanged == 6),
}


@pytest.mark.parametrize("change", UNSTAMPED_WITH, ids=list(UNSTAMPED_WITH))
def test_an_unstamped_file_with_anything_else_is_gathered_in_full(stored, monkeypatch, change):
    make, seen = UNSTAMPED_WITH[change]
    _young(stored)
    gathers = _full_gathers(monkeypatch)
    make(stored)
    summary = _refresh(stored)
    assert gathers, "the fast path answered although the full plan had more to decide"
    assert seen(summary) and summary.failed == 0, summary
    again = _refresh(stored)
    assert again.nothing_new and (again.places, again.mentions) == _counted(stored)


def test_an_unstamped_file_that_cannot_be_read_keeps_its_stored_version(stored, monkeypatch):
    """As the full plan: the read fails, the article counts as failed and stays stored."""
    _young(stored)
    gathers, real_read = _full_gathers(monkeypatch), geomap.pipeline.execute.read_stamped

    def refusing(path):
        if Path(path).name == "bern.txt":
            raise OSError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(geomap.pipeline.execute, "read_stamped", refusing)
    summary = _refresh(stored)
    assert gathers == [] and summary.failed == 1 and "bern.txt" in summary.errors[0]
    assert (summary.deleted, summary.unchanged, summary.rendered) == (0, 5, False)
    assert _stamp_of(stored, "bern-") == [(None, None)]


def _store_rows(root: Path) -> list[tuple]:
    db = sqlite3.connect(root / ".geomap" / "geomap.sqlite")
    try:
        return db.execute("SELECT id, sha256, size, mtime_ns, text_key, parse_again FROM articles "
                          "ORDER BY id").fetchall()
    finally:
        db.close()


def _summary_fields(summary) -> tuple:
    return (summary.new, summary.changed, summary.deleted, summary.failed, summary.unchanged,
            summary.reparsed, summary.duplicates, summary.rendered, summary.places,
            summary.mentions, len(summary.errors))


FAST_CASES = {
    "unstamped, settled": lambda root: None,
    "unstamped, with a new file": lambda root: write(root / "inbox" / "lyon.txt",
                                                     THIRD.replace("Geneva", "Marseille")),
    "unstamped, rewritten": lambda root: _age(write(root / "articles" / "bern.txt",
                                                    THIRD.replace("Geneva", "Valletta")), seconds=900),
}


@pytest.mark.parametrize("case", FAST_CASES, ids=list(FAST_CASES))
def test_the_fast_path_decides_as_the_full_gather(stored, tmp_path_factory, monkeypatch, case):
    """The same project refreshed twice from the same state, by the fast path and by the full
    gather (``survey`` answering None): the same summary and the same stored rows and stamps."""
    import shutil

    _young(stored)
    FAST_CASES[case](stored)
    before = tmp_path_factory.mktemp("before") / "project"
    shutil.copytree(stored, before, symlinks=True)      # copy2: the mtimes are kept
    gathers = _full_gathers(monkeypatch)
    fast = _refresh(stored)
    fast_rows = _store_rows(stored)
    assert gathers == []
    shutil.rmtree(stored)
    shutil.copytree(before, stored, symlinks=True)      # the same state, at the same path
    monkeypatch.setattr(geomap.pipeline.execute, "survey", lambda *args: None)
    full = _refresh(stored)
    assert gathers == [1]
    assert _summary_fields(fast) == _summary_fields(full)
    assert fast_rows == _store_rows(stored)


# --- the recorded listing (issue 13: a +10 onto 100,000 computes 10 ids, not 100,000) -----------

def _proofs(monkeypatch) -> tuple[list[int], list[int]]:
    """Counts the proofs against every stored stamp, and the diffs against a recorded listing."""
    proofs, diffs = [], []
    real_matched, real_diffed = geomap.pipeline.unchanged._matched, geomap.pipeline.unchanged._diffed

    def matched(*args):
        proofs.append(1)
        return real_matched(*args)

    def diffed(*args):
        diffs.append(1)
        return real_diffed(*args)

    monkeypatch.setattr(geomap.pipeline.unchanged, "_matched", matched)
    monkeypatch.setattr(geomap.pipeline.unchanged, "_diffed", diffed)
    return proofs, diffs


def _ids_computed(monkeypatch) -> list[str]:
    computed, real = [], geomap.pipeline.unchanged.relative_id

    def counting(rel, source):
        computed.append(rel)
        return real(rel, source)

    monkeypatch.setattr(geomap.pipeline.unchanged, "relative_id", counting)
    return computed


def test_after_a_proof_an_addition_is_diffed_against_the_recorded_listing(stored, monkeypatch):
    assert _refresh(stored).nothing_new             # proves every file, records the listing
    proofs, diffs = _proofs(monkeypatch)
    computed = _ids_computed(monkeypatch)
    gathers = _full_gathers(monkeypatch)
    monkeypatch.setattr(Store, "stamp_rows", lambda self: pytest.fail("every stamp read"))
    _add(stored)
    _age(write(stored / "inbox" / "sub" / "deeper" / "lyon.txt", THIRD.replace("Geneva", "Marseille")))
    summary = _refresh(stored)
    assert (proofs, diffs, gathers) == ([], [1], [])
    assert sorted(computed) == ["bern.txt", "sub/deeper/lyon.txt"]     # the new paths only
    assert str(summary).startswith("refreshed: 2 new, 0 changed, 0 deleted, 5 unchanged, 0 failed")
    with Store(stored / ".geomap" / "geomap.sqlite") as store:
        sources = store.article_sources()
    listed = {aid: str(path) for path, _root, aid in geomap.articles.discover_ids(load_config(None, stored))}
    assert {aid: src for aid, (_sha, src) in sources.items()} == listed


def test_each_addition_records_the_listing_for_the_next(stored, monkeypatch):
    """bench_add's rounds: +1 (too young for a stamp), +1, +1 without a no-op between: after the
    first proof, each round diffs against the listing the previous round recorded."""
    proofs, diffs = _proofs(monkeypatch)
    for n, city in enumerate(["Bern", "Porto", "Turin"]):
        write(stored / "articles" / f"{city.lower()}.txt", THIRD.replace("Geneva", city))
        summary = _refresh(stored)
        assert (summary.new, summary.unchanged, summary.failed) == (1, 5 + n, 0), summary
    assert (proofs, diffs) == ([1], [1, 1])
    assert _stamp_of(stored, "turin-") == [(None, None)]
    _age(*(stored / "articles" / f"{c}.txt" for c in ("bern", "porto", "turin")), seconds=1800)
    summary = _refresh(stored)      # settled now: read again and stamped, still from the record
    assert summary.nothing_new and summary.unchanged == 8 and (proofs, diffs) == ([1], [1, 1, 1])
    for city in ("bern", "porto", "turin"):
        path = stored / "articles" / f"{city}.txt"
        assert _stamp_of(stored, f"{city}-") == [(path.stat().st_size, path.stat().st_mtime_ns)]
    assert _refresh(stored).nothing_new and (proofs, diffs) == ([1], [1, 1, 1, 1])


def _recorded(root: Path) -> None:
    """A recorded listing with a file stored without a stamp in it."""
    assert _refresh(root).nothing_new
    write(root / "articles" / "bern.txt", THIRD.replace("Geneva", "Bern"))
    assert _refresh(root).new == 1


def _colliding(monkeypatch, rel: str, as_rel: str):
    """A new file ``rel`` whose id comes out as ``as_rel``'s (a hash collision, made)."""
    def make(root: Path) -> None:
        _age(write(root / "articles" / rel, THIRD.replace("Geneva", "Porto")))
        real = geomap.pipeline.unchanged.relative_id
        monkeypatch.setattr(geomap.pipeline.unchanged, "relative_id",
                            lambda r, source: real(as_rel if r == rel else r, source))
        real_all = geomap.articles.relative_id      # the full gather's ids collide the same way
        monkeypatch.setattr(geomap.articles, "relative_id",
                            lambda r, source: real_all(as_rel if r == rel else r, source))
    return make


RECORDED_THEN = {
    "a recorded stamped file rewritten": (_rewrite_same_size, lambda s: s.changed == 1),
    "a recorded file deleted": (_delete_nested, lambda s: s.deleted == 1),
    "the unstamped file deleted": (_unstamped_deleted, lambda s: s.deleted == 1),
    "a file renamed": (_rename_same_stat, lambda s: (s.new, s.deleted) == (1, 1)),
}


@pytest.mark.parametrize("change", [*RECORDED_THEN, "a new id is a stored one's",
                                    "two new files with one id", "clock set back"])
def test_a_recorded_listing_never_answers_what_the_full_plan_must(stored, monkeypatch, change):
    _recorded(stored)
    proofs, diffs = _proofs(monkeypatch)
    gathers = _full_gathers(monkeypatch)
    if change == "a new id is a stored one's":
        _colliding(monkeypatch, "other.txt", "odesa.txt")(stored)
        seen = lambda s: s.failed == 1          # noqa: E731 - "same id as ...; skipped"
    elif change == "two new files with one id":
        _age(write(stored / "articles" / "first.txt", THIRD.replace("Geneva", "Turin")))
        _colliding(monkeypatch, "second.txt", "first.txt")(stored)
        seen = lambda s: s.new == 1 and s.failed == 1      # noqa: E731
    elif change == "clock set back":
        monkeypatch.setattr(geomap.pipeline.plan, "RACY_NS", 10 * 3600 * 10**9)
        seen = lambda s: s.nothing_new and s.unchanged == 6          # noqa: E731
    else:
        make, seen = RECORDED_THEN[change]
        make(stored)
    summary = _refresh(stored)
    assert diffs == [1] and proofs == [], "the recorded listing was not consulted"
    assert gathers, "the recorded listing answered although the full plan had more to decide"
    assert seen(summary), summary


def test_a_listing_recorded_for_another_store_is_not_trusted(stored, monkeypatch):
    """The record is tied to its store by a token: a store rebuilt from scratch (the same
    generation by chance) proves the listing again."""
    _recorded(stored)
    with Store(stored / ".geomap" / "geomap.sqlite") as store:
        generation, _token = store.meta_get("listing_record").split()
        store.meta_set("listing_record", f"{generation} {'0' * 32}")
    proofs, diffs = _proofs(monkeypatch)
    _age(write(stored / "articles" / "porto.txt", THIRD.replace("Geneva", "Porto")))
    summary = _refresh(stored)
    assert (proofs, diffs) == ([1], []) and summary.new == 1


def test_an_addition_that_failed_to_process_is_not_recorded_as_stored(stored, monkeypatch):
    """The listing recorded after an addition claims every added file stored: not when one
    failed (it is retried by the next refresh, as by the full plan)."""
    assert _refresh(stored).nothing_new             # recorded
    real = geomap.pipeline.execute.Refresh._prepare

    def failing(self, stage, article, mentions):
        if article.id.startswith("porto-"):
            raise RuntimeError("boom")
        return real(self, stage, article, mentions)

    monkeypatch.setattr(geomap.pipeline.execute.Refresh, "_prepare", failing)
    _age(write(stored / "articles" / "porto.txt", THIRD.replace("Geneva", "Porto")))
    _age(write(stored / "articles" / "turin.txt", THIRD.replace("Geneva", "Turin")))
    first = _refresh(stored)
    assert (first.new, first.failed) == (1, 1)
    monkeypatch.setattr(geomap.pipeline.execute.Refresh, "_prepare", real)
    again = _refresh(stored)
    assert (again.new, again.failed, again.unchanged) == (1, 0, 6)


def test_an_addition_adds_its_mentions_to_the_totals_without_counting_them_all(stored, monkeypatch):
    monkeypatch.setattr(Store, "counts", lambda self: pytest.fail("every mention counted"))
    _age(write(stored / "articles" / "porto.txt", THIRD.replace("Geneva", "Porto")))
    _age(write(stored / "inbox" / "turin.txt", THIRD.replace("Geneva", "Turin")))
    summary = _refresh(stored)
    assert summary.new == 2 and summary.rendered
    monkeypatch.undo()
    assert (summary.places, summary.mentions) == _counted(stored)
    assert _refresh(stored).nothing_new


def test_a_listing_in_another_order_is_diffed_by_path(stored, monkeypatch):
    """The walk's order is the file system's: a recorded listing met in another order (a
    folder's entries reordered) is matched path by path, and recorded in the new order."""
    _recorded(stored)           # bern.txt stored without a stamp, in the record
    proofs, diffs = _proofs(monkeypatch)
    real = geomap.pipeline.unchanged.walk_files
    monkeypatch.setattr(geomap.pipeline.unchanged, "walk_files",
                        lambda root, real_root: list(real(root, real_root))[::-1])
    _age(stored / "articles" / "bern.txt", seconds=1800)
    _age(write(stored / "articles" / "porto.txt", THIRD.replace("Geneva", "Porto")))
    summary = _refresh(stored)
    assert (proofs, diffs) == ([], [1])
    assert (summary.new, summary.unchanged, summary.failed) == (1, 6, 0), summary
    bern = stored / "articles" / "bern.txt"
    assert _stamp_of(stored, "bern-") == [(bern.stat().st_size, bern.stat().st_mtime_ns)]
    monkeypatch.setattr(geomap.pipeline.unchanged, "walk_files", real)
    _age(write(stored / "inbox" / "turin.txt", THIRD.replace("Geneva", "Turin")))
    again = _refresh(stored)
    assert (proofs, diffs) == ([], [1, 1]) and (again.new, again.unchanged) == (1, 7)


def test_the_recorded_listing_of_a_store_in_the_output_folder_is_not_a_foreign_file(
        mapped_project, gazetteer_path):
    """A store configured inside the output folder: its ``.listing`` is one of its files (the
    manifest neither owns nor reports it), like its ``-wal``."""
    root = mapped_project
    write_config(root, gazetteer_path, "store:\n  path: output/db/geomap.sqlite\n")
    _age(*(p for p in (root / "articles").rglob("*") if p.is_file()))
    assert _refresh(root).errors == ()
    assert _refresh(root).nothing_new                   # proves the listing and records it
    assert (root / "output" / "db" / "geomap.sqlite.listing").is_file()
    _age(write(root / "articles" / "porto.txt", THIRD.replace("Geneva", "Porto")))
    summary = _refresh(root)
    assert summary.new == 1 and summary.errors == ()
    manifest = (root / "output" / ".geomap-outputs.json").read_text(encoding="utf-8")
    assert ".listing" not in manifest
