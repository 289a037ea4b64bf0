"""The output manifest's folder stamps: a folder unchanged since the manifest was saved is not
listed again, and nothing that changed is missed (``geomap.render.manifest``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geomap.errors import ConfigError
from geomap.render import manifest as manifest_mod
from geomap.render.manifest import MANIFEST, OutputFolder


def _render(out: Path, files: dict[str, str], *, allow_other: bool = False) -> OutputFolder:
    """One render as ``pipeline.outputs`` does it: check, list, place, save again."""
    folder = OutputFolder(out, allow_other=allow_other)
    folder.check()
    before = set(folder.owned)
    folder.save(before | set(files))
    tmp = out / ".render-test"
    for rel, text in files.items():
        src = tmp / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text, encoding="utf-8")
        folder.place(src, Path(rel))
    folder.save(before | set(files))
    return folder


def _first(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    _render(out, {"map.html": "m", "articles/a-1.html": "a1", "places/p-1.html": "p1",
                  "places/p-2.html": "p2"})
    return out


def _scanned(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = os.scandir

    def spy(path):
        seen.append(os.path.basename(os.fspath(path)))
        return real(path)
    monkeypatch.setattr(manifest_mod.os, "scandir", spy)
    return seen


def test_an_unchanged_folder_is_not_listed_again(tmp_path, monkeypatch):
    out = _first(tmp_path)
    _render(out, {"places/p-3.html": "p3"})                 # a +1: places/ changed by geomap
    seen = _scanned(monkeypatch)
    folder = OutputFolder(out)
    folder.check()
    assert "places" not in seen and "articles" not in seen
    assert folder.owned == {"map.html", "articles/a-1.html", "places/p-1.html", "places/p-2.html",
                            "places/p-3.html"}


def test_a_foreign_file_added_after_a_refresh_is_refused(tmp_path):
    out = _first(tmp_path)
    _render(out, {"places/p-3.html": "p3"})
    (out / "places" / "mine.html").write_text("user's", encoding="utf-8")
    with pytest.raises(ConfigError, match="mine.html"):
        OutputFolder(out).check()
    assert (out / "places" / "mine.html").read_text(encoding="utf-8") == "user's"


def test_a_foreign_file_added_during_a_render_is_refused_next_time(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    folder = OutputFolder(out)
    folder.check()
    folder.save({"places/p-1.html"})
    (out / "places").mkdir()
    (out / ".src").write_text("p1", encoding="utf-8")
    (out / "places" / "mine.html").write_text("user's", encoding="utf-8")   # before our rename
    folder.place(out / ".src", Path("places/p-1.html"))
    folder.save({"places/p-1.html"})
    with pytest.raises(ConfigError, match="mine.html"):
        OutputFolder(out).check()


def test_a_touched_folder_is_listed_again(tmp_path):
    out = _first(tmp_path)
    places = out / "places"
    recorded = os.lstat(places).st_mtime_ns
    (places / "mine.html").write_text("user's", encoding="utf-8")
    os.utime(places, ns=(recorded, recorded))       # the same clock tick as geomap's last rename
    folder = OutputFolder(out)
    folder.check()                                  # the residual case: not seen ...
    assert "places/mine.html" not in folder.owned
    with pytest.raises(ConfigError, match="would be overwritten"):
        folder.place(places / "p-1.html", Path("places/mine.html"))     # ... yet never replaced
    assert (places / "mine.html").read_text(encoding="utf-8") == "user's"
    os.utime(places, ns=(recorded + 10**9, recorded + 10**9))           # touched: listed again
    with pytest.raises(ConfigError, match="mine.html"):
        OutputFolder(out).check()


def test_a_symlink_replacing_a_folder_is_refused(tmp_path):
    out = _first(tmp_path)
    root = os.stat(out).st_mtime_ns
    inbox = tmp_path / "inbox"
    (out / "articles").rename(inbox)
    (out / "articles").symlink_to(inbox)
    os.utime(out, ns=(root, root))                  # even if the root looked unchanged
    data = (out / MANIFEST).read_text(encoding="utf-8")
    head = json.loads(data.split("\n")[1])
    head["folders"][""] = list(manifest_mod._stamp(os.stat(out)))
    (out / MANIFEST).write_text(data.split("\n")[0] + "\n" + json.dumps(head) + "\n"
                                + data.split("\n", 2)[2], encoding="utf-8")
    os.utime(out, ns=(root, root))
    head["folders"][""] = list(manifest_mod._stamp(os.stat(out)))
    (out / MANIFEST).write_text(data.split("\n")[0] + "\n" + json.dumps(head) + "\n"
                                + data.split("\n", 2)[2], encoding="utf-8")
    os.utime(out, ns=(root, root))
    with pytest.raises(ConfigError, match="articles is a symlink"):
        OutputFolder(out).check()
    assert (inbox / "a-1.html").exists()


def test_an_old_manifest_without_stamps_still_loads(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / "places").mkdir(parents=True)
    (out / "places" / "p-1.html").write_text("p1", encoding="utf-8")
    (out / "places" / "gone.html").write_text("g", encoding="utf-8")
    (out / "places" / "gone.html").unlink()
    (out / MANIFEST).write_text(json.dumps({"geomap_outputs": 1, "files": [
        "places/p-1.html", "places/gone.html"]}, indent=0), encoding="utf-8")
    seen = _scanned(monkeypatch)
    folder = OutputFolder(out)
    folder.check()
    assert "places" in seen
    assert folder.owned == {"places/p-1.html"}
    (out / "places" / "mine.html").write_text("user's", encoding="utf-8")
    with pytest.raises(ConfigError, match="mine.html"):
        OutputFolder(out).check()


def test_a_removed_folder_drops_its_files(tmp_path):
    out = _first(tmp_path)
    for page in (out / "places").iterdir():
        page.unlink()
    (out / "places").rmdir()
    folder = OutputFolder(out)
    folder.check()
    assert folder.owned == {"map.html", "articles/a-1.html"}


def test_allowed_foreign_files_are_remembered_in_unchanged_folders(tmp_path):
    out = _first(tmp_path)
    (out / "places" / "mine.html").write_text("user's", encoding="utf-8")
    folder = _render(out, {"articles/a-2.html": "a2"}, allow_other=True)
    assert folder.foreign == {"places/mine.html"}
    again = OutputFolder(out, allow_other=True)
    again.check()                                   # places/ unchanged: not listed again
    assert again.foreign == {"places/mine.html"}
    with pytest.raises(ConfigError, match="would be overwritten"):
        again.claim({"places/mine.html"})
    with pytest.raises(ConfigError, match="mine.html"):
        OutputFolder(out).check()                   # still refused without the setting


def test_a_manifest_unchanged_is_not_rewritten(tmp_path):
    out = _first(tmp_path)
    folder = OutputFolder(out)
    folder.check()
    before = os.stat(out / MANIFEST).st_ino
    folder.save(set(folder.owned))
    assert os.stat(out / MANIFEST).st_ino == before
    folder.save(folder.owned | {"places/p-9.html"})
    assert os.stat(out / MANIFEST).st_ino != before
    assert "places/p-9.html" in OutputFolder(out)._load()[0]


def test_a_name_with_a_line_break_round_trips(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    folder = OutputFolder(out)
    folder.check()
    folder.save({"places/a\nb.html", "map.html"})
    assert OutputFolder(out)._load()[0] == {"places/a\nb.html", "map.html"}


def test_a_refresh_records_the_stamps_as_it_left_them(mapped_project, capsys):
    from geomap.cli import main

    from conftest import THIRD, write

    def refresh() -> tuple[int, str]:
        code = main(["--root", str(mapped_project), "refresh"])
        return code, capsys.readouterr().err

    assert refresh()[0] == 0
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    assert refresh()[0] == 0                                # a +1: only its pages written
    out = mapped_project / "output"
    stamps = OutputFolder(out)._load()[1]
    for name in ("articles", "places"):                    # the next check skips them
        assert stamps[name] == manifest_mod._stamp(os.lstat(out / name))
    mine = write(out / "places" / "mine.html", "<p>my own page</p>")
    (mapped_project / "articles" / "valencia.md").unlink()
    code, err = refresh()
    assert code == 2 and "places/mine.html" in err
    assert mine.read_text() == "<p>my own page</p>"
