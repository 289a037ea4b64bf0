"""map.html and the article pages in a real browser (headless Debian Chromium via Playwright).

Network shut off (see browser_support), maps rendered with ``map.assets: inline`` (Leaflet
from folium-offline) and ``map.tiles: none`` (the offline outlines as base map): markers
appear, a place's pop-up opens, its passage link leads to the anchored passage, a mention there
leads back to the map with the pop-up open, the place page lists every mention, the search,
date, kind and region filters work, and hostile article text executes nothing.
"""
from __future__ import annotations

import dataclasses
from urllib.parse import unquote

import pytest

from browser_support import launch, missing_tools, route_offline
from geomap.config import MapConfig, default_config
from geomap.model import Place
from geomap.render import PlaceRecord, render_outputs
from test_render import HOSTILE, KHERSON, KYIV, MARIUPOL, cyrillic_data, make_data

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
    # polling by timer: the default (requestAnimationFrame) can stall in a background page
    page.wait_for_function("window.geomap && window.geomap.ready", timeout=20_000, polling=50)


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
    target = page.locator(":target")
    assert target.get_attribute("id") == "p1"
    assert target.locator("mark").first.inner_text() == "Kherson"

    target.locator("a.m").first.click()
    page.wait_for_url("**/map.html#place=*")
    assert unquote(page.url.split("#place=")[1]) == KHERSON.id
    wait_ready(page)
    assert popup_title(page) == "Kherson"
    assert page.problems == [] and page.aborted == []     # nothing asked of the network
    assert page.evaluate("window.geomap.outlines") > 150    # tiles: none -> offline outlines


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


def test_place_page_with_hostile_text_runs_nothing(site, browser_page):
    from geomap.render.place_page import place_page_name

    page = browser_page
    page.goto((site / "places" / f"{place_page_name(KHERSON.id)}.html").as_uri())
    assert "<img src=x onerror=alert(1)>" in page.locator("header .meta").first.inner_text()
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert page.locator("img, main script").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    assert page.problems == [] and page.aborted == []


def test_all_mentions_link_opens_the_place_page_and_its_passage_links_work(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri() + "#place=" + MARIUPOL.id.replace(":", "%3A"))
    wait_ready(page)
    link = page.locator(".gm-pop a.gm-all")
    assert link.inner_text() == "all 2 mentions"
    link.click()
    page.wait_for_url("**/places/*.html")
    assert page.locator("h1").inner_text() == "Mariupol"
    assert page.locator("main blockquote mark").count() == 2
    page.locator("main a.passage").first.click()
    page.wait_for_url("**/articles/mariupol-port-5e6f7a8b.html#p0")
    assert page.locator(":target mark").first.inner_text() == "Mariupol"
    assert page.problems == [] and page.aborted == []


