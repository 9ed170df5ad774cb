/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-memory location store (§10.3: "the location service"): a chained
 * hash table of addresses of record, doubled while it holds more AORs than
 * buckets (up to the power of two at or above max_aors), each AOR with at
 * most max_bindings bindings in the order they were first added. Everything
 * is bounded: max_aors AORs, max_bindings bindings each, keys of at most
 * LOC_AOR_MAX - 1 bytes, and the fixed-size strings of struct sk_binding.
 *
 * Expiry is lazy: an AOR's expired bindings are dropped whenever the AOR is
 * looked up, changed or removed from; put and remove have no clock, so they
 * use the latest `now` any lookup passed (the stack clock is monotonic, so a
 * binding expired then is expired now). Each put also sweeps the next couple
 * of buckets, and a put that finds the table full sweeps all of it before it
 * gives up, so AORs nobody asks for again do not keep their place forever.
 *
 * The hash is SipHash-1-3 under a key drawn from the OS when the store is
 * made: AORs come from the network, and a fixed hash would let a peer fill
 * one chain on purpose.
 */
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

#define LOC_AOR_MAX      256  /* bytes of an AOR key, NUL included */
#define LOC_MIN_BUCKETS  16   /* the table's first size */
#define LOC_SWEEP_STEP   2    /* buckets swept by each put */
#define LOC_MAX_BINDINGS 1024 /* max_bindings above this is refused: lookups sort them */

struct loc_aor {
	struct loc_aor *next;
	uint64_t hash;
	size_t n, cap;
	struct sk_binding *b; /* b[0..n), in the order they were first added */
	char key[];
};

struct loc_mem {
	struct loc_aor **buckets;
	size_t nbuckets, max_buckets;
	size_t naors, max_aors, max_bindings;
	uint64_t held;     /* bindings held (expired ones included until dropped) */
	uint64_t last_now; /* the latest clock a lookup passed */
	size_t sweep;      /* the next bucket a put sweeps */
	uint64_t k0, k1;   /* hash key */
};

/* ---- SipHash-1-3 ----------------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t siphash13(uint64_t k0, uint64_t k1, const char *s, size_t len)
{
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
	                 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint64_t m;
	for (; i + 8 <= len; i += 8) {
		m = 0;
		for (int k = 0; k < 8; k++)
			m |= (uint64_t)p[i + (size_t)k] << (8 * k);
		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
	}
	m = (uint64_t)len << 56;
	for (int k = 0; i + (size_t)k < len; k++)
		m |= (uint64_t)p[i + (size_t)k] << (8 * k);
	v[3] ^= m;
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the table ------------------------------------------------------------- */

static struct loc_aor **find_slot(struct loc_mem *s, const char *aor, uint64_t h)
{
	struct loc_aor **pp = &s->buckets[h & (s->nbuckets - 1)];
	while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, aor) != 0))
		pp = &(*pp)->next;
	return pp;
}

static void aor_unlink_free(struct loc_mem *s, struct loc_aor **pp)
{
	struct loc_aor *a = *pp;
	*pp = a->next;
	s->held -= a->n;
	s->naors--;
	free(a->b);
	free(a);
}

/* Drops the bindings of a expired at now (expires_at <= now), keeping the order. */
static void purge(struct loc_mem *s, struct loc_aor *a, uint64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->b[i].expires_at > now)
			a->b[k++] = a->b[i];
	s->held -= a->n - k;
	a->n = k;
}

/* Purges the AORs of bucket i at last_now, freeing those left empty. */
static void sweep_bucket(struct loc_mem *s, size_t i)
{
	struct loc_aor **pp = &s->buckets[i];
	while (*pp) {
		purge(s, *pp, s->last_now);
		if ((*pp)->n == 0)
			aor_unlink_free(s, pp);
		else
			pp = &(*pp)->next;
	}
}

static void grow(struct loc_mem *s)
{
	size_t n = s->nbuckets * 2;
	struct loc_aor **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct loc_aor *a = s->buckets[i];
		while (a) {
			struct loc_aor *next = a->next;
			size_t b = a->hash & (n - 1);
			a->next = nb[b];
			nb[b] = a;
			a = next;
		}
	}
	free(s->buckets);
	s->buckets = nb;
	s->nbuckets = n;
	s->sweep &= n - 1;
}

/* True when the strings fit their fields (NUL inside). */
static bool binding_ok(const struct sk_binding *b)
{
	return memchr(b->contact, '\0', sizeof(b->contact)) && b->contact[0] &&
	       memchr(b->call_id, '\0', sizeof(b->call_id));
}

/* ---- the operations -------------------------------------------------------- */

/*
 * Unexpired bindings of aor at now into out[0..max), by q descending; equal
 * q values keep the order the bindings were first added (stable). Returns the
 * number written. Expired bindings are dropped, and the AOR with them when
 * none is left.
 */
static size_t mem_lookup(void *st, const char *aor, uint64_t now, struct sk_binding *out,
                         size_t max)
{
	struct loc_mem *s = st;
	if (now > s->last_now)
		s->last_now = now;
	if (!aor || strlen(aor) >= LOC_AOR_MAX)
		return 0;
	struct loc_aor **pp = find_slot(s, aor, siphash13(s->k0, s->k1, aor, strlen(aor)));
	if (!*pp)
		return 0;
	struct loc_aor *a = *pp;
	purge(s, a, now);
	if (a->n == 0) {
		aor_unlink_free(s, pp);
		return 0;
	}
	/* a stable insertion into out, which keeps the first max */
	size_t k = 0;
	for (size_t i = 0; i < a->n && out; i++) {
		size_t pos = k;
		while (pos > 0 && out[pos - 1].q < a->b[i].q)
			pos--;
		if (pos >= max)
			continue;
		size_t last = k < max ? k : max - 1;
		memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof(*out));
		out[pos] = a->b[i];
		if (k < max)
			k++;
	}
	return k;
}

