"""Feed and saved-web-page sources: parsing, fetching over loopback HTTP, and the refresh with them."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.articles import read_article
from geomap.config import load_config
from geomap.errors import ArticleError
from geomap.feeds import parse_feed, read_feed
from geomap.htmltext import fragment_paragraphs
from geomap.pipeline import refresh
from geomap.render.data import load_map_data
from geomap.store import Store

from conftest import PLAIN_MD, write, write_config
from tests.loopback import LoopbackServer, Reply

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World desk</title><link>https://news.example.org/</link>
<description>News</description>
{items}
</channel></rss>"""

ITEM = """<item><title>{title}</title><link>https://news.example.org/{slug}</link>
<guid>urn:news:{slug}</guid><pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate>
<description><![CDATA[{body}]]></description></item>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title><id>urn:desk</id>
<updated>2024-04-02T10:00:00Z</updated>
<entry><title>Ferries resume to Piraeus</title><id>urn:e1</id><link href="https://x.example/e1"/>
<updated>2024-04-02T10:00:00Z</updated>
<content type="html">&lt;p&gt;Ferries from Piraeus sailed again on Tuesday.&lt;/p&gt;&lt;p&gt;Crews in Crete were ready.&lt;/p&gt;</content>
</entry></feed>"""


def rss(*items: tuple[str, str, str]) -> str:
    return RSS.format(items="\n".join(ITEM.format(slug=s, title=t, body=b) for s, t, b in items))


GENEVA = ("geneva-talks", "Talks resume in Geneva",
          "<p>Negotiators returned to Geneva on Monday.</p><p>Delegations from Warsaw arrived late.</p>")
LIMA = ("lima-quake", "Earthquake shakes Lima",
        "<p>A strong earthquake shook Lima on Sunday.</p><script>alert(1)</script>")


# --- parsing (no network) -----------------------------------------------------------------------

def test_rss_entries_become_articles_with_title_date_link_and_paragraphs():
    articles, errors = parse_feed(rss(GENEVA, LIMA).encode(), "https://news.example.org/rss")
    assert errors == []
    geneva, lima = articles
    assert geneva.title == "Talks resume in Geneva" and geneva.published == "2024-03-05"
    assert geneva.url == geneva.source == "https://news.example.org/geneva-talks"
    assert [geneva.text[p.start:p.end] for p in geneva.passages] == [
        "Talks resume in Geneva", "Negotiators returned to Geneva on Monday.",
        "Delegations from Warsaw arrived late."]
    assert "alert" not in lima.text and "<" not in lima.text
    assert geneva.id.startswith("feed-talks-resume-in-geneva-") and geneva.id != lima.id
    again, _ = parse_feed(rss(LIMA, GENEVA).encode(), "https://news.example.org/rss")
    assert {a.id for a in again} == {geneva.id, lima.id}            # ids do not depend on order


def test_atom_content_is_preferred_and_dated():
    (entry,), errors = parse_feed(ATOM.encode(), "https://x.example/atom")
    assert errors == [] and entry.published == "2024-04-02"
    assert "Crews in Crete were ready." in entry.text and entry.url == "https://x.example/e1"


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02garbage", b"<rss><channel><item>",
                                  b"<html><body>not a feed</body></html>", "\u2603".encode("utf-16")])
def test_malformed_feeds_give_a_message_not_an_exception(data):
    articles, errors = parse_feed(data, "https://bad.example/feed")
    assert articles == [] and errors
    assert all(e.startswith("https://bad.example/feed: ") for e in errors)
    assert "malformed feed" in errors[0] or "has no text" in errors[0]


def test_a_valid_feed_with_no_entries_is_not_an_error():
    assert parse_feed(rss().encode(), "u://feed") == ([], [])


def test_entries_without_text_are_skipped_and_reported():
    articles, errors = parse_feed(rss(("empty", "", ""), GENEVA).encode(), "u://feed")
    assert [a.title for a in articles] == ["Talks resume in Geneva"]
    assert errors == ["u://feed: entry 1 has no text; skipped"]


def test_fragment_paragraphs_split_blocks_and_drop_scripts():
    html = "<div>One <b>bold</b>\n word</div><p>Two</p>Three<br>Four<style>p{}</style><ul><li>Five</li></ul>"
    assert fragment_paragraphs(html) == ["One bold word", "Two", "Three", "Four", "Five"]


# --- saved web pages ----------------------------------------------------------------------------

