"""The pages side read from the store a piece at a time (issue 13, ``render/pages.py``): the same
files as the in-memory render, cold and after new articles, reading only the new articles and
the places they name (and of a busy place only the dates the new articles fall on and the pages
written)."""
from __future__ import annotations

import filecmp
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import geomap.render
from geomap.articles import parse_text
from geomap.config import default_config
from geomap.model import Mention, Place
from geomap.pipeline import write_outputs
from geomap.render import place_runs
from geomap.render.data import load_map_data
from geomap.render.pages import write_pages
from geomap.render.place_page import PER_PAGE, paginate_runs, place_page_name
from geomap.store import Store

KHERSON = Place("geonames:706448", "Kherson", 46.6354, 32.6169, "UA", "city", 279131, "Kherson")
KYIV = Place("geonames:703448", "Kyiv", 50.4501, 30.5234, "UA", "city", 2797553, "Kyiv City")
ODD = Place("geomap:odd <b>&\"place\"", "Odd <i>place</i>", 1.0, 2.0, "", "water")
PLACES = {"Kherson": KHERSON, "Kyiv": KYIV, "Oddplace": ODD}
HOSTILE = '<script>alert(1)</script> "quotes" &amp;'
FILLER = "Officials described the damage at length; " * 40


def _article(aid: str, day: str | None, n: int, *, kyiv: bool = True):
    """An article naming Kherson in two paragraphs (one long), Kyiv and an unplaced name."""
    lines = [f"date {day} World" if day else "", f"Day {n} {HOSTILE} in Kherson", "",
             f"News from Kherson, day {n}, near Zyxwvut.", "",
             f"{FILLER}Kherson again{', then Kyiv' if kyiv else ''}. {FILLER}", ""]
    if n % 7 == 0:
        lines += ["Boats left Oddplace at dawn.", ""]
    text = "\n".join(lines).lstrip("\n")
    article = parse_text(text, source=f"{aid}.txt", article_id=aid, sha256=f"{n:064d}")
    assert article.published == day
    mentions = [Mention(m.start(), m.end(), m.group(), PLACES.get(m.group()), 0.9)
                for m in re.finditer(r"Kherson|Kyiv|Oddplace|Zyxwvut", text)]
    return article, mentions


