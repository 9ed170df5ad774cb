/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly and SIP framing, per direction of a connection.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 §3.4): a segment's
 * place is the signed 32-bit distance from the next byte expected, so a
 * stream that wraps around is nothing special. A SYN gives the initial
 * sequence number; without one (the capture started mid-connection) the first
 * segment with data starts the stream. Data before the next expected byte was
 * seen already (a retransmission, or the overlapping part of one) and is cut
 * off; data after it waits, in sequence order, until the hole before it is
 * filled. A hole that is never filled (the segment was not captured) is given
 * up when the stream's budget is full, when it ends, or at the end of the
 * input: the bytes after it are then read from the next line that starts a
 * SIP message.
 *
 * The contiguous bytes are framed with the stack's framer, sk_msg_frame (RFC
 * 3261 §18.3: Content-Length is mandatory on a stream; RFC 5626 §3.5.1 CRLF
 * keep-alives are skipped). A stream whose first bytes are no SIP start line
 * (or, seen from its middle, that shows none within max_message bytes) is not
 * SIP: it is counted once and its bytes are dropped from then on, unbuffered.
 *
 * Memory: at most max_stream_buf bytes per stream (contiguous and waiting
 * ones together), at most max_streams streams; the least recently used one
 * is ended to make room for a new one.
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"

enum sstate {
	S_START,  /* the stream's first bytes (after a SYN): must start a SIP message */
	S_FRAME,  /* at a message boundary: framing */
	S_RESYNC, /* mid-message or after a hole: looking for a line that starts a message */
	S_NOTSIP, /* not SIP: bytes dropped */
	S_SKIP,   /* the body of a message too large to read: skip_left bytes dropped */
	S_CLOSED, /* FIN or RST: later segments are retransmissions */
	S_WS,     /* after a WebSocket upgrade (RFC 7118): frames, one SIP message each */
};

/* A segment that came before the bytes preceding it. */
struct ooo {
	struct ooo *next;
	uint32_t seq;
	size_t len;
	uint64_t frame;
	int64_t ts_us;
	uint8_t data[];
};

struct stream {
	struct sk_trace_addr src, dst;
	struct stream *hnext;
	struct stream *newer, *older; /* use order: t->mru is the newest */
	enum sstate state;
	bool syn_seen;     /* the stream's start is known */
	bool sip_seen;     /* a message came out of it */
	bool at_boundary;  /* resync: the first byte held begins a line */
	bool fin_seen;     /* fin_seq is set */
	uint32_t isn;      /* the SYN's sequence number */
	uint32_t next_seq; /* the sequence number of the byte after the held ones */
	uint32_t fin_seq;  /* the FIN's place */
	char *buf;         /* contiguous bytes not yet framed: buf[start, start + len) */
	size_t start, len, cap;
	size_t scanned;         /* bytes searched in vain for a start line */
	size_t skip_left;       /* S_SKIP: bytes of the too large message still to come */
	struct ooo *ooo;        /* sorted by sequence number */
	struct sk_trace_ws *ws; /* S_WS: the frames' reader */
	size_t ooo_cost;        /* their bytes and bookkeeping */
	uint64_t frame;         /* the frame that brought the newest contiguous bytes */
	int64_t ts_us;
};

struct sk_tcp_streams {
	const struct sk_trace_limits *lim;
	struct sk_trace_queue *q;
	struct sk_trace_reader_stats *st;
	struct stream **buckets;
	size_t nbuckets, count;
	struct stream *mru, *lru;
};

int sk_tcp_streams_new(struct sk_tcp_streams **out, const struct sk_trace_limits *lim,
                       struct sk_trace_queue *q, struct sk_trace_reader_stats *st)
{
	struct sk_tcp_streams *t = calloc(1, sizeof(*t));
	if (!t)
		return -SK_ENOMEM;
	t->lim = lim;
	t->q = q;
	t->st = st;
	t->nbuckets = 16;
	while (t->nbuckets < lim->max_streams)
		t->nbuckets *= 2;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -SK_ENOMEM;
	}
	*out = t;
	return 0;
}

/* Signed distance from b to a in sequence space (RFC 9293 §3.4). */
static int64_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* ---- the table ---------------------------------------------------------------------- */

