/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers shared by the unit tests: data files and responses. */
#include "sk_test.h"

char *sk_test_load(const char *rel, size_t *len)
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

int sk_test_respond(struct sk_txn *st, int code, const char *tag, const char *extra)
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
