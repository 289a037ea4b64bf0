"""``geomap ARGS`` (the real command line), then one more line: ``stages: [...]`` as JSON, the
``RefreshSummary.stages`` of each refresh it ran (``[name, wall s, CPU s, peak RSS MB]``).

    python -m benchmarks.refresh_stages --root DIR refresh --workers 2

``bench_refresh.py`` runs this under ``/usr/bin/time -v`` to tell the gather, geoparse, store and
render stages apart (issue 13: which stage dominates a cold build).
"""
from __future__ import annotations

import json
import sys

import geomap.pipeline
from geomap.cli import main

_refresh = geomap.pipeline.refresh
_seen: list = []


def _recorded(*args, **kwargs):
    summary = _refresh(*args, **kwargs)
    _seen.append([list(stage) for stage in summary.stages])
    return summary


if __name__ == "__main__":
    geomap.pipeline.refresh = _recorded      # cmd_refresh imports it when it runs
    code = main(sys.argv[1:])
    print("stages: " + json.dumps(_seen[-1] if _seen else []), flush=True)
    raise SystemExit(code)
