#!/bin/sh
# Registrar benchmark: REGISTERs/s and CPU per REGISTER of `sipkit proxy`
# with its location store in memory and in Redis (--location redis://...).
#
#   sh bench/proxy/register.sh      (after `make`: needs build/sipkit, sipp, redis-server)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# For each store, a fresh proxy (and for Redis a fresh redis-server of its own,
# --save '' --appendonly no, on a free loopback port, stopped by PID); SIPp
# (bench/proxy/uac_register.xml) registers REGS distinct users (one binding
# each, Expires 3600) as fast as it can (-r RATE, at most LIMIT outstanding;
# the proxy's --src-rate raised so that SIPp's one address is not shed),
# bounded by -m and timeouts. Each REGISTER is a lookup and a put (and a lookup
# for the 200) on the store: with Redis, three EVALSHAs, each a round trip on
# loopback. Printed per store: the REGISTERs answered 200 per second (SIPp's
# first send to its last answer), CPU ms per REGISTER of the proxy and of
# redis-server (utime+stime from /proc), and the failed ones. About 20 s.
#
# Environment (defaults): REGS (20000), RATE (20000), LIMIT (200),
# SIPKIT (build/sipkit: an optimised build, not ASan).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
REGS=${REGS:-20000}
RATE=${RATE:-20000}
LIMIT=${LIMIT:-200}
SIPKIT=${SIPKIT:-$root/build/sipkit}
REGSCEN=$here/uac_register.xml
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
BENCH_TAG=bench-proxy-register
KAMAILIO="" KAMCFG=""

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
command -v sipp >/dev/null 2>&1 || die "sipp is not installed (Debian package sip-tester)"
command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed (Debian package redis-server)"
for v in "$REGS" "$RATE" "$LIMIT"; do
	case $v in '' | *[!0-9]* | 0) die "not a positive number: '$v'" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_register.XXXXXX") || exit 1
pids=""

# shellcheck source=bench/proxy/lib.sh
. "$here/lib.sh"

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE

alloc 1; SKP=$PORT
alloc 3; SIPPP=$PORT
alloc 1; REDISP=$PORT
life=$((REGS / RATE + 120))

awk -v c="$REGS" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < c; i++) print "u" i }' >"$work/users.csv"

# run NAME [proxy args]: one measurement
run() {
	name=$1
	shift
	dir=$work/$name
	mkdir -p "$dir"
	REDIS_PID=""
	if [ "$name" = redis ]; then
		timeout -k 3 "$life" redis-server --save '' --appendonly no --port "$REDISP" --bind $LO \
			>"$dir/redis.log" 2>&1 &
		_rt=$!
		pids="$pids $_rt"
		_n=0
		until ss -Hltn "sport = :$REDISP" 2>/dev/null | grep -q .; do
			[ $_n -lt 50 ] || die "redis-server did not start"
			sleep 0.1
			_n=$((_n + 1))
		done
		REDIS_PID=$(child_of $_rt)
	fi
	timeout -k 3 "$life" "$SIPKIT" proxy -l "udp:$LO:$SKP" --ctl "$dir/sipkit.sock" "$@" \
		>"$dir/proxy.out" 2>"$dir/proxy.err" &
	_to=$!
	pids="$pids $_to"
	wait_udp "$SKP" $_to "sipkit proxy"
	PROXY_PID=$(child_of $_to)
	_c0=$(cpu_ticks "$PROXY_PID")
	_r0=0
	[ -z "$REDIS_PID" ] || _r0=$(cpu_ticks "$REDIS_PID")
	_t0=$(date +%s.%N)
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$dir" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 "$life" sipp "$LO:$SKP" -i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) \
		-mi $LO -mp $((SIPPP + 2)) -buff_size 4194304 -nd -nostdin -trace_counts \
		-sf "$REGSCEN" -inf "$work/users.csv" -r "$RATE" -m "$REGS" -l "$LIMIT" \
		-recv_timeout 10000 -timeout $((life - 10))s </dev/null >"$dir/sipp.out" 2>&1)
	_t1=$(date +%s.%N)
	_c1=$(cpu_ticks "$PROXY_PID")
	_r1=0
	[ -z "$REDIS_PID" ] || _r1=$(cpu_ticks "$REDIS_PID")
	_f=""
	for _g in "$dir"/*_counts.csv; do [ -f "$_g" ] && _f=$_g; done
	_ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "4_200_Recv") c = i; next }
		c && $c != "" { v = $c } END { print v + 0 }' "${_f:-/dev/null}")
	_failed=$(sipp_count "$dir/sipp.out" "Failed call")
	awk -v n="$name" -v ok="$_ok" -v t0="$_t0" -v t1="$_t1" -v c="$((_c1 - _c0))" \
		-v r="$((_r1 - _r0))" -v hz="$HZ" -v f="${_failed:-?}" 'BEGIN {
		s = t1 - t0
		printf "store %-6s registers_ok %d seconds %.2f registers_per_s %.0f proxy_cpu_ms_per_register %.4f redis_cpu_ms_per_register %.4f failed %s\n",
			n, ok, s, ok / s, ok ? c / hz * 1000 / ok : 0, ok ? r / hz * 1000 / ok : 0, f }'
	stop "$_to"
	[ -z "$REDIS_PID" ] || stop "$_rt"
}

echo "$BENCH_TAG: $(uname -m), $(nproc) cores, sipkit $SIPKIT, $(redis-server --version | awk '{print $1, $3}'), REGS $REGS RATE $RATE LIMIT $LIMIT; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run memory --src-rate 1000000000
run redis --src-rate 1000000000 --location "redis://$LO:$REDISP"
