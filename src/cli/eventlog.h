/* SPDX-License-Identifier: BSD-3-Clause */
/* The proxy's log of calls and registrations, one line per event (eventlog.c). */
#ifndef SK_CLI_EVENTLOG_H
#define SK_CLI_EVENTLOG_H

#include <stdio.h>

#include "sipkit/proxy.h"

enum eventlog_format { EVENTLOG_LOGFMT, EVENTLOG_JSON };

/* One line for ev on f, not flushed: the caller flushes (once per loop pass). */
void eventlog_write(FILE *f, enum eventlog_format fmt, const struct sk_proxy_event *ev);

#endif
