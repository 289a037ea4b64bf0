"""``map.html``: a folium map whose place markers and pop-ups are built in the browser.

Scale decides the shape. Tens of thousands of folium ``Marker``/``Popup`` objects would each emit
their own JS and pre-rendered HTML; instead every place goes into ONE compact JSON payload embedded
once (``<script type="application/json">`` elements: a head and, for a big map, parts the browser
parses a slice at a time, ``payload_parts.py``), and ``static/geomap.js`` makes the markers (clustered)
and builds a pop-up with DOM calls only when it is opened. Quoted passages are trimmed here to a
window around the mention, so the page stays small. The same script makes the controls (search,
filters by kind, region and article date, legend, region table) and, without tiles, draws the
offline country outlines (``world.py``). Leaflet itself comes from the CDN or, for
``map.assets: local | inline``, from folium-offline (``assets.py``).

Security: everything in the payload is untrusted text. It is serialised as JSON with ``<``, ``>``,
``&``, U+2028 and U+2029 escaped (``</script>`` cannot close the tag) and the JS only ever puts it
into ``textContent``; links are built from our own page names, never from data URLs.
branca compiles the output of every folium template as a Jinja template once more, so text that
holds data never goes through a folium macro (``Raw``), and the few untrusted strings folium must
carry (layer labels, styles, attribution) have their braces made inert (``_inert``).
"""
from __future__ import annotations

import dataclasses

import html
import math
import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from geomap._thirdparty import element_children
from geomap.config import Config, MapConfig
from geomap.errors import ConfigError
from geomap.render.assets import Asset, inline_tag, link_tag, offline_assets
from geomap.render.data import MapData
from geomap.render.script_json import script_json, script_text  # noqa: F401  (public API of map)
from geomap.render.quotes import QUOTE_WIDTH, article_ranks, quote_bounds  # noqa: F401  (public API of map)
from geomap.credits import map_credits
from geomap.render.passages import Chunk, embedded
from geomap.render.payload import Payload
from geomap.render.payload_files import DataFile, data_files, data_html
from geomap.render.payload_parts import data_elements, split_parts, split_payload
from geomap.render.region_counts import RegionCount, region_counts, region_labels
from geomap.render.csp import content_security_policy  # noqa: F401  (public API of map)

ATTRIBUTION = ('Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0) · '
                'Regions: <a href="https://www.naturalearthdata.com/">Natural Earth</a>')
_CREDITED = ("geonames", "natural earth")   # already in ATTRIBUTION


def _inert(label: str) -> str:
    """HTML-escaped text with ``{``/``}`` as entities: safe where folium re-reads it as Jinja."""
    return html.escape(label).replace("{", "&#123;").replace("}", "&#125;")


_STYLE_VALUE = re.compile(r"[#\w .,()%-]{0,64}")


def _plain(value: Any) -> bool:
    """A number or a short token (colour, dash pattern): nothing that could carry markup."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str)
                                               and bool(_STYLE_VALUE.fullmatch(value)))


def leaflet_style(style: Mapping[str, Any]) -> dict[str, Any]:
    """Leaflet path options for a region layer's style (``regions.STYLE_KEYS`` vocabulary).

    ``color`` outline, ``fill`` fill colour (None: not filled), ``opacity`` of the fill,
    ``weight`` outline width, ``dash`` pattern like ``"6 4"``. Values that are not plain colour,
    number or dash tokens are dropped.
    """
    out: dict[str, Any] = {}
    if _plain(style.get("color")):
        out["color"] = style["color"]
    if "fill" in style and style["fill"] is None:
        out["fill"] = False
    elif _plain(style.get("fill")):
        out.update(fill=True, fillColor=style["fill"])
    if _plain(style.get("opacity")):
        out["fillOpacity"] = style["opacity"]
    if _plain(style.get("weight")):
        out["weight"] = style["weight"]
    if _plain(style.get("dash")):
        out["dashArray"] = style["dash"]
    return out


CHOROPLETH = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")   # ColorBrewer YlOrRd


def _choropleth(layer) -> bool:
    return bool((layer.style or {}).get("choropleth"))


def shade(mentions: int, most: int) -> str | None:
    """The choropleth fill for a region's mention count (log scale); None: no mentions."""
    if mentions <= 0 or most <= 0:
        return None
    step = math.log1p(mentions) / math.log1p(most)
    return CHOROPLETH[min(len(CHOROPLETH) - 1, int(step * len(CHOROPLETH)))]


