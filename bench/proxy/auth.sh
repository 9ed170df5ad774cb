#!/bin/sh
# Digest authentication benchmark (issue 17): CPU of the proxy per 1000
# authenticated REGISTERs and per 1000 cancelled calls with authentication on,
# `sipkit proxy --users` against Kamailio 5.6 with auth_db over db_text.
#
#   sh bench/proxy/auth.sh          (or `make bench-proxy-auth`; needs build/sipkit,
#                                   sipp, kamailio, python3; about 80 s)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# Everything on 127.0.0.1, one peer at a time, every process under `timeout`
# and stopped by PID (helpers: bench/proxy/lib.sh; KEEP=1 keeps the logs).
#
# Users: USERS users u0..uN-1, each with its own password; the same accounts
# for both proxies, written from one list: for sipkit a --users file
# (user:127.0.0.1:MD5-HA1:SHA-256-HA1), for Kamailio a db_text subscriber table
# (ha1 column, calculate_ha1 0; db_text loads the table into memory at start,
# and auth_db's query scans it: no index), usrloc/registrar in memory
# (bench/proxy/kamailio-auth.cfg, ports put in with sed; -n 2 -m 256 -M 8).
#
# 1. register: SIPp (bench/proxy/uac_register_auth_users.xml, the user and
#    password of each call from -inf users.csv, SEQUENTIAL) sends REGS
#    REGISTERs at REG_RATE/s: REGISTER, 401, REGISTER with credentials, 200
#    (one authenticated REGISTER; SIPp answers MD5, the algorithm it knows).
# 2. cancel: SIPp (tests/interop/scenarios/uac_auth_cancel.xml, as user u0)
#    places CALLS calls at CALL_RATE/s: INVITE, 407, ACK, INVITE with
#    credentials, 100/180 from a ringing SIPp UAS (tests/interop/scenarios/
#    uas_ring.xml; sipkit --route u0=UAS, Kamailio $du), CANCEL after 300 ms,
#    200, 487, ACK.
# CPU: utime+stime of the proxy process (Kamailio: summed over all its
# processes) from /proc/PID/stat, from SIPp's start to SETTLE s after its end,
# divided by SIPp's successful calls. SETTLE (6 s) covers Kamailio's wait
# timer (5 s), not sipkit's Timer D/J (32 s): freeing those transactions
# falls outside sipkit's window (SETTLE=34 includes it, runs then ~45 s each).
# A figure counts only with 0 failed.
#
# Environment (defaults): USERS (1000), REGS (10000), REG_RATE (1000),
# CALLS (3000), CALL_RATE (300), SETTLE (6), SIPKIT (build/sipkit: an
# optimised build, not ASan), KAMAILIO (kamailio on PATH or /usr/sbin).
#
# Output: a `run ...` line per measurement, then the table:
#   test      peer      load   failed  cpu_s_per_1000  ratio(sipkit/kamailio)
#
# sipkit writes a logfmt line per REGISTER and per call to its stdout (a file
# here); Kamailio logs nothing per request (debug=1): that cost is in sipkit's
# figure only.
#
# Measured 2026-12-06, `make bench-proxy-auth` with the defaults, 2 shared
# cores, load average 0.60 before the run (Kamailio 5.6.3, SIPp 3.6.1):
#   test      peer         load failed  cpu_s_per_1000  ratio
#   register  sipkit      998/s      0           0.091   0.69
#   register  kamailio    996/s      0           0.132
#   cancel    sipkit      291/s      0           0.283   0.40
#   cancel    kamailio    291/s      0           0.710
# With SETTLE=34 (sipkit's Timer D/J expirations inside; both proxies' idle
# timers for 28 s more), load average 2.7 (other work on the machine):
# register 0.097 vs 0.166 (ratio 0.58), cancel 0.343 vs 0.957 (ratio 0.36).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
USERS=${USERS:-1000}
REGS=${REGS:-10000}
REG_RATE=${REG_RATE:-1000}
CALLS=${CALLS:-3000}
CALL_RATE=${CALL_RATE:-300}
SETTLE=${SETTLE:-6}
SIPKIT=${SIPKIT:-$root/build/sipkit}
REGSCEN=$here/uac_register_auth_users.xml
CALLSCEN=$root/tests/interop/scenarios/uac_auth_cancel.xml
UASSCEN=$root/tests/interop/scenarios/uas_ring.xml
KAMCFG=$here/kamailio-auth.cfg
if [ -z "${KAMAILIO:-}" ]; then
	KAMAILIO=$(command -v kamailio 2>/dev/null || { [ -x /usr/sbin/kamailio ] && echo /usr/sbin/kamailio; })
