/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Throw-away certificates for labs, demos and tests, made at run time with
 * libcrypto (nothing secret is ever checked in or reused): a CA, and leaf
 * certificates it signs for the names a TLS peer is checked against (RFC 5922
 * §7.2: subjectAltName DNS and IP entries). P-256 keys: quick to make, and what
 * a SIP deployment would use. Each pair is written as BASE.pem and BASE.key
 * under a directory; the key file is created 0600.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tp_int.h"

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

/* key's certificate, signed by issuer_key (itself when issuer is NULL); san NULL: a CA. */
static X509 *make_cert(EVP_PKEY *key, const struct sk_tls_lab_cert *spec, X509 *issuer,
                       EVP_PKEY *issuer_key)
{
	X509 *c = X509_new();
	if (!c)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), spec->serial ? spec->serial : 1);
	X509_gmtime_adj(X509_getm_notBefore(c), spec->from_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(c), spec->to_days * 86400);
	X509_set_pubkey(c, key);
	X509_NAME *name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn, -1,
	                           -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509 *iss = issuer ? issuer : c;
	int rc = 0;
	if (!spec->san) {
		rc |= add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
		rc |= add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
		rc |= add_ext(c, iss, NID_subject_key_identifier, "hash");
	} else {
		rc |= add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(c, iss, NID_subject_alt_name, spec->san);
		rc |= add_ext(c, iss, NID_ext_key_usage, "serverAuth,clientAuth");
	}
	if (rc || !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static FILE *open_file(const char *dir, const char *base, const char *ext, bool secret)
{
	char path[1024];
	if (snprintf(path, sizeof(path), "%s/%s.%s", dir, base, ext) >= (int)sizeof(path))
		return NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	return f;
}

static int write_pair(const char *dir, const char *base, X509 *cert, EVP_PKEY *key)
{
	FILE *f = open_file(dir, base, "pem", false);
	if (!f)
		return -SK_EIO;
	int ok = PEM_write_X509(f, cert);
	ok &= fclose(f) == 0;
	if (!(f = open_file(dir, base, "key", true)))
		return -SK_EIO;
	ok &= PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	ok &= fclose(f) == 0;
	return ok ? 0 : -SK_EIO;
}

static int read_pair(const char *dir, const char *base, X509 **cert, EVP_PKEY **key)
{
	char path[1024];
	*cert = NULL;
	*key = NULL;
	snprintf(path, sizeof(path), "%s/%s.pem", dir, base);
	FILE *f = fopen(path, "r");
	if (f) {
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s.key", dir, base);
	if ((f = fopen(path, "r"))) {
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (*cert && *key)
		return 0;
	X509_free(*cert);
	EVP_PKEY_free(*key);
	return -SK_EIO;
}

int sk_tls_lab_make(const char *dir, const char *base, const struct sk_tls_lab_cert *spec,
                    const char *ca_base)
{
	if (!dir || !base || !spec || !spec->cn || (!ca_base && spec->san))
		return -SK_EINVAL;
	X509 *ca = NULL;
	EVP_PKEY *ca_key = NULL;
	if (ca_base && read_pair(dir, ca_base, &ca, &ca_key) < 0)
		return -SK_EIO;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key ? make_cert(key, spec, ca, ca_key) : NULL;
	int rc = cert ? write_pair(dir, base, cert, key) : -SK_ENOMEM;
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rc;
}
