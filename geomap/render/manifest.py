"""Which files in the output folder are geomap's: a manifest of its own outputs.

A refresh replaces and removes files in ``map.output``; it must never touch a file the user put
there. So it keeps ``.geomap-outputs.json`` in the output folder, the relative paths of every file
it wrote (written atomically: temp file, fsync, ``os.replace``), and:

* removes only files listed there (a page of a forgotten article), never anything else;
* refuses (``ConfigError`` on ``map.output``) an output folder holding files it did not write,
  unless told otherwise (``map.allow_other_files: true`` or ``--allow-other-files``): then it
  writes beside them and leaves them alone;
* never writes or deletes through a symlink: a symlinked folder on the way to an output (say
  ``output/articles`` linked to the inbox) is refused whatever the setting, and a listed file
  that became a symlink is left alone;
* adopts, in an output folder from before the manifest, only files that are recognisably its own
  (``map.html`` with geomap's data block, ``places.geojson``, ``regions.csv`` with geomap's header,
  pages under ``articles/`` and ``places/`` with geomap's CSP linking back to ``map.html``, files in
  ``assets/`` that such a ``map.html`` links to, ``passages/<n>.js`` chunks calling
  ``geomapPassages(<n>,`` beside such a ``map.html``).

Hidden entries (``.gitkeep``, ``.DS_Store``, the manifest, the render's temp folders) and the
store's files (``geomap.sqlite`` and its ``-wal``/``-shm``/``-journal``/``.lock``, or the
configured store when it lies in the output folder) are neither owned nor foreign.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Iterable

from geomap.errors import ConfigError

MANIFEST = ".geomap-outputs.json"
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")
_SHOWN = 5          # foreign files named in the error


class OutputFolder:
    """The output folder of one render: what geomap owns there, and safe ways to change it."""

    def __init__(self, out_dir: Path, *, allow_other: bool = False, store: Path | None = None,
                 config_file: Path | None = None):
        self.out_dir = Path(out_dir)
        self.allow_other = allow_other
        self.config_file = config_file
        self.ignored = {f"geomap.sqlite{s}" for s in STORE_SUFFIXES}
        if store is not None:
            try:
                rel = Path(os.path.abspath(store)).relative_to(os.path.abspath(self.out_dir))
                self.ignored |= {rel.as_posix() + s for s in STORE_SUFFIXES}
            except ValueError:
                pass
        self.owned: set[str] = set()
        self.foreign: set[str] = set()      # files found that geomap did not write

    # --- reading the folder -------------------------------------------------------------------

    def check(self) -> None:
        """Load the manifest (or adopt geomap's recognisable files) and refuse foreign files.

        Raises ``ConfigError`` (key ``map.output``) for files geomap did not write (unless
        allowed) and for any symlinked folder where geomap writes its outputs.
        """
        listed = self._load()
        adopted: set[str] = set()
        foreign: list[str] = []
        links: list[str] = []
        for rel, kind in self._entries():
            if rel in self.ignored:
                continue
            if kind == "link":
                if rel.split("/", 1)[0] in _WRITTEN_FOLDERS or rel in _TOP_FILES:
                    links.append(rel)
                else:
                    foreign.append(rel)
            elif listed is not None and rel in listed:
                self.owned.add(rel)
            elif listed is None and _recognisable(self.out_dir, rel):
                adopted.add(rel)
            else:
                foreign.append(rel)
        if links:
            raise ConfigError(f"{self.out_dir}: {_names(links)} is a symlink; geomap never writes or "
                              "deletes through one (make it a plain folder, or point map.output "
                              "elsewhere)", file=self._file(), key="map.output")
        if foreign and not self.allow_other:
            raise ConfigError(
                f"{self.out_dir} holds {len(foreign)} file(s) geomap did not write ({_names(foreign)}); "
                "point map.output at a folder of its own, or set map.allow_other_files: true (or "
                "pass --allow-other-files) to write beside them (they are never deleted)",
                file=self._file(), key="map.output")
        self.foreign = set(foreign)
        if adopted:
            self.owned |= adopted
            self.save(self.owned)

    def claim(self, rels: Iterable[str]) -> None:
        """Refuse to write over a file geomap did not write (one allowed to stay beside the
        outputs that happens to have an output's name)."""
        clash = sorted(set(rels) & self.foreign)
        if clash:
            raise ConfigError(f"{self.out_dir}: {_names(clash)} would be overwritten by geomap's "
                              "output of that name, but geomap did not write it; move it away, or "
                              "point map.output at a folder of its own", file=self._file(),
                              key="map.output")

    def _file(self) -> str | None:
        return str(self.config_file) if self.config_file else None

    def _load(self) -> set[str] | None:
        """The listed paths; None when there is no (readable) manifest."""
        try:
            data = json.loads((self.out_dir / MANIFEST).read_text(encoding="utf-8"))
            files = data["files"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                return None
            return set(files)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _entries(self) -> Iterable[tuple[str, str]]:
        """``(relative posix path, "file" | "link")`` of every non-hidden entry under the folder,
        not following symlinks (a symlinked folder is one ``link`` entry). ``scandir`` gives
        each entry's type without a ``stat`` per file: cheap for tens of thousands of pages."""
        if not self.out_dir.is_dir():
            return
        pending = [("", str(self.out_dir))]
        while pending:
            prefix, folder = pending.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    rel = prefix + entry.name
                    if entry.is_symlink():
                        yield rel, "link"
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append((rel + "/", entry.path))
                    else:
                        yield rel, "file"

    # --- changing it --------------------------------------------------------------------------

    def save(self, files: Iterable[str]) -> None:
        """Write the manifest atomically (temp file, fsync, rename)."""
        self.owned = set(files)
        path = self.out_dir / MANIFEST
        tmp = path.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
        text = json.dumps({"geomap_outputs": 1, "files": sorted(self.owned)}, ensure_ascii=False,
                          indent=0)
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def place(self, source: Path, rel: Path) -> None:
        """Move ``source`` to ``out_dir/rel`` with ``os.replace``, making real folders on the way
        and refusing to go through a symlink."""
        folder = self.out_dir
        for part in rel.parts[:-1]:
            folder = folder / part
            try:
                mode = os.lstat(folder).st_mode
            except FileNotFoundError:
                folder.mkdir()
                continue
            if not stat.S_ISDIR(mode):
                raise ConfigError(f"{folder} is not a plain folder; geomap never writes through a "
                                  "symlink", file=self._file(), key="map.output")
        os.replace(source, self.out_dir / rel)

    def remove(self, rels: Iterable[str]) -> None:
        """Delete these listed files: only regular files, reached without any symlink."""
        for rel in rels:
            if rel not in self.owned:
                continue
            path = self.out_dir / rel
            if not _plain_path(self.out_dir, Path(rel)):
                continue
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    path.unlink()
            except FileNotFoundError:
                pass


_WRITTEN_FOLDERS = ("articles", "places", "assets", "passages")
_TOP_FILES = ("map.html", "places.geojson", "regions.csv", "unplaced.csv", "mentions.csv",
              "mentions.jsonl")


def _plain_path(root: Path, rel: Path) -> bool:
    """True if every folder from ``root`` down to ``rel``'s parent is a real folder."""
    folder = root
    for part in rel.parts[:-1]:
        folder = folder / part
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
        except OSError:
            return False
    return True


def _names(rels: list[str]) -> str:
    shown = ", ".join(rels[:_SHOWN])
    return shown + (f" and {len(rels) - _SHOWN} more" if len(rels) > _SHOWN else "")


def _head(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""


def _recognisable(out_dir: Path, rel: str) -> bool:
    """True for a file that an earlier geomap (before the manifest) evidently wrote."""
    path = out_dir / rel
    parts = rel.split("/")
    if rel == "map.html":
        return _MAP_MARK in _head(path, 64 << 20)
    if rel == "places.geojson":
        return b'"FeatureCollection"' in _head(path, 256)
    if rel == "regions.csv":
        return _head(path, 64).startswith(b"region,label,layer,places,mentions,articles")
    if rel == "unplaced.csv":
        return _head(path, 64).startswith(b"name,mentions,articles,first_article,first_passage")
    if rel == "mentions.csv":
        return _head(path, 64).startswith(b"article_id,title,date,source,text,start,end,place_id")
    if rel == "mentions.jsonl":         # empty when no article mentions a place
        head = _head(path, 64)
        return head == b"" or head.startswith(b'{"article_id":')
    if len(parts) == 2 and parts[0] in ("articles", "places") and parts[1].endswith(".html"):
        head = _head(path, 1 << 20)
        return _PAGE_MARK in head and b"map.html" in head
    if len(parts) == 2 and parts[0] == "passages" and parts[1].endswith(".js"):
        number = parts[1][:-3]          # a chunk of the map's pop-up passages, or their index
        call = "geomapPassageIndex(" if number == "index" else f"geomapPassages({number},"
        return ((number.isdigit() or number == "index") and _head(path, 32).startswith(call.encode())
                and _MAP_MARK in _head(out_dir / "map.html", 64 << 20))
    if len(parts) == 2 and parts[0] == "assets":       # only the files geomap's map links to
        head = _head(out_dir / "map.html", 64 << 20)
        return _MAP_MARK in head and f'"assets/{parts[1]}"'.encode() in head
    return False


_MAP_MARK = b'id="geomap-data"'         # the map's embedded data (render/map.py)
_PAGE_MARK = b"default-src 'none'; style-src 'unsafe-inline'"     # the pages' CSP (_page.html)


__all__ = ["OutputFolder", "MANIFEST"]
