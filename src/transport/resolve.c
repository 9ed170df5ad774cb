/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locating SIP servers (RFC 3263 §4) on the stack's timers. A lookup runs in
 * up to three stages, the queries of a stage in parallel:
 *   NAPTR of the host (§4.1), only with neither a port nor a transport
 *     parameter: services SIP+D2U and SIP+D2T with flag "s", in order and
 *     preference (for a sips URI SIPS+D2T only: TLS, RFC 5630 §3.1.3; for a
 *     sip URI SIPS+D2T is left aside, as are services we do not speak);
 *   SRV (§4.2): the NAPTR replacements, else _sip._udp / _sip._tcp of the host
 *     (only the transport asked for, if one was; _sips._tcp for TLS), in RFC
 *     2782 order;
 *   AAAA/A of each SRV target with its port, or of the host itself (its port
 *     or 5060) when there is no SRV record or the URI gave a port (§4.2).
 * A numeric host (or maddr) needs no DNS. The result: at most SK_RESOLVE_MAX
 * targets in the order to try them (§4.3). Every answer goes through the
 * cache (resolve_cache.c). A NAPTR or SRV query that times out ends the
 * lookup with -SK_ETIMEDOUT; one that fails otherwise counts as "no records"
 * (the fallback of §4.1 and §4.2 then applies, as Kamailio does). In the
 * address stage, targets found are used even if some queries failed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolve_int.h"

#define LK_SRV_MAX 4                                     /* SRV names tried (NAPTR records used) */
#define LK_SLOTS   (1 + LK_SRV_MAX + 2 * SK_RESOLVE_MAX) /* NAPTR, SRV, AAAA/A queries */

enum stage { ST_NAPTR, ST_SRV, ST_ADDR };

struct lookup_query {
	struct sk_resolve_lookup *lk;
	unsigned slot;
	uint64_t id;
	struct sk_timer timeout;
};

/* One query of a lookup and what it gave. */
struct slot {
	char name[SK_DNS_NAME_MAX];
	uint16_t type;
	uint8_t proto;
	uint16_t port; /* the address stage: the port of the targets */
	int err;
	size_t n;
	struct sk_dns_rr *rr; /* a copy of the answer */
	struct lookup_query *q;
};

struct sk_resolve_lookup {
	struct sk_resolver *r;
	struct sk_resolve_lookup *prev, *next;
	sk_resolve_fn fn;
	void *arg;
	char host[SK_DNS_NAME_MAX];
	uint8_t proto; /* the transport parameter's, NONE: any */
	uint16_t port; /* the URI's, 0: none */
	uint8_t stage;
	bool done;
	bool host_addr; /* the address stage asks for the host itself (no SRV) */
	unsigned nslots, first, outstanding; /* first: the current stage's first slot */
	int err;
	size_t nt;
	struct sk_target t[SK_RESOLVE_MAX];
	char why[256];
	struct slot slots[LK_SLOTS];
};

/* ---- the resolver ------------------------------------------------------------ */

int sk_resolver_new(struct sk_resolver **out, const struct sk_resolver_config *cfg)
{
	if (!out || !cfg || !cfg->timers || !cfg->dns.ops)
		return -SK_EINVAL;
	struct sk_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return -SK_ENOMEM;
	r->cfg = *cfg;
	if (!r->cfg.cache_entries)
		r->cfg.cache_entries = 4096;
	if (!r->cfg.max_ttl)
		r->cfg.max_ttl = 3600;
	if (!r->cfg.negative_ttl)
		r->cfg.negative_ttl = 30;
	if (!r->cfg.max_queries)
		r->cfg.max_queries = 256;
	if (!r->cfg.max_lookups)
		r->cfg.max_lookups = 1024;
	if (!r->cfg.query_timeout_ms)
		r->cfg.query_timeout_ms = 5000;
	sk_hash_key_from_os(&r->key); /* weak but usable without entropy */
	if (sk_htab_init(&r->cache, r->cfg.cache_entries < 65536 ? r->cfg.cache_entries : 65536) <
	    0) {
		free(r);
		return -SK_ENOMEM;
	}
	*out = r;
	return 0;
}

static void lookup_free(struct sk_resolve_lookup *lk);

