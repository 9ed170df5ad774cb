/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest authentication of the proxy's users (RFC 3261 §22, RFC 7616,
 * RFC 8760): REGISTER for us is challenged with 401, every other request with
 * 407, offering SHA-256 then MD5, qop=auth.
 *
 * Nonces are verified without being stored: "index.time.MAC" in hex, the MAC
 * an HMAC-SHA-256 of index, time and realm under a key derived from the
 * stack's secret. A nonce older than AUTH_NONCE_MS, or made under another key
 * (a restart), gets a new challenge with stale=true when the digest itself
 * was right (RFC 7616 §3.3), so the phone answers again without asking its
 * user. Replays are refused by nonce-count: the slot index % AUTH_NONCE_SLOTS
 * holds the highest nc seen for the nonce with that index, and belongs to
 * the newest nonce of its index only (an older one is stale): O(1), bounded,
 * no list of nonces. A digest without qop (RFC 2069) may be used once.
 *
 * Nobody learns which users exist: an unknown user is checked against an
 * HA1 derived from the name under the key, with the same work as a known
 * one, and gets the same challenge as a wrong password. Failures count per
 * source address (IPv6 per /64) in a bounded table; past AUTH_FAIL_MAX in
 * AUTH_FAIL_WINDOW_MS the source gets 403 to everything for
 * AUTH_BLOCK_MS. A challenge costs nothing but the answer: no state.
 *
 * The users file has one user a line, "user:realm:HA1" (htdigest's format,
 * MD5), optionally ":HA1-SHA-256" after it; '#' starts a comment. It is read
 * whole into a new table that replaces the old one only when it parsed.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fork.h"
#include "sipkit/auth.h"

#define AUTH_NONCE_MS       300000 /* a nonce's life (stale after) */
#define AUTH_NONCE_SLOTS    65536  /* nonces whose nonce-count is tracked at once */
#define AUTH_FAIL_SLOTS     4096   /* sources whose failures are counted */
#define AUTH_FAIL_MAX       10     /* failures in a window before a source is blocked */
#define AUTH_FAIL_WINDOW_MS 60000
#define AUTH_BLOCK_MS       120000
#define AUTH_LINE_MAX       512
#define AUTH_NAME_MAX       128 /* user and realm */
#define AUTH_MAX_USERS      1000000

struct user {
	struct sk_hnode node;
	char id[2 * AUTH_NAME_MAX + 2]; /* "user@realm" */
	char ha1_md5[SK_DIGEST_HEX_MAX], ha1_sha256[SK_DIGEST_HEX_MAX];
};

struct users {
	struct sk_htab tab;
	struct user *v;
	size_t n;
};

struct nonce_slot {
	uint32_t index, nc; /* the newest nonce of this slot, and the highest nc it was used with */
};

struct fail_slot {
	uint8_t addr[16];
	uint8_t len;
	uint32_t fails;
	uint64_t window, blocked_until;
};

/*
 * The failures of every source, one table for every worker that takes it: the
 * Call-ID steers an attacker's guesses over all the workers (docs/workers.md),
 * and a count per worker would let N times AUTH_FAIL_MAX through before the
 * block. One lock, held for a slot's read or update: O(1).
 */
struct sk_proxy_auth_fails {
	pthread_mutex_t lock;
	struct sk_hash_key key;
	struct fail_slot slot[AUTH_FAIL_SLOTS];
};

struct sk_proxy_auth {
	struct sk_proxy *p;
	char *path;
	struct users *users;
	unsigned char key[32];
	uint32_t next_index;
	struct nonce_slot *nonces;
	struct sk_proxy_auth_fails *fails; /* own, or the workers' shared one */
	bool own_fails;
	enum sk_digest_alg algs[2]; /* offered, in this order (RFC 8760 §2.4) */
	size_t nalgs;
};

/* ---- users ------------------------------------------------------------------- */

static void users_free(struct users *u)
{
	if (!u)
		return;
	sk_htab_free(&u->tab);
	free(u->v);
	free(u);
}

static bool user_eq(const struct sk_hnode *n, const void *ctx)
{
	return !strcmp(sk_container_of(n, struct user, node)->id, ctx);
}

