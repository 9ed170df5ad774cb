/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit proxy --workers N (N > 1): N threads, each running the event loop of
 * a stack and proxy of its own on the same listening addresses
 * (SO_REUSEPORT), steered by sk_workers (src/proxy/workers.c,
 * docs/workers.md); the main thread serves the control socket, asking each
 * worker on its own thread (through its queue) and adding up the answers.
 */
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proxyd.h"

#define ASK_TIMEOUT_MS 2000 /* a worker that does not answer a command within this */
#define STOP_GRACE_MS  2000 /* a stopping worker's released calls finish within this */
#define STOP_CHECK_MS  50
#define MAX_STAT_KEYS  96
#define STOP_REASON    "SIP;cause=503;text=\"Worker stopped\""

/* ---- listening -------------------------------------------------------------- */

/* Worker w's own UDP port on the host of each UDP listener (before SO_REUSEPORT: a
 * port nobody shares), listened first: its requests leave from it, its Vias name it. */
static int listen_private(struct proxyd *pd, struct proxy_worker *w)
{
	for (int i = 0; i < pd->o.nlisten; i++) {
		struct sk_target t;
		if (sk_target_parse(&t, pd->o.listen[i]) < 0) {
			fprintf(stderr, "sipkit proxy: bad listen address '%s'\n", pd->o.listen[i]);
			return EXIT_USAGE;
		}
		if (t.proto != SK_PROTO_UDP)
			continue;
		sk_sa_set_port(&t.addr, 0);
		struct sk_sa bound;
		char host[64], a[64];
		sk_sa_host(&t.addr, host, sizeof(host));
		if (sk_tp_is_local(sk_stack_tp(w->ph.stack), sk_str_c(host), 0))
			continue; /* one per host */
		if (sk_stack_listen(w->ph.stack, &t, &bound) < 0) {
			fprintf(stderr, "sipkit proxy: worker %u: no UDP port of its own on %s\n",
			        w->idx, host);
			return EXIT_UNAVAILABLE;
		}
		sk_sa_print(&bound, a, sizeof(a));
		fprintf(stderr, "sipkit proxy: worker %u sends from udp:%s\n", w->idx, a);
	}
	return 0;
}

int proxy_workers_listen(struct proxyd *pd, uint16_t *first_port)
{
	int rc;
	for (unsigned k = 0; k < pd->nworkers; k++) {
		if ((rc = listen_private(pd, &pd->w[k])) != 0)
			return rc;
		sk_net_os_set_reuseport(pd->w[k].ph.net, true);
	}
	for (int i = 0; i < pd->o.nlisten; i++) {
		struct sk_sa bound;
		char spec[80], a[64];
		/* worker 0 first: a port 0 becomes the kernel's choice, which the others share */
		if ((rc = phone_listen(&pd->w[0].ph, pd->o.listen[i], &bound)) != 0)
			return rc;
		sk_sa_print(&bound, a, sizeof(a));
		snprintf(spec, sizeof(spec), "%.*s:%s", (int)strcspn(pd->o.listen[i], ":"),
		         pd->o.listen[i], a);
		for (unsigned k = 1; k < pd->nworkers; k++)
			if ((rc = phone_listen(&pd->w[k].ph, spec, NULL)) != 0)
				return rc;
		if (!strncmp(spec, "udp", 3) && sk_workers_share(pd->ws, &bound) < 0)
			return EXIT_USAGE;
		fprintf(stderr, "sipkit proxy: listening on %s (%u workers)\n", spec, pd->nworkers);
		if (i == 0)
			*first_port = sk_sa_port(&bound);
	}
	for (unsigned k = 0; k < pd->nworkers; k++)
		if (sk_workers_attach(pd->ws, k, sk_stack_tp(pd->w[k].ph.stack), pd->w[k].ph.loop) <
		    0)
			return 1;
	return 0;
}

/* ---- a worker's life ---------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct proxy_worker *w = arg;
	phone_run(&w->ph, &w->done, w->pd->o.duration_ms);
	/* nothing is handed to it any more, then its sockets close: the kernel spreads
	 * their datagrams and connections over the workers left */
	sk_workers_stop(w->pd->ws, w->idx);
	proxy_worker_free(w);
	return NULL;
}