void sk_resolver_free(struct sk_resolver *r)
{
	if (!r)
		return;
	while (r->lookups)
		sk_resolve_cancel(r, r->lookups);
	sk_resolve_cache_flush(r);
	sk_htab_free(&r->cache);
	if (r->cfg.dns.ops && r->cfg.dns.ops->free)
		r->cfg.dns.ops->free(r->cfg.dns.be);
	free(r);
}

struct sk_resolver_stats sk_resolver_stats(const struct sk_resolver *r)
{
	struct sk_resolver_stats s = r->st;
	s.cached = sk_resolve_cache_count(r);
	return s;
}

void sk_resolver_flush(struct sk_resolver *r)
{
	sk_resolve_cache_flush(r);
}

/* ---- queries ------------------------------------------------------------------ */

static void query_end(struct sk_resolve_lookup *lk, struct lookup_query *q)
{
	struct sk_resolver *r = lk->r;
	sk_timer_stop(r->cfg.timers, &q->timeout);
	lk->slots[q->slot].q = NULL;
	r->st.in_flight--;
	free(q);
}

static void slot_fill(struct slot *s, int err, const struct sk_dns_rr *rr, size_t n)
{
	s->err = err;
	s->n = 0;
	if (err || !n)
		return;
	if (n > SK_DNS_MAX_RR)
		n = SK_DNS_MAX_RR;
	s->rr = malloc(n * sizeof(rr[0]));
	if (!s->rr) {
		s->err = -SK_ENOMEM;
		return;
	}
	memcpy(s->rr, rr, n * sizeof(rr[0]));
	s->n = n;
}

static bool step(struct sk_resolve_lookup *lk);

/* The lookup ended after an answer or a timeout: its callback, then it goes. */
static void finish_async(struct sk_resolve_lookup *lk)
{
	struct sk_resolve_result res = {.n = lk->nt, .t = lk->t};
	snprintf(res.why, sizeof(res.why), "%s", lk->why);
	sk_resolve_fn fn = lk->fn;
	void *arg = lk->arg;
	int err = lk->err;
	struct sk_resolver *r = lk->r;
	/* unlinked first: the callback may start other lookups, never see this one */
	if (lk->prev)
		lk->prev->next = lk->next;
	else
		r->lookups = lk->next;
	if (lk->next)
		lk->next->prev = lk->prev;
	lk->prev = lk->next = NULL;
	r->st.pending--;
	struct sk_target t[SK_RESOLVE_MAX];
	memcpy(t, lk->t, sizeof(t));
	res.t = t;
	lookup_free(lk);
	fn(arg, err, &res);
}

static void slot_done(struct sk_resolve_lookup *lk)
{
	lk->outstanding--;
	if (step(lk))
		finish_async(lk);
}

static void on_answer(void *arg, int err, const struct sk_dns_rr *rr, size_t n, uint32_t neg_ttl)
{
	struct lookup_query *q = arg;
	struct sk_resolve_lookup *lk = q->lk;
	struct slot *s = &lk->slots[q->slot];
	if (err == -SK_ETIMEDOUT)
		lk->r->st.timeouts++;
	else if (err && err != -SK_ENOTFOUND)
		lk->r->st.failures++;
	sk_resolve_cache_put(lk->r, s->name, s->type, err, rr, n, neg_ttl);
	query_end(lk, q);
	slot_fill(s, err, rr, n);
	slot_done(lk);
}

static void on_query_timeout(void *arg)
{
	struct lookup_query *q = arg;
	struct sk_resolve_lookup *lk = q->lk;
	struct sk_resolver *r = lk->r;
	r->cfg.dns.ops->cancel(r->cfg.dns.be, q->id);
	r->st.timeouts++;
	struct slot *s = &lk->slots[q->slot];
	query_end(lk, q);
	s->err = -SK_ETIMEDOUT;
	slot_done(lk);
}

