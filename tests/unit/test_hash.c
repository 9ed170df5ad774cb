/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing and the incremental hash table (src/core/hash.c):
 *  - SipHash-2-4 gives the reference implementation's 64 vectors (key 00..0f,
 *    messages of 0..63 bytes 00 01 02 ...); vector 15 is the paper's example
 *  - sk_hash is SipHash-1-3, one shot and incremental alike, however split
 *  - the case-insensitive hash folds A-Z and nothing else
 *  - any alignment and any tail length: the vectors read at every offset; the
 *    case-insensitive hash, one shot and after any number of bytes already fed,
 *    equals the hash of the lowered bytes (words are read whole, tails in pieces);
 *    a u64 fed is its 8 bytes, low first, at any offset
 *  - fields are separated: ("ab", "c") and ("a", "bc") hash apart
 *  - a million inserts: every node found during and after each doubling,
 *    removals while growing, no insert moves more than 2 buckets, growing
 *    spreads over many inserts
 *  - walks: each node once, removing (and freeing) the current node
 *  - scans: resumable, every node visited though the table doubles between steps
 *  - two keys place the same strings in different buckets
 *  - a flood: 131072 Call-IDs that all share the low 24 bits of FNV-1a (one
 *    chain in the old tables, whose sizes are powers of two) spread into
 *    chains of at most 16 under the keyed hash
 *  - allocation failure (calloc wrapped, Makefile): init says -SK_ENOMEM; a
 *    doubling that cannot be allocated loses nothing, the table goes on with
 *    longer chains and grows at the first insert after calloc works again
 */
#include "sk_test.h"

/* ---- allocation failure: this binary is linked with -Wl,--wrap=calloc ---- */

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static bool calloc_fails;

void *__wrap_calloc(size_t n, size_t size)
{
	return calloc_fails ? NULL : __real_calloc(n, size);
}

static const struct sk_hash_key key0f = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

/* SipHash-2-4 outputs, read as little-endian words (veorq/SipHash vectors.h). */
static const uint64_t sip24[64] = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
    0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
    0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static void test_siphash24_vectors(void **state)
{
	(void)state;
	unsigned char msg[64];
	for (size_t i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	for (size_t len = 0; len < 64; len++)
		assert_int_equal(sk_siphash(&key0f, 2, 4, msg, len), sip24[len]);
}

static void test_siphash13_incremental(void **state)
{
	(void)state;
	struct sk_rng r;
	sk_rng_seed(&r, 7);
	unsigned char msg[200];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)sk_rng_next(&r);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint64_t h = sk_hash(&key0f, msg, len);
		assert_int_equal(h, sk_siphash(&key0f, 1, 3, msg, len));
		assert_int_not_equal(h, sk_siphash(&key0f, 2, 4, msg, len));
		/* any split into three updates gives the same value */
		size_t a = (size_t)sk_rng_below(&r, len + 1);
		size_t b = a + (size_t)sk_rng_below(&r, len - a + 1);
		struct sk_hash_state s;
		sk_hash_init(&s, &key0f);
		sk_hash_update(&s, msg, a);
		sk_hash_update(&s, msg + a, b - a);
		assert_int_equal(sk_hash_final(&s), sk_siphash(&key0f, 1, 3, msg, b));
		sk_hash_update(&s, msg + b, len - b);
		assert_int_equal(sk_hash_final(&s), h);
	}
}