static size_t addr_hash(uint32_t h, const struct sk_trace_addr *a)
{
	h = (h ^ a->family) * 16777619u;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ a->ip[i]) * 16777619u;
	h = (h ^ (a->port & 0xff)) * 16777619u;
	return (h ^ (a->port >> 8)) * 16777619u;
}

static size_t bucket(const struct sk_tcp_streams *t, const struct sk_trace_addr *src,
                     const struct sk_trace_addr *dst)
{
	return addr_hash((uint32_t)addr_hash(2166136261u, src), dst) & (t->nbuckets - 1);
}

static void lru_unlink(struct sk_tcp_streams *t, struct stream *s)
{
	if (s->newer)
		s->newer->older = s->older;
	else
		t->mru = s->older;
	if (s->older)
		s->older->newer = s->newer;
	else
		t->lru = s->newer;
	s->newer = s->older = NULL;
}

static void lru_front(struct sk_tcp_streams *t, struct stream *s)
{
	s->older = t->mru;
	s->newer = NULL;
	if (t->mru)
		t->mru->newer = s;
	else
		t->lru = s;
	t->mru = s;
}

static void drop_buffers(struct stream *s)
{
	while (s->ooo) {
		struct ooo *o = s->ooo;
		s->ooo = o->next;
		free(o);
	}
	s->ooo_cost = 0;
	sk_trace_ws_free(s->ws);
	s->ws = NULL;
	free(s->buf);
	s->buf = NULL;
	s->start = s->len = s->cap = 0;
}

static void stream_free(struct sk_tcp_streams *t, struct stream *s)
{
	struct stream **pp = &t->buckets[bucket(t, &s->src, &s->dst)];
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	lru_unlink(t, s);
	drop_buffers(s);
	free(s);
	t->count--;
}

void sk_tcp_streams_free(struct sk_tcp_streams *t)
{
	if (!t)
		return;
	while (t->lru)
		stream_free(t, t->lru);
	free(t->buckets);
	free(t);
}

/* ---- framing ------------------------------------------------------------------------ */

static void consume(struct stream *s, size_t n)
{
	s->start += n;
	s->len -= n;
	if (!s->len)
		s->start = 0;
}

static int emit(struct sk_tcp_streams *t, struct stream *s, const char *p, size_t n)
{
	struct sk_trace_pkt pkt = {.frame = s->frame,
	                           .ts_us = s->ts_us,
	                           .src = s->src,
	                           .dst = s->dst,
	                           .proto = SK_TRACE_TCP};
	s->sip_seen = true;
	return sk_trace_queue_push(t->q, &pkt, p, n);
}

static void not_sip(struct sk_tcp_streams *t, struct stream *s, enum sk_trace_skip why)
{
	sk_trace_skip_count(t->st, why);
	s->state = S_NOTSIP;
	drop_buffers(s);
}

/* The end of the header section (after its empty line) in p[0, n), or 0. */
static size_t header_end(const char *p, size_t n)
{
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++) {
		if (q + 1 < p + n && q[1] == '\n')
			return (size_t)(q + 2 - p);
		if (q + 2 < p + n && q[1] == '\r' && q[2] == '\n')
			return (size_t)(q + 3 - p);
	}
	return 0;
}

/* Resynchronisation: drops bytes up to the next line that starts a SIP message. */
static void resync(struct sk_tcp_streams *t, struct stream *s)
{
	const char *b = s->buf + s->start, *end = b + s->len, *cand = NULL;
	size_t drop = s->len;
	bool boundary = false;

	/* candidates: the first byte when it begins a line, then every byte after a LF */
	const char *p = s->at_boundary ? b : NULL;
	const char *scan = b;
	for (;;) {
		if (p) {
			int r = sk_trace_sip_start(p, (size_t)(end - p));
			if (r == 1) {
				cand = p;
				break;
			}
			if (r == -SK_EAGAIN) { /* maybe: keep it for the next bytes */
				drop = (size_t)(p - b);
				boundary = true;
				break;
			}
		}
		const char *nl = memchr(scan, '\n', (size_t)(end - scan));
		if (!nl)
			break;
		p = scan = nl + 1;
		if (p == end) { /* the next byte to come begins a line */
			boundary = true;
			break;
		}
	}
	if (cand) {
		consume(s, (size_t)(cand - b));
		s->state = S_FRAME;
		s->at_boundary = false;
		s->scanned = 0;
		return;
	}
	consume(s, drop);
	s->at_boundary = boundary;
	s->scanned += drop;
	/* nothing like SIP in a whole message's worth of bytes, and never any before */
	if (!s->sip_seen && s->scanned > t->lim->max_message)
		not_sip(t, s, SK_TRACE_SKIP_NOT_SIP);
}

