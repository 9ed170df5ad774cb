#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per message of sipkit and of the fastest peer, counted by
# callgrind over a fixed number of passes of the corpus (only the parse loop,
# bench_run_iterations, is counted; start-up, corpus loading and one warm-up
# pass are not).
#
#   sh bench/callgrind.sh [PEER] [ITERATIONS]
#
# PEER defaults to the fastest of osip2, sofia and libre in a short timed run;
# ITERATIONS (passes over the corpus) to 500. BENCH_PARSE names the binary
# (default build/bench-parse), CORPUS the directory (default bench/corpus).
#
# Caveat: valgrind hides some CPU features, so code that dispatches on them
# (OpenSSL's RAND_bytes, which libre calls per message) runs a slower path
# and counts more instructions than it executes natively.
set -eu

BIN=${BENCH_PARSE:-build/bench-parse}
CORPUS=${CORPUS:-bench/corpus}
PEER=${1:-}
N=${2:-500}

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed" >&2; exit 2; }
[ -x "$BIN" ] || { echo "callgrind.sh: $BIN not built (make $BIN)" >&2; exit 2; }

if [ -z "$PEER" ]; then
	PEER=$("$BIN" "$CORPUS" --skip sipkit --seconds 0.5 |
		awk '$1 == "parse" && $3 > best { best = $3; name = $2 } END { print name }')
	[ -n "$PEER" ] || { echo "callgrind.sh: no peer ran" >&2; exit 2; }
	echo "fastest peer: $PEER"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ipm_of() {
	name=$1
	out="$tmp/callgrind.out.$name"
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=bench_run_iterations \
		"$BIN" "$CORPUS" --only "$name" --iterations "$N" >"$tmp/$name.txt" 2>"$tmp/$name.err" || {
		echo "callgrind.sh: $name failed:" >&2
		cat "$tmp/$name.txt" "$tmp/$name.err" >&2
		exit 1
	}
	msgs=$(awk '$1 == "only" { for (i = 2; i <= NF; i++) if ($i ~ /^messages=/) { sub(/^messages=/, "", $i); print $i } }' "$tmp/$name.txt")
	ir=$(awk '$1 == "totals:" { print $2; exit } $1 == "summary:" { s = $2 } END { if (s != "") print s }' "$out" | head -n 1)
	awk -v ir="$ir" -v m="$msgs" 'BEGIN { printf "%.0f\n", ir / m }'
}

a=$(ipm_of sipkit)
echo "callgrind sipkit $a instructions/msg"
b=$(ipm_of "$PEER")
echo "callgrind $PEER $b instructions/msg"
awk -v a="$a" -v b="$b" -v p="$PEER" 'BEGIN { printf "ratio instructions %s/sipkit %.2f\n", p, b / a }'