/* Starts slot i: from the cache at once, else a query (outstanding++). */
static void slot_start(struct sk_resolve_lookup *lk, unsigned i)
{
	struct sk_resolver *r = lk->r;
	struct slot *s = &lk->slots[i];
	const struct sk_dns_rr *rr;
	size_t n;
	int err;
	if (sk_resolve_cache_get(r, s->name, s->type, &err, &rr, &n)) {
		slot_fill(s, err, rr, n);
		return;
	}
	if (r->st.in_flight >= r->cfg.max_queries) {
		s->err = -SK_EFULL;
		r->st.refused++;
		return;
	}
	struct lookup_query *q = calloc(1, sizeof(*q));
	if (!q) {
		s->err = -SK_ENOMEM;
		return;
	}
	q->lk = lk;
	q->slot = i;
	sk_timer_init(&q->timeout, on_query_timeout, q);
	int rc = r->cfg.dns.ops->query(r->cfg.dns.be, s->name, (enum sk_dns_type)s->type, on_answer,
	                               q, &q->id);
	if (rc < 0) {
		free(q);
		s->err = -SK_EIO;
		r->st.failures++;
		return;
	}
	s->q = q;
	r->st.queries++;
	r->st.in_flight++;
	lk->outstanding++;
	sk_timer_start(r->cfg.timers, &q->timeout, r->cfg.query_timeout_ms);
}

static int slot_add(struct sk_resolve_lookup *lk, const char *name, uint16_t type,
                    enum sk_proto proto, uint16_t port)
{
	if (lk->nslots >= LK_SLOTS || strlen(name) >= SK_DNS_NAME_MAX)
		return -1;
	struct slot *s = &lk->slots[lk->nslots];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (char *c = s->name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	s->type = type;
	s->proto = (uint8_t)proto;
	s->port = port;
	return (int)lk->nslots++;
}

/* Starts the slots [from, nslots) of a new stage. */
static void stage_start(struct sk_resolve_lookup *lk, enum stage st, unsigned from)
{
	lk->stage = (uint8_t)st;
	lk->first = from;
	for (unsigned i = from; i < lk->nslots; i++)
		slot_start(lk, i);
}

/* ---- the stages --------------------------------------------------------------- */

static enum sk_proto naptr_proto(const struct sk_dns_rr *rr)
{
	/* RFC 3263 §4.1: the "S" flag and a SIP service over a transport we speak */
	if (!strchr(rr->flags, 's') && !strchr(rr->flags, 'S'))
		return SK_PROTO_NONE;
	if (!rr->name[0] || !strcmp(rr->name, "."))
		return SK_PROTO_NONE;
	if (!strcasecmp(rr->service, "SIP+D2U"))
		return SK_PROTO_UDP;
	if (!strcasecmp(rr->service, "SIP+D2T"))
		return SK_PROTO_TCP;
	if (!strcasecmp(rr->service, "SIPS+D2T"))
		return SK_PROTO_TLS;
	return SK_PROTO_NONE; /* others are not SIP, or not a transport we speak */
}

static int by_order(const void *a, const void *b)
{
	const struct sk_dns_rr *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->service, y->service);
}

/* The SRV names to ask: the NAPTR replacements in order, else _sip._udp/_tcp (§4.1). */
static void start_srv(struct sk_resolve_lookup *lk)
{
	unsigned from = lk->nslots;
	struct slot *ns = lk->stage == ST_NAPTR ? &lk->slots[0] : NULL;
	if (ns && ns->n) {
		qsort(ns->rr, ns->n, sizeof(ns->rr[0]), by_order);
		for (size_t i = 0; i < ns->n && lk->nslots - from < LK_SRV_MAX; i++) {
			enum sk_proto p = naptr_proto(&ns->rr[i]);
			/* a sips URI: TLS only; a sip URI with no transport: UDP or TCP, as
			 * before TLS came (the caller asks for TLS with transport=tls) */
			if (!p || (lk->proto ? p != lk->proto : p == SK_PROTO_TLS))
				continue;
			bool dup = false;
			for (unsigned k = from; k < lk->nslots; k++)
				dup |= !strcasecmp(lk->slots[k].name, ns->rr[i].name);
			if (!dup)
				slot_add(lk, ns->rr[i].name, SK_DNS_SRV, p, 0);
		}
	}
	char name[SK_DNS_NAME_MAX + 16];
	if (lk->nslots == from) {
		/* §4.1: no usable NAPTR: SRV for each transport we speak, UDP first; for
		 * TLS (a sips URI or transport=tls) _sips._tcp alone (§4.2) */
		if (lk->proto == SK_PROTO_TLS) {
			snprintf(name, sizeof(name), "_sips._tcp.%s", lk->host);
			slot_add(lk, name, SK_DNS_SRV, SK_PROTO_TLS, 0);
		}
		if (lk->proto == SK_PROTO_NONE || lk->proto == SK_PROTO_UDP) {
			snprintf(name, sizeof(name), "_sip._udp.%s", lk->host);
			slot_add(lk, name, SK_DNS_SRV, SK_PROTO_UDP, 0);
		}
		if (lk->proto == SK_PROTO_NONE || lk->proto == SK_PROTO_TCP) {
			snprintf(name, sizeof(name), "_sip._tcp.%s", lk->host);
			slot_add(lk, name, SK_DNS_SRV, SK_PROTO_TCP, 0);
		}
	}
	stage_start(lk, ST_SRV, from);
}