fi
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
BENCH_TAG=bench-proxy-auth

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
command -v sipp >/dev/null 2>&1 || die "sipp is not installed (Debian package sip-tester)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to write the users' HA1s"
if [ -z "$KAMAILIO" ] || [ ! -x "$KAMAILIO" ]; then die "kamailio is not installed (Debian package kamailio)"; fi
for f in "$REGSCEN" "$CALLSCEN" "$UASSCEN" "$KAMCFG"; do [ -f "$f" ] || die "no $f"; done
for v in "$USERS" "$REGS" "$REG_RATE" "$CALLS" "$CALL_RATE" "$SETTLE"; do
	case $v in '' | *[!0-9]* | 0) die "not a positive number: '$v'" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_auth.XXXXXX") || exit 1
pids=""

# shellcheck source=bench/proxy/lib.sh
. "$here/lib.sh"

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE

alloc 1; SKP=$PORT
alloc 1; KAMP=$PORT
alloc 5; UASP=$PORT
alloc 5; SIPPP=$PORT

# ---- the users, one list written three ways
python3 - "$work" "$USERS" "$LO" <<'PY' || die "could not write the users"
import hashlib, os, sys
work, n, realm = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(work + "/db", exist_ok=True)
with open(work + "/users.csv", "w") as csv, open(work + "/users", "w") as sk, \
        open(work + "/db/subscriber", "w") as sub:
    csv.write("SEQUENTIAL\n")
    sub.write("id(int,auto) username(string) domain(string) password(string,null) "
              "ha1(string) ha1b(string,null)\n")
    for i in range(n):
        user, pw = "u%d" % i, "pw-%d-%x" % (i, i * 7919)
        a1 = ("%s:%s:%s" % (user, realm, pw)).encode()
        md5, sha = hashlib.md5(a1).hexdigest(), hashlib.sha256(a1).hexdigest()
        csv.write("%s;[authentication username=%s password=%s]\n" % (user, user, pw))
        sk.write("%s:%s:%s:%s\n" % (user, realm, md5, sha))
        sub.write("%d:%s:%s::%s:\n" % (i + 1, user, realm, md5))
with open(work + "/db/version", "w") as v:
    v.write("table_name(string) table_version(int)\nsubscriber:7\n")
PY
PW0=$(sed -n '2s/.* password=\(.*\)]$/\1/p' "$work/users.csv")

# start_peer KIND SECONDS: PEER_TO (timeout's pid), PEER_PID (the proxy's)
start_peer() {
	if [ "$1" = sipkit ]; then
		timeout -k 3 "$2" "$SIPKIT" proxy -l "udp:$LO:$SKP" --ctl "$dir/sipkit.sock" \
			--domain $LO --users "$work/users" --route "u0=sip:$LO:$UASP" --src-rate 1000000000 \
			>"$dir/proxy.out" 2>"$dir/proxy.err" &
		PEER_TO=$!
		PEER_PORT=$SKP
	else
		mkdir -p "$dir/kamrun"
		sed "s/@KAM_PORT@/$KAMP/g; s/@UAS_PORT@/$UASP/g; s|@RUNDIR@|$dir/kamrun|g; s|@DBDIR@|$work/db|g" \
			"$KAMCFG" >"$dir/kamailio.cfg"
		timeout -k 3 "$2" "$KAMAILIO" -DD -E -f "$dir/kamailio.cfg" -n 2 -Y "$dir/kamrun" -m 256 -M 8 \
			</dev/null >"$dir/kamailio.log" 2>&1 &
		PEER_TO=$!
		PEER_PORT=$KAMP
	fi
	pids="$pids $PEER_TO"
	wait_udp "$PEER_PORT" "$PEER_TO" "$1"
	sleep 1 # Kamailio's workers, timer and ctl processes
	PEER_PID=$(child_of "$PEER_TO")
	[ -n "$PEER_PID" ] || die "no $1 process under timeout"
}

