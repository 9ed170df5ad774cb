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
	long reinvite_after;  /* -1: re-INVITEs answered at once */
	unsigned long reject; /* 0: answer */
	bool no_answer;
	/* --register: keep our Contact registered there (§10.2), with credentials */
	const char *registrar, *aor, *user, *auth_user, *password;
	unsigned long expires;
	char password_buf[256], aor_buf[256];
};

struct uas {
	struct phone ph;
	struct uas_opts o;
	unsigned long seen, done_calls;
	unsigned long outcomes[SK_OUTCOME_FAILED + 1];
	bool done;
	struct uas_call *live;
	struct sk_reg *reg;
	int reg_status; /* of the last REGISTER; 0 none yet */
	bool reg_gone;  /* the removal was answered (or failed) */
};

static void on_registered(void *arg, struct sk_reg *r, int status)
{
	struct uas *u = arg;
	int before = u->reg_status;
	u->reg_status = status;
	if (u->reg_gone || status == 0)
		return;
	if (u->reg == NULL) { /* the removal's answer (unregister) */
		u->reg_gone = true;
		if (status >= 200 && status < 300)
			fprintf(stderr, "sipkit uas: unregistered %s\n", u->o.aor);
		else
			fprintf(stderr, "sipkit uas: unregistering %s failed: %d\n", u->o.aor,
			        status);
		return;
	}
	if (status >= 200 && status < 300) {
		if (before < 200 || before >= 300) /* the first time, and after a failure */
			fprintf(stderr, "sipkit uas: registered %s at %s for %u s\n", u->o.aor,
			        u->o.registrar, (unsigned)sk_reg_expires(r));
	} else if (status > 0) {
		fprintf(
		    stderr, "sipkit uas: registering %s at %s failed: %d %s%s (again in 30 s)\n",
		    u->o.aor, u->o.registrar, status, sk_status_phrase(status),
		    status == 401 || status == 407
		        ? (u->o.password ? ": credentials refused" : ": give --user and --password")
		        : "");
	} else {
		fprintf(stderr, "sipkit uas: registering %s at %s failed: %s (again in 30 s)\n",
		        u->o.aor, u->o.registrar, sk_strerror(status));
	}
}

/* After the calls: our binding removed (§10.2.2), waited for a few seconds at most,
 * also after Ctrl-C (the loop is run here, not by phone_run, which a signal stops). */
static void unregister(struct uas *u)
{
	struct sk_reg *r = u->reg;
	u->reg = NULL;
	if (!r || sk_reg_stop(r) < 0)
		return;
	uint64_t end = phone_now(&u->ph) + 4000;
	while (!u->reg_gone && phone_now(&u->ph) < end)
		sk_loop_run_once(u->ph.loop, 100);
	if (!u->reg_gone)
		fprintf(stderr, "sipkit uas: no answer to the removal of %s\n", u->o.aor);
}

