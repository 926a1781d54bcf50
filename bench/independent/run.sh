#!/bin/sh
# usage: bench/independent/run.sh [OUTDIR] [SEED:TRADES ...]
# Builds washscan, generates the markets, runs bench + analyze (default, dune), scores the flags.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/indep}; shift 2>/dev/null || true
[ $# -gt 0 ] || set -- 1:100000 2:200000 3:60000
mkdir -p "$OUT"
(cd "$HERE/../.." && go build -o "$OUT/washscan" ./cmd/washscan)
for st in "$@"; do
  s=${st%%:*}; n=${st##*:}
  python3 "$HERE/gen.py" --seed "$s" --trades "$n" --out "$OUT/m$s.csv" --funders "$OUT/f$s.csv"
  "$OUT/washscan" bench --trades "$OUT/m$s.csv" --funders "$OUT/f$s.csv" --timing=false --out "$OUT/bench$s.json" > "$OUT/bench$s.md"
  "$OUT/washscan" analyze --trades "$OUT/m$s.csv" --funders "$OUT/f$s.csv" --flags "$OUT/flags$s.csv" --out "$OUT/m$s.json"
  "$OUT/washscan" analyze --preset dune --trades "$OUT/m$s.csv" --funders "$OUT/f$s.csv" --flags "$OUT/flags${s}_dune.csv" --out "$OUT/m${s}_dune.json"
  python3 "$HERE/score.py" --market "$OUT/m$s.csv" --funders "$OUT/f$s.csv" --flags "$OUT/flags$s.csv" --name "seed$s default" \
      --flags "$OUT/flags${s}_dune.csv" --name "seed$s dune" --examples 3 > "$OUT/score$s.md"
  grep -E '^\| preset:' "$OUT/bench$s.md"
  tail -3 "$OUT/score$s.md"
done
