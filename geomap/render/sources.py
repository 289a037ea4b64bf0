"""How an article's source is shown in pages and exports: never an absolute local path.

A refresh stores each file article's path as it read it (absolute); pages and exports show it
relative to the project root (``articles/2024-02-12-kyiv.md``), as the configuration names it.
A file outside the project shows its file name only; a ``file://`` feed the same way; web
addresses (feed entries, saved pages' canonical URLs) as they are.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit


def display_source(source: str, root: Path | str | None = None) -> str:
    """``source`` as a reader of the output should see it (see the module doc)."""
    if "://" in source:
        parts = urlsplit(source)
        if parts.scheme.lower() != "file":
            return source
        path = unquote(parts.path)
    else:
        path = source
    if not os.path.isabs(path):
        return path.replace(os.sep, "/")
    if root is not None:
        absolute, base = os.path.abspath(path), os.path.abspath(root)
        if absolute.startswith(base.rstrip(os.sep) + os.sep):
            return absolute[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/")
    return os.path.basename(path)


__all__ = ["display_source"]
