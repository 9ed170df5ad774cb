/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit uas: an answering phone. Each call rings after --ring-after ms, then
 * is answered, rejected or left ringing; a CANCEL stops it (§9.2), a BYE ends
 * it. One log line per call with its outcome.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "phone.h"

#define MAX_LISTEN 8

struct uas_opts {
	unsigned long ring_after, answer_after, calls, duration_ms;
	unsigned long reject; /* 0: answer */
	bool no_answer;
};

struct uas {
	struct phone ph;
	struct uas_opts o;
	unsigned long seen, done_calls;
	unsigned long outcomes[SK_OUTCOME_FAILED + 1];
	bool done;
	struct uas_call *live;
};

/* One incoming call and its two timers. */
struct uas_call {
	struct uas_call *prev, *next;
	struct uas *u;
	struct sk_call *call;
	struct sk_timer ring, answer;
	unsigned long n;
	uint64_t start;
	char from[128];
};

static void ring_fired(void *arg)
{
	struct uas_call *uc = arg;
	sk_call_ring(uc->call, 180);
}

static void answer_fired(void *arg)
{
	struct uas_call *uc = arg;
	if (uc->u->o.reject)
		sk_call_reject(uc->call, (int)uc->u->o.reject, NULL);
	else
		sk_call_answer(uc->call, NULL);
}

static void on_incoming(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct uas *u = arg;
	struct sk_timers *ts = sk_stack_timers(u->ph.stack);
	struct uas_call *uc = calloc(1, sizeof(*uc));
	if (!uc) {
		sk_call_reject(c, 500, NULL);
		return;
	}
	uc->u = u;
	uc->call = c;
	uc->next = u->live;
	if (u->live)
		u->live->prev = uc;
	u->live = uc;
	uc->n = ++u->seen;
	uc->start = phone_now(&u->ph);
	const struct sk_addr *from = sk_msg_from(invite);
	sk_str_cpy(uc->from, sizeof(uc->from), from->uri.raw);
	sk_call_set_user(c, uc);
	sk_timer_init(&uc->ring, ring_fired, uc);
	sk_timer_init(&uc->answer, answer_fired, uc);
	if (u->o.ring_after)
		sk_timer_start(ts, &uc->ring, u->o.ring_after);
	else
		sk_call_ring(c, 180);
	if (!u->o.no_answer)
		sk_timer_start(ts, &uc->answer, u->o.answer_after);
}

static void on_ended(void *arg, struct sk_call *c)
{
	struct uas *u = arg;
	struct uas_call *uc = sk_call_user(c);
	if (!uc)
		return;
	struct sk_timers *ts = sk_stack_timers(u->ph.stack);
	sk_timer_stop(ts, &uc->ring);
	sk_timer_stop(ts, &uc->answer);
	enum sk_call_outcome o = sk_call_outcome(c);
	uint64_t ms = phone_now(&u->ph) - uc->start;
	const char *reason = sk_call_reason(c);
	printf("call %lu from %s (Call-ID %s): ", uc->n, uc->from, sk_call_id(c));
	switch (o) {
	case SK_OUTCOME_CANCELLED:
		printf("cancelled by the caller after %llu ms (487 sent)%s%s\n",
		       (unsigned long long)ms, *reason ? ", Reason: " : ", no Reason", reason);
		break;
	case SK_OUTCOME_ANSWERED:
		printf("answered (200), BYE after %llu ms%s%s\n", (unsigned long long)ms,
		       *reason ? ", Reason: " : "", reason);
		break;
	case SK_OUTCOME_REJECTED:
		printf("rejected (%d %s)\n", sk_call_status(c),
		       sk_status_phrase(sk_call_status(c)));
		break;
	case SK_OUTCOME_TIMEOUT:
		printf("timed out: no ACK for our 200 within 64*T1, BYE sent\n");
		break;
	default: printf("%s\n", sk_call_outcome_name(o)); break;
	}
	fflush(stdout);
	u->outcomes[o <= SK_OUTCOME_FAILED ? o : 0]++;
	if (uc->prev)
		uc->prev->next = uc->next;
	else
		u->live = uc->next;
	if (uc->next)
		uc->next->prev = uc->prev;
	free(uc);
	sk_call_set_user(c, NULL);
	if (u->o.calls && ++u->done_calls >= u->o.calls)
		u->done = true;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: sipkit uas -l udp:HOST:PORT [-l tcp:HOST:PORT ...] [--ring-after MS]\n"
	    "                  [--answer-after MS | --no-answer | --reject CODE] [--calls N]\n"
	    "                  [--duration S] [--ladder] [--trace FILE] [--dns udp:HOST:PORT]\n\n"
	    "An answering phone: each INVITE rings (180) after --ring-after ms (default 0),\n"
	    "then is answered with 200 (after --answer-after ms, default 2000), rejected\n"
	    "with CODE at that time, or left ringing (--no-answer) until the caller\n"
	    "cancels. A CANCEL gets 200 and the INVITE 487 (RFC 3261 §9.2); a BYE ends an\n"
	    "answered call. One line per call with its outcome. Serves until stopped\n"
	    "(Ctrl-C), until N calls are done, or for S seconds.\n"
	    "--ladder prints every message sent and received; --trace FILE writes them for\n"
	    "`sipkit check` (a pcap capture when FILE ends in .pcap, else a sipkit log).\n");
}