static void set_done(void *arg)
{
	struct proxy_worker *w = arg;
	w->done = true;
}

static void stop_check(void *arg)
{
	struct proxy_worker *w = arg;
	if (!sk_txl_awaiting_peer(sk_stack_txl(w->ph.stack)) ||
	    phone_now(&w->ph) >= w->stop_deadline) {
		w->done = true;
		return;
	}
	sk_timer_start(sk_loop_timers(w->ph.loop), &w->stop_check, STOP_CHECK_MS);
}

struct id_list {
	char **ids;
	size_t n, cap;
};

static void collect_id(void *arg, const struct sk_proxy_call_info *c)
{
	struct id_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return;
		l->ids = ids;
		l->cap = cap;
	}
	if ((l->ids[l->n] = strdup(c->call_id)) != NULL)
		l->n++;
}

/*
 * `worker stop N`, on worker N's thread: new requests are answered 503, every
 * pending call is released (503 to the caller, CANCEL with a Reason to its
 * branches), and once nothing waits for a peer (or STOP_GRACE_MS later) the
 * loop ends.
 */
void proxy_worker_begin_stop(void *arg)
{
	struct proxy_worker *w = arg;
	struct id_list l = {0};
	if (w->stopping || w->done)
		return;
	w->stopping = true;
	sk_proxy_drain(w->proxy);
	sk_proxy_pending(w->proxy, collect_id, &l);
	for (size_t i = 0; i < l.n; i++) {
		(void)sk_proxy_release(w->proxy, l.ids[i], 503, STOP_REASON);
		free(l.ids[i]);
	}
	free(l.ids);
	fprintf(stderr, "sipkit proxy: worker %u stopping: %zu pending calls released\n", w->idx,
	        l.n);
	w->stop_deadline = phone_now(&w->ph) + STOP_GRACE_MS;
	sk_timer_init(&w->stop_check, stop_check, w);
	sk_timer_start(sk_loop_timers(w->ph.loop), &w->stop_check, STOP_CHECK_MS);
}

/* The main thread serves the control socket while a worker still runs. */
static bool any_worker_running(void *arg)
{
	const struct proxyd *pd = arg;
	if (phone_stopped())
		return false;
	for (unsigned k = 0; k < pd->nworkers; k++)
		if (!sk_workers_stats(pd->ws, k).stopped)
			return true;
	return false;
}

void proxy_workers_run(struct proxyd *pd)
{
	for (unsigned k = 0; k < pd->nworkers; k++)
		pd->w[k].started =
		    pthread_create(&pd->w[k].thread, NULL, worker_main, &pd->w[k]) == 0;
	sk_loop_run_while(pd->loop, any_worker_running, pd, pd->o.duration_ms, 200);
	for (unsigned k = 0; k < pd->nworkers; k++) {
		if (!pd->w[k].started)
			continue;
		(void)sk_workers_call(pd->ws, k, set_done, &pd->w[k]); /* stopped: ended already */
		pthread_join(pd->w[k].thread, NULL);
		pd->w[k].started = false;
	}
}

/* ---- the control socket: one command asked of each worker ------------------------- */

struct ctl_job {
	atomic_int refs; /* the asker and the worker */
	atomic_bool done;
	int efd;
	struct proxy_worker *w;
	char line[CTL_LINE_MAX];
	char *out;
	size_t outlen;
};

static void job_put(struct ctl_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	close(j->efd);
	free(j->out);
	free(j);
}

static void job_run(void *arg)
{
	struct ctl_job *j = arg;
	FILE *f = open_memstream(&j->out, &j->outlen);
	if (f) {
		proxy_worker_command(j->w, j->line, f);
		fclose(f);
	}
	atomic_store(&j->done, true);
	uint64_t one = 1;
	ssize_t n = write(j->efd, &one, sizeof(one));
	(void)n;
	job_put(j);
}