/*
 * A message at b larger than max_message, or whose head never ends: counted
 * as too_large with the size its head declares (Content-Length + head), and
 * skipped whole when that size is known; else given up from its first line.
 */
static void too_large(struct sk_tcp_streams *t, struct stream *s, const char *b)
{
	uint64_t size;
	bool known = sk_trace_declared_size(b, s->len, &size);
	sk_trace_skip_too_large(t->st, size, s->frame);
	if (known && size <= SIZE_MAX) {
		s->skip_left = (size_t)size;
		s->state = S_SKIP;
		return;
	}
	const char *nl = memchr(b, '\n', s->len);
	consume(s, nl ? (size_t)(nl + 1 - b) : s->len);
	s->state = S_RESYNC;
	s->at_boundary = nl != NULL;
}

/*
 * The frames of a WebSocket direction: each whole message goes out as one SIP
 * message (RFC 7118 §5.1: no Content-Length needed). 0 when more bytes are
 * needed, 1 after a frame, -SK_ENOMEM; a bad frame is counted and the rest of
 * the direction is not read (its frame boundaries are lost).
 */
static int ws_frames(struct sk_tcp_streams *t, struct stream *s)
{
	size_t used;
	struct sk_str msg;
	int rc = sk_trace_ws_next(s->ws, s->buf + s->start, s->len, &used, &msg);
	if (rc == -SK_EAGAIN)
		return 0;
	if (rc == -SK_ENOMEM)
		return rc;
	if (rc < 0) {
		not_sip(t, s, SK_TRACE_SKIP_WS_BAD_FRAME);
		return 0;
	}
	if (sk_str_present(msg) && msg.len) {
		rc = emit(t, s, msg.p, msg.len);
		if (rc < 0)
			return rc;
	}
	consume(s, used);
	return 1;
}

/* Frames what the contiguous bytes hold. 0 or -SK_ENOMEM. */
static int process(struct sk_tcp_streams *t, struct stream *s)
{
	for (;;) {
		size_t skip = 0, mlen = 0, he;
		int rc;

		if (!s->len)
			return 0;
		/* only now: a stream that has held nothing yet has no buffer (buf + 0 on NULL
		 * is undefined, C11 6.5.6p8) */
		const char *b = s->buf + s->start;
		switch (s->state) {
		case S_START:
			while (skip < s->len && (b[skip] == '\r' || b[skip] == '\n'))
				skip++;
			consume(s, skip);
			if (!s->len)
				return 0;
			/* RFC 7118: a WebSocket upgrade on any port, each direction on its own */
			rc = sk_trace_ws_upgrade(s->buf + s->start, s->len, t->lim->max_message,
			                         &he);
			if (rc == -SK_EAGAIN && s->len < t->lim->max_message)
				return 0;
			if (rc == 1) {
				if (!(s->ws = sk_trace_ws_new(t->lim->max_message)))
					return -SK_ENOMEM;
				consume(s, he);
				s->state = S_WS;
				t->st->ws_streams++;
				break;
			}
			rc = sk_trace_sip_start(s->buf + s->start, s->len);
			if (rc == -SK_EAGAIN)
				return 0;
			if (rc == 1)
				s->state = S_FRAME;
			else /* an HTTP or TLS connection, say */
				not_sip(t, s,
				        sk_trace_is_tls((const uint8_t *)s->buf + s->start, s->len)
				            ? SK_TRACE_SKIP_TLS
				            : SK_TRACE_SKIP_NOT_SIP);
			break;
		case S_RESYNC:
			resync(t, s);
			if (s->state == S_RESYNC)
				return 0;
			break;
		case S_FRAME:
			rc = sk_msg_frame(b, s->len, &t->lim->msg, &skip, &mlen, NULL);
			if (rc == 0) {
				rc = emit(t, s, b + skip, mlen);
				if (rc < 0)
					return rc;
				consume(s, skip + mlen);
				break;
			}
			consume(s, skip); /* keep-alives */
			b += skip;
			if (rc == -SK_EAGAIN)
				return 0;
			he = rc == -SK_EMALFORMED ? header_end(b, s->len) : 0;
			if (he && he <= t->lim->max_message) {
				/* no usable Content-Length: the header section goes out as a
				 * candidate (it will not parse, which says why); the body, if
				 * any, is skipped by looking for the next message */
				rc = emit(t, s, b, he);
				if (rc < 0)
					return rc;
				consume(s, he);
				s->state = S_RESYNC;
				s->at_boundary = true;
				break;
			}
			if (rc == -SK_EMALFORMED && s->len < t->lim->max_message)
				return 0; /* its header section is not complete yet */
			too_large(t, s, b);
			break;
		case S_SKIP:
			skip = s->len < s->skip_left ? s->len : s->skip_left;
			consume(s, skip);
			s->skip_left -= skip;
			if (s->skip_left)
				return 0;
			s->state = S_RESYNC; /* the next message should start here: checked */
			s->at_boundary = true;
			break;
		case S_WS:
			rc = ws_frames(t, s);
			if (rc <= 0)
				return rc;
			break;
		case S_NOTSIP:
		case S_CLOSED: consume(s, s->len); return 0;
		}
	}
}

