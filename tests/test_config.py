"""Config loading: defaults, the shipped geomap.yaml, and every error naming file, line and key."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from geomap.config import MapConfig, default_config, load_config
from geomap.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write_config(project: Path, text: str) -> Path:
    path = project / "config" / "geomap.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(project: Path, text: str) -> ConfigError:
    path = write_config(project, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, project)
    return info.value


def test_no_path_and_no_default_file_gives_the_embedded_defaults(tmp_path):
    config = load_config(None, tmp_path)
    assert config == default_config(tmp_path)
    assert config.file is None and config.root == tmp_path.resolve()


def test_no_path_uses_the_default_file_when_it_exists(tmp_path):
    write_config(tmp_path, "map:\n  title: Frontline\n")
    config = load_config(None, tmp_path)
    assert config.map.title == "Frontline"
    assert config.file == (tmp_path / "config" / "geomap.yaml").resolve()


def test_an_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_config(tmp_path / "nope.yaml", tmp_path)
    assert info.value.file.endswith("nope.yaml")


def test_a_folder_given_as_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(tmp_path, tmp_path)


def test_the_shipped_file_spells_out_every_default(tmp_path):
    """config/geomap.yaml documents the defaults: loading it changes nothing but absolute paths."""
    (tmp_path / "config").mkdir()
    shipped = (REPO / "config" / "geomap.yaml").read_text(encoding="utf-8")
    (tmp_path / "config" / "geomap.yaml").write_text(shipped, encoding="utf-8")
    (tmp_path / "config" / "regions.yaml").write_text("layers: []\n", encoding="utf-8")
    config = load_config(None, tmp_path)
    defaults = default_config(tmp_path)
    root = tmp_path.resolve()
    assert config.geocoder == defaults.geocoder
    assert config.parse == defaults.parse
    assert config.gazetteer == defaults.gazetteer
    assert config.map == MapConfig(output=root / "output")
    assert config.store_path == root / ".geomap" / "geomap.sqlite"
    assert [s.path for s in config.sources] == [root / "articles"]
    assert config.regions.file == root / "config" / "regions.yaml"
    assert config.regions.tolerance_km == 1.0


def test_every_key_of_the_shipped_file_is_commented():
    lines = (REPO / "config" / "geomap.yaml").read_text(encoding="utf-8").splitlines()
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.endswith(":"):
            assert "#" in line, f"undocumented: {line!r}"


def test_values_are_read_and_paths_resolved(tmp_path):
    (tmp_path / "config" / "layers").mkdir(parents=True)
    (tmp_path / "config" / "layers" / "r.yaml").write_text("layers: []\n")
    path = write_config(tmp_path, """\
        sources:
          - path: inbox
            glob: "*.txt"
          - {path: /srv/one.md, kind: file}
          - {path: "https://news.example.org/rss", kind: feed, timeout: 5}
        store: {path: data/db.sqlite}
        gazetteer: {path: ~/gaz.sqlite}
        geocoder:
          service: Nominatim
          options: {user_agent: "newsroom/1.0"}
          min_delay_seconds: 2
          max_retries: 0
        parse:
          demonyms: true
          min_score: 0.25
          pin:
            Georgia: {id: "geonames:614540"}
            Kherson: {lat: 46.6354, lon: 32.6169, country: ua}
          ignore: [Jordan, " Florence "]
        regions: {file: layers/r.yaml, tolerance_km: 0}
        map: {assets: inline, max_passages: 3, cluster: false,
              tiles: "https://tiles.example.org/{z}/{x}/{y}.png", attribution: "Example"}
        """)
    c = load_config(path, tmp_path)
    root = tmp_path.resolve()
    assert [(s.path, s.glob, s.kind) for s in c.sources] == [
        (root / "inbox", "*.txt", "folder"), (Path("/srv/one.md"), "**/*", "file"),
        (Path("https://news.example.org/rss"), "**/*", "feed")]
    assert [s.timeout for s in c.sources] == [20.0, 20.0, 5.0]
    assert [s.url for s in c.sources] == [None, None, "https://news.example.org/rss"]
    assert c.store_path == root / "data" / "db.sqlite"
    assert c.gazetteer.path == Path.home() / "gaz.sqlite"
    assert c.geocoder.service == "nominatim" and c.geocoder.options == {"user_agent": "newsroom/1.0"}
    assert c.geocoder.min_delay_seconds == 2.0 and isinstance(c.geocoder.min_delay_seconds, float)
    assert c.geocoder.max_retries == 0
    assert c.parse.demonyms is True and c.parse.min_score == 0.25
    georgia, kherson = c.parse.pins
    assert georgia.place_id == "geonames:614540" and georgia.lat is None
    assert (kherson.lat, kherson.lon, kherson.country, kherson.place_id) == (46.6354, 32.6169, "UA", None)
    assert c.parse.ignore == {"Jordan", "Florence"}
    assert c.regions.file == root / "config" / "layers" / "r.yaml" and c.regions.tolerance_km == 0
    assert (c.map.assets, c.map.max_passages, c.map.cluster) == ("inline", 3, False)


def test_an_empty_file_means_defaults(tmp_path):
    c = load_config(write_config(tmp_path, ""), tmp_path)
    assert c.map == MapConfig(output=tmp_path.resolve() / "output")
    assert c.file is not None


@pytest.mark.parametrize("text, line, key, words", [
    ("map:\n  title: x\n  assets: cnd\n", 3, "map.assets", "must be one of cdn, local, inline (got 'cnd')"),
    ("store:\n  path: a\nmapp:\n  title: x\n", 3, "mapp", "did you mean 'map'?"),
    ("map:\n  clusterr: true\n", 2, "map.clusterr", "did you mean 'cluster'?"),
    ("map:\n  max_passages: five\n", 2, "map.max_passages", "must be an integer (got string 'five')"),
    ("map:\n  max_passages: 0\n", 2, "map.max_passages", "at least 1"),
    ("map:\n  cluster: 'yes'\n", 2, "map.cluster", "true or false"),
    ("map:\n  tiles: 'https://t/{z}/{x}/{y}.png'\n", 1, "map.attribution", "required"),
    ("parse:\n  min_score: 1.5\n", 2, "parse.min_score", "at most 1"),
    ("parse:\n  demonyms: 1\n", 2, "parse.demonyms", "true or false"),
    ("parse:\n  ignore: Jordan\n", 2, "parse.ignore", "must be a list"),
    ("parse:\n  ignore:\n    - Jordan\n    - 3\n", 4, "parse.ignore[1]", "must be a string"),
    ("parse:\n  pin:\n    Kyiv: {lat: 50.45}\n", 3, "parse.pin.Kyiv", "either 'id' or both"),
    ("parse:\n  pin:\n    Kyiv:\n      lat: 50.45\n      lon: 530.5\n", 5, "parse.pin.Kyiv.lon", "at most 180"),
    ("parse:\n  pin:\n    Kyiv: {id: x, place: 1}\n", 3, "parse.pin.Kyiv.place", "unknown key"),
    ("sources:\n  - path: a\n  - glob: '*'\n", 3, "sources[1]", "needs a 'path'"),
    ("sources:\n  - path: a\n    kind: folders\n", 3, "sources[0].kind", "must be one of folder, file, feed"),
    ("sources: articles\n", 1, "sources", "must be a list"),
    ("sources:\n  - path: x\n    kind: feed\n    timeout: 0\n", 4, "sources[0].timeout", "at least"),
    ("geocoder:\n  service: nominatm\n", 2, "geocoder.service", "did you mean 'nominatim'?"),
    ("geocoder:\n  service: nominatim\n", 1, "geocoder.options", "user_agent"),
    ("geocoder:\n  timeout: -1\n", 2, "geocoder.timeout", "at least"),
    ("geocoder:\n  max_retries: 1.5\n", 2, "geocoder.max_retries", "integer"),
    ("geocoder:\n  min_delay_seconds: .nan\n", 2, "geocoder.min_delay_seconds", "finite"),
    ("regions:\n  file: missing.yaml\n", 2, "regions.file", "does not exist"),
    ("regions:\n  tolerance_km: -2\n", 2, "regions.tolerance_km", "at least 0"),
    ("map:\n  title: a\nmap:\n  title: b\n", 3, "map", "duplicate key (first at line 1)"),
    ("- map\n", 1, None, "must be a mapping"),
])
def test_errors_name_file_line_and_key(tmp_path, text, line, key, words):
    error = error_of(tmp_path, text)
    assert error.file == str(tmp_path / "config" / "geomap.yaml")
    assert (error.line, error.key) == (line, key)
    assert words in str(error)
    assert str(error).startswith(f"{error.file}:{line}: ")


def test_the_message_reads_file_line_key_problem(tmp_path):
    error = error_of(tmp_path, "map:\n  assets: cnd\n")
    assert str(error) == (f"{tmp_path}/config/geomap.yaml:2: map.assets: "
                          "must be one of cdn, local, inline (got 'cnd')")


def test_yaml_syntax_errors_give_the_line(tmp_path):
    error = error_of(tmp_path, "map:\n  title: [unclosed\n  assets: cdn\nstore: {}\n")
    assert error.line is not None and 2 <= error.line <= 4
    assert "invalid YAML" in str(error)


def test_python_tags_are_refused(tmp_path):
    error = error_of(tmp_path, "map:\n  title: !!python/object/apply:os.system ['echo hacked']\n")
    assert error.line == 2
    assert "python/object" in str(error)


def test_undecodable_file_is_a_config_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"map:\n  title: \xff\xfe\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path, tmp_path)


def test_nested_aliases_do_not_blow_up(tmp_path):
    """A "billion laughs" document is measured over its node graph, never expanded, and refused
    as an alias bomb naming the file (before any key of it is looked at)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    error = error_of(tmp_path, "\n".join(levels) + "\n")
    assert error.file.endswith(".yaml") and "alias bomb" in str(error)


def test_deep_nesting_is_a_config_error(tmp_path):
    error = error_of(tmp_path, "map: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "invalid YAML" in str(error)


@pytest.mark.parametrize("text, line", [
    ("map:\n  output: .\n", 2),                                     # the project root
    ("map:\n  output: articles\n", 2),                              # the default inbox itself
    ("sources:\n  - path: .\nmap:\n  output: output\n", 4),          # output inside a source
    ("sources:\n  - path: output/inbox\n", None),                   # a source inside the output
])
def test_an_output_folder_that_overlaps_the_articles_is_refused(tmp_path, text, line):
    """A refresh replaces and removes pages in the output folder: pointing it at the articles
    would delete them, and an output inside a source would be read back as articles."""
    error = error_of(tmp_path, text)
    assert error.key == "map.output"
    assert error.file and error.file.endswith("geomap.yaml")
    if line is not None:
        assert error.line == line
    assert "root" in str(error) or "overlaps" in str(error)


def test_an_output_beside_the_articles_is_fine(tmp_path):
    config = load_config(write_config(tmp_path, "sources:\n  - path: inbox\nmap:\n  output: out\n"), tmp_path)
    assert config.map.output == tmp_path / "out"
