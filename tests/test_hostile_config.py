"""Hostile inputs to the configuration, the region layers, the store and the gazetteer (issue 9,
part B): each one ends in a one-line message that names the input (file, line and key for the
YAML files), with the exit code of the documented table, never a traceback or a hang."""
from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from geomap import guards
from geomap.cli import main
from geomap.config import load_config
from geomap.errors import ConfigError, GazetteerError, GeomapError, RegionError, StoreError
from geomap.regions import RegionIndex, load_layers

from conftest import write, write_config

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
GEOJSON_LAYER = "layers:\n  - name: a\n    sources:\n      - geojson: a.geojson\n"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *words: str) -> None:
    assert err.startswith("geomap: error: ") and err.count("\n") == 1, err   # one line, no traceback
    for word in words:
        assert word in err, (word, err)


def regions_project(project: Path, gazetteer_path: Path, regions_yaml: str, **files) -> Path:
    write_config(project, gazetteer_path, regions="regions.yaml")
    write(project / "config" / "regions.yaml", regions_yaml)
    for name, content in files.items():
        write(project / "config" / name.replace("_", "."), content)
    return project


# --- geomap.yaml ------------------------------------------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    lines = ["geocoder:", "  service: offline", "  options:", "    a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"    a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_under_geocoder_options_is_refused_quickly(project, capsys):
    write(project / "config" / "geomap.yaml", alias_bomb())
    started = time.perf_counter()
    code, out, err = run(capsys, "--root", project, "refresh")
    assert code == 2 and out == ""
    one_line_error(err, "geomap.yaml", "alias bomb")
    assert time.perf_counter() - started < 30          # a bound against a hang, not a benchmark
    assert not (project / "output").exists()


def test_ordinary_anchors_and_aliases_still_work(project, gazetteer_path):
    write(project / "config" / "geomap.yaml", f"""\
gazetteer: {{path: {json.dumps(str(gazetteer_path))}}}
sources:
  - &src {{path: articles, glob: "*.txt"}}
  - *src
geocoder:
  options: &opts {{user_agent: geomap-test, domain: example.org}}
map: {{title: &t Odesa, attribution: *t}}
""")
    config = load_config(None, project)
    assert config.sources[0] == config.sources[1]
    assert config.geocoder.options == {"user_agent": "geomap-test", "domain": "example.org"}
    assert config.map.attribution == "Odesa"


def test_expanded_size_counts_every_use_of_an_anchor():
    node = yaml.compose("a: &a [1, 2, 3]\nb: [*a, *a]\n")
    # mapping + 2 keys + a's list (4) + b's list (1 + 2 * 4)
    assert guards.yaml_expanded_size(node) == 1 + 2 + 4 + 9


@pytest.mark.parametrize("yaml_text, line, key", [
    ('map:\n  title: "\\ud800 map"\n', 2, "map.title"),
    ('parse:\n  ignore: [Kyiv, "\\udfff"]\n', 2, "parse.ignore[1]"),
])
def test_lone_surrogates_in_yaml_name_line_and_key(project, capsys, yaml_text, line, key):
    write(project / "config" / "geomap.yaml", yaml_text)
    code, _, err = run(capsys, "--root", project, "refresh")
    assert code == 2
    one_line_error(err, f"geomap.yaml:{line}: {key}", "lone surrogate")


@pytest.mark.parametrize("glob", ['""', '"  "', "/etc/*", "~/secret/*", '"../*"', '"a/../../*"'])
def test_empty_absolute_or_escaping_glob_is_refused(project, capsys, glob):
    write(project / "config" / "geomap.yaml", f"sources:\n  - path: articles\n    glob: {glob}\n")
    code, _, err = run(capsys, "--root", project, "refresh")
    assert code == 2
    one_line_error(err, "geomap.yaml:3: sources[0].glob")


def test_huge_max_passages_is_bounded(project, capsys):
    write(project / "config" / "geomap.yaml", "map:\n  max_passages: 1000000000000\n")
    code, _, err = run(capsys, "--root", project, "refresh")
    assert code == 2
    one_line_error(err, "geomap.yaml:2: map.max_passages", "at most 100")


# --- region layers --------------------------------------------------------------------------------