int cmd_uas(int argc, char **argv)
{
	struct uas *u = calloc(1, sizeof(*u));
	const char *listen[MAX_LISTEN];
	int nlisten = 0, rc = 0;
	unsigned long v;
	if (!u)
		return 1;
	u->o.answer_after = 2000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			free(u);
			return 0;
		} else if (!strcmp(a, "-l") && val) {
			if (nlisten == MAX_LISTEN) {
				fprintf(stderr, "sipkit uas: at most %d -l\n", MAX_LISTEN);
				free(u);
				return EXIT_USAGE;
			}
			listen[nlisten++] = val;
			i++;
		} else if (!strcmp(a, "--ring-after") && val && parse_uint(val, 3600000, &v) == 0) {
			u->o.ring_after = v;
			i++;
		} else if (!strcmp(a, "--answer-after") && val &&
		           parse_uint(val, 3600000, &v) == 0) {
			u->o.answer_after = v;
			i++;
		} else if (!strcmp(a, "--no-answer")) {
			u->o.no_answer = true;
		} else if (!strcmp(a, "--reject") && val && parse_uint(val, 699, &v) == 0 &&
		           v >= 300) {
			u->o.reject = v;
			i++;
		} else if (!strcmp(a, "--calls") && val && parse_uint(val, 100000000, &v) == 0 &&
		           v) {
			u->o.calls = v;
			i++;
		} else if (!strcmp(a, "--duration") && val && parse_uint(val, 86400, &v) == 0 &&
		           v) {
			u->o.duration_ms = v * 1000;
			i++;
		} else if (!strcmp(a, "--ladder")) {
			u->ph.ladder = true;
		} else if (!strcmp(a, "--trace") && val) {
			u->ph.trace_path = val;
			i++;
		} else if (!strcmp(a, "--dns") && val) {
			if (phone_dns_check("sipkit uas", val)) {
				free(u);
				return EXIT_USAGE;
			}
			u->ph.dns =
			    val; /* the stack resolver's server; the UAS itself answers to Vias */
			i++;
		} else {
			fprintf(stderr, "sipkit uas: bad or incomplete option '%s'\n\n", a);
			usage(stderr);
			free(u);
			return EXIT_USAGE;
		}
	}
	if (!nlisten) {
		fprintf(stderr, "sipkit uas: give at least one -l udp:HOST:PORT\n\n");
		usage(stderr);
		free(u);
		return EXIT_USAGE;
	}
	struct sk_ua_events ev = {.incoming = on_incoming, .ended = on_ended, .arg = u};
	if (phone_init(&u->ph, "sipkit uas", &ev, "uas") < 0) {
		phone_free(&u->ph);
		free(u);
		return 1;
	}
	for (int i = 0; i < nlisten && rc == 0; i++) {
		struct sk_sa bound;
		rc = phone_listen(&u->ph, listen[i], &bound);
		if (rc == 0) {
			char a[64];
			sk_sa_print(&bound, a, sizeof(a));
			fprintf(stderr, "sipkit uas: listening on %.3s:%s\n", listen[i], a);
		}
	}
	if (rc == 0) {
		phone_run(&u->ph, &u->done, u->o.duration_ms);
		if (u->done)
			phone_drain(&u->ph, 2000);
		fprintf(
		    stderr,
		    "sipkit uas: %lu calls: %lu answered, %lu cancelled, %lu rejected, %lu timed "
		    "out, %lu failed\n",
		    u->seen, u->outcomes[SK_OUTCOME_ANSWERED], u->outcomes[SK_OUTCOME_CANCELLED],
		    u->outcomes[SK_OUTCOME_REJECTED], u->outcomes[SK_OUTCOME_TIMEOUT],
		    u->outcomes[SK_OUTCOME_FAILED]);
	}
	/* calls still ringing when stopped are dropped with the stack */
	while (u->live) {
		struct uas_call *uc = u->live;
		u->live = uc->next;
		free(uc);
	}
	phone_free(&u->ph);
	free(u);
	return rc;
}