static void add_addr_slots(struct sk_resolve_lookup *lk, const char *name, enum sk_proto p,
                           uint16_t port)
{
	slot_add(lk, name, SK_DNS_A, p, port);
	if (!lk->r->cfg.no_ipv6)
		slot_add(lk, name, SK_DNS_AAAA, p, port);
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);
	return len && len <= 253 && strcmp(n, ".") != 0;
}

/* §4.2: the address queries of every SRV target in order, or of the host itself. */
static void start_addr(struct sk_resolve_lookup *lk)
{
	unsigned from = lk->nslots;
	unsigned targets = 0;
	if (lk->stage == ST_SRV) {
		for (unsigned i = lk->first; i < from; i++) {
			struct slot *s = &lk->slots[i];
			sk_dns_srv_order(s->rr, s->n, lk->r->cfg.rng);
			for (size_t k = 0; k < s->n && targets < SK_RESOLVE_MAX; k++) {
				const struct sk_dns_rr *rr = &s->rr[k];
				/* RFC 2782: target "." means no service; port 0 reaches nobody */
				if (!rr->port || !name_ok(rr->name))
					continue;
				add_addr_slots(lk, rr->name, (enum sk_proto)s->proto, rr->port);
				targets++;
			}
		}
	}
	lk->host_addr = !targets;
	if (!targets) /* §4.2: no SRV record: the host, its port or 5060; UDP unless told */
		add_addr_slots(lk, lk->host, lk->proto ? lk->proto : SK_PROTO_UDP,
		               lk->port                    ? lk->port
		               : lk->proto == SK_PROTO_TLS ? 5061
		                                           : 5060);
	stage_start(lk, ST_ADDR, from);
}

/* Any query of the current stage that timed out (NAPTR, SRV: the lookup ends). */
static const struct slot *stage_timed_out(const struct sk_resolve_lookup *lk)
{
	for (unsigned i = lk->first; i < lk->nslots; i++)
		if (lk->slots[i].err == -SK_ETIMEDOUT)
			return &lk->slots[i];
	return NULL;
}

static const char *type_name(uint16_t t)
{
	return t == SK_DNS_A ? "A" : t == SK_DNS_AAAA ? "AAAA" : t == SK_DNS_SRV ? "SRV" : "NAPTR";
}

static void end_timeout(struct sk_resolve_lookup *lk, const struct slot *s)
{
	lk->err = -SK_ETIMEDOUT;
	snprintf(lk->why, sizeof(lk->why), "DNS: no answer for %.200s %s", s->name,
	         type_name(s->type));
}

