/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit proxy's control socket (`sipkit ctl`): one command per connection,
 * answered by the one worker, or gathered from every worker (proxy_workers.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bindings.h"
#include "proxyd.h"

#define CTL_MAX_LIST 1000 /* pending calls listed at most */

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
static void ctl_tcp_stats(struct proxy_worker *w, FILE *f)
{
	struct sk_tp_stats t = sk_tp_stats(sk_stack_tp(w->ph.stack));
	fprintf(f,
	        "tcp_conns_in %zu\ntcp_conns_out %zu\ntcp_sources %zu\ntcp_opened %llu\n"
	        "tcp_refused_in %llu\ntcp_refused_source %llu\ntcp_refused_out %llu\n"
	        "tcp_closed_idle %llu\ntcp_closed_header %llu\n",
	        t.conns_in, t.conns_out, t.sources, (unsigned long long)t.conns_opened,
	        (unsigned long long)t.refused_in, (unsigned long long)t.refused_source,
	        (unsigned long long)t.refused_out, (unsigned long long)t.closed_idle,
	        (unsigned long long)t.closed_header);
	/* ws_* count plain and secure WebSocket alike (the caps do); wss_* the secure ones */
	fprintf(
	    f,
	    "ws_conns %zu\nws_upgrades %llu\nws_refused %llu\nws_bad_frames %llu\nws_pings %llu\n"
	    "wss_conns %zu\nwss_upgrades %llu\n",
	    t.ws_conns, (unsigned long long)t.ws_upgrades, (unsigned long long)t.ws_refused,
	    (unsigned long long)t.ws_bad_frames, (unsigned long long)t.ws_pings, t.wss_conns,
	    (unsigned long long)t.wss_upgrades);
	fprintf(f,
	        "tls_up %llu\ntls_failed %llu\ntls_handshakes %zu\ntls_closed_handshake %llu\n"
	        "tls_refused_handshake %llu\n",
	        (unsigned long long)t.tls_up, (unsigned long long)t.tls_failed, t.handshakes,
	        (unsigned long long)t.closed_handshake, (unsigned long long)t.refused_handshake);
}

/* The resolver's counters (RFC 3263) and the stateless forwards it could not serve. */
static void ctl_dns_stats(struct proxy_worker *w, FILE *f)
{
	struct sk_resolver *r = sk_stack_resolver(w->ph.stack);
	struct sk_resolver_stats d = r ? sk_resolver_stats(r) : (struct sk_resolver_stats){0};
	fprintf(f,
	        "dns_lookups %llu\ndns_queries %llu\ndns_cache_hits %llu\ndns_cached %zu\n"
	        "dns_timeouts %llu\ndns_failures %llu\ndns_refused %llu\ndns_pending %zu\n"
	        "dns_fwd_dropped %llu\n",
	        (unsigned long long)d.lookups, (unsigned long long)d.queries,
	        (unsigned long long)d.cache_hits, d.cached, (unsigned long long)d.timeouts,
	        (unsigned long long)d.failures, (unsigned long long)d.refused, d.pending,
	        (unsigned long long)sk_proxy_stats(w->proxy).dns_fwd_dropped);
}

/* One command line: calls | stats | bindings [AOR] | release CALL-ID [STATUS [REASON]] | help. */
void proxy_worker_command(struct proxy_worker *w, char *line, FILE *f)
{
	char *save = NULL, *cmd = strtok_r(line, " \t", &save);
	if (!cmd || !strcmp(cmd, "help")) {
		fprintf(f, "commands: calls | stats | bindings [AOR] | release CALL-ID [STATUS "
		           "[REASON]] | worker stop N\nok\n");
	} else if (!strcmp(cmd, "worker")) {
		fprintf(f, "error: one worker (--workers 1): nothing to stop but the proxy\n");
	} else if (!strcmp(cmd, "bindings")) {
		cli_ctl_bindings(sk_proxy_location(w->proxy), w->ph.clock,
		                 sk_stack_now(w->ph.stack), strtok_r(NULL, " \t", &save), f);
	} else if (!strcmp(cmd, "calls")) {
		struct list_out lo = {f, 0};
		sk_proxy_pending(w->proxy, list_one, &lo);
		fprintf(f, "pending %zu\nok\n", lo.n);
	} else if (!strcmp(cmd, "stats")) {
		struct sk_proxy_stats s = sk_proxy_stats(w->proxy);
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
		        (unsigned long long)sk_log_suppressed_total(&w->ph.log),
		        (unsigned long long)s.loops, (unsigned long long)s.breadth_440,
		        (unsigned long long)s.shed_503, (unsigned long long)s.dropped,
		        (unsigned long long)s.overloads, (int)sk_proxy_overloaded(w->proxy),
		        (unsigned long long)s.strays_dropped);
		fprintf(f,
		        "relay_denied %llu\nchallenges %llu\nauth_failed %llu\nauth_refused %llu\n"
		        "auth_blocked %llu\nusers %zu\n",
		        (unsigned long long)s.relay_denied, (unsigned long long)s.challenges,
		        (unsigned long long)s.auth_failed, (unsigned long long)s.auth_refused,
		        (unsigned long long)s.auth_blocked, sk_proxy_users(w->proxy));
		ctl_tcp_stats(w, f);
		ctl_dns_stats(w, f);
		fprintf(f, "ok\n");
	} else if (!strcmp(cmd, "release")) {
		char *id = strtok_r(NULL, " \t", &save), *st = strtok_r(NULL, " \t", &save);
		char *reason = save && *save ? save : NULL;
		unsigned long status = 480;
		if (!id || (st && (parse_uint(st, 699, &status) < 0 || status < 300))) {
			fprintf(f, "error: usage: release CALL-ID [STATUS 300-699 [REASON]]\n");
			return;
		}
		int rc = sk_proxy_release(w->proxy, id, (int)status, reason);
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
	sk_loop_io_del(pd->loop, &c->io);
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
		else if (pd->ws)
			proxy_workers_command(pd, c->buf, f);
		else
			proxy_worker_command(&pd->w[0], c->buf, f);
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
		if (sk_loop_io_add(pd->loop, &c->io, fd, SK_IO_READ, on_client, c) < 0) {
			free(c);
			close(fd);
			continue;
		}
		c->next = pd->clients;
		pd->clients = c;
	}
}

int proxy_ctl_open(struct proxyd *pd, const char *path)
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
	sk_loop_io_add(pd->loop, &pd->ctl_io, fd, SK_IO_READ, on_ctl_accept, pd);
	return 0;
}

void proxy_ctl_close(struct proxyd *pd)
{
	while (pd->clients)
		client_close(pd, pd->clients);
	if (pd->ctl_fd >= 0) {
		sk_loop_io_del(pd->loop, &pd->ctl_io);
		close(pd->ctl_fd);
		unlink(pd->ctl_path);
		pd->ctl_fd = -1;
	}
}