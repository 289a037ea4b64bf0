"""The ``geomap`` command: a thin argparse front over the library.

Only this module turns ``GeomapError`` into a one-line message and an exit code; everything else
raises. Commands import what they need when they run, so ``geomap parse`` never loads the map
renderer, and shapely only when region layers are configured.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from itertools import chain, islice
from typing import TYPE_CHECKING, Callable, Iterable, Sequence, TextIO

from geomap import __version__
from geomap.errors import ArticleError, ConfigError, FileSystemError, GeomapError

if TYPE_CHECKING:
    from geomap.config import Config

EPILOG = """\
exit codes:
  0  ok
  1  some articles failed (the others were processed), or another error
  2  configuration error (the message names file:line: key)
  3  article error (no article could be read)
  4  gazetteer error
  5  online geocoder error
  6  store error
  7  another refresh is running (locked)
  8  file system fault (disk full, read-only or unwritable folder; the message names the path)
"""

FORMATS = ("jsonl", "geojson", "table")
RECORDS_PER_WRITE = 10_000


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geomap`` script and ``python -m geomap``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except GeomapError as e:
        print(f"geomap: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("geomap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:         # `geomap parse ... | head`: the reader left; not an error
        sys.stderr.close()
        return 0
    except OSError as e:            # a fault of the machine, not of geomap's input: say where
        error = file_system_error(e)
        print(f"geomap: error: {error}", file=sys.stderr)
        return error.exit_code


def file_system_error(e: OSError) -> FileSystemError:
    """The message for an ``OSError`` that reached the command: the path, and what to do."""
    import errno

    where = e.filename or "a file"
    reason = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free space on that disk and run the command again (the previous outputs are kept)"
    elif e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "make the folder writable, or set map.output / store.path to a writable place"
    else:
        hint = "check the path and the disk, then run the command again"
    return FileSystemError(f"{where}: {reason}; {hint}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geomap", description="Map every place that a folder of news articles mentions.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"geomap {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file (default: <root>/config/geomap.yaml, "
                             "or the embedded defaults when it does not exist)")
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR",
                        help="project root; relative paths in the config are relative to it "
                             "(default: the current folder)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("parse", help="print the places mentioned in files or folders",
                            description="Geoparse files or folders and print one record per place "
                                        "mention. Nothing is stored.", epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="article file or folder")
    p.add_argument("--format", choices=FORMATS, default="jsonl",
                   help="jsonl: one JSON object per mention (default); geojson: a FeatureCollection "
                        "of the resolved mentions; table: aligned columns")
    p.add_argument("--explain", action="store_true", help="include why each place was chosen")
    p.add_argument("--unplaced", action="store_true",
                   help="print only the names not placed (place-like names the gazetteer lacks, "
                        "rivers or streets it cannot place): candidates for `geomap pin`")
    _add_executor_options(p)
    p.set_defaults(run=cmd_parse)

    p = commands.add_parser("pin", help="always place a name at coordinates or a gazetteer id "
                                        "(written into config/geomap.yaml), then refresh",
                            description="Write a pin into the config file (comments kept) and "
                                        "refresh: only the articles that contain the name are "
                                        "parsed again.", epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", metavar="NAME", help="the name as articles write it, e.g. Robotyne")
    p.add_argument("coords", nargs="?", metavar="LAT,LON", help="e.g. 47.4378,35.8247")
    p.add_argument("--id", dest="place_id", metavar="ID", help="a gazetteer id instead, e.g. geonames:703448")
    p.add_argument("--article", type=Path, metavar="A",
                   help="an article file that mentions the name: checked before anything is written, "
                        "and its placed mentions of the name are printed after the refresh")
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, no summary")
    p.set_defaults(run=cmd_pin, workers=1, executor="local", scheduler=None)

    p = commands.add_parser("refresh", help="process new and changed articles and update the map",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, no summary")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another refresh is running, wait up to this long for it (default: "
                        "exit at once with code 7)")
    _add_other_files_option(p)
    _add_executor_options(p)
    p.set_defaults(run=cmd_refresh)

    p = commands.add_parser("forget", help="forget the stored articles of a source (a file, a "
                                           "folder, or a stored source URL)",
                            description="Remove from the store every article that came from SOURCE "
                                        "(a refresh keeps the articles of a missing or unreadable "
                                        "source; this is how to let them go). The next refresh "
                                        "updates the map.", epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="SOURCE", help="file or folder (relative to --root), or a "
                                                     "stored source exactly")
    p.set_defaults(run=cmd_forget)

    p = commands.add_parser("watch", help="refresh whenever an article file is added, changed or "
                                          "removed (Ctrl-C stops)",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, no summaries")
    p.add_argument("--debounce", type=float, default=0.5, metavar="SECONDS",
                   help="refresh once files have been quiet this long (default: 0.5)")
    p.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                   help="also refresh this often, for feed sources (default: 300 when feeds are "
                        "configured, else never)")
    _add_other_files_option(p)
    _add_executor_options(p)
    p.set_defaults(run=cmd_watch)

    p = commands.add_parser("search", help="full-text search of every stored article",
                            description="Search the title and text of every article the last "
                                        "refresh stored. Words must all occur (case and accents "
                                        "ignored); \"a phrase\" in quotes; word* for a prefix. "
                                        "A query naming a mapped place (any form or language: "
                                        "Херсоном, Kiev) lists the place and also finds the "
                                        "articles mentioning it. Exit 1 when nothing matches.")
    p.add_argument("query", nargs="+", metavar="QUERY", help="words, \"phrases\", prefix*")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--layer", metavar="L", help="only articles naming a place in layer L")
    where.add_argument("--region", metavar="R", help="only articles naming a place in region R "
                                                    "(a layer or layer/feature name)")
    p.add_argument("--since", metavar="D", help="only articles dated D (YYYY-MM-DD) or later")
    p.add_argument("--until", metavar="D", help="only articles dated D or earlier")
    p.add_argument("--format", choices=("table", "jsonl", "csv"), default="table",
                   help="table (default), jsonl (one object per article) or csv")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="show the N best articles (default: 50; 0: all)")
    p.set_defaults(run=cmd_search)

    p = commands.add_parser("open", help="open the map in the web browser")
    p.set_defaults(run=cmd_open)


    gaz = commands.add_parser("gazetteer", help="build or inspect the offline gazetteer")
    gsub = gaz.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = gsub.add_parser("build", help="(re)build the index from the installed packages (a current, "
                                      "intact index is kept unless --force)")
    p.add_argument("--force", action="store_true", help="rebuild even a current index (repairs a damaged one)")
    p.set_defaults(run=cmd_gazetteer_build)
    gsub.add_parser("info", help="show the index's location, version and size").set_defaults(
        run=cmd_gazetteer_info)
    p = gsub.add_parser("import", help="add a GeoNames dump (allCountries.zip, XX.zip, cities500.zip, "
                                       "admin1CodesASCII.txt) to the index")
    p.add_argument("source", metavar="SRC", help="a local file or an http(s) URL")   # str: Path mangles URLs
    p.set_defaults(run=cmd_gazetteer_import)

    reg = commands.add_parser("regions", help="check region layers or derive admin-1 regions")
    rsub = reg.add_subparsers(dest="action", metavar="ACTION", required=True)
    rsub.add_parser("check", help="load the configured region layers and report them").set_defaults(
        run=cmd_regions_check)
    p = rsub.add_parser("derive-admin1", help="write a country's first-level regions as GeoJSON "
                                              "(approximate borders derived from GeoNames settlements)")
    p.add_argument("country", metavar="CC", help="ISO 3166-1 alpha-2 country code, e.g. UA")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    p.set_defaults(run=cmd_regions_derive_admin1)
    return parser


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                   help="geoparse in N local processes (default: 1, in this process)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: this machine (default); dask: an existing Dask cluster "
                        "(needs --scheduler and the geomap[dask] extra)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")


def _add_other_files_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-other-files", action="store_true",
                   help="write into an output folder that holds files geomap did not write (they "
                        "are left alone; same as map.allow_other_files: true)")


def _positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {n})")
    return n


def _executor(args: argparse.Namespace) -> dict:
    return {"workers": args.workers, "executor": args.executor, "scheduler": args.scheduler}


def load(args: argparse.Namespace) -> Config:
    from geomap.config import load_config

    config = load_config(args.config, args.root)
    if getattr(args, "allow_other_files", False):
        import dataclasses

        config = dataclasses.replace(config, map=dataclasses.replace(config.map,
                                                                     allow_other_files=True))
    return config


# --- parse ---------------------------------------------------------------------------------------

def cmd_parse(args: argparse.Namespace) -> int:
    from geomap.pipeline import parse_paths

    config = load(args)
    errors: list[str] = []

    def report(message: str) -> None:
        errors.append(message)
        print(f"geomap: {message}", file=sys.stderr)

    results = parse_paths(args.paths, config, explain=args.explain, on_error=report,
                          **_executor(args))
    read = 0

    def records():
        """Lists of records, one per article up to ``RECORDS_PER_WRITE`` (written at once: stdout
        may be unbuffered; a huge article's records are never all held as dicts together)."""
        nonlocal read
        for article, mentions, regions_list in results:
            read += 1
            pairs = ((m, r) for m, r in zip(mentions, regions_list)
                     if not args.unplaced or m.place is None)
            while batch := [mention_record(article, mention, regions, explain=args.explain)
                            for mention, regions in islice(pairs, RECORDS_PER_WRITE)]:
                yield batch

    WRITERS[args.format](records(), sys.stdout)
    if errors:
        return 1 if read else ArticleError.exit_code
    return 0


def mention_record(article, mention, regions, *, explain: bool = False) -> dict:
    """One mention as the JSONL contract spells it (``article`` is the path as given, ``date``
    the article's ISO date or None when undated)."""
    place = mention.place
    record = {
        "article": article.source, "date": article.published, "start": mention.start, "end": mention.end, "text": mention.text,
        "name": place.name if place else None,
        "lat": place.lat if place else None, "lon": place.lon if place else None,
        "country": place.country if place else "", "kind": place.kind if place else None,
        "id": place.id if place else None, "score": round(mention.score, 4),
        "regions": list(regions),
    }
    if explain:
        record["explain"] = list(mention.explain)
    return record


def write_jsonl(batches: Iterable[list[dict]], out: TextIO) -> None:
    """One JSON object per line, one write per batch (an article's records)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for batch in batches:
        if batch:
            out.write("".join([encode(record) + "\n" for record in batch]))
    out.flush()


def write_geojson(batches: Iterable[list[dict]], out: TextIO) -> None:
    """A FeatureCollection of the resolved mentions (unresolved ones have no point to show)."""
    features = []
    for record in chain.from_iterable(batches):
        if record["lat"] is None:
            continue
        props = {k: v for k, v in record.items() if k not in ("lat", "lon")}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]}})
    out.write(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1))
    out.write("\n")


TABLE_COLUMNS = (("article", 28), ("span", 11), ("text", 20), ("place", 24), ("cc", 2),
                 ("kind", 9), ("lat", 9), ("lon", 10), ("score", 5), ("regions", 0))


def write_table(batches: Iterable[list[dict]], out: TextIO) -> None:
    """Aligned columns for reading in a terminal; long values are cut with ``…``."""
    out.write(_row([name for name, _ in TABLE_COLUMNS]))
    for batch in batches:
        lines = []
        for r in batch:
            lat = "" if r["lat"] is None else f"{r['lat']:.4f}"
            lon = "" if r["lon"] is None else f"{r['lon']:.4f}"
            lines.append(_row([r["article"], f"{r['start']}-{r['end']}", r["text"], r["name"] or "-",
                               r["country"], r["kind"] or "", lat, lon, f"{r['score']:.2f}",
                               ",".join(r["regions"])]))
            lines += [f"    {reason}\n" for reason in r.get("explain", ())]
        if lines:
            out.write("".join(lines))
    out.flush()


def _row(values: Sequence[str]) -> str:
    """One table line; a long path keeps its end (the file name), other values their start."""
    cells = []
    for value, (name, width) in zip(values, TABLE_COLUMNS):
        value = " ".join(str(value).split())
        if width and len(value) > width:
            value = "…" + value[1 - width:] if name == "article" else value[:width - 1] + "…"
        cells.append(value.ljust(width))
    return "  ".join(cells).rstrip() + "\n"


WRITERS: dict[str, Callable] = {"jsonl": write_jsonl, "geojson": write_geojson, "table": write_table}


# --- refresh / open ------------------------------------------------------------------------------

def cmd_pin(args: argparse.Namespace) -> int:
    from geomap.gazetteer import Gazetteer, normalize
    from geomap.pinning import parse_coordinates, write_pin
    from geomap.pipeline import parse_paths, refresh

    if (args.coords is None) == (args.place_id is None):
        raise ConfigError("geomap pin: give either LAT,LON or --id ID")
    lat = lon = None
    if args.coords is not None:
        lat, lon = parse_coordinates(args.coords)
    config = load(args)
    if args.place_id is not None:
        with Gazetteer.open(_gazetteer_path(config)) as gazetteer:
            if gazetteer.get(args.place_id) is None:
                raise ConfigError(f"no place {args.place_id!r} in the gazetteer (ids look like "
                                  "geonames:706448; see geomap parse --explain)")
    if args.article is not None:
        from geomap.articles import read_article

        article = read_article(args.article, root=args.article.parent)
        if normalize(args.name) not in normalize(article.text):
            raise ConfigError(f"{args.article}: does not mention {args.name!r}; nothing written")
    root = args.root.expanduser().resolve()
    path = args.config.expanduser() if args.config else root / "config" / "geomap.yaml"
    write_pin(path, root, args.name, lat=lat, lon=lon, place_id=args.place_id)
    if not args.quiet:
        print(f"pinned {args.name!r} in {path}")
    config = load(args)
    summary = refresh(config)
    _report(summary, quiet=args.quiet)
    if args.article is not None and not args.quiet:
        key = normalize(args.name)
        for article, mentions, _ in parse_paths([args.article], config):
            for m in mentions:
                if normalize(m.text) == key and m.place is not None:
                    print(f"{article.source}:{m.start}-{m.end} {m.text} -> {m.place.name} "
                          f"({m.place.lat:.4f}, {m.place.lon:.4f})")
    return 1 if summary.failed else 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from geomap.pipeline import refresh

    config = load(args)
    with ProgressBar(enabled=sys.stderr.isatty() and not args.quiet) as bar:
        summary = refresh(config, progress=bar.update if bar.enabled else None, wait=args.wait,
                          **_executor(args))
    _report(summary, quiet=args.quiet)
    return 1 if summary.failed or summary.unavailable else 0


def _report(summary, *, quiet: bool) -> None:
    for message in (*summary.notes, *summary.errors):
        print(f"geomap: {message}", file=sys.stderr)
    if not quiet:
        print(summary, flush=True)


class ProgressBar:
    """A tqdm bar on stderr for long refreshes: shown only on a terminal, only once the work
    takes more than a moment (tqdm's ``delay``), and gone when done, leaving the summary line."""

    def __init__(self, *, enabled: bool):
        self.enabled = enabled
        self._bar = None

    def update(self, done: int, total: int, article_id: str) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="article", file=sys.stderr, delay=1.0,
                             leave=False, dynamic_ncols=True)
        self._bar.update(done - self._bar.n)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()


def cmd_forget(args: argparse.Namespace) -> int:
    from geomap.pipeline import forget

    config = load(args)
    n = forget(config, args.source)
    if not n:
        print(f"geomap: no stored article came from {args.source}", file=sys.stderr)
        return 1
    print(f"forgot {n} article(s) of {args.source}; `geomap refresh` updates the map")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from geomap.search import FORMATTERS, find, format_places

    query = " ".join(args.query)
    places, results = find(load(args), query, layer=args.layer, region=args.region,
                           since=args.since, until=args.until, limit=args.limit or None)
    if args.format == "table":
        sys.stdout.write(format_places(places))
    sys.stdout.write(FORMATTERS[args.format](results))
    if not places and not results:
        print(f"geomap: nothing matches {query!r}", file=sys.stderr)
        return 1
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from geomap.pipeline import refresh
    from geomap.watch import watch

    config = load(args)
    interval = args.interval
    if interval is None and any(s.kind == "feed" for s in config.sources):
        interval = 300.0
    folders = ", ".join(str(config.resolve(s.path)) for s in config.sources if s.kind != "feed")
    print(f"geomap: watching {folders or 'feeds only'} (Ctrl-C stops)", file=sys.stderr, flush=True)

    def run():
        with ProgressBar(enabled=sys.stderr.isatty() and not args.quiet) as bar:
            return refresh(config, progress=bar.update if bar.enabled else None, wait=60.0,
                           **_executor(args))

    try:
        watch(config, refresh=run, on_summary=lambda s: _report(s, quiet=args.quiet),
              on_error=lambda message: print(f"geomap: error: {message}", file=sys.stderr, flush=True),
              debounce=args.debounce, interval=interval)
    except KeyboardInterrupt:
        pass
    print("geomap: watch stopped", file=sys.stderr)
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    import webbrowser

    from geomap.pipeline import MAP_FILE

    config = load(args)
    path = config.resolve(config.map.output) / MAP_FILE
    if not path.is_file():
        raise GeomapError(f"{path} does not exist yet; run `geomap refresh` first")
    if not webbrowser.open(path.resolve().as_uri()):
        print(f"geomap: no web browser found; open {path} yourself", file=sys.stderr)
        return 1
    print(path)
    return 0


# --- gazetteer -----------------------------------------------------------------------------------

def _gazetteer_path(config: Config) -> Path:
    from geomap.gazetteer.index import default_path

    path = config.gazetteer.path
    return config.resolve(path) if path is not None else default_path()


def cmd_gazetteer_build(args: argparse.Namespace) -> int:
    from geomap.gazetteer.build import build_index

    path = _gazetteer_path(load(args))
    seconds = build_index(path, log=lambda msg: print(msg, file=sys.stderr), force=args.force)
    print(f"{path}: built in {seconds:.1f}s" if seconds else f"{path}: already up to date")
    return 0


def cmd_gazetteer_info(args: argparse.Namespace) -> int:
    from geomap.gazetteer import Gazetteer

    path = _gazetteer_path(load(args))
    if not path.exists():
        raise GeomapError(f"{path}: no gazetteer index yet; run `geomap gazetteer build`")
    with Gazetteer.open(path) as gazetteer:
        info = gazetteer.info()
    width = max(map(len, info))
    for key, value in sorted(info.items()):
        print(f"{key:<{width}}  {value or '-'}")
    return 0


def cmd_gazetteer_import(args: argparse.Namespace) -> int:
    from geomap.gazetteer import import_geonames

    path = _gazetteer_path(load(args))
    added = import_geonames(args.source, path)
    print(f"{path}: imported {added} places from {args.source}")
    return 0


# --- regions -------------------------------------------------------------------------------------

def cmd_regions_check(args: argparse.Namespace) -> int:
    """Load every layer as a refresh would; print the library's report (``check_layers``: regions,
    areas, credits and repairs made) and a total."""
    import warnings

    from geomap.regions import check_layers, load_layers

    config = load(args)
    if config.regions.file is None:
        print("no region layers configured (regions.file is null)")
        return 0
    path = config.resolve(config.regions.file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # each layer lists its repairs in ``warnings``
        layers = load_layers(path)
    for line in check_layers(layers):
        print(line)
    print(f"{path}: ok, {len(layers)} layer(s), {sum(len(layer.regions) for layer in layers)} region(s)")
    return 0


def cmd_regions_derive_admin1(args: argparse.Namespace) -> int:
    """Write the derived first-level regions of a country as GeoJSON (for a ``geojson`` source)."""
    from geomap.regions import derive_admin1

    collection = derive_admin1(args.country)
    text = json.dumps(collection, ensure_ascii=False) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{args.output}: {len(collection['features'])} region(s)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
