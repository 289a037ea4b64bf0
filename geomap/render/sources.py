"""How an article's source is shown in pages and exports: never an absolute local path.

A refresh stores each file article's path as it read it (absolute); pages and exports show it
relative to the project root (``articles/2024-02-12-kyiv.md``), as the configuration names it.
A file outside the project shows its file name only; a ``file://`` feed the same way; web
addresses (feed entries, saved pages' canonical URLs) as they are.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
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
        return PurePosixPath(Path(path).as_posix()).as_posix()
    if root is not None:
        absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
        if absolute.is_relative_to(base):
            return absolute.relative_to(base).as_posix()
    return Path(path).name


__all__ = ["display_source"]
