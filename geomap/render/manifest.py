"""Which files in the output folder are geomap's: a manifest of its own outputs.

A refresh replaces and removes files in ``map.output``; it must never touch a file the user put
there. So it keeps ``.geomap-outputs.json`` in the output folder, the relative paths of every file
it wrote (written atomically: temp file, fsync, ``os.replace``; a magic line, a JSON line, then a
path a line, or an older geomap's JSON ``{"files": [...]}``, which still loads), and:

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

Listing 160k outputs (a 100k project) on every refresh costs more than a +10 changes, so the
manifest also records each folder's *stamp* (``st_mtime_ns``, inode, device) as geomap left it,
taken before listing it and kept across geomap's own renames and deletions (``lstat`` before and
after each; a change by anyone else in between forgets the stamp), plus the foreign entries found.
A folder whose stamp is unchanged is not listed again: a file added, removed or renamed in it by
anyone changes its mtime; a folder replaced (by a symlink, or removed and made again) changes its
parent's mtime and its own inode; a stamped folder's subfolders are ``lstat``-ed every time, so a
symlink in their place is always refused. The root is listed every time (the manifest's rename
changes it). A manifest without stamps (an older geomap's) lists every folder. The residual case:
a file added within the same tick of the file system's clock as geomap's last change to that
folder (or between geomap's ``lstat`` and its own change: microseconds) leaves the mtime as
recorded, so it is not reported until that folder changes again. It is harmless: removal only
ever touches listed files, and ``place`` refuses to replace an existing file that was not
geomap's when checked.

Hidden entries (``.gitkeep``, ``.DS_Store``, the manifest, the render's temp folders) and the
store's files (``geomap.sqlite`` and its ``-wal``/``-shm``/``-journal``/``.lock``/``.listing``
(``pipeline.listing``), or the
configured store when it lies in the output folder) are neither owned nor foreign.
"""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Iterable

from geomap.errors import ConfigError

