/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing and the one hash table of the stack.
 *
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012),
 * written from the paper: SipHash-2-4 is checked against its test vectors,
 * tables use SipHash-1-3, which is what keyed tables elsewhere settled on (the
 * output only picks a bucket and never leaves the process). Keys come from
 * the stack's generator or from the OS, so a peer who picks branches,
 * Call-IDs or AORs cannot predict which bucket they land in.
 *
 * The table is chained and intrusive (struct sk_hnode sits in its owner) and
 * doubles incrementally, like redis' dict: when an insert finds as many nodes
 * as buckets it allocates the double and from then on each insert moves the
 * next HTAB_STEP buckets of the old array into the new one, until none is
 * left. A hash h lives in old[h & mask0] if that bucket has not been moved
 * yet, else in new[h & mask1]: a lookup reads exactly one chain. Growing is
 * over before the next doubling is due (mask0 + 1 buckets to move, at least
 * as many inserts to the next trigger), so there are never three arrays.
 *
 * Costs (n nodes, c the length of the chain of the hash concerned, about 1
 * under a secret key):
 *   insert   O(1) + moving HTAB_STEP buckets (their chains); the doubling's
 *            calloc of the new array, once per doubling
 *   first    O(c)    find  O(c) calls of eq    remove  O(c)
 *   iterate  O(n + buckets) for the whole walk
 *   scan     one bucket (three while growing) per step
 * Only inserts move buckets, so removing during a walk or a scan leaves the
 * other nodes where they are. When the double cannot be allocated the table
 * goes on with longer chains and tries again at the next insert.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sipkit/core.h"

#define HTAB_MIN  8 /* buckets of the smallest table */
#define HTAB_STEP 2 /* buckets each insert moves while growing */

/* ---- SipHash ---------------------------------------------------------------- */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[2] += v[3];
	v[1] = rotl(v[1], 13);
	v[3] = rotl(v[3], 16);
	v[1] ^= v[0];
	v[3] ^= v[2];
	v[0] = rotl(v[0], 32);
	v[2] += v[1];
	v[0] += v[3];
	v[1] = rotl(v[1], 17);
	v[3] = rotl(v[3], 21);
	v[1] ^= v[2];
	v[3] ^= v[0];
	v[2] = rotl(v[2], 32);
}

static inline void sip_init(uint64_t v[4], const struct sk_hash_key *key)
{
	/* "somepseudorandomlygeneratedbytes" */
	v[0] = key->k0 ^ 0x736f6d6570736575ull;
	v[1] = key->k1 ^ 0x646f72616e646f6dull;
	v[2] = key->k0 ^ 0x6c7967656e657261ull;
	v[3] = key->k1 ^ 0x7465646279746573ull;
}

static inline void sip_word(uint64_t v[4], uint64_t m, int c)
{
	v[3] ^= m;
	for (int i = 0; i < c; i++)
		sip_round(v);
	v[0] ^= m;
}

