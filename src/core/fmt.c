/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded formatting without printf: decimal, hex, strings into a caller's buffer. */
#include "sipkit/core.h"

void sk_fmt_init(struct sk_fmt *f, char *buf, size_t size)
{
	*f = (struct sk_fmt){.buf = buf, .size = size};
	if (size)
		buf[0] = '\0';
}

void sk_fmt_cstr(struct sk_fmt *f, const char *s)
{
	if (s)
		sk_fmt_str(f, (struct sk_str){s, strlen(s)});
}

void sk_fmt_u64(struct sk_fmt *f, uint64_t v)
{
	char digits[20]; /* UINT64_MAX has 20 */
	size_t i = sizeof(digits);
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sk_fmt_str(f, (struct sk_str){digits + i, sizeof(digits) - i});
}

void sk_fmt_hex(struct sk_fmt *f, uint64_t v, unsigned width)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t i = sizeof(digits);
	if (width > sizeof(digits))
		width = sizeof(digits);
	do {
		digits[--i] = hex[v & 0xf];
		v >>= 4;
	} while (v);
	while (sizeof(digits) - i < width)
		digits[--i] = '0';
	sk_fmt_str(f, (struct sk_str){digits + i, sizeof(digits) - i});
}

int sk_fmt_done(const struct sk_fmt *f, size_t *len)
{
	*len = f->len;
	return f->overflow ? -SK_ETOOBIG : 0;
}