static const struct user *user_find(const struct sk_proxy_auth *a, const char *id)
{
	struct sk_hnode *n = sk_htab_find(
	    &a->users->tab, sk_hash(sk_stack_hash_key(a->p->stack), id, strlen(id)), user_eq, id);
	return n ? sk_container_of(n, struct user, node) : NULL;
}

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* One line "user:realm:HA1[:HA1-SHA-256]"; 0, 1 (blank or comment) or -1 (malformed). */
static int parse_line(char *line, struct user *u)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 1;
	char *f[4] = {0};
	int n = 0;
	for (char *save = NULL, *t = strtok_r(s, ":", &save); t && n < 5;
	     t = strtok_r(NULL, ":", &save))
		if (n < 4)
			f[n++] = t;
		else
			return -1;
	if (n < 3 || strlen(f[0]) >= AUTH_NAME_MAX || strlen(f[1]) >= AUTH_NAME_MAX ||
	    !is_hex(f[2], 32) || (n == 4 && !is_hex(f[3], 64)))
		return -1;
	memset(u, 0, sizeof(*u));
	lower(f[1]); /* realms are domains here: no case */
	snprintf(u->id, sizeof(u->id), "%s@%s", f[0], f[1]);
	snprintf(u->ha1_md5, sizeof(u->ha1_md5), "%s", f[2]);
	lower(u->ha1_md5);
	if (n == 4) {
		snprintf(u->ha1_sha256, sizeof(u->ha1_sha256), "%s", f[3]);
		lower(u->ha1_sha256);
	}
	return 0;
}

/* Reads the users file into a new table; NULL with a message in err. */
static struct users *users_load(struct sk_proxy_auth *a, char *err, size_t errsize)
{
	FILE *f = fopen(a->path, "r");
	if (!f) {
		snprintf(err, errsize, "cannot read %s: %s", a->path, strerror(errno));
		return NULL;
	}
	struct users *u = calloc(1, sizeof(*u));
	size_t cap = 0, lineno = 0, foreign = 0;
	char line[AUTH_LINE_MAX + 2];
	bool ok = u && sk_htab_init(&u->tab, 64) == 0;
	while (ok && fgets(line, sizeof(line), f)) {
		lineno++;
		struct user one;
		int rc = strlen(line) > AUTH_LINE_MAX ? -1 : parse_line(line, &one);
		if (rc < 0) {
			snprintf(err, errsize, "%s:%zu: not 'user:realm:HA1[:HA1-SHA-256]'",
			         a->path, lineno);
			ok = false;
		} else if (rc == 0) {
			const char *realm = strchr(one.id, '@') + 1;
			if (!sk_proxy_serves(a->p, sk_str_c(realm))) {
				foreign++; /* a realm we do not serve: nobody can use it */
				continue;
			}
			if (u->n == AUTH_MAX_USERS) {
				snprintf(err, errsize, "%s: more than %d users", a->path,
				         AUTH_MAX_USERS);
				ok = false;
			} else if (u->n == cap) {
				cap = cap ? cap * 2 : 64;
				struct user *v = realloc(u->v, cap * sizeof(*v));
				if (!v) {
					snprintf(err, errsize, "out of memory");
					ok = false;
				} else {
					u->v = v;
				}
			}
			if (ok)
				u->v[u->n++] = one;
		}
	}
	fclose(f);
	/* the nodes are linked once the array no longer moves; a duplicate: the last wins */
	for (size_t i = 0; ok && i < u->n; i++) {
		struct user *x = &u->v[i];
		uint64_t h = sk_hash(sk_stack_hash_key(a->p->stack), x->id, strlen(x->id));
		struct sk_hnode *old = sk_htab_find(&u->tab, h, user_eq, x->id);
		if (old)
			sk_htab_remove(&u->tab, old);
		sk_htab_insert(&u->tab, &x->node, h);
	}
	if (!ok) {
		users_free(u);
		return NULL;
	}
	if (foreign)
		sk_logf(sk_proxy_log(a->p), SK_LOG_WARN,
		        "proxy: %s: %zu users of realms this proxy does not serve ignored", a->path,
		        foreign);
	return u;
}

int sk_proxy_users_reload(struct sk_proxy *p, char *err, size_t errsize)
{
	if (!p->auth)
		return -SK_EINVAL;
	struct users *u = users_load(p->auth, err, errsize);
	if (!u)
		return -SK_EINVAL;
	users_free(p->auth->users);
	p->auth->users = u;
	sk_logf(sk_proxy_log(p), SK_LOG_INFO, "proxy: %zu users from %s", sk_htab_count(&u->tab),
	        p->auth->path);
	return 0;
}

