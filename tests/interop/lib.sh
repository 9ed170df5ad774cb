#!/bin/sh
# What the interoperability scripts (sipp.sh, proxy.sh) share, sourced by them:
# the processes they start and kill (bounded waits, whole process trees), free
# loopback ports, and one directory and one PASS/FAIL verdict per case.
# The sourcing script sets: suite (its name in messages), PORT_SEED (spreads
# the scripts' port bases apart), work (its directory), pids (its processes),
# pass and fail. Sourcing this installs the traps: `finish` at exit kills what
# is left and removes the work directory (KEEP=1 keeps it).
# shellcheck disable=SC2154,SC2034 # suite, work: the sourcing script's; PORT: alloc's answer

running() { # pid: alive and not a zombie waiting to be reaped
	[ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# every descendant of a pid (Kamailio's workers under its main process)
descendants() {
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

cleanup() {
	all=""
	for p in $pids; do all="$all $p $(descendants "$p")"; done
	for p in $all; do kill "$p" 2>/dev/null; done
	for p in $all; do
		n=0
		while running "$p" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}

finish() {
	cleanup
	cd /
	if [ -n "${KEEP:-}" ]; then echo "$suite: logs kept in $work"; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE

forget() { # pid: drop from the kill list
	np=""
	for p in $pids; do [ "$p" = "$1" ] || np="$np $p"; done
	pids=$np
}

# wait_bounded PID SECONDS: the exit status of PID; if it still runs after
# SECONDS it and its descendants get a TERM, 2 s later a KILL, and the status
# is 124 (as from timeout). Never blocks longer.
wait_bounded() {
	n=0 lim=$(($2 * 10))
	while running "$1" && [ $n -lt "$lim" ]; do sleep 0.1; n=$((n + 1)); done
	if running "$1"; then
		tree="$1 $(descendants "$1")"
		# shellcheck disable=SC2086
		kill $tree 2>/dev/null
		n=0
		while running "$1" && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
		# shellcheck disable=SC2086
		kill -9 $tree 2>/dev/null
		wait "$1" 2>/dev/null
		forget "$1"
		return 124
	fi
	wait "$1"
	st=$?
	forget "$1"
	return $st
}

# term_child PID: TERM to the command run by `timeout` (pid PID) itself. A
# TERM to timeout would be passed on followed by a SIGCONT to the whole group,
# which can cancel the SIGSTOP of LeakSanitizer's tracer as a sanitizer build
# exits, leaving it spinning forever.
term_child() {
	c=$(ps -o pid= --ppid "$1" 2>/dev/null | head -n 1)
	kill "${c:-$1}" 2>/dev/null
}

# ---- ports: free ones from a base that depends on the pid (10000-31999, below
# the usual ephemeral range)
next_port=$((10000 + ($$ * ${PORT_SEED:-1} % 440) * 50))
have_ss=0
command -v ss >/dev/null 2>&1 && have_ss=1

port_used() { # port: any TCP or UDP socket on it
	[ $have_ss = 1 ] || return 1
	ss -Htuan 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"
}

# alloc N: N consecutive free ports, the first in $PORT
alloc() {
	tries=0
	while :; do
		[ $((next_port + $1)) -gt 32000 ] && next_port=10000
		i=0
		while [ $i -lt "$1" ] && ! port_used $((next_port + i)); do i=$((i + 1)); done
		if [ $i = "$1" ]; then
			PORT=$next_port
			next_port=$((next_port + $1))
			return 0
		fi
		next_port=$((next_port + i + 1))
		tries=$((tries + 1))
		[ $tries -lt 1000 ] || { echo "$suite: no free ports" >&2; exit 1; }
	done
}

# listening PROTO PORT: something bound there (udp) or listening (tcp)
listening() {
	if [ $have_ss = 0 ]; then sleep 0.5; return 0; fi
	if [ "$1" = tcp ]; then
		ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
	else
		ss -Hlun "sport = :$2" 2>/dev/null | grep -q .
	fi
}

# ---- one case = one directory; the verdict is built in $why
begin() {
	case_name=$1
	dir=$work/$1
	mkdir -p "$dir" && cd "$dir" || exit 1
	why=""
}

bad() { why="$why${why:+; }$*"; }

# excerpts of every log of the case directory
excerpts() {
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		[ -s "$f" ] || continue
		b=${f##*/}
		case $b in
		*_messages.log) echo "  --- $b (last 60 lines)"; tail -n 60 "$f" ;;
		sipp*.out) echo "  --- $b (calls and events)"
			grep -E 'Successful call|Failed call' "$f" | tail -n 2
			sed -n '/events occurred/,$p' "$f" | head -n 30 ;;
		*.csv | *.cfg | *.xml) ;;
		*) echo "  --- $b"; head -c 4000 "$f"; echo ;;
		esac
	done | sed 's/\r$//; s/^/    | /'
}

verdict() {
	# a sanitizer report anywhere in sipkit's stderr fails the case
	for f in "$dir"/*.err; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|UndefinedBehaviorSanitizer' "$f"; then
			bad "sanitizer report in ${f##*/}"
		fi
	done
	if [ -z "$why" ]; then
		echo "PASS $case_name"
		pass=$((pass + 1))
	else
		echo "FAIL $case_name: $why"
		excerpts
		fail=$((fail + 1))
	fi
	cd "$work" || exit 1
}

