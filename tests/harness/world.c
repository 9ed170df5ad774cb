/* SPDX-License-Identifier: BSD-3-Clause */
/* The simnet world of the harnesses: clock, timers, simnet, packet rules, timed actions. */
#include "world.h"

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

void hw_world_init(struct hw_world *w, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(sk_clock_new_virtual(&w->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&w->timers, w->clock), 0);
	assert_int_equal(sk_simnet_new(&w->sn, w->timers, seed), 0);
	w->log = (struct sk_log){.fn = log_line, .max = SK_LOG_DEBUG};
	w->t0 = sk_clock_now(w->clock);
}

void hw_world_free(struct hw_world *w)
{
	sk_simnet_free(w->sn);
	sk_timers_free(w->timers);
	sk_clock_free(w->clock);
}

uint64_t hw_now(const struct hw_world *w)
{
	return sk_clock_now(w->clock) - w->t0;
}

void hw_run(struct hw_world *w, uint64_t ms)
{
	sk_timers_advance(w->timers, ms);
}

void hw_node_addr(struct sk_sa *addr, int i)
{
	char host[32];
	snprintf(host, sizeof(host), "10.0.0.%d", i + 1);
	assert_int_equal(sk_sa_from_host(addr, sk_str_c(host), 5060), 0);
}

uint64_t hw_node_seed(uint64_t seed, int i)
{
	return seed * 31 + (uint64_t)i + 1;
}

void hw_vevent(char *events, size_t size, const char *fmt, va_list ap)
{
	size_t used = strlen(events);
	if (used + 2 < size) {
		vsnprintf(events + used, size - used - 1, fmt, ap);
		strcat(events, " ");
	}
}

void hw_event(char *events, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hw_vevent(events, size, fmt, ap);
	va_end(ap);
}

bool hw_cseq_is(const char *data, size_t len, const char *method)
{
	const char *end = data + len;
	for (const char *p = data; p + 6 < end; p++) {
		if ((p == data || p[-1] == '\n') && !strncasecmp(p, "CSeq:", 5)) {
			const char *q = p + 5;
			while (q < end && (*q == ' ' || (*q >= '0' && *q <= '9')))
				q++;
			size_t ml = strlen(method);
			return (size_t)(end - q) > ml && !memcmp(q, method, ml) &&
			       (q[ml] == '\r' || q[ml] == '\n');
		}
	}
	return false;
}

bool hw_matches(const char *data, size_t len, const char *start, const char *cseq)
{
	size_t sl = strlen(start);
	return len >= sl && !memcmp(data, start, sl) && (!cseq || hw_cseq_is(data, len, cseq));
}

void hw_rules_filter(void *arg, struct sk_simnet_packet *p)
{
	struct hw_rules *rs = arg;
	for (int i = 0; i < rs->n; i++) {
		struct hw_rule *r = &rs->r[i];
		if (!hw_matches(p->data, p->len, r->start, r->cseq))
			continue;
		if (r->from >= 0) {
			struct sk_sa from;
			hw_node_addr(&from, r->from);
			if (!sk_sa_same_host(&p->from, &from))
				continue;
		}
		if (r->seen < 128)
			r->times[r->seen] = hw_now(rs->w);
		r->seen++;
		if (r->drop_nth == -1 || r->drop_nth == r->seen)
			p->drop = true;
		if (!r->delay_nth || r->delay_nth == r->seen)
			p->delay_ms += r->delay;
	}
}

void hw_rules_install(struct hw_world *w, struct hw_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->w = w;
	sk_simnet_set_filter(w->sn, hw_rules_filter, rs);
}

struct hw_rule *hw_rule_add(struct hw_rules *rs, const char *start, const char *cseq, int from)
{
	assert_true(rs->n < HW_MAX_RULES);
	struct hw_rule *r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->cseq = cseq;
	r->from = from;
	return r;
}

void hw_at(struct hw_world *w, uint64_t ms, void (*fn)(void *), void *arg)
{
	assert_true(w->nacts < HW_MAX_ACTS);
	struct sk_timer *t = &w->acts[w->nacts++];
	sk_timer_init(t, fn, arg);
	assert_int_equal(sk_timer_start(w->timers, t, ms), 0);
}

void hw_acts_stop(struct hw_world *w)
{
	for (int i = 0; i < w->nacts; i++)
		sk_timer_stop(w->timers, &w->acts[i]);
}
