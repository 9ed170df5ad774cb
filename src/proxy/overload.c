/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Overload control: what the proxy takes on when it cannot carry it all.
 *
 * The transaction layer asks sk_proxy_admit about every request that would
 * make new state, before any is made. A CANCEL and a request of a dialog are
 * always admitted (they end or carry on what we hold; shedding them would
 * turn an overload into failed calls); ACKs and retransmissions never ask.
 * Other requests are answered 503 with Retry-After, statelessly (RFC 3261
 * §21.5.4: the caller tries again later or elsewhere instead of waiting out
 * Timer B), when:
 *   - the proxy is overloaded: its UDP receive queues hold more than
 *     overload_queue_kb unread (the loop is behind what arrives), or its
 *     pending requests or transactions near their caps. Sampled every
 *     OL_SAMPLE_MS on the stack's clock while requests come; over as soon as
 *     a sample is high, over after OL_HOLD_MS of calm (no flapping);
 *   - its source is over src_rate new requests in the current second: one
 *     source may be a whole network (a peering proxy, SIPp), so the default is
 *     above what the proxy itself can carry; past src_rate * SRC_SILENCE the
 *     source gets no answer at all for the rest of that second and the next
 *     (it is not listening to its 503s). Trusted sources (--trust) skip this.
 * The source table is bounded (SRC_SLOTS entries, allocated once, the least
 * recently seen replaced) and keyed under the stack's secret: every decision
 * costs O(1).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

#define OL_SAMPLE_MS   20    /* load sampled this often while requests come */
#define OL_HOLD_MS     200   /* calm needed before new requests are taken again */
#define SRC_SLOTS      4096  /* sources remembered */
#define SRC_SILENCE    10    /* past src_rate times this in a second: silence */
#define SRC_WINDOW     1000  /* ms */
#define SRC_AOR_WINDOW 60000 /* ms */
#define SRC_FILLED     1000  /* new AORs a minute: a source that fills the registrar */

struct src {
	struct sk_hnode node;
	struct src *prev, *next; /* least recently seen first */
	uint8_t addr[16];
	uint8_t len;     /* 4 or 16; 0: the slot is free */
	uint64_t window; /* start of the current second */
	uint32_t count;  /* new requests in it */
	uint64_t silent_until;
	uint64_t aor_window; /* start of the minute new_aors counts in */
	uint32_t new_aors;   /* addresses of record it registered anew in it */
};

struct sk_overload {
	struct sk_proxy *p;
	struct sk_timer sample;
	bool sampling, overloaded;
	bool asked;    /* a request came since the last sample */
	bool draining; /* sk_proxy_drain: every new request is shed */
	uint64_t calm_since;
	size_t queue_high;
	struct sk_htab srcs;
	struct src *slots, *lru_head, *lru_tail;
	size_t used;
	struct sk_cidr trust[PROXY_MAX_TRUST];
	size_t ntrust;
};

/* ---- the load ------------------------------------------------------------- */

/* cap less its 1/part (90% for 10, 80% for 5), at least 1: small caps stay usable */
static size_t near(size_t cap, size_t part)
{
	size_t v = cap - cap / part;
	return v ? v : 1;
}

static bool load_high(const struct sk_overload *o)
{
	const struct sk_proxy *p = o->p;
	const struct sk_txl *txl = sk_stack_txl(p->stack);
	return sk_tp_rx_queued(sk_stack_tp(p->stack)) >= o->queue_high ||
	       p->active >= near(p->cfg.max_pending, 10) ||
	       sk_txl_count(txl) >= near(sk_txl_max(txl), 10);
}

static bool load_low(const struct sk_overload *o)
{
	const struct sk_proxy *p = o->p;
	const struct sk_txl *txl = sk_stack_txl(p->stack);
	return sk_tp_rx_queued(sk_stack_tp(p->stack)) < o->queue_high / 4 &&
	       p->active < near(p->cfg.max_pending, 5) &&
	       sk_txl_count(txl) < near(sk_txl_max(txl), 5);
}