/* Appends in-order bytes, framing as they come (in pieces, so the buffer stays bounded). */
static int append(struct sk_tcp_streams *t, struct stream *s, const uint8_t *data, size_t n,
                  uint64_t frame, int64_t ts_us)
{
	size_t max = t->lim->max_stream_buf;

	s->next_seq += (uint32_t)n;
	if (s->state == S_NOTSIP || s->state == S_CLOSED)
		return 0;
	s->frame = frame;
	s->ts_us = ts_us;
	while (n) {
		if (s->len >= max) {
			/* a message that cannot end within the budget */
			sk_trace_skip_count(t->st, SK_TRACE_SKIP_OVER_LIMIT);
			consume(s, s->len);
			s->state = S_RESYNC;
			s->at_boundary = false;
		}
		size_t k = n < max - s->len ? n : max - s->len;
		if (s->start + s->len + k > s->cap) {
			if (s->start) {
				memmove(s->buf, s->buf + s->start, s->len);
				s->start = 0;
			}
			if (s->len + k > s->cap) {
				size_t nc = s->cap ? s->cap : 4096;
				while (nc < s->len + k)
					nc *= 2;
				if (nc > max)
					nc = max;
				char *nb = realloc(s->buf, nc);
				if (!nb)
					return -SK_ENOMEM;
				s->buf = nb;
				s->cap = nc;
			}
		}
		memcpy(s->buf + s->start + s->len, data, k);
		s->len += k;
		data += k;
		n -= k;
		int rc = process(t, s);
		if (rc < 0)
			return rc;
		if (s->state == S_NOTSIP)
			return 0;
	}
	return 0;
}

/*
 * Moves the waiting segments that now follow on into the contiguous bytes.
 * They count as brought by frame (when non-zero: the frame that filled the
 * hole), else by their own frame.
 */
