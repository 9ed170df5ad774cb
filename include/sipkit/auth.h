/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * sipkit HTTP Digest authentication for SIP (RFC 3261 §22, grammar §25.1; RFC 7616;
 * RFC 8760 for SHA-256): challenges and credentials parsed in place, HA1 and response
 * computed through OpenSSL's libcrypto, and the client's answer to a challenge.
 *
 * Values: every sk_str of the structs below is a view into the parsed header value.
 * A quoted value is given as the bytes between its quotes, as received: a quoted-pair
 * ("\x") stays escaped in the view, so the view can be echoed inside quotes unchanged
 * (the client does that with realm, nonce and opaque). Hashing needs the value itself:
 * when the struct says quoted_pair, unescape a view with sk_digest_unquote into a
 * buffer of your own before passing it to sk_digest_ha1 / sk_digest_response (without
 * quoted_pair the views are the values). sk_digest_authorize does it itself.
 */
#ifndef SIPKIT_AUTH_H
#define SIPKIT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipkit/core.h"

enum sk_digest_alg { SK_DIGEST_NONE = 0, SK_DIGEST_MD5, SK_DIGEST_SHA256 };
#define SK_DIGEST_HEX_MAX 65 /* SHA-256 in hex and its NUL */

/** A WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §25.1 challenge, RFC 7616 §3.3). */
struct sk_digest_challenge {
	struct sk_str realm, nonce, opaque, domain; /* spans inside the quotes */
	enum sk_digest_alg alg;                     /* MD5 when absent */
	bool sess;                                  /* "-sess" algorithm */
	bool qop_auth, qop_auth_int, stale;
	/* additions */
	bool qop_present; /* a qop parameter was given (maybe with only unknown values) */
	bool userhash;    /* userhash=true (RFC 7616 §3.4.4): the server accepts it */
	bool quoted_pair; /* realm, nonce, opaque or domain holds a quoted-pair */
};
/**
 * Parses the first challenge of value (use sk_digest_challenge_next for the others):
 * 0; -SK_EINVAL: not Digest, malformed, realm or nonce missing, or a parameter twice;
 * -SK_ENOTSUP: an algorithm we lack (SHA-512-256, AKAv1-MD5 ...).
 */
int sk_digest_challenge_parse(struct sk_digest_challenge *c, struct sk_str value);

/**
 * Splits a header value into its challenges (a list is allowed, RFC 8760 §2.4 offers
 * SHA-256 and MD5 together; any scheme, Digest or not): from *pos (0 at first) sets
 * *one to the next challenge and moves *pos past it. 1 when one was found, 0 at the
 * end, -SK_EINVAL when the value is malformed there (the iteration ends).
 */
int sk_digest_challenge_next(struct sk_str value, size_t *pos, struct sk_str *one);

/**
 * The challenge of value a client answers: of the Digest challenges it can answer
 * (supported algorithm; qop absent or offering auth), the strongest (SHA-256 over
 * MD5, qop=auth over none). 0; -SK_ENOTSUP when none can be answered; -SK_EINVAL
 * when value is malformed. Use it on each header line and keep the best per realm.
 */
int sk_digest_challenge_best(struct sk_digest_challenge *c, struct sk_str value);

/** An Authorization / Proxy-Authorization value (RFC 3261 §25.1 credentials, RFC 7616 §3.4). */
struct sk_digest_credentials {
	struct sk_str username, realm, nonce, uri, response, cnonce, opaque, qop, nc;
	enum sk_digest_alg alg;
	bool sess;
	uint32_t nc_value; /* nc parsed (8 hex digits), 0 when absent */
	/* additions */
	bool userhash;    /* userhash=true: username is H(user ":" realm) in hex */
	bool quoted_pair; /* some quoted value holds a quoted-pair (see above) */
};
/**
 * Parses credentials: 0; -SK_EINVAL: not Digest, malformed, a parameter twice, nc not
 * 8 hex digits, username, realm, nonce, uri or response missing, or qop without cnonce
 * and nc; -SK_ENOTSUP: an algorithm we lack.
 */
int sk_digest_credentials_parse(struct sk_digest_credentials *c, struct sk_str value);

/**
 * Unescapes the quoted-pairs of a view taken between quotes into out (NUL-terminated):
 * the length written, or -SK_ETOOBIG when it does not fit in size (NUL included).
 */
int sk_digest_unquote(struct sk_str span, char *out, size_t size);

/** Hex of H(user ":" realm ":" password), RFC 7616 §3.4.2. 0 or -SK_EINVAL. */
int sk_digest_ha1(enum sk_digest_alg alg, struct sk_str user, struct sk_str realm,
                  struct sk_str password, char out[SK_DIGEST_HEX_MAX]);
/**
 * The response a client with that HA1 (hex) must send (RFC 7616 §3.4.1; RFC 2617
 * §3.2.2.1 without qop), for method and the digest-uri; qop empty: no qop; qop "auth"
 * (auth-int needs the body: -SK_ENOTSUP). -sess handled when sess (HA1 becomes
 * H(HA1 ":" nonce ":" cnonce), §3.4.2). 0, -SK_EINVAL or -SK_ENOTSUP.
 */
int sk_digest_response(enum sk_digest_alg alg, bool sess, const char *ha1, struct sk_str nonce,
                       struct sk_str nc, struct sk_str cnonce, struct sk_str qop,
                       struct sk_str method, struct sk_str uri, char out[SK_DIGEST_HEX_MAX]);
/** Constant-time comparison of a received hex response with ours (case-insensitive hex). */
bool sk_digest_equal(struct sk_str got, const char *want);
/**
 * The client's credentials answering ch (qop=auth when offered, else none), into out
 * ("Digest username=..., realm=..., ..."). cnonce given by the caller (from the stack's
 * token generator: deterministic under simnet seeds); nc the nonce count (1 for the
 * first use of a nonce). 0, -SK_ETOOBIG, -SK_EINVAL (-SK_ENOTSUP: nothing we can answer).
 */
int sk_digest_authorize(const struct sk_digest_challenge *ch, struct sk_str user,
                        struct sk_str password, struct sk_str method, struct sk_str uri,
                        struct sk_str cnonce, uint32_t nc, char *out, size_t size);

/**
 * Writes a challenge for a WWW-Authenticate / Proxy-Authenticate value (the server's
 * side, RFC 7616 §3.3): "Digest realm=..., nonce=..." then opaque and domain when
 * present, algorithm, qop="auth" (and auth-int) when set, stale=true when set.
 * realm, nonce, opaque and domain go between quotes as given: a quote, a backslash or
 * a control character in them is -SK_EINVAL. 0, -SK_EINVAL or -SK_ETOOBIG.
 */
int sk_digest_challenge_format(const struct sk_digest_challenge *c, char *out, size_t size);

/** "MD5", "SHA-256", "MD5-sess", "SHA-256-sess" (the algorithm parameter's value). */
const char *sk_digest_alg_name(enum sk_digest_alg alg, bool sess);

#endif
