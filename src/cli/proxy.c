/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit proxy: the stateful forking proxy and registrar, with a control
 * socket (`sipkit ctl`). Without arguments an embedded default: udp and tcp
 * on 127.0.0.1:5060, registrar on, parallel forking.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bindings.h"
#include "cli.h"
#include "eventlog.h"
#include "phone.h"
#include "sipkit/proxy.h"

#define MAX_LISTEN 8
#define MAX_ROUTES 64

#define CTL_MAX_LIST 1000 /* pending calls listed at most */

struct proxy_opts {
	const char *listen[MAX_LISTEN];
	int nlisten;
	char domains[1024]; /* every --domain, comma-separated */
	const char *users, *auth_algs, *ctl;
	enum eventlog_format log_format; /* the line per call and per REGISTER on stdout */
	char *routes[MAX_ROUTES];
	int nroutes;
	enum sk_fork_mode fork;
	bool record_route, cancel_481, ladder;
	const char *trace; /* --trace FILE */
	unsigned long timer_c, duration_ms;
	unsigned long log_burst, log_rate; /* the log's limits per kind of line; 0: defaults */
	/* bounds (0: the proxy's defaults) */
	unsigned long max_breadth, max_passes, max_pending, overload_kb, src_rate;
	unsigned long min_expires;                /* registrar: shortest registration (423 below) */
	const char *trust;                        /* CIDRs exempt from src-rate, comma-separated */
	const char *location;                     /* --location: memory, redis://HOST:PORT[/DB] */
	const char *dns;                          /* --dns udp:HOST:PORT, NULL: resolv.conf */
	struct sk_tp_conn_limits conns;           /* --tcp-* (zero: the transport's defaults) */
	struct sk_ws_config ws;                   /* --ws-* (zero: the transport's defaults) */
	struct sk_tls_config tls;                 /* --tls-* */
	char *owned[MAX_LISTEN + MAX_ROUTES + 4]; /* strings read from a config file */
	int nowned;
};

struct ctl_client {
	struct ctl_client *next;
	struct proxyd *pd;
	struct sk_io io;
	int fd;
	char buf[CTL_LINE_MAX];
	size_t len;
};

static volatile sig_atomic_t reload_asked; /* SIGHUP: read the users file again */

static void on_sighup(int sig)
{
	(void)sig;
	reload_asked = 1;
}

struct proxyd {
	struct phone ph;
	struct sk_timer reload_check;
	bool reloading; /* reload_check runs */
	struct sk_proxy *proxy;
	struct proxy_opts o;
	int ctl_fd;
	struct sk_io ctl_io;
	struct ctl_client *clients;
	char ctl_path[108];
	bool done;
	struct sk_loop_hook log_flush; /* the event log's lines of a pass, in one write */
};

/* ---- the control socket ---------------------------------------------------- */

struct list_out {
	FILE *f;
	size_t n;
};

static void list_one(void *arg, const struct sk_proxy_call_info *c)
{
	struct list_out *lo = arg;
	if (lo->n++ < CTL_MAX_LIST)
		fprintf(lo->f,
		        "call %s from %s to %s branches %u pending %u age %llu ms best %d state %s "
		        "[%s]\n",
		        c->call_id, c->from, c->to, c->branches, c->pending_branches,
		        (unsigned long long)c->age_ms, c->best_status, c->state, c->branch_states);
}

