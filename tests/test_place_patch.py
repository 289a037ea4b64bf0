"""Place pages after new articles made from the pages in place (issue 13, ``render/place_patch``):
the pages keeping their quotes get new counts, navigation and the new quotes' sections put in,
byte for byte a full render's, and a page in place that is missing, hand-edited, truncated or not
geomap's is rendered in full instead, never patched."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from geomap.pipeline import write_outputs
from geomap.render import place_page, place_runs
from geomap.render.place_page import place_page_name
from geomap.render.place_patch import PreviousPages, digest, mentions_of, splice
from test_pages_store import BASE, KHERSON, KYIV, _fill, _project, _same_place_pages, _specs


def _spy(monkeypatch) -> dict[str, bool]:
    """``{file: made from the page before}`` of every page the refresh tried to patch."""
    seen: dict[str, bool] = {}
    real = place_page._Before.page

    def page(self, p, facts, regions, map_title, pages, k, *rest):
        text = real(self, p, facts, regions, map_title, pages, k, *rest)
        seen[pages[k].file] = text is not None
        return text

    monkeypatch.setattr(place_page._Before, "page", page)
    return seen


def _refresh_and_compare(tmp_path: Path, new_specs, edit=None) -> None:
    """A full render of ``BASE``, ``edit(places folder)``, the new articles and a refresh of
    just them: the place pages then equal a full render's."""
    config, store, out = _project(tmp_path)
    with store:
        _fill(store, BASE)
        write_outputs(store, out, config, [])
        if edit is not None:
            edit(out / "places")
        new = _fill(store, new_specs)
        write_outputs(store, out, config, [], only=set(new))
        write_outputs(store, tmp_path / "cold", config, [])
    _same_place_pages(tmp_path / "cold", out)


@pytest.mark.parametrize("busy", [1, 10 ** 9], ids=["runs", "every-mention"])
@pytest.mark.parametrize("first, undated", [
    (date(2031, 5, 1), 0),          # a new newest day: the newest page is renamed, nav shifts
    (date(2020, 2, 20), 0),         # a day in the middle: its page gains quotes
    (date(2020, 3, 1), 1),          # undated
])
def test_pages_keeping_their_quotes_are_patched_into_a_full_render_s_bytes(
        tmp_path, monkeypatch, busy, first, undated):
    monkeypatch.setattr(place_runs, "BUSY", busy)
    seen = _spy(monkeypatch)
    _refresh_and_compare(tmp_path, _specs(5, first, prefix="b", per_day=1, undated_every=undated))
    stem = place_page_name(KHERSON.id)
    kyiv = place_page_name(KYIV.id)
    if first.year == 2031:      # the newest page holds only new quotes: rendered; the one before
        assert seen.pop(f"{stem}.html") is False and seen.pop(f"{kyiv}.html") is False
        assert {f"{stem}_p2020-05.html", f"{stem}_p2020-04-30.html", f"{kyiv}_p2020-05.html"} \
            <= set(seen)        # (renamed) and those whose navigation changed are patched
    else:                       # the pages the new quotes fall on gain them
        assert {f"{stem}.html", f"{kyiv}.html"} <= set(seen)
        assert any(f.startswith(f"{stem}_p") for f in seen)
    assert all(seen.values())


def test_a_one_page_place_gains_the_new_quotes_amid_its_own(tmp_path, monkeypatch):
    """A place of one page: the new articles' sections are put in among the old ones (between
    articles of the same day and before older ones), as a full render orders them."""
    monkeypatch.setattr(place_runs, "BUSY", 10 ** 9)
    seen = _spy(monkeypatch)
    config, store, out = _project(tmp_path)
    with store:
        _fill(store, _specs(40, date(2022, 1, 1), prefix="c", per_day=4))
        write_outputs(store, out, config, [])
        new = _fill(store, [("c-00005x", "2022-01-02", 1001), ("c-00013x", "2022-01-04", 1002),
                            ("d-1", "2023-01-01", 1003)])
        write_outputs(store, out, config, [], only=set(new))
        write_outputs(store, tmp_path / "cold", config, [])
    _same_place_pages(tmp_path / "cold", out)
    assert {f"{place_page_name(KHERSON.id)}.html": True,
            f"{place_page_name(KYIV.id)}.html": True}.items() <= seen.items()


@pytest.mark.parametrize("busy", [1, 10 ** 9], ids=["runs", "every-mention"])
def test_a_hand_edited_truncated_or_replaced_page_is_rendered_not_patched(tmp_path, monkeypatch,
                                                                         busy):
    monkeypatch.setattr(place_runs, "BUSY", busy)
    seen = _spy(monkeypatch)
    stem = place_page_name(KHERSON.id)
    config, store, out = _project(tmp_path)
    with store:
        _fill(store, BASE)
        write_outputs(store, out, config, [])
        places = out / "places"
        newest = places / f"{stem}.html"        # renamed to _p2020-05.html, quotes kept
        text = newest.read_text()
        at = text.index("<blockquote>") + len("<blockquote>")
        newest.write_text(text[:at] + "X" + text[at:])          # a quote edited by hand
        older = places / f"{stem}_p2020-04-30.html"             # its navigation changes
        older.write_bytes(older.read_bytes()[:-200])            # truncated
        kyiv = place_page_name(KYIV.id)
        (places / f"{kyiv}.html").write_text("<p>mine</p>")     # not in geomap's shape
        (places / f"{kyiv}_p2020-04.html").unlink()             # missing
        new = _fill(store, _specs(5, date(2031, 5, 1), prefix="b", per_day=1))
        write_outputs(store, out, config, [], only=set(new))
        write_outputs(store, tmp_path / "cold", config, [])
    _same_place_pages(tmp_path / "cold", out)
    assert {f"{stem}_p2020-05.html": False, f"{stem}_p2020-04-30.html": False,
            f"{kyiv}_p2020-05.html": False, f"{kyiv}_p2020-04.html": False}.items() <= seen.items()
    assert seen[f"{stem}_p2020-04-29.html"] is True     # the pages in shape are patched


