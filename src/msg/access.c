/* SPDX-License-Identifier: BSD-3-Clause */
/* Read access to a parsed message: start line, headers, typed values. */
#include <string.h>

#include "lex.h"
#include "msg_int.h"

bool sk_msg_is_request(const struct sk_msg *m)
{
	return m->request;
}
struct sk_str sk_msg_method(const struct sk_msg *m)
{
	return m->method;
}
struct sk_str sk_msg_ruri_str(const struct sk_msg *m)
{
	return m->ruri_str;
}
const struct sk_uri *sk_msg_ruri(const struct sk_msg *m)
{
	return m->request ? &m->ruri : NULL;
}
int sk_msg_status(const struct sk_msg *m)
{
	return m->status;
}
struct sk_str sk_msg_reason_phrase(const struct sk_msg *m)
{
	return m->phrase;
}
struct sk_str sk_msg_version(const struct sk_msg *m)
{
	return m->version;
}
struct sk_str sk_msg_raw(const struct sk_msg *m)
{
	return m->raw;
}
struct sk_str sk_msg_start_line(const struct sk_msg *m)
{
	return m->start_line;
}
struct sk_str sk_msg_body(const struct sk_msg *m)
{
	return m->body;
}
size_t sk_msg_hdr_count(const struct sk_msg *m)
{
	return m->nhdrs;
}

const struct sk_hdr *sk_msg_hdr_at(const struct sk_msg *m, size_t i)
{
	return i < m->nhdrs ? &m->hdrs[i] : NULL;
}

const struct sk_hdr *sk_msg_hdr_first(const struct sk_msg *m, enum sk_hdr_id id)
{
	if ((unsigned)id >= SK_HDR__COUNT || id == SK_HDR_OTHER || m->first[id] == SK_NO_HDR)
		return NULL;
	return &m->hdrs[m->first[id]];
}

size_t sk_msg_hdr_num(const struct sk_msg *m, enum sk_hdr_id id)
{
	if ((unsigned)id >= SK_HDR__COUNT || id == SK_HDR_OTHER)
		return 0;
	return m->count[id];
}

const struct sk_hdr *sk_msg_hdr_find(const struct sk_msg *m, const char *name)
{
	size_t len = strlen(name);
	enum sk_hdr_id id = sk_hdr_lookup(name, len);

	if (id != SK_HDR_OTHER)
		return sk_msg_hdr_first(m, id);
	for (uint32_t i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SK_HDR_OTHER && sk_str_caseeq(m->hdrs[i].name, sk_str_c(name)))
			return &m->hdrs[i];
	return NULL;
}

size_t sk_msg_via_count(const struct sk_msg *m)
{
	return m->nvias;
}

const struct sk_via *sk_msg_via(const struct sk_msg *m, size_t i)
{
	return i < m->nvias ? &m->vias[i] : NULL;
}

const struct sk_addr *sk_msg_from(const struct sk_msg *m)
{
	return m->has_from ? &m->from : NULL;
}
const struct sk_addr *sk_msg_to(const struct sk_msg *m)
{
	return m->has_to ? &m->to : NULL;
}

static int addr_kind(enum sk_hdr_id id)
{
	switch (id) {
	case SK_HDR_CONTACT: return AK_CONTACT;
	case SK_HDR_ROUTE: return AK_ROUTE;
	case SK_HDR_RECORD_ROUTE: return AK_RECORD_ROUTE;
	default: return -1;
	}
}

size_t sk_msg_addr_count(const struct sk_msg *m, enum sk_hdr_id id)
{
	int k = addr_kind(id);
	return k < 0 ? 0 : m->lists[k].n;
}

const struct sk_addr *sk_msg_addr(const struct sk_msg *m, enum sk_hdr_id id, size_t i)
{
	int k = addr_kind(id);
	if (k < 0 || i >= m->lists[k].n)
		return NULL;
	return &m->addrs[m->lists[k].idx[i]];
}

