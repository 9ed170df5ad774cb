# Helpers shared by the proxy benchmarks (sourced by run.sh and overload.sh,
# not run by itself): processes (started under `timeout`, stopped by PID with
# their descendants), free loopback ports, /proc measurements, SIPp counts,
# the callees and the proxies (sipkit proxy, Kamailio with the shared cfg).
#
# The sourcing script defines before use: die, work (its mktemp directory),
# pids (""), LO, SIPKIT, KAMAILIO, KAMCFG, and, before start_callees or
# start_proxy, SKP, KAMP, U1, U2 (ports) and dir (the run's directory).
# BENCH_TAG (default bench-proxy) prefixes finish's message.
# shellcheck shell=sh disable=SC2034,SC2154

running() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
descendants() {
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
# stop PID...: TERM to each and its descendants, KILL 3 s later (the helpers
# below use variables of their own: _name)
stop() {
	_tree=""
	for _p in "$@"; do _tree="$_tree $_p $(descendants "$_p")"; done
	# shellcheck disable=SC2086
	kill $_tree 2>/dev/null
	for _p in $_tree; do
		_n=0
		while running "$_p" && [ $_n -lt 30 ]; do sleep 0.1; _n=$((_n + 1)); done
		kill -9 "$_p" 2>/dev/null
	done
	for _p in "$@"; do
		wait "$_p" 2>/dev/null
		_np=""
		for _q in $pids; do [ "$_q" = "$_p" ] || _np="$_np $_q"; done
		pids=$_np
	done
}
# shellcheck disable=SC2317 # (called by the trap)
finish() {
	# shellcheck disable=SC2086
	[ -z "$pids" ] || stop $pids
	cd /
	if [ -n "${KEEP:-}" ]; then echo "${BENCH_TAG:-bench-proxy}: logs kept in $work"; else rm -rf "$work"; fi
}

# ---- ports: free ones (ss), from a base derived from the pid
next_port=$((20000 + ($$ % 200) * 50))
port_used() { ss -Htuan 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"; }
alloc() { # N consecutive free ports, the first in $PORT
	tries=0
	while :; do
		[ $((next_port + $1)) -gt 32000 ] && next_port=20000
		i=0
		while [ $i -lt "$1" ] && ! port_used $((next_port + i)); do i=$((i + 1)); done
		if [ $i = "$1" ]; then PORT=$next_port; next_port=$((next_port + $1)); return 0; fi
		next_port=$((next_port + i + 1))
		tries=$((tries + 1))
		[ $tries -lt 1000 ] || die "no free ports"
	done
}
listening_udp() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
wait_udp() { # port pid what
	_n=0
	until listening_udp "$1"; do
		if ! running "$2" || [ $_n -ge 100 ]; then die "$3 did not start listening on udp:$LO:$1"; fi
		sleep 0.1
		_n=$((_n + 1))
	done
}

# ---- measurements
# CPU ticks (utime+stime) of a process and all its descendants
cpu_ticks() {
	t=0
	for p in "$1" $(descendants "$1"); do
		v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
pss_kb() { # Pss of a process and its descendants
	t=0
	for p in "$1" $(descendants "$1"); do
		v=$(awk '$1 == "Pss:" {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
udp_drops() { # port: datagrams dropped by that 127.0.0.1 UDP socket (/proc/net/udp)
	awk -v a="$(printf '0100007F:%04X' "$1")" '$2 == a {print $NF}' /proc/net/udp | head -n 1
}
rcvbuf_errors() { awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ {print $6}' /proc/net/snmp; }
child_of() { ps -o pid= --ppid "$1" 2>/dev/null | awk 'NR == 1 {print $1}'; }
sipp_count() { # file "Successful call" | "Failed call" | "Call Rate": cumulative column
	awk -F'|' -v k="$2" 'index($1, k) {v = $3} END {gsub(/ |cps/, "", v); print v}' "$1"
}

# ---- processes
start_callees() { # seconds: CALLEE_PIDS
	CALLEE_PIDS=""
	for u in $U1 $U2; do
		timeout -k 3 "$1" "$SIPKIT" uas -l "udp:$LO:$u" --no-answer >"$dir/uas-$u.out" 2>"$dir/uas-$u.err" &
		to=$!
		pids="$pids $to"
		wait_udp "$u" $to "sipkit uas"
		CALLEE_PIDS="$CALLEE_PIDS $(child_of $to)"
	done
}

start_proxy() { # kind (sipkit|kamailio) seconds: PROXY_TO (timeout's pid), PROXY_PID, PROXY_PORT
	if [ "$1" = sipkit ]; then
		timeout -k 3 "$2" "$SIPKIT" proxy -l "udp:$LO:$SKP" --ctl "$dir/sipkit.sock" \
			--workers "${PROXY_WORKERS:-1}" ${PROXY_MAX_PENDING:+--max-pending "$PROXY_MAX_PENDING"} \
			--route "one=sip:$LO:$U1" --route "fork=sip:$LO:$U1,sip:$LO:$U2" \
			>"$dir/proxy.out" 2>"$dir/proxy.err" &
		PROXY_TO=$!
		PROXY_PORT=$SKP
	else
		mkdir -p "$dir/kamrun"
		sed "s/127\.0\.0\.1:5060/$LO:$KAMP/g; s/127\.0\.0\.1:5071/$LO:$U1/g; s/127\.0\.0\.1:5072/$LO:$U2/g; s|unix:/tmp/kamailio-peer/kamailio_ctl|unix:$dir/kamrun/kamailio_ctl|" \
			"$KAMCFG" >"$dir/kamailio.cfg"
		grep -q "listen=udp:$LO:$KAMP" "$dir/kamailio.cfg" || die "could not adapt $KAMCFG"
		timeout -k 3 "$2" "$KAMAILIO" -DD -E -f "$dir/kamailio.cfg" -n "${KAM_CHILDREN:-2}" -Y "$dir/kamrun" -m 2048 -M 8 \
			</dev/null >"$dir/kamailio.log" 2>&1 &
		PROXY_TO=$!
		PROXY_PORT=$KAMP
	fi
	pids="$pids $PROXY_TO"
	wait_udp "$PROXY_PORT" "$PROXY_TO" "$1"
	sleep 1 # Kamailio's workers, timer and ctl processes
	PROXY_PID=$(child_of "$PROXY_TO")
	[ -n "$PROXY_PID" ] || die "no $1 process under timeout"
}