def _specs(n: int, first: date, *, prefix: str, per_day: int = 4, undated_every: int = 0):
    out = []
    for i in range(n):
        day = None if undated_every and i % undated_every == 0 else (
            first + timedelta(days=i // per_day)).isoformat()
        out.append((f"{prefix}-{i:05d}", day, i))
    return out


def _fill(store: Store, specs) -> list[str]:
    items = []
    for aid, day, n in specs:
        article, mentions = _article(aid, day, n, kyiv=n % 3 != 0)
        regions = {KHERSON.id: ("south", "ua"), KYIV.id: ("ua",)}
        items.append((article, mentions, {m.place.id: regions.get(m.place.id, ())
                                          for m in mentions if m.place}))
    store.put_articles(items)
    return [aid for aid, _, _ in specs]


# ~490 articles, 4 a day from 2020-01-01 (every 37th undated), 3 quotes of Kherson each: months of
# two or three parts, an undated page, Kyiv in two articles of three, Oddplace in one of seven.
BASE = _specs(490, date(2020, 1, 1), prefix="a", per_day=4, undated_every=37)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.parts[len(folder.parts)] in ("articles", "places")
            or p.name in ("mentions.csv", "mentions.jsonl")}


def _in_memory(store: Store, out: Path, config, *, only=None) -> set[str]:
    """What the in-memory render (``load_map_data`` + ``render_outputs``) writes of the pages
    side into ``out``: the relative paths."""
    data = load_map_data(store)
    places = None if only is None else {pid for aid in only for _s, _e, pid in data.articles[aid].mentions}
    written = geomap.render.render_outputs(data, out, config, [], articles=only, places=places,
                                           exports=only is None)
    return {p.relative_to(out).as_posix() for p in written
            if p.parent.name in ("articles", "places") or p.name.startswith("mentions.")}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite") as s:
        _fill(s, BASE)
        yield s


def test_the_streamed_full_render_writes_the_in_memory_render_s_files(store, tmp_path):
    config = default_config(tmp_path)
    _in_memory(store, tmp_path / "old", config)
    result = write_pages(store, tmp_path / "new", config, [])
    old, new = _files(tmp_path / "old"), _files(tmp_path / "new")
    assert new == old
    assert {p.relative_to(tmp_path / "new").as_posix() for p in result.written} == set(new)
    kherson = [n for n in new if n.startswith(f"places/{place_page_name(KHERSON.id)}")]
    assert len(kherson) > 6 and any("_p2020-01-" in n for n in kherson)    # months, parts
    assert any("_pundated" in n for n in kherson)                           # undated quotes
    assert f"places/{place_page_name(ODD.id)}.html" in new
    page = new[f"places/{place_page_name(KHERSON.id)}.html"].decode()
    assert "Regions: south · ua" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Odd &lt;i&gt;place&lt;/i&gt;" in new[f"places/{place_page_name(ODD.id)}.html"].decode()
    assert b",Zyxwvut," not in new["mentions.csv"]              # unplaced names are not exported


@pytest.mark.parametrize("busy", [1, 10 ** 9], ids=["runs", "every-mention"])
@pytest.mark.parametrize("first, undated", [
    (date(2020, 1, 1), 0),          # the oldest month: its parts shift
    (date(2020, 2, 20), 0),         # a month in the middle
    (date(2031, 5, 1), 0),          # a new newest month and year
    (date(2020, 3, 1), 1),          # undated: the oldest page(s)
])
def test_a_render_after_new_articles_writes_what_the_in_memory_render_writes(
        store, tmp_path, monkeypatch, busy, first, undated):
    monkeypatch.setattr(place_runs, "BUSY", busy)
    config = default_config(tmp_path)
    write_pages(store, tmp_path / "full-before", config, []).runs.save()
    new = _fill(store, _specs(5, first, prefix="b", per_day=1, undated_every=undated))
    want = _in_memory(store, tmp_path / "old", config, only=new)
    result = write_pages(store, tmp_path / "inc", config, [], only=new, exports=False)
    got = {p.relative_to(tmp_path / "inc").as_posix() for p in result.written}
    assert got == want - {"mentions.csv", "mentions.jsonl"}
    assert all(filecmp.cmp(tmp_path / "inc" / f, tmp_path / "old" / f, shallow=False) for f in got)
    # the pages before, with those written (less those gone), are a full render's
    full = write_pages(store, tmp_path / "full-after", config, [])
    before = _files(tmp_path / "full-before")
    merged = {k: v for k, v in before.items() if k not in result.gone} | _files(tmp_path / "inc")
    after = _files(tmp_path / "full-after")
    merged = {k: v for k, v in merged.items() if not k.startswith("mentions.")}
    assert merged == {k: v for k, v in after.items() if not k.startswith("mentions.")}
    assert full.gone == set()


@pytest.mark.parametrize("busy", [1, 10 ** 9], ids=["runs", "every-mention"])
def test_an_older_article_amid_a_busy_day_s_parts_rewrites_that_day_alone(tmp_path, monkeypatch,
                                                                          busy):
    """A day of 330 quotes is cut into two parts from its oldest; new articles dated that day,
    whose quotes fall amid its first part, change its parts (and the newest page's totals) and
    no other page, and the pages then equal a full render's."""
    monkeypatch.setattr(place_runs, "BUSY", busy)
    config = default_config(tmp_path)
    with Store(tmp_path / "store.sqlite") as store:
        _fill(store, _specs(110, date(2020, 1, 1), prefix="a", per_day=110)
              + _specs(120, date(2020, 1, 2), prefix="b", per_day=6))
        write_pages(store, tmp_path / "full-before", config, []).runs.save()
        stem = place_page_name(KHERSON.id)
        before = _files(tmp_path / "full-before")
        assert {f"places/{stem}_p2020-01-01-1.html", f"places/{stem}_p2020-01-01-2.html"} <= set(before)
        new = _fill(store, [("a-00090x", "2020-01-01", 7001), ("a-00100x", "2020-01-01", 7002)])
        want = _in_memory(store, tmp_path / "mem", config, only=new)
        result = write_pages(store, tmp_path / "inc", config, [], only=new, exports=False)
        got = {p.relative_to(tmp_path / "inc").as_posix() for p in result.written}
        assert got == want - {"mentions.csv", "mentions.jsonl"}
        assert {n for n in got if n.startswith(f"places/{stem}")} == {
            f"places/{stem}_p2020-01-01-1.html", f"places/{stem}_p2020-01-01-2.html",
            f"places/{stem}.html"}
        write_pages(store, tmp_path / "full-after", config, [])
    merged = {k: v for k, v in before.items() if k not in result.gone} | _files(tmp_path / "inc")
    after = _files(tmp_path / "full-after")
    assert {k: v for k, v in merged.items() if not k.startswith("mentions.")} == {
        k: v for k, v in after.items() if not k.startswith("mentions.")}


class _Counting:
    """The store, counting what the pages side reads through ``store_render``."""

    def __init__(self, store: Store):
        self.store, self.calls = store, []

    def __getattr__(self, name):
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            result = attr(*args, **kwargs)
            rows = result.articles if hasattr(result, "articles") and hasattr(result, "placed") else result
            self.calls.append((name, args, len(rows) if hasattr(rows, "__len__") else None))
            return result
        return counted


def test_after_new_articles_only_they_and_the_places_they_name_are_read(store, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(place_runs, "BUSY", 100)
    config = default_config(tmp_path)
    write_pages(store, tmp_path / "before", config, []).runs.save()
    new = _fill(store, [(f"c-{i}", "2020-01-03", 1000 + i) for i in range(2, 4)])  # no Oddplace
    counting = _Counting(store)
    write_pages(counting, tmp_path / "inc", config, [], only=new, exports=False)
    names = [name for name, _, _ in counting.calls]
    assert "article_ids" not in names and "mentioned_place_ids" not in names     # no full read
    for name, args, _ in counting.calls:
        if name in ("article_rows", "known_article_ids"):
            assert set(args[0]) <= set(new)
        if name == "place_mentions":
            assert args[0] != KHERSON.id            # a busy place: never read whole
    assert {args[0] for name, args, _ in counting.calls if name == "place_mentions_in"} <= {
        KHERSON.id, KYIV.id}
    assert all(ODD.id not in str(args) for _, args, _ in counting.calls)
    # Kherson: the quotes of the new articles' date, of its January pages (where they fall)
    # and of its newest page (its totals, May): no article of February to April is read
    dates = dict(store.article_dates())
    read = {aid for name, args, _ in counting.calls if name == "place_mentions_in"
            and args[0] == KHERSON.id for aid in args[1]}
    months = {(dates[aid] or "")[:7] for aid in read}
    assert months == {"2020-01", "2020-05"}


def test_recorded_runs_that_do_not_match_the_store_are_not_trusted(store, tmp_path, monkeypatch):
    monkeypatch.setattr(place_runs, "BUSY", 1)
    config = default_config(tmp_path)
    write_pages(store, tmp_path / "before", config, []).runs.save()
    runs = store.place_runs([KHERSON.id])[KHERSON.id]
    store.save_place_runs({KHERSON.id: runs.replace("2020-01-01\",", "2020-01-01\",9", 1)})
    new = _fill(store, _specs(3, date(2020, 1, 1), prefix="d", per_day=1))
    want = _in_memory(store, tmp_path / "old", config, only=new)
    result = write_pages(store, tmp_path / "inc", config, [], only=new, exports=False)
    got = {p.relative_to(tmp_path / "inc").as_posix() for p in result.written}
    assert got == want - {"mentions.csv", "mentions.jsonl"}
    assert all(filecmp.cmp(tmp_path / "inc" / f, tmp_path / "old" / f, shallow=False) for f in got)


def test_exports_after_new_articles_are_appended_or_written_whole_as_before(store, tmp_path):
    config = default_config(tmp_path)
    _in_memory(store, tmp_path / "old", config)
    write_pages(store, tmp_path / "new", config, [])
    new = _fill(store, _specs(3, date(2020, 1, 5), prefix="e", per_day=1))
    data = load_map_data(store)
    from geomap.render.exports import append_mentions_exports
    from geomap.render.pages import append_exports

    append_mentions_exports(data, tmp_path / "old", new, config.root)
    append_exports(store, tmp_path / "new", new, config.root)
    for name in ("mentions.csv", "mentions.jsonl"):
        assert (tmp_path / "new" / name).read_bytes() == (tmp_path / "old" / name).read_bytes()
    # exports not as last written: a render after new articles writes them whole
    whole = write_pages(store, tmp_path / "whole", config, [], only=new, exports=True)
    _in_memory(store, tmp_path / "mem", config)
    assert tmp_path / "whole" / "mentions.csv" in whole.written
    for name in ("mentions.csv", "mentions.jsonl"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "mem" / name).read_bytes()


def _project(tmp_path: Path):
    config = default_config(tmp_path)
    return config, Store(config.resolve(config.store_path)), config.resolve(config.map.output)


def test_a_month_cut_into_days_by_new_articles_leaves_no_page_of_the_month(tmp_path,
                                                                          monkeypatch):
    """Stale pages after new articles are found from the place's pages before (its runs or
    mentions) and removed through the manifest, as a full render would."""
    monkeypatch.setattr(place_runs, "BUSY", 1)
    config, store, out = _project(tmp_path)
    year = (_specs(90, date(2021, 1, 1), prefix="y", per_day=3)        # 270 quotes: one page
            + _specs(90, date(2021, 2, 1), prefix="x", per_day=3))     # of January
    with store:
        _fill(store, year)
        write_outputs(store, out, config, [])
        stem = place_page_name(KHERSON.id)
        assert (out / "places" / f"{stem}_p2021-01.html").is_file()
        new = _fill(store, _specs(12, date(2021, 1, 10), prefix="z", per_day=12))
        write_outputs(store, out, config, [], only=set(new))
        after = {p.name for p in (out / "places").glob(f"{stem}*.html")}
        cold = tmp_path / "cold"
        write_outputs(store, cold, config, [])
    assert f"{stem}_p2021-01.html" not in after and f"{stem}_p2021-01-10.html" in after  # by day
    assert after == {p.name for p in (cold / "places").glob(f"{stem}*.html")}
    for p in (cold / "places").glob("*.html"):
        assert p.read_bytes() == (out / "places" / p.name).read_bytes()


def _write_crashing(monkeypatch, module, name: str, after: int):
    real, calls = getattr(module, name), []

    def crash(*args):
        calls.append(args)
        if len(calls) > after:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(module, name, crash)
    return real


def test_a_crash_while_writing_pages_leaves_the_outputs_and_the_runs_current(tmp_path,
                                                                             monkeypatch):
    import geomap.render.pages as pages

    monkeypatch.setattr(place_runs, "BUSY", 1)
    config, store, out = _project(tmp_path)
    with store:
        _fill(store, BASE[:400])
        write_outputs(store, out, config, [])
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        new = _fill(store, _specs(4, date(2020, 1, 2), prefix="f", per_day=1))
        real = _write_crashing(monkeypatch, pages, "_write", 8)     # among the place pages
        with pytest.raises(OSError, match="disk full"):
            write_outputs(store, out, config, [], only=set(new))
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
        assert store.place_runs([KHERSON.id])       # they still describe the pages in place
        monkeypatch.setattr(pages, "_write", real)
        write_outputs(store, out, config, [], only=set(new))
        write_outputs(store, tmp_path / "cold", config, [])
    _same_place_pages(tmp_path / "cold", out)


def test_a_crash_while_moving_pages_into_place_stops_trusting_the_runs(tmp_path, monkeypatch):
    from geomap.render.manifest import OutputFolder

    monkeypatch.setattr(place_runs, "BUSY", 1)
    config, store, out = _project(tmp_path)
    with store:
        _fill(store, BASE[:400])
        write_outputs(store, out, config, [])
        new = _fill(store, _specs(4, date(2020, 1, 2), prefix="f", per_day=1))
        real = _write_crashing(monkeypatch, OutputFolder, "place", 6)
        with pytest.raises(OSError, match="disk full"):
            write_outputs(store, out, config, [], only=set(new))
        assert store.place_runs([KHERSON.id]) is None       # not current: every mention is read
        monkeypatch.setattr(OutputFolder, "place", real)
        write_outputs(store, out, config, [], only=set(new))
        assert store.place_runs([KHERSON.id]) is None       # and stay so until a full render
        write_outputs(store, tmp_path / "cold", config, [])
        assert store.place_runs([KHERSON.id])
    _same_place_pages(tmp_path / "cold", out)


def _same_place_pages(cold: Path, out: Path) -> None:
    assert {p.name for p in (cold / "places").glob("*.html")} == {
        p.name for p in (out / "places").glob("*.html")}
    for p in (cold / "places").glob("*.html"):
        assert p.read_bytes() == (out / "places" / p.name).read_bytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "2019-12", "2020-01", "2020-02", "2021-07"]),
                          st.integers(0, 700)), max_size=8))