/* The answer of worker k to line (malloc'd), or NULL: stopped, or silent for
 * ASK_TIMEOUT_MS (the job then frees itself whenever the worker gets to it). */
static char *ask(struct proxyd *pd, unsigned k, const char *line)
{
	struct ctl_job *j = calloc(1, sizeof(*j));
	char *answer = NULL;
	if (!j)
		return NULL;
	j->efd = eventfd(0, EFD_CLOEXEC);
	if (j->efd < 0) {
		free(j);
		return NULL;
	}
	atomic_init(&j->refs, 2);
	atomic_init(&j->done, false);
	j->w = &pd->w[k];
	snprintf(j->line, sizeof(j->line), "%s", line);
	if (sk_workers_call(pd->ws, k, job_run, j) < 0) {
		atomic_store(&j->refs, 1);
		job_put(j);
		return NULL;
	}
	struct pollfd p = {.fd = j->efd, .events = POLLIN};
	(void)poll(&p, 1, ASK_TIMEOUT_MS);
	if (atomic_load(&j->done)) {
		answer = j->out;
		j->out = NULL;
	}
	job_put(j);
	return answer;
}

struct stat_sum {
	char key[MAX_STAT_KEYS][32];
	unsigned long long val[MAX_STAT_KEYS];
	size_t n;
};

/* The same in every worker (or a flag): the largest, not the sum. */
static bool stat_is_max(const char *key)
{
	return !strcmp(key, "users") || !strcmp(key, "overloaded") || !strcmp(key, "bindings");
}

static unsigned long long stat_of(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
	return 0;
}

static void stat_add(struct stat_sum *s, const char *text)
{
	char key[32];
	unsigned long long v;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (sscanf(p, "%31s %llu", key, &v) != 2)
			continue;
		size_t i = 0;
		while (i < s->n && strcmp(s->key[i], key))
			i++;
		if (i == s->n) {
			if (s->n == MAX_STAT_KEYS)
				continue;
			snprintf(s->key[s->n++], sizeof(s->key[0]), "%s", key);
			s->val[i] = 0;
		}
		s->val[i] = stat_is_max(key) ? (v > s->val[i] ? v : s->val[i]) : s->val[i] + v;
	}
}

static void stats_all(struct proxyd *pd, FILE *f)
{
	struct stat_sum sum = {.n = 0};
	char *ans[SK_WORKERS_MAX];
	struct sk_workers_stats ws[SK_WORKERS_MAX];
	struct sk_workers_stats tot = {0};
	unsigned running = 0;
	for (unsigned k = 0; k < pd->nworkers; k++) {
		ans[k] = ask(pd, k, "stats");
		if (ans[k])
			stat_add(&sum, ans[k]);
		ws[k] = sk_workers_stats(pd->ws, k);
		running += !ws[k].stopped;
		tot.handed_out += ws[k].handed_out;
		tot.handed_in += ws[k].handed_in;
		tot.refused_503 += ws[k].refused_503;
		tot.dropped += ws[k].dropped;
		tot.queued += ws[k].queued;
		tot.sent_across += ws[k].sent_across;
		tot.sent_across_gone += ws[k].sent_across_gone;
		tot.sent_across_refused += ws[k].sent_across_refused;
	}
	uint64_t held;
	for (size_t i = 0; i < sum.n; i++) {
		if (!strcmp(sum.key[i], "bindings") && pd->have_shared &&
		    sk_location_memory_held(&pd->shared, &held, NULL))
			sum.val[i] = held;
		fprintf(f, "%s %llu\n", sum.key[i], sum.val[i]);
	}
	fprintf(f,
	        "workers %u\nworkers_running %u\nhanded_out %llu\nhanded_in %llu\n"
	        "handoff_503 %llu\nhandoff_dropped %llu\nhandoff_queued %zu\n"
	        "sent_across %llu\nsent_across_gone %llu\nsent_across_refused %llu\n",
	        pd->nworkers, running, (unsigned long long)tot.handed_out,
	        (unsigned long long)tot.handed_in, (unsigned long long)tot.refused_503,
	        (unsigned long long)tot.dropped, tot.queued, (unsigned long long)tot.sent_across,
	        (unsigned long long)tot.sent_across_gone,
	        (unsigned long long)tot.sent_across_refused);
	for (unsigned k = 0; k < pd->nworkers; k++) {
		fprintf(f,
		        "worker %u %s calls %llu cancelled %llu contexts %llu sent_481 %llu "
		        "shed_503 %llu handed_out %llu handed_in %llu handoff_503 %llu "
		        "handoff_dropped %llu queued %zu sent_across %llu\n",
		        k,
		        ws[k].stopped ? "stopped"
		        : ans[k]      ? "running"
		                      : "silent",
		        stat_of(ans[k], "calls"), stat_of(ans[k], "cancelled"),
		        stat_of(ans[k], "contexts"), stat_of(ans[k], "sent_481"),
		        stat_of(ans[k], "shed_503"), (unsigned long long)ws[k].handed_out,
		        (unsigned long long)ws[k].handed_in, (unsigned long long)ws[k].refused_503,
		        (unsigned long long)ws[k].dropped, ws[k].queued,
		        (unsigned long long)ws[k].sent_across);
		free(ans[k]);
	}
	fprintf(f, "ok\n");
}

