"""Tests for geomap.render: outputs, links between map and article pages, escaping, trimming.

Inputs are MapData built directly from real places (no gazetteer needed).
"""
from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import given, strategies as st
from shapely.geometry import box

from geomap.config import MapConfig, default_config
from geomap.errors import ConfigError
from geomap.model import Passage, Place
from geomap.regions import Layer, Region
from geomap.render import (ArticleRecord, MapData, MentionRecord, PlaceRecord, render_outputs,
                           stale_pages)
from geomap.render.article_page import page_name, render_article
from geomap.render.map import (CHOROPLETH, QUOTE_WIDTH, article_ranks, quote_bounds,
                               render_map, script_json, shade)
from geomap.render.place_page import place_page_name
from geomap.render.quotes import groups

KHERSON = Place("geonames:706448", "Kherson", 46.6354, 32.6169, "UA", "city", 279131, "Kherson")
MARIUPOL = Place("geonames:701822", "Mariupol", 47.0958, 37.5494, "UA", "city", 481626, "Donetsk")
KYIV = Place("geonames:703448", "Kyiv", 50.4501, 30.5234, "UA", "city", 2797553, "Kyiv City")

HOSTILE = ('<script>alert(1)</script> <img src=x onerror=alert(1)> </script> '
           'javascript:alert(1) "quotes" \u2028')


def make_article(article_id: str, paragraphs: list[str], *, title: str, published: str | None,
                 places: dict[str, Place]) -> tuple[ArticleRecord, dict[str, list[MentionRecord]]]:
    """An article from paragraphs; every occurrence of a name in ``places`` is a mention."""
    text = "\n\n".join(paragraphs) + "\n"
    passages, mentions, by_place = [], [], {}
    pos = 0
    for index, para in enumerate(paragraphs):
        passages.append(Passage(index, pos, pos + len(para)))
        for name, place in places.items():
            for m in re.finditer(re.escape(name), para):
                start, end = pos + m.start(), pos + m.end()
                mentions.append((start, end, place.id))
                by_place.setdefault(place.id, []).append(
                    MentionRecord(article_id, start, end, name, index, 0.9))
        pos += len(para) + 2
    record = ArticleRecord(article_id, title, published, "By Test Writer", f"{article_id}.txt",
                           text, tuple(passages), sorted(mentions))
    return record, by_place


def make_data(specs: list[tuple[str, list[str], str, str | None]],
              regions: dict[str, tuple[str, ...]] | None = None) -> MapData:
    """MapData from ``(id, paragraphs, title, date)`` specs mentioning Kherson, Mariupol, Kyiv."""
    names = {p.name: p for p in (KHERSON, MARIUPOL, KYIV)}
    articles, mentions = {}, {}
    for article_id, paragraphs, title, published in specs:
        record, by_place = make_article(article_id, paragraphs, title=title, published=published,
                                        places=names)
        articles[article_id] = record
        for place_id, ms in by_place.items():
            mentions.setdefault(place_id, []).extend(ms)
    places = [PlaceRecord(p, (regions or {}).get(p.id, ()), mentions[p.id])
              for p in names.values() if p.id in mentions]
    return MapData(places, articles)


def payload(map_html: str) -> dict:
    """The JSON the map's script reads (exactly as the browser gets it)."""
    match = re.search(r'<script type="application/json" id="geomap-data">(.*?)</script>',
                      map_html, re.S)
    assert match, "map.html has no embedded place data"
    return json.loads(match.group(1))


def row_for(data: dict, place_id: str) -> list:
    return next(row for row in data["places"] if row[0] == place_id)


def chunk_for(data: dict, place_id: str, folder: Path | None = None) -> dict:
    """The passage chunk of a place: embedded in the data (``render_map``), or the chunk file
    ``passages/<n>.js`` beside ``map.html`` in ``folder`` (``render_outputs``)."""
    number = row_for(data, place_id)[9]
    if folder is None:
        return data["passages"][str(number)]
    script = (folder / "passages" / f"{number}.js").read_text(encoding="utf-8")
    prefix = f"geomapPassages({number},"
    assert script.startswith(prefix) and script.endswith(");\n")
    return json.loads(script[len(prefix):-3])


def quotes(data: dict, place_id: str, folder: Path | None = None) -> list[list]:
    """A place's pop-up quotes as geomap.js reads them: the article page made the article's
    number, the text number made the chunk's text."""
    chunk = chunk_for(data, place_id, folder)
    number = {row[0]: i for i, row in enumerate(data["articles"])}
    return [[number[q[0]], q[1], chunk["texts"][q[2]], *q[3:]]
            for q in chunk["places"][place_id]]


def quoted(data: dict, quote: list) -> tuple[str, list[str]]:
    """A pop-up quote's text (no cut marks) and its highlighted parts, as geomap.js reads them."""
    _article, _anchor, full_text, offset, length, _flags, marks = quote
    text = full_text[offset:offset + length]
    return text, [text[marks[i]:marks[i + 1]] for i in range(0, len(marks), 2)]


