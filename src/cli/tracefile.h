/* SPDX-License-Identifier: BSD-3-Clause */
/* --trace FILE: the messages of a command written for `sipkit check` (internal). */
#ifndef SK_CLI_TRACEFILE_H
#define SK_CLI_TRACEFILE_H

#include <stdbool.h>

#include "sipkit/trace.h"
#include "sipkit/transport.h"

/* A pcap capture when path ends in .pcap, else a sipkit log; prints its error. */
int cli_trace_open(struct sk_trace_writer **w, const char *path, const char *prog);
/* A message as the transport tap saw it (out: sent), stamped with clock's wall time. */
void cli_trace_pkt(struct sk_trace_pkt *pkt, const struct sk_clock *clock, bool out,
                   const struct sk_flow *flow, const char *buf, size_t len);
/* One message as the transport tap saw it (out: sent), stamped with clock's wall time. */
void cli_trace_write(struct sk_trace_writer *w, const struct sk_clock *clock, bool out,
                     const struct sk_flow *flow, const char *buf, size_t len);

#endif
