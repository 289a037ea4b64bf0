"""Hostile inputs to ingest, refresh, outputs and watch (issue 9, part A).

Each case: the user's data survives (stored articles, their files, files beside the outputs), the
message names the input, and nothing crashes with a traceback; one bad input never stops the
others. ``docs/benchmarks.md`` ("Hostile inputs: ingest, refresh, outputs") lists them.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import geomap.feeds
from geomap.articles import parse_text, read_stamped
from geomap.cli import main
from geomap.config import load_config
from geomap.errors import ArticleError, ConfigError
from geomap.feeds import parse_feed
from geomap.pipeline import refresh
from geomap.render.data import load_map_data
from geomap.render.manifest import MANIFEST
from geomap.store import Store
from geomap.watch import watch

from conftest import PLAIN_MD, SAVED_PAGE, THIRD, write, write_config

REPO = Path(__file__).resolve().parent.parent
STORE = Path(".geomap") / "geomap.sqlite"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geomap", *map(str, argv)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def stored(root: Path, store: Path = STORE) -> dict[str, str]:
    """``{id: source}`` of the stored articles."""
    with Store(root / store) as s:
        return {aid: source for aid, (_sha, source) in s.article_sources().items()}


def sources_config(root: Path, gazetteer: Path, sources: str, extra: str = "") -> None:
    write_config(root, gazetteer, "sources:\n" + sources + extra)


# --- a source that is missing, unreadable or of the wrong kind keeps its articles -------------

def test_a_misspelled_source_folder_keeps_its_articles_and_fails_the_run(mapped_project, capsys):
    assert run(capsys, "--root", mapped_project, "refresh")[0] == 0
    before = stored(mapped_project)
    assert len(before) == 2
    sources_config(mapped_project, _gazetteer(mapped_project), "  - path: artciles\n")
    code, out, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 1
    assert "artciles: sources[0] (folder) does not exist" in err
    assert "0 deleted" in out and "1 source(s) unavailable" in out
    assert "2 stored article(s) no source has now are kept while a source is unavailable" in err
    assert stored(mapped_project) == before
    assert "Valencia" in (mapped_project / "output" / "map.html").read_text(encoding="utf-8")


def test_an_unmounted_disk_empty_folder_keeps_its_articles(mapped_project, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    before = stored(mapped_project)
    for f in (mapped_project / "articles").iterdir():
        f.rename(mapped_project / f.name)                   # the disk is gone; its mount point stays
    code, out, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 1 and "holds no article file now" in err and "geomap forget" in err
    assert stored(mapped_project) == before


def test_a_file_source_that_is_a_folder_or_fifo_is_reported_without_blocking(mapped_project, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    before = stored(mapped_project)
    os.mkfifo(mapped_project / "pipe.txt")
    (mapped_project / "folder.txt").mkdir()
    sources_config(mapped_project, _gazetteer(mapped_project),
                   "  - path: articles\n  - path: pipe.txt\n    kind: file\n"
                   "  - path: folder.txt\n    kind: file\n")
    result = run_process("--root", mapped_project, "refresh", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "pipe.txt: sources[1] (file) is not a regular file (a FIFO)" in result.stderr
    assert "folder.txt: sources[2] (file) is not a regular file (a folder)" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored(mapped_project) == before


def test_forgetting_is_explicit_and_reported(mapped_project, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    sources_config(mapped_project, _gazetteer(mapped_project), "  - path: gone\n")
    code, out, _ = run(capsys, "--root", mapped_project, "forget", "articles")
    assert code == 0 and out.startswith("forgot 2 article(s) of articles")
    assert stored(mapped_project) == {}
    code, out, err = run(capsys, "--root", mapped_project, "refresh")
    assert "map updated" in out and "gone: sources[0] (folder) does not exist" in err
    assert not list((mapped_project / "output" / "articles").glob("*.html"))     # pages went too
    assert run(capsys, "--root", mapped_project, "forget", "articles")[0] == 1   # nothing left


def test_a_source_removed_from_the_config_is_forgotten_and_counted(mapped_project, capsys):
    write(mapped_project / "inbox" / "geneva.txt", THIRD)
    sources_config(mapped_project, _gazetteer(mapped_project), "  - path: articles\n  - path: inbox\n")
    run(capsys, "--root", mapped_project, "refresh")
    sources_config(mapped_project, _gazetteer(mapped_project), "  - path: articles\n")
    code, out, _ = run(capsys, "--root", mapped_project, "refresh")
    assert code == 0 and "1 deleted" in out
    assert len(stored(mapped_project)) == 2


# --- the output folder: only geomap's own files are replaced or removed -----------------------

def test_an_output_folder_with_user_files_is_refused_and_they_survive(mapped_project, capsys):
    notes = write(mapped_project / "mydocs" / "articles" / "notes.docx", "my notes")
    write_config(mapped_project, _gazetteer(mapped_project), "map:\n  output: mydocs\n")
    code, _, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 2
    assert "map.output" in err and "articles/notes.docx" in err and "--allow-other-files" in err
    assert not (mapped_project / "mydocs" / "map.html").exists()
    # Told to, it writes beside them; a full render that removes pages still leaves them alone.
    assert run(capsys, "--root", mapped_project, "refresh", "--allow-other-files")[0] == 0
    (mapped_project / "articles" / "valencia.md").unlink()
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    code, out, _ = run(capsys, "--root", mapped_project, "refresh", "--allow-other-files")
    assert code == 0 and "1 deleted" in out
    assert notes.read_text() == "my notes"
    assert len(list((mapped_project / "mydocs" / "articles").glob("*.html"))) == 2


def test_output_articles_symlinked_to_the_inbox_never_deletes_the_articles(mapped_project, capsys):
    inbox = mapped_project / "articles"
    before = sorted(p.name for p in inbox.iterdir())
    (mapped_project / "output").mkdir(exist_ok=True)
    (mapped_project / "output" / "articles").symlink_to(inbox)
    for flag in ((), ("--allow-other-files",)):
        code, _, err = run(capsys, "--root", mapped_project, "refresh", *flag)
        assert code == 2 and "articles is a symlink" in err
    assert sorted(p.name for p in inbox.iterdir()) == before


def test_a_symlinked_page_is_never_deleted_through(mapped_project, tmp_path, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    out = mapped_project / "output"
    page = next((out / "articles").glob("valencia*.html"))
    precious = write(tmp_path / "elsewhere" / "precious.html", "keep me")
    page.unlink()
    page.symlink_to(precious)           # a listed page replaced by a link to a user's file
    (mapped_project / "articles" / "valencia.md").unlink()
    code, _, err = run(capsys, "--root", mapped_project, "refresh", "--allow-other-files")
    assert code == 2 and "is a symlink" in err
    assert precious.read_text() == "keep me"


def test_an_output_folder_from_before_the_manifest_adopts_only_geomaps_files(mapped_project, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    out = mapped_project / "output"
    (out / MANIFEST).unlink()                               # as left by an older geomap
    old_page = write(out / "articles" / "forgotten-1234abcd.html",
                     (next((out / "articles").glob("*.html"))).read_text(encoding="utf-8"))
    assert run(capsys, "--root", mapped_project, "refresh")[0] == 0    # nothing new: no render
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    (mapped_project / "articles" / "valencia.md").unlink()
    code, out_text, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 0, err
    assert not old_page.exists()                            # recognisably geomap's: adopted, removed
    (out / MANIFEST).unlink()
    mine = write(out / "places" / "my-list.html", "<p>my own page</p>")
    (mapped_project / "articles" / "geneva.txt").unlink()
    code, _, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 2 and "places/my-list.html" in err
    assert mine.read_text() == "<p>my own page</p>"


# --- the store moves out of output/ with nothing lost ---------------------------------------------

def test_an_old_store_in_output_is_moved_to_dot_geomap_with_its_wal(mapped_project, capsys):
    legacy = Path("output") / "geomap.sqlite"
    write_config(mapped_project, _gazetteer(mapped_project), f"store:\n  path: {legacy}\n")
    run(capsys, "--root", mapped_project, "refresh")
    before = stored(mapped_project, legacy)
    # Another write that only the write-ahead log holds (a process killed before checkpointing).
    subprocess.run([sys.executable, "-c", (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.execute(\"UPDATE articles SET title = 'only in the WAL'\")\n"
        "os._exit(0)\n"), str(mapped_project / legacy)], check=True, timeout=60)
    assert (mapped_project / "output" / "geomap.sqlite-wal").stat().st_size > 0
    write_config(mapped_project, _gazetteer(mapped_project))          # the new default store
    code, _, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 0 and "moved the store" in err
    assert stored(mapped_project) == before
    with Store(mapped_project / STORE) as s:
        titles = {r.title for r in load_map_data(s).articles.values()}
    assert titles == {"only in the WAL"}
    assert not [p for p in (mapped_project / "output").iterdir() if "sqlite" in p.name]


# --- one bad input never stops the others --------------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_reported_and_the_others_proceed(mapped_project):
    bad = os.fsencode(mapped_project / "articles") + b"/caf\xe9-kyiv.txt"
    with open(bad, "wb") as f:
        f.write(b"Shelling near Kharkiv.\n")
    result = run_process("--root", mapped_project, "refresh")
    assert result.returncode == 1
    assert "caf\\xe9-kyiv.txt: the file name is not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr and "2 new" in result.stdout
    result = run_process("--root", mapped_project, "refresh")         # and again: no crash
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_feed_entry_with_a_lone_surrogate_does_not_fail_the_feed():
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<item><title>Kyiv &#xD800; news</title><description>Shelling in Kyiv &#xDFFF;.'
            b'</description><guid>1</guid></item>'
            b'<item><title>Paris</title><description>Rain in Paris.</description><guid>2</guid></item>'
            b'</channel></rss>')
    articles, errors = parse_feed(feed, "https://example.org/rss")
    assert errors == [] and [a.title for a in articles] == ["Kyiv \ufffd news", "Paris"]
    assert all("\ud800" not in a.text for a in articles)


def test_an_exception_inside_feedparser_or_one_entry_is_a_message(monkeypatch):
    import feedparser

    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<item><title>Lima</title><description>Quake in Lima.</description><guid>1</guid></item>'
            b'<item><title>Paris</title><description>Rain in Paris.</description><guid>2</guid></item>'
            b'</channel></rss>')
    real = geomap.feeds.entry_article

    def fragile(entry, location, **kw):
        if entry.get("title") == "Lima":
            raise KeyError("boom")
        return real(entry, location, **kw)

    monkeypatch.setattr(geomap.feeds, "entry_article", fragile)
    articles, errors = parse_feed(feed, "https://example.org/rss")
    assert [a.title for a in articles] == ["Paris"]
    assert errors == ["https://example.org/rss: entry 1 could not be read (KeyError: 'boom'); skipped"]

    def broken(*args, **kwargs):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(feedparser, "parse", broken)
    articles, errors = parse_feed(feed, "https://example.org/rss")
    assert articles == [] and "malformed feed (UnicodeEncodeError" in errors[0]


def _boom(root: Path, monkeypatch):
    """``articles/boom.txt``, which the geoparser (patched) raises on; returns the real ``parse``."""
    from geomap.resolve import Geoparser

    write(root / "articles" / "boom.txt", "BOOM in Kyiv.\n")
    real = Geoparser.parse

    def fragile(self, text, **kw):
        if "BOOM" in text:
            raise IndexError("a bug in the geoparser")
        return real(self, text, **kw)

    monkeypatch.setattr(Geoparser, "parse", fragile)
    return real


def test_an_article_that_breaks_the_geoparser_is_skipped_and_retried(mapped_project, monkeypatch):
    from geomap.resolve import Geoparser

    real = _boom(mapped_project, monkeypatch)
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed) == (2, 1)
    assert any("boom.txt: could not be processed (IndexError" in e for e in summary.errors)
    monkeypatch.setattr(Geoparser, "parse", real)
    summary = refresh(load_config(None, mapped_project))            # fixed: the next run has it
    assert (summary.new, summary.failed) == (1, 0)


def test_an_article_the_store_refuses_is_skipped_alone(mapped_project, monkeypatch):
    real = Store.put_articles

    def picky(self, items, stamps=None, parse_again=()):
        items = list(items)
        if any(a.source.endswith("valencia.md") for a, _m, _r in items):
            raise ValueError("unstorable text")
        return real(self, items, stamps, parse_again)

    monkeypatch.setattr(Store, "put_articles", picky)
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed) == (1, 1)
    assert any("valencia.md: could not be processed (ValueError" in e for e in summary.errors)
    assert len(stored(mapped_project)) == 1


# --- every read is bounded ------------------------------------------------------------------------

def test_read_stamped_refuses_fifos_and_devices_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ArticleError, match="not a regular file \\(a FIFO\\)"):
        read_stamped(fifo)
    with pytest.raises(ArticleError, match="not a regular file \\(a character device\\)"):
        read_stamped(Path("/dev/zero"))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", ["/dev/zero", "pipe.xml"])
def test_a_feed_path_that_never_ends_is_refused_at_once(mapped_project, path):
    if path == "pipe.xml":
        os.mkfifo(mapped_project / path)
    sources_config(mapped_project, _gazetteer(mapped_project),
                   f"  - path: articles\n  - path: {path}\n    kind: feed\n")
    result = run_process("--root", mapped_project, "refresh", timeout=60)
    assert "not a regular file" in result.stderr and path in result.stderr
    assert "2 new" in result.stdout and "Traceback" not in result.stderr
    assert result.returncode == 1 and "1 source(s) unavailable" in result.stdout


def test_a_local_feed_path_is_relative_to_the_root(mapped_project, tmp_path):
    write(mapped_project / "feeds" / "desk.xml",
          '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Lima'
          '</title><description>A quake shook Lima.</description><guid>1</guid></item>'
          '</channel></rss>')
    sources_config(mapped_project, _gazetteer(mapped_project),
                   "  - path: feeds/desk.xml\n    kind: feed\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-m", "geomap", "--root", str(mapped_project), "refresh"],
                            cwd=elsewhere, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout


LINES = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zl", "Zp"),
                                       blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85"),
                         max_size=12), max_size=8)


@settings(max_examples=200, deadline=None)
@given(LINES, st.sampled_from(["\n", "\r", "\r\n"]))
def test_cr_only_line_ends_split_like_lf(lines, newline):
    text = newline.join(lines)
    article = parse_text(text, source="x", article_id="x", sha256="x")
    reference = parse_text("\n".join(lines), source="x", article_id="x", sha256="x")
    assert [text[p.start:p.end] for p in article.passages] == \
        [reference.text[p.start:p.end].replace("\n", newline) for p in reference.passages]
    assert article.title == reference.title
    for p in article.passages:
        span = text[p.start:p.end]
        assert span.strip() and span == span.strip(" \t\r\n\xa0")


def test_a_cr_only_file_has_a_title_and_paragraphs():
    text = "Floods in Valencia\r\rRoads closed near Valencia.\rTrains to Madrid late.\r\rMore rain."
    article = parse_text(text, source="x", article_id="x", sha256="x")
    assert article.title == "Floods in Valencia"
    assert [text[p.start:p.end] for p in article.passages] == [
        "Floods in Valencia", "Roads closed near Valencia.\rTrains to Madrid late.", "More rain."]


# --- watch -----------------------------------------------------------------------------------------

def _watch_in_thread(config, refresh_fn, **options):
    stop = threading.Event()
    summaries, errors = [], []
    thread = threading.Thread(target=watch, args=(config,), daemon=True, kwargs=dict(
        refresh=refresh_fn, on_summary=summaries.append, on_error=errors.append, stop=stop,
        **options))
    thread.start()
    return stop, thread, summaries, errors


def test_watch_survives_any_exception_in_a_refresh(tmp_path):
    (tmp_path / "articles").mkdir()
    config = load_config(None, tmp_path)
    calls = []

    def flaky():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")
        return "ok"

    stop, thread, summaries, errors = _watch_in_thread(config, flaky, debounce=0.1)
    try:
        deadline = time.monotonic() + 10
        while not errors and time.monotonic() < deadline:
            time.sleep(0.05)
        write(tmp_path / "articles" / "a.txt", "Kyiv.\n")
        while not summaries and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert errors and "UnicodeEncodeError" in errors[0] and "will refresh" in errors[0]
    assert summaries == ["ok"]


def test_watch_refreshes_under_a_continuous_stream_of_files(tmp_path):
    (tmp_path / "articles").mkdir()
    config = load_config(None, tmp_path)
    calls = []
    stop, thread, summaries, errors = _watch_in_thread(
        config, lambda: calls.append(time.monotonic()) or "ok", debounce=0.5, max_wait=1.0)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < 3.5:            # a file every 0.1 s: never quiet 0.5 s
            write(tmp_path / "articles" / f"{n}.txt", "Kyiv.\n")
            n += 1
            time.sleep(0.1)
        during = [t for t in calls if started < t < started + 3.5]
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(during) >= 2, (calls, started)


def _gazetteer(root: Path) -> Path:
    """The gazetteer path the project's config names (kept when the config is rewritten)."""
    return load_config(None, root).gazetteer.path


