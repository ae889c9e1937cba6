#!/usr/bin/env bash
# make bench: micro-benchmarks (raw go test -bench output kept for benchstat) and the end-to-end
# load runs (200 leads/s, then a search for the maximum sustainable rate) against a fresh
# `dealflow serve`; bench/report turns them into bench/results.json and bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
COUNT=${BENCH_COUNT:-3}
BENCHTIME=${BENCH_TIME:-1s}
LOAD_DURATION=${LOAD_DURATION:-10s}
STEP_DURATION=${STEP_DURATION:-5s}
RAW=bench/raw
mkdir -p "$RAW"

pkgs=(./local/sfn/ ./local/eventbus/ ./local/eventbus/pattern/ ./shared/store/sqlite/)
[ -d shared/digest/metrics ] && pkgs+=(./shared/digest/metrics/)
if [ -z "${BENCH_SKIP_GO:-}" ]; then # BENCH_SKIP_GO=1 re-runs only the load and cost parts
	echo "== go test -bench (${pkgs[*]}), count=$COUNT"
	$GO test -run '^$' -bench . -benchmem -count "$COUNT" -benchtime "$BENCHTIME" -timeout 30m "${pkgs[@]}" | tee "$RAW/gotest-bench.txt"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dealflow-bench.XXXXXX")
$GO build -o "$tmp/dealflow" ./cmd/dealflow
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export DEALFLOW_LEADS_SECRET=bench-secret

# The sample org caps its pools at a few dozen leads a day, so under load almost every lead
# ends in the fallback queue; the same org without caps routes every lead to a rep and stores
# one notification email per lead: the whole workflow.
sed -E 's/(daily|monthly)_cap: [0-9]+/\1_cap: 100000000/g' examples/org.yaml >"$tmp/org-uncapped.yaml"

# serve starts a fresh server on a free loopback port (org file $2, default the sample org);
# sets $url and $db.
serve() {
	[ -n "$pid" ] && { kill "$pid"; wait "$pid" 2>/dev/null || true; }
	db="$tmp/$1.db"
	"$tmp/dealflow" serve --config "${2:-examples/org.yaml}" --db "$db" --addr 127.0.0.1:0 >"$tmp/$1.out" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do
		url=$(sed -n 's#.*POST  *\(http://[^/]*\)/v1/leads$#\1#p' "$tmp/$1.out" 2>/dev/null || true)
		[ -n "$url" ] && return 0
		sleep 0.1
	done
	echo "serve did not start"; cat "$tmp/$1.out"; exit 1
}

echo "== load at 200 leads/s for $LOAD_DURATION"
serve load200
"$tmp/dealflow" load --rate 200 --duration "$LOAD_DURATION" --url "$url" --db "$db" --server-pid "$pid" --json "$RAW/load-200.json" | tee "$RAW/load-200.txt"
echo "== 1,000 leads/s for $LOAD_DURATION, every lead routed to a rep and mailed (sample org without caps)"
serve load1000 "$tmp/org-uncapped.yaml"
"$tmp/dealflow" load --rate 1000 --duration "$LOAD_DURATION" --url "$url" --db "$db" --server-pid "$pid" --json "$RAW/load-1000.json" | tee "$RAW/load-1000.txt"
echo "== search for the maximum sustainable rate (p99 ≤ 50 ms, no errors), $STEP_DURATION steps"
serve search
"$tmp/dealflow" load --search-max --rate 200 --duration "$STEP_DURATION" --url "$url" --db "$db" --server-pid "$pid" --json "$RAW/load-search.json" | tee "$RAW/load-search.txt"
"$tmp/dealflow" cost --from-run "$RAW/load-200.json" --json "$RAW/cost.json" | tee "$RAW/cost.txt" || true
uptime > "$RAW/loadavg.txt"
$GO run ./bench/report -raw "$RAW" -out bench
