/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: stream framing (RFC 3261 §18.3, RFC 5626 §3.5.1 keep-alives).
 *
 * The input is the byte stream of one TCP connection. It is framed
 *   1. as one buffer: sk_msg_frame repeatedly, consuming skip+msg_len on 0, stopping
 *      on -SK_EAGAIN (the rest is an incomplete message) or an error (close);
 *   2. as a reader would see it: appended in chunks whose sizes derive from the data,
 *      framing after every chunk.
 * Both must cut the stream at the same places with the same final verdict. Every
 * framed message is copied to a buffer of its exact size (so ASan sees any read past
 * it) and parsed with sk_msg_parse_stream (and sk_msg_parse: same verdict); when it
 * parses, its body must end exactly where the framer said the message ends.
 * Conversely, when sk_msg_parse_stream accepts the unframed remainder of the stream
 * (with a single Content-Length), the framer must frame the same message.
 * The limits (only max_msg_size matters to the framer) derive from the first byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/msg.h"

#include "fuzz_util.h"

/*
 * SK_FUZZ_IGNORE=tag[,tag...] turns off the oracle checks with those tags, to keep
 * fuzzing past a known finding. Every check is on by default. Tags:
 *   parser-vs-framer  what sk_msg_parse_stream accepts, sk_msg_frame frames
 */
#define NPROF 6
/* max_msg_size of each profile; profile 0 passes lim = NULL (the defaults). */
static const uint32_t prof_size[NPROF] = {65536, 65536, 4096, 512, 128, 24};

static struct sk_msg_limits lims[NPROF];
static struct sk_msg *m_stream[NPROF], *m_dgram[NPROF];

static void init(void)
{
	for (int i = 0; i < NPROF; i++) {
		lims[i] = sk_msg_limits_default();
		lims[i].max_msg_size = prof_size[i];
		CHECK(sk_msg_new(&m_stream[i], &lims[i]) == 0);
		CHECK(sk_msg_new(&m_dgram[i], &lims[i]) == 0);
	}
	size_t skip, len;
	CHECK(sk_msg_frame(NULL, 0, NULL, &skip, &len, NULL) == -SK_EINVAL);
	CHECK(sk_msg_frame("x", 1, NULL, NULL, &len, NULL) == -SK_EINVAL);
}

/* ---- framing ------------------------------------------------------------------- */

struct ctx {
	unsigned prof;
	const struct sk_msg_limits *lim; /* NULL for profile 0 */
	uint32_t max;
};

/* Calls the framer and checks what it promises. */
static int frame(const struct ctx *c, const char *buf, size_t len, size_t *skip, size_t *mlen)
{
	struct sk_parse_err e;

	*skip = *mlen = 987654321;
	memset(&e, 0x5a, sizeof(e));
	int rc = sk_msg_frame(buf, len, c->lim, skip, mlen, &e);
	CHECK(*skip <= len);
	if (rc == 0) {
		CHECK(*mlen > 0);
		CHECK(*skip + *mlen <= len);
		CHECK(*mlen <= c->max);
		/* the message starts after the keep-alives, with a non-CR/LF byte */
		CHECK(buf[*skip] != '\r' && buf[*skip] != '\n');
		for (size_t i = 0; i < *skip; i++)
			CHECK(buf[i] == '\r' || buf[i] == '\n');
	} else if (rc == -SK_EAGAIN) {
		CHECK(*mlen == 0);
	} else {
		CHECK(rc == -SK_EMALFORMED || rc == -SK_ETOOBIG);
		CHECK(e.why != NULL);
		CHECK(memchr(e.hdr, 0, sizeof(e.hdr)) != NULL);
	}
	return rc;
}

/* Parses one framed message from a buffer of exactly its size. */
static void parse_framed(const struct ctx *c, const char *p, size_t n)
{
	struct sk_parse_err e, e2;
	char *copy = malloc(n);

	CHECK(copy != NULL);
	memcpy(copy, p, n);
	struct sk_msg *m = m_stream[c->prof];
	int rc = sk_msg_parse_stream(m, copy, n, &e);
	if (rc == 0) {
		struct sk_str raw = sk_msg_raw(m), body = sk_msg_body(m);
		CHECK(raw.p == copy);
		/* the parser's message ends where the framer said */
		CHECK(raw.p + raw.len == copy + n);
		CHECK(sk_msg_content_length(m) >= 0);
		CHECK((size_t)sk_msg_content_length(m) == body.len);
		CHECK(body.p + body.len == copy + n);
		touch(sk_msg_start_line(m));
		touch(body);
		for (size_t i = 0; i < sk_msg_hdr_count(m); i++) {
			touch(sk_msg_hdr_at(m, i)->name);
			touch(sk_msg_hdr_at(m, i)->value);
		}
	} else {
		CHECK(rc == -SK_EMALFORMED || rc == -SK_ETOOBIG || rc == -SK_ENOMEM);
		CHECK(e.why != NULL);
	}
	/* with a Content-Length and a closed header section, datagram parsing agrees */
	int rc2 = sk_msg_parse(m_dgram[c->prof], copy, n, &e2);
	CHECK(rc2 == rc);
	if (rc == 0)
		CHECK(sk_msg_body(m_dgram[c->prof]).len == sk_msg_body(m).len);
	free(copy);
}