# --- property: whatever the user keeps in the output folder survives every render ---------------

def _odesa():
    from geomap.model import Place

    return Place("geonames:698740", "Odesa", 46.47747, 30.73262, "UA", "city", 1015826, "Odessa")


USER_NAMES = st.lists(st.tuples(st.sampled_from(["", "articles/", "places/", "assets/", "notes/"]),
                                st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_ .-]{0,20}", fullmatch=True),
                                st.sampled_from([".html", ".txt", ".docx", ".js", ""])),
                      min_size=1, max_size=6, unique=True)


@settings(max_examples=10, deadline=None)
@given(USER_NAMES, st.booleans())
@example([("", "notes", ".txt")], True)
@example([("assets/", "leaflet", ".js"), ("articles/", "mine", ".html")], False)
def test_user_files_in_the_output_folder_always_survive(names, with_geomap_page_name):
    import tempfile

    from geomap.articles import read_article
    from geomap.config import default_config
    from geomap.model import Mention
    from geomap.pipeline import write_outputs
    from geomap.render.article_page import page_name

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root / "articles" / "odesa.txt", SAVED_PAGE)
        config = default_config(root)
        store = Store(config.resolve(config.store_path))
        article = read_article(root / "articles" / "odesa.txt", root=root / "articles")
        start = article.text.index("Odesa")
        store.put_article(article, [Mention(start, start + 5, "Odesa", _odesa(), 0.9)], {})
        out = config.resolve(config.map.output)
        user = {f"{folder}{stem}{suffix}" for folder, stem, suffix in names}
        if with_geomap_page_name:
            user.add(f"articles/{page_name(article.id)}.html")     # a user file with an output's name
        for rel in user:
            write(out / rel, f"user data {rel}")
        allowed = dataclasses.replace(config, map=dataclasses.replace(config.map,
                                                                      allow_other_files=True))
        with store:
            with pytest.raises(ConfigError) as refused:
                write_outputs(store, out, config, [])
            assert "map.output" in str(refused.value)
            try:
                write_outputs(store, out, allowed, [])
                wrote = True
            except ConfigError as e:                    # only for a clash with an output's name
                assert "would be overwritten" in str(e) and with_geomap_page_name
                wrote = False
            if wrote:
                store.delete_articles(list(store.article_hashes()))
                write_outputs(store, out, allowed, [])    # a full render removing the page
        for rel in user:
            assert (out / rel).read_text(encoding="utf-8") == f"user data {rel}"


