/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy core of one stack (§16): what the transaction layer hands up,
 * the request checks of §16.3, route processing (§16.4), the targets
 * (§16.5: static routes, the location service, or the Request-URI), and
 * what is forwarded without state: the ACK for a 2xx, a CANCEL that matches
 * nothing (§16.11), responses that match no transaction. Forking and the
 * response contexts are in fork.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"

#define ALLOW             "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"
#define PROXY_RETRY_AFTER "5" /* seconds: a load that passes, not an outage */

const struct sk_log *sk_proxy_log(const struct sk_proxy *p)
{
	return sk_stack_log(p->stack);
}

bool sk_proxy_is_us(const struct sk_proxy *p, const struct sk_uri *uri)
{
	if (uri->scheme != SK_URI_SIP && uri->scheme != SK_URI_SIPS)
		return false;
	if (sk_proxy_serves(p, uri->host))
		return true;
	return sk_tp_is_local(sk_stack_tp(p->stack), uri->host, uri->port ? uri->port : 5060);
}

int sk_proxy_reply(struct sk_proxy *p, struct sk_txn *st, int code, const char *reason,
                   const char *extra)
{
	const struct sk_msg *req = sk_txn_msg(st);
	struct sk_build *b;
	struct sk_str wire;
	char tag[17];
	if (!req)
		return -SK_ENOMEM;
	sk_stack_token(p->stack, tag, 16);
	int rc = sk_build_response_to(&b, req, code, reason, tag);
	if (rc < 0)
		return rc;
	if (rc == 0 && extra)
		rc = sk_build_hdr_lines(b, extra);
	if (rc == 0)
		rc = sk_build_finish(b, &wire);
	if (rc == 0)
		rc = sk_txn_respond(st, wire);
	sk_build_free(b);
	return rc;
}

/* ---- §16.3: checks, and the loop-detection hash of §16.6 step 8 ----------- */

uint32_t sk_proxy_loop_hash(const struct sk_proxy *p, const struct sk_msg *req)
{
	/* the fields a looped request keeps and a spiral changes (§16.6 step 8),
	 * under the stack's key: nobody outside can compute what we put in our Via.
	 * The Request-URI counts by its user, host and port only: a request that
	 * comes back for the same user through one of the contacts it registered
	 * pointing at us (sip:bob@proxy;x=1, ;x=2 ... RFC 5393 §3) is a loop, not a
	 * spiral, whatever parameters each contact carries. */
	const struct sk_uri *ru = sk_msg_ruri(req);
	struct sk_str parts[6] = {ru->user, sk_msg_call_id(req)};
	const struct sk_addr *from = sk_msg_from(req), *to = sk_msg_to(req);
	parts[2] = from ? from->tag : (struct sk_str){0};
	parts[3] = to ? to->tag : (struct sk_str){0};
	const struct sk_hdr *r = sk_msg_hdr_first(req, SK_HDR_ROUTE);
	parts[4] = r ? r->value : (struct sk_str){0};
	const struct sk_hdr *pr = sk_msg_hdr_first(req, SK_HDR_PROXY_REQUIRE);
	parts[5] = pr ? pr->value : (struct sk_str){0};
	struct sk_hash_state s;
	sk_hash_init(&s, sk_stack_hash_key(p->stack));
	sk_hash_u64(&s, (uint64_t)ru->scheme << 16 | ru->port);
	sk_hash_field_case(&s, ru->host); /* hosts compare without case (§19.1.4) */
	for (int i = 0; i < 6; i++)
		sk_hash_field(&s, parts[i]);
	sk_hash_u64(&s, sk_msg_cseq(req) ? sk_msg_cseq(req)->num : 0);
	uint64_t h = sk_hash_final(&s);
	return (uint32_t)(h ^ (h >> 32));
}

int64_t sk_proxy_breadth(const struct sk_proxy *p, const struct sk_msg *req)
{
	const struct sk_hdr *h = sk_msg_hdr_find(req, "Max-Breadth");
	uint64_t v;
	if (!h)
		return p->cfg.max_breadth;
	/* Max-Breadth = "Max-Breadth" HCOLON 1*DIGIT (RFC 5393 §5.3.2) */
	if (sk_str_to_u64(h->value, UINT32_MAX, &v) < 0)
		return -1;
	return (int64_t)v;
}

/*
 * How many times this request went through us already: our Vias in it. A
 * spiral through registered contacts (users whose contacts point back at the
 * proxy) changes the Request-URI at every pass, so the loop hash never meets
 * itself; this count does.
 */
static size_t passes(struct sk_proxy *p, const struct sk_msg *req)
{
	size_t n = 0;
	for (size_t i = 0; i < sk_msg_via_count(req); i++) {
		const struct sk_via *v = sk_msg_via(req, i);
		if (sk_tp_is_local(sk_stack_tp(p->stack), v->host, v->port ? v->port : 5060))
			n++;
	}
	return n;
}

void sk_proxy_loop_tag(uint32_t hash, char out[9])
{
	struct sk_fmt f; /* "%08x" without printf: every forwarded request */
	sk_fmt_init(&f, out, 9);
	sk_fmt_hex(&f, hash, 8);
}

/* §16.3 step 4: one of our Vias carries the hash this request would get: a loop. */
static bool is_loop(struct sk_proxy *p, const struct sk_msg *req)
{
	/* The hash (a keyed pass over eight fields) only once a Via could be ours:
	 * a branch ending ".xxxxxxxx" at one of our addresses. A call's first hop
	 * has none, and is the common case. */
	enum { SUFFIX = 9 }; /* '.' and sk_proxy_loop_tag's 8 digits */
	char want[SUFFIX];
	bool hashed = false;
	for (size_t i = 0; i < sk_msg_via_count(req); i++) {
		const struct sk_via *v = sk_msg_via(req, i);
		if (v->branch.len <= SUFFIX || v->branch.p[v->branch.len - SUFFIX] != '.' ||
		    !sk_tp_is_local(sk_stack_tp(p->stack), v->host, v->port ? v->port : 5060))
			continue;
		if (!hashed) {
			sk_proxy_loop_tag(sk_proxy_loop_hash(p, req), want);
			hashed = true;
		}
		if (!memcmp(v->branch.p + v->branch.len - SUFFIX + 1, want, SUFFIX - 1))
			return true;
	}
	return false;
}

/* Returns 0 when the request may be proxied, else the status it was answered. */
static int validate(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req)
{
	struct sk_msg_finding f[8];
	size_t n = sk_msg_check(req, f, 8);
	bool is_options = sk_str_eq(sk_msg_method(req), SK_STR_LIT("OPTIONS"));
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!f[i].status)
			continue;
		if (f[i].issue == SK_ISSUE_MAX_FORWARDS_ZERO) {
			/* §16.3 step 3: OPTIONS with Max-Forwards 0 is answered by the proxy */
			if (is_options)
				sk_proxy_reply(p, st, 200, NULL, "Allow: " ALLOW "\r\n");
			else
				sk_proxy_reply(p, st, 483, NULL, NULL);
			return is_options ? 200 : 483;
		}
		sk_proxy_reply(p, st, f[i].status, NULL, NULL);
		return f[i].status;
	}
	/* §16.3 step 2: a scheme we cannot route (sips: over TLS, RFC 5630) */
	const struct sk_uri *ru = sk_msg_ruri(req);
	if (ru->scheme != SK_URI_SIP && ru->scheme != SK_URI_SIPS) {
		sk_proxy_reply(p, st, 416, NULL, NULL);
		return 416;
	}
	if (is_loop(p, req) || passes(p, req) >= p->cfg.max_passes) {
		p->st.loops++;
		sk_proxy_reply(p, st, 482, NULL, NULL);
		return 482;
	}
	/* RFC 5393 §5.3: no breadth left for any branch */
	int64_t mb = sk_proxy_breadth(p, req);
	if (mb <= 0) {
		if (mb == 0)
			p->st.breadth_440++;
		sk_proxy_reply(p, st, mb < 0 ? 400 : 440, mb < 0 ? "Bad Max-Breadth" : NULL, NULL);
		return mb < 0 ? 400 : 440;
	}
	/* §16.3 step 5: we support no extension a proxy must understand */
	char tags[256], extra[300];
	if (sk_msg_list_join(req, SK_HDR_PROXY_REQUIRE, tags, sizeof(tags))) {
		snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", tags);
		sk_proxy_reply(p, st, 420, NULL, extra);
		return 420;
	}
	return 0;
}

/* ---- §16.4: route information --------------------------------------------- */