static void calls_all(struct proxyd *pd, FILE *f)
{
	unsigned long long pending = 0;
	for (unsigned k = 0; k < pd->nworkers; k++) {
		char *a = ask(pd, k, "calls");
		for (const char *p = a; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			const char *nl = strchr(p, '\n');
			if (!strncmp(p, "call ", 5))
				fprintf(f, "%.*s worker %u\n", (int)(nl ? nl - p : (long)strlen(p)),
				        p, k);
		}
		pending += stat_of(a, "pending");
		free(a);
	}
	fprintf(f, "pending %llu\nok\n", pending);
}

static void worker_stop(struct proxyd *pd, const char *arg, FILE *f)
{
	unsigned long k;
	if (!arg || parse_uint(arg, pd->nworkers - 1, &k) < 0) {
		fprintf(f, "error: usage: worker stop N (0-%u)\n", pd->nworkers - 1);
		return;
	}
	if (sk_workers_call(pd->ws, (unsigned)k, proxy_worker_begin_stop, &pd->w[k]) < 0) {
		fprintf(f, "error: worker %lu has stopped already\n", k);
		return;
	}
	fprintf(f,
	        "stopping worker %lu: its pending calls released with 503, new calls of its "
	        "Call-IDs answered 503\nok\n",
	        k);
}

void proxy_workers_command(struct proxyd *pd, char *line, FILE *f)
{
	char copy[CTL_LINE_MAX], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", line);
	char *cmd = strtok_r(copy, " \t", &save), *arg = strtok_r(NULL, " \t", &save);
	if (cmd && !strcmp(cmd, "stats")) {
		stats_all(pd, f);
	} else if (cmd && !strcmp(cmd, "calls")) {
		calls_all(pd, f);
	} else if (cmd && !strcmp(cmd, "worker")) {
		if (!arg || strcmp(arg, "stop"))
			fprintf(f, "error: usage: worker stop N\n");
		else
			worker_stop(pd, strtok_r(NULL, " \t", &save), f);
	} else if (cmd && (!strcmp(cmd, "release") || !strcmp(cmd, "bindings"))) {
		/* a call lives in the worker its Call-ID hashes to; the bindings are shared */
		unsigned k = 0;
		if (!strcmp(cmd, "release") && arg)
			k = sk_workers_owner_of(pd->ws, sk_str_c(arg));
		while (!strcmp(cmd, "bindings") && k + 1 < pd->nworkers &&
		       sk_workers_stats(pd->ws, k).stopped)
			k++;
		char *a = ask(pd, k, line);
		if (a)
			fputs(a, f);
		else
			fprintf(f, "error: worker %u (of this %s) has stopped\n", k,
			        !strcmp(cmd, "release") ? "Call-ID" : "command");
		free(a);
	} else {
		proxy_worker_command(&pd->w[0], line, f); /* help, and the usage errors */
	}
}