/* The transport's connection counters: what strangers hold and what was refused or closed. */
static void ctl_tcp_stats(struct proxyd *pd, FILE *f)
{
	struct sk_tp_stats t = sk_tp_stats(sk_stack_tp(pd->ph.stack));
	fprintf(f,
	        "tcp_conns_in %zu\ntcp_conns_out %zu\ntcp_sources %zu\ntcp_opened %llu\n"
	        "tcp_refused_in %llu\ntcp_refused_source %llu\ntcp_refused_out %llu\n"
	        "tcp_closed_idle %llu\ntcp_closed_header %llu\n",
	        t.conns_in, t.conns_out, t.sources, (unsigned long long)t.conns_opened,
	        (unsigned long long)t.refused_in, (unsigned long long)t.refused_source,
	        (unsigned long long)t.refused_out, (unsigned long long)t.closed_idle,
	        (unsigned long long)t.closed_header);
	fprintf(
	    f,
	    "ws_conns %zu\nws_upgrades %llu\nws_refused %llu\nws_bad_frames %llu\nws_pings %llu\n",
	    t.ws_conns, (unsigned long long)t.ws_upgrades, (unsigned long long)t.ws_refused,
	    (unsigned long long)t.ws_bad_frames, (unsigned long long)t.ws_pings);
	fprintf(f,
	        "tls_up %llu\ntls_failed %llu\ntls_handshakes %zu\ntls_closed_handshake %llu\n"
	        "tls_refused_handshake %llu\n",
	        (unsigned long long)t.tls_up, (unsigned long long)t.tls_failed, t.handshakes,
	        (unsigned long long)t.closed_handshake, (unsigned long long)t.refused_handshake);
}

/* The resolver's counters (RFC 3263) and the stateless forwards it could not serve. */
static void ctl_dns_stats(struct proxyd *pd, FILE *f)
{
	struct sk_resolver *r = sk_stack_resolver(pd->ph.stack);
	struct sk_resolver_stats d = r ? sk_resolver_stats(r) : (struct sk_resolver_stats){0};
	fprintf(f,
	        "dns_lookups %llu\ndns_queries %llu\ndns_cache_hits %llu\ndns_cached %zu\n"
	        "dns_timeouts %llu\ndns_failures %llu\ndns_refused %llu\ndns_pending %zu\n"
	        "dns_fwd_dropped %llu\n",
	        (unsigned long long)d.lookups, (unsigned long long)d.queries,
	        (unsigned long long)d.cache_hits, d.cached, (unsigned long long)d.timeouts,
	        (unsigned long long)d.failures, (unsigned long long)d.refused, d.pending,
	        (unsigned long long)sk_proxy_stats(pd->proxy).dns_fwd_dropped);
}

/* One command line: calls | stats | bindings [AOR] | release CALL-ID [STATUS [REASON]] | help. */
static void ctl_command(struct proxyd *pd, char *line, FILE *f)
{
	char *save = NULL, *cmd = strtok_r(line, " \t", &save);
	if (!cmd || !strcmp(cmd, "help")) {
		fprintf(f, "commands: calls | stats | bindings [AOR] | release CALL-ID [STATUS "
		           "[REASON]]\nok\n");
	} else if (!strcmp(cmd, "bindings")) {
		cli_ctl_bindings(sk_proxy_location(pd->proxy), pd->ph.clock,
		                 sk_stack_now(pd->ph.stack), strtok_r(NULL, " \t", &save), f);
	} else if (!strcmp(cmd, "calls")) {
		struct list_out lo = {f, 0};
		sk_proxy_pending(pd->proxy, list_one, &lo);
		fprintf(f, "pending %zu\nok\n", lo.n);
	} else if (!strcmp(cmd, "stats")) {
		struct sk_proxy_stats s = sk_proxy_stats(pd->proxy);
		fprintf(f,
		        "calls %llu\ncancelled %llu\ncancels_sent %llu\nabsorbed_487 %llu\n"
		        "sent_481 %llu\nforks %llu\nbranches %llu\nreleased %llu\nregisters %llu\n"
		        "bindings %llu\ncontexts %zu\nlog_suppressed %llu\nloops %llu\n"
		        "breadth_440 %llu\nshed_503 %llu\ndropped %llu\noverloads %llu\n"
		        "overloaded %d\nstrays_dropped %llu\n",
		        (unsigned long long)s.calls, (unsigned long long)s.cancelled,
		        (unsigned long long)s.cancels_sent, (unsigned long long)s.absorbed_487,
		        (unsigned long long)s.sent_481, (unsigned long long)s.forks,
		        (unsigned long long)s.branches, (unsigned long long)s.released,
		        (unsigned long long)s.registers, (unsigned long long)s.bindings, s.pending,
		        (unsigned long long)sk_log_suppressed_total(&pd->ph.log),
		        (unsigned long long)s.loops, (unsigned long long)s.breadth_440,
		        (unsigned long long)s.shed_503, (unsigned long long)s.dropped,
		        (unsigned long long)s.overloads, (int)sk_proxy_overloaded(pd->proxy),
		        (unsigned long long)s.strays_dropped);
		fprintf(f,
		        "relay_denied %llu\nchallenges %llu\nauth_failed %llu\nauth_refused %llu\n"
		        "auth_blocked %llu\nusers %zu\n",
		        (unsigned long long)s.relay_denied, (unsigned long long)s.challenges,
		        (unsigned long long)s.auth_failed, (unsigned long long)s.auth_refused,
		        (unsigned long long)s.auth_blocked, sk_proxy_users(pd->proxy));
		ctl_tcp_stats(pd, f);
		ctl_dns_stats(pd, f);
		fprintf(f, "ok\n");
	} else if (!strcmp(cmd, "release")) {
		char *id = strtok_r(NULL, " \t", &save), *st = strtok_r(NULL, " \t", &save);
		char *reason = save && *save ? save : NULL;
		unsigned long status = 480;
		if (!id || (st && (parse_uint(st, 699, &status) < 0 || status < 300))) {
			fprintf(f, "error: usage: release CALL-ID [STATUS 300-699 [REASON]]\n");
			return;
		}
		int rc = sk_proxy_release(pd->proxy, id, (int)status, reason);
		if (rc == -SK_ENOTFOUND)
			fprintf(f, "error: no pending call with Call-ID %s\n", id);
		else if (rc < 0)
			fprintf(f, "error: %s (a Reason is protocol;cause=N;text=\"...\")\n",
			        sk_strerror(rc));
		else
			fprintf(f, "released %s with %lu\nok\n", id, status);
	} else {
		fprintf(f, "error: unknown command '%s' (help lists them)\n", cmd);
	}
}