class Links(HTMLParser):
    """Collects every href and every element id of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "id" in attrs:
            self.ids.append(attrs["id"])


def parse_links(page: str) -> Links:
    parser = Links()
    parser.feed(page)
    return parser


@pytest.fixture
def config(tmp_path):
    return default_config(tmp_path)


@pytest.fixture
def news() -> MapData:
    return make_data([
        ("kherson-strike-1a2b3c4d",
         ["Strikes hit Kherson overnight", "Officials in Kherson said power was cut.",
          "Aid convoys left Kyiv for the south on Tuesday."],
         "Strikes hit Kherson", "2024-03-02"),
        ("mariupol-port-5e6f7a8b",
         ["Port of Mariupol reopens", "Ships returned to Mariupol, and Kherson waited."],
         "Port of Mariupol reopens", "2023-11-20"),
    ], regions={KHERSON.id: ("ua-south",)})


def test_render_outputs_writes_map_pages_and_geojson_only_into_out_dir(tmp_path, config, news):
    out = tmp_path / "out"
    written = render_outputs(news, out, config, [])
    expected = {out / "map.html", out / "places.geojson", out / "regions.csv",
                out / "mentions.csv", out / "mentions.jsonl", out / "passages" / "0.js",
                out / "passages" / "index.js",             # which chunks can match a search
                out / "articles" / "kherson-strike-1a2b3c4d.html",
                out / "articles" / "mariupol-port-5e6f7a8b.html",
                *(out / "places" / f"{place_page_name(p.id)}.html"
                  for p in (KHERSON, MARIUPOL, KYIV))}
    assert set(written) == expected and written[0] == out / "map.html"
    assert {p for p in out.rglob("*") if p.is_file()} == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_places_geojson_has_one_point_per_place_with_counts(tmp_path, config, news):
    render_outputs(news, tmp_path, config, [])
    collection = json.loads((tmp_path / "places.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["id"]: f for f in collection["features"]}
    assert set(features) == {KHERSON.id, MARIUPOL.id, KYIV.id}
    kherson = features[KHERSON.id]
    assert kherson["geometry"] == {"type": "Point", "coordinates": [32.6169, 46.6354]}
    props = kherson["properties"]
    assert (props["name"], props["kind"], props["country"]) == ("Kherson", "city", "UA")
    assert props["regions"] == ["ua-south"]
    assert (props["mentions"], props["articles"]) == (3, 2)
    assert (features[KYIV.id]["properties"]["mentions"],
            features[KYIV.id]["properties"]["articles"]) == (1, 1)
    assert (props["first_date"], props["last_date"]) == ("2023-11-20", "2024-03-02")
    assert features[KYIV.id]["properties"]["first_date"] == "2024-03-02"


def test_undated_places_have_no_first_or_last_date(tmp_path, config):
    data = make_data([("a-00000001", ["Kherson today"], "T", None)])
    render_outputs(data, tmp_path, config, [])
    (feature,) = json.loads((tmp_path / "places.geojson").read_text(encoding="utf-8"))["features"]
    assert feature["properties"]["first_date"] is None is feature["properties"]["last_date"]


def test_mentions_exports_one_row_per_mention_formula_safe(tmp_path, config):
    import csv

    data = make_data([("a-00000001", ["=HYPERLINK(\"x\") Strikes hit Kherson", "Kherson, Kyiv"],
                       "@title", "2024-03-02"),
                      ("b-00000002", ["Mariupol"], "T", None)],
                     regions={KHERSON.id: ("ua-south",)})
    for aid, record in data.articles.items():
        data.articles[aid] = dataclasses.replace(record, source=str(tmp_path / "articles" / f"{aid}.txt"))
    config = dataclasses.replace(config, root=tmp_path)
    render_outputs(data, tmp_path / "out", config, [])
    rows = list(csv.DictReader((tmp_path / "out" / "mentions.csv").read_text(encoding="utf-8")
                               .splitlines()))
    lines = (tmp_path / "out" / "mentions.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(rows) == len(records) == 4
    assert list(rows[0]) == list(records[0]) == ["article_id", "title", "date", "source", "text",
                                                 "start", "end", "place_id", "name", "kind", "lat",
                                                 "lon", "regions", "passage"]
    first = records[0]
    assert (first["article_id"], first["text"], first["place_id"]) == ("a-00000001", "Kherson", KHERSON.id)
    text = data.articles["a-00000001"].text
    assert text[first["start"]:first["end"]] == "Kherson"
    assert first["passage"].startswith("=HYPERLINK") and first["regions"] == ["ua-south"]
    assert first["source"] == "articles/a-00000001.txt"                 # relative to the project
    assert rows[0]["passage"] == "'" + first["passage"] and rows[0]["title"] == "'@title"
    assert rows[0]["regions"] == "ua-south" and float(rows[0]["lat"]) == KHERSON.lat
    assert records[-1]["date"] is None and rows[-1]["date"] == ""


def test_a_huge_paragraph_is_exported_as_a_bounded_window_around_each_mention(tmp_path, config):
    from geomap.render.exports import EXPORT_PASSAGE_CHARS

    paragraph = " ".join(["Shelling near Kherson went on."] * 2000 + ["Kyiv said nothing."])  # ~62 KB
    data = make_data([("a-00000001", [paragraph, "Mariupol was quiet."], "T", "2024-03-02")])
    render_outputs(data, tmp_path / "out", config, [])
    records = [json.loads(line) for line in
               (tmp_path / "out" / "mentions.jsonl").read_text(encoding="utf-8").splitlines()]
    text = data.articles["a-00000001"].text
    assert len(records) == 2002
    for record in records:
        passage = record["passage"]
        assert record["text"] in passage and passage in text      # a true excerpt holding the mention
        assert len(passage) <= EXPORT_PASSAGE_CHARS
    kyiv = next(r for r in records if r["text"] == "Kyiv")
    assert kyiv["passage"].endswith("Kyiv said nothing.")          # the window follows the mention
    mariupol = next(r for r in records if r["text"] == "Mariupol")
    assert mariupol["passage"] == "Mariupol was quiet."             # short paragraphs stay whole
    csv_size = (tmp_path / "out" / "mentions.csv").stat().st_size
    assert csv_size < 2002 * (EXPORT_PASSAGE_CHARS + 200)          # not rows x the whole paragraph


def test_popup_quotes_link_to_the_passage_that_contains_the_mention(config, news):
    data = payload(render_map(news, config, []))
    for place in (KHERSON, MARIUPOL, KYIV):
        assert quotes(data, place.id), f"no quotes for {place.name}"
        for quote in quotes(data, place.id):
            article_no, anchor = quote[:2]
            page = data["articles"][article_no][0]
            article = news.articles[page]
            passage = article.passages[anchor]
            assert any(passage.start <= s < passage.end and place.id == pid
                       for s, _e, pid in article.mentions)
            text, highlighted = quoted(data, quote)
            assert text in article.text[passage.start:passage.end]
            assert highlighted and highlighted == [place.name] * len(highlighted)


def test_popup_article_anchor_exists_on_the_article_page(tmp_path, config, news):
    render_outputs(news, tmp_path, config, [])
    data = payload((tmp_path / "map.html").read_text(encoding="utf-8"))
    article_no, anchor = quotes(data, MARIUPOL.id, tmp_path)[0][:2]
    page = tmp_path / "articles" / f"{data['articles'][article_no][0]}.html"
    html_text = page.read_text(encoding="utf-8")
    # The headline passage is the page's h1 (still anchored); every other passage is a <p>.
    paragraph = re.search(rf'<(p|h1) id="p{anchor}"[^>]*>(.*?)</\1>', html_text, re.S).group(2)
    assert "<mark>Mariupol</mark>" in paragraph


def test_popup_lists_newest_passages_first_and_at_most_max_passages(tmp_path, config, news):
    settings = dataclasses.replace(config, map=MapConfig(max_passages=2))
    data = payload(render_map(news, settings, []))
    row = row_for(data, KHERSON.id)
    name, kind, country = row[1:4]
    assert (name, kind, country) == ("Kherson", "city", "UA")
    assert (row[7], row[8], row[10]) == (3, 2, 3)       # mentions, articles, passages
    shown = quotes(data, KHERSON.id)
    assert len(shown) == 2
    dates = [data["articles"][q[0]][2] for q in shown]
    assert dates == ["2024-03-02", "2024-03-02"]
    assert [q[1] for q in shown] == [0, 1]               # same article: text order
    every = payload(render_map(news, config, []))
    oldest = quotes(every, KHERSON.id)[-1]
    assert every["articles"][oldest[0]][2] == "2023-11-20"


def test_hostile_text_is_escaped_in_map_and_article_pages(tmp_path, news):
    specs = [("hostile-00000001", [f"Kherson {HOSTILE}", f"{HOSTILE} near Kyiv"],
              f"Title {HOSTILE}", "2024-01-01")]
    data = make_data(specs, regions={KHERSON.id: ("evil",)})
    evil_place = PlaceRecord(dataclasses.replace(MARIUPOL, name=f"Mariupol {HOSTILE}"), (),
                             [MentionRecord("hostile-00000001", 0, 7, "Kherson", 0, 0.5)])
    data.places.append(evil_place)
    layer = Layer("evil", f"Layer {HOSTILE}", HOSTILE, {"color": "red", "weight": 2}, True,
                  (Region("evil", f"Region {HOSTILE}", "evil", box(32, 46, 33, 47)),))
    config = dataclasses.replace(default_config(tmp_path),
                                 map=MapConfig(title=f"Map {HOSTILE}"))
    render_outputs(data, tmp_path / "out", config, [layer])

    map_html = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    for raw in ("<script>alert", "<img src=x", "onerror=alert(1)>"):
        assert raw not in map_html
    assert map_html.count("</script>") == map_html.count("<script")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", map_html, re.S)
    assert not any("\u2028" in s or "\u2029" in s for s in scripts)   # JS line terminators
    assert "<title>Map &lt;script&gt;alert(1)&lt;/script&gt;" in map_html
    assert not any(h.lower().startswith("javascript:") for h in parse_links(map_html).hrefs)
    embedded = payload(map_html)           # the text survives intact as data
    assert embedded["articles"][0][1] == f"Title {HOSTILE}"
    assert row_for(embedded, MARIUPOL.id)[1] == f"Mariupol {HOSTILE}"
    assert embedded["regions"] == [f"Region {HOSTILE}"]

    page = (tmp_path / "out" / "articles" / "hostile-00000001.html").read_text(encoding="utf-8")
    for raw in ("<script>alert", "<img src=x", "</script> ", "<script"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<h1>Title &lt;script&gt;" in page
    links = parse_links(page)
    assert links.hrefs and all(h == "../map.html" or h.startswith("../map.html#place=")
                               for h in links.hrefs)


def test_template_syntax_in_untrusted_text_is_never_evaluated(tmp_path):
    # branca re-reads folium's output as Jinja: "{{ range(3)|list }}" must stay text.
    jinja = "{{ range(3)|list }} {% raw %} {# x"
    data = make_data([("jinja-00000001", [f"Kherson {jinja}"], f"T {jinja}", "2024-01-01")])
    layer = Layer("j", f"Layer {jinja}", "", {"color": "{{ range(4)|list }}", "weight": 2}, True,
                  (Region("j", f"Region {jinja}", "j", box(32, 46, 33, 47)),))
    config = dataclasses.replace(default_config(tmp_path),
                                 map=MapConfig(title=f"Map {jinja}", attribution=f"A {jinja}"))
    map_html = render_map(data, config, [layer])
    assert "[0, 1, 2" not in map_html
    embedded = payload(map_html)
    assert embedded["articles"][0][1] == f"T {jinja}"
    assert f"Kherson {jinja}" in chunk_for(embedded, KHERSON.id)["texts"]
    inert = "&#123;&#123; range(3)|list &#125;&#125; &#123;% raw %&#125; &#123;# x"
    in_js = map_html.replace("\\u0026", "&")            # folium's tojson escapes "&"
    for label in ("Layer", "Region", "A"):
        assert f"{label} {inert}" in in_js
    assert "range(4)" not in map_html                     # a style value that is no colour
    page = render_article(data.articles["jinja-00000001"], {}, map_title=jinja)
    assert f"T {jinja}" in page and "[0, 1, 2" not in page


def test_region_layers_are_drawn_styled_with_escaped_labels_and_legend(config, news):
    shown = Layer("south", "South <b>", "", {"color": "#ff7800", "fill": "#ff7800",
                                              "opacity": 0.3, "weight": 2, "dash": "6 4"},
                  True, (Region("south", "South", "south", box(30, 44, 38, 48)),))
    hidden = Layer("front", "Front line", "", {"color": "#0000ff", "fill": None, "weight": 1},
                   False, (Region("front/a", "A", "front", box(36, 47, 38, 48)),
                           Region("front/b", "B", "front", box(35, 46, 36, 47))))
    map_html = render_map(news, config, [shown, hidden])
    assert '"South \\u0026lt;b\\u0026gt;"' in map_html          # Leaflet shows it as HTML
    assert '"Front line"' in map_html
    assert re.search(r'"fillColor":\s*"#ff7800"', map_html)
    assert re.search(r'"fillOpacity":\s*0\.3', map_html)
    assert re.search(r'"dashArray":\s*"6 4"', map_html)
    assert re.search(r'"fill":\s*false', map_html)
    drawn = re.sub(r'id="geomap-world">.*?</script>', "", map_html, flags=re.S)  # not outlines
    assert drawn.count('"type": "Polygon"') + drawn.count('"type":"Polygon"') == 3
    legend = payload(map_html)["legend"]
    assert legend == [["South <b>", "#ff7800", "#ff7800", 0.3], ["Front line", "#0000ff", "", 0.2]]
    assert '"South \\u2014 0 places, 0 mentions, 0 articles"' in map_html     # tooltip


def test_layer_credits_are_added_once_and_escaped(config, news):
    layer = Layer("s", "S", "", {}, True, (Region("s", "S", "s", box(30, 44, 38, 48)),),
                  attribution=("Natural Earth", "My <b>survey</b>", "My <b>survey</b>"))
    attribution = payload(render_map(news, config, [layer]))["attribution"]
    assert attribution.count("Natural Earth") == 1
    assert attribution.count("My &lt;b&gt;survey&lt;/b&gt;") == 1 and "<b>" not in attribution


def test_map_credits_geonames_natural_earth_and_tiles(config, news):
    map_html = render_map(news, config, [])
    attribution = payload(map_html)["attribution"]
    assert "GeoNames" in attribution and "CC BY 4.0" in attribution
    assert "Natural Earth" in attribution
    assert "openstreetmap.org/copyright" in map_html.lower()


def test_tile_url_needs_attribution_and_it_is_escaped(config, news):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    with pytest.raises(ConfigError, match="attribution"):
        render_map(news, dataclasses.replace(config, map=MapConfig(tiles=url)), [])
    settings = dataclasses.replace(config, map=MapConfig(tiles=url, attribution="<i>Me</i>"))
    map_html = render_map(news, settings, [])
    assert "tiles.example.org" in map_html and "<i>Me" not in map_html


LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"


def test_cdn_assets_link_leaflet_and_plugins(config, news):
    map_html = render_map(news, dataclasses.replace(config, map=MapConfig(assets="cdn")), [])
    assert f'<script src="{LEAFLET_JS}"></script>' in map_html
    assert "leaflet.fullscreen@3.0.0/Control.FullScreen.css" in map_html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', map_html)
    assert "script-src 'unsafe-inline' https://cdn.jsdelivr.net" in html.unescape(csp.group(1))


def test_the_default_map_needs_no_network_and_has_a_strict_csp(config, news):
    map_html = render_map(news, config, [])           # the embedded default config
    assert config.map.assets == "inline"
    assert not re.search(r'<(script|link)[^>]+(src|href)=', map_html)
    csp = html.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"',
                                  map_html).group(1))
    rules = dict(rule.strip().split(" ", 1) for rule in csp.split(";"))
    assert rules["default-src"] == "'none'" and rules["connect-src"] == "'none'"
    assert rules["script-src"] == "'unsafe-inline'"           # inline only: no host at all
    assert rules["img-src"] == "data: https://tile.openstreetmap.org"
    assert map_html.index("Content-Security-Policy") < map_html.index("<script")
    # a page whose scripts fail says why and what to set, visibly
    assert 'id="gm-failed"' in map_html and "map.assets: inline" in map_html


def test_tiles_none_allows_no_image_host(config, news):
    map_html = render_map(news, dataclasses.replace(config, map=MapConfig(tiles="none")), [])
    csp = html.unescape(re.search(r'content="(default-src[^"]+)"', map_html).group(1))
    assert "img-src data:;" in csp and "tile" not in csp


def test_inline_assets_embed_folium_offline_copies_and_need_no_network(config, news):
    from offlinefolium.elements import _res

    map_html = render_map(news, dataclasses.replace(config, map=MapConfig(assets="inline")), [])
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', map_html)
    assert "://cdn" not in "".join(re.findall(r"<(?:script|link)[^>]*>", map_html))
    assert _res[LEAFLET_JS][:2000] in map_html                     # the library itself
    assert "Control.FullScreen" in map_html and "leaflet.fullscreen" in map_html.lower()
    # every <script> ends where it should: as many openings as closings, JSON still parses
    assert map_html.count("<script") == map_html.count("</script>")
    assert payload(map_html)["places"]


def test_inline_assets_cannot_end_their_element_early():
    from geomap.render.assets import Asset, inline_tag

    js = inline_tag(Asset("u", True, 'var s = "</script><script>alert(1)</SCRIPT> <!-- x";'))
    assert js.count("</script") == 1 and js.endswith("</script>") and "<!--" not in js
    css = inline_tag(Asset("u", False, "a{content:'</style><script>'}"))
    assert css.count("</style") == 1 and css.endswith("</style>")


def test_local_assets_are_written_next_to_the_map_and_linked_relatively(tmp_path, news):
    config = dataclasses.replace(default_config(tmp_path), map=MapConfig(assets="local"))
    written = render_outputs(news, tmp_path, config, [])
    assets = sorted(p for p in written if p.parent == tmp_path / "assets")
    names = [p.name for p in assets]
    assert "npm-leaflet-1.9.3-dist-leaflet.js" in names
    assert "npm-leaflet.fullscreen-3.0.0-Control.FullScreen.min.js" in names
    map_html = (tmp_path / "map.html").read_text(encoding="utf-8")
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name)
        assert f'"assets/{name}"' in map_html
    assert "://cdn" not in "".join(re.findall(r"<(?:script|link)[^>]*>", map_html))
    leaflet = tmp_path / "assets" / "npm-leaflet-1.9.3-dist-leaflet.js"
    assert "Leaflet 1.9.3" in leaflet.read_text(encoding="utf-8")


def test_offline_assets_without_folium_offline_say_how_to_install(config, news, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "offlinefolium.elements", None)   # import fails
    with pytest.raises(ConfigError, match=r"pip install folium-offline"):
        render_map(news, dataclasses.replace(config, map=MapConfig(assets="inline")), [])


def test_tiles_none_uses_the_offline_outlines_as_base_map(config, news):
    map_html = render_map(news, dataclasses.replace(config, map=MapConfig(tiles="none")), [])
    assert "L.tileLayer" not in map_html and "openstreetmap" not in map_html.lower()
    assert payload(map_html)["tiles"] is False
    world = json.loads(re.search(r'<script type="application/json" id="geomap-world">(.*?)'
                                 r"</script>", map_html, re.S).group(1))
    codes = {f["properties"]["code"] for f in world["features"]}
    assert {"UA", "FR", "US", "BR", "AU"} <= codes and len(codes) > 150
    with_tiles = render_map(news, config, [])
    assert payload(with_tiles)["tiles"] is True and 'id="geomap-world"' in with_tiles


def test_no_markercluster_plugin_is_loaded_geomap_js_clusters(config, news):
    cdn = dataclasses.replace(config, map=MapConfig(assets="cdn"))
    assert "markercluster" not in render_map(news, cdn, []).lower()
    plain = dataclasses.replace(config, map=MapConfig(cluster=False, assets="cdn"))
    assert payload(render_map(news, plain, []))["cluster"] is False


def test_unknown_tile_provider_is_a_config_error(config, news):
    settings = dataclasses.replace(config, map=MapConfig(tiles="No Such Provider Tiles"))
    with pytest.raises(ConfigError, match="map.tiles"):
        render_map(news, settings, [])


def test_article_page_anchors_every_passage_and_links_every_mention(news):
    article = news.articles["kherson-strike-1a2b3c4d"]
    page = render_article(article, {KHERSON.id: KHERSON}, map_title="geomap")
    links = parse_links(page)
    assert links.ids == ["p0", "p1", "p2"]
    assert links.hrefs.count("../map.html#place=geonames%3A706448") == 2
    assert links.hrefs.count("../map.html#place=geonames%3A703448") == 1
    assert page.count("<mark>") == len(article.mentions) == 3
    assert 'title="Kherson (city, Kherson, UA)"' in page
    assert "<time datetime=\"2024-03-02\">" in page and "By Test Writer" in page
    assert "://" not in page                       # self-contained: no external requests


def test_page_name_keeps_safe_ids_and_confines_others():
    assert page_name("kherson-strike-1a2b3c4d") == "kherson-strike-1a2b3c4d"
    for hostile in ("../../etc/passwd", "a/b", "..", "", "x" * 300, "évé nement"):
        name = page_name(hostile)
        assert re.fullmatch(r"[a-z0-9_-]{1,80}", name), name
    assert page_name("a/b") != page_name("a-b")


def test_script_json_cannot_close_the_script_tag():
    text = script_json({"t": "</script><!-- \u2028\u2029 & >"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"t": "</script><!-- \u2028\u2029 & >"}


def test_quote_bounds_trim_long_passages_around_the_mention_at_word_boundaries():
    words = " ".join(f"word{i}" for i in range(200))
    text = words + " Kherson " + words
    start = text.index("Kherson")
    a, b = quote_bounds(text, 0, len(text), (start, start + 7))
    assert b - a <= QUOTE_WIDTH and a <= start and start + 7 <= b
    assert text[a - 1] == " " and text[a:a + 4] == "word" and text[b] == " "
    assert abs((start - a) - (b - start - 7)) < 40       # roughly centred
    assert quote_bounds(text, 10, 60, (20, 27)) == (10, 60)   # short passages whole


def test_windows_of_one_passage_are_stored_once_and_cut_marks_are_flagged(config):
    long_para = ("Kherson " + "filler words " * 15 + "Kyiv " + "more text " * 15 + "Mariupol.")
    data = make_data([("long-00000001", ["Title", long_para], "Long", "2024-05-05")])
    embedded = payload(render_map(data, config, []))
    rows = {p.name: quotes(embedded, p.id)[0] for p in (KHERSON, KYIV, MARIUPOL)}
    assert quoted(embedded, rows["Kherson"])[1] == ["Kherson"]
    assert quoted(embedded, rows["Kyiv"])[1] == ["Kyiv"]
    assert quoted(embedded, rows["Mariupol"])[1] == ["Mariupol"]
    assert rows["Kherson"][5] == 2 and rows["Mariupol"][5] == 1 and rows["Kyiv"][5] == 3
    # overlapping windows share their text (within a chunk: the three places share one here)
    assert {row_for(embedded, p.id)[9] for p in (KHERSON, KYIV, MARIUPOL)} == {0}
    assert chunk_for(embedded, KHERSON.id)["texts"] == [long_para]


@given(st.text(alphabet="ab \n", min_size=0, max_size=600), st.integers(0, 600),
       st.integers(1, 300))
def test_quote_bounds_always_contain_the_mention(text, at, length):
    text = text[:at] + "X" * length + text[at:]
    start = text.index("X" * length)
    a, b = quote_bounds(text, 0, len(text), (start, start + length))
    assert 0 <= a <= start and start + length <= b <= len(text)
    assert b - a <= max(QUOTE_WIDTH, length)


def test_empty_map_data_renders(tmp_path, config):
    written = render_outputs(MapData(), tmp_path, config, [])
    assert [p.name for p in written] == ["map.html", "places.geojson", "regions.csv",
                                         "mentions.csv", "mentions.jsonl"]
    assert payload(written[0].read_text(encoding="utf-8"))["places"] == []


@pytest.fixture
def crowded():
    """Kherson in three passages of the newest article (one mention outside every passage),
    an older, an undated and a forgotten article."""
    data = make_data([
        ("b-new-00000002", ["Kherson first", "Then Kherson and Kherson"], "New", "2024-05-01"),
        ("a-old-00000001", ["Kherson old"], "Old", "2024-03-01"),
        ("c-undated-0003", ["Kherson undated"], "Undated", None),
    ])
    record = next(r for r in data.places if r.place.id == KHERSON.id)
    record.mentions.extend([MentionRecord("a-gone-0000000", 0, 7, "Kherson", 0, 0.5),
                            MentionRecord("b-new-00000002", 0, 7, "Kherson", None, 0.5)])
    return data


NEWEST_FIRST = [("b-new-00000002", None), ("b-new-00000002", 0), ("b-new-00000002", 1),
                ("a-old-00000001", 0), ("a-gone-0000000", 0), ("c-undated-0003", 0)]


def test_passage_groups_are_newest_first_whatever_the_mention_order(crowded):
    mentions = next(r for r in crowded.places if r.place.id == KHERSON.id).mentions
    ranks = article_ranks(crowded.articles, crowded.articles)     # lacks the forgotten one
    for ordered in (mentions, mentions[::-1]):
        for given_ranks in (None, ranks):
            found, count = groups(ordered, crowded.articles, ranks=given_ranks)
            assert [(g.article_id, g.passage_index) for g in found] == NEWEST_FIRST
            assert count == 6
            assert [g.article is None for g in found] == [False] * 4 + [True, False]
            assert found[2].spans == sorted(found[2].spans) and len(found[2].spans) == 2
        newest, count = groups(ordered, crowded.articles, 5, ranks)
        present = [k for k in NEWEST_FIRST if k[0] != "a-gone-0000000"]
        assert [(g.article_id, g.passage_index) for g in newest] == present[:5] and count == 6


def test_popup_quotes_the_newest_passages_and_counts_them_all(config, crowded):
    settings = dataclasses.replace(config, map=MapConfig(max_passages=2))
    data = payload(render_map(crowded, settings, []))
    row = row_for(data, KHERSON.id)
    assert (row[7], row[8], row[10]) == (7, 4, 6)       # mentions, articles, passages
    assert [(data["articles"][q[0]][0], q[1]) for q in quotes(data, KHERSON.id)] == [
        ("b-new-00000002", -1), ("b-new-00000002", 0)]
    everything = payload(render_map(crowded, dataclasses.replace(
        config, map=MapConfig(max_passages=10)), []))
    assert [q[1] for q in quotes(everything, KHERSON.id)] == [-1, 0, 1, 0, 0]   # the forgotten one is not quoted


def test_place_page_quotes_every_passage_newest_first(tmp_path, config, crowded):
    render_outputs(crowded, tmp_path, config, [])
    page = (tmp_path / "places" / f"{place_page_name(KHERSON.id)}.html").read_text("utf-8")
    quotes = re.findall(r'<a class="passage" href="([^"]*)"', page)
    assert quotes == ["../articles/b-new-00000002.html", "../articles/b-new-00000002.html#p0",
                      "../articles/b-new-00000002.html#p1", "../articles/a-old-00000001.html#p0",
                      "../articles/c-undated-0003.html#p0"]
    assert re.findall(r"<h2><a [^>]*>([^<]*)</a>", page) == ["New", "Old", "Undated"]
    assert page.count("<section>") == page.count("</section>") == 3
    assert "7 mentions in 4 articles" in page


def test_place_page_lists_every_mention_with_passage_links_and_escapes(tmp_path):
    data = make_data([
        ("kherson-strike-1a2b3c4d", ["Strikes hit Kherson overnight",
                                     f"Officials in Kherson said {HOSTILE} power was cut."],
         f"Strikes {HOSTILE}", "2024-03-02"),
        ("mariupol-port-5e6f7a8b", ["Ships returned to Mariupol, and Kherson waited."],
         "Port of Mariupol reopens", "2023-11-20"),
    ], regions={KHERSON.id: ("south",)})
    layer = Layer("south", "South", "", {}, True, (Region("south", "South <i>", "south",
                                                         box(30, 44, 38, 48)),))
    config = dataclasses.replace(default_config(tmp_path), map=MapConfig(max_passages=1))
    render_outputs(data, tmp_path, config, [layer])
    page = (tmp_path / "places" / f"{place_page_name(KHERSON.id)}.html").read_text("utf-8")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script" not in page and "<img" not in page and "<i>" not in page
    assert "South &lt;i&gt;" in page and "3 mentions in 2 articles" in page
    links = parse_links(page)
    passage_links = [h for h in links.hrefs if h.startswith("../articles/") and "#p" in h]
    assert passage_links == ["../articles/kherson-strike-1a2b3c4d.html#p0",     # newest first
                             "../articles/kherson-strike-1a2b3c4d.html#p1",
                             "../articles/mariupol-port-5e6f7a8b.html#p0"]   # all, not just 1
    assert "../map.html#place=geonames%3A706448" in links.hrefs
    assert page.count("<mark>Kherson</mark>") == 3
    assert "<h2><a href=\"../articles/kherson-strike-1a2b3c4d.html\">Strikes &lt;script&gt;" in page
    for href in passage_links:                         # every anchor exists on its page
        name, anchor = href.removeprefix("../articles/").split("#")
        article_page = (tmp_path / "articles" / name).read_text("utf-8")
        assert f'id="{anchor}"' in article_page


def test_popup_row_names_the_place_page_and_the_articles_of_each_place(config, news):
    data = payload(render_map(news, config, []))
    row = row_for(data, KHERSON.id)
    assert row[11] == 0                  # geomap.js derives the page name from the id
    # every article, numbered newest first: [page, title, date, source (a file name, no path)]
    assert [a[:3] for a in data["articles"]] == [
        ["kherson-strike-1a2b3c4d", "Strikes hit Kherson", "2024-03-02"],
        ["mariupol-port-5e6f7a8b", "Port of Mariupol reopens", "2023-11-20"]]
    # Kherson: twice in two passages of article 0, once in article 1 (the step from 0)
    assert row[12] == [[0, 2, 2], 1]
    assert row_for(data, KYIV.id)[12] == [0]
    assert row_for(data, MARIUPOL.id)[12] == [[1, 2, 2]]


def test_article_source_shows_a_host_or_a_file_name_never_a_path():
    from geomap.render.payload import source_label

    assert source_label("/home/ana/news/inbox/kyiv.txt") == "kyiv.txt"
    assert source_label("C:\\Users\\ana\\kyiv.md") == "kyiv.md"
    assert source_label("https://www.example.org/feed.xml") == "www.example.org"
    assert source_label("") == ""


def test_names_not_placed_reach_the_map_grouped_by_name(config, news):
    from geomap.render import MentionRecord
    from geomap.render.data import unplaced_records

    art = news.articles["mariupol-port-5e6f7a8b"]
    news.unplaced = unplaced_records([
        MentionRecord("mariupol-port-5e6f7a8b", 0, 4, "Port", 0),
        MentionRecord("kherson-strike-1a2b3c4d", 5, 9, "port", None),
        MentionRecord("kherson-strike-1a2b3c4d", 9, 13, "PORT", 1),
        MentionRecord("mariupol-port-5e6f7a8b", 4, 8, "Azovstal", 1)])
    assert [(u.name, len(u.mentions)) for u in news.unplaced] == [("PORT", 3), ("Azovstal", 1)]
    assert art.id
    rows = payload(render_map(news, config, []))["unplaced"]
    # [name, [article#, mentions, first passage anchor, ...]]: article 0 is the newest
    assert rows == [["PORT", [0, 2, 1, 1, 1, 0]], ["Azovstal", [1, 1, 1]]]


def test_place_page_names_are_safe_distinct_and_long_ids_are_carried(config, news):
    assert place_page_name(KHERSON.id) == "geonames_3A706448"
    assert place_page_name("nominatim:way/1_2") == "nominatim_3Away_2F1_5F2"
    assert place_page_name("geomap:kyiv") != place_page_name("geomap_3Akyiv")
    assert place_page_name("x:Kyïv ’") == "x_3AKy_C3_AFv_20_E2_80_99"
    long_id = "test:" + "é" * 60
    for place_id in ("../../etc/passwd", "a/b", "", long_id, "\ud800"):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,100}", place_page_name(place_id)), place_id
    news.places.append(PlaceRecord(dataclasses.replace(KYIV, id=long_id), (),
                                   news.places[0].mentions[:1]))
    assert row_for(payload(render_map(news, config, [])), long_id)[11] == place_page_name(long_id)


def test_undated_articles_come_last_with_no_date(config):
    data = make_data([("a-00000001", ["Kherson today"], "T", None),
                      ("b-00000002", ["Kherson again"], "T", "2021-05-01"),
                      ("c-00000003", ["Kherson again"], "T", "2020-05-01")])
    articles = payload(render_map(data, config, []))["articles"]
    assert [(a[0], a[2]) for a in articles] == [
        ("b-00000002", "2021-05-01"), ("c-00000003", "2020-05-01"), ("a-00000001", "")]


def two_layers():
    south = Layer("south", "South", "", {"color": "#ff7800", "choropleth": True}, True,
                  (Region("south/kherson", "Kherson oblast", "south", box(32, 46, 34, 47.5)),
                   Region("south/donetsk", "Donetsk oblast", "south", box(37, 46.9, 38.5, 48)),
                   Region("south/empty", "Empty", "south", box(20, 40, 21, 41))))
    capital = Layer("capital", "=cmd|' /C calc'!A0", "", {}, False,
                    (Region("capital", "@SUM(1+1)", "capital", box(30, 50, 31, 51)),))
    return [south, capital]


@pytest.fixture
def regional():
    return make_data([
        ("kherson-strike-1a2b3c4d", ["Strikes hit Kherson", "Kherson and Kyiv"], "S", "2024-03-02"),
        ("mariupol-port-5e6f7a8b", ["Mariupol and Kherson"], "P", "2023-11-20"),
    ], regions={KHERSON.id: ("south/kherson",), MARIUPOL.id: ("south/donetsk",),
                KYIV.id: ("capital",)})


def test_regions_csv_counts_every_configured_region_and_defuses_formulas(tmp_path, config,
                                                                         regional):
    import csv

    render_outputs(regional, tmp_path, config, two_layers())
    text = (tmp_path / "regions.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["region", "label", "layer", "places", "mentions", "articles", "scope"]
    assert rows[1:5] == [
        ["south/kherson", "Kherson oblast", "South", "1", "3", "2", "region"],
        ["south/donetsk", "Donetsk oblast", "South", "1", "1", "1", "region"],
        ["south/empty", "Empty", "South", "0", "0", "0", "region"],            # zero rows kept
        ["capital", "'@SUM(1+1)", "'=cmd|' /C calc'!A0", "1", "1", "1", "region"],
    ]
    assert [row[0] for row in rows[5:]] == ["south", "capital"]
    assert {row[-1] for row in rows[5:]} == {"layer"}


def test_layer_totals_count_each_place_mention_and_article_once(tmp_path, config):
    from geomap.render.region_counts import layer_counts, region_counts

    data = make_data([("a-00000001", ["Kherson and Mariupol", "Kherson again"], "T", "2024-01-01"),
                      ("b-00000002", ["Mariupol"], "T", "2024-01-02")],
                     regions={KHERSON.id: ("south/kherson", "south/donetsk"),   # on a border
                              MARIUPOL.id: ("south/donetsk",)})
    by_region = {c.region: (c.places, c.mentions, c.articles) for c in region_counts(data, two_layers())}
    assert by_region["south/donetsk"] == (2, 4, 2)
    south, capital = layer_counts(data, two_layers())
    assert (south.region, south.places, south.mentions, south.articles) == ("south", 2, 4, 2)
    assert sum(c for r, (_, c, _) in by_region.items() if r.startswith("south/")) == 6  # regions overlap
    assert (capital.places, capital.mentions, capital.articles) == (0, 0, 0)


def test_map_has_region_table_select_data_and_choropleth_shades(config, regional):
    map_html = render_map(regional, config, two_layers())
    data = payload(map_html)
    assert data["regions"][:4] == ["Kherson oblast", "Donetsk oblast", "Empty", "@SUM(1+1)"]
    assert data["regionCounts"] == [["South", 1, 3, 2], ["South", 1, 1, 1], ["South", 0, 0, 0],
                                    ["=cmd|' /C calc'!A0", 1, 1, 1]]
    assert row_for(data, KHERSON.id)[6] == [0]
    most, fewer = shade(3, 3), shade(1, 3)
    assert most == CHOROPLETH[-1] and fewer in CHOROPLETH[:-1] and shade(0, 3) is None
    assert re.search(rf'"fillColor":\s*"{most}"', map_html)       # Kherson oblast, 3 mentions
    assert re.search(rf'"fillColor":\s*"{fewer}"', map_html)      # Donetsk oblast, 1 mention
    assert data["legend"][0][4:] == [list(CHOROPLETH), 3] and len(data["legend"][1]) == 4


def test_shades_grow_with_mentions():
    shades = [shade(n, 1000) for n in (1, 10, 100, 1000)]
    ranks = [CHOROPLETH.index(s) for s in shades]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1] == len(CHOROPLETH) - 1


def test_render_outputs_can_redo_only_some_pages(tmp_path, config, news):
    written = render_outputs(news, tmp_path, config, [], articles={"mariupol-port-5e6f7a8b"},
                             places={MARIUPOL.id, "gone:1"})
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert names == {"map.html", "places.geojson", "regions.csv", "mentions.csv", "mentions.jsonl",
                     "passages/0.js", "passages/index.js", "articles/mariupol-port-5e6f7a8b.html",
                     f"places/{place_page_name(MARIUPOL.id)}.html"}


def test_stale_pages_are_those_of_forgotten_articles_and_places(tmp_path, config, news):
    render_outputs(news, tmp_path, config, [])
    assert stale_pages(tmp_path, news) == []
    del news.articles["mariupol-port-5e6f7a8b"]
    news.places = [r for r in news.places if r.place.id != MARIUPOL.id]
    assert [p.relative_to(tmp_path).as_posix() for p in stale_pages(tmp_path, news)] == [
        "articles/mariupol-port-5e6f7a8b.html", f"places/{place_page_name(MARIUPOL.id)}.html"]


def test_world_outlines_are_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    from geomap.render import world

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    world.world_outlines.cache_clear()
    try:
        text = world.world_outlines()
        cached = list(tmp_path.rglob("world-outlines-*.json"))
        assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == text
        outlines = json.loads(text)
        ukraine = next(f for f in outlines["features"] if f["properties"]["code"] == "UA")
        assert ukraine["geometry"]["type"] in ("Polygon", "MultiPolygon")
        cached[0].write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
        world.world_outlines.cache_clear()
        assert json.loads(world.world_outlines())["features"] == []     # read, not rebuilt
    finally:
        world.world_outlines.cache_clear()


def test_article_page_shows_the_saved_page_header_once_and_keeps_its_mentions():
    """Date line, author, byline and Published lines are metadata, not paragraphs; the headline
    becomes the h1 with its mentions linked, under the headline passage's own anchor."""
    text = ("date 2023-05-21 World\nFighting in Bakhmut\n\nA. Writer\nBy A. Writer\n"
            "Published 21st May 2023, 12:10 BST\nBakhmut was shelled.\n")
    from geomap.articles import parse_text

    a = parse_text(text, source="x.txt", article_id="x-1", sha256="0")
    starts = [text.index("Bakhmut"), text.index("Bakhmut was")]
    record = ArticleRecord(id=a.id, title=a.title, published=a.published, byline=a.byline,
                           source=a.source, text=text, passages=a.passages,
                           mentions=[(s, s + 7, "geonames:712165") for s in starts])
    page = render_article(record, {}, map_title="geomap")
    title_passage = a.passage_at(starts[0])
    assert re.search(rf'<h1 id="p{title_passage.index}">Fighting in <a class="m" [^>]*><mark>Bakhmut</mark></a></h1>',
                     page)
    main = page.split("<main>", 1)[1]
    assert "By A. Writer" not in main and "Published 21st" not in main and "date 2023" not in main
    assert "Fighting in" not in main                   # the headline is not repeated as a paragraph
    assert main.count("<mark>Bakhmut</mark>") == 1
    assert '<span class="byline">A. Writer</span>' in page.split("<main>", 1)[0]


