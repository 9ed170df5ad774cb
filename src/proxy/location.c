/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-memory location store (§10.3: "the location service"): a hash
 * table of addresses of record (sk_htab, which doubles a step at a time while
 * it holds as many AORs as buckets, so up to the power of two at or above
 * max_aors), each AOR with at
 * most max_bindings bindings in the order they were first added. Everything
 * is bounded: max_aors AORs, max_bindings bindings each, keys of at most
 * LOC_AOR_MAX - 1 bytes, and the fixed-size strings of struct sk_binding.
 *
 * Expiry is lazy: an AOR's expired bindings are dropped whenever the AOR is
 * looked up, changed or removed from; put and remove have no clock, so they
 * use the latest `now` any lookup passed (the stack clock is monotonic, so a
 * binding expired then is expired now). Each put also sweeps the next couple
 * of buckets (two steps of a resumable sk_htab_scan, which growth does not
 * upset), and a put that finds the table full sweeps a few more, then gives
 * up with -SK_EFULL: every put costs O(1), and AORs nobody asks for again
 * still lose their place once expired, as the sweeps go round.
 *
 * The hash is sk_hash (SipHash-1-3) under a key drawn from the OS when the
 * store is made: AORs come from the network, and a fixed hash would let a
 * peer fill one chain on purpose.
 */
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

#define LOC_AOR_MAX      256  /* bytes of an AOR key, NUL included */
#define LOC_MIN_BUCKETS  16   /* the table's first size */
#define LOC_SWEEP_STEP   2    /* scan steps (buckets) swept by each put */
#define LOC_FULL_SWEEP   32   /* more steps when the store is full, then -SK_EFULL */
#define LOC_MAX_BINDINGS 1024 /* max_bindings above this is refused: lookups sort them */

struct loc_aor {
	struct sk_hnode node; /* in the table, by key */
	size_t n, cap;
	struct sk_binding *b; /* b[0..n), in the order they were first added */
	char key[];
};

struct loc_mem {
	struct sk_htab aors;
	struct sk_hash_key key;
	size_t max_aors, max_bindings;
	uint64_t held;     /* bindings held (expired ones included until dropped) */
	uint64_t last_now; /* the latest clock a lookup passed */
	size_t sweep;      /* the scan cursor of the next bucket a put sweeps */
};

/* ---- the table ------------------------------------------------------------- */

static uint64_t aor_hash(const struct loc_mem *s, const char *aor, size_t len)
{
	return sk_hash(&s->key, aor, len);
}

static struct loc_aor *aor_find(const struct loc_mem *s, const char *aor, uint64_t h)
{
	for (struct sk_hnode *n = sk_htab_first(&s->aors, h); n; n = sk_htab_next(n)) {
		struct loc_aor *a = sk_container_of(n, struct loc_aor, node);
		if (strcmp(a->key, aor) == 0)
			return a;
	}
	return NULL;
}

