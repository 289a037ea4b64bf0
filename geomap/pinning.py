"""``geomap pin NAME (LAT,LON | --id ID)``: write a pin into ``config/geomap.yaml``, comments kept.

The file is edited as text, one line added or replaced under ``parse: pin:``, so that every comment
and the layout the user wrote stay as they were; the result is then loaded with the normal config
machinery (any problem is a ``ConfigError`` naming file, line and key, and nothing is written) and
saved atomically. The refresh that follows re-parses only the articles whose text contains a name
whose pin changed (``pipeline``'s ``names_state``).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from geomap._files import replacing
from geomap.errors import ConfigError

_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def parse_coordinates(value: str) -> tuple[float, float]:
    """``"47.43,35.82"`` → (lat, lon); ``ConfigError`` for anything else or out of range."""
    m = _COORDS.match(value)
    if m is None:
        raise ConfigError(f"coordinates must be LAT,LON in degrees, e.g. 47.4378,35.8247 (got {value!r})")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(f"coordinates out of range: lat must be within ±90, lon within ±180 (got {value!r})")
    return lat, lon


def pin_entry(name: str, *, lat: float | None = None, lon: float | None = None,
              place_id: str | None = None) -> str:
    """The YAML flow line for one pin (names and ids JSON-quoted: valid YAML, any character safe)."""
    if place_id is not None:
        value = f"{{id: {json.dumps(place_id, ensure_ascii=False)}}}"
    else:
        value = f"{{lat: {lat!r}, lon: {lon!r}}}"
    return f"{json.dumps(name, ensure_ascii=False)}: {value}"


def with_pin(text: str, entry: str, name: str) -> str:
    """``text`` (a geomap.yaml) with ``entry`` under ``parse: pin:``: replacing a one-line pin of
    the same name, else added as the first pin; ``parse:`` and ``pin:`` are created when missing."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    parse = next((i for i, line in enumerate(lines) if re.match(r"^parse\s*:", line)), None)
    if parse is None:
        return "".join(lines) + f"parse:\n  pin:\n    {entry}\n"
    end = next((i for i in range(parse + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    pin = next((i for i in range(parse + 1, end) if re.match(r"^\s+pin\s*:", lines[i])), None)
    if pin is None:
        indent = _child_indent(lines, parse + 1, end, 0) or "  "
        lines.insert(parse + 1, f"{indent}pin:\n{indent}  {entry}\n")
        return "".join(lines)
    pin_indent = len(lines[pin]) - len(lines[pin].lstrip())
    head = lines[pin]
    if re.match(r"^\s+pin\s*:\s*\{\}", head):   # "pin: {}   # comment": becomes a block mapping
        lines[pin] = head.replace("{}", "  ", 1)
    elif head.split(":", 1)[1].split("#", 1)[0].strip():
        raise ConfigError("parse.pin is written in a form geomap pin cannot edit (a flow mapping); "
                          "write it as one pin per line", key="parse.pin")
    indent = _child_indent(lines, pin + 1, end, pin_indent) or " " * (pin_indent + 2)
    keys = {_entry_name(lines[i]): i for i in range(pin + 1, end)
            if lines[i].startswith(indent) and not lines[i][len(indent):].startswith((" ", "#"))}
    if name in keys:
        lines[keys[name]] = f"{indent}{entry}\n"
    else:
        lines.insert(pin + 1, f"{indent}{entry}\n")
    return "".join(lines)


def _child_indent(lines: list[str], start: int, end: int, parent: int) -> str:
    """The indentation of the first non-comment line deeper than ``parent`` in ``lines[start:end]``."""
    for i in range(start, end):
        stripped = lines[i].lstrip(" ")
        if not stripped.strip() or stripped.startswith("#"):
            continue
        depth = len(lines[i]) - len(stripped)
        return " " * depth if depth > parent else ""
    return ""


def _entry_name(line: str) -> str | None:
    """The name a one-line pin entry pins (quoted or plain), else None."""
    body = line.strip()
    if body.startswith('"'):
        try:
            return json.loads(body[:body.index('":') + 1])
        except ValueError:
            return None
    return body.split(":", 1)[0].strip() if ":" in body else None


def write_pin(config_path: Path, root: Path, name: str, *, lat: float | None = None,
              lon: float | None = None, place_id: str | None = None) -> None:
    """Add or replace the pin in ``config_path`` (created when missing), after checking that the
    result is a valid config; atomic (temp file + rename). ``ConfigError`` leaves the file as it was."""
    from geomap.config import load_config

    if not name.strip():
        raise ConfigError("the name to pin is empty")
    old = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    new = with_pin(old, pin_entry(name, lat=lat, lon=lon, place_id=place_id), name)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    mode = config_path.stat().st_mode & 0o777 if config_path.exists() else None
    with replacing(config_path, prefix=".geomap-", suffix=".yaml", mode=mode) as tmp:
        tmp.write_text(new, encoding="utf-8")
        try:
            config = load_config(tmp, root)      # the normal checks, before anything is replaced
        except ConfigError as e:
            raise ConfigError(e.reason, file=str(config_path), line=e.line, key=e.key) from None
        if not any(p.name == name for p in config.parse.pins):
            raise ConfigError(f"the pin for {name!r} did not land under parse.pin", file=str(config_path))