static void test_hash_case(void **state)
{
	(void)state;
	struct sk_hash_key k;
	struct sk_rng r;
	sk_rng_seed(&r, 1);
	sk_hash_key_from_rng(&k, &r);
	const char *a = "z9hG4bK-Branch.Of~Some*Length!77", *b = "Z9HG4BK-bRANCH.oF~sOME*lENGTH!77";
	const char *low = "z9hg4bk-branch.of~some*length!77";
	size_t n = strlen(a);
	assert_int_equal(sk_hash_case(&k, a, n), sk_hash_case(&k, b, n));
	assert_int_equal(sk_hash_case(&k, a, n), sk_hash(&k, low, n));
	assert_int_not_equal(sk_hash(&k, a, n), sk_hash(&k, b, n));
	/* nothing to hash, and no pointer to it (an RFC 2543 peer's missing branch) */
	assert_int_equal(sk_hash_case(&k, NULL, 0), sk_hash_case(&k, "", 0));
	assert_int_equal(sk_hash(&k, NULL, 0), sk_hash(&k, "", 0));
	/* only letters fold: '@' (0x40) and '`' (0x60) differ by the case bit */
	assert_int_not_equal(sk_hash_case(&k, "a@b", 3), sk_hash_case(&k, "a`b", 3));
	assert_int_not_equal(sk_hash_case(&k, "a[b", 3), sk_hash_case(&k, "a{b", 3));
	/* every byte value, in whole words and in the tail, against a byte-wise fold */
	for (int c = 0; c < 256; c++) {
		unsigned char in[11], folded[11];
		for (size_t i = 0; i < sizeof(in); i++) {
			in[i] = (unsigned char)(i % 3 ? c : (c + 37 * (int)i) & 0xff);
			folded[i] =
			    in[i] >= 'A' && in[i] <= 'Z' ? (unsigned char)(in[i] + 32) : in[i];
		}
		assert_int_equal(sk_hash_case(&k, in, sizeof(in)), sk_hash(&k, folded, sizeof(in)));
	}
	struct sk_hash_state s1, s2;
	sk_hash_init(&s1, &k);
	sk_hash_init(&s2, &k);
	sk_hash_field_case(&s1, sk_str_c(a));
	sk_hash_field_case(&s2, sk_str_c(b));
	assert_int_equal(sk_hash_final(&s1), sk_hash_final(&s2));
}

static void test_siphash_unaligned(void **state)
{
	(void)state;
	unsigned char buf[64 + 8];
	for (size_t off = 1; off < 8; off++) {
		for (size_t i = 0; i < 64; i++)
			buf[off + i] = (unsigned char)i;
		for (size_t len = 0; len < 64; len++)
			assert_int_equal(sk_siphash(&key0f, 2, 4, buf + off, len), sip24[len]);
	}
}

static void test_hash_case_any_offset(void **state)
{
	(void)state;
	struct sk_hash_key k;
	struct sk_rng r;
	sk_rng_seed(&r, 3);
	sk_hash_key_from_rng(&k, &r);
	static const char letters[] = "aZbY-cX.dW!eV~fU*gT%hS'iR0jQ9@`[{";
	char mixed[48 + 8], low[48 + 8], before[16];
	for (size_t i = 0; i < sizeof(before); i++)
		before[i] = (char)sk_rng_next(&r);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 48; len++) {
			for (size_t i = 0; i < len; i++) {
				char c = letters[sk_rng_below(&r, sizeof(letters) - 1)];
				mixed[off + i] = c;
				low[off + i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
			}
			assert_int_equal(sk_hash_case(&k, mixed + off, len),
			                 sk_hash(&k, low + off, len));
			/* fed after `off` bytes (then 8 + off): the tail waits at each position */
			for (size_t pre = off; pre < sizeof(before); pre += 8) {
				struct sk_hash_state s1, s2;
				sk_hash_init(&s1, &k);
				sk_hash_init(&s2, &k);
				sk_hash_update(&s1, before, pre);
				sk_hash_update(&s2, before, pre);
				sk_hash_field_case(&s1, (struct sk_str){mixed + off, len});
				sk_hash_field(&s2, (struct sk_str){low + off, len});
				assert_int_equal(sk_hash_final(&s1), sk_hash_final(&s2));
			}
		}
}

/* sk_hash_u64 is its 8 bytes, low first, whatever was fed before */
static void test_hash_u64_as_bytes(void **state)
{
	(void)state;
	unsigned char before[16], b[8];
	const uint64_t v = 0x8877665544332211ull;
	for (size_t i = 0; i < sizeof(before); i++)
		before[i] = (unsigned char)(0xa0 + i);
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(v >> (8 * k));
	for (size_t pre = 0; pre <= sizeof(before); pre++) {
		struct sk_hash_state s1, s2;
		sk_hash_init(&s1, &key0f);
		sk_hash_init(&s2, &key0f);
		sk_hash_update(&s1, before, pre);
		sk_hash_update(&s2, before, pre);
		sk_hash_u64(&s1, v);
		sk_hash_update(&s2, b, sizeof(b));
		assert_int_equal(sk_hash_final(&s1), sk_hash_final(&s2));
		sk_hash_update(&s1, before, 3);
		sk_hash_update(&s2, before, 3);
		assert_int_equal(sk_hash_final(&s1), sk_hash_final(&s2));
	}
}

