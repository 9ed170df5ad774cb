/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What `sipkit uas` and `sipkit call` share (internal): a stack and a UA on
 * the real clock and OS sockets, listening, running until done or stopped,
 * the message ladder and option parsing helpers.
 */
#ifndef SK_CLI_PHONE_H
#define SK_CLI_PHONE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "sipkit/trace.h"
#include "sipkit/ua.h"

#define EXIT_UNAVAILABLE 69 /* sysexits(3): a port in use, an unreachable peer */

struct phone {
	const char *prog;
	struct sk_clock *clock;
	struct sk_loop *loop;
	struct sk_stack *stack;
	struct sk_net *net; /* the stack's sockets (owned by the stack once it is made) */
	struct sk_ua *ua;
	struct sk_log log;
	struct sk_log_limiter *log_limiter; /* per kind of line, on the loop's clock */
	uint32_t log_burst, log_rate;       /* its limits, set before phone_init; 0: defaults */
	bool ladder;                        /* print every message as a ladder line */
	bool quiet;                         /* no log lines below warnings */
	const char *trace_path;             /* --trace FILE, or NULL */
	const char *dns;                    /* --dns udp:HOST:PORT, NULL: /etc/resolv.conf */
	struct sk_tp_conn_limits conns;     /* TCP caps and timeouts (--tcp-*); zero: defaults */
	struct sk_ws_config ws;             /* WebSocket listeners (--ws-*); zero: defaults */
	struct sk_tls_config tls;           /* --tls-* (TLS listeners, sips: and transport=tls) */
	struct sk_txn_times times;          /* T1 ... (--t1); zero: RFC 3261 Table 4 */
	FILE *ladder_out;                   /* where ladder lines go; NULL: stdout */
	enum sk_100rel rel100;              /* --100rel (RFC 3262), set before phone_init */
	struct sk_trace_writer *trace;      /* open while the phone runs */
	pthread_mutex_t *trace_lock; /* set: trace is shared by the proxy's workers, not ours */
	uint64_t t0;                 /* ladder times are relative to it */
	int listening;               /* listeners opened */
};

/* Clock, loop, sockets, stack; the UA is created with ev. Prints its errors. */
int phone_init(struct phone *ph, const char *prog, const struct sk_ua_events *ev, const char *user);
void phone_free(struct phone *ph);
/* Listens on "udp:HOST:PORT"; bound may be NULL. Prints a clear error. */
int phone_listen(struct phone *ph, const char *spec, struct sk_sa *bound);
/* Runs the loop until *done, a signal (SIGINT, SIGTERM) or max_ms (0: none). */
void phone_run(struct phone *ph, const bool *done, uint64_t max_ms);
/* After the work is done: runs until no transaction waits for the peer, max_ms at most. */
void phone_drain(struct phone *ph, uint64_t max_ms);
uint64_t phone_now(const struct phone *ph);
/* True when a signal asked to stop. */
bool phone_stopped(void);

/*
 * A TLS option (key without its dashes: tls-cert FILE, tls-key FILE, tls-ca FILE,
 * tls-insecure, tls-verify-client, tls-handshake-ms MS, tls-max-handshakes N):
 * 1 when it took val, 0 when it took none (a flag), -1 when key is no TLS option or
 * val is bad (with a message on stderr).
 */
int phone_tls_option(struct sk_tls_config *t, const char *key, const char *val);
/* The usage lines of the TLS options, for each command's help. */
#define PHONE_TLS_HELP                                                                             \
	"TLS (RFC 3261 §26.2, RFC 5630): -l tls:HOST:PORT listens on TLS with --tls-cert\n"       \
	"FILE and --tls-key FILE (PEM); sips: URIs and ;transport=tls go over TLS, the\n"          \
	"server verified against --tls-ca FILE (else the system's CAs) and the URI's host\n"       \
	"(RFC 5922 §7.2); --tls-insecure verifies nothing (labs only, said on stderr);\n"         \
	"--tls-verify-client asks clients for a certificate from --tls-ca (mutual TLS);\n"         \
	"--tls-handshake-ms MS (10000) and --tls-max-handshakes N (256 in progress)\n"             \
	"bound what unfinished handshakes hold. TLS 1.2 and 1.3 only.\n"

/* Parses --100rel off|supported|required: 0 or -1 (with a message on stderr). */
int parse_100rel(const char *prog, const char *s, enum sk_100rel *out);
#define EXIT_NOHOST   68 /* sysexits(3): a host name that does not resolve (RFC 3263) */
#define EXIT_TEMPFAIL 75 /* sysexits(3): the DNS did not answer; try again later */

/*
 * Where a request to uri goes first (RFC 3263), resolved on the loop (names
 * through the stack's resolver): 0 with *dst, or the exit status after a
 * message: EXIT_USAGE (not a sip URI, a bad transport), EXIT_NOHOST (the
 * name does not resolve), EXIT_TEMPFAIL (the DNS did not answer), 1 (stopped).
 */
int phone_resolve(struct phone *ph, const char *uri, struct sk_target *dst);

/* Checks a --dns value (udp:HOST:PORT or tcp:..., numeric): 0, or EXIT_USAGE with a message. */
int phone_dns_check(const char *prog, const char *spec);

/* Parses a non-negative number of milliseconds (or any count): 0 or -1. */
int parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif
