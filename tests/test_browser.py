"""map.html and the article pages in a real browser (headless Debian Chromium via Playwright).

Network shut off (see browser_support), maps rendered with ``map.assets: inline`` (Leaflet
from folium-offline) and ``map.tiles: none`` (the offline outlines as base map): markers
appear, a place's pop-up opens, its passage link leads to the anchored passage, a mention there
leads back to the map with the pop-up open, the place page lists every mention, the search,
date, kind and region filters work, and hostile article text executes nothing.
"""
from __future__ import annotations

import dataclasses
import html
from urllib.parse import unquote

import pytest

from conftest import DEFAULT_INLINE_PASSAGE_CHARS
from browser_support import launch, missing_tools, route_offline, wait_js
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
    wait_js(page, "window.geomap && window.geomap.ready")


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
    # The element's own click (its activation behaviour), not a mouse click at its position: under
    # load the pop-up may still be panning into view, and a mouse click then lands beside the link.
    link.evaluate("a => a.click()")
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
    if not cluster:                                  # plain markers, every one on the map
        config = offline_config(site, cluster=False)
        render_outputs(make_data([("a-00000001", ["Mariupol and Kyiv"], "T", None)]),
                       site, config, [])
    page = browser_page
    page.goto((site / "map.html").as_uri() + "#place=" + MARIUPOL.id.replace(":", "%3A"))
    wait_ready(page)
    assert popup_title(page) == "Mariupol"
    page.evaluate(f"window.location.hash = 'place=' + encodeURIComponent({KYIV.id!r})")
    wait_js(page, "document.querySelector('.gm-pop h3')"
                  " && document.querySelector('.gm-pop h3').textContent === 'Kyiv'")
    assert page.problems == []


def test_place_link_opens_a_popup_of_a_place_clustered_at_load(tmp_path, browser_page):
    # Kherson among ten nearby towns and one far-away place: at the opening zoom it is in a
    # cluster, so following its link must zoom in until it is alone before the pop-up opens.
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
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)                        # the whole world in view: Kherson and its towns as one
    assert page.locator(".gm-cluster").all_inner_texts() == ["11"]
    assert page.locator(".leaflet-marker-pane .gm-pin").count() == 1    # Vladivostok alone
    page.locator(".gm-cluster").click()     # zooms in: the cluster splits
    wait_js(page, "document.querySelectorAll('.leaflet-marker-pane .gm-pin').length > 1")
    page.goto((tmp_path / "map.html").as_uri() + "#place=geonames%3A706448")
    page.reload()
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
        wait_js(page, f"document.querySelector('.gm-pop h3').textContent === 'Odd {i}'")
        href = page.locator(".gm-pop a.gm-all").get_attribute("href")
        assert (tmp_path / unquote(href)).is_file(), (place_id, href)
    assert page.problems == []


@pytest.fixture(params=["chunk files", "embedded"])
def passage_mode(request, monkeypatch):
    """Passages in chunk files beside map.html (big maps), or in map.html (small maps, the
    default for the sample): set before ``site`` renders."""
    if request.param == "embedded":
        monkeypatch.setattr("geomap.render.passages.INLINE_PASSAGE_CHARS",
                            DEFAULT_INLINE_PASSAGE_CHARS)
    return request.param


