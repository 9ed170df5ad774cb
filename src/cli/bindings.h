/* SPDX-License-Identifier: BSD-3-Clause */
/* The proxy's location store in the CLI: --location, ctl bindings (internal). */
#ifndef SK_CLI_BINDINGS_H
#define SK_CLI_BINDINGS_H

#include "cli.h"
#include "sipkit/proxy.h"

/* The answer to `bindings [AOR]` on the control socket, ending "ok" or "error: ...". */
void cli_ctl_bindings(const struct sk_location *loc, const struct sk_clock *clock, uint64_t now,
                      const char *aor, FILE *f);
/* The store --location names ("memory": ops NULL, the proxy's default; "redis://..."):
 * 0, or EXIT_USAGE with the reason on stderr. A Redis that does not answer yet is
 * only a warning (said when say): the proxy reconnects by itself. The workers' Redis
 * stores share breaker (NULL: each its own). */
int cli_location_open(struct sk_location *loc, const char *spec, const struct sk_clock *clock,
                      const struct sk_log *log, struct sk_redis_breaker *breaker, bool say);

#endif