void sk_proxy_preprocess(struct sk_proxy *p, const struct sk_msg *req, struct sk_forward *fw,
                         struct sk_str *next_ruri, struct sk_str *next_route)
{
	size_t nroutes = sk_msg_addr_count(req, SK_HDR_ROUTE);
	memset(fw, 0, sizeof(*fw));
	*next_ruri = sk_msg_ruri_str(req);
	*next_route = (struct sk_str){0};
	const struct sk_uri *ru = sk_msg_ruri(req);
	struct sk_str lr;
	/* a strict router before us put our Record-Route in the Request-URI: the
	 * real one is the last Route value */
	if (nroutes && sk_proxy_is_us(p, ru) && sk_uri_param(ru, "lr", &lr) == 0) {
		*next_ruri = sk_msg_addr(req, SK_HDR_ROUTE, nroutes - 1)->uri.raw;
		fw->ruri = *next_ruri;
		fw->drop_last_route = true;
		nroutes--;
	}
	/* the first Route value naming us is removed */
	if (nroutes && sk_proxy_is_us(p, &sk_msg_addr(req, SK_HDR_ROUTE, 0)->uri)) {
		fw->drop_routes = 1;
		nroutes--;
	}
	if (nroutes)
		*next_route = sk_msg_addr(req, SK_HDR_ROUTE, fw->drop_routes)->uri.raw;
}

/* ---- §16.5: targets -------------------------------------------------------- */

/*
 * The flow a binding must be reached on, when it has one: a contact that
 * registered over WebSocket (RFC 7118 §5) names a host of its own invention
 * (".invalid"), and is reached only over the connection it registered on,
 * which the binding's source (that connection's far end) names. proto NONE:
 * the contact URI says where (RFC 3263).
 */
static void binding_flow(const struct sk_binding *b, struct sk_target *flow)
{
	memset(flow, 0, sizeof(*flow));
	/* "ws" or "wss": the flow keeps its protocol, which the sips rules read (RFC 7118 §5.2) */
	enum sk_proto proto = !strcmp(b->transport, "ws")    ? SK_PROTO_WS
	                      : !strcmp(b->transport, "wss") ? SK_PROTO_WSS
	                                                     : SK_PROTO_NONE;
	if (proto && sk_sa_parse(&flow->addr, sk_str_c(b->source), 0) == 0)
		flow->proto = proto;
}

/* Targets of a request for us: a static route of the user, else the registered contacts
 * (with the flow each must be reached on, binding_flow); -SK_EIO when the location store
 * cannot be read. */
static int targets_for(struct sk_proxy *p, const struct sk_uri *ru, char (*out)[256], uint16_t *q,
                       struct sk_target *flows, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nroutes && !n; i++) {
		if (!sk_str_eq(ru->user, sk_str_c(p->routes[i].user)))
			continue;
		char uris[512];
		snprintf(uris, sizeof(uris), "%s", p->routes[i].uris);
		for (char *save = NULL, *t = strtok_r(uris, ",", &save); t && n < max;
		     t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ')
				t++;
			sk_str_cpy(out[n], 256, sk_str_c(t));
			q[n++] = 1000;
		}
	}
	if (n)
		return (int)n;
	char aor[PROXY_AOR_MAX];
	if (sk_proxy_aor(ru, aor, sizeof(aor)) < 0)
		return 0;
	struct sk_binding b[PROXY_MAX_BINDINGS];
	int nb = p->loc.ops->lookup(p->loc.st, aor, sk_stack_now(p->stack), b,
	                            max < PROXY_MAX_BINDINGS ? max : PROXY_MAX_BINDINGS);
	for (int i = 0; i < nb; i++) {
		sk_str_cpy(out[i], 256, sk_str_c(b[i].contact));
		q[i] = b[i].q;
		binding_flow(&b[i], &flows[i]);
	}
	return nb;
}

/*
 * §16.5: nowhere to send a request for one of ours. A user of the users file
 * who has no binding now is Temporarily Unavailable (480, §21.4.18); anyone
 * else is Not Found (404). Only trusted sources and authenticated users get
 * this far when a users file is given, so strangers learn nothing from the
 * difference. The Warning (§20.43) says why, for the person reading a trace.
 */
void sk_proxy_warn_agent(const struct sk_proxy *p, const struct sk_flow *in, char *buf, size_t size)
{
	/* §20.43: warn-agent = hostport / pseudonym: our domain, else the address
	 * the request reached us on */
	if (p->ndomains)
		snprintf(buf, size, "%s", p->domains[0]);
	else if (sk_sa_print(&in->local, buf, size) == 0)
		snprintf(buf, size, "sipkit");
}

