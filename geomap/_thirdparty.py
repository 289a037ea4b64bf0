"""The private parts of other packages that geomap relies on, in one place.

Each function here reaches into a package's internals (names with a leading underscore, which the
package may change in any release); ``tests/test_thirdparty.py`` checks every one against the
installed versions, so an upgrade that changes them fails there, loudly and by name, rather than
somewhere in map rendering.

Also relied on, as the documented way to write a folium plugin rather than an internal: a
``MacroElement`` subclass sets the class attribute ``_template``, may set ``_name`` (the prefix
of ``get_name()``), and its template reaches the map through ``this._parent``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["element_children", "offline_asset_table"]


def offline_asset_table() -> dict[str, str]:
    """folium-offline's table of the web library files folium links: CDN URL → the file's text
    (``offlinefolium.elements._res``). ImportError when folium-offline is not installed."""
    from offlinefolium.elements import _res

    return _res


def element_children(element: Any) -> list[Any]:
    """The child elements of a branca/folium element, in page order (``Element._children``)."""
    return list(element._children.values())
