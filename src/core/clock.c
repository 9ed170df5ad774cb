/* SPDX-License-Identifier: BSD-3-Clause */
/* Clocks: the real monotonic clock and a virtual one that tests move. */
#include <stdlib.h>
#include <time.h>

#include "sipkit/core.h"

struct sk_clock {
	bool is_virtual;
	uint64_t now_ms; /* virtual time */
};

int sk_clock_new_real(struct sk_clock **out)
{
	if (!out)
		return -SK_EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -SK_ENOMEM;
}

int sk_clock_new_virtual(struct sk_clock **out, uint64_t start_ms)
{
	if (!out)
		return -SK_EINVAL;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -SK_ENOMEM;
	(*out)->is_virtual = true;
	(*out)->now_ms = start_ms;
	return 0;
}

void sk_clock_free(struct sk_clock *c)
{
	free(c);
}

uint64_t sk_clock_now(const struct sk_clock *c)
{
	struct timespec ts;

	if (c->is_virtual)
		return c->now_ms;
	/* with sk_clock_wall_us, the one place that reads the OS clock */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t sk_clock_wall_us(const struct sk_clock *c)
{
	struct timespec ts;

	if (c->is_virtual)
		return (int64_t)c->now_ms * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool sk_clock_is_virtual(const struct sk_clock *c)
{
	return c->is_virtual;
}

int sk_clock_set(struct sk_clock *c, uint64_t ms)
{
	if (!c || !c->is_virtual || ms < c->now_ms)
		return -SK_EINVAL;
	c->now_ms = ms;
	return 0;
}