static void no_target(struct sk_proxy *p, struct sk_txn *st, const struct sk_uri *ru)
{
	char extra[PROXY_AOR_MAX + 192], aor[PROXY_AOR_MAX], host[96];
	sk_proxy_warn_agent(p, sk_txn_flow(st), host, sizeof(host));
	bool known = sk_proxy_aor(ru, aor, sizeof(aor)) == 0 && sk_proxy_user_known(p, aor);
	snprintf(extra, sizeof(extra), "Warning: 399 %s \"%s\"\r\n", host,
	         known ? "the user has no registered contact" : "no such user here");
	sk_proxy_reply(p, st, known ? 480 : 404, NULL, extra);
}

/* ---- forwarding without state --------------------------------------------- */

/* The ACK for a 2xx, and a CANCEL that matches nothing (§16.11), passed on where the
 * policy lets it go (flow: where it came from); false: not sent. */
static bool forward_stateless(struct sk_proxy *p, const struct sk_msg *req,
                              const struct sk_flow *flow)
{
	struct sk_forward fw;
	struct sk_str ruri, route;
	struct sk_build *b;
	struct sk_str wire;
	int rc = -1;
	if (sk_msg_max_forwards(req) == 0)
		return false;
	sk_proxy_preprocess(p, req, &fw, &ruri, &route);
	struct sk_uri target;
	if (sk_uri_parse(&target, ruri, NULL) < 0)
		return false;
	if (!route.len && sk_proxy_hop_is_us(p, &target))
		return false; /* for us, with nowhere further to go */
	if (!sk_proxy_may_forward_stateless(p, req, flow, &fw, &target, route))
		return false;
	if (sk_build_forward_request(&b, req, &fw) < 0)
		return false;
	struct sk_target ws_hop;
	int fh = sk_proxy_flow_hop(p, req, flow, &ws_hop);
	if (sk_build_finish(b, &wire) < 0 || fh < 0)
		rc = -1;
	else if (fh > 0) /* the flow of a WebSocket client (flow_token.c) */
		rc = sk_txl_send_stateless(sk_stack_txl(p->stack), wire, &ws_hop);
	else /* the next hop resolved first (RFC 3263), dns_fwd.c */
		rc = sk_proxy_send_stateless(p, route.len ? route : ruri, wire);
	sk_build_free(b);
	return rc == 0;
}

/*
 * A response no transaction of ours wanted. §18.2.2 lets a proxy relay it to
 * the next Via, which lets a stranger make us send what it likes where it
 * likes: only the answers to a request we forwarded statelessly (a CANCEL or
 * ACK, §16.11), known by the MAC in their branch, are relayed; the rest
 * (a 2xx after Timer M included, RFC 6026 §7.3) is dropped and counted.
 */
static void on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	struct sk_proxy *p = arg;
	struct sk_build *b;
	struct sk_str wire;
	struct sk_msg *m;
	struct sk_flow out;
	if (!sk_txl_branch_is_ours(sk_stack_txl(p->stack), sk_msg_via(resp, 0)->branch)) {
		p->st.strays_dropped++;
		return;
	}
	if (sk_msg_via_count(resp) < 2 || sk_build_forward_response(&b, resp) < 0)
		return;
	if (sk_build_finish(b, &wire) == 0 && sk_msg_new(&m, NULL) == 0) {
		struct sk_flow in = *flow;
		in.conn = 0; /* not the connection it came on: the next Via's own */
		if (sk_msg_parse(m, wire.p, wire.len, NULL) == 0 &&
		    sk_tp_response_flow(sk_stack_tp(p->stack), m, &in, &out) == 0)
			sk_tp_send(sk_stack_tp(p->stack), &out, wire.p, wire.len);
		sk_msg_free(m);
	}
	sk_build_free(b);
}

/* ---- requests ------------------------------------------------------------ */

