/* SPDX-License-Identifier: BSD-3-Clause */
/* Log lines go to a callback of the stack's choosing; formatting is bounded, kinds rate-limited. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sipkit/core.h"

#define MILLI      1000u /* a line costs this many tokens: rates in lines/s are tokens/ms */
#define PROBES     4u    /* slots a kind may live in: the table stays O(1) per line */
#define KINDS_MAX  4096u
#define LINE_SIZE  512u
#define SUFFIX_MAX 96u

/* One kind's token bucket. */
struct slot {
	const char *fmt; /* the kind (with level); NULL: free */
	enum sk_log_level level;
	uint64_t tokens;     /* in thousandths of a line */
	uint64_t last_ms;    /* when tokens were last brought up to date */
	uint64_t suppressed; /* lines not written since the last one written */
	uint64_t since_ms;   /* when the first of them came */
};

struct budget {
	uint64_t cap;  /* burst * MILLI */
	uint64_t rate; /* tokens per ms = lines per second */
};

struct sk_log_limiter {
	const struct sk_timers *timers;
	struct budget budget[2]; /* [0]: warnings and below, [1]: SK_LOG_ERR */
	size_t mask;             /* slots - 1 (a power of two) */
	struct sk_log_limiter_stats st;
	struct slot shared; /* kinds that found no slot */
	struct slot slots[];
};

int sk_log_limiter_new(struct sk_log_limiter **out, const struct sk_log_limits *lim)
{
	*out = NULL;
	if (!lim || !lim->timers || lim->kinds > KINDS_MAX)
		return -SK_EINVAL;
	size_t n = 1;
	while (n < (lim->kinds ? lim->kinds : SK_LOG_KINDS))
		n <<= 1;
	struct sk_log_limiter *l = calloc(1, sizeof(*l) + n * sizeof(l->slots[0]));
	if (!l)
		return -SK_ENOMEM;
	l->timers = lim->timers;
	l->mask = n - 1;
	l->budget[0].cap = (uint64_t)(lim->burst ? lim->burst : SK_LOG_BURST) * MILLI;
	l->budget[0].rate = lim->rate ? lim->rate : SK_LOG_RATE;
	l->budget[1].cap = (uint64_t)(lim->err_burst ? lim->err_burst : SK_LOG_ERR_BURST) * MILLI;
	l->budget[1].rate = lim->err_rate ? lim->err_rate : SK_LOG_ERR_RATE;
	*out = l;
	return 0;
}

void sk_log_limiter_free(struct sk_log_limiter *l)
{
	free(l);
}

struct sk_log_limiter_stats sk_log_limiter_stats(const struct sk_log_limiter *l)
{
	return l ? l->st : (struct sk_log_limiter_stats){0};
}

uint64_t sk_log_suppressed_total(const struct sk_log *log)
{
	return log && log->limiter ? log->limiter->st.suppressed : 0;
}

static const struct budget *budget_of(const struct sk_log_limiter *l, enum sk_log_level level)
{
	return &l->budget[level == SK_LOG_ERR];
}

/* Brings s's tokens up to now (never past the burst); returns them. */
static uint64_t refill(struct slot *s, const struct budget *b, uint64_t now)
{
	uint64_t elapsed = now > s->last_ms ? now - s->last_ms : 0;
	if (now > s->last_ms)
		s->last_ms = now;
	if (s->tokens >= b->cap || elapsed > (b->cap - s->tokens) / b->rate)
		s->tokens = b->cap; /* also caps a bucket filled under the other level's budget */
	else
		s->tokens += elapsed * b->rate;
	return s->tokens;
}

static void slot_claim(struct slot *s, const struct budget *b, const char *fmt,
                       enum sk_log_level level, uint64_t now)
{
	*s = (struct slot){.fmt = fmt, .level = level, .tokens = b->cap, .last_ms = now};
}

/*
 * The slot of (fmt, level): one of PROBES slots from its hash, a free one of
 * them, or one whose bucket is full with nothing suppressed (a new kind starts
 * full, so reusing it forgets nothing); else the shared slot. The kind's key
 * is a pointer into the program, not something a peer chooses: no keyed hash.
 */
static struct slot *slot_find(struct sk_log_limiter *l, const char *fmt, enum sk_log_level level,
                              uint64_t now)
{
	uint64_t h = ((uint64_t)(uintptr_t)fmt ^ (uint64_t)level) * 0x9e3779b97f4a7c15u;
	size_t i = (size_t)(h >> 32), probes = l->mask + 1 < PROBES ? l->mask + 1 : PROBES;
	struct slot *spare = NULL;
	for (size_t k = 0; k < probes; k++) {
		struct slot *s = &l->slots[(i + k) & l->mask];
		if (s->fmt == fmt && s->level == level)
			return s;
		if (spare)
			continue;
		if (!s->fmt)
			spare = s;
		else if (!s->suppressed &&
		         refill(s, budget_of(l, s->level), now) >= budget_of(l, s->level)->cap)
			spare = s;
	}
	if (!spare)
		return &l->shared;
	if (!spare->fmt)
		l->st.kinds++;
	slot_claim(spare, budget_of(l, level), fmt, level, now);
	return spare;
}

/*
 * May a line of this kind be written now? When it may and lines of the kind
 * were suppressed before it, *held and *secs say how many over how long.
 */
static bool admit(struct sk_log_limiter *l, const char *fmt, enum sk_log_level level,
                  uint64_t *held, uint64_t *secs, bool *shared)
{
	uint64_t now = sk_timers_now(l->timers);
	struct slot *s = slot_find(l, fmt, level, now);
	const struct budget *b = budget_of(l, level);
	*shared = s == &l->shared;
	if (*shared)
		l->st.shared++;
	if (refill(s, b, now) < MILLI) {
		if (!s->suppressed++)
			s->since_ms = now;
		l->st.suppressed++;
		return false;
	}
	s->tokens -= MILLI;
	l->st.written++;
	*held = s->suppressed;
	*secs = (now - s->since_ms + 999) / 1000;
	if (*secs == 0)
		*secs = 1;
	s->suppressed = 0;
	return true;
}

void sk_logf(const struct sk_log *log, enum sk_log_level level, const char *fmt, ...)
{
	if (!log || !log->fn || level > log->max)
		return;
	uint64_t held = 0, secs = 0;
	bool shared = false;
	if (log->limiter && !admit(log->limiter, fmt, level, &held, &secs, &shared))
		return;
	char line[LINE_SIZE];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (held) {
		char sfx[SUFFIX_MAX];
		int m = snprintf(sfx, sizeof(sfx), " (%llu %s suppressed in the last %llu s)",
		                 (unsigned long long)held,
		                 shared ? "lines of other kinds" : "similar lines",
		                 (unsigned long long)secs);
		size_t len = n < 0 ? 0 : (size_t)n;
		/* a long line gives way to the count: the count is the point */
		if (len > sizeof(line) - 1 - (size_t)m)
			len = sizeof(line) - 1 - (size_t)m;
		memcpy(line + len, sfx, (size_t)m + 1);
	}
	log->fn(log->arg, level, line);
}
