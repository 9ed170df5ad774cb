/* SPDX-License-Identifier: BSD-3-Clause */
/* The runtime of the command-line phones: real clock, epoll loop, OS sockets. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "phone.h"
#include "tracefile.h"

/* Set by the handler, read by every worker's loop: an atomic (lock-free, so
 * async-signal-safe) rather than a volatile sig_atomic_t, which is defined for
 * the thread the signal interrupts only (ThreadSanitizer reports it). */
static atomic_int stop_signal;

static void on_signal(int sig)
{
	atomic_store_explicit(&stop_signal, sig, memory_order_relaxed);
}

bool phone_stopped(void)
{
	return atomic_load_explicit(&stop_signal, memory_order_relaxed) != 0;
}

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	struct phone *ph = arg;
	static const char *const names[] = {"error", "warning", "info", "debug"};
	fprintf(stderr, "%s: %s: %s\n", ph->prog, names[level], line);
}

/* One line per message: time, direction, addresses, first line, CSeq; and --trace. */
static void ladder_line(void *arg, bool out, const struct sk_flow *flow, const char *buf,
                        size_t len)
{
	struct phone *ph = arg;
	if (ph->trace_lock) /* one capture for every worker of the proxy */
		pthread_mutex_lock(ph->trace_lock);
	cli_trace_write(ph->trace, ph->clock, out, flow, buf, len);
	if (ph->trace_lock)
		pthread_mutex_unlock(ph->trace_lock);
	char local[64], remote[64], cseq[48] = "";
	size_t l1 = 0;
	while (l1 < len && buf[l1] != '\r' && buf[l1] != '\n')
		l1++;
	if (l1 > 100)
		l1 = 100;
	for (size_t i = 0; i + 6 < len; i++) {
		if ((i == 0 || buf[i - 1] == '\n') && !strncasecmp(buf + i, "CSeq:", 5)) {
			size_t j = i + 5, k;
			while (j < len && buf[j] == ' ')
				j++;
			for (k = j; k < len && buf[k] != '\r' && buf[k] != '\n' && k - j < 40; k++)
				;
			snprintf(cseq, sizeof(cseq), "  (CSeq %.*s)", (int)(k - j), buf + j);
			break;
		}
	}
	if (l1 == 0 || !ph->ladder) /* a keep-alive */
		return;
	sk_sa_print(&flow->local, local, sizeof(local));
	sk_sa_print(&flow->remote, remote, sizeof(remote));
	uint64_t t = phone_now(ph) - ph->t0;
	FILE *f = ph->ladder_out ? ph->ladder_out : stdout;
	fprintf(f, "%4llu.%03llu  %s %s %s %s  %.*s%s\n", (unsigned long long)(t / 1000),
	        (unsigned long long)(t % 1000), local, out ? "-->" : "<--", remote,
	        sk_proto_name(flow->proto), (int)l1, buf, cseq);
	fflush(f);
}

