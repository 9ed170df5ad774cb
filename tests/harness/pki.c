/* SPDX-License-Identifier: BSD-3-Clause */
/* A throw-away PKI for the TLS tests, made at run time by sk_tls_lab_make (pki.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "sipkit/transport.h"

static const char *const pki_files[] = {
    "ca.pem",       "ca.key",       "server.pem", "server.key", "expired.pem",
    "expired.key",  "wild.pem",     "wild.key",   "client.pem", "client.key",
    "rogue-ca.pem", "rogue-ca.key", "rogue.pem",  "rogue.key",
};

const char *sk_test_pki_path(const struct sk_test_pki *pki, const char *name, char *buf,
                             size_t size)
{
	snprintf(buf, size, "%s/%s", pki->dir, name);
	return buf;
}

int sk_test_pki_make(struct sk_test_pki *pki)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(pki->dir, sizeof(pki->dir), "%s/sipkit-pki-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pki->dir)) {
		perror("pki: mkdtemp");
		return -1;
	}
	const char *names = "DNS:sip.test,IP:127.0.0.1,IP:::1";
	static const struct {
		const char *base, *ca;
		struct sk_tls_lab_cert spec;
	} certs[] = {
	    {"ca", NULL, {"sipkit test CA", NULL, -1, 30, 1}},
	    {"rogue-ca", NULL, {"sipkit rogue CA", NULL, -1, 30, 1}},
	    {"server", "ca", {"sip.test", NULL, -1, 30, 2}},
	    {"expired", "ca", {"sip.test", NULL, -30, -1, 3}},
	    {"wild", "ca", {"*.test", "DNS:*.test", -1, 30, 4}},
	    {"client", "ca", {"alice", "DNS:alice.test", -1, 30, 5}},
	    {"rogue", "rogue-ca", {"sip.test", NULL, -1, 30, 2}},
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]) && rc == 0; i++) {
		struct sk_tls_lab_cert spec = certs[i].spec;
		if (certs[i].ca && !spec.san)
			spec.san = names;
		rc = sk_tls_lab_make(pki->dir, certs[i].base, &spec, certs[i].ca);
	}
	if (rc)
		fprintf(stderr, "pki: cannot make the test certificates in %s\n", pki->dir);
	return rc ? -1 : 0;
}

void sk_test_pki_remove(struct sk_test_pki *pki)
{
	char path[512];
	for (size_t i = 0; i < sizeof(pki_files) / sizeof(pki_files[0]); i++)
		unlink(sk_test_pki_path(pki, pki_files[i], path, sizeof(path)));
	rmdir(pki->dir);
}
