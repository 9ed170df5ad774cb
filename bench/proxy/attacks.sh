#!/bin/sh
# Two ways a stranger can hurt sipkit proxy today, reproduced and measured
# (issue "A proxy that a stranger cannot take down"); rerun after the fixes.
#
#   sh bench/proxy/attacks.sh        (after `make`: needs build/sipkit, sipp)
#
# Not a test: it measures, prints, and exits 0 unless something could not
# run. About 2 minutes with the defaults; everything on 127.0.0.1, every
# process under `timeout` and killed by PID on exit (KEEP=1 keeps the logs).
# Helpers shared with run.sh: lib.sh.
#
# (a) registrar full. sipkit proxy has no option for its location limit: the
#     embedded store holds at most 100000 AORs (sk_location_memory(&loc,
#     100000, 16) in src/proxy/proxy.c), REG_LIMIT says so to this script.
#     One proxy; SIPp (bench/proxy/uac_register.xml, users from a generated
#     injection file, one binding each, Expires 3600) registers
#       probe-empty  REG_PROBE new users at REG_PROBE_RATE (empty store)
#       fill         REG_LIMIT - REG_PROBE more users at REG_RATE (now full)
#       probe-full   REG_PROBE new users at REG_PROBE_RATE (over the limit)
#     For each: the answers (200, 500, 503; failed = no answer), the proxy's
#     CPU (utime+stime) per REGISTER, its VmRSS after. REG_LIMIT below the
#     real limit leaves the store unfilled (the probe-full line then shows
#     200s).
# (b) fork loop (RFC 5393 §3): users `a` and `b` registered with
#     LOOP_CONTACTS contacts each (sip:b@PROXY;n=1..N for a, sip:a@PROXY;n=..
#     for b), then one INVITE to sip:a@PROXY with Max-Forwards M (each of
#     LOOP_MF; a fresh proxy for each). The proxy forks to itself until its
#     loop detection (482) or Max-Forwards (483) stops it. Counted: branches
#     the proxy created (sipkit ctl stats: each sends one INVITE), INVITEs it
#     sent and 482/483 it answered (its --trace log), the final answer the
#     caller got, the proxy's CPU; waited for until the branch count stays
#     still for 2 s (at most LOOP_SECONDS). Without any loop protection the
#     branches would be N + N^2 + ... + N^M.
#
# Environment (defaults): REG_LIMIT (100000), REG_PROBE (2500),
# REG_PROBE_RATE (500), REG_RATE (5000), LOOP_CONTACTS (2), LOOP_MF ("6 10"),
# LOOP_SECONDS (20), SIPKIT (build/sipkit: an optimised build).
#
# Output: one `run ...` line per measurement as it ends, then the table.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
REG_LIMIT=${REG_LIMIT:-100000}
REG_PROBE=${REG_PROBE:-2500}
REG_PROBE_RATE=${REG_PROBE_RATE:-500}
REG_RATE=${REG_RATE:-5000}
LOOP_CONTACTS=${LOOP_CONTACTS:-2}
LOOP_MF=${LOOP_MF:-"6 10"}
LOOP_SECONDS=${LOOP_SECONDS:-20}
SIPKIT=${SIPKIT:-$root/build/sipkit}
REGSCEN=$here/uac_register.xml
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
BENCH_TAG=bench-proxy-attacks
# lib.sh's start_proxy (Kamailio) is not used here
KAMAILIO="" KAMCFG=""

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
command -v sipp >/dev/null 2>&1 || die "sipp is not installed (Debian package sip-tester)"
[ -f "$REGSCEN" ] || die "no $REGSCEN"
for v in "$REG_LIMIT" "$REG_PROBE" "$REG_PROBE_RATE" "$REG_RATE" "$LOOP_CONTACTS" "$LOOP_SECONDS" $LOOP_MF; do
	case $v in '' | *[!0-9]* | 0) die "not a positive number: '$v'" ;; esac