def polygon_geojson(coords, name="a") -> str:
    return json.dumps({"type": "Feature", "properties": {"name": name},
                       "geometry": {"type": "Polygon", "coordinates": [coords]}})


@pytest.mark.parametrize("content, words", [
    ('{"type": "Polygon", "coordinates": [[[0, 0], [NaN, 0], [1, 1], [0, 0]]]}', ["NaN"]),
    ('{"type": "Polygon", "coordinates": [[[0, 0], [Infinity, 0], [1, 1], [0, 0]]]}', ["Infinity"]),
    ('{"type": "Circle", "coordinates": [0, 0]}', ["Unknown geometry type"]),
    ('{"type": "Polygon", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested too deeply"]),
    ('{"type": "Polygon", "coordinates": ' + "[" * 40 + "0" + "]" * 40 + "}", ["invalid geometry"]),
    ('{"type": "Polygon", "coordinates": [[[0, 0], [1e308, 0], [1, 1], [0, 0]]]}', ["outside longitude"]),
    ('{"type": "Feature", "properties": {"name": "\\ud800"}, "geometry": '
     '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}', ["lone surrogate"]),
])
def test_hostile_geojson_names_the_source_line(project, gazetteer_path, capsys, content, words):
    regions_project(project, gazetteer_path, GEOJSON_LAYER, a_geojson=content)
    code, out, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    one_line_error(err, "regions.yaml:4: layers[0].sources[0].geojson", "a.geojson", *words)


@pytest.mark.parametrize("layers, where, words", [
    ("layers:\n  - name: w\n    sources:\n      - wkt: POLYGON ((0 0, nan 0, 1 1, 0 0))\n",
     "regions.yaml:4: layers[0].sources[0].wkt", ("NaN or infinity",)),            # NaN in WKT
    ('layers:\n  - name: a\n    label: "\\ud800"\n    sources:\n      - bbox: [0, 0, 1, 1]\n',
     "regions.yaml:3: layers[0].label", ("lone surrogate",)),                     # a label's surrogate
])
def test_a_bad_layer_value_names_its_line_and_key(project, gazetteer_path, capsys, layers, where, words):
    regions_project(project, gazetteer_path, layers)
    code, _, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    one_line_error(err, where, *words)


ZIP_LAYER = "layers:\n  - name: z\n    sources:\n      - shapefile: a.zip\n"


def test_a_zip_that_is_not_a_zip(project, gazetteer_path, capsys):
    regions_project(project, gazetteer_path, ZIP_LAYER, a_zip=b"PK\x03\x04 but not really a zip")
    code, _, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    one_line_error(err, "regions.yaml:4: layers[0].sources[0].shapefile", "a.zip", "not a zip archive")


def test_a_zip_bomb_is_refused_before_unpacking(project, gazetteer_path, capsys):
    regions_project(project, gazetteer_path, ZIP_LAYER)
    with zipfile.ZipFile(project / "config" / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.prj", b"\0" * (8 << 20))           # 8 MB of zeros: ~8 KB packed
    code, _, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    one_line_error(err, "regions.yaml:4", "a.zip", "'a.prj'", "zip bomb")


def test_archive_total_size_is_limited(project, gazetteer_path, capsys, monkeypatch):
    monkeypatch.setattr(guards, "MAX_UNZIPPED_BYTES", 1000)
    regions_project(project, gazetteer_path, ZIP_LAYER)
    with zipfile.ZipFile(project / "config" / "a.zip", "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.shp", os.urandom(2000))
    code, _, err = run(capsys, "--root", project, "regions", "check")
    assert code == 2
    one_line_error(err, "a.zip", "unpacks to 2,000 bytes")


def test_an_oversized_prj_is_never_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(guards, "MAX_PRJ_BYTES", 100)
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.writestr("a.prj", "GEOGCS[" + "x" * 500 + "]")
    with guards.open_zip(tmp_path / "a.zip") as z, pytest.raises(ValueError, match="larger than 100"):
        guards.read_member(z, "a.prj", guards.MAX_PRJ_BYTES)


# --- antimeridian -----------------------------------------------------------------------------------

ANADYR, MOSCOW, ANCHORAGE = (64.73, 177.51), (55.75, 37.62), (61.22, -149.90)
SUVA, LABASA, HONOLULU, JAKARTA = (-18.14, 178.44), (-16.43, 179.38), (21.31, -157.86), (-6.2, 106.8)


def layer_index(tmp_path: Path, coords, name="x") -> RegionIndex:
    write(tmp_path / "a.geojson", polygon_geojson(coords, name))
    write(tmp_path / "regions.yaml", GEOJSON_LAYER)
    return RegionIndex(load_layers(tmp_path / "regions.yaml"), tolerance_km=0)


def test_chukotka_like_polygon_crossing_the_antimeridian(tmp_path):
    index = layer_index(tmp_path, [[160, 62], [-172, 62], [-172, 70], [160, 70], [160, 62]])
    assert index.regions_for(*ANADYR) == ("a",)
    assert index.regions_for(66.0, -175.0) == ("a",)          # the part east of 180°
    assert index.regions_for(*MOSCOW) == ()
    assert index.regions_for(*ANCHORAGE) == ()


def test_fiji_like_polygon_crossing_the_antimeridian(tmp_path):
    index = layer_index(tmp_path, [[177, -15], [-179, -15], [-179, -20], [177, -20], [177, -15]])
    assert index.regions_for(*SUVA) == ("a",)
    assert index.regions_for(*LABASA) == ("a",)
    assert index.regions_for(-16.5, -179.5) == ("a",)
    assert index.regions_for(*HONOLULU) == ()
    assert index.regions_for(*JAKARTA) == ()


def test_a_ring_round_the_pole_across_the_antimeridian_is_refused(tmp_path):
    write(tmp_path / "a.geojson", polygon_geojson([[0, 80], [120, 80], [-120, 80], [0, 80]]))
    write(tmp_path / "regions.yaml", GEOJSON_LAYER)
    with pytest.raises(RegionError, match="regions.yaml:4: .*round a pole"):
        load_layers(tmp_path / "regions.yaml")


def test_polygons_that_do_not_cross_are_unchanged():
    from shapely.geometry import Polygon

    square = Polygon(SQUARE)
    assert guards.split_antimeridian(square) is square


# --- store, output folder and gazetteer faults ----------------------------------------------------

def test_corrupt_store_names_the_path_and_the_way_out(mapped_project, capsys):
    write(mapped_project / ".geomap" / "geomap.sqlite", b"this is not a database " * 100)
    code, _, err = run(capsys, "--root", mapped_project, "refresh")
    assert code == StoreError.exit_code == 6
    one_line_error(err, "geomap.sqlite", "move it aside", "geomap refresh")


@pytest.mark.parametrize("error, way_out", [
    (sqlite3.DatabaseError("database disk image is malformed"), "move it aside"),
    (sqlite3.OperationalError("database or disk is full"), "free space"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "writable"),
])
def test_store_faults_after_opening_are_store_errors_with_the_way_out(tmp_path, error, way_out):
    from geomap.store import Store

    with Store(tmp_path / "geomap.sqlite") as store:
        real = store._db

        class Broken:                              # what sqlite3 raises on a damaged page, a full disk...
            def execute(self, *a):
                raise error

            close = real.close
        store._db = Broken()
        with pytest.raises(StoreError, match=f"geomap.sqlite: .*{way_out}"):
            store.article_hashes()
        with pytest.raises(StoreError, match=way_out):
            list(store.article_texts())
        with pytest.raises(StoreError, match=way_out):
            store.meta_set("k", "v")               # through the transaction


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, ["free space"]),
    (errno.EROFS, ["writable"]),
])
def test_disk_full_or_read_only_output_names_the_path(mapped_project, capsys, monkeypatch, code, words):
    real_replace = os.replace

    def failing_replace(src, dst, *a, **k):
        if str(dst).endswith("map.html"):
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", failing_replace)
    status, _, err = run(capsys, "--root", mapped_project, "refresh")
    assert status == 8
    one_line_error(err, str(mapped_project / "output" / "map.html"), *words)