def test_paginating_runs_tiles_the_quotes_however_the_runs_are_cut(runs):
    """``paginate_runs`` (what a busy place's pages after new articles are cut from) gives the
    same pages for a month's quotes given in one run or several, and they tile the quotes."""
    runs = sorted(runs, key=lambda r: r[0])
    pages = paginate_runs("geonames:1", runs)
    split = [piece for key, count in runs for piece in ((key, count // 3), (key, count - count // 3))]
    assert paginate_runs("geonames:1", split) == pages
    total = sum(count for _, count in runs)
    assert [(p.lo, p.hi) for p in pages] == list(zip([0] + [p.hi for p in pages[:-1]],
                                                     [p.hi for p in pages])) and pages[-1].hi == total
    assert all(p.hi - p.lo < 2 * PER_PAGE for p in pages) or len(pages) == 1 and total < 2 * PER_PAGE
    assert len({p.file for p in pages}) == len(pages) and pages[-1].file == "geonames_3A1.html"


def _changed_by_signature(pages, old_pages, inserted):
    """The pages that differ by the definition (``render_place_pages``'): file, counts,
    navigation and quotes compared with every older page but the newest."""
    import bisect

    from geomap.render.place_cut import nav_links as _nav_links

    def counts(k, page, of):
        return "totals" if k == len(of) - 1 else (page.hi - page.lo, page.label)

    current = {(p.file, counts(k, p, old_pages), _nav_links(old_pages, k), p.lo, p.hi)
               for k, p in enumerate(old_pages) if k != len(old_pages) - 1}
    out = []
    for k, page in enumerate(pages):
        before = bisect.bisect_left(inserted, page.lo)
        inside = before < len(inserted) and inserted[before] < page.hi
        if not (current and not inside and (page.file, counts(k, page, pages), _nav_links(pages, k),
                                            page.lo - before, page.hi - before) in current):
            out.append(k)
    return out


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(0, 800), st.integers(1, 200), min_size=1, max_size=40),
       st.integers(0, 400), st.lists(st.tuples(st.integers(0, 900), st.integers(1, 5)),
                                     min_size=1, max_size=4), st.randoms())
def test_the_pages_changed_by_new_quotes_are_found_in_one_pass(days, undated, added, rng):
    """``place_cut.changed_pages`` (a pass over a place's pages) picks exactly the pages
    that the definition by signatures picks, new quotes anywhere: before, amid, after."""
    from geomap.render.place_page import changed_pages

    first = date(2020, 1, 1)
    old = {(first + timedelta(days=d)).isoformat(): n for d, n in days.items()}
    if undated:
        old[""] = undated
    new = dict(old)
    for d, n in added:
        key = (first + timedelta(days=d)).isoformat()
        new[key] = new.get(key, 0) + n
    old_runs, new_runs = sorted(old.items()), sorted(new.items())
    inserted, pos = [], 0
    for key, count in new_runs:
        extra = count - old.get(key, 0)
        inserted += sorted(rng.sample(range(pos, pos + count), extra))
        pos += count
    pages, old_pages = paginate_runs("geonames:1", new_runs), paginate_runs("geonames:1", old_runs)
    assert changed_pages(pages, old_pages, inserted) == _changed_by_signature(pages, old_pages,
                                                                               inserted)
