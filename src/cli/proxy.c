/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit proxy: the stateful forking proxy and registrar, with a control
 * socket (`sipkit ctl`). Without arguments an embedded default: udp and tcp
 * on 127.0.0.1:5060, registrar on, parallel forking.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio_ext.h> /* __fpending */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bindings.h"
#include "proxyd.h"
#include "tracefile.h"

volatile sig_atomic_t proxy_reload_gen;

static void on_sighup(int sig)
{
	(void)sig;
	proxy_reload_gen++;
}

static void on_event(void *arg, const struct sk_proxy_event *ev)
{
	const struct proxy_worker *w = arg;
	flockfile(stdout); /* one whole line, whichever worker writes */
	eventlog_write(stdout, w->pd->o.log_format, ev);
	funlockfile(stdout);
}

/*
 * The event log (and the ladder) reach stdout at most LOG_FLUSH_MS after their
 * pass, in one write for all the lines of that time: a write per pass was
 * still about one per call at 1000 calls/s (issue 16). A pass that leaves bytes
 * in stdout's buffer starts the timer; an idle proxy has none pending and so no
 * wake-up. tail -f and a log shipper see a line within LOG_FLUSH_MS.
 */
#define LOG_FLUSH_MS 50

static void log_flush_fired(void *arg)
{
	(void)arg;
	fflush(stdout);
}

static void log_flush(void *arg)
{
	struct proxy_worker *w = arg;
	if (sk_timer_pending(&w->log_flush_timer))
		return;
	flockfile(stdout); /* another worker may be writing a line */
	bool held = __fpending(stdout) > 0;
	funlockfile(stdout);
	if (held)
		sk_timer_start(sk_loop_timers(w->ph.loop), &w->log_flush_timer, LOG_FLUSH_MS);
}

/* ---- SIGHUP: the users file read again, by each worker ------------------------ */

#define RELOAD_CHECK_MS 200

void proxy_worker_reload_check(void *arg)
{
	struct proxy_worker *w = arg;
	sig_atomic_t gen = proxy_reload_gen;
	if (gen != w->reload_seen) {
		char err[300];
		w->reload_seen = gen;
		if (sk_proxy_users_reload(w->proxy, err, sizeof(err)) < 0)
			fprintf(stderr, "sipkit proxy: users not reloaded, the old ones stay: %s\n",
			        err);
		else if (w->idx == 0)
			fprintf(stderr, "sipkit proxy: %zu users reloaded from %s\n",
			        sk_proxy_users(w->proxy), w->pd->o.users);
	}
	sk_timer_start(sk_loop_timers(w->ph.loop), &w->reload_check, RELOAD_CHECK_MS);
}

/* What the proxy is on this network: said once at start, so nobody runs an open relay
 * without knowing it. */
static void say_policy(struct proxyd *pd)
{
	const struct proxy_opts *o = &pd->o;
	if (!o->domains[0])
		fprintf(stderr, "sipkit proxy: no --domain: an OPEN proxy, relaying any request "
		                "to anywhere (a lab proxy; give --domain to serve domains)\n");
	else if (!o->users)
		fprintf(stderr,
		        "sipkit proxy: serving %s; no --users: registrations are open and nobody "
		        "is challenged; relaying beyond these domains only for --trust sources\n",
		        o->domains);
	else
		fprintf(stderr,
		        "sipkit proxy: serving %s; %zu users from %s (SIGHUP reloads); relaying "
		        "only for them and --trust sources\n",
		        o->domains, sk_proxy_users(pd->w[0].proxy), o->users);
}

