"""Place pages are paginated (issue 13): bounded pages, every quote once, valid links, and a
render after new articles writes only the pages that changed."""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from geomap.config import default_config
from geomap.render import MapData, render_outputs, stale_pages
from geomap.render.place_page import PER_PAGE, place_page_name
from test_render import KHERSON, KYIV, make_data, parse_links

PAGE_LIMIT = 1 << 20        # bytes


def _specs(n: int, *, first_day: date = date(2020, 1, 1), prefix: str = "a",
           per_day: int = 1) -> list[tuple]:
    """``n`` articles, ``per_day`` a day, each naming Kherson in two paragraphs (a long one)."""
    filler = "Officials described the damage at length; " * 40
    return [(f"{prefix}-{i:05d}", [f"News from Kherson, day {i}",
                                   f"{filler}Kherson again, then Kyiv. {filler}"],
             f"Day {i} <b>in</b> Kherson", (first_day + timedelta(days=i // per_day)).isoformat())
            for i in range(n)]


def _place_pages(out, place_id: str) -> dict[str, str]:
    stem = place_page_name(place_id)
    return {p.name: p.read_text("utf-8") for p in (out / "places").glob("*.html")
            if p.name == f"{stem}.html" or p.name.startswith(f"{stem}_p")}


def test_a_place_with_many_mentions_gets_bounded_pages_with_every_quote_once(tmp_path):
    n = 460                             # two quotes per article, 12 a day: a busy January
    data = make_data(_specs(n, per_day=12))
    out = tmp_path / "out"
    render_outputs(data, out, default_config(tmp_path), [])
    pages = _place_pages(out, KHERSON.id)
    january = {n for n in pages if "_p2020-01-" in n}       # a busy month: a page a day
    assert january == {f"{place_page_name(KHERSON.id)}_p2020-01-{d:02d}.html" for d in range(1, 32)}
    assert len(pages) == len(january) + 1                   # + February (176 quotes)
    quoted: list[str] = []
    order: list[str] = []
    page = f"{place_page_name(KHERSON.id)}.html"            # the map's link: the newest quotes
    seen = []
    while page:                         # follow "older" from the first page to the last
        seen.append(page)
        text = pages[page]
        assert len(text.encode("utf-8")) < PAGE_LIMIT
        assert text.count("<blockquote>") <= 2 * PER_PAGE
        links = parse_links(text)
        for href in links.hrefs:        # every link leads to a file that exists
            target = href.split("#")[0]
            if target and not target.startswith(("http", "#")):
                assert (out / "places" / unquote(target)).resolve().is_file(), href
        quoted += re.findall(r'class="passage" href="([^"]+)"', text)
        order += re.findall(r'<time datetime="([^"]+)"', text)
        older = re.search(r'<a href="([^"]+)" rel="next">', text)
        page = unquote(older.group(1)) if older else None
    assert sorted(seen) == sorted(pages)                    # every page reached once
    expected = {f"../articles/{aid}.html#p{i}" for aid in data.articles for i in (0, 1)}
    assert len(quoted) == len(expected) == 2 * n and set(quoted) == expected
    assert order == sorted(order, reverse=True)             # newest first across the pages
    assert "Day 0 &lt;b&gt;in&lt;/b&gt; Kherson" in pages[seen[-1]]     # titles escaped
    assert 'aria-current="page">2020-02<' in pages[seen[0]] and 'rel="prev"' not in pages[seen[0]]
    # A later render that drops the place's older quotes leaves pages to remove.
    fewer = make_data(_specs(3))
    stale = {p.name for p in stale_pages(out, fewer)
             if p.parent.name == "places" and p.name.startswith(place_page_name(KHERSON.id))}
    assert stale == set(pages) - {f"{place_page_name(KHERSON.id)}.html"}


@pytest.mark.parametrize("added, first_day, at_most", [
    (3, date(2020, 3, 15), 1),          # in the newest month: only the newest page changes
    (3, date(2030, 1, 1), 4),           # a new month: the pages whose navigation names it change
    (4, date(2020, 1, 1), 5),           # in the oldest (busy) month: the pages of their 4 days
    (4, date(2020, 2, 10), 5),          # and the newest (totals); a month in the middle: likewise
])
def test_a_render_after_new_articles_writes_only_the_pages_that_changed(tmp_path, added,
                                                                         first_day, at_most):
    config = default_config(tmp_path)
    base = _specs(6 * PER_PAGE // 2 + 30, per_day=6)    # Jan, Feb: 2 pages each; Mar: 1
    new = _specs(added, first_day=first_day, prefix="b")
    before, after = make_data(base), make_data(base + new)
    render_outputs(before, tmp_path / "old", config, [])
    render_outputs(after, tmp_path / "full", config, [])
    new_ids = {aid for aid, *_ in new}
    written = render_outputs(after, tmp_path / "inc", config, [], articles=new_ids,
                             places={KHERSON.id, KYIV.id})
    inc_pages = {p.name for p in written if p.parent.name == "places"}
    for place in (KHERSON, KYIV):
        old, full = _place_pages(tmp_path / "old", place.id), _place_pages(tmp_path / "full", place.id)
        inc = _place_pages(tmp_path / "inc", place.id)
        # the pages written equal a full render's; the others a full render would leave as they were
        assert {name: inc.get(name, old.get(name)) for name in full} == full
        assert set(inc) <= set(full)
    kherson = {n for n in inc_pages if n.startswith(place_page_name(KHERSON.id))}
    assert 1 <= len(kherson) <= at_most < len(_place_pages(tmp_path / "full", KHERSON.id))


def test_an_article_dated_in_an_old_busy_month_rewrites_its_day_s_page_not_the_month_s(tmp_path):
    """Pages are cut by date down to the day: a quote added to an old day shifts no other page
    (cut into parts of a month from its oldest, every later part of January moved)."""
    config = default_config(tmp_path)
    base = _specs(600, per_day=20)                  # 1,200 quotes in January, 40 a day
    new = [(f"a-00040x", *_specs(1, first_day=date(2020, 1, 2))[0][1:])]   # amid Jan 2's
    render_outputs(make_data(base), tmp_path / "old", config, [])
    render_outputs(make_data(base + new), tmp_path / "full", config, [])
    written = render_outputs(make_data(base + new), tmp_path / "inc", config, [],
                             articles={new[0][0]}, places={KHERSON.id, KYIV.id})
    stem = place_page_name(KHERSON.id)
    assert {p.name for p in written if p.name.startswith(stem)} == {
        f"{stem}_p2020-01-02.html", f"{stem}.html"}
    old, full = _place_pages(tmp_path / "old", KHERSON.id), _place_pages(tmp_path / "full", KHERSON.id)
    inc = _place_pages(tmp_path / "inc", KHERSON.id)
    assert {name: inc.get(name, old.get(name)) for name in full} == full
    assert full[f"{stem}_p2020-01-02.html"].count("<blockquote>") == 42


def test_exports_written_line_by_line_equal_the_whole_text(tmp_path):
    from geomap.render.exports import mentions_exports, write_mentions_exports

    data = make_data(_specs(40))
    write_mentions_exports(data, tmp_path / "m.csv", tmp_path / "m.jsonl", tmp_path)
    csv_text, jsonl_text = mentions_exports(data, tmp_path)
    assert csv_text.count("\n") == 1 + sum(len(r.mentions) for r in data.places)
    assert (tmp_path / "m.csv").read_bytes() == csv_text.encode("utf-8")
    assert (tmp_path / "m.jsonl").read_bytes() == jsonl_text.encode("utf-8")


def test_odd_dates_make_undated_pages_never_odd_file_names(tmp_path):
    specs = _specs(2 * PER_PAGE, per_day=1)
    specs = [(aid, paras, title, "../../x" if i % 2 else day) for i, (aid, paras, title, day)
             in enumerate(specs)]
    data = make_data(specs)
    written = render_outputs(data, tmp_path / "out", default_config(tmp_path), [])
    names = [p.name for p in written if p.parent.name == "places"]
    assert any("_pundated-" in n for n in names)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+\.html", n) for n in names)
    assert {p.resolve().parent for p in written if "places" in p.parts} == {
        (tmp_path / "out" / "places").resolve()}


@pytest.mark.parametrize("name", ['Odd <i>"place"</i> & co', "Nul \x00counts\x00 here", "Plain"])
def test_a_page_put_into_the_place_s_frame_equals_the_template_s_render(name):
    """Place pages are assembled from the template rendered once per place: the same bytes as
    rendering it per page, text escaped, even for text holding the frame's markers."""
    from geomap.model import Place
    from geomap.render.place_page import _page_html, template_page_html

    place = Place("geomap:odd", name, 1.0, 2.0, "UA", "city", 5, "Kherson <b>")
    nav = (("\u2039 newer", "x_p2020-01-02.html", "prev"), ("2020-01-01 (2)", "", ""))
    for counts in ("3 quotes of 2020-01-01 <b>", "12 mentions in 4 articles"):
        got = _page_html(place, "city in <Ukraine>", "Regions: a & b", counts, [], nav, "T <&>",
                         lambda groups: [])
        from geomap.render.place_page import _page_nav
        want = template_page_html(place, "city in <Ukraine>", "Regions: a & b", counts, "",
                                  _page_nav(nav), "T <&>")
        assert got == want and "<b>" not in got.split("<main")[0].split("</style>")[-1]
