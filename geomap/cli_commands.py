"""The ``geomap`` commands other than ``parse``: pin, refresh, forget, search, watch, open and the
``gazetteer`` / ``regions`` actions. :mod:`geomap.cli` builds the parser, points each sub-command
here and turns the errors they raise into messages and exit codes. Each command imports what it
needs when it runs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from geomap.errors import ConfigError, GeomapError

if TYPE_CHECKING:
    from geomap.config import Config


def executor_options(args: argparse.Namespace) -> dict:
    """The ``--workers/--executor/--scheduler`` options as keyword arguments of the pipeline."""
    return {"workers": args.workers, "executor": args.executor, "scheduler": args.scheduler}


def load(args: argparse.Namespace) -> Config:
    """The configuration ``--config``/``--root`` name, with the command line's overrides."""
    from geomap.config import load_config

    config = load_config(args.config, args.root)
    if getattr(args, "allow_other_files", False):
        import dataclasses

        config = dataclasses.replace(config, map=dataclasses.replace(config.map,
                                                                     allow_other_files=True))
    return config


# --- pin / refresh / forget / search / watch / open ----------------------------------------------

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
                          **executor_options(args))
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
                           **executor_options(args))

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
