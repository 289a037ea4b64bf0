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

from geomap.pipeline.execute import Progress, RefreshSummary, forget, refresh
from geomap.pipeline.outputs import MAP_FILE, write_outputs
from geomap.pipeline.parse import parse_paths, parse_stream

__all__ = ["MAP_FILE", "Progress", "RefreshSummary", "forget", "parse_paths", "parse_stream", "refresh", "write_outputs"]