static uint64_t two_fields(const struct sk_hash_key *k, const char *x, const char *y)
{
	struct sk_hash_state s;
	sk_hash_init(&s, k);
	sk_hash_field(&s, sk_str_c(x));
	sk_hash_field(&s, sk_str_c(y));
	return sk_hash_final(&s);
}

static void test_hash_fields(void **state)
{
	(void)state;
	struct sk_hash_key k;
	assert_true(sk_hash_key_from_os(&k) == 0 || k.k0 || k.k1);
	assert_int_not_equal(two_fields(&k, "ab", "c"), two_fields(&k, "a", "bc"));
	assert_int_not_equal(two_fields(&k, "", "abc"), two_fields(&k, "abc", ""));
	assert_int_equal(two_fields(&k, "ab", "c"), two_fields(&k, "ab", "c"));
	/* (Call-ID, From tag, CSeq number) */
	struct sk_hash_state s1, s2;
	sk_hash_init(&s1, &k);
	sk_hash_init(&s2, &k);
	sk_hash_field(&s1, SK_STR_LIT("a84b4c76e66710@pc33"));
	sk_hash_field(&s2, SK_STR_LIT("a84b4c76e66710@pc33"));
	sk_hash_u64(&s1, 314159);
	sk_hash_u64(&s2, 314160);
	assert_int_not_equal(sk_hash_final(&s1), sk_hash_final(&s2));
	/* raw updates are a plain stream, as documented */
	sk_hash_init(&s1, &k);
	sk_hash_update(&s1, "ab", 2);
	sk_hash_update(&s1, "c", 1);
	assert_int_equal(sk_hash_final(&s1), sk_hash(&k, "abc", 3));
}

/* ---- the table ----------------------------------------------------------- */

struct item {
	uint64_t id, h;       /* h: item_hash of id, computed once */
	struct sk_hnode node; /* not first: sk_container_of does the arithmetic */
	bool in, seen;
};

static uint64_t item_hash(const struct sk_hash_key *k, uint64_t id)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "z9hG4bK%llu", (unsigned long long)id);
	return sk_hash(k, s, (size_t)n);
}

static bool item_eq(const struct sk_hnode *n, const void *ctx)
{
	return sk_container_of(n, struct item, node)->id == *(const uint64_t *)ctx;
}

static struct item *find(const struct sk_htab *t, const struct item *x)
{
	struct sk_hnode *n = sk_htab_find(t, x->h, item_eq, &x->id);
	return n ? sk_container_of(n, struct item, node) : NULL;
}

/* Every item is found exactly when it is in; returns how many are. */
static size_t check_found(const struct sk_htab *t, struct item *it, size_t n)
{
	size_t in = 0;
	for (size_t i = 0; i < n; i++) {
		struct item *f = find(t, &it[i]);
		assert_ptr_equal(f, it[i].in ? &it[i] : NULL);
		in += it[i].in;
	}
	return in;
}

/* The same, and they are all the table holds. */
static void check_all(const struct sk_htab *t, struct item *it, size_t n)
{
	assert_int_equal(sk_htab_count(t), check_found(t, it, n));
}

static void test_htab_million(void **state)
{
	(void)state;
	enum { N = 1000000 };
	struct sk_hash_key k;
	sk_hash_key_from_os(&k);
	struct item *it = calloc(N, sizeof(*it));
	assert_non_null(it);
	struct sk_htab t;
	assert_int_equal(sk_htab_init(&t, 0), 0);
	size_t growths = 0, removed = 0, grow_inserts = 0;
	for (size_t i = 0; i < N; i++) {
		bool was_growing = t.b[1] != NULL;
		size_t buckets = t.mask[0] + 1;
		it[i].id = i * 2654435761u;
		it[i].h = item_hash(&k, it[i].id);
		it[i].in = true;
		sk_htab_insert(&t, &it[i].node, it[i].h);
		assert_ptr_equal(find(&t, &it[i]), &it[i]);
		if (!t.b[1])
			continue;
		grow_inserts++;
		if (!was_growing) {
			/* a doubling starts: the first insert moved 2 buckets, not all */
			growths++;
			assert_int_equal(t.mask[1] + 1, 2 * buckets);
			assert_true(t.rehash <= 2);
		}
		if (t.rehash == (t.mask[0] + 1) / 2 && t.mask[0] >= 4095 && t.mask[0] < 262143)
			check_all(&t, it, i + 1); /* half moved: both arrays in use */
		if (i % 5 == 0) {
			/* remove while growing: an older item, anywhere in either array */
			size_t j = (size_t)(it[i].id % (i + 1));
			if (it[j].in) {
				sk_htab_remove(&t, &it[j].node);
				it[j].in = false;
				removed++;
				assert_null(find(&t, &it[j]));
			}
		}
	}
	assert_true(t.moved_max <= 2);
	assert_true(growths >= 15);
	assert_true(removed > 1000);
	/* growing spread over inserts: about half the inserts found a double in progress */
	assert_true(grow_inserts > N / 4);
	check_all(&t, it, N);
	for (size_t i = 0; i < N; i++)
		if (it[i].in)
			sk_htab_remove(&t, &it[i].node);
	assert_int_equal(sk_htab_count(&t), 0);
	sk_htab_free(&t);
	sk_htab_free(&t); /* twice, and NULL: nothing */
	sk_htab_free(NULL);
	free(it);
}