/* One incoming call and its two timers. */
struct uas_call {
	struct uas_call *prev, *next;
	struct uas *u;
	struct sk_call *call;
	struct sk_timer ring, answer;
	struct sk_timer reanswer; /* a re-INVITE answered after --reinvite-answer-after */
	unsigned long n, reinvites, reinvites_cancelled;
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

static void reanswer_fired(void *arg)
{
	struct uas_call *uc = arg;
	/* -SK_ESTATE when a CANCEL ended it first (487 sent, §9.2): nothing more to send */
	sk_call_answer(uc->call, NULL);
}

/*
 * A re-INVITE (§14.2): answered 200 with our session at once, or after
 * --reinvite-answer-after ms, so that the caller (or SIPp) can CANCEL it
 * meanwhile: the CANCEL gets 200, the re-INVITE 487 and the dialog goes on
 * as it was (§9.2, §14.1).
 */
static void on_reinvite(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct uas *u = arg;
	struct uas_call *uc = sk_call_user(c);
	(void)invite;
	if (uc)
		uc->reinvites++;
	if (!uc || u->o.reinvite_after < 0) {
		sk_call_answer(c, NULL);
		return;
	}
	sk_timer_start(sk_stack_timers(u->ph.stack), &uc->reanswer, (uint64_t)u->o.reinvite_after);
}

static void on_cancelled(void *arg, struct sk_call *c, const struct sk_msg *cancel)
{
	struct uas *u = arg;
	struct uas_call *uc = sk_call_user(c);
	(void)cancel;
	if (!uc || sk_call_state(c) != SK_CALL_CONFIRMED)
		return; /* the initial INVITE: ended follows */
	sk_timer_stop(sk_stack_timers(u->ph.stack), &uc->reanswer);
	uc->reinvites_cancelled++;
	const char *reason = sk_call_reason(c);
	printf("call %lu (Call-ID %s): re-INVITE cancelled by the caller (487 sent, the dialog "
	       "goes on)%s%s\n",
	       uc->n, sk_call_id(c), *reason ? ", Reason: " : "", reason);
	fflush(stdout);
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
	sk_timer_init(&uc->reanswer, reanswer_fired, uc);
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
	sk_timer_stop(ts, &uc->reanswer);
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
	case SK_OUTCOME_FAILED:
		printf("failed: transport error (the caller unreachable or its connection lost)\n");
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

/* --register: a sip: URI with a numeric address; the AOR defaults to USER at its host. */
static int registrar_aor(struct uas *u)
{
	struct sk_uri uri;
	struct sk_target t;
	if (sk_uri_parse(&uri, sk_str_c(u->o.registrar), NULL) < 0 || uri.scheme != SK_URI_SIP ||
	    sk_target_from_uri(&t, sk_str_c(u->o.registrar), SK_PROTO_NONE) < 0) {
		fprintf(stderr,
		        "sipkit uas: --register takes a sip: URI with a numeric address, e.g. "
		        "sip:127.0.0.1:5060, not '%s'\n",
		        u->o.registrar);
		return EXIT_USAGE;
	}
	if (!u->o.aor) {
		snprintf(u->o.aor_buf, sizeof(u->o.aor_buf), "sip:%s@%.*s",
		         u->o.user ? u->o.user : "uas", (int)uri.host.len, uri.host.p);
		u->o.aor = u->o.aor_buf;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sipkit uas -l udp:HOST:PORT [-l tcp|tls:HOST:PORT ...] [--ring-after MS]\n"
	        "                  [--answer-after MS | --no-answer | --reject CODE] [--calls N]\n"
	        "                  [--duration S] [--reinvite-answer-after MS] [--t1 MS]\n"
	        "                  [--100rel off|supported|required] [--ladder] [--trace FILE]\n"
	        "                  [--register sip:REGISTRAR [--aor URI] [--expires S]]\n"
	        "                  [--user USER] [--auth-user NAME]\n"
	        "                  [--password PASSWORD | --password-file FILE]\n"
	        "                  [--dns udp:HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
	        "                  [--tls-ca FILE] [--tls-insecure] [--tls-verify-client]\n\n"
	        "An answering phone: each INVITE rings (180) after --ring-after ms (default 0),\n"
	        "then is answered with 200 (after --answer-after ms, default 2000), rejected\n"
	        "with CODE at that time, or left ringing (--no-answer) until the caller\n"
	        "cancels. A CANCEL gets 200 and the INVITE 487 (RFC 3261 §9.2); a BYE ends an\n"
	        "answered call. One line per call with its outcome. Serves until stopped\n"
	        "(Ctrl-C), until N calls are done, or for S seconds. A re-INVITE is answered\n"
	        "200 at once, or after --reinvite-answer-after MS so that the caller can\n"
	        "CANCEL it (200, then 487; the call goes on). --t1 sets T1 (default 500 ms).\n"
	        "Exit 0 when no call timed out or failed, 1 when one did (or --duration\n"
	        "ended before --calls N were done), 69 when it cannot listen, 64 on bad usage.\n"
	        "--100rel (RFC 3262): supported (default) sends provisionals reliably (RSeq,\n"
	        "retransmitted until their PRACK, 500 after 64*T1) when the INVITE has\n"
	        "Require: 100rel; required does so when it has Supported or Require: 100rel\n"
	        "and answers 421 to one that has neither; off answers Require: 100rel 420.\n"
	        "UPDATE (RFC 3311) is answered 200 with the session unchanged.\n"
	        "--ladder prints every message sent and received; --trace FILE writes them for\n"
	        "`sipkit check` (a pcap capture when FILE ends in .pcap, else a sipkit log).\n"
	        "--register keeps our Contact (user --user, default uas) registered for the\n"
	        "AOR (--aor, default sip:USER@REGISTRAR-HOST) at the registrar (RFC 3261\n"
	        "§10.2): refreshed before it expires (--expires, default 3600), removed on\n"
	        "exit; a 401/407 is answered with Digest credentials (RFC 7616) of\n"
	        "--auth-user (else --user) and --password or the first line of\n"
	        "--password-file. --dns names the DNS server that resolves host names\n"
	        "(RFC 3263; default those of /etc/resolv.conf).\n" PHONE_TLS_HELP);
}

int cmd_uas(int argc, char **argv)
{
	struct uas *u = calloc(1, sizeof(*u));
	const char *listen[MAX_LISTEN];
	int nlisten = 0, rc = 0, tls;
	unsigned long v;
	if (!u)
		return 1;
	u->o.answer_after = 2000;
	u->o.reinvite_after = -1;
	u->ph.rel100 = SK_100REL_SUPPORTED;
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
		} else if (!strcmp(a, "--reinvite-answer-after") && val &&
		           parse_uint(val, 3600000, &v) == 0) {
			u->o.reinvite_after = (long)v;
			i++;
		} else if (!strcmp(a, "--t1") && val && parse_uint(val, 60000, &v) == 0 && v) {
			u->ph.times.t1 = (uint32_t)v;
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
		} else if (!strcmp(a, "--register") && val) {
			u->o.registrar = val;
			i++;
		} else if (!strcmp(a, "--aor") && val) {
			u->o.aor = val;
			i++;
		} else if (!strcmp(a, "--expires") && val && parse_uint(val, 86400 * 7, &v) == 0 &&
		           v) {
			u->o.expires = v;
			i++;
		} else if (!strcmp(a, "--user") && val) {
			u->o.user = val;
			i++;
		} else if (!strcmp(a, "--auth-user") && val) {
			u->o.auth_user = val;
			i++;
		} else if (!strcmp(a, "--password") && val) {
			u->o.password = val;
			i++;
		} else if (!strcmp(a, "--password-file") && val) {
			if (cli_read_password(val, u->o.password_buf, sizeof(u->o.password_buf)) <
			    0) {
				fprintf(stderr, "sipkit uas: cannot read a password from '%s'\n",
				        val);
				free(u);
				return EXIT_USAGE;
			}
			u->o.password = u->o.password_buf;
			i++;
		} else if (!strcmp(a, "--100rel") && val) {
			if (parse_100rel("sipkit uas", val, &u->ph.rel100) < 0) {
				free(u);
				return EXIT_USAGE;
			}
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
		} else if (!strncmp(a, "--tls-", 6) &&
		           (tls = phone_tls_option(&u->ph.tls, a + 2, val)) >= 0) {
			i += tls;
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
	if ((u->o.aor || u->o.password) && !u->o.registrar) {
		fprintf(stderr, "sipkit uas: --aor and --password go with --register\n");
		free(u);
		return EXIT_USAGE;
	}
	if (u->o.registrar && (rc = registrar_aor(u)) != 0) {
		free(u);
		return rc;
	}
	struct sk_ua_events ev = {.incoming = on_incoming,
	                          .reinvite = on_reinvite,
	                          .cancelled = on_cancelled,
	                          .ended = on_ended,
	                          .arg = u};
	if (phone_init(&u->ph, "sipkit uas", &ev, u->o.user ? u->o.user : "uas") < 0) {
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
	if (rc == 0 && u->o.registrar) {
		struct sk_reg_params rp = {.registrar = u->o.registrar,
		                           .aor = u->o.aor,
		                           .expires = (uint32_t)u->o.expires,
		                           .auth_user = u->o.auth_user ? u->o.auth_user : u->o.user,
		                           .password = u->o.password,
		                           .done = on_registered,
		                           .arg = u};
		rc = sk_reg_start(u->ph.ua, &rp, &u->reg);
		if (rc < 0) {
			fprintf(stderr, "sipkit uas: cannot register at %s: %s\n", u->o.registrar,
			        sk_strerror(rc));
			rc = EXIT_UNAVAILABLE;
		}
	}
	if (rc == 0) {
		phone_run(&u->ph, &u->done, u->o.duration_ms);
		if (u->done)
			phone_drain(&u->ph, 2000);
		unregister(u);
		fprintf(
		    stderr,
		    "sipkit uas: %lu calls: %lu answered, %lu cancelled, %lu rejected, %lu timed "
		    "out, %lu failed\n",
		    u->seen, u->outcomes[SK_OUTCOME_ANSWERED], u->outcomes[SK_OUTCOME_CANCELLED],
		    u->outcomes[SK_OUTCOME_REJECTED], u->outcomes[SK_OUTCOME_TIMEOUT],
		    u->outcomes[SK_OUTCOME_FAILED]);
		/* README, exit status: a call that timed out or failed, or --calls N not done */
		if (u->outcomes[SK_OUTCOME_TIMEOUT] || u->outcomes[SK_OUTCOME_FAILED] ||
		    (u->o.calls && u->done_calls < u->o.calls && !phone_stopped()))
			rc = 1;
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
