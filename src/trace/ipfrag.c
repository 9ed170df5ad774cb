/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6).
 *
 * A datagram is keyed by (source, destination, identification, protocol);
 * for IPv6 the protocol is left out, as the Next Header of the fragments may
 * differ (RFC 8200 §4.5) and the one of the offset-0 fragment counts.
 * Fragments arrive in any order. What has been received is kept per 8-byte
 * block, the unit of fragment offsets, so a fragment that overlaps is never
 * copied over what is there: for IPv4 the first copy of a byte wins; for
 * IPv6 an overlap discards the datagram (RFC 8200 §4.5, RFC 5722), except an
 * exact duplicate, which is ignored. Inconsistent ends (two last fragments,
 * data past the end) discard it too.
 *
 * Memory: a datagram holds at most 64 KiB, all of them together at most the
 * budget (max_frag_bytes, bookkeeping included). A datagram still incomplete
 * 30 s of capture time after its first fragment is given up, as is the oldest
 * one when a new fragment needs room.
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"

#define DGRAM_MAX 65536u /* IPv4 total length and IPv6 payload length are 16 bits */
#define BLOCKS    (DGRAM_MAX / 8)
#define EXPIRE_US (30 * INT64_C(1000000))
#define NBUCKETS  1024u

struct dgram {
	struct sk_ipfrag_key k;
	struct dgram *hnext;         /* hash chain */
	struct dgram *older, *newer; /* age list, oldest first */
	int64_t first_ts;
	uint8_t *buf;
	size_t cap;     /* bytes allocated in buf */
	size_t max_end; /* furthest byte received */
	size_t total;   /* the datagram's length, once its last fragment came */
	bool have_last, have_first;
	uint8_t proto;
	size_t nblocks; /* blocks received */
	size_t cost;    /* what this datagram counts against the budget */
	uint8_t have[BLOCKS / 8];
};

struct sk_ipfrag {
	size_t budget, used;
	struct sk_trace_reader_stats *st;
	struct dgram *oldest, *newest;
	struct dgram *buckets[NBUCKETS];
};

int sk_ipfrag_new(struct sk_ipfrag **out, size_t budget, struct sk_trace_reader_stats *st)
{
	struct sk_ipfrag *f = calloc(1, sizeof(*f));
	if (!f)
		return -SK_ENOMEM;
	f->budget = budget;
	f->st = st;
	*out = f;
	return 0;
}

static size_t key_hash(const struct sk_ipfrag_key *k)
{
	/* FNV-1a over the fields (not the struct: no padding bytes) */
	uint32_t h = 2166136261u;
	const uint8_t *parts[] = {&k->family, &k->proto, k->src, k->dst};
	const size_t lens[] = {1, 1, 16, 16};
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < lens[i]; j++)
			h = (h ^ parts[i][j]) * 16777619u;
	for (int s = 0; s < 32; s += 8)
		h = (h ^ ((k->id >> s) & 0xff)) * 16777619u;
	return h % NBUCKETS;
}