def test_corrupt_gazetteer_file_names_the_repair(mapped_project, tmp_path, capsys):
    bad = write(tmp_path / "bad.sqlite", b"junk" * 1000)
    write_config(mapped_project, bad)
    code, _, err = run(capsys, "--root", mapped_project, "parse", mapped_project / "articles")
    assert code == GazetteerError.exit_code == 4
    one_line_error(err, str(bad), "geomap gazetteer build --force")


def damage(path: Path) -> None:
    """Overwrite the middle of an SQLite file (its name and place tables) with garbage pages."""
    data = bytearray(path.read_bytes())
    page = 4096
    for at in range(len(data) // 5 // page * page, len(data) * 4 // 5, page):
        data[at:at + page] = b"\xa5" * page
    path.write_bytes(bytes(data))


def test_damaged_gazetteer_pages_are_a_message_and_build_repairs_them(gazetteer_path, tmp_path, capsys):
    from geomap.gazetteer import Gazetteer
    from geomap.gazetteer.build import build_index

    path = tmp_path / "gazetteer.sqlite"
    shutil.copy(gazetteer_path, path)
    damage(path)
    with pytest.raises(GazetteerError, match="gazetteer build --force"):
        with Gazetteer.open(path) as gazetteer:
            for letter in "abcdefghijklmnopqrstuvwxyz":   # enough keys to touch the damaged pages
                gazetteer.lookup([letter + "a", letter + "e", letter + "o", "kyiv", "paris", "odesa"])
            gazetteer.info()
    assert build_index(path, min_city_population=15000) > 0          # quick_check failed: rebuilt
    with Gazetteer.open(path) as gazetteer:
        assert gazetteer.lookup(["odesa"])["odesa"]
    assert build_index(path, min_city_population=15000) == 0.0       # intact and current: kept
    assert build_index(path, min_city_population=15000, force=True) > 0


def test_next_build_removes_temporary_files_of_a_killed_build(gazetteer_path, tmp_path):
    from geomap.gazetteer.build import build_index

    path = tmp_path / "gazetteer.sqlite"
    shutil.copy(gazetteer_path, path)
    stale = write(tmp_path / "gazetteer.sqlite.k1ll3d.tmp", b"\0" * 4096)
    other = write(tmp_path / "other.sqlite.abc.tmp", b"not ours")
    assert build_index(path, min_city_population=15000) == 0.0
    assert not stale.exists() and other.exists()


def test_gazetteer_build_force_from_the_command_line(mapped_project, tmp_path, capsys, monkeypatch):
    from geomap.gazetteer import build

    calls = []                                 # (the rebuild itself is tested above, on a small index)
    monkeypatch.setattr(build, "build_index", lambda path, **kw: calls.append((path, kw["force"])) or 1.5)
    write_config(mapped_project, tmp_path / "gazetteer.sqlite")
    for argv, force in ((["--force"], True), ([], False)):
        code, out, _ = run(capsys, "--root", mapped_project, "gazetteer", "build", *argv)
        assert code == 0 and "built in 1.5s" in out
        assert calls.pop() == (tmp_path / "gazetteer.sqlite", force)


def test_help_lists_the_file_system_exit_code(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "8  file system fault" in capsys.readouterr().out


# --- Hypothesis: nothing but geomap's own errors ----------------------------------------------------

KEY_NAMES = ["sources", "store", "gazetteer", "geocoder", "parse", "regions", "map", "path", "glob",
             "kind", "timeout", "service", "options", "pin", "ignore", "lat", "lon", "id", "title",
             "assets", "tiles", "max_passages", "cluster", "demonyms", "min_score", "file", "x"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["articles", "/", "~nobody/x", "..", "**/*", "feed", "cdn", "offline"]))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEY_NAMES), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(KEY_NAMES), yaml_values, max_size=6),
       junk=st.sampled_from(["", "\n: :", "\n&a [*a]", "\n\"\\ud800\": 1", "\n- x"]))
