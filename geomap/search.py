"""``geomap search``: full-text search over every stored article (SQLite FTS5 in the store),
and the places a query names.

A query is words (all must occur, in the title or the text), ``"quoted phrases"`` and
``prefix*`` words; case and diacritics are ignored (``kyiv`` finds ``Kyïv``). Nothing in a
query is FTS5 syntax: every word is quoted before it reaches SQLite, so no input can raise a
syntax error or change the query's meaning. Each hit is shown by its best passage (the one with
most query terms) and the places mentioned in that passage.

A query that names a mapped place as a whole (in any form or language: ``Херсоном``, ``Kiev``,
see :mod:`geomap.place_names`) also finds the articles mentioning that place however they
write it; they follow the text matches, newest first, shown by the passage naming the place.
"""
from __future__ import annotations

import json
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from geomap._csv import csv_text
from geomap.errors import GeomapError
from geomap.render.sources import display_source

if TYPE_CHECKING:
    from geomap.config import Config
    from geomap.place_names import PlaceHit
    from geomap.store import SearchHit

FORMATS = ("table", "jsonl", "csv")
CSV_COLUMNS = ("article", "date", "title", "source", "passage_index", "passage", "places")
PASSAGE_CHARS = 300          # the table shows at most this much of a passage

_TERM = re.compile(r'"([^"]*)"?|(\w+)(\*?)')
_WORD = re.compile(r"\w+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SearchError(GeomapError, ValueError):
    """A search cannot run: an empty query, a bad date, an unknown layer or region, no store."""


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]       # folded words; more than one: a phrase
    prefix: bool = False         # the last word is a prefix


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One article found: its best passage and the places mentioned in that passage."""

    article_id: str
    title: str
    date: str | None
    source: str
    passage_index: int | None
    passage: str
    places: tuple[str, ...]      # place names, in text order, each once
    place_ids: tuple[str, ...]

    def record(self) -> dict:
        return {"article": self.article_id, "date": self.date, "title": self.title,
                "source": self.source, "passage_index": self.passage_index,
                "passage": self.passage, "places": list(self.places),
                "place_ids": list(self.place_ids)}


def fold(text: str) -> str:
    """Casefolded, diacritics removed: what FTS5's ``unicode61 remove_diacritics 2`` compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_query(query: str) -> list[Term]:
    """Words, ``"phrases"`` and ``prefix*`` words of a query (FTS5 operators are plain words)."""
    terms = []
    for m in _TERM.finditer(query):
        if m.group(2) is not None:
            terms.append(Term((fold(m.group(2)),), prefix=bool(m.group(3))))
        elif words := tuple(fold(w) for w in _WORD.findall(m.group(1))):
            terms.append(Term(words))
    return terms


