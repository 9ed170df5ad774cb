/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit check --hep udp:HOST:PORT | --live IFACE [--filter BPF]: the checker
 * on live traffic. Messages are read as they come (src/trace/live.c) and
 * each call is judged and printed once it has ended or gone idle, as in a
 * file; a tick moves the checker's clock when nothing comes, so a call that
 * ended is reported without waiting for the next message. SIGINT or SIGTERM
 * ends the input: what is still held is judged, and cmd_check prints the
 * summary and exits as for a file.
 *
 * The checker's clock is the input's: the time of the latest message, moved
 * on by the real time elapsed since it arrived. A capture agent whose clock
 * is off by minutes then still has its calls judged idle by the time they
 * were quiet here, not by the difference of the two clocks.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "check_live.h"

#define WAIT_MS    200  /* poll timeout: the tick and the counter line's period */
#define BURST      4096 /* messages taken before the tick gets its turn */
#define COUNTER_MS 200  /* the counter line redrawn at most this often */

static volatile sig_atomic_t live_stop;

static void on_signal(int sig)
{
	live_stop = sig;
}

/* "1234 messages, 56 calls, 3 findings (2 errors)" on stderr, over itself. */
static void counter_line(const struct check_live *o, const struct sk_trace_checker *chk, bool last)
{
	const struct sk_trace_totals *t = sk_trace_checker_totals(chk);
	uint64_t findings = t->severity[SK_SEV_ERROR] + t->severity[SK_SEV_WARNING];
	fprintf(stderr, "\r%s: %llu messages, %llu calls, %llu findings (%llu errors) ", o->name,
	        (unsigned long long)*o->msgs, (unsigned long long)t->calls,
	        (unsigned long long)findings, (unsigned long long)t->severity[SK_SEV_ERROR]);
	if (last)
		fputc('\n', stderr);
}

int check_live_run(struct check_live *o, struct sk_trace_checker *chk)
{
	struct sk_trace_live_config lc = {
	    .hep = o->hep, .iface = o->iface, .filter = o->filter, .reader = *o->reader};
	struct sk_trace_live *l;
	char err[256];
	if (sk_trace_live_open(&l, &lc, o->clock, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipkit check: %s\n", err);
		return 2;
	}
	o->name = sk_trace_live_name(l);
	fprintf(stderr, "sipkit check: %s on %s (stop with Ctrl-C)\n",
	        o->hep ? "listening for HEP" : "capturing", o->name);

	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int ret = 0;
	int64_t input_us = 0;  /* the latest message's time */
	uint64_t input_at = 0; /* when it arrived, on the monotonic clock (ms) */
	uint64_t last_draw = 0;
	struct pollfd pfd = {.fd = sk_trace_live_fd(l), .events = POLLIN};
	struct sk_trace_pkt pkt;
	bool ending = false;
	for (;;) {
		if (live_stop && !ending) {
			sk_trace_live_end(l); /* the TCP streams' held bytes come out next */
			ending = true;
		}
		if (!ending && poll(&pfd, 1, WAIT_MS) < 0 && errno != EINTR) {
			fprintf(stderr, "sipkit check: %s: poll: %s\n", o->name, strerror(errno));
			ret = 2;
			break;
		}
		int rc = 0;
		for (int i = 0; i < BURST && (rc = sk_trace_live_next(l, &pkt)) == 1; i++) {
			(*o->msgs)++;
			if (pkt.ts_us > input_us) {
				input_us = pkt.ts_us;
				input_at = sk_clock_now(o->clock);
			}
			if (sk_trace_checker_add(chk, &pkt, 0) < 0) {
				rc = -SK_ENOMEM;
				break;
			}
		}
		if (rc < 0) {
			fprintf(stderr, "sipkit check: %s: %s\n", o->name,
			        rc == -SK_ENOMEM ? "out of memory" : "reading failed");
			ret = 2;
			break;
		}
		if (ending && rc == 0)
			break;
		uint64_t now = sk_clock_now(o->clock);
		if (input_at)
			sk_trace_checker_tick(chk, input_us + (int64_t)(now - input_at) * 1000);
		if (o->counter && now - last_draw >= COUNTER_MS) {
			last_draw = now;
			counter_line(o, chk, false);
		}
	}
	if (o->counter)
		counter_line(o, chk, true);
	*o->stats = sk_trace_live_stats(l);
	sk_trace_live_free(l);
	/* the handlers stay: a second Ctrl-C (or timeout(1)'s signal to its group) while the
	 * summary is written must not cut it short */
	return ret;
}
