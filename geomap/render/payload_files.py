"""The payload's parts in data files beside ``map.html`` (issue 13: a refresh rewrites only the
parts whose content changed).

A map written into a folder (the refresh, ``render_outputs``) whose payload has parts
(``payload_parts``: over ``PART_BYTES``) keeps only the payload's *head* in ``map.html``; each
part is a file ``data/<key>-<hash>.js``, a plain script (``file://`` pages may not ``fetch``,
but may load a ``<script src>`` from their own folder; the map's CSP then allows ``'self'``
scripts) that stores the part's JSON text under its name::

    (window.geomapFiles=window.geomapFiles||{})["articles-0123456789abcdef"]='{"articles":[...]}';

The name is the part's key and a hash of its text, so a file's bytes never change under its
name: a refresh writes only the parts it has no file for (the articles, numbered for good, keep
every part but the last; ``map_files`` keeps their names in the render cache), and
``pipeline.outputs`` leaves the others in place and removes those the new ``map.html`` no longer
names, after moving it in (the old page and its files stay whole until then). The head lists
the names in order (``"files"``), ``map.html`` loads them with ``<script defer src>`` elements
(fetched while the page is parsed, run in order once it is; ``geomapStart`` waits for
``DOMContentLoaded`` then: as fast to open as the parts inside the page), and ``geomapStart`` takes each part from ``window.geomapFiles`` where it
took it from ``#geomap-data-<i>`` (a missing file stops the map with the failure box);
``payload_parts.read_payload(html, folder)`` reads them back.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, NamedTuple

from geomap.render.payload_parts import data_elements

DATA_DIR = "data"
_NAME = re.compile(r"[a-z]+-[0-9a-f]{16}")
_FOLDER = DATA_DIR + "/"
_PREFIX = "(window.geomapFiles=window.geomapFiles||{})["

__all__ = ["DATA_DIR", "DataFile", "data_files", "data_html", "is_data_file", "js_string",
           "part_name", "part_text"]


class DataFile(NamedTuple):
    """One part's file: its name (``<key>-<hash>``) and its part text (script-safe JSON; None
    when not read: a file of that name is in place)."""

    name: str
    text: str | None

    @property
    def rel(self) -> str:
        """The file's path relative to ``map.html``."""
        return f"{DATA_DIR}/{self.name}.js"

    def script(self) -> str:
        """The file's text: the part's JSON as a JS string (``JSON.parse``d by geomap.js a
        slice at a time, as it parses a part held in the page; a big object literal would be
        compiled in one go, and slower)."""
        return f"{_PREFIX}\"{self.name}\"]='{js_string(self.text)}';\n"


def js_string(text: str) -> str:
    """Script-safe JSON text (``script_json.script_text``: no line terminators, no ``<``) as
    the inside of a single-quoted JS string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def part_text(script: str, name: str) -> str:
    """The part's JSON text held by a data file's text (``DataFile.script``)."""
    start = f"{_PREFIX}\"{name}\"]='"
    if not (script.startswith(start) and script.endswith("';\n")):
        raise ValueError(f"{DATA_DIR}/{name}.js is not a geomap data file")
    return re.sub(r"\\(.)", r"\1", script[len(start):-3], flags=re.S)


def part_name(key: str, text: str) -> str:
    """A part's file name (without ``.js``): its key and a hash of its text."""
    return f"{key}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def data_files(head: str, parts: list[tuple[str, Any]]) -> tuple[str, list[DataFile]]:
    """``payload_parts.split_parts``' result as the head's text naming its files (``"files"``)
    and the files (a part given as a ``DataFile`` stays as it is: its text may be None, its
    file being in place already); a payload without parts stays whole (no files)."""
    if not parts:
        return head, []
    files = [text if isinstance(text, DataFile) else DataFile(part_name(key, text), text)
             for key, text in parts]
    names = json.dumps([f.name for f in files], separators=(",", ":"))
    return f'{head[:-1]},"files":{names}}}', files


def data_html(head: str, files: list[DataFile]) -> str:
    """What ``map.html`` holds of the payload: the head's element, then (if any) the files'
    ``<script src>`` elements, in order."""
    if not files:
        return data_elements([head])
    return "\n".join([data_elements([head]),
                      *(f'<script defer src="{f.rel}"></script>' for f in files)])


def is_data_file(rel: str) -> bool:
    """True for a path (relative to the output folder) that names a payload part's file."""
    if not rel.startswith(_FOLDER):         # (asked of every owned file on each refresh)
        return False
    name = rel[len(_FOLDER):]
    return name.endswith(".js") and bool(_NAME.fullmatch(name[:-3]))