static void sample_fired(void *arg)
{
	struct sk_overload *o = arg;
	struct sk_proxy *p = o->p;
	uint64_t now = sk_stack_now(p->stack);
	if (load_high(o)) {
		if (!o->overloaded) {
			p->st.overloads++;
			sk_logf(sk_proxy_log(p), SK_LOG_WARN,
			        "proxy: overloaded: new requests answered 503 (%zu bytes unread, "
			        "%zu pending)",
			        sk_tp_rx_queued(sk_stack_tp(p->stack)), p->active);
		}
		o->overloaded = true;
		o->calm_since = 0;
	} else if (o->overloaded && load_low(o)) {
		if (!o->calm_since)
			o->calm_since = now;
		else if (now - o->calm_since >= OL_HOLD_MS) {
			o->overloaded = false;
			sk_logf(sk_proxy_log(p), SK_LOG_WARN, "proxy: no longer overloaded");
		}
	} else {
		o->calm_since = 0;
	}
	/* sampling goes on while requests come or the overload lasts, then rests */
	o->sampling = o->asked || o->overloaded;
	o->asked = false;
	if (o->sampling)
		sk_timer_start(sk_stack_timers(p->stack), &o->sample, OL_SAMPLE_MS);
}

/* ---- sources ------------------------------------------------------------- */

static size_t addr_of(const struct sk_sa *a, uint8_t out[16])
{
	if (a->u.sa.sa_family == AF_INET) {
		memcpy(out, &a->u.in.sin_addr, 4);
		return 4;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		memcpy(out, &a->u.in6.sin6_addr, 16);
		return 16;
	}
	return 0;
}

static void lru_unlink(struct sk_overload *o, struct src *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		o->lru_head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		o->lru_tail = s->prev;
	s->prev = s->next = NULL;
}

static void lru_push(struct sk_overload *o, struct src *s)
{
	s->prev = o->lru_tail;
	s->next = NULL;
	if (o->lru_tail)
		o->lru_tail->next = s;
	else
		o->lru_head = s;
	o->lru_tail = s;
}

/* The entry of addr, made (or the least recently seen one reused) if need be. */
static struct src *src_get(struct sk_overload *o, const uint8_t *addr, size_t len, uint64_t now)
{
	uint64_t h = sk_hash(sk_stack_hash_key(o->p->stack), addr, len);
	for (struct sk_hnode *n = sk_htab_first(&o->srcs, h); n; n = sk_htab_next(n)) {
		struct src *s = sk_container_of(n, struct src, node);
		if (s->len == len && !memcmp(s->addr, addr, len)) {
			lru_unlink(o, s);
			lru_push(o, s);
			return s;
		}
	}
	struct src *s;
	if (o->used < SRC_SLOTS) {
		s = &o->slots[o->used++];
	} else {
		s = o->lru_head;
		sk_htab_remove(&o->srcs, &s->node);
		lru_unlink(o, s);
	}
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, addr, len);
	s->len = (uint8_t)len;
	s->window = now;
	sk_htab_insert(&o->srcs, &s->node, h);
	lru_push(o, s);
	return s;
}

static bool trusted(const struct sk_overload *o, const uint8_t *addr, size_t len)
{
	for (size_t i = 0; i < o->ntrust; i++) {
		const struct sk_cidr *c = &o->trust[i];
		if (c->len != len)
			continue;
		unsigned bits = c->bits, k = 0;
		for (; bits >= 8; bits -= 8, k++)
			if (addr[k] != c->addr[k])
				break;
		if (bits >= 8)
			continue;
		if (!bits || ((addr[k] ^ c->addr[k]) & (0xff00u >> bits)) == 0)
			return true;
	}
	return false;
}

bool sk_proxy_trusted(const struct sk_proxy *p, const struct sk_sa *from)
{
	uint8_t addr[16];
	size_t len = addr_of(from, addr);
	return len && trusted(p->ol, addr, len);
}

static enum sk_admit source_check(struct sk_overload *o, const struct sk_sa *from, uint64_t now)
{
	struct sk_proxy *p = o->p;
	uint8_t addr[16];
	size_t len = addr_of(from, addr);
	if (!len || trusted(o, addr, len))
		return SK_ADMIT;
	struct src *s = src_get(o, addr, len, now);
	if (now - s->window >= SRC_WINDOW) {
		s->window = now;
		s->count = 0;
	}
	s->count++;
	if (now < s->silent_until)
		return SK_ADMIT_DROP;
	if (s->count <= p->cfg.src_rate)
		return SK_ADMIT;
	if (s->count <= (uint64_t)p->cfg.src_rate * SRC_SILENCE)
		return SK_ADMIT_SHED;
	/* it does not listen to its 503s: the rest of this second and the next */
	s->silent_until = s->window + 2 * SRC_WINDOW;
	char a[64];
	sk_sa_print(from, a, sizeof(a));
	sk_logf(sk_proxy_log(p), SK_LOG_WARN,
	        "proxy: %s sends over %u new requests a second after its 503s: no answer for "
	        "a while",
	        a, (unsigned)(p->cfg.src_rate * SRC_SILENCE));
	return SK_ADMIT_DROP;
}