MANIFEST = ".geomap-outputs.json"
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock", ".listing", ".listing.tmp")
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
        self._stamps: dict[str, Stamp | None] = {}     # folder -> stamp of its known entries
        self._checked: set[str] | None = None           # owned when checked (None: not checked)
        self._saved: tuple | None = None                # what the manifest on disk says

    # --- reading the folder -------------------------------------------------------------------

    def check(self) -> None:
        """Load the manifest (or adopt geomap's recognisable files) and refuse foreign files.

        Raises ``ConfigError`` (key ``map.output``) for files geomap did not write (unless
        allowed) and for any symlinked folder where geomap writes its outputs. A folder whose
        stamp (mtime, inode, device) is the one the manifest recorded is not listed again: its
        entries are the listed files and recorded foreign ones in it (see ``_entries``).
        """
        listed, stamps, known_foreign, body = self._load()
        adopted: set[str] = set()
        found_elsewhere: set[str] = set()     # listed files found in the folders listed
        foreign: list[str] = []
        links: list[str] = []
        skipped: set[str] = set()
        for rel, kind in self._entries(stamps if listed is not None else {}, known_foreign,
                                       skipped):
            if rel in self.ignored:
                continue
            if kind == "link":
                if rel.split("/", 1)[0] in _WRITTEN_FOLDERS or rel in _TOP_FILES:
                    links.append(rel)
                else:
                    foreign.append(rel)
            elif kind == "file" and listed is not None and rel in listed:
                found_elsewhere.add(rel)
            elif kind == "file" and listed is None and _recognisable(self.out_dir, rel):
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
        if listed is not None:
            if skipped:     # listed files in an unchanged folder are there; elsewhere if found
                found = set(listed)
                found.difference_update(r for r in _outside(skipped, listed, body)
                                        if r not in found_elsewhere)
            else:
                found = found_elsewhere
            self.owned = found
            self._saved = (listed, stamps, known_foreign)
        if adopted:
            self.owned = self.owned | adopted
            self.save(self.owned)
        self._checked = self.owned      # replaced, never changed in place, by ``save``

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

    def _load(self) -> tuple[set[str] | None, dict, set[str], str | None]:
        """``(listed paths, folder stamps, foreign entries, the paths' text)``: listed None when
        there is no (readable) manifest; stamps empty for a manifest without them (every folder
        is listed); the text (a path a line) None unless the manifest holds it so."""
        try:
            text = (self.out_dir / MANIFEST).read_bytes().decode("utf-8", "surrogateescape")
        except OSError:
            return None, {}, set(), None
        try:
            if text.startswith(_MAGIC):
                return _parse_v2(text)
            files = json.loads(text)["files"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                return None, {}, set(), None
            return set(files), {}, set(), None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None, {}, set(), None

    def _entries(self, stamps: dict, known_foreign: set[str],
                 skipped: set[str]) -> Iterable[tuple[str, str]]:
        """``(relative posix path, "file" | "link" | "foreign")`` of the non-hidden entries under
        the folder, not following symlinks (a symlinked folder is one ``link`` entry).

        A folder is listed with ``scandir`` (entry types without a ``stat`` per file) unless its
        stamp is the one recorded in ``stamps``: a file added, removed or renamed in a folder by
        anyone changes its mtime, a folder replaced changes its inode. Such a folder is added to
        ``skipped`` and yields only its recorded foreign entries (its listed files are the
        caller's); its recorded subfolders are each ``lstat``-ed (a symlink is still seen) and
        visited. The stamp is taken before the listing: a change during it is seen next time.
        Every folder visited gets its stamp in ``self._stamps``."""
        self._stamps = {}
        if not self.out_dir.is_dir():
            return
        children: dict[str, list[str]] = {}
        for rel in stamps:
            if rel:
                children.setdefault(rel.rpartition("/")[0], []).append(rel)
        foreign_in: dict[str, list[str]] = {}
        for rel in known_foreign:
            foreign_in.setdefault(rel.rpartition("/")[0], []).append(rel)
        pending = [""]
        while pending:
            rel = pending.pop()
            path = os.path.join(self.out_dir, rel) if rel else str(self.out_dir)
            try:
                st = os.stat(path) if not rel else os.lstat(path)
            except OSError:
                continue
            stamp = _stamp(st)
            # The root is listed every time (a few entries): the manifest's own rename and the
            # render's temp folder change it on every render.
            self._stamps[rel] = stamp if rel else None
            if stamps.get(rel) == stamp:
                skipped.add(rel)
                for other in foreign_in.get(rel, ()):
                    yield other, "foreign"
                for sub in children.get(rel, ()):
                    try:
                        mode = os.lstat(os.path.join(self.out_dir, sub)).st_mode
                    except OSError:
                        continue
                    if stat.S_ISLNK(mode):
                        yield sub, "link"
                    elif stat.S_ISDIR(mode):
                        pending.append(sub)
                    else:
                        yield sub, "file"
                continue
            prefix = rel + "/" if rel else ""
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    sub = prefix + entry.name
                    if entry.is_symlink():
                        yield sub, "link"
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append(sub)
                    else:
                        yield sub, "file"

    # --- changing it --------------------------------------------------------------------------

    def save(self, files: Iterable[str]) -> None:
        """Write the manifest atomically (temp file, fsync, rename): the files, the stamps of
        the folders whose entries are known and the foreign entries found. Nothing is written
        when it would say what the manifest on disk says."""
        self.owned = set(files)
        stamps = dict(self._stamps)
        if self._saved is not None and self._saved[1] == stamps and self._saved[2] == self.foreign \
                and self._saved[0] == self.owned:
            return
        path = self.out_dir / MANIFEST
        tmp = path.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
        body = "\n".join(self.owned)
        head = {"folders": {k: list(v) if v else None for k, v in stamps.items()},
                "foreign": sorted(self.foreign), "count": len(self.owned)}
        if body.count("\n") != max(len(self.owned) - 1, 0) or "\r" in body:
            head["files"], body = sorted(self.owned), ""     # a name with a line break in it
        text = _MAGIC + json.dumps(head, ensure_ascii=False) + "\n" + body
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self._saved = (set(self.owned), stamps, set(self.foreign))

    def place(self, source: Path, rel: Path) -> None:
        """Move ``source`` to ``out_dir/rel`` with ``os.replace``, making real folders on the way
        and refusing to go through a symlink, or over a file that was not geomap's when checked
        (one its folder's stamp hid: see the module docstring)."""
        folder, frel = self.out_dir, ""
        for part in rel.parts[:-1]:
            child, crel = folder / part, (f"{frel}/{part}" if frel else part)
            try:
                mode = os.lstat(child).st_mode
            except FileNotFoundError:
                self._own_change(frel, folder, child.mkdir)
                self._stamps[crel] = _stamp(os.lstat(child))
                folder, frel = child, crel
                continue
            if not stat.S_ISDIR(mode):
                raise ConfigError(f"{child} is not a plain folder; geomap never writes through a "
                                  "symlink", file=self._file(), key="map.output")
            folder, frel = child, crel
        target = self.out_dir / rel
        if self._checked is not None and rel.as_posix() not in self._checked \
                and os.path.lexists(target):
            raise ConfigError(f"{self.out_dir}: {rel.as_posix()} would be overwritten by geomap's "
                              "output of that name, but geomap did not write it; move it away",
                              file=self._file(), key="map.output")
        self._own_change(frel, folder, lambda: os.replace(source, target))

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
                    frel = rel.rpartition("/")[0]
                    self._own_change(frel, path.parent, path.unlink)
            except FileNotFoundError:
                pass

    def _own_change(self, frel: str, folder: Path, change) -> None:
        """Make ``change`` in ``folder`` (relative ``frel``) and keep its stamp known if it was
        as known just before (then only geomap changed it); else forget it (listed next time)."""
        known = self._stamps.get(frel)
        self._stamps[frel] = None           # unknown (still a folder to visit) unless kept
        before = _stamp(os.lstat(folder)) if known is not None else None
        change()
        if known is not None and before == known:
            self._stamps[frel] = _stamp(os.lstat(folder))


Stamp = tuple[int, int, int]
_MAGIC = "geomap-outputs 2\n"


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_mtime_ns, st.st_ino, st.st_dev)