int phone_init(struct phone *ph, const char *prog, const struct sk_ua_events *ev, const char *user)
{
	struct sk_net *net = NULL;
	/* a stranger's garbage writes a few lines a second, not one per datagram */
	struct sk_log_limits lim = {.burst = ph->log_burst, .rate = ph->log_rate};
	/* TLS always: a client context costs little, and sips: works without an option */
	struct sk_stack_config sc = {
	    .log = &ph->log, .conns = ph->conns, .ws = ph->ws, .tls = &ph->tls};
	int rc;
	if (ph->times.t1) { /* --t1: the other values as RFC 3261 Table 4 has them */
		sc.times = sk_txn_times_default();
		sc.times.t1 = ph->times.t1;
		if (ph->times.t2) /* and those the caller scaled with it (sipkit proxy --t1) */
			sc.times.t2 = ph->times.t2;
		if (ph->times.t4)
			sc.times.t4 = ph->times.t4;
		if (ph->times.timer_d)
			sc.times.timer_d = ph->times.timer_d;
	}
	ph->prog = prog;
	ph->log = (struct sk_log){.fn = log_line, .arg = ph, .max = SK_LOG_WARN};
	if ((rc = sk_clock_new_real(&ph->clock)) < 0 ||
	    (rc = sk_loop_new(&ph->loop, ph->clock)) < 0)
		goto fail;
	lim.timers = sk_loop_timers(ph->loop);
	if ((rc = sk_log_limiter_new(&ph->log_limiter, &lim)) < 0)
		goto fail;
	ph->log.limiter = ph->log_limiter;
	if ((rc = sk_net_os_new(&net, ph->loop, &ph->log)) < 0)
		goto fail;
	sc.timers = sk_loop_timers(ph->loop);
	sc.net = net;
	ph->net = net;
	if (ph->tls.insecure) /* said loudly: nobody is verified */
		fprintf(stderr,
		        "%s: WARNING: --tls-insecure: TLS servers are NOT verified; anyone "
		        "on the path can pose as them. For labs only.\n",
		        prog);
	if ((rc = sk_stack_new(&ph->stack, &sc)) < 0) /* a TLS file refused: logged */
		goto fail;
	/* RFC 3263: names resolved through c-ares on the loop, --dns or resolv.conf */
	struct sk_dns_backend dns;
	if ((rc = sk_dns_ares_new(&dns, ph->loop, ph->dns, 0, 0)) < 0 ||
	    (rc = sk_stack_set_dns(ph->stack, dns, NULL)) < 0) {
		fprintf(stderr, "%s: %s the DNS resolver%s%s: %s\n", prog,
		        ph->dns ? "cannot start" : "warning: host names will not resolve: no",
		        ph->dns ? " for " : "", ph->dns ? ph->dns : "", sk_strerror(rc));
		if (ph->dns) /* asked for: an error; the system's: IP addresses still work */
			return rc;
	}
	struct sk_ua_config uc = {
	    .stack = ph->stack, .rel100 = ph->rel100, .user = user, .ev = *ev};
	if ((rc = sk_ua_new(&ph->ua, &uc)) < 0) {
		fprintf(stderr, "%s: cannot start: %s\n", prog, sk_strerror(rc));
		return rc;
	}
	if (ph->trace_path && !ph->trace_lock &&
	    (rc = cli_trace_open(&ph->trace, ph->trace_path, prog)) < 0)
		return rc;
	if (ph->ladder || ph->trace)
		sk_tp_set_trace(sk_stack_tp(ph->stack), ladder_line, ph);
	ph->t0 = phone_now(ph);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
fail:
	sk_net_free(net);
	fprintf(stderr, "%s: cannot start: %s\n", prog, sk_strerror(rc));
	return rc;
}

void phone_free(struct phone *ph)
{
	if (ph->trace && !ph->trace_lock && sk_trace_writer_close(ph->trace) < 0)
		fprintf(stderr, "%s: %s: writing the trace failed\n", ph->prog, ph->trace_path);
	ph->trace = NULL;
	sk_ua_free(ph->ua);
	sk_stack_free(ph->stack);
	sk_log_limiter_free(ph->log_limiter);
	ph->log_limiter = NULL;
	ph->log.limiter = NULL;
	sk_loop_free(ph->loop);
	sk_clock_free(ph->clock);
}

int phone_listen(struct phone *ph, const char *spec, struct sk_sa *bound)
{
	struct sk_target t;
	if (sk_target_parse(&t, spec) < 0) {
		fprintf(stderr,
		        "%s: bad listen address '%s' (expected udp:HOST:PORT, tcp:HOST:PORT, "
		        "tls:HOST:PORT, ws:HOST:PORT or wss:HOST:PORT)\n",
		        ph->prog, spec);
		return EXIT_USAGE;
	}
	errno = 0; /* the socket layer leaves the bind error here */
	int rc = sk_stack_listen(ph->stack, &t, bound);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", ph->prog, spec,
		        errno == EADDRINUSE ? "address already in use"
		        : errno             ? strerror(errno)
		                            : sk_strerror(rc));
		return EXIT_UNAVAILABLE;
	}
	ph->listening++;
	return 0;
}