PAGE = """<html><head><title>Floods | Example News</title>
<meta property="article:published_time" content="2024-10-30T10:00:00Z">
<link rel="canonical" href="https://example.org/floods"></head>
<body><nav>Home | World | Sport</nav><article><h1>Floods close roads around Valencia</h1>
<p>Heavy rain closed several roads around Valencia on Tuesday, and trains to Madrid were delayed
by up to three hours, officials said.</p>
<p>Emergency services in Seville said they were sending pumps to help the region recover.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def test_a_saved_page_gives_its_main_text_date_and_url(tmp_path):
    path = write(tmp_path / "floods.html", PAGE)
    article = read_article(path, root=tmp_path)
    assert article.title == "Floods close roads around Valencia"
    assert article.published == "2024-10-30" and article.url == "https://example.org/floods"
    assert "Home | World" not in article.text and "Copyright" not in article.text
    paragraphs = [article.text[p.start:p.end] for p in article.passages]
    assert paragraphs[0] == article.title and paragraphs[-1].startswith("Emergency services in Seville")


@pytest.mark.parametrize("content, reason", [
    (b"<html><body><script>var x = 1;</script></body></html>", "no article text"),
    (b"", "empty"),
    (b"<html>\x00\x00\x00</html>", "binary"),
])
def test_pages_without_text_are_article_errors(tmp_path, content, reason):
    path = write(tmp_path / "page.htm", content)
    with pytest.raises(ArticleError, match=reason):
        read_article(path, root=tmp_path)


# --- over loopback HTTP -------------------------------------------------------------------------

def feed_config(root: Path, gazetteer: Path, url: str, timeout: float = 5.0) -> None:
    write_config(root, gazetteer, f"sources:\n  - path: articles\n"
                                  f"  - {{path: '{url}', kind: feed, timeout: {timeout}}}\n")


def test_read_feed_reports_http_errors_and_timeouts():
    with LoopbackServer() as server:
        server.add("/down", Reply(status=500, body="overloaded"))
        server.add("/slow", Reply(body=rss(GENEVA), delay=3))
        server.add("/ok", Reply(body=rss(GENEVA), headers={"Content-Type": "application/rss+xml"}))
        assert read_feed(f"{server.url}/down")[1] == [
            f"{server.url}/down: feed not fetched (HTTP 500); its stored entries are kept"]
        articles, errors = read_feed(f"{server.url}/slow", timeout=0.3)
        assert articles == [] and "timed out" in errors[0]
        articles, errors = read_feed(f"{server.url}/ok")
        assert [a.title for a in articles] == ["Talks resume in Geneva"] and errors == []
        assert server.requests_to("/ok")[0].header("User-Agent").startswith("geomap/")


def test_refresh_reads_feeds_keeps_entries_that_roll_off_and_survives_outages(project, gazetteer_path):
    with LoopbackServer() as server:
        replies = [Reply(body=rss(GENEVA, LIMA))]
        server.add("/rss", lambda request: replies[-1])
        feed_config(project, gazetteer_path, f"{server.url}/rss")
        config = load_config(None, project)

        first = refresh(config)
        assert (first.new, first.failed, first.errors) == (4, 0, ())
        store_path = project / ".geomap" / "geomap.sqlite"
        with Store(store_path) as store:
            data = load_map_data(store)
        names = {r.place.name for r in data.places}
        assert {"Geneva", "Lima", "Warsaw", "Valencia"} <= names
        geneva = next(a for a in data.articles.values() if a.title == "Talks resume in Geneva")
        assert geneva.source == "https://news.example.org/geneva-talks" and geneva.published == "2024-03-05"

        assert refresh(config).nothing_new

        edited = (GENEVA[0], GENEVA[1], GENEVA[2] + "<p>Observers from Vienna joined them.</p>")
        replies.append(Reply(body=rss(edited)))                 # Lima rolled off, Geneva edited
        second = refresh(config)
        assert (second.new, second.changed, second.deleted) == (0, 1, 0)
        with Store(store_path) as store:
            assert len(store.article_hashes()) == 4             # Lima is kept
            assert "Vienna" in {r.place.name for r in load_map_data(store).places}

        replies.append(Reply(status=503))
        third = refresh(config)
        assert third.nothing_new and third.deleted == 0
        assert any("feed not fetched (HTTP 503)" in e for e in third.errors)

        replies.append(Reply(body=b"<<<not xml"))
        fourth = refresh(config)
        assert any("malformed feed" in e for e in fourth.errors) and fourth.deleted == 0


def test_the_same_text_from_two_sources_is_counted_once(mapped_project):
    write(mapped_project / "articles" / "copy" / "valencia-again.md", PLAIN_MD.replace("\n", "\r\n"))
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.duplicates) == (2, 1)
    assert "1 duplicates" in str(summary)
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        data = load_map_data(store)
    valencia = next(r for r in data.places if r.place.name == "Valencia")
    assert len({m.article_id for m in valencia.mentions}) == 1


def test_a_saved_page_in_the_inbox_is_mapped_and_an_empty_one_reported(mapped_project):
    write(mapped_project / "articles" / "floods.html", PAGE)
    write(mapped_project / "articles" / "blank.html", "<html><body><img src=a.png><script>x()</script></body></html>")
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed, summary.duplicates) == (3, 1, 0)
    assert any("blank.html: no article text" in e for e in summary.errors)


# --- bad input, all at once; property tests on ingest ------------------------------------------

def test_every_kind_of_bad_input_is_reported_and_skipped_and_nothing_else_is_lost(mapped_project):
    inbox = mapped_project / "articles"
    write(inbox / "binary.txt", bytes(range(256)) * 4)
    write(inbox / "latin1.txt", "Caf\u00e9 in Montr\u00e9al".encode("latin-1"))
    write(inbox / "empty.md", b"")
    with open(inbox / "huge.txt", "wb") as f:            # 50 MB (sparse): refused before reading
        f.truncate(50 * 1024 * 1024)
    write(inbox / "nothing.html", "<html><body><script>1</script></body></html>")
    with LoopbackServer() as server:
        server.add("/rss", Reply(body=b"\x00\x01 not xml <<<"))
        feed_config(mapped_project, _gazetteer(mapped_project), f"{server.url}/rss")
        summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed) == (2, 5)
    reasons = "\n".join(summary.errors)
    for name, reason in (("binary.txt", "binary file"), ("latin1.txt", "not UTF-8"),
                         ("empty.md", "empty article"), ("huge.txt", "too large"),
                         ("nothing.html", "no article text")):
        assert f"{name}: {reason}" in reasons
    assert "/rss: malformed feed" in reasons
    with Store(mapped_project / ".geomap" / "geomap.sqlite") as store:
        assert {r.place.name for r in load_map_data(store).places} >= {"Odesa", "Valencia"}
    assert (mapped_project / "output" / "map.html").is_file()


def _gazetteer(root: Path) -> Path:
    return Path(load_config(None, root).gazetteer.path)


_feedish = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(["<rss>", "<channel>", "<item>", "<title>", "</title>", "<description>",
                              "</item>", "&amp;", "&#0;", "<![CDATA[", "]]>", "Kyiv", "\u00e9",
                              "<entry>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "<p>", "\n"]),
             max_size=40).map(lambda parts: "".join(parts).encode()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_feedish)
def test_any_bytes_as_a_feed_give_articles_or_messages_never_an_exception(data):
    articles, errors = parse_feed(data, "https://fuzz.example/feed")
    assert all(isinstance(e, str) and e.startswith("https://fuzz.example/feed: ") for e in errors)
    for a in articles:
        assert a.text.strip() and a.id.startswith("feed-") and "://" in a.source
        assert all(a.text[p.start:p.end].strip() == a.text[p.start:p.end] != "" for p in a.passages)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_html_fragment_gives_clean_paragraphs(html):
    paragraphs = fragment_paragraphs(html)
    assert all(p and p == " ".join(p.split()) for p in paragraphs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode()))
def test_any_saved_page_gives_an_article_or_an_article_error(tmp_path, data):
    path = tmp_path / "page.html"
    path.write_bytes(data)
    try:
        article = read_article(path, root=tmp_path)
    except ArticleError as e:
        assert str(e).startswith(str(path))
    else:
        assert article.text.strip()
        assert all(article.text[p.start:p.end].strip() for p in article.passages)


def test_a_copy_of_a_stored_article_does_not_replace_it(mapped_project):
    refresh(load_config(None, mapped_project))
    write(mapped_project / "articles" / "0-copy-of-valencia.md", PLAIN_MD)     # sorts first
    summary = refresh(load_config(None, mapped_project))
    assert summary.nothing_new and summary.duplicates == 1 and summary.deleted == 0


def test_feed_redirects_are_followed_to_http_only():
    with LoopbackServer() as server:
        server.add("/to-ftp", Reply(status=302, headers={"Location": "ftp://127.0.0.1/feed.xml"}))
        server.add("/moved", Reply(status=301, headers={"Location": f"{server.url}/ok"}))
        server.add("/ok", Reply(body=rss(GENEVA), headers={"Content-Type": "application/rss+xml"}))
        articles, errors = read_feed(f"{server.url}/to-ftp")
        assert articles == [] and "refused: only http and https are followed" in errors[0]
        articles, errors = read_feed(f"{server.url}/moved")
        assert [a.title for a in articles] == ["Talks resume in Geneva"] and errors == []
        assert [r.path for r in server.requests] == ["/to-ftp", "/moved", "/ok"]


def test_an_oversized_feed_is_refused(monkeypatch):
    import geomap.feeds as feeds

    monkeypatch.setattr(feeds, "MAX_BYTES", 100)
    with LoopbackServer() as server:
        server.add("/big", Reply(body=rss(GENEVA)))
        articles, errors = read_feed(f"{server.url}/big")
    assert articles == [] and "larger than 100 bytes" in errors[0]