/* ---- options and the configuration file ----------------------------------- */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: sipkit proxy [-l udp:HOST:PORT ...] [--domain NAME ...] [--users FILE]\n"
	    "                    [--auth-algorithms MD5,SHA-256] [--log-format logfmt|json]\n"
	    "                    [--route USER=URI[,URI...] ...]\n"
	    "                    [--fork parallel|sequential] [--record-route] [--cancel-481]\n"
	    "                    [--timer-c MS] [--ctl PATH] [-c FILE] [--duration S] "
	    "[--ladder]\n"
	    "                    [--trace FILE] [--log-burst N] [--log-rate PER_S]\n"
	    "                    [--max-breadth N] [--max-passes N] [--max-pending N]\n"
	    "                    [--overload-queue-kb KB] [--src-rate N] [--trust CIDR,...]\n"
	    "                    [--tcp-max-in N] [--tcp-max-out N] [--tcp-max-per-source N]\n"
	    "                    [--tcp-idle-ms MS] [--tcp-idle-new-ms MS] [--tcp-header-ms MS]\n"
	    "                    [--ws-origin ORIGIN[,ORIGIN...]] [--ws-max-conns N]\n"
	    "                    [--location memory|redis://HOST:PORT[/DB]] [--min-expires S]\n"
	    "                    [--dns udp:HOST:PORT] [--workers N] [--t1 MS]\n"
	    "                    [-l tls:HOST:PORT --tls-cert FILE --tls-key FILE]\n"
	    "                    [--tls-ca FILE] [--tls-insecure] [--tls-verify-client]\n"
	    "                    [--tls-handshake-ms MS] [--tls-max-handshakes N]\n\n"
	    "A stateful forking proxy (RFC 3261 §16) and registrar (§10). Without -l it\n"
	    "listens on udp and tcp 127.0.0.1:5060. Requests for --domain (or for one of\n"
	    "its addresses) go to the registered contacts of the user, or to the static\n"
	    "--route of the user; several targets fork, all at once or by q-value groups.\n"
	    "A CANCEL is answered at once and every pending branch is cancelled with the\n"
	    "caller's Reason; when one branch answers, the others are cancelled with\n"
	    "'Reason: SIP;cause=200;text=\"Call completed elsewhere\"'.\n"
	    "With --domain (several allowed) requests beyond the served domains are relayed\n"
	    "only for --trust sources and authenticated users (403 'Relaying denied'); without\n"
	    "it the proxy relays anything (a lab proxy). --users FILE ('user:realm:HA1' lines,\n"
	    "htdigest's format, ':HA1-SHA-256' optional; SIGHUP reloads) authenticates every\n"
	    "request not of a dialog of ours (401/407; CANCEL and ACK never), offering the\n"
	    "--auth-algorithms in order (default MD5,SHA-256: clients answer the first they\n"
	    "know, and some take the first blindly).\n"
	    "-c FILE reads the same settings, one per line: listen, domain, users, route, fork,\n"
	    "record-route, cancel-481, timer-c, ctl, location, log-format, log-burst, log-rate,\n"
	    "workers, tcp-*, tls-* and the\n"
	    "bounds below ('#' starts a comment).\n"
	    "Bounds, each enforced in O(1): --max-breadth (RFC 5393, default 60) branches of\n"
	    "a request at once across hops (440 when none is left); --max-passes (8): a\n"
	    "request seen that often already is a loop (482); --max-pending (50000) requests\n"
	    "in progress, then 503 with Retry-After; --overload-queue-kb (512): unread bytes\n"
	    "on the UDP sockets from which new requests are answered 503 until the load has\n"
	    "been low for 200 ms (CANCELs and requests of a dialog never are); --src-rate\n"
	    "(10000) new requests a second from one address before 503s, past ten times that\n"
	    "no answer; --trust CIDR,... exempts peers and gateways from --src-rate.\n"
	    "TCP limits (RFC 3261 §18): --tcp-max-in accepted connections (2048),\n"
	    "--tcp-max-out connections the proxy opens (1024, never taken by accepted ones),\n"
	    "--tcp-max-per-source accepted ones per IPv4 address or IPv6 /64 (64); beyond a\n"
	    "cap a connection is closed at once. Only a complete message keeps a connection:\n"
	    "--tcp-idle-ms (120000), --tcp-idle-new-ms for accepted ones that never sent one\n"
	    "(20000), --tcp-header-ms from a message's first byte to its last (10000).\n"
	    "-l ws:HOST:PORT serves SIP over WebSocket (RFC 7118) to browsers: the upgrade\n"
	    "must offer the 'sip' subprotocol and, with --ws-origin, come from one of those\n"
	    "Origins (403 otherwise); --ws-max-conns (1024) WebSocket connections at once,\n"
	    "within the TCP caps. A contact registered over WebSocket is reached over its\n"
	    "connection only: once that is closed a call to it gets 480 at once. An idle\n"
	    "WebSocket connection is pinged before it is closed (a live browser answers).\n"
	    "-l wss:HOST:PORT is the same over TLS (--tls-cert and --tls-key required; the\n"
	    "TLS handshake limits apply, then the upgrade): Via WSS, and a sips request may\n"
	    "reach a contact registered over wss, never one over ws (480).\n"
	    "One line per call and per REGISTER on stdout (Call-ID, From, To, source,\n"
	    "targets, outcome, Reason, status, duration), --log-format logfmt (default) or\n"
	    "json.\n"
	    "--min-expires (60): the shortest registration granted (423 below, §10.3).\n"
	    "--location keeps the registrations in memory (the default) or in Redis, where\n"
	    "they survive a restart and several proxies share them; while Redis is down,\n"
	    "REGISTER gets 500 with Retry-After and calls 480, and the proxy reconnects\n"
	    "by itself (each attempt bounded to 250 ms, then none for 0.5 s to 4 s).\n"
	    "Next hops that are names (Request-URI, Route, --route targets) are resolved by\n"
	    "RFC 3263 (NAPTR, SRV, AAAA/A; answers cached for their TTL) through the servers\n"
	    "of /etc/resolv.conf, or --dns udp:HOST:PORT; a transport error, a timeout or a\n"
	    "503 moves a branch to the next target. A name that does not resolve is answered\n"
	    "604 (404 among several targets), 504 when the DNS does not answer, with a\n"
	    "Warning saying why.\n"
	    "--workers N (1-64; default: one per core) runs N event loops on N threads, each\n"
	    "with its own stack, on the same addresses; every request of a call is handled\n"
	    "by the worker its Call-ID hashes to, and each worker sends from a UDP port of\n"
	    "its own so that responses come back to it (docs/workers.md). Registrations are\n"
	    "shared; --max-pending and --src-rate are shared out among the workers. A\n"
	    "connection belongs to the worker that accepted it; another worker sending on\n"
	    "it (a call to a browser on ws/wss, or to a phone reached over the connection\n"
	    "it registered on) passes the bytes to that one.\n"
	    "--t1 MS sets T1 (default 500) and with it T2 (8 T1), T4 (10 T1) and Timer D\n"
	    "(64 T1): short timers for a lab or a test, not for a network.\n"
	    "The control socket (default /tmp/sipkit-proxy-PORT.sock) serves sipkit ctl\n"
	    "(with several workers: totals, a line per worker, 'worker stop N').\n"
	    "--trace FILE writes every message for sipkit check (pcap if FILE ends in "
	    ".pcap).\n" PHONE_TLS_HELP
	    "Log lines are limited per kind (per place in the code): --log-burst at once\n"
	    "(default %u), then --log-rate a second (default %u); errors get %u, then %u a\n"
	    "second. The next line of a kind says how many were suppressed; sipkit ctl\n"
	    "stats counts them (log_suppressed).\n",
	    SK_LOG_BURST, SK_LOG_RATE, SK_LOG_ERR_BURST, SK_LOG_ERR_RATE);
}