def _parse_v2(text: str) -> tuple[set[str] | None, dict, set[str]]:
    """The manifest's second format: a magic line, a JSON line (``folders``: stamps,
    ``foreign``, ``count``, and ``files`` when a name holds a line break), then a path a line."""
    _, head, body = text.split("\n", 2)
    meta = json.loads(head)
    if "files" in meta:
        files, body = meta["files"], None
    else:
        files = body.split("\n") if body else []
    stamps = {k: (tuple(v) if v is not None else None) for k, v in meta["folders"].items()}
    foreign = meta["foreign"]
    if (len(files) != meta["count"] or not all(isinstance(f, str) for f in foreign)
            or not all(v is None or (len(v) == 3 and all(type(n) is int for n in v))
                       for v in stamps.values())):
        return None, {}, set(), None
    return set(files), stamps, set(foreign), body


def _outside(folders: set[str], listed: set[str], body: str | None) -> list[str]:
    """The listed paths that are not directly in one of ``folders``: the lines of ``body`` (the
    same paths, one a line) that a regular expression does not drop, a pass in C over the text
    rather than a split per path in Python."""
    if body is None:
        return [r for r in listed if r.rpartition("/")[0] not in folders]
    prefixes = "|".join(re.escape(f + "/") if f else "" for f in sorted(folders, reverse=True))
    pattern = re.compile(rf"^(?:{prefixes})[^/\n]*(?:\n|\Z)", re.M)
    return [r for r in pattern.sub("", body).split("\n") if r]


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
