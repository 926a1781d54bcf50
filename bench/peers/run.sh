#!/usr/bin/env bash
# run.sh FILE [FUNDERS] — washscan and DuckDB side by side on one trades CSV.
#
# Builds washscan and peercmp, installs @duckdb/node-api if missing (npm ci),
# writes the CSV as Parquet with DuckDB's own COPY (dune.mjs --to-parquet;
# not timed), then times, each under GNU time -v (wall clock, peak RSS):
#   1. DuckDB running the Dune spellbook filters as SQL (dune.mjs) on the CSV,
#   2. the same on the Parquet,
#   3. washscan analyze --preset dune --flags … on the CSV,
#   4. washscan analyze --preset default --flags … on the CSV,
#   5. 3 and 4 on the Parquet,
# and prints a Markdown table: wall time, peak RSS, rows flagged, precision,
# recall and F1 against the is_wash labels (when the file has them), and the
# Jaccard index of each flagged row set with DuckDB's on the CSV. DuckDB on
# the Parquet and washscan's dune preset on either file must flag exactly
# DuckDB's rows; any difference is listed. PARQUET=0 (environment) skips the
# Parquet runs (LOAD_ARGS such as --map apply to the CSV's columns).
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

parquet=${PARQUET:-1}
pq="$work/trades.parquet"
if [ "$parquet" = 1 ]; then
	node "$here/dune.mjs" --to-parquet --trades "$trades" --out "$pq" 2>"$work/parquet.log" ||
		{ cat "$work/parquet.log" >&2; exit 1; }
	cat "$pq" >/dev/null
fi

# duck NAME FILE [LOAD_ARGS…]: DuckDB's Dune SQL on FILE.
duck() {
	local name=$1 file=$2
	shift 2
	/usr/bin/time -v -o "$work/$name.time" \
		node "$here/dune.mjs" --trades "$file" "${funders[@]}" "$@" --out "$work/$name.csv" 2>"$work/$name.log" ||
		{ cat "$work/$name.log" >&2; exit 1; }
}
# wash NAME FILE PRESET [LOAD_ARGS…]: washscan analyze on FILE.
wash() {
	local name=$1 file=$2 preset=$3
	shift 3
	/usr/bin/time -v -o "$work/$name.time" \
		"$work/washscan" analyze --trades "$file" "${funders[@]}" "$@" --preset "$preset" \
		--flags "$work/$name.flags.csv" --out "$work/$name.json"
}
duck duckdb "$trades" "${load[@]}"
if [ "$parquet" = 1 ]; then duck duckdb-parquet "$pq"; fi
for p in dune default; do
	wash "$p" "$trades" "$p" "${load[@]}"
	if [ "$parquet" = 1 ]; then wash "$p-parquet" "$pq" "$p"; fi
done
cmp=(--duckdb "$work/duckdb.csv:$work/duckdb.time"
	--washscan "washscan --preset dune=$work/dune.flags.csv:$work/dune.time"
	--washscan "washscan --preset default=$work/default.flags.csv:$work/default.time"
	--compare "washscan --preset dune")
if [ "$parquet" = 1 ]; then
	cmp+=(--peer "duckdb dune SQL, Parquet=$work/duckdb-parquet.csv:$work/duckdb-parquet.time"
		--washscan "washscan --preset dune, Parquet=$work/dune-parquet.flags.csv:$work/dune-parquet.time"
		--washscan "washscan --preset default, Parquet=$work/default-parquet.flags.csv:$work/default-parquet.time"
		--compare "duckdb dune SQL, Parquet" --compare "washscan --preset dune, Parquet")
fi
"$work/peercmp" --trades "$trades" "${load[@]}" "${cmp[@]}"
echo
echo "DuckDB: $(cat "$work/duckdb.log")"
if [ "$parquet" = 1 ]; then
	echo "DuckDB on Parquet: $(cat "$work/duckdb-parquet.log") (COPY to Parquet: $(cat "$work/parquet.log"), $(du -h "$pq" | cut -f1))"
fi
echo "outputs in $work"