/* Same hash for several nodes: candidates come in chain order, eq picks. */
static void test_htab_candidates(void **state)
{
	(void)state;
	struct item it[6] = {{.id = 1}, {.id = 2}, {.id = 3}, {.id = 4}, {.id = 5}, {.id = 6}};
	struct sk_htab t;
	assert_int_equal(sk_htab_init(&t, 1), 0);
	for (size_t i = 0; i < 6; i++) /* 4 share hash 42; 42 + 8 and 42 + 16 share its bucket */
		sk_htab_insert(&t, &it[i].node, i % 2 ? 42 : 42 + 8 * (i / 2));
	size_t seen = 0;
	for (struct sk_hnode *n = sk_htab_first(&t, 42); n; n = sk_htab_next(n)) {
		struct item *x = sk_container_of(n, struct item, node);
		assert_true(x->id % 2 == 0 || x->id == 1);
		assert_int_equal(n->hash, 42);
		seen++;
	}
	assert_int_equal(seen, 4); /* ids 1 (hash 42 + 0), 2, 4, 6 */
	uint64_t id = 4;
	assert_ptr_equal(sk_htab_find(&t, 42, item_eq, &id), &it[3].node);
	id = 3;
	assert_null(sk_htab_find(&t, 42, item_eq, &id));
	assert_null(sk_htab_first(&t, 43));
	sk_htab_remove(&t, &it[3].node);
	id = 4;
	assert_null(sk_htab_find(&t, 42, item_eq, &id));
	assert_int_equal(sk_htab_count(&t), 5);
	sk_htab_free(&t);
}

/* A walk, also during a doubling, removing and freeing the current node. */
static void test_htab_iter(void **state)
{
	(void)state;
	struct sk_hash_key k;
	sk_hash_key_from_os(&k);
	struct sk_htab t;
	assert_int_equal(sk_htab_init(&t, 16), 0);
	size_t n = 0;
	while (n < 5000 || !t.b[1]) { /* stop in the middle of a doubling */
		struct item *x = calloc(1, sizeof(*x));
		assert_non_null(x);
		x->id = n++;
		sk_htab_insert(&t, &x->node, item_hash(&k, x->id));
	}
	assert_non_null(t.b[1]);
	char *seen = calloc(n, 1);
	assert_non_null(seen);
	size_t visits = 0;
	struct sk_htab_iter i;
	for (struct sk_hnode *h = sk_htab_iter_first(&i, &t); h; h = sk_htab_iter_next(&i)) {
		struct item *x = sk_container_of(h, struct item, node);
		assert_int_equal(seen[x->id]++, 0);
		visits++;
		if (x->id % 2) {
			sk_htab_remove(&t, h);
			free(x);
		}
	}
	assert_int_equal(visits, n);
	assert_int_equal(sk_htab_count(&t), n - n / 2);
	/* teardown: free without removing, then the arrays */
	visits = 0;
	for (struct sk_hnode *h = sk_htab_iter_first(&i, &t); h; h = sk_htab_iter_next(&i)) {
		assert_int_equal(sk_container_of(h, struct item, node)->id % 2, 0);
		free(sk_container_of(h, struct item, node));
		visits++;
	}
	assert_int_equal(visits, n - n / 2);
	sk_htab_free(&t);
	struct sk_htab empty;
	assert_int_equal(sk_htab_init(&empty, 0), 0);
	assert_null(sk_htab_iter_first(&i, &empty));
	sk_htab_free(&empty);
	free(seen);
}