def choropleth_shades(layers: Iterable, counts: list[RegionCount]) -> list[list[str]]:
    """The fills of the choropleth layers' regions for these counts (what the page's region
    layers draw besides their tooltips)."""
    by_name = {c.region: c for c in counts}
    out = []
    for layer in layers:
        if _choropleth(layer):
            most = max((by_name[r.name].mentions for r in layer.regions if r.name in by_name),
                       default=0)
            out.append([shade(by_name[r.name].mentions if r.name in by_name else 0, most) or ""
                        for r in layer.regions])
    return out


def _legend_entry(layer, counts: Mapping[str, RegionCount]) -> list[Any]:
    """``[label, outline, fill or "", fill opacity, choropleth colours, most mentions]``."""
    style = leaflet_style(layer.style or {})
    fill = style.get("fillColor", "") if style.get("fill", True) else ""
    entry = [layer.label or layer.name, style.get("color", "#3388ff"), fill,
             style.get("fillOpacity", 0.2)]
    if _choropleth(layer):
        entry += [list(CHOROPLETH), max((counts[r.name].mentions for r in layer.regions
                                         if r.name in counts), default=0)]
    return entry


def _credits(layers: Iterable) -> list[str]:
    """The layers' data credits not already in the base attribution, HTML-escaped, once each."""
    seen: list[str] = []
    for layer in layers:
        for credit in getattr(layer, "attribution", ()):
            if credit not in seen and not any(c in credit.lower() for c in _CREDITED):
                seen.append(credit)
    return [html.escape(c) for c in seen]


def no_tiles(settings: MapConfig) -> bool:
    """``map.tiles: none``: no tile server at all, the offline outlines are the base map."""
    return settings.tiles.strip().lower() == "none"


def _tile_layer(settings: MapConfig):
    """folium's TileLayer for ``map.tiles``: an xyzservices name, or a URL needing attribution."""
    import folium

    tiles = settings.tiles
    if any(mark in tiles for mark in ("{{", "{%", "{#", "<", '"')):
        raise ConfigError(f"not a tile URL template or provider name: {tiles!r}", key="map.tiles")
    attr = _inert(settings.attribution) if settings.attribution else None
    if "{" in tiles or "://" in tiles:
        if not attr:
            raise ConfigError("a tile URL needs map.attribution", key="map.attribution")
        return folium.TileLayer(tiles, attr=attr, name="Base map", control=False)
    try:
        return folium.TileLayer(tiles, attr=attr, name="Base map", control=False)
    except ValueError as exc:
        raise ConfigError(f"unknown tile provider {tiles!r}: {exc}", key="map.tiles") from exc


def region_label_text(region, count: RegionCount | None) -> str:
    """A region's tooltip on the map: its label and, when counted, its counts (not escaped)."""
    label = region.label or region.name
    if count is not None:
        label += f" \u2014 {count.places} places, {count.mentions} mentions, {count.articles} articles"
    return label


def _region_layer(layer, counts: Mapping[str, RegionCount], tokens: list[str] | None = None
                  ) -> Any:
    """One ``folium.GeoJson`` per configured layer; labels escaped (Leaflet shows them as HTML).

    The tooltip gives each region's counts; a ``choropleth`` layer is filled by mention count.
    ``tokens``: per region (in order), a placeholder put instead of its tooltip (``page_template``).
    """
    import folium
    from shapely.geometry import mapping

    style = leaflet_style(layer.style or {})
    most = max((counts[r.name].mentions for r in layer.regions if r.name in counts), default=0)
    features = []
    for i, r in enumerate(layer.regions):
        c = counts.get(r.name)
        props = {"label": tokens[i] if tokens is not None
                 else _inert(region_label_text(r, c))}
        if _choropleth(layer):
            props["shade"] = shade(c.mentions if c else 0, most) or ""
        features.append({"type": "Feature", "geometry": mapping(r.geometry), "properties": props})

    def style_function(feature, style=style, choropleth=_choropleth(layer)):
        out = dict(style)
        if choropleth:
            shade_ = feature["properties"]["shade"]
            out.update(fill=True, fillColor=shade_ or "#ffffff",
                       fillOpacity=0.7 if shade_ else 0.05)
        return out

    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_inert(layer.label or layer.name), show=bool(layer.show),
        style_function=style_function,
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=True, overlay=True,
    )


