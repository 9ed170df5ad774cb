/* SPDX-License-Identifier: BSD-3-Clause */
/* The event loop: epoll for descriptors, the timer heap for time. One thread per loop. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sipkit/core.h"

#define MAX_EVENTS 64
/*
 * Timers fired in one pass at most: a mass expiry (Timer C of every call set
 * up in the same second, Timer D of a burst of finals) is spread over passes,
 * with the sockets read in between, instead of holding the loop for all of it.
 */
#define TIMERS_PER_PASS 1024

struct sk_loop {
	int epfd;
	struct sk_clock *clock;
	struct sk_timers *timers;
	/* watchers deleted during a dispatch: their pending events must not run */
	struct sk_io *deleted[MAX_EVENTS];
	size_t ndeleted;
	bool deleted_overflow; /* more deletions than remembered: end the pass early */
	bool dispatching;
	struct sk_loop_hook *hooks;
};

int sk_loop_new(struct sk_loop **out, struct sk_clock *clock)
{
	struct sk_loop *loop;
	int rc;

	if (!out || !clock)
		return -SK_EINVAL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -SK_ENOMEM;
	loop->clock = clock;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		rc = -errno;
		free(loop);
		return rc;
	}
	rc = sk_timers_new(&loop->timers, clock);
	if (rc < 0) {
		close(loop->epfd);
		free(loop);
		return rc;
	}
	*out = loop;
	return 0;
}

void sk_loop_free(struct sk_loop *loop)
{
	if (!loop)
		return;
	sk_timers_free(loop->timers);
	close(loop->epfd);
	free(loop);
}

struct sk_timers *sk_loop_timers(struct sk_loop *loop)
{
	return loop->timers;
}

static uint32_t to_epoll(unsigned events)
{
	return (events & SK_IO_READ ? EPOLLIN : 0u) | (events & SK_IO_WRITE ? EPOLLOUT : 0u);
}

int sk_loop_io_add(struct sk_loop *loop, struct sk_io *io, int fd, unsigned events, sk_io_fn fn,
                   void *arg)
{
	struct epoll_event ev = {.events = to_epoll(events), .data.ptr = io};

	if (!loop || !io || fd < 0 || !fn || io->active)
		return -SK_EINVAL;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*io = (struct sk_io){.fd = fd, .events = events, .fn = fn, .arg = arg, .active = true};
	return 0;
}

int sk_loop_io_mod(struct sk_loop *loop, struct sk_io *io, unsigned events)
{
	struct epoll_event ev = {.events = to_epoll(events), .data.ptr = io};

	if (!io->active)
		return -SK_EINVAL;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

void sk_loop_io_del(struct sk_loop *loop, struct sk_io *io)
{
	if (!io->active)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->active = false;
	if (loop->dispatching) {
		if (loop->ndeleted < MAX_EVENTS)
			loop->deleted[loop->ndeleted++] = io;
		else
			loop->deleted_overflow = true;
	}
}

int sk_loop_hook_add(struct sk_loop *loop, struct sk_loop_hook *h, sk_loop_hook_fn fn, void *arg)
{
	if (!loop || !h || !fn || h->active)
		return -SK_EINVAL;
	*h = (struct sk_loop_hook){.fn = fn, .arg = arg, .next = loop->hooks, .active = true};
	loop->hooks = h;
	return 0;
}

void sk_loop_hook_del(struct sk_loop *loop, struct sk_loop_hook *h)
{
	if (!loop || !h || !h->active)
		return;
	for (struct sk_loop_hook **pp = &loop->hooks; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	h->active = false;
}

static void run_hooks(struct sk_loop *loop)
{
	for (struct sk_loop_hook *h = loop->hooks, *next; h; h = next) {
		next = h->next; /* h may delete itself */
		h->fn(h->arg);
	}
}

static bool deleted_now(const struct sk_loop *loop, const struct sk_io *io)
{
	for (size_t i = 0; i < loop->ndeleted; i++)
		if (loop->deleted[i] == io)
			return true;
	return false;
}

int sk_loop_run_once(struct sk_loop *loop, int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t next;
	int n, ran = 0;

	/* the clock is read here and after the wait, and nowhere else in a pass */
	sk_timers_update_time(loop->timers);
	run_hooks(loop); /* what was queued since the last pass, before sleeping */
	next = sk_timers_wake_in(loop->timers);

	if (sk_clock_is_virtual(loop->clock))
		timeout_ms = 0; /* virtual time: the test decides when time passes */
	else if (next >= 0 && (timeout_ms < 0 || next < timeout_ms))
		timeout_ms = next > 60000 ? 60000 : (int)next;
	n = epoll_wait(loop->epfd, evs, MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	sk_timers_update_time(loop->timers); /* the wait took time */
	loop->dispatching = true;
	loop->ndeleted = 0;
	loop->deleted_overflow = false;
	/* level-triggered: events left undispatched are reported again next pass */
	for (int i = 0; i < n && !loop->deleted_overflow; i++) {
		struct sk_io *io = evs[i].data.ptr;
		unsigned ready = (evs[i].events & EPOLLIN ? SK_IO_READ : 0u) |
		                 (evs[i].events & EPOLLOUT ? SK_IO_WRITE : 0u) |
		                 (evs[i].events & (EPOLLERR | EPOLLHUP) ? SK_IO_ERROR : 0u);
		/* a watcher removed by an earlier callback of this pass is skipped: its
		 * memory may already be reused (it is compared, never dereferenced) */
		if (deleted_now(loop, io) || !io->active)
			continue;
		io->fn(io->arg, ready);
		ran++;
	}
	loop->dispatching = false;
	ran += (int)sk_timers_run_max(loop->timers, TIMERS_PER_PASS);
	run_hooks(loop);
	return ran;
}

void sk_loop_run_while(struct sk_loop *loop, bool (*keep)(void *arg), void *arg, uint64_t max_ms,
                       int poll_ms)
{
	uint64_t end = max_ms ? sk_clock_now(loop->clock) + max_ms : 0;
	while (keep(arg)) {
		int wait = poll_ms;
		if (end) {
			uint64_t now = sk_clock_now(loop->clock);
			if (now >= end)
				break;
			if (end - now < (uint64_t)wait)
				wait = (int)(end - now);
		}
		/* no clamp to the next deadline here: sk_loop_run_once takes its own,
		 * with the lane slack (sk_timers_wake_in) */
		(void)sk_loop_run_once(loop, wait);
	}
}