struct scan_ctx {
	struct sk_htab *t;
	size_t visits;
	bool remove_odd;
};

static void on_scan(void *arg, struct sk_hnode *n)
{
	struct scan_ctx *c = arg;
	struct item *x = sk_container_of(n, struct item, node);
	x->seen = true;
	c->visits++;
	if (c->remove_odd && x->id % 2) {
		sk_htab_remove(c->t, n);
		x->in = false;
	}
}

/* Scans one step at a time while inserts double the table twice over. */
static void test_htab_scan(void **state)
{
	(void)state;
	enum { N = 3000, M = 20000 };
	struct sk_hash_key k;
	sk_hash_key_from_os(&k);
	struct item *it = calloc(M, sizeof(*it));
	assert_non_null(it);
	struct sk_htab t;
	assert_int_equal(sk_htab_init(&t, 0), 0);
	for (size_t i = 0; i < M; i++) {
		it[i].id = i;
		it[i].h = item_hash(&k, i);
	}
	for (size_t i = 0; i < N; i++) {
		sk_htab_insert(&t, &it[i].node, it[i].h);
		it[i].in = true;
	}
	struct scan_ctx c = {.t = &t, .remove_odd = true};
	size_t cursor = 0, steps = 0, added = N;
	do {
		cursor = sk_htab_scan(&t, cursor, on_scan, &c);
		steps++;
		for (int j = 0; j < 5 && added < M; j++, added++) {
			sk_htab_insert(&t, &it[added].node, it[added].h);
			it[added].in = true;
		}
	} while (cursor != 0);
	assert_true(added > 4 * N); /* the table doubled during the scan */
	for (size_t i = 0; i < N; i++) {
		assert_true(it[i].seen); /* held throughout: visited */
		assert_int_equal(it[i].in, i % 2 == 0);
	}
	assert_true(steps <= t.mask[0] + 1); /* at most one step per bucket of the end */
	check_all(&t, it, added);
	sk_htab_free(&t);
	free(it);
}

/* Bucket of the i-th string in a table of 2^16 buckets, under two keys. */
static void test_htab_two_keys(void **state)
{
	(void)state;
	struct sk_rng r;
	sk_rng_seed(&r, 99);
	struct sk_hash_key k1, k2;
	sk_hash_key_from_rng(&k1, &r);
	sk_hash_key_from_rng(&k2, &r);
	size_t same = 0;
	for (uint64_t i = 0; i < 10000; i++)
		same += (item_hash(&k1, i) & 0xffff) == (item_hash(&k2, i) & 0xffff);
	assert_true(same < 10); /* about 10000 / 65536 by chance */
}

/* ---- the flood ----------------------------------------------------------- */

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
	return h;
}

#define LOW_MASK 0xffffffu /* the bits of FNV-1a made equal: up to 2^24 buckets */
#define BLK      8         /* bytes of a block: enough for the multiplications to wrap */

static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.";

static void block(char out[BLK], uint64_t n)
{
	for (int i = 0; i < BLK; i++, n >>= 6)
		out[i] = alnum[n & 63];
}

/*
 * Two blocks that take FNV-1a state h to states equal in the low 24 bits,
 * by a birthday search (a few hundred thousand tries: FNV's low bits are far
 * from random). The low bits of a product mod 2^64 depend only on the low
 * bits of its factors, so what follows keeps them equal: one pair per
 * position gives 2^positions colliding strings.
 */
static void fnv_pair(uint64_t h, char a[BLK], char b[BLK])
{
	enum { SLOTS = 1 << 20 };
	uint32_t *slot = calloc(SLOTS, sizeof(*slot)); /* block number + 1, by low bits */
	assert_non_null(slot);
	for (uint32_t n = 0;; n++) {
		char x[BLK];
		block(x, n);
		uint32_t low = (uint32_t)fnv1a(h, x, BLK) & LOW_MASK;
		uint32_t *s =
		    &slot[(low * 0x9e3779b1u) >> 12]; /* FNV's low bits are poorly mixed */
		if (*s) {
			block(b, *s - 1);
			if (((uint32_t)fnv1a(h, b, BLK) & LOW_MASK) == low) {
				memcpy(a, x, BLK);
				break;
			}
		}
		*s = n + 1;
	}
	free(slot);
}

