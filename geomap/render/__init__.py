"""The outputs: ``map.html``, ``articles/<id>.html`` and ``places.geojson``.

``render_outputs`` writes only inside ``out_dir`` (the pipeline's temporary folder, moved into
place afterwards), so a failed render never leaves a half-written map where the old one was.
"""
from __future__ import annotations

from pathlib import Path

from geomap.config import Config
from geomap.render.data import ArticleRecord, MapData, MentionRecord, PlaceRecord

__all__ = ["render_outputs", "MapData", "PlaceRecord", "MentionRecord", "ArticleRecord"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def render_outputs(data: MapData, out_dir: Path, config: Config, layers: list) -> list[Path]:
    """Write every output file into ``out_dir`` and return their paths (map first).

    ``layers`` are ``geomap.regions.Layer`` values (drawn as toggleable overlays).
    """
    from geomap.render.article_page import page_name, render_article
    from geomap.render.geojson import places_geojson
    from geomap.render.map import render_map

    out_dir = Path(out_dir)
    pages = out_dir / "articles"
    pages.mkdir(parents=True, exist_ok=True)
    written = [_write(out_dir / "map.html", render_map(data, config, layers))]
    places = {r.place.id: r.place for r in data.places}
    for article in data.articles.values():
        html = render_article(article, places, map_title=config.map.title)
        written.append(_write(pages / f"{page_name(article.id)}.html", html))
    written.append(_write(out_dir / "places.geojson", places_geojson(data)))
    return written