static inline uint64_t sip_final(uint64_t v[4], int d)
{
	v[2] ^= 0xff;
	for (int i = 0; i < d; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * ASCII upper case to lower on the 8 bytes of a word at once: a byte below 0x80 whose low 7 bits
 * are >= 'A' and not > 'Z' gets 0x20 (bit 7 of each byte sum says >=; the
 * sums of 7-bit values and these constants never carry into the next byte).
 */
static inline uint64_t fold64(uint64_t m)
{
	const uint64_t hi = 0x8080808080808080ull, ones = 0x0101010101010101ull;
	uint64_t x = m & ~hi;
	uint64_t ge_a = (x + ones * (0x80 - 'A')) & hi;
	uint64_t gt_z = (x + ones * (0x80 - 'Z' - 1)) & hi;
	return m | ((ge_a & ~gt_z & ~m) >> 2);
}

/*
 * Little-endian loads whatever the host and whatever the alignment: memcpy compiles to one
 * load (and a byte swap on a big-endian host), where assembling the bytes one by one cost
 * about 50 instructions a word, most of a short branch's hash.
 */
static inline uint64_t load_le64(const unsigned char *p)
{
	uint64_t m;
	memcpy(&m, p, sizeof(m));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	m = __builtin_bswap64(m);
#endif
	return m;
}

static inline uint64_t load_le32(const unsigned char *p)
{
	uint32_t m;
	memcpy(&m, p, sizeof(m));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	m = __builtin_bswap32(m);
#endif
	return m;
}

static inline uint64_t load_le16(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8;
}

/* A word, folded to lower case when asked. */
static inline uint64_t load64(const unsigned char *p, bool nocase)
{
	uint64_t m = load_le64(p);
	return nocase ? fold64(m) : m;
}

/* The last len % 8 bytes (fewer than 8) as the low bytes of a word, the rest zero, folded
 * when asked (fold64 leaves the zero bytes zero): three loads at most, not a loop. */
static inline uint64_t load_tail(const unsigned char *p, size_t r, bool nocase)
{
	uint64_t m = 0;
	size_t k = 0;
	if (r & 4) {
		m = load_le32(p);
		k = 4;
	}
	if (r & 2) {
		m |= load_le16(p + k) << (8 * k);
		k += 2;
	}
	if (r & 1)
		m |= (uint64_t)p[k] << (8 * k);
	return nocase ? fold64(m) : m;
}

/* Always inlined: with constant c, d and nocase each caller gets its own unrolled copy. */
static inline __attribute__((always_inline)) uint64_t
siphash(const struct sk_hash_key *key, int c, int d, const void *data, size_t len, bool nocase)
{
	const unsigned char *p = data;
	uint64_t v[4];
	sip_init(v, key);
	size_t i = 0;
	for (; i + 8 <= len; i += 8)
		sip_word(v, load64(p + i, nocase), c);
	/* the length's low byte closes the message; an empty one may have no pointer
	 * (an RFC 2543 peer's missing branch): no arithmetic on it then */
	uint64_t tail = i < len ? load_tail(p + i, len - i, nocase) : 0;
	sip_word(v, tail | (uint64_t)len << 56, c);
	return sip_final(v, d);
}

uint64_t sk_siphash(const struct sk_hash_key *key, int c, int d, const void *p, size_t len)
{
	return siphash(key, c, d, p, len, false);
}

uint64_t sk_hash(const struct sk_hash_key *key, const void *p, size_t len)
{
	return siphash(key, 1, 3, p, len, false);
}

uint64_t sk_hash_case(const struct sk_hash_key *key, const void *p, size_t len)
{
	return siphash(key, 1, 3, p, len, true);
}

void sk_hash_key_from_rng(struct sk_hash_key *key, struct sk_rng *r)
{
	key->k0 = sk_rng_next(r);
	key->k1 = sk_rng_next(r);
}

int sk_hash_key_from_os(struct sk_hash_key *key)
{
	if (getrandom(key, sizeof(*key), 0) == (ssize_t)sizeof(*key))
		return 0;
	/* still a key, but one an attacker who knows the binary might guess */
	struct sk_rng r;
	sk_rng_seed(&r, (uint64_t)(uintptr_t)key ^ (uint64_t)(uintptr_t)&r);
	sk_hash_key_from_rng(key, &r);
	return -SK_EAGAIN;
}

/* ---- incremental ------------------------------------------------------------ */

void sk_hash_init(struct sk_hash_state *s, const struct sk_hash_key *key)
{
	sip_init(s->v, key);
	s->tail = 0;
	s->total = 0;
}

static void feed(struct sk_hash_state *s, const unsigned char *p, size_t len, bool nocase)
{
	unsigned o = (unsigned)(s->total & 7); /* bytes already waiting in s->tail */
	size_t i = 0;

	s->total += len;
	if (o == 0) {
		for (; i + 8 <= len; i += 8)
			sip_word(s->v, load64(p + i, nocase), 1);
		if (i < len)
			s->tail = load_tail(p + i, len - i, nocase);
		return;
	}
	/* each word read completes the waiting one; its high bytes start the next */
	for (; i + 8 <= len; i += 8) {
		uint64_t w = load64(p + i, nocase);
		sip_word(s->v, s->tail | w << (8 * o), 1);
		s->tail = w >> (64 - 8 * o);
	}
	if (i < len) {
		size_t r = len - i;
		uint64_t w = load_tail(p + i, r, nocase);
		if (o + r < 8) {
			s->tail |= w << (8 * o);
		} else {
			sip_word(s->v, s->tail | w << (8 * o), 1);
			s->tail = w >> (64 - 8 * o);
		}
	}
}

void sk_hash_update(struct sk_hash_state *s, const void *p, size_t len)
{
	feed(s, p, len, false);
}

/* The 8 bytes of v, low byte first, fed as one word (not byte by byte). */
void sk_hash_u64(struct sk_hash_state *s, uint64_t v)
{
	unsigned o = (unsigned)(s->total & 7);

	s->total += 8;
	if (o == 0) {
		sip_word(s->v, v, 1);
		return;
	}
	sip_word(s->v, s->tail | v << (8 * o), 1);
	s->tail = v >> (64 - 8 * o);
}

/* The length first makes the encoding of a field sequence unambiguous. */
void sk_hash_field(struct sk_hash_state *s, struct sk_str v)
{
	sk_hash_u64(s, v.len);
	feed(s, (const unsigned char *)v.p, v.len, false);
}

void sk_hash_field_case(struct sk_hash_state *s, struct sk_str v)
{
	sk_hash_u64(s, v.len);
	feed(s, (const unsigned char *)v.p, v.len, true);
}

uint64_t sk_hash_final(const struct sk_hash_state *s)
{
	uint64_t v[4] = {s->v[0], s->v[1], s->v[2], s->v[3]};
	sip_word(v, s->tail | s->total << 56, 1);
	return sip_final(v, 3);
}

/* ---- the table -------------------------------------------------------------- */

int sk_htab_init(struct sk_htab *t, size_t expected)
{
	size_t n = HTAB_MIN;
	while (n < expected && n <= SIZE_MAX / 4 / sizeof(*t->b[0]))
		n *= 2;
	*t = (struct sk_htab){.mask = {n - 1, 0}};
	t->b[0] = calloc(n, sizeof(*t->b[0]));
	return t->b[0] ? 0 : -SK_ENOMEM;
}

void sk_htab_free(struct sk_htab *t)
{
	if (!t)
		return;
	free(t->b[0]);
	free(t->b[1]);
	t->b[0] = t->b[1] = NULL;
	t->count = 0;
}

/* The head of the one chain where a hash lives (see the banner). */
static struct sk_hnode **chain_of(const struct sk_htab *t, uint64_t hash)
{
	size_t i = (size_t)hash & t->mask[0];
	if (t->b[1] && i < t->rehash)
		return &t->b[1][(size_t)hash & t->mask[1]];
	return &t->b[0][i];
}

/* Moves the next HTAB_STEP buckets of b[0]; the last one makes b[1] the table. */
static void grow_step(struct sk_htab *t)
{
	size_t moved = 0;
	for (; moved < HTAB_STEP && t->rehash <= t->mask[0]; moved++, t->rehash++) {
		struct sk_hnode *n = t->b[0][t->rehash], *next;
		t->b[0][t->rehash] = NULL;
		for (; n; n = next) {
			next = n->next;
			struct sk_hnode **head = &t->b[1][(size_t)n->hash & t->mask[1]];
			n->next = *head;
			*head = n;
		}
	}
	if (moved > t->moved_max)
		t->moved_max = moved;
	if (t->rehash > t->mask[0]) {
		free(t->b[0]);
		t->b[0] = t->b[1];
		t->mask[0] = t->mask[1];
		t->b[1] = NULL;
		t->mask[1] = 0;
		t->rehash = 0;
	}
}

static void grow_start(struct sk_htab *t)
{
	size_t n = (t->mask[0] + 1) * 2;
	if (n > SIZE_MAX / 2 / sizeof(*t->b[1]))
		return;
	t->b[1] = calloc(n, sizeof(*t->b[1]));
	if (!t->b[1])
		return; /* longer chains; the next insert tries again */
	t->mask[1] = n - 1;
	t->rehash = 0;
}

void sk_htab_insert(struct sk_htab *t, struct sk_hnode *n, uint64_t hash)
{
	if (!t->b[1] && t->count > t->mask[0])
		grow_start(t);
	if (t->b[1])
		grow_step(t);
	struct sk_hnode **head = chain_of(t, hash);
	n->hash = hash;
	n->next = *head;
	*head = n;
	t->count++;
}

void sk_htab_remove(struct sk_htab *t, struct sk_hnode *n)
{
	for (struct sk_hnode **pp = chain_of(t, n->hash); *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
}

static struct sk_hnode *same_hash(struct sk_hnode *n, uint64_t hash)
{
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct sk_hnode *sk_htab_first(const struct sk_htab *t, uint64_t hash)
{
	return same_hash(*chain_of(t, hash), hash);
}

struct sk_hnode *sk_htab_next(const struct sk_hnode *n)
{
	return same_hash(n->next, n->hash);
}

struct sk_hnode *sk_htab_find(const struct sk_htab *t, uint64_t hash, sk_htab_eq_fn eq,
                              const void *ctx)
{
	struct sk_hnode *n = sk_htab_first(t, hash);
	while (n && !eq(n, ctx))
		n = sk_htab_next(n);
	return n;
}

/* ---- walks ------------------------------------------------------------------ */

/* Sets it->next to the first node at or after (table, bucket). */
static void iter_seek(struct sk_htab_iter *it)
{
	const struct sk_htab *t = it->t;
	for (; it->table < 2 && t->b[it->table]; it->table++, it->bucket = 0)
		for (; it->bucket <= t->mask[it->table]; it->bucket++)
			if ((it->next = t->b[it->table][it->bucket]))
				return;
	it->next = NULL;
}

struct sk_hnode *sk_htab_iter_first(struct sk_htab_iter *it, const struct sk_htab *t)
{
	*it = (struct sk_htab_iter){.t = t};
	iter_seek(it);
	return sk_htab_iter_next(it);
}

/* Reads ahead, so the node returned may go before the next call. */
struct sk_hnode *sk_htab_iter_next(struct sk_htab_iter *it)
{
	struct sk_hnode *n = it->next;
	if (!n)
		return NULL;
	if (!(it->next = n->next)) {
		it->bucket++;
		iter_seek(it);
	}
	return n;
}

static void visit_chain(struct sk_hnode *n, sk_htab_visit_fn fn, void *arg)
{
	for (struct sk_hnode *next; n; n = next) {
		next = n->next;
		fn(arg, n);
	}
}

/* Bit reversal: the cursor counts from the high bits (swap halves, then quarters...). */
static size_t rev(size_t v)
{
	size_t s = sizeof(v) * 8, mask = ~(size_t)0;
	while ((s >>= 1) > 0) {
		mask ^= mask << s;
		v = ((v >> s) & mask) | ((v << s) & ~mask);
	}
	return v;
}

/* The next cursor under mask m: increment the reversed bits above m's. */
static size_t next_cursor(size_t v, size_t m)
{
	v |= ~m;
	return rev(rev(v) + 1);
}

/*
 * The reverse-binary cursor of redis' dictScan: a bucket i of a table of size
 * 2^k splits into buckets i and i + 2^k of its double, and counting on the
 * reversed bits visits both before any bucket it has not covered, so doubling
 * between steps neither skips a node nor restarts the walk.
 */
size_t sk_htab_scan(struct sk_htab *t, size_t cursor, sk_htab_visit_fn fn, void *arg)
{
	size_t m0 = t->mask[0];
	visit_chain(t->b[0][cursor & m0], fn, arg);
	if (!t->b[1])
		return next_cursor(cursor, m0);
	/* growing: also the buckets of the double that bucket splits into */
	size_t m1 = t->mask[1];
	do {
		visit_chain(t->b[1][cursor & m1], fn, arg);
		cursor = next_cursor(cursor, m1);
	} while (cursor & (m0 ^ m1));
	return cursor;
}
