/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * oSIP2 harness. osip_message_parse copies the buffer and parses the start
 * line, Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route,
 * Content-Length, Content-Type, the authentication headers and a few list
 * headers into structures; every other header (Max-Forwards included) is kept
 * as a name/value pair in msg->headers. Numbers stay strings.
 */
#include <stdarg.h>
#include <stdio.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "bench_parse.h"

static void osip_quiet(const char *fi, int li, osip_trace_level_t level, const char *chfr,
                       va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

static int osip_init(void **state)
{
	*state = NULL;
	/* oSIP2 logs every parse error to stderr unless told otherwise. */
	osip_trace_initialize_func(TRACE_LEVEL0, osip_quiet);
	for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);
	return parser_init() == 0 ? 0 : -1;
}

static void osip_fini(void *state)
{
	(void)state; /* oSIP2 has no parser_deinit */
}

static void uri_fields(const osip_uri_t *u, uint32_t *host_len, uint32_t *port_sum)
{
	if (!u)
		return;
	*host_len += bench_host_len(u->host, bench_slen(u->host));
	*port_sum += bench_u32(u->port);
}

static uint32_t addr_list(const osip_list_t *l, struct bench_fields *f)
{
	osip_list_iterator_t it;
	uint32_t n = 0;

	for (osip_from_t *a = osip_list_get_first(l, &it); a; a = osip_list_get_next(&it)) {
		uri_fields(a->url, &f->uri_host_len, &f->uri_port_sum);
		n++;
	}
	return n;
}

static int osip_parse_one(void *state, const char *buf, size_t len, struct bench_fields *f,
                          char *err, size_t errlen)
{
	osip_message_t *msg;
	osip_list_iterator_t it;
	osip_generic_param_t *p;
	osip_header_t *h;
	int rc;

	(void)state;
	if (osip_message_init(&msg) != 0) {
		snprintf(err, errlen, "osip_message_init failed");
		return -1;
	}
	rc = osip_message_parse(msg, buf, len);
	if (rc != 0) {
		snprintf(err, errlen, "osip_message_parse: %d", rc);
		goto fail;
	}
	if (!msg->from || !msg->to || !msg->call_id || !msg->cseq ||
	    osip_list_size(&msg->vias) <= 0) {
		snprintf(err, errlen, "missing Via, From, To, Call-ID or CSeq");
		goto fail;
	}

	if (MSG_IS_REQUEST(msg)) {
		f->method_len = bench_slen(msg->sip_method);
		if (msg->req_uri) {
			f->ruri_host_len =
			    bench_host_len(msg->req_uri->host, bench_slen(msg->req_uri->host));
			f->ruri_port = bench_u32(msg->req_uri->port);
		}
	} else {
		f->status = (uint32_t)msg->status_code;
	}

	for (osip_via_t *v = osip_list_get_first(&msg->vias, &it); v; v = osip_list_get_next(&it)) {
		f->vias++;
		f->via_host_len += bench_host_len(v->host, bench_slen(v->host));
		f->via_port_sum += bench_u32(v->port);
		if (osip_via_param_get_byname(v, "branch", &p) == 0 && p)
			f->branch_len += bench_slen(p->gvalue);
	}

	if (osip_from_get_tag(msg->from, &p) == 0 && p)
		f->from_tag_len = bench_slen(p->gvalue);
	if (osip_to_get_tag(msg->to, &p) == 0 && p)
		f->to_tag_len = bench_slen(p->gvalue);
	uri_fields(msg->from->url, &f->addr_host_len, &(uint32_t){0});
	uri_fields(msg->to->url, &f->addr_host_len, &(uint32_t){0});

	f->call_id_len = bench_slen(msg->call_id->number);
	if (msg->call_id->host)
		f->call_id_len += 1 + bench_slen(msg->call_id->host);
	f->cseq = bench_u32(msg->cseq->number);
	f->cseq_method_len = bench_slen(msg->cseq->method);

	f->max_forwards = -1;
	if (osip_message_header_get_byname(msg, "max-forwards", 0, &h) >= 0 && h)
		f->max_forwards = (int32_t)bench_u32(h->hvalue);
	f->content_length =
	    msg->content_length ? (int32_t)bench_u32(msg->content_length->value) : -1;

	f->routes = addr_list(&msg->routes, f);
	f->record_routes = addr_list(&msg->record_routes, f);
	f->contacts = addr_list(&msg->contacts, f);

	osip_message_free(msg);
	return 0;
fail:
	osip_message_free(msg);
	return -1;
}

const struct bench_parser bench_osip2 = {
    .name = "osip2",
    .init = osip_init,
    .parse = osip_parse_one,
    .fini = osip_fini,
};
