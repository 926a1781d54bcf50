#!/usr/bin/env bash
# run.sh FILE [FUNDERS] — washscan and DuckDB side by side on one trades CSV.
#
# Builds washscan and peercmp, installs @duckdb/node-api if missing (npm ci),
# then times, each under GNU time -v (wall clock, peak RSS):
#   1. DuckDB running the Dune spellbook filters as SQL (dune.mjs),
#   2. washscan analyze --preset dune --flags …,
#   3. washscan analyze --preset default --flags …,
# and prints a Markdown table: wall time, peak RSS, rows flagged, precision,
# recall and F1 against the is_wash labels (when the file has them), and the
# Jaccard index of each flagged row set with DuckDB's. washscan's dune preset
# must flag exactly DuckDB's rows; any difference is listed.
#
# LOAD_ARGS (environment) is passed to all three, e.g. for CryptoPunks:
#   LOAD_ARGS="--map buyer=buyer_address,seller=seller_address,price=eth_price,block_time=day,tx_hash=transaction_hash
#              --set contract=0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb --time-format 01/02/06"
# WORK (environment) keeps the outputs in that directory (default: a temporary one).
# WASHSCAN (environment) names a prebuilt washscan binary to use instead of building one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 TRADES.csv [FUNDERS.csv]" >&2
	exit 2
fi
trades=$(realpath "$1")
funders=()
if [ $# -eq 2 ]; then funders=(--funders "$(realpath "$2")"); fi
# shellcheck disable=SC2206
load=(${LOAD_ARGS:-})
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"

if [ -n "${WASHSCAN:-}" ]; then
	cp "$WASHSCAN" "$work/washscan" # a prebuilt binary, so every run of a set uses the same one
else
	(cd "$root" && go build -o "$work/washscan" ./cmd/washscan)
fi
(cd "$root" && go build -o "$work/peercmp" ./bench/peers/peercmp)
if [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
	(cd "$here" && npm ci --no-audit --no-fund >&2)
fi
cat "$trades" "${funders[@]:1}" >/dev/null # warm the page cache for every tool alike

/usr/bin/time -v -o "$work/duckdb.time" \
	node "$here/dune.mjs" --trades "$trades" "${funders[@]}" "${load[@]}" --out "$work/duckdb.csv" 2>"$work/duckdb.log" ||
	{ cat "$work/duckdb.log" >&2; exit 1; }
for p in dune default; do
	/usr/bin/time -v -o "$work/$p.time" \
		"$work/washscan" analyze --trades "$trades" "${funders[@]}" "${load[@]}" --preset "$p" \
		--flags "$work/$p.flags.csv" --out "$work/$p.json"
done
"$work/peercmp" --trades "$trades" "${load[@]}" \
	--duckdb "$work/duckdb.csv:$work/duckdb.time" \
	--washscan "washscan --preset dune=$work/dune.flags.csv:$work/dune.time" \
	--washscan "washscan --preset default=$work/default.flags.csv:$work/default.time" \
	--compare "washscan --preset dune"
echo
echo "DuckDB: $(cat "$work/duckdb.log")"
echo "outputs in $work"
