/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers shared by the unit tests (cmocka); tests/harness/sk_test.c. */
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
char *sk_test_load(const char *rel, size_t *len);

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
int sk_test_respond(struct sk_txn *st, int code, const char *tag, const char *extra);

#endif