/* The numeric bounds: a key, where it goes, its range (1..max). */
static int set_bound(struct proxy_opts *o, const char *key, const char *val)
{
	const struct {
		const char *key;
		unsigned long *to, max;
	} bounds[] = {
	    {"max-breadth", &o->max_breadth, 100000},
	    {"max-passes", &o->max_passes, 70},
	    {"max-pending", &o->max_pending, 10000000},
	    {"overload-queue-kb", &o->overload_kb, 1 << 20},
	    {"src-rate", &o->src_rate, 1000000000},
	    {"min-expires", &o->min_expires, 3600},
	};
	unsigned long v;
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		if (!strcmp(key, bounds[i].key)) {
			if (!val || parse_uint(val, bounds[i].max, &v) < 0 || !v)
				return -1;
			*bounds[i].to = v;
			return 0;
		}
	return -1;
}

/* --tcp-NAME VALUE: a limit of sk_tp_conn_limits, 1 or more (0 would mean the default). */
static int set_tcp_option(struct sk_tp_conn_limits *l, const char *name, const char *val)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned long max;
	} keys[] = {
	    {"max-in", offsetof(struct sk_tp_conn_limits, max_in), 1000000},
	    {"max-out", offsetof(struct sk_tp_conn_limits, max_out), 1000000},
	    {"max-per-source", offsetof(struct sk_tp_conn_limits, max_per_source), 1000000},
	    {"idle-ms", offsetof(struct sk_tp_conn_limits, idle_ms), 86400000},
	    {"idle-new-ms", offsetof(struct sk_tp_conn_limits, idle_new_ms), 86400000},
	    {"header-ms", offsetof(struct sk_tp_conn_limits, header_ms), 86400000},
	};
	unsigned long v;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i].name)) {
			if (parse_uint(val, keys[i].max, &v) < 0 || !v)
				return -1;
			uint32_t u = (uint32_t)v;
			memcpy((char *)l + keys[i].off, &u, sizeof(u));
			return 0;
		}
	return -1;
}

