"""The outputs: ``map.html``, ``articles/<id>.html``, ``places/<id>.html``, ``places.geojson``
and ``regions.csv`` (plus ``assets/`` with ``map.assets: local``).

``render_outputs`` writes only inside ``out_dir`` (the pipeline's temporary folder, moved into
place afterwards), so a failed render never leaves a half-written map where the old one was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection

from geomap.config import Config
from geomap.render.data import ArticleRecord, MapData, MentionRecord, PlaceRecord

__all__ = ["render_outputs", "MapData", "PlaceRecord", "MentionRecord", "ArticleRecord"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def render_outputs(data: MapData, out_dir: Path, config: Config, layers: list, *,
                   articles: Collection[str] | None = None) -> list[Path]:
    """Write every output file into ``out_dir`` and return their paths (map first).

    ``layers`` are ``geomap.regions.Layer`` values (drawn as toggleable overlays, counted in
    ``regions.csv``). ``articles``: write only these articles' pages, and the pages of the places
    they mention (an incremental refresh; the rest are current); None: every page.
    """
    from geomap.render.article_page import page_name, render_article
    from geomap.render.assets import ASSETS_DIR
    from geomap.render.geojson import places_geojson
    from geomap.render.map import build_map
    from geomap.render.place_page import PLACES_DIR, place_page_name, render_place
    from geomap.render.region_counts import region_counts, regions_csv

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    map_html, assets = build_map(data, config, layers)
    written = [_write(out_dir / "map.html", map_html)]
    if assets:
        (out_dir / ASSETS_DIR).mkdir(parents=True, exist_ok=True)
        written += [_write(out_dir / ASSETS_DIR / a.file_name, a.text) for a in assets]

    chosen = data.articles.keys() if articles is None else set(articles) & data.articles.keys()
    places = {r.place.id: r.place for r in data.places}
    if chosen:
        (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    for article_id in sorted(chosen):
        html = render_article(data.articles[article_id], places, map_title=config.map.title)
        written.append(_write(out_dir / "articles" / f"{page_name(article_id)}.html", html))

    labels = {r.name: r.label or r.name for layer in layers for r in layer.regions}
    records = [r for r in data.places
               if articles is None or any(m.article_id in chosen for m in r.mentions)]
    if records:
        (out_dir / PLACES_DIR).mkdir(parents=True, exist_ok=True)
    for record in records:
        html = render_place(record, data.articles, map_title=config.map.title,
                            region_labels=labels)
        written.append(_write(out_dir / PLACES_DIR / f"{place_page_name(record.place.id)}.html",
                              html))

    written.append(_write(out_dir / "places.geojson", places_geojson(data)))
    written.append(_write(out_dir / "regions.csv", regions_csv(region_counts(data, layers))))
    return written