static void on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                       struct sk_txn *invite)
{
	struct sk_proxy *p = arg;
	struct sk_str m = sk_msg_method(req);
	if (sk_str_eq(m, SK_STR_LIT("CANCEL"))) {
		if (invite && sk_proxy_fork_cancel(p, st, req, invite))
			return;
		if (invite || p->cfg.cancel_481) {
			/* §16.10: a CANCEL of a transaction we answered or do not own */
			if (!invite)
				p->st.sent_481++;
			sk_proxy_reply(p, st, invite ? 200 : 481, NULL, NULL);
			return;
		}
		/* §16.10: forwarded statelessly, no answer of ours: the next hop's
		 * comes back as a stray response; nowhere to go, or nowhere we
		 * relay to for this source: 481 (§9.2) */
		if (!forward_stateless(p, req, sk_txn_flow(st)))
			sk_proxy_reply(p, st, 481, NULL, NULL);
		return;
	}
	/* a source we cannot trust may be a spoofed victim: a final goes to it a few
	 * times, not until Timer H (its INVITE's retransmissions still get it) */
	if (sk_txn_kind(st) == SK_TXN_IST && !sk_proxy_trusted(p, &sk_txn_flow(st)->remote))
		sk_txn_limit_retransmits(st, PROXY_G_UNTRUSTED);
	if (validate(p, st, req))
		return;
	struct sk_forward fw;
	struct sk_str ruri, route;
	sk_proxy_preprocess(p, req, &fw, &ruri, &route);
	struct sk_uri target_uri;
	if (sk_uri_parse(&target_uri, ruri, NULL) < 0) {
		sk_proxy_reply(p, st, 400, NULL, NULL);
		return;
	}
	if (sk_proxy_policy(p, st, req, &fw, &target_uri, route))
		return;                       /* challenged, or not ours to relay */
	char targets[PROXY_MAX_TARGETS][256]; /* on the stack: no allocation per request */
	uint16_t q[PROXY_MAX_TARGETS];
	struct sk_target flows[PROXY_MAX_TARGETS];
	size_t n = 0;
	/* inside a dialog with a WebSocket client: the flow our Record-Route named */
	if (sk_proxy_flow_hop(p, req, sk_txn_flow(st), &flows[0]) < 0) {
		sk_proxy_reply(p, st, 430, NULL, NULL); /* Flow Failed, RFC 5626 §5.3 */
		return;
	}
	if (!route.len && !sk_proto_is_ws(flows[0].proto) && sk_proxy_hop_is_us(p, &target_uri)) {
		if (sk_str_eq(m, SK_STR_LIT("REGISTER")) && p->cfg.registrar) {
			sk_proxy_registrar_request(p, st, req);
			return;
		}
		if (!target_uri.user.len && sk_str_eq(m, SK_STR_LIT("OPTIONS"))) {
			sk_proxy_reply(p, st, 200, NULL, "Allow: " ALLOW "\r\n");
			return;
		}
		memset(flows, 0, sizeof(flows));
		int nt = targets_for(p, &target_uri, targets, q, flows, PROXY_MAX_TARGETS);
		if (nt < 0) { /* the store is down: 480 with a Warning, not "no such user" */
			sk_proxy_reply_store_down(p, st, false);
			return;
		}
		n = (size_t)nt;
		if (!n) {
			no_target(p, st, &target_uri);
			return;
		}
	}
	/* Bounded: a caller gets 503 with Retry-After (§21.5.4) rather than a context we
	 * cannot afford; CANCELs and ACKs never come here, requests in a dialog pass */
	if (p->active >= p->cfg.max_pending && !sk_msg_to(req)->tag.len) {
		p->st.shed_503++;
		sk_proxy_reply(p, st, 503, NULL, "Retry-After: " PROXY_RETRY_AFTER "\r\n");
		return;
	}
	sk_proxy_fork_start(p, st, req, targets, q, flows, n);
}

static void on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                   const struct sk_flow *flow)
{
	(void)ist;
	/* the ACK for a 2xx goes end to end (§16.7 step 1, §13.2.2.4); the ACK
	 * for a non-2xx was absorbed by the INVITE server transaction */
	forward_stateless(arg, ack, flow);
}

/* The users file, read once now: a proxy that cannot check its users does not start. */
static int start_auth(struct sk_proxy *p, const struct sk_proxy_config *cfg)
{
	char err[300];
	int rc = -SK_EINVAL;
	if (!p->ndomains)
		snprintf(err, sizeof(err), "a users file needs the domains it serves (--domain)");
	else
		rc = sk_proxy_auth_init(p, cfg->users_file, cfg->auth_algorithms, cfg->auth_fails,
		                        err, sizeof(err));
	if (rc < 0)
		sk_logf(sk_proxy_log(p), SK_LOG_ERR, "proxy: %s", err);
	return rc;
}

