#!/bin/sh
# Who may use `sipkit proxy` (issue 17), tried with the tools an operator and an
# attacker use, on loopback:
#
#   relay-denied     sipkit proxy --domain sipkit.test: `sipkit call` through it
#                    to a host outside the domain gets 403 (result line, exit 1),
#                    the callee never sees an INVITE; sipsak's OPTIONS to that
#                    host the same; ctl stats relay_denied counts them
#   relay-trusted    the same call from a --trust source is relayed and
#                    cancelled cleanly (the policy is not a blanket refusal); the
#                    proxy's log line for it (logfmt) has the caller's Reason with
#                    its ESC escaped
#   sipp-auth        SIPp (sip-tester) REGISTER with [authentication] (401, then
#                    200), then INVITE challenged 407, sent again with
#                    credentials, ringing at `sipkit uas --no-answer` and
#                    cancelled: the CANCEL is not challenged, 200 and 487
#   sipsak-auth      sipsak -U -a: the right password registers, a wrong one
#                    does not (auth_failed)
#   svwar            SIPVicious svwar with REGISTER, INVITE and OPTIONS finds no
#                    extension among 995-1005 although 1000 exists
#   svwar-control    svwar -m INVITE against the same proxy without --users
#                    finds 1000 (it routes to a phone that answers, the others
#                    get 404): the check above can fail
#   svcrack          SIPVicious svcrack on alice, whose password is 15th in its
#                    dictionary: the source is blocked after 10 failures, the
#                    password is not found
#   svcrack-control  the same with the password 2nd: svcrack finds it (the
#                    check above can fail)
#   baresip          baresip (Debian) registers 1000 with its password; `sipkit
#                    call` as 2000 (authenticated) through the proxy reaches it,
#                    it rings (no auto-answer) and the caller cancels: 487, exit
#                    0, baresip's session closed, the trace cancelled cleanly.
#                    The proxy offers MD5 only (--auth-algorithms MD5): baresip
#                    1.0 on libre 1.1 gives up on the whole 401 when one of its
#                    challenges is SHA-256 ("Register: Function not implemented")
#   baresip-wrong    baresip with a wrong password is not registered; it answers
#                    every new 401 again until the proxy blocks it (403)
#
# One line per case (PASS/FAIL), then `interop-proxy-policy: N passed, M failed`.
# About 45 s. Needs sipp, sipsak, sipvicious and baresip (`make deps-test` installs them).
#
#   sh tests/interop/proxy_policy.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-proxy-policy
PORT_SEED=11
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

need() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	bad "$1 is not installed (Debian package $2)"
	return 1
}

