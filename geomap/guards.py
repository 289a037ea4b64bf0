"""Limits and checks for hostile inputs: YAML alias bombs, zip bombs, strings that cannot be
written (lone surrogates), non-finite coordinates, and rings that cross the antimeridian.

Each helper either returns a safe value or raises ``ValueError`` with a short reason; the caller
adds the file, line and key (``config.YamlDoc``) or the regions.yaml source (``regions.py``).
"""
from __future__ import annotations

import functools
import inspect
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

MAX_YAML_NODES = 200_000          # nodes of a YAML document with every alias expanded
MAX_UNZIPPED_BYTES = 512 * 2 ** 20  # a shapefile archive, all members together
MAX_ZIP_RATIO = 200               # uncompressed / compressed size of one member (beyond 1 MB)
MAX_PRJ_BYTES = 64 * 1024         # a .prj is one line of WKT


def yaml_expanded_size(node: yaml.Node) -> int:
    """How many nodes ``node`` becomes once every alias is expanded (each shared node is counted
    as often as it is used), computed over the node graph without expanding it; ``ValueError``
    once it passes ``MAX_YAML_NODES`` (a "billion laughs" document)."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node, depth: int) -> int:
        known = sizes.get(id(n))
        if known is not None:
            return known
        if depth > 500:
            raise ValueError("nested too deeply")
        total = 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(n, yaml.SequenceNode):
            for item in n.value:
                total += size(item, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        if total > MAX_YAML_NODES:
            raise ValueError(f"aliases expand to more than {MAX_YAML_NODES:,} values "
                             "(an alias bomb?); write the values out or use fewer aliases")
        sizes[id(n)] = total
        return total

    return size(node, 0)


def has_surrogate(text: str) -> bool:
    """True for a string holding a lone UTF-16 surrogate (``"\\ud800"``): it cannot be written
    as UTF-8, so it could never reach a page or the store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def surrogate_paths(data: Any, key: tuple = ()) -> Iterator[tuple]:
    """Keys (as tuples) of every string in ``data`` (dicts, lists, scalars) or mapping key that
    holds a lone surrogate."""
    if isinstance(data, str):
        if has_surrogate(data):
            yield key
    elif isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, str) and has_surrogate(k):
                yield key + (k.encode("utf-8", "backslashreplace").decode("ascii"),)
            else:
                yield from surrogate_paths(v, key + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from surrogate_paths(v, key + (i,))


def open_zip(path: Path) -> zipfile.ZipFile:
    """``path`` as a zip archive, checked before anything is unpacked: a real archive, at most
    ``MAX_UNZIPPED_BYTES`` unpacked, no member compressed more than ``MAX_ZIP_RATIO`` times."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise ValueError(f"not a zip archive ({e})") from e
    try:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if info.file_size > 2 ** 20 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise ValueError(f"member {info.filename!r} unpacks {info.file_size:,} bytes from "
                                 f"{info.compress_size:,} (ratio over {MAX_ZIP_RATIO}: a zip bomb?)")
        if total > MAX_UNZIPPED_BYTES:
            raise ValueError(f"unpacks to {total:,} bytes (limit {MAX_UNZIPPED_BYTES:,})")
    except BaseException:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of one member; more is a ``ValueError`` (never unpacked whole)."""
    with archive.open(name) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"member {name!r} is larger than {limit:,} bytes")
    return data


def check_finite(geometry) -> None:
    """``ValueError`` for NaN or infinite coordinates (GEOS cannot compute with them)."""
    import numpy as np
    import shapely

    coords = shapely.get_coordinates(geometry)
    if len(coords) and not np.isfinite(coords).all():
        raise ValueError("coordinates include NaN or infinity")


def split_antimeridian(geometry):
    """A polygon whose edges jump more than 180° of longitude crosses the antimeridian (RFC 7946:
    an edge takes the short way round): its rings are unwrapped and the result cut at ±180°, so
    Chukotka stays east of 170°E and west of 170°W instead of covering the whole world in between.
    Other geometries are returned as they are. ``ValueError`` for a ring around a pole."""
    import shapely
    from shapely import affinity
    from shapely.geometry import MultiPolygon, Polygon, box

    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return geometry
    parts = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
    if not any(_jumps(p.exterior.coords) or any(_jumps(r.coords) for r in p.interiors) for p in parts):
        return geometry
    pieces = []
    for part in parts:
        shell = _unwrap(part.exterior.coords)
        west, east = min(x for x, _ in shell), max(x for x, _ in shell)
        holes = []
        for ring in part.interiors:
            hole = _unwrap(ring.coords)
            middle = (min(x for x, _ in hole) + max(x for x, _ in hole)) / 2
            shift = 360.0 * round(((west + east) / 2 - middle) / 360.0)
            holes.append([(x + shift, y) for x, y in hole])
        polygon = Polygon(shell, holes)
        for offset in (-360.0, 0.0, 360.0):
            piece = polygon.intersection(box(-180 - offset, -90, 180 - offset, 90))
            if not piece.is_empty:
                pieces.append(affinity.translate(piece, xoff=offset))
    polygons = [g for piece in pieces for g in shapely.get_parts(piece)
                if g.geom_type == "Polygon" and not g.is_empty]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _jumps(coords) -> bool:
    xs = [x for x, *_ in coords]
    return any(abs(b - a) > 180 for a, b in zip(xs, xs[1:]))


def _unwrap(coords) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for x, y, *_ in coords:
        if out:
            prev = out[-1][0]
            x += 360.0 * round((prev - x) / 360.0)
        out.append((x, y))
    if abs(out[-1][0] - out[0][0]) > 1e-9:
        raise ValueError("a ring goes round a pole across the antimeridian; split it at 180° first")
    return out


def translate(catch: type[BaseException] | tuple, convert: Callable[[Any, BaseException], Exception]):
    """Method decorator: an exception of type ``catch`` raised by the method (or while its
    generator runs) is raised again as ``convert(self, exc)`` (a ``geomap.errors`` error)."""
    def decorate(method):
        if inspect.isgeneratorfunction(method):
            @functools.wraps(method)
            def rows(self, *args, **kwargs):
                try:
                    yield from method(self, *args, **kwargs)
                except catch as e:
                    raise convert(self, e) from e
            return rows

        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except catch as e:
                raise convert(self, e) from e
        return guarded
    return decorate
