#!/usr/bin/env bash
# Run the team's geoparsing benchmark on both corpora with the Geoparser alone
# (benchmarks/parse_dir.py), then the peak memory of one full LGL run.
#
#   bash benchmarks/run_geoparse_bench.sh [BENCH_DIR]      (default /work/shared/bench)
#
# Prints the scorer's JSON and summary line per corpus and "peak RSS". The gazetteer index must
# exist (it is built on first use, which takes a minute and is not counted here).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${1:-/work/shared/bench}
PY=.venv/bin/python
CMD="$PY -m benchmarks.parse_dir {dir}"

$PY -c 'from geomap.gazetteer import Gazetteer; Gazetteer.open(build=True)'   # build outside the timing
for corpus in lgl.xml GeoVirus.xml; do
    $PY "$BENCH/geoparse_bench.py" "$BENCH/corpora/$corpus" --cmd "$CMD"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$PY - "$BENCH/geoparse_bench.py" "$BENCH/corpora/lgl.xml" "$tmp" <<'PY'
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("bench", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
for i, (text, _) in enumerate(bench.load_corpus(Path(sys.argv[2]), "lgl")):
    (Path(sys.argv[3]) / f"{i:04d}.txt").write_text(text, encoding="utf-8")
PY
/usr/bin/time -v $PY -m benchmarks.parse_dir "$tmp" 2>"$tmp/time.txt" >/dev/null
grep -E "Maximum resident|Elapsed" "$tmp/time.txt" | sed 's/^\s*/peak: /'