static int set_option(struct proxy_opts *o, const char *key, const char *val, const char *where)
{
	unsigned long v;
	if (!strcmp(key, "listen") || !strcmp(key, "l")) {
		if (!val || o->nlisten == MAX_LISTEN)
			goto bad;
		o->listen[o->nlisten++] = val;
	} else if (!strcmp(key, "domain") && val) {
		size_t used = strlen(o->domains);
		if (used + strlen(val) + 2 > sizeof(o->domains))
			goto bad;
		snprintf(o->domains + used, sizeof(o->domains) - used, "%s%s", used ? "," : "",
		         val);
	} else if (!strcmp(key, "users") && val) {
		o->users = val;
	} else if (!strcmp(key, "log-format") && val &&
	           (!strcmp(val, "logfmt") || !strcmp(val, "json"))) {
		o->log_format = !strcmp(val, "json") ? EVENTLOG_JSON : EVENTLOG_LOGFMT;
	} else if (!strcmp(key, "auth-algorithms") && val) {
		o->auth_algs = val;
	} else if (!strcmp(key, "route") && val && strchr(val, '=')) {
		if (o->nroutes == MAX_ROUTES)
			goto bad;
		o->routes[o->nroutes++] = (char *)val;
	} else if (!strcmp(key, "fork") && val) {
		if (!strcmp(val, "parallel"))
			o->fork = SK_FORK_PARALLEL;
		else if (!strcmp(val, "sequential"))
			o->fork = SK_FORK_SEQUENTIAL;
		else
			goto bad;
	} else if (!strcmp(key, "record-route")) {
		o->record_route =
		    !val || !strcmp(val, "on") || !strcmp(val, "yes") || !strcmp(val, "true");
	} else if (!strcmp(key, "cancel-481")) {
		o->cancel_481 =
		    !val || !strcmp(val, "on") || !strcmp(val, "yes") || !strcmp(val, "true");
	} else if (!strcmp(key, "timer-c") && val && parse_uint(val, 3600000, &v) == 0 &&
	           v > 180000) {
		o->timer_c = v;
	} else if (!strcmp(key, "log-burst") && val && parse_uint(val, 1000000, &v) == 0 && v) {
		o->log_burst = v;
	} else if (!strcmp(key, "log-rate") && val && parse_uint(val, 1000000, &v) == 0 && v) {
		o->log_rate = v;
	} else if (!strcmp(key, "ctl") && val) {
		o->ctl = val;
	} else if (!strcmp(key, "trust") && val) {
		o->trust = val;
	} else if (!strcmp(key, "location") && val) {
		o->location = val;
	} else if (!strcmp(key, "dns") && val) {
		if (phone_dns_check("sipkit proxy", val))
			return EXIT_USAGE;
		o->dns = val;
	} else if (!strcmp(key, "t1") && val && parse_uint(val, 60000, &v) == 0 && v) {
		o->t1 = v; /* RFC 3261 Table 4: the other timers follow (tests: short Timer D) */
	} else if (!strcmp(key, "workers") && val && parse_uint(val, SK_WORKERS_MAX, &v) == 0 &&
	           v) {
		o->workers = v;
	} else if (set_bound(o, key, val) == 0) {
		/* one of the numeric bounds */
	} else if (!strcmp(key, "ws-origin") && val) {
		o->ws.origins = val;
	} else if (!strcmp(key, "ws-max-conns") && val && parse_uint(val, 1000000, &v) == 0 && v) {
		o->ws.max_conns = (uint32_t)v;
	} else if (phone_tls_option(&o->tls, key, val) >= 0) {
		/* --tls-* */
	} else if (!strncmp(key, "tcp-", 4) && val) {
		if (set_tcp_option(&o->conns, key + 4, val) < 0)
			goto bad;
	} else {
		goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "sipkit proxy: %s: bad setting '%s%s%s'%s\n", where, key, val ? " " : "",
	        val ? val : "",
	        !strcmp(key, "timer-c") ? " (Timer C must exceed 3 minutes, §16.8)" : "");
	return EXIT_USAGE;
}