def test_search_finds_places_and_words_in_titles_and_passages(passage_mode, site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    assert (site / "passages").is_dir() == (passage_mode == "chunk files")
    box = page.locator(".gm-search input")
    box.fill("mariu")                      # a prefix of a place name, any case
    box.press("Enter")
    assert popup_title(page) == "Mariupol"
    assert article_pages(page) == ["mariupol-port-5e6f7a8b"]
    box.fill("convoys")                    # a word of a quoted passage (the Kyiv one)
    box.press("Enter")
    wait_ready(page)
    assert article_pages(page) == ["kherson-strike-1a2b3c4d"]
    assert shown_ids(page) == {KHERSON.id, KYIV.id}     # the places that article names
    box.fill("REOPENS")                    # a word of a title
    box.press("Enter")
    wait_ready(page)
    assert article_pages(page) == ["mariupol-port-5e6f7a8b"]
    box.fill("Atlantis")
    box.press("Enter")
    wait_ready(page)
    assert page.locator(".gm-search .gm-note").inner_text() == "nothing found"
    assert shown_ids(page) == set() and article_pages(page) == []
    box.fill("")
    box.press("Enter")
    wait_ready(page)
    assert len(shown_ids(page)) == 3
    box.focus()                            # the names list is made on first focus
    assert page.locator("#gm-place-names option").count() == 3
    assert page.problems == []
    if passage_mode == "embedded":
        assert chunk_scripts(page) == []            # nothing loaded: the passages were there


def article_pages(page) -> list[str]:
    """The article list's entries, in order, as the article pages they link to."""
    hrefs = page.locator(".gm-article-list a.gm-article-title").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [unquote(h).removeprefix("articles/").removesuffix(".html") for h in hrefs]


def shown_ids(page) -> set[str]:
    return set(page.evaluate("window.geomap.shownIds()"))


def test_date_filter_hides_places_not_mentioned_in_the_range(site, browser_page):
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    dates = page.locator(".gm-dates input")
    assert dates.first.get_attribute("min") == "2023-11-20"
    assert dates.first.get_attribute("max") == "2024-03-02"
    dates.first.fill("2024-01-01")         # Mariupol is only in the 2023-11-20 article
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id, KYIV.id}
    assert page.locator(".gm-status").inner_text().startswith("1 article, 2 places of 3")
    dates.nth(1).fill("2023-12-31")        # from 2024-01-01 to 2023-12-31: nothing
    wait_ready(page)
    assert shown_ids(page) == set() and page.evaluate("window.geomap.shown") == 0
    dates.first.fill("")
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id, MARIUPOL.id}   # Kyiv: only in 2024-03-02
    page.evaluate(f"window.location.hash = 'place=' + encodeURIComponent({KYIV.id!r})")
    assert popup_title(page) == "Kyiv"     # a link to a view without filters clears them
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


@pytest.fixture
def regional(tmp_path):
    """Three articles (one undated) over two layers: "South" (shown, two oblasts and an empty
    region) and "Capital city" (hidden at first, one region named after its layer)."""
    from shapely.geometry import box
    from geomap.regions import Layer, Region
    from geomap.render import MentionRecord
    from geomap.render.data import unplaced_records

    data = make_data([("k-00000001", ["Kherson and Mariupol", "Kyiv"], "Front line", "2024-01-01"),
                      ("m-00000002", ["Mariupol port", "Kherson too"], "Port news", "2023-06-01"),
                      ("u-00000003", ["Kyiv undated"], "Undated note", None)],
                     regions={KHERSON.id: ("south/kherson",), MARIUPOL.id: ("south/donetsk",),
                              KYIV.id: ("capital",)})
    data.unplaced = unplaced_records([MentionRecord("k-00000001", 0, 7, "Kherson", 0),
                                      MentionRecord("m-00000002", 0, 8, "Mariupol", 0)])
    data.unplaced[0] = dataclasses.replace(data.unplaced[0], name="Atlantis <b>")
    data.unplaced[1:] = []
    data.unplaced[0].mentions.append(MentionRecord("m-00000002", 0, 8, "Mariupol", 0))
    south = Layer("south", "South", "", {"color": "#ff7800", "choropleth": True}, True,
                  (Region("south/kherson", "Kherson <b>oblast</b>", "south", box(32, 46, 34, 47.5)),
                   Region("south/donetsk", "Donetsk oblast", "south", box(37, 46.9, 38.5, 48)),
                   Region("south/empty", "Empty", "south", box(20, 40, 21, 41))))
    capital = Layer("capital", "Capital city", "", {"color": "#2980b9"}, False,
                    (Region("capital", "", "capital", box(30, 50, 31, 51)),))
    render_outputs(data, tmp_path, offline_config(tmp_path), [south, capital])
    return tmp_path / "map.html"


def region_rows(page) -> list[list[str]]:
    page.locator(".gm-regions details").evaluate("d => { d.open = true; }")
    return [row.split("\t")[:5] for row in page.locator(".gm-regions tbody tr").all_inner_texts()]


def timeline_total(page) -> int:
    return page.evaluate("window.geomap.timeline().reduce(function (a, b) { return a + b; }, 0)")


