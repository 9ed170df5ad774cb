/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * Parser benchmark: the interface each parser harness (sipkit, oSIP2,
 * Sofia-SIP, libre) implements.
 *
 * Every harness does the same "proxy-grade" parse of one raw message: all
 * headers indexed, the start line (Request-URI or status), every Via value
 * (sent-by host and port, branch), From and To with their tags, Call-ID,
 * CSeq number and method, Max-Forwards, Content-Length, and each Route,
 * Record-Route and Contact value parsed into a URI. It reports what it found
 * in struct bench_fields, the same way for every library, so the driver can
 * check that all of them really parsed the same values.
 */
#ifndef BENCH_PARSE_H
#define BENCH_PARSE_H

#include <stddef.h>
#include <stdint.h>

/** What a parse found; lengths are in bytes, numbers as written (0 absent). */
struct bench_fields {
	uint32_t status;        /* response status code, 0 for requests */
	uint32_t method_len;    /* request method length, 0 for responses */
	uint32_t ruri_host_len; /* Request-URI host (IPv6 without brackets) */
	uint32_t ruri_port;
	uint32_t vias;         /* Via values, across all Via lines */
	uint32_t via_host_len; /* sum of sent-by host lengths (IPv6 without brackets) */
	uint32_t via_port_sum; /* sum of the sent-by ports written */
	uint32_t branch_len;   /* sum of branch parameter lengths */
	uint32_t from_tag_len;
	uint32_t to_tag_len;    /* 0 when To has no tag */
	uint32_t addr_host_len; /* sum of From and To URI host lengths */
	uint32_t call_id_len;
	uint32_t cseq;
	uint32_t cseq_method_len;
	int32_t max_forwards;   /* -1 when absent */
	int32_t content_length; /* -1 when absent */
	uint32_t routes;        /* Route values */
	uint32_t record_routes; /* Record-Route values */
	uint32_t contacts;      /* Contact values */
	uint32_t uri_host_len;  /* sum of Route, Record-Route and Contact URI host lengths */
	uint32_t uri_port_sum;  /* sum of their ports */
};

/** One parser under test. */
struct bench_parser {
	const char *name;
	/** Sets up the library and the harness state; 0 or -1. */
	int (*init)(void **state);
	/**
	 * Parses the len bytes at buf as one message and fills *out (zeroed by
	 * the caller). The driver puts a NUL after the message; no harness may
	 * rely on it. Returns 0, or -1 on a parse failure (a missing Via, From,
	 * To, Call-ID or CSeq counts as one) with a reason in err.
	 */
	int (*parse)(void *state, const char *buf, size_t len, struct bench_fields *out, char *err,
	             size_t errlen);
	void (*fini)(void *state);
};

extern const struct bench_parser bench_sipkit;
extern const struct bench_parser bench_osip2;
extern const struct bench_parser bench_sofia;
extern const struct bench_parser bench_libre;

/** Length of a host, without the brackets of an IPv6 reference. */
static inline uint32_t bench_host_len(const char *p, size_t len)
{
	if (p && len >= 2 && p[0] == '[' && p[len - 1] == ']')
		return (uint32_t)(len - 2);
	return (uint32_t)len;
}

/** Decimal value of the leading digits of p[0..len) (0 when none). */
static inline uint32_t bench_u32n(const char *p, size_t len)
{
	uint32_t v = 0;
	for (size_t i = 0; p && i < len && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (uint32_t)(p[i] - '0');
	return v;
}

/** Decimal value of the leading digits of a C string (0 for NULL). */
static inline uint32_t bench_u32(const char *s)
{
	uint32_t v = 0;
	for (; s && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint32_t)(*s - '0');
	return v;
}

/** strlen that takes NULL as empty. */
static inline uint32_t bench_slen(const char *s)
{
	uint32_t n = 0;
	if (s)
		while (s[n])
			n++;
	return n;
}

/** Runs N passes of p over the corpus; kept out of line for callgrind --toggle-collect. */
uint64_t bench_run_iterations(const struct bench_parser *p, void *state, const char *const *bufs,
                              const size_t *lens, size_t count, uint64_t iterations,
                              uint64_t *errors);

#endif