# users FILE USER:PASSWORD...: a users file of realm 127.0.0.1 (MD5 and SHA-256 HA1s)
users() {
	f=$1
	shift
	: >"$f"
	for up in "$@"; do
		u=${up%%:*} pw=${up#*:}
		md5=$(printf '%s' "$u:$LO:$pw" | md5sum | cut -d' ' -f1)
		sha=$(printf '%s' "$u:$LO:$pw" | sha256sum | cut -d' ' -f1)
		echo "$u:$LO:$md5:$sha" >>"$f"
	done
}

# start_uas [args]: `sipkit uas` on udp $UAS_PORT (allocated here)
start_uas() {
	alloc 1
	UAS_PORT=$PORT
	start_bg uas 1 uas -l "udp:$LO:$UAS_PORT" "$@"
}

# ---- cases ------------------------------------------------------------------

relay() { # name trust(yes|no)
	begin "$1"
	trust=""
	[ "$2" = yes ] && trust="--trust $LO/32"
	if start_uas --no-answer && start_proxy --domain sipkit.test $trust; then
		# a Reason with an ESC in it: the proxy's log line must not carry it raw
		esc=$(printf 'SIP;cause=16;text="red \033[31m"')
		# shellcheck disable=SC2086
		timeout -k 5 20 "$SIPKIT" call "sip:carol@$LO:$UAS_PORT" --route "sip:$LO:$PROXY_PORT;lr" \
			--cancel-after 300 --reason "$esc" >call.out 2>call.err
		st=$?
		if [ "$2" = yes ]; then
			[ $st = 0 ] || bad "sipkit call exit $st, expected 0 (relayed for a trusted source)"
			grep -q '^result: cancelled' call.out || bad "no 'result: cancelled' line"
			grep -q 'cancelled' uas.out || bad "the callee did not see the call cancelled"
			grep -q '^ts=.* event=call .*outcome=cancelled .*reason="SIP;cause=16;text=\\"red \\u001b\[31m\\"" status=487 duration_ms=' \
				proxy.out || bad "no logfmt line for the cancelled call, its Reason escaped"
			grep -q "$(printf '\033')" proxy.out && bad "a raw ESC in the proxy's output"
		else
			[ $st = 1 ] || bad "sipkit call exit $st, expected 1 (403)"
			grep -q '^result: .*403' call.out || bad "no result line with 403"
			[ -s uas.out ] && bad "the callee saw a call through a denied relay"
			if need sipsak sipsak; then
				alloc 1
				# -p HOST -r PORT: sipsak 0.9.8 misreads a five-digit port in -p
				timeout -k 5 10 sipsak -vv -s "sip:carol@$LO:$UAS_PORT" -p "$LO" -r "$PROXY_PORT" \
					-l "$PORT" -i >sipsak.out 2>&1
				grep -q '403' sipsak.out || bad "sipsak's OPTIONS got no 403"
			fi
			ctl_stats
			stat_is relay_denied 2
		fi
		stop_proxy
	fi
	verdict
}

sipp_auth() {
	begin sipp-auth
	need_sipp || { verdict; return; }
	users users 1000:secret
	if start_uas --no-answer &&
		start_proxy --domain "$LO" --users users --route "1000=sip:$LO:$UAS_PORT"; then
		alloc 5
		# shellcheck disable=SC2046
		timeout -k 5 20 sipp "$LO:$PROXY_PORT" -sf "$SCEN/uac_register_auth.xml" -s 1000 -au 1000 \
			-ap secret -m 1 $(sipp_opts "$PORT") </dev/null >sipp-reg.out 2>&1
		check_sipp REGISTER sipp-reg.out $? 1
		alloc 5
		# shellcheck disable=SC2046
		timeout -k 5 20 sipp "$LO:$PROXY_PORT" -sf "$SCEN/uac_auth_cancel.xml" -s 1000 -au 1000 \
			-ap secret -m 1 $(sipp_opts "$PORT") </dev/null >sipp-call.out 2>&1
		check_sipp INVITE sipp-call.out $? 1
		ctl_stats
		stat_is registers 1
		stat_is challenges 2
		grep -q '^ts=.* event=register .*outcome=registered .*status=200 bindings=1' proxy.out ||
			bad "no logfmt line for the REGISTER"
		stat_is cancelled 1
		stat_is auth_failed 0
		check_no_pending
		stop_proxy
		check_trace "cancelled cleanly" # followed through its challenge (issue 13)
	fi
	verdict
}

sipsak_auth() {
	begin sipsak-auth
	need sipsak sipsak || { verdict; return; }
	users users 1000:secret
	if start_proxy --domain "$LO" --users users; then
		alloc 2
		timeout -k 5 10 sipsak -U -s "sip:1000@$LO" -p "$LO:$PROXY_PORT" -u 1000 -a secret -x 120 \
			-l "$PORT" -i >sipsak-right.out 2>&1
		timeout -k 5 10 sipsak -U -s "sip:1000@$LO" -p "$LO:$PROXY_PORT" -u 1000 -a wrong -x 120 \
			-l $((PORT + 1)) -i >sipsak-wrong.out 2>&1
		grep -q 'authorization failed' sipsak-wrong.out || bad "sipsak with a wrong password was not refused"
		ctl_stats
		stat_is registers 1
		stat_is auth_failed 1
		stop_proxy
	fi
	verdict
}

# svwar METHOD: the extensions of 995-1005 it reports, one a line
svwar_found() {
	alloc 1
	timeout -k 5 30 svwar --force -m "$1" -e 995-1005 -p "$PROXY_PORT" -P "$PORT" -b "$LO" "$LO" \
		>"svwar-$1.out" 2>&1
	grep -oE '^\| *(99[5-9]|100[0-5]) ' "svwar-$1.out" | tr -dc '0-9\n'
}

svwar_case() { # name users(yes|no)
	begin "$1"
	need svwar sipvicious || { verdict; return; }
	users users 1000:secret
	auth="" callee=--no-answer
	[ "$2" = yes ] && auth="--users users"
	[ "$2" = no ] && callee="--answer-after 0" # svwar waits for a final
	# shellcheck disable=SC2086
	if start_uas $callee && start_proxy --domain "$LO" $auth --route "1000=sip:$LO:$UAS_PORT"; then
		if [ "$2" = yes ]; then
			for m in REGISTER INVITE OPTIONS; do
				found=$(svwar_found $m)
				[ -z "$found" ] || bad "svwar -m $m told extensions apart: $(echo "$found" | tr '\n' ' ')"
			done
		else
			found=$(svwar_found INVITE)
			[ "$found" = 1000 ] || bad "svwar -m INVITE found '$(echo "$found" | tr '\n' ' ')', expected 1000"
		fi
		stop_proxy
	fi
	verdict
}

svcrack_case() { # name position-of-the-password
	begin "$1"
	need svcrack sipvicious || { verdict; return; }
	users users alice:weak1
	i=1
	: >dict
	while [ $i -lt "$2" ]; do echo "guess$i" >>dict; i=$((i + 1)); done
	echo weak1 >>dict
	for j in 1 2 3 4 5; do echo "later$j" >>dict; done
	# two workers: svcrack's guesses (a Call-ID each) spread over them, and the
	# failures that block its source are counted for both together (docs/workers.md)
	if start_proxy --domain "$LO" --users users --workers 2; then
		alloc 1
		timeout -k 2 8 svcrack -u alice -d dict -p "$PROXY_PORT" -P "$PORT" -b "$LO" "$LO" >svcrack.out 2>&1
		ctl_stats
		if [ "$2" -gt 10 ]; then
			grep -q 'weak1' svcrack.out && bad "svcrack found the password"
			stat_is auth_blocked 1
		else
			grep -q 'weak1' svcrack.out || bad "svcrack did not find the password (2nd in its list)"
		fi
		stop_proxy
	fi
	verdict
}

# start_baresip PASSWORD: baresip (Debian) on udp $BS_PORT (allocated here),
# loopback only, with its own config directory: registers 1000@127.0.0.1 with
# PASSWORD at the proxy (outbound proxy sip:127.0.0.1:$PROXY_PORT), answers
# nothing (answermode=manual, no UI: calls ring until cancelled), no audio
# device (aubridge), its DNS client pointed at a closed loopback port.
# Output in baresip.out, pid in $BS_PID; 1 if it is not up within 5 s.
start_baresip() {
	alloc 13
	BS_PORT=$PORT
	mkdir -p bs
	baresip_config bs/config udp 1
	echo "<sip:1000@$LO>;auth_pass=$1;outbound=\"sip:$LO:$PROXY_PORT;lr\";regint=60;answermode=manual" \
		>bs/accounts
	: >bs/contacts
	timeout -k 5 30 baresip -f "$dir/bs" -v </dev/null >baresip.out 2>&1 &
	BS_PID=$!
	pids="$pids $BS_PID"
	n=0
	until listening udp "$BS_PORT"; do
		if ! running $BS_PID || [ $n -ge 50 ]; then
			bad "baresip did not start listening on udp:$LO:$BS_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# wait_for FILE PATTERN SECONDS: 0 once FILE has a line matching PATTERN
wait_for() {
	n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		[ $n -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

baresip_case() { # name password-of-baresip
	begin "$1"
	need baresip baresip || { verdict; return; }
	users users 1000:secret 2000:pw2
	if start_proxy --domain "$LO" --users users --auth-algorithms MD5 && start_baresip "$2"; then
		if [ "$2" = secret ]; then
			wait_for baresip.out '200 OK .*1 binding' 5 || bad "baresip did not register"
			"$SIPKIT" ctl -s "$CTL" bindings >ctl-bindings.out 2>&1 || bad "sipkit ctl bindings failed"
			grep -q "^binding 1000@$LO contact .*@$LO:$BS_PORT " ctl-bindings.out ||
				bad "no binding of 1000 to baresip's port"
			timeout -k 5 20 "$SIPKIT" call "sip:1000@$LO:$PROXY_PORT" --user 2000 --password pw2 \
				--cancel-after 1000 >call.out 2>call.err
			st=$?
			[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
			grep -q '^result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' line"
			grep -q ' 180 ' call.out || bad "baresip did not ring (no 180)"
			wait_for baresip.out 'session closed' 3 || bad "baresip's log does not show the call closed"
			ctl_stats
			stat_is auth_failed 0
			for k in challenges registers; do
				v=$(awk -v k="$k" '$1 == k {print $2}' ctl-stats.out)
				[ "${v:-0}" -ge 1 ] || bad "ctl stats: $k ${v:-?}, expected >= 1"
			done
			stat_is cancelled 1
			check_no_pending
			stop_proxy
			check_trace "cancelled cleanly"
		else
			# baresip answers every fresh 401 again with the same wrong password
			# until the proxy blocks it (10 failures) and answers 403
			wait_for baresip.out 'reg: .*403 Forbidden' 5 || bad "baresip was not refused (403)"
			"$SIPKIT" ctl -s "$CTL" bindings >ctl-bindings.out 2>&1 || bad "sipkit ctl bindings failed"
			grep -qx "bindings 0" ctl-bindings.out || bad "baresip registered with a wrong password"
			ctl_stats
			v=$(awk '$1 == "auth_failed" {print $2}' ctl-stats.out)
			[ "${v:-0}" -ge 1 ] || bad "ctl stats: auth_failed ${v:-?}, expected >= 1"
			stat_is registers 0
			stat_is auth_blocked 1
			stop_proxy
		fi
	fi
	verdict
}

# ---- run ---------------------------------------------------------------------
all="relay-denied relay-trusted sipp-auth sipsak-auth svwar svwar-control svcrack svcrack-control baresip baresip-wrong"

run_case() {
	PROXY_PID="" KAM_PID=""
	case $1 in
	relay-denied) relay relay-denied no ;;
	relay-trusted) relay relay-trusted yes ;;
	sipp-auth) sipp_auth ;;
	sipsak-auth) sipsak_auth ;;
	svwar) svwar_case svwar yes ;;
	svwar-control) svwar_case svwar-control no ;;
	svcrack) svcrack_case svcrack 15 ;;
	svcrack-control) svcrack_case svcrack-control 2 ;;
	baresip) baresip_case baresip secret ;;
	baresip-wrong) baresip_case baresip-wrong wrong ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}

if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi

echo "$suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