/*
 * Adds b to aor, or replaces in place the binding with the same contact
 * string (the caller passes canonical URI text, or the stored text of the
 * binding it means). -SK_ETOOBIG when aor already has max_bindings other
 * bindings, when max_aors AORs are held and aor is not one of them, or when
 * aor is longer than the store keeps; -SK_ENOMEM; -SK_EINVAL for strings
 * that do not fit their fields.
 */
static int mem_put(void *st, const char *aor, const struct sk_binding *b)
{
	struct loc_mem *s = st;
	if (!aor || !*aor || !b || !binding_ok(b))
		return -SK_EINVAL;
	size_t len = strlen(aor);
	if (len >= LOC_AOR_MAX)
		return -SK_ETOOBIG;
	for (int i = 0; i < LOC_SWEEP_STEP; i++) {
		sweep_bucket(s, s->sweep);
		s->sweep = (s->sweep + 1) & (s->nbuckets - 1);
	}
	uint64_t h = siphash13(s->k0, s->k1, aor, len);
	struct loc_aor **pp = find_slot(s, aor, h);
	struct loc_aor *a = *pp;
	if (a) {
		purge(s, a, s->last_now);
		for (size_t i = 0; i < a->n; i++) {
			if (strcmp(a->b[i].contact, b->contact) == 0) {
				a->b[i] = *b;
				return 0;
			}
		}
		if (a->n >= s->max_bindings)
			return -SK_ETOOBIG;
		if (a->n == a->cap) {
			size_t cap = a->cap * 2 < s->max_bindings ? a->cap * 2 : s->max_bindings;
			struct sk_binding *nb = realloc(a->b, cap * sizeof(*nb));
			if (!nb)
				return -SK_ENOMEM;
			a->b = nb;
			a->cap = cap;
		}
		a->b[a->n++] = *b;
		s->held++;
		return 0;
	}
	if (s->naors >= s->max_aors) {
		for (size_t i = 0; i < s->nbuckets; i++)
			sweep_bucket(s, i);
		if (s->naors >= s->max_aors)
			return -SK_ETOOBIG;
		pp = find_slot(s, aor, h); /* the chain may have changed */
	}
	a = calloc(1, sizeof(*a) + len + 1);
	if (!a)
		return -SK_ENOMEM;
	a->b = malloc(sizeof(*a->b));
	if (!a->b) {
		free(a);
		return -SK_ENOMEM;
	}
	memcpy(a->key, aor, len + 1);
	a->hash = h;
	a->cap = 1;
	a->n = 1;
	a->b[0] = *b;
	*pp = a;
	s->naors++;
	s->held++;
	if (s->naors > s->nbuckets && s->nbuckets < s->max_buckets)
		grow(s);
	return 0;
}

/* Removes the binding of aor with that contact string; contact NULL: all of them. */
static void mem_remove(void *st, const char *aor, const char *contact)
{
	struct loc_mem *s = st;
	if (!aor || strlen(aor) >= LOC_AOR_MAX)
		return;
	struct loc_aor **pp = find_slot(s, aor, siphash13(s->k0, s->k1, aor, strlen(aor)));
	struct loc_aor *a = *pp;
	if (!a)
		return;
	if (contact) {
		purge(s, a, s->last_now);
		for (size_t i = 0; i < a->n; i++) {
			if (strcmp(a->b[i].contact, contact) == 0) {
				memmove(&a->b[i], &a->b[i + 1], (a->n - i - 1) * sizeof(*a->b));
				a->n--;
				s->held--;
				break;
			}
		}
	}
	if (!contact || a->n == 0)
		aor_unlink_free(s, pp);
}

static void mem_free(void *st)
{
	struct loc_mem *s = st;
	if (!s)
		return;
	for (size_t i = 0; i < s->nbuckets; i++)
		while (s->buckets[i])
			aor_unlink_free(s, &s->buckets[i]);
	free(s->buckets);
	free(s);
}

static const struct sk_location_ops mem_ops = {
    .lookup = mem_lookup,
    .put = mem_put,
    .remove = mem_remove,
    .free = mem_free,
};

int sk_location_memory(struct sk_location *loc, size_t max_aors, size_t max_bindings)
{
	if (!loc || !max_aors || !max_bindings || max_bindings > LOC_MAX_BINDINGS ||
	    max_aors > SIZE_MAX / 4)
		return -SK_EINVAL;
	struct loc_mem *s = calloc(1, sizeof(*s));
	if (!s)
		return -SK_ENOMEM;
	s->max_aors = max_aors;
	s->max_bindings = max_bindings;
	s->max_buckets = LOC_MIN_BUCKETS;
	while (s->max_buckets < max_aors)
		s->max_buckets *= 2;
	s->nbuckets = LOC_MIN_BUCKETS;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return -SK_ENOMEM;
	}
	struct sk_rng r;
	if (sk_rng_seed_os(&r) < 0)
		sk_rng_seed(&r, (uint64_t)(uintptr_t)s ^ 0x9e3779b97f4a7c15ull); /* still works */
	s->k0 = sk_rng_next(&r);
	s->k1 = sk_rng_next(&r);
	loc->ops = &mem_ops;
	loc->st = s;
	return 0;
}

/*
 * For the proxy's statistics: the bindings an in-memory store holds (an
 * expired one counts until it is dropped: see above). False for any other store.
 */
bool location_memory_held(const struct sk_location *loc, uint64_t *held)
{
	if (!loc || loc->ops != &mem_ops)
		return false;
	*held = ((const struct loc_mem *)loc->st)->held;
	return true;
}