bool sk_proxy_user_known(const struct sk_proxy *p, const char *aor)
{
	return p->auth && user_find(p->auth, aor);
}

size_t sk_proxy_users(const struct sk_proxy *p)
{
	return p->auth ? sk_htab_count(&p->auth->users->tab) : 0;
}

/*
 * "MD5,SHA-256" (the default), "SHA-256,MD5", "SHA-256"...: what is offered, in order.
 * MD5 comes first by default although SHA-256 is stronger: RFC 7616 §3.7 has a client
 * answer the first challenge it supports, and clients that take the first one blindly
 * fail on a SHA-256 one (SIPp 3.6.1: "authentication must use MD5"); a network whose
 * phones all speak SHA-256 says "SHA-256,MD5" or "SHA-256".
 */
static int parse_algs(struct sk_proxy_auth *a, const char *list, char *err, size_t errsize)
{
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", list ? list : "MD5,SHA-256");
	a->nalgs = 0;
	for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		enum sk_digest_alg alg = !strcasecmp(t, "MD5")       ? SK_DIGEST_MD5
		                         : !strcasecmp(t, "SHA-256") ? SK_DIGEST_SHA256
		                                                     : SK_DIGEST_NONE;
		if (!alg || a->nalgs == 2 || (a->nalgs && a->algs[0] == alg)) {
			snprintf(err, errsize,
			         "bad digest algorithms '%s' (MD5, SHA-256, in order)", list);
			return -SK_EINVAL;
		}
		a->algs[a->nalgs++] = alg;
	}
	if (!a->nalgs) {
		snprintf(err, errsize, "no digest algorithm in '%s'", list);
		return -SK_EINVAL;
	}
	return 0;
}

int sk_proxy_auth_fails_new(struct sk_proxy_auth_fails **out, const struct sk_hash_key *key)
{
	struct sk_proxy_auth_fails *f = calloc(1, sizeof(*f));
	if (!f)
		return -SK_ENOMEM;
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		free(f);
		return -SK_ENOMEM;
	}
	f->key = *key;
	*out = f;
	return 0;
}

void sk_proxy_auth_fails_free(struct sk_proxy_auth_fails *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int sk_proxy_auth_init(struct sk_proxy *p, const char *path, const char *algs,
                       struct sk_proxy_auth_fails *shared, char *err, size_t errsize)
{
	struct sk_proxy_auth *a = calloc(1, sizeof(*a));
	if (a) {
		a->fails = shared;
		if (!shared) {
			a->own_fails = true;
			if (sk_proxy_auth_fails_new(&a->fails, sk_stack_hash_key(p->stack)) < 0)
				a->fails = NULL;
		}
	}
	if (!a || !(a->path = strdup(path)) ||
	    !(a->nonces = calloc(AUTH_NONCE_SLOTS, sizeof(*a->nonces))) || !a->fails) {
		p->auth = a;
		snprintf(err, errsize, "out of memory");
		return -SK_ENOMEM;
	}
	a->p = p;
	p->auth = a;
	/* the nonce key: from the stack's secret (OS-random, or the seed of a test run) */
	const struct sk_hash_key *k = sk_stack_hash_key(p->stack);
	unsigned char seed[40];
	memcpy(seed, "sipkit digest nonce key:", 24);
	memcpy(seed + 24, &k->k0, 8);
	memcpy(seed + 32, &k->k1, 8);
	unsigned len = 0;
	if (!EVP_Digest(seed, sizeof(seed), a->key, &len, EVP_sha256(), NULL)) {
		snprintf(err, errsize, "no SHA-256 in libcrypto");
		return -SK_EINVAL;
	}
	a->next_index = (uint32_t)sk_rng_next(sk_stack_rng(p->stack));
	if (parse_algs(a, algs, err, errsize) < 0)
		return -SK_EINVAL;
	return sk_proxy_users_reload(p, err, errsize);
}

void sk_proxy_auth_free(struct sk_proxy_auth *a)
{
	if (!a)
		return;
	users_free(a->users);
	free(a->nonces);
	if (a->own_fails)
		sk_proxy_auth_fails_free(a->fails);
	free(a->path);
	free(a);
}

/* ---- nonces ---------------------------------------------------------------- */

#define NONCE_LEN (8 + 1 + 16 + 1 + 32) /* index.time.mac */

static void nonce_mac(const struct sk_proxy_auth *a, uint32_t index, uint64_t t,
                      struct sk_str realm, char out[33])
{
	unsigned char msg[12 + AUTH_NAME_MAX], mac[32];
	unsigned mlen = 0;
	size_t rl = realm.len < AUTH_NAME_MAX ? realm.len : AUTH_NAME_MAX;
	memcpy(msg, &index, 4);
	memcpy(msg + 4, &t, 8);
	memcpy(msg + 12, realm.p, rl);
	HMAC(EVP_sha256(), a->key, sizeof(a->key), msg, 12 + rl, mac, &mlen);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void nonce_make(struct sk_proxy_auth *a, struct sk_str realm, char out[NONCE_LEN + 1])
{
	uint32_t index = a->next_index++;
	uint64_t t = sk_stack_now(a->p->stack);
	char mac[33];
	nonce_mac(a, index, t, realm, mac);
	snprintf(out, NONCE_LEN + 1, "%08x.%016llx.%s", (unsigned)index, (unsigned long long)t,
	         mac);
	a->nonces[index % AUTH_NONCE_SLOTS] = (struct nonce_slot){index, 0};
}

enum nonce_state { NONCE_FRESH, NONCE_STALE, NONCE_REPLAY };

static uint64_t hexnum(const char *p, size_t n, bool *ok)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			*ok = false;
		v = v << 4 | (uint64_t)(d < 0 ? 0 : d);
	}
	return v;
}

