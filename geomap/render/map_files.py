"""The map side of the outputs from the render cache (``map_cache.py``): ``map.html`` (and its
``assets/``), ``passages/<n>.js`` + ``passages/index.js``, ``places.geojson``, ``regions.csv``.

``write_map_side(store, out_dir, config, layers, only=...)`` updates the cache (from the new
articles alone when it can) and writes these files without loading every mention: the payload
is joined from the cached rows (``payload_parts.RawList``), the page around it comes from the
cached ``map.page_template`` (made by folium on a full render or when settings, layers or
passage mode differ from the cached one; ``fill_page`` puts the counts and the payload in),
only the chunks holding touched places are written, and ``places.geojson`` / ``regions.csv``
are joined from cached features and counts. A payload with parts goes to data files
(``payload_files``): only the parts without a file in place are written, and the articles'
complete parts are not even made again (``_article_parts``). The result equals
``map.build_map`` over the same store, but for article numbers, which are stable here
(``map_cache``).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any, Iterable

from geomap.render.article_page import page_name
from geomap.render.passages import INDEX_REL, chunk_rel
from geomap.render.payload_files import DATA_DIR, DataFile, data_files, data_html, part_name
from geomap.render.payload_parts import RawDict, RawList, split_parts
from geomap.render.script_json import script_text



def chunk_value(quoted: list[tuple[str, list[list[Any]]]], bodies) -> dict[str, Any]:
    """A chunk's JSON value from its places' cached quotes (``Payload._chunk``'s result):
    windows of one passage merged into one stored text; a merged text spanning more than one
    window is read from the article (``bodies.get(id)``)."""
    from geomap.render.payload import merged_windows

    windows: dict[tuple[str, int, int], dict[tuple[int, int], str]] = {}
    for _pid, quotes in quoted:
        for aid, _date, _anchor, lo, hi, a, b, _spans, text in quotes:
            windows.setdefault((aid, lo, hi), {})[(a, b)] = text
    texts: list[str] = []
    where: dict[tuple[str, int, int, int], tuple[int, int]] = {}
    for (aid, lo, _hi), spans in windows.items():
        ordered = sorted(spans)
        for seg_a, seg_b in merged_windows(ordered):
            index = len(texts)
            text = spans.get((seg_a, seg_b))
            if text is None:
                text = bodies.get(aid)[0][seg_a:seg_b].replace("\n", " ").replace("\r", " ")
            texts.append(text)
            for a, b in ordered:
                if seg_a <= a and b <= seg_b:
                    where[(aid, a, b, lo)] = (index, a - seg_a)
    rows = {}
    for pid, quotes in quoted:
        out = []
        for aid, _date, anchor, lo, hi, a, b, spans, _text in quotes:
            number, offset = where[(aid, a, b, lo)]
            flags = (1 if a > lo else 0) | (2 if b < hi else 0)
            marks: list[int] = []
            for start, end in spans:
                if a <= start and end <= b:
                    marks += [start - a, end - a]
            out.append([page_name(aid), anchor, number, offset, b - a, flags, marks])
        rows[pid] = out
    return {"places": rows, "texts": texts}


def _counts(state: dict, layers: list):
    """``RegionCount`` rows per configured region and per layer from the cached counts."""
    from geomap.render.region_counts import RegionCount, region_label

    regions, totals = state.get("r", {}), state.get("l", {})
    rows = [RegionCount(r.name, region_label(r, layer), layer.label or layer.name,
                        *regions.get(r.name, (0, 0, 0)))
            for layer in layers for r in layer.regions]
    layer_rows = [RegionCount(layer.name, layer.label or layer.name, layer.label or layer.name,
                              *totals.get(layer.name, (0, 0, 0))) for layer in layers]
    return rows, layer_rows


def unplaced_rows(items: Iterable[tuple[str, str]]) -> RawList:
    """The payload's names not placed (``Payload._unplaced``'s rows) from the cached groups
    ``(key, JSON)`` (``map_cache.unplaced_groups``): the most frequent spelling names a group
    (ties: the first in code point order); most mentioned first, then by name."""
    rows = []
    for _key, value in items:
        group = json.loads(value)
        spellings = group["sp"]
        name = min(spellings, key=lambda s: (-spellings[s], s))
        rows.append((-sum(spellings.values()), name, group["a"]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return RawList(json.dumps([name, [x for entry in arts for x in entry]],
                              ensure_ascii=False, separators=(",", ":"))
                   for _n, name, arts in rows if arts)


def _template_key(config, layers: list, passage_files: bool, counts) -> str:
    """What the page around the payload depends on: code, map settings, layers (with their
    geometry), passage mode, and the choropleth layers' fills."""
    from geomap.render.map import choropleth_shades
    from geomap.render.map_cache import code_stamp
    from geomap.render.world import world_outlines

    h = hashlib.sha256()
    h.update(code_stamp().encode())
    h.update(repr(config.map).encode("utf-8"))
    h.update(hashlib.sha256(world_outlines().encode("utf-8")).digest())
    for layer in layers:
        h.update(repr((layer.name, layer.label, layer.style, layer.show,
                       tuple(getattr(layer, "attribution", ()) or ()))).encode("utf-8"))
        for r in layer.regions:
            h.update(repr((r.name, r.label)).encode("utf-8"))
            h.update(r.geometry.wkb if r.geometry is not None else b"")
    h.update(b"files" if passage_files else b"embedded")
    h.update(json.dumps(choropleth_shades(layers, counts)).encode())
    return h.hexdigest()


