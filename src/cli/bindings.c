/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's location store for people: `sipkit ctl bindings [AOR]` lists
 * bindings (contact, seconds left, q, where the REGISTER came from and over
 * what, its Call-ID and CSeq), and `--location` makes the store the proxy
 * starts with (in memory, or Redis).
 */
#include <ctype.h>
#include <string.h>

#include "bindings.h"

#define BINDINGS_STEP 100  /* bindings a step of the walk asks for */
#define BINDINGS_MAX  1000 /* bindings listed at most */
#define BINDINGS_MS   1000 /* and for at most this long (ms), then "truncated" */

struct bindings_out {
	FILE *f;
	uint64_t now;
	size_t n;
};

/* "0.5" for 500, "1" for 1000 (§20.10). */
static void print_q(FILE *f, uint16_t q)
{
	if (q >= 1000) {
		fputs("1", f);
		return;
	}
	char d[8];
	snprintf(d, sizeof(d), "%03u", (unsigned)q);
	size_t n = 3;
	while (n > 0 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	fprintf(f, n ? "0.%s" : "0", d);
}

static void print_binding(void *arg, const char *aor, const struct sk_binding *b)
{
	struct bindings_out *o = arg;
	if (o->n++ >= BINDINGS_MAX)
		return;
	uint64_t left = b->expires_at > o->now ? (b->expires_at - o->now + 999) / 1000 : 0;
	fprintf(o->f, "binding %s contact %s expires %llu q ", aor, b->contact,
	        (unsigned long long)left);
	print_q(o->f, b->q);
	fprintf(o->f, " source %s transport %s call-id %s cseq %u\n",
	        b->source[0] ? b->source : "-", b->transport[0] ? b->transport : "-",
	        b->call_id[0] ? b->call_id : "-", (unsigned)b->cseq);
}

/* "sip:Bob@Example.COM" and "bob@example.com" name the AOR "Bob@example.com". */
static int canonical_aor(const char *in, char *out, size_t size)
{
	if (!strncasecmp(in, "sips:", 5))
		in += 5;
	else if (!strncasecmp(in, "sip:", 4))
		in += 4;
	size_t n = strcspn(in, ";?>");
	if (!n || n >= size)
		return -1;
	memcpy(out, in, n);
	out[n] = '\0';
	char *at = strrchr(out, '@');
	for (char *p = at ? at : out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *colon = strrchr(at ? at : out, ':'); /* no port in an AOR */
	if (colon && !strchr(colon, ']'))
		*colon = '\0';
	return 0;
}

void cli_ctl_bindings(const struct sk_location *loc, const struct sk_clock *clock, uint64_t now,
                      const char *aor, FILE *f)
{
	struct bindings_out o = {f, now, 0};
	if (aor) {
		char key[256];
		struct sk_binding b[64];
		if (canonical_aor(aor, key, sizeof(key)) < 0) {
			fprintf(f, "error: bad address of record '%s'\n", aor);
			return;
		}
		int n = loc->ops->lookup(loc->st, key, now, b, 64);
		if (n < 0) {
			fprintf(f, "error: location store unavailable\n");
			return;
		}
		for (int i = 0; i < n; i++)
			print_binding(&o, key, &b[i]);
		fprintf(f, "bindings %zu\nok\n", o.n);
		return;
	}
	/* the walk runs on the proxy's loop: bounded in bindings and in time */
	uint64_t cursor = 0, until = sk_clock_now(clock) + BINDINGS_MS;
	do {
		int n = loc->ops->list(loc->st, now, &cursor, BINDINGS_STEP, print_binding, &o);
		if (n < 0) {
			fprintf(f, "error: location store %s (after %zu bindings)\n",
			        n == -SK_ETIMEDOUT ? "too slow to list" : "unavailable", o.n);
			return;
		}
	} while (cursor && o.n < BINDINGS_MAX && sk_clock_now(clock) < until);
	if (cursor || o.n > BINDINGS_MAX)
		fprintf(f, "truncated: the first %zu bindings (at most %d, in %d ms)\n",
		        o.n < BINDINGS_MAX ? o.n : (size_t)BINDINGS_MAX, BINDINGS_MAX, BINDINGS_MS);
	fprintf(f, "bindings %zu\nok\n", o.n < BINDINGS_MAX ? o.n : (size_t)BINDINGS_MAX);
}

int cli_location_open(struct sk_location *loc, const char *spec, const struct sk_clock *clock,
                      const struct sk_log *log, struct sk_redis_breaker *breaker, bool say)
{
	memset(loc, 0, sizeof(*loc));
	if (!spec || !strcmp(spec, "memory"))
		return 0; /* ops NULL: the proxy makes its in-memory store */
	if (strncmp(spec, "redis://", 8) != 0) {
		fprintf(stderr,
		        "sipkit proxy: bad --location '%s' (memory, or redis://HOST:PORT[/DB])\n",
		        spec);
		return EXIT_USAGE;
	}
	struct sk_location_redis_config rc = {
	    .url = spec, .clock = clock, .log = log, .breaker = breaker};
	if (sk_location_redis(loc, &rc) < 0) {
		fprintf(
		    stderr,
		    "sipkit proxy: bad --location '%s' (redis://HOST:PORT[/DB], HOST resolvable)\n",
		    spec);
		return EXIT_USAGE;
	}
	if (sk_location_redis_ping(loc) < 0) {
		if (say)
			fprintf(stderr,
			        "sipkit proxy: %s does not answer yet: REGISTERs get 500 and calls "
			        "480 until it does (retried by itself)\n",
			        spec);
	} else if (say) {
		fprintf(stderr, "sipkit proxy: location store %s\n", spec);
	}
	return 0;
}
