/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A throw-away PKI for the TLS tests (tests/harness/pki.c), made at run time
 * with OpenSSL in a fresh directory under $TMPDIR: nothing secret is checked in.
 *
 *   ca.pem            the test CA (trusted by the tests)
 *   server.pem/.key   signed by it, for DNS sip.test, 127.0.0.1 and ::1
 *   expired.pem/.key  the same names, its validity ended a day ago
 *   wild.pem/.key     DNS *.test only (RFC 5922 §7.2: wildcards never match)
 *   client.pem/.key   a client's certificate (mutual TLS), signed by the CA
 *   rogue-ca.pem      another CA, trusted by nobody
 *   rogue.pem/.key    signed by the rogue CA, for the same names as server.pem
 */
#ifndef SK_TEST_PKI_H
#define SK_TEST_PKI_H

#include <stddef.h>

struct sk_test_pki {
	char dir[256];
};

/** Makes the files above: 0, or -1 with a message on stderr. */
int sk_test_pki_make(struct sk_test_pki *pki);
/** "<dir>/<name>" into buf; returns buf. */
const char *sk_test_pki_path(const struct sk_test_pki *pki, const char *name, char *buf,
                             size_t size);
/** Removes the files and the directory. */
void sk_test_pki_remove(struct sk_test_pki *pki);

#endif
