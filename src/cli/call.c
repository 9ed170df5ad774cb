/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit call: places one call (printing its messages as a ladder and a
 * one-line result) or many (--calls N --rate R, with a summary). A call can
 * be cancelled after a delay with a Reason (§9.1, RFC 3326) or hung up.
 * --json prints each call's result as one JSON object per line (JSON Lines),
 * with --calls N a summary object last; the ladder then goes to stderr.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "phone.h"

struct call_opts {
	const char *uri, *route, *from, *listen, *reason;
	const char *user, *auth_user, *password; /* --user, --auth-user, --password(-file) */
	char password_buf[256];
	enum sk_proto proto;
	long cancel_after; /* -1: no cancel */
	unsigned long hangup_after, calls, rate;
	bool json;
};

struct caller {
	struct phone ph;
	struct call_opts o;
	struct sk_timer next_call;
	unsigned long placed, ended, as_asked, place_errors;
	unsigned long outcomes[SK_OUTCOME_FAILED + 1];
	unsigned long answered_before_cancel;
	uint64_t start;
	struct one_call *live;
	bool done;
	int last_status;
	char last_result[160];
	struct sk_target first_hop; /* where the INVITEs go (RFC 3263) */
};

struct one_call {
	struct one_call *prev, *next;
	struct caller *cr;
	struct sk_call *call;
	struct sk_timer cancel, hangup;
	bool answered_first; /* answered before --cancel-after came due */
	unsigned long n;     /* 1, 2 ... in the order placed */
	/* for --json: ms since the INVITE left (-1: never), the cancel, the final */
	uint64_t t0;
	int64_t t_prov, t_final, t_cancel, t_cancel_sent;
	int cancel_rc; /* sk_call_cancel's answer; 1 (none) before it is asked */
	char phrase[64], reason[256];
};

static void unlink_call(struct caller *cr, struct one_call *oc)
{
	if (oc->prev)
		oc->prev->next = oc->next;
	else
		cr->live = oc->next;
	if (oc->next)
		oc->next->prev = oc->prev;
}

static int64_t since(const struct one_call *oc)
{
	return (int64_t)(phone_now(&oc->cr->ph) - oc->t0);
}

static void cancel_fired(void *arg)
{
	struct one_call *oc = arg;
	int rc = sk_call_cancel(oc->call, oc->cr->o.reason);
	oc->cancel_rc = rc;
	oc->t_cancel = since(oc);
	if (rc == SK_CANCEL_SENT)
		oc->t_cancel_sent = oc->t_cancel;
	if (rc == -SK_ESTATE && sk_call_state(oc->call) == SK_CALL_CONFIRMED) {
		/* answered before the cancel was due: the caller still wants out */
		oc->answered_first = true;
		sk_call_hangup(oc->call);
	}
}

/* The times of the first provisional and of the final, its phrase and Reason (RFC 3326). */
static void on_response(void *arg, struct sk_call *c, const struct sk_msg *resp)
{
	struct one_call *oc = sk_call_user(c);
	int st = sk_msg_status(resp);
	(void)arg;
	if (!oc || oc->t_final >= 0)
		return;
	if (st < 200) {
		if (oc->t_prov < 0)
			oc->t_prov = since(oc);
		/* §9.1: a CANCEL held back for want of a provisional leaves with this one */
		if (oc->cancel_rc == SK_CANCEL_DEFERRED && oc->t_cancel_sent < 0)
			oc->t_cancel_sent = oc->t_prov;
		return;
	}
	oc->t_final = since(oc);
	sk_str_cpy(oc->phrase, sizeof(oc->phrase), sk_msg_reason_phrase(resp));
	sk_msg_hdr_join(resp, SK_HDR_REASON, oc->reason, sizeof(oc->reason));
}

static void hangup_fired(void *arg)
{
	struct one_call *oc = arg;
	sk_call_hangup(oc->call);
}

static void on_answered(void *arg, struct sk_call *c)
{
	struct caller *cr = arg;
	struct one_call *oc = sk_call_user(c);
	if (oc && cr->o.cancel_after < 0)
		sk_timer_start(sk_stack_timers(cr->ph.stack), &oc->hangup, cr->o.hangup_after);
}

