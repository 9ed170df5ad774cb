#!/bin/sh
# Interoperability tests: sipkit's command-line phones (`sipkit uas`, `sipkit
# call`) against SIPp (Debian's sip-tester) on loopback, UDP and TCP.
#
# Every process listens and sends on 127.0.0.1 only, on ports picked free
# (from a base derived from $$, checked with ss), and runs under `timeout 30`
# (SIPp also under -timeout and -m). Background processes are killed on exit,
# failure or not. SIPp writes its logs in a temporary directory, removed at the
# end (KEEP=1 keeps it and prints where).
#
# One line per case, `PASS name` or `FAIL name: reasons` followed by the
# relevant log excerpts, then `interop: N passed, M failed`; exit 1 on any
# failure. Without sipp the suite fails (make deps-test installs sip-tester).
#
#   SIPKIT=build/asan/sipkit sh tests/interop/sipp.sh [CASE...]
#
# With CASE names only those cases run. A sipkit built with the sanitizers
# runs with halt_on_error/abort_on_error, and any sanitizer report in its
# stderr fails the case.
set -u

SIPKIT=${SIPKIT:-build/sipkit}
here=$(cd "$(dirname "$0")" && pwd)
SCEN=$here/scenarios
LO=127.0.0.1
# the ASan/UBSan options, unless the caller set some
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

pass=0
fail=0

if ! command -v sipp >/dev/null 2>&1; then
	echo "FAIL sipp: sipp is not installed (Debian package sip-tester: make deps-test installs it)"
	echo "interop: 0 passed, 1 failed"
	exit 1
fi
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
if [ ! -x "$SIPKIT" ]; then
	echo "FAIL sipkit: $SIPKIT is not built"
	echo "interop: 0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_interop.XXXXXX") || exit 1
pids=""

# A background process is `timeout 30 CMD &`: $! is timeout's pid, and a TERM
# to timeout is passed on to CMD. sipkit runs under `timeout --foreground`: a
# plain timeout also sends SIGCONT to the whole group after the TERM, and if
# that lands while LeakSanitizer holds the process stopped, the ASan process
# spins forever; -k 5 kills what outlives the TERM.
suite=interop
PORT_SEED=1
# shellcheck source=tests/interop/lib.sh
. "$here/lib.sh"

# ---- the processes
# common SIPp options: loopback only (SIP, control and media sockets), bounded
# in time, traces in the case directory
sipp_opts() { # base port: SIP on it, control +1, media +2 and +4
	echo "-i $LO -p $1 -ci $LO -cp $(($1 + 1)) -mi $LO -mp $(($1 + 2)) -timeout 20s -timeout_error -nostdin -trace_msg -trace_err -trace_logs"
}