/* The targets of the address stage, in slot order. */
static void collect(struct sk_resolve_lookup *lk)
{
	bool timeout = false, nxdomain = false, full = false;
	const struct slot *failed = NULL;
	for (unsigned i = lk->first; i < lk->nslots; i++) {
		const struct slot *s = &lk->slots[i];
		timeout |= s->err == -SK_ETIMEDOUT;
		nxdomain |= s->err == -SK_ENOTFOUND;
		full |= s->err == -SK_EFULL;
		if (s->err && s->err != -SK_ENOTFOUND && !failed)
			failed = s;
		for (size_t k = 0; k < s->n && lk->nt < SK_RESOLVE_MAX; k++) {
			const struct sk_dns_rr *rr = &s->rr[k];
			struct sk_target *t = &lk->t[lk->nt];
			memset(t, 0, sizeof(*t));
			t->proto = (enum sk_proto)s->proto;
			if (rr->type == SK_DNS_A && s->type == SK_DNS_A) {
				t->addr.u.in.sin_family = AF_INET;
				memcpy(&t->addr.u.in.sin_addr, rr->addr, 4);
			} else if (rr->type == SK_DNS_AAAA && s->type == SK_DNS_AAAA) {
				t->addr.u.in6.sin6_family = AF_INET6;
				memcpy(&t->addr.u.in6.sin6_addr, rr->addr, 16);
			} else {
				continue;
			}
			sk_sa_set_port(&t->addr, s->port);
			/* RFC 5922 §7.2: the server proves the URI's domain, not the SRV target */
			if (t->proto == SK_PROTO_TLS)
				sk_str_cpy(t->name, sizeof(t->name), sk_str_c(lk->host));
			lk->nt++;
		}
	}
	if (lk->nt)
		return;
	if (timeout) {
		for (unsigned i = lk->first; i < lk->nslots; i++)
			if (lk->slots[i].err == -SK_ETIMEDOUT) {
				end_timeout(lk, &lk->slots[i]);
				return;
			}
	}
	if (full) {
		lk->err = -SK_EFULL;
		snprintf(lk->why, sizeof(lk->why), "DNS: too many queries in flight");
	} else if (failed) {
		lk->err = -SK_EIO;
		snprintf(lk->why, sizeof(lk->why), "DNS: server failure for %.200s", failed->name);
	} else {
		lk->err = -SK_ENOTFOUND;
		snprintf(lk->why, sizeof(lk->why), "DNS: %s %.200s",
		         nxdomain && lk->host_addr ? "no such domain" : "no address for", lk->host);
	}
}

/* Moves on while no query is outstanding; true once the lookup has its outcome. */
static bool step(struct sk_resolve_lookup *lk)
{
	while (!lk->done && !lk->outstanding) {
		const struct slot *to = stage_timed_out(lk);
		if (lk->stage != ST_ADDR && to) {
			end_timeout(lk, to);
			lk->done = true;
		} else if (lk->stage == ST_NAPTR) {
			start_srv(lk);
		} else if (lk->stage == ST_SRV) {
			start_addr(lk);
		} else {
			collect(lk);
			lk->done = true;
		}
	}
	return lk->done;
}

/* ---- lookups ------------------------------------------------------------------ */

static void lookup_free(struct sk_resolve_lookup *lk)
{
	for (unsigned i = 0; i < lk->nslots; i++) {
		struct slot *s = &lk->slots[i];
		if (s->q) {
			lk->r->cfg.dns.ops->cancel(lk->r->cfg.dns.be, s->q->id);
			query_end(lk, s->q);
		}
		free(s->rr);
	}
	free(lk);
}

void sk_resolve_cancel(struct sk_resolver *r, struct sk_resolve_lookup *lk)
{
	if (!r || !lk)
		return;
	if (lk->prev)
		lk->prev->next = lk->next;
	else
		r->lookups = lk->next;
	if (lk->next)
		lk->next->prev = lk->prev;
	r->st.pending--;
	lookup_free(lk);
}

