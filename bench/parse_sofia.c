/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * Sofia-SIP harness. msg_make(sip_default_mclass(), ...) copies the buffer
 * into a fresh msg_t (its own su_home) and parses every header the message
 * class knows into its typed structure (Via, Route, Record-Route, From, To,
 * Contact, CSeq, Max-Forwards, Content-Length, Allow, Supported, ...);
 * headers it does not know (P-Asserted-Identity and the other P- headers
 * with the default class) go to sip->sip_unknown. A header that fails to
 * parse is moved to sip->sip_error and the message is flagged MSG_FLG_ERROR.
 */
#include <stdio.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su.h>

#include "bench_parse.h"

static int sofia_init(void **state)
{
	*state = NULL;
	return su_init() == 0 ? 0 : -1;
}

static void sofia_fini(void *state)
{
	(void)state;
	su_deinit();
}

static void url_fields(const url_t *u, uint32_t *host_len, uint32_t *port_sum)
{
	*host_len += bench_host_len(u->url_host, bench_slen(u->url_host));
	*port_sum += bench_u32(u->url_port);
}

static int sofia_parse_one(void *state, const char *buf, size_t len, struct bench_fields *f,
                           char *err, size_t errlen)
{
	msg_t *msg;
	sip_t const *sip;
	uint32_t n;

	(void)state;
	msg = msg_make(sip_default_mclass(), 0, buf, (ssize_t)len);
	if (!msg) {
		snprintf(err, errlen, "msg_make failed");
		return -1;
	}
	sip = sip_object(msg);
	if (!sip || msg_has_error(msg) || sip->sip_error || (sip->sip_flags & MSG_FLG_ERROR)) {
		snprintf(err, errlen, "parse error%s%s", sip && sip->sip_error ? " in " : "",
		         sip && sip->sip_error && sip->sip_error->er_name ? sip->sip_error->er_name
		                                                          : "");
		goto fail;
	}
	if (!sip->sip_via || !sip->sip_from || !sip->sip_to || !sip->sip_call_id ||
	    !sip->sip_cseq || (!sip->sip_request && !sip->sip_status)) {
		snprintf(err, errlen, "missing start line, Via, From, To, Call-ID or CSeq");
		goto fail;
	}

	if (sip->sip_request) {
		f->method_len = bench_slen(sip->sip_request->rq_method_name);
		url_fields(sip->sip_request->rq_url, &f->ruri_host_len, &f->ruri_port);
	} else {
		f->status = (uint32_t)sip->sip_status->st_status;
	}

	for (sip_via_t const *v = sip->sip_via; v; v = v->v_next) {
		f->vias++;
		f->via_host_len += bench_host_len(v->v_host, bench_slen(v->v_host));
		f->via_port_sum += bench_u32(v->v_port);
		f->branch_len += bench_slen(v->v_branch);
	}

	f->from_tag_len = bench_slen(sip->sip_from->a_tag);
	f->to_tag_len = bench_slen(sip->sip_to->a_tag);
	url_fields(sip->sip_from->a_url, &f->addr_host_len, &(uint32_t){0});
	url_fields(sip->sip_to->a_url, &f->addr_host_len, &(uint32_t){0});

	f->call_id_len = bench_slen(sip->sip_call_id->i_id);
	f->cseq = sip->sip_cseq->cs_seq;
	f->cseq_method_len = bench_slen(sip->sip_cseq->cs_method_name);
	f->max_forwards = sip->sip_max_forwards ? (int32_t)sip->sip_max_forwards->mf_count : -1;
	f->content_length =
	    sip->sip_content_length ? (int32_t)sip->sip_content_length->l_length : -1;

	n = 0;
	for (sip_route_t const *r = sip->sip_route; r; r = r->r_next, n++)
		url_fields(r->r_url, &f->uri_host_len, &f->uri_port_sum);
	f->routes = n;
	n = 0;
	for (sip_record_route_t const *r = sip->sip_record_route; r; r = r->r_next, n++)
		url_fields(r->r_url, &f->uri_host_len, &f->uri_port_sum);
	f->record_routes = n;
	n = 0;
	for (sip_contact_t const *m = sip->sip_contact; m; m = m->m_next, n++)
		url_fields(m->m_url, &f->uri_host_len, &f->uri_port_sum);
	f->contacts = n;

	msg_destroy(msg);
	return 0;
fail:
	msg_destroy(msg);
	return -1;
}

const struct bench_parser bench_sofia = {
    .name = "sofia",
    .init = sofia_init,
    .parse = sofia_parse_one,
    .fini = sofia_fini,
};
