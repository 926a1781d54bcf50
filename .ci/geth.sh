#!/usr/bin/env bash
# geth.sh: a throw-away `geth --dev` node for the chain ingest tests.
#
#   .ci/geth.sh install          build geth once into a cache dir (reused after)
#   .ci/geth.sh start            start a dev node on a free loopback port; prints
#                                its URL and writes it to $GETH_DIR/url
#   .ci/geth.sh stop             stop the node started by `start`
#   .ci/geth.sh run CMD [ARG...] start, run CMD with WASHSCAN_TEST_GETH set, stop
#                                (always, also on failure or Ctrl-C)
#
# e.g.  .ci/geth.sh run go test ./datasets/chain/...
#
# The binary lives outside the repo, keyed by version:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/washscan/geth-v1.17.8/geth
# Building it takes ~5 minutes the first time. The node's state is in-memory
# (--dev with no --datadir); its logs go to $GETH_DIR/geth.log.
set -euo pipefail

GETH_VERSION=v1.17.8
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/washscan/geth-${GETH_VERSION}"
GETH="$CACHE/geth"
GETH_DIR="${GETH_DIR:-${TMPDIR:-/tmp}/washscan-geth-$$}"

install() {
	# Capture first: with pipefail, grep -q closing the pipe early would fail the check.
	local have=""
	[[ -x "$GETH" ]] && have=$("$GETH" version 2>/dev/null || true)
	if [[ "$have" == *"${GETH_VERSION#v}"* ]]; then
		return 0
	fi
	mkdir -p "$CACHE"
	echo "geth.sh: building geth ${GETH_VERSION} into $CACHE (takes a few minutes)" >&2
	# Build outside the repo so that its go.mod is not consulted.
	(cd "$CACHE" && GOBIN="$CACHE" GOFLAGS=-mod=mod go install "github.com/ethereum/go-ethereum/cmd/geth@${GETH_VERSION}")
	"$GETH" version >/dev/null
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

start() {
	install
	mkdir -p "$GETH_DIR"
	local port url
	port=$(free_port)
	url="http://127.0.0.1:${port}"
	"$GETH" --dev --http --http.addr 127.0.0.1 --http.port "$port" \
		--http.api eth,net,web3,debug,txpool --ipcdisable --nodiscover --maxpeers 0 \
		--verbosity 2 >"$GETH_DIR/geth.log" 2>&1 &
	echo $! >"$GETH_DIR/pid"
	for _ in $(seq 1 150); do
		if curl -sf -H 'Content-Type: application/json' \
			-d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$url" >/dev/null 2>&1; then
			echo "$url" >"$GETH_DIR/url"
			echo "$url"
			return 0
		fi
		if ! kill -0 "$(cat "$GETH_DIR/pid")" 2>/dev/null; then
			echo "geth.sh: geth exited; log:" >&2
			cat "$GETH_DIR/geth.log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "geth.sh: geth did not answer on $url within 30s" >&2
	stop
	return 1
}

stop() {
	if [[ -f "$GETH_DIR/pid" ]]; then
		local pid
		pid=$(cat "$GETH_DIR/pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$GETH_DIR/pid" "$GETH_DIR/url"
	fi
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
run)
	shift
	trap stop EXIT INT TERM
	WASHSCAN_TEST_GETH=$(start)
	export WASHSCAN_TEST_GETH
	echo "geth.sh: WASHSCAN_TEST_GETH=$WASHSCAN_TEST_GETH" >&2
	"$@"
	;;
*)
	sed -n '2,16p' "$0" >&2
	exit 2
	;;
esac
