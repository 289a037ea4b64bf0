"""The record formats of ``geomap parse`` (the JSONL contract, GeoJSON, a table); re-exported by
:mod:`geomap.cli`, whose ``cmd_parse`` writes with ``WRITERS``."""
from __future__ import annotations

import json
from itertools import chain
from typing import Callable, Iterable, Iterator, Sequence, TextIO


def mention_record(article, mention, regions, *, explain: bool = False) -> dict:
    """One mention as the JSONL contract spells it (``article`` is the path as given, ``date``
    the article's ISO date or None when undated)."""
    place = mention.place
    record = {
        "article": article.source, "date": article.published, "start": mention.start, "end": mention.end, "text": mention.text,
        "name": place.name if place else None,
        "lat": place.lat if place else None, "lon": place.lon if place else None,
        "country": place.country if place else "", "kind": place.kind if place else None,
        "id": place.id if place else None, "score": round(mention.score, 4),
        "regions": list(regions),
    }
    if explain:
        record["explain"] = list(mention.explain)
    return record


def write_jsonl(batches: Iterable[list[dict] | str], out: TextIO) -> None:
    """One JSON object per line, one write per batch (an article's records, or lines already
    encoded by :func:`jsonl_chunks`)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for batch in batches:
        if isinstance(batch, str):
            out.write(batch)
        elif batch:
            out.write("".join([encode(record) + "\n" for record in batch]))
    out.flush()


FORMS_KEPT = 100_000     # encoded forms remembered per article (a memo, cleared past this)


def jsonl_chunks(article, forms: Iterable[tuple], *, explain: bool = False, unplaced: bool = False,
                 per_write: int = 10_000) -> Iterator[str]:
    """The JSONL lines of a streamed article's ``(start, end, form, regions)``
    (``pipeline.parse.MentionStream.forms``), ``per_write`` lines a string: byte for byte what
    :func:`mention_record` and :func:`write_jsonl` write, with each form (the fields after the
    offsets) encoded once, not once per mention. ``unplaced``: only mentions without a place."""
    from geomap.model import Mention

    encode = json.JSONEncoder(ensure_ascii=False).encode
    head = encode({"article": article.source, "date": article.published})[:-1] + ', "start": '
    tails: dict[int, tuple] = {}               # id(form) -> (form, regions, the encoded rest)
    lines: list[str] = []
    for start, end, form, regions in forms:
        if unplaced and form[1] is not None:
            continue
        known = tails.get(id(form))
        if known is None or known[0] is not form or known[1] is not regions:
            if len(tails) >= FORMS_KEPT:
                tails.clear()
            record = mention_record(article, Mention(0, 0, *form), regions, explain=explain)
            rest = {k: v for k, v in record.items() if k not in ("article", "date", "start", "end")}
            known = tails[id(form)] = (form, regions, encode(rest)[1:] + "\n")   # (holds the form: its id stays its own)
        lines.append(f'{head}{start}, "end": {end}, {known[2]}')
        if len(lines) >= per_write:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def jsonl_batches(article, batches: Iterable[tuple[list, dict]], *, explain: bool = False,
                  unplaced: bool = False) -> Iterator[str]:
    """:func:`jsonl_chunks` for ``pipeline.parse.MentionStream.batches`` (``(start, end, form)``
    lists, each with its distinct forms and their regions): one string per batch, each distinct
    form of a batch looked up (or encoded) once, the lines made in one pass."""
    from geomap.model import Mention

    encode = json.JSONEncoder(ensure_ascii=False).encode
    head = encode({"article": article.source, "date": article.published})[:-1] + ', "start": '
    tails: dict[int, tuple] = {}               # id(form) -> (form, regions, the encoded rest)
    for batch, forms in batches:
        rest: dict[int, str] = {}              # id(form) -> its encoded rest, this batch's forms
        for i, (form, regions) in forms.items():
            if unplaced and form[1] is not None:
                continue
            known = tails.get(i)
            if known is None or known[0] is not form or known[1] is not regions:
                if len(tails) >= FORMS_KEPT:
                    tails.clear()
                record = mention_record(article, Mention(0, 0, *form), regions, explain=explain)
                fields = {k: v for k, v in record.items() if k not in ("article", "date", "start", "end")}
                known = tails[i] = (form, regions, encode(fields)[1:] + "\n")   # (holds the form: its id stays its own)
            rest[i] = known[2]
        if unplaced:
            lines = [f'{head}{start}, "end": {end}, {rest[id(form)]}' for start, end, form in batch if id(form) in rest]
        else:
            lines = [f'{head}{start}, "end": {end}, {rest[id(form)]}' for start, end, form in batch]
        if lines:
            yield "".join(lines)


def write_geojson(batches: Iterable[list[dict]], out: TextIO) -> None:
    """A FeatureCollection of the resolved mentions (unresolved ones have no point to show)."""
    features = []
    for record in chain.from_iterable(batches):
        if record["lat"] is None:
            continue
        props = {k: v for k, v in record.items() if k not in ("lat", "lon")}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]}})
    out.write(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1))
    out.write("\n")


TABLE_COLUMNS = (("article", 28), ("span", 11), ("text", 20), ("place", 24), ("cc", 2),
                 ("kind", 9), ("lat", 9), ("lon", 10), ("score", 5), ("regions", 0))


def write_table(batches: Iterable[list[dict]], out: TextIO) -> None:
    """Aligned columns for reading in a terminal; long values are cut with ``…``."""
    out.write(_row([name for name, _ in TABLE_COLUMNS]))
    for batch in batches:
        lines = []
        for r in batch:
            lat = "" if r["lat"] is None else f"{r['lat']:.4f}"
            lon = "" if r["lon"] is None else f"{r['lon']:.4f}"
            lines.append(_row([r["article"], f"{r['start']}-{r['end']}", r["text"], r["name"] or "-",
                               r["country"], r["kind"] or "", lat, lon, f"{r['score']:.2f}",
                               ",".join(r["regions"])]))
            lines += [f"    {reason}\n" for reason in r.get("explain", ())]
        if lines:
            out.write("".join(lines))
    out.flush()


def _row(values: Sequence[str]) -> str:
    """One table line; a long path keeps its end (the file name), other values their start."""
    cells = []
    for value, (name, width) in zip(values, TABLE_COLUMNS):
        value = " ".join(str(value).split())
        if width and len(value) > width:
            value = "…" + value[1 - width:] if name == "article" else value[:width - 1] + "…"
        cells.append(value.ljust(width))
    return "  ".join(cells).rstrip() + "\n"


WRITERS: dict[str, Callable] = {"jsonl": write_jsonl, "geojson": write_geojson, "table": write_table}
