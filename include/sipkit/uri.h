/* SPDX-License-Identifier: BSD-3-Clause */
/** sipkit URIs: sip, sips, tel and opaque schemes (RFC 3261 §19.1, RFC 3966). */
#ifndef SIPKIT_URI_H
#define SIPKIT_URI_H

#include "sipkit/core.h"

enum sk_uri_scheme {
	SK_URI_NONE = 0,
	SK_URI_SIP,
	SK_URI_SIPS,
	SK_URI_TEL,
	SK_URI_OTHER, /* kept opaque: a UAS answers 416 (§8.2.2.1) */
};

enum sk_host_type {
	SK_HOST_NONE = 0,
	SK_HOST_NAME,
	SK_HOST_IPV4,
	SK_HOST_IPV6, /* host view includes the brackets */
};

/**
 * A parsed URI; every view points into the parsed text.
 * For sip/sips: user (may contain ';', §19.1.1), password, host, port, params
 * (";a=b;lr" without the leading ';'), headers (after '?').
 * For tel: user holds the telephone-subscriber number, params its parameters.
 * For other schemes: opaque holds everything after "scheme:".
 */
struct sk_uri {
	enum sk_uri_scheme scheme;
	enum sk_host_type host_type;
	struct sk_str raw;
	struct sk_str scheme_str;
	struct sk_str user;
	struct sk_str password;
	struct sk_str host;
	struct sk_str port_str;
	struct sk_str params;
	struct sk_str headers;
	struct sk_str opaque;
	uint16_t port; /* 0 when absent */
};

/**
 * At most this many URI parameters, and as many URI headers: real URIs carry a
 * handful, and the comparison of §19.1.4 is quadratic in them.
 */
#define SK_URI_MAX_PARAMS 64

/**
 * Parses a URI (the whole of s). err_why (may be NULL) receives a static reason.
 * Returns 0, -SK_EMALFORMED, or -SK_ETOOBIG past SK_URI_MAX_PARAMS.
 */
int sk_uri_parse(struct sk_uri *uri, struct sk_str s, const char **err_why);

/** Finds a URI parameter by name (case-insensitive): 0, or -SK_ENOTFOUND. */
int sk_uri_param(const struct sk_uri *uri, const char *name, struct sk_str *value);

/**
 * Compares two URIs per RFC 3261 §19.1.4: scheme, user and password case-sensitive
 * after unescaping, host case-insensitive, port, the transport/user/ttl/method/maddr
 * parameters when either side has them, other parameters when both have them, and
 * headers. Returns true when equivalent.
 */
bool sk_uri_equal(const struct sk_uri *a, const struct sk_uri *b);

/**
 * Unescapes %HH sequences of s into dst (at most dstsize bytes). Returns the
 * number of bytes written, or -SK_EMALFORMED for a bad escape, -SK_ETOOBIG.
 * The output may contain NUL bytes (%00 is data, RFC 4475 §3.1.1.4).
 */
int sk_uri_unescape(struct sk_str s, char *dst, size_t dstsize);

/** Writes the URI's canonical text (the raw view); returns bytes needed. */
size_t sk_uri_print(const struct sk_uri *uri, char *dst, size_t dstsize);

#endif
