#!/usr/bin/env bash
# sim-days.sh: `dealflow simulate --leads-per-day 60` for SIM_DAYS days (default 300) on a fresh
# file, the whole product running; prints the wall seconds per simulated day around day 10 and
# around the last day (mean of 5 days each): a cost per day that grows means periodic work reads
# history. Writes bench/raw/sim-days.csv (day,seconds) and bench/raw/sim-days.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
DAYS=${SIM_DAYS:-300}
RAW=${RAW:-bench/raw}
mkdir -p "$RAW"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dealflow-sim.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
$GO build -o "$tmp/dealflow" ./cmd/dealflow
start=$(date -u -d "-$DAYS days" +%Y-%m-%dT00:00:00Z 2>/dev/null || date -u +%Y-%m-%dT00:00:00Z)
"$tmp/dealflow" simulate --days "$DAYS" --leads-per-day 60 --db "$tmp/sim.db" --start "$start" --quiet \
	--day-times "$RAW/sim-days.csv" >"$RAW/sim-days.log" 2>&1
awk -F, -v n="$DAYS" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
	{ t[$1] = $2; total += $2 }
	END {
		a = 0; for (d = 8; d <= 12 && d <= n; d++) { a += t[d]; k++ }
		b = 0; for (d = n - 4; d <= n; d++) { if (d >= 1) { b += t[d]; m++ } }
		printf "simulate, 60 leads/day: %.2f s per simulated day at day 10, %.2f s at day %d (target: flat; 365 days ≤ 120 s); %d days in %.0f s; load: %s\n", a / k, b / m, n, n, total, load
	}' "$RAW/sim-days.csv" | tee "$RAW/sim-days.txt"
