/* SPDX-License-Identifier: BSD-3-Clause */
/* A throw-away PKI for the TLS tests, made with libcrypto at run time (pki.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki.h"

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

static EVP_PKEY *make_key(void)
{
	/* P-256: quick to make, and what a SIP deployment would use */
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for key, signed by issuer_key (itself when issuer is NULL), valid from
 * from_days to to_days around now. san NULL: a CA. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
                       EVP_PKEY *issuer_key, long from_days, long to_days, long serial)
{
	X509 *c = X509_new();
	if (!c)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), from_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(c), to_days * 86400);
	X509_set_pubkey(c, key);
	X509_NAME *name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509 *iss = issuer ? issuer : c;
	int rc = 0;
	if (!san) {
		rc |= add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
		rc |= add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
		rc |= add_ext(c, iss, NID_subject_key_identifier, "hash");
	} else {
		rc |= add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(c, iss, NID_subject_alt_name, san);
		rc |= add_ext(c, iss, NID_ext_key_usage, "serverAuth,clientAuth");
	}
	if (rc || !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static int write_pair(const struct sk_test_pki *pki, const char *base, X509 *cert, EVP_PKEY *key)
{
	char path[512], name[64];
	snprintf(name, sizeof(name), "%s.pem", base);
	FILE *f = fopen(sk_test_pki_path(pki, name, path, sizeof(path)), "w");
	if (!f)
		return -1;
	int ok = PEM_write_X509(f, cert);
	fclose(f);
	snprintf(name, sizeof(name), "%s.key", base);
	f = fopen(sk_test_pki_path(pki, name, path, sizeof(path)), "w");
	if (!f)
		return -1;
	ok &= PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return ok ? 0 : -1;
}

/* A leaf certificate with its key, signed by ca/ca_key, written as base.pem/base.key. */
static int leaf(const struct sk_test_pki *pki, const char *base, const char *cn, const char *san,
                X509 *ca, EVP_PKEY *ca_key, long from_days, long to_days, long serial)
{
	EVP_PKEY *k = make_key();
	X509 *c = k ? make_cert(k, cn, san, ca, ca_key, from_days, to_days, serial) : NULL;
	int rc = c ? write_pair(pki, base, c, k) : -1;
	X509_free(c);
	EVP_PKEY_free(k);
	return rc;
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
	EVP_PKEY *ca_key = make_key(), *rogue_key = make_key();
	X509 *ca = ca_key ? make_cert(ca_key, "sipkit test CA", NULL, NULL, NULL, -1, 30, 1) : NULL;
	X509 *rogue =
	    rogue_key ? make_cert(rogue_key, "sipkit rogue CA", NULL, NULL, NULL, -1, 30, 1) : NULL;
	int rc = ca && rogue ? 0 : -1;
	if (rc == 0)
		rc = write_pair(pki, "ca", ca, ca_key) |
		     write_pair(pki, "rogue-ca", rogue, rogue_key) |
		     leaf(pki, "server", "sip.test", names, ca, ca_key, -1, 30, 2) |
		     leaf(pki, "expired", "sip.test", names, ca, ca_key, -30, -1, 3) |
		     leaf(pki, "wild", "*.test", "DNS:*.test", ca, ca_key, -1, 30, 4) |
		     leaf(pki, "client", "alice", "DNS:alice.test", ca, ca_key, -1, 30, 5) |
		     leaf(pki, "rogue", "sip.test", names, rogue, rogue_key, -1, 30, 2);
	X509_free(ca);
	X509_free(rogue);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rogue_key);
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
