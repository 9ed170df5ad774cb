/* SPDX-License-Identifier: BSD-3-Clause */
/** sipkit core: string views and error codes shared by every layer. */
#ifndef SIPKIT_CORE_H
#define SIPKIT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Error codes; functions return 0 or the negated code. */
enum sk_err {
	SK_OK = 0,
	SK_EINVAL = 1,     /* bad argument */
	SK_ENOMEM = 2,     /* allocation failed or a fixed capacity is full */
	SK_EMALFORMED = 3, /* input violates the grammar */
	SK_ETOOBIG = 4,    /* input exceeds a configured limit */
	SK_EAGAIN = 5,     /* stream framing: more bytes are needed */
	SK_ENOTFOUND = 6,  /* lookup found nothing */
};

/** A non-owning view of bytes: never NUL-terminated, may contain NUL. */
struct sk_str {
	const char *p;
	size_t len;
};

#define SK_STR_NULL ((struct sk_str){NULL, 0})
/** A view of a string literal. */
#define SK_STR_LIT(s) ((struct sk_str){(s), sizeof(s) - 1})

/** A view of a NUL-terminated string (NULL gives the empty view). */
struct sk_str sk_str_c(const char *s);
/** True when the view refers to something (even of length 0). */
static inline bool sk_str_present(struct sk_str s)
{
	return s.p != NULL;
}
/** Byte-wise equality. */
bool sk_str_eq(struct sk_str a, struct sk_str b);
/** ASCII case-insensitive equality. */
bool sk_str_caseeq(struct sk_str a, struct sk_str b);
/** ASCII case-insensitive equality with a C string. */
bool sk_str_caseeq_c(struct sk_str a, const char *b);
/** Parses a decimal number of at most max; -SK_EMALFORMED or -SK_ETOOBIG. */
int sk_str_to_u64(struct sk_str s, uint64_t max, uint64_t *out);
/** Copies the view into dst as a C string, truncating; returns dst. */
char *sk_str_cpy(char *dst, size_t dstsize, struct sk_str s);

/** Human-readable name of an error code (positive or negative). */
const char *sk_strerror(int err);

#endif
