"""The ``geomap`` command: a thin argparse front over the library.

Only this module turns ``GeomapError`` into a one-line message and an exit code; everything else
raises. Commands import what they need when they run, so ``geomap parse`` never loads the map
renderer, and shapely only when region layers are configured. The other commands live in
:mod:`geomap.cli_commands`, the record formats of ``parse`` in :mod:`geomap.cli_output` (both
re-exported here).
"""
from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from itertools import islice
from typing import Sequence

from geomap import __version__
from geomap.cli_commands import (ProgressBar, cmd_forget, cmd_gazetteer_build, cmd_gazetteer_import,
                                 cmd_gazetteer_info, cmd_open, cmd_pin, cmd_refresh,
                                 cmd_regions_check, cmd_regions_derive_admin1, cmd_search, cmd_watch,
                                 executor_options, load)
from geomap.cli_output import (TABLE_COLUMNS, WRITERS, jsonl_batches, mention_record, write_geojson,
                               write_jsonl, write_table)
from geomap.errors import ArticleError, FileSystemError, GeomapError

__all__ = ["EPILOG", "FORMATS", "RECORDS_PER_WRITE", "ProgressBar", "TABLE_COLUMNS", "WRITERS",
           "build_parser", "cmd_forget", "cmd_gazetteer_build", "cmd_gazetteer_import",
           "cmd_gazetteer_info", "cmd_open", "cmd_parse", "cmd_pin", "cmd_refresh",
           "cmd_regions_check", "cmd_regions_derive_admin1", "cmd_search", "cmd_watch",
           "executor_options", "file_system_error", "load", "main", "mention_record",
           "write_geojson", "write_jsonl", "write_table"]

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

    p = _add_command(commands, "parse", help="print the places mentioned in files or folders",
                     description="Geoparse files or folders and print one record per place "
                                 "mention. Nothing is stored.")
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

    p = _add_command(commands, "pin", help="always place a name at coordinates or a gazetteer id "
                                           "(written into config/geomap.yaml), then refresh",
                     description="Write a pin into the config file (comments kept) and refresh: "
                                 "only the articles that contain the name are parsed again.")
    p.add_argument("name", metavar="NAME", help="the name as articles write it, e.g. Robotyne")
    p.add_argument("coords", nargs="?", metavar="LAT,LON", help="e.g. 47.4378,35.8247")
    p.add_argument("--id", dest="place_id", metavar="ID", help="a gazetteer id instead, e.g. geonames:703448")
    p.add_argument("--article", type=Path, metavar="A",
                   help="an article file that mentions the name: checked before anything is written, "
                        "and its placed mentions of the name are printed after the refresh")
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, no summary")
    p.set_defaults(run=cmd_pin, workers=1, executor="local", scheduler=None)

    p = _add_command(commands, "refresh", help="process new and changed articles and update the map")
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, no summary")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another refresh is running, wait up to this long for it (default: "
                        "exit at once with code 7)")
    _add_other_files_option(p)
    _add_executor_options(p)
    p.set_defaults(run=cmd_refresh)

    p = _add_command(commands, "forget", help="forget the stored articles of a source (a file, a "
                                              "folder, or a stored source URL)",
                     description="Remove from the store every article that came from SOURCE (a "
                                 "refresh keeps the articles of a missing or unreadable source; "
                                 "this is how to let them go). The next refresh updates the map.")
    p.add_argument("source", metavar="SOURCE", help="file or folder (relative to --root), or a "
                                                     "stored source exactly")
    p.set_defaults(run=cmd_forget)

    p = _add_command(commands, "watch", help="refresh whenever an article file is added, changed "
                                             "or removed (Ctrl-C stops)")
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


def _add_command(commands, name: str, *, help: str, description: str | None = None
                 ) -> argparse.ArgumentParser:
    """A sub-command whose help ends with the exit codes (``EPILOG``, kept as written)."""
    return commands.add_parser(name, help=help, description=description, epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                   help="geoparse, and write a full render's pages, in N local processes "
                        "(default: 1, in this process)")
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


# --- parse ---------------------------------------------------------------------------------------

def cmd_parse(args: argparse.Namespace) -> int:
    from geomap.pipeline import parse_stream

    config = load(args)
    errors: list[str] = []

    def report(message: str) -> None:
        errors.append(message)
        print(f"geomap: {message}", file=sys.stderr)

    results = parse_stream(args.paths, config, explain=args.explain, on_error=report,
                           **executor_options(args))
    read = 0

    def records():
        """Lists of records, one per article up to ``RECORDS_PER_WRITE`` (written at once: stdout
        may be unbuffered; a huge article's records are never all held as dicts together)."""
        nonlocal read
        for article, pairs in results:
            read += 1
            if read == 1:       # modules, gazetteer, geoparser tables: alive until exit, so keep
                gc.freeze()     # the cyclic collector from walking them again (~5 % of LGL's CPU)
            if args.format == "jsonl" and hasattr(pairs, "batches"):   # a streamed article
                yield from jsonl_batches(article, pairs.batches(), explain=args.explain, unplaced=args.unplaced)
                continue
            if args.unplaced:
                pairs = ((m, r) for m, r in pairs if m.place is None)
            while batch := [mention_record(article, mention, regions, explain=args.explain)
                            for mention, regions in islice(pairs, RECORDS_PER_WRITE)]:
                yield batch

    try:
        WRITERS[args.format](records(), sys.stdout)
    finally:
        gc.unfreeze()           # an in-process caller (tests, the API) gets its collector back whole
    if errors:
        return 1 if read else ArticleError.exit_code
    return 0