def _article_parts(store, reuse: Path | None) -> tuple[list[DataFile], RawList | None]:
    """The payload's articles as data files (``payload_files``): the complete parts kept in the
    render cache (``apart``: ``[end number, name, limit]`` each, in order; the articles are
    numbered for good, so a complete part never changes) and the rows after them, cut as
    ``payload_parts.pieces`` cuts them (its complete parts added to the cache). A cached part
    whose file is in ``reuse`` is not made again (text None). ``(files, None)``, or ``([],
    rows)`` when the articles make no complete part (a small map: cut with the rest)."""
    from geomap.render.payload_parts import PART_BYTES, pieces

    limit = PART_BYTES
    cached, start = [], 0
    for _key, value in store.render_cache_items("apart"):
        end, name, made_with = json.loads(value)
        if made_with != limit or end <= start:
            break
        cached.append((start, end, name))
        start = end
    files: list[DataFile] = []
    for first, end, name in cached:
        rel = f"{DATA_DIR}/{name}.js"
        if reuse is not None and _plain_file(reuse / rel):
            files.append(DataFile(name, None))
            continue
        rows = RawList(row for _n, _aid, row in store.render_articles(first, end))
        made = [(script_text(t), done) for t, done, _count in pieces("articles", rows, limit)]
        text = made[0][0] if len(made) == 1 and made[0][1] else None
        if text is None or part_name("articles", text) != name:
            return _article_parts_again(store, reuse)
        files.append(DataFile(name, text))
    rows = RawList(row for _n, _aid, row in store.render_articles(start))
    new: list[tuple[int, str]] = []
    for text, done, count in pieces("articles", rows, limit):
        text = script_text(text)
        files.append(DataFile(part_name("articles", text), text))
        start += count
        if done:
            new.append((start, files[-1].name))
    if not cached and not new:
        return [], rows                 # no complete part: the payload may be small
    if new:
        with store.render_cache_writer() as w:
            w.put("apart", ((f"{len(cached) + i:07d}", _json([end, name, limit]))
                            for i, (end, name) in enumerate(new)))
    return files, None


def _article_parts_again(store, reuse: Path | None) -> tuple[list[DataFile], RawList | None]:
    """``_article_parts`` with the cached parts forgotten (one did not match its rows)."""
    with store.render_cache_writer() as w:
        w.drop("apart")
    return _article_parts(store, reuse)