static void aor_unlink_free(struct loc_mem *s, struct loc_aor *a)
{
	sk_htab_remove(&s->aors, &a->node);
	s->held -= a->n;
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

/* Purges an AOR at last_now, freeing it when left empty (a scan's visit). */
static void sweep_aor(void *arg, struct sk_hnode *n)
{
	struct loc_mem *s = arg;
	struct loc_aor *a = sk_container_of(n, struct loc_aor, node);
	purge(s, a, s->last_now);
	if (a->n == 0)
		aor_unlink_free(s, a);
}

/* True when the strings fit their fields (NUL inside). */
static bool binding_ok(const struct sk_binding *b)
{
	return memchr(b->contact, '\0', sizeof(b->contact)) && b->contact[0] &&
	       memchr(b->call_id, '\0', sizeof(b->call_id)) &&
	       memchr(b->source, '\0', sizeof(b->source)) &&
	       memchr(b->transport, '\0', sizeof(b->transport));
}

/* ---- the operations -------------------------------------------------------- */

/*
 * Unexpired bindings of aor at now into out[0..max), by q descending; equal
 * q values keep the order the bindings were first added (stable). Returns the
 * number written. Expired bindings are dropped, and the AOR with them when
 * none is left.
 */
static int mem_lookup(void *st, const char *aor, uint64_t now, struct sk_binding *out, size_t max)
{
	struct loc_mem *s = st;
	if (now > s->last_now)
		s->last_now = now;
	if (!aor || strlen(aor) >= LOC_AOR_MAX)
		return 0;
	struct loc_aor *a = aor_find(s, aor, aor_hash(s, aor, strlen(aor)));
	if (!a)
		return 0;
	purge(s, a, now);
	if (a->n == 0) {
		aor_unlink_free(s, a);
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
	return (int)k; /* k <= max_bindings <= LOC_MAX_BINDINGS */
}

/*
 * Adds b to aor, or replaces in place the binding with the same contact
 * string (the caller passes canonical URI text, or the stored text of the
 * binding it means). -SK_ETOOBIG when aor already has max_bindings other
 * bindings, or when aor is longer than the store keeps; -SK_EFULL when
 * max_aors AORs are held and aor is not one of them; -SK_ENOMEM; -SK_EINVAL
 * for strings that do not fit their fields.
 */
static int mem_put(void *st, const char *aor, const struct sk_binding *b)
{
	struct loc_mem *s = st;
	if (!aor || !*aor || !b || !binding_ok(b))
		return -SK_EINVAL;
	size_t len = strlen(aor);
	if (len >= LOC_AOR_MAX)
		return -SK_ETOOBIG;
	for (int i = 0; i < LOC_SWEEP_STEP; i++)
		s->sweep = sk_htab_scan(&s->aors, s->sweep, sweep_aor, s);
	uint64_t h = aor_hash(s, aor, len);
	struct loc_aor *a = aor_find(s, aor, h);
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
	if (sk_htab_count(&s->aors) >= s->max_aors) {
		/* Full: a bounded sweep more, never a walk over the whole store (a
		 * stranger's REGISTERs for new users would each pay for it). The
		 * sweeps of every put go round the table, so expired AORs still make
		 * room in time; until then the answer is: full, try later. */
		for (int i = 0; i < LOC_FULL_SWEEP; i++)
			s->sweep = sk_htab_scan(&s->aors, s->sweep, sweep_aor, s);
		if (sk_htab_count(&s->aors) >= s->max_aors)
			return -SK_EFULL;
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
	a->cap = 1;
	a->n = 1;
	a->b[0] = *b;
	sk_htab_insert(&s->aors, &a->node, h);
	s->held++;
	return 0;
}

/* Removes the binding of aor with that contact string; contact NULL: all of them. */
static int mem_remove(void *st, const char *aor, const char *contact)
{
	struct loc_mem *s = st;
	if (!aor || strlen(aor) >= LOC_AOR_MAX)
		return 0;
	struct loc_aor *a = aor_find(s, aor, aor_hash(s, aor, strlen(aor)));
	if (!a)
		return 0;
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
		aor_unlink_free(s, a);
	return 0;
}

/* One step of a listing: the sk_htab_scan visit of one AOR. */
struct list_step {
	struct loc_mem *s;
	uint64_t now;
	sk_location_list_fn fn;
	void *arg;
	size_t n;
};

static void list_aor(void *arg, struct sk_hnode *node)
{
	struct list_step *ls = arg;
	struct loc_aor *a = sk_container_of(node, struct loc_aor, node);
	purge(ls->s, a, ls->now);
	if (a->n == 0) {
		aor_unlink_free(ls->s, a);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		ls->fn(ls->arg, a->key, &a->b[i]);
	ls->n += a->n;
}

/*
 * The walk is sk_htab_scan's: a bucket at a time, so a step costs about max
 * bindings plus the buckets on the way (each step visits at most max buckets,
 * empty ones included, so it stays bounded in a sparse table too), and
 * inserts and growth between steps neither stop it nor make it miss an AOR
 * held throughout.
 */
static int mem_list(void *st, uint64_t now, uint64_t *cursor, size_t max, sk_location_list_fn fn,
                    void *arg)
{
	struct loc_mem *s = st;
	if (!cursor || !fn || !max)
		return -SK_EINVAL;
	if (now > s->last_now)
		s->last_now = now;
	struct list_step ls = {s, now, fn, arg, 0};
	size_t c = (size_t)*cursor;
	for (size_t steps = 0; steps < max && ls.n < max; steps++) {
		c = sk_htab_scan(&s->aors, c, list_aor, &ls);
		if (c == 0)
			break;
	}
	*cursor = c;
	return ls.n > INT32_MAX ? INT32_MAX : (int)ls.n;
}

static void mem_free(void *st)
{
	struct loc_mem *s = st;
	if (!s)
		return;
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &s->aors); n; n = sk_htab_iter_next(&it))
		aor_unlink_free(s, sk_container_of(n, struct loc_aor, node));
	sk_htab_free(&s->aors);
	free(s);
}

static const struct sk_location_ops mem_ops = {
    .lookup = mem_lookup,
    .put = mem_put,
    .remove = mem_remove,
    .list = mem_list,
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
	if (sk_htab_init(&s->aors, LOC_MIN_BUCKETS) < 0) {
		free(s);
		return -SK_ENOMEM;
	}
	sk_hash_key_from_os(&s->key); /* weak without OS entropy, still works */
	loc->ops = &mem_ops;
	loc->st = s;
	return 0;
}

/*
 * For the proxy's statistics: the bindings an in-memory store holds (an
 * expired one counts until it is dropped: see above). False for any other store.
 */
bool sk_location_memory_held(const struct sk_location *loc, uint64_t *bindings, size_t *aors)
{
	if (loc && loc->ops != &mem_ops) /* the workers' shared one: what it holds inside */
		return sk_location_shared_held(loc, bindings, aors);
	if (!loc)
		return false;
	const struct loc_mem *s = loc->st;
	if (bindings)
		*bindings = s->held;
	if (aors)
		*aors = sk_htab_count(&s->aors);
	return true;
}