def test_a_tampered_world_outline_cache_cannot_inject_script(config, news, tmp_path, monkeypatch):
    """The outlines come from a file in the user cache: its text is escaped like our own JSON,
    and a damaged file is rebuilt rather than embedded."""
    from geomap.render import world

    cache = tmp_path / "world.json"
    monkeypatch.setattr(world, "_cache_path", lambda: cache)
    cache.write_text('{"type":"FeatureCollection","features":[],"x":"</script><script>alert(1)</script>"}',
                     encoding="utf-8")
    world.world_outlines.cache_clear()
    try:
        map_html = render_map(news, dataclasses.replace(config, map=MapConfig(tiles="none")), [])
        assert "alert(1)" in map_html and "</script><script>alert(1)" not in map_html
        cache.write_text("</script><script>alert(2)</script>", encoding="utf-8")   # not JSON at all
        world.world_outlines.cache_clear()
        assert json.loads(world.world_outlines())["type"] == "FeatureCollection"
        assert "alert(2)" not in cache.read_text(encoding="utf-8")                  # rebuilt
    finally:
        world.world_outlines.cache_clear()


def test_place_page_names_the_place_once_with_its_hierarchy_and_regions():
    from geomap.regions import Layer, Region
    from geomap.render.place_page import render_place
    from geomap.render.region_counts import region_labels, region_layer_labels

    donetsk = Place("geonames:709717", "Donetsk", 48.0, 37.8, "UA", "city", 1, "Donetsk Oblast")
    shape = box(37, 47, 39, 49)
    layers = [Layer("ua-oblasts", "Ukraine, first-level regions", "", {}, False,
                    (Region("ua-oblasts/Donetsk", "Donetsk", "ua-oblasts", shape),)),
              Layer("claimed", "Oblasts Russia claimed", "", {}, True,
                    (Region("claimed/Donetsk", "Donetsk", "claimed", shape),)),
              Layer("countries", "Country outlines", "", {}, False,
                    (Region("countries/UA", "Ukraine", "countries", shape),)),
              Layer("ua-rest", "Ukraine outside the claimed oblasts", "", {}, False,
                    (Region("ua-rest", "", "ua-rest", shape),))]
    record = PlaceRecord(donetsk, ("ua-oblasts/Donetsk", "countries/UA", "claimed/Donetsk",
                                   "ua-rest"), [])
    page = render_place(record, {}, map_title="m", region_labels=region_labels(layers),
                        region_layers=region_layer_labels(layers))
    metas = re.findall(r'<p class="meta">(.*?)</p>', page)
    assert metas[0] == "city in Donetsk Oblast, Ukraine"
    assert metas[1] == ("Regions: Donetsk (Ukraine, first-level regions; Oblasts Russia claimed)"
                        " · Ukraine (Country outlines) · Ukraine outside the claimed oblasts")
    assert "ua-rest" not in page                   # a layer-wide region takes its layer's label


