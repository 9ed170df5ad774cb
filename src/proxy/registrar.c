/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registrar (§10.3): REGISTER requests for our domain, answered from and
 * applied to the location store behind struct sk_location_ops.
 *
 * Steps 3 and 4 (authentication, authorisation) are the proxy's policy, done
 * before this is called (policy.c, auth.c): with a users file, only the user
 * of the To AOR gets here; without one, §10.3 step 3 allows taking the From
 * address as the originator's identity, and registrations are open. Step 1 is
 * the caller's too: registrar_request is only called for a Request-URI of ours.
 *
 * A REGISTER is processed atomically (§10.3: "either processed completely or
 * not at all"): every Contact is checked against a snapshot of the AOR's
 * bindings first (423, 400, the Call-ID/CSeq order of step 7, the binding
 * limit), and only then are removals and additions applied; should the store
 * still refuse an addition, the snapshot is put back and the answer is 500.
 *
 * Failures of a per-AOR limit (too many bindings, a Contact URI longer than
 * a binding holds) are answered 500: §10.3 step 7 says a failed binding
 * update "MUST fail with a 500 (Server Error)", and a 503 would send the
 * client to another registrar of the domain, sharing this store, to meet the
 * same limit. A store full of AORs is a load that passes (bindings expire): it
 * is answered 503 with Retry-After (§21.5.4), decided in O(1) (location.c),
 * or 403 to the source that filled it (overload.c).
 *
 * The 200 has no Date header (step 8 SHOULD): the stack has a monotonic clock
 * only, and nothing outside src/core reads the wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

#define REG_MAX_CONTACTS 32 /* Contact values one REGISTER may carry (twice the bindings) */
#define REG_ONE_HOUR     3600
#define REG_FULL_RETRY_S 60 /* Retry-After when the store holds as many AORs as it may */

/* ---- the address of record (§10.3 step 5) ---------------------------------- */

static bool is_unreserved(unsigned char c)
{
	/* §25.1: unreserved = alphanum / mark */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-_.!~*'()", c));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The AOR of a sip or sips URI: "user@host", the user part unescaped and the
 * host lower-cased; "host" alone for a URI without a user part.
 *
 * §10.3 step 5 canonicalises the To URI: URI parameters removed, escaped
 * characters unescaped. The key here goes further, by design:
 *  - no scheme: sip:bob@example.com and sips:bob@example.com are one AOR (one
 *    user of the domain, whatever transport security it asks for);
 *  - no port, no password: a request for sip:bob@example.com:5060 reaches the
 *    bindings of sip:bob@example.com, as the proxy's lookup needs;
 *  - the user part follows the comparison rules of §19.1.4 (case-sensitive,
 *    and "characters other than those in the reserved set are equivalent to
 *    their %HEX HEX encodings"): an escaped unreserved character becomes the
 *    character; every other escape stays escaped with upper-case digits (an
 *    escaped reserved character is not the character, and %00 cannot be
 *    written unescaped into a C string), so equal users give equal keys.
 * Returns 0, -SK_EINVAL for another scheme or a bad escape, -SK_ETOOBIG when
 * buf is too small.
 */
int sk_proxy_aor(const struct sk_uri *uri, char *buf, size_t size)
{
	if (!uri || (uri->scheme != SK_URI_SIP && uri->scheme != SK_URI_SIPS) || !uri->host.len)
		return -SK_EINVAL;
	size_t n = 0;
	for (size_t i = 0; i < uri->user.len; i++) {
		char c = uri->user.p[i];
		char esc[4] = {0};
		if (c == '%') {
			if (i + 2 >= uri->user.len)
				return -SK_EINVAL;
			int hi = hexval(uri->user.p[i + 1]), lo = hexval(uri->user.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -SK_EINVAL;
			unsigned char d = (unsigned char)(hi * 16 + lo);
			i += 2;
			if (is_unreserved(d))
				c = (char)d;
			else
				snprintf(esc, sizeof(esc), "%%%02X", d);
		}
		const char *w = esc[0] ? esc : &c;
		size_t wl = esc[0] ? 3 : 1;
		if (n + wl >= size)
			return -SK_ETOOBIG;
		memcpy(buf + n, w, wl);
		n += wl;
	}
	if (uri->user.len) {
		if (n + 1 >= size)
			return -SK_ETOOBIG;
		buf[n++] = '@';
	}
	if (n + uri->host.len >= size)
		return -SK_ETOOBIG;
	for (size_t i = 0; i < uri->host.len; i++) {
		char c = uri->host.p[i];
		buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	buf[n] = '\0';
	return 0;
}

/* ---- REGISTER (§10.3) ------------------------------------------------------ */

/* One binding of the AOR as the request would leave it. */
struct reg_entry {
	struct sk_str key; /* the stored contact text (old), or the request's URI text (new) */
	struct sk_uri uri; /* parsed, for the comparison of §19.1.4 */
	bool uri_ok;
	int old;          /* index in reg_ctx.old, -1: added by this request */
	bool touched;     /* named by a Contact of this request */
	uint32_t expires; /* seconds granted, 0: removed */
	uint16_t q;
};

struct reg_ctx {
	char aor[PROXY_AOR_MAX];
	char call_id[sizeof(((struct sk_binding *)0)->call_id)];
	uint32_t cseq;
	uint64_t now;
	struct sk_binding old[PROXY_MAX_BINDINGS + 1]; /* the snapshot */
	size_t nold;
	const struct sk_sa *from; /* who sent the REGISTER */
	enum sk_proto proto;      /* and over what */
	struct reg_entry e[PROXY_MAX_BINDINGS + 1 + REG_MAX_CONTACTS];
	size_t ne;
	bool star;
	struct sk_binding cur[PROXY_MAX_BINDINGS]; /* the bindings after the change */
};

/* An answer other than 200: status, reason (NULL: the default), extra header lines. */
struct reg_fail {
	int code;
	const char *reason;
	char extra[512];
	bool store_down; /* the store failed (-SK_EIO): 500 with Retry-After (store.c) */
};

static int fail(struct reg_fail *f, int code, const char *reason)
{
	f->code = code;
	f->reason = reason;
	return code;
}

static int fail_store(struct reg_fail *f)
{
	f->store_down = true;
	return fail(f, 500, NULL);
}

/* §20.10, §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), times 1000. */
static int parse_q(struct sk_str s, uint16_t *out)
{
	if (s.len == 0 || s.len > 5 || (s.p[0] != '0' && s.p[0] != '1') ||
	    (s.len > 1 && s.p[1] != '.'))
		return -1;
	unsigned v = (unsigned)(s.p[0] - '0') * 1000, scale = 100;
	for (size_t i = 2; i < s.len; i++, scale /= 10) {
		if (s.p[i] < '0' || s.p[i] > '9' || (s.p[0] == '1' && s.p[i] != '0'))
			return -1;
		v += (unsigned)(s.p[i] - '0') * scale;
	}
	*out = (uint16_t)v;
	return 0;
}

/* §10.3 step 7: the requested expiration of one Contact value, in seconds. */
static uint64_t requested_expires(const struct sk_proxy *p, const struct sk_msg *req,
                                  const struct sk_addr *a)
{
	if (sk_str_present(a->expires)) {
		uint64_t v;
		int rc = sk_str_to_u64(a->expires, UINT32_MAX, &v);
		if (rc == -SK_ETOOBIG)
			return UINT32_MAX; /* §10.2: "MAY treat ... as equivalent to 2**32-1" */
		if (rc < 0)                /* §10.2: "SHOULD be treated as equivalent to 3600" */
			return 3600;
		return v;
	}
	long h = sk_msg_expires(req); /* -1: absent, or out of range (§20.19): the default */
	if (h >= 0)
		return (uint64_t)h;
	return p->cfg.default_expires ? p->cfg.default_expires : 3600;
}

/* §19.1.4 when both sides parse, else the stored strings. */
static bool same_contact(const struct reg_entry *e, const struct sk_addr *a)
{
	if (e->uri_ok)
		return sk_uri_equal(&e->uri, &a->uri);
	return sk_str_eq(e->key, a->uri.raw);
}

/* The stored binding was made by an earlier or the same REGISTER of this Call-ID (step 7). */
static bool out_of_order(const struct reg_ctx *c, const struct sk_binding *b)
{
	return strcmp(b->call_id, c->call_id) == 0 && c->cseq <= b->cseq;
}

/* §10.3 step 6: Contact "*" removes every binding; only alone and with Expires: 0. */
static int plan_star(struct reg_ctx *c, const struct sk_msg *req, struct reg_fail *f)
{
	if (sk_msg_addr_count(req, SK_HDR_CONTACT) != 1)
		return fail(f, 400, "Contact * Must Be Alone");
	if (sk_msg_expires(req) != 0)
		return fail(f, 400, "Contact * Needs Expires: 0");
	for (size_t j = 0; j < c->nold; j++)
		if (out_of_order(c, &c->old[j]))
			return fail(f, 500, "Out of Order REGISTER");
	c->star = true;
	return 0;
}

/*
 * §10.3 steps 6 and 7, without touching the store: what each Contact does to
 * the snapshot, or why the request fails. 0 when it may be applied.
 */
static int plan(const struct sk_proxy *p, struct reg_ctx *c, const struct sk_msg *req,
                struct reg_fail *f)
{
	size_t n = sk_msg_addr_count(req, SK_HDR_CONTACT);
	for (size_t i = 0; i < n; i++)
		if (sk_msg_addr(req, SK_HDR_CONTACT, i)->star)
			return plan_star(c, req, f);
	if (n > REG_MAX_CONTACTS)
		return fail(f, 500, "Too Many Contacts");
	if (c->nold > PROXY_MAX_BINDINGS)
		return fail(f, 500, "Too Many Bindings"); /* a store holding more than we manage */
	uint32_t min = p->cfg.min_expires ? p->cfg.min_expires : 60;
	uint32_t max = p->cfg.max_expires ? p->cfg.max_expires : 3600;
	for (size_t j = 0; j < c->nold; j++) {
		struct reg_entry *e = &c->e[c->ne++];
		memset(e, 0, sizeof(*e));
		e->key = sk_str_c(c->old[j].contact);
		e->uri_ok = sk_uri_parse(&e->uri, e->key, NULL) == 0;
		e->old = (int)j;
		e->q = c->old[j].q;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sk_addr *a = sk_msg_addr(req, SK_HDR_CONTACT, i);
		if (a->uri.raw.len >= sizeof(c->old[0].contact))
			return fail(f, 500, "Contact URI Too Long");
		uint16_t q = 1000; /* §20.10: absent q, the highest preference */
		if (sk_str_present(a->q) && parse_q(a->q, &q) < 0)
			return fail(f, 400, "Malformed q Value");
		uint64_t want = requested_expires(p, req, a);
		/* step 7: 423 iff greater than zero, under one hour, under our minimum */
		if (want > 0 && want < REG_ONE_HOUR && want < min) {
			snprintf(f->extra, sizeof(f->extra), "Min-Expires: %u\r\n", (unsigned)min);
			return fail(f, 423, NULL);
		}
		uint32_t grant = want > max ? max : (uint32_t)want; /* "MAY choose ... less" */
		struct reg_entry *e = NULL;
		for (size_t k = 0; k < c->ne && !e; k++)
			if (same_contact(&c->e[k], a))
				e = &c->e[k];
		/* step 7: same Call-ID and a CSeq not higher: "the update MUST be aborted" */
		if (e && e->old >= 0 && out_of_order(c, &c->old[e->old]))
			return fail(f, 500, "Out of Order REGISTER");
		if (!e) {
			e = &c->e[c->ne++];
			memset(e, 0, sizeof(*e));
			e->key = a->uri.raw;
			e->uri = a->uri;
			e->uri_ok = true;
			e->old = -1;
		}
		e->touched = true;
		e->expires = grant;
		e->q = q;
	}
	size_t live = 0;
	for (size_t k = 0; k < c->ne; k++)
		if (c->e[k].touched ? c->e[k].expires > 0 : c->e[k].old >= 0)
			live++;
	if (live > PROXY_MAX_BINDINGS)
		return fail(f, 500, "Too Many Bindings");
	return 0;
}

/* Puts the snapshot back after a failed addition (§10.3 step 7: "all tentative
 * binding updates MUST be removed"). The snapshot is in lookup order, q
 * descending and stable, so a lookup gives the same list again. */
static void restore(struct sk_proxy *p, struct reg_ctx *c)
{
	const struct sk_location_ops *ops = p->loc.ops;
	if (ops->remove(p->loc.st, c->aor, NULL) < 0)
		return; /* the store is down: nothing was added either */
	for (size_t j = 0; j < c->nold; j++)
		if (ops->put(p->loc.st, c->aor, &c->old[j]) < 0)
			sk_logf(sk_proxy_log(p), SK_LOG_ERR,
			        "registrar: %s: binding %s lost on rollback", c->aor,
			        c->old[j].contact);
}

/* Commits the plan: removals first, then additions and refreshes. */
static int apply(struct sk_proxy *p, struct reg_ctx *c, struct reg_fail *f)
{
	const struct sk_location_ops *ops = p->loc.ops;
	if (c->star)
		return ops->remove(p->loc.st, c->aor, NULL) < 0 ? fail_store(f) : 0;
	for (size_t k = 0; k < c->ne; k++)
		if (c->e[k].touched && !c->e[k].expires && c->e[k].old >= 0 &&
		    ops->remove(p->loc.st, c->aor, c->old[c->e[k].old].contact) < 0)
			return fail_store(f); /* nothing added yet; removals done stay done */
	for (size_t k = 0; k < c->ne; k++) {
		const struct reg_entry *e = &c->e[k];
		if (!e->touched || !e->expires)
			continue;
		struct sk_binding b;
		memset(&b, 0, sizeof(b));
		sk_str_cpy(b.contact, sizeof(b.contact), e->key);
		memcpy(b.call_id, c->call_id, sizeof(b.call_id));
		b.cseq = c->cseq;
		b.q = e->q;
		sk_sa_print(c->from, b.source, sizeof(b.source));
		snprintf(b.transport, sizeof(b.transport), "%s", sk_proto_lower(c->proto));
		b.expires_at = c->now + (uint64_t)e->expires * 1000;
		int rc = ops->put(p->loc.st, c->aor, &b);
		if (rc < 0) {
			sk_logf(sk_proxy_log(p), SK_LOG_WARN, "registrar: %s: store refused %s: %s",
			        c->aor, b.contact, sk_strerror(rc));
			restore(p, c);
			if (rc == -SK_EIO)
				return fail_store(f);
			if (rc == -SK_EFULL && sk_proxy_source_filled(p, c->from))
				return fail(f, 403, "Too Many Registrations From Your Address");
			if (rc == -SK_EFULL) {
				/* the store is full for now (expired AORs make room as the
				 * sweeps go round): §21.5.4, try again later */
				snprintf(f->extra, sizeof(f->extra), "Retry-After: %u\r\n",
				         REG_FULL_RETRY_S);
				return fail(f, 503, "Registrar Full");
			}
			return fail(f, 500, rc == -SK_ETOOBIG ? "Too Many Bindings" : NULL);
		}
	}
	return 0;
}

/* "0.5" for 500, "0" for 0 (§20.10); q is below 1000. */
static void fmt_q(char *buf, size_t size, uint16_t q)
{
	char digits[8];
	snprintf(digits, sizeof(digits), "%03u", (unsigned)(q % 1000));
	size_t n = 3;
	while (n > 0 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	snprintf(buf, size, n ? "0.%s" : "0", digits);
}

/* Step 8: 200 with every current binding, each with the seconds it has left. */
static void answer_ok(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req,
                      struct reg_ctx *c)
{
	const struct sk_location_ops *ops = p->loc.ops;
	int got = ops->lookup(p->loc.st, c->aor, c->now, c->cur, PROXY_MAX_BINDINGS);
	if (got < 0) {
		sk_proxy_reply_store_down(p, st, true);
		return;
	}
	size_t n = (size_t)got;
	struct sk_build *b;
	struct sk_str wire;
	char tag[17];
	sk_stack_token(p->stack, tag, 16);
	int rc = sk_build_response_to(&b, req, 200, NULL, tag);
	if (rc < 0) {
		sk_proxy_reply(p, st, 500, NULL, NULL);
		return;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sk_binding *x = &c->cur[i];
		uint64_t left =
		    (x->expires_at - c->now + 999) / 1000; /* > 0: lookup drops expired */
		char q[16] = "";
		if (x->q < 1000) {
			memcpy(q, ";q=", 4);
			fmt_q(q + 3, sizeof(q) - 3, x->q);
		}
		rc = sk_build_hdrf(b, "Contact", "<%s>;expires=%llu%s", x->contact,
		                   (unsigned long long)(left < UINT32_MAX ? left : UINT32_MAX), q);
	}
	if (rc == 0)
		rc = sk_build_finish(b, &wire);
	if (rc == 0)
		rc = sk_txn_respond(st, wire);
	sk_build_free(b);
	if (rc < 0) {
		sk_logf(sk_proxy_log(p), SK_LOG_WARN, "registrar: %s: 200 not sent: %s", c->aor,
		        sk_strerror(rc));
		return;
	}
	p->st.registers++;
	if (p->cfg.on_event) {
		char contacts[512];
		size_t used = 0;
		contacts[0] = '\0';
		for (size_t i = 0; i < n && used < sizeof(contacts); i++)
			used += (size_t)snprintf(contacts + used, sizeof(contacts) - used, "%s%s",
			                         used ? "," : "", c->cur[i].contact);
		sk_proxy_event_register(p, req, sk_txn_flow(st), 200, contacts, (unsigned)n);
	}
	uint64_t held;
	if (sk_location_memory_held(&p->loc, &held, NULL))
		p->st.bindings = held;
	sk_logf(sk_proxy_log(p), SK_LOG_INFO, "registrar: %s: %zu binding(s)", c->aor, n);
}

/* §10.3 step 2, as a UAS does (§8.2.2.3): we support no extension, so every
 * option tag of Require is answered 420 with Unsupported listing it. */
static bool reject_require(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req)
{
	char tags[480], extra[512];
	if (!sk_msg_list_join(req, SK_HDR_REQUIRE, tags, sizeof(tags)))
		return false;
	snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", tags);
	sk_proxy_reply(p, st, 420, NULL, extra);
	return true;
}

void sk_proxy_registrar_request(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req)
{
	if (reject_require(p, st, req))
		return;
	/* step 5: the AOR is the To URI, which must be SIP or SIPS (§10.2; RFC 4475
	 * §3.3.4: a registrar answers such a request 400) */
	const struct sk_addr *to = sk_msg_to(req);
	const struct sk_cseq *cseq = sk_msg_cseq(req);
	struct sk_str call_id = sk_msg_call_id(req);
	if (!to || !cseq || !call_id.len) {
		sk_proxy_reply(p, st, 400, NULL, NULL);
		return;
	}
	if (to->uri.scheme != SK_URI_SIP && to->uri.scheme != SK_URI_SIPS) {
		sk_proxy_reply(p, st, 400, "To Is Not a SIP or SIPS URI", NULL);
		return;
	}
	/* step 5: an AOR of the domain the Request-URI names (or any of ours), else 404 */
	if (!sk_str_caseeq(to->uri.host, sk_msg_ruri(req)->host) && !sk_proxy_is_us(p, &to->uri)) {
		sk_proxy_reply(p, st, 404, "Not Our Domain", NULL);
		return;
	}
	struct reg_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		sk_proxy_reply(p, st, 500, NULL, NULL);
		return;
	}
	int rc = sk_proxy_aor(&to->uri, c->aor, sizeof(c->aor));
	if (rc < 0) {
		sk_proxy_reply(p, st, rc == -SK_ETOOBIG ? 500 : 400,
		               rc == -SK_ETOOBIG ? "Address of Record Too Long" : "Bad To URI",
		               NULL);
		free(c);
		return;
	}
	/* Call-IDs longer than a binding keeps are compared by what it keeps */
	sk_str_cpy(c->call_id, sizeof(c->call_id), call_id);
	c->cseq = cseq->num;
	c->now = sk_stack_now(p->stack);
	int nold = p->loc.ops->lookup(p->loc.st, c->aor, c->now, c->old, PROXY_MAX_BINDINGS + 1);
	if (nold < 0) { /* §10.3 step 7: the update cannot be processed; try later */
		sk_proxy_reply_store_down(p, st, true);
		free(c);
		return;
	}
	c->nold = (size_t)nold;
	c->from = &sk_txn_flow(st)->remote;
	c->proto = sk_txn_flow(st)->proto;
	struct reg_fail f = {0};
	/* step 6: no Contact is a query; the bindings are left as they are (§10.2.3) */
	if (sk_msg_addr_count(req, SK_HDR_CONTACT) && (plan(p, c, req, &f) || apply(p, c, &f))) {
		if (f.store_down)
			sk_proxy_reply_store_down(p, st, true);
		else
			sk_proxy_reply(p, st, f.code, f.reason, f.extra[0] ? f.extra : NULL);
		sk_proxy_event_register(p, req, sk_txn_flow(st), f.store_down ? 500 : f.code, NULL,
		                        (unsigned)c->nold);
		free(c);
		return;
	}
	bool added = false;
	for (size_t k = 0; k < c->ne && !c->star; k++)
		added = added || (c->e[k].touched && c->e[k].expires);
	if (!c->nold && added)
		sk_proxy_source_new_aor(p, c->from); /* a new AOR: it may be filling the store */
	answer_ok(p, st, req, c);
	free(c);
}
