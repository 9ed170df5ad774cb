/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit call: places one call (printing its messages as a ladder and a
 * one-line result) or many (--calls N --rate R, with a summary). A call can
 * be cancelled after a delay with a Reason (§9.1, RFC 3326) or hung up.
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
	enum sk_proto proto;
	long cancel_after; /* -1: no cancel */
	unsigned long hangup_after, calls, rate;
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

static void cancel_fired(void *arg)
{
	struct one_call *oc = arg;
	int rc = sk_call_cancel(oc->call, oc->cr->o.reason);
	if (rc == -SK_ESTATE && sk_call_state(oc->call) == SK_CALL_CONFIRMED) {
		/* answered before the cancel was due: the caller still wants out */
		oc->answered_first = true;
		sk_call_hangup(oc->call);
	}
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

static void on_ended(void *arg, struct sk_call *c)
{
	struct caller *cr = arg;
	struct one_call *oc = sk_call_user(c);
	enum sk_call_outcome o = sk_call_outcome(c);
	describe(cr, c, oc);
	cr->last_status = sk_call_status(c);
	cr->outcomes[o]++;
	bool want_cancel = cr->o.cancel_after >= 0;
	if ((want_cancel && o == SK_OUTCOME_CANCELLED) ||
	    (!want_cancel && o == SK_OUTCOME_ANSWERED))
		cr->as_asked++;
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
	                           .user = oc};
	int rc = oc ? sk_call_invite(cr->ph.ua, &p, &oc->call) : -SK_ENOMEM;
	cr->placed++;
	if (rc < 0) {
		fprintf(stderr, "sipkit call: INVITE not sent: %s\n", sk_strerror(rc));
		free(oc);
		cr->place_errors++;
		snprintf(cr->last_result, sizeof(cr->last_result), "failed (INVITE not sent: %s)",
		         sk_strerror(rc));
		if (cr->ended + cr->place_errors >= cr->o.calls)
			cr->done = true;
		return;
	}
	oc->cr = cr;
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
	snprintf(buf, size, "%s:%s%s%s:0", dst->proto == SK_PROTO_TCP ? "tcp" : "udp",
	         v6 ? "[" : "", host, v6 ? "]" : "");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sipkit call URI [--route URI] [--from URI] [-l udp:HOST:PORT]\n"
	        "                  [--transport udp|tcp] [--cancel-after MS]\n"
	        "                  [--reason 'SIP;cause=...;text=\"...\"'] [--hangup-after MS]\n"
	        "                  [--calls N --rate R] [--quiet] [--trace FILE]\n"
	        "                  [--dns udp:HOST:PORT]\n\n"
	        "Places a call to URI (sip:user@HOST:PORT) and prints every message as a\n"
	        "ladder line and a one-line result. --cancel-after cancels the INVITE (RFC 3261\n"
	        "§9.1) after MS ms, with the Reason (RFC 3326) given; otherwise an answered\n"
	        "call is hung up (BYE) after --hangup-after MS (default 0). --route sends via\n"
	        "a loose-routing proxy. --calls N --rate R places N calls at R per second\n"
	        "and prints a summary. Exit 0 when every call went as asked (cancelled when\n"
	        "--cancel-after is given, else answered), 1 when not, 69 when the peer was\n"
	        "unreachable, 64 on bad usage. --trace FILE writes every message for `sipkit\n"
	        "check` (a pcap capture when FILE ends in .pcap, else a sipkit log).\n"
	        "A host name in the next hop (--route, else URI) is resolved first by RFC 3263\n"
	        "(NAPTR, SRV, AAAA/A) through /etc/resolv.conf or --dns udp:HOST:PORT; exit 68\n"
	        "when it does not resolve, 75 when the DNS does not answer.\n");
}

static int parse_args(struct caller *cr, int argc, char **argv)
{
	struct call_opts *o = &cr->o;
	unsigned long v;
	o->cancel_after = -1;
	o->calls = 1;
	o->rate = 10;
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
		} else if (!strcmp(a, "-l") && takes) {
			o->listen = argv[++i];
		} else if (!strcmp(a, "--transport") && takes) {
			i++;
			if (!strcasecmp(val, "udp"))
				o->proto = SK_PROTO_UDP;
			else if (!strcasecmp(val, "tcp"))
				o->proto = SK_PROTO_TCP;
			else {
				fprintf(stderr,
				        "sipkit call: --transport is udp or tcp, not '%s'\n", val);
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
		} else if (!strcmp(a, "--quiet")) {
			cr->ph.quiet = true;
		} else if (!strcmp(a, "--trace") && takes) {
			cr->ph.trace_path = argv[++i];
		} else if (!strcmp(a, "--dns") && takes) {
			if (phone_dns_check("sipkit call", val))
				return EXIT_USAGE;
			cr->ph.dns = argv[++i];
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
	if (sk_uri_parse(&uri, sk_str_c(next_hop), NULL) < 0 || uri.scheme != SK_URI_SIP) {
		fprintf(stderr, "sipkit call: '%s' is not a sip: URI\n", next_hop);
		free(cr);
		return EXIT_USAGE;
	}
	if (sk_resolve_check(sk_str_c(next_hop)) < 0) {
		fprintf(stderr,
		        "sipkit call: bad address '%.*s' in %s (a numeric IPv4 or [IPv6] address "
		        "or a host name; transport udp or tcp)\n",
		        (int)uri.host.len, uri.host.p, next_hop);
		free(cr);
		return EXIT_USAGE;
	}
	cr->ph.ladder = o->calls == 1 && !cr->ph.quiet;
	struct sk_ua_events ev = {.answered = on_answered, .ended = on_ended, .arg = cr};
	if (phone_init(&cr->ph, "sipkit call", &ev, "caller") < 0) {
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
		/* a TCP call needs a TCP listener for its Via sent-by: same host, any port */
		if (rc == 0 && dst.proto == SK_PROTO_TCP && sk_target_parse(&lt, o->listen) == 0 &&
		    lt.proto != SK_PROTO_TCP) {
			char h[64];
			sk_sa_host(&lt.addr, h, sizeof(h));
			bool v6 = lt.addr.u.sa.sa_family == AF_INET6;
			snprintf(spec, sizeof(spec), "tcp:%s%s%s:0", v6 ? "[" : "", h,
			         v6 ? "]" : "");
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
		if (o->calls == 1) {
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
