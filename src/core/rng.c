/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64. Not for
 * cryptography: it makes branches and tags unique (§8.1.1.7, §19.3) once seeded
 * from the OS, and makes simnet runs replay once seeded from a number.
 */
#include <stdio.h>
#include <sys/random.h>

#include "sipkit/core.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sk_rng_seed(struct sk_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

int sk_rng_seed_os(struct sk_rng *r)
{
	uint64_t seed[4];
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -SK_EAGAIN;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed[i]);
	return 0;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sk_rng_next(struct sk_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sk_rng_below(struct sk_rng *r, uint64_t n)
{
	/* Rejection keeps it uniform; the loop almost never repeats. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = sk_rng_next(r);
	while (x >= limit);
	return x % n;
}