def fts_query(terms: Sequence[Term]) -> str:
    """The FTS5 MATCH expression: every term quoted (so it is never an operator), all required."""
    parts = []
    for term in terms:
        text = '"' + " ".join(term.words).replace('"', '""') + '"'
        parts.append(text + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def _term_pattern(term: Term) -> re.Pattern:
    body = r"\W+".join(re.escape(w) for w in term.words)
    return re.compile(r"(?<!\w)" + body + ("" if term.prefix else r"(?!\w)"))


def best_passage(hit: SearchHit, terms: Sequence[Term],
                 place_ids: Sequence[str] = ()) -> tuple[int | None, str]:
    """(index, text) of the passage holding the most distinct terms (the first of equals);
    else the first passage mentioning one of ``place_ids``; else the whole text's start
    (a match in the title only)."""
    patterns = [_term_pattern(t) for t in terms]
    best, best_score = None, 0
    for p in hit.passages:
        folded = fold(hit.text[p.start:p.end])
        score = sum(1 for pattern in patterns if pattern.search(folded))
        if score > best_score:
            best, best_score = p, score
    if best is None and place_ids:
        index = next((i for i, _, pid in hit.places if pid in place_ids and i is not None), None)
        best = next((p for p in hit.passages if p.index == index), None)
    if best is None:
        best = hit.passages[0] if hit.passages else None
    if best is None:
        return None, hit.text.strip()[:PASSAGE_CHARS]
    return best.index, hit.text[best.start:best.end]


def search(config: Config, query: str, *, layer: str | None = None, region: str | None = None,
           since: str | None = None, until: str | None = None,
           limit: int | None = 50) -> list[SearchResult]:
    """Search the project's store; raises ``SearchError`` for bad input (nothing is changed)."""
    return find(config, query, layer=layer, region=region, since=since, until=until,
                limit=limit)[1]


def find(config: Config, query: str, *, layer: str | None = None, region: str | None = None,
         since: str | None = None, until: str | None = None,
         limit: int | None = 50) -> tuple[list[PlaceHit], list[SearchResult]]:
    """The mapped places ``query`` names (:func:`geomap.place_names.find_places`: exact matches
    first, then prefix matches) and the articles found (:func:`search`).

    The place lookup reads every mention form in the store (~0.6 s at 200,000 mentions), so it
    runs only when the text alone finds fewer than ``limit`` articles: then the query may name a
    place in a form no article writes (``Херсоном``), and the articles mentioning it are added.
    With ``limit`` reached, more articles would not be shown, and no place is listed."""
    from geomap.place_names import find_places
    from geomap.store import Store

    terms = parse_query(query)
    if not terms:
        raise SearchError(f"nothing to search for in {query!r} (give a word or a phrase)")
    if layer is not None and region is not None:
        raise SearchError("give --layer or --region, not both")
    since, until = _date(since, "--since"), _date(until, "--until")
    if since and until and since > until:
        raise SearchError(f"--since {since} is after --until {until}")
    path = config.resolve(config.store_path)
    if not Path(path).is_file():
        raise SearchError(f"{path}: no store yet; run `geomap refresh` first")
    places: list[PlaceHit] = []
    named: tuple[str, ...] = ()
    with Store(path) as store:
        if layer is not None or region is not None:
            _check_name(config, store, layer=layer, region=region)
        where = {"region": region, "layer": layer, "since": since, "until": until, "limit": limit}
        hits = store.search(fts_query(terms), **where)
        if limit is None or len(hits) < limit:
            with _gazetteer(config) as gazetteer:
                places = find_places(store, query, gazetteer)
            named = tuple(h.place.id for h in places if h.exact)
            if named:
                hits = store.search(fts_query(terms), place_ids=named, **where)
    return places, [_result(hit, terms, config.root, named) for hit in hits]


@contextmanager
def _gazetteer(config: Config):
    """The project's gazetteer if its index is built (other names of a place: ``Kiev``), else
    None: a search never builds the index and works without it."""
    from geomap.gazetteer import Gazetteer
    from geomap.gazetteer.index import default_path

    path = config.resolve(config.gazetteer.path) if config.gazetteer.path else default_path()
    if not Path(path).is_file():
        yield None
        return
    try:
        gazetteer = Gazetteer.open(path)
    except GeomapError:                 # out of date: search by the store's names alone
        yield None
        return
    with gazetteer:
        yield gazetteer


def _result(hit: SearchHit, terms: Sequence[Term], root: Path,
            place_ids: Sequence[str] = ()) -> SearchResult:
    index, passage = best_passage(hit, terms, place_ids)
    names: dict[str, str] = {}
    for pidx, name, pid in hit.places:
        if pidx == index and index is not None:
            names.setdefault(pid, name)
    return SearchResult(hit.article_id, hit.title, hit.published, display_source(hit.source, root),
                        index, passage, tuple(names.values()), tuple(names))


def _date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from geomap.articles import parse_date

    iso = parse_date(value) if value.strip() else None
    if iso is None:
        raise SearchError(f"{option}: not a date: {value!r} (use YYYY-MM-DD)")
    return iso


def _check_name(config: Config, store, *, layer: str | None, region: str | None) -> None:
    """An unknown layer or region is an error naming the known ones, not an empty result."""
    known_regions = store.region_names()
    known_layers = {r.split("/", 1)[0] for r in known_regions}
    if config.regions.file is not None:
        from geomap.regions import load_layers

        layers = load_layers(config.resolve(config.regions.file))
        known_layers |= {layer_.name for layer_ in layers}
        known_regions |= {r.name for layer_ in layers for r in layer_.regions}
    name, known, what = (layer, known_layers, "layer") if layer is not None else (
        region, known_regions, "region")
    if name not in known:
        listed = ", ".join(sorted(known)[:20]) or "none configured"
        raise SearchError(f"unknown {what} {name!r} (known: {listed})")


# --- output ---------------------------------------------------------------------------------

def format_jsonl(results: Sequence[SearchResult]) -> str:
    return "".join(json.dumps(r.record(), ensure_ascii=False) + "\n" for r in results)


def format_csv(results: Sequence[SearchResult]) -> str:
    return csv_text(CSV_COLUMNS, ((r.article_id, r.date or "", r.title, r.source, r.passage_index,
                                   r.passage, "; ".join(r.places)) for r in results))


def format_places(places: Sequence[PlaceHit]) -> str:
    """A line per place the query names: name, kind, country, id, counts, written forms."""
    lines = []
    for h in places:
        p = h.place
        lines.append(f"place: {_flat(p.name, 80)} ({p.kind}, {p.country or '-'}, {p.id}): "
                     f"{h.mentions} mention{'s' if h.mentions != 1 else ''} in {h.articles} "
                     f"article{'s' if h.articles != 1 else ''}{'' if h.exact else ' (prefix)'}; "
                     f"written {_flat(', '.join(h.written[:8]) or '-', 120)}")
    return "\n".join(lines) + ("\n\n" if lines else "")


def format_table(results: Sequence[SearchResult]) -> str:
    """A block per article: id, date and title, then the passage (cut), then its places."""
    lines = []
    for r in results:
        lines.append(f"{r.article_id}  {r.date or 'undated'}  {_flat(r.title, 80)}")
        lines.append(f"    {_flat(r.passage, PASSAGE_CHARS)}")
        lines.append(f"    places: {', '.join(r.places) or '-'}")
        lines.append("")
    lines.append(f"{len(results)} article{'s' if len(results) != 1 else ''} found")
    return "\n".join(lines) + "\n"


def _flat(text: str, width: int) -> str:
    """One line for a terminal: whitespace runs → a space, control characters (escape
    sequences in untrusted text) → ``?``, cut at ``width``."""
    text = "".join("?" if unicodedata.category(c) == "Cc" else c for c in " ".join(text.split()))
    return text if len(text) <= width else text[:width - 1] + "…"


FORMATTERS = {"table": format_table, "jsonl": format_jsonl, "csv": format_csv}

__all__ = ["search", "find", "format_places", "SearchResult", "SearchError", "parse_query", "fts_query", "FORMATS",
           "FORMATTERS"]