/* Whether the nonce is ours, young, and not used with this nc before (nc 0: no qop). */
static enum nonce_state nonce_check(struct sk_proxy_auth *a, struct sk_str nonce,
                                    struct sk_str realm, uint32_t nc, bool commit)
{
	bool ok = nonce.len == NONCE_LEN && nonce.p[8] == '.' && nonce.p[25] == '.';
	uint32_t index = ok ? (uint32_t)hexnum(nonce.p, 8, &ok) : 0;
	uint64_t t = ok ? hexnum(nonce.p + 9, 16, &ok) : 0;
	char mac[33];
	if (!ok)
		return NONCE_STALE;
	nonce_mac(a, index, t, realm, mac);
	if (!sk_digest_equal((struct sk_str){nonce.p + 26, 32}, mac))
		return NONCE_STALE; /* another key (a restart), or forged */
	uint64_t now = sk_stack_now(a->p->stack);
	struct nonce_slot *s = &a->nonces[index % AUTH_NONCE_SLOTS];
	if (t > now || now - t > AUTH_NONCE_MS || s->index != index)
		return NONCE_STALE;
	if (s->nc == UINT32_MAX || (nc && nc <= s->nc))
		return NONCE_REPLAY;
	if (commit)
		s->nc = nc ? nc : UINT32_MAX; /* without qop: once */
	return NONCE_FRESH;
}

/* ---- failures per source ------------------------------------------------- */

static size_t source_key(const struct sk_sa *from, uint8_t addr[16])
{
	size_t len = 0;
	if (from->u.sa.sa_family == AF_INET) {
		memcpy(addr, &from->u.in.sin_addr, 4);
		len = 4;
	} else if (from->u.sa.sa_family == AF_INET6) {
		memcpy(addr, &from->u.in6.sin6_addr, 8); /* a /64: one host's many addresses */
		len = 8;
	}
	return len;
}

/* The slot of from's failures, under f->lock; NULL when none (and take is false, or
 * another source's block holds it). */
static struct fail_slot *fail_slot(struct sk_proxy_auth_fails *f, const struct sk_sa *from,
                                   uint64_t now, bool take)
{
	uint8_t addr[16];
	size_t len = source_key(from, addr);
	if (!len)
		return NULL;
	struct fail_slot *s = &f->slot[sk_hash(&f->key, addr, len) % AUTH_FAIL_SLOTS];
	if (s->len == len && !memcmp(s->addr, addr, len))
		return s;
	/* another source holds the slot: taken over unless it is blocked */
	if (!take || (s->len && s->blocked_until > now))
		return NULL;
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, addr, len);
	s->len = (uint8_t)len;
	s->window = now;
	return s;
}

static bool source_blocked(struct sk_proxy_auth *a, const struct sk_sa *from)
{
	uint64_t now = sk_stack_now(a->p->stack);
	pthread_mutex_lock(&a->fails->lock);
	struct fail_slot *s = fail_slot(a->fails, from, now, false);
	bool blocked = s && s->blocked_until > now;
	pthread_mutex_unlock(&a->fails->lock);
	return blocked;
}

