/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers shared by the unit tests (cmocka). */
#ifndef SK_TEST_H
#define SK_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "sipkit/msg.h"
#include "sipkit/txn.h"

/* Reads tests/data/<rel> (the folder comes from $SK_DATA, default tests/data). */
static inline char *sk_test_load(const char *rel, size_t *len)
{
	const char *dir = getenv("SK_DATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", rel);
	f = fopen(path, "rb");
	if (!f) {
		fail_msg("cannot open %s", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Compares a view with a C string, printing both on mismatch. */
#define assert_str_view(view, cstr)                                                                \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		const char *c_ = (cstr);                                                           \
		if (!(v_.p && v_.len == strlen(c_) && memcmp(v_.p, c_, v_.len) == 0))              \
			fail_msg("expected \"%s\", got \"%.*s\"", c_, (int)v_.len,                 \
			         v_.p ? v_.p : "(absent)");                                        \
	} while (0)

/* A response to a server transaction's request (§8.2.6), with extra "Name: value\r\n" lines. */
static inline int sk_test_respond(struct sk_txn *st, int code, const char *tag, const char *extra)
{
	const struct sk_msg *req = sk_txn_msg(st);
	struct sk_build *b;
	struct sk_str wire;
	assert_non_null(req);
	assert_int_equal(sk_build_response_to(&b, req, code, NULL, tag), 0);
	if (extra)
		assert_int_equal(sk_build_hdr_lines(b, extra), 0);
	assert_int_equal(sk_build_finish(b, &wire), 0);
	int rc = sk_txn_respond(st, wire);
	sk_build_free(b);
	return rc;
}

#endif
