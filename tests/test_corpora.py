"""The gold corpora the team wrote (benchmarks/corpora/): built from their marked-up sources, sound,
and original (no long word run shared with the real article in the shared samples)."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from tests.test_samples import shared_reference, shingles

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "benchmarks" / "corpora"
SETS = sorted(p.stem for p in CORPORA.glob("*.jsonl"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "benchmarks" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPORA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_the_sets_the_issues_ask_for_are_there():
    assert {"conflict", "ukru"} <= set(SETS)
    assert len(_records("conflict")) >= 60
    ukru = _records("ukru")
    assert sum(r["id"].startswith("uk-") for r in ukru) >= 20 and sum(r["id"].startswith("ru-") for r in ukru) >= 20


@pytest.mark.parametrize("name", SETS)
def test_jsonl_is_the_build_of_the_marked_up_sources(name):
    build = _builder()
    sources = sorted((CORPORA / name).glob("*.txt"))
    built = [build.build_article(p.read_text(encoding="utf-8"), str(p)) for p in sources]
    records = _records(name)
    assert [r["id"] for r in records] == [p.stem for p in sources]
    for record, (text, gold) in zip(records, built):
        assert record["text"] == text and record["gold"] == gold, record["id"]


@pytest.mark.parametrize("name", SETS)
def test_gold_spans_are_sound(name):
    for record in _records(name):
        text, last_end = record["text"], -1
        for g in sorted(record["gold"], key=lambda g: g["start"]):
            assert text[g["start"]:g["end"]] == g["phrase"] and g["start"] >= last_end, (record["id"], g)
            last_end = g["end"]
            if g["type"] == "toponym":
                assert -90 <= g["lat"] <= 90 and -180 <= g["lon"] <= 180


def test_markup_errors_are_refused():
    build = _builder()
    with pytest.raises(SystemExit, match="bad coordinates"):
        build.build_article("[[Kyiv|fifty,thirty]]")
    with pytest.raises(SystemExit, match="out of range"):
        build.build_article("[[Kyiv|95,30]]")
    text, gold = build.build_article("In [[Kyiv|50.45,30.52|city]] and [[Russian|optional]] hands.")
    assert text == "In Kyiv and Russian hands." and [g["type"] for g in gold] == ["toponym", "optional"]


def test_corpora_share_no_long_run_with_the_real_article():
    reference = shared_reference()
    for name in SETS:
        for record in _records(name):
            assert not (shingles(re.sub(r"\s+", " ", record["text"])) & reference), record["id"]
