"""Portable output: ``output/`` zipped, moved and unzipped elsewhere opens with every link
working, and no page prints an absolute local path (issue 12)."""
from __future__ import annotations

import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.render.article_page import render_article
from geomap.render.data import ArticleRecord
from geomap.render.sources import display_source

from conftest import write, write_config


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []       # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))


def _links(page: Path) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_zipped_output_moved_elsewhere_has_every_link_working(mapped_project, gazetteer_path, tmp_path):
    write(mapped_project / "articles" / "2024-02-12-kyiv.md", "# Kyiv at night\n\nSirens in Kyiv and Lviv.\n")
    write_config(mapped_project, gazetteer_path, extra="map:\n  assets: local\n  tiles: none\n")
    refresh(load_config(None, mapped_project))
    archive = tmp_path / "output.zip"
    out = mapped_project / "output"
    with zipfile.ZipFile(archive, "w") as z:
        for f in out.rglob("*"):
            if f.is_file():
                z.write(f, f.relative_to(out.parent).as_posix())
    shutil.rmtree(out)                                   # nothing left to resolve against
    moved = tmp_path / "elsewhere" / "deep"
    with zipfile.ZipFile(archive) as z:
        z.extractall(moved)
    root = (moved / "output").resolve()
    pages = sorted(root.rglob("*.html"))
    assert {p.parent.name for p in pages} >= {"output", "articles", "places"}
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert str(mapped_project) not in text and "file://" not in text, page
        for tag, attribute, value in _links(page):
            parts = urlsplit(value)
            if not parts.scheme and not parts.netloc and not parts.path:
                continue                                 # an anchor in the page (#p3)
            if tag == "a" and parts.scheme == "https":
                continue                                 # a credit link to a web site
            assert not parts.scheme and not parts.netloc, (page, value)
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(root) and target.is_file(), (page, value)
            checked += 1
    assert checked > len(pages)                          # pages link to each other and the map


def test_article_pages_show_the_source_relative_to_the_project(tmp_path):
    article = ArticleRecord("a", "Kyiv", "2024-01-01", None, str(tmp_path / "inbox" / "kyiv.txt"),
                            "Kyiv")
    page = render_article(article, {}, map_title="Map", root=tmp_path)
    assert "inbox/kyiv.txt" in page and str(tmp_path) not in page


def test_display_source_never_shows_an_absolute_local_path(tmp_path):
    assert display_source(str(tmp_path / "articles" / "a.txt"), tmp_path) == "articles/a.txt"
    assert display_source("/elsewhere/news/a.txt", tmp_path) == "a.txt"
    assert display_source((tmp_path / "f.xml").as_uri(), tmp_path) == "f.xml"
    assert display_source("https://example.org/news/1", tmp_path) == "https://example.org/news/1"
    assert display_source("articles/a.txt", tmp_path) == "articles/a.txt"
