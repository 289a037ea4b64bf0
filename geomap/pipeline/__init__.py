"""Orchestration: ``parse_paths`` for ``geomap parse``, ``refresh`` for the incremental map.

The refresh is a plan and its execution:

* ``plan`` — ``plan(stored, found, fingerprints, now)``: pure; decides what to read, parse, delete,
  restamp, mark to parse again and render (its rules are documented there, tested in milliseconds);
* ``execute`` — ``refresh``/``forget``: gathers the plan's data, carries the plan out;
* ``stages`` — the gazetteer, geoparser, online geocoder and region index, built on first use, and
  the fingerprints of the settings;
* ``outputs`` — ``write_outputs``: render into a temporary folder, move into place;
* ``lock`` — one refresh at a time; ``parse`` — ``parse_paths``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from geomap._lazy import lazy_attributes

if TYPE_CHECKING:
    from geomap.pipeline.execute import Progress, RefreshSummary, forget, refresh
    from geomap.pipeline.outputs import MAP_FILE, write_outputs
    from geomap.pipeline.parse import parse_paths, parse_stream

#: Where each name lives. Imported on first use: ``geomap parse`` needs only ``parse_stream``, and
#: the refresh's modules (the store, the planner, feeds, the renderer's outputs) cost ~0.1 s of
#: start-up it would pay for nothing.
_HOMES = {"Progress": "execute", "RefreshSummary": "execute", "forget": "execute", "refresh": "execute",
          "MAP_FILE": "outputs", "write_outputs": "outputs", "parse_paths": "parse",
          "parse_stream": "parse"}


__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = ["MAP_FILE", "Progress", "RefreshSummary", "forget", "parse_paths", "parse_stream", "refresh", "write_outputs"]
