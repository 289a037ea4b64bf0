"""The outputs: ``map.html``, ``articles/<id>.html``, ``places/<id>.html`` (and the place's
older pages, ``places/<id>_p<k>.html``), ``places.geojson``, ``regions.csv``, ``mentions.csv`` and
``mentions.jsonl``, the pop-ups' passages of a big map in ``passages/<n>.js``, a big payload's
parts in ``data/<key>-<hash>.js`` (plus ``assets/`` with ``map.assets: local``).

``render_outputs`` writes only inside ``out_dir`` (the pipeline's temporary folder, moved into
place afterwards), so a failed render never leaves a half-written map where the old one was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection

from geomap.config import Config
from geomap.render.data import ArticleRecord, MapData, MentionRecord, PlaceRecord

__all__ = ["render_outputs", "render_map_only", "stale_pages", "MapData", "PlaceRecord", "MentionRecord",
           "ArticleRecord"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def render_outputs(data: MapData, out_dir: Path, config: Config, layers: list, *,
                   articles: Collection[str] | None = None,
                   places: Collection[str] | None = None, exports: bool = True,
                   map_side: bool = True, pages: bool = True) -> list[Path]:
    """Write every output file into ``out_dir`` and return their paths (map first).

    ``layers`` are ``geomap.regions.Layer`` values (drawn as toggleable overlays, counted in
    ``regions.csv``). For an incremental refresh, ``articles`` and ``places`` (ids) limit the
    article and place pages written to those (the others being current); None: all of them.
    A place's page changes whenever a mention of it is added or removed, so ``places`` must
    cover the places of every new, changed and deleted article, before and after. When
    ``articles`` are the only change since the last render (all new), only the pages of those
    places that changed are written (``place_page.render_place_pages(new=...)``).
    ``map_side=False``: no ``map.html``, chunks, ``places.geojson`` or ``regions.csv`` (the
    refresh writes those from the render cache: ``map_files.write_map_side``).
    ``pages=False``: no article or place pages and no exports (``render.pages.write_pages``
    writes them from the store). The refresh passes neither (it renders from the store, never
    from an in-memory ``MapData``); this whole render is the reference the tests hold those to.
    """
    from geomap.render.article_page import page_name, render_article
    from geomap.render.exports import write_mentions_exports
    from geomap.render.geojson import places_geojson
    from geomap.render.map import article_ranks
    from geomap.render.place_page import PLACES_DIR, render_place_pages
    from geomap.render.region_counts import (layer_counts, region_counts, region_labels,
                                              region_layer_labels, regions_csv)

    out_dir = Path(out_dir)
    written: list[Path] = []
    if map_side:
        counts = region_counts(data, layers)
        written = _write_map(data, out_dir, config, layers, counts)

    chosen = () if not pages else (
        data.articles.keys() if articles is None else set(articles) & data.articles.keys())
    by_id = {r.place.id: r.place for r in data.places}
    if chosen:
        (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    for article_id in sorted(chosen):
        html = render_article(data.articles[article_id], by_id, map_title=config.map.title,
                              root=config.root)
        written.append(_write(out_dir / "articles" / f"{page_name(article_id)}.html", html))

    labels, layer_labels = region_labels(layers), region_layer_labels(layers)
    wanted = None if places is None else set(places)
    records = [r for r in data.places if pages and (wanted is None or r.place.id in wanted)]
    if records:
        (out_dir / PLACES_DIR).mkdir(parents=True, exist_ok=True)
        ranks = article_ranks(data.articles, data.articles)
    for record in records:      # only the changed pages of a place when only articles are new
        for name, html in render_place_pages(record, data.articles, map_title=config.map.title,
                                             region_labels=labels, ranks=ranks,
                                             region_layers=layer_labels, new=articles):
            written.append(_write(out_dir / PLACES_DIR / name, html))

    if map_side:
        written.append(_write(out_dir / "places.geojson", places_geojson(data)))
        written.append(_write(out_dir / "regions.csv",
                              regions_csv(counts, layer_counts(data, layers))))
    if exports and pages:   # False: the caller appends the new articles' rows to the current ones
        write_mentions_exports(data, out_dir / "mentions.csv", out_dir / "mentions.jsonl",
                               config.root)
        written += [out_dir / "mentions.csv", out_dir / "mentions.jsonl"]
    return written


def render_map_only(data: MapData, out_dir: Path, config: Config, layers: list) -> list[Path]:
    """Write ``map.html`` and its assets only: what a change of map settings alone (assets,
    tiles, colours, pop-up passages...) changes; the pages and exports stay as they are."""
    from geomap.render.region_counts import region_counts

    return _write_map(data, Path(out_dir), config, layers, region_counts(data, layers))


def _write_map(data: MapData, out_dir: Path, config: Config, layers: list, counts) -> list[Path]:
    """``map.html``, the assets it links to (``map.assets: local``), the payload's data files
    (``payload_files``) and the pop-ups' passage chunks of a big map, map first."""
    from geomap.render.assets import ASSETS_DIR
    from geomap.render.map import build_map
    from geomap.render.passages import write_chunks
    from geomap.render.payload_files import DATA_DIR

    out_dir.mkdir(parents=True, exist_ok=True)
    files: list = []
    map_html, assets, chunks = build_map(data, config, layers, counts, files=files)
    written = [_write(out_dir / "map.html", map_html)]
    if assets:
        (out_dir / ASSETS_DIR).mkdir(parents=True, exist_ok=True)
        written += [_write(out_dir / ASSETS_DIR / a.file_name, a.text) for a in assets]
    if files:
        (out_dir / DATA_DIR).mkdir(parents=True, exist_ok=True)
        written += [_write(out_dir / f.rel, f.script()) for f in files]
    return written + write_chunks(out_dir, chunks)


def stale_pages(out_dir: Path, data: MapData) -> list[Path]:
    """Pages in ``out_dir`` (``articles/``, ``places/``) of articles and places ``data`` no
    longer has: what a refresh removes after moving the new outputs into place."""
    from geomap.render.article_page import page_name
    from geomap.render.place_page import PLACES_DIR, place_page_files

    keep = {"articles": {f"{page_name(a)}.html" for a in data.articles},
            PLACES_DIR: {name for r in data.places for name in place_page_files(r, data.articles)}}
    return [page for folder, names in keep.items()
            for page in sorted((Path(out_dir) / folder).glob("*.html")) if page.name not in names]
