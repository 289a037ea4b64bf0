"""Checks on the sample articles shipped in ``articles/``.

The samples are both the default demo map and fixtures for known geoparsing traps (Paris, Texas vs
Paris, France; Georgia the country vs the state; Cairo, Illinois; old spellings such as Kiev), so these
tests pin the structure the ingest stage relies on and the trap wording other tests may depend on.
They also guard originality: no sample may share a long word run with the real article in
/work/shared/samples.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

ARTICLES = Path(__file__).resolve().parent.parent / "articles"
SHARED_SAMPLES = Path("/work/shared/samples")
DISCLAIMER = "Sample article written for geomap; not from a publication."
SHINGLE = 12

HEADER_RE = re.compile(r"date (\d{4}-\d{2}-\d{2}) \S")
PUBLISHED_RE = re.compile(
    r"Published (\d{1,2})(st|nd|rd|th) ([A-Z][a-z]{2}) (\d{4}), ([01]\d|2[0-3]):[0-5]\d (BST|GMT)"
)
FILENAME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.(txt|md)")

SAMPLES = sorted(p for p in ARTICLES.iterdir() if not p.name.startswith("."))
TXT_SAMPLES = [p for p in SAMPLES if p.suffix == ".txt"]
MD_SAMPLES = [p for p in SAMPLES if p.suffix == ".md"]
UKRAINE_SAMPLES = [
    "2022-05-20-mariupol-azovstal.txt",
    "2022-09-01-zaporizhzhia-inspectors.txt",
    "2022-11-11-kherson-liberation.txt",
    "2023-05-21-bakhmut-claim.txt",
]

# Wording the samples exist to exercise; losing it silently would gut the trap fixtures.
TRAPS = {
    "2022-05-20-mariupol-azovstal.txt": ["Mariupol", "Sea of Azov", "Kerch Strait", "Crimea", "Berdiansk"],
    "2022-09-01-zaporizhzhia-inspectors.txt": ["Enerhodar", "'the Zaporozhye station'", "Dnipro", "Kherson region", "Nikopol"],
    "2022-11-11-kherson-liberation.txt": [
        "the Kherson region", "Kherson Oblast", "'Kiev'", "Florence Kingston", "Sevastopol", "Odesa",
        "Mykolaiv", "Black Sea",
    ],
    "2023-05-21-bakhmut-claim.txt": ["Bakhmut", "Artemivsk", "Soledar", "Kramatorsk", "Kharkiv region"],
    "2023-06-10-paris-texas-tower.txt": [
        "Lamar County", "Red River", "Oklahoma", "Paris, Tennessee", "Paris Morgan", "Cannes", "France",
    ],
    "2023-09-22-two-georgias-trade.txt": ["Tbilisi", "Batumi", "Atlanta", "Savannah", "Kakheti", "Black Sea"],
    "2011-05-15-mississippi-spillway.txt": [
        "Cairo, Illinois", "Memphis, Tennessee", "Baton Rouge", "New Orleans", "Nile", "Little Egypt",
    ],
    "2024-06-03-danube-capitals.md": ["Vienna", "Bratislava", "Budapest", "Belgrade", "Black Sea"],
}
UKRAINE_PLACES = [
    "Kherson", "Luhansk", "Donetsk", "Zaporizhzhia", "Enerhodar", "Mariupol", "Bakhmut", "Kharkiv",
    "Odesa", "Mykolaiv", "Kyiv", "Sea of Azov", "Kerch Strait", "Crimea", "Sevastopol", "Dnipro",
    "Black Sea", "Ukrainian forces", "Russian troops",
]


def read(path: Path) -> str:
    """Decode strictly: a sample that is not clean UTF-8 should fail here, not deep in ingest."""
    return path.read_bytes().decode("utf-8")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold())


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def uk_zone(day: dt.date) -> str:
    """British Summer Time runs from the last Sunday of March to the last Sunday of October."""
    return "BST" if last_sunday(day.year, 3) <= day < last_sunday(day.year, 10) else "GMT"


def body(path: Path) -> str:
    """The article's own prose: paragraphs only, without header, byline or disclaimer."""
    text = read(path)
    if path.suffix == ".txt":
        return "\n".join(split_saved_page(text)["paragraphs"])
    return "\n".join(text.split("\n")[1:]).replace(DISCLAIMER, "")


def split_saved_page(text: str) -> dict:
    """Split a saved-news-page sample into its parts, asserting the layout on the way."""
    lines = text.split("\n")
    header = HEADER_RE.match(lines[0])
    assert header, f"first line is not a 'date YYYY-MM-DD <section>' header: {lines[0]!r}"
    rest = [line for line in lines[1:] if line.strip()]
    by_index = next(i for i, line in enumerate(rest) if line.startswith("By "))
    return {
        "date": header.group(1),
        "headline": rest[0],
        "author": rest[by_index - 1],
        "byline": rest[by_index],
        "published": rest[by_index + 1],
        "paragraphs": rest[by_index + 2:-1],
        "last": rest[-1],
    }