@lru_cache(maxsize=8)
def _static(name: str) -> str:
    from importlib.resources import files

    return files("geomap.render").joinpath("static", name).read_text(encoding="utf-8")


def map_bounds(data: MapData) -> list[list[float]] | None:
    if not data.places:
        return None
    lats = [r.place.lat for r in data.places]
    lons = [r.place.lon for r in data.places]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


@lru_cache(maxsize=1)
def _raw_class():
    from branca.element import Element

    class Raw(Element):
        """Text put into the page as it is: never compiled as a Jinja template (it holds data)."""

        def __init__(self, text: str):
            super().__init__()
            self.text = text

        def render(self, **kwargs) -> str:
            return self.text

    return Raw


@lru_cache(maxsize=1)
def _place_layer_class():
    """Our folium element, defined on first use so that importing geomap loads no folium."""
    from branca.element import MacroElement
    from folium.elements import JSCSSMixin
    from folium.template import Template

    Raw = _raw_class()

    class PlaceLayer(JSCSSMixin, MacroElement):
        """Markers, pop-ups, controls and ``#place=`` handling (geomap.js), fed by one JSON."""

        _template = Template("""
            {% macro script(this, kwargs) %}{{ this.js }}
            geomapStart({{ this._parent.get_name() }}, {{ this.control }},
                {{ this.tiles }}, [{{ this.region_layers }}]);
            {% endmacro %}""")

        def __init__(self, payload_texts: list[str] | str, world_json: str, title: str, control,
                     tiles, cluster: bool, region_layers: list, csp: str):
            super().__init__()
            self.region_layers = ", ".join(layer.get_name() for layer in region_layers)
            self.csp = csp
            self._name = "GeomapPlaces"
            self.payload_texts, self.world_json, self.title = payload_texts, world_json, title
            self.js = "\n".join(_static(name) for name in
                                ("geomap-start.js", "geomap-views.js", "geomap.js"))
            self.control = control.get_name()
            self.tiles = tiles.get_name() if tiles is not None else "null"
            # geomap.js clusters by itself (a grid over the view): no markercluster plugin
            self.default_js, self.default_css = [], []

        def render(self, **kwargs):
            figure = self.get_root()
            figure.header.add_child(Raw('<meta http-equiv="Content-Security-Policy" content="'
                                        f'{html.escape(self.csp)}">\n'
                                        '<meta name="referrer" content="no-referrer">'),
                                    name=self.get_name() + "_csp", index=0)
            figure.header.add_child(Raw(f"<script>{_FAILED_CHECK}</script>"),
                                    name=self.get_name() + "_check")
            figure.html.add_child(Raw(_FAILED_HTML), name=self.get_name() + "_failed")
            figure.header.add_child(Raw(f"<title>{html.escape(self.title)}</title>\n"
                                        f"<style>{_static('geomap.css')}</style>"),
                                    name=self.get_name() + "_head")
            data_html = (self.payload_texts if isinstance(self.payload_texts, str)
                         else data_elements(self.payload_texts))
            figure.html.add_child(Raw(data_html + "\n"
                                      '<script type="application/json" id="geomap-world">'
                                      f"{self.world_json}</script>"),
                                  name=self.get_name() + "_data")
            super().render(**kwargs)

    return PlaceLayer


# Shown when the map cannot start (no network for a ``map.assets: cdn`` map, scripts blocked):
# a blank page must say why and what to do. Static text: no data reaches it.
_FAILED_HTML = (
    '<div id="gm-failed" class="gm-failed" hidden><h1>This map could not start</h1>'
    '<p id="gm-failed-why">Its scripts did not run.</p>'
    "<p>A map made with <code>map.assets: cdn</code> loads Leaflet from the internet when it is "
    "opened. For a map that works with no network, set <code>map.assets: inline</code> (the "
    "default) or <code>local</code> in <code>config/geomap.yaml</code> and run "
    "<code>geomap refresh</code> again.</p></div>\n"
    '<noscript><div class="gm-failed"><h1>This map needs JavaScript</h1><p>Allow scripts for '
    "this file to see the map; the article pages work without them.</p></div></noscript>")
_FAILED_CHECK = (
    'window.addEventListener("load", function () {'
    ' if (window.geomap) return;'
    ' var box = document.getElementById("gm-failed"); if (!box) return;'
    ' document.getElementById("gm-failed-why").textContent = typeof L === "undefined"'
    ' ? "Leaflet, the map library, did not load." : "The map\u2019s script failed.";'
    ' box.hidden = false; });')