static bool host_name_ok(struct sk_str h)
{
	if (!h.len || h.len > 253)
		return false;
	/* RFC 1123 §2.1: a name never has the dotted-decimal form (999.1.2.3 is a bad
	 * address, not a name to look up): its last label is not all digits */
	size_t last = h.len;
	if (h.p[last - 1] == '.')
		last--;
	size_t start = last;
	while (start > 0 && h.p[start - 1] != '.')
		start--;
	bool digits = start < last;
	for (size_t k = start; k < last; k++)
		digits &= h.p[k] >= '0' && h.p[k] <= '9';
	if (digits)
		return false;
	for (size_t i = 0; i < h.len; i++) {
		char c = h.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

static void copy_out(const struct sk_resolve_lookup *lk, struct sk_target *out, size_t *n,
                     char *why, size_t why_size)
{
	*n = lk->nt;
	memcpy(out, lk->t, lk->nt * sizeof(out[0]));
	if (why && why_size)
		snprintf(why, why_size, "%s", lk->why);
}

/* The URI's scheme and transport: sip with any transport we speak, sips over TLS only
 * (RFC 5630 §3.1.3: transport=tcp there is TLS over TCP). *proto NONE: not given. */
static int uri_proto(struct sk_str text, struct sk_uri *uri, enum sk_proto *proto)
{
	struct sk_str v;
	if (sk_uri_parse(uri, text, NULL) < 0 ||
	    (uri->scheme != SK_URI_SIP && uri->scheme != SK_URI_SIPS))
		return -SK_EINVAL;
	bool sips = uri->scheme == SK_URI_SIPS;
	*proto = sips ? SK_PROTO_TLS : SK_PROTO_NONE;
	if (sk_uri_param(uri, "transport", &v) == 0) {
		enum sk_proto p = sk_proto_from_token(v);
		if (sips && p == SK_PROTO_TCP)
			p = SK_PROTO_TLS;
		if (!p || (sips && p != SK_PROTO_TLS))
			return -SK_EINVAL;
		*proto = p;
	}
	return 0;
}

int sk_resolve_uri(struct sk_resolver *r, struct sk_str text, enum sk_proto dflt,
                   struct sk_target *out, size_t *n, char *why, size_t why_size, sk_resolve_fn fn,
                   void *arg, struct sk_resolve_lookup **lkp)
{
	struct sk_uri uri;
	struct sk_str v;
	*n = 0;
	if (lkp)
		*lkp = NULL;
	if (why && why_size)
		why[0] = '\0';
	enum sk_proto proto = SK_PROTO_NONE;
	if (uri_proto(text, &uri, &proto) < 0)
		return -SK_EINVAL;
	struct sk_str host = uri.host;
	if (sk_uri_param(&uri, "maddr", &v) == 0 && v.len) /* §19.1.1 */
		host = v;
	/* §4.1: a numeric host: no DNS; UDP unless told */
	if (sk_target_from_uri(&out[0], text, proto ? proto : dflt) == 0) {
		*n = 1;
		return 0;
	}
	if (!r || !host_name_ok(host) || !fn)
		return -SK_EINVAL;
	if (r->st.pending >= r->cfg.max_lookups) {
		r->st.refused++;
		return -SK_EFULL;
	}
	struct sk_resolve_lookup *lk = calloc(1, sizeof(*lk));
	if (!lk)
		return -SK_ENOMEM;
	r->st.lookups++;
	lk->r = r;
	lk->fn = fn;
	lk->arg = arg;
	sk_str_cpy(lk->host, sizeof(lk->host), host);
	for (char *c = lk->host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (lk->host[strlen(lk->host) - 1] == '.') /* a fully qualified name: the same one */
		lk->host[strlen(lk->host) - 1] = '\0';
	/* dflt is what the caller would use: a transport parameter of ours */
	lk->proto = (uint8_t)(proto ? proto : dflt);
	lk->port = uri.port;
	lk->next = r->lookups;
	if (r->lookups)
		r->lookups->prev = lk;
	r->lookups = lk;
	r->st.pending++;
	if (uri.port) { /* §4.2: a port: the address records only */
		lk->stage = ST_SRV;
		lk->first = lk->nslots;
		start_addr(lk);
	} else if (lk->proto) { /* §4.1: the transport is known: its SRV only */
		lk->stage = ST_ADDR;
		start_srv(lk);
	} else {
		slot_add(lk, lk->host, SK_DNS_NAPTR, SK_PROTO_NONE, 0);
		stage_start(lk, ST_NAPTR, 0);
	}
	if (!step(lk)) {
		if (lkp)
			*lkp = lk;
		return SK_RESOLVE_PENDING;
	}
	/* the cache held everything */
	int err = lk->err;
	copy_out(lk, out, n, why, why_size);
	sk_resolve_cancel(r, lk);
	return err;
}

int sk_resolve_check(struct sk_str text)
{
	struct sk_uri uri;
	struct sk_str v, host;
	struct sk_sa sa;
	enum sk_proto proto;
	if (uri_proto(text, &uri, &proto) < 0)
		return -SK_EINVAL;
	host = uri.host;
	if (sk_uri_param(&uri, "maddr", &v) == 0 && v.len)
		host = v;
	return sk_sa_from_host(&sa, host, 5060) == 0 || host_name_ok(host) ? 0 : -SK_EINVAL;
}

bool sk_resolve_needs_dns(struct sk_str text)
{
	struct sk_uri uri;
	struct sk_str v, host;
	struct sk_sa sa;
	if (sk_uri_parse(&uri, text, NULL) < 0)
		return false;
	host = uri.host;
	if (sk_uri_param(&uri, "maddr", &v) == 0 && v.len)
		host = v;
	return sk_sa_from_host(&sa, host, 5060) < 0 && host_name_ok(host);
}