static bool key_eq(const struct sk_ipfrag_key *a, const struct sk_ipfrag_key *b)
{
	return a->family == b->family && a->proto == b->proto && a->id == b->id &&
	       memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static void unlink_free(struct sk_ipfrag *f, struct dgram *d)
{
	struct dgram **pp = &f->buckets[key_hash(&d->k)];
	while (*pp && *pp != d)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = d->hnext;
	if (d->older)
		d->older->newer = d->newer;
	else
		f->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		f->newest = d->older;
	f->used -= d->cost;
	free(d->buf);
	free(d);
}

/* A datagram that will never be delivered, and why. */
static void give_up(struct sk_ipfrag *f, struct dgram *d, enum sk_trace_skip why)
{
	sk_trace_skip_count(f->st, why);
	unlink_free(f, d);
}

/* Makes room for more bytes by giving up the oldest datagrams other than keep. */
static bool make_room(struct sk_ipfrag *f, size_t more, const struct dgram *keep)
{
	while (f->used + more > f->budget) {
		struct dgram *d = f->oldest;
		/* keep may be NULL, like an empty list's oldest: a budget below one record */
		if (d && d == keep)
			d = d->newer;
		if (!d)
			return false;
		give_up(f, d, SK_TRACE_SKIP_OVER_LIMIT);
	}
	return true;
}

/* More than the timeout between two capture times (which a hostile file may set anywhere). */
static bool expired(int64_t now, int64_t first)
{
	return now > first && (uint64_t)now - (uint64_t)first > (uint64_t)EXPIRE_US;
}

static bool block_has(const struct dgram *d, size_t b)
{
	return d->have[b / 8] & (1u << (b % 8));
}

void sk_ipfrag_finish(struct sk_ipfrag *f)
{
	while (f && f->oldest)
		give_up(f, f->oldest, SK_TRACE_SKIP_FRAGMENT_MISSING);
}

void sk_ipfrag_free(struct sk_ipfrag *f)
{
	if (!f)
		return;
	while (f->oldest)
		unlink_free(f, f->oldest);
	free(f);
}

int sk_ipfrag_add(struct sk_ipfrag *f, const struct sk_ipfrag_key *k, const struct sk_ipfrag_in *in,
                  uint8_t **out, size_t *out_len, uint8_t *proto)
{
	size_t off = in->off, end = in->off + in->len;

	/* anything older than the reassembly timeout goes first (capture time) */
	while (f->oldest && expired(in->ts_us, f->oldest->first_ts))
		give_up(f, f->oldest, SK_TRACE_SKIP_FRAGMENT_MISSING);
	/* all but the last fragment carry a multiple of 8 bytes (RFC 791, RFC 8200 §4.5) */
	if (!in->len || end > DGRAM_MAX || (in->more && in->len % 8)) {
		sk_trace_skip_count(f->st, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}

	struct dgram *d = f->buckets[key_hash(k)];
	while (d && !key_eq(&d->k, k))
		d = d->hnext;
	if (!d) {
		if (!make_room(f, sizeof(*d), NULL)) {
			sk_trace_skip_count(f->st, SK_TRACE_SKIP_OVER_LIMIT);
			return 0;
		}
		d = calloc(1, sizeof(*d));
		if (!d)
			return -SK_ENOMEM;
		d->k = *k;
		d->first_ts = in->ts_us;
		d->cost = sizeof(*d);
		f->used += d->cost;
		size_t h = key_hash(k);
		d->hnext = f->buckets[h];
		f->buckets[h] = d;
		d->older = f->newest;
		if (f->newest)
			f->newest->newer = d;
		else
			f->oldest = d;
		f->newest = d;
	}

	/* the ends must agree with what came before */
	if (!in->more) {
		if ((d->have_last && d->total != end) || d->max_end > end) {
			give_up(f, d, SK_TRACE_SKIP_MALFORMED);
			return 0;
		}
	} else if (d->have_last && end > d->total) {
		give_up(f, d, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}

	size_t b0 = off / 8, b1 = (end + 7) / 8, covered = 0;
	for (size_t b = b0; b < b1; b++)
		covered += block_has(d, b);
	if (covered && k->family == 6) {
		bool dup = covered == b1 - b0 && end <= d->cap &&
		           memcmp(d->buf + off, in->data, in->len) == 0;
		if (!dup) /* RFC 5722: overlapping IPv6 fragments void the datagram */
			give_up(f, d, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	if (covered == b1 - b0)
		return 0; /* a duplicate: nothing new */

	if (end > d->cap) {
		size_t grow = end - d->cap;
		if (!make_room(f, grow, d)) {
			give_up(f, d, SK_TRACE_SKIP_OVER_LIMIT);
			return 0;
		}
		uint8_t *nb = realloc(d->buf, end);
		if (!nb)
			return -SK_ENOMEM;
		d->buf = nb;
		d->cap = end;
		d->cost += grow;
		f->used += grow;
	}
	/* copy the blocks not yet received; the first copy of a byte stays (IPv4) */
	for (size_t b = b0; b < b1; b++) {
		if (block_has(d, b))
			continue;
		size_t s = b * 8 > off ? b * 8 : off, e = b * 8 + 8 < end ? b * 8 + 8 : end;
		memcpy(d->buf + s, in->data + (s - off), e - s);
		d->have[b / 8] |= (uint8_t)(1u << (b % 8));
		d->nblocks++;
	}
	if (end > d->max_end)
		d->max_end = end;
	if (!in->more) {
		d->have_last = true;
		d->total = end;
	}
	if (off == 0) {
		d->have_first = true;
		d->proto = in->proto;
	}
	if (!d->have_last || !d->have_first || d->nblocks != (d->total + 7) / 8)
		return 0;

	/* complete: the buffer goes to the caller */
	*out = d->buf;
	*out_len = d->total;
	*proto = d->proto;
	d->buf = NULL;
	unlink_free(f, d);
	return 1;
}