def cyrillic_data() -> MapData:
    """A Ukrainian and a Russian article naming Kherson and Kyiv in inflected forms."""
    uk, uk_mentions = make_article("uk-kherson-00000001", ["Вибухи у Херсоні", "До Києва вирушив потяг <b>."],
                                   title="Вибухи у Херсоні", published="2023-04-18",
                                   places={"Херсоні": KHERSON, "Києва": KYIV})
    ru, ru_mentions = make_article("ru-kiev-000000002", ["В Киеве тихо."], title="В Киеве тихо",
                                   published="2023-04-19", places={"Киеве": KYIV})
    places = [PlaceRecord(KHERSON, (), uk_mentions[KHERSON.id]),
              PlaceRecord(KYIV, (), uk_mentions[KYIV.id] + ru_mentions[KYIV.id])]
    return MapData(places, {uk.id: uk, ru.id: ru})


def test_map_search_data_carries_the_names_as_written_in_cyrillic(tmp_path):
    data = payload(render_map(cyrillic_data(), default_config(tmp_path), []))
    assert row_for(data, KYIV.id)[13] == ["Киеве", "Києва"]       # both languages, one marker
    assert row_for(data, KHERSON.id)[13] == ["Херсоні"]
    text, marks = quoted(data, quotes(data, KHERSON.id)[0])
    assert marks == ["Херсоні"] and "Вибухи у Херсоні" in text


def test_article_and_place_pages_show_cyrillic_text_escaped(tmp_path):
    render_outputs(cyrillic_data(), tmp_path, default_config(tmp_path), [])
    page = (tmp_path / "articles" / f"{page_name('uk-kherson-00000001')}.html").read_text(encoding="utf-8")
    assert re.search(r"<mark[^>]*>(?:<a[^>]*>)?Херсоні<", page)
    assert "потяг &lt;b&gt;." in page and "<b>." not in page
    place = (tmp_path / "places" / f"{place_page_name(KYIV.id)}.html").read_text(encoding="utf-8")
    assert "Києва" in place and "Киеве" in place