static void describe(struct caller *cr, struct sk_call *c, const struct one_call *oc)
{
	int st = sk_call_status(c);
	char *r = cr->last_result;
	size_t n = sizeof(cr->last_result);
	switch (sk_call_outcome(c)) {
	case SK_OUTCOME_CANCELLED:
		if (st)
			snprintf(r, n, "cancelled (%d)", st);
		else
			snprintf(r, n, "cancelled (no final response within 64*T1 of the CANCEL)");
		break;
	case SK_OUTCOME_ANSWERED_LATE:
		snprintf(r, n, "answered before cancel took effect (ACK+BYE sent)");
		break;
	case SK_OUTCOME_ANSWERED:
		if (oc && oc->answered_first)
			snprintf(r, n, "answered (%d) before the cancel was due (BYE sent)", st);
		else
			snprintf(r, n, "answered (%d), hung up", st);
		break;
	case SK_OUTCOME_REJECTED:
		if ((st == 401 || st == 407) && sk_call_cancel_asked(c))
			/* the cancel came before the retry: no INVITE to cancel was sent */
			snprintf(r, n,
			         "rejected (%d %s; not sent again: cancel asked before the retry)",
			         st, sk_status_phrase(st));
		else if ((st == 401 || st == 407) && sk_call_auth_answers(c))
			snprintf(r, n, "rejected (%d %s: credentials refused after %u challenge%s)",
			         st, sk_status_phrase(st), sk_call_auth_answers(c),
			         sk_call_auth_answers(c) == 1 ? "" : "s");
		else
			snprintf(r, n, "rejected (%d %s)", st, sk_status_phrase(st));
		break;
	case SK_OUTCOME_TIMEOUT:
		snprintf(r, n, "timed out (no final response within 64*T1, Timer B)");
		break;
	case SK_OUTCOME_FAILED:
		snprintf(r, n, "failed (transport error: peer unreachable or connection lost)");
		break;
	default: snprintf(r, n, "%s", sk_call_outcome_name(sk_call_outcome(c))); break;
	}
}

static void json_ms(const char *name, int64_t ms, bool comma)
{
	if (ms < 0)
		printf("\"%s\":null%s", name, comma ? "," : "");
	else
		printf("\"%s\":%lld%s", name, (long long)ms, comma ? "," : "");
}

/*
 * One call as a JSON object on one line (README, "sipkit call --json"): its
 * number, Call-ID, outcome, the result line, whether it went as asked, the
 * final status with its phrase and Reason, the cancel asked and sent, and
 * the times in ms from the INVITE.
 */
static void print_json(struct caller *cr, struct sk_call *c, const struct one_call *oc,
                       bool as_asked)
{
	int st = sk_call_status(c);
	const char *reason = oc->reason[0] ? oc->reason : sk_call_reason(c);
	printf("{\"call\":%lu,\"call_id\":", oc->n);
	cli_json_str(stdout, sk_str_c(sk_call_id(c)));
	printf(",\"outcome\":");
	cli_json_str(stdout, sk_str_c(sk_call_outcome_name(sk_call_outcome(c))));
	printf(",\"result\":");
	cli_json_str(stdout, sk_str_c(cr->last_result));
	printf(",\"as_asked\":%s,\"status\":", as_asked ? "true" : "false");
	if (st) {
		printf("%d,\"reason_phrase\":", st);
		cli_json_str(stdout, sk_str_c(oc->phrase));
	} else {
		printf("null,\"reason_phrase\":null");
	}
	printf(",\"reason\":");
	if (reason && *reason)
		cli_json_str(stdout, sk_str_c(reason));
	else
		printf("null");
	printf(",\"cancel\":{\"asked\":%s,\"sent\":%s},\"timing_ms\":{",
	       oc->t_cancel >= 0 ? "true" : "false", oc->t_cancel_sent >= 0 ? "true" : "false");
	json_ms("first_provisional", oc->t_prov, true);
	json_ms("final", oc->t_final, true);
	json_ms("answer",
	        sk_call_outcome(c) == SK_OUTCOME_ANSWERED || st / 100 == 2 ? oc->t_final : -1,
	        true);
	json_ms("cancel", oc->t_cancel, true);
	json_ms("cancel_sent", oc->t_cancel_sent, true);
	json_ms("ended", since(oc), false);
	printf("}}\n");
	fflush(stdout);
}