def test_the_inbox_ships_enough_samples_and_only_articles():
    assert len(TXT_SAMPLES) >= 6
    assert len(MD_SAMPLES) >= 1
    others = [p for p in ARTICLES.iterdir() if p.suffix not in (".txt", ".md")]
    assert not others, "the inbox must hold only articles"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_file_is_clean_utf8_text(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw and b"\t" not in raw
    text = raw.decode("utf-8")
    assert text.endswith(DISCLAIMER + "\n")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_filename_is_date_and_slug(path):
    match = FILENAME_RE.fullmatch(path.name)
    assert match, path.name
    dt.date.fromisoformat(match.group(1))


@pytest.mark.parametrize("path", TXT_SAMPLES, ids=lambda p: p.name)
def test_saved_page_layout(path):
    parts = split_saved_page(read(path))
    assert parts["date"] == path.name[:10]
    assert 20 <= len(parts["headline"]) <= 120
    assert not parts["headline"].startswith(("By ", "Published "))
    assert parts["byline"] == "By " + parts["author"]
    assert len(parts["paragraphs"]) >= 4
    assert parts["last"] == DISCLAIMER


@pytest.mark.parametrize("path", TXT_SAMPLES, ids=lambda p: p.name)
def test_published_line_matches_header_date(path):
    parts = split_saved_page(read(path))
    match = PUBLISHED_RE.fullmatch(parts["published"])
    assert match, parts["published"]
    day, suffix, month, year, _, zone = match.groups()
    published = dt.datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date()
    assert published.isoformat() == parts["date"]
    expected_suffix = "th" if 11 <= int(day) <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(int(day) % 10, "th")
    assert suffix == expected_suffix
    assert zone == uk_zone(published)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_body_length_is_250_to_500_words(path):
    assert 250 <= len(words(body(path))) <= 500


@pytest.mark.parametrize("path", MD_SAMPLES, ids=lambda p: p.name)
def test_markdown_sample_is_plain_format(path):
    text = read(path)
    assert text.startswith("# ") and len(text.split("\n", 1)[0]) > 10
    assert not re.search(r"^\s*date \d{4}-\d{2}-\d{2}", text, re.MULTILINE)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert len(paragraphs) >= 6  # headline, standfirst, >= 4 body paragraphs


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_trap_wording_present(name):
    text = read(ARTICLES / name)
    missing = [needle for needle in TRAPS[name] if needle not in text]
    assert not missing


def test_paris_sample_has_upper_case_dateline():
    parts = split_saved_page(read(ARTICLES / "2023-06-10-paris-texas-tower.txt"))
    assert parts["paragraphs"][0].startswith("PARIS, Texas \u2014 ")


@pytest.mark.parametrize("name", ["2022-05-20-mariupol-azovstal.txt", "2023-05-21-bakhmut-claim.txt"])
def test_may_is_used_as_a_month(name):
    assert re.search(r"\b(in|of|by|on \d{1,2}) May\b|\b\d{1,2} May\b", read(ARTICLES / name))


def test_ukraine_samples_cover_the_required_places():
    corpus = "\n".join(read(ARTICLES / name) for name in UKRAINE_SAMPLES)
    dates = {name[:10] for name in UKRAINE_SAMPLES}
    assert len(dates) == 4
    assert [place for place in UKRAINE_PLACES if place not in corpus] == []


def test_samples_do_not_reuse_each_other():
    seen: dict[tuple[str, ...], str] = {}
    for path in SAMPLES:
        for shingle in shingles(body(path)):
            assert seen.setdefault(shingle, path.name) == path.name, (shingle, seen[shingle])


def shared_reference() -> set[tuple[str, ...]]:
    """The word runs of the real article in the shared samples (skips when that folder is absent)."""
    if not SHARED_SAMPLES.is_dir():
        pytest.skip(f"{SHARED_SAMPLES} is absent, so there is nothing to compare originality against")
    reference = set()
    for path in sorted(SHARED_SAMPLES.glob("*.txt")):
        reference |= shingles(path.read_text(encoding="utf-8", errors="replace"))
    assert reference, "the shared samples folder holds no text to compare against"
    return reference


def test_samples_share_no_long_run_with_the_real_article():
    reference = shared_reference()
    for path in SAMPLES:
        overlap = shingles(read(path)) & reference
        assert not overlap, (path.name, sorted(overlap)[:3])
