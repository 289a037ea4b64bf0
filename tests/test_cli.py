"""The ``geomap`` command: exit codes, messages, output formats, and the refresh life cycle."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geomap.articles import article_id
from geomap.cli import main
from geomap.render.data import load_map_data
from geomap.store import Store

from conftest import THIRD, write, write_config

REPO = Path(__file__).resolve().parent.parent


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv, env=None, cwd=REPO) -> subprocess.CompletedProcess:
    """``python -m geomap`` in a child process (from the repo, where the package is importable)."""
    return subprocess.run([sys.executable, "-m", "geomap", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


# --- help, config errors, open ---------------------------------------------------------------

def test_python_dash_m_geomap_shows_help_with_exit_codes():
    result = run_process("--help")
    assert result.returncode == 0
    for line in ("exit codes:", "2  configuration error", "7  another refresh is running"):
        assert line in result.stdout
    for command in ("parse", "refresh", "open", "gazetteer", "regions"):
        assert command in result.stdout


@pytest.mark.parametrize("yaml_text, where", [
    ("map:\n  assets: sideways\n", "geomap.yaml:2: map.assets"),
    ("sources:\n  - path: articles\n    knd: folder\n", "geomap.yaml:3: sources[0].knd"),
])
def test_bad_config_exits_2_naming_file_line_and_key(project, capsys, yaml_text, where):
    write(project / "config" / "geomap.yaml", yaml_text)
    code, out, err = run(capsys, "--root", project, "refresh")
    assert code == 2
    assert out == ""
    assert err.startswith("geomap: error: ") and where in err
    assert err.count("\n") == 1                   # one line, no traceback
    assert not (project / "output").exists()      # nothing was touched


def test_explicit_missing_config_is_a_config_error(project, capsys):
    code, _, err = run(capsys, "--root", project, "--config", project / "nope.yaml", "parse",
                       project / "articles")
    assert code == 2 and "nope.yaml" in err


def test_open_without_a_map_says_to_refresh(project, capsys):
    code, _, err = run(capsys, "--root", project, "open")
    assert code == 1
    assert "map.html does not exist yet" in err and "geomap refresh" in err


def test_open_starts_the_browser_on_the_map(project, tmp_path):
    write(project / "output" / "map.html", "<html></html>")
    seen = tmp_path / "seen.txt"
    browser = write(tmp_path / "browser.sh", f'#!/bin/sh\necho "$1" > "{seen}"\n')
    browser.chmod(0o755)
    result = run_process("--root", project, "open", env={**os.environ, "BROWSER": f"{browser} %s"})
    assert result.returncode == 0, result.stderr
    assert seen.read_text().strip() == (project / "output" / "map.html").resolve().as_uri()


def test_regions_check_without_layers(project, capsys):
    write(project / "config" / "geomap.yaml", "regions:\n  file: null\n")
    code, out, _ = run(capsys, "--root", project, "regions", "check")
    assert code == 0 and "no region layers configured" in out


def test_regions_check_reports_each_layer(project, capsys):
    write(project / "config" / "geomap.yaml", "regions:\n  file: regions.yaml\n")
    write(project / "config" / "regions.yaml",
          "layers:\n  - name: box\n    label: A box\n    sources:\n      - bbox: [30, 45, 32, 47]\n")
    code, out, err = run(capsys, "--root", project, "regions", "check")
    assert code == 0, err
    assert "box (A box): 1 region, shown" in out
    assert "ok, 1 layer(s), 1 region(s)" in out


def test_regions_check_prints_the_librarys_check(project, capsys):
    """The command prints ``check_layers``'s lines (areas, boxes, repairs), not a listing of its own."""
    from geomap.regions import check_layers, load_layers

    write(project / "config" / "geomap.yaml", "regions:\n  file: regions.yaml\n")
    write(project / "config" / "regions.yaml",
          "layers:\n  - name: two\n    sources:\n      - {bbox: [30, 45, 32, 47], name: a}\n"
          "      - {bbox: [33, 45, 34, 46], name: b}\n")
    code, out, err = run(capsys, "--root", project, "regions", "check")
    assert code == 0, err
    expected = check_layers(load_layers(project / "config" / "regions.yaml"))
    assert len(expected) == 3 and "km²" in expected[1]
    assert out.splitlines()[:-1] == expected
    assert out.splitlines()[-1].endswith("ok, 1 layer(s), 2 region(s)")


