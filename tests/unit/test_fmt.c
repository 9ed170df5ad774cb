/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded formatting (src/core/fmt.c): the same text as snprintf for the
 * conversions the hot path used ("%u", "%llu", "%08x", "%016llx", "%s"), the
 * edges (0, UINT32_MAX, UINT64_MAX), a text that fits exactly, one byte too
 * many, and a zero-sized buffer.
 */
#include <inttypes.h>
#include <stdio.h>

#include "sk_test.h"

static void assert_text(const struct sk_fmt *f, const char *want)
{
	size_t len;
	assert_int_equal(sk_fmt_done(f, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(f->buf, want);
}

static void test_fmt_decimal(void **state)
{
	(void)state;
	static const uint64_t values[] = {
	    0, 1, 9, 10, 99, 100, 487, 65535, UINT32_MAX, 4294967296, UINT64_MAX - 1, UINT64_MAX};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[32], want[32];
		struct sk_fmt f;
		sk_fmt_init(&f, buf, sizeof(buf));
		sk_fmt_u64(&f, values[i]);
		snprintf(want, sizeof(want), "%" PRIu64, values[i]);
		assert_text(&f, want);
	}
	char buf[32];
	struct sk_fmt f;
	sk_fmt_init(&f, buf, sizeof(buf));
	sk_fmt_u64(&f, UINT64_MAX);
	assert_text(&f, "18446744073709551615");
}

static void test_fmt_hex(void **state)
{
	(void)state;
	static const uint64_t values[] = {
	    0, 1, 0xf, 0x10, 0xdeadbeef, UINT32_MAX, 0x123456789abcdef0, UINT64_MAX};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[48], want[48];
		struct sk_fmt f;
		sk_fmt_init(&f, buf, sizeof(buf));
		sk_fmt_hex(&f, values[i], 16);
		sk_fmt_char(&f, '.');
		sk_fmt_hex(&f, values[i] >> 32, 8);
		sk_fmt_char(&f, '.');
		sk_fmt_hex(&f, values[i], 0);
		snprintf(want, sizeof(want), "%016" PRIx64 ".%08" PRIx64 ".%" PRIx64, values[i],
		         values[i] >> 32, values[i]);
		assert_text(&f, want);
	}
	/* a number wider than its width is not cut: "%02x" of 0x1234 is "1234" */
	char buf[16];
	struct sk_fmt f;
	sk_fmt_init(&f, buf, sizeof(buf));
	sk_fmt_hex(&f, 0x1234, 2);
	assert_text(&f, "1234");
	/* a width past 16 digits is 16 */
	char wide[32];
	sk_fmt_init(&f, wide, sizeof(wide));
	sk_fmt_hex(&f, 1, 40);
	assert_text(&f, "0000000000000001");
}

static void test_fmt_strings(void **state)
{
	(void)state;
	char buf[64];
	struct sk_fmt f;
	sk_fmt_init(&f, buf, sizeof(buf));
	assert_text(&f, "");
	sk_fmt_cstr(&f, "SIP/2.0 ");
	sk_fmt_u64(&f, 487);
	sk_fmt_char(&f, ' ');
	sk_fmt_str(&f, SK_STR_LIT("Request Terminated"));
	sk_fmt_cstr(&f, NULL);
	sk_fmt_str(&f, SK_STR_NULL);
	assert_text(&f, "SIP/2.0 487 Request Terminated");
	/* bytes, not C strings: a NUL inside a view is copied */
	sk_fmt_init(&f, buf, sizeof(buf));
	sk_fmt_str(&f, (struct sk_str){"a\0b", 3});
	size_t len;
	assert_int_equal(sk_fmt_done(&f, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "a\0b", 4);
}

static void test_fmt_exact_fit(void **state)
{
	(void)state;
	/* 20 digits and the NUL in 21 bytes: fits; in 20 bytes: cut as snprintf cuts */
	char buf[21];
	struct sk_fmt f;
	sk_fmt_init(&f, buf, sizeof(buf));
	sk_fmt_u64(&f, UINT64_MAX);
	assert_text(&f, "18446744073709551615");
	sk_fmt_init(&f, buf, 20);
	sk_fmt_u64(&f, UINT64_MAX);
	size_t len;
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
	assert_int_equal(len, 19);
	assert_string_equal(buf, "1844674407370955161");
	/* a string that fills the buffer to its last byte, then one byte more */
	char small[6];
	sk_fmt_init(&f, small, sizeof(small));
	sk_fmt_cstr(&f, "z9hG4");
	assert_text(&f, "z9hG4");
	sk_fmt_char(&f, 'b');
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
	assert_int_equal(len, 5);
	assert_string_equal(small, "z9hG4");
	/* once cut, later appends stay out and the flag stays */
	sk_fmt_cstr(&f, "");
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
}

static void test_fmt_overflow(void **state)
{
	(void)state;
	/* one byte of room past a hex number: cut inside it */
	char buf[8];
	struct sk_fmt f;
	sk_fmt_init(&f, buf, sizeof(buf));
	sk_fmt_cstr(&f, "z9");
	sk_fmt_hex(&f, 0xabcdef12, 8);
	size_t len;
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "z9abcde");
	/* a zero-sized buffer is never written */
	char canary = 'x';
	sk_fmt_init(&f, &canary, 0);
	sk_fmt_u64(&f, 0);
	sk_fmt_cstr(&f, "a");
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
	assert_int_equal(len, 0);
	assert_int_equal(canary, 'x');
	/* a one-byte buffer holds the empty text */
	char one[1] = {'x'};
	sk_fmt_init(&f, one, sizeof(one));
	assert_int_equal(sk_fmt_done(&f, &len), 0);
	assert_int_equal(one[0], '\0');
	sk_fmt_u64(&f, 7);
	assert_int_equal(sk_fmt_done(&f, &len), -SK_ETOOBIG);
	assert_int_equal(one[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fmt_decimal),  cmocka_unit_test(test_fmt_hex),
	    cmocka_unit_test(test_fmt_strings),  cmocka_unit_test(test_fmt_exact_fit),
	    cmocka_unit_test(test_fmt_overflow),
	};
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
