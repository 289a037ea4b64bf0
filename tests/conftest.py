"""Shared fixtures: a throw-away project folder with a config and a few original articles.

The articles are written for these tests (not copied from any corpus): short, news-like, in the
saved-news-page format and as plain text, and they mention real places so the full pipeline has
something to map.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from geomap.render.passages import INLINE_PASSAGE_CHARS as DEFAULT_INLINE_PASSAGE_CHARS

SAVED_PAGE = textwrap.dedent("""\
     date 2024-02-03 World
    Grain ships leave Odesa as Black Sea corridor holds

    Three bulk carriers sailed from Odesa on Saturday, port officials said.

    Anna Kowalski
    By Anna Kowalski
    Published 3rd Feb 2024, 09:15 GMT
    The vessels left the port of Odesa at dawn and were heading for Istanbul.

    Insurers in London said premiums for the route had fallen since December.

    Farmers near Mykolaiv said they hoped exports would rise again in the spring.
    """)

PLAIN_MD = textwrap.dedent("""\
    # Floods close roads around Valencia

    Heavy rain closed several roads around Valencia on Tuesday, and trains to
    Madrid were delayed by up to three hours.

    Emergency services in Seville said they were sending pumps to help.
    """)

THIRD = textwrap.dedent("""\
     date 2024-03-10 Europe
    Talks resume in Geneva

    Negotiators returned to Geneva on Monday after a pause of two weeks.

    By Tomas Reyes
    Published 10th Mar 2024, 17:02 CET
    Delegations from Warsaw and Vienna arrived late on Sunday.
    """)


def write(path: Path, text: str | bytes) -> Path:
    """Write an article file (creating folders); bytes are written as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gaz(gazetteer_path):
    """The reduced test gazetteer, opened once per test module."""
    from geomap.gazetteer import Gazetteer

    with Gazetteer.open(gazetteer_path) as gazetteer:
        yield gazetteer


@pytest.fixture(scope="module")
def gp(gaz):
    """A geoparser with default settings over ``gaz``."""
    from geomap.config import ParseConfig
    from geomap.resolve import Geoparser

    return Geoparser(gaz, ParseConfig())


@pytest.fixture(autouse=True)
def _passages_in_chunk_files(monkeypatch):
    """Tests' maps are small, and a small map keeps its pop-ups' passages in map.html
    (``passages.INLINE_PASSAGE_CHARS``); tests see the chunk files big maps get, except those
    that restore ``DEFAULT_INLINE_PASSAGE_CHARS`` to check the embedded case."""
    monkeypatch.setattr("geomap.render.passages.INLINE_PASSAGE_CHARS", -1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with ``articles/`` holding two articles and an empty ``config/``."""
    write(tmp_path / "articles" / "odesa.txt", SAVED_PAGE)
    write(tmp_path / "articles" / "valencia.md", PLAIN_MD)
    (tmp_path / "config").mkdir()
    return tmp_path


@pytest.fixture(scope="session")
def gazetteer_path(tmp_path_factory) -> Path:
    """One reduced gazetteer index (cities of 15,000+) shared by every test that geoparses."""
    from geomap.gazetteer.build import build_index

    path = tmp_path_factory.mktemp("gazetteer") / "gazetteer.sqlite"
    build_index(path, min_city_population=15000)
    return path


def write_config(root: Path, gazetteer: Path, extra: str = "", regions: str = "null") -> Path:
    """``config/geomap.yaml`` using the shared gazetteer (no region layers by default) + ``extra``."""
    text = (f"gazetteer:\n  path: {json.dumps(str(gazetteer))}\n"
            f"regions:\n  file: {regions}\n" + extra)
    return write(root / "config" / "geomap.yaml", text)


@pytest.fixture
def mapped_project(project: Path, gazetteer_path: Path) -> Path:
    """``project`` with a config that the full pipeline can run on."""
    write_config(project, gazetteer_path)
    return project


def count_reads(monkeypatch) -> list[str]:
    """The names of the article files each refresh reads from now on (through the real reader:
    ``pipeline.execute.read_stamped``)."""
    import geomap.pipeline.execute

    read, real = [], geomap.pipeline.execute.read_stamped

    def counting(path):
        read.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(geomap.pipeline.execute, "read_stamped", counting)
    return read