def test_any_config_yaml_loads_or_raises_a_config_error(tmp_path, data, junk):
    path = tmp_path / "geomap.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=False) + junk, encoding="utf-8")
    try:
        load_config(path, tmp_path)
    except GeomapError:
        pass


coordinates = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-400, 400),
                        st.text(max_size=2), st.none())
positions = st.lists(coordinates, min_size=0, max_size=3)
nested = st.recursive(positions, lambda inner: st.lists(inner, max_size=5), max_leaves=30)
geometries = st.fixed_dictionaries({
    "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "GeometryCollection",
                             "Circle", "polygon", ""]),
    "coordinates": nested,
})
features = st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "feature"]),
    "properties": st.one_of(st.none(), st.dictionaries(st.just("name"), st.one_of(st.text(max_size=5), st.integers()))),
    "geometry": st.one_of(geometries, st.none(), st.integers()),
})


@settings(max_examples=80, deadline=None)
@given(doc=st.one_of(geometries, features,
                     st.fixed_dictionaries({"type": st.just("FeatureCollection"),
                                            "features": st.lists(features, max_size=3)})))
def test_any_geojson_loads_or_raises_a_region_error(tmp_path_factory, doc):
    folder = tmp_path_factory.mktemp("geojson")
    (folder / "a.geojson").write_text(json.dumps(doc), encoding="utf-8")   # NaN written as NaN
    (folder / "regions.yaml").write_text(GEOJSON_LAYER, encoding="utf-8")
    try:
        layers = load_layers(folder / "regions.yaml")
    except (ConfigError, RegionError):
        return
    RegionIndex(layers).regions_for(0.5, 0.5)