static void on_ended(void *arg, struct sk_call *c)
{
	struct caller *cr = arg;
	struct one_call *oc = sk_call_user(c);
	enum sk_call_outcome o = sk_call_outcome(c);
	describe(cr, c, oc);
	cr->last_status = sk_call_status(c);
	cr->outcomes[o]++;
	bool want_cancel = cr->o.cancel_after >= 0;
	bool as_asked = (want_cancel && o == SK_OUTCOME_CANCELLED) ||
	                (!want_cancel && o == SK_OUTCOME_ANSWERED);
	if (as_asked)
		cr->as_asked++;
	if (oc && cr->o.json)
		print_json(cr, c, oc, as_asked);
	if (oc) {
		if (oc->answered_first)
			cr->answered_before_cancel++;
		struct sk_timers *ts = sk_stack_timers(cr->ph.stack);
		sk_timer_stop(ts, &oc->cancel);
		sk_timer_stop(ts, &oc->hangup);
		unlink_call(cr, oc);
		free(oc);
		sk_call_set_user(c, NULL);
	}
	if (++cr->ended + cr->place_errors >= cr->o.calls)
		cr->done = true;
}

static void place_one(struct caller *cr)
{
	struct one_call *oc = calloc(1, sizeof(*oc));
	struct sk_call_params p = {.to = cr->o.uri,
	                           .from = cr->o.from,
	                           .route = cr->o.route,
	                           .proto = cr->o.proto,
	                           .first_hop = &cr->first_hop,
	                           .user = oc,
	                           .auth_user = cr->o.auth_user ? cr->o.auth_user : cr->o.user,
	                           .password = cr->o.password};
	if (oc) {
		oc->cr = cr;
		oc->n = cr->placed + 1;
		oc->t0 = phone_now(&cr->ph);
		oc->t_prov = oc->t_final = oc->t_cancel = oc->t_cancel_sent = -1;
		oc->cancel_rc = 1;
	}
	int rc = oc ? sk_call_invite(cr->ph.ua, &p, &oc->call) : -SK_ENOMEM;
	cr->placed++;
	if (rc < 0) {
		fprintf(stderr, "sipkit call: INVITE not sent: %s\n", sk_strerror(rc));
		free(oc);
		cr->place_errors++;
		snprintf(cr->last_result, sizeof(cr->last_result), "failed (INVITE not sent: %s)",
		         sk_strerror(rc));
		if (cr->o.json) {
			printf(
			    "{\"call\":%lu,\"call_id\":null,\"outcome\":\"not-sent\",\"result\":",
			    cr->placed);
			cli_json_str(stdout, sk_str_c(cr->last_result));
			printf(",\"as_asked\":false,\"status\":null,\"error\":");
			cli_json_str(stdout, sk_str_c(sk_strerror(rc)));
			printf("}\n");
			fflush(stdout);
		}
		if (cr->ended + cr->place_errors >= cr->o.calls)
			cr->done = true;
		return;
	}
	oc->next = cr->live;
	if (cr->live)
		cr->live->prev = oc;
	cr->live = oc;
	sk_timer_init(&oc->cancel, cancel_fired, oc);
	sk_timer_init(&oc->hangup, hangup_fired, oc);
	if (cr->o.cancel_after >= 0)
		sk_timer_start(sk_stack_timers(cr->ph.stack), &oc->cancel,
		               (uint64_t)cr->o.cancel_after);
}

/* --calls N --rate R: call i leaves at start + i/R seconds */
static void next_call_fired(void *arg)
{
	struct caller *cr = arg;
	place_one(cr);
	if (cr->placed < cr->o.calls) {
		uint64_t due = cr->start + cr->placed * 1000 / cr->o.rate;
		uint64_t now = phone_now(&cr->ph);
		sk_timer_start(sk_stack_timers(cr->ph.stack), &cr->next_call,
		               due > now ? due - now : 0);
	}
}

/* --json --calls N: the summary line's numbers, as one object after the calls'. */
static void print_summary_json(const struct caller *cr)
{
	uint64_t ms = phone_now(&cr->ph) - cr->start;
	printf("{\"summary\":{\"placed\":%lu,\"elapsed_ms\":%llu,\"cancelled\":%lu,"
	       "\"answered\":%lu,\"answered_late\":%lu,\"rejected\":%lu,\"timeout\":%lu,"
	       "\"failed\":%lu,\"not_sent\":%lu,\"as_asked\":%lu}}\n",
	       cr->placed, (unsigned long long)ms, cr->outcomes[SK_OUTCOME_CANCELLED],
	       cr->outcomes[SK_OUTCOME_ANSWERED], cr->outcomes[SK_OUTCOME_ANSWERED_LATE],
	       cr->outcomes[SK_OUTCOME_REJECTED], cr->outcomes[SK_OUTCOME_TIMEOUT],
	       cr->outcomes[SK_OUTCOME_FAILED], cr->place_errors, cr->as_asked);
	fflush(stdout);
}

