"""The third-party internals geomap relies on (``geomap._thirdparty``), checked against the installed
packages: an upgrade that renames or reshapes one fails here, by name, not deep in map rendering."""
from __future__ import annotations

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen
from folium.template import Template

from geomap._thirdparty import element_children, offline_asset_table


def test_folium_offline_has_a_copy_of_every_file_folium_links():
    table = offline_asset_table()
    assert isinstance(table, dict) and table
    assert all(isinstance(url, str) and isinstance(text, str) and text for url, text in table.items())
    fmap = folium.Map()
    plugin = Fullscreen()
    fmap.add_child(plugin)
    urls = [url for element in (fmap, plugin) for _name, url in [*element.default_js, *element.default_css]]
    assert urls and [url for url in urls if url not in table] == []
    assert "Leaflet" in table[next(url for url in urls if url.endswith("leaflet.js"))]


def test_element_children_lists_what_was_added_in_order():
    fmap = folium.Map()
    first, second = folium.Marker([50.45, 30.52]), folium.Marker([46.64, 32.62])
    fmap.add_child(first)
    fmap.add_child(second)
    children = element_children(fmap)
    assert [c for c in children if isinstance(c, folium.Marker)] == [first, second]
    assert all(isinstance(c, Element) for c in children)
    assert element_children(first) == []


def test_the_plugin_protocol_our_place_layer_uses():
    """``render.map``'s PlaceLayer: a JSCSSMixin + MacroElement with ``_template``, a ``_name``
    that prefixes ``get_name()``, a template reaching the map via ``this._parent``, and
    ``default_js``/``default_css`` lists that can be emptied."""

    class Probe(JSCSSMixin, MacroElement):
        _template = Template("{% macro script(this, kwargs) %}var probe_parent = "
                             "{{ this._parent.get_name() }};{% endmacro %}")

        def __init__(self):
            super().__init__()
            self._name = "GeomapProbe"
            self.default_js, self.default_css = [], []

    fmap = folium.Map()
    probe = Probe()
    fmap.add_child(probe)
    assert probe._parent is fmap
    assert probe.get_name().startswith("geomap_probe_")
    assert f"var probe_parent = {fmap.get_name()};" in fmap.get_root().render()