struct sk_str sk_msg_call_id(const struct sk_msg *m)
{
	return m->call_id;
}
const struct sk_cseq *sk_msg_cseq(const struct sk_msg *m)
{
	return m->has_cseq ? &m->cseq : NULL;
}
int sk_msg_max_forwards(const struct sk_msg *m)
{
	return m->max_forwards;
}
long sk_msg_content_length(const struct sk_msg *m)
{
	return m->content_length;
}
struct sk_str sk_msg_content_type(const struct sk_msg *m)
{
	return m->content_type;
}
long sk_msg_expires(const struct sk_msg *m)
{
	return m->expires;
}

int sk_msg_list_next(const struct sk_msg *m, enum sk_hdr_id id, struct sk_list_iter *it,
                     struct sk_str *value)
{
	if (!it->started) {
		it->started = true;
		it->hdr =
		    ((unsigned)id < SK_HDR__COUNT && id != SK_HDR_OTHER) ? m->first[id] : SK_NO_HDR;
		it->pos = 0;
	}
	while (it->hdr != SK_NO_HDR) {
		const struct sk_hdr *h = &m->hdrs[it->hdr];
		const char *end = h->value.p + h->value.len;
		while (it->pos < h->value.len) {
			const char *p = h->value.p + it->pos;
			const char *comma = sk_lex_next_comma(p, end);
			it->pos = (size_t)(comma - h->value.p) + 1;
			struct sk_str v = lx_trim((struct sk_str){p, (size_t)(comma - p)});
			if (v.len) {
				*value = v;
				return 1;
			}
		}
		it->hdr = h->next;
		it->pos = 0;
	}
	return 0;
}

bool sk_msg_list_has(const struct sk_msg *m, enum sk_hdr_id id, const char *token)
{
	struct sk_list_iter it = {0};
	struct sk_str v;

	while (sk_msg_list_next(m, id, &it, &v)) {
		/* the value before its parameters: "timer" of "timer;refresher=uac",
		 * "application/sdp" of "application/sdp;q=0.5" (§20.1, §25.1) */
		const char *semi = memchr(v.p, ';', v.len);
		if (semi)
			v = lx_trim((struct sk_str){v.p, (size_t)(semi - v.p)});
		if (sk_str_caseeq_c(v, token))
			return true;
	}
	return false;
}

/* Appends ", v" (or v first) when it fits whole. */
static bool join_one(char *buf, size_t size, size_t *used, struct sk_str v)
{
	size_t sep = *used ? 2 : 0;
	if (*used + sep + v.len + 1 > size)
		return false;
	memcpy(buf + *used, ", ", sep);
	memcpy(buf + *used + sep, v.p, v.len);
	*used += sep + v.len;
	buf[*used] = '\0';
	return true;
}

size_t sk_msg_hdr_join(const struct sk_msg *m, enum sk_hdr_id id, char *buf, size_t size)
{
	size_t used = 0, n = 0;
	if (size)
		buf[0] = '\0';
	for (uint32_t i = m->first[id]; i != SK_NO_HDR; i = m->hdrs[i].next, n++)
		if (!join_one(buf, size, &used, m->hdrs[i].value))
			break;
	return n;
}

size_t sk_msg_list_join(const struct sk_msg *m, enum sk_hdr_id id, char *buf, size_t size)
{
	struct sk_list_iter it = {0};
	struct sk_str v;
	size_t used = 0, n = 0;
	if (size)
		buf[0] = '\0';
	while (sk_msg_list_next(m, id, &it, &v) == 1 && join_one(buf, size, &used, v))
		n++;
	return n;
}

int sk_msg_reasons(const struct sk_msg *m, struct sk_reason *out, size_t max, size_t *n,
                   struct sk_parse_err *err)
{
	*n = 0;
	for (uint32_t i = m->first[SK_HDR_REASON]; i != SK_NO_HDR; i = m->hdrs[i].next) {
		size_t got = 0;
		const char *why = NULL;
		int rc = sk_reason_parse(m->hdrs[i].value, out + *n, max - *n, &got, &why);
		if (rc < 0) {
			if (err) {
				memset(err, 0, sizeof(*err));
				err->line = m->hdrs[i].line;
				sk_str_cpy(err->hdr, sizeof(err->hdr), m->hdrs[i].name);
				err->why = why;
				err->status = m->request ? 400 : 0;
			}
			return rc;
		}
		*n += got;
	}
	return 0;
}
