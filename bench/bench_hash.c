/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * bench-hash: what keying the tables costs per lookup key.
 *
 *   bench-hash [--count N]
 *
 * Hashes N distinct 40-byte branches ("z9hG4bK" and 33 characters, a counter
 * written into the last 8 so that nothing is hoisted out of the loop) and
 * prints ns per hash, the loop's own cost (loop-only) subtracted:
 *
 *   hash fnv1a-40 <ns>        plain FNV-1a, what the tables used before
 *   hash siphash13-40 <ns>    sk_hash (SipHash-1-3), what they use now
 *   hash siphash13-case-40    sk_hash_case (branches compare without case)
 *   hash siphash24-40 <ns>    SipHash-2-4, for scale
 *   hash htab-insert <ns>     sk_htab_insert of N nodes, growth included
 *   hash htab-find <ns>       sk_htab_first + key compare of each of them
 *
 * Best of 5 rounds, in thread CPU time. Timing is never checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipkit/core.h"

#define ROUNDS 5
#define BLEN   40

/* CPU time of this thread: on a shared machine, time spent descheduled is not the hash's. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

/* The last 8 characters: the counter in hex (the rest stays as first written). */
static void branch(char b[BLEN], uint64_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = BLEN - 1; i >= BLEN - 8; i--, n >>= 4)
		b[i] = hex[n & 15];
}

static void branch_init(char b[BLEN])
{
	memcpy(b, "z9hG4bK", 7);
	for (int i = 7; i < BLEN; i++)
		b[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36];
}

enum kind { FNV, SIP13, SIP13_CASE, SIP24 };

static double run(enum kind k, const struct sk_hash_key *key, size_t count, uint64_t *sink)
{
	char b[BLEN];
	double best = 1e30;
	branch_init(b);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t acc = 0;
		double t0 = now_s();
		for (size_t i = 0; i < count; i++) {
			branch(b, i);
			switch (k) {
			case FNV: acc ^= fnv1a(b, BLEN); break;
			case SIP13: acc ^= sk_hash(key, b, BLEN); break;
			case SIP13_CASE: acc ^= sk_hash_case(key, b, BLEN); break;
			case SIP24: acc ^= sk_siphash(key, 2, 4, b, BLEN); break;
			}
		}
		double t = now_s() - t0;
		*sink ^= acc;
		if (t < best)
			best = t;
	}
	return best * 1e9 / (double)count;
}

/* The branch writing alone, to subtract. */
static double run_empty(size_t count, uint64_t *sink)
{
	char b[BLEN];
	double best = 1e30;
	branch_init(b);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t acc = 0;
		double t0 = now_s();
		for (size_t i = 0; i < count; i++) {
			branch(b, i);
			acc ^= (uint64_t)(unsigned char)b[BLEN - 1 - (i & 7)];
		}
		double t = now_s() - t0;
		*sink ^= acc;
		if (t < best)
			best = t;
	}
	return best * 1e9 / (double)count;
}

struct node {
	struct sk_hnode h;
	uint64_t id;
};

static void bench_table(const struct sk_hash_key *key, size_t count, uint64_t *sink)
{
	struct node *nodes = calloc(count, sizeof(*nodes));
	uint64_t *hashes = malloc(count * sizeof(*hashes));
	if (!nodes || !hashes) {
		printf("error out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < count; i++) {
		nodes[i].id = i;
		hashes[i] = sk_hash(key, &i, sizeof(i));
	}
	struct sk_htab t;
	if (sk_htab_init(&t, 0) < 0)
		exit(1);
	double t0 = now_s();
	for (size_t i = 0; i < count; i++)
		sk_htab_insert(&t, &nodes[i].h, hashes[i]);
	double ins = now_s() - t0;
	t0 = now_s();
	size_t found = 0;
	for (size_t i = 0; i < count; i++) {
		size_t j = (i * 2654435761u) % count; /* not in insertion order */
		for (struct sk_hnode *n = sk_htab_first(&t, hashes[j]); n; n = sk_htab_next(n))
			if (sk_container_of(n, struct node, h)->id == j) {
				found++;
				break;
			}
	}
	double find = now_s() - t0;
	if (found != count)
		printf("error %zu of %zu found\n", found, count);
	*sink ^= found;
	printf("hash htab-insert %.1f\n", ins * 1e9 / (double)count);
	printf("hash htab-find %.1f\n", find * 1e9 / (double)count);
	sk_htab_free(&t);
	free(nodes);
	free(hashes);
}

int main(int argc, char **argv)
{
	size_t count = 10000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench-hash [--count N]\n");
			return 2;
		}
	}
	if (!count)
		count = 1;
	struct sk_hash_key key;
	sk_hash_key_from_os(&key);
	uint64_t sink = 0;
	double base = run_empty(count, &sink);
	printf("hash loop-only %.2f\n", base);
	printf("hash fnv1a-40 %.2f\n", run(FNV, &key, count, &sink) - base);
	printf("hash siphash13-40 %.2f\n", run(SIP13, &key, count, &sink) - base);
	printf("hash siphash13-case-40 %.2f\n", run(SIP13_CASE, &key, count, &sink) - base);
	printf("hash siphash24-40 %.2f\n", run(SIP24, &key, count, &sink) - base);
	bench_table(&key, count < 2000000 ? count : 2000000, &sink);
	fprintf(stderr, "(checksum %016llx)\n", (unsigned long long)sink);
	return 0;
}