# --- a huge article: work linear in its mentions ----------------------------------------------------

@pytest.fixture(scope="module")
def geoparser(gazetteer_path):
    from geomap.config import ParseConfig
    from geomap.gazetteer import Gazetteer
    from geomap.resolve import Geoparser

    with Gazetteer.open(gazetteer_path) as gazetteer:
        yield Geoparser(gazetteer, ParseConfig())


def counted(monkeypatch, module, name: str) -> list:
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("unit", ["Poltava ", "Police in Paris, Texas, and Dallas, Texas, said so. "])
def test_resolving_a_repeated_name_does_work_linear_in_its_repeats(geoparser, monkeypatch, unit):
    """Distance computations and per-group verdicts grow with the repeats, not with their square
    (before: every repeat compared with every other, 64 KB of "Poltava " took 5 s)."""
    from geomap import resolve, resolve_near

    work, verdicts = {}, {}
    for n in (600, 2400):
        km = counted(monkeypatch, resolve_near, "km")               # co-location and nearness
        seat = counted(monkeypatch, resolve, "km")                  # the resolver's own priors
        judged = counted(monkeypatch, resolve, "unsupported_hamlet")    # each walks its group's spans
        mentions = geoparser.parse(unit * n)
        assert len(mentions) >= n
        work[n], verdicts[n] = len(km) + len(seat), len(judged)
        monkeypatch.undo()
    assert work[2400] <= 4 * work[600] * 1.5, work        # quadratic would be 16x
    if unit == "Poltava ":                                 # one name, one group: judged once
        assert verdicts[600] == verdicts[2400] == 1, verdicts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc ", min_size=1, max_size=4), min_size=1, max_size=12))
def test_namesakes_are_the_prefix_relation(keys):
    from types import SimpleNamespace

    from geomap.resolve_near import namesakes

    groups = [SimpleNamespace(spans=[SimpleNamespace(key=k)]) for k in keys]
    expected = [[j for j, kb in enumerate(keys) if j == i or ka.startswith(kb) or kb.startswith(ka)]
                for i, ka in enumerate(keys)]
    assert namesakes(groups) == expected


def test_region_membership_asks_each_distinct_point_once(tmp_path, monkeypatch):
    index = layer_index(tmp_path, SQUARE)
    sizes = []
    real = index._compute
    monkeypatch.setattr(index, "_compute", lambda lats, lons: sizes.append(len(lats)) or real(lats, lons))
    found = index.regions_for_many([0.5] * 5000 + [5.0] * 5000, [0.5] * 5000 + [5.0] * 5000)
    assert found == [("a",)] * 5000 + [()] * 5000
    assert sizes == [2]


@pytest.mark.parametrize("fmt", ["jsonl", "geojson", "table"])
def test_a_huge_articles_records_are_written_in_batches_with_the_same_output(mapped_project, capsys,
                                                                              monkeypatch, fmt):
    from geomap import cli

    argv = ["--root", mapped_project, "parse", mapped_project / "articles", "--format", fmt]
    code, whole, _ = run(capsys, *argv)
    assert code == 0
    monkeypatch.setattr(cli, "RECORDS_PER_WRITE", 2)
    writes = []
    real = cli.write_jsonl
    monkeypatch.setitem(cli.WRITERS, "jsonl", lambda batches, out: real(
        (writes.append(len(b)) or b for b in batches), out))
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out == whole and out.strip()
    if fmt == "jsonl":
        assert writes and max(writes) == 2
