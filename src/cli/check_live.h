/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit check on live input (check_live.c), run by cmd_check (check.c). */
#ifndef SK_CLI_CHECK_LIVE_H
#define SK_CLI_CHECK_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "sipkit/trace.h"

struct check_live {
	const char *hep;    /* --hep udp:HOST:PORT */
	const char *iface;  /* --live IFACE */
	const char *filter; /* --filter BPF */
	const struct sk_trace_reader_config *reader;
	struct sk_clock *clock;              /* real: the tick and the counter line */
	bool counter;                        /* a counter line on stderr (a terminal) */
	uint64_t *msgs;                      /* messages read, counted here */
	struct sk_trace_reader_stats *stats; /* what the input counted, at the end */
	const char *name;                    /* set by check_live_run while it runs */
};

/*
 * Reads the live input into chk until SIGINT or SIGTERM, then ends it (the
 * caller finishes the checker and prints the summary). 0, or 2 when the
 * input could not be opened or failed.
 */
int check_live_run(struct check_live *o, struct sk_trace_checker *chk);

#endif