# run TEST KIND: one measurement, a `run` line, R_* set
run() {
	test=$1 kind=$2
	dir=$work/$test-$kind
	mkdir -p "$dir"
	if [ "$test" = register ]; then n=$REGS rate=$REG_RATE; else n=$CALLS rate=$CALL_RATE; fi
	life=$((n / rate + SETTLE + 40))
	uas_to=""
	if [ "$test" = cancel ]; then
		# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
		(cd "$dir" && ulimit -n 65536 2>/dev/null
		exec timeout -k 3 "$life" sipp -sf "$UASSCEN" -i $LO -p "$UASP" -ci $LO -cp $((UASP + 1)) \
			-mi $LO -mp $((UASP + 2)) -buff_size 4194304 -nd -nostdin \
			</dev/null >"$dir/sipp-uas.out" 2>&1) &
		uas_to=$!
		pids="$pids $uas_to"
		wait_udp "$UASP" "$uas_to" "the SIPp UAS"
	fi
	start_peer "$kind" "$life"
	c0=$(cpu_ticks "$PEER_PID")
	t0=$(date +%s.%N)
	if [ "$test" = register ]; then
		set -- -sf "$REGSCEN" -inf "$work/users.csv"
	else
		set -- -sf "$CALLSCEN" -s u0 -au u0 -ap "$PW0"
	fi
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$dir" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 $((n / rate + 30)) sipp "$LO:$PEER_PORT" "$@" -r "$rate" -m "$n" -l "$n" \
		-i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) -mi $LO -mp $((SIPPP + 2)) \
		-buff_size 4194304 -recv_timeout 10000 -timeout $((n / rate + 20))s -nd -nostdin \
		-trace_err </dev/null >"$dir/sipp.out" 2>&1)
	sst=$?
	t1=$(date +%s.%N)
	sleep "$SETTLE"
	c1=$(cpu_ticks "$PEER_PID")
	alive=yes
	running "$PEER_PID" || alive=no
	# shellcheck disable=SC2086
	stop $PEER_TO $uas_to
	ok=$(sipp_count "$dir/sipp.out" "Successful call")
	failed=$(sipp_count "$dir/sipp.out" "Failed call")
	ok=${ok:-0} failed=${failed:-?}
	R_LOAD=$(awk -v n="$ok" -v a="$t0" -v b="$t1" 'BEGIN { t = b - a; if (t <= 0) t = 1; printf "%d/s", n / t + 0.5 }')
	R_CPU=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$ok" 'BEGIN { if (n > 0) printf "%.3f", c / hz / n * 1000; else print "?" }')
	R_FAILED=$failed
	echo "run $test $kind sent $n rate $rate successful $ok failed $failed sipp_exit $sst seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') cpu_s $(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", c / hz }') cpu_s_per_1000 $R_CPU proxy_alive_at_end $alive"
	if [ "$failed" != 0 ]; then
		echo "  (SIPp errors, first lines:)"
		sed -n '/events occurred/,$p' "$dir"/*_errors.log 2>/dev/null | head -c 800 | sed 's/^/    /'
		echo
	fi
}

echo "$BENCH_TAG: $(uname -m), $(nproc) cores, sipkit $SIPKIT, $("$KAMAILIO" -v 2>/dev/null | head -n 1), $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | sed 's/^/SIPp /')"
echo "$BENCH_TAG: USERS $USERS, REGS $REGS at $REG_RATE/s, CALLS $CALLS at $CALL_RATE/s, settle ${SETTLE} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
table=""
for t in register cancel; do
	run "$t" sipkit
	s_load=$R_LOAD s_failed=$R_FAILED s_cpu=$R_CPU
	run "$t" kamailio
	k_load=$R_LOAD k_failed=$R_FAILED k_cpu=$R_CPU
	ratio=$(awk -v s="$s_cpu" -v k="$k_cpu" -v f="$s_failed$k_failed" \
		'BEGIN { if (f == "00" && k > 0 && s != "?") printf "%.2f", s / k; else print "-" }')
	table="$table
$(printf '%-9s %-9s %7s %6s %15s %6s' "$t" sipkit "$s_load" "$s_failed" "$s_cpu" "$ratio")
$(printf '%-9s %-9s %7s %6s %15s %6s' "$t" kamailio "$k_load" "$k_failed" "$k_cpu" "")"
done

echo
echo "== CPU-s of the proxy per 1000 authenticated REGISTERs (register) / cancelled calls (cancel)"
printf '%-9s %-9s %7s %6s %15s %6s\n' test peer load failed cpu_s_per_1000 ratio
echo "${table#?}"
echo "(ratio: sipkit / Kamailio, given only when both failed 0; load average at the end $(cut -d' ' -f1-3 /proc/loadavg))"
exit 0
