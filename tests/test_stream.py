"""A huge article streams: ``Geoparser.iter_mentions`` / ``Resolver.iter_resolve`` give what the list
paths give, made as they are read, and ``geomap parse`` writes such an article through them (issue 9)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from geomap.cli import main
from geomap.lang import language_spans
from geomap.resolve import STREET_SCORE, _place_streets

from conftest import write

# Many occurrences of a few names, a qualified name, a street before any town and after one.
UNIT = ("Police closed Main Street on Monday. Poltava Poltava Poltava. Officials in Paris, Texas, "
        "and Kyiv said the Dnieper rose near Kharkiv. Springfield, Illinois, sent aid to Orchard St. ")
HUGE = "Title\n\nOak Street was shut. " + UNIT * 400


def test_a_large_repeated_articles_mentions_are_the_same_streamed_and_listed(gp):
    listed = gp.parse(HUGE)
    assert len(listed) > 4000                         # every repeat is a mention
    assert list(gp.iter_mentions(HUGE)) == listed
    explained = gp.parse(HUGE, explain=True)
    streamed = list(gp.iter_mentions(HUGE, explain=True))
    assert streamed == explained
    assert [m.explain for m in streamed] == [m.explain for m in explained]
    assert [m.runner_up for m in streamed] == [m.runner_up for m in explained]
    streets = [m for m in listed if m.text in ("Main Street", "Orchard St.", "Oak Street")]
    assert streets and all(m.score == STREET_SCORE and m.place is not None for m in streets)
    spans = language_spans(gp.extractor, HUGE)
    resolved = gp.resolver.resolve(HUGE, spans, explain=False)
    assert [(s.start, c, score, tuple(why), r) for s, c, score, why, r in resolved] == \
        [(s.start, c, score, why, r) for s, c, score, why, r in gp.resolver.iter_resolve(HUGE, spans, False)]


def _entry(start, feature=None, street=False, name="T"):
    """``(start, end, outcome)`` as ``Resolver.iter_outcomes`` gives them."""
    from geomap.resolve import Outcome

    place = SimpleNamespace(name=name)
    cand = SimpleNamespace(feature=feature, place=place) if feature else None
    return start, start + 1, Outcome(SimpleNamespace(start=start, street=street), cand, 0.9, (), None)


def test_streets_go_to_the_town_before_else_the_first_after_and_stream():
    entries = [_entry(0, street=True), _entry(5, "ADM1"), _entry(9, "PPL", name="A"),
               _entry(12, street=True), _entry(20, "PPLA", name="B"), _entry(30, street=True)]
    out = list(_place_streets(iter(entries)))
    assert [e[0] for e in out] == [0, 5, 9, 12, 20, 30]
    assert [(e[2].chosen.place.name, e[2].score) for e in out if e[2].street] == \
        [("A", STREET_SCORE), ("A", STREET_SCORE), ("B", STREET_SCORE)]
    assert out[1] is entries[1] and out[4] is entries[4]    # the others as they were
    again = list(_place_streets(iter(entries + [entries[5], entries[5]])))
    assert again[-1][2] is again[-2][2] is again[5][2]      # one outcome per street outcome and town
    no_town = [_entry(0, street=True), _entry(3, "ADM1")]
    assert list(_place_streets(iter(no_town))) == no_town  # no town named: streets stay unplaced


def test_street_placement_reads_no_further_than_it_must():
    read = []

    def entries():
        for k, e in enumerate([_entry(0, "PPL"), _entry(4, street=True), _entry(8, "PPL"), _entry(12, "PPL")]):
            read.append(k)
            yield e

    stream = _place_streets(entries())
    assert next(stream)[0] == 0 and read == [0]
    assert next(stream)[2].score == STREET_SCORE and read == [0, 1]   # placed at once: a town came before


def test_iter_mentions_resolves_first_and_makes_mentions_lazily(gp, monkeypatch):
    import geomap.resolve as resolve

    made = []
    real = resolve.Mention
    monkeypatch.setattr(resolve, "Mention", lambda *a: made.append(a) or real(*a))
    stream = gp.iter_mentions(HUGE)
    assert made == []
    next(stream)
    assert len(made) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "table", "jsonl --explain", "jsonl --unplaced", "table --explain"])
def test_geomap_parse_streams_a_huge_article_with_the_same_output(mapped_project, capsys, monkeypatch, fmt):
    """Streamed (JSONL: each form encoded once, ``cli_output.jsonl_chunks``) or not, the same bytes."""
    from geomap.pipeline import parse as parse_module
    from geomap.pipeline.stages import Stages

    write(mapped_project / "articles" / "huge.txt", "Title\n\nOak Street and the village of Blorpivka were shut. " + UNIT * 400)
    argv = ["--root", str(mapped_project), "parse", str(mapped_project / "articles"), "--format", *fmt.split()]
    assert main(argv) == 0
    whole = capsys.readouterr().out
    monkeypatch.setattr(parse_module, "STREAM_CHARS", 10_000)     # only huge.txt is that long
    monkeypatch.setattr(parse_module, "STREAM_BATCH", 1000)
    streamed = []
    real_stream = parse_module._stream
    monkeypatch.setattr(parse_module, "_stream", lambda stage, article, *a: streamed.append(article.id)
                        or real_stream(stage, article, *a))
    asked = []
    real_regions = Stages.regions_for_places
    monkeypatch.setattr(Stages, "regions_for_places",
                        lambda self, places: asked.append(len(places)) or real_regions(self, places))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out == whole and ("Blorpivka" if "unplaced" in fmt else "Poltava") in whole
    assert out.count("huge.txt") == 1 if "unplaced" in fmt else out.count("huge.txt") > 4000
    assert len(streamed) == 1 and "huge" in streamed[0]
    assert 0 < sum(asked) < 60                       # regions asked per distinct place, not per mention


def test_parse_paths_still_gives_lists(mapped_project, monkeypatch):
    from geomap.config import load_config
    from geomap.pipeline import parse as parse_module
    from geomap.pipeline import parse_paths, parse_stream

    write(mapped_project / "articles" / "huge.txt", HUGE)
    monkeypatch.setattr(parse_module, "STREAM_CHARS", 10_000)
    config = load_config(None, mapped_project)
    listed = [(a.id, ms, rs) for a, ms, rs in parse_paths([mapped_project / "articles"], config)]
    assert all(isinstance(ms, list) and isinstance(rs, list) and len(ms) == len(rs) for _, ms, rs in listed)
    streamed = [(a.id, list(pairs)) for a, pairs in parse_stream([mapped_project / "articles"], config)]
    assert [(aid, list(zip(ms, rs))) for aid, ms, rs in listed] == streamed


def test_a_failure_midway_through_a_streamed_article_is_reported_and_the_next_article_goes_on(
        mapped_project, capsys, monkeypatch):
    from geomap.pipeline import parse as parse_module
    from geomap.resolve import Geoparser

    write(mapped_project / "articles" / "a-huge.txt", HUGE)
    monkeypatch.setattr(parse_module, "STREAM_CHARS", 10_000)
    monkeypatch.setattr(parse_module, "STREAM_BATCH", 100)
    real = Geoparser._forms

    def failing(self, resolved, explain):
        for k, m in enumerate(real(self, resolved, explain)):
            if k == 250:
                raise ValueError("broken")
            yield m

    monkeypatch.setattr(Geoparser, "_forms", failing)
    code = main(["--root", str(mapped_project), "parse", str(mapped_project / "articles"), "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "a-huge.txt: could not be processed (ValueError: broken); its remaining mentions skipped" in err
    assert out.count("a-huge.txt") == 200                  # the two whole batches before the failure
    assert "odesa.txt" in out and "valencia.md" in out     # the other articles are still parsed


def test_jsonl_batches_write_what_jsonl_chunks_writes_one_string_per_batch():
    """``MentionStream.batches`` + ``jsonl_batches`` (each distinct form of a batch looked up once,
    the lines made in one pass) give the bytes of ``jsonl_chunks`` over the same mentions: a form
    met again with other regions, or with the same, and ``--unplaced`` keeping only the placeless."""
    from geomap.cli_output import jsonl_batches, jsonl_chunks
    from geomap.model import Place

    article = SimpleNamespace(source="a/b.txt", published="2026-12-01")
    kyiv = Place("geonames:1", "Kyiv", 50.45, 30.52, country="UA", kind="city")
    placed = ("Kyiv", kyiv, 0.91234, ("why",), None)
    placeless = ("Blorpivka", None, 0.2, (), None)
    north, none = ("north",), ()
    mentions = [(0, 4, placed, north), (9, 18, placeless, none), (20, 24, placed, north),
                (30, 34, placed, north), (40, 49, placeless, none)]
    batches = [([m[:3] for m in mentions[:3]], {id(placed): (placed, north), id(placeless): (placeless, none)}),
               ([m[:3] for m in mentions[3:]], {id(placed): (placed, north), id(placeless): (placeless, none)})]
    for unplaced in (False, True):
        for explain in (False, True):
            chunks = "".join(jsonl_chunks(article, iter(mentions), explain=explain, unplaced=unplaced))
            out = list(jsonl_batches(article, iter(batches), explain=explain, unplaced=unplaced))
            assert "".join(out) == chunks and len(out) == 2
            assert chunks.count("\n") == (2 if unplaced else 5)


def test_a_mention_streams_batches_hold_each_distinct_form_once_with_its_regions(mapped_project, monkeypatch):
    from geomap.config import load_config
    from geomap.pipeline import parse as parse_module
    from geomap.pipeline import parse_stream
    from geomap.pipeline.stages import Stages

    write(mapped_project / "articles" / "huge.txt", HUGE)
    config = load_config(None, mapped_project)
    monkeypatch.setattr(parse_module, "STREAM_CHARS", 10_000)
    asked = []
    monkeypatch.setattr(Stages, "regions_for_places",
                        lambda self, places: asked.extend(places) or [[f"R-{p.name}"] for p in places])
    (stream,) = [pairs for a, pairs in parse_stream([mapped_project / "articles"], config) if hasattr(pairs, "batches")]
    ((batch, forms),) = list(stream.batches())
    assert len(batch) > 4000 and len(forms) < 40
    assert {id(f) for _, _, f in batch} == set(forms)
    assert all(forms[id(f)][0] is f for _, _, f in batch)
    assert len(asked) == len({id(p) for p in asked})           # each place asked about once
    for form, regions in forms.values():
        assert regions == ((f"R-{form[1].name}",) if form[1] is not None else ())


def test_an_article_of_a_quarter_megabyte_streams(mapped_project, capsys, monkeypatch):
    """From 256 KiB on an article streams (each distinct form encoded once: a 1 MB article's parse
    ~40 % less CPU than as a list of mentions), with the same bytes as the list path."""
    from geomap.pipeline import parse as parse_module

    body = "Title\n\n" + "Police in Kyiv and Poltava said so. " * (300_000 // 36)
    write(mapped_project / "articles" / "big.txt", body)
    argv = ["--root", str(mapped_project), "parse", str(mapped_project / "articles" / "big.txt"), "--format", "jsonl"]
    streamed = []
    real_stream = parse_module._stream
    monkeypatch.setattr(parse_module, "_stream", lambda stage, article, *a: streamed.append(article.id)
                        or real_stream(stage, article, *a))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert len(streamed) == 1 and out.count("big.txt") > 10_000
    monkeypatch.setattr(parse_module, "STREAM_CHARS", 1 << 30)    # the list path
    assert main(argv) == 0
    assert capsys.readouterr().out == out and len(streamed) == 1