/*
 * Who fills the registrar: new addresses of record per source and minute. A
 * store full of AORs answers 503 (the load passes as bindings expire), but
 * 403 to a source that registered SRC_FILLED new ones in the last minute:
 * the stranger who filled it is told no, not to come back later.
 */
void sk_proxy_source_new_aor(struct sk_proxy *p, const struct sk_sa *from)
{
	uint8_t addr[16];
	size_t len = addr_of(from, addr);
	uint64_t now = sk_stack_now(p->stack);
	if (!len || trusted(p->ol, addr, len))
		return;
	struct src *s = src_get(p->ol, addr, len, now);
	if (now - s->aor_window >= SRC_AOR_WINDOW) {
		s->aor_window = now;
		s->new_aors = 0;
	}
	s->new_aors++;
}

bool sk_proxy_source_filled(struct sk_proxy *p, const struct sk_sa *from)
{
	uint8_t addr[16];
	size_t len = addr_of(from, addr);
	uint64_t now = sk_stack_now(p->stack);
	if (!len || trusted(p->ol, addr, len))
		return false;
	struct src *s = src_get(p->ol, addr, len, now);
	return now - s->aor_window < SRC_AOR_WINDOW && s->new_aors >= SRC_FILLED;
}

/* ---- admission ---------------------------------------------------------- */

enum sk_admit sk_proxy_admit(void *arg, const struct sk_msg *req, const struct sk_flow *flow)
{
	struct sk_proxy *p = arg;
	struct sk_overload *o = p->ol;
	/* never shed what ends or carries on state we hold */
	if (sk_str_eq(sk_msg_method(req), SK_STR_LIT("CANCEL")) || sk_msg_to(req)->tag.len)
		return SK_ADMIT;
	uint64_t now = sk_stack_now(p->stack);
	o->asked = true;
	if (!o->sampling) {
		o->sampling = true;
		sample_fired(o); /* a first look now, then every OL_SAMPLE_MS */
	}
	enum sk_admit a = source_check(o, &flow->remote, now);
	if (a == SK_ADMIT && (o->overloaded || o->draining))
		a = SK_ADMIT_SHED;
	if (a == SK_ADMIT_SHED)
		p->st.shed_503++;
	else if (a == SK_ADMIT_DROP)
		p->st.dropped++;
	return a;
}

bool sk_proxy_overloaded(const struct sk_proxy *p)
{
	return p->ol->overloaded;
}

void sk_proxy_drain(struct sk_proxy *p)
{
	p->ol->draining = true;
}

/* ---- life ---------------------------------------------------------------- */

int sk_cidr_parse(struct sk_cidr *c, const char *text)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hl = slash ? (size_t)(slash - text) : strlen(text);
	if (hl == 0 || hl >= sizeof(host))
		return -SK_EINVAL;
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->len = 4;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->len = 16;
	else
		return -SK_EINVAL;
	unsigned long bits = c->len * 8u;
	if (slash) {
		char *end;
		bits = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || bits > c->len * 8u)
			return -SK_EINVAL;
	}
	c->bits = (uint8_t)bits;
	return 0;
}

int sk_proxy_overload_init(struct sk_proxy *p)
{
	struct sk_overload *o = calloc(1, sizeof(*o));
	if (!o)
		return -SK_ENOMEM;
	o->p = p;
	o->queue_high = (size_t)p->cfg.overload_queue_kb * 1024;
	o->slots = calloc(SRC_SLOTS, sizeof(*o->slots));
	if (!o->slots || sk_htab_init(&o->srcs, SRC_SLOTS) < 0) {
		free(o->slots);
		free(o);
		return -SK_ENOMEM;
	}
	sk_timer_init(&o->sample, sample_fired, o);
	for (const char *t = p->cfg.trust; t && *t;) {
		const char *comma = strchr(t, ',');
		size_t n = comma ? (size_t)(comma - t) : strlen(t);
		char one[80];
		if (n >= sizeof(one) || o->ntrust >= PROXY_MAX_TRUST) {
			sk_proxy_overload_free(o);
			return -SK_EINVAL;
		}
		memcpy(one, t, n);
		one[n] = '\0';
		if (sk_cidr_parse(&o->trust[o->ntrust++], one) < 0) {
			sk_proxy_overload_free(o);
			return -SK_EINVAL;
		}
		t = comma ? comma + 1 : t + n;
	}
	p->ol = o;
	return 0;
}

void sk_proxy_overload_free(struct sk_overload *o)
{
	if (!o)
		return;
	sk_timer_stop(sk_stack_timers(o->p->stack), &o->sample);
	sk_htab_free(&o->srcs);
	free(o->slots);
	free(o);
}