def test_a_date_range_removes_an_article_from_every_view(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    assert article_pages(page) == ["k-00000001", "m-00000002", "u-00000003"]   # undated last
    assert region_rows(page)[:2] == [["Kherson <b>oblast</b>", "South", "1", "2", "2"],
                                     ["Donetsk oblast", "South", "1", "2", "2"]]
    assert page.locator(".gm-regions b").count() == 0
    assert timeline_total(page) == 5       # the undated article's mention is in no bin ...
    assert page.locator(".gm-timeline-head span").inner_text() == (
        "Mentions per week (and 1 mention in undated articles)")      # ... but said
    page.evaluate(f"window.geomap.open({KHERSON.id!r})")
    popup = page.locator(".leaflet-popup-content .gm-pop")
    assert popup.locator(".gm-count").inner_text().startswith("2 mentions in 2 articles")
    popup.locator("ol.gm-quotes").wait_for()                    # its chunk of passages is in
    assert popup.locator("a.gm-title").all_inner_texts() == ["Front line", "Port news"]

    page.locator(".gm-dates input").first.fill("2023-12-01")    # drops "Port news"
    wait_ready(page)
    assert popup.locator("a.gm-title").all_inner_texts() == ["Front line"]   # same pop-up
    assert popup.locator(".gm-count").inner_text().startswith(
        "1 mention in 1 article matching the filters")
    assert popup.locator("blockquote").count() == 1
    assert region_rows(page)[:2] == [["Kherson <b>oblast</b>", "South", "1", "1", "1"],
                                     ["Donetsk oblast", "South", "1", "1", "1"]]
    assert timeline_total(page) == 3
    assert article_pages(page) == ["k-00000001", "u-00000003"]
    assert page.locator(".gm-unplaced summary").inner_text() == "Names not placed (1)"
    page.locator(".gm-unplaced summary").click()
    assert "1 mention:" in page.locator(".gm-unplaced li").inner_text()
    page.locator(".gm-undated input").uncheck()
    wait_ready(page)
    assert article_pages(page) == ["k-00000001"]
    assert page.locator(".gm-timeline-head span").inner_text() == "Mentions per week"
    assert shown_ids(page) == {KHERSON.id, MARIUPOL.id, KYIV.id}   # Kyiv is in k-00000001 too
    assert page.problems == [] and page.aborted == []


def test_choosing_a_layer_or_region_filters_articles_zooms_and_shows_it(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    legend = page.locator(".gm-legend")
    assert "South" in legend.inner_text() and "Capital city" not in legend.inner_text()
    select = page.locator(".gm-filters select")
    select.select_option(label="All of: South")
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id, MARIUPOL.id}
    assert article_pages(page) == ["k-00000001", "m-00000002"]
    assert "layer=south" in page.evaluate("window.location.hash")
    view = page.evaluate("window.geomap.map.getBounds().toBBoxString()").split(",")
    west, south, east, north = map(float, view)
    assert west <= 32 and east >= 38.5 and south <= 46 and north >= 48 and east - west < 40

    select.select_option(label="Kherson <b>oblast</b>")
    wait_ready(page)
    assert shown_ids(page) == {KHERSON.id}
    assert region_rows(page)[0] == ["Kherson <b>oblast</b>", "South", "1", "2", "2"]
    assert page.locator(".gm-regions tr.gm-chosen").inner_text().startswith("Kherson <b>oblast</b>")

    select.select_option(label="All of: Capital city")    # a hidden layer: choosing shows it
    wait_ready(page)
    assert shown_ids(page) == {KYIV.id}
    assert article_pages(page) == ["k-00000001", "u-00000003"]
    assert "Capital city" in legend.inner_text()
    assert region_rows(page) == [["Capital city", "Capital city", "1", "2", "2"]]   # its rows only
    page.evaluate(f"window.geomap.open({KYIV.id!r})")
    assert page.locator(".gm-pop .gm-in").inner_text() == "In: Capital city"
    assert page.problems == []


def test_article_list_sorts_both_ways_and_lists_a_places_articles(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    sort = page.locator(".gm-sort")
    assert sort.inner_text().startswith("Newest first")
    sort.click()
    wait_ready(page)
    assert article_pages(page) == ["m-00000002", "k-00000001", "u-00000003"]
    assert sort.inner_text().startswith("Oldest first")
    first = page.locator(".gm-article").first
    assert first.locator(".gm-article-meta").inner_text() == "2023-06-01 \u00b7 m-00000002.txt"
    assert first.locator(".gm-place-link").all_inner_texts() == ["Kherson", "Mariupol"]
    # "what was said about Kyiv, oldest first?": its pop-up's button, the list already sorted
    page.evaluate(f"window.geomap.open({KYIV.id!r})")
    page.locator(".gm-pop .gm-actions button").click()
    wait_ready(page)
    assert article_pages(page) == ["k-00000001", "u-00000003"]
    assert "Only articles naming Kyiv" in page.locator(".gm-chip").inner_text()
    page.locator(".gm-article-title").first.click()
    page.wait_for_url("**/articles/k-00000001.html")
    assert page.problems == []


def test_the_view_lives_in_the_url_hash(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    page.locator(".gm-dates input").first.fill("2023-12-01")
    wait_ready(page)
    page.locator(".gm-filters select").select_option(label="All of: South")
    wait_ready(page)
    page.locator(".gm-sort").click()
    wait_ready(page)
    hash_ = page.evaluate("window.location.hash")
    assert hash_ == "#from=2023-12-01&layer=south&sort=old"
    expected = article_pages(page)
    assert expected == ["k-00000001"]

    page.go_back()                          # undo the sort, then the layer
    wait_js(page, "window.location.hash === '#from=2023-12-01&layer=south'")
    wait_ready(page)
    assert page.locator(".gm-sort").inner_text().startswith("Newest first")
    page.go_back()
    wait_js(page, "window.location.hash === '#from=2023-12-01'")
    wait_ready(page)
    assert page.locator(".gm-filters select").input_value() == ""
    assert shown_ids(page) == {KHERSON.id, MARIUPOL.id, KYIV.id}

    other = page.context.browser.new_page()         # the link reproduces the view
    route_offline(other)
    other.goto(regional.as_uri() + hash_)
    wait_ready(other)
    assert article_pages(other) == expected
    assert other.locator(".gm-dates input").first.input_value() == "2023-12-01"
    assert other.locator(".gm-filters select").input_value() == "L0"
    assert shown_ids(other) == {KHERSON.id, MARIUPOL.id}
    # kinds with commas and a query with spaces and '&' survive the round trip
    other.evaluate("window.geomap.filter({hidden: {'a,b': true, city: true}, q: 'x & y=z'})")
    wait_ready(other)
    third = page.context.browser.new_page()
    route_offline(third)
    third.goto(regional.as_uri() + other.evaluate("window.location.hash"))
    wait_ready(third)
    state = third.evaluate("window.geomap.state()")
    assert state["hidden"] == {"a,b": True, "city": True} and state["q"] == "x & y=z"
    assert page.problems == []


def test_dragging_on_the_timeline_sets_the_dates(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    assert page.locator(".gm-timeline-head").inner_text().startswith("Mentions per week")
    svg = page.locator(".gm-timeline-svg").bounding_box()
    y = svg["y"] + svg["height"] / 2
    page.mouse.move(svg["x"] + 1, y)        # from the first week ...
    page.mouse.down()
    page.mouse.move(svg["x"] + svg["width"] * 0.5, y, steps=5)
    page.mouse.up()                         # ... to the middle of the span: 2023-06 to 2023-09
    wait_ready(page)
    assert page.locator(".gm-dates input").first.input_value() == "2023-06-01"
    assert "2023-09" in page.locator(".gm-dates input").nth(1).input_value()
    assert article_pages(page) == ["m-00000002", "u-00000003"]
    assert timeline_total(page) == 2
    page.locator(".gm-timeline-head button").click()        # all dates again
    wait_ready(page)
    assert timeline_total(page) == 5
    assert page.problems == []


def test_names_not_placed_are_listed_with_links_to_their_passages(regional, browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    names = page.locator(".gm-unplaced")
    names.locator("summary").click()
    item = names.locator("li")
    assert item.count() == 1 and item.locator("b").count() == 0     # text, never markup
    assert item.inner_text().startswith("Atlantis <b> \u00b7 2 mentions: Front line; Port news")
    assert item.locator("a").first.get_attribute("href") == "articles/k-00000001.html#p0"
    assert page.problems == []


def test_the_default_config_makes_a_map_that_works_offline(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    render_outputs(data, tmp_path, default_config(tmp_path), [])    # nothing set: the default
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    assert page.evaluate("window.geomap.places") == 1
    assert page.locator("#gm-failed").is_hidden()
    assert all("tile.openstreetmap.org" in url for url in page.aborted)   # only tiles asked
    wait_js(page, "window.geomap.outlines > 150", timeout=10)
    # the tiles failed: their credit is not shown, ours is
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "OpenStreetMap" not in attribution and "GeoNames" in attribution
    assert page.problems == []


def test_a_local_assets_map_loads_its_files_under_its_csp(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    config = dataclasses.replace(default_config(tmp_path),
                                 map=MapConfig(assets="local", tiles="none"))
    render_outputs(data, tmp_path, config, [])
    page_text = html.unescape((tmp_path / "map.html").read_text("utf-8"))
    assert "script-src 'unsafe-inline' 'self';" in page_text
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    assert page.evaluate("window.geomap.places") == 1
    assert page.problems == [] and page.aborted == []


def test_a_cdn_map_opened_offline_says_why_it_is_blank(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    config = dataclasses.replace(default_config(tmp_path), map=MapConfig(assets="cdn"))
    render_outputs(data, tmp_path, config, [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    failed = page.locator("#gm-failed")
    failed.wait_for(state="visible", timeout=10_000)
    assert "Leaflet, the map library, did not load." in failed.inner_text()
    assert "map.assets: inline" in failed.inner_text()
    assert any("cdn" in url for url in page.aborted)


def test_offline_outlines_replace_tiles_that_cannot_load(tmp_path, browser_page):
    data = make_data([("a-00000001", ["Kherson"], "T", "2024-01-01")])
    config = default_config(tmp_path)
    config = dataclasses.replace(config, map=MapConfig(assets="inline"))   # OpenStreetMap tiles
    render_outputs(data, tmp_path, config, [])
    page = browser_page
    page.goto((tmp_path / "map.html").as_uri())
    wait_ready(page)
    wait_js(page, "window.geomap.outlines > 150", timeout=10)
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
        wait_js(page, f"decodeURIComponent(location.hash).indexOf('place={place.id}') >= 0")
    assert page.problems == []


# --- passages in chunk files beside map.html, loaded when a pop-up opens ----------------------

def chunk_scripts(page) -> list[str]:
    return page.evaluate("Array.from(document.querySelectorAll('script[src]'), s => "
                         "s.getAttribute('src')).filter(s => s.startsWith('passages/'))")


def test_popup_passages_load_from_their_chunk_once(site, browser_page):
    page = browser_page
    held, asked = [], []

    def hold(route):                       # keep the chunk waiting until the test lets it go
        asked.append(route.request.url)
        held.append(route)

    page.route("**/passages/*.js", hold)
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    assert chunk_scripts(page) == []       # nothing of the passages loads with the map
    page.evaluate(f"window.geomap.open({KHERSON.id!r})")
    popup = page.locator(".leaflet-popup-content .gm-pop")
    assert popup.locator(".gm-loading").inner_text() == "loading\u2026"
    assert popup.locator("blockquote").count() == 0
    while not held:
        page.wait_for_timeout(20)
    held.pop().continue_()
    popup.locator("ol.gm-quotes").wait_for()
    assert popup.locator(".gm-loading").count() == 0
    assert popup.locator("mark").first.inner_text() == "Kherson"
    assert popup.locator("a.gm-title").count() == 2
    assert chunk_scripts(page) == ["passages/0.js"]

    for place in (MARIUPOL, KYIV, KHERSON):     # the same chunk: never asked for again
        page.evaluate(f"window.geomap.open({place.id!r})")
        shown = page.locator(".leaflet-popup-content .gm-pop",
                             has=page.locator("h3", has_text=place.name))
        shown.wait_for()                   # (the previous pop-up may still be fading out)
        assert shown.locator(".gm-loading").count() == 0
        assert shown.locator("mark").first.inner_text() == place.name
    assert len(asked) == 1 and chunk_scripts(page) == ["passages/0.js"]
    assert page.problems == [] and page.aborted == []


def test_a_date_filter_removes_an_articles_passages_from_a_chunk_loaded_popup(regional,
                                                                               browser_page):
    page = browser_page
    page.goto(regional.as_uri())
    wait_ready(page)
    page.evaluate(f"window.geomap.open({KHERSON.id!r})")
    popup = page.locator(".leaflet-popup-content .gm-pop")
    popup.locator("ol.gm-quotes").wait_for()
    assert popup.locator("blockquote").all_inner_texts() == [
        "Kherson and Mariupol \u00b6", "Kherson too \u00b6"]
    page.evaluate("window.geomap.filter({to: 19700})")        # 2023-12-09: only "Port news"
    wait_ready(page)
    assert popup.locator("a.gm-title").all_inner_texts() == ["Port news"]
    assert popup.locator("blockquote").all_inner_texts() == ["Kherson too \u00b6"]
    page.evaluate("window.geomap.filter({to: null})")
    wait_ready(page)
    assert popup.locator("a.gm-title").all_inner_texts() == ["Front line", "Port news"]
    assert chunk_scripts(page) == ["passages/0.js"]            # loaded once for all of it
    assert page.problems == [] and page.aborted == []


def test_a_missing_chunk_says_so_in_the_popup(site, browser_page):
    (site / "passages" / "0.js").unlink()
    page = browser_page
    page.goto((site / "map.html").as_uri())
    wait_ready(page)
    page.evaluate(f"window.geomap.open({MARIUPOL.id!r})")
    popup = page.locator(".leaflet-popup-content .gm-pop")
    assert "passages/0.js is missing" in popup.locator(".gm-loading").inner_text()
    assert popup.locator("a.gm-all").count() == 1             # its page is still linked
    assert page.problems == []