def _elements(root) -> Iterable[Any]:
    yield root
    for child in element_children(root):
        yield from _elements(child)


def _use_offline_assets(fmap, mode: str) -> list[Asset]:
    """Replace folium's CDN links by the same files, embedded (inline) or in ``assets/`` (local).

    Collects every element's ``default_css``/``default_js`` (in page order, once each), empties
    them, and puts the replacements at the top of the page's head.
    """
    js: dict[str, tuple[str, str]] = {}
    css: dict[str, tuple[str, str]] = {}
    for element in _elements(fmap):
        for links, found in ((getattr(element, "default_js", None), js),
                             (getattr(element, "default_css", None), css)):
            for name, url in links or ():
                found.setdefault(url, (name, url))
        if hasattr(element, "default_js"):
            element.default_js, element.default_css = [], []
    assets = offline_assets(list(js.values()), list(css.values()))
    tag = inline_tag if mode == "inline" else link_tag
    fmap.get_root().header.add_child(_raw_class()("\n".join(tag(a) for a in assets)),
                                     name="geomap_assets")
    return assets if mode == "local" else []


def folium_map(data: MapData, config: Config, layers: list, counts: list[RegionCount] | None = None,
               *, assets: str | None = None, chunks: list[Chunk] | None = None,
               files: list[DataFile] | None = None) -> tuple[Any, list[Asset]]:
    """The map as a ``folium.Map`` (displays in Jupyter) and the asset files it needs beside it.

    ``assets``: ``cdn``, ``local`` or ``inline``, default ``config.map.assets``; only ``local``
    returns files to write. ``counts``: ``region_counts(data, layers)`` when the caller has them.
    ``chunks``: a list to receive the pop-ups' passage chunks, to be written beside the page
    (``passages.write_chunks``), when they are too big to embed (``passages.embedded``); None:
    the passages are embedded in the page (a ``folium.Map`` shown in Jupyter or saved alone has
    no folder beside it). ``files``: a list to receive the payload's parts as data files
    (``payload_files``), when it has parts; None: they stay in the page."""
    settings = config.map
    counts = region_counts(data, layers) if counts is None else counts
    by_name = {c.region: c for c in counts}
    builder = Payload(data, settings, region_labels(layers))
    payload = builder.build([_legend_entry(layer, by_name) for layer in layers], settings.title,
                            counts, layers)
    if chunks is not None and embedded(builder.chunks):
        chunks = None                   # a small map keeps its passages (instant passage search)
    if chunks is None:
        payload["passages"] = {c.number: c.value for c in builder.chunks}
    else:
        chunks += builder.chunks
    payload.update(map_extras(config, layers, [r.place for r in data.places]))
    if files is None:
        return _page(config, layers, counts, split_payload(payload),
                     passage_files=chunks is not None, assets=assets)
    head, made = data_files(*split_parts(payload))
    files += made
    return _page(config, layers, counts, data_html(head, made),
                 passage_files=chunks is not None or bool(made), assets=assets)


def map_extras(config: Config, layers: list, places: list) -> dict[str, Any]:
    """What the page adds to the payload: ``bounds`` (of ``places``), ``tiles``, ``attribution``."""
    credits = _credits(layers) + map_credits(places)
    bounds = None
    if places:
        lats = [p.lat for p in places]
        lons = [p.lon for p in places]
        bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]
    return {"bounds": bounds, "tiles": not no_tiles(config.map),
            "attribution": ATTRIBUTION + "".join(f" · {c}" for c in credits)}


def legend(layers: list, counts: list[RegionCount]) -> list[list[Any]]:
    """The payload's legend: an entry per layer."""
    by_name = {c.region: c for c in counts}
    return [_legend_entry(layer, by_name) for layer in layers]