def test_geomap_parse_reports_a_file_name_that_is_not_utf8(mapped_project):
    bad = os.fsencode(mapped_project / "articles") + b"/\xff.txt"
    with open(bad, "wb") as f:
        f.write(b"Shelling near Kharkiv.\n")
    result = run_process("--root", mapped_project, "parse", mapped_project / "articles")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "\\xff.txt: the file name is not valid UTF-8" in result.stderr
    assert '"text": "Odesa"' in result.stdout


def test_a_fifo_in_the_inbox_is_reported_and_the_others_proceed(mapped_project):
    os.mkfifo(mapped_project / "articles" / "pipe.txt")
    result = run_process("--root", mapped_project, "refresh", timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "pipe.txt: not a regular file (a FIFO)" in result.stderr
    assert "2 new" in result.stdout and "1 failed" in result.stdout


def test_geomap_parse_goes_on_past_an_article_that_breaks_the_geoparser(mapped_project, monkeypatch):
    from geomap.pipeline import parse_paths

    _boom(mapped_project, monkeypatch)
    errors: list[str] = []
    results = list(parse_paths([mapped_project / "articles"], load_config(None, mapped_project),
                               on_error=errors.append))
    assert sorted(Path(a.source).name for a, _m, _r in results) == ["odesa.txt", "valencia.md"]
    assert len(errors) == 1 and "boom.txt: could not be processed (IndexError" in errors[0]


def test_a_misspelled_folder_that_exists_empty_forgets_nothing(mapped_project, capsys):
    run(capsys, "--root", mapped_project, "refresh")
    before = stored(mapped_project)
    (mapped_project / "artciles").mkdir()       # as `geomap watch` creates a folder source to watch it
    sources_config(mapped_project, _gazetteer(mapped_project), "  - path: artciles\n")
    code, out, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 1 and "artciles: sources[0] (folder) holds no article file now" in err
    assert "0 deleted" in out and stored(mapped_project) == before


def test_forget_on_an_old_store_moves_it_first(mapped_project, capsys):
    legacy = Path("output") / "geomap.sqlite"
    write_config(mapped_project, _gazetteer(mapped_project), f"store:\n  path: {legacy}\n")
    run(capsys, "--root", mapped_project, "refresh")
    write_config(mapped_project, _gazetteer(mapped_project))          # the new default store
    code, out, _ = run(capsys, "--root", mapped_project, "forget", "articles/valencia.md")
    assert code == 0 and out.startswith("forgot 1 article(s)")
    assert not (mapped_project / legacy).exists()
    assert [Path(src).name for src in stored(mapped_project).values()] == ["odesa.txt"]


def test_the_geocoder_cache_of_geomap_parse_moves_an_old_store_first(mapped_project, capsys):
    from geomap.pipeline.stages import Stages

    legacy = Path("output") / "geomap.sqlite"
    write_config(mapped_project, _gazetteer(mapped_project), f"store:\n  path: {legacy}\n")
    run(capsys, "--root", mapped_project, "refresh")
    write_config(mapped_project, _gazetteer(mapped_project))
    stage = Stages(load_config(None, mapped_project))
    try:
        cache = stage.geocode_cache             # what an online geocoder asks for
    finally:
        stage.close()
    assert cache.path == mapped_project / STORE and not (mapped_project / legacy).exists()
    assert len(stored(mapped_project)) == 2