def _plain_file(path: Path) -> bool:
    """A regular file, not a link (what may be left in place as a data file)."""
    return path.is_file() and not path.is_symlink()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_map_side(store, out_dir: Path, config, layers: list, *,
                   only: set[str] | None = None, every_chunk: bool = False,
                   reuse: Path | None = None) -> list[Path]:
    """Bring the render cache up to date and write the map side's files into ``out_dir``
    (map first); ``only``: the new articles since the last render (the map's settings as
    then), so only the chunks they touch are written; None: every file (and the page made by
    folium again). ``every_chunk``: write every chunk even so, and neither ``places.geojson``
    nor ``regions.csv`` (a render of the map alone: map settings changed, not the data).
    ``reuse``: the folder of the outputs in place; a payload data file (``payload_files``)
    found there under its name is not written, its path there is returned instead (the
    caller leaves it in place)."""
    from geomap.render import map_cache
    from geomap.render.assets import ASSETS_DIR
    from geomap.render.map import fill_page, legend, map_extras, page_template
    from geomap.render.passages import INLINE_PASSAGE_CHARS, chunk_count
    from geomap.render.payload import layer_tables
    from geomap.render.region_counts import region_labels, regions_csv
    from geomap.render.search_index import index_from_sets

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = map_cache.update(store, config, layers, only)
    partial = only is not None and not done.full
    state = json.loads(store.render_cache_get("meta", "state"))
    counts_state = json.loads(store.render_cache_get("meta", "regions") or "{}")
    counts, layer_totals = _counts(counts_state, layers)

    article_files, articles = _article_parts(store, reuse)
    rows = RawList()
    ids = []
    for pid, row in store.render_cache_items("row"):
        ids.append(pid)
        rows.append(row)
    count = chunk_count(len(ids))
    grams = {int(k): v.split(" ", 2) for k, v in store.render_cache_items("grams")}
    quoted_chars = sum(int(v[1]) for v in grams.values())
    passage_files = bool(grams) and quoted_chars > INLINE_PASSAGE_CHARS

    labels = region_labels(layers)
    index = map_cache.region_order(layers, state.get("extra", ()))
    region_list = [labels.get(name, name) for name in index]
    layer_rows, region_layer, region_names, bounds = layer_tables(layers)
    place_set = set(ids)
    places = [p for p in store.places() if p.id in place_set]
    payload: dict[str, Any] = {
        "title": config.map.title, "cluster": config.map.cluster, "legend": legend(layers, counts),
        "articles": RawList() if articles is None else articles, "regions": region_list,
        "places": rows, "chunks": count,
        "regionCounts": [[c.layer, c.places, c.mentions, c.articles] for c in counts],
        "layers": layer_rows, "regionLayer": region_layer, "regionNames": region_names,
        "regionBounds": bounds, "unplaced": unplaced_rows(store.render_cache_items("unplaced"))}
    if not passage_files:
        payload["passages"] = RawDict((str(k), v) for k, v in
                                      sorted(((int(k), v) for k, v in
                                              store.render_cache_items("chunk"))))
    payload.update(map_extras(config, layers, places))

    head, files = data_files(*split_parts(payload, given={"articles": article_files}))
    self_scripts = passage_files or bool(files)     # the CSP allows scripts from the folder
    key = _template_key(config, layers, self_scripts, counts)
    cached = store.render_cache_get("meta", "page")
    page = json.loads(cached) if cached else None
    remade = not partial or page is None or page.get("key") != key
    if remade:
        nonce = secrets.token_hex(8)
        template, assets = page_template(config, layers, counts, passage_files=self_scripts,
                                         nonce=nonce)
        page = {"key": key, "nonce": nonce, "html": template,
                "assets": [[a.file_name, a.text] for a in assets]}
        with store.render_cache_writer() as w:
            w.put("meta", [("page", json.dumps(page, ensure_ascii=False))])
    html = fill_page(page["html"], page["nonce"], layers, counts, data_html(head, files))
    written = [_write(out_dir / "map.html", html)]
    if files:
        (out_dir / DATA_DIR).mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.text is None:
            written.append(reuse / f.rel)
        elif reuse is not None and _plain_file(reuse / f.rel):
            written.append(reuse / f.rel)   # the same name, the same bytes
        else:
            written.append(_write(out_dir / f.rel, f.script()))
    if page["assets"]:
        (out_dir / ASSETS_DIR).mkdir(parents=True, exist_ok=True)
        written += [_write(out_dir / ASSETS_DIR / name, text) for name, text in page["assets"]]
    if passage_files:
        # a new page (settings, passage mode...) is written with every chunk
        chosen = done.chunks if partial and not (every_chunk or remade) else set(grams)
        (out_dir / "passages").mkdir(parents=True, exist_ok=True)
        for number in sorted(chosen):
            value = store.render_cache_get("chunk", str(number))
            if value is not None:
                written.append(_write(out_dir / chunk_rel(number),
                                      f"geomapPassages({number},{script_text(value)});\n"))
        made = map_cache.grams_of(store, sorted(grams))
        sets = [made.get(n) for n in range(max(grams, default=-1) + 1)]
        written.append(_write(out_dir / INDEX_REL, index_from_sets(sets)))
    if every_chunk:
        return written
    features = [v for _k, v in store.render_cache_items("geo")]
    written.append(_write(out_dir / "places.geojson",
                          '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"))
    written.append(_write(out_dir / "regions.csv", regions_csv(counts, layer_totals)))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