def test_regions_check_bad_layer_exits_2_with_line(project, capsys):
    write(project / "config" / "geomap.yaml", "regions:\n  file: regions.yaml\n")
    write(project / "config" / "regions.yaml", "layers:\n  - name: box\n    colour: red\n")
    code, _, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    assert re.search(r"regions\.yaml:3: .*colour", err)


# --- parse -----------------------------------------------------------------------------------

def test_parse_jsonl_follows_the_contract(mapped_project, capsys, monkeypatch):
    monkeypatch.chdir(mapped_project)
    code, out, err = run(capsys, "parse", "articles/odesa.txt")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert records
    text = (mapped_project / "articles" / "odesa.txt").read_text(encoding="utf-8")
    keys = {"article", "date", "start", "end", "text", "name", "lat", "lon", "country", "kind", "id",
            "score", "regions"}
    for r in records:
        assert set(r) == keys
        assert r["article"] == "articles/odesa.txt"          # the path as given
        assert r["date"] == "2024-02-03"                     # the article's date line
        assert text[r["start"]:r["end"]] == r["text"]
        assert r["regions"] == []
        if r["id"] is None:
            assert r["lat"] is None and r["lon"] is None and r["name"] is None
    odesa = [r for r in records if r["text"] == "Odesa"]
    assert odesa and all(r["country"] == "UA" and abs(r["lat"] - 46.48) < 0.2 for r in odesa)
    starts = [r["start"] for r in records]
    assert starts == sorted(starts)