/* Where the parser accepts the unframed remainder, the framer must agree. */
static void parser_vs_framer(const struct ctx *c, const char *buf, size_t len, int rc, size_t skip,
                             size_t mlen)
{
	struct sk_msg *m = m_dgram[c->prof];

	if (!on("parser-vs-framer") || sk_msg_parse_stream(m, buf, len, NULL) != 0)
		return;
	if (sk_msg_hdr_num(m, SK_HDR_CONTENT_LENGTH) != 1)
		return; /* several Content-Lengths: the framer refuses them by design */
	struct sk_str raw = sk_msg_raw(m);
	if (rc != 0 || skip != (size_t)(raw.p - buf) || mlen != raw.len) {
		fprintf(stderr,
		        "parser accepted a %zu-byte message at +%zu that the framer did not "
		        "frame (rc %d, skip %zu, len %zu)\n",
		        raw.len, (size_t)(raw.p - buf), rc, skip, mlen);
		die(__LINE__, "framer and parser disagree");
	}
}

struct cut {
	size_t off, len;
};

static struct cut *cuts;
static size_t cuts_cap;

static void add_cut(size_t *n, size_t off, size_t len)
{
	if (*n == cuts_cap) {
		cuts_cap = cuts_cap ? cuts_cap * 2 : 64;
		cuts = realloc(cuts, cuts_cap * sizeof(*cuts));
		CHECK(cuts != NULL);
	}
	cuts[(*n)++] = (struct cut){off, len};
}

/* xorshift64*, seeded from the data: chunk sizes are a function of the input. */
static uint64_t rng;
static uint32_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *buf = (const char *)data;
	size_t skip, mlen;

	if (!ready) {
		init();
		ready = true;
	}
	if (size == 0)
		return 0;

	struct ctx c;
	c.prof = data[0] % NPROF;
	c.lim = c.prof == 0 ? NULL : &lims[c.prof];
	c.max = prof_size[c.prof];

	/* 1. the whole stream in one buffer */
	size_t ncuts = 0, off = 0;
	int term;
	for (;;) {
		int rc = frame(&c, buf + off, size - off, &skip, &mlen);
		parser_vs_framer(&c, buf + off, size - off, rc, skip, mlen);
		if (rc != 0) {
			term = rc;
			break;
		}
		add_cut(&ncuts, off + skip, mlen);
		parse_framed(&c, buf + off + skip, mlen);
		off += skip + mlen;
	}

	/* 2. the same stream as a reader gets it, in chunks */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	rng = h | 1;
	bool bytewise = size <= 1024 && (h & 3) == 0;
	bool drop_keepalives = (h >> 2) & 1; /* consume skip on EAGAIN too */

	char *rbuf = NULL;
	size_t rlen = 0, base = 0, in = 0, got = 0;
	int term2 = -SK_EAGAIN;
	for (;;) {
		while (rlen > 0) {
			int rc = frame(&c, rbuf, rlen, &skip, &mlen);
			if (rc == 0) {
				CHECK(got < ncuts);
				CHECK(cuts[got].off == base + skip && cuts[got].len == mlen);
				got++;
			} else if (rc == -SK_EAGAIN) {
				if (!drop_keepalives || skip == 0)
					break;
				mlen = 0;
			} else {
				term2 = rc;
				goto done;
			}
			/* consume: keep the rest in a buffer of its exact size */
			size_t used = skip + mlen, rest = rlen - used;
			char *nb = rest ? malloc(rest) : NULL;
			CHECK(!rest || nb);
			if (rest)
				memcpy(nb, rbuf + used, rest);
			free(rbuf);
			rbuf = nb;
			rlen = rest;
			base += used;
		}
		if (in == size)
			break;
		size_t chunk;
		if (bytewise)
			chunk = 1;
		else if (next_rand() & 1)
			chunk = 1 + next_rand() % 16;
		else
			chunk = 1 + next_rand() % (size / 4 + 1);
		if (chunk > size - in)
			chunk = size - in;
		char *nb = malloc(rlen + chunk);
		CHECK(nb != NULL);
		if (rlen)
			memcpy(nb, rbuf, rlen);
		memcpy(nb + rlen, buf + in, chunk);
		free(rbuf);
		rbuf = nb;
		rlen += chunk;
		in += chunk;
	}
done:
	free(rbuf);
	if (got != ncuts || term2 != term) {
		fprintf(stderr, "whole: %zu messages, then %d; chunked: %zu messages, then %d\n",
		        ncuts, term, got, term2);
		die(__LINE__, "chunked framing differs from framing the whole stream");
	}
	return 0;
}
