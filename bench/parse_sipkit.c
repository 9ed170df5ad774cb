/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * sipkit harness. One struct sk_msg is allocated at init and reused;
 * sk_msg_parse is zero-copy (views into the caller's buffer) and indexes
 * every header, and parses the start line, Via, From, To, CSeq, Call-ID,
 * Max-Forwards, Content-Length, Contact, Route and Record-Route eagerly; the
 * accessors below only read the results.
 */
#include <stdio.h>

#include "sipkit/msg.h"

#include "bench_parse.h"

static int sipkit_init(void **state)
{
	struct sk_msg *m;

	if (sk_msg_new(&m, NULL) != 0)
		return -1;
	*state = m;
	return 0;
}

static void sipkit_fini(void *state)
{
	sk_msg_free(state);
}

static void uri_fields(const struct sk_uri *u, uint32_t *host_len, uint32_t *port_sum)
{
	*host_len += bench_host_len(u->host.p, u->host.len);
	*port_sum += u->port;
}

static uint32_t addr_list(const struct sk_msg *m, enum sk_hdr_id id, struct bench_fields *f)
{
	size_t n = sk_msg_addr_count(m, id);

	for (size_t i = 0; i < n; i++)
		uri_fields(&sk_msg_addr(m, id, i)->uri, &f->uri_host_len, &f->uri_port_sum);
	return (uint32_t)n;
}

static int sipkit_parse_one(void *state, const char *buf, size_t len, struct bench_fields *f,
                            char *err, size_t errlen)
{
	struct sk_msg *m = state;
	struct sk_parse_err pe;
	const struct sk_addr *from, *to;
	const struct sk_cseq *cseq;
	struct sk_str callid;
	size_t nvia;
	int rc;

	rc = sk_msg_parse(m, buf, len, &pe);
	if (rc != 0) {
		snprintf(err, errlen, "%s: line %u col %u hdr \"%s\": %s (status %d)",
		         sk_strerror(rc), (unsigned)pe.line, (unsigned)pe.col, pe.hdr,
		         pe.why ? pe.why : "?", pe.status);
		return -1;
	}
	nvia = sk_msg_via_count(m);
	from = sk_msg_from(m);
	to = sk_msg_to(m);
	cseq = sk_msg_cseq(m);
	callid = sk_msg_call_id(m);
	if (nvia == 0 || !from || !to || !cseq || !sk_str_present(callid)) {
		snprintf(err, errlen, "missing Via, From, To, Call-ID or CSeq");
		return -1;
	}

	if (sk_msg_is_request(m)) {
		const struct sk_uri *ruri = sk_msg_ruri(m);
		f->method_len = (uint32_t)sk_msg_method(m).len;
		if (ruri)
			uri_fields(ruri, &f->ruri_host_len, &f->ruri_port);
	} else {
		f->status = (uint32_t)sk_msg_status(m);
	}

	f->vias = (uint32_t)nvia;
	for (size_t i = 0; i < nvia; i++) {
		const struct sk_via *v = sk_msg_via(m, i);
		f->via_host_len += bench_host_len(v->host.p, v->host.len);
		f->via_port_sum += v->port_str.len ? v->port : 0;
		f->branch_len += (uint32_t)v->branch.len;
	}

	f->from_tag_len = (uint32_t)from->tag.len;
	f->to_tag_len = (uint32_t)to->tag.len;
	uri_fields(&from->uri, &f->addr_host_len, &(uint32_t){0});
	uri_fields(&to->uri, &f->addr_host_len, &(uint32_t){0});

	f->call_id_len = (uint32_t)callid.len;
	f->cseq = cseq->num;
	f->cseq_method_len = (uint32_t)cseq->method.len;
	f->max_forwards = (int32_t)sk_msg_max_forwards(m);
	f->content_length = (int32_t)sk_msg_content_length(m);

	f->routes = addr_list(m, SK_HDR_ROUTE, f);
	f->record_routes = addr_list(m, SK_HDR_RECORD_ROUTE, f);
	f->contacts = addr_list(m, SK_HDR_CONTACT, f);
	return 0;
}

const struct bench_parser bench_sipkit = {
    .name = "sipkit",
    .init = sipkit_init,
    .parse = sipkit_parse_one,
    .fini = sipkit_fini,
};
