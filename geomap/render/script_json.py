"""JSON made safe inside an HTML ``<script>`` element: the map's payload and its passage chunks."""
from __future__ import annotations

import json
from typing import Any


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (and as a JS literal)."""
    return script_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def script_text(json_text: str) -> str:
    """Already-serialised JSON made safe inside a ``<script>`` element, like ``script_json``:
    for JSON read from a cache file, which is not trusted to be what we wrote."""
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