static int drain(struct sk_tcp_streams *t, struct stream *s, uint64_t frame, int64_t ts_us)
{
	while (s->ooo) {
		struct ooo *o = s->ooo;
		int64_t d = seq_diff(o->seq, s->next_seq);
		if (d > 0)
			return 0;
		s->ooo = o->next;
		s->ooo_cost -= sizeof(*o) + o->len;
		int rc = 0;
		if (d < 0)
			t->st->tcp_retrans++; /* overlaps bytes already in */
		if ((uint64_t)-d < o->len)
			rc = append(t, s, o->data + (size_t)-d, o->len - (size_t)-d,
			            frame ? frame : o->frame, frame ? ts_us : o->ts_us);
		free(o);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The hole before the first waiting segment will not be filled: skips it. */
static int give_up_hole(struct sk_tcp_streams *t, struct stream *s, uint32_t to, uint64_t frame,
                        int64_t ts_us)
{
	t->st->tcp_gaps++;
	sk_trace_skip_count(t->st, SK_TRACE_SKIP_STREAM_GAP);
	if (s->state == S_WS) {
		/* a WebSocket direction lost its frame boundaries: nothing after it can be
		 * read (the gap is what is counted) */
		drop_buffers(s);
		s->state = S_NOTSIP;
	} else if (s->state != S_NOTSIP && s->state != S_CLOSED) {
		/* a message in progress lost its middle: the next one is looked for */
		consume(s, s->len);
		s->state = S_RESYNC;
		s->at_boundary = true;
	}
	s->next_seq = to;
	return drain(t, s, frame, ts_us);
}

/* Takes every hole as lost and frames what follows them. */
static int skip_holes(struct sk_tcp_streams *t, struct stream *s, uint64_t frame, int64_t ts_us)
{
	while (s->ooo) {
		int rc = give_up_hole(t, s, s->ooo->seq, frame, ts_us);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The stream ended (FIN reached, RST, end of input), or is evicted: a message
 * cut short, or for an evicted stream any bytes it held, count as dropped.
 */
static int finish(struct sk_tcp_streams *t, struct stream *s, bool evicted)
{
	if (evicted && (s->len || s->ooo))
		sk_trace_skip_count(t->st, SK_TRACE_SKIP_OVER_LIMIT);
	int rc = skip_holes(t, s, 0, 0);
	if (rc < 0)
		return rc;
	if (!evicted && s->state == S_FRAME && s->len) {
		/* a message cut short; keep-alives do not count */
		size_t i = 0;
		while (i < s->len && (s->buf[s->start + i] == '\r' || s->buf[s->start + i] == '\n'))
			i++;
		if (i < s->len)
			sk_trace_skip_count(t->st, SK_TRACE_SKIP_TRUNCATED);
	}
	if (s->state != S_NOTSIP)
		s->state = S_CLOSED;
	drop_buffers(s);
	return 0;
}

/* ---- segments ----------------------------------------------------------------------- */

static void stream_reset(struct stream *s, const struct sk_tcp_seg *g)
{
	drop_buffers(s);
	s->state = S_RESYNC;
	s->syn_seen = s->sip_seen = s->fin_seen = false;
	s->at_boundary = true;
	s->scanned = 0;
	s->next_seq = g->seq;
	if (g->flags & SK_TCP_SYN) {
		s->syn_seen = true;
		s->isn = g->seq;
		s->next_seq = g->seq + 1; /* the SYN takes one sequence number */
		s->state = S_START;
	}
}

static int find_or_add(struct sk_tcp_streams *t, const struct sk_tcp_seg *g, struct stream **out,
                       bool *created)
{
	size_t h = bucket(t, &g->src, &g->dst);
	struct stream *s = t->buckets[h];
	while (s && !(sk_trace_addr_eq(&s->src, &g->src) && sk_trace_addr_eq(&s->dst, &g->dst)))
		s = s->hnext;
	*created = false;
	if (s) {
		lru_unlink(t, s);
		lru_front(t, s);
		*out = s;
		return 0;
	}
	*out = NULL;
	/* a stream is opened by a SYN or by data; a lone ACK, FIN or RST opens nothing */
	if (!(g->flags & SK_TCP_SYN) && (!g->len || (g->flags & SK_TCP_RST)))
		return 0;
	if (t->count >= t->lim->max_streams && t->lru) {
		/* the least recently used stream ends to make room */
		struct stream *old = t->lru;
		int rc = finish(t, old, true);
		stream_free(t, old);
		if (rc < 0)
			return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -SK_ENOMEM;
	s->src = g->src;
	s->dst = g->dst;
	stream_reset(s, g);
	h = bucket(t, &g->src, &g->dst);
	s->hnext = t->buckets[h];
	t->buckets[h] = s;
	lru_front(t, s);
	t->count++;
	*out = s;
	*created = true;
	return 0;
}

/* Holds a segment that came early, unless it brings nothing new. */
static int hold(struct sk_tcp_streams *t, struct stream *s, uint32_t seq, const uint8_t *data,
                size_t n, const struct sk_tcp_seg *g)
{
	struct ooo **pp = &s->ooo;
	int64_t rel = seq_diff(seq, s->next_seq);

	for (struct ooo *o = s->ooo; o; o = o->next) {
		int64_t ro = seq_diff(o->seq, s->next_seq);
		if (ro <= rel && ro + (int64_t)o->len >= rel + (int64_t)n) {
			t->st->tcp_retrans++; /* held already */
			return 0;
		}
	}
	while (*pp && seq_diff((*pp)->seq, s->next_seq) <= rel)
		pp = &(*pp)->next;
	struct ooo *o = malloc(sizeof(*o) + n);
	if (!o)
		return -SK_ENOMEM;
	o->seq = seq;
	o->len = n;
	o->frame = g->frame;
	o->ts_us = g->ts_us;
	memcpy(o->data, data, n);
	o->next = *pp;
	*pp = o;
	s->ooo_cost += sizeof(*o) + n;
	return 0;
}

/* The payload of a segment, at sequence number seq. */
static int payload(struct sk_tcp_streams *t, struct stream *s, uint32_t seq, const uint8_t *data,
                   size_t n, const struct sk_tcp_seg *g)
{
	size_t max = t->lim->max_stream_buf;

	for (;;) {
		int64_t d = seq_diff(seq, s->next_seq);
		if (d < 0) {
			t->st->tcp_retrans++;
			if ((uint64_t)-d >= n)
				return 0; /* all seen before */
			data += (size_t)-d;
			n -= (size_t)-d;
			seq = s->next_seq;
			d = 0;
		}
		if (d == 0) {
			int rc = append(t, s, data, n, g->frame, g->ts_us);
			return rc < 0 ? rc : drain(t, s, g->frame, g->ts_us);
		}
		if ((uint64_t)d <= max && s->len + s->ooo_cost + sizeof(struct ooo) + n <= max)
			return hold(t, s, seq, data, n, g);
		/* no room to wait for the hole: the oldest one is given up */
		int rc;
		if (s->ooo && seq_diff(s->ooo->seq, seq) < 0)
			rc = give_up_hole(t, s, s->ooo->seq, g->frame, g->ts_us);
		else
			rc = give_up_hole(t, s, seq, g->frame, g->ts_us);
		if (rc < 0)
			return rc;
	}
}

int sk_tcp_streams_segment(struct sk_tcp_streams *t, const struct sk_tcp_seg *g)
{
	struct stream *s;
	bool created;
	int rc = find_or_add(t, g, &s, &created);
	if (rc < 0 || !s)
		return rc;

	uint32_t seq = g->seq;
	if (g->flags & SK_TCP_SYN) {
		seq = g->seq + 1; /* the SYN takes one sequence number */
		if (!created && s->syn_seen && g->seq == s->isn) {
			if (!g->len) {
				t->st->tcp_retrans++; /* the SYN again */
				return 0;
			}
		} else if (!created) {
			/* a new connection on the same addresses and ports */
			rc = finish(t, s, false);
			if (rc < 0)
				return rc;
			stream_reset(s, g);
		}
	}
	if (s->state == S_CLOSED) {
		if (g->len && seq_diff(seq + (uint32_t)g->len, s->next_seq) <= 0)
			t->st->tcp_retrans++;
		else if (g->len)
			sk_trace_skip_count(t->st,
			                    SK_TRACE_SKIP_MALFORMED); /* data after the end */
		return 0;
	}
	if (g->flags & SK_TCP_FIN) {
		s->fin_seen = true;
		s->fin_seq = seq + (uint32_t)g->len;
	}
	if (g->len && s->state != S_NOTSIP) {
		rc = payload(t, s, seq, g->data, g->len, g);
		if (rc < 0)
			return rc;
	}
	if (g->flags & SK_TCP_RST)
		return finish(t, s, false);
	if (s->fin_seen && seq_diff(s->next_seq, s->fin_seq) >= 0 && s->state != S_NOTSIP)
		return finish(t, s, false);
	return 0;
}

int sk_tcp_streams_flush_one(struct sk_tcp_streams *t)
{
	struct stream *s = t->lru;
	if (!s)
		return 0;
	int rc = finish(t, s, false);
	stream_free(t, s);
	return rc < 0 ? rc : 1;
}