static void client_close(struct proxyd *pd, struct ctl_client *c)
{
	sk_loop_io_del(pd->ph.loop, &c->io);
	close(c->fd);
	for (struct ctl_client **pp = &pd->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void on_client(void *arg, unsigned events)
{
	struct ctl_client *c = arg;
	struct proxyd *pd = c->pd;
	(void)events;
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		client_close(pd, c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	char *nl = strchr(c->buf, '\n');
	if (!nl && c->len < sizeof(c->buf) - 1)
		return;
	if (nl)
		*nl = '\0';
	if (nl && nl > c->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	if (f) {
		if (!nl)
			fprintf(f, "error: command longer than %d bytes\n", CTL_LINE_MAX);
		else
			ctl_command(pd, c->buf, f);
		fclose(f);
		/* a short answer to a local client: written blocking, bounded in time */
		int fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		struct timeval tv = {.tv_sec = 1};
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		for (size_t off = 0; out && off < outlen;) {
			ssize_t w = write(c->fd, out + off, outlen - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		free(out);
	}
	client_close(pd, c);
}

static void on_ctl_accept(void *arg, unsigned events)
{
	struct proxyd *pd = arg;
	(void)events;
	for (;;) {
		int fd = accept(pd->ctl_fd, NULL, NULL);
		if (fd < 0)
			return;
		struct ctl_client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		c->fd = fd;
		c->pd = pd;
		if (sk_loop_io_add(pd->ph.loop, &c->io, fd, SK_IO_READ, on_client, c) < 0) {
			free(c);
			close(fd);
			continue;
		}
		c->next = pd->clients;
		pd->clients = c;
	}
}

static int ctl_open(struct proxyd *pd, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sipkit proxy: control socket path too long: %s\n", path);
		return EXIT_USAGE;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* a socket left by a proxy that died: replaced when nobody answers on it */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "sipkit proxy: another proxy answers on %s (use --ctl PATH)\n",
		        path);
		close(fd);
		return EXIT_UNAVAILABLE;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, "sipkit proxy: cannot open the control socket %s: %s\n", path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_UNAVAILABLE;
	}
	pd->ctl_fd = fd;
	snprintf(pd->ctl_path, sizeof(pd->ctl_path), "%s", path);
	sk_loop_io_add(pd->ph.loop, &pd->ctl_io, fd, SK_IO_READ, on_ctl_accept, pd);
	return 0;
}

static void on_event(void *arg, const struct sk_proxy_event *ev)
{
	const struct proxyd *pd = arg;
	eventlog_write(stdout, pd->o.log_format, ev);
}

/* Once per loop pass, not once per line (issue 16: a write per call): a line is
 * still out as soon as the pass that made it ends (tail -f, a shipper). */
static void log_flush(void *arg)
{
	(void)arg;
	fflush(stdout);
}

/* ---- SIGHUP: the users file read again ---------------------------------------- */

#define RELOAD_CHECK_MS 200

static void reload_check(void *arg)
{
	struct proxyd *pd = arg;
	if (reload_asked) {
		char err[300];
		reload_asked = 0;
		if (sk_proxy_users_reload(pd->proxy, err, sizeof(err)) < 0)
			fprintf(stderr, "sipkit proxy: users not reloaded, the old ones stay: %s\n",
			        err);
		else
			fprintf(stderr, "sipkit proxy: %zu users reloaded from %s\n",
			        sk_proxy_users(pd->proxy), pd->o.users);
	}
	sk_timer_start(sk_loop_timers(pd->ph.loop), &pd->reload_check, RELOAD_CHECK_MS);
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
		        o->domains, sk_proxy_users(pd->proxy), o->users);
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
	    "                    [--dns udp:HOST:PORT] [-l tls:HOST:PORT --tls-cert FILE\n"
	    "                    --tls-key FILE] [--tls-ca FILE] [--tls-insecure]\n"
	    "                    [--tls-verify-client] [--tls-handshake-ms MS]\n"
	    "                    [--tls-max-handshakes N]\n\n"
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
	    "tcp-*, tls-* and the\n"
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
	    "The control socket (default /tmp/sipkit-proxy-PORT.sock) serves sipkit ctl.\n"
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

int cmd_proxy(int argc, char **argv)
{
	struct proxyd *pd = calloc(1, sizeof(*pd));
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
	struct sk_ua_events none = {0};
	pd->ph.ladder = o->ladder;
	pd->ph.trace_path = o->trace;
	pd->ph.log_burst = (uint32_t)o->log_burst;
	pd->ph.log_rate = (uint32_t)o->log_rate;
	pd->ph.conns = o->conns;
	pd->ph.ws = o->ws;
	pd->ph.tls = o->tls;
	pd->ph.dns = o->dns;
	if (phone_init(&pd->ph, "sipkit proxy", &none, "proxy") < 0) {
		rc = 1;
		goto out;
	}
	sk_ua_free(pd->ph.ua); /* the proxy core is this stack's transaction user */
	pd->ph.ua = NULL;
	sk_loop_hook_add(pd->ph.loop, &pd->log_flush, log_flush, pd);
	struct sk_proxy_config pc = {.stack = pd->ph.stack,
	                             .domain = o->domains[0] ? o->domains : NULL,
	                             .users_file = o->users,
	                             .auth_algorithms = o->auth_algs,
	                             .on_event = on_event,
	                             .event_arg = pd,
	                             .fork = o->fork,
	                             .record_route = o->record_route,
	                             .registrar = true,
	                             .cancel_481 = o->cancel_481,
	                             .timer_c_ms = (uint32_t)o->timer_c,
	                             .max_breadth = (uint32_t)o->max_breadth,
	                             .max_passes = (uint32_t)o->max_passes,
	                             .max_pending = o->max_pending,
	                             .overload_queue_kb = (uint32_t)o->overload_kb,
	                             .src_rate = (uint32_t)o->src_rate,
	                             .min_expires = (uint32_t)o->min_expires,
	                             .trust = o->trust};
	if ((rc = cli_location_open(&pc.location, o->location, pd->ph.clock, &pd->ph.log)) != 0)
		goto out;
	if ((rc = sk_proxy_new(&pd->proxy, &pc)) < 0) {
		if (rc == -SK_EINVAL && o->users) {
			fprintf(stderr, "sipkit proxy: cannot use --users %s (see above)\n",
			        o->users);
			rc = EXIT_USAGE;
			goto out;
		}
		if (rc == -SK_EINVAL && o->trust) {
			fprintf(stderr,
			        "sipkit proxy: bad --trust '%s' (CIDR,...: 10.0.0.0/8,::1)\n",
			        o->trust);
			rc = EXIT_USAGE;
			goto out;
		}
		fprintf(stderr, "sipkit proxy: cannot start: %s\n", sk_strerror(rc));
		rc = 1;
		goto out;
	}
	for (int i = 0; i < o->nroutes; i++) {
		char *eq = strchr(o->routes[i], '=');
		*eq = '\0';
		rc = sk_proxy_route_add(pd->proxy, o->routes[i], eq + 1);
		*eq = '=';
		if (rc < 0) {
			fprintf(stderr,
			        "sipkit proxy: bad route '%s' (USER=sip:HOST[:PORT][,sip:...], a "
			        "numeric address or a name resolved by RFC 3263)\n",
			        o->routes[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = 0;
	uint16_t first_port = 5060;
	for (int i = 0; i < o->nlisten && rc == 0; i++) {
		struct sk_sa bound;
		if ((rc = phone_listen(&pd->ph, o->listen[i], &bound)) == 0) {
			char a[64];
			sk_sa_print(&bound, a, sizeof(a));
			fprintf(stderr, "sipkit proxy: listening on %.*s:%s\n",
			        (int)strcspn(o->listen[i], ":"), o->listen[i], a);
			if (i == 0)
				first_port = sk_sa_port(&bound);
		}
	}
	if (rc)
		goto out;
	char path[108];
	if (!o->ctl)
		snprintf(path, sizeof(path), "/tmp/sipkit-proxy-%u.sock", (unsigned)first_port);
	if ((rc = ctl_open(pd, o->ctl ? o->ctl : path)) != 0)
		goto out;
	fprintf(stderr, "sipkit proxy: control socket %s\n", pd->ctl_path);
	say_policy(pd);
	if (o->users) {
		struct sigaction sa = {.sa_handler = on_sighup};
		sigaction(SIGHUP, &sa, NULL);
		sk_timer_init(&pd->reload_check, reload_check, pd);
		sk_timer_start(sk_loop_timers(pd->ph.loop), &pd->reload_check, RELOAD_CHECK_MS);
		pd->reloading = true;
	}
	phone_run(&pd->ph, &pd->done, o->duration_ms);
	struct sk_proxy_stats s = sk_proxy_stats(pd->proxy);
	fprintf(stderr,
	        "sipkit proxy: %llu calls, %llu cancelled, %llu CANCELs sent, %llu 487 absorbed, "
	        "%llu 481 sent, %llu forks, %llu shed with 503, %llu log lines suppressed\n",
	        (unsigned long long)s.calls, (unsigned long long)s.cancelled,
	        (unsigned long long)s.cancels_sent, (unsigned long long)s.absorbed_487,
	        (unsigned long long)s.sent_481, (unsigned long long)s.forks,
	        (unsigned long long)s.shed_503,
	        (unsigned long long)sk_log_suppressed_total(&pd->ph.log));
out:
	while (pd->clients) {
		client_close(pd, pd->clients);
	}
	if (pd->ctl_fd >= 0) {
		sk_loop_io_del(pd->ph.loop, &pd->ctl_io);
		close(pd->ctl_fd);
		unlink(pd->ctl_path);
	}
	if (pd->reloading)
		sk_timer_stop(sk_loop_timers(pd->ph.loop), &pd->reload_check);
	sk_proxy_free(pd->proxy);
	if (pd->log_flush.active)
		sk_loop_hook_del(pd->ph.loop, &pd->log_flush);
	fflush(stdout);
	phone_free(&pd->ph);
out_opts:
	for (int i = 0; i < pd->o.nowned; i++)
		free(pd->o.owned[i]);
	free(pd);
	return rc;
}
