#!/usr/bin/env bash
# make fuzz-short: every fuzz target in the module, FUZZTIME each (default 5s). Targets are found
# by grep, so new ones join without editing this file. Exits non-zero on the first failure; the
# failing input is kept in the package's testdata/fuzz for the regular tests to replay.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
n=0
while IFS=: read -r file name; do
	pkg="./$(dirname "$file")/"
	echo "== $pkg $name ($FUZZTIME)"
	$GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"
	n=$((n + 1))
done < <(grep -rHo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=tools -E '^func Fuzz[A-Za-z0-9_]+' . |
	sed -E 's#^\./##; s#:func #:#' | sort -u)
echo "fuzz-short: $n targets, $FUZZTIME each, no failures"