def test_place_page_names_made_in_the_browser_match_the_files(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    mention = data.places[0].mentions
    odd = ["x:Kyïv’ (old)*~!", "nominatim:way/1_2.3", "emoji:\U0001F30D", "test:" + "é" * 60]
    for i, place_id in enumerate(odd):
        data.places.append(PlaceRecord(Place(place_id, f"Odd {i}", 10 + i, 10, "UA"), (), mention))
    render_outputs(data, tmp_path, offline_config(tmp_path, cluster=False), [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    for i, place_id in enumerate(odd):
        page.evaluate(f"window.geomap.open({place_id!r})")
        page.wait_for_function(f"document.querySelector('.gm-pop h3').textContent === 'Odd {i}'")
        href = page.locator(".gm-pop a.gm-all").get_attribute("href")
        assert (tmp_path / unquote(href)).is_file(), (place_id, href)
    assert page.problems == []


def test_search_finds_a_place_by_name_and_opens_it(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    box = page.locator(".gm-search input")
    box.fill("mariu")                      # a prefix, any case
    box.press("Enter")
    assert popup_title(page) == "Mariupol"
    box.fill("Atlantis")
    box.press("Enter")
    assert page.locator(".gm-search .gm-note").inner_text() == "not on the map"
    box.fill("")
    box.focus()                            # the names list is made on first focus
    assert page.locator("#gm-place-names option").count() == 3
    assert page.problems == []


def test_search_finds_a_place_by_any_form_the_articles_write_it_in(tmp_path, browser_page):
    render_outputs(cyrillic_data(), tmp_path, offline_config(tmp_path), [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    box = page.locator(".gm-search input")
    for query, place in (("Києва", KYIV), ("Херсон", KHERSON), ("киеве", KYIV), ("Херсон", KHERSON),
                         ("КИЄВА", KYIV)):
        box.fill(query)                    # inflected, either language, a prefix, any case
        box.press("Enter")
        page.wait_for_function(f"decodeURIComponent(location.hash) === '#place={place.id}'",
                               timeout=10_000, polling=50)
    assert page.problems == []


def shown_ids(page) -> set[str]:
    return set(page.evaluate(
        "window.geomap.group.getLayers().map(function (m) { return m.geomapRow[0]; })"))


def test_date_filter_hides_places_not_mentioned_in_the_range(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    page.locator(".gm-filters summary").click()
    dates = page.locator(".gm-dates input")
    assert dates.first.get_attribute("min") == "2023-11-20"
    assert dates.first.get_attribute("max") == "2024-03-02"
    dates.first.fill("2024-01-01")         # Mariupol is only in the 2023-11-20 article
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id, KYIV.id}
    assert page.locator(".gm-filters .gm-note").inner_text() == "(2 of 3)"
    dates.nth(1).fill("2023-12-31")        # from 2024-01-01 to 2023-12-31: nothing
    wait_ready(page)
    assert shown_ids(page) == set() and page.evaluate("window.geomap.shown") == 0
    dates.first.fill("")
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id, MARIUPOL.id}   # Kyiv: only in 2024-03-02
    page.evaluate(f"window.location.hash = 'place=' + encodeURIComponent({KYIV.id!r})")
    assert popup_title(page) == "Kyiv"     # a link to a hidden place clears the filters
    assert dates.nth(1).input_value() == "" and len(shown_ids(page)) == 3
    assert page.problems == []


def test_kind_overlays_toggle_markers_and_show_hostile_kinds_as_text(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    page.locator(".leaflet-control-layers").hover()
    overlays = page.locator(".leaflet-control-layers-overlays label")
    assert overlays.filter(has_text="Places: city (2)").count() == 1
    hostile = overlays.filter(has_text="<img src=x onerror=alert(1)>")
    assert hostile.count() == 1 and hostile.locator("img, script").count() == 0
    overlays.filter(has_text="Places: city (2)").locator("input").click()
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id}      # its kind is the hostile string
    overlays.filter(has_text="Places: city (2)").locator("input").click()
    wait_ready(page)
    assert len(shown_ids(page)) == 3
    assert page.problems == []


def test_region_select_and_table(tmp_path, browser_page):
    from shapely.geometry import box
    from geomap.regions import Layer, Region

    data = make_data([("k-00000001", ["Kherson and Mariupol", "Kyiv"], "T", "2024-01-01")],
                     regions={KHERSON.id: ("south/kherson",), MARIUPOL.id: ("south/donetsk",)})
    layer = Layer("south", "South", "", {"color": "#ff7800", "choropleth": True}, True,
                  (Region("south/kherson", "Kherson <b>oblast</b>", "south", box(32, 46, 34, 47.5)),
                   Region("south/donetsk", "Donetsk oblast", "south", box(37, 46.9, 38.5, 48)),
                   Region("south/empty", "Empty", "south", box(20, 40, 21, 41))))
    render_outputs(data, tmp_path, offline_config(tmp_path), [layer])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    page.locator(".gm-filters summary").click()
    page.locator(".gm-filters select").select_option(label="Kherson <b>oblast</b> (South)")
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id}
    page.locator(".gm-filters select").select_option(label="Empty (South)")
    wait_ready(page)
    assert shown_ids(page) == set()
    page.locator(".gm-regions summary").click()
    rows = page.locator(".gm-regions tr")
    assert rows.count() == 4
    assert rows.nth(1).inner_text().split("\t") == ["Kherson <b>oblast</b>", "South", "1", "1", "1"]
    assert rows.nth(3).inner_text().split("\t") == ["Empty", "South", "0", "0", "0"]
    assert page.locator(".gm-regions b").count() == 0
    assert page.locator(".gm-legend .gm-shade").count() == 5
    page.evaluate(f"window.geomap.open({KHERSON.id!r})")
    page.wait_for_selector(".gm-pop .gm-in")
    assert page.locator(".gm-pop .gm-in").inner_text() == "In: Kherson <b>oblast</b> (South)"
    assert page.problems == []


def test_offline_outlines_replace_tiles_that_cannot_load(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    config = default_config(tmp_path)
    config = dataclasses.replace(config, map=MapConfig(assets="inline"))   # OpenStreetMap tiles
    render_outputs(data, tmp_path, config, [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    page.wait_for_function("window.geomap.outlines > 150", timeout=10_000, polling=50)
    assert any("tile.openstreetmap.org" in url for url in page.aborted)
    assert page.locator(".leaflet-gm-base-pane canvas").count() == 1
    assert page.problems == []


def test_filters_changed_while_markers_load_end_in_the_last_state(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    day = "Math.floor(Date.parse('2024-01-01') / 86400000)"
    page.evaluate(f"window.geomap.filter({{from: {day}}}); window.geomap.filter({{to: {day}}});")
    wait_ready(page)
    assert shown_ids(page) == set() and page.evaluate("window.geomap.shown") == 0
    page.evaluate("window.geomap.filter({to: null}); window.geomap.filter({from: null});")
    wait_ready(page)
    assert len(shown_ids(page)) == 3
    assert page.problems == []