static void source_failed(struct sk_proxy_auth *a, const struct sk_sa *from)
{
	uint64_t now = sk_stack_now(a->p->stack);
	uint32_t fails = 0;
	pthread_mutex_lock(&a->fails->lock);
	struct fail_slot *s = fail_slot(a->fails, from, now, true);
	if (s) {
		if (now - s->window > AUTH_FAIL_WINDOW_MS) {
			s->window = now;
			s->fails = 0;
		}
		if (++s->fails >= AUTH_FAIL_MAX && s->blocked_until <= now) {
			s->blocked_until = now + AUTH_BLOCK_MS;
			fails = s->fails;
		}
	}
	pthread_mutex_unlock(&a->fails->lock);
	if (fails) { /* the worker whose failure blocked it says so, once */
		a->p->st.auth_blocked++;
		char from_s[64];
		sk_sa_print(from, from_s, sizeof(from_s));
		sk_logf(sk_proxy_log(a->p), SK_LOG_WARN,
		        "proxy: %s blocked for %d s after %u failed authentications", from_s,
		        AUTH_BLOCK_MS / 1000, (unsigned)fails);
	}
}

/* ---- challenges and checks ---------------------------------------------------- */

/* 401 (REGISTER for us) or 407 with a challenge per algorithm offered, in order (RFC 8760 §2.4). */
static int challenge(struct sk_proxy_auth *a, struct sk_txn *st, bool www, struct sk_str realm,
                     bool stale)
{
	char nonce[NONCE_LEN + 1], extra[2 * (AUTH_NAME_MAX + NONCE_LEN + 120)], value[400];
	const char *name = www ? "WWW-Authenticate" : "Proxy-Authenticate";
	nonce_make(a, realm, nonce);
	struct sk_digest_challenge ch = {
	    .realm = realm, .nonce = sk_str_c(nonce), .qop_auth = true, .stale = stale};
	size_t n = 0;
	extra[0] = '\0';
	for (size_t i = 0; i < a->nalgs; i++) {
		ch.alg = a->algs[i];
		if (sk_digest_challenge_format(&ch, value, sizeof(value)) == 0)
			n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s: %s\r\n", name,
			                      value);
	}
	a->p->st.challenges++;
	return sk_proxy_reply(a->p, st, www ? 401 : 407, NULL, extra) < 0 ? 500 : (www ? 401 : 407);
}

/* The realm a request is challenged in: the domain of the identity it claims, when ours. */
static struct sk_str realm_for(const struct sk_proxy *p, const struct sk_msg *req, bool www)
{
	const struct sk_addr *who = www ? sk_msg_to(req) : sk_msg_from(req);
	if (who && sk_proxy_serves(p, who->uri.host))
		return who->uri.host;
	return sk_str_c(p->domains[0]);
}

/* The credentials of the request for one of our realms, parsed; the header in *hdr. */
static bool find_credentials(const struct sk_proxy *p, const struct sk_msg *req, bool www,
                             struct sk_digest_credentials *cr, const struct sk_hdr **hdr)
{
	const struct sk_hdr *h =
	    sk_msg_hdr_first(req, www ? SK_HDR_AUTHORIZATION : SK_HDR_PROXY_AUTHORIZATION);
	for (size_t guard = 0; h && guard < 16; guard++) {
		if (sk_digest_credentials_parse(cr, h->value) == 0 &&
		    sk_proxy_serves(p, cr->realm)) {
			*hdr = h;
			return true;
		}
		h = h->next == UINT32_MAX ? NULL : sk_msg_hdr_at(req, h->next);
	}
	return false;
}

const struct sk_hdr *sk_proxy_auth_consumed(const struct sk_proxy *p, const struct sk_msg *req)
{
	struct sk_digest_credentials cr;
	const struct sk_hdr *h = NULL;
	if (!p->auth || !find_credentials(p, req, false, &cr, &h))
		return NULL;
	return h;
}

/* Lower-case "user@realm" of credentials (quoted-pairs undone); false when too long. */
static bool credentials_id(const struct sk_digest_credentials *cr, char *id, size_t size)
{
	char user[AUTH_NAME_MAX], realm[AUTH_NAME_MAX];
	if (cr->userhash || sk_digest_unquote(cr->username, user, sizeof(user)) < 0 ||
	    sk_digest_unquote(cr->realm, realm, sizeof(realm)) < 0)
		return false; /* userhash is not offered */
	lower(realm);
	snprintf(id, size, "%s@%s", user, realm);
	return true;
}

