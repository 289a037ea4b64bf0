"""map.html and the article pages in a real browser (headless Debian Chromium via Playwright).

Network shut off (see browser_support), maps rendered with ``map.assets: inline`` (Leaflet from
folium-offline) and ``map.tiles: none`` (the offline outlines as base map): markers appear, a place's pop-up opens, its passage link
leads to the anchored passage, a mention there leads back to the map with the pop-up open, and
hostile article text executes nothing.
"""
from __future__ import annotations

import dataclasses
from urllib.parse import unquote

import pytest

from browser_support import launch, missing_tools, route_offline
from geomap.config import MapConfig, default_config
from geomap.model import Place
from geomap.render import PlaceRecord, render_outputs
from test_render import HOSTILE, KHERSON, KYIV, MARIUPOL, make_data

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")


def offline_config(root, **settings):
    """The default config with the map made to work without any network."""
    config = default_config(root)
    return dataclasses.replace(config, map=MapConfig(assets="inline", tiles="none", **settings))


@pytest.fixture
def site(tmp_path):
    """Rendered outputs for three articles, one of them full of hostile text."""
    data = make_data([
        ("kherson-strike-1a2b3c4d",
         ["Strikes hit Kherson overnight", f"Officials in Kherson said {HOSTILE} power was cut.",
          "Aid convoys left Kyiv for the south on Tuesday."],
         f"Strikes hit Kherson {HOSTILE}", "2024-03-02"),
        ("mariupol-port-5e6f7a8b",
         ["Port of Mariupol reopens", "Ships returned to Mariupol, and Kherson waited."],
         "Port of Mariupol reopens", "2023-11-20"),
    ], regions={KHERSON.id: ("south",)})
    data.places[0] = dataclasses.replace(data.places[0],
                                         place=dataclasses.replace(KHERSON, kind=HOSTILE))
    render_outputs(data, tmp_path, offline_config(tmp_path), [])
    return tmp_path


@pytest.fixture
def browser_page():
    """A page with the network shut off, recording dialogs and script errors."""
    with launch() as browser:
        page = browser.new_page()
        page.problems = []
        page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        page.aborted = route_offline(page)
        yield page


def wait_ready(page):
    page.wait_for_function("window.geomap && window.geomap.ready", timeout=20_000)


def popup_title(page) -> str:
    return page.locator(".leaflet-popup-content .gm-pop h3").inner_text(timeout=10_000)


def test_markers_popup_passage_link_and_back_to_the_map(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    assert page.evaluate("window.geomap.places") == 3
    assert page.locator(".leaflet-marker-icon").count() >= 1      # pins or cluster bubbles

    page.evaluate(f"window.geomap.open({KHERSON.id!r})")
    assert popup_title(page) == "Kherson"
    popup = page.locator(".leaflet-popup-content .gm-pop")
    assert "3 mentions in 2 articles" in popup.inner_text()
    assert popup.locator("mark").first.inner_text() == "Kherson"
    assert HOSTILE.split(" javascript")[0] in popup.inner_text()   # shown as text ...
    assert popup.locator("img, script").count() == 0                # ... never as elements

    titles = popup.locator("ol.gm-quotes a.gm-title")
    assert titles.count() == 2                          # one per article, newest first
    assert titles.first.get_attribute("href") == "articles/kherson-strike-1a2b3c4d.html#p0"
    link = popup.locator("ol.gm-quotes a.gm-passage").nth(1)   # newest article, 2nd passage
    assert link.get_attribute("href") == "articles/kherson-strike-1a2b3c4d.html#p1"
    link.click()
    page.wait_for_url("**/articles/kherson-strike-1a2b3c4d.html#p1")
    target = page.locator("p:target")
    assert target.get_attribute("id") == "p1"
    assert target.locator("mark").first.inner_text() == "Kherson"

    target.locator("a.m").first.click()
    page.wait_for_url("**/map.html#place=*")
    assert unquote(page.url.split("#place=")[1]) == KHERSON.id
    wait_ready(page)
    assert popup_title(page) == "Kherson"
    assert page.problems == []


@pytest.mark.parametrize("cluster", [True, False])
def test_place_link_opens_that_places_popup(site, browser_page, cluster):
    if not cluster:                                  # plain markers, no markercluster script
        config = offline_config(site, cluster=False)
        render_outputs(make_data([("a-00000001", ["Mariupol and Kyiv"], "T", None)]),
                       site, config, [])
    page = browser_page
    page.goto((site / "map.html").as_uri() + "#place=" + MARIUPOL.id.replace(":", "%3A"))
    wait_ready(page)
    assert popup_title(page) == "Mariupol"
    page.evaluate(f"window.location.hash = 'place=' + encodeURIComponent({KYIV.id!r})")
    page.wait_for_function("document.querySelector('.gm-pop h3')"
                           " && document.querySelector('.gm-pop h3').textContent === 'Kyiv'")
    assert page.problems == []


def test_place_link_opens_a_popup_of_a_place_clustered_at_load(tmp_path, browser_page):
    # Kherson among ten nearby towns and one far-away place: at the opening zoom it is in a
    # cluster, so following its link must zoom in (or spiderfy) before the pop-up opens.
    data = make_data([("kherson-strike-1a2b3c4d", ["Strikes hit Kherson overnight"], "S",
                       "2024-03-02")])
    article = data.articles["kherson-strike-1a2b3c4d"]
    mention = data.places[0].mentions[0]
    for i in range(10):
        place = Place(f"test:{i}", f"Town {i}", 46.6 + i * 0.01, 32.6 + i * 0.01, "UA")
        data.places.append(PlaceRecord(place, (), [mention]))
    data.places.append(PlaceRecord(Place("test:far", "Vladivostok", 43.1155, 131.8855, "RU"),
                                   (), [mention]))
    assert article.mentions
    render_outputs(data, tmp_path, offline_config(tmp_path), [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri() + "#place=geonames%3A706448")
    wait_ready(page)
    assert popup_title(page) == "Kherson"
    assert page.evaluate("window.geomap.map.getZoom()") >= 8
    assert page.problems == []


def test_article_page_with_hostile_text_runs_nothing(site, browser_page):
    page = browser_page
    page.goto((site / "articles" / "kherson-strike-1a2b3c4d.html").as_uri())
    assert "<script>alert(1)</script>" in page.locator("#p1").inner_text()
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    assert page.problems == []
