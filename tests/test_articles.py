"""Ingest: header parsing, exact passage spans, stable ids, bad files, discovery."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from geomap.articles import (MAX_BYTES, article_id, discover, discover_ids, parse_date, parse_text,
                             read_article)
from geomap.config import SourceConfig, default_config
from geomap.errors import ArticleError

from conftest import PLAIN_MD, SAVED_PAGE, write


def parse(text: str):
    return parse_text(text, source="x.txt", article_id="x", sha256="0" * 64)


def spans(article):
    return [article.text[p.start:p.end] for p in article.passages]


# --- saved-news-page format -------------------------------------------------------------------

def test_saved_page_header_fields():
    a = parse(SAVED_PAGE)
    assert a.title == "Grain ships leave Odesa as Black Sea corridor holds"
    assert a.published == "2024-02-03"
    assert a.section == "World"
    assert a.byline == "Anna Kowalski"


def test_saved_page_every_nonempty_line_is_a_passage_header_included():
    a = parse(SAVED_PAGE)
    lines = [line.strip() for line in SAVED_PAGE.splitlines() if line.strip()]
    assert spans(a) == lines
    assert spans(a)[0] == "date 2024-02-03 World"          # leading space is not in the span
    assert [p.index for p in a.passages] == list(range(len(lines)))


def test_published_line_gives_the_date_when_there_is_no_date_line():
    text = "Ferry strike ends\n\nBy Ed Lam\nPublished 18th Apr 2023, 13:31 BST\n\nBody text.\n"
    a = parse(text)
    assert a.published == "2023-04-18"
    assert a.byline == "Ed Lam"
    assert a.title == "Ferry strike ends"


def test_date_line_wins_over_published_line():
    a = parse(" date 2021-01-02 News\nTitle\nPublished 5th May 2020\nBody\n")
    assert a.published == "2021-01-02"


def test_impossible_date_line_is_not_a_date():
    a = parse("date 2021-02-30 News\nTitle\nBody\n")
    assert a.published is None
    assert a.title == "Title"


@pytest.mark.parametrize("value, expected", [
    ("18th Apr 2023, 13:31 BST", "2023-04-18"),
    ("1 September 2022", "2022-09-01"),
    ("Sept 3, 2022", "2022-09-03"),
    ("2020-12-31T10:00Z", "2020-12-31"),
    ("31st Feb 2023", None),
    ("yesterday", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_a_sentence_starting_with_by_is_not_a_byline():
    a = parse("Title\n\nBy the time the rescuers reached the village, the river had risen again.\n")
    assert a.byline is None


# --- plain text and markdown ------------------------------------------------------------------

def test_plain_markdown_paragraphs_and_title():
    a = parse(PLAIN_MD)
    assert a.title == "Floods close roads around Valencia"
    assert a.published is None and a.section is None
    assert spans(a) == [
        "# Floods close roads around Valencia",
        "Heavy rain closed several roads around Valencia on Tuesday, and trains to\n"
        "Madrid were delayed by up to three hours.",
        "Emergency services in Seville said they were sending pumps to help.",
    ]


def test_crlf_line_endings_keep_exact_offsets():
    text = "Title\r\n\r\nFirst para\r\nstill first.\r\n\r\nSecond.\r\n"
    a = parse(text)
    assert spans(a) == ["Title", "First para\r\nstill first.", "Second."]


def test_passage_at_finds_the_paragraph_of_an_offset():
    a = parse(PLAIN_MD)
    off = a.text.index("Seville")
    assert a.passage_at(off).index == 2
    assert a.passage_at(a.text.index("\n\n")) is None


# --- property-based ---------------------------------------------------------------------------

_alphabet = st.sampled_from(list("ab Z.#\n\n\n\t\r\u00a0\u2028é0-") + ["date 2023-04-18 S\n",
                                                                    "By X\n", "Published 1 May 2020\n"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_alphabet, max_size=60).map("".join)))
def test_any_text_parses_and_passages_slice_exactly(text):
    a = parse(text)
    assert a.text == text
    prev_end = 0
    for i, p in enumerate(a.passages):
        assert p.index == i
        assert prev_end <= p.start < p.end <= len(text)      # ordered, non-empty, no overlap
        chunk = text[p.start:p.end]
        assert chunk == chunk.strip() and chunk            # trimmed, never blank
        prev_end = p.end
    covered = "".join(text[p.start:p.end] for p in a.passages)
    assert "".join(covered.split()) == "".join(text.split())  # no visible character is lost


# --- reading files ----------------------------------------------------------------------------

def test_read_article_hash_id_and_source(tmp_path):
    f = write(tmp_path / "in" / "Kyiv Report.txt", SAVED_PAGE)
    a = read_article(f, root=tmp_path / "in")
    assert a.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert a.id == article_id(f, tmp_path / "in")
    assert a.source == str(f)
    assert a.title.startswith("Grain ships")


def test_utf8_bom_is_decoded_away_and_offsets_index_the_decoded_text(tmp_path):
    f = write(tmp_path / "bom.txt", "\ufeffTitle\n\nIn Lviv today.\n".encode("utf-8"))
    a = read_article(f, root=tmp_path)
    assert a.text.startswith("Title")
    assert a.text[a.passages[1].start:a.passages[1].end] == "In Lviv today."
    assert a.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()


@pytest.mark.parametrize("content, reason", [
    (b"Title\n\x00\x01\x02binary", "binary"),
    (b"Caf\xe9 in Paris\n", "not UTF-8"),
    (b"", "empty"),
    (b"  \n\t\n\r\n", "empty"),
])
def test_bad_files_raise_article_error_with_reason(tmp_path, content, reason):
    f = write(tmp_path / "bad.txt", content)
    with pytest.raises(ArticleError, match=reason) as e:
        read_article(f, root=tmp_path)
    assert e.value.path == str(f)


def test_too_large_file_is_refused_without_reading_it(tmp_path):
    f = tmp_path / "huge.txt"
    with open(f, "wb") as fh:           # sparse: no 20 MB actually written
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(ArticleError, match="too large"):
        read_article(f, root=tmp_path)


def test_a_file_growing_past_the_limit_while_it_is_read_is_refused(tmp_path, monkeypatch):
    import geomap.articles

    f = write(tmp_path / "growing.txt", "Kyiv.\n")
    real_fstat = os.fstat

    def fstat_then_grow(fd):            # the file grows between the size check and the read
        stat = real_fstat(fd)
        with open(f, "ab") as other:
            other.write(b"more text\n" * 10)
        return stat

    monkeypatch.setattr(geomap.articles, "MAX_BYTES", 50)
    monkeypatch.setattr(geomap.articles.os, "fstat", fstat_then_grow)
    with pytest.raises(ArticleError, match="too large"):
        read_article(f, root=tmp_path)


def test_a_file_growing_under_the_limit_while_it_is_read_is_read_whole(tmp_path, monkeypatch):
    """Only what fstat reports (+1) is asked for first; a file that grew since is read on to the
    limit, so its new text is not cut at the old size."""
    import geomap.articles

    f = write(tmp_path / "growing.txt", "Kyiv.\n")
    real_fstat = os.fstat

    def fstat_then_grow(fd):
        stat = real_fstat(fd)
        with open(f, "ab") as other:
            other.write(b"Odesa and Lviv.\n" * 100)
        return stat

    monkeypatch.setattr(geomap.articles.os, "fstat", fstat_then_grow)
    assert read_article(f, root=tmp_path).text == "Kyiv.\n" + "Odesa and Lviv.\n" * 100


def test_unreadable_file_is_an_article_error(tmp_path):
    with pytest.raises(ArticleError, match="cannot read"):
        read_article(tmp_path / "missing.txt", root=tmp_path)


# --- ids --------------------------------------------------------------------------------------

def test_article_id_is_stable_safe_and_unique(tmp_path):
    a = article_id(tmp_path / "2024" / "Été à Kyiv!.txt", tmp_path)
    assert a == article_id(tmp_path / "2024" / "Été à Kyiv!.txt", tmp_path)
    slug, digest = a.rsplit("-", 1)
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-") and len(slug) <= 60
    assert len(digest) == 8 and int(digest, 16) >= 0
    assert slug.startswith("2024-")
    # two paths with the same slug still get different ids
    assert article_id(tmp_path / "a b.txt", tmp_path) != article_id(tmp_path / "a-b.txt", tmp_path)


def test_article_id_depends_on_the_relative_path_not_the_root(tmp_path):
    one = article_id(tmp_path / "x" / "a.txt", tmp_path / "x")
    two = article_id(tmp_path / "y" / "a.txt", tmp_path / "y")
    assert one == two


def test_long_names_are_cut_to_sixty_characters(tmp_path):
    a = article_id(tmp_path / ("n" * 200 + ".txt"), tmp_path)
    assert len(a) == 60 + 1 + 8


# --- discovery --------------------------------------------------------------------------------

def test_discover_finds_articles_skips_hidden_other_suffixes_and_escaping_symlinks(tmp_path):
    inbox = tmp_path / "articles"
    keep = [write(inbox / "a.txt", "A"), write(inbox / "sub" / "b.md", "B"),
            write(inbox / "c.TEXT", "C"), write(inbox / "d.html", "<p>"), write(inbox / "e.htm", "<p>")]
    write(inbox / ".hidden.txt", "H")
    write(inbox / ".git" / "x.txt", "H")
    write(inbox / "f.pdf", "%PDF")
    secret = write(tmp_path / "outside" / "secret.txt", "S")
    os.symlink(secret, inbox / "link.txt")
    os.symlink(inbox / "a.txt", inbox / "inside-link.txt")
    found = discover(default_config(tmp_path))
    assert found == sorted([(p, inbox) for p in keep] + [(inbox / "inside-link.txt", inbox)])
    assert len({article_id(f, root) for f, root in found}) == len(found)   # a link has its own id


def test_discover_skips_a_folder_symlinked_out_of_the_source_whatever_the_working_folder(
        tmp_path, monkeypatch):
    from dataclasses import replace

    inbox = tmp_path / "articles"
    keep = write(inbox / "sub" / "a.txt", "A")
    write(tmp_path / "outside" / "secret.txt", "S")
    os.symlink(tmp_path / "outside", inbox / "linked")             # escapes the source
    os.symlink(inbox / "sub", inbox / "alias")                      # stays inside: kept
    monkeypatch.chdir(tmp_path / "outside")       # relative paths must not be checked from here
    cfg = replace(default_config(tmp_path), sources=(SourceConfig(Path("articles"), glob="*/*"),))
    assert discover(cfg) == [(inbox / "alias" / "a.txt", inbox), (keep, inbox)]


def _old_id(rel: str) -> str:
    """The id formula before sources were told apart: slug + sha1 of the path within its root."""
    slug = rel.rsplit(".", 1)[0].lower().replace("/", "-")
    return f"{slug}-{hashlib.sha1(rel.encode()).hexdigest()[:8]}"


def test_equal_relative_paths_in_two_sources_get_two_ids_and_the_first_keeps_its_own(tmp_path):
    from dataclasses import replace

    first = write(tmp_path / "articles" / "2024" / "a.txt", "A")
    second = write(tmp_path / "inbox" / "2024" / "a.txt", "B")
    one = write(tmp_path / "one" / "a.txt", "C")
    two = write(tmp_path / "two" / "a.txt", "D")
    cfg = replace(default_config(tmp_path), sources=(
        SourceConfig(Path("articles")), SourceConfig(Path("inbox")),
        SourceConfig(Path("one/a.txt"), kind="file"), SourceConfig(Path("two/a.txt"), kind="file")))
    ids = {f: aid for f, _root, aid in discover_ids(cfg)}
    assert set(ids) == {first, second, one, two}
    assert len(set(ids.values())) == 4
    assert ids[first] == _old_id("2024/a.txt") == article_id(first, tmp_path / "articles")
    assert ids[second].startswith("inbox-2024-a-") and ids[one].startswith("one-a-")


def test_the_first_file_source_keeps_its_ids_and_so_do_files_beside_it(tmp_path):
    from dataclasses import replace

    first = write(tmp_path / "in" / "a.txt", "A")
    beside = write(tmp_path / "in" / "b.txt", "B")
    cfg = replace(default_config(tmp_path), sources=(
        SourceConfig(Path("in/a.txt"), kind="file"), SourceConfig(Path("in"))))
    ids = {f: aid for f, _root, aid in discover_ids(cfg)}
    assert ids == {first: _old_id("a.txt"), beside: _old_id("b.txt")}


def test_discover_single_file_source_and_missing_folder(tmp_path):
    f = write(tmp_path / "one.txt", "One")
    cfg = default_config(tmp_path)
    from dataclasses import replace
    cfg = replace(cfg, sources=(SourceConfig(Path("one.txt"), kind="file"),
                                SourceConfig(Path("nowhere"))))
    assert discover(cfg) == [(f, tmp_path)]


# --- dates --------------------------------------------------------------------------------------

def test_front_matter_date_and_title():
    a = parse('---\ntitle: "Kyiv under fire"\ndate: 2024-02-12T08:00:00Z\ntags: [war]\n---\n\n'
              "# Heading\n\nBody about Kyiv.\n")
    assert a.published == "2024-02-12"
    assert a.title == "Kyiv under fire"
    assert spans(a)[-1] == "Body about Kyiv."          # offsets still index the whole text


def test_front_matter_without_title_takes_the_first_line_after_it():
    a = parse("---\ndate: '2023-01-05'\n---\n# Odesa port\n\nText.\n")
    assert (a.published, a.title) == ("2023-01-05", "Odesa port")


def test_date_colon_line_dates_a_plain_article():
    a = parse("Shelling in Kharkiv\n\nDate: 12 February 2024\n\nText.\n")
    assert a.published == "2024-02-12"


def test_a_date_line_without_a_date_does_not_hide_a_later_published_line():
    a = parse("Title\n\nDate: unknown\n\nPublished 18th Apr 2023, 13:31 BST\n\nText.\n")
    assert a.published == "2023-04-18"


def test_a_sentence_starting_with_date_is_not_a_date_line():
    assert parse("Title\n\nDate night in Lviv on 2020-01-01 was quiet.\n").published is None


def test_file_name_date_dates_an_undated_markdown_file(tmp_path):
    path = write(tmp_path / "2024-02-12-kyiv-shelling.md", "# Kyiv\n\nText about Kyiv.\n")
    assert read_article(path, root=tmp_path).published == "2024-02-12"


def test_text_date_wins_over_the_file_name(tmp_path):
    path = write(tmp_path / "2024-02-12-kyiv.md", "---\ndate: 2024-03-01\n---\nKyiv\n")
    assert read_article(path, root=tmp_path).published == "2024-03-01"


@pytest.mark.parametrize("name", ["kyiv.md", "2024-13-40-kyiv.md", "x-2024-02-12.md", "20240212.md"])
def test_no_date_anywhere_is_undated(tmp_path, name):
    path = write(tmp_path / name, "# Kyiv\n\nText about Kyiv.\n")
    assert read_article(path, root=tmp_path).published is None


def test_the_scandir_walk_lists_what_the_glob_lists_and_ids_are_unchanged(tmp_path):
    """``folder_files(root)`` (the default ``**/*``) walks with ``os.scandir`` for speed: it must
    keep exactly the files ``Path.glob("**/*")`` with the same checks keeps, and ``discover_ids``'
    fast id the same id as ``article_id``."""
    from geomap.articles import _all_files, _glob_files

    inbox = tmp_path / "articles"
    for rel in ("a.txt", "b.MD", "sub/c.text", "sub/deeper/d.html", "e.xhtml", "sub/x.pdf",
                "sub/.hidden.txt", ".git/y.txt", "noext", "dots.", "sub/ü ß.txt", "folder.txt/f.md"):
        write(inbox / rel, "T")
    write(tmp_path / "outside" / "secret.txt", "S")
    os.symlink(tmp_path / "outside" / "secret.txt", inbox / "out-link.txt")    # escapes
    os.symlink(inbox / "a.txt", inbox / "sub" / "in-link.txt")                 # inside: kept
    os.symlink(inbox / "gone.txt", inbox / "dangling.txt")
    os.symlink(tmp_path / "outside", inbox / "out-dir")
    os.symlink(inbox / "sub", inbox / "alias")                                 # not entered
    os.mkfifo(inbox / "pipe.txt")                                              # yielded: read refuses it
    real = inbox.resolve()
    walked = sorted(_all_files(inbox, real))
    assert walked == sorted(_glob_files(inbox, real, "**/*"))
    assert inbox / "pipe.txt" in walked and inbox / "sub" / "in-link.txt" in walked
    assert inbox / "out-link.txt" not in walked and len(walked) == 9
    found = discover_ids(default_config(tmp_path))
    assert [f for f, _root, _aid in found] == walked
    assert [aid for _f, _root, aid in found] == [article_id(f, inbox) for f in walked]