done
[ "$REG_LIMIT" -gt "$REG_PROBE" ] || die "REG_LIMIT must exceed REG_PROBE"
[ "$LOOP_CONTACTS" -le 16 ] || die "LOOP_CONTACTS at most 16 (the proxy's bindings per AOR)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_attacks.XXXXXX") || exit 1
pids=""

# shellcheck source=bench/proxy/lib.sh
. "$here/lib.sh"

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE

alloc 1; SKP=$PORT
alloc 5; SIPPP=$PORT

# sipkit_proxy SECONDS [ARGS...]: PROXY_PID, the proxy on udp:$LO:$SKP
sipkit_proxy() {
	_life=$1
	shift
	timeout -k 3 "$_life" "$SIPKIT" proxy -l "udp:$LO:$SKP" --ctl "$dir/sipkit.sock" "$@" \
		>"$dir/proxy.out" 2>"$dir/proxy.err" &
	_to=$!
	pids="$pids $_to"
	wait_udp "$SKP" $_to "sipkit proxy"
	PROXY_PID=$(child_of $_to)
	[ -n "$PROXY_PID" ] || die "no sipkit process under timeout"
	PROXY_TO=$_to
}
stat_of() { # NAME: a counter of sipkit ctl stats
	"$SIPKIT" ctl -s "$dir/sipkit.sock" stats 2>/dev/null | awk -v k="$1" '$1 == k {print $2}'
}
# sipp_fg DIR TIMEOUT ARGS...: SIPp in DIR, in the foreground, bounded
sipp_fg() {
	_d=$1 _t=$2
	shift 2
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$_d" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 "$_t" sipp "$LO:$SKP" -i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) \
		-mi $LO -mp $((SIPPP + 2)) -buff_size 4194304 -nd -nostdin \
		-trace_err -max_log_size 20000000 -trace_counts "$@" </dev/null >"$_d/sipp.out" 2>&1)
}
counts_col() { # DIR NAME: the last value of column NAME of SIPp's -trace_counts file
	_f=""
	for _g in "$1"/*_counts.csv; do [ -f "$_g" ] && _f=$_g; done
	[ -n "$_f" ] || { echo 0; return; }
	awk -F';' -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i; next }
		c && $c != "" { v = $c } END { print v + 0 }' "$_f"
}
per_ms() { # TICKS N: CPU ms per item
	awk -v c="$1" -v hz="$HZ" -v n="$2" 'BEGIN { if (n > 0) printf "%.4f", c / hz * 1000 / n; else print "?" }'
}

# ---- (a) registrar full
# reg_phase NAME PREFIX FIRST COUNT RATE: REGISTER users PREFIX<FIRST..FIRST+COUNT-1>
reg_phase() {
	_n=$1
	_pd=$dir/$_n
	mkdir -p "$_pd"
	awk -v p="$2" -v f="$3" -v c="$4" 'BEGIN { print "SEQUENTIAL"; for (i = f; i < f + c; i++) print p i }' >"$_pd/users.csv"
	_c0=$(cpu_ticks "$PROXY_PID")
	_t0=$(date +%s.%N)
	sipp_fg "$_pd" $(($4 / $5 + 60)) -sf "$REGSCEN" -inf "$_pd/users.csv" -r "$5" -m "$4" -l "$4" \
		-recv_timeout 10000 -timeout $(($4 / $5 + 40))s
	_t1=$(date +%s.%N)
	_c1=$(cpu_ticks "$PROXY_PID")
	_ok=$(counts_col "$_pd" 4_200_Recv)
	_e403=$(counts_col "$_pd" 3_403_Recv)
	_e500=$(counts_col "$_pd" 1_500_Recv)
	_e503=$(counts_col "$_pd" 2_503_Recv)
	_failed=$(sipp_count "$_pd/sipp.out" "Failed call")
	_secs=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }')
	_line="registers $4 rate $5 seconds $_secs answered_200 $_ok answered_500 $_e500 answered_503 $_e503 answered_403 $_e403 failed ${_failed:-?} cpu_s $(awk -v c=$((_c1 - _c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", c / hz }') cpu_ms_per_register $(per_ms $((_c1 - _c0)) "$4") cpu_ms_per_answered $(per_ms $((_c1 - _c0)) $((_ok + _e500 + _e503 + _e403))) proxy_rss_kb $(rss_kb "$PROXY_PID" 2>/dev/null)"
	echo "run registrar $_n $_line"
	REG_TABLE="$REG_TABLE
registrar $_n $_line"
}

registrar_full() {
	dir=$work/registrar
	mkdir -p "$dir"
	REG_TABLE=""
	fill=$((REG_LIMIT - REG_PROBE))
	life=$((2 * REG_PROBE / REG_PROBE_RATE + fill / REG_RATE + 300))
	sipkit_proxy "$life"
	reg_phase probe-empty pe 1 "$REG_PROBE" "$REG_PROBE_RATE"
	reg_phase fill fu 1 "$fill" "$REG_RATE"
	reg_phase probe-full pf 1 "$REG_PROBE" "$REG_PROBE_RATE"
	_st=$("$SIPKIT" ctl -s "$dir/sipkit.sock" stats 2>/dev/null | awk '$1 == "registers" || $1 == "bindings" {printf "%s %s ", $1, $2}')
	echo "run registrar stats ${_st:-(sipkit ctl stats did not answer) }(limit $REG_LIMIT AORs, built in)"
	# shellcheck disable=SC2086
	stop $pids
}

# ---- (b) fork loop
# loop_scenarios: the REGISTERs of a and b, and the INVITE (Max-Forwards [mf])
loop_scenarios() {
	_ca="" _cb=""
	_i=1
	while [ $_i -le "$LOOP_CONTACTS" ]; do
		_ca="$_ca${_ca:+, }<sip:b@$LO:$SKP;n=$_i>"
		_cb="$_cb${_cb:+, }<sip:a@$LO:$SKP;n=$_i>"
		_i=$((_i + 1))
	done
	{
		echo '<?xml version="1.0" encoding="ISO-8859-1" ?>'
		echo '<scenario name="register a and b, each pointing at the other">'
		for _u in a b; do
			if [ $_u = a ]; then _c=$_ca _cseq=1; else _c=$_cb _cseq=2; fi
			cat <<EOF
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:$_u@[remote_ip]:[remote_port]>;tag=[pid]reg${_u}[call_number]
      To: <sip:$_u@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: $_cseq REGISTER
      Contact: $_c
      Expires: 3600
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
EOF
		done
		echo '</scenario>'
	} >"$work/loop_register.xml"
	{
		cat <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!-- one INVITE to a, Max-Forwards [mf] (-key mf N); whatever final comes is
     ACKed (elements: 0 INVITE, 1 100?, 2..7 finals, 8 ACK) -->
<scenario name="INVITE into a fork loop">
  <send retrans="500">
    <![CDATA[

      INVITE sip:a@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:a@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: [mf]
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
EOF
		for _code in 482 483 404 408 500 480; do
			_opt=' optional="true"'
			[ $_code = 480 ] && _opt=""
			cat <<EOF
  <recv response="$_code"$_opt next="ack">
    <action>
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="tofin"/>
    </action>
  </recv>
EOF
		done
		cat <<'EOF'
  <label id="ack"/>
  <send>
    <![CDATA[

      ACK sip:a@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-8]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To:[$tofin]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
EOF
	} >"$work/loop_invite.xml"
}

fork_loop() { # MF: one measurement, LOOP_LINE
	mf=$1
	dir=$work/loop-mf$mf
	mkdir -p "$dir/reg" "$dir/inv"
	sipkit_proxy $((LOOP_SECONDS + 60)) --trace "$dir/proxy-trace.log"
	sipp_fg "$dir/reg" 20 -sf "$work/loop_register.xml" -m 1 -recv_timeout 5000 -timeout 15s
	regok=$(($(counts_col "$dir/reg" 1_200_Recv) + $(counts_col "$dir/reg" 3_200_Recv)))
	b0=$(stat_of branches)
	c0=$(cpu_ticks "$PROXY_PID")
	t0=$(date +%s.%N)
	# the caller keeps going until its final answer (or 32 s of INVITE retransmissions)
	(cd "$dir/inv" && exec timeout -k 3 $((LOOP_SECONDS + 10)) sipp "$LO:$SKP" -sf "$work/loop_invite.xml" \
		-key mf "$mf" -m 1 -i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) -mi $LO -mp $((SIPPP + 2)) \
		-recv_timeout $((LOOP_SECONDS * 1000)) -timeout "${LOOP_SECONDS}s" -nd -nostdin -trace_counts -trace_err \
		</dev/null >"$dir/inv/sipp.out" 2>&1) &
	inv=$!
	pids="$pids $inv"
	# until the branch count stays still for 2 s, at most LOOP_SECONDS
	last=-1 still=0 n=0
	while [ $n -lt $((LOOP_SECONDS * 5)) ]; do
		sleep 0.2
		n=$((n + 1))
		b=$(stat_of branches)
		if [ "${b:-x}" = "$last" ]; then
			still=$((still + 1))
			[ $still -ge 10 ] && break
		else
			still=0
		fi
		last=${b:-x}
	done
	t1=$(date +%s.%N)
	b1=$(stat_of branches)
	forks=$(stat_of forks)
	c1=$(cpu_ticks "$PROXY_PID")
	settled=yes
	[ $still -ge 10 ] || settled="no (still forking after ${LOOP_SECONDS}s)"
	alive=yes
	running "$PROXY_PID" || alive=no
	wait "$inv" 2>/dev/null
	# shellcheck disable=SC2086
	stop $pids
	final=""
	for k in 2_482 3_483 4_404 5_408 6_500 7_480; do
		[ "$(counts_col "$dir/inv" "${k}_Recv")" = 0 ] || final="$final ${k#*_}"
	done
	tr=$dir/proxy-trace.log
	# the trace: "--- TIME udp SRC -> DST", then the message; sent by the proxy
	# when SRC is it (a message to itself is in the trace twice: sent, received)
	sent() { awk -v me="$LO:$SKP" -v w="$1" '/^--- / { src = $4; dst = $6; getline
		if (src == me && index($0, w) == 1) n += (dst == me) ? 0.5 : 1 } END { printf "%d", n }' "$tr" 2>/dev/null; }
	inv_sent=$(sent "INVITE ")
	r482=$(sent "SIP/2.0 482 ")
	r483=$(sent "SIP/2.0 483 ")
	bound=$(awk -v n="$LOOP_CONTACTS" -v m="$mf" 'BEGIN { s = 0; p = 1; for (i = 1; i <= m; i++) { p *= n; s += p }; printf "%.0f", s }')
	LOOP_LINE="contacts_per_user $LOOP_CONTACTS max_forwards $mf registered ${regok:-0}/2 branches $((${b1:-0} - ${b0:-0})) forks ${forks:-?} invites_sent_by_proxy ${inv_sent:-?} 482_sent ${r482:-?} 483_sent ${r483:-?} caller_final${final:- none} proxy_cpu_s $(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", c / hz }') seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a - 2 }') settled $settled proxy_alive $alive (no loop protection at all: $bound branches)"
	echo "run fork-loop $LOOP_LINE"
}

# ---- run
echo "$BENCH_TAG: $(uname -m), $(nproc) cores, sipkit $SIPKIT, $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | sed 's/^/SIPp /'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$BENCH_TAG: registrar: limit $REG_LIMIT AORs (built in: sipkit proxy has no option), probes of $REG_PROBE at $REG_PROBE_RATE/s, fill at $REG_RATE/s; fork loop: $LOOP_CONTACTS contacts per user, Max-Forwards $LOOP_MF"
registrar_full
loop_scenarios
loop_table=""
for mf in $LOOP_MF; do
	fork_loop "$mf"
	loop_table="$loop_table
fork-loop $LOOP_LINE"
done

echo
echo "== results"
echo "${REG_TABLE#?}"
echo "${loop_table#?}"
exit 0
