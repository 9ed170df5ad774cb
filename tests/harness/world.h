/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simnet world every harness builds on: one virtual clock, its timers and
 * a simnet; node i lives at 10.0.0.<i+1>:5060. Also what the harnesses share
 * around it: event strings, packet rules (targeted loss, delay and timing)
 * and timed test actions. tests/harness/world.c.
 */
#ifndef SK_HARNESS_WORLD_H
#define SK_HARNESS_WORLD_H

#include "sk_test.h"

#include "sipkit/transport.h"

#define HW_MAX_RULES 8
#define HW_MAX_ACTS  16

/* Packets whose first line starts with `start` (and CSeq method `cseq`, when set). */
struct hw_rule {
	const char *start;
	const char *cseq;
	int from;       /* node index, -1 any */
	int drop_nth;   /* drop the nth match (1-based); -1 every match; 0 none */
	uint32_t delay; /* extra one-way delay, ms */
	int delay_nth;  /* 0: every match is delayed, else only the nth */
	int seen;
	uint64_t times[128]; /* when each match was sent (hw_now) */
};

struct hw_rules {
	struct hw_world *w;
	struct hw_rule r[HW_MAX_RULES];
	int n;
};

struct hw_world {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_log log; /* to stderr with SK_TEST_LOG set */
	uint64_t t0;
	struct sk_timer acts[HW_MAX_ACTS]; /* hw_at */
	int nacts;
};

void hw_world_init(struct hw_world *w, uint64_t seed);
void hw_world_free(struct hw_world *w);
/* Virtual time in ms since hw_world_init. */
uint64_t hw_now(const struct hw_world *w);
/* Runs virtual time forward by ms, firing everything due on the way. */
void hw_run(struct hw_world *w, uint64_t ms);

/* Node i's address, 10.0.0.<i+1>:5060, and the seed of its stack. */
void hw_node_addr(struct sk_sa *addr, int i);
uint64_t hw_node_seed(uint64_t seed, int i);

/* Appends an event and a space to a node's event string ("INVITE 180 CANCEL ..."). */
void hw_event(char *events, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hw_vevent(char *events, size_t size, const char *fmt, va_list ap);

/* Does a message start with `start` (and have CSeq method `cseq`, when set)? */
bool hw_cseq_is(const char *data, size_t len, const char *method);
bool hw_matches(const char *data, size_t len, const char *start, const char *cseq);

/* Packet rules on the world's simnet (its filter). */
void hw_rules_install(struct hw_world *w, struct hw_rules *rs);
struct hw_rule *hw_rule_add(struct hw_rules *rs, const char *start, const char *cseq, int from);
/* The rules' filter, for a harness that chains it with its own. */
void hw_rules_filter(void *arg, struct sk_simnet_packet *p);

/* Runs fn(arg) ms from now (virtual time); hw_acts_stop cancels every one not yet run. */
void hw_at(struct hw_world *w, uint64_t ms, void (*fn)(void *), void *arg);
void hw_acts_stop(struct hw_world *w);

#endif