int phone_tls_option(struct sk_tls_config *t, const char *key, const char *val)
{
	unsigned long v;
	int took = 1;
	if (strncmp(key, "tls-", 4))
		return -1;
	if (!strcmp(key, "tls-insecure"))
		t->insecure = true, took = 0;
	else if (!strcmp(key, "tls-verify-client"))
		t->verify_client = true, took = 0;
	else if (!val)
		return -1;
	else if (!strcmp(key, "tls-cert"))
		t->cert_file = val;
	else if (!strcmp(key, "tls-key"))
		t->key_file = val;
	else if (!strcmp(key, "tls-ca"))
		t->ca_file = val;
	else if (!strcmp(key, "tls-handshake-ms") && parse_uint(val, 600000, &v) == 0 && v)
		t->handshake_ms = (uint32_t)v;
	else if (!strcmp(key, "tls-max-handshakes") && parse_uint(val, 1000000, &v) == 0 && v)
		t->max_handshakes = (uint32_t)v;
	else
		return -1;
	return took;
}

uint64_t phone_now(const struct phone *ph)
{
	return sk_clock_now(ph->clock);
}

static bool run_on(void *arg)
{
	return !*(const bool *)arg && !phone_stopped();
}

void phone_run(struct phone *ph, const bool *done, uint64_t max_ms)
{
	/* a signal is noticed within 200 ms; the loop chooses its own timer wake-ups */
	sk_loop_run_while(ph->loop, run_on, (void *)done, max_ms, 200);
}

static bool drain_on(void *arg)
{
	return !phone_stopped() && sk_txl_awaiting_peer(arg);
}

void phone_drain(struct phone *ph, uint64_t max_ms)
{
	/* the ACK of our last final, the answer to our last request: read before
	 * the sockets close (over TCP, unread bytes at close reset the connection
	 * under the peer's feet) */
	sk_loop_run_while(ph->loop, drain_on, sk_stack_txl(ph->stack), max_ms, 200);
}

int parse_100rel(const char *prog, const char *s, enum sk_100rel *out)
{
	for (int m = SK_100REL_OFF; m <= SK_100REL_REQUIRED; m++) {
		if (s && !strcmp(s, sk_100rel_name((enum sk_100rel)m))) {
			*out = (enum sk_100rel)m;
			return 0;
		}
	}
	fprintf(stderr, "%s: --100rel is off, supported or required, not '%s'\n", prog, s ? s : "");
	return -1;
}

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int phone_dns_check(const char *prog, const char *spec)
{
	struct sk_target t;
	if (sk_target_parse(&t, spec) == 0 && t.proto != SK_PROTO_TLS)
		return 0;
	fprintf(stderr, "%s: bad --dns '%s' (expected udp:HOST:PORT with a numeric host)\n", prog,
	        spec);
	return EXIT_USAGE;
}

struct resolving {
	bool done;
	int err;
	struct sk_target t;
	char why[256];
};

static void on_resolved(void *arg, int err, const struct sk_resolve_result *res)
{
	struct resolving *r = arg;
	r->done = true;
	r->err = err;
	if (err == 0)
		r->t = res->t[0];
	snprintf(r->why, sizeof(r->why), "%s", res->why);
}

int phone_resolve(struct phone *ph, const char *uri, struct sk_target *dst)
{
	struct resolving r = {0};
	struct sk_target t[SK_RESOLVE_MAX];
	struct sk_resolve_lookup *lk = NULL;
	size_t n = 0;
	int rc = sk_resolve_uri(sk_stack_resolver(ph->stack), sk_str_c(uri), SK_PROTO_NONE, t, &n,
	                        r.why, sizeof(r.why), on_resolved, &r, &lk);
	if (rc == SK_RESOLVE_PENDING) {
		phone_run(ph, &r.done, 0);
		if (!r.done) {
			sk_resolve_cancel(sk_stack_resolver(ph->stack), lk);
			return 1;
		}
		rc = r.err;
		t[0] = r.t;
	}
	if (rc == 0) {
		*dst = t[0];
		return 0;
	}
	if (rc == -SK_EINVAL) {
		fprintf(stderr,
		        "%s: bad next hop '%s' (a sip: URI with a numeric address or a host name; "
		        "transport udp or tcp)\n",
		        ph->prog, uri);
		return EXIT_USAGE;
	}
	fprintf(stderr, "%s: cannot resolve the next hop of %s: %s\n", ph->prog, uri,
	        r.why[0] ? r.why : sk_strerror(rc));
	return rc == -SK_ENOTFOUND ? EXIT_NOHOST : EXIT_TEMPFAIL;
}
