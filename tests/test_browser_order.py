"""Issue 13: article numbers are stable (a refresh appends new articles to the map's data), so
the map orders articles by date itself: after an incremental refresh adding an older and a
newer article, the articles panel lists them newest first / oldest first by date."""
from __future__ import annotations


import pytest

from browser_support import missing_tools
from conftest import write
from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.render.payload_parts import read_payload
from test_browser import article_pages, browser_page, wait_ready  # noqa: F401  (fixture)
from test_map_cache import _FIRST, _project

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")

_OLD = "date 1990-01-01 World\nKyiv in 1990\n\nOfficials in Kyiv met.\n"
_NEW = "date 2030-01-01 World\nKyiv in 2030\n\nOfficials in Kyiv met again.\n"


def test_articles_panel_orders_appended_articles_by_date(tmp_path, gazetteer_path, browser_page):
    page = browser_page
    root = _project(tmp_path / "p", gazetteer_path, _FIRST)
    config = load_config(None, root)
    refresh(config)
    write(root / "articles" / "zz-old.txt", _OLD)
    write(root / "articles" / "aa-new.txt", _NEW)
    assert refresh(config).new == 2
    html = (root / "output" / "map.html").read_text(encoding="utf-8")
    rows = read_payload(html)["articles"]
    assert {r[2] for r in rows[-2:]} == {"1990-01-01", "2030-01-01"}   # appended, not ranked
    dated = sorted((r for r in rows if r[2]), key=lambda r: (r[2], r[0]))
    newest = [r[0] for r in sorted(dated, key=lambda r: r[0])]
    newest.sort(key=lambda page_: next(r[2] for r in rows if r[0] == page_), reverse=True)
    undated = sorted(r[0] for r in rows if not r[2])
    page.goto((root / "output" / "map.html").as_uri())
    wait_ready(page)
    assert article_pages(page) == newest + undated
    assert article_pages(page)[0].startswith("aa-new")
    page.locator(".gm-sort").click()
    wait_ready(page)
    assert article_pages(page) == newest[::-1] + undated
    assert article_pages(page)[0].startswith("zz-old")
    assert page.problems == []