/* The local address the kernel would use towards the target (no packet is sent). */
static int default_listen(const struct sk_target *dst, char *buf, size_t size)
{
	struct sk_sa local = dst->addr;
	socklen_t len = sk_sa_len(&local);
	int fd = socket(dst->addr.u.sa.sa_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	int ok = connect(fd, &dst->addr.u.sa, sk_sa_len(&dst->addr)) == 0 &&
	         getsockname(fd, &local.u.sa, &len) == 0;
	close(fd);
	if (!ok)
		return -1;
	char host[64];
	sk_sa_host(&local, host, sizeof(host));
	bool v6 = local.u.sa.sa_family == AF_INET6;
	snprintf(buf, size, "%s:%s%s%s:0", dst->proto ? sk_proto_lower(dst->proto) : "udp",
	         v6 ? "[" : "", host, v6 ? "]" : "");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sipkit call URI [--route URI] [--from URI] [-l udp:HOST:PORT]\n"
	        "                  [--transport udp|tcp] [--cancel-after MS]\n"
	        "                  [--reason 'SIP;cause=...;text=\"...\"'] [--hangup-after MS]\n"
	        "                  [--calls N --rate R] [--100rel off|supported|required]\n"
	        "                  [--quiet] [--json] [--t1 MS] [--trace FILE]\n"
	        "                  [--user USER] [--auth-user NAME]\n"
	        "                  [--password PASSWORD | --password-file FILE]\n"
	        "                  [--dns udp:HOST:PORT] [--tls-ca FILE] [--tls-insecure]\n"
	        "                  [--tls-cert FILE --tls-key FILE]\n\n"
	        "Places a call to URI (sip:user@HOST:PORT) and prints every message as a\n"
	        "ladder line and a one-line result. --cancel-after cancels the INVITE (RFC 3261\n"
	        "§9.1) after MS ms, with the Reason (RFC 3326) given; otherwise an answered\n"
	        "call is hung up (BYE) after --hangup-after MS (default 0). --route sends via\n"
	        "a loose-routing proxy. --calls N --rate R places N calls at R per second\n"
	        "and prints a summary. Exit 0 when every call went as asked (cancelled when\n"
	        "--cancel-after is given, else answered), 1 when not, 69 when the peer was\n"
	        "unreachable (a closed UDP port, told by ICMP, or a refused TCP connection),\n"
	        "64 on bad usage. --json prints each call's result as one JSON object per\n"
	        "line (with --calls N, a summary object last) and the ladder on stderr.\n"
	        "--t1 sets T1 (default 500 ms; Timer B is 64*T1). --trace FILE writes every\n"
	        "message for `sipkit check` (a pcap capture when FILE ends in .pcap, else a\n"
	        "sipkit log).\n"
	        "--100rel (RFC 3262): supported (default) sends Supported: 100rel and PRACKs\n"
	        "every reliable provisional of every early dialog; required sends Require:\n"
	        "100rel; off sends neither and PRACKs nothing.\n"
	        "--user sets the user of From and Contact (default: caller); with --password\n"
	        "(or the first line of --password-file) a 401/407 is answered with Digest\n"
	        "credentials (RFC 3261 §22, RFC 7616: MD5 or SHA-256, qop=auth) for the user\n"
	        "--auth-user, else --user, else From's: the INVITE goes again once per\n"
	        "challenge, and --cancel-after cancels that INVITE. The password never goes\n"
	        "on the wire, only its digest.\n"
	        "A host name in the next hop (--route, else URI) is resolved first by RFC 3263\n"
	        "(NAPTR, SRV, AAAA/A) through /etc/resolv.conf or --dns udp:HOST:PORT; exit 68\n"
	        "when it does not resolve, 75 when the DNS does not answer.\n" PHONE_TLS_HELP);
}

