"""A full render's pages in worker processes (issue 13, ``render/parallel.py``): the same files as
the serial render, byte for byte, and a worker that fails leaves the outputs in place as they
were, the store usable, and the user an error message (no traceback)."""
from __future__ import annotations

import os
import re
import sys
from datetime import date
from pathlib import Path

from geomap.cli import main
from geomap.config import default_config
from geomap.pipeline import write_outputs
from geomap.render import parallel
from geomap.render.parallel import place_groups
from geomap.render.place_page import place_page_name
from geomap.render.manifest import MANIFEST, OutputFolder
from geomap.render.place_runs import BUSY
from geomap.store import Store

from conftest import write, write_config
from test_pages_store import KHERSON, _fill, _specs


def _all_files(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, by relative path; in ``map.html`` folium's random element ids
    (``map_<32 hex>``, new at each full render, serial or not) made alike."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
             if p.is_file() and p.name != MANIFEST}
    # the manifest records its folders' stamps (mtime, inode): the same files listed
    if (folder / MANIFEST).exists():
        files[MANIFEST] = repr(sorted(OutputFolder(folder)._load()[0])).encode()
    if "map.html" in files:
        files["map.html"] = re.sub(rb"_[0-9a-f]{32}", b"_ID", files["map.html"])
    return files


def test_a_full_render_by_two_workers_writes_the_serial_render_s_files(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "POOL_MIN", 2)
    # 3 quotes of Kherson an article: a busy place whose runs the workers hand back
    specs = _specs(BUSY // 3 + 40, date(2020, 1, 1), prefix="a", per_day=4, undated_every=37)
    config = default_config(tmp_path)
    runs = {}
    with Store(tmp_path / "store.sqlite") as store:
        _fill(store, specs)
        for workers in (1, 2):
            write_outputs(store, tmp_path / f"out{workers}", config, [], workers=workers)
            runs[workers] = store.place_runs(store.mentioned_place_ids())
    serial, shared = _all_files(tmp_path / "out1"), _all_files(tmp_path / "out2")
    assert serial.keys() == shared.keys()
    assert [name for name in serial if serial[name] != shared[name]] == []
    assert len([n for n in serial if n.startswith("articles/")]) == len(specs)
    assert any(n.startswith(f"places/{place_page_name(KHERSON.id)}_p") for n in serial)
    assert serial["mentions.csv"].count(b"\n") == 1 + sum(3 + (n % 3 != 0) + (n % 7 == 0)
                                                          for _aid, _day, n in specs)
    assert runs[2] == runs[1] and KHERSON.id in runs[1]         # the busy place's runs recorded


def test_places_are_shared_by_their_mentions():
    counts = {"a": 10_000, "b": 500, "c": 400, "d": 6000, "e": 3000}
    groups = place_groups(counts, 2)        # heaviest first: 10,100 (with each place's own cost)
    assert groups == [["b", "c", "d", "e"], ["a"]]
    assert place_groups({}, 3) == [] and place_groups({"x": 1}, 3) == [["x"]]


FAILING_WORKER = '''
import errno, os
import geomap.render.pages as pages

_write, _count = pages._write, [0]

def _full_disk(path, text):
    _count[0] += 1
    if _count[0] > 2:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return _write(path, text)

pages._write = _full_disk
'''


def test_a_worker_failing_mid_render_keeps_the_outputs_and_the_store(
        mapped_project, gazetteer_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(parallel, "POOL_MIN", 2)
    root = mapped_project
    for n in range(6):
        write(root / "articles" / f"more-{n}.txt", f"News {n} from Kyiv and Odesa.\n\nThen Lviv.\n")
    assert main(["--root", str(root), "refresh", "--workers", "2"]) == 0
    out = root / "output"
    before = _all_files(out)
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        stored = store.counts()
    # A full render again (the title is on every page); the worker processes, and only they,
    # find the disk full after two pages (a ``sitecustomize`` that this process never ran).
    write_config(root, gazetteer_path, extra="map:\n  title: Another title\n")
    hooks = tmp_path / "hooks"
    write(hooks / "sitecustomize.py", FAILING_WORKER)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hooks), *sys.path]))
    capsys.readouterr()
    assert main(["--root", str(root), "refresh", "--workers", "2"]) == 8
    err = capsys.readouterr().err
    assert "No space left on device" in err and "free space on that disk" in err
    assert "Traceback" not in err
    assert _all_files(out) == before                            # nothing moved into place
    assert not list(out.glob(".render-*"))
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        assert store.counts() == stored
    monkeypatch.delenv("PYTHONPATH")
    assert main(["--root", str(root), "refresh", "--workers", "2"]) == 0
    after = _all_files(out)
    assert "Another title" in after["articles/" + next(
        n for n in os.listdir(out / "articles"))].decode()


def test_export_parts_are_joined_whole_even_when_the_kernel_copies_nothing(tmp_path, monkeypatch):
    for copy in (os.copy_file_range, lambda *args: 0):      # some kernels return 0 (not EOF)
        monkeypatch.setattr(os, "copy_file_range", copy)
        (tmp_path / "a").write_bytes(b"x" * 1000)
        (tmp_path / "b").write_bytes(b"yz" * 70_000)
        with open(tmp_path / "out", "wb") as out:
            parallel._append(tmp_path / "a", out)
            parallel._append(tmp_path / "b", out)
        assert (tmp_path / "out").read_bytes() == b"x" * 1000 + b"yz" * 70_000
        assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