def _page(config: Config, layers: list, counts: list[RegionCount], payload_texts: list[str] | str,
          *, passage_files: bool, assets: str | None = None,
          tokens: list[list[str]] | None = None) -> tuple[Any, list[Asset]]:
    """The folium map around the payload's texts (or, as a str, the HTML put instead of them)."""
    import folium
    from folium.plugins import Fullscreen

    from geomap.render.world import world_outlines

    settings = config.map
    fmap = folium.Map(location=[30, 20], zoom_start=2, tiles=None, max_zoom=18,
                      control_scale=True, world_copy_jump=True)
    # Only Leaflet itself: folium's default jQuery/Bootstrap/awesome-markers are unused here.
    fmap.default_js = [(k, u) for k, u in fmap.default_js if k == "leaflet"]
    fmap.default_css = [(k, u) for k, u in fmap.default_css if k == "leaflet_css"]
    tiles = None if no_tiles(settings) else _tile_layer(settings)
    if tiles is not None:
        tiles.add_to(fmap)

    by_name = {c.region: c for c in counts}
    region_layers = [_region_layer(layer, by_name, None if tokens is None else tokens[i]).add_to(fmap)
                     for i, layer in enumerate(layers)]
    control = folium.LayerControl(collapsed=True)
    control.add_to(fmap)
    Fullscreen(position="topleft").add_to(fmap)

    place_layer = _place_layer_class()
    cdn_urls = [url for element in _elements(fmap)
                for _name, url in [*(getattr(element, "default_js", None) or ()),
                                   *(getattr(element, "default_css", None) or ())]]
    layer = place_layer(payload_texts, script_text(world_outlines()), settings.title,
                        control, tiles, settings.cluster, region_layers, "")
    layer.add_to(fmap)
    cdn_urls += [url for _name, url in [*layer.default_js, *layer.default_css]]
    mode = assets or settings.assets
    layer.csp = content_security_policy(dataclasses.replace(settings, assets=mode), tiles, cdn_urls,
                                        passage_files=passage_files)
    return fmap, ([] if mode == "cdn" else _use_offline_assets(fmap, mode))


def page_template(config: Config, layers: list, counts: list[RegionCount], *, passage_files: bool,
                  nonce: str) -> tuple[str, list[Asset]]:
    """``map.html`` with placeholders for the payload's elements and the regions' tooltips
    (which carry counts), and its assets: what ``fill_page`` makes a page of, for any payload
    and counts of the same settings and layers (the render cache keeps it: a refresh adding
    articles needs no folium). Choropleth fills still follow ``counts``."""
    tokens = [[f"GMLABEL{nonce}N{i}N{j}X" for j in range(len(layer.regions))]
              for i, layer in enumerate(layers)]
    fmap, assets = _page(config, layers, counts, f"<!--geomap-data-{nonce}-->",
                         passage_files=passage_files, tokens=tokens)
    return fmap.get_root().render(), assets


def _tojson_inner(text: str) -> str:
    """``text`` as Jinja's ``tojson`` writes it inside a JSON string (folium's GeoJson data)."""
    import json

    return (json.dumps(text)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("'", "\\u0027"))


def fill_page(template: str, nonce: str, layers: list, counts: list[RegionCount],
              payload_texts: list[str] | str) -> str:
    """The page of ``page_template`` with these counts' tooltips and this payload (its texts,
    or, as a str, the HTML to put in: ``payload_files.data_html``)."""
    by_name = {c.region: c for c in counts}
    labels = {f"GMLABEL{nonce}N{i}N{j}X": _tojson_inner(_inert(region_label_text(r, by_name.get(r.name))))
              for i, layer in enumerate(layers) for j, r in enumerate(layer.regions)}
    page = re.sub(f"GMLABEL{nonce}N\\d+N\\d+X", lambda m: labels[m.group(0)], template)
    data = payload_texts if isinstance(payload_texts, str) else data_elements(payload_texts)
    return page.replace(f"<!--geomap-data-{nonce}-->", data, 1)


def build_map(data: MapData, config: Config, layers: list,
              counts: list[RegionCount] | None = None, *, files: list[DataFile] | None = None
              ) -> tuple[str, list[Asset], list[Chunk]]:
    """``map.html``'s text, the asset files it needs next to it (``map.assets: local``) and the
    pop-ups' passage chunks (``passages/<n>.js``, loaded on demand); ``files``: a list to
    receive the payload's data files (``payload_files``; None: the parts stay in the page).

    ``counts``: ``region_counts(data, layers)`` when the caller has them already."""
    chunks: list[Chunk] = []
    fmap, assets = folium_map(data, config, layers, counts, chunks=chunks, files=files)
    return fmap.get_root().render(), assets, chunks


def render_map(data: MapData, config: Config, layers: list) -> str:
    """A complete ``map.html`` text on its own: the passages embedded, not in chunk files
    (with ``map.assets: local`` it needs its asset files, see ``build_map``)."""
    fmap, _assets = folium_map(data, config, layers)
    return fmap.get_root().render()