static int parse_args(struct caller *cr, int argc, char **argv)
{
	struct call_opts *o = &cr->o;
	unsigned long v;
	int tls;
	o->cancel_after = -1;
	o->calls = 1;
	o->rate = 10;
	cr->ph.rel100 = SK_100REL_SUPPORTED;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = val != NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--route") && takes) {
			o->route = argv[++i];
		} else if (!strcmp(a, "--from") && takes) {
			o->from = argv[++i];
		} else if (!strcmp(a, "--user") && takes) {
			o->user = argv[++i];
		} else if (!strcmp(a, "--auth-user") && takes) {
			o->auth_user = argv[++i];
		} else if (!strcmp(a, "--password") && takes) {
			o->password = argv[++i];
		} else if (!strcmp(a, "--password-file") && takes) {
			if (cli_read_password(val, o->password_buf, sizeof(o->password_buf)) < 0) {
				fprintf(stderr, "sipkit call: cannot read a password from '%s'\n",
				        val);
				return EXIT_USAGE;
			}
			o->password = o->password_buf;
			i++;
		} else if (!strcmp(a, "-l") && takes) {
			o->listen = argv[++i];
		} else if (!strcmp(a, "--transport") && takes) {
			i++;
			if (!strcasecmp(val, "udp"))
				o->proto = SK_PROTO_UDP;
			else if (!strcasecmp(val, "tcp"))
				o->proto = SK_PROTO_TCP;
			else if (!strcasecmp(val, "tls"))
				o->proto = SK_PROTO_TLS;
			else {
				fprintf(stderr,
				        "sipkit call: --transport is udp, tcp or tls, not '%s'\n",
				        val);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--cancel-after") && takes &&
		           parse_uint(val, 3600000, &v) == 0) {
			o->cancel_after = (long)v;
			i++;
		} else if (!strcmp(a, "--hangup-after") && takes &&
		           parse_uint(val, 86400000, &v) == 0) {
			o->hangup_after = v;
			i++;
		} else if (!strcmp(a, "--reason") && takes) {
			struct sk_reason r[4];
			size_t n = 0;
			const char *why = NULL;
			if (sk_reason_parse(sk_str_c(val), r, 4, &n, &why) < 0 || !n) {
				fprintf(
				    stderr,
				    "sipkit call: malformed --reason '%s': %s (RFC 3326: protocol "
				    ";cause=N ;text=\"...\", e.g. 'SIP;cause=200;text=\"Call "
				    "completed "
				    "elsewhere\"')\n",
				    val, why ? why : "no value");
				return EXIT_USAGE;
			}
			o->reason = argv[++i];
		} else if (!strcmp(a, "--calls") && takes && parse_uint(val, 10000000, &v) == 0 &&
		           v) {
			o->calls = v;
			i++;
		} else if (!strcmp(a, "--rate") && takes && parse_uint(val, 100000, &v) == 0 && v) {
			o->rate = v;
			i++;
		} else if (!strcmp(a, "--100rel") && takes) {
			if (parse_100rel("sipkit call", argv[++i], &cr->ph.rel100) < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--quiet")) {
			cr->ph.quiet = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--t1") && takes && parse_uint(val, 60000, &v) == 0 && v) {
			cr->ph.times.t1 = (uint32_t)v;
			i++;
		} else if (!strcmp(a, "--trace") && takes) {
			cr->ph.trace_path = argv[++i];
		} else if (!strcmp(a, "--dns") && takes) {
			if (phone_dns_check("sipkit call", val))
				return EXIT_USAGE;
			cr->ph.dns = argv[++i];
		} else if (!strncmp(a, "--tls-", 6) &&
		           (tls = phone_tls_option(&cr->ph.tls, a + 2, val)) >= 0) {
			i += tls;
		} else if (a[0] != '-' && !o->uri) {
			o->uri = a;
		} else {
			fprintf(stderr, "sipkit call: bad or incomplete option '%s'\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!o->uri) {
		fprintf(stderr, "sipkit call: no URI to call\n\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_call(int argc, char **argv)
{
	struct caller *cr = calloc(1, sizeof(*cr));
	if (!cr)
		return 1;
	int rc = parse_args(cr, argc, argv);
	if (rc >= 0) {
		free(cr);
		return rc;
	}
	struct call_opts *o = &cr->o;
	struct sk_target dst;
	struct sk_uri uri;
	const char *next_hop = o->route ? o->route : o->uri;
	if (sk_uri_parse(&uri, sk_str_c(next_hop), NULL) < 0 ||
	    (uri.scheme != SK_URI_SIP && uri.scheme != SK_URI_SIPS)) {
		fprintf(stderr, "sipkit call: '%s' is not a sip: or sips: URI\n", next_hop);
		free(cr);
		return EXIT_USAGE;
	}
	if (sk_resolve_check(sk_str_c(next_hop)) < 0) {
		fprintf(stderr,
		        "sipkit call: bad address '%.*s' in %s (a numeric IPv4 or [IPv6] address "
		        "or a host name; transport udp, tcp or tls; sips over tls only)\n",
		        (int)uri.host.len, uri.host.p, next_hop);
		free(cr);
		return EXIT_USAGE;
	}
	cr->ph.ladder = o->calls == 1 && !cr->ph.quiet;
	if (o->json)
		cr->ph.ladder_out = stderr; /* stdout is the JSON's alone */
	struct sk_ua_events ev = {
	    .response = on_response, .answered = on_answered, .ended = on_ended, .arg = cr};
	if (phone_init(&cr->ph, "sipkit call", &ev, o->user ? o->user : "caller") < 0) {
		phone_free(&cr->ph);
		free(cr);
		return 1;
	}
	/* RFC 3263: a name resolved on the loop before the INVITE goes (phone.c) */
	if ((rc = phone_resolve(&cr->ph, next_hop, &dst)) != 0) {
		phone_free(&cr->ph);
		free(cr);
		return rc;
	}
	cr->first_hop = dst; /* the INVITE goes there, its Request-URI and Route as given */
	if (o->proto)        /* --transport overrides the URI's transport parameter */
		dst.proto = o->proto;
	char spec[96];
	if (o->listen) {
		rc = phone_listen(&cr->ph, o->listen, NULL);
		struct sk_target lt;
		/* a TCP (TLS) call needs a TCP (TLS) listener for its Via sent-by: same host,
		 * any port */
		if (rc == 0 && sk_proto_is_stream(dst.proto) &&
		    sk_target_parse(&lt, o->listen) == 0 && lt.proto != dst.proto) {
			char h[64];
			sk_sa_host(&lt.addr, h, sizeof(h));
			bool v6 = lt.addr.u.sa.sa_family == AF_INET6;
			snprintf(spec, sizeof(spec), "%s:%s%s%s:0", sk_proto_lower(dst.proto),
			         v6 ? "[" : "", h, v6 ? "]" : "");
			rc = phone_listen(&cr->ph, spec, NULL);
		}
	} else if (default_listen(&dst, spec, sizeof(spec)) < 0) {
		fprintf(stderr, "sipkit call: no route to %s\n", next_hop);
		rc = EXIT_UNAVAILABLE;
	} else {
		rc = phone_listen(&cr->ph, spec, NULL);
	}
	if (rc == 0) {
		/* timers count from the time the loop last read; setting up took some, and
		 * --cancel-after counts from the INVITE */
		sk_timers_update_time(sk_stack_timers(cr->ph.stack));
		cr->start = phone_now(&cr->ph);
		sk_timer_init(&cr->next_call, next_call_fired, cr);
		next_call_fired(cr);
		phone_run(&cr->ph, &cr->done, 0);
		if (o->json) {
			if (o->calls > 1)
				print_summary_json(cr);
		} else if (o->calls == 1) {
			printf("result: %s\n", cr->last_result[0]
			                           ? cr->last_result
			                           : "interrupted while the call was pending");
		} else {
			uint64_t ms = phone_now(&cr->ph) - cr->start;
			printf(
			    "calls: %lu placed in %llu.%03llu s: %lu cancelled, %lu answered, %lu "
			    "answered before cancel took effect (ACK+BYE sent), %lu rejected, %lu "
			    "timed "
			    "out, %lu failed, %lu not sent; %lu went as asked\n",
			    cr->placed, (unsigned long long)(ms / 1000),
			    (unsigned long long)(ms % 1000), cr->outcomes[SK_OUTCOME_CANCELLED],
			    cr->outcomes[SK_OUTCOME_ANSWERED],
			    cr->outcomes[SK_OUTCOME_ANSWERED_LATE],
			    cr->outcomes[SK_OUTCOME_REJECTED], cr->outcomes[SK_OUTCOME_TIMEOUT],
			    cr->outcomes[SK_OUTCOME_FAILED], cr->place_errors, cr->as_asked);
		}
		if (phone_stopped())
			rc = 1;
		else if (cr->outcomes[SK_OUTCOME_FAILED] + cr->place_errors == o->calls)
			rc = EXIT_UNAVAILABLE;
		else
			rc = cr->as_asked == o->calls ? 0 : 1;
	}
	while (cr->live) {
		struct one_call *oc = cr->live;
		cr->live = oc->next;
		free(oc);
	}
	phone_free(&cr->ph);
	free(cr);
	return rc;
}