def test_mentions_of_and_splice_refuse_pages_out_of_shape():
    frame = ("<h>", "\x00c\x00", "<p>", "\x00n\x00", "<main>\n", "\x00m\x00",
             "</main>\n<!-- quotes ", "\x00d\x00", " -->\n", "\x00n\x00", "</body>\n")
    quotes = ("<section>\n<h2>a</h2>\n<blockquote>1</blockquote>\n<blockquote>2</blockquote>\n"
              "</section>\n<section>\n<h2>b</h2>\n<blockquote>3</blockquote>\n</section>\n")

    def page(counts, nav, mentions, mark=None):
        return ("<h>" + counts + "<p>" + nav + "<main>\n" + mentions + "</main>\n<!-- quotes "
                + (mark or digest(mentions)) + " -->\n" + nav + "</body>\n")

    good = page("3 quotes", "<nav/>", quotes)
    assert mentions_of(good, frame, "3 quotes", "<nav/>") == (quotes, digest(quotes))
    assert mentions_of(good, frame, "4 quotes", "<nav/>") is None
    assert mentions_of(good, frame, "3 quotes", "<nav2/>") is None
    assert mentions_of(good[:-5], frame, "3 quotes", "<nav/>") is None
    assert mentions_of(page("3 quotes", "<nav/>", quotes.replace("1", "9"), digest(quotes)),
                       frame, "3 quotes", "<nav/>") is None
    new = "<section>\n<h2>n</h2>\n<blockquote>0</blockquote>\n</section>\n"
    assert splice(quotes, [(False, 3)], lambda n: new) is quotes
    assert splice(quotes, [(True, 1), (False, 3)], lambda n: new) == new + quotes
    parts = quotes.split("</section>\n")
    assert splice(quotes, [(False, 2), (True, 1), (False, 1)], lambda n: new) == \
        parts[0] + "</section>\n" + new + parts[1] + "</section>\n"
    assert splice(quotes, [(False, 1), (True, 1), (False, 2)], lambda n: new) is None  # mid-section
    assert splice(quotes, [(False, 4)], lambda n: new) is None
    assert splice(quotes, [(False, 2)], lambda n: new) is None
    assert splice(quotes[:-3], [(False, 3)], lambda n: new) is None


def test_previous_pages_reads_only_geomap_s_regular_files(tmp_path, monkeypatch):
    from geomap.render import place_patch

    monkeypatch.setattr(place_patch, "LARGEST", 3)
    places = tmp_path / "places"
    places.mkdir()
    (places / "a.html").write_text("A")
    (places / "b.html").write_text("B")
    (places / "c.html").symlink_to(places / "a.html")
    (places / "d.html").write_bytes(b"\xff")
    (places / "f.html").write_text("FFFF")
    (places / "g.html").mkdir()
    pages = PreviousPages(tmp_path, {"places/a.html", "places/c.html", "places/d.html",
                                     "places/e.html", "places/f.html", "places/g.html"})
    assert [pages.read(n) for n in ("a.html", "b.html", "c.html", "d.html", "e.html", "f.html",
                                    "g.html")] == ["A", None, None, None, None, None, None]


@pytest.mark.parametrize("name, facts, regions, origin, title", [
    ("Kherson", "city in Ukraine", "Regions: south · ua", "", "News map"),
    ('Odd <i>place</i> & "q" \'s', "water", "", "from <b>GeoNames</b>", "A & <B>"),
    ("\x00counts\x00 \x00name\x00", "\x00pages\x00", "\x00href\x00", "\x00digest\x00", "t"),
    ("Kyiv", "city", "R", "O", "title \x00name\x00"),        # a marker in the title: rendered
])
def test_a_place_s_frame_from_the_generic_one_is_the_template_s(name, facts, regions, origin,
                                                               title):
    from markupsafe import Markup

    from geomap.render.jinja import environment, page_css

    href = "../map.html#place=x&y"
    frame = place_page._frame(name, facts, regions, origin, title, href)
    assert frame is not None and len(frame) == 11
    want = environment().get_template("place.html").render(
        place=place_page._Named(name), facts=facts, regions=regions, origin=origin,
        counts="<c>&", mentions=Markup("<q>"), pages=Markup("<nav>"), digest=digest("<q>"),
        css=Markup(page_css()), map_title=title, map_href="../map.html", place_href=href)
    assert place_page._fill(frame, "<c>&", "<nav>", "<q>") == want
