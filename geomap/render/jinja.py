"""The pages' Jinja environment and stylesheet, shared by article and place pages."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def environment():
    """The Jinja environment (autoescaping on), built on first use, not at import."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("geomap.render", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def page_css() -> str:
    from importlib.resources import files

    return files("geomap.render").joinpath("static/article.css").read_text(encoding="utf-8")
