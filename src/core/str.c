/* SPDX-License-Identifier: BSD-3-Clause */
/* String views and error names. */
#include <string.h>

#include "sipkit/core.h"

struct sk_str sk_str_c(const char *s)
{
	return s ? (struct sk_str){s, strlen(s)} : (struct sk_str){"", 0};
}

static inline char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

bool sk_str_caseeq(struct sk_str a, struct sk_str b)
{
	if (a.len != b.len)
		return false;
	/* most comparisons (a branch against the one we sent, a header name as
	 * the peer spells it) are of the same bytes: one memcmp decides them */
	if (a.len == 0 || !memcmp(a.p, b.p, a.len))
		return true;
	for (size_t i = 0; i < a.len; i++)
		if (ascii_lower(a.p[i]) != ascii_lower(b.p[i]))
			return false;
	return true;
}

bool sk_str_caseeq_c(struct sk_str a, const char *b)
{
	return sk_str_caseeq(a, sk_str_c(b));
}

int sk_str_to_u64(struct sk_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return -SK_EMALFORMED;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return -SK_EMALFORMED;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(s.p[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -SK_ETOOBIG;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

char *sk_str_cpy(char *dst, size_t dstsize, struct sk_str s)
{
	size_t n;

	if (!dstsize)
		return dst;
	n = s.len < dstsize - 1 ? s.len : dstsize - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return dst;
}

const char *sk_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case SK_OK: return "success";
	case SK_EINVAL: return "invalid argument";
	case SK_ENOMEM: return "out of memory or capacity";
	case SK_EMALFORMED: return "malformed input";
	case SK_ETOOBIG: return "input exceeds a limit";
	case SK_EAGAIN: return "more bytes needed";
	case SK_ENOTFOUND: return "not found";
	case SK_EIO: return "transport failure";
	case SK_ETIMEDOUT: return "timed out";
	case SK_ESTATE: return "not allowed in this state";
	case SK_EFULL: return "full: try again later";
	case SK_ENOTSUP: return "not supported";
	default: return "unknown error";
	}
}
