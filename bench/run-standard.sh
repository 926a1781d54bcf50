#!/usr/bin/env bash
# bench/run-standard.sh [OUTDIR] — the standard benchmark set of BENCHMARKS.md.
#
# For each (trades, seed) of the set it writes a labeled synthetic market with
# `washscan synth`, scores every preset and detector with `washscan bench`
# (JSON, Markdown, and the PR plot of the first market), and runs the DuckDB
# peer comparison (bench/peers/run.sh). Everything goes to OUTDIR (default
# /tmp/washscan-standard); nothing is written into the repository.
# Needs Go, Node 20 and npm (for @duckdb/node-api), and GNU time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/washscan-standard}
mkdir -p "$out"
(cd "$root" && go build -o "$out/washscan" ./cmd/washscan)
sets=${SETS:-"100000:1 100000:2 1000000:1"}
first=1
for s in $sets; do
	n=${s%%:*} seed=${s##*:}
	name="synth-$n-$seed"
	trades="$out/$name.csv" funders="$out/$name-funders.csv"
	if [ ! -s "$trades" ]; then
		"$out/washscan" synth --out "$trades" --funders "$funders" --trades "$n" --seed "$seed" --quiet
	fi
	plot=()
	if [ $first = 1 ]; then plot=(--plot "$out/pr-$name.png"); first=0; fi
	echo "## $name: washscan bench"
	"$out/washscan" bench --trades "$trades" --funders "$funders" --out "$out/bench-$name.json" "${plot[@]}" |
		tee "$out/bench-$name.md"
	echo
	echo "## $name: peers"
	WASHSCAN="$out/washscan" WORK="$out/peers-$name" "$root/bench/peers/run.sh" "$trades" "$funders" | tee "$out/peers-$name.md"
	echo
done