static int read_config(struct proxy_opts *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], where[300];
	int lineno = 0, rc = 0;
	if (!f) {
		fprintf(stderr, "sipkit proxy: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL, *key = strtok_r(line, " \t\r\n", &save);
		char *val = strtok_r(NULL, " \t\r\n", &save);
		if (!key)
			continue;
		if (val && o->nowned < (int)(sizeof(o->owned) / sizeof(o->owned[0])))
			val = o->owned[o->nowned++] = strdup(val);
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		rc = set_option(o, key, val, where);
	}
	fclose(f);
	return rc;
}

static int parse_args(struct proxyd *pd, int argc, char **argv)
{
	struct proxy_opts *o = &pd->o;
	unsigned long v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-c") && val) {
			rc = read_config(o, val);
			i++;
		} else if (!strcmp(a, "--duration") && val && parse_uint(val, 86400, &v) == 0 &&
		           v) {
			o->duration_ms = v * 1000;
			i++;
		} else if (!strcmp(a, "--ladder")) {
			o->ladder = true;
		} else if (!strcmp(a, "--trace") && val) {
			o->trace = val;
			i++;
		} else if (!strcmp(a, "--record-route") || !strcmp(a, "--cancel-481") ||
		           !strcmp(a, "--tls-insecure") || !strcmp(a, "--tls-verify-client")) {
			rc = set_option(o, a + 2, NULL, "command line");
		} else if (a[0] == '-' && val) {
			rc = set_option(o, a + (a[1] == '-' ? 2 : 1), val, "command line");
			i++;
		} else {
			fprintf(stderr, "sipkit proxy: bad or incomplete option '%s'\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	return -1;
}

/* Worker i: its clock, loop, sockets' backend, stack and proxy; its listeners come later. */
static int worker_init(struct proxyd *pd, unsigned i, struct sk_location loc)
{
	struct proxy_opts *o = &pd->o;
	struct proxy_worker *w = &pd->w[i];
	struct sk_ua_events none = {0};
	unsigned n = pd->nworkers;
	int rc;
	w->pd = pd;
	w->idx = i;
	w->ph.ladder = o->ladder;
	w->ph.trace_path = o->trace;
	if (pd->trace_lock_made) { /* one capture for every worker */
		w->ph.trace = pd->trace;
		w->ph.trace_lock = &pd->trace_lock;
	}
	w->ph.log_burst = (uint32_t)o->log_burst;
	w->ph.log_rate = (uint32_t)o->log_rate;
	w->ph.conns = o->conns;
	w->ph.ws = o->ws;
	w->ph.tls = o->tls;
	if (o->t1) { /* a lab's short timers: all of them scaled from T1 */
		w->ph.times.t1 = (uint32_t)o->t1;
		w->ph.times.t2 = (uint32_t)(8 * o->t1);
		w->ph.times.t4 = (uint32_t)(10 * o->t1);
		w->ph.times.timer_d = (uint32_t)(64 * o->t1);
	}
	w->ph.dns = o->dns;
	if (phone_init(&w->ph, "sipkit proxy", &none, "proxy") < 0) {
		if (loc.ops)
			loc.ops->free(loc.st);
		return 1;
	}
	/* Redis: a connection per worker, on its clock, one breaker for all */
	if (!loc.ops && (rc = cli_location_open(&loc, o->location, w->ph.clock, &w->ph.log,
	                                        pd->breaker, i == 0)) != 0)
		return rc;
	sk_ua_free(w->ph.ua); /* the proxy core is this stack's transaction user */
	w->ph.ua = NULL;
	sk_timer_init(&w->log_flush_timer, log_flush_fired, w);
	sk_loop_hook_add(w->ph.loop, &w->log_flush, log_flush, w);
	/* bounds of the whole proxy, shared out (a source's calls spread over the workers) */
	unsigned long max_pending = o->max_pending ? (o->max_pending + n - 1) / n : 0;
	unsigned long src_rate = o->src_rate ? (o->src_rate + n - 1) / n : 0;
	if (n > 1 && !max_pending)
		max_pending = (50000 + n - 1) / n;
	if (n > 1 && !src_rate)
		src_rate = (10000 + n - 1) / n;
	/* failed authentications counted for all the workers together: made with the first */
	if (n > 1 && o->users && !pd->auth_fails &&
	    sk_proxy_auth_fails_new(&pd->auth_fails, sk_stack_hash_key(w->ph.stack)) < 0)
		return 1;
	struct sk_proxy_config pc = {.stack = w->ph.stack,
	                             .auth_fails = pd->auth_fails,
	                             .dialog_key = pd->ws ? &pd->key : NULL,
	                             .domain = o->domains[0] ? o->domains : NULL,
	                             .users_file = o->users,
	                             .auth_algorithms = o->auth_algs,
	                             .on_event = on_event,
	                             .event_arg = w,
	                             .fork = o->fork,
	                             .record_route = o->record_route,
	                             .registrar = true,
	                             .cancel_481 = o->cancel_481,
	                             .timer_c_ms = (uint32_t)o->timer_c,
	                             .max_breadth = (uint32_t)o->max_breadth,
	                             .max_passes = (uint32_t)o->max_passes,
	                             .max_pending = max_pending,
	                             .overload_queue_kb = (uint32_t)o->overload_kb,
	                             .src_rate = (uint32_t)src_rate,
	                             .min_expires = (uint32_t)o->min_expires,
	                             .trust = o->trust,
	                             .location = loc};
	if ((rc = sk_proxy_new(&w->proxy, &pc)) < 0) {
		if (rc == -SK_EINVAL && o->users) {
			fprintf(stderr, "sipkit proxy: cannot use --users %s (see above)\n",
			        o->users);
			return EXIT_USAGE;
		}
		if (rc == -SK_EINVAL && o->trust) {
			fprintf(stderr,
			        "sipkit proxy: bad --trust '%s' (CIDR,...: 10.0.0.0/8,::1)\n",
			        o->trust);
			return EXIT_USAGE;
		}
		fprintf(stderr, "sipkit proxy: cannot start: %s\n", sk_strerror(rc));
		return 1;
	}
	for (int r = 0; r < o->nroutes; r++) {
		char *eq = strchr(o->routes[r], '=');
		*eq = '\0';
		rc = sk_proxy_route_add(w->proxy, o->routes[r], eq + 1);
		*eq = '=';
		if (rc < 0) {
			fprintf(stderr,
			        "sipkit proxy: bad route '%s' (USER=sip:HOST[:PORT][,sip:...], a "
			        "numeric address or a name resolved by RFC 3263)\n",
			        o->routes[r]);
			return EXIT_USAGE;
		}
	}
	if (o->users) {
		w->reload_seen = proxy_reload_gen;
		sk_timer_init(&w->reload_check, proxy_worker_reload_check, w);
		sk_timer_start(sk_loop_timers(w->ph.loop), &w->reload_check, RELOAD_CHECK_MS);
		w->reloading = true;
	}
	return 0;
}

/* With several workers and the in-memory store: one store shared under a lock, a handle
 * per worker and one for the control socket's counts. Redis: each worker its own
 * connection, and one circuit breaker so that an outage is waited for and logged once. */
static int open_shared_location(struct proxyd *pd, struct sk_location *locs)
{
	unsigned n = pd->nworkers;
	struct sk_location inner;
	if (n == 1)
		return 0;
	if (pd->o.location && strcmp(pd->o.location, "memory") != 0)
		return sk_redis_breaker_new(&pd->breaker) < 0 ? 1 : 0;
	if (sk_location_memory(&inner, 100000, 16) < 0 ||
	    sk_location_shared(locs, n + 1, inner) < 0)
		return 1;
	pd->shared = locs[n];
	pd->have_shared = true;
	return 0;
}

void proxy_worker_free(struct proxy_worker *w)
{
	if (!w->pd || w->freed)
		return;
	w->freed = true;
	if (w->reloading)
		sk_timer_stop(sk_loop_timers(w->ph.loop), &w->reload_check);
	if (w->stopping)
		sk_timer_stop(sk_loop_timers(w->ph.loop), &w->stop_check);
	w->reloading = w->stopping = false;
	if (w->proxy) { /* what say_totals adds up once the worker is gone */
		w->final = sk_proxy_stats(w->proxy);
		w->final_suppressed = sk_log_suppressed_total(&w->ph.log);
	}
	sk_proxy_free(w->proxy);
	w->proxy = NULL;
	if (w->log_flush.active)
		sk_loop_hook_del(w->ph.loop, &w->log_flush);
	if (sk_timer_pending(&w->log_flush_timer)) /* pending: the loop exists */
		sk_timer_stop(sk_loop_timers(w->ph.loop), &w->log_flush_timer);
	fflush(stdout);
	phone_free(&w->ph);
}

static void say_totals(struct proxyd *pd)
{
	struct sk_proxy_stats t = {0};
	uint64_t suppressed = 0;
	for (unsigned i = 0; i < pd->nworkers; i++) {
		struct proxy_worker *w = &pd->w[i];
		struct sk_proxy_stats s = w->freed ? w->final : sk_proxy_stats(w->proxy);
		t.calls += s.calls;
		t.cancelled += s.cancelled;
		t.cancels_sent += s.cancels_sent;
		t.absorbed_487 += s.absorbed_487;
		t.sent_481 += s.sent_481;
		t.forks += s.forks;
		t.shed_503 += s.shed_503;
		suppressed += w->freed ? w->final_suppressed : sk_log_suppressed_total(&w->ph.log);
	}
	fprintf(stderr,
	        "sipkit proxy: %llu calls, %llu cancelled, %llu CANCELs sent, %llu 487 absorbed, "
	        "%llu 481 sent, %llu forks, %llu shed with 503, %llu log lines suppressed\n",
	        (unsigned long long)t.calls, (unsigned long long)t.cancelled,
	        (unsigned long long)t.cancels_sent, (unsigned long long)t.absorbed_487,
	        (unsigned long long)t.sent_481, (unsigned long long)t.forks,
	        (unsigned long long)t.shed_503, (unsigned long long)suppressed);
}

static int listen_one(struct proxyd *pd, uint16_t *first_port)
{
	struct proxy_opts *o = &pd->o;
	int rc = 0;
	for (int i = 0; i < o->nlisten && rc == 0; i++) {
		struct sk_sa bound;
		if ((rc = phone_listen(&pd->w[0].ph, o->listen[i], &bound)) == 0) {
			char a[64];
			sk_sa_print(&bound, a, sizeof(a));
			fprintf(stderr, "sipkit proxy: listening on %.*s:%s\n",
			        (int)strcspn(o->listen[i], ":"), o->listen[i], a);
			if (i == 0)
				*first_port = sk_sa_port(&bound);
		}
	}
	return rc;
}

int cmd_proxy(int argc, char **argv)
{
	struct proxyd *pd = calloc(1, sizeof(*pd));
	struct sk_location locs[SK_WORKERS_MAX + 1];
	int rc;
	if (!pd)
		return 1;
	pd->ctl_fd = -1;
	if ((rc = parse_args(pd, argc, argv)) >= 0)
		goto out_opts;
	rc = 0;
	struct proxy_opts *o = &pd->o;
	if (!o->nlisten) {
		o->listen[o->nlisten++] = "udp:127.0.0.1:5060";
		o->listen[o->nlisten++] = "tcp:127.0.0.1:5060";
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	/* a WebSocket listener too: a call reaches a browser over whichever worker holds
	 * its connection (docs/workers.md, "A call to a connection another worker owns") */
	pd->nworkers = o->workers               ? (unsigned)o->workers
	               : cores < 1              ? 1
	               : cores > SK_WORKERS_MAX ? SK_WORKERS_MAX
	                                        : (unsigned)cores;
	pd->w = calloc(pd->nworkers, sizeof(*pd->w));
	memset(locs, 0, sizeof(locs));
	if (!pd->w) {
		rc = 1;
		goto out_opts;
	}
	if (pd->nworkers > 1) {
		struct sk_workers_config wc = {.n = pd->nworkers};
		if (sk_workers_new(&pd->ws, &wc) < 0 || sk_hash_key_from_os(&pd->key) < 0 ||
		    pthread_mutex_init(&pd->trace_lock, NULL)) {
			rc = 1;
			goto out_opts;
		}
		pd->trace_lock_made = true;
		if (o->trace && (rc = cli_trace_open(&pd->trace, o->trace, "sipkit proxy")) < 0) {
			rc = 1;
			goto out_opts;
		}
	}
	if ((rc = open_shared_location(pd, locs)) != 0)
		goto out;
	for (unsigned i = 0; i < pd->nworkers; i++) {
		struct sk_location loc = locs[i];
		locs[i].ops = NULL; /* the worker's own from here on */
		if ((rc = worker_init(pd, i, loc)) != 0) {
			for (unsigned j = i + 1; j < pd->nworkers; j++)
				if (locs[j].ops)
					locs[j].ops->free(locs[j].st);
			goto out;
		}
	}
	uint16_t first_port = 5060;
	rc = pd->ws ? proxy_workers_listen(pd, &first_port) : listen_one(pd, &first_port);
	if (rc)
		goto out;
	if (!pd->ws) {
		pd->clock = pd->w[0].ph.clock;
		pd->loop = pd->w[0].ph.loop;
	} else if (sk_clock_new_real(&pd->clock) < 0 || sk_loop_new(&pd->loop, pd->clock) < 0) {
		rc = 1;
		goto out;
	}
	char path[108];
	if (!o->ctl)
		snprintf(path, sizeof(path), "/tmp/sipkit-proxy-%u.sock", (unsigned)first_port);
	if ((rc = proxy_ctl_open(pd, o->ctl ? o->ctl : path)) != 0)
		goto out;
	fprintf(stderr, "sipkit proxy: control socket %s\n", pd->ctl_path);
	say_policy(pd);
	if (o->users) {
		struct sigaction sa = {.sa_handler = on_sighup};
		sigaction(SIGHUP, &sa, NULL);
	}
	if (pd->ws)
		proxy_workers_run(pd);
	else
		phone_run(&pd->w[0].ph, &pd->done, o->duration_ms);
	say_totals(pd);
out:
	if (pd->loop)
		proxy_ctl_close(pd);
	for (unsigned i = 0; pd->ws && i < pd->nworkers; i++)
		sk_workers_stop(pd->ws, i); /* before their loops go (the threads stopped theirs) */
	for (unsigned i = 0; pd->w && i < pd->nworkers; i++)
		proxy_worker_free(&pd->w[i]);
	if (pd->ws) {
		sk_loop_free(pd->loop);
		sk_clock_free(pd->clock);
	}
	if (pd->have_shared)
		pd->shared.ops->free(pd->shared.st);
	sk_redis_breaker_free(pd->breaker);
	sk_proxy_auth_fails_free(pd->auth_fails);
	if (pd->trace && sk_trace_writer_close(pd->trace) < 0)
		fprintf(stderr, "sipkit proxy: %s: writing the trace failed\n", o->trace);
out_opts:
	if (pd->trace_lock_made)
		pthread_mutex_destroy(&pd->trace_lock);
	sk_workers_free(pd->ws);
	free(pd->w);
	for (int i = 0; i < pd->o.nowned; i++)
		free(pd->o.owned[i]);
	free(pd);
	return rc;
}