int sk_proxy_new(struct sk_proxy **out, const struct sk_proxy_config *cfg)
{
	if (!out || !cfg || !cfg->stack)
		return -SK_EINVAL;
	struct sk_proxy *p = calloc(1, sizeof(*p));
	if (!p)
		return -SK_ENOMEM;
	p->cfg = *cfg;
	p->stack = cfg->stack;
	p->dialog_key = cfg->dialog_key ? *cfg->dialog_key : *sk_stack_hash_key(cfg->stack);
	p->cfg.dialog_key = NULL; /* copied: the caller's may not outlive us */
	if (!p->cfg.timer_c_ms)
		p->cfg.timer_c_ms = 181000; /* §16.8: greater than 3 minutes */
	if (!p->cfg.branch_ms)
		p->cfg.branch_ms = 20000;
	if (!p->cfg.min_expires)
		p->cfg.min_expires = 60;
	if (!p->cfg.max_expires)
		p->cfg.max_expires = 3600;
	if (!p->cfg.default_expires)
		p->cfg.default_expires = 3600;
	if (!p->cfg.max_breadth)
		p->cfg.max_breadth = 60; /* RFC 5393 §5.3 */
	if (!p->cfg.max_passes)
		p->cfg.max_passes = 8;
	if (!p->cfg.max_pending)
		p->cfg.max_pending = 50000;
	if (!p->cfg.overload_queue_kb)
		p->cfg.overload_queue_kb = 512;
	if (!p->cfg.src_rate)
		p->cfg.src_rate = 10000;
	p->cfg.domain = NULL;     /* the list is in p->domains */
	p->cfg.users_file = NULL; /* read once, here */
	p->cfg.auth_algorithms = NULL;
	int rc = 0;
	if (!cfg->location.ops) /* the store is the proxy's from here on, whatever happens */
		rc = sk_location_memory(&p->loc, 100000, 16);
	else
		p->loc = cfg->location;
	if (rc == 0)
		rc = sk_proxy_domains_set(p, cfg->domain);
	if (rc == 0 && cfg->users_file)
		rc = start_auth(p, cfg);
	if (rc == 0)
		rc = sk_proxy_fork_table_init(p) < 0 ? -SK_ENOMEM : 0;
	if (rc == 0)
		rc = sk_proxy_overload_init(p); /* -SK_EINVAL: a trust list that does not parse */
	if (rc < 0) {
		sk_proxy_free(p);
		return rc;
	}
	struct sk_txl_user u = {.admit = sk_proxy_admit,
	                        .request = on_request,
	                        .ack = on_ack,
	                        .stray_response = on_stray,
	                        .arg = p};
	sk_stack_set_user(p->stack, &u);
	/* a ringing branch keeps what its CANCEL and ACK need, not its INVITE (issue 16) */
	sk_txl_set_compact(sk_stack_txl(p->stack), true);
	*out = p;
	return 0;
}

void sk_proxy_free(struct sk_proxy *p)
{
	if (!p)
		return;
	sk_proxy_overload_free(p->ol);
	sk_proxy_auth_free(p->auth);
	free(p->domains);
	sk_proxy_fork_table_free(p);
	sk_proxy_dns_fwd_free(p);
	if (p->loc.ops && p->loc.ops->free)
		p->loc.ops->free(p->loc.st);
	free(p->routes);
	free(p);
}

int sk_proxy_route_add(struct sk_proxy *p, const char *user, const char *uris)
{
	if (!p || !user || !uris || strlen(user) >= sizeof(p->routes[0].user) ||
	    strlen(uris) >= sizeof(p->routes[0].uris))
		return -SK_EINVAL;
	if (p->nroutes >= PROXY_MAX_ROUTES)
		return -SK_ETOOBIG;
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", uris);
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (sk_resolve_check(sk_str_c(t)) <
		    0) /* a name is resolved per request (RFC 3263) */
			return -SK_EINVAL;
	}
	struct static_route *r = realloc(p->routes, (p->nroutes + 1) * sizeof(*r));
	if (!r)
		return -SK_ENOMEM;
	p->routes = r;
	snprintf(r[p->nroutes].user, sizeof(r->user), "%s", user);
	snprintf(r[p->nroutes].uris, sizeof(r->uris), "%s", uris);
	p->nroutes++;
	return 0;
}

struct sk_proxy_stats sk_proxy_stats(const struct sk_proxy *p)
{
	struct sk_proxy_stats s = p->st;
	s.pending = sk_htab_count(&p->ctxs);
	s.active = p->active;
	return s;
}
