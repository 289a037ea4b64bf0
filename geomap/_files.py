"""One home for three file rules that several modules need: where geomap's cache folder is, how a
file is replaced atomically, and which version of a package is installed.

- ``cache_dir()``: ``<user cache dir>/geomap`` (platformdirs, ``appauthor=False``: no vendor folder
  on Windows). The gazetteer index, built region layers and the map's world outlines live there.
- ``replacing(path)``: a temporary file beside ``path`` that replaces it (``os.replace``) when the
  ``with`` block ends normally, and is removed when it raises: readers see the old file or the new
  one, never half of one, and a failed write leaves no litter.
- ``package_version(name)``: the installed version of a distribution, ``"missing"`` when it is not
  installed; for cache keys and fingerprints.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from importlib import util
from pathlib import Path
from typing import Iterator

__all__ = ["cache_dir", "package_version", "replacing", "write_text_atomic"]


def cache_dir() -> Path:
    """``<user cache dir>/geomap`` (platformdirs)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("geomap", appauthor=False))


@contextmanager
def replacing(path: Path, *, prefix: str | None = None, suffix: str = ".tmp",
              mode: int | None = None) -> Iterator[Path]:
    """Yield a new empty temporary file in ``path``'s folder (named ``prefix…suffix``, default prefix
    ``.<name>.``); on a normal exit it gets permission bits ``mode`` (when given: ``mkstemp`` makes
    it 0600) and replaces ``path``; on an exception it is removed and the exception propagates."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=prefix if prefix is not None else f".{path.name}.", suffix=suffix,
                                dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, *, prefix: str | None = None, suffix: str = ".tmp") -> None:
    """Write ``text`` (UTF-8) to ``path`` through ``replacing``, making its folder first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, prefix=prefix, suffix=suffix) as tmp:
        tmp.write_text(text, encoding="utf-8")


def package_version(name: str) -> str:
    """The installed version of the distribution ``name`` (``"missing"`` when not installed).

    An importable name is looked up in the ``<name>-<version>.dist-info`` beside the package (a few
    ms; ``importlib.metadata`` costs ~50 ms on first use, paid only when that finds nothing).
    """
    try:
        spec = util.find_spec(name) if name.isidentifier() else None
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin is not None:
        site = Path(spec.origin).parent.parent
        infos = sorted(p.name for p in site.glob(f"{name}-*.dist-info"))
        if infos:
            return infos[-1][len(name) + 1: -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"
