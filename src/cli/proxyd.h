/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit proxy's parts (internal): its options (proxy.c), its control socket
 * (proxy_ctl.c) and its workers, N proxies on N threads (proxy_workers.c).
 */
#ifndef SK_CLI_PROXYD_H
#define SK_CLI_PROXYD_H

#include <pthread.h>
#include <signal.h>

#include "cli.h"
#include "eventlog.h"
#include "phone.h"
#include "sipkit/proxy.h"

#define MAX_LISTEN 8
#define MAX_ROUTES 64

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
	unsigned long workers;                    /* --workers N, 0: one per core */
	unsigned long t1;                         /* --t1 MS, 0: 500 */
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

/* One event loop with its own stack and proxy; the only one with --workers 1. */
struct proxy_worker {
	struct proxyd *pd;
	unsigned idx;
	struct phone ph;
	struct sk_proxy *proxy;
	struct sk_timer reload_check, stop_check;
	struct sk_loop_hook log_flush;   /* a pass that leaves log lines unwritten... */
	struct sk_timer log_flush_timer; /* ...has them written LOG_FLUSH_MS later */
	bool reloading, stopping;
	sig_atomic_t reload_seen; /* the SIGHUP generation last applied */
	uint64_t stop_deadline;
	bool done;        /* its loop ends (set on its own thread) */
	pthread_t thread; /* --workers 2 and more */
	bool started;
	bool freed;                  /* its stack and proxy are gone (a stopped worker) */
	struct sk_proxy_stats final; /* its counters when it ended, read after the join */
	uint64_t final_suppressed;
};

struct proxyd {
	struct proxy_opts o;
	struct proxy_worker *w;
	unsigned nworkers;
	struct sk_workers *ws; /* NULL with one worker */
	/* the workers' one key of what our Record-Route carries (sk_proxy_config
	 * dialog_key): a flow token or dialog mark one worker wrote, another reads */
	struct sk_hash_key key;
	struct sk_location shared; /* a handle on the workers' shared in-memory store */
	bool have_shared;
	/* shared by the workers (NULL with one): the Redis stores' breaker, and the failed
	 * authentications per source */
	struct sk_redis_breaker *breaker;
	struct sk_proxy_auth_fails *auth_fails;
	struct sk_clock *clock;        /* the control socket's loop: worker 0's with one worker, */
	struct sk_loop *loop;          /* the main thread's own otherwise */
	struct sk_trace_writer *trace; /* --trace with several workers: one capture */
	pthread_mutex_t trace_lock;
	bool trace_lock_made;
	int ctl_fd;
	struct sk_io ctl_io;
	struct ctl_client *clients;
	char ctl_path[108];
	bool done;
};

extern volatile sig_atomic_t proxy_reload_gen; /* SIGHUP: read the users file again */

/* proxy.c: frees a worker's proxy and stack (its sockets close); once, on any thread. */
void proxy_worker_free(struct proxy_worker *w);

/* proxy_ctl.c: the control socket on pd->loop */
int proxy_ctl_open(struct proxyd *pd, const char *path);
void proxy_ctl_close(struct proxyd *pd);
/* One command on one worker's proxy, on its thread: the answer ends "ok" or "error: ...". */
void proxy_worker_command(struct proxy_worker *w, char *line, FILE *f);

/* proxy_workers.c: several workers */
/* Listens on every -l address in every worker (private UDP ports first); 0 or an exit
 * status after a message. first_port: the first listener's. */
int proxy_workers_listen(struct proxyd *pd, uint16_t *first_port);
/* Runs the workers' threads and the control socket until done, a signal or --duration. */
void proxy_workers_run(struct proxyd *pd);
/* A command on the control socket with several workers: aggregated. */
void proxy_workers_command(struct proxyd *pd, char *line, FILE *f);
/* Starts stopping worker w on its own thread (its pending calls released). */
void proxy_worker_begin_stop(void *arg);
/* The SIGHUP check of a worker (its loop's timer). */
void proxy_worker_reload_check(void *arg);

#endif