def test_parse_folder_geojson_and_table(mapped_project, capsys):
    code, out, _ = run(capsys, "--root", mapped_project, "parse", mapped_project / "articles",
                       "--format", "geojson")
    assert code == 0
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in collection["features"]}
    assert {"Odesa", "Valencia"} <= names
    for f in collection["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    valencia = next(f for f in collection["features"] if f["properties"]["name"] == "Valencia")
    assert valencia["properties"]["country"] == "ES"
    assert valencia["geometry"]["coordinates"][0] < 0        # (lon, lat): west of Greenwich

    code, out, _ = run(capsys, "--root", mapped_project, "parse", mapped_project / "articles" /
                       "valencia.md", "--format", "table", "--explain")
    lines = out.splitlines()
    assert lines[0].split() == ["article", "span", "text", "place", "cc", "kind", "lat", "lon",
                                "score", "regions"]
    row = next(line for line in lines if "Madrid" in line and " ES " in line)
    assert "40.4" in row


def test_parse_reports_unreadable_files_and_goes_on(mapped_project, capsys):
    bad = write(mapped_project / "articles" / "bad.txt", b"\x00\x01binary")
    code, out, err = run(capsys, "--root", mapped_project, "parse", bad,
                         mapped_project / "articles" / "odesa.txt", mapped_project / "missing.txt")
    assert code == 1
    assert f"{bad}: binary file" in err and "missing.txt: no such file" in err
    assert out and all(json.loads(line)["article"].endswith("odesa.txt") for line in out.splitlines())


def test_parse_with_nothing_readable_exits_3(mapped_project, capsys):
    bad = write(mapped_project / "empty.txt", "   \n")
    code, out, err = run(capsys, "--root", mapped_project, "parse", bad)
    assert code == 3 and out == "" and "empty article" in err


def test_parse_does_not_load_the_renderer_or_shapely(mapped_project):
    code = ("import sys, time; from geomap.cli import main; t = time.perf_counter(); "
            f"rc = main(['--root', {str(mapped_project)!r}, 'parse', {str(mapped_project / 'articles')!r}]); "
            "heavy = sorted(m for m in ('folium', 'shapely', 'branca', 'jinja2', 'geopy') if m in sys.modules); "
            "print(rc, heavy, round(time.perf_counter() - t, 3), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    rc, heavy, _seconds = result.stderr.strip().splitlines()[-1].split(" ", 2)
    assert rc == "0" and heavy == "[]", result.stderr


# --- refresh life cycle ----------------------------------------------------------------------

def summary_counts(line: str) -> dict[str, int]:
    return {k: int(v) for v, k in re.findall(r"(\d+) (new|changed|deleted|unchanged|failed|geocoded)",
                                             line)}


def test_refresh_life_cycle(mapped_project, capsys):
    root = mapped_project
    out_dir = root / "output"

    code, out, err = run(capsys, "--root", root, "refresh")
    assert code == 0, err
    assert out.startswith("refreshed: ") and out.count("\n") == 1
    first = summary_counts(out)
    assert (first["new"], first["changed"], first["deleted"], first["unchanged"]) == (2, 0, 0, 0)
    assert first["geocoded"] > 0
    assert (out_dir / "map.html").is_file() and (out_dir / "places.geojson").is_file()

    write(root / "articles" / "geneva.txt", THIRD)
    code, out, _ = run(capsys, "--root", root, "refresh")
    second = summary_counts(out)
    assert (second["new"], second["changed"], second["deleted"], second["unchanged"]) == (1, 0, 0, 2)
    assert 0 < second["geocoded"] < first["geocoded"] + second["geocoded"]
    geneva = article_id(root / "articles" / "geneva.txt", root / "articles")
    assert (out_dir / "articles" / f"{geneva}.html").is_file()

    map_mtime = (out_dir / "map.html").stat().st_mtime_ns
    code, out, _ = run(capsys, "--root", root, "refresh")
    assert code == 0
    assert out.startswith("nothing new: ") and "map unchanged" in out
    third = summary_counts(out)
    assert (third["new"], third["changed"], third["deleted"], third["geocoded"]) == (0, 0, 0, 0)
    assert third["unchanged"] == 3
    assert (out_dir / "map.html").stat().st_mtime_ns == map_mtime

    valencia = article_id(root / "articles" / "valencia.md", root / "articles")
    (root / "articles" / "valencia.md").unlink()
    code, out, _ = run(capsys, "--root", root, "refresh")
    fourth = summary_counts(out)
    assert (fourth["deleted"], fourth["unchanged"], fourth["geocoded"]) == (1, 2, 0)
    with Store(root / ".geomap" / "geomap.sqlite") as store:
        assert valencia not in store.article_hashes() and len(store.article_hashes()) == 2
        names = {r.place.name for r in load_map_data(store).places}
    assert "Valencia" not in names and "Odesa" in names
    assert not (out_dir / "articles" / f"{valencia}.html").exists()
    assert valencia not in (out_dir / "map.html").read_text(encoding="utf-8")
    geo = json.loads((out_dir / "places.geojson").read_text(encoding="utf-8"))
    assert "Valencia" not in {f["properties"]["name"] for f in geo["features"]}


def test_refresh_skips_an_unreadable_article_and_processes_the_others(mapped_project, capsys):
    write(mapped_project / "articles" / "broken.txt", b"Caf\xe9 closed\n")
    code, out, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == 1
    assert "broken.txt: not UTF-8 text" in err
    counts = summary_counts(out)
    assert counts["new"] == 2 and counts["failed"] == 1
    assert (mapped_project / "output" / "map.html").is_file()


# --- gazetteer -------------------------------------------------------------------------------

def test_gazetteer_info_shows_the_configured_index(mapped_project, gazetteer_path, capsys):
    code, out, _ = run(capsys, "--root", mapped_project, "gazetteer", "info")
    assert code == 0
    info = dict(line.split(None, 1) for line in out.splitlines())
    assert info["path"] == str(gazetteer_path)
    assert int(info["places"]) > 1000 and info["version"]


def test_gazetteer_import_then_refresh_reparses_every_article(project, gazetteer_path, capsys):
    import shutil

    own = project / "gazetteer.sqlite"               # a copy: the shared index stays as it is
    shutil.copyfile(gazetteer_path, own)
    write_config(project, own)
    assert run(capsys, "--root", project, "refresh")[0] == 0

    row = ["990000001", "Zelenyi Hai", "Zelenyi Hai", "Zeleny Gai", "46.9", "33.2", "P", "PPL", "UA",
           "", "14", "", "", "", "2100", "", "40", "Europe/Kyiv", "2024-01-01"]
    dump = write(project / "UA.txt", "\t".join(row) + "\n")
    code, out, err = run(capsys, "--root", project, "gazetteer", "import", dump)
    assert code == 0, err
    assert "imported 1 places" in out

    code, out, _ = run(capsys, "--root", project, "refresh")
    assert code == 0
    assert "2 re-parsed" in out and "0 new" in out


def test_gazetteer_import_takes_a_url(project, gazetteer_path, capsys):
    """The source may be an http(s) URL (a Path argument once mangled it into 'http:/host')."""
    import shutil

    from loopback import LoopbackServer, Reply

    own = project / "gazetteer.sqlite"
    shutil.copyfile(gazetteer_path, own)
    write_config(project, own)
    row = ["990000002", "Staryi Hai", "Staryi Hai", "", "46.8", "33.1", "P", "PPL", "UA",
           "", "14", "", "", "", "1900", "", "40", "Europe/Kyiv", "2024-01-01"]
    with LoopbackServer() as server:
        server.add("/UA.txt", Reply(body="\t".join(row) + "\n"))
        code, out, err = run(capsys, "--root", project, "gazetteer", "import", f"{server.url}/UA.txt")
        assert [r.path for r in server.requests] == ["/UA.txt"]
    assert code == 0, err
    assert "imported 1 places" in out


def test_gazetteer_info_without_an_index(project, capsys):
    write(project / "config" / "geomap.yaml", "gazetteer:\n  path: nowhere.sqlite\n")
    code, _, err = run(capsys, "--root", project, "gazetteer", "info")
    assert code == 1 and "no gazetteer index yet" in err


def test_a_concurrent_refresh_exits_7_with_a_clear_message(project):
    import fcntl

    lock = project / ".geomap" / "geomap.sqlite.lock"
    lock.parent.mkdir()
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)                   # as a running refresh would
        result = run_process("--root", project, "refresh")
    assert result.returncode == 7
    assert result.stderr.strip() == (f"geomap: error: another refresh is running (it holds {lock}); "
                                     "try again when it has finished")
    assert result.stdout == ""


def test_progress_bar_on_a_terminal_only(mapped_project):
    """Piped: nothing but the summary. On a terminal (a pty), tqdm draws the bar on stderr."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    piped = run_process("--root", mapped_project, "refresh")
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.startswith("refreshed: 2 new") and piped.stdout.count("\n") == 1

    from geomap.cli import ProgressBar

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with open(secondary, "w", closefd=True) as terminal, open(primary, "rb", buffering=0) as screen:
        bar = ProgressBar(enabled=terminal.isatty())
        old, sys.stderr = sys.stderr, terminal
        try:
            with bar:
                bar.update(1, 3, "a")
                bar._bar.delay = 0                      # draw now, not after tqdm's 1 s delay
                bar.update(2, 3, "b")
                bar._bar.refresh()
        finally:
            sys.stderr = old
        terminal.flush()
        assert select.select([screen], [], [], 5)[0], "nothing drawn"
        drawn = screen.read(4096).decode()
    assert bar.enabled and "2/3" in drawn and "article" in drawn
