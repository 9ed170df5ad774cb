/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the fuzz targets: invariant checks, switchable oracles, sinks. */
#ifndef SK_FUZZ_UTIL_H
#define SK_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/core.h"

/* An invariant failed: say which and stop, so libFuzzer keeps the input. */
#define die(line, what) fuzz_die(__FILE__, (line), (what))
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			die(__LINE__, #c);                                                         \
	} while (0)

__attribute__((noreturn)) static inline void fuzz_die(const char *file, int line, const char *what)
{
	const char *base = strrchr(file, '/');
	fprintf(stderr, "%s:%d: invariant violated: %s\n", base ? base + 1 : file, line, what);
	abort();
}

/*
 * SK_FUZZ_IGNORE=tag[,tag...] turns off the oracle checks with those tags, to keep
 * fuzzing past a known finding. Every check is on by default; each target lists its tags.
 */
static inline bool on(const char *tag)
{
	const char *s = getenv("SK_FUZZ_IGNORE");
	size_t n = strlen(tag);

	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && memcmp(s, tag, n) == 0)
			return false;
		s = e ? e + 1 : NULL;
	}
	return true;
}

static volatile unsigned fuzz_sink;

/* Reads every byte of a view (ASan sees an out-of-bounds view); p NULL means empty. */
static inline void touch(struct sk_str s)
{
	unsigned h = 0;

	if (!s.p) {
		CHECK(s.len == 0);
		return;
	}
	for (size_t i = 0; i < s.len; i++)
		h = h * 31u + (unsigned char)s.p[i];
	fuzz_sink += h;
}

#endif