/* An HA1 for a user we do not have: as much work, a value nobody can answer. */
static void phantom_ha1(const struct sk_proxy_auth *a, const char *id, enum sk_digest_alg alg,
                        char out[SK_DIGEST_HEX_MAX])
{
	unsigned char mac[32];
	unsigned mlen = 0;
	HMAC(EVP_sha256(), a->key, sizeof(a->key), (const unsigned char *)id, strlen(id), mac,
	     &mlen);
	size_t n = alg == SK_DIGEST_SHA256 ? 32 : 16;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* The identity a request claims: To of a REGISTER (§10.3 step 3), else From. */
static bool claims(const struct sk_msg *req, bool reg, const char *id)
{
	const struct sk_addr *who = reg ? sk_msg_to(req) : sk_msg_from(req);
	const char *at = strchr(id, '@');
	if (!who || !at)
		return false;
	return sk_str_eq(who->uri.user, (struct sk_str){id, (size_t)(at - id)}) &&
	       sk_str_caseeq_c(who->uri.host, at + 1);
}

int sk_proxy_auth_check(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req, bool local,
                        bool *authed)
{
	struct sk_proxy_auth *a = p->auth;
	const struct sk_sa *from = &sk_txn_flow(st)->remote;
	const struct sk_uri *ru = sk_msg_ruri(req);
	struct sk_str m = sk_msg_method(req);
	bool reg = local && sk_str_eq(m, SK_STR_LIT("REGISTER"));
	*authed = false;
	/* an OPTIONS to the proxy itself (keep-alives) names nobody: answered as it is */
	if (local && !ru->user.len && sk_str_eq(m, SK_STR_LIT("OPTIONS")))
		return 0;
	if (source_blocked(a, from)) {
		p->st.auth_refused++;
		sk_proxy_reply(p, st, 403, "Forbidden", NULL);
		return 403;
	}
	struct sk_digest_credentials cr;
	const struct sk_hdr *h;
	if (!find_credentials(p, req, reg, &cr, &h))
		return challenge(a, st, reg, realm_for(p, req, reg), false);
	char id[2 * AUTH_NAME_MAX + 2], ha1[SK_DIGEST_HEX_MAX], want[SK_DIGEST_HEX_MAX];
	const struct user *u = NULL;
	bool named = credentials_id(&cr, id, sizeof(id));
	if (named)
		u = user_find(a, id);
	else
		snprintf(id, sizeof(id), "?");
	const char *known = !u ? NULL : cr.alg == SK_DIGEST_SHA256 ? u->ha1_sha256 : u->ha1_md5;
	if (known && known[0])
		snprintf(ha1, sizeof(ha1), "%s", known);
	else
		phantom_ha1(a, id, cr.alg, ha1);
	bool qop = cr.qop.len > 0;
	bool right =
	    (!qop || (sk_str_eq(cr.qop, SK_STR_LIT("auth")) && cr.nc_value && cr.cnonce.len)) &&
	    sk_digest_response(cr.alg, cr.sess, ha1, cr.nonce, cr.nc, cr.cnonce, cr.qop, m, cr.uri,
	                       want) == 0 &&
	    sk_digest_equal(cr.response, want) && known && known[0];
	enum nonce_state ns = nonce_check(a, cr.nonce, cr.realm, qop ? cr.nc_value : 0, right);
	if (!right) {
		p->st.auth_failed++;
		source_failed(a, from);
		char from_s[64];
		sk_sa_print(from, from_s, sizeof(from_s));
		sk_logf(sk_proxy_log(p), SK_LOG_INFO, "proxy: authentication failed for %s from %s",
		        id, from_s);
		return challenge(a, st, reg, cr.realm, false);
	}
	if (ns != NONCE_FRESH) /* the password was right: a new nonce, no question to the user */
		return challenge(a, st, reg, cr.realm, true);
	/* §22.3 and §10.3 step 3: authenticated, and only as who it claims to be */
	if (!claims(req, reg, id)) {
		p->st.auth_refused++;
		char extra[AUTH_NAME_MAX * 2 + 96];
		snprintf(extra, sizeof(extra), "Warning: 399 %s \"%s is not %s\"\r\n",
		         p->domains[0], id,
		         reg ? "the address of record in To" : "the identity in From");
		sk_proxy_reply(p, st, 403, "Forbidden", extra);
		return 403;
	}
	*authed = true;
	return 0;
}