static void test_htab_flood(void **state)
{
	(void)state;
	enum { POS = 17, N = 1 << POS };
	char pairs[POS][2][BLK];
	const char *prefix = "flood-";
	uint64_t h = fnv1a(FNV_BASIS, prefix, strlen(prefix));
	for (int p = 0; p < POS; p++) {
		fnv_pair(h, pairs[p][0], pairs[p][1]);
		h = fnv1a(h, pairs[p][0], BLK);
	}
	struct item *it = calloc(N, sizeof(*it));
	assert_non_null(it);
	struct sk_hash_key k;
	sk_hash_key_from_os(&k);
	struct sk_htab t;
	assert_int_equal(sk_htab_init(&t, 0), 0);
	char id[160];
	size_t len = strlen(prefix) + BLK * POS;
	memcpy(id, prefix, strlen(prefix));
	for (uint32_t i = 0; i < N; i++) {
		for (int p = 0; p < POS; p++)
			memcpy(id + strlen(prefix) + BLK * p, pairs[p][(i >> p) & 1], BLK);
		/* the old tables' hash: one bucket for all of them at any size up to 2^24 */
		assert_int_equal(fnv1a(FNV_BASIS, id, len) & LOW_MASK, h & LOW_MASK);
		it[i].id = i;
		sk_htab_insert(&t, &it[i].node, sk_hash(&k, id, len));
	}
	size_t longest = 0;
	for (int a = 0; a < 2 && t.b[a]; a++)
		for (size_t b = 0; b <= t.mask[a]; b++) {
			size_t n = 0;
			for (struct sk_hnode *x = t.b[a][b]; x; x = x->next)
				n++;
			if (n > longest)
				longest = n;
		}
	print_message("flood: %u strings, one FNV-1a bucket; longest keyed chain %zu\n", N,
	              longest);
	assert_true(longest <= 16);
	sk_htab_free(&t);
	free(it);
}

static void test_htab_alloc_failure(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct sk_hash_key k;
	sk_hash_key_from_os(&k);
	struct sk_htab t;
	calloc_fails = true;
	assert_int_equal(sk_htab_init(&t, 100), -SK_ENOMEM);
	sk_htab_free(&t); /* after a failed init: nothing to free, no crash */
	calloc_fails = false;
	struct item *it = calloc(N, sizeof(*it));
	assert_non_null(it);
	assert_int_equal(sk_htab_init(&t, 0), 0);
	size_t buckets = t.mask[0] + 1;
	calloc_fails = true; /* every doubling fails from here */
	for (size_t i = 0; i < N; i++) {
		it[i] = (struct item){.id = i, .h = item_hash(&k, i), .in = true};
		sk_htab_insert(&t, &it[i].node, it[i].h);
	}
	calloc_fails = false;
	assert_null(t.b[1]);
	assert_int_equal(t.mask[0] + 1, buckets); /* never grew: chains of about N / 8 */
	check_all(&t, it, N);
	for (size_t i = 0; i < N; i += 3) {
		sk_htab_remove(&t, &it[i].node);
		it[i].in = false;
	}
	check_all(&t, it, N);
	/* calloc works again: the next insert starts a doubling */
	struct item more[2000];
	for (size_t i = 0; i < 2000; i++) {
		more[i] = (struct item){.id = N + i, .h = item_hash(&k, N + i), .in = true};
		sk_htab_insert(&t, &more[i].node, more[i].h);
		if (i == 0)
			assert_non_null(t.b[1]);
	}
	/* it catches up a doubling at a time (8 -> 16 in 4 inserts, ... 1024 -> 2048 in 512) */
	assert_int_equal(t.mask[0] + 1, 2048);
	assert_true(t.moved_max <= 2);
	assert_int_equal(sk_htab_count(&t), check_found(&t, it, N) + check_found(&t, more, 2000));
	sk_htab_free(&t);
	free(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash24_vectors), cmocka_unit_test(test_siphash13_incremental),
	    cmocka_unit_test(test_hash_case),         cmocka_unit_test(test_hash_fields),
	    cmocka_unit_test(test_siphash_unaligned), cmocka_unit_test(test_hash_case_any_offset),
	    cmocka_unit_test(test_hash_u64_as_bytes), cmocka_unit_test(test_htab_million),
	    cmocka_unit_test(test_htab_candidates),   cmocka_unit_test(test_htab_iter),
	    cmocka_unit_test(test_htab_scan),         cmocka_unit_test(test_htab_two_keys),
	    cmocka_unit_test(test_htab_flood),        cmocka_unit_test(test_htab_alloc_failure),
	};
	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