# start_sipp_server OUT PROTO SCENARIO [sipp args]: SIPp waiting for calls on
# $PORT (allocated here), pid in $SIPP_PID; 1 if it is not up within 5 s
start_sipp_server() {
	out=$1 proto=$2 sf=$3
	shift 3
	alloc 5
	SIPP_PORT=$PORT
	# shellcheck disable=SC2046
	timeout 30 sipp -sf "$SCEN/$sf" $(sipp_opts "$SIPP_PORT") "$@" </dev/null >"$out" 2>&1 &
	SIPP_PID=$!
	pids="$pids $SIPP_PID"
	n=0
	until listening "$proto" "$SIPP_PORT"; do
		if ! running $SIPP_PID || [ $n -ge 50 ]; then
			bad "sipp ($sf) did not start listening on $proto:$LO:$SIPP_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# start_uas NLISTEN [uas args]: sipkit uas in the background, pid in $UAS_PID;
# 1 if it has not printed NLISTEN "listening on" lines within 5 s
start_uas() {
	nl=$1
	shift
	timeout --foreground -k 5 30 "$SIPKIT" uas "$@" >uas.out 2>uas.err &
	UAS_PID=$!
	pids="$pids $UAS_PID"
	n=0
	while c=$(grep -c 'listening on' uas.err 2>/dev/null); [ "${c:-0}" -lt "$nl" ]; do
		if ! running $UAS_PID || [ $n -ge 50 ]; then
			bad "sipkit uas did not start listening"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# SIPp's cumulative count of successful / failed calls (from its last screen)
sipp_count() { # file "Successful call" | "Failed call"
	awk -F'|' -v k="$2" 'index($1, k) {v = $3} END {gsub(/ /, "", v); print v}' "$1"
}

check_sipp() { # file exit-status expected-successful-calls
	[ "$2" = 0 ] || bad "sipp exit $2, expected 0"
	s=$(sipp_count "$1" "Successful call")
	f=$(sipp_count "$1" "Failed call")
	if [ "$s" != "$3" ] || [ "$f" != 0 ]; then
		bad "sipp: $s successful and $f failed calls, expected $3 and 0"
	fi
}

# the time (ms) of the first ladder line of sipkit call matching a pattern
ladder_ms() { # file ERE
	awk -v re="$2" '$0 ~ re { split($1, t, "."); print t[1] * 1000 + t[2]; exit }' "$1"
}

# ---- cases ------------------------------------------------------------------

# a. sipkit uas --no-answer, cancelled by SIPp (uac_cancel.xml): CALLS calls
# at 5/s over PROTO
uas_cancelled() { # name proto calls
	begin "$1"
	proto=$2 calls=$3
	alloc 1
	uport=$PORT
	if start_uas 1 -l "$proto:$LO:$uport" --no-answer --calls "$calls"; then
		alloc 5
		t=""
		[ "$proto" = tcp ] && t="-t t1"
		# shellcheck disable=SC2046,SC2086
		timeout 30 sipp "$LO:$uport" -sf "$SCEN/uac_cancel.xml" -s bob $t -m "$calls" -r 5 \
			-d 300 $(sipp_opts "$PORT") </dev/null >sipp.out 2>&1
		check_sipp sipp.out $? "$calls"
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls $calls"
		n=$(grep -c 'cancelled by the caller after [0-9]* ms (487 sent)' uas.out)
		[ "$n" = "$calls" ] || bad "$n 'cancelled by the caller' lines in the uas log, expected $calls"
		n=$(grep -c '^call ' uas.out)
		[ "$n" = "$calls" ] || bad "$n call lines in the uas log, expected $calls"
		n=$(sed -n 's/.*(Call-ID \([^)]*\)).*/\1/p' uas.out | sort -u | wc -l)
		[ "$n" -eq "$calls" ] || bad "$n distinct Call-IDs in the uas log, expected $calls"
		grep -q "$calls calls: 0 answered, $calls cancelled, 0 rejected, 0 timed out, 0 failed" uas.err ||
			bad "uas summary is not '$calls calls: 0 answered, $calls cancelled, ...'"
	fi
	verdict
}

# b. sipkit uas --answer-after 200 called by SIPp (uac_call.xml): 200, ACK,
# 200 ms of call, BYE
uas_answered() {
	begin uas-answer-udp
	alloc 1
	uport=$PORT
	if start_uas 1 -l "udp:$LO:$uport" --answer-after 200 --calls 1; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$uport" -sf "$SCEN/uac_call.xml" -s bob -m 1 -d 200 \
			$(sipp_opts "$PORT") </dev/null >sipp.out 2>&1
		check_sipp sipp.out $? 1
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
		grep -q '^call 1 from sip:sipp@127.0.0.1:[0-9]* (Call-ID [^)]*): answered (200), BYE after [0-9]* ms' uas.out ||
			bad "the uas log has no 'answered (200), BYE after' line for call 1"
		# answered after 200 ms, then 200 ms of call before SIPp's BYE
		ms=$(sed -n 's/.*answered (200), BYE after \([0-9]*\) ms.*/\1/p' uas.out)
		if [ -z "$ms" ] || [ "$ms" -lt 390 ]; then
			bad "call length ${ms:-?} ms, expected 400 or more (--answer-after 200, sipp -d 200)"
		fi
		grep -q "1 calls: 1 answered, 0 cancelled" uas.err || bad "uas summary is not '1 calls: 1 answered, 0 cancelled, ...'"
	fi
	verdict
}

# c, f. sipkit call --cancel-after 300 --reason R against uas_ring_check.xml,
# which compares the CANCEL with its INVITE field by field
call_cancelled() { # name proto reason
	begin "$1"
	proto=$2 reason=$3
	t=""
	[ "$proto" = tcp ] && t="-t t1"
	# shellcheck disable=SC2086
	if start_sipp_server sipp.out "$proto" uas_ring_check.xml $t -m 1 -set reason "$reason"; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --transport "$proto" --cancel-after 300 \
			--reason "$reason" >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
		ms=$(ladder_ms call.out " --> .* CANCEL sip:bob@")
		if [ -z "$ms" ] || [ "$ms" -lt 295 ]; then
			bad "CANCEL sent at ${ms:-no time} ms, expected at 300 (--cancel-after 300)"
		fi
		up=$(echo "$proto" | tr '[:lower:]' '[:upper:]')
		n=$(grep -c " $up  " call.out)
		[ "$n" -ge 7 ] || bad "$n $up messages in sipkit's ladder, expected 7 (INVITE 100 180 CANCEL 200 487 ACK)"
		wait_bounded "$SIPP_PID" 5
		check_sipp sipp.out $? 1
		m=$(grep -h MISMATCH uas_ring_check_*_logs.log 2>/dev/null | head -3 | tr -d '\r' | tr '\n' ' ')
		[ -z "$m" ] || bad "uas_ring_check.xml found: $m"
	fi
	verdict
}

# c, negative: the check can fail. A SIPp caller with a CANCEL wrong in every
# field SIPp lets through (uac_bad_cancel.xml) must be caught on each.
check_catches_bad_cancel() {
	begin check-catches-bad-cancel
	if start_sipp_server sipp-uas.out udp uas_ring_check.xml -m 1 -set reason 'SIP;cause=200'; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$SIPP_PORT" -sf "$SCEN/uac_bad_cancel.xml" -s bob -m 1 \
			$(sipp_opts "$PORT") </dev/null >sipp-uac.out 2>&1
		st=$?
		[ $st = 0 ] || bad "the bad caller's sipp exit $st, expected 0 (it completes its call)"
		wait_bounded "$SIPP_PID" 5
		st=$?
		[ $st = 1 ] || bad "uas_ring_check.xml sipp exit $st, expected 1 (failed call)"
		for what in "Request-URI:" "top Via:" "more than one Via" "From:" "From without a tag" \
			"To:" "To with a tag" "CSeq:" "Reason:"; do
			grep -qF "MISMATCH $what" uas_ring_check_*_logs.log 2>/dev/null ||
				bad "no 'MISMATCH $what' logged"
		done
	fi
	verdict
}

# c, negative with sipkit: a CANCEL without the Reason that is expected fails
# the check (sipkit call itself is content: the call was cancelled)
check_catches_missing_reason() {
	begin check-catches-missing-reason
	if start_sipp_server sipp.out udp uas_ring_check.xml -m 1 -set reason 'SIP;cause=200;text="Call completed elsewhere"'; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --cancel-after 100 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		wait_bounded "$SIPP_PID" 5
		st=$?
		[ $st = 1 ] || bad "uas_ring_check.xml sipp exit $st, expected 1 (CANCEL without Reason)"
		grep -qF "MISMATCH Reason: CANCEL ''" uas_ring_check_*_logs.log 2>/dev/null ||
			bad "no 'MISMATCH Reason' logged"
	fi
	verdict
}

# CANCEL before any provisional: sipkit call --cancel-after 100 against a callee
# silent for 400 ms (uas_late_ring.xml, which fails the call on an early
# CANCEL): the CANCEL must wait for the 180 (RFC 3261 9.1)
call_cancel_before_provisional() {
	begin call-cancel-before-provisional
	if start_sipp_server sipp.out udp uas_late_ring.xml -m 1; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --cancel-after 100 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
		r=$(ladder_ms call.out " <-- .* SIP/2.0 180 ")
		c=$(ladder_ms call.out " --> .* CANCEL sip:")
		if [ -z "$r" ] || [ -z "$c" ] || [ "$c" -lt "$r" ]; then
			bad "CANCEL at ${c:-no time} ms, 180 at ${r:-no time} ms: the CANCEL must follow the 180"
		fi
		wait_bounded "$SIPP_PID" 5
		check_sipp sipp.out $? 1
		grep -q 'EARLY CANCEL' uas_late_ring_*_logs.log 2>/dev/null && bad "uas_late_ring.xml: EARLY CANCEL"
	fi
	verdict
}

# the same check can fail: a SIPp caller that cancels 100 ms after its INVITE
check_catches_early_cancel() {
	begin check-catches-early-cancel
	if start_sipp_server sipp-uas.out udp uas_late_ring.xml -m 1; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$SIPP_PORT" -sf "$SCEN/uac_early_cancel.xml" -s bob -m 1 \
			$(sipp_opts "$PORT") </dev/null >sipp-uac.out 2>&1
		st=$?
		[ $st = 0 ] || bad "the early caller's sipp exit $st, expected 0 (it completes its call)"
		wait_bounded "$SIPP_PID" 5
		st=$?
		[ $st = 1 ] || bad "uas_late_ring.xml sipp exit $st, expected 1 (failed call)"
		grep -q 'EARLY CANCEL' uas_late_ring_*_logs.log 2>/dev/null || bad "no 'EARLY CANCEL' logged"
	fi
	verdict
}

# the callee's 2xx crossed the CANCEL (uas_answer_on_cancel.xml: 200 to the
# CANCEL, then 200 to the INVITE): sipkit call must ACK it and hang up (BYE);
# the call was not cancelled as asked, so exit 1
call_cancel_crossing_2xx() {
	begin call-cancel-crossing-2xx
	if start_sipp_server sipp.out udp uas_answer_on_cancel.xml -m 1; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --cancel-after 100 \
			--reason 'SIP;cause=487;text="Caller gave up"' >call.out 2>call.err
		st=$?
		[ $st = 1 ] || bad "sipkit call exit $st, expected 1 (answered, not cancelled)"
		grep -qx 'result: answered before cancel took effect (ACK+BYE sent)' call.out ||
			bad "no 'result: answered before cancel took effect (ACK+BYE sent)' from sipkit call"
		grep -qE ' --> .* ACK sip:' call.out || bad "no ACK for the 2xx in sipkit's ladder"
		grep -qE ' --> .* BYE sip:' call.out || bad "no BYE in sipkit's ladder"
		wait_bounded "$SIPP_PID" 5
		check_sipp sipp.out $? 1
	fi
	verdict
}

# d. sipkit call against uas_answer.xml: 180, 200 after 200 ms, ACK, BYE
call_answered() {
	begin call-answer-udp
	if start_sipp_server sipp.out udp uas_answer.xml -m 1 -d 200; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" -l "udp:$LO:0" >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: answered (200), hung up' call.out || bad "no 'result: answered (200), hung up' from sipkit call"
		grep -qE ' --> .* ACK sip:' call.out || bad "no ACK in sipkit's ladder"
		grep -qE ' --> .* BYE sip:' call.out || bad "no BYE in sipkit's ladder"
		grep -qE ' <-- .* SIP/2.0 200 OK  \(CSeq [0-9]+ BYE\)' call.out || bad "no 200 for the BYE in sipkit's ladder"
		wait_bounded "$SIPP_PID" 5
		check_sipp sipp.out $? 1
	fi
	verdict
}

# e. the naive caller: a CANCEL on a new branch gets 481 and the phone rings
# on; the correct CANCEL then gets 200 and 487
uas_naive_cancel() {
	begin uas-naive-cancel-udp
	alloc 1
	uport=$PORT
	if start_uas 1 -l "udp:$LO:$uport" --no-answer --calls 1 --trace uas.pcap; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$uport" -sf "$SCEN/uac_naive_cancel.xml" -s bob -m 1 -d 300 \
			$(sipp_opts "$PORT") </dev/null >sipp.out 2>&1
		check_sipp sipp.out $? 1
		grep -q '^SIP/2.0 481 ' uac_naive_cancel_*_messages.log 2>/dev/null ||
			bad "no 481 in SIPp's message log"
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
		n=$(grep -c '^call ' uas.out)
		[ "$n" = 1 ] || bad "$n call lines in the uas log, expected exactly 1"
		n=$(grep -c 'cancelled by the caller' uas.out)
		[ "$n" = 1 ] || bad "$n cancelled calls in the uas log, expected exactly 1"
		grep -q "1 calls: 0 answered, 1 cancelled, 0 rejected, 0 timed out, 0 failed" uas.err ||
			bad "uas summary is not '1 calls: 0 answered, 1 cancelled, ...'"
		# sipkit check on the phone's own capture names the fault: the first CANCEL
		# missed the INVITE by its branch; the second one cancelled it
		"$SIPKIT" check --json --no-progress uas.pcap >check.out 2>check.err
		st=$?
		[ $st = 1 ] || bad "sipkit check exit $st on the phone's capture, expected 1"
		grep -q '"code":"cancel.branch_mismatch"' check.out || bad "sipkit check did not find cancel.branch_mismatch"
		# the second CANCEL ended the call, but a call with an error finding is never
		# 'cancelled cleanly' (README, outcome rules): it is 'cancelled, not clean', saying why
		grep -q '"outcome":"cancelled, not clean"' check.out ||
			bad "sipkit check: the call is not 'cancelled, not clean'"
		grep -q '"outcome_why":"[^"]*cancel.branch_mismatch' check.out ||
			bad "sipkit check: the outcome does not say why (cancel.branch_mismatch)"
		# and so does it on SIPp's own -trace_msg log
		"$SIPKIT" check --json --no-progress uac_naive_cancel_*_messages.log >check.out 2>check.err
		st=$?
		[ $st = 1 ] || bad "sipkit check exit $st on SIPp's message log, expected 1"
		grep -q '"code":"cancel.branch_mismatch"' check.out || bad "sipkit check did not find cancel.branch_mismatch in SIPp's log"
	fi
	verdict
}

# i. 100rel and PRACK (RFC 3262). A SIPp caller with "EXT: 100rel" (Require or
# Supported) PRACKs the reliable 180 of `sipkit uas --100rel required`, then
# cancels: the uas sent the 180 once (the PRACK stopped it), answered the PRACK
# 200 and the INVITE 487; sipkit check on the uas's capture finds nothing wrong.
uas_prack_cancel() { # name ext
	begin "$1"
	alloc 1
	uport=$PORT
	if start_uas 1 -l "udp:$LO:$uport" --100rel required --no-answer --calls 1 --ladder --trace uas.pcap; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$uport" -sf "$SCEN/uac_prack_cancel.xml" -s bob -m 1 -d 300 \
			-set ext "$2" $(sipp_opts "$PORT") </dev/null >sipp.out 2>&1
		check_sipp sipp.out $? 1
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
		grep -q 'cancelled by the caller after [0-9]* ms (487 sent)' uas.out ||
			bad "no 'cancelled by the caller' line in the uas log"
		n=$(grep -c ' --> .* SIP/2.0 180 Ringing' uas.out)
		[ "$n" = 1 ] || bad "$n 180s sent by the uas, expected 1 (PRACKed at once)"
		grep -qE ' --> .* SIP/2.0 200 OK  \(CSeq 2 PRACK\)' uas.out || bad "no 200 to the PRACK in the uas ladder"
		grep -qE ' --> .* SIP/2.0 487 .*\(CSeq 1 INVITE\)' uas.out || bad "no 487 in the uas ladder"
		grep -q '^RSeq: [0-9]' uac_prack_cancel_*_messages.log 2>/dev/null || bad "no RSeq in SIPp's message log"
		"$SIPKIT" check --json --no-progress uas.pcap >check.out 2>check.err
		st=$?
		[ $st = 0 ] || bad "sipkit check exit $st on the uas capture, expected 0"
		grep -q '"outcome":"cancelled cleanly"' check.out || bad "sipkit check: the call is not 'cancelled cleanly'"
		! grep -q '"code":' check.out || bad "sipkit check found: $(grep -o '"code":"[^"]*"' check.out | tr '\n' ' ')"
	fi
	verdict
}

# A SIPp callee sends a reliable 183 then a reliable 180 (uas_reliable_ring.xml,
# which checks each RAck) to `sipkit call --100rel supported --cancel-after`:
# both are PRACKed in order, then the CANCEL, the 487 and its ACK.
call_prack_cancel() {
	begin call-prack-cancel-udp
	if start_sipp_server sipp.out udp uas_reliable_ring.xml -m 1; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --100rel supported \
			--cancel-after 400 --trace call.log >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
		grep -qE ' --> .* PRACK sip:.*\(CSeq 2 PRACK\)' call.out || bad "no PRACK for the 183 (CSeq 2) in the ladder"
		grep -qE ' --> .* PRACK sip:.*\(CSeq 3 PRACK\)' call.out || bad "no PRACK for the 180 (CSeq 3) in the ladder"
		n=$(grep -c ' --> .* PRACK sip:' call.out)
		[ "$n" = 2 ] || bad "$n PRACKs sent, expected 2"
		p=$(ladder_ms call.out " --> .* PRACK sip:.*CSeq 3 PRACK")
		c=$(ladder_ms call.out " --> .* CANCEL sip:")
		if [ -z "$p" ] || [ -z "$c" ] || [ "$c" -lt "$p" ]; then
			bad "CANCEL at ${c:-never} ms, second PRACK at ${p:-never} ms: expected the PRACKs first"
		fi
		wait_bounded "$SIPP_PID" 5
		check_sipp sipp.out $? 1
		"$SIPKIT" check --json --no-progress call.log >check.out 2>check.err
		st=$?
		[ $st = 0 ] || bad "sipkit check exit $st on the caller's trace, expected 0"
		grep -q '"outcome":"cancelled cleanly"' check.out || bad "sipkit check: the call is not 'cancelled cleanly'"
		! grep -q '"code":' check.out || bad "sipkit check found: $(grep -o '"code":"[^"]*"' check.out | tr '\n' ' ')"
	fi
	verdict
}

# h. errors of the command line
uas_port_in_use() {
	begin uas-port-in-use
	alloc 2
	p=$PORT
	if start_uas 2 -l "udp:$LO:$p" -l "tcp:$LO:$((p + 1))" --duration 20; then
		for spec in "udp:$LO:$p" "tcp:$LO:$((p + 1))"; do
			timeout --foreground -k 5 30 "$SIPKIT" uas -l "$spec" --no-answer --duration 1 >uas2.out 2>uas2.err
			st=$?
			[ $st != 0 ] || bad "second uas on $spec: exit 0, expected non-zero"
			grep -q 'address already in use' uas2.err || bad "second uas on $spec: no 'address already in use'"
			cat uas2.err >>uas2-all.err
		done
		rm -f uas2.out uas2.err
		# the first one still serves, and stops cleanly on TERM
		kill "$UAS_PID" 2>/dev/null
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "first uas: exit $st after TERM, expected 0"
	fi
	verdict
}

call_bad_address() {
	begin call-bad-address
	# a transport sipkit does not speak (a name would be resolved now, RFC 3263; tests
	# send no DNS query out of the machine)
	timeout --foreground -k 5 30 "$SIPKIT" call 'sip:bob@127.0.0.1;transport=sctp' >call.out 2>call.err
	st=$?
	[ $st = 64 ] || bad "exit $st, expected 64"
	grep -q "bad address '127.0.0.1'" call.err || bad "no \"bad address '127.0.0.1'\" on stderr"
	verdict
}

call_bad_reason() {
	begin call-bad-reason
	alloc 1
	timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$PORT" --cancel-after 100 --reason 'garbage;;' >call.out 2>call.err
	st=$?
	[ $st = 64 ] || bad "exit $st, expected 64"
	grep -q 'malformed --reason' call.err || bad "no 'malformed --reason' on stderr"
	[ ! -s call.out ] || bad "something printed on stdout (a call placed?)"
	verdict
}

call_tcp_refused() {
	begin call-tcp-refused
	alloc 1
	timeout --foreground -k 5 30 "$SIPKIT" call --transport tcp "sip:bob@$LO:$PORT" >call.out 2>call.err
	st=$?
	[ $st = 69 ] || bad "exit $st, expected 69 (peer unreachable)"
	grep -q '^result: failed' call.out || bad "no 'result: failed' line"
	verdict
}

# sipkit call to an IPv6 literal ([::1]): its default From is an IPv6 reference
# in brackets (§25.1), the call goes out and is cancelled (it failed before
# sending, "malformed input", exit 69); skipped where the machine has no ::1
call_ipv6() {
	begin call-ipv6
	if ! ip -6 addr show lo 2>/dev/null | grep -q '::1/128'; then
		echo "SKIP call-ipv6: no ::1 on lo"
		return
	fi
	alloc 1
	if start_uas 1 -l "udp:[::1]:$PORT" --no-answer --calls 1; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@[::1]:$PORT" --cancel-after 200 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -q '^result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' line"
	fi
	verdict
}

# ---- run ---------------------------------------------------------------------
# sipkit uas --reinvite-answer-after 2000 called by SIPp (uac_reinvite_cancel.xml):
# the call answered, a re-INVITE, its 100 Trying, a CANCEL of it: 200 to the
# CANCEL, 487 to the re-INVITE (§9.2, §14.2), ACKed; the dialog survives (a
# BYE in it gets 200) and the uas reports both
uas_reinvite_cancelled() {
	begin uas-reinvite-cancel-udp
	alloc 1
	uport=$PORT
	if start_uas 1 -l "udp:$LO:$uport" --answer-after 0 --reinvite-answer-after 2000 --calls 1; then
		alloc 5
		# shellcheck disable=SC2046
		timeout 30 sipp "$LO:$uport" -sf "$SCEN/uac_reinvite_cancel.xml" -s bob -m 1 \
			$(sipp_opts "$PORT") </dev/null >sipp.out 2>&1
		check_sipp sipp.out $? 1
		wait_bounded "$UAS_PID" 5
		st=$?
		[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
		grep -q '^call 1 (Call-ID [^)]*): re-INVITE cancelled by the caller (487 sent, the dialog goes on), Reason: SIP;cause=487' uas.out ||
			bad "the uas log has no 're-INVITE cancelled' line with the CANCEL's Reason"
		grep -q '^call 1 from .*: answered (200), BYE after [0-9]* ms' uas.out ||
			bad "the call did not survive its cancelled re-INVITE (no 'answered (200), BYE after')"
	fi
	verdict
}

all="uas-cancel-udp uas-cancel-udp-5calls uas-answer-udp call-cancel-udp check-catches-bad-cancel \
check-catches-missing-reason call-answer-udp uas-naive-cancel-udp call-cancel-tcp uas-cancel-tcp \
call-cancel-before-provisional check-catches-early-cancel call-cancel-crossing-2xx \
uas-port-in-use call-bad-address call-bad-reason call-tcp-refused call-ipv6 uas-reinvite-cancel-udp \
uas-prack-require-udp uas-prack-supported-udp call-prack-cancel-udp"

run_case() {
	case $1 in
	uas-cancel-udp) uas_cancelled uas-cancel-udp udp 1 ;;
	uas-cancel-udp-5calls) uas_cancelled uas-cancel-udp-5calls udp 5 ;;
	uas-answer-udp) uas_answered ;;
	call-cancel-udp) call_cancelled call-cancel-udp udp 'SIP;cause=200;text="Call completed elsewhere"' ;;
	check-catches-bad-cancel) check_catches_bad_cancel ;;
	check-catches-missing-reason) check_catches_missing_reason ;;
	call-answer-udp) call_answered ;;
	uas-naive-cancel-udp) uas_naive_cancel ;;
	call-cancel-tcp) call_cancelled call-cancel-tcp tcp 'Q.850;cause=16;text="Normal call clearing"' ;;
	uas-cancel-tcp) uas_cancelled uas-cancel-tcp tcp 5 ;;
	call-cancel-before-provisional) call_cancel_before_provisional ;;
	check-catches-early-cancel) check_catches_early_cancel ;;
	call-cancel-crossing-2xx) call_cancel_crossing_2xx ;;
	uas-port-in-use) uas_port_in_use ;;
	call-bad-address) call_bad_address ;;
	call-bad-reason) call_bad_reason ;;
	call-tcp-refused) call_tcp_refused ;;
	call-ipv6) call_ipv6 ;;
	uas-reinvite-cancel-udp) uas_reinvite_cancelled ;;
	uas-prack-require-udp) uas_prack_cancel uas-prack-require-udp Require ;;
	uas-prack-supported-udp) uas_prack_cancel uas-prack-supported-udp Supported ;;
	call-prack-cancel-udp) call_prack_cancel ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	# nothing of a case outlives it
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=""
}

if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi

echo "interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
